//! Document text -> JSON value. JSON is read by a JSON parser, everything else as YAML.
//!
//! JSON is valid YAML 1.2 in principle, but a YAML parser rejects some of what JSON
//! allows (escapes such as `\/`, tabs as whitespace, very long lines of flow content) and
//! reports positions in YAML terms; published documents are often JSON, so they get the
//! parser they were written for.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::Error;

/// Parses `text` as JSON when it starts (after whitespace and a byte-order mark) with `{`,
/// else as YAML. Syntax errors name the line and column.
pub fn parse(text: &str) -> Result<Value, Error> {
    let body = text.trim_start_matches('\u{feff}');
    if body.trim_start().starts_with('{') {
        return serde_json::from_str(body).map_err(|err| {
            Error::new(
                format!("line {}, column {}", err.line(), err.column()),
                format!("not valid JSON: {err}"),
                "fix the syntax at that line",
            )
        });
    }
    serde_yaml::from_str(body).map(|Json(value)| value).map_err(|err| {
        let location = err
            .location()
            .map(|at| format!("line {}, column {}", at.line(), at.column()))
            .unwrap_or_else(|| "the document".to_owned());
        Error::new(location, format!("not valid YAML or JSON: {err}"), "fix the syntax at that line")
    })
}

/// A JSON value read from YAML. `serde_json::Value` refuses integers beyond 64 bits,
/// which YAML hands over as 128-bit ones (OpenAI's document bounds a seed by
/// -9223372036854776000); JSON Schema numbers are just numbers (RFC 8259 section 6),
/// so those become the nearest float, as a JSON parser makes them.
struct Json(Value);

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor).map(Json)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value that JSON can hold")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(value.into())
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(value.into())
    }

    fn visit_i128<E>(self, value: i128) -> Result<Value, E> {
        Ok(i64::try_from(value).map(Value::from).unwrap_or_else(|_| float(value as f64)))
    }

    fn visit_u128<E>(self, value: u128) -> Result<Value, E> {
        Ok(u64::try_from(value).map(Value::from).unwrap_or_else(|_| float(value as f64)))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(float(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Json::deserialize(deserializer).map(|Json(value)| value)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Json(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        // Keys are read as strings, so `200:` is the key "200", as in a JSON document.
        while let Some((key, Json(value))) = map.next_entry::<String, Json>()? {
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// A float as JSON has it; JSON has no NaN or infinity, so those become null.
fn float(value: f64) -> Value {
    Number::from_f64(value).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_read_as_json() {
        let value = parse("  {\"a\": \"\\/x\\u00e9\", \"big\": 123456789012345678901234567890}").unwrap();
        assert_eq!(value["a"], "/xé");
        assert!(value["big"].is_number());
    }

    #[test]
    fn yaml_integers_beyond_64_bits_become_floats() {
        let value = parse("min: -9223372036854776000\nmax: 99999999999999999999\nok: 200\n200: x\n").unwrap();
        assert_eq!(value["min"].as_f64(), Some(-9223372036854776000.0));
        assert_eq!(value["max"].as_f64(), Some(1e20));
        assert_eq!(value["ok"], 200);
        assert_eq!(value["200"], "x");
    }

    #[test]
    fn json_errors_name_line_and_column() {
        let err = parse("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!(err.location, "line 3, column 7", "{err}");
        assert!(err.message.contains("not valid JSON"), "{err}");
    }

    #[test]
    fn yaml_errors_name_the_line() {
        let err = parse("openapi: 3.0.3\ninfo: [\n").unwrap_err();
        assert!(err.location.starts_with("line"), "{err}");
    }
}
