//! The state one decoder sees: the call's arguments and result, and guest memory. Holds
//! the argument printers every family shares (fds, paths, buffers, numbers).

use crate::value::{self, Escape};
use crate::GuestReader;

/// `PATH_MAX`: paths print in full up to this length, unlike other strings.
const PATH_MAX: usize = 4096;

/// Largest chunk read at once when looking for a string's NUL: reads never cross a page,
/// so a readable string before an unmapped page is still found.
const PAGE: u64 = 4096;

/// A completed call as a decoder sees it.
pub(crate) struct Ctx<'a> {
    args: &'a [u64; 6],
    ret: u64,
    mem: &'a dyn GuestReader,
    limit: usize,
}

impl<'a> Ctx<'a> {
    /// Wraps one completed call. `limit` is strace's `-s`.
    pub(crate) fn new(
        args: &'a [u64; 6],
        ret: u64,
        mem: &'a dyn GuestReader,
        limit: usize,
    ) -> Self {
        Ctx {
            args,
            ret,
            mem,
            limit,
        }
    }

    /// Raw argument `i` (0-based).
    pub(crate) fn arg(&self, i: usize) -> u64 {
        self.args.get(i).copied().unwrap_or(0)
    }

    /// The raw return value.
    pub(crate) fn ret(&self) -> u64 {
        self.ret
    }

    /// The error number when the call failed (`rax` in `-4095..=-1`).
    pub(crate) fn errno(&self) -> Option<u64> {
        let r = self.ret as i64;
        (-4095..0).contains(&r).then(|| r.unsigned_abs())
    }

    /// Whether the call failed.
    pub(crate) fn failed(&self) -> bool {
        self.errno().is_some()
    }

    /// strace's string limit (`-s`).
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    // ---- guest memory -------------------------------------------------------------------

    /// Reads exactly `len` bytes at `addr`, or `None` if any of them is unreadable.
    pub(crate) fn read(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        if len == 0 {
            return Some(Vec::new());
        }
        addr.checked_add(len as u64 - 1)?;
        let mut v = self.mem.read_bytes(addr, len)?;
        if v.len() < len {
            return None;
        }
        v.truncate(len);
        Some(v)
    }

    /// Reads a `u64` at `addr`.
    pub(crate) fn read_u64(&self, addr: u64) -> Option<u64> {
        self.read(addr, 8).map(|b| value::u64_at(&b, 0))
    }

    /// Reads a `u32` at `addr`.
    pub(crate) fn read_u32(&self, addr: u64) -> Option<u32> {
        self.read(addr, 4).map(|b| value::u32_at(&b, 0))
    }

