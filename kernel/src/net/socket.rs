//! An internet socket (`AF_INET`/`AF_INET6`, TCP or UDP) of the sandbox's loopback
//! network, all inside the sentry.
//!
//! TCP without a TCP state machine: `connect` to a listening socket makes the server
//! end at once and queues it for `accept`; the two ends' data path is a Unix stream
//! pair ([`UnixSocket`]), so bytes move from one receive queue to the other with the
//! byte-stream, shutdown, reset and waiting semantics of the pipes, and poll, select
//! and epoll see them the same way. UDP datagrams go straight into the receiving
//! socket's queue, with the sender's address.
//!
//! Locks: the port table, then a socket's `state`; a socket never holds its own
//! state while taking another socket's, except a listener taking nothing else.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::{Mutex, MutexGuard};
use veil_abi::structs::{Stat, Statx};
use veil_abi::Errno;
use veil_vfs::file::{POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM};
use veil_vfs::{FileOps, PollWaker, WaitQueue};

use super::addr::{self, canonical, Family};
use super::ops::{InetOps, ReceivedDatagram};
use super::options::{StoredOptions, SOL_IPV6, SOL_SOCKET, SO_REUSEADDR, SO_REUSEPORT};
use super::ports::{Binding, Cover, Protocol};
use super::Netstack;
use crate::signal::ERESTARTSYS;
use crate::task::{self, BlockResult};
use crate::unix_socket::{RecvFlags, Timeout, Ucred, UnixSocket, SOCK_STREAM};

/// `POLLWRBAND`.
const POLLWRBAND: u32 = 0x200;
/// Largest UDP payload over IPv4 (65535 less the IP and UDP headers).
pub const MAX_UDP_V4: usize = 65_507;
/// Largest UDP payload over IPv6 (65535 less the UDP header).
pub const MAX_UDP_V6: usize = 65_527;
/// Default `SO_RCVBUF` of a TCP socket (`net.ipv4.tcp_rmem`'s default).
const TCP_RCVBUF: usize = 131_072;
/// Default `SO_SNDBUF` of a TCP socket (`net.ipv4.tcp_wmem`'s default).
const TCP_SNDBUF: usize = 16_384;
/// Default `SO_RCVBUF`/`SO_SNDBUF` of a UDP socket (`net.core.rmem_default`).
const UDP_BUF: usize = 212_992;
/// The least a TCP connection's data path holds: what Linux's buffers grow to on
/// loopback (`net.ipv4.tcp_rmem`'s maximum is 6 MiB), so a writer runs ahead of its
/// reader by as much.
const STREAM_CAPACITY: usize = 4 << 20;
/// Most connections `listen` queues (`net.core.somaxconn`).
pub const SOMAXCONN: usize = 4096;

static NEXT_INO: AtomicU64 = AtomicU64::new(1 << 32);

/// `TCP_ESTABLISHED`, as `/proc/net/tcp` numbers states (UDP: connected).
pub const TCP_ESTABLISHED: u8 = 1;
/// `TCP_SYN_SENT`.
pub const TCP_SYN_SENT: u8 = 2;
/// `TCP_CLOSE` (UDP: unconnected).
pub const TCP_CLOSE: u8 = 7;
/// `TCP_LISTEN`.
pub const TCP_LISTEN: u8 = 10;

/// A socket as `/proc/net` lists it.
#[derive(Clone, Debug)]
pub struct SocketInfo {
    /// `AF_INET` or `AF_INET6`.
    pub family: Family,
    /// TCP or UDP.
    pub protocol: Protocol,
    /// The bound address (the unspecified one, port 0, if unbound).
    pub local: SocketAddr,
    /// The peer (unspecified if none).
    pub remote: SocketAddr,
    /// The state, numbered as Linux's TCP states.
    pub state: u8,
    /// Bytes waiting to be read (a listener: connections waiting for `accept`).
    pub rx_queue: usize,
    /// Bytes waiting to be sent (a listener: its backlog).
    pub tx_queue: usize,
    /// The owner's uid.
    pub uid: u32,
    /// The inode number (`socket:[N]`).
    pub ino: u64,
}

/// A datagram waiting to be received.
struct Datagram {
    data: Vec<u8>,
    from: SocketAddr,
}

/// Where a TCP socket is in its life.
enum Tcp {
    /// Fresh, or its connection ended in failure (then `pending_error` says why).
    Closed,
    /// Taking connections: the most that may wait and those waiting for `accept`.
    Listening {
        backlog: usize,
        queue: VecDeque<Arc<InetSocket>>,
    },
    /// A non-blocking connect waiting for room in the listener's backlog (Linux's
    /// `SYN_SENT` with the SYN unanswered).
    SynSent { dest: SocketAddr, local: SocketAddr },
    /// Connected: this end of the data path.
    Connected(Arc<UnixSocket>),
}

