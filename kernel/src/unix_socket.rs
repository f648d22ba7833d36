//! Unix domain sockets made by `socketpair(AF_UNIX, ...)`: stream, datagram and
//! sequenced-packet pairs, with `SCM_RIGHTS` descriptor passing and `SCM_CREDENTIALS`.
//! Sockets bound in the file system or the abstract namespace (`bind`, `listen`,
//! `connect`, `accept`) do not exist yet.
//!
//! Each end owns its receive queue; the other end writes into it. A queue holds
//! messages (a datagram or packet each; for a stream, the bytes of one `write`, merged
//! on reading except across passed descriptors). Waiters — readers of the queue and
//! writers waiting for room in it — wait on the queue's `WaitQueue`, the same
//! waiter/notifier as pipes, so poll, select and epoll see sockets as they see pipes.
//!
//! Locks: an end's `state` is a leaf; a writer takes only the peer's.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use veil_abi::structs::{Stat, Statx};
use veil_abi::Errno;
use veil_vfs::file::{POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM};
use veil_vfs::{FileOps, OpenFile, PollWaker, WaitQueue};

use crate::signal::ERESTARTSYS;
use crate::task::{self, BlockResult};

/// `SOCK_STREAM`.
pub const SOCK_STREAM: i32 = 1;
/// `SOCK_DGRAM`.
pub const SOCK_DGRAM: i32 = 2;
/// `SOCK_SEQPACKET`.
pub const SOCK_SEQPACKET: i32 = 5;

/// Default `SO_SNDBUF`/`SO_RCVBUF` (Linux's `net.core.wmem_default`).
pub const DEFAULT_BUF: usize = 212_992;
/// Most `SO_SNDBUF`/`SO_RCVBUF` may be set to before doubling (`net.core.wmem_max`).
pub const MAX_BUF: usize = 212_992;

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

/// What a `SO_RCVBUF` (`rcv`) or `SO_SNDBUF` of `size` becomes, for every socket
/// kind: doubled, as Linux keeps room for its bookkeeping, between Linux's minimums
/// (2304 and 4608) and twice `MAX_BUF`.
pub fn doubled_buffer(rcv: bool, size: usize) -> usize {
    let v = size.min(MAX_BUF) * 2;
    if rcv {
        v.max(2304)
    } else {
        v.max(4608)
    }
}

/// The credentials a message carries (`SCM_CREDENTIALS`, `SO_PEERCRED`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ucred {
    /// Process id.
    pub pid: i32,
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
}

/// One message in a receive queue.
pub struct Message {
    /// The bytes (what is left of them, for a stream).
    pub data: Vec<u8>,
    /// Descriptors passed with it (`SCM_RIGHTS`), delivered with its first byte.
    pub files: Vec<Arc<OpenFile>>,
    /// The sender's credentials.
    pub creds: Ucred,
    /// The sender's name (datagrams: what `recvfrom` reports), if it has one.
    pub from: Option<Vec<u8>>,
}

struct State {
    queue: VecDeque<Message>,
    /// Bytes queued.
    queued: usize,
    /// `SO_RCVBUF` (as reported: Linux doubles what is set).
    rcvbuf: usize,
    /// `SO_SNDBUF`.
    sndbuf: usize,
    /// This end will read no more (`shutdown(SHUT_RD)`).
    shut_rd: bool,
    /// This end will write no more (`shutdown(SHUT_WR)`).
    shut_wr: bool,
    /// The peer will write no more, or is gone: reads end at the queue's end.
    peer_done: bool,
    /// The peer is gone.
    peer_closed: bool,
    /// `SO_PASSCRED`.
    passcred: bool,
    /// An error the next receive reports once (`ECONNRESET`: the stream peer closed
    /// with data it had not read).
    pending_error: Option<Errno>,
    /// A datagram end that reported `ECONNREFUSED` for its gone peer: later sends are
    /// `ENOTCONN`.
    disconnected: bool,
    waiters: WaitQueue,
}

