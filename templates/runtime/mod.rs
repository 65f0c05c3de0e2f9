//! Hand-written runtime shared by every generated operation: authentication,
//! request signing, retries, errors, pagination and validation helpers.
//!
//! Generated code stays thin: it builds a [`Request`] and hands it to
//! [`Client::execute`], then decodes the [`RawResponse`].
//!
//! The tokio runtime driving the client needs its time driver enabled (the
//! default for `#[tokio::main]`): retries sleep and attempts are timed.

pub mod enums;
pub mod union;

mod attempt;
mod auth;
mod client;
mod config;
mod error;
mod idempotency;
mod keys;
mod nullable;
pub mod pagination;
mod request;
mod retry;
mod secret;
mod signing;
mod token;
pub mod validate;

pub use client::Client;
pub use config::{env, ClientBuilder, Environment};
pub use error::{ApiError, Error, Problem, ValidationError};
pub use idempotency::IdempotencyKey;
pub use keys::PrivateKey;
pub use nullable::Nullable;
pub use request::{
    encode_path_segment, Body, CallOptions, Operation, RawResponse, Request, Response,
};
pub use retry::RetryPolicy;
