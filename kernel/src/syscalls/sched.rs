//! Priorities and scheduling: `getpriority`, `setpriority`, the `sched_*` policy
//! calls, and `personality`. The settings live in [`crate::sched::SchedSettings`];
//! the host schedules the guest's threads, so they are recorded, checked and
//! reported as Linux does, without effect on the sentry.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use veil_abi::structs::Timespec;
use veil_abi::Errno;

use super::{SysResult, SyscallCtx};
use crate::creds::CAP_SYS_NICE;
use crate::sched::{
    priority_range, SCHED_BATCH, SCHED_DEADLINE, SCHED_FIFO, SCHED_IDLE, SCHED_OTHER,
    SCHED_RESET_ON_FORK, SCHED_RR,
};
use crate::task::Task;

const PRIO_PROCESS: u64 = 0;
const PRIO_PGRP: u64 = 1;
const PRIO_USER: u64 = 2;

/// The time slice `sched_rr_get_interval` reports for `SCHED_RR` (Linux's
/// `RR_TIMESLICE`, 100 ms).
const RR_TIMESLICE_NS: i64 = 100_000_000;

/// The tasks `(which, who)` of `getpriority`/`setpriority` name; `EINVAL` for a bad
/// `which`. Linux's PRIO_PROCESS names one thread by its id.
fn priority_targets(sc: &SyscallCtx<'_>, which: u64, who: i32) -> Result<Vec<Arc<Task>>, Errno> {
    let kernel = &sc.task.kernel;
    let all = || kernel.thread_groups().into_iter().flat_map(|tg| tg.tasks());
    Ok(match which {
        PRIO_PROCESS if who == 0 => vec![sc.task.clone()],
        PRIO_PROCESS => kernel.find_task(who).into_iter().collect(),
        PRIO_PGRP => {
            let pgid = if who == 0 {
                sc.task.tg.pgid.load(Ordering::SeqCst)
            } else {
                who
            };
            all()
                .filter(|t| t.tg.pgid.load(Ordering::SeqCst) == pgid)
                .collect()
        }
        PRIO_USER => {
            let uid = if who == 0 {
                sc.task.creds().uid.effective
            } else {
                who as u32
            };
            all().filter(|t| t.creds().uid.real == uid).collect()
        }
        _ => return Err(Errno::EINVAL),
    })
}

/// `getpriority(which, who)`: `20 - nice` of the highest-priority target (the C
/// library turns it back into a nice value); `ESRCH` if there is none.
pub(super) fn getpriority(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let targets = priority_targets(sc, a[0], a[1] as i32)?;
    let nice = targets
        .iter()
        .map(|t| t.sched.lock().nice)
        .min()
        .ok_or(Errno::ESRCH)?;
    Ok((20 - nice) as u64)
}

/// `setpriority(which, who, prio)`: sets the nice value (clamped to -20..=19) of every
/// target. Lowering it needs `CAP_SYS_NICE` (`EACCES`); changing another user's
/// tasks needs it too (`EPERM`).
pub(super) fn setpriority(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let nice = (a[2] as i32).clamp(-20, 19);
    let targets = priority_targets(sc, a[0], a[1] as i32)?;
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    let me = sc.task.creds();
    let privileged = me.has(CAP_SYS_NICE);
    let mut result = Ok(0);
    for t in targets {
        let theirs = t.creds();
        if !privileged
            && me.uid.effective != theirs.uid.real
            && me.uid.effective != theirs.uid.effective
        {
            result = Err(Errno::EPERM);
            continue;
        }
        let mut s = t.sched.lock();
        if nice < s.nice && !privileged {
            result = Err(Errno::EACCES);
            continue;
        }
        s.nice = nice;
    }
    result
}

/// The task `pid` of a `sched_*` call: the caller for 0, `EINVAL` for a negative
/// pid, `ESRCH` if there is no such thread.
fn sched_target(sc: &SyscallCtx<'_>, pid: u64) -> Result<Arc<Task>, Errno> {
    match pid as i32 {
        0 => Ok(sc.task.clone()),
        p if p < 0 => Err(Errno::EINVAL),
        p => sc.task.kernel.find_task(p).ok_or(Errno::ESRCH),
    }
}

