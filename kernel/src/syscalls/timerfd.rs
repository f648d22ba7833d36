//! `timerfd_create`, `timerfd_settime`, `timerfd_gettime` (see `kernel/src/timerfd.rs`).

use std::time::{Duration, Instant};

use veil_abi::flags::open::{O_CLOEXEC, O_NONBLOCK, O_RDWR};
use veil_abi::structs::Itimerspec;
use veil_abi::Errno;
use veil_vfs::OpenFile;

use super::fd::nofile_limit;
use super::time::{deadline_from_absolute, timespec_duration};
use super::timer::{itimerspec_of, wall_clock_for_abs};
use super::{fd_arg, SysResult, SyscallCtx};
use crate::timerfd::TimerFd;

const CLOCK_REALTIME: i32 = 0;
const CLOCK_MONOTONIC: i32 = 1;
const CLOCK_BOOTTIME: i32 = 7;
const CLOCK_REALTIME_ALARM: i32 = 8;
const CLOCK_BOOTTIME_ALARM: i32 = 9;
/// `CAP_WAKE_ALARM`: the `_ALARM` clocks.
const CAP_WAKE_ALARM: u32 = 35;
/// `TFD_TIMER_ABSTIME`.
const TFD_TIMER_ABSTIME: u32 = 1;
/// `TFD_TIMER_CANCEL_ON_SET`.
const TFD_TIMER_CANCEL_ON_SET: u32 = 2;

/// `timerfd_create(clockid, flags)`: `CLOCK_REALTIME`, `CLOCK_MONOTONIC`,
/// `CLOCK_BOOTTIME` and, with `CAP_WAKE_ALARM`, the `_ALARM` ones (`EPERM` without);
/// other clocks `EINVAL`; flags `TFD_NONBLOCK`, `TFD_CLOEXEC`.
pub(super) fn timerfd_create(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (clock, flags) = (a[0] as i32, a[1] as u32);
    if flags & !(O_NONBLOCK | O_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME => {}
        CLOCK_REALTIME_ALARM | CLOCK_BOOTTIME_ALARM => {
            if !sc.task.creds().has(CAP_WAKE_ALARM) {
                return Err(Errno::EPERM);
            }
        }
        _ => return Err(Errno::EINVAL),
    }
    let ops = TimerFd::new(clock, flags & O_NONBLOCK != 0);
    let open = OpenFile::new(
        ops,
        O_RDWR | (flags & O_NONBLOCK),
        "anon_inode:[timerfd]".into(),
    );
    let fd = sc
        .task
        .files
        .install(open, flags & O_CLOEXEC != 0, 0, nofile_limit(sc))?;
    Ok(fd as u64)
}

/// The timerfd `fd` is: `EBADF` if not open, `EINVAL` if not a timerfd.
fn timerfd(sc: &SyscallCtx<'_>, fd: i32) -> Result<std::sync::Arc<OpenFile>, Errno> {
    let file = sc.task.files.get(fd)?;
    if file
        .ops
        .as_any()
        .and_then(|a| a.downcast_ref::<TimerFd>())
        .is_none()
    {
        return Err(Errno::EINVAL);
    }
    Ok(file)
}

fn as_timerfd(file: &OpenFile) -> &TimerFd {
    file.ops
        .as_any()
        .and_then(|a| a.downcast_ref::<TimerFd>())
        .expect("checked by timerfd()")
}

/// `timerfd_settime(fd, flags, new_value, old_value)`: arms (a zero value disarms)
/// and zeroes the unread expiry count. `TFD_TIMER_ABSTIME` makes the value a time on
/// the timer's clock; `TFD_TIMER_CANCEL_ON_SET` (realtime, absolute only) is accepted:
/// the sandbox's realtime clock cannot be set, so no read is ever cancelled.
pub(super) fn timerfd_settime(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let flags = a[1] as u32;
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0 {
        return Err(Errno::EINVAL);
    }
    let file = timerfd(sc, fd_arg(a[0]))?;
    let tfd = as_timerfd(&file);
    let new: Itimerspec = sc.task.mm().read_obj(a[2])?;
    let value = timespec_duration(&new.it_value)?;
    let interval = timespec_duration(&new.it_interval)?;
    let clock = tfd.timer.wall_clock().unwrap_or(CLOCK_MONOTONIC);
    let value = if flags & TFD_TIMER_ABSTIME != 0 && !value.is_zero() {
        let at = deadline_from_absolute(wall_clock_for_abs(clock), &new.it_value)?;
        at.saturating_duration_since(Instant::now())
            .max(Duration::from_nanos(1))
    } else {
        value
    };
    // Zeroed before arming: a timer that expires at once must not be forgotten.
    tfd.reset_count();
    let old = sc
        .task
        .kernel
        .timers
        .arm(&tfd.timer, value, interval, false);
    if a[3] != 0 {
        sc.task.mm().write_obj(a[3], &itimerspec_of(old))?;
    }
    Ok(0)
}

/// `timerfd_gettime(fd, curr_value)`: time to the next expiry and the interval.
pub(super) fn timerfd_gettime(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = timerfd(sc, fd_arg(a[0]))?;
    let setting = as_timerfd(&file).timer.setting();
    sc.task
        .mm()
        .write_obj(a[1], &itimerspec_of(setting))
        .map(|()| 0)
}
