//! The memory manager: a guest address space's VMAs, its brk, and the copies between
//! guest memory and the sentry.
//!
//! Every anonymous or private mapping is backed by a range of the memory file allocated
//! when the guest maps it (the memfd is sparse, so untouched pages cost nothing). Pages
//! reach the platform's address space lazily: a guest touch faults, and
//! [`MemoryManager::handle_fault`] installs a window of the VMA around the address.
//!
//! Shared file mappings (`MAP_SHARED` of a file) take their pages from the file, a
//! `Mappable`: a fault asks it to translate the file range into memory-file pages, and
//! the file invalidates those translations through the memory manager's
//! `MappingSpace` when they change (truncate, overlay copy-up).
//!
//! Locking: `MemoryManager::state` guards the VMA set and is held across the platform
//! calls that change the host address space, so the host mappings always agree with
//! the VMAs. Order: `state` → a file's maps lock (`add_mapping`) and `state` → the
//! space's translation lock → the file's own locks (fault: translate and install). A
//! file invalidates with its maps lock held → the translation lock, never `state`.

mod file_mapping;
pub mod lock;
mod private_file;
mod remap;
mod residency;
mod shared_anon;
mod snapshot;
mod space;
mod vma;

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::Mutex;
use veil_abi::{page_down, page_up, Errno, PAGE_SIZE};
use veil_memmap::mapping::{AccessType, AddrRange, MapError, MappableRange, MappingSpace};
use veil_memmap::MemoryFile;
use veil_platform::{AddressSpace, FaultCause, Prot, MAX_USER_ADDRESS};

pub use file_mapping::InodeMappable;
pub use remap::Remap;
use space::MmSpace;
pub use vma::{CowPages, Vma, VmaFile};

/// Lowest address a guest mapping may use (`vm.mmap_min_addr`).
pub const MIN_USER_ADDRESS: u64 = 0x1_0000;
/// Top of the initial stack.
pub const STACK_TOP: u64 = MAX_USER_ADDRESS - 0x100_0000;
/// Size of the initial stack mapping (the default `RLIMIT_STACK`).
pub const STACK_SIZE: u64 = 8 << 20;
/// Where top-down `mmap` placement starts: below the stack and a guard gap.
pub const MMAP_BASE: u64 = STACK_TOP - STACK_SIZE - (128 << 20);
/// Pages installed around a faulting address, at most (within its VMA).
const FAULT_WINDOW: u64 = 64 * PAGE_SIZE;
/// Anonymous memory with at least this much data in it is shared copy-on-write by
/// `fork` (`mm/snapshot.rs`); less is copied at once, which costs less than the two
/// faults per page a shared page takes.
const COW_FORK_MIN_BYTES: u64 = 1 << 20;
/// Longest string `copy_string_in` reads.
pub const PATH_MAX: usize = 4096;

/// Guest access a copy needs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Access {
    /// The sentry reads guest memory (the guest passed an input).
    Read,
    /// The sentry writes guest memory (the guest asked for an output).
    Write,
}

struct MmState {
    /// VMAs keyed by start address; disjoint.
    vmas: BTreeMap<u64, Vma>,
    /// Start of the brk area (end of the loaded image).
    brk_start: u64,
    /// Current program break.
    brk: u64,
    /// Where the argument strings of the initial stack are (`/proc/[pid]/cmdline`).
    args: (u64, u64),
    /// Where the environment strings are (`/proc/[pid]/environ`).
    env: (u64, u64),
    /// `mlockall(MCL_FUTURE)`: new mappings are locked, and populated unless the
    /// value says `MCL_ONFAULT`.
    lock_future: Option<lock::LockMode>,
}

/// A guest address space: its VMAs and the platform address space that mirrors them.
pub struct MemoryManager {
    aspace: Arc<dyn AddressSpace>,
    mf: Arc<MemoryFile>,
    state: Mutex<MmState>,
    /// This address space as files see it.
    space: Arc<MmSpace>,
}

/// Why a fault could not be resolved: the signal and `si_code` the guest gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultSignal {
    /// `SIGSEGV` or `SIGBUS`.
    pub signo: u32,
    /// `SEGV_MAPERR`, `SEGV_ACCERR` or `BUS_ADRERR`.
    pub code: i32,
}

