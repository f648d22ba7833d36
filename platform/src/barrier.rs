//! A memory barrier on every running thread of the host, for the guest's
//! `membarrier(2)`: guest threads run in stub processes the sentry does not share an
//! address space with, so only the host's global barrier reaches them.

use veil_abi::Errno;

/// `MEMBARRIER_CMD_GLOBAL`.
const MEMBARRIER_CMD_GLOBAL: libc::c_long = 1;

/// Waits until every thread on the host has passed a full memory barrier (the host's
/// `membarrier(MEMBARRIER_CMD_GLOBAL)`, which waits for an RCU grace period: slow, in
/// the order of milliseconds). The host's error otherwise.
pub fn host_memory_barrier() -> Result<(), Errno> {
    // SAFETY: membarrier with MEMBARRIER_CMD_GLOBAL and no flags takes no pointers and
    // touches no memory of this process.
    let r = unsafe { libc::syscall(libc::SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) };
    if r < 0 {
        return Err(Errno(
            std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EINVAL),
        ));
    }
    Ok(())
}