struct State {
    /// The bound address (as bound: the port, and the address or a wildcard).
    local: Option<SocketAddr>,
    /// The peer (TCP) or the associated address (UDP `connect`).
    remote: Option<SocketAddr>,
    tcp: Tcp,
    /// A send to a peer that had closed was taken (and dropped): the peer's reset
    /// has come, and later sends are `EPIPE`.
    reset_by_peer: bool,
    /// A non-blocking `connect` said `EINPROGRESS` and no later `connect` has
    /// reported the outcome yet (Linux's `SS_CONNECTING`).
    connecting: bool,
    datagrams: VecDeque<Datagram>,
    /// Bytes of `datagrams`.
    queued: usize,
    /// `SO_ERROR`: reported once, by the next call or `getsockopt`.
    pending_error: Option<Errno>,
    shut_rd: bool,
    shut_wr: bool,
    options: StoredOptions,
    /// `SO_RCVBUF` and `SO_SNDBUF` as reported (doubled when set).
    rcvbuf: usize,
    sndbuf: usize,
    /// `SO_LINGER`: on, and seconds.
    linger: (bool, i32),
    /// `IPV6_V6ONLY`.
    v6only: bool,
    /// `SO_RCVTIMEO` and `SO_SNDTIMEO`.
    timeouts: [Option<Duration>; 2],
    waiters: WaitQueue,
}

/// One internet socket.
pub struct InetSocket {
    /// `AF_INET` or `AF_INET6`.
    pub family: Family,
    /// TCP (`SOCK_STREAM`) or UDP (`SOCK_DGRAM`).
    pub protocol: Protocol,
    ino: u64,
    /// Who made it.
    pub owner: Ucred,
    stack: Arc<Netstack>,
    /// This socket, for the port table's weak reference.
    me: Weak<InetSocket>,
    nonblock: AtomicBool,
    state: Mutex<State>,
}

impl InetSocket {
    /// A fresh socket of `family` and `protocol` in `stack`.
    pub fn new(
        stack: &Arc<Netstack>,
        family: Family,
        protocol: Protocol,
        owner: Ucred,
        nonblock: bool,
    ) -> Arc<InetSocket> {
        let (rcvbuf, sndbuf) = match protocol {
            Protocol::Tcp => (TCP_RCVBUF, TCP_SNDBUF),
            Protocol::Udp => (UDP_BUF, UDP_BUF),
        };
        let sock = Arc::new_cyclic(|me| InetSocket {
            family,
            protocol,
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
            owner,
            stack: stack.clone(),
            me: me.clone(),
            nonblock: AtomicBool::new(nonblock),
            state: Mutex::new(State {
                local: None,
                remote: None,
                tcp: Tcp::Closed,
                connecting: false,
                reset_by_peer: false,
                datagrams: VecDeque::new(),
                queued: 0,
                pending_error: None,
                shut_rd: false,
                shut_wr: false,
                options: StoredOptions::default(),
                rcvbuf,
                sndbuf,
                linger: (false, 0),
                v6only: false,
                timeouts: [None, None],
                waiters: WaitQueue::default(),
            }),
        });
        stack.register(Arc::downgrade(&sock));
        sock
    }

    /// What `/proc/net/tcp` and `udp` show of the socket.
    pub fn info(&self) -> SocketInfo {
        let st = self.state.lock();
        let (state, rx, tx) = match &st.tcp {
            Tcp::Connected(end) => (TCP_ESTABLISHED, end.unread(), 0),
            Tcp::Listening { backlog, queue } => (TCP_LISTEN, queue.len(), *backlog),
            Tcp::SynSent { .. } => (TCP_SYN_SENT, 0, 0),
            Tcp::Closed if self.protocol == Protocol::Udp && st.remote.is_some() => {
                (TCP_ESTABLISHED, st.queued, 0)
            }
            Tcp::Closed => (TCP_CLOSE, st.queued, 0),
        };
        SocketInfo {
            family: self.family,
            protocol: self.protocol,
            local: st.local.unwrap_or_else(|| self.family.unspecified()),
            remote: st.remote.unwrap_or_else(|| self.family.unspecified()),
            state,
            rx_queue: rx,
            tx_queue: tx,
            uid: self.owner.uid,
            ino: self.ino,
        }
    }

    /// The socket behind `file`, if it is an internet socket.
    pub fn of(file: &veil_vfs::OpenFile) -> Option<Arc<InetSocket>> {
        file.ops
            .clone()
            .as_any_arc()
            .and_then(|a| a.downcast::<InetSocket>().ok())
    }

    /// The inode number `/proc/<pid>/fd` shows (`socket:[N]`).
    pub fn ino(&self) -> u64 {
        self.ino
    }

    /// Whether it takes connections.
    pub fn is_listening(&self) -> bool {
        matches!(self.state.lock().tcp, Tcp::Listening { .. })
    }

    /// The effective flag of the description, or the call's `MSG_DONTWAIT`.
    fn dontwait(&self, dontwait: bool) -> bool {
        dontwait || self.nonblock.load(Ordering::Relaxed)
    }

