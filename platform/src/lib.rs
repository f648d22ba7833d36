//! How guest code runs: the contract between the sentry and a platform.
//!
//! A [`Platform`] creates [`AddressSpace`]s (where guest memory is mapped) and
//! [`Context`]s (a host thread's means of running guest code). The sentry runs each
//! guest thread on one host thread with one `Context`:
//!
//! ```text
//! loop {
//!     match ctx.switch(&address_space, &mut regs)? {
//!         Stop::Syscall => ...,          // regs hold the syscall; the host never ran it
//!         Stop::Fault { addr, .. } => ..., // the guest touched memory not (yet) mapped
//!         Stop::Signal(info) => ...,     // a host signal for the guest (e.g. SIGFPE)
//!         Stop::Interrupted => ...,      // someone called `Interrupter::interrupt`
//!     }
//! }
//! ```
//!
//! The traits are deliberately small so that ptrace (here), seccomp-trap (systrap) and
//! KVM implementations fit without changes to the kernel. `unsafe` code is allowed in
//! this crate only where ptrace or raw memory demands it.

mod barrier;
pub mod ptrace;
mod registers;

pub use barrier::host_memory_barrier;
use std::any::Any;
use std::sync::Arc;

pub use registers::Registers;

/// The highest address (exclusive) a guest may use. Above it the platform keeps its own
/// stub code; the sentry's memory manager never maps there.
pub const MAX_USER_ADDRESS: u64 = ptrace::STUB_ADDR;

/// Memory protection of a mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Prot {
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// Executable.
    pub execute: bool,
}

impl Prot {
    /// The `PROT_*` bits of this protection.
    pub fn bits(self) -> i32 {
        (if self.read { libc::PROT_READ } else { 0 })
            | (if self.write { libc::PROT_WRITE } else { 0 })
            | (if self.execute { libc::PROT_EXEC } else { 0 })
    }

    /// The protection of `PROT_*` bits (unknown bits ignored).
    pub fn from_bits(bits: u32) -> Prot {
        Prot {
            read: bits & 1 != 0,
            write: bits & 2 != 0,
            execute: bits & 4 != 0,
        }
    }

    /// Whether every access allowed by `other` is allowed by `self`.
    pub fn allows(self, other: Prot) -> bool {
        (self.read || !other.read)
            && (self.write || !other.write)
            && (self.execute || !other.execute)
    }
}

/// What kind of access faulted, when the platform can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultCause {
    /// Nothing was mapped at the address (`SEGV_MAPERR`).
    NotMapped,
    /// Something was mapped but did not allow the access (`SEGV_ACCERR`).
    Protection,
}

/// Why [`Context::switch`] returned.
#[derive(Clone, Copy, Debug)]
pub enum Stop {
    /// The guest made a system call. `regs.orig_rax` is its number, the arguments are
    /// in place, and `regs.rip` points after the `syscall` instruction. The host kernel
    /// did not execute it.
    Syscall,
    /// The guest touched `addr` and the host address space had no suitable mapping.
    Fault {
        /// The faulting address.
        addr: u64,
        /// The attempted access, or `None` when the platform cannot tell (ptrace).
        access: Option<Prot>,
        /// Whether nothing was mapped or the protection was wrong.
        cause: FaultCause,
    },
    /// A synchronous host signal the guest caused, other than a page fault (e.g. SIGFPE,
    /// SIGILL, SIGTRAP from `int3`, SIGSEGV from a general protection fault).
    Signal(SignalInfo),
    /// The switch was interrupted (see [`Interrupter`]); the guest did not run to a stop
    /// of its own. Regs are unchanged.
    Interrupted,
}

/// The parts of a host `siginfo_t` the sentry needs to forward a signal to the guest.
#[derive(Clone, Copy, Debug)]
pub struct SignalInfo {
    /// Signal number.
    pub signo: i32,
    /// `si_code`.
    pub code: i32,
    /// `si_addr` for fault signals, else 0.
    pub addr: u64,
}

/// Errors of the platform. None is caused by guest input except [`PlatformError::Killed`]
/// (the host killed the stub, e.g. for out of memory).
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// A host call the platform needs failed.
    #[error("platform host call {call} failed: {err}")]
    Host {
        /// What was being done.
        call: &'static str,
        /// The host error.
        err: nix::Error,
    },
    /// The host process running the guest died unexpectedly.
    #[error("the stub process died: {0}")]
    Killed(String),
}

/// A platform: the factory of address spaces and contexts.
pub trait Platform: Send + Sync {
    /// The platform's name as given to `--platform`.
    fn name(&self) -> &'static str;

    /// Creates a new, empty address space.
    fn new_address_space(&self) -> Result<Arc<dyn AddressSpace>, PlatformError>;

    /// Creates the context of the calling host thread. A context must only be used by
    /// the thread that created it.
    fn new_context(&self) -> Result<Box<dyn Context>, PlatformError>;
}

/// An address space guest code runs in. Its mappings are always ranges of the sentry's
/// memory file.
///
/// The sentry's memory manager calls these while holding its own lock, so changes to
/// one address space are serialised by the caller. Each method may be called from any
/// host thread that has a [`Context`].
pub trait AddressSpace: Send + Sync {
    /// Maps `[addr, addr+len)` to memory-file offsets `[offset, offset+len)` with `prot`,
    /// replacing whatever was mapped there. All values page-aligned.
    fn map_file(&self, addr: u64, len: u64, offset: u64, prot: Prot) -> Result<(), PlatformError>;

    /// Removes any mapping in `[addr, addr+len)`.
    fn unmap(&self, addr: u64, len: u64) -> Result<(), PlatformError>;

    /// Changes the protection of whatever is mapped in `[addr, addr+len)`.
    fn protect(&self, addr: u64, len: u64, prot: Prot) -> Result<(), PlatformError>;

    /// For implementations to downcast the address space handed to their contexts.
    fn as_any(&self) -> &dyn Any;
}

/// A host thread's means of running guest code.
pub trait Context: Send {
    /// Runs the guest with `regs` in `aspace` until it stops, and stores the registers
    /// at the stop back into `regs`.
    ///
    /// Precondition: `aspace` was created by the same platform.
    fn switch(
        &mut self,
        aspace: &Arc<dyn AddressSpace>,
        regs: &mut Registers,
    ) -> Result<Stop, PlatformError>;

    /// A handle other threads use to make a running or future `switch` return
    /// [`Stop::Interrupted`].
    fn interrupter(&self) -> Arc<dyn Interrupter>;

    /// Reads the extended (x87/SSE) floating-point state of the guest thread in its
    /// `fxsave` layout (512 bytes); the sentry saves it in signal frames.
    fn fp_state(&mut self, aspace: &Arc<dyn AddressSpace>) -> Result<[u8; 512], PlatformError>;

    /// Replaces the floating-point state (the `fxsave` layout of [`Context::fp_state`]).
    fn set_fp_state(
        &mut self,
        aspace: &Arc<dyn AddressSpace>,
        state: &[u8; 512],
    ) -> Result<(), PlatformError>;
}

/// Interrupts a [`Context`] from another thread.
pub trait Interrupter: Send + Sync {
    /// Makes the context's current `switch` return `Stop::Interrupted` soon, or, if it
    /// is not in `switch`, its next one return at once.
    fn interrupt(&self);
}
