//! inotify(7): watches on inodes of the sandbox's file systems and the events the
//! system calls that change them report.
//!
//! An inotify instance ([`InotifyFile`]) holds its watches (watch descriptor → the
//! watched inode's `(st_dev, st_ino)` and an event mask) and a queue of events. The
//! kernel-wide [`InotifyRegistry`] maps each watched inode to the instances watching
//! it, so that a system call that changed something (`syscalls/*.rs` call the
//! `notify_*` functions below after succeeding) finds the watchers without walking.
//! Keys are inode identities as `stat` shows them, which the overlay keeps across a
//! copy-up: a watch on a lower file sees the changes made through the upper one, as
//! the guest sees one file.
//!
//! Events on a directory's entries (`IN_CREATE`, `IN_DELETE`, `IN_MOVED_FROM`/`TO`)
//! go to the directory's watchers with the entry's name; events on a file
//! (`IN_MODIFY`, `IN_ATTRIB`, `IN_OPEN`, `IN_ACCESS`, `IN_CLOSE_*`) go to its own
//! watchers and, with its name, to its parent directory's. Removing a file's last
//! link gives its watchers `IN_DELETE_SELF` and then `IN_IGNORED`, as does
//! `inotify_rm_watch`.
//!
//! When no instance has any watch, every `notify_*` returns after one atomic load.
//!
//! Locks: the registry's map and an instance's state are leaves, never held together
//! (the registry is read, then each instance is locked on its own); waking waiters
//! takes a task's block mutex.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use veil_abi::structs::{Stat, Statx};
use veil_abi::Errno;
use veil_vfs::file::{PollWaker, POLLIN, POLLRDNORM};
use veil_vfs::inode::{FileType, InodeRef};
use veil_vfs::walk::Dirent;
use veil_vfs::{FileOps, OpenFile, WaitQueue};

use crate::signal::ERESTARTSYS;
use crate::task::{self, BlockResult};
use crate::Kernel;

/// File was read.
pub const IN_ACCESS: u32 = 0x1;
/// File was written.
pub const IN_MODIFY: u32 = 0x2;
/// Metadata changed.
pub const IN_ATTRIB: u32 = 0x4;
/// A file open for writing was closed.
pub const IN_CLOSE_WRITE: u32 = 0x8;
/// A file not open for writing was closed.
pub const IN_CLOSE_NOWRITE: u32 = 0x10;
/// File was opened.
pub const IN_OPEN: u32 = 0x20;
/// An entry moved out of the watched directory.
pub const IN_MOVED_FROM: u32 = 0x40;
/// An entry moved into the watched directory.
pub const IN_MOVED_TO: u32 = 0x80;
/// An entry was created in the watched directory.
pub const IN_CREATE: u32 = 0x100;
/// An entry was removed from the watched directory.
pub const IN_DELETE: u32 = 0x200;
/// The watched inode was deleted.
pub const IN_DELETE_SELF: u32 = 0x400;
/// The watched inode was moved.
pub const IN_MOVE_SELF: u32 = 0x800;
/// The file system was unmounted.
pub const IN_UNMOUNT: u32 = 0x2000;
/// The event queue overflowed.
pub const IN_Q_OVERFLOW: u32 = 0x4000;
/// The watch was removed.
pub const IN_IGNORED: u32 = 0x8000;
/// Watch only if a directory.
pub const IN_ONLYDIR: u32 = 0x0100_0000;
/// Do not follow a final symlink.
pub const IN_DONT_FOLLOW: u32 = 0x0200_0000;
/// No events for children once unlinked.
pub const IN_EXCL_UNLINK: u32 = 0x0400_0000;
/// Fail with `EEXIST` if the inode is watched already.
pub const IN_MASK_CREATE: u32 = 0x1000_0000;
/// Add to the mask of an existing watch.
pub const IN_MASK_ADD: u32 = 0x2000_0000;
/// The subject is a directory.
pub const IN_ISDIR: u32 = 0x4000_0000;
/// Remove the watch after one event.
pub const IN_ONESHOT: u32 = 0x8000_0000;
/// Every event a watch can ask for.
pub const IN_ALL_EVENTS: u32 = 0xfff;

