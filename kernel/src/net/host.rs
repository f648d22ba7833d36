//! Internet sockets on the host's network (`--network=host`): each guest socket is a
//! non-blocking host socket the sentry holds, and every call on it is made by the
//! sentry with checked arguments (`veil_vfs::host_net`); the guest itself still makes
//! no host system call.
//!
//! Waiting is the sentry's: a call that would block registers the task on the
//! socket's waiters and blocks interruptibly; one host thread (`veil-host-net`)
//! waits on an epoll set of every host socket (edge-triggered) and wakes a socket's
//! waiters when the host says it changed. Guest `poll`/`epoll` see the host socket's
//! readiness the same way.
//!
//! Locks: `waiters` and `timeouts` are leaves; the event thread's table is taken
//! alone.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use parking_lot::Mutex;
use veil_abi::structs::{Stat, Statx};
use veil_abi::Errno;
use veil_vfs::file::{POLLIN, POLLOUT};
use veil_vfs::host_net;
use veil_vfs::{FileOps, PollWaker, WaitQueue};

use super::addr::Family;
use super::ops::{InetOps, ReceivedDatagram};
use super::options::StoredOptions;
use super::ports::Protocol;
use crate::signal::ERESTARTSYS;
use crate::task::{self, BlockResult};
use crate::unix_socket::{RecvFlags, Timeout, Ucred};

static NEXT_INO: AtomicU64 = AtomicU64::new(5 << 32);

/// The thread that hears from the host when its sockets change.
struct HostEvents {
    epoll: Epoll,
    sockets: Mutex<HashMap<u64, Weak<HostSocket>>>,
    next: AtomicU64,
}

impl HostEvents {
    /// The one set of the sentry process, its thread started on first use.
    fn get() -> Result<&'static HostEvents, Errno> {
        static EVENTS: OnceLock<Option<HostEvents>> = OnceLock::new();
        let events = EVENTS.get_or_init(|| {
            let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).ok()?;
            Some(HostEvents {
                epoll,
                sockets: Mutex::new(HashMap::new()),
                next: AtomicU64::new(1),
            })
        });
        let events = events.as_ref().ok_or(Errno::ENOMEM)?;
        static STARTED: OnceLock<()> = OnceLock::new();
        STARTED.get_or_init(|| {
            let _ = std::thread::Builder::new()
                .name("veil-host-net".into())
                .spawn(move || events.run());
        });
        Ok(events)
    }

    fn run(&self) {
        let mut ready = vec![EpollEvent::empty(); 64];
        loop {
            let n = match self.epoll.wait(&mut ready, EpollTimeout::NONE) {
                Ok(n) => n,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => {
                    tracing::warn!("host network events: epoll_wait: {e}");
                    return;
                }
            };
            for ev in &ready[..n] {
                let sock = self.sockets.lock().get(&ev.data()).and_then(Weak::upgrade);
                if let Some(sock) = sock {
                    sock.waiters.lock().wake_all();
                }
            }
        }
    }

    /// Watches `sock`'s host socket; returns its token.
    fn add(&self, fd: &OwnedFd, sock: Weak<HostSocket>) -> Result<u64, Errno> {
        let token = self.next.fetch_add(1, Ordering::Relaxed);
        self.sockets.lock().insert(token, sock);
        let flags = EpollFlags::EPOLLIN
            | EpollFlags::EPOLLOUT
            | EpollFlags::EPOLLRDHUP
            | EpollFlags::EPOLLPRI
            | EpollFlags::EPOLLET;
        if let Err(e) = self.epoll.add(fd.as_fd(), EpollEvent::new(flags, token)) {
            self.sockets.lock().remove(&token);
            return Err(Errno(e as i32));
        }
        Ok(token)
    }

    fn remove(&self, fd: &OwnedFd, token: u64) {
        let _ = self.epoll.delete(fd.as_fd());
        self.sockets.lock().remove(&token);
    }
}

/// One guest socket on the host's network.
pub struct HostSocket {
    family: Family,
    protocol: Protocol,
    ino: u64,
    owner: Ucred,
    fd: OwnedFd,
    token: u64,
    /// The guest's `O_NONBLOCK` (the host socket is always non-blocking).
    nonblock: AtomicBool,
    /// A non-blocking `connect` said `EINPROGRESS` (or a blocking one was
    /// interrupted): the next `connect` reports the outcome.
    connecting: AtomicBool,
    timeouts: Mutex<[Option<Duration>; 2]>,
    waiters: Mutex<WaitQueue>,
}

