//! The socket calls on `NETLINK_ROUTE` sockets ([`crate::net::netlink`]): the Unix
//! socket calls (`socket.rs`, `socket_names.rs`) hand a netlink descriptor here.

use std::sync::Arc;

use veil_abi::flags::socket::*;
use veil_abi::Errno;

use super::socket::{gather, read_msghdr, receive_buffer, scatter, write_option};
use super::socket_names::{copy_out_address, install_socket};
use super::{fd_arg, SysResult, SyscallCtx};
use crate::net::netlink::{NetlinkSocket, AF_NETLINK, NETLINK_ROUTE, SOCKADDR_NL_SIZE};
use crate::unix_socket::{RecvFlags, Ucred};

/// `SOL_NETLINK`.
const SOL_NETLINK: i32 = 270;
/// `NETLINK_ADD_MEMBERSHIP` up to `NETLINK_GET_STRICT_CHK`: the options kept.
const NETLINK_OPTIONS: std::ops::RangeInclusive<i32> = 1..=12;

/// The netlink socket behind `fd`: `EBADF` unless open; `None` for other files.
pub(super) fn lookup(sc: &SyscallCtx<'_>, fd: u64) -> Result<Option<Arc<NetlinkSocket>>, Errno> {
    let file = sc.task.files.get(fd_arg(fd))?;
    Ok(NetlinkSocket::of(&file))
}

