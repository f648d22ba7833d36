//! Directory operations of the overlay: merged listings, whiteouts, opaque
//! directories, and the name-changing calls (create, link, unlink, rmdir, rename).

use std::collections::HashSet;
use std::sync::Arc;

use veil_abi::Errno;

use super::inode::OverlayInode;
use super::{copy_up, OPAQUE_XATTR, UPPER_INO_BIT};
use crate::inode::{Creds, DirEntryInfo, FileType, InodeRef, NewNode, RenameFlags, XattrMode};

/// Whether `inode` (of the upper layer) is a whiteout: a character device 0/0.
pub(crate) fn is_whiteout(inode: &InodeRef) -> bool {
    inode.kind() == FileType::CharDevice && inode.attr().is_ok_and(|a| a.rdev == 0)
}

/// Whether the upper directory `dir` is opaque (hides the lower one).
pub(crate) fn is_opaque(dir: &InodeRef) -> bool {
    dir.getxattr(OPAQUE_XATTR).is_ok_and(|v| v == b"y")
}

/// The directory listing the guest sees: every lower entry (in the lower's order) not
/// whited out or hidden by an opaque directory, then every upper-only entry (in the
/// upper's order). A lower entry keeps its place after copy-up, so positions stay
/// stable while files are modified. Inode numbers match `attr().ino`.
/// Precondition: `dir.copy_mu` held shared.
pub(crate) fn merged_listing(dir: &OverlayInode) -> Result<Vec<DirEntryInfo>, Errno> {
    let upper = dir.upper();
    let mut upper_entries = Vec::new();
    let mut whiteouts = HashSet::new();
    if let Some(u) = &upper {
        for e in u.readdir()? {
            if e.kind == FileType::CharDevice && u.lookup(&e.name).is_ok_and(|i| is_whiteout(&i)) {
                whiteouts.insert(e.name);
            } else {
                upper_entries.push(e);
            }
        }
    }
    let lower_visible = upper.as_ref().is_none_or(|u| !is_opaque(u));
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    if let (true, Some(l)) = (lower_visible, &dir.lower) {
        for e in l.readdir()? {
            if whiteouts.contains(&e.name) {
                continue;
            }
            // An upper entry of the same name replaces the lower one in place (its type
            // may differ after a rename over it); its inode number stays the lower's
            // only for a merged directory or a copied-up file.
            let shown = match upper_entries.iter().find(|u| u.name == e.name) {
                Some(u) if u.kind == FileType::Directory && e.kind == FileType::Directory => {
                    e.clone()
                }
                Some(u) => {
                    let ino = upper
                        .as_ref()
                        .and_then(|d| d.lookup(&u.name).ok())
                        .map_or(Ok(u.ino | UPPER_INO_BIT), |i| super::upper_ino(&i))?;
                    DirEntryInfo { ino, ..u.clone() }
                }
                None => e.clone(),
            };
            seen.insert(e.name.clone());
            out.push(shown);
        }
    }
    for u in upper_entries {
        if !seen.contains(&u.name) {
            let ino = upper
                .as_ref()
                .and_then(|d| d.lookup(&u.name).ok())
                .map_or(Ok(u.ino | UPPER_INO_BIT), |i| super::upper_ino(&i))?;
            out.push(DirEntryInfo { ino, ..u });
        }
    }
    Ok(out)
}

/// Whether a `lookup_layers` answer names an existing file.
fn exists(layers: (Option<InodeRef>, Option<InodeRef>)) -> bool {
    layers.0.is_some() || layers.1.is_some()
}

/// Removes a whiteout at `name` in the upper directory `upper`, if there is one.
/// Returns whether one was there.
fn clear_whiteout(upper: &InodeRef, name: &[u8]) -> Result<bool, Errno> {
    match upper.lookup(name) {
        Ok(i) if is_whiteout(&i) => upper.unlink(name).map(|()| true),
        _ => Ok(false),
    }
}

