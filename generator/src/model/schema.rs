//! Schemas to types: every JSON Schema construct is turned into a [`TypeRef`] here,
//! defining named types (structs, enums, unions, aliases) as it goes.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty};
use serde_json::Value;

use super::union::{self, BranchInfo, JsonKind};
use super::{Constraints, Docs, EnumVariant, Field, IntEnum, StringEnum, Struct, TypeDef, TypeKind, TypeRef};
use crate::load::{escape, Document};
use crate::naming;
use crate::Error;

/// How many component definitions may be under way at once before further ones are
/// deferred to the loop over all components: bounds the recursion of reference chains
/// (a test runs a 2,000-link chain on a 1 MiB stack).
const MAX_NESTED_DEFINITIONS: usize = 8;

/// What a schema means where it is used.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    pub ty: Option<TypeRef>,
    pub nullable: bool,
    pub constraints: Constraints,
    pub docs: Docs,
    pub default: Option<Value>,
    pub read_only: bool,
    pub write_only: bool,
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

/// How a schema being turned into a type gets its name.
enum Naming<'n> {
    /// A component: the type takes this name even when it is only an alias.
    Fixed(&'n str),
    /// An inline schema: a name derived from where it is used, only if it needs one.
    Hint(&'n str),
}

pub struct Schemas<'a> {
    pub api: &'a OpenAPI,
    types: BTreeMap<String, TypeDef>,
    /// Component key -> Rust name, fixed before any type is built so references resolve.
    component_names: BTreeMap<String, String>,
    in_progress: BTreeSet<String>,
    /// Branch lists of unions already defined, so the same union is one type.
    unions: BTreeMap<Vec<TypeRef>, String>,
    /// String enums defined where they are used; identical ones are merged later.
    inline_enums: BTreeSet<String>,
}

impl<'a> Schemas<'a> {
    pub fn new(doc: &'a Document) -> Self {
        let component_names = doc
            .api
            .components
            .iter()
            .flat_map(|c| c.schemas.keys())
            .map(|key| (key.clone(), naming::type_name(key)))
            .collect();
        Schemas { api: &doc.api, types: BTreeMap::new(), component_names, in_progress: BTreeSet::new(), unions: BTreeMap::new(), inline_enums: BTreeSet::new() }
    }

    pub fn types(&self) -> &BTreeMap<String, TypeDef> {
        &self.types
    }

    pub fn finish(self) -> (BTreeMap<String, TypeDef>, BTreeSet<String>) {
        (self.types, self.inline_enums)
    }

    /// Defines every component schema, in key order.
    pub fn components(&mut self) -> Result<(), Error> {
        let keys: Vec<String> = self.component_names.keys().cloned().collect();
        for key in keys {
            self.component(&key)?;
        }
        Ok(())
    }

    /// The shape of a reference to a component, defining it on first use.
    fn component(&mut self, key: &str) -> Result<Shape, Error> {
        self.component_at_depth(key, false)
    }

    /// `force` defines the component now however deep the definitions nest: a union
    /// must see its branches to plan how to tell them apart.
    fn component_at_depth(&mut self, key: &str, force: bool) -> Result<Shape, Error> {
        let pointer = format!("#/components/schemas/{}", escape(key));
        let name = self.component_names.get(key).cloned().ok_or_else(|| {
            Error::new(&pointer, "reference to an undefined schema", "define the schema under #/components/schemas")
        })?;
        let schema = self.api.components.as_ref().and_then(|c| c.schemas.get(key)).cloned();
        let Some(schema) = schema else {
            return Err(Error::new(&pointer, "reference to an undefined schema", "define the schema under #/components/schemas"));
        };
        let inline = self.transparent(&schema);
        if self.types.contains_key(&name) || self.in_progress.contains(&name) {
            if let Some(shape) = inline {
                return Ok(shape);
            }
            let mut shape = Shape::of(TypeRef::Named(name.clone()));
            if let ReferenceOr::Item(schema) = &schema {
                shape.docs = docs(schema);
                shape.nullable = schema.schema_data.nullable;
            }
            return Ok(shape);
        }
        if !force && self.in_progress.len() >= MAX_NESTED_DEFINITIONS && matches!(schema, ReferenceOr::Item(_)) {
            // A long chain of references would grow the stack with every link; the
            // loop over all components defines this one later, from the top.
            let mut shape = Shape::of(TypeRef::Named(name.clone()));
            if let ReferenceOr::Item(schema) = &schema {
                shape.docs = docs(schema);
                shape.nullable = schema.schema_data.nullable;
            }
            return Ok(shape);
        }
        self.in_progress.insert(name.clone());
        let shape = self.schema(&schema, Naming::Fixed(&name), &pointer);
        self.in_progress.remove(&name);
        let shape = shape?;
        Ok(inline.unwrap_or(shape))
    }

