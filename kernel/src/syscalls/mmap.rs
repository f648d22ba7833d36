//! Memory mapping calls: mmap, munmap, mprotect, brk, madvise.

use veil_abi::flags::mman::*;
use veil_abi::flags::mode::{S_IFCHR, S_IFMT, S_IFREG};
use veil_abi::{page_up, Errno, PAGE_SIZE};
use veil_platform::Prot;

use std::sync::Arc;

use super::{fd_arg, SysResult, SyscallCtx};
use crate::mm::lock::LockMode;
use crate::mm::{InodeMappable, Remap, VmaFile};

const PROT_VALID: u32 = PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP;
/// Flags `MAP_SHARED_VALIDATE` accepts; any other bit is `EOPNOTSUPP` there.
const MAP_KNOWN: u32 = MAP_TYPE
    | MAP_FIXED
    | MAP_ANONYMOUS
    | MAP_32BIT
    | MAP_GROWSDOWN
    | MAP_DENYWRITE
    | MAP_EXECUTABLE
    | MAP_LOCKED
    | MAP_NORESERVE
    | MAP_POPULATE
    | MAP_NONBLOCK
    | MAP_STACK
    | MAP_HUGETLB
    | MAP_SYNC
    | MAP_FIXED_NOREPLACE;
/// Bytes read from a file per host call while filling a file mapping.
const FILL_CHUNK: usize = 1 << 20;

/// `mmap(addr, length, prot, flags, fd, offset)`; with `MAP_POPULATE` the new
/// mapping's own pages (anonymous memory) are brought in at once, with `MAP_LOCKED`
/// also locked.
pub(super) fn mmap(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let start = map(sc, a)?;
    let flags = a[3] as u32;
    if let Some(end) = page_up(a[1]).map(|len| start + len) {
        if flags & MAP_LOCKED != 0 {
            // As mlock: locked (VmLck) and brought in.
            let _ = sc
                .task
                .mm()
                .lock_range(start, end, Some(LockMode::Populate));
        } else if flags & MAP_POPULATE != 0 {
            sc.task.mm().populate_range(start, end);
        }
    }
    Ok(start)
}

