//! One test per normalisation, on small inline schemas.

use serde_json::{json, Value};

use super::Normaliser;
use crate::load::origins::Origins;
use crate::warning::Warnings;
use openapiv3::{SchemaKind, Type};

/// The schema normalised at `#/s`, with the warnings as displayed.
fn normalised(mut schema: Value) -> (Value, Vec<String>) {
    let root = json!({"components": {"schemas": {"Obj": {"type": "object"}, "Str": {"type": ["string"]}, "Null": {"type": ["string", "null"]}}}});
    let mut warnings = Warnings::default();
    let moved = vec![("#/components/schemas/Obj/$defs/D".to_owned(), "#/components/schemas/Obj_D".to_owned())];
    Normaliser::new(&root, moved, &mut warnings, &mut Origins::default()).schema(&mut schema, "#/s");
    (schema, warnings.into_sorted().iter().map(ToString::to_string).collect())
}

/// The normalised schema, which must give no warning.
fn exact(schema: Value) -> Value {
    let (schema, warnings) = normalised(schema);
    assert_eq!(warnings, Vec::<String>::new());
    schema
}

/// What `openapiv3` reads from a normalised schema.
fn typed(schema: &Value) -> openapiv3::Schema {
    serde_json::from_value(schema.clone()).expect("a normalised schema is a 3.0 schema")
}

#[test]
fn a_type_list_with_null_is_a_nullable_type() {
    let schema = exact(json!({"type": ["string", "null"], "maxLength": 3}));
    assert_eq!(schema, json!({"nullable": true, "type": "string", "maxLength": 3}));
    let typed = typed(&schema);
    assert!(typed.schema_data.nullable);
    assert!(matches!(typed.schema_kind, SchemaKind::Type(Type::String(s)) if s.max_length == Some(3)));
}

#[test]
fn a_type_list_of_several_types_is_an_any_of_typed_copies() {
    let schema = exact(json!({
        "description": "d",
        "type": ["string", "integer", "null"],
        "maxLength": 3,
        "minimum": 1,
        "enum": ["a", 2, null]
    }));
    assert_eq!(
        schema,
        json!({
            "description": "d",
            "nullable": true,
            "anyOf": [
                {"type": "string", "enum": ["a"], "maxLength": 3},
                {"type": "integer", "enum": [2], "minimum": 1}
            ]
        })
    );
    assert!(matches!(typed(&schema).schema_kind, SchemaKind::AnyOf { any_of } if any_of.len() == 2));
}

#[test]
fn type_null_alone_is_a_null_only_enum() {
    let schema = exact(json!({"type": "null", "description": "nothing"}));
    assert_eq!(schema, json!({"description": "nothing", "nullable": true, "enum": [null]}));
    let typed = typed(&schema);
    assert!(matches!(typed.schema_kind, SchemaKind::Any(any) if any.enumeration == [Value::Null]));
    assert_eq!(exact(json!({"type": ["null"]})), json!({"nullable": true, "enum": [null]}));
}

#[test]
fn const_is_a_one_value_enum() {
    let schema = exact(json!({"type": "string", "const": "pet"}));
    assert_eq!(schema, json!({"type": "string", "enum": ["pet"]}));
    assert!(
        matches!(typed(&schema).schema_kind, SchemaKind::Type(Type::String(s)) if s.enumeration == [Some("pet".to_owned())])
    );
}

#[test]
fn examples_become_the_first_example() {
    assert_eq!(exact(json!({"type": "string", "examples": ["a", "b"]})), json!({"type": "string", "example": "a"}));
    assert_eq!(
        exact(json!({"type": "string", "example": "x", "examples": ["a"]})),
        json!({"type": "string", "example": "x"})
    );
}

