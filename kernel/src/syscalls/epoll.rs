//! epoll and eventfd calls.

use std::sync::Arc;
use std::time::{Duration, Instant};

use veil_abi::flags::mode::{S_IFDIR, S_IFMT, S_IFREG};
use veil_abi::flags::open::{O_CLOEXEC, O_NONBLOCK, O_RDWR};
use veil_abi::structs::Timespec;
use veil_abi::Errno;
use veil_vfs::OpenFile;

use super::fd::nofile_limit;
use super::poll::{read_mask, wait_ready, with_mask};
use super::time::timespec_duration;
use super::{fd_arg, SysResult, SyscallCtx};
use crate::epoll::{Epoll, EPOLLET, EPOLLEXCLUSIVE, EPOLLONESHOT, EPOLLWAKEUP};
use crate::eventfd::EventFd;

/// `sizeof(struct epoll_event)` on x86_64 (packed).
const EVENT_SIZE: usize = 12;

fn install(
    sc: &SyscallCtx<'_>,
    ops: Arc<dyn veil_vfs::FileOps>,
    name: &str,
    cloexec: bool,
    nonblock: bool,
) -> SysResult {
    let flags = O_RDWR | if nonblock { O_NONBLOCK } else { 0 };
    let file = OpenFile::new(ops, flags, name.into());
    sc.task
        .files
        .install(file, cloexec, 0, nofile_limit(sc))
        .map(|fd| fd as u64)
}

/// `epoll_create(size)`: size must be positive and is otherwise ignored.
pub(super) fn epoll_create(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if (a[0] as i32) <= 0 {
        return Err(Errno::EINVAL);
    }
    install(sc, Epoll::new(), "anon_inode:[eventpoll]", false, false)
}

/// `epoll_create1(flags)`: `EPOLL_CLOEXEC` only.
pub(super) fn epoll_create1(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let flags = a[0] as u32;
    if flags & !O_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    install(
        sc,
        Epoll::new(),
        "anon_inode:[eventpoll]",
        flags & O_CLOEXEC != 0,
        false,
    )
}

fn epoll_of(file: &OpenFile) -> Result<&Epoll, Errno> {
    file.ops
        .as_epoll_any()
        .and_then(|a| a.downcast_ref::<Epoll>())
        .ok_or(Errno::EINVAL)
}

/// `epoll_ctl(epfd, op, fd, event)`.
pub(super) fn epoll_ctl(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    const ADD: u64 = 1;
    const DEL: u64 = 2;
    const MOD: u64 = 3;
    let (epfd, op, fd) = (fd_arg(a[0]), a[1], fd_arg(a[2]));
    let ep_file = sc.task.files.get(epfd)?;
    let target = sc.task.files.get(fd)?;
    let ep = epoll_of(&ep_file)?;
    if epfd == fd {
        return Err(Errno::EINVAL);
    }
    let kind = target.ops.stat().map_or(0, |st| st.st_mode & S_IFMT);
    if kind == S_IFREG || kind == S_IFDIR {
        return Err(Errno::EPERM);
    }
    let read_event = || -> Result<(u32, u64), Errno> {
        let mut raw = [0u8; EVENT_SIZE];
        sc.task.mm().copy_in(a[3], &mut raw)?;
        let events = u32::from_le_bytes(raw[..4].try_into().map_err(|_| Errno::EFAULT)?);
        let data = u64::from_le_bytes(raw[4..].try_into().map_err(|_| Errno::EFAULT)?);
        Ok((events, data))
    };
    match op {
        ADD => {
            let (events, data) = read_event()?;
            if events & EPOLLEXCLUSIVE != 0 && events & EPOLLONESHOT != 0 {
                return Err(Errno::EINVAL);
            }
            if ep.would_loop(&target) {
                return Err(Errno::ELOOP);
            }
            ep.add(fd, &target, events & !EPOLLWAKEUP, data)?;
        }
        MOD => {
            let (events, data) = read_event()?;
            if events & EPOLLEXCLUSIVE != 0 {
                return Err(Errno::EINVAL);
            }
            ep.modify(fd, events & !EPOLLWAKEUP, data)?;
        }
        DEL => ep.remove(fd)?,
        _ => return Err(Errno::EINVAL),
    }
    Ok(0)
}

