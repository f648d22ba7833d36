//! Overlay tests: a tmpfs upper over a tmpfs lower (and a failing upper for the
//! copy-up fault tests).

use std::any::Any;
use std::sync::Arc;

use veil_abi::Errno;
use veil_memmap::MemoryFile;

use super::*;
use crate::inode::{
    Attr, Creds, DirEntryInfo, FileType, InodeOps, NewNode, RenameFlags, SetAttr, XattrMode,
};
use crate::tmpfs::Tmpfs;
use crate::walk::rename_lock;

const ROOT: Creds = Creds { uid: 0, gid: 0 };

fn memory() -> Arc<MemoryFile> {
    Arc::new(MemoryFile::new(1 << 30).unwrap())
}

/// A lower layer: /dir/file ("lower data", mode 0640, user.tag=v), /dir/sub/deep,
/// /link -> dir/file, /empty/.
fn lower_tree(mem: &Arc<MemoryFile>) -> InodeRef {
    let fs = Tmpfs::new(mem.clone());
    let root = fs.root();
    let dir = root
        .create(b"dir", NewNode::Directory, 0o755, ROOT)
        .unwrap();
    let file = dir
        .create(b"file", NewNode::Regular, 0o640, Creds { uid: 7, gid: 8 })
        .unwrap();
    file.write_at(b"lower data", 0).unwrap();
    file.setxattr(b"user.tag", b"v", XattrMode::Any).unwrap();
    let sub = dir.create(b"sub", NewNode::Directory, 0o755, ROOT).unwrap();
    sub.create(b"deep", NewNode::Regular, 0o644, ROOT)
        .unwrap()
        .write_at(b"deep", 0)
        .unwrap();
    root.create(b"link", NewNode::Symlink(b"dir/file".to_vec()), 0o777, ROOT)
        .unwrap();
    root.create(b"empty", NewNode::Directory, 0o755, ROOT)
        .unwrap();
    root
}

fn overlay_over(lower: InodeRef, mem: &Arc<MemoryFile>) -> (Overlay, InodeRef) {
    let upper = Tmpfs::new(mem.clone()).root();
    (Overlay::new(upper.clone(), lower), upper)
}

fn names(dir: &InodeRef) -> Vec<String> {
    dir.readdir()
        .unwrap()
        .into_iter()
        .map(|e: DirEntryInfo| String::from_utf8(e.name).unwrap())
        .collect()
}

fn read_all(f: &InodeRef) -> Vec<u8> {
    let mut buf = vec![0u8; 256];
    let n = f.read_at(&mut buf, 0).unwrap();
    buf.truncate(n);
    buf
}

fn walk(root: &InodeRef, path: &str) -> Result<InodeRef, Errno> {
    path.split('/')
        .filter(|c| !c.is_empty())
        .try_fold(root.clone(), |d, c| d.lookup(c.as_bytes()))
}

#[test]
fn reads_come_from_the_lower_until_a_write_copies_up() {
    let mem = memory();
    let lower = lower_tree(&mem);
    let (ov, upper) = overlay_over(lower.clone(), &mem);
    let root = ov.root();
    let file = walk(&root, "dir/file").unwrap();
    assert_eq!(read_all(&file), b"lower data");
    assert!(walk(&upper, "dir").is_err(), "nothing copied up by reading");
    let ino = file.attr().unwrap().ino;

    file.write_at(b"UPPER", 0).unwrap();
    assert_eq!(read_all(&file), b"UPPER data");
    assert_eq!(
        read_all(&walk(&lower, "dir/file").unwrap()),
        b"lower data",
        "lower untouched"
    );
    let up = walk(&upper, "dir/file").unwrap();
    assert_eq!(read_all(&up), b"UPPER data");
    // Attributes and xattrs came along; the inode number the guest sees is stable.
    let a: Attr = up.attr().unwrap();
    assert_eq!((a.perm, a.uid, a.gid), (0o640, 7, 8));
    assert_eq!(up.getxattr(b"user.tag").unwrap(), b"v");
    assert_eq!(file.attr().unwrap().ino, ino);
    // The ancestor was copied up as a directory with the lower's mode.
    assert_eq!(walk(&upper, "dir").unwrap().attr().unwrap().perm, 0o755);
}

