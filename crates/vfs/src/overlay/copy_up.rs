//! Copy-up: making a lower file exist in the upper layer before it changes.
//!
//! The behaviour is gVisor's `fs/copy_up.go` (the seed):
//!
//! 1. Under the rename lock (`crate::walk::rename_lock`, shared), find the topmost ancestor missing from the upper
//!    layer and copy each missing component down to the file, one at a time, each under
//!    its own `copy_mu` (exclusive), re-checking after taking the lock: another thread
//!    may have won the race.
//! 2. Create the upper file with the lower file's permissions: a directory, a regular
//!    file (then copy its contents) or a symlink (same target). Other types: `EINVAL`.
//! 3. Copy owner, access and modification times, and every non-overlay xattr (after
//!    the contents, so that writing them does not change the copied times).
//! 4. If any step fails, remove the partial upper file and return `EIO`; a failed
//!    removal leaves the upper layer inconsistent, which is fatal (panic), never an
//!    error to return.
//! 5. Re-point memory: add every mapping of the lower file to the upper, publish the
//!    upper, invalidate every translation (each mapping space refaults through the
//!    upper), remove the mappings from the lower.
//!
//! Beyond the seed, a regular file of at least [`BACKING_MIN_SIZE`] bytes copied into a
//! tmpfs upper is not copied at all: the upper file is *backed* by the lower one
//! ([`TmpfsInode::set_backing`]), reads of pages it has not written go to the lower,
//! and the first write to a page copies that page. Copy-up of a large file is then
//! O(1) (DESIGN.md: "share memory-file pages copy-on-write for memory-backed uppers").
//! Smaller files, other uppers and lowers that may not be read under a tmpfs inode
//! lock are copied, in 1 MiB steps rather than the seed's 32 KiB.

use std::sync::Arc;

use veil_abi::Errno;
use veil_memmap::mapping::InvalidateOpts;

use super::inode::OverlayInode;
use super::{ORIGIN_XATTR, OVERLAY_XATTR_PREFIX};
use crate::hostfs::HostInode;
use crate::inode::{Creds, FileType, InodeRef, NewNode, SetAttr, XattrMode};
use crate::tmpfs::TmpfsInode;

/// Bytes moved per read/write while copying contents.
const COPY_CHUNK: usize = 1 << 20;

/// Smallest file whose copy-up backs the upper by the lower instead of copying. Below
/// it a copy costs a few microseconds, and keeping the lower inode alive for the
/// upper's life (for a hostfs lower: its host descriptors) is not worth it.
const BACKING_MIN_SIZE: u64 = 64 << 10;

/// Copies `node` and its missing ancestors up. No-op if it is already up.
/// Precondition: the caller holds no `Dirent.mu` and not the rename lock.
pub(crate) fn copy_up(node: &Arc<OverlayInode>) -> Result<(), Errno> {
    let _r = crate::walk::rename_lock().read();
    copy_up_locked_for_rename(node)
}

/// [`copy_up`] for a caller that already holds `rename_mu` (shared or exclusive).
pub(crate) fn copy_up_locked_for_rename(node: &Arc<OverlayInode>) -> Result<(), Errno> {
    loop {
        {
            let _c = node.copy_mu.read();
            if node.upper().is_some() {
                return Ok(());
            }
        }
        let next = find_next_copy_up(node);
        do_copy_up(&next)?;
    }
}

/// The component of `node`'s path nearest the root that is not in the upper layer yet
/// (its parent is; the root always is).
fn find_next_copy_up(node: &Arc<OverlayInode>) -> Arc<OverlayInode> {
    let mut next = node.clone();
    loop {
        let parent = next.parent.lock().as_ref().map(|(p, _)| p.clone());
        let Some(parent) = parent else {
            return next;
        };
        {
            let _c = parent.copy_mu.read();
            if parent.upper().is_some() {
                // Once set, an upper inode never changes: this answer is stable.
                return next;
            }
        }
        next = parent;
    }
}

