//! The host file system, read-only: guest paths name host files, which the sentry
//! opens on the guest's behalf. The guest never holds a host descriptor.
//!
//! Writes are refused with `EROFS`, except to the harmless host character devices
//! `/dev/null`, `/dev/zero` and `/dev/full` and to the stdio descriptors the sentry
//! inherited. The host's `/proc` is never reachable: anything that resolves into a
//! procfs is reported as missing (the sentry answers `/proc` itself).

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::Path;

use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::{FileStat, Mode};

use parking_lot::Mutex;
use veil_abi::flags::{mode::*, open::*};
use veil_abi::structs::{KernelTermios, Stat, Statfs, Statx, StatxTimestamp, Winsize, ST_RDONLY};
use veil_abi::Errno;

use crate::file::{DirEntry, FileOps};

/// `PROC_SUPER_MAGIC`, the `f_type` of procfs.
const PROC_SUPER_MAGIC: i64 = 0x9fa0;

/// Host character devices a guest may open for writing: (major, minor) of
/// `/dev/null`, `/dev/zero`, `/dev/full`.
const WRITABLE_DEVICES: [(u64, u64); 3] = [(1, 3), (1, 5), (1, 7)];

fn errno(e: nix::Error) -> Errno {
    Errno(e as i32)
}

/// The host's `/` as a read-only file system.
pub struct HostFs {
    root: OwnedFd,
}

/// Where a path walk starts: the host root, or a directory the guest holds open.
#[derive(Clone, Copy)]
pub enum Anchor<'a> {
    /// The host root (absolute paths).
    Root,
    /// A host directory descriptor (relative paths).
    Dir(BorrowedFd<'a>),
}

impl HostFs {
    /// Opens the host root.
    pub fn new() -> Result<HostFs, Errno> {
        let fd = nix::fcntl::open(
            "/",
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(errno)?;
        // SAFETY: `open` just returned this descriptor and nothing else owns it.
        let root = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(HostFs { root })
    }

    fn dirfd<'a>(&'a self, at: Anchor<'a>) -> i32 {
        match at {
            Anchor::Root => self.root.as_raw_fd(),
            Anchor::Dir(fd) => fd.as_raw_fd(),
        }
    }

    /// Strips the leading slashes of an absolute path (walked from the root fd).
    fn rel(path: &[u8]) -> &[u8] {
        let start = path.iter().position(|&c| c != b'/').unwrap_or(path.len());
        if start == path.len() {
            b"."
        } else {
            &path[start..]
        }
    }

