//! One traced stub thread and the ptrace operations on it.
//!
//! Every method must be called from the host thread that traces the stub thread (the
//! one that seized or forked it): Linux refuses ptrace requests from any other thread.

use nix::sys::ptrace;
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use super::stub;
use crate::{PlatformError, Registers};

/// `PTRACE_EVENT_STOP`: the stop `PTRACE_INTERRUPT` (or a group stop) produces.
const PTRACE_EVENT_STOP: i32 = 128;

fn host(call: &'static str) -> impl FnOnce(nix::Error) -> PlatformError {
    move |err| PlatformError::Host { call, err }
}

/// How a stub thread stopped, as the kernel reported it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RawStop {
    /// A `PTRACE_SYSEMU` syscall-entry stop.
    Syscall,
    /// A signal-delivery stop for this signal.
    Signal(Signal),
    /// A `PTRACE_EVENT_STOP` (interrupt or group stop).
    EventStop,
}

/// A stub thread traced by the current host thread.
#[derive(Debug)]
pub(crate) struct StubThread {
    pid: Pid,
}

impl StubThread {
    /// Wraps the stub `pid`, already stopped and traced by the calling thread.
    pub(crate) fn new(pid: libc::pid_t) -> StubThread {
        StubThread {
            pid: Pid::from_raw(pid),
        }
    }

    /// The host pid of the stub thread.
    pub(crate) fn pid(&self) -> libc::pid_t {
        self.pid.as_raw()
    }

    /// Seizes the stub `pid` (sleeping in the stub's `pause` loop), stops it and returns
    /// it traced by the calling thread.
    pub(crate) fn seize(pid: libc::pid_t) -> Result<StubThread, PlatformError> {
        let t = StubThread::new(pid);
        ptrace::seize(t.pid, Self::options()).map_err(host("PTRACE_SEIZE"))?;
        ptrace::interrupt(t.pid).map_err(host("PTRACE_INTERRUPT"))?;
        match t.wait()? {
            RawStop::EventStop => Ok(t),
            other => Err(PlatformError::Killed(format!(
                "new stub thread {pid} stopped with {other:?} instead of an interrupt"
            ))),
        }
    }

    /// The options every stub is traced with: die with the tracer, and mark syscall
    /// stops so they cannot be confused with a guest's SIGTRAP.
    pub(crate) fn options() -> ptrace::Options {
        ptrace::Options::PTRACE_O_EXITKILL | ptrace::Options::PTRACE_O_TRACESYSGOOD
    }

    /// Sets the tracing options on a stub that attached with `PTRACE_TRACEME`.
    pub(crate) fn set_options(&self) -> Result<(), PlatformError> {
        ptrace::setoptions(self.pid, Self::options()).map_err(host("PTRACE_SETOPTIONS"))
    }

    /// Waits for the next stop of the stub thread.
    pub(crate) fn wait(&self) -> Result<RawStop, PlatformError> {
        loop {
            match waitpid(self.pid, Some(WaitPidFlag::__WALL)) {
                Ok(WaitStatus::PtraceSyscall(_)) => return Ok(RawStop::Syscall),
                Ok(WaitStatus::Stopped(_, sig)) => return Ok(RawStop::Signal(sig)),
                Ok(WaitStatus::PtraceEvent(_, _, PTRACE_EVENT_STOP)) => {
                    return Ok(RawStop::EventStop)
                }
                Ok(WaitStatus::PtraceEvent(_, _, ev)) => {
                    return Err(PlatformError::Killed(format!(
                        "unexpected ptrace event {ev}"
                    )))
                }
                Ok(WaitStatus::Exited(_, code)) => {
                    return Err(PlatformError::Killed(format!(
                        "stub exited with status {code}"
                    )))
                }
                Ok(WaitStatus::Signaled(_, sig, _)) => {
                    return Err(PlatformError::Killed(format!("stub killed by {sig}")))
                }
                Ok(WaitStatus::Continued(_) | WaitStatus::StillAlive) => continue,
                Err(nix::Error::EINTR) => continue,
                Err(err) => return Err(host("waitpid")(err)),
            }
        }
    }

    /// Reads the general-purpose registers.
    pub(crate) fn get_regs(&self) -> Result<Registers, PlatformError> {
        ptrace::getregs(self.pid)
            .map(Registers)
            .map_err(host("PTRACE_GETREGS"))
    }

