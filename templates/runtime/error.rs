//! The one error type every call returns, and the problem+json body.

use std::fmt;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use super::idempotency::IdempotencyKey;

/// Everything that can go wrong when calling the API.
///
/// `Debug` and `Display` never show secrets or bodies: requests are not kept,
/// token-endpoint success bodies are dropped before an error is built from
/// them, and response bodies (which hold personal data) are reachable only
/// through [`Error::body`] and the variants' fields.
///
/// Large parts (the API error, response headers) are boxed so that
/// `Result<T, Error>` stays small on the happy path.
#[non_exhaustive]
pub enum Error {
    /// The API answered with a non-2xx, non-3xx status (after retries).
    Api(Box<ApiError>),
    /// The request could not be sent or the answer not read (connection
    /// refused, reset, TLS failure, ...).
    Transport {
        /// What went wrong.
        source: reqwest::Error,
        /// The idempotency key the call used: repeat the call with it to be
        /// safe whether or not the request arrived.
        idempotency_key: Option<IdempotencyKey>,
    },
    /// The connect timeout or the per-attempt timeout elapsed.
    Timeout {
        /// The idempotency key the call used: repeat the call with it to be
        /// safe whether or not the request arrived.
        idempotency_key: Option<IdempotencyKey>,
    },
    /// The call's overall deadline (token, attempts and waits together) passed.
    Deadline {
        /// The deadline that passed.
        deadline: std::time::Duration,
        /// The idempotency key the call used.
        idempotency_key: Option<IdempotencyKey>,
    },
    /// The server answered with a redirect. Redirects are never followed: they
    /// would carry signed requests, tokens and the client secret elsewhere.
    Redirect {
        /// The 3xx status.
        status: StatusCode,
        /// The `location` the server named, if any.
        location: Option<String>,
    },
    /// The response body was longer than the configured limit
    /// ([`crate::ClientBuilder::max_response_body`]); reading stopped there.
    BodyTooLarge {
        /// HTTP status of the answer.
        status: StatusCode,
        /// The limit in bytes.
        limit: usize,
    },
    /// A 2xx JSON answer did not decode into the expected type. `source.path()`
    /// says where; `body` keeps the raw bytes.
    Decode {
        /// HTTP status of the answer.
        status: StatusCode,
        /// Response headers.
        headers: Box<HeaderMap>,
        /// The request id the server sent (the response header the API document names for it).
        request_id: Option<String>,
        /// The raw response body.
        body: Bytes,
        /// The decoding error with the JSON path where it happened.
        source: serde_path_to_error::Error<serde_json::Error>,
    },
    /// A 2xx answer came with a content type the operation does not expect
    /// (for example `text/html` from a proxy where JSON was due).
    UnexpectedContentType {
        /// HTTP status of the answer.
        status: StatusCode,
        /// Response headers.
        headers: Box<HeaderMap>,
        /// The request id the server sent (the response header the API document names for it).
        request_id: Option<String>,
        /// The `content-type` header, if any.
        content_type: Option<String>,
        /// The raw response body.
        body: Bytes,
    },
    /// Getting an access token failed. The inner error is what the token
    /// endpoint did: [`Error::Api`] with its status and body, [`Error::Transport`],
    /// [`Error::Timeout`] or [`Error::Decode`] (whose body is left empty because a
    /// token answer may hold a token). Shared (`Arc`) because calls that waited
    /// for the same failed token request all get this one error.
    Token(std::sync::Arc<Error>),
    /// The operation needs a scope the client may not request
    /// ([`crate::ClientBuilder::scopes`]); nothing was sent.
    Scope {
        /// The operation.
        operation: &'static str,
        /// The scope sets that grant it: any one of them suffices.
        needs: Vec<Vec<&'static str>>,
        /// The scopes the client may request.
        allowed: Vec<String>,
    },
    /// Signing the request failed.
    Signing(String),
    /// The private key could not be read: the message names the format found
    /// and the `openssl` command that converts it, never the key's content.
    Key(String),
    /// The request was refused before sending because a value breaks a
    /// constraint of the API description.
    Validation(ValidationError),
    /// The request body could not be serialized.
    Encode(Box<dyn std::error::Error + Send + Sync>),
    /// The client is misconfigured (missing credentials, bad base URL, ...).
    Config(String),
}

