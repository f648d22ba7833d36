//! The loopback network rows, timed inside the guest by tests/programs/net_bench.c,
//! natively (the host's loopback) and under `veil do` (the sentry's):
//!
//! - TCP bulk: 1 GiB in 64 KiB writes from a child to its parent, in MiB/s (so
//!   the ratio is veil's throughput over native: higher is better);
//! - TCP connect + accept + close of both ends, per connection;
//! - UDP one-byte request/response between two processes, per round trip;
//! - TCP bulk again under `veil do --network=host`, the guest's sockets host
//!   sockets the sentry holds.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::{median, run};

/// Time limit for one net_bench run.
const LIMIT: Duration = Duration::from_secs(300);

/// One network row.
#[derive(Clone, Copy)]
pub struct NetCase {
    /// The row's name.
    pub name: &'static str,
    /// net_bench's MODE.
    mode: &'static str,
    /// net_bench's N.
    count: u64,
    /// The key of the figure net_bench prints (`key=<float>`).
    key: &'static str,
    /// The figure's unit.
    pub unit: &'static str,
    /// Under `--network=host` (else the sandbox's own loopback).
    host: bool,
}

/// The rows, in order.
pub const CASES: [NetCase; 4] = [
    NetCase {
        name: "TCP bulk 1 GiB (64 KiB)",
        mode: "tcp_bulk",
        count: 1024,
        key: "mib_per_s",
        unit: "MB/s",
        host: false,
    },
    NetCase {
        name: "TCP connect+accept+close",
        mode: "tcp_connect",
        count: 2000,
        key: "us_per_connection",
        unit: "us",
        host: false,
    },
    NetCase {
        name: "UDP request/response",
        mode: "udp_rr",
        count: 5000,
        key: "us_per_round_trip",
        unit: "us",
        host: false,
    },
    NetCase {
        name: "TCP bulk, --network=host",
        mode: "tcp_bulk",
        count: 1024,
        key: "mib_per_s",
        unit: "MB/s",
        host: true,
    },
];

/// The median over `repeats` runs of `case`, natively (`veil` None) or under veil.
pub fn measure(
    case: NetCase,
    net_bench: &Path,
    veil: Option<&Path>,
    repeats: u64,
) -> Result<f64, String> {
    let what = format!(
        "{}net_bench {}",
        if veil.is_some() { "veil do -- " } else { "" },
        case.mode
    );
    let mut figures = Vec::new();
    for _ in 0..repeats {
        let mut cmd = match veil {
            Some(v) => {
                let mut c = Command::new(v);
                c.arg("do");
                if case.host {
                    c.arg("--network=host");
                }
                c.arg("--").arg(net_bench);
                c
            }
            None => Command::new(net_bench),
        };
        cmd.arg(case.mode).arg(case.count.to_string());
        let done = run::run(&mut cmd, LIMIT)?;
        done.check_success(&what)?;
        let prefix = format!("{}=", case.key);
        let figure = done
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .ok_or_else(|| format!("{what}: no {prefix}<float> in its output"))?;
        figures.push(figure);
    }
    Ok(median(&figures))
}
