//! Inodes: what a file system implements for each of its files.
//!
//! An inode is an `Arc<dyn InodeOps>`. Directory operations take names (one path
//! component, never containing `/`, never `.` or `..`: the path walk handles those) and
//! return inodes; file operations work on offsets. Open files wrap an inode (see
//! `inode_file.rs`). Every method has a default that gives Linux's answer for a file
//! that cannot do it, so an implementation overrides only what it supports.
//!
//! Locking: an implementation guards its own state with a [`crate::lock::RankedMutex`]
//! of rank `InodeMu` (or finer leaf locks). It never calls back into another inode while
//! holding it, except where a method's documentation says so.

use std::any::Any;
use std::sync::Arc;

use veil_abi::structs::Timespec;
use veil_abi::Errno;

/// A shared handle to an inode.
pub type InodeRef = Arc<dyn InodeOps>;

/// Longest file name (`NAME_MAX`).
pub const NAME_MAX: usize = 255;

/// The type of a file (the `S_IFMT` part of its mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    /// `S_IFREG`.
    Regular,
    /// `S_IFDIR`.
    Directory,
    /// `S_IFLNK`.
    Symlink,
    /// `S_IFCHR`.
    CharDevice,
    /// `S_IFBLK`.
    BlockDevice,
    /// `S_IFIFO`.
    Fifo,
    /// `S_IFSOCK`.
    Socket,
}

impl FileType {
    /// The `S_IF*` bits.
    pub fn mode_bits(self) -> u32 {
        use veil_abi::flags::mode::*;
        match self {
            FileType::Regular => S_IFREG,
            FileType::Directory => S_IFDIR,
            FileType::Symlink => S_IFLNK,
            FileType::CharDevice => S_IFCHR,
            FileType::BlockDevice => S_IFBLK,
            FileType::Fifo => S_IFIFO,
            FileType::Socket => S_IFSOCK,
        }
    }

    /// The type of `S_IF*` bits in `mode`, or `None` for an invalid type.
    pub fn from_mode(mode: u32) -> Option<FileType> {
        use veil_abi::flags::mode::*;
        Some(match mode & S_IFMT {
            S_IFREG => FileType::Regular,
            S_IFDIR => FileType::Directory,
            S_IFLNK => FileType::Symlink,
            S_IFCHR => FileType::CharDevice,
            S_IFBLK => FileType::BlockDevice,
            S_IFIFO => FileType::Fifo,
            S_IFSOCK => FileType::Socket,
            _ => return None,
        })
    }

    /// The `DT_*` value `getdents64` reports.
    pub fn dirent_type(self) -> u8 {
        match self {
            FileType::Fifo => 1,
            FileType::CharDevice => 2,
            FileType::Directory => 4,
            FileType::BlockDevice => 6,
            FileType::Regular => 8,
            FileType::Symlink => 10,
            FileType::Socket => 12,
        }
    }
}

/// The attributes `stat` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attr {
    /// File type.
    pub kind: FileType,
    /// Permission bits (`0o7777`), without the type.
    pub perm: u32,
    /// Inode number, stable for the inode's life.
    pub ino: u64,
    /// Device number of the file system.
    pub dev: u64,
    /// Hard links.
    pub nlink: u64,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device number for device files.
    pub rdev: u64,
    /// Size in bytes.
    pub size: u64,
    /// 512-byte blocks allocated.
    pub blocks: u64,
    /// Preferred I/O size.
    pub blksize: u64,
    /// Last access.
    pub atime: Timespec,
    /// Last modification of the content.
    pub mtime: Timespec,
    /// Last change of the attributes.
    pub ctime: Timespec,
}

impl Attr {
    /// The `struct stat` of these attributes.
    pub fn to_stat(&self) -> veil_abi::structs::Stat {
        veil_abi::structs::Stat {
            st_dev: self.dev,
            st_ino: self.ino,
            st_nlink: self.nlink,
            st_mode: self.kind.mode_bits() | self.perm,
            st_uid: self.uid,
            st_gid: self.gid,
            pad0: 0,
            st_rdev: self.rdev,
            st_size: self.size as i64,
            st_blksize: self.blksize as i64,
            st_blocks: self.blocks as i64,
            st_atime: self.atime.tv_sec,
            st_atime_nsec: self.atime.tv_nsec,
            st_mtime: self.mtime.tv_sec,
            st_mtime_nsec: self.mtime.tv_nsec,
            st_ctime: self.ctime.tv_sec,
            st_ctime_nsec: self.ctime.tv_nsec,
            unused: [0; 3],
        }
    }
}

/// A change of attributes (`chmod`, `chown`, `utimensat`, `truncate`); `None` leaves
/// the attribute as it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// New permission bits.
    pub perm: Option<u32>,
    /// New owner.
    pub uid: Option<u32>,
    /// New group.
    pub gid: Option<u32>,
    /// New size (regular files).
    pub size: Option<u64>,
    /// New access time.
    pub atime: Option<Timespec>,
    /// New modification time.
    pub mtime: Option<Timespec>,
}

/// What `InodeOps::create` makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewNode {
    /// An empty regular file.
    Regular,
    /// An empty directory.
    Directory,
    /// A symlink to the target.
    Symlink(Vec<u8>),
    /// A FIFO.
    Fifo,
    /// A character device with this device number.
    CharDevice(u64),
    /// A block device with this device number.
    BlockDevice(u64),
    /// A socket inode (`mknod S_IFSOCK`, `bind` of a Unix socket).
    Socket,
}

