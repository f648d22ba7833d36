//! Which pages of guest memory are in memory (`mincore`).

use veil_abi::{Errno, PAGE_SIZE};
use veil_memmap::mapping::{AccessType, MappableRange};

use super::MemoryManager;

impl MemoryManager {
    /// For each page of `[addr, addr+len)` (page-aligned `addr`), whether its memory
    /// is resident: the memory-file page behind it (a private copy, anonymous memory,
    /// or the file's page) is in host memory. A file page the file has no memory for
    /// (beyond its end, or not read yet) is not. `ENOMEM` if any page is unmapped;
    /// protection does not matter, as in Linux.
    pub fn residency(&self, addr: u64, len: u64) -> Result<Vec<bool>, Errno> {
        let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
        let st = self.state.lock();
        if !st.fully_mapped(addr, end) {
            return Err(Errno::ENOMEM);
        }
        let mut out = Vec::with_capacity((len / PAGE_SIZE) as usize);
        let mut page = addr;
        while page < end {
            let vma = st.find(page).ok_or(Errno::ENOMEM)?;
            let own = vma.offset_of(page);
            let copied = vma
                .file
                .as_ref()
                .and_then(|f| f.cow.as_ref())
                .is_some_and(|c| c.lock().contains(&own));
            let resident = match &vma.file {
                Some(f) if !copied => {
                    let foff = f.offset + (page - vma.start);
                    let range = MappableRange::new(foff, foff + PAGE_SIZE);
                    match f
                        .mappable
                        .translate(range, range, AccessType::new(true, false, false))
                    {
                        Ok(t) => t
                            .iter()
                            .find(|t| t.source.start <= foff && foff < t.source.end)
                            .is_some_and(|t| {
                                self.mf.resident_pages(t.file_offset_of(foff), PAGE_SIZE)[0]
                            }),
                        Err(_) => false,
                    }
                }
                _ => self.mf.resident_pages(own, PAGE_SIZE)[0],
            };
            out.push(resident);
            page += PAGE_SIZE;
        }
        Ok(out)
    }
}
