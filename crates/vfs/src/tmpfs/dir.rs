//! Directories: the entry list and the operations on names (`lookup`, `readdir`,
//! `create`, `link`, `unlink`, `rmdir`). `rename` is in `rename.rs`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use veil_abi::Errno;

use super::node::{lock_two, TmpfsInode, S_ISGID};
use super::time::now;
use crate::inode::{Creds, DirEntryInfo, FileType, InodeRef, NewNode, NAME_MAX};

/// Longest symlink target plus its terminating NUL (`shmem_symlink` refuses targets
/// that do not fit a page).
const SYMLINK_MAX: usize = 4096;

/// Checks one name component: `EINVAL` for an empty name, one containing `/` or NUL,
/// and `.`/`..` (the path walk resolves those; they never name an entry here);
/// `ENAMETOOLONG` past `NAME_MAX` (255) bytes.
pub(super) fn check_name(name: &[u8]) -> Result<(), Errno> {
    if name.is_empty() || name == b"." || name == b".." || name.iter().any(|&b| b == b'/' || b == 0)
    {
        return Err(Errno::EINVAL);
    }
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(())
}

/// One entry: a name and the inode it names.
struct Entry {
    /// The name.
    name: Vec<u8>,
    /// The inode.
    inode: Arc<TmpfsInode>,
}

/// The entries of a directory, in a stable order: an entry keeps its position (a
/// sequence number) until it is removed, new entries go last, and removing one leaves
/// the others in place. Lives inside the directory's `mu`.
#[derive(Default)]
pub(super) struct Children {
    /// Position → entry.
    by_pos: BTreeMap<u64, Entry>,
    /// Name → position.
    by_name: HashMap<Vec<u8>, u64>,
    /// Position of the next new entry.
    next_pos: u64,
}

impl Children {
    /// Number of entries.
    pub(super) fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether there are none.
    pub(super) fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The inode named `name`.
    pub(super) fn get(&self, name: &[u8]) -> Option<&Arc<TmpfsInode>> {
        let pos = self.by_name.get(name)?;
        self.by_pos.get(pos).map(|e| &e.inode)
    }

    /// Adds `name` (absent) last.
    pub(super) fn insert(&mut self, name: &[u8], inode: Arc<TmpfsInode>) {
        let pos = self.next_pos;
        self.next_pos += 1;
        self.by_name.insert(name.to_vec(), pos);
        self.by_pos.insert(
            pos,
            Entry {
                name: name.to_vec(),
                inode,
            },
        );
    }

    /// Points the existing `name` at `inode`, in place; returns the inode it named.
    pub(super) fn replace(
        &mut self,
        name: &[u8],
        inode: Arc<TmpfsInode>,
    ) -> Option<Arc<TmpfsInode>> {
        let pos = self.by_name.get(name)?;
        let entry = self.by_pos.get_mut(pos)?;
        Some(std::mem::replace(&mut entry.inode, inode))
    }

    /// Removes `name`; returns the inode it named.
    pub(super) fn remove(&mut self, name: &[u8]) -> Option<Arc<TmpfsInode>> {
        let pos = self.by_name.remove(name)?;
        self.by_pos.remove(&pos).map(|e| e.inode)
    }

    /// Removes every entry; returns their inodes.
    pub(super) fn drain(&mut self) -> Vec<Arc<TmpfsInode>> {
        self.by_name.clear();
        std::mem::take(&mut self.by_pos)
            .into_values()
            .map(|e| e.inode)
            .collect()
    }

    /// The listing, in order.
    fn list(&self) -> Vec<DirEntryInfo> {
        self.by_pos
            .values()
            .map(|e| DirEntryInfo {
                name: e.name.clone(),
                ino: e.inode.ino,
                kind: e.inode.kind,
            })
            .collect()
    }
}