    /// Waits, registered on this socket's waiters by `st`, until woken, the
    /// timeout `which` passes (`timed_out`), or a signal (`ERESTARTSYS`, or `EINTR`
    /// under a timeout, which socket(7) says is never restarted).
    fn wait(
        &self,
        mut st: MutexGuard<'_, State>,
        which: Timeout,
        deadline: &mut Option<Instant>,
        timed_out: Errno,
    ) -> Result<(), Errno> {
        let task = task::current().ok_or(Errno::EIO)?;
        task.prepare_block();
        let waker: Arc<dyn PollWaker> = task.clone();
        st.waiters.register(&waker);
        let timeout = st.timeouts[which as usize];
        drop(st);
        if deadline.is_none() {
            *deadline = timeout.map(crate::timers::deadline_after);
        }
        match task.block(*deadline) {
            BlockResult::Interrupted if timeout.is_some() => Err(Errno::EINTR),
            BlockResult::Interrupted => Err(ERESTARTSYS),
            BlockResult::TimedOut => Err(timed_out),
            BlockResult::Woken => Ok(()),
        }
    }

    /// The binding `bind` records for address `ip`.
    fn binding(&self, st: &State, ip: std::net::IpAddr, uid: u32) -> Binding {
        Binding {
            cover: Cover::of(ip, st.v6only),
            reuseaddr: st.options.flag(self.protocol, SOL_SOCKET, SO_REUSEADDR),
            reuseport: st.options.flag(self.protocol, SOL_SOCKET, SO_REUSEPORT),
            uid,
        }
    }

    /// `bind` to `at` (port 0: an ephemeral one). `EINVAL` if already bound,
    /// `EADDRNOTAVAIL` for an address that is not the sandbox's, `EACCES` for a port
    /// below 1024 without `CAP_NET_BIND_SERVICE` (`privileged`), `EADDRINUSE`.
    pub fn bind(&self, at: SocketAddr, uid: u32, privileged: bool) -> Result<(), Errno> {
        if !(at.ip().is_unspecified() || addr::is_local(at.ip())) {
            return Err(Errno::EADDRNOTAVAIL);
        }
        if self.family == Family::V6 && canonical(at).is_ipv4() && self.state.lock().v6only {
            return Err(Errno::EADDRNOTAVAIL);
        }
        if at.port() != 0 && at.port() < 1024 && !privileged {
            return Err(Errno::EACCES);
        }
        let binding = {
            let st = self.state.lock();
            if st.local.is_some() {
                return Err(Errno::EINVAL);
            }
            self.binding(&st, at.ip(), uid)
        };
        let me = self.me.upgrade().ok_or(Errno::EINVAL)?;
        let port = self
            .stack
            .ports
            .bind(self.protocol, at.port(), binding, &me)?;
        let mut st = self.state.lock();
        if st.local.is_some() {
            drop(st);
            self.stack.ports.unbind(self.protocol, port, self);
            return Err(Errno::EINVAL);
        }
        let mut local = at;
        local.set_port(port);
        st.local = Some(local);
        Ok(())
    }

    /// Binds to an ephemeral port on `ip` unless bound (what `connect`, `listen` and
    /// a first `sendto` do).
    fn autobind(&self, ip: std::net::IpAddr) -> Result<SocketAddr, Errno> {
        if let Some(local) = self.state.lock().local {
            return Ok(local);
        }
        let uid = self.owner.uid;
        match self.bind(SocketAddr::new(ip, 0), uid, true) {
            Ok(()) | Err(Errno::EINVAL) => {}
            Err(e) => return Err(e),
        }
        self.state.lock().local.ok_or(Errno::EINVAL)
    }

    /// The address `getsockname` reports.
    pub fn local_name(&self) -> SocketAddr {
        self.state
            .lock()
            .local
            .unwrap_or_else(|| self.family.unspecified())
    }

    /// The address `getpeername` reports (`ENOTCONN` without one).
    pub fn peer_name(&self) -> Result<SocketAddr, Errno> {
        let st = self.state.lock();
        match (&st.tcp, st.remote) {
            (Tcp::Connected(_), Some(r)) => Ok(r),
            (_, Some(r)) if self.protocol == Protocol::Udp => Ok(r),
            _ => Err(Errno::ENOTCONN),
        }
    }

    /// `listen(backlog)`: TCP only (`EOPNOTSUPP`); a connected socket is `EINVAL`;
    /// an unbound one takes an ephemeral port on every address.
    pub fn listen(&self, backlog: i32) -> Result<(), Errno> {
        if self.protocol != Protocol::Tcp {
            return Err(Errno::EOPNOTSUPP);
        }
        if matches!(self.state.lock().tcp, Tcp::Connected(_)) {
            return Err(Errno::EINVAL);
        }
        self.autobind(self.family.unspecified().ip())?;
        // A negative backlog is taken as unsigned, so as the most.
        let backlog = if backlog < 0 {
            SOMAXCONN
        } else {
            (backlog as usize).min(SOMAXCONN)
        };
        let mut st = self.state.lock();
        match &mut st.tcp {
            Tcp::Listening { backlog: b, .. } => *b = backlog,
            Tcp::Closed => {
                st.tcp = Tcp::Listening {
                    backlog,
                    queue: VecDeque::new(),
                }
            }
            Tcp::Connected(_) | Tcp::SynSent { .. } => return Err(Errno::EINVAL),
        }
        st.waiters.wake_all();
        Ok(())
    }

    /// The data-path end of a connected TCP socket; `EAGAIN` while a connection is
    /// in progress, `unconnected` with none.
    fn stream(&self, unconnected: Errno) -> Result<Arc<UnixSocket>, Errno> {
        self.try_complete(None);
        match &self.state.lock().tcp {
            Tcp::Connected(end) => Ok(end.clone()),
            Tcp::SynSent { .. } => Err(Errno::EAGAIN),
            _ => Err(unconnected),
        }
    }

