//! The console of `veil do`: when the sentry's stdin, stdout or stderr is a host
//! terminal, the guest gets a sentry terminal instead (`/dev/pts/0`, its controlling
//! terminal), whose master side is that host terminal.
//!
//! The host terminal is put in raw mode for the sandbox's life (so Ctrl-C, Ctrl-Z and
//! line editing reach the guest's line discipline as bytes) and restored by
//! [`HostConsole::finish`]. Two host threads pump: `veil-console-in` reads the host
//! terminal and types the bytes into the terminal; `veil-console-out` writes the
//! terminal's output to the host. A host `SIGWINCH` (taken by `veil do`'s signal
//! thread) becomes [`HostConsole::resize_from_host`]: the new size, and `SIGWINCH` to
//! the guest's foreground process group. The host terminal closing hangs the console
//! up.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::sys::termios::{self, SetArg, Termios};
use parking_lot::{Condvar, Mutex};
use veil_vfs::{FileOps, HostFile, PollWaker};

use super::Terminal;
use crate::Kernel;

/// Wakes a pump thread waiting for the terminal.
#[derive(Default)]
struct PumpWaker {
    woken: Mutex<bool>,
    cv: Condvar,
}

impl PollWaker for PumpWaker {
    fn wake(&self) {
        *self.woken.lock() = true;
        self.cv.notify_all();
    }
}

impl PumpWaker {
    /// Waits until woken or `timeout`, then re-arms.
    fn wait(&self, timeout: Duration) {
        let mut woken = self.woken.lock();
        if !*woken {
            let _ = self.cv.wait_for(&mut woken, timeout);
        }
        *woken = false;
    }
}

/// The host side of the console.
pub struct HostConsole {
    /// The guest's terminal.
    pub terminal: Arc<Terminal>,
    /// Which of the sentry's fds 0-2 are this terminal (the guest's get the slave).
    pub stdio: [bool; 3],
    host: File,
    /// The host terminal's settings before raw mode (`Termios` is not `Sync`).
    saved: Mutex<Option<Termios>>,
    writing: AtomicBool,
    output_waker: Arc<PumpWaker>,
    /// Set by [`HostConsole::close`]: the pumps stop and let go of the host terminal.
    closed: AtomicBool,
}

impl HostConsole {
    /// Makes the console if one of the sentry's fds 0-2 is a terminal: allocates pty
    /// 0 with the host terminal's settings and size, puts the host terminal in raw
    /// mode and starts the pumps. `None` when no stdio descriptor is a terminal (or
    /// it cannot be used), and the guest's stdio stays the host's descriptors.
    pub fn attach(kernel: &Arc<Kernel>) -> Option<Arc<HostConsole>> {
        let (stdin, stdout, stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
        let fds = [stdin.as_fd(), stdout.as_fd(), stderr.as_fd()];
        let first = (0..3).find(|&i| nix::unistd::isatty(fds[i].as_raw_fd()).unwrap_or(false))?;
        let rdev_of = |fd: std::os::fd::BorrowedFd<'_>| {
            nix::sys::stat::fstat(fd.as_raw_fd())
                .ok()
                .map(|s| s.st_rdev)
        };
        let rdev = rdev_of(fds[first])?;
        let mut stdio = [false; 3];
        for (i, fd) in fds.iter().enumerate() {
            stdio[i] =
                nix::unistd::isatty(fd.as_raw_fd()).unwrap_or(false) && rdev_of(*fd) == Some(rdev);
        }
        // Read and write the terminal through one descriptor opened for both.
        let host: File = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(format!("/proc/self/fd/{first}"))
            .ok()
            .or_else(|| fds[first].try_clone_to_owned().ok().map(File::from))?;
        Self::over(kernel, host, stdio)
    }

    /// Makes a console whose host side is the terminal `fd` (an OCI `exec --tty`'s
    /// pty slave), for a process whose descriptors 0-2 all are its terminal. `None`
    /// when `fd` is not a terminal.
    pub fn attach_fd(kernel: &Arc<Kernel>, fd: OwnedFd) -> Option<Arc<HostConsole>> {
        if !nix::unistd::isatty(fd.as_raw_fd()).unwrap_or(false) {
            return None;
        }
        Self::over(kernel, File::from(fd), [true; 3])
    }

