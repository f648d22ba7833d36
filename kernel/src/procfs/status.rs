//! `/proc/<pid>/status` and `/proc/<pid>/task/<tid>/status`, in the format of Linux
//! 6.6's `proc_pid_status`.

use std::fmt::Write as _;
use std::io::Write as _;

use veil_abi::Errno;

use super::maps::{kb, regions_of, VmStats};
use super::subject::{creds, dispositions, ncpus, run_state, Creds, RunState, Subject};

/// `RLIMIT_SIGPENDING`.
const RLIMIT_SIGPENDING: usize = 11;

/// Pending, blocked and handled signals (bit `n-1` for signal `n`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigMasks {
    /// Pending for the thread (`SigPnd`).
    pub pending: u64,
    /// Pending for the process (`ShdPnd`).
    pub shared_pending: u64,
    /// Blocked (`SigBlk`).
    pub blocked: u64,
    /// Ignored (`SigIgn`).
    pub ignored: u64,
    /// Caught by a handler (`SigCgt`).
    pub caught: u64,
}

/// Everything `status` shows, as plain data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusInfo {
    /// The thread's name (`comm`).
    pub name: Vec<u8>,
    /// The file creation mask.
    pub umask: u32,
    /// Run state.
    pub state: RunState,
    /// Process id.
    pub tgid: i32,
    /// Thread id.
    pub pid: i32,
    /// Parent's process id.
    pub ppid: i32,
    /// Process group id (`NSpgid`).
    pub pgid: i32,
    /// Session id (`NSsid`).
    pub sid: i32,
    /// User and group ids.
    pub creds: Creds,
    /// Size of the descriptor table (`FDSize`).
    pub fd_size: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// Capability sets: inheritable, permitted, effective, bounding.
    pub caps: [u64; 4],
    /// `PR_SET_NO_NEW_PRIVS`.
    pub no_new_privs: bool,
    /// Seccomp mode (0, 1, 2) and filter count.
    pub seccomp: (u32, usize),
    /// Memory figures.
    pub vm: VmStats,
    /// Threads in the process.
    pub threads: usize,
    /// Signals queued (`SigQ`, before the slash).
    pub sig_queued: u64,
    /// `RLIMIT_SIGPENDING` (`SigQ`, after the slash).
    pub sig_limit: u64,
    /// Signal masks.
    pub sig: SigMasks,
    /// CPUs the process may run on (`Cpus_allowed`): CPUs `0..ncpus`.
    pub ncpus: usize,
}

/// `status`, line by line as Linux 6.6 prints it.
pub fn format_status(s: &StatusInfo) -> Vec<u8> {
    let mut o = Vec::with_capacity(1536);
    o.extend_from_slice(b"Name:\t");
    o.extend_from_slice(&escape_name(&s.name));
    let c = &s.creds;
    let _ = write!(
        o,
        "\nUmask:\t{:04o}\nState:\t{}\nTgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t{}\nTracerPid:\t0\n\
         Uid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}\nFDSize:\t{}\nGroups:\t",
        s.umask,
        s.state.describe(),
        s.tgid,
        s.pid,
        s.ppid,
        c.uid[0],
        c.uid[1],
        c.uid[2],
        c.uid[3],
        c.gid[0],
        c.gid[1],
        c.gid[2],
        c.gid[3],
        s.fd_size,
    );
    for g in &s.groups {
        let _ = write!(o, "{g} ");
    }
    let _ = write!(
        o,
        "\nNStgid:\t{}\nNSpid:\t{}\nNSpgid:\t{}\nNSsid:\t{}\n",
        s.tgid, s.pid, s.pgid, s.sid
    );
    let vm = &s.vm;
    for (label, bytes) in [
        ("VmPeak", vm.size),
        ("VmSize", vm.size),
        ("VmLck", vm.locked),
        ("VmPin", 0),
        ("VmHWM", vm.rss),
        ("VmRSS", vm.rss),
        ("RssAnon", vm.rss),
        ("RssFile", 0),
        ("RssShmem", 0),
        ("VmData", vm.data),
        ("VmStk", vm.stack),
        ("VmExe", vm.exec),
        ("VmLib", 0),
        ("VmPTE", 0),
        ("VmSwap", 0),
        ("HugetlbPages", 0),
    ] {
        let _ = writeln!(o, "{label}:\t{:>8} kB", kb(bytes));
    }
    let _ = write!(
        o,
        "CoreDumping:\t0\nTHP_enabled:\t1\nThreads:\t{}\nSigQ:\t{}/{}\n\
         SigPnd:\t{:016x}\nShdPnd:\t{:016x}\nSigBlk:\t{:016x}\nSigIgn:\t{:016x}\nSigCgt:\t{:016x}\n\
         CapInh:\t{:016x}\nCapPrm:\t{:016x}\nCapEff:\t{:016x}\n\
         CapBnd:\t{:016x}\nCapAmb:\t0000000000000000\nNoNewPrivs:\t{}\nSeccomp:\t{}\n\
         Seccomp_filters:\t{}\nSpeculation_Store_Bypass:\tthread vulnerable\n\
         SpeculationIndirectBranch:\tconditional enabled\n\
         Cpus_allowed:\t{}\nCpus_allowed_list:\t{}\n\
         Mems_allowed:\t00000000,00000001\nMems_allowed_list:\t0\n\
         voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
        s.threads,
        s.sig_queued,
        s.sig_limit,
        s.sig.pending,
        s.sig.shared_pending,
        s.sig.blocked,
        s.sig.ignored,
        s.sig.caught,
        s.caps[0],
        s.caps[1],
        s.caps[2],
        s.caps[3],
        u8::from(s.no_new_privs),
        s.seccomp.0,
        s.seccomp.1,
        cpu_mask(s.ncpus),
        cpu_list(s.ncpus),
    );
    o
}

