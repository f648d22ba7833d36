//! Processes and threads: `execve`, `clone`, `wait4`, `futex`, limits, identity and
//! per-thread state.

use super::signal::signame;
use super::time::timespec_at;
use super::Ret;
use crate::ctx::Ctx;
use crate::value::{self, Escape};
use crate::xlat::{self, ARCH_PRCTL, AT_FLAGS, CLONE_FLAGS, FUTEX_CMDS, FUTEX_WAKE_CMPS};
use crate::xlat::{FUTEX_WAKE_OPS, GRND_FLAGS, RLIMITS, WAIT_OPTIONS};
use veil_abi::flags::clone::{
    CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_PARENT_SETTID, CLONE_PIDFD, CLONE_SETTLS,
    CSIGNAL,
};

/// Most environment pointers counted for `/* N vars */`.
const MAX_ENV: u64 = 1 << 16;

/// `execve(path, argv, envp)`: `execve("/bin/ls", ["ls", "-l"], 0x7ffe... /* 12 vars */)`.
///
/// strace prints this when the call starts. A successful `execve` replaces the memory the
/// arguments live in, so the caller formats it from a [`crate::Snapshot`] taken before.
pub(super) fn execve(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.path(0));
    out.push(argv(c, c.arg(1)));
    out.push(envp(c, c.arg(2)));
    Ret::Dec
}

/// `execveat(dirfd, path, argv, envp, flags)`.
pub(super) fn execveat(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.dirfd(0));
    out.push(c.path(1));
    out.push(argv(c, c.arg(2)));
    out.push(envp(c, c.arg(3)));
    out.push(xlat::flags(AT_FLAGS, c.arg(4) & 0xffff_ffff, "AT_???"));
    Ret::Dec
}

/// An argument vector: its strings, at most the string limit of them.
fn argv(c: &Ctx, addr: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let mut items = Vec::new();
    for i in 0.. {
        let Some(p) = addr.checked_add(i * 8).and_then(|a| c.read_u64(a)) else {
            if i == 0 {
                return value::addr(addr);
            }
            items.push("...".to_string());
            break;
        };
        if p == 0 {
            break;
        }
        if items.len() >= c.limit() {
            items.push("...".to_string());
            break;
        }
        items.push(c.string_at(p));
    }
    format!("[{}]", items.join(", "))
}

/// An environment, abbreviated: `0x7ffe... /* 12 vars */`.
fn envp(c: &Ctx, addr: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let mut n = 0;
    while n < MAX_ENV {
        match addr.checked_add(n * 8).and_then(|a| c.read_u64(a)) {
            Some(0) => break,
            Some(_) => n += 1,
            None if n == 0 => return value::addr(addr),
            None => break,
        }
    }
    format!("{} /* {n} vars */", value::addr(addr))
}

/// `clone(flags, stack, parent_tid, child_tid, tls)` (x86_64 argument order), printed as
/// strace does: `clone(child_stack=NULL, flags=CLONE_VM|SIGCHLD, child_tidptr=0x...)`.
pub(super) fn clone(c: &Ctx, out: &mut Vec<String>) -> Ret {
    let flags = c.arg(0) & !CSIGNAL;
    out.push(format!("child_stack={}", c.ptr(1)));
    out.push(format!("flags={}", clone_flags(flags, c.arg(0) & CSIGNAL)));
    if flags & (CLONE_PARENT_SETTID | CLONE_PIDFD) != 0 {
        let ptid = c.arg(2);
        let shown = if c.failed() {
            c.ptr(2)
        } else {
            c.int_ref_at(ptid)
        };
        out.push(format!("parent_tid={shown}"));
    }
    if flags & CLONE_SETTLS != 0 {
        out.push(format!("tls={}", c.ptr(4)));
    }
    if flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) != 0 {
        out.push(format!("child_tidptr={}", c.ptr(3)));
    }
    Ret::Dec
}

/// Clone flags followed by the exit signal: `CLONE_VM|CLONE_FS|SIGCHLD`.
fn clone_flags(flags: u64, sig: u64) -> String {
    match (flags, sig) {
        (0, 0) => "0".to_string(),
        (0, s) => signame(s),
        (f, 0) => xlat::flags(CLONE_FLAGS, f, "CLONE_???"),
        (f, s) => format!(
            "{}|{}",
            xlat::flags(CLONE_FLAGS, f, "CLONE_???"),
            signame(s)
        ),
    }
}

