//! Threads: clone/clone3 for new threads, exit, tid addresses, robust lists, futex.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use veil_abi::flags::clone::*;
use veil_abi::flags::futex::*;
use veil_abi::structs::{CloneArgs, RobustListHead, Timespec};
use veil_abi::Errno;
use veil_platform::MAX_USER_ADDRESS;

use super::time::{deadline_from_absolute, timespec_duration};
use super::{Exit, SysResult, SyscallCtx};
use crate::signal::ERESTARTSYS;
use crate::task::Task;

/// Clone flags that mean the same for a new thread and a new process: what is shared,
/// the tid and TLS requests, and the flags Linux ignores.
pub(super) const COMMON_CLONE_FLAGS: u64 = CLONE_VM
    | CLONE_FS
    | CLONE_FILES
    | CLONE_SYSVSEM
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_CLEARTID
    | CLONE_CHILD_SETTID
    | CLONE_DETACHED
    | CLONE_UNTRACED
    | CLONE_PTRACE
    | CLONE_IO;
/// The clone flags Veil understands for a new thread; the rest are `EINVAL`.
const THREAD_FLAGS: u64 = COMMON_CLONE_FLAGS | CLONE_SIGHAND | CLONE_THREAD;
/// `sizeof(struct clone_args)` of its first version.
const CLONE_ARGS_SIZE_VER0: u64 = 64;

/// A decoded `clone`/`clone3` request.
pub(super) struct CloneRequest {
    /// `CLONE_*` flags (without the exit signal).
    pub flags: u64,
    /// The signal the parent gets when a new process ends.
    pub exit_signal: u64,
    /// The new stack pointer, or 0 for the caller's.
    pub stack: u64,
    /// Where to store the child's tid in the parent (`CLONE_PARENT_SETTID`).
    pub parent_tid: u64,
    /// Where to store (`CLONE_CHILD_SETTID`) or clear (`CLONE_CHILD_CLEARTID`) the
    /// child's tid in the child.
    pub child_tid: u64,
    /// The child's thread pointer (`CLONE_SETTLS`).
    pub tls: u64,
    /// Where to store the new process's pidfd (`CLONE_PIDFD`).
    pub pidfd: u64,
}

fn do_clone(sc: &mut SyscallCtx<'_>, req: CloneRequest) -> SysResult {
    let f = req.flags;
    // Linux's consistency rules (copy_process).
    if f & CLONE_THREAD != 0 && f & CLONE_SIGHAND == 0
        || f & CLONE_SIGHAND != 0 && f & CLONE_VM == 0
    {
        return Err(Errno::EINVAL);
    }
    // A pidfd names a process, not a thread.
    if f & CLONE_PIDFD != 0 && f & (CLONE_THREAD | CLONE_DETACHED) != 0 {
        return Err(Errno::EINVAL);
    }
    if f & CLONE_THREAD == 0 {
        return super::process::fork(sc, &req);
    }
    if f & !THREAD_FLAGS != 0 || req.exit_signal > 64 {
        return Err(Errno::EINVAL);
    }
    if f & CLONE_SETTLS != 0 && req.tls >= MAX_USER_ADDRESS {
        return Err(Errno::EPERM);
    }
    let parent = sc.task;
    let kernel = parent.kernel.clone();
    let charge = kernel.charge_task()?;
    let tid = kernel.alloc_tid();
    let files = if f & CLONE_FILES != 0 {
        parent.files.clone()
    } else {
        Arc::new(parent.files.fork())
    };
    let fs = if f & CLONE_FS != 0 {
        parent.fs.clone()
    } else {
        Arc::new(parent.fs.fork())
    };
    let child = Task::new(
        tid,
        parent.tg.clone(),
        kernel,
        parent.mm().clone(),
        files,
        fs,
        parent.mask(),
    );
    *child.charge.lock() = Some(charge);
    child.set_creds(parent.creds());
    *child.sched.lock() = parent.sched.lock().for_child();
    *child.seccomp.lock() = parent.seccomp.lock().clone();
    // A new thread starts with its creator's name.
    *child.comm.lock() = parent.comm.lock().clone();
    if f & CLONE_CHILD_CLEARTID != 0 {
        child.clear_child_tid.store(req.child_tid, Ordering::SeqCst);
    }
    let tid_bytes = (tid as u32).to_le_bytes();
    if f & CLONE_PARENT_SETTID != 0 {
        // Linux ignores a failure to store the tid.
        let _ = parent.mm().copy_out(req.parent_tid, &tid_bytes);
    }
    if f & CLONE_CHILD_SETTID != 0 {
        let _ = child.mm().copy_out(req.child_tid, &tid_bytes);
    }
    let mut regs = *sc.regs;
    regs.0.rax = 0;
    if req.stack != 0 {
        regs.0.rsp = req.stack;
    }
    if f & CLONE_SETTLS != 0 {
        regs.0.fs_base = req.tls;
    }
    if !parent.tg.add_task(child.clone()) {
        return Err(Errno::EAGAIN);
    }
    if let Err(e) = crate::run::spawn(child, regs) {
        tracing::error!("{e}");
        parent
            .tg
            .remove_task(tid, crate::thread_group::ExitStatus::Exited(0));
        return Err(Errno::EAGAIN);
    }
    Ok(tid as u64)
}