/// `/proc/sys/fs/inotify/max_queued_events`.
pub const MAX_QUEUED_EVENTS: usize = 16384;
/// `/proc/sys/fs/inotify/max_user_watches` (per instance here).
pub const MAX_WATCHES: usize = 65536;
/// Size of `struct inotify_event` without the name.
const EVENT_HEADER: usize = 16;

/// A watched inode's identity: `(st_dev, st_ino)`.
pub type WatchKey = (u64, u64);

/// One queued event.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Event {
    wd: i32,
    mask: u32,
    cookie: u32,
    name: Vec<u8>,
}

impl Event {
    /// The bytes `read` returns: the header, then the name NUL-padded to a multiple
    /// of 16 bytes (none when there is no name).
    fn encode(&self) -> Vec<u8> {
        let padded = if self.name.is_empty() {
            0
        } else {
            (self.name.len() + 1).div_ceil(16) * 16
        };
        let mut out = Vec::with_capacity(EVENT_HEADER + padded);
        out.extend_from_slice(&self.wd.to_ne_bytes());
        out.extend_from_slice(&self.mask.to_ne_bytes());
        out.extend_from_slice(&self.cookie.to_ne_bytes());
        out.extend_from_slice(&(padded as u32).to_ne_bytes());
        out.extend_from_slice(&self.name);
        out.resize(EVENT_HEADER + padded, 0);
        out
    }
}

/// A watch of an instance.
struct Watch {
    key: WatchKey,
    mask: u32,
}

/// What an instance's lock guards.
#[derive(Default)]
struct InstanceState {
    events: VecDeque<Event>,
    watches: BTreeMap<i32, Watch>,
    by_key: HashMap<WatchKey, i32>,
    next_wd: i32,
    waiters: WaitQueue,
}

/// One inotify instance's watches and events.
#[derive(Default)]
pub struct Instance {
    state: Mutex<InstanceState>,
}

impl Instance {
    /// Queues `event` (dropping it if it repeats the last one, as Linux merges them);
    /// past [`MAX_QUEUED_EVENTS`] one `IN_Q_OVERFLOW` stands for the rest.
    fn push(st: &mut InstanceState, event: Event) {
        if st.events.back() == Some(&event) {
            return;
        }
        if st.events.len() >= MAX_QUEUED_EVENTS {
            let overflow = Event {
                wd: -1,
                mask: IN_Q_OVERFLOW,
                cookie: 0,
                name: Vec::new(),
            };
            if st.events.back() != Some(&overflow) {
                st.events.push_back(overflow);
            }
        } else {
            st.events.push_back(event);
        }
        st.waiters.wake_all();
    }

    /// Delivers `mask` on watch `wd` if the watch asks for it; a one-shot watch is
    /// removed after. Returns the key of a watch so removed.
    fn deliver(&self, wd: i32, mask: u32, cookie: u32, name: &[u8]) -> Option<WatchKey> {
        let mut st = self.state.lock();
        let watch = st.watches.get(&wd)?;
        let always = IN_IGNORED | IN_UNMOUNT | IN_Q_OVERFLOW;
        if watch.mask & mask & IN_ALL_EVENTS == 0 && mask & always == 0 {
            return None;
        }
        let oneshot = watch.mask & IN_ONESHOT != 0;
        let key = watch.key;
        Self::push(
            &mut st,
            Event {
                wd,
                mask,
                cookie,
                name: name.to_vec(),
            },
        );
        if oneshot {
            Self::drop_watch(&mut st, wd);
            return Some(key);
        }
        None
    }

    /// Forgets watch `wd` and queues its `IN_IGNORED`.
    fn drop_watch(st: &mut InstanceState, wd: i32) {
        if let Some(w) = st.watches.remove(&wd) {
            st.by_key.remove(&w.key);
            Self::push(
                st,
                Event {
                    wd,
                    mask: IN_IGNORED,
                    cookie: 0,
                    name: Vec::new(),
                },
            );
        }
    }
}

/// The watches on one inode: each instance (held weakly) and its watch descriptor.
type Watchers = Vec<(Weak<Instance>, i32)>;

