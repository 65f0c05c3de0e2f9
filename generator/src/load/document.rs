//! Document-level differences between OpenAPI 3.1 and 3.0, and the walk that hands every
//! schema to the schema normaliser.

use serde_json::Value;

use crate::load::escape;
use crate::load::origins::Origins;
use crate::load::parameter::parameter;
use crate::load::schema::Normaliser;
use crate::load::walk::{self, Node};
use crate::warning::Warnings;
use crate::Error;

/// The version `openapiv3` is told the normalised document has.
pub const NORMALISED_VERSION: &str = "3.0.3";

/// Rewrites `root` (an object) into the OpenAPI 3.0 form `openapiv3` reads, recording
/// in `origins` where things moved. Warnings name pointers of the normalised document;
/// `origins` turns them into pointers of the document as written.
pub fn normalise(root: &mut Value, warnings: &mut Warnings, origins: &mut Origins) -> Result<(), Error> {
    inline_path_item_refs(root);
    scalars_as_strings(root);
    mutual_tls(root, warnings);
    webhooks_to_extension(root, warnings, origins);
    let moved = hoist_defs(root);
    for (old, new) in &moved {
        origins.moved(new.clone(), old.clone());
    }
    let mut normaliser = Normaliser::new(root, moved, warnings, origins);
    let mut problem = None;
    walk::each_node(root, &mut |node, value, at| match node {
        Node::Schema => normaliser.schema(value, at),
        Node::Parameter => {
            if let Err(err) = parameter(value, at, normaliser.warnings()) {
                problem.get_or_insert(err);
            }
        }
    });
    if let Some(err) = problem {
        return Err(err);
    }
    default_responses(root);
    // 3.1 makes `paths` optional (OpenAPI 3.1.0 section 4.8.1); 3.0 requires it.
    if let Some(map) = root.as_object_mut() {
        map.entry("paths").or_insert_with(|| serde_json::json!({}));
        map.insert("openapi".into(), NORMALISED_VERSION.into());
    }
    Ok(())
}

/// Fields the specification types as strings, which YAML reads as numbers when
/// unquoted (`version: 1.0`, a server variable `default: 443`): their text is meant.
fn scalars_as_strings(root: &mut Value) {
    stringify(root.pointer_mut("/info/version"));
    let Some(Value::Array(servers)) = root.get_mut("servers") else {
        return;
    };
    for server in servers {
        let Some(Value::Object(variables)) = server.get_mut("variables") else {
            continue;
        };
        for variable in variables.values_mut() {
            stringify(variable.get_mut("default"));
            if let Some(Value::Array(values)) = variable.get_mut("enum") {
                values.iter_mut().for_each(|value| stringify(Some(value)));
            }
        }
    }
}

fn stringify(value: Option<&mut Value>) {
    if let Some(value) = value {
        if value.is_number() || value.is_boolean() {
            *value = Value::String(value.to_string());
        }
    }
}

/// 3.1 adds the `mutualTLS` security scheme (OpenAPI 3.1.0 section 4.8.27), which a
/// client meets with a certificate on its HTTP connection, not with anything an
/// operation sends; `openapiv3` does not know it.
fn mutual_tls(root: &mut Value, warnings: &mut Warnings) {
    let Some(Value::Object(schemes)) = root.pointer_mut("/components/securitySchemes") else {
        return;
    };
    schemes.retain(|name, scheme| {
        let mutual = scheme.get("type").and_then(Value::as_str) == Some("mutualTLS");
        if mutual {
            warnings.push(
                format!("#/components/securitySchemes/{}", escape(name)),
                "the `mutualTLS` security scheme is left out: the client does not present a certificate; configure it on the HTTP client",
            );
        }
        !mutual
    });
}