/// `clone(flags, stack, parent_tid, child_tid, tls)` (x86_64 argument order).
pub(super) fn clone(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let flags = a[0];
    // Legacy clone stores the pidfd where the parent's tid would go: not both.
    if flags & CLONE_PIDFD != 0 && flags & CLONE_PARENT_SETTID != 0 {
        return Err(Errno::EINVAL);
    }
    // Legacy clone ignores the exit signal of a thread.
    let exit_signal = if flags & CLONE_THREAD != 0 {
        0
    } else {
        flags & CSIGNAL
    };
    do_clone(
        sc,
        CloneRequest {
            flags: flags & !CSIGNAL,
            exit_signal,
            stack: a[1],
            parent_tid: a[2],
            child_tid: a[3],
            tls: a[4],
            pidfd: a[2],
        },
    )
}

/// `clone3(args, size)`.
pub(super) fn clone3(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (addr, size) = (a[0], a[1]);
    let full = std::mem::size_of::<CloneArgs>() as u64;
    if size > veil_abi::PAGE_SIZE {
        return Err(Errno::E2BIG);
    }
    if size < CLONE_ARGS_SIZE_VER0 {
        return Err(Errno::EINVAL);
    }
    let mut raw = vec![0u8; size as usize];
    sc.task.mm().copy_in(addr, &mut raw)?;
    if size > full && raw[full as usize..].iter().any(|&b| b != 0) {
        return Err(Errno::E2BIG);
    }
    let mut args = CloneArgs::default();
    let n = (size.min(full)) as usize;
    bytemuck::bytes_of_mut(&mut args)[..n].copy_from_slice(&raw[..n]);
    if args.set_tid != 0 || args.set_tid_size != 0 || args.cgroup != 0 || args.flags & CSIGNAL != 0
    {
        return Err(Errno::EINVAL);
    }
    // The exit signal is a signal number (CSIGNAL bits only, at most SIGRTMAX).
    if args.exit_signal & !CSIGNAL != 0
        || args.exit_signal > u64::from(veil_abi::flags::signal::SIGRTMAX)
    {
        return Err(Errno::EINVAL);
    }
    if args.flags & (CLONE_THREAD | CLONE_PARENT) != 0 && args.exit_signal != 0 {
        return Err(Errno::EINVAL);
    }
    if (args.stack == 0) != (args.stack_size == 0) {
        return Err(Errno::EINVAL);
    }
    let stack = if args.stack != 0 {
        args.stack
            .checked_add(args.stack_size)
            .ok_or(Errno::EINVAL)?
    } else {
        0
    };
    do_clone(
        sc,
        CloneRequest {
            flags: args.flags,
            exit_signal: args.exit_signal,
            stack,
            parent_tid: args.parent_tid,
            child_tid: args.child_tid,
            tls: args.tls,
            pidfd: args.pidfd,
        },
    )
}

/// `exit(status)`: ends the calling thread.
pub(super) fn exit(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    sc.exit = Some(Exit::Thread((a[0] & 0xff) as i32));
    Ok(0)
}

/// `exit_group(status)`: ends every thread of the process.
pub(super) fn exit_group(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    sc.exit = Some(Exit::Group((a[0] & 0xff) as i32));
    Ok(0)
}

/// `set_tid_address(tidptr)`: returns the caller's tid.
pub(super) fn set_tid_address(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    sc.task.clear_child_tid.store(a[0], Ordering::SeqCst);
    Ok(sc.task.tid as u64)
}

/// `set_robust_list(head, len)`.
pub(super) fn set_robust_list(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if a[1] != std::mem::size_of::<RobustListHead>() as u64 {
        return Err(Errno::EINVAL);
    }
    *sc.task.robust_list.lock() = (a[0], a[1]);
    Ok(0)
}

