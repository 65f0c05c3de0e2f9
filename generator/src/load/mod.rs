//! Stage 1: read the document text into `openapiv3` types, keeping the JSON they were
//! read from alongside so later stages can check `$ref`s by JSON pointer.
//!
//! This is the one place that fills the gaps of `openapiv3` (which reads OpenAPI 3.0):
//! OpenAPI 3.1 and JSON Schema forms are rewritten into 3.0 forms first, and what cannot
//! be kept (a `not`, say) is dropped with a [`Warning`], so the model never reads raw JSON.

mod depth;
mod document;
mod origins;
mod parameter;
mod parse;
mod schema;
mod walk;

use crate::warning::Warnings;
use crate::{Error, Warning};

pub use origins::Origins;

/// A parsed document: the typed view, the normalised JSON it was read from, and what
/// normalisation gave up.
pub struct Document {
    pub api: openapiv3::OpenAPI,
    /// The document after normalisation: OpenAPI 3.0 forms only, `openapi: 3.0.3`.
    pub raw: serde_json::Value,
    /// The `openapi` version the document declared.
    pub source_version: String,
    /// Where normalisation moved things: errors of later stages, which name pointers of
    /// the normalised document, go through [`Origins::original`].
    pub origins: Origins,
    /// What normalisation gave up, at pointers of the document as written.
    pub warnings: Vec<Warning>,
}

pub fn load(text: &str) -> Result<Document, Error> {
    let mut raw = parse::parse(text)?;
    if !raw.is_object() {
        return Err(Error::new(
            "#",
            "the document is not an object",
            "start from an OpenAPI 3.0 or 3.1 document with `openapi: 3.0.3`",
        ));
    }
    let source_version = version(&raw)?;
    let mut warnings = Warnings::default();
    let mut origins = Origins::default();
    document::normalise(&mut raw, &mut warnings, &mut origins)?;
    depth::limit(&mut raw, &mut warnings);
    let family = family(&source_version).unwrap_or("3.0");
    let api =
        serde_path_to_error::deserialize(&raw).map_err(|err: serde_path_to_error::Error<serde_json::Error>| {
            Error::new(
                origins.original(&pointer_from_path(err.path())),
                format!("does not match the OpenAPI {family} structure: {}", err.inner()),
                format!("compare this part with the OpenAPI {family} specification"),
            )
        })?;
    let mut located = Warnings::default();
    for warning in warnings.into_sorted() {
        located.push(origins.original(&warning.location), warning.message);
    }
    Ok(Document { api, raw, source_version, origins, warnings: located.into_sorted() })
}

/// `3.0` or `3.1` for the versions this stage reads (`3.1`, `3.1.0`, `3.1.1`, ...).
fn family(version: &str) -> Option<&'static str> {
    let mut parts = version.split('.');
    match (parts.next(), parts.next()) {
        (Some("3"), Some("0")) => Some("3.0"),
        (Some("3"), Some("1")) => Some("3.1"),
        _ => None,
    }
}

