//! `veil-bench --veil PATH`: each operation natively (or at its floor) and
//! under Veil in the same run, with the ratio.
//!
//! Rows:
//! - getpid round trip: the guest's `syscall(SYS_getpid)` under `veil do`
//!   (tests/programs/getpid_loop.c) against the floor for any ptrace
//!   sentry, a raw PTRACE_SYSEMU + waitpid + GETREGS + SETREGS round trip
//!   that veil-bench measures itself with a tracee of its own;
//! - getpid vs native: the same guest number against getpid on the host;
//! - startup: median wall time of `veil do -- hello` against running
//!   `hello` natively (tests/programs/hello.c);
//! - copy-up: the first write of one byte to a 256 MiB host file under
//!   `veil do` (open + write + close in the guest, tests/programs/copyup.c),
//!   which copies the file up into the overlay's memory upper layer, against
//!   host `cp` of the same file (see copyup.rs);
//! - fork: fork + exit + wait, fork + exec + wait of a static binary, and
//!   fork + exit + wait from a 64 MiB touched heap, each timed in the guest
//!   (tests/programs/fork_loop.c), natively and under `veil do` (fork.rs);
//! - real programs: `python3 -c pass`, `gcc` of hello.c, `tar c /usr/share |
//!   gzip -1` to /dev/null (wall time of the whole command), and a pipe
//!   ping-pong between two processes (timed in the guest), natively and
//!   under `veil do` (workloads.rs);
//! - loopback network: TCP bulk throughput, TCP connection rate and UDP
//!   request/response latency, timed in the guest (tests/programs/net_bench.c),
//!   natively and under `veil do` (network.rs);
//! - OCI: `run` of a busybox container's /bin/true, create + start + delete, and
//!   the RSS of a container running sleep, with runc as the reference (oci.rs).
//!
//! Unless `--no-pin`, veil-bench first pins itself to one CPU, so its
//! tracee, veil and veil's guests (which inherit the affinity) all share it:
//! the floor and veil pay the same tracer/tracee context switches.
//!
//! The closing `check:` lines compare against the project's targets; they
//! are informational and the exit status is 0 whichever way they go. It is
//! 1 when something other than veil fails (gcc, the floor, a native run) and
//! 2 for a bad command line.

mod copyup;
mod floor;
mod fork;
mod network;
mod oci;
mod programs;
mod run;
mod workloads;

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Duration;

use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
use nix::unistd::Pid;

/// Target: a guest getpid costs at most this many times the ptrace floor.
const GETPID_RATIO_TARGET: f64 = 1.30;
/// Target: `veil do -- hello` takes at most this many milliseconds.
const STARTUP_MS_TARGET: f64 = 20.0;
/// Target: copying a 256 MiB file up takes at most this fraction of host `cp`.
const COPYUP_RATIO_TARGET: f64 = 0.50;
/// Target: `veil run` of /bin/true takes at most this many times runc's.
const OCI_RUN_RATIO_TARGET: f64 = 1.5;
/// Target: a container running sleep holds at most this much memory, KiB.
const OCI_SLEEP_RSS_TARGET_KIB: f64 = 10.0 * 1024.0;
/// Time limit for one getpid_loop run.
const GETPID_LIMIT: Duration = Duration::from_secs(300);
/// Time limit for one hello run.
const STARTUP_LIMIT: Duration = Duration::from_secs(30);

const USAGE: &str = "usage: veil-bench --veil PATH [--iterations N] [--repeats N] \
[--startup-runs N] [--no-pin]

  --veil PATH         the veil binary to measure
  --iterations N      getpid calls per timed batch, guest and floor alike (100000)
  --repeats N         timed batches per getpid figure; the median is shown (5)
  --startup-runs N    runs per startup figure; the median is shown (20)
  --no-pin            leave the CPU affinity alone instead of pinning to one CPU";

