//! Broken documents (`tests/broken/*.yaml`): generation fails with an [`generator::Error`]
//! that says where (a JSON pointer or a line), what is wrong, and what to change. It
//! never panics, and it never yields a partial [`generator::Output`], which is what lets
//! `cargo xtask codegen` write nothing when the document is broken.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use generator::{Error, Output};

fn broken_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/broken")
        .join(name)
}

fn read(name: &str) -> String {
    let path = broken_path(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// Runs the generator on a text, turning a panic into a test failure that says so.
fn run(name: &str, text: &str) -> Result<Output, Error> {
    match catch_unwind(AssertUnwindSafe(|| generator::generate_from_str(text))) {
        Ok(result) => result,
        Err(panic) => panic!(
            "{name}: the generator panicked instead of returning an error: {}",
            panic_message(&panic)
        ),
    }
}

/// Where the error must point.
enum At<'a> {
    Exactly(&'a str),
    StartsWith(&'a str),
}

/// Generates from `tests/broken/<name>` and checks the error: its location, that the
/// message contains each of `words` (case-insensitive), that the fix is not empty,
/// and that `Display` shows all three.
fn expect_error(name: &str, at: At<'_>, words: &[&str]) -> Error {
    let text = read(name);
    let err = match run(name, &text) {
        Ok(output) => panic!(
            "{name}: expected an error, but generation succeeded with {} files ({} types, {} operations)",
            output.files.len(),
            output.summary.types,
            output.summary.operations
        ),
        Err(err) => err,
    };
    match at {
        At::Exactly(expected) => {
            assert_eq!(err.location, expected, "{name}: wrong location in\n{err}")
        }
        At::StartsWith(prefix) => {
            assert!(
                err.location.starts_with(prefix),
                "{name}: location should start with `{prefix}` in\n{err}"
            )
        }
    }
    let message = err.message.to_lowercase();
    for word in words {
        assert!(
            message.contains(&word.to_lowercase()),
            "{name}: the message should mention `{word}`:\n{err}"
        );
    }
    assert!(
        !err.fix.trim().is_empty(),
        "{name}: the error says nothing about what to change:\n{err}"
    );
    let shown = err.to_string();
    for part in [&err.location, &err.message, &err.fix] {
        assert!(
            shown.contains(part.as_str()),
            "{name}: Display must show location, message and fix:\n{shown}"
        );
    }
    err
}

#[test]
fn invalid_yaml() {
    let err = expect_error(
        "invalid_yaml.yaml",
        At::StartsWith("line 6"),
        &["not valid yaml"],
    );
    assert_eq!(
        err.location, "line 6, column 17",
        "the YAML error points at the offending line and column"
    );
}

#[test]
fn empty_document() {
    expect_error("empty.yaml", At::Exactly("#"), &["not an object"]);
}

#[test]
fn not_an_object() {
    expect_error("not_an_object.yaml", At::Exactly("#"), &["not an object"]);
}

#[test]
fn missing_version() {
    expect_error(
        "missing_version.yaml",
        At::Exactly("#/openapi"),
        &["openapi", "missing"],
    );
}

#[test]
fn invalid_json() {
    // A document starting with `{` is read as JSON, so the position is JSON's.
    expect_error(
        "invalid_json.yaml",
        At::Exactly("line 4, column 3"),
        &["not valid json"],
    );
}

#[test]
fn unsupported_version() {
    expect_error(
        "unsupported_version.yaml",
        At::Exactly("#/openapi"),
        &["4.0.0", "not supported"],
    );
}

#[test]
fn swagger_20() {
    expect_error(
        "swagger_20.yaml",
        At::Exactly("#/swagger"),
        &["swagger 2.0"],
    );
}

#[test]
fn wrong_structure() {
    expect_error(
        "wrong_structure.yaml",
        At::StartsWith("#/paths"),
        &["does not match the openapi 3.0 structure", "responses"],
    );
}

#[test]
fn dangling_ref() {
    expect_error(
        "dangling_ref.yaml",
        At::Exactly("#/paths/~1a/get/responses/200/content/application~1json/schema/$ref"),
        &["#/components/schemas/Missing", "points at nothing"],
    );
}

#[test]
fn dangling_ref_in_a_rewritten_schema() {
    expect_error(
        "dangling_ref_with_siblings.yaml",
        At::Exactly("#/components/schemas/T/properties/kind/oneOf/0/$ref"),
        &["#/components/schemas/AlsoMissing", "points at nothing"],
    );
}

#[test]
fn external_ref() {
    expect_error(
        "external_ref.yaml",
        At::Exactly("#/paths/~1a/get/responses/200/content/application~1json/schema/$ref"),
        &["other.yaml#/X", "external"],
    );
}

#[test]
fn schema_ref_outside_schemas() {
    expect_error(
        "schema_ref_outside_schemas.yaml",
        At::StartsWith("#/paths/~1a/get/responses/200/content/application~1json/schema"),
        &["#/components/parameters/P"],
    );
}

#[test]
fn ref_cycle_without_object() {
    expect_error(
        "ref_cycle.yaml",
        At::Exactly("#/components/schemas/A"),
        &["cycle", "A -> B -> A"],
    );
}

#[test]
fn self_ref() {
    expect_error(
        "self_ref.yaml",
        At::Exactly("#/components/schemas/A"),
        &["cycle", "A -> A"],
    );
}

#[test]
fn ref_cycle_through_unions() {
    expect_error(
        "union_ref_cycle.yaml",
        At::Exactly("#/components/schemas/A"),
        &["cycle", "A -> B -> A"],
    );
}

#[test]
fn duplicate_operation_id() {
    expect_error(
        "duplicate_operation_id.yaml",
        At::Exactly("#/paths/~1b/get/operationId"),
        &["get_thing", "#/paths/~1a/get"],
    );
}

#[test]
fn operation_ids_that_collide_in_rust() {
    // `getThing` and `get_thing` differ in the document but both become `get_thing`.
    expect_error(
        "operation_ids_collide_in_rust.yaml",
        At::Exactly("#/paths/~1b/get/operationId"),
        &["get_thing", "#/paths/~1a/get"],
    );
}

#[test]
fn missing_operation_id() {
    expect_error(
        "missing_operation_id.yaml",
        At::Exactly("#/paths/~1a/delete"),
        &["operationid"],
    );
}

#[test]
fn undeclared_path_param() {
    let err = expect_error(
        "undeclared_path_param.yaml",
        At::Exactly("#/paths/~1users~1{user_id}~1accounts~1{account_id}/get/parameters"),
        &["account_id", "not declared"],
    );
    assert!(
        err.fix.contains("account_id"),
        "the fix shows the parameter to add:\n{err}"
    );
}

#[test]
fn path_param_not_in_path() {
    expect_error(
        "extra_path_param.yaml",
        At::Exactly("#/paths/~1a~1{id}/get/parameters"),
        &["other", "does not appear"],
    );
}

#[test]
fn no_servers() {
    expect_error("no_servers.yaml", At::Exactly("#/servers"), &["servers"]);
}

/// Every broken document fails, and fails the same way on every run: the error is
/// part of the interface (CI logs, the maintainer's next step), so it must not depend
/// on hash order.
#[test]
fn every_broken_document_fails_deterministically() {
    let dir = broken_path("");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()))
        .map(|entry| {
            entry
                .expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".yaml") || name.ends_with(".txt"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 15,
        "expected the broken documents in {}, found {names:?}",
        dir.display()
    );
    for name in &names {
        let text = read(name);
        let first = match run(name, &text) {
            Ok(_) => panic!("{name}: a broken document generated an Output"),
            Err(err) => err,
        };
        for _ in 0..3 {
            let again = run(name, &text)
                .err()
                .unwrap_or_else(|| panic!("{name}: generated an Output on a later run"));
            assert_eq!(
                again, first,
                "{name}: a second run reports a different error"
            );
        }
    }
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
    std::fs::write(&spec, read("dangling_ref.yaml")).expect("write the broken document");
    let before = std::fs::metadata(&spec).and_then(|m| m.modified()).ok();

    let result = catch_unwind(AssertUnwindSafe(|| generator::generate(&spec)))
        .unwrap_or_else(|panic| panic!("generate panicked: {}", panic_message(&panic)));
    let err = match result {
        Ok(output) => panic!(
            "a broken document produced an Output with {} files",
            output.files.len()
        ),
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
    let Err(err) = generator::generate(&path) else {
        panic!("a missing file generated an Output")
    };
    assert_eq!(err.location, path.display().to_string());
    assert!(err.message.contains("cannot read"), "{err}");
    assert!(!err.fix.is_empty(), "{err}");
}

/// A document that is broken late (its last operation, after valid ones) still yields
/// no partial output: all or nothing.
#[test]
fn late_error_yields_nothing() {
    let good = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/upvest.yaml"),
    )
    .expect("read spec/upvest.yaml");
    assert!(
        run("spec/upvest.yaml", &good).is_ok(),
        "the real document must generate"
    );
    // Append an operation whose schema refers to nothing to the real document's paths.
    let mut doc: serde_json::Value = serde_yaml::from_str(&good).expect("spec/upvest.yaml is YAML");
    doc["paths"]["/zz-broken"] = serde_json::json!({
        "get": {
            "operationId": "zz_broken",
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ZzMissing"}}}}}
        }
    });
    let text = serde_json::to_string(&doc).expect("serialize");
    match run("spec/upvest.yaml + a broken operation", &text) {
        Ok(output) => panic!(
            "a document with one broken operation generated {} files",
            output.files.len()
        ),
        Err(err) => assert!(err.location.starts_with("#/paths/~1zz-broken/get"), "{err}"),
    }
}