fn do_wait(
    sc: &SyscallCtx<'_>,
    epfd: i32,
    events_addr: u64,
    max: i32,
    deadline: Option<Instant>,
    mask: Option<u64>,
) -> SysResult {
    if max <= 0 || max as usize > i32::MAX as usize / EVENT_SIZE {
        return Err(Errno::EINVAL);
    }
    let ep_file = sc.task.files.get(epfd)?;
    let ep = epoll_of(&ep_file)?;
    sc.task.mm().check(
        events_addr,
        max as usize * EVENT_SIZE,
        crate::mm::Access::Write,
    )?;
    let ready = with_mask(sc, mask, || {
        // Epoll cannot tell whether a watched file is a host descriptor: treat it as
        // one may be.
        wait_ready(sc, deadline, Errno::EINTR, |waker| {
            let ready = ep.collect(max as usize, Some(waker));
            ((!ready.is_empty()).then_some(ready), true)
        })
    })?
    .unwrap_or_default();
    let mut raw = Vec::with_capacity(ready.len() * EVENT_SIZE);
    for (events, data) in &ready {
        raw.extend_from_slice(&(events & !(EPOLLET | EPOLLONESHOT)).to_le_bytes());
        raw.extend_from_slice(&data.to_le_bytes());
    }
    sc.task.mm().copy_out(events_addr, &raw)?;
    Ok(ready.len() as u64)
}

fn timeout_ms(t: i32) -> Option<Instant> {
    (t >= 0).then(|| crate::timers::deadline_after(Duration::from_millis(t as u64)))
}

/// `epoll_wait(epfd, events, maxevents, timeout_ms)`.
pub(super) fn epoll_wait(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_wait(
        sc,
        fd_arg(a[0]),
        a[1],
        a[2] as i32,
        timeout_ms(a[3] as i32),
        None,
    )
}

/// `epoll_pwait(epfd, events, maxevents, timeout_ms, sigmask, sigsetsize)`.
pub(super) fn epoll_pwait(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let mask = read_mask(sc, a[4], a[5])?;
    do_wait(
        sc,
        fd_arg(a[0]),
        a[1],
        a[2] as i32,
        timeout_ms(a[3] as i32),
        mask,
    )
}

/// `epoll_pwait2(epfd, events, maxevents, timeout, sigmask, sigsetsize)`.
pub(super) fn epoll_pwait2(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let deadline = if a[3] == 0 {
        None
    } else {
        let ts: Timespec = sc.task.mm().read_obj(a[3])?;
        Some(crate::timers::deadline_after(timespec_duration(&ts)?))
    };
    let mask = read_mask(sc, a[4], a[5])?;
    do_wait(sc, fd_arg(a[0]), a[1], a[2] as i32, deadline, mask)
}

/// `eventfd2(initval, flags)`: `EFD_CLOEXEC`, `EFD_NONBLOCK`, `EFD_SEMAPHORE`.
pub(super) fn eventfd2(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    const EFD_SEMAPHORE: u32 = 1;
    let (init, flags) = (a[0] as u32, a[1] as u32);
    if flags & !(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE) != 0 {
        return Err(Errno::EINVAL);
    }
    let nonblock = flags & O_NONBLOCK != 0;
    let efd = EventFd::new(u64::from(init), flags & EFD_SEMAPHORE != 0, nonblock);
    install(
        sc,
        efd,
        "anon_inode:[eventfd]",
        flags & O_CLOEXEC != 0,
        nonblock,
    )
}

/// `eventfd(initval)`.
pub(super) fn eventfd(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    eventfd2(sc, [a[0], 0, 0, 0, 0, 0])
}
