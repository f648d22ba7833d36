//! The mapping contract between memory managers and files (gVisor's `pkg/sentry/memmap`).
//!
//! Three roles meet here:
//!
//! * a [`Mappable`] is something that can be mapped into guest memory — a file. The
//!   memory manager tells it when a range of it is mapped or unmapped
//!   ([`Mappable::add_mapping`], [`Mappable::remove_mapping`],
//!   [`Mappable::copy_mapping`]) and asks it, on a fault, which memory-file pages back a
//!   range of its offsets ([`Mappable::translate`]);
//! * a [`MappingSpace`] is something that maps — a memory manager. A Mappable calls
//!   [`MappingSpace::invalidate`] when translations it handed out are no longer valid
//!   (truncate, copy-up, hole punching);
//! * a [`MappingSet`] is the bookkeeping every Mappable keeps to do that: which spaces
//!   map which of its offsets, at which guest addresses, writable or not.
//!
//! Offsets into a Mappable are [`MappableRange`]s, guest addresses are [`AddrRange`]s and
//! memory-file offsets are [`FileRange`]s; the three never mix without explicit
//! arithmetic.
//!
//! # Locking
//!
//! The order, outermost first (a thread holding a lock may only take locks below it):
//!
//! ```text
//! MemoryManager mapping lock (VMAs)          taken by the MM around add/remove/copy/translate
//!   Mappable maps lock (owns its MappingSet) taken by the Mappable inside those calls
//!     MemoryManager translation lock         taken by MappingSpace::invalidate
//! ```
//!
//! A [`MappingSet`] is not internally locked: it lives under its Mappable's maps lock, and
//! [`MappingSet::invalidate`] calls [`MappingSpace::invalidate`] with that lock held.
//!
//! This module has no `unsafe`.
#![forbid(unsafe_code)]

mod set;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

use veil_abi::{Errno, PAGE_SIZE};

use crate::{FileRange, MemoryFileError};

pub use set::{Mapping, MappingSet};

/// Defines a half-open `[start, end)` range of `u64`s with the same helpers for each
/// address kind, so that the kinds stay distinct types.
macro_rules! range_type {
    ($(#[$meta:meta])* $name:ident, $unit:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name {
            #[doc = concat!("First ", $unit, ", page-aligned.")]
            pub start: u64,
            #[doc = concat!("One past the last ", $unit, ", page-aligned; `end >= start`.")]
            pub end: u64,
        }

        impl $name {
            /// The range `[start, end)`. Precondition: `start <= end` (a range with
            /// `start > end` behaves as empty).
            pub const fn new(start: u64, end: u64) -> Self {
                Self { start, end }
            }

            /// The length of the range in bytes (0 for an empty or malformed range).
            pub const fn len(&self) -> u64 {
                self.end.saturating_sub(self.start)
            }

            /// Whether the range holds nothing.
            pub const fn is_empty(&self) -> bool {
                self.start >= self.end
            }

            /// Whether `x` lies in the range.
            pub const fn contains(&self, x: u64) -> bool {
                self.start <= x && x < self.end
            }

            /// Whether `other` lies entirely inside this range. An empty `other` is a
            /// subset of anything.
            pub const fn is_superset_of(&self, other: Self) -> bool {
                other.is_empty() || (self.start <= other.start && other.end <= self.end)
            }

            /// Whether the two ranges share at least one byte (empty ranges overlap
            /// nothing).
            pub const fn overlaps(&self, other: Self) -> bool {
                self.start < other.end && other.start < self.end
            }

            /// The bytes the two ranges share. When they share none the result is empty
            /// (and its `start` is unspecified).
            pub fn intersect(&self, other: Self) -> Self {
                let start = self.start.max(other.start);
                let end = self.end.min(other.end).max(start);
                Self { start, end }
            }

            /// Whether both bounds are multiples of the page size.
            pub const fn is_page_aligned(&self) -> bool {
                self.start % PAGE_SIZE == 0 && self.end % PAGE_SIZE == 0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "[{:#x}, {:#x})", self.start, self.end)
            }
        }
    };
}

