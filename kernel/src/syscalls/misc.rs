//! The rest a libc start-up needs: arch_prctl, resource limits, randomness, affinity.

use std::sync::Arc;

use veil_abi::flags::arch_prctl::*;
use veil_abi::flags::random::*;
use veil_abi::flags::rlimit::RLIM_NLIMITS;
use veil_abi::structs::Rlimit;
use veil_abi::Errno;
use veil_platform::MAX_USER_ADDRESS;

use super::{SysResult, SyscallCtx};

/// `arch_prctl(code, addr)`.
pub(super) fn arch_prctl(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (code, addr) = (a[0], a[1]);
    match code {
        ARCH_SET_FS | ARCH_SET_GS => {
            if addr >= MAX_USER_ADDRESS {
                return Err(Errno::EPERM);
            }
            if code == ARCH_SET_FS {
                sc.regs.0.fs_base = addr;
            } else {
                sc.regs.0.gs_base = addr;
            }
            Ok(0)
        }
        ARCH_GET_FS => sc.task.mm().write_obj(addr, &sc.regs.0.fs_base).map(|()| 0),
        ARCH_GET_GS => sc.task.mm().write_obj(addr, &sc.regs.0.gs_base).map(|()| 0),
        ARCH_GET_CPUID => Ok(1),
        ARCH_SET_CPUID => Err(Errno::ENODEV),
        _ => Err(Errno::EINVAL),
    }
}

fn resource(r: u64) -> Result<usize, Errno> {
    if r < u64::from(RLIM_NLIMITS) {
        Ok(r as usize)
    } else {
        Err(Errno::EINVAL)
    }
}

/// `prlimit64(pid, resource, new, old)`.
pub(super) fn prlimit64(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    const CAP_SYS_RESOURCE: u32 = 24;
    let pid = a[0] as i32;
    let r = resource(a[1])?;
    let target = match pid {
        0 => sc.task.tg.clone(),
        p if p < 0 => return Err(Errno::EINVAL),
        p => sc
            .task
            .kernel
            .find_task(p)
            .map(|t| t.tg.clone())
            .ok_or(Errno::ESRCH)?,
    };
    let me = sc.task.creds();
    if !Arc::ptr_eq(&target, &sc.task.tg) && !me.has(CAP_SYS_RESOURCE) {
        // Another process's limits: only with the same ids (prlimit(2)).
        let same = target.tasks().first().is_none_or(|t| {
            let c = t.creds();
            [c.uid.real, c.uid.effective, c.uid.saved]
                .iter()
                .all(|&u| u == me.uid.real)
                && [c.gid.real, c.gid.effective, c.gid.saved]
                    .iter()
                    .all(|&g| g == me.gid.real)
        });
        if !same {
            return Err(Errno::EPERM);
        }
    }
    let new = if a[2] != 0 {
        let lim: Rlimit = sc.task.mm().read_obj(a[2])?;
        if lim.cur > lim.max {
            return Err(Errno::EINVAL);
        }
        Some(lim)
    } else {
        None
    };
    let old = {
        let mut limits = target.rlimits.lock();
        let old = limits[r];
        if let Some(lim) = new {
            if lim.max > old.max && !me.has(CAP_SYS_RESOURCE) {
                return Err(Errno::EPERM);
            }
            limits[r] = lim;
        }
        old
    };
    if a[3] != 0 {
        sc.task.mm().write_obj(a[3], &old)?;
    }
    Ok(0)
}

/// `getrlimit(resource, rlim)`.
pub(super) fn getrlimit(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let r = resource(a[0])?;
    let lim = sc.task.tg.rlimits.lock()[r];
    sc.task.mm().write_obj(a[1], &lim).map(|()| 0)
}

/// `setrlimit(resource, rlim)`.
pub(super) fn setrlimit(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    prlimit64(sc, [0, a[0], a[1], 0, 0, 0])
}

/// Largest single `getrandom` request served (Linux caps at `INT_MAX` too; we fill in
/// pieces so a huge buffer is not allocated at once).
const RANDOM_CHUNK: usize = 1 << 16;

/// `getrandom(buf, buflen, flags)`.
pub(super) fn getrandom(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (buf, len, flags) = (a[0], a[1].min(i32::MAX as u64), a[2] as u32);
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_RANDOM | GRND_INSECURE) == GRND_RANDOM | GRND_INSECURE
    {
        return Err(Errno::EINVAL);
    }
    let mut chunk = vec![0u8; (len as usize).min(RANDOM_CHUNK)];
    let mut done = 0u64;
    while done < len {
        let n = ((len - done) as usize).min(chunk.len());
        crate::loader::getrandom_host(&mut chunk[..n]);
        if let Err(e) = sc.task.mm().copy_out(buf.wrapping_add(done), &chunk[..n]) {
            return if done == 0 { Err(e) } else { Ok(done) };
        }
        done += n as u64;
    }
    Ok(done)
}

