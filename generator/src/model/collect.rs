//! Pass 1, collect: every JSON Schema construct becomes a [`TypeRef`], defining types in
//! the model's arena as it goes. Types are identified by [`TypeId`]; names come later.
//! Operations and webhooks are collected in `operation.rs` through [`Schemas`].

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty};
use serde_json::Value;

use super::union::{JsonKind, Union, Variant};
use super::{
    Access, Bound, Constraints, Docs, EnumVariant, Field, IntEnum, Model, NameHint, Presence, StringEnum, StringForms,
    Struct, Traits, TypeDef, TypeId, TypeKind, TypeRef,
};
use crate::load::{escape, Document};
use crate::naming;
use crate::warning::Warnings;
use crate::Error;

/// How many component definitions may be under way at once before further ones are
/// deferred to the loop over all components: bounds the recursion of reference chains
/// (a test runs a 2,000-link chain on a 1 MiB stack).
const MAX_NESTED_DEFINITIONS: usize = 8;

/// How many schemas may nest inside one another (properties of properties, items of
/// items, through references being defined) before the rest is kept as JSON: bounds the
/// stack a hostile document can make the generator use. Published documents nest a
/// handful of levels.
const MAX_SCHEMA_DEPTH: usize = 24;

/// Collects the whole document: component schemas, operations, webhooks.
pub fn collect(doc: &Document, options: &crate::Options) -> Result<Model, Error> {
    let mut schemas = Schemas::new(&doc.api);
    schemas.components()?;
    let mut client = super::client::profile(&doc.api, options, &mut schemas.warnings);
    let operations = super::operation::operations(&mut schemas, &client)?;
    client.required_schemes =
        super::client::required_schemes(&operations.iter().map(|op| op.security.clone()).collect::<Vec<_>>());
    let webhooks = super::operation::webhooks(&mut schemas)?;
    let api = super::operation::api_info(&doc.api, &operations, client);
    Ok(Model { api, arena: schemas.arena, operations, webhooks, pages: Vec::new(), warnings: schemas.warnings })
}

/// What a schema means where it is used.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    pub ty: Option<TypeRef>,
    pub nullable: bool,
    pub constraints: Constraints,
    pub docs: Docs,
    pub default: Option<Value>,
    pub access: Access,
}

impl Shape {
    fn of(ty: TypeRef) -> Shape {
        Shape { ty: Some(ty), ..Shape::default() }
    }

    /// The type, where a schema that can only be `null` is kept as JSON.
    pub fn ty(&self) -> TypeRef {
        self.ty.clone().unwrap_or(TypeRef::Json)
    }
}

/// Where an inline schema is used: what the names pass may call the type it becomes.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// `UserTolAddress`: the owner's context and the property.
    pub name: String,
    /// The property or parameter name.
    pub property: Option<String>,
    /// A name a person gave (a parameter component's key).
    pub preferred: Option<String>,
}

impl Context {
    pub fn new(name: impl Into<String>) -> Context {
        Context { name: name.into(), ..Context::default() }
    }

    fn child(&self, suffix: &str, property: Option<&str>) -> Context {
        Context { name: format!("{}{suffix}", self.name), property: property.map(str::to_owned), preferred: None }
    }
}

/// How a schema being turned into a type gets its identity.
enum Naming<'n> {
    /// A component: the type is the component's reserved slot, even when only an alias.
    Fixed(TypeId),
    /// An inline schema: a new type if it needs one, named from its context later.
    Inline(&'n Context),
}

pub struct Schemas<'a> {
    pub api: &'a OpenAPI,
    arena: Vec<TypeDef>,
    /// Component key -> its reserved slot, so references resolve before definition.
    component_ids: BTreeMap<String, TypeId>,
    defined: BTreeSet<TypeId>,
    in_progress: BTreeSet<TypeId>,
    /// How many schemas are being turned into types right now, one inside the other.
    depth: usize,
    pub warnings: Warnings,
}

impl<'a> Schemas<'a> {
    pub fn new(api: &'a OpenAPI) -> Self {
        let mut schemas = Schemas {
            api,
            arena: Vec::new(),
            component_ids: BTreeMap::new(),
            defined: BTreeSet::new(),
            in_progress: BTreeSet::new(),
            depth: 0,
            warnings: Warnings::default(),
        };
        let keys: Vec<String> = api.components.iter().flat_map(|c| c.schemas.keys()).cloned().collect();
        for key in keys {
            let hint =
                NameHint { component: Some(key.clone()), context: naming::type_name(&key), ..NameHint::default() };
            let pointer = format!("#/components/schemas/{}", escape(&key));
            let id = schemas.push(hint, &pointer, Docs::default(), TypeKind::Alias(TypeRef::Json));
            schemas.component_ids.insert(key, id);
        }
        schemas
    }

    /// Defines every component schema, in key order.
    pub fn components(&mut self) -> Result<(), Error> {
        let keys: Vec<String> = self.component_ids.keys().cloned().collect();
        for key in keys {
            self.component(&key)?;
        }
        Ok(())
    }

