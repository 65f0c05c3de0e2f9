//! One small OpenAPI document per construct (`tests/fixtures/*.yaml`), and an insta
//! snapshot of the Rust the generator emits for it (`tests/snapshots/*.snap`).
//!
//! Update after an intended change with
//! `INSTA_UPDATE=always cargo test -p upvest-generator --test snapshots`, then review
//! every changed `.snap` by eye before committing. CI sets `CI=true`, so a mismatch
//! fails instead of writing a new snapshot.
//!
//! Where a snapshot alone would hide a rule the output must follow (a union decoded
//! by the rules of `model/union.rs`, a recursive field that must be boxed, ...), the
//! test also asserts that rule, so a regression names the rule, not just a diff.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.yaml"))
}

/// Generates the crate from `tests/fixtures/<name>.yaml`; a panic or an error fails
/// the test with the generator's own message.
fn generate(name: &str) -> BTreeMap<String, String> {
    let path = fixture_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    match catch_unwind(AssertUnwindSafe(|| generator::generate_from_str(&text))) {
        Ok(Ok(output)) => output.files,
        Ok(Err(err)) => panic!("fixture {name}: the generator rejected the document:\n{err}"),
        Err(panic) => panic!(
            "fixture {name}: the generator panicked: {}",
            panic_message(&panic)
        ),
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(no message)".to_owned())
}

fn file<'a>(files: &'a BTreeMap<String, String>, path: &str) -> &'a str {
    files.get(path).unwrap_or_else(|| {
        panic!(
            "no {path} in the output; files: {:?}",
            files.keys().collect::<Vec<_>>()
        )
    })
}

/// Snapshots `src/types.rs` and, for each tag given, `src/operations/<tag>.rs`.
fn snapshot(name: &str, tags: &[&str]) -> BTreeMap<String, String> {
    let files = generate(name);
    insta::assert_snapshot!(format!("{name}__types"), file(&files, "src/types.rs"));
    for tag in tags {
        insta::assert_snapshot!(
            format!("{name}__operations_{tag}"),
            file(&files, &format!("src/operations/{tag}.rs"))
        );
    }
    assert_modules_have_files(&files);
    files
}

/// The text of one item (`pub struct Name`, `impl Trait for Name`, ...) in a
/// prettyplease-formatted file: from the line starting with `head` to the next
/// line that closes a top-level item.
fn item<'a>(source: &'a str, head: &str) -> &'a str {
    let start = source
        .lines()
        .scan(0usize, |offset, line| {
            let at = *offset;
            *offset += line.len() + 1;
            Some((at, line))
        })
        .find(|(_, line)| line.starts_with(head))
        .map(|(at, _)| at)
        .unwrap_or_else(|| panic!("no item starting with `{head}` in:\n{source}"));
    let rest = &source[start..];
    // A braced item ends at the first `}` in column 0; `pub type X = ...;` and tuple
    // structs at their first `;` at the end of a line.
    let braced = rest
        .lines()
        .next()
        .is_some_and(|line| line.trim_end().ends_with('{'));
    let end = if braced {
        rest.find("\n}\n").map(|i| i + 3)
    } else {
        rest.find(";\n").map(|i| i + 2)
    }
    .unwrap_or(rest.len());
    &rest[..end]
}

/// Without whitespace, so a check does not depend on where prettyplease breaks lines.
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn contains(haystack: &str, needle: &str) -> bool {
    compact(haystack).contains(&compact(needle))
}

fn assert_contains(haystack: &str, needle: &str, why: &str) {
    assert!(
        contains(haystack, needle),
        "{why}\nexpected to find `{needle}` in:\n{haystack}"
    );
}

fn assert_lacks(haystack: &str, needle: &str, why: &str) {
    assert!(
        !contains(haystack, needle),
        "{why}\nexpected no `{needle}` in:\n{haystack}"
    );
}

/// Position of `needle` in `haystack` (both compacted), for order checks.
fn position(haystack: &str, needle: &str) -> usize {
    compact(haystack)
        .find(&compact(needle))
        .unwrap_or_else(|| panic!("expected to find `{needle}` in:\n{haystack}"))
}