/// Who creates a node: the owner and group the new inode gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Creds {
    /// Owner of new files.
    pub uid: u32,
    /// Group of new files.
    pub gid: u32,
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntryInfo {
    /// Name.
    pub name: Vec<u8>,
    /// Inode number.
    pub ino: u64,
    /// Type.
    pub kind: FileType,
}

/// `rename` flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenameFlags {
    /// `RENAME_NOREPLACE`: fail with `EEXIST` if the target exists.
    pub noreplace: bool,
    /// `RENAME_EXCHANGE`: swap the two names (the target must exist).
    pub exchange: bool,
}

/// What `setxattr` does when the attribute exists or not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum XattrMode {
    /// Create or replace.
    #[default]
    Any,
    /// `XATTR_CREATE`: fail with `EEXIST` if it exists.
    Create,
    /// `XATTR_REPLACE`: fail with `ENODATA` if it does not.
    Replace,
}

/// The operations of an inode.
pub trait InodeOps: Send + Sync {
    /// The file type; never changes.
    fn kind(&self) -> FileType;

    /// Current attributes.
    fn attr(&self) -> Result<Attr, Errno>;

    /// Changes attributes. Permission checks are the caller's.
    fn set_attr(&self, _change: &SetAttr) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }

    // ---- directories ----

    /// The child `name`; `ENOENT` if absent, `ENOTDIR` if `self` is not a directory.
    fn lookup(&self, _name: &[u8]) -> Result<InodeRef, Errno> {
        Err(Errno::ENOTDIR)
    }

    /// Every entry except `.` and `..`, in a stable order (the order of creation is
    /// fine): position `i` of one listing is the same entry in the next unless the
    /// directory changed in between.
    fn readdir(&self) -> Result<Vec<DirEntryInfo>, Errno> {
        Err(Errno::ENOTDIR)
    }

    /// Creates `name` (absent, else `EEXIST`) with permission bits `perm`.
    fn create(
        &self,
        _name: &[u8],
        _node: NewNode,
        _perm: u32,
        _creds: Creds,
    ) -> Result<InodeRef, Errno> {
        Err(Errno::ENOTDIR)
    }

    /// Adds a hard link `name` to `target`, an inode of the same file system
    /// (`EXDEV` otherwise, `EPERM` for a directory).
    fn link(&self, _name: &[u8], _target: &InodeRef) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    /// Removes the non-directory `name` (`EISDIR` for a directory).
    fn unlink(&self, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    /// Removes the empty directory `name` (`ENOTEMPTY`, `ENOTDIR`).
    fn rmdir(&self, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    /// Moves `old_name` of `self` to `new_name` of `new_dir` (same file system, else
    /// `EXDEV`), with Linux's rules: replacing a directory needs an empty directory,
    /// a directory cannot replace a non-directory (`ENOTDIR`) nor the reverse
    /// (`EISDIR`), renaming onto itself is a no-op. Moving a directory into its own
    /// subtree is checked by the caller (it knows the path).
    fn rename(
        &self,
        _old_name: &[u8],
        _new_dir: &InodeRef,
        _new_name: &[u8],
        _flags: RenameFlags,
    ) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    // ---- regular files ----

    /// Reads at `offset`; 0 at or past the end.
    fn read_at(&self, _buf: &mut [u8], _offset: u64) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    /// Writes at `offset`, growing the file; a hole before `offset` reads as zeroes.
    fn write_at(&self, _buf: &[u8], _offset: u64) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    /// `fallocate` mode 0 / `FALLOC_FL_KEEP_SIZE` (`keep_size`) /
    /// `FALLOC_FL_PUNCH_HOLE|KEEP_SIZE` (`punch`).
    fn allocate(
        &self,
        _offset: u64,
        _len: u64,
        _keep_size: bool,
        _punch: bool,
    ) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    // ---- symlinks ----

    /// The target of a symlink (`EINVAL` for anything else).
    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        Err(Errno::EINVAL)
    }

    // ---- extended attributes ----

    /// The value of `name`; `ENODATA` if absent, `EOPNOTSUPP` if the file system has
    /// no attributes in that namespace.
    fn getxattr(&self, _name: &[u8]) -> Result<Vec<u8>, Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    /// Sets `name` to `value`.
    fn setxattr(&self, _name: &[u8], _value: &[u8], _mode: XattrMode) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    /// Every attribute name.
    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        Ok(Vec::new())
    }

    /// Removes `name` (`ENODATA` if absent).
    fn removexattr(&self, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    // ---- memory mappings ----

    /// Marks a regular file just made for `O_TMPFILE` (and about to lose its name) as
    /// one a later `link` may name although it has no link. `EOPNOTSUPP` where the file
    /// system has no unnamed files.
    fn make_linkable(&self) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    /// The file's pages for shared memory mappings, if it can be mapped shared
    /// (`None`: `mmap(MAP_SHARED)` of it is `ENODEV`).
    fn mappable(&self) -> Option<&dyn veil_memmap::mapping::Mappable> {
        None
    }

    /// Whether the inode is seen through a read-only mount, where an open for
    /// writing is `EROFS` ([`crate::readonly`]).
    fn read_only(&self) -> bool {
        false
    }

    // ---- identity ----

    /// For downcasting to the implementation (a file system recognising its own inodes
    /// in `link` and `rename`).
    fn as_any(&self) -> &dyn Any;
}
