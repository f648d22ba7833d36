//! signalfd(2): a file from which a process reads its own pending signals, as
//! `struct signalfd_siginfo` records, instead of having them delivered.
//!
//! A read takes the reading thread's pending signals of the file's mask (its own
//! first, then its process's) through `signal::dequeue`, the one place signals leave
//! the queues, so a signal read here is never delivered. After `fork` the child's
//! reads see the child's signals: the file has no process of its own. A blocked
//! reader waits with the mask's signals unblocked for the wait only (as
//! `rt_sigtimedwait`), so a signal sent to it ends the wait and is then read.
//! Readiness is the polling thread's: readable when a signal of the mask is pending
//! for it; every signal queued to a process wakes the pollers of its
//! `ThreadGroup::signal_waiters`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use veil_abi::flags::signal::{SIGBUS, SIGCHLD, SIGFPE, SIGILL, SIGSEGV, UNBLOCKABLE};
use veil_abi::structs::{Stat, Statx};
use veil_abi::Errno;
use veil_vfs::file::{PollWaker, POLLIN, POLLRDNORM};
use veil_vfs::FileOps;

use crate::signal::{SigInfo, ERESTARTSYS};
use crate::task::{self, BlockResult, Task};

/// Size of one `struct signalfd_siginfo`.
pub const SIGINFO_SIZE: usize = 128;

/// An open signalfd.
pub struct SignalFd {
    /// The signals it reads (`SIGKILL` and `SIGSTOP` never).
    mask: AtomicU64,
    nonblock: AtomicBool,
}

impl SignalFd {
    /// A signalfd reading the signals of `mask`.
    pub fn new(mask: u64, nonblock: bool) -> Arc<SignalFd> {
        Arc::new(SignalFd {
            mask: AtomicU64::new(mask & !UNBLOCKABLE),
            nonblock: AtomicBool::new(nonblock),
        })
    }

    /// Replaces the mask (`signalfd` on an existing descriptor).
    pub fn set_mask(&self, mask: u64) {
        self.mask.store(mask & !UNBLOCKABLE, Ordering::SeqCst);
    }

    /// The signals it reads.
    pub fn mask(&self) -> u64 {
        self.mask.load(Ordering::SeqCst)
    }

    /// Whether `task` has a pending signal of the mask.
    fn pending_for(&self, task: &Task) -> bool {
        let pending = task.pending.lock().bits() | task.tg.pending.lock().bits();
        pending & self.mask() != 0
    }
}

/// The `struct signalfd_siginfo` of `info`.
pub fn encode(info: &SigInfo) -> [u8; SIGINFO_SIZE] {
    let mut b = [0u8; SIGINFO_SIZE];
    let put32 = |b: &mut [u8; SIGINFO_SIZE], at: usize, v: u32| {
        b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
    };
    put32(&mut b, 0, info.signo); // ssi_signo
    put32(&mut b, 8, info.code as u32); // ssi_code
    let fault = matches!(info.signo, SIGSEGV | SIGBUS | SIGILL | SIGFPE) && info.code > 0;
    if fault {
        b[72..80].copy_from_slice(&info.addr.to_ne_bytes()); // ssi_addr
    } else if info.code == crate::timers::SI_TIMER {
        put32(&mut b, 24, info.pid as u32); // ssi_tid (the timer id)
        put32(&mut b, 32, info.uid); // ssi_overrun
        put32(&mut b, 44, info.value as u32); // ssi_int
        b[48..56].copy_from_slice(&info.value.to_ne_bytes()); // ssi_ptr
    } else {
        put32(&mut b, 12, info.pid as u32); // ssi_pid
        put32(&mut b, 16, info.uid); // ssi_uid
        if info.signo == SIGCHLD {
            put32(&mut b, 40, info.value as u32); // ssi_status
        } else {
            put32(&mut b, 44, info.value as u32); // ssi_int
            b[48..56].copy_from_slice(&info.value.to_ne_bytes()); // ssi_ptr
        }
    }
    b
}

impl FileOps for SignalFd {
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    /// As many pending signals of the mask as whole records fit in `buf` (`EINVAL`
    /// below one record); waits for one unless non-blocking (`EAGAIN`).
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < SIGINFO_SIZE {
            return Err(Errno::EINVAL);
        }
        let task = task::current().ok_or(Errno::EIO)?;
        loop {
            let mask = self.mask();
            let mut done = 0;
            while done + SIGINFO_SIZE <= buf.len() {
                let Some(info) = crate::signal::dequeue(&task, !mask) else {
                    break;
                };
                buf[done..done + SIGINFO_SIZE].copy_from_slice(&encode(&info));
                done += SIGINFO_SIZE;
            }
            if done > 0 {
                return Ok(done);
            }
            if self.nonblock.load(Ordering::Relaxed) {
                return Err(Errno::EAGAIN);
            }
            // Wait with the mask's signals unblocked for the wait alone: one sent now
            // interrupts the wait, and the loop reads it before the run loop could
            // deliver it.
            task.prepare_block();
            let old = task.mask();
            task.sigwait_set.store(mask, Ordering::SeqCst);
            task.set_mask(old & !mask);
            let r = task.block(None);
            task.set_mask(old);
            task.sigwait_set.store(0, Ordering::SeqCst);
            if r == BlockResult::Interrupted && !self.pending_for(&task) {
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
        let Some(task) = task::current() else {
            return 0;
        };
        if let Some(w) = waker {
            task.tg.signal_waiters.lock().register(w);
        }
        if self.pending_for(&task) {
            POLLIN | POLLRDNORM
        } else {
            0
        }
    }

    fn set_nonblocking(&self, nonblock: bool) {
        self.nonblock.store(nonblock, Ordering::Relaxed);
    }
}
