//! Collecting [`crate::Warning`]s: what a stage gave up on a document it still accepts.
//!
//! Any stage pushes into a [`Warnings`]; the set keeps them sorted by location and
//! message and drops repeats, so the list `generate` returns is the same on every run
//! whatever order the document was walked in.

use std::collections::BTreeSet;
use std::fmt;

use crate::Warning;

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "warning: {}: {}", self.location, self.message)
    }
}

/// Warnings gathered while a document is processed.
#[derive(Debug, Default)]
pub struct Warnings(BTreeSet<Warning>);

impl Warnings {
    /// Records that something at `location` (a JSON pointer) was given up; `message`
    /// says what, and how to write the document so nothing is.
    pub fn push(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.0.insert(Warning { location: location.into(), message: message.into() });
    }

    /// Adds warnings another stage collected.
    pub fn extend(&mut self, warnings: impl IntoIterator<Item = Warning>) {
        self.0.extend(warnings);
    }

    /// The warnings sorted by location, then message, without repeats.
    pub fn into_sorted(self) -> Vec<Warning> {
        self.0.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_deduplicated() {
        let mut warnings = Warnings::default();
        warnings.push("#/b", "two");
        warnings.push("#/a", "one");
        warnings.push("#/b", "two");
        let sorted = warnings.into_sorted();
        let shown: Vec<String> = sorted.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["warning: #/a: one", "warning: #/b: two"]);
    }
}
