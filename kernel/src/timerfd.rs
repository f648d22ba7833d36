//! timerfd(2): a timer whose expiries are counted in a file instead of sent as
//! signals. The timer is an [`IntervalTimer`] of the sandbox's timer service with a
//! [`TimerTarget::Sink`]; the file's counter is the sink. A read returns the count
//! of expiries since the last read (or since the timer was set) and zeroes it.
//!
//! Locks: the counter's lock is a leaf taken under a timer's state lock (the service
//! firing); the file never calls the timer while holding it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use veil_abi::structs::{Stat, Statx};
use veil_abi::Errno;
use veil_vfs::file::{PollWaker, POLLIN, POLLRDNORM};
use veil_vfs::{FileOps, WaitQueue};

use crate::signal::ERESTARTSYS;
use crate::task::{self, BlockResult};
use crate::timers::{IntervalTimer, TimerClock, TimerSink, TimerTarget};

/// Expiries not yet read, and the readers and pollers waiting for one.
#[derive(Default)]
struct Counter {
    state: Mutex<(u64, WaitQueue)>,
}

impl TimerSink for Counter {
    fn expired(&self, count: u64) {
        let mut st = self.state.lock();
        st.0 = st.0.saturating_add(count);
        st.1.wake_all();
    }
}

/// An open timerfd.
pub struct TimerFd {
    /// The timer (its clock is the timerfd's).
    pub timer: Arc<IntervalTimer>,
    counter: Arc<Counter>,
    nonblock: AtomicBool,
}

impl TimerFd {
    /// A disarmed timerfd on the wall clock `clock_id`.
    pub fn new(clock_id: i32, nonblock: bool) -> Arc<TimerFd> {
        let counter = Arc::new(Counter::default());
        let sink: Arc<dyn TimerSink> = counter.clone();
        let timer = IntervalTimer::new(
            TimerClock::Wall(clock_id),
            TimerTarget::Sink(Arc::downgrade(&sink)),
            0,
            0,
            0,
            0,
        );
        Arc::new(TimerFd {
            timer,
            counter,
            nonblock: AtomicBool::new(nonblock),
        })
    }

    /// Forgets unread expiries (`timerfd_settime` does).
    pub fn reset_count(&self) {
        self.counter.state.lock().0 = 0;
    }
}

impl FileOps for TimerFd {
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    /// The 8-byte expiry count since the last read (`EINVAL` below 8 bytes); waits
    /// for one unless non-blocking (`EAGAIN`).
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let task = task::current().ok_or(Errno::EIO)?;
        loop {
            let mut st = self.counter.state.lock();
            if st.0 > 0 {
                let n = std::mem::take(&mut st.0);
                buf[..8].copy_from_slice(&n.to_ne_bytes());
                return Ok(8);
            }
            if self.nonblock.load(Ordering::Relaxed) {
                return Err(Errno::EAGAIN);
            }
            task.prepare_block();
            let waker: Arc<dyn PollWaker> = task.clone();
            st.1.register(&waker);
            drop(st);
            if task.block(None) == BlockResult::Interrupted {
                return Err(ERESTARTSYS);
            }
        }
    }

    fn pread(&self, _buf: &mut [u8], _offset: u64) -> Result<usize, Errno> {
        Err(Errno::ESPIPE)
    }

    fn write(&self, _buf: &[u8], _append: bool) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    fn seek(&self, _offset: i64, _whence: u32) -> Result<u64, Errno> {
        Err(Errno::ESPIPE)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(crate::anon_inode::stat())
    }

    fn statx(&self, _mask: u32) -> Result<Statx, Errno> {
        Ok(crate::anon_inode::statx())
    }

    fn readiness(&self, waker: Option<&Arc<dyn PollWaker>>) -> u32 {
        let mut st = self.counter.state.lock();
        if let Some(w) = waker {
            st.1.register(w);
        }
        if st.0 > 0 {
            POLLIN | POLLRDNORM
        } else {
            0
        }
    }

    fn set_nonblocking(&self, nonblock: bool) {
        self.nonblock.store(nonblock, Ordering::Relaxed);
    }
}
