//! The copy-up row: the first write of one byte to a large host file under
//! `veil do` (the overlay copies the file up into its in-memory upper layer)
//! against the host copying the same file with `cp`.
//!
//! A file of [`COPYUP_MIB`] MiB of non-zero data is written to a fresh
//! directory under /var/tmp (removed afterwards). The host figure is the
//! median wall time of `cp FILE COPY` in that directory; one untimed `cp`
//! runs first so that the timed ones, and veil's reads of the file, all
//! find it in the page cache (dropping the page cache would need root and
//! affect the whole machine). The veil figure is the median, over fresh
//! `veil do` runs, of open(O_WRONLY) + write(1 byte) + close measured inside
//! the guest by tests/programs/copyup.c.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::run;

/// Size of the file copied up.
pub const COPYUP_MIB: u64 = 256;
/// Timed runs per figure; the median is reported.
pub const COPYUP_RUNS: usize = 3;
/// Time limit for one `cp` or one `veil do -- copyup`.
const LIMIT: Duration = Duration::from_secs(120);
/// Where the file is made: on disk, like the files a guest copies up.
const PARENT: &str = "/var/tmp";

/// The two figures, in milliseconds.
pub struct CopyUp {
    /// The directory the file was in (gone by now), for the report.
    pub dir: PathBuf,
    /// Median wall time of host `cp`.
    pub cp_ms: f64,
    /// Median in-guest time of open + write + close under veil, or why it failed.
    pub veil_ms: Result<f64, String>,
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Writes `mib` MiB of a non-zero pattern (no holes) to `path`.
fn make_file(path: &Path, mib: u64) -> Result<(), String> {
    let chunk: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8 + 1).collect();
    let mut f = fs::File::create(path).map_err(|e| format!("creating {}: {e}", path.display()))?;
    for _ in 0..mib {
        f.write_all(&chunk)
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    f.sync_all()
        .map_err(|e| format!("syncing {}: {e}", path.display()))
}

/// The first byte of `path`.
fn first_byte(path: &Path) -> Option<u8> {
    let mut b = [0u8; 1];
    fs::File::open(path).ok()?.read_exact(&mut b).ok()?;
    Some(b[0])
}

/// One timed `cp src dst`, in ms; `dst` is removed afterwards.
fn cp_ms(src: &Path, dst: &Path) -> Result<f64, String> {
    let done = run::run(Command::new("cp").arg(src).arg(dst), LIMIT)?;
    done.check_success("cp")?;
    let _ = fs::remove_file(dst);
    Ok(done.elapsed.as_secs_f64() * 1e3)
}

/// One `veil do -- copyup src`: the guest's `ns=`, in ms.
fn veil_ms(veil: &Path, copyup: &Path, src: &Path) -> Result<f64, String> {
    let what = "veil do -- copyup";
    let done = run::run(
        Command::new(veil).arg("do").arg("--").arg(copyup).arg(src),
        LIMIT,
    )?;
    done.check_success(what)?;
    done.stdout
        .lines()
        .find_map(|l| l.strip_prefix("ns="))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|ns| ns / 1e6)
        .ok_or_else(|| format!("{what}: no ns=<n> in its output"))
}

/// Measures both figures; `Err` only when the host side fails.
pub fn measure(veil: &Path, copyup: &Path) -> Result<CopyUp, String> {
    let dir = Path::new(PARENT).join(format!("veil-bench-copyup-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let guard = TempDir(dir.clone());
    let src = dir.join("file");
    let dst = dir.join("copy");
    make_file(&src, COPYUP_MIB)?;

    cp_ms(&src, &dst)?; // warm-up: the page cache holds the file from here on
    let mut cp = Vec::new();
    for _ in 0..COPYUP_RUNS {
        cp.push(cp_ms(&src, &dst)?);
    }
    let mut guest = Vec::new();
    let mut veil_err = None;
    for _ in 0..COPYUP_RUNS {
        match veil_ms(veil, copyup, &src) {
            Ok(ms) => guest.push(ms),
            Err(e) => {
                veil_err = Some(e);
                break;
            }
        }
    }
    // The host file must not have changed: the guest wrote to its own copy.
    let host_changed = first_byte(&src) != Some(1);
    drop(guard);
    let veil_ms = match veil_err {
        Some(e) => Err(e),
        None if host_changed => Err("the guest's write reached the host file".to_string()),
        None => Ok(crate::median(&guest)),
    };
    Ok(CopyUp {
        dir,
        cp_ms: crate::median(&cp),
        veil_ms,
    })
}
