//! `mremap`: shrinking, growing in place, and moving mappings.
//!
//! Moving never copies memory: a moved VMA keeps its memory-file backing (or its file
//! and offset) and only changes address; the installed host pages at the old address
//! are dropped and the new ones fault in lazily. Growing adds a VMA after the last one,
//! backed by a fresh memory-file range (or the file's next offsets), so a grown mapping
//! may show as two lines in `/proc/self/maps` where Linux shows one.

use std::sync::Arc;

use veil_abi::{page_up, Errno, PAGE_SIZE};
use veil_memmap::mapping::{AddrRange, MappingSpace};
use veil_platform::MAX_USER_ADDRESS;

use super::{platform_errno, MemoryManager, MmState, Vma, VmaFile, MIN_USER_ADDRESS};

/// What an `mremap` asks for, flags already checked against each other.
#[derive(Clone, Copy, Debug, Default)]
pub struct Remap {
    /// The mapping's start (page-aligned).
    pub old: u64,
    /// Its length (rounded up to pages; 0 duplicates a shared mapping).
    pub old_len: u64,
    /// The new length (non-zero).
    pub new_len: u64,
    /// `MREMAP_MAYMOVE`.
    pub may_move: bool,
    /// `MREMAP_FIXED`: the new address.
    pub fixed: Option<u64>,
    /// Where a move should go if it can (`new_address` of a `MREMAP_DONTUNMAP` move
    /// without `MREMAP_FIXED`); 0 for anywhere.
    pub hint: u64,
    /// `MREMAP_DONTUNMAP`: the old range stays mapped (anonymous memory there reads as
    /// zeroes afterwards).
    pub dont_unmap: bool,
}

impl MemoryManager {
    /// `mremap`: returns the mapping's new address. `EFAULT` if the old range is not
    /// all mapped, `ENOMEM` if it cannot grow in place and may not move, `EINVAL` for a
    /// fixed destination overlapping the old range or a zero-length old range of a
    /// private mapping.
    pub fn remap(&self, r: Remap) -> Result<u64, Errno> {
        let old_len = page_up(r.old_len).ok_or(Errno::EINVAL)?;
        let new_len = page_up(r.new_len).ok_or(Errno::ENOMEM)?;
        if new_len == 0 || !r.old.is_multiple_of(PAGE_SIZE) {
            return Err(Errno::EINVAL);
        }
        let old_end = r.old.checked_add(old_len).ok_or(Errno::EINVAL)?;
        let mut st = self.state.lock();
        if old_len == 0 {
            return self.duplicate_shared(&mut st, r.old, new_len, r.fixed);
        }
        if !st.fully_mapped(r.old, old_end) {
            return Err(Errno::EFAULT);
        }
        if r.fixed.is_none() && !r.dont_unmap {
            if new_len <= old_len {
                self.unmap_locked(&mut st, r.old + new_len, old_end)?;
                return Ok(r.old);
            }
            let grown_end = r.old.checked_add(new_len);
            if let Some(end) = grown_end.filter(|&e| e <= MAX_USER_ADDRESS) {
                if !st.overlaps(old_end, end) {
                    self.extend(&mut st, old_end, end)?;
                    return Ok(r.old);
                }
            }
            if !r.may_move {
                return Err(Errno::ENOMEM);
            }
        }
        let dest = match r.fixed {
            Some(dest) => {
                let dest_end = dest.checked_add(new_len).ok_or(Errno::EINVAL)?;
                if !dest.is_multiple_of(PAGE_SIZE) || (dest < old_end && r.old < dest_end) {
                    return Err(Errno::EINVAL);
                }
                if dest < MIN_USER_ADDRESS || dest_end > MAX_USER_ADDRESS {
                    return Err(Errno::EINVAL);
                }
                self.unmap_locked(&mut st, dest, dest_end)?;
                dest
            }
            None => st
                .find_gap(r.hint, new_len)
                .filter(|&d| d >= old_end || d + new_len <= r.old)
                .or_else(|| st.find_gap(0, new_len))
                .ok_or(Errno::ENOMEM)?,
        };
        let moved_len = old_len.min(new_len);
        // The tail a shrinking move leaves behind goes.
        self.unmap_locked(&mut st, r.old + moved_len, old_end)?;
        let pieces = st.carve(r.old, r.old + moved_len);
        let space: Arc<dyn MappingSpace> = self.space.clone();
        for piece in pieces {
            let start = dest + (piece.start - r.old);
            let moved = Vma {
                start,
                end: start + (piece.end - piece.start),
                ..piece.clone()
            };
            if let Some(f) = &piece.file {
                f.mappable
                    .add_mapping(
                        &space,
                        AddrRange::new(moved.start, moved.end),
                        f.offset,
                        f.may_write,
                    )
                    .map_err(Errno::from)?;
                if !r.dont_unmap {
                    // The moved VMA keeps the backing (a private mapping's copies).
                    self.release_file(&piece);
                }
            }
            if r.dont_unmap {
                // What stays behind is like a fresh mapping: the file's pages for a file
                // mapping (private copies went with the move), zeroes for anonymous memory.
                let stay = match &piece.file {
                    Some(f) if !f.is_private() => piece.clone(),
                    // Anonymous memory (even shared copy-on-write) stays as fresh zeroes.
                    Some(f) if f.is_snapshot() => {
                        let len = piece.end - piece.start;
                        let backing = self.mf.allocate(len).map_err(|_| Errno::ENOMEM)?;
                        Vma {
                            offset: backing.start,
                            file: None,
                            ..piece.clone()
                        }
                    }
                    _ => {
                        let len = piece.end - piece.start;
                        let backing = self.mf.allocate(len).map_err(|_| Errno::ENOMEM)?;
                        Vma {
                            offset: backing.start,
                            file: piece.file.as_ref().map(|f| VmaFile {
                                cow: Some(super::CowPages::default()),
                                ..f.clone()
                            }),
                            ..piece.clone()
                        }
                    }
                };
                st.vmas.insert(stay.start, stay);
            }
            st.vmas.insert(moved.start, moved);
        }
        self.aspace
            .unmap(r.old, moved_len)
            .map_err(platform_errno)?;
        if new_len > moved_len {
            self.extend(&mut st, dest + moved_len, dest + new_len)?;
        }
        Ok(dest)
    }

