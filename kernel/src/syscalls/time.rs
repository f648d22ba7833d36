//! Clocks and sleeps.

use std::time::{Duration, Instant};

use nix::time::ClockId;
use veil_abi::flags::clock::*;
use veil_abi::structs::{Timespec, Timeval, Timezone};
use veil_abi::Errno;

use super::rusage::{cpu_clock, cpu_clock_read, CpuClockTarget};
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

fn duration_timespec(d: Duration) -> Timespec {
    Timespec {
        tv_sec: d.as_secs() as i64,
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

/// What clock `id` reads for `task`: a CPU-time clock from the sentry's accounting,
/// any other from the host.
fn now_for(task: &std::sync::Arc<crate::task::Task>, id: i32) -> Result<Timespec, Errno> {
    match cpu_clock(task, id) {
        Some(clock) => {
            let (target, kind) = clock?;
            Ok(duration_timespec(cpu_clock_read(&target, kind)))
        }
        None => now(id),
    }
}

/// What host clock `id` reads (not a CPU-time clock).
fn now(id: i32) -> Result<Timespec, Errno> {
    if id == CLOCK_PROCESS_CPUTIME_ID || id == CLOCK_THREAD_CPUTIME_ID {
        return Err(Errno::EINVAL);
    }
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
    Ok(crate::timers::deadline_after(target.saturating_sub(cur)))
}

/// `clock_gettime(clockid, tp)`.
pub(super) fn clock_gettime(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let ts = now_for(sc.task, a[0] as i32)?;
    sc.task.mm().write_obj(a[1], &ts).map(|()| 0)
}

/// `clock_getres(clockid, res)`; a null `res` only validates the clock. CPU-time
/// clocks have a resolution of 1 ns, as Linux's.
pub(super) fn clock_getres(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let id = a[0] as i32;
    let ts = match cpu_clock(sc.task, id) {
        Some(clock) => {
            clock?;
            duration_timespec(Duration::from_nanos(1))
        }
        None => {
            let res = nix::time::clock_getres(host_clock(id)?).map_err(|e| Errno(e as i32))?;
            Timespec {
                tv_sec: res.tv_sec(),
                tv_nsec: res.tv_nsec(),
            }
        }
    };
    if a[1] != 0 {
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
    // A wake that is not a signal to handle (a `SIGCONT` or ignored signal, a
    // stray wake-up) does not end a sleep: it goes on until the deadline.
    let mut result = sc.task.sleep_until(deadline);
    while result == BlockResult::Woken && Instant::now() < deadline {
        result = sc.task.sleep_until(deadline);
    }
    match result {
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
    sleep(sc, crate::timers::deadline_after(d), a[1])
}

/// `clock_nanosleep(clockid, flags, req, rem)`.
pub(super) fn clock_nanosleep(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (id, flags) = (a[0] as i32, a[1] as u32);
    match id {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_TAI => {}
        // Linux 6.x: sleeping on the calling thread's CPU clock is not supported.
        CLOCK_THREAD_CPUTIME_ID => return Err(Errno::EOPNOTSUPP),
        CLOCK_PROCESS_CPUTIME_ID => {}
        id if id < 0 => {}
        _ => {
            return Err(if host_clock(id).is_ok() {
                Errno::EOPNOTSUPP
            } else {
                Errno::EINVAL
            })
        }
    }
    if let Some(clock) = cpu_clock(sc.task, id) {
        let (target, kind) = clock?;
        if matches!(target, CpuClockTarget::Thread(_)) {
            // A thread's CPU clock, named by its number: Linux's posix_cpu_nsleep.
            return Err(Errno::EINVAL);
        }
        let req: Timespec = sc.task.mm().read_obj(a[2])?;
        let req = timespec_duration(&req)?;
        let abs = flags & TIMER_ABSTIME != 0;
        let until = if abs {
            req
        } else {
            cpu_clock_read(&target, kind) + req
        };
        return cpu_sleep(sc, &target, kind, until, if abs { 0 } else { a[3] });
    }
    let req: Timespec = sc.task.mm().read_obj(a[2])?;
    if flags & TIMER_ABSTIME != 0 {
        let deadline = deadline_from_absolute(id, &req)?;
        sleep(sc, deadline, 0)
    } else {
        let d = timespec_duration(&req)?;
        sleep(sc, crate::timers::deadline_after(d), a[3])
    }
}

/// How often a sleep on a process's CPU clock looks at the clock.
const CPU_SLEEP_TICK: Duration = Duration::from_millis(1);

/// Sleeps until the CPU clock reads `until` (other threads must be running for it to
/// advance); on interruption stores the CPU time left in `rem` (if given) and fails
/// with `EINTR`.
fn cpu_sleep(
    sc: &SyscallCtx<'_>,
    target: &CpuClockTarget,
    kind: super::rusage::CpuClockKind,
    until: Duration,
    rem: u64,
) -> SysResult {
    loop {
        let now = cpu_clock_read(target, kind);
        if now >= until {
            return Ok(0);
        }
        if sc.task.sleep_until(Instant::now() + CPU_SLEEP_TICK) == BlockResult::Interrupted {
            if rem != 0 {
                let left = until.saturating_sub(cpu_clock_read(target, kind));
                sc.task.mm().write_obj(rem, &duration_timespec(left))?;
            }
            return Err(Errno::EINTR);
        }
    }
}
