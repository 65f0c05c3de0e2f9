//! `cargo xtask test`: the one command that runs every test, on a fresh machine too.
//!
//! Steps: install the pinned npm tools when needed, lint the spec with Redocly, then
//! `cargo test --workspace` with `UPVEST_PRISM_BIN` pointing at the pinned Prism so the
//! client tests can start a mock server from the spec.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;
use std::{fs, io};

use crate::{display_path, USAGE};

/// The npm tools the tests need: the command each installs, and its package.
const TOOLS: [(&str, &str); 2] = [("redocly", "@redocly/cli"), ("prism", "@stoplight/prism-cli")];

const STEPS: usize = 3;

/// The arguments for `cargo test`: everything after a leading `--`.
pub fn cargo_test_args(args: &[OsString]) -> Result<Vec<OsString>, String> {
    match args.split_first() {
        None => Ok(Vec::new()),
        Some((first, rest)) if first == "--" => Ok(rest.to_vec()),
        Some((first, _)) => Err(format!(
            "error: unexpected argument `{}` for test; arguments for `cargo test` go after `--`, \
             e.g. `cargo xtask test -- generated_is_up_to_date`\n\n{USAGE}",
            first.to_string_lossy()
        )),
    }
}

pub fn run(root: &Path, cargo_args: Vec<OsString>) -> Result<(), String> {
    let tools = root.join("tools");
    step(1, "install the pinned npm tools", || ensure_tools(root, &tools))?;
    step(2, "lint spec/upvest.yaml", || lint_spec(root, &tools))?;
    step(3, "cargo test --workspace", || cargo_test(root, &tools, &cargo_args))?;
    println!("xtask test: all {STEPS} steps passed");
    Ok(())
}

fn step(number: usize, name: &str, body: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    println!("xtask test [{number}/{STEPS}]: {name}");
    body().map_err(|reason| format!("xtask test: step {number}/{STEPS} ({name}) failed: {reason}"))
}

/// Runs `npm ci` when a tool is missing or the lockfile changed since the last install,
/// so a fresh clone needs no setup and an up-to-date one pays nothing.
fn ensure_tools(root: &Path, tools: &Path) -> Result<(), String> {
    if !tools.join("package.json").is_file() {
        return Err("tools/package.json not found: it pins the npm tools the tests need \
                    (@redocly/cli to lint the spec, @stoplight/prism-cli to mock the API); \
                    restore it from git or add it"
            .into());
    }
    if !tools.join("package-lock.json").is_file() {
        return Err("tools/package-lock.json not found: `npm ci` installs only from a lockfile; \
                    create it with `npm install --prefix tools --package-lock-only` and commit it"
            .into());
    }
    let Some(reason) = install_reason(tools) else {
        println!("  the pinned npm tools are installed");
        return Ok(());
    };
    println!("  installing: {reason}");
    let mut npm = Command::new("npm");
    npm.current_dir(root).args(["ci", "--prefix", "tools", "--no-audit", "--no-fund"]);
    run_command(
        &mut npm,
        "install Node.js and npm (e.g. `apt-get install nodejs npm`), then rerun \
         `cargo xtask test`",
    )?;
    for (command, package) in TOOLS {
        if !bin(tools, command).is_file() {
            return Err(format!(
                "`npm ci` finished but tools/node_modules/.bin/{command} is missing: add {package} \
                 to tools/package.json with `npm install --prefix tools --save-exact {package}`"
            ));
        }
    }
    Ok(())
}

/// Why the tools need (re)installing, or `None` when they are current.
fn install_reason(tools: &Path) -> Option<String> {
    if let Some((command, _)) = TOOLS.iter().find(|(command, _)| !bin(tools, command).is_file()) {
        return Some(format!("tools/node_modules/.bin/{command} is missing"));
    }
    // npm writes this copy of the lockfile on every install, so it is as old as the install.
    let installed = modified(&tools.join("node_modules/.package-lock.json"));
    let locked = modified(&tools.join("package-lock.json"));
    match (locked, installed) {
        (_, None) => Some("tools/node_modules/.package-lock.json is missing".into()),
        (Some(locked), Some(installed)) if locked <= installed => None,
        _ => Some("tools/package-lock.json is newer than the installed tools".into()),
    }
}