/// One end of a socket pair.
pub struct UnixSocket {
    /// `SOCK_STREAM`, `SOCK_DGRAM` or `SOCK_SEQPACKET`.
    pub kind: i32,
    ino: u64,
    /// Who made the socket.
    pub owner: Ucred,
    /// `SO_PEERCRED`: the peer's credentials when it connected (for a pair, the
    /// creator's).
    pub peercred: Mutex<Ucred>,
    peer: Mutex<Weak<UnixSocket>>,
    /// Set once the socket has had a peer (a send with no peer left is then `EPIPE`
    /// or `ECONNREFUSED`, not `ENOTCONN`).
    ever_connected: AtomicBool,
    /// Names and listening state ([`crate::unix_names`]).
    pub names: Mutex<crate::unix_names::Names>,
    state: Mutex<State>,
    nonblock: AtomicBool,
    /// `SO_RCVTIMEO` and `SO_SNDTIMEO` in nanoseconds (0: wait for ever).
    timeouts: [std::sync::atomic::AtomicU64; 2],
    /// The budget this end's queued bytes count against (an internet data path's:
    /// the sandbox's socket buffers), if any.
    budget: std::sync::OnceLock<Arc<crate::net::budget::BufferBudget>>,
}

/// How long a writer waits before looking again when the budget, not the peer's
/// queue, had no room (a reader elsewhere frees it without waking this one).
const BUDGET_RETRY: std::time::Duration = std::time::Duration::from_millis(10);

/// Which of a socket's timeouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timeout {
    /// `SO_RCVTIMEO`: receiving.
    Receive = 0,
    /// `SO_SNDTIMEO`: sending.
    Send = 1,
}

/// What a receive asks for.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecvFlags {
    /// `MSG_PEEK`: leave the data queued.
    pub peek: bool,
    /// `MSG_DONTWAIT` (or a non-blocking end).
    pub dontwait: bool,
    /// `MSG_WAITALL` (streams): wait for the whole buffer.
    pub waitall: bool,
    /// `MSG_TRUNC`: return the real length of a truncated message.
    pub trunc: bool,
}

/// What a receive got.
#[derive(Default)]
pub struct Received {
    /// Bytes copied into the buffer.
    pub len: usize,
    /// The full length of the message (a datagram or packet longer than the buffer).
    pub full_len: usize,
    /// Descriptors that came with the data.
    pub files: Vec<Arc<OpenFile>>,
    /// The sender's credentials, when `SO_PASSCRED` is on.
    pub creds: Option<Ucred>,
    /// The sender's name, for a datagram.
    pub from: Option<Vec<u8>>,
}

impl UnixSocket {
    /// A connected pair of `kind`, made by a process with credentials `owner`.
    pub fn pair(kind: i32, owner: Ucred, nonblock: bool) -> (Arc<UnixSocket>, Arc<UnixSocket>) {
        let (a, b) = (
            Self::new(kind, owner, nonblock),
            Self::new(kind, owner, nonblock),
        );
        Self::connect_ends(&a, &b);
        (a, b)
    }

    /// Makes `a` and `b` each other's peer.
    pub fn connect_ends(a: &Arc<UnixSocket>, b: &Arc<UnixSocket>) {
        *a.peer.lock() = Arc::downgrade(b);
        *b.peer.lock() = Arc::downgrade(a);
        a.ever_connected.store(true, Ordering::SeqCst);
        b.ever_connected.store(true, Ordering::SeqCst);
    }

    /// Sends `a`'s datagrams to `b` (a datagram `connect`), one way.
    pub fn set_peer(&self, b: &Arc<UnixSocket>) {
        *self.peer.lock() = Arc::downgrade(b);
        self.ever_connected.store(true, Ordering::SeqCst);
    }

    /// Whether the socket has a peer (is connected).
    pub fn connected(&self) -> bool {
        self.peer().is_some()
    }

    /// The timeout `which` (`None`: wait for ever).
    pub fn timeout(&self, which: Timeout) -> Option<std::time::Duration> {
        match self.timeouts[which as usize].load(Ordering::Relaxed) {
            0 => None,
            ns => Some(std::time::Duration::from_nanos(ns)),
        }
    }

    /// Sets the timeout `which` (`None` or zero: wait for ever).
    pub fn set_timeout(&self, which: Timeout, t: Option<std::time::Duration>) {
        let ns = t.map_or(0, |d| d.as_nanos().min(u128::from(u64::MAX)) as u64);
        self.timeouts[which as usize].store(ns, Ordering::Relaxed);
    }

