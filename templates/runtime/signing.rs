//! HTTP Message Signatures (draft-ietf-httpbis-message-signatures-15): Ed25519,
//! or ECDSA P-521 with SHA-512 (DER signature), over the request line, the
//! headers below and the API's client id header. The API document asks for
//! them by declaring `signature` and `signature-input` header parameters; a
//! `*-signature-version` header parameter it declares is sent with every
//! request (by the client's fixed headers, unsigned).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderValue};
use sha2::{Digest as _, Sha512};

use super::attempt::SignRequest;
use super::config::{ClientBuilder, EnvVars};
use super::error::Error;
use super::keys::PrivateKey;

/// How long a signature stays valid (`expires - created`), in seconds. Server
/// helpers commonly use 5 to 60 s; 30 s leaves room for slow networks and small
/// clock skew while keeping replays short.
pub(crate) const SIGNATURE_VALIDITY_SECS: u64 = 30;

/// Header components that are signed when present on the request, in order,
/// followed by the API's client id header. Which ones are present decides the
/// rest: `authorization` is absent on the token request, the body headers are
/// absent without a body, and `idempotency-key` is absent when not sent.
const SIGNED_HEADERS: &[&str] =
    &["accept", "authorization", "content-length", "content-type", "content-digest", "idempotency-key"];

/// Signs every request with one key.
#[derive(Debug)]
pub(crate) struct MessageSigner {
    key_id: String,
    key: PrivateKey,
    /// The API's client id header, signed after [`SIGNED_HEADERS`].
    client_id_header: Option<&'static str>,
}

impl SignRequest for MessageSigner {
    fn check(&self) -> Result<(), Error> {
        if valid_key_id(&self.key_id) {
            Ok(())
        } else {
            Err(Error::Config("the signing key id must be printable ASCII without quotes or backslashes".into()))
        }
    }

    fn sign(
        &self,
        method: &reqwest::Method,
        url: &reqwest::Url,
        headers: &mut HeaderMap,
        body: Option<&[u8]>,
    ) -> Result<(), Error> {
        if let Some(body) = body {
            headers.insert("content-digest", header_value(&content_digest(body))?);
        }
        let signature = sign_request(&self.key, &self.key_id, self.client_id_header, method, url, headers)?;
        headers.insert("signature-input", header_value(&signature.signature_input)?);
        headers.insert("signature", header_value(&signature.signature)?);
        Ok(())
    }
}

fn header_value(value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value).map_err(|_| Error::Signing("a signature header is not a valid header value".into()))
}

impl<C> ClientBuilder<C> {
    /// The key requests are signed with, and the id the API gave its public key.
    pub fn signing_key(self, key_id: impl Into<String>, key: PrivateKey) -> Self {
        let client_id_header = self.api().client_id_header;
        self.signer(Arc::new(MessageSigner { key_id: key_id.into(), key, client_id_header }))
    }
}

/// `<PREFIX>_KEY_ID` and the key: `<PREFIX>_PRIVATE_KEY_FILE` (a path) or
/// `<PREFIX>_PRIVATE_KEY_PEM` (the PEM text), with
/// `<PREFIX>_PRIVATE_KEY_PASSPHRASE` for an encrypted key.
pub(crate) fn from_env(builder: ClientBuilder, vars: &EnvVars<'_>) -> Result<ClientBuilder, Error> {
    let passphrase = vars.get("PRIVATE_KEY_PASSPHRASE").map(super::secret::Secret::new);
    let key = match (vars.get("PRIVATE_KEY_FILE"), vars.get("PRIVATE_KEY_PEM").map(super::secret::Secret::new)) {
        (Some(path), _) => match &passphrase {
            Some(pass) => PrivateKey::from_pem_file_with_passphrase(&path, pass.expose()),
            None => PrivateKey::from_pem_file(&path),
        },
        (None, Some(pem)) => match &passphrase {
            Some(pass) => PrivateKey::from_pem_with_passphrase(pem.expose(), pass.expose()),
            None => PrivateKey::from_pem(pem.expose()),
        }
        .map_err(|e| match e {
            Error::Key(message) => Error::Key(format!("{}: {message}", vars.name("PRIVATE_KEY_PEM"))),
            other => other,
        }),
        (None, None) => Err(Error::Config(format!(
            "set {} (a path) or {} (the PEM text)",
            vars.name("PRIVATE_KEY_FILE"),
            vars.name("PRIVATE_KEY_PEM")
        ))),
    }?;
    Ok(builder.signing_key(vars.required("KEY_ID")?, key))
}

/// `sha-512=:<base64>:` of the exact body bytes.
pub(crate) fn content_digest(body: &[u8]) -> String {
    format!("sha-512=:{}:", BASE64.encode(Sha512::digest(body)))
}

