//! Loading the private key requests are signed with, in every form `openssl`
//! writes one: an `EC PARAMETERS` block before the key, SEC1, PKCS#8, Ed25519
//! PKCS#8, and passphrase-protected keys (legacy `Proc-Type: 4,ENCRYPTED` SEC1
//! and encrypted PKCS#8).
//!
//! Every buffer that holds key material is wiped when dropped, and errors name
//! the format that was found and the `openssl` command that converts it, never
//! the key's content.

use std::fmt;
use std::path::Path;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use zeroize::Zeroizing;

use super::error::Error;

/// `id-ecPublicKey`, the algorithm of an EC key in PKCS#8.
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
/// The one ECDSA curve request signing takes: secp521r1 (P-521).
const OID_SECP521R1: &str = "1.3.132.0.35";
const OID_ED25519: &str = "1.3.101.112";
const OID_RSA: &str = "1.2.840.113549.1.1.1";

/// How to make a key request signing takes, quoted in errors.
const GENERATE_HINT: &str = "Request signing takes ECDSA P-521 or Ed25519 keys: generate one with \
     `openssl ecparam -name secp521r1 -genkey -noout -out key.pem` or \
     `openssl genpkey -algorithm ed25519 -out key.pem`";

/// The private key requests are signed with: Ed25519, or ECDSA on P-521.
///
/// Load it with [`PrivateKey::from_pem`], [`PrivateKey::from_pem_file`], or
/// their `_with_passphrase` forms for encrypted keys. `Debug` never shows key
/// material, and the key is wiped from memory when the last clone is dropped.
/// Opaque so that the crypto crates' versions stay out of the public API.
#[derive(Clone)]
pub struct PrivateKey(pub(crate) Key);

#[derive(Clone)]
pub(crate) enum Key {
    // Both signing keys zeroize themselves on drop.
    Ed25519(Box<ed25519_dalek::SigningKey>),
    EcdsaP521(Box<p521::ecdsa::SigningKey>),
}

impl PrivateKey {
    /// Reads a PEM private key as `openssl` writes it: PKCS#8
    /// (`BEGIN PRIVATE KEY`) holding an Ed25519 or a P-521 key, or SEC1
    /// (`BEGIN EC PRIVATE KEY`) holding a P-521 key, with or without an
    /// `EC PARAMETERS` block before it. An encrypted key needs
    /// [`PrivateKey::from_pem_with_passphrase`].
    pub fn from_pem(pem: &str) -> Result<PrivateKey, Error> {
        load(pem, None)
    }

    /// Reads a PEM private key that may be protected by a passphrase:
    /// encrypted PKCS#8 (`BEGIN ENCRYPTED PRIVATE KEY`, as written by
    /// `openssl genpkey -aes256` or `openssl pkcs8 -topk8`) or legacy encrypted
    /// SEC1 (`Proc-Type: 4,ENCRYPTED`, as written by `openssl ec -aes256`).
    /// Unencrypted keys load too; the passphrase is then not used.
    pub fn from_pem_with_passphrase(pem: &str, passphrase: &str) -> Result<PrivateKey, Error> {
        load(pem, Some(passphrase.as_bytes()))
    }

    /// Reads a PEM private key from a file (see [`PrivateKey::from_pem`]).
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<PrivateKey, Error> {
        let text = read_file(path.as_ref())?;
        load(&text, None).map_err(|e| in_file(path.as_ref(), e))
    }

    /// Reads a PEM private key, possibly encrypted, from a file (see
    /// [`PrivateKey::from_pem_with_passphrase`]).
    pub fn from_pem_file_with_passphrase(path: impl AsRef<Path>, passphrase: &str) -> Result<PrivateKey, Error> {
        let text = read_file(path.as_ref())?;
        load(&text, Some(passphrase.as_bytes())).map_err(|e| in_file(path.as_ref(), e))
    }

