//! What the first guest process inherits from the way veil was started, as a program
//! started by exec would: ignored signals (a `nohup`-ed or background command has
//! `SIGINT` ignored) and the signal mask; and that a guest blocked reading an
//! inherited host pipe still takes signals.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, signal, SigHandler, Signal};
use nix::unistd::Pid;

use crate::harness::{run, VEIL};

/// `grep SigIgn /proc/self/status` with `SIGINT` and `SIGQUIT` ignored, under veil
/// (`veil` true) or natively.
fn sig_ignored_line(under_veil: bool) -> String {
    let mut cmd = if under_veil {
        let mut c = Command::new(VEIL);
        c.args(["do", "--", "grep", "SigIgn", "/proc/self/status"]);
        c
    } else {
        let mut c = Command::new("grep");
        c.args(["SigIgn", "/proc/self/status"]);
        c
    };
    // SAFETY: between fork and exec the closure only calls signal(2), which is
    // async-signal-safe, with SIG_IGN.
    unsafe {
        cmd.pre_exec(|| {
            signal(Signal::SIGINT, SigHandler::SigIgn).map_err(std::io::Error::from)?;
            signal(Signal::SIGQUIT, SigHandler::SigIgn).map_err(std::io::Error::from)?;
            Ok(())
        });
    }
    let r = run(&mut cmd);
    r.assert_code(0);
    r.out()
}

#[test]
fn ignored_signals_pass_to_the_guest_as_through_exec() {
    let native = sig_ignored_line(false);
    let bits = native
        .trim()
        .strip_prefix("SigIgn:")
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or_else(|| panic!("native: {native}"));
    // SIGINT (2) and SIGQUIT (3), whatever else the test's parent ignores.
    assert_eq!(bits & 0b110, 0b110, "native: {native}");
    assert_eq!(sig_ignored_line(true), native);
}

#[test]
fn a_guest_reading_a_silent_host_pipe_still_takes_a_signal() {
    assert!(
        std::path::Path::new("/bin/bash").is_file(),
        "/bin/bash is missing"
    );
    let script = "trap 'echo got USR1; exit 3' USR1; read x; echo read-returned";
    let mut child = Command::new(VEIL)
        .args(["do", "--", "/bin/bash", "-c", script])
        // A pipe the test holds open and never writes: the read waits for ever.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting veil");
    std::thread::sleep(Duration::from_millis(500));
    let pid = Pid::from_raw(child.id() as i32);
    kill(pid, Signal::SIGUSR1).expect("kill -USR1 veil");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().expect("waiting for veil") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the guest never left its read of the pipe after SIGUSR1");
        }
        // Forwarding may start after the first signal: send it again.
        let _ = kill(pid, Signal::SIGUSR1);
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("piped stdout")
        .read_to_string(&mut out)
        .expect("reading veil's stdout");
    assert_eq!(status.code(), Some(3), "stdout: {out}");
    assert_eq!(out, "got USR1\n");
}