    /// A primitive component (a constrained string, a number) is used inline so its
    /// constraints are checked where it is used; its alias is still emitted.
    fn transparent(&self, schema: &ReferenceOr<Schema>) -> Option<Shape> {
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

    /// The shape of a schema or reference at `pointer`; `hint` names inline types.
    pub fn shape(&mut self, schema: &ReferenceOr<Schema>, hint: &str, pointer: &str) -> Result<Shape, Error> {
        self.schema(schema, Naming::Hint(hint), pointer)
    }

    pub fn shape_boxed(&mut self, schema: &ReferenceOr<Box<Schema>>, hint: &str, pointer: &str) -> Result<Shape, Error> {
        self.shape(&unbox(schema), hint, pointer)
    }

    fn schema(&mut self, schema: &ReferenceOr<Schema>, naming: Naming<'_>, pointer: &str) -> Result<Shape, Error> {
        match schema {
            ReferenceOr::Reference { reference } => {
                let key = component_key(reference, pointer)?;
                let shape = self.component(&key)?;
                if let Naming::Fixed(name) = naming {
                    // A component that only refers to another one: an alias.
                    self.define(name, pointer, shape.docs.clone(), TypeKind::Alias(shape.ty()));
                    return Ok(Shape::of(TypeRef::Named(name.to_owned())));
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
                    let name = self.name_for(&naming, "");
                    if let Naming::Hint(_) = naming {
                        self.inline_enums.insert(name.clone());
                    }
                    let def = string_enum(schema, &s.enumeration, pointer)?;
                    self.define(&name, pointer, docs(schema), TypeKind::Enum(def));
                    let nullable = s.enumeration.iter().any(Option::is_none);
                    Shape { ty: Some(TypeRef::Named(name)), nullable, ..Shape::default() }
                }
            }
            SchemaKind::Type(Type::Integer(i)) if !i.enumeration.is_empty() => {
                let name = self.name_for(&naming, "");
                let values: Vec<i64> = i.enumeration.iter().flatten().copied().collect();
                let default = schema.schema_data.default.as_ref().and_then(Value::as_i64);
                self.define(&name, pointer, docs(schema), TypeKind::IntEnum(IntEnum { values, default }));
                Shape::of(TypeRef::Named(name))
            }
            SchemaKind::Type(Type::Array(array)) => {
                let Some(items) = &array.items else {
                    return Err(Error::new(pointer, "an array without `items`", "add `items` with the schema of one element"));
                };
                let item_hint = format!("{}Item", self.hint_of(&naming));
                let item = self.shape_boxed(items, &item_hint, &format!("{pointer}/items"))?;
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
            SchemaKind::AllOf { all_of } => {
                let members: Vec<_> = all_of.iter().enumerate().map(|(i, m)| (m.clone(), format!("{pointer}/allOf/{i}"))).collect();
                if members.len() == 1 && matches!(members[0].0, ReferenceOr::Reference { .. }) {
                    // `allOf: [$ref]` only decorates a reference.
                    let mut inner = self.schema(&members[0].0, naming_ref(&naming), &members[0].1)?;
                    inner.docs = merge_docs(docs(schema), inner.docs);
                    inner
                } else {
                    self.object(&members, naming_ref(&naming), pointer, schema)?
                }
            }
            SchemaKind::AnyOf { any_of } => self.union(any_of, "anyOf", naming_ref(&naming), pointer, schema)?,
            SchemaKind::OneOf { one_of } => self.union(one_of, "oneOf", naming_ref(&naming), pointer, schema)?,
            SchemaKind::Not { .. } => return Err(Error::unsupported(format!("{pointer}/not"), "`not` schemas")),
            SchemaKind::Any(any) => self.any(any, naming_ref(&naming), pointer, schema)?,
            SchemaKind::Type(_) => primitive_shape(schema).ok_or_else(|| Error::unsupported(pointer, "this schema type"))?,
        };
        shape.nullable |= schema.schema_data.nullable;
        shape.read_only = schema.schema_data.read_only;
        shape.write_only = schema.schema_data.write_only;
        shape.default = schema.schema_data.default.clone();
        shape.docs = merge_docs(docs(schema), shape.docs);
        if let (Naming::Fixed(name), Some(ty)) = (&naming, &shape.ty) {
            if *ty != TypeRef::Named((*name).to_owned()) {
                // A component that is a primitive, array or map: an alias keeps its name.
                self.define(name, pointer, shape.docs.clone(), TypeKind::Alias(ty.clone()));
            }
        }
        Ok(shape)
    }

    /// Schemas `openapiv3` could not place in a typed kind: `type: 'null'`, a schema
    /// with properties but no `type`, or a free-form value.
    fn any(&mut self, any: &openapiv3::AnySchema, naming: Naming<'_>, pointer: &str, schema: &Schema) -> Result<Shape, Error> {
        if any.typ.as_deref() == Some("null") || is_null_only(&any.enumeration) {
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
            let as_object = Schema { schema_data: schema.schema_data.clone(), schema_kind: SchemaKind::Type(Type::Object(object)) };
            return self.item(&as_object, naming, pointer);
        }
        if !any.one_of.is_empty() || !any.any_of.is_empty() || !any.all_of.is_empty() {
            return Err(Error::unsupported(pointer, "composition keywords mixed with other keywords in one schema; move them into an `allOf`"));
        }
        match any.typ.as_deref() {
            None => Ok(Shape::of(TypeRef::Json)),
            Some(other) => Err(Error::unsupported(format!("{pointer}/type"), format!("`type: {other}` with these keywords"))),
        }
    }

    /// An object, or the merge of `allOf` members, becomes a struct.
    fn object(&mut self, members: &[(ReferenceOr<Schema>, String)], naming: Naming<'_>, pointer: &str, outer: &Schema) -> Result<Shape, Error> {
        let mut properties: Vec<(String, ReferenceOr<Box<Schema>>, String)> = Vec::new();
        let mut required = BTreeSet::new();
        let mut additional = None;
        let mut seen = BTreeSet::new();
        for (member, at) in members {
            self.collect_object(member, at, &mut properties, &mut required, &mut additional, &mut seen)?;
        }
        if properties.is_empty() {
            return Ok(match additional {
                // additionalProperties alone: a map.
                Some((schema, at)) => {
                    let hint = format!("{}Value", self.hint_of(&naming));
                    let value = self.shape_boxed(&schema, &hint, &at)?;
                    Shape::of(TypeRef::Map(Box::new(value.ty())))
                }
                None => Shape::of(TypeRef::Json),
            });
        }
        let name = self.name_for(&naming, "");
        self.in_progress.insert(name.clone());
        let mut fields = Vec::with_capacity(properties.len());
        let mut rust_names = BTreeMap::new();
        for (prop, schema, at) in &properties {
            let hint = format!("{name}{}", naming::type_name(prop));
            let shape = self.shape_boxed(schema, &hint, at)?;
            let rust_name = naming::field_name(prop);
            if let Some(other) = rust_names.insert(rust_name.clone(), prop.clone()) {
                return Err(Error::new(
                    at,
                    format!("properties `{other}` and `{prop}` both become the Rust field `{rust_name}`"),
                    "rename one of the two properties",
                ));
            }
            let is_required = required.contains(prop);
            let ty = shape.ty();
            if shape.ty.is_none() && !shape.nullable {
                return Err(Error::unsupported(at, "a property that can never hold a value"));
            }
            fields.push(Field {
                api_name: prop.clone(),
                rust_name,
                ty,
                required: is_required,
                nullable: shape.nullable,
                tristate: !is_required && shape.nullable,
                boxed: false,
                read_only: shape.read_only,
                write_only: shape.write_only,
                docs: shape.docs,
                constraints: shape.constraints,
                default: shape.default,
            });
        }
        let additional = match additional {
            Some((schema, at)) => Some(self.shape_boxed(&schema, &format!("{name}Value"), &at)?.ty()),
            None => None,
        };
        self.in_progress.remove(&name);
        self.define(&name, pointer, docs(outer), TypeKind::Struct(Struct { fields, additional }));
        Ok(Shape::of(TypeRef::Named(name)))
    }

    /// Gathers the properties of an object or of an `allOf` member, following references.
    fn collect_object(
        &mut self,
        member: &ReferenceOr<Schema>,
        at: &str,
        properties: &mut Vec<(String, ReferenceOr<Box<Schema>>, String)>,
        required: &mut BTreeSet<String>,
        additional: &mut Option<(ReferenceOr<Box<Schema>>, String)>,
        seen: &mut BTreeSet<String>,
    ) -> Result<(), Error> {
        let (schema, at) = match member {
            ReferenceOr::Reference { reference } => {
                let key = component_key(reference, at)?;
                if !seen.insert(key.clone()) {
                    return Ok(());
                }
                let schema = self.api.components.as_ref().and_then(|c| c.schemas.get(&key)).cloned();
                let target = format!("#/components/schemas/{}", escape(&key));
                match schema {
                    Some(schema) => return self.collect_object(&schema, &target, properties, required, additional, seen),
                    None => return Err(Error::new(at, "reference to an undefined schema", "define it under #/components/schemas")),
                }
            }
            ReferenceOr::Item(schema) => (schema, at),
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => {
                for (name, prop) in &object.properties {
                    let prop_at = format!("{at}/properties/{}", escape(name));
                    properties.retain(|(existing, _, _)| existing != name);
                    properties.push((name.clone(), prop.clone(), prop_at));
                }
                required.extend(object.required.iter().cloned());
                if let Some(openapiv3::AdditionalProperties::Schema(extra)) = &object.additional_properties {
                    *additional = Some(((**extra).clone().map_box(), format!("{at}/additionalProperties")));
                }
                Ok(())
            }
            SchemaKind::AllOf { all_of } => {
                for (i, inner) in all_of.iter().enumerate() {
                    self.collect_object(inner, &format!("{at}/allOf/{i}"), properties, required, additional, seen)?;
                }
                Ok(())
            }
            SchemaKind::Any(any) if !any.properties.is_empty() || any.typ.as_deref() == Some("object") => {
                for (name, prop) in &any.properties {
                    let prop_at = format!("{at}/properties/{}", escape(name));
                    properties.retain(|(existing, _, _)| existing != name);
                    properties.push((name.clone(), prop.clone(), prop_at));
                }
                required.extend(any.required.iter().cloned());
                Ok(())
            }
            _ => Err(Error::unsupported(at, "an `allOf` member that is not an object; only objects can be merged")),
        }
    }

    /// anyOf / oneOf: `null` branches make the result nullable, unions of arrays become
    /// an array of the union of their items, one branch left is that branch, and
    /// anything else is a union type with a decode plan.
    fn union(&mut self, members: &[ReferenceOr<Schema>], keyword: &str, naming: Naming<'_>, pointer: &str, outer: &Schema) -> Result<Shape, Error> {
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
            let hint = format!("{}Item", self.hint_of(&naming));
            let item = if items.is_empty() {
                Shape::of(TypeRef::Json)
            } else {
                self.union_of(&items, Naming::Hint(&hint), pointer, outer, None)?
            };
            let mut shape = Shape::of(TypeRef::Vec(Box::new(item.ty())));
            shape.nullable = nullable;
            if let Naming::Fixed(name) = naming {
                self.define(name, pointer, docs(outer), TypeKind::Alias(shape.ty()));
                shape.ty = Some(TypeRef::Named(name.to_owned()));
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
        let hint = self.hint_of(&naming);
        let mut types = Vec::with_capacity(branches.len());
        for (i, (branch, at)) in branches.iter().enumerate() {
            let branch_hint = match branch {
                ReferenceOr::Item(schema) => schema.schema_data.title.as_deref().map(naming::type_name).map(|t| format!("{hint}{t}")),
                ReferenceOr::Reference { .. } => None,
            }
            .unwrap_or_else(|| format!("{hint}Variant{}", i + 1));
            let shape = self.shape(branch, &branch_hint, at)?;
            types.push(shape.ty());
        }
        let names: Vec<String> = types.iter().filter_map(|t| if let TypeRef::Named(n) = t { Some(n.clone()) } else { None }).collect();
        for name in &names {
            if !self.types.contains_key(name) && !self.in_progress.contains(name) {
                let key = self.component_names.iter().find(|(_, rust)| *rust == name).map(|(key, _)| key.clone());
                if let Some(key) = key {
                    self.component_at_depth(&key, true)?;
                }
            }
        }
        // The same branches make the same type: a later component with them becomes an
        // alias, an inline union reuses it. A new inline union is named by what its
        // branches share (`UserByol`, `UserTol` -> `User`), else by its context.
        let name = match (&naming, self.unions.get(&types).cloned()) {
            (Naming::Hint(_), Some(existing)) => return Ok(Shape::of(TypeRef::Named(existing))),
            (Naming::Fixed(fixed), Some(existing)) => return Ok(self.alias_to(fixed, pointer, outer, existing)),
            (Naming::Fixed(fixed), None) => (*fixed).to_owned(),
            (Naming::Hint(hint), None) => match naming::common_name(&names) {
                Some(common) if names.len() == types.len() && !self.is_taken(&common) => common,
                _ => self.fresh(hint),
            },
        };
        let infos: Vec<BranchInfo> = types.iter().map(|t| self.branch_info(t)).collect();
        let tags = match &discriminator {
            Some(d) => Some((d.property_name.clone(), self.tag_values(d, branches, pointer)?)),
            None => None,
        };
        let plan = union::plan(&name, pointer, &types, &names, infos, tags, |n| self.struct_fields(n))?;
        self.unions.entry(types).or_insert_with(|| name.clone());
        self.define(&name, pointer, docs(outer), TypeKind::Union(plan));
        Ok(Shape::of(TypeRef::Named(name)))
    }

    fn alias_to(&mut self, alias: &str, pointer: &str, outer: &Schema, target: String) -> Shape {
        self.define(alias, pointer, docs(outer), TypeKind::Alias(TypeRef::Named(target)));
        Shape::of(TypeRef::Named(alias.to_owned()))
    }

    /// The tag values of each branch: every `mapping` entry that points at it, or the
    /// component key of a `$ref` branch.
    fn tag_values(&self, d: &openapiv3::Discriminator, branches: &[(ReferenceOr<Schema>, String)], pointer: &str) -> Result<Vec<Vec<String>>, Error> {
        branches
            .iter()
            .map(|(branch, at)| {
                let ReferenceOr::Reference { reference } = branch else {
                    return Err(Error::new(at, "a discriminated union branch is not a `$ref`", "move the branch into #/components/schemas and refer to it"));
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

    /// Properties, required set and JSON type of one branch, read from its type.
    fn branch_info(&self, ty: &TypeRef) -> BranchInfo {
        match ty {
            TypeRef::Named(name) => match self.types.get(name).map(|d| &d.kind) {
                Some(TypeKind::Struct(s)) => BranchInfo::object(s, s.additional.is_none()).with_enum_props(|n| match self.types.get(n).map(|d| &d.kind) {
                    Some(TypeKind::Enum(e)) => Some(union::enum_values(e)),
                    _ => None,
                }),
                Some(TypeKind::Enum(e)) => BranchInfo::string_enum(e.variants.iter().map(|v| v.wire.clone()).collect()),
                Some(TypeKind::IntEnum(_)) => BranchInfo::kind(JsonKind::Integer),
                Some(TypeKind::Union(u)) => {
                    let infos: Vec<BranchInfo> = u.variants.iter().map(|v| self.branch_info(&v.ty)).collect();
                    BranchInfo::merged(&infos)
                }
                Some(TypeKind::Alias(inner)) => self.branch_info(inner),
                // Still being defined (a recursive union): only its JSON type is known.
                None => BranchInfo::kind(JsonKind::Any),
            },
            other => BranchInfo::kind(JsonKind::of(other)),
        }
    }

    fn struct_fields(&self, name: &str) -> Option<&[Field]> {
        match self.types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Struct(s)) => Some(&s.fields),
            _ => None,
        }
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
                    let keyword = if matches!(schema.schema_kind, SchemaKind::AnyOf { .. }) { "anyOf" } else { "oneOf" };
                    let nested: Vec<_> = inner.iter().enumerate().map(|(i, m)| (m.clone(), format!("{at}/{keyword}/{i}"))).collect();
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
            SchemaKind::Any(any) => any.typ.as_deref() == Some("null") || is_null_only(&any.enumeration),
            SchemaKind::Type(Type::String(s)) => !s.enumeration.is_empty() && s.enumeration.iter().all(Option::is_none),
            _ => false,
        }
    }

    fn define(&mut self, name: &str, pointer: &str, docs: Docs, kind: TypeKind) {
        self.types.insert(name.to_owned(), TypeDef { name: name.to_owned(), pointer: pointer.to_owned(), docs, kind, validate: false });
    }

    fn is_taken(&self, name: &str) -> bool {
        self.types.contains_key(name) || self.in_progress.contains(name) || self.component_names.values().any(|n| n == name)
    }

    /// The hint itself if free, else the hint with the first free number.
    fn fresh(&self, hint: &str) -> String {
        if !self.is_taken(hint) {
            return hint.to_owned();
        }
        (2..).map(|n| format!("{hint}{n}")).find(|candidate| !self.is_taken(candidate)).unwrap_or_default()
    }

    fn name_for(&self, naming: &Naming<'_>, suffix: &str) -> String {
        match naming {
            Naming::Fixed(name) => format!("{name}{suffix}"),
            Naming::Hint(hint) => self.fresh(&format!("{hint}{suffix}")),
        }
    }

    fn hint_of(&self, naming: &Naming<'_>) -> String {
        match naming {
            Naming::Fixed(name) | Naming::Hint(name) => (*name).to_owned(),
        }
    }
}

fn naming_ref<'n>(naming: &Naming<'n>) -> Naming<'n> {
    match naming {
        Naming::Fixed(name) => Naming::Fixed(name),
        Naming::Hint(hint) => Naming::Hint(hint),
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
    reference
        .strip_prefix("#/components/schemas/")
        .map(|key| key.replace("~1", "/").replace("~0", "~"))
        .ok_or_else(|| Error::unsupported(pointer, format!("a schema reference to `{reference}` outside #/components/schemas")))
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
                VariantOrUnknownOrEmpty::Unknown(format) if format == "uuid" => TypeRef::Uuid,
                VariantOrUnknownOrEmpty::Unknown(format) => {
                    constraints.format = Some(format.clone());
                    TypeRef::String
                }
                _ => TypeRef::String,
            }
        }
        SchemaKind::Type(Type::Integer(i)) => {
            constraints.minimum = i.minimum.map(|v| v as f64);
            constraints.maximum = i.maximum.map(|v| v as f64);
            match &i.format {
                VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => TypeRef::I32,
                _ => TypeRef::I64,
            }
        }
        SchemaKind::Type(Type::Number(n)) => {
            constraints.minimum = n.minimum;
            constraints.maximum = n.maximum;
            TypeRef::F64
        }
        SchemaKind::Type(Type::Boolean(_)) => TypeRef::Bool,
        _ => return None,
    };
    Some(Shape { ty: Some(ty), constraints, ..Shape::default() })
}

