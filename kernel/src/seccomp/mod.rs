//! Seccomp for guests: the filters a thread installs with `seccomp(2)` or
//! `prctl(PR_SET_SECCOMP)` (classic BPF, [`bpf`]) and strict mode, run by the sentry
//! on every system call the thread makes before the call is looked up.
//!
//! A thread's filters are a chain, newest first, shared with the threads and
//! processes it creates afterwards and kept across `execve`; installing one makes a
//! new chain that points at the old. Every filter of the chain runs and the action
//! of highest precedence wins, as on Linux.

pub mod bpf;
pub mod rules;

use std::sync::Arc;

use bpf::Insn;

/// `SECCOMP_RET_KILL_PROCESS`.
pub const RET_KILL_PROCESS: u32 = 0x8000_0000;
/// `SECCOMP_RET_KILL_THREAD`.
pub const RET_KILL_THREAD: u32 = 0x0000_0000;
/// `SECCOMP_RET_TRAP`.
pub const RET_TRAP: u32 = 0x0003_0000;
/// `SECCOMP_RET_ERRNO`.
pub const RET_ERRNO: u32 = 0x0005_0000;
/// `SECCOMP_RET_USER_NOTIF`.
pub const RET_USER_NOTIF: u32 = 0x7fc0_0000;
/// `SECCOMP_RET_TRACE`.
pub const RET_TRACE: u32 = 0x7ff0_0000;
/// `SECCOMP_RET_LOG`.
pub const RET_LOG: u32 = 0x7ffc_0000;
/// `SECCOMP_RET_ALLOW`.
pub const RET_ALLOW: u32 = 0x7fff_0000;
/// `SECCOMP_RET_ACTION_FULL`.
const ACTION_FULL: u32 = 0xffff_0000;
/// `SECCOMP_RET_DATA`.
const DATA: u32 = 0x0000_ffff;
/// `AUDIT_ARCH_X86_64`.
pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
/// Most instructions of all a thread's filters together, each counted with 4 more
/// (`MAX_INSNS_PER_PATH`).
const MAX_PATH_INSNS: usize = 32_768;

/// A thread's seccomp mode (`PR_GET_SECCOMP`, `Seccomp:` in `/proc/<pid>/status`).
#[derive(Clone, Debug, Default)]
pub enum Mode {
    /// No seccomp.
    #[default]
    Disabled,
    /// `SECCOMP_MODE_STRICT`: only read, write, exit and rt_sigreturn.
    Strict,
    /// `SECCOMP_MODE_FILTER`: the chain's newest filter.
    Filter(Arc<Filter>),
}

impl Mode {
    /// The number `PR_GET_SECCOMP` and `/proc` show: 0, 1 or 2.
    pub fn number(&self) -> u32 {
        match self {
            Mode::Disabled => 0,
            Mode::Strict => 1,
            Mode::Filter(_) => 2,
        }
    }

    /// How many filters the chain has (`Seccomp_filters:`).
    pub fn filters(&self) -> usize {
        match self {
            Mode::Filter(f) => f.depth,
            _ => 0,
        }
    }
}

/// What a filter runs: a BPF program (`seccomp(2)`) or rules (a container's
/// `linux.seccomp`).
#[derive(Debug)]
enum Program {
    Bpf(Vec<Insn>),
    Rules(rules::RuleSet),
}

/// One installed filter and the chain before it.
#[derive(Debug)]
pub struct Filter {
    program: Program,
    /// `SECCOMP_FILTER_FLAG_LOG`: actions but `ALLOW` are logged.
    pub log: bool,
    prev: Option<Arc<Filter>>,
    depth: usize,
    insns: usize,
}

impl Filter {
    /// `prog` (checked) on top of `prev`; `ENOMEM` when the chain would be longer
    /// than Linux allows.
    pub fn push(
        prog: Vec<Insn>,
        log: bool,
        prev: Option<Arc<Filter>>,
    ) -> Result<Arc<Filter>, veil_abi::Errno> {
        bpf::check(&prog)?;
        let insns = prog.len() + 4 + prev.as_ref().map_or(0, |p| p.insns);
        if insns > MAX_PATH_INSNS {
            return Err(veil_abi::Errno::ENOMEM);
        }
        let depth = 1 + prev.as_ref().map_or(0, |p| p.depth);
        Ok(Arc::new(Filter {
            program: Program::Bpf(prog),
            log,
            prev,
            depth,
            insns,
        }))
    }

    /// A filter of `rules` (a container's profile), the first of its chain.
    pub fn of_rules(rules: rules::RuleSet) -> Arc<Filter> {
        Arc::new(Filter {
            program: Program::Rules(rules),
            log: false,
            prev: None,
            depth: 1,
            insns: 0,
        })
    }
}

