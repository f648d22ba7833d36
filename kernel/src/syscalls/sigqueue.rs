//! Queued signals with data and synchronous waiting for signals: `rt_sigqueueinfo`,
//! `rt_tgsigqueueinfo`, `rt_sigtimedwait`; and who may signal whom.

use std::time::Instant;

use veil_abi::flags::signal::*;
use veil_abi::structs::Timespec;
use veil_abi::Errno;

use super::time::timespec_duration;
use super::{SysResult, SyscallCtx};
use crate::creds::CAP_KILL;
use crate::signal::{self, SigInfo, SI_TKILL};
use crate::task::{BlockResult, Task};
use crate::thread_group::ThreadGroup;

/// `sizeof(sigset_t)` the kernel accepts.
const SIGSET_SIZE: u64 = 8;

/// Whether `sender` may send a signal to `target` (kill(2)): with `CAP_KILL`, or when
/// the sender's real or effective uid is the target's real or saved set-user-id.
pub(super) fn may_signal(sender: &Task, target: &ThreadGroup) -> bool {
    let s = sender.creds();
    if s.has(CAP_KILL) {
        return true;
    }
    let Some(t) = target.tasks().into_iter().next() else {
        return true;
    };
    let t = t.creds();
    [s.uid.real, s.uid.effective]
        .iter()
        .any(|&u| u == t.uid.real || u == t.uid.saved)
}

/// The sender's `siginfo_t` for a queued signal: its code, pid, uid and value.
/// Outside its own process a sender may not pose as the kernel or `kill` (a code of 0
/// or more, or `SI_TKILL`): `EPERM`.
pub(super) fn read_info(
    sc: &SyscallCtx<'_>,
    addr: u64,
    sig: u32,
    to_self: bool,
) -> Result<SigInfo, Errno> {
    let raw: [u8; 128] = sc.task.mm().read_obj(addr)?;
    let word = |at: usize| i32::from_le_bytes(raw[at..at + 4].try_into().unwrap_or_default());
    let code = word(8);
    if !to_self && (code >= 0 || code == SI_TKILL) {
        return Err(Errno::EPERM);
    }
    Ok(SigInfo {
        signo: sig,
        code,
        pid: word(16),
        uid: word(20) as u32,
        addr: 0,
        value: u64::from_le_bytes(raw[24..32].try_into().unwrap_or_default()),
        errno: 0,
    })
}

pub(super) fn checked_signal(sig: u64) -> Result<u32, Errno> {
    match sig {
        0 => Ok(0),
        s if s <= u64::from(SIGRTMAX) => Ok(s as u32),
        _ => Err(Errno::EINVAL),
    }
}

/// `rt_sigqueueinfo(tgid, sig, info)`: a process-directed signal with the sender's
/// `siginfo_t` (`sigqueue(3)`).
pub(super) fn rt_sigqueueinfo(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (tgid, sig) = (a[0] as i32, checked_signal(a[1])?);
    let tg = (tgid > 0)
        .then(|| sc.task.kernel.thread_group(tgid))
        .flatten()
        .filter(|tg| tg.exit_status().is_none())
        .ok_or(Errno::ESRCH)?;
    let info = read_info(sc, a[2], sig, tgid == sc.task.tg.tgid)?;
    if !may_signal(sc.task, &tg) {
        return Err(Errno::EPERM);
    }
    if sig != 0 {
        tg.send_signal(info);
    }
    Ok(0)
}

/// `rt_tgsigqueueinfo(tgid, tid, sig, info)`: the same to one thread.
pub(super) fn rt_tgsigqueueinfo(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (tgid, tid, sig) = (a[0] as i32, a[1] as i32, checked_signal(a[2])?);
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    let tg = sc.task.kernel.thread_group(tgid).ok_or(Errno::ESRCH)?;
    let target = tg.task(tid).ok_or(Errno::ESRCH)?;
    let info = read_info(sc, a[3], sig, tgid == sc.task.tg.tgid)?;
    if !may_signal(sc.task, &tg) {
        return Err(Errno::EPERM);
    }
    if sig != 0 {
        signal::send_to_task(&target, info);
    }
    Ok(0)
}

/// `rt_sigtimedwait(set, info, timeout, sigsetsize)`: takes a pending signal of `set`
/// off the queue without running its action and returns its number. While waiting,
/// the signals of `set` are unblocked so that sending one wakes the caller. `EAGAIN`
/// when the timeout passes, `EINTR` when another signal interrupts.
pub(super) fn rt_sigtimedwait(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if a[3] != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let set: u64 = sc.task.mm().read_obj(a[0])?;
    let set = set & !UNBLOCKABLE;
    let deadline = if a[2] == 0 {
        None
    } else {
        let ts: Timespec = sc.task.mm().read_obj(a[2])?;
        Some(crate::timers::deadline_after(timespec_duration(&ts)?))
    };
    let task = sc.task;
    let take = || crate::signal::dequeue(task, !set);
    let old = task.mask();
    let found = loop {
        if let Some(info) = take() {
            break Ok(info);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break Err(Errno::EAGAIN);
        }
        task.prepare_block();
        // Unblock the set for the wait: a signal of it sent now interrupts us.
        task.sigwait_set
            .store(set, std::sync::atomic::Ordering::SeqCst);
        task.set_mask(old & !set);
        let r = task.block(deadline);
        task.set_mask(old);
        task.sigwait_set
            .store(0, std::sync::atomic::Ordering::SeqCst);
        match r {
            BlockResult::Interrupted => {
                if let Some(info) = take() {
                    break Ok(info);
                }
                break Err(Errno::EINTR);
            }
            BlockResult::TimedOut => break Err(Errno::EAGAIN),
            BlockResult::Woken => {}
        }
    };
    let info = found?;
    if a[1] != 0 {
        sc.task.mm().copy_out(a[1], &info.to_bytes())?;
    }
    Ok(u64::from(info.signo))
}
