//! The client: configuration, token handling, signing, retries, tracing.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use tracing::Instrument as _;

use super::error::{ApiError, Error, ValidationError};
use super::idempotency::IdempotencyKey;
use super::keys::PrivateKey;
use super::request::{decode_json, Body, Operation, RawResponse, Request};
use super::retry::{parse_retry_after, RetryPolicy};
use super::secret::Secret;
use super::signing;
use super::token::{AccessToken, TokenCache, TokenResponse};

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const REQUEST_ID_HEADER: &str = "upvest-request-id";

/// The token request, described like an operation for tracing and retries.
static TOKEN_OPERATION: Operation = Operation {
    id: "oauth2_token",
    method: Method::POST,
    path_template: crate::TOKEN_PATH,
    scopes: &[],
};

/// Which Upvest deployment to talk to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Environment {
    /// `https://sandbox.upvest.co`
    Sandbox,
    /// `https://api.upvest.co`
    Production,
    /// Any other base URL, e.g. a mock server in tests.
    Custom(String),
}

impl Environment {
    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        match self {
            Environment::Sandbox => crate::SANDBOX_URL,
            Environment::Production => crate::PRODUCTION_URL,
            Environment::Custom(url) => url,
        }
    }
}

type KeyGenerator = Arc<dyn Fn() -> String + Send + Sync>;

/// Configures a [`Client`]. Client id, client secret and signing key are
/// required; everything else has a default.
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder {
    environment: Environment,
    client_id: Option<String>,
    client_secret: Option<Secret<String>>,
    signing_key: Option<(String, PrivateKey)>,
    scopes: Vec<String>,
    token_url: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    retry_policy: RetryPolicy,
    user_agent: String,
    http_client: Option<reqwest::Client>,
    idempotency_key_generator: Option<KeyGenerator>,
    api_version: String,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            environment: Environment::Sandbox,
            client_id: None,
            client_secret: None,
            signing_key: None,
            scopes: crate::DEFAULT_SCOPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            token_url: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            retry_policy: RetryPolicy::default(),
            user_agent: format!("upvest-client-rust/{}", env!("CARGO_PKG_VERSION")),
            http_client: None,
            idempotency_key_generator: None,
            api_version: crate::API_VERSION.to_string(),
        }
    }
}

impl ClientBuilder {
    /// Where requests go (default: [`Environment::Sandbox`]).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// The OAuth2 client id, also sent as `upvest-client-id`.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The OAuth2 client secret.
    pub fn client_secret(mut self, client_secret: impl Into<String>) -> Self {
        self.client_secret = Some(Secret::new(client_secret.into()));
        self
    }

    /// The key requests are signed with, and the id Upvest gave its public key.
    pub fn signing_key(mut self, key_id: impl Into<String>, key: PrivateKey) -> Self {
        self.signing_key = Some((key_id.into(), key));
        self
    }

    /// The scopes requested for the access token (default: every scope the
    /// API description uses).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The token endpoint (default: base URL + `/auth/token`).
    pub fn token_url(mut self, token_url: impl Into<String>) -> Self {
        self.token_url = Some(token_url.into());
        self
    }

    /// How long connecting may take (default 10 s). Ignored when you pass your
    /// own [`ClientBuilder::http_client`]: configure that one instead.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take in total, reading the body included
    /// (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How failed attempts are retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// The `user-agent` header (default `upvest-client-rust/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Uses your own `reqwest::Client` (proxies, TLS roots, connection pools).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Makes the idempotency keys of calls that need one (default: UUID v4).
    /// Tests use it to get predictable keys.
    pub fn idempotency_key_generator(
        mut self,
        generator: impl Fn() -> String + Send + Sync + 'static,
    ) -> Self {
        self.idempotency_key_generator = Some(Arc::new(generator));
        self
    }

