//! One Schema Object, rewritten in place into the OpenAPI 3.0 form `openapiv3` reads
//! exactly, so the model never needs the raw JSON.
//!
//! OpenAPI 3.1 schemas are JSON Schema 2020-12; OpenAPI 3.0 schemas are a subset of
//! JSON Schema draft 5 with `nullable`. Each function below handles one construct and
//! says which rule makes the rewrite exact; where it cannot be exact (a constraint Rust
//! types cannot carry) the construct is dropped with a warning naming its pointer.
//!
//! Subschemas are normalised first, at their pointers in the document as written, so
//! warnings name the place the author knows even when the parent is restructured later.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::load::escape;
use crate::load::origins::{Origins, Step};
use crate::warning::Warnings;

/// Keywords that constrain instances of one JSON type only (JSON Schema validation
/// 2020-12 section 6: "if the instance is a T, ..."); on any other type they are vacuous.
const STRING_KEYWORDS: [&str; 4] = ["pattern", "minLength", "maxLength", "format"];
const NUMBER_KEYWORDS: [&str; 6] = [
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "format",
];
const OBJECT_KEYWORDS: [&str; 5] = [
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "maxProperties",
];
const ARRAY_KEYWORDS: [&str; 4] = ["items", "minItems", "maxItems", "uniqueItems"];

/// Keywords that say what a value is, as opposed to documenting it: the part of a schema
/// that `openapiv3` cannot combine with `allOf`/`anyOf`/`oneOf` in one Schema Object.
const TYPE_KEYWORDS: [&str; 20] = [
    "type",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "maxProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
];

/// JSON Schema keywords with no OpenAPI 3.0 counterpart and no effect on the Rust type
/// beyond a check it does not make: dropped with a warning saying what goes unchecked.
const UNENFORCED: [(&str, &str); 13] = [
    (
        "patternProperties",
        "properties whose names match the patterns are not typed",
    ),
    ("propertyNames", "property names are not checked"),
    (
        "unevaluatedProperties",
        "properties no subschema names are not checked",
    ),
    (
        "unevaluatedItems",
        "items no subschema covers are not checked",
    ),
    ("contains", "no item is checked against it"),
    ("minContains", "no item is checked against `contains`"),
    ("maxContains", "no item is checked against `contains`"),
    (
        "dependentRequired",
        "properties required together are not checked",
    ),
    (
        "dependentSchemas",
        "the conditional subschemas are not applied",
    ),
    (
        "dependencies",
        "the conditional requirements are not applied",
    ),
    ("if", "the conditional subschemas are not applied"),
    ("then", "the conditional subschemas are not applied"),
    ("else", "the conditional subschemas are not applied"),
];

/// Normalises every schema of one document.
pub struct Normaliser<'w> {
    /// The one type each component schema allows (if it allows one, and not null), to
    /// see when a `type` next to a composition only repeats what its members say.
    component_types: BTreeMap<String, String>,
    /// References to move: schemas hoisted out of `$defs`, old pointer -> new pointer.
    moved: Vec<(String, String)>,
    warnings: &'w mut Warnings,
    origins: &'w mut Origins,
}

