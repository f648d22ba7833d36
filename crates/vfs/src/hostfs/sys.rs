//! Host calls shared by the module: error conversion, opening descriptors, `stat`, and
//! the procfs guard.

use std::ffi::OsStr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::{FileStat, Mode};
use veil_abi::Errno;

/// `PROC_SUPER_MAGIC`, the `f_type` of procfs.
const PROC_SUPER_MAGIC: i64 = 0x9fa0;

/// Converts a host error.
pub(super) fn errno(e: nix::Error) -> Errno {
    Errno(e as i32)
}

/// Takes ownership of a descriptor a host call just returned.
fn adopt(fd: RawFd) -> OwnedFd {
    // SAFETY: every caller passes a descriptor that a successful `open`/`openat` has
    // just returned; nothing else owns it, and it is not closed elsewhere.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// `open(path, flags | O_CLOEXEC)`.
pub(crate) fn open(path: &Path, flags: OFlag) -> Result<OwnedFd, Errno> {
    nix::fcntl::open(path, flags | OFlag::O_CLOEXEC, Mode::empty())
        .map(adopt)
        .map_err(errno)
}

/// `openat(dir, name, flags | O_CLOEXEC)`.
pub(super) fn openat(dir: BorrowedFd<'_>, name: &[u8], flags: OFlag) -> Result<OwnedFd, Errno> {
    nix::fcntl::openat(
        Some(dir.as_raw_fd()),
        OsStr::from_bytes(name),
        flags | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map(adopt)
    .map_err(errno)
}

/// `fstat(fd)`; works on `O_PATH` descriptors.
pub(super) fn fstat(fd: BorrowedFd<'_>) -> Result<FileStat, Errno> {
    nix::sys::stat::fstat(fd.as_raw_fd()).map_err(errno)
}

/// `fstatat(dir, name)` of `name` itself (no symlink followed, no automount
/// triggered).
pub(super) fn lstatat(dir: BorrowedFd<'_>, name: &[u8]) -> Result<FileStat, Errno> {
    nix::sys::stat::fstatat(
        Some(dir.as_raw_fd()),
        OsStr::from_bytes(name),
        AtFlags::AT_SYMLINK_NOFOLLOW | AtFlags::AT_NO_AUTOMOUNT,
    )
    .map_err(errno)
}

/// Whether `fd` is a file of a procfs.
pub(super) fn is_procfs<Fd: AsFd>(fd: &Fd) -> Result<bool, Errno> {
    let s = nix::sys::statfs::fstatfs(fd).map_err(errno)?;
    Ok(s.filesystem_type().0 == PROC_SUPER_MAGIC)
}

/// `pread`, retried when interrupted.
pub(super) fn pread(fd: BorrowedFd<'_>, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
    let offset = i64::try_from(offset).map_err(|_| Errno::EINVAL)?;
    loop {
        match nix::sys::uio::pread(fd, buf, offset) {
            Err(nix::Error::EINTR) => continue,
            r => return r.map_err(errno),
        }
    }
}

/// `readlinkat(fd, "")`: the target of the symlink `fd` (an `O_PATH|O_NOFOLLOW`
/// descriptor) refers to.
pub(super) fn readlink(fd: BorrowedFd<'_>) -> Result<Vec<u8>, Errno> {
    nix::fcntl::readlinkat(Some(fd.as_raw_fd()), "")
        .map(|t| t.into_encoded_bytes())
        .map_err(errno)
}
