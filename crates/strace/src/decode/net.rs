//! Sockets: creation, addresses and the plain send/receive calls.
//!
//! Value-result lengths (`getsockname`'s `addrlen`) are only seen after the call, so they
//! print as `[16]` where strace, which also saw them before the call, may print
//! `[128 => 16]`.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{out_buf, Ret};
use crate::ctx::Ctx;
use crate::value::{self, Escape};
use crate::xlat::{self, Table};

const AF_UNIX: u64 = 1;
const AF_INET: u64 = 2;
const AF_INET6: u64 = 10;
const AF_NETLINK: u64 = 16;

/// Largest socket address read (`sizeof(struct sockaddr_storage)`).
const SOCKADDR_MAX: u64 = 128;

/// `socket(domain, type, protocol)`.
pub(super) fn socket(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.extend([
        family(c.arg(0)),
        sock_type(c.arg(1)),
        protocol(c.arg(0), c.arg(2)),
    ]);
    Ret::Dec
}

/// `socketpair(domain, type, protocol, sv)`.
pub(super) fn socketpair(c: &Ctx, out: &mut Vec<String>) -> Ret {
    socket(c, out);
    let addr = c.arg(3);
    out.push(match c.read(addr, 8).filter(|_| !c.failed()) {
        Some(b) => format!(
            "[{}, {}]",
            value::u32_at(&b, 0) as i32,
            value::u32_at(&b, 4) as i32
        ),
        None => value::addr(addr),
    });
    Ret::Dec
}

/// `connect(fd, addr, addrlen)` and `bind`.
pub(super) fn connect(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    out.push(sockaddr(c, c.arg(1), c.arg(2) & 0xffff_ffff));
    out.push(c.uint(2));
    Ret::Dec
}

/// `listen(fd, backlog)`.
pub(super) fn listen(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.extend([c.fd(0), c.int(1)]);
    Ret::Dec
}

/// `shutdown(fd, how)`.
pub(super) fn shutdown(c: &Ctx, out: &mut Vec<String>) -> Ret {
    const HOW: Table = &[(0, "SHUT_RD"), (1, "SHUT_WR"), (2, "SHUT_RDWR")];
    out.extend([c.fd(0), xlat::xval(HOW, c.arg(1) & 0xffff_ffff, "SHUT_???")]);
    Ret::Dec
}

/// `getsockname(fd, addr, addrlen)`, `getpeername` and `accept`.
pub(super) fn getsockname(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    out.extend(addr_and_len(c, 1));
    Ret::Dec
}

/// A socket address the call filled (argument `i`) and its value-result length
/// (argument `i + 1`). On failure the length still holds its input value.
fn addr_and_len(c: &Ctx, i: usize) -> [String; 2] {
    let (addr, len_addr) = (c.arg(i), c.arg(i + 1));
    match c.read_u32(len_addr).filter(|_| len_addr != 0) {
        Some(len) if addr != 0 && !c.failed() => {
            [sockaddr(c, addr, u64::from(len)), format!("[{len}]")]
        }
        Some(len) => [c.ptr(i), format!("[{len}]")],
        None => [c.ptr(i), c.ptr(i + 1)],
    }
}

/// `accept4(fd, addr, addrlen, flags)`.
pub(super) fn accept4(c: &Ctx, out: &mut Vec<String>) -> Ret {
    getsockname(c, out);
    out.push(xlat::flags(SOCK_FLAGS, c.arg(3) & 0xffff_ffff, "SOCK_???"));
    Ret::Dec
}

/// `sendto(fd, buf, len, flags, dest_addr, addrlen)`.
pub(super) fn sendto(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    out.push(c.buf_at(c.arg(1), c.arg(2)));
    out.push(c.ulong(2));
    out.push(msg_flags(c.arg(3)));
    out.push(sockaddr(c, c.arg(4), c.arg(5) & 0xffff_ffff));
    out.push(c.uint(5));
    Ret::Dec
}

/// `recvfrom(fd, buf, len, flags, src_addr, addrlen)`.
pub(super) fn recvfrom(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    out.push(out_buf(c, 1, c.ret()));
    out.push(c.ulong(2));
    out.push(msg_flags(c.arg(3)));
    out.extend(addr_and_len(c, 4));
    Ret::Dec
}

fn msg_flags(v: u64) -> String {
    xlat::flags(MSG_FLAGS, v & 0xffff_ffff, "MSG_???")
}

fn family(v: u64) -> String {
    xlat::xval(FAMILIES, v & 0xffff_ffff, "AF_???")
}

/// A socket type with its flags: `SOCK_STREAM|SOCK_CLOEXEC`.
fn sock_type(v: u64) -> String {
    let v = v & 0xffff_ffff;
    let mut s = xlat::xval(SOCK_TYPES, v & 0xf, "SOCK_???");
    if v & !0xf != 0 {
        let (names, rest) = xlat::split_flags(SOCK_FLAGS, v & !0xf);
        s.push('|');
        s.push_str(&xlat::join_flags(names, rest, "SOCK_???"));
    }
    s
}

/// A protocol number, named for the families strace names them for.
fn protocol(family: u64, v: u64) -> String {
    let v = v & 0xffff_ffff;
    match family & 0xffff_ffff {
        AF_INET | AF_INET6 => xlat::xval(IP_PROTOCOLS, v, "IPPROTO_???"),
        AF_NETLINK => xlat::xval(NETLINK_PROTOCOLS, v, "NETLINK_???"),
        _ => (v as u32).to_string(),
    }
}

