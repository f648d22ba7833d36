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

/// `uname(buf)`: Veil's own release, never the host's.
pub(super) fn uname(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let u = Utsname {
        sysname: field("Linux"),
        nodename: field(&sc.task.kernel.config.hostname),
        release: field(KERNEL_RELEASE),
        version: field(KERNEL_VERSION),
        machine: field("x86_64"),
        domainname: field("(none)"),
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

// Credentials: the sandbox runs with the identity of the user who started it until
// the processes issue gives it its own user namespace.

/// `getuid()`.
pub(super) fn getuid(_: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    Ok(u64::from(nix::unistd::getuid().as_raw()))
}

/// `geteuid()`.
pub(super) fn geteuid(_: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    Ok(u64::from(nix::unistd::geteuid().as_raw()))
}

/// `getgid()`.
pub(super) fn getgid(_: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    Ok(u64::from(nix::unistd::getgid().as_raw()))
}

/// `getegid()`.
pub(super) fn getegid(_: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    Ok(u64::from(nix::unistd::getegid().as_raw()))
}

/// `getresuid(ruid, euid, suid)`.
pub(super) fn getresuid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let r = nix::unistd::getresuid().map_err(|e| veil_abi::Errno(e as i32))?;
    for (addr, id) in [(a[0], r.real), (a[1], r.effective), (a[2], r.saved)] {
        sc.task.mm().write_obj(addr, &id.as_raw())?;
    }
    Ok(0)
}

/// `getresgid(rgid, egid, sgid)`.
pub(super) fn getresgid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let r = nix::unistd::getresgid().map_err(|e| veil_abi::Errno(e as i32))?;
    for (addr, id) in [(a[0], r.real), (a[1], r.effective), (a[2], r.saved)] {
        sc.task.mm().write_obj(addr, &id.as_raw())?;
    }
    Ok(0)
}

/// `getgroups(size, list)`: the sandbox has no supplementary groups.
pub(super) fn getgroups(_: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if (a[0] as i32) < 0 {
        return Err(veil_abi::Errno::EINVAL);
    }
    Ok(0)
}