#[test]
fn byol_tol_anyof() {
    let files = snapshot("byol_tol_anyof", &["users"]);
    let types = file(&files, "src/types.rs");
    let user = item(types, "impl<'de> ::serde::Deserialize<'de> for User ");
    // The tighter fit (BYOL, fewer properties) is tried first, but only claims a
    // payload without any TOL-only property: a TOL payload is never cut down to BYOL.
    let byol = position(user, "Self::Byol(");
    let tol = position(user, "Self::Tol(");
    assert!(
        byol < tol,
        "BYOL (the subset) must be tried before TOL:\n{user}"
    );
    let user = compact(user);
    let byol_condition = &user[..byol];
    let byol_condition = &byol_condition[byol_condition.rfind("if").unwrap()..];
    assert_contains(
        byol_condition,
        "slots.email.is_none()",
        "BYOL may only claim a payload without the TOL-only `email`",
    );
    assert_contains(
        byol_condition,
        "slots.phone_number.is_none()",
        "BYOL may only claim a payload without the TOL-only `phone_number`",
    );
    assert_contains(
        types,
        "pub enum User {",
        "the anyOf is one union type named after the component",
    );
}

#[test]
fn null_branches() {
    let files = snapshot("null_branches", &["people"]);
    let types = file(&files, "src/types.rs");
    let person = item(types, "pub struct Person ");
    // Required + nullable: `Option<Address>`, always sent.
    assert_contains(
        person,
        "pub postal_address: ::std::option::Option<crate::types::Address>",
        "`oneOf[X, {enum: [null]}]` is a nullable X",
    );
    assert_contains(
        person,
        "pub home_address: ::std::option::Option<crate::types::Address>",
        "`oneOf[X, {type: 'null'}]` is a nullable X",
    );
    // Optional + nullable: three states.
    assert_contains(
        person,
        "pub work_address: crate::runtime::Nullable<crate::types::Address>",
        "`anyOf[X, $ref to a null schema]` is a nullable X",
    );
    assert_contains(
        person,
        "pub nickname: crate::runtime::Nullable<::std::string::String>",
        "`oneOf[string, {type: 'null'}]` is a nullable string",
    );
}

#[test]
fn empty_list_branch() {
    let files = snapshot("empty_list_branch", &["users"]);
    let types = file(&files, "src/types.rs");
    // The list is a list of the user union, never a list of raw JSON.
    assert_contains(
        types,
        "pub type Users = ::std::vec::Vec<crate::types::User>;",
        "oneOf[anyOf[list A, list B], empty list] is a list of the A/B union",
    );
    assert_contains(
        types,
        "pub enum User {",
        "the items of the two lists form one union",
    );
}

#[test]
fn empty_string_enum() {
    let files = snapshot("empty_string_enum", &["profiles"]);
    let types = file(&files, "src/types.rs");
    let salutation = item(types, "pub enum Salutation ");
    assert_contains(
        salutation,
        "#[default]\n    Unspecified,",
        "the `\"\"` default is the default variant",
    );
    let title = item(types, "pub enum Title ");
    assert_contains(
        title,
        "#[default]\n    Unspecified,",
        "a default outside the enum values becomes a variant and the default",
    );
    assert_contains(
        types,
        "Self::Unspecified => \"\",",
        "the `\"\"` variant is sent as the empty string",
    );
}

#[test]
fn all_of() {
    let files = snapshot("all_of", &["accounts"]);
    let types = file(&files, "src/types.rs");
    let account = item(types, "pub struct Account ");
    for field in [
        "pub id: ::std::string::String",
        "pub status: ::std::string::String",
        "pub created_at: ::std::option::Option<",
    ] {
        assert_contains(
            account,
            field,
            "allOf of a $ref and extra properties merges both, required sets joined",
        );
    }
    assert_contains(
        account,
        "pub owner: ::std::option::Option<crate::types::Owner>",
        "allOf: [$ref] is that reference",
    );
    let owner = item(types, "pub struct Owner ");
    assert_contains(
        owner,
        "pub name: ::std::string::String",
        "allOf of two $refs merges both",
    );
    assert_contains(
        owner,
        "pub id: ::std::string::String",
        "allOf of two $refs merges both",
    );
}

