//! The socket options of an internet socket that are values kept for the guest:
//! which `(level, name)` pairs exist for which protocol, their defaults, and how a
//! set value reads back. Options with behaviour (`SO_ERROR`, buffers, timeouts,
//! `IPV6_V6ONLY`...) are decided by the socket itself (`net::socket`); this file only
//! stores.

use std::collections::BTreeMap;

use veil_abi::Errno;

use super::ports::Protocol;

/// `SOL_SOCKET`.
pub const SOL_SOCKET: i32 = 1;
/// `IPPROTO_IP`.
pub const SOL_IP: i32 = 0;
/// `IPPROTO_TCP`.
pub const SOL_TCP: i32 = 6;
/// `IPPROTO_UDP`.
pub const SOL_UDP: i32 = 17;
/// `IPPROTO_IPV6`.
pub const SOL_IPV6: i32 = 41;

/// `SO_REUSEADDR`.
pub const SO_REUSEADDR: i32 = 2;
/// `SO_REUSEPORT`.
pub const SO_REUSEPORT: i32 = 15;
/// `IP_TTL`.
pub const IP_TTL: i32 = 2;
/// `IPV6_UNICAST_HOPS`.
pub const IPV6_UNICAST_HOPS: i32 = 16;
/// `IPV6_V6ONLY`.
pub const IPV6_V6ONLY: i32 = 26;

/// How an option's value reads back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Any non-zero value reads back as 1.
    Bool,
    /// The value as set.
    Int,
    /// A hop limit: -1 sets the default back, else 1..=255 (`EINVAL` otherwise).
    Hops,
    /// 0..=255 (a TOS or traffic class byte).
    Byte,
}

/// Which protocols an option is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum For {
    /// Every internet socket.
    All,
    /// TCP sockets.
    Tcp,
    /// UDP sockets.
    Udp,
}

/// The stored options: `(level, name, kind, for, default)`.
const STORED: &[(i32, i32, Kind, For, i32)] = &[
    (SOL_SOCKET, 5, Kind::Bool, For::All, 0),  // SO_DONTROUTE
    (SOL_SOCKET, 6, Kind::Bool, For::All, 0),  // SO_BROADCAST
    (SOL_SOCKET, 9, Kind::Bool, For::All, 0),  // SO_KEEPALIVE
    (SOL_SOCKET, 10, Kind::Bool, For::All, 0), // SO_OOBINLINE
    (SOL_SOCKET, 11, Kind::Bool, For::All, 0), // SO_NO_CHECK
    (SOL_SOCKET, 12, Kind::Int, For::All, 0),  // SO_PRIORITY
    (SOL_SOCKET, 18, Kind::Int, For::All, 1),  // SO_RCVLOWAT
    (SOL_SOCKET, 19, Kind::Int, For::All, 1),  // SO_SNDLOWAT
    (SOL_SOCKET, SO_REUSEADDR, Kind::Bool, For::All, 0), // SO_REUSEADDR
    (SOL_SOCKET, SO_REUSEPORT, Kind::Bool, For::All, 0), // SO_REUSEPORT
    (SOL_SOCKET, 29, Kind::Bool, For::All, 0), // SO_TIMESTAMP
    (SOL_SOCKET, 35, Kind::Bool, For::All, 0), // SO_TIMESTAMPNS
    (SOL_SOCKET, 36, Kind::Int, For::All, 0),  // SO_MARK
    (SOL_SOCKET, 46, Kind::Int, For::All, 0),  // SO_BUSY_POLL
    (SOL_IP, 1, Kind::Byte, For::All, 0),      // IP_TOS
    (SOL_IP, IP_TTL, Kind::Hops, For::All, 64), // IP_TTL
    (SOL_IP, 6, Kind::Bool, For::All, 0),      // IP_RECVOPTS
    (SOL_IP, 8, Kind::Bool, For::All, 0),      // IP_PKTINFO
    (SOL_IP, 10, Kind::Int, For::All, 1),      // IP_MTU_DISCOVER
    (SOL_IP, 11, Kind::Bool, For::All, 0),     // IP_RECVERR
    (SOL_IP, 12, Kind::Bool, For::All, 0),     // IP_RECVTTL
    (SOL_IP, 13, Kind::Bool, For::All, 0),     // IP_RECVTOS
    (SOL_IP, 15, Kind::Bool, For::All, 0),     // IP_FREEBIND
    (SOL_IP, 24, Kind::Bool, For::All, 0),     // IP_BIND_ADDRESS_NO_PORT
    (SOL_IP, 33, Kind::Int, For::All, 1),      // IP_MULTICAST_TTL
    (SOL_IP, 34, Kind::Bool, For::All, 1),     // IP_MULTICAST_LOOP
    (SOL_TCP, 1, Kind::Bool, For::Tcp, 0),     // TCP_NODELAY
    (SOL_TCP, 3, Kind::Bool, For::Tcp, 0),     // TCP_CORK
    (SOL_TCP, 4, Kind::Int, For::Tcp, 7200),   // TCP_KEEPIDLE
    (SOL_TCP, 5, Kind::Int, For::Tcp, 75),     // TCP_KEEPINTVL
    (SOL_TCP, 6, Kind::Int, For::Tcp, 9),      // TCP_KEEPCNT
    (SOL_TCP, 7, Kind::Int, For::Tcp, 6),      // TCP_SYNCNT
    (SOL_TCP, 8, Kind::Int, For::Tcp, 60),     // TCP_LINGER2
    (SOL_TCP, 9, Kind::Int, For::Tcp, 0),      // TCP_DEFER_ACCEPT
    (SOL_TCP, 10, Kind::Int, For::Tcp, 0),     // TCP_WINDOW_CLAMP
    (SOL_TCP, 12, Kind::Bool, For::Tcp, 1),    // TCP_QUICKACK
    (SOL_TCP, 18, Kind::Int, For::Tcp, 0),     // TCP_USER_TIMEOUT
    (SOL_TCP, 23, Kind::Int, For::Tcp, 0),     // TCP_FASTOPEN
    (SOL_TCP, 25, Kind::Int, For::Tcp, -1),    // TCP_NOTSENT_LOWAT
    (SOL_UDP, 1, Kind::Bool, For::Udp, 0),     // UDP_CORK
    (SOL_IPV6, IPV6_UNICAST_HOPS, Kind::Hops, For::All, 64), // IPV6_UNICAST_HOPS
    (SOL_IPV6, 18, Kind::Hops, For::All, 1),   // IPV6_MULTICAST_HOPS
    (SOL_IPV6, 19, Kind::Bool, For::All, 1),   // IPV6_MULTICAST_LOOP
    (SOL_IPV6, 23, Kind::Int, For::All, -1),   // IPV6_MTU_DISCOVER
    (SOL_IPV6, 25, Kind::Bool, For::All, 0),   // IPV6_RECVERR
    (SOL_IPV6, 49, Kind::Bool, For::All, 0),   // IPV6_RECVPKTINFO
    (SOL_IPV6, 66, Kind::Bool, For::All, 0),   // IPV6_RECVTCLASS
    (SOL_IPV6, 67, Kind::Hops, For::All, 0),   // IPV6_TCLASS
];

