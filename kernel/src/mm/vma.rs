//! A virtual memory area: a contiguous range of guest addresses with one protection,
//! backed by a contiguous range of the memory file.

use veil_memmap::FileRange;
use veil_platform::Prot;

/// A VMA. `[start, end)` maps memory-file offsets `[offset, offset + (end - start))`.
#[derive(Clone, Debug)]
pub struct Vma {
    /// First address, page-aligned.
    pub start: u64,
    /// One past the last address, page-aligned.
    pub end: u64,
    /// Guest protection.
    pub prot: Prot,
    /// Memory-file offset of `start`.
    pub offset: u64,
    /// Label in `/proc/self/maps` (`[heap]`, `[stack]`), if any.
    pub name: Option<&'static str>,
}

impl Vma {
    /// The memory-file offset backing guest address `addr` (inside the VMA).
    pub fn offset_of(&self, addr: u64) -> u64 {
        self.offset + (addr - self.start)
    }

    /// The memory-file range backing the whole VMA.
    pub fn backing(&self) -> FileRange {
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
