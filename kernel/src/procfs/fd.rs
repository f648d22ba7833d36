//! `/proc/<pid>/fd/`: one symlink per open descriptor, to the path the file was opened
//! by; opening one opens the descriptor's file (a magic link).

use std::any::Any;
use std::sync::Arc;

use veil_abi::flags::open::{O_ACCMODE, O_PATH, O_RDONLY, O_RDWR, O_WRONLY};
use veil_abi::Errno;
use veil_vfs::inode::{Attr, FileType, InodeOps, InodeRef};
use veil_vfs::OpenFile;

use super::node::{self, DirSource};
use super::subject::Subject;

/// The contents of an `fd` directory.
pub(super) struct FdDir {
    /// Whose descriptors.
    pub subject: Subject,
}

/// The permission bits of the link of a descriptor opened with `flags`, as Linux's
/// `tid_fd_update_inode`: `r-x` for reading, `-wx` for writing, for the owner only.
pub fn link_perm(flags: u32) -> u32 {
    if flags & O_PATH != 0 {
        return 0o500;
    }
    match flags & O_ACCMODE {
        O_RDONLY => 0o500,
        O_WRONLY => 0o300,
        O_RDWR => 0o700,
        _ => 0o100,
    }
}

impl DirSource for FdDir {
    fn entries(&self) -> Result<Vec<(Vec<u8>, FileType)>, Errno> {
        let task = self.subject.task().map_err(|_| Errno::ENOENT)?;
        let entries = task.files.entries();
        Ok(entries
            .into_iter()
            .map(|(fd, _)| (fd.to_string().into_bytes(), FileType::Symlink))
            .collect())
    }

    fn child(&self, name: &[u8], path: &str) -> Result<InodeRef, Errno> {
        let fd = node::parse_number(name).ok_or(Errno::ENOENT)?;
        let task = self.subject.task().map_err(|_| Errno::ENOENT)?;
        let file = task.files.get(fd).map_err(|_| Errno::ENOENT)?;
        let perm = link_perm(file.flags());
        let subject = self.subject.clone();
        let target = node::generate(move || {
            let task = subject.task()?;
            let file = task.files.get(fd).map_err(|_| Errno::ENOENT)?;
            Ok(link_target(&file))
        });
        Ok(Arc::new(FdLink {
            link: node::link(path, perm, self.subject.owner(), target),
            subject: self.subject.clone(),
            fd,
        }))
    }
}

/// The link `/proc/<pid>/fd/N`: reads as [`link_target`], and is a "magic link" as
/// Linux's: opening it opens the descriptor's file itself, even one with no path
/// (a pipe), see [`fd_link_file`].
struct FdLink {
    /// The plain symlink (attributes and target).
    link: InodeRef,
    subject: Subject,
    fd: i32,
}

impl InodeOps for FdLink {
    fn kind(&self) -> FileType {
        FileType::Symlink
    }

    fn attr(&self) -> Result<Attr, Errno> {
        self.link.attr()
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        self.link.readlink()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// If `inode` is a `/proc/<pid>/fd/N` link, the open file it stands for (`ENOENT` if
/// the descriptor was closed since).
pub fn fd_link_file(inode: &InodeRef) -> Option<Result<Arc<OpenFile>, Errno>> {
    let link = inode.as_any().downcast_ref::<FdLink>()?;
    Some(
        link.subject
            .task()
            .map_err(|_| Errno::ENOENT)
            .and_then(|t| t.files.get(link.fd).map_err(|_| Errno::ENOENT)),
    )
}

/// What `/proc/[pid]/fd/N` reads as: the file's path, with ` (deleted)` once its name
/// is gone; `pipe:[INO]` for a pipe (anonymous files have no path), as Linux's
/// `d_path`.
fn link_target(file: &veil_vfs::OpenFile) -> Vec<u8> {
    if file.location.is_none() && (file.path == "pipe" || file.path == "socket") {
        if let Ok(st) = file.ops.stat() {
            return format!("{}:[{}]", file.path, st.st_ino).into_bytes();
        }
    }
    let mut target = file.path.as_bytes().to_vec();
    if file
        .location
        .as_ref()
        .is_some_and(|l| l.dirent.is_deleted())
    {
        target.extend_from_slice(b" (deleted)");
    }
    target
}
