//! Calls that change a file's attributes: chmod, chown, utimensat, truncate, fallocate.

use veil_abi::flags::at::*;
use veil_abi::structs::Timespec;
use veil_abi::Errno;
use veil_vfs::inode::{FileType, InodeRef, SetAttr};
use veil_vfs::OpenFile;

use super::file::{lookup_at, prepare_write};
use super::path::read_path;
use super::{fd_arg, SysResult, SyscallCtx};
use crate::perm::{self, Creds, MAY_WRITE};

/// `UTIME_NOW`: set to the current time.
const UTIME_NOW: i64 = (1 << 30) - 1;
/// `UTIME_OMIT`: leave unchanged.
const UTIME_OMIT: i64 = (1 << 30) - 2;
const S_ISUID: u32 = 0o4000;
const S_ISGID: u32 = 0o2000;

/// The inode behind an open file (`EBADF` for `O_PATH` where Linux refuses it).
fn inode_of(file: &OpenFile) -> Result<InodeRef, Errno> {
    Ok(file.location.as_ref().ok_or(Errno::EPERM)?.inode().clone())
}

/// Applies `change` to `inode`, copying an overlay file up first; its inotify
/// watchers get `IN_MODIFY` for a size change, else `IN_ATTRIB`.
fn apply(inode: &InodeRef, change: SetAttr) -> SysResult {
    prepare_write(inode)?;
    inode.set_attr(&change)?;
    if let Some(task) = crate::task::current() {
        let mask = if change.size.is_some() {
            crate::inotify::IN_MODIFY
        } else {
            crate::inotify::IN_ATTRIB
        };
        crate::inotify::notify_inode_only(&task.kernel, inode, mask);
    }
    Ok(0)
}

fn chmod_inode(inode: &InodeRef, mode: u32) -> SysResult {
    let attr = inode.attr()?;
    let creds = Creds::current();
    if !perm::owns(&attr, &creds) {
        return Err(Errno::EPERM);
    }
    let mut mode = mode & 0o7777;
    // Without CAP_FSETID, set-group-ID is dropped from a file of another group.
    if attr.kind != FileType::Directory
        && !creds.in_group(attr.gid)
        && !creds.has(crate::creds::CAP_FSETID)
    {
        mode &= !S_ISGID;
    }
    apply(
        inode,
        SetAttr {
            perm: Some(mode),
            ..SetAttr::default()
        },
    )
}

/// `chmod(path, mode)`.
pub(super) fn chmod(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    chmod_inode(lookup_at(sc, AT_FDCWD, a[0], 0)?.inode(), a[1] as u32)
}

/// `fchmod(fd, mode)`.
pub(super) fn fchmod(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    chmod_inode(&inode_of(&file)?, a[1] as u32)
}

/// `fchmodat(dirfd, path, mode)`: the syscall has no flags argument (glibc's flags
/// are emulated in user space); symlinks are followed.
pub(super) fn fchmodat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    chmod_inode(lookup_at(sc, fd_arg(a[0]), a[1], 0)?.inode(), a[2] as u32)
}

/// `fchmodat2(dirfd, path, mode, flags)`: with `AT_SYMLINK_NOFOLLOW`, a symlink is
/// `EOPNOTSUPP` (symlinks have no mode of their own); `AT_EMPTY_PATH` changes `dirfd`.
pub(super) fn fchmodat2(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let flags = a[3] as u32;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    if read_path(sc, a[1])?.is_empty() && flags & AT_EMPTY_PATH == 0 {
        return Err(Errno::ENOENT);
    }
    let at = lookup_at(sc, fd_arg(a[0]), a[1], flags)?;
    if flags & AT_SYMLINK_NOFOLLOW != 0 && at.inode().attr()?.kind == FileType::Symlink {
        return Err(Errno::EOPNOTSUPP);
    }
    chmod_inode(at.inode(), a[2] as u32)
}

fn chown_inode(inode: &InodeRef, uid: u32, gid: u32) -> SysResult {
    let attr = inode.attr()?;
    let creds = Creds::current();
    let new_uid = (uid != u32::MAX).then_some(uid);
    let new_gid = (gid != u32::MAX).then_some(gid);
    // Only CAP_CHOWN changes the owner; the owner may change the group to one of its
    // own groups.
    let privileged = creds.has(crate::creds::CAP_CHOWN);
    let uid_ok = new_uid.is_none_or(|u| u == attr.uid || privileged);
    let gid_ok = new_gid.is_none_or(|g| {
        privileged
            || (attr.uid == creds.uid()
                && new_uid.is_none_or(|u| u == attr.uid)
                && (creds.in_group(g) || g == attr.gid))
    });
    if !uid_ok || !gid_ok {
        return Err(Errno::EPERM);
    }
    let mut change = SetAttr {
        uid: new_uid,
        gid: new_gid,
        ..SetAttr::default()
    };
    if (new_uid.is_some() || new_gid.is_some())
        && attr.kind != FileType::Directory
        && attr.kind != FileType::Symlink
    {
        // A change of owner drops set-user-ID, and set-group-ID when group-executable.
        let mut p = attr.perm & !S_ISUID;
        if p & 0o010 != 0 {
            p &= !S_ISGID;
        }
        if p != attr.perm {
            change.perm = Some(p);
        }
    }
    apply(inode, change)
}