    /// Gives a new data-path end this socket's buffer sizes and timeouts.
    fn configure_stream(st: &State, end: &UnixSocket) {
        // The data path holds what Linux's send and receive buffers together grow
        // to on loopback with autotuning (the reported SO_RCVBUF stays the set one);
        // what all of them hold at once is bounded by the sandbox's budget.
        end.set_capacity((st.rcvbuf + st.sndbuf).max(STREAM_CAPACITY));
        end.set_timeout(Timeout::Receive, st.timeouts[0]);
        end.set_timeout(Timeout::Send, st.timeouts[1]);
    }

    /// TCP `connect` to `dest`: `EISCONN` if connected or listening, `ENETUNREACH`
    /// off loopback, `ECONNREFUSED` when nothing listens there. A non-blocking
    /// socket says `EINPROGRESS`, as Linux does for a handshake even on loopback,
    /// and reports a refusal through `SO_ERROR`; the next `connect` then says how
    /// it went (0, the error, or `EALREADY` while it waits), as Linux's does. When
    /// the listener's backlog is full, a blocking connect waits for room
    /// (`SO_SNDTIMEO` bounds it) and a non-blocking one stays in progress until
    /// `accept` makes room.
    pub fn connect_stream(&self, dest: SocketAddr, dontwait: bool) -> Result<(), Errno> {
        let dontwait = self.dontwait(dontwait);
        {
            let mut st = self.state.lock();
            if st.connecting {
                match st.tcp {
                    Tcp::Connected(_) => {
                        st.connecting = false;
                        return Ok(());
                    }
                    Tcp::SynSent { .. } => {
                        drop(st);
                        self.try_complete(None);
                        return match self.state.lock().tcp {
                            Tcp::Connected(_) => Ok(()),
                            _ => Err(Errno::EALREADY),
                        };
                    }
                    _ => {
                        st.connecting = false;
                        return Err(st.pending_error.take().unwrap_or(Errno::ECONNABORTED));
                    }
                }
            }
            match st.tcp {
                Tcp::Connected(_) | Tcp::Listening { .. } => return Err(Errno::EISCONN),
                Tcp::SynSent { .. } => return Err(Errno::EALREADY),
                Tcp::Closed => st.pending_error = None,
            }
        }
        if self.family == Family::V6 && canonical(dest).is_ipv4() && self.state.lock().v6only {
            return Err(Errno::ENETUNREACH);
        }
        let dest_ip = addr::destination(dest.ip()).ok_or(Errno::ENETUNREACH)?;
        let dest = SocketAddr::new(dest_ip, dest.port());
        let local = self.autobind(addr::source_for(dest_ip))?;
        let mut local = canonical(local);
        if local.ip().is_unspecified() {
            local.set_ip(addr::source_for(dest_ip));
        }
        if dontwait {
            let mut st = self.state.lock();
            st.tcp = Tcp::SynSent { dest, local };
            st.connecting = true;
            drop(st);
            self.try_complete(None);
            return Err(Errno::EINPROGRESS);
        }
        let mut deadline = None;
        loop {
            let listener = self
                .stack
                .ports
                .find(Protocol::Tcp, dest, InetSocket::is_listening)
                .ok_or(Errno::ECONNREFUSED)?;
            if let Some(end) = listener.queue_connection(self, local, dest)? {
                self.connected(end, dest);
                return Ok(());
            }
            let lst = listener.state.lock();
            if let Tcp::Listening { backlog, queue } = &lst.tcp {
                if queue.len() > *backlog {
                    listener.wait(lst, Timeout::Send, &mut deadline, Errno::EINPROGRESS)?;
                }
            }
        }
    }

    /// Records the data-path end of a connection to `dest`.
    fn connected(&self, end: Arc<UnixSocket>, dest: SocketAddr) {
        let mut st = self.state.lock();
        Self::configure_stream(&st, &end);
        st.tcp = Tcp::Connected(end);
        st.remote = Some(dest);
        st.waiters.wake_all();
    }

    /// A connection in progress (`SynSent`) tries again: connected if the listener
    /// has room, refused if nothing listens any more; still waiting otherwise, with
    /// `waker` (if any) registered to hear when the listener's queue changes.
    fn try_complete(&self, waker: Option<&Arc<dyn PollWaker>>) {
        let (dest, local) = match self.state.lock().tcp {
            Tcp::SynSent { dest, local } => (dest, local),
            _ => return,
        };
        let listener = self
            .stack
            .ports
            .find(Protocol::Tcp, dest, InetSocket::is_listening);
        let outcome = match &listener {
            None => Err(Errno::ECONNREFUSED),
            Some(l) => l.queue_connection(self, local, dest),
        };
        match outcome {
            Ok(Some(end)) => self.connected(end, dest),
            Ok(None) => {
                if let (Some(l), Some(w)) = (&listener, waker) {
                    l.state.lock().waiters.register(w);
                }
            }
            Err(e) => {
                let mut st = self.state.lock();
                st.tcp = Tcp::Closed;
                st.pending_error = Some(e);
                st.waiters.wake_all();
            }
        }
    }