/// `get_robust_list(pid, head_ptr, len_ptr)`.
pub(super) fn get_robust_list(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let pid = a[0] as i32;
    let task = if pid == 0 {
        sc.task.clone()
    } else {
        sc.task.tg.task(pid).ok_or(Errno::ESRCH)?
    };
    let (head, len) = *task.robust_list.lock();
    sc.task.mm().write_obj(a[1], &head)?;
    sc.task.mm().write_obj(a[2], &len)?;
    Ok(0)
}

/// Applies `FUTEX_WAKE_OP`'s operation to `word`, returning the old value.
fn wake_op_apply(word: &AtomicU32, encoded: u32) -> Result<u32, Errno> {
    let op = (encoded >> 28) & 7;
    let shift = (encoded >> 28) & 8 != 0;
    let mut oparg = (encoded >> 12) & 0xfff;
    if shift {
        if oparg > 31 {
            return Err(Errno::EINVAL);
        }
        oparg = 1 << oparg;
    }
    let update = |old: u32| match op {
        0 => Some(oparg),
        1 => Some(old.wrapping_add(oparg)),
        2 => Some(old | oparg),
        3 => Some(old & !oparg),
        4 => Some(old ^ oparg),
        _ => None,
    };
    if op > 4 {
        return Err(Errno::ENOSYS);
    }
    word.fetch_update(Ordering::SeqCst, Ordering::SeqCst, update)
        .map_err(|_| Errno::ENOSYS)
}

fn wake_op_compare(old: u32, encoded: u32) -> Result<bool, Errno> {
    let cmp = (encoded >> 24) & 0xf;
    let cmparg = encoded & 0xfff;
    let (old, cmparg) = (old as i32, cmparg as i32);
    Ok(match cmp {
        0 => old == cmparg,
        1 => old != cmparg,
        2 => old < cmparg,
        3 => old <= cmparg,
        4 => old > cmparg,
        5 => old >= cmparg,
        _ => return Err(Errno::ENOSYS),
    })
}

/// `futex(uaddr, op, val, timeout|val2, uaddr2, val3)`.
pub(super) fn futex(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (uaddr, op, val, uaddr2, val3) = (a[0], a[1] as u32, a[2] as u32, a[4], a[5] as u32);
    let cmd = op & FUTEX_CMD_MASK;
    let realtime = op & FUTEX_CLOCK_REALTIME != 0;
    if realtime && !matches!(cmd, FUTEX_WAIT | FUTEX_WAIT_BITSET) {
        return Err(Errno::ENOSYS);
    }
    let task = sc.task;
    let futexes = &task.kernel.futexes;
    let mm = task.mm();
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if cmd == FUTEX_WAIT {
                FUTEX_BITSET_MATCH_ANY
            } else {
                val3
            };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            let deadline = if a[3] == 0 {
                None
            } else {
                let ts: Timespec = mm.read_obj(a[3])?;
                let d = timespec_duration(&ts)?;
                Some(if cmd == FUTEX_WAIT {
                    crate::timers::deadline_after(d)
                } else {
                    deadline_from_absolute(if realtime { 0 } else { 1 }, &ts)?
                })
            };
            let (key, word) = mm.futex_word(uaddr)?;
            match futexes.wait(task, key, word, val, bitset, deadline) {
                Err(e) if e == Errno::EINTR && deadline.is_none() => Err(ERESTARTSYS),
                r => r.map(|()| 0),
            }
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE {
                FUTEX_BITSET_MATCH_ANY
            } else {
                val3
            };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            let (key, _) = mm.futex_word(uaddr)?;
            Ok(u64::from(futexes.wake(key, val, bitset)))
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            let n_requeue = a[3] as u32;
            if (val as i32) < 0 || (n_requeue as i32) < 0 {
                return Err(Errno::EINVAL);
            }
            let (key, word) = mm.futex_word(uaddr)?;
            let (key2, _) = mm.futex_word(uaddr2)?;
            if cmd == FUTEX_CMP_REQUEUE && word.load(Ordering::SeqCst) != val3 {
                return Err(Errno::EAGAIN);
            }
            Ok(u64::from(futexes.requeue(key, key2, val, n_requeue)))
        }
        FUTEX_WAKE_OP => {
            let val2 = a[3] as u32;
            let (key, _) = mm.futex_word(uaddr)?;
            let (key2, word2) = mm.futex_word(uaddr2)?;
            mm.check(uaddr2, 4, crate::mm::Access::Write)?;
            let old = wake_op_apply(word2, val3)?;
            let mut woken = futexes.wake(key, val, FUTEX_BITSET_MATCH_ANY);
            if wake_op_compare(old, val3)? {
                woken += futexes.wake(key2, val2, FUTEX_BITSET_MATCH_ANY);
            }
            Ok(u64::from(woken))
        }
        _ => Err(Errno::ENOSYS),
    }
}
