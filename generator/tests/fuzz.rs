//! Nothing makes the generator panic: proptest properties feeding it mutated and
//! arbitrary documents, plus every input that once made it panic.
//!
//! The seed corpus is `spec/upvest.yaml` and every document in
//! `generator/tests/fixtures/` and `generator/tests/broken/` (read at run time).
//! Each case picks a seed, applies a few random mutations of its OpenAPI structure
//! (delete a key, replace a value, copy or swap subtrees, retarget a `$ref` at
//! nothing or into a cycle, change `type`/`format`/`enum`/`required`/`nullable`/...,
//! wrap a schema in `anyOf`/`oneOf`/`allOf`, add a `type: 'null'` branch, rename a
//! key), writes the result as YAML or JSON and hands it to
//! `generator::generate_from_str`, which must return `Ok` or `Err`, never panic.
//! Raw text (arbitrary bytes, truncated or spliced seeds) is fed as well.
//!
//! proptest's own settings apply: `PROPTEST_CASES` (256 by default, a few seconds)
//! and `PROPTEST_RNG_SEED`. Without either, the run uses a fixed seed so CI is
//! deterministic; with `PROPTEST_CASES` alone the seed is random. A long campaign:
//!
//! ```sh
//! PROPTEST_CASES=100000 cargo test -p upvest-generator --test fuzz --release
//! ```
//!
//! A failing case is shrunk, printed with its input, and its seed appended to
//! `tests/proptest-regressions/fuzz.txt` (commit it: proptest replays it first on
//! every run). Seeds replay only while the strategies stay the same, so also save
//! the printed input in `tests/fuzz-regressions/`: `fuzz_regressions_do_not_panic`
//! runs every file there.

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};
use serde_json::{Map, Value};

/// The seed of a default run (no `PROPTEST_CASES`, no `PROPTEST_RNG_SEED`).
const DEFAULT_SEED: u64 = 0x5EED_F0A1_10E5;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the generator on `text`; `Err` carries the panic message.
///
/// It runs on a thread with an 8 MiB stack, as much as a main thread (where
/// `cargo xtask codegen` runs it) usually has, not the 2 MiB of a test thread: a
/// deeply nested document must hit the generator's own limits, not the test's.
fn generate_without_panic(text: &str) -> Result<(), String> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn_scoped(scope, || {
                panic::catch_unwind(AssertUnwindSafe(|| generator::generate_from_str(text)))
                    .map(drop)
                    .map_err(|payload| payload_message(payload.as_ref()))
            })
            .expect("a thread for the generator starts")
            .join()
            .unwrap_or_else(|_| Err("the generator thread died".to_owned()))
    })
}

fn payload_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}

/// A panic becomes a failed case whose message shows the input, ready to be saved
/// in `tests/fuzz-regressions/` (the panic's location is in the captured output).
fn check(text: &str) -> Result<(), TestCaseError> {
    generate_without_panic(text).map_err(|message| {
        TestCaseError::fail(format!(
            "the generator panicked: {message}\n\
             ----- input (save it in generator/tests/fuzz-regressions/) -----\n\
             {text}\n----- end of input -----"
        ))
    })
}

// ---------------------------------------------------------------------------
// Seed corpus
// ---------------------------------------------------------------------------

struct Seed {
    text: String,
    value: Value,
}

fn seeds() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = manifest_dir();
        let mut paths = vec![root.join("../spec/upvest.yaml")];
        for dir in ["tests/fixtures", "tests/broken", "tests/accepted"] {
            paths.extend(documents_in(&root.join(dir)));
        }
        let seeds: Vec<Seed> = paths
            .into_iter()
            .filter_map(|path| {
                let text = std::fs::read_to_string(&path).ok()?;
                // Broken fixtures may not even be YAML: they still serve as raw text.
                let value = serde_yaml::from_str(&text).unwrap_or(Value::Null);
                Some(Seed { text, value })
            })
            .collect();
        assert!(seeds.len() > 1, "the seed corpus (spec/upvest.yaml, generator/tests/fixtures/) is missing");
        seeds
    })
}

/// The YAML and JSON files in `dir`, sorted; none when it does not exist.
fn documents_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.is_file() && matches!(path.extension().and_then(|ext| ext.to_str()), Some("yaml" | "yml" | "json"))
        })
        .collect();
    paths.sort();
    paths
}

