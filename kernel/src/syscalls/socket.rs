//! The socket calls on Unix sockets ([`crate::unix_socket`]): pairs, data, options.
//! Names and connections are in `socket_names.rs`. Every call on a descriptor that is
//! no socket fails as Linux fails it: `EBADF` if it is not open, else `ENOTSOCK`.

use std::sync::Arc;

use veil_abi::flags::socket::*;
use veil_abi::structs::{Iovec, Timeval};
use veil_abi::Errno;
use veil_vfs::OpenFile;

use super::fd::nofile_limit;
use super::read_write::iovecs;
use super::{fd_arg, SysResult, SyscallCtx};
use crate::signal::{SigInfo, SI_USER};
use crate::unix_socket::{Received, RecvFlags, Timeout, Ucred, UnixSocket};

const SCM_RIGHTS: i32 = 1;
const SCM_CREDENTIALS: i32 = 2;
/// Most descriptors one `SCM_RIGHTS` message carries (`SCM_MAX_FD`).
const SCM_MAX_FD: usize = 253;

/// `sizeof(struct msghdr)` on x86_64.
const MSGHDR_SIZE: u64 = 56;
/// `sizeof(struct cmsghdr)`.
const CMSGHDR_SIZE: usize = 16;

/// A descriptor's open file sorted by socket family, with one table lookup (the
/// data calls are the hot path): `EBADF` unless `fd` is open.
pub(super) enum AnySocket {
    /// An internet socket, on either network.
    Inet(Arc<dyn crate::net::ops::InetOps>),
    /// A `NETLINK_ROUTE` socket.
    Netlink(Arc<crate::net::netlink::NetlinkSocket>),
    /// Anything else: a Unix socket, or no socket ([`on_unix`] says `ENOTSOCK`).
    Unix(Arc<OpenFile>),
}

/// Sorts the open file behind `fd` ([`AnySocket`]).
pub(super) fn socket_of(sc: &SyscallCtx<'_>, fd: u64) -> Result<AnySocket, Errno> {
    let file = sc.task.files.get(fd_arg(fd))?;
    if let Some(s) = crate::net::ops::inet_of(&file) {
        return Ok(AnySocket::Inet(s));
    }
    if let Some(s) = crate::net::netlink::NetlinkSocket::of(&file) {
        return Ok(AnySocket::Netlink(s));
    }
    Ok(AnySocket::Unix(file))
}

/// Runs `f` on the Unix socket of `file`: `ENOTSOCK` if it is none.
fn on_unix<R>(
    file: &OpenFile,
    f: impl FnOnce(&UnixSocket) -> Result<R, Errno>,
) -> Result<R, Errno> {
    let sock = UnixSocket::of(file).ok_or(Errno::ENOTSOCK)?;
    f(sock)
}

/// The caller's credentials, as a message carries them.
fn my_creds(sc: &SyscallCtx<'_>) -> Ucred {
    let c = sc.task.creds();
    Ucred {
        pid: sc.task.tg.tgid,
        uid: c.uid.real,
        gid: c.gid.real,
    }
}

/// `socketpair(domain, type, protocol, sv)`: a connected pair of Unix sockets.
pub(super) fn socketpair(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (domain, ty, protocol, sv) = (a[0], a[1], a[2], a[3]);
    match domain {
        AF_UNIX => {}
        AF_INET | AF_INET6 => return Err(Errno::EOPNOTSUPP),
        d if d >= AF_MAX => return Err(Errno::EAFNOSUPPORT),
        _ => return Err(Errno::EAFNOSUPPORT),
    }
    if ty & !(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let kind = match (ty & SOCK_TYPE_MASK) as i32 {
        SOCK_STREAM => SOCK_STREAM,
        SOCK_DGRAM => SOCK_DGRAM,
        // A raw Unix socket is a datagram socket, as Linux's unix_create makes it.
        SOCK_RAW => SOCK_DGRAM,
        SOCK_SEQPACKET => SOCK_SEQPACKET,
        _ => return Err(Errno::ESOCKTNOSUPPORT),
    };
    if protocol != 0 && protocol != AF_UNIX {
        return Err(Errno::EPROTONOSUPPORT);
    }
    let nonblock = ty & SOCK_NONBLOCK != 0;
    let cloexec = ty & SOCK_CLOEXEC != 0;
    let (x, y) = UnixSocket::pair(kind, my_creds(sc), nonblock);
    let flags = veil_abi::flags::open::O_RDWR
        | if nonblock {
            veil_abi::flags::open::O_NONBLOCK
        } else {
            0
        };
    let limit = nofile_limit(sc);
    let files = &sc.task.files;
    let fd0 = files.install(OpenFile::new(x, flags, "socket".into()), cloexec, 0, limit)?;
    let fd1 = match files.install(OpenFile::new(y, flags, "socket".into()), cloexec, 0, limit) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = files.close(fd0);
            return Err(e);
        }
    };
    let pair = [fd0, fd1];
    if let Err(e) = sc.task.mm().write_obj(sv, &pair) {
        let _ = files.close(fd0);
        let _ = files.close(fd1);
        return Err(e);
    }
    Ok(0)
}

