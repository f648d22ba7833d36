//! Reading guest paths and walking them from the right place.

use veil_abi::flags::at::AT_FDCWD;
use veil_abi::Errno;
use veil_vfs::inode::Attr;
use veil_vfs::walk::{CreateLookup, PathRef, Restrictions, WalkCtx, WalkFlags};

use super::SyscallCtx;
use crate::mm::PATH_MAX;
use crate::perm::{self, Creds, MAY_EXEC};

/// Reads the path at `addr` (`EFAULT`, `ENAMETOOLONG`).
pub(crate) fn read_path(sc: &SyscallCtx<'_>, addr: u64) -> Result<Vec<u8>, Errno> {
    sc.task.mm().copy_string_in(addr, PATH_MAX - 1)
}

/// Runs `f` with a walk context for the caller: its root and working directory, and
/// the place of `dirfd` for a relative `path` unless it is `AT_FDCWD` (an absolute
/// path ignores `dirfd`, even a bad one, as Linux). Directories are searched with the
/// caller's credentials.
pub(crate) fn with_walk<R>(
    sc: &SyscallCtx<'_>,
    dirfd: i32,
    path: &[u8],
    f: impl FnOnce(&WalkCtx<'_>) -> Result<R, Errno>,
) -> Result<R, Errno> {
    let (root, cwd) = sc.task.fs.root_and_cwd();
    // RESOLVE_IN_ROOT and RESOLVE_BENEATH anchor even an absolute path at dirfd.
    let anchored = sc.resolve & (RESOLVE_IN_ROOT | RESOLVE_BENEATH) != 0;
    let start = if dirfd == AT_FDCWD || (path.first() == Some(&b'/') && !anchored) {
        None
    } else {
        let file = sc.task.files.get(dirfd)?;
        Some(file.location.clone().ok_or(Errno::ENOTDIR)?)
    };
    let creds = Creds::current();
    let search = move |a: &Attr| perm::may_access(a, &creds, MAY_EXEC);
    // RESOLVE_IN_ROOT: the starting directory is the root of the walk.
    let in_root = sc.resolve & RESOLVE_IN_ROOT != 0;
    let start_or_cwd = start.clone().unwrap_or_else(|| cwd.clone());
    let walk_root = if in_root { &start_or_cwd } else { &root };
    let mut ctx = WalkCtx::new(sc.task.kernel.namespace(), walk_root, &cwd);
    ctx.start = start.as_ref();
    ctx.may_search = Some(&search);
    let magic = |p: &PathRef| is_magic_link(p);
    // BENEATH and IN_ROOT never follow magic links either, as Linux.
    let no_magic = sc.resolve & (RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH | RESOLVE_IN_ROOT) != 0;
    ctx.restrict = Restrictions {
        no_symlinks: sc.resolve & RESOLVE_NO_SYMLINKS != 0,
        no_xdev: sc.resolve & RESOLVE_NO_XDEV != 0,
        beneath: sc.resolve & RESOLVE_BENEATH != 0,
        magic_link: if no_magic { Some(&magic) } else { None },
    };
    f(&ctx)
}

/// `RESOLVE_NO_XDEV`.
pub(crate) const RESOLVE_NO_XDEV: u64 = 0x01;
/// `RESOLVE_NO_MAGICLINKS`.
pub(crate) const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
/// `RESOLVE_NO_SYMLINKS`.
pub(crate) const RESOLVE_NO_SYMLINKS: u64 = 0x04;
/// `RESOLVE_BENEATH`.
pub(crate) const RESOLVE_BENEATH: u64 = 0x08;
/// `RESOLVE_IN_ROOT`.
pub(crate) const RESOLVE_IN_ROOT: u64 = 0x10;
/// `RESOLVE_CACHED`.
pub(crate) const RESOLVE_CACHED: u64 = 0x20;

/// Whether the symlink at `p` is one of procfs's magic links: `/proc/<pid>/fd/N`
/// (and a task's), `exe`, `cwd` and `root`.
fn is_magic_link(p: &PathRef) -> bool {
    let on_proc = p
        .inode()
        .attr()
        .is_ok_and(|a| a.to_stat().st_dev == crate::procfs::PROC_DEV);
    if !on_proc {
        return false;
    }
    let name = p.dirent.name();
    let in_fd = p.dirent.parent().is_some_and(|d| d.name() == b"fd");
    in_fd || matches!(&name[..], b"exe" | b"cwd" | b"root")
}

/// Resolves `path` from `dirfd`.
pub(crate) fn resolve(
    sc: &SyscallCtx<'_>,
    dirfd: i32,
    path: &[u8],
    flags: WalkFlags,
) -> Result<PathRef, Errno> {
    with_walk(sc, dirfd, path, |ctx| ctx.resolve(path, flags))
}

/// Resolves all but the last component: `(directory, last name, trailing slash)`.
pub(crate) fn resolve_parent(
    sc: &SyscallCtx<'_>,
    dirfd: i32,
    path: &[u8],
) -> Result<(PathRef, Vec<u8>, bool), Errno> {
    with_walk(sc, dirfd, path, |ctx| ctx.resolve_parent(path))
}

/// Resolves for `open(O_CREAT)`: the file if it exists, else where to create it.
pub(crate) fn resolve_create(
    sc: &SyscallCtx<'_>,
    dirfd: i32,
    path: &[u8],
    flags: WalkFlags,
) -> Result<CreateLookup, Errno> {
    with_walk(sc, dirfd, path, |ctx| ctx.resolve_create(path, flags))
}

/// The path of `at` as the caller sees it (from its root).
pub(crate) fn display(sc: &SyscallCtx<'_>, at: &PathRef) -> Vec<u8> {
    let root = sc.task.fs.root.lock().clone();
    at.path(&root)
}
