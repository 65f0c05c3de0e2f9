//! `cargo xtask semver`: `cargo-semver-checks` between the clients generated from
//! `evolution/v1.yaml` and `evolution/v2.yaml` (additive changes only), which must
//! find no breaking change. It builds rustdoc JSON of both crates and takes
//! minutes, so CI runs the cheap equivalent in `client-tests/tests/evolution.rs`
//! (every generated enum and struct `#[non_exhaustive]`, unknown values sealed)
//! and this command is run by hand after changing what the generator emits.

use std::path::Path;
use std::process::Command;

pub fn run(root: &Path) -> Result<(), String> {
    let base = root.join("target/semver");
    for version in ["v1", "v2"] {
        let spec = root.join(format!("evolution/{version}.yaml"));
        let text = std::fs::read_to_string(&spec).map_err(|e| format!("error: cannot read {}: {e}", spec.display()))?;
        let output = generator::generate_from_str(&text)
            .map_err(|e| format!("error: the generator rejects {}:\n{e}", spec.display()))?;
        let dir = base.join(version);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| format!("error: cannot clear {}: {e}", dir.display()))?;
        }
        for (relative, content) in &output.files {
            let path = dir.join(relative);
            // Each crate builds on its own, outside this workspace.
            let content = if relative == "Cargo.toml" { format!("{content}\n[workspace]\n") } else { content.clone() };
            std::fs::create_dir_all(path.parent().unwrap_or(&dir))
                .and_then(|()| std::fs::write(&path, content))
                .map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
        }
    }
    let installed =
        Command::new("cargo").args(["semver-checks", "--version"]).output().is_ok_and(|o| o.status.success());
    if !installed {
        return Err("error: cargo-semver-checks is not installed: \
                    `cargo install cargo-semver-checks --locked`, then run this again"
            .to_owned());
    }
    let status = Command::new("cargo")
        .args(["semver-checks", "check-release", "--manifest-path"])
        .arg(base.join("v2/Cargo.toml"))
        .arg("--baseline-root")
        .arg(base.join("v1"))
        .status()
        .map_err(|e| format!("error: cannot run cargo-semver-checks: {e}"))?;
    if status.success() {
        println!("semver: no breaking change from the v1 client to the v2 client");
        Ok(())
    } else {
        Err("error: cargo-semver-checks found a breaking change between the v1 and v2 clients (above)".to_owned())
    }
}
