//! Documents the generator takes although it cannot type everything in them exactly
//! (`tests/accepted/*`): generation succeeds, and what was given up is reported as
//! [`generator::Warning`]s in the [`generator::Output`], each naming its JSON pointer.

use std::path::PathBuf;

use generator::Output;

fn generate(name: &str) -> Output {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/accepted").join(name);
    generator::generate(&path).unwrap_or_else(|err| panic!("{name}: generation failed:\n{err}"))
}

/// The warnings of `output` as `(location, message)`, for a whole-list comparison.
fn warnings(output: &Output) -> Vec<(&str, &str)> {
    output.warnings.iter().map(|w| (w.location.as_str(), w.message.as_str())).collect()
}

/// The generated files joined, to look for a type.
fn all_code(output: &Output) -> String {
    output.files.values().cloned().collect::<Vec<_>>().join("\n")
}

#[test]
fn not_is_dropped_with_a_warning() {
    let output = generate("not_schema.yaml");
    assert_eq!(
        warnings(&output),
        [(
            "#/components/schemas/Thing/properties/code/not",
            "`not` is not enforced: the type accepts values the document excludes; to type it precisely, list what is allowed (an `enum`, or a `oneOf` of the allowed schemas) instead"
        )]
    );
    assert_eq!(
        output.warnings[0].to_string(),
        format!("warning: {}: {}", output.warnings[0].location, output.warnings[0].message)
    );
}

#[test]
fn an_array_without_items_is_a_list_of_any_json() {
    let output = generate("array_without_items.yaml");
    assert_eq!(
        warnings(&output),
        [(
            "#/components/schemas/Things/properties/tags",
            "an array without `items` is typed as a list of any JSON values; add `items` with the schema of one element"
        )]
    );
    assert!(all_code(&output).contains("::std::vec::Vec<::serde_json::Value>"), "tags: a list of JSON values");
}

#[test]
fn openapi_31_is_read() {
    let output = generate("openapi_31.yaml");
    assert_eq!(warnings(&output), []);
    assert_eq!(output.summary.operations, 1);
}

#[test]
fn a_type_list_with_null_is_a_nullable_type() {
    let output = generate("openapi_31_type_array.yaml");
    assert_eq!(warnings(&output), []);
    // An optional property that may also be null: absent, null, or a string.
    assert!(
        all_code(&output).contains("pub name: crate::runtime::Nullable<::std::string::String>"),
        "name: a nullable string"
    );
}

/// 3.1 forms, in a JSON document with JSON escapes and an integer beyond 64 bits, give
/// the types their 3.0 spellings would, without a warning: nothing is given up.
#[test]
fn openapi_31_forms_need_no_warning() {
    let output = generate("openapi_31_forms.json");
    assert_eq!(warnings(&output), []);
    assert_eq!(output.summary.operations, 1);
    let code = all_code(&output);
    assert!(code.contains("pet_born"), "`webhooks` are read as webhooks");
    assert!(code.contains("Who feeds it."), "a `$ref` keeps the description beside it");
    assert!(code.contains("pub name: ::std::option::Option<::std::string::String>"), "`type: [string, 'null']`");
    assert!(
        code.contains("pub tag: crate::runtime::Nullable<::std::string::String>"),
        "`anyOf: [string, {{type: 'null'}}]`"
    );
    assert!(code.contains("pub kind: crate::types::PetKind"), "`const` is a one-value enum");
}

/// The committed document is typed exactly: CI runs codegen with --deny-warnings.
#[test]
fn the_upvest_document_has_no_warnings() {
    let spec = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/upvest.yaml");
    let output = generator::generate(&spec).unwrap_or_else(|err| panic!("spec/upvest.yaml: {err}"));
    assert_eq!(warnings(&output), []);
}

/// Constructs once refused: now generated, with the warnings each gives (if any) and
/// a name or type in the output that shows how it was taken.
#[test]
fn constructs_once_refused_are_generated() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("colliding_names.yaml", &[], "pub struct UserTol2"),
        ("colliding_properties.yaml", &[], "pub created_at_2:"),
        ("cookie_param.yaml", &["the cookie parameter `session` cannot be set"], "pub fn get_a("),
        ("discriminator_inline_branch.yaml", &["the `discriminator` is not used"], "pub enum P"),
        (
            "indistinguishable_union.yaml",
            &["union branches `Left` and `Right` cannot be told apart"],
            "pub enum Either",
        ),
        ("mixed_success_bodies.yaml", &[], "Status201(::bytes::Bytes)"),
        ("xml_request_body.yaml", &[], "body: ::bytes::Bytes"),
        ("no_servers.yaml", &[], "default_base_url: \"\""),
    ];
    for (name, expected, shows) in cases {
        let output = generate(name);
        let messages: Vec<&str> = output.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(messages.len(), expected.len(), "{name}: {messages:?}");
        for (message, fragment) in messages.iter().zip(expected.iter()) {
            assert!(message.contains(fragment), "{name}: `{message}` lacks `{fragment}`");
        }
        assert!(all_code(&output).contains(shows), "{name}: the output lacks `{shows}`");
    }
}

