//! `ioctl(2)`: terminal requests by name with their structs, everything else as `_IOC(...)`.

use super::Ret;
use crate::ctx::Ctx;
use crate::value;
use crate::xlat::{self, Table};
use veil_abi::flags::ioctl as io;

/// Requests strace knows under two names (OSS sequencer timer ioctls share the numbers).
const TCSETS_NAME: &str = "SNDCTL_TMR_START or TCSETS";
const TCSETSW_NAME: &str = "SNDCTL_TMR_STOP or TCSETSW";
const TCSETSF_NAME: &str = "SNDCTL_TMR_CONTINUE or TCSETSF";

/// How a request's third argument prints.
#[derive(Clone, Copy)]
enum ArgKind {
    /// No third argument (`FIOCLEX`).
    None,
    /// A plain integer.
    Int,
    /// An `int` the kernel reads: `[1]`.
    IntIn,
    /// An `int` the kernel writes: `[1]` after success.
    IntOut,
    /// A `struct termios` the kernel reads.
    TermiosIn,
    /// A `struct termios` the kernel writes.
    TermiosOut,
    /// A `struct winsize` the kernel reads.
    WinsizeIn,
    /// A `struct winsize` the kernel writes.
    WinsizeOut,
    /// Unknown: hex.
    Hex,
}

/// Known requests: number, name, argument.
const REQUESTS: &[(u64, &str, ArgKind)] = &[
    (io::TCGETS, "TCGETS", ArgKind::TermiosOut),
    (io::TCSETS, TCSETS_NAME, ArgKind::TermiosIn),
    (io::TCSETSW, TCSETSW_NAME, ArgKind::TermiosIn),
    (io::TCSETSF, TCSETSF_NAME, ArgKind::TermiosIn),
    (0x5405, "TCGETA", ArgKind::Hex),
    (0x5406, "TCSETA", ArgKind::Hex),
    (0x5407, "TCSETAW", ArgKind::Hex),
    (0x5408, "TCSETAF", ArgKind::Hex),
    (0x5409, "TCSBRK", ArgKind::Int),
    (0x540a, "TCXONC", ArgKind::Int),
    (0x540b, "TCFLSH", ArgKind::Int),
    (0x540c, "TIOCEXCL", ArgKind::None),
    (0x540d, "TIOCNXCL", ArgKind::None),
    (0x540e, "TIOCSCTTY", ArgKind::Int),
    (io::TIOCGPGRP, "TIOCGPGRP", ArgKind::IntOut),
    (io::TIOCSPGRP, "TIOCSPGRP", ArgKind::IntIn),
    (0x5411, "TIOCOUTQ", ArgKind::IntOut),
    (0x5412, "TIOCSTI", ArgKind::Hex),
    (io::TIOCGWINSZ, "TIOCGWINSZ", ArgKind::WinsizeOut),
    (io::TIOCSWINSZ, "TIOCSWINSZ", ArgKind::WinsizeIn),
    (0x5415, "TIOCMGET", ArgKind::IntOut),
    (io::FIONREAD, "FIONREAD", ArgKind::IntOut),
    (0x5420, "TIOCPKT", ArgKind::IntIn),
    (io::FIONBIO, "FIONBIO", ArgKind::IntIn),
    (0x5422, "TIOCNOTTY", ArgKind::None),
    (0x5423, "TIOCSETD", ArgKind::IntIn),
    (0x5424, "TIOCGETD", ArgKind::IntOut),
    (0x5425, "TCSBRKP", ArgKind::Int),
    (0x5429, "TIOCGSID", ArgKind::IntOut),
    (0x5437, "TIOCVHANGUP", ArgKind::None),
    (0x5441, "TIOCGPTPEER", ArgKind::Int),
    (io::FIONCLEX, "FIONCLEX", ArgKind::None),
    (io::FIOCLEX, "FIOCLEX", ArgKind::None),
    (0x5452, "FIOASYNC", ArgKind::IntIn),
    (0x8004_5430, "TIOCGPTN", ArgKind::IntOut),
    (0x4004_5431, "TIOCSPTLCK", ArgKind::IntIn),
    (0x8004_5432, "TIOCGDEV", ArgKind::IntOut),
    (0x4004_5436, "TIOCSIG", ArgKind::Int),
    (0x8004_5438, "TIOCGPKT", ArgKind::IntOut),
    (0x8004_5439, "TIOCGPTLCK", ArgKind::IntOut),
    (0x8004_5440, "TIOCGEXCL", ArgKind::IntOut),
    (0x4004_9409, "BTRFS_IOC_CLONE or FICLONE", ArgKind::Int),
    (
        0x4020_940d,
        "BTRFS_IOC_CLONE_RANGE or FICLONERANGE",
        ArgKind::Hex,
    ),
];

