//! The memory file: one memfd holding every guest page.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

use nix::sys::memfd::{memfd_create, MemFdCreateFlag};
use parking_lot::Mutex;
use veil_abi::PAGE_SIZE;

use crate::allocator::RangeAllocator;

/// A range `[start, end)` of offsets in the memory file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileRange {
    /// First offset, page-aligned.
    pub start: u64,
    /// One past the last offset, page-aligned.
    pub end: u64,
}

impl FileRange {
    /// The length of the range in bytes.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether the range is empty.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// Why the memory file could not be created or grown.
#[derive(Debug, thiserror::Error)]
pub enum MemoryFileError {
    /// A host call failed while creating the file.
    #[error("memory file: {0}")]
    Host(#[from] nix::Error),
    /// The file is full.
    #[error("memory file exhausted")]
    Exhausted,
}

/// The sentry's memory file: a sparse memfd of fixed virtual size mapped once, shared,
/// into the sentry. Guest pages are ranges of it; the platform maps the same ranges into
/// guest address spaces. Pages take host memory only once touched, and are returned to
/// the host with `FALLOC_FL_PUNCH_HOLE` when freed.
///
/// Thread-safe: the allocator is behind a mutex; data accesses go straight to the view
/// and need no lock (concurrent guest threads race on guest memory exactly as they would
/// on hardware).
pub struct MemoryFile {
    fd: OwnedFd,
    view: NonNull<u8>,
    size: u64,
    allocator: Mutex<RangeAllocator>,
}

// SAFETY: `view` points to a MAP_SHARED mapping that lives as long as `self` and is only
// accessed through volatile-free byte copies and atomics; it may be used from any thread.
unsafe impl Send for MemoryFile {}
// SAFETY: as above; all mutation of bookkeeping is behind `allocator`'s mutex.
unsafe impl Sync for MemoryFile {}

impl MemoryFile {
    /// Creates a memory file of `size` bytes (virtual; a multiple of the page size).
    pub fn new(size: u64) -> Result<MemoryFile, MemoryFileError> {
        let fd = memfd_create(c"veil-memory", MemFdCreateFlag::MFD_CLOEXEC)?;
        nix::unistd::ftruncate(&fd, size as i64)?;
        // SAFETY: a fresh shared mapping of our own memfd at an address the kernel picks;
        // it cannot alias any Rust object.
        let addr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_NORESERVE,
                fd.as_raw_fd(),
                0,
            )
        };
        if addr == libc::MAP_FAILED {
            return Err(MemoryFileError::Host(nix::Error::last()));
        }
        let view = NonNull::new(addr.cast::<u8>()).ok_or(MemoryFileError::Exhausted)?;
        Ok(MemoryFile {
            fd,
            view,
            size,
            allocator: Mutex::new(RangeAllocator::new(size)),
        })
    }

    /// The memfd, for platforms that map its ranges into guest address spaces.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Bytes currently allocated to guest memory and files (`/proc/meminfo`).
    pub fn allocated_bytes(&self) -> u64 {
        self.size - self.allocator.lock().free_bytes()
    }

    /// Bytes of the file backed by host memory now (pages written and not given
    /// back): what guest memory and in-memory files really use.
    pub fn resident_bytes(&self) -> u64 {
        nix::sys::stat::fstat(self.fd.as_raw_fd())
            .map(|st| st.st_blocks as u64 * 512)
            .unwrap_or(0)
    }

    /// Backs `range` with host memory now (zeroed pages where there were none), as
    /// `mlock` asks: `MADV_POPULATE_WRITE` on the sentry's view (`fallocate` would
    /// reserve the pages without making them resident). A failure (an old host, or
    /// out of memory) leaves the pages to come on first touch.
    pub fn populate(&self, range: FileRange) {
        if range.is_empty() {
            return;
        }
        self.check(range.start, range.len() as usize);
        /// `MADV_POPULATE_WRITE` (Linux 5.14).
        const MADV_POPULATE_WRITE: i32 = 23;
        // SAFETY: the range is inside the live view (checked above); populating writes
        // no data (absent pages become zero pages, present ones are left as they are).
        let _ = unsafe {
            libc::madvise(
                self.view.as_ptr().add(range.start as usize).cast(),
                range.len() as usize,
                MADV_POPULATE_WRITE,
            )
        };
    }

