//! Unions: an untagged enum that serializes the chosen branch as it is, and a
//! decoder that follows the plan made in `model::union`.

use proc_macro2::TokenStream;
use quote::quote;

use super::object::{decoder, DecodedField};
use super::rust::{doc_attrs, ident, type_tokens};
use crate::model::{Check, Decode, JsonKind, Model, Presence, Slot, TypeDef, TypeRef, Union};

pub fn union_def(model: &Model, def: &TypeDef, u: &Union, schema_doc: &str) -> TokenStream {
    let name = ident(&def.name);
    let extra = vec![
        schema_doc.to_owned(),
        "Decoding picks the variant that keeps every field of the payload; among several, the one with the fewest properties.".to_owned(),
    ];
    let docs = doc_attrs(&def.docs, &extra);
    let variants = u.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let ty = type_tokens(model, &v.ty);
        let doc = format!(" A [`{}`].", type_display(model, &v.ty));
        quote! { #[doc = #doc] #variant(#ty), }
    });
    let unknown = u.keeps_unknown().then(|| {
        quote! {
            /// A variant this version of the client does not know, kept as sent.
            Unknown(crate::runtime::UnknownVariant),
        }
    });
    let froms = from_impls(model, &name, u);
    let validate = def.traits.validate.then(|| validate(model, &name, u));
    // Variants hold the branch structs by value so matching and building stay plain;
    // the size difference clippy would flag is the price of that.
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
        #[serde(untagged)]
        #[allow(clippy::large_enum_variant)]
        #[non_exhaustive]
        pub enum #name { #(#variants)* #unknown }
        #froms
        #validate
    }
}

/// The union's `Deserialize`, following the plan made in `model::union`.
pub fn deserialize_impl(model: &Model, def: &TypeDef, u: &Union) -> TokenStream {
    let name = ident(&def.name);
    let deserialize = match &u.decode {
        Decode::Superset { slots } => superset(model, &def.name, u, slots),
        Decode::Buffered => buffered(&def.name, u),
    };
    quote! {
        impl<'de> ::serde::Deserialize<'de> for crate::types::#name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                #deserialize
            }
        }
    }
}

fn type_display(model: &Model, ty: &TypeRef) -> String {
    type_tokens(model, ty).to_string().replace(' ', "")
}

