//! Private file mappings (`MAP_PRIVATE` of a file): copy on write from the file's
//! pages.
//!
//! A page the guest has not written is the file's own page, installed read-only, so
//! the mapping sees writes made to the file afterwards (`pwrite`, a shared mapping)
//! as Linux's does. The first write, by the guest (a protection fault) or by the
//! sentry on its behalf (`copy_out`), copies the file page into the VMA's backing and
//! records it in the VMA's [`CowPages`]; from then on the page is the mapping's own.
//! `MADV_DONTNEED` forgets the copies, and the pages read the file again.
//!
//! Locks: the memory manager's `state` (held by every caller here) → the space's
//! translation lock → the file's locks; the `CowPages` set is a leaf.

use std::sync::Arc;

use veil_abi::{page_down, Errno, PAGE_SIZE};
use veil_memmap::mapping::{AccessType, AddrRange, MapError, MappableRange, MappingSpace};
use veil_platform::{FaultCause, Prot};

use super::vma::{CowPages, Vma, VmaFile};
use super::{Access, BUS_ADRERR};
use super::{FaultSignal, MemoryManager, Pieces, SEGV_ACCERR, SEGV_MAPERR};

/// Where the sentry found one page of a private file mapping.
enum PrivatePage {
    /// The mapping's own copy, at this memory-file offset.
    Copied(u64),
    /// The file's page, at this memory-file offset.
    File(u64),
}

impl MemoryManager {
    /// The file offset of `addr` in `vma`'s file.
    fn file_offset(vma: &Vma, file: &VmaFile, addr: u64) -> u64 {
        file.offset + (addr - vma.start)
    }

    /// The file's memory-file offset of the page at `page` (read access), `Bus` if the
    /// file has no page there (beyond its end).
    fn file_page(vma: &Vma, file: &VmaFile, page: u64) -> Result<u64, MapError> {
        let foff = Self::file_offset(vma, file, page);
        let range = MappableRange::new(foff, foff + PAGE_SIZE);
        let t = file
            .mappable
            .translate(range, range, AccessType::new(true, false, false))?;
        t.iter()
            .find(|t| t.source.start <= foff && foff < t.source.end)
            .map(|t| t.file_offset_of(foff))
            .ok_or(MapError::Bus)
    }

    /// Looks up the page at `page`: its copy, or (copying it first when `write`) the
    /// file's page. A copy made here replaces any installed file page in the host, so
    /// that the guest's next touch faults in the copy.
    ///
    /// Precondition: the caller holds `state`.
    fn private_page(
        &self,
        vma: &Vma,
        file: &VmaFile,
        cow: &CowPages,
        page: u64,
        write: bool,
    ) -> Result<PrivatePage, MapError> {
        let own = vma.offset_of(page);
        if cow.lock().contains(&own) {
            return Ok(PrivatePage::Copied(own));
        }
        let _t = self.space.translation.lock();
        let from = Self::file_page(vma, file, page)?;
        if !write {
            return Ok(PrivatePage::File(from));
        }
        self.mf.copy_range(from, own, PAGE_SIZE);
        // copy_range skips holes: a file page never written reads as zeros, and so
        // does the fresh copy.
        cow.lock().insert(own);
        if let Err(e) = self.aspace.unmap(page, PAGE_SIZE) {
            tracing::error!("dropping the file page at {page:#x}: {e}");
        }
        Ok(PrivatePage::Copied(own))
    }

