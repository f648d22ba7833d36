//! Tests of tmpfs: each rule of `InodeOps` as Linux's tmpfs follows it.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use veil_abi::structs::Timespec;
use veil_abi::Errno;
use veil_memmap::MemoryFile;

use super::{Tmpfs, TmpfsInode};
use crate::inode::{Creds, FileType, InodeRef, NewNode, RenameFlags, SetAttr, XattrMode};

const ROOT: Creds = Creds { uid: 0, gid: 0 };
const PAGE: u64 = 4096;
const NONE: RenameFlags = RenameFlags {
    noreplace: false,
    exchange: false,
};
const NOREPLACE: RenameFlags = RenameFlags {
    noreplace: true,
    exchange: false,
};
const EXCHANGE: RenameFlags = RenameFlags {
    noreplace: false,
    exchange: true,
};

/// A memory file of `pages` pages.
fn memory(pages: u64) -> Arc<MemoryFile> {
    Arc::new(MemoryFile::new(pages * PAGE).unwrap())
}

/// A fresh instance over a 1 GiB memory file.
fn fs() -> Arc<Tmpfs> {
    Tmpfs::new(memory(1 << 18))
}

fn mk(dir: &InodeRef, name: &str, node: NewNode) -> InodeRef {
    dir.create(name.as_bytes(), node, 0o644, ROOT).unwrap()
}

fn file(dir: &InodeRef, name: &str) -> InodeRef {
    mk(dir, name, NewNode::Regular)
}

fn subdir(dir: &InodeRef, name: &str) -> InodeRef {
    mk(dir, name, NewNode::Directory)
}

fn names(dir: &InodeRef) -> Vec<String> {
    dir.readdir()
        .unwrap()
        .into_iter()
        .map(|e| String::from_utf8(e.name).unwrap())
        .collect()
}

fn nlink(inode: &InodeRef) -> u64 {
    inode.attr().unwrap().nlink
}

fn size(inode: &InodeRef) -> u64 {
    inode.attr().unwrap().size
}

fn blocks(inode: &InodeRef) -> u64 {
    inode.attr().unwrap().blocks
}

fn read_all(inode: &InodeRef, offset: u64, len: usize) -> Vec<u8> {
    let mut buf = vec![0xee; len];
    let n = inode.read_at(&mut buf, offset).unwrap();
    buf.truncate(n);
    buf
}

fn same(a: &InodeRef, b: &InodeRef) -> bool {
    Arc::ptr_eq(a, b)
}

fn tmpfs_inode(inode: &InodeRef) -> &TmpfsInode {
    inode.as_any().downcast_ref::<TmpfsInode>().unwrap()
}

fn ts(sec: i64) -> Timespec {
    Timespec {
        tv_sec: sec,
        tv_nsec: 0,
    }
}

/// Whether `a` is later than `b`.
fn after(a: Timespec, b: Timespec) -> bool {
    (a.tv_sec, a.tv_nsec) > (b.tv_sec, b.tv_nsec)
}

/// Lets the real-time clock move on, so that a new timestamp differs from an old one.
fn tick() {
    thread::sleep(Duration::from_millis(2));
}

/// Sets atime and mtime to the distant past and returns the ctime that leaves.
fn age(inode: &InodeRef) -> Timespec {
    inode
        .set_attr(&SetAttr {
            atime: Some(ts(1)),
            mtime: Some(ts(2)),
            ..Default::default()
        })
        .unwrap();
    let ctime = inode.attr().unwrap().ctime;
    tick();
    ctime
}

// ---- the instance ----

#[test]
fn tmpfs_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Tmpfs>();
    check::<TmpfsInode>();
}

#[test]
fn root_is_a_0755_directory_with_two_links_and_its_own_device() {
    let a = fs();
    let b = fs();
    let attr = a.root().attr().unwrap();
    assert_eq!(attr.kind, FileType::Directory);
    assert_eq!(attr.perm, 0o755);
    assert_eq!((attr.uid, attr.gid), (0, 0));
    assert_eq!(attr.nlink, 2);
    assert_eq!(attr.ino, 1);
    assert_eq!(attr.dev, a.dev());
    assert_ne!(a.dev(), b.dev());
    assert_eq!(b.root().attr().unwrap().dev, b.dev());
    assert_eq!(attr.size, 40);
    assert_eq!(attr.atime, attr.mtime);
    assert_eq!(attr.mtime, attr.ctime);
    // The device number is major 0 (anonymous).
    assert_eq!(libc::major(a.dev()), 0);
}

#[test]
fn new_with_root_sets_root_permissions_and_owner() {
    let fs = Tmpfs::new_with_root(
        memory(16),
        0o1777,
        Creds {
            uid: 1000,
            gid: 100,
        },
    );
    let attr = fs.root().attr().unwrap();
    assert_eq!(attr.perm, 0o1777);
    assert_eq!((attr.uid, attr.gid), (1000, 100));
}

#[test]
fn root_outlives_its_instance() {
    let fs = fs();
    let root = fs.root();
    let f = file(&root, "f");
    drop(fs);
    f.write_at(b"still here", 0).unwrap();
    assert_eq!(read_all(&root.lookup(b"f").unwrap(), 0, 64), b"still here");
}

// ---- create, lookup, readdir ----

#[test]
fn create_makes_every_file_type() {
    let fs = fs();
    let root = fs.root();
    let creds = Creds { uid: 7, gid: 8 };
    let cases = [
        (NewNode::Regular, FileType::Regular, 0),
        (NewNode::Directory, FileType::Directory, 0),
        (
            NewNode::Symlink(b"/some/where".to_vec()),
            FileType::Symlink,
            0,
        ),
        (NewNode::Fifo, FileType::Fifo, 0),
        (
            NewNode::CharDevice(libc::makedev(1, 3)),
            FileType::CharDevice,
            libc::makedev(1, 3),
        ),
        (
            NewNode::BlockDevice(libc::makedev(8, 1)),
            FileType::BlockDevice,
            libc::makedev(8, 1),
        ),
        (NewNode::Socket, FileType::Socket, 0),
    ];
    let mut inos = Vec::new();
    for (i, (node, kind, rdev)) in cases.into_iter().enumerate() {
        let name = format!("n{i}");
        let inode = root.create(name.as_bytes(), node, 0o640, creds).unwrap();
        let attr = inode.attr().unwrap();
        assert_eq!(inode.kind(), kind);
        assert_eq!(attr.kind, kind);
        assert_eq!(attr.rdev, rdev);
        assert_eq!((attr.uid, attr.gid), (7, 8));
        assert_eq!(attr.dev, fs.dev());
        let (perm, links) = match kind {
            FileType::Symlink => (0o777, 1),
            FileType::Directory => (0o640, 2),
            _ => (0o640, 1),
        };
        assert_eq!(attr.perm, perm, "{kind:?}");
        assert_eq!(attr.nlink, links, "{kind:?}");
        assert_eq!(attr.blksize, 4096);
        assert!(same(&root.lookup(name.as_bytes()).unwrap(), &inode));
        inos.push(attr.ino);
    }
    inos.dedup();
    assert_eq!(inos.len(), 7, "inode numbers are distinct");
    let link = root.lookup(b"n2").unwrap();
    assert_eq!(link.readlink().unwrap(), b"/some/where");
    assert_eq!(size(&link), 11);
    assert_eq!(root.lookup(b"n0").unwrap().readlink(), Err(Errno::EINVAL));
    // Only the subdirectory adds a link to the root.
    assert_eq!(nlink(&root), 3);
    assert_eq!(size(&root), (7 + 2) * 20);
}

#[test]
fn create_refuses_an_existing_name_and_bad_symlinks() {
    let fs = fs();
    let root = fs.root();
    file(&root, "a");
    for node in [NewNode::Regular, NewNode::Directory, NewNode::Fifo] {
        assert_eq!(
            root.create(b"a", node, 0o644, ROOT).err(),
            Some(Errno::EEXIST)
        );
    }
    assert_eq!(
        root.create(b"l", NewNode::Symlink(Vec::new()), 0o777, ROOT)
            .err(),
        Some(Errno::ENOENT)
    );
    let long = NewNode::Symlink(vec![b'x'; 4096]);
    assert_eq!(
        root.create(b"l", long, 0o777, ROOT).err(),
        Some(Errno::ENAMETOOLONG)
    );
    let longest = NewNode::Symlink(vec![b'x'; 4095]);
    assert!(root.create(b"l", longest, 0o777, ROOT).is_ok());
}

