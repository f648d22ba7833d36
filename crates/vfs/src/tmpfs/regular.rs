//! Regular files: reads, writes, `fallocate`, the backing of a copied-up file, and the
//! page accessors a `Mappable` uses.

use std::ops::Range;

use veil_abi::{Errno, PAGE_SIZE};
use veil_memmap::FileRange;

use super::data::{check_io_range, MAX_FILE_SIZE};
use super::node::{Body, TmpfsInode};
use super::time::now;
use crate::inode::{FileType, InodeRef};

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
        let n = st.file().read(&self.fs.memory, buf, offset)?;
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
        let freed = if punch {
            data.punch(&self.fs.memory, offset, len)?;
            data.take_deferred()
        } else {
            data.allocate(&self.fs.memory, offset, len, keep_size)?;
            Vec::new()
        };
        st.touch_modified(t);
        drop(st);
        if punch {
            self.finish_cut(offset, offset + len, freed);
        }
        Ok(())
    }

    /// Makes this regular file a copy of the first `size` bytes of the regular file
    /// `lower` without copying them: the file's size becomes `size`, and every page it
    /// has not written reads from `lower` (the first write to a page copies that page;
    /// see `data.rs` for the exact semantics of writes, truncation and hole punching).
    /// This is overlay copy-up's O(1) content copy. Sets mtime and ctime, as the write
    /// it replaces would.
    ///
    /// Preconditions, the caller's to keep:
    /// * this is an empty regular file just created by copy-up, not yet visible to
    ///   anyone else (checked where cheap: `EINVAL` for another type, a non-empty file
    ///   or one already backed);
    /// * `lower`'s content (its first `size` bytes) never changes afterwards — an
    ///   overlay's lower layer is read-only — and holding it keeps it readable;
    /// * `lower.read_at` takes no lock of rank lower than `InodeMu` and never waits,
    ///   directly or not, for a lock of this file system: it runs with this file's
    ///   lock held (see the module's lock order). hostfs (leaf locks only) and a tmpfs
    ///   of another instance (the lower's own `InodeMu`, an equal rank; an overlay's
    ///   lower layer never reads from its upper) qualify; an overlay inode (`CopyMu`)
    ///   does not.
    ///
    /// `EINVAL` if `lower` is not a regular file or is a tmpfs inode of this same
    /// instance (this file included), `EFBIG` for a size past `i64::MAX`. A `size` of
    /// 0 keeps no backing.
    pub fn set_backing(&self, lower: InodeRef, size: u64) -> Result<(), Errno> {
        if self.kind != FileType::Regular || lower.kind() != FileType::Regular {
            return Err(Errno::EINVAL);
        }
        if lower
            .as_any()
            .downcast_ref::<TmpfsInode>()
            .is_some_and(|l| std::sync::Arc::ptr_eq(&l.fs, &self.fs))
        {
            return Err(Errno::EINVAL);
        }
        if size > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        let t = now();
        let mut st = self.mu.lock();
        st.file().set_backing(lower, size)?;
        st.touch_modified(t);
        Ok(())
    }

    /// Whether some holes of this regular file read from a lower file
    /// ([`TmpfsInode::set_backing`]): then a hole is not necessarily zeroes, and a
    /// mapping must [`materialize`](TmpfsInode::materialize) (or
    /// [`page_or_allocate`](TmpfsInode::page_or_allocate)) the pages it maps. False
    /// for other types.
    pub fn has_backing(&self) -> bool {
        match &self.mu.lock().body {
            Body::Regular(data) => data.has_backing(),
            _ => false,
        }
    }

    /// The memory-file pages of a regular file, in page-index order: `(index, range)`
    /// where `index` is the file offset divided by 4096 and `range` the one page of the
    /// memory file ([`veil_memmap::MemoryFile`]) holding bytes
    /// `index * 4096 .. (index + 1) * 4096` of the file. Only the file's own pages: an
    /// index that is absent is a hole, which reads as zeroes — unless the file has a
    /// backing ([`TmpfsInode::set_backing`], [`TmpfsInode::has_backing`]), in which
    /// case a hole below the backing's end may mean "read from the backing". So a
    /// `Mappable` must not map a zero page for a hole of a backed file: it gets the
    /// page with [`TmpfsInode::page_or_allocate`] or [`TmpfsInode::materialize`],
    /// which fill it from the backing.
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

    /// Like [`TmpfsInode::pages`] (the file's own pages only; a hole of a backed file
    /// may read from the backing), limited to page indices in `indices`.
    pub fn pages_in(&self, indices: Range<u64>) -> Vec<(u64, FileRange)> {
        match &self.mu.lock().body {
            Body::Regular(data) => data.pages_in(indices),
            _ => Vec::new(),
        }
    }

    /// The memory-file page holding page `index` of a regular file, allocating one for
    /// a hole (what a write fault of a shared mapping needs): filled from the backing
    /// (the lower's bytes up to the backing's end, zeroes after) if the file has one
    /// covering `index`, else zeroed. Does not change the size or the times: checking
    /// `index` against the size (`SIGBUS` beyond it) is the caller's. `EINVAL` for
    /// other file types, `EFBIG` for an index past `i64::MAX` bytes, `ENOSPC` when the
    /// memory file is full, the lower's error if it cannot be read.
    ///
    /// Filling reads the lower file with this inode's lock held (host I/O for a
    /// hostfs lower); see [`TmpfsInode::set_backing`].
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

    /// Every page of the index range `indices` of a regular file, in index order,
    /// allocating and filling each hole as [`TmpfsInode::page_or_allocate`] does: what
    /// a fault of a mapping of the file needs, backed or not. All or nothing: on
    /// failure the pages this call allocated are freed again. Empty for an empty
    /// range. Does not change the size or the times; checking the range against the
    /// size is the caller's. `EINVAL` for other file types, `EFBIG` for an index past
    /// `i64::MAX` bytes, `ENOSPC` when the memory file is full, the lower's error if it
    /// cannot be read.
    pub fn materialize(&self, indices: Range<u64>) -> Result<Vec<(u64, FileRange)>, Errno> {
        if self.kind != FileType::Regular {
            return Err(Errno::EINVAL);
        }
        if indices.start >= indices.end {
            return Ok(Vec::new());
        }
        if indices.end - 1 > MAX_FILE_SIZE / PAGE_SIZE {
            return Err(Errno::EFBIG);
        }
        self.mu.lock().file().materialize(&self.fs.memory, indices)
    }

    /// The size of the file in bytes (`st_size`; for a directory Linux tmpfs's bogus
    /// entry-count size, for a symlink its target's length).
    pub fn size(&self) -> u64 {
        let st = self.mu.lock();
        self.size_locked(&st)
    }
}
