//! [`HostInode`]: one host file, and its [`InodeOps`].

use std::any::Any;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::{Arc, OnceLock, Weak};

use nix::fcntl::OFlag;
use nix::sys::stat::FileStat;
use parking_lot::Mutex;
use veil_abi::Errno;

use super::lookup::ChildCache;
use super::{attr, sys};
use crate::inode::{
    Attr, Creds, DirEntryInfo, FileType, InodeOps, InodeRef, NewNode, RenameFlags, SetAttr,
    XattrMode,
};

/// A file of a [`HostFs`](super::HostFs).
///
/// Two lookups of the same name of the same directory give the same `HostInode` while
/// one of them is alive.
pub struct HostInode {
    /// This inode, for the parent link of its children; immutable.
    pub(super) this: Weak<HostInode>,
    /// The `O_PATH|O_NOFOLLOW` host descriptor; immutable.
    pub(super) fd: OwnedFd,
    /// The file type; immutable.
    pub(super) kind: FileType,
    /// The host device number; immutable.
    pub(super) dev: u64,
    /// The host inode number; immutable.
    pub(super) ino: u64,
    /// The parent directory and the name of this file in it (`None` for the root),
    /// through which a non-directory is reopened for reading; immutable.
    pub(super) parent: Option<(Arc<HostInode>, Vec<u8>)>,
    /// The `O_RDONLY` descriptor, opened on first use.
    pub(super) read_fd: OnceLock<OwnedFd>,
    /// Children looked up so far (directories). Leaf lock.
    pub(super) children: Mutex<ChildCache>,
    /// The listing, read on first use (directories).
    pub(super) listing: OnceLock<Vec<DirEntryInfo>>,
    /// Pages of the file in the memory file, for shared mappings (regular files).
    pub(super) cache: super::page_cache::PageCache,
}

impl HostInode {
    /// Wraps `fd`, an `O_PATH` descriptor of a host file whose `fstat` is `st`, named
    /// `parent.1` in the directory `parent.0` (`None` for the root).
    pub(super) fn new(
        fd: OwnedFd,
        st: &FileStat,
        parent: Option<(Arc<HostInode>, Vec<u8>)>,
    ) -> Result<Arc<HostInode>, Errno> {
        let kind = attr::kind_of(st)?;
        let cache = super::page_cache::PageCache::default();
        if let Some(mf) = parent.as_ref().and_then(|(p, _)| p.cache.memory.get()) {
            let _ = cache.memory.set(mf.clone());
        }
        Ok(Arc::new_cyclic(|this| HostInode {
            this: this.clone(),
            fd,
            kind,
            dev: st.st_dev,
            ino: st.st_ino,
            parent,
            read_fd: OnceLock::new(),
            children: Mutex::new(ChildCache::default()),
            listing: OnceLock::new(),
            cache,
        }))
    }

    /// The `O_PATH|O_NOFOLLOW` host descriptor of this file.
    pub fn host_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The host `(dev, ino)` of this file.
    pub fn host_id(&self) -> (u64, u64) {
        (self.dev, self.ino)
    }

