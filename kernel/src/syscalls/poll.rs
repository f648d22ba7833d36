//! Waiting on many descriptors: poll, ppoll, select, pselect6.
//!
//! Each file reports its readiness and, when asked, registers the calling task to be
//! woken on its next change (`FileOps::readiness`). A wait sleeps until woken, the
//! timeout, or a signal; files backed by host descriptors cannot wake anyone, so with
//! one of them in the set the wait also looks again every few milliseconds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use veil_abi::structs::{Timespec, Timeval};
use veil_abi::Errno;
use veil_vfs::file::{
    POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM,
};
use veil_vfs::PollWaker;

use super::fd::nofile_limit;
use super::time::timespec_duration;
use super::{SysResult, SyscallCtx};
use crate::signal::ERESTARTNOHAND;
use crate::task::BlockResult;

/// How often a wait that involves host descriptors looks again.
pub(super) const HOST_POLL_INTERVAL: Duration = Duration::from_millis(5);

/// One entry of a poll: descriptor and the events asked for; `revents` the answer.
struct Entry {
    fd: i32,
    events: u32,
    revents: u32,
}

/// Fills in `revents` of every entry, registering `waker` with every file.
/// Returns (how many entries are ready, whether a host descriptor is involved).
fn scan(
    sc: &SyscallCtx<'_>,
    entries: &mut [Entry],
    waker: Option<&Arc<dyn PollWaker>>,
) -> (usize, bool) {
    let mut ready = 0;
    let mut host = false;
    for e in entries.iter_mut() {
        e.revents = 0;
        if e.fd < 0 {
            continue;
        }
        let Ok(file) = sc.task.files.get(e.fd) else {
            e.revents = POLLNVAL;
            ready += 1;
            continue;
        };
        host |= file.ops.needs_polling();
        let r = file.ops.readiness(waker);
        // Errors and hang-ups are reported whether asked for or not.
        e.revents = r & (e.events | POLLERR | POLLHUP);
        if e.revents != 0 {
            ready += 1;
        }
    }
    (ready, host)
}

/// The wait loop of poll, select and epoll: `check` reports what is ready (`Some`) and
/// whether a host descriptor is involved, registering the given waker with every file
/// it asks. Sleeps until woken, `deadline` (then `None`), or a signal (then fails with
/// `interrupted`: `EINTR` for epoll, [`ERESTARTNOHAND`] for poll and select); with
/// host descriptors it looks again every few milliseconds.
pub(super) fn wait_ready<T>(
    sc: &SyscallCtx<'_>,
    deadline: Option<Instant>,
    interrupted: Errno,
    mut check: impl FnMut(&Arc<dyn PollWaker>) -> (Option<T>, bool),
) -> Result<Option<T>, Errno> {
    let waker: Arc<dyn PollWaker> = sc.task.clone();
    loop {
        sc.task.prepare_block();
        let (ready, host) = check(&waker);
        if ready.is_some() {
            return Ok(ready);
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            return Ok(None);
        }
        let until = if host {
            Some(deadline.map_or(now + HOST_POLL_INTERVAL, |d| {
                d.min(now + HOST_POLL_INTERVAL)
            }))
        } else {
            deadline
        };
        if sc.task.block(until) == BlockResult::Interrupted {
            return Err(interrupted);
        }
    }
}

/// Waits until an entry is ready, `deadline`, or a signal (`EINTR`); returns the number
/// of ready entries.
fn wait(
    sc: &SyscallCtx<'_>,
    entries: &mut [Entry],
    deadline: Option<Instant>,
) -> Result<usize, Errno> {
    let ready = wait_ready(sc, deadline, ERESTARTNOHAND, |waker| {
        let (ready, host) = scan(sc, entries, Some(waker));
        ((ready > 0).then_some(ready), host)
    })?;
    Ok(ready.unwrap_or(0))
}

