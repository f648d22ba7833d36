//! Pipes: a bounded byte queue between a read end and a write end.
//!
//! A blocked reader or writer sleeps as its task (interruptibly: a signal ends the wait
//! with `ERESTARTSYS`) and is woken by the other end. Writes of at most `PIPE_BUF`
//! bytes are atomic. Writing with no reader left is `EPIPE` (the write path also
//! raises `SIGPIPE`); reading with no writer left and nothing buffered is end of file.
//!
//! Lock order: `Pipe::state` → a task's block mutex (waking).

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use veil_abi::flags::mode::S_IFIFO;
use veil_abi::structs::{Stat, Statx};
use veil_abi::Errno;
use veil_vfs::file::{POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use veil_vfs::{FileOps, PollWaker, WaitQueue};

use crate::signal::ERESTARTSYS;
use crate::task::{self, BlockResult, Task};

/// Capacity of a new pipe (Linux's default, 16 pages).
pub const PIPE_CAPACITY: usize = 65536;
/// Largest capacity `F_SETPIPE_SZ` gives without `CAP_SYS_RESOURCE`
/// (`/proc/sys/fs/pipe-max-size`).
pub const PIPE_MAX_SIZE: usize = 1 << 20;
/// `CAP_SYS_RESOURCE`.
const CAP_SYS_RESOURCE: u32 = 24;
/// Largest write that is atomic (`PIPE_BUF`).
pub const PIPE_BUF: usize = 4096;

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

struct PipeState {
    buf: VecDeque<u8>,
    /// The bytes of `buf` in the writes that put them there, oldest first: `(length,
    /// packet)`, a packet being a write by an `O_DIRECT` end (at most `PIPE_BUF`
    /// bytes). A packet-mode reader reads one packet at a time, discarding what does
    /// not fit its buffer.
    segments: VecDeque<(usize, bool)>,
    /// Bytes the pipe holds at most (`F_SETPIPE_SZ`).
    capacity: usize,
    readers: usize,
    writers: usize,
    /// Opens of each kind so far: a FIFO opener waiting for the other side wakes even
    /// if that side came and went meanwhile.
    read_opens: u64,
    write_opens: u64,
    /// Tasks blocked on this pipe (reading, writing or polling); all are woken on any
    /// change and look again.
    waiters: WaitQueue,
}

/// The pipe both ends share.
struct Pipe {
    ino: u64,
    state: Mutex<PipeState>,
}

/// One end of a pipe: what `pipe2` installs as a descriptor, or an open FIFO (which
/// may be both ends at once, `O_RDWR`).
pub struct PipeEnd {
    pipe: Arc<Pipe>,
    read: bool,
    write: bool,
    nonblock: AtomicBool,
    /// `O_DIRECT` (packet mode, pipe(7)) on a write end: each write is a packet.
    packet: AtomicBool,
}

/// Creates a pipe: `(read end, write end)`.
pub fn new_pipe(nonblock: bool) -> (Arc<PipeEnd>, Arc<PipeEnd>) {
    let pipe = Arc::new(Pipe {
        ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
        state: Mutex::new(PipeState {
            buf: VecDeque::new(),
            segments: VecDeque::new(),
            capacity: PIPE_CAPACITY,
            readers: 1,
            writers: 1,
            read_opens: 1,
            write_opens: 1,
            waiters: WaitQueue::default(),
        }),
    });
    let end = |write: bool| {
        Arc::new(PipeEnd {
            pipe: pipe.clone(),
            read: !write,
            write,
            nonblock: AtomicBool::new(nonblock),
            packet: AtomicBool::new(false),
        })
    };
    (end(false), end(true))
}

/// The pipe of every FIFO some task has open, by the FIFO's `(st_dev, st_ino)`: all
/// openers of one FIFO share it. Entries die with their last open end.
static FIFOS: Mutex<BTreeMap<(u64, u64), Weak<Pipe>>> = Mutex::new(BTreeMap::new());

/// Opens the FIFO identified by `key` for reading and/or writing, as fifo(7): without
/// `nonblock`, a reader waits for a writer and a writer for a reader (`ERESTARTSYS` if
/// a signal comes first); with it, a reader opens at once and a writer without a
/// reader fails with `ENXIO`. `O_RDWR` never waits.
pub fn open_fifo(
    key: (u64, u64),
    read: bool,
    write: bool,
    nonblock: bool,
) -> Result<Arc<PipeEnd>, Errno> {
    let pipe = {
        let mut fifos = FIFOS.lock();
        fifos.retain(|_, w| w.strong_count() > 0);
        match fifos.get(&key).and_then(Weak::upgrade) {
            Some(p) => p,
            None => {
                let p = Arc::new(Pipe {
                    ino: key.1,
                    state: Mutex::new(PipeState {
                        buf: VecDeque::new(),
                        segments: VecDeque::new(),
                        capacity: PIPE_CAPACITY,
                        readers: 0,
                        writers: 0,
                        read_opens: 0,
                        write_opens: 0,
                        waiters: WaitQueue::default(),
                    }),
                });
                fifos.insert(key, Arc::downgrade(&p));
                p
            }
        }
    };
    open_end(pipe, read, write, nonblock, true)
}

/// Opens another end of the pipe behind `end` (opening `/proc/<pid>/fd/N` of a pipe):
/// the pipe is shared, the new end has its own mode. Unlike a FIFO's, the open never
/// waits for the other side (Linux's `fifo_open` waits only off pipefs), but a
/// non-blocking writer without a reader still fails with `ENXIO`.
pub fn reopen(
    end: &PipeEnd,
    read: bool,
    write: bool,
    nonblock: bool,
) -> Result<Arc<PipeEnd>, Errno> {
    open_end(end.pipe.clone(), read, write, nonblock, false)
}

/// Opens an end of `pipe`, with fifo(7)'s waits if `wait_for_partner` (see
/// [`open_fifo`]).
fn open_end(
    pipe: Arc<Pipe>,
    read: bool,
    write: bool,
    nonblock: bool,
    wait_for_partner: bool,
) -> Result<Arc<PipeEnd>, Errno> {
    let mut st = pipe.state.lock();
    if write && !read && nonblock && st.readers == 0 {
        return Err(Errno::ENXIO);
    }
    // Counted now; dropping `end` (a signal while waiting) uncounts it.
    let end = Arc::new(PipeEnd {
        pipe: pipe.clone(),
        read,
        write,
        nonblock: AtomicBool::new(nonblock),
        packet: AtomicBool::new(false),
    });
    if read {
        st.readers += 1;
        st.read_opens += 1;
    }
    if write {
        st.writers += 1;
        st.write_opens += 1;
    }
    st.waiters.wake_all();
    if read == write || nonblock || !wait_for_partner {
        return Ok(end);
    }
    // Wait until the other side has opened (now or since we came).
    let task = task::current().ok_or(Errno::EIO)?;
    let seen = if read { st.write_opens } else { st.read_opens };
    loop {
        let other_now = if read { st.writers } else { st.readers };
        let other_opens = if read { st.write_opens } else { st.read_opens };
        if other_now > 0 || other_opens != seen {
            return Ok(end);
        }
        task.prepare_block();
        let waker: Arc<dyn PollWaker> = task.clone();
        st.waiters.register(&waker);
        drop(st);
        // On a signal, dropping `end` undoes the counts.
        PipeEnd::sleep(&task)?;
        st = pipe.state.lock();
    }
}

impl PipeEnd {
    /// Reads as `read(2)` does, blocking unless `nonblock`.
    pub fn read_with(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        if !self.read {
            return Err(Errno::EBADF);
        }
        let task = task::current().ok_or(Errno::EIO)?;
        loop {
            let mut st = self.pipe.state.lock();
            if !st.buf.is_empty() {
                let n = Self::take(&mut st, buf);
                st.waiters.wake_all();
                return Ok(n);
            }
            if st.writers == 0 {
                return Ok(0);
            }
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            task.prepare_block();
            let waker: Arc<dyn PollWaker> = task.clone();
            st.waiters.register(&waker);
            drop(st);
            Self::sleep(&task)?;
        }
    }

    /// Writes as `write(2)` does (`PIPE_BUF` atomicity, `EPIPE` without readers),
    /// blocking unless `nonblock`.
    pub fn write_with(&self, buf: &[u8], nonblock: bool) -> Result<usize, Errno> {
        if !self.write {
            return Err(Errno::EBADF);
        }
        let task = task::current().ok_or(Errno::EIO)?;
        let mut done = 0;
        loop {
            let mut st = self.pipe.state.lock();
            if st.readers == 0 {
                return if done > 0 {
                    Ok(done)
                } else {
                    Err(Errno::EPIPE)
                };
            }
            let free = st.capacity.saturating_sub(st.buf.len());
            let left = buf.len() - done;
            // Up to PIPE_BUF bytes go in one piece or not at all.
            let fits = if left <= PIPE_BUF {
                free >= left
            } else {
                free > 0
            };
            if fits {
                let packet = self.packet.load(Ordering::Relaxed);
                let n = if packet {
                    left.min(free).min(PIPE_BUF)
                } else {
                    left.min(free)
                };
                st.buf.extend(&buf[done..done + n]);
                st.segments.push_back((n, packet));
                done += n;
                st.waiters.wake_all();
                if done == buf.len() {
                    return Ok(done);
                }
                continue;
            }
            if nonblock {
                return if done > 0 {
                    Ok(done)
                } else {
                    Err(Errno::EAGAIN)
                };
            }
            task.prepare_block();
            let waker: Arc<dyn PollWaker> = task.clone();
            st.waiters.register(&waker);
            drop(st);
            if let Err(e) = Self::sleep(&task) {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
        }
    }

    /// Sets packet mode (`O_DIRECT`) on this end.
    pub fn set_packet_mode(&self, on: bool) {
        self.packet.store(on, Ordering::Relaxed);
    }

    /// Moves queued bytes into `buf`: as many as fit, but one packet at most when the
    /// oldest bytes are a packet (the rest of a packet too long for `buf` is
    /// discarded), as Linux's `PIPE_BUF_FLAG_PACKET` buffers are read whatever the
    /// reader's mode. Returns the bytes copied. Precondition: the pipe holds some.
    fn take(st: &mut PipeState, buf: &mut [u8]) -> usize {
        let (first_len, first_packet) = st
            .segments
            .front()
            .copied()
            .unwrap_or((st.buf.len(), false));
        let (n, consumed) = if first_packet {
            (buf.len().min(first_len), first_len)
        } else {
            let n = buf.len().min(st.buf.len());
            (n, n)
        };
        for (dst, src) in buf.iter_mut().zip(st.buf.drain(..consumed)).take(n) {
            *dst = src;
        }
        let mut left = consumed;
        while left > 0 {
            let Some(seg) = st.segments.front_mut() else {
                break;
            };
            let k = seg.0.min(left);
            seg.0 -= k;
            left -= k;
            if seg.0 == 0 {
                st.segments.pop_front();
            }
        }
        n
    }

    /// Sleeps until woken or interrupted; `ERESTARTSYS` on a signal.
    /// Precondition: the caller registered the current task as a waiter while holding
    /// the state lock and released it.
    fn sleep(task: &Task) -> Result<(), Errno> {
        match task.block(None) {
            BlockResult::Interrupted => Err(ERESTARTSYS),
            _ => Ok(()),
        }
    }
}

/// `tee(2)`: copies up to `len` of the bytes queued in `input` (a read end) to
/// `output` (a write end of another pipe) without consuming them, as much as
/// `output` has room for. Waits for data in `input` (0 once it has no writers) and
/// for room in `output`, unless `nonblock` (`EAGAIN`); `EPIPE` when `output` has no
/// readers (the caller raises `SIGPIPE`); `EINVAL` for one pipe's two ends.
pub fn tee(input: &PipeEnd, output: &PipeEnd, len: usize, nonblock: bool) -> Result<usize, Errno> {
    if !input.read || !output.write {
        return Err(Errno::EBADF);
    }
    if Arc::ptr_eq(&input.pipe, &output.pipe) {
        return Err(Errno::EINVAL);
    }
    let task = task::current().ok_or(Errno::EIO)?;
    loop {
        let data: Vec<u8> = {
            let mut st = input.pipe.state.lock();
            if st.buf.is_empty() {
                if st.writers == 0 {
                    return Ok(0);
                }
                if nonblock {
                    return Err(Errno::EAGAIN);
                }
                task.prepare_block();
                let waker: Arc<dyn PollWaker> = task.clone();
                st.waiters.register(&waker);
                drop(st);
                PipeEnd::sleep(&task)?;
                continue;
            }
            st.buf.iter().take(len).copied().collect()
        };
        let mut st = output.pipe.state.lock();
        if st.readers == 0 {
            return Err(Errno::EPIPE);
        }
        let free = st.capacity.saturating_sub(st.buf.len());
        if free == 0 {
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            task.prepare_block();
            let waker: Arc<dyn PollWaker> = task.clone();
            st.waiters.register(&waker);
            drop(st);
            PipeEnd::sleep(&task)?;
            continue;
        }
        let n = free.min(data.len());
        st.buf.extend(&data[..n]);
        st.segments.push_back((n, false));
        st.waiters.wake_all();
        return Ok(n);
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let mut st = self.pipe.state.lock();
        if self.write {
            st.writers -= 1;
        }
        if self.read {
            st.readers -= 1;
        }
        st.waiters.wake_all();
    }
}

impl FileOps for PipeEnd {
    /// Pipes live on pipefs (`PIPEFS_MAGIC`), as Linux reports.
    fn statfs(&self) -> Result<veil_abi::structs::Statfs, Errno> {
        Ok(veil_abi::structs::Statfs {
            f_type: 0x5049_5045,
            f_bsize: 4096,
            f_namelen: 255,
            f_frsize: 4096,
            ..veil_abi::structs::Statfs::default()
        })
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        self.read_with(buf, self.nonblock.load(Ordering::Relaxed))
    }

    fn write(&self, buf: &[u8], _append: bool) -> Result<usize, Errno> {
        self.write_with(buf, self.nonblock.load(Ordering::Relaxed))
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(Stat {
            st_ino: self.pipe.ino,
            st_mode: S_IFIFO | 0o600,
            st_nlink: 1,
            st_uid: nix::unistd::geteuid().as_raw(),
            st_gid: nix::unistd::getegid().as_raw(),
            st_blksize: 4096,
            ..Stat::default()
        })
    }

    fn statx(&self, _mask: u32) -> Result<Statx, Errno> {
        Ok(veil_vfs::host::stat_to_statx(&self.stat()?))
    }

    fn reopen(
        &self,
        read: bool,
        write: bool,
        nonblock: bool,
    ) -> Option<Result<Arc<dyn FileOps>, Errno>> {
        Some(reopen(self, read, write, nonblock).map(|end| end as Arc<dyn FileOps>))
    }

    fn unread_bytes(&self) -> Result<usize, Errno> {
        Ok(self.pipe.state.lock().buf.len())
    }

    fn pipe_capacity(&self) -> Result<usize, Errno> {
        Ok(self.pipe.state.lock().capacity)
    }

    /// Rounds up to a power-of-two number of pages; above [`PIPE_MAX_SIZE`] needs
    /// `CAP_SYS_RESOURCE` (`EPERM`); less than the bytes queued is `EBUSY`.
    fn set_pipe_capacity(&self, size: usize) -> Result<usize, Errno> {
        if size > 1 << 31 {
            return Err(Errno::EINVAL);
        }
        let size = size.max(4096).next_power_of_two();
        let privileged = task::current().is_none_or(|t| t.creds().has(CAP_SYS_RESOURCE));
        if size > PIPE_MAX_SIZE && !privileged {
            return Err(Errno::EPERM);
        }
        let mut st = self.pipe.state.lock();
        if size < st.buf.len() {
            return Err(Errno::EBUSY);
        }
        st.capacity = size;
        st.waiters.wake_all();
        Ok(size)
    }

    fn readiness(&self, waker: Option<&Arc<dyn PollWaker>>) -> u32 {
        let mut st = self.pipe.state.lock();
        let mut ready = 0;
        if self.write {
            if st.capacity.saturating_sub(st.buf.len()) >= PIPE_BUF {
                ready |= POLLOUT | POLLWRNORM;
            }
            if st.readers == 0 {
                ready |= POLLERR;
            }
        }
        if self.read {
            if !st.buf.is_empty() {
                ready |= POLLIN | POLLRDNORM;
            }
            // A FIFO nobody ever wrote to is not hung up (Linux: no writer yet).
            if st.writers == 0 && st.write_opens > 0 {
                ready |= POLLHUP;
            }
        }
        if let Some(w) = waker {
            st.waiters.register(w);
        }
        ready
    }

    fn set_nonblocking(&self, nonblock: bool) {
        self.nonblock.store(nonblock, Ordering::Relaxed);
    }
}
