//! Open file descriptions and the operations a file implements.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use veil_abi::structs::{KernelTermios, Stat, Statfs, Statx, Winsize};
use veil_abi::Errno;

/// One directory entry as `getdents64` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// Inode number.
    pub ino: u64,
    /// `DT_*` type.
    pub kind: u8,
    /// Name, without NUL.
    pub name: Vec<u8>,
}

/// Something to wake when a file becomes ready (a task blocked in `poll`).
pub trait PollWaker: Send + Sync {
    /// Wakes the waiter; it then asks every file again.
    fn wake(&self);
}

/// The tasks blocked on a file (reading, writing or polling). Lives under the file's
/// own state lock; every change of the file wakes them all and they look again.
#[derive(Default)]
pub struct WaitQueue(Vec<std::sync::Arc<dyn PollWaker>>);

impl WaitQueue {
    /// Adds `waker` unless it is already queued.
    pub fn register(&mut self, waker: &std::sync::Arc<dyn PollWaker>) {
        if !self.0.iter().any(|w| std::sync::Arc::ptr_eq(w, waker)) {
            self.0.push(waker.clone());
        }
    }

    /// Wakes and forgets every waiter.
    pub fn wake_all(&mut self) {
        for w in self.0.drain(..) {
            w.wake();
        }
    }
}

/// `POLLIN`.
pub const POLLIN: u32 = 0x001;
/// `POLLPRI`.
pub const POLLPRI: u32 = 0x002;
/// `POLLOUT`.
pub const POLLOUT: u32 = 0x004;
/// `POLLERR`.
pub const POLLERR: u32 = 0x008;
/// `POLLHUP`.
pub const POLLHUP: u32 = 0x010;
/// `POLLNVAL`.
pub const POLLNVAL: u32 = 0x020;
/// `POLLRDNORM`.
pub const POLLRDNORM: u32 = 0x040;
/// `POLLWRNORM`.
pub const POLLWRNORM: u32 = 0x100;
/// `POLLRDHUP`: the peer shut down writing (sockets).
pub const POLLRDHUP: u32 = 0x2000;

/// What a file can do. Every method has Linux's answer for a file that cannot do it,
/// so implementations override only what they support.
pub trait FileOps: Send + Sync {
    /// The file as `Any`, for the sentry's own file kinds that calls other than
    /// read/write must recognise (a pidfd): `None` for every other file.
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }

    /// The file as a shared `Any`, for the same file kinds as [`FileOps::as_any`]
    /// when the caller must keep it (a socket that `bind` registers).
    fn as_any_arc(self: Arc<Self>) -> Option<Arc<dyn std::any::Any + Send + Sync>> {
        None
    }

    /// Opens the file again for a `/proc/<pid>/fd/N` link when it has no place in the
    /// name tree to open it from (a pipe gets a new end): `None` if it cannot be
    /// reopened that way.
    fn reopen(
        &self,
        _read: bool,
        _write: bool,
        _nonblock: bool,
    ) -> Option<Result<Arc<dyn FileOps>, Errno>> {
        None
    }

    /// Reads at the file's current position (host offset or own cursor), advancing it.
    fn read(&self, _buf: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    /// Reads at `offset` without moving the position.
    fn pread(&self, _buf: &mut [u8], _offset: u64) -> Result<usize, Errno> {
        Err(Errno::ESPIPE)
    }

    /// Writes at the current position, or at the end when `append` (`O_APPEND` is set
    /// on the open file description), advancing the position past the data.
    fn write(&self, _buf: &[u8], _append: bool) -> Result<usize, Errno> {
        Err(Errno::EBADF)
    }

    /// Writes at `offset` without moving the position.
    fn pwrite(&self, _buf: &[u8], _offset: u64) -> Result<usize, Errno> {
        Err(Errno::ESPIPE)
    }

    /// Repositions the file (`lseek`), returning the new offset.
    fn seek(&self, _offset: i64, _whence: u32) -> Result<u64, Errno> {
        Err(Errno::ESPIPE)
    }

    /// `fstat`.
    fn stat(&self) -> Result<Stat, Errno>;

    /// `statx` on the open file.
    fn statx(&self, mask: u32) -> Result<Statx, Errno>;

    /// Reads directory entries from the directory cursor `pos` on; returns the entries
    /// and the cursor after each. Not a directory: `ENOTDIR`.
    fn read_dir(&self, _pos: u64) -> Result<Vec<(DirEntry, u64)>, Errno> {
        Err(Errno::ENOTDIR)
    }

    /// `fstatfs`: the file system the file is on.
    fn statfs(&self) -> Result<Statfs, Errno> {
        Err(Errno::ENOSYS)
    }

    /// `fgetxattr`: the value of attribute `name` copied into `buf`, or, with an empty
    /// `buf`, only its size. `ERANGE` if `buf` is too small, `ENODATA` if absent.
    fn getxattr(&self, _name: &[u8], _buf: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    /// `flistxattr`: the NUL-separated attribute names into `buf` (an empty `buf` asks
    /// for the size).
    fn listxattr(&self, _buf: &mut [u8]) -> Result<usize, Errno> {
        Ok(0)
    }

    /// Which of `POLLIN|POLLOUT|POLLERR|POLLHUP|...` hold now. When `waker` is given and
    /// the file may become ready later, the file wakes it once on its next change
    /// (registering and checking atomically, so no change is missed). Files that are
    /// always ready (regular files, directories, memory devices) need no waker.
    fn readiness(&self, _waker: Option<&std::sync::Arc<dyn PollWaker>>) -> u32 {
        POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM
    }

    /// Whether [`FileOps::readiness`] can change without a waker being told (a host
    /// descriptor): a waiting `poll` then looks again every few milliseconds.
    fn needs_polling(&self) -> bool {
        false
    }

    /// The epoll instance this file is, if it is one (the kernel's epoll calls need to
    /// recognise their own files). Returns `&dyn Any` so this crate need not know it.
    fn as_epoll_any(&self) -> Option<&dyn std::any::Any> {
        None
    }

    /// `O_NONBLOCK` changed on the description (`F_SETFL`), for files that block.
    fn set_nonblocking(&self, _nonblock: bool) {}

    /// `TCGETS`.
    fn tcgets(&self) -> Result<KernelTermios, Errno> {
        Err(Errno::ENOTTY)
    }

    /// `TIOCGWINSZ`.
    fn winsize(&self) -> Result<Winsize, Errno> {
        Err(Errno::ENOTTY)
    }

    /// `FIONREAD`: bytes that a read could return now. `ENOTTY` for files without a
    /// queue.
    fn unread_bytes(&self) -> Result<usize, Errno> {
        Err(Errno::ENOTTY)
    }

    /// `F_GETPIPE_SZ`: a pipe's capacity. `EBADF` for anything but a pipe.
    fn pipe_capacity(&self) -> Result<usize, Errno> {
        Err(Errno::EBADF)
    }

    /// `F_SETPIPE_SZ`: sets a pipe's capacity to at least `size` and returns it.
    /// `EBADF` for anything but a pipe.
    fn set_pipe_capacity(&self, size: usize) -> Result<usize, Errno> {
        let _ = size;
        Err(Errno::EBADF)
    }

    /// The host descriptor behind this file, for path walks relative to it (`*at`
    /// calls) and for `/proc/self/fd`. `None` for files without one.
    fn host_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        None
    }

    /// Whether this is a directory.
    fn is_dir(&self) -> bool {
        false
    }
}

