//! A task's file system context: working directory and umask (`CLONE_FS` shares it).

use std::os::fd::OwnedFd;

use parking_lot::Mutex;

/// The working directory: the guest path and a host descriptor to walk from.
pub struct Cwd {
    /// Absolute guest path, as `getcwd` reports it.
    pub path: Vec<u8>,
    /// Host `O_PATH` descriptor of the directory.
    pub fd: OwnedFd,
}

/// Working directory and umask.
pub struct FsContext {
    /// The working directory.
    pub cwd: Mutex<Cwd>,
    /// The file creation mask.
    pub umask: Mutex<u32>,
}
