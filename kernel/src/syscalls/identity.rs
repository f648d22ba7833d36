//! Who the caller is: uname, pids, credentials.

use veil_abi::structs::Utsname;

use super::{SysResult, SyscallCtx};
use crate::kernel::{KERNEL_RELEASE, KERNEL_VERSION};

fn field(s: &str) -> [u8; 65] {
    let mut f = [0u8; 65];
    let n = s.len().min(64);
    f[..n].copy_from_slice(&s.as_bytes()[..n]);
    f
}

/// `PER_LINUX32`, the personality whose `uname` reports a 32-bit machine.
const PER_LINUX32: u32 = 0x0008;

/// `uname(buf)`: Veil's own release, never the host's; the machine is `i686` under the
/// `PER_LINUX32` personality (`setarch i686`), as Linux's `override_architecture`.
pub(super) fn uname(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let linux32 = sc.task.sched.lock().personality & 0xff == PER_LINUX32;
    let u = Utsname {
        sysname: field("Linux"),
        nodename: field(&sc.task.kernel.config.hostname),
        release: field(KERNEL_RELEASE),
        version: field(KERNEL_VERSION),
        machine: field(if linux32 { "i686" } else { "x86_64" }),
        domainname: field(match sc.task.kernel.config.domainname.as_str() {
            "" => "(none)",
            name => name,
        }),
    };
    sc.task.mm().write_obj(a[0], &u).map(|()| 0)
}

/// `getpid()`.
pub(super) fn getpid(sc: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    Ok(sc.task.tg.tgid as u64)
}

/// `getppid()`: 0 for the sandbox's first process.
pub(super) fn getppid(sc: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    Ok(sc.task.tg.ppid() as u64)
}

/// `gettid()`.
pub(super) fn gettid(sc: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    Ok(sc.task.tid as u64)
}

use std::sync::atomic::Ordering;
use std::sync::Arc;

use veil_abi::Errno;

use crate::thread_group::ThreadGroup;

/// The process `pid` names for the process-group calls: 0 is the caller.
fn process(sc: &SyscallCtx<'_>, pid: i32) -> Result<Arc<ThreadGroup>, Errno> {
    match pid {
        0 => Ok(sc.task.tg.clone()),
        p if p < 0 => Err(Errno::ESRCH),
        p => sc
            .task
            .kernel
            // A zombie keeps its process group until it is reaped.
            .thread_group(p)
            .ok_or(Errno::ESRCH),
    }
}

/// `getpgid(pid)`.
pub(super) fn getpgid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    Ok(process(sc, a[0] as i32)?.pgid.load(Ordering::SeqCst) as u64)
}

/// `getpgrp()`.
pub(super) fn getpgrp(sc: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    Ok(sc.task.tg.pgid.load(Ordering::SeqCst) as u64)
}

/// `getsid(pid)`.
pub(super) fn getsid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    Ok(process(sc, a[0] as i32)?.sid.load(Ordering::SeqCst) as u64)
}

/// `setsid()`: a new session and process group led by the caller; `EPERM` for a
/// process group leader.
pub(super) fn setsid(sc: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    let tg = &sc.task.tg;
    let pgid_taken = sc
        .task
        .kernel
        .thread_groups()
        .iter()
        .any(|p| p.pgid.load(Ordering::SeqCst) == tg.tgid);
    if pgid_taken {
        return Err(Errno::EPERM);
    }
    tg.sid.store(tg.tgid, Ordering::SeqCst);
    tg.pgid.store(tg.tgid, Ordering::SeqCst);
    crate::tty::clear_controlling_terminal(tg);
    Ok(tg.tgid as u64)
}

/// `setpgid(pid, pgid)`: the caller or one of its children joins or creates a process
/// group in the caller's session.
pub(super) fn setpgid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (pid, pgid) = (a[0] as i32, a[1] as i32);
    if pgid < 0 || pid < 0 {
        return Err(Errno::EINVAL);
    }
    let me = &sc.task.tg;
    let target = if pid == 0 || pid == me.tgid {
        me.clone()
    } else {
        me.children
            .lock()
            .iter()
            // A child that has exited but is not reaped yet still counts, as Linux.
            .find(|c| c.tgid == pid)
            .cloned()
            .ok_or(Errno::ESRCH)?
    };
    if !Arc::ptr_eq(&target, me) && target.did_exec.load(Ordering::SeqCst) {
        return Err(Errno::EACCES);
    }
    let pgid = if pgid == 0 { target.tgid } else { pgid };
    let my_sid = me.sid.load(Ordering::SeqCst);
    if target.sid.load(Ordering::SeqCst) != my_sid
        || target.sid.load(Ordering::SeqCst) == target.tgid
    {
        return Err(Errno::EPERM);
    }
    if pgid != target.tgid {
        let exists = sc.task.kernel.thread_groups().iter().any(|p| {
            p.pgid.load(Ordering::SeqCst) == pgid && p.sid.load(Ordering::SeqCst) == my_sid
        });
        if !exists {
            return Err(Errno::EPERM);
        }
    }
    target.pgid.store(pgid, Ordering::SeqCst);
    Ok(0)
}