    /// The shape of a reference to a component, defining it on first use.
    fn component(&mut self, key: &str) -> Result<Shape, Error> {
        let pointer = format!("#/components/schemas/{}", escape(key));
        let undefined =
            || Error::new(&pointer, "reference to an undefined schema", "define the schema under #/components/schemas");
        let id = *self.component_ids.get(key).ok_or_else(undefined)?;
        let schema = self.api.components.as_ref().and_then(|c| c.schemas.get(key)).ok_or_else(undefined)?;
        let inline = transparent(schema);
        let deferred = self.in_progress.len() >= MAX_NESTED_DEFINITIONS && matches!(schema, ReferenceOr::Item(_));
        if self.defined.contains(&id) || self.in_progress.contains(&id) || deferred {
            // Defined, being defined, or (a long chain of references would grow the stack
            // with every link) left to the loop over all components.
            if let Some(shape) = inline {
                return Ok(shape);
            }
            let mut shape = Shape::of(TypeRef::Named(id));
            if let ReferenceOr::Item(schema) = schema {
                shape.docs = docs(schema);
                shape.nullable = schema.schema_data.nullable;
            }
            return Ok(shape);
        }
        self.in_progress.insert(id);
        let shape = self.schema(schema, Naming::Fixed(id), &pointer);
        self.in_progress.remove(&id);
        self.defined.insert(id);
        let shape = shape?;
        Ok(inline.unwrap_or(shape))
    }

    /// The shape of a schema or reference at `pointer`, used in `context`.
    pub fn shape(&mut self, schema: &ReferenceOr<Schema>, context: &Context, pointer: &str) -> Result<Shape, Error> {
        self.schema(schema, Naming::Inline(context), pointer)
    }

    /// Whether `ty` is (through aliases) an object a `multipart/form-data` body can send
    /// as parts; if so, its binary properties (and lists of them) are retyped as files.
    pub fn multipart_object(&mut self, ty: &TypeRef) -> bool {
        let mut ty = ty.clone();
        // Aliases cannot loop (validation refuses reference cycles without an object),
        // but a bound costs nothing.
        for _ in 0..=self.arena.len() {
            let TypeRef::Named(id) = ty else { return false };
            match &mut self.arena[id.0].kind {
                TypeKind::Alias(inner) => ty = inner.clone(),
                TypeKind::Struct(s) => {
                    for field in &mut s.fields {
                        field.ty = as_file(&field.ty, &field.constraints);
                    }
                    return true;
                }
                _ => return false,
            }
        }
        false
    }

    pub fn shape_boxed(
        &mut self,
        schema: &ReferenceOr<Box<Schema>>,
        context: &Context,
        pointer: &str,
    ) -> Result<Shape, Error> {
        self.shape(&unbox(schema), context, pointer)
    }

    fn schema(&mut self, schema: &ReferenceOr<Schema>, naming: Naming<'_>, pointer: &str) -> Result<Shape, Error> {
        if self.depth >= MAX_SCHEMA_DEPTH {
            self.warnings.push(pointer, format!("schemas nested more than {MAX_SCHEMA_DEPTH} deep: this one is kept as `serde_json::Value`; move inner schemas into #/components/schemas"));
            if let Naming::Fixed(id) = naming {
                self.fill(id, Docs::default(), TypeKind::Alias(TypeRef::Json));
            }
            return Ok(Shape::of(TypeRef::Json));
        }
        self.depth += 1;
        let shape = self.schema_at_depth(schema, naming, pointer);
        self.depth -= 1;
        shape
    }

    fn schema_at_depth(
        &mut self,
        schema: &ReferenceOr<Schema>,
        naming: Naming<'_>,
        pointer: &str,
    ) -> Result<Shape, Error> {
        match schema {
            ReferenceOr::Reference { reference } => {
                let key = component_key(reference, pointer)?;
                let shape = self.component(&key)?;
                if let Naming::Fixed(id) = naming {
                    // A component that only refers to another one: an alias.
                    self.fill(id, shape.docs.clone(), TypeKind::Alias(shape.ty()));
                    return Ok(Shape::of(TypeRef::Named(id)));
                }
                Ok(shape)
            }
            ReferenceOr::Item(schema) => self.item(schema, naming, pointer),
        }
    }

