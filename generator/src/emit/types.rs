//! `src/types.rs`: structs, enums, string newtypes and aliases, with their client-side
//! validation.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{constraint_doc, constraint_parts, doc_attrs, ident, plain, type_tokens};
use crate::model::{
    Access, Bound, Constraints, Field, IntEnum, Model, Presence, StringEnum, StringForms, Struct, TypeDef, TypeKind,
    TypeRef,
};

pub fn types_file(model: &Model) -> TokenStream {
    let items = model.types().into_iter().map(|def| type_def(model, def));
    let pages = model.pages.iter().map(|page| super::operations::page_impl(model, page));
    quote! {
        //! Every schema of the API as a Rust type.
        // Deprecated items are still validated and built here; callers get the warnings.
        #![allow(deprecated)]
        // How structs and unions decode: wiring, kept apart from the types people read
        // (and formatted on a thread of its own by the generator).
        mod decode;
        #(#items)*
        #(#pages)*
    }
}

fn type_def(model: &Model, def: &TypeDef) -> TokenStream {
    let schema_doc = format!("Schema: `{}`", def.pointer);
    let item = match &def.kind {
        TypeKind::Struct(s) => struct_def(model, def, s, &schema_doc),
        TypeKind::Enum(e) => enum_def(def, e, &schema_doc),
        TypeKind::IntEnum(e) => int_enum_def(def, e, &schema_doc),
        TypeKind::Union(u) => super::union::union_def(model, def, u, &schema_doc),
        TypeKind::StringForms(f) => string_forms_def(def, f, &schema_doc),
        TypeKind::Alias(ty) => {
            let docs = doc_attrs(&def.docs, &[schema_doc]);
            let name = ident(&def.name);
            let ty = type_tokens(model, ty);
            quote! { #docs pub type #name = #ty; }
        }
    };
    let name = ident(&def.name);
    let aliases = def.aliases.iter().map(|alias| {
        let alias = ident(alias);
        let doc = format!(" Another name of [`{}`], kept so code written against it still compiles.", def.name);
        quote! { #[doc = #doc] pub type #alias = #name; }
    });
    quote! { #item #(#aliases)* }
}

/// The Rust type of a field, from its required and nullable flags.
pub fn field_type(model: &Model, field: &Field) -> TokenStream {
    let mut ty = type_tokens(model, &field.ty);
    if field.boxed {
        ty = quote!(::std::boxed::Box<#ty>);
    }
    match field.presence {
        Presence::Required => ty,
        Presence::RequiredNullable | Presence::Optional => quote!(::std::option::Option<#ty>),
        Presence::OptionalNullable => quote!(crate::runtime::Nullable<#ty>),
    }
}

fn struct_def(model: &Model, def: &TypeDef, s: &Struct, schema_doc: &str) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc_attrs(&def.docs, &[schema_doc.to_owned()]);
    let fields = s.fields.iter().map(|f| {
        let field_name = ident(&f.rust_name);
        let ty = field_type(model, f);
        let mut extra = Vec::new();
        if let Some(c) = constraint_doc(&f.constraints) {
            extra.push(c);
        }
        if let Some(default) = &f.default {
            extra.push(format!("Default: `{default}`."));
        }
        match f.access {
            Access::ReadOnly => extra.push("Read-only: sent by the server, ignored in requests.".to_owned()),
            Access::WriteOnly => extra.push("Write-only: sent in requests, never returned.".to_owned()),
            Access::ReadWrite => {}
        }
        let docs = doc_attrs(&f.docs, &extra);
        let rename = (plain(&f.rust_name) != f.api_name).then(|| {
            let api = &f.api_name;
            quote!(#[serde(rename = #api)])
        });
        let skip = match f.presence {
            Presence::Optional => quote!(#[serde(skip_serializing_if = "::std::option::Option::is_none")]),
            Presence::OptionalNullable => quote!(#[serde(skip_serializing_if = "crate::runtime::Nullable::is_absent")]),
            Presence::RequiredNullable | Presence::Required => quote!(),
        };
        quote! { #docs #rename #skip pub #field_name: #ty, }
    });
    let additional = s.additional.as_ref().map(|ty| {
        let ty = type_tokens(model, ty);
        quote! {
            /// Properties beyond the declared ones.
            #[serde(flatten)]
            pub additional_properties: ::std::collections::BTreeMap<::std::string::String, #ty>,
        }
    });
    let default = def.traits.default.then(|| quote!(Default,));
    let validate = def.traits.validate.then(|| struct_validate(model, &name, s));
    let builder = def.traits.validate.then(|| struct_builder(model, &name, s));
    let multipart = def.traits.multipart.then(|| multipart_impl(&name, s));
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #default ::serde::Serialize)]
        #[non_exhaustive]
        pub struct #name { #(#fields)* #additional }
        #builder
        #validate
        #multipart
    }
}

/// For the object of a `multipart/form-data` body: one part per property (the runtime
/// splits lists and leaves out absent values), files as file parts.
fn multipart_impl(name: &proc_macro2::Ident, s: &Struct) -> TokenStream {
    let parts: Vec<TokenStream> = s
        .fields
        .iter()
        .map(|f| {
            let field = ident(&f.rust_name);
            let api = &f.api_name;
            if holds_files(&f.ty) {
                quote!(form.files(#api, &self.#field)?;)
            } else {
                quote!(form.field(#api, &self.#field)?;)
            }
        })
        .chain(s.additional.as_ref().map(|_| {
            quote! {
                for (name, value) in &self.additional_properties {
                    form.field(name, value)?;
                }
            }
        }))
        .collect();
    let form = if parts.is_empty() { quote!(_form) } else { quote!(form) };
    quote! {
        impl crate::runtime::multipart::Multipart for #name {
            fn write_parts(
                &self,
                #form: &mut crate::runtime::multipart::Form,
            ) -> ::std::result::Result<(), crate::runtime::Error> {
                #(#parts)*
                ::std::result::Result::Ok(())
            }
        }
    }
}

/// A file, or a list of them (the model types only those as files).
fn holds_files(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::File => true,
        TypeRef::Vec(inner) | TypeRef::Option(inner) => holds_files(inner),
        _ => false,
    }
}

/// For request types: `new` takes the required fields, `with_*` sets optional ones.
/// Code written this way keeps compiling when the API adds optional fields.
fn struct_builder(model: &Model, name: &proc_macro2::Ident, s: &Struct) -> TokenStream {
    let required: Vec<&Field> = s.fields.iter().filter(|f| f.presence.required()).collect();
    let args = required.iter().map(|f| {
        let arg = ident(&f.rust_name);
        let ty = field_type(model, f);
        quote!(#arg: impl ::std::convert::Into<#ty>)
    });
    let inits = s.fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        if f.presence.required() {
            quote!(#field: #field.into(),)
        } else {
            quote!(#field: ::std::default::Default::default(),)
        }
    });
    let additional = s.additional.as_ref().map(|_| quote!(additional_properties: ::std::default::Default::default(),));
    let setters = s.fields.iter().filter(|f| !f.presence.required()).map(|f| {
        let field = ident(&f.rust_name);
        let setter = ident(&format!("with_{}", plain(&f.rust_name)));
        let value = if f.boxed { quote!(::std::boxed::Box::new(value.into())) } else { quote!(value.into()) };
        let doc = format!(" Sets `{}`.", f.api_name);
        if f.presence.nullable() {
            let wrapped = if f.boxed { quote!(value.into().map(::std::boxed::Box::new)) } else { quote!(value.into()) };
            let ty = type_tokens(model, &f.ty);
            quote! {
                #[doc = #doc]
                pub fn #setter(mut self, value: impl ::std::convert::Into<crate::runtime::Nullable<#ty>>) -> Self {
                    self.#field = #wrapped;
                    self
                }
            }
        } else {
            let ty = type_tokens(model, &f.ty);
            quote! {
                #[doc = #doc]
                pub fn #setter(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                    self.#field = ::std::option::Option::Some(#value);
                    self
                }
            }
        }
    });
    let too_many = (required.len() > 6).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    quote! {
        impl #name {
            /// A value with the required fields; set optional ones with the `with_*` methods.
            #too_many
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits)* #additional }
            }
            #(#setters)*
        }
    }
}

fn struct_validate(model: &Model, name: &proc_macro2::Ident, s: &Struct) -> TokenStream {
    let checks: Vec<TokenStream> = s
        .fields
        .iter()
        .filter_map(|f| {
            let body = value_checks(model, &f.ty, &f.constraints, &f.api_name, quote!(value))?;
            let field = ident(&f.rust_name);
            Some(match f.presence {
                Presence::Required => quote! { { let value = &self.#field; #body } },
                Presence::RequiredNullable | Presence::Optional => {
                    quote! { if let ::std::option::Option::Some(value) = &self.#field { #body } }
                }
                Presence::OptionalNullable => {
                    quote! { if let ::std::option::Option::Some(value) = self.#field.as_ref() { #body } }
                }
            })
        })
        .collect();
    let prefix = if checks.is_empty() { quote!(_prefix) } else { quote!(prefix) };
    quote! {
        impl crate::runtime::validate::Validate for #name {
            fn validate(&self, #prefix: &str) -> ::std::result::Result<(), crate::runtime::ValidationError> {
                #(#checks)*
                ::std::result::Result::Ok(())
            }
        }
    }
}

/// A bound on an integer, as the nearest integer inside it: a fractional or exclusive
/// bound moves `toward` the inside (+1 for a minimum, -1 for a maximum).
fn integer_bound(bound: Bound, toward: f64) -> i64 {
    match bound {
        Bound::Int(v) => v,
        Bound::Float(v) | Bound::FloatExclusive(v) => {
            let rounded = if toward > 0.0 { v.ceil() } else { v.floor() };
            let on_an_excluded_integer = matches!(bound, Bound::FloatExclusive(_)) && rounded == v;
            (if on_an_excluded_integer { rounded + toward } else { rounded }) as i64
        }
    }
}

/// Checks for one value (`value` is a reference to it); `None` when there is nothing to check.
/// `field` is the name used in error paths, relative to `prefix`.
pub fn value_checks(
    model: &Model,
    ty: &TypeRef,
    c: &Constraints,
    field: &str,
    value: TokenStream,
) -> Option<TokenStream> {
    let opt = |v: Option<usize>| match v {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    };
    let mut checks = Vec::new();
    match ty {
        TypeRef::String => {
            if c.min_length.is_some() || c.max_length.is_some() {
                let (min, max) = (opt(c.min_length), opt(c.max_length));
                checks.push(quote!(crate::runtime::validate::check_length(prefix, #field, #value, #min, #max)?;));
            }
            if let Some(pattern) = c.pattern.as_ref().filter(|p| regex::Regex::new(p).is_ok()) {
                checks.push(quote! {
                    static PATTERN: ::std::sync::OnceLock<::regex::Regex> = ::std::sync::OnceLock::new();
                    crate::runtime::validate::check_pattern(prefix, #field, #value, &PATTERN, #pattern)?;
                });
            }
        }
        TypeRef::I32 | TypeRef::I64 if c.minimum.is_some() || c.maximum.is_some() => {
            let widened = if *ty == TypeRef::I32 { quote!(i64::from(*#value)) } else { quote!(*#value) };
            let bound = |v: Option<Bound>, toward: f64| match v.map(|b| integer_bound(b, toward)) {
                Some(v) => quote!(::std::option::Option::Some(#v)),
                None => quote!(::std::option::Option::None),
            };
            let (min, max) = (bound(c.minimum, 1.0), bound(c.maximum, -1.0));
            checks.push(quote!(crate::runtime::validate::check_range_i64(prefix, #field, #widened, #min, #max)?;));
        }
        TypeRef::F64 if c.minimum.is_some() || c.maximum.is_some() => {
            let bound = |v: Option<Bound>| match v {
                Some(Bound::Float(v)) => {
                    quote!(::std::option::Option::Some(crate::runtime::validate::Limit::Inclusive(#v)))
                }
                Some(Bound::FloatExclusive(v)) => {
                    quote!(::std::option::Option::Some(crate::runtime::validate::Limit::Exclusive(#v)))
                }
                Some(Bound::Int(v)) => {
                    let v = v as f64;
                    quote!(::std::option::Option::Some(crate::runtime::validate::Limit::Inclusive(#v)))
                }
                None => quote!(::std::option::Option::None),
            };
            let (min, max) = (bound(c.minimum), bound(c.maximum));
            checks.push(quote!(crate::runtime::validate::check_range_f64(prefix, #field, *#value, #min, #max)?;));
        }
        TypeRef::Vec(item) => {
            if c.min_items.is_some() || c.max_items.is_some() {
                let (min, max) = (opt(c.min_items), opt(c.max_items));
                checks.push(quote!(crate::runtime::validate::check_items(prefix, #field, #value.len(), #min, #max)?;));
            }
            let item_constraints = c.items.as_deref().cloned().unwrap_or_default();
            if let Some(inner) = value_checks(model, item, &item_constraints, "", quote!(item)) {
                checks.push(quote! {
                    for (index, item) in #value.iter().enumerate() {
                        let prefix = &::std::format!("{}[{}]", crate::runtime::validate::join(prefix, #field), index);
                        #inner
                    }
                });
            }
        }
        TypeRef::Map(item) => {
            if let Some(inner) = value_checks(model, item, &Constraints::default(), "", quote!(item)) {
                checks.push(quote! {
                    for (key, item) in #value.iter() {
                        let prefix = &crate::runtime::validate::join(&crate::runtime::validate::join(prefix, #field), key);
                        #inner
                    }
                });
            }
        }
        TypeRef::Option(inner) => {
            if let Some(inner) = value_checks(model, inner, c, field, quote!(inner)) {
                checks.push(quote! { if let ::std::option::Option::Some(inner) = #value { #inner } });
            }
        }
        TypeRef::Named(id) if matches!(model.def(*id).kind, TypeKind::Alias(_)) => {
            if let Some(inner) = value_checks(model, model.resolve(ty), c, field, value) {
                checks.push(inner);
            }
        }
        TypeRef::Named(id) if model.def(*id).traits.validate => {
            checks.push(quote! {
                crate::runtime::validate::Validate::validate(#value, &crate::runtime::validate::join(prefix, #field))?;
            });
        }
        _ => {}
    }
    (!checks.is_empty()).then(|| quote!(#(#checks)*))
}

fn enum_def(def: &TypeDef, e: &StringEnum, schema_doc: &str) -> TokenStream {
    let name = ident(&def.name);
    let mut extra = vec![schema_doc.to_owned()];
    extra.push("Values this version does not know are kept, not rejected.".to_owned());
    let docs = doc_attrs(&def.docs, &extra);
    let unknown = ident(&e.unknown);
    let variants = e.variants.iter().enumerate().map(|(i, v)| {
        let variant = ident(&v.rust_name);
        let wire_doc =
            format!(" `{:?}`{}", v.wire, v.description.as_deref().map(|d| format!(": {d}")).unwrap_or_default());
        let default = (e.default == Some(i)).then(|| quote!(#[default]));
        quote! { #[doc = #wire_doc] #default #variant, }
    });
    let as_str = e.variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let wire = &v.wire;
        quote!(Self::#variant => #wire,)
    });
    let from = e.variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let wire = &v.wire;
        quote!(#wire => Self::#variant,)
    });
    let default = e.default.map(|_| quote!(Default,));
    let long_names = e.variants.iter().filter_map(|v| {
        let long = ident(v.long_name.as_deref()?);
        let variant = ident(&v.rust_name);
        let doc = format!(" The same as [`Self::{}`]: its name before the enum's own prefix was dropped.", v.rust_name);
        Some(quote! {
            #[doc = #doc]
            #[doc(hidden)]
            #[allow(non_upper_case_globals)]
            pub const #long: Self = Self::#variant;
        })
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, #default)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value this version of the client does not know, kept as sent. Sealed:
            /// read it with `as_str()`; a later version may turn it into a variant.
            #unknown(crate::runtime::enums::UnknownValue),
        }
        impl #name {
            #(#long_names)*
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self { #(#as_str)* Self::#unknown(value) => value.as_str() }
            }
        }
        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value { #(#from)* other => Self::#unknown(crate::runtime::enums::UnknownValue::new(other)) }
            }
        }
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { f.write_str(self.as_str()) }
        }
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                crate::runtime::enums::deserialize(deserializer)
            }
        }
    }
}

/// Integer enums are open newtypes with a constant per known value, so a new
/// server value still decodes.
fn int_enum_def(def: &TypeDef, e: &IntEnum, schema_doc: &str) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc_attrs(
        &def.docs,
        &[schema_doc.to_owned(), "Values this version does not know are kept, not rejected.".to_owned()],
    );
    let consts = e.values.iter().map(|v| {
        let konst = ident(&if *v < 0 { format!("NEG_{}", v.unsigned_abs()) } else { format!("V{v}") });
        let doc = format!(" `{v}`");
        quote! { #[doc = #doc] pub const #konst: Self = Self(#v); }
    });
    let default = e.default.map(|v| {
        quote! {
            impl ::std::default::Default for #name {
                fn default() -> Self { Self(#v) }
            }
        }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        pub struct #name(pub i64);
        impl #name { #(#consts)* }
        #default
    }
}

/// A string of one of several patterned forms: a transparent newtype over `String`.
/// Decoding takes any string, as for every patterned field; a request checks the forms.
fn string_forms_def(def: &TypeDef, f: &StringForms, schema_doc: &str) -> TokenStream {
    let name = ident(&def.name);
    let forms: Vec<String> = f.forms.iter().map(|form| format!("- {}", constraint_parts(form).join(", "))).collect();
    let extra = [
        schema_doc.to_owned(),
        format!(
            "A string of one of these forms, checked before a request is sent (a response is taken as it is):\n\n{}",
            forms.join("\n")
        ),
    ];
    let docs = doc_attrs(&def.docs, &extra);
    let validate = def.traits.validate.then(|| {
        let count = proc_macro2::Literal::usize_unsuffixed(f.forms.len());
        let forms = f.forms.iter().map(|form| {
            let opt = |v: Option<usize>| match v {
                Some(v) => quote!(::std::option::Option::Some(#v)),
                None => quote!(::std::option::Option::None),
            };
            let (min, max) = (opt(form.min_length), opt(form.max_length));
            let pattern = match &form.pattern {
                Some(pattern) => quote!(::std::option::Option::Some(#pattern)),
                None => quote!(::std::option::Option::None),
            };
            quote!(crate::runtime::validate::StringForm::new(#min, #max, #pattern))
        });
        quote! {
            impl crate::runtime::validate::Validate for #name {
                fn validate(&self, prefix: &str) -> ::std::result::Result<(), crate::runtime::ValidationError> {
                    static FORMS: [crate::runtime::validate::StringForm; #count] = [#(#forms),*];
                    crate::runtime::validate::check_forms(prefix, "", &self.0, &FORMS)
                }
            }
        }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        pub struct #name(pub ::std::string::String);
        impl #name {
            /// Wraps a value; it is checked against the forms when a request sends it.
            pub fn new(value: impl ::std::convert::Into<::std::string::String>) -> Self {
                Self(value.into())
            }
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self { Self(value) }
        }
        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self { Self(value.to_owned()) }
        }
        impl ::std::convert::From<#name> for ::std::string::String {
            fn from(value: #name) -> Self { value.0 }
        }
        impl ::std::convert::AsRef<str> for #name {
            fn as_ref(&self) -> &str { &self.0 }
        }
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { f.write_str(&self.0) }
        }
        #validate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_bounds_move_inside_fractional_and_exclusive_limits() {
        assert_eq!(integer_bound(Bound::Int(3), 1.0), 3);
        assert_eq!(integer_bound(Bound::Float(2.5), 1.0), 3);
        assert_eq!(integer_bound(Bound::Float(2.5), -1.0), 2);
        assert_eq!(integer_bound(Bound::Float(-2.5), 1.0), -2);
        assert_eq!(integer_bound(Bound::FloatExclusive(2.0), 1.0), 3);
        assert_eq!(integer_bound(Bound::FloatExclusive(2.0), -1.0), 1);
        assert_eq!(integer_bound(Bound::FloatExclusive(2.5), -1.0), 2);
    }
}