/// Sends `data` with `files` (and `creds`, if given) on `sock`; raises `SIGPIPE` for
/// `EPIPE` unless `MSG_NOSIGNAL`.
#[allow(clippy::too_many_arguments)]
fn send_on(
    sc: &SyscallCtx<'_>,
    sock: &UnixSocket,
    target: Option<Arc<UnixSocket>>,
    data: &[u8],
    files: Vec<Arc<OpenFile>>,
    creds: Option<Ucred>,
    flags: u32,
) -> SysResult {
    let r = sock.send_to(
        target,
        data,
        files,
        creds.unwrap_or_else(|| my_creds(sc)),
        flags & MSG_DONTWAIT != 0,
    );
    if r == Err(Errno::EPIPE) && flags & MSG_NOSIGNAL == 0 {
        crate::signal::send_to_task(
            sc.task,
            SigInfo::kernel(veil_abi::flags::signal::SIGPIPE, SI_USER, 0),
        );
    }
    r.map(|n| n as u64)
}

/// Where a send with address `addr`/`len` goes: a datagram socket's named peer; a
/// stream or packet socket takes no address (`EISCONN` when connected, else
/// `EOPNOTSUPP`).
fn send_target(
    sc: &SyscallCtx<'_>,
    sock: &UnixSocket,
    addr: u64,
    len: u64,
) -> Result<Option<Arc<UnixSocket>>, Errno> {
    if addr == 0 || len == 0 {
        return Ok(None);
    }
    if sock.kind != SOCK_DGRAM {
        return Err(if sock.connected() {
            Errno::EISCONN
        } else {
            Errno::EOPNOTSUPP
        });
    }
    super::socket_names::datagram_target(sc, addr, len).map(Some)
}

