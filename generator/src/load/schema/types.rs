//! `type`: lists of types (3.1) to one type with `nullable` or an `anyOf` of typed
//! copies, and each single-typed schema cleaned of what `openapiv3` would not read as
//! that type (keywords of other types, enum values of other types, bounds written as
//! floats).

use serde_json::{json, Map, Value};

use super::{Normaliser, TYPE_KEYWORDS};

/// Keywords that constrain instances of one JSON type only (JSON Schema validation
/// 2020-12 section 6: "if the instance is a T, ..."); on any other type they are vacuous.
const STRING_KEYWORDS: [&str; 4] = ["pattern", "minLength", "maxLength", "format"];

const NUMBER_KEYWORDS: [&str; 6] =
    ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "format"];

const OBJECT_KEYWORDS: [&str; 5] = ["properties", "required", "additionalProperties", "minProperties", "maxProperties"];

const ARRAY_KEYWORDS: [&str; 4] = ["items", "minItems", "maxItems", "uniqueItems"];

impl Normaliser<'_> {
    /// `type` as OpenAPI 3.0 has it: one type name, with `nullable` for null.
    pub(super) fn types(&mut self, map: &mut Map<String, Value>, at: &str) {
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
                let mut copies: Vec<Map<String, Value>> =
                    several.iter().filter_map(|name| typed_copy(map, name)).collect();
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
        for group in [&STRING_KEYWORDS[..], &NUMBER_KEYWORDS, &OBJECT_KEYWORDS, &ARRAY_KEYWORDS] {
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
        for (keyword, round) in [("minimum", f64::ceil as fn(f64) -> f64), ("maximum", f64::floor)] {
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
                    self.warnings.push(
                        format!("{at}/{keyword}"),
                        format!("`{keyword}` is beyond the range of a 64-bit integer and is not checked"),
                    );
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

    /// Length and count keywords are non-negative integers (2020-12 sections 6.3-6.5);
    /// `openapiv3` refuses `1.0`, which is the integer 1. Anything else cannot be a count.
    pub(super) fn counts(&mut self, map: &mut Map<String, Value>, at: &str) {
        for keyword in ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"] {
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
                    self.warnings.push(
                        format!("{at}/{keyword}"),
                        format!("`{keyword}` is not a non-negative integer and is not checked; write a whole number"),
                    );
                }
            }
        }
    }
}

/// The one type a schema allows when it allows exactly one, and not null: `type: T`
/// (or `[T]`) without `nullable: true`.
pub(super) fn exact_type(schema: &Value) -> Option<&str> {
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        return None;
    }
    match schema.get("type")? {
        Value::String(name) => Some(name),
        Value::Array(names) if names.len() == 1 => names[0].as_str().filter(|name| *name != "null"),
        _ => None,
    }
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
