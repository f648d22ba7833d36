//! Clocks and sleeps.

use std::time::{Duration, Instant};

use nix::time::ClockId;
use veil_abi::flags::clock::*;
use veil_abi::structs::{Timespec, Timeval, Timezone};
use veil_abi::Errno;

use super::{SysResult, SyscallCtx};
use crate::task::BlockResult;

/// `CLOCK_TAI`.
const CLOCK_TAI: i32 = 11;

/// The host clock behind guest clock `id`, or `EINVAL`.
fn host_clock(id: i32) -> Result<ClockId, Errno> {
    Ok(match id {
        CLOCK_REALTIME => ClockId::CLOCK_REALTIME,
        CLOCK_MONOTONIC => ClockId::CLOCK_MONOTONIC,
        CLOCK_PROCESS_CPUTIME_ID => ClockId::CLOCK_PROCESS_CPUTIME_ID,
        CLOCK_THREAD_CPUTIME_ID => ClockId::CLOCK_THREAD_CPUTIME_ID,
        CLOCK_MONOTONIC_RAW => ClockId::CLOCK_MONOTONIC_RAW,
        CLOCK_REALTIME_COARSE => ClockId::CLOCK_REALTIME_COARSE,
        CLOCK_MONOTONIC_COARSE => ClockId::CLOCK_MONOTONIC_COARSE,
        CLOCK_BOOTTIME => ClockId::CLOCK_BOOTTIME,
        CLOCK_TAI => ClockId::CLOCK_TAI,
        _ => return Err(Errno::EINVAL),
    })
}

fn now(id: i32) -> Result<Timespec, Errno> {
    let ts = nix::time::clock_gettime(host_clock(id)?).map_err(|e| Errno(e as i32))?;
    Ok(Timespec {
        tv_sec: ts.tv_sec(),
        tv_nsec: ts.tv_nsec(),
    })
}

/// A valid relative time as a duration; `EINVAL` for a negative or unnormalised one.
pub(super) fn timespec_duration(ts: &Timespec) -> Result<Duration, Errno> {
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// The instant at which clock `id` reads `ts`.
pub(super) fn deadline_from_absolute(id: i32, ts: &Timespec) -> Result<Instant, Errno> {
    let target = timespec_duration(ts)?;
    let cur = now(id)?;
    let cur = Duration::new(cur.tv_sec.max(0) as u64, cur.tv_nsec as u32);
    Ok(Instant::now() + target.saturating_sub(cur))
}

/// `clock_gettime(clockid, tp)`.
pub(super) fn clock_gettime(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let ts = now(a[0] as i32)?;
    sc.task.mm().write_obj(a[1], &ts).map(|()| 0)
}

/// `clock_getres(clockid, res)`; a null `res` only validates the clock.
pub(super) fn clock_getres(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let res = nix::time::clock_getres(host_clock(a[0] as i32)?).map_err(|e| Errno(e as i32))?;
    if a[1] != 0 {
        let ts = Timespec {
            tv_sec: res.tv_sec(),
            tv_nsec: res.tv_nsec(),
        };
        sc.task.mm().write_obj(a[1], &ts)?;
    }
    Ok(0)
}

/// `gettimeofday(tv, tz)`.
pub(super) fn gettimeofday(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if a[0] != 0 {
        let ts = now(CLOCK_REALTIME)?;
        let tv = Timeval {
            tv_sec: ts.tv_sec,
            tv_usec: ts.tv_nsec / 1000,
        };
        sc.task.mm().write_obj(a[0], &tv)?;
    }
    if a[1] != 0 {
        sc.task.mm().write_obj(a[1], &Timezone::default())?;
    }
    Ok(0)
}

/// `time(tloc)`.
pub(super) fn time(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let t = now(CLOCK_REALTIME)?.tv_sec;
    if a[0] != 0 {
        sc.task.mm().write_obj(a[0], &t)?;
    }
    Ok(t as u64)
}

/// Sleeps until `deadline`; on interruption stores the time left in `rem` (if given)
/// and fails with `EINTR`.
fn sleep(sc: &SyscallCtx<'_>, deadline: Instant, rem: u64) -> SysResult {
    match sc.task.sleep_until(deadline) {
        BlockResult::Interrupted => {
            if rem != 0 {
                let left = deadline.saturating_duration_since(Instant::now());
                let ts = Timespec {
                    tv_sec: left.as_secs() as i64,
                    tv_nsec: i64::from(left.subsec_nanos()),
                };
                sc.task.mm().write_obj(rem, &ts)?;
            }
            Err(Errno::EINTR)
        }
        _ => Ok(0),
    }
}

/// `nanosleep(req, rem)`.
pub(super) fn nanosleep(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let req: Timespec = sc.task.mm().read_obj(a[0])?;
    let d = timespec_duration(&req)?;
    sleep(sc, Instant::now() + d, a[1])
}

/// `clock_nanosleep(clockid, flags, req, rem)`.
pub(super) fn clock_nanosleep(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (id, flags) = (a[0] as i32, a[1] as u32);
    match id {
        CLOCK_REALTIME
        | CLOCK_MONOTONIC
        | CLOCK_BOOTTIME
        | CLOCK_TAI
        | CLOCK_PROCESS_CPUTIME_ID => {}
        // Linux 6.x: sleeping on the calling thread's CPU clock is not supported.
        CLOCK_THREAD_CPUTIME_ID => return Err(Errno::EOPNOTSUPP),
        _ => {
            return Err(if host_clock(id).is_ok() {
                Errno::EOPNOTSUPP
            } else {
                Errno::EINVAL
            })
        }
    }
    let req: Timespec = sc.task.mm().read_obj(a[2])?;
    if flags & TIMER_ABSTIME != 0 {
        let deadline = deadline_from_absolute(id, &req)?;
        sleep(sc, deadline, 0)
    } else {
        let d = timespec_duration(&req)?;
        sleep(sc, Instant::now() + d, a[3])
    }
}
