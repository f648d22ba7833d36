//! Copies between files inside the sentry: sendfile, copy_file_range, splice, tee and
//! vmsplice.

use veil_abi::flags::mode::{S_IFMT, S_IFREG};
use veil_abi::flags::open::O_APPEND;
use veil_abi::Errno;
use veil_vfs::OpenFile;

use super::{fd_arg, SysResult, SyscallCtx};

/// Bytes moved per step.
const CHUNK: usize = 1 << 20;
/// Linux's cap on one transfer (`MAX_RW_COUNT`).
const MAX_RW_COUNT: u64 = 0x7fff_f000;

/// Reads at `offset` (or the position) from `input` and writes to `output` at `out_off`
/// (or its position), up to `count` bytes; returns bytes moved. With `once`, stops
/// after one read (a pipe gives what it has; reading again would wait).
fn pump(
    input: &OpenFile,
    mut in_off: Option<u64>,
    output: &OpenFile,
    mut out_off: Option<u64>,
    count: u64,
    once: bool,
) -> Result<(u64, Option<u64>, Option<u64>), Errno> {
    let mut buf = vec![0u8; (count as usize).min(CHUNK)];
    let mut done = 0u64;
    let append = output.flags() & O_APPEND != 0;
    while done < count {
        let want = ((count - done) as usize).min(buf.len());
        let n = match in_off {
            Some(o) => input.ops.pread(&mut buf[..want], o),
            None => input.ops.read(&mut buf[..want]),
        };
        let n = match n {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        let w = match out_off {
            Some(o) => output.ops.pwrite(&buf[..n], o),
            None => output.ops.write(&buf[..n], append),
        };
        let w = match w {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += w as u64;
        in_off = in_off.map(|o| o + w as u64);
        out_off = out_off.map(|o| o + w as u64);
        if w < n {
            // The reader moved further than the writer took: give the rest back.
            if in_off.is_none() {
                let _ = input.ops.seek(-((n - w) as i64), 1);
            }
            break;
        }
        if once {
            break;
        }
    }
    Ok((done, in_off, out_off))
}

fn read_offset(sc: &SyscallCtx<'_>, addr: u64) -> Result<Option<u64>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let off: i64 = sc.task.mm().read_obj(addr)?;
    if off < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Some(off as u64))
}

/// `sendfile(out_fd, in_fd, offset, count)`.
pub(super) fn sendfile(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let output = sc.task.files.get(fd_arg(a[0]))?;
    let input = sc.task.files.get(fd_arg(a[1]))?;
    if !input.readable() || !output.writable() {
        return Err(Errno::EBADF);
    }
    if output.flags() & O_APPEND != 0 {
        return Err(Errno::EINVAL);
    }
    let in_off = read_offset(sc, a[2])?;
    let (done, new_off, _) = pump(&input, in_off, &output, None, a[3].min(MAX_RW_COUNT), false)?;
    if let Some(o) = new_off {
        sc.task.mm().write_obj(a[2], &(o as i64))?;
    }
    Ok(done)
}

/// `copy_file_range(fd_in, off_in, fd_out, off_out, len, flags)`: regular files only;
/// overlapping ranges of one file are `EINVAL`.
pub(super) fn copy_file_range(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if a[5] != 0 {
        return Err(Errno::EINVAL);
    }
    let input = sc.task.files.get(fd_arg(a[0]))?;
    let output = sc.task.files.get(fd_arg(a[2]))?;
    if !input.readable() || !output.writable() || output.flags() & O_APPEND != 0 {
        return Err(Errno::EBADF);
    }
    let (ist, ost) = (input.ops.stat()?, output.ops.stat()?);
    if ist.st_mode & S_IFMT != S_IFREG || ost.st_mode & S_IFMT != S_IFREG {
        return Err(if ist.st_mode & S_IFMT == veil_abi::flags::mode::S_IFDIR {
            Errno::EISDIR
        } else {
            Errno::EINVAL
        });
    }
    let len = a[4].min(MAX_RW_COUNT);
    let in_off = read_offset(sc, a[1])?;
    let out_off = read_offset(sc, a[3])?;
    if ist.st_ino == ost.st_ino && ist.st_dev == ost.st_dev {
        let i = in_off.unwrap_or(input.ops.seek(0, 1)?);
        let o = out_off.unwrap_or(output.ops.seek(0, 1)?);
        if i < o + len && o < i + len {
            return Err(Errno::EINVAL);
        }
    }
    let (done, ni, no) = pump(&input, in_off, &output, out_off, len, false)?;
    if let Some(o) = ni {
        sc.task.mm().write_obj(a[1], &(o as i64))?;
    }
    if let Some(o) = no {
        sc.task.mm().write_obj(a[3], &(o as i64))?;
    }
    Ok(done)
}

fn is_pipe(file: &OpenFile) -> bool {
    file.ops
        .stat()
        .is_ok_and(|st| st.st_mode & S_IFMT == veil_abi::flags::mode::S_IFIFO)
}

/// `splice(fd_in, off_in, fd_out, off_out, len, flags)`: moves data between a pipe and
/// another file (or two pipes) through the sentry. An offset for a pipe end is
/// `ESPIPE`; two non-pipes `EINVAL`; with `SPLICE_F_NONBLOCK` an empty input pipe or a
/// full output pipe is `EAGAIN`. From a pipe, one call moves what the pipe holds.
pub(super) fn splice(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    use veil_vfs::file::{POLLERR, POLLHUP, POLLIN, POLLOUT};
    let input = sc.task.files.get(fd_arg(a[0]))?;
    let output = sc.task.files.get(fd_arg(a[2]))?;
    if !input.readable() || !output.writable() {
        return Err(Errno::EBADF);
    }
    if a[5] & !SPLICE_F_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    let (in_pipe, out_pipe) = (is_pipe(&input), is_pipe(&output));
    if !in_pipe && !out_pipe {
        return Err(Errno::EINVAL);
    }
    if (in_pipe && a[1] != 0) || (out_pipe && a[3] != 0) {
        return Err(Errno::ESPIPE);
    }
    if !out_pipe && output.flags() & O_APPEND != 0 {
        return Err(Errno::EINVAL);
    }
    let in_off = if in_pipe {
        None
    } else {
        read_offset(sc, a[1])?
    };
    let out_off = if out_pipe {
        None
    } else {
        read_offset(sc, a[3])?
    };
    let len = a[4].min(MAX_RW_COUNT);
    if len == 0 {
        return Ok(0);
    }
    let nonblock = a[5] & SPLICE_F_NONBLOCK != 0;
    if nonblock
        && ((in_pipe && input.ops.readiness(None) & (POLLIN | POLLHUP) == 0)
            || (out_pipe && output.ops.readiness(None) & (POLLOUT | POLLERR) == 0))
    {
        return Err(Errno::EAGAIN);
    }
    let (done, ni, no) = pump(&input, in_off, &output, out_off, len, in_pipe)?;
    if let Some(o) = ni {
        sc.task.mm().write_obj(a[1], &(o as i64))?;
    }
    if let Some(o) = no {
        sc.task.mm().write_obj(a[3], &(o as i64))?;
    }
    Ok(done)
}

/// `SPLICE_F_NONBLOCK`.
const SPLICE_F_NONBLOCK: u64 = 2;
/// Every `SPLICE_F_*` flag (`MOVE`, `NONBLOCK`, `MORE`, `GIFT`).
const SPLICE_F_ALL: u64 = 0xf;

/// The pipe end `file` is, if it is one.
fn pipe_end(file: &OpenFile) -> Option<&crate::pipe::PipeEnd> {
    file.ops.as_any()?.downcast_ref::<crate::pipe::PipeEnd>()
}

/// Raises `SIGPIPE` on the caller for an `EPIPE`, as a write to a pipe without
/// readers does.
fn sigpipe_on_epipe(sc: &SyscallCtx<'_>, r: Result<usize, Errno>) -> SysResult {
    if r == Err(Errno::EPIPE) {
        let info = crate::signal::SigInfo::kernel(
            veil_abi::flags::signal::SIGPIPE,
            crate::signal::SI_USER,
            0,
        );
        crate::signal::send_to_task(sc.task, info);
    }
    r.map(|n| n as u64)
}

/// `tee(fd_in, fd_out, len, flags)`: duplicates up to `len` bytes from one pipe into
/// another without consuming them. Both must be pipes (`EINVAL`), the input open for
/// reading and the output for writing (`EBADF`); `SPLICE_F_NONBLOCK` makes waiting
/// `EAGAIN`.
pub(super) fn tee(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let input = sc.task.files.get(fd_arg(a[0]))?;
    let output = sc.task.files.get(fd_arg(a[1]))?;
    if a[3] & !SPLICE_F_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    if !input.readable() || !output.writable() {
        return Err(Errno::EBADF);
    }
    let (Some(i), Some(o)) = (pipe_end(&input), pipe_end(&output)) else {
        return Err(Errno::EINVAL);
    };
    let len = a[2].min(MAX_RW_COUNT) as usize;
    if len == 0 {
        return Ok(0);
    }
    let r = crate::pipe::tee(i, o, len, a[3] & SPLICE_F_NONBLOCK != 0);
    sigpipe_on_epipe(sc, r)
}

/// `vmsplice(fd, iov, nr_segs, flags)`: to a pipe's write end, the guest memory the
/// iovecs describe is written into the pipe; from a read end, the pipe is read into
/// them. Veil copies (no page gifting: `SPLICE_F_GIFT` changes nothing). A non-pipe
/// is `EBADF`; more than `IOV_MAX` iovecs `EINVAL`; `SPLICE_F_NONBLOCK` makes waiting
/// `EAGAIN`.
pub(super) fn vmsplice(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    if a[3] & !SPLICE_F_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    let Some(end) = pipe_end(&file) else {
        return Err(Errno::EBADF);
    };
    let list = super::read_write::iovecs(sc, a[1], a[2])?;
    let nonblock = a[3] & SPLICE_F_NONBLOCK != 0;
    let total: u64 = list.iter().map(|v| v.len).sum::<u64>().min(MAX_RW_COUNT);
    if total == 0 {
        return Ok(0);
    }
    let mm = sc.task.mm();
    if file.writable() {
        let mut data = Vec::with_capacity(total as usize);
        for v in &list {
            let take = (v.len as usize).min(total as usize - data.len());
            let start = data.len();
            data.resize(start + take, 0);
            mm.copy_in(v.base, &mut data[start..])?;
            if data.len() as u64 == total {
                break;
            }
        }
        let r = end.write_with(&data, nonblock);
        return sigpipe_on_epipe(sc, r);
    }
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    let mut data = vec![0u8; total as usize];
    let n = end.read_with(&mut data, nonblock)?;
    let mut off = 0;
    for v in &list {
        if off == n {
            break;
        }
        let k = (v.len as usize).min(n - off);
        mm.copy_out(v.base, &data[off..off + k])?;
        off += k;
    }
    Ok(n as u64)
}