    fn item(&mut self, schema: &Schema, naming: Naming<'_>, pointer: &str) -> Result<Shape, Error> {
        let mut shape = match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                if s.enumeration.iter().all(Option::is_none) {
                    Shape { nullable: true, ..Shape::default() }
                } else {
                    let def = string_enum(schema, &s.enumeration, pointer, &mut self.warnings);
                    let id = self.define(&naming, schema, pointer, TypeKind::Enum(def));
                    let nullable = s.enumeration.iter().any(Option::is_none);
                    Shape { ty: Some(TypeRef::Named(id)), nullable, ..Shape::default() }
                }
            }
            SchemaKind::Type(Type::Integer(i)) if !i.enumeration.is_empty() => {
                let values: Vec<i64> = i.enumeration.iter().flatten().copied().collect();
                let default = schema.schema_data.default.as_ref().and_then(Value::as_i64);
                let id = self.define(&naming, schema, pointer, TypeKind::IntEnum(IntEnum { values, default }));
                Shape::of(TypeRef::Named(id))
            }
            SchemaKind::Type(Type::Array(array)) => {
                let Some(items) = &array.items else {
                    return Err(Error::new(
                        pointer,
                        "an array without `items`",
                        "add `items` with the schema of one element",
                    ));
                };
                let item_context = self.context_of(&naming).child("Item", None);
                let item = self.shape_boxed(items, &item_context, &format!("{pointer}/items"))?;
                let item_ty = if item.nullable { TypeRef::Option(Box::new(item.ty())) } else { item.ty() };
                let constraints = Constraints {
                    min_items: array.min_items,
                    max_items: array.max_items,
                    items: (!item.constraints.is_empty()).then(|| Box::new(item.constraints.clone())),
                    ..Constraints::default()
                };
                Shape { ty: Some(TypeRef::Vec(Box::new(item_ty))), constraints, ..Shape::default() }
            }
            SchemaKind::Type(Type::Object(_)) => {
                let members = vec![(ReferenceOr::Item(schema.clone()), pointer.to_owned())];
                self.object(&members, naming_ref(&naming), pointer, schema)?
            }
            SchemaKind::AllOf { all_of } => self.all_of(all_of, naming_ref(&naming), pointer, schema)?,
            SchemaKind::AnyOf { any_of } => self.union(any_of, "anyOf", naming_ref(&naming), pointer, schema)?,
            SchemaKind::OneOf { one_of } => self.union(one_of, "oneOf", naming_ref(&naming), pointer, schema)?,
            SchemaKind::Not { .. } => {
                self.warnings.push(
                    pointer,
                    "a `not` schema is kept as `serde_json::Value`: the client cannot type what a value is not",
                );
                Shape::of(TypeRef::Json)
            }
            SchemaKind::Any(any) => self.any(any, naming_ref(&naming), pointer, schema)?,
            SchemaKind::Type(_) => primitive_shape(schema).unwrap_or_else(|| Shape::of(TypeRef::Json)),
        };
        shape.nullable |= schema.schema_data.nullable;
        shape.access = match (schema.schema_data.read_only, schema.schema_data.write_only) {
            (true, _) => Access::ReadOnly,
            (false, true) => Access::WriteOnly,
            (false, false) => Access::ReadWrite,
        };
        shape.default = schema.schema_data.default.clone();
        shape.docs = merge_docs(docs(schema), shape.docs);
        if let (Naming::Fixed(id), Some(ty)) = (&naming, &shape.ty) {
            if *ty != TypeRef::Named(*id) {
                // A component that is a primitive, array or map: an alias keeps its name.
                self.fill(*id, shape.docs.clone(), TypeKind::Alias(ty.clone()));
            }
        }
        Ok(shape)
    }

    /// Schemas `openapiv3` could not place in a typed kind: `type: 'null'`, a schema
    /// with properties but no `type`, or a free-form value.
    fn any(
        &mut self,
        any: &openapiv3::AnySchema,
        naming: Naming<'_>,
        pointer: &str,
        schema: &Schema,
    ) -> Result<Shape, Error> {
        if is_null_only(&any.enumeration) {
            return Ok(Shape { nullable: true, ..Shape::default() });
        }
        if !any.properties.is_empty() || any.typ.as_deref() == Some("object") {
            let object = openapiv3::ObjectType {
                properties: any.properties.clone(),
                required: any.required.clone(),
                additional_properties: any.additional_properties.clone(),
                min_properties: any.min_properties,
                max_properties: any.max_properties,
            };
            let as_object =
                Schema { schema_data: schema.schema_data.clone(), schema_kind: SchemaKind::Type(Type::Object(object)) };
            return self.item(&as_object, naming, pointer);
        }
        // `enum` (or a 3.1 `const`) without `type`: typed by its values.
        if !any.enumeration.is_empty() && any.enumeration.iter().all(|v| v.is_string() || v.is_null()) {
            let values = any.enumeration.iter().map(|v| v.as_str().map(str::to_owned)).collect();
            let typed = Type::String(openapiv3::StringType { enumeration: values, ..Default::default() });
            return self.item(
                &Schema { schema_data: schema.schema_data.clone(), schema_kind: SchemaKind::Type(typed) },
                naming,
                pointer,
            );
        }
        if !any.enumeration.is_empty() && any.enumeration.iter().all(|v| v.is_i64() || v.is_null()) {
            let values = any.enumeration.iter().map(Value::as_i64).collect();
            let typed = Type::Integer(openapiv3::IntegerType { enumeration: values, ..Default::default() });
            return self.item(
                &Schema { schema_data: schema.schema_data.clone(), schema_kind: SchemaKind::Type(typed) },
                naming,
                pointer,
            );
        }
        if !any.one_of.is_empty() || !any.any_of.is_empty() || !any.all_of.is_empty() {
            self.warnings.push(pointer, "composition keywords beside other keywords are kept as `serde_json::Value`; move them into an `allOf` to type them");
            return Ok(Shape::of(TypeRef::Json));
        }
        if let Some(other) = any.typ.as_deref() {
            self.warnings.push(
                format!("{pointer}/type"),
                format!("`type: {other}` with keywords of another type is kept as `serde_json::Value`"),
            );
        }
        Ok(Shape::of(TypeRef::Json))
    }

    /// `allOf`: members that only add documentation or `nullable` decorate the rest; one
    /// member left is that member, objects merge into one struct, and anything else
    /// (an object and a union, two different scalars) is kept as JSON with a warning.
    fn all_of(
        &mut self,
        members: &[ReferenceOr<Schema>],
        naming: Naming<'_>,
        pointer: &str,
        outer: &Schema,
    ) -> Result<Shape, Error> {
        let mut typed: Vec<(ReferenceOr<Schema>, String)> = Vec::new();
        let mut decoration = Docs::default();
        let mut nullable = false;
        for (i, member) in members.iter().enumerate() {
            match member {
                ReferenceOr::Item(schema) if is_decoration(schema) => {
                    nullable |= schema.schema_data.nullable;
                    decoration = merge_docs(decoration, docs(schema));
                }
                _ => typed.push((member.clone(), format!("{pointer}/allOf/{i}"))),
            }
        }
        // `type: object` beside other members only restates what they are.
        if typed.len() > 1 {
            typed.retain(|(member, _)| !matches!(member, ReferenceOr::Item(schema) if is_bare_object(schema)));
        }
        let mut shape = match typed.as_slice() {
            [] => Shape::of(TypeRef::Json),
            [(only, at)] => self.schema(only, naming, at)?,
            _ if typed.iter().all(|(member, at)| self.object_like(member, at, 0)) => {
                self.object(&typed, naming, pointer, outer)?
            }
            _ => {
                self.warnings.push(pointer, "an `allOf` of members that are not all objects (an object and a union, or different scalars) is kept as `serde_json::Value`; make every member an object, or move the union into one member's property, to type it");
                Shape::of(TypeRef::Json)
            }
        };
        shape.nullable |= nullable;
        shape.docs = merge_docs(decoration, shape.docs);
        Ok(shape)
    }

    /// Whether a schema (through references and nested `allOf`s) is an object with
    /// properties to merge.
    fn object_like(&self, schema: &ReferenceOr<Schema>, at: &str, depth: usize) -> bool {
        let Some((schema, at)) = self.resolve(schema, at) else { return false };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(_)) => true,
            SchemaKind::Any(any) => !any.properties.is_empty() || any.typ.as_deref() == Some("object"),
            SchemaKind::AllOf { all_of } => {
                depth < MAX_NESTED_DEFINITIONS
                    && all_of.iter().enumerate().all(|(i, m)| {
                        matches!(m, ReferenceOr::Item(s) if is_decoration(s))
                            || self.object_like(m, &format!("{at}/allOf/{i}"), depth + 1)
                    })
            }
            _ => false,
        }
    }

    /// An object, or the merge of `allOf` members, becomes a struct.
    fn object(
        &mut self,
        members: &[(ReferenceOr<Schema>, String)],
        naming: Naming<'_>,
        pointer: &str,
        outer: &Schema,
    ) -> Result<Shape, Error> {
        let mut parts = ObjectParts::default();
        let mut seen = BTreeSet::new();
        for (member, at) in members {
            self.collect_object(member, at, &mut parts, &mut seen)?;
        }
        let context = self.context_of(&naming);
        if parts.properties.is_empty() {
            return Ok(match parts.additional {
                // additionalProperties alone: a map.
                Some((schema, at)) => {
                    let value = self.shape_boxed(&schema, &context.child("Value", None), &at)?;
                    Shape::of(TypeRef::Map(Box::new(value.ty())))
                }
                None => Shape::of(TypeRef::Json),
            });
        }
        // The slot exists before the fields are typed, so a field can refer back to it.
        let id = self.define(&naming, outer, pointer, TypeKind::Struct(Struct::default()));
        self.in_progress.insert(id);
        let mut fields = Vec::with_capacity(parts.properties.len());
        let mut rust_names = BTreeSet::new();
        for (prop, schema, at) in &parts.properties {
            let shape = self.shape_boxed(schema, &context.child(&naming::type_name(prop), Some(prop)), at)?;
            // `+1` and `-1`, `fooBar` and `foo_bar`: later ones get a number, in document order.
            let rust_name = naming::unique(naming::field_name(prop), &mut rust_names);
            if shape.ty.is_none() && !shape.nullable {
                return Err(Error::unsupported(at, "a property that can never hold a value"));
            }
            fields.push(Field {
                api_name: prop.clone(),
                rust_name,
                ty: shape.ty(),
                presence: Presence::new(parts.required.contains(prop), shape.nullable),
                boxed: false,
                access: shape.access,
                docs: shape.docs,
                constraints: shape.constraints,
                default: shape.default,
            });
        }
        let additional = match parts.additional {
            Some((schema, at)) => Some(self.shape_boxed(&schema, &context.child("Value", None), &at)?.ty()),
            None => None,
        };
        self.in_progress.remove(&id);
        self.fill(id, docs(outer), TypeKind::Struct(Struct { fields, additional }));
        Ok(Shape::of(TypeRef::Named(id)))
    }

    /// Gathers the properties of an object or of an `allOf` member, following references.
    fn collect_object(
        &mut self,
        member: &ReferenceOr<Schema>,
        at: &str,
        parts: &mut ObjectParts,
        seen: &mut BTreeSet<String>,
    ) -> Result<(), Error> {
        let (schema, at) = match member {
            ReferenceOr::Reference { reference } => {
                let key = component_key(reference, at)?;
                if !seen.insert(key.clone()) {
                    return Ok(());
                }
                let target = format!("#/components/schemas/{}", escape(&key));
                return match self.api.components.as_ref().and_then(|c| c.schemas.get(&key)) {
                    Some(schema) => self.collect_object(schema, &target, parts, seen),
                    None => {
                        Err(Error::new(at, "reference to an undefined schema", "define it under #/components/schemas"))
                    }
                };
            }
            ReferenceOr::Item(schema) => (schema, at),
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => {
                parts.add(&object.properties, &object.required, at);
                match &object.additional_properties {
                    Some(openapiv3::AdditionalProperties::Schema(extra)) => {
                        parts.additional = Some(((**extra).clone().map_box(), format!("{at}/additionalProperties")));
                    }
                    // Extra properties of any type: kept as JSON, never dropped.
                    Some(openapiv3::AdditionalProperties::Any(true)) => {
                        parts.additional = Some((
                            ReferenceOr::Item(Box::new(Schema {
                                schema_data: Default::default(),
                                schema_kind: SchemaKind::Any(Default::default()),
                            })),
                            format!("{at}/additionalProperties"),
                        ));
                    }
                    Some(openapiv3::AdditionalProperties::Any(false)) | None => {}
                }
                Ok(())
            }
            SchemaKind::AllOf { all_of } => {
                for (i, inner) in all_of.iter().enumerate() {
                    if !matches!(inner, ReferenceOr::Item(s) if is_decoration(s)) {
                        self.collect_object(inner, &format!("{at}/allOf/{i}"), parts, seen)?;
                    }
                }
                Ok(())
            }
            SchemaKind::Any(any) if !any.properties.is_empty() || any.typ.as_deref() == Some("object") => {
                parts.add(&any.properties, &any.required, at);
                Ok(())
            }
            _ => Err(Error::unsupported(at, "an `allOf` member that is not an object; only objects can be merged")),
        }
    }

    /// anyOf / oneOf: `null` branches make the result nullable, unions of arrays become
    /// an array of the union of their items, one branch left is that branch, and
    /// anything else is a union type, planned after all types are merged.
    fn union(
        &mut self,
        members: &[ReferenceOr<Schema>],
        keyword: &str,
        naming: Naming<'_>,
        pointer: &str,
        outer: &Schema,
    ) -> Result<Shape, Error> {
        let mut nullable = false;
        let mut branches: Vec<(ReferenceOr<Schema>, String)> = Vec::new();
        for (i, member) in members.iter().enumerate() {
            let at = format!("{pointer}/{keyword}/{i}");
            if self.is_null(member, &at) {
                nullable = true;
            } else {
                branches.push((member.clone(), at));
            }
        }
        if branches.is_empty() {
            return Ok(Shape { nullable: true, ..Shape::default() });
        }
        if let Some(items) = self.array_items(&branches) {
            // A union of lists is one list of the union of their items; an empty-list
            // branch (`maxItems: 0`) adds no item type.
            let item_context = self.context_of(&naming).child("Item", None);
            let item = if items.is_empty() {
                Shape::of(TypeRef::Json)
            } else {
                self.union_of(&items, Naming::Inline(&item_context), pointer, outer, None)?
            };
            let mut shape = Shape::of(TypeRef::Vec(Box::new(item.ty())));
            shape.nullable = nullable;
            if let Naming::Fixed(id) = naming {
                self.fill(id, docs(outer), TypeKind::Alias(shape.ty()));
                shape.ty = Some(TypeRef::Named(id));
            }
            return Ok(shape);
        }
        let discriminator = outer.schema_data.discriminator.clone();
        let mut shape = self.union_of(&branches, naming, pointer, outer, discriminator)?;
        shape.nullable |= nullable;
        Ok(shape)
    }

    fn union_of(
        &mut self,
        branches: &[(ReferenceOr<Schema>, String)],
        naming: Naming<'_>,
        pointer: &str,
        outer: &Schema,
        discriminator: Option<openapiv3::Discriminator>,
    ) -> Result<Shape, Error> {
        if branches.len() == 1 {
            return self.schema(&branches[0].0, naming, &branches[0].1);
        }
        let context = self.context_of(&naming);
        let mut types = Vec::with_capacity(branches.len());
        let mut shapes = Vec::with_capacity(branches.len());
        for (branch, at) in branches {
            let branch_context = match branch {
                ReferenceOr::Item(schema) => Context {
                    name: format!(
                        "{}{}",
                        context.name,
                        schema
                            .schema_data
                            .title
                            .as_deref()
                            .map(naming::type_name)
                            .unwrap_or_else(|| json_kind_word(schema).to_owned())
                    ),
                    property: None,
                    preferred: schema.schema_data.title.as_deref().map(naming::type_name),
                },
                ReferenceOr::Reference { .. } => context.clone(),
            };
            let shape = self.shape(branch, &branch_context, at)?;
            types.push(shape.ty());
            shapes.push(shape);
        }
        // Strings told apart by `pattern` (an ISIN or a UUID URN): a newtype that
        // accepts a value of any branch and checks it as the branches say.
        if types.iter().all(|t| *t == TypeRef::String) && shapes.iter().all(|s| s.constraints.pattern.is_some()) {
            return Ok(self.string_forms(shapes, branches, naming, pointer, outer));
        }
        // Other branches of one scalar type are that type: a value of any branch fits it.
        if !matches!(types[0], TypeRef::Named(_)) && types.iter().all(|t| *t == types[0]) {
            let alike = shapes.iter().all(|s| s.constraints == shapes[0].constraints);
            if !alike {
                let fix = if types[0] == TypeRef::String {
                    "; give every branch a `pattern` to keep each branch's checks"
                } else {
                    ""
                };
                self.warnings.push(pointer, format!("the branches of this union are all `{}`, told apart only by `pattern`, `format` or length, which the client does not check: typed as that one type{fix}", format!("{:?}", JsonKind::of(&types[0])).to_lowercase()));
            }
            let nullable = shapes.iter().any(|s| s.nullable);
            // Branches alike in every constraint keep them.
            let constraints = if alike { shapes[0].constraints.clone() } else { Constraints::default() };
            return Ok(Shape { ty: Some(types[0].clone()), nullable, constraints, ..Shape::default() });
        }
        let tags = match &discriminator {
            Some(d) => match self.tag_values(d, branches, pointer) {
                Ok(values) => Some((d.property_name.clone(), values)),
                Err(err) => {
                    self.warnings.push(err.location, format!("{}: the `discriminator` is not used, the branches are told apart by their properties and values", err.message));
                    None
                }
            },
            None => None,
        };
        let variants =
            types.into_iter().map(|ty| Variant { name: String::new(), ty, check: Default::default() }).collect();
        let union =
            Union { variants, order: Vec::new(), decode: super::union::Decode::Buffered, tags, fallthrough: false };
        // A union of components is named for what they share (`UserByol`, `UserTol` -> `User`).
        let shared = self.shared_component_name(branches);
        let id = self.define(&naming, outer, pointer, TypeKind::Union(union));
        if let Some(shared) = shared {
            if self.arena[id.0].hint.preferred.is_none() {
                self.arena[id.0].hint.preferred = Some(shared);
            }
        }
        Ok(Shape::of(TypeRef::Named(id)))
    }

    /// A union of strings that each carry a `pattern`: a [`StringForms`] newtype, one
    /// form per distinct branch. A pattern the client cannot run is dropped with a
    /// warning; branches alike in every constraint are one plain, checked string.
    fn string_forms(
        &mut self,
        shapes: Vec<Shape>,
        branches: &[(ReferenceOr<Schema>, String)],
        naming: Naming<'_>,
        pointer: &str,
        outer: &Schema,
    ) -> Shape {
        let nullable = shapes.iter().any(|s| s.nullable);
        let mut forms: Vec<Constraints> = Vec::with_capacity(shapes.len());
        for (shape, (branch, at)) in shapes.into_iter().zip(branches) {
            let mut form = shape.constraints;
            if let Some(pattern) = form.pattern.take_if(|p| regex::Regex::new(p).is_err()) {
                // Where the pattern is written: in the component a `$ref` branch names.
                let at = self.resolve(branch, at).map_or_else(|| at.clone(), |(_, at)| at);
                self.warnings.push(format!("{at}/pattern"), format!("the pattern `{pattern}` is not a regular expression the client can run (look-around and back-references are not supported): this branch's values are not checked against it; rewrite it without them"));
            }
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
        if let [only] = forms.as_slice() {
            return Shape { ty: Some(TypeRef::String), nullable, constraints: only.clone(), ..Shape::default() };
        }
        // A form left with nothing to check takes any string: so does the union.
        if forms.iter().any(|f| f.pattern.is_none() && f.min_length.is_none() && f.max_length.is_none()) {
            return Shape { ty: Some(TypeRef::String), nullable, ..Shape::default() };
        }
        let id = self.define(&naming, outer, pointer, TypeKind::StringForms(StringForms { forms }));
        Shape { ty: Some(TypeRef::Named(id)), nullable, ..Shape::default() }
    }

    fn shared_component_name(&self, branches: &[(ReferenceOr<Schema>, String)]) -> Option<String> {
        let names: Option<Vec<String>> = branches
            .iter()
            .map(|(branch, _)| match branch {
                ReferenceOr::Reference { reference } => {
                    reference.strip_prefix("#/components/schemas/").map(naming::type_name)
                }
                ReferenceOr::Item(_) => None,
            })
            .collect();
        naming::common_name(&names?)
    }

    /// The tag values of each branch: every `mapping` entry that points at it, or the
    /// component key of a `$ref` branch.
    fn tag_values(
        &self,
        d: &openapiv3::Discriminator,
        branches: &[(ReferenceOr<Schema>, String)],
        pointer: &str,
    ) -> Result<Vec<Vec<String>>, Error> {
        branches
            .iter()
            .map(|(branch, at)| {
                let Some(reference) = branch_reference(branch) else {
                    // An inline branch names its tag by the values its tag property lists.
                    return inline_tag_values(branch, &d.property_name).ok_or_else(|| {
                        Error::new(
                            at,
                            "a discriminated union branch is not a `$ref` and its tag property lists no `enum` value",
                            "move the branch into #/components/schemas and refer to it, or give its tag property an `enum`",
                        )
                    });
                };
                let key = component_key(reference, pointer)?;
                let mapped: Vec<String> = d
                    .mapping
                    .iter()
                    .filter(|(_, target)| *target == reference || **target == key)
                    .map(|(value, _)| value.clone())
                    .collect();
                Ok(if mapped.is_empty() { vec![key] } else { mapped })
            })
            .collect()
    }

    /// For a union whose branches are all arrays (through references and nested
    /// unions), the item schemas of the branches that can hold items.
    fn array_items(&self, branches: &[(ReferenceOr<Schema>, String)]) -> Option<Vec<(ReferenceOr<Schema>, String)>> {
        let mut items = Vec::new();
        for (branch, at) in branches {
            let (schema, at) = self.resolve(branch, at)?;
            match &schema.schema_kind {
                SchemaKind::Type(Type::Array(array)) => {
                    if array.max_items == Some(0) {
                        continue;
                    }
                    let item = array.items.as_ref()?;
                    items.push((unbox(item), format!("{at}/items")));
                }
                SchemaKind::AnyOf { any_of: inner } | SchemaKind::OneOf { one_of: inner } => {
                    let keyword =
                        if matches!(schema.schema_kind, SchemaKind::AnyOf { .. }) { "anyOf" } else { "oneOf" };
                    let nested: Vec<_> =
                        inner.iter().enumerate().map(|(i, m)| (m.clone(), format!("{at}/{keyword}/{i}"))).collect();
                    items.extend(self.array_items(&nested)?);
                }
                _ => return None,
            }
        }
        // Lists of the same item type collapse into one.
        let mut unique: Vec<(ReferenceOr<Schema>, String)> = Vec::new();
        for item in items {
            if !unique.iter().any(|(existing, _)| same_ref(existing, &item.0)) {
                unique.push(item);
            }
        }
        Some(unique)
    }

    fn resolve(&self, schema: &ReferenceOr<Schema>, at: &str) -> Option<(Schema, String)> {
        match schema {
            ReferenceOr::Item(schema) => Some((schema.clone(), at.to_owned())),
            ReferenceOr::Reference { reference } => {
                let key = reference.strip_prefix("#/components/schemas/")?;
                let target = self.api.components.as_ref()?.schemas.get(key)?;
                self.resolve(target, &format!("#/components/schemas/{}", escape(key)))
            }
        }
    }

    /// `type: 'null'`, `enum: [null]` and references to either.
    fn is_null(&self, schema: &ReferenceOr<Schema>, at: &str) -> bool {
        let Some((schema, _)) = self.resolve(schema, at) else { return false };
        match &schema.schema_kind {
            SchemaKind::Any(any) => is_null_only(&any.enumeration),
            SchemaKind::Type(Type::String(s)) => !s.enumeration.is_empty() && s.enumeration.iter().all(Option::is_none),
            _ => false,
        }
    }

    fn push(&mut self, hint: NameHint, pointer: &str, docs: Docs, kind: TypeKind) -> TypeId {
        let id = TypeId(self.arena.len());
        self.arena.push(TypeDef {
            id,
            name: String::new(),
            pointer: pointer.to_owned(),
            docs,
            kind,
            hint,
            merged_into: None,
            aliases: Vec::new(),
            traits: Traits::default(),
        });
        id
    }

    /// The type a schema defines: the component's slot, or a new inline type.
    fn define(&mut self, naming: &Naming<'_>, schema: &Schema, pointer: &str, kind: TypeKind) -> TypeId {
        match naming {
            Naming::Fixed(id) => {
                self.fill(*id, docs(schema), kind);
                *id
            }
            Naming::Inline(context) => {
                let hint = NameHint {
                    component: None,
                    preferred: schema
                        .schema_data
                        .title
                        .as_deref()
                        .map(naming::type_name)
                        .or_else(|| context.preferred.clone()),
                    property: context.property.clone(),
                    context: context.name.clone(),
                };
                self.push(hint, pointer, docs(schema), kind)
            }
        }
    }

    fn fill(&mut self, id: TypeId, docs: Docs, kind: TypeKind) {
        let def = &mut self.arena[id.0];
        def.docs = docs;
        def.kind = kind;
    }

    fn context_of(&self, naming: &Naming<'_>) -> Context {
        match naming {
            Naming::Fixed(id) => Context::new(self.arena[id.0].hint.context.clone()),
            Naming::Inline(context) => (*context).clone(),
        }
    }
}

