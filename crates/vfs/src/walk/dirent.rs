//! Directory entries: the name tree and its cache of looked-up children.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use veil_abi::Errno;

use super::mount::{Mount, PathRef};
use crate::inode::{Creds, FileType, InodeRef, NewNode, RenameFlags, NAME_MAX};
use crate::lock::{Rank, RankedMutex, RankedRwLock};

/// The global rename lock (see the module documentation for the order).
static RENAME_LOCK: RankedRwLock<()> = RankedRwLock::new(Rank::RenameMu, ());

/// The global rename lock, of rank [`Rank::RenameMu`]: [`Dirent::rename`] holds it for
/// writing, so holding it for reading keeps every dirent's name and parent, and every
/// file's place in its file system, from changing. Take it before any `Dirent::mu`, and
/// never recursively (a reader waiting behind a writer deadlocks against itself).
pub fn rename_lock() -> &'static RankedRwLock<()> {
    &RENAME_LOCK
}

/// Cached children below this many entries are never pruned.
const PRUNE_MIN: usize = 64;

/// A name in the tree: one inode as reached through one mount.
///
/// Handled as `Arc<Dirent>`. The name and parent change only through [`Dirent::rename`].
pub struct Dirent {
    /// The file. Immutable.
    inode: InodeRef,
    /// The mount this dirent belongs to. Immutable. Weak: the mount owns its root dirent.
    mount: Weak<Mount>,
    /// Name and parent. Leaf lock; written only under `rename_lock()` for writing.
    links: Mutex<Links>,
    /// The cached children of a directory. Rank `DirentMu`.
    mu: RankedMutex<Children>,
    /// The name was removed (unlink, rmdir, or replaced by a rename). Set under the
    /// parent's `mu`; never cleared.
    deleted: AtomicBool,
    /// How many mounts sit on this dirent. Changed under the parent's `mu` (for a
    /// mount root: under the namespace table lock).
    mounted: AtomicUsize,
}

/// Where a dirent sits in the tree.
struct Links {
    /// The name in the parent; `/` for a mount root.
    name: Vec<u8>,
    /// The parent directory; `None` for the root of a mount.
    parent: Option<Arc<Dirent>>,
}

/// The cache of a directory's children, name → dirent.
///
/// Invariant: every live, not deleted child dirent of this directory is in `map` under
/// its current name.
struct Children {
    map: HashMap<Vec<u8>, Weak<Dirent>>,
    /// Dead entries are dropped when the map reaches this size.
    prune_at: usize,
}

impl Children {
    fn new() -> Children {
        Children {
            map: HashMap::new(),
            prune_at: PRUNE_MIN,
        }
    }

    /// The live cached child `name`.
    fn get(&self, name: &[u8]) -> Option<Arc<Dirent>> {
        self.map.get(name).and_then(Weak::upgrade)
    }

    fn insert(&mut self, name: &[u8], child: &Arc<Dirent>) {
        if self.map.len() >= self.prune_at {
            self.map.retain(|_, d| d.strong_count() > 0);
            self.prune_at = (self.map.len() * 2).max(PRUNE_MIN);
        }
        self.map.insert(name.to_vec(), Arc::downgrade(child));
    }

    fn remove(&mut self, name: &[u8]) {
        self.map.remove(name);
    }
}

/// What the last component of a path is, as Linux's `last_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameKind {
    /// The empty name [`resolve_parent`](super::resolve_parent) reports for a path
    /// naming the root (`LAST_ROOT`).
    Root,
    /// `.` (`LAST_DOT`).
    Dot,
    /// `..` (`LAST_DOTDOT`).
    DotDot,
    /// Anything else (`LAST_NORM`).
    Normal,
}

fn classify(name: &[u8]) -> NameKind {
    match name {
        b"" => NameKind::Root,
        b"." => NameKind::Dot,
        b".." => NameKind::DotDot,
        _ => NameKind::Normal,
    }
}

/// Checks a normal name: `EINVAL` if it contains `/`, `ENAMETOOLONG` beyond `NAME_MAX`.
fn check_name(name: &[u8]) -> Result<(), Errno> {
    if name.contains(&b'/') {
        return Err(Errno::EINVAL);
    }
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(())
}

/// Whether two handles are the same inode.
fn same_inode(a: &InodeRef, b: &InodeRef) -> bool {
    std::ptr::eq(Arc::as_ptr(a).cast::<()>(), Arc::as_ptr(b).cast::<()>())
}

