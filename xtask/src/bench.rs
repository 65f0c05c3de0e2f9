//! `cargo xtask bench [--build] [--corpus DIR]`: code generation speed and scaling, the
//! size of the generated code, and (with `--build`) how long the generated crate takes to
//! compile, each beside progenitor's on the same documents in the same run (the anchor
//! the project's targets are ratios to). Prints Markdown tables for BENCHMARKS.md; nothing
//! here is asserted.
//!
//! Run it in release mode for meaningful numbers: `cargo run --release -p xtask -- bench`.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::IgnoredAny;
use serde_json::Value;

use crate::anchor::{self, Progenitor};
use crate::cargo_run::{Runner, Step};
use crate::corpus;
use crate::crate_dir::{generate_into, generated_lines};
use crate::synthetic::synthesize;
use crate::table::{ms, ms_per, ratio, secs, shorten, Table};
use crate::USAGE;

/// The parsed `cargo xtask bench` command line.
#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    /// Also time `cargo check` and `cargo build` of the generated crates (slow).
    pub build: bool,
    /// Also measure every document in this folder.
    pub corpus: Option<PathBuf>,
}

impl Options {
    pub fn parse(args: &[OsString], cwd: &Path) -> Result<Options, String> {
        let mut options = Options { build: false, corpus: None };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.to_str() {
                Some("--build") => options.build = true,
                Some("--corpus") => {
                    let dir = args.next().ok_or_else(|| format!("error: --corpus needs a folder\n\n{USAGE}"))?;
                    options.corpus = Some(cwd.join(dir));
                }
                _ => {
                    return Err(format!("error: unexpected argument `{}` for bench\n\n{USAGE}", arg.to_string_lossy()))
                }
            }
        }
        Ok(options)
    }
}

/// One benchmarked document, on disk so progenitor can read it too.
struct Document {
    label: String,
    /// Folder name under `target/bench/` for the crates generated from it.
    slug: String,
    path: PathBuf,
    text: String,
    /// Code generation runs; the median counts.
    runs: usize,
    /// Whether `--build` compiles its crates (the 100x crate takes minutes per run).
    build: bool,
}

/// Both generators' results for one document.
struct Measured {
    document: Document,
    operations: Option<usize>,
    ours: Result<Generated, String>,
    progenitor: Result<Generated, String>,
}

/// One generator's median code generation time, and its crate.
struct Generated {
    median: Duration,
    types: Option<usize>,
    lines: usize,
    dir: PathBuf,
}

pub fn run(root: &Path, options: &Options) -> Result<(), String> {
    let scratch = root.join("target/bench");
    let documents = documents(root, &scratch, options.corpus.as_deref())?;
    let progenitor = Progenitor::build(root)?;
    let mut measured = Vec::new();
    for document in documents {
        eprintln!("bench: {}", document.label);
        let operations = count_operations(&document.text);
        let ours = ours(&document, &scratch.join("ours").join(&document.slug));
        let progenitor = theirs(&progenitor, &document, &scratch.join("progenitor").join(&document.slug));
        measured.push(Measured { document, operations, ours, progenitor });
    }
    println!(
        "Code generation, end to end (parse, validate, model, emit, format, write files), ours and progenitor {}:\n",
        anchor::VERSION
    );
    println!("{}", codegen_table(&measured));
    if options.build {
        println!("Compiling the generated crate alone (dependencies already built, debug profile, not incremental):\n");
        println!("{}", build_table(&measured, &mut Runner::new(scratch.join("target")))?);
    }
    Ok(())
}

/// spec/upvest.yaml, the synthetic 10x and 100x documents, and the corpus if asked for.
fn documents(root: &Path, scratch: &Path, corpus: Option<&Path>) -> Result<Vec<Document>, String> {
    let text =
        std::fs::read_to_string(root.join("spec/upvest.yaml")).map_err(|e| format!("cannot read the spec: {e}"))?;
    let spec: Value = serde_yaml::from_str(&text).map_err(|e| format!("the spec is not YAML: {e}"))?;
    let docs = scratch.join("documents");
    std::fs::create_dir_all(&docs).map_err(|e| format!("{}: {e}", docs.display()))?;
    let mut documents = Vec::new();
    for (label, copies, runs, build) in
        [("spec/upvest.yaml", 1, 21, true), ("synthetic 10x", 10, 7, true), ("synthetic 100x", 100, 3, false)]
    {
        let text = serde_json::to_string(&synthesize(&spec, copies)).map_err(|e| e.to_string())?;
        let path = docs.join(format!("{copies}x.json"));
        std::fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
        documents.push(Document { label: label.to_owned(), slug: format!("{copies}x"), path, text, runs, build });
    }
    for path in corpus.map(corpus::documents).transpose()?.unwrap_or_default() {
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let label = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        documents.push(Document { label, slug: corpus::crate_name(&path), path, text, runs: 3, build: true });
    }
    Ok(documents)
}

