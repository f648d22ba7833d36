//! The tmpfs inode: identity, attributes, and the [`InodeOps`] entry points, which hand
//! each family of operations to its own file (`dir.rs`, `rename.rs`, `regular.rs`,
//! `xattr.rs`).

use std::any::Any;
use std::sync::{Arc, Weak};

use veil_abi::structs::Timespec;
use veil_abi::{Errno, PAGE_SIZE};

use super::data::{FileData, MAX_FILE_SIZE};
use super::dir::Children;
use super::time::now;
use super::xattr::Xattrs;
use super::FsShared;
use crate::inode::{
    Attr, Creds, DirEntryInfo, FileType, InodeOps, InodeRef, NewNode, RenameFlags, SetAttr,
    XattrMode,
};
use crate::lock::{Rank, RankedMutex, RankedMutexGuard};

/// `BOGO_DIRENT_SIZE`: what each entry adds to a directory's `st_size` (Linux tmpfs
/// reports `(entries + 2) * 20`).
const BOGO_DIRENT_SIZE: u64 = 20;

/// The set-group-ID bit.
pub(super) const S_ISGID: u32 = 0o2000;

/// A held inode lock.
pub(super) type StateGuard<'a> = RankedMutexGuard<'a, State>;

/// One file of a [`Tmpfs`](super::Tmpfs): regular file, directory, symlink, FIFO,
/// device or socket.
///
/// Obtained from [`Tmpfs::root`](super::Tmpfs::root) and the directory operations of
/// [`InodeOps`] as an [`InodeRef`]; downcast with
/// `inode.as_any().downcast_ref::<TmpfsInode>()` to reach the page accessors of
/// regular files ([`TmpfsInode::pages`]). An inode lives as long as a reference to it:
/// unlinking an open file keeps its data until the last reference goes, then its pages
/// return to the memory file.
pub struct TmpfsInode {
    /// The file system; immutable.
    pub(super) fs: Arc<FsShared>,
    /// This inode, to hand out `Arc`s from `&self` (hard links); immutable.
    pub(super) this: Weak<TmpfsInode>,
    /// File type; immutable.
    pub(super) kind: FileType,
    /// Inode number; immutable.
    pub(super) ino: u64,
    /// Device number of a device file, else 0; immutable.
    rdev: u64,
    /// Target of a symlink, else empty; immutable.
    pub(super) target: Vec<u8>,
    /// Everything that changes; see the module's lock order.
    pub(super) mu: RankedMutex<State>,
    /// The shared memory mappings of a regular file (see `mappable.rs`).
    pub(super) maps: parking_lot::Mutex<veil_memmap::mapping::MappingSet>,
}

/// The mutable state of an inode, behind its `mu`.
pub(super) struct State {
    /// Permission bits (`0o7777`).
    pub(super) perm: u32,
    /// Owner.
    pub(super) uid: u32,
    /// Group.
    pub(super) gid: u32,
    /// Hard links: names for a non-directory; 2 + subdirectories for a directory (0
    /// once removed).
    pub(super) nlink: u64,
    /// Last access.
    pub(super) atime: Timespec,
    /// Last change of the content.
    pub(super) mtime: Timespec,
    /// Last change of the attributes.
    pub(super) ctime: Timespec,
    /// Extended attributes.
    pub(super) xattrs: Xattrs,
    /// An `O_TMPFILE` file not yet named: `link` may give it its first name although
    /// it has no link (Linux's `I_LINKABLE`).
    pub(super) linkable: bool,
    /// What the type adds.
    pub(super) body: Body,
}

/// The type-specific mutable part of an inode.
pub(super) enum Body {
    /// A regular file's size and pages.
    Regular(FileData),
    /// A directory's entries.
    Directory(Children),
    /// Nothing (symlinks, FIFOs, devices, sockets).
    Other,
}

impl State {
    /// The data of a regular file. Precondition: the inode is one.
    pub(super) fn file(&mut self) -> &mut FileData {
        match &mut self.body {
            Body::Regular(data) => data,
            _ => unreachable!("tmpfs: file data of a non-regular inode"),
        }
    }

    /// The entries of a directory. Precondition: the inode is one.
    pub(super) fn dir(&mut self) -> &mut Children {
        match &mut self.body {
            Body::Directory(children) => children,
            _ => unreachable!("tmpfs: entries of a non-directory inode"),
        }
    }

