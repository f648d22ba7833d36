//! Mounts, mount namespaces, and the (mount, dirent) pairs that name a place.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;
use veil_abi::Errno;

use super::dirent::{rename_lock, Dirent};
use crate::inode::{FileType, InodeRef};

/// Mount ids, unique in the sentry (`/proc/*/mountinfo`).
static NEXT_MOUNT_ID: AtomicU64 = AtomicU64::new(1);

/// One file system attached in a namespace: its root dirent and where it is attached.
pub struct Mount {
    /// Unique id. Immutable.
    id: u64,
    /// The root of this mount's dirent tree. Immutable.
    root: Arc<Dirent>,
    /// Where the mount is attached: a dirent of the parent mount (or the root of a mount
    /// stacked below); `None` for the root mount of a namespace. Immutable.
    mountpoint: Option<PathRef>,
    /// File system type, as `/proc/mounts` shows it (`tmpfs`, `overlay`, ...).
    fs_type: String,
    /// Source, as `/proc/mounts` shows it (`none`, a device, ...).
    source: String,
    /// Options, as `/proc/mounts` shows them (`rw,relatime`, ...).
    options: String,
}

impl Mount {
    fn new(
        root_inode: InodeRef,
        mountpoint: Option<PathRef>,
        fs_type: &str,
        source: &str,
        options: &str,
    ) -> Arc<Mount> {
        Arc::new_cyclic(|me| Mount {
            id: NEXT_MOUNT_ID.fetch_add(1, Ordering::Relaxed),
            root: Dirent::new_root(root_inode, me.clone()),
            mountpoint,
            fs_type: fs_type.to_owned(),
            source: source.to_owned(),
            options: options.to_owned(),
        })
    }

    /// The mount's unique id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The root dirent of the mounted file system.
    pub fn root(&self) -> &Arc<Dirent> {
        &self.root
    }

    /// The root of this mount as a path.
    pub fn root_path(self: &Arc<Self>) -> PathRef {
        PathRef::new(self.clone(), self.root.clone())
    }

    /// Where the mount is attached; `None` for a namespace's root mount.
    pub fn mountpoint(&self) -> Option<&PathRef> {
        self.mountpoint.as_ref()
    }

    /// The file system type for `/proc/mounts`.
    pub fn fs_type(&self) -> &str {
        &self.fs_type
    }

    /// The source for `/proc/mounts`.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The options for `/proc/mounts`.
    pub fn options(&self) -> &str {
        &self.options
    }
}

impl fmt::Debug for Mount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mount")
            .field("id", &self.id)
            .field("fs_type", &self.fs_type)
            .field("source", &self.source)
            .finish()
    }
}

/// A place in the tree: a dirent and the mount it is reached through. The kernel keeps
/// one for each process's root and working directory and for each open file.
///
/// Two `PathRef`s are equal when they hold the same mount and the same dirent.
#[derive(Clone)]
pub struct PathRef {
    /// The mount.
    pub mount: Arc<Mount>,
    /// The dirent, which belongs to `mount`.
    pub dirent: Arc<Dirent>,
}

impl PathRef {
    /// The place `dirent` of `mount`.
    pub fn new(mount: Arc<Mount>, dirent: Arc<Dirent>) -> PathRef {
        PathRef { mount, dirent }
    }

    /// The file.
    pub fn inode(&self) -> &InodeRef {
        self.dirent.inode()
    }

    /// The file's type.
    pub fn kind(&self) -> FileType {
        self.dirent.kind()
    }

    /// Whether the file is a directory.
    pub fn is_dir(&self) -> bool {
        self.dirent.is_dir()
    }

    /// The absolute path as seen from `root` (see [`Dirent::path`]).
    pub fn path(&self, root: &PathRef) -> Vec<u8> {
        self.dirent.path(root)
    }
}

impl PartialEq for PathRef {
    fn eq(&self, other: &PathRef) -> bool {
        Arc::ptr_eq(&self.mount, &other.mount) && Arc::ptr_eq(&self.dirent, &other.dirent)
    }
}

impl Eq for PathRef {}

impl fmt::Debug for PathRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PathRef")
            .field("mount", &self.mount.id)
            .field("dirent", &self.dirent)
            .finish()
    }
}

/// One line of `/proc/mounts` (and what `/proc/*/mountinfo` needs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountInfo {
    /// The mount's id.
    pub id: u64,
    /// The id of the mount it is attached to (its own id for the root mount).
    pub parent_id: u64,
    /// The path of the mount point, as seen from the reader's root.
    pub mountpoint: Vec<u8>,
    /// File system type.
    pub fs_type: String,
    /// Source.
    pub source: String,
    /// Options.
    pub options: String,
}

/// The mounts one group of processes sees.
pub struct MountNamespace {
    /// The root mount. Immutable.
    root: Arc<Mount>,
    /// The mounts. Leaf lock.
    table: RwLock<Table>,
}

