//! Decoding of structs from JSON objects: an `impl Deserialize` that hands over to the
//! runtime's `object::decode`, and the one part that differs per struct, the match from
//! property names to fields (`runtime/object.rs` says why this is not serde's derive).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::rust::{ident, plain};

/// One field of a decoded struct.
pub struct DecodedField<'a> {
    pub rust_name: &'a str,
    pub api_name: &'a str,
    /// Absent is an error; otherwise absent is the field type's default.
    pub required: bool,
}

/// `Deserialize` and `runtime::object::Object` for struct `name`. `keeps_extra` collects
/// undeclared properties into its `additional_properties` map; otherwise they are read past.
pub fn decoder(name: &Ident, expecting: &str, fields: &[DecodedField], keeps_extra: bool) -> TokenStream {
    // Prefixed, so no field name can take the names of `map` and `key` below.
    let locals: Vec<Ident> = fields.iter().map(|f| ident(&format!("field_{}", plain(f.rust_name)))).collect();
    let declares = locals.iter().map(|local| quote!(let mut #local = ::std::option::Option::None;));
    let arms = fields.iter().zip(&locals).map(|(f, local)| {
        let api = f.api_name;
        quote!(#api => crate::runtime::object::take(&mut map, &mut #local, #api)?,)
    });
    let (extra_declare, other, extra_init) = if keeps_extra {
        (
            quote!(let mut additional_properties = ::std::collections::BTreeMap::new();),
            quote! {
                _ => {
                    additional_properties.insert(key.into_string(), ::serde::de::MapAccess::next_value(&mut map)?);
                }
            },
            quote!(additional_properties,),
        )
    } else {
        (quote!(), quote!(_ => crate::runtime::object::skip(&mut map)?,), quote!())
    };
    let inits = fields.iter().zip(&locals).map(|(f, local)| {
        let field = ident(f.rust_name);
        if f.required {
            let api = f.api_name;
            quote!(#field: crate::runtime::object::required(#local, #api)?,)
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
            fn read_map<A: ::serde::de::MapAccess<'de>>(mut map: A) -> ::std::result::Result<Self, A::Error> {
                #(#declares)*
                #extra_declare
                while let ::std::option::Option::Some(key) =
                    ::serde::de::MapAccess::next_key::<crate::runtime::object::Key<'de>>(&mut map)?
                {
                    match key.as_str() {
                        #(#arms)*
                        #other
                    }
                }
                ::std::result::Result::Ok(Self { #(#inits)* #extra_init })
            }
        }
    }
}