#[test]
fn numeric_exclusive_bounds_become_boolean_ones() {
    let schema = exact(json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "maximum": 5}));
    assert_eq!(schema, json!({"type": "integer", "exclusiveMinimum": true, "minimum": 0, "maximum": 5}));
    assert!(matches!(typed(&schema).schema_kind,
        SchemaKind::Type(Type::Integer(i)) if i.exclusive_minimum && !i.exclusive_maximum && i.minimum == Some(0) && i.maximum == Some(5)));
    // The 3.0 form is left alone.
    let schema = json!({"type": "number", "minimum": 1.5, "exclusiveMinimum": true});
    assert_eq!(exact(schema.clone()), schema);
}

#[test]
fn a_ref_with_siblings_is_an_all_of_of_the_ref() {
    assert_eq!(
        exact(json!({"$ref": "#/components/schemas/Obj", "description": "d", "nullable": true})),
        json!({"description": "d", "nullable": true, "allOf": [{"$ref": "#/components/schemas/Obj"}]})
    );
    // Extensions and JSON Schema identifiers beside a `$ref` change nothing.
    let plain = json!({"$ref": "#/components/schemas/Obj", "x-internal": true, "$comment": "c"});
    assert_eq!(exact(plain.clone()), plain);
}

#[test]
fn a_ref_beside_a_type_it_already_has_stays_a_decorated_ref() {
    let schema = exact(json!({"$ref": "#/components/schemas/Obj", "type": "object", "title": "t"}));
    assert_eq!(schema, json!({"title": "t", "allOf": [{"$ref": "#/components/schemas/Obj"}]}));
}

#[test]
fn not_is_dropped_with_a_warning_at_its_pointer() {
    let (schema, warnings) = normalised(json!({"type": "string", "not": {"enum": ["x"]}}));
    assert_eq!(schema, json!({"type": "string"}));
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].starts_with("warning: #/s/not: `not` is not enforced"), "{warnings:?}");
    let (schema, _) = normalised(json!({"not": {"type": "null"}}));
    assert_eq!(schema, json!({}));
}

#[test]
fn an_array_without_items_holds_any_json() {
    let (schema, warnings) = normalised(json!({"type": "array", "minItems": 1}));
    assert_eq!(schema, json!({"type": "array", "minItems": 1, "items": {}}));
    assert_eq!(warnings, ["warning: #/s: an array without `items` is typed as a list of any JSON values; add `items` with the schema of one element"]);
    assert!(matches!(typed(&schema).schema_kind, SchemaKind::Type(Type::Array(a)) if a.items.is_some()));
}

#[test]
fn keywords_of_other_types_neither_fail_nor_change_the_type() {
    let schema =
        exact(json!({"type": "string", "minItems": 1, "minimum": 3, "properties": {"a": {}}, "pattern": "^a"}));
    assert_eq!(schema, json!({"type": "string", "pattern": "^a"}));
    assert!(matches!(typed(&schema).schema_kind, SchemaKind::Type(Type::String(_))));
    let schema = exact(json!({"type": "boolean", "format": "flag", "maxLength": 2}));
    assert!(matches!(typed(&schema).schema_kind, SchemaKind::Type(Type::Boolean(_))));
}

#[test]
fn enum_values_of_another_type_are_left_out_with_a_warning() {
    let (schema, warnings) = normalised(json!({"type": "string", "enum": ["a", 1, null]}));
    assert_eq!(schema, json!({"type": "string", "enum": ["a", null]}));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("warning: #/s/enum: "), "{warnings:?}");
}

#[test]
fn integer_bounds_written_as_floats_are_integers() {
    let schema = exact(json!({"type": "integer", "minimum": 0.5, "maximum": -9.223372036854776e18, "multipleOf": 2.0}));
    assert_eq!(schema, json!({"type": "integer", "minimum": 1, "maximum": i64::MIN, "multipleOf": 2}));
    assert!(matches!(typed(&schema).schema_kind, SchemaKind::Type(Type::Integer(_))));
    let (schema, warnings) = normalised(json!({"type": "integer", "multipleOf": 0.5, "maximum": 1e30}));
    assert_eq!(schema, json!({"type": "integer"}));
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}

