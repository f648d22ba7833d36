//! The fork rows: fork + exit + wait, fork + exec + wait of a static binary, and
//! fork + exit + wait from a process with a large touched heap, natively and under
//! `veil do`, timed inside the guest by tests/programs/fork_loop.c.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::{median, run};

/// Heap the parent touches before forking, in the large-heap row.
pub const HEAP_MIB: u64 = 64;
/// Time limit for one fork_loop run.
const LIMIT: Duration = Duration::from_secs(300);

/// One kind of fork round the rows measure.
#[derive(Clone, Copy)]
pub struct ForkCase {
    /// The row's name.
    pub name: &'static str,
    /// `exit` or `exec` (fork_loop's MODE).
    mode: &'static str,
    /// Rounds per run.
    rounds: u64,
    /// Heap to touch first, MiB.
    heap_mib: u64,
}

/// The rows, in order.
pub const CASES: [ForkCase; 3] = [
    ForkCase {
        name: "fork+exit+wait",
        mode: "exit",
        rounds: 200,
        heap_mib: 0,
    },
    ForkCase {
        name: "fork+exec+wait (static)",
        mode: "exec",
        rounds: 100,
        heap_mib: 0,
    },
    ForkCase {
        name: "fork+exit+wait, 64 MiB heap",
        mode: "exit",
        rounds: 20,
        heap_mib: HEAP_MIB,
    },
];

/// Runs `cmd` (a fork_loop) and parses its `us_per_fork=`.
fn us_per_fork(cmd: &mut Command, what: &str) -> Result<f64, String> {
    let done = run::run(cmd, LIMIT)?;
    done.check_success(what)?;
    done.stdout
        .lines()
        .find_map(|l| l.strip_prefix("us_per_fork="))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .ok_or_else(|| format!("{what}: no us_per_fork=<float> in its output"))
}

/// The median over `repeats` runs of `case`, natively (`veil` None) or under veil.
pub fn measure(
    case: ForkCase,
    fork_loop: &Path,
    veil: Option<&Path>,
    repeats: u64,
) -> Result<f64, String> {
    let mut us = Vec::new();
    for _ in 0..repeats {
        let mut cmd = match veil {
            Some(v) => {
                let mut c = Command::new(v);
                c.arg("do").arg("--").arg(fork_loop);
                c
            }
            None => Command::new(fork_loop),
        };
        cmd.arg(case.mode).arg(case.rounds.to_string());
        if case.heap_mib > 0 {
            cmd.arg(case.heap_mib.to_string());
        }
        let what = format!(
            "{}fork_loop {}",
            if veil.is_some() { "veil do -- " } else { "" },
            case.name
        );
        us.push(us_per_fork(&mut cmd, &what)?);
    }
    Ok(median(&us))
}
