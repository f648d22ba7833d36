//! `inotify_init`, `inotify_init1`, `inotify_add_watch`, `inotify_rm_watch`
//! (see `kernel/src/inotify.rs`).

use veil_abi::flags::open::{O_CLOEXEC, O_NONBLOCK, O_RDONLY};
use veil_abi::Errno;
use veil_vfs::walk::WalkFlags;
use veil_vfs::OpenFile;

use super::fd::nofile_limit;
use super::path::{read_path, resolve};
use super::{fd_arg, SysResult, SyscallCtx};
use crate::inotify::{InotifyFile, IN_DONT_FOLLOW};
use crate::perm::{self, Creds, MAY_READ};

fn init(sc: &SyscallCtx<'_>, flags: u32) -> SysResult {
    if flags & !(O_NONBLOCK | O_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let file = InotifyFile::new(&sc.task.kernel, flags & O_NONBLOCK != 0);
    let open = OpenFile::new(
        file,
        O_RDONLY | (flags & O_NONBLOCK),
        "anon_inode:inotify".into(),
    );
    let fd = sc
        .task
        .files
        .install(open, flags & O_CLOEXEC != 0, 0, nofile_limit(sc))?;
    Ok(fd as u64)
}

/// `inotify_init()`.
pub(super) fn inotify_init(sc: &mut SyscallCtx<'_>, _a: [u64; 6]) -> SysResult {
    init(sc, 0)
}

/// `inotify_init1(flags)`: `IN_NONBLOCK`, `IN_CLOEXEC`; others `EINVAL`.
pub(super) fn inotify_init1(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    init(sc, a[0] as u32)
}

/// The inotify instance `fd` is: `EBADF` if not open, `EINVAL` if not an instance.
fn instance(sc: &SyscallCtx<'_>, fd: i32) -> Result<std::sync::Arc<OpenFile>, Errno> {
    let file = sc.task.files.get(fd)?;
    if file
        .ops
        .as_any()
        .and_then(|a| a.downcast_ref::<InotifyFile>())
        .is_none()
    {
        return Err(Errno::EINVAL);
    }
    Ok(file)
}

/// `inotify_add_watch(fd, path, mask)`: watches the file `path` names (its final
/// symlink followed unless `IN_DONT_FOLLOW`), which the caller must be able to read
/// (`EACCES`).
pub(super) fn inotify_add_watch(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = instance(sc, fd_arg(a[0]))?;
    let mask = a[2] as u32;
    let path = read_path(sc, a[1])?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let flags = if mask & IN_DONT_FOLLOW != 0 {
        WalkFlags::NOFOLLOW
    } else {
        WalkFlags::FOLLOW
    };
    let at = resolve(sc, veil_abi::flags::at::AT_FDCWD, &path, flags)?;
    let inode = at.inode().clone();
    if !perm::may_access(&inode.attr()?, &Creds::current(), MAY_READ) {
        return Err(Errno::EACCES);
    }
    let inotify = file
        .ops
        .as_any()
        .and_then(|a| a.downcast_ref::<InotifyFile>())
        .ok_or(Errno::EINVAL)?;
    inotify.add_watch(&inode, mask).map(|wd| wd as u64)
}

/// `inotify_rm_watch(fd, wd)`.
pub(super) fn inotify_rm_watch(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = instance(sc, fd_arg(a[0]))?;
    let inotify = file
        .ops
        .as_any()
        .and_then(|a| a.downcast_ref::<InotifyFile>())
        .ok_or(Errno::EINVAL)?;
    inotify.rm_watch(a[1] as i32).map(|()| 0)
}
