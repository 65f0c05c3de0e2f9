//! Turning API names into Rust names: one place for case conversion, keyword
//! escaping and the deterministic names of inline schemas.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words Rust reserves; a field or module with one of these names gets a raw identifier
/// (`r#type`), except the few that cannot be raw and get a trailing underscore.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
    "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that `r#` cannot escape.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Reduces any API string to the alphanumeric words heck works on, so names with
/// dashes, dots, spaces or brackets (`User (BYOL) - List`) convert cleanly.
fn words(api: &str) -> String {
    let mut out = String::with_capacity(api.len());
    let mut prev_lower = false;
    for ch in api.chars() {
        if ch.is_ascii_alphanumeric() {
            // Keep camel-case boundaries that heck would otherwise see too late.
            if ch.is_ascii_uppercase() && prev_lower {
                out.push(' ');
            }
            prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
            out.push(ch);
        } else {
            prev_lower = false;
            out.push(' ');
        }
    }
    out
}

/// `User (BYOL) - Create` -> `UserByolCreate`; a leading digit gets a `V` prefix.
pub fn type_name(api: &str) -> String {
    let name = words(api).to_upper_camel_case();
    match name.chars().next() {
        None => "Unnamed".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("V{name}"),
        // The one keyword an UpperCamel name can be.
        Some(_) if name == "Self" => "SelfValue".to_owned(),
        Some(_) => name,
    }
}

/// Variant name of a string enum value. The empty string is `Unspecified`.
pub fn variant_name(wire: &str) -> String {
    if wire.is_empty() {
        return "Unspecified".to_owned();
    }
    type_name(wire)
}

/// `upvest-client-id` -> `upvest_client_id`, `type` -> `r#type`.
pub fn field_name(api: &str) -> String {
    let name = words(api).to_snake_case();
    let name = match name.chars().next() {
        None => "value".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("n{name}"),
        Some(_) => name,
    };
    escape_keyword(name)
}

/// A module or file name for a tag.
pub fn module_name(api: &str) -> String {
    let name = field_name(api);
    match name.strip_prefix("r#") {
        // A module file cannot be named by a raw identifier in every position.
        Some(keyword) => format!("{keyword}_"),
        None => name,
    }
}

fn escape_keyword(name: String) -> String {
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// Repeated names get a number: `A`, `A2`.
pub fn numbered(names: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for base in names {
        let mut candidate = base.clone();
        let mut n = 2;
        while out.contains(&candidate) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        out.push(candidate);
    }
    out
}

/// `name` if not yet in `taken`, else `name_2`, `name_3`, ...; the result is added to `taken`.
pub fn unique(name: String, taken: &mut std::collections::BTreeSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = match name.strip_prefix("r#") {
            Some(raw) => format!("{raw}_{n}"),
            None => format!("{name}_{n}"),
        };
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// Splits an UpperCamel name into its words: `UsersByolList` -> `[Users, Byol, List]`.
pub fn camel_words(name: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, ch) in name.char_indices().skip(1) {
        if ch.is_ascii_uppercase() {
            out.push(&name[start..i]);
            start = i;
        }
    }
    out.push(&name[start..]);
    out
}

/// How many leading and trailing words all names share.
fn common_affixes(split: &[Vec<&str>]) -> (usize, usize) {
    let shortest = split.iter().map(Vec::len).min().unwrap_or(0);
    let word = |w: &Vec<&str>, i: usize| w[i].to_owned();
    let prefix = (0..shortest).take_while(|&i| split.iter().all(|w| word(w, i) == word(&split[0], i))).count();
    let suffix = (0..shortest - prefix)
        .take_while(|&i| split.iter().all(|w| word(w, w.len() - 1 - i) == word(&split[0], split[0].len() - 1 - i)))
        .count();
    (prefix, suffix)
}

/// The name several variants share, word by word from both ends:
/// `[UserByol, UserTol]` -> `User`, `[UsersByolList, UsersTolList]` -> `UsersList`.
/// `None` when they share no word, so the caller falls back to the context name.
pub fn common_name(names: &[String]) -> Option<String> {
    if names.len() < 2 {
        return None;
    }
    let split: Vec<Vec<&str>> = names.iter().map(|n| camel_words(n)).collect();
    let (prefix, suffix) = common_affixes(&split);
    if prefix + suffix == 0 {
        return None;
    }
    let first = &split[0];
    Some(format!("{}{}", first[..prefix].concat(), first[first.len() - suffix..].concat()))
}

/// Each name without the words all names share: `[UserByol, UserTol]` -> `[Byol, Tol]`.
/// A name that would become empty stays whole.
pub fn distinct_parts(names: &[String]) -> Vec<String> {
    let split: Vec<Vec<&str>> = names.iter().map(|n| camel_words(n)).collect();
    let (prefix, suffix) = if names.len() < 2 { (0, 0) } else { common_affixes(&split) };
    split
        .iter()
        .zip(names)
        .map(|(words, name)| {
            let part = words[prefix..words.len() - suffix].concat();
            if part.is_empty() {
                name.clone()
            } else {
                part
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_come_from_titles_and_keys() {
        assert_eq!(type_name("User (BYOL) - Create - Request"), "UserByolCreateRequest");
        assert_eq!(type_name("UserTOL"), "UserTol");
        assert_eq!(type_name("ACCOUNT_GROUP.CREATED"), "AccountGroupCreated");
        assert_eq!(type_name("1"), "V1");
        assert_eq!(type_name("address"), "Address");
        assert_eq!(type_name("self"), "SelfValue");
    }

    #[test]
    fn field_names_escape_keywords_and_dashes() {
        assert_eq!(field_name("type"), "r#type");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("upvest-client-id"), "upvest_client_id");
        assert_eq!(field_name("address_line1"), "address_line1");
        assert_eq!(field_name("createdAt"), "created_at");
        assert_eq!(field_name("2fa"), "n2fa");
        assert_eq!(module_name("type"), "type_");
        assert_eq!(module_name("User Identifiers"), "user_identifiers");
    }

    #[test]
    fn empty_enum_value_is_unspecified() {
        assert_eq!(variant_name(""), "Unspecified");
        assert_eq!(variant_name("SALUTATION_MALE"), "SalutationMale");
    }

    #[test]
    fn common_names_share_words_from_both_ends() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(common_name(&names(&["UserByol", "UserTol"])).as_deref(), Some("User"));
        assert_eq!(common_name(&names(&["UsersByolList", "UsersTolList"])).as_deref(), Some("UsersList"));
        assert_eq!(common_name(&names(&["NameChange", "Other"])), None);
        assert_eq!(common_name(&names(&["Same", "Same"])).as_deref(), Some("Same"));
        assert_eq!(distinct_parts(&names(&["UsersByolList", "UsersTolList"])), ["Byol", "Tol"]);
        assert_eq!(distinct_parts(&names(&["Same", "Same"])), ["Same", "Same"]);
    }
}