/// Sets `target`'s policy and priority after Linux's checks: the priority must fit
/// the policy (`EINVAL`), real-time policies and changing another user's task need
/// `CAP_SYS_NICE` (`EPERM`); `SCHED_DEADLINE` needs `sched_setattr` (`EINVAL`).
fn set_policy(sc: &SyscallCtx<'_>, target: &Task, policy: i32, priority: i32) -> Result<(), Errno> {
    let reset = policy & SCHED_RESET_ON_FORK != 0;
    let policy = policy & !SCHED_RESET_ON_FORK;
    if policy == SCHED_DEADLINE {
        return Err(Errno::EINVAL);
    }
    let (min, max) = priority_range(policy).ok_or(Errno::EINVAL)?;
    if priority < min || priority > max {
        return Err(Errno::EINVAL);
    }
    let me = sc.task.creds();
    let privileged = me.has(CAP_SYS_NICE);
    let theirs = target.creds();
    if !privileged
        && (matches!(policy, SCHED_FIFO | SCHED_RR)
            || (me.uid.effective != theirs.uid.real && me.uid.effective != theirs.uid.effective))
    {
        return Err(Errno::EPERM);
    }
    let mut s = target.sched.lock();
    if !privileged && s.reset_on_fork && !reset {
        // Only a privileged caller may clear SCHED_RESET_ON_FORK.
        return Err(Errno::EPERM);
    }
    s.policy = policy;
    s.priority = priority;
    s.reset_on_fork = reset;
    Ok(())
}

/// `sched_setscheduler(pid, policy, param)`.
pub(super) fn sched_setscheduler(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if (a[0] as i32) < 0 || a[2] == 0 {
        return Err(Errno::EINVAL);
    }
    let priority: i32 = sc.task.mm().read_obj(a[2])?;
    let target = sched_target(sc, a[0])?;
    set_policy(sc, &target, a[1] as i32, priority).map(|()| 0)
}

/// `sched_getscheduler(pid)`: the policy, with `SCHED_RESET_ON_FORK` if set.
pub(super) fn sched_getscheduler(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let target = sched_target(sc, a[0])?;
    let s = *target.sched.lock();
    let flag = if s.reset_on_fork {
        SCHED_RESET_ON_FORK
    } else {
        0
    };
    Ok((s.policy | flag) as u64)
}

/// `sched_setparam(pid, param)`: a new priority under the current policy.
pub(super) fn sched_setparam(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if (a[0] as i32) < 0 || a[1] == 0 {
        return Err(Errno::EINVAL);
    }
    let priority: i32 = sc.task.mm().read_obj(a[1])?;
    let target = sched_target(sc, a[0])?;
    let s = *target.sched.lock();
    let policy = s.policy
        | if s.reset_on_fork {
            SCHED_RESET_ON_FORK
        } else {
            0
        };
    set_policy(sc, &target, policy, priority).map(|()| 0)
}

/// `sched_getparam(pid, param)`.
pub(super) fn sched_getparam(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if (a[0] as i32) < 0 || a[1] == 0 {
        return Err(Errno::EINVAL);
    }
    let target = sched_target(sc, a[0])?;
    let priority = target.sched.lock().priority;
    sc.task.mm().write_obj(a[1], &priority)?;
    Ok(0)
}

/// `sched_get_priority_max(policy)`.
pub(super) fn sched_get_priority_max(_sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    priority_range(a[0] as i32)
        .map(|(_, max)| max as u64)
        .ok_or(Errno::EINVAL)
}

/// `sched_get_priority_min(policy)`.
pub(super) fn sched_get_priority_min(_sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    priority_range(a[0] as i32)
        .map(|(min, _)| min as u64)
        .ok_or(Errno::EINVAL)
}