/// One step up from a dirent.
enum Up {
    /// To the parent, leaving this name.
    Parent(Vec<u8>, Arc<Dirent>),
    /// From a mount root to the dirent it is mounted on.
    MountPoint(Arc<Dirent>),
    /// Nowhere: the root of the namespace (or of a mount no longer attached).
    Top,
}

impl Dirent {
    /// The root dirent of a mount.
    pub(super) fn new_root(inode: InodeRef, mount: Weak<Mount>) -> Arc<Dirent> {
        Arc::new(Dirent {
            inode,
            mount,
            links: Mutex::new(Links {
                name: b"/".to_vec(),
                parent: None,
            }),
            mu: RankedMutex::new(Rank::DirentMu, Children::new()),
            deleted: AtomicBool::new(false),
            mounted: AtomicUsize::new(0),
        })
    }

    /// A new child of `self` (not yet in the cache).
    fn new_child(self: &Arc<Self>, name: &[u8], inode: InodeRef) -> Arc<Dirent> {
        Arc::new(Dirent {
            inode,
            mount: self.mount.clone(),
            links: Mutex::new(Links {
                name: name.to_vec(),
                parent: Some(self.clone()),
            }),
            mu: RankedMutex::new(Rank::DirentMu, Children::new()),
            deleted: AtomicBool::new(false),
            mounted: AtomicUsize::new(0),
        })
    }

    /// The file this dirent names.
    pub fn inode(&self) -> &InodeRef {
        &self.inode
    }

    /// The file's type.
    pub fn kind(&self) -> FileType {
        self.inode.kind()
    }

    /// Whether the file is a directory.
    pub fn is_dir(&self) -> bool {
        self.kind() == FileType::Directory
    }

    /// The current name (`/` for a mount root).
    pub fn name(&self) -> Vec<u8> {
        self.links.lock().name.clone()
    }

    /// The current parent; `None` for the root of a mount.
    pub fn parent(&self) -> Option<Arc<Dirent>> {
        self.links.lock().parent.clone()
    }

    /// Whether this is the root of its mount.
    pub fn is_mount_root(&self) -> bool {
        self.links.lock().parent.is_none()
    }

    /// The mount this dirent belongs to; `None` once that mount is gone.
    pub fn mount(&self) -> Option<Arc<Mount>> {
        self.mount.upgrade()
    }

    /// Whether both dirents belong to the same mount.
    pub fn same_mount(&self, other: &Dirent) -> bool {
        Weak::ptr_eq(&self.mount, &other.mount)
    }

    /// Whether the name was removed (by unlink, rmdir, or a rename over it). The dirent
    /// stays usable for what holds it (an open file, a working directory), but nothing
    /// can be created in a removed directory (`ENOENT`, as Linux's `IS_DEADDIR`).
    pub fn is_deleted(&self) -> bool {
        self.deleted.load(Ordering::Acquire)
    }

    /// Whether a mount sits on this dirent (in any namespace).
    pub fn is_mountpoint(&self) -> bool {
        self.mounted.load(Ordering::Acquire) > 0
    }

    pub(super) fn add_mount(&self) {
        self.mounted.fetch_add(1, Ordering::AcqRel);
    }

    /// Runs `f` with this directory's `mu` held: [`MountNamespace::mount`] excludes an
    /// rmdir, unlink or rename of the child it mounts on this way.
    ///
    /// [`MountNamespace::mount`]: super::MountNamespace::mount
    pub(super) fn with_children_locked<R>(&self, f: impl FnOnce() -> R) -> R {
        let _children = self.mu.lock();
        f()
    }

    fn mark_deleted(&self) {
        self.deleted.store(true, Ordering::Release);
    }

    fn set_links(&self, name: &[u8], parent: &Arc<Dirent>) {
        let mut links = self.links.lock();
        links.name = name.to_vec();
        links.parent = Some(parent.clone());
    }

    fn up(&self) -> Up {
        let links = self.links.lock();
        if let Some(parent) = &links.parent {
            return Up::Parent(links.name.clone(), parent.clone());
        }
        drop(links);
        match self.mount().and_then(|m| m.mountpoint().cloned()) {
            Some(mp) => Up::MountPoint(mp.dirent),
            None => Up::Top,
        }
    }

    /// The child `name`, from the cache or else the file system, without entering a
    /// mount on it (the walk does that). `ENOTDIR` if this is not a directory, `ENOENT`
    /// if absent (or if this directory was removed), `EINVAL` for `""`, `.`, `..` or a
    /// name containing `/` (the walk handles dots), `ENAMETOOLONG` beyond `NAME_MAX`.
    ///
    /// Takes this dirent's `mu` around the file system's `lookup`.
    pub fn lookup_child(self: &Arc<Self>, name: &[u8]) -> Result<Arc<Dirent>, Errno> {
        if classify(name) != NameKind::Normal {
            return Err(Errno::EINVAL);
        }
        check_name(name)?;
        let mut children = self.mu.lock();
        self.lookup_locked(&mut children, name)
    }

