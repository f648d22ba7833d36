//! The sandbox's port table: which internet sockets are bound to which port, the
//! conflict rules of `bind` (`SO_REUSEADDR`, `SO_REUSEPORT`, `IPV6_V6ONLY`), ephemeral
//! ports, and finding the socket a connection or datagram is for.
//!
//! Locks: the table's lock is taken before any socket's state lock, never after.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use veil_abi::Errno;

use super::addr::canonical;
use super::socket::InetSocket;

/// First and last ephemeral port (Linux's `net.ipv4.ip_local_port_range`).
pub const EPHEMERAL: (u16, u16) = (32768, 60999);

/// The transport protocol of a binding: TCP and UDP have separate port spaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `IPPROTO_TCP`.
    Tcp,
    /// `IPPROTO_UDP`.
    Udp,
}

/// Which addresses a bound socket takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cover {
    /// IPv4: one address, or all (`None`, bound to `0.0.0.0`).
    V4(Option<Ipv4Addr>),
    /// IPv6: one address, or all (`None`, `::` with `IPV6_V6ONLY`).
    V6(Option<Ipv6Addr>),
    /// Every address of both families (`::` without `IPV6_V6ONLY`).
    Any,
}

impl Cover {
    /// What a socket bound to `ip` takes (`v6only`: its `IPV6_V6ONLY`).
    pub fn of(ip: IpAddr, v6only: bool) -> Cover {
        match canonical(SocketAddr::new(ip, 0)).ip() {
            IpAddr::V4(v4) if v4.is_unspecified() => Cover::V4(None),
            IpAddr::V4(v4) => Cover::V4(Some(v4)),
            IpAddr::V6(v6) if v6.is_unspecified() && !v6only => Cover::Any,
            IpAddr::V6(v6) if v6.is_unspecified() => Cover::V6(None),
            IpAddr::V6(v6) => Cover::V6(Some(v6)),
        }
    }

    /// Whether the two take a common address.
    pub fn overlaps(self, other: Cover) -> bool {
        match (self, other) {
            (Cover::Any, _) | (_, Cover::Any) => true,
            (Cover::V4(a), Cover::V4(b)) => a.is_none() || b.is_none() || a == b,
            (Cover::V6(a), Cover::V6(b)) => a.is_none() || b.is_none() || a == b,
            _ => false,
        }
    }

    /// How well it takes `dest` (a canonical address): 2 exactly, 1 as a wildcard,
    /// 0 not at all.
    pub fn matches(self, dest: IpAddr) -> u8 {
        match (self, dest) {
            (Cover::V4(Some(a)), IpAddr::V4(d)) if a == d => 2,
            (Cover::V6(Some(a)), IpAddr::V6(d)) if a == d => 2,
            (Cover::V4(None), IpAddr::V4(_)) | (Cover::V6(None), IpAddr::V6(_)) => 1,
            (Cover::Any, _) => 1,
            _ => 0,
        }
    }
}

/// What `bind` recorded of a socket.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    /// The addresses it takes.
    pub cover: Cover,
    /// `SO_REUSEADDR` when it bound.
    pub reuseaddr: bool,
    /// `SO_REUSEPORT` when it bound.
    pub reuseport: bool,
    /// The binder's effective uid (`SO_REUSEPORT` is shared by one user only).
    pub uid: u32,
}

impl Binding {
    /// Whether a new binding `self` may not share a port with `old`, which is
    /// listening if `old_listens` (TCP's `SO_REUSEADDR` does not share a listener's
    /// port).
    pub fn conflicts(&self, old: &Binding, protocol: Protocol, old_listens: bool) -> bool {
        if !self.cover.overlaps(old.cover) {
            return false;
        }
        if self.reuseport && old.reuseport && self.uid == old.uid {
            return false;
        }
        let addr_shared =
            self.reuseaddr && old.reuseaddr && (protocol == Protocol::Udp || !old_listens);
        !addr_shared
    }
}

struct Entry {
    binding: Binding,
    sock: Weak<InetSocket>,
}

/// Every bound internet socket of a sandbox, by protocol and port.
#[derive(Default)]
pub struct PortTable {
    entries: Mutex<HashMap<(Protocol, u16), Vec<Entry>>>,
    next_ephemeral: Mutex<u16>,
}

