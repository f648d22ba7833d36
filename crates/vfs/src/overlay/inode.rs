//! An overlay inode: one file as the guest sees it, over its upper and lower inodes.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Weak};

use parking_lot::{Mutex, RwLock};
use veil_abi::Errno;

use super::{copy_up, dir, Shared, OVERLAY_XATTR_PREFIX};
use crate::inode::{
    Attr, Creds, DirEntryInfo, FileType, InodeOps, InodeRef, NewNode, RenameFlags, SetAttr,
    XattrMode,
};
use crate::lock::{Rank, RankedMutex, RankedRwLock};

/// A file of the overlay.
pub struct OverlayInode {
    pub(crate) shared: Arc<Shared>,
    pub(crate) me: Weak<OverlayInode>,
    pub(crate) kind: FileType,
    /// Inode number the guest sees: the lower file's if there is one (so it survives
    /// copy-up), else the upper's with `UPPER_INO_BIT` set.
    pub(crate) ino: u64,
    /// Parent directory and name; `None` for the root. Changed only by rename, with
    /// `rename_mu` held for writing.
    pub(crate) parent: Mutex<Option<(Arc<OverlayInode>, Vec<u8>)>>,
    /// Children looked up so far, so one name gives one inode while it is in use.
    pub(crate) children: RankedMutex<HashMap<Vec<u8>, Weak<OverlayInode>>>,
    /// Readers of `upper`/`lower` hold it shared; copy-up holds it exclusive.
    pub(crate) copy_mu: RankedRwLock<()>,
    /// The upper inode once the file exists in the upper layer ("data_mu": set once,
    /// under `copy_mu` held exclusive).
    pub(crate) upper: RwLock<Option<InodeRef>>,
    /// The lower inode, if the file came from the lower layer.
    pub(crate) lower: Option<InodeRef>,
    /// Every memory mapping of the file ("maps_mu"), so that copy-up can move them to
    /// the upper file. Taken after `copy_mu`, before `upper`.
    pub(crate) maps: Mutex<veil_memmap::mapping::MappingSet>,
}

impl OverlayInode {
    pub(crate) fn new_root(
        shared: Arc<Shared>,
        upper: InodeRef,
        lower: InodeRef,
    ) -> Arc<OverlayInode> {
        let ino = lower.attr().map_or(1, |a| a.ino);
        Self::build(
            shared,
            FileType::Directory,
            ino,
            None,
            Some(upper),
            Some(lower),
        )
    }

    fn build(
        shared: Arc<Shared>,
        kind: FileType,
        ino: u64,
        parent: Option<(Arc<OverlayInode>, Vec<u8>)>,
        upper: Option<InodeRef>,
        lower: Option<InodeRef>,
    ) -> Arc<OverlayInode> {
        Arc::new_cyclic(|me| OverlayInode {
            shared,
            me: me.clone(),
            kind,
            ino,
            parent: Mutex::new(parent),
            children: RankedMutex::new(Rank::DirentMu, HashMap::new()),
            copy_mu: RankedRwLock::new(Rank::CopyMu, ()),
            upper: RwLock::new(upper),
            lower,
            maps: Mutex::new(veil_memmap::mapping::MappingSet::new()),
        })
    }

    /// A strong handle to this inode.
    pub(crate) fn arc(&self) -> Arc<OverlayInode> {
        // An inode method runs on a live inode, so the upgrade cannot fail.
        self.me.upgrade().expect("overlay inode used after drop")
    }

    /// The upper inode, if the file has been copied up or created in the upper layer.
    pub fn upper(&self) -> Option<InodeRef> {
        self.upper.read().clone()
    }

    /// The lower inode, if the file came from the lower layer.
    pub fn lower(&self) -> Option<InodeRef> {
        self.lower.clone()
    }

    /// The inode reads go to: the upper if present, else the lower.
    /// Precondition: `copy_mu` held (either way).
    fn current(&self) -> InodeRef {
        match (self.upper(), &self.lower) {
            (Some(u), _) => u,
            (None, Some(l)) => l.clone(),
            (None, None) => unreachable!("an overlay inode has at least one layer"),
        }
    }

    /// Copies the file (and its missing ancestors) up to the upper layer.
    pub fn copy_up(&self) -> Result<(), Errno> {
        copy_up::copy_up(&self.arc())
    }

    /// The upper inode after copy-up.
    fn upper_after_copy_up(&self) -> Result<InodeRef, Errno> {
        self.copy_up()?;
        self.upper().ok_or(Errno::EIO)
    }

    /// Looks `name` up in both layers, as the overlay shows it: `(upper, lower)`, both
    /// `None` when absent or whited out. A lower entry is hidden by an opaque upper
    /// directory; a lower directory is merged under an upper directory of the same name.
    /// Precondition: `copy_mu` held shared.
    pub(crate) fn lookup_layers(
        &self,
        name: &[u8],
    ) -> Result<(Option<InodeRef>, Option<InodeRef>), Errno> {
        let upper_dir = self.upper();
        let mut upper = None;
        if let Some(dir) = &upper_dir {
            match dir.lookup(name) {
                Ok(u) if dir::is_whiteout(&u) => return Ok((None, None)),
                Ok(u) => upper = Some(u),
                Err(Errno::ENOENT) => {}
                Err(e) => return Err(e),
            }
        }
        let lower_visible = match &upper_dir {
            Some(dir) => !dir::is_opaque(dir),
            None => true,
        };
        let mut lower = None;
        if lower_visible {
            if let Some(dir) = &self.lower {
                match dir.lookup(name) {
                    Ok(l) => lower = Some(l),
                    Err(Errno::ENOENT) => {}
                    Err(e) if upper.is_none() => return Err(e),
                    Err(_) => {}
                }
            }
        }
        // A lower entry under an upper one only matters for merged directories.
        if let (Some(u), Some(l)) = (&upper, &lower) {
            if !(u.kind() == FileType::Directory && l.kind() == FileType::Directory) {
                lower = None;
            }
        }
        Ok((upper, lower))
    }

