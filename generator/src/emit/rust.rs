//! Small pieces every emitter uses: type paths, identifiers, doc attributes.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::{Constraints, Docs, Model, TypeRef};

/// An identifier from a name the model already made Rust-safe (`r#type` included).
/// Anything else is reduced to a valid identifier rather than panicking in `proc_macro2`.
pub fn ident(name: &str) -> Ident {
    let plain_ident = |n: &str| {
        !n.is_empty()
            && !n.starts_with(|c: char| c.is_ascii_digit())
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && n != "_"
    };
    match name.strip_prefix("r#") {
        None if plain_ident(name) => return Ident::new(name, Span::call_site()),
        Some(raw) if plain_ident(raw) && !["crate", "self", "Self", "super"].contains(&raw) => {
            return Ident::new_raw(raw, Span::call_site())
        }
        _ => {}
    }
    if let Some(raw) = name.strip_prefix("r#") {
        if syn::parse_str::<Ident>(name).is_ok() {
            return Ident::new_raw(raw, Span::call_site());
        }
    }
    let mut clean: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    if clean.is_empty() || clean.starts_with(|c: char| c.is_ascii_digit()) {
        clean.insert(0, '_');
    }
    if syn::parse_str::<Ident>(&clean).is_err() {
        clean.push('_');
    }
    Ident::new(&clean, Span::call_site())
}

/// Fully qualified paths, so no name in the API can shadow them.
pub fn type_tokens(model: &Model, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F64 => quote!(f64),
        TypeRef::String => quote!(::std::string::String),
        TypeRef::Uuid => quote!(::uuid::Uuid),
        TypeRef::Date => quote!(::chrono::NaiveDate),
        TypeRef::DateTime => quote!(::chrono::DateTime<::chrono::Utc>),
        TypeRef::Json => quote!(::serde_json::Value),
        TypeRef::Bytes => quote!(::bytes::Bytes),
        TypeRef::File => quote!(crate::runtime::FilePart),
        TypeRef::Named(id) => {
            let name = ident(model.name(*id));
            quote!(crate::types::#name)
        }
        TypeRef::Vec(inner) => {
            let inner = type_tokens(model, inner);
            quote!(::std::vec::Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = type_tokens(model, inner);
            quote!(::std::collections::BTreeMap<::std::string::String, #inner>)
        }
        TypeRef::Option(inner) => {
            let inner = type_tokens(model, inner);
            quote!(::std::option::Option<#inner>)
        }
    }
}

/// `#[doc]` attributes from a title and description. Lines are trimmed so no
/// indented text turns into a doctest, and brackets are escaped so prose is not
/// read as intra-doc links.
pub fn doc_attrs(docs: &Docs, extra: &[String]) -> TokenStream {
    let mut paragraphs: Vec<String> = Vec::new();
    if let Some(title) = &docs.title {
        paragraphs.push(clean(title));
    }
    if let Some(description) = &docs.description {
        let description = clean(description);
        if paragraphs.first() != Some(&description) {
            paragraphs.push(description);
        }
    }
    paragraphs.extend(extra.iter().cloned());
    let lines: Vec<String> = paragraphs.join("\n\n").lines().map(|l| format!(" {l}").trim_end().to_owned()).collect();
    let deprecated = docs.deprecated.then(|| quote!(#[deprecated]));
    quote! { #(#[doc = #lines])* #deprecated }
}

/// Spec prose as rustdoc: Markdown links stay links, other brackets are escaped so
/// they are not read as intra-doc links, and bare URLs become autolinks.
fn clean(text: &str) -> String {
    static LINK_OR_URL: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let pattern = LINK_OR_URL.get_or_init(|| {
        regex::Regex::new(
            r"\[([^\[\]]*)\]\((https?://[^()\s]+)\)|<https?://[^>\s]+>|https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:]",
        )
        .expect("a valid pattern")
    });
    let escape = |plain: &str| plain.replace('[', "\\[").replace(']', "\\]");
    let cleaned = text
        .lines()
        .map(|line| {
            let line = line.trim();
            let mut out = String::with_capacity(line.len());
            let mut last = 0;
            for found in pattern.find_iter(line) {
                out.push_str(&escape(&line[last..found.start()]));
                let matched = found.as_str();
                if matched.starts_with('[') || matched.starts_with('<') {
                    out.push_str(matched);
                } else {
                    out.push_str(&format!("<{matched}>"));
                }
                last = found.end();
            }
            out.push_str(&escape(&line[last..]));
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned();
    end_lists(&cleaned)
}

/// A line of prose right after a list item starts a new paragraph: without a blank
/// line Markdown would fold it into the item (rustdoc's lazy continuation).
fn end_lists(text: &str) -> String {
    let is_item = |line: &str| {
        line.starts_with("- ")
            || line.starts_with("* ")
            || line.starts_with("+ ")
            || line.split_once(". ").is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    };
    let mut out: Vec<&str> = Vec::new();
    let mut in_list = false;
    for line in text.lines() {
        if in_list && !line.is_empty() && !is_item(line) {
            out.push("");
        }
        in_list = is_item(line);
        out.push(line);
    }
    out.join("\n")
}

/// The constraints, in words, for rustdoc.
pub fn constraint_doc(c: &Constraints) -> Option<String> {
    let parts = constraint_parts(c);
    (!parts.is_empty()).then(|| format!("Constraints: {}.", parts.join(", ")))
}

/// `length 2 to 100`, `at least 1 items`: a pair of optional bounds in words.
fn bounds(min: Option<usize>, max: Option<usize>, before: &str, after: &str) -> Option<String> {
    match (min, max) {
        (Some(min), Some(max)) => Some(format!("{before}{min} to {max}{after}")),
        (Some(min), None) => Some(format!("{before}at least {min}{after}")),
        (None, Some(max)) => Some(format!("{before}at most {max}{after}")),
        (None, None) => None,
    }
}

/// The constraints, each in a few words (`length 1 to 5`, a pattern in backticks).
pub fn constraint_parts(c: &Constraints) -> Vec<String> {
    let mut parts = Vec::new();
    parts.extend(bounds(c.min_length, c.max_length, "length ", ""));
    if let Some(pattern) = &c.pattern {
        parts.push(format!("pattern `{pattern}`"));
    }
    if let Some(format) = &c.format {
        parts.push(format!("format `{format}` (not checked by the client)"));
    }
    if let Some(min) = c.minimum {
        parts.push(format!("minimum {min}"));
    }
    if let Some(max) = c.maximum {
        parts.push(format!("maximum {max}"));
    }
    parts.extend(bounds(c.min_items, c.max_items, "", " items"));
    if let Some(items) = &c.items {
        let inner = constraint_parts(items);
        if !inner.is_empty() {
            parts.push(format!("each item: {}", inner.join(", ")));
        }
    }
    parts
}

/// The name as written in the API, without a raw-identifier prefix.
pub fn plain(name: &str) -> &str {
    name.trim_start_matches("r#")
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn doc_prose_keeps_links_escapes_brackets_and_links_bare_urls() {
        assert_eq!(clean("[RFC 3339](https://example.com/rfc), ok"), "[RFC 3339](https://example.com/rfc), ok");
        assert_eq!(clean("a [note] here"), "a \\[note\\] here");
        assert_eq!(clean("see https://example.com/a."), "see <https://example.com/a>.");
        assert_eq!(clean("  indented\n    code"), "indented\ncode");
        assert_eq!(clean("Say:\n* one\n* two\nAfter."), "Say:\n* one\n* two\n\nAfter.");
    }
}
