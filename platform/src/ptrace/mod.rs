//! The ptrace platform: guest threads are host processes ("stub threads") sharing one
//! host address space per guest address space, each traced by exactly one sentry host
//! thread with `PTRACE_SYSEMU`, so every guest system call stops before the host runs it.
//!
//! See `README.md` in this directory for the thread model.

mod address_space;
mod context;
mod stub;
mod thread;

use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub use address_space::PtraceAddressSpace;
pub use context::PtraceContext;
pub use stub::STUB_ADDR;

use crate::{AddressSpace, Context, Platform, PlatformError};

/// The ptrace platform. Holds the memory file descriptor that every stub inherits.
pub struct PtracePlatform {
    memory_fd: i32,
    ncpus: usize,
    next_cpu: AtomicUsize,
}

impl PtracePlatform {
    /// Creates the platform for guest memory backed by `memory_fd`.
    ///
    /// Precondition: `memory_fd` stays open for the platform's lifetime.
    pub fn new(memory_fd: BorrowedFd<'_>) -> Result<PtracePlatform, PlatformError> {
        let ncpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(PtracePlatform {
            memory_fd: memory_fd.as_raw_fd(),
            ncpus,
            next_cpu: AtomicUsize::new(0),
        })
    }
}

impl Platform for PtracePlatform {
    fn name(&self) -> &'static str {
        "ptrace"
    }

    fn new_address_space(&self) -> Result<Arc<dyn AddressSpace>, PlatformError> {
        Ok(Arc::new(PtraceAddressSpace::new(self.memory_fd)?))
    }

    fn new_context(&self) -> Result<Box<dyn Context>, PlatformError> {
        let cpu = self.next_cpu.fetch_add(1, Ordering::Relaxed) % self.ncpus;
        Ok(Box::new(PtraceContext::new(cpu)?))
    }
}