    /// Blocks the current task (registered as a waiter) for a send or receive: until
    /// woken (`Ok`), the timeout `which` passes (`EAGAIN`, with `deadline` the one set
    /// at the first wait), or a signal (`ERESTARTSYS`, or `EINTR` under a timeout,
    /// which socket(7) says is never restarted).
    fn block_io(
        &self,
        task: &task::Task,
        which: Timeout,
        deadline: &mut Option<std::time::Instant>,
    ) -> Result<(), Errno> {
        let timeout = self.timeout(which);
        if deadline.is_none() {
            *deadline = timeout.map(crate::timers::deadline_after);
        }
        match task.block(*deadline) {
            BlockResult::Interrupted if timeout.is_some() => Err(Errno::EINTR),
            BlockResult::Interrupted => Err(ERESTARTSYS),
            BlockResult::TimedOut => Err(Errno::EAGAIN),
            BlockResult::Woken => Ok(()),
        }
    }

    /// Wakes whoever waits on this socket (a connection queued for `accept`).
    pub fn wake_waiters(&self) {
        self.state.lock().waiters.wake_all();
    }

    /// Registers `task` to be woken by [`UnixSocket::wake_waiters`]; the caller then
    /// blocks. Returns the task's `ERESTARTSYS` on a signal.
    pub fn wait_for_change(&self) -> Result<(), Errno> {
        let task = task::current().ok_or(Errno::EIO)?;
        task.prepare_block();
        let waker: Arc<dyn PollWaker> = task.clone();
        self.state.lock().waiters.register(&waker);
        match task.block(None) {
            BlockResult::Interrupted => Err(ERESTARTSYS),
            _ => Ok(()),
        }
    }