const SEGV_MAPERR: FaultSignal = FaultSignal { signo: 11, code: 1 };
const SEGV_ACCERR: FaultSignal = FaultSignal { signo: 11, code: 2 };
const BUS_ADRERR: FaultSignal = FaultSignal { signo: 7, code: 2 };

/// The result of looking up `[addr, addr+len)`: memory-file pieces in order.
type Pieces = smallvec::SmallVec<[(u64, usize); 4]>;

impl MemoryManager {
    /// An empty memory manager over `aspace`, with guest pages in `mf`.
    pub fn new(aspace: Arc<dyn AddressSpace>, mf: Arc<MemoryFile>) -> MemoryManager {
        MemoryManager {
            space: MmSpace::new(aspace.clone()),
            aspace,
            mf,
            state: Mutex::new(MmState {
                vmas: BTreeMap::new(),
                brk_start: 0,
                brk: 0,
                args: (0, 0),
                env: (0, 0),
                lock_future: None,
            }),
        }
    }

    /// The platform address space, for `Context::switch`.
    pub fn address_space(&self) -> &Arc<dyn AddressSpace> {
        &self.aspace
    }

    /// Records where the loader put the argument and environment strings.
    pub fn set_arg_env(&self, args: (u64, u64), env: (u64, u64)) {
        let mut st = self.state.lock();
        st.args = args;
        st.env = env;
    }

    /// The `[start, end)` of the argument strings.
    pub fn arg_range(&self) -> (u64, u64) {
        self.state.lock().args
    }

    /// The `[start, end)` of the environment strings.
    pub fn env_range(&self) -> (u64, u64) {
        self.state.lock().env
    }

    /// The current program break.
    pub fn brk_value(&self) -> u64 {
        self.state.lock().brk
    }

    /// Sets the start of the brk area (after loading an image).
    pub fn set_brk_start(&self, addr: u64) {
        let mut st = self.state.lock();
        st.brk_start = addr;
        st.brk = addr;
    }

    // ---- mapping ----

    /// Maps `len` bytes of fresh zeroed memory. `addr` is a hint, or the exact place
    /// with `fixed` (replacing what is there) or `noreplace` (failing with `EEXIST`).
    /// Returns the address. `name` labels the VMA in `/proc/self/maps`.
    pub fn map_anonymous(
        &self,
        addr: u64,
        len: u64,
        prot: Prot,
        fixed: bool,
        noreplace: bool,
        name: Option<&'static str>,
    ) -> Result<u64, Errno> {
        let len = page_up(len).ok_or(Errno::ENOMEM)?;
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        let mut st = self.state.lock();
        let start = self.place(&mut st, addr, len, fixed, noreplace)?;
        let backing = self.mf.allocate(len).map_err(|_| Errno::ENOMEM)?;
        let locked = st.lock_future.is_some();
        st.vmas.insert(
            start,
            Vma {
                start,
                end: start + len,
                prot,
                offset: backing.start,
                name,
                file: None,
                locked,
            },
        );
        self.populate_if_locked_future(&st, start, len);
        Ok(start)
    }

    /// Maps `len` bytes of fresh zeroed memory shared (`MAP_SHARED | MAP_ANONYMOUS`):
    /// `fork` children map the same pages. Placement as [`map_anonymous`].
    ///
    /// [`map_anonymous`]: MemoryManager::map_anonymous
    pub fn map_shared_anonymous(
        &self,
        addr: u64,
        len: u64,
        prot: Prot,
        fixed: bool,
        noreplace: bool,
    ) -> Result<u64, Errno> {
        let len = page_up(len).ok_or(Errno::ENOMEM)?;
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        let region =
            shared_anon::SharedAnonymous::new(self.mf.clone(), len).ok_or(Errno::ENOMEM)?;
        let file = VmaFile {
            mappable: Arc::new(region),
            offset: 0,
            may_write: true,
            path: Arc::from("/dev/zero (deleted)"),
            cow: None,
            snapshot: None,
        };
        self.map_shared_file(addr, len, prot, fixed, noreplace, file)
    }