/// `clone3(cl_args, size)`:
/// `clone3({flags=CLONE_VM|..., exit_signal=0, stack=0x..., stack_size=0x7fff80, tls=0x...} => {parent_tid=[42]}, 88)`.
pub(super) fn clone3(c: &Ctx, out: &mut Vec<String>) -> Ret {
    const SIZE_VER0: u64 = 64;
    const SIZE_MAX: u64 = 88;
    const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;
    let (addr, size) = (c.arg(0), c.arg(1));
    let bytes = (size >= SIZE_VER0)
        .then(|| c.read(addr, size.min(SIZE_MAX) as usize))
        .flatten()
        .filter(|_| addr != 0);
    let Some(b) = bytes else {
        out.push(c.ptr(0));
        out.push(c.ulong(1));
        return Ret::Dec;
    };
    let field = |i: usize| value::u64_at(&b, i * 8);
    let flags = field(0);
    let mut f = vec![format!(
        "flags={}",
        xlat::flags(CLONE_FLAGS, flags, "CLONE_???")
    )];
    if flags & CLONE_PIDFD != 0 {
        f.push(format!("pidfd={}", value::addr(field(1))));
    }
    if flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) != 0 {
        f.push(format!("child_tid={}", value::addr(field(2))));
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        f.push(format!("parent_tid={}", value::addr(field(3))));
    }
    f.push(format!("exit_signal={}", signame(field(4))));
    f.push(format!("stack={}", value::addr(field(5))));
    f.push(format!("stack_size={}", value::hex(field(6))));
    if flags & CLONE_SETTLS != 0 {
        f.push(format!("tls={}", value::addr(field(7))));
    }
    if b.len() >= 80 && (field(8) != 0 || field(9) != 0) {
        f.push(format!("set_tid={}", value::addr(field(8))));
        f.push(format!("set_tid_size={}", field(9)));
    }
    if b.len() >= 88 && flags & CLONE_INTO_CGROUP != 0 {
        f.push(format!("cgroup={}", field(10)));
    }
    let mut s = format!("{{{}}}", f.join(", "));
    if !c.failed() && flags & (CLONE_PARENT_SETTID | CLONE_PIDFD) != 0 {
        let mut outs = Vec::new();
        if flags & CLONE_PIDFD != 0 {
            outs.push(format!("pidfd={}", c.int_ref_at(field(1))));
        }
        if flags & CLONE_PARENT_SETTID != 0 {
            outs.push(format!("parent_tid={}", c.int_ref_at(field(3))));
        }
        s.push_str(&format!(" => {{{}}}", outs.join(", ")));
    }
    out.push(s);
    out.push(c.ulong(1));
    Ret::Dec
}

/// `wait4(pid, wstatus, options, rusage)`: the status as `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`.
/// The rusage struct prints as its address.
pub(super) fn wait4(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.int(0));
    let addr = c.arg(1);
    let status = if c.failed() || c.ret() == 0 {
        None
    } else {
        c.read_u32(addr)
    };
    out.push(match status {
        _ if addr == 0 => "NULL".to_string(),
        Some(s) => format!("[{{{}}}]", wait_status(s)),
        None => value::addr(addr),
    });
    out.push(xlat::flags(WAIT_OPTIONS, c.arg(2) & 0xffff_ffff, "W???"));
    out.push(c.ptr(3));
    Ret::Dec
}

/// Decodes a wait status the way `<sys/wait.h>`'s macros test it.
fn wait_status(s: u32) -> String {
    let low = s & 0x7f;
    if s & 0xff == 0x7f {
        format!(
            "WIFSTOPPED(s) && WSTOPSIG(s) == {}",
            signame(u64::from((s >> 8) & 0xff))
        )
    } else if s == 0xffff {
        "WIFCONTINUED(s)".to_string()
    } else if low == 0 {
        format!("WIFEXITED(s) && WEXITSTATUS(s) == {}", (s >> 8) & 0xff)
    } else {
        let core = if s & 0x80 != 0 {
            " && WCOREDUMP(s)"
        } else {
            ""
        };
        format!(
            "WIFSIGNALED(s) && WTERMSIG(s) == {}{core}",
            signame(u64::from(low))
        )
    }
}

/// `arch_prctl(code, addr)`: `ARCH_SET_FS, 0x7f...`, or `ARCH_GET_FS, [0x7f...]`.
pub(super) fn arch_prctl(c: &Ctx, out: &mut Vec<String>) -> Ret {
    const SET_GS: u64 = 0x1001;
    const SET_FS: u64 = 0x1002;
    const GET_FS: u64 = 0x1003;
    const GET_GS: u64 = 0x1004;
    let code = c.arg(0) & 0xffff_ffff;
    out.push(xlat::xval(ARCH_PRCTL, code, "ARCH_???"));
    let addr = c.arg(1);
    out.push(match code {
        SET_FS | SET_GS => c.ptr(1),
        GET_FS | GET_GS if !c.failed() && addr != 0 => match c.read_u64(addr) {
            Some(v) => format!("[{}]", value::addr(v)),
            None => value::addr(addr),
        },
        GET_FS | GET_GS => c.ptr(1),
        _ => c.hex(1),
    });
    Ret::Dec
}

