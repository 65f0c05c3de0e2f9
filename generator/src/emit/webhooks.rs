//! `src/webhooks.rs`: decoders for the payloads the API posts to a subscriber's endpoint.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{doc_attrs, ident, type_tokens};
use crate::model::Model;

pub fn webhooks_file(model: &Model) -> TokenStream {
    let decoders = model.webhooks.iter().map(|hook| {
        let name = ident(&format!("parse_{}", hook.rust_name));
        let ty = type_tokens(model, &hook.ty);
        let extra = vec![
            format!("Decodes the body of a `{}` delivery. Unknown fields and event types are kept or ignored, never rejected.", hook.api_name),
            "Verify the delivery's signature before trusting it.".to_owned(),
        ];
        let docs = doc_attrs(&hook.docs, &extra);
        quote! {
            #docs
            pub fn #name(body: &[u8]) -> ::std::result::Result<#ty, ::serde_path_to_error::Error<::serde_json::Error>> {
                let mut deserializer = ::serde_json::Deserializer::from_slice(body);
                ::serde_path_to_error::deserialize(&mut deserializer)
            }
        }
    });
    quote! {
        //! Webhook deliveries: decode the body the API posts into typed events.
        #(#decoders)*
    }
}