/// The mounts of a namespace.
struct Table {
    /// Every mount, in the order it was mounted (the root first).
    mounts: Vec<Arc<Mount>>,
    /// Dirent (by address) → the mount attached on it. The mount holds the dirent, so
    /// the address stays valid and unique while the entry exists. A dirent belongs to
    /// one mount, so the address alone identifies the place.
    on: HashMap<usize, Arc<Mount>>,
}

fn key(dirent: &Arc<Dirent>) -> usize {
    Arc::as_ptr(dirent) as usize
}

impl MountNamespace {
    /// A namespace whose root mount is `root_inode` (a directory), shown in
    /// `/proc/mounts` as `rootfs / rootfs rw`.
    pub fn new(root_inode: InodeRef) -> Arc<MountNamespace> {
        MountNamespace::with_root(root_inode, "rootfs", "rootfs", "rw")
    }

    /// A namespace whose root mount is `root_inode`, with its `/proc/mounts` fields.
    pub fn with_root(
        root_inode: InodeRef,
        fs_type: &str,
        source: &str,
        options: &str,
    ) -> Arc<MountNamespace> {
        let root = Mount::new(root_inode, None, fs_type, source, options);
        Arc::new(MountNamespace {
            root: root.clone(),
            table: RwLock::new(Table {
                mounts: vec![root],
                on: HashMap::new(),
            }),
        })
    }

    /// The root of the root mount: a new process's root and working directory.
    pub fn root(&self) -> PathRef {
        self.root.root_path()
    }

    /// The mount attached directly on `at`, if any.
    pub fn mounted_on(&self, at: &PathRef) -> Option<Arc<Mount>> {
        if !at.dirent.is_mountpoint() {
            return None;
        }
        self.table.read().on.get(&key(&at.dirent)).cloned()
    }

    /// `at`, or if mounts are stacked on it, the root of the topmost one: where a walk
    /// entering `at` continues.
    pub fn follow_mounts(&self, mut at: PathRef) -> PathRef {
        while let Some(m) = self.mounted_on(&at) {
            at = m.root_path();
        }
        at
    }

    /// Attaches a new mount of `root_inode` at `at`, a place in this namespace, with its
    /// `/proc/mounts` fields. If mounts are already stacked on `at`, the new one goes on
    /// top of them (as Linux's `lock_mount`).
    ///
    /// `EINVAL` if `at` is not in this namespace, `ENOENT` if its name was removed,
    /// `ENOTDIR` if one of `at` and `root_inode` is a directory and the other not.
    ///
    /// Takes `rename_lock()` (read), the parent's `Dirent::mu` (so that no rmdir,
    /// unlink or rename of the mountpoint runs meanwhile), then the table lock.
    pub fn mount(
        &self,
        at: &PathRef,
        root_inode: InodeRef,
        fs_type: &str,
        source: &str,
        options: &str,
    ) -> Result<(), Errno> {
        let _rename = rename_lock().read();
        let attach = || {
            let mut table = self.table.write();
            if !table.mounts.iter().any(|m| Arc::ptr_eq(m, &at.mount)) {
                return Err(Errno::EINVAL);
            }
            if at.dirent.is_deleted() {
                return Err(Errno::ENOENT);
            }
            let mut top = at.clone();
            while let Some(m) = table.on.get(&key(&top.dirent)) {
                top = m.root_path();
            }
            if top.is_dir() != (root_inode.kind() == FileType::Directory) {
                return Err(Errno::ENOTDIR);
            }
            let mount = Mount::new(
                root_inode.clone(),
                Some(top.clone()),
                fs_type,
                source,
                options,
            );
            top.dirent.add_mount();
            table.on.insert(key(&top.dirent), mount.clone());
            table.mounts.push(mount);
            Ok(())
        };
        match at.dirent.parent() {
            Some(parent) => parent.with_children_locked(attach),
            None => attach(),
        }
    }

    /// Every mount, in mount order, with paths as seen from the namespace root
    /// (`/proc/mounts` of an unchrooted process).
    pub fn mounts(&self) -> Vec<MountInfo> {
        self.mounts_seen_from(&self.root())
    }

    /// The mounts whose mount point lies under `root` (a process's root), in mount
    /// order, with paths as seen from it: Linux leaves the others out of
    /// `/proc/mounts`.
    ///
    /// Takes `rename_lock()` for reading.
    pub fn mounts_seen_from(&self, root: &PathRef) -> Vec<MountInfo> {
        let mounts = self.table.read().mounts.clone();
        mounts
            .iter()
            .filter_map(|m| {
                let (mountpoint, reachable) = m.root.path_from(root);
                reachable.then(|| MountInfo {
                    id: m.id,
                    parent_id: m.mountpoint.as_ref().map_or(m.id, |mp| mp.mount.id),
                    mountpoint,
                    fs_type: m.fs_type.clone(),
                    source: m.source.clone(),
                    options: m.options.clone(),
                })
            })
            .collect()
    }
}

impl fmt::Debug for MountNamespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MountNamespace")
            .field("root", &self.root.id)
            .field("mounts", &self.table.read().mounts.len())
            .finish()
    }
}