impl<'w> Normaliser<'w> {
    pub fn new(
        root: &Value,
        moved: Vec<(String, String)>,
        warnings: &'w mut Warnings,
        origins: &'w mut Origins,
    ) -> Self {
        let component_types = root
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(key, schema)| Some((key.clone(), exact_type(schema)?.to_owned())))
            .collect();
        Normaliser {
            component_types,
            moved,
            warnings,
            origins,
        }
    }

    /// Normalises the schema at `at` and, first, all its subschemas.
    pub fn schema(&mut self, schema: &mut Value, at: &str) {
        match schema {
            // JSON Schema 2020-12 section 4.3.2: `true` accepts everything, like `{}`.
            Value::Bool(true) => *schema = json!({}),
            Value::Bool(false) => {
                self.warnings.push(at, "the schema `false` (no value allowed) is not enforced: any JSON value is accepted; remove what it stands in for instead");
                *schema = json!({});
            }
            Value::Object(map) => {
                self.subschemas(map, at);
                self.node(map, at);
            }
            // Not a schema at all: the typed parse reports it with its pointer.
            _ => {}
        }
    }

    /// Whether a property schema says `required: true`, the JSON Schema draft 3 way to
    /// require it (draft 4 moved it to the parent's `required` list, where the caller puts
    /// it). The flag is removed; a `required` that is neither a flag nor a list is dropped.
    fn required_flag(&mut self, schema: &mut Value, at: &str) -> bool {
        let Some(map) = schema.as_object_mut() else {
            return false;
        };
        match map.get("required") {
            Some(Value::Bool(flag)) => {
                let flag = *flag;
                map.remove("required");
                flag
            }
            Some(Value::Array(_)) | None => false,
            Some(_) => {
                map.remove("required");
                self.warnings.push(format!("{at}/required"), "`required` is neither a list of property names nor `true`, so it is ignored; list required properties in the parent's `required`");
                false
            }
        }
    }

    /// Every position of a Schema Object that holds schemas `openapiv3` reads.
    fn subschemas(&mut self, map: &mut Map<String, Value>, at: &str) {
        if let Some(Value::Object(properties)) = map.get_mut("properties") {
            // A property whose schema is `false` must be absent (2020-12 section 4.3.2):
            // the Rust type simply has no field for it.
            properties.retain(|name, schema| {
                let forbidden = schema == &Value::Bool(false);
                if forbidden {
                    self.warnings.push(format!("{at}/properties/{}", escape(name)), "a property that must be absent (`false`) is left out of the type, so its absence is not checked");
                }
                !forbidden
            });
            let mut lifted = Vec::new();
            for (name, schema) in properties.iter_mut() {
                let at = format!("{at}/properties/{}", escape(name));
                if self.required_flag(schema, &at) {
                    lifted.push(Value::String(name.clone()));
                }
                self.schema(schema, &at);
            }
            if !lifted.is_empty() {
                if let Value::Array(required) = map.entry("required").or_insert_with(|| json!([])) {
                    for name in lifted {
                        if !required.contains(&name) {
                            required.push(name);
                        }
                    }
                }
            }
        }
        // `additionalProperties: true|false` is valid OpenAPI 3.0 and read as such.
        if let Some(schema @ Value::Object(_)) = map.get_mut("additionalProperties") {
            self.schema(schema, &format!("{at}/additionalProperties"));
        }
        // Subschemas are walked at their pointers as written, also in a draft 4 tuple.
        let (tuple_at, rest_at) = match draft4_tuple(map) {
            Some(step) => {
                self.origins.rewrote(at, step);
                ("items", "additionalItems")
            }
            None => ("prefixItems", "items"),
        };
        if let Some(Value::Array(members)) = map.get_mut("prefixItems") {
            for (index, member) in members.iter_mut().enumerate() {
                self.schema(member, &format!("{at}/{tuple_at}/{index}"));
            }
        }
        // `items: false` only closes a tuple; `prefix_items` reads it.
        let closes_tuple =
            map.contains_key("prefixItems") && map.get("items") == Some(&Value::Bool(false));
        if let (Some(items), false) = (map.get_mut("items"), closes_tuple) {
            self.schema(items, &format!("{at}/{rest_at}"));
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(members)) = map.get_mut(key) {
                for (index, member) in members.iter_mut().enumerate() {
                    self.schema(member, &format!("{at}/{key}/{index}"));
                }
            }
        }
    }

    /// The schema itself, once its subschemas are normal.
    fn node(&mut self, map: &mut Map<String, Value>, at: &str) {
        self.dynamic_ref(map, at);
        self.follow_moves(map);
        let step = ref_with_siblings(map);
        self.origins.rewrote(at, step);
        const_to_enum(map);
        examples_to_example(map);
        exclusive_bounds(map);
        content_to_format(map);
        self.not(map, at);
        self.unenforced(map, at);
        self.counts(map, at);
        self.stray_required(map, at);
        self.prefix_items(map, at);
        self.types(map, at);
        self.composition(map, at);
    }

    /// `$recursiveRef` (JSON Schema 2019-09) and `$dynamicRef` (2020-12 section 8.2.3.2)
    /// refer to the schema resource they sit in, as recursive structures use them: in an
    /// OpenAPI document that resource is the component schema, so they are a `$ref` to it.
    fn dynamic_ref(&mut self, map: &mut Map<String, Value>, at: &str) {
        for anchor in ["$recursiveAnchor", "$dynamicAnchor"] {
            map.remove(anchor);
        }
        for keyword in ["$recursiveRef", "$dynamicRef"] {
            if map.remove(keyword).is_none() {
                continue;
            }
            let component = at
                .strip_prefix("#/components/schemas/")
                .and_then(|rest| rest.split('/').next());
            match component {
                Some(key) if !map.contains_key("$ref") => {
                    map.insert("$ref".into(), json!(format!("#/components/schemas/{key}")));
                }
                _ => self.warnings.push(
                    format!("{at}/{keyword}"),
                    format!("`{keyword}` outside a component schema cannot be followed, so any JSON value is accepted here; use a `$ref` to a component schema"),
                ),
            }
        }
    }

    /// A `$ref` (or discriminator mapping) into a schema that moved points at its new place.
    fn follow_moves(&self, map: &mut Map<String, Value>) {
        let follow = |target: &mut Value| {
            let Value::String(target) = target else {
                return;
            };
            for (old, new) in &self.moved {
                if let Some(rest) = target.strip_prefix(old.as_str()) {
                    if rest.is_empty() || rest.starts_with('/') {
                        *target = format!("{new}{rest}");
                        return;
                    }
                }
            }
        };
        if let Some(target) = map.get_mut("$ref") {
            follow(target);
        }
        if let Some(Value::Object(mapping)) = map
            .get_mut("discriminator")
            .and_then(|d| d.get_mut("mapping"))
        {
            mapping.values_mut().for_each(follow);
        }
    }

    /// Length and count keywords are non-negative integers (2020-12 sections 6.3-6.5);
    /// `openapiv3` refuses `1.0`, which is the integer 1. Anything else cannot be a count.
    fn counts(&mut self, map: &mut Map<String, Value>, at: &str) {
        for keyword in [
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
            "minProperties",
            "maxProperties",
        ] {
            let Some(Value::Number(count)) = map.get(keyword) else {
                continue;
            };
            if count.is_u64() {
                continue;
            }
            match count.as_f64() {
                Some(whole) if whole.fract() == 0.0 && (0.0..9.0e15).contains(&whole) => {
                    map.insert(keyword.into(), json!(whole as u64));
                }
                _ => {
                    map.remove(keyword);
                    self.warnings.push(format!("{at}/{keyword}"), format!("`{keyword}` is not a non-negative integer and is not checked; write a whole number"));
                }
            }
        }
    }

    /// `required` is a list of property names (2020-12 section 6.5.3); a draft 3 flag
    /// outside `properties` has no parent to move to, and anything else means nothing.
    fn stray_required(&mut self, map: &mut Map<String, Value>, at: &str) {
        if map
            .get("required")
            .is_some_and(|required| !required.is_array())
        {
            map.remove("required");
            self.warnings.push(format!("{at}/required"), "`required` is not a list of property names, so it is ignored; list required properties in the `required` of the object that has them");
        }
    }

    /// `not` has no Rust type: `openapiv3` drops it silently next to other keywords,
    /// so it is dropped here, visibly.
    fn not(&mut self, map: &mut Map<String, Value>, at: &str) {
        if map.remove("not").is_some() {
            self.warnings.push(
                format!("{at}/not"),
                "`not` is not enforced: the type accepts values the document excludes; to type it precisely, list what is allowed (an `enum`, or a `oneOf` of the allowed schemas) instead",
            );
        }
    }

    fn unenforced(&mut self, map: &mut Map<String, Value>, at: &str) {
        for (keyword, what) in UNENFORCED {
            if map.remove(keyword).is_some() {
                self.warnings.push(
                    format!("{at}/{keyword}"),
                    format!("`{keyword}` is not enforced: {what}"),
                );
            }
        }
    }

    /// `prefixItems` (2020-12 section 10.3.1.1) types a tuple; OpenAPI 3.0 has one `items`
    /// schema for all elements, so each element is typed as any of the tuple's schemas.
    fn prefix_items(&mut self, map: &mut Map<String, Value>, at: &str) {
        let Some(prefix) = map.remove("prefixItems") else {
            return;
        };
        let Value::Array(members) = prefix else {
            return;
        };
        let mut members: Vec<(Value, String)> = members
            .into_iter()
            .enumerate()
            .map(|(index, member)| (member, format!("prefixItems/{index}")))
            .collect();
        match map.remove("items") {
            // No `items`: elements after the tuple may be anything.
            None => members = Vec::new(),
            Some(Value::Bool(false)) => {}
            Some(rest) => members.push((rest, "items".to_owned())),
        }
        let (items, step): (Value, Step) = match members.len() {
            0 => (json!({}), Vec::new()),
            1 => {
                let (member, from) = members.remove(0);
                (member, vec![("items".to_owned(), from)])
            }
            _ => {
                let step = members
                    .iter()
                    .enumerate()
                    .map(|(index, (_, from))| (format!("items/anyOf/{index}"), from.clone()))
                    .collect();
                (
                    json!({ "anyOf": members.into_iter().map(|(member, _)| member).collect::<Vec<_>>() }),
                    step,
                )
            }
        };
        map.insert("items".into(), items);
        self.origins.rewrote(at, step);
        self.warnings.push(
            format!("{at}/prefixItems"),
            "a tuple (`prefixItems`) is typed as a list whose elements may be any of its item schemas (any JSON when `items` is absent); the position of each element is not checked",
        );
    }

    /// `type` as OpenAPI 3.0 has it: one type name, with `nullable` for null.
    fn types(&mut self, map: &mut Map<String, Value>, at: &str) {
        let names: Vec<String> = match map.get("type") {
            Some(Value::String(name)) => vec![name.clone()],
            // JSON Schema 2020-12 section 6.1.1: an array of unique type names.
            Some(Value::Array(names)) if names.iter().all(Value::is_string) => {
                let mut unique: Vec<String> = Vec::new();
                for name in names.iter().filter_map(Value::as_str) {
                    if !unique.iter().any(|seen| seen == name) {
                        unique.push(name.to_owned());
                    }
                }
                unique
            }
            // Anything else is not a valid `type`; the typed parse says so.
            _ => return,
        };
        map.remove("type");
        let null = names.iter().any(|name| name == "null");
        let others: Vec<&String> = names.iter().filter(|name| *name != "null").collect();
        if null {
            map.insert("nullable".into(), Value::Bool(true));
        }
        match others.as_slice() {
            // `type: []` allows nothing in JSON Schema, but only ever means "no constraint".
            [] if !null => {}
            [] => null_only(map),
            [only] => {
                map.insert("type".into(), Value::String((*only).clone()));
                self.one_type(map, at);
            }
            several => {
                let mut copies: Vec<Map<String, Value>> = several
                    .iter()
                    .filter_map(|name| typed_copy(map, name))
                    .collect();
                for keyword in TYPE_KEYWORDS {
                    map.remove(keyword);
                }
                match copies.len() {
                    0 if null => null_only(map),
                    0 => self.warnings.push(format!("{at}/enum"), "no enum value is of one of the listed types, so the schema is typed as any JSON; write the values with the listed types"),
                    1 => {
                        map.extend(copies.remove(0));
                        self.one_type(map, at);
                    }
                    _ => {
                        for copy in &mut copies {
                            self.one_type(copy, at);
                        }
                        let count = copies.len();
                        let base = add_composition(map, "anyOf", copies.into_iter().map(Value::Object).collect());
                        // Every copy is a part of the schema itself.
                        self.origins.rewrote(at, (0..count).map(|index| (format!("{base}/{index}"), String::new())).collect());
                    }
                }
            }
        }
    }

    /// A schema of one `type`: what applies to other types goes, as it constrains nothing.
    fn one_type(&mut self, map: &mut Map<String, Value>, at: &str) {
        let Some(Value::String(name)) = map.get("type") else {
            return;
        };
        let name = name.clone();
        let keeps: &[&str] = match name.as_str() {
            "string" => &STRING_KEYWORDS,
            "number" | "integer" => &NUMBER_KEYWORDS,
            "object" => &OBJECT_KEYWORDS,
            "array" => &ARRAY_KEYWORDS,
            "boolean" => &[],
            // Not a JSON type: the model reports it.
            _ => return,
        };
        for group in [
            &STRING_KEYWORDS[..],
            &NUMBER_KEYWORDS,
            &OBJECT_KEYWORDS,
            &ARRAY_KEYWORDS,
        ] {
            for keyword in group.iter().filter(|keyword| !keeps.contains(keyword)) {
                map.remove(*keyword);
            }
        }
        self.enum_values(map, &name, at);
        if name == "integer" {
            self.integer_bounds(map, at);
        }
        if name == "array" && !map.contains_key("items") {
            // OpenAPI 3.0.3 section 4.7.24: `items` MUST be present if `type` is array.
            self.warnings.push(at, "an array without `items` is typed as a list of any JSON values; add `items` with the schema of one element");
            map.insert("items".into(), json!({}));
        }
    }

    /// Enum values of another JSON type than the schema's can never match
    /// (2020-12 sections 6.1.1 and 6.1.2 both apply): they are removed, with a warning
    /// since the author surely meant something by them.
    fn enum_values(&mut self, map: &mut Map<String, Value>, name: &str, at: &str) {
        let Some(Value::Array(values)) = map.get_mut("enum") else {
            return;
        };
        let fits = |value: &Value| match name {
            "string" => value.is_string(),
            "number" => value.is_number(),
            "integer" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            _ => true,
        };
        let before = values.len();
        values.retain(|value| value.is_null() || fits(value));
        if values.len() != before {
            self.warnings.push(
                format!("{at}/enum"),
                format!("enum values that are not of type `{name}` can never match and are left out; write them as {name} values"),
            );
        }
    }

    /// `openapiv3` reads bounds of an `integer` only when they are integers; `1.0` is the
    /// integer 1, and for integers `minimum: 0.5` means 1 and `maximum: 9.5` means 9. A
    /// bound just past the 64-bit range (a float such as 9223372036854776000) is the
    /// end of that range.
    fn integer_bounds(&mut self, map: &mut Map<String, Value>, at: &str) {
        const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
        for (keyword, round) in [
            ("minimum", f64::ceil as fn(f64) -> f64),
            ("maximum", f64::floor),
        ] {
            let Some(Value::Number(bound)) = map.get(keyword) else {
                continue;
            };
            if bound.is_i64() {
                continue;
            }
            match bound.as_f64().map(round) {
                // `as` saturates, so 2^63 becomes i64::MAX.
                Some(whole) if (-LIMIT..=LIMIT).contains(&whole) => {
                    map.insert(keyword.into(), json!(whole as i64));
                }
                _ => {
                    map.remove(keyword);
                    self.warnings.push(format!("{at}/{keyword}"), format!("`{keyword}` is beyond the range of a 64-bit integer and is not checked"));
                }
            }
        }
        let Some(Value::Number(step)) = map.get("multipleOf") else {
            return;
        };
        if step.is_i64() {
            return;
        }
        match step.as_f64() {
            Some(whole) if whole.fract() == 0.0 && (1.0..9.0e15).contains(&whole) => {
                map.insert("multipleOf".into(), json!(whole as i64));
            }
            _ => {
                map.remove("multipleOf");
                self.warnings.push(
                    format!("{at}/multipleOf"),
                    "a fractional `multipleOf` of an integer is not checked; use a whole number",
                );
            }
        }
    }

    /// `openapiv3` reads a Schema Object as one of: a type, or `allOf`, or `anyOf`, or
    /// `oneOf`; anything else it keeps only loosely. A schema that has a type part and a
    /// composition, or several compositions, means all of them at once (JSON Schema
    /// applies every keyword), which is exactly an `allOf` of the parts. Documentation
    /// stays on the outer schema.
    fn composition(&mut self, map: &mut Map<String, Value>, at: &str) {
        let compositions: Vec<&str> = ["allOf", "anyOf", "oneOf"]
            .into_iter()
            .filter(|key| map.contains_key(*key))
            .collect();
        if compositions.is_empty() {
            return;
        }
        let mut type_part = Map::new();
        for keyword in TYPE_KEYWORDS {
            if let Some(value) = map.remove(keyword) {
                type_part.insert(keyword.into(), value);
            }
        }
        if self.implied_type(&type_part, map) {
            type_part.clear();
        }
        if compositions.len() == 1 && type_part.is_empty() {
            return;
        }
        let mut parts = Vec::new();
        let mut step = Step::new();
        if !type_part.is_empty() {
            step.push(("allOf/0".to_owned(), String::new()));
            parts.push(Value::Object(type_part));
        }
        if let Some(Value::Array(members)) = map.remove("allOf") {
            for (index, member) in members.into_iter().enumerate() {
                step.push((format!("allOf/{}", parts.len()), format!("allOf/{index}")));
                parts.push(member);
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(members) = map.remove(key) {
                let mut part = Map::new();
                part.insert(key.into(), members);
                step.push((format!("allOf/{}/{key}", parts.len()), key.to_owned()));
                // A discriminator selects among the members of this union, so it goes with it.
                if let Some(discriminator) = map.remove("discriminator") {
                    part.insert("discriminator".into(), discriminator);
                    step.push((
                        format!("allOf/{}/discriminator", parts.len()),
                        "discriminator".to_owned(),
                    ));
                }
                parts.push(Value::Object(part));
            }
        }
        map.insert("allOf".into(), Value::Array(parts));
        self.origins.rewrote(at, step);
    }

    /// Whether a type part that is only `type: T` says nothing the composition does not:
    /// one `allOf` member, or every `oneOf`/`anyOf` member, already has type T.
    fn implied_type(&self, type_part: &Map<String, Value>, map: &Map<String, Value>) -> bool {
        let (1, Some(Value::String(name))) = (type_part.len(), type_part.get("type")) else {
            return false;
        };
        let has_type = |member: &Value| self.type_of(member) == Some(name.as_str());
        let members = |key: &str| {
            map.get(key)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
        };
        members("allOf").iter().any(has_type)
            || ["oneOf", "anyOf"]
                .iter()
                .any(|key| !members(key).is_empty() && members(key).iter().all(has_type))
    }

    /// The one type a schema or its component target allows, if exactly one.
    fn type_of<'v>(&'v self, schema: &'v Value) -> Option<&'v str> {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(target) => {
                let key = target.strip_prefix("#/components/schemas/")?;
                self.component_types.get(key).map(String::as_str)
            }
            None => exact_type(schema),
        }
    }
}

