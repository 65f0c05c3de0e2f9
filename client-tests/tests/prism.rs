//! The generated client against Prism, the mock server that serves
//! `spec/upvest.yaml` and checks every request against it.
//!
//! Prism runs with `--errors`: a request that breaks the document (a missing
//! or malformed header, a body that does not fit its schema, a bad query
//! value) comes back as a 4xx with an `sl-violations` header instead of being
//! mocked. The test fails on any violation, quoting it.
//!
//! It checks that
//! - every operation of the document (read from the spec, so a new one must be
//!   added here) is called through the generated client and Prism accepts it,
//!   with plausible bodies built from the generated types, and also every
//!   request example of the document decoded into the generated type and sent;
//! - every documented 2xx example (selected with `Prefer: example=<name>`, the
//!   names read from the spec) decodes into the operation's type without
//!   losing a field: BYOL users as `User::Byol`, TOL users as `User::Tol` with
//!   email, phone number, FATCA and consents, the empty list as an empty `data`.
//!
//! The documented problem+json error examples are not asked from Prism: Prism
//! serves them only to a request whose `accept` allows
//! `application/problem+json`, and the client sends `accept: application/json`
//! (the only JSON value the API takes). `faults.rs` decodes them from a
//! wiremock server instead.
//!
//! Prism is the pinned `@stoplight/prism-cli` from `tools/`: `UPVEST_PRISM_BIN`
//! (set by `cargo xtask test`), else `tools/node_modules/.bin/prism`, installed
//! with `npm ci --prefix tools` when missing. It is started once for this
//! binary, on a free port of 127.0.0.1, and killed when the test ends, also
//! when it fails. The token endpoint is a local stub.

mod support;

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use futures_util::TryStreamExt as _;
use serde_json::Value;
use support::TestKey;
use upvest_client::types::{
    Address, CreateAccountGroupRequest, CreateUserIdentifierRequest, DataPrivacyAndSharingAgreement, Fatca,
    TermsAndConditions, UpdateUserIdentifierRequest, User, UserByolCreateRequest, UserByolDataChangeRequest,
    UserCreateRequest, UserDataChangeRequest, UserTolCreateRequest, UserTolDataChangeNameChange,
};
use upvest_client::{Client, ClientBuilder, Error, Nullable, Response};
use uuid::Uuid;

const USER_ID: &str = "83d83ec2-d2ca-49ff-bbea-b92b5c3be202";
const IDENTIFIER_ID: &str = "0b3e8e4a-6f1d-4c52-9a1e-2f3d4c5b6a71";
const ACCOUNT_GROUP_ID: &str = "9d95820d-4333-46b6-98de-04ab7512e76f";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_accepts_every_operation_and_every_example_decodes() {
    let prism = Prism::start().await;
    let tokens = support::token_stub().await;
    let spec = upvest_client_tests::spec();
    let mut failures = Vec::new();

    let started = Instant::now();
    let called = call_every_operation(&prism, &tokens, &spec, &mut failures).await;
    let operations = support::spec_operations(&spec);
    let missing: Vec<&String> = operations.keys().filter(|op| !called.contains(*op)).collect();
    if !missing.is_empty() {
        failures
            .push(format!("operations of the spec not called through the client (add them to prism.rs): {missing:?}"));
    }
    let examples = decode_every_example(&prism, &tokens, &spec, &mut failures).await;
    assert!(
        failures.is_empty(),
        "{} failure(s) against Prism (log: {}):\n- {}",
        failures.len(),
        prism.log_path.display(),
        failures.join("\n- ")
    );
    assert_eq!(operations.len(), called.len(), "{called:?}");
    // The document has examples for users (byol, tol, empty) at least.
    assert!(examples >= 15, "only {examples} examples checked");
    eprintln!("prism: {} operations and {examples} response examples checked in {:?}", called.len(), started.elapsed());
}

// ---------------------------------------------------------------------------
// Every operation is accepted
// ---------------------------------------------------------------------------

