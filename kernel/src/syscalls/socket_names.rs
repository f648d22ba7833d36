//! Named Unix sockets: `socket`, `bind`, `listen`, `connect`, `accept`, `accept4`,
//! and the addresses of `getsockname`, `getpeername` and datagram `sendto`. The
//! names themselves are in [`crate::unix_names`].

use std::sync::Arc;

use veil_abi::flags::at::AT_FDCWD;
use veil_abi::flags::socket::*;
use veil_abi::Errno;
use veil_vfs::inode::{FileType, NewNode};
use veil_vfs::walk::WalkFlags;
use veil_vfs::OpenFile;

use super::fd::nofile_limit;
use super::path::{resolve, resolve_parent};
use super::{fd_arg, SysResult, SyscallCtx};
use crate::net::addr::Family;
use crate::perm::{self, Creds, MAY_WRITE};
use crate::unix_names::{self, Key};
use crate::unix_socket::{Ucred, UnixSocket};

/// `sizeof(struct sockaddr_un)`.
const SOCKADDR_UN_SIZE: usize = 110;
/// Most connections a listening socket queues (`net.core.somaxconn`).
const SOMAXCONN: usize = 4096;

/// A Unix socket address as the guest gave it.
enum Address {
    /// Only the family (`bind`: autobind).
    Unnamed,
    /// A file-system path (without its NUL).
    Path(Vec<u8>),
    /// An abstract name (the bytes after the leading NUL).
    Abstract(Vec<u8>),
}

/// Reads a `sockaddr_un` of `len` bytes: `EINVAL` if shorter than the family, longer
/// than the struct, or of another family.
fn read_address(sc: &SyscallCtx<'_>, addr: u64, len: u64) -> Result<Address, Errno> {
    let len = len as usize;
    if !(2..=SOCKADDR_UN_SIZE).contains(&len) {
        return Err(Errno::EINVAL);
    }
    let mut raw = vec![0u8; len];
    sc.task.mm().copy_in(addr, &mut raw)?;
    if u16::from_le_bytes([raw[0], raw[1]]) as u64 != AF_UNIX {
        return Err(Errno::EINVAL);
    }
    let path = &raw[2..];
    Ok(match path.first() {
        None => Address::Unnamed,
        Some(0) => Address::Abstract(path[1..].to_vec()),
        Some(_) => {
            let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
            Address::Path(path[..end].to_vec())
        }
    })
}

/// Writes the socket address `full` (a family's `sockaddr` bytes) to `addr`,
/// truncated to the caller's `*addrlen`, and its full length to `*addrlen`; nothing
/// when `addr` or `addrlen` is null; `EINVAL` for a negative `*addrlen`. Every socket
/// family's `getsockname`, `getpeername`, `accept` and `recvfrom` report this way.
pub(super) fn copy_out_address(
    sc: &SyscallCtx<'_>,
    full: &[u8],
    addr: u64,
    addrlen: u64,
) -> Result<(), Errno> {
    if addr == 0 || addrlen == 0 {
        return Ok(());
    }
    let len: i32 = sc.task.mm().read_obj(addrlen)?;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let n = (len as usize).min(full.len());
    sc.task.mm().copy_out(addr, &full[..n])?;
    sc.task.mm().write_obj(addrlen, &(full.len() as i32))
}

/// Writes Unix address `name` (`sun_path` bytes; `None`: unnamed) as
/// [`copy_out_address`] does.
pub(super) fn write_address(
    sc: &SyscallCtx<'_>,
    name: Option<&[u8]>,
    addr: u64,
    addrlen: u64,
) -> Result<(), Errno> {
    let mut full = (AF_UNIX as u16).to_le_bytes().to_vec();
    full.extend_from_slice(name.unwrap_or_default());
    copy_out_address(sc, &full, addr, addrlen)
}

/// The caller's credentials as a socket records them.
fn my_creds(sc: &SyscallCtx<'_>) -> Ucred {
    let c = sc.task.creds();
    Ucred {
        pid: sc.task.tg.tgid,
        uid: c.uid.real,
        gid: c.gid.real,
    }
}