/// `sched_rr_get_interval(pid, tp)`: the round-robin time slice of `SCHED_RR`
/// (100 ms), 0 for `SCHED_FIFO`, and for the other policies a slice the fair
/// scheduler would give (taken as the same 100 ms).
pub(super) fn sched_rr_get_interval(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let target = sched_target(sc, a[0])?;
    let ns = match target.sched.lock().policy {
        SCHED_FIFO => 0,
        SCHED_RR | SCHED_OTHER | SCHED_BATCH | SCHED_IDLE => RR_TIMESLICE_NS,
        _ => RR_TIMESLICE_NS,
    };
    let ts = Timespec {
        tv_sec: ns / 1_000_000_000,
        tv_nsec: ns % 1_000_000_000,
    };
    sc.task.mm().write_obj(a[1], &ts)?;
    Ok(0)
}

/// `personality(persona)`: sets the execution domain and its flags unless `persona`
/// is `0xffffffff` (a query); returns the previous value. Only the Linux domain
/// exists, so the value is recorded and reported (and inherited by children).
pub(super) fn personality(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let persona = a[0] as u32;
    let mut s = sc.task.sched.lock();
    let old = s.personality;
    if persona != u32::MAX {
        s.personality = persona;
    }
    Ok(u64::from(old))
}

/// `IOPRIO_CLASS_NONE`, `_RT`, `_BE`, `_IDLE`.
const IOPRIO_CLASS_NONE: u64 = 0;
const IOPRIO_CLASS_RT: u64 = 1;
const IOPRIO_CLASS_BE: u64 = 2;
const IOPRIO_CLASS_IDLE: u64 = 3;

/// The targets of `ioprio_get`/`ioprio_set`: `IOPRIO_WHO_PROCESS` (1), `_PGRP` (2)
/// and `_USER` (3) name what `PRIO_PROCESS`, `PRIO_PGRP` and `PRIO_USER` name.
fn ioprio_targets(sc: &SyscallCtx<'_>, which: u64, who: i32) -> Result<Vec<Arc<Task>>, Errno> {
    if !(1..=3).contains(&which) {
        return Err(Errno::EINVAL);
    }
    let targets = priority_targets(sc, which - 1, who)?;
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    Ok(targets)
}

/// `ioprio_get(which, who)`: the I/O priority of the target (of the first, for a
/// group). The sandbox's I/O is the sentry's, so priorities are recorded and
/// inherited, and change nothing.
pub(super) fn ioprio_get(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let targets = ioprio_targets(sc, a[0], a[1] as i32)?;
    let ioprio = targets[0].sched.lock().ioprio;
    Ok(u64::from(ioprio))
}

/// `ioprio_set(which, who, ioprio)`: `EINVAL` for an unknown class, or a level with
/// `NONE` (the level is the low 3 bits of the data, the rest hints, as Linux 6.x); `EPERM` for `RT` without `CAP_SYS_ADMIN`
/// or `CAP_SYS_NICE`, or for another user's process without `CAP_SYS_NICE`.
pub(super) fn ioprio_set(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let ioprio = a[2] & 0xffff;
    let (class, data) = (ioprio >> 13, ioprio & 0x1fff);
    let creds = sc.task.creds();
    match class {
        IOPRIO_CLASS_RT => {
            if !creds.has(crate::creds::CAP_SYS_ADMIN) && !creds.has(CAP_SYS_NICE) {
                return Err(Errno::EPERM);
            }
        }
        IOPRIO_CLASS_BE | IOPRIO_CLASS_IDLE => {}
        // The level is the low 3 bits; the rest are hints (Linux 6.x).
        IOPRIO_CLASS_NONE if data & 7 != 0 => return Err(Errno::EINVAL),
        IOPRIO_CLASS_NONE => {}
        _ => return Err(Errno::EINVAL),
    }
    let targets = ioprio_targets(sc, a[0], a[1] as i32)?;
    for t in &targets {
        let theirs = t.creds();
        if theirs.uid.real != creds.uid.effective
            && theirs.uid.real != creds.uid.real
            && !creds.has(CAP_SYS_NICE)
        {
            return Err(Errno::EPERM);
        }
    }
    for t in targets {
        t.sched.lock().ioprio = ioprio as u16;
    }
    Ok(0)
}