    /// Reads a NUL-terminated string of at most `max` bytes at `addr`. Returns the bytes
    /// before the NUL and whether the NUL was found; `None` if not even the first byte is
    /// readable.
    pub(crate) fn read_cstr(&self, addr: u64, max: usize) -> Option<(Vec<u8>, bool)> {
        let mut out: Vec<u8> = Vec::new();
        let mut cur = addr;
        let mut bytewise = false;
        while out.len() < max {
            let to_page_end = PAGE - cur % PAGE;
            let want = if bytewise {
                1
            } else {
                (max - out.len()).min(to_page_end as usize)
            };
            let chunk = match self.read(cur, want) {
                Some(c) => c,
                // Some readers only serve exact ranges; retry one byte at a time.
                None if !bytewise => {
                    bytewise = true;
                    continue;
                }
                None if out.is_empty() => return None,
                None => return Some((out, false)),
            };
            if let Some(nul) = chunk.iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..nul]);
                return Some((out, true));
            }
            out.extend_from_slice(&chunk);
            match cur.checked_add(want as u64) {
                Some(next) => cur = next,
                None => return Some((out, false)),
            }
        }
        Some((out, false))
    }

    // ---- memory printers ----------------------------------------------------------------

    /// A NUL-terminated string at `addr`, cut at `limit` bytes with `...` after the quote.
    pub(crate) fn cstr_at(&self, addr: u64, limit: usize) -> String {
        if addr == 0 {
            return "NULL".to_string();
        }
        match self.read_cstr(addr, limit.saturating_add(1)) {
            None => value::addr(addr),
            Some((mut bytes, found_nul)) => {
                let cut = bytes.len() > limit || !found_nul;
                bytes.truncate(limit);
                let mut s = value::quote(&bytes, Escape::Octal);
                if cut {
                    s.push_str("...");
                }
                s
            }
        }
    }

    /// A string argument cut at the string limit (`execve`'s argv entries).
    pub(crate) fn string_at(&self, addr: u64) -> String {
        self.cstr_at(addr, self.limit)
    }

    /// A path: a string printed in full up to `PATH_MAX`.
    pub(crate) fn path_at(&self, addr: u64) -> String {
        self.cstr_at(addr, PATH_MAX)
    }

    /// `len` bytes at `addr` (strace's `printstrn`): at most the string limit, followed by
    /// `...` when `len` is longer.
    pub(crate) fn buf_at(&self, addr: u64, len: u64) -> String {
        self.buf_at_esc(addr, len, Escape::Octal)
    }

    /// Like [`Ctx::buf_at`] with a chosen escape style.
    pub(crate) fn buf_at_esc(&self, addr: u64, len: u64, esc: Escape) -> String {
        if addr == 0 {
            return "NULL".to_string();
        }
        let n = len.min(self.limit as u64) as usize;
        match self.read(addr, n) {
            None => value::addr(addr),
            Some(bytes) => {
                let mut s = value::quote(&bytes, esc);
                if len > self.limit as u64 {
                    s.push_str("...");
                }
                s
            }
        }
    }

    /// Like [`Ctx::buf_at`], leaving out one trailing NUL (xattr values: `"val"` for
    /// `val\0`).
    pub(crate) fn buf_omit_nul_at(&self, addr: u64, len: u64) -> String {
        let last = len
            .checked_sub(1)
            .and_then(|i| addr.checked_add(i))
            .and_then(|a| self.read(a, 1));
        let len = if last.as_deref() == Some(&[0]) {
            len - 1
        } else {
            len
        };
        self.buf_at(addr, len)
    }

    /// A path up to `len` bytes long written by the call (`getcwd`): printed in full.
    pub(crate) fn path_n_at(&self, addr: u64, len: u64) -> String {
        if addr == 0 {
            return "NULL".to_string();
        }
        let n = len.min(PATH_MAX as u64) as usize;
        match self.read(addr, n) {
            None => value::addr(addr),
            Some(bytes) => value::quote(value::cstr_field(&bytes), Escape::Octal),
        }
    }

    /// A single `int` the call read or wrote, as `[42]`; the address when unreadable.
    pub(crate) fn int_ref_at(&self, addr: u64) -> String {
        if addr == 0 {
            return "NULL".to_string();
        }
        match self.read_u32(addr) {
            Some(v) => format!("[{}]", v as i32),
            None => value::addr(addr),
        }
    }

    // ---- argument printers --------------------------------------------------------------

    /// Argument `i` as a C `int`.
    pub(crate) fn int(&self, i: usize) -> String {
        (self.arg(i) as u32 as i32).to_string()
    }

    /// Argument `i` as a C `unsigned int`.
    pub(crate) fn uint(&self, i: usize) -> String {
        (self.arg(i) as u32).to_string()
    }

    /// Argument `i` as an unsigned long, in decimal.
    pub(crate) fn ulong(&self, i: usize) -> String {
        self.arg(i).to_string()
    }

    /// Argument `i` as a signed long (offsets).
    pub(crate) fn long(&self, i: usize) -> String {
        (self.arg(i) as i64).to_string()
    }

    /// Argument `i` in hex (`0` or `0x2a`).
    pub(crate) fn hex(&self, i: usize) -> String {
        value::hex(self.arg(i))
    }

    /// Argument `i` as an address (`NULL` or `0x7ffd1234`).
    pub(crate) fn ptr(&self, i: usize) -> String {
        value::addr(self.arg(i))
    }

    /// Argument `i` as a file descriptor.
    pub(crate) fn fd(&self, i: usize) -> String {
        self.int(i)
    }

    /// Argument `i` as the directory fd of an `*at` call (`AT_FDCWD`).
    pub(crate) fn dirfd(&self, i: usize) -> String {
        let fd = self.arg(i) as u32 as i32;
        if fd == veil_abi::flags::at::AT_FDCWD {
            "AT_FDCWD".to_string()
        } else {
            fd.to_string()
        }
    }

    /// Argument `i` as a path.
    pub(crate) fn path(&self, i: usize) -> String {
        self.path_at(self.arg(i))
    }

    /// Argument `i` as a file mode (`0644`).
    pub(crate) fn mode(&self, i: usize) -> String {
        value::mode(self.arg(i) & 0xffff_ffff)
    }
}
