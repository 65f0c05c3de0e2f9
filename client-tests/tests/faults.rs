//! Fault cases, end to end through the generated client, on local mock
//! servers (wiremock, with the token endpoint on the same server, and a raw TCP
//! listener for dropped connections).
//!
//! Each case checks the exact number of attempts, that every attempt of a POST
//! carries the same idempotency key, that a POST without one is never
//! repeated once it may have reached the server, the typed error the caller
//! gets, and that no secret ends up in logs or in `Debug` output.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use support::{TestKey, ACCESS_TOKEN, CLIENT_SECRET, TOKEN_PATH};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use upvest_client::types::{CreateAccountGroupRequest, UserByolDataChangeRequest, UserCreateRequest};
use upvest_client::{ClientBuilder, Error, RetryPolicy};
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const USER_ID: &str = "83d83ec2-d2ca-49ff-bbea-b92b5c3be202";
const REQUEST_ID: &str = "169ae4c7-ebd7-4041-94da-25369653eba7";

/// A client for `server`, whose token endpoint is on the same server.
fn client_for(server: &MockServer, key: &TestKey) -> ClientBuilder {
    support::builder(&server.uri(), &support::token_url(server), key)
}

fn user_id() -> Uuid {
    Uuid::parse_str(USER_ID).unwrap()
}

/// A body for `POST /users/{id}/data_change_requests`, which takes no
/// idempotency key.
fn data_change() -> UserByolDataChangeRequest {
    UserByolDataChangeRequest::new().with_last_name("Gabler")
}

fn account_group_request() -> CreateAccountGroupRequest {
    CreateAccountGroupRequest::new(user_id(), "PERSONAL")
}

/// The spec's own account group example, as a 200 answer.
fn account_group_json() -> ResponseTemplate {
    let spec = upvest_client_tests::spec();
    let example =
        spec.pointer("/components/examples/AccountGroup/value").expect("the spec has an AccountGroup example").clone();
    ResponseTemplate::new(200).insert_header("upvest-request-id", REQUEST_ID).set_body_json(example)
}

/// The spec's BYOL user example, as a 200 answer.
fn user_json() -> ResponseTemplate {
    let spec = upvest_client_tests::spec();
    let example = spec.pointer("/components/examples/UserByol/value").expect("the spec has a UserByol example").clone();
    ResponseTemplate::new(200).insert_header("upvest-request-id", REQUEST_ID).set_body_json(example)
}

fn empty_users_json() -> ResponseTemplate {
    ResponseTemplate::new(200).insert_header("upvest-request-id", REQUEST_ID).set_body_json(serde_json::json!({
        "meta": {"offset": 0, "limit": 100, "count": 0, "total_count": 0},
        "data": []
    }))
}

fn byol_user_request() -> UserCreateRequest {
    let spec = upvest_client_tests::spec();
    let example = spec
        .pointer("/components/examples/UserByolCreateRequest/value")
        .expect("the spec has a BYOL create example")
        .clone();
    serde_json::from_value(example).expect("the example decodes")
}

fn problem(status: u16, kind: &str, detail: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("upvest-request-id", REQUEST_ID).set_body_raw(
        serde_json::json!({
            "type": format!("https://api.upvest.co/problems/{kind}"),
            "status": status,
            "title": kind,
            "detail": detail,
            "request_id": REQUEST_ID,
        })
        .to_string(),
        "application/problem+json",
    )
}

/// The requests `server` received for `method path`, in order.
async fn received(server: &MockServer, verb: &str, p: &str) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == p)
        .collect()
}

fn header(request: &wiremock::Request, name: &str) -> Option<String> {
    request.headers.get(name).map(|v| v.to_str().expect("ASCII header").to_string())
}

/// The idempotency keys of `requests` (`None` where none was sent).
fn keys(requests: &[wiremock::Request]) -> Vec<Option<String>> {
    requests.iter().map(|r| header(r, "idempotency-key")).collect()
}

