//! The data of a regular file: a size, a sparse map of memory-file pages, and
//! optionally a *backing*: a lower file whose bytes the file's holes read as.
//!
//! Invariant: every byte of a page at or beyond the file's size is zero (writes never
//! reach past the size they set, truncation and hole punching zero what they cut), so a
//! page that later falls inside the file after growing needs no clearing.
//!
//! # Backing (copy-on-write of a lower file)
//!
//! Overlay copy-up of a regular file into a tmpfs upper does not copy the contents: it
//! gives the empty new file a backing ([`FileData::set_backing`]), the lower inode and
//! its size. Then, for page index `i`:
//!
//! * an allocated page (`pages`) always wins: it holds the file's bytes;
//! * else, if `i` is *backed* — `i * 4096 < backing.len` and `i` not punched — the page
//!   reads as the lower's bytes `i * 4096 ..`, up to `backing.len`, zeroes after it;
//! * else it is an ordinary hole and reads as zeroes.
//!
//! The first write to a backed page allocates it and fills it from the lower (a
//! whole-page write skips the fill), so the file's own pages are a copy-on-write
//! overlay of the lower's content. `backing.len` only ever shrinks: truncation caps it
//! at the new size, so bytes cut off by a shrink read as zeroes if the file grows again.
//! Hole punching frees the file's pages and records the punched page indices, which then
//! read as zeroes; the partial pages at a punch's ends are materialised first (allocated
//! and filled) so that their kept bytes survive. `fallocate` fills the pages it
//! allocates from the lower. `st_blocks` counts only the file's own pages. Once
//! `backing.len` is 0 the lower is let go.
//!
//! Invariant: `backing.len <= size` (it starts equal and truncation caps it), so bytes
//! at or beyond the size never come from the lower.
//!
//! The lower is read with this file's inode lock held (see the module documentation of
//! `tmpfs` for what that requires of the lower).

use std::collections::BTreeMap;
use std::ops::Range;

use veil_abi::{Errno, PAGE_SIZE};
use veil_memmap::{FileRange, MemoryFile};

use crate::inode::InodeRef;

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

/// Reads `buf.len()` bytes of `inode` at `offset`, retrying short reads; what lies past
/// the lower's end reads as zeroes.
fn read_full(inode: &InodeRef, buf: &mut [u8], offset: u64) -> Result<(), Errno> {
    let mut got = 0;
    while got < buf.len() {
        let n = inode.read_at(&mut buf[got..], offset + got as u64)?;
        if n == 0 {
            buf[got..].fill(0);
            break;
        }
        got += n;
    }
    Ok(())
}

/// The lower file a regular file's holes read from (see the module documentation).
struct Backing {
    /// The lower inode; its content must not change while it backs a file.
    inode: InodeRef,
    /// Bytes `0..len` of the file are the lower's where the file has no page of its
    /// own (and the page is not punched). Only ever shrinks; `<= size`.
    len: u64,
    /// Page indices punched out of the backing (they read as zeroes): disjoint,
    /// non-adjacent ranges `start → end`, all below `len.div_ceil(4096)`.
    punched: BTreeMap<u64, u64>,
}

impl Backing {
    /// Whether page `index`, absent from the file's pages, reads from the lower.
    fn covers(&self, index: u64) -> bool {
        index < self.len.div_ceil(PAGE_SIZE)
            && self
                .punched
                .range(..=index)
                .next_back()
                .is_none_or(|(_, &end)| index >= end)
    }

    /// Reads the file's bytes at `offset..offset + dst.len()`, all in backed pages:
    /// the lower's below `len`, zeroes from it on.
    fn read(&self, dst: &mut [u8], offset: u64) -> Result<(), Errno> {
        let from_lower = usize::try_from(self.len.saturating_sub(offset))
            .unwrap_or(usize::MAX)
            .min(dst.len());
        let (lower, beyond) = dst.split_at_mut(from_lower);
        beyond.fill(0);
        read_full(&self.inode, lower, offset)
    }

    /// Stops page indices `start..end` reading from the lower.
    fn punch(&mut self, mut start: u64, mut end: u64) {
        end = end.min(self.len.div_ceil(PAGE_SIZE));
        if start >= end {
            return;
        }
        if let Some((&s, &e)) = self.punched.range(..=start).next_back() {
            if e >= start {
                self.punched.remove(&s);
                start = s;
                end = end.max(e);
            }
        }
        let absorbed: Vec<(u64, u64)> = self
            .punched
            .range(start..=end)
            .map(|(&s, &e)| (s, e))
            .collect();
        for (s, e) in absorbed {
            self.punched.remove(&s);
            end = end.max(e);
        }
        self.punched.insert(start, end);
    }

