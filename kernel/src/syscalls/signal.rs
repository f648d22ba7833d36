//! Signal calls: actions, masks, sending, `rt_sigreturn`, alternate stacks.

use veil_abi::flags::signal::*;
use veil_abi::structs::SigAction;
use veil_abi::Errno;

use super::{SysResult, SyscallCtx};
use crate::signal::{self, SigInfo, SI_TKILL, SI_USER};

/// `sizeof(sigset_t)` the kernel accepts.
const SIGSET_SIZE: u64 = 8;
/// Smallest alternate signal stack (`MINSIGSTKSZ`).
const MINSIGSTKSZ: u64 = 2048;
const SS_ONSTACK: i32 = 1;
const SS_DISABLE: i32 = 2;
const SS_AUTODISARM: i32 = 1 << 31;

fn valid_signal(sig: u64) -> Result<u32, Errno> {
    if (1..=u64::from(SIGRTMAX)).contains(&sig) {
        Ok(sig as u32)
    } else {
        Err(Errno::EINVAL)
    }
}

/// `rt_sigaction(sig, act, oldact, sigsetsize)`.
pub(super) fn rt_sigaction(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let sig = valid_signal(a[0])?;
    if a[3] != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let new = if a[1] != 0 {
        if sig == SIGKILL || sig == SIGSTOP {
            return Err(Errno::EINVAL);
        }
        let mut act: SigAction = sc.task.mm().read_obj(a[1])?;
        act.mask &= !UNBLOCKABLE;
        Some(act)
    } else {
        None
    };
    let old = {
        let mut actions = sc.task.tg.actions.lock();
        let old = actions[sig as usize - 1];
        if let Some(act) = new {
            actions[sig as usize - 1] = act;
        }
        old
    };
    if let Some(act) = new {
        // Setting SIG_IGN (or SIG_DFL of an ignored-by-default signal) discards pending
        // instances, as POSIX requires.
        let ignored = act.handler == SIG_IGN
            || act.handler == SIG_DFL
                && signal::default_action(sig) == signal::DefaultAction::Ignore;
        if ignored {
            sc.task.tg.pending.lock().discard(sig);
            for t in sc.task.tg.tasks() {
                t.pending.lock().discard(sig);
            }
        }
    }
    if a[2] != 0 {
        sc.task.mm().write_obj(a[2], &old)?;
    }
    Ok(0)
}

/// `rt_sigprocmask(how, set, oldset, sigsetsize)`.
pub(super) fn rt_sigprocmask(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if a[3] != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let old = sc.task.mask();
    if a[1] != 0 {
        let set: u64 = sc.task.mm().read_obj(a[1])?;
        let new = match a[0] as u32 {
            SIG_BLOCK => old | set,
            SIG_UNBLOCK => old & !set,
            SIG_SETMASK => set,
            _ => return Err(Errno::EINVAL),
        };
        sc.task.set_mask(new);
    }
    if a[2] != 0 {
        sc.task.mm().write_obj(a[2], &old)?;
    }
    Ok(0)
}

/// `pause()`: waits until a signal runs a handler (then `EINTR`) or ends the process.
pub(super) fn pause(sc: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    sc.task.block_until_interrupted();
    Err(signal::ERESTARTNOHAND)
}

/// `rt_sigsuspend(mask, sigsetsize)`: waits with `mask` in place until a signal runs a
/// handler (then `EINTR`, the handler's frame restoring the old mask) or ends the
/// process; a signal that is only ignored lets the wait go on.
pub(super) fn rt_sigsuspend(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if a[1] != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let mask: u64 = sc.task.mm().read_obj(a[0])?;
    let old = sc.task.set_mask(mask);
    // Only an interrupt ends the wait; `prepare_block` leaves the attention flag alone.
    sc.task.block_until_interrupted();
    *sc.task.saved_mask.lock() = Some(old);
    Err(signal::ERESTARTNOHAND)
}

/// `rt_sigpending(set, sigsetsize)`.
pub(super) fn rt_sigpending(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if a[1] != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let pending =
        (sc.task.pending.lock().bits() | sc.task.tg.pending.lock().bits()) & sc.task.mask();
    sc.task.mm().write_obj(a[0], &pending).map(|()| 0)
}

/// `rt_sigreturn()`.
pub(super) fn rt_sigreturn(sc: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    match signal::sigreturn(sc.task, sc.regs, sc.ctx, sc.aspace) {
        Ok(rax) => Ok(rax),
        Err(_) => {
            // A corrupt frame: Linux kills the thread with SIGSEGV.
            signal::force(sc.task, SigInfo::kernel(SIGSEGV, signal::SI_KERNEL, 0));
            Ok(sc.regs.0.rax)
        }
    }
}

