//! The network interfaces of the sandbox: with `--network=none`, only the loopback
//! interface `lo`, as a fresh network namespace has it once brought up.

use std::net::{Ipv4Addr, Ipv6Addr};

/// `IFF_UP`.
pub const IFF_UP: u32 = 0x1;
/// `IFF_LOOPBACK`.
pub const IFF_LOOPBACK: u32 = 0x8;
/// `IFF_RUNNING`.
pub const IFF_RUNNING: u32 = 0x40;
/// `IFF_LOWER_UP`.
pub const IFF_LOWER_UP: u32 = 0x10000;
/// `ARPHRD_LOOPBACK`.
pub const ARPHRD_LOOPBACK: u16 = 772;

/// One interface.
#[derive(Clone, Debug)]
pub struct Interface {
    /// `ifindex`.
    pub index: u32,
    /// Its name (at most 15 bytes).
    pub name: &'static str,
    /// `IFF_*` flags.
    pub flags: u32,
    /// Its MTU.
    pub mtu: u32,
    /// `ARPHRD_*` type.
    pub kind: u16,
    /// IPv4 address and prefix length.
    pub v4: Option<(Ipv4Addr, u8)>,
    /// IPv6 address and prefix length.
    pub v6: Option<(Ipv6Addr, u8)>,
}

/// The sandbox's interfaces, by index.
pub fn all() -> Vec<Interface> {
    vec![Interface {
        index: 1,
        name: "lo",
        flags: IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP,
        mtu: 65536,
        kind: ARPHRD_LOOPBACK,
        v4: Some((Ipv4Addr::LOCALHOST, 8)),
        v6: Some((Ipv6Addr::LOCALHOST, 128)),
    }]
}

/// The interface named `name`.
pub fn by_name(name: &[u8]) -> Option<Interface> {
    all().into_iter().find(|i| i.name.as_bytes() == name)
}

/// The interface with index `index`.
pub fn by_index(index: u32) -> Option<Interface> {
    all().into_iter().find(|i| i.index == index)
}

/// The IPv4 netmask of a prefix length.
pub fn netmask(prefix: u8) -> Ipv4Addr {
    let bits = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix.min(32)))
    };
    Ipv4Addr::from(bits)
}
