//! Reads, writes, vectors, seeks, directory listings and descriptor plumbing.

use super::{out_buf, Ret};
use crate::ctx::Ctx;
use crate::value;
use crate::xlat::{self, CLOEXEC_FLAGS, WHENCE};

/// `read(fd, buf, count)`: the buffer shows the bytes read.
pub(super) fn read(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    out.push(out_buf(c, 1, c.ret()));
    out.push(c.ulong(2));
    Ret::Dec
}

/// `pread64(fd, buf, count, offset)`.
pub(super) fn pread(c: &Ctx, out: &mut Vec<String>) -> Ret {
    read(c, out);
    out.push(c.long(3));
    Ret::Dec
}

/// `write(fd, buf, count)`.
pub(super) fn write(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    out.push(c.buf_at(c.arg(1), c.arg(2)));
    out.push(c.ulong(2));
    Ret::Dec
}

/// `pwrite64(fd, buf, count, offset)`.
pub(super) fn pwrite(c: &Ctx, out: &mut Vec<String>) -> Ret {
    write(c, out);
    out.push(c.long(3));
    Ret::Dec
}

/// `readv(fd, iov, iovcnt)`: the buffers show the bytes read, spread over the vector.
pub(super) fn readv(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    let data = if c.failed() {
        IovData::Addresses
    } else {
        IovData::UpTo(c.ret())
    };
    out.push(iovec(c, c.arg(1), c.arg(2), data));
    out.push(c.ulong(2));
    Ret::Dec
}

/// `writev(fd, iov, iovcnt)`.
pub(super) fn writev(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    out.push(iovec(c, c.arg(1), c.arg(2), IovData::All));
    out.push(c.ulong(2));
    Ret::Dec
}

/// `preadv(fd, iov, iovcnt, offset)`.
pub(super) fn preadv(c: &Ctx, out: &mut Vec<String>) -> Ret {
    readv(c, out);
    out.push(c.long(3));
    Ret::Dec
}

/// `pwritev(fd, iov, iovcnt, offset)`.
pub(super) fn pwritev(c: &Ctx, out: &mut Vec<String>) -> Ret {
    writev(c, out);
    out.push(c.long(3));
    Ret::Dec
}

/// Which bytes of an iovec array's buffers to print.
enum IovData {
    /// None: print the buffer addresses (a read that failed).
    Addresses,
    /// Each buffer in full (a write).
    All,
    /// The first `n` bytes across the buffers (a read that returned `n`).
    UpTo(u64),
}

/// Prints an iovec array: `[{iov_base="hi", iov_len=2}, ...]`, at most the string limit
/// of elements.
fn iovec(c: &Ctx, addr: u64, count: u64, mut data: IovData) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let mut elems = Vec::new();
    for i in 0..count {
        if elems.len() >= c.limit() {
            elems.push("...".to_string());
            break;
        }
        let Some(bytes) = i
            .checked_mul(16)
            .and_then(|o| addr.checked_add(o))
            .and_then(|a| c.read(a, 16))
        else {
            if i == 0 {
                return value::addr(addr);
            }
            elems.push("...".to_string());
            break;
        };
        let (base, len) = (value::u64_at(&bytes, 0), value::u64_at(&bytes, 8));
        let base_str = match &mut data {
            IovData::Addresses => value::addr(base),
            IovData::All => c.buf_at(base, len),
            IovData::UpTo(left) => {
                let n = len.min(*left);
                *left -= n;
                c.buf_at(base, n)
            }
        };
        elems.push(format!("{{iov_base={base_str}, iov_len={len}}}"));
    }
    format!("[{}]", elems.join(", "))
}

/// `lseek(fd, offset, whence)`.
pub(super) fn lseek(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    out.push(c.long(1));
    out.push(xlat::xval(WHENCE, c.arg(2) & 0xffff_ffff, "SEEK_???"));
    Ret::Dec
}

/// `dup3(oldfd, newfd, flags)`.
pub(super) fn dup3(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    out.push(c.fd(1));
    out.push(xlat::flags(CLOEXEC_FLAGS, c.arg(2) & 0xffff_ffff, "O_???"));
    Ret::Dec
}

/// `getdents64(fd, dirp, count)`: `0x7ffd... /* 6 entries */`.
pub(super) fn getdents(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    out.push(if c.failed() {
        c.ptr(1)
    } else {
        dirents(c, c.arg(1), c.ret())
    });
    out.push(c.uint(2));
    Ret::Dec
}

/// Counts the directory entries in the `len` bytes at `addr`. Both `linux_dirent` and
/// `linux_dirent64` keep `d_reclen` at offset 16.
fn dirents(c: &Ctx, addr: u64, len: u64) -> String {
    const RECLEN_OFFSET: usize = 16;
    const MAX_LEN: u64 = 1 << 24;
    let Some(buf) = usize::try_from(len.min(MAX_LEN))
        .ok()
        .and_then(|n| c.read(addr, n))
    else {
        return value::addr(addr);
    };
    let mut count = 0;
    let mut off = 0usize;
    while off + RECLEN_OFFSET + 2 <= buf.len() {
        let reclen = usize::from(value::u16_at(&buf, off + RECLEN_OFFSET));
        if reclen == 0 {
            break;
        }
        count += 1;
        off += reclen;
    }
    format!("{} /* {count} entries */", value::addr(addr))
}