impl TmpfsInode {
    /// `lookup`.
    pub(super) fn dir_lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        self.require_dir()?;
        check_name(name)?;
        let mut st = self.mu.lock();
        match st.dir().get(name) {
            Some(child) => Ok(child.clone()),
            None => Err(Errno::ENOENT),
        }
    }

    /// `readdir`; refreshes atime under `relatime` (`iterate_dir` → `file_accessed`).
    pub(super) fn dir_readdir(&self) -> Result<Vec<DirEntryInfo>, Errno> {
        self.require_dir()?;
        let mut st = self.mu.lock();
        st.touch_accessed(now());
        Ok(st.dir().list())
    }

    /// `create` (see the trait implementation's documentation).
    pub(super) fn dir_create(
        &self,
        name: &[u8],
        node: NewNode,
        perm: u32,
        creds: Creds,
    ) -> Result<InodeRef, Errno> {
        self.require_dir()?;
        check_name(name)?;
        if let NewNode::Symlink(target) = &node {
            if target.is_empty() {
                return Err(Errno::ENOENT);
            }
            if target.len() + 1 > SYMLINK_MAX {
                return Err(Errno::ENAMETOOLONG);
            }
        }
        let is_dir = node == NewNode::Directory;
        let t = now();
        let mut st = self.mu.lock();
        // A removed directory takes no new entries (IS_DEADDIR).
        if st.nlink == 0 {
            return Err(Errno::ENOENT);
        }
        if st.dir().get(name).is_some() {
            return Err(Errno::EEXIST);
        }
        let (gid, perm) = if st.perm & S_ISGID != 0 {
            (st.gid, if is_dir { perm | S_ISGID } else { perm })
        } else {
            (creds.gid, perm)
        };
        let child = TmpfsInode::new_inode(&self.fs, node, perm, creds.uid, gid, t);
        st.dir().insert(name, child.clone());
        if is_dir {
            st.nlink += 1;
        }
        st.touch_modified(t);
        Ok(child)
    }

    /// `link`, in `do_linkat`'s order: the name, `EEXIST`, `EXDEV`, then `vfs_link`'s
    /// `EPERM` for a directory and `ENOENT` for a file with no links.
    pub(super) fn dir_link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        self.require_dir()?;
        check_name(name)?;
        let t = now();
        let _tree = self.fs.tree_mu.lock();
        if self.mu.lock().dir().get(name).is_some() {
            return Err(Errno::EEXIST);
        }
        let target = self.same_fs(target)?;
        if target.kind == FileType::Directory {
            return Err(Errno::EPERM);
        }
        // `target` is not a directory, so it is not `self`.
        let (mut st, mut tst) = lock_two(self, target);
        if st.nlink == 0 {
            return Err(Errno::ENOENT);
        }
        // Again: `create` does not take `tree_mu` and may have won the name meanwhile.
        if st.dir().get(name).is_some() {
            return Err(Errno::EEXIST);
        }
        if tst.nlink == 0 && !tst.linkable {
            return Err(Errno::ENOENT);
        }
        tst.linkable = false;
        tst.nlink += 1;
        tst.ctime = t;
        st.dir().insert(name, target.arc());
        st.touch_modified(t);
        Ok(())
    }

    /// `unlink`: `EISDIR` for a directory. The inode lives on while referenced.
    pub(super) fn dir_unlink(&self, name: &[u8]) -> Result<(), Errno> {
        self.require_dir()?;
        check_name(name)?;
        let t = now();
        let removed;
        {
            let _tree = self.fs.tree_mu.lock();
            let mut st = self.mu.lock();
            let child = st.dir().get(name).cloned().ok_or(Errno::ENOENT)?;
            if child.kind == FileType::Directory {
                return Err(Errno::EISDIR);
            }
            {
                let mut cst = child.mu.lock();
                cst.nlink -= 1;
                cst.ctime = t;
            }
            removed = st.dir().remove(name);
            st.touch_modified(t);
        }
        // The last reference may go here, after every lock is released.
        drop(removed);
        Ok(())
    }

    /// `rmdir`: `ENOTDIR` for a non-directory, `ENOTEMPTY` unless empty. The removed
    /// directory keeps 0 links and takes no new entries.
    pub(super) fn dir_rmdir(&self, name: &[u8]) -> Result<(), Errno> {
        self.require_dir()?;
        check_name(name)?;
        let t = now();
        let removed;
        {
            let _tree = self.fs.tree_mu.lock();
            let mut st = self.mu.lock();
            let child = st.dir().get(name).cloned().ok_or(Errno::ENOENT)?;
            if child.kind != FileType::Directory {
                return Err(Errno::ENOTDIR);
            }
            {
                let mut cst = child.mu.lock();
                if !cst.dir().is_empty() {
                    return Err(Errno::ENOTEMPTY);
                }
                cst.nlink = 0;
                cst.ctime = t;
            }
            removed = st.dir().remove(name);
            st.nlink -= 1;
            st.touch_modified(t);
        }
        drop(removed);
        Ok(())
    }
}
