//! Parameter and Header Objects: the schema of their value sits in `schema` (or
//! `content`), never on the object itself.

use serde_json::{Map, Value};

use crate::warning::Warnings;
use crate::Error;

/// Swagger 2.0 put a parameter's type on the parameter itself (Swagger 2.0 "Parameter
/// Object"); documents converted to OpenAPI 3 by hand often keep some of it. These are
/// the keywords that moved into `schema` (OpenAPI 3.0.3 section 4.7.12).
const SCHEMA_KEYWORDS: [&str; 16] = [
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

/// Moves schema keywords found on a parameter without `schema` or `content` into a
/// `schema`, with a warning; a parameter with no schema at all is an error, as nothing
/// says what its value is. References are left to the reference checks.
pub fn parameter(param: &mut Value, at: &str, warnings: &mut Warnings) -> Result<(), Error> {
    let Value::Object(map) = param else {
        return Ok(());
    };
    if ["$ref", "schema", "content"].iter().any(|key| map.contains_key(*key)) {
        return Ok(());
    }
    let mut schema = Map::new();
    for keyword in SCHEMA_KEYWORDS {
        if let Some(value) = map.remove(keyword) {
            schema.insert(keyword.into(), value);
        }
    }
    if schema.is_empty() {
        return Err(Error::new(
            at,
            "neither `schema` nor `content` says what the value of this parameter or header is",
            "add a `schema`, e.g. `schema: {type: string}`",
        ));
    }
    warnings.push(
        at,
        "the schema keywords on this parameter or header (the Swagger 2.0 form) are read as its `schema`; move them into `schema: {...}`",
    );
    map.insert("schema".into(), Value::Object(schema));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn swagger_2_keywords_move_into_the_schema() {
        let mut warnings = Warnings::default();
        let mut param = json!({"name": "q", "in": "query", "type": "string", "enum": ["a"], "allowEmptyValue": true});
        parameter(&mut param, "#/p", &mut warnings).unwrap();
        assert_eq!(
            param,
            json!({"name": "q", "in": "query", "allowEmptyValue": true, "schema": {"type": "string", "enum": ["a"]}})
        );
        assert_eq!(warnings.into_sorted().len(), 1);
    }

    #[test]
    fn a_parameter_without_any_schema_is_an_error() {
        let mut param = json!({"name": "q", "in": "query"});
        let err = parameter(&mut param, "#/p", &mut Warnings::default()).unwrap_err();
        assert_eq!(err.location, "#/p");
        let mut fine = json!({"name": "q", "in": "query", "schema": {"type": "string"}});
        parameter(&mut fine, "#/p", &mut Warnings::default()).unwrap();
        assert_eq!(fine, json!({"name": "q", "in": "query", "schema": {"type": "string"}}));
    }
}
