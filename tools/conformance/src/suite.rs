//! The suite on disk: its family files (`tests/syscalls/*.c`), building them with the
//! host compiler, and listing their cases.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

/// The harness every family file is linked with.
const HARNESS: [&str; 2] = ["harness.c", "harness.h"];

/// One family file, built.
#[derive(Clone, Debug)]
pub struct Family {
    /// The file name without `.c`, e.g. `fd`.
    pub name: String,
    /// The built test binary.
    pub binary: PathBuf,
}

/// One case of a family.
#[derive(Clone, Debug)]
pub struct Case {
    /// `family/syscall.name`, the name the runner reports and KNOWN_FAILURES uses.
    pub id: String,
    /// The id inside its binary, `syscall.name` (the argument of `--run`).
    pub local_id: String,
    /// The syscall the case is about.
    pub syscall: String,
    /// The binary that runs it.
    pub binary: PathBuf,
}

/// The family files of the suite in `dir`, sorted by name.
pub fn families(dir: &Path) -> Result<Vec<String>, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("reading {}: {e}", dir.display()))?;
        let file = entry.file_name().to_string_lossy().into_owned();
        if let Some(name) = file.strip_suffix(".c") {
            if file != HARNESS[0] {
                names.push(name.to_string());
            }
        }
    }
    names.sort();
    Ok(names)
}

fn mtime(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Builds family `name` of the suite in `dir` into `bin_dir` unless the binary is newer
/// than its sources. Fails with gcc's messages.
pub fn build(dir: &Path, bin_dir: &Path, name: &str) -> Result<Family, String> {
    let src = dir.join(format!("{name}.c"));
    let binary = bin_dir.join(name);
    let built = mtime(&binary);
    let stale = built.is_none()
        || std::iter::once(src.clone())
            .chain(HARNESS.iter().map(|h| dir.join(h)))
            .any(|p| mtime(&p).is_none_or(|t| Some(t) > built));
    if stale {
        let out = Command::new("gcc")
            .args([
                "-std=gnu11",
                "-O2",
                "-static",
                "-pthread",
                "-Wall",
                "-Wextra",
                "-Werror",
            ])
            .arg("-o")
            .arg(&binary)
            .arg(dir.join(HARNESS[0]))
            .arg(&src)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("running gcc (is it installed?): {e}"))?;
        if !out.status.success() {
            let _ = fs::remove_file(&binary);
            return Err(format!(
                "gcc failed on {}:\n{}",
                src.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    Ok(Family {
        name: name.to_string(),
        binary,
    })
}

/// The cases of a built family (`BINARY --list`). Every case must name a Linux syscall
/// (`syscall_known`), so that coverage is counted per real syscall.
pub fn cases(family: &Family, syscall_known: impl Fn(&str) -> bool) -> Result<Vec<Case>, String> {
    let out = Command::new(&family.binary)
        .arg("--list")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running {} --list: {e}", family.binary.display()))?;
    if !out.status.success() {
        return Err(format!("{} --list failed", family.binary.display()));
    }
    let mut cases = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let (syscall, _) = line
            .split_once('.')
            .ok_or_else(|| format!("{}: malformed case id {line:?}", family.name))?;
        if !syscall_known(syscall) {
            return Err(format!(
                "{}/{line}: {syscall:?} is not an x86_64 syscall name (see docs/compatibility.md)",
                family.name
            ));
        }
        cases.push(Case {
            id: format!("{}/{line}", family.name),
            local_id: line.to_string(),
            syscall: syscall.to_string(),
            binary: family.binary.clone(),
        });
    }
    Ok(cases)
}
