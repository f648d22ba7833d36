//! memfd_create(2): anonymous memory files, and their seals (`F_ADD_SEALS`,
//! `F_GET_SEALS`).
//!
//! A memfd is a regular file of a tmpfs of its own (Linux's internal shmem mount),
//! made in that file system's root as `memfd:NAME` and unlinked at once, so
//! `/proc/self/fd/N` reads `/memfd:NAME (deleted)`. Its open file is a [`MemfdFile`]:
//! the tmpfs file's operations plus the seals, which writes check here and
//! `ftruncate`, `fallocate` and `mmap` check through [`as_memfd`]. The seals belong
//! to the file, not the open: [`MemfdSeals`] finds them by inode for a memfd opened
//! again through `/proc/self/fd/N` ([`reopen`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use veil_vfs::inode::InodeRef;

use veil_abi::structs::{Stat, Statfs, Statx};
use veil_abi::Errno;
use veil_vfs::file::PollWaker;
use veil_vfs::inode_file::InodeFile;
use veil_vfs::FileOps;

/// Prevents further seals.
pub const F_SEAL_SEAL: u32 = 0x1;
/// Prevents shrinking.
pub const F_SEAL_SHRINK: u32 = 0x2;
/// Prevents growing.
pub const F_SEAL_GROW: u32 = 0x4;
/// Prevents writes.
pub const F_SEAL_WRITE: u32 = 0x8;
/// Prevents writes through new descriptors and mappings.
pub const F_SEAL_FUTURE_WRITE: u32 = 0x10;
/// Prevents changing the execute bits.
pub const F_SEAL_EXEC: u32 = 0x20;
/// Every seal.
pub const ALL_SEALS: u32 = 0x3f;

/// The seals of every live memfd, by inode number of the memfd file system.
#[derive(Default)]
pub struct MemfdSeals {
    by_ino: Mutex<HashMap<u64, Weak<AtomicU32>>>,
}

impl MemfdSeals {
    /// Records the seals of the memfd inode `ino`.
    pub fn register(&self, ino: u64, seals: &Arc<AtomicU32>) {
        let mut map = self.by_ino.lock();
        map.retain(|_, w| w.strong_count() > 0);
        map.insert(ino, Arc::downgrade(seals));
    }

    /// The seals of memfd inode `ino`, if it is one.
    pub fn get(&self, ino: u64) -> Option<Arc<AtomicU32>> {
        self.by_ino.lock().get(&ino).and_then(Weak::upgrade)
    }
}

/// An open memfd.
pub struct MemfdFile {
    inner: Arc<InodeFile>,
    seals: Arc<AtomicU32>,
}

impl MemfdFile {
    /// The memfd file over `inner` with `seals` (shared by every open of the file).
    pub fn new(inner: Arc<InodeFile>, seals: Arc<AtomicU32>) -> Arc<MemfdFile> {
        Arc::new(MemfdFile { inner, seals })
    }

    /// The seals, shared by every open of the file.
    pub fn shared_seals(&self) -> &Arc<AtomicU32> {
        &self.seals
    }

    /// The seals.
    pub fn seals(&self) -> u32 {
        self.seals.load(Ordering::SeqCst)
    }

    /// `F_ADD_SEALS`: `EPERM` once `F_SEAL_SEAL` is set; `EINVAL` for unknown bits.
    pub fn add_seals(&self, add: u32) -> Result<(), Errno> {
        if add & !ALL_SEALS != 0 {
            return Err(Errno::EINVAL);
        }
        self.seals
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |s| {
                (s & F_SEAL_SEAL == 0).then_some(s | add)
            })
            .map(|_| ())
            .map_err(|_| Errno::EPERM)
    }

    fn size(&self) -> u64 {
        self.inner.stat().map_or(0, |s| s.st_size.max(0) as u64)
    }

    /// `EPERM` if a write of `len` bytes at `offset` breaks a seal.
    fn check_write(&self, offset: u64, len: usize) -> Result<(), Errno> {
        let seals = self.seals();
        if seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) != 0 {
            return Err(Errno::EPERM);
        }
        if seals & F_SEAL_GROW != 0 && offset.saturating_add(len as u64) > self.size() {
            return Err(Errno::EPERM);
        }
        Ok(())
    }

    /// `EPERM` if resizing to `len` breaks a seal (`ftruncate`, `fallocate`).
    pub fn check_resize(&self, len: u64) -> Result<(), Errno> {
        let (seals, size) = (self.seals(), self.size());
        if (len < size && seals & F_SEAL_SHRINK != 0) || (len > size && seals & F_SEAL_GROW != 0) {
            return Err(Errno::EPERM);
        }
        Ok(())
    }

    /// `EPERM` if a writable shared mapping breaks a seal (`mmap`).
    pub fn check_shared_writable_map(&self) -> Result<(), Errno> {
        if self.seals() & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) != 0 {
            return Err(Errno::EPERM);
        }
        Ok(())
    }
}

impl FileOps for MemfdFile {
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        self.inner.read(buf)
    }

    fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.inner.pread(buf, offset)
    }

    fn write(&self, buf: &[u8], append: bool) -> Result<usize, Errno> {
        let at = if append {
            self.size()
        } else {
            self.inner.seek(0, 1)?
        };
        self.check_write(at, buf.len())?;
        self.inner.write(buf, append)
    }

    fn pwrite(&self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        self.check_write(offset, buf.len())?;
        self.inner.pwrite(buf, offset)
    }

    fn seek(&self, offset: i64, whence: u32) -> Result<u64, Errno> {
        self.inner.seek(offset, whence)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        self.inner.stat()
    }

    fn statx(&self, mask: u32) -> Result<Statx, Errno> {
        self.inner.statx(mask)
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        self.inner.statfs()
    }

    fn getxattr(&self, name: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
        self.inner.getxattr(name, buf)
    }

    fn listxattr(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        self.inner.listxattr(buf)
    }

    fn readiness(&self, waker: Option<&Arc<dyn PollWaker>>) -> u32 {
        self.inner.readiness(waker)
    }
}

/// The open of `inode` for a reopen (`/proc/self/fd/N`): a [`MemfdFile`] with the
/// file's seals when `inode` is a memfd of `kernel`, else `None`.
pub fn reopen(kernel: &crate::Kernel, inode: &InodeRef) -> Option<Arc<dyn FileOps>> {
    let ns = kernel.memfd_fs.get()?;
    let st = inode.attr().ok()?.to_stat();
    let root_dev = ns.root().inode().attr().ok()?.to_stat().st_dev;
    if st.st_dev != root_dev {
        return None;
    }
    let seals = kernel.memfd_seals.get(st.st_ino)?;
    Some(MemfdFile::new(InodeFile::new(inode.clone()), seals))
}

/// The memfd `file` is, if it is one.
pub fn as_memfd(file: &dyn FileOps) -> Option<&MemfdFile> {
    file.as_any()?.downcast_ref::<MemfdFile>()
}