// ---------------------------------------------------------------------------
// Structural mutations
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Every node's path, parents before children (the root is `[]`).
fn all_paths(root: &Value) -> Vec<Vec<Seg>> {
    fn walk(value: &Value, path: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
        out.push(path.clone());
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    path.push(Seg::Key(key.clone()));
                    walk(child, path, out);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    path.push(Seg::Index(index));
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(root, &mut Vec::new(), &mut out);
    out
}

fn get<'a>(root: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    path.iter().try_fold(root, |value, seg| match seg {
        Seg::Key(key) => value.get(key.as_str()),
        Seg::Index(index) => value.get(*index),
    })
}

fn get_mut<'a>(root: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    path.iter().try_fold(root, |value, seg| match seg {
        Seg::Key(key) => value.get_mut(key.as_str()),
        Seg::Index(index) => value.get_mut(*index),
    })
}

fn pick<T: Clone>(items: &[T], selector: usize) -> Option<T> {
    (!items.is_empty()).then(|| items[selector % items.len()].clone())
}

/// Paths of the nodes satisfying `keep`.
fn paths_where(root: &Value, keep: impl Fn(&Value) -> bool) -> Vec<Vec<Seg>> {
    all_paths(root).into_iter().filter(|path| get(root, path).is_some_and(&keep)).collect()
}

/// Paths of the objects that look like schemas.
fn schema_paths(root: &Value) -> Vec<Vec<Seg>> {
    const SCHEMA_KEYS: [&str; 9] =
        ["type", "$ref", "properties", "items", "allOf", "anyOf", "oneOf", "enum", "additionalProperties"];
    paths_where(root, |value| value.as_object().is_some_and(|map| SCHEMA_KEYS.iter().any(|key| map.contains_key(*key))))
}

const KEYWORDS: [&str; 40] = [
    "type",
    "format",
    "enum",
    "required",
    "nullable",
    "items",
    "properties",
    "additionalProperties",
    "discriminator",
    "default",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "$ref",
    "allOf",
    "anyOf",
    "oneOf",
    "in",
    "name",
    "schema",
    "content",
    "operationId",
    "explode",
    "style",
    "readOnly",
    "example",
    "x-upvest-name",
    "minItems",
    // JSON Schema 2020-12 / OpenAPI 3.1 forms, rewritten by the load stage.
    "const",
    "examples",
    "exclusiveMinimum",
    "not",
    "prefixItems",
    "$recursiveRef",
    "$defs",
    "propertyNames",
    "contentEncoding",
    "webhooks",
];

