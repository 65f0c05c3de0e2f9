//! JSON Schema 2020-12 and OpenAPI 3.1 forms with a 3.0 spelling: `$ref` beside other
//! keywords, `const`, `examples`, numeric exclusive bounds, encoded strings, recursive
//! references and tuples.

use serde_json::{json, Map, Value};

use super::Normaliser;
use crate::load::origins::Step;

impl Normaliser<'_> {
    /// `$recursiveRef` (JSON Schema 2019-09) and `$dynamicRef` (2020-12 section 8.2.3.2)
    /// refer to the schema resource they sit in, as recursive structures use them: in an
    /// OpenAPI document that resource is the component schema, so they are a `$ref` to it.
    pub(super) fn dynamic_ref(&mut self, map: &mut Map<String, Value>, at: &str) {
        for anchor in ["$recursiveAnchor", "$dynamicAnchor"] {
            map.remove(anchor);
        }
        for keyword in ["$recursiveRef", "$dynamicRef"] {
            if map.remove(keyword).is_none() {
                continue;
            }
            let component = at.strip_prefix("#/components/schemas/").and_then(|rest| rest.split('/').next());
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
    pub(super) fn follow_moves(&self, map: &mut Map<String, Value>) {
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
        if let Some(Value::Object(mapping)) = map.get_mut("discriminator").and_then(|d| d.get_mut("mapping")) {
            mapping.values_mut().for_each(follow);
        }
    }

    /// `prefixItems` (2020-12 section 10.3.1.1) types a tuple; OpenAPI 3.0 has one `items`
    /// schema for all elements, so each element is typed as any of the tuple's schemas.
    pub(super) fn prefix_items(&mut self, map: &mut Map<String, Value>, at: &str) {
        let Some(prefix) = map.remove("prefixItems") else {
            return;
        };
        let Value::Array(members) = prefix else {
            return;
        };
        let mut members: Vec<(Value, String)> =
            members.into_iter().enumerate().map(|(index, member)| (member, format!("prefixItems/{index}"))).collect();
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
                (json!({ "anyOf": members.into_iter().map(|(member, _)| member).collect::<Vec<_>>() }), step)
            }
        };
        map.insert("items".into(), items);
        self.origins.rewrote(at, step);
        self.warnings.push(
            format!("{at}/prefixItems"),
            "a tuple (`prefixItems`) is typed as a list whose elements may be any of its item schemas (any JSON when `items` is absent); the position of each element is not checked",
        );
    }
}

/// OpenAPI 3.1 (JSON Schema 2020-12 section 8.2.3.1) lets `$ref` sit next to other
/// keywords, all of which apply; an `allOf` holding the reference says the same in a
/// form with no siblings. OpenAPI 3.0 ignores such siblings, but authors put
/// documentation there, which the model keeps on a decorated reference. Siblings that
/// are only extensions change nothing and stay where they are.
pub(super) fn ref_with_siblings(map: &mut Map<String, Value>) -> Step {
    if !map.contains_key("$ref") || map.keys().all(|key| key == "$ref" || key.starts_with("x-") || key.starts_with('$'))
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
            step.extend((0..members.len()).map(|index| (format!("allOf/{}", index + 1), format!("allOf/{index}"))));
            members.insert(0, member);
        }
        _ => {
            map.insert("allOf".into(), json!([member]));
        }
    }
    step
}

/// `const: v` (2020-12 section 6.1.3) is `enum: [v]`.
pub(super) fn const_to_enum(map: &mut Map<String, Value>) {
    if let Some(value) = map.remove("const") {
        map.insert("enum".into(), json!([value]));
    }
}

/// 2020-12 `examples` (section 9.5) is a list; OpenAPI 3.0 has one `example`.
pub(super) fn examples_to_example(map: &mut Map<String, Value>) {
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
pub(super) fn exclusive_bounds(map: &mut Map<String, Value>) {
    for (exclusive, inclusive, stricter) in
        [("exclusiveMinimum", "minimum", 1.0), ("exclusiveMaximum", "maximum", -1.0)]
    {
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
pub(super) fn content_to_format(map: &mut Map<String, Value>) {
    let encoding = map.remove("contentEncoding");
    let media_type = map.remove("contentMediaType");
    if map.contains_key("format") || map.get("type").and_then(Value::as_str) != Some("string") {
        return;
    }
    let format = match (encoding.as_ref().and_then(Value::as_str), media_type.as_ref().and_then(Value::as_str)) {
        (Some("base64" | "base64url"), _) => "byte",
        (None, Some(media)) if !media.contains("json") && !media.starts_with("text/") => "binary",
        _ => return,
    };
    map.insert("format".into(), json!(format));
}

/// Draft 4-7 tuples (`items: [..]`, `additionalItems`) are 2020-12's `prefixItems` and `items`.
/// Returns how the keywords moved, if they did.
pub(super) fn draft4_tuple(map: &mut Map<String, Value>) -> Option<Step> {
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
