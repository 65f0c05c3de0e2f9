//! Stage 3: the intermediate model. Everything the emitter needs is decided here,
//! in a fixed order of passes, each in its own module:
//!
//! 1. [`collect`]: every schema construct becomes a type in an arena, identified by a
//!    [`TypeId`], never by its Rust name; operations and webhooks refer to those ids.
//! 2. [`merge`]: structurally identical types become one.
//! 3. [`boxing`]: fields through which a type contains itself are boxed.
//! 4. [`union`]: each union gets its decode plan, seeing merged types and boxes.
//! 5. [`names`]: every type, variant and alias gets its Rust name.
//! 6. [`traits`]: which types validate, build, default; one `Page` impl per page type.
//!
//! The emitter only reads the result.

mod boxing;
mod client;
mod collect;
mod merge;
mod names;
mod operation;
mod path;
mod traits;
mod union;

use std::collections::BTreeMap;

use crate::load::Document;
use crate::warning::Warnings;
use crate::Error;

pub use operation::resolve_parameter;
pub use path::{PathSegment, PathTemplate};
pub use union::{Check, Decode, JsonKind, Slot, Union, Variant};

/// The whole API as the emitter sees it.
#[derive(Debug)]
pub struct Model {
    pub api: ApiInfo,
    /// The arena: `types[id.0]`. Merged-away types stay (their ids are never referenced
    /// after the merge pass) and are skipped by [`Model::types`].
    arena: Vec<TypeDef>,
    pub operations: Vec<Operation>,
    pub webhooks: Vec<Webhook>,
    /// One `Page` impl per page type, whatever number of operations return it.
    pub pages: Vec<PageImpl>,
    /// What the passes could not type precisely, and what they did instead.
    pub warnings: Warnings,
}

impl Model {
    pub fn def(&self, id: TypeId) -> &TypeDef {
        &self.arena[id.0]
    }

    pub fn name(&self, id: TypeId) -> &str {
        &self.arena[id.0].name
    }

    /// The types to emit, sorted by Rust name.
    pub fn types(&self) -> Vec<&TypeDef> {
        let mut live: Vec<&TypeDef> = self.arena.iter().filter(|d| d.merged_into.is_none()).collect();
        live.sort_by(|a, b| a.name.cmp(&b.name));
        live
    }

    /// Follows aliases to the type a reference finally means.
    pub fn resolve<'m>(&'m self, ty: &'m TypeRef) -> &'m TypeRef {
        match ty {
            TypeRef::Named(id) => match &self.def(*id).kind {
                TypeKind::Alias(inner) => self.resolve(inner),
                _ => ty,
            },
            other => other,
        }
    }

    /// Some operation sends a `multipart/form-data` body: the crate carries the
    /// runtime's `multipart` part and exports `FilePart`.
    pub fn sends_multipart(&self) -> bool {
        self.operations.iter().any(|op| op.body.as_ref().is_some_and(|b| b.encoding == BodyEncoding::Multipart))
    }