    /// Resolves a fault at `page` in the private file mapping `vma`: a write to a file
    /// page (`Protection` in a writable VMA) copies it; a first touch installs the
    /// file's pages of the window `[win_start, win_end)` read-only, and the copies
    /// among them as they are.
    pub(super) fn fault_private_file(
        &self,
        vma: &Vma,
        page: u64,
        win_start: u64,
        win_end: u64,
        cause: FaultCause,
    ) -> Result<(), FaultSignal> {
        let (Some(file), Some(cow)) = (
            vma.file.as_ref(),
            vma.file.as_ref().and_then(|f| f.cow.as_ref()),
        ) else {
            return Err(SEGV_MAPERR);
        };
        let bus = |e: MapError| match e {
            MapError::Bus => BUS_ADRERR,
            _ => SEGV_ACCERR,
        };
        let install = |addr: u64, len: u64, off: u64, prot: Prot| {
            self.aspace.map_file(addr, len, off, prot).map_err(|e| {
                tracing::error!("installing private file pages at {addr:#x}: {e}");
                SEGV_ACCERR
            })
        };
        let read_only = Prot {
            write: false,
            ..vma.prot
        };
        if cause == FaultCause::Protection {
            let own = match self.private_page(vma, file, cow, page, true).map_err(bus)? {
                PrivatePage::Copied(own) | PrivatePage::File(own) => own,
            };
            return install(page, PAGE_SIZE, own, vma.prot);
        }
        // The faulting page must exist in the file (else SIGBUS); the rest of the
        // window is installed as far as the file has pages.
        if let PrivatePage::Copied(own) = self
            .private_page(vma, file, cow, page, false)
            .map_err(bus)?
        {
            return install(page, PAGE_SIZE, own, vma.prot);
        }
        let _t = self.space.translation.lock();
        let foff = |a: u64| Self::file_offset(vma, file, a);
        let required = MappableRange::new(foff(page), foff(page) + PAGE_SIZE);
        let optional = MappableRange::new(foff(win_start), foff(win_end));
        let translations = file
            .mappable
            .translate(required, optional, AccessType::new(true, false, false))
            .map_err(bus)?;
        let copied = cow.lock().clone();
        for t in translations {
            let prot = Prot {
                read: read_only.read && t.perms.read,
                write: false,
                execute: read_only.execute && (t.perms.execute || t.perms.read),
            };
            // Runs of pages not copied are the file's; a copied page is the mapping's.
            let first = vma.start + (t.source.start - file.offset);
            let last = vma.start + (t.source.end - file.offset);
            let mut run = first;
            let mut at = first;
            while at <= last {
                let is_copy = at < last && copied.contains(&vma.offset_of(at));
                if at == last || is_copy {
                    if at > run {
                        install(run, at - run, t.file_offset_of(foff(run)), prot)?;
                    }
                    if is_copy {
                        install(at, PAGE_SIZE, vma.offset_of(at), vma.prot)?;
                    }
                    run = at + PAGE_SIZE;
                }
                at += PAGE_SIZE;
            }
        }
        Ok(())
    }

    /// The memory-file pieces of `[cur, stop)` in the private file mapping `vma`, for a
    /// copy by the sentry: reads see copies or the file, writes copy file pages first.
    pub(super) fn translate_private_file(
        &self,
        vma: &Vma,
        file: &VmaFile,
        mut cur: u64,
        stop: u64,
        access: Access,
        pieces: &mut Pieces,
    ) -> Result<(), Errno> {
        let cow = file.cow.as_ref().ok_or(Errno::EFAULT)?;
        while cur < stop {
            let page = page_down(cur);
            let next = (page + PAGE_SIZE).min(stop);
            let at = match self
                .private_page(vma, file, cow, page, access == Access::Write)
                .map_err(|_| Errno::EFAULT)?
            {
                PrivatePage::Copied(off) | PrivatePage::File(off) => off + (cur - page),
            };
            match pieces.last_mut() {
                Some((off, n)) if *off + *n as u64 == at => *n += (next - cur) as usize,
                _ => pieces.push((at, (next - cur) as usize)),
            }
            cur = next;
        }
        Ok(())
    }

    /// The child's copy of the private file mapping `vma`, for `fork`: the same file,
    /// registered for the child's space, and a copy of the pages copied so far.
    pub(super) fn fork_private_file(
        &self,
        vma: &Vma,
        file: &VmaFile,
        child_space: &Arc<dyn MappingSpace>,
    ) -> Result<Vma, Errno> {
        let len = vma.end - vma.start;
        let backing = self.mf.allocate(len).map_err(|_| Errno::ENOMEM)?;
        let copies = CowPages::default();
        if let Some(cow) = &file.cow {
            let parent = vma.backing();
            let mut child = copies.lock();
            for &own in cow.lock().range(parent.start..parent.end) {
                let to = backing.start + (own - vma.offset);
                self.mf.copy_range(own, to, PAGE_SIZE);
                child.insert(to);
            }
        }
        if let Err(e) = file.mappable.add_mapping(
            child_space,
            AddrRange::new(vma.start, vma.end),
            file.offset,
            file.may_write,
        ) {
            self.mf.free(backing);
            return Err(Errno::from(e));
        }
        Ok(Vma {
            offset: backing.start,
            file: Some(VmaFile {
                cow: Some(copies),
                ..file.clone()
            }),
            ..vma.clone()
        })
    }
}
