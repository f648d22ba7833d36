//! A task's file system context: root, working directory and umask (`CLONE_FS` shares
//! it).

use parking_lot::Mutex;
use veil_vfs::walk::PathRef;

/// Root, working directory and umask.
pub struct FsContext {
    /// The root directory (`chroot`).
    pub root: Mutex<PathRef>,
    /// The working directory.
    pub cwd: Mutex<PathRef>,
    /// The file creation mask.
    pub umask: Mutex<u32>,
}

impl FsContext {
    /// A context with `root` and `cwd`, umask 022.
    pub fn new(root: PathRef, cwd: PathRef) -> FsContext {
        FsContext {
            root: Mutex::new(root),
            cwd: Mutex::new(cwd),
            umask: Mutex::new(0o022),
        }
    }

    /// A copy (`clone` without `CLONE_FS`).
    pub fn fork(&self) -> FsContext {
        FsContext {
            root: Mutex::new(self.root.lock().clone()),
            cwd: Mutex::new(self.cwd.lock().clone()),
            umask: Mutex::new(*self.umask.lock()),
        }
    }

    /// The root and working directory, for a path walk.
    pub fn root_and_cwd(&self) -> (PathRef, PathRef) {
        (self.root.lock().clone(), self.cwd.lock().clone())
    }

    /// The working directory's absolute path, as `getcwd` reports it.
    pub fn cwd_path(&self) -> Vec<u8> {
        let (root, cwd) = self.root_and_cwd();
        cwd.path(&root)
    }
}