#[test]
fn copy_up_keeps_the_times() {
    let mem = memory();
    let lower = lower_tree(&mem);
    let (ov, upper) = overlay_over(lower.clone(), &mem);
    let file = walk(&ov.root(), "dir/file").unwrap();
    // An xattr change copies up without touching the contents.
    file.setxattr(b"user.more", b"1", XattrMode::Any).unwrap();
    let (a, b): (Attr, Attr) = (
        walk(&upper, "dir/file").unwrap().attr().unwrap(),
        walk(&lower, "dir/file").unwrap().attr().unwrap(),
    );
    assert_eq!((a.atime, a.mtime, a.size), (b.atime, b.mtime, b.size));
}

#[test]
fn an_inode_opened_before_copy_up_reads_the_upper_after() {
    let mem = memory();
    let (ov, _) = overlay_over(lower_tree(&mem), &mem);
    let reader = walk(&ov.root(), "dir/file").unwrap();
    let writer = walk(&ov.root(), "dir/file").unwrap();
    writer.write_at(b"X", 0).unwrap();
    assert_eq!(read_all(&reader), b"Xower data");
}

#[test]
fn unlink_leaves_a_whiteout_and_the_name_can_be_recreated() {
    let mem = memory();
    let (ov, upper) = overlay_over(lower_tree(&mem), &mem);
    let dir = walk(&ov.root(), "dir").unwrap();
    {
        let _r = rename_lock().read();
        dir.unlink(b"file").unwrap();
    }
    assert_eq!(dir.lookup(b"file").err(), Some(Errno::ENOENT));
    assert_eq!(names(&dir), ["sub"]);
    let wh = walk(&upper, "dir/file").unwrap();
    assert_eq!(
        (wh.kind(), wh.attr().unwrap().rdev),
        (FileType::CharDevice, 0)
    );
    let again = dir.create(b"file", NewNode::Regular, 0o600, ROOT).unwrap();
    assert_eq!(read_all(&again), b"", "re-created empty");
    // The new file takes the old one's place in the listing.
    assert_eq!(names(&dir), ["file", "sub"]);
}

#[test]
fn rename_in_a_lower_directory_lists_each_name_once() {
    let mem = memory();
    let (ov, _) = overlay_over(lower_tree(&mem), &mem);
    let dir = walk(&ov.root(), "dir").unwrap();
    {
        let _r = rename_lock().write();
        dir.rename(b"file", &dir, b"moved", RenameFlags::default())
            .unwrap();
    }
    let mut listed = names(&dir);
    listed.sort();
    assert_eq!(listed, ["moved", "sub"]);
    assert_eq!(read_all(&dir.lookup(b"moved").unwrap()), b"lower data");
    assert_eq!(dir.lookup(b"file").err(), Some(Errno::ENOENT));
}

#[test]
fn rmdir_of_a_non_empty_merged_directory_is_enotempty() {
    let mem = memory();
    let (ov, _) = overlay_over(lower_tree(&mem), &mem);
    let root = ov.root();
    let dir = walk(&root, "dir").unwrap();
    assert_eq!(
        {
            let _r = rename_lock().read();
            dir.rmdir(b"sub")
        },
        Err(Errno::ENOTEMPTY)
    );
    let sub = dir.lookup(b"sub").unwrap();
    {
        let _r = rename_lock().read();
        sub.unlink(b"deep").unwrap();
    }
    {
        let _r = rename_lock().read();
        dir.rmdir(b"sub").unwrap();
    }
    assert_eq!(dir.lookup(b"sub").err(), Some(Errno::ENOENT));
    // A new directory of that name is opaque: the lower's contents stay hidden.
    let sub = dir.create(b"sub", NewNode::Directory, 0o755, ROOT).unwrap();
    assert!(names(&sub).is_empty());
    {
        let _r = rename_lock().read();
        root.rmdir(b"empty").unwrap();
    }
    assert!(!names(&root).contains(&"empty".to_string()));
}