    /// The console over the host terminal `host`: pty settings and size from it, raw
    /// mode, pumps started.
    fn over(kernel: &Arc<Kernel>, host: File, stdio: [bool; 3]) -> Option<Arc<HostConsole>> {
        let probe = HostFile::new(
            OwnedFd::from(host.try_clone().ok()?),
            veil_abi::flags::mode::S_IFCHR,
        );
        let guest_termios = probe.tcgets().ok()?;
        let winsize = probe.winsize().unwrap_or_default();
        let terminal = kernel
            .ptys
            .allocate(kernel, guest_termios, winsize, false)
            .ok()?;
        let _ = super::pty::create_node(kernel, &terminal, nix::unistd::geteuid().as_raw());

        let saved = termios::tcgetattr(host.as_fd()).ok();
        if let Some(saved) = &saved {
            let mut raw = saved.clone();
            termios::cfmakeraw(&mut raw);
            let _ = termios::tcsetattr(host.as_fd(), SetArg::TCSANOW, &raw);
        }
        let console = Arc::new(HostConsole {
            terminal,
            stdio,
            host,
            saved: Mutex::new(saved),
            writing: AtomicBool::new(false),
            output_waker: Arc::new(PumpWaker::default()),
            closed: AtomicBool::new(false),
        });
        console.clone().start_pumps();
        Some(console)
    }

    fn start_pumps(self: Arc<Self>) {
        let input = self.clone();
        let _ = std::thread::Builder::new()
            .name("veil-console-in".into())
            .spawn(move || input.pump_input());
        let _ = std::thread::Builder::new()
            .name("veil-console-out".into())
            .spawn(move || self.pump_output());
    }

    /// Host keyboard → terminal input, until the host terminal ends.
    fn pump_input(&self) {
        let mut host = match self.host.try_clone() {
            Ok(h) => h,
            Err(_) => return,
        };
        let room = Arc::new(PumpWaker::default());
        let waker: Arc<dyn PollWaker> = room.clone();
        let mut buf = [0u8; 1024];
        loop {
            // Wait for input a little at a time, so that `close` is seen.
            let mut fds = [nix::poll::PollFd::new(
                host.as_fd(),
                nix::poll::PollFlags::POLLIN,
            )];
            match nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(100u16)) {
                _ if self.closed.load(Ordering::SeqCst) => return,
                Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
                _ => {}
            }
            let n = match host.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let mut done = 0;
            while done < n {
                done += self.terminal.type_input(&buf[done..n]);
                if done < n {
                    // The input side is full until the guest reads.
                    self.terminal.state.lock().waiters.register(&waker);
                    room.wait(Duration::from_millis(50));
                }
            }
        }
        self.terminal.hang_up();
    }

    /// Terminal output → host terminal.
    fn pump_output(&self) {
        let waker: Arc<dyn PollWaker> = self.output_waker.clone();
        let mut host = match self.host.try_clone() {
            Ok(h) => h,
            Err(_) => return,
        };
        let mut buf = [0u8; 4096];
        loop {
            if self.closed.load(Ordering::SeqCst) {
                return;
            }
            self.writing.store(true, Ordering::SeqCst);
            let n = self.terminal.take_output(&mut buf);
            if n > 0 {
                if host.write_all(&buf[..n]).is_err() {
                    self.writing.store(false, Ordering::SeqCst);
                    return;
                }
                continue;
            }
            self.writing.store(false, Ordering::SeqCst);
            if !self.terminal.wait_for(&waker, |ready, _| ready) {
                self.output_waker.wait(Duration::from_millis(200));
            }
        }
    }

    /// Reads the host terminal's size into the console (a host `SIGWINCH`).
    pub fn resize_from_host(&self) {
        if let Ok(probe) = self.host.try_clone() {
            let probe = HostFile::new(OwnedFd::from(probe), veil_abi::flags::mode::S_IFCHR);
            if let Ok(ws) = probe.winsize() {
                self.terminal.set_winsize(ws);
            }
        }
    }

    /// Writes out what the guest left in the terminal (waiting at most a second) and
    /// gives the host terminal its settings back. Call once, when the sandbox ended.
    pub fn finish(&self) {
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline
            && (self.terminal.state.lock().ldisc.output_len() > 0
                || self.writing.load(Ordering::SeqCst))
        {
            self.output_waker.wake();
            std::thread::sleep(Duration::from_millis(2));
        }
        if let Some(saved) = self.saved.lock().take() {
            let _ = termios::tcsetattr(self.host.as_fd(), SetArg::TCSADRAIN, &saved);
        }
    }

    /// [`HostConsole::finish`], then stops the pumps so that the host terminal is
    /// closed once the last holder of the console lets go (an OCI `exec`'s console:
    /// the client sees its pty hang up when the process ends, while the sandbox
    /// goes on).
    pub fn close(&self) {
        self.finish();
        self.closed.store(true, Ordering::SeqCst);
        self.output_waker.wake();
    }
}
