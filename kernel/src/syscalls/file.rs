//! Path-based file calls: open, stat, getdents64, readlink, access, the working
//! directory and umask.

use std::os::fd::AsFd;
use std::sync::Arc;

use veil_abi::flags::at::*;
use veil_abi::flags::open::*;
use veil_abi::flags::statx::STATX__RESERVED;
use veil_abi::structs::{Dirent64Header, Stat, DIRENT64_NAME_OFFSET};
use veil_abi::Errno;
use veil_vfs::host::Anchor;
use veil_vfs::OpenFile;

use super::fd::nofile_limit;
use super::path::{is_proc_self_exe, read_path, walk_from};
use super::{fd_arg, SysResult, SyscallCtx};

fn do_open(sc: &SyscallCtx<'_>, dirfd: i32, path_addr: u64, flags: u32) -> SysResult {
    let mut path = read_path(sc, path_addr)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if flags & O_TMPFILE == O_TMPFILE && flags & O_ACCMODE == O_RDONLY {
        return Err(Errno::EINVAL);
    }
    if is_proc_self_exe(sc, &path) {
        path = sc.task.tg.exe.lock().clone();
    }
    let host = walk_from(sc, dirfd, &path, |at| {
        sc.task.kernel.host_fs.open(at, &path, flags)
    })?;
    // O_PATH keeps only these flags, as in Linux.
    let kept = if flags & O_PATH != 0 {
        flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    } else {
        flags
    };
    let file = OpenFile::new(
        Arc::new(host),
        kept & !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC),
        String::from_utf8_lossy(&path).into_owned(),
    );
    let limit = nofile_limit(sc);
    sc.task
        .files
        .install(file, flags & O_CLOEXEC != 0, 0, limit)
        .map(|fd| fd as u64)
}

/// `open(path, flags, mode)`.
pub(super) fn open(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_open(sc, AT_FDCWD, a[0], a[1] as u32)
}

/// `openat(dirfd, path, flags, mode)`.
pub(super) fn openat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_open(sc, fd_arg(a[0]), a[1], a[2] as u32)
}

/// `creat(path, mode)` = `open(path, O_CREAT|O_WRONLY|O_TRUNC, mode)`.
pub(super) fn creat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_open(sc, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC)
}

/// Stats what `(dirfd, path, flags)` names; `AT_EMPTY_PATH` with an empty path stats
/// `dirfd` itself.
fn stat_at(sc: &SyscallCtx<'_>, dirfd: i32, path_addr: u64, flags: u32) -> Result<Stat, Errno> {
    let path = read_path(sc, path_addr)?;
    if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        if dirfd == AT_FDCWD {
            let cwd = sc.task.fs.cwd.lock();
            return sc
                .task
                .kernel
                .host_fs
                .stat(Anchor::Dir(cwd.fd.as_fd()), b".", true);
        }
        return sc.task.files.get(dirfd)?.ops.stat();
    }
    let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
    if is_proc_self_exe(sc, &path) && follow {
        let exe = sc.task.tg.exe.lock().clone();
        return sc.task.kernel.host_fs.stat(Anchor::Root, &exe, true);
    }
    walk_from(sc, dirfd, &path, |at| {
        sc.task.kernel.host_fs.stat(at, &path, follow)
    })
}

/// `fstat(fd, statbuf)`.
pub(super) fn fstat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let st = sc.task.files.get(fd_arg(a[0]))?.ops.stat()?;
    sc.task.mm.write_obj(a[1], &st).map(|()| 0)
}

/// `stat(path, statbuf)`.
pub(super) fn stat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let st = stat_at(sc, AT_FDCWD, a[0], 0)?;
    sc.task.mm.write_obj(a[1], &st).map(|()| 0)
}

/// `lstat(path, statbuf)`.
pub(super) fn lstat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let st = stat_at(sc, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW)?;
    sc.task.mm.write_obj(a[1], &st).map(|()| 0)
}

/// `newfstatat(dirfd, path, statbuf, flags)`.
pub(super) fn newfstatat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let flags = a[3] as u32;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL);
    }
    let st = stat_at(sc, fd_arg(a[0]), a[1], flags)?;
    sc.task.mm.write_obj(a[2], &st).map(|()| 0)
}

/// `statx(dirfd, path, flags, mask, statxbuf)`.
pub(super) fn statx(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (flags, mask) = (a[2] as u32, a[3] as u32);
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) != 0
        || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
        || mask & STATX__RESERVED != 0
    {
        return Err(Errno::EINVAL);
    }
    let st = stat_at(sc, fd_arg(a[0]), a[1], flags)?;
    let stx = veil_vfs::host::stat_to_statx(&st);
    sc.task.mm.write_obj(a[4], &stx).map(|()| 0)
}

/// `getdents64(fd, dirp, count)`: as many whole entries as fit in `count` bytes.
pub(super) fn getdents64(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    let count = (a[2] as u32) as usize;
    let mut pos = file.dir_pos.lock();
    let entries = file.ops.read_dir(*pos)?;
    let mut out = Vec::new();
    let mut new_pos = *pos;
    for (entry, next) in entries {
        let reclen = (DIRENT64_NAME_OFFSET + entry.name.len() + 1).next_multiple_of(8);
        if out.len() + reclen > count {
            if out.is_empty() {
                return Err(Errno::EINVAL);
            }
            break;
        }
        let header = Dirent64Header {
            d_ino: entry.ino,
            d_off: next as i64,
            d_reclen: reclen as u16,
            d_type: entry.kind,
            pad: [0; 5],
        };
        let start = out.len();
        out.extend_from_slice(&bytemuck::bytes_of(&header)[..DIRENT64_NAME_OFFSET]);
        out.extend_from_slice(&entry.name);
        out.resize(start + reclen, 0);
        new_pos = next;
    }
    sc.task.mm.copy_out(a[1], &out)?;
    *pos = new_pos;
    Ok(out.len() as u64)
}

