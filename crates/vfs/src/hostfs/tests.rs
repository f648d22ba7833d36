//! Tests over a temporary host directory.

use std::collections::BTreeMap;
use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use veil_abi::Errno;

use super::{HostFs, HostInode};
use crate::inode::{Creds, FileType, InodeRef, NewNode, RenameFlags, SetAttr, XattrMode};

const CONTENT: &[u8] = b"hello, host file system\n";

/// A temporary directory tree, removed when dropped:
///
/// ```text
/// file        regular, CONTENT
/// sub/        directory
/// sub/inner   regular, "inner"
/// link        symlink -> file
/// dangling    symlink -> nowhere
/// fifo        FIFO
/// ```
struct TempTree {
    path: PathBuf,
}

impl TempTree {
    fn new() -> TempTree {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "veil-hostfs-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("file"), CONTENT).unwrap();
        std::fs::create_dir(path.join("sub")).unwrap();
        std::fs::write(path.join("sub/inner"), b"inner").unwrap();
        std::os::unix::fs::symlink("file", path.join("link")).unwrap();
        std::os::unix::fs::symlink("nowhere", path.join("dangling")).unwrap();
        nix::unistd::mkfifo(
            &path.join("fifo"),
            nix::sys::stat::Mode::from_bits_truncate(0o644),
        )
        .unwrap();
        TempTree { path }
    }

    fn fs(&self) -> Arc<HostFs> {
        HostFs::new(&self.path).unwrap()
    }

    /// Every file below the root: relative path → (mode, size, mtime, content or link
    /// target).
    fn snapshot(&self) -> BTreeMap<PathBuf, (u32, u64, i64, i64, Vec<u8>)> {
        fn walk(
            dir: &Path,
            root: &Path,
            out: &mut BTreeMap<PathBuf, (u32, u64, i64, i64, Vec<u8>)>,
        ) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                let m = std::fs::symlink_metadata(&p).unwrap();
                let data = if m.file_type().is_symlink() {
                    std::fs::read_link(&p)
                        .unwrap()
                        .as_os_str()
                        .as_bytes()
                        .to_vec()
                } else if m.is_file() {
                    std::fs::read(&p).unwrap()
                } else {
                    Vec::new()
                };
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    (m.mode(), m.size(), m.mtime(), m.mtime_nsec(), data),
                );
                if m.is_dir() {
                    walk(&p, root, out);
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(&self.path, &self.path, &mut out);
        out
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The `HostInode` behind an inode reference.
fn host(inode: &InodeRef) -> &HostInode {
    inode.as_any().downcast_ref::<HostInode>().unwrap()
}

#[test]
fn types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<HostFs>();
    check::<HostInode>();
}

#[test]
fn lookup_files_dirs_and_symlinks() {
    let tree = TempTree::new();
    let fs = tree.fs();
    let root = fs.root();
    assert_eq!(root.kind(), FileType::Directory);
    assert_eq!(root.lookup(b"file").unwrap().kind(), FileType::Regular);
    let sub = root.lookup(b"sub").unwrap();
    assert_eq!(sub.kind(), FileType::Directory);
    assert_eq!(sub.lookup(b"inner").unwrap().kind(), FileType::Regular);
    assert_eq!(root.lookup(b"fifo").unwrap().kind(), FileType::Fifo);

    // Symlinks are not followed, even dangling ones.
    let link = root.lookup(b"link").unwrap();
    assert_eq!(link.kind(), FileType::Symlink);
    assert_eq!(link.attr().unwrap().kind, FileType::Symlink);
    assert_eq!(root.lookup(b"dangling").unwrap().kind(), FileType::Symlink);
    assert_eq!(link.lookup(b"x").err(), Some(Errno::ENOTDIR));

    assert_eq!(root.lookup(b"missing").err(), Some(Errno::ENOENT));
    assert_eq!(sub.lookup(b"file").err(), Some(Errno::ENOENT));
    let file = root.lookup(b"file").unwrap();
    assert_eq!(file.lookup(b"x").err(), Some(Errno::ENOTDIR));

    // Names that are not one component.
    assert_eq!(root.lookup(b"").err(), Some(Errno::ENOENT));
    assert_eq!(root.lookup(b"sub/inner").err(), Some(Errno::EINVAL));
    assert_eq!(root.lookup(b"..").err(), Some(Errno::EINVAL));
    assert_eq!(root.lookup(&[b'a'; 256]).err(), Some(Errno::ENAMETOOLONG));
}

#[test]
fn lookup_gives_the_same_inode_while_alive() {
    let tree = TempTree::new();
    let fs = tree.fs();
    let root = fs.root();
    let a = root.lookup(b"sub").unwrap();
    let b = root.lookup(b"sub").unwrap();
    assert!(std::ptr::addr_eq(Arc::as_ptr(&a), Arc::as_ptr(&b)));
    assert!(std::ptr::addr_eq(
        Arc::as_ptr(&fs.root()),
        Arc::as_ptr(&root)
    ));

    // Concurrent lookups agree too.
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let root = root.clone();
            std::thread::spawn(move || root.lookup(b"file").unwrap())
        })
        .collect();
    let inodes: Vec<InodeRef> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for i in &inodes {
        assert!(std::ptr::addr_eq(Arc::as_ptr(i), Arc::as_ptr(&inodes[0])));
    }

    // Dropped and looked up again: a new inode of the same host file.
    let id = host(&inodes[0]).host_id();
    drop(inodes);
    assert_eq!(host(&root.lookup(b"file").unwrap()).host_id(), id);
}

