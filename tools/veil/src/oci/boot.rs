//! `veil boot`: the sentry process of one container, started by `create` (hidden
//! from `--help`; not for users).
//!
//! It moves into fresh mount, UTS and IPC namespaces (and the spec's network
//! namespace, or a fresh one), builds the sandbox from the bundle, loads the init
//! process held at a [`StartGate`], listens on the container's control socket, and
//! then tells `create` it is ready through the pipe `--ready-fd` (one line: `ok`, or
//! the error). It lives as long as init: when init ends it ends the same way (the
//! same exit code, or killed by the same signal), so the client that waits for it
//! (conmon, containerd's shim, `run`) sees init's status. Until `start`, a `kill`
//! with any signal ends it before init ran.
//!
//! Threads: the kernel's; `veil-signals` forwards host signals sent to this process
//! to init; `veil-control` accepts connections, each served on its own thread.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use nix::sched::CloneFlags;
use nix::sys::signal::{SigSet, Signal};
use parking_lot::Mutex;
use serde_json::{json, Value};
use veil_kernel::signal::{SigInfo, SI_USER};
use veil_kernel::spawn::{StartGate, Stdio};
use veil_kernel::tty::console::HostConsole;
use veil_kernel::{ExitStatus, Kernel};
use veil_memmap::MemoryFile;
use veil_platform::ptrace::PtracePlatform;

use super::bundle::{self, Bundle};
use super::control::{self, Request};
use super::state::ContainerDir;
use super::{GlobalOptions, OciResult};

/// Arguments of `veil boot`.
#[derive(Args, Debug)]
pub struct BootArgs {
    /// The bundle (already checked by `create`).
    #[arg(long)]
    bundle: PathBuf,
    /// Where to say `ok` or the error once ready.
    #[arg(long)]
    ready_fd: i32,
    /// Host fds 3.. passed on to init.
    #[arg(long, default_value_t = 0)]
    preserve_fds: i32,
    /// The container id.
    id: String,
}

/// The running sandbox, shared by the control threads.
struct Sandbox {
    kernel: Arc<Kernel>,
    /// The container's `linux.seccomp`, for init and every `exec`.
    seccomp: Option<Arc<veil_kernel::seccomp::Filter>>,
    /// Init's gate, until `start` opens it.
    gate: Mutex<Option<StartGate>>,
}

/// Runs the sentry of a container.
pub fn run(globals: &GlobalOptions, args: BootArgs) -> ExitCode {
    // SAFETY: `create` passed this descriptor, a pipe's write end, for this process
    // alone; nothing else in this process owns it.
    let mut ready = unsafe { File::from_raw_fd(args.ready_fd) };
    match boot(globals, &args) {
        Ok((sandbox, init, console)) => {
            let _ = ready.write_all(b"ok\n");
            drop(ready);
            let status = init.wait_done();
            if let Some(c) = &console {
                c.finish();
            }
            drop(sandbox);
            end_like(status)
        }
        Err(e) => {
            let _ = writeln!(ready, "error: {}", e.message);
            ExitCode::from(1)
        }
    }
}

type Booted = (
    Arc<Sandbox>,
    Arc<veil_kernel::thread_group::ThreadGroup>,
    Option<Arc<HostConsole>>,
);

