//! `NETLINK_ROUTE` sockets: the sandbox's interfaces, addresses and routes as
//! `getifaddrs`, `if_nameindex`, `ip addr`, `ip link` and `ip route` ask for them.
//!
//! A request the guest sends is answered at once: the replies are queued on the
//! socket as datagrams (a dump is one datagram of `RTM_NEW*` messages, then one with
//! `NLMSG_DONE`), and each receive takes one. Changes (`RTM_NEW*`/`RTM_DEL*`) are
//! `EOPNOTSUPP`, but bringing `lo` up, which it already is. No multicast events are
//! ever sent: the sandbox's network does not change.
//!
//! Locks: a socket's `state` is a leaf.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Mutex, MutexGuard};
use veil_abi::structs::{Stat, Statx};
use veil_abi::Errno;
use veil_vfs::file::{POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use veil_vfs::{FileOps, PollWaker, WaitQueue};

use super::addr::{AF_INET, AF_INET6, AF_UNSPEC};
use super::interfaces::{self, Interface};
use crate::signal::ERESTARTSYS;
use crate::task::{self, BlockResult};
use crate::unix_socket::{RecvFlags, Ucred};

/// `AF_NETLINK`.
pub const AF_NETLINK: u16 = 16;
/// `NETLINK_ROUTE`.
pub const NETLINK_ROUTE: u64 = 0;
/// `sizeof(struct sockaddr_nl)`.
pub const SOCKADDR_NL_SIZE: usize = 12;

const NLMSG_HDRLEN: usize = 16;
const NLMSG_NOOP: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_MULTI: u16 = 0x2;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_DUMP: u16 = 0x300;

const RTM_NEWLINK: u16 = 16;
const RTM_GETLINK: u16 = 18;
const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;
const RTM_NEWROUTE: u16 = 24;
const RTM_GETROUTE: u16 = 26;

const IFLA_ADDRESS: u16 = 1;
const IFLA_BROADCAST: u16 = 2;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_QDISC: u16 = 6;
const IFLA_TXQLEN: u16 = 13;
const IFLA_OPERSTATE: u16 = 16;
const IFLA_LINKMODE: u16 = 17;
const IFLA_GROUP: u16 = 27;
const IFLA_NUM_TX_QUEUES: u16 = 31;
const IFLA_NUM_RX_QUEUES: u16 = 32;
const IFLA_CARRIER: u16 = 33;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_LABEL: u16 = 3;
const IFA_CACHEINFO: u16 = 6;
const IFA_FLAGS: u16 = 8;
const IFA_F_PERMANENT: u8 = 0x80;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_PREFSRC: u16 = 7;
const RTA_PRIORITY: u16 = 6;
const RTA_TABLE: u16 = 15;
const RT_SCOPE_HOST: u8 = 254;
const RT_SCOPE_LINK: u8 = 253;
const RT_SCOPE_UNIVERSE: u8 = 0;
const RT_TABLE_MAIN: u8 = 254;
const RT_TABLE_LOCAL: u8 = 255;
const RTPROT_KERNEL: u8 = 2;
const RTN_UNICAST: u8 = 1;
const RTN_LOCAL: u8 = 2;
const RTN_BROADCAST: u8 = 3;
/// `IF_OPER_UNKNOWN`: what loopback reports.
const IF_OPER_UNKNOWN: u8 = 0;

/// Default `SO_RCVBUF`/`SO_SNDBUF`.
const NETLINK_BUF: usize = 212_992;

static NEXT_INO: AtomicU64 = AtomicU64::new(3 << 32);
/// Port ids handed to sockets bound with 0 after the first of a process (Linux
/// gives the first the tgid and later ones negative numbers).
static NEXT_PORT: AtomicI32 = AtomicI32::new(-4096);

struct State {
    /// The port id, once bound (explicitly, or by the first send).
    port: Option<u32>,
    /// Multicast groups asked for (`nl_groups`); nothing is ever sent to them.
    groups: u32,
    /// The port `connect` named (0: the kernel), where sends without an address go.
    peer: u32,
    replies: VecDeque<Vec<u8>>,
    rcvbuf: usize,
    sndbuf: usize,
    /// `SOL_NETLINK` options, kept to read back.
    options: std::collections::BTreeMap<i32, i32>,
    waiters: WaitQueue,
}

/// One `NETLINK_ROUTE` socket.
pub struct NetlinkSocket {
    /// `SOCK_RAW` or `SOCK_DGRAM` (the same to netlink).
    pub kind: i32,
    ino: u64,
    /// Who made it.
    pub owner: Ucred,
    nonblock: AtomicBool,
    state: Mutex<State>,
}

impl NetlinkSocket {
    /// A fresh socket of `kind`.
    pub fn new(kind: i32, owner: Ucred, nonblock: bool) -> Arc<NetlinkSocket> {
        Arc::new(NetlinkSocket {
            kind,
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
            owner,
            nonblock: AtomicBool::new(nonblock),
            state: Mutex::new(State {
                port: None,
                groups: 0,
                peer: 0,
                replies: VecDeque::new(),
                rcvbuf: NETLINK_BUF,
                sndbuf: NETLINK_BUF,
                options: Default::default(),
                waiters: WaitQueue::default(),
            }),
        })
    }

    /// The netlink socket behind `file`, if it is one.
    pub fn of(file: &veil_vfs::OpenFile) -> Option<Arc<NetlinkSocket>> {
        file.ops
            .clone()
            .as_any_arc()
            .and_then(|a| a.downcast::<NetlinkSocket>().ok())
    }

    fn port_locked(&self, st: &mut MutexGuard<'_, State>) -> u32 {
        *st.port.get_or_insert_with(|| {
            let n = NEXT_PORT.fetch_sub(1, Ordering::Relaxed);
            if n == -4096 {
                self.owner.pid as u32
            } else {
                n as u32
            }
        })
    }

    /// `bind`: port `pid` (0: one chosen for it) and multicast `groups`. A socket
    /// binds its port once (`EINVAL` for another one later).
    pub fn bind(&self, pid: u32, groups: u32) -> Result<(), Errno> {
        let mut st = self.state.lock();
        match st.port {
            Some(p) if pid != 0 && p != pid => return Err(Errno::EINVAL),
            Some(_) => {}
            None if pid != 0 => st.port = Some(pid),
            None => {
                self.port_locked(&mut st);
            }
        }
        st.groups = groups;
        Ok(())
    }

    /// `connect`: sends without an address go to port `pid` from now on.
    pub fn set_peer(&self, pid: u32) {
        self.state.lock().peer = pid;
    }

    /// The port `connect` named (0: the kernel).
    pub fn peer(&self) -> u32 {
        self.state.lock().peer
    }

    /// The port id and groups `getsockname` reports (0 before binding).
    pub fn name(&self) -> (u32, u32) {
        let st = self.state.lock();
        (st.port.unwrap_or(0), st.groups)
    }

    /// Takes the requests in `data` and queues their replies: every message is
    /// answered, a malformed one with `EINVAL`. Returns the bytes taken.
    pub fn send(&self, data: &[u8]) -> Result<usize, Errno> {
        let mut st = self.state.lock();
        if data.len() > st.sndbuf {
            return Err(Errno::EMSGSIZE);
        }
        let port = self.port_locked(&mut st);
        let mut at = 0;
        while at + NLMSG_HDRLEN <= data.len() {
            let h = Header::read(&data[at..]);
            let len = h.len as usize;
            if len < NLMSG_HDRLEN || at + len > data.len() {
                break;
            }
            let body = &data[at + NLMSG_HDRLEN..at + len];
            for reply in answer(&h, body, port) {
                st.replies.push_back(reply);
            }
            at += (len + 3) & !3;
        }
        st.waiters.wake_all();
        Ok(data.len())
    }

    /// Receives the next reply datagram into `buf` (truncated if longer, unless
    /// peeking the rest stays lost as for any datagram). Returns the bytes copied and
    /// the datagram's length. Waits unless non-blocking (`EAGAIN`).
    pub fn recv(&self, buf: &mut [u8], flags: RecvFlags) -> Result<(usize, usize), Errno> {
        let dontwait = flags.dontwait || self.nonblock.load(Ordering::Relaxed);
        loop {
            let mut st = self.state.lock();
            if let Some(d) = st.replies.front() {
                let n = d.len().min(buf.len());
                buf[..n].copy_from_slice(&d[..n]);
                let full = d.len();
                if !flags.peek {
                    st.replies.pop_front();
                }
                return Ok((n, full));
            }
            if dontwait {
                return Err(Errno::EAGAIN);
            }
            let task = task::current().ok_or(Errno::EIO)?;
            task.prepare_block();
            let waker: Arc<dyn PollWaker> = task.clone();
            st.waiters.register(&waker);
            drop(st);
            if let BlockResult::Interrupted = task.block(None::<Instant>) {
                return Err(ERESTARTSYS);
            }
        }
    }

    /// `SO_RCVBUF` and `SO_SNDBUF`.
    pub fn buffers(&self) -> (usize, usize) {
        let st = self.state.lock();
        (st.rcvbuf, st.sndbuf)
    }

    /// Sets `SO_RCVBUF` (`rcv`) or `SO_SNDBUF`, doubled as Linux does.
    pub fn set_buffer(&self, rcv: bool, size: usize) {
        let v = (size.min(NETLINK_BUF) * 2).max(2304);
        let mut st = self.state.lock();
        if rcv {
            st.rcvbuf = v;
        } else {
            st.sndbuf = v;
        }
    }

    /// A `SOL_NETLINK` option (0 if never set).
    pub fn option(&self, name: i32) -> i32 {
        *self.state.lock().options.get(&name).unwrap_or(&0)
    }

    /// Sets a `SOL_NETLINK` option.
    pub fn set_option(&self, name: i32, value: i32) {
        self.state.lock().options.insert(name, value);
    }

    /// Bytes of the next reply (`FIONREAD`).
    pub fn unread(&self) -> usize {
        self.state.lock().replies.front().map_or(0, Vec::len)
    }
}

impl FileOps for NetlinkSocket {
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn as_any_arc(self: Arc<Self>) -> Option<Arc<dyn std::any::Any + Send + Sync>> {
        Some(self)
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        self.recv(buf, RecvFlags::default()).map(|(n, _)| n)
    }

    fn write(&self, buf: &[u8], _append: bool) -> Result<usize, Errno> {
        self.send(buf)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(crate::net::socket_stat(self.ino, self.owner))
    }

    fn statx(&self, _mask: u32) -> Result<Statx, Errno> {
        Ok(veil_vfs::host::stat_to_statx(&self.stat()?))
    }

    fn readiness(&self, waker: Option<&Arc<dyn PollWaker>>) -> u32 {
        let mut st = self.state.lock();
        if let Some(w) = waker {
            st.waiters.register(w);
        }
        let mut r = POLLOUT | POLLWRNORM;
        if !st.replies.is_empty() {
            r |= POLLIN | POLLRDNORM;
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

/// A `struct nlmsghdr`.
#[derive(Clone, Copy, Debug)]
struct Header {
    len: u32,
    kind: u16,
    flags: u16,
    seq: u32,
    pid: u32,
}

impl Header {
    /// Reads the header at the start of `b` (at least 16 bytes).
    fn read(b: &[u8]) -> Header {
        let u32_at = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        Header {
            len: u32_at(0),
            kind: u16::from_le_bytes([b[4], b[5]]),
            flags: u16::from_le_bytes([b[6], b[7]]),
            seq: u32_at(8),
            pid: u32_at(12),
        }
    }
}

/// Builds netlink messages into one datagram.
struct Builder {
    out: Vec<u8>,
    seq: u32,
    port: u32,
}

impl Builder {
    fn new(seq: u32, port: u32) -> Builder {
        Builder {
            out: Vec::new(),
            seq,
            port,
        }
    }

    /// Starts a message of `kind` with `flags` and fixed header `fixed`; returns
    /// where it starts, for [`Builder::finish`].
    fn begin(&mut self, kind: u16, flags: u16, fixed: &[u8]) -> usize {
        let start = self.out.len();
        self.out.extend_from_slice(&0u32.to_le_bytes());
        self.out.extend_from_slice(&kind.to_le_bytes());
        self.out.extend_from_slice(&flags.to_le_bytes());
        self.out.extend_from_slice(&self.seq.to_le_bytes());
        self.out.extend_from_slice(&self.port.to_le_bytes());
        self.out.extend_from_slice(fixed);
        self.pad();
        start
    }

    /// Appends attribute `kind` with `value`.
    fn attr(&mut self, kind: u16, value: &[u8]) {
        let len = 4 + value.len();
        self.out.extend_from_slice(&(len as u16).to_le_bytes());
        self.out.extend_from_slice(&kind.to_le_bytes());
        self.out.extend_from_slice(value);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.out.len().is_multiple_of(4) {
            self.out.push(0);
        }
    }

    /// Writes the length of the message begun at `start`.
    fn finish(&mut self, start: usize) {
        let len = (self.out.len() - start) as u32;
        self.out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    }

    fn done(mut self) -> Vec<u8> {
        let m = self.begin(NLMSG_DONE, NLM_F_MULTI, &0i32.to_le_bytes());
        self.finish(m);
        self.out
    }
}

/// An `NLMSG_ERROR` answering `h` with `errno` (0: an acknowledgement), echoing its
/// header.
fn error_reply(h: &Header, errno: i32, port: u32) -> Vec<u8> {
    let mut b = Builder::new(h.seq, port);
    let mut fixed = (-errno).to_le_bytes().to_vec();
    fixed.extend_from_slice(&h.len.to_le_bytes());
    fixed.extend_from_slice(&h.kind.to_le_bytes());
    fixed.extend_from_slice(&h.flags.to_le_bytes());
    fixed.extend_from_slice(&h.seq.to_le_bytes());
    fixed.extend_from_slice(&h.pid.to_le_bytes());
    let m = b.begin(NLMSG_ERROR, 0, &fixed);
    b.finish(m);
    b.out
}

/// The replies to request `h` with body `body`, from a socket at `port`.
fn answer(h: &Header, body: &[u8], port: u32) -> Vec<Vec<u8>> {
    if h.flags & NLM_F_REQUEST == 0 || h.kind == NLMSG_NOOP || h.kind < 16 {
        return Vec::new();
    }
    let dump = h.flags & NLM_F_DUMP == NLM_F_DUMP;
    let family = body.first().copied().map_or(AF_UNSPEC, u16::from);
    let result = match (h.kind, dump) {
        (RTM_GETLINK, true) => Ok(vec![links(h.seq, port, &interfaces::all())]),
        (RTM_GETLINK, false) => one_link(body).map(|i| vec![links_single(h.seq, port, &i)]),
        (RTM_GETADDR, true) => Ok(vec![addresses(h.seq, port, family)]),
        (RTM_GETROUTE, true) => Ok(vec![routes(h.seq, port, family)]),
        (RTM_NEWLINK, _) => set_link(body).map(|()| Vec::new()),
        _ => Err(Errno::EOPNOTSUPP),
    };
    match result {
        Ok(mut replies) if dump => {
            replies.push(Builder::new(h.seq, port).done());
            replies
        }
        Ok(mut replies) => {
            if h.flags & NLM_F_ACK != 0 {
                replies.push(error_reply(h, 0, port));
            }
            replies
        }
        Err(e) => vec![error_reply(h, e.0, port)],
    }
}

/// The `struct ifinfomsg` of `i`.
fn ifinfo(i: &Interface) -> Vec<u8> {
    let mut f = vec![AF_UNSPEC as u8, 0];
    f.extend_from_slice(&i.kind.to_le_bytes());
    f.extend_from_slice(&(i.index as i32).to_le_bytes());
    f.extend_from_slice(&i.flags.to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes());
    f
}

fn link_message(b: &mut Builder, i: &Interface, flags: u16) {
    let m = b.begin(RTM_NEWLINK, flags, &ifinfo(i));
    let mut name = i.name.as_bytes().to_vec();
    name.push(0);
    b.attr(IFLA_IFNAME, &name);
    b.attr(IFLA_TXQLEN, &1000u32.to_le_bytes());
    b.attr(IFLA_OPERSTATE, &[IF_OPER_UNKNOWN]);
    b.attr(IFLA_LINKMODE, &[0]);
    b.attr(IFLA_MTU, &i.mtu.to_le_bytes());
    b.attr(IFLA_GROUP, &0u32.to_le_bytes());
    b.attr(IFLA_NUM_TX_QUEUES, &1u32.to_le_bytes());
    b.attr(IFLA_NUM_RX_QUEUES, &1u32.to_le_bytes());
    b.attr(IFLA_CARRIER, &[1]);
    b.attr(IFLA_QDISC, b"noqueue\0");
    b.attr(IFLA_ADDRESS, &[0; 6]);
    b.attr(IFLA_BROADCAST, &[0; 6]);
    b.finish(m);
}

/// An `RTM_NEWLINK` dump datagram of `all`.
fn links(seq: u32, port: u32, all: &[Interface]) -> Vec<u8> {
    let mut b = Builder::new(seq, port);
    for i in all {
        link_message(&mut b, i, NLM_F_MULTI);
    }
    b.out
}

fn links_single(seq: u32, port: u32, i: &Interface) -> Vec<u8> {
    let mut b = Builder::new(seq, port);
    link_message(&mut b, i, 0);
    b.out
}

/// The attributes after a fixed header of `fixed` bytes: `(type, value)`.
fn attributes(body: &[u8], fixed: usize) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut at = fixed;
    while at + 4 <= body.len() {
        let len = u16::from_le_bytes([body[at], body[at + 1]]) as usize;
        let kind = u16::from_le_bytes([body[at + 2], body[at + 3]]) & 0x3fff;
        if len < 4 || at + len > body.len() {
            break;
        }
        out.push((kind, &body[at + 4..at + len]));
        at += (len + 3) & !3;
    }
    out
}

/// The interface a single `RTM_GETLINK` names, by index or `IFLA_IFNAME`
/// (`ENODEV` if none).
fn one_link(body: &[u8]) -> Result<Interface, Errno> {
    if body.len() < 16 {
        return Err(Errno::EINVAL);
    }
    let index = i32::from_le_bytes([body[4], body[5], body[6], body[7]]);
    if index > 0 {
        return interfaces::by_index(index as u32).ok_or(Errno::ENODEV);
    }
    for (kind, value) in attributes(body, 16) {
        if kind == IFLA_IFNAME {
            let end = value.iter().position(|&c| c == 0).unwrap_or(value.len());
            return interfaces::by_name(&value[..end]).ok_or(Errno::ENODEV);
        }
    }
    Err(Errno::EINVAL)
}

/// `RTM_NEWLINK`: only asking an interface for flags it already has succeeds
/// (`ip link set lo up`); other changes are `EOPNOTSUPP`.
fn set_link(body: &[u8]) -> Result<(), Errno> {
    let i = one_link(body)?;
    let flags = u32::from_le_bytes([body[8], body[9], body[10], body[11]]);
    let change = u32::from_le_bytes([body[12], body[13], body[14], body[15]]);
    let change = if change == 0 { u32::MAX } else { change };
    let wanted = flags & change & interfaces::IFF_UP;
    let attrs = attributes(body, 16);
    if wanted == (i.flags & change & interfaces::IFF_UP)
        && attrs.iter().all(|(k, _)| *k == IFLA_IFNAME)
    {
        Ok(())
    } else {
        Err(Errno::EOPNOTSUPP)
    }
}

/// A `struct ifa_cacheinfo` of an address that never expires (preferred and valid
/// lifetimes all ones, timestamps 0).
const FOREVER: [u8; 16] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0,
];

/// An `RTM_NEWADDR` dump datagram: each interface's addresses of `family`
/// (`AF_UNSPEC`: both).
fn addresses(seq: u32, port: u32, family: u16) -> Vec<u8> {
    let mut b = Builder::new(seq, port);
    for i in interfaces::all() {
        if let Some((ip, prefix)) = i.v4.filter(|_| family == AF_UNSPEC || family == AF_INET) {
            let mut f = vec![AF_INET as u8, prefix, IFA_F_PERMANENT, RT_SCOPE_HOST];
            f.extend_from_slice(&i.index.to_le_bytes());
            let m = b.begin(RTM_NEWADDR, NLM_F_MULTI, &f);
            b.attr(IFA_ADDRESS, &ip.octets());
            b.attr(IFA_LOCAL, &ip.octets());
            let mut label = i.name.as_bytes().to_vec();
            label.push(0);
            b.attr(IFA_LABEL, &label);
            b.attr(IFA_FLAGS, &u32::from(IFA_F_PERMANENT).to_le_bytes());
            b.attr(IFA_CACHEINFO, &FOREVER);
            b.finish(m);
        }
        if let Some((ip, prefix)) = i.v6.filter(|_| family == AF_UNSPEC || family == AF_INET6) {
            let mut f = vec![AF_INET6 as u8, prefix, IFA_F_PERMANENT, RT_SCOPE_HOST];
            f.extend_from_slice(&i.index.to_le_bytes());
            let m = b.begin(RTM_NEWADDR, NLM_F_MULTI, &f);
            b.attr(IFA_ADDRESS, &ip.octets());
            b.attr(IFA_FLAGS, &u32::from(IFA_F_PERMANENT).to_le_bytes());
            b.attr(IFA_CACHEINFO, &FOREVER);
            b.finish(m);
        }
    }
    b.out
}

/// An `RTM_NEWROUTE` dump datagram: what a namespace with only `lo` up has — the
/// local table's `127.0.0.0/8`, `127.0.0.1` and broadcast `127.255.255.255`, and
/// `::1` in the main table.
fn routes(seq: u32, port: u32, family: u16) -> Vec<u8> {
    let mut b = Builder::new(seq, port);
    let lo = interfaces::by_index(1);
    let Some(lo) = lo else { return b.out };
    if family == AF_UNSPEC || family == AF_INET {
        if let Some((ip, prefix)) = lo.v4 {
            let net = super::interfaces::netmask(prefix).octets();
            let base: Vec<u8> = ip.octets().iter().zip(net).map(|(a, m)| a & m).collect();
            let broadcast: Vec<u8> = base.iter().zip(net).map(|(a, m)| a | !m).collect();
            let all = [
                (base, prefix, RT_SCOPE_HOST, RTN_LOCAL),
                (ip.octets().to_vec(), 32, RT_SCOPE_HOST, RTN_LOCAL),
                (broadcast, 32, RT_SCOPE_LINK, RTN_BROADCAST),
            ];
            for (dst, len, scope, kind) in all {
                let f = [
                    AF_INET as u8,
                    len,
                    0,
                    0,
                    RT_TABLE_LOCAL,
                    RTPROT_KERNEL,
                    scope,
                    kind,
                    0,
                    0,
                    0,
                    0,
                ];
                let m = b.begin(RTM_NEWROUTE, NLM_F_MULTI, &f);
                b.attr(RTA_TABLE, &u32::from(RT_TABLE_LOCAL).to_le_bytes());
                b.attr(RTA_DST, &dst);
                b.attr(RTA_PREFSRC, &ip.octets());
                b.attr(RTA_OIF, &lo.index.to_le_bytes());
                b.finish(m);
            }
        }
    }
    if family == AF_UNSPEC || family == AF_INET6 {
        if let Some((ip, prefix)) = lo.v6 {
            let f = [
                AF_INET6 as u8,
                prefix,
                0,
                0,
                RT_TABLE_MAIN,
                RTPROT_KERNEL,
                RT_SCOPE_UNIVERSE,
                RTN_UNICAST,
                0,
                0,
                0,
                0,
            ];
            let m = b.begin(RTM_NEWROUTE, NLM_F_MULTI, &f);
            b.attr(RTA_TABLE, &u32::from(RT_TABLE_MAIN).to_le_bytes());
            b.attr(RTA_DST, &ip.octets());
            b.attr(RTA_PRIORITY, &256u32.to_le_bytes());
            b.attr(RTA_OIF, &lo.index.to_le_bytes());
            b.finish(m);
        }
    }
    b.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(kind: u16, flags: u16, body: &[u8]) -> Vec<u8> {
        let mut m = ((NLMSG_HDRLEN + body.len()) as u32).to_le_bytes().to_vec();
        m.extend_from_slice(&kind.to_le_bytes());
        m.extend_from_slice(&flags.to_le_bytes());
        m.extend_from_slice(&7u32.to_le_bytes());
        m.extend_from_slice(&0u32.to_le_bytes());
        m.extend_from_slice(body);
        m
    }

    fn messages(d: &[u8]) -> Vec<Header> {
        let mut out = Vec::new();
        let mut at = 0;
        while at + NLMSG_HDRLEN <= d.len() {
            let h = Header::read(&d[at..]);
            out.push(h);
            at += (h.len as usize + 3) & !3;
        }
        out
    }

    #[test]
    fn a_link_dump_is_lo_then_done() {
        let s = NetlinkSocket::new(3, Ucred::default(), true);
        let req = request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, &[0; 16]);
        assert_eq!(s.send(&req), Ok(req.len()));
        let mut buf = vec![0u8; 8192];
        let (n, _) = s.recv(&mut buf, RecvFlags::default()).unwrap();
        let m = messages(&buf[..n]);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].kind, RTM_NEWLINK);
        assert_eq!(m[0].seq, 7);
        assert!(buf[..n].windows(3).any(|w| w == b"lo\0"));
        let (n, _) = s.recv(&mut buf, RecvFlags::default()).unwrap();
        assert_eq!(messages(&buf[..n])[0].kind, NLMSG_DONE);
        assert_eq!(
            s.recv(&mut buf, RecvFlags::default()).err(),
            Some(Errno::EAGAIN)
        );
    }

    #[test]
    fn changes_are_refused_with_an_error_message() {
        let s = NetlinkSocket::new(3, Ucred::default(), true);
        let req = request(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK, &[0; 8]);
        s.send(&req).unwrap();
        let mut buf = vec![0u8; 512];
        let (n, _) = s.recv(&mut buf, RecvFlags::default()).unwrap();
        let m = messages(&buf[..n]);
        assert_eq!(m[0].kind, NLMSG_ERROR);
        let errno = i32::from_le_bytes(buf[16..20].try_into().unwrap());
        assert_eq!(errno, -Errno::EOPNOTSUPP.0);
    }

    #[test]
    fn an_address_dump_filters_by_family() {
        let v4 = addresses(1, 1, AF_INET);
        let both = addresses(1, 1, AF_UNSPEC);
        assert_eq!(messages(&v4).len(), 1);
        assert_eq!(messages(&both).len(), 2);
    }
}
