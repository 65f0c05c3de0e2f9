//! The hand-written runtime (`templates/runtime/`) built on its own, so that its
//! unit tests run once, here, and the generated crate ships without them.
//!
//! The generator copies `templates/runtime/*.rs` into the generated crate and cuts
//! each file's trailing `#[cfg(test)] mod tests` block; this crate compiles the
//! very same files with their tests. The constants below stand in for the ones
//! the generated `lib.rs` defines from the API document.

// Some crate-internal helpers exist for generated code only (building an enum's
// unknown value, for one), which this crate does not have.
#[allow(dead_code)]
#[path = "../../templates/runtime/mod.rs"]
pub mod runtime;

pub use runtime::{Client, Error};

/// Scopes of a small made-up API, for the client's scope tests.
pub const DEFAULT_SCOPES: &[&str] = &["users:read", "users:admin"];
pub const API_VERSION: &str = "1";
pub(crate) const SANDBOX_URL: &str = "https://sandbox.upvest.co";
pub(crate) const PRODUCTION_URL: &str = "https://api.upvest.co";
pub(crate) const TOKEN_PATH: &str = "/auth/token";
