//! Every example in spec/upvest.yaml decodes into its generated type and encodes back
//! to the same JSON: nothing lost, nothing invented. Plus the union cases the spec's
//! examples do not show.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use upvest_client::types;

/// Decodes `value` as `T`, encodes it again and compares.
fn roundtrip<T: DeserializeOwned + Serialize>(value: &Value, what: &str) {
    let decoded: T = serde_path_to_error::deserialize(value)
        .unwrap_or_else(|err| panic!("{what}: does not decode as {}: {err}", std::any::type_name::<T>()));
    let encoded = serde_json::to_value(&decoded).unwrap();
    assert_eq!(
        normalize(encoded),
        normalize(value.clone()),
        "{what}: changed in a round trip through {}",
        std::any::type_name::<T>()
    );
}

/// Date-times compare as instants: `14:10:00.00Z` and `14:10:00Z` are the same value.
fn normalize(value: Value) -> Value {
    match value {
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(&s) {
            Ok(t) => Value::String(t.with_timezone(&chrono::Utc).to_rfc3339()),
            Err(_) => Value::String(s),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, normalize(v))).collect()),
        other => other,
    }
}

/// Which generated type an operation's request or success body is.
fn check_body(op: &str, place: &str, value: &Value, what: &str) {
    match (op, place) {
        ("list_users", "response") => roundtrip::<types::ListUsersResponse>(value, what),
        ("create_user", "request") => roundtrip::<types::UserCreateRequest>(value, what),
        ("create_user" | "get_user", "response") => roundtrip::<types::User>(value, what),
        ("create_user_data_change_request", "request") => roundtrip::<types::UserDataChangeRequest>(value, what),
        ("list_user_account_groups", "response") => roundtrip::<types::ListUserAccountGroupsResponse>(value, what),
        ("list_user_identifiers", "response") => roundtrip::<types::ListUserIdentifiersResponse>(value, what),
        ("create_user_identifier", "request") => roundtrip::<types::CreateUserIdentifierRequest>(value, what),
        ("update_user_identifier", "request") => roundtrip::<types::UpdateUserIdentifierRequest>(value, what),
        ("create_user_identifier" | "get_user_identifier" | "update_user_identifier", "response") => {
            roundtrip::<types::Identifier>(value, what)
        }
        ("list_account_groups", "response") => roundtrip::<types::ListAccountGroupsResponse>(value, what),
        ("create_account_group", "request") => roundtrip::<types::CreateAccountGroupRequest>(value, what),
        ("create_account_group" | "get_account_group", "response") => roundtrip::<types::AccountGroup>(value, what),
        ("list_accounts", "response") => roundtrip::<types::ListAccountsResponse>(value, what),
        (_, "problem") => {
            roundtrip::<types::Problem>(value, what);
            serde_json::from_value::<upvest_client::Problem>(value.clone())
                .unwrap_or_else(|err| panic!("{what}: runtime Problem: {err}"));
        }
        _ => panic!("{what}: no generated type is known for the {place} of `{op}`; add it to this table"),
    }
}

/// Follows `$ref`s into the document.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(target) => resolve(spec, spec.pointer(target.trim_start_matches('#')).expect("dangling $ref")),
        None => value,
    }
}

/// Every example of a content map (`example` and `examples.*.value`), named.
fn examples<'a>(spec: &'a Value, content: &'a Value) -> Vec<(String, &'a Value, String)> {
    let mut out = Vec::new();
    for (media_type, media) in content.as_object().into_iter().flatten() {
        if let Some(example) = media.get("example") {
            out.push(("example".to_owned(), example, media_type.clone()));
        }
        for (name, example) in media.get("examples").and_then(Value::as_object).into_iter().flatten() {
            let example = resolve(spec, example);
            out.push((name.clone(), example.get("value").expect("an example without value"), media_type.clone()));
        }
    }
    out
}

