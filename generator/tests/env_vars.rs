//! The environment variables a generated crate documents (its `env` module, and the
//! README table from the same list: `ClientProfile::env_vars`) are the ones its runtime
//! reads in `ClientBuilder::from_env`. The two lists live apart, one in the generator and
//! one in the runtime's code, so this test ties them together: a variable renamed or added
//! on one side only fails here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The suffixes (`CLIENT_ID`, ...) of the `env` module generated from `document`.
fn documented(document: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(document).unwrap_or_else(|err| panic!("{}: {err}", document.display()));
    let output = generator::generate_from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", document.display()));
    let root = &output.files["runtime/src/lib.rs"];
    let env = &root[root.find("pub mod env {").expect("the runtime root has an env module")..];
    let env = &env[..env.find("\n}").expect("the env module ends")];
    env.lines()
        .filter_map(|line| line.trim().strip_prefix("pub const "))
        .map(|rest| rest.split(':').next().unwrap_or_default().to_owned())
        .collect()
}

/// The suffixes the runtime's code asks for: `vars.get("X")`, `vars.required("X")` and
/// `credential("X", ...)` in the files that read the environment.
fn read_by_runtime() -> BTreeSet<String> {
    let mut read = BTreeSet::new();
    for file in ["config.rs", "signing.rs", "environment.rs"] {
        let path = repo().join("templates/runtime").join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let code = text.split("\n#[cfg(test)]\nmod tests {").next().unwrap_or_default();
        for call in ["vars.get(\"", "vars.required(\"", "credential(\""] {
            for (at, _) in code.match_indices(call) {
                let rest = &code[at + call.len()..];
                read.insert(rest[..rest.find('"').expect("a closed string")].to_owned());
            }
        }
    }
    read
}

#[test]
fn the_documented_variables_are_the_ones_the_runtime_reads() {
    // Between them, every kind of credential, signing and the environments.
    let mut documented_somewhere = documented(&repo().join("generator/tests/fixtures/auth_schemes.yaml"));
    documented_somewhere.extend(documented(&repo().join("spec/upvest.yaml")));
    let read = read_by_runtime();
    assert!(read.len() >= 10, "the scan found too few variables: {read:?}");
    assert_eq!(documented_somewhere, read, "documented (left) and read by the runtime (right) differ");
}