    pub fn struct_of(&self, ty: &TypeRef) -> Option<&Struct> {
        match self.resolve(ty) {
            TypeRef::Named(id) => match &self.def(*id).kind {
                TypeKind::Struct(s) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A type's identity: its place in the arena, fixed when it is collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub usize);

#[derive(Debug)]
pub struct ApiInfo {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    /// Every scope the security scheme lists, with its description.
    pub scopes: BTreeMap<String, String>,
    /// Every scope of every operation's requirements: the client requests these by default.
    pub default_scopes: std::collections::BTreeSet<String>,
    pub client: ClientProfile,
}

/// What the client does beyond operations (`model/client.rs` decides it).
#[derive(Debug)]
pub struct ClientProfile {
    /// The package name, `upvest-client`.
    pub crate_name: String,
    pub homepage: Option<String>,
    /// The product token of the default `user-agent` (the crate version follows it).
    pub user_agent: String,
    /// The prefix of the environment variables `ClientBuilder::from_env` reads.
    pub env_prefix: String,
    /// The prefix of the `tracing` span names (`<prefix>.request`).
    pub span_prefix: String,
    /// Absolute server URLs, in document order, variables at their defaults.
    pub servers: Vec<String>,
    /// Where requests go by default; empty when the document names no absolute server.
    pub default_base_url: String,
    pub environments: Option<Environments>,
    /// The security schemes operations use, by name.
    pub schemes: Vec<Scheme>,
    /// Schemes every secured operation needs.
    pub required_schemes: Vec<String>,
    /// Every request is signed (the document declares `signature` and `signature-input` headers).
    pub signs_requests: bool,
    /// A header parameter the runtime fills with the OAuth2 client id.
    pub client_id_header: Option<String>,
    /// A header parameter the runtime fills with the API version: name and default.
    pub version_header: Option<(String, String)>,
    /// A header parameter the runtime fills with the version of the request
    /// signatures (only when it signs): name and default.
    pub signature_version_header: Option<(String, String)>,
    /// A response header carrying the server's request id.
    pub request_id_header: Option<String>,
}

/// A sandbox and a production server.
#[derive(Debug)]
pub struct Environments {
    pub sandbox: String,
    pub production: String,
}

#[derive(Debug)]
pub struct Scheme {
    pub name: String,
    pub kind: SchemeKind,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeKind {
    Bearer,
    Basic,
    ApiKey {
        name: String,
        location: ApiKeyLocation,
    },
    /// `token_url` is a path (relative to the base URL) when it lies on a server of the document.
    ClientCredentials {
        token_url: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    Header,
    Query,
    Cookie,
}

/// One scheme of a security requirement, with the OAuth2 scopes it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityRequirement {
    pub scheme: String,
    pub scopes: Vec<String>,
}

/// Title, description and deprecation of a schema, field, parameter or operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Docs {
    pub title: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
}

#[derive(Debug)]
pub struct TypeDef {
    pub id: TypeId,
    /// The Rust name, assigned by the names pass.
    pub name: String,
    /// Where the schema lives in the document.
    pub pointer: String,
    pub docs: Docs,
    pub kind: TypeKind,
    /// What the names pass may call this type.
    pub hint: NameHint,
    /// Set by the merge pass: this type is the same as another one.
    pub merged_into: Option<TypeId>,
    /// Other names of this type, kept so code written against an earlier crate
    /// (where merged types had names of their own) still compiles.
    pub aliases: Vec<String>,
    pub traits: Traits,
}

/// What the names pass knows about where a type came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameHint {
    /// The key under `#/components/schemas`: the name, as written.
    pub component: Option<String>,
    /// A name a person gave: the schema's `title`, a parameter component's key, or
    /// what the branches of a union share.
    pub preferred: Option<String>,
    /// The property or parameter this schema is the value of.
    pub property: Option<String>,
    /// The name derived from where the schema is used (`UserTolAddress`).
    pub context: String,
}

/// Impls and derives, decided once the types are final.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traits {
    /// Reached from a request: a client-side `Validate` impl and a builder.
    pub validate: bool,
    /// Every field has a default: `#[derive(Default)]`.
    pub default: bool,
    /// The object of a `multipart/form-data` body: turns itself into parts.
    pub multipart: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct(Struct),
    Enum(StringEnum),
    IntEnum(IntEnum),
    Union(Union),
    /// Strings told apart only by `pattern`: a newtype over `String`.
    StringForms(StringForms),
    /// A named schema that is not an object or an enum: `pub type X = ...;`.
    Alias(TypeRef),
}

/// A `oneOf`/`anyOf` whose branches are all strings with a `pattern` (an ISIN URN or
/// a UUID URN): one newtype over `String`, valid when it fits any one of the forms
/// (that branch's pattern and its own length bounds). Like every string constraint it
/// is checked before a request is sent, never when a response is decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct StringForms {
    /// One per distinct branch, in document order. A pattern the client cannot run
    /// was dropped (with a warning), so every pattern here compiles; every form has
    /// a pattern or a length bound (else the union would take any string).
    pub forms: Vec<Constraints>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// Typed `additionalProperties` next to declared properties.
    pub additional: Option<TypeRef>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub api_name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    pub presence: Presence,
    /// Breaks a by-value cycle of types (set by the boxing pass).
    pub boxed: bool,
    pub access: Access,
    pub docs: Docs,
    pub constraints: Constraints,
    pub default: Option<serde_json::Value>,
}

/// Whether a field must be there and whether it may be `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Presence {
    Required,
    /// Must be there, may be `null`.
    RequiredNullable,
    Optional,
    /// May be absent, `null` or a value: three states a request can mean differently.
    OptionalNullable,
}

