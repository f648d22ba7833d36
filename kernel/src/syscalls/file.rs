//! Path-based file calls: open, stat, getdents64, readlink, access, the working
//! directory, umask and statfs.

use std::sync::Arc;

use veil_abi::flags::at::*;
use veil_abi::flags::open::*;
use veil_abi::flags::statx::STATX__RESERVED;
use veil_abi::structs::{Dirent64Header, Stat, DIRENT64_NAME_OFFSET};
use veil_abi::Errno;
use veil_vfs::inode::{FileType, InodeRef, NewNode, SetAttr};
use veil_vfs::inode_file::InodeFile;
use veil_vfs::overlay::OverlayInode;
use veil_vfs::walk::{CreateLookup, PathRef, WalkFlags};
use veil_vfs::{FileOps, OpenFile};

use super::fd::nofile_limit;
use super::path::{display, read_path, resolve, resolve_create};
use super::{fd_arg, SysResult, SyscallCtx};
use crate::perm::{self, Creds, MAY_EXEC, MAY_READ, MAY_WRITE};

/// Makes `inode` writable: an overlay file is copied up first (opening a lower file for
/// writing copies it up, as Linux's overlayfs does at open); `EROFS` on a read-only
/// mount.
pub(super) fn prepare_write(inode: &InodeRef) -> Result<(), Errno> {
    if inode.read_only() {
        return Err(Errno::EROFS);
    }
    match inode.as_any().downcast_ref::<OverlayInode>() {
        Some(o) => o.copy_up(),
        None => Ok(()),
    }
}

/// The file operations of an opened inode; `flags` are the open flags (a FIFO's
/// access mode and `O_NONBLOCK` decide how it opens).
fn open_inode(inode: &InodeRef, path_only: bool, flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
    if path_only {
        return Ok(InodeFile::new(inode.clone()));
    }
    match inode.kind() {
        FileType::Regular => {
            // A memfd opened again (through /proc/self/fd) keeps its seals.
            let memfd = crate::task::current().and_then(|t| crate::memfd::reopen(&t.kernel, inode));
            Ok(memfd.unwrap_or_else(|| InodeFile::new(inode.clone())))
        }
        FileType::Directory | FileType::Symlink => Ok(InodeFile::new(inode.clone())),
        FileType::CharDevice => {
            let attr = inode.attr()?;
            crate::devices::open(attr.rdev, attr.to_stat(), flags)
        }
        FileType::Fifo => {
            let st = inode.attr()?.to_stat();
            let (read, write) = match flags & O_ACCMODE {
                O_RDONLY => (true, false),
                O_WRONLY => (false, true),
                _ => (true, true),
            };
            let end = crate::pipe::open_fifo(
                (st.st_dev, st.st_ino),
                read,
                write,
                flags & O_NONBLOCK != 0,
            )?;
            Ok(end)
        }
        // Opening a socket inode is ENXIO in Linux too.
        FileType::BlockDevice | FileType::Socket => Err(Errno::ENXIO),
    }
}

