//! Credential calls: the `get*id`/`set*id` families, supplementary groups, and
//! `capget`/`capset`. The rules are in `crate::creds`; these decode and copy.

use std::sync::Arc;

use veil_abi::Errno;

use super::{SysResult, SyscallCtx};
use crate::creds::{Credentials, NGROUPS_MAX};

/// Publishes `new` as the caller's credentials.
fn commit(sc: &SyscallCtx<'_>, new: Result<Credentials, Errno>) -> SysResult {
    sc.task.set_creds(Arc::new(new?));
    Ok(0)
}

/// `getuid()`.
pub(super) fn getuid(sc: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    Ok(u64::from(sc.task.creds().uid.real))
}

/// `geteuid()`.
pub(super) fn geteuid(sc: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    Ok(u64::from(sc.task.creds().uid.effective))
}

/// `getgid()`.
pub(super) fn getgid(sc: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    Ok(u64::from(sc.task.creds().gid.real))
}

/// `getegid()`.
pub(super) fn getegid(sc: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    Ok(u64::from(sc.task.creds().gid.effective))
}

fn write_three(sc: &SyscallCtx<'_>, addrs: [u64; 3], ids: [u32; 3]) -> SysResult {
    let mm = sc.task.mm();
    for (addr, id) in addrs.into_iter().zip(ids) {
        mm.write_obj(addr, &id)?;
    }
    Ok(0)
}

/// `getresuid(ruid, euid, suid)`.
pub(super) fn getresuid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let u = sc.task.creds().uid;
    write_three(sc, [a[0], a[1], a[2]], [u.real, u.effective, u.saved])
}

/// `getresgid(rgid, egid, sgid)`.
pub(super) fn getresgid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let g = sc.task.creds().gid;
    write_three(sc, [a[0], a[1], a[2]], [g.real, g.effective, g.saved])
}

/// `setuid(uid)`.
pub(super) fn setuid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    commit(sc, sc.task.creds().setuid(a[0] as u32))
}

/// `setgid(gid)`.
pub(super) fn setgid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    commit(sc, sc.task.creds().setgid(a[0] as u32))
}

/// `setreuid(ruid, euid)`.
pub(super) fn setreuid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    commit(sc, sc.task.creds().setreuid(a[0] as u32, a[1] as u32))
}

/// `setregid(rgid, egid)`.
pub(super) fn setregid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    commit(sc, sc.task.creds().setregid(a[0] as u32, a[1] as u32))
}

/// `setresuid(ruid, euid, suid)`.
pub(super) fn setresuid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    commit(
        sc,
        sc.task
            .creds()
            .setresuid(a[0] as u32, a[1] as u32, a[2] as u32),
    )
}

/// `setresgid(rgid, egid, sgid)`.
pub(super) fn setresgid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    commit(
        sc,
        sc.task
            .creds()
            .setresgid(a[0] as u32, a[1] as u32, a[2] as u32),
    )
}

/// `setfsuid(fsuid)`: returns the old file-system uid, whether or not it changed.
pub(super) fn setfsuid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let old = sc.task.creds();
    sc.task.set_creds(Arc::new(old.setfsuid(a[0] as u32)));
    Ok(u64::from(old.uid.fs))
}

/// `setfsgid(fsgid)`: returns the old file-system gid, whether or not it changed.
pub(super) fn setfsgid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let old = sc.task.creds();
    sc.task.set_creds(Arc::new(old.setfsgid(a[0] as u32)));
    Ok(u64::from(old.gid.fs))
}

/// `getgroups(size, list)`: `size` 0 asks for the count; a smaller non-zero size is
/// `EINVAL`.
pub(super) fn getgroups(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let size = a[0] as i32;
    let groups = sc.task.creds().groups.clone();
    if size < 0 {
        return Err(Errno::EINVAL);
    }
    if size == 0 {
        return Ok(groups.len() as u64);
    }
    if (size as usize) < groups.len() {
        return Err(Errno::EINVAL);
    }
    sc.task.mm().copy_out(a[1], bytemuck::cast_slice(&groups))?;
    Ok(groups.len() as u64)
}

