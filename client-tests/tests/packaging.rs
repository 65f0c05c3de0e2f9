//! What the generated crates (the client and its runtime) ship: no test code, no
//! dev-dependencies, and a TLS stack the user chooses (opting out of aws-lc means
//! no C build). `cargo package` of both crates runs in CI (`.ci/run`).

use std::path::Path;
use std::process::Command;

fn generated() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../generated"))
}

/// The normal (non-dev, non-build) dependency tree of the generated crate with
/// these feature flags, as `cargo tree` prints it.
fn dependency_tree(features: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["tree", "--offline", "-e", "normal", "-p", "upvest-client"])
        .args(features)
        .current_dir(generated())
        .output()
        .expect("cargo tree runs");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_tls_stack_is_chosen_by_features() {
    let default = dependency_tree(&[]);
    assert!(default.contains("aws-lc-rs"), "rustls with its default provider:\n{default}");
    let own_provider = dependency_tree(&["--no-default-features", "--features", "rustls-no-provider"]);
    assert!(!own_provider.contains("aws-lc"), "no aws-lc C build:\n{own_provider}");
    assert!(own_provider.contains("rustls"), "{own_provider}");
    assert!(!own_provider.contains("ring v"), "no provider installed:\n{own_provider}");
}

#[test]
fn the_generated_crates_ship_no_test_code_and_no_dev_dependencies() {
    let manifest = std::fs::read_to_string(generated().join("Cargo.toml")).unwrap();
    let runtime_manifest = std::fs::read_to_string(generated().join("runtime/Cargo.toml")).unwrap();
    for manifest in [&manifest, &runtime_manifest] {
        assert!(!manifest.contains("dev-dependencies"), "{manifest}");
        for line in ["rust-version", "homepage", "documentation", "[package.metadata.docs.rs]", "upvest-client"] {
            assert!(manifest.contains(line), "a manifest lacks {line}:\n{manifest}");
        }
    }
    assert!(manifest.contains("API document version"), "{manifest}");
    // The client always takes the runtime generated with it, never another version.
    assert!(manifest.contains(r#"upvest-client-runtime = { version = "=0.1.0", path = "runtime""#), "{manifest}");
    let runtime = generated().join("runtime/src");
    for entry in std::fs::read_dir(&runtime).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("#[cfg(test)]"), "{} carries test code", path.display());
        assert!(!text.contains("wiremock"), "{} mentions wiremock", path.display());
    }
}
