//! The `Mappable` of an inode, owned: a VMA keeps the inode alive through it.

use std::sync::Arc;

use veil_memmap::mapping::{
    AccessType, AddrRange, MapError, Mappable, MappableRange, MappingSpace, Translation,
};
use veil_vfs::inode::InodeRef;

/// An inode's pages, for a shared file mapping.
pub struct InodeMappable(pub InodeRef);

impl InodeMappable {
    fn inner(&self) -> Result<&dyn Mappable, MapError> {
        self.0.mappable().ok_or(MapError::Bus)
    }
}

impl Mappable for InodeMappable {
    fn add_mapping(
        &self,
        space: &Arc<dyn MappingSpace>,
        ar: AddrRange,
        offset: u64,
        writable: bool,
    ) -> Result<(), MapError> {
        self.inner()?.add_mapping(space, ar, offset, writable)
    }

    fn remove_mapping(
        &self,
        space: &Arc<dyn MappingSpace>,
        ar: AddrRange,
        offset: u64,
        writable: bool,
    ) {
        if let Ok(m) = self.inner() {
            m.remove_mapping(space, ar, offset, writable);
        }
    }

    fn translate(
        &self,
        required: MappableRange,
        optional: MappableRange,
        at: AccessType,
    ) -> Result<Vec<Translation>, MapError> {
        self.inner()?.translate(required, optional, at)
    }
}