impl Presence {
    pub fn new(required: bool, nullable: bool) -> Presence {
        match (required, nullable) {
            (true, false) => Presence::Required,
            (true, true) => Presence::RequiredNullable,
            (false, false) => Presence::Optional,
            (false, true) => Presence::OptionalNullable,
        }
    }

    pub fn required(self) -> bool {
        matches!(self, Presence::Required | Presence::RequiredNullable)
    }

    pub fn nullable(self) -> bool {
        matches!(self, Presence::RequiredNullable | Presence::OptionalNullable)
    }
}

/// `readOnly` / `writeOnly`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Access {
    #[default]
    ReadWrite,
    ReadOnly,
    WriteOnly,
}

/// Validation keywords the client checks before sending.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<String>,
    /// A string format with no Rust type of its own (`email`, `uri`), for the docs.
    pub format: Option<String>,
    pub minimum: Option<Bound>,
    pub maximum: Option<Bound>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    /// Constraints on each array item.
    pub items: Option<Box<Constraints>>,
    /// `format: binary` (3.1 `contentMediaType`, rewritten by the load stage): the
    /// octets of a file, which a multipart body sends as a file part.
    pub binary: bool,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

/// A `minimum` or `maximum`: integers stay integers, so no bound is rounded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Int(i64),
    Float(f64),
    /// `exclusiveMinimum`/`exclusiveMaximum` on a number: the bound itself is out.
    /// (On an integer an exclusive bound is the next integer in, an `Int`.)
    FloatExclusive(f64),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Int(v) => write!(f, "{v}"),
            Bound::Float(v) => write!(f, "{v}"),
            Bound::FloatExclusive(v) => write!(f, "{v} (exclusive)"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StringEnum {
    pub variants: Vec<EnumVariant>,
    /// Index into `variants` of the schema's default.
    pub default: Option<usize>,
    /// Name of the variant that keeps values this version does not know.
    pub unknown: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    pub rust_name: String,
    /// The name this variant had before the enum's own prefix was dropped
    /// (`SalutationMale` in `Salutation`), still usable as a constant.
    pub long_name: Option<String>,
    pub wire: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Bytes of a body that is not JSON.
    Bytes,
    /// A file of a `multipart/form-data` body (the runtime's `FilePart`): bytes,
    /// file name and media type.
    File,
    Named(TypeId),
    Vec(Box<TypeRef>),
    Map(Box<TypeRef>),
    Option(Box<TypeRef>),
}

impl TypeRef {
    /// Calls `f` on every type id this reference mentions.
    pub fn ids_mut(&mut self, f: &mut impl FnMut(&mut TypeId)) {
        match self {
            TypeRef::Named(id) => f(id),
            TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Option(inner) => inner.ids_mut(f),
            _ => {}
        }
    }

    /// The named type a value of this type holds inline (not behind a `Vec` or map).
    pub fn by_value(&self) -> Option<TypeId> {
        match self {
            TypeRef::Named(id) => Some(*id),
            TypeRef::Option(inner) => inner.by_value(),
            _ => None,
        }
    }

    /// Every named type this reference mentions.
    pub fn named(&self) -> Vec<TypeId> {
        match self {
            TypeRef::Named(id) => vec![*id],
            TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Option(inner) => inner.named(),
            _ => Vec::new(),
        }
    }
}

/// The HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    pub fn parse(method: &str) -> Option<Method> {
        Some(match method {
            "get" => Method::Get,
            "put" => Method::Put,
            "post" => Method::Post,
            "delete" => Method::Delete,
            "options" => Method::Options,
            "head" => Method::Head,
            "patch" => Method::Patch,
            "trace" => Method::Trace,
            _ => return None,
        })
    }

    /// `GET`, as written on the wire and as `reqwest::Method`'s constant.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