/// A string enum. A default that is not among the values (the empty string that
/// salutation and title default to) becomes a value too, so `Default` can return it.
fn string_enum(schema: &Schema, values: &[Option<String>], pointer: &str) -> Result<StringEnum, Error> {
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
            return Err(Error::new(
                format!("{pointer}/default"),
                format!("the default {other} of a string enum is not a string"),
                "quote the default or remove it",
            ))
        }
    };
    let mut variants: Vec<EnumVariant> = Vec::with_capacity(wires.len());
    for wire in wires {
        if variants.iter().any(|v| v.wire == wire) {
            continue;
        }
        let base = naming::variant_name(&wire);
        let mut rust_name = base.clone();
        let mut n = 2;
        while variants.iter().any(|v| v.rust_name == rust_name) {
            rust_name = format!("{base}{n}");
            n += 1;
        }
        let description = wire.is_empty().then(|| "The empty string: not specified.".to_owned());
        variants.push(EnumVariant { rust_name, wire, description });
    }
    let unknown = ["Unknown", "UnknownValue", "OtherValue"]
        .into_iter()
        .find(|candidate| variants.iter().all(|v| v.rust_name != *candidate))
        .unwrap_or("UnrecognizedValue")
        .to_owned();
    Ok(StringEnum { variants, default, unknown })
}
