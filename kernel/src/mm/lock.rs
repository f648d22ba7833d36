//! Memory locking (`mlock`, `mlockall`): which VMAs are locked, and bringing their
//! pages in. The sentry never swaps guest memory out, so a lock only means "make the
//! pages resident now" (unless on-fault) and counts in `VmLck`.

use veil_abi::Errno;

use super::{MemoryManager, MmState};

/// How new or existing mappings are locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    /// Locked and brought into memory at once.
    Populate,
    /// Locked; pages come in when first touched (`MLOCK_ONFAULT`, `MCL_ONFAULT`).
    OnFault,
}

impl MemoryManager {
    /// Locks (`Some(mode)`) or unlocks (`None`) every page of `[start, end)`
    /// (page-aligned); `ENOMEM` and nothing changed if a page is unmapped.
    pub fn lock_range(&self, start: u64, end: u64, mode: Option<LockMode>) -> Result<(), Errno> {
        let mut st = self.state.lock();
        if !st.fully_mapped(start, end) {
            return Err(Errno::ENOMEM);
        }
        let mut pieces = st.carve(start, end);
        for v in &mut pieces {
            v.locked = mode.is_some();
        }
        for v in pieces {
            st.vmas.insert(v.start, v);
        }
        if mode == Some(LockMode::Populate) {
            self.populate(&st, start, end);
        }
        Ok(())
    }

    /// `mlockall`: locks every mapping now if `current`, and every later one if
    /// `future` is given.
    pub fn lock_all(&self, current: Option<LockMode>, future: Option<LockMode>) {
        let mut st = self.state.lock();
        if current.is_some() {
            for v in st.vmas.values_mut() {
                v.locked = true;
            }
            if current == Some(LockMode::Populate) {
                let (start, end) = (
                    st.vmas.values().next().map_or(0, |v| v.start),
                    st.vmas.values().next_back().map_or(0, |v| v.end),
                );
                self.populate(&st, start, end);
            }
        }
        st.lock_future = future;
    }

    /// `munlockall`: unlocks everything, now and later.
    pub fn unlock_all(&self) {
        let mut st = self.state.lock();
        for v in st.vmas.values_mut() {
            v.locked = false;
        }
        st.lock_future = None;
    }

    /// Brings in the VMAs' own pages of `[start, end)` (`MAP_POPULATE`).
    pub fn populate_range(&self, start: u64, end: u64) {
        let st = self.state.lock();
        self.populate(&st, start, end);
    }

    /// Bytes in locked VMAs (`VmLck`).
    pub fn locked_bytes(&self) -> u64 {
        self.state
            .lock()
            .vmas
            .values()
            .filter(|v| v.locked)
            .map(|v| v.end - v.start)
            .sum()
    }

    /// After a new mapping at `[start, start+len)`: brings it in if `mlockall`
    /// asked for future mappings to be locked and populated.
    pub(super) fn populate_if_locked_future(&self, st: &MmState, start: u64, len: u64) {
        if st.lock_future == Some(LockMode::Populate) {
            self.populate(st, start, start + len);
        }
    }

    /// Makes the memory of the VMAs' own pages in `[start, end)` resident: anonymous
    /// memory and private file mappings' copies come from the memory file. A file's
    /// pages stay the file's (in memory already for in-memory files).
    fn populate(&self, st: &MmState, start: u64, end: u64) {
        for v in st.vmas.values() {
            if v.end <= start || v.start >= end || v.file.is_some() {
                continue;
            }
            let (s, e) = (v.start.max(start), v.end.min(end));
            self.mf.populate(veil_memmap::FileRange {
                start: v.offset_of(s),
                end: v.offset_of(e),
            });
        }
    }
}
