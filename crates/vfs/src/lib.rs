//! Veil's virtual file system.
//!
//! For now this is the first, read-only host file system of the "Sentry foundation":
//! guest paths resolve directly against the host's `/` through descriptors the sentry
//! opens ([`host::HostFs`]), and every open file is an [`OpenFile`] over [`FileOps`].
//! The Dirent/Inode trees, mounts, tmpfs and the overlay replace the path half of this
//! in the VFS issue; the `FileOps`/`OpenFile` split is meant to stay.
//!
//! `unsafe` is confined to `host.rs`, for the few host calls `nix` does not wrap.

pub mod file;
pub mod host;

pub use file::{DirEntry, FileOps, OpenFile};
pub use host::{HostFile, HostFs};
