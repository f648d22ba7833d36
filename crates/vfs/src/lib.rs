//! Veil's virtual file system.
//!
//! Two layers live here while the VFS issue is in progress:
//!
//! * The first, read-only host file system of the "Sentry foundation", which the
//!   kernel uses today: guest paths resolve against the host's `/` through descriptors
//!   the sentry opens ([`host::HostFs`]), and every open file is an [`OpenFile`] over
//!   [`FileOps`].
//! * The inode layer that replaces it: [`inode::InodeOps`] implemented by `tmpfs`, the
//!   host lower layer and the overlay (with copy-up), ordered by the ranked locks of
//!   [`lock`].
//!
//! `unsafe` is confined to `host.rs`, for the few host calls `nix` does not wrap.

pub mod file;
pub mod host;
pub mod hostfs;
pub mod inode;
pub mod lock;
pub mod overlay;
pub mod tmpfs;
pub mod walk;

pub use file::{DirEntry, FileOps, OpenFile};
pub use host::{HostFile, HostFs};
