//! Durability and advisory locks: sync, syncfs, fsync, fdatasync, flock.
//!
//! The sandbox's writable files live in memory (the overlay's upper layer), so there
//! is nothing to flush: the calls check their arguments and succeed, as on tmpfs.

use std::time::{Duration, Instant};

use veil_abi::Errno;
use veil_vfs::flock::{self, FlockKind};

use super::{fd_arg, SysResult, SyscallCtx};
use crate::task::BlockResult;

/// How often a blocked `flock` looks again.
const FLOCK_RETRY: Duration = Duration::from_millis(2);

/// `sync()`.
pub(super) fn sync(_: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    Ok(0)
}

/// `syncfs(fd)`.
pub(super) fn syncfs(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if sc.task.files.get(fd_arg(a[0]))?.is_path_only() {
        return Err(Errno::EBADF);
    }
    Ok(0)
}

/// `fsync(fd)` and `fdatasync(fd)`: `EBADF` for `O_PATH`, `EINVAL` for a file that is
/// not in the name tree (a terminal).
pub(super) fn fsync(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    if file.location.is_none() {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

/// `flock(fd, operation)`.
pub(super) fn flock(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    const LOCK_SH: u32 = 1;
    const LOCK_EX: u32 = 2;
    const LOCK_NB: u32 = 4;
    const LOCK_UN: u32 = 8;
    let op = a[1] as u32;
    let file = sc.task.files.get(fd_arg(a[0]))?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    let kind = match op & !LOCK_NB {
        LOCK_SH => Some(FlockKind::Shared),
        LOCK_EX => Some(FlockKind::Exclusive),
        LOCK_UN => None,
        _ => return Err(Errno::EINVAL),
    };
    let at = file.location.as_ref().ok_or(Errno::EINVAL)?;
    let key = flock::inode_key(at.inode());
    let owner = std::sync::Arc::as_ptr(&file) as usize;
    let Some(kind) = kind else {
        flock::unlock(key, owner);
        *file.flock_key.lock() = None;
        return Ok(0);
    };
    loop {
        match flock::try_lock(key, owner, kind) {
            Ok(()) => {
                *file.flock_key.lock() = Some(key);
                return Ok(0);
            }
            Err(Errno::EAGAIN) if op & LOCK_NB == 0 => {
                if sc.task.sleep_until(Instant::now() + FLOCK_RETRY) == BlockResult::Interrupted {
                    return Err(crate::signal::ERESTARTSYS);
                }
            }
            Err(e) => return Err(if e == Errno::EAGAIN { Errno::EAGAIN } else { e }),
        }
    }
}

/// `readahead(fd, offset, count)`: the data is in memory or in the host's page cache
/// already, so only the arguments are checked: `EBADF` unless open for reading,
/// `EINVAL` for anything but a regular file.
pub(super) fn readahead(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    let regular = file.ops.stat().is_ok_and(|st| {
        st.st_mode & veil_abi::flags::mode::S_IFMT == veil_abi::flags::mode::S_IFREG
    });
    if !regular || (a[1] as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

/// `sync_file_range(fd, offset, nbytes, flags)`: nothing to write back (the sandbox's
/// files are in memory); `EINVAL` for unknown flags or a negative or overflowing
/// range, `ESPIPE` for a pipe or socket, `EBADF` for a bad descriptor.
pub(super) fn sync_file_range(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    const ALL: u64 = 0x7; // WAIT_BEFORE | WRITE | WAIT_AFTER
    let (offset, nbytes, flags) = (a[1] as i64, a[2] as i64, a[3]);
    if flags & !ALL != 0 || offset < 0 || nbytes < 0 || offset.checked_add(nbytes).is_none() {
        return Err(Errno::EINVAL);
    }
    let file = sc.task.files.get(fd_arg(a[0]))?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    let kind = file.ops.stat()?.st_mode & veil_abi::flags::mode::S_IFMT;
    if kind == veil_abi::flags::mode::S_IFIFO || kind == 0o140000 {
        return Err(Errno::ESPIPE);
    }
    Ok(0)
}
