//! Every example in `spec/upvest.yaml` is valid against its schema.
//!
//! The document is OpenAPI 3.0.3, whose schemas are not quite JSON Schema, so each
//! schema is first converted (see [`to_json_schema`]): `nullable: true` becomes a
//! `"null"` type, boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers,
//! OpenAPI-only keywords (`example`, `discriminator`, `xml`, `x-*`, ...) are dropped,
//! and `$ref` siblings are dropped as OpenAPI 3.0 ignores them. The converted
//! schema is validated as JSON Schema 2020-12 inside a root document that also
//! holds the converted `components`, so `#/components/schemas/...` references
//! resolve as they do in the OpenAPI document. Formats (`uuid`, `date-time`,
//! `date`, `email`, ...) are asserted; formats JSON Schema does not know (`url`,
//! `int32`) are ignored.
//!
//! Examples are found by walking the document, schemas along their keywords, so a
//! property that happens to be *named* `example` is never mistaken for one. Found:
//! schema `example`s, media type `example` and `examples.*.value` (following `$ref`s
//! into `#/components/examples`), and parameter and header `example`/`examples`.
//! Every failure is reported with the JSON pointer of the example.
//!
//! The union assertions pin which branch each documented payload matches: the
//! generator's union decoding (and `client-tests`) rely on BYOL/TOL and the list
//! branches being told apart exactly so.
//!
//! Everything Redocly's lint checks (operationIds, responses, security, unused
//! components, ...) is left to `cargo xtask test`, which runs it with
//! `tools/redocly.yaml`.
//!
//! Run with `cargo test -p upvest-generator --test spec_examples`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{json, Map, Value};

/// OpenAPI keywords that JSON Schema does not have (or that only annotate).
const OPENAPI_ONLY_KEYWORDS: [&str; 6] = ["nullable", "discriminator", "xml", "externalDocs", "example", "deprecated"];

fn spec_path() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/upvest.yaml"))
}

fn load_spec() -> Value {
    let path = spec_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|err| panic!("{} is not valid YAML: {err}", path.display()))
}

// ---------------------------------------------------------------------------
// OpenAPI 3.0 schema -> JSON Schema 2020-12
// ---------------------------------------------------------------------------

/// Converts one OpenAPI 3.0 schema object (and everything nested in it).
fn to_json_schema(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    if let Some(target) = map.get("$ref") {
        // OpenAPI 3.0: "This object cannot be extended with additional properties
        // and any properties added SHALL be ignored."
        return json!({ "$ref": target });
    }
    let mut out = Map::new();
    for (key, value) in map {
        if OPENAPI_ONLY_KEYWORDS.contains(&key.as_str()) || key.starts_with("x-") {
            continue;
        }
        let converted = match key.as_str() {
            // Maps from property names to schemas: the names are not keywords.
            "properties" | "patternProperties" => match value {
                Value::Object(props) => {
                    Value::Object(props.iter().map(|(name, sub)| (name.clone(), to_json_schema(sub))).collect())
                }
                other => other.clone(),
            },
            "items" | "additionalProperties" | "not" => to_json_schema(value),
            "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(branches) => Value::Array(branches.iter().map(to_json_schema).collect()),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    // OpenAPI 3.0 (JSON Schema draft 4): `exclusiveMinimum: true` modifies `minimum`.
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        match out.get(exclusive) {
            Some(Value::Bool(true)) => {
                let limit = out.remove(bound).expect("exclusiveMinimum/Maximum: true without minimum/maximum");
                out.insert(exclusive.to_owned(), limit);
            }
            Some(Value::Bool(false)) => {
                out.remove(exclusive);
            }
            _ => {}
        }
    }
    if map.get("nullable") == Some(&Value::Bool(true)) {
        match out.get("type").cloned() {
            // `nullable` adds null to the type. It does not add null to an `enum`:
            // per OpenAPI 3.0.3 an enum admits null only when it lists null.
            Some(Value::String(ty)) => {
                out.insert("type".into(), json!([ty, "null"]));
            }
            // Without `type`, 3.0.3 says `nullable` has no effect; tools commonly
            // read it as "or null" (e.g. next to an allOf), and so does this test.
            None => return json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
            Some(other) => panic!("unexpected `type` next to `nullable`: {other}"),
        }
    }
    Value::Object(out)
}

/// Validates instances against OpenAPI schemas of one document.
struct Checker {
    /// `{"schemas": {...converted...}}`, placed at `/components` of every root.
    components: Value,
}

impl Checker {
    fn new(doc: &Value) -> Self {
        let schemas = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|schemas| schemas.iter().map(|(key, schema)| (key.clone(), to_json_schema(schema))).collect())
            .unwrap_or_default();
        Checker { components: json!({ "schemas": Value::Object(schemas) }) }
    }

    fn validator(&self, schema: &Value) -> jsonschema::Validator {
        let mut root = match to_json_schema(schema) {
            Value::Object(map) => map,
            Value::Bool(b) => {
                let mut map = Map::new();
                if !b {
                    map.insert("not".into(), json!({}));
                }
                map
            }
            other => panic!("not a schema: {other}"),
        };
        root.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
        root.insert("components".into(), self.components.clone());
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&Value::Object(root))
            .unwrap_or_else(|err| panic!("schema does not compile: {err}\nschema: {schema}"))
    }

    /// All validation errors, one line each, empty when the instance is valid.
    fn errors(&self, schema: &Value, instance: &Value) -> Vec<String> {
        let validator = self.validator(schema);
        validator.iter_errors(instance).map(|err| format!("at `{}`: {err}", err.instance_path())).collect()
    }

    fn is_valid(&self, schema: &Value, instance: &Value) -> bool {
        self.validator(schema).is_valid(instance)
    }
}

