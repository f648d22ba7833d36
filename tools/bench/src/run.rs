//! Running a program to completion with a time limit, timing it.

use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// A finished run.
pub struct Finished {
    /// Wall time from just before spawn to just after the exit was reaped.
    pub elapsed: Duration,
    /// How it ended.
    pub status: ExitStatus,
    /// Its stdout.
    pub stdout: String,
    /// Its stderr.
    pub stderr: String,
}

impl Finished {
    /// An error unless the program exited 0.
    pub fn check_success(&self, what: &str) -> Result<(), String> {
        if self.status.success() {
            return Ok(());
        }
        let first = self.stderr.lines().next().unwrap_or("(no stderr)");
        Err(format!("{what}: {}: {first}", self.status))
    }
}

/// Runs `cmd` (stdin /dev/null, output captured), killing it after `limit`.
pub fn run(cmd: &mut Command, limit: Duration) -> Result<Finished, String> {
    let what = format!("{:?}", cmd);
    let start = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {what}: {e}"))?;
    let pid = i32::try_from(child.id()).map_err(|_| "pid out of range".to_string())?;

    // A watchdog kills the child if it is not done in time.
    let (done, wait_done) = mpsc::channel::<()>();
    let watchdog = thread::spawn(move || {
        let timed_out = wait_done.recv_timeout(limit).is_err();
        if timed_out {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        timed_out
    });
    let output = child.wait_with_output();
    let elapsed = start.elapsed();
    let _ = done.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    let output = output.map_err(|e| format!("waiting for {what}: {e}"))?;
    if timed_out {
        return Err(format!("{what} did not finish within {limit:?}"));
    }
    Ok(Finished {
        elapsed,
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}