/// Whether `level` is an IPv6 level an IPv4 socket lacks (`ENOPROTOOPT` there).
fn level_exists(level: i32, v6: bool) -> bool {
    match level {
        SOL_SOCKET | SOL_IP | SOL_TCP | SOL_UDP => true,
        SOL_IPV6 => v6,
        _ => false,
    }
}

fn entry(protocol: Protocol, level: i32, name: i32) -> Option<(Kind, i32)> {
    STORED.iter().find_map(|&(l, n, kind, f, default)| {
        let applies = match f {
            For::All => true,
            For::Tcp => protocol == Protocol::Tcp,
            For::Udp => protocol == Protocol::Udp,
        };
        (l == level && n == name && applies).then_some((kind, default))
    })
}

/// The stored options of one socket.
#[derive(Clone, Default)]
pub struct StoredOptions {
    values: BTreeMap<(i32, i32), i32>,
}

impl StoredOptions {
    /// The value of `(level, name)` for a socket of `protocol` (`v6`: an IPv6
    /// socket); `ENOPROTOOPT` if it has no such option.
    pub fn get(&self, protocol: Protocol, v6: bool, level: i32, name: i32) -> Result<i32, Errno> {
        if !level_exists(level, v6) {
            return Err(Errno::ENOPROTOOPT);
        }
        let (_, default) = entry(protocol, level, name).ok_or(Errno::ENOPROTOOPT)?;
        Ok(*self.values.get(&(level, name)).unwrap_or(&default))
    }

    /// Sets `(level, name)` to `value`: `ENOPROTOOPT` if there is no such option,
    /// `EINVAL` for a hop limit or byte out of range.
    pub fn set(
        &mut self,
        protocol: Protocol,
        v6: bool,
        level: i32,
        name: i32,
        value: i32,
    ) -> Result<(), Errno> {
        if !level_exists(level, v6) {
            return Err(Errno::ENOPROTOOPT);
        }
        let (kind, default) = entry(protocol, level, name).ok_or(Errno::ENOPROTOOPT)?;
        let stored = match kind {
            Kind::Bool => i32::from(value != 0),
            Kind::Int => value,
            Kind::Hops if value == -1 => default,
            Kind::Hops if (1..=255).contains(&value) || (name == 67 && value == 0) => value,
            Kind::Hops => return Err(Errno::EINVAL),
            Kind::Byte => value & 0xff,
        };
        self.values.insert((level, name), stored);
        Ok(())
    }

    /// Whether a boolean option is on (`false` if it does not exist).
    pub fn flag(&self, protocol: Protocol, level: i32, name: i32) -> bool {
        self.get(protocol, true, level, name).unwrap_or(0) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_read_back_as_one_and_hops_reset() {
        let mut o = StoredOptions::default();
        o.set(Protocol::Tcp, false, SOL_SOCKET, SO_REUSEADDR, 7)
            .unwrap();
        assert_eq!(o.get(Protocol::Tcp, false, SOL_SOCKET, SO_REUSEADDR), Ok(1));
        assert_eq!(o.get(Protocol::Tcp, false, SOL_IP, IP_TTL), Ok(64));
        o.set(Protocol::Tcp, false, SOL_IP, IP_TTL, 9).unwrap();
        assert_eq!(o.get(Protocol::Tcp, false, SOL_IP, IP_TTL), Ok(9));
        o.set(Protocol::Tcp, false, SOL_IP, IP_TTL, -1).unwrap();
        assert_eq!(o.get(Protocol::Tcp, false, SOL_IP, IP_TTL), Ok(64));
        assert_eq!(
            o.set(Protocol::Tcp, false, SOL_IP, IP_TTL, 256),
            Err(Errno::EINVAL)
        );
    }

    #[test]
    fn options_belong_to_their_protocol_and_family() {
        let o = StoredOptions::default();
        assert_eq!(
            o.get(Protocol::Udp, false, SOL_TCP, 1),
            Err(Errno::ENOPROTOOPT)
        );
        assert_eq!(
            o.get(Protocol::Tcp, false, SOL_IPV6, IPV6_UNICAST_HOPS),
            Err(Errno::ENOPROTOOPT)
        );
        assert_eq!(
            o.get(Protocol::Tcp, true, SOL_IPV6, IPV6_UNICAST_HOPS),
            Ok(64)
        );
    }
}
