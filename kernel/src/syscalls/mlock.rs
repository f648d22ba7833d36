//! Memory locking and residency: `mlock`, `mlock2`, `munlock`, `mlockall`,
//! `munlockall` and `mincore`. Guest memory is never swapped out by the sentry, so
//! a lock is checked as Linux checks it (mapped range, flags, `RLIMIT_MEMLOCK`
//! without `CAP_IPC_LOCK`), brings the pages in unless on-fault, and counts in
//! `VmLck` ([`crate::mm::lock`]).

use veil_abi::{page_down, page_up, Errno, PAGE_SIZE};

use super::{SysResult, SyscallCtx};
use crate::creds::CAP_IPC_LOCK;
use crate::mm::lock::LockMode;

/// `RLIMIT_MEMLOCK`.
const RLIMIT_MEMLOCK: usize = 8;
/// `MLOCK_ONFAULT`, the one flag of `mlock2`.
const MLOCK_ONFAULT: u64 = 1;
const MCL_CURRENT: u64 = 1;
const MCL_FUTURE: u64 = 2;
const MCL_ONFAULT: u64 = 4;

/// The page range `[addr, addr+len)` covers, `ENOMEM` if it overflows or a page of it
/// is unmapped.
fn mapped_pages(sc: &SyscallCtx<'_>, addr: u64, len: u64) -> Result<(u64, u64), Errno> {
    let start = page_down(addr);
    let end = addr
        .checked_add(len)
        .and_then(page_up)
        .ok_or(Errno::ENOMEM)?;
    if start < end {
        sc.task.mm().check_mapped(start, end - start)?;
    }
    Ok((start, end))
}

/// Whether the caller may lock `bytes` more: with `CAP_IPC_LOCK` always, else within
/// `RLIMIT_MEMLOCK` (`EPERM` when the limit is 0, `ENOMEM` past it).
fn may_lock(sc: &SyscallCtx<'_>, bytes: u64) -> Result<(), Errno> {
    if sc.task.creds().has(CAP_IPC_LOCK) {
        return Ok(());
    }
    let limit = sc.task.tg.rlimits.lock()[RLIMIT_MEMLOCK].cur;
    if limit == 0 {
        return Err(Errno::EPERM);
    }
    if bytes > limit {
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

/// Locks `[addr, addr+len)` in `mode`: the lock limit is checked before the range,
/// as Linux does.
fn lock(sc: &SyscallCtx<'_>, addr: u64, len: u64, mode: LockMode) -> SysResult {
    let end = addr
        .checked_add(len)
        .and_then(page_up)
        .ok_or(Errno::ENOMEM)?;
    may_lock(sc, end - page_down(addr))?;
    let (start, end) = mapped_pages(sc, addr, len)?;
    if start < end {
        sc.task.mm().lock_range(start, end, Some(mode))?;
    }
    Ok(0)
}

/// `mlock(addr, len)`.
pub(super) fn mlock(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    lock(sc, a[0], a[1], LockMode::Populate)
}

/// `mlock2(addr, len, flags)`: `MLOCK_ONFAULT` or nothing.
pub(super) fn mlock2(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if a[2] & !MLOCK_ONFAULT != 0 {
        return Err(Errno::EINVAL);
    }
    let mode = if a[2] & MLOCK_ONFAULT != 0 {
        LockMode::OnFault
    } else {
        LockMode::Populate
    };
    lock(sc, a[0], a[1], mode)
}

/// `munlock(addr, len)`.
pub(super) fn munlock(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (start, end) = mapped_pages(sc, a[0], a[1])?;
    if start < end {
        sc.task.mm().lock_range(start, end, None)?;
    }
    Ok(0)
}

/// `mlockall(flags)`: `MCL_CURRENT` and/or `MCL_FUTURE`, optionally `MCL_ONFAULT`.
pub(super) fn mlockall(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let flags = a[0];
    if flags == 0 || flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || flags == MCL_ONFAULT
    {
        return Err(Errno::EINVAL);
    }
    let mapped = if flags & MCL_CURRENT != 0 {
        sc.task.mm().mapped_bytes()
    } else {
        PAGE_SIZE
    };
    may_lock(sc, mapped)?;
    let mode = if flags & MCL_ONFAULT != 0 {
        LockMode::OnFault
    } else {
        LockMode::Populate
    };
    sc.task.mm().lock_all(
        (flags & MCL_CURRENT != 0).then_some(mode),
        (flags & MCL_FUTURE != 0).then_some(mode),
    );
    Ok(0)
}

/// `munlockall()`.
pub(super) fn munlockall(sc: &mut SyscallCtx<'_>, _a: [u64; 6]) -> SysResult {
    sc.task.mm().unlock_all();
    Ok(0)
}

/// `mincore(addr, len, vec)`: one byte per page, bit 0 set when the page is resident.
/// `EINVAL` for an unaligned `addr`, `ENOMEM` for an unmapped page.
pub(super) fn mincore(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (addr, len, vec) = (a[0], a[1], a[2]);
    if !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let len = page_up(len).ok_or(Errno::ENOMEM)?;
    if len == 0 {
        return Ok(0);
    }
    let resident = sc.task.mm().residency(addr, len)?;
    let bytes: Vec<u8> = resident.iter().map(|&r| u8::from(r)).collect();
    sc.task.mm().copy_out(vec, &bytes)?;
    Ok(0)
}
