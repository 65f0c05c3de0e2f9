//! Pass 5, names: every type, enum variant and union variant gets its Rust name, once
//! the types are final.
//!
//! A component is called by its key. Any other type walks a ladder of candidates and
//! takes the first one free:
//! 1. a name a person gave: the schema's `title`, the key of the parameter component
//!    it comes from (`Order`), or what the components of a union share (`User`);
//! 2. for a type merged from several places, the property they all give it
//!    (`Salutation`), then the words their context names share (`UserStatus`);
//! 3. the context name (`UserTolAddress`), numbered if it is still taken.
//!
//! When two types want the same name on rungs 1 and 2, neither gets it: an ambiguous
//! short name would read as the wrong concept. Every other name a type had, in an
//! earlier crate or at another place it was used, stays available as an alias.

use std::collections::{BTreeMap, BTreeSet};

use super::union::variant_names;
use super::{Model, TypeId, TypeKind, TypeRef};
use crate::naming;

pub fn assign(model: &mut Model) {
    let live: Vec<TypeId> = model.arena.iter().filter(|d| d.merged_into.is_none()).map(|d| d.id).collect();
    let members = members(model);
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut ladders: BTreeMap<TypeId, Vec<String>> = BTreeMap::new();
    for &id in &live {
        let def = &model.arena[id.0];
        match &def.hint.component {
            // Keys that read alike in Rust (`Foo-Bar`, `FooBar`) are numbered in key order.
            Some(key) => {
                model.arena[id.0].name = claim_free(naming::type_name(key), &mut taken);
            }
            None => {
                ladders.insert(id, ladder(model, &members[&id]));
            }
        }
    }
    climb(model, ladders, &mut taken);
    for &id in &live {
        let aliases: Vec<String> = members[&id].iter().map(|m| model.arena[m.0].hint.context.clone()).collect();
        let own = model.arena[id.0].name.clone();
        for alias in aliases {
            if alias != own && taken.insert(alias.clone()) {
                model.arena[id.0].aliases.push(alias);
            }
        }
    }
    for &id in &live {
        name_variants(model, id);
    }
}

/// Each live type and the types merged into it, in collection order.
fn members(model: &Model) -> BTreeMap<TypeId, Vec<TypeId>> {
    let mut out: BTreeMap<TypeId, Vec<TypeId>> = BTreeMap::new();
    for def in &model.arena {
        out.entry(def.merged_into.unwrap_or(def.id)).or_default().push(def.id);
    }
    for list in out.values_mut() {
        list.sort();
    }
    out
}

fn ladder(model: &Model, members: &[TypeId]) -> Vec<String> {
    let hints: Vec<_> = members.iter().map(|m| &model.arena[m.0].hint).collect();
    let mut rungs = Vec::new();
    rungs.extend(hints.iter().find_map(|h| h.preferred.clone()));
    let contexts: BTreeSet<&str> = hints.iter().map(|h| h.context.as_str()).collect();
    if contexts.len() > 1 {
        let properties: BTreeSet<Option<&String>> = hints.iter().map(|h| h.property.as_ref()).collect();
        if let [Some(property)] = properties.into_iter().collect::<Vec<_>>()[..] {
            rungs.push(naming::type_name(property));
        }
        let contexts: Vec<String> = hints.iter().map(|h| h.context.clone()).collect();
        rungs.extend(naming::common_name(&contexts));
    }
    rungs.push(hints[0].context.clone());
    rungs.dedup();
    rungs
}

/// Gives every type the first free rung of its ladder, round by round.
fn climb(model: &mut Model, mut ladders: BTreeMap<TypeId, Vec<String>>, taken: &mut BTreeSet<String>) {
    let mut round = 0;
    while !ladders.is_empty() {
        let mut wanted: BTreeMap<String, Vec<TypeId>> = BTreeMap::new();
        let mut exhausted = Vec::new();
        for (&id, rungs) in &ladders {
            match rungs.get(round) {
                Some(candidate) => wanted.entry(candidate.clone()).or_default().push(id),
                None => exhausted.push(id),
            }
        }
        for (candidate, ids) in wanted {
            let last_rung = |id: &TypeId| ladders[id].len() == round + 1;
            if taken.contains(&candidate) {
                continue;
            }
            // On the last rung (the context name) the first type keeps the plain name.
            let winner = match ids.as_slice() {
                [only] => Some(*only),
                [first, ..] if ids.iter().all(last_rung) => Some(*first),
                _ => None,
            };
            match winner {
                Some(id) => {
                    taken.insert(candidate.clone());
                    model.arena[id.0].name = candidate;
                    ladders.remove(&id);
                }
                // Contested: nobody gets this short name.
                None => {
                    taken.insert(candidate);
                }
            }
        }
        for id in exhausted {
            model.arena[id.0].name = claim_free(model.arena[id.0].hint.context.clone(), taken);
            ladders.remove(&id);
        }
        round += 1;
    }
}