/// `uname(buf)`: `{sysname="Linux", nodename="box", ...}`.
pub(super) fn uname(c: &Ctx, out: &mut Vec<String>) -> Ret {
    const FIELD: usize = 65;
    let addr = c.arg(0);
    let shown = match c.read(addr, FIELD * 6) {
        Some(b) if !c.failed() && addr != 0 => format!(
            "{{sysname={}, nodename={}, ...}}",
            value::quote(value::cstr_field(&b[..FIELD]), Escape::Octal),
            value::quote(value::cstr_field(&b[FIELD..2 * FIELD]), Escape::Octal)
        ),
        _ => c.ptr(0),
    };
    out.push(shown);
    Ret::Dec
}

/// `prlimit64(pid, resource, new_limit, old_limit)`.
pub(super) fn prlimit64(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.int(0));
    out.push(xlat::xval(RLIMITS, c.arg(1) & 0xffff_ffff, "RLIMIT_???"));
    out.push(rlimit_at(c, c.arg(2), "RLIM64_INFINITY"));
    out.push(if c.failed() {
        c.ptr(3)
    } else {
        rlimit_at(c, c.arg(3), "RLIM64_INFINITY")
    });
    Ret::Dec
}

/// `getrlimit(resource, rlim)` and `setrlimit`.
pub(super) fn getrlimit(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(xlat::xval(RLIMITS, c.arg(0) & 0xffff_ffff, "RLIMIT_???"));
    out.push(if c.failed() {
        c.ptr(1)
    } else {
        rlimit_at(c, c.arg(1), "RLIM_INFINITY")
    });
    Ret::Dec
}

/// A `struct rlimit`: `{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}`.
fn rlimit_at(c: &Ctx, addr: u64, infinity: &str) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let lim = |v: u64| -> String {
        if v == u64::MAX {
            infinity.to_string()
        } else if v > 1024 && v & 0x3ff == 0 {
            format!("{}*1024", v / 1024)
        } else {
            v.to_string()
        }
    };
    match c.read(addr, 16) {
        Some(b) => format!(
            "{{rlim_cur={}, rlim_max={}}}",
            lim(value::u64_at(&b, 0)),
            lim(value::u64_at(&b, 8))
        ),
        None => value::addr(addr),
    }
}

/// `sched_getaffinity(pid, cpusetsize, mask)`: the CPUs the kernel reported, `[0 1]`.
pub(super) fn sched_getaffinity(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.int(0));
    out.push(c.ulong(1));
    out.push(if c.failed() {
        c.ptr(2)
    } else {
        cpuset_at(c, c.arg(2), c.ret().min(c.arg(1)))
    });
    Ret::Dec
}

/// `sched_setaffinity(pid, cpusetsize, mask)`.
pub(super) fn sched_setaffinity(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.int(0));
    out.push(c.ulong(1));
    out.push(cpuset_at(c, c.arg(2), c.arg(1)));
    Ret::Dec
}

/// A CPU set of `len` bytes as the list of its CPUs.
fn cpuset_at(c: &Ctx, addr: u64, len: u64) -> String {
    const MAX_LEN: u64 = 1 << 16;
    if addr == 0 {
        return "NULL".to_string();
    }
    let Some(b) = c.read(addr, len.min(MAX_LEN) as usize) else {
        return value::addr(addr);
    };
    let cpus: Vec<String> = b
        .iter()
        .enumerate()
        .flat_map(|(i, &byte)| {
            (0..8)
                .filter(move |bit| byte & (1 << bit) != 0)
                .map(move |bit| i * 8 + bit)
        })
        .map(|cpu| cpu.to_string())
        .collect();
    format!("[{}]", cpus.join(" "))
}

/// `getrandom(buf, buflen, flags)`: the bytes produced, all in `\x` escapes.
pub(super) fn getrandom(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(if c.failed() {
        c.ptr(0)
    } else {
        c.buf_at_esc(c.arg(0), c.ret(), Escape::Hex)
    });
    out.push(c.ulong(1));
    out.push(xlat::flags(GRND_FLAGS, c.arg(2) & 0xffff_ffff, "GRND_???"));
    Ret::Dec
}