#[derive(Debug)]
pub struct Operation {
    pub api_id: String,
    pub rust_name: String,
    pub builder_name: String,
    pub method: Method,
    pub path: PathTemplate,
    pub module: String,
    pub docs: Docs,
    pub path_params: Vec<Param>,
    pub query_params: Vec<Param>,
    pub header_params: Vec<Param>,
    pub idempotency_key: bool,
    pub body: Option<RequestBody>,
    pub success: Success,
    /// Alternative security requirements in document order: each inner list
    /// suffices, and every scheme in it is needed; empty when the operation
    /// needs no authentication.
    pub security: Vec<Vec<SecurityRequirement>>,
    pub pagination: Option<Pagination>,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
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
    pub encoding: BodyEncoding,
    /// Multipart only: the media type the document's `encoding` gives a property's
    /// parts, by property name, in document order.
    pub part_content_types: Vec<(String, String)>,
}

/// How a request body becomes bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    Json,
    Form,
    /// `multipart/form-data` from an object: one part per property (per item of an
    /// array), files as file parts.
    Multipart,
    /// A `String` (`text/*`) or `bytes::Bytes` (anything else) sent as it is.
    Raw,
}

#[derive(Debug)]
pub enum Success {
    Empty,
    Json(TypeRef),
    Bytes {
        accept: String,
    },
    Text,
    /// Several success statuses with different bodies: a generated enum.
    ByStatus {
        name: String,
        cases: Vec<(u16, StatusBody)>,
    },
}

/// The body of one success status.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusBody {
    Empty,
    Json(TypeRef),
    Text,
    Bytes,
}

/// Offset pagination of one operation.
#[derive(Debug)]
pub struct Pagination {
    /// Index into the page impls of the model.
    pub page: usize,
    /// Indices into the operation's query parameters.
    pub offset: usize,
    pub limit: usize,
    pub default_limit: u64,
}

/// `Page` for a list answer: `data` holds the items, `meta.total_count` the total.
#[derive(Debug, PartialEq)]
pub struct PageImpl {
    pub page: TypeId,
    pub item: TypeRef,
    pub meta_required: bool,
    pub total_required: bool,
}

#[derive(Debug)]
pub struct Webhook {
    pub api_name: String,
    pub rust_name: String,
    pub docs: Docs,
    pub ty: TypeRef,
}

/// Runs the passes in their fixed order.
pub fn build(doc: &Document, options: &crate::Options) -> Result<Model, Error> {
    let mut model = collect::collect(doc, options)?;
    merge::merge_identical(&mut model);
    boxing::mark_boxed(&mut model);
    union::plan_all(&mut model)?;
    names::assign(&mut model);
    traits::decide(&mut model);
    Ok(model)
}

impl Model {
    /// Calls `f` on every type id mentioned anywhere in the model: the one walk the
    /// merge pass rewrites references with.
    fn ids_mut(&mut self, f: &mut impl FnMut(&mut TypeId)) {
        for def in &mut self.arena {
            match &mut def.kind {
                TypeKind::Struct(s) => {
                    s.fields.iter_mut().for_each(|field| field.ty.ids_mut(f));
                    s.additional.iter_mut().for_each(|ty| ty.ids_mut(f));
                }
                TypeKind::Union(u) => u.ids_mut(f),
                TypeKind::Alias(ty) => ty.ids_mut(f),
                TypeKind::Enum(_) | TypeKind::IntEnum(_) | TypeKind::StringForms(_) => {}
            }
        }
        for op in &mut self.operations {
            for param in op.path_params.iter_mut().chain(&mut op.query_params).chain(&mut op.header_params) {
                param.ty.ids_mut(f);
            }
            op.body.iter_mut().for_each(|b| b.ty.ids_mut(f));
            match &mut op.success {
                Success::Json(ty) => ty.ids_mut(f),
                Success::ByStatus { cases, .. } => {
                    for (_, body) in cases {
                        if let StatusBody::Json(ty) = body {
                            ty.ids_mut(f);
                        }
                    }
                }
                Success::Empty | Success::Bytes { .. } | Success::Text => {}
            }
        }
        self.webhooks.iter_mut().for_each(|w| w.ty.ids_mut(f));
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
            doc.push_str(&format!(
                "    S{i}: {{type: object, properties: {{next: {{$ref: '#/components/schemas/S{}'}}}}}}\n",
                (i + 1) % links
            ));
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