#[test]
fn readdir_lists_names_and_types() {
    let tree = TempTree::new();
    let fs = tree.fs();
    let root = fs.root();
    let listing = root.readdir().unwrap();
    let got: BTreeMap<Vec<u8>, (FileType, u64)> = listing
        .iter()
        .map(|e| (e.name.clone(), (e.kind, e.ino)))
        .collect();
    let ino = |p: &str| std::fs::symlink_metadata(tree.path.join(p)).unwrap().ino();
    let want: BTreeMap<Vec<u8>, (FileType, u64)> = [
        ("file", FileType::Regular),
        ("sub", FileType::Directory),
        ("link", FileType::Symlink),
        ("dangling", FileType::Symlink),
        ("fifo", FileType::Fifo),
    ]
    .into_iter()
    .map(|(n, k)| (n.as_bytes().to_vec(), (k, ino(n))))
    .collect();
    assert_eq!(got, want);
    assert_eq!(listing.len(), want.len(), "no . or .., no duplicates");
    // Stable order.
    assert_eq!(root.readdir().unwrap(), listing);

    let sub = root.lookup(b"sub").unwrap();
    let names: Vec<Vec<u8>> = sub.readdir().unwrap().into_iter().map(|e| e.name).collect();
    assert_eq!(names, vec![b"inner".to_vec()]);
    assert_eq!(
        root.lookup(b"file").unwrap().readdir().err(),
        Some(Errno::ENOTDIR)
    );
}

#[test]
fn read_at_offsets() {
    let tree = TempTree::new();
    let fs = tree.fs();
    let file = fs.root().lookup(b"file").unwrap();
    let mut buf = [0u8; 64];
    let n = file.read_at(&mut buf, 0).unwrap();
    assert_eq!(&buf[..n], CONTENT);
    let n = file.read_at(&mut buf[..5], 7).unwrap();
    assert_eq!(&buf[..n], &CONTENT[7..12]);
    let n = file.read_at(&mut buf, 7).unwrap();
    assert_eq!(&buf[..n], &CONTENT[7..]);
    assert_eq!(file.read_at(&mut buf, CONTENT.len() as u64).unwrap(), 0);
    assert_eq!(file.read_at(&mut buf, 1 << 40).unwrap(), 0);
    assert_eq!(file.read_at(&mut buf, u64::MAX).err(), Some(Errno::EINVAL));

    assert_eq!(fs.root().read_at(&mut buf, 0).err(), Some(Errno::EISDIR));
    let link = fs.root().lookup(b"link").unwrap();
    assert_eq!(link.read_at(&mut buf, 0).err(), Some(Errno::EINVAL));

    // The descriptors for copy-up.
    let h = host(&file);
    let fd = h.read_fd().unwrap();
    assert_eq!(
        nix::sys::uio::pread(fd, &mut buf, 0).unwrap(),
        CONTENT.len()
    );
    assert_eq!(
        nix::sys::stat::fstat(std::os::fd::AsRawFd::as_raw_fd(&h.host_fd()))
            .unwrap()
            .st_size,
        CONTENT.len() as i64
    );
    assert_eq!(host(&link).read_fd().err(), Some(Errno::ELOOP));
    let fifo = fs.root().lookup(b"fifo").unwrap();
    assert_eq!(host(&fifo).read_fd().err(), Some(Errno::EINVAL));
}