/// `socket(AF_NETLINK, SOCK_RAW or SOCK_DGRAM, NETLINK_ROUTE)`; other netlink
/// protocols are `EPROTONOSUPPORT`, other types `ESOCKTNOSUPPORT`.
pub(super) fn socket(sc: &mut SyscallCtx<'_>, ty: u64, protocol: u64) -> SysResult {
    if ty & !(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    if !matches!((ty & SOCK_TYPE_MASK) as i32, SOCK_RAW | SOCK_DGRAM) {
        return Err(Errno::ESOCKTNOSUPPORT);
    }
    if protocol != NETLINK_ROUTE {
        return Err(Errno::EPROTONOSUPPORT);
    }
    let nonblock = ty & SOCK_NONBLOCK != 0;
    let c = sc.task.creds();
    let owner = Ucred {
        pid: sc.task.tg.tgid,
        uid: c.uid.effective,
        gid: c.gid.effective,
    };
    let sock = NetlinkSocket::new((ty & 0xf) as i32, owner, nonblock);
    install_socket(sc, sock, nonblock, ty & SOCK_CLOEXEC != 0)
}

/// Reads a `sockaddr_nl`: `(nl_pid, nl_groups)`; `EINVAL` if short or of another
/// family.
fn read_address(sc: &SyscallCtx<'_>, addr: u64, len: u64) -> Result<(u32, u32), Errno> {
    if (len as usize) < SOCKADDR_NL_SIZE || len > 128 {
        return Err(Errno::EINVAL);
    }
    let mut raw = [0u8; SOCKADDR_NL_SIZE];
    sc.task.mm().copy_in(addr, &mut raw)?;
    if u16::from_le_bytes([raw[0], raw[1]]) != AF_NETLINK {
        return Err(Errno::EINVAL);
    }
    let word = |o: usize| u32::from_le_bytes([raw[o], raw[o + 1], raw[o + 2], raw[o + 3]]);
    Ok((word(4), word(8)))
}

/// The bytes of a `sockaddr_nl` for port `pid` and `groups`.
fn address_bytes(pid: u32, groups: u32) -> Vec<u8> {
    let mut b = AF_NETLINK.to_le_bytes().to_vec();
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(&pid.to_le_bytes());
    b.extend_from_slice(&groups.to_le_bytes());
    b
}

/// Writes a `sockaddr_nl` for `pid` and `groups`, as `copy_out_address` does.
fn write_address(
    sc: &SyscallCtx<'_>,
    pid: u32,
    groups: u32,
    addr: u64,
    addrlen: u64,
) -> Result<(), Errno> {
    copy_out_address(sc, &address_bytes(pid, groups), addr, addrlen)
}

/// `bind(fd, sockaddr_nl, len)`.
pub(super) fn bind(sc: &SyscallCtx<'_>, sock: &NetlinkSocket, a: [u64; 6]) -> SysResult {
    let (pid, groups) = read_address(sc, a[1], a[2])?;
    sock.bind(pid, groups).map(|()| 0)
}

/// `connect(fd, sockaddr_nl, len)`: records the destination of later sends (only
/// the kernel, port 0, takes them) and binds the socket.
pub(super) fn connect(sc: &SyscallCtx<'_>, sock: &NetlinkSocket, a: [u64; 6]) -> SysResult {
    let (pid, _) = read_address(sc, a[1], a[2])?;
    sock.bind(0, sock.name().1)?;
    sock.set_peer(pid);
    Ok(0)
}

/// `getsockname`: the port id and groups.
pub(super) fn getsockname(sc: &SyscallCtx<'_>, sock: &NetlinkSocket, a: [u64; 6]) -> SysResult {
    let (pid, groups) = sock.name();
    write_address(sc, pid, groups, a[1], a[2]).map(|()| 0)
}

/// `getpeername`: the port `connect` named (the kernel, 0, by default).
pub(super) fn getpeername(sc: &SyscallCtx<'_>, sock: &NetlinkSocket, a: [u64; 6]) -> SysResult {
    write_address(sc, sock.peer(), 0, a[1], a[2]).map(|()| 0)
}

/// Checks where a send goes (the address given, else the connected port): only
/// the kernel takes messages (`ECONNREFUSED` for another port, which no socket in
/// the sandbox can hold).
fn check_destination(
    sc: &SyscallCtx<'_>,
    sock: &NetlinkSocket,
    addr: u64,
    len: u64,
) -> Result<(), Errno> {
    let pid = if addr == 0 {
        sock.peer()
    } else {
        read_address(sc, addr, len)?.0
    };
    if pid == 0 {
        Ok(())
    } else {
        Err(Errno::ECONNREFUSED)
    }
}

/// `sendto(fd, buf, len, flags, addr, addrlen)`.
pub(super) fn sendto(sc: &SyscallCtx<'_>, sock: &NetlinkSocket, a: [u64; 6]) -> SysResult {
    check_destination(sc, sock, a[4], a[5])?;
    let mut data = vec![0u8; (a[2] as usize).min(1 << 20)];
    sc.task.mm().copy_in(a[1], &mut data)?;
    sock.send(&data).map(|n| n as u64)
}

/// One `sendmsg` of the header at `msg`.
pub(super) fn send_one(
    sc: &SyscallCtx<'_>,
    sock: &NetlinkSocket,
    msg: u64,
    _flags: u32,
) -> SysResult {
    let hdr = read_msghdr(sc, msg)?;
    check_destination(sc, sock, hdr.name, u64::from(hdr.namelen))?;
    let data = gather(sc, &hdr.iov)?;
    sock.send(&data).map(|n| n as u64)
}

fn recv_flags(flags: u32) -> RecvFlags {
    RecvFlags {
        peek: flags & MSG_PEEK != 0,
        dontwait: flags & MSG_DONTWAIT != 0,
        waitall: false,
        trunc: flags & MSG_TRUNC != 0,
    }
}

/// `recvfrom(fd, buf, len, flags, addr, addrlen)`: one reply datagram; with
/// `MSG_TRUNC` its full length (how iproute2 sizes its buffer with `MSG_PEEK`).
pub(super) fn recvfrom(sc: &SyscallCtx<'_>, sock: &NetlinkSocket, a: [u64; 6]) -> SysResult {
    let (buf, len, flags) = (a[1], a[2] as usize, a[3] as u32);
    sc.task.mm().check(buf, len, crate::mm::Access::Write)?;
    let mut data = vec![0u8; len.min(1 << 20)];
    let (n, full) = sock.recv(&mut data, recv_flags(flags))?;
    sc.task.mm().copy_out(buf, &data[..n])?;
    write_address(sc, 0, 0, a[4], a[5])?;
    Ok(if flags & MSG_TRUNC != 0 { full } else { n } as u64)
}

/// One `recvmsg` into the header at `msg`.
pub(super) fn recv_one(
    sc: &SyscallCtx<'_>,
    sock: &NetlinkSocket,
    msg: u64,
    flags: u32,
) -> SysResult {
    let hdr = read_msghdr(sc, msg)?;
    let mut data = receive_buffer(sc, &hdr)?;
    let (n, full) = sock.recv(&mut data, recv_flags(flags))?;
    scatter(sc, &hdr, &data[..n])?;
    let mut namelen = 0u32;
    if hdr.name != 0 {
        let full_addr = address_bytes(0, 0);
        let k = (hdr.namelen as usize).min(full_addr.len());
        sc.task.mm().copy_out(hdr.name, &full_addr[..k])?;
        namelen = full_addr.len() as u32;
    }
    let msg_flags: u32 = if full > n { MSG_TRUNC } else { 0 };
    sc.task.mm().write_obj(msg + 8, &namelen)?;
    sc.task.mm().write_obj(msg + 40, &0u64)?;
    sc.task.mm().write_obj(msg + 48, &msg_flags)?;
    Ok(if flags & MSG_TRUNC != 0 { full } else { n } as u64)
}

/// `getsockopt`: the socket's type and buffers, and the `SOL_NETLINK` options.
pub(super) fn getsockopt(sc: &SyscallCtx<'_>, sock: &NetlinkSocket, a: [u64; 6]) -> SysResult {
    let (level, name, optval, optlen) = (a[1] as i32, a[2] as i32, a[3], a[4]);
    let (rcv, snd) = sock.buffers();
    let v = match (level, name) {
        (SOL_SOCKET, SO_TYPE) => sock.kind,
        (SOL_SOCKET, SO_DOMAIN) => i32::from(AF_NETLINK),
        (SOL_SOCKET, SO_PROTOCOL) => NETLINK_ROUTE as i32,
        (SOL_SOCKET, SO_ERROR | SO_PASSCRED) => 0,
        (SOL_SOCKET, SO_RCVBUF) => rcv as i32,
        (SOL_SOCKET, SO_SNDBUF) => snd as i32,
        (SOL_NETLINK, n) if NETLINK_OPTIONS.contains(&n) => sock.option(n),
        _ => return Err(Errno::ENOPROTOOPT),
    };
    write_option(sc, optval, optlen, &v.to_le_bytes())
}

/// `setsockopt`: buffers, `SO_PASSCRED` (kept: replies come from the kernel), and
/// the `SOL_NETLINK` options (kept; no multicast group ever has news).
pub(super) fn setsockopt(sc: &SyscallCtx<'_>, sock: &NetlinkSocket, a: [u64; 6]) -> SysResult {
    let (level, name, optval, optlen) = (a[1] as i32, a[2] as i32, a[3], a[4] as i64);
    let known = matches!(
        (level, name),
        (
            SOL_SOCKET,
            SO_RCVBUF | SO_SNDBUF | SO_RCVBUFFORCE | SO_SNDBUFFORCE | SO_PASSCRED
        )
    ) || (level == SOL_NETLINK && NETLINK_OPTIONS.contains(&name));
    if !known {
        return Err(Errno::ENOPROTOOPT);
    }
    if optlen < 4 {
        return Err(Errno::EINVAL);
    }
    let v: i32 = sc.task.mm().read_obj(optval)?;
    match (level, name) {
        (SOL_SOCKET, SO_RCVBUF | SO_RCVBUFFORCE) => sock.set_buffer(true, v.max(0) as usize),
        (SOL_SOCKET, SO_SNDBUF | SO_SNDBUFFORCE) => sock.set_buffer(false, v.max(0) as usize),
        (SOL_SOCKET, _) => {}
        _ => sock.set_option(name, v),
    }
    Ok(0)
}