fn lint_spec(root: &Path, tools: &Path) -> Result<(), String> {
    if !root.join("spec/upvest.yaml").is_file() {
        return Err("spec/upvest.yaml not found: the OpenAPI document the client is generated \
                    from belongs there"
            .into());
    }
    let mut lint = Command::new(bin(tools, "redocly"));
    lint.current_dir(root).args(["lint", "spec/upvest.yaml"]);
    if tools.join("redocly.yaml").is_file() {
        lint.args(["--config", "tools/redocly.yaml"]);
    }
    // Redocly reports usage data over the network unless told not to; a test run has no
    // business doing that, and CI machines may not reach its servers.
    lint.env("REDOCLY_TELEMETRY", "off");
    run_command(&mut lint, "run `npm ci --prefix tools`")
        .map_err(|err| format!("{err}; fix the problems it lists in spec/upvest.yaml"))
}

fn cargo_test(root: &Path, tools: &Path, cargo_args: &[OsString]) -> Result<(), String> {
    // The cargo that runs xtask sets CARGO, so a toolchain override applies to the tests too.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut test = Command::new(cargo);
    test.current_dir(root).args(["test", "--workspace"]).args(cargo_args).env("UPVEST_PRISM_BIN", bin(tools, "prism"));
    run_command(&mut test, "install Rust with rustup")
}

/// Runs `command` with inherited stdio and fails unless it exits successfully.
/// `if_missing` says what to do when the program is not installed.
fn run_command(command: &mut Command, if_missing: &str) -> Result<(), String> {
    let program = display_path(Path::new(command.get_program()));
    let shown = command.get_args().fold(program.clone(), |mut shown, arg| {
        shown.push(' ');
        shown.push_str(&arg.to_string_lossy());
        shown
    });
    println!("  $ {shown}");
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("`{shown}` failed ({status})")),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Err(format!("`{program}` was not found; {if_missing}")),
        Err(err) => Err(format!("cannot start `{shown}`: {err}")),
    }
}

fn bin(tools: &Path, command: &str) -> PathBuf {
    tools.join("node_modules/.bin").join(command)
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|metadata| metadata.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn only_arguments_after_the_separator_go_to_cargo_test() {
        assert_eq!(cargo_test_args(&[]), Ok(Vec::new()));
        assert_eq!(
            cargo_test_args(&args(&["--", "codegen", "--", "--nocapture"])),
            Ok(args(&["codegen", "--", "--nocapture"]))
        );
        assert!(cargo_test_args(&args(&["codegen"])).unwrap_err().contains("go after `--`"));
    }

    #[test]
    fn tools_are_reinstalled_when_missing_or_older_than_the_lockfile() {
        let dir = tempfile::tempdir().unwrap();
        let tools = dir.path();
        fs::write(tools.join("package-lock.json"), "{}").unwrap();
        assert_eq!(install_reason(tools).as_deref(), Some("tools/node_modules/.bin/redocly is missing"));

        fs::create_dir_all(tools.join("node_modules/.bin")).unwrap();
        for (command, _) in TOOLS {
            fs::write(bin(tools, command), "").unwrap();
        }
        assert_eq!(install_reason(tools).as_deref(), Some("tools/node_modules/.package-lock.json is missing"));

        let installed = tools.join("node_modules/.package-lock.json");
        fs::write(&installed, "{}").unwrap();
        let set_mtime = |path: &Path, secs| {
            let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            fs::File::options().write(true).open(path).unwrap().set_modified(time).unwrap();
        };
        set_mtime(&tools.join("package-lock.json"), 2_000);
        set_mtime(&installed, 1_000);
        assert_eq!(install_reason(tools).as_deref(), Some("tools/package-lock.json is newer than the installed tools"));

        set_mtime(&installed, 3_000);
        assert_eq!(install_reason(tools), None);
    }
}
