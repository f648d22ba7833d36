//! A virtual memory area: a contiguous range of guest addresses with one protection,
//! backed by a contiguous range of the memory file.

use std::collections::BTreeSet;
use std::sync::Arc;

use parking_lot::Mutex;
use veil_memmap::mapping::Mappable;
use veil_memmap::FileRange;
use veil_platform::Prot;

/// The pages of a private file mapping that were copied on write, by their
/// memory-file offset in the VMA's backing. Shared by the pieces a VMA is split into
/// (their backings are disjoint, so the offsets never collide); a leaf lock.
pub type CowPages = Arc<Mutex<BTreeSet<u64>>>;

/// The file behind a file mapping.
#[derive(Clone)]
pub struct VmaFile {
    /// The file's pages.
    pub mappable: Arc<dyn Mappable>,
    /// File offset mapped at the VMA's start.
    pub offset: u64,
    /// Whether the mapping may write the file: a shared mapping of a file open for
    /// writing (`mprotect(PROT_WRITE)` needs it). Always false for a private one.
    pub may_write: bool,
    /// Name for `/proc/[pid]/maps`.
    pub path: Arc<str>,
    /// For a private mapping (`MAP_PRIVATE`): the pages copied on write, which live in
    /// the VMA's backing; every other page is the file's, installed read-only. `None`
    /// for a shared mapping.
    pub cow: Option<CowPages>,
    /// For anonymous memory shared copy-on-write since a `fork` (`mm/snapshot.rs`):
    /// the snapshot `mappable` is, typed. Such a VMA is anonymous memory to the guest
    /// (no path in `/proc/<pid>/maps`, zeroes after `MADV_DONTNEED`).
    pub snapshot: Option<Arc<super::snapshot::Snapshot>>,
}

impl VmaFile {
    /// Whether this is a private (copy-on-write) mapping of the file.
    pub fn is_private(&self) -> bool {
        self.cow.is_some()
    }

    /// Whether this is anonymous memory shared copy-on-write since a `fork`.
    pub fn is_snapshot(&self) -> bool {
        self.snapshot.is_some()
    }
}

impl std::fmt::Debug for VmaFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VmaFile({} @ {:#x})", self.path, self.offset)
    }
}

/// A VMA. `[start, end)` maps memory-file offsets `[offset, offset + (end - start))`.
#[derive(Clone, Debug)]
pub struct Vma {
    /// First address, page-aligned.
    pub start: u64,
    /// One past the last address, page-aligned.
    pub end: u64,
    /// Guest protection.
    pub prot: Prot,
    /// Memory-file offset of `start` (anonymous memory, and the copied pages of a
    /// private file mapping).
    pub offset: u64,
    /// Label in `/proc/self/maps` (`[heap]`, `[stack]`), if any.
    pub name: Option<&'static str>,
    /// The file of a file mapping: pages come from it (but for a private mapping's
    /// copied pages, which come from `offset`).
    pub file: Option<VmaFile>,
    /// Locked by `mlock`/`mlockall` (counted in `VmLck`; never inherited by `fork`).
    pub locked: bool,
}

impl Vma {
    /// The memory-file offset backing guest address `addr` (inside the VMA).
    pub fn offset_of(&self, addr: u64) -> u64 {
        self.offset + (addr - self.start)
    }

    /// The file offset of guest address `addr` in a shared file mapping.
    pub fn file_offset_of(&self, addr: u64) -> Option<u64> {
        self.file.as_ref().map(|f| f.offset + (addr - self.start))
    }

    /// Whether this VMA maps a file shared (its pages are the file's).
    pub fn is_shared_file(&self) -> bool {
        self.file.as_ref().is_some_and(|f| !f.is_private())
    }

    /// The memory-file range backing the whole VMA (anonymous memory and a private file
    /// mapping's copies; empty for a shared file mapping, whose pages the file owns).
    pub fn backing(&self) -> FileRange {
        if self.is_shared_file() {
            return FileRange { start: 0, end: 0 };
        }
        FileRange {
            start: self.offset,
            end: self.offset + (self.end - self.start),
        }
    }

    fn slice(&self, start: u64, end: u64) -> Option<Vma> {
        (start < end).then(|| Vma {
            start,
            end,
            offset: self.offset_of(start),
            file: self.file.as_ref().map(|f| VmaFile {
                offset: f.offset + (start - self.start),
                ..f.clone()
            }),
            ..self.clone()
        })
    }

    /// Splits the VMA into the parts before `start`, inside `[start, end)`, and after
    /// `end`; each part is `None` when empty.
    pub fn split3(&self, start: u64, end: u64) -> (Option<Vma>, Option<Vma>, Option<Vma>) {
        let s = start.clamp(self.start, self.end);
        let e = end.clamp(self.start, self.end);
        (
            self.slice(self.start, s),
            self.slice(s, e),
            self.slice(e, self.end),
        )
    }
}