/// Command line.
struct Args {
    /// The veil binary to measure.
    veil: PathBuf,
    /// getpid calls per timed batch, in the guest and at the floor alike.
    iterations: u64,
    /// Timed batches per getpid figure; the median is reported.
    repeats: u64,
    /// Runs per startup figure; the median is reported.
    startup_runs: u64,
    /// Leave the CPU affinity alone instead of pinning everything to one CPU.
    no_pin: bool,
}

impl Args {
    /// Parses `--flag VALUE` and `--flag=VALUE` forms; `Err` is the message.
    fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut veil = None;
        let mut args = Args {
            veil: PathBuf::new(),
            iterations: 100_000,
            repeats: 5,
            startup_runs: 20,
            no_pin: false,
        };
        while let Some(arg) = argv.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f.to_string(), Some(v.to_string())),
                None => (arg.clone(), None),
            };
            if flag == "--no-pin" && inline.is_none() {
                args.no_pin = true;
                continue;
            }
            if flag == "-h" || flag == "--help" {
                return Err(String::new());
            }
            let known = ["--veil", "--iterations", "--repeats", "--startup-runs"];
            if !known.contains(&flag.as_str()) {
                return Err(format!("unknown argument {arg}"));
            }
            let value = inline
                .or_else(|| argv.next())
                .ok_or_else(|| format!("{flag} needs a value"))?;
            if flag == "--veil" {
                veil = Some(PathBuf::from(value));
                continue;
            }
            let count = value
                .parse::<u64>()
                .ok()
                .filter(|&v| v > 0)
                .ok_or_else(|| format!("{flag} {value}: not a positive number"))?;
            match flag.as_str() {
                "--iterations" => args.iterations = count,
                "--repeats" => args.repeats = count,
                _ => args.startup_runs = count,
            }
        }
        args.veil = veil.ok_or("--veil PATH is required")?;
        Ok(args)
    }
}

/// The median of a non-empty list.
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// Pins this process (and so everything it starts) to the first CPU it may
/// run on; returns that CPU.
fn pin_to_one_cpu() -> Result<usize, String> {
    let me = Pid::from_raw(0);
    let allowed = sched_getaffinity(me).map_err(|e| format!("sched_getaffinity: {e}"))?;
    let cpu = (0..CpuSet::count())
        .find(|&c| allowed.is_set(c).unwrap_or(false))
        .ok_or("no CPU in this process's affinity mask")?;
    let mut one = CpuSet::new();
    one.set(cpu)
        .map_err(|e| format!("CpuSet::set({cpu}): {e}"))?;
    sched_setaffinity(me, &one).map_err(|e| format!("sched_setaffinity(CPU {cpu}): {e}"))?;
    Ok(cpu)
}

/// Runs `cmd` (a getpid_loop) and parses its `ns_per_call=`.
fn getpid_ns(cmd: &mut Command, what: &str) -> Result<f64, String> {
    let done = run::run(cmd, GETPID_LIMIT)?;
    done.check_success(what)?;
    done.stdout
        .lines()
        .find_map(|l| l.strip_prefix("ns_per_call="))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .ok_or_else(|| format!("{what}: no ns_per_call=<float> in its output"))
}

/// The median of `repeats` getpid_loop runs.
fn getpid_median(make: &dyn Fn() -> Command, repeats: u64, what: &str) -> Result<f64, String> {
    let mut ns = Vec::new();
    for _ in 0..repeats {
        ns.push(getpid_ns(&mut make(), what)?);
    }
    Ok(median(&ns))
}

/// The median wall time in ms of `runs` runs of `make()`, each of which
/// must exit 0 and print "hello, world".
fn startup_ms(make: &dyn Fn() -> Command, runs: u64, what: &str) -> Result<f64, String> {
    let mut ms = Vec::new();
    for _ in 0..runs {
        let done = run::run(&mut make(), STARTUP_LIMIT)?;
        done.check_success(what)?;
        if done.stdout != "hello, world\n" {
            return Err(format!("{what}: printed {:?}, not hello", done.stdout));
        }
        ms.push(done.elapsed.as_secs_f64() * 1e3);
    }
    Ok(median(&ms))
}