impl Error {
    /// The HTTP status of the answer behind this error, if there was one
    /// (for [`Error::Token`], the token endpoint's status).
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. }
            | Error::UnexpectedContentType { status, .. }
            | Error::Redirect { status, .. }
            | Error::BodyTooLarge { status, .. } => Some(*status),
            Error::Transport { source, .. } => source.status(),
            Error::Token(inner) => inner.status(),
            _ => None,
        }
    }

    /// The request id of the answer behind this error (the response header the API
    /// document names for it); support asks for it.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            Error::Decode { request_id, .. } | Error::UnexpectedContentType { request_id, .. } => request_id.as_deref(),
            Error::Token(inner) => inner.request_id(),
            _ => None,
        }
    }

    /// The idempotency key the failed call used, if it sent one. Repeating the
    /// call with this key is safe whether or not the request reached the server.
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        match self {
            Error::Api(e) => e.idempotency_key.as_ref(),
            Error::Transport { idempotency_key, .. }
            | Error::Timeout { idempotency_key }
            | Error::Deadline { idempotency_key, .. } => idempotency_key.as_ref(),
            _ => None,
        }
    }

    /// The raw response body behind this error, if there was one. It may hold
    /// personal data, which is why `Debug` and `Display` never show it.
    pub fn body(&self) -> Option<&Bytes> {
        match self {
            Error::Api(e) => Some(&e.body),
            Error::Decode { body, .. } | Error::UnexpectedContentType { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Whether trying the same call again later may succeed: an API error with
    /// status 408, 429, 502, 503 or 504, a connection failure (refused, reset or
    /// dropped), or a timeout. The client's retry loop decides with the same
    /// rule ([`crate::RetryPolicy`]).
    pub fn is_retryable(&self) -> bool {
        super::retry::is_transient(self, DEFAULT_RETRYABLE_STATUSES)
    }

    /// The typed problem body of an API error, if it had one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Error::Api(e) => e.problem.as_ref(),
            Error::Token(inner) => inner.problem(),
            _ => None,
        }
    }
}

/// Statuses that [`Error::is_retryable`] treats as transient; the same list is
/// the default of [`crate::RetryPolicy`].
pub(crate) const DEFAULT_RETRYABLE_STATUSES: &[u16] = &[408, 429, 502, 503, 504];

