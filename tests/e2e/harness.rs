//! Helpers for the end-to-end tests: per-test temporary directories, C test
//! programs compiled with gcc, and running commands (natively or under
//! `veil do`) with a hang guard and captured output.

use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

/// The `veil` binary built by cargo for this test run.
pub const VEIL: &str = env!("CARGO_BIN_EXE_veil");

/// Static busybox, from Debian's `busybox-static` package.
pub const BUSYBOX: &str = "/bin/busybox";

/// How long one command may run before it is taken to hang. Not a timing
/// assertion: only a guard so that a hung guest fails its test instead of
/// blocking the whole run.
pub const HANG_GUARD: Duration = Duration::from_secs(120);

/// A directory under the system temporary directory, unique to one test
/// (process id plus a counter), removed with its contents on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `$TMPDIR/veil-e2e-<tag>-<pid>-<n>`.
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("veil-e2e-{tag}-{}-{n}", std::process::id()));
        // A leftover from an earlier run with the same pid: start clean.
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
        TempDir { path }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `name` inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// `tests/programs` in the source tree.
pub fn programs_dir() -> PathBuf {
    // CARGO_MANIFEST_DIR is tools/veil.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs")
}

/// Compiles `tests/programs/<name>.c` into `dir/<name>` as the guests are
/// built (`gcc -static -O2 -pthread`) and returns the binary's path.
pub fn compile(dir: &TempDir, name: &str) -> PathBuf {
    let src = programs_dir().join(format!("{name}.c"));
    let out = dir.join(name);
    let result = Command::new("gcc")
        .args(["-static", "-O2", "-pthread", "-Wall", "-o"])
        .arg(&out)
        .arg(&src)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running gcc (is it installed?): {e}"));
    assert!(
        result.status.success(),
        "gcc failed on {}:\n{}",
        src.display(),
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

/// What a finished command did.
pub struct Run {
    /// What the command was, for messages.
    pub what: String,
    /// How it ended.
    pub status: ExitStatus,
    /// Everything it wrote on stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote on stderr.
    pub stderr: Vec<u8>,
}

impl Run {
    /// The exit code; fails the test if the process died of a signal.
    pub fn code(&self) -> i32 {
        match self.status.code() {
            Some(code) => code,
            None => panic!(
                "{} died of signal {:?} instead of exiting\n{}",
                self.what,
                self.status.signal(),
                self.context()
            ),
        }
    }

    /// The signal the process died of; fails the test if it exited.
    pub fn signal(&self) -> i32 {
        match self.status.signal() {
            Some(sig) => sig,
            None => panic!(
                "{} exited with {:?} instead of dying of a signal\n{}",
                self.what,
                self.status.code(),
                self.context()
            ),
        }
    }

    /// stdout as text (lossy).
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text (lossy).
    pub fn err(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// stdout and stderr, for failure messages (long outputs cut).
    pub fn context(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            tail(&self.out(), 4000),
            tail(&self.err(), 4000)
        )
    }

    /// Asserts the exit code (and that there was no signal).
    pub fn assert_code(&self, want: i32) {
        let code = self.code();
        assert_eq!(code, want, "{}: exit code\n{}", self.what, self.context());
    }

    /// Asserts that nothing in stderr shows a Rust panic.
    pub fn assert_no_panic(&self) {
        let err = self.err();
        assert!(
            !err.contains("panicked"),
            "{} panicked\n{}",
            self.what,
            self.context()
        );
    }

    /// Asserts the failure shape of the CLI's errors: non-zero exit (not a
    /// signal), exactly one non-empty line on stderr, no panic.
    pub fn assert_one_line_error(&self) {
        self.assert_no_panic();
        let code = self.code();
        assert_ne!(code, 0, "{} succeeded\n{}", self.what, self.context());
        let err = self.err();
        let lines: Vec<&str> = err.lines().collect();
        assert!(
            lines.len() == 1 && !lines[0].trim().is_empty(),
            "{}: want exactly one line on stderr, got {}\n{}",
            self.what,
            lines.len(),
            self.context()
        );
    }
}

fn tail(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

fn reader(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

fn kill_group(child: &mut Child) {
    // The command is the leader of its own process group: this also kills
    // any guest process it left behind.
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
    }
    let _ = child.kill();
}

/// Runs `cmd` with stdin from /dev/null, capturing stdout and stderr, in a
/// process group of its own. Fails the test if it is still running after
/// `guard` (the group is killed), or if its output pipes stay open after it
/// exited (a process it started outlived it).
pub fn run_with(cmd: &mut Command, guard: Duration) -> Run {
    let what = describe(cmd);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {what}: {e}"));
    let out = reader(child.stdout.take().expect("piped stdout"));
    let err = reader(child.stderr.take().expect("piped stderr"));

    let deadline = Instant::now() + guard;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                kill_group(&mut child);
                let _ = child.wait();
                let stdout = out.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
                let stderr = err.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
                panic!(
                    "{what} still running after {guard:?}: killed\n--- stdout ---\n{}\n--- stderr ---\n{}",
                    tail(&String::from_utf8_lossy(&stdout), 4000),
                    tail(&String::from_utf8_lossy(&stderr), 4000)
                );
            }
            Err(e) => panic!("waiting for {what}: {e}"),
        }
    };
    let grace = Duration::from_secs(10);
    let (stdout, stderr) = match (out.recv_timeout(grace), err.recv_timeout(grace)) {
        (Ok(o), Ok(e)) => (o, e),
        _ => {
            kill_group(&mut child);
            panic!("{what} exited ({status}) but its stdout/stderr stayed open: a process it started outlived it");
        }
    };
    Run {
        what,
        status,
        stdout,
        stderr,
    }
}

/// Runs `cmd` with the default hang guard.
pub fn run(cmd: &mut Command) -> Run {
    run_with(cmd, HANG_GUARD)
}

/// `veil do [flags] -- args…` as a command, not yet run.
pub fn veil_cmd<S: AsRef<OsStr>>(flags: &[&str], args: &[S]) -> Command {
    let mut cmd = Command::new(VEIL);
    cmd.arg("do").args(flags).arg("--").args(args);
    cmd
}

/// Runs `veil do -- args…`.
pub fn veil<S: AsRef<OsStr>>(args: &[S]) -> Run {
    run(&mut veil_cmd(&[], args))
}

/// Runs `args…` natively (the first is the program).
pub fn native<S: AsRef<OsStr>>(args: &[S]) -> Run {
    let (prog, rest) = args.split_first().expect("a program to run");
    run(Command::new(prog).args(rest))
}

/// The host kernel's release (what `uname -r` prints).
pub fn host_release() -> String {
    fs::read_to_string("/proc/sys/kernel/osrelease")
        .expect("reading /proc/sys/kernel/osrelease")
        .trim()
        .to_string()
}

/// Fails the test unless static busybox is installed.
pub fn require_busybox() {
    assert!(
        Path::new(BUSYBOX).is_file(),
        "{BUSYBOX} is missing: install it with `apt-get install busybox-static`"
    );
}
