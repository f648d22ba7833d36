//! The three kinds of procfs inode (generated file, symlink, directory), their
//! attributes, and Linux's errors for everything that would change the file system.
//!
//! A node is built when it is looked up, from its full path in `/proc` (which gives its
//! inode number, so the same path always has the same number) and closures producing
//! its content. Directories list and build their children through a [`DirSource`].

use std::any::Any;
use std::sync::Arc;
use std::time::SystemTime;

use veil_abi::structs::Timespec;
use veil_abi::Errno;
use veil_vfs::inode::{
    Attr, Creds, DirEntryInfo, FileType, InodeOps, InodeRef, NewNode, RenameFlags,
};

use super::PROC_DEV;

/// Produces the whole content of a file, or a symlink's target.
pub(super) type Generate = Arc<dyn Fn() -> Result<Vec<u8>, Errno> + Send + Sync>;

/// Handles a write to a file (`/proc/<pid>/comm`); returns the bytes consumed.
pub(super) type Write = Arc<dyn Fn(&[u8]) -> Result<usize, Errno> + Send + Sync>;

/// Builds a child node from its full path.
type Build = Box<dyn Fn(&str) -> InodeRef + Send + Sync>;

/// Inode number of `/proc` itself (Linux's `PROC_ROOT_INO`).
const ROOT_INO: u64 = 1;

/// The owner of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Owner {
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
}

impl Owner {
    /// `root:root`, the owner of the system-wide files.
    pub const ROOT: Owner = Owner { uid: 0, gid: 0 };
}

