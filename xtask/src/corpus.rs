//! `cargo xtask corpus [--corpus DIR] [--no-build] [--only NAME]`: tries the generator on
//! published OpenAPI documents nobody here wrote. Each document becomes a crate in
//! `target/corpus/<name>/`, which must pass `cargo check` without a single warning and
//! `cargo clippy -- -D warnings`. Prints one Markdown table row per document and fails if
//! any document does.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::cargo_run::{Runner, Step};
use crate::crate_dir::{generate_into, generated_lines};
use crate::table::{ms, secs, shorten, Table};
use crate::{display_path, USAGE};

/// Where the corpus lives, relative to the folder that holds the repository.
const DEFAULT_CORPUS: &str = "shared/corpus";

/// How much of an error a table cell shows.
const RESULT_WIDTH: usize = 120;

#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    pub corpus: PathBuf,
    /// Generate only; no `cargo check` or `cargo clippy` (what CI runs on every document).
    pub no_build: bool,
    pub only: Option<String>,
}

impl Options {
    /// Parses the arguments after `corpus`; `--corpus` is relative to `cwd`, the default
    /// sits next to the repository `root`.
    pub fn parse(args: &[OsString], cwd: &Path, root: &Path) -> Result<Options, String> {
        let default = root.parent().unwrap_or(root).join(DEFAULT_CORPUS);
        let mut options = Options { corpus: default, no_build: false, only: None };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.to_str() {
                Some("--no-build") => options.no_build = true,
                Some(flag @ ("--corpus" | "--only")) => {
                    let value = args.next().ok_or_else(|| format!("error: {flag} needs a value\n\n{USAGE}"))?;
                    if flag == "--corpus" {
                        options.corpus = cwd.join(value);
                    } else {
                        options.only = Some(value.to_string_lossy().into_owned());
                    }
                }
                _ => {
                    return Err(format!("error: unexpected argument `{}` for corpus\n\n{USAGE}", arg.to_string_lossy()))
                }
            }
        }
        Ok(options)
    }
}

/// The OpenAPI documents (`.json`, `.yaml`, `.yml`) in `dir`, sorted by file name.
pub fn documents(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|err| {
        format!(
            "error: cannot read the corpus folder {}: {err}\n  fix: put the published documents there \
             (shared/corpus/ next to the repository) or pass --corpus DIR",
            dir.display()
        )
    })?;
    let mut documents: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.is_file()
                && path.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "json" | "yaml" | "yml"))
        })
        .collect();
    documents.sort();
    Ok(documents)
}

/// The crate (and folder) name for a document file: its stem in lowercase kebab case
/// with `-client` added, which is always a valid package name and never a keyword.
pub fn crate_name(document: &Path) -> String {
    let stem = document.file_stem().map(|s| s.to_string_lossy().to_lowercase()).unwrap_or_default();
    let words: Vec<&str> = stem.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let name = if words.is_empty() { "document".to_owned() } else { words.join("-") };
    // A package name may not start with a digit.
    let prefix = if name.starts_with(|c: char| c.is_ascii_digit()) { "api-" } else { "" };
    format!("{prefix}{name}-client")
}

pub fn run(root: &Path, options: &Options) -> Result<(), String> {
    let mut documents = documents(&options.corpus)?;
    if let Some(only) = &options.only {
        let all: Vec<String> = documents.iter().map(|d| file_name(d)).collect();
        documents.retain(|d| {
            file_name(d) == *only || crate_name(d) == *only || d.file_stem().is_some_and(|s| s == only.as_str())
        });
        if documents.is_empty() {
            return Err(format!(
                "error: no document `{only}` in {}; there are: {}",
                options.corpus.display(),
                all.join(", ")
            ));
        }
    }
    if documents.is_empty() {
        return Err(format!("error: no .json/.yaml document in {}", options.corpus.display()));
    }
    let out = root.join("target/corpus");
    // The snapshot test compiles its fixture crates here too (CARGO_TARGET_TMPDIR is
    // target/tmp): the generated crates' dependencies are built once for both.
    let mut runner = Runner::new(root.join("target/tmp/fixtures-target"));
    let mut table = Table::new(&[
        "document",
        "operations",
        "types",
        "warnings",
        "codegen time",
        "generated lines",
        "crate-only check time",
        "result",
    ]);
    let mut failed = 0;
    for document in &documents {
        eprintln!("corpus: {}", file_name(document));
        let row = try_document(document, &out, options.no_build, &mut runner)?;
        failed += usize::from(row.last().is_some_and(|result| result != "ok"));
        table.row(row);
    }
    println!("{table}");
    println!("crates in {}/", display_path(&out));
    if failed > 0 {
        return Err(format!("error: {failed} of {} documents failed", documents.len()));
    }
    Ok(())
}