impl HostSocket {
    /// A new host socket of `family` and `protocol` for a guest `owner`.
    pub fn new(
        family: Family,
        protocol: Protocol,
        owner: Ucred,
        nonblock: bool,
    ) -> Result<Arc<HostSocket>, Errno> {
        let af = match family {
            Family::V4 => libc::AF_INET,
            Family::V6 => libc::AF_INET6,
        };
        let ty = match protocol {
            Protocol::Tcp => libc::SOCK_STREAM,
            Protocol::Udp => libc::SOCK_DGRAM,
        };
        Self::wrap(
            host_net::socket(af, ty, 0)?,
            family,
            protocol,
            owner,
            nonblock,
        )
    }

    fn wrap(
        fd: OwnedFd,
        family: Family,
        protocol: Protocol,
        owner: Ucred,
        nonblock: bool,
    ) -> Result<Arc<HostSocket>, Errno> {
        let events = HostEvents::get()?;
        let mut failed = None;
        let sock = Arc::new_cyclic(|me: &Weak<HostSocket>| {
            let token = match events.add(&fd, me.clone()) {
                Ok(t) => t,
                Err(e) => {
                    failed = Some(e);
                    0
                }
            };
            HostSocket {
                family,
                protocol,
                ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
                owner,
                fd,
                token,
                nonblock: AtomicBool::new(nonblock),
                connecting: AtomicBool::new(false),
                timeouts: Mutex::new([None, None]),
                waiters: Mutex::new(WaitQueue::default()),
            }
        });
        match failed {
            Some(e) => Err(e),
            None => Ok(sock),
        }
    }

    /// The host socket's readiness now (`POLL*` bits).
    fn poll_now(&self) -> u32 {
        let mut fds = [PollFd::new(self.fd.as_fd(), PollFlags::all())];
        match nix::poll::poll(&mut fds, PollTimeout::ZERO) {
            Ok(_) => fds[0].revents().map_or(0, |r| r.bits() as u32),
            Err(_) => 0,
        }
    }

    fn dontwait(&self, dontwait: bool) -> bool {
        dontwait || self.nonblock.load(Ordering::Relaxed)
    }

    /// Waits until the host socket has one of `want` (or an error or hang-up), the
    /// timeout `which` passes (`timed_out`), or a signal.
    fn wait_for(
        &self,
        want: u32,
        which: Timeout,
        deadline: &mut Option<Instant>,
        timed_out: Errno,
    ) -> Result<(), Errno> {
        let task = task::current().ok_or(Errno::EIO)?;
        task.prepare_block();
        let waker: Arc<dyn PollWaker> = task.clone();
        self.waiters.lock().register(&waker);
        // The host may have changed between the call that said EAGAIN and now.
        if self.poll_now() & (want | libc::POLLERR as u32 | libc::POLLHUP as u32) != 0 {
            return Ok(());
        }
        let timeout = self.timeouts.lock()[which as usize];
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

    fn known_option(&self, level: i32, name: i32) -> Result<(), Errno> {
        StoredOptions::default()
            .get(self.protocol, self.family == Family::V6, level, name)
            .map(drop)
    }
}

impl Drop for HostSocket {
    fn drop(&mut self) {
        if let Ok(events) = HostEvents::get() {
            events.remove(&self.fd, self.token);
        }
    }
}

impl InetOps for HostSocket {
    fn family(&self) -> Family {
        self.family
    }

    fn protocol(&self) -> Protocol {
        self.protocol
    }

    fn bind(&self, at: SocketAddr, _uid: u32, privileged: bool) -> Result<(), Errno> {
        if at.port() != 0 && at.port() < 1024 && !privileged {
            return Err(Errno::EACCES);
        }
        host_net::bind(self.fd.as_fd(), &at)
    }

    fn listen(&self, backlog: i32) -> Result<(), Errno> {
        if self.protocol != Protocol::Tcp {
            return Err(Errno::EOPNOTSUPP);
        }
        host_net::listen(self.fd.as_fd(), backlog)
    }

