//! The commands that look at containers: `ps`, `list`, `events`, `features`; and
//! `pause`/`resume`, which Veil refuses for now.

use std::time::Duration;

use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use super::control::{self, Request};
use super::state::{self, ContainerDir, Status};
use super::{GlobalOptions, OciResult};

/// `--format` of `ps` and `list`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table.
    #[default]
    Table,
    /// JSON.
    Json,
}

/// Arguments of `ps`.
#[derive(Args, Debug)]
pub struct PsArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: Format,
    /// The container id.
    pub id: String,
    /// `ps` options (accepted; the table has fixed columns).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub ps_args: Vec<String>,
}

/// Arguments of `list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: Format,
    /// Only the ids.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Arguments of `events`.
#[derive(Args, Debug)]
pub struct EventsArgs {
    /// Print the statistics once and exit.
    #[arg(long)]
    pub stats: bool,
    /// Seconds between statistics.
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    pub interval: Duration,
    /// The container id.
    pub id: String,
}

/// `ps`: the container's processes, with their pids in the sandbox.
pub fn ps(globals: &GlobalOptions, args: &PsArgs) -> OciResult<u8> {
    let dir = ContainerDir::new(&globals.root, &args.id)?;
    let record = dir.load()?;
    if record.current_status() == Status::Stopped {
        return Err(format!("container '{}' is not running", args.id).into());
    }
    let reply = control::call(&dir, &Request::Ps)?;
    let list = reply["processes"].as_array().cloned().unwrap_or_default();
    match args.format {
        Format::Json => {
            let pids: Vec<Value> = list.iter().map(|p| p["pid"].clone()).collect();
            println!("{}", Value::Array(pids));
        }
        Format::Table => {
            println!("{:<8} {:>7} {:>7} CMD", "UID", "PID", "PPID");
            for p in &list {
                let n = |key: &str| p[key].as_i64().unwrap_or(0);
                println!(
                    "{:<8} {:>7} {:>7} {}",
                    n("uid"),
                    n("pid"),
                    n("ppid"),
                    p["comm"].as_str().unwrap_or("")
                );
            }
        }
    }
    Ok(0)
}

/// `list`: every container under `--root`.
pub fn list(globals: &GlobalOptions, args: &ListArgs) -> OciResult<u8> {
    let records: Vec<_> = state::all_containers(&globals.root)
        .iter()
        .filter_map(|d| d.load().ok())
        .collect();
    if args.quiet {
        for r in &records {
            println!("{}", r.id);
        }
        return Ok(0);
    }
    match args.format {
        Format::Json => {
            let views: Vec<Value> = records
                .iter()
                .filter_map(|r| serde_json::to_value(r.view()).ok())
                .collect();
            println!("{}", Value::Array(views));
        }
        Format::Table => {
            let width = records.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
            println!(
                "{:<width$}  {:<8} {:<8} {:<40} {:<32} OWNER",
                "ID", "PID", "STATUS", "BUNDLE", "CREATED"
            );
            for r in &records {
                let v = r.view();
                println!(
                    "{:<width$}  {:<8} {:<8} {:<40} {:<32} {}",
                    v.id,
                    v.pid,
                    v.status,
                    v.bundle.display(),
                    v.created,
                    if v.owner.is_empty() { "root" } else { v.owner }
                );
            }
        }
    }
    Ok(0)
}

/// `events`: the container's resource use, once with `--stats`, else every
/// `--interval` until it stops.
pub fn events(globals: &GlobalOptions, args: &EventsArgs) -> OciResult<u8> {
    let dir = ContainerDir::new(&globals.root, &args.id)?;
    let record = dir.load()?;
    loop {
        if record.current_status() == Status::Stopped {
            return if args.stats {
                Err(format!("container '{}' is not running", args.id).into())
            } else {
                Ok(0)
            };
        }
        let stats = control::call(&dir, &Request::Stats)?;
        let event = json!({
            "type": "stats",
            "id": args.id,
            "data": {
                "pids": {"current": stats["pids"]},
                "memory": {"usage": {"usage": stats["memory"]}},
            }
        });
        println!("{event}");
        if args.stats {
            return Ok(0);
        }
        std::thread::sleep(args.interval);
    }
}

/// `pause` and `resume`: not built yet; say so and fail.
pub fn pause(_globals: &GlobalOptions, verb: &str) -> OciResult<u8> {
    Err(format!("{verb} is not supported by veil yet").into())
}

/// `features`: what this runtime supports, in the OCI features format.
pub fn features() -> OciResult<u8> {
    let hooks = [
        "prestart",
        "createRuntime",
        "createContainer",
        "startContainer",
        "poststart",
        "poststop",
    ];
    let features = json!({
        "ociVersionMin": "1.0.0",
        "ociVersionMax": state::OCI_VERSION,
        "hooks": hooks,
        "mountOptions": ["bind", "rbind", "ro", "rw", "nosuid", "nodev", "noexec", "mode"],
        "linux": {
            "namespaces": ["mount", "network", "uts", "ipc", "pid"],
            "capabilities": super::bundle::capability_names(),
            "cgroup": {"v1": false, "v2": false, "systemd": false, "systemdUser": false},
            "seccomp": {"enabled": false},
            "apparmor": {"enabled": false},
            "selinux": {"enabled": false},
        },
        "annotations": {
            "org.veil.platform": "ptrace",
            "org.veil.overlay": "memory",
        }
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&features).map_err(|e| e.to_string())?
    );
    Ok(0)
}
