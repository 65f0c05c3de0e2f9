//! Spec evolution does not break consumers.
//!
//! `evolution/v1.yaml` is a small Upvest-style document; `evolution/v2.yaml` is the
//! same with additive changes only (a new optional field, new enum values, a new
//! optional query parameter, a new operation, a new response header). The consumer
//! crate in `evolution/consumer/` was written against the client generated from v1.
//!
//! The test generates the client from v1 into `target/evolution/client`, builds the
//! consumer against it and runs it (it stands up its own wiremock server, token
//! endpoint included) against a v1-like and a v2-like server; then it generates the
//! client from v2 into the same place and proves the unchanged consumer still
//! compiles and passes against both servers.
//!
//! Nested cargo builds use `target/evolution/target`, so dependencies compile once;
//! the first run takes a minute or two.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "support/files.rs"]
mod files;

use files::{read, repo, write_if_changed};

/// Every file below `dir`, relative, `/`-separated.
fn files_below(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if let Ok(relative) = path.strip_prefix(root) {
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

/// The consumer depends on `upvest-client`, as generated for this repository's spec.
fn upvest_options() -> generator::Options {
    generator::Options { crate_name: Some("upvest-client".into()), ..generator::Options::default() }
}

/// Generates the client from `spec` into `dir`: exactly the generator's files, with an
/// empty `[workspace]` table so it builds on its own.
fn generate_client(spec: &Path, dir: &Path) -> generator::Output {
    let output = generator::generate_from_str_with(&read(spec), &upvest_options())
        .unwrap_or_else(|err| panic!("the generator rejects {}:\n{err}", spec.display()));
    for stale in files_below(dir) {
        if !output.files.contains_key(&stale) {
            std::fs::remove_file(dir.join(&stale)).unwrap_or_else(|err| panic!("cannot remove {stale}: {err}"));
        }
    }
    for (relative, content) in &output.files {
        let content = if relative == "Cargo.toml" {
            assert!(!content.contains("[workspace]"), "the generated Cargo.toml now has a [workspace] table");
            format!("{content}\n[workspace]\n")
        } else {
            content.clone()
        };
        write_if_changed(&dir.join(relative), &content);
    }
    output
}

/// Copies the consumer source next to the client. The consumer's lockfile starts as
/// the workspace's, so it resolves to the versions already used (and downloaded).
fn install_consumer(repo: &Path, dir: &Path) {
    let source = repo.join("evolution/consumer");
    // Only the manifest and the sources: not a `target/` or lockfile of a local build there.
    let sources = files_below(&source.join("src")).into_iter().map(|relative| format!("src/{relative}"));
    for relative in std::iter::once("Cargo.toml".to_owned()).chain(sources) {
        write_if_changed(&dir.join(&relative), &read(&source.join(&relative)));
    }
    write_if_changed(&dir.join("Cargo.lock"), &read(&repo.join("Cargo.lock")));
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn show(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn run(command: &mut Command, what: &str) -> String {
    let output = command.output().unwrap_or_else(|err| panic!("cannot start {what}: {err}"));
    assert!(output.status.success(), "{what} failed: {}", show(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

struct Workspace {
    consumer: PathBuf,
    target: PathBuf,
}

impl Workspace {
    /// Builds the consumer against whatever client is in place.
    fn build_consumer(&self, version: &str) {
        run(
            cargo()
                .arg("build")
                .arg("--manifest-path")
                .arg(self.consumer.join("Cargo.toml"))
                .env("CARGO_TARGET_DIR", &self.target)
                .env_remove("CARGO_BUILD_TARGET_DIR"),
            &format!("building the consumer (written for v1) against the client generated from {version}"),
        );
    }

    /// Runs the consumer against a server speaking `server`.
    fn run_consumer(&self, client: &str, server: &str) {
        let binary = self.target.join("debug").join(format!("evolution-consumer{}", std::env::consts::EXE_SUFFIX));
        let stdout = run(
            Command::new(&binary).env("EVOLUTION_SERVER", server),
            &format!("the consumer with the {client} client against a {server} server"),
        );
        assert!(stdout.contains("evolution consumer: ok"), "the consumer did not finish: {stdout}");
    }
}

#[test]
fn additive_spec_changes_do_not_break_consumers() {
    let repo = repo();
    let work = repo.join("target/evolution");
    let client = work.join("client");
    let workspace = Workspace { consumer: work.join("consumer"), target: work.join("target") };
    install_consumer(&repo, &workspace.consumer);

    let v1 = generate_client(&repo.join("evolution/v1.yaml"), &client);
    assert!(!v1.files["src/operations/orders.rs"].contains("fn get_order("));
    workspace.build_consumer("v1");
    workspace.run_consumer("v1", "v1");
    // An old client against a newer API: unknown fields, values and headers are tolerated.
    workspace.run_consumer("v1", "v2");

    let v2 = generate_client(&repo.join("evolution/v2.yaml"), &client);
    // The additive changes really are in the new client, so the rest is not vacuous.
    let orders = &v2.files["src/operations/orders.rs"];
    assert!(orders.contains("fn get_order("), "v2 has the new operation");
    assert!(v2.files["src/types.rs"].contains("PartiallyFilled"), "v2 has the new enum value");
    assert!(v2.files["src/types.rs"].contains("client_reference"), "v2 has the new optional field");
    workspace.build_consumer("v2");
    workspace.run_consumer("v2", "v2");
    workspace.run_consumer("v2", "v1");
}

/// The cheap check that stands in for `cargo-semver-checks` on every run: a
/// consumer cannot write code that an additive spec change breaks, because the
/// compiler refuses it already. Every generated enum (string enums and unions)
/// is `#[non_exhaustive]`, so every `match` needs a wildcard arm; every struct
/// with named fields is `#[non_exhaustive]`, so request bodies are built with
/// `new()` and `with_*` and never with a struct literal that a new field breaks;
/// and the unknown value of a string enum is sealed, so no code matches on the
/// text of a value a later version turns into a variant of its own.
#[test]
fn the_compiler_forbids_code_that_additive_changes_would_break() {
    let repo = repo();
    for spec in ["evolution/v1.yaml", "evolution/v2.yaml", "spec/upvest.yaml"] {
        let output = generator::generate_from_str_with(&read(&repo.join(spec)), &upvest_options())
            .unwrap_or_else(|err| panic!("{spec}: {err}"));
        let types = &output.files["src/types.rs"];
        let lines: Vec<&str> = types.lines().collect();
        let mut checked = 0;
        for (i, line) in lines.iter().enumerate() {
            let item = line.trim_start();
            let is_enum = item.starts_with("pub enum ");
            let is_struct = item.starts_with("pub struct ") && item.trim_end().ends_with('{');
            if !(is_enum || is_struct) {
                continue;
            }
            let attributes = lines[..i]
                .iter()
                .rev()
                .take_while(|l| {
                    let l = l.trim_start();
                    l.starts_with("#[") || l.starts_with("///") || l.starts_with(')')
                })
                .any(|l| l.trim() == "#[non_exhaustive]");
            assert!(attributes, "{spec}: `{}` is not #[non_exhaustive]", item.trim());
            checked += 1;
        }
        assert!(checked > 5, "{spec}: only {checked} items found");
        assert!(
            !types.contains("(::std::string::String),\n}"),
            "{spec}: an enum keeps unknown values as a plain String"
        );
    }
}