range_type!(
    /// A range `[start, end)` of offsets into a [`Mappable`] (for a file: file offsets).
    MappableRange,
    "offset"
);

range_type!(
    /// A range `[start, end)` of guest virtual addresses in one [`MappingSpace`].
    AddrRange,
    "address"
);

impl MappableRange {
    /// The offsets `[offset, offset + ar.len())` that a mapping of `ar` at `offset` maps.
    ///
    /// Precondition: `offset + ar.len()` does not overflow (the memory manager rejects
    /// such `mmap` calls with `EOVERFLOW`); the end saturates at `u64::MAX` otherwise.
    pub const fn for_mapping(ar: AddrRange, offset: u64) -> Self {
        Self {
            start: offset,
            end: offset.saturating_add(ar.len()),
        }
    }
}

/// A set of access kinds: what a fault asks for ([`Mappable::translate`]'s `at`) or what
/// a translation allows ([`Translation::perms`]).
///
/// Deliberately this crate's own type: `memmap` must not depend on `platform`, whose
/// protection type the memory manager converts to and from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AccessType {
    /// Reading is asked for / allowed.
    pub read: bool,
    /// Writing is asked for / allowed.
    pub write: bool,
    /// Executing is asked for / allowed.
    pub execute: bool,
}

impl AccessType {
    /// No access.
    pub const NONE: AccessType = AccessType::new(false, false, false);
    /// Read only.
    pub const READ: AccessType = AccessType::new(true, false, false);
    /// Write only (x86 pages that are writable are also readable; see [`Self::READ_WRITE`]).
    pub const WRITE: AccessType = AccessType::new(false, true, false);
    /// Execute only.
    pub const EXECUTE: AccessType = AccessType::new(false, false, true);
    /// Read and write.
    pub const READ_WRITE: AccessType = AccessType::new(true, true, false);
    /// Read, write and execute.
    pub const ANY: AccessType = AccessType::new(true, true, true);

    /// The access set with exactly the given kinds.
    pub const fn new(read: bool, write: bool, execute: bool) -> Self {
        AccessType {
            read,
            write,
            execute,
        }
    }

    /// Whether no kind of access is in the set.
    pub const fn is_none(&self) -> bool {
        !self.read && !self.write && !self.execute
    }

    /// The kinds in either set.
    pub const fn union(self, other: Self) -> Self {
        AccessType::new(
            self.read || other.read,
            self.write || other.write,
            self.execute || other.execute,
        )
    }

    /// The kinds in both sets.
    pub const fn intersect(self, other: Self) -> Self {
        AccessType::new(
            self.read && other.read,
            self.write && other.write,
            self.execute && other.execute,
        )
    }

    /// Whether every kind in `other` is also in `self` (a translation with perms `self`
    /// satisfies an access `other`).
    pub const fn is_superset_of(&self, other: Self) -> bool {
        (self.read || !other.read)
            && (self.write || !other.write)
            && (self.execute || !other.execute)
    }
}

impl fmt::Display for AccessType {
    /// `rwx`-style, as in `/proc/self/maps`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = |on: bool, c: char| if on { c } else { '-' };
        write!(
            f,
            "{}{}{}",
            flag(self.read, 'r'),
            flag(self.write, 'w'),
            flag(self.execute, 'x')
        )
    }
}

/// What a [`Mappable::translate`] returns for part of a range: the Mappable's offsets
/// `source` are backed by the memory-file offsets `file`, and may be mapped with at most
/// `perms`.
///
/// Invariant: `source.len() == file.len()`, both page-aligned and non-empty. The
/// translation stays valid until the Mappable invalidates (part of) `source` through
/// [`MappingSpace::invalidate`]; the memory manager must not use it afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Translation {
    /// The Mappable's offsets this translation covers.
    pub source: MappableRange,
    /// The memory-file offsets backing `source`, byte for byte.
    pub file: FileRange,
    /// The most access the memory manager may install for these pages (further limited
    /// by the VMA's protection; a private mapping never installs `write` on them: the
    /// memory manager copies on write).
    pub perms: AccessType,
}

