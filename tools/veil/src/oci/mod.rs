//! The OCI runtime: runc's command line over Veil sandboxes.
//!
//! Each container is one sandbox, run by a `veil boot` process (the "sentry") that
//! `create` starts and that lives as long as the container's init. The commands
//! talk to it over a unix socket in the container's state directory
//! (`<root>/<id>/`, see [`state`]); when it is gone the container is `stopped`.
//!
//! * [`lifecycle`]: `create`, `start`, `run`, `kill`, `delete`, `state`.
//! * [`boot`]: the sentry process of a container.
//! * [`exec`]: `exec`. [`query`]: `ps`, `list`, `events`, `features`, `pause`.
//! * [`bundle`]: the bundle's `config.json` turned into Veil's settings.
//! * [`control`]: the protocol between the commands and the sentry.
//! * [`hooks`], [`console`], [`spec_cmd`] (`spec`).
//! * [`seccomp_profile`]: the container's `linux.seccomp`, run on its processes.
//! * [`sentry_filter`]: the seccomp allow-list the sentry puts on itself;
//!   [`sentry_caps`]: the capabilities it keeps.

pub mod boot;
pub mod bundle;
pub mod console;
pub mod control;
pub mod exec;
pub mod hooks;
pub mod lifecycle;
pub mod query;
pub mod seccomp_profile;
pub mod sentry_caps;
pub mod sentry_filter;
pub mod spec_cmd;
pub mod state;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

/// Where `--root` puts containers' state when not given.
pub const DEFAULT_ROOT: &str = "/run/veil";

/// `--log-format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// `time level msg` lines.
    #[default]
    Text,
    /// `{"level":…,"msg":…,"time":…}` lines, as runc writes them (conmon reads them).
    Json,
}

/// `--overlay`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OverlayMode {
    /// The container's writes stay in the sandbox's memory.
    #[default]
    Memory,
    /// Writes go through to the rootfs, as with runc (not built yet: refused).
    None,
}

/// runc's global flags, and Veil's own runtime flags, given before the command.
#[derive(Args, Clone, Debug)]
pub struct GlobalOptions {
    /// Directory of the containers' state.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_ROOT)]
    pub root: PathBuf,
    /// Append errors (and with --debug, debug messages) to FILE.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Format of the --log file.
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Log debug messages too.
    #[arg(long)]
    pub debug: bool,
    /// Accepted for runc compatibility: Veil's sandboxes account resources themselves.
    #[arg(long)]
    pub systemd_cgroup: bool,
    /// Accepted for runc compatibility (runc's rootless mode detection).
    #[arg(long, value_name = "VALUE", hide = true)]
    pub rootless: Option<String>,
    /// Where the sandbox's file writes go.
    #[arg(long, value_enum, default_value = "memory")]
    pub overlay: OverlayMode,
    /// The containers' network: `none` (the sandbox's own loopback) or `host` (host
    /// sockets in the container's network namespace); unset, by the spec (see
    /// `Bundle::network_plan`).
    #[arg(long, value_name = "MODE", value_parser = ["none", "host"])]
    pub network: Option<String>,
    /// Print every guest system call of the containers on their stderr.
    #[arg(long)]
    pub strace: bool,
}

/// A command's failure: one line for the user, and the exit status (1 as runc's).
#[derive(Debug)]
pub struct Failure {
    /// What went wrong, naming the problem.
    pub message: String,
    /// The exit status.
    pub code: u8,
}

impl<T: std::fmt::Display> From<T> for Failure {
    fn from(message: T) -> Self {
        Failure {
            message: message.to_string(),
            code: 1,
        }
    }
}

/// The result of an OCI command.
pub type OciResult<T = ()> = Result<T, Failure>;

/// Reports the outcome of a command: a failure as one line on stderr (and in the
/// `--log` file, in its format), then the exit status.
pub fn finish(globals: &GlobalOptions, result: OciResult<u8>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("veil: {}", failure.message);
            log(globals, "error", &failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// Appends one message to the `--log` file, if there is one.
pub fn log(globals: &GlobalOptions, level: &str, message: &str) {
    if level == "debug" && !globals.debug {
        return;
    }
    let Some(path) = &globals.log else { return };
    let time = humantime::format_rfc3339_nanos(std::time::SystemTime::now()).to_string();
    let line = match globals.log_format {
        LogFormat::Json => {
            serde_json::json!({"level": level, "msg": message, "time": time}).to_string()
        }
        LogFormat::Text => format!("time=\"{time}\" level={level} msg=\"{message}\""),
    };
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{line}");
    }
}