    /// On a listener: makes the server end of a connection from `client` (at
    /// `from`, to `to`) and queues it for `accept`; returns the client's data-path
    /// end, or `None` when the queue is full. `ECONNREFUSED` if it stopped
    /// listening. The two ends' queued bytes count against the sandbox's budget.
    fn queue_connection(
        &self,
        client: &InetSocket,
        from: SocketAddr,
        to: SocketAddr,
    ) -> Result<Option<Arc<UnixSocket>>, Errno> {
        let mut st = self.state.lock();
        let Tcp::Listening { backlog, queue } = &st.tcp else {
            return Err(Errno::ECONNREFUSED);
        };
        // Linux lets one more than the backlog wait.
        if queue.len() > *backlog {
            return Ok(None);
        }
        let (client_end, server_end) = UnixSocket::pair(SOCK_STREAM, client.owner, false);
        client_end.set_budget(self.stack.budget.clone());
        server_end.set_budget(self.stack.budget.clone());
        *server_end.peercred.lock() = client.owner;
        *client_end.peercred.lock() = self.owner;
        let server = InetSocket::new(&self.stack, self.family, Protocol::Tcp, self.owner, false);
        {
            let mut sst = server.state.lock();
            sst.options = st.options.clone();
            sst.rcvbuf = st.rcvbuf;
            sst.sndbuf = st.sndbuf;
            sst.linger = st.linger;
            sst.v6only = st.v6only;
            sst.timeouts = st.timeouts;
            Self::configure_stream(&sst, &server_end);
            sst.local = Some(to);
            sst.remote = Some(from);
            sst.tcp = Tcp::Connected(server_end);
        }
        if let Tcp::Listening { queue, .. } = &mut st.tcp {
            queue.push_back(server);
        }
        st.waiters.wake_all();
        Ok(Some(client_end))
    }

    /// `accept`: the next queued connection, waiting unless `dontwait` (`EAGAIN`;
    /// `SO_RCVTIMEO` bounds the wait). `EINVAL` unless listening.
    pub fn accept(&self, dontwait: bool) -> Result<Arc<InetSocket>, Errno> {
        let dontwait = self.dontwait(dontwait);
        let mut deadline = None;
        loop {
            let mut st = self.state.lock();
            let Tcp::Listening { queue, .. } = &mut st.tcp else {
                return Err(Errno::EINVAL);
            };
            if let Some(server) = queue.pop_front() {
                // Room in the queue: a waiting connect may go on.
                st.waiters.wake_all();
                return Ok(server);
            }
            if dontwait {
                return Err(Errno::EAGAIN);
            }
            self.wait(st, Timeout::Receive, &mut deadline, Errno::EAGAIN)?;
        }
    }

    /// Sends `data`. TCP: on the connection (`EPIPE` unless connected; the address,
    /// if any, is ignored as Linux's TCP does). UDP: to `dest` or the associated
    /// address (`EDESTADDRREQ` with neither), whole or `EMSGSIZE`.
    pub fn send(
        &self,
        dest: Option<SocketAddr>,
        data: &[u8],
        dontwait: bool,
    ) -> Result<usize, Errno> {
        let dontwait = self.dontwait(dontwait);
        match self.protocol {
            Protocol::Tcp => self.send_stream(data, dontwait),
            Protocol::Udp => self.send_datagram(dest, data),
        }
    }

    /// TCP send on the connection. Once the peer has closed, the first send is taken
    /// and dropped, as Linux's goes out and is answered by a reset; later ones are
    /// `EPIPE`. After this end's own `shutdown(SHUT_WR)`, `EPIPE` at once.
    fn send_stream(&self, data: &[u8], dontwait: bool) -> Result<usize, Errno> {
        if let Some(e) = self.state.lock().pending_error.take() {
            return Err(e);
        }
        let end = self.stream(Errno::EPIPE)?;
        match end.send(data, Vec::new(), self.owner, dontwait) {
            Err(Errno::EPIPE) if !end.write_shut() && !data.is_empty() => {
                let mut st = self.state.lock();
                if std::mem::replace(&mut st.reset_by_peer, true) {
                    Err(Errno::EPIPE)
                } else {
                    Ok(data.len())
                }
            }
            r => r,
        }
    }