#[test]
fn composition_beside_a_type_part_is_an_all_of_of_the_parts() {
    let schema = exact(json!({
        "description": "d",
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "oneOf": [{"$ref": "#/components/schemas/Obj"}],
        "anyOf": [{"required": ["a"]}],
        "discriminator": {"propertyName": "a"},
        "x-ext": 1
    }));
    assert_eq!(
        schema,
        json!({
            "description": "d",
            "x-ext": 1,
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}},
                {"oneOf": [{"$ref": "#/components/schemas/Obj"}], "discriminator": {"propertyName": "a"}},
                {"anyOf": [{"required": ["a"]}]}
            ]
        })
    );
    assert!(matches!(typed(&schema).schema_kind, SchemaKind::AllOf { all_of } if all_of.len() == 3));
}

#[test]
fn an_all_of_member_that_only_documents_documents_the_schema() {
    let schema = exact(json!({
        "description": "outer",
        "allOf": [{"$ref": "#/components/schemas/Obj"}, {"nullable": true, "description": "inner", "x-e": 1}]
    }));
    assert_eq!(
        schema,
        json!({"description": "outer", "allOf": [{"$ref": "#/components/schemas/Obj"}], "nullable": true, "x-e": 1})
    );
    assert_eq!(
        exact(json!({"allOf": [{"description": "a"}, {"nullable": true}]})),
        json!({"description": "a", "nullable": true})
    );
    // A lone member is left alone: it is the whole schema.
    let single = json!({"allOf": [{"description": "d"}]});
    assert_eq!(exact(single.clone()), single);
}

#[test]
fn a_type_the_members_already_have_is_not_a_part_of_its_own() {
    let schema = json!({"type": "object", "allOf": [{"$ref": "#/components/schemas/Obj"}]});
    assert_eq!(exact(schema), json!({"allOf": [{"$ref": "#/components/schemas/Obj"}]}));
    let schema =
        json!({"type": "string", "oneOf": [{"$ref": "#/components/schemas/Str"}, {"type": "string", "enum": ["a"]}]});
    assert_eq!(
        exact(schema),
        json!({"oneOf": [{"$ref": "#/components/schemas/Str"}, {"type": "string", "enum": ["a"]}]})
    );
    // A member of another type: the type is a real constraint and stays.
    let schema = exact(json!({"type": "string", "anyOf": [{"$ref": "#/components/schemas/Obj"}, {"type": "string"}]}));
    assert_eq!(schema["allOf"][0], json!({"type": "string"}));
}

#[test]
fn a_tuple_is_a_list_of_any_of_its_item_schemas() {
    let (schema, warnings) =
        normalised(json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false}));
    assert_eq!(schema, json!({"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}));
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].starts_with("warning: #/s/prefixItems: "), "{warnings:?}");
    let (schema, _) = normalised(json!({"type": "array", "items": [{"type": "string"}], "additionalItems": false}));
    assert_eq!(schema, json!({"type": "array", "items": {"type": "string"}}));
}

#[test]
fn boolean_schemas() {
    let (schema, warnings) = normalised(json!({
        "type": "object",
        "properties": {"any": true, "gone": false},
        "additionalProperties": false
    }));
    assert_eq!(schema, json!({"type": "object", "properties": {"any": {}}, "additionalProperties": false}));
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].starts_with("warning: #/s/properties/gone: "), "{warnings:?}");
    let (schema, warnings) = normalised(json!({"allOf": [false]}));
    assert_eq!(schema, json!({"allOf": [{}]}));
    assert!(warnings[0].starts_with("warning: #/s/allOf/0: the schema `false`"), "{warnings:?}");
}

#[test]
fn unenforced_keywords_are_dropped_with_a_warning() {
    let (schema, warnings) =
        normalised(json!({"type": "object", "propertyNames": {"pattern": "^a"}, "if": {}, "then": {}}));
    assert_eq!(schema, json!({"type": "object"}));
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings.iter().all(|w| w.contains("is not enforced")), "{warnings:?}");
}

