//! A read-only host file system: the lower layer of the root overlay.
//!
//! [`HostFs`] exposes a host directory tree (normally the host's `/`) as inodes
//! ([`HostInode`]) of the [`InodeOps`](crate::inode::InodeOps) layer. It never changes
//! the host: every operation that would is refused with `EROFS`. The overlay above
//! gives the guest a writable view by copying files up into its in-memory upper layer.
//!
//! Each inode holds an `O_PATH|O_NOFOLLOW` host descriptor of its file, opened by
//! `openat` of one name below its parent's descriptor, so a walk never follows a host
//! symlink (the path walk above follows guest-visible symlinks itself, through
//! `readlink`) and never leaves the tree. Mount points below the root are crossed as
//! the host crosses them, except into a procfs: anything that resolves into one is
//! reported as missing (`ENOENT`, and left out of listings), so the guest never sees
//! the host's `/proc`.
//!
//! The host tree is assumed not to change while it is in use, so looked-up children and
//! directory listings are cached without invalidation.
//!
//! Locking: an inode's child cache is a leaf `parking_lot` mutex, taken with no other
//! lock held and held across no call into another inode or the host. The other lazily
//! filled state (listing, readable descriptor) is in `OnceLock`s. No lock of the VFS
//! order ([`crate::lock`]) is taken here.
//!
//! `unsafe` appears only in `sys.rs` (adopting descriptors `nix` returns as raw
//! numbers) and `xattr.rs` (the xattr calls `nix` does not wrap).

mod attr;
mod inode;
mod lookup;
mod page_cache;
mod readdir;
pub(crate) mod sys;
mod xattr;

#[cfg(test)]
mod tests;

use std::os::fd::AsFd;
use std::path::Path;
use std::sync::Arc;

use nix::fcntl::OFlag;
use veil_abi::Errno;

pub use inode::HostInode;

use crate::inode::InodeRef;

/// A host directory tree as a read-only file system.
pub struct HostFs {
    /// The root inode; immutable.
    root: Arc<HostInode>,
}

impl HostFs {
    /// Opens the host directory `root` (following symlinks in `root` itself) as the root
    /// of a new file system. `ENOENT` if `root` is in a procfs, `ENOTDIR` if it is not a
    /// directory.
    pub fn new(root: &Path) -> Result<Arc<HostFs>, Errno> {
        let fd = sys::open(root, OFlag::O_PATH | OFlag::O_DIRECTORY)?;
        if sys::is_procfs(&fd)? {
            return Err(Errno::ENOENT);
        }
        let st = sys::fstat(fd.as_fd())?;
        let root = HostInode::new(fd, &st, None)?;
        Ok(Arc::new(HostFs { root }))
    }

    /// Like [`HostFs::new`], with a page cache in `memory` so that files can be mapped
    /// shared (`MAP_SHARED`).
    pub fn with_page_cache(
        root: &Path,
        memory: Arc<veil_memmap::MemoryFile>,
    ) -> Result<Arc<HostFs>, Errno> {
        let fs = Self::new(root)?;
        let _ = fs.root.cache.memory.set(memory);
        Ok(fs)
    }

    /// The root directory.
    pub fn root(self: &Arc<Self>) -> InodeRef {
        self.root.clone()
    }

    /// The root directory as its concrete type.
    pub fn root_inode(&self) -> &Arc<HostInode> {
        &self.root
    }
}