/// `sendto(fd, buf, len, flags, addr, addrlen)`.
pub(super) fn sendto(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = match socket_of(sc, a[0])? {
        AnySocket::Inet(sock) => return super::inet::sendto(sc, &*sock, a),
        AnySocket::Netlink(sock) => return super::netlink::sendto(sc, &sock, a),
        AnySocket::Unix(file) => file,
    };
    let (buf, len, flags, addr) = (a[1], a[2] as usize, a[3] as u32, a[4]);
    on_unix(&file, |sock| {
        let target = send_target(sc, sock, addr, a[5])?;
        let mut data = vec![0u8; len];
        sc.task.mm().copy_in(buf, &mut data)?;
        send_on(sc, sock, target, &data, Vec::new(), None, flags)
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

/// The address a receive reports: a datagram's sender, a stream's peer.
fn sender_name(sock: &UnixSocket, got: &Received) -> Option<Vec<u8>> {
    if sock.kind == SOCK_DGRAM {
        got.from.clone()
    } else {
        sock.names.lock().peer_name.clone()
    }
}

/// `recvfrom(fd, buf, len, flags, addr, addrlen)`.
pub(super) fn recvfrom(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = match socket_of(sc, a[0])? {
        AnySocket::Inet(sock) => return super::inet::recvfrom(sc, &*sock, a),
        AnySocket::Netlink(sock) => return super::netlink::recvfrom(sc, &sock, a),
        AnySocket::Unix(file) => file,
    };
    let (buf, len, flags, addr, addrlen) = (a[1], a[2] as usize, a[3] as u32, a[4], a[5]);
    on_unix(&file, |sock| {
        sc.task.mm().check(buf, len, crate::mm::Access::Write)?;
        let mut data = vec![0u8; len];
        let got = sock.recv(&mut data, recv_flags(flags))?;
        sc.task.mm().copy_out(buf, &data[..got.len])?;
        let from = sender_name(sock, &got);
        super::socket_names::write_address(sc, from.as_deref(), addr, addrlen)?;
        Ok(if flags & MSG_TRUNC != 0 && sock.kind != SOCK_STREAM {
            got.full_len as u64
        } else {
            got.len as u64
        })
    })
}

/// The fields of a `struct msghdr`.
pub(super) struct MsgHdr {
    /// `msg_name`.
    pub name: u64,
    /// `msg_namelen`.
    pub namelen: u32,
    /// The buffers.
    pub iov: Vec<Iovec>,
    /// `msg_control`.
    pub control: u64,
    /// `msg_controllen`.
    pub controllen: u64,
}

/// Most buffers one message takes (`UIO_MAXIOV`): more is `EMSGSIZE`.
const UIO_MAXIOV: u64 = 1024;

/// Reads the `struct msghdr` at `addr` and its iovec array.
pub(super) fn read_msghdr(sc: &SyscallCtx<'_>, addr: u64) -> Result<MsgHdr, Errno> {
    let mut raw = [0u8; MSGHDR_SIZE as usize];
    sc.task.mm().copy_in(addr, &mut raw)?;
    let u64_at = |o: usize| u64::from_le_bytes(raw[o..o + 8].try_into().unwrap_or_default());
    let namelen = u32::from_le_bytes(raw[8..12].try_into().unwrap_or_default());
    if u64_at(24) > UIO_MAXIOV {
        return Err(Errno::EMSGSIZE);
    }
    let iov = iovecs(sc, u64_at(16), u64_at(24))?;
    Ok(MsgHdr {
        name: u64_at(0),
        namelen,
        iov,
        control: u64_at(32),
        controllen: u64_at(40),
    })
}

/// The descriptors and credentials a `sendmsg` control buffer carries.
fn parse_control(
    sc: &SyscallCtx<'_>,
    control: u64,
    len: u64,
) -> Result<(Vec<Arc<OpenFile>>, Option<Ucred>), Errno> {
    let mut files = Vec::new();
    let mut creds = None;
    if control == 0 || len == 0 {
        return Ok((files, creds));
    }
    let mut raw = vec![0u8; len.min(1 << 16) as usize];
    sc.task.mm().copy_in(control, &mut raw)?;
    let mut at = 0;
    while at + CMSGHDR_SIZE <= raw.len() {
        let clen = u64::from_le_bytes(raw[at..at + 8].try_into().unwrap_or_default()) as usize;
        let level = i32::from_le_bytes(raw[at + 8..at + 12].try_into().unwrap_or_default());
        let ty = i32::from_le_bytes(raw[at + 12..at + 16].try_into().unwrap_or_default());
        if clen < CMSGHDR_SIZE || at + clen > raw.len() {
            return Err(Errno::EINVAL);
        }
        let data = &raw[at + CMSGHDR_SIZE..at + clen];
        match (level, ty) {
            (SOL_SOCKET, SCM_RIGHTS) => {
                if files.len() + data.len() / 4 > SCM_MAX_FD {
                    return Err(Errno::EINVAL);
                }
                for chunk in data.chunks_exact(4) {
                    let fd = i32::from_le_bytes(chunk.try_into().unwrap_or_default());
                    files.push(sc.task.files.get(fd)?);
                }
            }
            (SOL_SOCKET, SCM_CREDENTIALS) => {
                if data.len() < 12 {
                    return Err(Errno::EINVAL);
                }
                let word =
                    |o: usize| u32::from_le_bytes(data[o..o + 4].try_into().unwrap_or_default());
                let given = Ucred {
                    pid: word(0) as i32,
                    uid: word(4),
                    gid: word(8),
                };
                // Only one's own ids, unless privileged (Linux's scm_check_creds).
                let me = sc.task.creds();
                let privileged = me.has(crate::creds::CAP_SETUID);
                if !privileged
                    && (given.pid != sc.task.tg.tgid
                        || ![me.uid.real, me.uid.effective, me.uid.saved].contains(&given.uid)
                        || ![me.gid.real, me.gid.effective, me.gid.saved].contains(&given.gid))
                {
                    return Err(Errno::EPERM);
                }
                creds = Some(given);
            }
            _ => return Err(Errno::EINVAL),
        }
        at += (clen + 7) & !7;
    }
    Ok((files, creds))
}

/// Gathers the bytes the iovecs of `hdr` point at.
pub(super) fn gather(sc: &SyscallCtx<'_>, iov: &[Iovec]) -> Result<Vec<u8>, Errno> {
    let total: u64 = iov.iter().map(|v| v.len).sum();
    let mut data = vec![0u8; total.min(1 << 26) as usize];
    let mut at = 0;
    for v in iov {
        let n = (v.len as usize).min(data.len() - at);
        sc.task.mm().copy_in(v.base, &mut data[at..at + n])?;
        at += n;
    }
    Ok(data)
}

/// A receive buffer for the iovecs of `hdr`, after checking they are all writable
/// (a bad buffer fails before any data is taken).
pub(super) fn receive_buffer(sc: &SyscallCtx<'_>, hdr: &MsgHdr) -> Result<Vec<u8>, Errno> {
    let total: u64 = hdr.iov.iter().map(|v| v.len).sum();
    for v in &hdr.iov {
        sc.task
            .mm()
            .check(v.base, v.len as usize, crate::mm::Access::Write)?;
    }
    Ok(vec![0u8; total.min(1 << 26) as usize])
}

/// Copies `data` out into the iovecs of `hdr`, in order.
pub(super) fn scatter(sc: &SyscallCtx<'_>, hdr: &MsgHdr, data: &[u8]) -> Result<(), Errno> {
    let mut at = 0;
    for v in &hdr.iov {
        if at >= data.len() {
            break;
        }
        let n = (v.len as usize).min(data.len() - at);
        sc.task.mm().copy_out(v.base, &data[at..at + n])?;
        at += n;
    }
    Ok(())
}

/// One `sendmsg` of the message header at `msg`.
fn send_one(sc: &SyscallCtx<'_>, sock: &UnixSocket, msg: u64, flags: u32) -> SysResult {
    let hdr = read_msghdr(sc, msg)?;
    let target = send_target(sc, sock, hdr.name, u64::from(hdr.namelen))?;
    let (files, creds) = parse_control(sc, hdr.control, hdr.controllen)?;
    let data = gather(sc, &hdr.iov)?;
    send_on(sc, sock, target, &data, files, creds, flags)
}

/// `sendmsg(fd, msg, flags)`.
pub(super) fn sendmsg(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (msg, flags) = (a[1], a[2] as u32);
    let file = match socket_of(sc, a[0])? {
        AnySocket::Inet(sock) => return super::inet::send_one(sc, &*sock, msg, flags),
        AnySocket::Netlink(sock) => return super::netlink::send_one(sc, &sock, msg, flags),
        AnySocket::Unix(file) => file,
    };
    on_unix(&file, |sock| send_one(sc, sock, msg, flags))
}

/// Builds the control buffer of a received message: credentials, then descriptors
/// installed in the caller's table (those that do not fit are dropped and
/// `MSG_CTRUNC` is set). Returns the bytes and the extra `msg_flags`.
fn build_control(
    sc: &SyscallCtx<'_>,
    got: &Received,
    room: usize,
    cloexec: bool,
) -> Result<(Vec<u8>, u32), Errno> {
    let mut out = Vec::new();
    let mut flags = 0;
    let header = |len: usize, ty: i32| {
        let mut h = Vec::with_capacity(CMSGHDR_SIZE);
        h.extend_from_slice(&(len as u64).to_le_bytes());
        h.extend_from_slice(&SOL_SOCKET.to_le_bytes());
        h.extend_from_slice(&ty.to_le_bytes());
        h
    };
    if let Some(c) = got.creds {
        let len = CMSGHDR_SIZE + 12;
        if out.len() + len <= room {
            out.extend(header(len, SCM_CREDENTIALS));
            out.extend_from_slice(&c.pid.to_le_bytes());
            out.extend_from_slice(&c.uid.to_le_bytes());
            out.extend_from_slice(&c.gid.to_le_bytes());
            out.resize((out.len() + 7) & !7, 0);
        } else {
            flags |= MSG_CTRUNC;
        }
    }
    if !got.files.is_empty() {
        let space = room.saturating_sub(out.len());
        let fit = if space > CMSGHDR_SIZE {
            ((space - CMSGHDR_SIZE) / 4).min(got.files.len())
        } else {
            0
        };
        if fit < got.files.len() {
            flags |= MSG_CTRUNC;
        }
        if fit > 0 {
            let limit = nofile_limit(sc);
            let mut fds = Vec::new();
            for f in &got.files[..fit] {
                match sc.task.files.install(f.clone(), cloexec, 0, limit) {
                    Ok(fd) => fds.push(fd),
                    Err(_) => {
                        flags |= MSG_CTRUNC;
                        break;
                    }
                }
            }
            out.extend(header(CMSGHDR_SIZE + 4 * fds.len(), SCM_RIGHTS));
            for fd in fds {
                out.extend_from_slice(&fd.to_le_bytes());
            }
        }
    }
    Ok((out, flags))
}

/// One `recvmsg` into the message header at `msg`.
fn recv_one(sc: &SyscallCtx<'_>, sock: &UnixSocket, msg: u64, flags: u32) -> SysResult {
    let hdr = read_msghdr(sc, msg)?;
    let mut data = receive_buffer(sc, &hdr)?;
    let got = sock.recv(&mut data, recv_flags(flags))?;
    scatter(sc, &hdr, &data[..got.len])?;
    let mut msg_flags = 0;
    if sock.kind != SOCK_STREAM && got.full_len > got.len {
        msg_flags |= MSG_TRUNC;
    }
    if sock.kind == SOCK_SEQPACKET && got.len > 0 {
        msg_flags |= MSG_EOR;
    }
    let (control, more) = build_control(
        sc,
        &got,
        hdr.controllen as usize,
        flags & MSG_CMSG_CLOEXEC != 0,
    )?;
    msg_flags |= more;
    if !control.is_empty() {
        sc.task.mm().copy_out(hdr.control, &control)?;
    }
    // msg_controllen (40), msg_flags (48); msg_namelen (8) is 0 for an unnamed peer.
    sc.task.mm().write_obj(msg + 40, &(control.len() as u64))?;
    sc.task.mm().write_obj(msg + 48, &msg_flags)?;
    if hdr.name != 0 {
        let n = (hdr.namelen as usize).min(2);
        sc.task
            .mm()
            .copy_out(hdr.name, &(AF_UNIX as u16).to_le_bytes()[..n])?;
        sc.task.mm().write_obj(msg + 8, &2u32)?;
    }
    Ok(if flags & MSG_TRUNC != 0 && sock.kind != SOCK_STREAM {
        got.full_len as u64
    } else {
        got.len as u64
    })
}

/// `recvmsg(fd, msg, flags)`.
pub(super) fn recvmsg(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (msg, flags) = (a[1], a[2] as u32);
    let file = match socket_of(sc, a[0])? {
        AnySocket::Inet(sock) => return super::inet::recv_one(sc, &*sock, msg, flags),
        AnySocket::Netlink(sock) => return super::netlink::recv_one(sc, &sock, msg, flags),
        AnySocket::Unix(file) => file,
    };
    on_unix(&file, |sock| recv_one(sc, sock, msg, flags))
}

/// `sizeof(struct mmsghdr)`: a msghdr and the length it got.
const MMSGHDR_SIZE: u64 = 64;

/// Runs `one` on each `struct mmsghdr` of `vec` (up to `vlen`, at most 1024),
/// recording each one's result length; the count done, or the first error if none
/// was. `more` gives the flags of the calls after the first.
fn each_mmsg(
    sc: &SyscallCtx<'_>,
    vec: u64,
    vlen: u64,
    flags: u32,
    more: u32,
    one: impl Fn(&SyscallCtx<'_>, u64, u32) -> SysResult,
) -> SysResult {
    let mut done = 0;
    while done < vlen.min(1024) {
        let entry = vec.wrapping_add(done * MMSGHDR_SIZE);
        let f = if done == 0 { flags } else { flags | more };
        match one(sc, entry, f) {
            Ok(n) => sc.task.mm().write_obj(entry + MSGHDR_SIZE, &(n as u32))?,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
        done += 1;
    }
    Ok(done)
}

/// `sendmmsg(fd, msgvec, vlen, flags)`: the messages one by one; the count sent, or
/// the first error if none was.
pub(super) fn sendmmsg(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (vec, vlen, flags) = (a[1], a[2], a[3] as u32);
    let file = match socket_of(sc, a[0])? {
        AnySocket::Inet(sock) => {
            return each_mmsg(sc, vec, vlen, flags, 0, |sc, m, f| {
                super::inet::send_one(sc, &*sock, m, f)
            })
        }
        AnySocket::Netlink(sock) => {
            return each_mmsg(sc, vec, vlen, flags, 0, |sc, m, f| {
                super::netlink::send_one(sc, &sock, m, f)
            })
        }
        AnySocket::Unix(file) => file,
    };
    on_unix(&file, |sock| {
        each_mmsg(sc, vec, vlen, flags, 0, |sc, m, f| send_one(sc, sock, m, f))
    })
}

/// `recvmmsg(fd, msgvec, vlen, flags, timeout)`: up to `vlen` messages; after the
/// first, only those already queued (the timeout is not applied).
pub(super) fn recvmmsg(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (vec, vlen, flags) = (a[1], a[2], a[3] as u32);
    let file = match socket_of(sc, a[0])? {
        AnySocket::Inet(sock) => {
            return each_mmsg(sc, vec, vlen, flags, MSG_DONTWAIT, |sc, m, f| {
                super::inet::recv_one(sc, &*sock, m, f)
            })
        }
        AnySocket::Netlink(sock) => {
            return each_mmsg(sc, vec, vlen, flags, MSG_DONTWAIT, |sc, m, f| {
                super::netlink::recv_one(sc, &sock, m, f)
            })
        }
        AnySocket::Unix(file) => file,
    };
    on_unix(&file, |sock| {
        each_mmsg(sc, vec, vlen, flags, MSG_DONTWAIT, |sc, m, f| {
            recv_one(sc, sock, m, f)
        })
    })
}

/// `shutdown(fd, how)`.
pub(super) fn shutdown(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = match socket_of(sc, a[0])? {
        AnySocket::Inet(sock) => return super::inet::shutdown(&*sock, a[1]),
        AnySocket::Netlink(_) => return Err(Errno::EOPNOTSUPP),
        AnySocket::Unix(file) => file,
    };
    on_unix(&file, |sock| {
        let (read, write) = match a[1] {
            0 => (true, false),
            1 => (false, true),
            2 => (true, true),
            _ => return Err(Errno::EINVAL),
        };
        sock.shutdown(read, write);
        Ok(0)
    })
}

/// Writes an option's bytes, truncated to the caller's `optlen`, and the length.
pub(super) fn write_option(
    sc: &SyscallCtx<'_>,
    optval: u64,
    optlen: u64,
    bytes: &[u8],
) -> SysResult {
    let len: i32 = sc.task.mm().read_obj(optlen)?;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let n = (len as usize).min(bytes.len());
    sc.task.mm().copy_out(optval, &bytes[..n])?;
    sc.task.mm().write_obj(optlen, &(n as i32))?;
    Ok(0)
}

/// `getsockopt(fd, level, optname, optval, optlen)`: the `SOL_SOCKET` options a Unix
/// socket pair has; other levels are `EOPNOTSUPP`, unknown options `ENOPROTOOPT`.
pub(super) fn getsockopt(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = match socket_of(sc, a[0])? {
        AnySocket::Inet(sock) => return super::inet::getsockopt(sc, &*sock, a),
        AnySocket::Netlink(sock) => return super::netlink::getsockopt(sc, &sock, a),
        AnySocket::Unix(file) => file,
    };
    let (level, name, optval, optlen) = (a[1] as i32, a[2] as i32, a[3], a[4]);
    on_unix(&file, |sock| {
        if level != SOL_SOCKET {
            return Err(Errno::EOPNOTSUPP);
        }
        let int = |v: i32| v.to_le_bytes().to_vec();
        let (rcv, snd) = sock.buffers();
        let bytes = match name {
            SO_TYPE => int(sock.kind),
            SO_DOMAIN => int(AF_UNIX as i32),
            SO_PROTOCOL | SO_ERROR | SO_ACCEPTCONN | SO_REUSEADDR | SO_KEEPALIVE => int(0),
            SO_SNDBUF => int(snd as i32),
            SO_RCVBUF => int(rcv as i32),
            SO_PASSCRED => int(i32::from(sock.passcred())),
            SO_PEERCRED => {
                let c = *sock.peercred.lock();
                let mut b = c.pid.to_le_bytes().to_vec();
                b.extend_from_slice(&c.uid.to_le_bytes());
                b.extend_from_slice(&c.gid.to_le_bytes());
                b
            }
            SO_RCVTIMEO | SO_SNDTIMEO => timeout_bytes(sock.timeout(which_timeout(name))),
            _ => return Err(Errno::ENOPROTOOPT),
        };
        write_option(sc, optval, optlen, &bytes)
    })
}

/// `setsockopt(fd, level, optname, optval, optlen)`: `SO_SNDBUF`, `SO_RCVBUF` and
/// `SO_PASSCRED`; other options `ENOPROTOOPT`, other levels `EOPNOTSUPP`.
pub(super) fn setsockopt(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = match socket_of(sc, a[0])? {
        AnySocket::Inet(sock) => return super::inet::setsockopt(sc, &*sock, a),
        AnySocket::Netlink(sock) => return super::netlink::setsockopt(sc, &sock, a),
        AnySocket::Unix(file) => file,
    };
    let (level, name, optval, optlen) = (a[1] as i32, a[2] as i32, a[3], a[4] as i64);
    on_unix(&file, |sock| {
        if level != SOL_SOCKET {
            return Err(Errno::EOPNOTSUPP);
        }
        if matches!(name, SO_RCVTIMEO | SO_SNDTIMEO) {
            return set_timeout_option(sc, sock, name, optval, optlen);
        }
        if !matches!(name, SO_SNDBUF | SO_RCVBUF | SO_PASSCRED) {
            return Err(Errno::ENOPROTOOPT);
        }
        if optlen < 4 {
            return Err(Errno::EINVAL);
        }
        let v: i32 = sc.task.mm().read_obj(optval)?;
        match name {
            SO_SNDBUF => sock.set_buffer(false, v.max(0) as usize),
            SO_RCVBUF => sock.set_buffer(true, v.max(0) as usize),
            _ => sock.set_passcred(v != 0),
        }
        Ok(0)
    })
}

/// Which timeout option `name` is: `SO_RCVTIMEO` receiving, else sending.
pub(super) fn which_timeout(name: i32) -> Timeout {
    if name == SO_RCVTIMEO {
        Timeout::Receive
    } else {
        Timeout::Send
    }
}

/// A timeout option's value as `getsockopt` gives it: a `struct timeval`, zero for
/// none.
pub(super) fn timeout_bytes(t: Option<std::time::Duration>) -> Vec<u8> {
    let t = t.unwrap_or_default();
    let tv = Timeval {
        tv_sec: t.as_secs() as i64,
        tv_usec: i64::from(t.subsec_micros()),
    };
    bytemuck::bytes_of(&tv).to_vec()
}

/// `SO_RCVTIMEO`/`SO_SNDTIMEO` from a `struct timeval` (`EINVAL` if shorter, `EDOM`
/// for microseconds outside `0..1_000_000`); `None` (zero) waits for ever, and a
/// negative time is taken as zero, as Linux's `sock_set_timeout`.
pub(super) fn read_timeout_option(
    sc: &SyscallCtx<'_>,
    optval: u64,
    optlen: i64,
) -> Result<Option<std::time::Duration>, Errno> {
    if optlen < std::mem::size_of::<Timeval>() as i64 {
        return Err(Errno::EINVAL);
    }
    let tv: Timeval = sc.task.mm().read_obj(optval)?;
    if !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(Errno::EDOM);
    }
    let t = if tv.tv_sec < 0 {
        None
    } else {
        Some(std::time::Duration::new(
            tv.tv_sec as u64,
            tv.tv_usec as u32 * 1000,
        ))
    };
    Ok(t.filter(|d| !d.is_zero()))
}

/// Sets `SO_RCVTIMEO` or `SO_SNDTIMEO` (`name`) of a Unix socket.
fn set_timeout_option(
    sc: &SyscallCtx<'_>,
    sock: &UnixSocket,
    name: i32,
    optval: u64,
    optlen: i64,
) -> SysResult {
    let t = read_timeout_option(sc, optval, optlen)?;
    sock.set_timeout(which_timeout(name), t);
    Ok(0)
}
