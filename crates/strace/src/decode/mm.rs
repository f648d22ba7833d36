//! Memory mappings.

use super::Ret;
use crate::ctx::Ctx;
use crate::xlat::{self, MADVISE, MREMAP_FLAGS, MSYNC_FLAGS, PROT};
use veil_abi::flags::mman::MREMAP_FIXED;

/// `mmap(addr, length, prot, flags, fd, offset)`; the result prints in hex.
pub(super) fn mmap(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.ptr(0));
    out.push(c.ulong(1));
    out.push(prot(c, 2));
    out.push(xlat::mmap_flags(c.arg(3) & 0xffff_ffff));
    out.push(c.fd(4));
    out.push(c.hex(5));
    Ret::Hex
}

/// `mprotect(addr, len, prot)`.
pub(super) fn mprotect(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.ptr(0));
    out.push(c.ulong(1));
    out.push(prot(c, 2));
    Ret::Dec
}

fn prot(c: &Ctx, i: usize) -> String {
    xlat::flags(PROT, c.arg(i) & 0xffff_ffff, "PROT_???")
}

/// `mremap(old_address, old_size, new_size, flags[, new_address])`; hex result.
pub(super) fn mremap(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.ptr(0));
    out.push(c.ulong(1));
    out.push(c.ulong(2));
    let flags = c.arg(3) & 0xffff_ffff;
    out.push(xlat::flags(MREMAP_FLAGS, flags, "MREMAP_???"));
    if flags & u64::from(MREMAP_FIXED) != 0 {
        out.push(c.ptr(4));
    }
    Ret::Hex
}

/// `msync(addr, length, flags)`.
pub(super) fn msync(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.ptr(0));
    out.push(c.ulong(1));
    out.push(xlat::flags(MSYNC_FLAGS, c.arg(2) & 0xffff_ffff, "MS_???"));
    Ret::Dec
}

/// `madvise(addr, length, advice)`.
pub(super) fn madvise(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.ptr(0));
    out.push(c.ulong(1));
    out.push(xlat::xval(MADVISE, c.arg(2) & 0xffff_ffff, "MADV_???"));
    Ret::Dec
}
