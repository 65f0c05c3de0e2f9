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

use super::{Model, StringEnum, Struct, TypeId, TypeKind, TypeRef};
use crate::Error;

#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    /// In declaration order; names are given by the names pass.
    pub variants: Vec<Variant>,
    /// Indices into `variants`, in the order the decoder tries them.
    pub order: Vec<usize>,
    pub decode: Decode,
    /// A `discriminator`: the tag property and each branch's tag values. Such a union
    /// keeps an unknown tag's payload instead of failing.
    pub tags: Option<(String, Vec<Vec<String>>)>,
}

impl Union {
    pub fn keeps_unknown(&self) -> bool {
        self.tags.is_some()
    }

    pub fn ids_mut(&mut self, f: &mut impl FnMut(&mut TypeId)) {
        self.variants.iter_mut().for_each(|v| v.ty.ids_mut(f));
        if let Decode::Superset { slots } = &mut self.decode {
            slots.iter_mut().filter_map(|s| s.ty.as_mut()).for_each(|ty| ty.ids_mut(f));
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub name: String,
    pub ty: TypeRef,
    pub check: Check,
}

/// What must hold for a branch to claim a payload.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Check {
    pub kind: JsonKind,
    pub present: Vec<String>,
    pub absent: Vec<String>,
    /// Property (or `None` for the value itself) whose string value must be one of these.
    pub values: Vec<(Option<String>, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decode {
    /// Every branch is a plain struct: decode once into a struct holding every
    /// property of every branch, then move the fields into the chosen branch. No
    /// buffering, so it runs close to the speed of decoding the branch directly.
    Superset { slots: Vec<Slot> },
    /// Anything else: decode into `serde_json::Value`, pick, then convert.
    Buffered,
}

/// One property of the superset struct.
#[derive(Debug, Clone, PartialEq)]
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
            required: s.fields.iter().filter(|f| f.presence.required()).map(|f| f.api_name.clone()).collect(),
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
    pub fn with_enum_props(mut self, enum_of: impl Fn(TypeId) -> Option<BTreeSet<String>>) -> Self {
        for (prop, ty) in &self.field_types {
            if let TypeRef::Named(id) = ty {
                if let Some(values) = enum_of(*id) {
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

/// Plans every union of the model. Runs after merging and boxing, so branch types and
/// boxed fields are final and the decode strategy needs no later correction.
pub fn plan_all(model: &mut Model) -> Result<(), Error> {
    for index in 0..model.arena.len() {
        let def = &model.arena[index];
        let TypeKind::Union(u) = &def.kind else { continue };
        if def.merged_into.is_some() {
            continue;
        }
        let planned = plan(model, &def.pointer, u)?;
        model.arena[index].kind = TypeKind::Union(planned);
    }
    Ok(())
}

fn plan(model: &Model, pointer: &str, u: &Union) -> Result<Union, Error> {
    let types: Vec<TypeRef> = u.variants.iter().map(|v| v.ty.clone()).collect();
    let labels: Vec<String> = types.iter().map(|ty| label(model, ty)).collect();
    if let Some((property, values)) = &u.tags {
        return tagged(pointer, u, property, values, &labels);
    }
    let infos: Vec<BranchInfo> = types.iter().map(|ty| branch_info(model, ty)).collect();
    let universe: BTreeSet<&String> = infos.iter().filter(|i| i.kind == JsonKind::Object).flat_map(|i| &i.props).collect();
    let mut checks: Vec<Check> = infos
        .iter()
        .map(|info| Check {
            kind: info.kind,
            present: info.required.iter().cloned().collect(),
            absent: if info.kind == JsonKind::Object { universe.iter().filter(|p| !info.props.contains(**p)).map(|p| (*p).clone()).collect() } else { Vec::new() },
            values: Vec::new(),
        })
        .collect();
    let mut order: Vec<usize> = (0..infos.len()).collect();
    order.sort_by_key(|&i| (infos[i].kind != JsonKind::Object, infos[i].props.len(), i));
    for (pos, &a) in order.iter().enumerate() {
        for &b in &order[pos + 1..] {
            resolve_overlap(pointer, &labels, &infos, &mut checks, a, b)?;
        }
    }
    let decode = superset(model, &infos, &types).unwrap_or(Decode::Buffered);
    let variants = u.variants.iter().zip(checks).map(|(v, check)| Variant { name: v.name.clone(), ty: v.ty.clone(), check }).collect();
    Ok(Union { variants, order, decode, tags: None })
}

/// How an error message names a branch: its component key or the name it would get.
fn label(model: &Model, ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(id) => {
            let hint = &model.def(*id).hint;
            hint.component.clone().or_else(|| hint.preferred.clone()).unwrap_or_else(|| hint.context.clone())
        }
        other => format!("{:?}", JsonKind::of(other)).to_lowercase(),
    }
}

/// Properties, required set and JSON type of one branch, read from its type.
fn branch_info(model: &Model, ty: &TypeRef) -> BranchInfo {
    match ty {
        TypeRef::Named(id) => match &model.def(*id).kind {
            TypeKind::Struct(s) => {
                let plain = s.additional.is_none() && s.fields.iter().all(|f| !f.boxed);
                BranchInfo::object(s, plain).with_enum_props(|id| match &model.def(id).kind {
                    TypeKind::Enum(e) => Some(enum_values(e)),
                    _ => None,
                })
            }
            TypeKind::Enum(e) => BranchInfo::string_enum(enum_values(e)),
            TypeKind::IntEnum(_) => BranchInfo::kind(JsonKind::Integer),
            TypeKind::Union(u) => BranchInfo::merged(&u.variants.iter().map(|v| branch_info(model, &v.ty)).collect::<Vec<_>>()),
            TypeKind::Alias(inner) => branch_info(model, inner),
        },
        other => BranchInfo::kind(JsonKind::of(other)),
    }
}

/// Branches `a` (tried first) and `b`: fine when no payload satisfies both, or when
/// `a` is the tighter fit; otherwise try enum values, else fail.
fn resolve_overlap(
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
            "branches `{}` and `{}` of this union cannot be told apart: a payload can match both and neither is a tighter fit",
            names[a], names[b]
        ),
        "add a property that only one branch has and requires, give both a required enum property with different values, or add a `discriminator`",
    ))
}

fn tagged(pointer: &str, u: &Union, property: &str, values: &[Vec<String>], labels: &[String]) -> Result<Union, Error> {
    let mut seen = BTreeMap::new();
    for (branch, value) in values.iter().enumerate().flat_map(|(i, vs)| vs.iter().map(move |v| (i, v))) {
        if let Some(other) = seen.insert(value, branch) {
            return Err(Error::new(
                format!("{pointer}/discriminator"),
                format!("branches `{}` and `{}` of this union have the tag value `{value}`", labels[other], labels[branch]),
                "give every branch its own value in `discriminator.mapping`",
            ));
        }
    }
    let variants = u
        .variants
        .iter()
        .zip(values)
        .map(|(v, value)| Variant {
            name: v.name.clone(),
            ty: v.ty.clone(),
            check: Check { kind: JsonKind::Object, present: vec![property.to_owned()], absent: Vec::new(), values: vec![(Some(property.to_owned()), value.clone())] },
        })
        .collect::<Vec<_>>();
    let order = (0..variants.len()).collect();
    Ok(Union { variants, order, decode: Decode::Buffered, tags: u.tags.clone() })
}

/// The superset plan, when every branch is a plain named struct without boxed fields
/// (a boxed field cannot be moved out of a slot as is).
fn superset(model: &Model, infos: &[BranchInfo], types: &[TypeRef]) -> Option<Decode> {
    if !infos.iter().all(|i| i.plain_struct) {
        return None;
    }
    let mut slots: BTreeMap<String, Slot> = BTreeMap::new();
    let mut conflicting = BTreeSet::new();
    for ty in types {
        let TypeRef::Named(_) = ty else { return None };
        for field in &model.struct_of(ty)?.fields {
            let slot = slots.entry(field.api_name.clone()).or_insert_with(|| Slot { api_name: field.api_name.clone(), rust_name: field.rust_name.clone(), ty: Some(field.ty.clone()) });
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
pub fn variant_names(types: &[TypeRef], named: &[String]) -> Vec<String> {
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
        let types: Vec<TypeRef> = (0..2).map(|i| TypeRef::Named(TypeId(i))).collect();
        let named = vec!["UserByol".to_owned(), "UserTol".to_owned()];
        assert_eq!(variant_names(&types, &named), ["Byol", "Tol"]);
        let named = vec!["UsersByolList".to_owned(), "UsersTolList".to_owned()];
        assert_eq!(variant_names(&types, &named), ["Byol", "Tol"]);
        let named = vec!["NameChange".to_owned(), "Other".to_owned()];
        assert_eq!(variant_names(&types, &named), ["NameChange", "Other"]);
    }
}
