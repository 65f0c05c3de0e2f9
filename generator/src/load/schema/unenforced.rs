//! Keywords with no Rust type and no OpenAPI 3.0 form: dropped, each with a warning that
//! says what goes unchecked and how to write the schema instead.

use serde_json::{Map, Value};

use super::Normaliser;

/// JSON Schema keywords with no OpenAPI 3.0 counterpart and no effect on the Rust type
/// beyond a check it does not make: dropped with a warning saying what goes unchecked.
const UNENFORCED: [(&str, &str); 13] = [
    ("patternProperties", "properties whose names match the patterns are not typed"),
    ("propertyNames", "property names are not checked"),
    ("unevaluatedProperties", "properties no subschema names are not checked"),
    ("unevaluatedItems", "items no subschema covers are not checked"),
    ("contains", "no item is checked against it"),
    ("minContains", "no item is checked against `contains`"),
    ("maxContains", "no item is checked against `contains`"),
    ("dependentRequired", "properties required together are not checked"),
    ("dependentSchemas", "the conditional subschemas are not applied"),
    ("dependencies", "the conditional requirements are not applied"),
    ("if", "the conditional subschemas are not applied"),
    ("then", "the conditional subschemas are not applied"),
    ("else", "the conditional subschemas are not applied"),
];

impl Normaliser<'_> {
    /// `not` has no Rust type: `openapiv3` drops it silently next to other keywords,
    /// so it is dropped here, visibly.
    pub(super) fn not(&mut self, map: &mut Map<String, Value>, at: &str) {
        if map.remove("not").is_some() {
            self.warnings.push(
                format!("{at}/not"),
                "`not` is not enforced: the type accepts values the document excludes; to type it precisely, list what is allowed (an `enum`, or a `oneOf` of the allowed schemas) instead",
            );
        }
    }

    pub(super) fn unenforced(&mut self, map: &mut Map<String, Value>, at: &str) {
        for (keyword, what) in UNENFORCED {
            if map.remove(keyword).is_some() {
                self.warnings.push(format!("{at}/{keyword}"), format!("`{keyword}` is not enforced: {what}"));
            }
        }
    }

    /// `required` is a list of property names (2020-12 section 6.5.3); a draft 3 flag
    /// outside `properties` has no parent to move to, and anything else means nothing.
    pub(super) fn stray_required(&mut self, map: &mut Map<String, Value>, at: &str) {
        if map.get("required").is_some_and(|required| !required.is_array()) {
            map.remove("required");
            self.warnings.push(format!("{at}/required"), "`required` is not a list of property names, so it is ignored; list required properties in the `required` of the object that has them");
        }
    }
}
