//! What generated operations hand to the runtime, and what they get back.

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use super::error::{content_type_of, is_json, Error};
use super::idempotency::IdempotencyKey;

/// Static facts about one API operation, emitted once per operation.
#[doc(hidden)]
#[derive(Debug)]
pub struct Operation {
    /// The operation id of the API description (for tracing).
    pub id: &'static str,
    /// HTTP method.
    pub method: reqwest::Method,
    /// Path with `{param}` placeholders (for tracing; never holds user data).
    pub path_template: &'static str,
    /// The security requirements that grant the operation, as alternatives in
    /// the order the API description lists them (the first is the
    /// least-privileged): any one inner list suffices, and every scheme in it
    /// is needed. Empty when the operation needs no authentication.
    pub security: &'static [&'static [super::api::Requirement]],
}

/// One logical call, built by generated code and passed to
/// [`crate::Client::execute`]. Every retry sends the same request.
#[doc(hidden)]
#[derive(Debug)]
pub struct Request {
    /// The operation being called.
    pub operation: &'static Operation,
    /// The expanded path, path parameters encoded with [`encode_path_segment`].
    pub path: String,
    /// Query parameters, in order; encoded by the runtime.
    pub query: Vec<(&'static str, String)>,
    /// Header parameters of the operation (not the ones the runtime sets).
    pub headers: Vec<(&'static str, String)>,
    /// The body, if any.
    pub body: Option<Body>,
    /// The `accept` header: `application/json` or `application/pdf`.
    pub accept: &'static str,
    /// The idempotency key, set before the first attempt so retries reuse it.
    pub idempotency_key: Option<IdempotencyKey>,
    /// What this call overrides of the client's settings.
    pub options: CallOptions,
}

impl Request {
    /// A request for `operation` at `path` accepting JSON, with nothing else set.
    pub fn new(operation: &'static Operation, path: String) -> Self {
        Request {
            operation,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            accept: "application/json",
            idempotency_key: None,
            options: CallOptions::default(),
        }
    }
}

/// Settings of one call that override the client's: set them on any request
/// builder (`.timeout(...)`, `.deadline(...)`, `.retry_policy(...)`,
/// `.header(...)`, `.max_response_body(...)`) before `.send()`.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CallOptions {
    pub(crate) timeout: Option<std::time::Duration>,
    pub(crate) deadline: Option<std::time::Duration>,
    pub(crate) retry_policy: Option<super::retry::RetryPolicy>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) max_response_body: Option<usize>,
}

impl CallOptions {
    /// How long one attempt may take (instead of [`crate::ClientBuilder::timeout`]).
    pub fn timeout(&mut self, timeout: std::time::Duration) {
        self.timeout = Some(timeout);
    }

    /// How long the whole call may take, token, attempts and waits included
    /// (instead of [`crate::ClientBuilder::deadline`]).
    pub fn deadline(&mut self, deadline: std::time::Duration) {
        self.deadline = Some(deadline);
    }

    /// How this call is retried (instead of [`crate::ClientBuilder::retry_policy`]).
    pub fn retry_policy(&mut self, policy: super::retry::RetryPolicy) {
        self.retry_policy = Some(policy);
    }

    /// An extra header sent (and, if it is one the signature covers, signed)
    /// with this call. Headers the client sets itself (authorization,
    /// signature, idempotency key, ...) cannot be replaced this way.
    pub fn header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.headers.push((name.into(), value.into()));
    }

    /// The longest response body read, in bytes (instead of
    /// [`crate::ClientBuilder::max_response_body`]).
    pub fn max_response_body(&mut self, bytes: usize) {
        self.max_response_body = Some(bytes);
    }
}

/// The per-call setters of every request builder (whose `options` field is a
/// [`CallOptions`]), written once here instead of once per generated operation.
#[doc(hidden)]
#[macro_export]
macro_rules! call_option_setters {
    () => {
        /// How long one attempt of this call may take, instead of the client's timeout.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.options.timeout(timeout);
            self
        }
        /// How long this call may take in total (token, attempts and waits), instead
        /// of the client's deadline.
        pub fn deadline(mut self, deadline: ::std::time::Duration) -> Self {
            self.options.deadline(deadline);
            self
        }
        /// How this call is retried, instead of the client's retry policy.
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.options.retry_policy(policy);
            self
        }
        /// Sends an extra header with this call. Headers the client sets itself
        /// (authorization, signature, idempotency key, ...) are not replaced.
        pub fn header(
            mut self,
            name: impl ::std::convert::Into<::std::string::String>,
            value: impl ::std::convert::Into<::std::string::String>,
        ) -> Self {
            self.options.header(name, value);
            self
        }
        /// The longest response body read for this call, in bytes.
        pub fn max_response_body(mut self, bytes: usize) -> Self {
            self.options.max_response_body(bytes);
            self
        }
    };
}