    /// Sets mtime and ctime to `t` (the content changed).
    pub(super) fn touch_modified(&mut self, t: Timespec) {
        self.mtime = t;
        self.ctime = t;
    }

    /// Updates atime for an access at `t` if `relatime` asks for it.
    pub(super) fn touch_accessed(&mut self, t: Timespec) {
        if super::time::relatime_due(self.atime, self.mtime, self.ctime, t) {
            self.atime = t;
        }
    }
}

/// Locks `a` and `b` (distinct inodes), lower inode number first, and returns their
/// guards in argument order. Precondition: the caller holds `tree_mu` (the only
/// context in which two inode locks are held).
pub(super) fn lock_two<'a>(
    a: &'a TmpfsInode,
    b: &'a TmpfsInode,
) -> (StateGuard<'a>, StateGuard<'a>) {
    debug_assert!(!std::ptr::eq(a, b), "tmpfs: locking one inode twice");
    if a.ino < b.ino {
        let ga = a.mu.lock();
        (ga, b.mu.lock())
    } else {
        let gb = b.mu.lock();
        (a.mu.lock(), gb)
    }
}

impl TmpfsInode {
    /// A new inode of `fs` for `node`, owned by `uid`/`gid`, all times `t`. Directories
    /// start with 2 links (their own `.` and the entry naming them), others with 1.
    /// Symlinks always have permissions `0o777` (`shmem_symlink`).
    pub(super) fn new_inode(
        fs: &Arc<FsShared>,
        node: NewNode,
        perm: u32,
        uid: u32,
        gid: u32,
        t: Timespec,
    ) -> Arc<TmpfsInode> {
        let (kind, rdev, target, body) = match node {
            NewNode::Regular => (
                FileType::Regular,
                0,
                Vec::new(),
                Body::Regular(FileData::default()),
            ),
            NewNode::Directory => (
                FileType::Directory,
                0,
                Vec::new(),
                Body::Directory(Children::default()),
            ),
            NewNode::Symlink(target) => (FileType::Symlink, 0, target, Body::Other),
            NewNode::Fifo => (FileType::Fifo, 0, Vec::new(), Body::Other),
            NewNode::CharDevice(rdev) => (FileType::CharDevice, rdev, Vec::new(), Body::Other),
            NewNode::BlockDevice(rdev) => (FileType::BlockDevice, rdev, Vec::new(), Body::Other),
            NewNode::Socket => (FileType::Socket, 0, Vec::new(), Body::Other),
        };
        let perm = if kind == FileType::Symlink {
            0o777
        } else {
            perm & 0o7777
        };
        let nlink = if kind == FileType::Directory { 2 } else { 1 };
        Arc::new_cyclic(|this| TmpfsInode {
            fs: fs.clone(),
            this: this.clone(),
            kind,
            ino: fs.new_ino(),
            rdev,
            target,
            mu: RankedMutex::new(
                Rank::InodeMu,
                State {
                    perm,
                    uid,
                    gid,
                    nlink,
                    atime: t,
                    mtime: t,
                    ctime: t,
                    xattrs: Xattrs::default(),
                    linkable: false,
                    body,
                },
            ),
            maps: parking_lot::Mutex::new(veil_memmap::mapping::MappingSet::new()),
        })
    }

    /// The root directory of a new instance.
    pub(super) fn new_root(fs: &Arc<FsShared>, perm: u32, creds: Creds) -> Arc<TmpfsInode> {
        TmpfsInode::new_inode(fs, NewNode::Directory, perm, creds.uid, creds.gid, now())
    }

    /// This inode as an `Arc`. Always succeeds while `&self` is borrowed from one.
    pub(super) fn arc(&self) -> Arc<TmpfsInode> {
        self.this
            .upgrade()
            .expect("tmpfs: inode used after its last reference")
    }

    /// `st_size` from the locked state `st`: a regular file's size, `(entries + 2) *
    /// 20` for a directory (as Linux tmpfs), a symlink's target length, else 0.
    pub(super) fn size_locked(&self, st: &State) -> u64 {
        match &st.body {
            Body::Regular(data) => data.size(),
            Body::Directory(children) => (children.len() as u64 + 2) * BOGO_DIRENT_SIZE,
            Body::Other => self.target.len() as u64,
        }
    }