    fn send_datagram(&self, dest: Option<SocketAddr>, data: &[u8]) -> Result<usize, Errno> {
        let (remote, shut_wr, v6only) = {
            let mut st = self.state.lock();
            if let Some(e) = st.pending_error.take() {
                return Err(e);
            }
            (st.remote, st.shut_wr, st.v6only)
        };
        if shut_wr {
            return Err(Errno::EPIPE);
        }
        let dest = dest.or(remote).ok_or(Errno::EDESTADDRREQ)?;
        let max = match (self.family, canonical(dest)) {
            (Family::V6, SocketAddr::V6(_)) => MAX_UDP_V6,
            _ => MAX_UDP_V4,
        };
        if data.len() > max {
            return Err(Errno::EMSGSIZE);
        }
        if self.family == Family::V6 && canonical(dest).is_ipv4() && v6only {
            return Err(Errno::ENETUNREACH);
        }
        let dest_ip = addr::destination(dest.ip()).ok_or(Errno::ENETUNREACH)?;
        let dest = SocketAddr::new(dest_ip, dest.port());
        let mut from = canonical(self.autobind(self.family.unspecified().ip())?);
        if from.ip().is_unspecified() {
            from.set_ip(addr::source_for(dest_ip));
        }
        let receiver = self.stack.ports.find(Protocol::Udp, dest, |s| {
            let st = s.state.lock();
            st.remote.is_none_or(|r| canonical(r) == from)
                && !(s.family == Family::V6 && from.is_ipv4() && st.v6only)
        });
        match receiver {
            Some(r) => r.enqueue_datagram(data, from),
            // Port unreachable: an associated socket hears of it on its next call.
            None if remote.is_some() && dest == canonical(remote.unwrap_or(dest)) => {
                self.state.lock().pending_error = Some(Errno::ECONNREFUSED);
            }
            None => {}
        }
        Ok(data.len())
    }

    /// Queues a datagram `from` (dropped, as UDP drops, when the receive buffer is
    /// full).
    fn enqueue_datagram(&self, data: &[u8], from: SocketAddr) {
        let mut st = self.state.lock();
        if st.shut_rd || (st.queued + data.len() > st.rcvbuf && st.queued > 0) {
            return;
        }
        if !self.stack.budget.take(data.len()) {
            return;
        }
        st.queued += data.len();
        st.datagrams.push_back(Datagram {
            data: data.to_vec(),
            from,
        });
        st.waiters.wake_all();
    }

    /// TCP receive on the connection: `ENOTCONN` unless connected.
    pub fn recv_stream(&self, buf: &mut [u8], flags: RecvFlags) -> Result<usize, Errno> {
        if let Some(e) = self.state.lock().pending_error.take() {
            return Err(e);
        }
        let end = self.stream(Errno::ENOTCONN)?;
        let flags = RecvFlags {
            dontwait: self.dontwait(flags.dontwait),
            ..flags
        };
        end.recv(buf, flags).map(|r| r.len)
    }

    /// UDP receive: one datagram into `buf` (the rest of a longer one is
    /// discarded unless peeking), waiting unless non-blocking (`EAGAIN`). End of
    /// file (0) after `shutdown(SHUT_RD)`.
    pub fn recv_datagram(
        &self,
        buf: &mut [u8],
        flags: RecvFlags,
    ) -> Result<Option<ReceivedDatagram>, Errno> {
        let dontwait = self.dontwait(flags.dontwait);
        let mut deadline = None;
        loop {
            let mut st = self.state.lock();
            if let Some(e) = st.pending_error.take() {
                return Err(e);
            }
            if let Some(d) = st.datagrams.front() {
                let n = d.data.len().min(buf.len());
                buf[..n].copy_from_slice(&d.data[..n]);
                let got = ReceivedDatagram {
                    len: n,
                    full_len: d.data.len(),
                    from: d.from,
                };
                if !flags.peek {
                    st.queued -= got.full_len;
                    self.stack.budget.release(got.full_len);
                    st.datagrams.pop_front();
                }
                return Ok(Some(got));
            }
            if st.shut_rd {
                return Ok(None);
            }
            if dontwait {
                return Err(Errno::EAGAIN);
            }
            self.wait(st, Timeout::Receive, &mut deadline, Errno::EAGAIN)?;
        }
    }

    /// UDP `connect`: datagrams go to `dest` by default and only its come in;
    /// `None` (`AF_UNSPEC`) dissolves the association.
    pub fn connect_datagram(&self, dest: Option<SocketAddr>) -> Result<(), Errno> {
        let Some(dest) = dest else {
            let mut st = self.state.lock();
            st.remote = None;
            st.pending_error = None;
            return Ok(());
        };
        let dest_ip = addr::destination(dest.ip()).ok_or(Errno::ENETUNREACH)?;
        self.autobind(self.family.unspecified().ip())?;
        let mut st = self.state.lock();
        st.remote = Some(SocketAddr::new(dest_ip, dest.port()));
        st.pending_error = None;
        Ok(())
    }

    /// TCP `connect(AF_UNSPEC)`: a listener stops listening; a connection ends.
    pub fn disconnect(&self) {
        let mut st = self.state.lock();
        st.tcp = Tcp::Closed;
        st.remote = None;
        st.waiters.wake_all();
    }

    /// `shutdown`: TCP on a connection shuts the direction(s); a listener shut for
    /// reading stops listening (its waiting `accept`s fail with `EINVAL`); a
    /// socket with no connection is `ENOTCONN`.
    pub fn shutdown(&self, read: bool, write: bool) -> Result<(), Errno> {
        let mut st = self.state.lock();
        match (&st.tcp, self.protocol) {
            (Tcp::Connected(end), _) => {
                let end = end.clone();
                drop(st);
                end.shutdown(read, write);
                Ok(())
            }
            (Tcp::Listening { .. }, _) => {
                if read {
                    st.tcp = Tcp::Closed;
                    st.waiters.wake_all();
                }
                Ok(())
            }
            // A connection in progress is abandoned.
            (Tcp::SynSent { .. }, _) => {
                st.tcp = Tcp::Closed;
                st.connecting = false;
                st.waiters.wake_all();
                Ok(())
            }
            (Tcp::Closed, Protocol::Udp) if st.remote.is_some() => {
                st.shut_rd |= read;
                st.shut_wr |= write;
                st.waiters.wake_all();
                Ok(())
            }
            (Tcp::Closed, _) => Err(Errno::ENOTCONN),
        }
    }

