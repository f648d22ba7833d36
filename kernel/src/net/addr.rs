//! Internet socket addresses as the guest passes them: `struct sockaddr_in` and
//! `struct sockaddr_in6` in guest bytes, and which addresses are this sandbox's own.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use veil_abi::Errno;

/// `AF_UNSPEC`.
pub const AF_UNSPEC: u16 = 0;
/// `AF_INET`.
pub const AF_INET: u16 = 2;
/// `AF_INET6`.
pub const AF_INET6: u16 = 10;
/// `sizeof(struct sockaddr_in)`.
pub const SOCKADDR_IN_SIZE: usize = 16;
/// `sizeof(struct sockaddr_in6)`.
pub const SOCKADDR_IN6_SIZE: usize = 28;
/// The smallest `sockaddr_in6` Linux takes (RFC 2133's, without `sin6_scope_id`).
const SIN6_LEN_RFC2133: usize = 24;

/// The family of an internet socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// `AF_INET`.
    V4,
    /// `AF_INET6`.
    V6,
}

impl Family {
    /// The `AF_*` number.
    pub fn number(self) -> u16 {
        match self {
            Family::V4 => AF_INET,
            Family::V6 => AF_INET6,
        }
    }

    /// The unspecified address of the family, port 0 (`getsockname` of an unbound
    /// socket).
    pub fn unspecified(self) -> SocketAddr {
        match self {
            Family::V4 => SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
            Family::V6 => SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
        }
    }

    /// The loopback address of the family.
    pub fn loopback(self) -> IpAddr {
        match self {
            Family::V4 => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Family::V6 => IpAddr::V6(Ipv6Addr::LOCALHOST),
        }
    }
}

/// What the guest passed as an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuestAddr {
    /// `AF_UNSPEC` (`connect`: dissolve a datagram association).
    Unspec,
    /// An internet address.
    Inet(SocketAddr),
}

/// Reads the address of `raw` (the guest's bytes, of the length it gave) for a
/// socket of `family`. `EINVAL` when too short for the family; `EAFNOSUPPORT` for
/// another family. A `sockaddr_in` given to an IPv6 socket is `EINVAL` by length
/// first, as Linux checks.
pub fn parse(family: Family, raw: &[u8]) -> Result<GuestAddr, Errno> {
    if raw.len() < 2 {
        return Err(Errno::EINVAL);
    }
    let af = u16::from_le_bytes([raw[0], raw[1]]);
    let need = match family {
        Family::V4 => SOCKADDR_IN_SIZE,
        Family::V6 => SIN6_LEN_RFC2133,
    };
    if af == AF_UNSPEC {
        return Ok(GuestAddr::Unspec);
    }
    if raw.len() < need {
        return Err(Errno::EINVAL);
    }
    let port = u16::from_be_bytes([raw[2], raw[3]]);
    match (family, af) {
        (Family::V4, AF_INET) => {
            let ip = Ipv4Addr::new(raw[4], raw[5], raw[6], raw[7]);
            Ok(GuestAddr::Inet(SocketAddr::V4(SocketAddrV4::new(ip, port))))
        }
        (Family::V6, AF_INET6) => {
            let flowinfo = u32::from_be_bytes([raw[4], raw[5], raw[6], raw[7]]);
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&raw[8..24]);
            let scope = if raw.len() >= SOCKADDR_IN6_SIZE {
                u32::from_le_bytes([raw[24], raw[25], raw[26], raw[27]])
            } else {
                0
            };
            Ok(GuestAddr::Inet(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(octets),
                port,
                flowinfo,
                scope,
            ))))
        }
        _ => Err(Errno::EAFNOSUPPORT),
    }
}