    /// Maps `len` bytes of the file `file` shared, at `addr` as [`map_anonymous`] does.
    /// The pages are the file's: writes through the mapping are writes to the file and
    /// the mapping sees writes made through `write(2)`.
    ///
    /// [`map_anonymous`]: MemoryManager::map_anonymous
    pub fn map_shared_file(
        &self,
        addr: u64,
        len: u64,
        prot: Prot,
        fixed: bool,
        noreplace: bool,
        file: VmaFile,
    ) -> Result<u64, Errno> {
        if prot.write && !file.may_write {
            return Err(Errno::EACCES);
        }
        self.map_file(
            addr,
            len,
            prot,
            fixed,
            noreplace,
            VmaFile { cow: None, ..file },
        )
    }

    /// Maps `len` bytes of the file `file` private (`MAP_PRIVATE`), at `addr` as
    /// [`map_anonymous`] does. Until the guest writes a page, the page is the file's
    /// (installed read-only, so it sees later writes to the file); the first write
    /// copies it into the mapping's own memory. Fails with the file's error if the file
    /// cannot be mapped (the caller then copies the file instead).
    ///
    /// [`map_anonymous`]: MemoryManager::map_anonymous
    pub fn map_private_file(
        &self,
        addr: u64,
        len: u64,
        prot: Prot,
        fixed: bool,
        noreplace: bool,
        file: VmaFile,
    ) -> Result<u64, Errno> {
        let file = VmaFile {
            may_write: false,
            cow: Some(CowPages::default()),
            ..file
        };
        self.map_file(addr, len, prot, fixed, noreplace, file)
    }

    /// Maps a file (shared or private by `file.cow`); see the two callers.
    fn map_file(
        &self,
        addr: u64,
        len: u64,
        prot: Prot,
        fixed: bool,
        noreplace: bool,
        file: VmaFile,
    ) -> Result<u64, Errno> {
        let len = page_up(len).ok_or(Errno::ENOMEM)?;
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        let mut st = self.state.lock();
        let space: Arc<dyn MappingSpace> = self.space.clone();
        // A file that cannot be mapped fails after placement: with MAP_FIXED the old
        // mapping is gone, as the copying fallback would replace it anyway.
        let backing = if file.is_private() {
            Some(self.mf.allocate(len).map_err(|_| Errno::ENOMEM)?)
        } else {
            None
        };
        let start = match self.place(&mut st, addr, len, fixed, noreplace) {
            Ok(start) => start,
            Err(e) => {
                if let Some(b) = backing {
                    self.mf.free(b);
                }
                return Err(e);
            }
        };
        if let Err(e) = file.mappable.add_mapping(
            &space,
            AddrRange::new(start, start + len),
            file.offset,
            file.may_write,
        ) {
            if let Some(b) = backing {
                self.mf.free(b);
            }
            return Err(Errno::from(e));
        }
        let locked = st.lock_future.is_some();
        st.vmas.insert(
            start,
            Vma {
                start,
                end: start + len,
                prot,
                offset: backing.map_or(0, |b| b.start),
                name: None,
                file: Some(file),
                locked,
            },
        );
        self.populate_if_locked_future(&st, start, len);
        Ok(start)
    }

    /// Chooses where a new mapping of `len` bytes goes (see [`map_anonymous`]),
    /// unmapping what `fixed` replaces.
    ///
    /// [`map_anonymous`]: MemoryManager::map_anonymous
    fn place(
        &self,
        st: &mut MmState,
        addr: u64,
        len: u64,
        fixed: bool,
        noreplace: bool,
    ) -> Result<u64, Errno> {
        if fixed || noreplace {
            if !addr.is_multiple_of(PAGE_SIZE) {
                return Err(Errno::EINVAL);
            }
            let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
            if addr < MIN_USER_ADDRESS || end > MAX_USER_ADDRESS {
                return Err(if noreplace {
                    Errno::ENOMEM
                } else {
                    Errno::EPERM
                });
            }
            if noreplace && st.overlaps(addr, end) {
                return Err(Errno::EEXIST);
            }
            self.unmap_locked(st, addr, end)?;
            Ok(addr)
        } else {
            st.find_gap(page_down(addr), len).ok_or(Errno::ENOMEM)
        }
    }

    /// Forgets a VMA that left the address space: tells its file, and frees its
    /// memory.
    fn release(&self, vma: &Vma) {
        self.release_file(vma);
        self.free_backing(vma);
    }

