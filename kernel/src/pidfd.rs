//! pidfds: descriptors that name a process (`pidfd_open`, `CLONE_PIDFD`). Readable
//! (`POLLIN`) once the process has ended; the `pidfd_*` calls and `waitid(P_PIDFD)`
//! act on the process they name.

use std::sync::Arc;

use veil_abi::structs::{Stat, Statx};
use veil_abi::Errno;
use veil_vfs::file::{POLLHUP, POLLIN, POLLRDNORM};
use veil_vfs::{FileOps, OpenFile, PollWaker};

use crate::thread_group::ThreadGroup;

/// A pidfd's file.
pub struct PidFd {
    /// The process (kept as a record even once reaped; its `reaped` flag says so).
    pub tg: Arc<ThreadGroup>,
}

impl PidFd {
    /// The pidfd behind `file`, if it is one.
    pub fn of(file: &OpenFile) -> Option<&PidFd> {
        file.ops.as_any()?.downcast_ref::<PidFd>()
    }
}

impl FileOps for PidFd {
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn read(&self, _buf: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    fn write(&self, _buf: &[u8], _append: bool) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        // An anonymous inode, as Linux's "[pidfd]".
        Ok(crate::anon_inode::stat())
    }

    fn statx(&self, _mask: u32) -> Result<Statx, Errno> {
        Ok(crate::anon_inode::statx())
    }

    fn readiness(&self, waker: Option<&Arc<dyn PollWaker>>) -> u32 {
        let mut waiters = self.tg.exit_waiters.lock();
        if self.tg.reaped.load(std::sync::atomic::Ordering::SeqCst) {
            // Gone for good (Linux 6.x adds POLLHUP once the process is reaped).
            return POLLIN | POLLRDNORM | POLLHUP;
        }
        if self.tg.exit_status().is_some() {
            return POLLIN | POLLRDNORM;
        }
        if let Some(w) = waker {
            waiters.register(w);
        }
        0
    }
}