fn ncpus() -> usize {
    crate::sched::sandbox_cpus()
}

/// The task `pid` names for the affinity calls (0: the caller); `ESRCH` if none.
fn affinity_target(
    sc: &SyscallCtx<'_>,
    pid: i32,
) -> Result<std::sync::Arc<crate::task::Task>, Errno> {
    if pid == 0 {
        return Ok(sc.task.clone());
    }
    if pid < 0 {
        return Err(Errno::ESRCH);
    }
    sc.task.kernel.find_task(pid).ok_or(Errno::ESRCH)
}

/// `sched_getaffinity(pid, len, mask)`: the task's mask (every CPU unless it set
/// one); `len` must hold the sandbox's CPUs and be a multiple of 8 (`EINVAL`).
/// Returns the bytes written.
pub(super) fn sched_getaffinity(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (pid, len) = (a[0] as i32, a[1]);
    let n = ncpus();
    let mask_bytes = n.div_ceil(64) * 8;
    if (len as usize) < mask_bytes || len % 8 != 0 {
        return Err(Errno::EINVAL);
    }
    let target = affinity_target(sc, pid)?;
    let bits = target.sched.lock().affinity_mask();
    let mut mask = vec![0u8; mask_bytes];
    for cpu in 0..n.min(64) {
        if bits & (1 << cpu) != 0 {
            mask[cpu / 8] |= 1 << (cpu % 8);
        }
    }
    sc.task.mm().copy_out(a[2], &mask)?;
    Ok(mask_bytes as u64)
}

/// `sched_setaffinity(pid, len, mask)`: keeps the CPUs of `mask` the sandbox offers
/// (`EINVAL` if none); the host still places the stub threads itself.
pub(super) fn sched_setaffinity(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (pid, len) = (a[0] as i32, (a[1] as usize).min(1024));
    let target = affinity_target(sc, pid)?;
    let mut mask = vec![0u8; len];
    sc.task.mm().copy_in(a[2], &mut mask)?;
    let mut bits = 0u64;
    for cpu in 0..ncpus().min(64) {
        if mask.get(cpu / 8).is_some_and(|b| b & (1 << (cpu % 8)) != 0) {
            bits |= 1 << cpu;
        }
    }
    if bits == 0 {
        return Err(Errno::EINVAL);
    }
    target.sched.lock().affinity = if bits == crate::sched::all_cpus_mask() {
        0
    } else {
        bits
    };
    Ok(0)
}

/// `sched_yield()`.
pub(super) fn sched_yield(_: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    std::thread::yield_now();
    Ok(0)
}

/// `sysinfo(info)`: uptime of the sandbox, the host's memory figures, the sandbox's
/// thread count.
pub(super) fn sysinfo(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let host = nix::sys::sysinfo::sysinfo().map_err(|e| Errno(e as i32))?;
    let info = veil_abi::structs::Sysinfo {
        // Whole seconds, rounded up as Linux does.
        uptime: sc.task.kernel.boot.elapsed().as_secs_f64().ceil() as i64,
        loads: [0; 3],
        totalram: host.ram_total(),
        freeram: host.ram_unused(),
        totalswap: host.swap_total(),
        freeswap: host.swap_free(),
        procs: sc.task.tg.tasks().len() as u16,
        mem_unit: 1,
        ..Default::default()
    };
    sc.task.mm().write_obj(a[0], &info).map(|()| 0)
}

