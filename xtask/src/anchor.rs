//! The benchmark anchor: progenitor, built from `xtask/anchor/progenitor/` (a crate outside
//! the workspace, so the normal build never compiles it) and run as a separate program on
//! the same documents as our generator.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The progenitor release the anchor crate pins.
pub const VERSION: &str = "0.15.1";

/// The built `anchor-progenitor` program.
pub struct Progenitor {
    binary: PathBuf,
}

impl Progenitor {
    /// Builds the anchor in release mode into `target/anchor/` (minutes the first time,
    /// a no-op after that).
    pub fn build(root: &Path) -> Result<Progenitor, String> {
        eprintln!("building the progenitor {VERSION} anchor (release; slow the first time)...");
        let target = root.join("target/anchor");
        let status = Command::new(env!("CARGO"))
            .args(["build", "--release", "--quiet", "--manifest-path"])
            .arg(root.join("xtask/anchor/progenitor/Cargo.toml"))
            .arg("--target-dir")
            .arg(&target)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err("error: building xtask/anchor/progenitor failed (see above)".to_owned());
        }
        Ok(Progenitor { binary: target.join("release/anchor-progenitor") })
    }

    /// Generates a crate from the document at `spec` into `out`, returning the time
    /// progenitor took as it measured it, or the first line of its error.
    pub fn generate(&self, spec: &Path, out: &Path) -> Result<Duration, String> {
        let output = Command::new(&self.binary)
            .arg(spec)
            .arg(out)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(stderr.lines().next().unwrap_or("failed without a message").to_owned());
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let micros: u64 = stdout
            .trim()
            .parse()
            .map_err(|_| format!("anchor-progenitor printed `{}`, not a time in microseconds", stdout.trim()))?;
        Ok(Duration::from_micros(micros))
    }
}