/// Calls every operation (several times where the body has BYOL and TOL
/// forms), records failures, and returns the operation ids called.
async fn call_every_operation(
    prism: &Prism,
    tokens: &wiremock::MockServer,
    spec: &Value,
    failures: &mut Vec<String>,
) -> BTreeSet<String> {
    let client = prism.builder(tokens, None).build().unwrap();
    let user = Uuid::parse_str(USER_ID).unwrap();
    let identifier = Uuid::parse_str(IDENTIFIER_ID).unwrap();
    let group = Uuid::parse_str(ACCOUNT_GROUP_ID).unwrap();
    let mut called = BTreeSet::new();
    let mut check = |op: &str, what: &str, outcome: Result<(), String>| {
        called.insert(op.to_string());
        if let Err(e) = outcome {
            failures.push(format!("{op} ({what}): {e}"));
        }
    };

    // users
    let r = client.list_users().limit(10).offset(0).sort("created_at").order("ASC").send().await;
    check("list_users", "all query parameters", accepted(r).map(drop));
    let r: Result<Vec<User>, Error> = client.list_users().limit(2).stream().try_collect().await;
    check("list_users", ".stream()", r.map(drop).map_err(|e| describe(&e)));
    let r = client.create_user(byol_create_request()).send().await;
    check("create_user", "BYOL body", accepted(r).map(drop));
    let r = client.create_user(tol_create_request()).idempotency_key(Uuid::new_v4()).send().await;
    check("create_user", "TOL body, own key", accepted(r).map(drop));
    let r = client.get_user(user).send().await;
    check("get_user", "", accepted(r).map(drop));
    let r = client.offboard_user(user).send().await;
    check("offboard_user", "", accepted(r).map(drop));
    let r = client.create_user_data_change_request(user, tol_name_change()).send().await;
    check("create_user_data_change_request", "TOL name change", accepted(r).map(drop));
    let r = client.create_user_data_change_request(user, byol_data_change()).send().await;
    check("create_user_data_change_request", "BYOL change", accepted(r).map(drop));
    let r = client.list_user_account_groups(user).limit(5).offset(0).send().await;
    check("list_user_account_groups", "", accepted(r).map(drop));

    // user identifiers
    let r = client.list_user_identifiers(user).send().await;
    check("list_user_identifiers", "", accepted(r).map(drop));
    let body = CreateUserIdentifierRequest::new("NATIONAL_ID", "PL", "44051401359");
    let r = client.create_user_identifier(user, body).send().await;
    check("create_user_identifier", "", accepted(r).map(drop));
    let r = client.get_user_identifier(user, identifier).send().await;
    check("get_user_identifier", "", accepted(r).map(drop));
    let body = UpdateUserIdentifierRequest::new("44051401360");
    let r = client.update_user_identifier(user, identifier, body).send().await;
    check("update_user_identifier", "", accepted(r).map(drop));

    // account groups and accounts
    let r = client.list_account_groups().limit(1000).send().await;
    check("list_account_groups", "", accepted(r).map(drop));
    let body = CreateAccountGroupRequest::new(user, "PERSONAL");
    let r = client.create_account_group(body).send().await;
    check("create_account_group", "", accepted(r).map(drop));
    let r = client.get_account_group(group).send().await;
    check("get_account_group", "", accepted(r).map(drop));
    let r = client.close_account_group(group).send().await;
    check("close_account_group", "", accepted(r).map(drop));
    let r = client.list_accounts().sort("updated_at").order("DESC").limit(50).send().await;
    check("list_accounts", "", accepted(r).map(drop));

    // Every request example of the document, decoded into the generated body
    // type and sent as the client serializes it.
    for (op, name, value) in request_examples(spec) {
        let what = format!("request example {name:?}");
        let outcome = match op.as_str() {
            "create_user" => match decode::<UserCreateRequest>(&value) {
                Ok(body) => accepted(client.create_user(body).send().await).map(drop),
                Err(e) => Err(e),
            },
            "create_user_data_change_request" => match decode::<UserDataChangeRequest>(&value) {
                Ok(body) => accepted(client.create_user_data_change_request(user, body).send().await).map(drop),
                Err(e) => Err(e),
            },
            "create_user_identifier" => match decode::<CreateUserIdentifierRequest>(&value) {
                Ok(body) => accepted(client.create_user_identifier(user, body).send().await).map(drop),
                Err(e) => Err(e),
            },
            "update_user_identifier" => match decode::<UpdateUserIdentifierRequest>(&value) {
                Ok(body) => accepted(client.update_user_identifier(user, identifier, body).send().await).map(drop),
                Err(e) => Err(e),
            },
            "create_account_group" => match decode::<CreateAccountGroupRequest>(&value) {
                Ok(body) => accepted(client.create_account_group(body).send().await).map(drop),
                Err(e) => Err(e),
            },
            other => Err(format!("no body type known for operation {other}: add it to prism.rs")),
        };
        check(&op, &what, outcome);
    }

    // Prism is strict (`--errors` is in effect): a request that breaks the
    // document is refused, naming the violation.
    let body = CreateAccountGroupRequest::new(user, "PERSONAL");
    let r = client.create_account_group(body).idempotency_key("not-a-uuid").send().await;
    let refused = match &r {
        Err(Error::Api(api)) => api
            .headers
            .get(VIOLATIONS)
            .is_some_and(|v| String::from_utf8_lossy(v.as_bytes()).contains("idempotency-key")),
        _ => false,
    };
    if !refused {
        failures.push(format!(
            "Prism did not refuse an idempotency key that breaks the pattern, so it does not \
             validate requests: {:?}",
            r.map(drop)
        ));
    }
    called
}