/// `ioctl(fd, request, arg)`.
pub(super) fn ioctl(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    let req = c.arg(1) & 0xffff_ffff;
    let Some(&(_, name, kind)) = REQUESTS.iter().find(|&&(n, _, _)| n == req) else {
        out.push(ioc(req));
        out.push(c.hex(2));
        return Ret::Dec;
    };
    out.push(name.to_string());
    let arg = c.arg(2);
    let written = !c.failed();
    match kind {
        ArgKind::None => {}
        ArgKind::Int => out.push(c.int(2)),
        ArgKind::Hex => out.push(c.hex(2)),
        ArgKind::IntIn => out.push(c.int_ref_at(arg)),
        ArgKind::IntOut if written => out.push(c.int_ref_at(arg)),
        ArgKind::TermiosIn => out.push(termios(c, arg)),
        ArgKind::TermiosOut if written => out.push(termios(c, arg)),
        ArgKind::WinsizeIn => out.push(winsize(c, arg)),
        ArgKind::WinsizeOut if written => out.push(winsize(c, arg)),
        ArgKind::IntOut | ArgKind::TermiosOut | ArgKind::WinsizeOut => out.push(c.ptr(2)),
    }
    Ret::Dec
}

/// An unknown request spelled out from its fields: `_IOC(_IOC_READ, 0x54, 0x1, 0x24)`.
fn ioc(req: u64) -> String {
    let dir = match (req >> 30) & 3 {
        0 => "_IOC_NONE",
        1 => "_IOC_WRITE",
        2 => "_IOC_READ",
        _ => "_IOC_READ|_IOC_WRITE",
    };
    format!(
        "_IOC({dir}, {}, {}, {})",
        value::hex((req >> 8) & 0xff),
        value::hex(req & 0xff),
        value::hex((req >> 16) & 0x3fff)
    )
}

/// A `struct winsize`: `{ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}`.
fn winsize(c: &Ctx, addr: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    match c.read(addr, 8) {
        Some(b) => format!(
            "{{ws_row={}, ws_col={}, ws_xpixel={}, ws_ypixel={}}}",
            value::u16_at(&b, 0),
            value::u16_at(&b, 2),
            value::u16_at(&b, 4),
            value::u16_at(&b, 6)
        ),
        None => value::addr(addr),
    }
}

/// The kernel's `struct termios`, abbreviated as strace prints it by default:
/// `{c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO, ...}`.
fn termios(c: &Ctx, addr: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let Some(b) = c.read(addr, 36) else {
        return value::addr(addr);
    };
    let (iflag, oflag, cflag, lflag) = (
        u64::from(value::u32_at(&b, 0)),
        u64::from(value::u32_at(&b, 4)),
        u64::from(value::u32_at(&b, 8)),
        u64::from(value::u32_at(&b, 12)),
    );
    format!(
        "{{c_iflag={}, c_oflag={}, c_cflag={}, c_lflag={}, ...}}",
        xlat::flags(IFLAGS, iflag, "IGNBRK???"),
        oflags(oflag),
        cflags(cflag),
        xlat::flags(LFLAGS, lflag, "ISIG???"),
    )
}

/// `c_oflag`: the delay fields, then the flags.
fn oflags(v: u64) -> String {
    const FIELDS: [(u64, Table); 6] = [
        (0o400, &[(0, "NL0"), (0o400, "NL1")]),
        (
            0o3000,
            &[
                (0, "CR0"),
                (0o1000, "CR1"),
                (0o2000, "CR2"),
                (0o3000, "CR3"),
            ],
        ),
        (
            0o14000,
            &[
                (0, "TAB0"),
                (0o4000, "TAB1"),
                (0o10000, "TAB2"),
                (0o14000, "TAB3"),
            ],
        ),
        (0o20000, &[(0, "BS0"), (0o20000, "BS1")]),
        (0o40000, &[(0, "VT0"), (0o40000, "VT1")]),
        (0o100000, &[(0, "FF0"), (0o100000, "FF1")]),
    ];
    let mut parts: Vec<String> = Vec::new();
    let mut rest = v;
    for (mask, table) in FIELDS {
        parts.push(xlat::xval(table, v & mask, "???"));
        rest &= !mask;
    }
    if rest != 0 {
        let (names, left) = xlat::split_flags(OFLAGS, rest);
        parts.push(xlat::join_flags(names, left, "OPOST???"));
    }
    parts.join("|")
}