/// `getcpu(cpu, node, tcache)`: the CPU the calling thread runs on (its sentry
/// thread and stub are pinned to one), node 0; either pointer may be null.
pub(super) fn getcpu(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let host = nix::sched::sched_getcpu().unwrap_or(0) as u32;
    // The host CPU if the task's affinity allows it, else the first one it does.
    let allowed = sc.task.sched.lock().affinity_mask();
    let cpu = if host < 64 && allowed & (1 << host) != 0 {
        host
    } else {
        allowed.trailing_zeros()
    };
    if a[0] != 0 {
        sc.task.mm().write_obj(a[0], &cpu)?;
    }
    if a[1] != 0 {
        sc.task.mm().write_obj(a[1], &0u32)?;
    }
    Ok(0)
}

/// `membarrier` commands.
const MEMBARRIER_CMD_QUERY: u64 = 0;
const MEMBARRIER_CMD_GLOBAL: u64 = 1 << 0;
const MEMBARRIER_CMD_GLOBAL_EXPEDITED: u64 = 1 << 1;
const MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED: u64 = 1 << 2;
const MEMBARRIER_CMD_PRIVATE_EXPEDITED: u64 = 1 << 3;
const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: u64 = 1 << 4;
const MEMBARRIER_CMD_GET_REGISTRATIONS: u64 = 1 << 9;
/// What `MEMBARRIER_CMD_QUERY` reports (no `SYNC_CORE`, no `RSEQ`: rseq is not
/// offered).
const MEMBARRIER_SUPPORTED: u64 = MEMBARRIER_CMD_GLOBAL
    | MEMBARRIER_CMD_GLOBAL_EXPEDITED
    | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED
    | MEMBARRIER_CMD_PRIVATE_EXPEDITED
    | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED
    | MEMBARRIER_CMD_GET_REGISTRATIONS;

