//! `src/types/decode.rs`: how every struct and union decodes. A struct gets an `impl
//! Deserialize` that hands over to the runtime's `object::decode`, and the one part that
//! differs per struct, the match from property names to fields (`runtime/object.rs` says
//! why this is not serde's derive); a union gets the decoder `emit/union.rs` writes.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::rust::{ident, plain};
use crate::model::{Model, Presence, TypeKind};

pub fn decode_file(model: &Model) -> TokenStream {
    let items = model.types().into_iter().filter_map(|def| {
        let name = ident(&def.name);
        match &def.kind {
            TypeKind::Struct(s) => {
                let fields: Vec<DecodedField> = s
                    .fields
                    .iter()
                    // A required nullable field may also be absent: it decodes as `None`.
                    .map(|f| DecodedField {
                        rust_name: &f.rust_name,
                        api_name: &f.api_name,
                        required: f.presence == Presence::Required,
                    })
                    .collect();
                let expecting = format!("struct {}", def.name);
                Some(decoder(&quote!(crate::types::#name), &expecting, &fields, s.additional.is_some()))
            }
            TypeKind::Union(u) => Some(super::union::deserialize_impl(model, def, u)),
            _ => None,
        }
    });
    quote! {
        //! How the structs and unions of [`crate::types`] decode from JSON.
        // Deprecated fields are still decoded; callers get the warnings.
        #![allow(deprecated)]
        #(#items)*
    }
}

/// One field of a decoded struct.
pub struct DecodedField<'a> {
    pub rust_name: &'a str,
    pub api_name: &'a str,
    /// Absent is an error; otherwise absent is the field type's default.
    pub required: bool,
}

/// `Deserialize` and `runtime::object::Object` for struct `name` (a path). `keeps_extra`
/// collects undeclared properties into its `additional_properties` map; otherwise they are
/// read past.
pub fn decoder(name: &TokenStream, expecting: &str, fields: &[DecodedField], keeps_extra: bool) -> TokenStream {
    // Prefixed, so no field name can take the names of `object` and `key` below.
    let locals: Vec<Ident> = fields.iter().map(|f| ident(&format!("field_{}", plain(f.rust_name)))).collect();
    let declares = locals.iter().map(|local| quote!(let mut #local = ::std::option::Option::None;));
    let arms = fields.iter().zip(&locals).map(|(f, local)| {
        let api = f.api_name;
        quote!(#api => object.take(&mut #local, #api)?,)
    });
    // What an undeclared property becomes: an extra property, or nothing.
    let (extra_declare, other, extra_init) = if keeps_extra {
        (
            quote!(let mut additional_properties = ::std::collections::BTreeMap::new();),
            quote!({
                additional_properties.insert(key.into_string(), object.value()?);
            }),
            quote!(additional_properties,),
        )
    } else {
        (quote!(), quote!(object.skip()?), quote!())
    };
    let read = match (fields.is_empty(), keeps_extra) {
        // Nothing to match on (clippy flags a match with only `_`).
        (true, false) => quote! {
            while object.next_key()?.is_some() {
                object.skip()?;
            }
        },
        (true, true) => quote! {
            while let ::std::option::Option::Some(key) = object.next_key()? #other
        },
        (false, _) => quote! {
            while let ::std::option::Option::Some(key) = object.next_key()? {
                match key.as_str() {
                    #(#arms)*
                    _ => #other,
                }
            }
        },
    };
    let inits = fields.iter().zip(&locals).map(|(f, local)| {
        let field = ident(f.rust_name);
        if f.required {
            let api = f.api_name;
            quote!(#field: object.required(#local, #api)?,)
        } else {
            quote!(#field: #local.unwrap_or_default(),)
        }
    });
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                crate::runtime::object::decode(deserializer)
            }
        }
        impl<'de> crate::runtime::object::Object<'de> for #name {
            const EXPECTING: &'static str = #expecting;
            fn read<A: ::serde::de::MapAccess<'de>>(
                mut object: crate::runtime::object::Properties<A>,
            ) -> ::std::result::Result<Self, A::Error> {
                #(#declares)*
                #extra_declare
                #read
                ::std::result::Result::Ok(Self { #(#inits)* #extra_init })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoder_text(fields: &[DecodedField], keeps_extra: bool) -> String {
        let tokens = decoder(&quote!(crate::types::Thing), "struct Thing", fields, keeps_extra);
        let file: syn::File = syn::parse2(tokens).expect("the decoder parses");
        prettyplease::unparse(&file)
    }

    #[test]
    fn properties_go_to_their_fields_and_the_rest_is_read_past_or_kept() {
        let fields = [
            DecodedField { rust_name: "r#type", api_name: "type", required: true },
            DecodedField { rust_name: "key", api_name: "key", required: false },
        ];
        let text = decoder_text(&fields, false);
        assert!(text.contains(r#""type" => object.take(&mut field_type, "type")?"#), "{text}");
        // A field named like the loop's own variables keeps a local of its own.
        assert!(text.contains(r#""key" => object.take(&mut field_key, "key")?"#), "{text}");
        assert!(text.contains(r#"r#type: object.required(field_type, "type")?"#), "{text}");
        assert!(text.contains("key: field_key.unwrap_or_default()"), "{text}");
        assert!(text.contains("_ => object.skip()?"), "{text}");
        let kept = decoder_text(&fields, true);
        assert!(kept.contains("additional_properties.insert(key.into_string(), object.value()?)"), "{kept}");
    }

    #[test]
    fn an_object_without_declared_properties_has_no_match() {
        for keeps_extra in [false, true] {
            let text = decoder_text(&[], keeps_extra);
            assert!(!text.contains("match"), "{text}");
        }
    }
}