/// The one type a schema allows when it allows exactly one, and not null: `type: T`
/// (or `[T]`) without `nullable: true`.
fn exact_type(schema: &Value) -> Option<&str> {
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        return None;
    }
    match schema.get("type")? {
        Value::String(name) => Some(name),
        Value::Array(names) if names.len() == 1 => names[0].as_str().filter(|name| *name != "null"),
        _ => None,
    }
}

/// OpenAPI 3.1 (JSON Schema 2020-12 section 8.2.3.1) lets `$ref` sit next to other
/// keywords, all of which apply; an `allOf` holding the reference says the same in a
/// form with no siblings. OpenAPI 3.0 ignores such siblings, but authors put
/// documentation there, which the model keeps on a decorated reference. Siblings that
/// are only extensions change nothing and stay where they are.
fn ref_with_siblings(map: &mut Map<String, Value>) -> Step {
    if !map.contains_key("$ref")
        || map
            .keys()
            .all(|key| key == "$ref" || key.starts_with("x-") || key.starts_with('$'))
    {
        return Step::new();
    }
    let Some(reference) = map.remove("$ref") else {
        return Step::new();
    };
    let member = json!({ "$ref": reference });
    let mut step = vec![("allOf/0".to_owned(), String::new())];
    match map.get_mut("allOf") {
        Some(Value::Array(members)) => {
            step.extend(
                (0..members.len())
                    .map(|index| (format!("allOf/{}", index + 1), format!("allOf/{index}"))),
            );
            members.insert(0, member);
        }
        _ => {
            map.insert("allOf".into(), json!([member]));
        }
    }
    step
}

