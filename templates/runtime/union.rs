//! Helpers for generated union decoders (see the generator's `model::union` for the
//! rule they follow).
//!
//! A union of plain structs is decoded in one pass into a struct of "slots", one per
//! property of any branch. A slot is `None` when the key is absent, `Some(None)` when
//! it is `null`, and `Some(Some(value))` otherwise; the chosen branch then takes its
//! fields out of the slots with the functions below.

use serde::de::{DeserializeOwned, Error};
use serde::{Deserialize, Deserializer};

use super::Nullable;

/// One property of a union's payload: `None` when the key is absent (the
/// `Default`), `Some(None)` when it is `null`, `Some(Some(value))` otherwise. A
/// type of its own, rather than `deserialize_with` on each field, so the slot
/// struct's decoder needs no wrapper type per field.
pub struct Slot<T>(pub Option<Option<T>>);

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Slot<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer).map(|value| Slot(Some(value)))
    }
}

/// A required, non-nullable field.
pub fn required<T, E: Error>(slot: Option<Option<T>>, field: &'static str) -> Result<T, E> {
    match slot {
        Some(Some(value)) => Ok(value),
        Some(None) => Err(E::custom(format_args!("field `{field}` must not be null"))),
        None => Err(E::missing_field(field)),
    }
}

/// A required field that may be `null`.
pub fn required_nullable<T, E: Error>(slot: Option<Option<T>>, field: &'static str) -> Result<Option<T>, E> {
    slot.ok_or_else(|| E::missing_field(field))
}

/// An optional field; `null` counts as absent.
pub fn optional<T>(slot: Option<Option<T>>) -> Option<T> {
    slot.flatten()
}

/// An optional nullable field: absent, `null` and a value stay apart.
pub fn tristate<T>(slot: Option<Option<T>>) -> Nullable<T> {
    match slot {
        None => Nullable::Absent,
        Some(None) => Nullable::Null,
        Some(Some(value)) => Nullable::Value(value),
    }
}

/// Converts a slot that kept raw JSON (branches disagree on its type) into the chosen branch's type.
pub fn convert<T: DeserializeOwned, E: Error>(slot: Option<Option<serde_json::Value>>) -> Result<Option<Option<T>>, E> {
    match slot {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(value)) => serde_json::from_value(value).map(|v| Some(Some(v))).map_err(E::custom),
    }
}

/// The string in a raw slot, for branches told apart by an enum value.
pub fn slot_str(slot: &Option<Option<serde_json::Value>>) -> Option<&str> {
    slot.as_ref()?.as_ref()?.as_str()
}

/// Whether a buffered object has the key (with any value, `null` included).
pub fn has(value: &serde_json::Value, key: &str) -> bool {
    value.as_object().is_some_and(|map| map.contains_key(key))
}

/// Whether a string that tells branches apart is one of a branch's values.
pub fn one_of(actual: Option<&str>, values: &[&str]) -> bool {
    actual.is_some_and(|actual| values.contains(&actual))
}

/// Whether an optional string that tells branches apart is, when sent, one of a
/// branch's values.
pub fn absent_or_one_of(actual: Option<&str>, values: &[&str]) -> bool {
    actual.is_none_or(|actual| values.contains(&actual))
}

/// Whether a buffered value is a JSON integer (signed or not).
pub fn is_integer(value: &serde_json::Value) -> bool {
    value.is_i64() || value.is_u64()
}

/// The string under `key` of a buffered object.
pub fn str_at<'v>(value: &'v serde_json::Value, key: &str) -> Option<&'v str> {
    value.get(key)?.as_str()
}

/// Converts a buffered value into the chosen branch.
pub fn from_value<T: DeserializeOwned, E: Error>(value: serde_json::Value) -> Result<T, E> {
    serde_json::from_value(value).map_err(E::custom)
}

/// A variant of a discriminated union that this version of the client does not
/// know (a tag added to the API later), kept as sent. Sealed like
/// [`super::UnknownValue`]: it can be read ([`UnknownVariant::tag`],
/// [`UnknownVariant::as_json`]) and sent back, but not destructured, and only
/// generated code builds one (its constructor is hidden), so code that handles today's unknown variant keeps
/// compiling when a later version gives that tag a variant of its own.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(transparent)]
pub struct UnknownVariant {
    value: serde_json::Value,
    #[serde(skip)]
    tag: &'static str,
}

impl UnknownVariant {
    /// `value`, whose discriminator property is `tag`. For generated code only
    /// (hidden, outside the crate's documented API).
    #[doc(hidden)]
    pub fn new(value: serde_json::Value, tag: &'static str) -> Self {
        UnknownVariant { value, tag }
    }

    /// The value of the discriminator property, if the payload has it as a string.
    pub fn tag(&self) -> Option<&str> {
        self.value.get(self.tag).and_then(serde_json::Value::as_str)
    }

    /// The payload as sent.
    pub fn as_json(&self) -> &serde_json::Value {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Slots {
        #[serde(default)]
        a: Slot<u32>,
    }

    fn slots(json: &str) -> Slots {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn slots_tell_absent_null_and_value_apart() {
        assert_eq!(slots("{}").a.0, None);
        assert_eq!(slots(r#"{"a": null}"#).a.0, Some(None));
        assert_eq!(slots(r#"{"a": 3}"#).a.0, Some(Some(3)));
    }

    #[test]
    fn field_modes() {
        type E = serde_json::Error;
        assert_eq!(required::<_, E>(Some(Some(1)), "a").unwrap(), 1);
        assert!(required::<u32, E>(Some(None), "a").is_err());
        assert!(required::<u32, E>(None, "a").unwrap_err().to_string().contains("missing field `a`"));
        assert_eq!(required_nullable::<u32, E>(Some(None), "a").unwrap(), None);
        assert_eq!(optional(Some(None::<u32>)), None);
        assert_eq!(tristate(Some(None::<u32>)), Nullable::Null);
        assert_eq!(tristate(None::<Option<u32>>), Nullable::Absent);
        let converted: Option<Option<u32>> = convert::<_, E>(Some(Some(serde_json::json!(5)))).unwrap();
        assert_eq!(converted, Some(Some(5)));
    }

    #[test]
    fn buffered_lookups() {
        let value = serde_json::json!({"kind": "A", "n": null});
        assert!(has(&value, "n"));
        assert!(!has(&value, "m"));
        assert_eq!(str_at(&value, "kind"), Some("A"));
        assert!(is_integer(&serde_json::json!(3)) && is_integer(&serde_json::json!(u64::MAX)));
        assert!(!is_integer(&serde_json::json!(1.5)));
        assert!(one_of(Some("A"), &["A", "B"]) && !one_of(Some("C"), &["A"]) && !one_of(None, &["A"]));
        assert_eq!(slot_str(&Some(Some(serde_json::json!("x")))), Some("x"));
    }

    #[test]
    fn an_unknown_variant_keeps_its_payload_and_tag() {
        let payload = serde_json::json!({"kind": "crypto", "wallet": "w-1"});
        let unknown = UnknownVariant::new(payload.clone(), "kind");
        assert_eq!(unknown.tag(), Some("crypto"));
        assert_eq!(unknown.as_json(), &payload);
        assert_eq!(serde_json::to_value(&unknown).unwrap(), payload);
        assert_eq!(UnknownVariant::new(serde_json::json!([1]), "kind").tag(), None);
    }
}
