//! Stage 1: read the document text into `openapiv3` types, keeping the raw JSON
//! alongside so later stages can check `$ref`s and read extensions by JSON pointer.

use crate::Error;

/// A parsed document: the typed view and the same document as plain JSON.
pub struct Document {
    pub api: openapiv3::OpenAPI,
    pub raw: serde_json::Value,
}

pub fn load(text: &str) -> Result<Document, Error> {
    let raw: serde_json::Value = serde_yaml::from_str(text).map_err(|err| {
        let location = err
            .location()
            .map(|at| format!("line {}, column {}", at.line(), at.column()))
            .unwrap_or_else(|| "the document".to_owned());
        Error::new(location, format!("not valid YAML or JSON: {err}"), "fix the syntax at that line")
    })?;
    if !raw.is_object() {
        return Err(Error::new("#", "the document is not an object", "start from an OpenAPI 3.0 document with `openapi: 3.0.3`"));
    }
    match raw.get("openapi").and_then(serde_json::Value::as_str) {
        Some(version) if version.starts_with("3.0") => {}
        Some(version) => {
            return Err(Error::new(
                "#/openapi",
                format!("OpenAPI version {version} is not supported"),
                "convert the document to OpenAPI 3.0.x (e.g. `openapi: 3.0.3`)",
            ))
        }
        None => return Err(Error::new("#/openapi", "the `openapi` version field is missing", "add `openapi: 3.0.3` at the top")),
    }
    let api = serde_path_to_error::deserialize(&raw).map_err(|err: serde_path_to_error::Error<serde_json::Error>| {
        Error::new(
            pointer_from_path(err.path()),
            format!("does not match the OpenAPI 3.0 structure: {}", err.inner()),
            "compare this part with the OpenAPI 3.0.3 specification",
        )
    })?;
    Ok(Document { api, raw })
}

/// serde_path_to_error's path -> a JSON pointer.
fn pointer_from_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::from("#");
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } => pointer.push_str(&escape(key)),
            Segment::Enum { variant } => pointer.push_str(&escape(variant)),
            Segment::Unknown => pointer.push('?'),
        }
    }
    pointer
}

/// Escapes one JSON pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_errors_name_the_line() {
        let err = load("openapi: 3.0.3\ninfo: [\n").err().unwrap();
        assert!(err.location.starts_with("line"), "{err}");
    }

    #[test]
    fn structure_errors_name_the_pointer() {
        let err = load("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 7\n").err().unwrap();
        assert!(err.location.starts_with("#/paths"), "{err}");
    }
}
