//! Character devices the sentry implements itself, opened by device number, and the
//! tmpfs that `/dev` is built from.

use std::sync::Arc;

use veil_abi::structs::{Stat, Statx};
use veil_abi::Errno;
use veil_vfs::inode::{Creds, FileType, InodeRef, NewNode};
use veil_vfs::FileOps;

/// `makedev(major, minor)` as Linux encodes it in `st_rdev`.
pub const fn makedev(major: u64, minor: u64) -> u64 {
    ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & !0xff) << 12) | ((major & !0xfff) << 32)
}

/// `/dev/null`.
pub const NULL: u64 = makedev(1, 3);
/// `/dev/zero`.
pub const ZERO: u64 = makedev(1, 5);
/// `/dev/full`.
pub const FULL: u64 = makedev(1, 7);
/// `/dev/random`.
pub const RANDOM: u64 = makedev(1, 8);
/// `/dev/urandom`.
pub const URANDOM: u64 = makedev(1, 9);
/// `/dev/tty`.
pub const TTY: u64 = makedev(5, 0);
/// `/dev/ptmx`.
pub const PTMX: u64 = makedev(5, 2);

/// The major number of a device number.
pub const fn major(rdev: u64) -> u64 {
    ((rdev >> 8) & 0xfff) | ((rdev >> 32) & !0xfff)
}

/// The minor number of a device number.
pub const fn minor(rdev: u64) -> u64 {
    (rdev & 0xff) | ((rdev >> 12) & !0xff)
}

/// Which device an open file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Null,
    Zero,
    Full,
    Random,
}

/// An open memory device (`null`, `zero`, `full`, `random`, `urandom`).
struct MemDevice {
    kind: Kind,
    stat: Stat,
}

impl FileOps for MemDevice {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        match self.kind {
            Kind::Null => Ok(0),
            Kind::Zero | Kind::Full => {
                buf.fill(0);
                Ok(buf.len())
            }
            Kind::Random => {
                crate::loader::getrandom_host(buf);
                Ok(buf.len())
            }
        }
    }

    fn pread(&self, buf: &mut [u8], _offset: u64) -> Result<usize, Errno> {
        self.read(buf)
    }

    fn write(&self, buf: &[u8], _append: bool) -> Result<usize, Errno> {
        match self.kind {
            Kind::Full => Err(Errno::ENOSPC),
            _ => Ok(buf.len()),
        }
    }

    fn pwrite(&self, buf: &[u8], _offset: u64) -> Result<usize, Errno> {
        self.write(buf, false)
    }

    fn seek(&self, _offset: i64, _whence: u32) -> Result<u64, Errno> {
        // Linux's memory devices accept any seek and stay at 0.
        Ok(0)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(self.stat)
    }

    fn statx(&self, _mask: u32) -> Result<Statx, Errno> {
        Ok(veil_vfs::host::stat_to_statx(&self.stat))
    }
}

/// Opens the device `rdev` whose inode reported `stat`, with open flags `flags`.
/// `/dev/tty` is the caller's controlling terminal, `/dev/ptmx` makes a pty,
/// `/dev/pts/N` is a pty's slave (see [`crate::tty::pty`]); an unknown device is
/// `ENXIO`.
pub fn open(rdev: u64, stat: Stat, flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
    let kind = match rdev {
        NULL => Kind::Null,
        ZERO => Kind::Zero,
        FULL => Kind::Full,
        RANDOM | URANDOM => Kind::Random,
        TTY => return crate::tty::pty::open_controlling(flags, stat),
        PTMX => return crate::tty::pty::open_master(flags, stat),
        r if major(r) == crate::tty::PTS_MAJOR => {
            return crate::tty::pty::open_slave(minor(r) as u32, flags, stat)
        }
        _ => return Err(Errno::ENXIO),
    };
    Ok(Arc::new(MemDevice { kind, stat }))
}

/// Fills the root of a fresh tmpfs with the contents of `/dev`.
pub fn populate(root: &InodeRef) -> Result<(), Errno> {
    let root_creds = Creds { uid: 0, gid: 0 };
    for (name, rdev) in [
        (&b"null"[..], NULL),
        (b"zero", ZERO),
        (b"full", FULL),
        (b"random", RANDOM),
        (b"urandom", URANDOM),
        (b"tty", TTY),
        (b"ptmx", PTMX),
    ] {
        root.create(name, NewNode::CharDevice(rdev), 0o666, root_creds)?;
    }
    for (name, target) in [
        (&b"fd"[..], &b"/proc/self/fd"[..]),
        (b"stdin", b"/proc/self/fd/0"),
        (b"stdout", b"/proc/self/fd/1"),
        (b"stderr", b"/proc/self/fd/2"),
    ] {
        root.create(name, NewNode::Symlink(target.to_vec()), 0o777, root_creds)?;
    }
    let pts = root.create(b"pts", NewNode::Directory, 0o755, root_creds)?;
    // devpts's own multiplexer node, mode 0 as Linux mounts it (ptmxmode=000).
    pts.create(b"ptmx", NewNode::CharDevice(PTMX), 0, root_creds)?;
    root.create(b"shm", NewNode::Directory, 0o1777, root_creds)?;
    debug_assert_eq!(root.kind(), FileType::Directory);
    Ok(())
}
