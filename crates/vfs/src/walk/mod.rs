//! The name layer above the file systems: directory entries, mounts and the path walk.
//!
//! * A [`Dirent`] names one inode in one mount: its name, its parent (`None` for the
//!   root of a mount), the [`InodeRef`](crate::inode::InodeRef), the [`Mount`] it
//!   belongs to, and a cache of the children looked up through it. The syscall layer
//!   changes directories only through `Dirent` methods ([`Dirent::create_child`],
//!   [`Dirent::unlink_child`], [`Dirent::rmdir_child`], [`Dirent::link_child`],
//!   [`Dirent::rename`]) so that the cache stays coherent with the file systems.
//! * A [`Mount`] is one file system attached at a mountpoint of its parent mount;
//!   a [`MountNamespace`] holds the mounts a process sees. A [`PathRef`] (mount and
//!   dirent) is what the kernel keeps for a process's root and working directory and for
//!   each open file's path.
//! * [`resolve`], [`resolve_parent`] and [`WalkCtx::resolve_create`] walk a path
//!   with Linux's rules (`path_resolution(7)`, `fs/namei.c`): `.`, `..` clamped at the
//!   process root and crossing mount points, mounts entered (topmost of a stack),
//!   symlinks followed (at most [`MAXSYMLINKS`]), `PATH_MAX` and `NAME_MAX`, trailing
//!   slashes. Search permission is a hook ([`WalkCtx::may_search`]).
//!
//! Each mount has its own tree of dirents (there are no bind mounts yet), so a dirent
//! belongs to exactly one mount. The cache of children holds weak references: it never
//! keeps a dirent alive by itself. A dirent lives while something holds it (a
//! `PathRef`, an open file, a mount on it, or a descendant, through its parent link),
//! and a name nobody holds is simply looked up again in the file system. The cache
//! assumes that a directory changes only through these methods (true of tmpfs, the
//! overlay, and the read-only host file system).
//!
//! # Locking
//!
//! ```text
//! rename_lock()              (RenameMu, global)  rename: write; create, link, unlink,
//!  |                                             rmdir, path(): read
//!  +- Dirent::mu             (DirentMu)  a directory's cached children
//!      |                                 a parent's before a child's; two directories
//!      |                                 that are not parent and child are locked
//!      |                                 together only by rename, under rename_lock
//!      |                                 for writing, ancestor first, else the old
//!      |                                 parent first
//!      +- the InodeOps call   (CopyMu, InodeMu inside the file system)
//!
//! Leaf locks, never held while another lock is taken:
//!   Dirent::links             the dirent's name and parent (written only by rename)
//!   MountNamespace::table     the mounts of a namespace
//! ```
//!
//! Directory-changing methods hold `rename_lock()` for reading and the directory's
//! `Dirent::mu` around the file system call, as gVisor's `Dirent.lockDirectory`: a file
//! system (the overlay's copy-up) may rely on no rename happening during the call and
//! must then not take `rename_lock()` again. Callers of those methods and of
//! [`Dirent::path`] must hold neither `rename_lock()` (a recursive read lock can deadlock
//! against a waiting writer) nor any `Dirent::mu`. [`resolve`] takes neither lock
//! across calls: it takes one `Dirent::mu` at a time, in [`Dirent::lookup_child`].
//!
//! Like Linux, the walk does not hold `rename_lock()`, so a directory renamed out of a
//! process's root while that process walks `..` from inside it can take the walk out of
//! the root (Linux closes this hole only for bind mounts).

#![forbid(unsafe_code)]

mod dirent;
mod mount;
mod resolve;
#[cfg(test)]
mod tests;

pub use dirent::{rename_lock, Dirent};
pub use mount::{Mount, MountInfo, MountNamespace, PathRef};
pub use resolve::{
    resolve, resolve_parent, CreateLookup, Restrictions, WalkCtx, WalkFlags, MAXSYMLINKS, PATH_MAX,
};