fn boot(globals: &GlobalOptions, args: &BootArgs) -> OciResult<Booted> {
    let dir = ContainerDir::new(&globals.root, &args.id)?;
    let bundle = bundle::load(&args.bundle)?;
    let log = dir.path.join("sentry.log");
    // Warnings (unimplemented syscalls…) go to a file, not into the container's output.
    crate::logging::init(Some(&log))?;
    enter_namespaces(&bundle, globals)?;
    // In its namespaces, with no thread started yet: keep only the capabilities
    // the sentry needs from here on.
    super::sentry_caps::drop_all_but_kept()?;

    // Forwarded signals are taken by one thread with sigwait; block them before any
    // other thread exists so that every sentry thread inherits the mask.
    let forwarded = crate::host_signals::block(&[Signal::SIGWINCH])
        .map_err(|e| format!("cannot block signals: {e}"))?;

    let memory = Arc::new(MemoryFile::new(veil_kernel::kernel::MEMORY_FILE_SIZE)?);
    let platform = Arc::new(PtracePlatform::new(memory.fd())?);
    let kernel = Kernel::new(platform, memory, bundle.kernel_config(globals))?;
    let console = if bundle.terminal() {
        let c = HostConsole::attach(&kernel);
        if let Some(c) = &c {
            let _ = kernel.console.set(c.clone());
        }
        c
    } else {
        None
    };
    let seccomp = bundle.seccomp()?;
    let mut spec = bundle::process_spec(&kernel, bundle.process(), Stdio::Sentry)?;
    spec.seccomp = seccomp.clone();
    for fd in 3..3 + args.preserve_fds {
        // SAFETY: `create` passed fds 3.. (`--preserve-fds`) for init; this process
        // opened nothing at those numbers before `boot` (the ready pipe is above).
        spec.extra_fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
    }
    let (gate, wait) = StartGate::new();
    let init = kernel.spawn(spec, Some(wait))?;

    let sandbox = Arc::new(Sandbox {
        kernel,
        seccomp,
        gate: Mutex::new(Some(gate)),
    });
    let socket = dir.socket_path();
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket)
        .map_err(|e| format!("cannot listen on {}: {e}", socket.display()))?;
    let served = sandbox.clone();
    std::thread::Builder::new()
        .name("veil-control".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let sandbox = served.clone();
                let _ = std::thread::Builder::new()
                    .name("veil-control-conn".into())
                    .spawn(move || serve(&sandbox, stream));
            }
        })
        .map_err(|e| e.to_string())?;
    let forward_to = sandbox.clone();
    let resize = console.clone();
    crate::host_signals::spawn_waiter("veil-signals", forwarded, move |sig| {
        if sig == Signal::SIGWINCH {
            if let Some(c) = &resize {
                c.resize_from_host();
            }
        } else {
            forward_to.signal(sig as i32, false);
        }
    })
    .map_err(|e| e.to_string())?;
    // Set up: from here on the sentry makes only the host calls on its list.
    super::sentry_filter::apply()?;
    Ok((sandbox, init, console))
}

/// Puts the sentry in its own mount, UTS and IPC namespaces and in the container's
/// network namespace ([`Bundle::network_plan`]: the spec's `path`, a fresh one, or
/// the runtime's).
fn enter_namespaces(bundle: &Bundle, globals: &GlobalOptions) -> OciResult {
    let mut flags = CloneFlags::CLONE_NEWNS | CloneFlags::CLONE_NEWUTS | CloneFlags::CLONE_NEWIPC;
    let plan = bundle.network_plan(globals);
    if let Some(path) = &plan.join {
        let ns =
            File::open(path).map_err(|e| format!("network namespace {}: {e}", path.display()))?;
        nix::sched::setns(ns.as_fd(), CloneFlags::CLONE_NEWNET)
            .map_err(|e| format!("cannot join the network namespace {}: {e}", path.display()))?;
    }
    if plan.fresh {
        flags |= CloneFlags::CLONE_NEWNET;
    }
    nix::sched::unshare(flags)
        .map_err(|e| format!("cannot create the sentry's namespaces: {e}"))?;
    Ok(())
}

impl Sandbox {
    /// Sends `signo` to init (or every process) from outside; before `start`, ends
    /// the container (init never ran).
    fn signal(&self, signo: i32, all: bool) {
        if signo == 0 {
            return;
        }
        if self.gate.lock().is_some() {
            end_like(ExitStatus::Signaled(signo));
            return;
        }
        self.kernel
            .signal_from_host(1, SigInfo::user(signo as u32, SI_USER, 0), all);
    }
}

