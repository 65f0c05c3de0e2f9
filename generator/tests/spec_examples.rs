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
//! Examples are found by walking the document along the OpenAPI structure (paths,
//! `x-webhooks`, components), so a property that happens to be *named* `example`
//! is never mistaken for one. Found: schema `example`s, media type `example` and
//! `examples.*.value` (following `$ref`s into `#/components/examples`), and
//! parameter and header `example`/`examples`. Every failure is reported with the
//! JSON pointer of the example.
//!
//! Run with `cargo test -p upvest-generator --test spec_examples`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{json, Map, Value};

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// OpenAPI keywords that JSON Schema does not have (or that only annotate).
const OPENAPI_ONLY_KEYWORDS: [&str; 6] = [
    "nullable",
    "discriminator",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
];

fn spec_path() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/upvest.yaml"))
}

fn load_spec() -> Value {
    let path = spec_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    serde_yaml::from_str(&text)
        .unwrap_or_else(|err| panic!("{} is not valid YAML: {err}", path.display()))
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
                Value::Object(props) => Value::Object(
                    props
                        .iter()
                        .map(|(name, sub)| (name.clone(), to_json_schema(sub)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "items" | "additionalProperties" | "not" => to_json_schema(value),
            "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(branches) => {
                    Value::Array(branches.iter().map(to_json_schema).collect())
                }
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    // OpenAPI 3.0 (JSON Schema draft 4): `exclusiveMinimum: true` modifies `minimum`.
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match out.get(exclusive) {
            Some(Value::Bool(true)) => {
                let limit = out
                    .remove(bound)
                    .expect("exclusiveMinimum/Maximum: true without minimum/maximum");
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
            .map(|schemas| {
                schemas
                    .iter()
                    .map(|(key, schema)| (key.clone(), to_json_schema(schema)))
                    .collect()
            })
            .unwrap_or_default();
        Checker {
            components: json!({ "schemas": Value::Object(schemas) }),
        }
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
        root.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
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
        validator
            .iter_errors(instance)
            .map(|err| format!("at `{}`: {err}", err.instance_path()))
            .collect()
    }

    fn is_valid(&self, schema: &Value, instance: &Value) -> bool {
        self.validator(schema).is_valid(instance)
    }
}

// ---------------------------------------------------------------------------
// Finding every example
// ---------------------------------------------------------------------------

/// One example with the schema it must satisfy.
#[derive(Debug, Clone)]
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
    /// `#/components/examples/...` references followed.
    used_component_examples: BTreeSet<String>,
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn child(pointer: &str, segment: &str) -> String {
    format!("{pointer}/{}", escape(segment))
}

fn entries(value: Option<&Value>) -> Vec<(&String, &Value)> {
    value
        .and_then(Value::as_object)
        .map(|map| map.iter().collect())
        .unwrap_or_default()
}

impl Walk {
    fn document(&mut self, doc: &Value) {
        for (path, item) in entries(doc.get("paths")) {
            self.path_item(doc, &child("#/paths", path), item);
        }
        for (name, item) in entries(doc.get("x-webhooks")) {
            self.path_item(doc, &child("#/x-webhooks", name), item);
        }
        let components = doc.get("components");
        let section = |name: &str| entries(components.and_then(|c| c.get(name)));
        for (key, schema) in section("schemas") {
            self.schema(&child("#/components/schemas", key), schema);
        }
        for (key, parameter) in section("parameters") {
            self.parameter_or_header(doc, &child("#/components/parameters", key), parameter);
        }
        for (key, header) in section("headers") {
            self.parameter_or_header(doc, &child("#/components/headers", key), header);
        }
        for (key, response) in section("responses") {
            self.response(doc, &child("#/components/responses", key), response);
        }
        for (key, body) in section("requestBodies") {
            self.content(doc, &child("#/components/requestBodies", key), body);
        }
    }

    fn path_item(&mut self, doc: &Value, pointer: &str, item: &Value) {
        if item.get("$ref").is_some() {
            self.problems.push(format!(
                "{pointer}: `$ref` path items are not followed by this test"
            ));
            return;
        }
        for (index, parameter) in item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            self.parameter_or_header(doc, &format!("{pointer}/parameters/{index}"), parameter);
        }
        for method in HTTP_METHODS {
            if let Some(operation) = item.get(method) {
                self.operation(doc, &child(pointer, method), operation);
            }
        }
    }

    fn operation(&mut self, doc: &Value, pointer: &str, operation: &Value) {
        for (index, parameter) in operation
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            self.parameter_or_header(doc, &format!("{pointer}/parameters/{index}"), parameter);
        }
        if let Some(body) = operation.get("requestBody") {
            self.content(doc, &format!("{pointer}/requestBody"), body);
        }
        for (status, response) in entries(operation.get("responses")) {
            self.response(
                doc,
                &child(&format!("{pointer}/responses"), status),
                response,
            );
        }
    }

    fn response(&mut self, doc: &Value, pointer: &str, response: &Value) {
        if response.get("$ref").is_some() {
            return; // the component is walked on its own
        }
        for (name, header) in entries(response.get("headers")) {
            self.parameter_or_header(doc, &child(&format!("{pointer}/headers"), name), header);
        }
        self.content(doc, pointer, response);
    }

    /// The `content` map of a request body, response, parameter or header.
    fn content(&mut self, doc: &Value, pointer: &str, holder: &Value) {
        if holder.get("$ref").is_some() {
            return;
        }
        for (media_type, media) in entries(holder.get("content")) {
            let at = child(&format!("{pointer}/content"), media_type);
            self.examples_of(doc, &at, media);
        }
    }

    fn parameter_or_header(&mut self, doc: &Value, pointer: &str, object: &Value) {
        if object.get("$ref").is_some() {
            return;
        }
        self.examples_of(doc, pointer, object);
        self.content(doc, pointer, object);
    }

    /// `schema`, `example` and `examples` of a media type, parameter or header.
    fn examples_of(&mut self, doc: &Value, pointer: &str, object: &Value) {
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
            match self.resolve_example(doc, &at, example) {
                Some((origin, value)) => found.push((origin, value)),
                None => continue,
            }
        }
        if found.is_empty() {
            return;
        }
        let Some(schema) = schema else {
            self.problems.push(format!(
                "{pointer}: has examples but no schema to check them against"
            ));
            return;
        };
        for (at, value) in found {
            self.cases.push(Case {
                pointer: at,
                schema: schema.clone(),
                value,
            });
        }
    }

    /// An Example Object (inline or `$ref`) -> (pointer for reports, value).
    fn resolve_example(
        &mut self,
        doc: &Value,
        pointer: &str,
        example: &Value,
    ) -> Option<(String, Value)> {
        let (example, origin) = match example.get("$ref").and_then(Value::as_str) {
            Some(target) => {
                let Some(resolved) = target
                    .strip_prefix('#')
                    .and_then(|local| doc.pointer(local))
                else {
                    self.problems
                        .push(format!("{pointer}/$ref: `{target}` points at nothing"));
                    return None;
                };
                self.used_component_examples.insert(target.to_owned());
                (resolved, format!("{pointer} (-> {target}/value)"))
            }
            None => (example, format!("{pointer}/value")),
        };
        if example.get("externalValue").is_some() {
            self.problems.push(format!(
                "{pointer}: `externalValue` examples are not checked; inline the value"
            ));
            return None;
        }
        match example.get("value") {
            Some(value) => Some((origin, value.clone())),
            None => {
                self.problems
                    .push(format!("{pointer}: example without `value`"));
                None
            }
        }
    }

    /// A schema object: its own `example`, then every nested schema.
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
            for (index, sub) in map
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                self.schema(&format!("{pointer}/{key}/{index}"), sub);
            }
        }
    }
}