    /// Maps `[end, new_end)` as a continuation of the VMA that ends at `end`: fresh
    /// memory for anonymous memory, the following file offsets for a file mapping.
    fn extend(&self, st: &mut MmState, end: u64, new_end: u64) -> Result<(), Errno> {
        let last = st.find(end - 1).cloned().ok_or(Errno::EFAULT)?;
        let len = new_end - end;
        let vma = match &last.file {
            // Anonymous memory (shared copy-on-write or not) grows with fresh zeroes.
            Some(f) if !f.is_snapshot() => {
                let file = VmaFile {
                    offset: f.offset + (end - last.start),
                    ..f.clone()
                };
                let space: Arc<dyn MappingSpace> = self.space.clone();
                file.mappable
                    .add_mapping(
                        &space,
                        AddrRange::new(end, new_end),
                        file.offset,
                        file.may_write,
                    )
                    .map_err(Errno::from)?;
                // A private mapping's extension has copies of its own to make.
                let offset = if file.is_private() {
                    match self.mf.allocate(len) {
                        Ok(b) => b.start,
                        Err(_) => {
                            file.mappable.remove_mapping(
                                &space,
                                AddrRange::new(end, new_end),
                                file.offset,
                                file.may_write,
                            );
                            return Err(Errno::ENOMEM);
                        }
                    }
                } else {
                    0
                };
                Vma {
                    start: end,
                    end: new_end,
                    offset,
                    file: Some(file),
                    ..last
                }
            }
            _ => {
                let backing = self.mf.allocate(len).map_err(|_| Errno::ENOMEM)?;
                Vma {
                    start: end,
                    end: new_end,
                    offset: backing.start,
                    file: None,
                    ..last
                }
            }
        };
        st.vmas.insert(vma.start, vma);
        Ok(())
    }

    /// `mremap(old, 0, new_len, MREMAP_MAYMOVE)`: a second mapping of the shared file
    /// mapped at `old`. `EINVAL` for private memory.
    fn duplicate_shared(
        &self,
        st: &mut MmState,
        old: u64,
        new_len: u64,
        fixed: Option<u64>,
    ) -> Result<u64, Errno> {
        let vma = st.find(old).cloned().ok_or(Errno::EFAULT)?;
        let Some(f) = vma.file.as_ref().filter(|f| !f.is_private()) else {
            return Err(Errno::EINVAL);
        };
        let dest = match fixed {
            Some(dest) => {
                let end = dest.checked_add(new_len).ok_or(Errno::EINVAL)?;
                if !dest.is_multiple_of(PAGE_SIZE)
                    || dest < MIN_USER_ADDRESS
                    || end > MAX_USER_ADDRESS
                {
                    return Err(Errno::EINVAL);
                }
                self.unmap_locked(st, dest, end)?;
                dest
            }
            None => st.find_gap(0, new_len).ok_or(Errno::ENOMEM)?,
        };
        let file = VmaFile {
            offset: f.offset + (old - vma.start),
            ..f.clone()
        };
        let space: Arc<dyn MappingSpace> = self.space.clone();
        file.mappable
            .add_mapping(
                &space,
                AddrRange::new(dest, dest + new_len),
                file.offset,
                file.may_write,
            )
            .map_err(Errno::from)?;
        st.vmas.insert(
            dest,
            Vma {
                start: dest,
                end: dest + new_len,
                offset: 0,
                file: Some(file),
                ..vma
            },
        );
        Ok(dest)
    }
}
