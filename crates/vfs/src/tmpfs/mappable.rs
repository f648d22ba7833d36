//! Shared memory mappings of tmpfs files: the guest maps the file's own memory-file
//! pages, so mappings and `read`/`write` see each other's bytes.
//!
//! Lock order: the MM's translation lock → the inode's `mu` (translate allocates
//! pages); the inode's `maps` → the MM's translation lock (invalidation). Truncate and
//! hole punching therefore never invalidate with `mu` held: they detach the pages under
//! `mu`, invalidate after releasing it, then free the pages (`finish_cut`).

use std::sync::Arc;

use veil_abi::PAGE_SIZE;
use veil_memmap::mapping::{
    AccessType, AddrRange, InvalidateOpts, MapError, Mappable, MappableRange, MappingSpace,
    Translation,
};
use veil_memmap::FileRange;

use super::TmpfsInode;

impl TmpfsInode {
    /// After a truncate or punch removed the pages of `[start, end)` (byte offsets):
    /// drops every guest translation of them, then frees them.
    /// Precondition: `mu` is not held.
    pub(super) fn finish_cut(&self, start: u64, end: u64, freed: Vec<FileRange>) {
        let first = start / PAGE_SIZE * PAGE_SIZE;
        let last = end.div_ceil(PAGE_SIZE).saturating_mul(PAGE_SIZE);
        if first < last {
            self.maps.lock().invalidate(
                MappableRange::new(first, last),
                InvalidateOpts {
                    invalidate_private: true,
                },
            );
        }
        for r in freed {
            self.fs.memory.free(r);
        }
    }
}

impl Mappable for TmpfsInode {
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
        let eof_page = self.size().div_ceil(PAGE_SIZE);
        if required.start / PAGE_SIZE >= eof_page {
            return Err(MapError::Bus);
        }
        let first = optional.start / PAGE_SIZE;
        let last = (optional.end / PAGE_SIZE).min(eof_page);
        let pages = self
            .materialize(first..last)
            .map_err(|_| MapError::OutOfMemory)?;
        Ok(Translation::of_pages(pages, AccessType::ANY))
    }
}