// ---------------------------------------------------------------------------
// Finding every example
// ---------------------------------------------------------------------------

/// One example with the schema it must satisfy.
struct Case {
    /// JSON pointer of the example value in the document, plus the component
    /// example it came from when it was a `$ref`.
    pointer: String,
    schema: Value,
    value: Value,
}

#[derive(Default)]
struct Walk {
    cases: Vec<Case>,
    /// Structural problems (an example without a schema, a dangling `$ref`, ...).
    problems: Vec<String>,
}

fn child(pointer: &str, segment: &str) -> String {
    format!("{pointer}/{}", segment.replace('~', "~0").replace('/', "~1"))
}

fn entries(value: Option<&Value>) -> Vec<(&String, &Value)> {
    value.and_then(Value::as_object).map(|map| map.iter().collect()).unwrap_or_default()
}

impl Walk {
    /// Everything outside schemas: there, `example` and `examples` are always the
    /// keywords, and the objects that hold them (media types, parameters, headers)
    /// hold their `schema` too. Shared examples are reached through their `$ref`s.
    fn document(&mut self, doc: &Value, pointer: &str, value: &Value) {
        match value {
            Value::Object(map) => {
                // `#/components/examples` is the one `examples` that is not an
                // object's own: its entries are checked where they are used.
                if pointer != "#/components" {
                    self.examples_of(doc, pointer, map);
                }
                for (key, sub) in map {
                    match (pointer, key.as_str()) {
                        (_, "schema" | "example" | "examples") => {}
                        ("#/components", "schemas") => {
                            for (name, schema) in entries(Some(sub)) {
                                self.schema(&child("#/components/schemas", name), schema);
                            }
                        }
                        _ => self.document(doc, &child(pointer, key), sub),
                    }
                }
            }
            Value::Array(items) => {
                for (index, sub) in items.iter().enumerate() {
                    self.document(doc, &format!("{pointer}/{index}"), sub);
                }
            }
            _ => {}
        }
    }

    /// `schema`, `example` and `examples` of a media type, parameter or header.
    fn examples_of(&mut self, doc: &Value, pointer: &str, object: &Map<String, Value>) {
        let schema = object.get("schema");
        if let Some(schema) = schema {
            self.schema(&format!("{pointer}/schema"), schema);
        }
        let mut found = Vec::new();
        if let Some(value) = object.get("example") {
            found.push((format!("{pointer}/example"), value.clone()));
        }
        for (name, example) in entries(object.get("examples")) {
            let at = child(&format!("{pointer}/examples"), name);
            found.extend(self.resolve_example(doc, &at, example));
        }
        if found.is_empty() {
            return;
        }
        let Some(schema) = schema else {
            self.problems.push(format!("{pointer}: has examples but no schema to check them against"));
            return;
        };
        for (pointer, value) in found {
            let schema = schema.clone();
            self.cases.push(Case { pointer, schema, value });
        }
    }

    /// An Example Object (inline or `$ref`) -> (pointer for reports, value).
    fn resolve_example(&mut self, doc: &Value, pointer: &str, example: &Value) -> Option<(String, Value)> {
        let (example, origin) = match example.get("$ref").and_then(Value::as_str) {
            Some(target) => {
                let Some(resolved) = target.strip_prefix('#').and_then(|local| doc.pointer(local)) else {
                    self.problems.push(format!("{pointer}/$ref: `{target}` points at nothing"));
                    return None;
                };
                (resolved, format!("{pointer} (-> {target}/value)"))
            }
            None => (example, format!("{pointer}/value")),
        };
        let value = example.get("value");
        if value.is_none() {
            self.problems.push(format!("{pointer}: no inline `value` (`externalValue` is not checked)"));
        }
        value.map(|value| (origin, value.clone()))
    }

