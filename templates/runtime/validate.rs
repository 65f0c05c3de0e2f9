//! Client-side checks of the constraints in the API description
//! (`minLength`, `maxLength`, `pattern`, `minimum`, `maximum`, `minItems`, `maxItems`),
//! and of strings that take one of several patterned forms ([`check_forms`]).
//!
//! Generated types implement [`Validate`] by calling the `check_*` helpers on
//! their constrained fields and `Validate::validate(&self.field, &join(prefix, "field"))`
//! on every other field. So that such a call always compiles, [`Validate`] is
//! implemented (as a no-op) for the leaf types generated fields use: strings,
//! booleans, integers, floats, `uuid::Uuid`, chrono dates and date-times,
//! `serde_json::Value` and `bytes::Bytes`, and recursively for `Vec`, `Option`,
//! `Box`, [`Nullable`] and `BTreeMap<String, _>`.
//!
//! Paths are built only on error, so validating a valid value allocates nothing.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::error::ValidationError;
use super::nullable::Nullable;

/// A value that can check itself against the API's constraints.
pub trait Validate {
    /// Checks the value; `prefix` is its dotted path (`""` at the top).
    fn validate(&self, prefix: &str) -> Result<(), ValidationError>;
}

/// Joins a path prefix and a field name: `("a", "b")` gives `a.b`,
/// `("", "b")` gives `b`. Item paths are passed as `field[3]`.
pub fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_string()
    } else if field.is_empty() {
        prefix.to_string()
    } else {
        format!("{prefix}.{field}")
    }
}

fn fail(prefix: &str, field: &str, message: String) -> ValidationError {
    ValidationError { field: join(prefix, field), message }
}

/// The inclusive bounds check every `check_*` function shares; the message reads
/// "must {verb} at least {min}{unit}".
fn within<T: PartialOrd + std::fmt::Display>(
    prefix: &str,
    field: &str,
    value: T,
    min: Option<T>,
    max: Option<T>,
    verb: &str,
    unit: &str,
) -> Result<(), ValidationError> {
    if let Some(min) = min.filter(|min| value < *min) {
        return Err(fail(prefix, field, format!("must {verb} at least {min}{unit}")));
    }
    if let Some(max) = max.filter(|max| value > *max) {
        return Err(fail(prefix, field, format!("must {verb} at most {max}{unit}")));
    }
    Ok(())
}

/// A string's length in characters (not bytes), as JSON Schema counts it. Counting
/// stops one past `max` (or at `min`): only whether the bounds hold matters.
fn length(value: &str, min: Option<usize>, max: Option<usize>) -> usize {
    let limit = max.map_or(min.unwrap_or(0), |m| m.saturating_add(1));
    value.chars().take(limit).count()
}

/// Checks a string's length in characters (not bytes), as JSON Schema counts it.
pub fn check_length(
    prefix: &str,
    field: &str,
    value: &str,
    min: Option<usize>,
    max: Option<usize>,
) -> Result<(), ValidationError> {
    within(prefix, field, length(value, min, max), min, max, "be", " characters long")
}

/// Whether `value` matches `pattern`, compiled once into `regex`.
///
/// A pattern that does not compile (the generator makes sure it does) lets
/// every value through rather than refusing valid requests or panicking.
fn matches(regex: &OnceLock<regex::Regex>, pattern: &str, value: &str) -> bool {
    let compiled = match regex.get() {
        Some(re) => re,
        None => match regex::Regex::new(pattern) {
            // A racing thread may have set it first; either value is the same.
            Ok(re) => regex.get_or_init(|| re),
            Err(_) => return true,
        },
    };
    compiled.is_match(value)
}

/// Checks a string against a regular expression, compiled once into `regex`.
pub fn check_pattern(
    prefix: &str,
    field: &str,
    value: &str,
    regex: &'static OnceLock<regex::Regex>,
    pattern: &'static str,
) -> Result<(), ValidationError> {
    if matches(regex, pattern, value) {
        Ok(())
    } else {
        Err(fail(prefix, field, format!("must match the pattern {pattern}")))
    }
}