/// The declared version, if it is one this stage reads: 3.0.x or 3.1.x.
fn version(raw: &serde_json::Value) -> Result<String, Error> {
    // YAML reads an unquoted `openapi: 3.1` as a number.
    let version = match raw.get("openapi") {
        Some(serde_json::Value::Number(number)) => Some(number.to_string()),
        Some(serde_json::Value::String(text)) => Some(text.clone()),
        _ => None,
    };
    match version.as_deref() {
        Some(version) if family(version).is_some() => Ok(version.to_owned()),
        Some(version) => Err(Error::new(
            "#/openapi",
            format!("OpenAPI version {version} is not supported"),
            "convert the document to OpenAPI 3.1.x or 3.0.x (e.g. `openapi: 3.0.3`)",
        )),
        None if raw.get("swagger").is_some() => Err(Error::new(
            "#/swagger",
            "Swagger 2.0 documents are not supported",
            "convert the document to OpenAPI 3 (e.g. with swagger2openapi or editor.swagger.io)",
        )),
        None => {
            Err(Error::new("#/openapi", "the `openapi` version field is missing", "add `openapi: 3.0.3` at the top"))
        }
    }
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
    fn structure_errors_name_the_pointer() {
        let err = load("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 7\n")
            .err()
            .unwrap();
        assert!(err.location.starts_with("#/paths"), "{err}");
    }

    const OPENAPI_31: &str = r##"
openapi: 3.1.0
info: {title: t, version: '1', license: {name: MIT, identifier: MIT}}
webhooks:
  born: {$ref: '#/components/pathItems/Born'}
  dup: {post: {}}
x-webhooks:
  dup: {post: {}}
components:
  pathItems:
    Born:
      post:
        requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Pet/$defs/Name'}}}}
  schemas:
    Pet:
      type: object
      properties: {name: {$ref: '#/components/schemas/Pet/$defs/Name'}}
      $defs:
        Name: {type: [string, 'null'], not: {const: ''}}
"##;

    #[test]
    fn openapi_31_is_read_in_its_30_form() {
        let doc = load(OPENAPI_31).unwrap();
        assert_eq!(doc.source_version, "3.1.0");
        assert_eq!(doc.api.openapi, "3.0.3");
        assert_eq!(doc.raw["openapi"], "3.0.3");
        assert!(doc.raw.get("webhooks").is_none());
        let hooks = &doc.api.extensions["x-webhooks"];
        assert_eq!(
            hooks["born"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Pet_Name",
            "the path item reference is inlined and the `$defs` reference follows the schema"
        );
        assert_eq!(hooks["born"]["post"]["responses"], serde_json::json!({}));
        let schemas = &doc.api.components.as_ref().unwrap().schemas;
        assert!(schemas.contains_key("Pet_Name"));
        assert_eq!(
            doc.raw["components"]["schemas"]["Pet_Name"],
            serde_json::json!({"nullable": true, "type": "string"})
        );
        let shown: Vec<String> = doc.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "warning: #/components/schemas/Pet/$defs/Name/not: `not` is not enforced: the type accepts values the document excludes; to type it precisely, list what is allowed (an `enum`, or a `oneOf` of the allowed schemas) instead",
                "warning: #/webhooks/dup: a webhook of this name is also in `x-webhooks`; the one in `x-webhooks` is used, so remove one of the two",
            ]
        );
    }

    #[test]
    fn a_json_document_is_read_as_json() {
        let doc =
            load(r#"{"openapi": "3.0.3", "info": {"title": "caf\u00e9 \/", "version": "1"}, "paths": {}}"#).unwrap();
        assert_eq!(doc.api.info.title, "café /");
        assert_eq!(doc.source_version, "3.0.3");
    }

    #[test]
    fn numbers_where_strings_are_meant_are_their_text() {
        let doc = load("openapi: 3.1\ninfo: {title: t, version: 1.0}\nservers: [{url: 'https://{host}:{port}', variables: {port: {default: 443, enum: [443, 8443]}, host: {default: h}}}]\ncomponents: {securitySchemes: {mtls: {type: mutualTLS}}}\n").unwrap();
        assert_eq!(doc.source_version, "3.1");
        assert_eq!(doc.api.info.version, "1.0");
        let port = &doc.api.servers[0].variables.as_ref().unwrap()["port"];
        assert_eq!(
            (port.default.as_str(), port.enumeration.as_slice()),
            ("443", &["443".to_owned(), "8443".to_owned()][..])
        );
        assert!(doc.api.components.unwrap().security_schemes.is_empty());
        assert_eq!(doc.warnings.len(), 1, "mutualTLS is dropped with a warning");
    }

    #[test]
    fn only_openapi_3_0_and_3_1_are_read() {
        for version in ["2.0", "3.2.0", "4.0.0", "3.10.0", "3"] {
            let err =
                load(&format!("openapi: '{version}'\ninfo: {{title: t, version: '1'}}\npaths: {{}}\n")).err().unwrap();
            assert_eq!(err.location, "#/openapi", "{err}");
        }
    }
}
