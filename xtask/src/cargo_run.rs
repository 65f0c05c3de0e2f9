//! `cargo check`, `cargo clippy` and `cargo build` of a generated crate, timed for the
//! crate alone, with the compiler's warnings and first error read from its JSON messages.
//!
//! All crates share one build folder, so each dependency set is compiled once: the first
//! time a set is seen, the step runs once untimed to build it. Every timed run then marks
//! the crate's `lib.rs` as changed and runs with `CARGO_INCREMENTAL=0`, so it compiles the
//! whole crate and nothing else.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Check,
    /// `cargo clippy -- -D warnings`.
    Clippy,
    Build,
}

impl Step {
    fn args(self) -> &'static [&'static str] {
        match self {
            Step::Check => &["check", "--message-format=json"],
            Step::Clippy => &["clippy", "--message-format=json", "--", "-D", "warnings"],
            Step::Build => &["build", "--message-format=json"],
        }
    }
}

/// What one cargo run of a crate found.
pub struct Outcome {
    pub elapsed: Duration,
    pub warnings: usize,
    pub first_warning: Option<String>,
    /// The first compiler error, or cargo's own when it failed before compiling.
    pub first_error: Option<String>,
}

impl Outcome {
    /// `Ok` for a crate that compiled without a single warning, else what went wrong first.
    pub fn clean(&self) -> Result<(), String> {
        if let Some(error) = &self.first_error {
            return Err(error.clone());
        }
        match &self.first_warning {
            Some(warning) => Err(format!("{} rustc warning(s), first: {warning}", self.warnings)),
            None => Ok(()),
        }
    }
}

/// Cargo runs sharing one build folder.
pub struct Runner {
    target_dir: PathBuf,
    warmed: HashSet<(String, Step)>,
}

impl Runner {
    pub fn new(target_dir: PathBuf) -> Runner {
        Runner { target_dir, warmed: HashSet::new() }
    }

    /// Runs `step` on the crate in `dir`, timing the crate alone (see the module docs).
    pub fn timed(&mut self, dir: &Path, step: Step) -> Result<Outcome, String> {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml"))
            .map_err(|e| format!("{}: {e}", dir.join("Cargo.toml").display()))?;
        if self.warmed.insert((dependency_key(&manifest).to_owned(), step)) {
            // Builds the dependencies; whether the crate itself compiles is seen below.
            self.run(dir, step)?;
        }
        let lib = dir.join("src/lib.rs");
        File::options()
            .append(true)
            .open(&lib)
            .and_then(|file| file.set_modified(SystemTime::now()))
            .map_err(|e| format!("cannot mark {} as changed: {e}", lib.display()))?;
        self.run(dir, step)
    }

    /// Runs `step` on the crate in `dir` once, untimed as far as the caller cares.
    pub fn run(&self, dir: &Path, step: Step) -> Result<Outcome, String> {
        let started = Instant::now();
        let output = Command::new(env!("CARGO"))
            .args(step.args())
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .env("CARGO_INCREMENTAL", "0")
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let elapsed = started.elapsed();
        let mut outcome = diagnostics(&String::from_utf8_lossy(&output.stdout));
        outcome.elapsed = elapsed;
        if !output.status.success() && outcome.first_error.is_none() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let cargo_error = stderr.lines().find(|line| line.starts_with("error")).unwrap_or("cargo failed");
            outcome.first_error = Some(cargo_error.to_owned());
        }
        Ok(outcome)
    }
}

/// The part of a crate's manifest that decides what its dependencies compile to.
fn dependency_key(manifest: &str) -> &str {
    manifest.find("[dependencies]").map_or(manifest, |start| &manifest[start..])
}