fn address() -> Address {
    Address::new("Rosenweg 221", "45678", "DE", "Berlin").with_address_line2("apt. 33").with_state("BE")
}

fn date(text: &str) -> chrono::NaiveDate {
    text.parse().expect("a YYYY-MM-DD date")
}

fn instant(text: &str) -> chrono::DateTime<chrono::Utc> {
    text.parse().expect("an RFC 3339 date-time")
}

fn byol_create_request() -> UserCreateRequest {
    UserByolCreateRequest::new("Karl", "Schmidt", date("1972-09-30"), vec!["DE".to_string()], address())
        .with_salutation("SALUTATION_MALE")
        .with_title("DR")
        .with_birth_city("Berlin")
        .with_birth_country("DE")
        .with_postal_address(Nullable::Null)
        .into()
}

fn tol_create_request() -> UserCreateRequest {
    UserTolCreateRequest::new(
        "Erika",
        "Mustermann",
        "erika.mustermann@example.com",
        date("1984-08-12"),
        "Köln",
        "DE",
        vec!["DE".to_string(), "AT".to_string()],
        address(),
        Fatca::new(false, instant("2024-05-01T10:00:00Z")),
        TermsAndConditions::new(Uuid::new_v4(), instant("2024-05-01T10:00:01Z")),
        DataPrivacyAndSharingAgreement::new(Uuid::new_v4(), instant("2024-05-01T10:00:02Z")),
    )
    .with_salutation("SALUTATION_FEMALE")
    .with_birth_name("Gabler")
    .with_phone_number("4930901820")
    .with_postal_address(Nullable::Value(address()))
    .into()
}

fn tol_name_change() -> UserDataChangeRequest {
    let change = UserTolDataChangeNameChange::new(
        "Erika",
        "Gabler",
        date("2024-01-15"),
        "https://bucket.example.com/ident/erika.zip",
        "ID_CARD",
    );
    UserDataChangeRequest::Tol(change.into())
}

fn byol_data_change() -> UserDataChangeRequest {
    UserByolDataChangeRequest::new().with_last_name("Gabler").with_address(address()).into()
}

// ---------------------------------------------------------------------------
// Every documented example decodes
// ---------------------------------------------------------------------------

