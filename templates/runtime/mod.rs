//! Hand-written runtime shared by every generated operation: authentication,
//! request signing, retries, errors, pagination and validation helpers.
//!
//! Generated code stays thin: it builds a `Request` and hands it to
//! `Client::execute`, then decodes the `RawResponse`. Those, and the helpers
//! generated code calls (validation, union decoding, pagination), are internal:
//! what is public here is what an SDK user works with.
//!
//! The tokio runtime driving the client needs its time driver enabled (the
//! default for `#[tokio::main]`): retries sleep and attempts are timed.

// The helpers generated code calls. Each API document's generated code uses a
// different part of them (a document without unions needs no union decoding),
// so an unused one is not dead code here.
#[allow(dead_code)]
pub(crate) mod enums;
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
mod error;
mod idempotency;
mod keys;
mod nullable;
mod retry;
mod secret;
mod signing;
mod token;

pub use client::Client;
pub use config::{env, ClientBuilder, Environment};
pub use enums::UnknownValue;
pub use error::{ApiError, Error, Problem, ValidationError};
pub use idempotency::IdempotencyKey;
pub use keys::PrivateKey;
pub use nullable::Nullable;
// For generated code, which builds every request from these.
#[allow(unused_imports)]
pub(crate) use request::{encode_path_segment, Body, Operation, Request};
pub use request::{CallOptions, Response};
pub use retry::RetryPolicy;
