//! `veil do` in a terminal: veil runs on the slave of a host pty (as the leader of a
//! session that has it as controlling terminal, like a program started from a
//! shell), and the test types into the master as a user would. Interactive bash must
//! have job control through the sentry's console: Ctrl-Z stops the foreground job,
//! `jobs` lists it, `fg` resumes it, Ctrl-C interrupts only it, a window resize
//! reaches the guest, and the host terminal gets its settings back at the end.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::pty::{openpty, Winsize};
use nix::sys::termios::{tcgetattr, LocalFlags};

use crate::harness::VEIL;

/// How long to wait for an expected output before failing.
const EXPECT_GUARD: Duration = Duration::from_secs(30);

/// A program running on the slave of a host pty, driven through its master.
struct Session {
    master: File,
    child: Child,
    /// Everything read from the master so far.
    seen: String,
}

nix::ioctl_write_int_bad!(tiocsctty, libc::TIOCSCTTY);
nix::ioctl_write_ptr_bad!(tiocswinsz, libc::TIOCSWINSZ, Winsize);

impl Session {
    /// Starts `cmd` on a new pty of 24x80 as the leader of its own session.
    fn start(cmd: &mut Command) -> Session {
        let size = Winsize {
            ws_row: 24,
            ws_col: 80,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = openpty(Some(&size), None).expect("openpty");
        let slave: OwnedFd = pty.slave;
        let io = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup of the pty slave"));
        cmd.stdin(io(&slave)).stdout(io(&slave)).stderr(io(&slave));
        // SAFETY: between fork and exec the closure only makes async-signal-safe
        // calls (setsid, ioctl) on descriptor 0, which the child owns.
        unsafe {
            cmd.pre_exec(|| {
                nix::unistd::setsid()?;
                tiocsctty(0, 0)?;
                Ok(())
            });
        }
        let child = cmd.spawn().expect("starting veil on the pty");
        drop(slave);
        let master = File::from(pty.master);
        nix::fcntl::fcntl(
            master.as_raw_fd(),
            nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
        )
        .expect("O_NONBLOCK on the pty master");
        Session {
            master,
            child,
            seen: String::new(),
        }
    }

    /// Types `keys` into the terminal.
    fn send(&mut self, keys: &str) {
        self.master
            .write_all(keys.as_bytes())
            .expect("writing to the pty master");
    }

    /// Reads until the output since `from` contains `want`; returns the offset just
    /// past it. Fails the test after [`EXPECT_GUARD`].
    fn expect_from(&mut self, from: usize, want: &str) -> usize {
        let deadline = Instant::now() + EXPECT_GUARD;
        loop {
            if let Some(i) = self.seen[from..].find(want) {
                return from + i + want.len();
            }
            assert!(
                Instant::now() < deadline,
                "waited {EXPECT_GUARD:?} for {want:?}; the terminal showed:\n{}",
                self.seen
            );
            let mut buf = [0u8; 4096];
            match self.master.read(&mut buf) {
                Ok(0) => std::thread::sleep(Duration::from_millis(10)),
                Ok(n) => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                // EAGAIN: nothing yet; EIO: the slave side closed.
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }

    /// Types `keys`, then waits for `want` in what follows.
    fn step(&mut self, keys: &str, want: &str) -> usize {
        let from = self.seen.len();
        self.send(keys);
        self.expect_from(from, want)
    }

    /// Types `keys` every `every` until `want` follows (for a signal key that must
    /// reach a job the shell is still putting in the foreground). Fails the test
    /// after [`EXPECT_GUARD`].
    fn step_until(&mut self, keys: &str, want: &str, every: Duration) -> usize {
        let from = self.seen.len();
        let deadline = Instant::now() + EXPECT_GUARD;
        loop {
            self.send(keys);
            let next = Instant::now() + every;
            while Instant::now() < next {
                if let Some(i) = self.seen[from..].find(want) {
                    return from + i + want.len();
                }
                let mut buf = [0u8; 4096];
                match self.master.read(&mut buf) {
                    Ok(n) if n > 0 => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                    _ => std::thread::sleep(Duration::from_millis(10)),
                }
            }
            assert!(
                Instant::now() < deadline,
                "waited {EXPECT_GUARD:?} for {want:?}; the terminal showed:\n{}",
                self.seen
            );
        }
    }

    /// Waits for the program to end; its exit code.
    fn wait(&mut self) -> i32 {
        let deadline = Instant::now() + EXPECT_GUARD;
        loop {
            if let Some(status) = self.child.try_wait().expect("waiting for veil") {
                return status.code().unwrap_or(-1);
            }
            // Keep the pty drained so the guest never blocks on output.
            let mut buf = [0u8; 4096];
            if let Ok(n) = self.master.read(&mut buf) {
                self.seen.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("veil did not exit; the terminal showed:\n{}", self.seen);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `veil do -- bash -i` with a fixed prompt and no start-up files.
fn interactive_bash() -> Session {
    assert!(
        std::path::Path::new("/bin/bash").is_file(),
        "/bin/bash is missing"
    );
    let mut cmd = Command::new(VEIL);
    cmd.args(["do", "--", "/bin/bash", "--norc", "--noprofile", "-i"])
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("PS1", "P$ ")
        .env("TERM", "dumb")
        .current_dir("/");
    let mut s = Session::start(&mut cmd);
    s.expect_from(0, "P$ ");
    s
}

#[test]
fn interactive_bash_runs_commands_on_the_console() {
    let mut s = interactive_bash();
    s.step("echo hi $((6*7))\r", "hi 42\r\n");
    s.step("tty\r", "/dev/pts/0\r\n");
    s.step("stty size\r", "24 80\r\n");
    // /proc shows the controlling terminal, as ps reads it.
    s.step("ps -o tty= -p $$\r", "pts/0");
    // Bash found job control: a job gets its own process group.
    s.step(
        "sleep 0.1 & echo pg=$(( $(ps -o pgid= -p $!) == $! ))\r",
        "pg=1\r\n",
    );
    s.send("exit 7\r");
    assert_eq!(s.wait(), 7, "the terminal showed:\n{}", s.seen);
}

#[test]
fn ctrl_z_stops_the_foreground_job_and_fg_resumes_it() {
    let mut s = interactive_bash();
    s.step("sleep 60\r", "sleep 60\r\n");
    // Ctrl-Z until it reaches the job (bash itself ignores it while starting it).
    s.step_until("\x1a", "Stopped", Duration::from_secs(1));
    s.step("jobs\r", "[1]+  Stopped                 sleep 60");
    s.step("fg\r", "sleep 60\r\n");
    // Give fg time to hand the terminal over before interrupting the job.
    std::thread::sleep(Duration::from_millis(500));
    // Ctrl-C interrupts the job, not the shell.
    s.step("\x03", "P$ ");
    s.step("echo status=$?\r", "status=130\r\n");
    s.step("sleep 60 &\r", "P$ ");
    s.step("bg; jobs\r", "Running");
    s.step("kill %1; wait; echo reaped\r", "reaped\r\n");
    s.send("exit\r");
    assert_eq!(s.wait(), 0, "the terminal showed:\n{}", s.seen);
}

#[test]
fn window_resize_reaches_the_guest() {
    let mut s = interactive_bash();
    s.step("trap 'echo resized' WINCH\r", "P$ ");
    let size = Winsize {
        ws_row: 50,
        ws_col: 132,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads one struct winsize from the pointer, which is valid.
    unsafe { tiocswinsz(s.master.as_raw_fd(), &size) }.expect("TIOCSWINSZ");
    // The kernel sends SIGWINCH to veil (the pty's foreground), veil to the guest.
    s.step("stty size\r", "50 132\r\n");
    s.send("exit\r");
    assert_eq!(s.wait(), 0, "the terminal showed:\n{}", s.seen);
    assert!(s.seen.contains("resized"), "no WINCH trap:\n{}", s.seen);
}

#[test]
fn the_host_terminal_gets_its_settings_back() {
    let mut s = interactive_bash();
    s.step("cat\r", "cat\r\n");
    s.step("typed line\r", "typed line\r\ntyped line\r\n");
    // Ctrl-D at the start of a line: cat reads end of file.
    s.step("\x04", "P$ ");
    s.send("exit\r");
    assert_eq!(s.wait(), 0, "the terminal showed:\n{}", s.seen);
    // The pty's settings are shared by both sides: veil's raw mode is undone.
    let t = tcgetattr(s.master.as_fd()).expect("tcgetattr on the master");
    assert!(
        t.local_flags
            .contains(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG),
        "host terminal left in raw mode: {:?}",
        t.local_flags
    );
}
