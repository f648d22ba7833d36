//! The host signals `veil`'s front ends pass on to their sandbox (`veil do`,
//! `veil boot`, a foreground `run` or `exec`): they are blocked in the main thread
//! before any other thread exists, so every thread inherits the mask, and one
//! thread takes them with `sigwait` and hands each on.

use nix::sys::signal::{SigSet, Signal};

/// The signals passed on: a terminal's or a supervisor's (`kill`) requests.
pub const FORWARDED: [Signal; 6] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
];

/// Blocks [`FORWARDED`] and `extra` in the calling thread; the set, for
/// [`spawn_waiter`]. Call it before starting any other thread.
pub fn block(extra: &[Signal]) -> nix::Result<SigSet> {
    let mut set = SigSet::empty();
    for s in FORWARDED.iter().chain(extra) {
        set.add(*s);
    }
    set.thread_block()?;
    Ok(set)
}

/// Starts a thread `name` that waits for the signals of `set` (blocked by
/// [`block`]) and calls `on_signal` with each, for as long as the process lives.
pub fn spawn_waiter(
    name: &str,
    set: SigSet,
    mut on_signal: impl FnMut(Signal) + Send + 'static,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || loop {
            if let Ok(sig) = set.wait() {
                on_signal(sig);
            }
        })
        .map(drop)
}
