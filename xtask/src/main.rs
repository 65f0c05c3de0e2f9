//! Project automation, run as `cargo xtask <command>` (the alias lives in `.cargo/config.toml`).
//!
//! - `cargo xtask codegen [--check] [--deny-warnings] [--spec PATH] [--out DIR]` regenerates `generated/`.
//! - `cargo xtask test [-- CARGO_TEST_ARGS...]` runs every test the project has.
//! - `cargo xtask bench [--build] [--corpus DIR]` prints code generation and build
//!   benchmarks, beside progenitor's.
//! - `cargo xtask corpus [--corpus DIR] [--no-build] [--only NAME]` tries the generator on
//!   published OpenAPI documents.
//! - `cargo xtask semver` runs `cargo-semver-checks` between the v1 and v2 evolution clients.

mod anchor;
mod bench;
mod cargo_run;
mod codegen;
mod corpus;
mod crate_dir;
mod semver;
mod synthetic;
mod table;
mod test_all;

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "\
usage:
  cargo xtask codegen [--check] [--deny-warnings] [--spec PATH] [--out DIR] [--crate-name NAME]
                      [--user-agent PRODUCT]
      Regenerate the client crate from the OpenAPI document (3.0 or 3.1, YAML or JSON).
      Warnings (what the generator could not type exactly) go to stderr.
      --check          write nothing; fail if the output folder differs from what the generator makes
      --deny-warnings  fail, writing nothing, if the generator reports any warning
      --spec PATH      OpenAPI document (default: spec/upvest.yaml in the workspace)
      --out DIR        output folder (default: generated/ in the workspace)
      --crate-name N   package name (default: upvest-client for spec/upvest.yaml, else from the
                       document's title: `Acme Payments API` -> acme-payments-client)
      --user-agent P   product token of the default user-agent, before `/<crate version>`
                       (default: `<crate name>-rust`)
  cargo xtask test [-- CARGO_TEST_ARGS...]
      Install the pinned npm tools if needed, lint the spec, then run `cargo test --workspace`
      with the arguments after `--`.
  cargo run --release -p xtask -- bench [--build] [--corpus DIR]
      Time code generation for spec/upvest.yaml and synthetic 10x/100x documents, ours
      beside progenitor 0.15's (built once from xtask/anchor/progenitor/);
      --build       also time crate-only `cargo check`/`cargo build` of the generated crates
      --corpus DIR  also measure every OpenAPI document in DIR
  cargo xtask corpus [--corpus DIR] [--no-build] [--only NAME]
      Generate a crate from every OpenAPI document in the corpus into target/corpus/NAME/,
      then `cargo check` it (no warnings allowed) and `cargo clippy -- -D warnings` it;
      print a Markdown table and fail if any document fails.
      --corpus DIR  the documents (default: shared/corpus next to the repository)
      --no-build    generate only
      --only NAME   one document, by file name, file stem or crate name
  cargo xtask semver
      Run cargo-semver-checks between the clients generated from evolution/v1.yaml and
      evolution/v2.yaml (slow; CI runs a cheaper equivalent in client-tests).";

fn main() -> ExitCode {
    match run(std::env::args_os().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<OsString>) -> Result<(), String> {
    let Some((command, rest)) = args.split_first() else {
        return Err(format!("error: no command given\n\n{USAGE}"));
    };
    match command.to_str() {
        Some("codegen") => {
            let options = codegen::Options::parse(rest, &current_dir()?, workspace_root())?;
            codegen::run(&options)
        }
        Some("test") => test_all::run(workspace_root(), test_all::cargo_test_args(rest)?),
        Some("bench") => bench::run(workspace_root(), &bench::Options::parse(rest, &current_dir()?)?),
        Some("corpus") => {
            let options = corpus::Options::parse(rest, &current_dir()?, workspace_root())?;
            corpus::run(workspace_root(), &options)
        }
        Some("semver") if rest.is_empty() => semver::run(workspace_root()),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("error: unknown command `{}`\n\n{USAGE}", command.to_string_lossy())),
    }
}

fn current_dir() -> Result<std::path::PathBuf, String> {
    std::env::current_dir().map_err(|err| format!("error: cannot read the current directory: {err}"))
}

/// The workspace root, taken from where xtask's own manifest lives so every command
/// behaves the same whatever directory `cargo xtask` is started from.
fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask/ sits directly below the workspace root")
}

/// Renders `path` relative to the workspace root when it lies inside it (`generated/`),
/// so messages name paths the way the README and the maintainer do.
fn display_path(path: &Path) -> String {
    match path.strip_prefix(workspace_root()) {
        Ok(relative) if relative.as_os_str().is_empty() => ".".to_owned(),
        Ok(relative) => relative.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}
