//! `/proc/<pid>/stat` (the 52 fields of `proc(5)`) and `/proc/<pid>/statm`.

use std::io::Write as _;

use veil_abi::Errno;

use crate::cputime::ticks;

use super::maps::{pages, regions_of, Region, VmStats};
use super::subject::{dispositions, run_state, RunState, Subject};

/// `RLIMIT_RSS`.
const RLIMIT_RSS: usize = 5;

/// `SIGCHLD`, the exit signal of a process.
const SIGCHLD: i32 = 17;

/// The fields of `stat` the sentry knows, as plain data; every other field is 0.
///
/// Not tracked, so 0: flags, major faults,
/// `starttime` (every process appears to have started at boot), `startcode`,
/// `endcode`, `startstack`, `start_data`, `end_data`, `wchan`, the CPU last run on,
/// the scheduling policy and the exit code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatInfo {
    /// (1) Thread id (the process id for `/proc/<pid>/stat`).
    pub pid: i32,
    /// (2) `comm`, shown in parentheses without escaping.
    pub comm: Vec<u8>,
    /// (3) State.
    pub state: RunState,
    /// (4) Parent's process id.
    pub ppid: i32,
    /// (5) Process group.
    pub pgrp: i32,
    /// (6) Session.
    pub session: i32,
    /// (7) The controlling terminal's device number (`new_encode_dev`), 0 for none.
    pub tty_nr: u64,
    /// (8) The controlling terminal's foreground process group, -1 for none.
    pub tpgid: i32,
    /// (10) Minor faults, (14, 15) user and system time, (16, 17) reaped children's
    /// user and system time: of the thread in a thread's file, else of the process.
    pub times: crate::cputime::CpuTimes,
    /// (16, 17) as `times`.
    pub children_times: crate::cputime::CpuTimes,
    /// (20) Threads in the process.
    pub num_threads: usize,
    /// (23) Virtual size in bytes.
    pub vsize: u64,
    /// (24) Resident pages.
    pub rss_pages: u64,
    /// (25) `RLIMIT_RSS` soft limit.
    pub rsslim: u64,
    /// (31) Pending signals.
    pub signal: u64,
    /// (32) Blocked signals.
    pub blocked: u64,
    /// (33) Ignored signals.
    pub sigignore: u64,
    /// (34) Caught signals.
    pub sigcatch: u64,
    /// (38) Signal sent to the parent at exit: `SIGCHLD` for a process, -1 for a
    /// thread other than the leader.
    pub exit_signal: i32,
    /// (47) Start of the heap (`brk` area).
    pub start_brk: u64,
    /// (48, 49) The argument strings.
    pub args: (u64, u64),
    /// (50, 51) The environment strings.
    pub env: (u64, u64),
}

/// The signal fields of `stat` are the first 31 signals only (Linux masks them with
/// `0x7fffffff`; `status` has the full sets).
const STAT_SIG_MASK: u64 = 0x7fff_ffff;

/// One `stat` line, as Linux's `do_task_stat`.
pub fn format_stat(s: &StatInfo) -> Vec<u8> {
    let mut o = Vec::with_capacity(384);
    let _ = write!(o, "{} (", s.pid);
    o.extend_from_slice(&s.comm);
    // 3 state .. 8 tpgid (-1: no controlling terminal), 9 flags, 10 minflt,
    // 11 cminflt, 12 majflt, 13 cmajflt, 14 utime .. 17 cstime.
    let _ = write!(
        o,
        ") {} {} {} {} {} {} 0 {} {} 0 0 {} {} {} {}",
        s.state.letter(),
        s.ppid,
        s.pgrp,
        s.session,
        s.tty_nr,
        s.tpgid,
        s.times.minor_faults,
        s.children_times.minor_faults,
        ticks(s.times.user),
        ticks(s.times.sys),
        ticks(s.children_times.user),
        ticks(s.children_times.sys)
    );
    // 18 priority, 19 nice, 20 num_threads, 21 itrealvalue, 22 starttime, 23 vsize,
    // 24 rss, 25 rsslim, 26 startcode .. 30 kstkeip.
    let _ = write!(
        o,
        " 20 0 {} 0 0 {} {} {} 0 0 0 0 0",
        s.num_threads, s.vsize, s.rss_pages, s.rsslim
    );
    // 31 signal .. 34 sigcatch, 35 wchan, 36 nswap, 37 cnswap, 38 exit_signal,
    // 39 processor, 40 rt_priority, 41 policy, 42 delayacct_blkio_ticks,
    // 43 guest_time, 44 cguest_time.
    let _ = write!(
        o,
        " {} {} {} {} 0 0 0 {} 0 0 0 0 0 0",
        s.signal & STAT_SIG_MASK,
        s.blocked & STAT_SIG_MASK,
        s.sigignore & STAT_SIG_MASK,
        s.sigcatch & STAT_SIG_MASK,
        s.exit_signal
    );
    // 45 start_data, 46 end_data, 47 start_brk, 48 arg_start .. 51 env_end,
    // 52 exit_code.
    let _ = writeln!(
        o,
        " 0 0 {} {} {} {} {} 0",
        s.start_brk, s.args.0, s.args.1, s.env.0, s.env.1
    );
    o
}