/// Asks Prism for every named 2xx JSON example of every operation and checks
/// the decoded answer; returns how many examples were checked.
async fn decode_every_example(
    prism: &Prism,
    tokens: &wiremock::MockServer,
    spec: &Value,
    failures: &mut Vec<String>,
) -> usize {
    let byol_properties: BTreeSet<String> = spec["components"]["schemas"]["UserByol"]["properties"]
        .as_object()
        .expect("UserByol has properties")
        .keys()
        .cloned()
        .collect();
    let examples = response_examples(spec);
    // All at once: Prism answers them while the client side waits.
    let checks = examples.iter().map(|(op, name, expected)| {
        let byol_properties = &byol_properties;
        async move {
            let prefer = format!("example={name}");
            let client = prism.builder(tokens, Some(&prefer)).build().unwrap();
            decode_example(&client, op, name, expected, byol_properties)
                .await
                .map_err(|e| format!("{op}, example {name:?}: {e}"))
        }
    });
    for outcome in futures_util::future::join_all(checks).await {
        if let Err(e) = outcome {
            failures.push(e);
        }
    }
    examples.len()
}

/// Which union variant a user example must decode to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    Byol,
    Tol,
}

/// By the example's name (`byol...`, `tol...`); for other names by its keys:
/// a key that BYOL users do not have makes it a TOL user.
fn expected_model(name: &str, user: &Value, byol_properties: &BTreeSet<String>) -> Model {
    let has_tol_keys = || user.as_object().is_some_and(|o| o.keys().any(|k| !byol_properties.contains(k)));
    if name.starts_with("byol") {
        Model::Byol
    } else if name.starts_with("tol") || has_tol_keys() {
        Model::Tol
    } else {
        Model::Byol
    }
}

/// Checks that `user` is the right variant and, for TOL, kept what only TOL
/// users have.
fn check_user(user: &User, name: &str, example: &Value, byol_properties: &BTreeSet<String>) -> Result<(), String> {
    let model = expected_model(name, example, byol_properties);
    match (model, user) {
        (Model::Byol, User::Byol(_)) => Ok(()),
        (Model::Tol, User::Tol(tol)) => {
            let kept = [
                ("email", tol.email.is_some()),
                ("phone_number", tol.phone_number.is_some()),
                ("fatca", tol.fatca.is_some()),
                ("terms_and_conditions", tol.terms_and_conditions.is_some()),
                ("data_privacy_and_sharing_agreement", tol.data_privacy_and_sharing_agreement.is_some()),
            ];
            for (field, present) in kept {
                if example.get(field).is_some() && !present {
                    return Err(format!("the TOL user lost `{field}`"));
                }
            }
            Ok(())
        }
        (expected, got) => Err(format!(
            "expected a {expected:?} user, decoded {}",
            match got {
                User::Byol(_) => "User::Byol",
                User::Tol(_) => "User::Tol",
                _ => "a user of a kind this version does not know",
            }
        )),
    }
}

fn check_users(users: &[User], name: &str, expected: &Value, byol_properties: &BTreeSet<String>) -> Result<(), String> {
    let items = expected["data"].as_array().cloned().unwrap_or_default();
    if users.len() != items.len() {
        return Err(format!("{} users decoded, the example has {}", users.len(), items.len()));
    }
    if name == "empty" && !users.is_empty() {
        return Err("the empty example did not decode to an empty `data`".into());
    }
    for (i, (user, item)) in users.iter().zip(&items).enumerate() {
        check_user(user, name, item, byol_properties).map_err(|e| format!("data[{i}]: {e}"))?;
    }
    Ok(())
}