    /// An unconnected socket of `kind` (`socket(2)`).
    pub fn new(kind: i32, owner: Ucred, nonblock: bool) -> Arc<UnixSocket> {
        let end = || {
            Arc::new(UnixSocket {
                kind,
                ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
                owner,
                peercred: Mutex::new(owner),
                peer: Mutex::new(Weak::new()),
                ever_connected: AtomicBool::new(false),
                names: Mutex::new(crate::unix_names::Names::default()),
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    queued: 0,
                    rcvbuf: DEFAULT_BUF,
                    sndbuf: DEFAULT_BUF,
                    shut_rd: false,
                    shut_wr: false,
                    peer_done: false,
                    peer_closed: false,
                    passcred: false,
                    pending_error: None,
                    disconnected: false,
                    waiters: WaitQueue::default(),
                }),
                nonblock: AtomicBool::new(nonblock),
                timeouts: Default::default(),
                budget: std::sync::OnceLock::new(),
            })
        };
        end()
    }

    /// The socket behind `file`, if it is one.
    pub fn of(file: &OpenFile) -> Option<&UnixSocket> {
        file.ops.as_any()?.downcast_ref::<UnixSocket>()
    }

    /// The inode number `/proc/<pid>/fd` shows (`socket:[N]`).
    pub fn ino(&self) -> u64 {
        self.ino
    }

    fn peer(&self) -> Option<Arc<UnixSocket>> {
        self.peer.lock().upgrade()
    }

    fn is_stream(&self) -> bool {
        self.kind == SOCK_STREAM
    }

    /// Sends `data` (with `files` and the sender's `creds`) to the peer. A stream
    /// sends as much as fits and waits for room for the rest unless `dontwait`; a
    /// datagram or packet goes whole or not at all (`EMSGSIZE` if it can never fit).
    /// `EPIPE` once either side shut the direction or the peer is gone (datagram:
    /// `ECONNREFUSED`).
    pub fn send(
        &self,
        data: &[u8],
        files: Vec<Arc<OpenFile>>,
        creds: Ucred,
        dontwait: bool,
    ) -> Result<usize, Errno> {
        self.send_to(None, data, files, creds, dontwait)
    }

    /// As [`UnixSocket::send`], to `target` instead of the peer when given (a
    /// datagram `sendto` with an address). Not connected and no target: `ENOTCONN`.
    pub fn send_to(
        &self,
        target: Option<Arc<UnixSocket>>,
        data: &[u8],
        files: Vec<Arc<OpenFile>>,
        creds: Ucred,
        dontwait: bool,
    ) -> Result<usize, Errno> {
        let dontwait = dontwait || self.nonblock.load(Ordering::Relaxed);
        let mut deadline: Option<std::time::Instant> = None;
        if target.is_none() && !self.ever_connected.load(Ordering::SeqCst) {
            return Err(Errno::ENOTCONN);
        }
        if self.state.lock().shut_wr {
            return Err(Errno::EPIPE);
        }
        let closed = if self.kind == SOCK_DGRAM {
            Errno::ECONNREFUSED
        } else {
            Errno::EPIPE
        };
        let Some(peer) = target.or_else(|| self.peer()) else {
            if self.kind == SOCK_DGRAM {
                // ECONNREFUSED once, then the socket is simply not connected.
                let mut st = self.state.lock();
                if std::mem::replace(&mut st.disconnected, true) {
                    return Err(Errno::ENOTCONN);
                }
            }
            return Err(closed);
        };
        let sndbuf = self.state.lock().sndbuf;
        if !self.is_stream() && data.len() > sndbuf.max(DEFAULT_BUF) {
            return Err(Errno::EMSGSIZE);
        }
        let mut files = Some(files);
        let mut sent = 0;
        loop {
            let mut st = peer.state.lock();
            if st.shut_rd || st.peer_closed {
                return if sent > 0 { Ok(sent) } else { Err(closed) };
            }
            let room = st.rcvbuf.saturating_sub(st.queued);
            let rest = &data[sent..];
            let fits = if self.is_stream() {
                room > 0 || rest.is_empty()
            } else {
                room >= rest.len() || st.queued == 0
            };
            // The budget, if the peer has one, must have the bytes too.
            let mut budget_short = false;
            let granted = if !fits || rest.is_empty() {
                None
            } else {
                let n = if self.is_stream() {
                    rest.len().min(room.max(1))
                } else {
                    rest.len()
                };
                match peer.budget.get() {
                    None => Some(n),
                    Some(b) if self.is_stream() => b.reserve(n, 1),
                    Some(b) => b.take(n).then_some(n),
                }
                .or_else(|| {
                    budget_short = true;
                    None
                })
            };
            if fits && (rest.is_empty() || granted.is_some()) {
                let n = granted.unwrap_or(0);
                st.queue.push_back(Message {
                    data: rest[..n].to_vec(),
                    files: files.take().unwrap_or_default(),
                    creds,
                    from: self.names.lock().name.clone(),
                });
                st.queued += n;
                st.waiters.wake_all();
                sent += n;
                if sent == data.len() {
                    return Ok(sent);
                }
            }
            if dontwait {
                return if sent > 0 {
                    Ok(sent)
                } else {
                    Err(Errno::EAGAIN)
                };
            }
            let task = task::current().ok_or(Errno::EIO)?;
            task.prepare_block();
            let waker: Arc<dyn PollWaker> = task.clone();
            st.waiters.register(&waker);
            drop(st);
            if budget_short {
                // Nobody will wake this writer when another socket frees the budget:
                // look again soon (or time out as the caller asked).
                if deadline.is_none() {
                    deadline = self
                        .timeout(Timeout::Send)
                        .map(crate::timers::deadline_after);
                }
                let retry = crate::timers::deadline_after(BUDGET_RETRY);
                let limit = deadline.map_or(retry, |d| d.min(retry));
                match task.block(Some(limit)) {
                    BlockResult::Interrupted if self.timeout(Timeout::Send).is_some() => {
                        return if sent > 0 {
                            Ok(sent)
                        } else {
                            Err(Errno::EINTR)
                        };
                    }
                    BlockResult::Interrupted => {
                        return if sent > 0 { Ok(sent) } else { Err(ERESTARTSYS) };
                    }
                    BlockResult::TimedOut if deadline.is_some_and(|d| d <= limit) => {
                        return if sent > 0 {
                            Ok(sent)
                        } else {
                            Err(Errno::EAGAIN)
                        };
                    }
                    _ => continue,
                }
            }
            if let Err(e) = self.block_io(&task, Timeout::Send, &mut deadline) {
                return if sent > 0 { Ok(sent) } else { Err(e) };
            }
        }
    }

    /// Receives into `buf`. A stream merges queued writes (but stops before one that
    /// carries descriptors, so they arrive with their own bytes); a datagram or packet
    /// is one message, the rest of it discarded when `buf` is shorter (unless
    /// peeking). End of file (0) once the peer will write no more and the queue is
    /// empty; `EAGAIN` when nothing is there and the call may not wait.
    pub fn recv(&self, buf: &mut [u8], flags: RecvFlags) -> Result<Received, Errno> {
        let dontwait = flags.dontwait || self.nonblock.load(Ordering::Relaxed);
        let mut got = Received::default();
        let mut deadline = None;
        loop {
            let mut st = self.state.lock();
            if !st.queue.is_empty() {
                if self.is_stream() {
                    self.take_stream(&mut st, &mut buf[got.len..], flags.peek, &mut got);
                } else {
                    self.take_message(&mut st, buf, flags.peek, &mut got);
                    return Ok(got);
                }
                if !flags.waitall || got.len == buf.len() || flags.peek || !got.files.is_empty() {
                    return Ok(got);
                }
            }
            if got.len == 0 {
                if let Some(e) = st.pending_error.take() {
                    return Err(e);
                }
            }
            if st.shut_rd || st.peer_done || buf.is_empty() {
                return Ok(got);
            }
            if got.len > 0 && !flags.waitall {
                return Ok(got);
            }
            if dontwait {
                return if got.len > 0 {
                    Ok(got)
                } else {
                    Err(Errno::EAGAIN)
                };
            }
            let task = task::current().ok_or(Errno::EIO)?;
            task.prepare_block();
            let waker: Arc<dyn PollWaker> = task.clone();
            st.waiters.register(&waker);
            drop(st);
            if let Err(e) = self.block_io(&task, Timeout::Receive, &mut deadline) {
                return if got.len > 0 { Ok(got) } else { Err(e) };
            }
        }
    }

    fn take_stream(&self, st: &mut State, buf: &mut [u8], peek: bool, got: &mut Received) {
        let mut done = 0;
        let mut i = 0;
        while done < buf.len() && i < st.queue.len() {
            let m = &st.queue[i];
            if i > 0 && !m.files.is_empty() {
                break;
            }
            let n = m.data.len().min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&m.data[..n]);
            if got.creds.is_none() && st.passcred {
                got.creds = Some(m.creds);
            }
            done += n;
            i += 1;
        }
        got.len += done;
        got.full_len = got.len;
        if peek {
            return;
        }
        if let Some(b) = self.budget.get() {
            b.release(done);
        }
        let mut left = done;
        while left > 0 {
            let Some(m) = st.queue.front_mut() else { break };
            got.files.append(&mut m.files);
            let n = m.data.len().min(left);
            m.data.drain(..n);
            left -= n;
            st.queued -= n;
            if m.data.is_empty() {
                st.queue.pop_front();
            }
        }
        st.waiters.wake_all();
    }

    fn take_message(&self, st: &mut State, buf: &mut [u8], peek: bool, got: &mut Received) {
        let Some(m) = st.queue.front() else { return };
        let n = m.data.len().min(buf.len());
        buf[..n].copy_from_slice(&m.data[..n]);
        got.len = n;
        got.full_len = m.data.len();
        got.from = m.from.clone();
        if st.passcred {
            got.creds = Some(m.creds);
        }
        if peek {
            return;
        }
        if let Some(m) = st.queue.pop_front() {
            st.queued -= m.data.len();
            if let Some(b) = self.budget.get() {
                b.release(m.data.len());
            }
            got.files = m.files;
        }
        st.waiters.wake_all();
    }

    /// `shutdown(how)`: 0 reads, 1 writes, 2 both.
    pub fn shutdown(&self, read: bool, write: bool) {
        {
            let mut st = self.state.lock();
            st.shut_rd |= read;
            st.shut_wr |= write;
            st.waiters.wake_all();
        }
        // A datagram socket's shutdown is its own business (Linux's unix_shutdown).
        if self.kind == SOCK_DGRAM {
            return;
        }
        if let Some(peer) = self.peer() {
            let mut pst = peer.state.lock();
            if write {
                pst.peer_done = true;
            }
            pst.waiters.wake_all();
        }
    }

    /// Whether this end has shut its writing down (`shutdown(SHUT_WR)`).
    pub fn write_shut(&self) -> bool {
        self.state.lock().shut_wr
    }

    /// Bytes queued for reading (`FIONREAD`/`SIOCINQ`).
    pub fn unread(&self) -> usize {
        self.state.lock().queued
    }

    /// `SO_RCVBUF` and `SO_SNDBUF`.
    pub fn buffers(&self) -> (usize, usize) {
        let st = self.state.lock();
        (st.rcvbuf, st.sndbuf)
    }

    /// Sets `SO_RCVBUF` (`rcv`) or `SO_SNDBUF` ([`doubled_buffer`]).
    pub fn set_buffer(&self, rcv: bool, size: usize) {
        let v = doubled_buffer(rcv, size);
        let mut st = self.state.lock();
        if rcv {
            st.rcvbuf = v;
        } else {
            st.sndbuf = v;
        }
    }

    /// Makes this end's queued bytes count against `budget` (once; later calls are
    /// ignored).
    pub fn set_budget(&self, budget: Arc<crate::net::budget::BufferBudget>) {
        let _ = self.budget.set(budget);
    }

    /// Sets how many bytes this end's receive queue holds, as given (for a data
    /// path of another family, whose buffer rules are its own).
    pub fn set_capacity(&self, bytes: usize) {
        self.state.lock().rcvbuf = bytes;
    }

    /// `SO_PASSCRED`.
    pub fn passcred(&self) -> bool {
        self.state.lock().passcred
    }

    /// Sets `SO_PASSCRED`.
    pub fn set_passcred(&self, on: bool) {
        self.state.lock().passcred = on;
    }
}