#[test]
fn names_are_checked() {
    let fs = fs();
    let root = fs.root();
    for bad in [&b""[..], b"a/b", b"/", b".", b"..", b"a\0b"] {
        assert_eq!(root.lookup(bad).err(), Some(Errno::EINVAL), "{bad:?}");
        assert_eq!(
            root.create(bad, NewNode::Regular, 0o644, ROOT).err(),
            Some(Errno::EINVAL)
        );
        assert_eq!(root.unlink(bad), Err(Errno::EINVAL));
    }
    let long = vec![b'n'; 256];
    assert_eq!(root.lookup(&long).err(), Some(Errno::ENAMETOOLONG));
    assert_eq!(
        root.create(&long, NewNode::Regular, 0o644, ROOT).err(),
        Some(Errno::ENAMETOOLONG)
    );
    let longest = vec![b'n'; 255];
    root.create(&longest, NewNode::Regular, 0o644, ROOT)
        .unwrap();
    assert!(root.lookup(&longest).is_ok());
}

#[test]
fn directory_operations_on_a_non_directory_are_enotdir() {
    let fs = fs();
    let root = fs.root();
    let f = file(&root, "f");
    assert_eq!(f.lookup(b"x").err(), Some(Errno::ENOTDIR));
    assert_eq!(f.readdir().err(), Some(Errno::ENOTDIR));
    assert_eq!(
        f.create(b"x", NewNode::Regular, 0o644, ROOT).err(),
        Some(Errno::ENOTDIR)
    );
    assert_eq!(f.unlink(b"x"), Err(Errno::ENOTDIR));
    assert_eq!(f.rmdir(b"x"), Err(Errno::ENOTDIR));
    assert_eq!(f.link(b"x", &root), Err(Errno::ENOTDIR));
    assert_eq!(f.rename(b"x", &root, b"y", NONE), Err(Errno::ENOTDIR));
    assert_eq!(root.lookup(b"absent").err(), Some(Errno::ENOENT));
}

#[test]
fn readdir_lists_in_creation_order_and_removal_does_not_reorder() {
    let fs = fs();
    let root = fs.root();
    for n in ["e", "a", "d", "b", "c"] {
        file(&root, n);
    }
    subdir(&root, "sub");
    assert_eq!(names(&root), ["e", "a", "d", "b", "c", "sub"]);
    root.unlink(b"a").unwrap();
    root.unlink(b"b").unwrap();
    assert_eq!(names(&root), ["e", "d", "c", "sub"]);
    assert_eq!(names(&root), ["e", "d", "c", "sub"], "stable between calls");
    file(&root, "a");
    root.rmdir(b"sub").unwrap();
    assert_eq!(names(&root), ["e", "d", "c", "a"]);
    let listing = root.readdir().unwrap();
    for e in &listing {
        let inode = root.lookup(&e.name).unwrap();
        assert_eq!(e.ino, inode.attr().unwrap().ino);
        assert_eq!(e.kind, FileType::Regular);
    }
    assert_eq!(size(&root), (4 + 2) * 20);
}

// ---- link, unlink, rmdir ----

#[test]
fn hard_links_count_and_share_data() {
    let fs = fs();
    let root = fs.root();
    let d = subdir(&root, "d");
    let f = file(&root, "f");
    f.write_at(b"shared", 0).unwrap();
    root.link(b"g", &f).unwrap();
    d.link(b"h", &f).unwrap();
    assert_eq!(nlink(&f), 3);
    let h = d.lookup(b"h").unwrap();
    assert!(same(&h, &f));
    h.write_at(b"S", 0).unwrap();
    assert_eq!(read_all(&root.lookup(b"g").unwrap(), 0, 16), b"Shared");
    root.unlink(b"f").unwrap();
    assert_eq!(nlink(&f), 2);
    assert_eq!(read_all(&h, 0, 16), b"Shared");
    d.unlink(b"h").unwrap();
    root.unlink(b"g").unwrap();
    assert_eq!(nlink(&f), 0);
    // A file with no names left cannot get one back.
    assert_eq!(root.link(b"again", &f), Err(Errno::ENOENT));
}

#[test]
fn link_errors() {
    let fs = fs();
    let other = self::fs();
    let root = fs.root();
    let f = file(&root, "f");
    let d = subdir(&root, "d");
    let foreign = file(&other.root(), "x");
    assert_eq!(root.link(b"x", &foreign), Err(Errno::EXDEV));
    assert_eq!(root.link(b"x", &d), Err(Errno::EPERM));
    assert_eq!(root.link(b"x", &root), Err(Errno::EPERM));
    assert_eq!(root.link(b"d", &f), Err(Errno::EEXIST));
    assert_eq!(root.link(b"", &f), Err(Errno::EINVAL));
    assert_eq!(nlink(&f), 1);
    assert_eq!(nlink(&root), 3);
}

#[test]
fn an_unlinked_file_stays_readable_while_referenced() {
    let mem = memory(4);
    let fs = Tmpfs::new(mem.clone());
    let root = fs.root();
    let f = file(&root, "f");
    f.write_at(&[7; 3 * 4096], 0).unwrap();
    root.unlink(b"f").unwrap();
    assert_eq!(root.lookup(b"f").err(), Some(Errno::ENOENT));
    assert_eq!(nlink(&f), 0);
    assert_eq!(read_all(&f, 0, 3 * 4096), vec![7; 3 * 4096]);
    f.write_at(b"more", 3 * 4096).unwrap();
    assert_eq!(size(&f), 3 * 4096 + 4);
    // The memory file (4 pages) is full until the last reference goes.
    let g = file(&root, "g");
    assert_eq!(g.write_at(&[1], 0), Err(Errno::ENOSPC));
    drop(f);
    assert_eq!(g.write_at(&[1; 4 * 4096], 0), Ok(4 * 4096));
}

#[test]
fn unlink_and_rmdir_check_the_type() {
    let fs = fs();
    let root = fs.root();
    let d = subdir(&root, "d");
    file(&root, "f");
    assert_eq!(root.unlink(b"d"), Err(Errno::EISDIR));
    assert_eq!(root.rmdir(b"f"), Err(Errno::ENOTDIR));
    assert_eq!(root.unlink(b"absent"), Err(Errno::ENOENT));
    assert_eq!(root.rmdir(b"absent"), Err(Errno::ENOENT));
    assert_eq!(names(&root), ["d", "f"]);
    assert_eq!(nlink(&d), 2);
}

#[test]
fn rmdir_needs_an_empty_directory_and_updates_links() {
    let fs = fs();
    let root = fs.root();
    let d = subdir(&root, "d");
    let e = subdir(&d, "e");
    assert_eq!(nlink(&root), 3);
    assert_eq!(nlink(&d), 3);
    assert_eq!(root.rmdir(b"d"), Err(Errno::ENOTEMPTY));
    d.rmdir(b"e").unwrap();
    assert_eq!(nlink(&e), 0);
    assert_eq!(nlink(&d), 2);
    file(&d, "f");
    assert_eq!(root.rmdir(b"d"), Err(Errno::ENOTEMPTY));
    d.unlink(b"f").unwrap();
    root.rmdir(b"d").unwrap();
    assert_eq!(nlink(&root), 2);
    assert_eq!(nlink(&d), 0);
    // A removed directory takes no new entries.
    assert_eq!(
        d.create(b"x", NewNode::Regular, 0o644, ROOT).err(),
        Some(Errno::ENOENT)
    );
    assert_eq!(d.readdir().unwrap(), []);
}

#[test]
fn setgid_directories_pass_on_their_group() {
    let fs = Tmpfs::new_with_root(memory(16), 0o2775, Creds { uid: 0, gid: 50 });
    let root = fs.root();
    let user = Creds {
        uid: 1000,
        gid: 1000,
    };
    let f = root.create(b"f", NewNode::Regular, 0o644, user).unwrap();
    let d = root.create(b"d", NewNode::Directory, 0o755, user).unwrap();
    assert_eq!(f.attr().unwrap().gid, 50);
    assert_eq!(f.attr().unwrap().perm, 0o644);
    assert_eq!(d.attr().unwrap().gid, 50);
    assert_eq!(d.attr().unwrap().perm, 0o2755);
    assert_eq!(f.attr().unwrap().uid, 1000);
}

// ---- data ----

#[test]
fn write_then_read() {
    let fs = fs();
    let f = file(&fs.root(), "f");
    assert_eq!(f.write_at(b"hello, world", 0), Ok(12));
    assert_eq!(size(&f), 12);
    assert_eq!(blocks(&f), 8);
    assert_eq!(read_all(&f, 0, 100), b"hello, world");
    assert_eq!(read_all(&f, 7, 3), b"wor");
    assert_eq!(read_all(&f, 12, 10), b"");
    assert_eq!(read_all(&f, 1 << 40, 10), b"");
    // A write across a page boundary.
    let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
    f.write_at(&data, 4000).unwrap();
    assert_eq!(read_all(&f, 4000, 10_000), data);
    assert_eq!(blocks(&f), 4 * 8);
    assert_eq!(f.write_at(b"", 1 << 50), Ok(0));
    assert_eq!(size(&f), 14_000, "an empty write does not grow the file");
}

