//! Programs that run the clients generated from some of the generator's fixtures
//! (`generator/tests/fixtures/`): what the snapshots show and clippy accepts there,
//! here is also seen to behave. `fixture-programs/<fixture>/` holds each program.
//!
//! Each fixture's client is generated into `target/fixture-programs/<fixture>/client`,
//! its program copied next to it, built and run. The builds share the evolution test's
//! build folder (`target/evolution/target`; the programs have the evolution consumer's
//! dependencies), so dependencies compile once for both.

use std::process::Command;

#[path = "support/files.rs"]
mod files;

use files::{read, repo, write_if_changed};

/// Generates the fixture's client, copies its program next to it, builds and runs
/// the program, and returns what it printed.
fn run_program(fixture: &str) -> String {
    let repo = repo();
    let work = repo.join("target/fixture-programs").join(fixture);
    let spec = repo.join("generator/tests/fixtures").join(format!("{fixture}.yaml"));
    // Named as generator/tests/snapshots.rs names the fixture's crate.
    let options = generator::Options {
        crate_name: Some(format!("fixture-{}", fixture.replace('_', "-"))),
        ..generator::Options::default()
    };
    let output = generator::generate_from_str_with(&read(&spec), &options)
        .unwrap_or_else(|err| panic!("the generator rejects {}:\n{err}", spec.display()));
    for (relative, content) in &output.files {
        // Its own workspace: the client builds on its own.
        let content = if relative == "Cargo.toml" { format!("{content}\n[workspace]\n") } else { content.clone() };
        write_if_changed(&work.join("client").join(relative), &content);
    }
    let source = repo.join("client-tests/fixture-programs").join(fixture);
    for relative in ["Cargo.toml", "src/main.rs"] {
        write_if_changed(&work.join("program").join(relative), &read(&source.join(relative)));
    }
    // The workspace's lockfile: the versions already used (and downloaded).
    write_if_changed(&work.join("program/Cargo.lock"), &read(&repo.join("Cargo.lock")));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["run", "--quiet", "--manifest-path"])
        .arg(work.join("program/Cargo.toml"))
        .env("CARGO_TARGET_DIR", repo.join("target/evolution/target"))
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the {fixture} program failed: {}\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Strings told apart by `pattern`: a newtype that decodes any string, is sent as the
/// plain string, and is checked against every form before a request leaves.
#[test]
fn string_forms_are_checked_in_requests_and_tolerated_in_responses() {
    let stdout = run_program("string_forms");
    assert!(stdout.contains("string forms: ok"), "the program did not finish: {stdout}");
}