/// The socket behind `fd` (`EBADF`, `ENOTSOCK`), as an `Arc` for registering.
fn socket_arc(sc: &SyscallCtx<'_>, fd: u64) -> Result<(Arc<OpenFile>, Arc<UnixSocket>), Errno> {
    let file = sc.task.files.get(fd_arg(fd))?;
    let sock = file
        .ops
        .clone()
        .as_any_arc()
        .and_then(|a| a.downcast::<UnixSocket>().ok())
        .ok_or(Errno::ENOTSOCK)?;
    Ok((file, sock))
}

/// `socket(domain, type, protocol)`: Unix sockets, internet ones (`inet.rs`),
/// `NETLINK_ROUTE` ones (`netlink.rs`); other families are `EAFNOSUPPORT`.
pub(super) fn socket(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (domain, ty, protocol) = (a[0], a[1], a[2]);
    match domain {
        AF_UNIX => {}
        AF_INET => return super::inet::socket(sc, Family::V4, ty, protocol),
        AF_INET6 => return super::inet::socket(sc, Family::V6, ty, protocol),
        AF_NETLINK => return super::netlink::socket(sc, ty, protocol),
        _ => return Err(Errno::EAFNOSUPPORT),
    }
    if ty & !(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let kind = match (ty & 0xf) as i32 {
        SOCK_STREAM => SOCK_STREAM,
        SOCK_DGRAM | SOCK_RAW => SOCK_DGRAM,
        SOCK_SEQPACKET => SOCK_SEQPACKET,
        _ => return Err(Errno::ESOCKTNOSUPPORT),
    };
    if protocol != 0 && protocol != AF_UNIX {
        return Err(Errno::EPROTONOSUPPORT);
    }
    let nonblock = ty & SOCK_NONBLOCK != 0;
    let sock = UnixSocket::new(kind, my_creds(sc), nonblock);
    install_socket(sc, sock, nonblock, ty & SOCK_CLOEXEC != 0)
}

/// Installs a new socket's open file in the caller's table: read-write, with
/// `O_NONBLOCK` if `nonblock`, close-on-exec if `cloexec`; the descriptor.
pub(super) fn install_socket(
    sc: &SyscallCtx<'_>,
    ops: Arc<dyn veil_vfs::FileOps>,
    nonblock: bool,
    cloexec: bool,
) -> SysResult {
    let flags = veil_abi::flags::open::O_RDWR
        | if nonblock {
            veil_abi::flags::open::O_NONBLOCK
        } else {
            0
        };
    let limit = nofile_limit(sc);
    sc.task
        .files
        .install(
            OpenFile::new(ops, flags, "socket".into()),
            cloexec,
            0,
            limit,
        )
        .map(|fd| fd as u64)
}

/// `bind(fd, addr, addrlen)`: a path makes a socket inode there (`EADDRINUSE` if the
/// name exists); an abstract name registers it; the family alone autobinds. A socket
/// binds once (`EINVAL`).
pub(super) fn bind(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if let Some(sock) = super::inet::lookup(sc, a[0])? {
        return super::inet::bind(sc, &*sock, a);
    }
    if let Some(sock) = super::netlink::lookup(sc, a[0])? {
        return super::netlink::bind(sc, &sock, a);
    }
    let (_, sock) = socket_arc(sc, a[0])?;
    let address = read_address(sc, a[1], a[2])?;
    if sock.names.lock().name.is_some() {
        return Err(Errno::EINVAL);
    }
    match address {
        Address::Unnamed => {
            unix_names::autobind(&sock)?;
        }
        Address::Abstract(name) => {
            unix_names::register(Key::Abstract(name.clone()), &sock)?;
            let mut addr = vec![0u8];
            addr.extend_from_slice(&name);
            let mut names = sock.names.lock();
            names.name = Some(addr);
            names.key = Some(Key::Abstract(name));
        }
        Address::Path(path) => {
            let (dir, name, _) = resolve_parent(sc, AT_FDCWD, &path)?;
            let creds = Creds::current();
            if !perm::may_access(&dir.inode().attr()?, &creds, MAY_WRITE | perm::MAY_EXEC) {
                return Err(Errno::EACCES);
            }
            let mode = 0o777 & !*sc.task.fs.umask.lock();
            let node = dir
                .dirent
                .create_child(&name, NewNode::Socket, mode, creds.for_new_file())
                .map_err(|e| {
                    if e == Errno::EEXIST {
                        Errno::EADDRINUSE
                    } else {
                        e
                    }
                })?;
            let attr = node.inode().attr()?;
            let key = Key::Inode(attr.dev, attr.ino);
            unix_names::register(key.clone(), &sock)?;
            let mut addr = path.clone();
            addr.push(0);
            let mut names = sock.names.lock();
            names.name = Some(addr);
            names.key = Some(key);
        }
    }
    Ok(0)
}

/// `listen(fd, backlog)`: a stream or packet socket starts taking connections
/// (autobound if it has no name); a datagram socket is `EOPNOTSUPP`, a connected one
/// `EINVAL`.
pub(super) fn listen(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if let Some(sock) = super::inet::lookup(sc, a[0])? {
        return super::inet::listen(&*sock, a);
    }
    if super::netlink::lookup(sc, a[0])?.is_some() {
        return Err(Errno::EOPNOTSUPP);
    }
    let (_, sock) = socket_arc(sc, a[0])?;
    if sock.kind == SOCK_DGRAM {
        return Err(Errno::EOPNOTSUPP);
    }
    if sock.connected() {
        return Err(Errno::EINVAL);
    }
    if sock.names.lock().name.is_none() {
        unix_names::autobind(&sock)?;
    }
    let backlog = (a[1] as i32).clamp(0, SOMAXCONN as i32) as usize;
    let mut names = sock.names.lock();
    match names.listen.as_mut() {
        Some((b, _)) => *b = backlog,
        None => names.listen = Some((backlog, Default::default())),
    }
    *sock.peercred.lock() = my_creds(sc);
    Ok(0)
}

/// The socket bound at `address` (`ECONNREFUSED` if none is; `ENOENT` for a missing
/// path; `EACCES` without write permission on the socket file).
fn find(sc: &SyscallCtx<'_>, address: &Address) -> Result<Arc<UnixSocket>, Errno> {
    match address {
        Address::Unnamed => Err(Errno::EINVAL),
        Address::Abstract(name) => {
            unix_names::lookup(&Key::Abstract(name.clone())).ok_or(Errno::ECONNREFUSED)
        }
        Address::Path(path) => {
            let at = resolve(sc, AT_FDCWD, path, WalkFlags::FOLLOW)?;
            let attr = at.inode().attr()?;
            if attr.kind != FileType::Socket {
                return Err(Errno::ECONNREFUSED);
            }
            if !perm::may_access(&attr, &Creds::current(), MAY_WRITE) {
                return Err(Errno::EACCES);
            }
            unix_names::lookup(&Key::Inode(attr.dev, attr.ino)).ok_or(Errno::ECONNREFUSED)
        }
    }
}

/// The peer a datagram `sendto` with an address goes to.
pub(super) fn datagram_target(
    sc: &SyscallCtx<'_>,
    addr: u64,
    len: u64,
) -> Result<Arc<UnixSocket>, Errno> {
    let address = read_address(sc, addr, len)?;
    let target = find(sc, &address)?;
    if target.kind != SOCK_DGRAM {
        return Err(Errno::EPROTOTYPE);
    }
    Ok(target)
}

/// `connect(fd, addr, addrlen)`: a stream or packet socket connects to a listening
/// one (`ECONNREFUSED` if it does not listen; waits while its queue is full, or
/// `EAGAIN` when non-blocking); a datagram socket sends to the named one from now on.
pub(super) fn connect(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if let Some(sock) = super::inet::lookup(sc, a[0])? {
        let file = sc.task.files.get(fd_arg(a[0]))?;
        return super::inet::connect(sc, &file, &*sock, a);
    }
    if let Some(sock) = super::netlink::lookup(sc, a[0])? {
        return super::netlink::connect(sc, &sock, a);
    }
    let (file, sock) = socket_arc(sc, a[0])?;
    let address = read_address(sc, a[1], a[2])?;
    let target = find(sc, &address)?;
    if target.kind != sock.kind {
        return Err(Errno::EPROTOTYPE);
    }
    let target_name = target.names.lock().name.clone();
    if sock.kind == SOCK_DGRAM {
        sock.set_peer(&target);
        sock.names.lock().peer_name = target_name;
        return Ok(0);
    }
    if sock.connected() {
        return Err(Errno::EISCONN);
    }
    if sock.names.lock().listen.is_some() {
        return Err(Errno::EINVAL);
    }
    let nonblock = file.flags() & veil_abi::flags::open::O_NONBLOCK != 0;
    loop {
        {
            let mut tnames = target.names.lock();
            let Some((backlog, queue)) = tnames.listen.as_mut() else {
                return Err(Errno::ECONNREFUSED);
            };
            // Linux lets one more than the backlog wait.
            if queue.len() <= *backlog {
                let server = UnixSocket::new(sock.kind, target.owner, false);
                UnixSocket::connect_ends(&sock, &server);
                *sock.peercred.lock() = *target.peercred.lock();
                *server.peercred.lock() = my_creds(sc);
                {
                    let mut sn = server.names.lock();
                    sn.name = target_name.clone();
                    sn.peer_name = sock.names.lock().name.clone();
                }
                sock.names.lock().peer_name = target_name;
                queue.push_back(server);
                drop(tnames);
                target.wake_waiters();
                return Ok(0);
            }
        }
        if nonblock {
            return Err(Errno::EAGAIN);
        }
        target.wait_for_change()?;
    }
}

/// `accept4(fd, addr, addrlen, flags)` (and `accept`, flags 0): the next connection,
/// waiting for one unless non-blocking (`EAGAIN`); `EINVAL` unless listening.
pub(super) fn accept4(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    if let Some(sock) = crate::net::ops::inet_of(&file) {
        return super::inet::accept4(sc, &file, &*sock, a);
    }
    if crate::net::netlink::NetlinkSocket::of(&file).is_some() {
        return Err(Errno::EOPNOTSUPP);
    }
    if a[3] & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let (_, sock) = socket_arc(sc, a[0])?;
    let nonblock = file.flags() & veil_abi::flags::open::O_NONBLOCK != 0;
    let server = loop {
        {
            let mut names = sock.names.lock();
            let Some((_, queue)) = names.listen.as_mut() else {
                return Err(Errno::EINVAL);
            };
            if let Some(s) = queue.pop_front() {
                break s;
            }
        }
        if nonblock {
            return Err(Errno::EAGAIN);
        }
        sock.wait_for_change()?;
    };
    // Room in the queue: a waiting connect may go on.
    sock.wake_waiters();
    let peer_name = server.names.lock().peer_name.clone();
    write_address(sc, peer_name.as_deref(), a[1], a[2])?;
    let new_nonblock = a[3] & SOCK_NONBLOCK != 0;
    if new_nonblock {
        veil_vfs::FileOps::set_nonblocking(&*server, true);
    }
    install_socket(sc, server, new_nonblock, a[3] & SOCK_CLOEXEC != 0)
}

/// `accept(fd, addr, addrlen)`.
pub(super) fn accept(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    accept4(sc, [a[0], a[1], a[2], 0, 0, 0])
}

/// `getsockname(fd, addr, addrlen)`: the bound name, or the family alone.
pub(super) fn getsockname(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if let Some(sock) = super::inet::lookup(sc, a[0])? {
        return super::inet::getsockname(sc, &*sock, a);
    }
    if let Some(sock) = super::netlink::lookup(sc, a[0])? {
        return super::netlink::getsockname(sc, &sock, a);
    }
    let (_, sock) = socket_arc(sc, a[0])?;
    let name = sock.names.lock().name.clone();
    write_address(sc, name.as_deref(), a[1], a[2]).map(|()| 0)
}

/// `getpeername(fd, addr, addrlen)`: the peer's name (`ENOTCONN` if none).
pub(super) fn getpeername(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if let Some(sock) = super::inet::lookup(sc, a[0])? {
        return super::inet::getpeername(sc, &*sock, a);
    }
    if let Some(sock) = super::netlink::lookup(sc, a[0])? {
        return super::netlink::getpeername(sc, &sock, a);
    }
    let (_, sock) = socket_arc(sc, a[0])?;
    if !sock.connected() {
        return Err(Errno::ENOTCONN);
    }
    let name = sock.names.lock().peer_name.clone();
    write_address(sc, name.as_deref(), a[1], a[2]).map(|()| 0)
}
