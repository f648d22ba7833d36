//! The socket calls on internet sockets ([`crate::net::socket::InetSocket`]):
//! `socket(AF_INET/AF_INET6)`, names and connections, data, options, and the
//! interface `ioctl`s every socket answers. The Unix socket calls
//! (`socket.rs`, `socket_names.rs`) hand an internet socket's descriptor here.

use std::net::SocketAddr;
use std::sync::Arc;

use veil_abi::flags::socket::*;
use veil_abi::Errno;
use veil_vfs::OpenFile;

use super::read_write::with_bounce;
use super::socket::{
    read_msghdr, receive_buffer, scatter, timeout_bytes, which_timeout, write_option, MsgHdr,
};
use super::socket_names::{copy_out_address, install_socket};
use super::{fd_arg, SysResult, SyscallCtx};
use crate::net::addr::{self, Family, GuestAddr};
use crate::net::host::HostSocket;
use crate::net::ops::{inet_of, InetOps};
use crate::net::options::{SOL_IP, SOL_IPV6, SOL_TCP};
use crate::net::ports::Protocol;
use crate::net::socket::InetSocket;
use crate::net::{interfaces, Netstack, NetworkMode};
use crate::signal::{SigInfo, SI_USER};
use crate::unix_socket::{RecvFlags, Ucred};

const IPPROTO_TCP: u64 = 6;
const IPPROTO_UDP: u64 = 17;
/// `sizeof(struct sockaddr_storage)`: the longest address a call reads.
const SOCKADDR_STORAGE: u64 = 128;
/// `CAP_NET_BIND_SERVICE`.
const CAP_NET_BIND_SERVICE: u32 = 10;
/// `CAP_NET_RAW`.
const CAP_NET_RAW: u32 = 13;

const TCP_MAXSEG: i32 = 2;
const TCP_INFO: i32 = 11;
const TCP_CONGESTION: i32 = 13;
const IP_MTU: i32 = 14;
const IPV6_V6ONLY: i32 = 26;
const IPV6_MTU: i32 = 24;

/// `sizeof(struct tcp_info)` as Linux 6.x fills it.
const TCP_INFO_SIZE: usize = 248;
/// `IP_MTU` over loopback: its MTU of 65536, capped at `IP_MAX_MTU`.
const LOOPBACK_MTU: i32 = 65535;
/// The TCP segment size over loopback.
const LOOPBACK_MSS: i32 = 65483;
/// TCP's segment size before a connection (`TCP_MSS_DEFAULT`).
const DEFAULT_MSS: i32 = 536;

/// The internet socket behind `fd`: `EBADF` unless open; `None` if it is another
/// kind of file (the caller then goes on with Unix sockets).
pub(super) fn lookup(sc: &SyscallCtx<'_>, fd: u64) -> Result<Option<Arc<dyn InetOps>>, Errno> {
    let file = sc.task.files.get(fd_arg(fd))?;
    Ok(inet_of(&file))
}

fn owner(sc: &SyscallCtx<'_>) -> Ucred {
    let c = sc.task.creds();
    Ucred {
        pid: sc.task.tg.tgid,
        uid: c.uid.effective,
        gid: c.gid.effective,
    }
}

fn stack<'a>(sc: &'a SyscallCtx<'_>) -> &'a Arc<Netstack> {
    &sc.task.kernel.net
}

