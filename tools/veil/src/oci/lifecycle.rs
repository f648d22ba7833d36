//! The OCI lifecycle: `create`, `start`, `run`, `kill`, `delete`, `state`.
//!
//! `create` checks the bundle before anything is written, makes the state
//! directory, starts the sentry (`veil boot`, in a session of its own) and waits for
//! its `ok`; on any failure it removes what it made and kills what it started, so a
//! failed `create` leaves nothing behind.

use std::io::{BufRead, BufReader};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use clap::Args;
use nix::sys::signal::Signal;
use nix::unistd::Pid;

use super::bundle::{self, Bundle};
use super::console;
use super::control::{self, Request};
use super::hooks::{self, HookPoint};
use super::state::{self, ContainerDir, Record, Status};
use super::{GlobalOptions, OciResult, OverlayMode};

/// Arguments of `create`.
#[derive(Args, Debug)]
pub struct CreateArgs {
    /// The bundle directory.
    #[arg(long, short = 'b', default_value = ".")]
    pub bundle: PathBuf,
    /// Write the container's pid (its sentry's) to FILE.
    #[arg(long, value_name = "FILE")]
    pub pid_file: Option<PathBuf>,
    /// Send the pty master of a terminal container to this unix socket.
    #[arg(long, value_name = "PATH")]
    pub console_socket: Option<PathBuf>,
    /// Pass this many descriptors after 0-2 (3, 4, …) on to the process.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub preserve_fds: i32,
    /// Accepted for runc compatibility: Veil does not pivot_root the guest.
    #[arg(long)]
    pub no_pivot: bool,
    /// Accepted for runc compatibility: Veil keeps no kernel keyrings.
    #[arg(long)]
    pub no_new_keyring: bool,
    /// The container id.
    pub id: String,
}

/// Arguments of `run`: those of `create`, and `--detach`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Return once started instead of waiting for the container to end.
    #[arg(long, short = 'd')]
    pub detach: bool,
    /// Keep the container's state when it ends.
    #[arg(long)]
    pub keep: bool,
    #[command(flatten)]
    pub create: CreateArgs,
}

/// Arguments of the commands that name one container.
#[derive(Args, Debug)]
pub struct IdArgs {
    /// The container id.
    pub id: String,
}

/// Arguments of `kill`.
#[derive(Args, Debug)]
pub struct KillArgs {
    /// Send the signal to every process of the container, not only init.
    #[arg(long, short = 'a')]
    pub all: bool,
    /// The container id.
    pub id: String,
    /// The signal, by name (`TERM`, `SIGTERM`) or number.
    #[arg(default_value = "TERM")]
    pub signal: String,
}

/// Arguments of `delete`.
#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// Kill the container first if it still runs.
    #[arg(long, short = 'f')]
    pub force: bool,
    /// The container id.
    pub id: String,
}

/// How the sentry's stdio is set up.
enum StdioMode {
    /// The command's own (run in the foreground, or no terminal).
    Inherit,
    /// A new pty: its master to the console socket, its slave the sentry's stdio.
    Pty(console::HostPty),
}

/// `create`.
pub fn create(globals: &GlobalOptions, args: &CreateArgs) -> OciResult<u8> {
    create_container(globals, args, false).map(|_| 0)
}

/// Creates a container and returns its sentry; `foreground` lets a terminal
/// container use this command's own terminal (`run` without `-d`).
fn create_container(
    globals: &GlobalOptions,
    args: &CreateArgs,
    foreground: bool,
) -> OciResult<(ContainerDir, Child)> {
    let dir = ContainerDir::new(&globals.root, &args.id)?;
    if globals.overlay == OverlayMode::None {
        return Err("--overlay=none (writing through to the rootfs) is not supported yet".into());
    }
    let bundle = bundle::load(&args.bundle)?;
    let stdio = match (bundle.terminal(), &args.console_socket) {
        (true, Some(socket)) => {
            let size = bundle
                .process()
                .console_size()
                .as_ref()
                .map(|b| (b.height() as u16, b.width() as u16));
            let pty = console::open_pty(size)?;
            console::send_master(socket, &pty.master)?;
            StdioMode::Pty(pty)
        }
        (true, None) if !foreground => {
            return Err(
                "a terminal container needs --console-socket unless run in the foreground".into(),
            )
        }
        _ => StdioMode::Inherit,
    };
    dir.create_new()?;
    let made = (|| {
        let child = start_sentry(globals, &dir, &bundle, args, stdio)?;
        let pid = child.id() as i32;
        let record = Record {
            id: args.id.clone(),
            pid,
            pid_start: state::process_start_time(pid).unwrap_or(0),
            status: Status::Created,
            bundle: bundle.dir.clone(),
            rootfs: bundle.rootfs.clone(),
            created: state::now_rfc3339(),
            owner: String::new(),
            annotations: bundle
                .spec
                .annotations()
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect(),
        };
        let finish = || -> OciResult {
            dir.save(&record)?;
            let view = serde_json::to_string(&record.view()).map_err(|e| e.to_string())?;
            let hooks = bundle.spec.hooks().as_ref();
            hooks::run(hooks, HookPoint::Prestart, &view)?;
            hooks::run(hooks, HookPoint::CreateRuntime, &view)?;
            hooks::run(hooks, HookPoint::CreateContainer, &view)?;
            if let Some(file) = &args.pid_file {
                std::fs::write(file, pid.to_string())
                    .map_err(|e| format!("pid file {}: {e}", file.display()))?;
            }
            Ok(())
        };
        match finish() {
            Ok(()) => Ok(child),
            Err(e) => {
                kill_and_reap(child);
                Err(e)
            }
        }
    })();
    match made {
        Ok(child) => Ok((dir, child)),
        Err(e) => {
            let _ = dir.remove();
            Err(e)
        }
    }
}

