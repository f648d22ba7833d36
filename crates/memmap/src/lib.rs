//! Guest memory bookkeeping.
//!
//! * [`MemoryFile`] — the one memfd that backs all guest memory, mapped once into the
//!   sentry so that the sentry reads and writes guest pages through its own view.
//! * [`FileRange`] — a range of offsets in the memory file.
//!
//! * [`mapping`] — the contract between files and memory managers of DESIGN.md:
//!   `Mappable`, `MappingSpace`, `MappingSet`, `Translation`. Files implement it once
//!   file mappings are shared (not yet: see ARCHITECTURE.md).
//!
//! `unsafe` in this crate is confined to `memory_file.rs`, where the sentry's view of the
//! memory file is a raw mapping.

mod allocator;
pub mod mapping;
mod memory_file;

pub use memory_file::{FileRange, MemoryFile, MemoryFileError};