/// `membarrier(cmd, flags, cpu_id)`: every barrier is the host's global one
/// (`MEMBARRIER_CMD_GLOBAL`, which every thread of the machine passes, guest stubs
/// included), which is at least what each command promises. `PRIVATE_EXPEDITED`
/// needs the process to have registered (`EPERM`); flags other than 0 and unknown
/// commands are `EINVAL`.
pub(super) fn membarrier(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (cmd, flags) = (a[0], a[1]);
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let registered = &sc.task.tg.membarrier_registered;
    match cmd {
        MEMBARRIER_CMD_QUERY => Ok(MEMBARRIER_SUPPORTED),
        MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED => {
            registered.fetch_or(cmd, Ordering::SeqCst);
            Ok(0)
        }
        MEMBARRIER_CMD_GET_REGISTRATIONS => Ok(registered.load(Ordering::SeqCst)),
        MEMBARRIER_CMD_PRIVATE_EXPEDITED => {
            if registered.load(Ordering::SeqCst) & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED == 0 {
                return Err(Errno::EPERM);
            }
            veil_platform::host_memory_barrier().map(|()| 0)
        }
        MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED => {
            veil_platform::host_memory_barrier().map(|()| 0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// `struct sched_attr` as of Linux 5.3 (`SCHED_ATTR_SIZE_VER1`), and its first size.
const SCHED_ATTR_SIZE: usize = 56;
const SCHED_ATTR_SIZE_VER0: usize = 48;
/// `sched_flags` bits.
const SCHED_FLAG_RESET_ON_FORK: u64 = 0x01;
const SCHED_FLAG_KEEP_POLICY: u64 = 0x08;
const SCHED_FLAG_KEEP_PARAMS: u64 = 0x10;
const SCHED_FLAG_UTIL_CLAMP: u64 = 0x20 | 0x40;
const SCHED_FLAG_ALL: u64 = 0x7f;

/// `sched_getattr(pid, attr, size, flags)`: policy, `SCHED_FLAG_RESET_ON_FORK`, nice
/// and priority in as much of `struct sched_attr` as `size` holds (its `size` field
/// says how much was written); the deadline and utilisation-clamp fields are 0 (not
/// offered). `size` below the first version's 48 bytes or above a page, or non-zero
/// flags, are `EINVAL`.
pub(super) fn sched_getattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (size, flags) = (a[2] as usize, a[3]);
    if a[1] == 0
        || flags != 0
        || !(SCHED_ATTR_SIZE_VER0..=4096).contains(&size)
        || (a[0] as i32) < 0
    {
        return Err(Errno::EINVAL);
    }
    let target = sched_target(sc, a[0])?;
    let s = *target.sched.lock();
    let n = size.min(SCHED_ATTR_SIZE);
    let mut attr = [0u8; SCHED_ATTR_SIZE];
    attr[0..4].copy_from_slice(&(n as u32).to_ne_bytes());
    attr[4..8].copy_from_slice(&(s.policy as u32).to_ne_bytes());
    let flags = if s.reset_on_fork {
        SCHED_FLAG_RESET_ON_FORK
    } else {
        0
    };
    attr[8..16].copy_from_slice(&flags.to_ne_bytes());
    let fair = !matches!(s.policy, SCHED_FIFO | SCHED_RR);
    attr[16..20].copy_from_slice(&(if fair { s.nice } else { 0 }).to_ne_bytes());
    attr[20..24].copy_from_slice(&(s.priority as u32).to_ne_bytes());
    sc.task.mm().copy_out(a[1], &attr[..n])?;
    Ok(0)
}

/// `sched_setattr(pid, attr, flags)`: policy and priority as `sched_setscheduler`
/// checks them, the nice value of a normal policy as `setpriority` does (clamped),
/// `SCHED_FLAG_RESET_ON_FORK`, `KEEP_POLICY` and `KEEP_PARAMS`. A `size` of 0 means
/// the first version; a smaller one, or a larger one with non-zero bytes past what
/// Veil knows, is `E2BIG` (the supported size is written back). `SCHED_DEADLINE` is
/// `EINVAL`, utilisation clamps `EOPNOTSUPP` (not offered), unknown flags `EINVAL`.
pub(super) fn sched_setattr(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if a[1] == 0 || a[2] != 0 || (a[0] as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let mm = sc.task.mm();
    let size: u32 = mm.read_obj(a[1])?;
    let size = match size as usize {
        0 => SCHED_ATTR_SIZE_VER0,
        s if !(SCHED_ATTR_SIZE_VER0..=4096).contains(&s) => {
            mm.write_obj(a[1], &(SCHED_ATTR_SIZE as u32))?;
            return Err(Errno::E2BIG);
        }
        s => s,
    };
    let mut attr = [0u8; SCHED_ATTR_SIZE];
    let known = size.min(SCHED_ATTR_SIZE);
    mm.copy_in(a[1], &mut attr[..known])?;
    if size > SCHED_ATTR_SIZE {
        let mut rest = vec![0u8; size - SCHED_ATTR_SIZE];
        mm.copy_in(a[1] + SCHED_ATTR_SIZE as u64, &mut rest)?;
        if rest.iter().any(|&b| b != 0) {
            mm.write_obj(a[1], &(SCHED_ATTR_SIZE as u32))?;
            return Err(Errno::E2BIG);
        }
    }
    let word = |at: usize| u32::from_ne_bytes(attr[at..at + 4].try_into().unwrap_or([0; 4]));
    let policy = word(4) as i32;
    let flags = u64::from_ne_bytes(attr[8..16].try_into().unwrap_or([0; 8]));
    let nice = (word(16) as i32).clamp(-20, 19);
    let priority = word(20) as i32;
    if flags & !SCHED_FLAG_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & SCHED_FLAG_UTIL_CLAMP != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let target = sched_target(sc, a[0])?;
    let current = *target.sched.lock();
    let policy = if flags & SCHED_FLAG_KEEP_POLICY != 0 {
        current.policy
    } else {
        policy
    };
    let (priority, nice) = if flags & SCHED_FLAG_KEEP_PARAMS != 0 {
        (current.priority, current.nice)
    } else {
        (priority, nice)
    };
    let reset = if flags & SCHED_FLAG_RESET_ON_FORK != 0 {
        SCHED_RESET_ON_FORK
    } else {
        0
    };
    if !matches!(policy, SCHED_FIFO | SCHED_RR)
        && nice < current.nice
        && !sc.task.creds().has(CAP_SYS_NICE)
    {
        return Err(Errno::EPERM);
    }
    set_policy(sc, &target, policy | reset, priority)?;
    if !matches!(policy, SCHED_FIFO | SCHED_RR) {
        target.sched.lock().nice = nice;
    }
    Ok(0)
}
