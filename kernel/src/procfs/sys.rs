//! `/proc/sys`: the few sysctls programs read. All are read-only here (a write is
//! `EACCES`), with Linux's permission bits.

use std::sync::Weak;

use veil_abi::Errno;
use veil_vfs::inode::InodeRef;

use super::node::{self, Owner, Table};
use crate::kernel::KERNEL_RELEASE;
use crate::Kernel;

/// `kernel.pid_max`: Linux's limit on 64-bit systems with many CPUs (and what systemd
/// sets); the sentry's thread ids never reach it.
pub const PID_MAX: u32 = 4_194_304;

/// `kernel.ngroups_max` (`NGROUPS_MAX`).
pub const NGROUPS_MAX: u32 = 65_536;

/// `vm.overcommit_memory`: 0, heuristic overcommit (guest memory is allocated lazily).
pub const OVERCOMMIT_MEMORY: u32 = 0;

/// The `/proc/sys` directory at `path`.
pub(super) fn dir(path: &str, kernel: Weak<Kernel>) -> InodeRef {
    let mut t = Table::new();
    t.dir("kernel", move |path| {
        node::dir(path, 0o555, Owner::ROOT, kernel_table(kernel.clone()))
    })
    .dir("vm", |path| node::dir(path, 0o555, Owner::ROOT, vm_table()));
    node::dir(path, 0o555, Owner::ROOT, t)
}

/// `/proc/sys/kernel`.
fn kernel_table(kernel: Weak<Kernel>) -> Table {
    let hostname = node::generate(move || {
        let k = kernel.upgrade().ok_or(Errno::ENOENT)?;
        Ok(format!("{}\n", k.config.hostname).into_bytes())
    });
    let mut t = Table::new();
    t.file("hostname", 0o644, Owner::ROOT, hostname)
        .file("ngroups_max", 0o444, Owner::ROOT, number(NGROUPS_MAX))
        .file(
            "osrelease",
            0o444,
            Owner::ROOT,
            node::generate(|| Ok(format!("{KERNEL_RELEASE}\n").into_bytes())),
        )
        .file("ostype", 0o444, Owner::ROOT, node::fixed("Linux\n"))
        .file("pid_max", 0o644, Owner::ROOT, number(PID_MAX));
    t
}

/// `/proc/sys/vm`.
fn vm_table() -> Table {
    let mut t = Table::new();
    t.file(
        "overcommit_memory",
        0o644,
        Owner::ROOT,
        number(OVERCOMMIT_MEMORY),
    );
    t
}

/// A file holding `n` and a newline.
fn number(n: u32) -> node::Generate {
    node::generate(move || Ok(format!("{n}\n").into_bytes()))
}
