//! What the internet socket calls ask of a socket, whichever network it is on: the
//! sandbox's own loopback ([`super::socket::InetSocket`]) or the host's, through a
//! host socket the sentry holds ([`super::host::HostSocket`]). The calls in
//! `syscalls/inet.rs` read and check the guest's arguments and then use only this.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use veil_abi::Errno;
use veil_vfs::FileOps;

use super::addr::Family;
use super::ports::Protocol;
use crate::unix_socket::{RecvFlags, Timeout};

/// A datagram received: bytes copied, its full length, and its sender.
pub struct ReceivedDatagram {
    /// Bytes copied.
    pub len: usize,
    /// The datagram's full length.
    pub full_len: usize,
    /// Its sender.
    pub from: SocketAddr,
}

/// An internet socket. Every blocking method waits interruptibly in the sentry
/// (`ERESTARTSYS`, or `EINTR` under a timeout) and honours `dontwait` and the
/// socket's own non-blocking flag with `EAGAIN`.
pub trait InetOps: FileOps {
    /// `AF_INET` or `AF_INET6`.
    fn family(&self) -> Family;
    /// TCP or UDP.
    fn protocol(&self) -> Protocol;
    /// `bind` to `at` (port 0: ephemeral), by a user `uid` that may bind ports below
    /// 1024 if `privileged`.
    fn bind(&self, at: SocketAddr, uid: u32, privileged: bool) -> Result<(), Errno>;
    /// `listen(backlog)`.
    fn listen(&self, backlog: i32) -> Result<(), Errno>;
    /// TCP `connect` to `dest`.
    fn connect_stream(&self, dest: SocketAddr, dontwait: bool) -> Result<(), Errno>;
    /// UDP `connect` (`None`: `AF_UNSPEC`, dissolve the association).
    fn connect_datagram(&self, dest: Option<SocketAddr>) -> Result<(), Errno>;
    /// TCP `connect(AF_UNSPEC)`.
    fn disconnect(&self) -> Result<(), Errno>;
    /// `accept`: the next connection.
    fn accept(&self, dontwait: bool) -> Result<Arc<dyn InetOps>, Errno>;
    /// Sends `data` (UDP: to `dest` or the associated address).
    fn send(&self, dest: Option<SocketAddr>, data: &[u8], dontwait: bool) -> Result<usize, Errno>;
    /// TCP receive.
    fn recv_stream(&self, buf: &mut [u8], flags: RecvFlags) -> Result<usize, Errno>;
    /// UDP receive (`None`: end of file after `shutdown(SHUT_RD)`).
    fn recv_datagram(
        &self,
        buf: &mut [u8],
        flags: RecvFlags,
    ) -> Result<Option<ReceivedDatagram>, Errno>;
    /// `shutdown`.
    fn shutdown(&self, read: bool, write: bool) -> Result<(), Errno>;
    /// The address `getsockname` reports.
    fn local_name(&self) -> Result<SocketAddr, Errno>;
    /// The address `getpeername` reports (`ENOTCONN` without one).
    fn peer_name(&self) -> Result<SocketAddr, Errno>;
    /// `SO_ERROR`, cleared.
    fn take_error(&self) -> Option<Errno>;
    /// Whether it listens (`SO_ACCEPTCONN`).
    fn is_listening(&self) -> bool;
    /// Whether TCP is connected.
    fn is_connected(&self) -> bool;
    /// `SO_RCVBUF` and `SO_SNDBUF`.
    fn buffers(&self) -> (usize, usize);
    /// Sets `SO_RCVBUF` (`rcv`) or `SO_SNDBUF`.
    fn set_buffer(&self, rcv: bool, size: usize);
    /// `SO_RCVTIMEO`/`SO_SNDTIMEO`.
    fn timeout(&self, which: Timeout) -> Option<Duration>;
    /// Sets `SO_RCVTIMEO`/`SO_SNDTIMEO` (`None`: wait for ever).
    fn set_timeout(&self, which: Timeout, t: Option<Duration>);
    /// `SO_LINGER`: on, and seconds.
    fn linger(&self) -> (bool, i32);
    /// Sets `SO_LINGER`.
    fn set_linger(&self, on: bool, secs: i32);
    /// `IPV6_V6ONLY`.
    fn v6only(&self) -> bool;
    /// Sets `IPV6_V6ONLY` (`EINVAL` once bound).
    fn set_v6only(&self, on: bool) -> Result<(), Errno>;
    /// An integer option of the stored kinds (`net::options`).
    fn option(&self, level: i32, name: i32) -> Result<i32, Errno>;
    /// Sets an integer option of the stored kinds.
    fn set_option(&self, level: i32, name: i32, value: i32) -> Result<(), Errno>;

    /// `read(2)` of the socket: a TCP receive, or one datagram (its sender
    /// dropped).
    fn read_file(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        match self.protocol() {
            Protocol::Tcp => self.recv_stream(buf, RecvFlags::default()),
            Protocol::Udp => Ok(self
                .recv_datagram(buf, RecvFlags::default())?
                .map_or(0, |d| d.len)),
        }
    }

    /// `SOCK_STREAM` or `SOCK_DGRAM`.
    fn sock_type(&self) -> i32 {
        match self.protocol() {
            Protocol::Tcp => crate::unix_socket::SOCK_STREAM,
            Protocol::Udp => crate::unix_socket::SOCK_DGRAM,
        }
    }

    /// The `IPPROTO_*` number.
    fn protocol_number(&self) -> i32 {
        match self.protocol() {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
        }
    }
}

/// The internet socket behind `file`, on either network.
pub fn inet_of(file: &veil_vfs::OpenFile) -> Option<Arc<dyn InetOps>> {
    let any = file.ops.clone().as_any_arc()?;
    let any = match any.downcast::<super::socket::InetSocket>() {
        Ok(s) => return Some(s),
        Err(any) => any,
    };
    any.downcast::<super::host::HostSocket>()
        .ok()
        .map(|s| s as Arc<dyn InetOps>)
}