#[test]
fn additional_properties() {
    let files = snapshot("additional_properties", &["settings"]);
    let types = file(&files, "src/types.rs");
    assert_contains(
        types,
        "pub type Labels = ::std::collections::BTreeMap<::std::string::String, ::std::string::String",
        "additionalProperties alone is a map",
    );
    let counters = item(types, "pub struct Counters ");
    assert_contains(
        counters,
        "#[serde(flatten)]",
        "typed additionalProperties next to properties are flattened",
    );
    assert_contains(
        counters,
        "::std::collections::BTreeMap<::std::string::String, i64>",
        "the extra properties keep their type",
    );
}

#[test]
fn recursive() {
    let files = snapshot("recursive", &["nodes"]);
    let types = file(&files, "src/types.rs");
    let node = item(types, "pub struct Node ");
    assert_contains(
        node,
        "pub children: ::std::vec::Vec<crate::types::Node>",
        "recursion through a Vec needs no box",
    );
    assert_contains(
        node,
        "pub parent: ::std::option::Option<::std::boxed::Box<crate::types::Node>>",
        "a by-value self reference must be boxed, or `Node` has infinite size",
    );
    // Node -> Leaf -> Node by value: at least one of the two fields must be boxed.
    let leaf = item(types, "pub struct Leaf ");
    assert!(
        node.contains("::std::boxed::Box<crate::types::Leaf>")
            || leaf.contains("::std::boxed::Box<crate::types::Node>"),
        "Node and Leaf hold each other by value; one side must be boxed:\n{node}\n{leaf}"
    );
}

#[test]
fn keyword_fields() {
    let files = snapshot("keyword_fields", &["links"]);
    let types = file(&files, "src/types.rs");
    let links = item(types, "pub struct Links ");
    for (field, api) in [
        ("pub r#type:", "type"),
        ("pub self_:", "self"),
        ("pub r#ref:", "ref"),
        ("pub r#match:", "match"),
        ("pub crate_:", "crate"),
        ("pub content_type:", "content-type"),
        ("pub created_at:", "createdAt"),
        ("pub n2fa:", "2fa"),
    ] {
        assert_contains(
            links,
            field,
            "keywords and non-identifiers become valid field names",
        );
        if !field.starts_with("pub r#") {
            assert_contains(
                links,
                &format!("rename = \"{api}\""),
                "a renamed field keeps its API name on the wire",
            );
        }
    }
}

#[test]
fn inline_objects() {
    let files = snapshot("inline_objects", &["orders"]);
    let types = file(&files, "src/types.rs");
    for name in [
        "pub struct OrderCustomer ",
        "pub struct OrderCustomerAddress ",
        "pub struct OrderLinesItem ",
        "pub enum OrderLinesItemKind ",
        "pub struct OrderLinesItemTagsItem ",
    ] {
        assert_contains(
            types,
            name,
            "inline schemas are named after the path that leads to them",
        );
    }
}

#[test]
fn constraints() {
    let files = snapshot("constraints", &["transfers"]);
    let types = file(&files, "src/types.rs");
    let validate = item(
        types,
        "impl crate::runtime::validate::Validate for TransferRequest ",
    );
    for check in [
        "check_length",
        "check_pattern",
        "check_range_i64",
        "check_range_f64",
        "check_items",
    ] {
        assert_contains(
            validate,
            check,
            "every constraint keyword of the request body is checked",
        );
    }
    assert_contains(
        validate,
        "\"beneficiary\"",
        "a nested object of a request is validated too",
    );
    assert_contains(
        types,
        "impl crate::runtime::validate::Validate for Beneficiary {",
        "types reached from a request get a Validate impl",
    );
    assert_lacks(
        types,
        "impl crate::runtime::validate::Validate for Transfer {",
        "response-only types get no Validate impl",
    );
}

#[test]
fn discriminated() {
    let files = snapshot("discriminated", &["pets", "shapes"]);
    let types = file(&files, "src/types.rs");
    let pet = item(types, "impl<'de> ::serde::Deserialize<'de> for Pet ");
    assert_contains(pet, "&[\"cat\"]", "tag values come from `mapping`");
    assert_contains(pet, "&[\"dog\"]", "tag values come from `mapping`");
    assert_contains(
        pet,
        "Self::Unknown(value)",
        "an unknown tag is kept, not rejected",
    );
    let shape = item(types, "impl<'de> ::serde::Deserialize<'de> for Shape ");
    assert_contains(
        shape,
        "&[\"Circle\"]",
        "without `mapping`, the tag value is the schema key",
    );
    assert_contains(
        shape,
        "&[\"Square\"]",
        "without `mapping`, the tag value is the schema key",
    );
}

