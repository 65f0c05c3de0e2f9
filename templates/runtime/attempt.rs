//! One attempt: the final headers, a fresh signature, sending, and reading the
//! answer within the attempt's timeout and the body-size limit.

use std::fmt;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};

use super::client::{Client, Limits};
use super::error::{Error, ValidationError};
use super::idempotency::IdempotencyKey;
use super::request::{Body, Operation, RawResponse};

/// Signs a request whose headers are final. An optional part of the runtime
/// implements it for APIs whose document asks for signed requests.
pub(crate) trait SignRequest: Send + Sync + fmt::Debug {
    /// Whether the signer can work at all; checked once, when the client is built.
    fn check(&self) -> Result<(), Error>;

    /// Adds the signature headers, and whatever they cover, to `headers`.
    fn sign(
        &self,
        method: &reqwest::Method,
        url: &Url,
        headers: &mut HeaderMap,
        body: Option<&[u8]>,
    ) -> Result<(), Error>;
}

/// What one call sends, shared by API calls and the token request.
pub(crate) struct Call<'a> {
    pub(crate) operation: &'a Operation,
    pub(crate) url: Url,
    pub(crate) accept: &'a str,
    pub(crate) headers: &'a [(String, String)],
    /// What the call's authentication adds (sensitive values).
    pub(crate) auth_headers: &'a [(HeaderName, HeaderValue)],
    pub(crate) body: Option<&'a Body>,
    pub(crate) idempotency_key: Option<&'a IdempotencyKey>,
    /// Whether sending twice is harmless even if the first one arrived.
    pub(crate) repeatable: bool,
    /// Whether the URL holds a credential (an API key in the query), which
    /// must then stay out of error messages.
    pub(crate) secret_in_url: bool,
}

/// One attempt's failure, and whether the request may have reached the server.
pub(crate) struct AttemptError {
    pub(crate) error: Error,
    pub(crate) maybe_sent: bool,
}

impl Client {
    /// One attempt: final headers, a fresh signature, send, read the body.
    pub(crate) async fn attempt(
        &self,
        call: &Call<'_>,
        token: Option<&str>,
        limits: &Limits<'_>,
    ) -> Result<RawResponse, AttemptError> {
        let not_sent = |error: Error| AttemptError { error, maybe_sent: false };
        let headers = self.headers(call, token).map_err(not_sent)?;
        let method = call.operation.method.clone();
        let mut builder = self.inner.http.request(method, call.url.clone()).headers(headers);
        if let Some(body) = call.body {
            builder = builder.body(body.bytes.clone());
        }
        let exchange = async {
            let response = builder.send().await.map_err(|e| classify(e, call.secret_in_url))?;
            let status = response.status();
            // A client passed in by the caller may follow redirects; the
            // answer must still come from where the request was sent.
            if status.is_redirection() || response.url() != &call.url {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
                    .or_else(|| (response.url() != &call.url).then(|| response.url().to_string()));
                return Err(AttemptError { error: Error::Redirect { status, location }, maybe_sent: true });
            }
            let headers = response.headers().clone();
            let body = read_body(response, status, limits.max_response_body, call.secret_in_url).await?;
            Ok((status, headers, body))
        };
        match tokio::time::timeout(limits.timeout, exchange).await {
            Err(_elapsed) => Err(AttemptError { error: Error::Timeout { idempotency_key: None }, maybe_sent: true }),
            Ok(Err(e)) => Err(e),
            Ok(Ok((status, headers, body))) => {
                let request_id = self
                    .inner
                    .api
                    .request_id_header
                    .and_then(|name| headers.get(name))
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                Ok(RawResponse { status, headers, request_id, body })
            }
        }
    }

    /// Every header of the request, signed last so the signature covers the
    /// final values. Extra headers go first, so the client's own win.
    fn headers(&self, call: &Call<'_>, token: Option<&str>) -> Result<HeaderMap, Error> {
        let inner = &self.inner;
        let mut h = HeaderMap::new();
        for (name, value) in call.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::Validation(ValidationError {
                    field: name.to_string(),
                    message: "is not a valid header name".into(),
                })
            })?;
            let value = header_value(name.as_str(), value)?;
            h.insert(name, value);
        }
        h.insert("accept", header_value("accept", call.accept)?);
        // Only the client sets credentials.
        h.remove("authorization");
        for (name, value) in call.auth_headers {
            h.insert(name.clone(), value.clone());
        }
        if let Some(token) = token {
            let mut value = header_value("authorization", &format!("Bearer {token}"))?;
            // Keeps the token out of `Debug` output of the header map.
            value.set_sensitive(true);
            h.insert("authorization", value);
        }
        for (name, value) in &inner.fixed_headers {
            h.insert(name.clone(), value.clone());
        }
        match call.idempotency_key {
            Some(key) => {
                h.insert("idempotency-key", header_value("idempotency-key", key.as_str())?);
            }
            None => {
                h.remove("idempotency-key");
            }
        }
        for name in ["content-type", "content-length", "content-digest"] {
            h.remove(name);
        }
        if let Some(body) = call.body {
            h.insert("content-type", header_value("content-type", &body.content_type)?);
            h.insert("content-length", HeaderValue::from(body.bytes.len()));
        }
        if let Some(signer) = &inner.signer {
            signer.sign(&call.operation.method, &call.url, &mut h, call.body.map(|b| &b.bytes[..]))?;
        }
        Ok(h)
    }
}

/// Reads the body, stopping with [`Error::BodyTooLarge`] as soon as it is
/// longer than `limit`, whatever `content-length` claims.
async fn read_body(
    mut response: reqwest::Response,
    status: StatusCode,
    limit: usize,
    secret_in_url: bool,
) -> Result<bytes::Bytes, AttemptError> {
    let too_large = || AttemptError { error: Error::BodyTooLarge { status, limit }, maybe_sent: true };
    if response.content_length().is_some_and(|len| len > limit as u64) {
        return Err(too_large());
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(e, secret_in_url))? {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value).map_err(|_| {
        Error::Validation(ValidationError { field: name.to_string(), message: "is not a valid header value".into() })
    })
}

/// Maps a reqwest error, telling whether the request may have been sent: only
/// a failed connection proves it was not. Its URL goes when it holds a credential.
fn classify(e: reqwest::Error, secret_in_url: bool) -> AttemptError {
    let maybe_sent = !e.is_connect();
    let e = if secret_in_url { e.without_url() } else { e };
    let error = if e.is_timeout() {
        Error::Timeout { idempotency_key: None }
    } else {
        Error::Transport { source: e, idempotency_key: None }
    };
    AttemptError { error, maybe_sent }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    #[test]
    fn sensitive_headers_are_hidden_in_debug() {
        let mut v = HeaderValue::from_static("Bearer tok-secret");
        v.set_sensitive(true);
        assert!(!format!("{v:?}").contains("tok-secret"));
    }
}