/// Properties gathered from an object and its `allOf` members.
#[derive(Default)]
struct ObjectParts {
    properties: Vec<(String, ReferenceOr<Box<Schema>>, String)>,
    required: BTreeSet<String>,
    additional: Option<(ReferenceOr<Box<Schema>>, String)>,
}

impl ObjectParts {
    /// A later member's property replaces an earlier one of the same name.
    fn add(
        &mut self,
        properties: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
        at: &str,
    ) {
        for (name, prop) in properties {
            self.properties.retain(|(existing, _, _)| existing != name);
            self.properties.push((name.clone(), prop.clone(), format!("{at}/properties/{}", escape(name))));
        }
        self.required.extend(required.iter().cloned());
    }
}

/// The component a union branch stands for: a `$ref`, or an `allOf` of one `$ref` and
/// decorations (a 3.1 `$ref` with siblings, as load rewrites it).
fn branch_reference(branch: &ReferenceOr<Schema>) -> Option<&String> {
    match branch {
        ReferenceOr::Reference { reference } => Some(reference),
        ReferenceOr::Item(schema) => match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => {
                let mut typed = all_of.iter().filter(|m| !matches!(m, ReferenceOr::Item(s) if is_decoration(s)));
                match (typed.next(), typed.next()) {
                    (Some(ReferenceOr::Reference { reference }), None) => Some(reference),
                    _ => None,
                }
            }
            _ => None,
        },
    }
}

