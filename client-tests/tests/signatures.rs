//! Request signatures checked the way the server checks them, with code that
//! shares nothing with the client's signing code.
//!
//! Requests are captured at a wiremock server. For each one the test parses
//! `signature-input`, rebuilds the draft-15 signature base from the request as
//! received (method, path, query, header values), checks `content-digest`
//! against the received body, and verifies `signature` with the public key of
//! a key pair generated for the run (Ed25519, and ECDSA P-521 with SHA-512 and
//! a DER signature), which the client got as a PKCS#8 PEM.
//!
//! The rules checked come from shared/reference/upvest-platform.md: which
//! components must be covered, `upvest-signature-version: 15` on every
//! request, a token request that is signed but has no `authorization`, and a
//! fresh signature for every attempt.

mod support;

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha2::{Digest as _, Sha512};
use support::{TestKey, KEY_ID, TOKEN_PATH};
use upvest_client::types::{UpdateUserIdentifierRequest, UserByolDataChangeRequest, UserCreateRequest};
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const USER_ID: &str = "83d83ec2-d2ca-49ff-bbea-b92b5c3be202";
const IDENTIFIER_ID: &str = "0b3e8e4a-6f1d-4c52-9a1e-2f3d4c5b6a71";

// ---------------------------------------------------------------------------
// An independent verifier
// ---------------------------------------------------------------------------

/// `signature-input: sig1=("@method" ...);keyid="...";created=...;...`, parsed.
#[derive(Debug)]
struct SignatureInput {
    label: String,
    /// The covered component names, in order.
    components: Vec<String>,
    /// Everything after `<label>=`, verbatim: the `@signature-params` value.
    params: String,
    keyid: String,
    created: u64,
    expires: u64,
    nonce: String,
}

/// Reads a structured-field string (`"..."`) at the start of `s`; returns it
/// and the rest. The values used here never need escapes, so none are allowed.
fn sf_string(s: &str) -> Result<(String, &str), String> {
    let rest = s.strip_prefix('"').ok_or_else(|| format!("expected a quoted string at {s:?}"))?;
    let end = rest.find('"').ok_or_else(|| format!("unterminated string at {s:?}"))?;
    let value = &rest[..end];
    if value.contains('\\') {
        return Err(format!("unexpected escape in {value:?}"));
    }
    Ok((value.to_string(), &rest[end + 1..]))
}

fn parse_signature_input(header: &str) -> Result<SignatureInput, String> {
    let (label, params) = header.split_once('=').ok_or_else(|| format!("no `label=` in {header:?}"))?;
    let mut rest = params.strip_prefix('(').ok_or_else(|| format!("no inner list in {header:?}"))?;
    let mut components = Vec::new();
    loop {
        rest = rest.trim_start_matches(' ');
        if let Some(after) = rest.strip_prefix(')') {
            rest = after;
            break;
        }
        let (name, after) = sf_string(rest)?;
        components.push(name);
        rest = after;
    }
    let (mut keyid, mut created, mut expires, mut nonce) = (None, None, None, None);
    while !rest.is_empty() {
        let after = rest.strip_prefix(';').ok_or_else(|| format!("expected `;` at {rest:?}"))?;
        let (name, value) = after.split_once('=').ok_or_else(|| format!("parameter without value at {after:?}"))?;
        let (value, after) = if value.starts_with('"') {
            sf_string(value)?
        } else {
            let end = value.find(';').unwrap_or(value.len());
            (value[..end].to_string(), &value[end..])
        };
        match name {
            "keyid" => keyid = Some(value),
            "created" => created = Some(value.parse().map_err(|e| format!("created: {e}"))?),
            "expires" => expires = Some(value.parse().map_err(|e| format!("expires: {e}"))?),
            "nonce" => nonce = Some(value),
            other => return Err(format!("unexpected parameter {other}")),
        }
        rest = after;
    }
    Ok(SignatureInput {
        label: label.to_string(),
        components,
        params: params.to_string(),
        keyid: keyid.ok_or("no keyid")?,
        created: created.ok_or("no created")?,
        expires: expires.ok_or("no expires")?,
        nonce: nonce.ok_or("no nonce")?,
    })
}

