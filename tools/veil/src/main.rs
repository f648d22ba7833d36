//! `veil`: run programs in a Veil sandbox.
//!
//! Commands: `veil do` runs one program sandboxed over the host's `/`; `veil syscalls`
//! prints the syscall compatibility table. The OCI runtime commands arrive with their
//! own issue.

mod commands;
mod logging;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Veil: an application kernel for Linux programs.
#[derive(Parser, Debug)]
#[command(name = "veil", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a program sandboxed, with the host's / visible read-only.
    Do(commands::do_cmd::DoArgs),
    /// Print the syscall compatibility table (docs/compatibility.md).
    Syscalls(commands::syscalls::SyscallsArgs),
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
    match cli.command {
        Command::Do(args) => commands::do_cmd::run(args),
        Command::Syscalls(args) => commands::syscalls::run(args),
    }
}
