//! Identical inline enums become one type. The pages repeat the salutation, title and
//! status enums in every schema; one type per concept lets callers move a value from a
//! response into a request, and lets union decoders keep those fields typed. The other
//! names stay as aliases.

use std::collections::{BTreeMap, BTreeSet};

use super::{Decode, Model, Success, TypeDef, TypeKind, TypeRef};

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
    // The canonical type is one of the members (the shortest name, then the first in
    // order) and every other member stays as an alias of it: merging never removes a
    // name, so a spec change that adds an identical enum cannot break a caller.
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for mut members in groups.into_values().filter(|m| m.len() > 1) {
        members.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
        let canonical = members[0].clone();
        for member in &members[1..] {
            renames.insert(member.clone(), canonical.clone());
        }
    }
    if renames.is_empty() {
        return;
    }
    for (alias, canonical) in &renames {
        if let Some(def) = model.types.get_mut(alias) {
            def.kind = TypeKind::Alias(TypeRef::Named(canonical.clone()));
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
