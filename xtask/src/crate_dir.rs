//! A generated crate written to a scratch folder under `target/` (for the benchmark and the
//! corpus run), standalone and under its own name, and the size of its generated code.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use generator::Output;

/// Generates a crate from the document `text` into `dir` as the standalone crate `name`
/// (so crates sharing one build folder do not collide, and its docs name it as it is
/// built), returning the generator's output and how long generating and writing took.
pub fn generate_into(text: &str, dir: &Path, name: &str) -> Result<(Output, Duration), String> {
    let started = Instant::now();
    let options = generator::Options { crate_name: Some(name.to_owned()), ..generator::Options::default() };
    let output = generator::generate_from_str_with(text, &options).map_err(|err| err.to_string())?;
    write_crate(dir, &output.files)?;
    Ok((output, started.elapsed()))
}

/// Writes `files` into `dir`, with an empty `[workspace]` table in the manifest: the
/// folder lies inside this workspace, of which the crate is no member.
pub fn write_crate(dir: &Path, files: &BTreeMap<String, String>) -> Result<(), String> {
    for (path, content) in files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        let content = if path == "Cargo.toml" { format!("{content}\n[workspace]\n") } else { content.clone() };
        std::fs::write(&target, content).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok(())
}

/// Lines of generated Rust: every `.rs` file of the client crate. The runtime crate beside
/// it is the hand-written runtime, copied into every generated crate with only a short
/// description of the API added, so it says little about the document.
pub fn generated_lines<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> usize {
    files
        .into_iter()
        .filter(|(path, _)| path.ends_with(".rs") && !path.starts_with("runtime/"))
        .map(|(_, content)| content.lines().count())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_crates_take_the_name_given() {
        let dir = tempfile::tempdir().unwrap();
        let document = "openapi: 3.0.3\ninfo: {title: Some API, version: '1'}\npaths: {}\n";
        let (output, _) = generate_into(document, dir.path(), "corpus-some-client").unwrap();
        assert!(output.files["Cargo.toml"].contains("name = \"corpus_some_client\""));
        assert!(output.files["src/lib.rs"].contains("corpus_some_client::"));
    }

    #[test]
    fn written_crates_are_standalone() {
        let dir = tempfile::tempdir().unwrap();
        let files = BTreeMap::from([
            ("Cargo.toml".to_owned(), "[package]\nname = \"upvest-client\"\n".to_owned()),
            ("src/lib.rs".to_owned(), "pub mod a;\n".to_owned()),
        ]);
        write_crate(dir.path(), &files).unwrap();
        let manifest = std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
        assert_eq!(manifest, "[package]\nname = \"upvest-client\"\n\n[workspace]\n");
        assert_eq!(std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap(), "pub mod a;\n");
    }

    #[test]
    fn generated_lines_skip_the_runtime_and_non_rust_files() {
        let files = [
            ("src/lib.rs", "a\nb\n"),
            ("src/types.rs", "c\n"),
            ("runtime/src/lib.rs", "d\ne\nf\n"),
            ("Cargo.toml", "g\n"),
        ];
        assert_eq!(generated_lines(files), 3);
    }
}