/// The components to sign for a request, as `(name, value)` pairs in order.
/// Header values are read from `headers`, so what is signed is what is sent.
pub(crate) fn components(
    method: &reqwest::Method,
    url: &reqwest::Url,
    headers: &HeaderMap,
    client_id_header: Option<&'static str>,
) -> Vec<(&'static str, String)> {
    let mut out = Vec::with_capacity(10);
    out.push(("@method", method.as_str().to_ascii_uppercase()));
    out.push(("@path", url.path().to_string()));
    if let Some(query) = url.query() {
        out.push(("@query", format!("?{query}")));
    }
    for &name in SIGNED_HEADERS.iter().chain(&client_id_header) {
        // Only the first value of a header is used; none of these repeat.
        if let Some(value) = headers.get(name) {
            let value = String::from_utf8_lossy(value.as_bytes()).trim().to_string();
            out.push((name, value));
        }
    }
    out
}

/// The inner list and its parameters, exactly as written after `sig1=`.
pub(crate) fn signature_params(
    components: &[(&str, String)],
    key_id: &str,
    created: u64,
    expires: u64,
    nonce: &str,
) -> String {
    let names: Vec<String> = components.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    format!("({});keyid=\"{key_id}\";created={created};expires={expires};nonce=\"{nonce}\"", names.join(" "))
}

/// The signature base: one `"<name>": <value>` line per component, then the
/// `"@signature-params"` line, joined by `\n` with no trailing newline.
pub(crate) fn signature_base(components: &[(&str, String)], params: &str) -> String {
    let mut base = String::new();
    for (name, value) in components {
        base.push_str(&format!("\"{name}\": {value}\n"));
    }
    base.push_str(&format!("\"@signature-params\": {params}"));
    base
}

/// The two headers a signed request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignatureHeaders {
    /// `sig1=(...);keyid=...`
    pub signature_input: String,
    /// `sig1=:<base64>:`
    pub signature: String,
}

/// Signs a request whose headers are final, with a fresh `created` and nonce.
pub(crate) fn sign_request(
    key: &PrivateKey,
    key_id: &str,
    client_id_header: Option<&'static str>,
    method: &reqwest::Method,
    url: &reqwest::Url,
    headers: &HeaderMap,
) -> Result<SignatureHeaders, Error> {
    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Error::Signing("the system clock is before 1970".into()))?
        .as_secs();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    sign_with(key, key_id, client_id_header, method, url, headers, created, &nonce)
}

/// [`sign_request`] with `created` and `nonce` given, for tests.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sign_with(
    key: &PrivateKey,
    key_id: &str,
    client_id_header: Option<&'static str>,
    method: &reqwest::Method,
    url: &reqwest::Url,
    headers: &HeaderMap,
    created: u64,
    nonce: &str,
) -> Result<SignatureHeaders, Error> {
    let components = components(method, url, headers, client_id_header);
    let params = signature_params(&components, key_id, created, created + SIGNATURE_VALIDITY_SECS, nonce);
    let base = signature_base(&components, &params);
    let signature = key.sign(base.as_bytes())?;
    Ok(SignatureHeaders {
        signature_input: format!("sig1={params}"),
        signature: format!("sig1=:{}:", BASE64.encode(signature)),
    })
}