/// What a system call's checks decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Run it.
    Allow,
    /// Fail it with this errno, without running it.
    Errno(i32),
    /// Do not run it; raise `SIGSYS` with this `si_errno`.
    Trap(u16),
    /// Do not run it; fail it with `ENOSYS` (a `TRACE` or `USER_NOTIF` with nobody
    /// to ask).
    Skip,
    /// End the thread by `SIGSYS`.
    KillThread,
    /// End the process by `SIGSYS`.
    KillProcess,
    /// End the process by `SIGKILL` (strict mode).
    KillStrict,
}

/// `struct seccomp_data` for system call `nr` with `args`, made at `ip`.
pub fn data(nr: u64, args: &[u64; 6], ip: u64) -> [u8; bpf::DATA_SIZE as usize] {
    let mut d = [0u8; bpf::DATA_SIZE as usize];
    d[0..4].copy_from_slice(&(nr as i32).to_le_bytes());
    d[4..8].copy_from_slice(&AUDIT_ARCH_X86_64.to_le_bytes());
    d[8..16].copy_from_slice(&ip.to_le_bytes());
    for (i, a) in args.iter().enumerate() {
        d[16 + 8 * i..24 + 8 * i].copy_from_slice(&a.to_le_bytes());
    }
    d
}

/// The decision of `mode` on system call `nr` (`args`, made at `ip`).
pub fn decide(mode: &Mode, nr: u64, args: &[u64; 6], ip: u64) -> Verdict {
    match mode {
        Mode::Disabled => Verdict::Allow,
        Mode::Strict => {
            use veil_abi::sysno::*;
            if matches!(nr, SYS_READ | SYS_WRITE | SYS_EXIT | SYS_RT_SIGRETURN) {
                Verdict::Allow
            } else {
                Verdict::KillStrict
            }
        }
        Mode::Filter(newest) => {
            let d = data(nr, args, ip);
            // The action of highest precedence is the lowest as a signed number.
            let mut ret = RET_ALLOW;
            let mut f = Some(newest);
            while let Some(filter) = f {
                let r = match &filter.program {
                    Program::Bpf(p) => bpf::run(p, &d),
                    Program::Rules(r) => r.eval(nr, args),
                };
                if ((r & ACTION_FULL) as i32) < ((ret & ACTION_FULL) as i32) {
                    ret = r;
                }
                f = filter.prev.as_ref();
            }
            verdict(ret)
        }
    }
}

/// What a filter's return value asks.
fn verdict(ret: u32) -> Verdict {
    let data = ret & DATA;
    match ret & ACTION_FULL {
        RET_KILL_PROCESS => Verdict::KillProcess,
        RET_KILL_THREAD => Verdict::KillThread,
        RET_TRAP => Verdict::Trap(data as u16),
        // Linux caps the errno at MAX_ERRNO.
        RET_ERRNO => Verdict::Errno(data.min(4095) as i32),
        RET_USER_NOTIF | RET_TRACE => Verdict::Skip,
        RET_LOG | RET_ALLOW => Verdict::Allow,
        // An unknown action kills the process, as Linux's default does.
        _ => Verdict::KillProcess,
    }
}

/// Whether `action` (`SECCOMP_GET_ACTION_AVAIL`) is one Veil carries out.
pub fn action_available(action: u32) -> bool {
    matches!(
        action,
        RET_KILL_PROCESS | RET_KILL_THREAD | RET_TRAP | RET_ERRNO | RET_TRACE | RET_LOG | RET_ALLOW
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ret(k: u32) -> Vec<Insn> {
        vec![Insn {
            code: 0x06,
            jt: 0,
            jf: 0,
            k,
        }]
    }

    #[test]
    fn the_most_restrictive_action_of_the_chain_wins() {
        let allow = Filter::push(ret(RET_ALLOW), false, None).unwrap();
        let errno = Filter::push(ret(RET_ERRNO | 13), false, Some(allow)).unwrap();
        let log = Filter::push(ret(RET_LOG), false, Some(errno)).unwrap();
        let mode = Mode::Filter(log);
        assert_eq!(mode.filters(), 3);
        assert_eq!(decide(&mode, 39, &[0; 6], 0), Verdict::Errno(13));
        let kill = Filter::push(
            ret(RET_KILL_PROCESS),
            false,
            match &mode {
                Mode::Filter(f) => Some(f.clone()),
                _ => None,
            },
        )
        .unwrap();
        assert_eq!(
            decide(&Mode::Filter(kill), 39, &[0; 6], 0),
            Verdict::KillProcess
        );
    }

    #[test]
    fn strict_mode_allows_four_calls() {
        assert_eq!(decide(&Mode::Strict, 1, &[0; 6], 0), Verdict::Allow);
        assert_eq!(decide(&Mode::Strict, 39, &[0; 6], 0), Verdict::KillStrict);
    }
}
