//! Unions without a discriminator: at generation time, work out what tells the
//! branches apart (JSON type, properties only some branches have, required sets,
//! enum values) and fix the order in which branches are tried.
//!
//! The rule a generated decoder follows: a branch claims a payload when the payload
//! has the branch's JSON type, every required property of the branch, and no
//! property the union knows that the branch lacks, so the chosen branch always keeps
//! every known field. Unknown properties are ignored. When several branches claim a
//! payload, the one with the fewest properties (the tightest fit) wins: a TOL user
//! without any TOL-only field is a BYOL user. Two branches that can claim the same
//! payload with equally many properties cannot be told apart, and generation fails.

use std::collections::{BTreeMap, BTreeSet};

use super::{Field, StringEnum, Struct, TypeRef};
use crate::Error;

#[derive(Debug)]
pub struct Union {
    /// In declaration order.
    pub variants: Vec<Variant>,
    /// Indices into `variants`, in the order the decoder tries them.
    pub order: Vec<usize>,
    pub decode: Decode,
    /// Discriminated unions keep an unknown tag's payload instead of failing.
    pub keeps_unknown: bool,
}

#[derive(Debug)]
pub struct Variant {
    pub name: String,
    pub ty: TypeRef,
    pub check: Check,
}

/// What must hold for a branch to claim a payload.
#[derive(Debug, Clone, Default)]
pub struct Check {
    pub kind: JsonKind,
    pub present: Vec<String>,
    pub absent: Vec<String>,
    /// Property (or `None` for the value itself) whose string value must be one of these.
    pub values: Vec<(Option<String>, Vec<String>)>,
}

#[derive(Debug)]
pub enum Decode {
    /// Every branch is a plain struct: decode once into a struct holding every
    /// property of every branch, then move the fields into the chosen branch. No
    /// buffering, so it runs close to the speed of decoding the branch directly.
    Superset { slots: Vec<Slot> },
    /// Anything else: decode into `serde_json::Value`, pick, then convert.
    Buffered,
}

/// One property of the superset struct.
#[derive(Debug, Clone)]
pub struct Slot {
    pub api_name: String,
    pub rust_name: String,
    /// `None` when branches disagree on the type: the slot keeps raw JSON.
    pub ty: Option<TypeRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub enum JsonKind {
    Object,
    Array,
    String,
    Integer,
    Number,
    Bool,
    #[default]
    Any,
}

impl JsonKind {
    pub fn of(ty: &TypeRef) -> JsonKind {
        match ty {
            TypeRef::Bool => JsonKind::Bool,
            TypeRef::I32 | TypeRef::I64 => JsonKind::Integer,
            TypeRef::F64 => JsonKind::Number,
            TypeRef::String | TypeRef::Uuid | TypeRef::Date | TypeRef::DateTime => JsonKind::String,
            TypeRef::Vec(_) => JsonKind::Array,
            TypeRef::Map(_) => JsonKind::Object,
            TypeRef::Json | TypeRef::Named(_) | TypeRef::Option(_) => JsonKind::Any,
        }
    }

    /// Whether a value of kind `self` could also be taken for kind `other`.
    fn overlaps(self, other: JsonKind) -> bool {
        self == other
            || self == JsonKind::Any
            || other == JsonKind::Any
            || matches!((self, other), (JsonKind::Integer, JsonKind::Number) | (JsonKind::Number, JsonKind::Integer))
    }
}

/// What the planner knows of one branch.
#[derive(Debug, Clone, Default)]
pub struct BranchInfo {
    pub kind: JsonKind,
    pub props: BTreeSet<String>,
    pub required: BTreeSet<String>,
    /// String enum values of properties (or of the value itself under "").
    pub enums: BTreeMap<String, BTreeSet<String>>,
    /// A plain struct the superset decoder can build.
    pub plain_struct: bool,
    field_types: BTreeMap<String, TypeRef>,
}

impl BranchInfo {
    pub fn kind(kind: JsonKind) -> Self {
        BranchInfo { kind, ..BranchInfo::default() }
    }

    pub fn object(s: &Struct, plain: bool) -> Self {
        BranchInfo {
            kind: JsonKind::Object,
            props: s.fields.iter().map(|f| f.api_name.clone()).collect(),
            required: s.fields.iter().filter(|f| f.required).map(|f| f.api_name.clone()).collect(),
            enums: BTreeMap::new(),
            plain_struct: plain,
            field_types: s.fields.iter().map(|f| (f.api_name.clone(), f.ty.clone())).collect(),
        }
    }