fn do_open(sc: &SyscallCtx<'_>, dirfd: i32, path_addr: u64, flags: u32, mode: u32) -> SysResult {
    let path = read_path(sc, path_addr)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if flags & O_TMPFILE == O_TMPFILE {
        return open_tmpfile(sc, dirfd, &path, flags, mode);
    }
    // Linux 6.4 and later refuse the ambiguous pair.
    if flags & (O_CREAT | O_DIRECTORY) == O_CREAT | O_DIRECTORY {
        return Err(Errno::EINVAL);
    }
    let path_only = flags & O_PATH != 0;
    let creds = Creds::current();
    let walk = WalkFlags {
        follow_final: flags & O_NOFOLLOW == 0,
        directory: flags & O_DIRECTORY != 0,
        empty_path: false,
    };
    // A magic link names an existing file: O_CREAT (without O_EXCL) opens it (unless
    // openat2 said not to follow magic links).
    let magic_allowed = sc.resolve
        & (super::path::RESOLVE_NO_MAGICLINKS
            | super::path::RESOLVE_BENEATH
            | super::path::RESOLVE_IN_ROOT)
        == 0;
    if magic_allowed && walk.follow_final && flags & (O_CREAT | O_EXCL) != O_CREAT | O_EXCL {
        if let Some(file) = open_magic_link(sc, dirfd, &path, flags)? {
            return install_open_file(sc, file, flags);
        }
    }
    let (at, created) = if flags & O_CREAT != 0 && !path_only {
        // O_CREAT|O_EXCL never follows a final symlink: an existing link is EEXIST.
        let walk = if flags & O_EXCL != 0 {
            WalkFlags {
                follow_final: false,
                ..walk
            }
        } else {
            walk
        };
        match resolve_create(sc, dirfd, &path, walk)? {
            CreateLookup::Found(p) => {
                if flags & O_EXCL != 0 {
                    return Err(Errno::EEXIST);
                }
                (p, false)
            }
            CreateLookup::Absent { dir, name } => {
                let dattr = dir.inode().attr()?;
                if !perm::may_access(&dattr, &creds, MAY_WRITE | MAY_EXEC) {
                    return Err(Errno::EACCES);
                }
                let perm_bits = mode & 0o7777 & !*sc.task.fs.umask.lock();
                let child = dir.dirent.create_child(
                    &name,
                    NewNode::Regular,
                    perm_bits,
                    creds.for_new_file(),
                )?;
                crate::inotify::notify_entry(
                    &sc.task.kernel,
                    &dir.dirent,
                    &name,
                    crate::inotify::IN_CREATE,
                    0,
                    false,
                );
                (PathRef::new(dir.mount.clone(), child), true)
            }
        }
    } else {
        (resolve(sc, dirfd, &path, walk)?, false)
    };
    let file = open_at(sc, at, created, flags)?;
    install_open_file(sc, file, flags)
}

