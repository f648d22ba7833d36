//! The ptrace platform's [`Context`]: runs guest code on the calling thread's stub thread.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;

use nix::sys::signal::Signal;

use super::address_space::{pin, PtraceAddressSpace, LOCAL};
use super::thread::RawStop;
use crate::{
    AddressSpace, Context, FaultCause, Interrupter, PlatformError, Registers, SignalInfo, Stop,
};

/// `si_code` of a signal the kernel raised for a general protection fault.
const SI_KERNEL: i32 = 0x80;
const SEGV_MAPERR: i32 = 1;
const SEGV_ACCERR: i32 = 2;

/// A sentry host thread's context on the ptrace platform.
pub struct PtraceContext {
    interrupter: Arc<PtraceInterrupter>,
}

/// Interrupts a [`PtraceContext`] by sending `SIGCHLD` to the stub thread it runs: the
/// stub has no children, so a `SIGCHLD` stop can only be ours.
#[derive(Default)]
struct PtraceInterrupter {
    /// The stub pid currently running guest code for the context, or 0.
    running: AtomicI32,
    /// An interrupt not yet observed by `switch`.
    pending: AtomicBool,
}

impl Interrupter for PtraceInterrupter {
    fn interrupt(&self) {
        self.pending.store(true, Ordering::SeqCst);
        let pid = self.running.load(Ordering::SeqCst);
        if pid != 0 {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGCHLD);
        }
    }
}

impl PtraceContext {
    /// Creates the calling thread's context and pins the thread to `cpu`; its stub
    /// threads are pinned to the same CPU, because a tracer and its tracee never run at
    /// once and a same-CPU wake-up is several times cheaper than a cross-CPU one.
    pub(crate) fn new(cpu: usize) -> Result<PtraceContext, PlatformError> {
        pin(0, cpu);
        LOCAL.with(|l| l.borrow_mut().cpu = Some(cpu));
        Ok(PtraceContext {
            interrupter: Arc::new(PtraceInterrupter::default()),
        })
    }

    fn ptrace_space(aspace: &Arc<dyn AddressSpace>) -> Result<&PtraceAddressSpace, PlatformError> {
        aspace
            .as_any()
            .downcast_ref::<PtraceAddressSpace>()
            .ok_or_else(|| PlatformError::Killed("address space of another platform".into()))
    }
}

impl Context for PtraceContext {
    fn switch(
        &mut self,
        aspace: &Arc<dyn AddressSpace>,
        regs: &mut Registers,
    ) -> Result<Stop, PlatformError> {
        let space = Self::ptrace_space(aspace)?;
        let irq = &self.interrupter;
        space.with_stub(|t| {
            irq.running.store(t.pid(), Ordering::SeqCst);
            if irq.pending.swap(false, Ordering::SeqCst) {
                irq.running.store(0, Ordering::SeqCst);
                return Ok(Stop::Interrupted);
            }
            let ran = t
                .set_regs(regs)
                .and_then(|()| t.resume_sysemu())
                .and_then(|()| t.wait());
            irq.running.store(0, Ordering::SeqCst);
            let raw = ran?;
            *regs = t.get_regs()?;
            Ok(match raw {
                RawStop::Syscall => Stop::Syscall,
                RawStop::EventStop => Stop::Interrupted,
                RawStop::Signal(Signal::SIGCHLD) => {
                    irq.pending.store(false, Ordering::SeqCst);
                    Stop::Interrupted
                }
                RawStop::Signal(
                    Signal::SIGSTOP | Signal::SIGTSTP | Signal::SIGTTIN | Signal::SIGTTOU,
                ) => Stop::Interrupted,
                RawStop::Signal(sig) => {
                    let info = t.siginfo()?;
                    // SAFETY: si_addr is valid to read for the fault signals checked
                    // below; for others we do not use it.
                    let addr = unsafe { info.si_addr() } as u64;
                    let code = info.si_code;
                    let is_fault =
                        sig == Signal::SIGSEGV && (code == SEGV_MAPERR || code == SEGV_ACCERR);
                    if is_fault {
                        Stop::Fault {
                            addr,
                            access: None,
                            cause: if code == SEGV_MAPERR {
                                FaultCause::NotMapped
                            } else {
                                FaultCause::Protection
                            },
                        }
                    } else {
                        let has_addr = matches!(
                            sig,
                            Signal::SIGSEGV | Signal::SIGBUS | Signal::SIGILL | Signal::SIGFPE
                        ) && code != SI_KERNEL;
                        Stop::Signal(SignalInfo {
                            signo: sig as i32,
                            code,
                            addr: if has_addr { addr } else { 0 },
                        })
                    }
                }
            })
        })
    }

    fn interrupter(&self) -> Arc<dyn Interrupter> {
        self.interrupter.clone()
    }

    fn fp_state(&mut self, aspace: &Arc<dyn AddressSpace>) -> Result<[u8; 512], PlatformError> {
        Self::ptrace_space(aspace)?.with_stub(|t| t.get_fpregs())
    }

    fn set_fp_state(
        &mut self,
        aspace: &Arc<dyn AddressSpace>,
        state: &[u8; 512],
    ) -> Result<(), PlatformError> {
        Self::ptrace_space(aspace)?.with_stub(|t| t.set_fpregs(state))
    }
}
