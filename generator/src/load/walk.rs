//! Where schemas sit in an OpenAPI document (3.0 and 3.1 alike), so the schema
//! normaliser visits every one of them and nothing else: values under `example`,
//! `examples`, `default`, `enum`, `const` and extensions are data, never schemas,
//! even when they hold a key `$ref`.

use serde_json::Value;

use crate::load::escape;

/// What a visited node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    /// A Schema Object (or a `$ref` to one); its subschemas are the visitor's business.
    Schema,
    /// A Parameter or Header Object, visited before its schema.
    Parameter,
}

/// Called with each node, its kind and its JSON pointer.
pub type Visit<'v> = dyn FnMut(Node, &mut Value, &str) + 'v;

/// HTTP methods of a Path Item Object (OpenAPI 3.0.3 section 4.7.9).
pub const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Calls `visit` with every schema position of the document and its JSON pointer:
/// component schemas and the `schema` of parameters, headers and media types, reached
/// through paths, webhooks (`webhooks` and `x-webhooks`), callbacks and components;
/// and with every parameter and header before its schema.
pub fn each_node(root: &mut Value, visit: &mut Visit) {
    for key in ["paths", "webhooks", "x-webhooks"] {
        // Paths Object keys start with `/`; others are extensions (3.0.3 section 4.7.8).
        let keep = |name: &str| key != "paths" || name.starts_with('/');
        entries(root.get_mut(key), &format!("#/{key}"), keep, &mut |item, at| path_item(item, at, visit));
    }
    let Some(components) = root.get_mut("components") else {
        return;
    };
    named(components.get_mut("schemas"), "#/components/schemas", &mut |schema, at| visit(Node::Schema, schema, at));
    named(components.get_mut("parameters"), "#/components/parameters", &mut |p, at| parameter(p, at, visit));
    named(components.get_mut("headers"), "#/components/headers", &mut |h, at| parameter(h, at, visit));
    named(components.get_mut("requestBodies"), "#/components/requestBodies", &mut |b, at| {
        content(b.get_mut("content"), &format!("{at}/content"), visit)
    });
    named(components.get_mut("responses"), "#/components/responses", &mut |r, at| response(r, at, visit));
    named(components.get_mut("callbacks"), "#/components/callbacks", &mut |c, at| callback(c, at, visit));
    named(components.get_mut("pathItems"), "#/components/pathItems", &mut |item, at| path_item(item, at, visit));
}

/// Each entry of a map of names (not keywords).
fn named(map: Option<&mut Value>, at: &str, visit: &mut dyn FnMut(&mut Value, &str)) {
    entries(map, at, |_| true, visit);
}

/// The entries of a map whose names pass `keep`.
fn entries(map: Option<&mut Value>, at: &str, keep: impl Fn(&str) -> bool, visit: &mut dyn FnMut(&mut Value, &str)) {
    let Some(Value::Object(map)) = map else {
        return;
    };
    for (name, value) in map.iter_mut().filter(|(name, _)| keep(name)) {
        visit(value, &format!("{at}/{}", escape(name)));
    }
}

fn path_item(item: &mut Value, at: &str, visit: &mut Visit) {
    parameters(item.get_mut("parameters"), &format!("{at}/parameters"), visit);
    for method in METHODS {
        if let Some(operation) = item.get_mut(method) {
            operation_(operation, &format!("{at}/{method}"), visit);
        }
    }
}

fn operation_(operation: &mut Value, at: &str, visit: &mut Visit) {
    parameters(operation.get_mut("parameters"), &format!("{at}/parameters"), visit);
    if let Some(body) = operation.get_mut("requestBody") {
        content(body.get_mut("content"), &format!("{at}/requestBody/content"), visit);
    }
    // Responses Object keys are status codes or `default`; `x-` keys are extensions.
    let status = |name: &str| !name.starts_with("x-");
    entries(operation.get_mut("responses"), &format!("{at}/responses"), status, &mut |r, at| response(r, at, visit));
    named(operation.get_mut("callbacks"), &format!("{at}/callbacks"), &mut |c, at| callback(c, at, visit));
}