    pub fn string_enum(values: BTreeSet<String>) -> Self {
        BranchInfo { kind: JsonKind::String, enums: BTreeMap::from([(String::new(), values)]), ..BranchInfo::default() }
    }

    /// A nested union seen from outside: any of its properties, the ones all its branches require.
    pub fn merged(infos: &[BranchInfo]) -> Self {
        let kind = match infos.first() {
            Some(first) if infos.iter().all(|i| i.kind == first.kind) => first.kind,
            _ => JsonKind::Any,
        };
        let props = infos.iter().flat_map(|i| i.props.iter().cloned()).collect();
        let required = infos
            .iter()
            .map(|i| i.required.clone())
            .reduce(|a, b| a.intersection(&b).cloned().collect())
            .unwrap_or_default();
        BranchInfo { kind, props, required, ..BranchInfo::default() }
    }

    /// Adds the enum values of its string-enum properties, so they can tell branches apart.
    pub fn with_enum_props(mut self, enum_of: impl Fn(&str) -> Option<BTreeSet<String>>) -> Self {
        for (prop, ty) in &self.field_types {
            if let TypeRef::Named(name) = ty {
                if let Some(values) = enum_of(name) {
                    self.enums.insert(prop.clone(), values);
                }
            }
        }
        self
    }
}

pub fn enum_values(e: &StringEnum) -> BTreeSet<String> {
    e.variants.iter().map(|v| v.wire.clone()).collect()
}

/// Plans the decoder of union `name`. `struct_fields` gives the fields of a named struct.
pub fn plan<'s>(
    name: &str,
    pointer: &str,
    types: &[TypeRef],
    named: &[String],
    infos: Vec<BranchInfo>,
    tags: Option<(String, Vec<Vec<String>>)>,
    struct_fields: impl Fn(&str) -> Option<&'s [Field]>,
) -> Result<Union, Error> {
    let variant_names = variant_names(types, named);
    if let Some((property, values)) = tags {
        return tagged(name, pointer, types, variant_names, property, values);
    }
    let universe: BTreeSet<&String> = infos.iter().filter(|i| i.kind == JsonKind::Object).flat_map(|i| &i.props).collect();
    let mut checks: Vec<Check> = infos
        .iter()
        .map(|info| Check {
            kind: info.kind,
            present: info.required.iter().cloned().collect(),
            absent: if info.kind == JsonKind::Object {
                universe.iter().filter(|p| !info.props.contains(**p)).map(|p| (*p).clone()).collect()
            } else {
                Vec::new()
            },
            values: Vec::new(),
        })
        .collect();
    let mut order: Vec<usize> = (0..infos.len()).collect();
    order.sort_by_key(|&i| (infos[i].kind != JsonKind::Object, infos[i].props.len(), i));
    for (pos, &a) in order.iter().enumerate() {
        for &b in &order[pos + 1..] {
            resolve_overlap(name, pointer, &variant_names, &infos, &mut checks, a, b)?;
        }
    }
    let decode = superset(&infos, types, struct_fields).unwrap_or(Decode::Buffered);
    let variants = variant_names
        .into_iter()
        .zip(types.iter().cloned())
        .zip(checks)
        .map(|((name, ty), check)| Variant { name, ty, check })
        .collect();
    Ok(Union { variants, order, decode, keeps_unknown: false })
}

/// Branches `a` (tried first) and `b`: fine when no payload satisfies both, or when
/// `a` is the tighter fit; otherwise try enum values, else fail.
fn resolve_overlap(
    name: &str,
    pointer: &str,
    names: &[String],
    infos: &[BranchInfo],
    checks: &mut [Check],
    a: usize,
    b: usize,
) -> Result<(), Error> {
    let (x, y) = (&infos[a], &infos[b]);
    if !x.kind.overlaps(y.kind) {
        return Ok(());
    }
    let both_objects = x.kind == JsonKind::Object && y.kind == JsonKind::Object;
    if both_objects {
        let shared: BTreeSet<&String> = x.props.intersection(&y.props).collect();
        let needed: BTreeSet<&String> = x.required.union(&y.required).collect();
        if !needed.is_subset(&shared) {
            return Ok(()); // No payload has both branches' required properties and no foreign one.
        }
        if x.props.len() < y.props.len() {
            return Ok(()); // `a` is the tighter fit and is tried first.
        }
    }
    // Same property count (or same JSON type without properties): only enum values can decide.
    for (prop, xs) in &x.enums {
        let Some(ys) = y.enums.get(prop) else { continue };
        let required_in_both = prop.is_empty() || (x.required.contains(prop) && y.required.contains(prop));
        if required_in_both && xs.is_disjoint(ys) {
            let key = (!prop.is_empty()).then(|| prop.clone());
            checks[a].values.push((key.clone(), xs.iter().cloned().collect()));
            checks[b].values.push((key, ys.iter().cloned().collect()));
            return Ok(());
        }
    }
    Err(Error::new(
        pointer,
        format!(
            "branches `{}` and `{}` of union `{name}` cannot be told apart: a payload can match both and neither is a tighter fit",
            names[a], names[b]
        ),
        "add a property that only one branch has and requires, give both a required enum property with different values, or add a `discriminator`",
    ))
}