/// `From<Branch>` for every branch type that appears once, so callers can pass a branch where the union is expected.
fn from_impls(model: &Model, name: &proc_macro2::Ident, u: &Union) -> TokenStream {
    // Two aliases of one type would make two impls of one trait: compare what they mean.
    let once = |v: &&crate::model::Variant| {
        u.variants.iter().filter(|w| model.resolve(&w.ty) == model.resolve(&v.ty)).count() == 1
    };
    let impls = u.variants.iter().filter(once).map(|v| {
        let variant = ident(&v.name);
        let ty = type_tokens(model, &v.ty);
        quote! {
            impl ::std::convert::From<#ty> for #name {
                fn from(value: #ty) -> Self { Self::#variant(value) }
            }
        }
    });
    quote!(#(#impls)*)
}

fn no_match(name: &str, u: &Union) -> TokenStream {
    let names: Vec<&str> = u.variants.iter().map(|v| v.name.as_str()).collect();
    let message =
        format!("the payload matches no variant of union `{name}` ({}) without losing a field", names.join(", "));
    quote!(::std::result::Result::Err(<D::Error as ::serde::de::Error>::custom(#message)))
}

/// One pass into a struct of every property, then a move into the chosen branch.
fn superset(model: &Model, name: &str, u: &Union, slots: &[Slot]) -> TokenStream {
    let slot_fields = slots.iter().map(|slot| {
        let field = ident(&slot.rust_name);
        let ty = slot.ty.as_ref().map(|t| type_tokens(model, t)).unwrap_or_else(|| quote!(::serde_json::Value));
        // A `Slot` decodes itself: no `deserialize_with` wrapper type per field.
        quote!(#field: crate::runtime::union::Slot<#ty>,)
    });
    let decoded: Vec<DecodedField> = slots
        .iter()
        .map(|slot| DecodedField { rust_name: &slot.rust_name, api_name: &slot.api_name, required: false })
        .collect();
    let decoder = decoder(&quote!(Slots), &format!("a JSON object (union `{name}`)"), &decoded, false);
    let slot_of = |prop: &str| slots.iter().find(|s| s.api_name == prop).map(|s| ident(&s.rust_name));
    let has = |prop: &str| {
        let slot = slot_of(prop);
        quote!(slots.#slot.0.is_some())
    };
    let lacks = |prop: &str| {
        let slot = slot_of(prop);
        quote!(slots.#slot.0.is_none())
    };
    let branches = u.order.iter().map(|&i| {
        let v = &u.variants[i];
        let condition = condition(&v.check, &has, &lacks, |prop| {
            let slot = slot_of(prop);
            quote!(crate::runtime::union::slot_str(&slots.#slot.0))
        });
        let variant = ident(&v.name);
        let fields = model.struct_of(&v.ty).map(|s| s.fields.as_slice()).unwrap_or_default().iter().map(|f| {
            let field = ident(&f.rust_name);
            let slot = slots.iter().find(|s| s.api_name == f.api_name);
            let slot_ident = slot.map(|s| ident(&s.rust_name));
            let raw = match slot.and_then(|s| s.ty.as_ref()) {
                Some(_) => quote!(slots.#slot_ident.0),
                None => quote!(crate::runtime::union::convert(slots.#slot_ident.0)?),
            };
            let api = &f.api_name;
            let value = match f.presence {
                Presence::Required => quote!(crate::runtime::union::required(#raw, #api)?),
                Presence::RequiredNullable => quote!(crate::runtime::union::required_nullable(#raw, #api)?),
                Presence::Optional => quote!(crate::runtime::union::optional(#raw)),
                Presence::OptionalNullable => quote!(crate::runtime::union::tristate(#raw)),
            };
            quote!(#field: #value,)
        });
        let ty = type_tokens(model, &v.ty);
        let build = quote!(::std::result::Result::Ok(Self::#variant(#ty { #(#fields)* })));
        (condition, build)
    });
    let body = chain(branches, no_match(name, u));
    quote! {
        struct Slots { #(#slot_fields)* }
        #decoder
        let slots: Slots = crate::runtime::object::decode(deserializer)?;
        #body
    }
}

/// Buffer into `serde_json::Value`, pick by the plan, convert.
fn buffered(name: &str, u: &Union) -> TokenStream {
    let has = |prop: &str| quote!(crate::runtime::union::has(&value, #prop));
    let lacks = |prop: &str| quote!(!crate::runtime::union::has(&value, #prop));
    let branches = u.order.iter().map(|&i| {
        let v = &u.variants[i];
        let condition = condition(&v.check, &has, &lacks, |prop| quote!(crate::runtime::union::str_at(&value, #prop)));
        let condition = match (kind_check(v.check.kind), condition) {
            (Some(kind), Some(rest)) => Some(quote!(#kind && #rest)),
            (kind, rest) => kind.or(rest),
        };
        let variant = ident(&v.name);
        (condition, quote!(crate::runtime::union::from_value(value).map(Self::#variant)), variant)
    });
    let fallback = match &u.tags {
        Some((property, _)) => {
            quote!(::std::result::Result::Ok(Self::Unknown(crate::runtime::union::UnknownVariant::new(value, #property))))
        }
        None => no_match(name, u),
    };
    let body = if u.fallthrough {
        // A branch that claims the payload but cannot hold it passes it on.
        let tries = branches.map(|(condition, _, variant)| {
            let attempt = quote! {
                if let ::std::result::Result::Ok(branch) = ::serde_json::from_value(::std::clone::Clone::clone(&value)) {
                    return ::std::result::Result::Ok(Self::#variant(branch));
                }
            };
            match condition {
                Some(condition) => quote! { if #condition { #attempt } },
                None => attempt,
            }
        });
        quote! { #(#tries)* #fallback }
    } else {
        chain(branches.map(|(condition, build, _)| (condition, build)), fallback)
    };
    quote! {
        let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
        #body
    }
}

/// Tries branches in order; a branch whose check always holds ends the chain.
fn chain(branches: impl Iterator<Item = (Option<TokenStream>, TokenStream)>, fallback: TokenStream) -> TokenStream {
    let mut tried = Vec::new();
    for (condition, build) in branches {
        match condition {
            Some(condition) => tried.push(quote! { if #condition { return #build; } }),
            None => return quote! { #(#tried)* #build },
        }
    }
    quote! { #(#tried)* #fallback }
}

fn kind_check(kind: JsonKind) -> Option<TokenStream> {
    Some(match kind {
        JsonKind::Object => quote!(value.is_object()),
        JsonKind::Array => quote!(value.is_array()),
        JsonKind::String => quote!(value.is_string()),
        JsonKind::Integer => quote!(crate::runtime::union::is_integer(&value)),
        JsonKind::Number => quote!(value.is_number()),
        JsonKind::Bool => quote!(value.is_boolean()),
        JsonKind::Any => return None,
    })
}

/// The boolean expression of a check: required present, foreign absent, enum values match.
/// `None` when the check always holds.
fn condition(
    check: &Check,
    has: &dyn Fn(&str) -> TokenStream,
    lacks: &dyn Fn(&str) -> TokenStream,
    str_of: impl Fn(&str) -> TokenStream,
) -> Option<TokenStream> {
    let mut parts: Vec<TokenStream> = Vec::new();
    parts.extend(check.present.iter().map(|p| has(p)));
    parts.extend(check.absent.iter().map(|p| lacks(p)));
    for (prop, values) in &check.values {
        let actual = match prop {
            Some(prop) => str_of(prop),
            None => quote!(value.as_str()),
        };
        parts.push(quote!(crate::runtime::union::one_of(#actual, &[#(#values),*])));
    }
    for (prop, values) in &check.values_if_present {
        let actual = str_of(prop);
        parts.push(quote!(crate::runtime::union::absent_or_one_of(#actual, &[#(#values),*])));
    }
    if parts.is_empty() {
        None
    } else {
        Some(quote!(#(#parts)&&*))
    }
}

fn validate(model: &Model, name: &proc_macro2::Ident, u: &Union) -> TokenStream {
    let checks: Vec<Option<TokenStream>> = u
        .variants
        .iter()
        .map(|v| super::types::value_checks(model, &v.ty, &Default::default(), "", quote!(value)))
        .collect();
    let prefix = if checks.iter().any(Option::is_some) { quote!(prefix) } else { quote!(_prefix) };
    let arms = u.variants.iter().zip(checks).map(|(v, checks)| {
        let variant = ident(&v.name);
        match checks {
            Some(checks) => quote!(Self::#variant(value) => { #checks }),
            None => quote!(Self::#variant(_) => {}),
        }
    });
    let unknown = u.keeps_unknown().then(|| quote!(Self::Unknown(_) => {}));
    quote! {
        impl crate::runtime::validate::Validate for #name {
            fn validate(&self, #prefix: &str) -> ::std::result::Result<(), crate::runtime::ValidationError> {
                match self { #(#arms)* #unknown }
                ::std::result::Result::Ok(())
            }
        }
    }
}
