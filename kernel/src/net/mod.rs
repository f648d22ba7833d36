//! The sandbox's network: internet sockets (`AF_INET`, `AF_INET6`; TCP and UDP) on a
//! loopback-only network that lives entirely in the sentry (`--network=none`).
//!
//! * [`addr`]: guest socket addresses and which addresses are the sandbox's.
//! * [`ports`]: the port table (`bind` rules, ephemeral ports, lookups).
//! * [`socket`]: the socket itself: TCP over an in-sentry stream pair, UDP queues.
//! * [`options`]: the socket options that are stored values.
//! * [`interfaces`]: the interfaces the sandbox has (`lo`), for `ioctl` and netlink.
//! * [`netlink`]: `NETLINK_ROUTE` sockets answering for those interfaces.

pub mod addr;
pub mod interfaces;
pub mod netlink;
pub mod options;
pub mod ports;
pub mod socket;

/// The network of one sandbox.
#[derive(Default)]
pub struct Netstack {
    /// Every bound socket.
    pub ports: ports::PortTable,
}