/// The mapping itself of [`mmap`].
fn map(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (addr, len, prot, flags, fd, off) =
        (a[0], a[1], a[2] as u32, a[3] as u32, fd_arg(a[4]), a[5]);
    match flags & MAP_TYPE {
        MAP_SHARED | MAP_PRIVATE => {}
        MAP_SHARED_VALIDATE if flags & !MAP_KNOWN == 0 => {}
        MAP_SHARED_VALIDATE => return Err(Errno::EOPNOTSUPP),
        _ => return Err(Errno::EINVAL),
    }
    if len == 0 || prot & !PROT_VALID != 0 || off % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    let len_pages = page_up(len).ok_or(Errno::ENOMEM)?;
    let fixed = flags & MAP_FIXED != 0;
    let noreplace = flags & MAP_FIXED_NOREPLACE != 0;
    let want = Prot::from_bits(prot);
    let mm = &sc.task.mm();
    let shared = flags & MAP_TYPE != MAP_PRIVATE;
    if flags & MAP_ANONYMOUS != 0 {
        if flags & MAP_TYPE == MAP_SHARED_VALIDATE {
            // Linux validates flags only for file mappings: anonymous memory is EINVAL.
            return Err(Errno::EINVAL);
        }
        if shared {
            return mm.map_shared_anonymous(addr, len_pages, want, fixed, noreplace);
        }
        return mm.map_anonymous(addr, len_pages, want, fixed, noreplace, None);
    }
    let file = sc.task.files.get(fd)?;
    let st = file.ops.stat()?;
    let kind = st.st_mode & S_IFMT;
    if !file.readable() {
        return Err(Errno::EACCES);
    }
    if flags & MAP_TYPE != MAP_PRIVATE && prot & PROT_WRITE != 0 {
        if let Some(memfd) = crate::memfd::as_memfd(&*file.ops) {
            memfd.check_shared_writable_map()?;
        }
    }
    if flags & MAP_TYPE != MAP_PRIVATE && prot & PROT_WRITE != 0 && !file.writable() {
        return Err(Errno::EACCES);
    }
    if kind == S_IFCHR && st.st_rdev == nix::sys::stat::makedev(1, 5) {
        // /dev/zero: an anonymous mapping, shared across fork if asked.
        if shared {
            return mm.map_shared_anonymous(addr, len_pages, want, fixed, noreplace);
        }
        return mm.map_anonymous(addr, len_pages, want, fixed, noreplace, None);
    }
    if kind != S_IFREG {
        return Err(Errno::ENODEV);
    }
    let inode = file.location.as_ref().map(|l| l.inode().clone());
    let mappable = inode.filter(|i| i.mappable().is_some());
    if flags & MAP_TYPE != MAP_PRIVATE {
        // Shared: the file's own pages, coherent with read/write of the file.
        let vma_file = VmaFile {
            mappable: Arc::new(InodeMappable(mappable.ok_or(Errno::ENODEV)?)),
            offset: off,
            may_write: file.writable(),
            path: Arc::from(file.path.as_str()),
            cow: None,
            snapshot: None,
        };
        return mm.map_shared_file(addr, len_pages, want, fixed, noreplace, vma_file);
    }
    off.checked_add(len_pages).ok_or(Errno::EOVERFLOW)?;
    if let Some(inode) = mappable {
        // Private: the file's pages until written, then copies.
        let vma_file = VmaFile {
            mappable: Arc::new(InodeMappable(inode)),
            offset: off,
            may_write: false,
            path: Arc::from(file.path.as_str()),
            cow: None,
            snapshot: None,
        };
        match mm.map_private_file(addr, len_pages, want, fixed, noreplace, vma_file) {
            Ok(start) => return Ok(start),
            // A file whose pages cannot be mapped (a host file not in memory) is
            // copied instead.
            Err(Errno::ENODEV | Errno::EFAULT | Errno::EPERM) => {}
            Err(e) => return Err(e),
        }
    }
    // A file without pages to map (a host file, a /proc file): a private copy of its
    // bytes, taken now.
    let rw = Prot {
        read: true,
        write: true,
        execute: false,
    };
    let start = mm.map_anonymous(addr, len_pages, rw, fixed, noreplace, None)?;
    let size = st.st_size.max(0) as u64;
    let mut buf = vec![0u8; FILL_CHUNK];
    let mut done = 0u64;
    let end = len.min(size.saturating_sub(off));
    while done < end {
        let want_n = ((end - done) as usize).min(FILL_CHUNK);
        let n = match file.ops.pread(&mut buf[..want_n], off + done) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                let _ = mm.unmap(start, len_pages);
                return Err(e);
            }
        };
        mm.poke(start + done, &buf[..n])?;
        done += n as u64;
    }
    if want != rw {
        mm.protect(start, len_pages, want)?;
    }
    Ok(start)
}

/// `munmap(addr, length)`.
pub(super) fn munmap(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    sc.task.mm().unmap(a[0], a[1]).map(|()| 0)
}

/// `mprotect(addr, length, prot)`.
pub(super) fn mprotect(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let prot = a[2] as u32;
    if prot & !PROT_VALID != 0
        || prot & (PROT_GROWSDOWN | PROT_GROWSUP) == PROT_GROWSDOWN | PROT_GROWSUP
    {
        return Err(Errno::EINVAL);
    }
    sc.task
        .mm()
        .protect(a[0], a[1], Prot::from_bits(prot))
        .map(|()| 0)
}

/// `brk(addr)`: returns the new break, or the old one if it cannot move.
pub(super) fn brk(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    Ok(sc.task.mm().brk(a[0]))
}