/// Operations in a document (path item methods), counted the same for both generators;
/// `None` for a document that is neither JSON nor YAML. Only the path items' keys are
/// read, so what the rest holds (integers beyond 64 bits, say) does not matter.
fn count_operations(text: &str) -> Option<usize> {
    const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    #[derive(serde::Deserialize)]
    struct Paths {
        #[serde(default)]
        paths: BTreeMap<String, BTreeMap<String, IgnoredAny>>,
    }
    // JSON first: YAML parsers reject some valid JSON (escaped surrogate pairs).
    let document: Paths = serde_json::from_str(text).ok().or_else(|| serde_yaml::from_str(text).ok())?;
    let operations = document.paths.values().flat_map(|item| item.keys());
    Some(operations.filter(|key| METHODS.contains(&key.as_str())).count())
}

fn ours(document: &Document, dir: &Path) -> Result<Generated, String> {
    let name = format!("bench-{}-ours", document.slug);
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..document.runs {
        fresh(dir);
        let (output, elapsed) = generate_into(&document.text, dir, &name)?;
        times.push(elapsed);
        last = Some(output);
    }
    let output = last.ok_or("no run")?;
    Ok(Generated {
        median: median(times),
        types: Some(output.summary.types),
        lines: generated_lines(output.files.iter().map(|(p, c)| (p.as_str(), c.as_str()))),
        dir: dir.to_owned(),
    })
}