// ---------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_429_is_retried_after_retry_after_with_the_same_idempotency_key() {
    let server = MockServer::start().await;
    support::token_mock().expect(1).mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/account_groups"))
        .respond_with(problem(429, "too_many_requests", "slow down").insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/account_groups")).respond_with(account_group_json()).mount(&server).await;
    // Seeded keys: one per logical call, numbered.
    let made = Arc::new(AtomicUsize::new(0));
    let counter = made.clone();
    let client = client_for(&server, &TestKey::ed25519())
        .idempotency_key_generator(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            format!("00000000-0000-4000-8000-{n:012}")
        })
        .build()
        .unwrap();

    let started = Instant::now();
    let response = client.create_account_group(account_group_request()).send().await.expect("the retry succeeds");
    let waited = started.elapsed();
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.request_id.as_deref(), Some(REQUEST_ID));
    // The backoff is 1-5 ms: only `Retry-After: 1` explains a wait of 1 s.
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
    let attempts = received(&server, "POST", "/account_groups").await;
    assert_eq!(attempts.len(), 2, "one 429, one retry");
    let key = Some("00000000-0000-4000-8000-000000000001".to_string());
    assert_eq!(keys(&attempts), [key.clone(), key]);

    // The next logical call gets the next key, once.
    client.create_account_group(account_group_request()).send().await.unwrap();
    let attempts = received(&server, "POST", "/account_groups").await;
    assert_eq!(attempts.len(), 3);
    assert_eq!(header(&attempts[2], "idempotency-key").as_deref(), Some("00000000-0000-4000-8000-000000000002"));
    assert_eq!(made.load(Ordering::SeqCst), 2, "one key per call");
    assert_eq!(received(&server, "POST", TOKEN_PATH).await.len(), 1);
}

#[tokio::test]
async fn a_503_then_200_is_retried_once() {
    let server = MockServer::start().await;
    support::token_mock().expect(1).mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/users"))
        .respond_with(problem(503, "service_unavailable", "later"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path("/users")).respond_with(empty_users_json()).mount(&server).await;
    let client = client_for(&server, &TestKey::ed25519()).build().unwrap();
    let page = client.list_users().send().await.expect("the retry succeeds");
    assert!(page.body.data.is_empty());
    assert_eq!(received(&server, "GET", "/users").await.len(), 2);
}

#[tokio::test]
async fn a_post_with_a_key_keeps_it_on_every_attempt_until_attempts_run_out() {
    let server = MockServer::start().await;
    support::token_mock().expect(1).mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(problem(503, "service_unavailable", "later"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/users")).respond_with(user_json()).mount(&server).await;
    let client = client_for(&server, &TestKey::ed25519())
        .idempotency_key_generator(|| panic!("the caller's key is used, none is generated"))
        .build()
        .unwrap();
    let key = Uuid::new_v4();
    client.create_user(byol_user_request()).idempotency_key(key).send().await.expect("the third attempt succeeds");
    let attempts = received(&server, "POST", "/users").await;
    assert_eq!(attempts.len(), 3, "two 503s and the success");
    assert_eq!(keys(&attempts), vec![Some(key.to_string()); 3]);

    // With every attempt failing, the last error comes back after 3 attempts.
    server.reset().await;
    support::token_mock().mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(problem(503, "service_unavailable", "later"))
        .mount(&server)
        .await;
    let err = client.create_user(byol_user_request()).idempotency_key(key).send().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert!(err.is_retryable());
    let attempts = received(&server, "POST", "/users").await;
    assert_eq!(keys(&attempts), vec![Some(key.to_string()); 3]);
}

#[tokio::test]
async fn a_post_without_an_idempotency_key_is_not_retried_after_a_503() {
    // The spec gives POST /users/{id}/data_change_requests no idempotency key.
    let spec = upvest_client_tests::spec();
    let params = spec
        .pointer("/paths/~1users~1{user_id}~1data_change_requests/post/parameters")
        .and_then(|p| p.as_array())
        .expect("the operation has parameters");
    assert!(
        !params.iter().any(|p| p["$ref"].as_str().is_some_and(|r| r.ends_with("/IdempotencyKey"))),
        "the spec now gives data change requests an idempotency key: pick another operation"
    );

    let server = MockServer::start().await;
    support::token_mock().expect(1).mount(&server).await;
    let endpoint = format!("/users/{USER_ID}/data_change_requests");
    Mock::given(method("POST"))
        .and(path(endpoint.as_str()))
        .respond_with(problem(503, "service_unavailable", "later"))
        .mount(&server)
        .await;
    let client = client_for(&server, &TestKey::ed25519()).build().unwrap();
    let err = client.create_user_data_change_request(user_id(), data_change()).send().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    let attempts = received(&server, "POST", &endpoint).await;
    assert_eq!(attempts.len(), 1, "a POST without a key is sent once");
    assert_eq!(keys(&attempts), [None]);

    // The same for a PATCH, which has no key either.
    let endpoint = format!("/users/{USER_ID}/identifiers/{USER_ID}");
    Mock::given(method("PATCH"))
        .and(path(endpoint.as_str()))
        .respond_with(problem(503, "service_unavailable", "later"))
        .mount(&server)
        .await;
    let update = upvest_client::types::UpdateUserIdentifierRequest::new("44051401359");
    let err = client.update_user_identifier(user_id(), user_id(), update).send().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(received(&server, "PATCH", &endpoint).await.len(), 1);
}

// ---------------------------------------------------------------------------
// Timeouts and dropped connections
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_slow_answer_times_out_and_only_repeatable_calls_are_retried() {
    let server = MockServer::start().await;
    // A read token for the GET, an admin token for the POSTs.
    support::token_mock().expect(2).mount(&server).await;
    let slow = Duration::from_secs(3);
    Mock::given(method("GET"))
        .and(path("/users"))
        .respond_with(empty_users_json().set_delay(slow))
        .mount(&server)
        .await;
    let endpoint = format!("/users/{USER_ID}/data_change_requests");
    Mock::given(method("POST"))
        .and(path(endpoint.as_str()))
        .respond_with(ResponseTemplate::new(202).set_delay(slow))
        .mount(&server)
        .await;
    // The first attempt of the keyed POST is slow, the second is not.
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(user_json().set_delay(slow))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/users")).respond_with(user_json()).mount(&server).await;
    let client = client_for(&server, &TestKey::ed25519())
        .timeout(Duration::from_millis(200))
        .retry_policy(support::fast_retries().max_attempts(2))
        .build()
        .unwrap();

    let started = Instant::now();
    let err = client.list_users().send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(started.elapsed() < slow, "gave up only after {:?}", started.elapsed());
    assert_eq!(received(&server, "GET", "/users").await.len(), 2);

    let err = client.create_user_data_change_request(user_id(), data_change()).send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(
        received(&server, "POST", &endpoint).await.len(),
        1,
        "a POST without a key that may have arrived is not repeated"
    );

    let key = Uuid::new_v4();
    client
        .create_user(byol_user_request())
        .idempotency_key(key)
        .send()
        .await
        .expect("the keyed POST is retried after the timeout");
    let attempts = received(&server, "POST", "/users").await;
    assert_eq!(keys(&attempts), vec![Some(key.to_string()); 2]);
}

/// A server that reads each request and closes the connection without
/// answering. Stops when dropped.
struct DroppingServer {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DroppingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DroppingServer {
    async fn start() -> DroppingServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let head = read_request(&mut socket).await;
                seen.lock().unwrap().push(head);
                let _ = socket.shutdown().await;
                drop(socket);
            }
        });
        DroppingServer { url, requests, task }
    }

    /// The heads (request line and headers) of the requests read so far.
    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Reads one HTTP/1.1 request (head and `content-length` body); returns the
/// head, lower-cased.
async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&data).to_lowercase(),
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_lowercase();
    let length: usize =
        head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    while data.len() < head_end + length {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    head
}

