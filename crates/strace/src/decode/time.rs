//! Clocks, sleeps and `struct timespec`.

use super::Ret;
use crate::ctx::Ctx;
use crate::value;
use crate::xlat::{self, CLOCKS, TIMER_FLAGS};

/// A `struct timespec`: `{tv_sec=1, tv_nsec=2}`.
pub(crate) fn timespec_at(c: &Ctx, addr: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    match c.read(addr, 16) {
        Some(b) => {
            format!(
                "{{tv_sec={}, tv_nsec={}}}",
                value::i64_at(&b, 0),
                value::i64_at(&b, 8)
            )
        }
        None => value::addr(addr),
    }
}

/// A clock id: `CLOCK_MONOTONIC`, a CPU-time clock of a process or thread, or
/// `0x37 /* CLOCK_??? */`.
fn clockid(v: u64) -> String {
    let id = v as u32 as i32;
    if id >= 0 {
        return xlat::xval(CLOCKS, u64::from(id as u32), "CLOCK_???");
    }
    let pid = !(id >> 3);
    let kind = match id & 3 {
        0 => "CPUCLOCK_PROF",
        1 => "CPUCLOCK_VIRT",
        2 => "CPUCLOCK_SCHED",
        _ => "3 /* CPUCLOCK_??? */",
    };
    let maker = if id & 4 != 0 {
        "MAKE_THREAD_CPUCLOCK"
    } else {
        "MAKE_PROCESS_CPUCLOCK"
    };
    format!("{maker}({pid}, {kind})")
}

/// `clock_gettime(clockid, tp)` and `clock_getres`.
pub(super) fn clock_gettime(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(clockid(c.arg(0)));
    out.push(if c.failed() {
        c.ptr(1)
    } else {
        timespec_at(c, c.arg(1))
    });
    Ret::Dec
}

/// `clock_settime(clockid, tp)`.
pub(super) fn clock_settime(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(clockid(c.arg(0)));
    out.push(timespec_at(c, c.arg(1)));
    Ret::Dec
}

/// `nanosleep(req, rem)`.
pub(super) fn nanosleep(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(timespec_at(c, c.arg(0)));
    out.push(remaining(c, 1));
    Ret::Dec
}

/// `clock_nanosleep(clockid, flags, req, rem)`.
pub(super) fn clock_nanosleep(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(clockid(c.arg(0)));
    out.push(xlat::flags(
        TIMER_FLAGS,
        c.arg(1) & 0xffff_ffff,
        "TIMER_???",
    ));
    out.push(timespec_at(c, c.arg(2)));
    out.push(remaining(c, 3));
    Ret::Dec
}

/// A sleep's remaining time: filled in only when a signal interrupted the sleep.
fn remaining(c: &Ctx, i: usize) -> String {
    const EINTR: u64 = 4;
    const ERESTARTNOHAND: u64 = 514;
    const ERESTART_RESTARTBLOCK: u64 = 516;
    match c.errno() {
        Some(EINTR | ERESTARTNOHAND | ERESTART_RESTARTBLOCK) => timespec_at(c, c.arg(i)),
        _ => c.ptr(i),
    }
}

/// `gettimeofday(tv, tz)`: `{tv_sec=1, tv_usec=2}` and the (obsolete) timezone.
pub(super) fn gettimeofday(c: &Ctx, out: &mut Vec<String>) -> Ret {
    if c.failed() {
        out.push(c.ptr(0));
        out.push(c.ptr(1));
        return Ret::Dec;
    }
    let tv = c.arg(0);
    out.push(match c.read(tv, 16) {
        _ if tv == 0 => "NULL".to_string(),
        Some(b) => format!(
            "{{tv_sec={}, tv_usec={}}}",
            value::i64_at(&b, 0),
            value::i64_at(&b, 8)
        ),
        None => value::addr(tv),
    });
    let tz = c.arg(1);
    out.push(match c.read(tz, 8) {
        _ if tz == 0 => "NULL".to_string(),
        Some(b) => format!(
            "{{tz_minuteswest={}, tz_dsttime={}}}",
            value::u32_at(&b, 0) as i32,
            value::u32_at(&b, 4) as i32
        ),
        None => value::addr(tz),
    });
    Ret::Dec
}