/// Runs `f` with the signal mask `mask` in place (ppoll, pselect6, epoll_pwait). If `f`
/// was interrupted (`EINTR`, [`ERESTARTNOHAND`]) the temporary mask stays until the run
/// loop has set up the handler, whose frame saves the old mask (`Task::saved_mask`),
/// as Linux's `restore_saved_sigmask_unless` does; otherwise the old one is back at
/// once.
pub(super) fn with_mask<R>(
    sc: &SyscallCtx<'_>,
    mask: Option<u64>,
    f: impl FnOnce() -> Result<R, Errno>,
) -> Result<R, Errno> {
    let Some(mask) = mask else {
        return f();
    };
    let old = sc.task.set_mask(mask);
    let r = f();
    match r {
        Err(e) if e == Errno::EINTR || e == ERESTARTNOHAND => {
            *sc.task.saved_mask.lock() = Some(old);
        }
        _ => {
            sc.task.set_mask(old);
        }
    }
    r
}

fn read_entries(sc: &SyscallCtx<'_>, addr: u64, nfds: u64) -> Result<Vec<Entry>, Errno> {
    if nfds > nofile_limit(sc) {
        return Err(Errno::EINVAL);
    }
    let mut raw = vec![0u8; nfds as usize * 8];
    sc.task.mm().copy_in(addr, &mut raw)?;
    Ok(raw
        .chunks_exact(8)
        .map(|c| Entry {
            fd: i32::from_le_bytes(c[..4].try_into().unwrap_or_default()),
            events: u32::from(u16::from_le_bytes(c[4..6].try_into().unwrap_or_default())),
            revents: 0,
        })
        .collect())
}

fn write_entries(sc: &SyscallCtx<'_>, addr: u64, entries: &[Entry]) -> Result<(), Errno> {
    let mut raw = Vec::with_capacity(entries.len() * 8);
    for e in entries {
        raw.extend_from_slice(&e.fd.to_le_bytes());
        raw.extend_from_slice(&(e.events as u16).to_le_bytes());
        raw.extend_from_slice(&(e.revents as u16).to_le_bytes());
    }
    sc.task.mm().copy_out(addr, &raw)
}

fn do_poll(
    sc: &SyscallCtx<'_>,
    addr: u64,
    nfds: u64,
    deadline: Option<Instant>,
    mask: Option<u64>,
) -> SysResult {
    let mut entries = read_entries(sc, addr, nfds)?;
    let n = with_mask(sc, mask, || wait(sc, &mut entries, deadline))?;
    write_entries(sc, addr, &entries)?;
    Ok(n as u64)
}

/// `poll(fds, nfds, timeout_ms)`: a negative timeout waits for ever.
pub(super) fn poll(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let timeout = a[2] as i32;
    let deadline = (timeout >= 0)
        .then(|| crate::timers::deadline_after(Duration::from_millis(timeout as u64)));
    do_poll(sc, a[0], a[1], deadline, None)
}

/// Reads the optional signal mask argument of ppoll (`sigset_t *`, size).
pub(super) fn read_mask(sc: &SyscallCtx<'_>, addr: u64, size: u64) -> Result<Option<u64>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    Ok(Some(sc.task.mm().read_obj(addr)?))
}

/// `ppoll(fds, nfds, tmo_p, sigmask, sigsetsize)`.
pub(super) fn ppoll(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let deadline = if a[2] == 0 {
        None
    } else {
        let ts: Timespec = sc.task.mm().read_obj(a[2])?;
        Some(crate::timers::deadline_after(timespec_duration(&ts)?))
    };
    let mask = read_mask(sc, a[3], a[4])?;
    let r = do_poll(sc, a[0], a[1], deadline, mask);
    // As select, ppoll tells the time left (a restart after a signal goes on with it).
    if let Some(d) = deadline {
        let left = d.saturating_duration_since(Instant::now());
        let ts = Timespec {
            tv_sec: left.as_secs() as i64,
            tv_nsec: i64::from(left.subsec_nanos()),
        };
        sc.task.mm().write_obj(a[2], &ts)?;
    }
    r
}

/// Bits of an `fd_set` of `nfds` descriptors, read from guest memory (`None` for NULL).
fn read_set(sc: &SyscallCtx<'_>, addr: u64, nfds: usize) -> Result<Option<Vec<u64>>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let words = nfds.div_ceil(64);
    let mut v = vec![0u64; words];
    sc.task
        .mm()
        .copy_in(addr, bytemuck::cast_slice_mut(&mut v))?;
    Ok(Some(v))
}