#[test]
fn enum_distinguished_union() {
    let files = snapshot("enum_distinguished_union", &["changes"]);
    let types = file(&files, "src/types.rs");
    let change = item(types, "impl<'de> ::serde::Deserialize<'de> for Change ");
    assert_contains(
        change,
        "\"NAME_CHANGE\"",
        "branches with equal properties are told apart by their enum values",
    );
    assert_contains(
        change,
        "&[\"ADDRESS_CHANGE\", \"POSTAL_ADDRESS_CHANGE\"]",
        "every enum value of a branch claims the payload",
    );
}

#[test]
fn nullable_request() {
    let files = snapshot("nullable_request", &["users"]);
    let types = file(&files, "src/types.rs");
    let update = item(types, "pub struct UserUpdate ");
    assert_contains(
        update,
        "pub last_name: ::std::option::Option<::std::string::String>",
        "required + nullable: Option, always sent",
    );
    assert_contains(
        update,
        "pub middle_name: crate::runtime::Nullable<::std::string::String>",
        "optional + nullable: three states",
    );
    assert_contains(
        update,
        "pub postal_address: crate::runtime::Nullable<crate::types::Address>",
        "optional + oneOf[X, null]: three states",
    );
    assert_contains(
        update,
        "skip_serializing_if = \"crate::runtime::Nullable::is_absent\"",
        "an absent three-state field is not sent",
    );
    assert_contains(
        update,
        "pub nickname: ::std::option::Option<::std::string::String>",
        "optional, not nullable: Option",
    );
}

#[test]
fn integer_enum() {
    let files = snapshot("integer_enum", &["ratings"]);
    let types = file(&files, "src/types.rs");
    assert_contains(
        types,
        "pub struct Stars(pub i64);",
        "integer enums are open newtypes",
    );
    assert_contains(
        types,
        "Self(3i64)",
        "the default of an integer enum is kept",
    );
    assert_contains(
        types,
        "pub struct RatingRiskClass(pub i64);",
        "an inline integer enum is named after its property",
    );
}

#[test]
fn query_params() {
    let files = snapshot("query_params", &["accounts"]);
    let ops = file(&files, "src/operations/accounts.rs");
    assert_contains(
        ops,
        "for item in value.iter() { query.push((\"ids\",",
        "form arrays are exploded by default: ids=a&ids=b",
    );
    assert_contains(
        ops,
        "for item in value.iter() { query.push((\"tags\",",
        "explode: true arrays are exploded: tags=a&tags=b",
    );
    assert_contains(
        ops,
        "query.push((\"statuses\",",
        "explode: false arrays are sent",
    );
    assert_contains(
        ops,
        ".join(\",\")",
        "explode: false arrays are joined with commas: statuses=A,B",
    );
}

#[test]
fn required_query_param() {
    // `owner` is `required: true`. The client must not be able to send the request
    // without it: either it is an argument of `list_accounts`, or `request()` fails
    // when it is missing.
    let files = generate("query_params");
    let ops = file(&files, "src/operations/accounts.rs");
    let method = item(ops, "impl crate::Client ");
    let request = item(ops, "impl ListAccounts ");
    let request = &request[request.find("fn request(").unwrap_or(0)..];
    let enforced = contains(method, "pub fn list_accounts(&self, owner:") || {
        // A check in `request()` that returns an error when `owner` is `None`.
        contains(request, "self.owner.is_none()")
            || contains(
                request,
                "let ::std::option::Option::Some(owner) = &self.owner else",
            )
    };
    assert!(
        enforced,
        "required query parameter `owner` is an optional setter and is never checked: \
         `client.list_accounts().send()` sends `GET /accounts` without `owner`.\n{method}"
    );
}

#[test]
fn responses() {
    let files = snapshot("responses", &["jobs"]);
    let ops = file(&files, "src/operations/jobs.rs");
    let start = item(ops, "impl StartJob ");
    assert_contains(
        start,
        "crate::Response<()>",
        "a 202 without a body answers `()`",
    );
    let report = item(ops, "impl GetJobReport ");
    assert_contains(
        report,
        "accept: \"application/pdf\"",
        "a PDF answer asks for application/pdf",
    );
    assert_contains(
        report,
        "crate::Response<::bytes::Bytes>",
        "a PDF answer is bytes",
    );
    let log = item(ops, "impl GetJobLog ");
    assert_contains(
        log,
        "crate::Response<::std::string::String>",
        "a text/plain answer is a String",
    );
}

