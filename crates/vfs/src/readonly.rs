//! A read-only view of another file system's tree: an OCI `root.readonly`, a
//! `readonlyPaths` entry or an `ro` bind mount.
//!
//! [`ReadOnlyInode`] wraps an inode: reads, lookups and listings pass through (a
//! looked-up child comes back wrapped too), and every change is `EROFS`, as on a
//! mount made with `MS_RDONLY`. [`InodeOps::read_only`] tells the kernel at `open`
//! (Linux refuses an open for writing there, not at the first write). `as_any` is
//! the wrapped inode's, so code that recognises its own inodes (a device node, a
//! `/proc` file, a memfd) still does.
//!
//! Locking: none of its own; each call is one call of the wrapped inode.

use std::any::Any;
use std::sync::Arc;

use veil_abi::Errno;

use crate::inode::{
    Attr, Creds, DirEntryInfo, FileType, InodeOps, InodeRef, NewNode, RenameFlags, SetAttr,
    XattrMode,
};

/// An inode seen through a read-only mount.
pub struct ReadOnlyInode {
    inner: InodeRef,
}

impl ReadOnlyInode {
    /// `inner`, read-only.
    pub fn wrap(inner: InodeRef) -> InodeRef {
        Arc::new(ReadOnlyInode { inner })
    }
}

impl InodeOps for ReadOnlyInode {
    fn kind(&self) -> FileType {
        self.inner.kind()
    }

    fn attr(&self) -> Result<Attr, Errno> {
        self.inner.attr()
    }

    fn set_attr(&self, _change: &SetAttr) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        self.inner.lookup(name).map(ReadOnlyInode::wrap)
    }

    fn readdir(&self) -> Result<Vec<DirEntryInfo>, Errno> {
        self.inner.readdir()
    }

    fn create(
        &self,
        _name: &[u8],
        _node: NewNode,
        _perm: u32,
        _creds: Creds,
    ) -> Result<InodeRef, Errno> {
        Err(Errno::EROFS)
    }

    fn link(&self, _name: &[u8], _target: &InodeRef) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn unlink(&self, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn rmdir(&self, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn rename(
        &self,
        _old_name: &[u8],
        _new_dir: &InodeRef,
        _new_name: &[u8],
        _flags: RenameFlags,
    ) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.inner.read_at(buf, offset)
    }

    fn write_at(&self, _buf: &[u8], _offset: u64) -> Result<usize, Errno> {
        Err(Errno::EROFS)
    }

    fn allocate(&self, _offset: u64, _len: u64, _keep: bool, _punch: bool) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        self.inner.readlink()
    }

    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        self.inner.getxattr(name)
    }

    fn setxattr(&self, _name: &[u8], _value: &[u8], _mode: XattrMode) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        self.inner.listxattr()
    }

    fn removexattr(&self, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn make_linkable(&self) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn mappable(&self) -> Option<&dyn veil_memmap::mapping::Mappable> {
        self.inner.mappable()
    }

    fn read_only(&self) -> bool {
        true
    }

    fn as_any(&self) -> &dyn Any {
        self.inner.as_any()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use veil_memmap::MemoryFile;

    use super::*;
    use crate::tmpfs::Tmpfs;

    const ROOT: Creds = Creds { uid: 0, gid: 0 };

    #[test]
    fn reads_pass_through_and_every_change_is_erofs() {
        let fs = Tmpfs::new(Arc::new(MemoryFile::new(1 << 20).unwrap()));
        let dir = fs
            .root()
            .create(b"d", NewNode::Directory, 0o755, ROOT)
            .unwrap();
        let file = dir.create(b"f", NewNode::Regular, 0o644, ROOT).unwrap();
        file.write_at(b"hello", 0).unwrap();

        let ro = ReadOnlyInode::wrap(fs.root());
        assert!(ro.read_only());
        let ro_dir = ro.lookup(b"d").unwrap();
        assert!(ro_dir.read_only(), "a looked-up child is read-only too");
        let ro_file = ro_dir.lookup(b"f").unwrap();
        let mut buf = [0u8; 5];
        assert_eq!(ro_file.read_at(&mut buf, 0), Ok(5));
        assert_eq!(&buf, b"hello");
        assert_eq!(ro_file.attr().unwrap().ino, file.attr().unwrap().ino);

        assert_eq!(ro_file.write_at(b"x", 0), Err(Errno::EROFS));
        assert_eq!(
            ro_dir
                .create(b"g", NewNode::Regular, 0o644, ROOT)
                .map(|_| ()),
            Err(Errno::EROFS)
        );
        assert_eq!(ro_dir.unlink(b"f"), Err(Errno::EROFS));
        assert_eq!(ro.rmdir(b"d"), Err(Errno::EROFS));
        assert_eq!(
            ro_file.setxattr(b"user.a", b"1", XattrMode::Any),
            Err(Errno::EROFS)
        );
        assert_eq!(ro_file.set_attr(&SetAttr::default()), Err(Errno::EROFS));
        // The writable view still works and the read-only one sees its changes.
        file.write_at(b"J", 0).unwrap();
        ro_file.read_at(&mut buf, 0).unwrap();
        assert_eq!(&buf, b"Jello");
    }
}