/// `futex(uaddr, op, val, timeout|val2, uaddr2, val3)`: the arguments each operation uses.
pub(super) fn futex(c: &Ctx, out: &mut Vec<String>) -> Ret {
    const PRIVATE: u64 = 128;
    const CLOCK_REALTIME: u64 = 256;
    const BITSET_MATCH_ANY: u64 = 0xffff_ffff;
    out.push(c.ptr(0));
    let op = c.arg(1) & 0xffff_ffff;
    let cmd = op & !(PRIVATE | CLOCK_REALTIME);
    let Some(name) = xlat::lookup(FUTEX_CMDS, cmd) else {
        out.push(format!("{op:#x} /* FUTEX_??? */"));
        out.extend([c.uint(2), c.hex(3), c.hex(4), c.hex(5)]);
        return Ret::Dec;
    };
    let mut op_str = name.to_string();
    if op & PRIVATE != 0 {
        op_str.push_str("_PRIVATE");
    }
    if op & CLOCK_REALTIME != 0 {
        op_str.push_str("|FUTEX_CLOCK_REALTIME");
    }
    out.push(op_str);
    let timeout = || timespec_at(c, c.arg(3));
    let val2 = || c.uint(3);
    match name {
        "FUTEX_WAIT" => out.extend([c.uint(2), timeout()]),
        "FUTEX_WAIT_BITSET" => {
            let v3 = c.arg(5) & 0xffff_ffff;
            let bitset = if v3 == BITSET_MATCH_ANY {
                "FUTEX_BITSET_MATCH_ANY".to_string()
            } else {
                value::hex(v3)
            };
            out.extend([c.uint(2), timeout(), bitset]);
        }
        "FUTEX_WAKE" | "FUTEX_FD" => out.push(c.uint(2)),
        "FUTEX_WAKE_BITSET" => out.extend([c.uint(2), value::hex(c.arg(5) & 0xffff_ffff)]),
        "FUTEX_REQUEUE" => out.extend([c.uint(2), val2(), c.ptr(4)]),
        "FUTEX_CMP_REQUEUE" | "FUTEX_CMP_REQUEUE_PI" => {
            out.extend([c.uint(2), val2(), c.ptr(4), c.uint(5)])
        }
        "FUTEX_WAKE_OP" => out.extend([c.uint(2), val2(), c.ptr(4), wake_op(c.arg(5))]),
        "FUTEX_LOCK_PI" | "FUTEX_LOCK_PI2" => out.push(timeout()),
        "FUTEX_WAIT_REQUEUE_PI" => out.extend([c.uint(2), timeout(), c.ptr(4)]),
        _ => {} // FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI: no more arguments.
    }
    Ret::Dec
}

/// A `FUTEX_WAKE_OP` operation word: `FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_EQ<<24|0`.
fn wake_op(v: u64) -> String {
    const OPARG_SHIFT: u64 = 8;
    let op = (v >> 28) & 0xf;
    let mut s = String::new();
    if op & OPARG_SHIFT != 0 {
        s.push_str("FUTEX_OP_OPARG_SHIFT<<28|");
    }
    format!(
        "{s}{}<<28|{}<<12|{}<<24|{}",
        xlat::xval(FUTEX_WAKE_OPS, op & 7, "FUTEX_OP_???"),
        value::hex((v >> 12) & 0xfff),
        xlat::xval(FUTEX_WAKE_CMPS, (v >> 24) & 0xf, "FUTEX_OP_CMP_???"),
        value::hex(v & 0xfff)
    )
}

/// `getresuid(ruid, euid, suid)` and `getresgid`: `[0], [0], [0]`.
pub(super) fn getresuid(c: &Ctx, out: &mut Vec<String>) -> Ret {
    for i in 0..3 {
        out.push(if c.failed() {
            c.ptr(i)
        } else {
            c.int_ref_at(c.arg(i))
        });
    }
    Ret::Dec
}

/// `getgroups(size, list)`: the groups returned, `[0, 27]` (`[]` when only counting).
pub(super) fn getgroups(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.int(0));
    let addr = c.arg(1);
    let n = c.ret().min(c.arg(0) & 0xffff_ffff).min(1 << 16);
    let groups = if c.failed() || addr == 0 {
        None
    } else {
        c.read(addr, (n * 4) as usize)
    };
    out.push(match groups {
        Some(b) => {
            let mut ids: Vec<String> = b
                .chunks_exact(4)
                .map(|g| value::u32_at(g, 0).to_string())
                .collect();
            if ids.len() > c.limit() {
                ids.truncate(c.limit());
                ids.push("...".to_string());
            }
            format!("[{}]", ids.join(", "))
        }
        None => c.ptr(1),
    });
    Ret::Dec
}