/// The string values an inline object lists for its tag property (`type: {enum: [a]}`).
fn inline_tag_values(branch: &ReferenceOr<Schema>, property: &str) -> Option<Vec<String>> {
    let ReferenceOr::Item(schema) = branch else { return None };
    let properties = match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => &object.properties,
        SchemaKind::Any(any) => &any.properties,
        _ => return None,
    };
    let ReferenceOr::Item(tag) = properties.get(property)? else { return None };
    let values: Vec<String> = match &tag.schema_kind {
        SchemaKind::Type(Type::String(s)) => s.enumeration.iter().flatten().cloned().collect(),
        SchemaKind::Any(any) => any.enumeration.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    };
    (!values.is_empty()).then_some(values)
}

/// A schema that adds only documentation, `nullable`, a default or an example: in an
/// `allOf` it decorates the other members instead of being one.
fn is_decoration(schema: &Schema) -> bool {
    matches!(&schema.schema_kind, SchemaKind::Any(any) if *any == openapiv3::AnySchema::default())
}

/// `type: object` and nothing else.
fn is_bare_object(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            object.properties.is_empty() && object.additional_properties.is_none()
        }
        SchemaKind::Any(any) => {
            any.typ.as_deref() == Some("object") && any.properties.is_empty() && any.additional_properties.is_none()
        }
        _ => false,
    }
}

