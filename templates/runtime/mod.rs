//! The runtime of a generated API client: authentication, retries, errors,
//! pagination and the helpers its generated code calls (validation, union and
//! struct decoding).
//!
//! A crate of its own beside the client crate, so regenerating the client after
//! a document change recompiles only the generated code (unless the change
//! touches the API description appended below). Generated code stays
//! thin: it builds a `Request` and hands it to `Client::send`, then decodes the
//! `RawResponse`. The client crate re-exports what an SDK user works with; the
//! modules and items marked hidden here are for generated code only.
//!
//! The tokio runtime driving the client needs its time driver enabled (the
//! default for `#[tokio::main]`): retries sleep and attempts are timed.
//!
//! Lines marked `// part: <name>` belong to an optional part: the generator
//! keeps them (and drops the mark) only when the API document asks for that
//! part, and leaves the part's files out otherwise. The generator appends the
//! API this crate was generated for (`API`, the span names, servers and the
//! `env` module) to this file.

// The helpers generated code calls, hidden from the documentation. Each API
// document's generated code uses a different part of them (a document without
// API keys builds no `KeyLocation`), so an unused one is not dead code here.
#[allow(dead_code)]
#[doc(hidden)]
pub mod api;
#[allow(dead_code)]
#[doc(hidden)]
pub mod enums;
#[doc(hidden)]
pub mod object;
#[allow(dead_code)]
#[doc(hidden)]
pub mod pagination;
#[allow(dead_code)]
mod request;
#[allow(dead_code)]
#[doc(hidden)]
pub mod union;
#[allow(dead_code)]
#[doc(hidden)]
pub mod validate;

mod attempt;
mod auth;
mod client;
mod config;
#[doc(hidden)] // part: environments
pub mod environment; // part: environments
mod error;
mod idempotency;
mod keys; // part: signing
#[doc(hidden)] // part: multipart
pub mod multipart; // part: multipart
mod nullable;
mod retry;
mod secret;
#[doc(hidden)] // part: signing
pub mod signing; // part: signing
mod token;

pub use client::Client;
pub use config::ClientBuilder;
pub use enums::UnknownValue;
pub use environment::Environment; // part: environments
pub use error::{ApiError, Error, Problem, ValidationError};
pub use idempotency::IdempotencyKey;
pub use keys::PrivateKey; // part: signing
pub use multipart::FilePart; // part: multipart
pub use nullable::Nullable;
// For generated code, which builds every request from these.
#[doc(hidden)]
pub use request::{encode_path_segment, Body, Operation, RawResponse, Request};
pub use request::{CallOptions, Response};
pub use retry::RetryPolicy;
pub use union::UnknownVariant;
