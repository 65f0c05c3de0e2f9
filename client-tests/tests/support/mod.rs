//! Helpers shared by the integration tests: credentials and freshly generated
//! signing keys, a local OAuth2 token stub, a client builder pointed at local
//! servers, a log capture for the "no secrets in logs" checks, and readers of
//! the spec's operations and examples.
//!
//! Every test binary compiles this module but uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use upvest_client::{Client, ClientBuilder, Environment, PrivateKey, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The tenant client id. Prism checks that `upvest-client-id` is a UUID.
pub const CLIENT_ID: &str = "ebabcf4d-61c3-4942-875c-e265a7c2d062";
/// The OAuth2 client secret: must never show up in logs or `Debug` output.
pub const CLIENT_SECRET: &str = "client-secret-3f9c1e7a-do-not-log";
/// The id Upvest gave the public key.
pub const KEY_ID: &str = "5d0a7c1e-2b3f-4c8d-9e6f-7a8b9c0d1e2f";
/// The access token the stub hands out. It matches the `authorization`
/// pattern of the spec (`^Bearer [a-zA-Z0-9\-\._~+/]*=*`).
pub const ACCESS_TOKEN: &str = "access-token-7c2e9b4d.do-not-log";
/// The passphrase of the encrypted key fixtures (fixtures/keys/make.sh).
pub const FIXTURE_PASSPHRASE: &str = "upvest-test-passphrase";
/// The path of the token endpoint.
pub const TOKEN_PATH: &str = "/auth/token";

/// `N` random bytes (from v4 UUIDs, so no RNG crate is needed).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    for chunk in out.chunks_mut(16) {
        let random = uuid::Uuid::new_v4().into_bytes();
        chunk.copy_from_slice(&random[..chunk.len()]);
    }
    out
}

/// A signing key generated for this test run, with its PKCS#8 PEM (the form
/// the client reads).
pub enum TestKey {
    /// Ed25519.
    Ed25519(ed25519_dalek::SigningKey),
    /// ECDSA on P-521 (signatures with SHA-512, DER-encoded).
    P521(p521::ecdsa::SigningKey),
}

impl TestKey {
    /// A fresh Ed25519 key.
    pub fn ed25519() -> TestKey {
        TestKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&random_bytes::<32>()))
    }

    /// A fresh P-521 key.
    pub fn p521() -> TestKey {
        loop {
            let mut bytes = random_bytes::<66>();
            // P-521 scalars have 521 bits: the top byte is 0 or 1. Keeping it 0
            // keeps the scalar below the group order.
            bytes[0] = 0;
            if let Ok(key) = p521::ecdsa::SigningKey::from_slice(&bytes) {
                return TestKey::P521(key);
            }
        }
    }

    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn pkcs8_pem(&self) -> String {
        match self {
            TestKey::Ed25519(key) => {
                use ed25519_dalek::pkcs8::EncodePrivateKey as _;
                key.to_pkcs8_pem(Default::default()).expect("Ed25519 key encodes as PKCS#8").to_string()
            }
            TestKey::P521(key) => {
                use p521::pkcs8::EncodePrivateKey as _;
                key.to_pkcs8_pem(Default::default()).expect("P-521 key encodes as PKCS#8").to_string()
            }
        }
    }

    /// The key as the client takes it.
    pub fn private_key(&self) -> PrivateKey {
        PrivateKey::from_pem(&self.pkcs8_pem()).expect("the client reads a PKCS#8 PEM key")
    }

    /// Short name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            TestKey::Ed25519(_) => "Ed25519",
            TestKey::P521(_) => "ECDSA P-521",
        }
    }
}

/// The base64 lines of a PEM: the key material that must not leak.
pub fn pem_secret_lines(pem: &str) -> Vec<String> {
    pem.lines().filter(|line| !line.starts_with("-----") && !line.trim().is_empty()).map(str::to_string).collect()
}

/// The JSON a token endpoint answers with.
pub fn token_body(token: &str) -> serde_json::Value {
    serde_json::json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": 1799,
        "scope": "users:read users:admin accounts:read accounts:admin",
    })
}

/// A mock answering `POST /auth/token` with [`ACCESS_TOKEN`].
pub fn token_mock() -> Mock {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(ACCESS_TOKEN)))
}

/// A local token endpoint: a wiremock server on 127.0.0.1 answering
/// `POST /auth/token` with [`ACCESS_TOKEN`]. Its token URL is
/// `format!("{}/auth/token", server.uri())`.
pub async fn token_stub() -> MockServer {
    let server = MockServer::start().await;
    token_mock().mount(&server).await;
    server
}

