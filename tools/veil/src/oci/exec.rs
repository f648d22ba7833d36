//! `exec`: a new process in a running container.
//!
//! The process is the container's own `process` with the command's changes (or a
//! whole `--process` file), started by the sentry with this command's stdio passed
//! along (or a terminal: a new pty whose master goes to `--console-socket`, or this
//! command's own terminal). In the foreground `exec` waits and exits with the
//! process's status, passing on the signals it gets. With `-d` a small proxy
//! process waits instead; its pid is the `--pid-file`'s, and it exits with the
//! process's status, so a client that waits for that pid (conmon) sees the end.

use std::io::BufReader;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;

use clap::Args;
use oci_spec::runtime::Process;

use super::console;
use super::control::{self, Request};
use super::state::{ContainerDir, Status};
use super::{GlobalOptions, OciResult};

/// Arguments of `exec`.
#[derive(Args, Debug)]
pub struct ExecArgs {
    /// A JSON file with the whole process (the `process` of config.json).
    #[arg(long, short = 'p', value_name = "FILE")]
    pub process: Option<PathBuf>,
    /// Give the process a terminal.
    #[arg(long, short = 't')]
    pub tty: bool,
    /// Add or replace an environment variable (NAME=value).
    #[arg(long, short = 'e', value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// The working directory in the container.
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<String>,
    /// The user, UID[:GID].
    #[arg(long, short = 'u', value_name = "UID[:GID]")]
    pub user: Option<String>,
    /// More groups.
    #[arg(long, short = 'g', value_name = "GID")]
    pub additional_gids: Vec<u32>,
    /// Do not wait for the process; write the pid of its waiter to --pid-file.
    #[arg(long, short = 'd')]
    pub detach: bool,
    /// Where to write the pid of the process's waiter.
    #[arg(long, value_name = "FILE")]
    pub pid_file: Option<PathBuf>,
    /// Send the pty master to this unix socket (with --tty).
    #[arg(long, value_name = "PATH")]
    pub console_socket: Option<PathBuf>,
    /// Set no_new_privs for the process.
    #[arg(long)]
    pub no_new_privs: bool,
    /// Accepted for runc compatibility (SELinux label).
    #[arg(long, value_name = "LABEL", hide = true)]
    pub process_label: Option<String>,
    /// Accepted for runc compatibility (AppArmor profile).
    #[arg(long, value_name = "PROFILE", hide = true)]
    pub apparmor: Option<String>,
    /// The container id.
    pub id: String,
    /// The command and its arguments (unless --process).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

/// `exec`.
pub fn exec(globals: &GlobalOptions, args: &ExecArgs) -> OciResult<u8> {
    let dir = ContainerDir::new(&globals.root, &args.id)?;
    let record = dir.load()?;
    if !matches!(record.current_status(), Status::Created | Status::Running) {
        return Err(format!("cannot exec in container '{}': it is not running", args.id).into());
    }
    let process = build_process(args, &record.bundle)?;
    let tty = process.terminal().unwrap_or(false);
    let process_json = serde_json::to_value(&process).map_err(|e| e.to_string())?;

    // The descriptors the process gets.
    let mut owned: Vec<OwnedFd> = Vec::new();
    if tty {
        match &args.console_socket {
            Some(socket) => {
                let size = process
                    .console_size()
                    .as_ref()
                    .map(|b| (b.height() as u16, b.width() as u16));
                let pty = console::open_pty(size)?;
                console::send_master(socket, &pty.master)?;
                owned.push(pty.slave);
            }
            None if nix::unistd::isatty(0).unwrap_or(false) => {
                owned.push(
                    std::io::stdin()
                        .as_fd()
                        .try_clone_to_owned()
                        .map_err(|e| e.to_string())?,
                );
            }
            None => return Err("--tty needs a terminal on stdin or --console-socket".into()),
        }
    }
    let (stdin, stdout, stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    let stdio = [stdin.as_fd(), stdout.as_fd(), stderr.as_fd()];
    let fds: Vec<BorrowedFd<'_>> = if tty {
        owned.iter().map(|f| f.as_fd()).collect()
    } else {
        stdio.to_vec()
    };

    let stream = control::connect(&dir)?;
    control::send(
        &stream,
        &Request::Exec {
            process: process_json,
            tty,
        },
        &fds,
    )?;
    drop(owned);
    let mut reader = BufReader::new(&stream);
    let started = control::read_reply(&mut reader)?;
    let pid = started.get("pid").and_then(|p| p.as_i64()).unwrap_or(0) as i32;

    if args.detach {
        // SAFETY: this process has one thread (no thread was started yet), so the
        // child may run Rust code freely.
        match unsafe { nix::unistd::fork() }.map_err(|e| format!("cannot fork: {e}"))? {
            nix::unistd::ForkResult::Parent { child } => {
                if let Some(file) = &args.pid_file {
                    std::fs::write(file, child.to_string())
                        .map_err(|e| format!("pid file {}: {e}", file.display()))?;
                }
                return Ok(0);
            }
            nix::unistd::ForkResult::Child => {
                // The waiter keeps none of the client's stdio open.
                if let Ok(null) = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open("/dev/null")
                {
                    for fd in 0..3 {
                        let _ = nix::unistd::dup2(std::os::fd::AsRawFd::as_raw_fd(&null), fd);
                    }
                }
                let code = wait_exit(&mut reader);
                std::process::exit(code as i32);
            }
        }
    }
    if let Some(file) = &args.pid_file {
        std::fs::write(file, std::process::id().to_string())
            .map_err(|e| format!("pid file {}: {e}", file.display()))?;
    }
    forward_signals(dir.clone(), pid);
    Ok(wait_exit(&mut reader))
}

/// Reads the process's end from the sentry; 255 if the sentry went away first.
fn wait_exit(reader: &mut BufReader<&std::os::unix::net::UnixStream>) -> u8 {
    match control::read_reply(reader) {
        Ok(v) => v.get("exit").and_then(|e| e.as_i64()).unwrap_or(255) as u8,
        Err(_) => 255,
    }
}

/// Passes the signals a foreground `exec` gets on to its process.
fn forward_signals(dir: ContainerDir, pid: i32) {
    let Ok(set) = crate::host_signals::block(&[]) else {
        return;
    };
    let _ = crate::host_signals::spawn_waiter("veil-exec-signals", set, move |sig| {
        let request = Request::Kill {
            signal: sig as i32,
            all: false,
            pid: Some(pid),
        };
        let _ = control::call(&dir, &request);
    });
}

/// The process to start: `--process`, or the container's own with the command's
/// arguments and changes.
fn build_process(args: &ExecArgs, bundle: &std::path::Path) -> OciResult<Process> {
    if let Some(file) = &args.process {
        let text =
            std::fs::read(file).map_err(|e| format!("process file {}: {e}", file.display()))?;
        let process: Process = serde_json::from_slice(&text)
            .map_err(|e| format!("process file {}: invalid: {e}", file.display()))?;
        if process.args().as_ref().is_none_or(|a| a.is_empty()) {
            return Err(format!("process file {}: args is empty", file.display()).into());
        }
        return Ok(process);
    }
    if args.command.is_empty() {
        return Err("exec needs a command (or --process)".into());
    }
    let spec = oci_spec::runtime::Spec::load(bundle.join("config.json"))
        .map_err(|e| format!("the container's config: {e}"))?;
    let mut process = spec.process().clone().unwrap_or_default();
    process.set_args(Some(args.command.clone()));
    process.set_terminal(Some(args.tty));
    process.set_console_size(None);
    let mut env = process.env().clone().unwrap_or_default();
    for kv in &args.env {
        let name = kv.split('=').next().unwrap_or(kv);
        env.retain(|e| e.split('=').next() != Some(name));
        env.push(kv.clone());
    }
    process.set_env(Some(env));
    if let Some(cwd) = &args.cwd {
        process.set_cwd(cwd.into());
    }
    let mut user = process.user().clone();
    if let Some(spec) = &args.user {
        let (uid, gid) = match spec.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (spec.as_str(), None),
        };
        let number = |s: &str| {
            s.parse::<u32>()
                .map_err(|_| format!("--user {spec}: only numeric ids are supported"))
        };
        user.set_uid(number(uid)?);
        if let Some(g) = gid {
            user.set_gid(number(g)?);
        }
    }
    if !args.additional_gids.is_empty() {
        user.set_additional_gids(Some(args.additional_gids.clone()));
    }
    process.set_user(user);
    if args.no_new_privs {
        process.set_no_new_privileges(Some(true));
    }
    Ok(process)
}