/// `sigaltstack(ss, old_ss)`.
pub(super) fn sigaltstack(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (sp, flags, size) = *sc.task.alt_stack.lock();
    let on_stack =
        flags != SS_DISABLE && sc.regs.0.rsp > sp && sc.regs.0.rsp <= sp.wrapping_add(size);
    if a[1] != 0 {
        let mut old = [0u8; 24];
        old[..8].copy_from_slice(&sp.to_le_bytes());
        let shown = if on_stack { SS_ONSTACK } else { flags };
        old[8..12].copy_from_slice(&shown.to_le_bytes());
        old[16..24].copy_from_slice(&size.to_le_bytes());
        sc.task.mm().copy_out(a[1], &old)?;
    }
    if a[0] != 0 {
        let mut new = [0u8; 24];
        sc.task.mm().copy_in(a[0], &mut new)?;
        let nsp = u64::from_le_bytes(new[..8].try_into().unwrap_or_default());
        let nflags = i32::from_le_bytes(new[8..12].try_into().unwrap_or_default());
        let nsize = u64::from_le_bytes(new[16..24].try_into().unwrap_or_default());
        if on_stack {
            return Err(Errno::EPERM);
        }
        let mode = nflags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
            return Err(Errno::EINVAL);
        }
        if mode == SS_DISABLE {
            *sc.task.alt_stack.lock() = (0, SS_DISABLE, 0);
        } else {
            if nsize < MINSIGSTKSZ {
                return Err(Errno::ENOMEM);
            }
            *sc.task.alt_stack.lock() = (nsp, nflags & SS_AUTODISARM, nsize);
        }
    }
    Ok(0)
}

/// `kill(pid, sig)`: a process (`pid > 0`), the caller's process group (`0`), every
/// process but init and the caller (`-1`), or a process group (`< -1`). Signal 0
/// only checks that a target exists.
pub(super) fn kill(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    use std::sync::atomic::Ordering;
    let (pid, sig) = (a[0] as i32, a[1]);
    if sig != 0 {
        valid_signal(sig)?;
    }
    if pid == i32::MIN {
        return Err(Errno::ESRCH);
    }
    let me = &sc.task.tg;
    let all = sc.task.kernel.thread_groups();
    let alive = |tg: &&std::sync::Arc<crate::thread_group::ThreadGroup>| tg.exit_status().is_none();
    let targets: Vec<_> = match pid {
        // A zombie still exists until it is reaped: signalling it succeeds (and does
        // nothing).
        // (A reaped one may linger in the table while its last references go.)
        p if p > 0 => all
            .iter()
            .filter(|tg| tg.tgid == p && !tg.reaped.load(Ordering::SeqCst))
            .collect(),
        0 => {
            let pg = me.pgid.load(Ordering::SeqCst);
            all.iter()
                .filter(alive)
                .filter(|tg| tg.pgid.load(Ordering::SeqCst) == pg)
                .collect()
        }
        -1 => all
            .iter()
            .filter(alive)
            .filter(|tg| tg.tgid != 1 && tg.tgid != me.tgid)
            .collect(),
        p => all
            .iter()
            .filter(alive)
            .filter(|tg| tg.pgid.load(Ordering::SeqCst) == -p)
            .collect(),
    };
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    // Only the processes the caller may signal get it; none is EPERM.
    let allowed: Vec<_> = targets
        .into_iter()
        .filter(|tg| super::sigqueue::may_signal(sc.task, tg))
        .collect();
    if allowed.is_empty() {
        return Err(Errno::EPERM);
    }
    if sig != 0 {
        for tg in allowed {
            tg.send_signal(SigInfo::user(sig as u32, SI_USER, me.tgid));
        }
    }
    Ok(0)
}

fn thread_kill(sc: &SyscallCtx<'_>, tgid: Option<i32>, tid: i32, sig: u64) -> SysResult {
    if tid <= 0 || tgid.is_some_and(|t| t <= 0) {
        return Err(Errno::EINVAL);
    }
    if sig != 0 {
        valid_signal(sig)?;
    }
    let target = match tgid {
        Some(t) => sc.task.kernel.thread_group(t).and_then(|tg| tg.task(tid)),
        None => sc
            .task
            .kernel
            .thread_groups()
            .iter()
            .find_map(|tg| tg.task(tid)),
    }
    .ok_or(Errno::ESRCH)?;
    if !super::sigqueue::may_signal(sc.task, &target.tg) {
        return Err(Errno::EPERM);
    }
    if sig != 0 {
        signal::send_to_task(
            &target,
            SigInfo::user(sig as u32, SI_TKILL, sc.task.tg.tgid),
        );
    }
    Ok(0)
}

/// `tkill(tid, sig)`.
pub(super) fn tkill(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    thread_kill(sc, None, a[0] as i32, a[1])
}

/// `tgkill(tgid, tid, sig)`.
pub(super) fn tgkill(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    thread_kill(sc, Some(a[0] as i32), a[1] as i32, a[2])
}