    /// Caps the backed bytes at `size` (the file shrank to it).
    fn shrink(&mut self, size: u64) {
        self.len = self.len.min(size);
        let pages = self.len.div_ceil(PAGE_SIZE);
        self.punched.split_off(&pages);
        if let Some(mut last) = self.punched.last_entry() {
            *last.get_mut() = (*last.get()).min(pages);
        }
    }
}

/// Where the bytes of one page index come from.
enum Source {
    /// The file's own memory-file page.
    Page(FileRange),
    /// The backing.
    Lower,
    /// Nowhere: zeroes.
    Zero,
}

/// The size and pages of a regular file. Lives inside the inode's `mu`.
#[derive(Default)]
pub(super) struct FileData {
    /// Size in bytes.
    size: u64,
    /// Page index (file offset / 4096) → the one-page memory-file range holding it.
    /// An absent index is a hole: it reads from the backing if it covers the index,
    /// else as zeroes.
    pages: BTreeMap<u64, FileRange>,
    /// The lower file holes read from, after copy-up; see the module documentation.
    backing: Option<Backing>,
    /// Pages cut off by truncate or hole punching, freed only after shared mappings
    /// stopped mapping them ([`FileData::take_deferred`]): a page freed while still
    /// installed in a guest could be reused by another file under the guest's feet.
    deferred: Vec<FileRange>,
}

impl FileData {
    /// Size in bytes.
    pub(super) fn size(&self) -> u64 {
        self.size
    }

    /// The pages truncate or punch removed, to free once mappings are invalidated.
    pub(super) fn take_deferred(&mut self) -> Vec<FileRange> {
        std::mem::take(&mut self.deferred)
    }

    /// `st_blocks`: 8 per allocated page (backed holes take no block).
    pub(super) fn blocks(&self) -> u64 {
        self.pages.len() as u64 * BLOCKS_PER_PAGE
    }

    /// Whether some holes read from a lower file.
    pub(super) fn has_backing(&self) -> bool {
        self.backing.is_some()
    }

    /// Makes this empty file a copy of the first `size` bytes of `lower` without
    /// copying them (see the module documentation). `EINVAL` unless the file is empty
    /// (size 0, no page, no backing). A `size` of 0 sets nothing.
    pub(super) fn set_backing(&mut self, lower: InodeRef, size: u64) -> Result<(), Errno> {
        if self.size != 0 || !self.pages.is_empty() || self.backing.is_some() {
            return Err(Errno::EINVAL);
        }
        if size == 0 {
            return Ok(());
        }
        self.size = size;
        self.backing = Some(Backing {
            inode: lower,
            len: size,
            punched: BTreeMap::new(),
        });
        Ok(())
    }

    /// Where the bytes of page `index` come from.
    fn source(&self, index: u64) -> Source {
        if let Some(&r) = self.pages.get(&index) {
            return Source::Page(r);
        }
        match &self.backing {
            Some(b) if b.covers(index) => Source::Lower,
            _ => Source::Zero,
        }
    }

    /// Whether page `index` is a hole that reads from the backing.
    fn backed_hole(&self, index: u64) -> bool {
        matches!(self.source(index), Source::Lower)
    }

    /// The allocated pages with index in `range`, in index order.
    pub(super) fn pages_in(&self, range: Range<u64>) -> Vec<(u64, FileRange)> {
        if range.start >= range.end {
            return Vec::new();
        }
        self.pages.range(range).map(|(&i, &r)| (i, r)).collect()
    }

    /// Allocates a page for the hole `index` and, if `fill` and the backing covers it,
    /// fills it from the lower. Nothing changes on failure: `ENOSPC` when the memory
    /// file is full, the lower's error if it cannot be read.
    fn allocate_page(
        &mut self,
        memory: &MemoryFile,
        index: u64,
        fill: bool,
    ) -> Result<FileRange, Errno> {
        let r = memory.allocate(PAGE_SIZE).map_err(|_| Errno::ENOSPC)?;
        if fill {
            if let Some(b) = self.backing.as_ref().filter(|b| b.covers(index)) {
                let mut buf = [0u8; PAGE_SIZE as usize];
                if let Err(e) = b.read(&mut buf, index * PAGE_SIZE) {
                    memory.free(r);
                    return Err(e);
                }
                memory.write(r.start, &buf);
            }
        }
        self.pages.insert(index, r);
        Ok(r)
    }