/// Names given to `O_TMPFILE` files for the moment between their creation and unlink.
static NEXT_TMPFILE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// `open(dir, O_TMPFILE | O_WRONLY or O_RDWR, mode)`: an unnamed regular file in the
/// directory's file system, which `linkat(fd, "", dir, name, AT_EMPTY_PATH)` can name
/// later (unless `O_EXCL`). Made as Linux's `vfs_tmpfile` behaves: created under a
/// private name, marked linkable, and unlinked at once; `EOPNOTSUPP` on a file system
/// without unnamed files (proc).
fn open_tmpfile(sc: &SyscallCtx<'_>, dirfd: i32, path: &[u8], flags: u32, mode: u32) -> SysResult {
    let accmode = flags & O_ACCMODE;
    if accmode != O_WRONLY && accmode != O_RDWR {
        return Err(Errno::EINVAL);
    }
    let dir = resolve(sc, dirfd, path, WalkFlags::FOLLOW)?;
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let creds = Creds::current();
    if !perm::may_access(&dir.inode().attr()?, &creds, MAY_WRITE | MAY_EXEC) {
        return Err(Errno::EACCES);
    }
    let name = format!(
        "#{}",
        NEXT_TMPFILE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
    .into_bytes();
    let perm_bits = mode & 0o7777 & !*sc.task.fs.umask.lock();
    let child =
        dir.dirent
            .create_child(&name, NewNode::Regular, perm_bits, creds.for_new_file())?;
    let linkable = if flags & O_EXCL == 0 {
        child.inode().make_linkable()
    } else {
        Ok(())
    };
    if let Err(e) = linkable {
        let _ = dir.dirent.unlink_child(&name);
        return Err(e);
    }
    let at = PathRef::new(dir.mount.clone(), child);
    let open_flags = flags & !(O_TMPFILE & !O_DIRECTORY) & !O_DIRECTORY & !O_CREAT;
    let file = open_at(sc, at, true, open_flags);
    // Unnamed from the start, whether the open worked or not.
    let _ = dir.dirent.unlink_child(&name);
    install_open_file(sc, file?, flags)
}

/// Opens the file at `at` (just created if `created`) with `flags`: checks the type
/// and permissions, copies up and truncates as asked.
fn open_at(
    sc: &SyscallCtx<'_>,
    at: PathRef,
    created: bool,
    flags: u32,
) -> Result<Arc<OpenFile>, Errno> {
    let path_only = flags & O_PATH != 0;
    let creds = Creds::current();
    let inode = at.inode().clone();
    let kind = inode.kind();
    if kind == FileType::Symlink && !path_only {
        return Err(Errno::ELOOP);
    }
    if flags & O_DIRECTORY != 0 && kind != FileType::Directory {
        return Err(Errno::ENOTDIR);
    }
    let accmode = flags & O_ACCMODE;
    let writable = !path_only && matches!(accmode, O_WRONLY | O_RDWR);
    let readable = !path_only && matches!(accmode, O_RDONLY | O_RDWR);
    if kind == FileType::Directory
        && (writable
            || (!path_only && flags & O_TRUNC != 0)
            || flags & O_CREAT != 0 && !created && !path_only)
    {
        return Err(Errno::EISDIR);
    }
    if !created && !path_only {
        let attr = inode.attr()?;
        // O_TRUNC needs write permission even with O_RDONLY (and truncates then).
        let want = if readable { MAY_READ } else { 0 }
            | if writable || flags & O_TRUNC != 0 {
                MAY_WRITE
            } else {
                0
            };
        if !perm::may_access(&attr, &creds, want) {
            return Err(Errno::EACCES);
        }
    }
    if (writable || flags & O_TRUNC != 0) && kind == FileType::Regular && !path_only {
        prepare_write(&inode)?;
        if flags & O_TRUNC != 0 && !created {
            inode.set_attr(&SetAttr {
                size: Some(0),
                ..SetAttr::default()
            })?;
        }
    }
    let ops = open_inode(&inode, path_only, flags)?;
    let kept = if path_only {
        flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    } else {
        flags
    };
    let shown = String::from_utf8_lossy(&display(sc, &at)).into_owned();
    if !path_only {
        if flags & O_TRUNC != 0 && !created && kind == FileType::Regular {
            crate::inotify::notify_inode(&sc.task.kernel, &at.dirent, crate::inotify::IN_MODIFY);
        }
        crate::inotify::notify_inode(&sc.task.kernel, &at.dirent, crate::inotify::IN_OPEN);
    }
    Ok(OpenFile::at(
        ops,
        // O_CLOEXEC belongs to the descriptor, not the description (F_GETFL omits it).
        kept & !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC),
        at,
        shown,
    ))
}

/// Installs `file`, opened with `flags`, as the caller's lowest free descriptor.
fn install_open_file(sc: &SyscallCtx<'_>, file: Arc<OpenFile>, flags: u32) -> SysResult {
    let limit = nofile_limit(sc);
    sc.task
        .files
        .install(file, flags & O_CLOEXEC != 0, 0, limit)
        .map(|fd| fd as u64)
}

/// Whether `path` may lead to a `/proc/<pid>/fd/N` link through its last component:
/// only such paths pay for the symlink-by-symlink walk of [`open_magic_link`]. A chain
/// through a symlink of the guest's own naming none of these is followed as text.
fn may_be_magic(path: &[u8]) -> bool {
    path.windows(2).any(|w| w == b"fd") || path.windows(3).any(|w| w == b"std")
}

/// Opening a `/proc/<pid>/fd/N` link opens the descriptor's file itself, as Linux's
/// magic links (`nd_jump_link`): a file with a place in the tree is opened there
/// again (even once unlinked), a pipe gets a new end of the same pipe, an inherited
/// host descriptor is reopened on the host. `None` when `path` does not end at such a
/// link (see [`magic_link_file`]), or at the link of a file that cannot be reopened
/// (an eventfd), which the caller then opens by the link's text.
fn open_magic_link(
    sc: &SyscallCtx<'_>,
    dirfd: i32,
    path: &[u8],
    flags: u32,
) -> Result<Option<Arc<OpenFile>>, Errno> {
    let Some(file) = magic_link_file(sc, dirfd, path)? else {
        return Ok(None);
    };
    if let Some(location) = file.location.clone() {
        return open_at(sc, location, false, flags).map(Some);
    }
    let (read, write) = match flags & O_ACCMODE {
        O_RDONLY => (true, false),
        O_WRONLY => (false, true),
        _ => (true, true),
    };
    let Some(ops) = file.ops.reopen(read, write, flags & O_NONBLOCK != 0) else {
        return Ok(None);
    };
    let kept = flags & !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
    Ok(Some(OpenFile::new(ops?, kept, file.path.clone())))
}