#[test]
fn readlink_targets() {
    let tree = TempTree::new();
    let fs = tree.fs();
    let root = fs.root();
    assert_eq!(root.lookup(b"link").unwrap().readlink().unwrap(), b"file");
    assert_eq!(
        root.lookup(b"dangling").unwrap().readlink().unwrap(),
        b"nowhere"
    );
    assert_eq!(
        root.lookup(b"file").unwrap().readlink().err(),
        Some(Errno::EINVAL)
    );
    assert_eq!(root.readlink().err(), Some(Errno::EINVAL));
}

#[test]
fn attr_matches_the_host() {
    let tree = TempTree::new();
    let fs = tree.fs();
    let root = fs.root();
    for name in ["file", "sub", "link", "fifo"] {
        let inode = root.lookup(name.as_bytes()).unwrap();
        let a = inode.attr().unwrap();
        let m = std::fs::symlink_metadata(tree.path.join(name)).unwrap();
        assert_eq!(a.ino, m.ino(), "{name}");
        assert_eq!(a.dev, m.dev(), "{name}");
        assert_eq!(a.size, m.size(), "{name}");
        assert_eq!(a.kind.mode_bits() | a.perm, m.mode(), "{name}");
        assert_eq!(a.nlink, m.nlink(), "{name}");
        assert_eq!((a.uid, a.gid), (m.uid(), m.gid()), "{name}");
        assert_eq!(
            (a.mtime.tv_sec, a.mtime.tv_nsec),
            (m.mtime(), m.mtime_nsec()),
            "{name}"
        );
        assert_eq!(host(&inode).host_id(), (m.dev(), m.ino()), "{name}");
    }
    let m = std::fs::metadata(&tree.path).unwrap();
    assert_eq!(root.attr().unwrap().ino, m.ino());
}

#[test]
fn mutations_are_read_only() {
    let tree = TempTree::new();
    let before = tree.snapshot();
    let fs = tree.fs();
    let root = fs.root();
    let file = root.lookup(b"file").unwrap();
    let sub = root.lookup(b"sub").unwrap();
    let creds = Creds { uid: 0, gid: 0 };

    for node in [
        NewNode::Regular,
        NewNode::Directory,
        NewNode::Symlink(b"x".to_vec()),
        NewNode::Fifo,
    ] {
        assert_eq!(
            root.create(b"new", node.clone(), 0o644, creds).err(),
            Some(Errno::EROFS)
        );
        // An existing name is reported first, as Linux does.
        assert_eq!(
            root.create(b"file", node, 0o644, creds).err(),
            Some(Errno::EEXIST)
        );
    }
    assert_eq!(root.link(b"new", &file).err(), Some(Errno::EROFS));
    assert_eq!(root.unlink(b"file").err(), Some(Errno::EROFS));
    assert_eq!(root.unlink(b"missing").err(), Some(Errno::EROFS));
    assert_eq!(root.rmdir(b"sub").err(), Some(Errno::EROFS));
    assert_eq!(
        root.rename(b"file", &sub, b"moved", RenameFlags::default())
            .err(),
        Some(Errno::EROFS)
    );
    assert_eq!(file.write_at(b"changed", 0).err(), Some(Errno::EROFS));
    assert_eq!(
        file.allocate(0, 4096, false, false).err(),
        Some(Errno::EROFS)
    );
    for inode in [&root, &file, &sub] {
        let change = SetAttr {
            perm: Some(0o777),
            size: Some(0),
            ..SetAttr::default()
        };
        assert_eq!(inode.set_attr(&change).err(), Some(Errno::EROFS));
        assert_eq!(
            inode.setxattr(b"user.x", b"v", XattrMode::Any).err(),
            Some(Errno::EROFS)
        );
        assert_eq!(inode.removexattr(b"user.x").err(), Some(Errno::EROFS));
    }
    // Directory operations on a non-directory.
    assert_eq!(file.unlink(b"x").err(), Some(Errno::ENOTDIR));
    assert_eq!(
        file.create(b"x", NewNode::Regular, 0o644, creds).err(),
        Some(Errno::ENOTDIR)
    );

    assert_eq!(tree.snapshot(), before);
}