/// Starts `veil boot` for the container and waits for it to be ready.
fn start_sentry(
    globals: &GlobalOptions,
    dir: &ContainerDir,
    bundle: &Bundle,
    args: &CreateArgs,
    stdio: StdioMode,
) -> OciResult<Child> {
    let (ready_r, ready_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| format!("cannot make a pipe: {e}"))?;
    let ready_fd = 3 + args.preserve_fds.max(0);
    let mut command = Command::new("/proc/self/exe");
    command.args(global_args(globals));
    command
        .arg("boot")
        .arg("--bundle")
        .arg(&bundle.dir)
        .arg("--ready-fd")
        .arg(ready_fd.to_string())
        .arg("--preserve-fds")
        .arg(args.preserve_fds.max(0).to_string())
        .arg(&dir.id);
    let slave = match stdio {
        StdioMode::Pty(pty) => {
            let s: OwnedFd = pty.slave;
            command.stdin(s.try_clone().map_err(|e| e.to_string())?);
            command.stdout(s.try_clone().map_err(|e| e.to_string())?);
            command.stderr(s.try_clone().map_err(|e| e.to_string())?);
            Some(s)
        }
        StdioMode::Inherit => None,
    };
    let has_tty = slave.is_some();
    let w = ready_w.as_raw_fd();
    // SAFETY: between fork and exec the child only makes async-signal-safe calls
    // (setsid, ioctl, dup2, fcntl) on descriptors it owns.
    unsafe {
        command.pre_exec(move || {
            nix::unistd::setsid()?;
            if has_tty && libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            if w == ready_fd {
                nix::fcntl::fcntl(
                    w,
                    nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
                )?;
            } else {
                nix::unistd::dup2(w, ready_fd)?;
            }
            Ok(())
        });
    }
    let child = command
        .spawn()
        .map_err(|e| format!("cannot start the sentry: {e}"))?;
    drop(ready_w);
    drop(slave);
    let mut line = String::new();
    let _ = BufReader::new(std::fs::File::from(ready_r)).read_line(&mut line);
    match line.trim_end() {
        "ok" => Ok(child),
        other => {
            let message = other
                .strip_prefix("error: ")
                .unwrap_or("the sentry ended before it was ready")
                .to_string();
            kill_and_reap(child);
            Err(message.into())
        }
    }
}

/// The global flags again, for the sentry's command line.
fn global_args(globals: &GlobalOptions) -> Vec<String> {
    let mut out = vec!["--root".to_string(), globals.root.display().to_string()];
    if let Some(log) = &globals.log {
        out.push("--log".into());
        out.push(log.display().to_string());
    }
    if globals.debug {
        out.push("--debug".into());
    }
    if globals.strace {
        out.push("--strace".into());
    }
    if let Some(network) = &globals.network {
        out.push(format!("--network={network}"));
    }
    out
}

fn kill_and_reap(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// `start`.
pub fn start(globals: &GlobalOptions, args: &IdArgs) -> OciResult<u8> {
    let dir = ContainerDir::new(&globals.root, &args.id)?;
    let _lock = dir.lock()?;
    let mut record = dir.load()?;
    match record.current_status() {
        Status::Created => {}
        Status::Stopped => {
            return Err(format!("cannot start container '{}': it has stopped", args.id).into())
        }
        other => {
            return Err(format!(
                "cannot start container '{}': it is {}",
                args.id,
                other.name()
            )
            .into())
        }
    }
    let spec = load_spec(&record);
    let hooks = spec.as_ref().and_then(|s| s.hooks().as_ref());
    let view = serde_json::to_string(&record.view()).map_err(|e| e.to_string())?;
    hooks::run(hooks, HookPoint::StartContainer, &view)?;
    control::call(&dir, &Request::Start)?;
    record.status = Status::Running;
    dir.save(&record)?;
    let view =
        serde_json::to_string(&record.view_as(Status::Running)).map_err(|e| e.to_string())?;
    hooks::run(hooks, HookPoint::Poststart, &view)?;
    Ok(0)
}

/// The spec of a container's bundle, if it can still be read.
fn load_spec(record: &Record) -> Option<oci_spec::runtime::Spec> {
    oci_spec::runtime::Spec::load(record.bundle.join("config.json")).ok()
}

/// `run`: `create`, `start`, and without `-d` wait for the end, `delete` and exit
/// with init's status.
pub fn run(globals: &GlobalOptions, args: &RunArgs) -> OciResult<u8> {
    let (dir, mut child) = create_container(globals, &args.create, !args.detach)?;
    if let Err(e) = start(globals, &IdArgs { id: dir.id.clone() }) {
        kill_and_reap(child);
        let _ = delete(
            globals,
            &DeleteArgs {
                force: true,
                id: dir.id.clone(),
            },
        );
        return Err(e);
    }
    if args.detach {
        return Ok(0);
    }
    let sentry = Pid::from_raw(child.id() as i32);
    forward_signals_to(sentry);
    let status = child.wait().map_err(|e| e.to_string())?;
    if !args.keep {
        delete(
            globals,
            &DeleteArgs {
                force: true,
                id: dir.id.clone(),
            },
        )?;
    }
    use std::os::unix::process::ExitStatusExt;
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => code as u8,
        (None, Some(sig)) => (128 + sig) as u8,
        _ => 1,
    })
}