/// `create`: the directory is copied up, then the node is made in the upper layer.
/// A directory created where a lower entry was removed is opaque.
/// Precondition (this and the other name-changing calls below): the rename lock is
/// held, shared (`rename`: exclusive), as the name layer does.
pub(crate) fn create(
    dir: &OverlayInode,
    name: &[u8],
    node: NewNode,
    perm: u32,
    creds: Creds,
) -> Result<Arc<OverlayInode>, Errno> {
    if dir.kind != FileType::Directory {
        return Err(Errno::ENOTDIR);
    }
    copy_up::copy_up_locked_for_rename(&dir.arc())?;
    {
        let mut children = dir.children.lock();
        let _c = dir.copy_mu.read();
        let upper = dir.upper().ok_or(Errno::EIO)?;
        if exists(dir.lookup_layers(name)?) {
            return Err(Errno::EEXIST);
        }
        let was_whiteout = clear_whiteout(&upper, name)?;
        let is_dir = node == NewNode::Directory;
        let made = upper.create(name, node, perm, creds)?;
        // Over a whiteout, or in an opaque directory, a new directory must not show the
        // lower directory that used to be there.
        if is_dir && (was_whiteout || dir.lower.as_ref().is_some_and(|l| l.lookup(name).is_ok())) {
            made.setxattr(OPAQUE_XATTR, b"y", XattrMode::Any)?;
        }
        children.remove(name);
    }
    dir.child(name)
}

/// `link`: the target (a file of this overlay) and the directory are copied up, then
/// linked in the upper layer.
pub(crate) fn link(dir: &OverlayInode, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
    let target = OverlayInode::of(target)?;
    if target.kind == FileType::Directory {
        return Err(Errno::EPERM);
    }
    copy_up::copy_up_locked_for_rename(&target)?;
    copy_up::copy_up_locked_for_rename(&dir.arc())?;
    let mut children = dir.children.lock();
    let _c = dir.copy_mu.read();
    let upper = dir.upper().ok_or(Errno::EIO)?;
    if exists(dir.lookup_layers(name)?) {
        return Err(Errno::EEXIST);
    }
    let target_upper = target.upper().ok_or(Errno::EIO)?;
    clear_whiteout(&upper, name)?;
    upper.link(name, &target_upper)?;
    children.remove(name);
    Ok(())
}

/// Whether the overlay directory `child` is empty as the guest sees it.
fn is_empty(child: &OverlayInode) -> Result<bool, Errno> {
    let _c = child.copy_mu.read();
    Ok(merged_listing(child)?.is_empty())
}

/// Empties an upper directory that holds only whiteouts, so it can be removed.
fn remove_whiteouts(upper_dir: &InodeRef) -> Result<(), Errno> {
    for e in upper_dir.readdir()? {
        upper_dir.unlink(&e.name)?;
    }
    Ok(())
}

/// `unlink` (`want_dir == false`) and `rmdir` (`want_dir == true`): removes the upper
/// entry if any, and leaves a whiteout if the name exists in the lower layer.
pub(crate) fn remove(dir: &OverlayInode, name: &[u8], want_dir: bool) -> Result<(), Errno> {
    if dir.kind != FileType::Directory {
        return Err(Errno::ENOTDIR);
    }
    let child = dir.child(name)?;
    match (child.kind == FileType::Directory, want_dir) {
        (true, false) => return Err(Errno::EISDIR),
        (false, true) => return Err(Errno::ENOTDIR),
        _ => {}
    }
    if want_dir && !is_empty(&child)? {
        return Err(Errno::ENOTEMPTY);
    }
    copy_up::copy_up_locked_for_rename(&dir.arc())?;
    let mut children = dir.children.lock();
    let _c = dir.copy_mu.read();
    let upper = dir.upper().ok_or(Errno::EIO)?;
    let (in_upper, in_lower) = dir.lookup_layers(name)?;
    if in_upper.is_none() && in_lower.is_none() {
        return Err(Errno::ENOENT);
    }
    let lower_had_it =
        dir.lower.as_ref().is_some_and(|l| l.lookup(name).is_ok()) && !is_opaque(&upper);
    if let Some(u) = &in_upper {
        if want_dir {
            remove_whiteouts(u)?;
            upper.rmdir(name)?;
        } else {
            upper.unlink(name)?;
        }
    }
    if lower_had_it {
        upper.create(name, NewNode::CharDevice(0), 0, OverlayInode::root_creds())?;
    }
    children.remove(name);
    Ok(())
}

