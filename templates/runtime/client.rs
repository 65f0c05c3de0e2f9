//! The client and one call from start to end: the scopes it needs, its
//! deadline, and the attempt loop with retries and the one token refresh on a
//! 401. One attempt is in `attempt.rs`, configuration in `config.rs`, the
//! token request in `token.rs`, the choice of scopes in `auth.rs`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::{Method, StatusCode, Url};
use tracing::Instrument as _;

use super::attempt::{AttemptError, Call};
use super::auth::{self, Tokens};
use super::config::{ClientBuilder, KeyGenerator};
use super::error::{ApiError, Error};
use super::idempotency::IdempotencyKey;
use super::keys::PrivateKey;
use super::request::{decode_json, Body, Operation, RawResponse, Request};
use super::retry::{parse_retry_after, RetryPolicy};
use super::secret::Secret;
use super::token::{AccessToken, TokenCache, TokenResponse};

/// The token request, described like an operation for tracing and retries.
static TOKEN_OPERATION: Operation =
    Operation { id: "oauth2_token", method: Method::POST, path_template: crate::TOKEN_PATH, scopes: &[] };

/// The Upvest API client. Cheap to clone: clones share the connection pool
/// and the access tokens.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) token_url: Url,
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret<String>,
    pub(crate) key_id: String,
    pub(crate) key: PrivateKey,
    pub(crate) allowed_scopes: Option<Vec<String>>,
    pub(crate) timeout: Duration,
    pub(crate) deadline: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_body: usize,
    pub(crate) user_agent: String,
    pub(crate) api_version: String,
    pub(crate) idempotency_key_generator: Option<KeyGenerator>,
    pub(crate) tokens: Tokens,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("base_url", &i.base_url)
            .field("token_url", &i.token_url.as_str())
            .field("client_id", &i.client_id)
            .field("client_secret", &i.client_secret)
            .field("key_id", &i.key_id)
            .field("key", &i.key)
            .field("allowed_scopes", &i.allowed_scopes)
            .field("timeout", &i.timeout)
            .field("deadline", &i.deadline)
            .field("retry", &i.retry)
            .field("api_version", &i.api_version)
            .finish_non_exhaustive()
    }
}

/// The limits one call runs under: the client's, or the call's overrides.
pub(crate) struct Limits<'a> {
    pub(crate) policy: &'a RetryPolicy,
    pub(crate) timeout: Duration,
    pub(crate) max_response_body: usize,
    pub(crate) deadline_at: tokio::time::Instant,
}

impl Client {
    pub(crate) fn from_inner(inner: Inner) -> Client {
        Client { inner: Arc::new(inner) }
    }

    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: see [`ClientBuilder::from_env`]
    /// for the variables.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// A new idempotency key from the configured generator (UUID v4 by default).
    pub fn new_idempotency_key(&self) -> IdempotencyKey {
        match &self.inner.idempotency_key_generator {
            Some(generate) => IdempotencyKey::new(generate()),
            None => IdempotencyKey::generate(),
        }
    }

