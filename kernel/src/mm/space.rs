//! The memory manager as files see it: a `MappingSpace` whose translations a file can
//! invalidate.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use veil_memmap::mapping::{AddrRange, InvalidateOpts, MappingSpace};
use veil_platform::AddressSpace;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One address space's side of the file-mapping contract.
pub(super) struct MmSpace {
    id: u64,
    aspace: Arc<dyn AddressSpace>,
    /// Held while a fault translates file pages and installs them, and while a file
    /// invalidates: an invalidation never falls between the two.
    pub(super) translation: Mutex<()>,
}

impl MmSpace {
    pub(super) fn new(aspace: Arc<dyn AddressSpace>) -> Arc<MmSpace> {
        Arc::new(MmSpace {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            aspace,
            translation: Mutex::new(()),
        })
    }
}

impl MappingSpace for MmSpace {
    fn invalidate(&self, ar: AddrRange, _opts: InvalidateOpts) {
        let _t = self.translation.lock();
        // Shared file pages are never copied privately, so dropping the installed pages
        // is all there is to do; the next touch faults and translates again.
        if let Err(e) = self.aspace.unmap(ar.start, ar.len()) {
            tracing::error!("invalidating {ar:?}: {e}");
        }
    }

    fn id(&self) -> u64 {
        self.id
    }
}
