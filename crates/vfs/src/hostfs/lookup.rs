//! Looking up a name in a host directory, the procfs guard, and the per-directory
//! cache of looked-up children.

use std::collections::HashMap;
use std::os::fd::AsFd;
use std::sync::{Arc, Weak};

use nix::fcntl::OFlag;
use veil_abi::Errno;

use super::inode::HostInode;
use super::sys;
use crate::inode::{FileType, NAME_MAX};

/// The children of a directory looked up so far: name → inode while it is alive.
#[derive(Default)]
pub(super) struct ChildCache {
    /// Looked-up children; dead entries are dropped when the map grows.
    map: HashMap<Vec<u8>, Weak<HostInode>>,
    /// Size of `map` at which dead entries are next dropped.
    prune_at: usize,
}

impl ChildCache {
    /// The live child `name`, if cached.
    fn get(&self, name: &[u8]) -> Option<Arc<HostInode>> {
        self.map.get(name).and_then(Weak::upgrade)
    }

    /// Caches `child` as `name` unless a live child is cached there already (a
    /// concurrent lookup won), and returns the cached one.
    fn insert(&mut self, name: &[u8], child: Arc<HostInode>) -> Arc<HostInode> {
        if let Some(existing) = self.get(name) {
            return existing;
        }
        if self.map.len() >= self.prune_at {
            self.map.retain(|_, c| c.strong_count() > 0);
            self.prune_at = (self.map.len() * 2).max(16);
        }
        self.map.insert(name.to_vec(), Arc::downgrade(&child));
        child
    }
}

/// Checks that `name` is one path component: `ENOENT` if empty, `ENAMETOOLONG` past
/// `NAME_MAX`, `EINVAL` for `.`, `..` or a name containing `/` or NUL (the path walk
/// never passes those).
fn check_name(name: &[u8]) -> Result<(), Errno> {
    if name.is_empty() {
        return Err(Errno::ENOENT);
    }
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    if name == b"." || name == b".." || name.iter().any(|&c| c == b'/' || c == 0) {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

impl HostInode {
    /// The child `name` of this directory, never following a final symlink: `ENOTDIR`
    /// if this is not a directory, `ENOENT` if absent or in a procfs.
    pub(super) fn lookup_child(&self, name: &[u8]) -> Result<Arc<HostInode>, Errno> {
        if self.kind != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        check_name(name)?;
        if let Some(child) = self.children.lock().get(name) {
            return Ok(child);
        }
        // Opened without the cache lock held; a concurrent lookup of the same name may
        // open it too, and `insert` keeps the first. A losing `child` is dropped (its
        // descriptor closed) after the lock is released.
        let child = self.open_child(name)?;
        let kept = self.children.lock().insert(name, child.clone());
        Ok(kept)
    }

    /// Opens the child `name` as a new inode.
    fn open_child(&self, name: &[u8]) -> Result<Arc<HostInode>, Errno> {
        let flags = OFlag::O_PATH | OFlag::O_NOFOLLOW;
        let fd = sys::openat(self.host_fd(), name, flags)?;
        let st = sys::fstat(fd.as_fd())?;
        // A file on this directory's device is on its file system, which is not a
        // procfs (the root was checked); only a mount point can lead into one.
        if st.st_dev != self.dev && sys::is_procfs(&fd)? {
            return Err(Errno::ENOENT);
        }
        let this = self.this.upgrade().ok_or(Errno::ESTALE)?;
        HostInode::new(fd, &st, Some((this, name.to_vec())))
    }

    /// The error of a create of `name` in this directory: `EEXIST` if `name` exists,
    /// else `EROFS` (Linux reports an existing name before the read-only mount), or the
    /// error of the lookup.
    pub(super) fn create_error(&self, name: &[u8]) -> Errno {
        match self.lookup_child(name) {
            Ok(_) => Errno::EEXIST,
            Err(Errno::ENOENT) => Errno::EROFS,
            Err(e) => e,
        }
    }
}