/// `chown(path, uid, gid)`.
pub(super) fn chown(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    chown_inode(
        lookup_at(sc, AT_FDCWD, a[0], 0)?.inode(),
        a[1] as u32,
        a[2] as u32,
    )
}

/// `lchown(path, uid, gid)`.
pub(super) fn lchown(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    chown_inode(
        lookup_at(sc, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW)?.inode(),
        a[1] as u32,
        a[2] as u32,
    )
}

/// `fchown(fd, uid, gid)`.
pub(super) fn fchown(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    chown_inode(&inode_of(&file)?, a[1] as u32, a[2] as u32)
}

/// `fchownat(dirfd, path, uid, gid, flags)`.
pub(super) fn fchownat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let flags = a[4] as u32;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    if read_path(sc, a[1])?.is_empty() && flags & AT_EMPTY_PATH == 0 {
        return Err(Errno::ENOENT);
    }
    chown_inode(
        lookup_at(sc, fd_arg(a[0]), a[1], flags)?.inode(),
        a[2] as u32,
        a[3] as u32,
    )
}

fn now() -> Timespec {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timespec {
        tv_sec: d.as_secs() as i64,
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

/// `utimensat(dirfd, path, times, flags)`: a null path changes `dirfd` itself.
pub(super) fn utimensat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (dirfd, path_addr, times_addr, flags) = (fd_arg(a[0]), a[1], a[2], a[3] as u32);
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let times: Option<[Timespec; 2]> = if times_addr == 0 {
        None
    } else {
        Some(sc.task.mm().read_obj(times_addr)?)
    };
    set_times(sc, dirfd, path_addr, times, flags)
}

/// `[UTIME_NOW; 2]`: what a null `times` means.
const NOW_TIMES: [Timespec; 2] = [Timespec {
    tv_sec: 0,
    tv_nsec: UTIME_NOW,
}; 2];

/// `struct timeval` pairs (`utimes`, `futimesat`) as timespecs; `EINVAL` for a
/// microsecond count outside `0..1_000_000`.
fn timevals_to_times(sc: &SyscallCtx<'_>, addr: u64) -> Result<Option<[Timespec; 2]>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let tv: [veil_abi::structs::Timeval; 2] = sc.task.mm().read_obj(addr)?;
    let mut out = NOW_TIMES;
    for (o, t) in out.iter_mut().zip(tv.iter()) {
        if !(0..1_000_000).contains(&t.tv_usec) {
            return Err(Errno::EINVAL);
        }
        *o = Timespec {
            tv_sec: t.tv_sec,
            tv_nsec: t.tv_usec * 1000,
        };
    }
    Ok(Some(out))
}

/// `utimes(path, times)`: `struct timeval[2]`, null for now.
pub(super) fn utimes(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let times = timevals_to_times(sc, a[1])?;
    set_times(sc, AT_FDCWD, a[0], times, 0)
}

/// `futimesat(dirfd, path, times)`: `utimes` relative to `dirfd`.
pub(super) fn futimesat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let times = timevals_to_times(sc, a[2])?;
    set_times(sc, fd_arg(a[0]), a[1], times, 0)
}

/// `utime(path, times)`: `struct utimbuf { actime, modtime }` in seconds, null for
/// now.
pub(super) fn utime(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let times = if a[1] == 0 {
        None
    } else {
        let [atime, mtime]: [i64; 2] = sc.task.mm().read_obj(a[1])?;
        Some([
            Timespec {
                tv_sec: atime,
                tv_nsec: 0,
            },
            Timespec {
                tv_sec: mtime,
                tv_nsec: 0,
            },
        ])
    };
    set_times(sc, AT_FDCWD, a[0], times, 0)
}

