//! Interval timers and POSIX timers: `alarm`, `setitimer`, `getitimer`,
//! `timer_create`, `timer_settime`, `timer_gettime`, `timer_getoverrun`,
//! `timer_delete`. The timers themselves are in [`crate::timers`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use veil_abi::flags::clock::*;
use veil_abi::flags::signal::{SIGALRM, SIGRTMAX};
use veil_abi::structs::{Itimerspec, Itimerval, Sigevent, Timespec, Timeval};
use veil_abi::Errno;

use super::rusage::{cpu_clock, CpuClockKind, CpuClockTarget};
use super::time::{deadline_from_absolute, timespec_duration};
use super::{SysResult, SyscallCtx};
use crate::timers::{IntervalTimer, TimerClock, TimerSetting, TimerTarget, SI_TIMER};

const ITIMER_REAL: u64 = 0;
const ITIMER_VIRTUAL: u64 = 1;
const ITIMER_PROF: u64 = 2;
const SIGVTALRM: u32 = 26;
const SIGPROF: u32 = 27;

const SIGEV_SIGNAL: i32 = 0;
const SIGEV_NONE: i32 = 1;
const SIGEV_THREAD: i32 = 2;
const SIGEV_THREAD_ID: i32 = 4;

const CLOCK_REALTIME_ALARM: i32 = 8;
const CLOCK_BOOTTIME_ALARM: i32 = 9;
const CLOCK_TAI: i32 = 11;

fn timeval_duration(tv: &Timeval) -> Result<Duration, Errno> {
    if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(Errno::EINVAL);
    }
    Ok(Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000))
}

/// `d` as a `timeval`, truncated to microseconds; an armed timer with under 1 µs left
/// reads 1 µs, as Linux (zero would mean disarmed).
fn duration_timeval(d: Duration, armed: bool) -> Timeval {
    let d = if armed {
        d.max(Duration::from_micros(1))
    } else {
        d
    };
    Timeval {
        tv_sec: d.as_secs() as i64,
        tv_usec: i64::from(d.subsec_micros()),
    }
}

