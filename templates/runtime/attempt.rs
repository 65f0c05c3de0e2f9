//! One attempt: the final headers, a fresh signature, sending, and reading the
//! answer within the attempt's timeout and the body-size limit.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};

use super::client::{Client, Limits};
use super::error::{Error, ValidationError};
use super::idempotency::IdempotencyKey;
use super::request::{Body, Operation, RawResponse};
use super::signing;

const REQUEST_ID_HEADER: &str = "upvest-request-id";

/// What one call sends, shared by API calls and the token request.
pub(crate) struct Call<'a> {
    pub(crate) operation: &'a Operation,
    pub(crate) url: Url,
    pub(crate) accept: &'a str,
    pub(crate) headers: &'a [(String, String)],
    pub(crate) body: Option<&'a Body>,
    pub(crate) idempotency_key: Option<&'a IdempotencyKey>,
    /// Whether sending twice is harmless even if the first one arrived.
    pub(crate) repeatable: bool,
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
            let response = builder.send().await.map_err(classify)?;
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
            let body = read_body(response, status, limits.max_response_body).await?;
            Ok((status, headers, body))
        };
        match tokio::time::timeout(limits.timeout, exchange).await {
            Err(_elapsed) => Err(AttemptError { error: Error::Timeout { idempotency_key: None }, maybe_sent: true }),
            Ok(Err(e)) => Err(e),
            Ok(Ok((status, headers, body))) => {
                let request_id = headers.get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
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
        if let Some(token) = token {
            let mut value = header_value("authorization", &format!("Bearer {token}"))?;
            // Keeps the token out of `Debug` output of the header map.
            value.set_sensitive(true);
            h.insert("authorization", value);
        } else {
            h.remove("authorization");
        }
        h.insert("upvest-client-id", header_value("upvest-client-id", &inner.client_id)?);
        h.insert("upvest-api-version", header_value("upvest-api-version", &inner.api_version)?);
        h.insert("user-agent", header_value("user-agent", &inner.user_agent)?);
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
            h.insert("content-type", header_value("content-type", body.content_type)?);
            h.insert("content-length", HeaderValue::from(body.bytes.len()));
            h.insert("content-digest", header_value("content-digest", &signing::content_digest(&body.bytes))?);
        }
        h.insert("upvest-signature-version", HeaderValue::from_static("15"));
        let signature = signing::sign_request(&inner.key, &inner.key_id, &call.operation.method, &call.url, &h)?;
        h.insert("signature-input", header_value("signature-input", &signature.signature_input)?);
        h.insert("signature", header_value("signature", &signature.signature)?);
        Ok(h)
    }
}

/// Reads the body, stopping with [`Error::BodyTooLarge`] as soon as it is
/// longer than `limit`, whatever `content-length` claims.
async fn read_body(
    mut response: reqwest::Response,
    status: StatusCode,
    limit: usize,
) -> Result<bytes::Bytes, AttemptError> {
    let too_large = || AttemptError { error: Error::BodyTooLarge { status, limit }, maybe_sent: true };
    if response.content_length().is_some_and(|len| len > limit as u64) {
        return Err(too_large());
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
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
/// a failed connection proves it was not.
fn classify(e: reqwest::Error) -> AttemptError {
    let maybe_sent = !e.is_connect();
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