/// The guest bytes of `addr` as a socket of `family` reports it: an IPv6 socket
/// shows an IPv4 peer as `::ffff:a.b.c.d`.
pub fn encode(family: Family, addr: SocketAddr) -> Vec<u8> {
    match (family, addr) {
        (Family::V4, SocketAddr::V4(a)) => {
            let mut out = vec![0u8; SOCKADDR_IN_SIZE];
            out[..2].copy_from_slice(&AF_INET.to_le_bytes());
            out[2..4].copy_from_slice(&a.port().to_be_bytes());
            out[4..8].copy_from_slice(&a.ip().octets());
            out
        }
        (Family::V4, SocketAddr::V6(a)) => {
            let ip = a.ip().to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED);
            encode(Family::V4, SocketAddr::from((ip, a.port())))
        }
        (Family::V6, SocketAddr::V4(a)) => encode(
            Family::V6,
            SocketAddr::V6(SocketAddrV6::new(a.ip().to_ipv6_mapped(), a.port(), 0, 0)),
        ),
        (Family::V6, SocketAddr::V6(a)) => {
            let mut out = vec![0u8; SOCKADDR_IN6_SIZE];
            out[..2].copy_from_slice(&AF_INET6.to_le_bytes());
            out[2..4].copy_from_slice(&a.port().to_be_bytes());
            out[4..8].copy_from_slice(&a.flowinfo().to_be_bytes());
            out[8..24].copy_from_slice(&a.ip().octets());
            out[24..28].copy_from_slice(&a.scope_id().to_le_bytes());
            out
        }
    }
}

/// `addr` with an IPv4-mapped IPv6 address turned into the IPv4 one, so addresses
/// compare the same whichever family's socket used them.
pub fn canonical(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(a) => match a.ip().to_ipv4_mapped() {
            Some(ip) => SocketAddr::from((ip, a.port())),
            None => SocketAddr::V6(SocketAddrV6::new(*a.ip(), a.port(), 0, 0)),
        },
        v4 => v4,
    }
}

/// Whether `ip` is one of the sandbox's own addresses, with only the loopback
/// interface: `127.0.0.0/8` and `::1`.
pub fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.is_loopback(),
            None => v6.is_loopback(),
        },
    }
}

/// Where a connection or datagram to `ip` goes: the unspecified address means the
/// host itself (Linux sends it to loopback). `None` if `ip` is not reachable: there
/// is no route off the loopback interface.
pub fn destination(ip: IpAddr) -> Option<IpAddr> {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    if ip.is_unspecified() {
        return Some(match ip {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    is_local(ip).then_some(ip)
}

/// The source address a socket with no bound address uses towards `dest` (the
/// route's preferred source: `127.0.0.1` or `::1`).
pub fn source_for(dest: IpAddr) -> IpAddr {
    match dest {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockaddr_in_round_trips() {
        let a: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let raw = encode(Family::V4, a);
        assert_eq!(raw.len(), 16);
        assert_eq!(&raw[2..4], &[0x1f, 0x90]);
        assert_eq!(parse(Family::V4, &raw), Ok(GuestAddr::Inet(a)));
        assert_eq!(parse(Family::V4, &raw[..15]), Err(Errno::EINVAL));
        assert_eq!(parse(Family::V6, &raw), Err(Errno::EINVAL));
    }

    #[test]
    fn ipv6_sockets_see_ipv4_peers_mapped() {
        let a: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let raw = encode(Family::V6, a);
        assert_eq!(raw.len(), 28);
        let GuestAddr::Inet(back) = parse(Family::V6, &raw).unwrap() else {
            panic!("not inet")
        };
        assert_eq!(canonical(back), a);
    }

    #[test]
    fn only_loopback_is_reachable() {
        assert!(destination("10.0.0.1".parse().unwrap()).is_none());
        assert_eq!(
            destination("0.0.0.0".parse().unwrap()),
            Some("127.0.0.1".parse().unwrap())
        );
        assert_eq!(
            destination("::ffff:127.0.0.2".parse().unwrap()),
            Some("127.0.0.2".parse().unwrap())
        );
        assert!(destination("::1".parse().unwrap()).is_some());
    }
}