fn tagged(name: &str, pointer: &str, types: &[TypeRef], names: Vec<String>, property: String, values: Vec<Vec<String>>) -> Result<Union, Error> {
    let mut seen = BTreeSet::new();
    for value in values.iter().flatten() {
        if !seen.insert(value) {
            return Err(Error::new(
                format!("{pointer}/discriminator"),
                format!("two branches of union `{name}` have the tag value `{value}`"),
                "give every branch its own value in `discriminator.mapping`",
            ));
        }
    }
    let variants = names
        .into_iter()
        .zip(types.iter().cloned())
        .zip(values)
        .map(|((name, ty), value)| Variant {
            name,
            ty,
            check: Check { kind: JsonKind::Object, present: vec![property.clone()], absent: Vec::new(), values: vec![(Some(property.clone()), value)] },
        })
        .collect::<Vec<_>>();
    let order = (0..variants.len()).collect();
    Ok(Union { variants, order, decode: Decode::Buffered, keeps_unknown: true })
}

/// The superset plan, when every branch is a plain named struct.
fn superset<'s>(infos: &[BranchInfo], types: &[TypeRef], struct_fields: impl Fn(&str) -> Option<&'s [Field]>) -> Option<Decode> {
    if !infos.iter().all(|i| i.plain_struct) {
        return None;
    }
    let mut slots: BTreeMap<String, Slot> = BTreeMap::new();
    let mut conflicting = BTreeSet::new();
    for ty in types {
        let TypeRef::Named(name) = ty else { return None };
        for field in struct_fields(name)? {
            let slot = slots.entry(field.api_name.clone()).or_insert_with(|| Slot {
                api_name: field.api_name.clone(),
                rust_name: field.rust_name.clone(),
                ty: Some(field.ty.clone()),
            });
            if slot.ty.as_ref() != Some(&field.ty) {
                conflicting.insert(field.api_name.clone());
            }
        }
    }
    for prop in conflicting {
        if let Some(slot) = slots.get_mut(&prop) {
            slot.ty = None;
        }
    }
    Some(Decode::Superset { slots: slots.into_values().collect() })
}

/// Variant names: named branches lose the words all of them share
/// (`UserByol`, `UserTol` -> `Byol`, `Tol`); others are named by JSON type.
fn variant_names(types: &[TypeRef], named: &[String]) -> Vec<String> {
    let parts = if named.len() == types.len() { crate::naming::distinct_parts(named) } else { named.to_vec() };
    let mut parts = parts.into_iter();
    let mut out: Vec<String> = Vec::with_capacity(types.len());
    for ty in types {
        let base = match ty {
            TypeRef::Named(_) => parts.next().unwrap_or_default(),
            other => format!("{:?}", JsonKind::of(other)),
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_names_drop_shared_words() {
        let named = vec!["UserByol".to_owned(), "UserTol".to_owned()];
        let types: Vec<TypeRef> = named.iter().cloned().map(TypeRef::Named).collect();
        assert_eq!(variant_names(&types, &named), ["Byol", "Tol"]);
        let named = vec!["UsersByolList".to_owned(), "UsersTolList".to_owned()];
        let types: Vec<TypeRef> = named.iter().cloned().map(TypeRef::Named).collect();
        assert_eq!(variant_names(&types, &named), ["Byol", "Tol"]);
        let named = vec!["NameChange".to_owned(), "Other".to_owned()];
        let types: Vec<TypeRef> = named.iter().cloned().map(TypeRef::Named).collect();
        assert_eq!(variant_names(&types, &named), ["NameChange", "Other"]);
    }
}