/// Sets the attribute `name` of the host file `path` with `setxattr(2)`.
fn set_xattr(path: &Path, name: &CStr, value: &[u8]) -> std::io::Result<()> {
    let path = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `path` and `name` are NUL-terminated; the host reads `value.len()` bytes
    // of `value`.
    let r = unsafe {
        libc::setxattr(
            path.as_ptr(),
            name.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Sets `user.veil` on `path`; `false` (after saying why) if the host file system
/// does not support user attributes.
fn set_user_xattr(path: &Path, value: &[u8]) -> bool {
    match set_xattr(path, c"user.veil", value) {
        Ok(()) => true,
        Err(e) if e.raw_os_error() == Some(libc::ENOTSUP) => {
            eprintln!(
                "skipping the user.* read-back: the host file system of {} has no user \
                 attributes ({e})",
                path.display()
            );
            false
        }
        Err(e) => panic!("setxattr {}: {e}", path.display()),
    }
}

#[test]
fn xattrs_read_back() {
    let tree = TempTree::new();
    let value = b"veil-value";
    let is_set = set_user_xattr(&tree.path.join("file"), value);
    let fs = tree.fs();
    let root = fs.root();
    let file = root.lookup(b"file").unwrap();
    if is_set {
        assert_eq!(file.getxattr(b"user.veil").unwrap(), value);
        assert!(file.listxattr().unwrap().contains(&b"user.veil".to_vec()));
        assert_eq!(file.getxattr(b"user.absent").err(), Some(Errno::ENODATA));
    }

    // Symlinks have none; bad names are ERANGE.
    let link = root.lookup(b"link").unwrap();
    assert_eq!(link.getxattr(b"user.veil").err(), Some(Errno::ENODATA));
    assert_eq!(link.listxattr().unwrap(), Vec::<Vec<u8>>::new());
    assert_eq!(file.getxattr(b"").err(), Some(Errno::ERANGE));
    assert_eq!(file.getxattr(&[b'u'; 256]).err(), Some(Errno::ERANGE));

    // Directories and FIFOs can be asked (the FIFO without being opened).
    root.listxattr().unwrap();
    let fifo = root.lookup(b"fifo").unwrap();
    assert_eq!(fifo.getxattr(b"user.veil").err(), Some(Errno::ENODATA));
    // user.* is not allowed on a FIFO, and only root may set trusted.*.
    match set_xattr(&tree.path.join("fifo"), c"trusted.veil", value) {
        Ok(()) => {
            assert_eq!(fifo.getxattr(b"trusted.veil").unwrap(), value);
            assert!(fifo
                .listxattr()
                .unwrap()
                .contains(&b"trusted.veil".to_vec()));
        }
        Err(e) => eprintln!("skipping the FIFO read-back: setting trusted.veil failed ({e})"),
    }
}

#[test]
fn unreadable_file_xattr_names_are_listed() {
    let tree = TempTree::new();
    let p = tree.path.join("file");
    let value = b"hidden";
    let is_set = set_user_xattr(&p, value);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    let fs = tree.fs();
    let file = fs.root().lookup(b"file").unwrap();
    let is_root = nix::unistd::geteuid().is_root();
    if is_root {
        eprintln!("running as root: the file is readable anyway, no fallback tested");
    } else {
        let mut buf = [0u8; 4];
        assert_eq!(file.read_at(&mut buf, 0).err(), Some(Errno::EACCES));
    }
    // Read through the path of the O_PATH descriptor when the file cannot be opened:
    // names need no permission, user.* values need read permission (as on Linux).
    if is_set {
        assert!(file.listxattr().unwrap().contains(&b"user.veil".to_vec()));
        let want = if is_root {
            Ok(value.to_vec())
        } else {
            Err(Errno::EACCES)
        };
        assert_eq!(file.getxattr(b"user.veil"), want);
    } else {
        file.listxattr().unwrap();
    }
    assert_eq!(file.attr().unwrap().perm, 0);
}

#[test]
fn host_proc_is_hidden() {
    let fs = HostFs::new(Path::new("/")).unwrap();
    let root = fs.root();
    assert_eq!(root.lookup(b"proc").err(), Some(Errno::ENOENT));
    assert_eq!(HostFs::new(Path::new("/proc")).err(), Some(Errno::ENOENT));
    assert_eq!(
        HostFs::new(Path::new("/proc/self")).err(),
        Some(Errno::ENOENT)
    );

    let proc_is_procfs =
        nix::sys::statfs::statfs("/proc").is_ok_and(|s| s.filesystem_type().0 == 0x9fa0);
    if proc_is_procfs {
        let names: Vec<Vec<u8>> = root
            .readdir()
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert!(!names.contains(&b"proc".to_vec()), "/proc listed");
        assert!(names.contains(&b"tmp".to_vec()) || names.contains(&b"usr".to_vec()));
    } else {
        eprintln!("the host's /proc is not a procfs; only the lookup was checked");
    }
}

#[test]
fn root_must_be_a_directory() {
    let tree = TempTree::new();
    assert_eq!(
        HostFs::new(&tree.path.join("file")).err(),
        Some(Errno::ENOTDIR)
    );
    assert_eq!(
        HostFs::new(&tree.path.join("missing")).err(),
        Some(Errno::ENOENT)
    );
}
