//! The guest programs the benchmark runs, built from tests/programs with
//! gcc as the end-to-end tests build them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Finds `tests/programs` in the source tree: from where veil-bench was
/// built, else from the current directory or one of its parents.
pub fn find_sources() -> Result<PathBuf, String> {
    let marker = Path::new("tests/programs/getpid_loop.c");
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut candidates = vec![built_from];
    if let Ok(cwd) = std::env::current_dir() {
        candidates.extend(cwd.ancestors().map(Path::to_path_buf));
    }
    candidates
        .into_iter()
        .find(|root| root.join(marker).is_file())
        .map(|root| root.join("tests/programs"))
        .ok_or_else(|| {
            format!(
                "cannot find {} (run veil-bench from the Veil source tree)",
                marker.display()
            )
        })
}

/// A temporary directory holding the compiled programs, removed on drop.
pub struct Built {
    dir: PathBuf,
}

impl Built {
    /// The binary built from `<name>.c`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Built {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Compiles each `<name>.c` of `sources` with `gcc -static -O2 -pthread`
/// into a fresh temporary directory.
pub fn build(sources: &Path, names: &[&str]) -> Result<Built, String> {
    let dir = std::env::temp_dir().join(format!("veil-bench-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let built = Built { dir };
    for name in names {
        let src = sources.join(format!("{name}.c"));
        let out = Command::new("gcc")
            .args(["-static", "-O2", "-pthread", "-o"])
            .arg(built.path(name))
            .arg(&src)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("running gcc: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "gcc failed on {}:\n{}",
                src.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    Ok(built)
}