    /// Writes the general-purpose registers.
    pub(crate) fn set_regs(&self, regs: &Registers) -> Result<(), PlatformError> {
        ptrace::setregs(self.pid, regs.0).map_err(host("PTRACE_SETREGS"))
    }

    /// Resumes with `PTRACE_SYSEMU`, discarding any pending stop signal.
    pub(crate) fn resume_sysemu(&self) -> Result<(), PlatformError> {
        ptrace::sysemu(self.pid, None).map_err(host("PTRACE_SYSEMU"))
    }

    /// Executes one host system call in the stub and returns its raw result. Clobbers
    /// the stub thread's registers; the caller sets the guest's before it runs again.
    pub(crate) fn inject_syscall(&self, nr: i64, args: &[u64]) -> Result<i64, PlatformError> {
        self.inject_at(stub::syscall_addr(), nr, args)
    }

    /// Like [`StubThread::inject_syscall`], at the stub's clone sequence.
    pub(crate) fn inject_clone(&self, flags: u64) -> Result<i64, PlatformError> {
        self.inject_at(stub::clone_addr(), libc::SYS_clone, &[flags, 0, 0, 0, 0])
    }

    fn inject_at(&self, ip: u64, nr: i64, args: &[u64]) -> Result<i64, PlatformError> {
        let mut regs = self.get_regs()?;
        let r = &mut regs.0;
        r.rip = ip;
        r.rax = nr as u64;
        r.orig_rax = u64::MAX;
        let mut a = [0u64; 6];
        a[..args.len()].copy_from_slice(args);
        (r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9) = (a[0], a[1], a[2], a[3], a[4], a[5]);
        self.set_regs(&regs)?;
        ptrace::cont(self.pid, None).map_err(host("PTRACE_CONT"))?;
        loop {
            match self.wait()? {
                RawStop::Signal(Signal::SIGTRAP) => break,
                // A signal that arrived meanwhile (our interrupt, or a host signal): it
                // is not for this call; keep going and let the caller see later stops.
                RawStop::Signal(_) | RawStop::EventStop => {
                    ptrace::cont(self.pid, None).map_err(host("PTRACE_CONT"))?;
                }
                RawStop::Syscall => {
                    return Err(PlatformError::Killed(
                        "syscall stop during injection".into(),
                    ))
                }
            }
        }
        let after = self.get_regs()?;
        Ok(after.0.rax as i64)
    }

    /// Reads `PTRACE_GETSIGINFO` of the current signal-delivery stop.
    pub(crate) fn siginfo(&self) -> Result<libc::siginfo_t, PlatformError> {
        ptrace::getsiginfo(self.pid).map_err(host("PTRACE_GETSIGINFO"))
    }

    /// Reads the `fxsave` area of the stub thread.
    pub(crate) fn get_fpregs(&self) -> Result<[u8; 512], PlatformError> {
        let mut buf = [0u8; 512];
        // SAFETY: PTRACE_GETFPREGS writes exactly one `user_fpregs_struct` (512 bytes)
        // into the buffer we pass, which is 512 bytes long.
        let r = unsafe {
            libc::ptrace(
                libc::PTRACE_GETFPREGS,
                self.pid.as_raw(),
                0,
                buf.as_mut_ptr(),
            )
        };
        if r < 0 {
            return Err(host("PTRACE_GETFPREGS")(nix::Error::last()));
        }
        Ok(buf)
    }

    /// Writes the `fxsave` area of the stub thread.
    pub(crate) fn set_fpregs(&self, state: &[u8; 512]) -> Result<(), PlatformError> {
        // SAFETY: PTRACE_SETFPREGS reads exactly 512 bytes from the buffer we pass.
        let r =
            unsafe { libc::ptrace(libc::PTRACE_SETFPREGS, self.pid.as_raw(), 0, state.as_ptr()) };
        if r < 0 {
            return Err(host("PTRACE_SETFPREGS")(nix::Error::last()));
        }
        Ok(())
    }

    /// Kills the stub thread and reaps it. Only this stub process dies: stub threads are
    /// separate host processes that share an mm, not host threads of one process.
    pub(crate) fn kill(&self) {
        let _ = nix::sys::signal::kill(self.pid, Signal::SIGKILL);
        while let Ok(status) = waitpid(self.pid, Some(WaitPidFlag::__WALL)) {
            if matches!(status, WaitStatus::Exited(..) | WaitStatus::Signaled(..)) {
                break;
            }
        }
    }
}