impl Drop for UnixSocket {
    /// The peer learns the end is gone: end of file for a stream or packet peer (with
    /// `ECONNRESET` first if this end left data unread), nothing for a datagram one
    /// (its queued messages stay readable and no end of file follows). A bound name
    /// is free again.
    fn drop(&mut self) {
        crate::unix_names::unbind(self);
        if let Some(b) = self.budget.get() {
            b.release(self.state.get_mut().queued);
        }
        let unread = !self.state.get_mut().queue.is_empty();
        if let Some(peer) = self.peer.get_mut().upgrade() {
            let mut st = peer.state.lock();
            st.peer_closed = true;
            if self.kind != SOCK_DGRAM {
                st.peer_done = true;
                if unread && self.kind == SOCK_STREAM {
                    st.pending_error = Some(Errno::ECONNRESET);
                }
            }
            st.waiters.wake_all();
        }
    }
}

impl FileOps for UnixSocket {
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn as_any_arc(self: Arc<Self>) -> Option<Arc<dyn std::any::Any + Send + Sync>> {
        Some(self)
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        self.recv(buf, RecvFlags::default()).map(|r| r.len)
    }

    fn write(&self, buf: &[u8], _append: bool) -> Result<usize, Errno> {
        let creds = task::current().map_or(self.owner, |t| Ucred {
            pid: t.tg.tgid,
            uid: t.creds().uid.real,
            gid: t.creds().gid.real,
        });
        self.send(buf, Vec::new(), creds, false)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(crate::net::socket_stat(self.ino, self.owner))
    }