impl Translation {
    /// The memory-file offset backing the Mappable offset `offset`.
    ///
    /// Precondition: `source.contains(offset)`.
    pub const fn file_offset_of(&self, offset: u64) -> u64 {
        self.file.start + (offset - self.source.start)
    }
}

impl Translation {
    /// Translations of whole pages `(index, one-page memory-file range)`, given in
    /// index order, with neighbours whose offsets and memory-file pages both follow
    /// on merged into one translation (fewer host mappings for the memory manager).
    pub fn of_pages(
        pages: impl IntoIterator<Item = (u64, FileRange)>,
        perms: AccessType,
    ) -> Vec<Translation> {
        let page = veil_abi::PAGE_SIZE;
        let mut out: Vec<Translation> = Vec::new();
        for (i, f) in pages {
            let src = MappableRange::new(i * page, (i + 1) * page);
            match out.last_mut() {
                Some(t) if t.source.end == src.start && t.file.end == f.start => {
                    t.source = MappableRange::new(t.source.start, src.end);
                    t.file = FileRange {
                        start: t.file.start,
                        end: f.end,
                    };
                }
                _ => out.push(Translation {
                    source: src,
                    file: f,
                    perms,
                }),
            }
        }
        out
    }
}

/// Options for [`MappingSpace::invalidate`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct InvalidateOpts {
    /// Also drop private copy-on-write copies the space made of the invalidated pages,
    /// not only its translations of the Mappable's pages. True when the pages no longer
    /// exist (truncate, hole punching: touching them must now raise `SIGBUS` or read
    /// zeroes); false when only their backing moved (copy-up), where private copies stay
    /// the process's own data.
    pub invalidate_private: bool,
}

/// Why a mapping or translation failed. Each variant is an errno (see [`MapError::errno`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum MapError {
    /// The access is not valid for this range (`EFAULT`; a fault becomes `SIGSEGV`).
    #[error("bad address")]
    Fault,
    /// Backing memory could not be allocated (`ENOMEM`).
    #[error("out of memory")]
    OutOfMemory,
    /// The offsets lie beyond the end of the file (`EFAULT` to a syscall; a fault becomes
    /// `SIGBUS`, as in Linux).
    #[error("access beyond end of file")]
    Bus,
    /// The Mappable refuses this mapping, e.g. a writable mapping of a write-sealed memfd
    /// (`EPERM`).
    #[error("mapping not permitted")]
    Denied,
    /// Reading the backing store (a host file) failed (`EIO`; a fault becomes `SIGBUS`).
    #[error("i/o error filling the mapping")]
    Io,
}

impl MapError {
    /// The errno a system call returns for this error.
    pub const fn errno(self) -> Errno {
        match self {
            MapError::Fault | MapError::Bus => Errno::EFAULT,
            MapError::OutOfMemory => Errno::ENOMEM,
            MapError::Denied => Errno::EPERM,
            MapError::Io => Errno::EIO,
        }
    }

    /// Whether a guest fault that hit this error is delivered as `SIGBUS` (rather than
    /// `SIGSEGV`).
    pub const fn is_bus(self) -> bool {
        matches!(self, MapError::Bus | MapError::Io)
    }
}

impl From<MapError> for Errno {
    fn from(e: MapError) -> Errno {
        e.errno()
    }
}

impl From<MemoryFileError> for MapError {
    /// Any memory-file failure while translating means no memory for the page.
    fn from(_: MemoryFileError) -> MapError {
        MapError::OutOfMemory
    }
}

/// Something that maps [`Mappable`]s into guest memory: a memory manager.
///
/// Implementations are shared as `Arc<dyn MappingSpace>` and stored in the
/// [`MappingSet`]s of every file they map.
pub trait MappingSpace: Send + Sync {
    /// Drops every translation this space installed for the guest addresses `ar`
    /// (page-aligned, non-empty), and with `opts.invalidate_private` also the private
    /// copy-on-write pages it made there. The VMAs stay: the next touch faults and is
    /// translated again.
    ///
    /// Locking: called with the calling Mappable's maps lock held (see the module's lock
    /// order). An implementation must take only locks ordered after it — its translation
    /// lock, not its VMA lock — and must not call back into any Mappable.
    fn invalidate(&self, ar: AddrRange, opts: InvalidateOpts);