    /// Tells a file mapping's file that the VMA no longer maps it.
    fn release_file(&self, vma: &Vma) {
        if let Some(f) = &vma.file {
            let space: Arc<dyn MappingSpace> = self.space.clone();
            f.mappable.remove_mapping(
                &space,
                AddrRange::new(vma.start, vma.end),
                f.offset,
                f.may_write,
            );
        }
    }

    /// Frees the VMA's own memory (anonymous memory, a private file mapping's copies).
    fn free_backing(&self, vma: &Vma) {
        let backing = vma.backing();
        if backing.start == backing.end {
            return;
        }
        if let Some(cow) = vma.file.as_ref().and_then(|f| f.cow.as_ref()) {
            let mut cow = cow.lock();
            let gone: Vec<u64> = cow.range(backing.start..backing.end).copied().collect();
            for page in gone {
                cow.remove(&page);
            }
        }
        self.mf.free(backing);
    }

    /// Removes every mapping in `[addr, addr+len)` (`munmap`).
    pub fn unmap(&self, addr: u64, len: u64) -> Result<(), Errno> {
        if !addr.is_multiple_of(PAGE_SIZE) || len == 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_up(len).ok_or(Errno::EINVAL)?;
        let end = addr.checked_add(len).ok_or(Errno::EINVAL)?;
        if end > MAX_USER_ADDRESS {
            return Err(Errno::EINVAL);
        }
        let mut st = self.state.lock();
        self.unmap_locked(&mut st, addr, end)
    }

    fn unmap_locked(&self, st: &mut MmState, start: u64, end: u64) -> Result<(), Errno> {
        if start >= end || !st.overlaps(start, end) {
            return Ok(());
        }
        for vma in st.carve(start, end) {
            self.release(&vma);
        }
        self.aspace
            .unmap(start, end - start)
            .map_err(platform_errno)
    }

    /// Changes the protection of `[addr, addr+len)` (`mprotect`). Every page of the
    /// range must be mapped, else `ENOMEM` and nothing changes.
    pub fn protect(&self, addr: u64, len: u64, prot: Prot) -> Result<(), Errno> {
        if !addr.is_multiple_of(PAGE_SIZE) {
            return Err(Errno::EINVAL);
        }
        let len = page_up(len).ok_or(Errno::ENOMEM)?;
        if len == 0 {
            return Ok(());
        }
        let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
        let mut st = self.state.lock();
        if !st.fully_mapped(addr, end) {
            return Err(Errno::ENOMEM);
        }
        if prot.write
            && st
                .vmas
                .range(..end)
                .rev()
                .take_while(|(_, v)| v.end > addr)
                .any(|(_, v)| {
                    v.file
                        .as_ref()
                        .is_some_and(|f| !f.may_write && !f.is_private())
                })
        {
            // A shared mapping of a file opened read-only can never be made writable.
            return Err(Errno::EACCES);
        }
        let mut pieces = st.carve(addr, end);
        for v in &mut pieces {
            v.prot = prot;
        }
        for v in pieces {
            st.vmas.insert(v.start, v);
        }
        // Drop installed pages; the next touch refaults them with the new protection.
        self.aspace.unmap(addr, len).map_err(platform_errno)
    }