/// 3.1 `webhooks` (OpenAPI 3.1.0 section 4.8.1) is what 3.0 documents write as the
/// `x-webhooks` extension, which the model reads: one form for both.
fn webhooks_to_extension(root: &mut Value, warnings: &mut Warnings, origins: &mut Origins) {
    let Some(map) = root.as_object_mut() else {
        return;
    };
    // A `webhooks` or `x-webhooks` that is not a map stays for the typed parse or the
    // model to report.
    let movable =
        matches!(map.get("webhooks"), Some(Value::Object(_))) && map.get("x-webhooks").is_none_or(Value::is_object);
    if !movable {
        return;
    }
    let Some(Value::Object(hooks)) = map.remove("webhooks") else {
        return;
    };
    let Value::Object(extension) = map.entry("x-webhooks").or_insert_with(|| Value::Object(Default::default())) else {
        return;
    };
    for (name, item) in hooks {
        if extension.contains_key(&name) {
            warnings.push(
                format!("#/webhooks/{}", escape(&name)),
                "a webhook of this name is also in `x-webhooks`; the one in `x-webhooks` is used, so remove one of the two",
            );
        } else {
            origins.moved(format!("#/x-webhooks/{}", escape(&name)), format!("#/webhooks/{}", escape(&name)));
            extension.insert(name, item);
        }
    }
}

/// 3.1 Path Items in `paths` and `webhooks` may be references to `components/pathItems`
/// (OpenAPI 3.1.0 section 4.8.10); a copy of the target means the same.
fn inline_path_item_refs(root: &mut Value) {
    let Some(items) = root.pointer("/components/pathItems").cloned() else {
        return;
    };
    for key in ["paths", "webhooks"] {
        let Some(Value::Object(map)) = root.get_mut(key) else {
            continue;
        };
        for item in map.values_mut() {
            let target =
                item.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/pathItems/"));
            if let Some(found) = target.and_then(|name| items.get(unescape(name).as_str())) {
                *item = found.clone();
            }
        }
    }
}

/// A component schema's `$defs` (JSON Schema 2020-12 section 8.2.4) or draft 7
/// `definitions` hold schemas referred to as `#/components/schemas/X/$defs/Y`; the model
/// types component schemas, so each becomes the component `X_Y` (the first free name)
/// and references follow. Returns the moves, old pointer -> new pointer.
fn hoist_defs(root: &mut Value) -> Vec<(String, String)> {
    let Some(Value::Object(schemas)) = root.pointer_mut("/components/schemas") else {
        return Vec::new();
    };
    let mut hoisted = Vec::new();
    for (key, schema) in schemas.iter_mut() {
        for defs_key in ["$defs", "definitions"] {
            if let Some(Value::Object(defs)) = schema.as_object_mut().and_then(|map| map.remove(defs_key)) {
                hoisted.extend(defs.into_iter().map(|(name, def)| (key.clone(), defs_key, name, def)));
            }
        }
    }
    let mut moved = Vec::new();
    for (key, defs_key, name, def) in hoisted {
        let base = format!("{key}_{name}");
        let free = std::iter::once(base.clone())
            .chain((2..).map(|n| format!("{base}{n}")))
            .find(|candidate| !schemas.contains_key(candidate))
            .unwrap_or(base);
        moved.push((
            format!("#/components/schemas/{}/{defs_key}/{}", escape(&key), escape(&name)),
            format!("#/components/schemas/{}", escape(&free)),
        ));
        schemas.insert(free, def);
    }
    moved
}

/// 3.1 makes an operation's `responses` optional (OpenAPI 3.1.0 section 4.8.10); 3.0
/// requires the map, which may be empty.
fn default_responses(root: &mut Value) {
    for key in ["paths", "x-webhooks"] {
        let Some(Value::Object(items)) = root.get_mut(key) else {
            continue;
        };
        for item in items.values_mut() {
            for method in walk::METHODS {
                if let Some(Value::Object(operation)) = item.get_mut(method) {
                    operation.entry("responses").or_insert_with(|| serde_json::json!({}));
                }
            }
        }
    }
}

/// Undoes [`escape`] on one JSON pointer segment.
fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}
