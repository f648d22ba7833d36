//! Regular files: reads, writes, `fallocate`, and the page accessors a `Mappable` uses.

use std::ops::Range;

use veil_abi::{Errno, PAGE_SIZE};
use veil_memmap::FileRange;

use super::data::{check_io_range, MAX_FILE_SIZE};
use super::node::{Body, TmpfsInode};
use super::time::now;
use crate::inode::FileType;

impl TmpfsInode {
    /// `EISDIR` for a directory, `EINVAL` for any other non-regular file: what a read or
    /// write of such a file gets.
    fn require_regular(&self) -> Result<(), Errno> {
        match self.kind {
            FileType::Regular => Ok(()),
            FileType::Directory => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }

    /// `read_at`.
    pub(super) fn file_read(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.require_regular()?;
        check_io_range(offset, buf.len())?;
        if buf.is_empty() {
            return Ok(0);
        }
        let t = now();
        let mut st = self.mu.lock();
        let n = st.file().read(&self.fs.memory, buf, offset);
        st.touch_accessed(t);
        Ok(n)
    }

    /// `write_at`, with `rw_verify_area` and `generic_write_checks`' rules.
    pub(super) fn file_write(&self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        self.require_regular()?;
        check_io_range(offset, buf.len())?;
        if buf.is_empty() {
            return Ok(0);
        }
        // `generic_write_check_limits`: nothing can start at `s_maxbytes`. (Unreachable
        // after the check above while `s_maxbytes` is i64::MAX; kept for the rule.)
        if offset >= MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        let t = now();
        let mut st = self.mu.lock();
        let n = st.file().write(&self.fs.memory, buf, offset)?;
        st.touch_modified(t);
        Ok(n)
    }

    /// `allocate` (`fallocate`), with `vfs_fallocate`'s checks in its order: `EINVAL`
    /// for a negative offset or a length that is 0 or negative, `ESPIPE` for a FIFO,
    /// `EISDIR` for a directory, `ENODEV` for other non-regular files, `EFBIG` when the
    /// end passes `i64::MAX`. Every mode sets mtime and ctime (`file_modified`).
    pub(super) fn file_allocate(
        &self,
        offset: u64,
        len: u64,
        keep_size: bool,
        punch: bool,
    ) -> Result<(), Errno> {
        if offset > MAX_FILE_SIZE || len == 0 || len > MAX_FILE_SIZE {
            return Err(Errno::EINVAL);
        }
        match self.kind {
            FileType::Regular => {}
            FileType::Fifo => return Err(Errno::ESPIPE),
            FileType::Directory => return Err(Errno::EISDIR),
            _ => return Err(Errno::ENODEV),
        }
        if offset + len > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        let t = now();
        let mut st = self.mu.lock();
        let data = st.file();
        if punch {
            data.punch(&self.fs.memory, offset, len);
        } else {
            data.allocate(&self.fs.memory, offset, len, keep_size)?;
        }
        st.touch_modified(t);
        Ok(())
    }

    /// The memory-file pages of a regular file, in page-index order: `(index, range)`
    /// where `index` is the file offset divided by 4096 and `range` the one page of the
    /// memory file ([`veil_memmap::MemoryFile`]) holding bytes
    /// `index * 4096 .. (index + 1) * 4096` of the file. An index that is absent is a
    /// hole and reads as zeroes. Empty for other file types.
    ///
    /// A snapshot: the file may change as soon as this returns. This is what a
    /// `Mappable` for the file translates offsets with (see also
    /// [`TmpfsInode::pages_in`] and [`TmpfsInode::page_or_allocate`]). Truncation,
    /// hole punching and the inode's drop free pages at once, so a `Mappable` must
    /// invalidate the translations of a range before the pages behind it go.
    ///
    /// Pages may exist beyond the size (`fallocate` with `KEEP_SIZE`); bytes at or
    /// beyond the size always read as zero.
    pub fn pages(&self) -> Vec<(u64, FileRange)> {
        self.pages_in(0..u64::MAX)
    }

    /// Like [`TmpfsInode::pages`], limited to page indices in `indices`.
    pub fn pages_in(&self, indices: Range<u64>) -> Vec<(u64, FileRange)> {
        match &self.mu.lock().body {
            Body::Regular(data) => data.pages_in(indices),
            _ => Vec::new(),
        }
    }

    /// The memory-file page holding page `index` of a regular file, allocating a zeroed
    /// one for a hole (what a write fault of a shared mapping needs). Does not change
    /// the size or the times: checking `index` against the size (`SIGBUS` beyond it)
    /// is the caller's. `EINVAL` for other file types, `EFBIG` for an index past
    /// `i64::MAX` bytes, `ENOSPC` when the memory file is full.
    pub fn page_or_allocate(&self, index: u64) -> Result<FileRange, Errno> {
        if self.kind != FileType::Regular {
            return Err(Errno::EINVAL);
        }
        if index > MAX_FILE_SIZE / PAGE_SIZE {
            return Err(Errno::EFBIG);
        }
        self.mu
            .lock()
            .file()
            .page_or_allocate(&self.fs.memory, index)
    }

    /// The size of the file in bytes (`st_size`; for a directory Linux tmpfs's bogus
    /// entry-count size, for a symlink its target's length).
    pub fn size(&self) -> u64 {
        let st = self.mu.lock();
        self.size_locked(&st)
    }
}