/// A serialized request body and its media type.
#[doc(hidden)]
#[derive(Clone)]
pub struct Body {
    /// The `content-type` header (a multipart body's names its boundary).
    pub content_type: std::borrow::Cow<'static, str>,
    /// The exact bytes sent (and digested for `content-digest`).
    pub bytes: Bytes,
}

impl std::fmt::Debug for Body {
    // Bodies can carry personal data; only their shape is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Body").field("content_type", &self.content_type).field("len", &self.bytes.len()).finish()
    }
}

impl Body {
    /// A JSON body.
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Body, Error> {
        let bytes = serde_json::to_vec(value).map_err(|e| Error::Encode(Box::new(e)))?;
        Ok(Body { content_type: "application/json".into(), bytes: Bytes::from(bytes) })
    }

    /// An `application/x-www-form-urlencoded` body.
    pub fn form<T: serde::Serialize + ?Sized>(value: &T) -> Result<Body, Error> {
        let text = serde_urlencoded::to_string(value).map_err(|e| Error::Encode(Box::new(e)))?;
        Ok(Body { content_type: "application/x-www-form-urlencoded".into(), bytes: Bytes::from(text) })
    }

    /// A body sent as it is (text, a file, bytes the caller encoded).
    pub fn raw(content_type: &'static str, bytes: impl Into<Bytes>) -> Body {
        Body { content_type: content_type.into(), bytes: bytes.into() }
    }
}

/// Characters left as they are in a path segment: RFC 3986 unreserved.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes one path parameter so that it stays one segment
/// (`a/b` becomes `a%2Fb`).
#[doc(hidden)]
pub fn encode_path_segment(value: &str) -> String {
    utf8_percent_encode(value, PATH_SEGMENT).to_string()
}

/// A successful answer with its decoded body. `Debug` shows status and
/// request id but not the body, which holds personal data.
#[derive(Clone)]
#[non_exhaustive]
pub struct Response<T> {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The request id the server sent (the response header the API document names for it).
    pub request_id: Option<String>,
    /// The decoded body.
    pub body: T,
}

impl<T> std::fmt::Debug for Response<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("body", &std::any::type_name::<T>())
            .finish_non_exhaustive()
    }
}

impl<T> Response<T> {
    /// The body alone.
    pub fn into_body(self) -> T {
        self.body
    }

    /// Transforms the body, keeping status, headers and request id.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response { status: self.status, headers: self.headers, request_id: self.request_id, body: f(self.body) }
    }
}

/// A 2xx answer whose body is not decoded yet.
#[doc(hidden)]
#[derive(Clone)]
pub struct RawResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The request id the server sent (the response header the API document names for it).
    pub request_id: Option<String>,
    /// The raw body.
    pub body: Bytes,
}

impl std::fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl RawResponse {
    /// Decodes a JSON body. Fails with [`Error::UnexpectedContentType`] when
    /// the content type is not `application/json` or `application/*+json`, and
    /// with [`Error::Decode`] (raw bytes and JSON path kept) when it does not fit `T`.
    pub fn json<T: serde::de::DeserializeOwned>(self) -> Result<Response<T>, Error> {
        let content_type = content_type_of(&self.headers);
        if !content_type.as_deref().is_some_and(is_json) {
            return Err(Error::UnexpectedContentType {
                status: self.status,
                content_type: self
                    .headers
                    .get(reqwest::header::CONTENT_TYPE)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
                headers: Box::new(self.headers),
                request_id: self.request_id,
                body: self.body,
            });
        }
        match decode_json(&self.body) {
            Ok(body) => Ok(Response { status: self.status, headers: self.headers, request_id: self.request_id, body }),
            Err(source) => Err(Error::Decode {
                status: self.status,
                headers: Box::new(self.headers),
                request_id: self.request_id,
                body: self.body,
                source,
            }),
        }
    }

    /// Drops the body (for answers documented as empty).
    pub fn empty(self) -> Response<()> {
        self.bytes().map(|_| ())
    }

    /// The body as bytes (for `application/pdf` and other binary answers).
    pub fn bytes(self) -> Response<Bytes> {
        Response { status: self.status, headers: self.headers, request_id: self.request_id, body: self.body }
    }

    /// The body as UTF-8 text; invalid UTF-8 is an [`Error::UnexpectedContentType`].
    pub fn text(self) -> Result<Response<String>, Error> {
        match String::from_utf8(self.body.to_vec()) {
            Ok(text) => {
                Ok(Response { status: self.status, headers: self.headers, request_id: self.request_id, body: text })
            }
            Err(_) => Err(Error::UnexpectedContentType {
                status: self.status,
                content_type: content_type_of(&self.headers),
                headers: Box::new(self.headers),
                request_id: self.request_id,
                body: self.body,
            }),
        }
    }
}