    /// This space's identity: distinct for every live space and fixed for its lifetime
    /// (e.g. from a global counter). [`MappingSet`] tells spaces apart by it alone.
    fn id(&self) -> u64;
}

/// Something that can be mapped into guest memory: a file (or anonymous shared memory).
///
/// Every implementation keeps a [`MappingSet`] under its own maps lock, updated by
/// `add_mapping`/`remove_mapping`/`copy_mapping`, and invalidates through it whenever
/// translations it handed out stop being valid.
///
/// Common preconditions: address ranges and offsets are page-aligned; `offset +
/// ar.len()` does not overflow. Callers (memory managers) hold their VMA lock across
/// these calls; the Mappable takes its maps lock inside.
pub trait Mappable: Send + Sync {
    /// Records that `space` now maps the offsets `[offset, offset + ar.len())` at the
    /// addresses `ar`; `writable` when the mapping is shared and may be written through
    /// (private mappings are never writable here: their writes go to private copies).
    ///
    /// Precondition: `ar` is non-empty and `space` maps nothing else at `ar`.
    fn add_mapping(
        &self,
        space: &Arc<dyn MappingSpace>,
        ar: AddrRange,
        offset: u64,
        writable: bool,
    ) -> Result<(), MapError>;

    /// Records that `space` no longer maps `ar`, undoing (part of) an earlier
    /// `add_mapping` with the same `space`, `writable` and address↔offset correspondence
    /// (`munmap` of part of a VMA passes the sub-range). Cannot fail.
    fn remove_mapping(
        &self,
        space: &Arc<dyn MappingSpace>,
        ar: AddrRange,
        offset: u64,
        writable: bool,
    );

    /// Records that `space` is copying its mapping at `src_ar` to `dst_ar` (`mremap`, or
    /// `fork` copying a VMA into a new space when `space` is the child); the source is
    /// removed separately with `remove_mapping` if it goes away. `src_ar` and `dst_ar`
    /// may differ in length, and `src_ar` may be empty. `offset` is the offset mapped at
    /// `dst_ar.start`.
    ///
    /// The default treats it as `add_mapping(space, dst_ar, offset, writable)`, which is
    /// right for every Mappable whose translations do not depend on the address.
    fn copy_mapping(
        &self,
        space: &Arc<dyn MappingSpace>,
        src_ar: AddrRange,
        dst_ar: AddrRange,
        offset: u64,
        writable: bool,
    ) -> Result<(), MapError> {
        let _ = src_ar;
        self.add_mapping(space, dst_ar, offset, writable)
    }

    /// Returns translations of the offsets `required`, and of as much of `optional` as
    /// is cheap (the memory manager maps ahead with it), for an access of kind `at`.
    ///
    /// Preconditions: `required` is non-empty, `optional` is a superset of `required`,
    /// both page-aligned; `at` is not empty.
    ///
    /// On success the translations are sorted by `source.start`, do not overlap, lie
    /// within `optional`, together cover all of `required`, and each allows at least
    /// `at`. (For a private mapping the memory manager asks without `write` and copies
    /// the page itself on a write fault.) On error nothing in `required` may be mapped:
    /// [`MapError::Bus`] for offsets beyond end of file, [`MapError::OutOfMemory`] when no
    /// page could be allocated.
    ///
    /// Translations stay valid until the Mappable invalidates them through the
    /// [`MappingSpace`]s in its [`MappingSet`].
    fn translate(
        &self,
        required: MappableRange,
        optional: MappableRange,
        at: AccessType,
    ) -> Result<Vec<Translation>, MapError>;

    /// Invalidates translations that a checkpoint could not save (e.g. of host-file pages
    /// the sentry does not own). The default does nothing: most Mappables hand out only
    /// memory-file pages, which are saved with the memory file.
    fn invalidate_unsavable(&self) -> Result<(), MapError> {
        Ok(())
    }
}
