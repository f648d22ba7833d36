//! The data of a regular file: a size and a sparse map of memory-file pages.
//!
//! Invariant: every byte of a page at or beyond the file's size is zero (writes never
//! reach past the size they set, truncation and hole punching zero what they cut), so a
//! page that later falls inside the file after growing needs no clearing.

use std::collections::BTreeMap;
use std::ops::Range;

use veil_abi::{Errno, PAGE_SIZE};
use veil_memmap::{FileRange, MemoryFile};

/// Largest file size and offset: Linux's `MAX_LFS_FILESIZE`, tmpfs's `s_maxbytes`.
pub(super) const MAX_FILE_SIZE: u64 = i64::MAX as u64;

/// 512-byte blocks per page, for `st_blocks`.
const BLOCKS_PER_PAGE: u64 = PAGE_SIZE / 512;

/// `rw_verify_area`: a negative offset, or an end past `i64::MAX`, is `EINVAL`.
pub(super) fn check_io_range(offset: u64, len: usize) -> Result<(), Errno> {
    match offset.checked_add(len as u64) {
        Some(end) if end <= MAX_FILE_SIZE => Ok(()),
        _ => Err(Errno::EINVAL),
    }
}

/// The size and pages of a regular file. Lives inside the inode's `mu`.
#[derive(Default)]
pub(super) struct FileData {
    /// Size in bytes.
    size: u64,
    /// Page index (file offset / 4096) → the one-page memory-file range holding it.
    /// An absent index is a hole.
    pages: BTreeMap<u64, FileRange>,
}

impl FileData {
    /// Size in bytes.
    pub(super) fn size(&self) -> u64 {
        self.size
    }

    /// `st_blocks`: 8 per allocated page.
    pub(super) fn blocks(&self) -> u64 {
        self.pages.len() as u64 * BLOCKS_PER_PAGE
    }

    /// The allocated pages with index in `range`, in index order.
    pub(super) fn pages_in(&self, range: Range<u64>) -> Vec<(u64, FileRange)> {
        if range.start >= range.end {
            return Vec::new();
        }
        self.pages.range(range).map(|(&i, &r)| (i, r)).collect()
    }

    /// The page of index `index`, allocating a zeroed one for a hole (`ENOSPC` when the
    /// memory file is full).
    pub(super) fn page_or_allocate(
        &mut self,
        memory: &MemoryFile,
        index: u64,
    ) -> Result<FileRange, Errno> {
        if let Some(&r) = self.pages.get(&index) {
            return Ok(r);
        }
        let r = memory.allocate(PAGE_SIZE).map_err(|_| Errno::ENOSPC)?;
        self.pages.insert(index, r);
        Ok(r)
    }

    /// Reads at `offset` (already checked) up to the size; holes read as zeroes.
    pub(super) fn read(&self, memory: &MemoryFile, buf: &mut [u8], offset: u64) -> usize {
        if offset >= self.size {
            return 0;
        }
        let n = buf
            .len()
            .min(usize::try_from(self.size - offset).unwrap_or(usize::MAX));
        let mut done = 0;
        while done < n {
            let pos = offset + done as u64;
            let in_page = pos % PAGE_SIZE;
            let chunk = (n - done).min((PAGE_SIZE - in_page) as usize);
            let dst = &mut buf[done..done + chunk];
            match self.pages.get(&(pos / PAGE_SIZE)) {
                Some(r) => memory.read(r.start + in_page, dst),
                None => dst.fill(0),
            }
            done += chunk;
        }
        n
    }

    /// Writes `buf` at `offset`, allocating pages for holes and growing the size.
    /// `offset + buf.len()` is at most [`MAX_FILE_SIZE`] (checked by the caller). When
    /// the memory file fills up, a write that stored something returns its short count
    /// and one that stored nothing is `ENOSPC`.
    pub(super) fn write(
        &mut self,
        memory: &MemoryFile,
        buf: &[u8],
        offset: u64,
    ) -> Result<usize, Errno> {
        let mut done = 0;
        while done < buf.len() {
            let pos = offset + done as u64;
            let in_page = pos % PAGE_SIZE;
            let chunk = (buf.len() - done).min((PAGE_SIZE - in_page) as usize);
            let page = match self.page_or_allocate(memory, pos / PAGE_SIZE) {
                Ok(page) => page,
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            };
            memory.write(page.start + in_page, &buf[done..done + chunk]);
            done += chunk;
        }
        self.size = self.size.max(offset + done as u64);
        Ok(done)
    }

