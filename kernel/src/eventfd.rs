//! eventfd: a 64-bit counter that `write` adds to and `read` takes from.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use veil_abi::structs::{Stat, Statx};
use veil_abi::Errno;
use veil_vfs::file::{POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use veil_vfs::{FileOps, PollWaker, WaitQueue};

use crate::signal::ERESTARTSYS;
use crate::task::{self, BlockResult};

/// Largest counter value.
const MAX: u64 = u64::MAX - 1;

struct State {
    counter: u64,
    waiters: WaitQueue,
}

/// An eventfd file.
pub struct EventFd {
    state: Mutex<State>,
    semaphore: bool,
    nonblock: AtomicBool,
}

impl EventFd {
    /// A counter starting at `initval`.
    pub fn new(initval: u64, semaphore: bool, nonblock: bool) -> Arc<EventFd> {
        Arc::new(EventFd {
            state: Mutex::new(State {
                counter: initval,
                waiters: WaitQueue::default(),
            }),
            semaphore,
            nonblock: AtomicBool::new(nonblock),
        })
    }

    /// Blocks the current task until woken; `ERESTARTSYS` on a signal.
    fn wait(&self, mut st: parking_lot::MutexGuard<'_, State>) -> Result<(), Errno> {
        if self.nonblock.load(Ordering::Relaxed) {
            return Err(Errno::EAGAIN);
        }
        let task = task::current().ok_or(Errno::EIO)?;
        task.prepare_block();
        let waker: Arc<dyn PollWaker> = task.clone();
        st.waiters.register(&waker);
        drop(st);
        match task.block(None) {
            BlockResult::Interrupted => Err(ERESTARTSYS),
            _ => Ok(()),
        }
    }
}

impl FileOps for EventFd {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        loop {
            let mut st = self.state.lock();
            if st.counter > 0 {
                let v = if self.semaphore { 1 } else { st.counter };
                st.counter -= v;
                st.waiters.wake_all();
                buf[..8].copy_from_slice(&v.to_le_bytes());
                return Ok(8);
            }
            self.wait(st)?;
        }
    }

    fn write(&self, buf: &[u8], _append: bool) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let v = u64::from_le_bytes(buf[..8].try_into().map_err(|_| Errno::EINVAL)?);
        if v == u64::MAX {
            return Err(Errno::EINVAL);
        }
        loop {
            let mut st = self.state.lock();
            if MAX - st.counter >= v {
                st.counter += v;
                st.waiters.wake_all();
                return Ok(8);
            }
            self.wait(st)?;
        }
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(crate::anon_inode::stat())
    }

    fn statx(&self, _mask: u32) -> Result<Statx, Errno> {
        Ok(crate::anon_inode::statx())
    }

    fn readiness(&self, waker: Option<&Arc<dyn PollWaker>>) -> u32 {
        let mut st = self.state.lock();
        let mut r = 0;
        if st.counter > 0 {
            r |= POLLIN | POLLRDNORM;
        }
        if st.counter < MAX {
            r |= POLLOUT | POLLWRNORM;
        }
        if let Some(w) = waker {
            st.waiters.register(w);
        }
        r
    }

    fn set_nonblocking(&self, nonblock: bool) {
        self.nonblock.store(nonblock, Ordering::Relaxed);
    }
}