    /// The cached child `name`, without asking the file system.
    pub fn cached_child(&self, name: &[u8]) -> Option<Arc<Dirent>> {
        self.mu.lock().get(name)
    }

    /// [`Dirent::lookup_child`] with `self.mu` held (its guard is `children`) and
    /// `name` checked.
    fn lookup_locked(
        self: &Arc<Self>,
        children: &mut Children,
        name: &[u8],
    ) -> Result<Arc<Dirent>, Errno> {
        if !self.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if self.is_deleted() {
            return Err(Errno::ENOENT);
        }
        if let Some(child) = children.get(name) {
            return Ok(child);
        }
        let inode = self.inode.lookup(name)?;
        let child = self.new_child(name, inode);
        children.insert(name, &child);
        Ok(child)
    }

    /// Creates `name` in this directory (`mkdir`, `mknod`, `symlink`, `open(O_CREAT)`)
    /// and caches it. `name` is the last component [`resolve_parent`](super::resolve_parent)
    /// reported: `""`, `.` and `..` give `EEXIST` as Linux's `filename_create`.
    /// `ENOENT` if this directory was removed; otherwise the file system's answer
    /// (`EEXIST`, `ENOTDIR`, ...).
    ///
    /// Takes `rename_lock()` (read) and this dirent's `mu` around the file system call.
    pub fn create_child(
        self: &Arc<Self>,
        name: &[u8],
        node: NewNode,
        perm: u32,
        creds: Creds,
    ) -> Result<Arc<Dirent>, Errno> {
        if classify(name) != NameKind::Normal {
            return Err(Errno::EEXIST);
        }
        check_name(name)?;
        let _rename = rename_lock().read();
        let mut children = self.mu.lock();
        if !self.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if self.is_deleted() {
            return Err(Errno::ENOENT);
        }
        let inode = self.inode.create(name, node, perm, creds)?;
        let child = self.new_child(name, inode);
        children.insert(name, &child);
        Ok(child)
    }

    /// Adds the name `name` in this directory for the file of `target` (`link`) and
    /// returns its dirent. `""`, `.`, `..`: `EEXIST`; `target` in another mount:
    /// `EXDEV`; this directory removed: `ENOENT`; otherwise the file system's answer
    /// (`EEXIST`, `EPERM` for a directory, ...).
    ///
    /// Takes `rename_lock()` (read) and this dirent's `mu` around the file system call.
    pub fn link_child(
        self: &Arc<Self>,
        name: &[u8],
        target: &Arc<Dirent>,
    ) -> Result<Arc<Dirent>, Errno> {
        if classify(name) != NameKind::Normal {
            return Err(Errno::EEXIST);
        }
        check_name(name)?;
        if !self.same_mount(target) {
            return Err(Errno::EXDEV);
        }
        let _rename = rename_lock().read();
        let mut children = self.mu.lock();
        if !self.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if self.is_deleted() {
            return Err(Errno::ENOENT);
        }
        self.inode.link(name, &target.inode)?;
        let child = self.new_child(name, target.inode.clone());
        children.insert(name, &child);
        Ok(child)
    }

    /// Removes the non-directory `name` (`unlink`). `""`, `.`, `..`: `EISDIR` as Linux's
    /// `do_unlinkat`; a mountpoint: `EBUSY`; otherwise the file system's answer
    /// (`ENOENT`, `EISDIR`, ...). A cached dirent of the name is marked deleted.
    ///
    /// Takes `rename_lock()` (read) and this dirent's `mu` around the file system call.
    pub fn unlink_child(self: &Arc<Self>, name: &[u8]) -> Result<(), Errno> {
        if classify(name) != NameKind::Normal {
            return Err(Errno::EISDIR);
        }
        check_name(name)?;
        self.remove_child(name, |inode| inode.unlink(name))
    }