fn parameters(list: Option<&mut Value>, at: &str, visit: &mut Visit) {
    let Some(Value::Array(list)) = list else {
        return;
    };
    for (index, param) in list.iter_mut().enumerate() {
        parameter(param, &format!("{at}/{index}"), visit);
    }
}

/// A Parameter or Header Object: a `schema`, or a `content` map.
fn parameter(param: &mut Value, at: &str, visit: &mut Visit) {
    visit(Node::Parameter, param, at);
    if let Some(schema) = param.get_mut("schema") {
        visit(Node::Schema, schema, &format!("{at}/schema"));
    }
    content(param.get_mut("content"), &format!("{at}/content"), visit);
}

fn response(response: &mut Value, at: &str, visit: &mut Visit) {
    named(response.get_mut("headers"), &format!("{at}/headers"), &mut |h, at| parameter(h, at, visit));
    content(response.get_mut("content"), &format!("{at}/content"), visit);
}

/// A Callback Object: runtime expressions -> Path Items.
fn callback(callback: &mut Value, at: &str, visit: &mut Visit) {
    named(Some(callback), at, &mut |item, at| path_item(item, at, visit));
}

/// A `content` map: media types -> Media Type Objects with a `schema` and an `encoding`
/// whose entries may carry headers.
fn content(content: Option<&mut Value>, at: &str, visit: &mut Visit) {
    named(content, at, &mut |media, at| {
        if let Some(schema) = media.get_mut("schema") {
            visit(Node::Schema, schema, &format!("{at}/schema"));
        }
        named(media.get_mut("encoding"), &format!("{at}/encoding"), &mut |encoding, at| {
            named(encoding.get_mut("headers"), &format!("{at}/headers"), &mut |h, at| parameter(h, at, visit))
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_every_schema_position_and_no_data() {
        let mut doc = serde_json::json!({
            "paths": {"x-ext": {"get": {"parameters": [{"schema": {}}]}}, "/a": {
                "parameters": [{"name": "p", "in": "query", "schema": {}}],
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": {}, "example": {"$ref": "#/x"}}}},
                    "responses": {"x-ext": {"content": {"a/b": {"schema": {}}}}, "200": {"headers": {"H": {"schema": {}}}, "content": {"a/b": {"schema": {}}}}},
                    "callbacks": {"cb": {"{$url}": {"post": {"parameters": [{"content": {"t/p": {"schema": {}}}}]}}}}
                }
            }},
            "webhooks": {"w": {"post": {"requestBody": {"content": {"a/b": {"schema": {}}}}}}},
            "components": {
                "schemas": {"S": {}, "x-data": {}},
                "parameters": {"P": {"schema": {}}},
                "headers": {"H": {"schema": {}}},
                "requestBodies": {"B": {"content": {"a/b": {"schema": {}, "encoding": {"e": {"headers": {"E": {"schema": {}}}}}}}}},
                "pathItems": {"I": {"get": {"responses": {"default": {"content": {"a/b": {"schema": {}}}}}}}}
            }
        });
        let mut seen = Vec::new();
        each_node(&mut doc, &mut |node, _, at| {
            if node == Node::Schema {
                seen.push(at.to_owned());
            }
        });
        seen.sort();
        assert_eq!(
            seen,
            [
                "#/components/headers/H/schema",
                "#/components/parameters/P/schema",
                "#/components/pathItems/I/get/responses/default/content/a~1b/schema",
                "#/components/requestBodies/B/content/a~1b/encoding/e/headers/E/schema",
                "#/components/requestBodies/B/content/a~1b/schema",
                "#/components/schemas/S",
                "#/components/schemas/x-data",
                "#/paths/~1a/parameters/0/schema",
                "#/paths/~1a/post/callbacks/cb/{$url}/post/parameters/0/content/t~1p/schema",
                "#/paths/~1a/post/requestBody/content/application~1json/schema",
                "#/paths/~1a/post/responses/200/content/a~1b/schema",
                "#/paths/~1a/post/responses/200/headers/H/schema",
                "#/webhooks/w/post/requestBody/content/a~1b/schema",
            ]
        );
    }
}
