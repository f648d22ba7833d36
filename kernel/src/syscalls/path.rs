//! Reading guest paths and walking them from the right place.

use veil_abi::flags::at::AT_FDCWD;
use veil_abi::Errno;
use veil_vfs::inode::Attr;
use veil_vfs::walk::{CreateLookup, PathRef, WalkCtx, WalkFlags};

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
    let start = if dirfd == AT_FDCWD || path.first() == Some(&b'/') {
        None
    } else {
        let file = sc.task.files.get(dirfd)?;
        Some(file.location.clone().ok_or(Errno::ENOTDIR)?)
    };
    let creds = Creds::current();
    let search = move |a: &Attr| perm::may_access(a, &creds, MAY_EXEC);
    let mut ctx = WalkCtx::new(sc.task.kernel.namespace(), &root, &cwd);
    ctx.start = start.as_ref();
    ctx.may_search = Some(&search);
    f(&ctx)
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
