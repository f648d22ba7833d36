//! Descriptor-table calls: close, dup family, fcntl, ioctl.

use veil_abi::flags::fcntl::*;
use veil_abi::flags::ioctl::*;
use veil_abi::flags::open::O_CLOEXEC;
use veil_abi::flags::rlimit::RLIMIT_NOFILE;
use veil_abi::Errno;

use super::record_lock::{F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW};
use super::{fd_arg, SysResult, SyscallCtx};

/// The caller's `RLIMIT_NOFILE` soft limit.
pub(super) fn nofile_limit(sc: &SyscallCtx<'_>) -> u64 {
    sc.task.tg.rlimits.lock()[RLIMIT_NOFILE as usize].cur
}

/// `close(fd)`.
pub(super) fn close(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let fd = fd_arg(a[0]);
    let watched = !sc.task.kernel.inotify.is_idle();
    let file = if watched {
        sc.task.files.get(fd).ok()
    } else {
        None
    };
    sc.task.files.close(fd)?;
    // The last descriptor of the description: inotify's close event.
    if let Some(file) = file.filter(|f| std::sync::Arc::strong_count(f) == 1) {
        let mask = if file.writable() {
            crate::inotify::IN_CLOSE_WRITE
        } else {
            crate::inotify::IN_CLOSE_NOWRITE
        };
        crate::inotify::notify_file(&sc.task.kernel, &file, mask);
    }
    Ok(0)
}

/// `dup(fd)`.
pub(super) fn dup(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    let limit = nofile_limit(sc);
    sc.task
        .files
        .install(file, false, 0, limit)
        .map(|fd| fd as u64)
}

fn dup_to(sc: &SyscallCtx<'_>, old: i32, new: i32, cloexec: bool) -> SysResult {
    let file = sc.task.files.get(old)?;
    if new < 0 {
        return Err(Errno::EBADF);
    }
    sc.task
        .files
        .install_at(new, file, cloexec, nofile_limit(sc))?;
    Ok(new as u64)
}

/// `dup2(oldfd, newfd)`: same descriptor → returns it if open.
pub(super) fn dup2(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (old, new) = (fd_arg(a[0]), fd_arg(a[1]));
    if old == new {
        sc.task.files.get(old)?;
        return Ok(new as u64);
    }
    dup_to(sc, old, new, false)
}

/// `dup3(oldfd, newfd, flags)`: flags only `O_CLOEXEC`; same descriptor is `EINVAL`.
pub(super) fn dup3(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (old, new, flags) = (fd_arg(a[0]), fd_arg(a[1]), a[2] as u32);
    if flags & !O_CLOEXEC != 0 || old == new {
        return Err(Errno::EINVAL);
    }
    dup_to(sc, old, new, flags & O_CLOEXEC != 0)
}

/// `fcntl(fd, cmd, arg)`.
pub(super) fn fcntl(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let fd = fd_arg(a[0]);
    let file = sc.task.files.get(fd)?;
    match a[1] as u32 {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let min = a[2] as i32;
            let limit = nofile_limit(sc);
            if min < 0 || min as u64 >= limit {
                return Err(Errno::EINVAL);
            }
            let cloexec = a[1] as u32 == F_DUPFD_CLOEXEC;
            sc.task
                .files
                .install(file, cloexec, min, limit)
                .map(|fd| fd as u64)
        }
        F_GETFD => Ok(if sc.task.files.cloexec(fd)? {
            FD_CLOEXEC as u64
        } else {
            0
        }),
        F_SETFD => {
            sc.task
                .files
                .set_cloexec(fd, a[2] & u64::from(FD_CLOEXEC) != 0)?;
            Ok(0)
        }
        F_GETFL => Ok(u64::from(file.flags())),
        F_SETFL => {
            if file.is_path_only() {
                return Err(Errno::EBADF);
            }
            file.set_status_flags(a[2] as u32);
            Ok(0)
        }
        F_GETPIPE_SZ => file.ops.pipe_capacity().map(|n| n as u64),
        F_ADD_SEALS => {
            let memfd = crate::memfd::as_memfd(&*file.ops).ok_or(Errno::EINVAL)?;
            if !file.writable() {
                return Err(Errno::EPERM);
            }
            memfd.add_seals(a[2] as u32).map(|()| 0)
        }
        F_GET_SEALS => crate::memfd::as_memfd(&*file.ops)
            .map(|m| u64::from(m.seals()))
            .ok_or(Errno::EINVAL),
        F_SETPIPE_SZ => file
            .ops
            .set_pipe_capacity((a[2] as u32) as usize)
            .map(|n| n as u64),
        F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW => {
            super::record_lock::fcntl_lock(sc, fd, a[1] as u32, a[2])
        }
        _ => Err(Errno::EINVAL),
    }
}