/// Which instances watch which inodes.
#[derive(Default)]
pub struct InotifyRegistry {
    map: Mutex<HashMap<WatchKey, Watchers>>,
    watches: AtomicUsize,
    next_cookie: AtomicU32,
}

impl InotifyRegistry {
    /// Whether no instance watches anything (the fast path of every notification).
    pub fn is_idle(&self) -> bool {
        self.watches.load(Ordering::Relaxed) == 0
    }

    fn add(&self, key: WatchKey, inst: &Arc<Instance>, wd: i32) {
        self.map
            .lock()
            .entry(key)
            .or_default()
            .push((Arc::downgrade(inst), wd));
        self.watches.fetch_add(1, Ordering::Relaxed);
    }

    fn remove(&self, key: WatchKey, inst: &Instance, wd: i32) {
        let mut map = self.map.lock();
        if let Some(list) = map.get_mut(&key) {
            let before = list.len();
            list.retain(|(w, d)| !(std::ptr::eq(w.as_ptr(), inst) && *d == wd));
            let removed = before - list.len();
            self.watches.fetch_sub(removed, Ordering::Relaxed);
            if list.is_empty() {
                map.remove(&key);
            }
        }
    }

    fn watchers(&self, key: WatchKey) -> Vec<(Arc<Instance>, i32)> {
        self.map.lock().get(&key).map_or_else(Vec::new, |list| {
            list.iter()
                .filter_map(|(w, wd)| w.upgrade().map(|i| (i, *wd)))
                .collect()
        })
    }