    /// The `upvest-api-version` header (default: the version this crate was
    /// generated for).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let client_id = self
            .client_id
            .ok_or_else(|| Error::Config("client_id is required".into()))?;
        let client_secret = self
            .client_secret
            .ok_or_else(|| Error::Config("client_secret is required".into()))?;
        let (key_id, key) = self
            .signing_key
            .ok_or_else(|| Error::Config("signing_key is required".into()))?;
        if client_id.is_empty() || HeaderValue::from_str(&client_id).is_err() {
            return Err(Error::Config(
                "client_id must be a non-empty header value".into(),
            ));
        }
        if !signing::valid_key_id(&key_id) {
            return Err(Error::Config(
                "the signing key id must be printable ASCII without quotes or backslashes".into(),
            ));
        }
        for (what, value) in [
            ("user_agent", &self.user_agent),
            ("api_version", &self.api_version),
        ] {
            if HeaderValue::from_str(value).is_err() {
                return Err(Error::Config(format!("{what} is not a valid header value")));
            }
        }
        let base_url = self
            .environment
            .base_url()
            .trim_end_matches('/')
            .to_string();
        check_url("base URL", &base_url)?;
        let token_url = match self.token_url {
            Some(url) => url,
            None => format!("{base_url}{}", crate::TOKEN_PATH),
        };
        let token_url = check_url("token URL", &token_url)?;
        let http = match self.http_client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                token_url,
                client_id,
                client_secret,
                key_id,
                key,
                scopes: self.scopes,
                timeout: self.timeout,
                retry: self.retry_policy,
                user_agent: self.user_agent,
                api_version: self.api_version,
                idempotency_key_generator: self.idempotency_key_generator,
                tokens: TokenCache::default(),
            }),
        })
    }
}