/// `pipe(fds)`: `[3, 4]` once the call succeeded.
pub(super) fn pipe(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(fd_pair(c, c.arg(0)));
    Ret::Dec
}

/// `pipe2(fds, flags)`.
pub(super) fn pipe2(c: &Ctx, out: &mut Vec<String>) -> Ret {
    pipe(c, out);
    out.push(xlat::flags(CLOEXEC_FLAGS, c.arg(1) & 0xffff_ffff, "O_???"));
    Ret::Dec
}

/// Two `int` fds written by the call.
fn fd_pair(c: &Ctx, addr: u64) -> String {
    match c.read(addr, 8).filter(|_| !c.failed()) {
        Some(b) => format!(
            "[{}, {}]",
            value::u32_at(&b, 0) as i32,
            value::u32_at(&b, 4) as i32
        ),
        None => value::addr(addr),
    }
}

/// One `struct pollfd`.
struct PollFd {
    fd: i32,
    events: u16,
    revents: u16,
}

/// `poll(fds, nfds, timeout)`: the requested events, and the returned events in the
/// result's note (`= 1 ([{fd=3, revents=POLLIN}])`).
pub(super) fn poll(c: &Ctx, out: &mut Vec<String>) -> Ret {
    let (addr, n) = (c.arg(0), c.arg(1) & 0xffff_ffff);
    let fds: Option<Vec<PollFd>> = (0..n.min(1 << 16))
        .map(|i| {
            let b = c.read(addr.checked_add(i * 8)?, 8)?;
            Some(PollFd {
                fd: value::u32_at(&b, 0) as i32,
                events: value::u16_at(&b, 4),
                revents: value::u16_at(&b, 6),
            })
        })
        .collect();
    let Some(fds) = fds.filter(|_| addr != 0) else {
        out.extend([c.ptr(0), c.uint(1), c.int(2)]);
        return Ret::Dec;
    };
    let events = |v: u16| xlat::flags(POLL_EVENTS, u64::from(v), "POLL???");
    out.push(poll_list(c, &fds, |p| {
        Some(format!("{{fd={}, events={}}}", p.fd, events(p.events)))
    }));
    out.push(c.uint(1));
    out.push(c.int(2));
    match c.ret() {
        _ if c.failed() => Ret::Dec,
        0 => Ret::DecNote("Timeout".to_string()),
        _ => Ret::DecNote(poll_list(c, &fds, |p| {
            (p.revents != 0).then(|| format!("{{fd={}, revents={}}}", p.fd, events(p.revents)))
        })),
    }
}

/// The entries `show` selects, at most the string limit of them.
fn poll_list(c: &Ctx, fds: &[PollFd], show: impl Fn(&PollFd) -> Option<String>) -> String {
    let mut items: Vec<String> = fds.iter().filter_map(show).collect();
    if items.len() > c.limit() {
        items.truncate(c.limit());
        items.push("...".to_string());
    }
    format!("[{}]", items.join(", "))
}

/// `poll(2)` event bits.
const POLL_EVENTS: xlat::Table = &[
    (0x1, "POLLIN"),
    (0x2, "POLLPRI"),
    (0x4, "POLLOUT"),
    (0x8, "POLLERR"),
    (0x10, "POLLHUP"),
    (0x20, "POLLNVAL"),
    (0x40, "POLLRDNORM"),
    (0x80, "POLLRDBAND"),
    (0x100, "POLLWRNORM"),
    (0x200, "POLLWRBAND"),
    (0x400, "POLLMSG"),
    (0x1000, "POLLREMOVE"),
    (0x2000, "POLLRDHUP"),
];

/// `eventfd2(initval, flags)`.
pub(super) fn eventfd2(c: &Ctx, out: &mut Vec<String>) -> Ret {
    const FLAGS: xlat::Table = &[
        (0o2000000, "EFD_CLOEXEC"),
        (0o4000, "EFD_NONBLOCK"),
        (1, "EFD_SEMAPHORE"),
    ];
    out.push(c.uint(0));
    out.push(xlat::flags(FLAGS, c.arg(1) & 0xffff_ffff, "EFD_???"));
    Ret::Dec
}

/// `epoll_create1(flags)`.
pub(super) fn epoll_create1(c: &Ctx, out: &mut Vec<String>) -> Ret {
    const FLAGS: xlat::Table = &[(0o2000000, "EPOLL_CLOEXEC")];
    out.push(xlat::flags(FLAGS, c.arg(0) & 0xffff_ffff, "EPOLL_???"));
    Ret::Dec
}

/// `memfd_create(name, flags)`.
pub(super) fn memfd_create(c: &Ctx, out: &mut Vec<String>) -> Ret {
    const FLAGS: xlat::Table = &[
        (1, "MFD_CLOEXEC"),
        (2, "MFD_ALLOW_SEALING"),
        (4, "MFD_HUGETLB"),
        (8, "MFD_NOEXEC_SEAL"),
        (0x10, "MFD_EXEC"),
    ];
    out.push(c.string_at(c.arg(0)));
    out.push(xlat::flags(FLAGS, c.arg(1) & 0xffff_ffff, "MFD_???"));
    Ret::Dec
}