    /// A fresh cookie tying a rename's `IN_MOVED_FROM` to its `IN_MOVED_TO`.
    pub fn cookie(&self) -> u32 {
        self.next_cookie.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Sends `mask` (with `name`, for an event on a directory entry) to the watchers
    /// of `key`.
    pub fn send(&self, key: WatchKey, mask: u32, cookie: u32, name: &[u8]) {
        for (inst, wd) in self.watchers(key) {
            if let Some(gone) = inst.deliver(wd, mask, cookie, name) {
                self.remove(gone, &inst, wd);
            }
        }
    }

    /// The inode `key` is gone: its watchers get `IN_DELETE_SELF`, then `IN_IGNORED`,
    /// and their watches end.
    pub fn deleted(&self, key: WatchKey) {
        for (inst, wd) in self.watchers(key) {
            inst.deliver(wd, IN_DELETE_SELF, 0, b"");
            let mut st = inst.state.lock();
            Instance::drop_watch(&mut st, wd);
            drop(st);
            self.remove(key, &inst, wd);
        }
    }
}

/// The watch key of `inode`, with whether it is a directory.
pub fn key_of(inode: &InodeRef) -> Option<(WatchKey, bool)> {
    let attr = inode.attr().ok()?;
    let st = attr.to_stat();
    Some(((st.st_dev, st.st_ino), inode.kind() == FileType::Directory))
}

/// `IN_ISDIR` if `is_dir`.
fn isdir(is_dir: bool) -> u32 {
    if is_dir {
        IN_ISDIR
    } else {
        0
    }
}

/// An event on the entry `name` of directory `dir` (`IN_CREATE`, `IN_DELETE`,
/// `IN_MOVED_*`); `is_dir` says whether the entry is a directory.
pub fn notify_entry(
    kernel: &Kernel,
    dir: &Dirent,
    name: &[u8],
    mask: u32,
    cookie: u32,
    is_dir: bool,
) {
    if kernel.inotify.is_idle() {
        return;
    }
    if let Some((key, _)) = key_of(dir.inode()) {
        kernel.inotify.send(key, mask | isdir(is_dir), cookie, name);
    }
}

/// An event on the inode at `dirent` (`IN_MODIFY`, `IN_ATTRIB`, `IN_OPEN`...): to its
/// watchers, and with its name to its parent directory's.
pub fn notify_inode(kernel: &Kernel, dirent: &Dirent, mask: u32) {
    if kernel.inotify.is_idle() {
        return;
    }
    if let Some((key, is_dir)) = key_of(dirent.inode()) {
        kernel.inotify.send(key, mask | isdir(is_dir), 0, b"");
        if let Some(parent) = dirent.parent() {
            if let Some((pkey, _)) = key_of(parent.inode()) {
                if pkey != key {
                    kernel
                        .inotify
                        .send(pkey, mask | isdir(is_dir), 0, &dirent.name());
                }
            }
        }
    }
}

/// An event on `inode` for its own watchers only (a change made where its name is not
/// known).
pub fn notify_inode_only(kernel: &Kernel, inode: &InodeRef, mask: u32) {
    if kernel.inotify.is_idle() {
        return;
    }
    if let Some((key, is_dir)) = key_of(inode) {
        kernel.inotify.send(key, mask | isdir(is_dir), 0, b"");
    }
}

/// An event on the file of an open description: as [`notify_inode`] when it has a
/// place in the tree, else to the watchers of its inode alone.
pub fn notify_file(kernel: &Kernel, file: &OpenFile, mask: u32) {
    if kernel.inotify.is_idle() {
        return;
    }
    match &file.location {
        Some(at) => notify_inode(kernel, &at.dirent, mask),
        None => {
            if let Ok(st) = file.ops.stat() {
                kernel.inotify.send((st.st_dev, st.st_ino), mask, 0, b"");
            }
        }
    }
}

/// Before a name is removed or replaced: the inode it names, so that
/// [`notify_unlinked`] can tell whether its last link went.
pub fn victim(kernel: &Kernel, dir: &Dirent, name: &[u8]) -> Option<(InodeRef, WatchKey, bool)> {
    if kernel.inotify.is_idle() {
        return None;
    }
    let inode = dir.inode().lookup(name).ok()?;
    let (key, is_dir) = key_of(&inode)?;
    Some((inode, key, is_dir))
}

/// After the name of `victim` was removed from a directory (unlink, rmdir, or
/// replaced by a rename): its last link gone is `IN_DELETE_SELF` (and the watches
/// end), another link left is `IN_ATTRIB` (the link count changed).
pub fn notify_unlinked(kernel: &Kernel, victim: Option<(InodeRef, WatchKey, bool)>) {
    let Some((inode, key, is_dir)) = victim else {
        return;
    };
    let links = inode.attr().map_or(0, |a| a.to_stat().st_nlink);
    if is_dir || links == 0 {
        kernel.inotify.deleted(key);
    } else {
        kernel.inotify.send(key, IN_ATTRIB, 0, b"");
    }
}

/// An open inotify instance (`inotify_init1`).
pub struct InotifyFile {
    /// Its watches and events.
    pub instance: Arc<Instance>,
    kernel: Weak<Kernel>,
    nonblock: AtomicBool,
}

impl InotifyFile {
    /// A new instance of `kernel`'s sandbox.
    pub fn new(kernel: &Arc<Kernel>, nonblock: bool) -> Arc<InotifyFile> {
        Arc::new(InotifyFile {
            instance: Arc::new(Instance {
                state: Mutex::new(InstanceState {
                    next_wd: 1,
                    ..Default::default()
                }),
            }),
            kernel: Arc::downgrade(kernel),
            nonblock: AtomicBool::new(nonblock),
        })
    }