/// Copies `next` up if nobody has meanwhile.
/// Precondition: `next`'s parent is in the upper layer.
fn do_copy_up(next: &Arc<OverlayInode>) -> Result<(), Errno> {
    let _c = next.copy_mu.write();
    if next.upper().is_some() {
        return Ok(());
    }
    let (parent, name) = next.parent.lock().clone().ok_or(Errno::EIO)?;
    let parent_upper = parent.upper().ok_or(Errno::EIO)?;
    let upper = copy_up_locked(&parent_upper, &name, next)?;
    repoint_mappings(&parent_upper, &name, next, upper)
}

/// Step 5: adds every mapping of the file to the upper file, publishes the upper, drops
/// every translation through the lower (each mapping space refaults through the upper)
/// and removes the mappings from the lower. A file that is mapped needs an upper that
/// can be mapped, else the copy-up fails (`EIO`) rather than break coherence.
/// Preconditions: `next.copy_mu` held exclusive; `upper` is the new upper file.
fn repoint_mappings(
    parent_upper: &InodeRef,
    name: &[u8],
    next: &OverlayInode,
    upper: InodeRef,
) -> Result<(), Errno> {
    let maps = next.maps.lock();
    let mappings = maps.mappings();
    if !mappings.is_empty() {
        let Some(target) = upper.mappable() else {
            tracing::warn!("copy-up failed: the upper file cannot keep the file's memory mappings");
            cleanup_upper(parent_upper, name, next.kind);
            return Err(Errno::EIO);
        };
        for (i, m) in mappings.iter().enumerate() {
            if let Err(e) = target.add_mapping(&m.space, m.ar, m.offset, m.writable) {
                for undo in &mappings[..i] {
                    target.remove_mapping(&undo.space, undo.ar, undo.offset, undo.writable);
                }
                tracing::warn!("copy-up failed to move a memory mapping: {e}");
                cleanup_upper(parent_upper, name, next.kind);
                return Err(Errno::EIO);
            }
        }
    }
    *next.upper.write() = Some(upper);
    maps.invalidate_all(InvalidateOpts::default());
    if let Some(lower) = next.lower.as_ref().and_then(|l| l.mappable()) {
        for m in &mappings {
            lower.remove_mapping(&m.space, m.ar, m.offset, m.writable);
        }
    }
    Ok(())
}

/// Creates the copy of `next` named `name` in `parent_upper`: steps 2 to 4.
/// Preconditions: `next.copy_mu` held exclusive; `next` has a lower inode.
fn copy_up_locked(
    parent_upper: &InodeRef,
    name: &[u8],
    next: &OverlayInode,
) -> Result<InodeRef, Errno> {
    let lower = next.lower.as_ref().ok_or(Errno::EIO)?;
    let attr = lower.attr().map_err(|e| eio("get lower attributes", e))?;
    let creds = Creds {
        uid: attr.uid,
        gid: attr.gid,
    };
    let node = match next.kind {
        FileType::Regular => NewNode::Regular,
        FileType::Directory => NewNode::Directory,
        FileType::Symlink => {
            NewNode::Symlink(lower.readlink().map_err(|e| eio("read the symlink", e))?)
        }
        _ => return Err(Errno::EINVAL),
    };
    let upper = parent_upper
        .create(name, node, attr.perm, creds)
        .map_err(|e| eio("create the upper file", e))?;
    // Contents before attributes: writing the contents would otherwise overwrite the
    // modification time just copied (the seed has them the other way round).
    let filled = copy_contents(&upper, lower, attr.size)
        .map_err(|e| eio("copy contents", e))
        .and_then(|()| copy_attributes(&upper, lower).map_err(|e| eio("copy attributes", e)));
    if let Err(e) = filled {
        cleanup_upper(parent_upper, name, next.kind);
        return Err(e);
    }
    Ok(upper)
}

fn eio(step: &str, e: Errno) -> Errno {
    tracing::warn!("copy-up failed to {step}: {e}");
    Errno::EIO
}