    /// The page of index `index`, allocating one for a hole: filled from the backing
    /// if it covers the index, else zeroed (`ENOSPC` when the memory file is full, the
    /// lower's error when it cannot be read).
    pub(super) fn page_or_allocate(
        &mut self,
        memory: &MemoryFile,
        index: u64,
    ) -> Result<FileRange, Errno> {
        match self.pages.get(&index) {
            Some(&r) => Ok(r),
            None => self.allocate_page(memory, index, true),
        }
    }

    /// Every page of `indices` (non-empty, each at most `MAX_FILE_SIZE / 4096`), in
    /// index order, allocating and filling the holes as
    /// [`FileData::page_or_allocate`] does. All or nothing: on failure the pages this
    /// call allocated are freed again (they held copies only, so nothing is lost).
    pub(super) fn materialize(
        &mut self,
        memory: &MemoryFile,
        indices: Range<u64>,
    ) -> Result<Vec<(u64, FileRange)>, Errno> {
        let mut out = Vec::new();
        let mut added = Vec::new();
        for index in indices {
            let r = match self.pages.get(&index) {
                Some(&r) => r,
                None => match self.allocate_page(memory, index, true) {
                    Ok(r) => {
                        added.push(index);
                        r
                    }
                    Err(e) => {
                        self.free_pages(memory, added);
                        return Err(e);
                    }
                },
            };
            out.push((index, r));
        }
        Ok(out)
    }

    /// Frees the pages of `indices` (allocated ones).
    fn free_pages(&mut self, memory: &MemoryFile, indices: Vec<u64>) {
        for index in indices {
            if let Some(r) = self.pages.remove(&index) {
                memory.free(r);
            }
        }
    }

    /// Reads at `offset` (already checked) up to the size; holes read from the backing
    /// where it covers them, else as zeroes. A failed read of the lower is its error,
    /// or a short count if something was read before it.
    pub(super) fn read(
        &self,
        memory: &MemoryFile,
        buf: &mut [u8],
        offset: u64,
    ) -> Result<usize, Errno> {
        if offset >= self.size {
            return Ok(0);
        }
        let n = buf
            .len()
            .min(usize::try_from(self.size - offset).unwrap_or(usize::MAX));
        let mut done = 0;
        while done < n {
            let pos = offset + done as u64;
            let in_page = pos % PAGE_SIZE;
            let mut chunk = (n - done).min((PAGE_SIZE - in_page) as usize);
            match self.source(pos / PAGE_SIZE) {
                Source::Page(r) => memory.read(r.start + in_page, &mut buf[done..done + chunk]),
                Source::Zero => buf[done..done + chunk].fill(0),
                Source::Lower => {
                    // One read of the lower for the whole run of backed holes.
                    while done + chunk < n && self.backed_hole((pos + chunk as u64) / PAGE_SIZE) {
                        chunk += (n - done - chunk).min(PAGE_SIZE as usize);
                    }
                    let backing = self.backing.as_ref().ok_or(Errno::EIO)?;
                    if let Err(e) = backing.read(&mut buf[done..done + chunk], pos) {
                        return if done > 0 { Ok(done) } else { Err(e) };
                    }
                }
            }
            done += chunk;
        }
        Ok(n)
    }