    /// Signs `message`: raw 64-byte Ed25519 signature, or DER-encoded ECDSA.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        match &self.0 {
            Key::Ed25519(key) => {
                use ed25519_dalek::Signer as _;
                Ok(key.sign(message).to_bytes().to_vec())
            }
            Key::EcdsaP521(key) => {
                use p521::ecdsa::signature::Signer as _;
                let sig: p521::ecdsa::DerSignature =
                    key.try_sign(message).map_err(|e| Error::Signing(format!("ECDSA signing failed: {e}")))?;
                Ok(sig.as_bytes().to_vec())
            }
        }
    }

    fn algorithm(&self) -> &'static str {
        match &self.0 {
            Key::Ed25519(_) => "Ed25519",
            Key::EcdsaP521(_) => "ECDSA P-521",
        }
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({}, [REDACTED])", self.algorithm())
    }
}

fn read_file(path: &Path) -> Result<Zeroizing<String>, Error> {
    std::fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|e| Error::Key(format!("cannot read the key file {}: {e}", path.display())))
}

fn in_file(path: &Path, error: Error) -> Error {
    match error {
        Error::Key(message) => Error::Key(format!("{}: {message}", path.display())),
        other => other,
    }
}

/// One PEM block: its label, its `Name: value` headers, and the decoded bytes.
struct Block<'a> {
    label: &'a str,
    headers: Vec<(&'a str, &'a str)>,
    der: Zeroizing<Vec<u8>>,
}

/// Splits PEM text into its blocks. Text outside blocks is ignored, as
/// `openssl` does (it writes such text with `-text`).
fn blocks(pem: &str) -> Result<Vec<Block<'_>>, Error> {
    let mut out = Vec::new();
    let mut lines = pem.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|rest| rest.strip_suffix("-----")) else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut headers = Vec::new();
        let mut body = Zeroizing::new(String::new());
        let mut closed = false;
        for line in lines.by_ref() {
            if line == end {
                closed = true;
                break;
            }
            match line.split_once(':') {
                Some((name, value)) if body.is_empty() => headers.push((name.trim(), value.trim())),
                _ => body.push_str(line),
            }
        }
        if !closed {
            return Err(Error::Key(format!("the PEM block {label:?} has no END line")));
        }
        let der = BASE64
            .decode(body.as_bytes())
            .map(Zeroizing::new)
            .map_err(|_| Error::Key(format!("the PEM block {label:?} is not valid base64")))?;
        out.push(Block { label, headers, der });
    }
    Ok(out)
}

/// Finds the key among the PEM blocks and loads it.
fn load(pem: &str, passphrase: Option<&[u8]>) -> Result<PrivateKey, Error> {
    let blocks = blocks(pem)?;
    // `openssl ecparam -genkey` writes an `EC PARAMETERS` block first; it only
    // repeats the curve, which the key itself names.
    let Some(block) = blocks.iter().find(|b| b.label != "EC PARAMETERS") else {
        return Err(Error::Key(if blocks.is_empty() {
            format!("expected a PEM private key (`-----BEGIN PRIVATE KEY-----` or `-----BEGIN EC PRIVATE KEY-----`), found no PEM block. {GENERATE_HINT}")
        } else {
            "found only EC parameters, no private key: generate the key with `-genkey` \
             (`openssl ecparam -name secp521r1 -genkey -noout -out key.pem`)"
                .to_string()
        }));
    };
    match block.label {
        "PRIVATE KEY" => from_pkcs8(&block.der),
        "EC PRIVATE KEY" => {
            let encrypted =
                block.headers.iter().any(|(name, value)| *name == "Proc-Type" && value.contains("ENCRYPTED"));
            if encrypted {
                let Some(passphrase) = passphrase else {
                    return Err(needs_passphrase("a legacy encrypted SEC1 EC key (`Proc-Type: 4,ENCRYPTED`)"));
                };
                let der = decrypt_legacy(block, passphrase)?;
                from_sec1(&der)
            } else {
                from_sec1(&block.der)
            }
        }
        "ENCRYPTED PRIVATE KEY" => {
            let Some(passphrase) = passphrase else {
                return Err(needs_passphrase("an encrypted PKCS#8 key"));
            };
            let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(block.der.as_slice())
                .map_err(|e| Error::Key(format!("the encrypted PKCS#8 key is malformed ({e})")))?;
            let document = info.decrypt(passphrase).map_err(|_| {
                Error::Key(
                    "could not decrypt the encrypted PKCS#8 key: wrong passphrase, or a cipher \
                     other than PBES2 with AES-CBC (convert it with \
                     `openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-aes.pem`)"
                        .into(),
                )
            })?;
            from_pkcs8(document.as_bytes())
        }
        "RSA PRIVATE KEY" => Err(Error::Key(format!(
            "found an RSA key (`BEGIN RSA PRIVATE KEY`); RSA keys are not taken. {GENERATE_HINT}"
        ))),
        "OPENSSH PRIVATE KEY" => Err(Error::Key(
            "found an OpenSSH key (`BEGIN OPENSSH PRIVATE KEY`): convert it to PKCS#8 with \
             `ssh-keygen -p -m PKCS8 -f key` (it must be Ed25519 or ECDSA P-521)"
                .into(),
        )),
        "PUBLIC KEY" | "EC PUBLIC KEY" | "CERTIFICATE" => Err(Error::Key(format!(
            "found a {} (`BEGIN {}`), not a private key: pass the private key file, the one \
             the public key was made from",
            block.label.to_ascii_lowercase(),
            block.label
        ))),
        other => Err(Error::Key(format!("found a PEM block `BEGIN {other}`, not a private key. {GENERATE_HINT}"))),
    }
}