/// A primitive component (a constrained string, a number) is used inline so its
/// constraints are checked where it is used; its alias is still emitted.
fn transparent(schema: &ReferenceOr<Schema>) -> Option<Shape> {
    let ReferenceOr::Item(schema) = schema else { return None };
    let primitive = match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => s.enumeration.is_empty(),
        SchemaKind::Type(Type::Integer(i)) => i.enumeration.is_empty(),
        SchemaKind::Type(Type::Number(_)) | SchemaKind::Type(Type::Boolean(_)) => true,
        _ => false,
    };
    if !primitive {
        return None;
    }
    let mut shape = primitive_shape(schema)?;
    shape.docs = docs(schema);
    Some(shape)
}

/// The word an untitled inline union branch is named by until the names pass knows better.
fn json_kind_word(schema: &Schema) -> &'static str {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => "Known",
        SchemaKind::Type(Type::String(_)) => "String",
        SchemaKind::Type(Type::Number(_)) => "Number",
        SchemaKind::Type(Type::Integer(_)) => "Integer",
        SchemaKind::Type(Type::Boolean(_)) => "Boolean",
        SchemaKind::Type(Type::Array(_)) => "List",
        _ => "Object",
    }
}

fn naming_ref<'n>(naming: &Naming<'n>) -> Naming<'n> {
    match naming {
        Naming::Fixed(id) => Naming::Fixed(*id),
        Naming::Inline(context) => Naming::Inline(context),
    }
}

