//! Stage 2: reject documents the model cannot be built from, with the JSON pointer
//! of the problem and what to change. Checks here are about the document as a whole;
//! schema-level problems are reported where the model meets them.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr};
use serde_json::Value;

use crate::load::{escape, Document};
use crate::naming;
use crate::Error;

pub fn validate(doc: &Document) -> Result<(), Error> {
    check_refs(&doc.raw, &mut String::from("#"), &doc.raw, Keys::Keywords)?;
    check_operations(&doc.api)?;
    check_ref_cycles(&doc.raw)
}

/// Keys whose value is data (a value the document shows or allows), never a reference,
/// even when it holds a key `$ref`: schema `example`/`default`/`enum`/`const` and an
/// Example Object's `value` (OpenAPI 3.0.3 sections 4.7.20, 4.7.24).
const DATA_KEYS: [&str; 5] = ["example", "default", "enum", "const", "value"];

/// Keys whose value is a map from names (property names, status codes, media types,
/// component keys, ...) to objects, so its keys are not keywords: a property called
/// `default` is a schema, not a default value.
const NAME_MAPS: [&str; 20] = [
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "paths",
    "webhooks",
    "x-webhooks",
    "schemas",
    "parameters",
    "responses",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
    "content",
    "encoding",
    "examples",
    "variables",
];

/// What the keys of an object are.
#[derive(Clone, Copy, PartialEq)]
enum Keys {
    /// Keywords of an OpenAPI or JSON Schema object.
    Keywords,
    /// Names, each mapping to an object of keywords.
    Names,
    /// Callback names, each mapping to a map of expressions to Path Items.
    Callbacks,
}

/// Every `$ref` is local and points at something that exists. Data (examples, defaults,
/// enum values, extensions) is not searched: a `$ref` key there is just data.
fn check_refs(root: &Value, pointer: &mut String, value: &Value, keys: Keys) -> Result<(), Error> {
    match value {
        Value::Object(map) => {
            if keys == Keys::Keywords {
                if let Some(Value::String(target)) = map.get("$ref") {
                    check_ref(root, pointer, target)?;
                }
            }
            for (key, child) in map {
                let child_keys = match keys {
                    Keys::Names => Keys::Keywords,
                    Keys::Callbacks => Keys::Names,
                    Keys::Keywords if is_data(key, child, pointer) => continue,
                    Keys::Keywords if key == "callbacks" => Keys::Callbacks,
                    Keys::Keywords if NAME_MAPS.contains(&key.as_str()) => Keys::Names,
                    Keys::Keywords => Keys::Keywords,
                };
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape(key));
                check_refs(root, pointer, child, child_keys)?;
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{index}"));
                check_refs(root, pointer, child, Keys::Keywords)?;
                pointer.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether the keyword `key` of the object at `pointer` holds data. Extensions are data,
/// except the root `x-webhooks`, which the model reads as Path Items; `examples` is data
/// in a schema (a list) and a map of Example Objects elsewhere.
fn is_data(key: &str, value: &Value, pointer: &str) -> bool {
    DATA_KEYS.contains(&key)
        || (key.starts_with("x-") && !(key == "x-webhooks" && pointer == "#"))
        || (key == "examples" && value.is_array())
}

fn check_ref(root: &Value, pointer: &str, target: &str) -> Result<(), Error> {
    let Some(local) = target.strip_prefix('#') else {
        return Err(Error::new(
            format!("{pointer}/$ref"),
            format!("external reference `{target}` is not supported"),
            "inline the referenced document's schemas under #/components and refer to them with `#/components/...`",
        ));
    };
    if root.pointer(local).is_none() {
        return Err(Error::new(
            format!("{pointer}/$ref"),
            format!("`{target}` points at nothing"),
            "define the target (e.g. under #/components/schemas) or fix the spelling of the reference",
        ));
    }
    Ok(())
}

/// operationIds are present and unique (also after conversion to Rust names), and
/// path templates and path parameters agree.
fn check_operations(api: &OpenAPI) -> Result<(), Error> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in &api.paths.paths {
        let ReferenceOr::Item(item) = item else {
            return Err(Error::unsupported(format!("#/paths/{}", escape(path)), "a `$ref` path item"));
        };
        for (method, op) in item.iter() {
            let at = format!("#/paths/{}/{method}", escape(path));
            let Some(id) = &op.operation_id else {
                return Err(Error::new(
                    at,
                    "the operation has no operationId",
                    "add a unique snake_case `operationId`; it names the client method",
                ));
            };
            if !id.chars().any(|c| c.is_ascii_alphabetic()) {
                return Err(Error::new(
                    format!("{at}/operationId"),
                    format!("operationId `{id}` has no letters to make a method name from"),
                    "use a snake_case name such as `list_users`",
                ));
            }
            let rust = naming::field_name(id);
            if let Some(first) = seen.insert(rust.clone(), at.clone()) {
                return Err(Error::new(
                    format!("{at}/operationId"),
                    format!("operationId `{id}` gives the method name `{rust}`, already used by {first}"),
                    "give each operation a unique operationId",
                ));
            }
            let declared = declared_path_params(api, &item.parameters, &op.parameters);
            let used = template_params(path);
            if let Some(missing) = used.difference(&declared).next() {
                return Err(Error::new(
                    format!("{at}/parameters"),
                    format!("path parameter `{missing}` of `{path}` is not declared"),
                    format!("add `- {{name: {missing}, in: path, required: true, schema: {{type: string}}}}` to the operation's or path's parameters"),
                ));
            }
            if let Some(extra) = declared.difference(&used).next() {
                return Err(Error::new(
                    format!("{at}/parameters"),
                    format!("path parameter `{extra}` does not appear in `{path}`"),
                    format!("add `{{{extra}}}` to the path or remove the parameter"),
                ));
            }
        }
    }
    Ok(())
}

fn template_params(path: &str) -> BTreeSet<String> {
    crate::model::PathTemplate::parse(path).params().map(str::to_owned).collect()
}

fn declared_path_params(
    api: &OpenAPI,
    path_level: &[ReferenceOr<openapiv3::Parameter>],
    op_level: &[ReferenceOr<openapiv3::Parameter>],
) -> BTreeSet<String> {
    path_level
        .iter()
        .chain(op_level)
        .filter_map(|param| crate::model::resolve_parameter(api, param))
        .filter(|param| matches!(param, openapiv3::Parameter::Path { .. }))
        .map(|param| param.parameter_data_ref().name.clone())
        .collect()
}

/// A schema that is, through `$ref`s and compositions alone, its own member has
/// no finite Rust type: `A: {$ref: B}`, `B: {allOf: [{$ref: A}]}`.
fn check_ref_cycles(raw: &Value) -> Result<(), Error> {
    let Some(schemas) = raw.pointer("/components/schemas").and_then(Value::as_object) else { return Ok(()) };
    let edges: BTreeMap<&str, Vec<&str>> =
        schemas.iter().map(|(key, schema)| (key.as_str(), direct_refs(schema))).collect();
    let mut done = BTreeSet::new();
    for start in edges.keys() {
        let mut stack = Vec::new();
        if let Some(cycle) = find_cycle(&edges, start, &mut stack, &mut done) {
            return Err(Error::new(
                format!("#/components/schemas/{}", escape(cycle[0])),
                format!("schema reference cycle with no object in between: {}", cycle.join(" -> ")),
                "break the cycle: make one member an object that holds the other in a property",
            ));
        }
    }
    Ok(())
}

/// The component schemas this schema is made of without an object in between.
fn direct_refs(schema: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        out.extend(target.strip_prefix("#/components/schemas/"));
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for member in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            out.extend(direct_refs(member));
        }
    }
    out
}

