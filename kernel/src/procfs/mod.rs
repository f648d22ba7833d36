//! `/proc`: the sentry's own proc file system.
//!
//! Every file is generated from the sentry's state (the [`Kernel`], its thread groups,
//! tasks, memory managers and descriptor tables), never read from the host's `/proc`.
//! The formats are Linux's (`proc(5)`, `fs/proc/`), so that `ps`, `top`, `free`,
//! `uptime` and programs reading `/proc/self/*` parse them.
//!
//! Layout of the module, one concern per file:
//!
//! * `node.rs`: the three kinds of inode (generated file, symlink, directory), their
//!   attributes, inode numbers, and Linux's errors for everything that would change
//!   the file system.
//! * `root.rs`: the `/proc` directory: the system-wide files, `self`, `thread-self`,
//!   and one directory per process.
//! * `subject.rs`: which process or thread a per-process node describes.
//! * `process.rs`: `/proc/<pid>/` and `/proc/<pid>/task/<tid>/`; `fd.rs`: their `fd/`.
//! * One file per generated format, each a pure function of plain data plus the code
//!   gathering that data: `status.rs`, `stat.rs` (`stat`, `statm`), `maps.rs` (and the
//!   memory figures derived from the VMAs), `limits.rs`, `cpuinfo.rs`, `meminfo.rs`,
//!   `mounts.rs` (`mounts`, `filesystems`), `system.rs` (`uptime`, `loadavg`,
//!   `version`, `/proc/stat`), `sys.rs` (`/proc/sys`).
//! * Tests: `tests.rs` (the formats, the node layer) and `kernel_tests.rs` (a real
//!   kernel's `/proc` through the path walk).
//!
//! Nodes hold only weak references to the kernel and thread groups: an open `/proc`
//! file never keeps a process alive. Reading a file of a process that has exited is
//! `ESRCH`; looking a name up in its directory is `ENOENT` (as Linux).
//!
//! Locking: generating a file takes the kernel's leaf locks (thread-group state, a
//! task's `comm`, the memory manager, the descriptor table...) one at a time, never two
//! at once, and takes no VFS lock (`/proc/mounts` calls [`Kernel::mount_infos`], which
//! takes the rename lock for reading, from `read_at` only).

mod cpuinfo;
mod fd;
#[cfg(test)]
mod kernel_tests;
mod limits;
mod maps;
mod meminfo;
mod mounts;
mod net;
mod node;
mod process;
mod root;
mod smaps;
mod stat;
mod status;
mod subject;
mod sys;
mod system;
#[cfg(test)]
mod tests;

pub use fd::fd_link_file;
pub use node::process_of_dir;

use std::sync::Weak;

use veil_vfs::inode::InodeRef;

use crate::Kernel;

/// The device number of every procfs inode: major 0 (an anonymous device, as Linux's
/// procfs), with a minor below the range tmpfs instances use.
pub const PROC_DEV: u64 = crate::devices::makedev(0, 0xe_0000);

/// The `/proc` root directory of the sandbox of `kernel`, to be mounted at `/proc`.
///
/// The nodes keep `kernel` weak: once the kernel is gone every lookup is `ENOENT`.
pub fn new(kernel: Weak<Kernel>) -> InodeRef {
    root::new(kernel)
}
