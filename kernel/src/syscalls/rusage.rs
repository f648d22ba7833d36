//! Resource usage: `getrusage`, `times`, and the CPU-time clocks
//! (`CLOCK_PROCESS_CPUTIME_ID`, `CLOCK_THREAD_CPUTIME_ID`, and the clocks of other
//! processes and threads that `clock_getcpuclockid`/`pthread_getcpuclockid` name).
//! The times come from [`crate::cputime`].

use std::sync::Arc;
use std::time::Duration;

use veil_abi::flags::clock::{CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
use veil_abi::structs::{Rusage, Timeval, Tms};
use veil_abi::Errno;

use super::{SysResult, SyscallCtx};
pub(crate) use crate::cputime::CpuClockKind;
use crate::cputime::{ticks, CpuTimes};
use crate::task::Task;

const RUSAGE_SELF: i32 = 0;
const RUSAGE_CHILDREN: i32 = -1;
const RUSAGE_THREAD: i32 = 1;

fn timeval(d: Duration) -> Timeval {
    Timeval {
        tv_sec: d.as_secs() as i64,
        tv_usec: i64::from(d.subsec_micros()),
    }
}

/// The `struct rusage` of `t`: times, peak memory in KiB, faults and voluntary
/// switches; the fields Linux itself leaves 0 (and swaps, block I/O, messages,
/// signals, involuntary switches, which the sentry does not count) are 0.
pub(super) fn rusage_of(t: &CpuTimes) -> Rusage {
    let mut ru = Rusage {
        ru_utime: timeval(t.user),
        ru_stime: timeval(t.sys),
        rest: [0; 14],
    };
    ru.rest[0] = (t.max_rss / 1024) as i64; // ru_maxrss
    ru.rest[4] = t.minor_faults as i64; // ru_minflt
    ru.rest[12] = t.voluntary_switches as i64; // ru_nvcsw
    ru
}

/// `getrusage(who, usage)`.
pub(super) fn getrusage(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let tg = &sc.task.tg;
    let times = match a[0] as i32 {
        RUSAGE_SELF => tg.self_times(),
        RUSAGE_CHILDREN => *tg.children_times.lock(),
        RUSAGE_THREAD => {
            let mut t = sc.task.clock.sample();
            t.max_rss = tg.self_times().max_rss;
            t
        }
        _ => return Err(Errno::EINVAL),
    };
    sc.task.mm().write_obj(a[1], &rusage_of(&times))?;
    Ok(0)
}

/// `times(buf)`: the process's and its reaped children's times in clock ticks; returns
/// the ticks since boot. A null `buf` only returns the ticks.
pub(super) fn times(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if a[0] != 0 {
        let own = sc.task.tg.self_times();
        let children = *sc.task.tg.children_times.lock();
        let tms = Tms {
            tms_utime: ticks(own.user) as i64,
            tms_stime: ticks(own.sys) as i64,
            tms_cutime: ticks(children.user) as i64,
            tms_cstime: ticks(children.sys) as i64,
        };
        sc.task.mm().write_obj(a[0], &tms)?;
    }
    let boot = nix::time::clock_gettime(nix::time::ClockId::CLOCK_BOOTTIME)
        .map_err(|e| Errno(e as i32))?;
    let since_boot = Duration::new(boot.tv_sec() as u64, boot.tv_nsec() as u32);
    Ok(ticks(since_boot))
}

/// The thread or process a CPU-time clock measures.
pub(crate) enum CpuClockTarget {
    /// One thread.
    Thread(Arc<Task>),
    /// A whole process.
    Process(Arc<crate::thread_group::ThreadGroup>),
}

/// Decodes CPU-time clock `id` for the caller `task`: `None` if `id` is no CPU-time
/// clock; `EINVAL` if it names one of a thread or process that does not exist (or a
/// thread of another process, which Linux does not let one read).
///
/// Linux's encoding: `CLOCK_PROCESS_CPUTIME_ID` and `CLOCK_THREAD_CPUTIME_ID` are the
/// caller's; a negative id is `(~pid << 3) | per_thread << 2 | kind`, kind 0 prof,
/// 1 virt, 2 sched, 3 invalid, and pid 0 the caller.
pub(crate) fn cpu_clock(
    task: &Arc<Task>,
    id: i32,
) -> Option<Result<(CpuClockTarget, CpuClockKind), Errno>> {
    match id {
        CLOCK_PROCESS_CPUTIME_ID => {
            return Some(Ok((
                CpuClockTarget::Process(task.tg.clone()),
                CpuClockKind::Total,
            )))
        }
        CLOCK_THREAD_CPUTIME_ID => {
            return Some(Ok((
                CpuClockTarget::Thread(task.clone()),
                CpuClockKind::Total,
            )))
        }
        id if id >= 0 => return None,
        _ => {}
    }
    Some((|| {
        let kind = match id & 3 {
            0 | 2 => CpuClockKind::Total,
            1 => CpuClockKind::User,
            _ => return Err(Errno::EINVAL),
        };
        let pid = !(id >> 3);
        let per_thread = id & 4 != 0;
        let target = if per_thread {
            let t = if pid == 0 {
                task.clone()
            } else {
                task.kernel.find_task(pid).ok_or(Errno::EINVAL)?
            };
            if !Arc::ptr_eq(&t.tg, &task.tg) {
                return Err(Errno::EINVAL);
            }
            CpuClockTarget::Thread(t)
        } else if pid == 0 {
            CpuClockTarget::Process(task.tg.clone())
        } else {
            // A zombie's clock still reads its final time, as Linux.
            CpuClockTarget::Process(task.kernel.thread_group(pid).ok_or(Errno::EINVAL)?)
        };
        Ok((target, kind))
    })())
}

/// The time a CPU-time clock reads now.
pub(crate) fn cpu_clock_read(target: &CpuClockTarget, kind: CpuClockKind) -> Duration {
    let t = match target {
        CpuClockTarget::Thread(t) => t.clock.sample(),
        CpuClockTarget::Process(tg) => tg.self_times(),
    };
    t.read(kind)
}