    /// Bytes waiting to be read (`FIONREAD`): a connection's, or the next
    /// datagram's length.
    pub fn unread(&self) -> Result<usize, Errno> {
        let st = self.state.lock();
        match &st.tcp {
            Tcp::Connected(end) => Ok(end.unread()),
            Tcp::Listening { .. } => Err(Errno::EINVAL),
            Tcp::SynSent { .. } => Ok(0),
            Tcp::Closed => Ok(st.datagrams.front().map_or(0, |d| d.data.len())),
        }
    }

    /// `SO_ERROR`: the pending error, cleared.
    pub fn take_error(&self) -> Option<Errno> {
        self.state.lock().pending_error.take()
    }

    /// Whether TCP is connected.
    pub fn is_connected(&self) -> bool {
        matches!(self.state.lock().tcp, Tcp::Connected(_))
    }

    /// `SO_RCVBUF` and `SO_SNDBUF`.
    pub fn buffers(&self) -> (usize, usize) {
        let st = self.state.lock();
        (st.rcvbuf, st.sndbuf)
    }

    /// Sets `SO_RCVBUF` (`rcv`) or `SO_SNDBUF`: doubled, between Linux's minimums
    /// and twice the maximum.
    pub fn set_buffer(&self, rcv: bool, size: usize) {
        let v = crate::unix_socket::doubled_buffer(rcv, size);
        let mut st = self.state.lock();
        if rcv {
            st.rcvbuf = v;
        } else {
            st.sndbuf = v;
        }
        if let Tcp::Connected(end) = &st.tcp {
            Self::configure_stream(&st, end);
        }
    }

    /// `SO_RCVTIMEO`/`SO_SNDTIMEO`.
    pub fn timeout(&self, which: Timeout) -> Option<Duration> {
        self.state.lock().timeouts[which as usize]
    }

    /// Sets `SO_RCVTIMEO`/`SO_SNDTIMEO` (`None`: wait for ever).
    pub fn set_timeout(&self, which: Timeout, t: Option<Duration>) {
        let mut st = self.state.lock();
        st.timeouts[which as usize] = t;
        if let Tcp::Connected(end) = &st.tcp {
            end.set_timeout(which, t);
        }
    }

    /// `SO_LINGER`.
    pub fn linger(&self) -> (bool, i32) {
        self.state.lock().linger
    }

    /// Sets `SO_LINGER` (kept: a close does not wait, nothing is left to send).
    pub fn set_linger(&self, on: bool, secs: i32) {
        self.state.lock().linger = (on, secs);
    }

    /// `IPV6_V6ONLY`.
    pub fn v6only(&self) -> bool {
        self.state.lock().v6only
    }

    /// Sets `IPV6_V6ONLY`: `EINVAL` once bound, as the binding depends on it.
    pub fn set_v6only(&self, on: bool) -> Result<(), Errno> {
        let mut st = self.state.lock();
        if st.local.is_some() {
            return Err(Errno::EINVAL);
        }
        st.v6only = on;
        Ok(())
    }

    /// A stored option's value (see [`StoredOptions`]).
    pub fn option(&self, level: i32, name: i32) -> Result<i32, Errno> {
        let v6 = self.family == Family::V6;
        self.state
            .lock()
            .options
            .get(self.protocol, v6, level, name)
    }

    /// Sets a stored option.
    pub fn set_option(&self, level: i32, name: i32, value: i32) -> Result<(), Errno> {
        if level == SOL_IPV6 && self.family != Family::V6 {
            return Err(Errno::ENOPROTOOPT);
        }
        let v6 = self.family == Family::V6;
        self.state
            .lock()
            .options
            .set(self.protocol, v6, level, name, value)
    }
}