/// Calls `op` with a client that sends `Prefer: example=<name>` and checks the
/// typed answer against the example.
async fn decode_example(
    client: &Client,
    op: &str,
    name: &str,
    expected: &Value,
    byol: &BTreeSet<String>,
) -> Result<(), String> {
    let user = Uuid::parse_str(USER_ID).unwrap();
    let identifier = Uuid::parse_str(IDENTIFIER_ID).unwrap();
    let group = Uuid::parse_str(ACCOUNT_GROUP_ID).unwrap();
    let decoded = match op {
        "list_users" => {
            let page = accepted(client.list_users().send().await)?.body;
            check_users(&page.data, name, expected, byol)?;
            let streamed: Vec<User> =
                client.list_users().stream().try_collect().await.map_err(|e| format!(".stream(): {}", describe(&e)))?;
            check_users(&streamed, name, expected, byol).map_err(|e| format!(".stream(): {e}"))?;
            to_json(&page)
        }
        "get_user" | "create_user" => {
            let body = if op == "get_user" {
                accepted(client.get_user(user).send().await)?.body
            } else if expected_model(name, expected, byol) == Model::Tol {
                accepted(client.create_user(tol_create_request()).send().await)?.body
            } else {
                accepted(client.create_user(byol_create_request()).send().await)?.body
            };
            check_user(&body, name, expected, byol)?;
            to_json(&body)
        }
        "list_user_account_groups" => {
            let page = accepted(client.list_user_account_groups(user).send().await)?.body;
            let streamed: Vec<_> =
                client.list_user_account_groups(user).stream().try_collect().await.map_err(|e| describe(&e))?;
            same_len(streamed.len(), page.data.len())?;
            to_json(&page)
        }
        "list_account_groups" => {
            let page = accepted(client.list_account_groups().send().await)?.body;
            let streamed: Vec<_> =
                client.list_account_groups().stream().try_collect().await.map_err(|e| describe(&e))?;
            same_len(streamed.len(), page.data.len())?;
            to_json(&page)
        }
        "list_accounts" => {
            let page = accepted(client.list_accounts().send().await)?.body;
            let streamed: Vec<_> = client.list_accounts().stream().try_collect().await.map_err(|e| describe(&e))?;
            same_len(streamed.len(), page.data.len())?;
            to_json(&page)
        }
        "get_account_group" => to_json(&accepted(client.get_account_group(group).send().await)?.body),
        "create_account_group" => {
            let body = CreateAccountGroupRequest::new(user, "PERSONAL");
            to_json(&accepted(client.create_account_group(body).send().await)?.body)
        }
        "list_user_identifiers" => to_json(&accepted(client.list_user_identifiers(user).send().await)?.body),
        "get_user_identifier" => to_json(&accepted(client.get_user_identifier(user, identifier).send().await)?.body),
        "create_user_identifier" => {
            let body = CreateUserIdentifierRequest::new("NATIONAL_ID", "PL", "44051401359");
            to_json(&accepted(client.create_user_identifier(user, body).send().await)?.body)
        }
        "update_user_identifier" => {
            let body = UpdateUserIdentifierRequest::new("44051401359");
            to_json(&accepted(client.update_user_identifier(user, identifier, body).send().await)?.body)
        }
        other => return Err(format!("no call known for operation {other} with a JSON example: add it to prism.rs")),
    };
    same_json(expected, &decoded, "$")
        .map_err(|e| format!("the decoded answer, serialized again, differs from the example: {e}"))
}

fn same_len(streamed: usize, page: usize) -> Result<(), String> {
    if streamed == page {
        Ok(())
    } else {
        Err(format!(".stream() gave {streamed} items, the page has {page}"))
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("generated types serialize")
}

fn decode<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, String> {
    serde_json::from_value(value.clone()).map_err(|e| format!("the example does not decode into the body type: {e}"))
}

/// Compares JSON values: same keys, same array lengths, same values; two
/// strings that are the same RFC 3339 instant are equal (`14:10:00.00Z` is
/// written back as `14:10:00Z`).
fn same_json(expected: &Value, actual: &Value, at: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let lost: Vec<&String> = e.keys().filter(|k| !a.contains_key(*k)).collect();
            let added: Vec<&String> = a.keys().filter(|k| !e.contains_key(*k)).collect();
            if !lost.is_empty() || !added.is_empty() {
                return Err(format!("at {at}: keys lost {lost:?}, keys added {added:?}"));
            }
            e.iter().try_for_each(|(k, v)| same_json(v, &a[k], &format!("{at}.{k}")))
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!("at {at}: {} items, expected {}", a.len(), e.len()));
            }
            e.iter().zip(a).enumerate().try_for_each(|(i, (e, a))| same_json(e, a, &format!("{at}[{i}]")))
        }
        (Value::String(e), Value::String(a)) if e != a => {
            let same_instant = matches!(
                (
                    e.parse::<chrono::DateTime<chrono::Utc>>(),
                    a.parse::<chrono::DateTime<chrono::Utc>>()
                ),
                (Ok(x), Ok(y)) if x == y
            );
            if same_instant {
                Ok(())
            } else {
                Err(format!("at {at}: {a:?}, expected {e:?}"))
            }
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => Ok(()),
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("at {at}: {a}, expected {e}")),
    }
}