#[test]
fn every_example_in_the_spec_survives_a_round_trip() {
    let spec = upvest_client_tests::spec();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(op_id) = op.get("operationId").and_then(Value::as_str) else { continue };
            if let Some(body) = op.get("requestBody") {
                for (name, value, _) in examples(&spec, &resolve(&spec, body)["content"]) {
                    check_body(op_id, "request", value, &format!("{method} {path} request example `{name}`"));
                    checked += 1;
                }
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                let response = resolve(&spec, response);
                for (name, value, media_type) in examples(&spec, response.get("content").unwrap_or(&Value::Null)) {
                    let place = if media_type == "application/problem+json" { "problem" } else { "response" };
                    check_body(op_id, place, value, &format!("{method} {path} {status} example `{name}`"));
                    checked += 1;
                }
            }
        }
    }
    for (name, hook) in spec["x-webhooks"].as_object().into_iter().flatten() {
        let body = resolve(&spec, &hook["post"]["requestBody"]);
        for (example, value, _) in examples(&spec, &body["content"]) {
            let bytes = serde_json::to_vec(value).unwrap();
            let decoded = upvest_client::webhooks::parse_account_group_events(&bytes)
                .unwrap_or_else(|err| panic!("webhook {name} example {example}: {err}"));
            assert_eq!(
                normalize(serde_json::to_value(decoded).unwrap()),
                normalize(value.clone()),
                "webhook {name} example {example}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} examples found: did the spec lose its examples?");
}

fn spec_example(name: &str) -> Value {
    let spec = upvest_client_tests::spec();
    spec["components"]["examples"][name]["value"].clone()
}

#[test]
fn a_tol_user_decodes_as_tol_and_keeps_every_tol_field() {
    let user: types::User = serde_json::from_value(spec_example("UserTol")).unwrap();
    let types::User::Tol(tol) = user else { panic!("a TOL user decoded as {user:?}") };
    assert!(tol.email.is_some() && tol.phone_number.is_some() && tol.fatca.is_some());
    assert!(tol.terms_and_conditions.is_some() && tol.data_privacy_and_sharing_agreement.is_some());
}

#[test]
fn a_byol_user_decodes_as_byol() {
    let user: types::User = serde_json::from_value(spec_example("UserByol")).unwrap();
    assert!(matches!(user, types::User::Byol(_)), "{user:?}");
}

#[test]
fn a_tol_user_with_an_unknown_field_still_decodes_as_tol() {
    let mut value = spec_example("UserTol");
    value["favourite_colour"] = json!("green");
    let user: types::User = serde_json::from_value(value).unwrap();
    assert!(matches!(user, types::User::Tol(_)), "{user:?}");
}

#[test]
fn a_list_of_tol_users_is_one_collection_of_tol_users() {
    let list: types::ListUsersResponse = serde_json::from_value(spec_example("UsersTolList")).unwrap();
    assert!(!list.data.is_empty());
    assert!(list.data.iter().all(|u| matches!(u, types::User::Tol(_))));
}

#[test]
fn the_empty_list_decodes_to_an_empty_collection() {
    let list: types::ListUsersResponse = serde_json::from_value(spec_example("UsersEmptyList")).unwrap();
    assert!(list.data.is_empty());
}

#[test]
fn unknown_enum_values_are_kept_and_sent_back() {
    let mut value = spec_example("UserTol");
    value["status"] = json!("SUSPENDED_FOR_REVIEW");
    let user: types::User = serde_json::from_value(value.clone()).unwrap();
    let types::User::Tol(tol) = &user else { panic!("{user:?}") };
    assert_eq!(tol.status.as_str(), "SUSPENDED_FOR_REVIEW");
    assert_eq!(normalize(serde_json::to_value(&user).unwrap()), normalize(value));
}

#[test]
fn postal_address_null_and_empty_salutation_round_trip() {
    let mut value = spec_example("UserByol");
    value["postal_address"] = Value::Null;
    value["salutation"] = json!("");
    value["title"] = json!("");
    roundtrip::<types::User>(&value, "BYOL user with null postal address and empty salutation");
    let types::User::Byol(user) = serde_json::from_value(value).unwrap() else { panic!("not BYOL") };
    assert_eq!(user.salutation, Some(types::UserByolSalutation::Unspecified));
    assert_eq!(types::UserByolSalutation::default(), types::UserByolSalutation::Unspecified);
}

#[test]
fn a_payload_matching_no_branch_is_an_error_naming_the_union() {
    // TOL-only fields without the fields every user has.
    let err = serde_json::from_value::<types::User>(json!({"email": "a@example.com"})).unwrap_err();
    assert!(err.to_string().contains("`User`"), "{err}");
    let err = serde_json::from_value::<types::User>(json!([1, 2])).unwrap_err();
    assert!(err.to_string().contains("User"), "{err}");
}

/// Request bodies are built with `new` (the required fields) and `with_*` (the
/// optional ones), which keeps compiling when the API adds optional fields.
fn tol_create_request(first_name: &str) -> types::UserTolCreateRequest {
    let now = chrono::DateTime::parse_from_rfc3339("2020-08-24T14:15:22Z").unwrap().with_timezone(&chrono::Utc);
    let consent = uuid::Uuid::parse_str("fb1827c3-2b29-47e1-84da-996d09517edc").unwrap();
    types::UserTolCreateRequest::new(
        first_name,
        "Schmidt",
        "karl.schmidt@example.com",
        chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
        "Berlin",
        "DE",
        vec!["DE".to_owned()],
        types::Address::new("Rosenweg 221", "45678", "DE", "Berlin"),
        types::Fatca::new(false, now),
        types::TermsAndConditions::new(consent, now),
        types::DataPrivacyAndSharingAgreement::new(consent, now),
    )
    .with_salutation("SALUTATION_MALE")
    .with_postal_address(None)
}

#[test]
fn request_bodies_are_built_from_required_fields_and_setters() {
    let body = serde_json::to_value(tol_create_request("Karl")).unwrap();
    assert_eq!(body["first_name"], "Karl");
    assert_eq!(body["salutation"], "SALUTATION_MALE");
    assert_eq!(body["postal_address"], Value::Null, "an explicit null is sent");
    assert!(body.get("phone_number").is_none(), "an unset optional field is left out");
    assert!(body.get("title").is_none());
}

#[tokio::test]
async fn constraints_are_checked_before_sending_and_name_the_field() {
    // Nothing listens here: a body that breaks a constraint never leaves.
    let key = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys/ed25519.pem");
    let client = upvest_client::Client::builder()
        .environment(upvest_client::Environment::Custom("http://127.0.0.1:9".into()))
        .client_id("ebabcf4d-61c3-4942-875c-e265a7c2d062")
        .client_secret("secret")
        .signing_key("key", upvest_client::PrivateKey::from_pem_file(key).unwrap())
        .build()
        .unwrap();
    let field = |body: upvest_client::types::UserTolCreateRequest| {
        let client = client.clone();
        async move {
            match client.create_user(body).send().await {
                Err(upvest_client::Error::Validation(e)) => e.field,
                other => panic!("expected a validation error, got {other:?}"),
            }
        }
    };
    assert_eq!(field(tol_create_request("K")).await, "first_name");
    let mut body = tol_create_request("Karl");
    body.address.postcode = "not a postcode!".to_owned();
    assert_eq!(field(body).await, "address.postcode");
    let mut body = tol_create_request("Karl");
    body.nationalities.push("germany".to_owned());
    assert_eq!(field(body).await, "nationalities[1]");
}