impl InetOps for InetSocket {
    fn family(&self) -> Family {
        self.family
    }
    fn protocol(&self) -> Protocol {
        self.protocol
    }
    fn bind(&self, at: SocketAddr, uid: u32, privileged: bool) -> Result<(), Errno> {
        InetSocket::bind(self, at, uid, privileged)
    }
    fn listen(&self, backlog: i32) -> Result<(), Errno> {
        InetSocket::listen(self, backlog)
    }
    fn connect_stream(&self, dest: SocketAddr, dontwait: bool) -> Result<(), Errno> {
        InetSocket::connect_stream(self, dest, dontwait)
    }
    fn connect_datagram(&self, dest: Option<SocketAddr>) -> Result<(), Errno> {
        InetSocket::connect_datagram(self, dest)
    }
    fn disconnect(&self) -> Result<(), Errno> {
        InetSocket::disconnect(self);
        Ok(())
    }
    fn accept(&self, dontwait: bool) -> Result<Arc<dyn InetOps>, Errno> {
        InetSocket::accept(self, dontwait).map(|s| s as Arc<dyn InetOps>)
    }
    fn send(&self, dest: Option<SocketAddr>, data: &[u8], dontwait: bool) -> Result<usize, Errno> {
        InetSocket::send(self, dest, data, dontwait)
    }
    fn recv_stream(&self, buf: &mut [u8], flags: RecvFlags) -> Result<usize, Errno> {
        InetSocket::recv_stream(self, buf, flags)
    }
    fn recv_datagram(
        &self,
        buf: &mut [u8],
        flags: RecvFlags,
    ) -> Result<Option<ReceivedDatagram>, Errno> {
        InetSocket::recv_datagram(self, buf, flags)
    }
    fn shutdown(&self, read: bool, write: bool) -> Result<(), Errno> {
        InetSocket::shutdown(self, read, write)
    }
    fn local_name(&self) -> Result<SocketAddr, Errno> {
        Ok(InetSocket::local_name(self))
    }
    fn peer_name(&self) -> Result<SocketAddr, Errno> {
        InetSocket::peer_name(self)
    }
    fn take_error(&self) -> Option<Errno> {
        InetSocket::take_error(self)
    }
    fn is_listening(&self) -> bool {
        InetSocket::is_listening(self)
    }
    fn is_connected(&self) -> bool {
        InetSocket::is_connected(self)
    }
    fn buffers(&self) -> (usize, usize) {
        InetSocket::buffers(self)
    }
    fn set_buffer(&self, rcv: bool, size: usize) {
        InetSocket::set_buffer(self, rcv, size)
    }
    fn timeout(&self, which: Timeout) -> Option<Duration> {
        InetSocket::timeout(self, which)
    }
    fn set_timeout(&self, which: Timeout, t: Option<Duration>) {
        InetSocket::set_timeout(self, which, t)
    }
    fn linger(&self) -> (bool, i32) {
        InetSocket::linger(self)
    }
    fn set_linger(&self, on: bool, secs: i32) {
        InetSocket::set_linger(self, on, secs)
    }
    fn v6only(&self) -> bool {
        InetSocket::v6only(self)
    }
    fn set_v6only(&self, on: bool) -> Result<(), Errno> {
        InetSocket::set_v6only(self, on)
    }
    fn option(&self, level: i32, name: i32) -> Result<i32, Errno> {
        InetSocket::option(self, level, name)
    }
    fn set_option(&self, level: i32, name: i32, value: i32) -> Result<(), Errno> {
        InetSocket::set_option(self, level, name, value)
    }
}

impl Drop for InetSocket {
    /// The port is free again and the socket's buffer bytes go back to the budget;
    /// a connection's peer sees its end (through the data path's own drop); queued
    /// connections are dropped, so their clients see theirs.
    fn drop(&mut self) {
        let st = self.state.get_mut();
        self.stack.budget.release(st.queued);
        if let Some(local) = self.state.get_mut().local {
            self.stack
                .ports
                .unbind(self.protocol, local.port(), self as *const InetSocket);
        }
    }
}

impl FileOps for InetSocket {
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn as_any_arc(self: Arc<Self>) -> Option<Arc<dyn std::any::Any + Send + Sync>> {
        Some(self)
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        self.read_file(buf)
    }

    fn write(&self, buf: &[u8], _append: bool) -> Result<usize, Errno> {
        match self.protocol {
            Protocol::Tcp => self.send_stream(buf, self.dontwait(false)),
            Protocol::Udp => self.send(None, buf, false),
        }
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(crate::net::socket_stat(self.ino, self.owner))
    }

    fn statx(&self, _mask: u32) -> Result<Statx, Errno> {
        Ok(veil_vfs::host::stat_to_statx(&self.stat()?))
    }

    fn readiness(&self, waker: Option<&Arc<dyn PollWaker>>) -> u32 {
        self.try_complete(waker);
        let mut st = self.state.lock();
        if let Some(w) = waker {
            st.waiters.register(w);
        }
        let err = if st.pending_error.is_some() {
            POLLERR
        } else {
            0
        };
        match &st.tcp {
            Tcp::Connected(end) => {
                let end = end.clone();
                drop(st);
                end.readiness(waker) | err
            }
            Tcp::Listening { queue, .. } => {
                if queue.is_empty() {
                    0
                } else {
                    POLLIN | POLLRDNORM
                }
            }
            Tcp::SynSent { .. } => 0,
            Tcp::Closed if self.protocol == Protocol::Tcp => POLLOUT | POLLWRNORM | POLLHUP | err,
            Tcp::Closed => {
                let mut r = err;
                if !st.datagrams.is_empty() {
                    r |= POLLIN | POLLRDNORM;
                }
                if st.shut_rd {
                    r |= POLLIN | POLLRDNORM | POLLRDHUP;
                }
                if st.shut_rd && st.shut_wr {
                    r |= POLLHUP;
                }
                if !st.shut_wr {
                    r |= POLLOUT | POLLWRNORM | POLLWRBAND;
                }
                r
            }
        }
    }

    fn set_nonblocking(&self, nonblock: bool) {
        self.nonblock.store(nonblock, Ordering::Relaxed);
    }

    fn unread_bytes(&self) -> Result<usize, Errno> {
        self.unread()
    }
}
