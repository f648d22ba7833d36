//! Memory mappings of overlay files: pages come from the upper file once there is one,
//! else from the lower; copy-up moves every mapping to the upper (`copy_up.rs`, step 5).

use std::sync::Arc;

use veil_memmap::mapping::{
    AccessType, AddrRange, MapError, Mappable, MappableRange, MappingSpace, Translation,
};

use super::inode::OverlayInode;
use crate::inode::InodeRef;

/// The layer inode's pages (`Bus` if that layer cannot be mapped).
fn layer(inode: &InodeRef) -> Result<&dyn Mappable, MapError> {
    inode.mappable().ok_or(MapError::Bus)
}

impl Mappable for OverlayInode {
    fn add_mapping(
        &self,
        space: &Arc<dyn MappingSpace>,
        ar: AddrRange,
        offset: u64,
        writable: bool,
    ) -> Result<(), MapError> {
        let mut maps = self.maps.lock();
        // Under `upper`'s read lock: a copy-up publishing meanwhile waits, then moves
        // this mapping along with the others.
        let upper = self.upper.read();
        let current = upper
            .as_ref()
            .or(self.lower.as_ref())
            .ok_or(MapError::Bus)?;
        layer(current)?.add_mapping(space, ar, offset, writable)?;
        maps.add(space, ar, offset, writable);
        Ok(())
    }

    fn remove_mapping(
        &self,
        space: &Arc<dyn MappingSpace>,
        ar: AddrRange,
        offset: u64,
        writable: bool,
    ) {
        let mut maps = self.maps.lock();
        let upper = self.upper.read();
        if let Some(current) = upper.as_ref().or(self.lower.as_ref()) {
            if let Ok(m) = layer(current) {
                m.remove_mapping(space, ar, offset, writable);
            }
        }
        maps.remove(space, ar, offset, writable);
    }

    fn translate(
        &self,
        required: MappableRange,
        optional: MappableRange,
        at: AccessType,
    ) -> Result<Vec<Translation>, MapError> {
        // `upper` is the overlay's data lock: held shared while translating, so that a
        // copy-up publishes the upper only between two translations.
        let upper = self.upper.read();
        match upper.as_ref() {
            Some(u) => layer(u)?.translate(required, optional, at),
            None => {
                let lower = self.lower.as_ref().ok_or(MapError::Bus)?;
                // The lower layer is read-only: a write needs the file copied up, which
                // opening it for writing did already.
                if at.write {
                    return Err(MapError::Denied);
                }
                layer(lower)?.translate(required, optional, at)
            }
        }
    }
}
