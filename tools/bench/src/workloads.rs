//! The real-program rows: whole commands timed from outside (wall time from
//! spawn to reap, median of several runs), natively and under `veil do`, plus
//! a pipe ping-pong timed inside the guest (tests/programs/pipe_pingpong.c).
//!
//! - `python3 -c pass`: interpreter start-up (Debian's /usr/bin/python3);
//! - `gcc hello.c`: compiling and linking tests/programs/hello.c (cc1, as,
//!   collect2 and ld are all sandboxed processes under veil), into a fresh
//!   output file per run;
//! - `tar c /usr/share | gzip -1`: a `sh -c` pipeline reading a large host
//!   tree through the overlay's lower layer, compressed output to /dev/null;
//! - pipe ping-pong: one byte bounced between a parent and its child over two
//!   pipes, time per round trip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::{median, run};

/// Time limit for one run of any workload.
const LIMIT: Duration = Duration::from_secs(600);
/// Round trips per pipe ping-pong run.
const PINGPONG_ROUNDS: u64 = 5000;

/// One workload row.
pub struct Workload {
    /// The row's name.
    pub name: &'static str,
    /// The unit of its figures ("ms" or "us").
    pub unit: &'static str,
    /// Runs per figure (the median is shown).
    pub runs: u64,
}

/// The rows, in order: python3, gcc, tar|gzip, pipe ping-pong.
pub const WORKLOADS: [Workload; 4] = [
    Workload {
        name: "python3 -c pass",
        unit: "ms",
        runs: 10,
    },
    Workload {
        name: "gcc hello.c",
        unit: "ms",
        runs: 5,
    },
    Workload {
        name: "tar c /usr/share | gzip -1",
        unit: "ms",
        runs: 3,
    },
    Workload {
        name: "pipe ping-pong round trip",
        unit: "us",
        runs: 5,
    },
];

/// What the workloads need: the sources and the built ping-pong program.
pub struct Inputs<'a> {
    /// tests/programs/hello.c.
    pub hello_c: PathBuf,
    /// The compiled tests/programs/pipe_pingpong.c.
    pub pipe_pingpong: &'a Path,
    /// A scratch directory for gcc's output.
    pub scratch: PathBuf,
}

/// `program args…`, natively or as `veil do -- program args…`.
fn command(veil: Option<&Path>, program: &str, args: &[&str]) -> Command {
    let mut cmd = match veil {
        Some(v) => {
            let mut c = Command::new(v);
            c.arg("do").arg("--").arg(program);
            c
        }
        None => Command::new(program),
    };
    cmd.args(args);
    cmd
}

/// The median over `w.runs` runs of workload `index`, in its unit, natively
/// (`veil` None) or under veil.
pub fn measure(index: usize, inputs: &Inputs, veil: Option<&Path>) -> Result<f64, String> {
    let w = &WORKLOADS[index];
    let prefix = if veil.is_some() { "veil do -- " } else { "" };
    let what = format!("{prefix}{}", w.name);
    let mut figures = Vec::new();
    for n in 0..w.runs {
        let figure = match index {
            0 => wall_ms(
                &mut command(veil, "/usr/bin/python3", &["-c", "pass"]),
                &what,
            )?,
            1 => {
                let out = inputs.scratch.join(format!("hello-{n}"));
                let out = out.to_string_lossy();
                let src = inputs.hello_c.to_string_lossy();
                let ms = wall_ms(&mut command(veil, "gcc", &["-o", &out, &src]), &what)?;
                let _ = std::fs::remove_file(&*out);
                ms
            }
            2 => {
                let pipeline = "tar c /usr/share 2>/dev/null | gzip -1 > /dev/null";
                wall_ms(&mut command(veil, "/bin/sh", &["-c", pipeline]), &what)?
            }
            _ => {
                let prog = inputs.pipe_pingpong.to_string_lossy();
                let mut cmd = command(veil, &prog, &[&PINGPONG_ROUNDS.to_string()]);
                let done = run::run(&mut cmd, LIMIT)?;
                done.check_success(&what)?;
                done.stdout
                    .lines()
                    .find_map(|l| l.strip_prefix("us_per_round_trip="))
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .ok_or_else(|| format!("{what}: no us_per_round_trip=<float> in its output"))?
            }
        };
        figures.push(figure);
    }
    Ok(median(&figures))
}

/// Runs `cmd` to completion; its wall time in ms, or an error unless it exited 0.
fn wall_ms(cmd: &mut Command, what: &str) -> Result<f64, String> {
    let done = run::run(cmd, LIMIT)?;
    done.check_success(what)?;
    Ok(done.elapsed.as_secs_f64() * 1e3)
}
