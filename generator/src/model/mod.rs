//! Stage 3: the intermediate model. Everything the emitter needs, decided here:
//! Rust names next to API names, resolved types, union decode plans, operations.
//! Types live in a `BTreeMap` keyed by Rust name and operations are sorted, so the
//! output never depends on hash order.

mod dedupe;
mod operation;
mod schema;
mod union;

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, Parameter, ReferenceOr};

use crate::load::Document;
use crate::Error;

pub use union::{Check, Decode, JsonKind, Slot, Union, Variant};

/// The whole API as the emitter sees it.
#[derive(Debug)]
pub struct Model {
    pub api: ApiInfo,
    pub types: BTreeMap<String, TypeDef>,
    pub operations: Vec<Operation>,
    pub webhooks: Vec<Webhook>,
}

#[derive(Debug)]
pub struct ApiInfo {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    pub sandbox_url: String,
    pub production_url: String,
    pub token_path: String,
    /// Every scope the security scheme lists, with its description.
    pub scopes: BTreeMap<String, String>,
    /// Every scope of every operation's requirements: the client requests these by default.
    pub default_scopes: BTreeSet<String>,
    pub api_version: String,
}

/// Title, description and deprecation of a schema, field, parameter or operation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Docs {
    pub title: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
}

#[derive(Debug)]
pub struct TypeDef {
    pub name: String,
    /// Where the schema lives in the document.
    pub pointer: String,
    pub docs: Docs,
    pub kind: TypeKind,
    /// Reached from a request, so it gets a client-side `Validate` impl.
    pub validate: bool,
}

#[derive(Debug)]
pub enum TypeKind {
    Struct(Struct),
    Enum(StringEnum),
    IntEnum(IntEnum),
    Union(Union),
    /// A named schema that is not an object or an enum: `pub type X = ...;`.
    Alias(TypeRef),
}

#[derive(Debug, Default)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// Typed `additionalProperties` next to declared properties.
    pub additional: Option<TypeRef>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub api_name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub nullable: bool,
    /// Optional and nullable in a request: absent, null and a value are three states.
    pub tristate: bool,
    /// Breaks a by-value cycle of types.
    pub boxed: bool,
    pub read_only: bool,
    pub write_only: bool,
    pub docs: Docs,
    pub constraints: Constraints,
    pub default: Option<serde_json::Value>,
}

/// Validation keywords the client checks before sending.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<String>,
    /// A string format with no Rust type of its own (`email`, `uri`), for the docs.
    pub format: Option<String>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    /// Constraints on each array item.
    pub items: Option<Box<Constraints>>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

#[derive(Debug)]
pub struct StringEnum {
    pub variants: Vec<EnumVariant>,
    /// Index into `variants` of the schema's default.
    pub default: Option<usize>,
    /// Name of the variant that keeps values this version does not know.
    pub unknown: String,
}

#[derive(Debug)]
pub struct EnumVariant {
    pub rust_name: String,
    pub wire: String,
    pub description: Option<String>,
}

#[derive(Debug)]
pub struct IntEnum {
    pub values: Vec<i64>,
    pub default: Option<i64>,
}

/// How a value is typed wherever it is used.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeRef {
    Bool,
    I32,
    I64,
    F64,
    String,
    Uuid,
    Date,
    DateTime,
    Json,
    Named(String),
    Vec(Box<TypeRef>),
    Map(Box<TypeRef>),
    Option(Box<TypeRef>),
}

#[derive(Debug)]
pub struct Operation {
    pub api_id: String,
    pub rust_name: String,
    pub builder_name: String,
    pub method: String,
    pub path: String,
    pub module: String,
    pub docs: Docs,
    pub path_params: Vec<Param>,
    pub query_params: Vec<Param>,
    pub header_params: Vec<Param>,
    pub idempotency_key: bool,
    pub body: Option<RequestBody>,
    pub success: Success,
    /// Alternative security requirements in document order: the scopes of each
    /// inner list together suffice; empty when the operation needs no token.
    pub scopes: Vec<Vec<String>>,
    pub pagination: Option<Pagination>,
}