    /// `ENOTDIR` unless this is a directory.
    pub(super) fn require_dir(&self) -> Result<(), Errno> {
        if self.kind == FileType::Directory {
            Ok(())
        } else {
            Err(Errno::ENOTDIR)
        }
    }

    /// `inode` as a tmpfs inode of the same instance as `self`, else `EXDEV`.
    pub(super) fn same_fs<'a>(&self, inode: &'a InodeRef) -> Result<&'a TmpfsInode, Errno> {
        inode
            .as_any()
            .downcast_ref::<TmpfsInode>()
            .filter(|other| Arc::ptr_eq(&other.fs, &self.fs))
            .ok_or(Errno::EXDEV)
    }

    /// Implements `set_attr`: all or nothing, so every check comes first.
    fn set_attr_impl(&self, change: &SetAttr) -> Result<(), Errno> {
        if *change == SetAttr::default() {
            return Ok(());
        }
        if let Some(size) = change.size {
            // do_sys_truncate: a negative length is EINVAL, then vfs_truncate's type
            // checks; `s_maxbytes` is i64::MAX, so EFBIG cannot arise.
            if size > MAX_FILE_SIZE {
                return Err(Errno::EINVAL);
            }
            match self.kind {
                FileType::Regular => {}
                FileType::Directory => return Err(Errno::EISDIR),
                _ => return Err(Errno::EINVAL),
            }
        }
        let t = now();
        // A lower inode the truncation let go of; dropped after `st` (its drop may
        // take the lower's own lock).
        let mut released = None;
        let mut cut = None;
        let mut st = self.mu.lock();
        // shmem_setattr: a size-only change that keeps the size touches no time.
        let mut changed = change.perm.is_some()
            || change.uid.is_some()
            || change.gid.is_some()
            || change.atime.is_some()
            || change.mtime.is_some();
        if let Some(size) = change.size {
            let data = st.file();
            let old = data.size();
            let resized = old != size;
            released = data.truncate(&self.fs.memory, size);
            cut = Some((size, old.max(size), data.take_deferred()));
            if resized {
                st.mtime = t;
                changed = true;
            }
        }
        if let Some(perm) = change.perm {
            st.perm = perm & 0o7777;
        }
        if let Some(uid) = change.uid {
            st.uid = uid;
        }
        if let Some(gid) = change.gid {
            st.gid = gid;
        }
        if let Some(atime) = change.atime {
            st.atime = atime;
        }
        if let Some(mtime) = change.mtime {
            st.mtime = mtime;
        }
        if changed {
            st.ctime = t;
        }
        drop(st);
        if let Some((from, to, freed)) = cut {
            self.finish_cut(from, to, freed);
        }
        drop(released);
        Ok(())
    }
}

impl InodeOps for TmpfsInode {
    fn make_linkable(&self) -> Result<(), Errno> {
        if self.kind != FileType::Regular {
            return Err(Errno::EINVAL);
        }
        self.mu.lock().linkable = true;
        Ok(())
    }

    fn kind(&self) -> FileType {
        self.kind
    }

    fn attr(&self) -> Result<Attr, Errno> {
        let st = self.mu.lock();
        let size = self.size_locked(&st);
        let blocks = match &st.body {
            Body::Regular(data) => data.blocks(),
            _ => 0,
        };
        Ok(Attr {
            kind: self.kind,
            perm: st.perm,
            ino: self.ino,
            dev: self.fs.dev,
            nlink: st.nlink,
            uid: st.uid,
            gid: st.gid,
            rdev: self.rdev,
            size,
            blocks,
            blksize: PAGE_SIZE,
            atime: st.atime,
            mtime: st.mtime,
            ctime: st.ctime,
        })
    }

    /// Changes the given attributes and sets ctime to now (Linux's `notify_change`).
    /// A size (regular files only: `EISDIR` for a directory, `EINVAL` for other types
    /// or a size past `i64::MAX`) truncates or extends the file, setting mtime too when
    /// the size changes; a size-only change to the same size touches no time. Explicit
    /// atime/mtime win over the ones the size change sets. Clearing set-user-ID and
    /// set-group-ID bits on `chown` belongs to the caller, with the permission checks.
    fn set_attr(&self, change: &SetAttr) -> Result<(), Errno> {
        self.set_attr_impl(change)
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        self.dir_lookup(name)
    }