fn same_ref(a: &ReferenceOr<Schema>, b: &ReferenceOr<Schema>) -> bool {
    matches!((a, b), (ReferenceOr::Reference { reference: x }, ReferenceOr::Reference { reference: y }) if x == y)
}

fn is_null_only(values: &[Value]) -> bool {
    !values.is_empty() && values.iter().all(Value::is_null)
}

pub fn unbox(schema: &ReferenceOr<Box<Schema>>) -> ReferenceOr<Schema> {
    match schema {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference { reference: reference.clone() },
        ReferenceOr::Item(schema) => ReferenceOr::Item((**schema).clone()),
    }
}

trait MapBox {
    fn map_box(self) -> ReferenceOr<Box<Schema>>;
}

impl MapBox for ReferenceOr<Schema> {
    fn map_box(self) -> ReferenceOr<Box<Schema>> {
        match self {
            ReferenceOr::Reference { reference } => ReferenceOr::Reference { reference },
            ReferenceOr::Item(schema) => ReferenceOr::Item(Box::new(schema)),
        }
    }
}

fn component_key(reference: &str, pointer: &str) -> Result<String, Error> {
    reference.strip_prefix("#/components/schemas/").map(|key| key.replace("~1", "/").replace("~0", "~")).ok_or_else(
        || Error::unsupported(pointer, format!("a schema reference to `{reference}` outside #/components/schemas")),
    )
}