    /// A copy of this address space in `aspace`, for `fork`: anonymous memory and the
    /// copied pages of private file mappings are copied (holes stay holes), file
    /// mappings map the same file.
    /// `ENOMEM` if the memory file is full.
    pub fn fork_into(&self, aspace: Arc<dyn AddressSpace>) -> Result<MemoryManager, Errno> {
        let child = MemoryManager::new(aspace, self.mf.clone());
        let mut st = self.state.lock();
        let mut now_shared = Vec::new();
        {
            let mut cst = child.state.lock();
            let child_space: Arc<dyn MappingSpace> = child.space.clone();
            let keys: Vec<u64> = st.vmas.keys().copied().collect();
            for key in keys {
                let Some(vma) = st.vmas.get_mut(&key) else {
                    continue;
                };
                let copy = match &vma.file {
                    Some(f) if f.is_private() => self.fork_private_file(vma, f, &child_space)?,
                    Some(f) => {
                        f.mappable
                            .add_mapping(
                                &child_space,
                                AddrRange::new(vma.start, vma.end),
                                f.offset,
                                f.may_write,
                            )
                            .map_err(Errno::from)?;
                        vma.clone()
                    }
                    // Anonymous memory with much data in it is shared copy-on-write
                    // from now on; a little is cheaper to copy than to fault in twice.
                    None if self.mf.resident_bytes_in(vma.backing()) >= COW_FORK_MIN_BYTES => {
                        now_shared.push((vma.start, vma.end));
                        self.fork_anonymous(vma)?
                    }
                    None => {
                        let len = vma.end - vma.start;
                        let r = self.mf.allocate(len).map_err(|_| Errno::ENOMEM)?;
                        self.mf.copy_range(vma.offset, r.start, len);
                        Vma {
                            offset: r.start,
                            ..vma.clone()
                        }
                    }
                };
                // Locks are not inherited (Linux clears VM_LOCKED in the child).
                cst.vmas.insert(
                    copy.start,
                    Vma {
                        locked: false,
                        ..copy
                    },
                );
            }
            cst.brk_start = st.brk_start;
            cst.brk = st.brk;
            cst.args = st.args;
            cst.env = st.env;
        }
        // The parent's pages there were installed writable: from now on they are the
        // snapshot's, to be faulted in read-only.
        for (start, end) in now_shared {
            self.aspace
                .unmap(start, end - start)
                .map_err(platform_errno)?;
        }
        drop(st);
        Ok(child)
    }

    /// Zeroes the anonymous pages of `[addr, addr+len)` and gives their memory back
    /// (`MADV_DONTNEED`). `ENOMEM` if part of the range is unmapped.
    pub fn decommit(&self, addr: u64, len: u64) -> Result<(), Errno> {
        let end = addr.checked_add(len).ok_or(Errno::EINVAL)?;
        let st = self.state.lock();
        if !st.fully_mapped(addr, end) {
            return Err(Errno::ENOMEM);
        }
        let mut cur = addr;
        while cur < end {
            let Some(vma) = st.find(cur) else { break };
            let stop = end.min(vma.end);
            // A shared file mapping keeps its data in the file: only the installed pages
            // go (they refault from the file). A private one drops its copies and
            // reads the file again.
            if !vma.is_shared_file() {
                let range = veil_memmap::FileRange {
                    start: vma.offset_of(cur),
                    end: vma.offset_of(stop),
                };
                match vma.file.as_ref() {
                    // Anonymous memory reads zeroes afterwards: the pages become the
                    // VMA's own (zeroed) copies rather than the snapshot's.
                    Some(f) if f.is_snapshot() => {
                        if let Some(cow) = &f.cow {
                            let mut cow = cow.lock();
                            let mut page = range.start;
                            while page < range.end {
                                cow.insert(page);
                                page += PAGE_SIZE;
                            }
                        }
                    }
                    Some(f) => {
                        if let Some(cow) = &f.cow {
                            let mut cow = cow.lock();
                            let gone: Vec<u64> =
                                cow.range(range.start..range.end).copied().collect();
                            for page in gone {
                                cow.remove(&page);
                            }
                        }
                    }
                    None => {}
                }
                self.mf.decommit(range);
            }
            cur = stop;
        }
        self.aspace.unmap(addr, len).map_err(platform_errno)
    }

    /// `ENOMEM` unless every page of `[addr, addr+len)` is mapped.
    pub fn check_mapped(&self, addr: u64, len: u64) -> Result<(), Errno> {
        let end = addr.checked_add(len).ok_or(Errno::EINVAL)?;
        if self.state.lock().fully_mapped(addr, end) {
            Ok(())
        } else {
            Err(Errno::ENOMEM)
        }
    }

    /// `brk`: moves the program break to `new` if possible; returns the break.
    pub fn brk(&self, new: u64) -> u64 {
        let mut st = self.state.lock();
        let (start, old) = (st.brk_start, st.brk);
        if new < start {
            return old;
        }
        let (Some(old_top), Some(new_top)) = (page_up(old), page_up(new)) else {
            return old;
        };
        if new_top > old_top {
            if new_top > MMAP_BASE || st.overlaps(old_top, new_top) {
                return old;
            }
            let Ok(backing) = self.mf.allocate(new_top - old_top) else {
                return old;
            };
            let prot = Prot {
                read: true,
                write: true,
                execute: false,
            };
            let locked = st.lock_future.is_some();
            st.vmas.insert(
                old_top,
                Vma {
                    start: old_top,
                    end: new_top,
                    prot,
                    offset: backing.start,
                    name: Some("[heap]"),
                    file: None,
                    locked,
                },
            );
        } else if new_top < old_top && self.unmap_locked(&mut st, new_top, old_top).is_err() {
            return old;
        }
        st.brk = new;
        new
    }