/// Passes the signals a foreground `run` gets (Ctrl-C when there is no guest
/// terminal, a `kill` of it, a terminal resize) on to the sentry.
fn forward_signals_to(sentry: Pid) {
    let Ok(set) = crate::host_signals::block(&[Signal::SIGWINCH]) else {
        return;
    };
    let _ = crate::host_signals::spawn_waiter("veil-run-signals", set, move |sig| {
        let _ = nix::sys::signal::kill(sentry, sig);
    });
}

/// Parses a signal: a number, or a name with or without `SIG`.
pub fn parse_signal(text: &str) -> OciResult<i32> {
    if let Ok(n) = text.parse::<i32>() {
        if (0..=64).contains(&n) {
            return Ok(n);
        }
        return Err(format!("unknown signal '{text}'").into());
    }
    let upper = text.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    name.parse::<Signal>()
        .map(|s| s as i32)
        .map_err(|_| format!("unknown signal '{text}'").into())
}

/// `kill`.
pub fn kill(globals: &GlobalOptions, args: &KillArgs) -> OciResult<u8> {
    let signal = parse_signal(&args.signal)?;
    let dir = ContainerDir::new(&globals.root, &args.id)?;
    let record = dir.load()?;
    if record.current_status() == Status::Stopped {
        return Err(format!("container '{}' is not running", args.id).into());
    }
    let request = Request::Kill {
        signal,
        all: args.all,
        pid: None,
    };
    match control::call(&dir, &request) {
        Ok(_) => Ok(0),
        // A sentry that cannot answer can still be killed.
        Err(_) if signal == libc::SIGKILL => {
            nix::sys::signal::kill(Pid::from_raw(record.pid), Signal::SIGKILL)
                .map_err(|e| format!("cannot kill container '{}': {e}", args.id))?;
            Ok(0)
        }
        Err(e) => Err(e),
    }
}

/// `delete`.
pub fn delete(globals: &GlobalOptions, args: &DeleteArgs) -> OciResult<u8> {
    let dir = ContainerDir::new(&globals.root, &args.id)?;
    if !dir.path.exists() {
        return if args.force {
            Ok(0)
        } else {
            Err(dir.missing())
        };
    }
    let _lock = dir.lock()?;
    let record = match dir.load() {
        Ok(r) => r,
        // A directory without a record is what a crashed `create` left: remove it.
        Err(_) if args.force => {
            dir.remove()?;
            return Ok(0);
        }
        Err(e) => return Err(e),
    };
    match record.current_status() {
        Status::Stopped => {}
        Status::Created => stop_sentry(&record),
        status if args.force => {
            let _ = status;
            stop_sentry(&record)
        }
        status => {
            return Err(format!(
                "cannot delete container '{}' that is not stopped: it is {}",
                args.id,
                status.name()
            )
            .into())
        }
    }
    if let Some(spec) = load_spec(&record) {
        let mut view_record = record.clone();
        view_record.status = Status::Stopped;
        let view = serde_json::to_string(&view_record.view()).map_err(|e| e.to_string())?;
        hooks::run(spec.hooks().as_ref(), HookPoint::Poststop, &view)?;
    }
    dir.remove()?;
    Ok(0)
}

/// Kills the sentry and waits (up to 10 s) until it is gone.
fn stop_sentry(record: &Record) {
    let _ = nix::sys::signal::kill(Pid::from_raw(record.pid), Signal::SIGKILL);
    let deadline = Instant::now() + Duration::from_secs(10);
    while record.current_status() != Status::Stopped && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// `state`: the state JSON.
pub fn state(globals: &GlobalOptions, args: &IdArgs) -> OciResult<u8> {
    let dir = ContainerDir::new(&globals.root, &args.id)?;
    let record = dir.load()?;
    let text = serde_json::to_string_pretty(&record.view()).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_parse_by_name_and_number() {
        assert_eq!(parse_signal("KILL").unwrap(), 9);
        assert_eq!(parse_signal("SIGTERM").unwrap(), 15);
        assert_eq!(parse_signal("hup").unwrap(), 1);
        assert_eq!(parse_signal("10").unwrap(), 10);
        assert!(parse_signal("NOPE").is_err());
        assert!(parse_signal("99").is_err());
    }
}