#[test]
fn several_success_statuses() {
    let files = snapshot("several_success_statuses", &["jobs"]);
    let ops = file(&files, "src/operations/jobs.rs");
    let upsert = item(ops, "impl UpsertJob ");
    assert_contains(
        upsert,
        "crate::Response<UpsertJobResponse>",
        "200 and 201 with different bodies answer an enum by status",
    );
    let upsert_response = item(ops, "pub enum UpsertJobResponse ");
    assert_contains(
        upsert_response,
        "Status200(crate::types::Job)",
        "each status keeps its own body type",
    );
    assert_contains(
        upsert_response,
        "Status201(crate::types::JobCreated)",
        "each status keeps its own body type",
    );
    let delete_response = item(ops, "pub enum DeleteJobResponse ");
    assert_contains(
        delete_response,
        "Status200(crate::types::Job)",
        "200 keeps its body",
    );
    assert_contains(delete_response, "Status204,", "204 has no body");
}

#[test]
fn primitive_unions() {
    let files = snapshot("primitive_unions", &["holders"]);
    let types = file(&files, "src/types.rs");
    let by_kind = item(
        types,
        "impl<'de> ::serde::Deserialize<'de> for HolderIdOrNumber ",
    );
    assert_contains(
        by_kind,
        "value.is_string()",
        "string | integer is told apart by JSON type",
    );
    assert_contains(
        by_kind,
        "crate::runtime::union::is_integer(&value)",
        "string | integer is told apart by JSON type",
    );
    let status = item(
        types,
        "impl<'de> ::serde::Deserialize<'de> for HolderStatus ",
    );
    assert_contains(
        status,
        "one_of(value.as_str(), &[\"CLOSED\", \"OPEN\"])",
        "two string enums are told apart by their values",
    );
    assert_contains(
        status,
        "&[\"ACTIVE\", \"INACTIVE\"]",
        "two string enums are told apart by their values",
    );
    let obj_or_str = item(
        types,
        "impl<'de> ::serde::Deserialize<'de> for HolderObjOrStr ",
    );
    assert!(
        position(obj_or_str, "value.is_object()") < position(obj_or_str, "value.is_string()"),
        "objects are tried before other JSON types:\n{obj_or_str}"
    );
}

#[test]
fn keyword_names() {
    // Schema `Self`, enum value `self`, operationId `self`, operationId and tag `type`.
    let files = generate("keyword_names");
    insta::assert_snapshot!("keyword_names__types", file(&files, "src/types.rs"));
    insta::assert_snapshot!(
        "keyword_names__operations_mod",
        file(&files, "src/operations/mod.rs")
    );
    insta::assert_snapshot!(
        "keyword_names__operations_links",
        file(&files, "src/operations/links.rs")
    );
    assert_modules_have_files(&files);
}

/// Every `pub mod x;` in `src/operations/mod.rs` has its file `src/operations/x.rs`
/// (`r#x` is looked up as `x.rs`), and every operations file is declared.
fn assert_modules_have_files(files: &BTreeMap<String, String>) {
    let declared: Vec<String> = file(files, "src/operations/mod.rs")
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub mod ")?.strip_suffix(';'))
        .map(|module| format!("src/operations/{}.rs", module.trim_start_matches("r#")))
        .collect();
    let present: Vec<String> = files
        .keys()
        .filter(|path| path.starts_with("src/operations/") && *path != "src/operations/mod.rs")
        .cloned()
        .collect();
    assert_eq!(
        declared, present,
        "the modules declared in src/operations/mod.rs and the files generated for them differ \
         (rustc looks for `mod type_;` in type_.rs and for `mod r#type;` in type.rs)"
    );
}