/// Removes the partial upper file `name`. A failure leaves a file in the upper layer
/// that does not match the lower one, and the guest would see it: that is fatal.
fn cleanup_upper(parent_upper: &InodeRef, name: &[u8], kind: FileType) {
    let removed = if kind == FileType::Directory {
        parent_upper.rmdir(name)
    } else {
        parent_upper.unlink(name)
    };
    if let Err(e) = removed {
        panic!(
            "overlay file system is in an inconsistent state: failed to remove {:?} from the upper layer: {e}",
            String::from_utf8_lossy(name)
        );
    }
}

/// Step 3: owner, access and modification times, and every non-overlay xattr.
fn copy_attributes(upper: &InodeRef, lower: &InodeRef) -> Result<(), Errno> {
    let attr = lower.attr()?;
    upper.set_attr(&SetAttr {
        uid: Some(attr.uid),
        gid: Some(attr.gid),
        atime: Some(attr.atime),
        mtime: Some(attr.mtime),
        ..SetAttr::default()
    })?;
    let names = match lower.listxattr() {
        Ok(n) => n,
        Err(Errno::EOPNOTSUPP) => Vec::new(),
        Err(e) => return Err(e),
    };
    for name in names
        .iter()
        .filter(|n| !n.starts_with(OVERLAY_XATTR_PREFIX))
    {
        let value = lower.getxattr(name)?;
        upper.setxattr(name, &value, XattrMode::Any)?;
    }
    upper.setxattr(ORIGIN_XATTR, &attr.ino.to_le_bytes(), XattrMode::Any)
}

/// Copies the contents of a regular file; `size` bytes must arrive, else `EIO`.
/// A tmpfs upper of a large enough file is backed by the lower instead (see the
/// module documentation).
fn copy_contents(upper: &InodeRef, lower: &InodeRef, size: u64) -> Result<(), Errno> {
    if lower.kind() != FileType::Regular {
        return Ok(());
    }
    if let Some(tmpfs) = upper.as_any().downcast_ref::<TmpfsInode>() {
        if size >= BACKING_MIN_SIZE && may_back(lower) {
            return back_by_lower(tmpfs, lower, size);
        }
    }
    let mut buf = vec![0u8; COPY_CHUNK.min(size as usize).max(1)];
    let mut offset = 0u64;
    loop {
        let n = lower.read_at(&mut buf, offset)?;
        if n == 0 {
            // The lower file changed size under us: the copy is not the file.
            return if offset == size {
                Ok(())
            } else {
                Err(Errno::EIO)
            };
        }
        let mut done = 0;
        while done < n {
            let w = upper.write_at(&buf[done..n], offset + done as u64)?;
            if w == 0 {
                return Err(Errno::EIO);
            }
            done += w;
        }
        offset += n as u64;
    }
}

/// Whether `lower` may back a tmpfs file: its reads take no lock ranked below
/// `InodeMu` (they run under the upper's inode lock; see
/// [`TmpfsInode::set_backing`]). hostfs takes leaf locks only; a tmpfs inode its own
/// `InodeMu` (another instance: an overlay's layers are distinct). Anything else (an
/// overlay inode as a lower takes `CopyMu`) is copied.
fn may_back(lower: &InodeRef) -> bool {
    let any = lower.as_any();
    any.is::<HostInode>() || any.is::<TmpfsInode>()
}

/// Copy-up's content step in O(1): `upper` (empty, just created) reads `lower`'s
/// `size` bytes from `lower` until it writes them. The lower must still be `size`
/// bytes long afterwards, as the copy loop requires, else `EIO`.
fn back_by_lower(upper: &TmpfsInode, lower: &InodeRef, size: u64) -> Result<(), Errno> {
    upper.set_backing(lower.clone(), size)?;
    if lower.attr()?.size != size {
        // The lower file changed size under us: the copy is not the file.
        return Err(Errno::EIO);
    }
    Ok(())
}
