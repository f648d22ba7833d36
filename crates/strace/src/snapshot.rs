//! Copies of guest memory taken before a call that replaces the address space, so that
//! the call can still be formatted once it has completed.
//!
//! strace prints `execve`'s arguments when the call starts. This crate formats completed
//! calls, and after a successful `execve` the old `argv` is gone (or, worse, the same
//! addresses now hold the new image's data). A [`Snapshot`] taken before the call records
//! exactly the bytes the formatter reads and serves them afterwards.

use std::cell::RefCell;

use crate::{format_call_with, GuestReader, Options};
use veil_abi::sysno::{SYS_EXECVE, SYS_EXECVEAT};

/// Whether call `nr` must be captured with [`Snapshot::capture`] before it runs to be
/// formatted correctly afterwards (`execve`, `execveat`).
pub fn needs_snapshot(nr: u64) -> bool {
    matches!(nr, SYS_EXECVE | SYS_EXECVEAT)
}

/// The guest memory a call's formatting reads, copied before the call ran. Pass it as
/// the [`GuestReader`] when formatting the completed call.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    regions: Vec<(u64, Vec<u8>)>,
}

impl Snapshot {
    /// Copies what formatting call `nr` with `args` reads from `mem`, using the same
    /// string limit as `opts`. Call it before the call runs.
    pub fn capture(nr: u64, args: &[u64; 6], mem: &dyn GuestReader, opts: &Options) -> Self {
        let recorder = Recorder {
            inner: mem,
            seen: RefCell::new(Vec::new()),
        };
        // The arguments of the calls that need a snapshot print the same whatever the
        // result, so formatting as if the call returned 0 reads everything needed.
        let _ = format_call_with(nr, args, 0, &recorder, opts);
        Snapshot {
            regions: recorder.seen.into_inner(),
        }
    }
}

impl GuestReader for Snapshot {
    fn read_bytes(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        self.regions.iter().find_map(|(base, bytes)| {
            let off = usize::try_from(addr.checked_sub(*base)?).ok()?;
            bytes.get(off..off.checked_add(len)?).map(<[u8]>::to_vec)
        })
    }
}

/// Passes reads through and keeps a copy of every successful one.
struct Recorder<'a> {
    inner: &'a dyn GuestReader,
    seen: RefCell<Vec<(u64, Vec<u8>)>>,
}

impl GuestReader for Recorder<'_> {
    fn read_bytes(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        let bytes = self.inner.read_bytes(addr, len)?;
        self.seen.borrow_mut().push((addr, bytes.clone()));
        Some(bytes)
    }
}