/// One table row: generate, then (unless `no_build`) check and lint. A document's failure
/// is its row's result; only a failure of the tooling itself is an `Err`.
fn try_document(document: &Path, out: &Path, no_build: bool, runner: &mut Runner) -> Result<Vec<String>, String> {
    let name = crate_name(document);
    let dir = out.join(&name);
    let mut row = vec![file_name(document)];
    let generated =
        std::fs::read_to_string(document).map_err(|e| format!("cannot read the document: {e}")).and_then(|text| {
            // A fresh folder: files of an earlier run must not end up in this crate.
            let _ = std::fs::remove_dir_all(&dir);
            generate_into(&text, &dir, &name)
        });
    let (output, elapsed) = match generated {
        Ok(generated) => generated,
        Err(error) => {
            row.extend(["n/a", "n/a", "n/a", "n/a", "n/a", "n/a"].map(String::from));
            row.push(shorten(&format!("generator: {error}"), RESULT_WIDTH));
            return Ok(row);
        }
    };
    let lines = generated_lines(output.files.iter().map(|(p, c)| (p.as_str(), c.as_str())));
    row.extend([
        output.summary.operations.to_string(),
        output.summary.types.to_string(),
        output.warnings.len().to_string(),
        ms(elapsed),
        lines.to_string(),
    ]);
    if no_build {
        row.extend(["not run".to_owned(), "ok".to_owned()]);
        return Ok(row);
    }
    let check = runner.timed(&dir, Step::Check)?;
    row.push(secs(check.elapsed));
    let result = check
        .clean()
        .map_err(|e| format!("check: {e}"))
        .and_then(|()| runner.run(&dir, Step::Clippy)?.clean().map_err(|e| format!("clippy: {e}")));
    row.push(match result {
        Ok(()) => "ok".to_owned(),
        Err(error) => shorten(&error, RESULT_WIDTH),
    });
    Ok(row)
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_come_from_file_names() {
        assert_eq!(crate_name(Path::new("corpus/box-platform.json")), "box-platform-client");
        assert_eq!(crate_name(Path::new("openai.yaml")), "openai-client");
        assert_eq!(crate_name(Path::new("Twilio_API v2010.JSON")), "twilio-api-v2010-client");
        assert_eq!(crate_name(Path::new("2fa--api.yml")), "api-2fa-api-client");
        assert_eq!(crate_name(Path::new("_.json")), "document-client");
    }

    #[test]
    fn options_default_to_the_shared_corpus_next_to_the_repository() {
        let root = Path::new("/work/repo");
        let parse = |args: &[&str]| {
            Options::parse(&args.iter().map(OsString::from).collect::<Vec<_>>(), Path::new("/here"), root)
        };
        assert_eq!(
            parse(&[]).unwrap(),
            Options { corpus: PathBuf::from("/work/shared/corpus"), no_build: false, only: None }
        );
        assert_eq!(
            parse(&["--corpus", "docs", "--no-build", "--only", "openai"]).unwrap(),
            Options { corpus: PathBuf::from("/here/docs"), no_build: true, only: Some("openai".to_owned()) }
        );
        assert!(parse(&["--only"]).unwrap_err().contains("--only needs a value"));
        assert!(parse(&["--fast"]).unwrap_err().contains("unexpected argument `--fast`"));
    }

    #[test]
    fn documents_are_the_openapi_files_sorted_and_a_missing_folder_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.yaml", "a.json", "README.md", "c.yml"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let names: Vec<String> = documents(dir.path()).unwrap().iter().map(|d| file_name(d)).collect();
        assert_eq!(names, ["a.json", "b.yaml", "c.yml"]);
        let missing = dir.path().join("nope");
        let error = documents(&missing).unwrap_err();
        assert!(error.contains(&missing.display().to_string()) && error.contains("--corpus"), "{error}");
    }

    #[test]
    fn rows_report_generated_crates_and_generator_failures() {
        let dir = tempfile::tempdir().unwrap();
        let mut runner = Runner::new(dir.path().join("target"));
        let spec = crate::workspace_root().join("spec/upvest.yaml");
        let row = try_document(&spec, dir.path(), true, &mut runner).unwrap();
        assert_eq!(row[0], "upvest.yaml");
        assert!(row[1].parse::<usize>().unwrap() > 0 && row[2].parse::<usize>().unwrap() > 0, "{row:?}");
        assert_eq!((row[3].as_str(), row[6].as_str(), row[7].as_str()), ("0", "not run", "ok"));
        assert!(dir.path().join("upvest-client/src/lib.rs").is_file());

        let broken = dir.path().join("broken.yaml");
        std::fs::write(&broken, "openapi: 3.0.3\n").unwrap();
        let row = try_document(&broken, dir.path(), true, &mut runner).unwrap();
        assert_eq!(row.len(), 8);
        assert_eq!(row[1..7], ["n/a"; 6]);
        assert!(row[7].starts_with("generator: "), "{row:?}");
    }
}
