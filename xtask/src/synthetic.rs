//! Synthetic documents for the benchmark: the spec copied N times, to see how code
//! generation and compile times grow with a document's size.

use serde_json::Value;

/// Builds a document `copies` times the size of `spec`: every path and component
/// schema is copied under a new name, with the copies' `$ref`s pointing at the copies.
pub fn synthesize(spec: &Value, copies: usize) -> Value {
    let mut out = spec.clone();
    let schemas = spec.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
    let paths = spec.get("paths").and_then(Value::as_object).cloned().unwrap_or_default();
    for copy in 1..copies {
        let rename = |value: &Value| rename_refs(value, &format!("V{copy}"));
        for (key, schema) in &schemas {
            out["components"]["schemas"][format!("{key}V{copy}")] = rename(schema);
        }
        for (path, item) in &paths {
            let mut item = rename(item);
            for op in item.as_object_mut().into_iter().flat_map(|m| m.values_mut()) {
                if let Some(Value::String(id)) = op.get_mut("operationId") {
                    id.push_str(&format!("_v{copy}"));
                }
            }
            out["paths"][format!("/v{copy}{path}")] = item;
        }
    }
    out
}

fn rename_refs(value: &Value, suffix: &str) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| match (k.as_str(), v) {
                    ("$ref", Value::String(target)) if target.starts_with("#/components/schemas/") => {
                        (k.clone(), Value::String(format!("{target}{suffix}")))
                    }
                    _ => (k.clone(), rename_refs(v, suffix)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| rename_refs(v, suffix)).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_documents_copy_paths_and_schemas_with_their_refs() {
        let spec = serde_json::json!({
            "paths": {"/a": {"get": {"operationId": "get_a", "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
            "components": {"schemas": {"A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}}, "B": {"type": "string"}}}
        });
        let big = synthesize(&spec, 3);
        assert_eq!(big["paths"].as_object().unwrap().len(), 3);
        assert_eq!(big["components"]["schemas"].as_object().unwrap().len(), 6);
        assert_eq!(big["paths"]["/v2/a"]["get"]["operationId"], "get_a_v2");
        assert_eq!(big["components"]["schemas"]["AV2"]["properties"]["b"]["$ref"], "#/components/schemas/BV2");
    }
}
