//! An open file over an inode: the [`FileOps`] of regular files, directories and
//! symlinks of any file system implementing [`InodeOps`].

use std::sync::Arc;

use parking_lot::Mutex;
use veil_abi::flags::seek::*;
use veil_abi::structs::{Stat, Statfs, Statx};
use veil_abi::Errno;

use crate::file::{DirEntry, FileOps};
use crate::inode::{FileType, InodeRef};

/// Largest file offset (`MAX_LFS_FILESIZE`).
const MAX_OFFSET: u64 = i64::MAX as u64;

/// The file system magic `statfs` reports for files of the VFS.
pub const TMPFS_MAGIC: i64 = 0x0102_1994;

/// An open inode with its own position.
pub struct InodeFile {
    inode: InodeRef,
    /// The file position (`lseek`), guarded so that concurrent reads through one
    /// description do not interleave positions.
    pos: Mutex<u64>,
    /// Directory listing taken at the last rewind, so `getdents64` cursors are stable
    /// while the directory is read.
    listing: Mutex<Option<Vec<DirEntry>>>,
}

impl InodeFile {
    /// Opens `inode` at position 0.
    pub fn new(inode: InodeRef) -> Arc<InodeFile> {
        Arc::new(InodeFile {
            inode,
            pos: Mutex::new(0),
            listing: Mutex::new(None),
        })
    }

    /// The inode.
    pub fn inode(&self) -> &InodeRef {
        &self.inode
    }

    fn size(&self) -> Result<u64, Errno> {
        Ok(self.inode.attr()?.size)
    }
}

impl FileOps for InodeFile {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if self.inode.kind() == FileType::Directory {
            return Err(Errno::EISDIR);
        }
        let mut pos = self.pos.lock();
        let n = self.inode.read_at(buf, *pos)?;
        *pos += n as u64;
        Ok(n)
    }

    fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        if self.inode.kind() == FileType::Directory {
            return Err(Errno::EISDIR);
        }
        self.inode.read_at(buf, offset)
    }

    fn write(&self, buf: &[u8], append: bool) -> Result<usize, Errno> {
        let mut pos = self.pos.lock();
        let at = if append { self.size()? } else { *pos };
        if at
            .checked_add(buf.len() as u64)
            .is_none_or(|end| end > MAX_OFFSET)
        {
            return Err(Errno::EFBIG);
        }
        let n = self.inode.write_at(buf, at)?;
        *pos = at + n as u64;
        Ok(n)
    }

    fn pwrite(&self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        if offset
            .checked_add(buf.len() as u64)
            .is_none_or(|end| end > MAX_OFFSET)
        {
            return Err(Errno::EFBIG);
        }
        self.inode.write_at(buf, offset)
    }

    fn seek(&self, offset: i64, whence: u32) -> Result<u64, Errno> {
        let mut pos = self.pos.lock();
        let base = match whence {
            SEEK_SET => 0,
            SEEK_CUR => *pos as i64,
            SEEK_END => self.size()? as i64,
            SEEK_DATA | SEEK_HOLE => {
                // The whole file is data; its end is the only hole.
                let size = self.size()?;
                if offset < 0 || offset as u64 >= size {
                    return Err(Errno::ENXIO);
                }
                let new = if whence == SEEK_DATA {
                    offset as u64
                } else {
                    size
                };
                *pos = new;
                return Ok(new);
            }
            _ => return Err(Errno::EINVAL),
        };
        let new = base.checked_add(offset).ok_or(Errno::EINVAL)?;
        if new < 0 {
            return Err(Errno::EINVAL);
        }
        *pos = new as u64;
        Ok(new as u64)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(self.inode.attr()?.to_stat())
    }

    fn statx(&self, _mask: u32) -> Result<Statx, Errno> {
        Ok(crate::host::stat_to_statx(&self.stat()?))
    }

    fn read_dir(&self, pos: u64) -> Result<Vec<(DirEntry, u64)>, Errno> {
        let mut listing = self.listing.lock();
        if pos == 0 || listing.is_none() {
            let attr = self.inode.attr()?;
            let mut entries = vec![
                DirEntry {
                    ino: attr.ino,
                    kind: FileType::Directory.dirent_type(),
                    name: b".".to_vec(),
                },
                DirEntry {
                    ino: attr.ino,
                    kind: FileType::Directory.dirent_type(),
                    name: b"..".to_vec(),
                },
            ];
            entries.extend(self.inode.readdir()?.into_iter().map(|e| DirEntry {
                ino: e.ino,
                kind: e.kind.dirent_type(),
                name: e.name,
            }));
            *listing = Some(entries);
        }
        let entries = listing.as_deref().unwrap_or_default();
        Ok(entries
            .iter()
            .enumerate()
            .skip(pos as usize)
            .map(|(i, e)| (e.clone(), i as u64 + 1))
            .collect())
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(Statfs {
            f_type: TMPFS_MAGIC,
            f_bsize: 4096,
            f_namelen: 255,
            f_frsize: 4096,
            ..Statfs::default()
        })
    }

    fn getxattr(&self, name: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
        let value = self.inode.getxattr(name)?;
        copy_sized(&value, buf)
    }

    fn listxattr(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut list = Vec::new();
        for n in self.inode.listxattr()? {
            list.extend_from_slice(&n);
            list.push(0);
        }
        copy_sized(&list, buf)
    }

    fn is_dir(&self) -> bool {
        self.inode.kind() == FileType::Directory
    }
}

/// The `getxattr` convention: an empty buffer asks for the size; a short one is `ERANGE`.
fn copy_sized(value: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
    if buf.is_empty() {
        return Ok(value.len());
    }
    if buf.len() < value.len() {
        return Err(Errno::ERANGE);
    }
    buf[..value.len()].copy_from_slice(value);
    Ok(value.len())
}