/// An open file description: what `open` creates and `dup` shares. Holds the status
/// flags; the position lives in the file (the host descriptor's offset or a cursor).
pub struct OpenFile {
    /// The file.
    pub ops: Arc<dyn FileOps>,
    /// `O_*` status and access-mode flags.
    flags: AtomicU32,
    /// Guest path it was opened by (for diagnostics and /proc).
    pub path: String,
    /// Where in the name tree it was opened, for `*at` calls relative to it, `fchdir`
    /// and `/proc/[pid]/fd`; `None` for files outside the tree (inherited stdio).
    pub location: Option<crate::walk::PathRef>,
    /// Directory cursor of `getdents64`.
    pub dir_pos: parking_lot::Mutex<u64>,
    /// The inode this description holds a `flock` lock on, released at close.
    pub flock_key: parking_lot::Mutex<Option<usize>>,
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        if let Some(key) = self.flock_key.get_mut().take() {
            crate::flock::unlock(key, self as *const OpenFile as usize);
        }
        let owner = crate::record_lock::LockOwner::File(self as *const OpenFile as usize);
        crate::record_lock::release_owner(owner);
    }
}

impl OpenFile {
    /// A new description of `ops` opened with `flags` by `path`.
    pub fn new(ops: Arc<dyn FileOps>, flags: u32, path: String) -> Arc<OpenFile> {
        Arc::new(OpenFile {
            ops,
            flags: AtomicU32::new(flags),
            path,
            location: None,
            dir_pos: parking_lot::Mutex::new(0),
            flock_key: parking_lot::Mutex::new(None),
        })
    }

    /// A new description of `ops` opened with `flags` at `location` (shown as `path`).
    pub fn at(
        ops: Arc<dyn FileOps>,
        flags: u32,
        location: crate::walk::PathRef,
        path: String,
    ) -> Arc<OpenFile> {
        Arc::new(OpenFile {
            ops,
            flags: AtomicU32::new(flags),
            path,
            location: Some(location),
            dir_pos: parking_lot::Mutex::new(0),
            flock_key: parking_lot::Mutex::new(None),
        })
    }

    /// The status flags.
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }

    /// Replaces the flags `F_SETFL` may change (`O_APPEND`, `O_NONBLOCK`, `O_ASYNC`,
    /// `O_DIRECT`, `O_NOATIME`), keeping the others.
    pub fn set_status_flags(&self, new: u32) {
        use veil_abi::flags::open::*;
        let settable = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;
        let _ = self
            .flags
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some((old & !settable) | (new & settable))
            });
        self.ops.set_nonblocking(new & O_NONBLOCK != 0);
    }

    /// Whether the description was opened for reading.
    pub fn readable(&self) -> bool {
        use veil_abi::flags::open::*;
        let f = self.flags();
        f & O_PATH == 0 && matches!(f & O_ACCMODE, O_RDONLY | O_RDWR)
    }

    /// Whether the description was opened for writing.
    pub fn writable(&self) -> bool {
        use veil_abi::flags::open::*;
        let f = self.flags();
        f & O_PATH == 0 && matches!(f & O_ACCMODE, O_WRONLY | O_RDWR)
    }

    /// Whether this is an `O_PATH` description (usable only as a path anchor).
    pub fn is_path_only(&self) -> bool {
        self.flags() & veil_abi::flags::open::O_PATH != 0
    }
}