    /// Whether each page of `[offset, offset + len)` is in memory (`mincore(2)` on the
    /// sentry's view), one entry per page. Panics like [`MemoryFile::read`];
    /// `offset` must be page-aligned.
    pub fn resident_pages(&self, offset: u64, len: u64) -> Vec<bool> {
        self.check(offset, len as usize);
        let pages = len.div_ceil(veil_abi::PAGE_SIZE) as usize;
        let mut vec = vec![0u8; pages];
        if pages == 0 {
            return Vec::new();
        }
        // SAFETY: the range is inside the live view (checked above) and page-aligned
        // (precondition); `vec` has one byte per page, as mincore writes.
        let rc = unsafe {
            libc::mincore(
                self.view.as_ptr().add(offset as usize).cast(),
                len as usize,
                vec.as_mut_ptr(),
            )
        };
        if rc != 0 {
            return vec![false; pages];
        }
        vec.iter().map(|b| b & 1 != 0).collect()
    }

    /// Bytes of `range` in memory now (see [`MemoryFile::resident_pages`]).
    pub fn resident_bytes_in(&self, range: FileRange) -> u64 {
        let pages = self.resident_pages(range.start, range.len());
        pages.iter().filter(|&&r| r).count() as u64 * veil_abi::PAGE_SIZE
    }

    /// Virtual size of the file: the most memory the sandbox can use.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Allocates `len` bytes (rounded up to pages) of zeroed memory.
    pub fn allocate(&self, len: u64) -> Result<FileRange, MemoryFileError> {
        let len = veil_abi::page_up(len).ok_or(MemoryFileError::Exhausted)?;
        let start = self
            .allocator
            .lock()
            .allocate(len)
            .ok_or(MemoryFileError::Exhausted)?;
        Ok(FileRange {
            start,
            end: start + len,
        })
    }

    /// Frees `range`, giving its pages back to the host. The next allocation that reuses
    /// it reads zeroes.
    ///
    /// Precondition: nothing maps `range` any more, and it came from `allocate`.
    pub fn free(&self, range: FileRange) {
        if range.is_empty() {
            return;
        }
        self.decommit(range);
        self.allocator.lock().free(range.start, range.len());
    }

    /// Zeroes `range` and returns its pages to the host, keeping it allocated. Mappings
    /// of the range see zeroes at once.
    pub fn decommit(&self, range: FileRange) {
        if range.is_empty() {
            return;
        }
        // Punching a hole both releases host memory and zeroes the range for reuse. A
        // failure here would leave stale data behind, so zero by hand in that case.
        let punched = nix::fcntl::fallocate(
            self.fd.as_raw_fd(),
            nix::fcntl::FallocateFlags::FALLOC_FL_PUNCH_HOLE
                | nix::fcntl::FallocateFlags::FALLOC_FL_KEEP_SIZE,
            range.start as i64,
            range.len() as i64,
        );
        if punched.is_err() {
            self.zero(range.start, range.len());
        }
    }

    fn check(&self, offset: u64, len: usize) {
        assert!(
            offset
                .checked_add(len as u64)
                .is_some_and(|end| end <= self.size),
            "memory file access out of bounds: {offset:#x}+{len:#x}"
        );
    }