    /// Zeroes bytes `from..to` (within one page, `from` < `to` <= 4096) of page `index`,
    /// if it is allocated.
    fn zero_in_page(&self, memory: &MemoryFile, index: u64, from: u64, to: u64) {
        if let Some(r) = self.pages.get(&index) {
            memory.zero(r.start + from, to - from);
        }
    }

    /// Zeroes the part of the page holding byte `offset` that lies at or after it.
    fn zero_page_tail(&self, memory: &MemoryFile, offset: u64) {
        let in_page = offset % PAGE_SIZE;
        if in_page != 0 {
            self.zero_in_page(memory, offset / PAGE_SIZE, in_page, PAGE_SIZE);
        }
    }

    /// Sets the size (`truncate`). Shrinking — or keeping the size — frees every page
    /// wholly past the new size, including pages `fallocate(KEEP_SIZE)` placed beyond
    /// it (as `shmem_setattr` does), and zeroes the cut tail of the last partial page;
    /// growing leaves a hole.
    pub(super) fn truncate(&mut self, memory: &MemoryFile, new_size: u64) {
        if new_size <= self.size {
            // `new_size` <= MAX_FILE_SIZE, so rounding up cannot overflow.
            let first_gone = new_size.div_ceil(PAGE_SIZE);
            for (_, r) in self.pages.split_off(&first_gone) {
                memory.free(r);
            }
            self.zero_page_tail(memory, new_size);
        } else {
            // Keep the invariant even if something (a shared mapping) wrote past the
            // end of the old last page.
            self.zero_page_tail(memory, self.size);
        }
        self.size = new_size;
    }

    /// `fallocate` mode 0 (`keep_size` false) or `FALLOC_FL_KEEP_SIZE`: allocates every
    /// page of `offset..offset + len` (checked, non-empty), then grows the size to the
    /// end unless `keep_size`. All or nothing: on `ENOSPC` the pages this call
    /// allocated are freed again (`shmem_fallocate`'s undo).
    pub(super) fn allocate(
        &mut self,
        memory: &MemoryFile,
        offset: u64,
        len: u64,
        keep_size: bool,
    ) -> Result<(), Errno> {
        let end = offset + len;
        let mut added = Vec::new();
        for index in offset / PAGE_SIZE..end.div_ceil(PAGE_SIZE) {
            if self.pages.contains_key(&index) {
                continue;
            }
            match memory.allocate(PAGE_SIZE) {
                Ok(r) => {
                    self.pages.insert(index, r);
                    added.push(index);
                }
                Err(_) => {
                    for index in added {
                        if let Some(r) = self.pages.remove(&index) {
                            memory.free(r);
                        }
                    }
                    return Err(Errno::ENOSPC);
                }
            }
        }
        if !keep_size {
            self.size = self.size.max(end);
        }
        Ok(())
    }

    /// `FALLOC_FL_PUNCH_HOLE`: frees the pages wholly inside `offset..offset + len`
    /// (checked, non-empty) and zeroes the covered parts of the pages at its ends. The
    /// size does not change.
    pub(super) fn punch(&mut self, memory: &MemoryFile, offset: u64, len: u64) {
        let end = offset + len;
        let first_whole = offset.div_ceil(PAGE_SIZE);
        let end_whole = end / PAGE_SIZE;
        if first_whole < end_whole {
            let gone: Vec<u64> = self
                .pages
                .range(first_whole..end_whole)
                .map(|(&i, _)| i)
                .collect();
            for index in gone {
                if let Some(r) = self.pages.remove(&index) {
                    memory.free(r);
                }
            }
        }
        // A partial page at the start: zero from `offset` to the end of the range or
        // of the page.
        let (head, head_from) = (offset / PAGE_SIZE, offset % PAGE_SIZE);
        if head_from > 0 {
            let to = (end - head * PAGE_SIZE).min(PAGE_SIZE);
            self.zero_in_page(memory, head, head_from, to);
        }
        // A partial page at the end, unless the start's handling covered it.
        let (tail, tail_to) = (end / PAGE_SIZE, end % PAGE_SIZE);
        if tail_to > 0 && (tail != head || head_from == 0) {
            self.zero_in_page(memory, tail, 0, tail_to);
        }
    }

    /// Gives every page back to the memory file (the inode is going away).
    pub(super) fn release(&mut self, memory: &MemoryFile) {
        for (_, r) in std::mem::take(&mut self.pages) {
            memory.free(r);
        }
        self.size = 0;
    }
}