/// `c_cflag`: the output and input speeds, the character size, then the flags.
fn cflags(v: u64) -> String {
    const CBAUD: u64 = 0o10017;
    const CSIZE: u64 = 0o60;
    const IBSHIFT: u32 = 16;
    let mut parts = vec![xlat::xval(BAUD, v & CBAUD, "B???")];
    let ibaud = (v >> IBSHIFT) & CBAUD;
    if ibaud != 0 {
        parts.push(format!("{}<<IBSHIFT", xlat::xval(BAUD, ibaud, "B???")));
    }
    parts.push(xlat::xval(CSIZES, v & CSIZE, "CS???"));
    let rest = v & !(CBAUD | CSIZE | (CBAUD << IBSHIFT));
    if rest != 0 {
        let (names, left) = xlat::split_flags(CFLAGS, rest);
        parts.push(xlat::join_flags(names, left, "CSTOPB???"));
    }
    parts.join("|")
}

const IFLAGS: Table = &[
    (0o1, "IGNBRK"),
    (0o2, "BRKINT"),
    (0o4, "IGNPAR"),
    (0o10, "PARMRK"),
    (0o20, "INPCK"),
    (0o40, "ISTRIP"),
    (0o100, "INLCR"),
    (0o200, "IGNCR"),
    (0o400, "ICRNL"),
    (0o1000, "IUCLC"),
    (0o2000, "IXON"),
    (0o4000, "IXANY"),
    (0o10000, "IXOFF"),
    (0o20000, "IMAXBEL"),
    (0o40000, "IUTF8"),
];

const OFLAGS: Table = &[
    (0o1, "OPOST"),
    (0o2, "OLCUC"),
    (0o4, "ONLCR"),
    (0o10, "OCRNL"),
    (0o20, "ONOCR"),
    (0o40, "ONLRET"),
    (0o100, "OFILL"),
    (0o200, "OFDEL"),
];

const CFLAGS: Table = &[
    (0o100, "CSTOPB"),
    (0o200, "CREAD"),
    (0o400, "PARENB"),
    (0o1000, "PARODD"),
    (0o2000, "HUPCL"),
    (0o4000, "CLOCAL"),
    (0o10000000000, "CMSPAR"),
    (0o20000000000, "CRTSCTS"),
];

const CSIZES: Table = &[(0, "CS5"), (0o20, "CS6"), (0o40, "CS7"), (0o60, "CS8")];

const LFLAGS: Table = &[
    (0o1, "ISIG"),
    (0o2, "ICANON"),
    (0o4, "XCASE"),
    (0o10, "ECHO"),
    (0o20, "ECHOE"),
    (0o40, "ECHOK"),
    (0o100, "ECHONL"),
    (0o200, "NOFLSH"),
    (0o100000, "IEXTEN"),
    (0o1000, "ECHOCTL"),
    (0o2000, "ECHOPRT"),
    (0o4000, "ECHOKE"),
    (0o10000, "FLUSHO"),
    (0o40000, "PENDIN"),
    (0o400, "TOSTOP"),
    (0o200000, "EXTPROC"),
];

const BAUD: Table = &[
    (0, "B0"),
    (1, "B50"),
    (2, "B75"),
    (3, "B110"),
    (4, "B134"),
    (5, "B150"),
    (6, "B200"),
    (7, "B300"),
    (8, "B600"),
    (9, "B1200"),
    (10, "B1800"),
    (11, "B2400"),
    (12, "B4800"),
    (13, "B9600"),
    (14, "B19200"),
    (15, "B38400"),
    (0o10000, "BOTHER"),
    (0o10001, "B57600"),
    (0o10002, "B115200"),
    (0o10003, "B230400"),
    (0o10004, "B460800"),
    (0o10005, "B500000"),
    (0o10006, "B576000"),
    (0o10007, "B921600"),
    (0o10010, "B1000000"),
    (0o10011, "B1152000"),
    (0o10012, "B1500000"),
    (0o10013, "B2000000"),
    (0o10014, "B2500000"),
    (0o10015, "B3000000"),
    (0o10016, "B3500000"),
    (0o10017, "B4000000"),
];
