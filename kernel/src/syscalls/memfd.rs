//! `memfd_create` (see `kernel/src/memfd.rs`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use veil_abi::flags::open::O_RDWR;
use veil_abi::Errno;
use veil_vfs::inode::{Creds, NewNode};
use veil_vfs::inode_file::InodeFile;
use veil_vfs::tmpfs::Tmpfs;
use veil_vfs::walk::{MountNamespace, PathRef};
use veil_vfs::OpenFile;

use super::fd::nofile_limit;
use super::{SysResult, SyscallCtx};
use crate::memfd::{MemfdFile, F_SEAL_EXEC, F_SEAL_SEAL};

const MFD_CLOEXEC: u32 = 0x1;
const MFD_ALLOW_SEALING: u32 = 0x2;
const MFD_HUGETLB: u32 = 0x4;
const MFD_NOEXEC_SEAL: u32 = 0x8;
const MFD_EXEC: u32 = 0x10;
/// Longest name: `NAME_MAX` less the `memfd:` prefix.
const MFD_NAME_MAX: usize = 249;

/// Private names of memfds between creation and unlink.
static NEXT_MEMFD: AtomicU64 = AtomicU64::new(1);

/// The memfd file system of the sandbox.
fn memfd_fs(sc: &SyscallCtx<'_>) -> Arc<MountNamespace> {
    let kernel = &sc.task.kernel;
    kernel
        .memfd_fs
        .get_or_init(|| {
            let fs = Tmpfs::new_with_root(kernel.memory.clone(), 0o1777, Creds { uid: 0, gid: 0 });
            MountNamespace::with_root(fs.root(), "tmpfs", "memfd", "rw")
        })
        .clone()
}

/// `memfd_create(name, flags)`: an anonymous regular file, shown as
/// `/memfd:NAME (deleted)`. `MFD_CLOEXEC`; `MFD_ALLOW_SEALING` (else the file is
/// sealed against sealing); `MFD_NOEXEC_SEAL` (mode 0666, `F_SEAL_EXEC`, sealable);
/// `MFD_EXEC`; `MFD_HUGETLB` is `EINVAL` (no hugetlbfs). A name longer than 249
/// bytes is `EINVAL`.
pub(super) fn memfd_create(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let flags = a[1] as u32;
    let known = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC;
    if flags & !known != 0 || flags & MFD_HUGETLB != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & (MFD_NOEXEC_SEAL | MFD_EXEC) == MFD_NOEXEC_SEAL | MFD_EXEC {
        return Err(Errno::EINVAL);
    }
    let name = match sc.task.mm().copy_string_in(a[0], MFD_NAME_MAX + 1) {
        Err(Errno::ENAMETOOLONG) => return Err(Errno::EINVAL),
        r => r?,
    };
    if name.len() > MFD_NAME_MAX {
        return Err(Errno::EINVAL);
    }
    let ns = memfd_fs(sc);
    let root = ns.root();
    let private = format!("#{}", NEXT_MEMFD.fetch_add(1, Ordering::Relaxed)).into_bytes();
    let creds = sc.task.creds();
    let owner = Creds {
        uid: creds.uid.fs,
        gid: creds.gid.fs,
    };
    let perm = if flags & MFD_NOEXEC_SEAL != 0 {
        0o666
    } else {
        0o777
    };
    let child = root
        .dirent
        .create_child(&private, NewNode::Regular, perm, owner)?;
    let inode = child.inode().clone();
    let at = PathRef::new(root.mount.clone(), child);
    let _ = root.dirent.unlink_child(&private);
    let mut seals = if flags & (MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL) != 0 {
        0
    } else {
        F_SEAL_SEAL
    };
    if flags & MFD_NOEXEC_SEAL != 0 {
        seals |= F_SEAL_EXEC;
    }
    let seals = Arc::new(std::sync::atomic::AtomicU32::new(seals));
    if let Ok(attr) = inode.attr() {
        sc.task
            .kernel
            .memfd_seals
            .register(attr.to_stat().st_ino, &seals);
    }
    let ops = MemfdFile::new(InodeFile::new(inode), seals);
    let shown = format!("/memfd:{}", String::from_utf8_lossy(&name));
    let open = OpenFile::at(ops, O_RDWR, at, shown);
    let fd = sc
        .task
        .files
        .install(open, flags & MFD_CLOEXEC != 0, 0, nofile_limit(sc))?;
    Ok(fd as u64)
}