/// Interesting values for `keyword`, beyond the random ones.
fn keyword_values(keyword: &str) -> Vec<Value> {
    use serde_json::json;
    let mut values = match keyword {
        "type" => vec![
            json!("string"),
            json!("integer"),
            json!("number"),
            json!("boolean"),
            json!("array"),
            json!("object"),
            json!("null"),
            json!("file"),
            json!(["string", "null"]),
            json!([]),
            json!(["null"]),
            json!(["string", "integer", "null"]),
            json!(["object", "array"]),
            json!([1, "string"]),
        ],
        "const" => vec![json!(null), json!("a"), json!(1), json!({"$ref": "#/x"})],
        "examples" => vec![json!(["a", 1]), json!({"a": {"value": 1}})],
        "exclusiveMinimum" => vec![json!(true), json!(0), json!(1.5), json!(i64::MIN), json!("0")],
        "not" | "propertyNames" => vec![json!({"type": "null"}), json!(false), json!(true)],
        "prefixItems" => vec![json!([{"type": "string"}, true, false]), json!([{"not": {}}])],
        "$recursiveRef" => vec![json!("#"), json!(1)],
        "$defs" => {
            vec![json!({"D": {"type": "string"}}), json!({"D": false, "E": {"$ref": "#/components/schemas/X/$defs/D"}})]
        }
        "contentEncoding" => vec![json!("base64"), json!(7)],
        "webhooks" => vec![
            json!({"w": {"post": {"requestBody": {"content": {"application/json": {"schema": {}}}}}}}),
            json!({"w": {"$ref": "#/components/pathItems/P"}}),
        ],
        "format" => vec![
            json!("uuid"),
            json!("date-time"),
            json!("date"),
            json!("int32"),
            json!("int64"),
            json!("float"),
            json!("double"),
            json!("binary"),
            json!("byte"),
            json!("email"),
            json!("decimal"),
            json!(""),
        ],
        "enum" => vec![
            json!([]),
            json!([null]),
            json!(["A", "A"]),
            json!(["a", "A"]),
            json!([1, "one"]),
            json!(["", "-", "1x", "self", "Self", "type", "Unknown", "é"]),
            json!([1, 2, -3]),
            json!([1.5, 2.5]),
            json!([true, false]),
            json!([{"a": 1}, [1]]),
            json!(["a_b", "aB", "A_B", "a-b", "a b"]),
        ],
        "required" => vec![json!([]), json!(["missing"]), json!(["id", "id"]), json!("id"), json!([1])],
        "nullable" | "readOnly" | "explode" => vec![json!(true), json!(false), json!("yes")],
        "items" | "additionalProperties" | "schema" => vec![
            json!(true),
            json!(false),
            json!({}),
            json!({"type": "null"}),
            json!({"$ref": "#/components/schemas/Missing"}),
            json!({"type": "array"}),
            json!({"type": "object", "properties": {"": {"type": "string"}}}),
        ],
        "properties" => vec![
            json!({}),
            json!({"": {"type": "string"}}),
            json!({"type": {"type": "string"}, "Type": {"type": "string"}, "type_": {}}),
            json!({"self": {"type": "string"}, "super": {"type": "integer"}, "1a": {"type": "boolean"}}),
            json!({"a-b": {"type": "string"}, "a_b": {"type": "string"}}),
            json!({"x": null}),
        ],
        "discriminator" => vec![
            json!({"propertyName": "type"}),
            json!({"propertyName": "missing", "mapping": {"a": "#/components/schemas/Missing"}}),
            json!({"propertyName": ""}),
            json!({}),
        ],
        "allOf" | "anyOf" | "oneOf" => vec![
            json!([]),
            json!([{}]),
            json!([{"type": "null"}]),
            json!([{"type": "null"}, {"type": "null"}]),
            json!([{"type": "string"}, {"type": "string"}]),
            json!([{"type": "object"}, {"type": "array", "items": {}}]),
            json!([{"type": "string", "enum": ["A"]}, {"type": "integer"}, {"type": "null"}]),
        ],
        "pattern" => vec![json!("["), json!("^(a|b)$"), json!("\\"), json!("(?<x>a)"), json!("\\p{Foo}")],
        "in" => vec![json!("query"), json!("path"), json!("header"), json!("cookie"), json!("body")],
        "style" => vec![json!("form"), json!("simple"), json!("deepObject"), json!("pipeDelimited"), json!("matrix")],
        "minimum" | "maximum" | "minLength" | "maxLength" | "minItems" => {
            vec![json!(-1), json!(0), json!(1.5), json!(u64::MAX), json!(i64::MIN), json!(1e300), json!("1")]
        }
        "$ref" => ref_garbage(),
        _ => vec![],
    };
    values.extend([Value::Null, json!(""), json!({}), json!([])]);
    values
}

/// `$ref` values that point nowhere, into the wrong place, or outside the document.
fn ref_garbage() -> Vec<Value> {
    [
        "",
        "#",
        "#/",
        "#/components",
        "#/components/schemas",
        "#/components/schemas/",
        "#/components/schemas/Missing",
        "#/components/schemas/a~1b",
        "#/components/schemas/a~2b",
        "#/components/schemas/%7Bx%7D",
        "#/paths",
        "#/info",
        "#/components/responses/Missing",
        "#/components/parameters/Missing",
        "other.yaml#/components/schemas/X",
        "https://example.com/schema.json",
        "#/components/schemas/X/properties/y",
    ]
    .into_iter()
    .map(Value::from)
    .collect()
}