impl PortTable {
    /// Records `sock` at `port` (0: a free ephemeral port) with `binding`; returns the
    /// port. `EADDRINUSE` if a live socket there conflicts; `EADDRINUSE` too when no
    /// ephemeral port is free (Linux's answer for an exhausted range).
    pub fn bind(
        &self,
        protocol: Protocol,
        port: u16,
        binding: Binding,
        sock: &Arc<InetSocket>,
    ) -> Result<u16, Errno> {
        let mut entries = self.entries.lock();
        let port = if port == 0 {
            self.free_ephemeral(&mut entries, protocol)?
        } else {
            port
        };
        let list = entries.entry((protocol, port)).or_default();
        list.retain(|e| e.sock.strong_count() > 0);
        for e in list.iter() {
            let Some(old) = e.sock.upgrade() else {
                continue;
            };
            if binding.conflicts(&e.binding, protocol, old.is_listening()) {
                return Err(Errno::EADDRINUSE);
            }
        }
        list.push(Entry {
            binding,
            sock: Arc::downgrade(sock),
        });
        Ok(port)
    }

    fn free_ephemeral(
        &self,
        entries: &mut HashMap<(Protocol, u16), Vec<Entry>>,
        protocol: Protocol,
    ) -> Result<u16, Errno> {
        let mut next = self.next_ephemeral.lock();
        let span = u32::from(EPHEMERAL.1 - EPHEMERAL.0) + 1;
        for _ in 0..span {
            if *next < EPHEMERAL.0 || *next > EPHEMERAL.1 {
                *next = EPHEMERAL.0;
            }
            let port = *next;
            *next = next.wrapping_add(1);
            let used = entries
                .get(&(protocol, port))
                .is_some_and(|l| l.iter().any(|e| e.sock.strong_count() > 0));
            if !used {
                return Ok(port);
            }
        }
        Err(Errno::EADDRINUSE)
    }

    /// Forgets `sock`'s binding at `port` (it is closing).
    pub fn unbind(&self, protocol: Protocol, port: u16, sock: *const InetSocket) {
        let mut entries = self.entries.lock();
        if let Some(list) = entries.get_mut(&(protocol, port)) {
            list.retain(|e| e.sock.strong_count() > 0 && !std::ptr::eq(e.sock.as_ptr(), sock));
            if list.is_empty() {
                entries.remove(&(protocol, port));
            }
        }
    }

    /// The socket at `dest` that `accept` decides for: the best match (an exact
    /// address before a wildcard) among the live sockets `wanted` accepts.
    pub fn find(
        &self,
        protocol: Protocol,
        dest: SocketAddr,
        wanted: impl Fn(&InetSocket) -> bool,
    ) -> Option<Arc<InetSocket>> {
        let dest = canonical(dest);
        let entries = self.entries.lock();
        let list = entries.get(&(protocol, dest.port()))?;
        let mut best: Option<(u8, Arc<InetSocket>)> = None;
        for e in list {
            let score = e.binding.cover.matches(dest.ip());
            if score == 0 || best.as_ref().is_some_and(|(s, _)| *s >= score) {
                continue;
            }
            if let Some(sock) = e.sock.upgrade() {
                if wanted(&sock) {
                    best = Some((score, sock));
                }
            }
        }
        best.map(|(_, s)| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(ip: &str, v6only: bool, reuseaddr: bool) -> Binding {
        Binding {
            cover: Cover::of(ip.parse().unwrap(), v6only),
            reuseaddr,
            reuseport: false,
            uid: 0,
        }
    }

    #[test]
    fn wildcards_overlap_their_family_and_dual_stack_both() {
        let any4 = binding("0.0.0.0", false, false);
        let lo4 = binding("127.0.0.1", false, false);
        let lo4b = binding("127.0.0.2", false, false);
        let any6 = binding("::", false, false);
        let any6only = binding("::", true, false);
        assert!(lo4.conflicts(&any4, Protocol::Tcp, false));
        assert!(!lo4.conflicts(&lo4b, Protocol::Tcp, false));
        assert!(any6.conflicts(&lo4, Protocol::Tcp, false));
        assert!(!any6only.conflicts(&lo4, Protocol::Tcp, false));
    }

    #[test]
    fn reuseaddr_shares_unless_tcp_listens() {
        let a = binding("127.0.0.1", false, true);
        let b = binding("127.0.0.1", false, true);
        assert!(!b.conflicts(&a, Protocol::Tcp, false));
        assert!(b.conflicts(&a, Protocol::Tcp, true));
        assert!(!b.conflicts(&a, Protocol::Udp, true));
    }

    #[test]
    fn exact_addresses_match_before_wildcards() {
        let d: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(Cover::of("127.0.0.1".parse().unwrap(), false).matches(d), 2);
        assert_eq!(Cover::of("0.0.0.0".parse().unwrap(), false).matches(d), 1);
        assert_eq!(Cover::of("::".parse().unwrap(), false).matches(d), 1);
        assert_eq!(Cover::of("::".parse().unwrap(), true).matches(d), 0);
        assert_eq!(Cover::of("::1".parse().unwrap(), false).matches(d), 0);
    }
}
