//! Turns the hand-curated Upvest OpenAPI document into the `upvest-client` crate.
//!
//! The pipeline is `load` -> `validate` -> `model` -> `emit`; each stage is one module.

mod emit;
mod error;
mod load;
pub mod model;
mod naming;
mod validate;
mod warning;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Everything one generation run produces, held in memory so nothing is written
/// before the whole crate has been generated successfully.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// File contents keyed by their path relative to the output folder, `/`-separated.
    pub files: BTreeMap<String, String>,
    /// Counts for the one-line summary `cargo xtask codegen` prints.
    pub summary: Summary,
    /// What the generator gave up on an accepted document, sorted and without repeats.
    pub warnings: Vec<Warning>,
}

/// What the generated crate contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub types: usize,
    pub operations: usize,
}

/// A generation failure: where in the document, what is wrong, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// JSON pointer (`#/components/schemas/User`) or `line N` in the document.
    pub location: String,
    pub message: String,
    /// What the maintainer should change.
    pub fix: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}\n  fix: {}", self.location, self.message, self.fix)
    }
}

impl std::error::Error for Error {}

/// Something the generator accepted but could not type exactly; generation goes on.
/// Shown as `warning: {location}: {message}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Warning {
    /// JSON pointer (`#/components/schemas/User/properties/tags`) in the document as written.
    pub location: String,
    /// What was given up, and how to write the document so it can be typed precisely.
    pub message: String,
}

/// What the caller decides about the generated crate rather than the document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The package name (default: from the document's title, `acme-payments-client`).
    pub crate_name: Option<String>,
    /// The product token of the default `user-agent`, which the crate version
    /// follows (default: `<crate name>-rust`).
    pub user_agent: Option<String>,
}

/// Generates the client crate from the OpenAPI document at `spec_path`, with
/// default [`Options`].
pub fn generate(spec_path: &Path) -> Result<Output, Error> {
    generate_with(spec_path, &Options::default())
}

/// Generates the client crate from the OpenAPI document at `spec_path`.
pub fn generate_with(spec_path: &Path, options: &Options) -> Result<Output, Error> {
    let text = std::fs::read_to_string(spec_path).map_err(|err| Error {
        location: spec_path.display().to_string(),
        message: format!("cannot read the document: {err}"),
        fix: "pass the path of an OpenAPI 3.0 or 3.1 YAML or JSON document with --spec".into(),
    })?;
    generate_from_str_with(&text, options)
}

/// Generates the client crate from the text of an OpenAPI document, with
/// default [`Options`].
pub fn generate_from_str(text: &str) -> Result<Output, Error> {
    generate_from_str_with(text, &Options::default())
}

/// Generates the client crate from the text of an OpenAPI document.
pub fn generate_from_str_with(text: &str, options: &Options) -> Result<Output, Error> {
    let document = load::load(text)?;
    // Later stages see the normalised document; their errors name the place as written.
    let located = |err: Error| Error { location: document.origins.original(&err.location), ..err };
    validate::validate(&document).map_err(located)?;
    let mut model = model::build(&document, options).map_err(located)?;
    let files = emit::emit(&model).map_err(located)?;
    let mut warnings = warning::Warnings::default();
    warnings.extend(document.warnings);
    for warning in std::mem::take(&mut model.warnings).into_sorted() {
        warnings.push(document.origins.original(&warning.location), warning.message);
    }
    Ok(Output {
        files,
        summary: Summary { types: model.types().len(), operations: model.operations.len() },
        warnings: warnings.into_sorted(),
    })
}