#[derive(Debug)]
pub struct Param {
    pub api_name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub docs: Docs,
    pub constraints: Constraints,
    pub default: Option<serde_json::Value>,
    /// For arrays in the query: `a=1&a=2` (true) or `a=1,2` (false).
    pub explode: bool,
}

#[derive(Debug)]
pub struct RequestBody {
    pub ty: TypeRef,
    pub content_type: String,
    pub form: bool,
}

#[derive(Debug)]
pub enum Success {
    Empty,
    Json(TypeRef),
    Bytes { accept: String },
    Text,
    /// Several success statuses with different bodies: a generated enum.
    ByStatus { name: String, cases: Vec<(u16, Option<TypeRef>)> },
}

#[derive(Debug)]
pub struct Pagination {
    pub page: String,
    pub item: TypeRef,
    pub meta_required: bool,
    pub total_required: bool,
    pub default_limit: u64,
}

#[derive(Debug)]
pub struct Webhook {
    pub api_name: String,
    pub rust_name: String,
    pub docs: Docs,
    pub ty: TypeRef,
}

pub fn build(doc: &Document) -> Result<Model, Error> {
    let mut schemas = schema::Schemas::new(doc);
    schemas.components()?;
    let operations = operation::operations(&mut schemas)?;
    let webhooks = operation::webhooks(&mut schemas)?;
    let api = operation::api_info(&doc.api, &operations)?;
    let (types, inline_enums) = schemas.finish();
    let mut model = Model { api, types, operations, webhooks };
    dedupe::merge_identical_enums(&mut model, &inline_enums);
    mark_boxed(&mut model.types);
    mark_validated(&mut model.types, &model.operations);
    Ok(model)
}

/// Resolves a parameter `$ref` to `#/components/parameters/...`.
pub fn resolve_parameter<'a>(api: &'a OpenAPI, param: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
    match param {
        ReferenceOr::Item(param) => Some(param),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/parameters/")?;
            resolve_parameter(api, api.components.as_ref()?.parameters.get(name)?)
        }
    }
}

/// Boxes every struct field through which a type contains itself by value
/// (`Node { parent: Option<Node> }`), so every type has a finite size. A field needs a
/// box exactly when its type is in the same strongly connected component of the
/// "holds by value" graph as the struct that holds it.
fn mark_boxed(types: &mut BTreeMap<String, TypeDef>) {
    let names: Vec<String> = types.keys().cloned().collect();
    let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let edges: Vec<Vec<usize>> = types
        .values()
        .map(|def| {
            let held: Vec<&str> = match &def.kind {
                TypeKind::Struct(s) => s.fields.iter().filter_map(|f| by_value(&f.ty)).collect(),
                TypeKind::Union(u) => u.variants.iter().filter_map(|v| by_value(&v.ty)).collect(),
                TypeKind::Alias(ty) => by_value(ty).into_iter().collect(),
                TypeKind::Enum(_) | TypeKind::IntEnum(_) => Vec::new(),
            };
            held.into_iter().filter_map(|n| index.get(n).copied()).collect()
        })
        .collect();
    let component = strongly_connected(&edges);
    let mut to_box = Vec::new();
    for (i, def) in types.values().enumerate() {
        if let TypeKind::Struct(s) = &def.kind {
            for (field, f) in s.fields.iter().enumerate() {
                let target = by_value(&f.ty).and_then(|n| index.get(n).copied());
                // Same component: the field leads back to this struct (a self-reference included).
                if target.is_some_and(|t| component[t] == component[i] && (t != i || edges[i].contains(&i))) {
                    to_box.push((i, field));
                }
            }
        }
    }
    for (i, field) in to_box {
        if let Some(TypeKind::Struct(s)) = types.get_mut(&names[i]).map(|d| &mut d.kind) {
            s.fields[field].boxed = true;
        }
    }
}