/// If the final symlinks of `path` lead to a `/proc/<pid>/fd/N` link, the open file
/// it stands for: followed one by one, up to [`MAX_MAGIC_HOPS`]. Only paths that
/// [`may_be_magic`] pay for this walk; `None` for any other, and when the walk fails
/// (the ordinary walk then reports the error).
fn magic_link_file(
    sc: &SyscallCtx<'_>,
    dirfd: i32,
    path: &[u8],
) -> Result<Option<Arc<OpenFile>>, Errno> {
    if !may_be_magic(path) {
        return Ok(None);
    }
    let Ok(mut at) = resolve(sc, dirfd, path, WalkFlags::NOFOLLOW) else {
        return Ok(None);
    };
    for _ in 0..MAX_MAGIC_HOPS {
        if at.kind() != FileType::Symlink {
            return Ok(None);
        }
        if let Some(file) = crate::procfs::fd_link_file(at.inode()) {
            return file.map(Some);
        }
        let target = at.inode().readlink()?;
        let Some(parent) = at.dirent.parent() else {
            return Ok(None);
        };
        let from = PathRef::new(at.mount.clone(), parent);
        at = match resolve_from(sc, &from, &target) {
            Ok(next) => next,
            Err(_) => return Ok(None),
        };
    }
    Ok(None)
}

/// Symlinks [`open_magic_link`] follows before it leaves the rest to the ordinary walk
/// (which reports `ELOOP` past Linux's limit).
const MAX_MAGIC_HOPS: usize = 8;

/// Resolves `target` (a symlink's text) relative to the directory `from`, not
/// following its last component.
fn resolve_from(sc: &SyscallCtx<'_>, from: &PathRef, target: &[u8]) -> Result<PathRef, Errno> {
    let (root, cwd) = sc.task.fs.root_and_cwd();
    let creds = Creds::current();
    let search = move |a: &veil_vfs::inode::Attr| perm::may_access(a, &creds, MAY_EXEC);
    let mut ctx = veil_vfs::walk::WalkCtx::new(sc.task.kernel.namespace(), &root, &cwd);
    ctx.start = Some(from);
    ctx.may_search = Some(&search);
    ctx.resolve(target, WalkFlags::NOFOLLOW)
}

/// `open(path, flags, mode)`.
pub(super) fn open(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_open(sc, AT_FDCWD, a[0], a[1] as u32, a[2] as u32)
}

/// `openat(dirfd, path, flags, mode)`.
pub(super) fn openat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_open(sc, fd_arg(a[0]), a[1], a[2] as u32, a[3] as u32)
}

/// Size of `struct open_how` as first defined (`OPEN_HOW_SIZE_VER0`).
const OPEN_HOW_SIZE_VER0: u64 = 24;