/// `setgroups(size, list)`.
pub(super) fn setgroups(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let size = a[0] as i32;
    if size < 0 || size as usize > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    let mut groups = vec![0u32; size as usize];
    sc.task
        .mm()
        .copy_in(a[1], bytemuck::cast_slice_mut(&mut groups))?;
    commit(sc, sc.task.creds().setgroups(groups))
}

/// `_LINUX_CAPABILITY_VERSION_1`: one 32-bit word per set.
const CAP_V1: u32 = 0x1998_0330;
/// `_LINUX_CAPABILITY_VERSION_2` (deprecated) and `_3`: two words per set.
const CAP_V2: u32 = 0x2007_1026;
const CAP_V3: u32 = 0x2008_0522;

/// Reads `cap_user_header_t` and checks its version: an unknown one is `EINVAL`, with
/// the version the kernel prefers written back (how libcap probes). Returns the words
/// per set (`None` for an unknown version) and the pid.
fn cap_header(sc: &SyscallCtx<'_>, addr: u64) -> Result<(Option<usize>, i32), Errno> {
    let [version, pid]: [u32; 2] = sc.task.mm().read_obj(addr)?;
    let words = match version {
        CAP_V1 => Some(1),
        CAP_V2 | CAP_V3 => Some(2),
        _ => {
            sc.task.mm().write_obj(addr, &CAP_V3)?;
            None
        }
    };
    Ok((words, pid as i32))
}

/// The credentials of the thread `pid` names (0: the caller).
fn creds_of(sc: &SyscallCtx<'_>, pid: i32) -> Result<Arc<Credentials>, Errno> {
    if pid == 0 || pid == sc.task.tid {
        return Ok(sc.task.creds());
    }
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    sc.task
        .kernel
        .find_task(pid)
        .map(|t| t.creds())
        .ok_or(Errno::ESRCH)
}

/// `capget(hdrp, datap)`: the effective, permitted and inheritable sets of a thread.
/// A null `datap` only probes the version: 0 even for an unknown one.
pub(super) fn capget(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (words, pid) = cap_header(sc, a[0])?;
    if a[1] == 0 {
        return Ok(0);
    }
    let words = words.ok_or(Errno::EINVAL)?;
    let c = creds_of(sc, pid)?;
    let mut data = Vec::with_capacity(words * 3);
    for w in 0..words {
        let part = |set: u64| (set >> (32 * w)) as u32;
        data.extend([part(c.effective), part(c.permitted), part(c.inheritable)]);
    }
    sc.task.mm().copy_out(a[1], bytemuck::cast_slice(&data))?;
    Ok(0)
}

/// `capset(hdrp, datap)`: only the caller's own sets.
pub(super) fn capset(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (words, pid) = cap_header(sc, a[0])?;
    let words = words.ok_or(Errno::EINVAL)?;
    if pid != 0 && pid != sc.task.tid {
        return Err(Errno::EPERM);
    }
    let mut data = vec![0u32; words * 3];
    sc.task
        .mm()
        .copy_in(a[1], bytemuck::cast_slice_mut(&mut data))?;
    let (mut e, mut p, mut i) = (0u64, 0u64, 0u64);
    for w in 0..words {
        e |= u64::from(data[3 * w]) << (32 * w);
        p |= u64::from(data[3 * w + 1]) << (32 * w);
        i |= u64::from(data[3 * w + 2]) << (32 * w);
    }
    let old = sc.task.creds();
    // Version 1 speaks for the low 32 capabilities only: the others stay as they are.
    if words == 1 {
        let high = !0xffff_ffffu64;
        e |= old.effective & high;
        p |= old.permitted & high;
        i |= old.inheritable & high;
    }
    commit(sc, old.capset(e, p, i))
}
