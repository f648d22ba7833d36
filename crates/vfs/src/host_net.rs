//! Host socket calls the sentry makes on a guest's behalf (`--network=host`), with
//! Rust types in and out: every socket is non-blocking and close-on-exec, addresses
//! are `SocketAddr`s (so only well-formed `sockaddr_in`/`sockaddr_in6` reach the
//! host), options are integers or `struct linger`. Errors are the host's errno.
//!
//! `unsafe` here is the libc calls `nix` does not wrap with flags or owned results.

use std::mem::{size_of, MaybeUninit};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
#[cfg(test)]
use std::os::fd::AsFd;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use veil_abi::Errno;

fn last_errno() -> Errno {
    Errno(
        std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO),
    )
}

fn check(r: libc::c_int) -> Result<libc::c_int, Errno> {
    if r < 0 {
        Err(last_errno())
    } else {
        Ok(r)
    }
}

fn check_size(r: libc::ssize_t) -> Result<usize, Errno> {
    if r < 0 {
        Err(last_errno())
    } else {
        Ok(r as usize)
    }
}

/// `addr` as a `sockaddr_storage` and its length.
fn to_raw(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain data; all zeroes is a valid value.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
            unsafe { std::ptr::write((&mut ss as *mut libc::sockaddr_storage).cast(), sin) };
            size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo().to_be(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
            unsafe { std::ptr::write((&mut ss as *mut libc::sockaddr_storage).cast(), sin6) };
            size_of::<libc::sockaddr_in6>()
        }
    };
    (ss, len as libc::socklen_t)
}