    /// Entries in creation order (a rename moves the name to the end of its new
    /// directory; replacing or exchanging keeps the place of the name replaced).
    fn readdir(&self) -> Result<Vec<DirEntryInfo>, Errno> {
        self.dir_readdir()
    }

    /// Creates `name`. The new inode's group is `creds.gid`, or the directory's group
    /// if the directory is set-group-ID, in which case a new directory is set-group-ID
    /// too (`inode_init_owner`); dropping `S_ISGID` from a new file of a group the
    /// creator is not in, and the umask, are the caller's. Symlinks get `0o777`; an
    /// empty target is `ENOENT`, one of 4096 bytes or more `ENAMETOOLONG`.
    fn create(
        &self,
        name: &[u8],
        node: NewNode,
        perm: u32,
        creds: Creds,
    ) -> Result<InodeRef, Errno> {
        self.dir_create(name, node, perm, creds)
    }

    /// Links `target` as `name`: `EXDEV` for another file system, `EPERM` for a
    /// directory, `ENOENT` for a file with no links left (an unlinked open file).
    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        self.dir_link(name, target)
    }

    fn unlink(&self, name: &[u8]) -> Result<(), Errno> {
        self.dir_unlink(name)
    }

    fn rmdir(&self, name: &[u8]) -> Result<(), Errno> {
        self.dir_rmdir(name)
    }

    /// See `rename.rs` for the checks and their order.
    fn rename(
        &self,
        old_name: &[u8],
        new_dir: &InodeRef,
        new_name: &[u8],
        flags: RenameFlags,
    ) -> Result<(), Errno> {
        self.rename_impl(old_name, new_dir, new_name, flags)
    }

    /// Reads regular-file data (`EISDIR` for a directory); refreshes atime under
    /// `relatime`.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.file_read(buf, offset)
    }

    /// Writes regular-file data: `EINVAL` when `offset + buf.len()` passes `i64::MAX`,
    /// `ENOSPC` when the memory file is full; sets mtime and ctime.
    fn write_at(&self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        self.file_write(buf, offset)
    }

    /// `fallocate`. `punch` implies keeping the size, whatever `keep_size` says.
    fn allocate(&self, offset: u64, len: u64, keep_size: bool, punch: bool) -> Result<(), Errno> {
        self.file_allocate(offset, len, keep_size, punch)
    }

    /// The target of a symlink; refreshes atime under `relatime`.
    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        if self.kind != FileType::Symlink {
            return Err(Errno::EINVAL);
        }
        self.mu.lock().touch_accessed(now());
        Ok(self.target.clone())
    }

    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        self.xattr_get(name)
    }

    fn setxattr(&self, name: &[u8], value: &[u8], mode: XattrMode) -> Result<(), Errno> {
        self.xattr_set(name, value, mode)
    }

    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        Ok(self.mu.lock().xattrs.names())
    }

    fn removexattr(&self, name: &[u8]) -> Result<(), Errno> {
        self.xattr_remove(name)
    }

    fn mappable(&self) -> Option<&dyn veil_memmap::mapping::Mappable> {
        (self.kind == FileType::Regular).then_some(self as &dyn veil_memmap::mapping::Mappable)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Drop for TmpfsInode {
    /// Returns a regular file's pages to the memory file and lets go of its backing's
    /// lower inode, if any. A directory's children are
    /// torn down with an explicit stack rather than by recursive drops, so a deep tree
    /// cannot overflow the sentry's stack. Takes one inode lock at a time.
    fn drop(&mut self) {
        let mut orphans = Vec::new();
        let mut lower = None;
        {
            let mut st = self.mu.lock();
            match &mut st.body {
                Body::Regular(data) => lower = data.release(&self.fs.memory),
                Body::Directory(children) => orphans = children.drain(),
                Body::Other => {}
            }
        }
        // A backing's lower inode goes after the lock (its drop may take its own).
        drop(lower);
        while let Some(child) = orphans.pop() {
            if let Ok(child) = Arc::try_unwrap(child) {
                if let Body::Directory(children) = &mut child.mu.lock().body {
                    orphans.extend(children.drain());
                }
                // Dropping it now recurses at most once: its children are taken.
                drop(child);
            }
        }
    }
}