    /// Handles a guest page fault at `addr`: installs the VMA's pages around it.
    /// Returns the signal the guest must get instead when the access is not allowed
    /// (`SIGSEGV`) or the file has no page there (`SIGBUS`).
    pub fn handle_fault(&self, addr: u64, cause: FaultCause) -> Result<(), FaultSignal> {
        let mut st = self.state.lock();
        // A write to a snapshot nobody else maps any more: take the memory back.
        // The guest retries its write and faults the page in writable.
        if cause == FaultCause::Protection && self.try_collapse(&mut st, addr) {
            return Ok(());
        }
        let Some(vma) = st.find(addr) else {
            return Err(SEGV_MAPERR);
        };
        // We install with the VMA's full protection (but a private file mapping's file
        // pages, read-only until copied), so a protection fault is a real violation,
        // and so is any touch of a PROT_NONE VMA.
        let cow_write = cause == FaultCause::Protection
            && vma.prot.write
            && vma.file.as_ref().is_some_and(VmaFile::is_private);
        if (cause == FaultCause::Protection && !cow_write) || vma.prot == Prot::default() {
            return Err(SEGV_ACCERR);
        }
        let page = page_down(addr);
        let win_start = page_down(page.saturating_sub(FAULT_WINDOW / 2)).max(vma.start);
        let win_end = (win_start + FAULT_WINDOW).min(vma.end);
        if vma.file.as_ref().is_some_and(VmaFile::is_private) {
            return self.fault_private_file(vma, page, win_start, win_end, cause);
        }
        let Some(file) = &vma.file else {
            return self
                .aspace
                .map_file(
                    win_start,
                    win_end - win_start,
                    vma.offset_of(win_start),
                    vma.prot,
                )
                .map_err(|e| {
                    tracing::error!("installing {win_start:#x}..{win_end:#x}: {e}");
                    SEGV_ACCERR
                });
        };
        // Translate and install under the translation lock, so that an invalidation by
        // the file cannot fall between the two and leave a stale page installed.
        let _t = self.space.translation.lock();
        let at = AccessType::new(vma.prot.read || vma.prot.execute, vma.prot.write, false);
        let foff = |a: u64| file.offset + (a - vma.start);
        let required = MappableRange::new(foff(page), foff(page) + PAGE_SIZE);
        let optional = MappableRange::new(foff(win_start), foff(win_end));
        let translations =
            file.mappable
                .translate(required, optional, at)
                .map_err(|e| match e {
                    MapError::Bus => BUS_ADRERR,
                    _ => SEGV_ACCERR,
                })?;
        for t in translations {
            let at_addr = vma.start + (t.source.start - file.offset);
            let prot = Prot {
                read: vma.prot.read && t.perms.read,
                write: vma.prot.write && t.perms.write,
                execute: vma.prot.execute && (t.perms.execute || t.perms.read),
            };
            self.aspace
                .map_file(at_addr, t.source.len(), t.file.start, prot)
                .map_err(|e| {
                    tracing::error!("installing file pages at {at_addr:#x}: {e}");
                    SEGV_ACCERR
                })?;
        }
        Ok(())
    }

    // ---- copies ----