/// The inode number of the node at `path` (absolute within `/proc`, `/` for the root):
/// FNV-1a of the path, kept away from 0 and the root's number.
pub(super) fn ino_of(path: &str) -> u64 {
    if path == "/" {
        return ROOT_INO;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in path.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    if h <= ROOT_INO {
        h + 2
    } else {
        h
    }
}

/// The path of child `name` of the directory at `dir`.
pub(super) fn child_path(dir: &str, name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// What every node reports in `stat`.
struct Meta {
    ino: u64,
    perm: u32,
    owner: Owner,
    /// The time the node was made, as Linux stamps a proc inode when it instantiates it.
    time: Timespec,
}

impl Meta {
    fn new(path: &str, perm: u32, owner: Owner) -> Meta {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        Meta {
            ino: ino_of(path),
            perm,
            owner,
            time: Timespec {
                tv_sec: now.as_secs() as i64,
                tv_nsec: i64::from(now.subsec_nanos()),
            },
        }
    }

    fn attr(&self, kind: FileType) -> Attr {
        Attr {
            kind,
            perm: self.perm,
            ino: self.ino,
            dev: PROC_DEV,
            nlink: if kind == FileType::Directory { 2 } else { 1 },
            uid: self.owner.uid,
            gid: self.owner.gid,
            rdev: 0,
            // Linux reports 0 for generated files: their size is unknown until read.
            size: 0,
            blocks: 0,
            blksize: 1024,
            atime: self.time,
            mtime: self.time,
            ctime: self.time,
        }
    }
}

/// A file whose content is generated on every read.
struct File {
    meta: Meta,
    read: Generate,
    write: Option<Write>,
}

impl InodeOps for File {
    fn kind(&self) -> FileType {
        FileType::Regular
    }

    fn attr(&self) -> Result<Attr, Errno> {
        Ok(self.meta.attr(FileType::Regular))
    }

    /// Generates the whole content and serves `[offset, offset + buf.len())` of it,
    /// as Linux's `seq_file` does for a reader that reads the file in pieces.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let content = (self.read)()?;
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        if start >= content.len() {
            return Ok(0);
        }
        let n = buf.len().min(content.len() - start);
        buf[..n].copy_from_slice(&content[start..start + n]);
        Ok(n)
    }

    /// Writable files take the write whatever the offset; the others refuse it with
    /// `EACCES`, what opening them for writing gives on Linux.
    fn write_at(&self, buf: &[u8], _offset: u64) -> Result<usize, Errno> {
        match &self.write {
            Some(write) => write(buf),
            None => Err(Errno::EACCES),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A symlink whose target is computed on every `readlink`.
struct Link {
    meta: Meta,
    target: Generate,
}

impl InodeOps for Link {
    fn kind(&self) -> FileType {
        FileType::Symlink
    }

    fn attr(&self) -> Result<Attr, Errno> {
        Ok(self.meta.attr(FileType::Symlink))
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        (self.target)()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The contents of a directory.
pub(super) trait DirSource: Send + Sync + 'static {
    /// Every entry (name and type), in listing order.
    fn entries(&self) -> Result<Vec<(Vec<u8>, FileType)>, Errno>;

    /// The child `name`, built with full path `path`; `ENOENT` if there is none.
    fn child(&self, name: &[u8], path: &str) -> Result<InodeRef, Errno>;

    /// The process a `/proc/<pid>` directory stands for (an open one works as a
    /// pidfd); `None` for every other directory.
    fn process(&self) -> Option<std::sync::Arc<crate::thread_group::ThreadGroup>> {
        None
    }
}

/// The process of the `/proc/<pid>` directory `inode`, if it is one.
pub fn process_of_dir(
    inode: &InodeRef,
) -> Option<std::sync::Arc<crate::thread_group::ThreadGroup>> {
    inode.as_any().downcast_ref::<Dir>()?.source.process()
}

/// A directory.
struct Dir {
    meta: Meta,
    path: String,
    source: Box<dyn DirSource>,
}

impl InodeOps for Dir {
    fn kind(&self) -> FileType {
        FileType::Directory
    }

    fn attr(&self) -> Result<Attr, Errno> {
        Ok(self.meta.attr(FileType::Directory))
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        self.source.child(name, &child_path(&self.path, name))
    }

    fn readdir(&self) -> Result<Vec<DirEntryInfo>, Errno> {
        Ok(self
            .source
            .entries()?
            .into_iter()
            .map(|(name, kind)| DirEntryInfo {
                ino: ino_of(&child_path(&self.path, &name)),
                name,
                kind,
            })
            .collect())
    }

    /// Linux's procfs directories have no `create`, `mkdir`, `mknod` or `symlink`:
    /// `open(O_CREAT)` of a new name is `EACCES` (`lookup_open`), the others `EPERM`
    /// (`vfs_mkdir` and friends) once the permission check has passed.
    fn create(
        &self,
        _name: &[u8],
        node: NewNode,
        _perm: u32,
        _creds: Creds,
    ) -> Result<InodeRef, Errno> {
        match node {
            NewNode::Regular => Err(Errno::EACCES),
            _ => Err(Errno::EPERM),
        }
    }

    fn link(&self, _name: &[u8], _target: &InodeRef) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }

    fn unlink(&self, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }

    fn rmdir(&self, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }

    fn rename(
        &self,
        _old_name: &[u8],
        _new_dir: &InodeRef,
        _new_name: &[u8],
        _flags: RenameFlags,
    ) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A generated read-only (or write-refusing) file at `path`.
pub(super) fn file(path: &str, perm: u32, owner: Owner, read: Generate) -> InodeRef {
    Arc::new(File {
        meta: Meta::new(path, perm, owner),
        read,
        write: None,
    })
}

/// A generated file at `path` that accepts writes through `write`.
pub(super) fn writable_file(
    path: &str,
    perm: u32,
    owner: Owner,
    read: Generate,
    write: Write,
) -> InodeRef {
    Arc::new(File {
        meta: Meta::new(path, perm, owner),
        read,
        write: Some(write),
    })
}

/// A symlink at `path` whose target `target` computes.
pub(super) fn link(path: &str, perm: u32, owner: Owner, target: Generate) -> InodeRef {
    Arc::new(Link {
        meta: Meta::new(path, perm, owner),
        target,
    })
}

/// A directory at `path` listing `source`.
pub(super) fn dir(path: &str, perm: u32, owner: Owner, source: impl DirSource) -> InodeRef {
    Arc::new(Dir {
        meta: Meta::new(path, perm, owner),
        path: path.to_owned(),
        source: Box::new(source),
    })
}

/// A fixed list of named children: the static part of a directory.
#[derive(Default)]
pub(super) struct Table {
    entries: Vec<(&'static str, FileType, Build)>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Table {
        Table::default()
    }

    /// Adds a generated file.
    pub fn file(
        &mut self,
        name: &'static str,
        perm: u32,
        owner: Owner,
        read: Generate,
    ) -> &mut Table {
        self.push(name, FileType::Regular, move |path| {
            file(path, perm, owner, read.clone())
        })
    }

    /// Adds a generated file that accepts writes.
    pub fn writable_file(
        &mut self,
        name: &'static str,
        perm: u32,
        owner: Owner,
        read: Generate,
        write: Write,
    ) -> &mut Table {
        self.push(name, FileType::Regular, move |path| {
            writable_file(path, perm, owner, read.clone(), write.clone())
        })
    }

    /// Adds a symlink.
    pub fn link(
        &mut self,
        name: &'static str,
        perm: u32,
        owner: Owner,
        target: Generate,
    ) -> &mut Table {
        self.push(name, FileType::Symlink, move |path| {
            link(path, perm, owner, target.clone())
        })
    }

    /// Adds a directory, built by `build` from its path.
    pub fn dir(
        &mut self,
        name: &'static str,
        build: impl Fn(&str) -> InodeRef + Send + Sync + 'static,
    ) -> &mut Table {
        self.push(name, FileType::Directory, build)
    }

    fn push(
        &mut self,
        name: &'static str,
        kind: FileType,
        build: impl Fn(&str) -> InodeRef + Send + Sync + 'static,
    ) -> &mut Table {
        self.entries.push((name, kind, Box::new(build)));
        self
    }

    /// The entries, in the order they were added.
    pub fn entries(&self) -> Vec<(Vec<u8>, FileType)> {
        self.entries
            .iter()
            .map(|(name, kind, _)| (name.as_bytes().to_vec(), *kind))
            .collect()
    }

    /// The child `name` built at `path`, if the table has it.
    pub fn child(&self, name: &[u8], path: &str) -> Option<InodeRef> {
        self.entries
            .iter()
            .find(|(n, _, _)| n.as_bytes() == name)
            .map(|(_, _, build)| build(path))
    }
}

impl DirSource for Table {
    fn entries(&self) -> Result<Vec<(Vec<u8>, FileType)>, Errno> {
        Ok(Table::entries(self))
    }

    fn child(&self, name: &[u8], path: &str) -> Result<InodeRef, Errno> {
        Table::child(self, name, path).ok_or(Errno::ENOENT)
    }
}

/// Wraps a content generator.
pub(super) fn generate(f: impl Fn() -> Result<Vec<u8>, Errno> + Send + Sync + 'static) -> Generate {
    Arc::new(f)
}

/// A generator of fixed content.
pub(super) fn fixed(content: &'static str) -> Generate {
    generate(move || Ok(content.as_bytes().to_vec()))
}

/// A number written as Linux accepts it in a `/proc` name (a pid, a descriptor):
/// decimal digits, no sign, no leading zero.
pub(super) fn parse_number(name: &[u8]) -> Option<i32> {
    if name.is_empty()
        || (name.len() > 1 && name[0] == b'0')
        || !name.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    std::str::from_utf8(name).ok()?.parse().ok()
}