/// `prctl(option, arg2, arg3, arg4, arg5)`: names, dumpable, no_new_privs, seccomp,
/// the parent death signal; other options are `EINVAL`.
pub(super) fn prctl(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    use std::sync::atomic::Ordering;
    const PR_SET_PDEATHSIG: u64 = 1;
    const PR_GET_PDEATHSIG: u64 = 2;
    const PR_GET_DUMPABLE: u64 = 3;
    const PR_SET_DUMPABLE: u64 = 4;
    const PR_SET_NAME: u64 = 15;
    const PR_GET_NAME: u64 = 16;
    const PR_GET_SECCOMP: u64 = 21;
    const PR_SET_SECCOMP: u64 = 22;
    const PR_SET_NO_NEW_PRIVS: u64 = 38;
    const PR_GET_NO_NEW_PRIVS: u64 = 39;
    const TASK_COMM_LEN: usize = 16;
    let tg = &sc.task.tg;
    match a[0] {
        PR_SET_PDEATHSIG => {
            if a[1] > u64::from(veil_abi::flags::signal::SIGRTMAX) {
                return Err(Errno::EINVAL);
            }
            tg.pdeath_signal.store(a[1] as u32, Ordering::SeqCst);
            Ok(0)
        }
        PR_GET_PDEATHSIG => {
            let sig = tg.pdeath_signal.load(Ordering::SeqCst) as i32;
            sc.task.mm().write_obj(a[1], &sig).map(|()| 0)
        }
        PR_GET_DUMPABLE => Ok(u64::from(tg.dumpable.load(Ordering::SeqCst))),
        PR_SET_DUMPABLE => match a[1] {
            0 | 1 => {
                tg.dumpable.store(a[1] == 1, Ordering::SeqCst);
                Ok(0)
            }
            _ => Err(Errno::EINVAL),
        },
        PR_SET_NAME => {
            let mut name = [0u8; TASK_COMM_LEN];
            // Up to 16 bytes, stopping early at an unreadable page, as strncpy_from_user.
            let raw = sc
                .task
                .mm()
                .copy_string_in(a[1], TASK_COMM_LEN - 1)
                .or_else(|e| {
                    if e == Errno::ENAMETOOLONG {
                        sc.task
                            .mm()
                            .copy_in(a[1], &mut name[..TASK_COMM_LEN - 1])
                            .map(|()| name[..TASK_COMM_LEN - 1].to_vec())
                    } else {
                        Err(e)
                    }
                })?;
            *sc.task.comm.lock() = raw[..raw.len().min(TASK_COMM_LEN - 1)].to_vec();
            Ok(0)
        }
        PR_GET_NAME => {
            let comm = sc.task.comm.lock().clone();
            let mut out = [0u8; TASK_COMM_LEN];
            out[..comm.len()].copy_from_slice(&comm);
            sc.task.mm().copy_out(a[1], &out).map(|()| 0)
        }
        PR_GET_SECCOMP => super::seccomp::get_mode(sc.task),
        PR_SET_SECCOMP => super::seccomp::prctl_set(sc, a[1], a[2]),
        PR_SET_NO_NEW_PRIVS => {
            if a[1] != 1 || a[2] != 0 || a[3] != 0 || a[4] != 0 {
                return Err(Errno::EINVAL);
            }
            tg.no_new_privs.store(true, Ordering::SeqCst);
            Ok(0)
        }
        PR_GET_NO_NEW_PRIVS => {
            if a[1] != 0 || a[2] != 0 || a[3] != 0 || a[4] != 0 {
                return Err(Errno::EINVAL);
            }
            Ok(u64::from(tg.no_new_privs.load(Ordering::SeqCst)))
        }
        _ => Err(Errno::EINVAL),
    }
}

/// `syslog(type, buf, len)` (glibc's `klogctl`): the sandbox's kernel log exists and
/// stays empty. Reading all or clearing returns 0 bytes, the sizes are those of an
/// empty 16 KiB buffer, a blocking read (`SYSLOG_ACTION_READ`) waits for a signal,
/// console settings need `CAP_SYSLOG` (or `CAP_SYS_ADMIN`); unknown types and bad
/// lengths are `EINVAL`.
pub(super) fn syslog(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    const LOG_BUF_LEN: u64 = 16 * 1024;
    const CAP_SYSLOG: u32 = 34;
    let (kind, buf, len) = (a[0] as i32, a[1], a[2] as i32);
    let creds = sc.task.creds();
    let privileged = creds.has(CAP_SYSLOG) || creds.has(crate::creds::CAP_SYS_ADMIN);
    match kind {
        // CLOSE, OPEN
        0 | 1 => Ok(0),
        // READ, READ_ALL, READ_CLEAR
        2..=4 => {
            if buf == 0 || len < 0 {
                return Err(Errno::EINVAL);
            }
            if kind != 3 && !privileged {
                return Err(Errno::EPERM);
            }
            if len == 0 {
                return Ok(0);
            }
            if kind == 2 {
                // Nothing will ever be logged: wait for a signal, as an empty log's
                // reader does.
                sc.task.block_until_interrupted();
                return Err(crate::signal::ERESTARTSYS);
            }
            Ok(0)
        }
        // CLEAR, CONSOLE_OFF, CONSOLE_ON
        5..=7 => {
            if !privileged {
                return Err(Errno::EPERM);
            }
            Ok(0)
        }
        // CONSOLE_LEVEL
        8 => {
            if !privileged {
                return Err(Errno::EPERM);
            }
            if !(1..=8).contains(&len) {
                return Err(Errno::EINVAL);
            }
            Ok(0)
        }
        // SIZE_UNREAD
        9 => Ok(0),
        // SIZE_BUFFER
        10 => Ok(LOG_BUF_LEN),
        _ => Err(Errno::EINVAL),
    }
}
