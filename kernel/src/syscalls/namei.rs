//! Calls that change names: mkdir, mknod, unlink, rmdir, rename, link, symlink.

use crate::inotify;
use veil_abi::flags::at::*;
use veil_abi::flags::mode::*;
use veil_abi::Errno;
use veil_vfs::inode::{FileType, NewNode, RenameFlags};
use veil_vfs::walk::{Dirent, PathRef};

use super::file::lookup_at;
use super::path::{read_path, resolve_parent};
use super::{fd_arg, SysResult, SyscallCtx};
use crate::perm::{self, Creds, MAY_EXEC, MAY_WRITE};

/// `RENAME_NOREPLACE`.
const RENAME_NOREPLACE: u32 = 1;
/// `RENAME_EXCHANGE`.
const RENAME_EXCHANGE: u32 = 2;
/// `RENAME_WHITEOUT` (needs `CAP_MKNOD` and a file system that has whiteouts).
const RENAME_WHITEOUT: u32 = 4;

/// The parent directory and last name of `path`, checked for write and search
/// permission (needed to add or remove a name).
fn parent_for_change(
    sc: &SyscallCtx<'_>,
    dirfd: i32,
    path_addr: u64,
) -> Result<(PathRef, Vec<u8>, bool), Errno> {
    let path = read_path(sc, path_addr)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let (dir, name, trailing) = resolve_parent(sc, dirfd, &path)?;
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if !perm::may_access(
        &dir.inode().attr()?,
        &Creds::current(),
        MAY_WRITE | MAY_EXEC,
    ) {
        return Err(Errno::EACCES);
    }
    Ok((dir, name, trailing))
}

/// The error for creating a non-directory named with a trailing slash (`"name/"`):
/// `EEXIST` if something is there, else `ENOENT`, as Linux.
fn non_directory_with_slash(dir: &PathRef, name: &[u8]) -> Errno {
    if dir.dirent.lookup_child(name).is_ok() {
        Errno::EEXIST
    } else {
        Errno::ENOENT
    }
}

fn umasked(sc: &SyscallCtx<'_>, mode: u32, keep: u32) -> u32 {
    mode & keep & !*sc.task.fs.umask.lock()
}

fn do_mkdir(sc: &SyscallCtx<'_>, dirfd: i32, path_addr: u64, mode: u32) -> SysResult {
    let (dir, name, _) = parent_for_change(sc, dirfd, path_addr)?;
    let perm_bits = umasked(sc, mode, 0o1777);
    dir.dirent.create_child(
        &name,
        NewNode::Directory,
        perm_bits,
        Creds::current().for_new_file(),
    )?;
    inotify::notify_entry(
        &sc.task.kernel,
        &dir.dirent,
        &name,
        inotify::IN_CREATE,
        0,
        true,
    );
    Ok(0)
}

/// `mkdir(path, mode)`.
pub(super) fn mkdir(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_mkdir(sc, AT_FDCWD, a[0], a[1] as u32)
}

/// `mkdirat(dirfd, path, mode)`.
pub(super) fn mkdirat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_mkdir(sc, fd_arg(a[0]), a[1], a[2] as u32)
}

fn do_mknod(sc: &SyscallCtx<'_>, dirfd: i32, path_addr: u64, mode: u32, dev: u64) -> SysResult {
    let node = match mode & S_IFMT {
        0 | S_IFREG => NewNode::Regular,
        S_IFIFO => NewNode::Fifo,
        S_IFSOCK => NewNode::Socket,
        S_IFCHR | S_IFBLK => {
            if !Creds::current().has(crate::creds::CAP_MKNOD) {
                return Err(Errno::EPERM);
            }
            if mode & S_IFMT == S_IFCHR {
                NewNode::CharDevice(dev)
            } else {
                NewNode::BlockDevice(dev)
            }
        }
        S_IFDIR => return Err(Errno::EPERM),
        _ => return Err(Errno::EINVAL),
    };
    let (dir, name, trailing) = parent_for_change(sc, dirfd, path_addr)?;
    if trailing {
        return Err(non_directory_with_slash(&dir, &name));
    }
    let perm_bits = umasked(sc, mode, 0o7777);
    dir.dirent
        .create_child(&name, node, perm_bits, Creds::current().for_new_file())?;
    inotify::notify_entry(
        &sc.task.kernel,
        &dir.dirent,
        &name,
        inotify::IN_CREATE,
        0,
        false,
    );
    Ok(0)
}

