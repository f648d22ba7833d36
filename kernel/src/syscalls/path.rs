//! Reading guest paths and finding where a path walk starts.

use std::os::fd::AsFd;

use veil_abi::flags::at::AT_FDCWD;
use veil_abi::Errno;
use veil_vfs::host::Anchor;

use super::SyscallCtx;
use crate::mm::PATH_MAX;

/// Reads the path at `addr` (`EFAULT`, `ENAMETOOLONG`).
pub(crate) fn read_path(sc: &SyscallCtx<'_>, addr: u64) -> Result<Vec<u8>, Errno> {
    sc.task.mm.copy_string_in(addr, PATH_MAX - 1)
}

/// Runs `f` with the anchor a walk of `path` starts from: the root for absolute paths,
/// else the working directory (`AT_FDCWD`) or the directory open at `dirfd`.
/// `ENOTDIR` if `dirfd` is not a directory, `EBADF` if it is not open.
pub(crate) fn walk_from<R>(
    sc: &SyscallCtx<'_>,
    dirfd: i32,
    path: &[u8],
    f: impl FnOnce(Anchor<'_>) -> Result<R, Errno>,
) -> Result<R, Errno> {
    if path.first() == Some(&b'/') {
        return f(Anchor::Root);
    }
    if dirfd == AT_FDCWD {
        let cwd = sc.task.fs.cwd.lock();
        return f(Anchor::Dir(cwd.fd.as_fd()));
    }
    let file = sc.task.files.get(dirfd)?;
    if !file.ops.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let fd = file.ops.host_fd().ok_or(Errno::ENOTDIR)?;
    f(Anchor::Dir(fd))
}

/// Whether `path` names the caller's `/proc/self/exe` (or `/proc/thread-self/exe`,
/// `/proc/<pid>/exe`), which Veil answers itself.
pub(crate) fn is_proc_self_exe(sc: &SyscallCtx<'_>, path: &[u8]) -> bool {
    let parts: Vec<&[u8]> = path
        .split(|&c| c == b'/')
        .filter(|p| !p.is_empty() && *p != b".")
        .collect();
    let pid = sc.task.tg.tgid.to_string();
    path.first() == Some(&b'/')
        && parts.len() == 3
        && parts[0] == b"proc"
        && (parts[1] == b"self" || parts[1] == b"thread-self" || parts[1] == pid.as_bytes())
        && parts[2] == b"exe"
}