fn name_variants(model: &mut Model, id: TypeId) {
    let type_name = model.arena[id.0].name.clone();
    let union_names = match &model.arena[id.0].kind {
        TypeKind::Union(u) => {
            let types: Vec<TypeRef> = u.variants.iter().map(|v| v.ty.clone()).collect();
            // A branch type named after the union (`InstrumentModelKnown` in `InstrumentModel`)
            // is called by the rest of its name.
            let named: Vec<String> = types
                .iter()
                .filter_map(|t| if let TypeRef::Named(n) = t { Some(model.arena[n.0].name.clone()) } else { None })
                .map(|name| match name.strip_prefix(type_name.as_str()) {
                    Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => rest.to_owned(),
                    _ => name,
                })
                .collect();
            Some(variant_names(&types, &named))
        }
        _ => None,
    };
    match &mut model.arena[id.0].kind {
        TypeKind::Enum(e) => {
            let long: Vec<String> = e.variants.iter().map(|v| naming::variant_name(&v.wire)).collect();
            let long = naming::numbered(long);
            let short = strip_prefix(&type_name, &long);
            for ((variant, long), short) in e.variants.iter_mut().zip(long).zip(short) {
                variant.long_name = (short != long).then_some(long);
                variant.rust_name = short;
            }
            let used: BTreeSet<&str> = e
                .variants
                .iter()
                .flat_map(|v| std::iter::once(v.rust_name.as_str()).chain(v.long_name.as_deref()))
                .collect();
            e.unknown = ["Unknown", "UnknownValue", "OtherValue"]
                .into_iter()
                .find(|c| !used.contains(c))
                .unwrap_or("UnrecognizedValue")
                .to_owned();
        }
        TypeKind::Union(u) => {
            for (variant, name) in u.variants.iter_mut().zip(union_names.unwrap_or_default()) {
                variant.name = name;
            }
        }
        TypeKind::Struct(_) | TypeKind::IntEnum(_) | TypeKind::StringForms(_) | TypeKind::Alias(_) => {}
    }
}

/// `base` if free, else `base2`, `base3`, ...; the name taken is recorded.
fn claim_free(base: String, taken: &mut BTreeSet<String>) -> String {
    let name = if taken.contains(&base) {
        (2..).map(|n| format!("{base}{n}")).find(|c| !taken.contains(c)).unwrap_or(base)
    } else {
        base
    };
    taken.insert(name.clone());
    name
}

/// Variant names without the enum's own name in front (`SalutationMale` in
/// `Salutation` -> `Male`), where every shortened name stays a distinct identifier.
fn strip_prefix(enum_name: &str, variants: &[String]) -> Vec<String> {
    let enum_words = naming::camel_words(enum_name);
    let shortened: Vec<String> = variants
        .iter()
        .map(|variant| {
            let words = naming::camel_words(variant);
            // The longest tail of the enum's words that starts the variant.
            let shared = (0..enum_words.len())
                .map(|skip| &enum_words[skip..])
                .find(|tail| words.len() > tail.len() && words.starts_with(tail))
                .map_or(0, <[&str]>::len);
            words[shared..].concat()
        })
        .collect();
    let distinct: BTreeSet<&String> = shortened.iter().collect();
    let valid = shortened.iter().all(|s| s.starts_with(|c: char| c.is_ascii_alphabetic()) && s != "Self");
    if distinct.len() == variants.len() && valid {
        shortened
    } else {
        variants.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::strip_prefix;

    #[test]
    fn variants_drop_the_enum_name() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            strip_prefix("Salutation", &names(&["Unspecified", "SalutationMale", "SalutationFemale"])),
            ["Unspecified", "Male", "Female"]
        );
        assert_eq!(strip_prefix("UserSalutation", &names(&["SalutationMale"])), ["Male"]);
        // Shortening would make two variants one: keep the long names.
        assert_eq!(strip_prefix("Kind", &names(&["KindA", "A"])), ["KindA", "A"]);
        assert_eq!(strip_prefix("Kind", &names(&["Kind1"])), ["Kind1"]);
    }
}