/// `mknod(path, mode, dev)`.
pub(super) fn mknod(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_mknod(sc, AT_FDCWD, a[0], a[1] as u32, a[2])
}

/// `mknodat(dirfd, path, mode, dev)`.
pub(super) fn mknodat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_mknod(sc, fd_arg(a[0]), a[1], a[2] as u32, a[3])
}

fn do_unlink(sc: &SyscallCtx<'_>, dirfd: i32, path_addr: u64) -> SysResult {
    let (dir, name, trailing) = parent_for_change(sc, dirfd, path_addr)?;
    if trailing {
        // "file/" names a directory or nothing.
        let child = dir.dirent.lookup_child(&name)?;
        return Err(if child.is_dir() {
            Errno::EISDIR
        } else {
            Errno::ENOTDIR
        });
    }
    let victim = inotify::victim(&sc.task.kernel, &dir.dirent, &name);
    dir.dirent.unlink_child(&name)?;
    inotify::notify_entry(
        &sc.task.kernel,
        &dir.dirent,
        &name,
        inotify::IN_DELETE,
        0,
        false,
    );
    inotify::notify_unlinked(&sc.task.kernel, victim);
    Ok(0)
}

fn do_rmdir(sc: &SyscallCtx<'_>, dirfd: i32, path_addr: u64) -> SysResult {
    let (dir, name, _) = parent_for_change(sc, dirfd, path_addr)?;
    let victim = inotify::victim(&sc.task.kernel, &dir.dirent, &name);
    dir.dirent.rmdir_child(&name)?;
    inotify::notify_entry(
        &sc.task.kernel,
        &dir.dirent,
        &name,
        inotify::IN_DELETE,
        0,
        true,
    );
    inotify::notify_unlinked(&sc.task.kernel, victim);
    Ok(0)
}

/// `unlink(path)`.
pub(super) fn unlink(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_unlink(sc, AT_FDCWD, a[0])
}

/// `rmdir(path)`.
pub(super) fn rmdir(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_rmdir(sc, AT_FDCWD, a[0])
}

/// `unlinkat(dirfd, path, flags)`: `AT_REMOVEDIR` makes it `rmdir`.
pub(super) fn unlinkat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let flags = a[2] as u32;
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & AT_REMOVEDIR != 0 {
        do_rmdir(sc, fd_arg(a[0]), a[1])
    } else {
        do_unlink(sc, fd_arg(a[0]), a[1])
    }
}

fn do_rename(
    sc: &SyscallCtx<'_>,
    olddfd: i32,
    old: u64,
    newdfd: i32,
    new: u64,
    flags: u32,
) -> SysResult {
    if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & RENAME_WHITEOUT != 0 {
        // Whiteouts are the overlay's business, not the guest's.
        return Err(Errno::EINVAL);
    }
    let (old_dir, old_name, old_slash) = parent_for_change(sc, olddfd, old)?;
    let (new_dir, new_name, new_slash) = parent_for_change(sc, newdfd, new)?;
    let rename_flags = RenameFlags {
        noreplace: flags & RENAME_NOREPLACE != 0,
        exchange: flags & RENAME_EXCHANGE != 0,
    };
    if old_slash || new_slash {
        // A trailing slash needs a directory (for an exchange, on each side).
        let source = old_dir.dirent.lookup_child(&old_name)?;
        if !source.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if rename_flags.exchange && new_slash && !new_dir.dirent.lookup_child(&new_name)?.is_dir() {
            return Err(Errno::ENOTDIR);
        }
    }
    let kernel = &sc.task.kernel;
    let moved = inotify::victim(kernel, &old_dir.dirent, &old_name);
    let target = inotify::victim(kernel, &new_dir.dirent, &new_name);
    Dirent::rename(
        &old_dir.dirent,
        &old_name,
        &new_dir.dirent,
        &new_name,
        rename_flags,
    )?;
    if let Some((_, key, is_dir)) = &moved {
        let cookie = kernel.inotify.cookie();
        let from = inotify::IN_MOVED_FROM;
        inotify::notify_entry(kernel, &old_dir.dirent, &old_name, from, cookie, *is_dir);
        let to = inotify::IN_MOVED_TO;
        inotify::notify_entry(kernel, &new_dir.dirent, &new_name, to, cookie, *is_dir);
        kernel.inotify.send(*key, inotify::IN_MOVE_SELF, 0, b"");
    }
    if rename_flags.exchange {
        if let Some((_, key, is_dir)) = &target {
            let cookie = kernel.inotify.cookie();
            let from = inotify::IN_MOVED_FROM;
            inotify::notify_entry(kernel, &new_dir.dirent, &new_name, from, cookie, *is_dir);
            let to = inotify::IN_MOVED_TO;
            inotify::notify_entry(kernel, &old_dir.dirent, &old_name, to, cookie, *is_dir);
            kernel.inotify.send(*key, inotify::IN_MOVE_SELF, 0, b"");
        }
    } else {
        // A replaced target lost its name.
        inotify::notify_unlinked(kernel, target);
    }
    Ok(0)
}

