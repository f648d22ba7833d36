//! Extended attributes: read from the host file system; every change is `EROFS`
//! (the host is read-only to the guest) after Linux's argument checks.

use std::sync::Arc;

use veil_abi::flags::at::AT_FDCWD;
use veil_abi::Errno;
use veil_vfs::FileOps;

use super::path::{read_path, walk_from};
use super::{fd_arg, SysResult, SyscallCtx};

/// Longest attribute name (`XATTR_NAME_MAX`).
const XATTR_NAME_MAX: usize = 255;
/// Largest value or name list (`XATTR_SIZE_MAX`, `XATTR_LIST_MAX`).
const XATTR_SIZE_MAX: u64 = 65536;
const XATTR_CREATE: u32 = 1;
const XATTR_REPLACE: u32 = 2;

/// Reads an attribute name: empty or longer than 255 bytes is `ERANGE`.
fn read_name(sc: &SyscallCtx<'_>, addr: u64) -> Result<Vec<u8>, Errno> {
    let name = sc
        .task
        .mm
        .copy_string_in(addr, XATTR_NAME_MAX)
        .map_err(|e| {
            if e == Errno::ENAMETOOLONG {
                Errno::ERANGE
            } else {
                e
            }
        })?;
    if name.is_empty() {
        return Err(Errno::ERANGE);
    }
    Ok(name)
}

/// The file a path-based call names, opened for reading attributes; `None` for a
/// symlink that is not followed.
fn file_at(
    sc: &SyscallCtx<'_>,
    path_addr: u64,
    follow: bool,
) -> Result<Option<Arc<dyn FileOps>>, Errno> {
    let path = read_path(sc, path_addr)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let f = walk_from(sc, AT_FDCWD, &path, |at| {
        sc.task.kernel.host_fs.open_for_xattr(at, &path, follow)
    })?;
    Ok(f.map(|f| Arc::new(f) as Arc<dyn FileOps>))
}

fn fd_file(sc: &SyscallCtx<'_>, fd: u64) -> Result<Option<Arc<dyn FileOps>>, Errno> {
    let file = sc.task.files.get(fd_arg(fd))?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    Ok(Some(file.ops.clone()))
}

fn get(
    sc: &SyscallCtx<'_>,
    file: Option<Arc<dyn FileOps>>,
    name_addr: u64,
    value: u64,
    size: u64,
) -> SysResult {
    let name = read_name(sc, name_addr)?;
    let Some(file) = file else {
        return Err(Errno::ENODATA);
    };
    let mut buf = vec![0u8; size.min(XATTR_SIZE_MAX) as usize];
    let n = file.getxattr(&name, &mut buf)?;
    if size > 0 {
        sc.task.mm.copy_out(value, &buf[..n])?;
    }
    Ok(n as u64)
}

fn list(
    sc: &SyscallCtx<'_>,
    file: Option<Arc<dyn FileOps>>,
    list_addr: u64,
    size: u64,
) -> SysResult {
    let Some(file) = file else {
        return Ok(0);
    };
    let mut buf = vec![0u8; size.min(XATTR_SIZE_MAX) as usize];
    let n = file.listxattr(&mut buf)?;
    if size > 0 {
        sc.task.mm.copy_out(list_addr, &buf[..n])?;
    }
    Ok(n as u64)
}

/// `getxattr(path, name, value, size)`.
pub(super) fn getxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let f = file_at(sc, a[0], true)?;
    get(sc, f, a[1], a[2], a[3])
}

/// `lgetxattr(path, name, value, size)`.
pub(super) fn lgetxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let f = file_at(sc, a[0], false)?;
    get(sc, f, a[1], a[2], a[3])
}

/// `fgetxattr(fd, name, value, size)`.
pub(super) fn fgetxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let f = fd_file(sc, a[0])?;
    get(sc, f, a[1], a[2], a[3])
}

/// `listxattr(path, list, size)`.
pub(super) fn listxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let f = file_at(sc, a[0], true)?;
    list(sc, f, a[1], a[2])
}

/// `llistxattr(path, list, size)`.
pub(super) fn llistxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let f = file_at(sc, a[0], false)?;
    list(sc, f, a[1], a[2])
}

/// `flistxattr(fd, list, size)`.
pub(super) fn flistxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let f = fd_file(sc, a[0])?;
    list(sc, f, a[1], a[2])
}

/// The checks every change makes before finding the file system read-only.
fn refuse_change(
    sc: &SyscallCtx<'_>,
    target: Result<(), Errno>,
    name_addr: u64,
    size: u64,
    flags: u32,
) -> SysResult {
    if flags & !(XATTR_CREATE | XATTR_REPLACE) != 0 {
        return Err(Errno::EINVAL);
    }
    read_name(sc, name_addr)?;
    if size > XATTR_SIZE_MAX {
        return Err(Errno::E2BIG);
    }
    target?;
    Err(Errno::EROFS)
}

fn path_exists(sc: &SyscallCtx<'_>, path_addr: u64, follow: bool) -> Result<(), Errno> {
    let path = read_path(sc, path_addr)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    walk_from(sc, AT_FDCWD, &path, |at| {
        sc.task.kernel.host_fs.stat(at, &path, follow)
    })
    .map(|_| ())
}

/// `setxattr(path, name, value, size, flags)`.
pub(super) fn setxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let t = path_exists(sc, a[0], true);
    refuse_change(sc, t, a[1], a[3], a[4] as u32)
}

/// `lsetxattr(path, name, value, size, flags)`.
pub(super) fn lsetxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let t = path_exists(sc, a[0], false);
    refuse_change(sc, t, a[1], a[3], a[4] as u32)
}

/// `fsetxattr(fd, name, value, size, flags)`.
pub(super) fn fsetxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let t = fd_file(sc, a[0]).map(|_| ());
    refuse_change(sc, t, a[1], a[3], a[4] as u32)
}

/// `removexattr(path, name)`.
pub(super) fn removexattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let t = path_exists(sc, a[0], true);
    refuse_change(sc, t, a[1], 0, 0)
}

/// `lremovexattr(path, name)`.
pub(super) fn lremovexattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let t = path_exists(sc, a[0], false);
    refuse_change(sc, t, a[1], 0, 0)
}

/// `fremovexattr(fd, name)`.
pub(super) fn fremovexattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let t = fd_file(sc, a[0]).map(|_| ());
    refuse_change(sc, t, a[1], 0, 0)
}
