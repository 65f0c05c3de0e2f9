//! One small OpenAPI document per construct (`tests/fixtures/*.yaml`). Each is
//!
//! - generated, and the Rust it emits (`src/lib.rs`, `src/types.rs`,
//!   `src/operations/*.rs`, `src/webhooks.rs`) snapshotted with insta, one `.snap`
//!   per fixture (`tests/snapshots/snapshots__fixtures@<fixture>.yaml.snap`): what
//!   the generator decides for a construct is read there;
//! - compiled: every fixture becomes a crate of one throwaway workspace, and one
//!   `cargo clippy --all-targets -- -D warnings` run must pass, which proves what
//!   text cannot (a recursive field is boxed, a module has its file, no warning);
//!   then every crate's doc examples must compile (`cargo test --doc`).
//!
//! A fixture may come with `<fixture>.test.rs`: it becomes the crate's
//! `tests/calls.rs` and runs after clippy passes, to make real calls through the
//! generated crate against a server it starts on 127.0.0.1.
//!
//! Adding a case is adding a fixture. After an intended change:
//! `INSTA_UPDATE=always cargo test -p upvest-generator --test snapshots fixtures`,
//! then review every changed `.snap` by eye before committing
//! (`INSTA_GLOB_FILTER=recursive.yaml` narrows the run to one fixture). CI sets
//! `CI=true`, so a mismatch fails instead of writing a new snapshot.
//!
//! How unions decode at run time (a TOL payload is TOL, not BYOL) is run against the
//! real document in `client-tests/`.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The fixtures, sorted.
fn fixture_paths() -> Vec<PathBuf> {
    let dir = manifest_dir().join("tests/fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no fixtures in {}", dir.display());
    paths
}

fn fixture_name(path: &Path) -> String {
    path.file_stem().expect("a fixture file name").to_string_lossy().into_owned()
}

/// Generates the crate from a fixture: its files by path, or why it did not generate
/// (the generator's error, or its panic).
fn generate(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    // Each fixture crate has its own name: one workspace holds them all.
    let options = generator::Options {
        crate_name: Some(format!("fixture-{}", fixture_name(path).replace('_', "-"))),
        ..generator::Options::default()
    };
    match catch_unwind(AssertUnwindSafe(|| generator::generate_from_str_with(&text, &options))) {
        Ok(Ok(output)) => Ok(output.files),
        Ok(Err(err)) => Err(format!("the generator rejected the document:\n{err}")),
        Err(panic) => Err(format!(
            "the generator panicked: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "(no message)".to_owned())
        )),
    }
}