    /// Copies `dst.len()` bytes at `offset` out of the file.
    ///
    /// Panics if the range lies outside the file: callers translate guest addresses into
    /// ranges they allocated, so this is a sentry bug, never guest input.
    pub fn read(&self, offset: u64, dst: &mut [u8]) {
        self.check(offset, dst.len());
        // SAFETY: the range is inside the live mapping (checked above) and `dst` is a
        // distinct Rust buffer, so the regions cannot overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.view.as_ptr().add(offset as usize),
                dst.as_mut_ptr(),
                dst.len(),
            );
        }
    }

    /// Copies `src` into the file at `offset`. Panics like [`MemoryFile::read`].
    pub fn write(&self, offset: u64, src: &[u8]) {
        self.check(offset, src.len());
        // SAFETY: as in `read`, with the roles of source and destination swapped.
        unsafe {
            std::ptr::copy_nonoverlapping(
                src.as_ptr(),
                self.view.as_ptr().add(offset as usize),
                src.len(),
            );
        }
    }

    /// Zeroes `len` bytes at `offset`. Panics like [`MemoryFile::read`].
    pub fn zero(&self, offset: u64, len: u64) {
        self.check(offset, len as usize);
        // SAFETY: the range is inside the live mapping (checked above).
        unsafe { std::ptr::write_bytes(self.view.as_ptr().add(offset as usize), 0, len as usize) }
    }

    /// Copies `len` bytes at `src` to `dst` (disjoint ranges of this file), skipping
    /// holes: pages never written in the source stay unallocated in the copy.
    /// Panics like [`MemoryFile::read`].
    pub fn copy_range(&self, src: u64, dst: u64, len: u64) {
        self.check(src, len as usize);
        self.check(dst, len as usize);
        let end = src + len;
        let mut pos = src;
        while pos < end {
            // The next byte with data, and the hole after it.
            let data = match nix::unistd::lseek(
                self.fd.as_raw_fd(),
                pos as i64,
                nix::unistd::Whence::SeekData,
            ) {
                Ok(d) if (d as u64) < end => d as u64,
                _ => return,
            };
            let hole = nix::unistd::lseek(
                self.fd.as_raw_fd(),
                data as i64,
                nix::unistd::Whence::SeekHole,
            )
            .map_or(end, |h| (h as u64).min(end));
            // SAFETY: both ranges are inside the live mapping (checked above) and are
            // disjoint by the caller's precondition.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    self.view.as_ptr().add(data as usize),
                    self.view.as_ptr().add((dst + (data - src)) as usize),
                    (hole - data) as usize,
                );
            }
            pos = hole;
        }
    }

    /// The 32-bit word at `offset` (4-byte aligned), as an atomic shared with the guest.
    /// Used by futexes. Panics like [`MemoryFile::read`] or on misalignment.
    pub fn atomic_u32(&self, offset: u64) -> &AtomicU32 {
        self.check(offset, 4);
        assert_eq!(offset % 4, 0, "unaligned atomic in the memory file");
        // SAFETY: the word is inside the mapping, aligned, and the mapping outlives the
        // returned reference (it is tied to `&self`). AtomicU32 has the layout of u32.
        unsafe { &*(self.view.as_ptr().add(offset as usize) as *const AtomicU32) }
    }

    /// Reads the 32-bit word at `offset` with sequential consistency.
    pub fn load_u32(&self, offset: u64) -> u32 {
        self.atomic_u32(offset).load(Ordering::SeqCst)
    }

    /// The page size of the file's ranges.
    pub const PAGE: u64 = PAGE_SIZE;
}

impl Drop for MemoryFile {
    fn drop(&mut self) {
        // SAFETY: unmapping our own mapping; no reference into it outlives `self`.
        unsafe {
            libc::munmap(self.view.as_ptr().cast(), self.size as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocate_write_read_free_zeroes() {
        let mf = MemoryFile::new(1 << 30).unwrap();
        let r = mf.allocate(5000).unwrap();
        assert_eq!(r.len(), 8192);
        mf.write(r.start + 10, b"hello");
        let mut buf = [0u8; 5];
        mf.read(r.start + 10, &mut buf);
        assert_eq!(&buf, b"hello");
        mf.free(r);
        let again = mf.allocate(4096).unwrap();
        assert_eq!(again.start, r.start);
        mf.read(again.start + 10, &mut buf);
        assert_eq!(buf, [0; 5]);
    }
}