#[test]
fn mkdir_inside_a_lower_directory_and_symlinks_keep_their_target() {
    let mem = memory();
    let (ov, upper) = overlay_over(lower_tree(&mem), &mem);
    let root = ov.root();
    let deep = walk(&root, "dir/sub").unwrap();
    let new = deep
        .create(b"new", NewNode::Directory, 0o700, ROOT)
        .unwrap();
    new.create(b"f", NewNode::Regular, 0o600, ROOT).unwrap();
    assert!(walk(&upper, "dir/sub/new/f").is_ok());
    let link = root.lookup(b"link").unwrap();
    assert_eq!(link.readlink().unwrap(), b"dir/file");
    link.set_attr(&SetAttr {
        uid: Some(5),
        ..SetAttr::default()
    })
    .unwrap();
    assert_eq!(
        walk(&upper, "link").unwrap().readlink().unwrap(),
        b"dir/file"
    );
}

#[test]
fn racing_writers_all_land() {
    let mem = memory();
    let lower = lower_tree(&mem);
    let (ov, _) = overlay_over(lower, &mem);
    let root = ov.root();
    std::thread::scope(|s| {
        for i in 0..8u8 {
            let root = root.clone();
            s.spawn(move || {
                let f = walk(&root, "dir/file").unwrap();
                f.write_at(&[b'0' + i], u64::from(i)).unwrap();
            });
        }
    });
    assert_eq!(
        &read_all(&walk(&root, "dir/file").unwrap())[..8],
        b"01234567"
    );
}

#[test]
fn hard_links_to_lower_files_copy_up_first() {
    let mem = memory();
    let (ov, _) = overlay_over(lower_tree(&mem), &mem);
    let root = ov.root();
    let file = walk(&root, "dir/file").unwrap();
    {
        let _r = rename_lock().read();
        root.link(b"hard", &file).unwrap();
    }
    let hard = root.lookup(b"hard").unwrap();
    hard.write_at(b"HARD", 0).unwrap();
    assert_eq!(read_all(&file), b"HARDr data");
}

/// An upper layer that fails one chosen step, to check copy-up cleans up.
struct Faulty {
    inner: InodeRef,
    fail: &'static str,
}

impl Faulty {
    fn wrap(inner: InodeRef, fail: &'static str) -> InodeRef {
        Arc::new(Faulty { inner, fail })
    }
}

impl InodeOps for Faulty {
    fn kind(&self) -> FileType {
        self.inner.kind()
    }
    fn attr(&self) -> Result<Attr, Errno> {
        self.inner.attr()
    }
    fn set_attr(&self, c: &SetAttr) -> Result<(), Errno> {
        self.inner.set_attr(c)
    }
    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        self.inner.lookup(name).map(|i| Faulty::wrap(i, self.fail))
    }
    fn readdir(&self) -> Result<Vec<DirEntryInfo>, Errno> {
        self.inner.readdir()
    }
    fn create(
        &self,
        name: &[u8],
        node: NewNode,
        perm: u32,
        creds: Creds,
    ) -> Result<InodeRef, Errno> {
        if self.fail == "create" && node == NewNode::Regular {
            return Err(Errno::ENOSPC);
        }
        self.inner
            .create(name, node, perm, creds)
            .map(|i| Faulty::wrap(i, self.fail))
    }
    fn unlink(&self, name: &[u8]) -> Result<(), Errno> {
        self.inner.unlink(name)
    }
    fn rmdir(&self, name: &[u8]) -> Result<(), Errno> {
        self.inner.rmdir(name)
    }
    fn write_at(&self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        if self.fail == "write" {
            return Err(Errno::ENOSPC);
        }
        self.inner.write_at(buf, offset)
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.inner.read_at(buf, offset)
    }
    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        self.inner.getxattr(name)
    }
    fn setxattr(&self, name: &[u8], value: &[u8], mode: XattrMode) -> Result<(), Errno> {
        if self.fail == "xattr" && name.starts_with(b"user.") {
            return Err(Errno::ENOSPC);
        }
        self.inner.setxattr(name, value, mode)
    }
    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        self.inner.listxattr()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[test]