/// Every `$ref` target worth pointing at: the existing ones, every component and every
/// schema-like node (which makes cycles and refs into the middle of things).
fn ref_targets(root: &Value) -> Vec<Value> {
    let mut targets = ref_garbage();
    for path in all_paths(root) {
        if path.len() > 6 {
            continue;
        }
        let mut pointer = String::from("#");
        for seg in &path {
            pointer.push('/');
            match seg {
                Seg::Key(key) => pointer.push_str(&key.replace('~', "~0").replace('/', "~1")),
                Seg::Index(index) => pointer.push_str(&index.to_string()),
            }
        }
        targets.push(Value::String(pointer));
    }
    targets
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Removes the key or array item at a node.
    Delete { at: usize },
    /// Replaces a node with a random value.
    Replace { at: usize, with: Value },
    /// Copies one subtree over another.
    Copy { from: usize, to: usize },
    /// Swaps two subtrees (when neither contains the other).
    Swap { a: usize, b: usize },
    /// Points a `$ref` somewhere else.
    Retarget { at: usize, target: usize },
    /// Sets a keyword on an object (a schema where there is one).
    SetKeyword { at: usize, keyword: usize, value: usize, random: Option<Value> },
    /// Wraps a schema in `anyOf`/`oneOf`/`allOf`, optionally with a `type: 'null'` branch.
    Wrap { at: usize, kind: usize, with_null: bool },
    /// Adds a `type: 'null'` branch to a union (making one when there is none).
    AddNullBranch { at: usize },
    /// Renames a key of an object.
    Rename { at: usize, to: String },
    /// Duplicates an array item or object entry in place (same key, new name).
    Duplicate { at: usize },
    /// Nests a schema `depth` levels deep in arrays, `allOf`s and object properties.
    Nest { at: usize, depth: usize },
}

