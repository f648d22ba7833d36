//! The OCI rows, with runc (Debian's) as the reference in the same run: `run` of a
//! busybox container's `/bin/true`, and `create` + `start` + `delete` of one, each
//! the median wall time of fresh containers; and the memory of a container running
//! `sleep`: the RSS of its sentry and stub processes together (for runc, its
//! container process). A missing `runc` or static busybox skips the rows.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{median, run};

/// Containers per figure.
const RUNS: usize = 5;
/// Time limit of one runtime command.
const LIMIT: Duration = Duration::from_secs(60);
/// Debian's static busybox, the container's only program.
const BUSYBOX: &str = "/bin/busybox";

/// One runtime's figures.
pub struct Figures {
    /// `run` of `/bin/true`, ms.
    pub run_ms: f64,
    /// `create` + `start` + `delete` (after init has exited), ms.
    pub lifecycle_ms: f64,
    /// RSS of a container running `sleep`, KiB.
    pub sleep_rss_kib: f64,
}

/// A bundle directory and state roots, removed on drop.
pub struct Bench {
    dir: PathBuf,
}

impl Drop for Bench {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl Bench {
    /// A busybox bundle under /var/tmp, or `None` (with why) when runc or busybox
    /// is missing.
    pub fn new() -> Result<Bench, String> {
        if !Path::new(BUSYBOX).is_file() {
            return Err(format!("{BUSYBOX} is missing"));
        }
        if Command::new("runc").arg("--version").output().is_err() {
            return Err("runc is not installed".into());
        }
        let dir = PathBuf::from(format!("/var/tmp/veil-bench-oci-{}", std::process::id()));
        let bin = dir.join("bundle/rootfs/bin");
        fs::create_dir_all(&bin).map_err(|e| e.to_string())?;
        fs::copy(BUSYBOX, bin.join("busybox")).map_err(|e| e.to_string())?;
        for applet in ["sh", "true", "sleep"] {
            symlink("busybox", bin.join(applet)).map_err(|e| e.to_string())?;
        }
        let b = Bench { dir };
        let spec = run::run(
            Command::new("runc").arg("spec").current_dir(b.bundle()),
            LIMIT,
        )?;
        spec.check_success("runc spec")?;
        Ok(b)
    }

    fn bundle(&self) -> PathBuf {
        self.dir.join("bundle")
    }

    /// Sets the bundle's process to `args`.
    fn set_args(&self, args: &[&str]) -> Result<(), String> {
        let path = self.bundle().join("config.json");
        let text = fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let mut c: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        c["process"]["args"] = serde_json::json!(args);
        c["process"]["terminal"] = serde_json::json!(false);
        fs::write(&path, c.to_string()).map_err(|e| e.to_string())
    }

    /// Runs a runtime command with stdio on /dev/null: the container inherits it,
    /// so a captured pipe would stay open as long as the container lives.
    fn quiet(&self, runtime: &Path, root: &str, args: &[&str]) -> Result<bool, String> {
        self.runtime(runtime, root, args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .map_err(|e| format!("{}: {e}", runtime.display()))
    }

    fn runtime(&self, runtime: &Path, root: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(runtime);
        cmd.arg("--root")
            .arg(self.dir.join(root))
            .args(args)
            .current_dir(self.bundle());
        cmd
    }

    /// The figures of `runtime` (its state under a root of its own named `root`).
    pub fn measure(&self, runtime: &Path, root: &str) -> Result<Figures, String> {
        let fail = |what: &str| format!("{} {what} failed", runtime.display());
        self.set_args(&["/bin/true"])?;
        let mut runs = Vec::new();
        for i in 0..RUNS {
            let id = format!("run{i}");
            let start = Instant::now();
            if !self.quiet(runtime, root, &["run", &id])? {
                return Err(fail("run"));
            }
            runs.push(start.elapsed().as_secs_f64() * 1e3);
            let _ = self.quiet(runtime, root, &["delete", "-f", &id]);
        }
        let mut cycles = Vec::new();
        for i in 0..RUNS {
            let id = format!("life{i}");
            let start = Instant::now();
            for step in ["create", "start"] {
                if !self.quiet(runtime, root, &[step, &id])? {
                    return Err(fail(step));
                }
            }
            // delete waits for nothing: retry until init's exit has been seen.
            let mut deleted = false;
            while !deleted && start.elapsed() < LIMIT {
                deleted = self.quiet(runtime, root, &["delete", &id])?;
            }
            cycles.push(start.elapsed().as_secs_f64() * 1e3);
        }
        self.set_args(&["/bin/sleep", "30"])?;
        if !self.quiet(runtime, root, &["run", "-d", "sleeper"])? {
            return Err(fail("run -d"));
        }
        std::thread::sleep(Duration::from_millis(300));
        let rss = self.container_rss(runtime, root, "sleeper");
        let _ = self.quiet(runtime, root, &["delete", "-f", "sleeper"]);
        Ok(Figures {
            run_ms: median(&runs),
            lifecycle_ms: median(&cycles),
            sleep_rss_kib: rss?,
        })
    }

    /// RSS in KiB of the container's process (`state`'s pid) and its children.
    fn container_rss(&self, runtime: &Path, root: &str, id: &str) -> Result<f64, String> {
        let done = run::run(&mut self.runtime(runtime, root, &["state", id]), LIMIT)?;
        done.check_success("state")?;
        let state: serde_json::Value =
            serde_json::from_str(&done.stdout).map_err(|e| e.to_string())?;
        let pid = state["pid"].as_i64().ok_or("state has no pid")?;
        let ps = run::run(
            Command::new("ps").args([
                "-o",
                "rss=",
                "-p",
                &pid.to_string(),
                "--ppid",
                &pid.to_string(),
            ]),
            LIMIT,
        )?;
        Ok(ps
            .stdout
            .split_whitespace()
            .filter_map(|v| v.parse::<f64>().ok())
            .sum())
    }
}