fn do_select(
    sc: &SyscallCtx<'_>,
    nfds: i32,
    sets: [u64; 3],
    deadline: Option<Instant>,
    mask: Option<u64>,
) -> SysResult {
    if nfds < 0 {
        return Err(Errno::EINVAL);
    }
    let nfds = (nfds as usize).min(nofile_limit(sc).max(1024) as usize);
    let read = read_set(sc, sets[0], nfds)?;
    let write = read_set(sc, sets[1], nfds)?;
    let except = read_set(sc, sets[2], nfds)?;
    let bit = |set: &Option<Vec<u64>>, fd: usize| {
        set.as_ref()
            .is_some_and(|s| s[fd / 64] >> (fd % 64) & 1 == 1)
    };
    let mut entries = Vec::new();
    for fd in 0..nfds {
        let mut events = 0;
        if bit(&read, fd) {
            events |= POLLIN | POLLRDNORM | POLLHUP | POLLERR;
        }
        if bit(&write, fd) {
            events |= POLLOUT | POLLWRNORM | POLLERR;
        }
        if bit(&except, fd) {
            events |= POLLPRI;
        }
        if events != 0 {
            if sc.task.files.get(fd as i32).is_err() {
                return Err(Errno::EBADF);
            }
            entries.push(Entry {
                fd: fd as i32,
                events,
                revents: 0,
            });
        }
    }
    with_mask(sc, mask, || wait(sc, &mut entries, deadline))?;
    let words = nfds.div_ceil(64);
    let (mut r, mut w, mut x) = (vec![0u64; words], vec![0u64; words], vec![0u64; words]);
    let mut count = 0;
    for e in &entries {
        let (i, b) = (e.fd as usize / 64, 1u64 << (e.fd as usize % 64));
        if read.is_some()
            && e.revents & (POLLIN | POLLRDNORM | POLLHUP | POLLERR) != 0
            && bit(&read, e.fd as usize)
        {
            r[i] |= b;
            count += 1;
        }
        if write.is_some()
            && e.revents & (POLLOUT | POLLWRNORM | POLLERR) != 0
            && bit(&write, e.fd as usize)
        {
            w[i] |= b;
            count += 1;
        }
        if except.is_some() && e.revents & POLLPRI != 0 && bit(&except, e.fd as usize) {
            x[i] |= b;
            count += 1;
        }
    }
    for (addr, set) in [(sets[0], &r), (sets[1], &w), (sets[2], &x)] {
        if addr != 0 {
            sc.task.mm().copy_out(addr, bytemuck::cast_slice(set))?;
        }
    }
    Ok(count)
}

/// `select(nfds, readfds, writefds, exceptfds, timeout)`: the timeout is updated to
/// the time left, as Linux does.
pub(super) fn select(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let deadline = if a[4] == 0 {
        None
    } else {
        let tv: Timeval = sc.task.mm().read_obj(a[4])?;
        if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
            return Err(Errno::EINVAL);
        }
        Some(crate::timers::deadline_after(Duration::new(
            tv.tv_sec as u64,
            tv.tv_usec as u32 * 1000,
        )))
    };
    let r = do_select(sc, a[0] as i32, [a[1], a[2], a[3]], deadline, None);
    if let Some(d) = deadline {
        let left = d.saturating_duration_since(Instant::now());
        let tv = Timeval {
            tv_sec: left.as_secs() as i64,
            tv_usec: i64::from(left.subsec_micros()),
        };
        sc.task.mm().write_obj(a[4], &tv)?;
    }
    r
}

/// `pselect6(nfds, readfds, writefds, exceptfds, timeout, {sigmask, size})`.
pub(super) fn pselect6(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let deadline = if a[4] == 0 {
        None
    } else {
        let ts: Timespec = sc.task.mm().read_obj(a[4])?;
        Some(crate::timers::deadline_after(timespec_duration(&ts)?))
    };
    let mask = if a[5] == 0 {
        None
    } else {
        let pair: [u64; 2] = sc.task.mm().read_obj(a[5])?;
        read_mask(sc, pair[0], pair[1])?
    };
    let r = do_select(sc, a[0] as i32, [a[1], a[2], a[3]], deadline, mask);
    if let Some(d) = deadline {
        let left = d.saturating_duration_since(Instant::now());
        let ts = Timespec {
            tv_sec: left.as_secs() as i64,
            tv_nsec: i64::from(left.subsec_nanos()),
        };
        sc.task.mm().write_obj(a[4], &ts)?;
    }
    r
}
