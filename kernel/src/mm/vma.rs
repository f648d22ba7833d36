//! A virtual memory area: a contiguous range of guest addresses with one protection,
//! backed by a contiguous range of the memory file.

use std::sync::Arc;

use veil_memmap::mapping::Mappable;
use veil_memmap::FileRange;
use veil_platform::Prot;

/// The file behind a shared file mapping.
#[derive(Clone)]
pub struct VmaFile {
    /// The file's pages.
    pub mappable: Arc<dyn Mappable>,
    /// File offset mapped at the VMA's start.
    pub offset: u64,
    /// Whether the file was open for writing (`mprotect(PROT_WRITE)` needs it).
    pub may_write: bool,
    /// Name for `/proc/[pid]/maps`.
    pub path: Arc<str>,
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
    /// Memory-file offset of `start` (anonymous and private memory).
    pub offset: u64,
    /// Label in `/proc/self/maps` (`[heap]`, `[stack]`), if any.
    pub name: Option<&'static str>,
    /// The file of a shared file mapping: pages come from it, not from `offset`.
    pub file: Option<VmaFile>,
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

    /// The memory-file range backing the whole VMA (anonymous and private memory;
    /// empty for a shared file mapping, whose pages the file owns).
    pub fn backing(&self) -> FileRange {
        if self.file.is_some() {
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
