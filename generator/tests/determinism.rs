//! Regeneration is deterministic: the same document gives byte-identical files on
//! every run (CI regenerates and fails on any diff), and every generated file says
//! it is generated.

use std::collections::BTreeMap;
use std::path::PathBuf;

const RUNS: usize = 5;

/// The first line of every generated Rust file (see `emit::HEADER`).
const RUST_MARKER: &str = "// @generated";

fn spec_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/upvest.yaml");
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

fn generate(text: &str) -> generator::Output {
    generator::generate_from_str(text).unwrap_or_else(|err| panic!("spec/upvest.yaml does not generate:\n{err}"))
}

/// The first file (in path order) whose content differs, with the first differing line.
fn first_difference(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Option<String> {
    let keys_a: Vec<&String> = a.keys().collect();
    let keys_b: Vec<&String> = b.keys().collect();
    if keys_a != keys_b {
        return Some(format!("file lists differ:\n{keys_a:?}\n{keys_b:?}"));
    }
    a.iter().find(|(path, text)| b[*path] != **text).map(|(path, text)| {
        let other = &b[path];
        let line = text
            .lines()
            .zip(other.lines())
            .position(|(x, y)| x != y)
            .unwrap_or_else(|| text.lines().count().min(other.lines().count()));
        format!(
            "{path} differs at line {}:\n  run 1: {:?}\n  run n: {:?}",
            line + 1,
            text.lines().nth(line).unwrap_or("<end of file>"),
            other.lines().nth(line).unwrap_or("<end of file>")
        )
    })
}

#[test]
fn repeated_runs_are_byte_identical() {
    let text = spec_text();
    let first = generate(&text);
    for run in 2..=RUNS {
        let again = generate(&text);
        if let Some(diff) = first_difference(&first.files, &again.files) {
            panic!("run {run} differs from run 1: {diff}");
        }
        assert_eq!(again.summary, first.summary, "run {run}: the summary differs");
        assert_eq!(again, first, "run {run} differs from run 1");
    }
}

/// The same document read from a fresh parse of differently ordered but equal JSON
/// (keys of `components/schemas` reversed) gives the same crate: output order comes
/// from the model's sorted maps, not from the order of the document.
#[test]
fn schema_order_in_the_document_does_not_matter() {
    let text = spec_text();
    let first = generate(&text);
    let mut doc: serde_json::Value = serde_yaml::from_str(&text).expect("spec/upvest.yaml is YAML");
    let schemas =
        doc.pointer_mut("/components/schemas").and_then(serde_json::Value::as_object_mut).expect("components/schemas");
    let reversed: serde_json::Map<String, serde_json::Value> = std::mem::take(schemas).into_iter().rev().collect();
    *schemas = reversed;
    let reordered = generate(&serde_json::to_string_pretty(&doc).expect("serialize"));
    if let Some(diff) = first_difference(&first.files, &reordered.files) {
        panic!("reordering components/schemas changed the output: {diff}");
    }
}

#[test]
fn file_list_is_sorted_and_stable() {
    let output = generate(&spec_text());
    let paths: Vec<&str> = output.files.keys().map(String::as_str).collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted, "files are kept in path order");
    for required in
        ["Cargo.toml", "README.md", "src/lib.rs", "src/types.rs", "src/operations/mod.rs", "runtime/src/lib.rs"]
    {
        assert!(paths.contains(&required), "{required} is missing from {paths:?}");
    }
    for path in &paths {
        assert!(
            !path.starts_with('/') && !path.contains('\\') && !path.contains(".."),
            "{path}: paths are relative and `/`-separated"
        );
    }
}

#[test]
fn every_file_carries_the_generated_marker() {
    let output = generate(&spec_text());
    for (path, text) in &output.files {
        let first_line = text.lines().next().unwrap_or_default();
        match path.as_str() {
            // Manifest and README carry the marker in their own comment syntax.
            "Cargo.toml" | "runtime/Cargo.toml" => {
                assert!(first_line.starts_with("# @generated"), "{path} starts with {first_line:?}")
            }
            "README.md" => assert!(first_line.starts_with("<!-- @generated"), "{path} starts with {first_line:?}"),
            _ => assert!(first_line.starts_with(RUST_MARKER), "{path} starts with {first_line:?}, not `{RUST_MARKER}`"),
        }
        assert!(!text.contains('\r'), "{path} contains a carriage return");
    }
}

/// Text files end with a newline, so appending to one (or `cat`-ing several) does not
/// glue lines together, and editors and `git diff` do not flag the last line.
#[test]
fn every_file_ends_with_a_newline() {
    let output = generate(&spec_text());
    let missing: Vec<&String> =
        output.files.iter().filter(|(_, text)| !text.ends_with('\n')).map(|(path, _)| path).collect();
    assert!(
        missing.is_empty(),
        "files without a final newline: {missing:?} (askama drops the template's last newline)"
    );
}
