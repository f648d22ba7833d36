//! Signal numbers, signal sets and the `rt_sig*` calls.

use super::Ret;
use crate::ctx::Ctx;
use crate::value;
use crate::xlat::{self, SA_FLAGS, SIGNAL_NAMES, SIGPROCMASK_HOW};
use veil_abi::flags::signal::{SA_RESTORER, SIG_DFL, SIG_IGN};

/// Size of the kernel's signal set on x86_64; other sizes are rejected by the kernel and
/// printed as addresses.
const SIGSET_SIZE: u64 = 8;

/// A signal number: `SIGINT`, `SIGRTMIN`, `SIGRT_2`, or the number itself (`0`, `65`).
pub(crate) fn signame(v: u64) -> String {
    let sig = v as u32 as i32;
    match sig {
        1..=31 => SIGNAL_NAMES[(sig - 1) as usize].to_string(),
        32 => "SIGRTMIN".to_string(),
        33..=64 => format!("SIGRT_{}", sig - 32),
        _ => sig.to_string(),
    }
}

/// A signal set: `[INT TERM]`, or `~[...]` listing the missing signals when more than half
/// are present (`~[]` is the full set).
pub(crate) fn sigset(mask: u64) -> String {
    let (prefix, bits) = if mask.count_ones() > 32 {
        ("~", !mask)
    } else {
        ("", mask)
    };
    let names: Vec<String> = (0..64u64)
        .filter(|bit| bits & (1 << bit) != 0)
        .map(|bit| {
            let name = signame(bit + 1);
            name.strip_prefix("SIG").map(str::to_string).unwrap_or(name)
        })
        .collect();
    format!("{prefix}[{}]", names.join(" "))
}

/// A signal set in guest memory, `size` bytes long.
fn sigset_at(c: &Ctx, addr: u64, size: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    if size != SIGSET_SIZE {
        return value::addr(addr);
    }
    match c.read_u64(addr) {
        Some(mask) => sigset(mask),
        None => value::addr(addr),
    }
}

/// `rt_sigaction(signum, act, oldact, sigsetsize)`.
pub(super) fn rt_sigaction(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(signame(c.arg(0)));
    out.push(sigaction_at(c, c.arg(1)));
    out.push(if c.failed() {
        c.ptr(2)
    } else {
        sigaction_at(c, c.arg(2))
    });
    out.push(c.ulong(3));
    Ret::Dec
}

/// The kernel's `struct sigaction`:
/// `{sa_handler=SIG_DFL, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f...}`.
fn sigaction_at(c: &Ctx, addr: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let Some(b) = c.read(addr, 32) else {
        return value::addr(addr);
    };
    let (handler, flags, restorer, mask) = (
        value::u64_at(&b, 0),
        value::u64_at(&b, 8),
        value::u64_at(&b, 16),
        value::u64_at(&b, 24),
    );
    let handler = match handler {
        SIG_DFL => "SIG_DFL".to_string(),
        SIG_IGN => "SIG_IGN".to_string(),
        u64::MAX => "SIG_ERR".to_string(),
        h => value::addr(h),
    };
    let mut s = format!(
        "{{sa_handler={handler}, sa_mask={}, sa_flags={}",
        sigset(mask),
        xlat::flags(SA_FLAGS, flags, "SA_???")
    );
    if flags & SA_RESTORER != 0 {
        s.push_str(&format!(", sa_restorer={}", value::addr(restorer)));
    }
    s.push('}');
    s
}

/// `rt_sigprocmask(how, set, oldset, sigsetsize)`.
pub(super) fn rt_sigprocmask(c: &Ctx, out: &mut Vec<String>) -> Ret {
    let size = c.arg(3);
    out.push(xlat::xval(
        SIGPROCMASK_HOW,
        c.arg(0) & 0xffff_ffff,
        "SIG_???",
    ));
    out.push(sigset_at(c, c.arg(1), size));
    out.push(if c.failed() {
        c.ptr(2)
    } else {
        sigset_at(c, c.arg(2), size)
    });
    out.push(c.ulong(3));
    Ret::Dec
}

/// `rt_sigpending(set, sigsetsize)`.
pub(super) fn rt_sigpending(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(if c.failed() {
        c.ptr(0)
    } else {
        sigset_at(c, c.arg(0), c.arg(1))
    });
    out.push(c.ulong(1));
    Ret::Dec
}

/// `rt_sigsuspend(mask, sigsetsize)`.
pub(super) fn rt_sigsuspend(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(sigset_at(c, c.arg(0), c.arg(1)));
    out.push(c.ulong(1));
    Ret::Dec
}

/// `sigaltstack(ss, old_ss)`: `{ss_sp=0x7f..., ss_flags=0, ss_size=8192}`.
pub(super) fn sigaltstack(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(stack_at(c, c.arg(0)));
    out.push(if c.failed() {
        c.ptr(1)
    } else {
        stack_at(c, c.arg(1))
    });
    Ret::Dec
}

/// A `stack_t`.
fn stack_at(c: &Ctx, addr: u64) -> String {
    const SS_FLAGS: xlat::Table = &[
        (1, "SS_ONSTACK"),
        (2, "SS_DISABLE"),
        (0x8000_0000, "SS_AUTODISARM"),
    ];
    if addr == 0 {
        return "NULL".to_string();
    }
    match c.read(addr, 24) {
        Some(b) => format!(
            "{{ss_sp={}, ss_flags={}, ss_size={}}}",
            value::addr(value::u64_at(&b, 0)),
            xlat::flags(SS_FLAGS, u64::from(value::u32_at(&b, 8)), "SS_???"),
            value::u64_at(&b, 16)
        ),
        None => value::addr(addr),
    }
}