/// `rename(old, new)`.
pub(super) fn rename(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_rename(sc, AT_FDCWD, a[0], AT_FDCWD, a[1], 0)
}

/// `renameat(olddirfd, old, newdirfd, new)`.
pub(super) fn renameat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_rename(sc, fd_arg(a[0]), a[1], fd_arg(a[2]), a[3], 0)
}

/// `renameat2(olddirfd, old, newdirfd, new, flags)`.
pub(super) fn renameat2(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_rename(sc, fd_arg(a[0]), a[1], fd_arg(a[2]), a[3], a[4] as u32)
}

fn do_link(
    sc: &SyscallCtx<'_>,
    olddfd: i32,
    old: u64,
    newdfd: i32,
    new: u64,
    flags: u32,
) -> SysResult {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    if read_path(sc, old)?.is_empty() && flags & AT_EMPTY_PATH == 0 {
        return Err(Errno::ENOENT);
    }
    let lookup_flags = if flags & AT_SYMLINK_FOLLOW != 0 {
        0
    } else {
        AT_SYMLINK_NOFOLLOW
    } | (flags & AT_EMPTY_PATH);
    let target = lookup_at(sc, olddfd, old, lookup_flags)?;
    if target.kind() == FileType::Directory {
        return Err(Errno::EPERM);
    }
    let (dir, name, trailing) = parent_for_change(sc, newdfd, new)?;
    if trailing {
        return Err(non_directory_with_slash(&dir, &name));
    }
    if !std::sync::Arc::ptr_eq(&dir.mount, &target.mount) {
        return Err(Errno::EXDEV);
    }
    dir.dirent.link_child(&name, &target.dirent)?;
    inotify::notify_inode(&sc.task.kernel, &target.dirent, inotify::IN_ATTRIB);
    inotify::notify_entry(
        &sc.task.kernel,
        &dir.dirent,
        &name,
        inotify::IN_CREATE,
        0,
        false,
    );
    Ok(0)
}

/// `link(old, new)`.
pub(super) fn link(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_link(sc, AT_FDCWD, a[0], AT_FDCWD, a[1], 0)
}

/// `linkat(olddirfd, old, newdirfd, new, flags)`.
pub(super) fn linkat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_link(sc, fd_arg(a[0]), a[1], fd_arg(a[2]), a[3], a[4] as u32)
}

fn do_symlink(sc: &SyscallCtx<'_>, target_addr: u64, newdfd: i32, path_addr: u64) -> SysResult {
    let target = read_path(sc, target_addr)?;
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    let (dir, name, trailing) = parent_for_change(sc, newdfd, path_addr)?;
    if trailing {
        return Err(non_directory_with_slash(&dir, &name));
    }
    dir.dirent.create_child(
        &name,
        NewNode::Symlink(target),
        0o777,
        Creds::current().for_new_file(),
    )?;
    inotify::notify_entry(
        &sc.task.kernel,
        &dir.dirent,
        &name,
        inotify::IN_CREATE,
        0,
        false,
    );
    Ok(0)
}

/// `symlink(target, linkpath)`.
pub(super) fn symlink(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_symlink(sc, a[0], AT_FDCWD, a[1])
}

/// `symlinkat(target, newdirfd, linkpath)`.
pub(super) fn symlinkat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_symlink(sc, a[0], fd_arg(a[1]), a[2])
}
