//! Memory manager tests against a recording fake address space.

use std::any::Any;
use std::sync::Arc;

use parking_lot::Mutex;
use veil_abi::Errno;
use veil_memmap::MemoryFile;
use veil_platform::{AddressSpace, FaultCause, PlatformError, Prot};

use super::*;

/// Records the platform calls the memory manager makes.
#[derive(Default)]
struct FakeSpace {
    calls: Mutex<Vec<String>>,
}

impl AddressSpace for FakeSpace {
    fn map_file(&self, addr: u64, len: u64, offset: u64, prot: Prot) -> Result<(), PlatformError> {
        self.calls.lock().push(format!(
            "map {addr:#x} {len:#x} {offset:#x} {}",
            prot.bits()
        ));
        Ok(())
    }
    fn unmap(&self, addr: u64, len: u64) -> Result<(), PlatformError> {
        self.calls.lock().push(format!("unmap {addr:#x} {len:#x}"));
        Ok(())
    }
    fn protect(&self, addr: u64, len: u64, _: Prot) -> Result<(), PlatformError> {
        self.calls
            .lock()
            .push(format!("protect {addr:#x} {len:#x}"));
        Ok(())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

const RW: Prot = Prot {
    read: true,
    write: true,
    execute: false,
};
const RO: Prot = Prot {
    read: true,
    write: false,
    execute: false,
};

fn mm() -> (MemoryManager, Arc<FakeSpace>) {
    let space = Arc::new(FakeSpace::default());
    let mf = Arc::new(MemoryFile::new(1 << 30).unwrap());
    (MemoryManager::new(space.clone(), mf), space)
}

#[test]
fn anonymous_memory_is_zeroed_and_copies_round_trip() {
    let (mm, _) = mm();
    let a = mm
        .map_anonymous(0, 3 * PAGE_SIZE, RW, false, false, None)
        .unwrap();
    assert!((MIN_USER_ADDRESS..MMAP_BASE).contains(&a));
    let mut buf = [1u8; 16];
    mm.copy_in(a + 4090, &mut buf).unwrap();
    assert_eq!(buf, [0; 16]);
    mm.copy_out(a + 4090, b"across a page!!!").unwrap();
    mm.copy_in(a + 4090, &mut buf).unwrap();
    assert_eq!(&buf, b"across a page!!!");
}

#[test]
fn bad_pointers_are_efault_never_a_panic() {
    let (mm, _) = mm();
    let a = mm
        .map_anonymous(0, PAGE_SIZE, RO, false, false, None)
        .unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(mm.copy_in(16, &mut buf), Err(Errno::EFAULT));
    assert_eq!(mm.copy_in(u64::MAX - 3, &mut buf), Err(Errno::EFAULT));
    assert_eq!(
        mm.copy_in(a + PAGE_SIZE - 4, &mut buf),
        Err(Errno::EFAULT),
        "runs off the mapping"
    );
    assert_eq!(mm.copy_out(a, b"x"), Err(Errno::EFAULT), "read-only memory");
    assert_eq!(mm.copy_string_in(16, 100), Err(Errno::EFAULT));
}

#[test]
fn copy_string_in_stops_at_nul_and_caps_length() {
    let (mm, _) = mm();
    let a = mm
        .map_anonymous(0, 2 * PAGE_SIZE, RW, false, false, None)
        .unwrap();
    mm.copy_out(a + PAGE_SIZE - 3, b"abcdef\0").unwrap();
    assert_eq!(mm.copy_string_in(a + PAGE_SIZE - 3, 10).unwrap(), b"abcdef");
    assert_eq!(
        mm.copy_string_in(a + PAGE_SIZE - 3, 5),
        Err(Errno::ENAMETOOLONG)
    );
}

#[test]
fn munmap_splits_and_refuses_bad_ranges() {
    let (mm, space) = mm();
    let a = mm
        .map_anonymous(0, 4 * PAGE_SIZE, RW, false, false, None)
        .unwrap();
    mm.unmap(a + PAGE_SIZE, PAGE_SIZE).unwrap();
    let vmas = mm.vmas();
    assert_eq!(vmas.len(), 2);
    assert_eq!((vmas[0].start, vmas[0].end), (a, a + PAGE_SIZE));
    assert_eq!(
        (vmas[1].start, vmas[1].end),
        (a + 2 * PAGE_SIZE, a + 4 * PAGE_SIZE)
    );
    assert_eq!(
        vmas[1].offset,
        vmas[0].offset + 2 * PAGE_SIZE,
        "pieces keep their backing"
    );
    assert!(space
        .calls
        .lock()
        .iter()
        .any(|c| c == &format!("unmap {:#x} 0x1000", a + PAGE_SIZE)));
    assert_eq!(mm.unmap(a + 1, PAGE_SIZE), Err(Errno::EINVAL));
    assert_eq!(mm.unmap(a, 0), Err(Errno::EINVAL));
    assert_eq!(mm.unmap(MAX_USER_ADDRESS, PAGE_SIZE), Err(Errno::EINVAL));
    // Unmapping nothing is fine.
    mm.unmap(a + PAGE_SIZE, PAGE_SIZE).unwrap();
}

#[test]
fn mprotect_needs_every_page_mapped_and_drops_installed_pages() {
    let (mm, space) = mm();
    let a = mm
        .map_anonymous(0, 2 * PAGE_SIZE, RW, false, false, None)
        .unwrap();
    assert_eq!(mm.protect(a, 3 * PAGE_SIZE, RO), Err(Errno::ENOMEM));
    mm.protect(a + PAGE_SIZE, PAGE_SIZE, RO).unwrap();
    assert_eq!(mm.copy_out(a + PAGE_SIZE, b"x"), Err(Errno::EFAULT));
    mm.copy_out(a, b"x").unwrap();
    assert_eq!(
        space.calls.lock().last().unwrap(),
        &format!("unmap {:#x} 0x1000", a + PAGE_SIZE)
    );
}

#[test]
fn faults_install_within_the_vma_and_violations_are_sigsegv() {
    let (mm, space) = mm();
    let a = mm
        .map_anonymous(0, 2 * PAGE_SIZE, RW, false, false, None)
        .unwrap();
    mm.handle_fault(a + 5, FaultCause::NotMapped).unwrap();
    let last = space.calls.lock().last().unwrap().clone();
    assert!(last.starts_with(&format!("map {a:#x} 0x2000")), "{last}");
    assert_eq!(mm.handle_fault(16, FaultCause::NotMapped), Err(SEGV_MAPERR));
    assert_eq!(mm.handle_fault(a, FaultCause::Protection), Err(SEGV_ACCERR));
    let none = mm
        .map_anonymous(0, PAGE_SIZE, Prot::default(), false, false, None)
        .unwrap();
    assert_eq!(
        mm.handle_fault(none, FaultCause::NotMapped),
        Err(SEGV_ACCERR)
    );
}

#[test]
fn fixed_noreplace_and_fixed_mappings() {
    let (mm, _) = mm();
    let a = mm
        .map_anonymous(0x1000_0000, PAGE_SIZE, RW, true, false, None)
        .unwrap();
    assert_eq!(a, 0x1000_0000);
    mm.copy_out(a, b"old").unwrap();
    assert_eq!(
        mm.map_anonymous(a, PAGE_SIZE, RW, false, true, None),
        Err(Errno::EEXIST)
    );
    assert_eq!(mm.map_anonymous(a, PAGE_SIZE, RW, true, false, None), Ok(a));
    let mut buf = [9u8; 3];
    mm.copy_in(a, &mut buf).unwrap();
    assert_eq!(buf, [0; 3], "MAP_FIXED replaced the old pages");
    assert_eq!(
        mm.map_anonymous(a + 1, PAGE_SIZE, RW, true, false, None),
        Err(Errno::EINVAL)
    );
}

#[test]
fn brk_grows_shrinks_and_refuses_below_start() {
    let (mm, _) = mm();
    mm.set_brk_start(0x60_0000);
    assert_eq!(mm.brk(0), 0x60_0000);
    assert_eq!(mm.brk(0x60_2010), 0x60_2010);
    mm.copy_out(0x60_2000, b"heap").unwrap();
    assert_eq!(mm.brk(0x60_1000), 0x60_1000);
    assert_eq!(mm.copy_out(0x60_2000, b"heap"), Err(Errno::EFAULT));
    assert_eq!(mm.brk(0x10), 0x60_1000);
}