    /// The child `name` as an overlay inode (cached).
    pub fn child(&self, name: &[u8]) -> Result<Arc<OverlayInode>, Errno> {
        if self.kind != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        let mut children = self.children.lock();
        if let Some(c) = children.get(name).and_then(Weak::upgrade) {
            return Ok(c);
        }
        let _c = self.copy_mu.read();
        let (upper, lower) = self.lookup_layers(name)?;
        let layer = upper.as_ref().or(lower.as_ref()).ok_or(Errno::ENOENT)?;
        let kind = layer.kind();
        let ino = match (&lower, &upper) {
            (Some(l), _) => l.attr()?.ino,
            (None, Some(u)) => super::upper_ino(u)?,
            (None, None) => unreachable!("checked above"),
        };
        let child = Self::build(
            self.shared.clone(),
            kind,
            ino,
            Some((self.arc(), name.to_vec())),
            upper,
            lower,
        );
        children.insert(name.to_vec(), Arc::downgrade(&child));
        Ok(child)
    }

    /// Forgets the cached child `name` (after it was removed or renamed away).
    pub(crate) fn forget(&self, name: &[u8]) {
        self.children.lock().remove(name);
    }

    /// Downcasts an inode of this overlay.
    pub(crate) fn of(inode: &InodeRef) -> Result<Arc<OverlayInode>, Errno> {
        let o = inode
            .as_any()
            .downcast_ref::<OverlayInode>()
            .ok_or(Errno::EXDEV)?;
        Ok(o.arc())
    }

    /// The creds the layers' files have, for whiteouts and copied-up parents.
    pub(crate) fn root_creds() -> Creds {
        Creds { uid: 0, gid: 0 }
    }
}

impl InodeOps for OverlayInode {
    /// A file made in the overlay lives in the upper layer: marked there.
    fn make_linkable(&self) -> Result<(), Errno> {
        self.upper_after_copy_up()?.make_linkable()
    }

    fn kind(&self) -> FileType {
        self.kind
    }

    fn attr(&self) -> Result<Attr, Errno> {
        let _c = self.copy_mu.read();
        let mut a = self.current().attr()?;
        a.ino = self.ino;
        a.dev = self.shared.dev;
        Ok(a)
    }

    fn set_attr(&self, change: &SetAttr) -> Result<(), Errno> {
        let upper = self.upper_after_copy_up()?;
        let _c = self.copy_mu.read();
        upper.set_attr(change)
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        Ok(self.child(name)?)
    }

    fn readdir(&self) -> Result<Vec<DirEntryInfo>, Errno> {
        if self.kind != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        let _c = self.copy_mu.read();
        dir::merged_listing(self)
    }

    fn create(
        &self,
        name: &[u8],
        node: NewNode,
        perm: u32,
        creds: Creds,
    ) -> Result<InodeRef, Errno> {
        dir::create(self, name, node, perm, creds).map(|c| c as InodeRef)
    }

    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        dir::link(self, name, target)
    }

    fn unlink(&self, name: &[u8]) -> Result<(), Errno> {
        dir::remove(self, name, false)
    }

    fn rmdir(&self, name: &[u8]) -> Result<(), Errno> {
        dir::remove(self, name, true)
    }

    fn rename(
        &self,
        old_name: &[u8],
        new_dir: &InodeRef,
        new_name: &[u8],
        flags: RenameFlags,
    ) -> Result<(), Errno> {
        dir::rename(self, old_name, new_dir, new_name, flags)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        // Holding copy_mu shared: a read never continues on the lower file once a
        // copy-up (and then a write through the upper) has happened.
        let _c = self.copy_mu.read();
        self.current().read_at(buf, offset)
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        let upper = self.upper_after_copy_up()?;
        let _c = self.copy_mu.read();
        upper.write_at(buf, offset)
    }

    fn allocate(&self, offset: u64, len: u64, keep_size: bool, punch: bool) -> Result<(), Errno> {
        let upper = self.upper_after_copy_up()?;
        let _c = self.copy_mu.read();
        upper.allocate(offset, len, keep_size, punch)
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        let _c = self.copy_mu.read();
        self.current().readlink()
    }

    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        if name.starts_with(OVERLAY_XATTR_PREFIX) {
            return Err(Errno::ENODATA);
        }
        let _c = self.copy_mu.read();
        self.current().getxattr(name)
    }

    fn setxattr(&self, name: &[u8], value: &[u8], mode: XattrMode) -> Result<(), Errno> {
        if name.starts_with(OVERLAY_XATTR_PREFIX) {
            return Err(Errno::EPERM);
        }
        let upper = self.upper_after_copy_up()?;
        let _c = self.copy_mu.read();
        upper.setxattr(name, value, mode)
    }

    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        let _c = self.copy_mu.read();
        let mut names = self.current().listxattr()?;
        names.retain(|n| !n.starts_with(OVERLAY_XATTR_PREFIX));
        Ok(names)
    }

    fn removexattr(&self, name: &[u8]) -> Result<(), Errno> {
        if name.starts_with(OVERLAY_XATTR_PREFIX) {
            return Err(Errno::ENODATA);
        }
        let upper = self.upper_after_copy_up()?;
        let _c = self.copy_mu.read();
        upper.removexattr(name)
    }

    fn mappable(&self) -> Option<&dyn veil_memmap::mapping::Mappable> {
        (self.kind == FileType::Regular).then_some(self as &dyn veil_memmap::mapping::Mappable)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