/// Depth-first search; `done` holds nodes already proven cycle-free, so each node is
/// explored once whatever the shape of the graph.
fn find_cycle<'a>(
    edges: &BTreeMap<&'a str, Vec<&'a str>>,
    node: &'a str,
    stack: &mut Vec<&'a str>,
    done: &mut BTreeSet<&'a str>,
) -> Option<Vec<&'a str>> {
    if done.contains(node) {
        return None;
    }
    if let Some(at) = stack.iter().position(|n| *n == node) {
        let mut cycle = stack[at..].to_vec();
        cycle.push(node);
        return Some(cycle);
    }
    stack.push(node);
    for next in edges.get(node).into_iter().flatten() {
        if let Some(cycle) = find_cycle(edges, next, stack, done) {
            return Some(cycle);
        }
    }
    stack.pop();
    done.insert(node);
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document whose one schema is `schema` (YAML flow), checked for `$ref`s.
    fn refs_in(schema: &str, extra: &str) -> Result<(), Error> {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths: {{}}\n{extra}\ncomponents:\n  examples:\n    E: {{value: {{$ref: nowhere}}}}\n  schemas:\n    S: {schema}\n"
        );
        let doc = crate::load::load(&text).expect("the document loads");
        check_refs(&doc.raw, &mut String::from("#"), &doc.raw, Keys::Keywords)
    }

    #[test]
    fn a_ref_key_in_data_is_not_a_reference() {
        let data = "{$ref: '#/nowhere'}";
        let schema = format!("{{type: object, example: {data}, default: {data}, enum: [{data}], x-data: {data}}}");
        assert_eq!(refs_in(&schema, "x-top: {$ref: '#/nowhere'}"), Ok(()));
    }

    #[test]
    fn names_that_are_also_keywords_are_still_checked() {
        let err = refs_in("{type: object, properties: {default: {$ref: '#/nowhere'}}}", "").unwrap_err();
        assert_eq!(err.location, "#/components/schemas/S/properties/default/$ref");
        let err = refs_in("{type: object}", "x-webhooks: {w: {post: {requestBody: {$ref: '#/nowhere'}}}}").unwrap_err();
        assert_eq!(err.location, "#/x-webhooks/w/post/requestBody/$ref");
        let responses = "x-webhooks: {w: {post: {responses: {default: {$ref: '#/nowhere'}}}}}";
        let err = refs_in("{type: object}", responses).unwrap_err();
        assert_eq!(err.location, "#/x-webhooks/w/post/responses/default/$ref");
    }
}
