//! The sandbox's network: internet sockets (`AF_INET`, `AF_INET6`; TCP and UDP) on a
//! loopback-only network that lives entirely in the sentry (`--network=none`).
//!
//! * [`addr`]: guest socket addresses and which addresses are the sandbox's.
//! * [`ports`]: the port table (`bind` rules, ephemeral ports, lookups).
//! * [`budget`]: the bound on the bytes the sandbox's socket buffers hold.
//! * [`ops`]: what the socket calls ask of an internet socket, on either network.
//! * [`socket`]: the loopback socket: TCP over an in-sentry stream pair, UDP queues.
//! * [`host`]: a socket on the host's network, through a host socket the sentry
//!   holds (`--network=host`), and the thread that hears when host sockets are ready.
//! * [`options`]: the socket options that are stored values.
//! * [`interfaces`]: the interfaces the sandbox has (`lo`), for `ioctl` and netlink.
//! * [`netlink`]: `NETLINK_ROUTE` sockets answering for those interfaces.

pub mod addr;
pub mod budget;
pub mod host;
pub mod interfaces;
pub mod netlink;
pub mod ops;
pub mod options;
pub mod ports;
pub mod socket;

/// What `fstat` says of a socket: an `S_IFSOCK` inode `ino` owned by `owner`.
pub fn socket_stat(ino: u64, owner: crate::unix_socket::Ucred) -> veil_abi::structs::Stat {
    veil_abi::structs::Stat {
        st_ino: ino,
        st_mode: veil_abi::flags::mode::S_IFSOCK | 0o777,
        st_nlink: 1,
        st_uid: owner.uid,
        st_gid: owner.gid,
        st_blksize: 4096,
        ..Default::default()
    }
}

/// Which network a sandbox's internet sockets are on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NetworkMode {
    /// The sandbox's own loopback, in the sentry (`--network=none`).
    #[default]
    Loopback,
    /// The network namespace the sentry runs in, through host sockets the sentry
    /// holds (`--network=host`).
    Host,
}

/// The network of one sandbox.
#[derive(Default)]
pub struct Netstack {
    /// Every bound socket.
    pub ports: ports::PortTable,
    /// What the socket buffers may hold.
    pub budget: std::sync::Arc<budget::BufferBudget>,
    /// Every loopback socket, for `/proc/net` (dead entries are pruned as it grows).
    sockets: parking_lot::Mutex<Vec<std::sync::Weak<socket::InetSocket>>>,
}

impl Netstack {
    /// A network whose socket buffers hold at most `budget` bytes.
    pub fn new(budget: usize) -> Netstack {
        Netstack {
            budget: std::sync::Arc::new(budget::BufferBudget::new(budget)),
            ..Netstack::default()
        }
    }

    /// Records a new socket for [`Netstack::sockets`].
    pub fn register(&self, sock: std::sync::Weak<socket::InetSocket>) {
        let mut all = self.sockets.lock();
        if all.len() >= 64 && all.len().is_power_of_two() {
            all.retain(|w| w.strong_count() > 0);
        }
        all.push(sock);
    }

    /// The live loopback sockets, oldest first.
    pub fn sockets(&self) -> Vec<std::sync::Arc<socket::InetSocket>> {
        self.sockets
            .lock()
            .iter()
            .filter_map(std::sync::Weak::upgrade)
            .collect()
    }
}
