//! Unions without a discriminator: at generation time, work out what tells the
//! branches apart (JSON type, properties only some branches have, required sets,
//! enum values) and fix the order in which branches are tried.
//!
//! The rule a generated decoder follows: a branch claims a payload when the payload
//! has the branch's JSON type, every required property of the branch, and no
//! property the union knows that the branch lacks, so the chosen branch always keeps
//! every known field. Unknown properties are ignored. When several branches claim a
//! payload, the one with the fewest properties (the tightest fit) wins: a TOL user
//! without any TOL-only field is a BYOL user. Free-form branches (a map, any JSON) are
//! tried last. Two branches that can claim the same payload with equally many
//! properties cannot be told apart: generation warns, and the decoder tries each
//! claiming branch in order, passing on a payload that a branch's type cannot hold.

use std::collections::{BTreeMap, BTreeSet};

use super::{Model, StringEnum, Struct, TypeId, TypeKind, TypeRef};
use crate::warning::Warnings;
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
    /// Some branches cannot be told apart: each claiming branch is tried in order, and
    /// one its type cannot decode passes the payload on to the next.
    pub fallthrough: bool,
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
    /// Optional properties whose value, when sent, must be one of these.
    pub values_if_present: Vec<(String, Vec<String>)>,
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
            // A file is written as its text where JSON holds one.
            TypeRef::String | TypeRef::Uuid | TypeRef::Date | TypeRef::DateTime | TypeRef::File => JsonKind::String,
            TypeRef::Vec(_) => JsonKind::Array,
            TypeRef::Map(_) => JsonKind::Object,
            TypeRef::Json | TypeRef::Bytes | TypeRef::Named(_) | TypeRef::Option(_) => JsonKind::Any,
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
    /// An object of any properties (a map, or an object type without declared ones).
    fn free_form(&self) -> bool {
        self.kind == JsonKind::Object && !self.plain_struct && self.props.is_empty()
    }

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
        let mut warnings = Warnings::default();
        let planned = plan(model, &def.pointer, u, &mut warnings)?;
        model.arena[index].kind = TypeKind::Union(planned);
        model.warnings.extend(warnings.into_sorted());
    }
    Ok(())
}

fn plan(model: &Model, pointer: &str, u: &Union, warnings: &mut Warnings) -> Result<Union, Error> {
    let types: Vec<TypeRef> = u.variants.iter().map(|v| v.ty.clone()).collect();
    let labels: Vec<String> = types.iter().map(|ty| label(model, ty)).collect();
    if let Some((property, values)) = &u.tags {
        return tagged(pointer, u, property, values, &labels);
    }
    let infos: Vec<BranchInfo> = types.iter().map(|ty| branch_info(model, ty)).collect();
    let universe: BTreeSet<&String> =
        infos.iter().filter(|i| i.kind == JsonKind::Object).flat_map(|i| &i.props).collect();
    let mut checks: Vec<Check> = infos
        .iter()
        .map(|info| Check {
            kind: info.kind,
            present: info.required.iter().cloned().collect(),
            absent: if info.kind == JsonKind::Object && !info.free_form() {
                universe.iter().filter(|p| !info.props.contains(**p)).map(|p| (*p).clone()).collect()
            } else {
                Vec::new()
            },
            values: Vec::new(),
            values_if_present: Vec::new(),
        })
        .collect();
    // Precise branches first, free-form ones (a map, any JSON) last: they claim what
    // no other branch does.
    let mut order: Vec<usize> = (0..infos.len()).collect();
    // Within one JSON type, enums before plain values and integers before numbers.
    order.sort_by_key(|&i| {
        let info = &infos[i];
        (
            info.kind == JsonKind::Any,
            info.free_form(),
            info.kind != JsonKind::Object,
            !info.enums.contains_key(""),
            info.kind == JsonKind::Number,
            info.props.len(),
            i,
        )
    });
    let mut ambiguous = Vec::new();
    for (pos, &a) in order.iter().enumerate() {
        for &b in &order[pos + 1..] {
            if !resolve_overlap(&infos, &mut checks, a, b) {
                ambiguous.push(format!("`{}` and `{}`", labels[a], labels[b]));
            }
        }
    }
    let fallthrough = !ambiguous.is_empty();
    if fallthrough {
        warnings.push(
            pointer,
            format!(
                "union branches {} cannot be told apart: a payload that fits several decodes as the first in the order tried that can hold it; add a property only one branch has and requires, a required enum property with different values, or a `discriminator`",
                ambiguous.join(", ")
            ),
        );
    }
    let checked: BTreeSet<&str> = checks
        .iter()
        .flat_map(|c| {
            c.values.iter().filter_map(|(p, _)| p.as_deref()).chain(c.values_if_present.iter().map(|(p, _)| p.as_str()))
        })
        .collect();
    let decode = if fallthrough {
        Decode::Buffered
    } else {
        superset(model, &infos, &types, &checked).unwrap_or(Decode::Buffered)
    };
    let variants = u
        .variants
        .iter()
        .zip(checks)
        .map(|(v, check)| Variant { name: v.name.clone(), ty: v.ty.clone(), check })
        .collect();
    Ok(Union { variants, order, decode, tags: None, fallthrough })
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
            TypeKind::StringForms(_) => BranchInfo::kind(JsonKind::String),
            TypeKind::Union(u) => {
                BranchInfo::merged(&u.variants.iter().map(|v| branch_info(model, &v.ty)).collect::<Vec<_>>())
            }
            TypeKind::Alias(inner) => branch_info(model, inner),
        },
        other => BranchInfo::kind(JsonKind::of(other)),
    }
}

