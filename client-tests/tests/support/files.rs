//! Files of the tests that generate a crate and build a program against it
//! (`evolution.rs`, `fixture_programs.rs`).

use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("client-tests sits in the repository root").to_path_buf()
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// Writes `content` unless the file already holds it, so cargo's fingerprints (file
/// modification times) stay put and an unchanged crate is not rebuilt.
pub fn write_if_changed(path: &Path, content: &str) {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return;
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|err| panic!("cannot create {}: {err}", parent.display()));
    }
    std::fs::write(path, content).unwrap_or_else(|err| panic!("cannot write {}: {err}", path.display()));
}