/// One form a string may take: a branch of a `oneOf` or `anyOf` of strings told
/// apart by `pattern` (an ISIN URN or a UUID URN), with that branch's own length
/// bounds. Generated types keep their forms in a `static`, so each pattern is
/// compiled once, on first use.
pub struct StringForm {
    min_length: Option<usize>,
    max_length: Option<usize>,
    /// `None` when the document's pattern is not one the client can run.
    pattern: Option<&'static str>,
    regex: OnceLock<regex::Regex>,
}

impl StringForm {
    pub const fn new(min_length: Option<usize>, max_length: Option<usize>, pattern: Option<&'static str>) -> Self {
        StringForm { min_length, max_length, pattern, regex: OnceLock::new() }
    }

    fn fits(&self, value: &str) -> bool {
        let len = length(value, self.min_length, self.max_length);
        self.min_length.is_none_or(|min| len >= min)
            && self.max_length.is_none_or(|max| len <= max)
            && self.pattern.is_none_or(|pattern| matches(&self.regex, pattern, value))
    }

    /// `the pattern ^a$ with 1 to 5 characters`, for an error message.
    fn describe(&self) -> String {
        let length = match (self.min_length, self.max_length) {
            (Some(min), Some(max)) => format!("{min} to {max} characters"),
            (Some(min), None) => format!("at least {min} characters"),
            (None, Some(max)) => format!("at most {max} characters"),
            (None, None) => String::new(),
        };
        match (self.pattern, length.is_empty()) {
            (Some(pattern), true) => format!("the pattern {pattern}"),
            (Some(pattern), false) => format!("the pattern {pattern} with {length}"),
            (None, false) => length,
            (None, true) => "any string".to_string(),
        }
    }
}

/// Checks that a string takes at least one of `forms`; the error lists them all.
pub fn check_forms(prefix: &str, field: &str, value: &str, forms: &[StringForm]) -> Result<(), ValidationError> {
    if forms.iter().any(|form| form.fits(value)) {
        return Ok(());
    }
    let described: Vec<String> = forms.iter().map(StringForm::describe).collect();
    Err(fail(prefix, field, format!("must match one of: {}", described.join("; "))))
}

/// Checks an integer against inclusive bounds.
pub fn check_range_i64(
    prefix: &str,
    field: &str,
    value: i64,
    min: Option<i64>,
    max: Option<i64>,
) -> Result<(), ValidationError> {
    within(prefix, field, value, min, max, "be", "")
}

/// A bound of a number: `minimum`/`maximum`, or their exclusive forms.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    Inclusive(f64),
    Exclusive(f64),
}

/// Checks a number against its bounds; NaN is refused.
pub fn check_range_f64(
    prefix: &str,
    field: &str,
    value: f64,
    min: Option<Limit>,
    max: Option<Limit>,
) -> Result<(), ValidationError> {
    if value.is_nan() {
        return Err(fail(prefix, field, "must be a number".to_string()));
    }
    match min {
        Some(Limit::Exclusive(min)) if value <= min => {
            return Err(fail(prefix, field, format!("must be greater than {min}")));
        }
        Some(Limit::Inclusive(min)) if value < min => {
            return Err(fail(prefix, field, format!("must be at least {min}")))
        }
        _ => {}
    }
    match max {
        Some(Limit::Exclusive(max)) if value >= max => Err(fail(prefix, field, format!("must be less than {max}"))),
        Some(Limit::Inclusive(max)) if value > max => Err(fail(prefix, field, format!("must be at most {max}"))),
        _ => Ok(()),
    }
}

/// Checks the number of items of an array.
pub fn check_items(
    prefix: &str,
    field: &str,
    len: usize,
    min: Option<usize>,
    max: Option<usize>,
) -> Result<(), ValidationError> {
    within(prefix, field, len, min, max, "have", " items")
}

impl<T: Validate> Validate for Vec<T> {
    fn validate(&self, prefix: &str) -> Result<(), ValidationError> {
        self.as_slice().validate(prefix)
    }
}

impl<T: Validate> Validate for [T] {
    fn validate(&self, prefix: &str) -> Result<(), ValidationError> {
        for (i, item) in self.iter().enumerate() {
            // The item path is built lazily: only a failing item pays for it.
            if let Err(mut e) = item.validate("") {
                e.field = prefix_item(prefix, i, &e.field);
                return Err(e);
            }
        }
        Ok(())
    }
}