    /// A schema object: its own `example`, then every nested schema. A property
    /// *named* `example` is a schema under `properties`, never mistaken for one.
    fn schema(&mut self, pointer: &str, schema: &Value) {
        let Value::Object(map) = schema else { return };
        if map.contains_key("$ref") {
            return; // the target is walked where it is defined
        }
        if let Some(value) = map.get("example") {
            self.cases.push(Case {
                pointer: format!("{pointer}/example"),
                schema: schema.clone(),
                value: value.clone(),
            });
        }
        for (name, sub) in entries(map.get("properties")) {
            self.schema(&child(&format!("{pointer}/properties"), name), sub);
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(sub) = map.get(key) {
                self.schema(&child(pointer, key), sub);
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            let branches = map.get(key).and_then(Value::as_array);
            for (index, sub) in branches.into_iter().flatten().enumerate() {
                self.schema(&format!("{pointer}/{key}/{index}"), sub);
            }
        }
    }
}

/// Every failing example, as "pointer: error" lines, and how many were checked.
fn failures(doc: &Value) -> (usize, Vec<String>) {
    let mut walk = Walk::default();
    walk.document(doc, "#", doc);
    let checker = Checker::new(doc);
    let mut failures = walk.problems;
    for case in &walk.cases {
        for error in checker.errors(&case.schema, &case.value) {
            failures.push(format!("{}: {error}", case.pointer));
        }
    }
    (walk.cases.len(), failures)
}

// ---------------------------------------------------------------------------
// Helpers for the explicit tests
// ---------------------------------------------------------------------------

fn schema_ref(key: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{key}") })
}

fn component_example(doc: &Value, key: &str) -> Value {
    doc.pointer(&format!("/components/examples/{key}/value"))
        .unwrap_or_else(|| panic!("#/components/examples/{key} has no value"))
        .clone()
}

/// The `data` schema of `GET /users`: oneOf [ anyOf [BYOL list, TOL list], empty list ].
fn users_list_data_schema(doc: &Value) -> Value {
    doc.pointer("/paths/~1users/get/responses/200/content/application~1json/schema/properties/data")
        .expect("GET /users 200 has a `data` schema")
        .clone()
}

/// Indexes of the oneOf branches that `instance` matches.
fn matching_branches(checker: &Checker, one_of: &Value, instance: &Value) -> Vec<usize> {
    let branches = one_of.get("oneOf").and_then(Value::as_array).expect("a oneOf schema");
    branches
        .iter()
        .enumerate()
        .filter(|(_, branch)| checker.is_valid(branch, instance))
        .map(|(index, _)| index)
        .collect()
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn every_example_in_the_spec_is_valid_against_its_schema() {
    let doc = load_spec();
    let (count, failures) = failures(&doc);
    assert!(
        failures.is_empty(),
        "{} of the examples in {} fail:\n{}",
        failures.len(),
        spec_path().display(),
        failures.join("\n")
    );
    // The walk must actually reach the examples: the document has well over this many.
    assert!(count >= 40, "only {count} examples found; the walk over the document is broken");
}

#[test]
fn tol_user_example_matches_the_user_any_of() {
    let doc = load_spec();
    let checker = Checker::new(&doc);
    let tol = component_example(&doc, "UserTol");
    for response in ["UserGetResponse", "UserCreateResponse"] {
        let errors = checker.errors(&schema_ref(response), &tol);
        assert!(errors.is_empty(), "the TOL user example does not match {response}:\n{}", errors.join("\n"));
    }
    let union = "User";
    let errors = checker.errors(&schema_ref(union), &tol);
    assert!(errors.is_empty(), "the TOL user example does not match {union}:\n{}", errors.join("\n"));
    let branches = doc.pointer(&format!("/components/schemas/{union}/anyOf")).and_then(Value::as_array).unwrap();
    assert_eq!(branches, &vec![schema_ref("UserByol"), schema_ref("UserTol")], "{union} is anyOf [BYOL, TOL]");
    assert!(checker.is_valid(&schema_ref("UserTol"), &tol));
    // BYOL is a structural subset of TOL: the TOL payload also matches the BYOL
    // branch, which is why a decoder must not stop at the first matching branch.
    assert!(checker.is_valid(&schema_ref("UserByol"), &tol));
    let byol_fields: BTreeSet<&String> =
        entries(doc.pointer("/components/schemas/UserByol/properties")).into_iter().map(|(name, _)| name).collect();
    let tol_only: Vec<&String> = tol.as_object().unwrap().keys().filter(|key| !byol_fields.contains(key)).collect();
    assert_eq!(
        tol_only,
        ["data_privacy_and_sharing_agreement", "email", "fatca", "phone_number", "terms_and_conditions"],
        "the TOL example carries the fields that only TOL users have"
    );
    // And the BYOL example matches the union too.
    let byol = component_example(&doc, "UserByol");
    assert!(checker.is_valid(&schema_ref("UserGetResponse"), &byol));
}

#[test]
fn list_data_matches_exactly_one_branch_of_the_one_of() {
    let doc = load_spec();
    let checker = Checker::new(&doc);
    let data = users_list_data_schema(&doc);

    let empty = component_example(&doc, "UsersEmptyList")["data"].clone();
    assert_eq!(empty, json!([]));
    assert_eq!(matching_branches(&checker, &data, &empty), vec![1], "`data: []` matches only the empty-list branch");
    assert!(checker.is_valid(&data, &empty));

    let one_tol_user = json!([component_example(&doc, "UserTol")]);
    assert_eq!(
        matching_branches(&checker, &data, &one_tol_user),
        vec![0],
        "a one-user list matches only the BYOL/TOL branch"
    );
    assert!(checker.is_valid(&data, &one_tol_user));

    let one_byol_user = json!([component_example(&doc, "UserByol")]);
    assert_eq!(matching_branches(&checker, &data, &one_byol_user), vec![0]);

    for key in ["UsersByolList", "UsersTolList"] {
        let list = component_example(&doc, key)["data"].clone();
        assert_eq!(matching_branches(&checker, &data, &list), vec![0], "{key} matches only the BYOL/TOL branch");
    }
    // Inside the first branch, the BYOL and TOL lists refuse the empty list (minItems 1).
    assert!(!checker.is_valid(&schema_ref("UsersByolList"), &empty));
    assert!(!checker.is_valid(&schema_ref("UsersTolList"), &empty));
    assert!(checker.is_valid(&schema_ref("UsersEmptyList"), &empty));
    assert!(!checker.is_valid(&schema_ref("UsersEmptyList"), &one_tol_user));
}

#[test]
fn postal_address_null_branch_admits_null_only() {
    let doc = load_spec();
    let checker = Checker::new(&doc);
    let postal = doc.pointer("/components/schemas/UserByol/properties/postal_address").unwrap().clone();
    let address = doc.pointer("/components/schemas/Address/example").unwrap().clone();
    assert_eq!(matching_branches(&checker, &postal, &Value::Null), vec![1]);
    assert_eq!(matching_branches(&checker, &postal, &address), vec![0]);
    assert!(checker.is_valid(&postal, &Value::Null));
    assert!(checker.is_valid(&postal, &address));
    for not_null in [json!({}), json!(""), json!(0), json!([])] {
        assert!(!checker.is_valid(&postal, &not_null), "postal_address must refuse {not_null}");
    }
    // The same null branch is used everywhere postal_address appears.
    for key in [
        "UserByol",
        "UserTol",
        "UserByolCreateRequest",
        "UserTolCreateRequest",
        "UserByolDataChangeRequest",
        "UserTolDataChangeOther",
    ] {
        let here = doc.pointer(&format!("/components/schemas/{key}/properties/postal_address")).unwrap();
        assert_eq!(here, &postal, "{key}.postal_address differs from UserByol.postal_address");
    }
}

#[test]
fn each_tol_data_change_example_matches_its_own_branch() {
    let doc = load_spec();
    let checker = Checker::new(&doc);
    for (example, branch) in [
        ("UserTolDataChangeNameChange", "UserTolDataChangeNameChange"),
        ("UserTolDataChangeOther", "UserTolDataChangeOther"),
        ("UserTolDataChangeNationality", "UserTolDataChangeNationality"),
        ("UserTolDataChangeAddress", "UserTolDataChangeAddress"),
    ] {
        let value = component_example(&doc, example);
        let errors = checker.errors(&schema_ref(branch), &value);
        assert!(errors.is_empty(), "{example} does not match {branch}:\n{}", errors.join("\n"));
        assert!(checker.is_valid(&schema_ref("UserDataChangeRequest"), &value));
    }
    // The email change is only an "Other" change: it has none of the fields the
    // other three branches require.
    let tol = doc.pointer("/components/schemas/UserTolDataChangeRequest").unwrap().clone();
    assert_eq!(matching_branches(&checker, &tol, &component_example(&doc, "UserTolDataChangeOther")), vec![1]);
    let byol = component_example(&doc, "UserByolDataChangeRequest");
    assert!(checker.is_valid(&schema_ref("UserByolDataChangeRequest"), &byol));
}

#[test]
fn every_default_is_valid_against_its_own_schema() {
    // Catches e.g. `default: ""` on an enum that does not list "".
    let doc = load_spec();
    let checker = Checker::new(&doc);
    let mut failures = Vec::new();
    let mut seen = 0;
    collect_defaults(&doc, "#", &mut |pointer, schema| {
        seen += 1;
        let default = schema["default"].clone();
        for error in checker.errors(schema, &default) {
            failures.push(format!("{pointer}/default: {error}"));
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(seen >= 15, "only {seen} defaults found");
}

/// Calls `found` for every schema-like object: one with both `default` and `type`.
fn collect_defaults(value: &Value, pointer: &str, found: &mut dyn FnMut(&str, &Value)) {
    match value {
        Value::Object(map) => {
            if map.contains_key("default") && map.contains_key("type") {
                found(pointer, value);
            }
            for (key, sub) in map {
                collect_defaults(sub, &child(pointer, key), found);
            }
        }
        Value::Array(items) => {
            for (index, sub) in items.iter().enumerate() {
                collect_defaults(sub, &format!("{pointer}/{index}"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn the_validator_catches_broken_examples() {
    let doc = load_spec();
    let checker = Checker::new(&doc);
    let user = schema_ref("UserGetResponse");
    let good = component_example(&doc, "UserTol");
    assert!(checker.is_valid(&user, &good));

    for (field, value, why) in [
        ("first_name", json!("K"), "minLength 2"),
        ("id", json!("not-a-uuid"), "format: uuid is asserted"),
        ("created_at", json!("yesterday"), "format: date-time is asserted"),
        ("nationalities", json!(["de"]), "country codes are upper case"),
        ("postal_address", json!({}), "neither an Address nor null"),
        ("title", json!("SIR"), "not in the enum"),
    ] {
        let mut broken = good.clone();
        broken[field] = value;
        assert!(!checker.is_valid(&user, &broken), "{field} = {} must fail: {why}", broken[field]);
    }
    let mut null_postal = good.clone();
    null_postal["postal_address"] = Value::Null;
    assert!(checker.is_valid(&user, &null_postal), "postal_address null is fine");

    // End to end: break one shared example in the document and the full check
    // reports it at the pointer of every place that uses it.
    let mut broken = doc.clone();
    broken["components"]["examples"]["UserTol"]["value"]["first_name"] = json!("K");
    broken["components"]["parameters"]["UpvestClientId"]["example"] = json!("not-a-uuid");
    broken["components"]["schemas"]["Address"]["example"]["country"] = json!("Germany");
    let (_, failures) = failures(&broken);
    for pointer in [
        "#/paths/~1users/post/responses/200/content/application~1json/examples/tol (-> #/components/examples/UserTol/value)",
        "#/paths/~1users~1{user_id}/get/responses/200/content/application~1json/examples/tol (-> #/components/examples/UserTol/value)",
        "#/components/parameters/UpvestClientId/example",
        "#/components/schemas/Address/example",
    ] {
        assert!(
            failures.iter().any(|failure| failure.starts_with(&format!("{pointer}: "))),
            "the broken example at {pointer} was not reported; reported:\n{}",
            failures.join("\n")
        );
    }
    assert_eq!(failures.len(), 4, "exactly the four broken uses fail:\n{}", failures.join("\n"));
}

#[test]
fn the_conversion_handles_openapi_3_0_keywords() {
    let converted = to_json_schema(&json!({
        "type": "object",
        "nullable": true,
        "example": {"a": 1},
        "x-internal": true,
        "properties": {
            "example": {"type": "string", "nullable": true, "example": "not a keyword here"},
            "n": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
            "r": {"$ref": "#/components/schemas/X", "description": "ignored sibling"},
            "e": {"type": "string", "nullable": true, "enum": ["a"]}
        },
        "oneOf": [{"nullable": true, "allOf": [{"$ref": "#/components/schemas/X"}]}]
    }));
    assert_eq!(
        converted,
        json!({
            "type": ["object", "null"],
            "properties": {
                "example": {"type": ["string", "null"]},
                "n": {"type": "integer", "exclusiveMinimum": 0},
                "r": {"$ref": "#/components/schemas/X"},
                "e": {"type": ["string", "null"], "enum": ["a"]}
            },
            "oneOf": [{"anyOf": [{"allOf": [{"$ref": "#/components/schemas/X"}]}, {"type": "null"}]}]
        })
    );
}