/// Sets the access and modification times of the file `path_addr` names from `dirfd`
/// (`dirfd` itself for a null path), as `utimensat`: `None` is both "now".
fn set_times(
    sc: &SyscallCtx<'_>,
    dirfd: i32,
    path_addr: u64,
    times: Option<[Timespec; 2]>,
    flags: u32,
) -> SysResult {
    let times = times.unwrap_or(NOW_TIMES);
    for t in &times {
        if t.tv_nsec != UTIME_NOW
            && t.tv_nsec != UTIME_OMIT
            && !(0..1_000_000_000).contains(&t.tv_nsec)
        {
            return Err(Errno::EINVAL);
        }
    }
    let inode = if path_addr == 0 {
        if dirfd == AT_FDCWD {
            return Err(Errno::EFAULT);
        }
        let file = sc.task.files.get(dirfd)?;
        inode_of(&file)?
    } else {
        if read_path(sc, path_addr)?.is_empty() && flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        lookup_at(sc, dirfd, path_addr, flags)?.inode().clone()
    };
    let attr = inode.attr()?;
    let creds = Creds::current();
    let explicit = times
        .iter()
        .any(|t| t.tv_nsec != UTIME_NOW && t.tv_nsec != UTIME_OMIT);
    // Explicit times need ownership; "now" also allows anyone who may write.
    if !perm::owns(&attr, &creds) && (explicit || !perm::may_access(&attr, &creds, MAY_WRITE)) {
        return Err(if explicit {
            Errno::EPERM
        } else {
            Errno::EACCES
        });
    }
    let pick = |t: &Timespec| match t.tv_nsec {
        UTIME_OMIT => None,
        UTIME_NOW => Some(now()),
        _ => Some(*t),
    };
    apply(
        &inode,
        SetAttr {
            atime: pick(&times[0]),
            mtime: pick(&times[1]),
            ..SetAttr::default()
        },
    )
}

fn truncate_inode(inode: &InodeRef, len: i64) -> SysResult {
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    match inode.kind() {
        FileType::Directory => return Err(Errno::EISDIR),
        FileType::Regular => {}
        _ => return Err(Errno::EINVAL),
    }
    apply(
        inode,
        SetAttr {
            size: Some(len as u64),
            ..SetAttr::default()
        },
    )
}

/// `truncate(path, length)`.
pub(super) fn truncate(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if read_path(sc, a[0])?.is_empty() {
        return Err(Errno::ENOENT);
    }
    let at = lookup_at(sc, AT_FDCWD, a[0], 0)?;
    if !perm::may_access(&at.inode().attr()?, &Creds::current(), MAY_WRITE) {
        return Err(Errno::EACCES);
    }
    truncate_inode(at.inode(), a[1] as i64)
}

/// `ftruncate(fd, length)`: the file must be open for writing (`EINVAL` otherwise, as
/// Linux; `EBADF` for `O_PATH`).
pub(super) fn ftruncate(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    if !file.writable() {
        return Err(Errno::EINVAL);
    }
    // Only regular files have a length to set (a pipe, a terminal: EINVAL).
    let inode = inode_of(&file).map_err(|_| Errno::EINVAL)?;
    if inode.kind() != FileType::Regular {
        return Err(Errno::EINVAL);
    }
    if let Some(memfd) = crate::memfd::as_memfd(&*file.ops) {
        if (a[1] as i64) >= 0 {
            memfd.check_resize(a[1])?;
        }
    }
    truncate_inode(&inode, a[1] as i64)
}

/// `fallocate(fd, mode, offset, len)`: mode 0, `FALLOC_FL_KEEP_SIZE`, and
/// `FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE`.
pub(super) fn fallocate(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    const KEEP_SIZE: u32 = 1;
    const PUNCH_HOLE: u32 = 2;
    let (mode, offset, len) = (a[1] as u32, a[2] as i64, a[3] as i64);
    let file = sc.task.files.get(fd_arg(a[0]))?;
    if offset < 0 || len <= 0 {
        return Err(Errno::EINVAL);
    }
    if offset.checked_add(len).is_none() {
        return Err(Errno::EFBIG);
    }
    if mode & !(KEEP_SIZE | PUNCH_HOLE) != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    if mode & PUNCH_HOLE != 0 && mode & KEEP_SIZE == 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    let is_pipe = file.ops.stat().is_ok_and(|st| {
        st.st_mode & veil_abi::flags::mode::S_IFMT == veil_abi::flags::mode::S_IFIFO
    });
    if is_pipe {
        return Err(Errno::ESPIPE);
    }
    let inode = inode_of(&file).map_err(|_| Errno::ENODEV)?;
    match inode.kind() {
        FileType::Directory => return Err(Errno::EISDIR),
        FileType::Regular => {}
        _ => return Err(Errno::ENODEV),
    }
    if let Some(memfd) = crate::memfd::as_memfd(&*file.ops) {
        if mode & KEEP_SIZE == 0 {
            let end = (offset + len) as u64;
            memfd.check_resize(end.max(file.ops.stat()?.st_size.max(0) as u64))?;
        }
        if mode & PUNCH_HOLE != 0 && memfd.seals() & crate::memfd::F_SEAL_WRITE != 0 {
            return Err(Errno::EPERM);
        }
    }
    prepare_write(&inode)?;
    inode
        .allocate(
            offset as u64,
            len as u64,
            mode & KEEP_SIZE != 0,
            mode & PUNCH_HOLE != 0,
        )
        .map(|()| 0)
}