fn check_url(what: &str, url: &str) -> Result<Url, Error> {
    let parsed =
        Url::parse(url).map_err(|e| Error::Config(format!("invalid {what} {url:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::Config(format!("the {what} must be http or https")));
    }
    Ok(parsed)
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("signing_key", &self.signing_key)
            .field("scopes", &self.scopes)
            .field("token_url", &self.token_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry_policy", &self.retry_policy)
            .field("user_agent", &self.user_agent)
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

/// The Upvest API client. Cheap to clone: clones share the connection pool
/// and the access token.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    token_url: Url,
    client_id: String,
    client_secret: Secret<String>,
    key_id: String,
    key: PrivateKey,
    scopes: Vec<String>,
    timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
    api_version: String,
    idempotency_key_generator: Option<KeyGenerator>,
    tokens: TokenCache,
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
            .field("scopes", &i.scopes)
            .field("timeout", &i.timeout)
            .field("retry", &i.retry)
            .field("api_version", &i.api_version)
            .finish_non_exhaustive()
    }
}

/// One attempt's failure, and whether the request may have reached the server.
struct AttemptError {
    error: Error,
    maybe_sent: bool,
}

/// What one call sends, shared by API calls and the token request.
struct Call<'a> {
    operation: &'a Operation,
    url: Url,
    accept: &'a str,
    headers: &'a [(&'static str, String)],
    body: Option<&'a Body>,
    idempotency_key: Option<&'a IdempotencyKey>,
    /// Whether sending twice is harmless even if the first one arrived.
    repeatable: bool,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
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

    /// Sends a request: gets a token, signs, retries, and returns the 2xx answer
    /// or the error (a non-2xx answer is [`Error::Api`]).
    #[doc(hidden)]
    pub async fn execute(&self, request: Request) -> Result<RawResponse, Error> {
        let operation = request.operation;
        let url = build_url(&self.inner.base_url, &request.path, &request.query)?;
        let method = &operation.method;
        let call = Call {
            operation,
            url,
            accept: request.accept,
            headers: &request.headers,
            body: request.body.as_ref(),
            idempotency_key: request.idempotency_key.as_ref(),
            // POST and PATCH are not idempotent unless a key makes them so.
            repeatable: !(*method == Method::POST || *method == Method::PATCH)
                || request.idempotency_key.is_some(),
        };
        let span = tracing::info_span!(
            "upvest.request",
            operation = operation.id,
            method = %operation.method,
            path_template = operation.path_template,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let token = || async { self.token().await.map(Some) };
        self.run(&call, token, &span).instrument(span.clone()).await
    }

    /// The attempt loop: retries per policy, plus one token refresh on a 401.
    ///
    /// `token` gives the bearer token for each attempt (`None` for the token
    /// request). It is a parameter, not a call to `self.token()`, so that the
    /// token request, which runs through this loop too, does not make the
    /// future type recursive.
    ///
    /// `span` is the call's span, passed explicitly so fields are recorded on it
    /// whatever subscriber is installed.
    async fn run<T, TFut>(
        &self,
        call: &Call<'_>,
        mut token: T,
        span: &tracing::Span,
    ) -> Result<RawResponse, Error>
    where
        T: FnMut() -> TFut,
        TFut: std::future::Future<Output = Result<Option<Arc<AccessToken>>, Error>>,
    {
        let policy = &self.inner.retry;
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let token = token().await?;
            let outcome = self
                .attempt(call, token.as_ref().map(|t| t.value.expose().as_str()))
                .await;
            let (error, retryable, retry_after) = match outcome {
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
                        if let Some(used) = &token {
                            // The token may have been revoked or expired early:
                            // refresh once and try again, outside the retry budget.
                            tracing::debug!("401: refreshing the access token once");
                            self.inner.tokens.invalidate(used);
                            refreshed = true;
                            attempt -= 1;
                            continue;
                        }
                    }
                    let retry_after = raw
                        .headers
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    let retryable = call.repeatable && policy.retries_status(raw.status.as_u16());
                    let error = Error::from(ApiError::new(
                        raw.status,
                        raw.headers,
                        raw.request_id,
                        raw.body,
                    ));
                    (error, retryable, retry_after)
                }
                Err(AttemptError { error, maybe_sent }) => {
                    let transient = match &error {
                        Error::Transport(e) => super::error::is_transient(e),
                        Error::Timeout => true,
                        _ => false,
                    };
                    let retryable = transient
                        && policy.retry_connection_errors
                        && (call.repeatable || !maybe_sent);
                    (error, retryable, None)
                }
            };
            if !retryable || attempt >= policy.max_attempts {
                return Err(error);
            }
            let Some(delay) = policy.delay(attempt, retry_after) else {
                tracing::debug!("Retry-After is longer than allowed; giving up");
                return Err(error);
            };
            tracing::warn!(attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying upvest call");
            tokio::time::sleep(delay).await;
        }
    }

    /// The current access token, fetching one if needed (one fetch at a time).
    async fn token(&self) -> Result<Arc<AccessToken>, Error> {
        self.inner.tokens.get(|| self.fetch_token()).await
    }

    /// Asks the token endpoint; errors are the endpoint's own (the cache wraps
    /// them in [`Error::Token`]).
    async fn fetch_token(&self) -> Result<TokenResponse, Error> {
        let inner = &self.inner;
        let form = [
            ("client_id", inner.client_id.as_str()),
            ("client_secret", inner.client_secret.expose().as_str()),
            ("grant_type", "client_credentials"),
            ("scope", &inner.scopes.join(" ")),
        ];
        let body = Body::form(&form)?;
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
        let span = tracing::info_span!(
            "upvest.token",
            operation = TOKEN_OPERATION.id,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let raw = self
            .run(&call, || async { Ok(None) }, &span)
            .instrument(span.clone())
            .await?;
        decode_json::<TokenResponse>(&raw.body).map_err(|source| Error::Decode {
            status: raw.status,
            headers: Box::new(raw.headers.clone()),
            request_id: raw.request_id.clone(),
            // The body may hold a token: keep it out of errors and logs.
            body: Bytes::new(),
            source,
        })
    }

    /// One attempt: final headers, a fresh signature, send, read the body.
    async fn attempt(
        &self,
        call: &Call<'_>,
        token: Option<&str>,
    ) -> Result<RawResponse, AttemptError> {
        let not_sent = |error: Error| AttemptError {
            error,
            maybe_sent: false,
        };
        let headers = self.headers(call, token).map_err(not_sent)?;
        let method = call.operation.method.clone();
        let mut builder = self
            .inner
            .http
            .request(method, call.url.clone())
            .headers(headers);
        if let Some(body) = call.body {
            builder = builder.body(body.bytes.clone());
        }
        let exchange = async {
            let response = builder.send().await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        };
        match tokio::time::timeout(self.inner.timeout, exchange).await {
            Err(_elapsed) => Err(AttemptError {
                error: Error::Timeout,
                maybe_sent: true,
            }),
            Ok(Err(e)) => Err(classify(e)),
            Ok(Ok((status, headers, body))) => {
                let request_id = headers
                    .get(REQUEST_ID_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                Ok(RawResponse {
                    status,
                    headers,
                    request_id,
                    body,
                })
            }
        }
    }

    /// Every header of the request, signed last so the signature covers the
    /// final values.
    fn headers(&self, call: &Call<'_>, token: Option<&str>) -> Result<HeaderMap, Error> {
        let inner = &self.inner;
        let mut h = HeaderMap::new();
        for (name, value) in call.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::Config(format!("invalid header name {name:?}")))?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                Error::Validation(ValidationError {
                    field: name.to_string(),
                    message: "is not a valid header value".into(),
                })
            })?;
            h.insert(name, value);
        }
        h.insert("accept", header_value("accept", call.accept)?);
        if let Some(token) = token {
            let mut value = header_value("authorization", &format!("Bearer {token}"))?;
            // Keeps the token out of `Debug` output of the header map.
            value.set_sensitive(true);
            h.insert("authorization", value);
        }
        h.insert(
            "upvest-client-id",
            header_value("upvest-client-id", &inner.client_id)?,
        );
        h.insert(
            "upvest-api-version",
            header_value("upvest-api-version", &inner.api_version)?,
        );
        h.insert("user-agent", header_value("user-agent", &inner.user_agent)?);
        if let Some(key) = call.idempotency_key {
            h.insert(
                "idempotency-key",
                header_value("idempotency-key", key.as_str())?,
            );
        }
        if let Some(body) = call.body {
            h.insert(
                "content-type",
                header_value("content-type", body.content_type)?,
            );
            h.insert("content-length", HeaderValue::from(body.bytes.len()));
            h.insert(
                "content-digest",
                header_value("content-digest", &signing::content_digest(&body.bytes))?,
            );
        }
        h.insert("upvest-signature-version", HeaderValue::from_static("15"));
        let signature = signing::sign_request(
            &inner.key,
            &inner.key_id,
            &call.operation.method,
            &call.url,
            &h,
        )?;
        h.insert(
            "signature-input",
            header_value("signature-input", &signature.signature_input)?,
        );
        h.insert(
            "signature",
            header_value("signature", &signature.signature)?,
        );
        Ok(h)
    }
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value).map_err(|_| {
        Error::Validation(ValidationError {
            field: name.to_string(),
            message: "is not a valid header value".into(),
        })
    })
}