/// `const: v` (2020-12 section 6.1.3) is `enum: [v]`.
fn const_to_enum(map: &mut Map<String, Value>) {
    if let Some(value) = map.remove("const") {
        map.insert("enum".into(), json!([value]));
    }
}

/// 2020-12 `examples` (section 9.5) is a list; OpenAPI 3.0 has one `example`.
fn examples_to_example(map: &mut Map<String, Value>) {
    match map.remove("examples") {
        Some(Value::Array(examples)) if !map.contains_key("example") => {
            if let Some(first) = examples.into_iter().next() {
                map.insert("example".into(), first);
            }
        }
        _ => {}
    }
}

/// 2020-12 `exclusiveMinimum: n` (section 6.2.5) is 3.0's `minimum: n` with
/// `exclusiveMinimum: true`; next to a `minimum`, the stricter bound wins.
fn exclusive_bounds(map: &mut Map<String, Value>) {
    for (exclusive, inclusive, stricter) in [
        ("exclusiveMinimum", "minimum", 1.0),
        ("exclusiveMaximum", "maximum", -1.0),
    ] {
        let Some(Value::Number(bound)) = map.get(exclusive).cloned() else {
            continue;
        };
        let inclusive_is_stricter = map
            .get(inclusive)
            .and_then(Value::as_f64)
            .zip(bound.as_f64())
            .is_some_and(|(inclusive, exclusive)| (inclusive - exclusive) * stricter > 0.0);
        if inclusive_is_stricter {
            map.remove(exclusive);
        } else {
            map.insert(inclusive.into(), Value::Number(bound));
            map.insert(exclusive.into(), Value::Bool(true));
        }
    }
}