fn needs_passphrase(what: &str) -> Error {
    Error::Key(format!(
        "found {what}: load it with `PrivateKey::from_pem_with_passphrase` (or set {} for `Client::from_env`)",
        crate::env::PRIVATE_KEY_PASSPHRASE
    ))
}

/// A PKCS#8 `PrivateKeyInfo`: Ed25519 or EC on P-521.
fn from_pkcs8(der: &[u8]) -> Result<PrivateKey, Error> {
    use pkcs8::DecodePrivateKey as _;
    let info = pkcs8::PrivateKeyInfoRef::try_from(der)
        .map_err(|e| Error::Key(format!("the PKCS#8 key is malformed ({e})")))?;
    let algorithm = info.algorithm.oid.to_string();
    match algorithm.as_str() {
        OID_ED25519 => ed25519_dalek::SigningKey::from_pkcs8_der(der)
            .map(|key| PrivateKey(Key::Ed25519(Box::new(key))))
            .map_err(|e| Error::Key(format!("the Ed25519 PKCS#8 key is malformed ({e})"))),
        OID_EC_PUBLIC_KEY => {
            let curve = info.algorithm.parameters_oid().map(|oid| oid.to_string()).unwrap_or_default();
            if curve != OID_SECP521R1 {
                return Err(wrong_curve(&curve));
            }
            p521::ecdsa::SigningKey::from_pkcs8_der(der)
                .map(|key| PrivateKey(Key::EcdsaP521(Box::new(key))))
                .map_err(|e| Error::Key(format!("the P-521 PKCS#8 key is malformed ({e})")))
        }
        OID_RSA => Err(Error::Key(format!("found an RSA key in PKCS#8; RSA keys are not taken. {GENERATE_HINT}"))),
        other => {
            Err(Error::Key(format!("found a PKCS#8 key of algorithm {other}, which is not taken. {GENERATE_HINT}")))
        }
    }
}

/// A SEC1 `ECPrivateKey` on P-521.
fn from_sec1(der: &[u8]) -> Result<PrivateKey, Error> {
    use sec1::der::Decode as _;
    let key =
        sec1::EcPrivateKey::from_der(der).map_err(|e| Error::Key(format!("the SEC1 EC key is malformed ({e})")))?;
    let curve = key.parameters.and_then(|p| p.named_curve()).map(|oid| oid.to_string()).unwrap_or_default();
    // A key without parameters is taken as P-521 if its length fits.
    if !curve.is_empty() && curve != OID_SECP521R1 {
        return Err(wrong_curve(&curve));
    }
    p521::SecretKey::from_sec1_der(der)
        .map(|secret| PrivateKey(Key::EcdsaP521(Box::new((&secret).into()))))
        .map_err(|e| Error::Key(format!("the SEC1 EC key is not a valid P-521 key ({e})")))
}

