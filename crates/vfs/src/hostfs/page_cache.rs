//! The page cache of host files: their contents copied into the memory file on first
//! touch of a shared mapping, so that the guest maps memory-file pages (the host never
//! changes under the sandbox, so a cached page stays right for the inode's life).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use veil_abi::PAGE_SIZE;
use veil_memmap::mapping::{
    AccessType, AddrRange, MapError, Mappable, MappableRange, MappingSpace, Translation,
};
use veil_memmap::{FileRange, MemoryFile};

use super::HostInode;
use crate::inode::InodeOps;

/// Cached pages of one host file. Leaf lock.
#[derive(Default)]
pub(crate) struct PageCache {
    /// The memory file, inherited from the parent directory (none: mapping is `ENODEV`).
    pub(crate) memory: OnceLock<Arc<MemoryFile>>,
    /// Page index → its page in the memory file.
    pages: Mutex<BTreeMap<u64, FileRange>>,
}

impl Drop for PageCache {
    fn drop(&mut self) {
        if let Some(mf) = self.memory.get() {
            for (_, r) in std::mem::take(self.pages.get_mut()) {
                mf.free(r);
            }
        }
    }
}

impl HostInode {
    /// Fills the missing pages of `[first, last)` from the host file, one contiguous
    /// memory-file range per run of missing pages.
    fn fill(
        &self,
        mf: &MemoryFile,
        pages: &mut BTreeMap<u64, FileRange>,
        first: u64,
        last: u64,
    ) -> Result<(), MapError> {
        let fd = self.read_fd().map_err(|_| MapError::Io)?;
        let mut idx = first;
        while idx < last {
            if pages.contains_key(&idx) {
                idx += 1;
                continue;
            }
            let run_end = (idx..last).find(|i| pages.contains_key(i)).unwrap_or(last);
            let len = (run_end - idx) * PAGE_SIZE;
            let range = mf.allocate(len).map_err(|_| MapError::OutOfMemory)?;
            let mut buf = vec![0u8; len as usize];
            let mut done = 0;
            while done < buf.len() {
                match nix::sys::uio::pread(
                    fd,
                    &mut buf[done..],
                    (idx * PAGE_SIZE + done as u64) as i64,
                ) {
                    Ok(0) => break,
                    Ok(n) => done += n,
                    Err(nix::Error::EINTR) => continue,
                    Err(_) => {
                        mf.free(range);
                        return Err(MapError::Io);
                    }
                }
            }
            mf.write(range.start, &buf);
            for (k, i) in (idx..run_end).enumerate() {
                let start = range.start + k as u64 * PAGE_SIZE;
                pages.insert(
                    i,
                    FileRange {
                        start,
                        end: start + PAGE_SIZE,
                    },
                );
            }
            idx = run_end;
        }
        Ok(())
    }
}

impl Mappable for HostInode {
    fn add_mapping(
        &self,
        _: &Arc<dyn MappingSpace>,
        _: AddrRange,
        _: u64,
        _: bool,
    ) -> Result<(), MapError> {
        // Cached pages never change and live as long as the inode, which every mapping
        // keeps alive: nothing to track.
        Ok(())
    }

    fn remove_mapping(&self, _: &Arc<dyn MappingSpace>, _: AddrRange, _: u64, _: bool) {}

    fn translate(
        &self,
        required: MappableRange,
        optional: MappableRange,
        at: AccessType,
    ) -> Result<Vec<Translation>, MapError> {
        if at.write {
            return Err(MapError::Denied);
        }
        let mf = self.cache.memory.get().ok_or(MapError::Bus)?;
        let size = self.attr().map_err(|_| MapError::Io)?.size;
        let eof_page = size.div_ceil(PAGE_SIZE);
        if required.start / PAGE_SIZE >= eof_page {
            return Err(MapError::Bus);
        }
        let first = optional.start / PAGE_SIZE;
        let last = (optional.end / PAGE_SIZE).min(eof_page);
        let mut pages = self.cache.pages.lock();
        self.fill(mf, &mut pages, first, last)?;
        let run = (first..last).map(|i| (i, pages[&i]));
        Ok(Translation::of_pages(
            run,
            AccessType::new(true, false, true),
        ))
    }
}