fn do_readlink(sc: &SyscallCtx<'_>, dirfd: i32, path_addr: u64, buf: u64, size: u64) -> SysResult {
    if (size as i32) <= 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(sc, path_addr)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let target = if is_proc_self_exe(sc, &path) {
        sc.task.tg.exe.lock().clone()
    } else {
        walk_from(sc, dirfd, &path, |at| {
            sc.task.kernel.host_fs.readlink(at, &path)
        })?
    };
    let n = target.len().min(size as u32 as usize);
    sc.task.mm.copy_out(buf, &target[..n])?;
    Ok(n as u64)
}

/// `readlink(path, buf, bufsiz)`.
pub(super) fn readlink(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_readlink(sc, AT_FDCWD, a[0], a[1], a[2])
}

/// `readlinkat(dirfd, path, buf, bufsiz)`.
pub(super) fn readlinkat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_readlink(sc, fd_arg(a[0]), a[1], a[2], a[3])
}

fn do_access(sc: &SyscallCtx<'_>, dirfd: i32, path_addr: u64, mode: u32, flags: u32) -> SysResult {
    if mode & !7 != 0 || flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(sc, path_addr)?;
    let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
    if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        // The descriptor itself: it exists; writing it is refused like any host file.
        let st = if dirfd == AT_FDCWD {
            let cwd = sc.task.fs.cwd.lock();
            sc.task
                .kernel
                .host_fs
                .stat(Anchor::Dir(cwd.fd.as_fd()), b".", true)?
        } else {
            sc.task.files.get(dirfd)?.ops.stat()?
        };
        return if mode & 2 != 0
            && st.st_mode & veil_abi::flags::mode::S_IFMT != veil_abi::flags::mode::S_IFCHR
        {
            Err(Errno::EROFS)
        } else {
            Ok(0)
        };
    }
    walk_from(sc, dirfd, &path, |at| {
        sc.task.kernel.host_fs.access(at, &path, mode, follow)
    })?;
    Ok(0)
}

/// `access(path, mode)`.
pub(super) fn access(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_access(sc, AT_FDCWD, a[0], a[1] as u32, 0)
}

/// `faccessat(dirfd, path, mode)` (no flags argument).
pub(super) fn faccessat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_access(sc, fd_arg(a[0]), a[1], a[2] as u32, 0)
}

/// `faccessat2(dirfd, path, mode, flags)`.
pub(super) fn faccessat2(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_access(sc, fd_arg(a[0]), a[1], a[2] as u32, a[3] as u32)
}

/// `getcwd(buf, size)`: returns the length including the NUL.
pub(super) fn getcwd(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let mut path = sc.task.fs.cwd.lock().path.clone();
    path.push(0);
    if (a[1] as usize) < path.len() {
        return Err(Errno::ERANGE);
    }
    sc.task.mm.copy_out(a[0], &path)?;
    Ok(path.len() as u64)
}

/// Makes the directory open as `host` the working directory.
fn set_cwd(sc: &SyscallCtx<'_>, host: veil_vfs::HostFile) -> SysResult {
    let fd = host.into_fd();
    // The canonical path of what the sentry opened is the guest's path: the guest's
    // root is the host's root.
    let link = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd));
    let path = std::fs::read_link(link).map_err(Errno::from)?;
    let mut cwd = sc.task.fs.cwd.lock();
    cwd.path = path.into_os_string().into_encoded_bytes();
    cwd.fd = fd;
    Ok(0)
}

/// `chdir(path)`.
pub(super) fn chdir(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let path = read_path(sc, a[0])?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let host = walk_from(sc, AT_FDCWD, &path, |at| {
        sc.task.kernel.host_fs.open(at, &path, O_PATH | O_DIRECTORY)
    })?;
    set_cwd(sc, host)
}

/// `fchdir(fd)`.
pub(super) fn fchdir(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    if !file.ops.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let fd = file.ops.host_fd().ok_or(Errno::ENOTDIR)?;
    let host = sc
        .task
        .kernel
        .host_fs
        .open(Anchor::Dir(fd), b".", O_PATH | O_DIRECTORY)?;
    set_cwd(sc, host)
}

/// `umask(mask)`: returns the previous mask.
pub(super) fn umask(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let mut m = sc.task.fs.umask.lock();
    let old = *m;
    *m = (a[0] as u32) & 0o777;
    Ok(u64::from(old))
}

/// `statfs(path, buf)`.
pub(super) fn statfs(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let path = read_path(sc, a[0])?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let host = walk_from(sc, AT_FDCWD, &path, |at| {
        sc.task.kernel.host_fs.open(at, &path, O_PATH)
    })?;
    let st = veil_vfs::FileOps::statfs(&host)?;
    sc.task.mm.write_obj(a[1], &st).map(|()| 0)
}

/// `fstatfs(fd, buf)`.
pub(super) fn fstatfs(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let st = sc.task.files.get(fd_arg(a[0]))?.ops.statfs()?;
    sc.task.mm.write_obj(a[1], &st).map(|()| 0)
}
