//! Copy-on-write `fork` of anonymous memory: a [`Snapshot`] is the frozen contents of
//! a private anonymous VMA at the moment of `fork`, shared read-only by the parent's
//! and the child's VMA, each of which becomes a private mapping of it (the machinery
//! of `private_file.rs`): a page is the snapshot's until its process writes it, then
//! that process's own copy.
//!
//! A snapshot owns the memory-file range that was the parent's backing and frees it
//! when the last VMA that maps it goes. When one VMA alone maps all of a snapshot
//! again (the child exited or exec'd), the next write fault there *collapses* it: the
//! VMA takes the range back as plain anonymous memory, with its copies moved in, so
//! later writes cost nothing ([`MemoryManager::try_collapse`]). A fork of a VMA that
//! already maps a snapshot shares the same snapshot (no chains).

use std::sync::Arc;

use parking_lot::Mutex;
use veil_abi::PAGE_SIZE;
use veil_memmap::mapping::{
    AccessType, AddrRange, MapError, Mappable, MappableRange, MappingSpace, Translation,
};
use veil_memmap::{FileRange, MemoryFile};

use super::vma::{CowPages, Vma, VmaFile};
use super::{MemoryManager, MmState};

/// Frozen anonymous memory shared by the VMAs of a parent and its children.
pub struct Snapshot {
    mf: Arc<MemoryFile>,
    /// The pages, until the snapshot is dropped or a collapse takes them back.
    range: Mutex<Option<FileRange>>,
}

impl Snapshot {
    /// A snapshot of the memory-file `range` (taking it over).
    pub fn new(mf: Arc<MemoryFile>, range: FileRange) -> Arc<Snapshot> {
        Arc::new(Snapshot {
            mf,
            range: Mutex::new(Some(range)),
        })
    }

    /// Its length in bytes (0 once collapsed).
    fn len(&self) -> u64 {
        self.range.lock().map_or(0, |r| r.len())
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        if let Some(r) = self.range.get_mut().take() {
            self.mf.free(r);
        }
    }
}

impl Mappable for Snapshot {
    /// Nothing to record: a snapshot never changes, so it never invalidates.
    fn add_mapping(
        &self,
        _space: &Arc<dyn MappingSpace>,
        _ar: AddrRange,
        _offset: u64,
        _writable: bool,
    ) -> Result<(), MapError> {
        Ok(())
    }

    fn remove_mapping(
        &self,
        _space: &Arc<dyn MappingSpace>,
        _ar: AddrRange,
        _offset: u64,
        _writable: bool,
    ) {
    }

    fn translate(
        &self,
        required: MappableRange,
        optional: MappableRange,
        _at: AccessType,
    ) -> Result<Vec<Translation>, MapError> {
        let range = (*self.range.lock()).ok_or(MapError::Bus)?;
        if required.end > range.len() {
            return Err(MapError::Bus);
        }
        let end = optional.end.min(range.len());
        Ok(vec![Translation {
            source: MappableRange::new(optional.start, end),
            file: FileRange {
                start: range.start + optional.start,
                end: range.start + end,
            },
            perms: AccessType::new(true, true, true),
        }])
    }
}

impl MemoryManager {
    /// For `fork`: turns the private anonymous `vma` of this (the parent's) address
    /// space into a private mapping of a snapshot of its memory, and returns the
    /// child's VMA, another private mapping of the same snapshot. Each gets an empty
    /// backing of its own for its copies.
    ///
    /// Precondition: `vma` is anonymous (no file) and the caller holds `state`; the
    /// caller drops the parent's installed pages afterwards (they were writable).
    pub(super) fn fork_anonymous(&self, vma: &mut Vma) -> Result<Vma, veil_abi::Errno> {
        let len = vma.end - vma.start;
        let nomem = |_| veil_abi::Errno::ENOMEM;
        let parent_copies = self.mf.allocate(len).map_err(nomem)?;
        let child_copies = match self.mf.allocate(len) {
            Ok(r) => r,
            Err(_) => {
                self.mf.free(parent_copies);
                return Err(veil_abi::Errno::ENOMEM);
            }
        };
        let snap = Snapshot::new(self.mf.clone(), vma.backing());
        let file = |copies: &CowPages| VmaFile {
            mappable: snap.clone(),
            offset: 0,
            may_write: false,
            path: Arc::from(""),
            cow: Some(copies.clone()),
            snapshot: Some(snap.clone()),
        };
        let child = Vma {
            offset: child_copies.start,
            file: Some(file(&CowPages::default())),
            ..vma.clone()
        };
        vma.offset = parent_copies.start;
        vma.file = Some(file(&CowPages::default()));
        Ok(child)
    }

    /// If the VMA at `addr` maps a snapshot that no other VMA maps and covers all of
    /// it, takes the snapshot's memory back as plain anonymous memory (moving this
    /// VMA's copies in) and drops the installed pages, so that the fault is served as
    /// an ordinary one. Returns whether it did.
    ///
    /// Precondition: the caller holds `state` (as `st`).
    pub(super) fn try_collapse(&self, st: &mut MmState, addr: u64) -> bool {
        let Some(vma) = st.find(addr).cloned() else {
            return false;
        };
        let Some(file) = vma.file.as_ref() else {
            return false;
        };
        let (Some(snap), Some(cow)) = (file.snapshot.as_ref(), file.cow.as_ref()) else {
            return false;
        };
        // Two references per VMA (its mappable and its snapshot handle), plus the
        // clone just taken: exactly one VMA maps it.
        if Arc::strong_count(snap) != 4 || file.offset != 0 || snap.len() != vma.end - vma.start {
            return false;
        }
        let Some(range) = snap.range.lock().take() else {
            return false;
        };
        let own = vma.backing();
        for &page in cow.lock().range(own.start..own.end) {
            self.mf
                .copy_range(page, range.start + (page - vma.offset), PAGE_SIZE);
        }
        cow.lock().clear();
        self.mf.free(own);
        st.vmas.insert(
            vma.start,
            Vma {
                offset: range.start,
                file: None,
                ..vma.clone()
            },
        );
        if let Err(e) = self.aspace.unmap(vma.start, vma.end - vma.start) {
            tracing::error!("collapsing the snapshot at {:#x}: {e}", vma.start);
        }
        true
    }
}
