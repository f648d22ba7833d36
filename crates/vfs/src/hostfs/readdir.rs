//! Reading a host directory's listing.

use std::os::fd::AsRawFd;

use nix::dir::Dir;
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use veil_abi::Errno;

use super::inode::HostInode;
use super::{attr, sys};
use crate::inode::{DirEntryInfo, FileType};

impl HostInode {
    /// Reads the entries of this directory from the host, in the host's order, without
    /// `.` and `..`. A type the host does not report (`DT_UNKNOWN`) is found with
    /// `fstatat`; an entry that vanished meanwhile, or a mount point of a procfs (which
    /// `lookup` hides), is left out.
    pub(super) fn read_listing(&self) -> Result<Vec<DirEntryInfo>, Errno> {
        let mut dir = Dir::openat(
            Some(self.host_fd().as_raw_fd()),
            ".",
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(sys::errno)?;
        let mut raw = Vec::new();
        for entry in dir.iter() {
            let entry = entry.map_err(sys::errno)?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            raw.push((name.to_vec(), entry.ino(), entry.file_type()));
        }
        drop(dir);

        let mut out = Vec::with_capacity(raw.len());
        for (name, ino, host_kind) in raw {
            let kind = match host_kind {
                Some(t) => attr::kind_of_dirent(t),
                None => match sys::lstatat(self.host_fd(), &name) {
                    Ok(st) => attr::kind_of(&st)?,
                    Err(Errno::ENOENT) => continue,
                    Err(e) => return Err(e),
                },
            };
            if kind == FileType::Directory && self.is_procfs_mount(&name) {
                continue;
            }
            out.push(DirEntryInfo { name, ino, kind });
        }
        Ok(out)
    }

    /// Whether the subdirectory `name` is (the root of) a procfs. An entry that cannot
    /// be examined is not hidden: `lookup` fails on it with the same error.
    fn is_procfs_mount(&self, name: &[u8]) -> bool {
        match sys::lstatat(self.host_fd(), name) {
            // Same device: same file system as this directory, which is not a procfs.
            Ok(st) if st.st_dev == self.dev => return false,
            Ok(_) => {}
            Err(_) => return false,
        }
        let flags = OFlag::O_PATH | OFlag::O_NOFOLLOW;
        sys::openat(self.host_fd(), name, flags)
            .is_ok_and(|fd| sys::is_procfs(&fd).unwrap_or(false))
    }
}