// ---------------------------------------------------------------------------
// Reading the spec
// ---------------------------------------------------------------------------

/// (operation id, example name, value) of every named example of a 2xx JSON answer.
fn response_examples(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (id, op) in support::spec_operations(spec) {
        let Some(responses) = op["responses"].as_object() else {
            continue;
        };
        for (status, response) in responses {
            if !status.starts_with('2') {
                continue;
            }
            let response = support::resolve(spec, response);
            if let Some(media) = response.pointer("/content/application~1json") {
                for (name, value) in support::named_examples(spec, media) {
                    out.push((id.clone(), name, value));
                }
            }
        }
    }
    out
}

/// (operation id, example name, value) of every named request body example.
fn request_examples(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (id, op) in support::spec_operations(spec) {
        let Some(body) = op.get("requestBody") else {
            continue;
        };
        let body = support::resolve(spec, body);
        if let Some(media) = body.pointer("/content/application~1json") {
            for (name, value) in support::named_examples(spec, media) {
                out.push((id.clone(), name, value));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Prism's verdict
// ---------------------------------------------------------------------------

const VIOLATIONS: &str = "sl-violations";

/// Ok when Prism answered 2xx without violations and with an
/// `upvest-request-id`; otherwise what Prism objected to.
fn accepted<T>(result: Result<Response<T>, Error>) -> Result<Response<T>, String> {
    match result {
        Ok(response) => {
            if let Some(v) = response.headers.get(VIOLATIONS) {
                return Err(format!(
                    "Prism answered {} but reported violations: {}",
                    response.status,
                    String::from_utf8_lossy(v.as_bytes())
                ));
            }
            match response.request_id.as_deref().map(Uuid::parse_str) {
                Some(Ok(_)) => Ok(response),
                other => Err(format!("no UUID upvest-request-id on the {} answer: {other:?}", response.status)),
            }
        }
        Err(e) => Err(describe(&e)),
    }
}

/// An error, with Prism's violations when it was Prism that refused.
fn describe(error: &Error) -> String {
    match error {
        Error::Api(api) => format!(
            "Prism refused the request: {} violations {} body {}",
            api.status,
            api.headers
                .get(VIOLATIONS)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_else(|| "(none)".into()),
            String::from_utf8_lossy(&api.body)
        ),
        other => format!("{other} ({other:?})"),
    }
}

// ---------------------------------------------------------------------------
// Running Prism
// ---------------------------------------------------------------------------

/// A running Prism; dropping it (at the end of the test, or while a failing
/// test unwinds) kills the process. Its output goes to a log file in
/// `target/tmp/`, kept when the test fails.
struct Prism {
    child: Child,
    base_url: String,
    log_path: PathBuf,
    key: TestKey,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Keep the log only when it may explain a failure.
        if !std::thread::panicking() {
            let _ = fs::remove_file(&self.log_path);
        }
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("client-tests/ is inside the repository").to_path_buf()
}

impl Prism {
    /// Starts `prism mock --errors spec/upvest.yaml` on a free port and waits
    /// until it answers. Tries three ports in case one is taken in between.
    async fn start() -> Prism {
        let bin = prism_bin();
        let spec = repo_root().join("spec/upvest.yaml");
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            let log_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("prism-{port}.log"));
            let log = File::create(&log_path).unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
            let child = Command::new(&bin)
                .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string(), "--errors"])
                .arg(&spec)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log file handle"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot start Prism ({}): {e}; Prism needs Node.js >= 20.19 on PATH", bin.display())
                });
            let mut prism =
                Prism { child, base_url: format!("http://127.0.0.1:{port}"), log_path, key: TestKey::ed25519() };
            match prism.wait_until_ready(Duration::from_secs(60)).await {
                Ok(()) => return prism,
                Err(e) => last_error = e, // dropping `prism` kills it
            }
        }
        panic!("Prism did not start: {last_error}");
    }

    async fn wait_until_ready(&mut self, limit: Duration) -> Result<(), String> {
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("Prism exited with {status}: {}", self.log()));
            }
            // Any HTTP answer means Prism has loaded the document and listens.
            if http.get(format!("{}/", self.base_url)).timeout(Duration::from_secs(2)).send().await.is_ok() {
                return Ok(());
            }
            if started.elapsed() > limit {
                return Err(format!("no answer after {limit:?}: {}", self.log()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// A client builder for Prism, with tokens from `tokens`; with `prefer`,
    /// every request carries `Prefer: <prefer>` (how Prism is asked for a
    /// named example or status), set on the client's own `reqwest::Client`.
    fn builder(&self, tokens: &wiremock::MockServer, prefer: Option<&str>) -> ClientBuilder {
        let mut builder = support::builder(&self.base_url, &support::token_url(tokens), &self.key);
        if let Some(prefer) = prefer {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert("prefer", prefer.parse().expect("a valid header value"));
            let http = reqwest::Client::builder().default_headers(headers).build().expect("reqwest client");
            builder = builder.http_client(http);
        }
        builder
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port on 127.0.0.1").port()
}

/// `UPVEST_PRISM_BIN`, else `tools/node_modules/.bin/prism`, installing the
/// pinned tools with `npm ci --prefix tools` first when it is missing.
fn prism_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("UPVEST_PRISM_BIN") {
        let bin = PathBuf::from(bin);
        assert!(
            bin.is_file(),
            "UPVEST_PRISM_BIN is {} but there is no file there; unset it to use tools/node_modules/.bin/prism",
            bin.display()
        );
        return bin;
    }
    let root = repo_root();
    let bin = root.join("tools/node_modules/.bin/prism");
    if !bin.is_file() {
        install_tools(&root, &bin);
    }
    bin
}

/// Runs `npm ci --prefix tools` once, even when several test processes want
/// Prism at the same time: a lock file (in the system temp directory, named
/// after the repository) lets one install while the others wait for it.
fn install_tools(root: &Path, bin: &Path) {
    let lock = std::env::temp_dir().join(format!("upvest-npm-ci-{:016x}.lock", fnv1a(root)));
    let started = Instant::now();
    let _lock = loop {
        match OpenOptions::new().write(true).create_new(true).open(&lock) {
            Ok(_) => break LockFile(lock.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if bin.is_file() {
                    return; // the other process finished the install
                }
                // A lock older than 10 minutes is left over from a killed run.
                let stale = fs::metadata(&lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age > Duration::from_secs(600));
                if stale {
                    let _ = fs::remove_file(&lock);
                }
                assert!(
                    started.elapsed() < Duration::from_secs(600),
                    "waited 10 minutes for another `npm ci --prefix tools` (lock {})",
                    lock.display()
                );
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => panic!("cannot create the lock file {}: {e}", lock.display()),
        }
    };
    if bin.is_file() {
        return;
    }
    eprintln!("prism: {} is missing; running `npm ci --prefix tools`", bin.display());
    let status = Command::new("npm")
        .current_dir(root)
        .args(["ci", "--prefix", "tools", "--no-audit", "--no-fund"])
        .stdin(Stdio::null())
        .status();
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => panic!("`npm ci --prefix tools` failed ({status}); see its output above"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "the Prism mock server is not installed and npm was not found to install it: \
             install Node.js >= 20.19 with npm, then run `cargo xtask test` (or \
             `npm ci --prefix tools`), or point UPVEST_PRISM_BIN at a prism binary"
        ),
        Err(e) => panic!("cannot run npm: {e}"),
    }
    assert!(bin.is_file(), "`npm ci --prefix tools` succeeded but {} is still missing", bin.display());
}

/// Removes the install lock when the install is over (or failed).
struct LockFile(PathBuf);

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// FNV-1a of a path, to name the lock file after the repository.
fn fnv1a(path: &Path) -> u64 {
    path.to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
}
