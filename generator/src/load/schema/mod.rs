//! One Schema Object, rewritten in place into the OpenAPI 3.0 form `openapiv3` reads
//! exactly, so the model never needs the raw JSON.
//!
//! OpenAPI 3.1 schemas are JSON Schema 2020-12; OpenAPI 3.0 schemas are a subset of
//! JSON Schema draft 5 with `nullable`. Each function handles one construct and says which
//! rule makes the rewrite exact; where it cannot be exact (a constraint Rust types cannot
//! carry) the construct is dropped with a warning naming its pointer:
//!
//! - `json_schema`: 3.1 and JSON Schema forms that have a 3.0 spelling;
//! - `types`: `type` lists, and what a single-typed schema must not carry;
//! - `composition`: `allOf`/`anyOf`/`oneOf` alone in their schema;
//! - `unenforced`: keywords dropped with a warning.
//!
//! Subschemas are normalised first, at their pointers in the document as written, so
//! warnings name the place the author knows; where a schema is restructured, the moves
//! go to [`Origins`] so later errors can be traced back too.

mod composition;
mod json_schema;
#[cfg(test)]
mod tests;
mod types;
mod unenforced;

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::load::escape;
use crate::load::origins::Origins;
use crate::warning::Warnings;

use json_schema::{
    const_to_enum, content_to_format, draft4_tuple, examples_to_example, exclusive_bounds, ref_with_siblings,
};
use types::exact_type;

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
        Normaliser { component_types, moved, warnings, origins }
    }

    /// Where other parts of the document report what they give up.
    pub fn warnings(&mut self) -> &mut Warnings {
        self.warnings
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
        let closes_tuple = map.contains_key("prefixItems") && map.get("items") == Some(&Value::Bool(false));
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
    ///
    /// The order matters: references are settled first; then 3.1 spellings become 3.0
    /// ones and what cannot be kept goes; `type` is settled next, as it decides which
    /// keywords stay; compositions come last, when every keyword has its final form.
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
        self.documenting_members(map, at);
        self.composition(map, at);
    }
}