fn a_failed_copy_up_step_leaves_no_partial_file_and_is_eio() {
    for step in ["create", "write", "xattr"] {
        let mem = memory();
        let lower = lower_tree(&mem);
        let upper = Tmpfs::new(mem.clone()).root();
        let ov = Overlay::new(Faulty::wrap(upper.clone(), step), lower);
        let file = walk(&ov.root(), "dir/file").unwrap();
        assert_eq!(file.write_at(b"x", 0), Err(Errno::EIO), "step {step}");
        let dir = walk(&upper, "dir").unwrap();
        assert_eq!(
            dir.lookup(b"file").err(),
            Some(Errno::ENOENT),
            "partial upper file left by {step}"
        );
        assert_eq!(
            read_all(&file),
            b"lower data",
            "still reads the lower after {step}"
        );
    }
}

#[test]
fn the_name_layer_drives_the_overlay_in_lock_order() {
    use crate::walk::{MountNamespace, WalkCtx, WalkFlags};
    let mem = memory();
    let (ov, upper) = overlay_over(lower_tree(&mem), &mem);
    let ns = MountNamespace::new(ov.root());
    let root = ns.root();
    let ctx = WalkCtx::new(&ns, &root, &root);
    let dir = ctx.resolve(b"/dir", WalkFlags::FOLLOW).unwrap();
    dir.dirent
        .create_child(b"made", NewNode::Regular, 0o644, ROOT)
        .unwrap();
    dir.dirent.unlink_child(b"file").unwrap();
    let sub = ctx.resolve(b"/dir/sub", WalkFlags::FOLLOW).unwrap();
    crate::walk::Dirent::rename(
        &sub.dirent,
        b"deep",
        &dir.dirent,
        b"deeper",
        RenameFlags::default(),
    )
    .unwrap();
    let file = ctx.resolve(b"/dir/deeper", WalkFlags::FOLLOW).unwrap();
    file.inode().write_at(b"D", 0).unwrap();
    assert_eq!(read_all(&walk(&upper, "dir/deeper").unwrap()), b"Deep");
    let mut listed = names(dir.inode());
    listed.sort();
    assert_eq!(listed, ["deeper", "made", "sub"]);
}

/// A lower layer holding /big, `len` bytes of a pattern.
fn big_lower(mem: &Arc<MemoryFile>, len: usize) -> (InodeRef, Vec<u8>) {
    let fs = Tmpfs::new(mem.clone());
    let root = fs.root();
    let data: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
    root.create(b"big", NewNode::Regular, 0o644, ROOT)
        .unwrap()
        .write_at(&data, 0)
        .unwrap();
    (root, data)
}

#[test]
fn copy_up_of_a_large_file_copies_only_the_page_written() {
    let mem = memory();
    let len = 8 << 20;
    let (lower, mut want) = big_lower(&mem, len);
    let (ov, upper) = overlay_over(lower.clone(), &mem);
    let before = mem.allocated_bytes();
    let big = walk(&ov.root(), "big").unwrap();
    big.write_at(b"#", 5000).unwrap();
    want[5000] = b'#';
    let up = walk(&upper, "big").unwrap();
    let a = up.attr().unwrap();
    assert_eq!((a.size, a.blocks), (len as u64, 8), "one page of its own");
    assert_eq!(
        mem.allocated_bytes() - before,
        4096,
        "no copy of the contents"
    );
    // The guest sees the lower's bytes around the written one, through either inode.
    let mut got = vec![0u8; len + 10];
    assert_eq!(big.read_at(&mut got, 0).unwrap(), len);
    assert!(got[..len] == want[..], "overlay read");
    let mut got = vec![0u8; 10000];
    assert_eq!(up.read_at(&mut got, len as u64 - 5000).unwrap(), 5000);
    assert_eq!(got[..5000], want[len - 5000..]);
    // The lower is untouched, and attributes came along as for a copy.
    let low = walk(&lower, "big").unwrap();
    let mut got = vec![0u8; 8];
    low.read_at(&mut got, 4998).unwrap();
    let lower_want: Vec<u8> = (4998..5006).map(|i| (i % 253) as u8).collect();
    assert_eq!(got, lower_want);
    let la = low.attr().unwrap();
    assert_eq!((a.perm, a.uid, a.gid), (la.perm, la.uid, la.gid));
    // Truncating the copy and growing it again shows zeroes, not the lower.
    big.set_attr(&SetAttr {
        size: Some(4096),
        ..SetAttr::default()
    })
    .unwrap();
    big.set_attr(&SetAttr {
        size: Some(3 * 4096),
        ..SetAttr::default()
    })
    .unwrap();
    let mut got = vec![0xffu8; 3 * 4096];
    assert_eq!(big.read_at(&mut got, 0).unwrap(), 3 * 4096);
    assert_eq!(got[..4096], want[..4096]);
    assert!(got[4096..].iter().all(|&b| b == 0));
}