/// `prefix[i]` followed by the inner path an item reported relative to itself.
fn prefix_item(prefix: &str, i: usize, inner: &str) -> String {
    let head = format!("{prefix}[{i}]");
    if inner.is_empty() {
        head
    } else if inner.starts_with('[') {
        format!("{head}{inner}")
    } else {
        format!("{head}.{inner}")
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate(&self, prefix: &str) -> Result<(), ValidationError> {
        match self {
            Some(v) => v.validate(prefix),
            None => Ok(()),
        }
    }
}

impl<T: Validate + ?Sized> Validate for Box<T> {
    fn validate(&self, prefix: &str) -> Result<(), ValidationError> {
        (**self).validate(prefix)
    }
}

impl<T: Validate + ?Sized> Validate for &T {
    fn validate(&self, prefix: &str) -> Result<(), ValidationError> {
        (**self).validate(prefix)
    }
}

impl<T: Validate> Validate for Nullable<T> {
    fn validate(&self, prefix: &str) -> Result<(), ValidationError> {
        match self {
            Nullable::Value(v) => v.validate(prefix),
            _ => Ok(()),
        }
    }
}

impl<T: Validate> Validate for BTreeMap<String, T> {
    fn validate(&self, prefix: &str) -> Result<(), ValidationError> {
        for (key, value) in self {
            value.validate(&join(prefix, key))?;
        }
        Ok(())
    }
}

macro_rules! leaf {
    ($($t:ty),* $(,)?) => {$(
        impl Validate for $t {
            /// Leaf values carry no nested constraints; field constraints are
            /// checked by the `check_*` calls of the containing type.
            fn validate(&self, _prefix: &str) -> Result<(), ValidationError> {
                Ok(())
            }
        }
    )*};
}

leaf!(
    String,
    str,
    bool,
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    f32,
    f64,
    uuid::Uuid,
    chrono::NaiveDate,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::FixedOffset>,
    serde_json::Value,
    bytes::Bytes,
);

#[cfg(test)]
mod tests {
    use super::*;

    struct Address {
        postcode: String,
    }

    impl Validate for Address {
        fn validate(&self, prefix: &str) -> Result<(), ValidationError> {
            check_length(prefix, "postcode", &self.postcode, Some(1), Some(5))?;
            static RE: OnceLock<regex::Regex> = OnceLock::new();
            check_pattern(prefix, "postcode", &self.postcode, &RE, "^[0-9A-Z]+$")
        }
    }

    struct User {
        address: Address,
        previous: Vec<Address>,
        tags: Nullable<Vec<String>>,
    }

    impl Validate for User {
        fn validate(&self, prefix: &str) -> Result<(), ValidationError> {
            self.address.validate(&join(prefix, "address"))?;
            self.previous.validate(&join(prefix, "previous"))?;
            self.tags.validate(&join(prefix, "tags"))
        }
    }

    fn addr(p: &str) -> Address {
        Address { postcode: p.into() }
    }

    #[test]
    fn join_paths() {
        assert_eq!(join("a", "b"), "a.b");
        assert_eq!(join("", "b"), "b");
        assert_eq!(join("a", "b[3]"), "a.b[3]");
    }

    #[test]
    fn length_counts_chars() {
        assert!(check_length("", "f", "äöü", None, Some(3)).is_ok());
        let e = check_length("x", "f", "äöüß", None, Some(3)).unwrap_err();
        assert_eq!(e.field, "x.f");
        assert!(check_length("", "f", "", Some(1), None).is_err());
        assert!(check_length("", "f", "a", Some(1), Some(1)).is_ok());
    }

    #[test]
    fn pattern_and_ranges_and_items() {
        static RE: OnceLock<regex::Regex> = OnceLock::new();
        assert!(check_pattern("", "p", "AB1", &RE, "^[A-Z0-9]+$").is_ok());
        assert!(check_pattern("", "p", "ab", &RE, "^[A-Z0-9]+$").is_err());
        static BAD: OnceLock<regex::Regex> = OnceLock::new();
        assert!(check_pattern("", "p", "anything", &BAD, "(").is_ok());
        assert!(check_range_i64("", "n", 5, Some(0), Some(5)).is_ok());
        assert!(check_range_i64("", "n", 6, Some(0), Some(5)).is_err());
        assert!(check_range_i64("", "n", -1, Some(0), None).is_err());
        assert!(check_range_f64("", "n", 0.5, Some(Limit::Inclusive(0.0)), Some(Limit::Inclusive(1.0))).is_ok());
        assert!(check_range_f64("", "n", 1.5, None, Some(Limit::Inclusive(1.0))).is_err());
        assert!(check_range_f64("", "n", f64::NAN, None, None).is_err());
        // Exclusive bounds leave the bound itself out.
        assert!(check_range_f64("", "n", 0.0, Some(Limit::Inclusive(0.0)), None).is_ok());
        let at_bound = check_range_f64("", "n", 0.0, Some(Limit::Exclusive(0.0)), None).unwrap_err();
        assert!(at_bound.message.contains("greater than 0"), "{at_bound:?}");
        assert!(check_range_f64("", "n", 0.1, Some(Limit::Exclusive(0.0)), Some(Limit::Exclusive(1.0))).is_ok());
        assert!(check_range_f64("", "n", 1.0, None, Some(Limit::Exclusive(1.0))).is_err());
        assert!(check_items("", "l", 2, Some(1), Some(2)).is_ok());
        assert!(check_items("", "l", 0, Some(1), None).is_err());
        assert!(check_items("", "l", 3, None, Some(2)).is_err());
    }

    #[test]
    fn forms_accept_a_value_of_any_form_and_list_them_all_otherwise() {
        static FORMS: [StringForm; 3] = [
            StringForm::new(None, None, Some("^urn:isin:[A-Z0-9]{12}$")),
            StringForm::new(Some(14), Some(45), Some("^urn:uuid:")),
            StringForm::new(Some(1), Some(2), None),
        ];
        assert!(check_forms("", "id", "urn:isin:US0378331005", &FORMS).is_ok());
        assert!(check_forms("", "id", "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8", &FORMS).is_ok());
        assert!(check_forms("", "id", "ab", &FORMS).is_ok(), "the form without a pattern takes its lengths");
        // Each pattern with its own length bounds: a UUID URN too short fits no form.
        let e = check_forms("order", "id", "urn:uuid:1", &FORMS).unwrap_err();
        assert_eq!(e.field, "order.id");
        assert_eq!(
            e.message,
            "must match one of: the pattern ^urn:isin:[A-Z0-9]{12}$; \
             the pattern ^urn:uuid: with 14 to 45 characters; 1 to 2 characters"
        );
        assert!(check_forms("", "id", "US0378331005", &FORMS).is_err());
        assert!(check_forms("", "id", "urn:isin:us0378331005", &FORMS).is_err());
        static BAD: [StringForm; 1] = [StringForm::new(None, Some(3), Some("("))];
        assert!(check_forms("", "id", "any", &BAD).is_ok(), "a pattern that does not compile checks nothing");
        assert!(check_forms("", "id", "long", &BAD).is_err(), "but the lengths still hold");
    }

    #[test]
    fn nested_paths() {
        let mut u = User {
            address: addr("12345"),
            previous: vec![addr("1"), addr("2")],
            tags: Nullable::Value(vec!["a".into()]),
        };
        assert!(u.validate("").is_ok());
        u.address.postcode = "123456".into();
        assert_eq!(u.validate("").unwrap_err().field, "address.postcode");
        assert_eq!(u.validate("user").unwrap_err().field, "user.address.postcode");
        u.address.postcode = "1".into();
        u.previous[1].postcode = "".into();
        assert_eq!(u.validate("").unwrap_err().field, "previous[1].postcode");
        let nested: Vec<Vec<Address>> = vec![vec![], vec![addr("1"), addr("x")]];
        assert_eq!(nested.validate("m").unwrap_err().field, "m[1][1].postcode");
        let mut map = BTreeMap::new();
        map.insert("home".to_string(), addr("toolong"));
        assert_eq!(map.validate("").unwrap_err().field, "home.postcode");
        let none: Option<Address> = None;
        assert!(none.validate("").is_ok());
    }
}