fn docs(schema: &Schema) -> Docs {
    Docs {
        title: schema.schema_data.title.clone(),
        description: schema.schema_data.description.clone(),
        deprecated: schema.schema_data.deprecated,
    }
}

/// Docs of the place a schema is used win over the docs of what it refers to.
fn merge_docs(outer: Docs, inner: Docs) -> Docs {
    Docs {
        title: outer.title.or(inner.title),
        description: outer.description.or(inner.description),
        deprecated: outer.deprecated || inner.deprecated,
    }
}

/// A binary string (or a list of them) as a file part of a multipart body.
fn as_file(ty: &TypeRef, c: &Constraints) -> TypeRef {
    match ty {
        TypeRef::String if c.binary => TypeRef::File,
        TypeRef::Vec(item) if **item == TypeRef::String && c.items.as_ref().is_some_and(|i| i.binary) => {
            TypeRef::Vec(Box::new(TypeRef::File))
        }
        TypeRef::Option(inner) => TypeRef::Option(Box::new(as_file(inner, c))),
        other => other.clone(),
    }
}

/// Strings (with formats), numbers, integers and booleans.
fn primitive_shape(schema: &Schema) -> Option<Shape> {
    let mut constraints = Constraints::default();
    let ty = match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            constraints.min_length = s.min_length;
            constraints.max_length = s.max_length;
            constraints.pattern = s.pattern.clone();
            match &s.format {
                VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Date) => TypeRef::Date,
                VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::DateTime) => TypeRef::DateTime,
                VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Binary) => {
                    constraints.binary = true;
                    TypeRef::String
                }
                VariantOrUnknownOrEmpty::Unknown(format) if format == "uuid" => TypeRef::Uuid,
                VariantOrUnknownOrEmpty::Unknown(format) => {
                    constraints.format = Some(format.clone());
                    TypeRef::String
                }
                _ => TypeRef::String,
            }
        }
        SchemaKind::Type(Type::Integer(i)) => {
            // An exclusive bound on an integer is the next integer in.
            let inward = |bound: Option<i64>, exclusive: bool, step: i64| match bound {
                Some(b) if exclusive => b.checked_add(step).map(Bound::Int),
                other => other.map(Bound::Int),
            };
            constraints.minimum = inward(i.minimum, i.exclusive_minimum, 1);
            constraints.maximum = inward(i.maximum, i.exclusive_maximum, -1);
            match &i.format {
                VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => TypeRef::I32,
                _ => TypeRef::I64,
            }
        }
        SchemaKind::Type(Type::Number(n)) => {
            let bound = |bound: Option<f64>, exclusive: bool| {
                bound.map(|b| if exclusive { Bound::FloatExclusive(b) } else { Bound::Float(b) })
            };
            constraints.minimum = bound(n.minimum, n.exclusive_minimum);
            constraints.maximum = bound(n.maximum, n.exclusive_maximum);
            TypeRef::F64
        }
        SchemaKind::Type(Type::Boolean(_)) => TypeRef::Bool,
        _ => return None,
    };
    Some(Shape { ty: Some(ty), constraints, ..Shape::default() })
}

/// A string enum. A default that is not among the values (the empty string that
/// salutation and title default to) becomes a value too, so `Default` can return it.
/// Variant names are given by the names pass, which knows the enum's own name.
fn string_enum(schema: &Schema, values: &[Option<String>], pointer: &str, warnings: &mut Warnings) -> StringEnum {
    let mut wires: Vec<String> = values.iter().flatten().cloned().collect();
    let default = match &schema.schema_data.default {
        Some(Value::String(default)) => {
            if !wires.contains(default) {
                wires.insert(0, default.clone());
            }
            wires.iter().position(|w| w == default)
        }
        Some(Value::Null) | None => None,
        Some(other) => {
            warnings.push(
                format!("{pointer}/default"),
                format!("the default {other} of a string enum is not one of its strings: the type has no default"),
            );
            None
        }
    };
    let mut variants: Vec<EnumVariant> = Vec::with_capacity(wires.len());
    for wire in wires {
        if variants.iter().any(|v| v.wire == wire) {
            continue;
        }
        let description = wire.is_empty().then(|| "The empty string: not specified.".to_owned());
        variants.push(EnumVariant { rust_name: String::new(), long_name: None, wire, description });
    }
    StringEnum { variants, default, unknown: String::new() }
}