#[test]
fn discriminator_aliases() {
    let files = generate("discriminator_aliases");
    let types = file(&files, "src/types.rs");
    let event = item(types, "impl<'de> ::serde::Deserialize<'de> for Event ");
    for tag in ["USER.CREATED", "USER.UPDATED", "ACCOUNT.CREATED"] {
        assert_contains(
            event,
            &format!("\"{tag}\""),
            "every `mapping` value decodes to its branch; a payload tagged with a dropped alias would become `Unknown`",
        );
    }
    insta::assert_snapshot!("discriminator_aliases__types", types);
}

#[test]
fn pagination() {
    let files = snapshot("pagination", &["accounts"]);
    let ops = file(&files, "src/operations/accounts.rs");
    assert_contains(
        ops,
        "pub fn stream(self",
        "offset/limit + data/meta.total_count is paginated",
    );
    assert_contains(
        file(&files, "src/types.rs"),
        "impl crate::runtime::pagination::Page for crate::types::ListAccountsResponse",
        "the page type yields its items",
    );
    assert_contains(
        ops,
        ".unwrap_or(50u64)",
        "the limit's default is the page size",
    );
}

#[test]
fn headers() {
    let files = snapshot("headers", &["orders"]);
    let ops = file(&files, "src/operations/orders.rs");
    for runtime_header in [
        "authorization",
        "signature",
        "upvest_client_id",
        "upvest_api_version",
    ] {
        assert_lacks(
            ops,
            &format!("pub fn {runtime_header}("),
            "headers the runtime sets are no setters",
        );
    }
    assert_contains(
        ops,
        "pub fn idempotency_key(",
        "an idempotency-key header gives the builder a key",
    );
    assert_contains(
        ops,
        "self.client.new_idempotency_key()",
        "the key is generated when the caller sets none",
    );
    assert_contains(ops, "pub fn x_trace_tag(", "other headers are setters");
    assert_contains(
        ops,
        "headers.push((\"x-trace-tag\",",
        "other headers are sent under their API name",
    );
}

#[test]
fn form_body() {
    let files = snapshot("form_body", &["auth"]);
    let ops = file(&files, "src/operations/auth.rs");
    assert_contains(
        ops,
        "crate::runtime::Body::form(&self.body)",
        "a form body is sent as a form",
    );
}

#[test]
fn webhooks() {
    let files = snapshot("webhooks", &["ping"]);
    let hooks = file(&files, "src/webhooks.rs");
    insta::assert_snapshot!("webhooks__webhooks", hooks);
    assert_contains(
        hooks,
        "crate::types::AccountEvent",
        "the webhook payload is the body schema's type",
    );
}

/// Each security requirement is an alternative that suffices on its own; the
/// operation metadata keeps them apart, in document order, and the method docs
/// say "any one of". The default token still asks for every scope.
#[test]
fn security_alternatives() {
    let files = snapshot("security_alternatives", &["items"]);
    let ops = file(&files, "src/operations/items.rs");
    for (expected, why) in [
        (
            r#"scopes: &[&["items:read"], &["items:admin"]],"#,
            "two requirements are two alternatives, read scope first",
        ),
        (
            "Scopes: any one of: `items:read`, `items:admin`.",
            "the docs name the alternatives",
        ),
        (
            r#"scopes: &[&["items:admin", "audit:write"]],"#,
            "the scopes of one requirement stay together",
        ),
        (
            "Scopes: any one of: `items:admin` and `audit:write`; `root`.",
            "alternatives of several scopes are told apart",
        ),
        (
            r#"scopes: &[&["items:read"]],"#,
            "an operation without `security` inherits the document's",
        ),
        ("scopes: &[],", "`security: []` needs no token"),
    ] {
        assert_contains(ops, expected, why);
    }
    let lib = file(&files, "src/lib.rs");
    let defaults = &lib[lib
        .find("pub const DEFAULT_SCOPES")
        .expect("DEFAULT_SCOPES")..];
    let defaults = &defaults[..defaults.find("];").expect("end of DEFAULT_SCOPES")];
    for scope in ["audit:write", "items:admin", "items:read", "root"] {
        assert_contains(
            defaults,
            &format!("\"{scope}\""),
            "the default token asks for every scope of every alternative",
        );
    }
}

