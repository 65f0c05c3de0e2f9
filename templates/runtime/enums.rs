//! Decoding of generated string enums: every enum maps any string to a variant
//! (unknown ones included), so decoding only needs the text, borrowed when possible.

use std::fmt;
use std::marker::PhantomData;

/// A string enum value this version of the client does not know. Sealed: it
/// can be read ([`UnknownValue::as_str`], `Display`) but not destructured, and
/// only generated code builds one (its constructor is hidden), so code that
/// handles today's unknown value keeps compiling, and keeps working, when a
/// later version of the crate gives that value a variant of its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(String);

impl UnknownValue {
    /// For generated code only (hidden, outside the crate's documented API).
    #[doc(hidden)]
    pub fn new(value: &str) -> Self {
        UnknownValue(value.to_owned())
    }

    /// The value as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

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
    use super::UnknownValue;

    /// A string enum as the generator writes it.
    #[derive(Debug, PartialEq)]
    enum Color {
        Red,
        Unknown(UnknownValue),
    }

    impl From<&str> for Color {
        fn from(value: &str) -> Self {
            match value {
                "RED" => Color::Red,
                other => Color::Unknown(UnknownValue::new(other)),
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
        match decode("\"BLUE\"").unwrap() {
            Color::Unknown(value) => {
                assert_eq!(value.as_str(), "BLUE");
                assert_eq!(value.to_string(), "BLUE");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(decode("\"R\\u0045D\"").unwrap(), Color::Red);
        assert!(decode("3").is_err());
    }
}
