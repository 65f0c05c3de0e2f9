//! `cargo xtask bench [--build]`: code generation speed and scaling, the size of the
//! generated code, and (with `--build`) how long the generated crate takes to compile.
//! Prints Markdown tables for BENCHMARKS.md; nothing here is asserted.
//!
//! Run it in release mode for meaningful numbers: `cargo run --release -p xtask -- bench`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Builds a document `copies` times the size of `spec`: every path and component
/// schema is copied under a new name, with the copies' `$ref`s pointing at the copies.
pub fn synthesize(spec: &Value, copies: usize) -> Value {
    let mut out = spec.clone();
    let schemas = spec.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
    let paths = spec.get("paths").and_then(Value::as_object).cloned().unwrap_or_default();
    for copy in 1..copies {
        let rename = |value: &Value| rename_refs(value, &format!("V{copy}"));
        for (key, schema) in &schemas {
            out["components"]["schemas"][format!("{key}V{copy}")] = rename(schema);
        }
        for (path, item) in &paths {
            let mut item = rename(item);
            for op in item.as_object_mut().into_iter().flat_map(|m| m.values_mut()) {
                if let Some(Value::String(id)) = op.get_mut("operationId") {
                    id.push_str(&format!("_v{copy}"));
                }
            }
            out["paths"][format!("/v{copy}{path}")] = item;
        }
    }
    out
}

fn rename_refs(value: &Value, suffix: &str) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| match (k.as_str(), v) {
                    ("$ref", Value::String(target)) if target.starts_with("#/components/schemas/") => {
                        (k.clone(), Value::String(format!("{target}{suffix}")))
                    }
                    _ => (k.clone(), rename_refs(v, suffix)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| rename_refs(v, suffix)).collect()),
        other => other.clone(),
    }
}

pub fn run(root: &Path, build: bool) -> Result<(), String> {
    let text = std::fs::read_to_string(root.join("spec/upvest.yaml")).map_err(|e| format!("cannot read the spec: {e}"))?;
    let spec: Value = serde_yaml::from_str(&text).map_err(|e| format!("the spec is not YAML: {e}"))?;
    let scratch = root.join("target/bench");
    println!("Code generation, end to end (parse, validate, model, emit, format, write files):\n");
    println!("| document | operations | types | median time | time per operation | lines of Rust (without runtime) | lines per operation | lines per type |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut documents = Vec::new();
    for (label, copies, runs) in [("spec/upvest.yaml", 1, 21), ("synthetic 10x", 10, 7), ("synthetic 100x", 100, 3)] {
        let doc = serde_json::to_string(&synthesize(&spec, copies)).map_err(|e| e.to_string())?;
        let out = scratch.join(format!("{copies}x"));
        let mut times = Vec::new();
        let mut output = None;
        for _ in 0..runs {
            let start = Instant::now();
            let generated = generator::generate_from_str(&doc).map_err(|e| format!("{label}: {e}"))?;
            write_all(&out, &generated.files)?;
            times.push(start.elapsed());
            output = Some(generated);
        }
        times.sort();
        let median = times[times.len() / 2];
        let output = output.expect("at least one run");
        let lines = |prefix: &str| output.files.iter().filter(|(p, _)| p.starts_with(prefix)).map(|(_, c)| c.lines().count()).sum::<usize>();
        let (ops, types) = (output.summary.operations, output.summary.types);
        let own = lines("src/") - lines("src/runtime/");
        println!(
            "| {label} | {ops} | {types} | {} | {:.2} ms | {own} | {:.0} | {:.0} |",
            ms(median),
            median.as_secs_f64() * 1e3 / ops as f64,
            lines("src/operations/") as f64 / ops as f64,
            lines("src/types.rs") as f64 / types as f64,
        );
        documents.push((label, out));
    }
    if build {
        build_times(&scratch, &documents[..2])?;
    }
    Ok(())
}

fn write_all(dir: &Path, files: &std::collections::BTreeMap<String, String>) -> Result<(), String> {
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

/// `cargo check` and `cargo build` of the generated crate alone, dependencies already built.
fn build_times(scratch: &Path, documents: &[(&str, std::path::PathBuf)]) -> Result<(), String> {
    let target = scratch.join("target");
    let cargo = |dir: &Path, args: &[&str]| -> Result<Duration, String> {
        let start = Instant::now();
        let status = Command::new(env!("CARGO"))
            .args(args)
            .arg("--quiet")
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &target)
            // Incremental reuse would time a no-op; every timed run compiles the crate in full.
            .env("CARGO_INCREMENTAL", "0")
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("`cargo {}` failed in {}", args.join(" "), dir.display()));
        }
        Ok(start.elapsed())
    };
    // Dependencies first, untimed.
    cargo(&documents[0].1, &["build"])?;
    cargo(&documents[0].1, &["check"])?;
    println!("\nCompiling the generated crate alone (dependencies already built, debug profile, not incremental):\n");
    println!("| document | cargo check | cargo build |");
    println!("|---|---|---|");
    for (label, dir) in documents {
        let touch = || std::fs::write(dir.join("src/lib.rs"), std::fs::read(dir.join("src/lib.rs")).unwrap_or_default());
        touch().map_err(|e| e.to_string())?;
        let check = cargo(dir, &["check"])?;
        touch().map_err(|e| e.to_string())?;
        let build = cargo(dir, &["build"])?;
        println!("| {label} | {} | {} |", secs(check), secs(build));
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_documents_copy_paths_and_schemas_with_their_refs() {
        let spec = serde_json::json!({
            "paths": {"/a": {"get": {"operationId": "get_a", "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
            "components": {"schemas": {"A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}}, "B": {"type": "string"}}}
        });
        let big = synthesize(&spec, 3);
        assert_eq!(big["paths"].as_object().unwrap().len(), 3);
        assert_eq!(big["components"]["schemas"].as_object().unwrap().len(), 6);
        assert_eq!(big["paths"]["/v2/a"]["get"]["operationId"], "get_a_v2");
        assert_eq!(big["components"]["schemas"]["AV2"]["properties"]["b"]["$ref"], "#/components/schemas/BV2");
    }
}
