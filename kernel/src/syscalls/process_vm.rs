//! `process_vm_readv` and `process_vm_writev`: copies between the caller's memory and
//! another sandboxed process's, through the sentry (both are memory managers of the
//! same memory file).

use std::sync::Arc;

use veil_abi::structs::Iovec;
use veil_abi::{Errno, PAGE_SIZE};

use super::read_write::iovecs;
use super::{SysResult, SyscallCtx};
use crate::creds::CAP_SYS_PTRACE;
use crate::mm::MemoryManager;
use crate::task::Task;

/// Whether `caller` may look into `target` (Linux's `ptrace_may_access` with
/// `PTRACE_MODE_ATTACH_REALCREDS`): the same process, `CAP_SYS_PTRACE`, or a dumpable
/// target whose user and group ids are all the caller's real ones.
pub(super) fn may_access_memory(caller: &Task, target: &Task) -> bool {
    if Arc::ptr_eq(&caller.tg, &target.tg) {
        return true;
    }
    let me = caller.creds();
    if me.has(CAP_SYS_PTRACE) {
        return true;
    }
    let them = target.creds();
    let uids = [them.uid.real, them.uid.effective, them.uid.saved];
    let gids = [them.gid.real, them.gid.effective, them.gid.saved];
    uids.iter().all(|&u| u == me.uid.real)
        && gids.iter().all(|&g| g == me.gid.real)
        && target.tg.dumpable.load(std::sync::atomic::Ordering::SeqCst)
}

/// Copies along the two iovec lists in order, `from` memory into `to` memory, a page
/// of the remote side at a time; returns the bytes copied. A fault on the remote side
/// ends the copy there (`EFAULT` if nothing was copied), as Linux's; one on the local
/// side too.
fn transfer(
    from: (&MemoryManager, &[Iovec]),
    to: (&MemoryManager, &[Iovec]),
    remote_is_source: bool,
) -> Result<u64, Errno> {
    let (src_mm, src) = from;
    let (dst_mm, dst) = to;
    let mut buf = vec![0u8; PAGE_SIZE as usize];
    let (mut si, mut soff, mut di, mut doff) = (0, 0u64, 0, 0u64);
    let mut done = 0u64;
    while si < src.len() && di < dst.len() {
        let (s, d) = (src[si], dst[di]);
        if soff == s.len {
            (si, soff) = (si + 1, 0);
            continue;
        }
        if doff == d.len {
            (di, doff) = (di + 1, 0);
            continue;
        }
        let saddr = s.base.wrapping_add(soff);
        let daddr = d.base.wrapping_add(doff);
        // Stay within one page of the remote side, so that a bad page ends the copy
        // after the good ones.
        let remote = if remote_is_source { saddr } else { daddr };
        let to_page_end = PAGE_SIZE - remote % PAGE_SIZE;
        let n = (s.len - soff).min(d.len - doff).min(to_page_end) as usize;
        let chunk = &mut buf[..n];
        let copied = src_mm
            .copy_in(saddr, chunk)
            .and_then(|()| dst_mm.copy_out(daddr, chunk));
        if let Err(e) = copied {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        done += n as u64;
        soff += n as u64;
        doff += n as u64;
    }
    Ok(done)
}

/// `process_vm_readv` (`write` false) or `process_vm_writev` (`write` true):
/// `(pid, local_iov, liovcnt, remote_iov, riovcnt, flags)`.
fn process_vm(sc: &SyscallCtx<'_>, a: [u64; 6], write: bool) -> SysResult {
    if a[5] != 0 {
        return Err(Errno::EINVAL);
    }
    let local = iovecs(sc, a[1], a[2])?;
    // Nothing to move: done before the process is even looked up, as Linux.
    if local.iter().all(|v| v.len == 0) {
        return Ok(0);
    }
    let remote = iovecs(sc, a[3], a[4])?;
    let target = sc.task.kernel.find_task(a[0] as i32).ok_or(Errno::ESRCH)?;
    if !may_access_memory(sc.task, &target) {
        return Err(Errno::EPERM);
    }
    if remote.iter().all(|v| v.len == 0) {
        return Ok(0);
    }
    let (mine, theirs) = (sc.task.mm(), target.mm());
    let copied = if write {
        transfer((&mine, &local), (&theirs, &remote), false)?
    } else {
        transfer((&theirs, &remote), (&mine, &local), true)?
    };
    Ok(copied)
}

/// `process_vm_readv(pid, local_iov, liovcnt, remote_iov, riovcnt, flags)`.
pub(super) fn process_vm_readv(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    process_vm(sc, a, false)
}

/// `process_vm_writev(pid, local_iov, liovcnt, remote_iov, riovcnt, flags)`.
pub(super) fn process_vm_writev(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    process_vm(sc, a, true)
}
