//! Reading a host file's extended attributes.
//!
//! `fgetxattr` does not work on `O_PATH` descriptors, so regular files and directories
//! are read through their `O_RDONLY` descriptor ([`HostInode::read_fd`]). Where the
//! sentry may not open the file for reading (listing names and reading attributes
//! outside `user.*` need no read permission), and for devices, FIFOs and sockets
//! (which are not opened, for fear of side effects), the path-based calls go through
//! the sentry's own `/proc/self/fd/N` of the `O_PATH` descriptor; the host then checks
//! permissions as Linux does. Symlinks have no attributes we read: `ENODATA`, an empty
//! list.

use std::ffi::{CStr, CString};
use std::os::fd::{AsRawFd, BorrowedFd};

use veil_abi::Errno;

use super::inode::HostInode;
use crate::inode::FileType;

/// Longest attribute name (`XATTR_NAME_MAX`).
const XATTR_NAME_MAX: usize = 255;

/// How many times a read is retried when the attribute grows between the size probe
/// and the read.
const RETRIES: usize = 8;

/// Where a file's attributes are read from.
enum Source<'a> {
    /// A readable descriptor (`fgetxattr`, `flistxattr`).
    Fd(BorrowedFd<'a>),
    /// A `/proc/self/fd/N` path (`getxattr`, `listxattr`), and the error to report if
    /// the sentry has no `/proc` (`ENODATA`: none readable).
    Proc(CString, Errno),
}

impl HostInode {
    /// Where this file's attributes are read from; `None` for none (symlinks).
    fn xattr_source(&self) -> Result<Option<Source<'_>>, Errno> {
        match self.kind {
            FileType::Symlink => Ok(None),
            FileType::Regular | FileType::Directory => match self.read_fd() {
                Ok(fd) => Ok(Some(Source::Fd(fd))),
                Err(e @ (Errno::EACCES | Errno::EPERM)) => Ok(Some(self.proc_source(e)?)),
                Err(e) => Err(e),
            },
            _ => Ok(Some(self.proc_source(Errno::ENODATA)?)),
        }
    }

    /// The `/proc/self/fd/N` source of the `O_PATH` descriptor; `missing` is the error
    /// to report if there is no `/proc`.
    fn proc_source(&self, missing: Errno) -> Result<Source<'_>, Errno> {
        let path = format!("/proc/self/fd/{}", self.host_fd().as_raw_fd());
        Ok(Source::Proc(
            CString::new(path).map_err(|_| Errno::EINVAL)?,
            missing,
        ))
    }

    /// The value of the attribute `name`.
    pub(super) fn get_xattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        if name.is_empty() || name.len() > XATTR_NAME_MAX {
            return Err(Errno::ERANGE);
        }
        let name = CString::new(name).map_err(|_| Errno::EINVAL)?;
        let Some(src) = self.xattr_source()? else {
            return Err(Errno::ENODATA);
        };
        read_sized(|buf| get_raw(&src, &name, buf)).map_err(|e| src.missing(e))
    }

    /// The names of every attribute.
    pub(super) fn list_xattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        let Some(src) = self.xattr_source()? else {
            return Ok(Vec::new());
        };
        let names = match read_sized(|buf| list_raw(&src, buf)) {
            Ok(names) => names,
            Err(e) => match src.missing(e) {
                Errno::ENODATA => return Ok(Vec::new()),
                e => return Err(e),
            },
        };
        Ok(names
            .split(|&c| c == 0)
            .filter(|n| !n.is_empty())
            .map(<[u8]>::to_vec)
            .collect())
    }
}

impl Source<'_> {
    /// The error to report for the host's `e`: `ENOENT` from a `/proc` path means the
    /// sentry has no `/proc` (the file itself is held open).
    fn missing(&self, e: Errno) -> Errno {
        match (self, e) {
            (Source::Proc(_, missing), Errno::ENOENT) => *missing,
            _ => e,
        }
    }
}

/// Calls `call` with a buffer of the size it reports for an empty one, until the
/// result fits.
fn read_sized(mut call: impl FnMut(&mut [u8]) -> Result<usize, Errno>) -> Result<Vec<u8>, Errno> {
    for _ in 0..RETRIES {
        let size = call(&mut [])?;
        let mut buf = vec![0; size];
        match call(&mut buf) {
            Ok(n) => {
                buf.truncate(n);
                return Ok(buf);
            }
            // It grew since the probe.
            Err(Errno::ERANGE) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(Errno::ERANGE)
}

/// Converts the return value of a host xattr call.
fn result(r: isize) -> Result<usize, Errno> {
    usize::try_from(r).map_err(|_| Errno::from(std::io::Error::last_os_error()))
}

/// One `fgetxattr`/`getxattr` of `name` into `buf`.
fn get_raw(src: &Source<'_>, name: &CStr, buf: &mut [u8]) -> Result<usize, Errno> {
    let r = match src {
        // SAFETY: `name` is NUL-terminated; the host writes at most `buf.len()` bytes
        // into `buf` (none when the length is 0, where the pointer may dangle); `fd`
        // is a descriptor this inode keeps open.
        Source::Fd(fd) => unsafe {
            libc::fgetxattr(
                fd.as_raw_fd(),
                name.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        },
        // SAFETY: `path` and `name` are NUL-terminated; the host writes at most
        // `buf.len()` bytes into `buf`.
        Source::Proc(path, _) => unsafe {
            libc::getxattr(
                path.as_ptr(),
                name.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        },
    };
    result(r)
}

/// One `flistxattr`/`listxattr` into `buf`.
fn list_raw(src: &Source<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
    let r = match src {
        // SAFETY: the host writes at most `buf.len()` bytes into `buf`; `fd` is a
        // descriptor this inode keeps open.
        Source::Fd(fd) => unsafe {
            libc::flistxattr(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len())
        },
        // SAFETY: `path` is NUL-terminated; the host writes at most `buf.len()` bytes
        // into `buf`.
        Source::Proc(path, _) => unsafe {
            libc::listxattr(path.as_ptr(), buf.as_mut_ptr().cast(), buf.len())
        },
    };
    result(r)
}
