//! `tmpfs`: a file system kept entirely in memory.
//!
//! One [`Tmpfs`] is one mounted instance: its own device number, its own inode numbers
//! and a root directory. Its inodes ([`TmpfsInode`]) implement
//! [`InodeOps`](crate::inode::InodeOps) for every file type. Regular files keep their
//! data in the sentry's memory file ([`veil_memmap::MemoryFile`]), one page per
//! 4 KiB of file that was ever written or allocated: a page index → page map, so holes
//! read as zeroes and take no memory ([`TmpfsInode::pages`] exposes the map for the
//! file's future `Mappable`). A regular file made by overlay copy-up may instead be
//! *backed* by the lower file ([`TmpfsInode::set_backing`]): its holes read the
//! lower's bytes and the first write to a page copies that page, so copying up a large
//! file costs nothing until it is written (`data.rs`). Directories keep their children in creation order, so
//! listings are stable. The behaviour follows Linux's `mm/shmem.c` and the VFS rules
//! it relies on (`fs/namei.c`, `fs/xattr.c`, `fs/open.c`); each method cites the rule
//! it implements where it is not obvious.
//!
//! # Locking
//!
//! ```text
//! FsShared::tree_mu            (rank InodeMu; serialises link, unlink, rmdir, rename)
//!   └─ parent directory's mu   (rank InodeMu; two directories: lower inode number first)
//!        └─ child's mu         (rank InodeMu; source and target: lower inode number first)
//!             ├─ MemoryFile's allocator (leaf, inside veil_memmap)
//!             └─ a backed file's lower inode, read (and filled from) with the file's
//!                mu held: the lower's read may take locks of rank InodeMu or leaf
//!                locks only (hostfs: leaf locks; a tmpfs lower: its own mu)
//! ```
//!
//! * Each inode's mutable state (attributes, extended attributes, a directory's
//!   children, a file's size and pages) is behind its own `mu`, a
//!   [`RankedMutex`] of rank
//!   [`InodeMu`](crate::lock::Rank::InodeMu). What never changes (type, inode number,
//!   device number, symlink target, file system) lives outside it.
//! * Operations that lock more than one inode (`link`, `unlink`, `rmdir`, `rename`)
//!   hold the file system's `tree_mu` and only then take inode locks, parents before
//!   children, and two locks of the same level in increasing inode-number order. Every
//!   other operation (attributes, `lookup`, `readdir`, `create` — the new inode is not
//!   yet shared —, data, extended attributes, an inode's drop) holds at most one inode
//!   lock at a time and calls into no other inode of this instance while holding it.
//!   So within one instance only the single `tree_mu` holder can ever wait for an
//!   inode lock while holding another one, and no cycle of waiters can form, whatever
//!   the shape of the tree (after a rename a directory may be the parent of an older
//!   one, which is why no order by tree position or age is relied upon).
//! * The one call out of an inode lock: a backed regular file (overlay copy-up,
//!   [`TmpfsInode::set_backing`]) reads its lower inode under its own lock. The lower
//!   belongs to another file system (checked for tmpfs lowers: same instance is
//!   `EINVAL`) — the overlay's lower layer, which never reads from its upper — so
//!   these waits only point from one instance down to another and close no cycle.
//!   That is also why the lower's read may take locks of rank `InodeMu` (equal rank,
//!   allowed by the ranked locks) but none of a lower rank: an overlay inode
//!   (`CopyMu`) cannot be a backing.
//! * No lock of the VFS order above `InodeMu` is taken here, so callers may hold
//!   `rename_mu`, `Dirent.mu` or `copy_mu` around every call.

#![forbid(unsafe_code)]

mod data;
mod dir;
mod mappable;
mod node;
mod regular;
mod rename;
mod time;
mod xattr;

#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use veil_memmap::MemoryFile;

pub use node::TmpfsInode;

use crate::inode::{Creds, InodeRef};
use crate::lock::{Rank, RankedMutex};

/// First minor device number given to a tmpfs instance (major 0, like Linux's anonymous
/// devices). High, so that it does not collide with the small anonymous minors the host
/// hands out to the file systems `hostfs` reports.
const FIRST_MINOR: u32 = 0xf_0000;

/// Next minor device number of a new instance, process-wide.
static NEXT_MINOR: AtomicU32 = AtomicU32::new(FIRST_MINOR);

/// Linux's `new_encode_dev` / glibc's `makedev` for major 0.
fn anon_dev(minor: u32) -> u64 {
    let minor = u64::from(minor);
    ((minor & !0xff) << 12) | (minor & 0xff)
}

/// What every inode of one instance shares. Kept apart from [`Tmpfs`] so that inodes
/// can point to it without a reference cycle through the root.
struct FsShared {
    /// Device number (`st_dev`); immutable.
    dev: u64,
    /// Next inode number; the root gets 1.
    next_ino: AtomicU64,
    /// Where regular files keep their pages; immutable.
    memory: Arc<MemoryFile>,
    /// Serialises the operations that lock several inodes; see the module's lock order.
    tree_mu: RankedMutex<()>,
}

impl FsShared {
    /// A fresh inode number.
    fn new_ino(&self) -> u64 {
        self.next_ino.fetch_add(1, Ordering::Relaxed)
    }
}

/// One tmpfs instance: its device number, inode numbers and root directory.
pub struct Tmpfs {
    /// State shared with every inode; immutable.
    shared: Arc<FsShared>,
    /// The root directory; immutable.
    root: Arc<TmpfsInode>,
}

impl Tmpfs {
    /// A new, empty instance whose root directory has permissions `0o755` and belongs
    /// to root (uid and gid 0). Regular files keep their data in `memory`.
    pub fn new(memory: Arc<MemoryFile>) -> Arc<Tmpfs> {
        Tmpfs::new_with_root(memory, 0o755, Creds { uid: 0, gid: 0 })
    }

    /// A new, empty instance whose root directory has permissions `perm` (`0o7777` is
    /// kept, the rest ignored) and the owner and group of `creds` (`mount -t tmpfs -o
    /// mode=,uid=,gid=`).
    pub fn new_with_root(memory: Arc<MemoryFile>, perm: u32, creds: Creds) -> Arc<Tmpfs> {
        let minor = NEXT_MINOR.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::new(FsShared {
            dev: anon_dev(minor),
            next_ino: AtomicU64::new(1),
            memory,
            tree_mu: RankedMutex::new(Rank::InodeMu, ()),
        });
        let root = TmpfsInode::new_root(&shared, perm, creds);
        Arc::new(Tmpfs { shared, root })
    }

    /// The root directory.
    pub fn root(&self) -> InodeRef {
        self.root.clone()
    }

    /// The device number every inode of this instance reports (`st_dev`).
    pub fn dev(&self) -> u64 {
        self.shared.dev
    }

    /// The memory file holding the data of regular files.
    pub fn memory(&self) -> &Arc<MemoryFile> {
        &self.shared.memory
    }
}