    /// Writes `buf` at `offset`, allocating pages for holes (filled from the backing
    /// unless the write covers the whole page) and growing the size.
    /// `offset + buf.len()` is at most [`MAX_FILE_SIZE`] (checked by the caller). When
    /// the memory file fills up (or the lower cannot be read), a write that stored
    /// something returns its short count and one that stored nothing is the error
    /// (`ENOSPC`).
    pub(super) fn write(
        &mut self,
        memory: &MemoryFile,
        buf: &[u8],
        offset: u64,
    ) -> Result<usize, Errno> {
        let mut done = 0;
        while done < buf.len() {
            let pos = offset + done as u64;
            let index = pos / PAGE_SIZE;
            let in_page = pos % PAGE_SIZE;
            let chunk = (buf.len() - done).min((PAGE_SIZE - in_page) as usize);
            let page = match self.pages.get(&index) {
                Some(&r) => Ok(r),
                None => {
                    let whole = chunk as u64 == PAGE_SIZE;
                    self.allocate_page(memory, index, !whole)
                }
            };
            let page = match page {
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
    /// it (as `shmem_setattr` does), zeroes the cut tail of the last partial page, and
    /// caps the backing at the new size (letting the lower go at 0); growing leaves a
    /// hole, which never reads from the backing (it lies past the backing's end).
    /// Returns the lower inode if the backing was dropped, for the caller to release
    /// after unlocking.
    pub(super) fn truncate(&mut self, memory: &MemoryFile, new_size: u64) -> Option<InodeRef> {
        let mut released = None;
        if new_size <= self.size {
            // `new_size` <= MAX_FILE_SIZE, so rounding up cannot overflow.
            let first_gone = new_size.div_ceil(PAGE_SIZE);
            let gone = self.pages.split_off(&first_gone);
            self.deferred.extend(gone.into_values());
            self.zero_page_tail(memory, new_size);
            if let Some(b) = &mut self.backing {
                b.shrink(new_size);
                if b.len == 0 {
                    released = self.backing.take().map(|b| b.inode);
                }
            }
        } else {
            // Keep the invariant even if something (a shared mapping) wrote past the
            // end of the old last page.
            self.zero_page_tail(memory, self.size);
        }
        self.size = new_size;
        released
    }

    /// `fallocate` mode 0 (`keep_size` false) or `FALLOC_FL_KEEP_SIZE`: allocates every
    /// page of `offset..offset + len` (checked, non-empty) — filling backed holes from
    /// the lower —, then grows the size to the end unless `keep_size`. All or nothing:
    /// on `ENOSPC` (or a failed read of the lower) the pages this call allocated are
    /// freed again (`shmem_fallocate`'s undo).
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
            match self.allocate_page(memory, index, true) {
                Ok(_) => added.push(index),
                Err(e) => {
                    self.free_pages(memory, added);
                    return Err(e);
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
    /// size does not change. With a backing, the whole pages are also punched out of
    /// it (they read as zeroes from then on), and a partial end page that still reads
    /// from the lower is first materialised so that its other bytes are kept: that
    /// allocation is the only way this fails (`ENOSPC`, or the lower's read error),
    /// before anything changed but the materialised page.
    pub(super) fn punch(
        &mut self,
        memory: &MemoryFile,
        offset: u64,
        len: u64,
    ) -> Result<(), Errno> {
        let end = offset + len;
        let (head, head_from) = (offset / PAGE_SIZE, offset % PAGE_SIZE);
        let (tail, tail_to) = (end / PAGE_SIZE, end % PAGE_SIZE);
        let tail_partial = tail_to > 0 && (tail != head || head_from == 0);
        if head_from > 0 && self.backed_hole(head) {
            self.allocate_page(memory, head, true)?;
        }
        if tail_partial && self.backed_hole(tail) {
            self.allocate_page(memory, tail, true)?;
        }
        let first_whole = offset.div_ceil(PAGE_SIZE);
        let end_whole = end / PAGE_SIZE;
        if first_whole < end_whole {
            let gone: Vec<u64> = self
                .pages
                .range(first_whole..end_whole)
                .map(|(&i, _)| i)
                .collect();
            for i in gone {
                if let Some(r) = self.pages.remove(&i) {
                    self.deferred.push(r);
                }
            }
            if let Some(b) = &mut self.backing {
                b.punch(first_whole, end_whole);
            }
        }
        // A partial page at the start: zero from `offset` to the end of the range or
        // of the page.
        if head_from > 0 {
            let to = (end - head * PAGE_SIZE).min(PAGE_SIZE);
            self.zero_in_page(memory, head, head_from, to);
        }
        // A partial page at the end, unless the start's handling covered it.
        if tail_partial {
            self.zero_in_page(memory, tail, 0, tail_to);
        }
        Ok(())
    }

    /// Gives every page back to the memory file (the inode is going away). Returns the
    /// lower inode of the backing, if any, for the caller to release after unlocking.
    pub(super) fn release(&mut self, memory: &MemoryFile) -> Option<InodeRef> {
        for r in std::mem::take(&mut self.pages)
            .into_values()
            .chain(self.deferred.drain(..))
        {
            memory.free(r);
        }
        self.size = 0;
        self.backing.take().map(|b| b.inode)
    }
}
