//! Running one case once: natively or behind a sandbox's command prefix, in a process
//! group of its own, with its output captured and a time limit.

use std::fs::File;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

/// How one run of a case ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Exit status 0.
    Pass,
    /// Anything else, with the first line of what the case printed, or why.
    Fail(String),
}

impl Outcome {
    /// Whether the run passed.
    pub fn passed(&self) -> bool {
        *self == Outcome::Pass
    }
}

/// Runs `prefix… binary --run local_id` with stdin from /dev/null, stdout and stderr
/// into `log`, `TMPDIR=tmpdir`; kills its whole process group after `timeout`.
pub fn run_case(
    prefix: &[String],
    binary: &Path,
    local_id: &str,
    log: &Path,
    tmpdir: &Path,
    timeout: Duration,
) -> Outcome {
    let out = match File::create(log) {
        Ok(f) => f,
        Err(e) => return Outcome::Fail(format!("creating {}: {e}", log.display())),
    };
    let err = match out.try_clone() {
        Ok(f) => f,
        Err(e) => return Outcome::Fail(format!("duplicating the log: {e}")),
    };
    let mut cmd = match prefix.split_first() {
        Some((program, args)) => {
            let mut c = Command::new(program);
            c.args(args).arg(binary);
            c
        }
        None => Command::new(binary),
    };
    cmd.arg("--run")
        .arg(local_id)
        .env("TMPDIR", tmpdir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0);
    // SAFETY: the closure runs in the forked child before exec and calls only
    // close_range, which is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(close_inherited_fds);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Outcome::Fail(format!(
                "starting {}: {e}",
                cmd.get_program().to_string_lossy()
            ))
        }
    };
    let pgid = Pid::from_raw(child.id() as i32);
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let status = match rx.recv_timeout(timeout) {
        Ok(status) => status,
        Err(_) => {
            let _ = killpg(pgid, Signal::SIGKILL);
            let _ = waiter.join();
            return Outcome::Fail(format!("timed out after {timeout:?}"));
        }
    };
    let _ = waiter.join();
    // Whatever the case left running (a stray child) goes with it.
    let _ = killpg(pgid, Signal::SIGKILL);
    match status {
        Ok(s) if s.success() => Outcome::Pass,
        Ok(s) => {
            let how = match (s.code(), s.signal()) {
                (Some(code), _) => format!("exit {code}"),
                (None, Some(sig)) => format!("killed by signal {sig}"),
                _ => "ended".to_string(),
            };
            Outcome::Fail(format!("{how}: {}", first_line(log)))
        }
        Err(e) => Outcome::Fail(format!("waiting: {e}")),
    }
}

/// Closes every descriptor above stderr that the runner inherited from whoever started
/// it (a CI harness may leave some open), so a case sees the same descriptor table
/// natively as under a sandbox, which gives its guest only 0, 1 and 2.
fn close_inherited_fds() -> std::io::Result<()> {
    // The range is marked close-on-exec rather than closed: std's pipe that reports a
    // failed exec back to the parent must stay open until the exec itself.
    // SAFETY: close_range takes no pointers and changes only this child's table.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// The first non-empty line of the log (the failed check), cut to 300 bytes.
fn first_line(log: &Path) -> String {
    let mut raw = Vec::new();
    if let Ok(f) = File::open(log) {
        let _ = f.take(64 * 1024).read_to_end(&mut raw);
    }
    let text = String::from_utf8_lossy(&raw);
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no output)");
    let mut end = line.len().min(300);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    line[..end].to_string()
}