/// `signature: sig1=:<base64>:`: the label and the signature bytes.
fn parse_signature(header: &str) -> Result<(String, Vec<u8>), String> {
    let (label, value) = header.split_once('=').ok_or_else(|| format!("no `label=` in {header:?}"))?;
    let b64 = value
        .strip_prefix(':')
        .and_then(|v| v.strip_suffix(':'))
        .ok_or_else(|| format!("not a byte sequence: {value:?}"))?;
    let bytes = BASE64.decode(b64).map_err(|e| format!("bad base64: {e}"))?;
    Ok((label.to_string(), bytes))
}

/// Every value of header `name` as received, combined as HTTP does (`, `).
fn header_value(request: &wiremock::Request, name: &str) -> Option<String> {
    let values: Vec<String> = request
        .headers
        .get_all(name)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// The draft-15 signature base of `request` as received, for `input`.
fn signature_base(request: &wiremock::Request, input: &SignatureInput) -> Result<String, String> {
    let mut lines = Vec::new();
    for name in &input.components {
        let value = match name.as_str() {
            "@method" => request.method.as_str().to_string(),
            "@path" => request.url.path().to_string(),
            "@query" => format!("?{}", request.url.query().ok_or("`@query` is covered but the request has no query")?),
            derived if derived.starts_with('@') => return Err(format!("unexpected derived component {derived}")),
            header => {
                header_value(request, header).ok_or_else(|| format!("covered header `{header}` was not received"))?
            }
        };
        lines.push(format!("\"{name}\": {value}"));
    }
    lines.push(format!("\"@signature-params\": {}", input.params));
    Ok(lines.join("\n"))
}

/// `sha-512=:<base64 of SHA-512 of body>:`.
fn expected_digest(body: &[u8]) -> String {
    format!("sha-512=:{}:", BASE64.encode(Sha512::digest(body)))
}

/// Verifies `signature` over `message` with the public half of `key`.
fn verify(key: &TestKey, message: &[u8], signature: &[u8]) -> Result<(), String> {
    match key {
        TestKey::Ed25519(sk) => {
            let sig = ed25519_dalek::Signature::from_slice(signature)
                .map_err(|e| format!("not a 64-byte Ed25519 signature: {e}"))?;
            sk.verifying_key()
                .verify_strict(message, &sig)
                .map_err(|e| format!("Ed25519 signature does not verify: {e}"))
        }
        TestKey::P521(sk) => {
            use p521::ecdsa::signature::hazmat::PrehashVerifier as _;
            if signature.first() != Some(&0x30) {
                return Err("the ECDSA signature is not DER (no SEQUENCE tag)".into());
            }
            let sig =
                p521::ecdsa::Signature::from_der(signature).map_err(|e| format!("not a DER ECDSA signature: {e}"))?;
            // SHA-512 explicitly, over the base.
            let digest = Sha512::digest(message);
            sk.verifying_key()
                .verify_prehash(&digest, &sig)
                .map_err(|e| format!("ECDSA P-521/SHA-512 signature does not verify: {e}"))
        }
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Checks one received request as the server would; returns its parsed
/// `signature-input`.
fn check_request(request: &wiremock::Request, key: &TestKey) -> Result<SignatureInput, String> {
    let get = |name: &str| header_value(request, name).ok_or_else(|| format!("no `{name}` header"));
    if get("upvest-signature-version")? != "15" {
        return Err("upvest-signature-version is not 15".into());
    }
    let input = parse_signature_input(&get("signature-input")?)?;
    let (label, signature) = parse_signature(&get("signature")?)?;
    if label != input.label {
        return Err(format!("labels differ: {label} / {}", input.label));
    }

    // Parameters.
    if input.keyid != KEY_ID {
        return Err(format!("keyid {:?}", input.keyid));
    }
    let now = now();
    if input.created + 60 < now || input.created > now + 60 {
        return Err(format!("created {} is not now ({now})", input.created));
    }
    let validity = input.expires.saturating_sub(input.created);
    if !(1..=60).contains(&validity) {
        return Err(format!("expires - created = {validity} s, not 1 to 60 s"));
    }
    if input.nonce.is_empty() {
        return Err("empty nonce".into());
    }

    // Covered components.
    let covered: BTreeSet<&str> = input.components.iter().map(String::as_str).collect();
    if covered.len() != input.components.len() {
        return Err(format!("a component is covered twice: {:?}", input.components));
    }
    let is_token_request = request.url.path() == TOKEN_PATH;
    let mut required = vec!["@method", "@path", "accept", "upvest-client-id"];
    if request.url.query().is_some() {
        required.push("@query");
    }
    if !is_token_request {
        required.push("authorization");
    }
    if !request.body.is_empty() {
        required.extend(["content-length", "content-type", "content-digest"]);
    }
    if request.headers.contains_key("idempotency-key") {
        required.push("idempotency-key");
    }
    for name in required {
        if !covered.contains(name) {
            return Err(format!("`{name}` is not covered: {:?}", input.components));
        }
    }
    if is_token_request && (covered.contains("authorization") || request.headers.contains_key("authorization")) {
        return Err("the token request carries or covers `authorization`".into());
    }
    if covered.contains("upvest-signature-version") {
        return Err("upvest-signature-version is signed; the platform says it is not".into());
    }

    // The body and its digest.
    match header_value(request, "content-digest") {
        Some(digest) if digest != expected_digest(&request.body) => {
            return Err(format!("content-digest {digest} does not match the body ({})", expected_digest(&request.body)))
        }
        None if !request.body.is_empty() => return Err("a body without content-digest".into()),
        _ => {}
    }
    if let Some(length) = header_value(request, "content-length") {
        if length != request.body.len().to_string() {
            return Err(format!("content-length {length} but {} bytes", request.body.len()));
        }
    }

    // The signature itself.
    let base = signature_base(request, &input)?;
    if base.ends_with('\n') {
        return Err("the base ends with a newline".into());
    }
    verify(key, base.as_bytes(), &signature).map_err(|e| format!("{e}; base:\n{base}"))?;
    // The verifier is not vacuous: the same signature over another base fails.
    let tampered = base.replacen("\"@path\": /", "\"@path\": /x", 1);
    if verify(key, tampered.as_bytes(), &signature).is_ok() {
        return Err("the signature also verifies over a tampered base".into());
    }
    Ok(input)
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn content_digest_test_vectors_from_the_platform_notes() {
    assert_eq!(
        expected_digest(br#"{"hello": "world"}"#),
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
    );
    assert_eq!(
        expected_digest(br#"{"key": "value"}"#),
        "sha-512=:Hd9/AvGZkbjitW1+Ml8Fg1ux1mtcDYe6mLQjDyoowIWa3LM/PmwN2v9O+MjtQGrCA3EQWUL54dlgxKHyYbrucw==:"
    );
}

#[test]
fn the_signature_input_parser_reads_the_documented_form() {
    let header =
        r#"sig1=("@method" "@path" "@query" "accept");keyid="k-1";created=1700000000;expires=1700000030;nonce="abc""#;
    let input = parse_signature_input(header).unwrap();
    assert_eq!(input.label, "sig1");
    assert_eq!(input.components, ["@method", "@path", "@query", "accept"]);
    assert_eq!(
        input.params,
        r#"("@method" "@path" "@query" "accept");keyid="k-1";created=1700000000;expires=1700000030;nonce="abc""#
    );
    assert_eq!(
        (input.keyid.as_str(), input.created, input.expires, input.nonce.as_str()),
        ("k-1", 1700000000, 1700000030, "abc")
    );
    assert!(parse_signature_input(r#"sig1="@method""#).is_err());
    assert!(parse_signature_input(r#"sig1=("@method";keyid="k""#).is_err());
}

/// A server with the token endpoint and an answer for every call below.
async fn server() -> MockServer {
    let server = MockServer::start().await;
    support::token_mock().mount(&server).await;
    let spec = upvest_client_tests::spec();
    let example = |name: &str| {
        spec.pointer(&format!("/components/examples/{name}/value")).unwrap_or_else(|| panic!("example {name}")).clone()
    };
    let users = serde_json::json!({
        "meta": {"offset": 10, "limit": 5, "count": 0, "total_count": 0},
        "data": []
    });
    let answers = [
        ("GET", "/users".to_string(), 200, Some(users)),
        ("POST", "/users".to_string(), 200, Some(example("UserByol"))),
        ("GET", format!("/users/{USER_ID}"), 200, Some(example("UserByol"))),
        ("DELETE", format!("/users/{USER_ID}"), 202, None),
        ("POST", format!("/users/{USER_ID}/data_change_requests"), 202, None),
        ("PATCH", format!("/users/{USER_ID}/identifiers/{IDENTIFIER_ID}"), 200, Some(example("Identifier"))),
    ];
    for (verb, p, status, body) in answers {
        let mut answer = ResponseTemplate::new(status);
        if let Some(body) = body {
            answer = answer.set_body_json(body);
        }
        Mock::given(method(verb)).and(path(p.as_str())).respond_with(answer).mount(&server).await;
    }
    server
}

/// Makes every kind of call (query, JSON body with and without idempotency
/// key, PATCH, DELETE, plain GET) signed with `key`, and checks every request
/// the server received, the token request included.
async fn every_request_verifies(key: TestKey) {
    let server = server().await;
    let client = support::builder(&server.uri(), &support::token_url(&server), &key).build().unwrap();
    let user = Uuid::parse_str(USER_ID).unwrap();
    let identifier = Uuid::parse_str(IDENTIFIER_ID).unwrap();
    let spec = upvest_client_tests::spec();
    let create: UserCreateRequest =
        serde_json::from_value(spec.pointer("/components/examples/UserTolCreateRequest/value").unwrap().clone())
            .unwrap();

    client.list_users().limit(5).offset(10).send().await.unwrap();
    client.create_user(create).send().await.unwrap();
    client.get_user(user).send().await.unwrap();
    let change = UserByolDataChangeRequest::new().with_first_name("Jürgen");
    client.create_user_data_change_request(user, change).send().await.unwrap();
    let update = UpdateUserIdentifierRequest::new("44051401359");
    client.update_user_identifier(user, identifier, update).send().await.unwrap();
    client.offboard_user(user).send().await.unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 8, "two token requests (read and admin scope) and six calls");
    let mut nonces = BTreeSet::new();
    for request in &requests {
        let what = format!("{} {} ({})", request.method, request.url, key.name());
        let input = check_request(request, &key).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(nonces.insert(input.nonce.clone()), "{what}: nonce reused");
    }

    // The token request: signed, form-encoded, without `authorization`.
    let token = &requests[0];
    assert_eq!(token.url.path(), TOKEN_PATH);
    let input = parse_signature_input(&header_value(token, "signature-input").unwrap()).unwrap();
    assert!(!input.components.iter().any(|c| c == "authorization"));
    assert_eq!(header_value(token, "content-type").as_deref(), Some("application/x-www-form-urlencoded"));
    assert_eq!(header_value(token, "upvest-client-id").as_deref(), Some(support::CLIENT_ID));

    // The call with a query covers it; the others have none.
    let list = requests.iter().find(|r| r.url.path() == "/users" && r.method.as_str() == "GET").unwrap();
    assert_eq!(list.url.query(), Some("limit=5&offset=10"));
}

#[tokio::test]
async fn ed25519_signatures_verify_against_the_received_requests() {
    every_request_verifies(TestKey::ed25519()).await;
}

#[tokio::test]
async fn ecdsa_p521_sha512_der_signatures_verify_against_the_received_requests() {
    every_request_verifies(TestKey::p521()).await;
}

#[tokio::test]
async fn a_retried_request_is_signed_again() {
    for key in [TestKey::ed25519(), TestKey::p521()] {
        let server = MockServer::start().await;
        support::token_mock().mount(&server).await;
        Mock::given(method("POST"))
            .and(path("/users"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        let spec = upvest_client_tests::spec();
        let example = |name: &str| spec.pointer(&format!("/components/examples/{name}/value")).unwrap().clone();
        Mock::given(method("POST"))
            .and(path("/users"))
            .respond_with(ResponseTemplate::new(200).set_body_json(example("UserByol")))
            .mount(&server)
            .await;
        let client = support::builder(&server.uri(), &support::token_url(&server), &key).build().unwrap();
        let create: UserCreateRequest = serde_json::from_value(example("UserByolCreateRequest")).unwrap();
        client.create_user(create).send().await.unwrap();

        let attempts: Vec<wiremock::Request> =
            server.received_requests().await.unwrap().into_iter().filter(|r| r.url.path() == "/users").collect();
        assert_eq!(attempts.len(), 2, "{}: one 503, one retry", key.name());
        let first = check_request(&attempts[0], &key).unwrap();
        let second = check_request(&attempts[1], &key).unwrap();
        assert_ne!(first.nonce, second.nonce, "{}: a retry is signed anew", key.name());
        assert_ne!(header_value(&attempts[0], "signature"), header_value(&attempts[1], "signature"));
        // Same logical call: same key and body.
        assert_eq!(header_value(&attempts[0], "idempotency-key"), header_value(&attempts[1], "idempotency-key"));
        assert_eq!(attempts[0].body, attempts[1].body);
    }
}

/// Every key form `openssl` writes (client-tests/fixtures/keys, made by its
/// `make.sh` with the commands Upvest documents) loads, from a file or a
/// string, and signs requests that verify with the public half, which this
/// test reads from the unencrypted PKCS#8 form with the crypto crates alone.
#[tokio::test]
async fn keys_written_by_openssl_sign_verifiable_requests() {
    use ed25519_dalek::pkcs8::DecodePrivateKey as _;
    use upvest_client::PrivateKey;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys");
    let read = |name: &str| std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
    let p521 = TestKey::P521(p521::ecdsa::SigningKey::from_pkcs8_pem(&read("p521-pkcs8.pem")).unwrap());
    let ed25519 = TestKey::Ed25519(ed25519_dalek::SigningKey::from_pkcs8_pem(&read("ed25519.pem")).unwrap());
    let pass = support::FIXTURE_PASSPHRASE;
    let cases: Vec<(&str, &TestKey, PrivateKey)> = vec![
        ("ecparam", &p521, PrivateKey::from_pem_file(format!("{dir}/p521-ecparam.pem")).unwrap()),
        ("sec1", &p521, PrivateKey::from_pem(&read("p521-sec1.pem")).unwrap()),
        ("pkcs8", &p521, PrivateKey::from_pem_file(format!("{dir}/p521-pkcs8.pem")).unwrap()),
        (
            "legacy encrypted sec1",
            &p521,
            PrivateKey::from_pem_file_with_passphrase(format!("{dir}/p521-sec1-aes256.pem"), pass).unwrap(),
        ),
        ("encrypted pkcs8", &p521, PrivateKey::from_pem_with_passphrase(&read("p521-pkcs8-aes256.pem"), pass).unwrap()),
        ("ed25519", &ed25519, PrivateKey::from_pem_file(format!("{dir}/ed25519.pem")).unwrap()),
        (
            "encrypted ed25519",
            &ed25519,
            PrivateKey::from_pem_file_with_passphrase(format!("{dir}/ed25519-aes256.pem"), pass).unwrap(),
        ),
    ];
    for (what, public, key) in cases {
        let server = server().await;
        let client = support::builder(&server.uri(), &support::token_url(&server), public)
            .signing_key(KEY_ID, key)
            .build()
            .unwrap();
        client.get_user(Uuid::parse_str(USER_ID).unwrap()).send().await.unwrap();
        for request in server.received_requests().await.unwrap() {
            check_request(&request, public).unwrap_or_else(|e| panic!("{what}: {e}"));
        }
    }
}