/// `openat2(dirfd, path, how, size)`: `openat` with `struct open_how { flags, mode,
/// resolve }`, which is strict where `openat` is lenient: unknown flags, a mode
/// without `O_CREAT`/`O_TMPFILE`, extra flags with `O_PATH` and unknown `RESOLVE_*`
/// bits are `EINVAL`; a larger struct's extra bytes must be zero (`E2BIG`). The
/// `RESOLVE_*` flags restrict the walk (`NO_XDEV`, `NO_MAGICLINKS`, `NO_SYMLINKS`,
/// `BENEATH`, `IN_ROOT`); `RESOLVE_CACHED` is `EAGAIN` for a create or truncate and
/// otherwise changes nothing (every lookup is served from the sentry's tree).
pub(super) fn openat2(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    use super::path::{RESOLVE_BENEATH, RESOLVE_CACHED, RESOLVE_IN_ROOT};
    const RESOLVE_ALL: u64 = 0x3f;
    const O_PATH_FLAGS: u32 = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;
    let size = a[3];
    if size < OPEN_HOW_SIZE_VER0 {
        return Err(Errno::EINVAL);
    }
    if size > 4096 {
        return Err(Errno::E2BIG);
    }
    let how: [u64; 3] = sc.task.mm().read_obj(a[2])?;
    if size > OPEN_HOW_SIZE_VER0 {
        let mut rest = vec![0u8; (size - OPEN_HOW_SIZE_VER0) as usize];
        sc.task.mm().copy_in(a[2] + OPEN_HOW_SIZE_VER0, &mut rest)?;
        if rest.iter().any(|&b| b != 0) {
            return Err(Errno::E2BIG);
        }
    }
    let [flags, mode, resolve] = how;
    if flags > u64::from(u32::MAX) || (flags as u32) & !O_VALID != 0 {
        return Err(Errno::EINVAL);
    }
    let flags = flags as u32;
    let creates = flags & O_CREAT != 0 || flags & O_TMPFILE == O_TMPFILE;
    if mode & !0o7777 != 0 || (mode != 0 && !creates) {
        return Err(Errno::EINVAL);
    }
    if flags & O_PATH != 0 && flags & !O_PATH_FLAGS != 0 {
        return Err(Errno::EINVAL);
    }
    if resolve & !RESOLVE_ALL != 0
        || resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT) == RESOLVE_BENEATH | RESOLVE_IN_ROOT
    {
        return Err(Errno::EINVAL);
    }
    if resolve & RESOLVE_CACHED != 0 && (creates || flags & O_TRUNC != 0) {
        return Err(Errno::EAGAIN);
    }
    sc.resolve = resolve;
    let r = do_open(sc, fd_arg(a[0]), a[1], flags, mode as u32);
    sc.resolve = 0;
    r
}

/// `creat(path, mode)` = `open(path, O_CREAT|O_WRONLY|O_TRUNC, mode)`.
pub(super) fn creat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_open(
        sc,
        AT_FDCWD,
        a[0],
        O_CREAT | O_WRONLY | O_TRUNC,
        a[1] as u32,
    )
}

/// What `(dirfd, path, flags)` names, for the stat family and friends: an empty path
/// with `AT_EMPTY_PATH` is `dirfd` itself (or the working directory).
pub(super) fn lookup_at(
    sc: &SyscallCtx<'_>,
    dirfd: i32,
    path_addr: u64,
    flags: u32,
) -> Result<PathRef, Errno> {
    let path = read_path(sc, path_addr)?;
    let walk = WalkFlags {
        follow_final: flags & AT_SYMLINK_NOFOLLOW == 0,
        directory: false,
        empty_path: flags & AT_EMPTY_PATH != 0,
    };
    if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        return if dirfd == AT_FDCWD {
            Ok(sc.task.fs.cwd.lock().clone())
        } else {
            sc.task
                .files
                .get(dirfd)?
                .location
                .clone()
                .ok_or(Errno::EBADF)
        };
    }
    resolve(sc, dirfd, &path, walk)
}

/// Stats what `(dirfd, path, flags)` names; an empty path with `AT_EMPTY_PATH` stats
/// `dirfd` itself, even a file outside the name tree (stdio).
fn stat_at(sc: &SyscallCtx<'_>, dirfd: i32, path_addr: u64, flags: u32) -> Result<Stat, Errno> {
    let path = read_path(sc, path_addr)?;
    if path.is_empty() && flags & AT_EMPTY_PATH != 0 && dirfd != AT_FDCWD {
        return sc.task.files.get(dirfd)?.ops.stat();
    }
    // A magic link stats the descriptor's file, even one with no path (a pipe).
    if flags & AT_SYMLINK_NOFOLLOW == 0 {
        if let Some(file) = magic_link_file(sc, dirfd, &path)? {
            return file.ops.stat();
        }
    }
    Ok(lookup_at(sc, dirfd, path_addr, flags)?
        .inode()
        .attr()?
        .to_stat())
}

