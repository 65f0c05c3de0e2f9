//! Keys the client cannot use get an error that names the format found and the
//! `openssl` command that helps, never the key's content. The fixtures are made
//! by client-tests/fixtures/keys/make.sh; that the usable ones load and sign is
//! checked in signatures.rs.

mod support;

use upvest_client::{Error, PrivateKey};

fn fixture(name: &str) -> String {
    format!("{}/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn key_error(result: Result<PrivateKey, Error>) -> String {
    match result {
        Err(Error::Key(message)) => message,
        other => panic!("expected a key error, got {other:?}"),
    }
}

#[test]
fn encrypted_keys_without_a_passphrase_say_how_to_load_them() {
    for name in ["p521-sec1-aes256.pem", "p521-pkcs8-aes256.pem", "ed25519-aes256.pem"] {
        let message = key_error(PrivateKey::from_pem_file(fixture(name)));
        assert!(message.contains("from_pem_with_passphrase"), "{name}: {message}");
        assert!(message.contains("UPVEST_PRIVATE_KEY_PASSPHRASE"), "{name}: {message}");
    }
}

#[test]
fn a_wrong_passphrase_is_named() {
    for name in ["p521-sec1-aes256.pem", "p521-pkcs8-aes256.pem"] {
        let message = key_error(PrivateKey::from_pem_file_with_passphrase(fixture(name), "wrong"));
        assert!(message.contains("wrong passphrase"), "{name}: {message}");
    }
}

#[test]
fn unusable_keys_name_the_format_and_the_openssl_command() {
    let cases = [
        ("p256-sec1.pem", "P-256"),
        ("p256-pkcs8.pem", "P-256"),
        ("rsa-pkcs8.pem", "RSA"),
        ("p521-public.pem", "public key"),
    ];
    for (name, found) in cases {
        let message = key_error(PrivateKey::from_pem_file(fixture(name)));
        assert!(message.contains(found), "{name}: {message}");
        if name != "p521-public.pem" {
            assert!(message.contains("openssl ecparam -name secp521r1 -genkey"), "{name}: {message}");
        }
        assert!(message.contains(name), "{name}: the file is named: {message}");
        // The key's base64 never shows up.
        let pem = std::fs::read_to_string(fixture(name)).unwrap();
        for line in support::pem_secret_lines(&pem) {
            assert!(!message.contains(&line), "{name}: {message}");
        }
    }
}

#[test]
fn text_that_is_no_key_is_explained() {
    let message = key_error(PrivateKey::from_pem("not a key"));
    assert!(message.contains("found no PEM block"), "{message}");
    let params_only = "-----BEGIN EC PARAMETERS-----\nBgUrgQQAIw==\n-----END EC PARAMETERS-----\n";
    let message = key_error(PrivateKey::from_pem(params_only));
    assert!(message.contains("-genkey"), "{message}");
    let message = key_error(PrivateKey::from_pem_file(fixture("missing.pem")));
    assert!(message.contains("cannot read the key file"), "{message}");
}
