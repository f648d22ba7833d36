//! The `/proc` directory: the system-wide files, `self` and `thread-self`, and one
//! directory per live process.

use std::sync::Weak;

use veil_abi::Errno;
use veil_vfs::inode::{FileType, InodeRef};

use super::node::{self, DirSource, Owner, Table};
use super::process::process_dir;
use super::subject::{ncpus, Subject};
use super::{cpuinfo, meminfo, mounts, net, sys, system};
use crate::Kernel;

/// The root directory of a procfs for `kernel`.
pub(super) fn new(kernel: Weak<Kernel>) -> InodeRef {
    node::dir(
        "/",
        0o555,
        Owner::ROOT,
        RootDir {
            statics: statics(&kernel),
            kernel,
        },
    )
}

/// The contents of `/proc`.
struct RootDir {
    kernel: Weak<Kernel>,
    /// The system-wide entries.
    statics: Table,
}

/// A generator calling `f` on the kernel (`ENOENT` once it is gone).
fn on_kernel(kernel: &Weak<Kernel>, f: fn(&Kernel) -> Result<Vec<u8>, Errno>) -> node::Generate {
    let kernel = kernel.clone();
    node::generate(move || {
        let kernel = kernel.upgrade().ok_or(Errno::ENOENT)?;
        f(&kernel)
    })
}

/// The system-wide entries of `/proc`.
fn statics(kernel: &Weak<Kernel>) -> Table {
    let sys_kernel = kernel.clone();
    let net_kernel = kernel.clone();
    let mut t = Table::new();
    t.file(
        "cpuinfo",
        0o444,
        Owner::ROOT,
        node::generate(|| Ok(cpuinfo::format_cpuinfo(ncpus(), &cpuinfo::cpu_flags()))),
    )
    .file(
        "filesystems",
        0o444,
        Owner::ROOT,
        node::generate(|| Ok(mounts::format_filesystems(&mounts::FILESYSTEMS))),
    )
    .file(
        "loadavg",
        0o444,
        Owner::ROOT,
        on_kernel(kernel, system::loadavg),
    )
    .file(
        "meminfo",
        0o444,
        Owner::ROOT,
        on_kernel(kernel, meminfo::generate),
    )
    // As on Linux, `/proc/mounts` is the reader's own `mounts`.
    .link("mounts", 0o777, Owner::ROOT, node::fixed("self/mounts"))
    .file(
        "stat",
        0o444,
        Owner::ROOT,
        on_kernel(kernel, system::system_stat),
    )
    .dir("net", move |path| net::dir(path, net_kernel.clone()))
    .dir("sys", move |path| sys::dir(path, sys_kernel.clone()))
    .file(
        "uptime",
        0o444,
        Owner::ROOT,
        on_kernel(kernel, system::uptime),
    )
    .file(
        "version",
        0o444,
        Owner::ROOT,
        node::generate(|| Ok(system::format_version())),
    );
    t
}

/// The target of `/proc/self`: the reader's process id.
fn self_target() -> Result<Vec<u8>, Errno> {
    let task = crate::task::current().ok_or(Errno::ENOENT)?;
    Ok(task.tg.tgid.to_string().into_bytes())
}

/// The target of `/proc/thread-self`: `<tgid>/task/<tid>` of the reader.
fn thread_self_target() -> Result<Vec<u8>, Errno> {
    let task = crate::task::current().ok_or(Errno::ENOENT)?;
    Ok(format!("{}/task/{}", task.tg.tgid, task.tid).into_bytes())
}

impl RootDir {
    /// The subject `/proc/<id>` names: a process, or (not listed, as on Linux) a thread
    /// of one looked up by its thread id.
    fn subject(&self, id: i32) -> Option<Subject> {
        let kernel = self.kernel.upgrade()?;
        if let Some(tg) = kernel.thread_group(id).filter(|tg| !tg.tasks().is_empty()) {
            return Some(Subject::process(self.kernel.clone(), &tg));
        }
        kernel
            .thread_groups()
            .into_iter()
            .find(|tg| tg.task(id).is_some())
            .map(|tg| Subject::process(self.kernel.clone(), &tg).thread(id))
    }
}

impl DirSource for RootDir {
    fn entries(&self) -> Result<Vec<(Vec<u8>, FileType)>, Errno> {
        let mut out = self.statics.entries();
        out.push((b"self".to_vec(), FileType::Symlink));
        out.push((b"thread-self".to_vec(), FileType::Symlink));
        if let Some(kernel) = self.kernel.upgrade() {
            out.extend(
                kernel
                    .thread_groups()
                    .into_iter()
                    .filter(|tg| !tg.tasks().is_empty())
                    .map(|tg| (tg.tgid.to_string().into_bytes(), FileType::Directory)),
            );
        }
        Ok(out)
    }

    fn child(&self, name: &[u8], path: &str) -> Result<InodeRef, Errno> {
        if let Some(node) = self.statics.child(name, path) {
            return Ok(node);
        }
        match name {
            b"self" => Ok(node::link(
                path,
                0o777,
                Owner::ROOT,
                node::generate(self_target),
            )),
            b"thread-self" => Ok(node::link(
                path,
                0o777,
                Owner::ROOT,
                node::generate(thread_self_target),
            )),
            _ => {
                let id = node::parse_number(name).ok_or(Errno::ENOENT)?;
                let subject = self.subject(id).ok_or(Errno::ENOENT)?;
                Ok(process_dir(path, subject, true))
            }
        }
    }
}