    fn statx(&self, _mask: u32) -> Result<Statx, Errno> {
        Ok(veil_vfs::host::stat_to_statx(&self.stat()?))
    }

    fn readiness(&self, waker: Option<&Arc<dyn PollWaker>>) -> u32 {
        let mut r = 0;
        if let Some(pending) = self.names.lock().pending() {
            let mut st = self.state.lock();
            if let Some(w) = waker {
                st.waiters.register(w);
            }
            return if pending > 0 { POLLIN | POLLRDNORM } else { 0 };
        }
        {
            let mut st = self.state.lock();
            if !st.queue.is_empty() || st.shut_rd || st.peer_done {
                r |= POLLIN | POLLRDNORM;
            }
            if st.peer_done {
                r |= POLLRDHUP;
            }
            if st.peer_closed && self.kind != SOCK_DGRAM {
                r |= POLLHUP;
            }
            if st.shut_rd && st.shut_wr {
                r |= POLLHUP;
            }
            if let Some(w) = waker {
                st.waiters.register(w);
            }
        }
        match self.peer() {
            Some(peer) => {
                let mut pst = peer.state.lock();
                let shut = self.state.lock().shut_wr;
                if !shut && (pst.queued < pst.rcvbuf || pst.shut_rd) {
                    r |= POLLOUT | POLLWRNORM;
                }
                if let Some(w) = waker {
                    pst.waiters.register(w);
                }
            }
            // The peer is gone: writing fails at once, so it does not wait.
            None => r |= POLLOUT | POLLWRNORM,
        }
        r
    }

    fn set_nonblocking(&self, nonblock: bool) {
        self.nonblock.store(nonblock, Ordering::Relaxed);
    }

    fn unread_bytes(&self) -> Result<usize, Errno> {
        Ok(self.unread())
    }
}