#[test]
fn encoded_strings_get_their_30_format() {
    assert_eq!(
        exact(json!({"type": "string", "contentEncoding": "base64"})),
        json!({"type": "string", "format": "byte"})
    );
    assert_eq!(
        exact(json!({"type": "string", "contentMediaType": "image/png"})),
        json!({"type": "string", "format": "binary"})
    );
    assert_eq!(exact(json!({"type": "string", "contentMediaType": "application/json"})), json!({"type": "string"}));
}

#[test]
fn data_is_not_normalised() {
    let data = json!({"$ref": "#/nowhere", "type": ["a", "null"], "not": {}, "const": 1});
    let schema = exact(json!({"type": "object", "example": data, "default": data, "enum": [data], "x-data": data}));
    assert_eq!(schema, json!({"type": "object", "example": data, "default": data, "enum": [data], "x-data": data}));
}

#[test]
fn warnings_name_the_pointer_as_written_when_the_parent_is_restructured() {
    let (schema, warnings) = normalised(json!({
        "$ref": "#/components/schemas/Obj",
        "properties": {"a": {"type": "string", "not": {"const": ""}}}
    }));
    assert_eq!(schema["allOf"][0]["properties"]["a"], json!({"type": "string"}));
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].starts_with("warning: #/s/properties/a/not: "), "{warnings:?}");
}

#[test]
fn references_follow_a_moved_schema() {
    let schema = exact(json!({
        "oneOf": [{"$ref": "#/components/schemas/Obj/$defs/D"}, {"$ref": "#/components/schemas/Obj/$defs/Dx"}],
        "discriminator": {"propertyName": "k", "mapping": {"d": "#/components/schemas/Obj/$defs/D/properties/p"}}
    }));
    assert_eq!(schema["oneOf"][0]["$ref"], "#/components/schemas/Obj_D");
    assert_eq!(schema["oneOf"][1]["$ref"], "#/components/schemas/Obj/$defs/Dx");
    assert_eq!(schema["discriminator"]["mapping"]["d"], "#/components/schemas/Obj_D/properties/p");
}

#[test]
fn a_recursive_ref_is_a_ref_to_its_component() {
    let mut warnings = Warnings::default();
    let mut schema = json!({
        "$recursiveAnchor": true,
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$recursiveRef": "#"}}}
    });
    Normaliser::new(&json!({}), Vec::new(), &mut warnings, &mut Origins::default())
        .schema(&mut schema, "#/components/schemas/Tree");
    assert_eq!(
        schema,
        json!({"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}})
    );
    assert!(warnings.into_sorted().is_empty());
    let (schema, warnings) = normalised(json!({"$dynamicRef": "#node"}));
    assert_eq!(schema, json!({}));
    assert!(warnings[0].starts_with("warning: #/s/$dynamicRef: "), "{warnings:?}");
}

#[test]
fn counts_written_as_floats_are_integers() {
    let (schema, warnings) = normalised(json!({"type": "string", "maxLength": 255.0, "minLength": -1}));
    assert_eq!(schema, json!({"type": "string", "maxLength": 255}));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("warning: #/s/minLength: "), "{warnings:?}");
}

#[test]
fn a_draft_3_required_flag_moves_to_the_parent() {
    let schema = exact(json!({
        "type": "object",
        "required": ["a"],
        "properties": {"a": {"type": "string", "required": true}, "b": {"type": "string", "required": true}, "c": {"type": "string", "required": false}}
    }));
    assert_eq!(schema["required"], json!(["a", "b"]));
    assert_eq!(schema["properties"]["b"], json!({"type": "string"}));
    assert_eq!(schema["properties"]["c"], json!({"type": "string"}));
}

#[test]
fn normalising_twice_changes_nothing() {
    let once = exact(json!({
        "type": ["object", "null"],
        "properties": {"a": {"type": ["string", "integer"], "const": "x"}, "b": {"$ref": "#/components/schemas/Obj", "title": "b"}},
        "oneOf": [{"type": "null"}, {"required": ["a"]}]
    }));
    assert_eq!(exact(once.clone()), once);
}
