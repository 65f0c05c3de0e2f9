//! Pass 2, merge: structurally identical types become one. Published documents inline
//! the same object or enum wherever it is used (the salutation enum in every user
//! schema, an address in every request); one type per shape lets callers move a value
//! from a response into a request and keeps the crate small.
//!
//! Two inline types are identical when their kinds are equal once documentation is
//! ignored and the types they refer to are taken as merged. Merging one pair can make
//! their owners identical, so the pass repeats until nothing changes. Components keep
//! their own identity (a document author named them), but an inline copy of a
//! component merges into it. A merged-away type keeps its names as aliases.

use std::collections::BTreeMap;

use super::{Model, TypeId, TypeKind};

pub fn merge_identical(model: &mut Model) {
    loop {
        let mut groups: BTreeMap<String, Vec<TypeId>> = BTreeMap::new();
        for def in model.arena.iter().filter(|d| d.merged_into.is_none()) {
            if matches!(def.kind, TypeKind::Alias(_)) {
                continue;
            }
            groups.entry(shape_key(model, &def.kind)).or_default().push(def.id);
        }
        let mut merged_any = false;
        for members in groups.into_values().filter(|m| m.len() > 1) {
            let is_component: Vec<bool> = members.iter().map(|id| model.arena[id.0].hint.component.is_some()).collect();
            // Ids are in collection order, so the canonical member is deterministic.
            let canonical = members.iter().zip(&is_component).find(|(_, c)| **c).map_or(members[0], |(id, _)| *id);
            for (member, component) in members.into_iter().zip(is_component) {
                if member != canonical && !component {
                    model.arena[member.0].merged_into = Some(canonical);
                    merged_any = true;
                }
            }
        }
        if !merged_any {
            break;
        }
    }
    let canonical: Vec<TypeId> = (0..model.arena.len()).map(|i| find(model, TypeId(i))).collect();
    model.ids_mut(&mut |id| *id = canonical[id.0]);
    for (i, target) in canonical.iter().enumerate() {
        if *target != TypeId(i) {
            model.arena[i].merged_into = Some(*target);
        }
    }
}

/// The type `id` finally stands for.
fn find(model: &Model, mut id: TypeId) -> TypeId {
    while let Some(next) = model.arena[id.0].merged_into {
        id = next;
    }
    id
}

/// The kind without documentation, with references taken through merges: equal keys
/// mean the same shape on the wire and in Rust.
fn shape_key(model: &Model, kind: &TypeKind) -> String {
    let mut kind = kind.clone();
    let mut remap = |id: &mut TypeId| *id = find(model, *id);
    match &mut kind {
        TypeKind::Struct(s) => {
            for field in &mut s.fields {
                field.docs = Default::default();
                field.ty.ids_mut(&mut remap);
            }
            s.additional.iter_mut().for_each(|ty| ty.ids_mut(&mut remap));
        }
        TypeKind::Union(u) => u.ids_mut(&mut remap),
        TypeKind::Alias(ty) => ty.ids_mut(&mut remap),
        TypeKind::Enum(_) | TypeKind::IntEnum(_) | TypeKind::StringForms(_) => {}
    }
    format!("{kind:?}")
}