    /// Removes the empty directory `name` (`rmdir`). As Linux's `do_rmdir`: `.` is
    /// `EINVAL`, `..` is `ENOTEMPTY`, `""` (the root) is `EBUSY`; a mountpoint is
    /// `EBUSY`; otherwise the file system's answer (`ENOENT`, `ENOTDIR`, `ENOTEMPTY`).
    /// A cached dirent of the name is marked deleted.
    ///
    /// Takes `rename_lock()` (read) and this dirent's `mu` around the file system call.
    pub fn rmdir_child(self: &Arc<Self>, name: &[u8]) -> Result<(), Errno> {
        match classify(name) {
            NameKind::Dot => return Err(Errno::EINVAL),
            NameKind::DotDot => return Err(Errno::ENOTEMPTY),
            NameKind::Root => return Err(Errno::EBUSY),
            NameKind::Normal => {}
        }
        check_name(name)?;
        self.remove_child(name, |inode| inode.rmdir(name))
    }

    fn remove_child(
        self: &Arc<Self>,
        name: &[u8],
        remove: impl FnOnce(&InodeRef) -> Result<(), Errno>,
    ) -> Result<(), Errno> {
        let _rename = rename_lock().read();
        let mut children = self.mu.lock();
        if !self.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        // Only a cached dirent can carry a mount: the mount holds it alive.
        let cached = children.get(name);
        if cached.as_ref().is_some_and(|c| c.is_mountpoint()) {
            return Err(Errno::EBUSY);
        }
        remove(&self.inode)?;
        children.remove(name);
        if let Some(child) = cached {
            child.mark_deleted();
        }
        Ok(())
    }

    /// Renames `old_name` of `old_parent` to `new_name` of `new_parent` (`renameat2`),
    /// then updates both caches and the moved dirents' names and parents.
    ///
    /// The names are the last components [`resolve_parent`](super::resolve_parent)
    /// reported. In the order of Linux's `do_renameat2` and `vfs_rename`:
    /// `RENAME_EXCHANGE` with `RENAME_NOREPLACE`: `EINVAL`; parents in different mounts:
    /// `EXDEV`; an old name `""`, `.` or `..`: `EBUSY`; such a new name: `EEXIST` with
    /// `RENAME_NOREPLACE`, else `EBUSY`; a removed parent or a missing source: `ENOENT`;
    /// an existing target with `RENAME_NOREPLACE`: `EEXIST`; a missing one with
    /// `RENAME_EXCHANGE`: `ENOENT`; the source an ancestor of (or equal to) the new
    /// parent: `EINVAL`; the target an ancestor of the old parent: `ENOTEMPTY`
    /// (`EINVAL` for an exchange); source and target the same file: nothing happens;
    /// either a mountpoint: `EBUSY`; then the file system's answer (`ENOTDIR`, `EISDIR`,
    /// `ENOTEMPTY`, `EXDEV`, ...).
    ///
    /// Trailing slashes are the caller's to check first, as Linux does before the
    /// ancestry checks: a trailing slash on either name needs the source to be a
    /// directory (`ENOTDIR`; for an exchange, each side its own).
    ///
    /// Holds `rename_lock()` for writing, then both parents' `mu` (an ancestor first,
    /// else the old parent first) around the file system's `rename`.
    pub fn rename(
        old_parent: &Arc<Dirent>,
        old_name: &[u8],
        new_parent: &Arc<Dirent>,
        new_name: &[u8],
        flags: RenameFlags,
    ) -> Result<(), Errno> {
        if flags.exchange && flags.noreplace {
            return Err(Errno::EINVAL);
        }
        if !old_parent.same_mount(new_parent) {
            return Err(Errno::EXDEV);
        }
        if classify(old_name) != NameKind::Normal {
            return Err(Errno::EBUSY);
        }
        if classify(new_name) != NameKind::Normal {
            return Err(if flags.noreplace {
                Errno::EEXIST
            } else {
                Errno::EBUSY
            });
        }
        check_name(old_name)?;
        check_name(new_name)?;

        let _rename = rename_lock().write();
        let same_dir = Arc::ptr_eq(old_parent, new_parent);
        let new_first = !same_dir && is_ancestor_or_self(new_parent, old_parent);
        let (first, second) = if new_first {
            (new_parent, old_parent)
        } else {
            (old_parent, new_parent)
        };
        let mut first_guard = first.mu.lock();
        let mut second_guard = (!same_dir).then(|| second.mu.lock());
        let mut pair = match second_guard.as_deref_mut() {
            None => Pair {
                old: &mut first_guard,
                new: None,
            },
            Some(second) if new_first => Pair {
                old: second,
                new: Some(&mut *first_guard),
            },
            Some(second) => Pair {
                old: &mut first_guard,
                new: Some(second),
            },
        };

        for dir in [old_parent, new_parent] {
            if !dir.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            if dir.is_deleted() {
                return Err(Errno::ENOENT);
            }
        }
        let source = old_parent.lookup_locked(pair.old, old_name)?;
        let target = match new_parent.lookup_locked(pair.new_mut(), new_name) {
            Ok(t) => Some(t),
            Err(Errno::ENOENT) => None,
            Err(e) => return Err(e),
        };
        if flags.noreplace && target.is_some() {
            return Err(Errno::EEXIST);
        }
        if flags.exchange && target.is_none() {
            return Err(Errno::ENOENT);
        }
        if is_ancestor_or_self(&source, new_parent) {
            return Err(Errno::EINVAL);
        }
        if let Some(t) = &target {
            if is_ancestor_or_self(t, old_parent) {
                return Err(if flags.exchange {
                    Errno::EINVAL
                } else {
                    Errno::ENOTEMPTY
                });
            }
            if same_inode(&source.inode, &t.inode) {
                return Ok(());
            }
        }
        if source.is_mountpoint() || target.as_ref().is_some_and(|t| t.is_mountpoint()) {
            return Err(Errno::EBUSY);
        }

        old_parent
            .inode
            .rename(old_name, &new_parent.inode, new_name, flags)?;

        pair.old.remove(old_name);
        pair.new_mut().remove(new_name);
        pair.new_mut().insert(new_name, &source);
        source.set_links(new_name, new_parent);
        if let Some(t) = target {
            if flags.exchange {
                pair.old.insert(old_name, &t);
                t.set_links(old_name, old_parent);
            } else {
                t.mark_deleted();
            }
        }
        Ok(())
    }