/// 3.1 describes encoded strings with `contentEncoding`/`contentMediaType` (OpenAPI
/// 3.1.0 section 4.8.14.3) where 3.0 uses `format: byte` (base64) and `format: binary`.
fn content_to_format(map: &mut Map<String, Value>) {
    let encoding = map.remove("contentEncoding");
    let media_type = map.remove("contentMediaType");
    if map.contains_key("format") || map.get("type").and_then(Value::as_str) != Some("string") {
        return;
    }
    let format = match (
        encoding.as_ref().and_then(Value::as_str),
        media_type.as_ref().and_then(Value::as_str),
    ) {
        (Some("base64" | "base64url"), _) => "byte",
        (None, Some(media)) if !media.contains("json") && !media.starts_with("text/") => "binary",
        _ => return,
    };
    map.insert("format".into(), json!(format));
}

/// Draft 4-7 tuples (`items: [..]`, `additionalItems`) are 2020-12's `prefixItems` and `items`.
/// Returns how the keywords moved, if they did.
fn draft4_tuple(map: &mut Map<String, Value>) -> Option<Step> {
    if !matches!(map.get("items"), Some(Value::Array(_))) || map.contains_key("prefixItems") {
        return None;
    }
    let tuple = map.remove("items")?;
    map.insert("prefixItems".into(), tuple);
    let mut step = vec![("prefixItems".to_owned(), "items".to_owned())];
    if let Some(rest) = map.remove("additionalItems") {
        map.insert("items".into(), rest);
        step.push(("items".to_owned(), "additionalItems".to_owned()));
    }
    Some(step)
}

/// `type: 'null'` alone: OpenAPI 3.0 has no null type, but `nullable: true` with
/// `enum: [null]` allows exactly null (3.0.3 section 4.7.24, `nullable`), and
/// `openapiv3` keeps that enum where the model reads it.
fn null_only(map: &mut Map<String, Value>) {
    for keyword in TYPE_KEYWORDS {
        map.remove(keyword);
    }
    map.insert("enum".into(), json!([null]));
}

