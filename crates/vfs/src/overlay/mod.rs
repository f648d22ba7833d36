//! The overlay file system: a writable upper layer over a read-only lower one, with
//! copy-up. Under `veil do` the lower layer is the host's `/` and the upper an in-memory
//! tmpfs: the guest may write anywhere, the host never changes.
//!
//! * An [`OverlayInode`] is a file as the guest sees it: its upper inode (once it
//!   exists) and its lower inode (if the file came from the lower layer). Reads go to
//!   the upper if there is one, else the lower; anything that changes the file first
//!   *copies it up* (`copy_up.rs`, the behaviour of gVisor's `fs/copy_up.go`).
//! * Removing a name that exists in the lower layer leaves a *whiteout* in the upper
//!   (a character device 0/0, as Linux's overlayfs); a directory created over a whiteout
//!   is *opaque* (`trusted.overlay.opaque = "y"`): nothing below it shows through.
//! * Directory listings merge both layers without duplicates (`dir.rs`).
//!
//! Lock order (checked by the ranked locks of `crate::lock` in debug builds):
//!
//! ```text
//! walk::rename_lock()           (RenameMu)  copy-up: read; rename: write
//!   Dirent.mu of the name layer (DirentMu)  held by the callers of create, link, ...
//!   OverlayInode::children      (DirentMu)  the name cache of a directory
//!     OverlayInode::copy_mu     (CopyMu)    readers of upper/lower: read; copy-up: write
//!       upper/lower inode locks (InodeMu)   inside the layers' own operations
//! ```
//!
//! The directory-changing operations (`create`, `link`, `unlink`, `rmdir`, `rename`)
//! are called by the name layer (`crate::walk::Dirent`) with the global rename lock
//! already held (shared; exclusive for `rename`), so they copy up without taking it
//! again. Everything else that copies up (writes, attribute changes) takes it shared.
//!
//! `OverlayInode::upper` itself is a leaf lock ("data_mu"): it is only ever set once,
//! by copy-up while holding `copy_mu` for writing, and read briefly.

mod copy_up;
mod dir;
mod inode;
mod mappable;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use inode::OverlayInode;

/// The inode number the guest sees for an upper inode: its recorded origin, else its
/// own number marked as upper-only.
pub(crate) fn upper_ino(upper: &InodeRef) -> Result<u64, veil_abi::Errno> {
    match upper.getxattr(ORIGIN_XATTR) {
        Ok(v) if v.len() == 8 => Ok(u64::from_le_bytes(v.try_into().unwrap_or_default())),
        _ => Ok(upper.attr()?.ino | UPPER_INO_BIT),
    }
}

use crate::inode::InodeRef;

/// Name of the xattr marking an upper directory opaque.
pub const OPAQUE_XATTR: &[u8] = b"trusted.overlay.opaque";
/// Name of the xattr on a copied-up upper file that records the lower file's inode
/// number, so the number the guest sees survives copy-up (and renames).
pub const ORIGIN_XATTR: &[u8] = b"trusted.overlay.origin";
/// Prefix of the overlay's own xattrs, never shown to the guest nor copied up.
pub const OVERLAY_XATTR_PREFIX: &[u8] = b"trusted.overlay.";
/// Bit set in the inode numbers of files that exist only in the upper layer, so they
/// cannot collide with the lower layer's numbers.
const UPPER_INO_BIT: u64 = 1 << 63;

static NEXT_DEV: AtomicU64 = AtomicU64::new(0x7e11_0000);

/// What all inodes of one overlay share.
pub(crate) struct Shared {
    /// The overlay's device number.
    pub(crate) dev: u64,
}

/// An overlay instance.
pub struct Overlay {
    root: Arc<OverlayInode>,
}

impl Overlay {
    /// An overlay of `upper` (writable; must support whiteouts, i.e. character devices
    /// and `trusted.*` xattrs, as tmpfs does) over `lower`. Both are directories.
    pub fn new(upper: InodeRef, lower: InodeRef) -> Overlay {
        let shared = Arc::new(Shared {
            dev: NEXT_DEV.fetch_add(1, Ordering::Relaxed),
        });
        Overlay {
            root: OverlayInode::new_root(shared, upper, lower),
        }
    }

    /// The root directory.
    pub fn root(&self) -> InodeRef {
        self.root.clone()
    }

    /// The root as an overlay inode.
    pub fn root_inode(&self) -> &Arc<OverlayInode> {
        &self.root
    }
}