    /// Opens `path` (relative to `at`) with the guest's `O_*` `flags`.
    pub fn open(&self, at: Anchor<'_>, path: &[u8], flags: u32) -> Result<HostFile, Errno> {
        let wants_write =
            flags & O_PATH == 0 && (flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0);
        let mut host = OFlag::O_CLOEXEC | OFlag::O_NOCTTY;
        for (guest, h) in [
            (O_DIRECTORY, OFlag::O_DIRECTORY),
            (O_NOFOLLOW, OFlag::O_NOFOLLOW),
            (O_PATH, OFlag::O_PATH),
            (O_NONBLOCK, OFlag::O_NONBLOCK),
        ] {
            if flags & guest != 0 {
                host |= h;
            }
        }
        let p = Path::new(std::ffi::OsStr::from_encoded_bytes_checked(Self::rel(
            path,
        ))?);
        let dirfd = self.dirfd(at);
        let opened = nix::fcntl::openat(Some(dirfd), p, host, Mode::empty());
        let fd = match opened {
            Ok(fd) => fd,
            Err(nix::Error::ENOENT) if flags & O_CREAT != 0 => return Err(Errno::EROFS),
            Err(e) => return Err(errno(e)),
        };
        // SAFETY: `openat` just returned this descriptor and nothing else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        if is_procfs(&fd) {
            return Err(Errno::ENOENT);
        }
        let st = nix::sys::stat::fstat(fd.as_raw_fd()).map_err(errno)?;
        if flags & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL {
            return Err(Errno::EEXIST);
        }
        let kind = st.st_mode & S_IFMT;
        if kind == S_IFDIR && wants_write {
            return Err(Errno::EISDIR);
        }
        if kind != S_IFDIR && flags & O_DIRECTORY != 0 {
            return Err(Errno::ENOTDIR);
        }
        if !wants_write {
            return Ok(HostFile::new(fd, kind));
        }
        let dev = (
            libc::major(st.st_rdev) as u64,
            libc::minor(st.st_rdev) as u64,
        );
        if kind != S_IFCHR || !WRITABLE_DEVICES.contains(&dev) {
            return Err(Errno::EROFS);
        }
        let access = if flags & O_ACCMODE == O_WRONLY {
            OFlag::O_WRONLY
        } else {
            OFlag::O_RDWR
        };
        let again = nix::fcntl::openat(
            Some(dirfd),
            p,
            (host & !OFlag::O_PATH) | access,
            Mode::empty(),
        )
        .map_err(errno)?;
        // SAFETY: as above, a fresh descriptor.
        Ok(HostFile::new(unsafe { OwnedFd::from_raw_fd(again) }, kind))
    }

    /// `fstatat`; `follow` follows a final symlink. Opens the file `O_PATH` first so
    /// that the procfs guard of [`HostFs::open`] applies.
    pub fn stat(&self, at: Anchor<'_>, path: &[u8], follow: bool) -> Result<Stat, Errno> {
        let nofollow = if follow { 0 } else { O_NOFOLLOW };
        self.open(at, path, O_PATH | nofollow)?.stat()
    }

    /// Opens `path` so that its extended attributes can be read (`getxattr` needs a
    /// real, non-`O_PATH` descriptor). A symlink with `follow == false` has none we
    /// can read: `Ok(None)`.
    pub fn open_for_xattr(
        &self,
        at: Anchor<'_>,
        path: &[u8],
        follow: bool,
    ) -> Result<Option<HostFile>, Errno> {
        let nofollow = if follow { 0 } else { O_NOFOLLOW };
        match self.open(at, path, O_RDONLY | O_NONBLOCK | nofollow) {
            Ok(f) => Ok(Some(f)),
            Err(Errno::ELOOP) if !follow => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `readlinkat`.
    pub fn readlink(&self, at: Anchor<'_>, path: &[u8]) -> Result<Vec<u8>, Errno> {
        let p = Path::new(std::ffi::OsStr::from_encoded_bytes_checked(Self::rel(
            path,
        ))?);
        let target = nix::fcntl::readlinkat(Some(self.dirfd(at)), p).map_err(errno)?;
        Ok(target.into_encoded_bytes())
    }

    /// `faccessat2` with the guest's `mode` (`R_OK|W_OK|X_OK` or `F_OK`): existence and
    /// host permission; write access to anything but a writable device is `EROFS`.
    pub fn access(
        &self,
        at: Anchor<'_>,
        path: &[u8],
        mode: u32,
        follow: bool,
    ) -> Result<(), Errno> {
        let st = self.stat(at, path, follow)?;
        let p = Path::new(std::ffi::OsStr::from_encoded_bytes_checked(Self::rel(
            path,
        ))?);
        let flags = if follow {
            AtFlags::empty()
        } else {
            AtFlags::AT_SYMLINK_NOFOLLOW
        };
        let host_mode = nix::unistd::AccessFlags::from_bits_truncate((mode & 7) as i32);
        nix::unistd::faccessat(
            Some(self.dirfd(at)),
            p,
            host_mode,
            flags | AtFlags::AT_EACCESS,
        )
        .map_err(errno)?;
        let kind = st.st_mode & S_IFMT;
        if mode & 2 != 0 && matches!(kind, S_IFREG | S_IFDIR | S_IFLNK) {
            return Err(Errno::EROFS);
        }
        Ok(())
    }
}

/// `OsStr` from guest bytes (Unix paths are bytes; a NUL inside is impossible because
/// the guest string ended at the first NUL).
trait FromGuestBytes {
    fn from_encoded_bytes_checked(b: &[u8]) -> Result<&std::ffi::OsStr, Errno>;
}

impl FromGuestBytes for std::ffi::OsStr {
    fn from_encoded_bytes_checked(b: &[u8]) -> Result<&std::ffi::OsStr, Errno> {
        use std::os::unix::ffi::OsStrExt;
        Ok(std::ffi::OsStr::from_bytes(b))
    }
}

fn is_procfs(fd: &OwnedFd) -> bool {
    nix::sys::statfs::fstatfs(fd).is_ok_and(|s| s.filesystem_type().0 == PROC_SUPER_MAGIC)
}

/// Converts a host `stat` to the guest's.
fn to_stat(st: &FileStat) -> Stat {
    Stat {
        st_dev: st.st_dev,
        st_ino: st.st_ino,
        st_nlink: st.st_nlink,
        st_mode: st.st_mode,
        st_uid: st.st_uid,
        st_gid: st.st_gid,
        pad0: 0,
        st_rdev: st.st_rdev,
        st_size: st.st_size,
        st_blksize: st.st_blksize,
        st_blocks: st.st_blocks,
        st_atime: st.st_atime,
        st_atime_nsec: st.st_atime_nsec,
        st_mtime: st.st_mtime,
        st_mtime_nsec: st.st_mtime_nsec,
        st_ctime: st.st_ctime,
        st_ctime_nsec: st.st_ctime_nsec,
        unused: [0; 3],
    }
}

/// Builds a `statx` from a `stat`: every basic field, no birth time.
pub fn stat_to_statx(st: &Stat) -> Statx {
    let ts = |sec: i64, nsec: i64| StatxTimestamp {
        tv_sec: sec,
        tv_nsec: nsec as u32,
        reserved: 0,
    };
    Statx {
        stx_mask: veil_abi::flags::statx::STATX_BASIC_STATS,
        stx_blksize: st.st_blksize as u32,
        stx_nlink: st.st_nlink as u32,
        stx_uid: st.st_uid,
        stx_gid: st.st_gid,
        stx_mode: st.st_mode as u16,
        stx_ino: st.st_ino,
        stx_size: st.st_size as u64,
        stx_blocks: st.st_blocks as u64,
        stx_atime: ts(st.st_atime, st.st_atime_nsec),
        stx_ctime: ts(st.st_ctime, st.st_ctime_nsec),
        stx_mtime: ts(st.st_mtime, st.st_mtime_nsec),
        stx_rdev_major: libc::major(st.st_rdev),
        stx_rdev_minor: libc::minor(st.st_rdev),
        stx_dev_major: libc::major(st.st_dev),
        stx_dev_minor: libc::minor(st.st_dev),
        ..Statx::default()
    }
}

/// A host file the sentry holds open for the guest. Reads, writes and seeks go to the
/// host descriptor, whose offset is the open file description's position.
pub struct HostFile {
    fd: OwnedFd,
    kind: u32,
    /// Directory entries read at the last rewind, so cursors stay stable.
    entries: Mutex<Option<Vec<DirEntry>>>,
}

impl HostFile {
    /// Wraps `fd`, a host file of type `kind` (`S_IF*`).
    pub fn new(fd: OwnedFd, kind: u32) -> HostFile {
        HostFile {
            fd,
            kind,
            entries: Mutex::new(None),
        }
    }

    /// Wraps a duplicate of the sentry's own descriptor `fd` (guest stdio).
    pub fn from_stdio(fd: i32) -> Result<HostFile, Errno> {
        // SAFETY: borrowing a descriptor of our own process for the duration of `dup`.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        let dup = borrowed.try_clone_to_owned()?;
        let st = nix::sys::stat::fstat(dup.as_raw_fd()).map_err(errno)?;
        Ok(HostFile::new(dup, st.st_mode & S_IFMT))
    }

    /// Gives up the file, keeping its host descriptor.
    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }

    fn load_entries(&self) -> Result<Vec<DirEntry>, Errno> {
        let mut dir = nix::dir::Dir::openat(
            Some(self.fd.as_raw_fd()),
            ".",
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(errno)?;
        let mut out = Vec::new();
        for entry in dir.iter() {
            let entry = entry.map_err(errno)?;
            let kind = match entry.file_type() {
                Some(nix::dir::Type::Fifo) => libc::DT_FIFO,
                Some(nix::dir::Type::CharacterDevice) => libc::DT_CHR,
                Some(nix::dir::Type::Directory) => libc::DT_DIR,
                Some(nix::dir::Type::BlockDevice) => libc::DT_BLK,
                Some(nix::dir::Type::File) => libc::DT_REG,
                Some(nix::dir::Type::Symlink) => libc::DT_LNK,
                Some(nix::dir::Type::Socket) => libc::DT_SOCK,
                None => libc::DT_UNKNOWN,
            };
            out.push(DirEntry {
                ino: entry.ino(),
                kind,
                name: entry.file_name().to_bytes().to_vec(),
            });
        }
        Ok(out)
    }

    fn ioctl_read<T: bytemuck::Pod>(&self, request: u64) -> Result<T, Errno> {
        let mut out = T::zeroed();
        // SAFETY: TCGETS and TIOCGWINSZ write exactly one kernel struct of type T (the
        // only requests passed here), into `out`, which is that size.
        let r = unsafe { libc::ioctl(self.fd.as_raw_fd(), request as _, &mut out as *mut T) };
        if r < 0 {
            return Err(errno(nix::Error::last()));
        }
        Ok(out)
    }
}

/// Converts a raw host return value of an xattr call.
fn xattr_result(r: isize) -> Result<usize, Errno> {
    if r < 0 {
        Err(errno(nix::Error::last()))
    } else {
        Ok(r as usize)
    }
}

impl FileOps for HostFile {
    fn statfs(&self) -> Result<Statfs, Errno> {
        let s = nix::sys::statfs::fstatfs(&self.fd).map_err(errno)?;
        Ok(Statfs {
            f_type: s.filesystem_type().0,
            f_bsize: s.block_size(),
            f_blocks: s.blocks(),
            f_bfree: s.blocks_free(),
            f_bavail: s.blocks_available(),
            f_files: s.files(),
            f_ffree: s.files_free(),
            f_fsid: [0; 2],
            f_namelen: s.maximum_name_length(),
            f_frsize: s.block_size(),
            // The guest sees the host read-only.
            f_flags: s.flags().bits() as i64 | ST_RDONLY,
            f_spare: [0; 4],
        })
    }

    fn getxattr(&self, name: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
        let name = std::ffi::CString::new(name).map_err(|_| Errno::EINVAL)?;
        // SAFETY: `name` is NUL-terminated; the host writes at most `buf.len()` bytes
        // into `buf` (none when the length is 0, where the pointer may be dangling).
        let r = unsafe {
            libc::fgetxattr(
                self.fd.as_raw_fd(),
                name.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        xattr_result(r)
    }

    fn listxattr(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        // SAFETY: the host writes at most `buf.len()` bytes into `buf`.
        let r =
            unsafe { libc::flistxattr(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        xattr_result(r)
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if self.kind == S_IFDIR {
            return Err(Errno::EISDIR);
        }
        nix::unistd::read(self.fd.as_raw_fd(), buf).map_err(errno)
    }

    fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        if self.kind == S_IFDIR {
            return Err(Errno::EISDIR);
        }
        nix::sys::uio::pread(&self.fd, buf, offset as i64).map_err(errno)
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        nix::unistd::write(&self.fd, buf).map_err(errno)
    }

    fn pwrite(&self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        nix::sys::uio::pwrite(&self.fd, buf, offset as i64).map_err(errno)
    }

    fn seek(&self, offset: i64, whence: u32) -> Result<u64, Errno> {
        let whence = match whence {
            0 => nix::unistd::Whence::SeekSet,
            1 => nix::unistd::Whence::SeekCur,
            2 => nix::unistd::Whence::SeekEnd,
            3 => nix::unistd::Whence::SeekData,
            4 => nix::unistd::Whence::SeekHole,
            _ => return Err(Errno::EINVAL),
        };
        nix::unistd::lseek(self.fd.as_raw_fd(), offset, whence)
            .map(|o| o as u64)
            .map_err(errno)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        nix::sys::stat::fstat(self.fd.as_raw_fd())
            .map(|st| to_stat(&st))
            .map_err(errno)
    }

    fn statx(&self, _mask: u32) -> Result<Statx, Errno> {
        Ok(stat_to_statx(&self.stat()?))
    }

    fn read_dir(&self, pos: u64) -> Result<Vec<(DirEntry, u64)>, Errno> {
        if self.kind != S_IFDIR {
            return Err(Errno::ENOTDIR);
        }
        let mut cache = self.entries.lock();
        if pos == 0 || cache.is_none() {
            *cache = Some(self.load_entries()?);
        }
        let entries = cache.as_ref().map(Vec::as_slice).unwrap_or_default();
        Ok(entries
            .iter()
            .enumerate()
            .skip(pos as usize)
            .map(|(i, e)| (e.clone(), i as u64 + 1))
            .collect())
    }

    fn tcgets(&self) -> Result<KernelTermios, Errno> {
        self.ioctl_read(veil_abi::flags::ioctl::TCGETS)
    }

    fn winsize(&self) -> Result<Winsize, Errno> {
        self.ioctl_read(veil_abi::flags::ioctl::TIOCGWINSZ)
    }

    fn host_fd(&self) -> Option<BorrowedFd<'_>> {
        Some(self.fd.as_fd())
    }

    fn is_dir(&self) -> bool {
        self.kind == S_IFDIR
    }
}
