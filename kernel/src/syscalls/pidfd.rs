//! `pidfd_open`, `pidfd_send_signal` and `pidfd_getfd` (the file is
//! [`crate::pidfd::PidFd`]; `CLONE_PIDFD` and `waitid(P_PIDFD)` use it too).

use std::sync::Arc;

use veil_abi::flags::open::{O_NONBLOCK, O_RDWR};
use veil_abi::Errno;
use veil_vfs::OpenFile;

use super::fd::nofile_limit;
use super::process_vm::may_access_memory;
use super::sigqueue::{checked_signal, may_signal, read_info};
use super::{fd_arg, SysResult, SyscallCtx};
use crate::pidfd::PidFd;
use crate::signal::{SigInfo, SI_USER};
use crate::thread_group::ThreadGroup;

/// `PIDFD_NONBLOCK`, the one flag of `pidfd_open` Veil offers (`PIDFD_THREAD` names
/// a thread, which pidfds here do not).
const PIDFD_NONBLOCK: u64 = O_NONBLOCK as u64;

/// Installs a pidfd of `tg` in the caller's table (close-on-exec, as Linux's are);
/// returns the descriptor.
pub(super) fn install_pidfd(
    sc: &SyscallCtx<'_>,
    tg: &Arc<ThreadGroup>,
    nonblock: bool,
) -> Result<u64, Errno> {
    let flags = O_RDWR | if nonblock { O_NONBLOCK } else { 0 };
    let file = OpenFile::new(
        Arc::new(PidFd { tg: tg.clone() }),
        flags,
        "anon_inode:[pidfd]".into(),
    );
    let limit = nofile_limit(sc);
    sc.task
        .files
        .install(file, true, 0, limit)
        .map(|fd| fd as u64)
}

/// The process the pidfd `fd` names (an open `/proc/<pid>` directory counts, as in
/// Linux); `EBADF` if `fd` is not open or names no process.
pub(super) fn pidfd_process(sc: &SyscallCtx<'_>, fd: u64) -> Result<Arc<ThreadGroup>, Errno> {
    let file = sc.task.files.get(fd_arg(fd))?;
    if let Some(p) = PidFd::of(&file) {
        return Ok(p.tg.clone());
    }
    file.location
        .as_ref()
        .and_then(|l| crate::procfs::process_of_dir(l.inode()))
        .ok_or(Errno::EBADF)
}

/// `pidfd_open(pid, flags)`: a pidfd of the process `pid` (`ESRCH` if there is none,
/// `EINVAL` for a thread that does not lead its process or unknown flags).
pub(super) fn pidfd_open(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (pid, flags) = (a[0] as i32, a[1]);
    if flags & !PIDFD_NONBLOCK != 0 || pid <= 0 {
        return Err(Errno::EINVAL);
    }
    let kernel = &sc.task.kernel;
    let tg = match kernel.thread_group(pid) {
        Some(tg) if !tg.reaped.load(std::sync::atomic::Ordering::SeqCst) => tg,
        _ => {
            return Err(if kernel.find_task(pid).is_some() {
                Errno::EINVAL
            } else {
                Errno::ESRCH
            })
        }
    };
    install_pidfd(sc, &tg, flags & PIDFD_NONBLOCK != 0)
}

/// `pidfd_send_signal(pidfd, sig, info, flags)`: `kill` of the process the pidfd
/// names; `info`, if given, as `rt_sigqueueinfo`'s. `ESRCH` once it is reaped.
pub(super) fn pidfd_send_signal(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if a[3] != 0 {
        return Err(Errno::EINVAL);
    }
    let tg = pidfd_process(sc, a[0])?;
    let sig = checked_signal(a[1])?;
    if tg.reaped.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(Errno::ESRCH);
    }
    let to_self = Arc::ptr_eq(&tg, &sc.task.tg);
    let info = if a[2] != 0 {
        read_info(sc, a[2], sig, to_self)?
    } else {
        SigInfo::user(sig, SI_USER, sc.task.tg.tgid)
    };
    if !may_signal(sc.task, &tg) {
        return Err(Errno::EPERM);
    }
    if sig != 0 && tg.exit_status().is_none() {
        tg.send_signal(info);
    }
    Ok(0)
}

/// `pidfd_getfd(pidfd, targetfd, flags)`: a duplicate of the descriptor `targetfd` of
/// the process the pidfd names (close-on-exec), if the caller may look into it
/// (`EPERM`).
pub(super) fn pidfd_getfd(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if a[2] != 0 {
        return Err(Errno::EINVAL);
    }
    // Only a real pidfd here (a /proc/<pid> directory is EBADF, as in Linux).
    let file = sc.task.files.get(fd_arg(a[0]))?;
    let tg = PidFd::of(&file).map(|p| p.tg.clone()).ok_or(Errno::EBADF)?;
    let target = tg.tasks().into_iter().next().ok_or(Errno::ESRCH)?;
    if !may_access_memory(sc.task, &target) {
        return Err(Errno::EPERM);
    }
    let file = target.files.get(fd_arg(a[1]))?;
    let limit = nofile_limit(sc);
    sc.task
        .files
        .install(file, true, 0, limit)
        .map(|fd| fd as u64)
}