/// `madvise(addr, length, advice)`.
pub(super) fn madvise(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    const MADV_DONTNEED: u64 = 4;
    const MADV_FREE: u64 = 8;
    const MADV_REMOVE: u64 = 9;
    // NORMAL RANDOM SEQUENTIAL WILLNEED, DONTFORK DOFORK MERGEABLE UNMERGEABLE
    // HUGEPAGE NOHUGEPAGE DONTDUMP DODUMP WIPEONFORK KEEPONFORK COLD PAGEOUT
    // POPULATE_READ POPULATE_WRITE COLLAPSE.
    const ACCEPTED: &[u64] = &[
        0, 1, 2, 3, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 25,
    ];
    let (addr, len, advice) = (a[0], a[1], a[2]);
    if addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    let len = page_up(len).ok_or(Errno::EINVAL)?;
    if len == 0 {
        // Linux accepts an empty range for any valid advice and does nothing.
        return if advice == MADV_DONTNEED
            || advice == MADV_FREE
            || advice == MADV_REMOVE
            || ACCEPTED.contains(&advice)
        {
            Ok(0)
        } else {
            Err(Errno::EINVAL)
        };
    }
    match advice {
        MADV_DONTNEED | MADV_FREE | MADV_REMOVE => sc.task.mm().decommit(addr, len).map(|()| 0),
        x if ACCEPTED.contains(&x) => sc.task.mm().check_mapped(addr, len).map(|()| 0),
        _ => Err(Errno::EINVAL),
    }
}

/// `msync(addr, length, flags)`: shared file mappings map the file's own pages, so
/// there is nothing to write back; the call checks its arguments and that the range is
/// mapped (`ENOMEM`).
pub(super) fn msync(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    const MS_ASYNC: u64 = 1;
    const MS_INVALIDATE: u64 = 2;
    const MS_SYNC: u64 = 4;
    let (addr, len, flags) = (a[0], a[1], a[2]);
    if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || flags & (MS_ASYNC | MS_SYNC) == MS_ASYNC | MS_SYNC
        || addr % PAGE_SIZE != 0
    {
        return Err(Errno::EINVAL);
    }
    let len = page_up(len).ok_or(Errno::ENOMEM)?;
    if len == 0 {
        return Ok(0);
    }
    sc.task.mm().check_mapped(addr, len).map(|()| 0)
}

/// `mremap(old_address, old_size, new_size, flags, new_address)`.
pub(super) fn mremap(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let flags = a[3] as u32;
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 {
        return Err(Errno::EINVAL);
    }
    let may_move = flags & MREMAP_MAYMOVE != 0;
    let fixed = flags & MREMAP_FIXED != 0;
    let dont_unmap = flags & MREMAP_DONTUNMAP != 0;
    if (fixed || dont_unmap) && !may_move {
        return Err(Errno::EINVAL);
    }
    // DONTUNMAP moves the whole mapping; a zero old size duplicates, which needs MAYMOVE.
    if (dont_unmap && a[1] != a[2]) || (a[1] == 0 && !may_move) {
        return Err(Errno::EINVAL);
    }
    // With DONTUNMAP the new address is a hint even without FIXED, and must be aligned.
    let hint = if dont_unmap && !fixed { a[4] } else { 0 };
    if hint % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    sc.task.mm().remap(Remap {
        old: a[0],
        old_len: a[1],
        new_len: a[2],
        may_move,
        fixed: fixed.then_some(a[4]),
        hint,
        dont_unmap,
    })
}

/// `pkey_alloc(flags, access_rights)`: the sandbox's CPU offers no memory protection
/// keys (`/proc/cpuinfo` shows no `pku`), so, as Linux on such a CPU, `EINVAL`.
pub(super) fn pkey_alloc(_sc: &mut SyscallCtx<'_>, _a: [u64; 6]) -> SysResult {
    Err(Errno::EINVAL)
}

/// `pkey_free(pkey)`: no key was ever allocated, so `EINVAL`.
pub(super) fn pkey_free(_sc: &mut SyscallCtx<'_>, _a: [u64; 6]) -> SysResult {
    Err(Errno::EINVAL)
}

/// `pkey_mprotect(addr, len, prot, pkey)`: with key -1 (the default key) it is
/// `mprotect`; any other key is `EINVAL` (none can exist).
pub(super) fn pkey_mprotect(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if a[3] as i32 != -1 {
        return Err(Errno::EINVAL);
    }
    mprotect(sc, [a[0], a[1], a[2], 0, 0, 0])
}