/// `socket(AF_INET or AF_INET6, type, protocol)`: TCP and UDP. Raw sockets are
/// `EPERM` without `CAP_NET_RAW` and `EPROTONOSUPPORT` with it (no raw IP yet);
/// other types `ESOCKTNOSUPPORT`; a protocol not of the type `EPROTONOSUPPORT`.
pub(super) fn socket(sc: &mut SyscallCtx<'_>, family: Family, ty: u64, protocol: u64) -> SysResult {
    if ty & !(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let proto = match ((ty & SOCK_TYPE_MASK) as i32, protocol) {
        (SOCK_STREAM, 0 | IPPROTO_TCP) => Protocol::Tcp,
        (SOCK_DGRAM, 0 | IPPROTO_UDP) => Protocol::Udp,
        (SOCK_STREAM | SOCK_DGRAM, _) => return Err(Errno::EPROTONOSUPPORT),
        (SOCK_RAW, _) if !sc.task.creds().has(CAP_NET_RAW) => return Err(Errno::EPERM),
        (SOCK_RAW, _) => return Err(Errno::EPROTONOSUPPORT),
        _ => return Err(Errno::ESOCKTNOSUPPORT),
    };
    let nonblock = ty & SOCK_NONBLOCK != 0;
    let sock: Arc<dyn InetOps> = match sc.task.kernel.config.network {
        NetworkMode::Loopback => InetSocket::new(stack(sc), family, proto, owner(sc), nonblock),
        NetworkMode::Host => HostSocket::new(family, proto, owner(sc), nonblock)?,
    };
    install_socket(sc, sock, nonblock, ty & SOCK_CLOEXEC != 0)
}

/// Reads the guest's address of `len` bytes at `addr` for a socket of `family`.
fn read_address(
    sc: &SyscallCtx<'_>,
    family: Family,
    addr: u64,
    len: u64,
) -> Result<GuestAddr, Errno> {
    if len > SOCKADDR_STORAGE || (len as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let mut raw = vec![0u8; len as usize];
    sc.task.mm().copy_in(addr, &mut raw)?;
    addr::parse(family, &raw)
}

/// Writes `name` as a socket of `family` shows it (`None`: length 0), as
/// `copy_out_address` does.
fn write_address(
    sc: &SyscallCtx<'_>,
    family: Family,
    name: Option<SocketAddr>,
    addr: u64,
    addrlen: u64,
) -> Result<(), Errno> {
    let full = name.map(|n| addr::encode(family, n)).unwrap_or_default();
    copy_out_address(sc, &full, addr, addrlen)
}

/// `bind(fd, addr, addrlen)`.
pub(super) fn bind(sc: &SyscallCtx<'_>, sock: &dyn InetOps, a: [u64; 6]) -> SysResult {
    let GuestAddr::Inet(at) = read_address(sc, sock.family(), a[1], a[2])? else {
        return Err(Errno::EAFNOSUPPORT);
    };
    let creds = sc.task.creds();
    sock.bind(at, creds.uid.effective, creds.has(CAP_NET_BIND_SERVICE))?;
    Ok(0)
}

/// `listen(fd, backlog)`.
pub(super) fn listen(sock: &dyn InetOps, a: [u64; 6]) -> SysResult {
    sock.listen(a[1] as i32).map(|()| 0)
}

/// `connect(fd, addr, addrlen)`: TCP connects (`AF_UNSPEC` disconnects); UDP
/// associates (`AF_UNSPEC` dissolves).
pub(super) fn connect(
    sc: &SyscallCtx<'_>,
    file: &OpenFile,
    sock: &dyn InetOps,
    a: [u64; 6],
) -> SysResult {
    let dest = read_address(sc, sock.family(), a[1], a[2])?;
    let nonblock = file.flags() & veil_abi::flags::open::O_NONBLOCK != 0;
    match (sock.protocol(), dest) {
        (Protocol::Tcp, GuestAddr::Unspec) => sock.disconnect()?,
        (Protocol::Tcp, GuestAddr::Inet(d)) => sock.connect_stream(d, nonblock)?,
        (Protocol::Udp, GuestAddr::Unspec) => sock.connect_datagram(None)?,
        (Protocol::Udp, GuestAddr::Inet(d)) => sock.connect_datagram(Some(d))?,
    }
    Ok(0)
}

/// `accept4(fd, addr, addrlen, flags)`.
pub(super) fn accept4(
    sc: &SyscallCtx<'_>,
    file: &OpenFile,
    sock: &dyn InetOps,
    a: [u64; 6],
) -> SysResult {
    if a[3] & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    if sock.protocol() != Protocol::Tcp {
        return Err(Errno::EOPNOTSUPP);
    }
    let nonblock = file.flags() & veil_abi::flags::open::O_NONBLOCK != 0;
    let server = sock.accept(nonblock)?;
    write_address(sc, sock.family(), server.peer_name().ok(), a[1], a[2])?;
    let new_nonblock = a[3] & SOCK_NONBLOCK != 0;
    if new_nonblock {
        veil_vfs::FileOps::set_nonblocking(&*server, true);
    }
    install_socket(sc, server, new_nonblock, a[3] & SOCK_CLOEXEC != 0)
}

/// `getsockname(fd, addr, addrlen)`.
pub(super) fn getsockname(sc: &SyscallCtx<'_>, sock: &dyn InetOps, a: [u64; 6]) -> SysResult {
    write_address(sc, sock.family(), Some(sock.local_name()?), a[1], a[2]).map(|()| 0)
}

/// `getpeername(fd, addr, addrlen)`.
pub(super) fn getpeername(sc: &SyscallCtx<'_>, sock: &dyn InetOps, a: [u64; 6]) -> SysResult {
    let peer = sock.peer_name()?;
    write_address(sc, sock.family(), Some(peer), a[1], a[2]).map(|()| 0)
}

/// Where a UDP send with address `addr`/`len` goes (`None`: the associated
/// address). TCP ignores the address, as Linux's does.
fn send_target(
    sc: &SyscallCtx<'_>,
    sock: &dyn InetOps,
    addr: u64,
    len: u64,
) -> Result<Option<SocketAddr>, Errno> {
    if addr == 0 || sock.protocol() == Protocol::Tcp {
        return Ok(None);
    }
    match read_address(sc, sock.family(), addr, len)? {
        GuestAddr::Inet(d) => Ok(Some(d)),
        GuestAddr::Unspec => Err(Errno::EAFNOSUPPORT),
    }
}

/// Sends `data`; raises `SIGPIPE` for `EPIPE` unless `MSG_NOSIGNAL`.
fn send_on(
    sc: &SyscallCtx<'_>,
    sock: &dyn InetOps,
    dest: Option<SocketAddr>,
    data: &[u8],
    flags: u32,
) -> SysResult {
    if flags & MSG_OOB != 0 && sock.protocol() == Protocol::Udp {
        return Err(Errno::EOPNOTSUPP);
    }
    let r = sock.send(dest, data, flags & MSG_DONTWAIT != 0);
    if r == Err(Errno::EPIPE) && flags & MSG_NOSIGNAL == 0 {
        crate::signal::send_to_task(
            sc.task,
            SigInfo::kernel(veil_abi::flags::signal::SIGPIPE, SI_USER, 0),
        );
    }
    r.map(|n| n as u64)
}

/// `sendto(fd, buf, len, flags, addr, addrlen)`.
pub(super) fn sendto(sc: &SyscallCtx<'_>, sock: &dyn InetOps, a: [u64; 6]) -> SysResult {
    let (buf, len, flags) = (a[1], a[2] as usize, a[3] as u32);
    let dest = send_target(sc, sock, a[4], a[5])?;
    with_bounce(len.min(1 << 26), |data| {
        sc.task.mm().copy_in(buf, data)?;
        send_on(sc, sock, dest, data, flags)
    })
}

fn recv_flags(flags: u32) -> RecvFlags {
    RecvFlags {
        peek: flags & MSG_PEEK != 0,
        dontwait: flags & MSG_DONTWAIT != 0,
        waitall: flags & MSG_WAITALL != 0,
        trunc: flags & MSG_TRUNC != 0,
    }
}

/// What one receive got: bytes, the full length (a datagram's), the sender.
struct Got {
    len: usize,
    full_len: usize,
    from: Option<SocketAddr>,
}

/// Receives into `data`: `EAGAIN` for the (empty) error queue, `EINVAL` for urgent
/// data, which Veil's TCP never has.
fn recv_on(sock: &dyn InetOps, data: &mut [u8], flags: u32) -> Result<Got, Errno> {
    if flags & MSG_ERRQUEUE != 0 {
        return Err(Errno::EAGAIN);
    }
    if flags & MSG_OOB != 0 {
        return Err(if sock.protocol() == Protocol::Udp {
            Errno::EOPNOTSUPP
        } else {
            Errno::EINVAL
        });
    }
    match sock.protocol() {
        Protocol::Tcp => {
            let n = sock.recv_stream(data, recv_flags(flags))?;
            Ok(Got {
                len: n,
                full_len: n,
                from: None,
            })
        }
        Protocol::Udp => Ok(match sock.recv_datagram(data, recv_flags(flags))? {
            Some(d) => Got {
                len: d.len,
                full_len: d.full_len,
                from: Some(d.from),
            },
            None => Got {
                len: 0,
                full_len: 0,
                from: None,
            },
        }),
    }
}

/// `recvfrom(fd, buf, len, flags, addr, addrlen)`.
pub(super) fn recvfrom(sc: &SyscallCtx<'_>, sock: &dyn InetOps, a: [u64; 6]) -> SysResult {
    let (buf, len, flags, addr, addrlen) = (a[1], a[2] as usize, a[3] as u32, a[4], a[5]);
    sc.task.mm().check(buf, len, crate::mm::Access::Write)?;
    let got = with_bounce(len.min(1 << 26), |data| {
        let got = recv_on(sock, data, flags)?;
        sc.task.mm().copy_out(buf, &data[..got.len])?;
        Ok::<Got, Errno>(got)
    })?;
    write_address(sc, sock.family(), got.from, addr, addrlen)?;
    Ok(
        if flags & MSG_TRUNC != 0 && sock.protocol() == Protocol::Udp {
            got.full_len as u64
        } else {
            got.len as u64
        },
    )
}

/// Checks a `sendmsg` control buffer: internet sockets pass no descriptors or
/// credentials (`EINVAL`); IP-level ancillary data is accepted and has no effect.
fn check_control(sc: &SyscallCtx<'_>, hdr: &MsgHdr) -> Result<(), Errno> {
    if hdr.control == 0 || hdr.controllen == 0 {
        return Ok(());
    }
    let mut raw = vec![0u8; hdr.controllen.min(1 << 16) as usize];
    sc.task.mm().copy_in(hdr.control, &mut raw)?;
    let mut at = 0;
    while at + 16 <= raw.len() {
        let clen = u64::from_le_bytes(raw[at..at + 8].try_into().unwrap_or_default()) as usize;
        let level = i32::from_le_bytes(raw[at + 8..at + 12].try_into().unwrap_or_default());
        if clen < 16 || at + clen > raw.len() || level == SOL_SOCKET {
            return Err(Errno::EINVAL);
        }
        at += (clen + 7) & !7;
    }
    Ok(())
}

/// One `sendmsg` of the header at `msg`.
pub(super) fn send_one(sc: &SyscallCtx<'_>, sock: &dyn InetOps, msg: u64, flags: u32) -> SysResult {
    let hdr = read_msghdr(sc, msg)?;
    let dest = send_target(sc, sock, hdr.name, u64::from(hdr.namelen))?;
    check_control(sc, &hdr)?;
    let data = super::socket::gather(sc, &hdr.iov)?;
    send_on(sc, sock, dest, &data, flags)
}

/// One `recvmsg` into the header at `msg`.
pub(super) fn recv_one(sc: &SyscallCtx<'_>, sock: &dyn InetOps, msg: u64, flags: u32) -> SysResult {
    let hdr = read_msghdr(sc, msg)?;
    let mut data = receive_buffer(sc, &hdr)?;
    let got = recv_on(sock, &mut data, flags)?;
    scatter(sc, &hdr, &data[..got.len])?;
    let msg_flags: u32 = if got.full_len > got.len { MSG_TRUNC } else { 0 };
    // msg_namelen (8), msg_controllen (40), msg_flags (48).
    let mut namelen = 0u32;
    if let (Some(from), true) = (got.from, hdr.name != 0) {
        let full = addr::encode(sock.family(), from);
        let n = (hdr.namelen as usize).min(full.len());
        sc.task.mm().copy_out(hdr.name, &full[..n])?;
        namelen = full.len() as u32;
    }
    sc.task.mm().write_obj(msg + 8, &namelen)?;
    sc.task.mm().write_obj(msg + 40, &0u64)?;
    sc.task.mm().write_obj(msg + 48, &msg_flags)?;
    Ok(
        if flags & MSG_TRUNC != 0 && sock.protocol() == Protocol::Udp {
            got.full_len as u64
        } else {
            got.len as u64
        },
    )
}

/// `shutdown(fd, how)`.
pub(super) fn shutdown(sock: &dyn InetOps, how: u64) -> SysResult {
    let (read, write) = match how {
        0 => (true, false),
        1 => (false, true),
        2 => (true, true),
        _ => return Err(Errno::EINVAL),
    };
    sock.shutdown(read, write).map(|()| 0)
}

fn int_bytes(v: i32) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}

/// `getsockopt(fd, level, optname, optval, optlen)`.
pub(super) fn getsockopt(sc: &SyscallCtx<'_>, sock: &dyn InetOps, a: [u64; 6]) -> SysResult {
    let (level, name, optval, optlen) = (a[1] as i32, a[2] as i32, a[3], a[4]);
    if !level_applies(sock, level) {
        // Linux's IPv4 getsockopt says EOPNOTSUPP for a level it lacks, IPv6's
        // ENOPROTOOPT.
        return Err(match sock.family() {
            Family::V4 => Errno::EOPNOTSUPP,
            Family::V6 => Errno::ENOPROTOOPT,
        });
    }
    let (rcv, snd) = sock.buffers();
    let bytes = match (level, name) {
        (SOL_SOCKET, SO_TYPE) => int_bytes(sock.sock_type()),
        (SOL_SOCKET, SO_DOMAIN) => int_bytes(i32::from(sock.family().number())),
        (SOL_SOCKET, SO_PROTOCOL) => int_bytes(sock.protocol_number()),
        (SOL_SOCKET, SO_ERROR) => int_bytes(sock.take_error().map_or(0, |e| e.0)),
        (SOL_SOCKET, SO_ACCEPTCONN) => int_bytes(i32::from(sock.is_listening())),
        (SOL_SOCKET, SO_SNDBUF) => int_bytes(snd as i32),
        (SOL_SOCKET, SO_RCVBUF) => int_bytes(rcv as i32),
        (SOL_SOCKET, SO_LINGER) => {
            let (on, secs) = sock.linger();
            let mut b = int_bytes(i32::from(on));
            b.extend_from_slice(&secs.to_le_bytes());
            b
        }
        (SOL_SOCKET, SO_RCVTIMEO | SO_SNDTIMEO) => timeout_bytes(sock.timeout(which_timeout(name))),
        (SOL_SOCKET, SO_BINDTODEVICE) => Vec::new(),
        (SOL_TCP, TCP_MAXSEG) if sock.protocol() == Protocol::Tcp => {
            int_bytes(if sock.is_connected() {
                LOOPBACK_MSS
            } else {
                DEFAULT_MSS
            })
        }
        (SOL_TCP, TCP_INFO) if sock.protocol() == Protocol::Tcp => tcp_info(sock),
        (SOL_TCP, TCP_CONGESTION) if sock.protocol() == Protocol::Tcp => {
            let mut b = b"cubic".to_vec();
            b.resize(16, 0);
            b
        }
        (SOL_IP, IP_MTU) | (SOL_IPV6, IPV6_MTU) => {
            if level == SOL_IPV6 && sock.family() != Family::V6 {
                return Err(Errno::ENOPROTOOPT);
            }
            sock.peer_name()?;
            int_bytes(LOOPBACK_MTU)
        }
        (SOL_IPV6, IPV6_V6ONLY) if sock.family() == Family::V6 => {
            int_bytes(i32::from(sock.v6only()))
        }
        _ => int_bytes(sock.option(level, name)?),
    };
    write_option(sc, optval, optlen, &bytes)
}

/// Whether options of `level` exist on `sock`: the socket's, IP's, the
/// transport's own, and IPv6's on an IPv6 socket.
fn level_applies(sock: &dyn InetOps, level: i32) -> bool {
    match level {
        SOL_SOCKET | SOL_IP => true,
        SOL_TCP => sock.protocol() == Protocol::Tcp,
        crate::net::options::SOL_UDP => sock.protocol() == Protocol::Udp,
        SOL_IPV6 => sock.family() == Family::V6,
        _ => false,
    }
}

/// A `struct tcp_info` with the state filled (`TCP_ESTABLISHED` 1, `TCP_LISTEN`
/// 10, `TCP_CLOSE` 7) and the segment sizes; the counters are zero.
fn tcp_info(sock: &dyn InetOps) -> Vec<u8> {
    let mut b = vec![0u8; TCP_INFO_SIZE];
    b[0] = if sock.is_connected() {
        1
    } else if sock.is_listening() {
        10
    } else {
        7
    };
    // tcpi_snd_mss (16) and tcpi_rcv_mss (20).
    let mss = if sock.is_connected() {
        LOOPBACK_MSS
    } else {
        DEFAULT_MSS
    } as u32;
    b[16..20].copy_from_slice(&mss.to_le_bytes());
    b[20..24].copy_from_slice(&mss.to_le_bytes());
    b
}

/// `setsockopt(fd, level, optname, optval, optlen)`.
pub(super) fn setsockopt(sc: &SyscallCtx<'_>, sock: &dyn InetOps, a: [u64; 6]) -> SysResult {
    let (level, name, optval, optlen) = (a[1] as i32, a[2] as i32, a[3], a[4] as i64);
    if optlen < 0 {
        return Err(Errno::EINVAL);
    }
    if !level_applies(sock, level) {
        return Err(Errno::ENOPROTOOPT);
    }
    match (level, name) {
        (SOL_SOCKET, SO_RCVTIMEO | SO_SNDTIMEO) => {
            let t = super::socket::read_timeout_option(sc, optval, optlen)?;
            sock.set_timeout(which_timeout(name), t);
            return Ok(0);
        }
        (SOL_SOCKET, SO_LINGER) => {
            if optlen < 8 {
                return Err(Errno::EINVAL);
            }
            let v: [i32; 2] = sc.task.mm().read_obj(optval)?;
            sock.set_linger(v[0] != 0, v[1]);
            return Ok(0);
        }
        (SOL_SOCKET, SO_BINDTODEVICE) => {
            let mut name = vec![0u8; (optlen as usize).min(16)];
            sc.task.mm().copy_in(optval, &mut name)?;
            let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
            if end > 0 && interfaces::by_name(&name[..end]).is_none() {
                return Err(Errno::ENODEV);
            }
            return Ok(0);
        }
        (SOL_TCP, TCP_CONGESTION) if sock.protocol() == Protocol::Tcp => {
            let mut name = vec![0u8; (optlen as usize).min(16)];
            sc.task.mm().copy_in(optval, &mut name)?;
            let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
            return match &name[..end] {
                b"cubic" | b"reno" => Ok(0),
                _ => Err(Errno::ENOENT),
            };
        }
        _ => {}
    }
    // An integer (IP-level options also take a single byte, as Linux's do).
    let value = if optlen >= 4 {
        sc.task.mm().read_obj::<i32>(optval)?
    } else if optlen >= 1 && level == SOL_IP {
        i32::from(sc.task.mm().read_obj::<u8>(optval)?)
    } else {
        return Err(Errno::EINVAL);
    };
    match (level, name) {
        (SOL_SOCKET, SO_SNDBUF | SO_SNDBUFFORCE) => sock.set_buffer(false, value.max(0) as usize),
        (SOL_SOCKET, SO_RCVBUF | SO_RCVBUFFORCE) => sock.set_buffer(true, value.max(0) as usize),
        (SOL_SOCKET, SO_TYPE | SO_ERROR | SO_PROTOCOL | SO_DOMAIN | SO_ACCEPTCONN) => {
            return Err(Errno::ENOPROTOOPT)
        }
        (SOL_TCP, TCP_MAXSEG) if sock.protocol() == Protocol::Tcp => {
            if value != 0 && !(88..=32767).contains(&value) {
                return Err(Errno::EINVAL);
            }
        }
        (SOL_IPV6, IPV6_V6ONLY) if sock.family() == Family::V6 => sock.set_v6only(value != 0)?,
        _ => sock.set_option(level, name, value)?,
    }
    Ok(0)
}

const SIOCGIFNAME: u64 = 0x8910;
const SIOCGIFCONF: u64 = 0x8912;
const SIOCGIFFLAGS: u64 = 0x8913;
const SIOCGIFADDR: u64 = 0x8915;
const SIOCGIFBRDADDR: u64 = 0x8919;
const SIOCGIFNETMASK: u64 = 0x891b;
const SIOCGIFMTU: u64 = 0x8921;
const SIOCGIFHWADDR: u64 = 0x8927;
const SIOCGIFINDEX: u64 = 0x8933;
const SIOCOUTQ: u64 = 0x5411;
/// `sizeof(struct ifreq)`.
const IFREQ_SIZE: usize = 40;

/// The `ioctl`s of a socket (Unix or internet) about interfaces (`SIOCGIF*`) and
/// queues (`SIOCOUTQ`: nothing is ever unsent); `None` for other requests.
pub(super) fn socket_ioctl(
    sc: &SyscallCtx<'_>,
    file: &OpenFile,
    request: u64,
    arg: u64,
) -> Option<SysResult> {
    let is_socket = inet_of(file).is_some()
        || crate::unix_socket::UnixSocket::of(file).is_some()
        || crate::net::netlink::NetlinkSocket::of(file).is_some();
    if !is_socket {
        return None;
    }
    Some(match request {
        SIOCOUTQ => sc.task.mm().write_obj(arg, &0i32).map(|()| 0),
        SIOCGIFCONF => ifconf(sc, arg),
        SIOCGIFNAME | SIOCGIFFLAGS | SIOCGIFADDR | SIOCGIFBRDADDR | SIOCGIFNETMASK | SIOCGIFMTU
        | SIOCGIFHWADDR | SIOCGIFINDEX => ifreq(sc, request, arg),
        _ => return None,
    })
}

/// A `sockaddr_in` of `ip` in the 16 bytes of an `ifreq`'s union.
fn ifreq_addr(ip: std::net::Ipv4Addr) -> Vec<u8> {
    addr::encode(Family::V4, SocketAddr::from((ip, 0)))
}

fn ifreq(sc: &SyscallCtx<'_>, request: u64, arg: u64) -> SysResult {
    let mut req = [0u8; IFREQ_SIZE];
    sc.task.mm().copy_in(arg, &mut req)?;
    let iface = if request == SIOCGIFNAME {
        let index = u32::from_le_bytes(req[16..20].try_into().unwrap_or_default());
        interfaces::by_index(index).ok_or(Errno::ENODEV)?
    } else {
        let end = req[..16].iter().position(|&b| b == 0).unwrap_or(16);
        interfaces::by_name(&req[..end]).ok_or(Errno::ENODEV)?
    };
    let mut body = vec![0u8; 24];
    match request {
        SIOCGIFNAME => {
            req[..16].fill(0);
            req[..iface.name.len()].copy_from_slice(iface.name.as_bytes());
            body.copy_from_slice(&req[16..]);
        }
        SIOCGIFFLAGS => body[..2].copy_from_slice(&(iface.flags as u16).to_le_bytes()),
        SIOCGIFADDR | SIOCGIFBRDADDR | SIOCGIFNETMASK => {
            let (ip, prefix) = iface.v4.ok_or(Errno::EADDRNOTAVAIL)?;
            let v = match request {
                SIOCGIFADDR => ip,
                SIOCGIFNETMASK => interfaces::netmask(prefix),
                _ => std::net::Ipv4Addr::UNSPECIFIED,
            };
            body[..16].copy_from_slice(&ifreq_addr(v));
        }
        SIOCGIFMTU => body[..4].copy_from_slice(&(iface.mtu as i32).to_le_bytes()),
        SIOCGIFHWADDR => body[..2].copy_from_slice(&iface.kind.to_le_bytes()),
        _ => body[..4].copy_from_slice(&(iface.index as i32).to_le_bytes()),
    }
    req[16..].copy_from_slice(&body);
    sc.task.mm().copy_out(arg, &req)?;
    Ok(0)
}

/// `SIOCGIFCONF`: an `ifreq` with the IPv4 address of each interface that has one,
/// as many as fit; a null buffer asks for the length.
fn ifconf(sc: &SyscallCtx<'_>, arg: u64) -> SysResult {
    let len: i32 = sc.task.mm().read_obj(arg)?;
    let buf: u64 = sc.task.mm().read_obj(arg + 8)?;
    let entries: Vec<Vec<u8>> = interfaces::all()
        .into_iter()
        .filter_map(|i| {
            let (ip, _) = i.v4?;
            let mut e = vec![0u8; IFREQ_SIZE];
            e[..i.name.len()].copy_from_slice(i.name.as_bytes());
            e[16..32].copy_from_slice(&ifreq_addr(ip));
            Some(e)
        })
        .collect();
    if buf == 0 {
        let total = (entries.len() * IFREQ_SIZE) as i32;
        sc.task.mm().write_obj(arg, &total)?;
        return Ok(0);
    }
    let fit = (len.max(0) as usize / IFREQ_SIZE).min(entries.len());
    for (i, e) in entries.iter().take(fit).enumerate() {
        sc.task
            .mm()
            .copy_out(buf.wrapping_add((i * IFREQ_SIZE) as u64), e)?;
    }
    sc.task.mm().write_obj(arg, &((fit * IFREQ_SIZE) as i32))?;
    Ok(0)
}
