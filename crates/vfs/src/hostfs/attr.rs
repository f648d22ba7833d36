//! Host `stat` results and directory entry types as the inode layer's types.

use nix::dir::Type;
use nix::sys::stat::FileStat;
use veil_abi::structs::Timespec;
use veil_abi::Errno;

use crate::inode::{Attr, FileType};

/// The type of a host file; `EIO` for a mode with no valid type.
pub(super) fn kind_of(st: &FileStat) -> Result<FileType, Errno> {
    FileType::from_mode(st.st_mode).ok_or(Errno::EIO)
}

/// The type a host directory entry reports.
pub(super) fn kind_of_dirent(t: Type) -> FileType {
    match t {
        Type::Fifo => FileType::Fifo,
        Type::CharacterDevice => FileType::CharDevice,
        Type::Directory => FileType::Directory,
        Type::BlockDevice => FileType::BlockDevice,
        Type::File => FileType::Regular,
        Type::Symlink => FileType::Symlink,
        Type::Socket => FileType::Socket,
    }
}

/// The attributes of a host file of type `kind`, with the host's inode and device
/// numbers.
pub(super) fn attr_of(kind: FileType, st: &FileStat) -> Attr {
    let ts = |tv_sec: i64, tv_nsec: i64| Timespec { tv_sec, tv_nsec };
    Attr {
        kind,
        perm: st.st_mode & 0o7777,
        ino: st.st_ino,
        dev: st.st_dev,
        nlink: st.st_nlink,
        uid: st.st_uid,
        gid: st.st_gid,
        rdev: st.st_rdev,
        size: st.st_size.max(0) as u64,
        blocks: st.st_blocks.max(0) as u64,
        blksize: st.st_blksize.max(0) as u64,
        atime: ts(st.st_atime, st.st_atime_nsec),
        mtime: ts(st.st_mtime, st.st_mtime_nsec),
        ctime: ts(st.st_ctime, st.st_ctime_nsec),
    }
}