/// An `integer` without `format: int32` is an `i64`; checking its bounds must not
/// wrap it in `i64::from`, which `clippy::useless_conversion` (denied in CI for
/// `generated/`) rejects.
#[test]
fn i64_bounds_are_clippy_clean() {
    let files = generate("query_params");
    let ops = file(&files, "src/operations/accounts.rs");
    let request = &ops[ops.find("fn request(").expect("a request fn")..];
    let limit = &request[request.find("\"limit\"").expect("a check of `limit`")..];
    let limit = &limit[..limit.find(")?;").expect("end of the check")];
    assert!(
        !contains(limit, "i64::from(*value)") || contains(ops, "clippy::useless_conversion"),
        "`limit` is an i64; `i64::from(*value)` fails `cargo clippy -- -D warnings` (useless_conversion):\n{limit}"
    );
}

/// A buffered union branch with nothing to check beyond its JSON type must not emit
/// `value.is_string() && true` (`clippy::nonminimal_bool`) nor a condition wrapped
/// whole in parentheses, `if (value.is_i64() || value.is_u64()) {` (rustc's
/// `unused_parens`); both fail `-D warnings`, which CI uses for `generated/`.
#[test]
fn union_conditions_are_clippy_clean() {
    let files = generate("primitive_unions");
    let types = file(&files, "src/types.rs");
    let offending: Vec<&str> = types
        .lines()
        .map(str::trim)
        .filter(|line| line.contains("&& true") || condition_wrapped_in_parens(line))
        .collect();
    assert!(
        offending.is_empty(),
        "these conditions fail `cargo clippy -- -D warnings` (nonminimal_bool, unused_parens):\n{}",
        offending.join("\n")
    );
}

/// `if (a || b) {` where the first `(` closes at the last `)`.
fn condition_wrapped_in_parens(line: &str) -> bool {
    let Some(inner) = line
        .strip_prefix("if (")
        .and_then(|rest| rest.strip_suffix(") {"))
    else {
        return false;
    };
    let mut depth = 0i32;
    for ch in inner.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false; // The first `(` closed early: `if (a) || (b) {`.
        }
    }
    depth == 0
}

/// Writes every fixture's crate to `target/tmp/fixture-crates/<name>` and runs
/// `cargo clippy --all-targets -- -D warnings` on it, offline, with the workspace's
/// `Cargo.lock`. Slow the first time (it checks every dependency), so opt-in:
/// `cargo test -p upvest-generator --test snapshots -- --ignored`.
#[test]
#[ignore = "builds one crate per fixture; run with --ignored"]
fn fixtures_compile_and_pass_clippy() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let crates = tmp.join("fixture-crates");
    let target = tmp.join("fixture-target");
    let lock = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut names: Vec<String> =
        std::fs::read_dir(fixture_path("x").parent().expect("fixtures folder"))
            .expect("list fixtures")
            .filter_map(|e| {
                e.ok()?
                    .file_name()
                    .to_str()?
                    .strip_suffix(".yaml")
                    .map(str::to_owned)
            })
            .collect();
    names.sort();
    let mut failures = Vec::new();
    for name in &names {
        let text = std::fs::read_to_string(fixture_path(name)).expect("read fixture");
        let files = match catch_unwind(AssertUnwindSafe(|| generator::generate_from_str(&text))) {
            Ok(Ok(output)) => output.files,
            Ok(Err(err)) => {
                failures.push(format!("{name}: does not generate: {err}"));
                continue;
            }
            Err(panic) => {
                failures.push(format!(
                    "{name}: the generator panicked: {}",
                    panic_message(&panic)
                ));
                continue;
            }
        };
        let dir = crates.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        for (path, content) in &files {
            let full = dir.join(path);
            std::fs::create_dir_all(full.parent().expect("parent")).expect("create folder");
            let content = if path == "Cargo.toml" {
                format!("{content}\n\n[workspace]\n")
            } else {
                content.clone()
            };
            std::fs::write(&full, content).expect("write file");
        }
        std::fs::copy(&lock, dir.join("Cargo.lock")).expect("copy Cargo.lock");
        let out = std::process::Command::new(&cargo)
            .args([
                "clippy",
                "--offline",
                "--quiet",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("run cargo clippy");
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let first: Vec<&str> = stderr.lines().take(30).collect();
            failures.push(format!(
                "{name}: cargo clippy failed in {}:\n{}",
                dir.display(),
                first.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures fail:\n\n{}",
        failures.len(),
        names.len(),
        failures.join("\n\n")
    );
}