    /// A host descriptor of this file open `O_RDONLY` (for `pread`, `copy_file_range`,
    /// `fgetxattr`), opened on first use and kept for the inode's life. Regular files
    /// and directories only: `ELOOP` for a symlink, `EINVAL` for other types (opening
    /// a device or FIFO could have side effects on the host). `EACCES` if the sentry
    /// may not read the file.
    pub fn read_fd(&self) -> Result<BorrowedFd<'_>, Errno> {
        if let Some(fd) = self.read_fd.get() {
            return Ok(fd.as_fd());
        }
        let fd = self.open_readable()?;
        // A concurrent caller may have won; then `fd` is closed and theirs is used.
        Ok(self.read_fd.get_or_init(|| fd).as_fd())
    }

    /// Opens this file `O_RDONLY`.
    fn open_readable(&self) -> Result<OwnedFd, Errno> {
        match self.kind {
            FileType::Directory => {
                sys::openat(self.host_fd(), b".", OFlag::O_RDONLY | OFlag::O_DIRECTORY)
            }
            FileType::Regular => {
                // `openat` cannot open an `O_PATH` descriptor itself (no empty path),
                // so reopen the name in the parent and check it is still this file.
                let (parent, name) = self.parent.as_ref().ok_or(Errno::ESTALE)?;
                let flags =
                    OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NOCTTY | OFlag::O_NONBLOCK;
                let fd = sys::openat(parent.host_fd(), name, flags)?;
                let st = sys::fstat(fd.as_fd())?;
                if (st.st_dev, st.st_ino) != (self.dev, self.ino) {
                    return Err(Errno::ESTALE);
                }
                Ok(fd)
            }
            FileType::Symlink => Err(Errno::ELOOP),
            _ => Err(Errno::EINVAL),
        }
    }

    /// `ENOTDIR` unless this is a directory.
    fn require_dir(&self) -> Result<(), Errno> {
        if self.kind == FileType::Directory {
            Ok(())
        } else {
            Err(Errno::ENOTDIR)
        }
    }
}

impl InodeOps for HostInode {
    fn kind(&self) -> FileType {
        self.kind
    }

    fn attr(&self) -> Result<Attr, Errno> {
        Ok(attr::attr_of(self.kind, &sys::fstat(self.host_fd())?))
    }

    fn set_attr(&self, _change: &SetAttr) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        Ok(self.lookup_child(name)?)
    }

    fn readdir(&self) -> Result<Vec<DirEntryInfo>, Errno> {
        if self.kind != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        if let Some(listing) = self.listing.get() {
            return Ok(listing.clone());
        }
        let listing = self.read_listing()?;
        Ok(self.listing.get_or_init(|| listing).clone())
    }

    fn create(
        &self,
        name: &[u8],
        _node: NewNode,
        _perm: u32,
        _creds: Creds,
    ) -> Result<InodeRef, Errno> {
        self.require_dir()?;
        Err(self.create_error(name))
    }

    fn link(&self, name: &[u8], _target: &InodeRef) -> Result<(), Errno> {
        self.require_dir()?;
        Err(self.create_error(name))
    }

    fn unlink(&self, _name: &[u8]) -> Result<(), Errno> {
        self.require_dir()?;
        Err(Errno::EROFS)
    }

    fn rmdir(&self, _name: &[u8]) -> Result<(), Errno> {
        self.require_dir()?;
        Err(Errno::EROFS)
    }

    fn rename(
        &self,
        _old_name: &[u8],
        _new_dir: &InodeRef,
        _new_name: &[u8],
        _flags: RenameFlags,
    ) -> Result<(), Errno> {
        self.require_dir()?;
        Err(Errno::EROFS)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        match self.kind {
            FileType::Regular => sys::pread(self.read_fd()?, buf, offset),
            FileType::Directory => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }

    fn write_at(&self, _buf: &[u8], _offset: u64) -> Result<usize, Errno> {
        match self.kind {
            FileType::Regular => Err(Errno::EROFS),
            FileType::Directory => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }

    fn allocate(
        &self,
        _offset: u64,
        _len: u64,
        _keep_size: bool,
        _punch: bool,
    ) -> Result<(), Errno> {
        match self.kind {
            FileType::Regular => Err(Errno::EROFS),
            FileType::Directory => Err(Errno::EISDIR),
            FileType::Fifo => Err(Errno::ESPIPE),
            _ => Err(Errno::ENODEV),
        }
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        if self.kind != FileType::Symlink {
            return Err(Errno::EINVAL);
        }
        sys::readlink(self.host_fd())
    }

    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        self.get_xattr(name)
    }

    fn setxattr(&self, _name: &[u8], _value: &[u8], _mode: XattrMode) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        self.list_xattr()
    }

    fn removexattr(&self, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn mappable(&self) -> Option<&dyn veil_memmap::mapping::Mappable> {
        (self.kind == FileType::Regular && self.cache.memory.get().is_some())
            .then_some(self as &dyn veil_memmap::mapping::Mappable)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
