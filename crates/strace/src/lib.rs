//! Formats one guest system call the way strace(1) prints it by default, for
//! `veil do --strace`:
//!
//! ```text
//! openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3
//! read(3, "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0\0\0\0\0\0\0\0\0"..., 832) = 832
//! access("/etc/ld.so.preload", R_OK)      = -1 ENOENT (No such file or directory)
//! ```
//!
//! The formatter sees a call once it has completed: its number, six argument registers,
//! the raw return value and a [`GuestReader`] over the caller's memory. Buffers the call
//! wrote (`read`, `stat`, `getcwd`, ...) are printed from guest memory after the call;
//! unreadable pointers print in hex, as strace prints them. `execve` replaces the memory
//! its arguments live in; take a [`Snapshot`] before such a call ([`needs_snapshot`]) and
//! format the completed call with it.
//!
//! Layout: `decode` holds one module per family of calls and the table that picks a
//! decoder; `xlat` the flag and constant tables; `value` escaping and number formats;
//! `ctx` guest memory access and argument printers; `errno` error names and messages;
//! `nargs` the argument count of every call, for calls printed raw; `snapshot` the
//! pre-call memory copies.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ctx;
mod decode;
mod errno;
mod nargs;
mod snapshot;
mod value;
mod xlat;

#[cfg(test)]
mod tests;

pub use snapshot::{needs_snapshot, Snapshot};
use veil_abi::sysno;

/// Reads guest memory for the formatter; returns None when the range is not readable (the formatter then prints the address in hex, as strace does for unreadable pointers).
pub trait GuestReader {
    /// Reads `len` bytes at guest address `addr`, or `None` if any byte is unreadable.
    fn read_bytes(&self, addr: u64, len: usize) -> Option<Vec<u8>>;
}

/// Output settings, matching strace's command-line options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Longest string printed before `...` (strace's `-s`, default 32). Paths are always
    /// printed in full, as strace does.
    pub string_limit: usize,
    /// Column at which `= result` starts when the call is shorter (strace's `-a`,
    /// default 40). Use 0 for a single space; a caller that prefixes lines (with a pid,
    /// say) can subtract the prefix's width to keep strace's alignment.
    pub align_column: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            string_limit: 32,
            align_column: 40,
        }
    }
}

/// Formats a completed call: `name(args) = result`, without a trailing newline.
///
/// Uses strace's defaults ([`Options::default`]): strings cut at 32 bytes and the result
/// aligned at column 40, so `close(3)` prints as `close(3)` padded with spaces, then `= 0`.
pub fn format_call(nr: u64, args: &[u64; 6], ret: u64, mem: &dyn GuestReader) -> String {
    format_call_with(nr, args, ret, mem, &Options::default())
}

/// Formats a completed call like [`format_call`], with explicit [`Options`].
pub fn format_call_with(
    nr: u64,
    args: &[u64; 6],
    ret: u64,
    mem: &dyn GuestReader,
    opts: &Options,
) -> String {
    let c = ctx::Ctx::new(args, ret, mem, opts.string_limit);
    let mut printed = Vec::new();
    let (name, kind) = match sysno::name(nr) {
        Some(name) => {
            let kind = decode::decode(nr, &c, &mut printed).unwrap_or_else(|| {
                raw_args(&c, nargs::nargs(nr).unwrap_or(6), &mut printed);
                decode::Ret::Dec
            });
            (name.to_string(), kind)
        }
        None => {
            raw_args(&c, 6, &mut printed);
            (format!("syscall_{nr:#x}"), decode::Ret::Dec)
        }
    };
    let mut line = format!("{name}({}) ", printed.join(", "));
    while line.len() < opts.align_column {
        line.push(' ');
    }
    line.push_str("= ");
    line.push_str(&decode::format_ret(&c, kind));
    line
}

/// The first `n` arguments in hex, as strace prints calls it does not decode.
fn raw_args(c: &ctx::Ctx, n: usize, out: &mut Vec<String>) {
    out.extend((0..n).map(|i| c.hex(i)));
}