fn walk(doc: &Value) -> Walk {
    let mut walk = Walk::default();
    walk.document(doc);
    walk
}

/// Every failing example, as "pointer: error" lines.
fn failures(doc: &Value) -> (usize, Vec<String>) {
    let walk = walk(doc);
    let checker = Checker::new(doc);
    let mut failures = walk.problems.clone();
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
    let branches = one_of
        .get("oneOf")
        .and_then(Value::as_array)
        .expect("a oneOf schema");
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
    assert!(
        count >= 40,
        "only {count} examples found; the walk over the document is broken"
    );
}

#[test]
fn the_walk_finds_every_kind_of_example() {
    let doc = load_spec();
    let walk = walk(&doc);
    let pointers: Vec<&str> = walk
        .cases
        .iter()
        .map(|case| case.pointer.as_str())
        .collect();
    let expect = [
        // media type examples by $ref, one per union branch
        "#/paths/~1users/get/responses/200/content/application~1json/examples/byol (-> #/components/examples/UsersByolList/value)",
        "#/paths/~1users/get/responses/200/content/application~1json/examples/tol (-> #/components/examples/UsersTolList/value)",
        "#/paths/~1users/get/responses/200/content/application~1json/examples/empty (-> #/components/examples/UsersEmptyList/value)",
        "#/paths/~1users/post/requestBody/content/application~1json/examples/tol (-> #/components/examples/UserTolCreateRequest/value)",
        "#/paths/~1users~1{user_id}/get/responses/200/content/application~1json/examples/tol (-> #/components/examples/UserTol/value)",
        // inline media type examples
        "#/paths/~1account_groups/post/requestBody/content/application~1json/examples/personal/value",
        "#/components/responses/ServiceUnavailable/content/application~1problem+json/examples/service_unavailable/value",
        "#/x-webhooks/account_group_events/post/requestBody/content/application~1json/examples/created/value",
        // parameter and header examples
        "#/components/parameters/UpvestClientId/example",
        "#/components/parameters/IdempotencyKey/example",
        "#/components/headers/UpvestRequestId/example",
        // schema examples
        "#/components/schemas/Address/example",
        "#/components/schemas/AccountGroupEvent/example",
    ];
    for pointer in expect {
        assert!(
            pointers.contains(&pointer),
            "example {pointer} was not found; found:\n{}",
            pointers.join("\n")
        );
    }
    assert!(walk.problems.is_empty(), "{}", walk.problems.join("\n"));
    // Every shared example is used somewhere, so none escapes validation.
    let defined: BTreeSet<String> = entries(doc.pointer("/components/examples"))
        .into_iter()
        .map(|(key, _)| format!("#/components/examples/{key}"))
        .collect();
    let unused: Vec<_> = defined.difference(&walk.used_component_examples).collect();
    assert!(
        unused.is_empty(),
        "component examples referenced from nowhere (so never validated): {unused:?}"
    );
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
    assert!(
        errors.is_empty(),
        "the TOL user example does not match {union}:\n{}",
        errors.join("\n")
    );
    let branches = doc
        .pointer(&format!("/components/schemas/{union}/anyOf"))
        .and_then(Value::as_array)
        .unwrap();
    assert_eq!(
        branches,
        &vec![schema_ref("UserByol"), schema_ref("UserTol")],
        "{union} is anyOf [BYOL, TOL]"
    );
    assert!(checker.is_valid(&schema_ref("UserTol"), &tol));
    // BYOL is a structural subset of TOL: the TOL payload also matches the BYOL
    // branch, which is why a decoder must not stop at the first matching branch.
    assert!(checker.is_valid(&schema_ref("UserByol"), &tol));
    let byol_fields: BTreeSet<&String> =
        entries(doc.pointer("/components/schemas/UserByol/properties"))
            .into_iter()
            .map(|(name, _)| name)
            .collect();
    let tol_only: Vec<&String> = tol
        .as_object()
        .unwrap()
        .keys()
        .filter(|key| !byol_fields.contains(key))
        .collect();
    assert_eq!(
        tol_only,
        [
            "data_privacy_and_sharing_agreement",
            "email",
            "fatca",
            "phone_number",
            "terms_and_conditions"
        ],
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
    assert_eq!(
        matching_branches(&checker, &data, &empty),
        vec![1],
        "`data: []` matches only the empty-list branch"
    );
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
        assert_eq!(
            matching_branches(&checker, &data, &list),
            vec![0],
            "{key} matches only the BYOL/TOL branch"
        );
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
    let postal = doc
        .pointer("/components/schemas/UserByol/properties/postal_address")
        .unwrap()
        .clone();
    let address = doc
        .pointer("/components/schemas/Address/example")
        .unwrap()
        .clone();
    assert_eq!(matching_branches(&checker, &postal, &Value::Null), vec![1]);
    assert_eq!(matching_branches(&checker, &postal, &address), vec![0]);
    assert!(checker.is_valid(&postal, &Value::Null));
    assert!(checker.is_valid(&postal, &address));
    for not_null in [json!({}), json!(""), json!(0), json!([])] {
        assert!(
            !checker.is_valid(&postal, &not_null),
            "postal_address must refuse {not_null}"
        );
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
        let here = doc
            .pointer(&format!(
                "/components/schemas/{key}/properties/postal_address"
            ))
            .unwrap();
        assert_eq!(
            here, &postal,
            "{key}.postal_address differs from UserByol.postal_address"
        );
    }
}

#[test]
fn each_tol_data_change_example_matches_its_own_branch() {
    let doc = load_spec();
    let checker = Checker::new(&doc);
    for (example, branch) in [
        ("UserTolDataChangeNameChange", "UserTolDataChangeNameChange"),
        ("UserTolDataChangeOther", "UserTolDataChangeOther"),
        (
            "UserTolDataChangeNationality",
            "UserTolDataChangeNationality",
        ),
        ("UserTolDataChangeAddress", "UserTolDataChangeAddress"),
    ] {
        let value = component_example(&doc, example);
        let errors = checker.errors(&schema_ref(branch), &value);
        assert!(
            errors.is_empty(),
            "{example} does not match {branch}:\n{}",
            errors.join("\n")
        );
        assert!(checker.is_valid(&schema_ref("UserDataChangeRequest"), &value));
    }
    // The email change is only an "Other" change: it has none of the fields the
    // other three branches require.
    let tol = doc
        .pointer("/components/schemas/UserTolDataChangeRequest")
        .unwrap()
        .clone();
    assert_eq!(
        matching_branches(
            &checker,
            &tol,
            &component_example(&doc, "UserTolDataChangeOther")
        ),
        vec![1]
    );
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
fn salutation_and_title_enums_list_the_empty_string_first() {
    let doc = load_spec();
    let schemas = entries(doc.pointer("/components/schemas"));
    let mut seen = 0;
    for (key, schema) in schemas {
        for field in ["salutation", "title"] {
            // `Problem` has a plain-string `title` too; only the enums are meant.
            let Some(property) = schema
                .pointer(&format!("/properties/{field}"))
                .filter(|p| p.get("enum").is_some())
            else {
                continue;
            };
            seen += 1;
            assert_eq!(property["default"], json!(""), "{key}.{field} default");
            assert_eq!(
                property["enum"][0],
                json!(""),
                "{key}.{field}: \"\" is the first enum value"
            );
        }
    }
    assert_eq!(seen, 12, "salutation and title appear in six schemas each");
}

#[test]
fn the_validator_catches_broken_examples() {
    let doc = load_spec();
    let checker = Checker::new(&doc);
    let user = schema_ref("UserGetResponse");
    let good = component_example(&doc, "UserTol");
    assert!(checker.is_valid(&user, &good));

    let mut short_name = good.clone();
    short_name["first_name"] = json!("K");
    assert!(
        !checker.is_valid(&user, &short_name),
        "a 1-char first_name must fail (minLength 2)"
    );

    let mut bad_uuid = good.clone();
    bad_uuid["id"] = json!("not-a-uuid");
    assert!(
        !checker.is_valid(&user, &bad_uuid),
        "a bad uuid must fail (format: uuid is asserted)"
    );

    let mut bad_time = good.clone();
    bad_time["created_at"] = json!("yesterday");
    assert!(
        !checker.is_valid(&user, &bad_time),
        "a bad date-time must fail"
    );

    let mut bad_country = good.clone();
    bad_country["nationalities"] = json!(["de"]);
    assert!(
        !checker.is_valid(&user, &bad_country),
        "a lower-case country code must fail the pattern"
    );

    let mut empty_postal = good.clone();
    empty_postal["postal_address"] = json!({});
    assert!(
        !checker.is_valid(&user, &empty_postal),
        "postal_address {{}} is neither an Address nor null"
    );

    let mut null_postal = good.clone();
    null_postal["postal_address"] = Value::Null;
    assert!(
        checker.is_valid(&user, &null_postal),
        "postal_address null is fine"
    );

    let mut unknown_title = good.clone();
    unknown_title["title"] = json!("SIR");
    assert!(
        !checker.is_valid(&user, &unknown_title),
        "a title outside the enum must fail"
    );

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
    assert_eq!(
        failures.len(),
        4,
        "exactly the four broken uses fail:\n{}",
        failures.join("\n")
    );
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

// ---------------------------------------------------------------------------
// The document's shape (what the generator and the mock server rely on)
// ---------------------------------------------------------------------------

#[test]
fn the_spec_parses_with_openapiv3_and_has_the_fifteen_operations() {
    let doc = load_spec();
    let api: openapiv3::OpenAPI =
        serde_json::from_value(doc.clone()).expect("openapiv3 parses the document");
    let mut operations = Vec::new();
    for (path, item) in &api.paths.paths {
        let openapiv3::ReferenceOr::Item(item) = item else {
            panic!("{path} is a $ref")
        };
        for (method, op) in item.iter() {
            operations.push((
                op.operation_id
                    .clone()
                    .expect("every operation has an operationId"),
                method.to_uppercase(),
                path.clone(),
                op.tags.clone(),
            ));
        }
    }
    let expected = [
        ("list_users", "GET", "/users", "users"),
        ("create_user", "POST", "/users", "users"),
        ("get_user", "GET", "/users/{user_id}", "users"),
        ("offboard_user", "DELETE", "/users/{user_id}", "users"),
        (
            "create_user_data_change_request",
            "POST",
            "/users/{user_id}/data_change_requests",
            "users",
        ),
        (
            "list_user_account_groups",
            "GET",
            "/users/{user_id}/account_groups",
            "users",
        ),
        (
            "list_user_identifiers",
            "GET",
            "/users/{user_id}/identifiers",
            "user_identifiers",
        ),
        (
            "create_user_identifier",
            "POST",
            "/users/{user_id}/identifiers",
            "user_identifiers",
        ),
        (
            "get_user_identifier",
            "GET",
            "/users/{user_id}/identifiers/{identifier_id}",
            "user_identifiers",
        ),
        (
            "update_user_identifier",
            "PATCH",
            "/users/{user_id}/identifiers/{identifier_id}",
            "user_identifiers",
        ),
        (
            "list_account_groups",
            "GET",
            "/account_groups",
            "account_groups",
        ),
        (
            "create_account_group",
            "POST",
            "/account_groups",
            "account_groups",
        ),
        (
            "get_account_group",
            "GET",
            "/account_groups/{account_group_id}",
            "account_groups",
        ),
        (
            "close_account_group",
            "DELETE",
            "/account_groups/{account_group_id}",
            "account_groups",
        ),
        ("list_accounts", "GET", "/accounts", "accounts"),
    ];
    let mut actual: Vec<_> = operations
        .iter()
        .map(|(id, m, p, t)| (id.as_str(), m.as_str(), p.as_str(), t.join(",")))
        .collect();
    actual.sort();
    let mut expected: Vec<_> = expected
        .iter()
        .map(|(id, m, p, t)| (*id, *m, *p, t.to_string()))
        .collect();
    expected.sort();
    assert_eq!(actual, expected);

    // The null branch of postal_address is recognisable in the typed view.
    let openapiv3::ReferenceOr::Item(user) = &api.components.as_ref().unwrap().schemas["UserByol"]
    else {
        panic!()
    };
    let openapiv3::SchemaKind::Type(openapiv3::Type::Object(user)) = &user.schema_kind else {
        panic!("UserByol is an object")
    };
    let openapiv3::ReferenceOr::Item(postal) = &user.properties["postal_address"] else {
        panic!()
    };
    let openapiv3::SchemaKind::OneOf { one_of } = &postal.schema_kind else {
        panic!("postal_address is a oneOf")
    };
    assert!(
        matches!(&one_of[0], openapiv3::ReferenceOr::Reference { reference } if reference == "#/components/schemas/Address")
    );
    let openapiv3::ReferenceOr::Item(null) = &one_of[1] else {
        panic!()
    };
    let openapiv3::SchemaKind::Any(null) = &null.schema_kind else {
        panic!("the null branch is an AnySchema")
    };
    assert_eq!(
        (null.typ.as_deref(), null.enumeration.as_slice()),
        (None, &[Value::Null][..])
    );
}

#[test]
fn every_operation_has_security_common_headers_and_documented_responses() {
    let doc = load_spec();
    let common = [
        "UpvestClientId",
        "Authorization",
        "Signature",
        "SignatureInput",
        "UpvestApiVersion",
    ];
    let scopes: BTreeSet<&str> = entries(doc.pointer(
        "/components/securitySchemes/oauth-client-credentials/flows/clientCredentials/scopes",
    ))
    .into_iter()
    .map(|(scope, _)| scope.as_str())
    .collect();
    assert_eq!(scopes.len(), 38, "every scope the pages list");
    let mut count = 0;
    for (path, item) in entries(doc.get("paths")) {
        for method in HTTP_METHODS {
            let Some(op) = item.get(method) else { continue };
            count += 1;
            let at = format!("{} {path}", method.to_uppercase());
            let refs: Vec<&str> = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|p| p["$ref"].as_str())
                .filter_map(|r| r.strip_prefix("#/components/parameters/"))
                .collect();
            assert_eq!(
                &refs[..5],
                &common,
                "{at}: the five common headers come first"
            );
            let needs_key = matches!(
                (method, path.as_str()),
                ("post", "/users") | ("post", "/account_groups")
            );
            assert_eq!(
                refs.contains(&"IdempotencyKey"),
                needs_key,
                "{at}: idempotency-key"
            );
            let required = op["security"][0]["oauth-client-credentials"]
                .as_array()
                .expect("oauth scopes");
            assert!(!required.is_empty(), "{at}: names its scopes");
            for scope in required {
                assert!(
                    scopes.contains(scope.as_str().unwrap()),
                    "{at}: scope {scope} is not declared"
                );
            }
            let responses = op["responses"].as_object().unwrap();
            for must in ["401", "403", "406", "429", "500", "503"] {
                assert!(responses.contains_key(must), "{at}: no {must} response");
            }
            let success: Vec<&String> = responses
                .keys()
                .filter(|code| code.starts_with('2'))
                .collect();
            assert_eq!(success.len(), 1, "{at}: one success response");
            let asynchronous = matches!(
                (method, path.as_str()),
                ("delete", "/users/{user_id}")
                    | ("post", "/users/{user_id}/data_change_requests")
                    | ("delete", "/account_groups/{account_group_id}")
            );
            if asynchronous {
                assert_eq!(success[0], "202", "{at}");
                assert_eq!(
                    responses["202"]["$ref"],
                    json!("#/components/responses/Accepted"),
                    "{at}"
                );
            } else {
                assert_eq!(success[0], "200", "{at}");
                assert!(
                    responses["200"]["content"]["application/json"]["examples"].is_object(),
                    "{at}: 200 has named examples"
                );
            }
            for (code, response) in responses {
                if code.starts_with('4') || code.starts_with('5') {
                    let target = response["$ref"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{at} {code}: not a shared response"));
                    let shared = doc.pointer(target.strip_prefix('#').unwrap()).unwrap();
                    assert_eq!(
                        shared["content"]["application/problem+json"]["schema"]["$ref"],
                        json!("#/components/schemas/Problem")
                    );
                    let example = shared["content"]["application/problem+json"]["examples"]
                        .as_object()
                        .unwrap()
                        .values()
                        .next()
                        .unwrap();
                    assert_eq!(
                        example["value"]["status"].to_string(),
                        *code,
                        "{at}: the {code} example has status {code}"
                    );
                }
            }
        }
    }
    assert_eq!(count, 15);
    let servers = doc["servers"].as_array().unwrap();
    assert_eq!(servers[0]["url"], json!("https://sandbox.upvest.co"));
    assert!(servers[0]["description"]
        .as_str()
        .unwrap()
        .contains("Sandbox"));
    assert_eq!(servers[1]["url"], json!("https://api.upvest.co"));
    assert!(servers[1]["description"]
        .as_str()
        .unwrap()
        .contains("Production"));
}