/// `ioctl(fd, request, arg)`.
pub(super) fn ioctl(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let fd = fd_arg(a[0]);
    let file = sc.task.files.get(fd)?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    let request = a[1] & 0xffff_ffff;
    if let Some(tty) = crate::tty::as_tty(&*file.ops) {
        if ![FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC].contains(&request) {
            return crate::tty::ioctl(sc.task, tty, request, a[2]);
        }
    }
    if let Some(r) = super::inet::socket_ioctl(sc, &file, request, a[2]) {
        return r;
    }
    match request {
        // O_NONBLOCK and O_ASYNC of the description, as F_SETFL sets them.
        FIONBIO | FIOASYNC => {
            let on: i32 = sc.task.mm().read_obj(a[2])?;
            let bit = if request == FIONBIO {
                veil_abi::flags::open::O_NONBLOCK
            } else {
                veil_abi::flags::open::O_ASYNC
            };
            let flags = file.flags();
            file.set_status_flags(if on != 0 { flags | bit } else { flags & !bit });
            Ok(0)
        }
        FIOCLEX => sc.task.files.set_cloexec(fd, true).map(|()| 0),
        FIONCLEX => sc.task.files.set_cloexec(fd, false).map(|()| 0),
        TCGETS => {
            let t = file.ops.tcgets()?;
            sc.task.mm().write_obj(a[2], &t).map(|()| 0)
        }
        TIOCGWINSZ => {
            let w = file.ops.winsize()?;
            sc.task.mm().write_obj(a[2], &w).map(|()| 0)
        }
        FIONREAD => {
            let n = file.ops.unread_bytes()?;
            sc.task
                .mm()
                .write_obj(a[2], &(n.min(i32::MAX as usize) as i32))
                .map(|()| 0)
        }
        _ => Err(Errno::ENOTTY),
    }
}

/// `fadvise64(fd, offset, len, advice)`: validated; the advice itself changes nothing
/// Veil does (reads go to the host, which has its own page cache).
pub(super) fn fadvise64(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    if a[3] > 5 {
        return Err(Errno::EINVAL);
    }
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    let st = file.ops.stat()?;
    if st.st_mode & veil_abi::flags::mode::S_IFMT == veil_abi::flags::mode::S_IFIFO {
        return Err(Errno::ESPIPE);
    }
    if (a[2] as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

fn do_pipe(sc: &SyscallCtx<'_>, fds_addr: u64, flags: u32) -> SysResult {
    use veil_abi::flags::open::{O_DIRECT, O_NONBLOCK, O_RDONLY, O_WRONLY};
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(Errno::EINVAL);
    }
    let (r, w) = crate::pipe::new_pipe(flags & O_NONBLOCK != 0);
    // Packet mode is the writer's: its writes are packets (Linux gives O_DIRECT to
    // the write end only).
    w.set_packet_mode(flags & O_DIRECT != 0);
    let cloexec = flags & O_CLOEXEC != 0;
    let status = flags & O_NONBLOCK;
    let limit = nofile_limit(sc);
    let files = &sc.task.files;
    let rfd = files.install(
        veil_vfs::OpenFile::new(r, O_RDONLY | status, "pipe".into()),
        cloexec,
        0,
        limit,
    )?;
    let wfd = match files.install(
        veil_vfs::OpenFile::new(w, O_WRONLY | status | (flags & O_DIRECT), "pipe".into()),
        cloexec,
        0,
        limit,
    ) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = files.close(rfd);
            return Err(e);
        }
    };
    if let Err(e) = sc.task.mm().write_obj(fds_addr, &[rfd, wfd]) {
        // Undo: the guest never learns the descriptors.
        let _ = files.close(rfd);
        let _ = files.close(wfd);
        return Err(e);
    }
    Ok(0)
}

/// `pipe(fds)`.
pub(super) fn pipe(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_pipe(sc, a[0], 0)
}

/// `pipe2(fds, flags)`: `O_CLOEXEC`, `O_NONBLOCK`, `O_DIRECT` (packet mode).
pub(super) fn pipe2(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_pipe(sc, a[0], a[1] as u32)
}

/// `close_range(first, last, flags)`: `CLOSE_RANGE_CLOEXEC` marks instead of closing;
/// `CLOSE_RANGE_UNSHARE` gives the caller its own table first.
pub(super) fn close_range(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    const CLOSE_RANGE_UNSHARE: u64 = 2;
    const CLOSE_RANGE_CLOEXEC: u64 = 4;
    let (first, last, flags) = (a[0] as u32, a[1] as u32, a[2]);
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(Errno::EINVAL);
    }
    // The table is shared only with CLONE_FILES threads or processes; unsharing it
    // would need a per-task table slot, so UNSHARE acts on the shared table (partial).
    sc.task
        .files
        .close_range(first, last, flags & CLOSE_RANGE_CLOEXEC != 0);
    Ok(0)
}
