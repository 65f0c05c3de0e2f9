//! Identical inline enums become one type. The pages repeat the salutation, title and
//! status enums in every schema; one type per concept lets callers move a value from a
//! response into a request, and lets union decoders keep those fields typed.

use std::collections::{BTreeMap, BTreeSet};

use super::{Decode, Model, Success, TypeDef, TypeKind, TypeRef};
use crate::naming;

/// Merges the string enums in `inline` (defined where they are used, not as
/// components) that have the same values and default.
pub fn merge_identical_enums(model: &mut Model, inline: &BTreeSet<String>) {
    let mut groups: BTreeMap<(Vec<String>, Option<usize>), Vec<String>> = BTreeMap::new();
    for name in inline {
        if let Some(TypeDef { kind: TypeKind::Enum(e), .. }) = model.types.get(name) {
            let wires = e.variants.iter().map(|v| v.wire.clone()).collect();
            groups.entry((wires, e.default)).or_default().push(name.clone());
        }
    }
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for members in groups.into_values().filter(|m| m.len() > 1) {
        // One shared word (`Type`, `Order`) names nothing; keep the first member's name then.
        let shared = naming::common_name(&members)
            .filter(|n| n.chars().filter(char::is_ascii_uppercase).count() >= 2)
            .filter(|n| !model.types.contains_key(n) && !renames.values().any(|r| r == n));
        let target = shared.unwrap_or_else(|| members[0].clone());
        for member in &members {
            renames.insert(member.clone(), target.clone());
        }
    }
    if renames.is_empty() {
        return;
    }
    // Keep one definition per group, under its new name.
    let mut kept = BTreeSet::new();
    for (old, new) in &renames {
        if let Some(mut def) = model.types.remove(old) {
            if kept.insert(new.clone()) {
                def.name = new.clone();
                model.types.insert(new.clone(), def);
            }
        }
    }
    let rename = |ty: &mut TypeRef| rename_ref(ty, &renames);
    for def in model.types.values_mut() {
        match &mut def.kind {
            TypeKind::Struct(s) => {
                s.fields.iter_mut().for_each(|f| rename(&mut f.ty));
                s.additional.iter_mut().for_each(rename);
            }
            TypeKind::Union(u) => {
                u.variants.iter_mut().for_each(|v| rename(&mut v.ty));
                if let Decode::Superset { slots } = &mut u.decode {
                    slots.iter_mut().filter_map(|s| s.ty.as_mut()).for_each(rename);
                }
            }
            TypeKind::Alias(ty) => rename(ty),
            TypeKind::Enum(_) | TypeKind::IntEnum(_) => {}
        }
    }
    for op in &mut model.operations {
        op.path_params.iter_mut().chain(&mut op.query_params).chain(&mut op.header_params).for_each(|p| rename(&mut p.ty));
        op.body.iter_mut().for_each(|b| rename(&mut b.ty));
        match &mut op.success {
            Success::Json(ty) => rename(ty),
            Success::ByStatus { cases, .. } => cases.iter_mut().filter_map(|(_, ty)| ty.as_mut()).for_each(rename),
            Success::Empty | Success::Bytes { .. } | Success::Text => {}
        }
        op.pagination.iter_mut().for_each(|p| rename(&mut p.item));
    }
    model.webhooks.iter_mut().for_each(|w| rename(&mut w.ty));
    retype_slots(&mut model.types);
}

fn rename_ref(ty: &mut TypeRef, renames: &BTreeMap<String, String>) {
    match ty {
        TypeRef::Named(name) => {
            if let Some(new) = renames.get(name) {
                *name = new.clone();
            }
        }
        TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Option(inner) => rename_ref(inner, renames),
        _ => {}
    }
}

/// Union slots that kept raw JSON because branches used different (now merged)
/// enum types get their type back.
fn retype_slots(types: &mut BTreeMap<String, TypeDef>) {
    let field_types = |types: &BTreeMap<String, TypeDef>, variant: &TypeRef, prop: &str| -> Option<TypeRef> {
        let TypeRef::Named(name) = variant else { return None };
        let TypeKind::Struct(s) = &types.get(name)?.kind else { return None };
        s.fields.iter().find(|f| f.api_name == prop).map(|f| f.ty.clone())
    };
    let mut updates: Vec<(String, usize, TypeRef)> = Vec::new();
    for (name, def) in types.iter() {
        let TypeKind::Union(u) = &def.kind else { continue };
        let Decode::Superset { slots } = &u.decode else { continue };
        let checked: BTreeSet<&str> = u.variants.iter().flat_map(|v| v.check.values.iter().filter_map(|(p, _)| p.as_deref())).collect();
        for (index, slot) in slots.iter().enumerate() {
            if slot.ty.is_some() || checked.contains(slot.api_name.as_str()) {
                continue;
            }
            let found: BTreeSet<TypeRef> = u.variants.iter().filter_map(|v| field_types(types, &v.ty, &slot.api_name)).collect();
            if found.len() == 1 {
                updates.push((name.clone(), index, found.into_iter().next().unwrap_or(TypeRef::Json)));
            }
        }
    }
    for (name, index, ty) in updates {
        if let Some(TypeDef { kind: TypeKind::Union(u), .. }) = types.get_mut(&name) {
            if let Decode::Superset { slots } = &mut u.decode {
                slots[index].ty = Some(ty);
            }
        }
    }
}