/// Shows what went wrong and where, never a body or a secret.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => f.debug_tuple("Api").field(e).finish(),
            Error::Transport { source, idempotency_key } => {
                f.debug_struct("Transport").field("source", source).field("idempotency_key", idempotency_key).finish()
            }
            Error::Timeout { idempotency_key } => {
                f.debug_struct("Timeout").field("idempotency_key", idempotency_key).finish()
            }
            Error::Deadline { deadline, idempotency_key } => f
                .debug_struct("Deadline")
                .field("deadline", deadline)
                .field("idempotency_key", idempotency_key)
                .finish(),
            Error::Redirect { status, location } => {
                f.debug_struct("Redirect").field("status", status).field("location", location).finish()
            }
            Error::BodyTooLarge { status, limit } => {
                f.debug_struct("BodyTooLarge").field("status", status).field("limit", limit).finish()
            }
            Error::Decode { status, request_id, body, source, .. } => f
                .debug_struct("Decode")
                .field("status", status)
                .field("request_id", request_id)
                .field("body_len", &body.len())
                .field("path", &source.path().to_string())
                .finish_non_exhaustive(),
            Error::UnexpectedContentType { status, request_id, content_type, body, .. } => f
                .debug_struct("UnexpectedContentType")
                .field("status", status)
                .field("request_id", request_id)
                .field("content_type", content_type)
                .field("body_len", &body.len())
                .finish_non_exhaustive(),
            Error::Token(inner) => f.debug_tuple("Token").field(inner).finish(),
            Error::Scope { operation, needs, allowed } => f
                .debug_struct("Scope")
                .field("operation", operation)
                .field("needs", needs)
                .field("allowed", allowed)
                .finish(),
            Error::Signing(m) => f.debug_tuple("Signing").field(m).finish(),
            Error::Key(m) => f.debug_tuple("Key").field(m).finish(),
            Error::Validation(e) => f.debug_tuple("Validation").field(e).finish(),
            Error::Encode(e) => f.debug_tuple("Encode").field(e).finish(),
            Error::Config(m) => f.debug_tuple("Config").field(m).finish(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::Transport { source, idempotency_key } => {
                write!(f, "transport error: {source}")?;
                write_idempotency_key(f, idempotency_key.as_ref())
            }
            Error::Timeout { idempotency_key } => {
                f.write_str("request timed out")?;
                write_idempotency_key(f, idempotency_key.as_ref())
            }
            Error::Deadline { deadline, idempotency_key } => {
                write!(f, "the call's deadline of {deadline:?} passed")?;
                write_idempotency_key(f, idempotency_key.as_ref())
            }
            Error::Redirect { status, location } => write!(
                f,
                "the server answered {status} redirecting to {:?}; redirects are not followed \
                 (check the base URL and token URL)",
                location.as_deref().unwrap_or("")
            ),
            Error::BodyTooLarge { status, limit } => write!(
                f,
                "the {status} response body is longer than {limit} bytes; raise \
                 ClientBuilder::max_response_body if this answer is expected"
            ),
            Error::Decode { status, request_id, source, .. } => {
                write!(f, "could not decode the {status} response")?;
                write_request_id(f, request_id.as_deref())?;
                // The path, not serde's message: that may quote body content.
                write!(f, " at `{}`", source.path())
            }
            Error::UnexpectedContentType { status, content_type, request_id, .. } => {
                write!(
                    f,
                    "unexpected content type {:?} in the {status} response",
                    content_type.as_deref().unwrap_or("")
                )?;
                write_request_id(f, request_id.as_deref())
            }
            Error::Token(inner) => write!(f, "could not obtain an access token: {inner}"),
            Error::Scope { operation, needs, allowed } => {
                let needs: Vec<String> = needs.iter().map(|set| set.join(" ")).collect();
                write!(
                    f,
                    "{operation} needs the scope {} but the client may only request [{}]; \
                     add it to ClientBuilder::scopes (or the SCOPES environment variable)",
                    needs.join(" or "),
                    allowed.join(" ")
                )
            }
            Error::Signing(msg) => write!(f, "request signing failed: {msg}"),
            Error::Key(msg) => write!(f, "cannot use the private key: {msg}"),
            Error::Validation(e) => write!(f, "invalid request: {e}"),
            Error::Encode(e) => write!(f, "could not encode the request body: {e}"),
            Error::Config(msg) => write!(f, "client configuration error: {msg}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(source),
            Error::Token(inner) => Some(inner.as_ref()),
            Error::Validation(e) => Some(e),
            Error::Encode(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

fn write_idempotency_key(f: &mut fmt::Formatter<'_>, key: Option<&IdempotencyKey>) -> fmt::Result {
    match key {
        Some(key) => write!(f, " (idempotency key {key}: repeat the call with it)"),
        None => Ok(()),
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Error::Validation(e)
    }
}

fn write_request_id(f: &mut fmt::Formatter<'_>, request_id: Option<&str>) -> fmt::Result {
    match request_id {
        Some(id) => write!(f, " (request id {id})"),
        None => Ok(()),
    }
}

/// A non-2xx answer of the API. `Debug` and `Display` show the status, the
/// problem type and title and the request id, never the body: read it with
/// [`ApiError::body`].
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The request id the server sent (the response header the API document names for it).
    pub request_id: Option<String>,
    /// The body decoded as problem+json, when it is one.
    pub problem: Option<Problem>,
    /// The raw body, always kept.
    pub body: Bytes,
    /// The idempotency key the call used, if it sent one.
    pub idempotency_key: Option<IdempotencyKey>,
}

impl ApiError {
    /// Builds the error from a response, decoding the body as a problem when it
    /// is `application/problem+json`, or JSON carrying `type` and `status`.
    pub(crate) fn new(status: StatusCode, headers: HeaderMap, request_id: Option<String>, body: Bytes) -> Self {
        let problem = Problem::parse(&headers, &body);
        ApiError { status, headers, request_id, problem, body, idempotency_key: None }
    }

    /// The raw response body. It may hold personal data.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("problem_type", &self.problem.as_ref().map(|p| &p.r#type))
            .field("problem_title", &self.problem.as_ref().and_then(|p| p.title.as_ref()))
            .field("body_len", &self.body.len())
            .field("idempotency_key", &self.idempotency_key)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "API error {}", self.status)?;
        // The type and title name the kind of problem; `detail` describes this
        // occurrence and may quote personal data, so it stays in `problem`.
        if let Some(p) = &self.problem {
            write!(f, " {}", p.r#type)?;
            if let Some(title) = &p.title {
                write!(f, ": {title}")?;
            }
        }
        write_request_id(f, self.request_id.as_deref())?;
        write_idempotency_key(f, self.idempotency_key.as_ref())
    }
}

impl std::error::Error for ApiError {}

/// An RFC 9457 problem details body (`application/problem+json`). Unknown
/// fields are ignored; the raw body stays in [`ApiError::body`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// A URI identifying the problem type.
    #[serde(rename = "type")]
    pub r#type: String,
    /// The HTTP status the server set in the body.
    pub status: u16,
    /// Short human-readable summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Human-readable explanation of this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// URI of this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request id the server logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl Problem {
    /// Parses `body` as a problem when the content type says problem+json, or
    /// when it is JSON that has `type` and `status` (some gateways send
    /// problems as plain `application/json`).
    pub(crate) fn parse(headers: &HeaderMap, body: &[u8]) -> Option<Problem> {
        let content_type = content_type_of(headers)?;
        // `is_json` covers application/problem+json; a body without `type` and
        // `status` does not decode, so plain JSON errors stay untyped.
        if is_json(&content_type) {
            serde_json::from_slice(body).ok()
        } else {
            None
        }
    }
}

