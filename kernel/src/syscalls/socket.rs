//! The socket calls on descriptors, while the sentry has no sockets: `socket` and
//! `socketpair` are `ENOSYS` (nothing can make a socket) and a socket file in the file
//! system opens with `ENXIO`, so no descriptor is a socket and every call on one fails
//! as Linux fails it for a descriptor that is not a socket: `EBADF` if it is not open,
//! else `ENOTSOCK`. Programs rely on that answer (bash's "is stdin a network
//! connection?" test on `getpeername`).

use veil_abi::Errno;

use super::{fd_arg, SysResult, SyscallCtx};

/// `SOCK_NONBLOCK | SOCK_CLOEXEC`, the flags `accept4` takes.
const ACCEPT4_FLAGS: u64 = 0o4000 | 0o2000000;

/// `EBADF` unless `fd` is open, then `ENOTSOCK`.
fn not_a_socket(sc: &SyscallCtx<'_>, fd: u64) -> SysResult {
    sc.task.files.get(fd_arg(fd))?;
    Err(Errno::ENOTSOCK)
}

/// `bind`, `connect`, `listen`, `accept`, `getsockname`, `getpeername`, `sendto`,
/// `recvfrom`, `setsockopt`, `getsockopt`, `shutdown`, `sendmsg`, `recvmsg`,
/// `sendmmsg`, `recvmmsg`: the descriptor (the first argument) is not a socket.
pub(super) fn on_descriptor(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    not_a_socket(sc, a[0])
}

/// `accept4(fd, addr, addrlen, flags)`: `EBADF` for a closed descriptor, then
/// `EINVAL` for unknown flags, then `ENOTSOCK`.
pub(super) fn accept4(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    sc.task.files.get(fd_arg(a[0]))?;
    if a[3] & !ACCEPT4_FLAGS != 0 {
        return Err(Errno::EINVAL);
    }
    Err(Errno::ENOTSOCK)
}
