//! Extended attributes of files in the name tree.

use veil_abi::flags::at::{AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use veil_abi::Errno;
use veil_vfs::inode::{InodeRef, XattrMode};

use super::file::{lookup_at, prepare_write};
use super::path::read_path;
use super::{fd_arg, SysResult, SyscallCtx};
use crate::perm::{self, Creds};

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
        .mm()
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

/// The inode a path-based call names.
fn inode_at(sc: &SyscallCtx<'_>, path_addr: u64, follow: bool) -> Result<InodeRef, Errno> {
    if read_path(sc, path_addr)?.is_empty() {
        return Err(Errno::ENOENT);
    }
    let flags = if follow { 0 } else { AT_SYMLINK_NOFOLLOW };
    Ok(lookup_at(sc, AT_FDCWD, path_addr, flags)?.inode().clone())
}

/// The inode an fd-based call names.
fn inode_of_fd(sc: &SyscallCtx<'_>, fd: u64) -> Result<InodeRef, Errno> {
    let file = sc.task.files.get(fd_arg(fd))?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    let at = file.location.clone().ok_or(Errno::EOPNOTSUPP)?;
    Ok(at.inode().clone())
}

/// Copies `data` out with the xattr size convention: size 0 asks for the length, a
/// shorter buffer is `ERANGE`.
fn sized_out(sc: &SyscallCtx<'_>, data: &[u8], addr: u64, size: u64) -> SysResult {
    if size == 0 {
        return Ok(data.len() as u64);
    }
    if (size.min(XATTR_SIZE_MAX) as usize) < data.len() {
        return Err(Errno::ERANGE);
    }
    sc.task.mm().copy_out(addr, data)?;
    Ok(data.len() as u64)
}

fn get(sc: &SyscallCtx<'_>, inode: InodeRef, name_addr: u64, value: u64, size: u64) -> SysResult {
    let name = read_name(sc, name_addr)?;
    let data = inode.getxattr(&name)?;
    sized_out(sc, &data, value, size)
}

fn list(sc: &SyscallCtx<'_>, inode: InodeRef, list_addr: u64, size: u64) -> SysResult {
    let mut data = Vec::new();
    for n in inode.listxattr()? {
        data.extend_from_slice(&n);
        data.push(0);
    }
    sized_out(sc, &data, list_addr, size)
}

/// Changes need the owner (or `CAP_FOWNER`) for `user.*`, and `CAP_SYS_ADMIN` for
/// `trusted.*`/`security.*`.
fn may_change(inode: &InodeRef, name: &[u8]) -> Result<(), Errno> {
    let creds = Creds::current();
    if name.starts_with(b"user.") {
        if !perm::owns(&inode.attr()?, &creds) {
            return Err(Errno::EPERM);
        }
    } else if !creds.has(crate::creds::CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

fn set(sc: &SyscallCtx<'_>, inode: InodeRef, a: [u64; 6]) -> SysResult {
    let (name_addr, value, size, flags) = (a[1], a[2], a[3], a[4] as u32);
    if flags & !(XATTR_CREATE | XATTR_REPLACE) != 0 {
        return Err(Errno::EINVAL);
    }
    let name = read_name(sc, name_addr)?;
    if size > XATTR_SIZE_MAX {
        return Err(Errno::E2BIG);
    }
    let mut data = vec![0u8; size as usize];
    sc.task.mm().copy_in(value, &mut data)?;
    let mode = match flags {
        XATTR_CREATE => XattrMode::Create,
        XATTR_REPLACE => XattrMode::Replace,
        0 => XattrMode::Any,
        _ => return Err(Errno::EINVAL),
    };
    may_change(&inode, &name)?;
    prepare_write(&inode)?;
    inode.setxattr(&name, &data, mode).map(|()| 0)
}

fn remove(sc: &SyscallCtx<'_>, inode: InodeRef, name_addr: u64) -> SysResult {
    let name = read_name(sc, name_addr)?;
    may_change(&inode, &name)?;
    prepare_write(&inode)?;
    inode.removexattr(&name).map(|()| 0)
}

/// `getxattr(path, name, value, size)`.
pub(super) fn getxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    get(sc, inode_at(sc, a[0], true)?, a[1], a[2], a[3])
}

/// `lgetxattr(path, name, value, size)`.
pub(super) fn lgetxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    get(sc, inode_at(sc, a[0], false)?, a[1], a[2], a[3])
}

/// `fgetxattr(fd, name, value, size)`.
pub(super) fn fgetxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    get(sc, inode_of_fd(sc, a[0])?, a[1], a[2], a[3])
}

/// `listxattr(path, list, size)`.
pub(super) fn listxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    list(sc, inode_at(sc, a[0], true)?, a[1], a[2])
}

/// `llistxattr(path, list, size)`.
pub(super) fn llistxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    list(sc, inode_at(sc, a[0], false)?, a[1], a[2])
}

/// `flistxattr(fd, list, size)`.
pub(super) fn flistxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    list(sc, inode_of_fd(sc, a[0])?, a[1], a[2])
}

/// `setxattr(path, name, value, size, flags)`.
pub(super) fn setxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    set(sc, inode_at(sc, a[0], true)?, a)
}

/// `lsetxattr(path, name, value, size, flags)`.
pub(super) fn lsetxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    set(sc, inode_at(sc, a[0], false)?, a)
}

/// `fsetxattr(fd, name, value, size, flags)`.
pub(super) fn fsetxattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    set(sc, inode_of_fd(sc, a[0])?, a)
}

/// `removexattr(path, name)`.
pub(super) fn removexattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    remove(sc, inode_at(sc, a[0], true)?, a[1])
}

/// `lremovexattr(path, name)`.
pub(super) fn lremovexattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    remove(sc, inode_at(sc, a[0], false)?, a[1])
}

/// `fremovexattr(fd, name)`.
pub(super) fn fremovexattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    remove(sc, inode_of_fd(sc, a[0])?, a[1])
}