/// Maps a reqwest error, telling whether the request may have been sent: only
/// a failed connection proves it was not.
fn classify(e: reqwest::Error) -> AttemptError {
    let maybe_sent = !e.is_connect();
    let error = if e.is_timeout() {
        Error::Timeout
    } else {
        Error::Transport(e)
    };
    AttemptError { error, maybe_sent }
}

/// The URL exactly as it is sent (and signed): base URL, expanded path, and the
/// query encoded once, here.
fn build_url(base: &str, path: &str, query: &[(&'static str, String)]) -> Result<Url, Error> {
    let sep = if path.starts_with('/') { "" } else { "/" };
    let mut url = Url::parse(&format!("{base}{sep}{path}"))
        .map_err(|e| Error::Config(format!("invalid request URL: {e}")))?;
    if !query.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::super::keys::Key;
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const SECRET: &str = "super-secret-value";
    const KEY_ID: &str = "0b7c9a3e-1d2f-4e5a-8b6c-7d8e9f0a1b2c";

    static LIST_USERS: Operation = Operation {
        id: "list_users",
        method: Method::GET,
        path_template: "/users",
        scopes: &[&["users:read"]],
    };

    static CREATE_USER: Operation = Operation {
        id: "create_user",
        method: Method::POST,
        path_template: "/users",
        scopes: &[&["users:admin"]],
    };

    fn test_key() -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
    }

    fn builder(server: &MockServer) -> ClientBuilder {
        Client::builder()
            .environment(Environment::Custom(server.uri()))
            .client_id("client-1")
            .client_secret(SECRET)
            .signing_key(KEY_ID, PrivateKey(Key::Ed25519(Box::new(test_key()))))
            .retry_policy(
                RetryPolicy::default()
                    .initial_backoff(Duration::from_millis(1))
                    .max_backoff(Duration::from_millis(5)),
            )
    }

    fn token_mock(token: &str) -> Mock {
        Mock::given(method("POST"))
            .and(path("/auth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": token,
                "token_type": "bearer",
                "expires_in": 1799,
                "scope": "users:read users:admin",
            })))
    }

    fn users_json() -> ResponseTemplate {
        ResponseTemplate::new(200)
            .insert_header("upvest-request-id", "req-42")
            .set_body_json(serde_json::json!({"data": [], "meta": {"total_count": 0}}))
    }

    /// Checks a received request's signature the way the server would: rebuild
    /// the base from what arrived and verify it with the public key.
    fn verify_signature(req: &wiremock::Request) -> Vec<String> {
        use ed25519_dalek::Verifier as _;
        let header = |name: &str| {
            req.headers
                .get(name)
                .unwrap_or_else(|| panic!("missing {name}"))
                .to_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(header("upvest-signature-version"), "15");
        let input = header("signature-input");
        let params = input.strip_prefix("sig1=").unwrap();
        let list = &params[1..params.find(')').unwrap()];
        let names: Vec<String> = list
            .split(' ')
            .map(|n| n.trim_matches('"').to_string())
            .collect();
        let mut base = String::new();
        for name in &names {
            let value = match name.as_str() {
                "@method" => req.method.as_str().to_string(),
                "@path" => req.url.path().to_string(),
                "@query" => format!("?{}", req.url.query().unwrap()),
                other => header(other),
            };
            base.push_str(&format!("\"{name}\": {value}\n"));
        }
        base.push_str(&format!("\"@signature-params\": {params}"));
        let sig = header("signature");
        let sig = sig
            .strip_prefix("sig1=:")
            .unwrap()
            .strip_suffix(':')
            .unwrap();
        use base64::Engine as _;
        let sig = base64::engine::general_purpose::STANDARD
            .decode(sig)
            .unwrap();
        let sig = ed25519_dalek::Signature::from_slice(&sig).unwrap();
        test_key()
            .verifying_key()
            .verify(base.as_bytes(), &sig)
            .expect("signature verifies");
        if req.body.is_empty() {
            assert!(req.headers.get("content-digest").is_none());
        } else {
            assert_eq!(header("content-digest"), signing::content_digest(&req.body));
        }
        assert!(params.contains(&format!("keyid=\"{KEY_ID}\"")));
        names
    }

    fn requests_to(all: &[wiremock::Request], p: &str) -> Vec<wiremock::Request> {
        all.iter().filter(|r| r.url.path() == p).cloned().collect()
    }

    #[tokio::test]
    async fn token_signed_call_and_503_retry_with_the_same_key() {
        let server = MockServer::start().await;
        token_mock("tok-1").expect(1).mount(&server).await;
        Mock::given(method("POST"))
            .and(path("/users"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/users"))
            .respond_with(users_json())
            .mount(&server)
            .await;
        let client = builder(&server)
            .idempotency_key_generator(|| "idem-fixed".to_string())
            .build()
            .unwrap();
        let mut request = Request::new(&CREATE_USER, "/users".into());
        request.body = Some(Body::json(&serde_json::json!({"first_name": "Ada"})).unwrap());
        request.idempotency_key = Some(client.new_idempotency_key());
        request.query = vec![("q", "a b&c".into())];
        let response = client.execute(request).await.unwrap();
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.request_id.as_deref(), Some("req-42"));
        let typed = response.json::<serde_json::Value>().unwrap();
        assert_eq!(typed.body["meta"]["total_count"], 0);

        let all = server.received_requests().await.unwrap();
        let token = requests_to(&all, "/auth/token");
        assert_eq!(token.len(), 1);
        let form: std::collections::HashMap<String, String> =
            serde_urlencoded::from_bytes(&token[0].body).unwrap();
        assert_eq!(form["grant_type"], "client_credentials");
        assert_eq!(form["client_id"], "client-1");
        assert_eq!(form["client_secret"], SECRET);
        assert_eq!(form["scope"], crate::DEFAULT_SCOPES.join(" "));
        let names = verify_signature(&token[0]);
        assert!(!names.contains(&"authorization".to_string()));
        assert!(names.contains(&"upvest-client-id".to_string()));

        let calls = requests_to(&all, "/users");
        assert_eq!(calls.len(), 2, "one 503, one retry");
        let mut inputs = Vec::new();
        for call in &calls {
            let names = verify_signature(call);
            assert_eq!(
                names,
                [
                    "@method",
                    "@path",
                    "@query",
                    "accept",
                    "authorization",
                    "content-length",
                    "content-type",
                    "content-digest",
                    "idempotency-key",
                    "upvest-client-id"
                ]
            );
            assert_eq!(call.headers["idempotency-key"], "idem-fixed");
            assert_eq!(call.headers["authorization"], "Bearer tok-1");
            assert_eq!(call.headers["upvest-api-version"], crate::API_VERSION);
            assert_eq!(call.headers["upvest-client-id"], "client-1");
            assert_eq!(call.headers["accept"], "application/json");
            assert!(call.headers["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("upvest-client-rust/"));
            assert_eq!(call.url.query(), Some("q=a+b%26c"));
            inputs.push(call.headers["signature-input"].clone());
        }
        assert_ne!(inputs[0], inputs[1], "each attempt is signed anew");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hundred_concurrent_calls_make_one_token_request() {
        let server = MockServer::start().await;
        token_mock("tok-1").expect(1).mount(&server).await;
        Mock::given(method("GET"))
            .and(path("/users"))
            .respond_with(users_json())
            .expect(100)
            .mount(&server)
            .await;
        let client = builder(&server).build().unwrap();
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                client
                    .execute(Request::new(&LIST_USERS, "/users".into()))
                    .await
                    .map(|r| r.status)
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), StatusCode::OK);
        }
        server.verify().await;
    }

    #[tokio::test]
    async fn a_401_refreshes_the_token_once() {
        let server = MockServer::start().await;
        let n = Arc::new(AtomicUsize::new(0));
        let counter = n.clone();
        Mock::given(method("POST"))
            .and(path("/auth/token"))
            .respond_with(move |_: &wiremock::Request| {
                let i = counter.fetch_add(1, Ordering::SeqCst) + 1;
                ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "access_token": format!("tok-{i}"), "token_type": "bearer", "expires_in": 1799
                }))
            })
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/users"))
            .respond_with(ResponseTemplate::new(401))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/users"))
            .respond_with(users_json())
            .mount(&server)
            .await;
        // No retries by policy: the 401 retry is separate from it.
        let client = builder(&server)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let r = client
            .execute(Request::new(&LIST_USERS, "/users".into()))
            .await
            .unwrap();
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(n.load(Ordering::SeqCst), 2);
        let all = server.received_requests().await.unwrap();
        let calls = requests_to(&all, "/users");
        assert_eq!(calls[0].headers["authorization"], "Bearer tok-1");
        assert_eq!(calls[1].headers["authorization"], "Bearer tok-2");
        // The new token is cached.
        client
            .execute(Request::new(&LIST_USERS, "/users".into()))
            .await
            .unwrap();
        assert_eq!(n.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_second_401_is_returned() {
        let server = MockServer::start().await;
        token_mock("tok").expect(2).mount(&server).await;
        Mock::given(method("GET"))
            .and(path("/users"))
            .respond_with(ResponseTemplate::new(401))
            .expect(2)
            .mount(&server)
            .await;
        let client = builder(&server).build().unwrap();
        let err = client
            .execute(Request::new(&LIST_USERS, "/users".into()))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    }

    #[tokio::test]
    async fn post_without_idempotency_key_is_not_retried_after_a_5xx() {
        let server = MockServer::start().await;
        token_mock("tok").mount(&server).await;
        Mock::given(method("POST"))
            .and(path("/users"))
            .respond_with(ResponseTemplate::new(503))
            .expect(1)
            .mount(&server)
            .await;
        let client = builder(&server).build().unwrap();
        let err = client
            .execute(Request::new(&CREATE_USER, "/users".into()))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert!(err.is_retryable());
    }

    #[tokio::test]
    async fn get_is_retried_up_to_max_attempts_and_keeps_the_problem() {
        let server = MockServer::start().await;
        token_mock("tok").mount(&server).await;
        let problem = r#"{"type":"https://api.upvest.co/problems/throttled","status":429,"title":"Too Many Requests"}"#;
        Mock::given(method("GET"))
            .and(path("/users"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("retry-after", "0")
                    .insert_header("upvest-request-id", "rid-9")
                    .set_body_raw(problem, "application/problem+json"),
            )
            .expect(3)
            .mount(&server)
            .await;
        let client = builder(&server).build().unwrap();
        let err = client
            .execute(Request::new(&LIST_USERS, "/users".into()))
            .await
            .unwrap_err();
        match &err {
            Error::Api(api) => {
                assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS);
                assert_eq!(api.request_id.as_deref(), Some("rid-9"));
                assert_eq!(
                    api.problem.as_ref().unwrap().title.as_deref(),
                    Some("Too Many Requests")
                );
                assert_eq!(api.body, problem.as_bytes());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(err.request_id(), Some("rid-9"));
    }

    #[tokio::test]
    async fn too_long_retry_after_gives_up_at_once() {
        let server = MockServer::start().await;
        token_mock("tok").mount(&server).await;
        Mock::given(method("GET"))
            .and(path("/users"))
            .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "3600"))
            .expect(1)
            .mount(&server)
            .await;
        let client = builder(&server).build().unwrap();
        let started = std::time::Instant::now();
        let err = client
            .execute(Request::new(&LIST_USERS, "/users".into()))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn slow_answer_is_a_timeout() {
        let server = MockServer::start().await;
        token_mock("tok").mount(&server).await;
        Mock::given(method("GET"))
            .and(path("/users"))
            .respond_with(users_json().set_delay(Duration::from_millis(800)))
            .expect(2)
            .mount(&server)
            .await;
        let client = builder(&server)
            .timeout(Duration::from_millis(200))
            .retry_policy(
                RetryPolicy::default()
                    .max_attempts(2)
                    .initial_backoff(Duration::from_millis(1)),
            )
            .build()
            .unwrap();
        let err = client
            .execute(Request::new(&LIST_USERS, "/users".into()))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Timeout), "{err:?}");
    }

    #[tokio::test]
    async fn token_endpoint_failures_are_token_errors() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/auth/token"))
            .respond_with(ResponseTemplate::new(401).set_body_raw(
                r#"{"type":"about:blank","status":401,"title":"Unauthorized"}"#,
                "application/problem+json",
            ))
            .expect(1)
            .mount(&server)
            .await;
        let client = builder(&server).build().unwrap();
        let err = client
            .execute(Request::new(&LIST_USERS, "/users".into()))
            .await
            .unwrap_err();
        match &err {
            Error::Token(inner) => assert!(matches!(**inner, Error::Api(_))),
            other => panic!("{other:?}"),
        }
        assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
        assert!(!format!("{err:?}{err}").contains(SECRET));
    }

    #[tokio::test]
    async fn connection_refused_is_retried_then_reported() {
        // A port that was just free: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = Client::builder()
            .environment(Environment::Custom(format!("http://127.0.0.1:{port}")))
            .client_id("c")
            .client_secret(SECRET)
            .signing_key(KEY_ID, PrivateKey(Key::Ed25519(Box::new(test_key()))))
            .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
            .build()
            .unwrap();
        let err = client
            .execute(Request::new(&CREATE_USER, "/users".into()))
            .await
            .unwrap_err();
        match &err {
            Error::Token(inner) => assert!(matches!(**inner, Error::Transport(_)), "{inner:?}"),
            other => panic!("{other:?}"),
        }
        assert!(err.is_retryable());
    }

    #[test]
    fn debug_output_has_no_secrets() {
        use ed25519_dalek::pkcs8::EncodePrivateKey as _;
        let pem = test_key().to_pkcs8_pem(Default::default()).unwrap();
        let b = Client::builder()
            .client_id("client-1")
            .client_secret(SECRET)
            .signing_key(KEY_ID, PrivateKey::from_pem(&pem).unwrap());
        let builder_debug = format!("{b:?}");
        let client = b.build().unwrap();
        let client_debug = format!("{client:?}");
        let pem_body: String = pem.lines().nth(1).unwrap().to_string();
        for out in [&builder_debug, &client_debug] {
            assert!(!out.contains(SECRET), "{out}");
            assert!(!out.contains(&pem_body), "{out}");
            assert!(out.contains("client-1"), "{out}");
            assert!(out.contains("REDACTED"), "{out}");
        }
    }

    #[test]
    fn sensitive_headers_are_hidden_in_debug() {
        let mut v = HeaderValue::from_static("Bearer tok-secret");
        v.set_sensitive(true);
        assert!(!format!("{v:?}").contains("tok-secret"));
    }

    #[test]
    fn build_checks_required_settings() {
        let key = || PrivateKey(Key::Ed25519(Box::new(test_key())));
        let missing = [
            Client::builder()
                .client_secret("s")
                .signing_key(KEY_ID, key()),
            Client::builder().client_id("c").signing_key(KEY_ID, key()),
            Client::builder().client_id("c").client_secret("s"),
            Client::builder()
                .client_id("c")
                .client_secret("s")
                .signing_key("bad\"id", key()),
            Client::builder()
                .client_id("c")
                .client_secret("s")
                .signing_key(KEY_ID, key())
                .environment(Environment::Custom("not a url".into())),
        ];
        for b in missing {
            assert!(matches!(b.build(), Err(Error::Config(_))));
        }
        let c = Client::builder()
            .client_id("c")
            .client_secret("s")
            .signing_key(KEY_ID, key())
            .environment(Environment::Production)
            .build()
            .unwrap();
        assert_eq!(c.base_url(), crate::PRODUCTION_URL);
        assert_eq!(
            c.inner.token_url.as_str(),
            format!("{}{}", crate::PRODUCTION_URL, crate::TOKEN_PATH)
        );
        assert_eq!(Environment::Sandbox.base_url(), crate::SANDBOX_URL);
        assert!(uuid::Uuid::parse_str(c.new_idempotency_key().as_str()).is_ok());
    }

    #[test]
    fn urls_are_built_once() {
        let url = build_url(
            "http://h:1/base",
            "/users/a%2Fb",
            &[("limit", "10".into()), ("q", "x y".into())],
        )
        .unwrap();
        assert_eq!(url.as_str(), "http://h:1/base/users/a%2Fb?limit=10&q=x+y");
        assert_eq!(
            build_url("http://h", "users", &[]).unwrap().as_str(),
            "http://h/users"
        );
    }

    #[test]
    fn execute_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let client = Client::builder()
            .client_id("c")
            .client_secret("s")
            .signing_key(KEY_ID, PrivateKey(Key::Ed25519(Box::new(test_key()))))
            .build()
            .unwrap();
        let fut = client.execute(Request::new(&LIST_USERS, "/users".into()));
        assert_send(&fut);
        fn assert_sync_send<T: Send + Sync + Clone>() {}
        assert_sync_send::<Client>();
        fn assert_error_send_sync<T: Send + Sync + std::error::Error + 'static>() {}
        assert_error_send_sync::<Error>();
    }

    /// Collects every span field and event field recorded, as text.
    struct Capture {
        out: Arc<std::sync::Mutex<String>>,
        next_id: std::sync::atomic::AtomicU64,
    }

    struct Collect<'a>(&'a mut String);

    impl tracing::field::Visit for Collect<'_> {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
            self.0.push_str(&format!("{}={:?};", field.name(), value));
        }
    }

    impl tracing::Subscriber for Capture {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            let mut out = self.out.lock().unwrap();
            out.push_str(&format!("span {};", attrs.metadata().name()));
            attrs.record(&mut Collect(&mut out));
            tracing::span::Id::from_u64(self.next_id.fetch_add(1, Ordering::SeqCst) + 1)
        }
        fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
            values.record(&mut Collect(&mut self.out.lock().unwrap()));
        }
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            event.record(&mut Collect(&mut self.out.lock().unwrap()));
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[tokio::test]
    async fn tracing_records_the_call_but_no_secrets() {
        let out = Arc::new(std::sync::Mutex::new(String::new()));
        let _guard = tracing::subscriber::set_default(Capture {
            out: out.clone(),
            next_id: Default::default(),
        });
        let server = MockServer::start().await;
        token_mock("tok-secret-123").mount(&server).await;
        Mock::given(method("GET"))
            .and(path("/users"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/users"))
            .respond_with(users_json())
            .mount(&server)
            .await;
        let client = builder(&server).build().unwrap();
        client
            .execute(Request::new(&LIST_USERS, "/users".into()))
            .await
            .unwrap();
        let log = out.lock().unwrap().clone();
        for expected in [
            "span upvest.request;",
            "operation=\"list_users\"",
            "path_template=\"/users\"",
            "attempt=2",
            "status=200",
            "request_id=\"req-42\"",
            "span upvest.token;",
        ] {
            assert!(log.contains(expected), "{expected} missing in {log}");
        }
        for secret in [SECRET, "tok-secret-123", "Bearer", "signature"] {
            assert!(!log.contains(secret), "{secret} leaked in {log}");
        }
    }
}
