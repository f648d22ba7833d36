//! `veil do [--platform=ptrace] [--network=none] [--strace] [--pids-limit=N] [--memory=BYTES] [--debug-log=FILE] -- CMD ARGS…`

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use nix::sys::signal::Signal;
use veil_kernel::kernel::DEFAULT_PIDS_LIMIT;
use veil_kernel::signal::{SigInfo, SI_USER};
use veil_kernel::{ExitStatus, Kernel, KernelConfig, StartError};
use veil_memmap::MemoryFile;
use veil_platform::ptrace::PtracePlatform;
use veil_platform::Platform;

/// Platforms `--platform` accepts.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PlatformKind {
    /// PTRACE_SYSEMU: every guest syscall stops the stub for the sentry.
    Ptrace,
}

/// Networks `--network` accepts.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum NetworkMode {
    /// Only loopback (`lo`: 127.0.0.0/8 and ::1), all inside the sentry: TCP and
    /// UDP between the sandbox's processes, nothing in or out.
    None,
    /// The host's network: each guest socket is a host socket the sentry holds and
    /// makes every call on, with checked arguments.
    Host,
}

/// Arguments of `veil do`.
#[derive(Args, Debug)]
pub struct DoArgs {
    /// How guest code runs.
    #[arg(long, value_enum, default_value = "ptrace")]
    platform: PlatformKind,
    /// Print every guest system call on stderr, as strace does.
    #[arg(long)]
    strace: bool,
    /// The sandbox's network: its own loopback only, or the host's.
    #[arg(long, value_enum, default_value = "none")]
    network: NetworkMode,
    /// Most tasks (threads) alive at once in the sandbox; a fork or clone beyond it
    /// fails with EAGAIN. 0 means no limit.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PIDS_LIMIT)]
    pids_limit: usize,
    /// The most memory the sandbox may use (guest pages and in-memory files), in
    /// bytes, or with a K, M or G suffix; past it, the process that needs more is
    /// killed with SIGKILL, as by an OOM killer.
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    memory: Option<u64>,
    /// Write the sentry's debug log to FILE.
    #[arg(long, value_name = "FILE")]
    debug_log: Option<PathBuf>,
    /// The program and its arguments.
    #[arg(required = true, trailing_var_arg = true, value_name = "CMD")]
    command: Vec<OsString>,
}

/// Finds `cmd` as a shell would: a path if it contains `/`, else the first match in
/// `PATH`. Returns `None` when nothing by that name exists.
fn resolve(cmd: &Path) -> Option<PathBuf> {
    if cmd.as_os_str().as_bytes().contains(&b'/') {
        return Some(cmd.to_path_buf());
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    let candidates: Vec<PathBuf> = std::env::split_paths(&path)
        .map(|d| d.join(cmd))
        .filter(|p| p.is_file())
        .collect();
    candidates
        .iter()
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
        })
        .or(candidates.first())
        .cloned()
}

/// Parses `--memory`: a positive number of bytes, with an optional `K`, `M` or `G`
/// (binary) suffix.
fn parse_bytes(s: &str) -> Result<u64, String> {
    let (digits, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c.to_ascii_uppercase()),
        _ => (s, 'B'),
    };
    let shift = match unit {
        'B' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        _ => return Err(format!("unknown unit '{unit}' (use K, M or G)")),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{s}' is not a number of bytes"))?;
    if n == 0 {
        return Err("the memory limit must be above 0".into());
    }
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("'{s}' is too large"))
}

fn fail(msg: impl std::fmt::Display, code: u8) -> ExitCode {
    eprintln!("veil do: {msg}");
    ExitCode::from(code)
}