/// The part of a multi-typed schema that applies to instances of type `name`, or
/// `None` when its `enum` has no value of that type (so no instance of it matches).
fn typed_copy(map: &Map<String, Value>, name: &str) -> Option<Map<String, Value>> {
    let mut copy = Map::new();
    copy.insert("type".into(), json!(name));
    for keyword in TYPE_KEYWORDS.iter().filter(|keyword| **keyword != "type") {
        if let Some(value) = map.get(*keyword) {
            copy.insert((*keyword).into(), value.clone());
        }
    }
    if let Some(Value::Array(values)) = copy.get_mut("enum") {
        // Null goes with the outer `nullable`; each copy keeps the values of its type.
        values.retain(|value| json_type(value) == name || (name == "number" && value.is_number()));
        if values.is_empty() {
            return None;
        }
    }
    Some(copy)
}

/// The JSON Schema type name of a value.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Adds a composition keyword; if the schema already has one of that name, both must
/// hold, so the new one goes into an `allOf`. Returns where the members went.
fn add_composition(map: &mut Map<String, Value>, key: &str, members: Vec<Value>) -> String {
    if !map.contains_key(key) {
        map.insert(key.into(), Value::Array(members));
        return key.to_owned();
    }
    let mut part = Map::new();
    part.insert(key.into(), Value::Array(members));
    match map.get_mut("allOf") {
        Some(Value::Array(all)) => {
            all.push(Value::Object(part));
            format!("allOf/{}/{key}", all.len() - 1)
        }
        _ => {
            map.insert("allOf".into(), json!([part]));
            format!("allOf/0/{key}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openapiv3::{SchemaKind, Type};

    /// The schema normalised at `#/s`, with the warnings as displayed.
    fn normalised(mut schema: Value) -> (Value, Vec<String>) {
        let root = json!({"components": {"schemas": {"Obj": {"type": "object"}, "Str": {"type": ["string"]}, "Null": {"type": ["string", "null"]}}}});
        let mut warnings = Warnings::default();
        let moved = vec![(
            "#/components/schemas/Obj/$defs/D".to_owned(),
            "#/components/schemas/Obj_D".to_owned(),
        )];
        Normaliser::new(&root, moved, &mut warnings, &mut Origins::default())
            .schema(&mut schema, "#/s");
        (
            schema,
            warnings
                .into_sorted()
                .iter()
                .map(ToString::to_string)
                .collect(),
        )
    }

    /// The normalised schema, which must give no warning.
    fn exact(schema: Value) -> Value {
        let (schema, warnings) = normalised(schema);
        assert_eq!(warnings, Vec::<String>::new());
        schema
    }

    /// What `openapiv3` reads from a normalised schema.
    fn typed(schema: &Value) -> openapiv3::Schema {
        serde_json::from_value(schema.clone()).expect("a normalised schema is a 3.0 schema")
    }

    #[test]
    fn a_type_list_with_null_is_a_nullable_type() {
        let schema = exact(json!({"type": ["string", "null"], "maxLength": 3}));
        assert_eq!(
            schema,
            json!({"nullable": true, "type": "string", "maxLength": 3})
        );
        let typed = typed(&schema);
        assert!(typed.schema_data.nullable);
        assert!(
            matches!(typed.schema_kind, SchemaKind::Type(Type::String(s)) if s.max_length == Some(3))
        );
    }

    #[test]
    fn a_type_list_of_several_types_is_an_any_of_typed_copies() {
        let schema = exact(json!({
            "description": "d",
            "type": ["string", "integer", "null"],
            "maxLength": 3,
            "minimum": 1,
            "enum": ["a", 2, null]
        }));
        assert_eq!(
            schema,
            json!({
                "description": "d",
                "nullable": true,
                "anyOf": [
                    {"type": "string", "enum": ["a"], "maxLength": 3},
                    {"type": "integer", "enum": [2], "minimum": 1}
                ]
            })
        );
        assert!(
            matches!(typed(&schema).schema_kind, SchemaKind::AnyOf { any_of } if any_of.len() == 2)
        );
    }

    #[test]
    fn type_null_alone_is_a_null_only_enum() {
        let schema = exact(json!({"type": "null", "description": "nothing"}));
        assert_eq!(
            schema,
            json!({"description": "nothing", "nullable": true, "enum": [null]})
        );
        let typed = typed(&schema);
        assert!(
            matches!(typed.schema_kind, SchemaKind::Any(any) if any.enumeration == [Value::Null])
        );
        assert_eq!(
            exact(json!({"type": ["null"]})),
            json!({"nullable": true, "enum": [null]})
        );
    }

    #[test]
    fn const_is_a_one_value_enum() {
        let schema = exact(json!({"type": "string", "const": "pet"}));
        assert_eq!(schema, json!({"type": "string", "enum": ["pet"]}));
        assert!(
            matches!(typed(&schema).schema_kind, SchemaKind::Type(Type::String(s)) if s.enumeration == [Some("pet".to_owned())])
        );
    }

    #[test]
    fn examples_become_the_first_example() {
        assert_eq!(
            exact(json!({"type": "string", "examples": ["a", "b"]})),
            json!({"type": "string", "example": "a"})
        );
        assert_eq!(
            exact(json!({"type": "string", "example": "x", "examples": ["a"]})),
            json!({"type": "string", "example": "x"})
        );
    }

    #[test]
    fn numeric_exclusive_bounds_become_boolean_ones() {
        let schema = exact(
            json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "maximum": 5}),
        );
        assert_eq!(
            schema,
            json!({"type": "integer", "exclusiveMinimum": true, "minimum": 0, "maximum": 5})
        );
        assert!(matches!(typed(&schema).schema_kind,
            SchemaKind::Type(Type::Integer(i)) if i.exclusive_minimum && !i.exclusive_maximum && i.minimum == Some(0) && i.maximum == Some(5)));
        // The 3.0 form is left alone.
        let schema = json!({"type": "number", "minimum": 1.5, "exclusiveMinimum": true});
        assert_eq!(exact(schema.clone()), schema);
    }

    #[test]
    fn a_ref_with_siblings_is_an_all_of_of_the_ref() {
        assert_eq!(
            exact(
                json!({"$ref": "#/components/schemas/Obj", "description": "d", "nullable": true})
            ),
            json!({"description": "d", "nullable": true, "allOf": [{"$ref": "#/components/schemas/Obj"}]})
        );
        // Extensions and JSON Schema identifiers beside a `$ref` change nothing.
        let plain =
            json!({"$ref": "#/components/schemas/Obj", "x-internal": true, "$comment": "c"});
        assert_eq!(exact(plain.clone()), plain);
    }

    #[test]
    fn a_ref_beside_a_type_it_already_has_stays_a_decorated_ref() {
        let schema =
            exact(json!({"$ref": "#/components/schemas/Obj", "type": "object", "title": "t"}));
        assert_eq!(
            schema,
            json!({"title": "t", "allOf": [{"$ref": "#/components/schemas/Obj"}]})
        );
    }

    #[test]
    fn not_is_dropped_with_a_warning_at_its_pointer() {
        let (schema, warnings) = normalised(json!({"type": "string", "not": {"enum": ["x"]}}));
        assert_eq!(schema, json!({"type": "string"}));
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("warning: #/s/not: `not` is not enforced"),
            "{warnings:?}"
        );
        let (schema, _) = normalised(json!({"not": {"type": "null"}}));
        assert_eq!(schema, json!({}));
    }

    #[test]
    fn an_array_without_items_holds_any_json() {
        let (schema, warnings) = normalised(json!({"type": "array", "minItems": 1}));
        assert_eq!(schema, json!({"type": "array", "minItems": 1, "items": {}}));
        assert_eq!(warnings, ["warning: #/s: an array without `items` is typed as a list of any JSON values; add `items` with the schema of one element"]);
        assert!(
            matches!(typed(&schema).schema_kind, SchemaKind::Type(Type::Array(a)) if a.items.is_some())
        );
    }

    #[test]
    fn keywords_of_other_types_neither_fail_nor_change_the_type() {
        let schema = exact(
            json!({"type": "string", "minItems": 1, "minimum": 3, "properties": {"a": {}}, "pattern": "^a"}),
        );
        assert_eq!(schema, json!({"type": "string", "pattern": "^a"}));
        assert!(matches!(
            typed(&schema).schema_kind,
            SchemaKind::Type(Type::String(_))
        ));
        let schema = exact(json!({"type": "boolean", "format": "flag", "maxLength": 2}));
        assert!(matches!(
            typed(&schema).schema_kind,
            SchemaKind::Type(Type::Boolean(_))
        ));
    }

    #[test]
    fn enum_values_of_another_type_are_left_out_with_a_warning() {
        let (schema, warnings) = normalised(json!({"type": "string", "enum": ["a", 1, null]}));
        assert_eq!(schema, json!({"type": "string", "enum": ["a", null]}));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("warning: #/s/enum: "),
            "{warnings:?}"
        );
    }

    #[test]
    fn integer_bounds_written_as_floats_are_integers() {
        let schema = exact(
            json!({"type": "integer", "minimum": 0.5, "maximum": -9.223372036854776e18, "multipleOf": 2.0}),
        );
        assert_eq!(
            schema,
            json!({"type": "integer", "minimum": 1, "maximum": i64::MIN, "multipleOf": 2})
        );
        assert!(matches!(
            typed(&schema).schema_kind,
            SchemaKind::Type(Type::Integer(_))
        ));
        let (schema, warnings) =
            normalised(json!({"type": "integer", "multipleOf": 0.5, "maximum": 1e30}));
        assert_eq!(schema, json!({"type": "integer"}));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn composition_beside_a_type_part_is_an_all_of_of_the_parts() {
        let schema = exact(json!({
            "description": "d",
            "type": "object",
            "properties": {"a": {"type": "string"}},
            "oneOf": [{"$ref": "#/components/schemas/Obj"}],
            "anyOf": [{"required": ["a"]}],
            "discriminator": {"propertyName": "a"},
            "x-ext": 1
        }));
        assert_eq!(
            schema,
            json!({
                "description": "d",
                "x-ext": 1,
                "allOf": [
                    {"type": "object", "properties": {"a": {"type": "string"}}},
                    {"oneOf": [{"$ref": "#/components/schemas/Obj"}], "discriminator": {"propertyName": "a"}},
                    {"anyOf": [{"required": ["a"]}]}
                ]
            })
        );
        assert!(
            matches!(typed(&schema).schema_kind, SchemaKind::AllOf { all_of } if all_of.len() == 3)
        );
    }

    #[test]
    fn a_type_the_members_already_have_is_not_a_part_of_its_own() {
        let schema = json!({"type": "object", "allOf": [{"$ref": "#/components/schemas/Obj"}]});
        assert_eq!(
            exact(schema),
            json!({"allOf": [{"$ref": "#/components/schemas/Obj"}]})
        );
        let schema = json!({"type": "string", "oneOf": [{"$ref": "#/components/schemas/Str"}, {"type": "string", "enum": ["a"]}]});
        assert_eq!(
            exact(schema),
            json!({"oneOf": [{"$ref": "#/components/schemas/Str"}, {"type": "string", "enum": ["a"]}]})
        );
        // A member of another type: the type is a real constraint and stays.
        let schema = exact(
            json!({"type": "string", "anyOf": [{"$ref": "#/components/schemas/Obj"}, {"type": "string"}]}),
        );
        assert_eq!(schema["allOf"][0], json!({"type": "string"}));
    }

    #[test]
    fn a_tuple_is_a_list_of_any_of_its_item_schemas() {
        let (schema, warnings) = normalised(
            json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false}),
        );
        assert_eq!(
            schema,
            json!({"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}})
        );
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("warning: #/s/prefixItems: "),
            "{warnings:?}"
        );
        let (schema, _) = normalised(
            json!({"type": "array", "items": [{"type": "string"}], "additionalItems": false}),
        );
        assert_eq!(
            schema,
            json!({"type": "array", "items": {"type": "string"}})
        );
    }

    #[test]
    fn boolean_schemas() {
        let (schema, warnings) = normalised(json!({
            "type": "object",
            "properties": {"any": true, "gone": false},
            "additionalProperties": false
        }));
        assert_eq!(
            schema,
            json!({"type": "object", "properties": {"any": {}}, "additionalProperties": false})
        );
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("warning: #/s/properties/gone: "),
            "{warnings:?}"
        );
        let (schema, warnings) = normalised(json!({"allOf": [false]}));
        assert_eq!(schema, json!({"allOf": [{}]}));
        assert!(
            warnings[0].starts_with("warning: #/s/allOf/0: the schema `false`"),
            "{warnings:?}"
        );
    }

    #[test]
    fn unenforced_keywords_are_dropped_with_a_warning() {
        let (schema, warnings) = normalised(
            json!({"type": "object", "propertyNames": {"pattern": "^a"}, "if": {}, "then": {}}),
        );
        assert_eq!(schema, json!({"type": "object"}));
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(
            warnings.iter().all(|w| w.contains("is not enforced")),
            "{warnings:?}"
        );
    }

    #[test]
    fn encoded_strings_get_their_30_format() {
        assert_eq!(
            exact(json!({"type": "string", "contentEncoding": "base64"})),
            json!({"type": "string", "format": "byte"})
        );
        assert_eq!(
            exact(json!({"type": "string", "contentMediaType": "image/png"})),
            json!({"type": "string", "format": "binary"})
        );
        assert_eq!(
            exact(json!({"type": "string", "contentMediaType": "application/json"})),
            json!({"type": "string"})
        );
    }

    #[test]
    fn data_is_not_normalised() {
        let data = json!({"$ref": "#/nowhere", "type": ["a", "null"], "not": {}, "const": 1});
        let schema = exact(
            json!({"type": "object", "example": data, "default": data, "enum": [data], "x-data": data}),
        );
        assert_eq!(
            schema,
            json!({"type": "object", "example": data, "default": data, "enum": [data], "x-data": data})
        );
    }

    #[test]
    fn warnings_name_the_pointer_as_written_when_the_parent_is_restructured() {
        let (schema, warnings) = normalised(json!({
            "$ref": "#/components/schemas/Obj",
            "properties": {"a": {"type": "string", "not": {"const": ""}}}
        }));
        assert_eq!(
            schema["allOf"][0]["properties"]["a"],
            json!({"type": "string"})
        );
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("warning: #/s/properties/a/not: "),
            "{warnings:?}"
        );
    }

    #[test]
    fn references_follow_a_moved_schema() {
        let schema = exact(json!({
            "oneOf": [{"$ref": "#/components/schemas/Obj/$defs/D"}, {"$ref": "#/components/schemas/Obj/$defs/Dx"}],
            "discriminator": {"propertyName": "k", "mapping": {"d": "#/components/schemas/Obj/$defs/D/properties/p"}}
        }));
        assert_eq!(schema["oneOf"][0]["$ref"], "#/components/schemas/Obj_D");
        assert_eq!(
            schema["oneOf"][1]["$ref"],
            "#/components/schemas/Obj/$defs/Dx"
        );
        assert_eq!(
            schema["discriminator"]["mapping"]["d"],
            "#/components/schemas/Obj_D/properties/p"
        );
    }

    #[test]
    fn a_recursive_ref_is_a_ref_to_its_component() {
        let mut warnings = Warnings::default();
        let mut schema = json!({
            "$recursiveAnchor": true,
            "type": "object",
            "properties": {"children": {"type": "array", "items": {"$recursiveRef": "#"}}}
        });
        Normaliser::new(
            &json!({}),
            Vec::new(),
            &mut warnings,
            &mut Origins::default(),
        )
        .schema(&mut schema, "#/components/schemas/Tree");
        assert_eq!(
            schema,
            json!({"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}})
        );
        assert!(warnings.into_sorted().is_empty());
        let (schema, warnings) = normalised(json!({"$dynamicRef": "#node"}));
        assert_eq!(schema, json!({}));
        assert!(
            warnings[0].starts_with("warning: #/s/$dynamicRef: "),
            "{warnings:?}"
        );
    }

    #[test]
    fn counts_written_as_floats_are_integers() {
        let (schema, warnings) =
            normalised(json!({"type": "string", "maxLength": 255.0, "minLength": -1}));
        assert_eq!(schema, json!({"type": "string", "maxLength": 255}));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("warning: #/s/minLength: "),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_draft_3_required_flag_moves_to_the_parent() {
        let schema = exact(json!({
            "type": "object",
            "required": ["a"],
            "properties": {"a": {"type": "string", "required": true}, "b": {"type": "string", "required": true}, "c": {"type": "string", "required": false}}
        }));
        assert_eq!(schema["required"], json!(["a", "b"]));
        assert_eq!(schema["properties"]["b"], json!({"type": "string"}));
        assert_eq!(schema["properties"]["c"], json!({"type": "string"}));
    }

    #[test]
    fn normalising_twice_changes_nothing() {
        let once = exact(json!({
            "type": ["object", "null"],
            "properties": {"a": {"type": ["string", "integer"], "const": "x"}, "b": {"$ref": "#/components/schemas/Obj", "title": "b"}},
            "oneOf": [{"type": "null"}, {"required": ["a"]}]
        }));
        assert_eq!(exact(once.clone()), once);
    }
}