    /// Sends a request: gets a token for the operation's scopes, signs,
    /// retries, and returns the 2xx answer or the error (a non-2xx answer is
    /// [`Error::Api`]), all within the call's deadline.
    pub(crate) async fn execute(&self, request: Request) -> Result<RawResponse, Error> {
        let inner = &self.inner;
        let operation = request.operation;
        // Fails before anything is sent when the client may not ask for a
        // scope that grants the operation.
        let scope = auth::scope_for(operation, inner.allowed_scopes.as_deref())?;
        let url = build_url(&inner.base_url, &request.path, &request.query)?;
        let options = &request.options;
        let deadline = options.deadline.unwrap_or(inner.deadline);
        let limits = Limits {
            policy: options.retry_policy.as_ref().unwrap_or(&inner.retry),
            timeout: options.timeout.unwrap_or(inner.timeout),
            max_response_body: options.max_response_body.unwrap_or(inner.max_response_body),
            deadline_at: tokio::time::Instant::now() + deadline,
        };
        let method = &operation.method;
        let headers: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.clone()))
            .chain(options.headers.iter().cloned())
            .collect();
        let call = Call {
            operation,
            url,
            accept: request.accept,
            headers: &headers,
            body: request.body.as_ref(),
            idempotency_key: request.idempotency_key.as_ref(),
            // POST and PATCH are not idempotent unless a key makes them so.
            repeatable: !(*method == Method::POST || *method == Method::PATCH) || request.idempotency_key.is_some(),
        };
        let span = tracing::info_span!(
            "upvest.request",
            operation = operation.id,
            method = %operation.method,
            path_template = operation.path_template,
            scope = scope.as_deref().unwrap_or(""),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let cache = scope.as_deref().map(|scope| inner.tokens.cache(scope));
        let token = || async {
            match (&cache, &scope) {
                (Some(cache), Some(scope)) => cache.get(|| self.fetch_token(scope, limits.deadline_at)).await.map(Some),
                _ => Ok(None),
            }
        };
        let run = self.run(&call, &limits, token, cache.as_deref(), &span).instrument(span.clone());
        let result = match tokio::time::timeout_at(limits.deadline_at, run).await {
            Ok(result) => result,
            Err(_) => Err(Error::Deadline { deadline, idempotency_key: None }),
        };
        result.map_err(|error| with_idempotency_key(error, request.idempotency_key.as_ref()))
    }

    /// The attempt loop: retries per policy, plus one token refresh on a 401.
    ///
    /// `token` gives the bearer token for each attempt (`None` for the token
    /// request). It is a parameter, not a call to the token cache, so that the
    /// token request, which runs through this loop too, does not make the
    /// future type recursive. `cache` is where a 401's token is thrown away.
    ///
    /// `span` is the call's span, passed explicitly so fields are recorded on it
    /// whatever subscriber is installed.
    async fn run<T, TFut>(
        &self,
        call: &Call<'_>,
        limits: &Limits<'_>,
        mut token: T,
        cache: Option<&TokenCache>,
        span: &tracing::Span,
    ) -> Result<RawResponse, Error>
    where
        T: FnMut() -> TFut,
        TFut: std::future::Future<Output = Result<Option<Arc<AccessToken>>, Error>>,
    {
        let policy = limits.policy;
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let token = token().await?;
            let outcome = self.attempt(call, token.as_ref().map(|t| t.value.expose().as_str()), limits).await;
            let (error, maybe_sent, retry_after) = match outcome {
                Ok(raw) => {
                    span.record("status", raw.status.as_u16());
                    if let Some(id) = &raw.request_id {
                        span.record("request_id", id.as_str());
                    }
                    if raw.status.is_success() {
                        tracing::debug!(status = raw.status.as_u16(), "upvest call succeeded");
                        return Ok(raw);
                    }
                    if raw.status == StatusCode::UNAUTHORIZED && !refreshed {
                        if let (Some(used), Some(cache)) = (&token, cache) {
                            // The token may have been revoked or expired early:
                            // refresh once per call, outside the retry budget,
                            // unless a refresh just happened (then a new token
                            // does not cure this 401).
                            refreshed = true;
                            if cache.invalidate(used) {
                                tracing::debug!("401: refreshing the access token once");
                                attempt -= 1;
                                continue;
                            }
                        }
                    }
                    let retry_after = raw
                        .headers
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    let error = Error::from(ApiError::new(raw.status, raw.headers, raw.request_id, raw.body));
                    (error, true, retry_after)
                }
                Err(AttemptError { error, maybe_sent }) => (error, maybe_sent, None),
            };
            if attempt >= policy.max_attempts || !policy.should_retry(&error, call.repeatable, maybe_sent) {
                return Err(error);
            }
            let delay = policy.delay(attempt, retry_after);
            if tokio::time::Instant::now() + delay >= limits.deadline_at {
                tracing::debug!("the next attempt would start after the deadline; giving up");
                return Err(error);
            }
            tracing::warn!(attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying upvest call");
            tokio::time::sleep(delay).await;
        }
    }

    /// Asks the token endpoint for a token carrying `scope`; errors are the
    /// endpoint's own (the cache wraps them in [`Error::Token`]).
    async fn fetch_token(&self, scope: &str, deadline_at: tokio::time::Instant) -> Result<TokenResponse, Error> {
        let inner = &self.inner;
        let form = [
            ("client_id", inner.client_id.as_str()),
            ("client_secret", inner.client_secret.expose().as_str()),
            ("grant_type", "client_credentials"),
            ("scope", scope),
        ];
        let mut body = Body::form(&form)?;
        // The form holds the client secret: its buffer is wiped when the last
        // reference (reqwest's, once sent) goes away.
        let form_bytes = zeroize::Zeroizing::new(body.bytes.to_vec());
        wipe(std::mem::take(&mut body.bytes));
        body.bytes = bytes::Bytes::from_owner(form_bytes);
        let call = Call {
            operation: &TOKEN_OPERATION,
            url: inner.token_url.clone(),
            accept: "application/json",
            headers: &[],
            body: Some(&body),
            idempotency_key: None,
            // Asking for a token again has no side effect.
            repeatable: true,
        };
        let limits = Limits {
            policy: &inner.retry,
            timeout: inner.timeout,
            max_response_body: inner.max_response_body,
            deadline_at,
        };
        let span = tracing::info_span!(
            "upvest.token",
            operation = TOKEN_OPERATION.id,
            scope,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let raw = self.run(&call, &limits, || async { Ok(None) }, None, &span).instrument(span.clone()).await?;
        let decoded = decode_json::<TokenResponse>(&raw.body).map_err(|source| Error::Decode {
            status: raw.status,
            headers: Box::new(raw.headers.clone()),
            request_id: raw.request_id.clone(),
            // The body may hold a token: keep it out of errors and logs.
            body: bytes::Bytes::new(),
            source,
        });
        // The answer holds the access token, now kept in a `Secret`.
        wipe(raw.body);
        decoded
    }
}

