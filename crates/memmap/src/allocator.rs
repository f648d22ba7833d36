//! A first-fit allocator of page-aligned ranges in the memory file.

use std::collections::BTreeMap;

/// Hands out disjoint page-aligned ranges of `[0, limit)`.
///
/// Free space is kept as a map `start → end` of disjoint, non-adjacent free ranges, so
/// allocation is first-fit and freeing coalesces with both neighbours.
#[derive(Debug)]
pub(crate) struct RangeAllocator {
    free: BTreeMap<u64, u64>,
}

impl RangeAllocator {
    /// An allocator with all of `[0, limit)` free.
    pub(crate) fn new(limit: u64) -> Self {
        let mut free = BTreeMap::new();
        free.insert(0, limit);
        RangeAllocator { free }
    }

    /// Takes `len` bytes (a multiple of the page size) and returns the start offset, or
    /// `None` when no free range is large enough.
    pub(crate) fn allocate(&mut self, len: u64) -> Option<u64> {
        let (&start, &end) = self.free.iter().find(|(&s, &e)| e - s >= len)?;
        self.free.remove(&start);
        if end - start > len {
            self.free.insert(start + len, end);
        }
        Some(start)
    }

    /// Total free bytes.
    pub(crate) fn free_bytes(&self) -> u64 {
        self.free.iter().map(|(s, e)| e - s).sum()
    }

    /// Returns `[start, start + len)` to the free space.
    ///
    /// Precondition: the range was handed out by `allocate` (or is part of such a range)
    /// and is not free already.
    pub(crate) fn free(&mut self, start: u64, len: u64) {
        let mut new_start = start;
        let mut new_end = start + len;
        if let Some((&ps, &pe)) = self.free.range(..start).next_back() {
            debug_assert!(pe <= start, "double free of memory-file range");
            if pe == start {
                self.free.remove(&ps);
                new_start = ps;
            }
        }
        if let Some(&ne) = self.free.get(&new_end) {
            self.free.remove(&new_end);
            new_end = ne;
        }
        self.free.insert(new_start, new_end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocates_first_fit_and_coalesces() {
        let mut a = RangeAllocator::new(0x10000);
        let x = a.allocate(0x1000).unwrap();
        let y = a.allocate(0x2000).unwrap();
        let z = a.allocate(0x1000).unwrap();
        assert_eq!((x, y, z), (0, 0x1000, 0x3000));
        a.free(y, 0x2000);
        assert_eq!(a.allocate(0x1000), Some(0x1000));
        a.free(0x1000, 0x1000);
        a.free(x, 0x1000);
        a.free(z, 0x1000);
        assert_eq!(a.free.len(), 1);
        assert_eq!(a.allocate(0x10000), Some(0));
        assert_eq!(a.allocate(0x1000), None);
    }
}