/// The token URL of a server that serves `/auth/token`.
pub fn token_url(server: &MockServer) -> String {
    format!("{}{TOKEN_PATH}", server.uri())
}

/// Retries that do not slow the tests down: 3 attempts, 1-5 ms backoff.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
}

/// A client for `base_url` with the test credentials, an Ed25519 key, fast
/// retries and the token endpoint at `token_url`.
pub fn builder(base_url: &str, token_url: &str, key: &TestKey) -> ClientBuilder {
    Client::builder()
        .environment(Environment::Custom(base_url.to_string()))
        .token_url(token_url)
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .signing_key(KEY_ID, key.private_key())
        .retry_policy(fast_retries())
        .timeout(Duration::from_secs(10))
}

/// What a `tracing` subscriber wrote, shared with the test.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs, for the current thread, a `tracing-subscriber` fmt subscriber at
/// TRACE level (span opens and closes included) that writes into the returned
/// buffer. Use it in a current-thread `#[tokio::test]` so every task of the
/// test logs through it; the subscriber goes away when the guard is dropped.
///
/// Works while other tests run on other threads: `tracing` caches per call
/// site whether anyone is interested, and while a single dispatcher is
/// registered it asks only the *calling thread's* subscriber, so a call site
/// first reached by another test (no subscriber there) would be switched off
/// for this one too. A second, never used dispatcher kept alive here makes
/// `tracing` combine all registered dispatchers instead.
pub fn capture_logs() -> (tracing::subscriber::DefaultGuard, LogBuffer) {
    use tracing_subscriber::fmt::format::FmtSpan;
    static SECOND_DISPATCHER: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    SECOND_DISPATCHER.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (tracing::subscriber::set_default(subscriber), buffer)
}

/// Panics when `text` contains any of `secrets` (an empty secret is skipped).
pub fn assert_no_secrets(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(secret.is_empty() || !text.contains(secret), "{what} leaks the secret {secret:?}:\n{text}");
    }
}

// ---------------------------------------------------------------------------
// Reading the spec (as `upvest_client_tests::spec()` returns it)
// ---------------------------------------------------------------------------

/// Methods a path item may hold operations under.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every operation under `paths`: operation id -> operation object.
pub fn spec_operations(spec: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for item in spec["paths"].as_object().expect("paths").values() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                let id = op["operationId"].as_str().expect("operationId");
                out.insert(id.to_string(), op.clone());
            }
        }
    }
    out
}

/// Follows a local `$ref` (`#/components/...`), as often as needed.
pub fn resolve<'a>(spec: &'a Value, mut value: &'a Value) -> &'a Value {
    while let Some(reference) = value.get("$ref").and_then(Value::as_str) {
        let pointer =
            reference.strip_prefix('#').unwrap_or_else(|| panic!("only local references are supported: {reference}"));
        value = spec.pointer(pointer).unwrap_or_else(|| panic!("dangling reference {reference}"));
    }
    value
}

/// The named examples of a media type object: (name, value).
pub fn named_examples(spec: &Value, media: &Value) -> Vec<(String, Value)> {
    let Some(examples) = media.get("examples").and_then(Value::as_object) else {
        return Vec::new();
    };
    examples
        .iter()
        .map(|(name, example)| {
            let example = resolve(spec, example);
            let value = example.get("value").unwrap_or_else(|| panic!("example {name} has no inline `value`"));
            (name.clone(), value.clone())
        })
        .collect()
}

/// (status, example name, value) of every named `application/problem+json`
/// example of a non-2xx answer of any operation, once per status and name (the
/// error answers are shared components).
pub fn problem_examples(spec: &Value) -> Vec<(u16, String, Value)> {
    let mut out: BTreeMap<(u16, String), Value> = BTreeMap::new();
    for op in spec_operations(spec).values() {
        let Some(responses) = op["responses"].as_object() else {
            continue;
        };
        for (status, response) in responses {
            let Ok(code) = status.parse::<u16>() else {
                continue;
            };
            if (200..300).contains(&code) {
                continue;
            }
            let response = resolve(spec, response);
            if let Some(media) = response.pointer("/content/application~1problem+json") {
                for (name, value) in named_examples(spec, media) {
                    out.entry((code, name)).or_insert(value);
                }
            }
        }
    }
    out.into_iter().map(|((code, name), value)| (code, name, value)).collect()
}
