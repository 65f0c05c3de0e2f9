//! `anchor-progenitor SPEC OUT_DIR`: generates a client crate with progenitor into `OUT_DIR`
//! and prints how long that took in microseconds (reading and parsing the document,
//! generating, formatting and writing the crate), so `cargo xtask bench` can set our
//! generator's time beside it without counting process start-up.
//!
//! An error, progenitor's panics included, goes to stderr as one line with exit status 1:
//! the benchmark shows it in its table, since progenitor rejects many documents (it reads
//! OpenAPI 3.0 only).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Every dependency progenitor's output may need (the set `cargo progenitor` picks from,
/// less `base64` and `rand`, used only by Dropshot's WebSocket extension), always all of
/// them: every anchor crate then shares one prebuilt set of dependencies,
/// and the benchmark's timed `cargo check` compiles the generated crate alone.
const DEPENDENCIES: &str = r#"[dependencies]
bytes = "1"
chrono = { version = "0.4", default-features = false, features = ["serde"] }
futures = "0.3"
futures-core = "0.3"
progenitor-client = "=0.15.1"
regress = "0.12"
reqwest = { version = "0.13", default-features = false, features = ["json", "query", "stream"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
serde_urlencoded = "0.7"
uuid = { version = "1", features = ["serde", "v4"] }
"#;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [spec, out] = args.as_slice() else {
        eprintln!("usage: anchor-progenitor SPEC OUT_DIR");
        return ExitCode::FAILURE;
    };
    let started = Instant::now();
    match generate(Path::new(spec), Path::new(out)) {
        Ok(()) => {
            println!("{}", started.elapsed().as_micros());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn generate(spec: &Path, out: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(spec).map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let is_json = spec.extension().is_some_and(|ext| ext == "json");
    let api: openapiv3::OpenAPI = if is_json {
        serde_json::from_str(&text).map_err(|e| format!("not an OpenAPI 3.0 document: {e}"))?
    } else {
        serde_yaml::from_str(&text).map_err(|e| format!("not an OpenAPI 3.0 document: {e}"))?
    };
    let mut generator = progenitor::Generator::new(&progenitor::GenerationSettings::default());
    // progenitor panics on much of what it does not support; that is a failure to report
    // like any other, on one line, not a backtrace.
    std::panic::set_hook(Box::new(|_| {}));
    let tokens = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| generator.generate_tokens(&api)))
        .map_err(|panic| format!("progenitor panicked: {}", panic_message(panic.as_ref())))?
        .map_err(|e| format!("progenitor: {e}"))?;
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("progenitor emitted invalid Rust: {e}"))?;
    // `progenitor-` first: the folder name may start with a digit (`10x`), a package name not.
    let folder = out.file_name().and_then(|n| n.to_str()).unwrap_or("crate");
    let name = format!("progenitor-{}", folder.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n{DEPENDENCIES}\n[workspace]\n"
    );
    write(&out.join("Cargo.toml"), &manifest)?;
    write(&out.join("src/lib.rs"), &prettyplease::unparse(&file))
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned());
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn write(path: &Path, content: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, content).map_err(|e| format!("{}: {e}", path.display()))
}