    /// Translates `[addr, addr+len)` into memory-file pieces, checking that every byte
    /// is mapped with `access`.
    fn translate(
        &self,
        st: &MmState,
        addr: u64,
        len: usize,
        access: Access,
    ) -> Result<Pieces, Errno> {
        let mut pieces = Pieces::new();
        let end = addr.checked_add(len as u64).ok_or(Errno::EFAULT)?;
        let mut cur = addr;
        while cur < end {
            let vma = st.find(cur).ok_or(Errno::EFAULT)?;
            let allowed = match access {
                Access::Read => vma.prot.read,
                Access::Write => vma.prot.write,
            };
            if !allowed {
                return Err(Errno::EFAULT);
            }
            let stop = end.min(vma.end);
            match &vma.file {
                None => pieces.push((vma.offset_of(cur), (stop - cur) as usize)),
                Some(f) if f.is_private() => {
                    self.translate_private_file(vma, f, cur, stop, access, &mut pieces)?
                }
                Some(f) => {
                    let at = AccessType::new(true, access == Access::Write, false);
                    let foff = |a: u64| f.offset + (a - vma.start);
                    let mr = MappableRange::new(
                        page_down(foff(cur)),
                        page_up(foff(stop)).ok_or(Errno::EFAULT)?,
                    );
                    for t in f
                        .mappable
                        .translate(mr, mr, at)
                        .map_err(|_| Errno::EFAULT)?
                    {
                        let lo = t.source.start.max(foff(cur));
                        let hi = t.source.end.min(foff(stop));
                        if lo < hi {
                            pieces.push((t.file_offset_of(lo), (hi - lo) as usize));
                        }
                    }
                }
            }
            cur = stop;
        }
        Ok(pieces)
    }

