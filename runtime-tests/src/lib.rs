//! The hand-written runtime (`templates/runtime/`) built on its own, so that its
//! unit tests run once, here, and the generated runtime crate ships without them.
//!
//! The generator makes `templates/runtime/mod.rs` the root of a runtime crate
//! beside each generated client, copies the other files beside it without their
//! trailing `#[cfg(test)] mod tests` block, and appends the API the client was
//! generated for. This crate compiles the very same files, as module `runtime`,
//! with their tests and every optional part. Its root re-exports the module's
//! items, so the runtime's `crate::` paths (written for the crate root it is in a
//! generated client) resolve here too, and defines what the generator would
//! append: an API like Upvest's (OAuth2 client credentials, signed requests,
//! sandbox and production), which the runtime's tests use unless they test
//! authentication, which uses `PLAIN_API` (every other kind of scheme).

// Some crate-internal helpers exist for generated code only (building an enum's
// unknown value, for one), which this crate does not have.
#[allow(dead_code)]
#[path = "../../templates/runtime/mod.rs"]
pub mod runtime;

pub use runtime::*;

use runtime::api::{Api, KeyLocation, SchemeKind, SecurityScheme};

/// Scopes of a small made-up API, for the client's scope tests.
pub const DEFAULT_SCOPES: &[&str] = &["users:read", "users:admin"];
pub const SANDBOX_URL: &str = "https://sandbox.upvest.co";
pub const PRODUCTION_URL: &str = "https://api.upvest.co";
pub(crate) const REQUEST_SPAN: &str = "upvest.request";
pub(crate) const TOKEN_SPAN: &str = "upvest.token";

pub(crate) const API: Api = Api {
    default_base_url: SANDBOX_URL,
    user_agent: "upvest-client-rust/0.1.0",
    env_prefix: "UPVEST",
    schemes: &[
        SecurityScheme { name: "oauth", kind: SchemeKind::ClientCredentials { token_url: "/auth/token" } },
        // Kinds Upvest does not use, so the runtime's tests can call with each.
        SecurityScheme { name: "bearer", kind: SchemeKind::Bearer },
        SecurityScheme { name: "basic", kind: SchemeKind::Basic },
        SecurityScheme {
            name: "query_key",
            kind: SchemeKind::ApiKey { name: "api_key", location: KeyLocation::Query },
        },
    ],
    required_schemes: &["oauth"],
    client_id_header: Some("upvest-client-id"),
    version_header: Some(("upvest-api-version", "1")),
    signature_version_header: Some(("upvest-signature-version", "15")),
    request_id_header: Some("upvest-request-id"),
    signs_requests: true,
    env_readers: &[runtime::signing::from_env, runtime::environment::from_env],
};

/// An API with no signing, no headers of its own, no server and every kind of
/// scheme, for the tests of authentication (`auth.rs`, `client.rs`).
#[cfg(test)]
pub(crate) static PLAIN_API: Api = Api {
    default_base_url: "",
    user_agent: "plain-client-rust/1.0.0",
    env_prefix: "PLAIN",
    schemes: &[
        SecurityScheme { name: "oauth", kind: SchemeKind::ClientCredentials { token_url: "/oauth/token" } },
        SecurityScheme { name: "bearer", kind: SchemeKind::Bearer },
        SecurityScheme { name: "basic", kind: SchemeKind::Basic },
        SecurityScheme {
            name: "header_key",
            kind: SchemeKind::ApiKey { name: "x-api-key", location: KeyLocation::Header },
        },
        SecurityScheme {
            name: "query_key",
            kind: SchemeKind::ApiKey { name: "api_key", location: KeyLocation::Query },
        },
        SecurityScheme {
            name: "cookie_key",
            kind: SchemeKind::ApiKey { name: "session", location: KeyLocation::Cookie },
        },
    ],
    required_schemes: &[],
    client_id_header: None,
    version_header: None,
    signature_version_header: None,
    request_id_header: Some("x-request-id"),
    signs_requests: false,
    env_readers: &[],
};

/// The environment variables of [`API`].
pub mod env {
    pub const CLIENT_ID: &str = "UPVEST_CLIENT_ID";
    pub const PRIVATE_KEY_PASSPHRASE: &str = "UPVEST_PRIVATE_KEY_PASSPHRASE";
}
