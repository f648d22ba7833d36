//! read, write and their vector and positional forms; lseek.

use veil_abi::flags::mode::{S_IFMT, S_IFREG};
use veil_abi::flags::seek::*;
use veil_abi::flags::signal::SIGPIPE;
use veil_abi::structs::Iovec;
use veil_abi::Errno;
use veil_vfs::OpenFile;

use crate::signal::{SigInfo, SI_USER};

use super::{fd_arg, SysResult, SyscallCtx};

/// Linux's cap on one read or write (`MAX_RW_COUNT`).
const MAX_RW_COUNT: u64 = 0x7fff_f000;
/// Bytes moved through the sentry per host call.
const CHUNK: usize = 1 << 20;
/// Most iovecs in one call (`UIO_MAXIOV`).
const UIO_MAXIOV: u64 = 1024;
/// The largest bounce buffer a sentry thread keeps between calls.
const KEPT_BOUNCE: usize = 256 << 10;

thread_local! {
    /// This sentry thread's bounce buffer, kept between calls.
    static BOUNCE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` on a buffer of `len` bytes for moving data between guest memory and a
/// file. Buffers up to [`KEPT_BOUNCE`] are reused by the sentry thread (which
/// serves one guest thread), so a call pays neither allocation nor zeroing; the
/// bytes in it are what this thread moved before, and `f` must use only what it
/// filled.
pub(super) fn with_bounce<R>(len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    let mut buf = BOUNCE.with(|b| b.take());
    if buf.len() < len {
        buf.resize(len, 0);
    }
    let r = f(&mut buf[..len]);
    if buf.len() <= KEPT_BOUNCE {
        BOUNCE.with(|b| *b.borrow_mut() = buf);
    }
    r
}

fn is_regular(file: &OpenFile) -> bool {
    file.ops
        .stat()
        .is_ok_and(|st| st.st_mode & S_IFMT == S_IFREG)
}

/// How often a wait for an inherited host pipe, socket or terminal looks again.
const HOST_POLL: std::time::Duration = std::time::Duration::from_millis(5);

/// Before a blocking read or write of a host descriptor that can wait (an inherited
/// pipe, socket or terminal: `FileOps::needs_polling`), waits in the sentry until it
/// is ready, looking every [`HOST_POLL`], so that the task stays interruptible: a
/// host `read` that blocked would hold the sentry thread past any signal. A
/// non-blocking description goes straight on (its call says `EAGAIN` itself).
fn wait_host_ready(sc: &SyscallCtx<'_>, file: &OpenFile, write: bool) -> Result<(), Errno> {
    use veil_vfs::file::{POLLERR, POLLHUP, POLLIN, POLLOUT};
    if !file.ops.needs_polling() || file.flags() & veil_abi::flags::open::O_NONBLOCK != 0 {
        return Ok(());
    }
    let want = if write {
        POLLOUT | POLLERR | POLLHUP
    } else {
        POLLIN | POLLHUP | POLLERR
    };
    while file.ops.readiness(None) & want == 0 {
        let deadline = std::time::Instant::now() + HOST_POLL;
        if sc.task.sleep_until(deadline) == crate::task::BlockResult::Interrupted {
            return Err(crate::signal::ERESTARTSYS);
        }
    }
    Ok(())
}

/// Reads up to `count` bytes into guest memory at `buf`, at `offset` or the file
/// position. Regular files are read until `count` or end of file; other files get one
/// host read, which may return less.
fn read_into(
    sc: &SyscallCtx<'_>,
    file: &OpenFile,
    buf: u64,
    count: u64,
    offset: Option<u64>,
) -> SysResult {
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    let count = count.min(MAX_RW_COUNT);
    if count == 0 {
        return Ok(0);
    }
    // A bad buffer fails before any data is consumed.
    sc.task.mm().check(buf, 1, crate::mm::Access::Write)?;
    let regular = offset.is_some() || is_regular(file);
    if !regular {
        wait_host_ready(sc, file, false)?;
    }
    let done = with_bounce(
        (count as usize).min(CHUNK),
        |bounce| -> Result<u64, Errno> {
            let mut done: u64 = 0;
            while done < count {
                let want = ((count - done) as usize).min(bounce.len());
                let n = match offset {
                    Some(off) => file
                        .ops
                        .pread(&mut bounce[..want], off.saturating_add(done)),
                    None => file.ops.read(&mut bounce[..want]),
                };
                let n = match n {
                    Ok(n) => n,
                    Err(e) if done == 0 => return Err(e),
                    Err(_) => break,
                };
                if let Err(e) = sc.task.mm().copy_out(buf.wrapping_add(done), &bounce[..n]) {
                    return if done == 0 { Err(e) } else { Ok(done) };
                }
                done += n as u64;
                if n < want || !regular {
                    break;
                }
            }
            Ok(done)
        },
    )?;
    if done > 0 {
        crate::inotify::notify_file(&sc.task.kernel, file, crate::inotify::IN_ACCESS);
    }
    Ok(done)
}

/// Writes up to `count` bytes from guest memory at `buf`, at `offset` or the file
/// position, until everything is written or the file takes less.
fn write_from(
    sc: &SyscallCtx<'_>,
    file: &OpenFile,
    buf: u64,
    count: u64,
    offset: Option<u64>,
) -> SysResult {
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    let count = count.min(MAX_RW_COUNT);
    if count == 0 {
        return Ok(0);
    }
    if offset.is_none() && !is_regular(file) {
        wait_host_ready(sc, file, true)?;
    }
    let done = with_bounce(
        (count as usize).min(CHUNK),
        |bounce| -> Result<u64, Errno> {
            let mut done: u64 = 0;
            while done < count {
                let want = ((count - done) as usize).min(bounce.len());
                if let Err(e) = sc
                    .task
                    .mm()
                    .copy_in(buf.wrapping_add(done), &mut bounce[..want])
                {
                    return if done == 0 { Err(e) } else { Ok(done) };
                }
                let append = file.flags() & veil_abi::flags::open::O_APPEND != 0;
                let n = match offset {
                    // Linux's documented quirk: pwrite on an O_APPEND description appends
                    // (and, being a pwrite, leaves the file offset alone).
                    Some(_) if append => match file.ops.stat() {
                        Ok(st) => file.ops.pwrite(&bounce[..want], st.st_size.max(0) as u64),
                        Err(e) => Err(e),
                    },
                    Some(off) => file.ops.pwrite(&bounce[..want], off.saturating_add(done)),
                    None => file.ops.write(
                        &bounce[..want],
                        file.flags() & veil_abi::flags::open::O_APPEND != 0,
                    ),
                };
                let n = match n {
                    Ok(n) => n,
                    Err(Errno::EPIPE) => {
                        // Writing to a pipe nobody reads: Linux raises SIGPIPE as well.
                        let info = SigInfo::kernel(SIGPIPE, SI_USER, 0);
                        crate::signal::send_to_task(sc.task, info);
                        return if done == 0 {
                            Err(Errno::EPIPE)
                        } else {
                            Ok(done)
                        };
                    }
                    Err(e) if done == 0 => return Err(e),
                    Err(_) => break,
                };
                done += n as u64;
                if n < want {
                    break;
                }
            }
            Ok(done)
        },
    )?;
    if done > 0 {
        crate::inotify::notify_file(&sc.task.kernel, file, crate::inotify::IN_MODIFY);
    }
    Ok(done)
}

fn offset_arg(a: u64) -> Result<u64, Errno> {
    if (a as i64) < 0 {
        Err(Errno::EINVAL)
    } else {
        Ok(a)
    }
}

/// `read(fd, buf, count)`.
pub(super) fn read(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    read_into(sc, &file, a[1], a[2], None)
}

/// `write(fd, buf, count)`.
pub(super) fn write(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    write_from(sc, &file, a[1], a[2], None)
}

/// `pread64(fd, buf, count, offset)`.
pub(super) fn pread64(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    let off = offset_arg(a[3])?;
    read_into(sc, &file, a[1], a[2], Some(off))
}

/// `pwrite64(fd, buf, count, offset)`.
pub(super) fn pwrite64(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    let off = offset_arg(a[3])?;
    write_from(sc, &file, a[1], a[2], Some(off))
}

/// Reads and validates an iovec array.
pub(super) fn iovecs(sc: &SyscallCtx<'_>, addr: u64, count: u64) -> Result<Vec<Iovec>, Errno> {
    if count > UIO_MAXIOV {
        return Err(Errno::EINVAL);
    }
    let mut v = vec![Iovec::default(); count as usize];
    sc.task
        .mm()
        .copy_in(addr, bytemuck::cast_slice_mut(&mut v))?;
    let mut total: u64 = 0;
    for iov in &v {
        total = total.checked_add(iov.len).ok_or(Errno::EINVAL)?;
        if total > i64::MAX as u64 {
            return Err(Errno::EINVAL);
        }
    }
    Ok(v)
}

fn vectored(
    sc: &SyscallCtx<'_>,
    fd: i32,
    iov: u64,
    cnt: u64,
    offset: Option<u64>,
    write: bool,
) -> SysResult {
    let file = sc.task.files.get(fd)?;
    if (write && !file.writable()) || (!write && !file.readable()) {
        return Err(Errno::EBADF);
    }
    let list = iovecs(sc, iov, cnt)?;
    let mut done = 0u64;
    for v in list.iter().filter(|v| v.len > 0) {
        let off = offset.map(|o| o.saturating_add(done));
        let r = if write {
            write_from(sc, &file, v.base, v.len, off)
        } else {
            read_into(sc, &file, v.base, v.len, off)
        };
        match r {
            Ok(n) => {
                done += n;
                if n < v.len {
                    break;
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

/// `readv(fd, iov, iovcnt)`.
pub(super) fn readv(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    vectored(sc, fd_arg(a[0]), a[1], a[2], None, false)
}

/// `writev(fd, iov, iovcnt)`.
pub(super) fn writev(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    vectored(sc, fd_arg(a[0]), a[1], a[2], None, true)
}

/// `preadv(fd, iov, iovcnt, pos_l, pos_h)`.
pub(super) fn preadv(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let off = offset_arg(a[3])?;
    vectored(sc, fd_arg(a[0]), a[1], a[2], Some(off), false)
}

/// `pwritev(fd, iov, iovcnt, pos_l, pos_h)`.
pub(super) fn pwritev(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let off = offset_arg(a[3])?;
    vectored(sc, fd_arg(a[0]), a[1], a[2], Some(off), true)
}

/// `lseek(fd, offset, whence)`. Directories seek their `getdents64` cursor.
pub(super) fn lseek(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    let (offset, whence) = (a[1] as i64, a[2] as u32);
    if whence > SEEK_HOLE {
        return Err(Errno::EINVAL);
    }
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    if file.ops.is_dir() {
        let mut pos = file.dir_pos.lock();
        let new = match whence {
            SEEK_SET => offset,
            SEEK_CUR => (*pos as i64).checked_add(offset).ok_or(Errno::EINVAL)?,
            _ => return Err(Errno::EINVAL),
        };
        if new < 0 {
            return Err(Errno::EINVAL);
        }
        *pos = new as u64;
        return Ok(new as u64);
    }
    file.ops.seek(offset, whence)
}

/// `RWF_*` flags of `preadv2`/`pwritev2`.
const RWF_HIPRI: u64 = 0x1;
const RWF_DSYNC: u64 = 0x2;
const RWF_SYNC: u64 = 0x4;
const RWF_NOWAIT: u64 = 0x8;
const RWF_APPEND: u64 = 0x10;
const RWF_NOAPPEND: u64 = 0x20;

/// `preadv2` and `pwritev2`: an offset of -1 uses (and moves) the file position;
/// `RWF_HIPRI`, `RWF_DSYNC` and `RWF_SYNC` change nothing (no device to poll, nothing
/// to flush); `RWF_NOWAIT` fails with `EAGAIN` where the call would wait (an empty
/// pipe, a full one); `RWF_APPEND` appends whatever the offset; unknown flags are
/// `EOPNOTSUPP`.
fn vectored2(sc: &SyscallCtx<'_>, a: [u64; 6], write: bool) -> SysResult {
    let flags = a[5];
    let known = RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND | RWF_NOAPPEND;
    if flags & !known != 0 || (!write && flags & (RWF_APPEND | RWF_NOAPPEND) != 0) {
        return Err(Errno::EOPNOTSUPP);
    }
    let fd = fd_arg(a[0]);
    let file = sc.task.files.get(fd)?;
    let mut offset = match a[3] as i64 {
        -1 => None,
        o if o < 0 => return Err(Errno::EINVAL),
        o => Some(o as u64),
    };
    if flags & RWF_NOWAIT != 0 && !is_regular(&file) {
        use veil_vfs::file::{POLLERR, POLLHUP, POLLIN, POLLOUT};
        let ready = file.ops.readiness(None);
        let want = if write {
            POLLOUT | POLLERR
        } else {
            POLLIN | POLLHUP
        };
        if ready & want == 0 {
            return Err(Errno::EAGAIN);
        }
    }
    if write && flags & RWF_APPEND != 0 && is_regular(&file) {
        let end = file.ops.stat()?.st_size.max(0) as u64;
        if offset.is_none() {
            // Appending at the position moves it to the end first.
            file.ops.seek(end as i64, SEEK_SET)?;
        }
        offset = offset.map(|_| end);
    }
    vectored(sc, fd, a[1], a[2], offset, write)
}

/// `preadv2(fd, iov, iovcnt, pos_l, pos_h, flags)`.
pub(super) fn preadv2(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    vectored2(sc, a, false)
}

/// `pwritev2(fd, iov, iovcnt, pos_l, pos_h, flags)`.
pub(super) fn pwritev2(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    vectored2(sc, a, true)
}
