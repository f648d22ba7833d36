//! `/proc/net`: the sandbox's sockets and interfaces in Linux's text formats —
//! `tcp`, `tcp6`, `udp`, `udp6` (the loopback sockets, as `netstat` and `ss` read
//! them), `dev`, `if_inet6` and `route` (the interfaces of `net::interfaces`).
//! Under `--network=host` every file is the host's own (the sentry's network
//! namespace's): the guest's sockets and interfaces are the host's there.

use std::fmt::Write;
use std::net::{IpAddr, SocketAddr};
use std::sync::Weak;

use veil_abi::Errno;
use veil_vfs::inode::InodeRef;

use super::node::{self, Owner, Table};
use crate::net::addr::Family;
use crate::net::ports::Protocol;
use crate::net::socket::SocketInfo;
use crate::net::{interfaces, NetworkMode};
use crate::Kernel;

/// The `/proc/net` directory at `path`.
pub(super) fn dir(path: &str, kernel: Weak<Kernel>) -> InodeRef {
    let mut t = Table::new();
    for (name, family, protocol) in [
        ("tcp", Family::V4, Protocol::Tcp),
        ("tcp6", Family::V6, Protocol::Tcp),
        ("udp", Family::V4, Protocol::Udp),
        ("udp6", Family::V6, Protocol::Udp),
    ] {
        let k = kernel.clone();
        t.file(
            name,
            0o444,
            Owner::ROOT,
            node::generate(move || {
                let kernel = k.upgrade().ok_or(Errno::ENOENT)?;
                if kernel.config.network == NetworkMode::Host {
                    return host_file(name);
                }
                let all: Vec<SocketInfo> = kernel
                    .net
                    .sockets()
                    .iter()
                    .map(|s| s.info())
                    // Only sockets with a port are in Linux's tables (and listed).
                    .filter(|i| i.family == family && i.protocol == protocol && i.local.port() != 0)
                    .collect();
                Ok(format_sockets(family, protocol, &all).into_bytes())
            }),
        );
    }
    let interface_files: [(&'static str, Format); 3] = [
        ("dev", format_dev),
        ("if_inet6", format_if_inet6),
        ("route", format_route),
    ];
    for (name, format) in interface_files {
        let k = kernel.clone();
        t.file(
            name,
            0o444,
            Owner::ROOT,
            node::generate(move || {
                let kernel = k.upgrade().ok_or(Errno::ENOENT)?;
                if kernel.config.network == NetworkMode::Host {
                    return host_file(name);
                }
                Ok(format().into_bytes())
            }),
        );
    }
    node::dir(path, 0o555, Owner::ROOT, t)
}

/// Makes the text of one of the interface files.
type Format = fn() -> String;

/// The host's `/proc/net/NAME`, as the sentry's network namespace has it.
fn host_file(name: &str) -> Result<Vec<u8>, Errno> {
    std::fs::read(format!("/proc/self/net/{name}")).map_err(Errno::from)
}

/// An address as `/proc/net/tcp` prints it: the IP's 32-bit words as the host holds
/// them (network byte order read little-endian), then the port.
fn hex_address(family: Family, addr: SocketAddr) -> String {
    let octets: Vec<u8> = match (family, addr.ip()) {
        (Family::V4, IpAddr::V4(v4)) => v4.octets().to_vec(),
        (Family::V4, IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or([0; 4], |v4| v4.octets())
            .to_vec(),
        (Family::V6, IpAddr::V4(v4)) => v4.to_ipv6_mapped().octets().to_vec(),
        (Family::V6, IpAddr::V6(v6)) => v6.octets().to_vec(),
    };
    let mut out = String::new();
    for word in octets.chunks_exact(4) {
        let w = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
        let _ = write!(out, "{w:08X}");
    }
    let _ = write!(out, ":{:04X}", addr.port());
    out
}

/// The text of `/proc/net/{tcp,tcp6,udp,udp6}` for `sockets`.
pub fn format_sockets(family: Family, protocol: Protocol, sockets: &[SocketInfo]) -> String {
    let (addr_col, rem_col) = match family {
        Family::V4 => ("local_address", "rem_address  "),
        Family::V6 => (
            "local_address                        ",
            "remote_address                       ",
        ),
    };
    let mut out = match protocol {
        Protocol::Tcp => format!(
            "  sl  {addr_col} {rem_col} st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        ),
        Protocol::Udp => format!(
            "   sl  {addr_col} {rem_col} st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
        ),
    };
    for (sl, s) in sockets.iter().enumerate() {
        let width = if protocol == Protocol::Tcp { 4 } else { 5 };
        let _ = write!(
            out,
            "{sl:>width$}: {} {} {:02X} {:08X}:{:08X} 00:00000000 00000000 {:>5} {:>8} {} 2 0000000000000000",
            hex_address(family, s.local),
            hex_address(family, s.remote),
            s.state,
            s.tx_queue,
            s.rx_queue,
            s.uid,
            0,
            s.ino,
        );
        out.push_str(match protocol {
            Protocol::Tcp => " 100 0 0 10 0\n",
            Protocol::Udp => " 0\n",
        });
    }
    out
}

/// `/proc/net/dev`: every interface, with zero counters.
fn format_dev() -> String {
    let mut out = String::from(
        "Inter-|   Receive                                                |  Transmit\n \
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n",
    );
    for i in interfaces::all() {
        let _ = writeln!(
            out,
            "{:>6}: {:>7} {:>7} {:>4} {:>4} {:>4} {:>5} {:>10} {:>9} {:>8} {:>7} {:>4} {:>4} {:>4} {:>5} {:>7} {:>10}",
            i.name, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
        );
    }
    out
}

/// `/proc/net/if_inet6`: each IPv6 address (hex, index, prefix, scope, flags, name).
fn format_if_inet6() -> String {
    let mut out = String::new();
    for i in interfaces::all() {
        if let Some((ip, prefix)) = i.v6 {
            let hex: String = ip.octets().iter().map(|b| format!("{b:02x}")).collect();
            let scope = if ip.is_loopback() { 0x10 } else { 0 };
            let _ = writeln!(
                out,
                "{hex} {:02x} {prefix:02x} {scope:02x} 80 {:>8}",
                i.index, i.name
            );
        }
    }
    out
}

/// `/proc/net/route`: the IPv4 main table, which has no route with only `lo`.
fn format_route() -> String {
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_line_is_linuxs() {
        let info = SocketInfo {
            family: Family::V4,
            protocol: Protocol::Tcp,
            local: "127.0.0.1:7777".parse().unwrap(),
            remote: "0.0.0.0:0".parse().unwrap(),
            state: 10,
            rx_queue: 0,
            tx_queue: 128,
            uid: 0,
            ino: 42,
        };
        let text = format_sockets(Family::V4, Protocol::Tcp, &[info]);
        let line = text.lines().nth(1).unwrap();
        assert!(
            line.starts_with("   0: 0100007F:1E61 00000000:0000 0A 00000080:00000000"),
            "{line}"
        );
        assert!(line.contains(" 42 "), "{line}");
    }

    #[test]
    fn ipv6_loopback_is_four_words() {
        let a: SocketAddr = "[::1]:80".parse().unwrap();
        assert_eq!(
            hex_address(Family::V6, a),
            "00000000000000000000000001000000:0050"
        );
    }
}