    fn connect_stream(&self, dest: SocketAddr, dontwait: bool) -> Result<(), Errno> {
        let dontwait = self.dontwait(dontwait);
        let was_connecting = self.connecting.swap(false, Ordering::SeqCst);
        match host_net::connect(self.fd.as_fd(), &dest) {
            Ok(()) => return Ok(()),
            // The connection a non-blocking connect began is made: this is the call
            // that reports it.
            Err(Errno::EISCONN) if was_connecting => return Ok(()),
            Err(Errno::EINPROGRESS | Errno::EALREADY) if dontwait => {
                self.connecting.store(true, Ordering::SeqCst);
                return Err(if was_connecting {
                    Errno::EALREADY
                } else {
                    Errno::EINPROGRESS
                });
            }
            Err(Errno::EINPROGRESS | Errno::EALREADY) => {}
            Err(e) => return Err(e),
        }
        let mut deadline = None;
        loop {
            let r = self.wait_for(POLLOUT, Timeout::Send, &mut deadline, Errno::EINPROGRESS);
            if let Err(e) = r {
                // The handshake goes on; the next connect reports it.
                self.connecting.store(true, Ordering::SeqCst);
                return Err(e);
            }
            // Asking again reports the outcome and, for a failure, makes the socket
            // unconnected again, so that it may try once more (Linux keeps an
            // unreported outcome for the next connect).
            match host_net::connect(self.fd.as_fd(), &dest) {
                Ok(()) | Err(Errno::EISCONN) => return Ok(()),
                Err(Errno::EALREADY | Errno::EINPROGRESS) => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn connect_datagram(&self, dest: Option<SocketAddr>) -> Result<(), Errno> {
        match dest {
            Some(d) => host_net::connect(self.fd.as_fd(), &d),
            None => host_net::disconnect(self.fd.as_fd()),
        }
    }

    fn disconnect(&self) -> Result<(), Errno> {
        host_net::disconnect(self.fd.as_fd())
    }

    fn accept(&self, dontwait: bool) -> Result<Arc<dyn InetOps>, Errno> {
        let dontwait = self.dontwait(dontwait);
        let mut deadline = None;
        loop {
            match host_net::accept(self.fd.as_fd()) {
                Ok((fd, _)) => {
                    let s = Self::wrap(fd, self.family, self.protocol, self.owner, false)?;
                    return Ok(s);
                }
                Err(Errno::EAGAIN) if !dontwait => {
                    self.wait_for(POLLIN, Timeout::Receive, &mut deadline, Errno::EAGAIN)?
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn send(&self, dest: Option<SocketAddr>, data: &[u8], dontwait: bool) -> Result<usize, Errno> {
        let dontwait = self.dontwait(dontwait);
        let flags = libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;
        let dest = if self.protocol == Protocol::Tcp {
            None
        } else {
            dest
        };
        let mut sent = 0;
        let mut deadline = None;
        loop {
            match host_net::send_to(self.fd.as_fd(), &data[sent..], flags, dest.as_ref()) {
                Ok(n) => {
                    sent += n;
                    if sent == data.len() || self.protocol == Protocol::Udp || dontwait {
                        return Ok(sent);
                    }
                }
                Err(Errno::EAGAIN) if dontwait => {
                    return if sent > 0 {
                        Ok(sent)
                    } else {
                        Err(Errno::EAGAIN)
                    };
                }
                Err(Errno::EAGAIN) => {}
                Err(_) if sent > 0 => return Ok(sent),
                Err(e) => return Err(e),
            }
            if let Err(e) = self.wait_for(POLLOUT, Timeout::Send, &mut deadline, Errno::EAGAIN) {
                return if sent > 0 { Ok(sent) } else { Err(e) };
            }
        }
    }

    fn recv_stream(&self, buf: &mut [u8], flags: RecvFlags) -> Result<usize, Errno> {
        let dontwait = self.dontwait(flags.dontwait);
        let mut host_flags = libc::MSG_DONTWAIT;
        if flags.peek {
            host_flags |= libc::MSG_PEEK;
        }
        let mut got = 0;
        let mut deadline = None;
        loop {
            match host_net::recv_from(self.fd.as_fd(), &mut buf[got..], host_flags) {
                Ok((0, _)) => return Ok(got),
                Ok((n, _)) => {
                    got += n;
                    if !flags.waitall || flags.peek || got == buf.len() {
                        return Ok(got);
                    }
                }
                Err(Errno::EAGAIN) if dontwait => {
                    return if got > 0 { Ok(got) } else { Err(Errno::EAGAIN) };
                }
                Err(Errno::EAGAIN) => {}
                Err(_) if got > 0 => return Ok(got),
                Err(e) => return Err(e),
            }
            if let Err(e) = self.wait_for(POLLIN, Timeout::Receive, &mut deadline, Errno::EAGAIN) {
                return if got > 0 { Ok(got) } else { Err(e) };
            }
        }
    }

    fn recv_datagram(
        &self,
        buf: &mut [u8],
        flags: RecvFlags,
    ) -> Result<Option<ReceivedDatagram>, Errno> {
        let dontwait = self.dontwait(flags.dontwait);
        let mut host_flags = libc::MSG_DONTWAIT | libc::MSG_TRUNC;
        if flags.peek {
            host_flags |= libc::MSG_PEEK;
        }
        let mut deadline = None;
        loop {
            match host_net::recv_from(self.fd.as_fd(), buf, host_flags) {
                Ok((full, from)) => {
                    return Ok(Some(ReceivedDatagram {
                        len: full.min(buf.len()),
                        full_len: full,
                        from: from.unwrap_or_else(|| self.family.unspecified()),
                    }))
                }
                Err(Errno::EAGAIN) if !dontwait => {
                    self.wait_for(POLLIN, Timeout::Receive, &mut deadline, Errno::EAGAIN)?
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn shutdown(&self, read: bool, write: bool) -> Result<(), Errno> {
        let how = match (read, write) {
            (true, false) => libc::SHUT_RD,
            (false, true) => libc::SHUT_WR,
            _ => libc::SHUT_RDWR,
        };
        host_net::shutdown(self.fd.as_fd(), how)
    }

    fn local_name(&self) -> Result<SocketAddr, Errno> {
        host_net::name(self.fd.as_fd(), false)
    }

    fn peer_name(&self) -> Result<SocketAddr, Errno> {
        host_net::name(self.fd.as_fd(), true)
    }

    fn take_error(&self) -> Option<Errno> {
        match host_net::get_int(self.fd.as_fd(), libc::SOL_SOCKET, libc::SO_ERROR) {
            Ok(0) | Err(_) => None,
            Ok(e) => Some(Errno(e)),
        }
    }

    fn is_listening(&self) -> bool {
        host_net::get_int(self.fd.as_fd(), libc::SOL_SOCKET, libc::SO_ACCEPTCONN).unwrap_or(0) != 0
    }

    fn is_connected(&self) -> bool {
        self.peer_name().is_ok()
    }

    fn buffers(&self) -> (usize, usize) {
        let get = |name| {
            host_net::get_int(self.fd.as_fd(), libc::SOL_SOCKET, name)
                .unwrap_or(0)
                .max(0) as usize
        };
        (get(libc::SO_RCVBUF), get(libc::SO_SNDBUF))
    }

    fn set_buffer(&self, rcv: bool, size: usize) {
        let name = if rcv {
            libc::SO_RCVBUF
        } else {
            libc::SO_SNDBUF
        };
        let v = size.min(i32::MAX as usize) as i32;
        let _ = host_net::set_int(self.fd.as_fd(), libc::SOL_SOCKET, name, v);
    }

    fn timeout(&self, which: Timeout) -> Option<Duration> {
        self.timeouts.lock()[which as usize]
    }

    fn set_timeout(&self, which: Timeout, t: Option<Duration>) {
        self.timeouts.lock()[which as usize] = t;
    }

    fn linger(&self) -> (bool, i32) {
        host_net::get_linger(self.fd.as_fd()).unwrap_or((false, 0))
    }

    fn set_linger(&self, on: bool, secs: i32) {
        let _ = host_net::set_linger(self.fd.as_fd(), on, secs);
    }

    fn v6only(&self) -> bool {
        host_net::get_int(self.fd.as_fd(), libc::IPPROTO_IPV6, libc::IPV6_V6ONLY).unwrap_or(0) != 0
    }

    fn set_v6only(&self, on: bool) -> Result<(), Errno> {
        host_net::set_int(
            self.fd.as_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_V6ONLY,
            i32::from(on),
        )
    }

    /// Only the options Veil knows (`net::options`) reach the host.
    fn option(&self, level: i32, name: i32) -> Result<i32, Errno> {
        self.known_option(level, name)?;
        host_net::get_int(self.fd.as_fd(), level, name)
    }

    fn set_option(&self, level: i32, name: i32, value: i32) -> Result<(), Errno> {
        self.known_option(level, name)?;
        // Checked as the loopback socket checks it (hop limits, bytes), then set.
        StoredOptions::default().set(
            self.protocol,
            self.family == Family::V6,
            level,
            name,
            value,
        )?;
        host_net::set_int(self.fd.as_fd(), level, name, value)
    }
}

impl FileOps for HostSocket {
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
        self.send(None, buf, false)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(crate::net::socket_stat(self.ino, self.owner))
    }

    fn statx(&self, _mask: u32) -> Result<Statx, Errno> {
        Ok(veil_vfs::host::stat_to_statx(&self.stat()?))
    }

    fn readiness(&self, waker: Option<&Arc<dyn PollWaker>>) -> u32 {
        if let Some(w) = waker {
            self.waiters.lock().register(w);
        }
        self.poll_now()
    }

    fn set_nonblocking(&self, nonblock: bool) {
        self.nonblock.store(nonblock, Ordering::Relaxed);
    }

    fn unread_bytes(&self) -> Result<usize, Errno> {
        host_net::unread(self.fd.as_fd())
    }
}