#[test]
fn sparse_file_has_a_hole_of_zeroes_taking_no_pages() {
    let fs = fs();
    let f = file(&fs.root(), "f");
    f.write_at(b"x", 1 << 20).unwrap();
    assert_eq!(size(&f), (1 << 20) + 1);
    assert_eq!(blocks(&f), 8);
    assert_eq!(read_all(&f, 0, 1 << 20), vec![0; 1 << 20]);
    assert_eq!(read_all(&f, (1 << 20) - 2, 10), b"\0\0x");
    let pages = tmpfs_inode(&f).pages();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].0, 256);
    assert_eq!(pages[0].1.len(), 4096);
    assert_eq!(tmpfs_inode(&f).size(), (1 << 20) + 1);
}

#[test]
fn page_accessors_map_file_pages_to_memory_file_ranges() {
    let mem = memory(64);
    let fs = Tmpfs::new(mem.clone());
    let f = file(&fs.root(), "f");
    let t = tmpfs_inode(&f);
    f.write_at(b"page two", 2 * 4096 + 5).unwrap();
    f.write_at(b"page zero", 0).unwrap();
    let pages = t.pages();
    assert_eq!(pages.iter().map(|p| p.0).collect::<Vec<_>>(), [0, 2]);
    let mut buf = [0u8; 8];
    mem.read(pages[1].1.start + 5, &mut buf);
    assert_eq!(&buf, b"page two");
    assert_eq!(
        t.pages_in(1..3).iter().map(|p| p.0).collect::<Vec<_>>(),
        [2]
    );
    assert_eq!(t.pages_in(3..100), []);
    // A write fault of a hole allocates a zeroed page, without changing the size.
    let r = t.page_or_allocate(1).unwrap();
    assert_eq!(t.page_or_allocate(1), Ok(r));
    mem.write(r.start, b"mapped");
    assert_eq!(read_all(&f, 4096, 6), b"mapped");
    assert_eq!(size(&f), 2 * 4096 + 13);
    assert_eq!(blocks(&f), 3 * 8);
    let d = fs.root();
    let dir = tmpfs_inode(&d);
    assert_eq!(dir.pages(), []);
    assert_eq!(dir.page_or_allocate(0), Err(Errno::EINVAL));
    assert_eq!(t.page_or_allocate(u64::MAX / 4096), Err(Errno::EFBIG));
}

#[test]
fn offsets_past_i64_max_are_refused() {
    let fs = fs();
    let f = file(&fs.root(), "f");
    let max = i64::MAX as u64;
    assert_eq!(f.write_at(b"x", max), Err(Errno::EINVAL));
    assert_eq!(f.write_at(b"xy", max - 1), Err(Errno::EINVAL));
    assert_eq!(f.write_at(b"x", 1 << 63), Err(Errno::EINVAL));
    assert_eq!(f.write_at(b"x", u64::MAX), Err(Errno::EINVAL));
    let mut buf = [0u8; 2];
    assert_eq!(f.read_at(&mut buf, max), Err(Errno::EINVAL));
    // The very end of the largest file is reachable and sparse.
    assert_eq!(f.write_at(b"end", max - 3), Ok(3));
    assert_eq!(size(&f), max);
    assert_eq!(blocks(&f), 8);
    assert_eq!(read_all(&f, max - 5, 5), b"\0\0end");
}

#[test]
fn data_operations_check_the_type() {
    let fs = fs();
    let root = fs.root();
    let fifo = mk(&root, "p", NewNode::Fifo);
    let mut buf = [0u8; 4];
    assert_eq!(root.read_at(&mut buf, 0), Err(Errno::EISDIR));
    assert_eq!(root.write_at(b"x", 0), Err(Errno::EISDIR));
    assert_eq!(fifo.read_at(&mut buf, 0), Err(Errno::EINVAL));
    assert_eq!(fifo.write_at(b"x", 0), Err(Errno::EINVAL));
}

#[test]
fn a_full_memory_file_gives_short_writes_then_enospc() {
    let fs = Tmpfs::new(memory(2));
    let f = file(&fs.root(), "f");
    assert_eq!(f.write_at(&[1; 3 * 4096], 0), Ok(2 * 4096));
    assert_eq!(size(&f), 2 * 4096);
    assert_eq!(f.write_at(&[1], 2 * 4096), Err(Errno::ENOSPC));
    assert_eq!(size(&f), 2 * 4096);
    // Overwriting allocated pages needs no memory.
    assert_eq!(f.write_at(&[2; 4096], 100), Ok(4096));
}