/// Decodes JSON, tracking the path to the first failure; trailing garbage is
/// an error too, as with `serde_json::from_slice`.
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de)?;
    de.end().map_err(|e| serde_path_to_error::Error::new(serde_path_to_error::Track::new().path(), e))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, CONTENT_TYPE};

    /// A request builder as the generator writes one, for the per-call setters.
    struct Builder {
        options: CallOptions,
    }

    impl Builder {
        crate::call_option_setters!();
    }

    #[test]
    fn per_call_setters_fill_the_call_options() {
        let built = Builder { options: CallOptions::default() }
            .timeout(std::time::Duration::from_secs(3))
            .deadline(std::time::Duration::from_secs(9))
            .retry_policy(crate::RetryPolicy::none())
            .header("x-trace", "42")
            .max_response_body(1024);
        let o = built.options;
        assert_eq!(o.timeout, Some(std::time::Duration::from_secs(3)));
        assert_eq!(o.deadline, Some(std::time::Duration::from_secs(9)));
        assert!(o.retry_policy.is_some());
        assert_eq!(o.headers, [("x-trace".to_owned(), "42".to_owned())]);
        assert_eq!(o.max_response_body, Some(1024));
    }

    fn raw(ct: Option<&str>, body: &'static str) -> RawResponse {
        let mut headers = HeaderMap::new();
        if let Some(ct) = ct {
            headers.insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        }
        RawResponse {
            status: StatusCode::OK,
            headers,
            request_id: Some("rid".into()),
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct User {
        id: String,
        address: Address,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Address {
        postcode: String,
    }

    #[test]
    fn debug_never_shows_a_body() {
        let raw = raw(Some("application/json"), r#"{"id":"Erika Mustermann","address":{"postcode":"50667"}}"#);
        let raw_debug = format!("{raw:?}");
        assert!(!raw_debug.contains("Erika"), "{raw_debug}");
        assert!(raw_debug.contains("rid"), "{raw_debug}");
        let decoded = raw.json::<User>().unwrap();
        let debug = format!("{decoded:?}");
        assert!(!debug.contains("Erika"), "{debug}");
        assert!(debug.contains("200") && debug.contains("rid"), "{debug}");
        assert_eq!(decoded.body.id, "Erika Mustermann");
    }

    #[test]
    fn json_decodes_and_keeps_metadata() {
        let r =
            raw(Some("application/json; charset=utf-8"), r#"{"id":"1","address":{"postcode":"X"},"new_field":true}"#)
                .json::<User>()
                .unwrap();
        assert_eq!(r.request_id.as_deref(), Some("rid"));
        assert_eq!(r.body.address.postcode, "X");
        assert_eq!(r.map(|u| u.id).into_body(), "1");
        assert!(raw(Some("application/vnd.x+json"), r#"{"id":"1","address":{"postcode":"X"}}"#).json::<User>().is_ok());
    }

    #[test]
    fn decode_error_keeps_bytes_and_path() {
        let body = r#"{"id":"1","address":{"postcode":5}}"#;
        match raw(Some("application/json"), body).json::<User>() {
            Err(Error::Decode { body: b, source, request_id, .. }) => {
                assert_eq!(b, body.as_bytes());
                assert_eq!(source.path().to_string(), "address.postcode");
                assert_eq!(request_id.as_deref(), Some("rid"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            raw(Some("application/json"), r#"{"id":"1","address":{"postcode":"X"}} x"#).json::<User>(),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn wrong_content_type_is_reported() {
        match raw(Some("text/html"), "<html>").json::<User>() {
            Err(Error::UnexpectedContentType { content_type, body, .. }) => {
                assert_eq!(content_type.as_deref(), Some("text/html"));
                assert_eq!(body, "<html>".as_bytes());
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(raw(None, "{}").json::<serde_json::Value>(), Err(Error::UnexpectedContentType { .. })));
    }

    #[test]
    fn other_body_kinds() {
        assert_eq!(raw(None, "").empty().body, ());
        assert_eq!(raw(Some("application/pdf"), "%PDF").bytes().body, "%PDF".as_bytes());
        assert_eq!(raw(Some("text/plain"), "hi").text().unwrap().body, "hi");
    }

    #[test]
    fn bodies() {
        let b = Body::json(&serde_json::json!({"a": 1})).unwrap();
        assert_eq!(b.bytes, r#"{"a":1}"#.as_bytes());
        assert_eq!(b.content_type, "application/json");
        let f = Body::form(&[("scope", "users:read users:admin"), ("a", "b&c")]).unwrap();
        assert_eq!(f.bytes, "scope=users%3Aread+users%3Aadmin&a=b%26c".as_bytes());
        assert_eq!(format!("{f:?}"), r#"Body { content_type: "application/x-www-form-urlencoded", len: 40 }"#);
        let mut bad = std::collections::HashMap::new();
        bad.insert(vec![1u8], 1);
        assert!(matches!(Body::json(&bad), Err(Error::Encode(_))));
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_path_segment("abc-1.2_3~"), "abc-1.2_3~");
        assert_eq!(encode_path_segment("a/b c?d#e%"), "a%2Fb%20c%3Fd%23e%25");
        assert_eq!(encode_path_segment("ü"), "%C3%BC");
    }
}