/// The lower-cased media type of the `content-type` header, without parameters.
pub(crate) fn content_type_of(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(reqwest::header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or("").trim();
    Some(essence.to_ascii_lowercase())
}

/// Whether a media type (already lower-cased, no parameters) is JSON.
pub(crate) fn is_json(essence: &str) -> bool {
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A value broke a constraint of the API description; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Dotted path of the offending value, like `address.postcode` or `items[3].name`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for ValidationError {}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, CONTENT_TYPE};

    fn headers(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        h
    }

    const PROBLEM: &str = r#"{"type":"https://api.upvest.co/problems/missing_idempotency_key","status":400,"title":"Bad Request","detail":"missing key","request_id":"abc","extra":{"x":1}}"#;

    #[test]
    fn problem_json_is_typed_and_unknown_fields_tolerated() {
        let e = ApiError::new(
            StatusCode::BAD_REQUEST,
            headers("application/problem+json; charset=utf-8"),
            Some("rid".into()),
            Bytes::from_static(PROBLEM.as_bytes()),
        );
        let p = e.problem.as_ref().expect("problem");
        assert_eq!(p.status, 400);
        assert_eq!(p.detail.as_deref(), Some("missing key"));
        assert_eq!(p.request_id.as_deref(), Some("abc"));
        assert_eq!(e.body, PROBLEM.as_bytes());
        let err = Error::from(e);
        assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
        assert_eq!(err.request_id(), Some("rid"));
        assert!(!err.is_retryable());
        // Display and Debug name the problem but never quote the body.
        assert!(err.to_string().contains("Bad Request"), "{err}");
        assert!(!err.to_string().contains("missing key"), "{err}");
        assert!(!format!("{err:?}").contains("missing key"), "{err:?}");
        assert_eq!(err.body().map(|b| b.len()), Some(PROBLEM.len()));
    }

    #[test]
    fn plain_json_with_type_and_status_is_a_problem() {
        let p = Problem::parse(&headers("application/json"), PROBLEM.as_bytes());
        assert!(p.is_some());
        let not = Problem::parse(&headers("application/json"), br#"{"message":"x"}"#);
        assert!(not.is_none());
        let html = Problem::parse(&headers("text/html"), PROBLEM.as_bytes());
        assert!(html.is_none());
        assert!(Problem::parse(&HeaderMap::new(), PROBLEM.as_bytes()).is_none());
    }

    #[test]
    fn retryable_statuses() {
        for (code, retry) in [(429, true), (503, true), (408, true), (500, false), (404, false)] {
            let e =
                Error::from(ApiError::new(StatusCode::from_u16(code).unwrap(), HeaderMap::new(), None, Bytes::new()));
            assert_eq!(e.is_retryable(), retry, "{code}");
        }
        assert!(Error::Timeout { idempotency_key: None }.is_retryable());
        assert!(!Error::Config("x".into()).is_retryable());
    }

    #[test]
    fn error_stays_small() {
        // Keeps `Result<T, Error>` cheap and clippy's result_large_err quiet
        // in generated code.
        assert!(std::mem::size_of::<Error>() <= 128, "{}", std::mem::size_of::<Error>());
    }

    #[test]
    fn validation_error_display() {
        let e = ValidationError { field: "address.postcode".into(), message: "too long".into() };
        assert_eq!(e.to_string(), "address.postcode: too long");
        assert_eq!(Error::from(e).to_string(), "invalid request: address.postcode: too long");
    }
}