fn apply(root: &mut Value, mutation: &Mutation) {
    match mutation {
        Mutation::Delete { at } => {
            let Some(path) = pick(&all_paths(root), *at) else {
                return;
            };
            let Some((last, parent)) = path.split_last() else {
                return;
            };
            match (get_mut(root, parent), last) {
                (Some(Value::Object(map)), Seg::Key(key)) => {
                    map.shift_remove(key);
                }
                (Some(Value::Array(items)), Seg::Index(index)) if *index < items.len() => {
                    items.remove(*index);
                }
                _ => {}
            }
        }
        Mutation::Replace { at, with } => {
            let Some(path) = pick(&all_paths(root), *at) else {
                return;
            };
            if let Some(node) = get_mut(root, &path) {
                *node = with.clone();
            }
        }
        Mutation::Copy { from, to } => {
            let paths = all_paths(root);
            let (Some(from), Some(to)) = (pick(&paths, *from), pick(&paths, *to)) else {
                return;
            };
            let Some(source) = get(root, &from).cloned() else {
                return;
            };
            if let Some(node) = get_mut(root, &to) {
                *node = source;
            }
        }
        Mutation::Swap { a, b } => {
            let paths = all_paths(root);
            let (Some(a), Some(b)) = (pick(&paths, *a), pick(&paths, *b)) else {
                return;
            };
            if a.starts_with(&b) || b.starts_with(&a) {
                return;
            }
            let (Some(left), Some(right)) = (get(root, &a).cloned(), get(root, &b).cloned()) else {
                return;
            };
            if let Some(node) = get_mut(root, &a) {
                *node = right;
            }
            if let Some(node) = get_mut(root, &b) {
                *node = left;
            }
        }
        Mutation::Retarget { at, target } => {
            let refs = paths_where(root, |value| value.get("$ref").is_some());
            let Some(path) = pick(&refs, *at) else { return };
            let Some(target) = pick(&ref_targets(root), *target) else {
                return;
            };
            if let Some(Value::Object(map)) = get_mut(root, &path) {
                map.insert("$ref".into(), target);
            }
        }
        Mutation::SetKeyword { at, keyword, value, random } => {
            let mut targets = schema_paths(root);
            if targets.is_empty() || at % 4 == 3 {
                targets = paths_where(root, Value::is_object);
            }
            let Some(path) = pick(&targets, *at) else {
                return;
            };
            let keyword = KEYWORDS[keyword % KEYWORDS.len()];
            let new_value = match random {
                Some(random) => random.clone(),
                None => pick(&keyword_values(keyword), *value).unwrap_or(Value::Null),
            };
            if let Some(Value::Object(map)) = get_mut(root, &path) {
                map.insert(keyword.into(), new_value);
            }
        }
        Mutation::Wrap { at, kind, with_null } => {
            let Some(path) = pick(&schema_paths(root), *at) else {
                return;
            };
            let kind = ["anyOf", "oneOf", "allOf"][kind % 3];
            if let Some(node) = get_mut(root, &path) {
                let mut branches = vec![node.take()];
                if *with_null {
                    branches.push(serde_json::json!({"type": "null"}));
                }
                let mut wrapper = Map::new();
                wrapper.insert(kind.into(), Value::Array(branches));
                *node = Value::Object(wrapper);
            }
        }
        Mutation::AddNullBranch { at } => {
            let Some(path) = pick(&schema_paths(root), *at) else {
                return;
            };
            let Some(node) = get_mut(root, &path) else {
                return;
            };
            let null = serde_json::json!({"type": "null"});
            let existing = ["anyOf", "oneOf"].into_iter().find(|kind| node.get(*kind).is_some_and(Value::is_array));
            match existing {
                Some(kind) => {
                    if let Some(Value::Array(branches)) = node.get_mut(kind) {
                        branches.push(null);
                    }
                }
                None => *node = serde_json::json!({"anyOf": [node.take(), null]}),
            }
        }
        Mutation::Rename { at, to } => {
            let keys =
                all_paths(root).into_iter().filter(|path| matches!(path.last(), Some(Seg::Key(_)))).collect::<Vec<_>>();
            let Some(path) = pick(&keys, *at) else { return };
            let Some((Seg::Key(key), parent)) = path.split_last() else {
                return;
            };
            if let Some(Value::Object(map)) = get_mut(root, parent) {
                // Rebuilt in order, so the renamed key keeps its place.
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(name, value)| if name == *key { (to.clone(), value) } else { (name, value) })
                    .collect();
            }
        }
        Mutation::Duplicate { at } => {
            let Some(path) = pick(&all_paths(root), *at) else {
                return;
            };
            let Some((last, parent)) = path.split_last() else {
                return;
            };
            let Some(copy) = get(root, &path).cloned() else {
                return;
            };
            match (get_mut(root, parent), last) {
                (Some(Value::Object(map)), Seg::Key(key)) => {
                    // A name that collides after case conversion: `fooBar` vs `foo_bar`.
                    map.insert(format!("{key}_"), copy.clone());
                    map.insert(key.to_uppercase(), copy);
                }
                (Some(Value::Array(items)), Seg::Index(index)) => items.insert(*index, copy),
                _ => {}
            }
        }
        Mutation::Nest { at, depth } => {
            let Some(path) = pick(&schema_paths(root), *at) else {
                return;
            };
            if let Some(node) = get_mut(root, &path) {
                for level in 0..*depth {
                    let inner = node.take();
                    // An object, then `allOf` of it, then a list of that: each
                    // level valid, so the generator goes all the way down.
                    *node = match level % 3 {
                        0 => serde_json::json!({"type": "object", "properties": {"x": inner}}),
                        1 => serde_json::json!({"allOf": [inner]}),
                        _ => serde_json::json!({"type": "array", "items": inner}),
                    };
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

fn interesting_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_]{0,10}",
        "[ -~]{0,16}",
        "\\PC{0,8}",
        Just(String::new()),
        Just("#/components/schemas/".to_owned()),
        Just("{id}".to_owned()),
        Just("/a/{b}/{b}".to_owned()),
        Just("3.0.3".to_owned()),
        Just("type".to_owned()),
        Just("self".to_owned()),
        Just("1".to_owned()),
        Just("a\u{0}b".to_owned()),
        Just("\u{1F600}".to_owned()),
        Just("x".repeat(300)),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        interesting_string().prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((interesting_string(), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    prop_oneof![
        3 => at.prop_map(|at| Mutation::Delete { at }),
        2 => (at, json_value()).prop_map(|(at, with)| Mutation::Replace { at, with }),
        1 => (at, any::<usize>()).prop_map(|(from, to)| Mutation::Copy { from, to }),
        1 => (at, any::<usize>()).prop_map(|(a, b)| Mutation::Swap { a, b }),
        3 => (at, any::<usize>()).prop_map(|(at, target)| Mutation::Retarget { at, target }),
        6 => (at, any::<usize>(), any::<usize>(), prop::option::weighted(0.2, json_value()))
            .prop_map(|(at, keyword, value, random)| Mutation::SetKeyword { at, keyword, value, random }),
        2 => (at, any::<usize>(), any::<bool>())
            .prop_map(|(at, kind, with_null)| Mutation::Wrap { at, kind, with_null }),
        2 => at.prop_map(|at| Mutation::AddNullBranch { at }),
        1 => (at, interesting_string()).prop_map(|(at, to)| Mutation::Rename { at, to }),
        1 => at.prop_map(|at| Mutation::Duplicate { at }),
        // Not deeper: with an invalid schema at the bottom, parsing takes time
        // exponential in the depth (openapiv3's untagged schema kinds retry each level),
        // about 3 s at 16 levels in a debug build.
        1 => (at, 1..12usize).prop_map(|(at, depth)| Mutation::Nest { at, depth }),
    ]
}

/// A seed document with mutations applied, and whether to write it as JSON.
#[derive(Debug, Clone)]
struct MutatedDocument {
    seed: usize,
    mutations: Vec<Mutation>,
    json: bool,
}

impl MutatedDocument {
    fn text(&self) -> String {
        let seeds = seeds();
        let seed = &seeds[self.seed % seeds.len()];
        let mut document = seed.value.clone();
        for mutation in &self.mutations {
            apply(&mut document, mutation);
        }
        if self.json {
            serde_json::to_string_pretty(&document).expect("a JSON value serializes")
        } else {
            serde_yaml::to_string(&document).expect("a JSON value serializes as YAML")
        }
    }
}

fn mutated_document() -> impl Strategy<Value = MutatedDocument> {
    (any::<usize>(), prop::collection::vec(mutation(), 1..6), prop::bool::weighted(0.2))
        .prop_map(|(seed, mutations, json)| MutatedDocument { seed, mutations, json })
}

/// Raw text: arbitrary bytes, YAML-ish noise, or a seed cut short or spliced.
#[derive(Debug, Clone)]
enum RawText {
    Bytes(Vec<u8>),
    Noise(String),
    Truncated { seed: usize, at: usize },
    Spliced { seed: usize, at: usize, len: usize, insert: String },
}

impl RawText {
    fn text(&self) -> String {
        let seeds = seeds();
        let boundary = |text: &str, at: usize| {
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        match self {
            RawText::Bytes(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            RawText::Noise(text) => text.clone(),
            RawText::Truncated { seed, at } => {
                let text = &seeds[seed % seeds.len()].text;
                text[..boundary(text, *at)].to_owned()
            }
            RawText::Spliced { seed, at, len, insert } => {
                let text = &seeds[seed % seeds.len()].text;
                let start = boundary(text, *at);
                let end = boundary(text, start + len % 64);
                let end = end.max(start);
                format!("{}{insert}{}", &text[..start], &text[end..])
            }
        }
    }
}

fn raw_text() -> impl Strategy<Value = RawText> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256).prop_map(RawText::Bytes),
        "(openapi: 3\\.0\\.3\n)?[ a-z0-9:{}\\[\\],'\"&*!|>#\n-]{0,200}".prop_map(RawText::Noise),
        (any::<usize>(), any::<usize>()).prop_map(|(seed, at)| RawText::Truncated { seed, at }),
        (any::<usize>(), any::<usize>(), any::<usize>(), "[ a-z0-9:{}\\[\\],'\"&*!|>#\n-]{0,12}")
            .prop_map(|(seed, at, len, insert)| RawText::Spliced { seed, at, len, insert }),
    ]
}

/// proptest's configuration from its environment variables, with failures persisted
/// in the committed `tests/proptest-regressions/fuzz.txt`, at most 2,000 shrink steps
/// and, for a default run, a fixed seed.
fn config() -> Config {
    let mut config = Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/proptest-regressions/fuzz.txt"
        )))),
        ..Config::default()
    };
    let set = |name: &str| std::env::var_os(name).is_some();
    if !set("PROPTEST_CASES") && !set("PROPTEST_RNG_SEED") {
        config.rng_seed = RngSeed::Fixed(DEFAULT_SEED);
    }
    // A case can be the whole spec; unbounded shrinking of one can take hours.
    if !set("PROPTEST_MAX_SHRINK_ITERS") {
        config.max_shrink_iters = 2_000;
    }
    config
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_documents_do_not_panic(document in mutated_document()) {
        check(&document.text())?;
    }

    #[test]
    fn raw_text_does_not_panic(raw in raw_text()) {
        check(&raw.text())?;
    }
}

/// Every input that once made the generator panic (`tests/fuzz-regressions/*`).
#[test]
fn fuzz_regressions_do_not_panic() {
    let dir = manifest_dir().join("tests/fuzz-regressions");
    let paths = documents_in(&dir);
    assert!(!paths.is_empty(), "no inputs in {}", dir.display());
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|path| {
            let bytes = std::fs::read(path).expect("a regression input is readable");
            let message = generate_without_panic(&String::from_utf8_lossy(&bytes)).err()?;
            Some(format!("{}: {message}", path.display()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "the generator panicked on {} of {} inputs:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}