fn theirs(progenitor: &Progenitor, document: &Document, dir: &Path) -> Result<Generated, String> {
    let times = (0..document.runs)
        .map(|_| {
            fresh(dir);
            progenitor.generate(&document.path, dir)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(Generated {
        median: median(times),
        types: None,
        lines: generated_lines([("src/lib.rs", lib.as_str())]),
        dir: dir.to_owned(),
    })
}

/// Every run writes into an empty folder, as a first generation does. Rewriting files in
/// place is no cheaper: ext4 flushes a file truncated and written again when it is closed,
/// which on a busy disk tripled our time for the spec (140 ms instead of 45).
fn fresh(dir: &Path) {
    // A folder that is not there yet is the expected first case.
    let _ = std::fs::remove_dir_all(dir);
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// How wide a generator's error may be in a cell.
const ERROR_WIDTH: usize = 60;

fn fails(error: &str) -> String {
    format!("fails: {}", shorten(error, ERROR_WIDTH))
}

fn codegen_table(measured: &[Measured]) -> Table {
    let mut table = Table::new(&[
        "document",
        "operations",
        "types (ours)",
        "ours codegen",
        "ours per operation",
        "progenitor codegen",
        "progenitor per operation",
        "codegen ratio",
        "ours lines",
        "progenitor lines",
    ]);
    for m in measured {
        let ops = m.operations.unwrap_or(0);
        let (ours_time, ours_per_op, types, ours_lines) = match &m.ours {
            Ok(g) => (
                ms(g.median),
                ms_per(g.median, ops),
                g.types.map_or("n/a".to_owned(), |t| t.to_string()),
                g.lines.to_string(),
            ),
            Err(e) => (fails(e), "n/a".to_owned(), "n/a".to_owned(), "n/a".to_owned()),
        };
        let (theirs_time, theirs_per_op, theirs_lines) = match &m.progenitor {
            Ok(g) => (ms(g.median), ms_per(g.median, ops), g.lines.to_string()),
            Err(e) => (fails(e), "n/a".to_owned(), "n/a".to_owned()),
        };
        let seconds = |g: &Result<Generated, String>| g.as_ref().ok().map(|g| g.median.as_secs_f64());
        table.row(vec![
            m.document.label.clone(),
            m.operations.map_or("n/a".to_owned(), |n| n.to_string()),
            types,
            ours_time,
            ours_per_op,
            theirs_time,
            theirs_per_op,
            ratio(seconds(&m.ours), seconds(&m.progenitor)),
            ours_lines,
            theirs_lines,
        ]);
    }
    table
}

/// `cargo check` and `cargo build` of each crate alone, ours beside progenitor's. A
/// document neither generator made a crate from has no row (the code generation table
/// says why).
fn build_table(measured: &[Measured], runner: &mut Runner) -> Result<Table, String> {
    let mut table = Table::new(&[
        "document",
        "ours check",
        "progenitor check",
        "check ratio",
        "ours build",
        "progenitor build",
        "build ratio",
    ]);
    let built = |m: &&Measured| m.document.build && (m.ours.is_ok() || m.progenitor.is_ok());
    for m in measured.iter().filter(built) {
        eprintln!("bench --build: {}", m.document.label);
        let mut row = vec![m.document.label.clone()];
        for step in [Step::Check, Step::Build] {
            let ours = compile(runner, &m.ours, step)?;
            let theirs = compile(runner, &m.progenitor, step)?;
            row.extend([ours.cell(), theirs.cell(), ratio(ours.seconds(), theirs.seconds())]);
        }
        table.row(row);
    }
    Ok(table)
}

/// One crate-only compile time.
enum Compiled {
    /// The generator made no crate; the code generation table shows its error.
    NoCrate,
    Failed(String),
    Took(Duration),
}

impl Compiled {
    fn cell(&self) -> String {
        match self {
            Compiled::NoCrate => "n/a".to_owned(),
            Compiled::Failed(error) => fails(error),
            Compiled::Took(elapsed) => secs(*elapsed),
        }
    }

    fn seconds(&self) -> Option<f64> {
        match self {
            Compiled::Took(elapsed) => Some(elapsed.as_secs_f64()),
            _ => None,
        }
    }
}

/// The crate-only time of `step` for a generated crate. Warnings do not matter here
/// (progenitor's output may have some); the corpus run is what judges cleanliness.
fn compile(runner: &mut Runner, generated: &Result<Generated, String>, step: Step) -> Result<Compiled, String> {
    let Ok(generated) = generated else {
        return Ok(Compiled::NoCrate);
    };
    let outcome = runner.timed(&generated.dir, step)?;
    Ok(match outcome.first_error {
        Some(error) => Compiled::Failed(error),
        None => Compiled::Took(outcome.elapsed),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_counted_from_the_document() {
        let text = "paths:\n  /a:\n    get: {}\n    post: {}\n    parameters: []\n  /b:\n    delete: {}\n";
        assert_eq!(count_operations(text), Some(3));
        let json = r#"{"paths": {"/a": {"get": {"description": "\ud83d\udc4d"}}}}"#;
        assert_eq!(count_operations(json), Some(1));
        assert_eq!(count_operations("openapi: 3.0.3"), Some(0));
        assert_eq!(count_operations("not: [a document"), None);
    }

    #[test]
    fn codegen_rows_set_both_generators_side_by_side_and_show_failures() {
        let document = |label: &str| Document {
            label: label.to_owned(),
            slug: label.to_owned(),
            path: PathBuf::new(),
            text: String::new(),
            runs: 1,
            build: false,
        };
        let generated = |ms: u64, lines| Generated {
            median: Duration::from_millis(ms),
            types: Some(5),
            lines,
            dir: PathBuf::new(),
        };
        let measured = [
            Measured {
                document: document("a"),
                operations: Some(10),
                ours: Ok(generated(20, 100)),
                progenitor: Ok(generated(80, 300)),
            },
            Measured {
                document: document("b"),
                operations: Some(4),
                ours: Ok(generated(8, 40)),
                progenitor: Err("unsupported OpenAPI 3.1\nmore".to_owned()),
            },
        ];
        let table = codegen_table(&measured).to_string();
        let rows: Vec<&str> = table.lines().skip(2).collect();
        assert_eq!(rows[0], "| a | 10 | 5 | 20.0 ms | 2.00 ms | 80.0 ms | 8.00 ms | 0.25x | 100 | 300 |");
        assert_eq!(rows[1], "| b | 4 | 5 | 8.0 ms | 2.00 ms | fails: unsupported OpenAPI 3.1 | n/a | n/a | 40 | n/a |");
    }

    #[test]
    fn options_take_build_and_a_corpus_folder() {
        let parse =
            |args: &[&str]| Options::parse(&args.iter().map(OsString::from).collect::<Vec<_>>(), Path::new("/here"));
        assert_eq!(parse(&[]).unwrap(), Options { build: false, corpus: None });
        assert_eq!(
            parse(&["--corpus", "c", "--build"]).unwrap(),
            Options { build: true, corpus: Some(PathBuf::from("/here/c")) }
        );
        assert!(parse(&["--corpus"]).unwrap_err().contains("--corpus needs a folder"));
    }
}
