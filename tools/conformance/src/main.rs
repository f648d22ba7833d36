//! `veil-conformance`: the runner of the syscall conformance suite (`tests/syscalls`).
//!
//! Builds every family file with the host gcc, runs each case natively and behind the
//! sandbox's command prefix (by default `veil do --`), in parallel, each run with a
//! time limit; prints one line per case, then exactly
//! `conformance: N passed, M failed`. A case passes when it passed both natively and
//! in the sandbox. M counts the cases that failed in the sandbox and are not in
//! KNOWN_FAILURES, plus every case that failed natively (a wrong case). The exit status
//! is non-zero when M > 0. The per-case results go to `OUT/results.tsv`, which
//! `veil syscalls --coverage` joins with the syscall table.

mod exec;
mod known;
mod report;
mod suite;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::Parser;

use crate::exec::run_case;
use crate::report::CaseResult;
use crate::suite::Case;

/// The command line.
#[derive(Parser, Debug)]
#[command(
    name = "veil-conformance",
    about = "Runs the syscall conformance suite natively and in a sandbox"
)]
struct Args {
    /// The suite's directory.
    #[arg(long, default_value = "tests/syscalls")]
    suite: PathBuf,
    /// Where binaries, logs and results.tsv go.
    #[arg(long, default_value = "target/conformance")]
    out: PathBuf,
    /// The sandbox's command prefix, split at white space; the case's command follows it.
    #[arg(long, default_value = "target/debug/veil do --")]
    sandbox: String,
    /// Cases run at once (default: twice the CPUs; cases mostly wait).
    #[arg(long)]
    jobs: Option<usize>,
    /// Time limit of one run of one case, in seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Only cases whose id contains this text.
    #[arg(long)]
    filter: Option<String>,
    /// List the cases and exit.
    #[arg(long)]
    list: bool,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("veil-conformance: {e}");
            ExitCode::from(2)
        }
    }
}

fn absolute(p: &std::path::Path) -> Result<PathBuf, String> {
    std::path::absolute(p).map_err(|e| format!("{}: {e}", p.display()))
}

fn run(args: Args) -> Result<ExitCode, String> {
    let started = Instant::now();
    let suite = absolute(&args.suite)?;
    let out = absolute(&args.out)?;
    let bin_dir = out.join("bin");
    let log_dir = out.join("logs");
    let tmp_dir = out.join("tmp");
    for d in [&bin_dir, &log_dir, &tmp_dir] {
        std::fs::create_dir_all(d).map_err(|e| format!("creating {}: {e}", d.display()))?;
    }
    let mut prefix: Vec<String> = args
        .sandbox
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if prefix.is_empty() {
        return Err("--sandbox is empty: give the sandbox's command prefix".to_string());
    }
    // A relative program path is taken from the current directory, as make gives it.
    if prefix[0].contains('/') {
        prefix[0] = absolute(std::path::Path::new(&prefix[0]))?
            .to_string_lossy()
            .into_owned();
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| 2 * std::thread::available_parallelism().map_or(1, |n| n.get()));

    let names = suite::families(&suite)?;
    let built = parallel(&names, jobs, |name| suite::build(&suite, &bin_dir, name));
    let mut cases = Vec::new();
    for family in built {
        let family = family?;
        cases.extend(suite::cases(&family, |s| {
            veil_abi::sysno::ALL.iter().any(|&(_, n)| n == s)
        })?);
    }
    if let Some(f) = &args.filter {
        cases.retain(|c| c.id.contains(f.as_str()));
    }
    if args.list {
        for c in &cases {
            println!("{}", c.id);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let known = known::read(&suite.join("KNOWN_FAILURES"))?;
    let ids: BTreeSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    if args.filter.is_none() {
        if let Some(stale) = known.keys().find(|k| !ids.contains(k.as_str())) {
            return Err(format!("KNOWN_FAILURES lists {stale}, which is not a case"));
        }
    }

    let timeout = Duration::from_secs(args.timeout);
    let results = parallel(&cases, jobs, |case: &Case| {
        let log = |mode: &str| log_dir.join(format!("{}.{mode}.log", case.id.replace('/', "_")));
        let native = run_case(
            &[],
            &case.binary,
            &case.local_id,
            &log("native"),
            &tmp_dir,
            timeout,
        );
        let sandbox = run_case(
            &prefix,
            &case.binary,
            &case.local_id,
            &log("sandbox"),
            &tmp_dir,
            timeout,
        );
        CaseResult {
            id: case.id.clone(),
            syscall: case.syscall.clone(),
            native,
            sandbox,
            known: known.get(&case.id).cloned(),
        }
    });
    let _ = std::fs::remove_dir_all(&tmp_dir);

    let summary = report::print(&results);
    report::write_tsv(&out.join("results.tsv"), &results)?;
    println!(
        "{} cases over {} syscalls in {:.1} s; logs in {}",
        results.len(),
        summary.syscalls,
        started.elapsed().as_secs_f64(),
        log_dir.display()
    );
    println!(
        "conformance: {} passed, {} failed",
        summary.passed, summary.failed
    );
    Ok(if summary.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Applies `f` to every item on `jobs` threads; results in the items' order.
fn parallel<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every item was run"))
        .collect()
}