/// Kosaraju's algorithm without recursion (a long chain of types must not grow the
/// stack): the component number of every node.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let mut order = Vec::with_capacity(n);
    let mut visited = vec![false; n];
    for start in 0..n {
        if visited[start] {
            continue;
        }
        visited[start] = true;
        let mut stack = vec![(start, 0)];
        while let Some((node, next)) = stack.pop() {
            if let Some(&to) = edges[node].get(next) {
                stack.push((node, next + 1));
                if !visited[to] {
                    visited[to] = true;
                    stack.push((to, 0));
                }
            } else {
                order.push(node);
            }
        }
    }
    let mut reverse = vec![Vec::new(); n];
    for (from, tos) in edges.iter().enumerate() {
        for &to in tos {
            reverse[to].push(from);
        }
    }
    let mut component = vec![usize::MAX; n];
    for (count, &start) in order.iter().rev().enumerate() {
        if component[start] != usize::MAX {
            continue;
        }
        component[start] = count;
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for &from in &reverse[node] {
                if component[from] == usize::MAX {
                    component[from] = count;
                    stack.push(from);
                }
            }
        }
    }
    component
}

/// The named type a value of `ty` holds inline (not behind a `Vec` or map).
fn by_value(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(name) => Some(name),
        TypeRef::Option(inner) => by_value(inner),
        _ => None,
    }
}

/// Marks every type a request can carry, so only those get client-side validation.
fn mark_validated(types: &mut BTreeMap<String, TypeDef>, operations: &[Operation]) {
    let mut pending: Vec<String> = operations.iter().filter_map(|op| op.body.as_ref()).flat_map(|b| named_in(&b.ty)).collect();
    while let Some(name) = pending.pop() {
        let Some(def) = types.get_mut(&name) else { continue };
        if def.validate {
            continue;
        }
        def.validate = true;
        match &def.kind {
            TypeKind::Struct(s) => {
                pending.extend(s.fields.iter().flat_map(|f| named_in(&f.ty)));
                pending.extend(s.additional.iter().flat_map(named_in));
            }
            TypeKind::Union(u) => pending.extend(u.variants.iter().flat_map(|v| named_in(&v.ty))),
            TypeKind::Alias(ty) => pending.extend(named_in(ty)),
            TypeKind::Enum(_) | TypeKind::IntEnum(_) => {}
        }
    }
    // Enums have nothing to check.
    for def in types.values_mut() {
        if matches!(def.kind, TypeKind::Enum(_) | TypeKind::IntEnum(_)) {
            def.validate = false;
        }
    }
}

/// The named types a type reference mentions.
pub fn named_in(ty: &TypeRef) -> Vec<String> {
    match ty {
        TypeRef::Named(name) => vec![name.clone()],
        TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Option(inner) => named_in(inner),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    /// A chain of references thousands of schemas long is generated on a small stack:
    /// definitions nest only so deep, and boxing analysis does not recurse.
    #[test]
    fn long_reference_chains_do_not_grow_the_stack() {
        let links = 2000;
        let mut doc = String::from(
            "openapi: 3.0.3\ninfo: {title: chain, version: '1'}\nservers: [{url: 'https://example.com'}]\npaths:\n  /a:\n    get:\n      operationId: get_a\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/S0'}\ncomponents:\n  schemas:\n",
        );
        for i in 0..links {
            doc.push_str(&format!("    S{i}: {{type: object, properties: {{next: {{$ref: '#/components/schemas/S{}'}}}}}}\n", (i + 1) % links));
        }
        let output = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || crate::generate_from_str(&doc))
            .unwrap()
            .join()
            .expect("the generator overflowed a 1 MiB stack");
        let output = output.unwrap();
        assert_eq!(output.summary.types, links);
        // The chain closes into a cycle, so its links are boxed.
        assert!(output.files["src/types.rs"].contains("::std::boxed::Box<crate::types::S1>"));
    }
}
