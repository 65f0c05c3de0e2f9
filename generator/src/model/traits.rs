//! Pass 6, traits: what each final type implements. Request types validate and get
//! builders, types whose fields all have defaults derive `Default`, and each page type
//! of an offset-paginated list gets one `Page` impl.

use std::collections::BTreeSet;

use super::{BodyEncoding, Model, PageImpl, Pagination, Success, TypeId, TypeKind, TypeRef};

pub fn decide(model: &mut Model) {
    mark_validated(model);
    mark_multipart(model);
    for i in 0..model.arena.len() {
        let default = derives_default(model, TypeId(i), &mut BTreeSet::new());
        model.arena[i].traits.default = default;
    }
    paginate(model);
}

/// Marks every type a request can carry (in its body or a parameter), so only those
/// get client-side validation. Enums have nothing to check.
fn mark_validated(model: &mut Model) {
    let mut pending: Vec<TypeId> = model
        .operations
        .iter()
        .flat_map(|op| {
            let params = op.path_params.iter().chain(&op.query_params).chain(&op.header_params);
            op.body.iter().map(|b| &b.ty).chain(params.map(|p| &p.ty)).flat_map(TypeRef::named).collect::<Vec<_>>()
        })
        .collect();
    while let Some(id) = pending.pop() {
        let def = &mut model.arena[id.0];
        if def.traits.validate || matches!(def.kind, TypeKind::Enum(_) | TypeKind::IntEnum(_)) {
            continue;
        }
        def.traits.validate = true;
        match &def.kind {
            TypeKind::Struct(s) => {
                pending.extend(s.fields.iter().flat_map(|f| f.ty.named()));
                pending.extend(s.additional.iter().flat_map(TypeRef::named));
            }
            TypeKind::Union(u) => pending.extend(u.variants.iter().flat_map(|v| v.ty.named())),
            TypeKind::Alias(ty) => pending.extend(ty.named()),
            TypeKind::Enum(_) | TypeKind::IntEnum(_) | TypeKind::StringForms(_) => {}
        }
    }
}

/// Marks the objects `multipart/form-data` bodies send, which turn themselves into parts.
fn mark_multipart(model: &mut Model) {
    let forms: Vec<TypeId> = model
        .operations
        .iter()
        .filter_map(|op| op.body.as_ref().filter(|b| b.encoding == BodyEncoding::Multipart))
        .filter_map(|b| model.resolve(&b.ty).by_value())
        .collect();
    for id in forms {
        model.arena[id.0].traits.multipart = true;
    }
}

/// Whether a type can derive `Default`: every required, non-nullable field has one.
fn derives_default(model: &Model, id: TypeId, visiting: &mut BTreeSet<TypeId>) -> bool {
    if !visiting.insert(id) {
        return false;
    }
    let of = |ty: &TypeRef, visiting: &mut BTreeSet<TypeId>| match ty {
        TypeRef::Named(inner) => derives_default(model, *inner, visiting),
        _ => true,
    };
    let result = match &model.def(id).kind {
        TypeKind::Struct(s) => {
            s.fields.iter().all(|f| !f.presence.required() || f.presence.nullable() || of(&f.ty, visiting))
        }
        TypeKind::Enum(e) => e.default.is_some(),
        TypeKind::IntEnum(e) => e.default.is_some(),
        TypeKind::Alias(ty) => of(ty, visiting),
        // No value is known to fit every union branch or string form.
        TypeKind::Union(_) | TypeKind::StringForms(_) => false,
    };
    visiting.remove(&id);
    result
}

/// Offset pagination: optional integer `offset` and `limit` query parameters, and an
/// answer with a required `data` list and a `meta` object holding `total_count`.
fn paginate(model: &mut Model) {
    for index in 0..model.operations.len() {
        let Some((page, offset, limit)) = page_of(model, index) else { continue };
        let position = match model.pages.iter().position(|p| *p == page) {
            Some(position) => position,
            None => {
                model.pages.push(page);
                model.pages.len() - 1
            }
        };
        let op = &mut model.operations[index];
        let default_limit = op.query_params[limit].default.as_ref().and_then(serde_json::Value::as_u64).unwrap_or(100);
        op.pagination = Some(Pagination { page: position, offset, limit, default_limit });
    }
}

fn page_of(model: &Model, index: usize) -> Option<(PageImpl, usize, usize)> {
    let op = &model.operations[index];
    let param = |name: &str| {
        op.query_params
            .iter()
            .position(|p| p.api_name == name && !p.required && matches!(p.ty, TypeRef::I32 | TypeRef::I64))
    };
    let (offset, limit) = (param("offset")?, param("limit")?);
    // Through aliases, so two names of one page type share one impl.
    let Success::Json(success) = &op.success else { return None };
    let TypeRef::Named(page) = model.resolve(success) else { return None };
    let page_struct = model.struct_of(success)?;
    let data = page_struct.fields.iter().find(|f| f.api_name == "data" && f.presence == super::Presence::Required)?;
    let TypeRef::Vec(item) = model.resolve(&data.ty) else { return None };
    let meta = page_struct.fields.iter().find(|f| f.api_name == "meta")?;
    let meta_struct = model.struct_of(&meta.ty)?;
    let total = meta_struct
        .fields
        .iter()
        .find(|f| f.api_name == "total_count" && matches!(f.ty, TypeRef::I32 | TypeRef::I64))?;
    let page = PageImpl {
        page: *page,
        item: (**item).clone(),
        meta_required: meta.presence == super::Presence::Required,
        total_required: total.presence == super::Presence::Required,
    };
    Some((page, offset, limit))
}
