//! The client and one call from start to end: its authentication, its
//! deadline, and the attempt loop with retries and the one token refresh on a
//! 401. One attempt is in `attempt.rs`, configuration in `config.rs`, the
//! token cache in `token.rs`, the choice of credentials and scopes in `auth.rs`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use tracing::Instrument as _;

use super::api::Api;
use super::attempt::{AttemptError, Call, SignRequest};
use super::auth::{self, Credentials, Tokens};
use super::config::KeyGenerator;
use super::error::{ApiError, Error};
use super::idempotency::IdempotencyKey;
use super::request::{decode_json, Body, Operation, RawResponse, Request, Response};
use super::retry::{parse_retry_after, RetryPolicy};
use super::token::{AccessToken, TokenCache, TokenResponse};

/// The token request, described like an operation for tracing and retries.
static TOKEN_OPERATION: Operation =
    Operation { id: "oauth2_token", method: Method::POST, path_template: "(token URL)", security: &[] };

/// What a generated client crate's `Client` holds and adds its operations to:
/// the connection pool, the credentials and tokens, the limits. Cheap to clone:
/// clones share the connection pool and the access tokens.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) api: &'static Api,
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    /// The token endpoint of each client-credentials scheme.
    pub(crate) token_urls: Vec<(&'static str, Url)>,
    pub(crate) credentials: Credentials,
    pub(crate) signer: Option<Arc<dyn SignRequest>>,
    /// Headers sent with every request: user agent, and the client id and API
    /// version headers the API document names.
    pub(crate) fixed_headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) allowed_scopes: Option<Vec<String>>,
    pub(crate) timeout: Duration,
    pub(crate) deadline: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_body: usize,
    pub(crate) idempotency_key_generator: Option<KeyGenerator>,
    /// Client id and secret go to the token endpoint in a Basic header, not the form.
    pub(crate) client_secret_basic: bool,
    pub(crate) tokens: Tokens,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let token_urls: Vec<&str> = i.token_urls.iter().map(|(_, url)| url.as_str()).collect();
        f.debug_struct("Client")
            .field("base_url", &i.base_url)
            .field("token_urls", &token_urls)
            .field("credentials", &i.credentials)
            .field("signer", &i.signer)
            .field("fixed_headers", &i.fixed_headers)
            .field("allowed_scopes", &i.allowed_scopes)
            .field("timeout", &i.timeout)
            .field("deadline", &i.deadline)
            .field("retry", &i.retry)
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

    /// Sends `request` (or fails with its error, before sending) and decodes the
    /// 2xx answer with `decode`: the one async body every operation's `send`
    /// shares. Boxed, so that the future is proved `Send` once, here: an
    /// operation returning the unboxed future would make the compiler prove it
    /// again for each operation, which took a seventh of a large crate's
    /// compile time. One allocation per call is nothing beside the round trip.
    #[doc(hidden)]
    pub fn send<T: Send + 'static>(
        self,
        request: Result<Request, Error>,
        decode: fn(RawResponse) -> Result<Response<T>, Error>,
    ) -> Pin<Box<dyn Future<Output = Result<Response<T>, Error>> + Send>> {
        Box::pin(async move { decode(self.execute(request?).await?) })
    }

    /// Sends a request: authenticates it (getting a token for the operation's
    /// scopes if it takes one), signs, retries, and returns the 2xx answer or
    /// the error (a non-2xx answer is [`Error::Api`]), all within the call's
    /// deadline.
    pub(crate) async fn execute(&self, request: Request) -> Result<RawResponse, Error> {
        let inner = &self.inner;
        let operation = request.operation;
        // Fails before anything is sent when the client lacks the credentials
        // or may not ask for a scope that grants the operation.
        let auth = auth::plan(inner.api, operation, &inner.credentials, inner.allowed_scopes.as_deref())?;
        let query: Vec<(&'static str, String)> =
            request.query.iter().cloned().chain(auth.query.iter().cloned()).collect();
        let url = build_url(&inner.base_url, &request.path, &query)?;
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
            auth_headers: &auth.headers,
            body: request.body.as_ref(),
            idempotency_key: request.idempotency_key.as_ref(),
            // POST and PATCH are not idempotent unless a key makes them so.
            repeatable: !(*method == Method::POST || *method == Method::PATCH) || request.idempotency_key.is_some(),
            secret_in_url: auth.secret_in_url(),
        };
        let scope = auth.token.as_ref().map(|(_, scope)| scope.as_str());
        let span = tracing::info_span!(
            crate::REQUEST_SPAN,
            operation = operation.id,
            method = %operation.method,
            path_template = operation.path_template,
            scope = scope.unwrap_or(""),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let cache = auth.token.as_ref().map(|(scheme, scope)| inner.tokens.cache(scheme, scope));
        let token = || async {
            match (&cache, &auth.token) {
                (Some(cache), Some((scheme, scope))) => {
                    cache.get(|| self.fetch_token(scheme, scope, limits.deadline_at)).await.map(Some)
                }
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
                        tracing::debug!(status = raw.status.as_u16(), "call succeeded");
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
            tracing::warn!(attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying the call");
            tokio::time::sleep(delay).await;
        }
    }

    /// Asks the token endpoint of `scheme` for a token carrying `scope`;
    /// errors are the endpoint's own (the cache wraps them in [`Error::Token`]).
    async fn fetch_token(
        &self,
        scheme: &str,
        scope: &str,
        deadline_at: tokio::time::Instant,
    ) -> Result<TokenResponse, Error> {
        let inner = &self.inner;
        let (Some(client_id), Some(client_secret), Some((_, token_url))) = (
            &inner.credentials.client_id,
            &inner.credentials.client_secret,
            inner.token_urls.iter().find(|(name, _)| *name == scheme),
        ) else {
            return Err(Error::Config(format!("no client credentials or token URL for the scheme {scheme}")));
        };
        let (form, auth_headers) = if inner.client_secret_basic {
            let basic = auth::client_secret_basic(client_id, client_secret.expose())?;
            (vec![("grant_type", "client_credentials"), ("scope", scope)], vec![basic])
        } else {
            let form = vec![
                ("client_id", client_id.as_str()),
                ("client_secret", client_secret.expose().as_str()),
                ("grant_type", "client_credentials"),
                ("scope", scope),
            ];
            (form, Vec::new())
        };
        let mut body = Body::form(&form)?;
        // The form holds the client secret: its buffer is wiped when the last
        // reference (reqwest's, once sent) goes away.
        let form_bytes = zeroize::Zeroizing::new(body.bytes.to_vec());
        wipe(std::mem::take(&mut body.bytes));
        body.bytes = bytes::Bytes::from_owner(form_bytes);
        let call = Call {
            operation: &TOKEN_OPERATION,
            url: token_url.clone(),
            accept: "application/json",
            headers: &[],
            auth_headers: &auth_headers,
            body: Some(&body),
            idempotency_key: None,
            // Asking for a token again has no side effect.
            repeatable: true,
            secret_in_url: false,
        };
        let limits = Limits {
            policy: &inner.retry,
            timeout: inner.timeout,
            max_response_body: inner.max_response_body,
            deadline_at,
        };
        let span = tracing::info_span!(
            crate::TOKEN_SPAN,
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
    use super::super::api::Requirement;
    use super::super::config::ClientBuilder;
    use super::super::environment::Environment;
    use super::super::keys::{Key, PrivateKey};
    use super::*;

    const SECRET: &str = "super-secret-value";
    const KEY_ID: &str = "0b7c9a3e-1d2f-4e5a-8b6c-7d8e9f0a1b2c";

    static LIST_USERS: Operation = Operation {
        id: "list_users",
        method: Method::GET,
        path_template: "/users",
        security: &[
            &[Requirement { scheme: "oauth", scopes: &["users:read"] }],
            &[Requirement { scheme: "oauth", scopes: &["users:admin"] }],
        ],
    };

    fn key() -> PrivateKey {
        PrivateKey(Key::Ed25519(Box::new(ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]))))
    }

    fn complete() -> ClientBuilder {
        ClientBuilder::new(&crate::API).client_id("client-1").client_secret(SECRET).signing_key(KEY_ID, key())
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
            ClientBuilder::new(&crate::API).client_secret("s").signing_key(KEY_ID, key()),
            ClientBuilder::new(&crate::API).client_id("c").signing_key(KEY_ID, key()),
            ClientBuilder::new(&crate::API).client_id("c").client_secret("s"),
            complete().signing_key("bad\"id", key()),
            complete().environment(Environment::Custom("not a url".into())),
        ];
        for b in missing {
            assert!(matches!(b.build(), Err(Error::Config(_))));
        }
        let c = complete().environment(Environment::Production).build().unwrap();
        assert_eq!(c.base_url(), crate::PRODUCTION_URL);
        assert_eq!(c.inner.token_urls[0].1.as_str(), format!("{}/auth/token", crate::PRODUCTION_URL));
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

    use crate::PLAIN_API;

    fn plain_operation(id: &'static str, security: &'static [&'static [Requirement]]) -> &'static Operation {
        Box::leak(Box::new(Operation { id, method: Method::GET, path_template: "/things", security }))
    }

    /// What the mock server saw: headers by name, and the query.
    async fn one_call(
        builder: ClientBuilder,
        operation: &'static Operation,
    ) -> (Result<RawResponse, Error>, Vec<wiremock::Request>) {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"access_token": "tok-cc", "expires_in": 3600})),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/things"))
            .respond_with(
                ResponseTemplate::new(200).insert_header("x-request-id", "r-1").set_body_json(serde_json::json!({})),
            )
            .mount(&server)
            .await;
        let client = builder.base_url(server.uri()).build().unwrap();
        let result = client.execute(Request::new(operation, "/things".into())).await;
        (result, server.received_requests().await.unwrap())
    }

    fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
        request.headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[tokio::test]
    async fn each_kind_of_credential_reaches_the_server_where_the_document_says() {
        let bearer = plain_operation("bearer", &[&[Requirement { scheme: "bearer", scopes: &[] }]]);
        let (result, seen) = one_call(ClientBuilder::new(&PLAIN_API).bearer_token("tok-b"), bearer).await;
        assert_eq!(result.unwrap().request_id.as_deref(), Some("r-1"));
        assert_eq!(header(&seen[0], "authorization"), Some("Bearer tok-b"));
        assert_eq!(header(&seen[0], "user-agent"), Some("plain-client-rust/1.0.0"));
        for absent in ["signature", "signature-input", "content-digest"] {
            assert_eq!(header(&seen[0], absent), None, "{absent}");
        }

        let basic = plain_operation("basic", &[&[Requirement { scheme: "basic", scopes: &[] }]]);
        let (result, seen) = one_call(ClientBuilder::new(&PLAIN_API).basic_auth("user", "pass"), basic).await;
        result.unwrap();
        assert_eq!(header(&seen[0], "authorization"), Some("Basic dXNlcjpwYXNz"));

        let keys = plain_operation(
            "keys",
            &[&[Requirement { scheme: "query_key", scopes: &[] }, Requirement { scheme: "cookie_key", scopes: &[] }]],
        );
        let (result, seen) = one_call(ClientBuilder::new(&PLAIN_API).api_key("k-1"), keys).await;
        result.unwrap();
        assert_eq!(seen[0].url.query(), Some("api_key=k-1"));
        assert_eq!(header(&seen[0], "cookie"), Some("session=k-1"));
        assert_eq!(header(&seen[0], "authorization"), None);

        let oauth = plain_operation("oauth", &[&[Requirement { scheme: "oauth", scopes: &["things:read"] }]]);
        let (result, seen) =
            one_call(ClientBuilder::new(&PLAIN_API).client_id("id-1").client_secret("secret-1"), oauth).await;
        result.unwrap();
        assert_eq!(seen[0].url.path(), "/oauth/token");
        let form = String::from_utf8(seen[0].body.clone()).unwrap();
        assert!(form.contains("client_id=id-1") && form.contains("scope=things%3Aread"), "{form}");
        assert_eq!(header(&seen[0], "authorization"), None);
        assert_eq!(header(&seen[1], "authorization"), Some("Bearer tok-cc"));
    }

    #[tokio::test]
    async fn client_secret_basic_sends_the_client_credentials_in_a_header() {
        let oauth = plain_operation("oauth", &[&[Requirement { scheme: "oauth", scopes: &["things:read"] }]]);
        let builder = ClientBuilder::new(&PLAIN_API).client_id("id 1").client_secret("s:cr%t").client_secret_basic();
        assert!(format!("{builder:?}").contains("client_secret_basic: true"));
        let (result, seen) = one_call(builder, oauth).await;
        result.unwrap();
        // RFC 6749, 2.3.1: form-urlencoded id and secret, then Basic.
        use base64::Engine as _;
        let expected = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("id%201:s%3Acr%25t"));
        assert_eq!(header(&seen[0], "authorization"), Some(expected.as_str()));
        let form = String::from_utf8(seen[0].body.clone()).unwrap();
        assert_eq!(form, "grant_type=client_credentials&scope=things%3Aread");
        assert_eq!(header(&seen[1], "authorization"), Some("Bearer tok-cc"));
    }

    #[tokio::test]
    async fn a_call_without_its_credentials_is_not_sent() {
        let bearer = plain_operation("needs_bearer", &[&[Requirement { scheme: "bearer", scopes: &[] }]]);
        let (result, seen) = one_call(ClientBuilder::new(&PLAIN_API).api_key("k"), bearer).await;
        let err = result.unwrap_err();
        assert!(err.to_string().contains("ClientBuilder::bearer_token"), "{err}");
        assert!(seen.is_empty());
    }

    #[test]
    fn a_plain_api_builds_only_with_a_base_url_and_credentials_it_uses() {
        let err = ClientBuilder::new(&PLAIN_API).build().unwrap_err();
        assert!(err.to_string().contains("ClientBuilder::base_url"), "{err}");
        assert!(ClientBuilder::new(&PLAIN_API).base_url("https://api.example.com").build().is_ok());
        assert!(ClientBuilder::new(&PLAIN_API).base_url("https://api.example.com").api_version("2").build().is_err());
        static NO_AUTH: Api = Api { schemes: &[], ..PLAIN_API };
        let err = ClientBuilder::new(&NO_AUTH).base_url("https://a.example").bearer_token("t").build().unwrap_err();
        assert!(err.to_string().contains("bearer_token"), "{err}");
    }

    #[test]
    fn a_query_key_stays_out_of_transport_errors() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let keys = plain_operation("keys", &[&[Requirement { scheme: "query_key", scopes: &[] }]]);
        // Port 9 on loopback: nothing listens, the connection is refused.
        let client = ClientBuilder::new(&PLAIN_API)
            .base_url("http://127.0.0.1:9")
            .api_key("very-secret-key")
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let err = rt.block_on(client.execute(Request::new(keys, "/things".into()))).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("very-secret-key"), "{err:?}");
    }

    #[test]
    fn from_env_reads_the_variables_of_the_api_s_schemes() {
        let vars = |name: &str| match name {
            "PLAIN_BEARER_TOKEN" => Some("tok".to_string()),
            "PLAIN_USERNAME" => Some("user".to_string()),
            "PLAIN_PASSWORD" => Some("pass".to_string()),
            "PLAIN_API_KEY" => Some("key".to_string()),
            "PLAIN_BASE_URL" => Some("https://api.example.com".to_string()),
            _ => None,
        };
        let client = ClientBuilder::from_vars_of(&PLAIN_API, &vars).unwrap().build().unwrap();
        assert_eq!(client.base_url(), "https://api.example.com");
        assert!(client.inner.credentials.bearer_token.is_some());
        assert!(client.inner.credentials.basic.is_some());
        assert!(client.inner.credentials.api_key.is_some());
        let err = ClientBuilder::from_vars_of(&PLAIN_API, &|name: &str| {
            (name == "PLAIN_USERNAME").then(|| "user".to_string())
        })
        .unwrap_err();
        assert!(err.to_string().contains("PLAIN_PASSWORD"), "{err}");
    }
}
