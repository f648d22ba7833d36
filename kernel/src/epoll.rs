//! epoll: an interest list of descriptors and the readiness of each.
//!
//! Built on `FileOps::readiness`: a wait asks every watched file, registering the
//! waiting task for the file's next change. Level-triggered by default; `EPOLLET`
//! reports a ready file again only after the file changed since the last report (any
//! change, so a partial read can report again); `EPOLLONESHOT` disables an entry after
//! it was reported until `EPOLL_CTL_MOD`.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use veil_abi::structs::{Stat, Statx};
use veil_abi::Errno;
use veil_vfs::file::{POLLERR, POLLHUP, POLLIN, POLLRDNORM};
use veil_vfs::{FileOps, OpenFile, PollWaker};

/// `EPOLLET`.
pub const EPOLLET: u32 = 1 << 31;
/// `EPOLLONESHOT`.
pub const EPOLLONESHOT: u32 = 1 << 30;
/// `EPOLLEXCLUSIVE` (accepted; every waiter is woken).
pub const EPOLLEXCLUSIVE: u32 = 1 << 28;
/// Deepest nesting of epoll instances (Linux's `EP_MAX_NESTS`).
const EP_MAX_NESTS: usize = 4;
/// `EPOLLWAKEUP` (accepted, ignored: no suspend).
pub const EPOLLWAKEUP: u32 = 1 << 29;

/// Set by the watched file on any change: an edge-triggered entry reports again only
/// after one.
#[derive(Default)]
struct Edge {
    fired: std::sync::atomic::AtomicBool,
}

impl PollWaker for Edge {
    fn wake(&self) {
        self.fired.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// One watched descriptor.
struct Interest {
    file: Weak<OpenFile>,
    events: u32,
    data: u64,
    /// Change notifications of the file (edge-triggered entries).
    edge: Arc<Edge>,
    /// A one-shot entry that fired and waits for `EPOLL_CTL_MOD`.
    disabled: bool,
}

impl Interest {
    fn new(file: &Arc<OpenFile>, events: u32, data: u64) -> Interest {
        let edge = Arc::new(Edge::default());
        edge.wake();
        Interest {
            file: Arc::downgrade(file),
            events,
            data,
            edge,
            disabled: false,
        }
    }
}

/// An epoll instance.
#[derive(Default)]
pub struct Epoll {
    interests: Mutex<BTreeMap<i32, Interest>>,
}

/// A ready event: the mask and the user data.
pub type Event = (u32, u64);

impl Epoll {
    /// A new, empty instance.
    pub fn new() -> Arc<Epoll> {
        Arc::new(Epoll::default())
    }

    /// `EPOLL_CTL_ADD`.
    pub fn add(&self, fd: i32, file: &Arc<OpenFile>, events: u32, data: u64) -> Result<(), Errno> {
        let mut list = self.interests.lock();
        if list.get(&fd).is_some_and(|i| i.file.strong_count() > 0) {
            return Err(Errno::EEXIST);
        }
        list.insert(fd, Interest::new(file, events, data));
        Ok(())
    }

    /// Whether watching `file` from `self` would close a loop of epolls, or nest them
    /// deeper than Linux's limit of 5 (`EPOLL_CTL_ADD` fails with `ELOOP`). Takes one
    /// instance's lock at a time.
    pub fn would_loop(&self, file: &OpenFile) -> bool {
        fn walk(me: *const Epoll, file: &OpenFile, depth: usize) -> bool {
            let Some(ep) = file
                .ops
                .as_epoll_any()
                .and_then(|a| a.downcast_ref::<Epoll>())
            else {
                return false;
            };
            if std::ptr::eq(ep, me) || depth >= EP_MAX_NESTS {
                return true;
            }
            let watched: Vec<Arc<OpenFile>> = ep
                .interests
                .lock()
                .values()
                .filter_map(|i| i.file.upgrade())
                .collect();
            watched.iter().any(|f| walk(me, f, depth + 1))
        }
        walk(self, file, 0)
    }

    /// `EPOLL_CTL_MOD`: `EINVAL` for an entry added with `EPOLLEXCLUSIVE`.
    pub fn modify(&self, fd: i32, events: u32, data: u64) -> Result<(), Errno> {
        let mut list = self.interests.lock();
        let i = list
            .get_mut(&fd)
            .filter(|i| i.file.strong_count() > 0)
            .ok_or(Errno::ENOENT)?;
        if i.events & EPOLLEXCLUSIVE != 0 {
            return Err(Errno::EINVAL);
        }
        i.events = events;
        i.data = data;
        i.edge.wake();
        i.disabled = false;
        Ok(())
    }

    /// `EPOLL_CTL_DEL`.
    pub fn remove(&self, fd: i32) -> Result<(), Errno> {
        let mut list = self.interests.lock();
        list.remove(&fd)
            .filter(|i| i.file.strong_count() > 0)
            .map(|_| ())
            .ok_or(Errno::ENOENT)
    }

    /// The ready events, at most `max`; registers `waker` with every watched file.
    pub fn collect(&self, max: usize, waker: Option<&Arc<dyn PollWaker>>) -> Vec<Event> {
        let mut list = self.interests.lock();
        list.retain(|_, i| i.file.strong_count() > 0);
        let mut out = Vec::new();
        for i in list.values_mut() {
            let Some(file) = i.file.upgrade() else {
                continue;
            };
            let ready = file.ops.readiness(waker)
                & (i.events | POLLERR | POLLHUP)
                & !(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE);
            if i.events & EPOLLET != 0 {
                // Always registered, so that no change goes unseen while not ready.
                let edge: Arc<dyn PollWaker> = i.edge.clone();
                file.ops.readiness(Some(&edge));
            }
            if i.disabled || out.len() >= max || ready == 0 {
                continue;
            }
            if i.events & EPOLLET != 0
                && !i
                    .edge
                    .fired
                    .swap(false, std::sync::atomic::Ordering::SeqCst)
            {
                continue;
            }
            if ready != 0 {
                out.push((ready, i.data));
                if i.events & EPOLLONESHOT != 0 {
                    i.disabled = true;
                }
            }
        }
        out
    }
}

impl FileOps for Epoll {
    fn stat(&self) -> Result<Stat, Errno> {
        Ok(Stat {
            st_mode: 0o600,
            st_nlink: 1,
            st_blksize: 4096,
            ..Stat::default()
        })
    }

    fn statx(&self, _mask: u32) -> Result<Statx, Errno> {
        Ok(veil_vfs::host::stat_to_statx(&self.stat()?))
    }

    /// Readable when something in the interest list is ready (nested epoll).
    fn readiness(&self, waker: Option<&Arc<dyn PollWaker>>) -> u32 {
        let list = self.interests.lock();
        let any = list.values().any(|i| {
            !i.disabled
                && i.file
                    .upgrade()
                    .is_some_and(|f| f.ops.readiness(waker) & (i.events | POLLERR | POLLHUP) != 0)
        });
        if any {
            POLLIN | POLLRDNORM
        } else {
            0
        }
    }

    fn as_epoll_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}