/// `Name:` escapes a newline and a backslash in the name (Linux's `proc_task_name`
/// with `escape`).
pub fn escape_name(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    for &b in name {
        match b {
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\\' => out.extend_from_slice(b"\\\\"),
            _ => out.push(b),
        }
    }
    out
}

/// The bitmap of CPUs `0..n` as Linux's `%*pb`: hexadecimal in 32-bit groups separated
/// by commas, the first group only as wide as the bits it holds (`ff` for 8 CPUs,
/// `f,ffffffff` for 36).
pub fn cpu_mask(n: usize) -> String {
    let n = n.max(1);
    let groups = n.div_ceil(32);
    let mut out = String::new();
    for g in (0..groups).rev() {
        let bits = (n - g * 32).min(32);
        let value: u64 = if bits == 32 {
            0xffff_ffff
        } else {
            (1u64 << bits) - 1
        };
        if g == groups - 1 {
            let digits = bits.div_ceil(4);
            let _ = write!(out, "{value:0digits$x}");
        } else {
            let _ = write!(out, ",{value:08x}");
        }
    }
    out
}

/// The list of CPUs `0..n` as Linux's `%*pbl`: `0` or `0-7`.
pub fn cpu_list(n: usize) -> String {
    match n {
        0 | 1 => "0".to_owned(),
        n => format!("0-{}", n - 1),
    }
}

/// `FDSize`: the capacity of Linux's descriptor table holding descriptors up to
/// `max_fd` (64 built in; then 128 × a power of two, as `alloc_fdtable` grows it).
pub fn fd_table_size(max_fd: Option<i32>) -> u32 {
    let Some(max) = max_fd else { return 64 };
    let max = max.max(0) as u32;
    if max < 64 {
        return 64;
    }
    128 * (max / 128 + 1).next_power_of_two()
}

/// Gathers `status` of `subject`.
pub(super) fn gather(subject: &Subject) -> Result<StatusInfo, Errno> {
    let tg = subject.thread_group()?;
    let task = subject.task()?;
    let name = task.comm.lock().clone();
    let umask = *task.fs.umask.lock();
    let vm = VmStats::of(&regions_of(&task.mm().vmas()));
    let max_fd = task.files.entries().last().map(|(fd, _)| *fd);
    let threads = tg.tasks().len();
    let pending = task.pending.lock().bits();
    let shared_pending = tg.pending.lock().bits();
    let (ignored, caught) = dispositions(&*tg.actions.lock());
    let sig_limit = tg.rlimits.lock()[RLIMIT_SIGPENDING].cur;
    Ok(StatusInfo {
        name,
        umask,
        state: run_state(&task),
        tgid: tg.tgid,
        pid: task.tid,
        ppid: tg.ppid(),
        pgid: tg.pgid.load(std::sync::atomic::Ordering::SeqCst),
        sid: tg.sid.load(std::sync::atomic::Ordering::SeqCst),
        creds: creds(&task),
        fd_size: fd_table_size(max_fd),
        groups: task.creds().groups.clone(),
        caps: {
            let c = task.creds();
            [c.inheritable, c.permitted, c.effective, c.bounding]
        },
        no_new_privs: tg.no_new_privs.load(std::sync::atomic::Ordering::SeqCst),
        seccomp: {
            let mode = task.seccomp.lock();
            (mode.number(), mode.filters())
        },
        vm,
        threads,
        sig_queued: u64::from((pending | shared_pending).count_ones()),
        sig_limit,
        sig: SigMasks {
            pending,
            shared_pending,
            blocked: task.mask(),
            ignored,
            caught,
        },
        ncpus: ncpus(),
    })
}

/// The `status` file of `subject`.
pub(super) fn generate(subject: &Subject) -> Result<Vec<u8>, Errno> {
    gather(subject).map(|s| format_status(&s))
}