    /// `inotify_add_watch` of the inode `inode` with `mask`: a new watch descriptor,
    /// or the existing one of the inode with its mask replaced (`IN_MASK_ADD`: or'ed
    /// in; `IN_MASK_CREATE`: `EEXIST`). `ENOTDIR` for `IN_ONLYDIR` on a non-directory;
    /// `EINVAL` for no event bits or both `IN_MASK_ADD` and `IN_MASK_CREATE`.
    pub fn add_watch(&self, inode: &InodeRef, mask: u32) -> Result<i32, Errno> {
        if mask & IN_ALL_EVENTS == 0 || (mask & IN_MASK_ADD != 0 && mask & IN_MASK_CREATE != 0) {
            return Err(Errno::EINVAL);
        }
        let (key, is_dir) = key_of(inode).ok_or(Errno::ENOENT)?;
        if mask & IN_ONLYDIR != 0 && !is_dir {
            return Err(Errno::ENOTDIR);
        }
        let kernel = self.kernel.upgrade().ok_or(Errno::EIO)?;
        let kept = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
        let mut st = self.instance.state.lock();
        if let Some(&wd) = st.by_key.get(&key) {
            if mask & IN_MASK_CREATE != 0 {
                return Err(Errno::EEXIST);
            }
            let w = st.watches.get_mut(&wd).ok_or(Errno::EIO)?;
            w.mask = if mask & IN_MASK_ADD != 0 {
                w.mask | kept
            } else {
                kept
            };
            return Ok(wd);
        }
        if st.watches.len() >= MAX_WATCHES {
            return Err(Errno::ENOSPC);
        }
        let wd = st.next_wd;
        st.next_wd += 1;
        st.watches.insert(wd, Watch { key, mask: kept });
        st.by_key.insert(key, wd);
        drop(st);
        kernel.inotify.add(key, &self.instance, wd);
        Ok(wd)
    }

    /// `inotify_rm_watch`: ends watch `wd` (`EINVAL` if it is not one), queuing its
    /// `IN_IGNORED`.
    pub fn rm_watch(&self, wd: i32) -> Result<(), Errno> {
        let mut st = self.instance.state.lock();
        let key = st.watches.get(&wd).ok_or(Errno::EINVAL)?.key;
        Instance::drop_watch(&mut st, wd);
        drop(st);
        if let Some(kernel) = self.kernel.upgrade() {
            kernel.inotify.remove(key, &self.instance, wd);
        }
        Ok(())
    }
}

impl Drop for InotifyFile {
    fn drop(&mut self) {
        let Some(kernel) = self.kernel.upgrade() else {
            return;
        };
        let st = self.instance.state.lock();
        let watches: Vec<(i32, WatchKey)> = st.watches.iter().map(|(wd, w)| (*wd, w.key)).collect();
        drop(st);
        for (wd, key) in watches {
            kernel.inotify.remove(key, &self.instance, wd);
        }
    }
}

impl FileOps for InotifyFile {
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    /// Whole events only: as many as fit; `EINVAL` if the first does not fit.
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let task = task::current().ok_or(Errno::EIO)?;
        loop {
            let mut st = self.instance.state.lock();
            if let Some(first) = st.events.front() {
                if first.encode().len() > buf.len() {
                    return Err(Errno::EINVAL);
                }
                let mut done = 0;
                while let Some(e) = st.events.front() {
                    let bytes = e.encode();
                    if done + bytes.len() > buf.len() {
                        break;
                    }
                    buf[done..done + bytes.len()].copy_from_slice(&bytes);
                    done += bytes.len();
                    st.events.pop_front();
                }
                return Ok(done);
            }
            if self.nonblock.load(Ordering::Relaxed) {
                return Err(Errno::EAGAIN);
            }
            task.prepare_block();
            let waker: Arc<dyn PollWaker> = task.clone();
            st.waiters.register(&waker);
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
        let mut st = self.instance.state.lock();
        if let Some(w) = waker {
            st.waiters.register(w);
        }
        if st.events.is_empty() {
            0
        } else {
            POLLIN | POLLRDNORM
        }
    }

    fn set_nonblocking(&self, nonblock: bool) {
        self.nonblock.store(nonblock, Ordering::Relaxed);
    }

    fn unread_bytes(&self) -> Result<usize, Errno> {
        let st = self.instance.state.lock();
        Ok(st.events.iter().map(|e| e.encode().len()).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::Event;

    #[test]
    fn events_encode_with_padded_names() {
        let e = Event {
            wd: 1,
            mask: 0x100,
            cookie: 0,
            name: b"abc".to_vec(),
        };
        let b = e.encode();
        assert_eq!(b.len(), 32);
        assert_eq!(&b[12..16], &16u32.to_ne_bytes());
        assert_eq!(&b[16..19], b"abc");
        assert!(b[19..].iter().all(|&c| c == 0));
        let bare = Event {
            name: Vec::new(),
            ..e
        };
        assert_eq!(bare.encode().len(), 16);
    }
}