/// A socket address of `len` bytes: `{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("1.2.3.4")}`.
fn sockaddr(c: &Ctx, addr: u64, len: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let Some(b) = c
        .read(addr, len.min(SOCKADDR_MAX) as usize)
        .filter(|b| b.len() >= 2)
    else {
        return value::addr(addr);
    };
    let fam = u64::from(value::u16_at(&b, 0));
    let head = format!("sa_family={}", family(fam));
    let port = |off: usize| u16::from_be_bytes([b[off], b[off + 1]]);
    let body = match fam {
        AF_UNIX if b.len() == 2 => None,
        AF_UNIX => {
            let path = &b[2..];
            Some(if path.first() == Some(&0) {
                format!("sun_path=@{}", value::quote(&path[1..], Escape::Octal))
            } else {
                format!(
                    "sun_path={}",
                    value::quote(value::cstr_field(path), Escape::Octal)
                )
            })
        }
        AF_INET if b.len() >= 8 => Some(format!(
            "sin_port=htons({}), sin_addr=inet_addr(\"{}\")",
            port(2),
            Ipv4Addr::new(b[4], b[5], b[6], b[7])
        )),
        AF_INET6 if b.len() >= 28 => {
            let mut ip = [0u8; 16];
            ip.copy_from_slice(&b[8..24]);
            Some(format!(
                "sin6_port=htons({}), sin6_flowinfo=htonl({}), inet_pton(AF_INET6, \"{}\", &sin6_addr), sin6_scope_id={}",
                port(2),
                u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
                Ipv6Addr::from(ip),
                value::u32_at(&b, 24)
            ))
        }
        AF_NETLINK if b.len() >= 12 => Some(format!(
            "nl_pid={}, nl_groups={:08x}",
            value::u32_at(&b, 4) as i32,
            value::u32_at(&b, 8)
        )),
        _ => Some(format!("sa_data={}", value::quote(&b[2..], Escape::Octal))),
    };
    match body {
        Some(body) => format!("{{{head}, {body}}}"),
        None => format!("{{{head}}}"),
    }
}

const FAMILIES: Table = &[
    (0, "AF_UNSPEC"),
    (AF_UNIX, "AF_UNIX"),
    (AF_INET, "AF_INET"),
    (3, "AF_AX25"),
    (4, "AF_IPX"),
    (5, "AF_APPLETALK"),
    (6, "AF_NETROM"),
    (7, "AF_BRIDGE"),
    (8, "AF_ATMPVC"),
    (9, "AF_X25"),
    (AF_INET6, "AF_INET6"),
    (11, "AF_ROSE"),
    (12, "AF_DECnet"),
    (13, "AF_NETBEUI"),
    (14, "AF_SECURITY"),
    (15, "AF_KEY"),
    (AF_NETLINK, "AF_NETLINK"),
    (17, "AF_PACKET"),
    (31, "AF_BLUETOOTH"),
    (38, "AF_ALG"),
    (40, "AF_VSOCK"),
    (44, "AF_XDP"),
];

const SOCK_TYPES: Table = &[
    (1, "SOCK_STREAM"),
    (2, "SOCK_DGRAM"),
    (3, "SOCK_RAW"),
    (4, "SOCK_RDM"),
    (5, "SOCK_SEQPACKET"),
    (6, "SOCK_DCCP"),
    (10, "SOCK_PACKET"),
];

const SOCK_FLAGS: Table = &[(0o2000000, "SOCK_CLOEXEC"), (0o4000, "SOCK_NONBLOCK")];

const IP_PROTOCOLS: Table = &[
    (0, "IPPROTO_IP"),
    (1, "IPPROTO_ICMP"),
    (2, "IPPROTO_IGMP"),
    (6, "IPPROTO_TCP"),
    (17, "IPPROTO_UDP"),
    (41, "IPPROTO_IPV6"),
    (58, "IPPROTO_ICMPV6"),
    (132, "IPPROTO_SCTP"),
    (136, "IPPROTO_UDPLITE"),
    (255, "IPPROTO_RAW"),
    (262, "IPPROTO_MPTCP"),
];

const NETLINK_PROTOCOLS: Table = &[
    (0, "NETLINK_ROUTE"),
    (4, "NETLINK_SOCK_DIAG"),
    (9, "NETLINK_AUDIT"),
    (15, "NETLINK_KOBJECT_UEVENT"),
    (16, "NETLINK_GENERIC"),
];

const MSG_FLAGS: Table = &[
    (0x1, "MSG_OOB"),
    (0x2, "MSG_PEEK"),
    (0x4, "MSG_DONTROUTE"),
    (0x8, "MSG_CTRUNC"),
    (0x10, "MSG_PROXY"),
    (0x20, "MSG_TRUNC"),
    (0x40, "MSG_DONTWAIT"),
    (0x80, "MSG_EOR"),
    (0x100, "MSG_WAITALL"),
    (0x200, "MSG_FIN"),
    (0x400, "MSG_SYN"),
    (0x800, "MSG_CONFIRM"),
    (0x1000, "MSG_RST"),
    (0x2000, "MSG_ERRQUEUE"),
    (0x4000, "MSG_NOSIGNAL"),
    (0x8000, "MSG_MORE"),
    (0x1_0000, "MSG_WAITFORONE"),
    (0x4_0000, "MSG_BATCH"),
    (0x400_0000, "MSG_ZEROCOPY"),
    (0x2000_0000, "MSG_FASTOPEN"),
    (0x4000_0000, "MSG_CMSG_CLOEXEC"),
];
