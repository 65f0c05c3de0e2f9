//! Broken documents (`tests/broken/*.yaml`): generation fails with an [`generator::Error`]
//! that says where (a JSON pointer or a line), what is wrong, and what to change. It
//! never panics, and it never yields a partial [`generator::Output`], which is what lets
//! `cargo xtask codegen` write nothing when the document is broken.
//!
//! Each document states what it expects in its leading comment lines:
//!
//! ```yaml
//! # error: #/paths/~1b/get/operationId: already used by #/paths/~1a/get
//! # fix: account_id            (optional: a fragment of the suggested fix)
//! ```
//!
//! `error:` is followed by the exact location, `: `, and a fragment of the message.
//! Adding a case is adding a file.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use generator::{Error, Output};

fn broken_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/broken").join(name)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// Runs the generator on a text; a panic is reported as such, not as a failed assertion.
fn run(text: &str) -> Result<Result<Output, Error>, String> {
    catch_unwind(AssertUnwindSafe(|| generator::generate_from_str(text)))
        .map_err(|panic| format!("the generator panicked: {}", panic_message(&panic)))
}

/// What a broken document's leading comment says must happen.
#[derive(Debug, Default)]
struct Expected {
    /// `# error: <location>: <fragment of the message>`
    error: Option<(String, String)>,
    /// `# fix: <fragment of the fix>`
    fix: Option<String>,
}

fn expectations(text: &str) -> Result<Expected, String> {
    let mut expected = Expected::default();
    for line in text.lines().map_while(|line| line.strip_prefix('#')) {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("error:") {
            let (location, fragment) = rest
                .trim()
                .split_once(": ")
                .ok_or_else(|| format!("`# error:{rest}` needs `<location>: <fragment of the message>`"))?;
            expected.error = Some((location.to_owned(), fragment.to_owned()));
        } else if let Some(rest) = line.strip_prefix("fix:") {
            expected.fix = Some(rest.trim().to_owned());
        }
    }
    if expected.error.is_none() {
        return Err("no leading `# error: <location>: <fragment>` line".to_owned());
    }
    Ok(expected)
}

/// Checks one broken document against its leading comment.
fn check(text: &str) -> Result<(), String> {
    let expected = expectations(text)?;
    let err = match run(text)? {
        Ok(output) => {
            return Err(format!("expected an error, but generation succeeded with {} files", output.files.len()))
        }
        Err(err) => err,
    };
    let (location, fragment) = expected.error.as_ref().expect("checked by expectations");
    if &err.location != location || !err.message.contains(fragment.as_str()) {
        return Err(format!("expected `{location}: ...{fragment}...`, got `{}: {}`", err.location, err.message));
    }
    if err.fix.trim().is_empty() {
        return Err(format!("the error says nothing about what to change:\n{err}"));
    }
    if let Some(fix) = &expected.fix {
        if !err.fix.contains(fix.as_str()) {
            return Err(format!("the fix should mention `{fix}`:\n{err}"));
        }
    }
    let shown = err.to_string();
    if ![&err.location, &err.message, &err.fix].iter().all(|part| shown.contains(part.as_str())) {
        return Err(format!("Display must show location, message and fix:\n{shown}"));
    }
    // The error is part of the interface (CI logs, the maintainer's next step), so it
    // must not depend on hash order.
    match run(text)? {
        Err(again) if again == err => Ok(()),
        Err(again) => Err(format!("a second run reports another error:\n{again}")),
        Ok(_) => Err("a second run generated an Output".to_owned()),
    }
}

#[test]
fn broken_documents_fail_as_their_comment_says() {
    let dir = broken_path("");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no broken documents in {}", dir.display());
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|path| {
            let name = path.file_name().expect("a file name").to_string_lossy();
            check(&read(path)).err().map(|why| format!("{name}: {why}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} broken documents:\n\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n\n")
    );
}

/// The library half of "a broken document writes nothing": `generate` reads the
/// document and returns an error without an `Output` (so the caller has nothing to
/// write) and without touching the file system next to the document.
#[test]
fn broken_document_yields_no_output_and_writes_nothing() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("broken-writes-nothing");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch folder");
    let spec = dir.join("spec.yaml");
    std::fs::write(&spec, read(&broken_path("dangling_ref.yaml"))).expect("write the broken document");
    let before = std::fs::metadata(&spec).and_then(|m| m.modified()).ok();

    let result = catch_unwind(AssertUnwindSafe(|| generator::generate(&spec)))
        .unwrap_or_else(|panic| panic!("generate panicked: {}", panic_message(&panic)));
    let err = match result {
        Ok(output) => panic!("a broken document produced an Output with {} files", output.files.len()),
        Err(err) => err,
    };
    assert!(err.location.starts_with("#/paths/"), "{err}");

    let mut entries: Vec<String> = std::fs::read_dir(&dir)
        .expect("list the scratch folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(entries, ["spec.yaml"], "generation must not create files");
    assert_eq!(
        std::fs::metadata(&spec).and_then(|m| m.modified()).ok(),
        before,
        "generation must not rewrite the document"
    );
}

/// A missing file is an error naming the path, not a panic.
#[test]
fn missing_file() {
    let path = broken_path("does-not-exist.yaml");
    let Err(err) = generator::generate(&path) else { panic!("a missing file generated an Output") };
    assert_eq!(err.location, path.display().to_string());
    assert!(err.message.contains("cannot read"), "{err}");
    assert!(!err.fix.is_empty(), "{err}");
}

/// A document that is broken late (its last operation, after valid ones) still yields
/// no partial output: all or nothing.
#[test]
fn late_error_yields_nothing() {
    let good = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/upvest.yaml"))
        .expect("read spec/upvest.yaml");
    assert!(matches!(run(&good), Ok(Ok(_))), "the real document must generate");
    // Append an operation whose schema refers to nothing to the real document's paths.
    let mut doc: serde_json::Value = serde_yaml::from_str(&good).expect("spec/upvest.yaml is YAML");
    doc["paths"]["/zz-broken"] = serde_json::json!({
        "get": {
            "operationId": "zz_broken",
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Missing"}}}}}
        }
    });
    let text = serde_json::to_string(&doc).expect("serialize");
    match run(&text) {
        Err(panic) => panic!("{panic}"),
        Ok(Ok(output)) => panic!("a document with one broken operation generated {} files", output.files.len()),
        Ok(Err(err)) => assert!(err.location.starts_with("#/paths/~1zz-broken/get"), "{err}"),
    }
}

/// JSON has no comments, so the one broken JSON document states its error here.
#[test]
fn invalid_json_names_line_and_column() {
    let err = generator::generate(&broken_path("invalid_json.json")).expect_err("invalid JSON generated a crate");
    assert_eq!(err.location, "line 4, column 3", "{err}");
    assert!(err.message.contains("not valid JSON"), "{err}");
}