/// `rename` within the overlay. Files and upper-only directories move in the upper
/// layer (a whiteout replaces a source that exists in the lower layer); moving a
/// directory that has lower content is `EXDEV`, as overlayfs without `redirect_dir`,
/// and `mv` falls back to copying.
pub(crate) fn rename(
    old_dir: &OverlayInode,
    old_name: &[u8],
    new_dir: &InodeRef,
    new_name: &[u8],
    flags: RenameFlags,
) -> Result<(), Errno> {
    if flags.exchange && flags.noreplace {
        return Err(Errno::EINVAL);
    }
    let new_dir = OverlayInode::of(new_dir)?;
    if old_dir.kind != FileType::Directory || new_dir.kind != FileType::Directory {
        return Err(Errno::ENOTDIR);
    }
    let source = old_dir.child(old_name)?;
    let target = match new_dir.child(new_name) {
        Ok(t) => Some(t),
        Err(Errno::ENOENT) => None,
        Err(e) => return Err(e),
    };
    if let Some(t) = &target {
        if Arc::ptr_eq(t, &source) {
            return Ok(());
        }
        if flags.noreplace {
            return Err(Errno::EEXIST);
        }
    } else if flags.exchange {
        return Err(Errno::ENOENT);
    }
    for d in [&source]
        .into_iter()
        .chain(target.iter().filter(|_| flags.exchange))
    {
        if d.kind == FileType::Directory && d.lower.is_some() {
            return Err(Errno::EXDEV);
        }
    }
    if let Some(t) = target.as_ref().filter(|_| !flags.exchange) {
        match (
            source.kind == FileType::Directory,
            t.kind == FileType::Directory,
        ) {
            (true, false) => return Err(Errno::ENOTDIR),
            (false, true) => return Err(Errno::EISDIR),
            (true, true) if !is_empty(t)? => return Err(Errno::ENOTEMPTY),
            _ => {}
        }
    }
    for node in [&old_dir.arc(), &new_dir, &source]
        .into_iter()
        .chain(target.iter().filter(|_| flags.exchange))
    {
        copy_up::copy_up_locked_for_rename(node)?;
    }
    let old_upper = old_dir.upper().ok_or(Errno::EIO)?;
    let new_upper = new_dir.upper().ok_or(Errno::EIO)?;
    let source_in_lower = old_dir
        .lower
        .as_ref()
        .is_some_and(|l| l.lookup(old_name).is_ok())
        && !is_opaque(&old_upper);
    // An emptied target directory may still hold whiteouts in the upper layer.
    if let Some(t) = target
        .as_ref()
        .filter(|t| !flags.exchange && t.kind == FileType::Directory)
    {
        if let Some(tu) = t.upper() {
            remove_whiteouts(&tu)?;
        }
    }
    if target.is_none() {
        clear_whiteout(&new_upper, new_name)?;
    }
    // The target replaced by a plain rename was maybe a lower-only file: the upper
    // rename then has nothing to replace, and the lower one is hidden by the moved file.
    old_upper.rename(old_name, &new_upper, new_name, flags)?;
    // A directory moved over a lower directory must not merge with it.
    let target_in_lower = new_dir
        .lower
        .as_ref()
        .is_some_and(|l| l.lookup(new_name).is_ok());
    if source.kind == FileType::Directory && target_in_lower && !flags.exchange {
        new_upper
            .lookup(new_name)?
            .setxattr(OPAQUE_XATTR, b"y", XattrMode::Any)?;
    }
    if source_in_lower && !flags.exchange {
        old_upper.create(
            old_name,
            NewNode::CharDevice(0),
            0,
            OverlayInode::root_creds(),
        )?;
    }
    // Caches and parent pointers follow the move.
    old_dir.forget(old_name);
    new_dir.forget(new_name);
    *source.parent.lock() = Some((new_dir.clone(), new_name.to_vec()));
    if let Some(t) = target.filter(|_| flags.exchange) {
        *t.parent.lock() = Some((old_dir.arc(), old_name.to_vec()));
    }
    Ok(())
}
