//! Host files the sentry hands to the guest as they are: the stdio descriptors it
//! inherited and its controlling terminal. Everything else the guest opens goes through
//! the inode layer (`hostfs`, `tmpfs`, the overlay).

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use nix::fcntl::OFlag;
use nix::sys::stat::{FileStat, Mode};

use parking_lot::Mutex;
use veil_abi::flags::mode::*;
use veil_abi::structs::{KernelTermios, Stat, Statfs, Statx, StatxTimestamp, Winsize, ST_RDONLY};
use veil_abi::Errno;

use crate::file::{DirEntry, FileOps};

fn errno(e: nix::Error) -> Errno {
    Errno(e as i32)
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
    /// `O_NONBLOCK` of the guest's description. The host descriptor is shared with
    /// the host (inherited stdio), so its own flag is left alone: a read or write
    /// that would wait is `EAGAIN` by a zero-timeout poll first.
    nonblock: std::sync::atomic::AtomicBool,
}

impl HostFile {
    /// `EAGAIN` if the guest's description is non-blocking and a pipe, socket or
    /// terminal is not ready for `want` (regular files are always ready).
    fn would_wait(&self, want: nix::poll::PollFlags) -> Result<(), Errno> {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        if !self.nonblock.load(std::sync::atomic::Ordering::Relaxed)
            || !matches!(self.kind, S_IFIFO | S_IFSOCK | S_IFCHR)
        {
            return Ok(());
        }
        let mut fds = [PollFd::new(self.fd.as_fd(), want)];
        match poll(&mut fds, PollTimeout::ZERO) {
            Ok(0) => Err(Errno::EAGAIN),
            Ok(_) => {
                let r = fds[0].revents().unwrap_or(PollFlags::empty());
                if r.intersects(want | PollFlags::POLLHUP | PollFlags::POLLERR) {
                    Ok(())
                } else {
                    Err(Errno::EAGAIN)
                }
            }
            Err(_) => Ok(()),
        }
    }

    /// Wraps `fd`, a host file of type `kind` (`S_IF*`).
    pub fn new(fd: OwnedFd, kind: u32) -> HostFile {
        HostFile {
            fd,
            kind,
            entries: Mutex::new(None),
            nonblock: std::sync::atomic::AtomicBool::new(false),
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

    /// Wraps `fd`, a host descriptor handed to the sentry (an OCI `exec`'s stdio).
    pub fn from_owned(fd: OwnedFd) -> Result<HostFile, Errno> {
        let st = nix::sys::stat::fstat(fd.as_raw_fd()).map_err(errno)?;
        Ok(HostFile::new(fd, st.st_mode & S_IFMT))
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
    /// An inherited host descriptor (stdio) opened again through the host's own magic
    /// link, `/proc/self/fd/N`: a new host description of the same file, as the guest
    /// would get natively.
    fn reopen(
        &self,
        read: bool,
        write: bool,
        nonblock: bool,
    ) -> Option<Result<std::sync::Arc<dyn FileOps>, Errno>> {
        let mut flags = match (read, write) {
            (true, false) => OFlag::O_RDONLY,
            (false, true) => OFlag::O_WRONLY,
            _ => OFlag::O_RDWR,
        } | OFlag::O_CLOEXEC
            | OFlag::O_NOCTTY;
        if nonblock {
            flags |= OFlag::O_NONBLOCK;
        }
        let link = format!("/proc/self/fd/{}", self.fd.as_raw_fd());
        let reopened = crate::hostfs::sys::open(std::path::Path::new(&link), flags).map(|fd| {
            std::sync::Arc::new(HostFile::new(fd, self.kind)) as std::sync::Arc<dyn FileOps>
        });
        Some(reopened)
    }

    fn readiness(&self, _waker: Option<&std::sync::Arc<dyn crate::file::PollWaker>>) -> u32 {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        let mut fds = [PollFd::new(
            self.fd.as_fd(),
            PollFlags::POLLIN | PollFlags::POLLOUT | PollFlags::POLLPRI,
        )];
        match poll(&mut fds, PollTimeout::ZERO) {
            Ok(_) => fds[0].revents().map_or(0, |r| r.bits() as u32),
            Err(_) => crate::file::POLLERR,
        }
    }

    fn needs_polling(&self) -> bool {
        true
    }

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
        self.would_wait(nix::poll::PollFlags::POLLIN)?;
        nix::unistd::read(self.fd.as_raw_fd(), buf).map_err(errno)
    }

    fn set_nonblocking(&self, nonblock: bool) {
        self.nonblock
            .store(nonblock, std::sync::atomic::Ordering::Relaxed);
    }

    fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        if self.kind == S_IFDIR {
            return Err(Errno::EISDIR);
        }
        nix::sys::uio::pread(&self.fd, buf, offset as i64).map_err(errno)
    }

    fn write(&self, buf: &[u8], _append: bool) -> Result<usize, Errno> {
        self.would_wait(nix::poll::PollFlags::POLLOUT)?;
        // The host descriptor carries its own O_APPEND (inherited stdio).
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
