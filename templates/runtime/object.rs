//! Decoding of generated structs from JSON objects.
//!
//! The generator writes, per struct, only what differs between structs: which
//! property goes to which field and which fields are required
//! ([`Object::read`]). The visitor, the property names and the errors are
//! here, once. Serde's derive would write all of them again for every struct
//! (a field-name enum with its own decoder, and a second decoder from arrays),
//! which made up almost half of a large generated crate's compile time.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Error, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A struct decoded from a JSON object by generated code.
pub trait Object<'de>: Sized {
    /// What a payload of another shape should have been, for the error.
    const EXPECTING: &'static str;

    /// Reads every property of the object and builds the value.
    fn read<A: MapAccess<'de>>(object: Properties<A>) -> Result<Self, A::Error>;
}

/// Decodes `T` from an object, and only from one: serde's derive would also
/// accept an array, matching values to fields by position.
pub fn decode<'de, D: Deserializer<'de>, T: Object<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Object<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::read(Properties(map))
    }
}

/// The properties of the object being decoded, with what a generated decoder
/// does with each: keep it in its field's slot, read past it, or take it as an
/// extra property.
pub struct Properties<A>(A);

impl<'de, A: MapAccess<'de>> Properties<A> {
    /// The next property's name; `None` after the last.
    pub fn next_key(&mut self) -> Result<Option<Key<'de>>, A::Error> {
        self.0.next_key()
    }

    /// Reads the value of property `name` into its slot; a second value for
    /// the same property is an error, as with serde's derive.
    pub fn take<T: Deserialize<'de>>(&mut self, slot: &mut Option<T>, name: &'static str) -> Result<(), A::Error> {
        if slot.is_some() {
            return Err(A::Error::duplicate_field(name));
        }
        *slot = Some(self.0.next_value()?);
        Ok(())
    }

    /// Reads past the value of a property the struct does not declare.
    pub fn skip(&mut self) -> Result<(), A::Error> {
        self.0.next_value::<IgnoredAny>().map(drop)
    }

    /// The value of a property kept beyond the declared ones.
    pub fn value<T: Deserialize<'de>>(&mut self) -> Result<T, A::Error> {
        self.0.next_value()
    }

    /// The value of required property `name`, once every property is read.
    pub fn required<T>(&self, slot: Option<T>, name: &'static str) -> Result<T, A::Error> {
        slot.ok_or_else(|| A::Error::missing_field(name))
    }
}

/// A property name, borrowed from the input when it can be.
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as an owned string, for properties kept beyond the declared ones.
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a property name")
    }

    fn visit_borrowed_str<E: Error>(self, value: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(value)))
    }

    fn visit_str<E: Error>(self, value: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E: Error>(self, value: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(value)))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// What the generator writes for `{id: integer (required), name: string,
    /// additionalProperties: true}`.
    #[derive(Debug, PartialEq)]
    struct Pet {
        id: i64,
        name: Option<String>,
        additional_properties: BTreeMap<String, serde_json::Value>,
    }

    impl<'de> Deserialize<'de> for Pet {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            decode(deserializer)
        }
    }

    impl<'de> Object<'de> for Pet {
        const EXPECTING: &'static str = "struct Pet";

        fn read<A: MapAccess<'de>>(mut object: Properties<A>) -> Result<Self, A::Error> {
            let mut id = None;
            let mut name = None;
            let mut additional_properties = BTreeMap::new();
            while let Some(key) = object.next_key()? {
                match key.as_str() {
                    "id" => object.take(&mut id, "id")?,
                    "name" => object.take(&mut name, "name")?,
                    _ => {
                        additional_properties.insert(key.into_string(), object.value()?);
                    }
                }
            }
            Ok(Pet { id: object.required(id, "id")?, name: name.unwrap_or_default(), additional_properties })
        }
    }

    /// The same struct without extra properties: unknown ones are read past.
    #[derive(Debug, PartialEq)]
    struct Tag {
        label: String,
    }

    impl<'de> Deserialize<'de> for Tag {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            decode(deserializer)
        }
    }

    impl<'de> Object<'de> for Tag {
        const EXPECTING: &'static str = "struct Tag";

        fn read<A: MapAccess<'de>>(mut object: Properties<A>) -> Result<Self, A::Error> {
            let mut label = None;
            while let Some(key) = object.next_key()? {
                match key.as_str() {
                    "label" => object.take(&mut label, "label")?,
                    _ => object.skip()?,
                }
            }
            Ok(Tag { label: object.required(label, "label")? })
        }
    }

    #[test]
    fn fields_optional_ones_and_extra_properties_are_read() {
        let pet: Pet = serde_json::from_str(r#"{"name":"Rex","id":7,"colour":"brown"}"#).unwrap();
        assert_eq!(pet.id, 7);
        assert_eq!(pet.name.as_deref(), Some("Rex"));
        assert_eq!(pet.additional_properties["colour"], "brown");

        let pet: Pet = serde_json::from_str(r#"{"id":7,"name":null}"#).unwrap();
        assert_eq!(pet.name, None);
        assert!(pet.additional_properties.is_empty());
    }

    #[test]
    fn unknown_properties_are_read_past() {
        let tag: Tag = serde_json::from_str(r#"{"x":{"deep":[1,{"y":null}]},"label":"a","z":2}"#).unwrap();
        assert_eq!(tag, Tag { label: "a".into() });
    }

    #[test]
    fn escaped_property_names_are_matched() {
        let tag: Tag = serde_json::from_str(r#"{"l\u0061bel":"a"}"#).unwrap();
        assert_eq!(tag.label, "a");
        let tag: Tag = serde_json::from_value(serde_json::json!({"label": "b"})).unwrap();
        assert_eq!(tag.label, "b");
    }

    #[test]
    fn errors_name_the_field_as_serde_does() {
        let missing = serde_json::from_str::<Pet>(r#"{"name":"Rex"}"#).unwrap_err();
        assert_eq!(missing.to_string(), "missing field `id` at line 1 column 14");
        let twice = serde_json::from_str::<Pet>(r#"{"id":1,"id":2}"#).unwrap_err();
        assert!(twice.to_string().starts_with("duplicate field `id`"), "{twice}");
        let wrong = serde_json::from_str::<Pet>(r#"{"id":"seven"}"#).unwrap_err();
        assert!(wrong.to_string().starts_with("invalid type: string \"seven\", expected i64"), "{wrong}");
    }

    #[test]
    fn only_objects_are_taken() {
        let array = serde_json::from_str::<Tag>(r#"["a"]"#).unwrap_err();
        assert!(array.to_string().starts_with("invalid type: sequence, expected struct Tag"), "{array}");
        let string = serde_json::from_value::<Tag>(serde_json::json!("a")).unwrap_err();
        assert_eq!(string.to_string(), "invalid type: string \"a\", expected struct Tag");
    }

    #[test]
    fn errors_keep_their_path() {
        let json = r#"{"pets":[{"id":1},{"id":"two"}]}"#;
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Page {
            pets: Vec<Pet>,
        }
        let error =
            serde_path_to_error::deserialize::<_, Page>(&mut serde_json::Deserializer::from_str(json)).unwrap_err();
        assert_eq!(error.path().to_string(), "pets[1].id");
    }
}
