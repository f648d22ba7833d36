//! Shared anonymous memory (`MAP_SHARED | MAP_ANONYMOUS`, `/dev/zero` shared): one
//! memory-file range that every process mapping it — the mapper and its `fork`
//! children — sees, as a `Mappable` so that it goes through the same paths as a
//! shared file mapping.

use std::sync::Arc;

use parking_lot::Mutex;
use veil_memmap::mapping::{
    AccessType, AddrRange, MapError, Mappable, MappableRange, MappingSet, MappingSpace, Translation,
};
use veil_memmap::{FileRange, MemoryFile};

/// A shared anonymous region: its pages are freed when the last mapping goes (the VMAs
/// hold it through `Arc`).
pub struct SharedAnonymous {
    mf: Arc<MemoryFile>,
    backing: FileRange,
    /// Who maps which offsets. Leaf lock.
    maps: Mutex<MappingSet>,
}

impl SharedAnonymous {
    /// A zeroed region of `len` bytes (page-aligned) in `mf`; `None` if it is full.
    pub fn new(mf: Arc<MemoryFile>, len: u64) -> Option<SharedAnonymous> {
        let backing = mf.allocate(len).ok()?;
        Some(SharedAnonymous {
            mf,
            backing,
            maps: Mutex::new(MappingSet::new()),
        })
    }

    fn len(&self) -> u64 {
        self.backing.end - self.backing.start
    }
}

impl Drop for SharedAnonymous {
    fn drop(&mut self) {
        self.mf.free(self.backing);
    }
}

impl Mappable for SharedAnonymous {
    fn add_mapping(
        &self,
        space: &Arc<dyn MappingSpace>,
        ar: AddrRange,
        offset: u64,
        writable: bool,
    ) -> Result<(), MapError> {
        self.maps.lock().add(space, ar, offset, writable);
        Ok(())
    }

    fn remove_mapping(
        &self,
        space: &Arc<dyn MappingSpace>,
        ar: AddrRange,
        offset: u64,
        writable: bool,
    ) {
        self.maps.lock().remove(space, ar, offset, writable);
    }

    fn translate(
        &self,
        required: MappableRange,
        optional: MappableRange,
        _at: AccessType,
    ) -> Result<Vec<Translation>, MapError> {
        if required.end > self.len() {
            // Beyond the region (a mapping grown by mremap): no page there.
            return Err(MapError::Bus);
        }
        let source = optional.intersect(MappableRange::new(0, self.len()));
        Ok(vec![Translation {
            source,
            file: FileRange {
                start: self.backing.start + source.start,
                end: self.backing.start + source.end,
            },
            perms: AccessType::ANY,
        }])
    }
}
