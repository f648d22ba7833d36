//! Pseudo-terminal pairs as devpts gives them: opening `/dev/ptmx` makes a new
//! [`Terminal`] and its slave node `/dev/pts/N` (owned by the opener, group `tty`,
//! mode 0620, locked until `TIOCSPTLCK` 0 as `unlockpt` does); the node goes when the
//! master is closed. `/dev/tty` opens the caller's controlling terminal.
//!
//! The nodes are character devices in the `/dev` tmpfs's `pts` directory, made and
//! removed through the name tree ([`veil_vfs::walk::Dirent`]) so its caches stay
//! right. Locks: [`PtyTable`]'s lock is a leaf; node changes take VFS locks with it
//! released.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use veil_abi::flags::open::{O_NOCTTY, O_NONBLOCK};
use veil_abi::structs::{KernelTermios, Stat, Winsize};
use veil_abi::Errno;
use veil_vfs::inode::{Creds, NewNode};
use veil_vfs::walk::{WalkCtx, WalkFlags};
use veil_vfs::FileOps;

use super::{job, Side, Terminal, TtyFile};
use crate::task;
use crate::Kernel;

/// Group of the slave nodes (`tty` in Debian's `/etc/group`; devpts's `gid=5`).
const TTY_GID: u32 = 5;
/// Permission bits of the slave nodes (devpts's `mode=620`).
const SLAVE_MODE: u32 = 0o620;
/// Most ptys at once (`/proc/sys/kernel/pty/max`'s default).
const PTY_MAX: u32 = 4096;

/// The sandbox's ptys by number.
#[derive(Default)]
pub struct PtyTable {
    terminals: Mutex<BTreeMap<u32, Weak<Terminal>>>,
}

impl PtyTable {
    /// Makes terminal number N, the lowest free one; `ENOSPC` past [`PTY_MAX`].
    pub fn allocate(
        &self,
        kernel: &Arc<Kernel>,
        termios: KernelTermios,
        winsize: Winsize,
        locked: bool,
    ) -> Result<Arc<Terminal>, Errno> {
        let mut map = self.terminals.lock();
        map.retain(|_, t| t.strong_count() > 0);
        let index = (0..PTY_MAX)
            .find(|i| !map.contains_key(i))
            .ok_or(Errno::ENOSPC)?;
        let term = Terminal::new(index, Arc::downgrade(kernel), termios, winsize, locked);
        map.insert(index, Arc::downgrade(&term));
        Ok(term)
    }

    /// Terminal number `index`, if it exists.
    pub fn get(&self, index: u32) -> Option<Arc<Terminal>> {
        self.terminals.lock().get(&index).and_then(Weak::upgrade)
    }

    fn remove(&self, index: u32) {
        self.terminals.lock().remove(&index);
    }
}

/// The `/dev/pts` directory of `kernel`'s name tree.
fn pts_dir(kernel: &Kernel) -> Result<veil_vfs::walk::PathRef, Errno> {
    let ns = kernel.namespace();
    let root = ns.root();
    WalkCtx::new(ns, &root, &root).resolve(
        b"/dev/pts",
        WalkFlags {
            directory: true,
            ..Default::default()
        },
    )
}

/// Makes the slave node of `term`, owned by `uid`.
pub fn create_node(kernel: &Kernel, term: &Terminal, uid: u32) -> Result<(), Errno> {
    let dir = pts_dir(kernel)?;
    let name = term.index.to_string();
    // A stale node of an earlier pty of the number (the guest may have made one).
    let _ = dir.dirent.unlink_child(name.as_bytes());
    dir.dirent.create_child(
        name.as_bytes(),
        NewNode::CharDevice(term.rdev()),
        SLAVE_MODE,
        Creds { uid, gid: TTY_GID },
    )?;
    Ok(())
}

/// The `fstat` of `term`'s slave: its node's, or made up if the node is gone.
pub fn slave_stat(kernel: &Kernel, term: &Terminal) -> Stat {
    let node = pts_dir(kernel).ok().and_then(|dir| {
        let name = term.index.to_string();
        let child = dir.dirent.inode().lookup(name.as_bytes()).ok()?;
        child.attr().ok().map(|a| a.to_stat())
    });
    node.unwrap_or(Stat {
        st_mode: veil_abi::flags::mode::S_IFCHR | SLAVE_MODE,
        st_rdev: term.rdev(),
        st_nlink: 1,
        st_gid: TTY_GID,
        st_blksize: 1024,
        ..Stat::default()
    })
}

/// Forgets `term` and removes its node (its master is closed).
pub fn release(term: &Terminal) {
    let Some(kernel) = term.kernel.upgrade() else {
        return;
    };
    kernel.ptys.remove(term.index);
    if let Ok(dir) = pts_dir(&kernel) {
        let _ = dir.dirent.unlink_child(term.index.to_string().as_bytes());
    }
}

/// Opens `/dev/ptmx` (`stat` is its node's): a new locked pty, its master returned.
pub fn open_master(flags: u32, stat: Stat) -> Result<Arc<dyn FileOps>, Errno> {
    let task = task::current().ok_or(Errno::EIO)?;
    let kernel = task.kernel.clone();
    let term = kernel.ptys.allocate(
        &kernel,
        super::ldisc::default_termios(),
        Winsize::default(),
        true,
    )?;
    let uid = task.creds().uid.effective;
    if let Err(e) = create_node(&kernel, &term, uid) {
        kernel.ptys.remove(term.index);
        return Err(e);
    }
    let file = TtyFile::open(&term, Side::Master, flags & O_NONBLOCK != 0, stat)?;
    Ok(file)
}

/// Opens the slave of the pty `index` (`stat` is its node's). Without `O_NOCTTY`, a
/// session leader without a controlling terminal acquires it.
pub fn open_slave(index: u32, flags: u32, stat: Stat) -> Result<Arc<dyn FileOps>, Errno> {
    let task = task::current().ok_or(Errno::EIO)?;
    let term = task.kernel.ptys.get(index).ok_or(Errno::EIO)?;
    let file = TtyFile::open(&term, Side::Slave, flags & O_NONBLOCK != 0, stat)?;
    if flags & O_NOCTTY == 0 {
        job::acquire_on_open(&term, &task);
    }
    Ok(file)
}

/// Opens `/dev/tty`: the caller's controlling terminal, `ENXIO` if it has none.
pub fn open_controlling(flags: u32, stat: Stat) -> Result<Arc<dyn FileOps>, Errno> {
    let task = task::current().ok_or(Errno::EIO)?;
    let term = job::controlling_terminal(&task.tg).ok_or(Errno::ENXIO)?;
    let file = TtyFile::open(&term, Side::Slave, flags & O_NONBLOCK != 0, stat)?;
    Ok(file)
}

/// `TIOCGPTPEER`: a new open file of the slave of the pty whose master `master` is.
pub fn open_peer(master: &TtyFile, flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
    let task = task::current().ok_or(Errno::EIO)?;
    let stat = slave_stat(&task.kernel, &master.terminal);
    let file = TtyFile::open(&master.terminal, Side::Slave, flags & O_NONBLOCK != 0, stat)?;
    if flags & O_NOCTTY == 0 {
        job::acquire_on_open(&master.terminal, &task);
    }
    Ok(file)
}
