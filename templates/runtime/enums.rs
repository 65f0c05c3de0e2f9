//! Decoding of generated string enums: every enum maps any string to a variant
//! (unknown ones included), so decoding only needs the text, borrowed when possible.

use std::fmt;
use std::marker::PhantomData;

/// Deserializes a string into an enum that converts from any `&str`.
pub fn deserialize<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    deserializer.deserialize_str(StrVisitor(PhantomData))
}

struct StrVisitor<T>(PhantomData<T>);

impl<T> serde::de::Visitor<'_> for StrVisitor<T>
where
    T: for<'a> From<&'a str>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
        Ok(T::from(value))
    }
}

#[cfg(test)]
mod tests {
    #[derive(Debug, PartialEq)]
    enum Color {
        Red,
        Unknown(String),
    }

    impl From<&str> for Color {
        fn from(value: &str) -> Self {
            match value {
                "RED" => Color::Red,
                other => Color::Unknown(other.to_owned()),
            }
        }
    }

    fn decode(json: &str) -> Result<Color, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(json);
        super::deserialize(&mut de)
    }

    #[test]
    fn known_unknown_and_escaped_values_decode() {
        assert_eq!(decode("\"RED\"").unwrap(), Color::Red);
        assert_eq!(decode("\"BLUE\"").unwrap(), Color::Unknown("BLUE".into()));
        assert_eq!(decode("\"R\\u0045D\"").unwrap(), Color::Red);
        assert!(decode("3").is_err());
    }
}
