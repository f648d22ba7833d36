//! `rename`, with `RENAME_NOREPLACE` and `RENAME_EXCHANGE`.
//!
//! Checks, in the order Linux makes them (`do_renameat2`, `vfs_rename`,
//! `shmem_rename2`):
//!
//! 1. `self` not a directory: `ENOTDIR`; both flags: `EINVAL`; `new_dir` of another
//!    file system: `EXDEV`; `new_dir` not a directory: `ENOTDIR`; bad names.
//! 2. Either directory already removed, or no `old_name`: `ENOENT`.
//! 3. Exchange without `new_name`: `ENOENT`; no-replace with `new_name`: `EEXIST`.
//! 4. Both names are the same inode: success, nothing changes.
//! 5. The source is `new_dir` itself: `EINVAL`; the target is `self` (an ancestor of
//!    the source): `ENOTEMPTY` (`EINVAL` for an exchange). Deeper ancestry is the
//!    caller's to check, it knows the paths.
//! 6. Without exchange: directory over non-directory `ENOTDIR`, non-directory over
//!    directory `EISDIR`, directory over non-empty directory `ENOTEMPTY`.
//!
//! Link counts follow `shmem_rename2` and `shmem_exchange`: a directory moving to
//! another parent moves one link from the old parent to the new; a replaced target
//! loses its name (a replaced directory drops to 0 links). Both directories get new
//! mtime and ctime, the moved inodes a new ctime.
//!
//! Locking (see the module's lock order): `tree_mu`, then the two directories lower
//! inode number first (one lock when they are the same), then source and target lower
//! inode number first. Steps 4 and 5 guarantee the four inodes locked are distinct.

use std::sync::Arc;

use veil_abi::Errno;

use super::dir::check_name;
use super::node::{lock_two, State, StateGuard, TmpfsInode};
use super::time::now;
use crate::inode::{FileType, InodeRef, RenameFlags};

/// The locked directories of a rename: one, or two distinct ones.
struct DirGuards<'a> {
    /// The directory `old_name` is in.
    old: StateGuard<'a>,
    /// The directory `new_name` is in, when it is another one.
    new: Option<StateGuard<'a>>,
}

impl<'a> DirGuards<'a> {
    /// Locks `old_dir` and `new_dir` (maybe the same), lower inode number first.
    fn lock(old_dir: &'a TmpfsInode, new_dir: &'a TmpfsInode) -> DirGuards<'a> {
        if std::ptr::eq(old_dir, new_dir) {
            DirGuards {
                old: old_dir.mu.lock(),
                new: None,
            }
        } else {
            let (old, new) = lock_two(old_dir, new_dir);
            DirGuards {
                old,
                new: Some(new),
            }
        }
    }

    /// The new directory's state (the old one's when they are the same).
    fn new_st(&mut self) -> &mut State {
        match &mut self.new {
            Some(new) => new,
            None => &mut self.old,
        }
    }

    /// Whether both names are in one directory.
    fn same(&self) -> bool {
        self.new.is_none()
    }
}

impl TmpfsInode {
    /// `rename`; see the module documentation.
    pub(super) fn rename_impl(
        &self,
        old_name: &[u8],
        new_dir: &InodeRef,
        new_name: &[u8],
        flags: RenameFlags,
    ) -> Result<(), Errno> {
        self.require_dir()?;
        if flags.noreplace && flags.exchange {
            return Err(Errno::EINVAL);
        }
        let new_dir = self.same_fs(new_dir)?;
        new_dir.require_dir()?;
        check_name(old_name)?;
        check_name(new_name)?;
        let t = now();
        // Whatever a replacement unlinks is dropped after every lock is released.
        let replaced;
        {
            let _tree = self.fs.tree_mu.lock();
            let mut dirs = DirGuards::lock(self, new_dir);
            if dirs.old.nlink == 0 || dirs.new_st().nlink == 0 {
                return Err(Errno::ENOENT);
            }
            let source = dirs.old.dir().get(old_name).cloned().ok_or(Errno::ENOENT)?;
            let target = dirs.new_st().dir().get(new_name).cloned();
            match &target {
                None if flags.exchange => return Err(Errno::ENOENT),
                Some(_) if flags.noreplace => return Err(Errno::EEXIST),
                Some(target) if Arc::ptr_eq(target, &source) => return Ok(()),
                _ => {}
            }
            if std::ptr::eq(&*source, new_dir) {
                return Err(Errno::EINVAL);
            }
            if target.as_ref().is_some_and(|t| std::ptr::eq(&**t, self)) {
                return Err(if flags.exchange {
                    Errno::EINVAL
                } else {
                    Errno::ENOTEMPTY
                });
            }
            let source_is_dir = source.kind == FileType::Directory;
            match target {
                None => {
                    let mut sst = source.mu.lock();
                    sst.ctime = t;
                    dirs.old.dir().remove(old_name);
                    dirs.new_st().dir().insert(new_name, source.clone());
                    if source_is_dir && !dirs.same() {
                        dirs.old.nlink -= 1;
                        dirs.new_st().nlink += 1;
                    }
                    replaced = None;
                }
                Some(target) => {
                    let target_is_dir = target.kind == FileType::Directory;
                    let (mut sst, mut tst) = lock_two(&source, &target);
                    if flags.exchange {
                        dirs.old.dir().replace(old_name, target.clone());
                        dirs.new_st().dir().replace(new_name, source.clone());
                        if !dirs.same() && source_is_dir != target_is_dir {
                            if source_is_dir {
                                dirs.old.nlink -= 1;
                                dirs.new_st().nlink += 1;
                            } else {
                                dirs.new_st().nlink -= 1;
                                dirs.old.nlink += 1;
                            }
                        }
                        replaced = None;
                    } else {
                        if source_is_dir && !target_is_dir {
                            return Err(Errno::ENOTDIR);
                        }
                        if !source_is_dir && target_is_dir {
                            return Err(Errno::EISDIR);
                        }
                        if target_is_dir {
                            if !tst.dir().is_empty() {
                                return Err(Errno::ENOTEMPTY);
                            }
                            // The target's own link and its `.`; the old parent loses
                            // the subdirectory that moved away, the new one keeps its
                            // count (one subdirectory replaced by another).
                            tst.nlink = 0;
                            dirs.old.nlink -= 1;
                        } else {
                            tst.nlink -= 1;
                        }
                        dirs.old.dir().remove(old_name);
                        replaced = dirs.new_st().dir().replace(new_name, source.clone());
                    }
                    sst.ctime = t;
                    tst.ctime = t;
                }
            }
            dirs.old.touch_modified(t);
            dirs.new_st().touch_modified(t);
        }
        drop(replaced);
        Ok(())
    }
}