#[test]
fn truncate_shrinks_frees_and_zeroes_and_grows_a_hole() {
    let mem = memory(3);
    let fs = Tmpfs::new(mem.clone());
    let f = file(&fs.root(), "f");
    f.write_at(&[0xaa; 3 * 4096], 0).unwrap();
    assert_eq!(blocks(&f), 24);
    f.set_attr(&SetAttr {
        size: Some(5000),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(size(&f), 5000);
    assert_eq!(blocks(&f), 16, "the third page is freed");
    f.set_attr(&SetAttr {
        size: Some(3 * 4096),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(size(&f), 3 * 4096);
    assert_eq!(blocks(&f), 16, "growing leaves a hole");
    let data = read_all(&f, 0, 3 * 4096);
    assert_eq!(data[..5000], [0xaa; 5000]);
    assert!(
        data[5000..].iter().all(|&b| b == 0),
        "the cut tail reads as zeroes"
    );
    // The freed page is usable again (the memory file has only 3).
    let g = file(&fs.root(), "g");
    assert_eq!(g.write_at(&[1; 4096], 0), Ok(4096));
    f.set_attr(&SetAttr {
        size: Some(0),
        ..Default::default()
    })
    .unwrap();
    assert_eq!((size(&f), blocks(&f)), (0, 0));
    assert_eq!(read_all(&f, 0, 10), b"");
}

#[test]
fn set_attr_size_checks_the_type_and_range() {
    let fs = fs();
    let root = fs.root();
    let f = file(&root, "f");
    let link = mk(&root, "l", NewNode::Symlink(b"f".to_vec()));
    let fifo = mk(&root, "p", NewNode::Fifo);
    let size = |s| SetAttr {
        size: Some(s),
        ..Default::default()
    };
    assert_eq!(root.set_attr(&size(0)), Err(Errno::EISDIR));
    assert_eq!(link.set_attr(&size(0)), Err(Errno::EINVAL));
    assert_eq!(fifo.set_attr(&size(0)), Err(Errno::EINVAL));
    assert_eq!(f.set_attr(&size(1 << 63)), Err(Errno::EINVAL));
    // All or nothing: the permission change of a failing call is not applied.
    let both = SetAttr {
        perm: Some(0o600),
        size: Some(0),
        ..Default::default()
    };
    assert_eq!(root.set_attr(&both), Err(Errno::EISDIR));
    assert_eq!(root.attr().unwrap().perm, 0o755);
    f.set_attr(&size(i64::MAX as u64)).unwrap();
    assert_eq!(self::size(&f), i64::MAX as u64);
    assert_eq!(blocks(&f), 0);
}

#[test]
fn set_attr_changes_owner_and_permissions() {
    let fs = fs();
    let f = file(&fs.root(), "f");
    f.set_attr(&SetAttr {
        perm: Some(0o104755),
        uid: Some(5),
        gid: Some(6),
        ..Default::default()
    })
    .unwrap();
    let attr = f.attr().unwrap();
    assert_eq!(attr.perm, 0o4755, "only the permission bits are kept");
    assert_eq!((attr.uid, attr.gid), (5, 6));
    assert_eq!(attr.kind, FileType::Regular);
}

#[test]
fn fallocate_allocates_with_or_without_growing() {
    let fs = fs();
    let f = file(&fs.root(), "f");
    f.allocate(100, 5000, false, false).unwrap();
    assert_eq!(size(&f), 5100);
    assert_eq!(blocks(&f), 16);
    assert_eq!(read_all(&f, 0, 6000), vec![0; 5100]);
    f.allocate(0, 5 * 4096, true, false).unwrap();
    assert_eq!(size(&f), 5100, "KEEP_SIZE");
    assert_eq!(blocks(&f), 40);
    // Allocating within the size never shrinks it.
    f.allocate(0, 10, false, false).unwrap();
    assert_eq!(size(&f), 5100);
    // A truncation, even to the same size, frees what lies beyond the size.
    f.set_attr(&SetAttr {
        size: Some(5100),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(blocks(&f), 16);
}

#[test]
fn fallocate_undoes_its_allocations_on_enospc() {
    let fs = Tmpfs::new(memory(4));
    let f = file(&fs.root(), "f");
    f.write_at(b"x", 0).unwrap();
    assert_eq!(f.allocate(0, 8 * 4096, false, false), Err(Errno::ENOSPC));
    assert_eq!(blocks(&f), 8);
    assert_eq!(size(&f), 1);
    f.allocate(0, 4 * 4096, false, false).unwrap();
    assert_eq!(blocks(&f), 32);
}

#[test]
fn fallocate_punch_frees_whole_pages_and_zeroes_partial_ones() {
    let fs = fs();
    let f = file(&fs.root(), "f");
    f.write_at(&[0x55; 4 * 4096], 0).unwrap();
    // Bytes 1000 .. 3 * 4096 + 10: page 0 partly, pages 1 and 2 wholly, page 3 partly.
    f.allocate(1000, 3 * 4096 + 10 - 1000, true, true).unwrap();
    assert_eq!(size(&f), 4 * 4096);
    assert_eq!(blocks(&f), 16);
    assert_eq!(
        tmpfs_inode(&f)
            .pages()
            .iter()
            .map(|p| p.0)
            .collect::<Vec<_>>(),
        [0, 3]
    );
    let data = read_all(&f, 0, 4 * 4096);
    assert_eq!(data[..1000], [0x55; 1000]);
    assert!(data[1000..3 * 4096 + 10].iter().all(|&b| b == 0));
    assert!(data[3 * 4096 + 10..].iter().all(|&b| b == 0x55));
    // A punch inside one page zeroes only its range.
    f.allocate(3 * 4096 + 20, 5, false, true).unwrap();
    let data = read_all(&f, 3 * 4096, 4096);
    assert_eq!(data[10..20], [0x55; 10]);
    assert_eq!(data[20..25], [0; 5]);
    assert_eq!(data[25..], [0x55; 4096 - 25]);
    // Punching an aligned range at the start of a page, beyond the size.
    f.allocate(3 * 4096, 4096, false, true).unwrap();
    assert_eq!(blocks(&f), 8);
    f.allocate(1 << 30, 4096, false, true).unwrap();
    assert_eq!(size(&f), 4 * 4096, "punching never changes the size");
}

#[test]
fn fallocate_errors() {
    let fs = fs();
    let root = fs.root();
    let f = file(&root, "f");
    let fifo = mk(&root, "p", NewNode::Fifo);
    let chr = mk(&root, "c", NewNode::CharDevice(0x103));
    let max = i64::MAX as u64;
    assert_eq!(f.allocate(0, 0, false, false), Err(Errno::EINVAL));
    assert_eq!(f.allocate(1 << 63, 1, false, false), Err(Errno::EINVAL));
    assert_eq!(f.allocate(0, 1 << 63, false, false), Err(Errno::EINVAL));
    assert_eq!(fifo.allocate(0, 1, false, false), Err(Errno::ESPIPE));
    assert_eq!(root.allocate(0, 1, false, false), Err(Errno::EISDIR));
    assert_eq!(chr.allocate(0, 1, false, false), Err(Errno::ENODEV));
    assert_eq!(f.allocate(max, 1, false, false), Err(Errno::EFBIG));
    assert_eq!(f.allocate(max - 10, 20, true, true), Err(Errno::EFBIG));
    // The checks come in vfs_fallocate's order.
    assert_eq!(root.allocate(0, 0, false, false), Err(Errno::EINVAL));
    assert_eq!(fifo.allocate(max, 1, false, false), Err(Errno::ESPIPE));
}

// ---- rename ----

#[test]
fn rename_moves_a_file_within_and_between_directories() {
    let fs = fs();
    let root = fs.root();
    let d = subdir(&root, "d");
    let a = file(&root, "a");
    file(&root, "b");
    root.rename(b"a", &root, b"z", NONE).unwrap();
    assert_eq!(root.lookup(b"a").err(), Some(Errno::ENOENT));
    assert!(same(&root.lookup(b"z").unwrap(), &a));
    assert_eq!(names(&root), ["d", "b", "z"], "the new name goes last");
    root.rename(b"z", &d, b"a", NONE).unwrap();
    assert!(same(&d.lookup(b"a").unwrap(), &a));
    assert_eq!(names(&root), ["d", "b"]);
    assert_eq!(nlink(&a), 1);
    assert_eq!((nlink(&root), nlink(&d)), (3, 2));
    assert_eq!(root.rename(b"absent", &d, b"x", NONE), Err(Errno::ENOENT));
}

#[test]
fn rename_of_a_directory_moves_a_parent_link() {
    let fs = fs();
    let root = fs.root();
    let p = subdir(&root, "p");
    let q = subdir(&root, "q");
    let sub = subdir(&p, "sub");
    assert_eq!((nlink(&p), nlink(&q)), (3, 2));
    p.rename(b"sub", &q, b"sub", NONE).unwrap();
    assert_eq!((nlink(&p), nlink(&q)), (2, 3));
    assert_eq!(nlink(&sub), 2);
    q.rename(b"sub", &q, b"renamed", NONE).unwrap();
    assert_eq!(nlink(&q), 3);
    assert_eq!(nlink(&root), 4);
}

#[test]
fn rename_onto_itself_is_a_no_op() {
    let fs = fs();
    let root = fs.root();
    let f = file(&root, "f");
    file(&root, "z");
    root.link(b"g", &f).unwrap();
    root.rename(b"f", &root, b"f", NONE).unwrap();
    assert_eq!(names(&root), ["f", "z", "g"]);
    // Two names of one inode: nothing happens, both stay (as Linux).
    root.rename(b"f", &root, b"g", NONE).unwrap();
    assert_eq!(names(&root), ["f", "z", "g"]);
    assert_eq!(nlink(&f), 2);
    root.rename(b"f", &root, b"g", EXCHANGE).unwrap();
    assert_eq!(names(&root), ["f", "z", "g"]);
    // NOREPLACE sees an existing target first.
    assert_eq!(
        root.rename(b"f", &root, b"f", NOREPLACE),
        Err(Errno::EEXIST)
    );
}

#[test]
fn rename_over_a_file_replaces_it_in_place() {
    let fs = fs();
    let root = fs.root();
    let a = file(&root, "a");
    let b = file(&root, "b");
    file(&root, "c");
    b.write_at(b"old b", 0).unwrap();
    root.rename(b"a", &root, b"b", NONE).unwrap();
    assert!(same(&root.lookup(b"b").unwrap(), &a));
    assert_eq!(names(&root), ["b", "c"]);
    assert_eq!(nlink(&b), 0);
    assert_eq!(
        read_all(&b, 0, 10),
        b"old b",
        "the replaced file lives while referenced"
    );
    assert_eq!(nlink(&a), 1);
}

#[test]
fn rename_of_directories_over_directories() {
    let fs = fs();
    let root = fs.root();
    let d = subdir(&root, "d");
    let empty = subdir(&root, "empty");
    let full = subdir(&root, "full");
    file(&full, "x");
    assert_eq!(
        root.rename(b"d", &root, b"full", NONE),
        Err(Errno::ENOTEMPTY)
    );
    assert_eq!(nlink(&root), 5);
    root.rename(b"d", &root, b"empty", NONE).unwrap();
    assert!(same(&root.lookup(b"empty").unwrap(), &d));
    assert_eq!(nlink(&empty), 0);
    assert_eq!(nlink(&root), 4, "one subdirectory fewer");
    assert_eq!(names(&root), ["empty", "full"]);
    // Across directories: the old parent loses a link, the new one keeps its count.
    let e2 = subdir(&full, "e2");
    assert_eq!(nlink(&full), 3);
    root.rename(b"empty", &full, b"e2", NONE).unwrap();
    assert_eq!((nlink(&root), nlink(&full)), (3, 3));
    assert_eq!(nlink(&e2), 0);
    assert!(same(&full.lookup(b"e2").unwrap(), &d));
}

#[test]
fn rename_type_mismatches() {
    let fs = fs();
    let root = fs.root();
    subdir(&root, "d");
    file(&root, "f");
    assert_eq!(root.rename(b"d", &root, b"f", NONE), Err(Errno::ENOTDIR));
    assert_eq!(root.rename(b"f", &root, b"d", NONE), Err(Errno::EISDIR));
    assert_eq!(names(&root), ["d", "f"]);
}

#[test]
fn rename_noreplace() {
    let fs = fs();
    let root = fs.root();
    let a = file(&root, "a");
    let b = file(&root, "b");
    assert_eq!(
        root.rename(b"a", &root, b"b", NOREPLACE),
        Err(Errno::EEXIST)
    );
    assert!(same(&root.lookup(b"b").unwrap(), &b));
    root.rename(b"a", &root, b"c", NOREPLACE).unwrap();
    assert!(same(&root.lookup(b"c").unwrap(), &a));
    let both = RenameFlags {
        noreplace: true,
        exchange: true,
    };
    assert_eq!(root.rename(b"c", &root, b"b", both), Err(Errno::EINVAL));
}

#[test]
fn rename_exchange() {
    let fs = fs();
    let root = fs.root();
    let p = subdir(&root, "p");
    let q = subdir(&root, "q");
    let f = file(&p, "f");
    file(&p, "g");
    let d = subdir(&q, "d");
    file(&q, "h");
    assert_eq!((nlink(&p), nlink(&q)), (2, 3));
    // File and directory in different parents: the directory's parent link moves.
    p.rename(b"f", &q, b"d", EXCHANGE).unwrap();
    assert!(same(&p.lookup(b"f").unwrap(), &d));
    assert!(same(&q.lookup(b"d").unwrap(), &f));
    assert_eq!((nlink(&p), nlink(&q)), (3, 2));
    assert_eq!(names(&p), ["f", "g"], "exchanged names keep their places");
    assert_eq!(names(&q), ["d", "h"]);
    assert_eq!((nlink(&f), nlink(&d)), (1, 2));
    // Exchanging a directory with a non-empty directory is fine.
    file(&d, "inside");
    let e = subdir(&q, "e");
    p.rename(b"f", &q, b"e", EXCHANGE).unwrap();
    assert!(same(&q.lookup(b"e").unwrap(), &d));
    assert!(same(&p.lookup(b"f").unwrap(), &e));
    assert_eq!((nlink(&p), nlink(&q)), (3, 3));
    // The target must exist.
    assert_eq!(p.rename(b"g", &q, b"absent", EXCHANGE), Err(Errno::ENOENT));
    assert_eq!(p.rename(b"absent", &q, b"h", EXCHANGE), Err(Errno::ENOENT));
}

#[test]
fn rename_errors() {
    let fs = fs();
    let other = self::fs();
    let root = fs.root();
    let d = subdir(&root, "d");
    let f = file(&root, "f");
    subdir(&d, "x");
    assert_eq!(
        root.rename(b"f", &other.root(), b"f", NONE),
        Err(Errno::EXDEV)
    );
    assert_eq!(root.rename(b"f", &f, b"g", NONE), Err(Errno::ENOTDIR));
    assert_eq!(root.rename(b"f", &root, b"", NONE), Err(Errno::EINVAL));
    assert_eq!(
        root.rename(b"f", &root, &[b'n'; 256], NONE),
        Err(Errno::ENAMETOOLONG)
    );
    // A directory into itself, and a parent replaced by its child.
    assert_eq!(root.rename(b"d", &d, b"y", NONE), Err(Errno::EINVAL));
    assert_eq!(d.rename(b"x", &root, b"d", NONE), Err(Errno::ENOTEMPTY));
    assert_eq!(d.rename(b"x", &root, b"d", EXCHANGE), Err(Errno::EINVAL));
    // Out of or into a removed directory.
    let gone = subdir(&root, "gone");
    root.rmdir(b"gone").unwrap();
    assert_eq!(root.rename(b"f", &gone, b"f", NONE), Err(Errno::ENOENT));
    assert_eq!(names(&root), ["d", "f"]);
}

// ---- timestamps ----

#[test]
fn creation_sets_all_times_and_touches_the_directory() {
    let fs = fs();
    let root = fs.root();
    let old = age(&root);
    let f = file(&root, "f");
    let attr = f.attr().unwrap();
    assert_eq!(attr.atime, attr.mtime);
    assert_eq!(attr.mtime, attr.ctime);
    let dir = root.attr().unwrap();
    assert_eq!(
        dir.mtime, attr.mtime,
        "the directory's times are the new file's"
    );
    assert_eq!(dir.ctime, attr.ctime);
    assert!(after(dir.ctime, old));
    assert_eq!(dir.atime, ts(1));
}

#[test]
fn write_and_truncate_set_mtime_and_ctime() {
    let fs = fs();
    let f = file(&fs.root(), "f");
    let old = age(&f);
    f.write_at(b"data", 0).unwrap();
    let attr = f.attr().unwrap();
    assert_eq!(attr.atime, ts(1));
    assert!(after(attr.mtime, ts(2)));
    assert!(after(attr.ctime, old));
    assert_eq!(attr.mtime, attr.ctime);
    let old = age(&f);
    f.set_attr(&SetAttr {
        size: Some(1),
        ..Default::default()
    })
    .unwrap();
    let attr = f.attr().unwrap();
    assert!(after(attr.mtime, ts(2)));
    assert!(after(attr.ctime, old));
    // A truncation to the same size changes no time.
    let old = age(&f);
    f.set_attr(&SetAttr {
        size: Some(1),
        ..Default::default()
    })
    .unwrap();
    let attr = f.attr().unwrap();
    assert_eq!((attr.mtime, attr.ctime), (ts(2), old));
    // fallocate, too, sets both.
    f.allocate(0, 4096, true, false).unwrap();
    let attr = f.attr().unwrap();
    assert!(after(attr.mtime, ts(2)) && after(attr.ctime, old));
}

#[test]
fn reads_refresh_atime_under_relatime() {
    let fs = fs();
    let f = file(&fs.root(), "f");
    f.write_at(b"data", 0).unwrap();
    age(&f);
    read_all(&f, 0, 4);
    let attr = f.attr().unwrap();
    assert!(
        after(attr.atime, ts(1)),
        "an atime older than mtime is refreshed"
    );
    assert_eq!(attr.mtime, ts(2));
    let atime = attr.atime;
    tick();
    read_all(&f, 0, 4);
    assert_eq!(
        f.attr().unwrap().atime,
        atime,
        "a recent atime newer than mtime stays"
    );
}

#[test]
fn set_attr_sets_explicit_times_and_ctime() {
    let fs = fs();
    let f = file(&fs.root(), "f");
    let before = f.attr().unwrap();
    tick();
    f.set_attr(&SetAttr {
        atime: Some(ts(100)),
        mtime: Some(ts(200)),
        ..Default::default()
    })
    .unwrap();
    let attr = f.attr().unwrap();
    assert_eq!((attr.atime, attr.mtime), (ts(100), ts(200)));
    assert!(after(attr.ctime, before.ctime));
    let old = attr.ctime;
    tick();
    f.set_attr(&SetAttr {
        perm: Some(0o600),
        ..Default::default()
    })
    .unwrap();
    let attr = f.attr().unwrap();
    assert!(after(attr.ctime, old));
    assert_eq!((attr.atime, attr.mtime), (ts(100), ts(200)));
    // An empty change changes nothing.
    let old = attr.ctime;
    tick();
    f.set_attr(&SetAttr::default()).unwrap();
    assert_eq!(f.attr().unwrap().ctime, old);
}

#[test]
fn link_unlink_and_rename_update_ctime_and_directory_times() {
    let fs = fs();
    let root = fs.root();
    let d = subdir(&root, "d");
    let f = file(&root, "f");
    let (old_f, old_root, old_d) = (age(&f), age(&root), age(&d));
    d.link(b"g", &f).unwrap();
    let (fa, da) = (f.attr().unwrap(), d.attr().unwrap());
    assert!(after(fa.ctime, old_f));
    assert_eq!(fa.mtime, ts(2), "a link is not a change of the content");
    assert!(after(da.mtime, ts(2)) && after(da.ctime, old_d));
    assert_eq!(
        root.attr().unwrap().ctime,
        old_root,
        "the other directory is untouched"
    );
    let (old_f, old_d) = (age(&f), age(&d));
    d.unlink(b"g").unwrap();
    assert!(after(f.attr().unwrap().ctime, old_f));
    assert!(after(d.attr().unwrap().mtime, ts(2)) && after(d.attr().unwrap().ctime, old_d));
    let (old_f, old_root, old_d) = (age(&f), age(&root), age(&d));
    root.rename(b"f", &d, b"f", NONE).unwrap();
    assert!(after(f.attr().unwrap().ctime, old_f));
    assert_eq!(f.attr().unwrap().mtime, ts(2));
    assert!(
        after(root.attr().unwrap().mtime, ts(2)) && after(root.attr().unwrap().ctime, old_root)
    );
    assert!(after(d.attr().unwrap().mtime, ts(2)) && after(d.attr().unwrap().ctime, old_d));
    let old_d = age(&d);
    subdir(&d, "sub");
    d.rmdir(b"sub").unwrap();
    assert!(after(d.attr().unwrap().ctime, old_d));
}

// ---- extended attributes ----

#[test]
fn xattrs_in_supported_namespaces() {
    let fs = fs();
    let f = file(&fs.root(), "f");
    for name in [&b"user.a"[..], b"trusted.b", b"security.c"] {
        f.setxattr(name, b"value", XattrMode::Any).unwrap();
        assert_eq!(f.getxattr(name).unwrap(), b"value");
    }
    f.setxattr(b"user.empty", b"", XattrMode::Any).unwrap();
    assert_eq!(f.getxattr(b"user.empty").unwrap(), b"");
    assert_eq!(
        f.listxattr().unwrap(),
        [&b"security.c"[..], b"trusted.b", b"user.a", b"user.empty"],
        "listed in name order"
    );
    f.removexattr(b"trusted.b").unwrap();
    assert_eq!(f.getxattr(b"trusted.b"), Err(Errno::ENODATA));
    assert_eq!(f.removexattr(b"trusted.b"), Err(Errno::ENODATA));
    assert_eq!(f.getxattr(b"user.absent"), Err(Errno::ENODATA));
    // Directories take user.* too.
    fs.root()
        .setxattr(b"user.dir", b"1", XattrMode::Any)
        .unwrap();
    assert_eq!(fs.root().getxattr(b"user.dir").unwrap(), b"1");
}

#[test]
fn xattr_modes() {
    let fs = fs();
    let f = file(&fs.root(), "f");
    assert_eq!(
        f.setxattr(b"user.x", b"1", XattrMode::Replace),
        Err(Errno::ENODATA)
    );
    f.setxattr(b"user.x", b"1", XattrMode::Create).unwrap();
    assert_eq!(
        f.setxattr(b"user.x", b"2", XattrMode::Create),
        Err(Errno::EEXIST)
    );
    assert_eq!(f.getxattr(b"user.x").unwrap(), b"1");
    f.setxattr(b"user.x", b"3", XattrMode::Replace).unwrap();
    assert_eq!(f.getxattr(b"user.x").unwrap(), b"3");
    f.setxattr(b"user.x", b"4", XattrMode::Any).unwrap();
    assert_eq!(f.getxattr(b"user.x").unwrap(), b"4");
}

#[test]
fn xattr_names_and_values_are_checked() {
    let fs = fs();
    let root = fs.root();
    let f = file(&root, "f");
    for name in [
        &b"system.posix_acl_access"[..],
        b"os2.x",
        b"nothing",
        b"usr.x",
    ] {
        assert_eq!(
            f.setxattr(name, b"v", XattrMode::Any),
            Err(Errno::EOPNOTSUPP),
            "{name:?}"
        );
        assert_eq!(f.getxattr(name), Err(Errno::EOPNOTSUPP));
        assert_eq!(f.removexattr(name), Err(Errno::EOPNOTSUPP));
    }
    assert_eq!(
        f.setxattr(b"user.", b"v", XattrMode::Any),
        Err(Errno::EINVAL)
    );
    assert_eq!(f.setxattr(b"", b"v", XattrMode::Any), Err(Errno::ERANGE));
    let mut long = b"user.".to_vec();
    long.resize(256, b'n');
    assert_eq!(f.setxattr(&long, b"v", XattrMode::Any), Err(Errno::ERANGE));
    assert_eq!(f.getxattr(&long), Err(Errno::ERANGE));
    long.truncate(255);
    f.setxattr(&long, b"v", XattrMode::Any).unwrap();
    assert_eq!(
        f.setxattr(b"user.big", &vec![0; 65537], XattrMode::Any),
        Err(Errno::E2BIG)
    );
    assert_eq!(
        f.setxattr(b"bogus.big", &vec![0; 65537], XattrMode::Any),
        Err(Errno::E2BIG)
    );
    f.setxattr(b"user.big", &vec![9; 65536], XattrMode::Any)
        .unwrap();
    assert_eq!(f.getxattr(b"user.big").unwrap().len(), 65536);
}

#[test]
fn user_xattrs_only_on_regular_files_and_directories() {
    let fs = fs();
    let root = fs.root();
    let others = [
        mk(&root, "l", NewNode::Symlink(b"t".to_vec())),
        mk(&root, "p", NewNode::Fifo),
        mk(&root, "c", NewNode::CharDevice(0x103)),
        mk(&root, "b", NewNode::BlockDevice(0x801)),
        mk(&root, "s", NewNode::Socket),
    ];
    for inode in &others {
        assert_eq!(
            inode.setxattr(b"user.x", b"v", XattrMode::Any),
            Err(Errno::EPERM)
        );
        assert_eq!(inode.removexattr(b"user.x"), Err(Errno::EPERM));
        assert_eq!(inode.getxattr(b"user.x"), Err(Errno::ENODATA));
        inode.setxattr(b"trusted.x", b"v", XattrMode::Any).unwrap();
        inode.setxattr(b"security.x", b"v", XattrMode::Any).unwrap();
        assert_eq!(
            inode.listxattr().unwrap(),
            [&b"security.x"[..], b"trusted.x"]
        );
    }
}

#[test]
fn xattr_changes_set_ctime() {
    let fs = fs();
    let f = file(&fs.root(), "f");
    let old = age(&f);
    f.setxattr(b"user.x", b"1", XattrMode::Any).unwrap();
    let attr = f.attr().unwrap();
    assert!(after(attr.ctime, old));
    assert_eq!(attr.mtime, ts(2));
    let old = attr.ctime;
    tick();
    f.getxattr(b"user.x").unwrap();
    assert_eq!(f.attr().unwrap().ctime, old);
    f.removexattr(b"user.x").unwrap();
    assert!(after(f.attr().unwrap().ctime, old));
}

// ---- lifetime and concurrency ----

#[test]
fn dropping_a_deep_tree_frees_its_pages_without_recursing() {
    let mem = memory(8);
    let fs = Tmpfs::new(mem.clone());
    let mut dir = fs.root();
    for _ in 0..50_000 {
        dir = subdir(&dir, "d");
    }
    file(&dir, "f").write_at(&[1; 8 * 4096], 0).unwrap();
    drop(dir);
    let other = Tmpfs::new(mem.clone());
    let g = file(&other.root(), "g");
    assert_eq!(g.write_at(&[1], 0), Err(Errno::ENOSPC));
    drop(fs);
    assert_eq!(g.write_at(&[1; 8 * 4096], 0), Ok(8 * 4096));
}

#[test]
fn eight_threads_write_different_offsets_of_one_file() {
    const CHUNK: usize = 10_000; // Not page-aligned: neighbours share pages.
    const ROUNDS: usize = 20;
    let fs = fs();
    let f = file(&fs.root(), "f");
    let threads: Vec<_> = (0..8u8)
        .map(|i| {
            let f = f.clone();
            thread::spawn(move || {
                let base = u64::from(i) * (CHUNK * ROUNDS) as u64;
                for round in 0..ROUNDS {
                    let data = vec![i + 1; CHUNK];
                    let offset = base + (round * CHUNK) as u64;
                    assert_eq!(f.write_at(&data, offset), Ok(CHUNK));
                    let mut back = vec![0; CHUNK];
                    assert_eq!(f.read_at(&mut back, offset), Ok(CHUNK));
                    assert_eq!(back, data);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let total = 8 * CHUNK * ROUNDS;
    assert_eq!(size(&f), total as u64);
    assert_eq!(blocks(&f), (total as u64).div_ceil(PAGE) * 8);
    let data = read_all(&f, 0, total);
    for (i, part) in data.chunks(CHUNK * ROUNDS).enumerate() {
        assert!(part.iter().all(|&b| b == i as u8 + 1), "thread {i}'s bytes");
    }
}

#[test]
fn concurrent_renames_links_and_removals_do_not_deadlock() {
    let fs = fs();
    let root = fs.root();
    let a = subdir(&root, "a");
    let b = subdir(&root, "b");
    // `inner` is younger than `b` but, after this move, `b`'s parent: directories
    // appear in both orders of age and depth.
    let inner = subdir(&a, "inner");
    root.rename(b"b", &inner, b"b", NONE).unwrap();
    let dirs = [a.clone(), inner.clone(), b.clone()];
    let threads: Vec<_> = (0..6usize)
        .map(|i| {
            let dirs = dirs.clone();
            thread::spawn(move || {
                let name = format!("f{i}");
                let mine = dirs[0]
                    .create(name.as_bytes(), NewNode::Regular, 0o644, ROOT)
                    .unwrap();
                for round in 0..1000 {
                    let from = &dirs[(i + round) % 3];
                    let to = &dirs[(i + round + 1 + i % 2) % 3];
                    if from
                        .rename(name.as_bytes(), to, name.as_bytes(), NONE)
                        .is_err()
                    {
                        continue;
                    }
                    let link = format!("{name}-link");
                    to.link(link.as_bytes(), &mine).unwrap();
                    let _ = dirs[round % 3].readdir().unwrap();
                    to.unlink(link.as_bytes()).unwrap();
                    // Swap the two subdirectories' roles back and forth.
                    let sub = format!("s{i}");
                    let s = to
                        .create(sub.as_bytes(), NewNode::Directory, 0o755, ROOT)
                        .unwrap();
                    let _ = s.create(b"x", NewNode::Regular, 0o644, ROOT).unwrap();
                    s.unlink(b"x").unwrap();
                    to.rmdir(sub.as_bytes()).unwrap();
                    let other = format!("f{}", (i + 1) % 6);
                    let _ = to.rename(
                        name.as_bytes(),
                        &dirs[round % 3],
                        other.as_bytes(),
                        EXCHANGE,
                    );
                    let _ = to.rename(
                        other.as_bytes(),
                        &dirs[round % 3],
                        other.as_bytes(),
                        EXCHANGE,
                    );
                    // Put `mine` back under `name` wherever it went.
                    for d in &dirs {
                        for e in d.readdir().unwrap() {
                            let named = d.lookup(&e.name).is_ok_and(|x| same(&x, &mine));
                            if named && e.name != name.as_bytes() {
                                let _ = d.rename(&e.name, to, name.as_bytes(), NOREPLACE);
                            }
                        }
                    }
                    let _ = mine.write_at(&[i as u8], round as u64);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Every file still has exactly one name and the directory links are intact.
    let mut total = 0;
    for d in &dirs {
        for e in d.readdir().unwrap() {
            let inode = d.lookup(&e.name).unwrap();
            if inode.kind() == FileType::Regular {
                assert_eq!(nlink(&inode), 1);
                total += 1;
            }
        }
    }
    assert_eq!(total, 6);
    assert_eq!((nlink(&a), nlink(&inner), nlink(&b)), (3, 3, 2));
}

// ---- backed files (overlay copy-up without copying) ----

/// A recognisable byte for offset `i` of a lower file.
fn lower_byte(i: u64) -> u8 {
    (i % 251) as u8 + 1
}

/// The first `len` bytes of a lower file.
fn lower_bytes(len: u64) -> Vec<u8> {
    (0..len).map(lower_byte).collect()
}

/// A lower file of `len` bytes (`lower_bytes`) in an instance of its own, and an empty
/// upper file `f` of another instance backed by it.
fn backed(len: u64) -> (Arc<Tmpfs>, InodeRef, InodeRef) {
    let lower_fs = fs();
    let lower = file(&lower_fs.root(), "lower");
    lower.write_at(&lower_bytes(len), 0).unwrap();
    let upper_fs = Tmpfs::new(lower_fs.memory().clone());
    let f = file(&upper_fs.root(), "f");
    tmpfs_inode(&f).set_backing(lower.clone(), len).unwrap();
    (upper_fs, f, lower)
}

/// Three pages and 100 bytes.
const BACKED_LEN: u64 = 3 * PAGE + 100;

#[test]
fn a_backed_file_reads_the_lower_and_takes_no_pages() {
    let (_fs, f, lower) = backed(BACKED_LEN);
    let t = tmpfs_inode(&f);
    assert!(t.has_backing());
    assert_eq!((size(&f), blocks(&f)), (BACKED_LEN, 0));
    assert!(
        t.pages().is_empty(),
        "only the upper's own pages are reported"
    );
    assert_eq!(read_all(&f, 0, 1 << 16), lower_bytes(BACKED_LEN));
    // Odd offsets and lengths across page boundaries.
    for (off, len) in [
        (1, 10),
        (4090, 20),
        (4096, 4096),
        (5000, 9000),
        (BACKED_LEN - 3, 50),
    ] {
        let want: Vec<u8> = (off..(off + len as u64).min(BACKED_LEN))
            .map(lower_byte)
            .collect();
        assert_eq!(read_all(&f, off, len), want, "read {len} at {off}");
    }
    assert!(read_all(&f, BACKED_LEN, 10).is_empty());
    assert_eq!(blocks(&f), 0, "reading allocates nothing");
    assert_eq!(read_all(&lower, 0, 1 << 16), lower_bytes(BACKED_LEN));
}

#[test]
fn set_backing_checks_its_preconditions() {
    let lower_fs = fs();
    let lower = file(&lower_fs.root(), "lower");
    lower.write_at(b"data", 0).unwrap();
    let fs = fs();
    let root = fs.root();
    // Not empty.
    let full = file(&root, "full");
    full.write_at(b"x", 0).unwrap();
    assert_eq!(
        tmpfs_inode(&full).set_backing(lower.clone(), 4),
        Err(Errno::EINVAL)
    );
    // Not regular, either side.
    let dir = subdir(&root, "d");
    assert_eq!(
        tmpfs_inode(&dir).set_backing(lower.clone(), 4),
        Err(Errno::EINVAL)
    );
    let f = file(&root, "f");
    assert_eq!(
        tmpfs_inode(&f).set_backing(lower_fs.root(), 4),
        Err(Errno::EINVAL)
    );
    // A lower of the same instance, itself included.
    let same_fs = file(&root, "same");
    assert_eq!(tmpfs_inode(&f).set_backing(same_fs, 4), Err(Errno::EINVAL));
    assert_eq!(
        tmpfs_inode(&f).set_backing(f.clone(), 4),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        tmpfs_inode(&f).set_backing(lower.clone(), u64::MAX),
        Err(Errno::EFBIG)
    );
    // Size 0 backs nothing; then a real backing; then not twice.
    tmpfs_inode(&f).set_backing(lower.clone(), 0).unwrap();
    assert!(!tmpfs_inode(&f).has_backing());
    tmpfs_inode(&f).set_backing(lower.clone(), 4).unwrap();
    assert_eq!(read_all(&f, 0, 10), b"data");
    assert_eq!(tmpfs_inode(&f).set_backing(lower, 4), Err(Errno::EINVAL));
}

#[test]
fn writes_to_a_backed_file_copy_only_the_pages_they_touch() {
    let (_fs, f, lower) = backed(BACKED_LEN);
    let mut want = lower_bytes(BACKED_LEN);
    // Two bytes straddling pages 0 and 1: both pages are copied, the rest of them kept.
    f.write_at(b"XY", PAGE - 1).unwrap();
    want[PAGE as usize - 1..PAGE as usize + 1].copy_from_slice(b"XY");
    assert_eq!(blocks(&f), 16);
    assert_eq!(
        tmpfs_inode(&f)
            .pages()
            .iter()
            .map(|p| p.0)
            .collect::<Vec<_>>(),
        [0, 1]
    );
    assert_eq!(read_all(&f, 0, 1 << 16), want);
    // A whole-page write needs no fill; the partial last page keeps the lower's bytes
    // up to the end and zeroes after (the file grows over them).
    f.write_at(&[0xaa; PAGE as usize], 2 * PAGE).unwrap();
    want[2 * PAGE as usize..3 * PAGE as usize].fill(0xaa);
    f.write_at(b"Z", 3 * PAGE + 200).unwrap();
    want.resize(3 * PAGE as usize + 201, 0);
    want[3 * PAGE as usize + 200] = b'Z';
    assert_eq!(size(&f), 3 * PAGE + 201);
    assert_eq!(read_all(&f, 0, 1 << 16), want);
    assert_eq!(blocks(&f), 32);
    // The lower never changes.
    assert_eq!(read_all(&lower, 0, 1 << 16), lower_bytes(BACKED_LEN));
}

#[test]
fn a_backed_file_shrunk_then_grown_reads_zeroes_past_the_cut() {
    let (_fs, f, lower) = backed(BACKED_LEN);
    let shrink = |n: u64| {
        f.set_attr(&SetAttr {
            size: Some(n),
            ..SetAttr::default()
        })
        .unwrap()
    };
    shrink(PAGE + 500);
    shrink(BACKED_LEN + PAGE);
    let mut want = lower_bytes(PAGE + 500);
    want.resize((BACKED_LEN + PAGE) as usize, 0);
    assert_eq!(read_all(&f, 0, 1 << 16), want);
    // Growing back to the old size does not bring the old bytes back, nor does writing
    // the page that held the cut (it is filled from the lower only below the cut).
    f.write_at(b"W", PAGE + 1000).unwrap();
    want[PAGE as usize + 1000] = b'W';
    f.write_at(b"V", 2 * PAGE + 10).unwrap();
    want[2 * PAGE as usize + 10] = b'V';
    assert_eq!(read_all(&f, 0, 1 << 16), want);
    assert!(tmpfs_inode(&f).has_backing());
    // Truncating to 0 lets the lower go.
    let before = Arc::strong_count(&lower);
    shrink(0);
    assert!(!tmpfs_inode(&f).has_backing());
    assert_eq!(Arc::strong_count(&lower), before - 1);
    shrink(100);
    assert_eq!(read_all(&f, 0, 200), [0; 100]);
}

#[test]
fn punching_a_backed_file_reads_zeroes_and_keeps_the_rest() {
    let (_fs, f, _lower) = backed(BACKED_LEN);
    let mut want = lower_bytes(BACKED_LEN);
    // Bytes 100 .. 2 * 4096 + 808: page 0 partly, page 1 wholly, page 2 partly.
    let (from, to) = (100u64, 2 * PAGE + 808);
    f.allocate(from, to - from, true, true).unwrap();
    want[from as usize..to as usize].fill(0);
    assert_eq!(size(&f), BACKED_LEN);
    assert_eq!(read_all(&f, 0, 1 << 16), want);
    // The partial pages were materialised to keep their other bytes; page 1 was not.
    assert_eq!(
        tmpfs_inode(&f)
            .pages()
            .iter()
            .map(|p| p.0)
            .collect::<Vec<_>>(),
        [0, 2]
    );
    assert_eq!(blocks(&f), 16);
    // Writing into the punched page fills it with zeroes, not the lower's bytes.
    f.write_at(b"P", PAGE + 7).unwrap();
    want[PAGE as usize + 7] = b'P';
    assert_eq!(read_all(&f, 0, 1 << 16), want);
    // Punching a page already written, and the partial last page: zeroes again.
    f.allocate(PAGE, PAGE, true, true).unwrap();
    want[PAGE as usize + 7] = 0;
    f.allocate(3 * PAGE, PAGE, true, true).unwrap();
    want[3 * PAGE as usize..].fill(0);
    assert_eq!(read_all(&f, 0, 1 << 16), want);
    assert_eq!(blocks(&f), 16);
    // A punch within one backed page.
    let (_fs2, g, _lower2) = backed(BACKED_LEN);
    g.allocate(PAGE + 10, 20, true, true).unwrap();
    let mut want = lower_bytes(BACKED_LEN);
    want[PAGE as usize + 10..PAGE as usize + 30].fill(0);
    assert_eq!(read_all(&g, 0, 1 << 16), want);
    assert_eq!(blocks(&g), 8);
}

#[test]
fn materialize_and_page_or_allocate_fill_pages_from_the_backing() {
    let (fs, f, _lower) = backed(BACKED_LEN);
    let t = tmpfs_inode(&f);
    let mem = fs.memory();
    let page_bytes = |r: veil_memmap::FileRange| {
        let mut b = vec![0u8; PAGE as usize];
        mem.read(r.start, &mut b);
        b
    };
    let lower_page = |i: u64| {
        let mut b: Vec<u8> = (i * PAGE..((i + 1) * PAGE).min(BACKED_LEN))
            .map(lower_byte)
            .collect();
        b.resize(PAGE as usize, 0);
        b
    };
    // One page, then a range overlapping it (the existing page is returned as is).
    let p1 = t.page_or_allocate(1).unwrap();
    assert_eq!(page_bytes(p1), lower_page(1));
    let pages = t.materialize(0..5).unwrap();
    assert_eq!(
        pages.iter().map(|p| p.0).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
    assert_eq!(pages[1].1, p1);
    for &(i, r) in &pages[..4] {
        assert_eq!(page_bytes(r), lower_page(i), "page {i}");
    }
    assert_eq!(
        page_bytes(pages[4].1),
        vec![0; PAGE as usize],
        "past the end"
    );
    assert_eq!(t.pages(), pages);
    assert_eq!(t.pages_in(1..3), pages[1..3].to_vec());
    assert_eq!(blocks(&f), 40);
    assert_eq!(size(&f), BACKED_LEN, "no size change");
    // Writes through the pages are the file's (a shared mapping).
    mem.write(pages[0].1.start + 3, b"M");
    assert_eq!(read_all(&f, 0, 5)[3], b'M');
    assert_eq!(t.materialize(3..3).unwrap(), []);
    assert_eq!(t.materialize(0..u64::MAX), Err(Errno::EFBIG));
    let fs2 = self::fs();
    let d = subdir(&fs2.root(), "d");
    assert_eq!(tmpfs_inode(&d).materialize(0..1), Err(Errno::EINVAL));
}

#[test]
fn materialize_is_all_or_nothing_when_memory_runs_out() {
    let lower_fs = fs();
    let lower = file(&lower_fs.root(), "lower");
    lower.write_at(&lower_bytes(8 * PAGE), 0).unwrap();
    let small = Tmpfs::new(memory(4));
    let f = file(&small.root(), "f");
    let t = tmpfs_inode(&f);
    t.set_backing(lower, 8 * PAGE).unwrap();
    t.page_or_allocate(2).unwrap();
    assert_eq!(t.materialize(0..8), Err(Errno::ENOSPC));
    assert_eq!(t.pages().iter().map(|p| p.0).collect::<Vec<_>>(), [2]);
    assert_eq!(read_all(&f, 0, 1 << 16), lower_bytes(8 * PAGE));
}

#[test]
fn fallocate_of_a_backed_range_copies_it() {
    let (_fs, f, _lower) = backed(BACKED_LEN);
    f.allocate(PAGE, 2 * PAGE, true, false).unwrap();
    assert_eq!(blocks(&f), 16);
    assert_eq!(read_all(&f, 0, 1 << 16), lower_bytes(BACKED_LEN));
    f.allocate(0, 8 * PAGE, false, false).unwrap();
    assert_eq!((size(&f), blocks(&f)), (8 * PAGE, 64));
    let mut want = lower_bytes(BACKED_LEN);
    want.resize(8 * PAGE as usize, 0);
    assert_eq!(read_all(&f, 0, 1 << 16), want);
}

#[test]
fn dropping_a_backed_file_lets_the_lower_go() {
    let (fs, f, lower) = backed(BACKED_LEN);
    let before = Arc::strong_count(&lower);
    {
        let _r = fs.root().unlink(b"f");
    }
    drop(f);
    assert_eq!(Arc::strong_count(&lower), before - 1);
}

#[test]
fn readers_and_writers_of_a_backed_file_race_safely() {
    let (_fs, f, _lower) = backed(64 * PAGE);
    thread::scope(|s| {
        for w in 0..4u64 {
            let f = f.clone();
            s.spawn(move || {
                for i in 0..16 {
                    let page = w * 16 + i;
                    f.write_at(&[0xf0 + w as u8], page * PAGE + 7).unwrap();
                }
            });
        }
        for _ in 0..4 {
            let f = f.clone();
            s.spawn(move || {
                for _ in 0..8 {
                    let data = read_all(&f, 0, 64 * PAGE as usize);
                    for (i, &b) in data.iter().enumerate() {
                        let i = i as u64;
                        if i % PAGE != 7 {
                            assert_eq!(b, lower_byte(i));
                        }
                    }
                }
            });
        }
    });
    let data = read_all(&f, 0, 64 * PAGE as usize);
    for page in 0..64u64 {
        assert_eq!(data[(page * PAGE + 7) as usize], 0xf0 + (page / 16) as u8);
    }
    assert_eq!(blocks(&f), 64 * 8);
}

#[test]
fn punches_of_a_backed_file_merge_in_any_order() {
    let len = 16 * PAGE;
    let (_fs, f, _lower) = backed(len);
    let mut want = lower_bytes(len);
    for (first, pages) in [
        (3u64, 1u64),
        (5, 2),
        (4, 1),
        (10, 2),
        (9, 4),
        (1, 1),
        (15, 8),
    ] {
        f.allocate(first * PAGE, pages * PAGE, true, true).unwrap();
        let end = ((first + pages) * PAGE).min(len);
        want[(first * PAGE) as usize..end as usize].fill(0);
        assert_eq!(
            read_all(&f, 0, len as usize),
            want,
            "after punching {first}+{pages}"
        );
    }
    assert_eq!(blocks(&f), 0, "whole-page punches allocate nothing");
    // Every page written once more is filled from the lower only if not punched.
    for page in 0..16 {
        f.write_at(b"!", page * PAGE + 9).unwrap();
        want[(page * PAGE + 9) as usize] = b'!';
    }
    assert_eq!(read_all(&f, 0, len as usize), want);
}

/// A mapping space that records what it is told to invalidate.
#[derive(Default)]
struct RecordingSpace {
    invalidated: parking_lot::Mutex<Vec<(u64, u64)>>,
}

impl veil_memmap::mapping::MappingSpace for RecordingSpace {
    fn invalidate(
        &self,
        ar: veil_memmap::mapping::AddrRange,
        _: veil_memmap::mapping::InvalidateOpts,
    ) {
        self.invalidated.lock().push((ar.start, ar.end));
    }

    fn id(&self) -> u64 {
        0x5eed
    }
}

#[test]
fn shared_mappings_see_the_file_pages_and_truncate_invalidates_before_freeing() {
    use veil_memmap::mapping::{AccessType, AddrRange, MappableRange, MappingSpace};
    let fs = fs();
    let root = fs.root();
    let f = root.create(b"m", NewNode::Regular, 0o644, ROOT).unwrap();
    f.write_at(&[7u8; 3 * 4096], 0).unwrap();
    let m = f.mappable().expect("tmpfs files can be mapped shared");
    let rec = Arc::new(RecordingSpace::default());
    let space: Arc<dyn MappingSpace> = rec.clone();
    m.add_mapping(&space, AddrRange::new(0x10000, 0x13000), 0, true)
        .unwrap();
    let t = m
        .translate(
            MappableRange::new(0, 4096),
            MappableRange::new(0, 3 * 4096),
            AccessType::READ_WRITE,
        )
        .unwrap();
    let covered: u64 = t.iter().map(|t| t.source.len()).sum();
    assert_eq!(covered, 3 * 4096);
    // The translated pages are the file's: writing them is writing the file.
    fs.memory().write(t[0].file.start, b"XY");
    assert_eq!(read_all(&f, 0, 2), b"XY");
    // Beyond end of file is SIGBUS.
    assert!(m
        .translate(
            MappableRange::new(3 * 4096, 4 * 4096),
            MappableRange::new(3 * 4096, 4 * 4096),
            AccessType::READ
        )
        .unwrap_err()
        .is_bus());
    f.set_attr(&SetAttr {
        size: Some(4096),
        ..SetAttr::default()
    })
    .unwrap();
    assert_eq!(
        *rec.invalidated.lock(),
        [(0x11000, 0x13000)],
        "the cut pages' guest range"
    );
    m.remove_mapping(&space, AddrRange::new(0x10000, 0x13000), 0, true);
}