/// `statm`: sizes in pages, `size resident shared text lib data dt` (`lib` and `dt`
/// are always 0 on Linux 2.6 and later).
pub fn format_statm(vm: &VmStats) -> Vec<u8> {
    format!(
        "{} {} 0 {} 0 {} 0\n",
        pages(vm.size),
        pages(vm.rss),
        pages(vm.exec),
        pages(vm.data + vm.stack)
    )
    .into_bytes()
}

/// The start of the heap: the `[heap]` mapping, else the current break (no heap yet).
fn heap_start(regions: &[Region], brk: u64) -> u64 {
    regions
        .iter()
        .find(|r| r.name == b"[heap]")
        .map_or(brk, |r| r.start)
}

/// Gathers `stat` of `subject`.
pub(super) fn gather(subject: &Subject) -> Result<StatInfo, Errno> {
    let tg = subject.thread_group()?;
    let task = subject.task()?;
    let comm = task.comm.lock().clone();
    let ctty = crate::tty::controlling_terminal(&tg);
    let regions = regions_of(&task.mm().vmas());
    let vm = VmStats::of(&regions);
    let num_threads = tg.tasks().len();
    let signal = task.pending.lock().bits();
    let (sigignore, sigcatch) = dispositions(&*tg.actions.lock());
    let rsslim = tg.rlimits.lock()[RLIMIT_RSS].cur;
    let children_times = *tg.children_times.lock();
    Ok(StatInfo {
        pid: task.tid,
        comm,
        state: run_state(&task),
        ppid: tg.ppid(),
        pgrp: tg.pgid.load(std::sync::atomic::Ordering::SeqCst),
        session: tg.sid.load(std::sync::atomic::Ordering::SeqCst),
        tty_nr: ctty.as_ref().map_or(0, |t| {
            let (major, minor) = (crate::tty::PTS_MAJOR, u64::from(t.index));
            (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
        }),
        tpgid: ctty.as_ref().map_or(-1, |t| match t.foreground_group() {
            0 => -1,
            g => g,
        }),
        times: if subject.tid.is_some() {
            task.clock.sample()
        } else {
            tg.self_times()
        },
        children_times,
        num_threads,
        vsize: vm.size,
        rss_pages: pages(vm.rss),
        rsslim,
        signal,
        blocked: task.mask(),
        sigignore,
        sigcatch,
        exit_signal: if task.tid == tg.tgid { SIGCHLD } else { -1 },
        start_brk: heap_start(&regions, task.mm().brk_value()),
        args: task.mm().arg_range(),
        env: task.mm().env_range(),
    })
}

/// The `stat` file of `subject`.
pub(super) fn generate(subject: &Subject) -> Result<Vec<u8>, Errno> {
    gather(subject).map(|s| format_stat(&s))
}

/// The `statm` file of `subject`.
pub(super) fn generate_statm(subject: &Subject) -> Result<Vec<u8>, Errno> {
    let task = subject.task()?;
    Ok(format_statm(&VmStats::of(&regions_of(&task.mm().vmas()))))
}