/// Runs `veil do`.
pub fn run(args: DoArgs) -> ExitCode {
    if let Err(e) = crate::logging::init(args.debug_log.as_deref()) {
        return fail(e, 125);
    }
    let network = match args.network {
        NetworkMode::None => veil_kernel::net::NetworkMode::Loopback,
        NetworkMode::Host => veil_kernel::net::NetworkMode::Host,
    };
    let cmd = PathBuf::from(&args.command[0]);
    let Some(path) = resolve(&cmd) else {
        return fail(format!("{}: command not found", cmd.display()), 127);
    };
    let abs = if path.is_absolute() {
        path
    } else {
        match std::env::current_dir() {
            Ok(d) => d.join(path),
            Err(e) => return fail(format!("cannot read the working directory: {e}"), 125),
        }
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let argv: Vec<Vec<u8>> = args.command.iter().map(|a| a.as_bytes().to_vec()).collect();
    let envp: Vec<Vec<u8>> = std::env::vars_os()
        .map(|(k, v)| {
            let mut kv = k.into_vec();
            kv.push(b'=');
            kv.extend(v.into_vec());
            kv
        })
        .collect();

    // What the guest inherits, as exec would pass it on: ignored signals and the mask,
    // read before veil blocks the signals it forwards.
    let (inherited_ignored, inherited_mask) = inherited_signals();
    // Forwarded signals are taken by one thread with sigwait; block them before any
    // other thread exists so that every sentry thread inherits the mask.
    // The host terminal's size changes reach the console (when there is one).
    let forwarded = match crate::host_signals::block(&[Signal::SIGWINCH]) {
        Ok(set) => set,
        Err(e) => return fail(format!("cannot block signals: {e}"), 125),
    };

    let memory = match MemoryFile::new(veil_kernel::kernel::MEMORY_FILE_SIZE) {
        Ok(m) => Arc::new(m),
        Err(e) => return fail(e, 125),
    };
    let platform: Arc<dyn Platform> = match args.platform {
        PlatformKind::Ptrace => match PtracePlatform::new(memory.fd()) {
            Ok(p) => Arc::new(p),
            Err(e) => return fail(e, 125),
        },
    };
    let hostname = nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "localhost".into());
    let config = KernelConfig {
        strace: args.strace,
        hostname,
        domainname: String::new(),
        pids_limit: args.pids_limit,
        memory_limit: args.memory,
        inherited_ignored,
        inherited_mask,
        rootfs: Default::default(),
        network,
    };
    let kernel = match Kernel::new(platform, memory, config) {
        Ok(k) => k,
        Err(e) => return fail(e, 125),
    };
    // A host terminal on stdio becomes the guest's console (raw mode until the end).
    let console = veil_kernel::tty::console::HostConsole::attach(&kernel);
    if let Some(c) = &console {
        let _ = kernel.console.set(c.clone());
    }
    let restore = |console: &Option<Arc<veil_kernel::tty::console::HostConsole>>| {
        if let Some(c) = console {
            c.finish();
        }
    };
    let started = kernel.start(
        abs.as_os_str().as_bytes(),
        &argv,
        &envp,
        cwd.as_os_str().as_bytes(),
    );
    if started.is_err() {
        restore(&console);
    }
    let tg = match started {
        Ok(tg) => tg,
        Err(StartError::Exec {
            path,
            reason,
            errno,
        }) => {
            let code = if errno == veil_abi::Errno::ENOENT {
                127
            } else {
                126
            };
            return fail(format!("{path}: {reason}"), code);
        }
        Err(e) => return fail(e, 125),
    };
    let forward_to = tg.clone();
    let resize = console.clone();
    let _ = crate::host_signals::spawn_waiter("veil-signals", forwarded, move |sig| {
        if sig == Signal::SIGWINCH {
            if let Some(c) = &resize {
                c.resize_from_host();
            }
        } else {
            forward_to.send_signal(SigInfo::user(sig as u32, SI_USER, 0));
        }
    });
    let status = tg.wait_done();
    restore(&console);
    ExitCode::from(match status {
        ExitStatus::Exited(c) => (c & 0xff) as u8,
        ExitStatus::Signaled(s) | ExitStatus::Dumped(s) => (128 + s) as u8,
    })
}

/// The signals this process has ignored and blocked (`SigIgn`, `SigBlk` of
/// `/proc/self/status`; 0 and 0 if it cannot be read). `SIGPIPE` is left out of the
/// ignored ones: Rust's runtime ignores it in every Rust program before `main`, so
/// its state says nothing about how veil was started.
fn inherited_signals() -> (u64, u64) {
    const SIGPIPE_BIT: u64 = 1 << (13 - 1);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
            .unwrap_or(0)
    };
    (field("SigIgn:") & !SIGPIPE_BIT, field("SigBlk:"))
}