#[test]
fn copy_up_of_a_large_host_file_is_backed_by_it() {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "veil-overlay-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir(&dir).unwrap();
    let len = 3 << 20;
    let mut want: Vec<u8> = (0..len).map(|i| (i % 241) as u8).collect();
    std::fs::write(dir.join("big"), &want).unwrap();
    let mem = memory();
    let lower = crate::hostfs::HostFs::new(&dir).unwrap().root();
    let (ov, upper) = overlay_over(lower, &mem);
    let big = walk(&ov.root(), "big").unwrap();
    big.write_at(b"host", len as u64 - 4).unwrap();
    want[len - 4..].copy_from_slice(b"host");
    let up = walk(&upper, "big").unwrap();
    assert_eq!(up.attr().unwrap().blocks, 8);
    let mut got = vec![0u8; len + 10];
    assert_eq!(big.read_at(&mut got, 0).unwrap(), len);
    assert!(got[..len] == want[..]);
    // The host file did not change.
    assert_eq!(std::fs::read(dir.join("big")).unwrap().len(), len);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn small_files_and_other_uppers_are_still_copied() {
    let mem = memory();
    let (lower, want) = big_lower(&mem, 1 << 20);
    // An upper that is not a tmpfs inode gets the copy loop.
    let upper = Tmpfs::new(mem.clone()).root();
    let ov = Overlay::new(Faulty::wrap(upper.clone(), "none"), lower);
    let big = walk(&ov.root(), "big").unwrap();
    big.write_at(b"x", 0).unwrap();
    let up = walk(&upper, "big").unwrap();
    assert_eq!(up.attr().unwrap().blocks, 256 * 8, "every page copied");
    let mut got = vec![0u8; 16];
    up.read_at(&mut got, 1).unwrap();
    assert_eq!(got[..], want[1..17]);
    // A small file into a tmpfs upper: copied (the existing tests' "lower data").
    let (ov, upper) = overlay_over(lower_tree(&mem), &mem);
    walk(&ov.root(), "dir/file")
        .unwrap()
        .write_at(b"L", 0)
        .unwrap();
    assert_eq!(walk(&upper, "dir/file").unwrap().attr().unwrap().blocks, 8);
}

#[test]
fn a_backed_copy_up_keeps_the_times() {
    let mem = memory();
    let (lower, _) = big_lower(&mem, 1 << 20);
    let (ov, upper) = overlay_over(lower.clone(), &mem);
    let big = walk(&ov.root(), "big").unwrap();
    big.setxattr(b"user.more", b"1", XattrMode::Any).unwrap();
    let (a, b): (Attr, Attr) = (
        walk(&upper, "big").unwrap().attr().unwrap(),
        walk(&lower, "big").unwrap().attr().unwrap(),
    );
    assert_eq!(
        (a.atime, a.mtime, a.size, a.blocks),
        (b.atime, b.mtime, b.size, 0)
    );
}