/// Counts the warnings in cargo's JSON messages and picks the first warning and error,
/// each as `file:line: message`. Compiler summaries ("2 warnings emitted", "aborting due
/// to ...") point at no code and are not counted.
fn diagnostics(stdout: &str) -> Outcome {
    let mut outcome = Outcome { elapsed: Duration::ZERO, warnings: 0, first_warning: None, first_error: None };
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" {
            continue;
        }
        let message = &message["message"];
        let Some(span) = message["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|span| span["is_primary"] == true).or(spans.first()))
        else {
            continue;
        };
        let text = format!(
            "{}:{}: {}",
            span["file_name"].as_str().unwrap_or("?"),
            span["line_start"],
            message["message"].as_str().unwrap_or("")
        );
        match message["level"].as_str() {
            Some("warning") => {
                outcome.warnings += 1;
                outcome.first_warning.get_or_insert(text);
            }
            Some(level) if level.starts_with("error") => {
                outcome.first_error.get_or_insert(text);
            }
            _ => {}
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(level: &str, text: &str, spans: &str) -> String {
        format!(r#"{{"reason":"compiler-message","message":{{"level":"{level}","message":"{text}","spans":{spans}}}}}"#)
    }

    const SPAN: &str = r#"[{"file_name":"src/types.rs","line_start":12,"is_primary":true}]"#;

    #[test]
    fn counts_warnings_and_keeps_the_first_error() {
        let stdout = [
            r#"{"reason":"compiler-artifact","target":{}}"#.to_owned(),
            message("warning", "unused import", SPAN),
            message("error", "mismatched types", SPAN),
            message("warning", "dead code", SPAN),
            message("error", "second error", SPAN),
            message("warning", "2 warnings emitted", "[]"),
            message("error", "aborting due to 2 previous errors", "[]"),
        ]
        .join("\n");
        let outcome = diagnostics(&stdout);
        assert_eq!(outcome.warnings, 2);
        assert_eq!(outcome.first_warning.as_deref(), Some("src/types.rs:12: unused import"));
        assert_eq!(outcome.first_error.as_deref(), Some("src/types.rs:12: mismatched types"));
        assert_eq!(outcome.clean(), Err("src/types.rs:12: mismatched types".to_owned()));
    }

    #[test]
    fn warnings_alone_make_a_crate_unclean() {
        let outcome = diagnostics(&message("warning", "unused import", SPAN));
        assert_eq!(outcome.clean(), Err("1 rustc warning(s), first: src/types.rs:12: unused import".to_owned()));
        assert_eq!(diagnostics("").clean(), Ok(()));
    }

    #[test]
    fn crates_with_the_same_dependencies_share_a_key() {
        let a = "[package]\nname = \"a\"\n\n[dependencies]\nserde = \"1\"\n";
        let b = "[package]\nname = \"b\"\n\n[dependencies]\nserde = \"1\"\n";
        assert_eq!(dependency_key(a), dependency_key(b));
        assert_ne!(dependency_key(a), dependency_key("[dependencies]\nserde_json = \"1\"\n"));
    }

    #[test]
    fn a_real_crate_gives_its_warnings_to_check_and_its_lints_to_clippy() {
        let dir = tempfile::tempdir().unwrap();
        let krate = dir.path().join("krate");
        std::fs::create_dir_all(krate.join("src")).unwrap();
        std::fs::write(
            krate.join("Cargo.toml"),
            "[package]\nname = \"krate\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n\n[workspace]\n",
        )
        .unwrap();
        std::fs::write(krate.join("src/lib.rs"), "pub fn f() -> u8 {\n    let unused = 1;\n    return 2;\n}\n")
            .unwrap();
        let mut runner = Runner::new(dir.path().join("target"));
        let check = runner.timed(&krate, Step::Check).unwrap();
        assert_eq!(check.warnings, 1);
        assert!(check.clean().unwrap_err().contains("src/lib.rs:2: unused variable"), "{:?}", check.clean());
        // Clean for rustc, not for clippy.
        std::fs::write(krate.join("src/lib.rs"), "pub fn f() -> u8 {\n    return 2;\n}\n").unwrap();
        assert_eq!(runner.timed(&krate, Step::Check).unwrap().clean(), Ok(()));
        let clippy = runner.run(&krate, Step::Clippy).unwrap();
        let error = clippy.clean().unwrap_err();
        assert!(error.starts_with("src/lib.rs:2: unneeded `return`"), "{error}");
    }
}
