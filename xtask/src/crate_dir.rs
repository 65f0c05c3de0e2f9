//! A generated crate written to a scratch folder under `target/` (for the benchmark and the
//! corpus run), standalone and under its own name, and the size of its generated code.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use generator::Output;

/// Generates a crate from the document `text` into `dir` as the standalone crate `name`,
/// returning the generator's output and how long generating and writing took.
pub fn generate_into(text: &str, dir: &Path, name: &str) -> Result<(Output, Duration), String> {
    let started = Instant::now();
    let output = generator::generate_from_str(text).map_err(|err| err.to_string())?;
    write_crate(dir, &output.files, name)?;
    Ok((output, started.elapsed()))
}

/// Writes `files` into `dir`. The crate gets the package and library name `name`, so
/// crates sharing one build folder do not collide, and an empty `[workspace]` table: the
/// folder lies inside this workspace, of which the crate is no member.
pub fn write_crate(dir: &Path, files: &BTreeMap<String, String>, name: &str) -> Result<(), String> {
    for (path, content) in files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        let content =
            if path == "Cargo.toml" { format!("{}\n[workspace]\n", rename(content, name)) } else { content.clone() };
        std::fs::write(&target, content).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok(())
}

/// `Cargo.toml` with the `name` of `[package]` and `[lib]` replaced.
fn rename(manifest: &str, name: &str) -> String {
    let mut section = "";
    let mut out = String::with_capacity(manifest.len());
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed;
        }
        let key = trimmed.split('=').next().unwrap_or("").trim();
        match section {
            "[package]" if key == "name" => out.push_str(&format!("name = \"{name}\"")),
            "[lib]" if key == "name" => out.push_str(&format!("name = \"{}\"", name.replace('-', "_"))),
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Lines of generated Rust: every `.rs` file but the hand-written runtime, which is copied
/// unchanged into every crate and so says nothing about the document.
pub fn generated_lines<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> usize {
    files
        .into_iter()
        .filter(|(path, _)| path.ends_with(".rs") && !path.starts_with("src/runtime/"))
        .map(|(_, content)| content.lines().count())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rename_replaces_the_package_and_library_names_only() {
        let manifest = "[package]\nname = \"upvest-client\"\nversion = \"0.1.0\"\n\n[lib]\nname = \"upvest_client\"\n\n[dependencies]\nname = \"x\"\n";
        assert_eq!(
            rename(manifest, "box-platform-client"),
            "[package]\nname = \"box-platform-client\"\nversion = \"0.1.0\"\n\n[lib]\nname = \"box_platform_client\"\n\n[dependencies]\nname = \"x\"\n"
        );
    }

    #[test]
    fn written_crates_are_standalone() {
        let dir = tempfile::tempdir().unwrap();
        let files = BTreeMap::from([
            ("Cargo.toml".to_owned(), "[package]\nname = \"upvest-client\"\n".to_owned()),
            ("src/lib.rs".to_owned(), "pub mod a;\n".to_owned()),
        ]);
        write_crate(dir.path(), &files, "openai-client").unwrap();
        let manifest = std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
        assert_eq!(manifest, "[package]\nname = \"openai-client\"\n\n[workspace]\n");
        assert_eq!(std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap(), "pub mod a;\n");
    }

    #[test]
    fn generated_lines_skip_the_runtime_and_non_rust_files() {
        let files = [
            ("src/lib.rs", "a\nb\n"),
            ("src/types.rs", "c\n"),
            ("src/runtime/mod.rs", "d\ne\nf\n"),
            ("Cargo.toml", "g\n"),
        ];
        assert_eq!(generated_lines(files), 3);
    }
}