/// Serves one connection: one request.
fn serve(sandbox: &Arc<Sandbox>, stream: UnixStream) {
    let (request, fds) = match control::receive(&stream) {
        Ok(r) => r,
        Err(e) => return control::reply(&stream, &json!({"error": e.message})),
    };
    let answer = match request {
        Request::Start => match sandbox.gate.lock().take() {
            Some(gate) => {
                gate.open();
                Ok(json!({}))
            }
            None => Err("the container was already started".to_string()),
        },
        Request::Kill { signal, all, pid } => {
            control::reply(&stream, &json!({}));
            match pid {
                Some(pid) if signal != 0 => {
                    let info = SigInfo::user(signal as u32, SI_USER, 0);
                    sandbox.kernel.signal_from_host(pid, info, false);
                }
                _ => sandbox.signal(signal, all),
            }
            return;
        }
        Request::Exec { process, tty } => return exec(sandbox, &stream, process, tty, fds),
        Request::Ps => Ok(processes(&sandbox.kernel)),
        Request::Stats => Ok(json!({
            "pids": sandbox.kernel.live_tasks(),
            "memory": sandbox.kernel.memory.resident_bytes(),
        })),
    };
    match answer {
        Ok(v) => control::reply(&stream, &v),
        Err(e) => control::reply(&stream, &json!({ "error": e })),
    }
}

/// Starts an `exec`'s process, replies with its pid, then with its end.
fn exec(sandbox: &Arc<Sandbox>, stream: &UnixStream, process: Value, tty: bool, fds: Vec<OwnedFd>) {
    let started = (|| -> OciResult<_> {
        let process: oci_spec::runtime::Process =
            serde_json::from_value(process).map_err(|e| format!("invalid process: {e}"))?;
        let kernel = &sandbox.kernel;
        let (stdio, console) = if tty {
            let fd = fds.into_iter().next().ok_or("no terminal was passed")?;
            let console =
                HostConsole::attach_fd(kernel, fd).ok_or("the passed fd is not a terminal")?;
            (Stdio::Console(console.clone()), Some(console))
        } else {
            let mut it = fds.into_iter();
            (Stdio::Host([it.next(), it.next(), it.next()]), None)
        };
        let mut spec = bundle::process_spec(kernel, &process, stdio)?;
        spec.seccomp = sandbox.seccomp.clone();
        let tg = kernel.spawn(spec, None)?;
        Ok((tg, console))
    })();
    match started {
        Ok((tg, console)) => {
            control::reply(stream, &json!({ "pid": tg.tgid }));
            let status = tg.wait_done();
            if let Some(c) = console {
                c.close();
            }
            control::reply(stream, &json!({ "exit": status.shell_code() }));
        }
        Err(e) => control::reply(stream, &json!({ "error": e.message })),
    }
}

/// The `ps` reply: every process with its pid, parent, user and name.
fn processes(kernel: &Kernel) -> Value {
    let list: Vec<Value> = kernel
        .thread_groups()
        .iter()
        .filter(|tg| tg.exit_status().is_none())
        .map(|tg| {
            let leader = tg.tasks().into_iter().next();
            let uid = leader.as_ref().map_or(0, |t| t.creds().uid.real);
            let comm = leader
                .as_ref()
                .map(|t| String::from_utf8_lossy(&t.comm.lock()).into_owned())
                .unwrap_or_default();
            json!({"pid": tg.tgid, "ppid": tg.ppid(), "uid": uid, "comm": comm})
        })
        .collect();
    json!({ "processes": list })
}

/// Ends this process as init ended: the same exit code, or killed by the same
/// signal (with no core file), so whoever waits for the sentry sees init's status.
fn end_like(status: ExitStatus) -> ExitCode {
    match status {
        ExitStatus::Exited(code) => std::process::exit(code & 0xff),
        ExitStatus::Signaled(sig) | ExitStatus::Dumped(sig) => {
            let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0);
            if let Ok(signal) = Signal::try_from(sig) {
                // SAFETY: resetting a signal to its default action; no handler runs.
                let _ = unsafe {
                    nix::sys::signal::signal(signal, nix::sys::signal::SigHandler::SigDfl)
                };
                let mut set = SigSet::empty();
                set.add(signal);
                let _ = set.thread_unblock();
                let _ = nix::sys::signal::raise(signal);
            }
            std::process::exit(128 + sig)
        }
    }
}