/// Whether a key id can be written as a structured-field string unescaped.
pub(crate) fn valid_key_id(key_id: &str) -> bool {
    !key_id.is_empty() && key_id.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

#[cfg(test)]
mod tests {
    use super::super::keys::Key;
    use super::*;
    use reqwest::header::HeaderValue;

    /// The client id header of the API under test, signed last.
    const CLIENT_ID: Option<&str> = Some("upvest-client-id");

    /// A fixed Ed25519 test key (not a real credential).
    pub(crate) fn ed25519_key() -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
    }

    /// A fixed P-521 test key (not a real credential).
    pub(crate) fn p521_key() -> p521::ecdsa::SigningKey {
        let mut bytes = [0x42u8; 66];
        bytes[0] = 0; // keep the scalar below the group order
        p521::ecdsa::SigningKey::from_slice(&bytes).unwrap()
    }

    #[test]
    fn content_digest_vectors() {
        assert_eq!(
            content_digest(br#"{"hello": "world"}"#),
            "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
        );
        assert_eq!(
            content_digest(br#"{"key": "value"}"#),
            "sha-512=:Hd9/AvGZkbjitW1+Ml8Fg1ux1mtcDYe6mLQjDyoowIWa3LM/PmwN2v9O+MjtQGrCA3EQWUL54dlgxKHyYbrucw==:"
        );
    }

    fn request_headers(with_body: bool) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("accept", HeaderValue::from_static("application/json"));
        h.insert("authorization", HeaderValue::from_static("Bearer tok"));
        h.insert("upvest-client-id", HeaderValue::from_static("client-1"));
        h.insert("upvest-signature-version", HeaderValue::from_static("15"));
        h.insert("user-agent", HeaderValue::from_static("ua"));
        if with_body {
            h.insert("content-type", HeaderValue::from_static("application/json"));
            h.insert("content-length", HeaderValue::from_static("18"));
            h.insert("content-digest", HeaderValue::from_str(&content_digest(br#"{"hello": "world"}"#)).unwrap());
            h.insert("idempotency-key", HeaderValue::from_static("idem-1"));
        }
        h
    }

    #[test]
    fn signature_base_with_body_and_query() {
        let url = reqwest::Url::parse("https://sandbox.upvest.co/users?limit=10&offset=0").unwrap();
        let comps = components(&reqwest::Method::POST, &url, &request_headers(true), CLIENT_ID);
        let params = signature_params(&comps, "key-1", 1700000000, 1700000030, "n1");
        assert_eq!(
            params,
            r#"("@method" "@path" "@query" "accept" "authorization" "content-length" "content-type" "content-digest" "idempotency-key" "upvest-client-id");keyid="key-1";created=1700000000;expires=1700000030;nonce="n1""#
        );
        let base = signature_base(&comps, &params);
        let expected = [
            r#""@method": POST"#,
            r#""@path": /users"#,
            r#""@query": ?limit=10&offset=0"#,
            r#""accept": application/json"#,
            r#""authorization": Bearer tok"#,
            r#""content-length": 18"#,
            r#""content-type": application/json"#,
            r#""content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"#,
            r#""idempotency-key": idem-1"#,
            r#""upvest-client-id": client-1"#,
        ]
        .join("\n")
            + "\n\"@signature-params\": "
            + &params;
        assert_eq!(base, expected);
        assert!(!base.ends_with('\n'));
    }

    #[test]
    fn signature_base_without_body_query_or_authorization() {
        let url = reqwest::Url::parse("https://sandbox.upvest.co/users/a%2Fb").unwrap();
        let mut h = request_headers(false);
        h.remove("authorization");
        let comps = components(&reqwest::Method::GET, &url, &h, CLIENT_ID);
        let names: Vec<&str> = comps.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["@method", "@path", "accept", "upvest-client-id"]);
        // An API without a client id header signs the generic components only.
        let comps = components(&reqwest::Method::GET, &url, &h, None);
        let names: Vec<&str> = comps.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["@method", "@path", "accept"]);
        assert_eq!(comps[1].1, "/users/a%2Fb");
    }

    fn parse_signature(headers: &SignatureHeaders) -> Vec<u8> {
        let b64 = headers.signature.strip_prefix("sig1=:").and_then(|s| s.strip_suffix(':')).unwrap();
        BASE64.decode(b64).unwrap()
    }

    fn signed_base(headers: &SignatureHeaders, url: &reqwest::Url, h: &HeaderMap) -> String {
        let params = headers.signature_input.strip_prefix("sig1=").unwrap();
        signature_base(&components(&reqwest::Method::POST, url, h, CLIENT_ID), params)
    }

    #[test]
    fn ed25519_sign_and_verify() {
        use ed25519_dalek::Verifier as _;
        let sk = ed25519_key();
        let key = PrivateKey(Key::Ed25519(Box::new(sk.clone())));
        let url = reqwest::Url::parse("https://x.test/users").unwrap();
        let h = request_headers(true);
        let out = sign_request(&key, "kid", CLIENT_ID, &reqwest::Method::POST, &url, &h).unwrap();
        assert!(out.signature_input.starts_with("sig1=(\"@method\""));
        let sig = ed25519_dalek::Signature::from_slice(&parse_signature(&out)).unwrap();
        let base = signed_base(&out, &url, &h);
        sk.verifying_key().verify(base.as_bytes(), &sig).unwrap();
        assert!(sk.verifying_key().verify(b"tampered", &sig).is_err());
    }

    #[test]
    fn p521_sign_and_verify_der() {
        use p521::ecdsa::signature::Verifier as _;
        let sk = p521_key();
        let key = PrivateKey(Key::EcdsaP521(Box::new(sk.clone())));
        let url = reqwest::Url::parse("https://x.test/users?a=1").unwrap();
        let h = request_headers(true);
        let out = sign_with(&key, "kid", CLIENT_ID, &reqwest::Method::POST, &url, &h, 100, "n").unwrap();
        assert!(out.signature_input.ends_with(";keyid=\"kid\";created=100;expires=130;nonce=\"n\""));
        let der = parse_signature(&out);
        assert_eq!(der[0], 0x30, "DER SEQUENCE");
        let sig = p521::ecdsa::DerSignature::from_bytes(&der).unwrap();
        let base = signed_base(&out, &url, &h);
        sk.verifying_key().verify(base.as_bytes(), &sig).unwrap();
    }

    #[test]
    fn every_signature_is_fresh() {
        let key = PrivateKey(Key::Ed25519(Box::new(ed25519_key())));
        let url = reqwest::Url::parse("https://x.test/users").unwrap();
        let h = request_headers(false);
        let a = sign_request(&key, "kid", CLIENT_ID, &reqwest::Method::GET, &url, &h).unwrap();
        let b = sign_request(&key, "kid", CLIENT_ID, &reqwest::Method::GET, &url, &h).unwrap();
        assert_ne!(a.signature_input, b.signature_input, "nonce must differ");
    }

    #[test]
    fn key_id_check() {
        assert!(valid_key_id("9b0d2c3e-6e8b-4a0c-9f3e-2f1c7a8b9d0e"));
        assert!(!valid_key_id(""));
        assert!(!valid_key_id("a\"b"));
        assert!(!valid_key_id("a\nb"));
    }
}
