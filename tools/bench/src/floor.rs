//! The floor for a trapped system call: a bare PTRACE_SYSEMU round trip,
//! measured with a tracee of our own.
//!
//! A child does PTRACE_TRACEME, stops itself, then calls getpid forever.
//! The parent resumes it with PTRACE_SYSEMU and waits for the next
//! syscall-entry stop; the system call itself is never run. With
//! `with_regs`, each stop also does what any sentry must do at the least:
//! PTRACE_GETREGS to read the number, and PTRACE_SETREGS to write the result
//! to rax.

use std::hint::black_box;
use std::time::Instant;

use nix::sys::ptrace::{self, Options};
use nix::sys::signal::{kill, raise, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, getpid, ForkResult, Pid};

/// Iterations run before timing starts.
const WARMUP: usize = 2_000;

/// ns per round trip for each of `repeats` batches of `iterations`, for
/// the bare round trip and for the one with GETREGS + SETREGS.
pub struct Floor {
    /// PTRACE_SYSEMU + waitpid, ns per call, one value per batch.
    pub bare: Vec<f64>,
    /// PTRACE_SYSEMU + waitpid + PTRACE_GETREGS + PTRACE_SETREGS.
    pub with_regs: Vec<f64>,
}

/// A traced child that loops on getpid; killed (and reaped) on drop.
struct Tracee {
    pid: Pid,
}

impl Drop for Tracee {
    fn drop(&mut self) {
        let _ = kill(self.pid, Signal::SIGKILL);
        let _ = waitpid(self.pid, None);
    }
}

fn child_loop() -> ! {
    if ptrace::traceme().is_err() {
        std::process::exit(1);
    }
    if raise(Signal::SIGSTOP).is_err() {
        std::process::exit(1);
    }
    loop {
        // glibc's getpid() is a real system call (no cache since 2.25).
        black_box(getpid());
    }
}

impl Tracee {
    /// Forks the child and waits for its self-stop.
    ///
    /// Must be called while the process has a single thread.
    fn start() -> Result<Tracee, String> {
        // SAFETY: veil-bench calls this before it starts any thread (see
        // main), so the child is a copy of a single-threaded process and
        // may run any code; it only runs child_loop, which never returns.
        let pid = match unsafe { fork() } {
            Ok(ForkResult::Child) => child_loop(),
            Ok(ForkResult::Parent { child }) => child,
            Err(e) => return Err(format!("fork: {e}")),
        };
        let tracee = Tracee { pid };
        match waitpid(pid, None) {
            Ok(WaitStatus::Stopped(_, Signal::SIGSTOP)) => {}
            other => return Err(format!("tracee did not stop itself: {other:?}")),
        }
        ptrace::setoptions(
            pid,
            Options::PTRACE_O_EXITKILL | Options::PTRACE_O_TRACESYSGOOD,
        )
        .map_err(|e| format!("PTRACE_SETOPTIONS: {e}"))?;
        Ok(tracee)
    }

    /// One round trip: resume to the next system call and wait for it.
    fn step(&self, with_regs: bool) -> Result<(), String> {
        ptrace::sysemu(self.pid, None).map_err(|e| format!("PTRACE_SYSEMU: {e}"))?;
        match waitpid(self.pid, None) {
            Ok(WaitStatus::PtraceSyscall(_)) => {}
            other => return Err(format!("tracee: unexpected wait status {other:?}")),
        }
        if with_regs {
            let mut regs = ptrace::getregs(self.pid).map_err(|e| format!("PTRACE_GETREGS: {e}"))?;
            // What a sentry's dispatch does at the least: look at the number.
            regs.rax = if regs.orig_rax == libc::SYS_getpid as u64 {
                1
            } else {
                (-libc::ENOSYS) as u64
            };
            ptrace::setregs(self.pid, regs).map_err(|e| format!("PTRACE_SETREGS: {e}"))?;
        }
        Ok(())
    }

    fn time(&self, iterations: usize, with_regs: bool) -> Result<f64, String> {
        let start = Instant::now();
        for _ in 0..iterations {
            self.step(with_regs)?;
        }
        Ok(start.elapsed().as_nanos() as f64 / iterations as f64)
    }
}

/// Measures both floors, alternating batches so that both see the same
/// machine conditions.
///
/// Must be called while the process has a single thread (it forks).
pub fn measure(iterations: usize, repeats: usize) -> Result<Floor, String> {
    let tracee = Tracee::start()?;
    for _ in 0..WARMUP {
        tracee.step(true)?;
    }
    let mut floor = Floor {
        bare: Vec::with_capacity(repeats),
        with_regs: Vec::with_capacity(repeats),
    };
    for _ in 0..repeats {
        floor.bare.push(tracee.time(iterations, false)?);
        floor.with_regs.push(tracee.time(iterations, true)?);
    }
    Ok(floor)
}