    /// Copies guest memory at `addr` into `dst`; `EFAULT` if any byte is unreadable.
    pub fn copy_in(&self, addr: u64, dst: &mut [u8]) -> Result<(), Errno> {
        let st = self.state.lock();
        let mut done = 0;
        for (off, n) in self.translate(&st, addr, dst.len(), Access::Read)? {
            self.mf.read(off, &mut dst[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Copies `src` to guest memory at `addr`; `EFAULT` (and nothing written) if any
    /// byte is not writable by the guest.
    pub fn copy_out(&self, addr: u64, src: &[u8]) -> Result<(), Errno> {
        let st = self.state.lock();
        let mut done = 0;
        for (off, n) in self.translate(&st, addr, src.len(), Access::Write)? {
            self.mf.write(off, &src[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Writes `src` at `addr` regardless of protection (the loader filling a read-only
    /// segment). `EFAULT` if unmapped or not anonymous memory.
    pub fn poke(&self, addr: u64, src: &[u8]) -> Result<(), Errno> {
        let st = self.state.lock();
        let end = addr.checked_add(src.len() as u64).ok_or(Errno::EFAULT)?;
        let mut cur = addr;
        while cur < end {
            let vma = st.find(cur).ok_or(Errno::EFAULT)?;
            if vma.file.is_some() {
                return Err(Errno::EFAULT);
            }
            let stop = end.min(vma.end);
            let from = (cur - addr) as usize;
            self.mf
                .write(vma.offset_of(cur), &src[from..from + (stop - cur) as usize]);
            cur = stop;
        }
        Ok(())
    }

    /// Checks that `[addr, addr+len)` is accessible for `access` without copying.
    pub fn check(&self, addr: u64, len: usize, access: Access) -> Result<(), Errno> {
        let st = self.state.lock();
        self.translate(&st, addr, len, access).map(|_| ())
    }

    /// Reads a plain-old-data value from guest memory.
    pub fn read_obj<T: bytemuck::Pod>(&self, addr: u64) -> Result<T, Errno> {
        let mut v = T::zeroed();
        self.copy_in(addr, bytemuck::bytes_of_mut(&mut v))?;
        Ok(v)
    }

    /// Writes a plain-old-data value to guest memory.
    pub fn write_obj<T: bytemuck::Pod>(&self, addr: u64, v: &T) -> Result<(), Errno> {
        self.copy_out(addr, bytemuck::bytes_of(v))
    }

    /// Reads a NUL-terminated string of at most `max` bytes (without the NUL) at
    /// `addr`. `ENAMETOOLONG` if there is no NUL within `max` bytes, `EFAULT` if the
    /// memory before the NUL is unreadable.
    pub fn copy_string_in(&self, addr: u64, max: usize) -> Result<Vec<u8>, Errno> {
        let mut out = Vec::new();
        let mut cur = addr;
        loop {
            // Read up to the end of the current page at a time.
            let chunk = (PAGE_SIZE - cur % PAGE_SIZE) as usize;
            let mut buf = vec![0u8; chunk];
            self.copy_in(cur, &mut buf)?;
            if let Some(nul) = buf.iter().position(|&c| c == 0) {
                out.extend_from_slice(&buf[..nul]);
                if out.len() > max {
                    return Err(Errno::ENAMETOOLONG);
                }
                return Ok(out);
            }
            out.extend_from_slice(&buf);
            if out.len() > max {
                return Err(Errno::ENAMETOOLONG);
            }
            cur = cur.checked_add(chunk as u64).ok_or(Errno::EFAULT)?;
        }
    }

    /// The 32-bit word at `addr` as an atomic in the memory file, and its memory-file
    /// offset (the futex key). `EFAULT` if unreadable, `EINVAL` if misaligned.
    pub fn futex_word(&self, addr: u64) -> Result<(u64, &std::sync::atomic::AtomicU32), Errno> {
        if !addr.is_multiple_of(4) {
            return Err(Errno::EINVAL);
        }
        let st = self.state.lock();
        // A futex word in writable memory may be written (FUTEX_WAKE_OP, PI futexes):
        // a private file page is copied first, so the file never changes.
        let access = match st.find(addr) {
            Some(v) if v.prot.write => Access::Write,
            _ => Access::Read,
        };
        let pieces = self.translate(&st, addr, 4, access)?;
        let off = pieces[0].0;
        Ok((off, self.mf.atomic_u32(off)))
    }

    /// The VMAs, for `/proc/self/maps` and tests.
    pub fn vmas(&self) -> Vec<Vma> {
        self.state.lock().vmas.values().cloned().collect()
    }

    /// Bytes mapped in all VMAs (what the sentry reports as resident: it does not
    /// track which pages are).
    pub fn mapped_bytes(&self) -> u64 {
        self.state
            .lock()
            .vmas
            .values()
            .map(|v| v.end - v.start)
            .sum()
    }
}

impl Drop for MemoryManager {
    fn drop(&mut self) {
        let vmas = std::mem::take(&mut self.state.get_mut().vmas);
        for vma in vmas.into_values() {
            self.release(&vma);
        }
    }
}

impl MmState {
    fn find(&self, addr: u64) -> Option<&Vma> {
        self.vmas
            .range(..=addr)
            .next_back()
            .map(|(_, v)| v)
            .filter(|v| addr < v.end)
    }

    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.vmas
            .range(..end)
            .next_back()
            .is_some_and(|(_, v)| v.end > start)
    }

    fn fully_mapped(&self, start: u64, end: u64) -> bool {
        let mut cur = start;
        while cur < end {
            match self.find(cur) {
                Some(v) => cur = v.end,
                None => return false,
            }
        }
        true
    }

    /// Removes `[start, end)` from the VMA set, splitting VMAs that straddle its edges,
    /// and returns the removed pieces.
    fn carve(&mut self, start: u64, end: u64) -> Vec<Vma> {
        let keys: Vec<u64> = self
            .vmas
            .range(..end)
            .rev()
            .take_while(|(_, v)| v.end > start)
            .map(|(&k, _)| k)
            .collect();
        let mut removed = Vec::new();
        for k in keys.into_iter().rev() {
            let Some(v) = self.vmas.remove(&k) else {
                continue;
            };
            let (before, middle, after) = v.split3(start, end);
            if let Some(b) = before {
                self.vmas.insert(b.start, b);
            }
            if let Some(a) = after {
                self.vmas.insert(a.start, a);
            }
            removed.extend(middle);
        }
        removed
    }

    /// Finds `len` free bytes: at `hint` if free, else the highest gap below
    /// `MMAP_BASE` (top-down, like Linux).
    fn find_gap(&self, hint: u64, len: u64) -> Option<u64> {
        if hint >= MIN_USER_ADDRESS
            && hint.checked_add(len).is_some_and(|e| e <= MAX_USER_ADDRESS)
            && !self.overlaps(hint, hint + len)
        {
            return Some(hint);
        }
        let mut top = MMAP_BASE;
        for (_, v) in self.vmas.range(..MMAP_BASE).rev() {
            if v.end <= top && top - v.end >= len {
                return Some(top - len);
            }
            top = top.min(v.start);
        }
        (top >= MIN_USER_ADDRESS + len).then(|| top - len)
    }
}

/// Maps a platform failure to the errno the guest sees for a memory operation.
fn platform_errno(e: veil_platform::PlatformError) -> Errno {
    tracing::error!("address space operation failed: {e}");
    Errno::ENOMEM
}

#[cfg(test)]
mod tests;