/// Overwrites a buffer that held a secret, when nothing else shares it.
fn wipe(bytes: bytes::Bytes) {
    use zeroize::Zeroize as _;
    if let Ok(mut unique) = bytes.try_into_mut() {
        unique.as_mut().zeroize();
    }
}

/// Names the call's idempotency key in the errors where repeating the call
/// matters: the answer was an error, or it is unknown whether the request arrived.
fn with_idempotency_key(error: Error, key: Option<&IdempotencyKey>) -> Error {
    let Some(key) = key else {
        return error;
    };
    match error {
        Error::Api(mut e) => {
            e.idempotency_key = Some(key.clone());
            Error::Api(e)
        }
        Error::Transport { source, .. } => Error::Transport { source, idempotency_key: Some(key.clone()) },
        Error::Timeout { .. } => Error::Timeout { idempotency_key: Some(key.clone()) },
        Error::Deadline { deadline, .. } => Error::Deadline { deadline, idempotency_key: Some(key.clone()) },
        other => other,
    }
}

/// The URL exactly as it is sent (and signed): base URL, expanded path, and the
/// query encoded once, here.
fn build_url(base: &str, path: &str, query: &[(&'static str, String)]) -> Result<Url, Error> {
    let sep = if path.starts_with('/') { "" } else { "/" };
    let mut url =
        Url::parse(&format!("{base}{sep}{path}")).map_err(|e| Error::Config(format!("invalid request URL: {e}")))?;
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::super::config::Environment;
    use super::super::keys::Key;
    use super::*;

    const SECRET: &str = "super-secret-value";
    const KEY_ID: &str = "0b7c9a3e-1d2f-4e5a-8b6c-7d8e9f0a1b2c";

    static LIST_USERS: Operation = Operation {
        id: "list_users",
        method: Method::GET,
        path_template: "/users",
        scopes: &[&["users:read"], &["users:admin"]],
    };

    fn key() -> PrivateKey {
        PrivateKey(Key::Ed25519(Box::new(ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]))))
    }

    fn complete() -> ClientBuilder {
        Client::builder().client_id("client-1").client_secret(SECRET).signing_key(KEY_ID, key())
    }

    #[test]
    fn debug_output_has_no_secrets() {
        let b = complete();
        let builder_debug = format!("{b:?}");
        let client_debug = format!("{:?}", b.build().unwrap());
        for out in [&builder_debug, &client_debug] {
            assert!(!out.contains(SECRET), "{out}");
            assert!(out.contains("client-1"), "{out}");
            assert!(out.contains("REDACTED"), "{out}");
        }
    }

    #[test]
    fn build_checks_required_settings() {
        let missing = [
            Client::builder().client_secret("s").signing_key(KEY_ID, key()),
            Client::builder().client_id("c").signing_key(KEY_ID, key()),
            Client::builder().client_id("c").client_secret("s"),
            complete().signing_key("bad\"id", key()),
            complete().environment(Environment::Custom("not a url".into())),
        ];
        for b in missing {
            assert!(matches!(b.build(), Err(Error::Config(_))));
        }
        let c = complete().environment(Environment::Production).build().unwrap();
        assert_eq!(c.base_url(), crate::PRODUCTION_URL);
        assert_eq!(c.inner.token_url.as_str(), format!("{}{}", crate::PRODUCTION_URL, crate::TOKEN_PATH));
        assert_eq!(Environment::Sandbox.base_url(), crate::SANDBOX_URL);
        assert!(uuid::Uuid::parse_str(c.new_idempotency_key().as_str()).is_ok());
    }

    #[test]
    fn plain_http_only_on_loopback_or_by_loud_opt_in() {
        for url in ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2", "https://example.com"] {
            let built = complete().environment(Environment::Custom(url.into())).build();
            assert!(built.is_ok(), "{url}: {built:?}");
        }
        for url in ["http://example.com", "http://10.0.0.1", "ftp://127.0.0.1"] {
            let err = complete().environment(Environment::Custom(url.into())).build().unwrap_err();
            assert!(err.to_string().contains("https"), "{url}: {err}");
        }
        let err = complete()
            .environment(Environment::Custom("https://example.com".into()))
            .token_url("http://example.com/auth/token")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("token URL"), "{err}");
        assert!(complete()
            .environment(Environment::Custom("http://example.com".into()))
            .danger_accept_insecure_http()
            .build()
            .is_ok());
    }

    #[test]
    fn from_env_reads_the_documented_variables() {
        // The openssl-made fixture of client-tests (this runs in runtime-tests/).
        let pem_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../client-tests/fixtures/keys/ed25519.pem");
        let pem = std::fs::read_to_string(pem_path).unwrap();
        let vars = |extra: &[(&str, String)]| {
            let mut all: Vec<(String, String)> = vec![
                ("UPVEST_CLIENT_ID".into(), "client-1".into()),
                ("UPVEST_CLIENT_SECRET".into(), SECRET.into()),
                ("UPVEST_KEY_ID".into(), KEY_ID.into()),
            ];
            all.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
            move |name: &str| all.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        };
        let file = ("UPVEST_PRIVATE_KEY_FILE", pem_path.to_string());
        let client = ClientBuilder::from_vars(vars(&[
            file.clone(),
            ("UPVEST_ENVIRONMENT", "production".into()),
            ("UPVEST_SCOPES", "users:read, accounts:read".into()),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(client.base_url(), crate::PRODUCTION_URL);
        assert_eq!(
            client.inner.allowed_scopes.as_deref(),
            Some(&["users:read".to_string(), "accounts:read".to_string()][..])
        );
        let inline =
            ClientBuilder::from_vars(vars(&[("UPVEST_PRIVATE_KEY_PEM", pem.clone())])).unwrap().build().unwrap();
        assert_eq!(inline.base_url(), crate::SANDBOX_URL);
        let no_key = ClientBuilder::from_vars(vars(&[])).unwrap_err();
        assert!(no_key.to_string().contains("UPVEST_PRIVATE_KEY_FILE"), "{no_key}");
        let no_id =
            ClientBuilder::from_vars(|name| (name == "UPVEST_PRIVATE_KEY_PEM").then(|| pem.to_string())).unwrap_err();
        assert!(no_id.to_string().contains("UPVEST_CLIENT_ID"), "{no_id}");
    }

    #[test]
    fn urls_are_built_once() {
        let url = build_url("http://h:1/base", "/users/a%2Fb", &[("limit", "10".into()), ("q", "x y".into())]).unwrap();
        assert_eq!(url.as_str(), "http://h:1/base/users/a%2Fb?limit=10&q=x+y");
        assert_eq!(build_url("http://h", "users", &[]).unwrap().as_str(), "http://h/users");
    }

    #[test]
    fn execute_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let client = complete().build().unwrap();
        let fut = client.execute(Request::new(&LIST_USERS, "/users".into()));
        assert_send(&fut);
        fn assert_sync_send<T: Send + Sync + Clone>() {}
        assert_sync_send::<Client>();
        fn assert_error_send_sync<T: Send + Sync + std::error::Error + 'static>() {}
        assert_error_send_sync::<Error>();
    }
}