    /// The absolute path of this dirent as seen from `root` (a process's root), as
    /// `getcwd` prints it: `/` for `root` itself, mount points crossed upwards. A
    /// dirent outside `root` gets its path from the namespace root prefixed with
    /// `(unreachable)`, as Linux's `getcwd`. Whether the name was removed is not shown
    /// (see [`Dirent::is_deleted`]: `getcwd` fails with `ENOENT`, `/proc/*/fd` links
    /// append ` (deleted)`).
    ///
    /// Takes `rename_lock()` for reading.
    pub fn path(&self, root: &PathRef) -> Vec<u8> {
        let (path, reachable) = self.path_from(root);
        if reachable {
            path
        } else {
            let mut p = b"(unreachable)".to_vec();
            p.extend_from_slice(&path);
            p
        }
    }

    /// The path from `root`, or from the top if `root` is not an ancestor (then
    /// `false`).
    pub(super) fn path_from(&self, root: &PathRef) -> (Vec<u8>, bool) {
        let _rename = rename_lock().read();
        let is_root = |d: &Dirent| std::ptr::eq(d, Arc::as_ptr(&root.dirent));
        let mut names: Vec<Vec<u8>> = Vec::new();
        let mut reachable = true;
        if !is_root(self) {
            let mut up = self.up();
            loop {
                let next = match up {
                    Up::Parent(name, parent) => {
                        names.push(name);
                        parent
                    }
                    Up::MountPoint(dirent) => dirent,
                    Up::Top => {
                        reachable = false;
                        break;
                    }
                };
                if is_root(&next) {
                    break;
                }
                up = next.up();
            }
        }
        let mut path = Vec::new();
        for name in names.iter().rev() {
            path.push(b'/');
            path.extend_from_slice(name);
        }
        if path.is_empty() {
            path.push(b'/');
        }
        (path, reachable)
    }
}

/// Whether `ancestor` is `d` or one of its ancestors in the same mount.
///
/// Precondition: `rename_lock()` is held, so the chain of parents is stable.
fn is_ancestor_or_self(ancestor: &Arc<Dirent>, d: &Arc<Dirent>) -> bool {
    let mut cur = d.clone();
    loop {
        if Arc::ptr_eq(&cur, ancestor) {
            return true;
        }
        match cur.parent() {
            Some(p) => cur = p,
            None => return false,
        }
    }
}

/// The locked caches of a rename's two parents; `new` is `None` when they are one.
struct Pair<'a> {
    old: &'a mut Children,
    new: Option<&'a mut Children>,
}

impl Pair<'_> {
    fn new_mut(&mut self) -> &mut Children {
        match &mut self.new {
            Some(new) => new,
            None => &mut *self.old,
        }
    }
}

impl fmt::Debug for Dirent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dirent")
            .field("name", &String::from_utf8_lossy(&self.name()))
            .field("kind", &self.kind())
            .field("deleted", &self.is_deleted())
            .field("mounted", &self.mounted.load(Ordering::Relaxed))
            .finish()
    }
}
