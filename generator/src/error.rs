//! Constructors for [`crate::Error`], so every stage reports location, problem and fix alike.

use crate::Error;

impl Error {
    pub fn new(location: impl Into<String>, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Error { location: location.into(), message: message.into(), fix: fix.into() }
    }

    /// A construct the generator does not handle; never silently dropped.
    pub fn unsupported(location: impl Into<String>, what: impl Into<String>) -> Self {
        Error::new(
            location,
            format!("unsupported construct: {}", what.into()),
            "rewrite this schema with a supported construct (objects, arrays, string/integer enums, allOf, anyOf/oneOf, nullable) or open an issue for the generator",
        )
    }
}