fn head_header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| l.strip_prefix(&format!("{name}:"))).map(|v| v.trim().to_string())
}

#[tokio::test]
async fn a_dropped_connection_is_retried_only_when_repeatable() {
    let dropping = DroppingServer::start().await;
    let tokens = support::token_stub().await;
    let client = support::builder(&dropping.url, &support::token_url(&tokens), &TestKey::ed25519()).build().unwrap();

    let err = client.list_users().send().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let heads = dropping.requests();
    assert_eq!(heads.len(), 3, "a GET is retried up to max_attempts");
    assert!(heads.iter().all(|h| h.starts_with("get /users ")), "{heads:?}");

    let err = client.create_user_data_change_request(user_id(), data_change()).send().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(dropping.requests().len(), 4, "a POST without a key is sent once");

    let key = Uuid::new_v4();
    let err = client.create_user(byol_user_request()).idempotency_key(key).send().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let heads = dropping.requests();
    assert_eq!(heads.len(), 7, "a keyed POST is retried up to max_attempts");
    for head in &heads[4..] {
        assert!(head.starts_with("post /users "), "{head}");
        assert_eq!(head_header(head, "idempotency-key"), Some(key.to_string()));
    }
    // One token per scope set for the whole test: a read token for the GET,
    // an admin token for the POSTs.
    assert_eq!(received(&tokens, "POST", TOKEN_PATH).await.len(), 2);
}