/// The Rust that depends on the document (`lib.rs`, the API the runtime crate serves
/// with its servers and schemes, the types and their decoders, the operations, the
/// webhooks), file after
/// file under `// ---- path ----` lines. The rest of the runtime is copied as it is, and
/// compiled by `fixture_crates_pass_clippy`.
fn emitted_rust(files: &BTreeMap<String, String>) -> String {
    const API_MARK: &str = "// The API this crate serves, from the API document.\n";
    // Where each shown file goes, and where its shown part starts.
    let part = |path: &str, text: &str| match path {
        "src/lib.rs" => Some((0, 0)),
        "runtime/src/lib.rs" => Some((1, text.find(API_MARK)? + API_MARK.len())),
        "src/types.rs" => Some((2, 0)),
        "src/types/decode.rs" => Some((3, 0)),
        _ if path.starts_with("src/operations/") => Some((4, 0)),
        "src/webhooks.rs" => Some((5, 0)),
        _ => None,
    };
    let mut shown: Vec<(usize, &str, &str)> = files
        .iter()
        .filter_map(|(path, text)| part(path, text).map(|(order, start)| (order, path.as_str(), &text[start..])))
        .collect();
    shown.sort();
    shown.into_iter().map(|(_, path, text)| format!("// ---- {path} ----\n{text}")).collect::<Vec<_>>().join("\n")
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/*.yaml", |path| {
        let files = generate(path).unwrap_or_else(|why| panic!("{}: {why}", fixture_name(path)));
        assert_names_no_vendor(path, &files);
        insta::assert_snapshot!(emitted_rust(&files));
    });
}

/// Writes every fixture's crate into one workspace under `CARGO_TARGET_TMPDIR` and
/// runs `cargo clippy --workspace --all-targets -- -D warnings` on it once, with
/// the repository's `Cargo.lock` (the same dependency versions as `generated/`,
/// already downloaded by building this workspace, hence `--offline`) and a target
/// folder kept across runs, so the dependencies are checked once.
#[test]
fn fixture_crates_pass_clippy() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let workspace = tmp.join("fixtures");
    let target = tmp.join("fixtures-target");
    let mut names = Vec::new();
    let mut with_calls = Vec::new();
    let mut failures = BTreeMap::new();
    for path in fixture_paths() {
        let name = fixture_name(&path);
        match generate(&path) {
            Ok(files) => {
                let calls = std::fs::read_to_string(path.with_extension("test.rs")).ok();
                if calls.is_some() {
                    with_calls.push(format!("fixture-{}", name.replace('_', "-")));
                }
                write_crate(&workspace.join(&name), &files, calls.as_deref());
                names.push(name);
            }
            Err(why) => {
                failures.insert(name, why);
            }
        }
    }
    write_workspace(&workspace, &names);

    let started = Instant::now();
    let output = cargo(&workspace, &target)
        .args([
            "clippy",
            "--offline",
            "--workspace",
            "--all-targets",
            // Every failing fixture is listed, not just the first.
            "--keep-going",
            "--message-format",
            "short",
            "--",
            "-D",
            "warnings",
        ])
        .output()
        .expect("cargo runs");
    eprintln!("cargo clippy on {} fixture crates: {:.1?}", names.len(), started.elapsed());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for (name, errors) in errors_by_fixture(&stderr, &names) {
        failures.insert(name, errors);
    }
    if !output.status.success() && failures.is_empty() {
        // Not a fixture's fault: most likely a dependency never downloaded, as after
        // building only this package on a fresh clone.
        failures.insert("(the workspace; `cargo fetch` downloads the dependencies)".to_owned(), stderr.into_owned());
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixture crates fail (they are in {}):\n\n{}",
        failures.len(),
        names.len(),
        workspace.display(),
        failures.iter().map(|(name, why)| format!("{name}:\n{why}")).collect::<Vec<_>>().join("\n\n")
    );

    // The calls, and every crate's doc examples (each shows the credentials and
    // servers of its document; they compile, as `no_run`).
    let calls: Vec<&str> = with_calls.iter().flat_map(|package| ["-p", package.as_str()]).collect();
    for (what, args) in
        [("calls", [&["--test", "calls"][..], &calls].concat()), ("doc examples", vec!["--doc", "--workspace"])]
    {
        let started = Instant::now();
        let output = cargo(&workspace, &target).args(["test", "--offline"]).args(&args).output().expect("cargo runs");
        eprintln!("{what} of the fixture crates: {:.1?}", started.elapsed());
        assert!(
            output.status.success(),
            "the {what} of the fixture crates fail:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// `cargo` in the fixture workspace, with the same flags on every run, whatever
/// the caller's, so the dependencies checked once stay fresh.
fn cargo(workspace: &Path, target: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", target)
        .env("RUSTFLAGS", "-D warnings")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    command
}

/// A crate generated from a document that names no vendor names none either: the
/// runtime's optional parts, its docs and the templates follow the document.
fn assert_names_no_vendor(path: &Path, files: &BTreeMap<String, String>) {
    let document = std::fs::read_to_string(path).expect("the fixture");
    if document.to_lowercase().contains("upvest") {
        return;
    }
    for (file, text) in files {
        let line = text.lines().position(|line| line.to_lowercase().contains("upvest"));
        assert!(line.is_none(), "{}: {file}:{} names Upvest", fixture_name(path), line.unwrap_or(0) + 1);
    }
}

/// Writes a fixture's crate, with `calls` as its `tests/calls.rs` (and tokio to
/// run them). A file is only rewritten when its content changed, so an unchanged
/// crate is not checked again.
fn write_crate(dir: &Path, files: &BTreeMap<String, String>, calls: Option<&str>) {
    let mut files = files.clone();
    if let Some(calls) = calls {
        files.insert("tests/calls.rs".to_owned(), calls.to_owned());
        if let Some(manifest) = files.get_mut("Cargo.toml") {
            manifest.push_str(
                "\n[dev-dependencies]\ntokio = { version = \"1\", default-features = false, features = [\"rt\", \"time\"] }\n",
            );
        }
    }
    for stale in files_under(dir, dir) {
        if !files.contains_key(&stale) {
            let _ = std::fs::remove_file(dir.join(stale));
        }
    }
    for (path, text) in &files {
        write_if_changed(&dir.join(path), text);
    }
}

/// The workspace of every fixture crate, with the repository's lock file.
fn write_workspace(dir: &Path, members: &[String]) {
    let members: Vec<String> = members.iter().map(|name| format!("{name:?}")).collect();
    write_if_changed(
        &dir.join("Cargo.toml"),
        &format!(
            "# Written by generator/tests/snapshots.rs: one crate per fixture.\n\
             [workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    );
    let lock = manifest_dir().join("../Cargo.lock");
    std::fs::copy(&lock, dir.join("Cargo.lock")).unwrap_or_else(|err| panic!("cannot copy {}: {err}", lock.display()));
}

/// The files under `dir`, as `/`-separated paths relative to `root`.
fn files_under(root: &Path, dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for path in entries.filter_map(|entry| Some(entry.ok()?.path())) {
        if path.is_dir() {
            files.extend(files_under(root, &path));
        } else if let Ok(relative) = path.strip_prefix(root) {
            let parts: Vec<_> = relative.iter().map(|part| part.to_string_lossy()).collect();
            files.push(parts.join("/"));
        }
    }
    files
}

fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return;
    }
    std::fs::create_dir_all(path.parent().expect("a file in a folder"))
        .unwrap_or_else(|err| panic!("cannot create the folder of {}: {err}", path.display()));
    std::fs::write(path, text).unwrap_or_else(|err| panic!("cannot write {}: {err}", path.display()));
}

/// The first errors and warnings of each fixture crate in `cargo --message-format
/// short` output, whose lines start with the file's path (`all_of/src/types.rs:3:5:`).
fn errors_by_fixture(stderr: &str, names: &[String]) -> BTreeMap<String, String> {
    const SHOWN: usize = 5;
    let mut found: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for line in stderr.lines() {
        let Some(name) = names.iter().find(|name| line.starts_with(&format!("{name}/"))) else {
            continue;
        };
        found.entry(name.clone()).or_default().push(line);
    }
    found
        .into_iter()
        .map(|(name, lines)| {
            let mut shown = lines[..lines.len().min(SHOWN)].join("\n");
            if lines.len() > SHOWN {
                shown.push_str(&format!("\n... and {} more", lines.len() - SHOWN));
            }
            (name, shown)
        })
        .collect()
}