fn wrong_curve(oid: &str) -> Error {
    let name = match oid {
        "1.2.840.10045.3.1.7" => "P-256 (prime256v1)",
        "1.3.132.0.34" => "P-384 (secp384r1)",
        "1.3.132.0.10" => "secp256k1",
        "" => "an unnamed curve",
        _ => "another curve",
    };
    Error::Key(format!("found an EC key on {name} ({oid}); only P-521 (secp521r1) is taken. {GENERATE_HINT}"))
}

/// Decrypts a legacy `Proc-Type: 4,ENCRYPTED` block: the key is OpenSSL's
/// `EVP_BytesToKey` with MD5, one round, salted with the first 8 bytes of the IV.
fn decrypt_legacy(block: &Block<'_>, passphrase: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    use cbc::cipher::{BlockModeDecrypt as _, KeyIvInit as _};
    let dek = block
        .headers
        .iter()
        .find(|(name, _)| *name == "DEK-Info")
        .map(|(_, value)| *value)
        .ok_or_else(|| Error::Key("the encrypted SEC1 key has no DEK-Info header".into()))?;
    let (cipher, iv_hex) = dek.split_once(',').ok_or_else(|| Error::Key("the DEK-Info header is malformed".into()))?;
    let key_len = match cipher.trim() {
        "AES-128-CBC" => 16,
        "AES-192-CBC" => 24,
        "AES-256-CBC" => 32,
        other => {
            return Err(Error::Key(format!(
                "the SEC1 key is encrypted with {other}, which is not supported: re-encrypt it \
                 with `openssl ec -aes256 -in key.pem -out key-aes.pem`"
            )))
        }
    };
    let iv = decode_hex(iv_hex.trim())
        .filter(|iv| iv.len() == 16)
        .ok_or_else(|| Error::Key("the DEK-Info IV is not 16 bytes of hex".into()))?;
    let key = evp_bytes_to_key(passphrase, &iv[..8], key_len);
    let mut buffer = Zeroizing::new(block.der.to_vec());
    let wrong = || Error::Key("could not decrypt the encrypted SEC1 key: wrong passphrase".into());
    let plain_len = match key_len {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, &iv)
            .map_err(|_| wrong())?
            .decrypt_padded::<cbc::cipher::block_padding::Pkcs7>(&mut buffer)
            .map_err(|_| wrong())?
            .len(),
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(&key, &iv)
            .map_err(|_| wrong())?
            .decrypt_padded::<cbc::cipher::block_padding::Pkcs7>(&mut buffer)
            .map_err(|_| wrong())?
            .len(),
        _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, &iv)
            .map_err(|_| wrong())?
            .decrypt_padded::<cbc::cipher::block_padding::Pkcs7>(&mut buffer)
            .map_err(|_| wrong())?
            .len(),
    };
    buffer.truncate(plain_len);
    Ok(buffer)
}

/// OpenSSL's `EVP_BytesToKey(MD5, salt, passphrase, count = 1)`.
fn evp_bytes_to_key(passphrase: &[u8], salt: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    use md5::Digest as _;
    let mut out = Zeroizing::new(Vec::with_capacity(len + 16));
    let mut previous: Option<Zeroizing<Vec<u8>>> = None;
    while out.len() < len {
        let mut hasher = md5::Md5::new();
        if let Some(previous) = &previous {
            hasher.update(previous.as_slice());
        }
        hasher.update(passphrase);
        hasher.update(salt);
        let digest = Zeroizing::new(hasher.finalize().to_vec());
        out.extend_from_slice(&digest);
        previous = Some(digest);
    }
    out.truncate(len);
    out
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}
