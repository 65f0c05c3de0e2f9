//! Shared helpers for the end-to-end tests of the generated client.

/// The hand-curated OpenAPI document, parsed.
pub fn spec() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/upvest.yaml");
    let text = std::fs::read_to_string(path).expect("spec/upvest.yaml is readable");
    serde_yaml::from_str(&text).expect("spec/upvest.yaml is valid YAML")
}