/// Multipart bodies the client cannot split into parts (another multipart type than
/// `multipart/form-data`, or no object schema) are bytes the caller encodes, sent
/// with the document's media type, and each says so.
#[test]
fn multipart_bodies_without_an_object_are_bytes_with_a_warning() {
    let output = generate("multipart_fallbacks.yaml");
    assert_eq!(
        warnings(&output),
        [
            (
                "#/paths/~1mixed/post/requestBody/content/multipart~1mixed",
                "a `multipart/mixed` body is taken as bytes the caller encodes, sent with this content type (no boundary parameter): the client builds only `multipart/form-data` bodies"
            ),
            (
                "#/paths/~1no-schema/post/requestBody/content/multipart~1form-data",
                "a `multipart/form-data` body without an object schema is taken as bytes the caller encodes, sent with this content type (no boundary parameter): give it an object schema whose properties are its parts"
            ),
            (
                "#/paths/~1raw-form/post/requestBody/content/multipart~1form-data",
                "a `multipart/form-data` body without an object schema is taken as bytes the caller encodes, sent with this content type (no boundary parameter): give it an object schema whose properties are its parts"
            ),
        ]
    );
    let code = all_code(&output);
    assert_eq!(code.matches("crate::runtime::Body::raw(").count(), 3, "three bodies of bytes");
    assert!(!code.contains("FilePart"), "no multipart part in the runtime");
}

/// A union of strings told apart by `pattern` is a newtype checked against every
/// branch, without a warning; a branch's pattern the client cannot run is named in a
/// warning (that branch then takes any string, so the union is a plain string);
/// branches told apart otherwise are one unchecked string, with a warning.
#[test]
fn string_unions_keep_their_patterns() {
    let output = generate("string_unions.yaml");
    let union = "the branches of this union are all `string`, told apart only by `pattern`, `format` or length, which the client does not check: typed as that one type; give every branch a `pattern` to keep each branch's checks";
    let cannot_run = |pattern: &str| {
        format!("the pattern `{pattern}` is not a regular expression the client can run (look-around and back-references are not supported): this branch's values are not checked against it; rewrite it without them")
    };
    assert_eq!(
        warnings(&output),
        [
            // Named where it is written: in the component the branch refers to.
            ("#/components/schemas/Doubled/pattern", cannot_run("^(a)\\1$").as_str()),
            ("#/components/schemas/Thing/properties/contact", union),
            ("#/components/schemas/Thing/properties/lookahead/oneOf/0/pattern", cannot_run("^(?=a)").as_str()),
            ("#/components/schemas/Thing/properties/partly", union),
        ]
    );
    let code = all_code(&output);
    assert!(code.contains("pub struct ThingId(pub ::std::string::String);"), "id: a newtype");
    assert!(code.contains("Some(\"^urn:uuid:\")"), "id: its second form is checked");
    // A branch whose pattern cannot run takes any string, and so does the union.
    assert!(code.contains("pub lookahead: ::std::option::Option<::std::string::String>,"), "lookahead: a string");
    assert!(code.contains("pub contact: ::std::option::Option<::std::string::String>,"), "contact: a string");
    assert!(code.contains("pub partly: ::std::option::Option<::std::string::String>,"), "partly: a string");
}

/// Inline schemas nested past the generator's depth limit become JSON with a warning,
/// so a hostile document cannot exhaust the stack (this runs on a test thread's stack).
#[test]
fn deeply_nested_schemas_are_cut_with_a_warning() {
    let mut schema = String::from("{type: string}");
    for level in 0..40 {
        schema = format!("{{type: object, properties: {{p{level}: {schema}}}}}");
    }
    let doc = format!(
        "openapi: 3.0.3\ninfo: {{title: deep, version: '1'}}\npaths:\n  /a:\n    get:\n      operationId: get_a\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {schema}\n"
    );
    let output = generator::generate_from_str(&doc).expect("a deep document generates");
    let messages: Vec<&str> = output.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("nested more than")), "{messages:?}");
}
