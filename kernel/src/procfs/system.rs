//! The small system-wide files: `uptime`, `loadavg`, `version` and `/proc/stat`.
//!
//! The sentry does not account CPU time: every CPU is reported idle for the whole
//! uptime (in `uptime`'s idle column and `stat`'s `idle` column alike, so that the
//! two agree), and the load averages are zero.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use veil_abi::Errno;

use super::subject::ncpus;
use crate::kernel::{KERNEL_RELEASE, KERNEL_VERSION};
use crate::Kernel;

/// Clock ticks per second of `/proc/stat` (`USER_HZ`, what `sysconf(_SC_CLK_TCK)`
/// returns).
pub const USER_HZ: u64 = 100;

/// `seconds.hundredths`, as Linux prints `uptime`.
fn centi(d: Duration) -> String {
    format!("{}.{:02}", d.as_secs(), d.subsec_nanos() / 10_000_000)
}

/// `uptime`: seconds since boot and idle seconds summed over the CPUs.
pub fn format_uptime(uptime: Duration, idle: Duration) -> Vec<u8> {
    format!("{} {}\n", centi(uptime), centi(idle)).into_bytes()
}

/// `loadavg`: the three load averages (zero), running/total scheduling entities
/// (threads), and the last pid allocated.
pub fn format_loadavg(running: usize, total: usize, last_pid: i32) -> Vec<u8> {
    format!("0.00 0.00 0.00 {running}/{total} {last_pid}\n").into_bytes()
}

/// `version`: Veil's kernel release and version string, never the host's.
pub fn format_version() -> Vec<u8> {
    format!("Linux version {KERNEL_RELEASE} (veil@veil) (Veil sentry) {KERNEL_VERSION}\n")
        .into_bytes()
}

/// What `/proc/stat` shows, as plain data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemStat {
    /// CPUs.
    pub ncpus: usize,
    /// Time since boot, in `USER_HZ` ticks: each CPU's idle time.
    pub uptime_ticks: u64,
    /// Boot time, in seconds since the epoch (`btime`).
    pub btime: u64,
    /// Processes and threads created since boot (`processes`).
    pub processes: u64,
    /// Threads running (`procs_running`).
    pub running: usize,
}

/// `/proc/stat` as Linux's `show_stat`: the CPU lines (user nice system idle iowait
/// irq softirq steal guest guest_nice, in ticks; the aggregate line has two spaces
/// after `cpu`), interrupts, context switches, boot time, forks, running and blocked.
pub fn format_system_stat(s: &SystemStat) -> Vec<u8> {
    let ncpus = s.ncpus.max(1);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "cpu  0 0 0 {} 0 0 0 0 0 0",
        s.uptime_ticks * ncpus as u64
    );
    for cpu in 0..ncpus {
        let _ = writeln!(o, "cpu{cpu} 0 0 0 {} 0 0 0 0 0 0", s.uptime_ticks);
    }
    let _ = write!(
        o,
        "intr 0\nctxt 0\nbtime {}\nprocesses {}\nprocs_running {}\nprocs_blocked 0\n\
         softirq 0 0 0 0 0 0 0 0 0 0 0\n",
        s.btime, s.processes, s.running
    );
    o.into_bytes()
}

/// Threads in the sandbox, and the highest thread id alive (standing in for the last
/// pid allocated, which the kernel does not expose).
fn threads(kernel: &Kernel) -> (usize, i32) {
    let mut total = 0;
    let mut last = 0;
    for tg in kernel.thread_groups() {
        for t in tg.tasks() {
            total += 1;
            last = last.max(t.tid);
        }
    }
    (total, last)
}

/// Threads running: the reader (the sentry does not know which other threads are).
fn running() -> usize {
    usize::from(crate::task::current().is_some())
}

/// The `uptime` file.
pub(super) fn uptime(kernel: &Kernel) -> Result<Vec<u8>, Errno> {
    let up = kernel.boot.elapsed();
    Ok(format_uptime(up, up * ncpus() as u32))
}

/// The `loadavg` file.
pub(super) fn loadavg(kernel: &Kernel) -> Result<Vec<u8>, Errno> {
    let (total, last) = threads(kernel);
    Ok(format_loadavg(running(), total, last))
}

/// The `/proc/stat` file.
pub(super) fn system_stat(kernel: &Kernel) -> Result<Vec<u8>, Errno> {
    let up = kernel.boot.elapsed();
    let boot = SystemTime::now()
        .checked_sub(up)
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .unwrap_or_default();
    let (_, last) = threads(kernel);
    Ok(format_system_stat(&SystemStat {
        ncpus: ncpus(),
        uptime_ticks: up.as_millis() as u64 / (1000 / USER_HZ),
        btime: boot.as_secs(),
        processes: last.max(0) as u64,
        running: running(),
    }))
}