/// `fstat(fd, statbuf)`.
pub(super) fn fstat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let st = sc.task.files.get(fd_arg(a[0]))?.ops.stat()?;
    sc.task.mm().write_obj(a[1], &st).map(|()| 0)
}

/// `stat(path, statbuf)`.
pub(super) fn stat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let st = stat_at(sc, AT_FDCWD, a[0], 0)?;
    sc.task.mm().write_obj(a[1], &st).map(|()| 0)
}

/// `lstat(path, statbuf)`.
pub(super) fn lstat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let st = stat_at(sc, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW)?;
    sc.task.mm().write_obj(a[1], &st).map(|()| 0)
}

/// `newfstatat(dirfd, path, statbuf, flags)`.
pub(super) fn newfstatat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let flags = a[3] as u32;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL);
    }
    let st = stat_at(sc, fd_arg(a[0]), a[1], flags)?;
    sc.task.mm().write_obj(a[2], &st).map(|()| 0)
}

/// `statx(dirfd, path, flags, mask, statxbuf)`.
pub(super) fn statx(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (flags, mask) = (a[2] as u32, a[3] as u32);
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) != 0
        || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
        || mask & STATX__RESERVED != 0
    {
        return Err(Errno::EINVAL);
    }
    let st = stat_at(sc, fd_arg(a[0]), a[1], flags)?;
    let stx = veil_vfs::host::stat_to_statx(&st);
    sc.task.mm().write_obj(a[4], &stx).map(|()| 0)
}

/// `getdents64(fd, dirp, count)`: as many whole entries as fit in `count` bytes.
pub(super) fn getdents64(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    // A removed directory has no entries left to read, not even . and ..
    if file
        .location
        .as_ref()
        .is_some_and(|l| l.dirent.is_deleted())
    {
        return Err(Errno::ENOENT);
    }
    let count = (a[2] as u32) as usize;
    let mut pos = file.dir_pos.lock();
    let entries = file.ops.read_dir(*pos)?;
    let mut out = Vec::new();
    let mut new_pos = *pos;
    for (entry, next) in entries {
        let reclen = (DIRENT64_NAME_OFFSET + entry.name.len() + 1).next_multiple_of(8);
        if out.len() + reclen > count {
            if out.is_empty() {
                return Err(Errno::EINVAL);
            }
            break;
        }
        let header = Dirent64Header {
            d_ino: entry.ino,
            d_off: next as i64,
            d_reclen: reclen as u16,
            d_type: entry.kind,
            pad: [0; 5],
        };
        let start = out.len();
        out.extend_from_slice(&bytemuck::bytes_of(&header)[..DIRENT64_NAME_OFFSET]);
        out.extend_from_slice(&entry.name);
        out.resize(start + reclen, 0);
        new_pos = next;
    }
    sc.task.mm().copy_out(a[1], &out)?;
    *pos = new_pos;
    Ok(out.len() as u64)
}

fn do_readlink(sc: &SyscallCtx<'_>, dirfd: i32, path_addr: u64, buf: u64, size: u64) -> SysResult {
    if (size as i32) <= 0 {
        return Err(Errno::EINVAL);
    }
    let at = lookup_at(sc, dirfd, path_addr, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)?;
    let target = at.inode().readlink()?;
    let n = target.len().min(size as u32 as usize);
    sc.task.mm().copy_out(buf, &target[..n])?;
    Ok(n as u64)
}

/// `readlink(path, buf, bufsiz)`.
pub(super) fn readlink(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    if read_path(sc, a[0])?.is_empty() {
        return Err(Errno::ENOENT);
    }
    do_readlink(sc, AT_FDCWD, a[0], a[1], a[2])
}

/// `readlinkat(dirfd, path, buf, bufsiz)`: an empty path reads the symlink `dirfd`
/// was opened on (`O_PATH|O_NOFOLLOW`).
pub(super) fn readlinkat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_readlink(sc, fd_arg(a[0]), a[1], a[2], a[3])
}

