//! `signalfd` and `signalfd4` (see `kernel/src/signalfd.rs`).

use veil_abi::flags::open::{O_CLOEXEC, O_NONBLOCK, O_RDWR};
use veil_abi::Errno;
use veil_vfs::OpenFile;

use super::fd::nofile_limit;
use super::{SysResult, SyscallCtx};
use crate::signalfd::SignalFd;

/// The kernel's signal set size, the only `sizemask` accepted.
const SIGSET_SIZE: u64 = 8;

fn do_signalfd(sc: &SyscallCtx<'_>, fd: i32, mask_addr: u64, size: u64, flags: u32) -> SysResult {
    if flags & !(O_NONBLOCK | O_CLOEXEC) != 0 || size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let mask: u64 = sc.task.mm().read_obj(mask_addr)?;
    if fd != -1 {
        let file = sc.task.files.get(fd)?;
        let sfd = file
            .ops
            .as_any()
            .and_then(|a| a.downcast_ref::<SignalFd>())
            .ok_or(Errno::EINVAL)?;
        sfd.set_mask(mask);
        return Ok(fd as u64);
    }
    let ops = SignalFd::new(mask, flags & O_NONBLOCK != 0);
    // Linux opens it read-write: a write reaches the file (EINVAL), not EBADF.
    let open = OpenFile::new(
        ops,
        O_RDWR | (flags & O_NONBLOCK),
        "anon_inode:[signalfd]".into(),
    );
    let fd = sc
        .task
        .files
        .install(open, flags & O_CLOEXEC != 0, 0, nofile_limit(sc))?;
    Ok(fd as u64)
}

/// `signalfd(fd, mask, sizemask)`.
pub(super) fn signalfd(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_signalfd(sc, a[0] as i32, a[1], a[2], 0)
}

/// `signalfd4(fd, mask, sizemask, flags)`: `SFD_NONBLOCK`, `SFD_CLOEXEC`.
pub(super) fn signalfd4(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_signalfd(sc, a[0] as i32, a[1], a[2], a[3] as u32)
}
