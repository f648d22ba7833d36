//! Veil's virtual file system.
//!
//! * [`inode`]: what a file system implements ([`inode::InodeOps`]); [`tmpfs`],
//!   [`hostfs`] (the host, read-only) and [`overlay`] (copy-up) implement it.
//! * [`walk`]: the name layer: dirents, mounts and the path walk.
//! * [`file`]: open file descriptions ([`OpenFile`]) over [`FileOps`]; [`inode_file`]
//!   opens inodes, [`host`] passes the sentry's own stdio through.
//! * [`lock`]: the ranked locks that check the lock order in debug builds.
//! * [`flock`]: `flock(2)` locks; [`record_lock`]: `fcntl(2)` record locks.
//!
//! * [`host_net`]: host socket calls made for a guest on the host's network.
//!
//! `unsafe` is confined to `host.rs`, `host_net.rs` and `hostfs/` (`sys.rs`,
//! `xattr.rs`), for the host calls `nix` does not wrap.

pub mod file;
pub mod flock;
pub mod host;
pub mod host_net;
pub mod hostfs;
pub mod inode;
pub mod inode_file;
pub mod lock;
pub mod overlay;
pub mod readonly;
pub mod record_lock;
pub mod tmpfs;
pub mod walk;

pub use file::{DirEntry, FileOps, OpenFile, PollWaker, WaitQueue};
pub use host::HostFile;