/// `Error::is_retryable` promises "a connection failure" is retryable, and the
/// client's own retry loop does retry a GET whose connection was dropped after
/// the request went out (see above), like it retries a timeout. The error the
/// caller gets at the end must say the same, so that code that retries later
/// on `is_retryable()` treats a dropped connection like a timeout.
///
/// Fails today: `Error::Transport` is retryable only when reqwest calls it a
/// connect or timeout error (templates/runtime/error.rs, `Error::is_retryable`),
/// and a connection closed mid-exchange (hyper `IncompleteMessage`) is neither.
#[tokio::test]
async fn a_dropped_connection_is_reported_as_retryable() {
    let dropping = DroppingServer::start().await;
    let tokens = support::token_stub().await;
    let client = support::builder(&dropping.url, &support::token_url(&tokens), &TestKey::ed25519())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.list_users().send().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(dropping.requests().len(), 1);
    assert!(err.is_retryable(), "a dropped connection is retried by the client but is_retryable() says false: {err:?}");
}

// ---------------------------------------------------------------------------
// Bad answers
// ---------------------------------------------------------------------------

#[tokio::test]
async fn malformed_json_is_a_decode_error_that_keeps_the_body() {
    let server = MockServer::start().await;
    support::token_mock().mount(&server).await;
    let body = r#"{"meta": {"offset": 0, "limit": 100, "count": 1, "total_count": 1}, "data": [{"id": "#;
    Mock::given(method("GET"))
        .and(path("/users"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("upvest-request-id", REQUEST_ID)
                .set_body_raw(body, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, &TestKey::ed25519()).build().unwrap();
    let err = client.list_users().send().await.unwrap_err();
    match &err {
        Error::Decode { status, request_id, body: kept, .. } => {
            assert_eq!(*status, StatusCode::OK);
            assert_eq!(request_id.as_deref(), Some(REQUEST_ID));
            assert_eq!(kept, body.as_bytes());
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }
    assert_eq!(err.request_id(), Some(REQUEST_ID));
    assert!(!err.is_retryable());
    assert_eq!(received(&server, "GET", "/users").await.len(), 1);
}

#[tokio::test]
async fn html_instead_of_json_is_an_unexpected_content_type() {
    let server = MockServer::start().await;
    support::token_mock().mount(&server).await;
    let html = "<html><body>502 Bad Gateway (but sent as 200)</body></html>";
    Mock::given(method("GET"))
        .and(path(format!("/users/{USER_ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(html, "text/html; charset=utf-8"))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, &TestKey::ed25519()).build().unwrap();
    let err = client.get_user(user_id()).send().await.unwrap_err();
    match &err {
        Error::UnexpectedContentType { status, content_type, body, .. } => {
            assert_eq!(*status, StatusCode::OK);
            assert_eq!(content_type.as_deref(), Some("text/html; charset=utf-8"));
            assert_eq!(body, html.as_bytes());
        }
        other => panic!("expected Error::UnexpectedContentType, got {other:?}"),
    }
    assert_eq!(received(&server, "GET", &format!("/users/{USER_ID}")).await.len(), 1);
}

#[tokio::test]
async fn problem_json_errors_are_typed() {
    let server = MockServer::start().await;
    support::token_mock().mount(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("/users/{USER_ID}")))
        .respond_with(problem(404, "not_found", "no user with this id"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(problem(400, "missing_idempotency_key", "send an idempotency-key"))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, &TestKey::ed25519()).build().unwrap();

    let err = client.get_user(user_id()).send().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(err.request_id(), Some(REQUEST_ID));
    assert!(!err.is_retryable());
    let Error::Api(api) = &err else {
        panic!("expected Error::Api, got {err:?}");
    };
    let problem = api.problem.as_ref().expect("a typed problem");
    assert_eq!(problem.r#type, "https://api.upvest.co/problems/not_found");
    assert_eq!(problem.status, 404);
    assert_eq!(problem.detail.as_deref(), Some("no user with this id"));
    assert_eq!(problem.request_id.as_deref(), Some(REQUEST_ID));
    assert_eq!(api.headers["content-type"].to_str().unwrap(), "application/problem+json");
    // `detail` describes the occurrence and may quote personal data: it stays
    // in the problem, out of Display and Debug.
    assert!(!err.to_string().contains("no user with this id"), "{err}");
    assert!(!format!("{err:?}").contains("no user with this id"), "{err:?}");
    assert!(err.to_string().contains("not_found"), "{err}");
    assert!(err.to_string().contains(REQUEST_ID), "{err}");

    let err = client.create_user(byol_user_request()).send().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(
        err.problem().map(|p| p.r#type.as_str()),
        Some("https://api.upvest.co/problems/missing_idempotency_key")
    );
}

#[tokio::test]
async fn every_documented_problem_example_is_a_typed_api_error() {
    let spec = upvest_client_tests::spec();
    let examples = support::problem_examples(&spec);
    assert!(examples.len() >= 8, "{examples:?}");
    let server = MockServer::start().await;
    let client = client_for(&server, &TestKey::ed25519()).retry_policy(RetryPolicy::none()).build().unwrap();
    for (status, name, example) in examples {
        server.reset().await;
        support::token_mock().mount(&server).await;
        Mock::given(method("GET"))
            .and(path("/users"))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("upvest-request-id", REQUEST_ID)
                    .set_body_raw(example.to_string(), "application/problem+json"),
            )
            .mount(&server)
            .await;
        let err = client.list_users().send().await.unwrap_err();
        let what = format!("{status} example {name:?}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{what}");
        assert_eq!(err.request_id(), Some(REQUEST_ID), "{what}");
        let Error::Api(api) = &err else {
            panic!("{what}: expected Error::Api, got {err:?}");
        };
        let problem = api.problem.as_ref().unwrap_or_else(|| panic!("{what}: untyped"));
        assert_eq!(serde_json::to_value(problem).unwrap(), example, "{what}");
        assert_eq!(api.body, example.to_string().as_bytes(), "{what}");
        // One attempt (no retries by policy); a 401 refreshes the token once.
        let expected = if status == 401 { 2 } else { 1 };
        assert_eq!(received(&server, "GET", "/users").await.len(), expected, "{what}");
    }
}

// ---------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_the_call_succeeds() {
    let server = MockServer::start().await;
    let issued = Arc::new(AtomicUsize::new(0));
    let counter = issued.clone();
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(move |_: &wiremock::Request| {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            ResponseTemplate::new(200).set_body_json(support::token_body(&format!("token-{n}")))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/users"))
        .respond_with(problem(401, "unauthorized", "token revoked"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path("/users")).respond_with(empty_users_json()).mount(&server).await;
    // No retries by policy: the refresh after a 401 does not depend on them.
    let client = client_for(&server, &TestKey::ed25519()).retry_policy(RetryPolicy::none()).build().unwrap();
    client.list_users().send().await.expect("the call succeeds with the refreshed token");
    assert_eq!(received(&server, "POST", TOKEN_PATH).await.len(), 2);
    let calls = received(&server, "GET", "/users").await;
    let auth: Vec<Option<String>> = calls.iter().map(|r| header(r, "authorization")).collect();
    assert_eq!(auth, [Some("Bearer token-1".to_string()), Some("Bearer token-2".to_string())]);

    // The refreshed token is cached.
    client.list_users().send().await.unwrap();
    assert_eq!(received(&server, "POST", TOKEN_PATH).await.len(), 2);
    assert_eq!(issued.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_failing_token_endpoint_is_a_token_error_and_nothing_is_called() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(problem(500, "internal_server_error", "token service down"))
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path("/users")).respond_with(empty_users_json()).expect(0).mount(&server).await;
    let client = client_for(&server, &TestKey::ed25519()).build().unwrap();
    let err = client.list_users().send().await.unwrap_err();
    match &err {
        Error::Token(inner) => match inner.as_ref() {
            Error::Api(api) => {
                assert_eq!(api.status, StatusCode::INTERNAL_SERVER_ERROR);
                assert_eq!(
                    api.problem.as_ref().map(|p| p.r#type.as_str()),
                    Some("https://api.upvest.co/problems/internal_server_error")
                );
            }
            other => panic!("expected the token endpoint's Error::Api, got {other:?}"),
        },
        other => panic!("expected Error::Token, got {other:?}"),
    }
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(err.request_id(), Some(REQUEST_ID));
    assert!(!err.is_retryable());
    // 500 is not a retryable status: one token request.
    assert_eq!(received(&server, "POST", TOKEN_PATH).await.len(), 1);
    assert_eq!(received(&server, "GET", "/users").await.len(), 0);

    // A 503 from the token endpoint is retried like any other call.
    server.reset().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(problem(503, "service_unavailable", "later"))
        .mount(&server)
        .await;
    let err = client.list_users().send().await.unwrap_err();
    assert!(matches!(err, Error::Token(_)), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(received(&server, "POST", TOKEN_PATH).await.len(), 3);
    assert_eq!(received(&server, "GET", "/users").await.len(), 0);
}

// ---------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------

#[tokio::test]
async fn no_secret_reaches_the_logs_or_debug_output() {
    let (_guard, logs) = support::capture_logs();
    let key = TestKey::p521();
    let pem = key.pkcs8_pem();
    let pem_lines = support::pem_secret_lines(&pem);
    let refreshed_token = "refreshed-token-5b1f.do-not-log";
    let mut secrets: Vec<&str> = vec![CLIENT_SECRET, ACCESS_TOKEN, refreshed_token];
    secrets.extend(pem_lines.iter().map(String::as_str));

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(support::token_body(ACCESS_TOKEN)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(support::token_body(refreshed_token)))
        .mount(&server)
        .await;
    // A retry (logged as a warning with the error), a 401 refresh, a success.
    Mock::given(method("GET"))
        .and(path("/users"))
        .respond_with(problem(503, "service_unavailable", "later"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/users"))
        .respond_with(problem(401, "unauthorized", "expired"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path("/users")).respond_with(empty_users_json()).mount(&server).await;
    // An API error.
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(problem(400, "bad_request", "nope"))
        .mount(&server)
        .await;

    let builder = client_for(&server, &key);
    support::assert_no_secrets("Debug of the ClientBuilder", &format!("{builder:?}"), &secrets);
    let client = builder.build().unwrap();
    client.list_users().send().await.expect("retried and refreshed");
    let api_error = client.create_user(byol_user_request()).send().await.unwrap_err();
    // The read token, its refresh after the 401, and the admin token.
    assert_eq!(received(&server, "POST", TOKEN_PATH).await.len(), 3);

    // A token answer that does not decode, holding a token: the error must not
    // carry it.
    let broken = MockServer::start().await;
    let leaked_token = "token-in-a-broken-answer.do-not-log";
    secrets.push(leaked_token);
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(
                format!(r#"{{"access_token": "{leaked_token}", "expires_in": 1799,"#),
                "application/json",
            ),
        )
        .mount(&broken)
        .await;
    let broken_client = client_for(&broken, &key).build().unwrap();
    let token_error = broken_client.list_users().send().await.unwrap_err();
    assert!(matches!(token_error, Error::Token(_)), "{token_error:?}");

    let client_debug = format!("{client:?}");
    assert!(client_debug.contains(support::CLIENT_ID), "{client_debug}");
    support::assert_no_secrets("Debug of the Client", &client_debug, &secrets);
    for err in [&api_error, &token_error] {
        support::assert_no_secrets("Debug of an Error", &format!("{err:?}"), &secrets);
        support::assert_no_secrets("Display of an Error", &format!("{err}"), &secrets);
    }

    let text = logs.text();
    // The capture works: the calls, the retry and the refresh are in it.
    for expected in ["upvest.request", "upvest.token", "list_users", "retrying"] {
        assert!(text.contains(expected), "{expected:?} missing from the logs:\n{text}");
    }
    support::assert_no_secrets("the TRACE logs", &text, &secrets);
}

// ---------------------------------------------------------------------------
// Least privilege
// ---------------------------------------------------------------------------

/// A token endpoint that counts requests and hands out `token-<scope>-<n>`.
async fn counting_token_endpoint(server: &MockServer) -> Arc<Mutex<Vec<String>>> {
    let scopes = Arc::new(Mutex::new(Vec::new()));
    let seen = scopes.clone();
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(move |request: &wiremock::Request| {
            let form: Vec<(String, String)> = url_form(&request.body);
            let scope = form.iter().find(|(k, _)| k == "scope").map(|(_, v)| v.clone()).unwrap_or_default();
            let mut seen = seen.lock().unwrap();
            seen.push(scope.clone());
            let token = format!("token-{}-{}", scope.replace(':', "_"), seen.len());
            ResponseTemplate::new(200).set_body_json(support::token_body(&token))
        })
        .mount(server)
        .await;
    scopes
}

fn url_form(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.replace('+', " ").replace("%3A", ":")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_writes_use_separate_least_privileged_tokens() {
    let server = MockServer::start().await;
    let scopes = counting_token_endpoint(&server).await;
    Mock::given(method("GET")).and(path("/users")).respond_with(empty_users_json()).mount(&server).await;
    Mock::given(method("POST")).and(path("/users")).respond_with(user_json()).mount(&server).await;
    // No scope configuration at all.
    let client = client_for(&server, &TestKey::ed25519()).build().unwrap();
    let mut tasks = Vec::new();
    for i in 0..60 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            if i % 3 == 0 {
                client.create_user(byol_user_request()).send().await.map(|_| ())
            } else {
                client.list_users().send().await.map(|_| ())
            }
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let mut requested = scopes.lock().unwrap().clone();
    requested.sort();
    assert_eq!(requested, ["users:admin", "users:read"], "one token per scope set");
    for call in received(&server, "GET", "/users").await {
        let auth = header(&call, "authorization").unwrap();
        assert!(auth.starts_with("Bearer token-users_read-"), "a read carries the read token: {auth}");
    }
    for call in received(&server, "POST", "/users").await {
        let auth = header(&call, "authorization").unwrap();
        assert!(auth.starts_with("Bearer token-users_admin-"), "a write carries the admin token: {auth}");
    }
}

#[tokio::test]
async fn a_read_only_client_refuses_writes_before_sending_anything() {
    let server = MockServer::start().await;
    let scopes = counting_token_endpoint(&server).await;
    Mock::given(method("GET")).and(path("/users")).respond_with(empty_users_json()).mount(&server).await;
    let client = client_for(&server, &TestKey::ed25519()).scopes(["users:read", "accounts:read"]).build().unwrap();
    let err = client.create_user(byol_user_request()).send().await.unwrap_err();
    assert!(matches!(err, Error::Scope { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("users:admin") && text.contains("ClientBuilder::scopes"), "{text}");
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing was sent");
    client.list_users().send().await.unwrap();
    assert_eq!(*scopes.lock().unwrap(), ["users:read"]);
}

#[tokio::test]
async fn a_401_that_a_new_token_does_not_cure_refreshes_rarely() {
    let server = MockServer::start().await;
    let scopes = counting_token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path("/users"))
        .respond_with(problem(401, "unauthorized", "bad signature"))
        .mount(&server)
        .await;
    let client = client_for(&server, &TestKey::ed25519()).build().unwrap();
    for _ in 0..5 {
        let err = client.list_users().send().await.unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED), "{err:?}");
    }
    // The first token and one refresh, not one per call.
    assert_eq!(scopes.lock().unwrap().len(), 2);
    assert_eq!(received(&server, "GET", "/users").await.len(), 6);
}

// ---------------------------------------------------------------------------
// Hostile networks
// ---------------------------------------------------------------------------

#[tokio::test]
async fn redirects_are_never_followed() {
    let elsewhere = MockServer::start().await;
    Mock::given(wiremock::matchers::any()).respond_with(empty_users_json()).mount(&elsewhere).await;
    let to_elsewhere =
        |p: &str| ResponseTemplate::new(307).insert_header("location", format!("{}{p}", elsewhere.uri()));

    // The token endpoint redirects: the client secret must not follow.
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path(TOKEN_PATH)).respond_with(to_elsewhere(TOKEN_PATH)).mount(&server).await;
    let client = client_for(&server, &TestKey::ed25519()).build().unwrap();
    let err = client.list_users().send().await.unwrap_err();
    match &err {
        Error::Token(inner) => assert!(matches!(**inner, Error::Redirect { .. }), "{inner:?}"),
        other => panic!("expected a token error, got {other:?}"),
    }
    assert_eq!(received(&server, "POST", TOKEN_PATH).await.len(), 1, "not retried");

    // An API path redirects: the signed call must not follow.
    let server = MockServer::start().await;
    support::token_mock().mount(&server).await;
    Mock::given(method("GET")).and(path("/users")).respond_with(to_elsewhere("/users")).mount(&server).await;
    let client = client_for(&server, &TestKey::ed25519()).build().unwrap();
    let err = client.list_users().send().await.unwrap_err();
    assert!(matches!(err, Error::Redirect { .. }), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::TEMPORARY_REDIRECT));
    assert!(err.to_string().contains(&elsewhere.uri()), "{err}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty(), "nothing reached the other host");
}

#[tokio::test]
async fn a_huge_body_ends_the_call_at_the_limit() {
    let server = MockServer::start().await;
    support::token_mock().mount(&server).await;
    let padding = "x".repeat(2 * 1024 * 1024);
    let body = serde_json::json!({
        "meta": {"offset": 0, "limit": 100, "count": 0, "total_count": 0},
        "data": [],
        "padding": padding,
    });
    Mock::given(method("GET"))
        .and(path("/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let client = client_for(&server, &TestKey::ed25519()).max_response_body(1024 * 1024).build().unwrap();
    let err = client.list_users().send().await.unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { limit: 1048576, .. }), "{err:?}");
    assert!(!err.is_retryable());
    // A call that expects a large answer raises its own limit.
    client.list_users().max_response_body(4 * 1024 * 1024).send().await.expect("within the call's limit");
}

#[tokio::test]
async fn any_expires_in_from_the_token_endpoint_is_survived() {
    for expires_in in [
        serde_json::json!(0),
        serde_json::json!(-30),
        serde_json::json!(12.5),
        serde_json::json!(1e300),
        serde_json::json!(u64::MAX),
        serde_json::json!("1799"),
        serde_json::json!("soon"),
        serde_json::json!(null),
    ] {
        let server = MockServer::start().await;
        let mut answer = support::token_body(ACCESS_TOKEN);
        answer["expires_in"] = expires_in.clone();
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .mount(&server)
            .await;
        Mock::given(method("GET")).and(path("/users")).respond_with(empty_users_json()).mount(&server).await;
        let client = client_for(&server, &TestKey::ed25519()).build().unwrap();
        for _ in 0..2 {
            client.list_users().send().await.unwrap_or_else(|e| panic!("expires_in {expires_in}: {e:?}"));
        }
    }
}

// ---------------------------------------------------------------------------
// Time and control
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_deadline_covers_the_token_the_attempts_and_the_waits() {
    // A slow token endpoint: the deadline ends the call during the token fetch.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(support::token_body(ACCESS_TOKEN))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let client = client_for(&server, &TestKey::ed25519()).deadline(Duration::from_millis(300)).build().unwrap();
    let started = Instant::now();
    let err = client.list_users().send().await.unwrap_err();
    assert!(matches!(err, Error::Deadline { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());

    // A throttled endpoint asking for a second: a wait past the deadline is
    // not begun; the call ends with the answer at hand.
    let server = MockServer::start().await;
    support::token_mock().mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/users"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .mount(&server)
        .await;
    let client = client_for(&server, &TestKey::ed25519())
        .retry_policy(support::fast_retries().max_attempts(10))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.list_users().deadline(Duration::from_millis(300)).send().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(900), "{:?}", started.elapsed());
    assert_eq!(received(&server, "GET", "/users").await.len(), 1);
}

#[tokio::test]
async fn a_call_overrides_timeout_retries_and_headers() {
    let server = MockServer::start().await;
    support::token_mock().mount(&server).await;
    Mock::given(method("GET")).and(path("/users")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("/users/{USER_ID}")))
        .respond_with(user_json().set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let client = client_for(&server, &TestKey::ed25519()).build().unwrap();

    let err = client
        .list_users()
        .retry_policy(RetryPolicy::none())
        .header("x-correlation-id", "trace-42")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    let calls = received(&server, "GET", "/users").await;
    assert_eq!(calls.len(), 1, "the call's policy: one attempt");
    assert_eq!(header(&calls[0], "x-correlation-id").as_deref(), Some("trace-42"));

    let started = Instant::now();
    let err = client
        .get_user(user_id())
        .timeout(Duration::from_millis(100))
        .retry_policy(RetryPolicy::none())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_retry_after_above_the_cap_waits_the_cap_instead_of_giving_up() {
    let server = MockServer::start().await;
    support::token_mock().mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/users"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "3600"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path("/users")).respond_with(empty_users_json()).mount(&server).await;
    let client = client_for(&server, &TestKey::ed25519())
        .retry_policy(support::fast_retries().max_retry_after(Duration::from_millis(50)))
        .build()
        .unwrap();
    let started = Instant::now();
    client.list_users().send().await.expect("retried after the capped wait");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(received(&server, "GET", "/users").await.len(), 2);
}

#[tokio::test]
async fn an_error_names_the_idempotency_key_of_the_call() {
    let server = MockServer::start().await;
    support::token_mock().mount(&server).await;
    Mock::given(method("POST")).and(path("/users")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let client = client_for(&server, &TestKey::ed25519()).build().unwrap();
    let key = Uuid::new_v4();
    let err = client.create_user(byol_user_request()).idempotency_key(key).send().await.unwrap_err();
    assert_eq!(err.idempotency_key().map(|k| k.as_str().to_string()), Some(key.to_string()));
    assert!(err.to_string().contains(&key.to_string()), "{err}");
}
