//! `seccomp(2)` and `prctl(PR_SET_SECCOMP/PR_GET_SECCOMP)`: installing strict mode
//! or a filter on the calling thread (or, with `SECCOMP_FILTER_FLAG_TSYNC`, on all of
//! its process's threads), and carrying out what a filter decided of a call.

use std::sync::Arc;

use veil_abi::flags::signal::{SIGKILL, SIGSYS};
use veil_abi::Errno;

use super::{SysResult, SyscallCtx};
use crate::seccomp::bpf::{self, Insn};
use crate::seccomp::{self as policy, Filter, Mode, Verdict};
use crate::signal::{SigInfo, SYS_SECCOMP};
use crate::task::Task;

const SECCOMP_SET_MODE_STRICT: u64 = 0;
const SECCOMP_SET_MODE_FILTER: u64 = 1;
const SECCOMP_GET_ACTION_AVAIL: u64 = 2;
const SECCOMP_GET_NOTIF_SIZES: u64 = 3;
const SECCOMP_FILTER_FLAG_TSYNC: u64 = 1;
const SECCOMP_FILTER_FLAG_LOG: u64 = 2;
const SECCOMP_FILTER_FLAG_SPEC_ALLOW: u64 = 4;
/// `CAP_SYS_ADMIN`, which lets a thread without `no_new_privs` install a filter.
const CAP_SYS_ADMIN: u32 = 21;

/// Carries out a verdict other than `Allow` on call `nr` made at `ip`: the call's
/// result (the call itself never runs).
pub(super) fn carry_out(task: &Arc<Task>, verdict: Verdict, nr: u64, ip: u64) -> SysResult {
    match verdict {
        Verdict::Allow | Verdict::Skip => Err(Errno::ENOSYS),
        Verdict::Errno(e) => Err(Errno(e)),
        // Linux rolls the registers back for the handler: the call "returns" its
        // own number unless the handler changes it.
        Verdict::Trap(data) => {
            crate::signal::force(task, sigsys(nr, ip, i32::from(data)));
            Ok(nr)
        }
        // A thread kill ends the process too: Veil has no lone-thread death by
        // signal (documented as partial).
        Verdict::KillThread | Verdict::KillProcess => {
            crate::signal::force_default(task, sigsys(nr, ip, 0));
            Err(Errno::ENOSYS)
        }
        Verdict::KillStrict => {
            crate::signal::force_default(task, SigInfo::kernel(SIGKILL, 0x80, 0));
            Err(Errno::ENOSYS)
        }
    }
}

/// The `SIGSYS` of a seccomp trap or kill.
fn sigsys(nr: u64, ip: u64, errno: i32) -> SigInfo {
    let mut info = SigInfo::kernel(SIGSYS, SYS_SECCOMP, ip);
    info.value = u64::from(nr as u32) | (u64::from(policy::AUDIT_ARCH_X86_64) << 32);
    info.errno = errno;
    info
}

/// `seccomp(operation, flags, args)`.
pub(super) fn seccomp(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (op, flags, args) = (a[0], a[1], a[2]);
    match op {
        SECCOMP_SET_MODE_STRICT => {
            if flags != 0 || args != 0 {
                return Err(Errno::EINVAL);
            }
            set_strict(sc.task)
        }
        SECCOMP_SET_MODE_FILTER => set_filter(sc, flags, args),
        SECCOMP_GET_ACTION_AVAIL => {
            if flags != 0 {
                return Err(Errno::EINVAL);
            }
            let action: u32 = sc.task.mm().read_obj(args)?;
            if policy::action_available(action) {
                Ok(0)
            } else {
                Err(Errno::EOPNOTSUPP)
            }
        }
        // No user notification: there is no listener to size.
        SECCOMP_GET_NOTIF_SIZES => Err(Errno::EOPNOTSUPP),
        _ => Err(Errno::EINVAL),
    }
}

/// `PR_GET_SECCOMP`: the calling thread's mode.
pub(super) fn get_mode(task: &Task) -> SysResult {
    Ok(u64::from(task.seccomp.lock().number()))
}

/// `PR_SET_SECCOMP`: strict mode (1), or a filter (2) at `prog`.
pub(super) fn prctl_set(sc: &mut SyscallCtx<'_>, mode: u64, prog: u64) -> SysResult {
    match mode {
        1 => set_strict(sc.task),
        2 => set_filter(sc, 0, prog),
        _ => Err(Errno::EINVAL),
    }
}

fn set_strict(task: &Task) -> SysResult {
    let mut mode = task.seccomp.lock();
    if matches!(*mode, Mode::Filter(_)) {
        return Err(Errno::EINVAL);
    }
    *mode = Mode::Strict;
    Ok(0)
}

/// Reads the `struct sock_fprog` at `addr` and its instructions.
fn read_program(sc: &SyscallCtx<'_>, addr: u64) -> Result<Vec<Insn>, Errno> {
    let mut raw = [0u8; 16];
    sc.task.mm().copy_in(addr, &mut raw)?;
    let len = u16::from_le_bytes([raw[0], raw[1]]) as usize;
    let filter = u64::from_le_bytes(raw[8..16].try_into().unwrap_or_default());
    if len == 0 || len > bpf::MAX_INSNS {
        return Err(Errno::EINVAL);
    }
    let mut bytes = vec![0u8; len * 8];
    sc.task.mm().copy_in(filter, &mut bytes)?;
    Ok(bytes
        .chunks_exact(8)
        .map(|c| Insn::from_bytes(c.try_into().unwrap_or(&[0; 8])))
        .collect())
}

/// `SECCOMP_SET_MODE_FILTER`: `EACCES` unless `no_new_privs` or `CAP_SYS_ADMIN`;
/// `EINVAL` for an unknown flag (user notification is not offered), a bad program,
/// or a thread in strict mode.
fn set_filter(sc: &mut SyscallCtx<'_>, flags: u64, prog: u64) -> SysResult {
    let known =
        SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    if flags & !known != 0 {
        return Err(Errno::EINVAL);
    }
    let task = sc.task;
    let nnp = task
        .tg
        .no_new_privs
        .load(std::sync::atomic::Ordering::SeqCst);
    if !nnp && !task.creds().has(CAP_SYS_ADMIN) {
        return Err(Errno::EACCES);
    }
    let insns = read_program(sc, prog)?;
    let prev = match &*task.seccomp.lock() {
        Mode::Strict => return Err(Errno::EINVAL),
        Mode::Filter(f) => Some(f.clone()),
        Mode::Disabled => None,
    };
    let filter = Filter::push(insns, flags & SECCOMP_FILTER_FLAG_LOG != 0, prev)?;
    if flags & SECCOMP_FILTER_FLAG_TSYNC != 0 {
        for t in task.tg.tasks() {
            *t.seccomp.lock() = Mode::Filter(filter.clone());
        }
    }
    *task.seccomp.lock() = Mode::Filter(filter);
    Ok(0)
}