fn do_access(sc: &SyscallCtx<'_>, dirfd: i32, path_addr: u64, mode: u32, flags: u32) -> SysResult {
    if mode & !7 != 0 || flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    if read_path(sc, path_addr)?.is_empty() && flags & AT_EMPTY_PATH == 0 {
        return Err(Errno::ENOENT);
    }
    let attr = lookup_at(sc, dirfd, path_addr, flags)?.inode().attr()?;
    if mode != 0 && !perm::may_access(&attr, &Creds::for_access(flags & AT_EACCESS != 0), mode) {
        return Err(Errno::EACCES);
    }
    Ok(0)
}

/// `access(path, mode)`.
pub(super) fn access(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_access(sc, AT_FDCWD, a[0], a[1] as u32, 0)
}

/// `faccessat(dirfd, path, mode)` (no flags argument).
pub(super) fn faccessat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_access(sc, fd_arg(a[0]), a[1], a[2] as u32, 0)
}

/// `faccessat2(dirfd, path, mode, flags)`.
pub(super) fn faccessat2(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_access(sc, fd_arg(a[0]), a[1], a[2] as u32, a[3] as u32)
}

/// `getcwd(buf, size)`: returns the length including the NUL.
pub(super) fn getcwd(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    // A removed working directory has no path (Linux: ENOENT).
    if sc.task.fs.root_and_cwd().1.dirent.is_deleted() {
        return Err(Errno::ENOENT);
    }
    let mut path = sc.task.fs.cwd_path();
    path.push(0);
    if (a[1] as usize) < path.len() {
        return Err(Errno::ERANGE);
    }
    sc.task.mm().copy_out(a[0], &path)?;
    Ok(path.len() as u64)
}

fn set_cwd(sc: &SyscallCtx<'_>, at: PathRef) -> SysResult {
    if !at.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if !perm::may_access(&at.inode().attr()?, &Creds::current(), MAY_EXEC) {
        return Err(Errno::EACCES);
    }
    *sc.task.fs.cwd.lock() = at;
    Ok(0)
}

/// `chdir(path)`.
pub(super) fn chdir(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let path = read_path(sc, a[0])?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let at = resolve(
        sc,
        AT_FDCWD,
        &path,
        WalkFlags {
            directory: true,
            ..WalkFlags::FOLLOW
        },
    )?;
    set_cwd(sc, at)
}

/// `fchdir(fd)`.
pub(super) fn fchdir(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    let at = file.location.clone().ok_or(Errno::ENOTDIR)?;
    set_cwd(sc, at)
}

/// `umask(mask)`: returns the previous mask.
pub(super) fn umask(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let mut m = sc.task.fs.umask.lock();
    let old = *m;
    *m = (a[0] as u32) & 0o777;
    Ok(u64::from(old))
}

/// `statfs(path, buf)`.
pub(super) fn statfs(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let path = read_path(sc, a[0])?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let at = resolve(sc, AT_FDCWD, &path, WalkFlags::FOLLOW)?;
    let st = statfs_at(&at)?;
    sc.task.mm().write_obj(a[1], &st).map(|()| 0)
}

/// `f_type` of a mount's file system type, as Linux reports it.
fn fs_magic(fs_type: &str) -> Option<i64> {
    Some(match fs_type {
        "proc" => 0x9fa0,
        "sysfs" => 0x6265_6572,
        "devpts" => 0x1cd1,
        "mqueue" => 0x1980_0202,
        "overlay" => 0x794c_7630,
        "tmpfs" | "devtmpfs" => veil_vfs::inode_file::TMPFS_MAGIC,
        _ => return None,
    })
}

/// `statfs` of the file system `at` is on: its figures, typed by its mount.
fn statfs_at(at: &PathRef) -> Result<veil_abi::structs::Statfs, Errno> {
    let mut st = InodeFile::new(at.inode().clone()).statfs()?;
    if let Some(magic) = fs_magic(at.mount.fs_type()) {
        st.f_type = magic;
    }
    Ok(st)
}

/// `fstatfs(fd, buf)`.
pub(super) fn fstatfs(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let file = sc.task.files.get(fd_arg(a[0]))?;
    let st = match &file.location {
        Some(at) => statfs_at(at)?,
        None => file.ops.statfs()?,
    };
    sc.task.mm().write_obj(a[1], &st).map(|()| 0)
}
