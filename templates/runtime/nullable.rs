//! Three-state optional fields: absent, explicitly null, or a value.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An optional field that may also be sent as an explicit `null`.
///
/// Use on struct fields as
/// `#[serde(default, skip_serializing_if = "Nullable::is_absent")]`:
/// a missing key decodes as [`Nullable::Absent`] and is not sent, `null`
/// decodes as [`Nullable::Null`] and is sent as `null` (for example to clear a
/// value in a PATCH), anything else is [`Nullable::Value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Nullable<T> {
    /// The field is left out.
    #[default]
    Absent,
    /// The field is sent as `null`.
    Null,
    /// The field carries a value.
    Value(T),
}

impl<T> Nullable<T> {
    /// True when the field is left out (for `skip_serializing_if`).
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }

    /// True when the field is an explicit `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }

    /// The value, if there is one.
    pub fn as_ref(&self) -> Option<&T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }

    /// Applies `f` to a value, keeping absent and null as they are.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Nullable::Absent => Nullable::Absent,
            Nullable::Null => Nullable::Null,
            Nullable::Value(value) => Nullable::Value(f(value)),
        }
    }

    /// The value, if there is one; absent and null both give `None`.
    pub fn into_option(self) -> Option<T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Nullable::Value(value)
    }
}

impl<T> From<Option<T>> for Nullable<T> {
    /// `None` becomes an explicit [`Nullable::Null`].
    fn from(value: Option<T>) -> Self {
        match value {
            Some(v) => Nullable::Value(v),
            None => Nullable::Null,
        }
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // Absent is normally skipped by `skip_serializing_if`; when it is
            // not (e.g. inside a sequence), `null` is the closest meaning.
            Nullable::Absent | Nullable::Null => serializer.serialize_none(),
            Nullable::Value(v) => serializer.serialize_some(v),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Only called when the key is present; a missing key uses `Default`.
        Ok(Option::<T>::deserialize(deserializer)?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Patch {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        name: Nullable<String>,
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        age: Nullable<u32>,
    }

    #[test]
    fn three_states_round_trip() {
        let cases = [
            (r#"{}"#, Nullable::Absent),
            (r#"{"name":null}"#, Nullable::Null),
            (r#"{"name":"x"}"#, Nullable::Value("x".to_string())),
        ];
        for (json, expected) in cases {
            let p: Patch = serde_json::from_str(json).unwrap();
            assert_eq!(p.name, expected, "{json}");
            assert!(p.age.is_absent());
            assert_eq!(serde_json::to_string(&p).unwrap(), json);
        }
    }

    #[test]
    fn helpers() {
        let v: Nullable<u8> = 3.into();
        assert_eq!(v.as_ref(), Some(&3));
        let n: Nullable<u8> = None.into();
        assert!(n.is_null());
        assert_eq!(n.as_ref(), None);
        assert!(Nullable::<u8>::default().is_absent());
        assert_eq!(Nullable::from(Some(4u8)).into_option(), Some(4));
    }
}
