//! `allOf`/`anyOf`/`oneOf` in the one shape `openapiv3` reads: alone in their schema.

use serde_json::{Map, Value};

use super::types::exact_type;
use super::{Normaliser, TYPE_KEYWORDS};
use crate::load::origins::Step;

/// Keywords that document a value (OpenAPI 3.0.3 section 4.7.24 "fixed fields", JSON
/// Schema 2020-12 section 9) or, as `nullable`, widen it, without constraining it otherwise.
const DOC_KEYWORDS: [&str; 9] =
    ["title", "description", "nullable", "default", "example", "deprecated", "readOnly", "writeOnly", "externalDocs"];

impl Normaliser<'_> {
    /// An `allOf` member with documentation only (`allOf: [{$ref: X}, {nullable: true}]`,
    /// the usual OpenAPI 3.0 way to document or null a reference) says nothing about the
    /// value that the schema itself could not: its keywords move to the schema, where the
    /// model reads them. The schema's own values win; `nullable` adds up.
    pub(super) fn documenting_members(&mut self, map: &mut Map<String, Value>, at: &str) {
        let Some(Value::Array(members)) = map.get_mut("allOf") else {
            return;
        };
        let documents_only = |member: &Value| {
            member.as_object().is_some_and(|member| {
                !member.is_empty()
                    && member.keys().all(|key| DOC_KEYWORDS.contains(&key.as_str()) || key.starts_with("x-"))
            })
        };
        if members.len() < 2 || !members.iter().any(documents_only) {
            return;
        }
        let mut step = Step::new();
        let mut kept = Vec::new();
        let mut lifted = Map::new();
        for (index, member) in std::mem::take(members).into_iter().enumerate() {
            match member {
                Value::Object(member) if documents_only(&Value::Object(member.clone())) => {
                    for (key, value) in member {
                        lifted.entry(key).or_insert(value);
                    }
                }
                member => {
                    step.push((format!("allOf/{}", kept.len()), format!("allOf/{index}")));
                    kept.push(member);
                }
            }
        }
        if kept.is_empty() {
            // Only documentation: the schema allows any value, as an empty `allOf` would.
            map.remove("allOf");
        } else {
            *members = kept;
        }
        let nullable = lifted.get("nullable") == Some(&Value::Bool(true));
        for (key, value) in lifted {
            map.entry(key).or_insert(value);
        }
        if nullable {
            map.insert("nullable".into(), Value::Bool(true));
        }
        self.origins.rewrote(at, step);
    }

    /// `openapiv3` reads a Schema Object as one of: a type, or `allOf`, or `anyOf`, or
    /// `oneOf`; anything else it keeps only loosely. A schema that has a type part and a
    /// composition, or several compositions, means all of them at once (JSON Schema
    /// applies every keyword), which is exactly an `allOf` of the parts. Documentation
    /// stays on the outer schema.
    pub(super) fn composition(&mut self, map: &mut Map<String, Value>, at: &str) {
        let compositions: Vec<&str> =
            ["allOf", "anyOf", "oneOf"].into_iter().filter(|key| map.contains_key(*key)).collect();
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
                // The wrapper is the schema itself; its members are the schema's.
                step.push((format!("allOf/{}", parts.len()), String::new()));
                step.push((format!("allOf/{}/{key}", parts.len()), key.to_owned()));
                // A discriminator selects among the members of this union, so it goes with it.
                if let Some(discriminator) = map.remove("discriminator") {
                    part.insert("discriminator".into(), discriminator);
                    step.push((format!("allOf/{}/discriminator", parts.len()), "discriminator".to_owned()));
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
        let members = |key: &str| map.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        members("allOf").iter().any(has_type)
            || ["oneOf", "anyOf"].iter().any(|key| !members(key).is_empty() && members(key).iter().all(has_type))
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