/// One line of the table.
fn row(name: &str, base: f64, unit: &str, veil: &Result<f64, String>) {
    match veil {
        Ok(v) => println!(
            "{name:<28} {base:>12.2} {unit:<2} {v:>12.2} {unit:<2} {:>8.2}",
            v / base
        ),
        Err(_) => println!(
            "{name:<28} {base:>12.2} {unit:<2} {:>15} {:>8}",
            "error", "-"
        ),
    }
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("veil-bench: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if !args.veil.is_file() {
        eprintln!("veil-bench: --veil {}: no such file", args.veil.display());
        return ExitCode::from(2);
    }
    match bench(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("veil-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn bench(args: &Args) -> Result<(), String> {
    let pinned = if args.no_pin {
        None
    } else {
        Some(pin_to_one_cpu()?)
    };
    let sources = programs::find_sources()?;
    let built = programs::build(
        &sources,
        &[
            "getpid_loop",
            "hello",
            "copyup",
            "fork_loop",
            "pipe_pingpong",
            "net_bench",
        ],
    )?;
    let getpid_loop = built.path("getpid_loop");
    let hello = built.path("hello");
    let n = args.iterations.to_string();

    // First, while veil-bench has a single thread: the floor forks.
    let floor = floor::measure(args.iterations as usize, args.repeats as usize)?;
    let floor_regs = median(&floor.with_regs);
    let floor_bare = median(&floor.bare);

    let native_getpid = getpid_median(
        &|| {
            let mut c = Command::new(&getpid_loop);
            c.arg(&n);
            c
        },
        args.repeats,
        "native getpid_loop",
    )?;
    let veil_getpid = getpid_median(
        &|| {
            let mut c = Command::new(&args.veil);
            c.arg("do").arg("--").arg(&getpid_loop).arg(&n);
            c
        },
        args.repeats,
        "veil do -- getpid_loop",
    );
    let native_startup = startup_ms(&|| Command::new(&hello), args.startup_runs, "native hello")?;
    let veil_startup = startup_ms(
        &|| {
            let mut c = Command::new(&args.veil);
            c.arg("do").arg("--").arg(&hello);
            c
        },
        args.startup_runs,
        "veil do -- hello",
    );
    let copyup = copyup::measure(&args.veil, &built.path("copyup"))?;
    let fork_loop = built.path("fork_loop");
    let mut forks = Vec::new();
    for case in fork::CASES {
        let native = fork::measure(case, &fork_loop, None, args.repeats)?;
        let veil = fork::measure(case, &fork_loop, Some(&args.veil), args.repeats);
        forks.push((case.name, native, veil));
    }
    let net_bench = built.path("net_bench");
    let mut nets = Vec::new();
    for case in network::CASES {
        let native = network::measure(case, &net_bench, None, args.repeats)?;
        let veil = network::measure(case, &net_bench, Some(&args.veil), args.repeats);
        nets.push((case, native, veil));
    }
    let containers = oci::Bench::new().and_then(|b| {
        let runc = b.measure(std::path::Path::new("runc"), "runc")?;
        // The runtime commands run in the bundle: the path must not be relative.
        let veil_path = std::fs::canonicalize(&args.veil).map_err(|e| e.to_string())?;
        let veil = b.measure(&veil_path, "veil");
        Ok((runc, veil))
    });
    let pipe_pingpong = built.path("pipe_pingpong");
    let inputs = workloads::Inputs {
        hello_c: sources.join("hello.c"),
        pipe_pingpong: &pipe_pingpong,
        scratch: built.path(""),
    };
    let mut real = Vec::new();
    for (i, w) in workloads::WORKLOADS.iter().enumerate() {
        let native = workloads::measure(i, &inputs, None)?;
        let veil = workloads::measure(i, &inputs, Some(&args.veil));
        real.push((w, native, veil));
    }

    println!(
        "veil-bench: {}; getpid: median of {} batches of {} calls; startup: median of {} runs",
        args.veil.display(),
        args.repeats,
        args.iterations,
        args.startup_runs
    );
    match pinned {
        Some(cpu) => {
            println!("pinning: veil-bench, its ptrace tracee, veil and its guests all on CPU {cpu}")
        }
        None => println!("pinning: none (--no-pin)"),
    }
    println!();
    println!(
        "{:<28} {:>15} {:>15} {:>8}",
        "operation", "native/floor", "veil", "ratio"
    );
    row("getpid round trip (floor)", floor_regs, "ns", &veil_getpid);
    row("getpid (vs native)", native_getpid, "ns", &veil_getpid);
    row("startup", native_startup, "ms", &veil_startup);
    row(
        &format!("copy-up {} MiB (vs cp)", copyup::COPYUP_MIB),
        copyup.cp_ms,
        "ms",
        &copyup.veil_ms,
    );
    for (name, native, veil) in &forks {
        row(name, *native, "us", veil);
    }
    for (w, native, veil) in &real {
        row(w.name, *native, w.unit, veil);
    }
    for (case, native, veil) in &nets {
        row(case.name, *native, case.unit, veil);
    }
    if let Ok((runc, veil)) = &containers {
        let pick = |f: fn(&oci::Figures) -> f64| veil.as_ref().map(f).map_err(Clone::clone);
        row(
            "OCI run /bin/true (runc)",
            runc.run_ms,
            "ms",
            &pick(|f| f.run_ms),
        );
        row(
            "OCI create+start+delete",
            runc.lifecycle_ms,
            "ms",
            &pick(|f| f.lifecycle_ms),
        );
        row(
            "OCI sleep RSS (KiB)",
            runc.sleep_rss_kib,
            "KB",
            &pick(|f| f.sleep_rss_kib),
        );
    }
    println!();
    println!(
        "floor: raw PTRACE_SYSEMU + waitpid + GETREGS + SETREGS, measured by veil-bench \
         ({floor_bare:.2} ns without GETREGS/SETREGS)"
    );
    println!("native getpid: {native_getpid:.2} ns");
    println!(
        "copy-up: host `cp` of a {} MiB file in {} (removed afterwards), median of {} runs \
         after one untimed cp, so cp and veil both read the file from a warm page cache \
         (not dropped: that needs root); veil: open(O_WRONLY) + 1-byte write + close timed \
         in the guest, median of {} fresh `veil do` runs",
        copyup::COPYUP_MIB,
        copyup.dir.display(),
        copyup::COPYUP_RUNS,
        copyup::COPYUP_RUNS
    );
    println!(
        "fork: time per round measured in the guest, median of {} runs each",
        args.repeats
    );
    for (what, result) in [
        ("veil getpid", &veil_getpid),
        ("veil startup", &veil_startup),
        ("veil copy-up", &copyup.veil_ms),
    ] {
        if let Err(e) = result {
            println!("{what}: error: {e}");
        }
    }
    println!(
        "real programs: wall time of the whole command (spawn to reap), median of {}; \
         pipe ping-pong: time per round trip measured in the guest",
        workloads::WORKLOADS
            .iter()
            .map(|w| format!("{} runs of {}", w.runs, w.name))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (name, _, veil) in &forks {
        if let Err(e) = veil {
            println!("veil {name}: error: {e}");
        }
    }
    for (w, _, veil) in &real {
        if let Err(e) = veil {
            println!("veil {}: error: {e}", w.name);
        }
    }
    println!(
        "network: loopback, timed in the guest, median of {} runs each; TCP bulk in \
         MiB/s (ratio above 1: veil is faster)",
        args.repeats
    );
    for (case, _, veil) in &nets {
        if let Err(e) = veil {
            println!("veil {}: error: {e}", case.name);
        }
    }
    match &containers {
        Ok((_, Err(e))) => println!("veil OCI: error: {e}"),
        Err(e) => println!("OCI rows skipped: {e}"),
        Ok(_) => println!(
            "OCI: busybox bundle, median of fresh containers; RSS: the container's pid \
             (veil's sentry) and its children (veil's stubs)"
        ),
    }
    println!();
    match &veil_getpid {
        Ok(v) => {
            let ratio = v / floor_regs;
            let verdict = if ratio <= GETPID_RATIO_TARGET {
                "PASS"
            } else {
                "FAIL"
            };
            println!("check: getpid ratio {ratio:.2} <= {GETPID_RATIO_TARGET:.2}: {verdict}");
        }
        Err(_) => println!("check: getpid ratio n/a <= {GETPID_RATIO_TARGET:.2}: FAIL"),
    }
    match &veil_startup {
        Ok(ms) => {
            let verdict = if *ms <= STARTUP_MS_TARGET {
                "PASS"
            } else {
                "FAIL"
            };
            println!("check: startup {ms:.2} ms <= {STARTUP_MS_TARGET:.0} ms: {verdict}");
        }
        Err(_) => println!("check: startup n/a ms <= {STARTUP_MS_TARGET:.0} ms: FAIL"),
    }
    match &copyup.veil_ms {
        Ok(ms) => {
            let ratio = ms / copyup.cp_ms;
            let verdict = if ratio <= COPYUP_RATIO_TARGET {
                "PASS"
            } else {
                "FAIL"
            };
            println!("check: copy-up ratio {ratio:.4} <= {COPYUP_RATIO_TARGET:.2}: {verdict}");
        }
        Err(_) => println!("check: copy-up ratio n/a <= {COPYUP_RATIO_TARGET:.2}: FAIL"),
    }
    // The network targets: bulk throughput at least native's, a connection at
    // most twice native's time (half the rate), a UDP round trip at most 3x, host
    // mode's bulk throughput at least 0.8x native's.
    if let Ok((runc, Ok(veil))) = &containers {
        let ratio = veil.run_ms / runc.run_ms;
        let verdict = if ratio <= OCI_RUN_RATIO_TARGET {
            "PASS"
        } else {
            "FAIL"
        };
        println!("check: OCI run ratio {ratio:.2} <= {OCI_RUN_RATIO_TARGET:.2}: {verdict}");
        let ratio = veil.lifecycle_ms / runc.lifecycle_ms;
        let verdict = if ratio <= 1.0 { "PASS" } else { "FAIL" };
        println!("check: OCI create+start+delete ratio {ratio:.2} <= 1.00: {verdict}");
        let kib = veil.sleep_rss_kib;
        let verdict = if kib <= OCI_SLEEP_RSS_TARGET_KIB {
            "PASS"
        } else {
            "FAIL"
        };
        println!(
            "check: OCI sleep RSS {kib:.0} KiB <= {OCI_SLEEP_RSS_TARGET_KIB:.0} KiB: {verdict}"
        );
    }
    let targets = [(">=", 1.0), ("<=", 2.0), ("<=", 3.0), (">=", 0.8)];
    for ((case, native, veil), (op, target)) in nets.iter().zip(targets) {
        match veil {
            Ok(v) => {
                let ratio = v / native;
                let ok = if op == ">=" {
                    ratio >= target
                } else {
                    ratio <= target
                };
                let verdict = if ok { "PASS" } else { "FAIL" };
                println!(
                    "check: {} ratio {ratio:.2} {op} {target:.2}: {verdict}",
                    case.name
                );
            }
            Err(_) => println!("check: {} ratio n/a {op} {target:.2}: FAIL", case.name),
        }
    }
    Ok(())
}