/// Branches `a` (tried first) and `b`: told apart when no payload satisfies both, when
/// `a` is the tighter fit, or by enum values; `false` when nothing tells them apart.
fn resolve_overlap(infos: &[BranchInfo], checks: &mut [Check], a: usize, b: usize) -> bool {
    let (x, y) = (&infos[a], &infos[b]);
    // An integer check is stricter than a number check.
    if !x.kind.overlaps(y.kind) || (x.kind == JsonKind::Integer && y.kind == JsonKind::Number) {
        return true;
    }
    // An enum tried before a plain value of its type takes only its own values.
    if let (Some(xs), None) = (x.enums.get(""), y.enums.get("")) {
        if x.kind == y.kind {
            if !checks[a].values.iter().any(|(p, _)| p.is_none()) {
                checks[a].values.push((None, xs.iter().cloned().collect()));
            }
            return true;
        }
    }
    // A free-form branch tried after a precise one takes only what that one leaves.
    if !x.free_form() && x.kind != JsonKind::Any && (y.free_form() || y.kind == JsonKind::Any) {
        return true;
    }
    if x.kind == JsonKind::Object && y.kind == JsonKind::Object && !x.free_form() && !y.free_form() {
        let shared: BTreeSet<&String> = x.props.intersection(&y.props).collect();
        let needed: BTreeSet<&String> = x.required.union(&y.required).collect();
        if !needed.is_subset(&shared) {
            return true; // No payload has both branches' required properties and no foreign one.
        }
        if x.props.len() < y.props.len() {
            return true; // `a` is the tighter fit and is tried first.
        }
    }
    // Same property count (or same JSON type without properties): enum values decide.
    for (prop, xs) in &x.enums {
        let Some(ys) = y.enums.get(prop) else { continue };
        if !xs.is_disjoint(ys) {
            continue;
        }
        if prop.is_empty() || (x.required.contains(prop) && y.required.contains(prop)) {
            let key = (!prop.is_empty()).then(|| prop.clone());
            checks[a].values.push((key.clone(), xs.iter().cloned().collect()));
            checks[b].values.push((key, ys.iter().cloned().collect()));
        } else {
            // An optional tag (`type` with a default): a sent value decides.
            checks[a].values_if_present.push((prop.clone(), xs.iter().cloned().collect()));
            checks[b].values_if_present.push((prop.clone(), ys.iter().cloned().collect()));
        }
        return true;
    }
    false
}

fn tagged(pointer: &str, u: &Union, property: &str, values: &[Vec<String>], labels: &[String]) -> Result<Union, Error> {
    let mut seen = BTreeMap::new();
    for (branch, value) in values.iter().enumerate().flat_map(|(i, vs)| vs.iter().map(move |v| (i, v))) {
        if let Some(other) = seen.insert(value, branch) {
            return Err(Error::new(
                format!("{pointer}/discriminator"),
                format!(
                    "branches `{}` and `{}` of this union have the tag value `{value}`",
                    labels[other], labels[branch]
                ),
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
            check: Check {
                kind: JsonKind::Object,
                present: vec![property.to_owned()],
                values: vec![(Some(property.to_owned()), value.clone())],
                ..Check::default()
            },
        })
        .collect::<Vec<_>>();
    let order = (0..variants.len()).collect();
    Ok(Union { variants, order, decode: Decode::Buffered, tags: u.tags.clone(), fallthrough: false })
}

/// The superset plan, when every branch is a plain named struct without boxed fields
/// (a boxed field cannot be moved out of a slot as is).
fn superset(model: &Model, infos: &[BranchInfo], types: &[TypeRef], checked: &BTreeSet<&str>) -> Option<Decode> {
    if !infos.iter().all(|i| i.plain_struct) {
        return None;
    }
    let mut slots: BTreeMap<String, Slot> = BTreeMap::new();
    let mut conflicting = BTreeSet::new();
    for ty in types {
        let TypeRef::Named(_) = ty else { return None };
        for field in &model.struct_of(ty)?.fields {
            let slot = slots.entry(field.api_name.clone()).or_insert_with(|| Slot {
                api_name: field.api_name.clone(),
                rust_name: field.rust_name.clone(),
                ty: Some(field.ty.clone()),
            });
            // A checked property is read as text whatever its branch's type.
            if slot.ty.as_ref() != Some(&field.ty) || checked.contains(field.api_name.as_str()) {
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
    let bases = types
        .iter()
        .map(|ty| match ty {
            TypeRef::Named(_) => parts.next().unwrap_or_default(),
            other => format!("{:?}", JsonKind::of(other)),
        })
        .collect();
    crate::naming::numbered(bases)
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
