//! `veil`: run programs in a Veil sandbox.
//!
//! Commands: `veil do` runs one program sandboxed over the host's `/`; `veil syscalls`
//! prints the syscall compatibility table; the OCI runtime commands (runc's command
//! line: `create`, `start`, `run`, `exec`, …) run containers, each a sandbox (see
//! [`oci`]).

mod commands;
mod host_signals;
mod logging;
mod oci;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Veil: an application kernel for Linux programs.
#[derive(Parser, Debug)]
#[command(name = "veil", version, about)]
struct Cli {
    #[command(flatten)]
    globals: oci::GlobalOptions,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a program sandboxed, with the host's / visible read-only.
    Do(commands::do_cmd::DoArgs),
    /// Print the syscall compatibility table (docs/compatibility.md).
    Syscalls(commands::syscalls::SyscallsArgs),
    /// Write a starting config.json.
    Spec(oci::spec_cmd::SpecArgs),
    /// Create a container: its sandbox ready, its process waiting for `start`.
    Create(oci::lifecycle::CreateArgs),
    /// Start a created container's process.
    Start(oci::lifecycle::IdArgs),
    /// Create and start a container, and (without -d) wait for it and delete it.
    Run(oci::lifecycle::RunArgs),
    /// Print a container's state as JSON.
    State(oci::lifecycle::IdArgs),
    /// Send a signal to a container's init (or all its processes).
    Kill(oci::lifecycle::KillArgs),
    /// Delete a stopped container (with --force, a running one).
    Delete(oci::lifecycle::DeleteArgs),
    /// Run a new process in a running container.
    Exec(oci::exec::ExecArgs),
    /// List a container's processes.
    Ps(oci::query::PsArgs),
    /// List the containers.
    List(oci::query::ListArgs),
    /// Pause a container's processes (not supported yet).
    Pause(oci::lifecycle::IdArgs),
    /// Resume a paused container (not supported yet).
    Resume(oci::lifecycle::IdArgs),
    /// Print a container's resource use.
    Events(oci::query::EventsArgs),
    /// Print what this runtime supports, as JSON.
    Features,
    /// The sentry of a container (started by `create`).
    #[command(hide = true)]
    Boot(oci::boot::BootArgs),
}

/// Exit status when the sentry itself fails (a bug): no guest status to report.
const INTERNAL_ERROR: i32 = 125;

/// A panic on any sentry thread is a sentry bug: say so in one line and end the whole
/// sandbox (the guests die with it: their stubs are traced with `PTRACE_O_EXITKILL`),
/// rather than leave the other threads waiting for the one that died.
fn end_sandbox_on_panic() {
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("a sentry thread");
        eprintln!("veil: internal error in {name}: {info}");
        std::process::exit(INTERNAL_ERROR);
    }));
}

fn main() -> ExitCode {
    end_sandbox_on_panic();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            if e.use_stderr() {
                // One line, as runc and runsc do: the first line of clap's message.
                let msg = e.to_string();
                let first = msg
                    .lines()
                    .next()
                    .unwrap_or("bad usage")
                    .trim_start_matches("error: ");
                eprintln!("veil: {first} (see 'veil --help')");
            } else {
                let _ = e.print();
            }
            return ExitCode::from(code);
        }
    };
    let g = &cli.globals;
    let result = match cli.command {
        Command::Do(args) => return commands::do_cmd::run(args),
        Command::Syscalls(args) => return commands::syscalls::run(args),
        Command::Boot(args) => return oci::boot::run(g, args),
        Command::Spec(args) => oci::spec_cmd::spec(&args),
        Command::Create(args) => oci::lifecycle::create(g, &args),
        Command::Start(args) => oci::lifecycle::start(g, &args),
        Command::Run(args) => oci::lifecycle::run(g, &args),
        Command::State(args) => oci::lifecycle::state(g, &args),
        Command::Kill(args) => oci::lifecycle::kill(g, &args),
        Command::Delete(args) => oci::lifecycle::delete(g, &args),
        Command::Exec(args) => oci::exec::exec(g, &args),
        Command::Ps(args) => oci::query::ps(g, &args),
        Command::List(args) => oci::query::list(g, &args),
        Command::Pause(_) => oci::query::pause(g, "pause"),
        Command::Resume(_) => oci::query::pause(g, "resume"),
        Command::Events(args) => oci::query::events(g, &args),
        Command::Features => oci::query::features(),
    };
    oci::finish(g, result)
}