fn duration_timespec(d: Duration) -> Timespec {
    Timespec {
        tv_sec: d.as_secs() as i64,
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

fn itimerval_of(s: TimerSetting) -> Itimerval {
    Itimerval {
        it_interval: duration_timeval(s.interval, false),
        it_value: duration_timeval(s.value, !s.value.is_zero()),
    }
}

/// The itimer `which` of the caller's process, made on first use.
fn itimer(sc: &SyscallCtx<'_>, which: u64) -> Result<Arc<IntervalTimer>, Errno> {
    let tg = &sc.task.tg;
    let (signo, clock) = match which {
        ITIMER_REAL => (SIGALRM, TimerClock::Wall(CLOCK_MONOTONIC)),
        ITIMER_VIRTUAL => (
            SIGVTALRM,
            TimerClock::ProcessCpu(Arc::downgrade(tg), CpuClockKind::User),
        ),
        ITIMER_PROF => (
            SIGPROF,
            TimerClock::ProcessCpu(Arc::downgrade(tg), CpuClockKind::Total),
        ),
        _ => return Err(Errno::EINVAL),
    };
    let mut timers = tg.timers.lock();
    Ok(timers.itimers[which as usize]
        .get_or_insert_with(|| IntervalTimer::itimer(clock, tg, signo))
        .clone())
}

/// `getitimer(which, curr_value)`.
pub(super) fn getitimer(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let timer = itimer(sc, a[0])?;
    sc.task
        .mm()
        .write_obj(a[1], &itimerval_of(timer.setting()))?;
    Ok(0)
}

/// `setitimer(which, new_value, old_value)`; a null `new_value` disarms (a Linux
/// misfeature kept for old programs).
pub(super) fn setitimer(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let new: Itimerval = if a[1] == 0 {
        Itimerval::default()
    } else {
        sc.task.mm().read_obj(a[1])?
    };
    let value = timeval_duration(&new.it_value)?;
    let interval = timeval_duration(&new.it_interval)?;
    let timer = itimer(sc, a[0])?;
    let old = sc.task.kernel.timers.arm(&timer, value, interval, false);
    if a[2] != 0 {
        sc.task.mm().write_obj(a[2], &itimerval_of(old))?;
    }
    Ok(0)
}

/// `alarm(seconds)`: `ITIMER_REAL` for `seconds`, once; returns the seconds that were
/// left of the previous alarm, rounded to the nearest (at least 1 if one was armed).
pub(super) fn alarm(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let seconds = a[0] as u32;
    let timer = itimer(sc, ITIMER_REAL)?;
    let old = sc.task.kernel.timers.arm(
        &timer,
        Duration::from_secs(u64::from(seconds)),
        Duration::ZERO,
        false,
    );
    let left = old.value;
    let mut secs = left.as_secs();
    if (secs == 0 && !left.is_zero()) || left.subsec_micros() >= 500_000 {
        secs += 1;
    }
    Ok(secs)
}

/// The clock a POSIX timer on `id` runs on, for the caller.
fn timer_clock(sc: &SyscallCtx<'_>, id: i32) -> Result<TimerClock, Errno> {
    match id {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_TAI | CLOCK_REALTIME_ALARM
        | CLOCK_BOOTTIME_ALARM => Ok(TimerClock::Wall(id)),
        // Clocks that can be read but carry no timers.
        CLOCK_MONOTONIC_RAW | CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE => {
            Err(Errno::EOPNOTSUPP)
        }
        _ => match cpu_clock(sc.task, id) {
            Some(clock) => Ok(match clock? {
                (CpuClockTarget::Thread(t), kind) => {
                    TimerClock::ThreadCpu(Arc::downgrade(&t), kind)
                }
                (CpuClockTarget::Process(tg), kind) => {
                    TimerClock::ProcessCpu(Arc::downgrade(&tg), kind)
                }
            }),
            None => Err(Errno::EINVAL),
        },
    }
}

/// The host clock id to read an absolute expiry of a wall-clock timer on.
pub(super) fn wall_clock_for_abs(id: i32) -> i32 {
    match id {
        CLOCK_REALTIME_ALARM => CLOCK_REALTIME,
        CLOCK_BOOTTIME_ALARM => CLOCK_BOOTTIME,
        other => other,
    }
}

/// `timer_create(clockid, sevp, timerid)`: a null `sevp` means `SIGEV_SIGNAL` with
/// `SIGALRM` and the timer id as the value. `SIGEV_THREAD` is, for the kernel, a
/// `SIGEV_SIGNAL` (the C library runs the thread).
pub(super) fn timer_create(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let clock_id = a[0] as i32;
    let clock = timer_clock(sc, clock_id)?;
    let sev: Option<Sigevent> = if a[1] == 0 {
        None
    } else {
        Some(sc.task.mm().read_obj(a[1])?)
    };
    let tg = &sc.task.tg;
    let mut timers = tg.timers.lock();
    let id = timers.free_id();
    let (target, signo, value) = match sev {
        None => (TimerTarget::Process(Arc::downgrade(tg)), SIGALRM, id as u64),
        Some(sev) => {
            let signal_ok = (1..=SIGRTMAX as i32).contains(&sev.sigev_signo);
            let target = match sev.sigev_notify {
                SIGEV_NONE => TimerTarget::None,
                SIGEV_SIGNAL | SIGEV_THREAD if signal_ok => {
                    TimerTarget::Process(Arc::downgrade(tg))
                }
                n if n == SIGEV_SIGNAL | SIGEV_THREAD_ID && signal_ok => {
                    let t = tg.task(sev.sigev_notify_thread_id).ok_or(Errno::EINVAL)?;
                    TimerTarget::Thread(Arc::downgrade(&t))
                }
                _ => return Err(Errno::EINVAL),
            };
            (target, sev.sigev_signo as u32, sev.sigev_value)
        }
    };
    let timer = IntervalTimer::new(clock, target, signo, SI_TIMER, id, value);
    timers.posix.insert(id, timer);
    drop(timers);
    if let Err(e) = sc.task.mm().write_obj(a[2], &id) {
        tg.timers.lock().posix.remove(&id);
        return Err(e);
    }
    Ok(0)
}

/// The caller's POSIX timer `id`, or `EINVAL`.
fn posix_timer(sc: &SyscallCtx<'_>, id: u64) -> Result<Arc<IntervalTimer>, Errno> {
    let id = i32::try_from(id).map_err(|_| Errno::EINVAL)?;
    sc.task
        .tg
        .timers
        .lock()
        .posix
        .get(&id)
        .cloned()
        .ok_or(Errno::EINVAL)
}

pub(super) fn itimerspec_of(s: TimerSetting) -> Itimerspec {
    Itimerspec {
        it_interval: duration_timespec(s.interval),
        it_value: duration_timespec(s.value),
    }
}

/// `timer_settime(timerid, flags, new_value, old_value)`; `TIMER_ABSTIME` makes the
/// value a time on the timer's clock (a time already past expires at once).
pub(super) fn timer_settime(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if a[2] == 0 {
        return Err(Errno::EINVAL);
    }
    let new: Itimerspec = sc.task.mm().read_obj(a[2])?;
    let value = timespec_duration(&new.it_value)?;
    let interval = timespec_duration(&new.it_interval)?;
    let timer = posix_timer(sc, a[0])?;
    // A disarmed POSIX timer keeps no interval (an itimer does: setitimer).
    let interval = if value.is_zero() {
        Duration::ZERO
    } else {
        interval
    };
    let absolute = a[1] as u32 & TIMER_ABSTIME != 0;
    let (value, absolute) = match timer.wall_clock() {
        Some(clock) if absolute && !value.is_zero() => {
            // A time on a wall clock: a delay from now.
            let at = deadline_from_absolute(wall_clock_for_abs(clock), &new.it_value)?;
            let delay = at.saturating_duration_since(Instant::now());
            (delay.max(Duration::from_nanos(1)), false)
        }
        _ => (value, absolute),
    };
    let old = sc.task.kernel.timers.arm(&timer, value, interval, absolute);
    if a[3] != 0 {
        sc.task.mm().write_obj(a[3], &itimerspec_of(old))?;
    }
    Ok(0)
}

/// `timer_gettime(timerid, curr_value)`.
pub(super) fn timer_gettime(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let timer = posix_timer(sc, a[0])?;
    sc.task
        .mm()
        .write_obj(a[1], &itimerspec_of(timer.setting()))?;
    Ok(0)
}

/// `timer_getoverrun(timerid)`: the overrun count of the timer's last signal taken.
pub(super) fn timer_getoverrun(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let timer = posix_timer(sc, a[0])?;
    Ok(timer.overrun().min(i32::MAX as u64))
}

/// `timer_delete(timerid)`: disarms and forgets the timer (a signal it already queued
/// stays pending).
pub(super) fn timer_delete(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let id = i32::try_from(a[0]).map_err(|_| Errno::EINVAL)?;
    let timer = sc
        .task
        .tg
        .timers
        .lock()
        .posix
        .remove(&id)
        .ok_or(Errno::EINVAL)?;
    sc.task
        .kernel
        .timers
        .arm(&timer, Duration::ZERO, Duration::ZERO, false);
    Ok(0)
}
