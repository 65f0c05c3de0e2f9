//! Hand-written runtime shared by every generated operation: authentication,
//! retries, errors, pagination and validation helpers.
//!
//! Generated code stays thin: it builds a `Request` and hands it to
//! `Client::execute`, then decodes the `RawResponse`. Those, and the helpers
//! generated code calls (validation, union decoding, pagination), are internal:
//! what is public here is what an SDK user works with.
//!
//! The tokio runtime driving the client needs its time driver enabled (the
//! default for `#[tokio::main]`): retries sleep and attempts are timed.
//!
//! Lines marked `// part: <name>` belong to an optional part: the generator
//! keeps them (and drops the mark) only when the API document asks for that
//! part, and leaves the part's files out otherwise.

// The helpers generated code calls. Each API document's generated code uses a
// different part of them (a document without unions needs no union decoding),
// so an unused one is not dead code here.
#[allow(dead_code)]
pub(crate) mod api;
#[allow(dead_code)]
pub(crate) mod enums;
#[allow(dead_code)]
pub(crate) mod object;
#[allow(dead_code)]
pub(crate) mod pagination;
#[allow(dead_code)]
mod request;
#[allow(dead_code)]
pub(crate) mod union;
#[allow(dead_code)]
pub(crate) mod validate;

mod attempt;
mod auth;
mod client;
mod config;
pub(crate) mod environment; // part: environments
mod error;
mod idempotency;
mod keys; // part: signing
pub(crate) mod multipart; // part: multipart
mod nullable;
mod retry;
mod secret;
pub(crate) mod signing; // part: signing
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
/// The environment variables [`ClientBuilder::from_env`] reads.
pub use crate::env;
#[allow(unused_imports)]
pub(crate) use request::{encode_path_segment, Body, Operation, RawResponse, Request};
pub use request::{CallOptions, Response};
pub use retry::RetryPolicy;
pub use union::UnknownVariant;