/// The address in `ss` (`None` for another family or a short length).
fn from_raw(ss: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<SocketAddr> {
    match i32::from(ss.ss_family) {
        libc::AF_INET if len as usize >= size_of::<libc::sockaddr_in>() => {
            // SAFETY: the family says the storage holds a sockaddr_in.
            let sin: libc::sockaddr_in =
                unsafe { std::ptr::read((ss as *const libc::sockaddr_storage).cast()) };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Some(SocketAddr::V4(SocketAddrV4::new(
                ip,
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 if len as usize >= size_of::<libc::sockaddr_in6>() => {
            // SAFETY: the family says the storage holds a sockaddr_in6.
            let sin6: libc::sockaddr_in6 =
                unsafe { std::ptr::read((ss as *const libc::sockaddr_storage).cast()) };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(sin6.sin6_addr.s6_addr),
                u16::from_be(sin6.sin6_port),
                u32::from_be(sin6.sin6_flowinfo),
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// A new non-blocking, close-on-exec host socket of `family` (`AF_INET`/`AF_INET6`),
/// `ty` (`SOCK_STREAM`/`SOCK_DGRAM`) and `protocol`.
pub fn socket(family: i32, ty: i32, protocol: i32) -> Result<OwnedFd, Errno> {
    // SAFETY: socket takes no pointers.
    let fd = check(unsafe {
        libc::socket(
            family,
            ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            protocol,
        )
    })?;
    // SAFETY: fd was just returned by socket and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `bind(fd, addr)`.
pub fn bind(fd: BorrowedFd<'_>, addr: &SocketAddr) -> Result<(), Errno> {
    let (ss, len) = to_raw(addr);
    // SAFETY: ss is a valid sockaddr of length len for the call.
    check(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&ss as *const libc::sockaddr_storage).cast(),
            len,
        )
    })
    .map(drop)
}

/// `connect(fd, addr)` (the socket being non-blocking, `EINPROGRESS` for TCP).
pub fn connect(fd: BorrowedFd<'_>, addr: &SocketAddr) -> Result<(), Errno> {
    let (ss, len) = to_raw(addr);
    // SAFETY: ss is a valid sockaddr of length len for the call.
    check(unsafe {
        libc::connect(
            fd.as_raw_fd(),
            (&ss as *const libc::sockaddr_storage).cast(),
            len,
        )
    })
    .map(drop)
}

/// `connect(fd, AF_UNSPEC)`: dissolves a datagram association or a connection.
pub fn disconnect(fd: BorrowedFd<'_>) -> Result<(), Errno> {
    // SAFETY: sockaddr is plain data; all zeroes is AF_UNSPEC.
    let sa: libc::sockaddr = unsafe { std::mem::zeroed() };
    // SAFETY: sa is a valid sockaddr of the length given.
    check(unsafe {
        libc::connect(
            fd.as_raw_fd(),
            &sa,
            size_of::<libc::sockaddr>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// `listen(fd, backlog)`.
pub fn listen(fd: BorrowedFd<'_>, backlog: i32) -> Result<(), Errno> {
    // SAFETY: listen takes no pointers.
    check(unsafe { libc::listen(fd.as_raw_fd(), backlog) }).map(drop)
}

/// `accept4` of a connection, non-blocking and close-on-exec, with its peer.
pub fn accept(fd: BorrowedFd<'_>) -> Result<(OwnedFd, Option<SocketAddr>), Errno> {
    // SAFETY: plain data; zeroes are valid.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: ss and len are valid for writing the peer's address.
    let new = check(unsafe {
        libc::accept4(
            fd.as_raw_fd(),
            (&mut ss as *mut libc::sockaddr_storage).cast(),
            &mut len,
            libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        )
    })?;
    // SAFETY: new was just returned by accept4 and is owned by nobody else.
    let owned = unsafe { OwnedFd::from_raw_fd(new) };
    Ok((owned, from_raw(&ss, len)))
}

/// `sendto(fd, data, flags, to)`.
pub fn send_to(
    fd: BorrowedFd<'_>,
    data: &[u8],
    flags: i32,
    to: Option<&SocketAddr>,
) -> Result<usize, Errno> {
    let raw = to.map(to_raw);
    let (ptr, len) = match &raw {
        Some((ss, len)) => ((ss as *const libc::sockaddr_storage).cast(), *len),
        None => (std::ptr::null(), 0),
    };
    // SAFETY: data is valid for reading; ptr/len are a valid address or null/0.
    check_size(unsafe {
        libc::sendto(
            fd.as_raw_fd(),
            data.as_ptr().cast(),
            data.len(),
            flags,
            ptr,
            len,
        )
    })
}

/// `recvfrom(fd, buf, flags)`: the byte count (the full datagram's with
/// `MSG_TRUNC`) and the sender.
pub fn recv_from(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    flags: i32,
) -> Result<(usize, Option<SocketAddr>), Errno> {
    // SAFETY: plain data; zeroes are valid.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: buf is valid for writing its length; ss/len for the sender.
    let n = check_size(unsafe {
        libc::recvfrom(
            fd.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            flags,
            (&mut ss as *mut libc::sockaddr_storage).cast(),
            &mut len,
        )
    })?;
    Ok((n, from_raw(&ss, len)))
}

/// `getsockname` (`peer`: `getpeername`).
pub fn name(fd: BorrowedFd<'_>, peer: bool) -> Result<SocketAddr, Errno> {
    // SAFETY: plain data; zeroes are valid.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let p = (&mut ss as *mut libc::sockaddr_storage).cast();
    // SAFETY: ss and len are valid for writing the address.
    check(unsafe {
        if peer {
            libc::getpeername(fd.as_raw_fd(), p, &mut len)
        } else {
            libc::getsockname(fd.as_raw_fd(), p, &mut len)
        }
    })?;
    from_raw(&ss, len).ok_or(Errno::EAFNOSUPPORT)
}

/// `shutdown(fd, how)`.
pub fn shutdown(fd: BorrowedFd<'_>, how: i32) -> Result<(), Errno> {
    // SAFETY: shutdown takes no pointers.
    check(unsafe { libc::shutdown(fd.as_raw_fd(), how) }).map(drop)
}

/// An integer option.
pub fn get_int(fd: BorrowedFd<'_>, level: i32, name: i32) -> Result<i32, Errno> {
    let mut v = MaybeUninit::<libc::c_int>::zeroed();
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: v and len are valid for writing an int.
    check(unsafe {
        libc::getsockopt(fd.as_raw_fd(), level, name, v.as_mut_ptr().cast(), &mut len)
    })?;
    // SAFETY: zero-initialised, and written by the call.
    Ok(unsafe { v.assume_init() })
}

/// Sets an integer option.
pub fn set_int(fd: BorrowedFd<'_>, level: i32, name: i32, value: i32) -> Result<(), Errno> {
    // SAFETY: value is valid for reading an int.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&value as *const i32).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// `SO_LINGER`: on, and seconds.
pub fn get_linger(fd: BorrowedFd<'_>) -> Result<(bool, i32), Errno> {
    let mut v = libc::linger {
        l_onoff: 0,
        l_linger: 0,
    };
    let mut len = size_of::<libc::linger>() as libc::socklen_t;
    // SAFETY: v and len are valid for writing a struct linger.
    check(unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&mut v as *mut libc::linger).cast(),
            &mut len,
        )
    })?;
    Ok((v.l_onoff != 0, v.l_linger))
}

/// Sets `SO_LINGER`.
pub fn set_linger(fd: BorrowedFd<'_>, on: bool, secs: i32) -> Result<(), Errno> {
    let v = libc::linger {
        l_onoff: i32::from(on),
        l_linger: secs,
    };
    // SAFETY: v is valid for reading a struct linger.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&v as *const libc::linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// Bytes waiting to be read (`FIONREAD`).
pub fn unread(fd: BorrowedFd<'_>) -> Result<usize, Errno> {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int to the pointer.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::FIONREAD, &mut n) })?;
    Ok(n.max(0) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_through_the_raw_form() {
        for a in ["127.0.0.1:80", "[::1]:443", "[::ffff:10.0.0.1]:9"] {
            let a: SocketAddr = a.parse().unwrap();
            let (ss, len) = to_raw(&a);
            assert_eq!(from_raw(&ss, len), Some(a));
        }
    }

    #[test]
    fn a_host_udp_socket_round_trip() {
        let a = socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
        let b = socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
        let lo: SocketAddr = "127.0.0.1:0".parse().unwrap();
        bind(a.as_fd(), &lo).unwrap();
        let to = name(a.as_fd(), false).unwrap();
        assert_eq!(send_to(b.as_fd(), b"hi", 0, Some(&to)), Ok(2));
        let mut buf = [0u8; 8];
        std::thread::sleep(std::time::Duration::from_millis(10));
        let (n, from) = recv_from(a.as_fd(), &mut buf, 0).unwrap();
        assert_eq!(&buf[..n], b"hi");
        assert_eq!(
            from.map(|f| f.port()),
            name(b.as_fd(), false).ok().map(|a| a.port())
        );
        assert_eq!(recv_from(a.as_fd(), &mut buf, 0).err(), Some(Errno::EAGAIN));
    }
}
