//! Tests of the name layer over a tiny in-memory file system.

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use veil_abi::structs::Timespec;
use veil_abi::Errno;

use super::*;
use crate::inode::{Attr, Creds, DirEntryInfo, FileType, InodeOps, InodeRef, NewNode, RenameFlags};
use crate::lock::{Rank, RankedMutex};

// ---- the test file system ----

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

/// Serialises every change of any test tree, as tmpfs's `tree_mu`; node state is a leaf.
static TREE: RankedMutex<()> = RankedMutex::new(Rank::InodeMu, ());

/// A file of the test file system: a directory (children in creation order), a
/// symlink (its target) or a regular file.
struct Node {
    me: Weak<Node>,
    ino: u64,
    kind: FileType,
    perm: u32,
    target: Vec<u8>,
    children: Mutex<Vec<(Vec<u8>, Arc<Node>)>>,
}

impl Node {
    fn new(kind: FileType, perm: u32, target: &[u8]) -> Arc<Node> {
        Arc::new_cyclic(|me| Node {
            me: me.clone(),
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
            kind,
            perm,
            target: target.to_vec(),
            children: Mutex::new(Vec::new()),
        })
    }

    fn dir() -> Arc<Node> {
        Node::new(FileType::Directory, 0o755, b"")
    }

    fn get(&self, name: &[u8]) -> Option<Arc<Node>> {
        self.children
            .lock()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.clone())
    }

    /// Sets `name` to `node`, replacing an existing entry in place.
    fn set(&self, name: &[u8], node: Arc<Node>) {
        let mut children = self.children.lock();
        match children.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = node,
            None => children.push((name.to_vec(), node)),
        }
    }

    fn remove(&self, name: &[u8]) {
        self.children.lock().retain(|(n, _)| n != name);
    }

    // Builders for fixtures.
    fn mkdir(&self, name: &str) -> Arc<Node> {
        let d = Node::dir();
        self.set(name.as_bytes(), d.clone());
        d
    }

    fn file(&self, name: &str) -> Arc<Node> {
        let f = Node::new(FileType::Regular, 0o644, b"");
        self.set(name.as_bytes(), f.clone());
        f
    }

    fn symlink(&self, name: &str, target: &str) {
        self.set(
            name.as_bytes(),
            Node::new(FileType::Symlink, 0o777, target.as_bytes()),
        );
    }

    fn of(inode: &InodeRef) -> Result<&Node, Errno> {
        inode.as_any().downcast_ref::<Node>().ok_or(Errno::EXDEV)
    }

    fn check_dir(&self) -> Result<(), Errno> {
        if self.kind == FileType::Directory {
            Ok(())
        } else {
            Err(Errno::ENOTDIR)
        }
    }
}

impl InodeOps for Node {
    fn kind(&self) -> FileType {
        self.kind
    }

    fn attr(&self) -> Result<Attr, Errno> {
        Ok(Attr {
            kind: self.kind,
            perm: self.perm,
            ino: self.ino,
            dev: 1,
            nlink: 1,
            uid: 0,
            gid: 0,
            rdev: 0,
            size: self.target.len() as u64,
            blocks: 0,
            blksize: 4096,
            atime: Timespec::default(),
            mtime: Timespec::default(),
            ctime: Timespec::default(),
        })
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        self.check_dir()?;
        match self.get(name) {
            Some(c) => Ok(c),
            None => Err(Errno::ENOENT),
        }
    }

    fn readdir(&self) -> Result<Vec<DirEntryInfo>, Errno> {
        self.check_dir()?;
        Ok(self
            .children
            .lock()
            .iter()
            .map(|(name, c)| DirEntryInfo {
                name: name.clone(),
                ino: c.ino,
                kind: c.kind,
            })
            .collect())
    }

    fn create(
        &self,
        name: &[u8],
        node: NewNode,
        perm: u32,
        _creds: Creds,
    ) -> Result<InodeRef, Errno> {
        self.check_dir()?;
        let _t = TREE.lock();
        if self.get(name).is_some() {
            return Err(Errno::EEXIST);
        }
        let new = match node {
            NewNode::Directory => Node::new(FileType::Directory, perm, b""),
            NewNode::Symlink(target) => Node::new(FileType::Symlink, 0o777, &target),
            NewNode::Regular => Node::new(FileType::Regular, perm, b""),
            _ => return Err(Errno::EPERM),
        };
        self.set(name, new.clone());
        Ok(new)
    }

    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        self.check_dir()?;
        let target = Node::of(target)?;
        if target.kind == FileType::Directory {
            return Err(Errno::EPERM);
        }
        let _t = TREE.lock();
        if self.get(name).is_some() {
            return Err(Errno::EEXIST);
        }
        self.set(name, target.me.upgrade().ok_or(Errno::ENOENT)?);
        Ok(())
    }

    fn unlink(&self, name: &[u8]) -> Result<(), Errno> {
        self.check_dir()?;
        let _t = TREE.lock();
        let child = self.get(name).ok_or(Errno::ENOENT)?;
        if child.kind == FileType::Directory {
            return Err(Errno::EISDIR);
        }
        self.remove(name);
        Ok(())
    }

    fn rmdir(&self, name: &[u8]) -> Result<(), Errno> {
        self.check_dir()?;
        let _t = TREE.lock();
        let child = self.get(name).ok_or(Errno::ENOENT)?;
        child.check_dir()?;
        if !child.children.lock().is_empty() {
            return Err(Errno::ENOTEMPTY);
        }
        self.remove(name);
        Ok(())
    }

    fn rename(
        &self,
        old_name: &[u8],
        new_dir: &InodeRef,
        new_name: &[u8],
        flags: RenameFlags,
    ) -> Result<(), Errno> {
        let new_dir = Node::of(new_dir)?;
        self.check_dir()?;
        new_dir.check_dir()?;
        let _t = TREE.lock();
        let source = self.get(old_name).ok_or(Errno::ENOENT)?;
        let target = new_dir.get(new_name);
        if flags.noreplace && target.is_some() {
            return Err(Errno::EEXIST);
        }
        if flags.exchange {
            let target = target.ok_or(Errno::ENOENT)?;
            self.set(old_name, target);
            new_dir.set(new_name, source);
            return Ok(());
        }
        if let Some(t) = &target {
            if Arc::ptr_eq(t, &source) {
                return Ok(());
            }
            match (
                source.kind == FileType::Directory,
                t.kind == FileType::Directory,
            ) {
                (true, false) => return Err(Errno::ENOTDIR),
                (false, true) => return Err(Errno::EISDIR),
                (true, true) if !t.children.lock().is_empty() => return Err(Errno::ENOTEMPTY),
                _ => {}
            }
        }
        self.remove(old_name);
        new_dir.set(new_name, source);
        Ok(())
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        if self.kind == FileType::Symlink {
            Ok(self.target.clone())
        } else {
            Err(Errno::EINVAL)
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

// ---- fixtures ----

/// The tree
///
/// ```text
/// /
///   dir/
///     sub/
///       file
///     rel -> sub
///     abs -> /dir/sub
///     chabs -> /sub
///   top
///   mnt/
///   loop_a -> loop_b
///   loop_b -> loop_a
///   self -> self
///   dangling -> nowhere
///   filelink -> top
///   dirslash -> dir/
///   fileslash -> top/
/// ```
struct Fixture {
    root_node: Arc<Node>,
    ns: Arc<MountNamespace>,
    root: PathRef,
}

fn fixture() -> Fixture {
    let root_node = Node::dir();
    let dir = root_node.mkdir("dir");
    let sub = dir.mkdir("sub");
    sub.file("file");
    dir.symlink("rel", "sub");
    dir.symlink("abs", "/dir/sub");
    dir.symlink("chabs", "/sub");
    root_node.file("top");
    root_node.mkdir("mnt");
    root_node.symlink("loop_a", "loop_b");
    root_node.symlink("loop_b", "loop_a");
    root_node.symlink("self", "self");
    root_node.symlink("dangling", "nowhere");
    root_node.symlink("filelink", "top");
    root_node.symlink("dirslash", "dir/");
    root_node.symlink("fileslash", "top/");
    let ns = MountNamespace::new(root_node.clone());
    let root = ns.root();
    Fixture {
        root_node,
        ns,
        root,
    }
}

impl Fixture {
    fn get(&self, path: &str) -> Result<PathRef, Errno> {
        self.get_with(path, WalkFlags::FOLLOW)
    }

    fn get_with(&self, path: &str, flags: WalkFlags) -> Result<PathRef, Errno> {
        resolve(&self.ns, &self.root, &self.root, path.as_bytes(), flags)
    }

    fn path_of(&self, p: &PathRef) -> String {
        String::from_utf8(p.path(&self.root)).unwrap()
    }

    /// The path `path` resolves to, as `getcwd` would print it.
    fn canon(&self, path: &str) -> String {
        self.path_of(&self.get(path).unwrap())
    }

    fn parent(&self, path: &str) -> Result<(String, String, bool), Errno> {
        let (dir, name, trailing) =
            resolve_parent(&self.ns, &self.root, &self.root, path.as_bytes())?;
        Ok((
            self.path_of(&dir),
            String::from_utf8(name).unwrap(),
            trailing,
        ))
    }

    /// Mounts a new test directory at `path` and returns its node.
    fn mount_at(&self, path: &str, fs: &str) -> Arc<Node> {
        let node = Node::dir();
        let at = self.get(path).unwrap();
        self.ns.mount(&at, node.clone(), fs, "none", "rw").unwrap();
        node
    }
}

fn same_inode(p: &PathRef, node: &Arc<Node>) -> bool {
    Node::of(p.inode()).map(|n| n.ino) == Ok(node.ino)
}

fn creds() -> Creds {
    Creds { uid: 0, gid: 0 }
}

// ---- the walk ----

#[test]
fn absolute_and_relative_paths_resolve() {
    let f = fixture();
    assert_eq!(f.canon("/dir/sub/file"), "/dir/sub/file");
    assert_eq!(f.canon("//dir///sub//file"), "/dir/sub/file");
    assert_eq!(f.canon("/"), "/");
    let cwd = f.get("/dir").unwrap();
    let p = resolve(&f.ns, &f.root, &cwd, b"sub/file", WalkFlags::FOLLOW).unwrap();
    assert_eq!(f.path_of(&p), "/dir/sub/file");
    assert_eq!(p.kind(), FileType::Regular);
    assert_eq!(f.get("/dir/missing").unwrap_err(), Errno::ENOENT);
    assert_eq!(f.get("/missing/x").unwrap_err(), Errno::ENOENT);
}

#[test]
fn repeated_walks_reuse_the_cached_dirent() {
    let f = fixture();
    let a = f.get("/dir/sub/file").unwrap();
    let b = f.get("/dir/rel/file").unwrap();
    assert_eq!(a, b);
    assert!(f
        .get("/dir/sub")
        .unwrap()
        .dirent
        .cached_child(b"file")
        .is_some());
}

#[test]
fn empty_path_is_enoent_unless_at_empty_path() {
    let f = fixture();
    assert_eq!(f.get("").unwrap_err(), Errno::ENOENT);
    let empty = WalkFlags {
        empty_path: true,
        ..WalkFlags::FOLLOW
    };
    let cwd = f.get("/dir").unwrap();
    assert_eq!(resolve(&f.ns, &f.root, &cwd, b"", empty).unwrap(), cwd);

    let file = f.get("/top").unwrap();
    let mut ctx = WalkCtx::new(&f.ns, &f.root, &cwd);
    ctx.start = Some(&file);
    assert_eq!(ctx.resolve(b"", empty).unwrap(), file);
    let empty_dir = WalkFlags {
        directory: true,
        ..empty
    };
    assert_eq!(ctx.resolve(b"", empty_dir).unwrap_err(), Errno::ENOTDIR);
    assert_eq!(
        ctx.resolve(b"", WalkFlags::FOLLOW).unwrap_err(),
        Errno::ENOENT
    );
    assert_eq!(f.parent("").unwrap_err(), Errno::ENOENT);
}

#[test]
fn a_dirfd_start_replaces_cwd_for_relative_paths_only() {
    let f = fixture();
    let sub = f.get("/dir/sub").unwrap();
    let file = f.get("/dir/sub/file").unwrap();
    let mut ctx = WalkCtx::new(&f.ns, &f.root, &f.root);
    ctx.start = Some(&sub);
    assert_eq!(ctx.resolve(b"file", WalkFlags::FOLLOW).unwrap(), file);
    assert_eq!(
        f.path_of(&ctx.resolve(b"/dir", WalkFlags::FOLLOW).unwrap()),
        "/dir"
    );
    ctx.start = Some(&file);
    assert_eq!(
        ctx.resolve(b"x", WalkFlags::FOLLOW).unwrap_err(),
        Errno::ENOTDIR
    );
    assert_eq!(ctx.resolve_parent(b"x").unwrap_err(), Errno::ENOTDIR);
}

#[test]
fn name_and_path_length_limits() {
    let f = fixture();
    let name255 = format!("/dir/{}", "a".repeat(255));
    let name256 = format!("/dir/{}", "a".repeat(256));
    assert_eq!(f.get(&name255).unwrap_err(), Errno::ENOENT);
    assert_eq!(f.get(&name256).unwrap_err(), Errno::ENAMETOOLONG);
    assert_eq!(f.parent(&name256).unwrap_err(), Errno::ENAMETOOLONG);
    assert_eq!(f.parent(&name255).unwrap().1.len(), 255);

    let tail = "dir/sub/file";
    let p4095 = format!("{}{tail}", "/".repeat(4095 - tail.len()));
    let p4096 = format!("{}{tail}", "/".repeat(4096 - tail.len()));
    assert_eq!(p4095.len(), 4095);
    assert_eq!(f.canon(&p4095), "/dir/sub/file");
    assert_eq!(f.get(&p4096).unwrap_err(), Errno::ENAMETOOLONG);
    assert_eq!(f.parent(&p4096).unwrap_err(), Errno::ENAMETOOLONG);
}

#[test]
fn dot_and_dotdot_never_go_above_root() {
    let f = fixture();
    assert_eq!(f.canon("/dir/./sub/../sub/file"), "/dir/sub/file");
    assert_eq!(f.canon("/.."), "/");
    assert_eq!(f.canon("/../../dir/.."), "/");
    assert_eq!(f.canon("/dir/sub/../../.."), "/");
    assert_eq!(f.get("/..").unwrap(), f.root);

    // A chroot into /dir: `..` stops there, absolute paths start there.
    let chroot = f.get("/dir").unwrap();
    let cwd = f.get("/dir/sub").unwrap();
    let r = |p: &str| resolve(&f.ns, &chroot, &cwd, p.as_bytes(), WalkFlags::FOLLOW);
    assert_eq!(r("../../..").unwrap(), chroot);
    assert_eq!(r("/..").unwrap(), chroot);
    assert_eq!(r("/sub/file").unwrap(), f.get("/dir/sub/file").unwrap());
    assert_eq!(r("/top").unwrap_err(), Errno::ENOENT);
    assert_eq!(
        String::from_utf8(r("..").unwrap().path(&chroot)).unwrap(),
        "/"
    );
}

#[test]
fn entering_a_mountpoint_continues_at_the_mount_root_and_dotdot_crosses_back() {
    let f = fixture();
    let b = f.mount_at("/mnt", "tmpfs");
    b.mkdir("inner").file("x");
    let mnt = f.get("/mnt").unwrap();
    assert!(same_inode(&mnt, &b));
    assert!(mnt.dirent.is_mount_root());
    assert!(!Arc::ptr_eq(&mnt.mount, &f.root.mount));
    assert_eq!(f.path_of(&mnt), "/mnt");
    assert_eq!(f.canon("/mnt/inner/x"), "/mnt/inner/x");
    assert_eq!(f.canon("/mnt/.."), "/");
    assert_eq!(f.get("/mnt/inner/../..").unwrap(), f.root);
    assert_eq!(f.canon("/mnt/../dir"), "/dir");
    // From inside the mount as working directory.
    let p = resolve(&f.ns, &f.root, &mnt, b"../dir/sub", WalkFlags::FOLLOW).unwrap();
    assert_eq!(f.path_of(&p), "/dir/sub");
    // Chrooted at the mount root, `..` stays.
    let p = resolve(&f.ns, &mnt, &mnt, b"..", WalkFlags::FOLLOW).unwrap();
    assert_eq!(p, mnt);
}

#[test]
fn stacked_mounts_show_the_topmost() {
    let f = fixture();
    let under = f.get("/mnt").unwrap();
    let b = f.mount_at("/mnt", "first");
    let c = f.mount_at("/mnt", "second");
    assert!(same_inode(&f.get("/mnt").unwrap(), &c));
    // Mounting on the covered dirent itself also goes on top.
    let d = Node::dir();
    f.ns.mount(&under, d.clone(), "third", "none", "ro")
        .unwrap();
    let top = f.get("/mnt").unwrap();
    assert!(same_inode(&top, &d));
    assert!(!same_inode(&top, &b));
    assert_eq!(f.get("/mnt/..").unwrap(), f.root);
    assert_eq!(f.path_of(&top), "/mnt");
    let types: Vec<_> =
        f.ns.mounts()
            .into_iter()
            .map(|m| (String::from_utf8(m.mountpoint).unwrap(), m.fs_type))
            .collect();
    assert_eq!(
        types,
        [
            ("/", "rootfs"),
            ("/mnt", "first"),
            ("/mnt", "second"),
            ("/mnt", "third")
        ]
        .map(|(p, t)| (p.to_owned(), t.to_owned()))
    );
}

#[test]
fn mount_listing_from_a_chroot_leaves_out_what_is_outside() {
    let f = fixture();
    let b = f.mount_at("/mnt", "tmpfs");
    b.mkdir("deep");
    f.mount_at("/mnt/deep", "proc");
    f.mount_at("/dir", "sysfs");
    let mounts = f.ns.mounts();
    assert_eq!(mounts.len(), 4);
    assert_eq!(mounts[0].parent_id, mounts[0].id);
    assert_eq!(mounts[2].parent_id, mounts[1].id);
    assert_eq!(mounts[2].mountpoint, b"/mnt/deep");
    assert_eq!(mounts[1].options, "rw");
    assert_eq!(mounts[1].source, "none");

    let chroot = f.get("/mnt").unwrap();
    let seen: Vec<_> =
        f.ns.mounts_seen_from(&chroot)
            .into_iter()
            .map(|m| (m.mountpoint, m.fs_type))
            .collect();
    assert_eq!(
        seen,
        [
            (b"/".to_vec(), "tmpfs".to_owned()),
            (b"/deep".to_vec(), "proc".to_owned())
        ]
    );
}

#[test]
fn mount_errors() {
    let f = fixture();
    let top = f.get("/top").unwrap();
    assert_eq!(
        f.ns.mount(&top, Node::dir(), "t", "none", "rw")
            .unwrap_err(),
        Errno::ENOTDIR
    );
    let dir = f.get("/mnt").unwrap();
    let file = Node::new(FileType::Regular, 0o644, b"");
    assert_eq!(
        f.ns.mount(&dir, file, "t", "none", "rw").unwrap_err(),
        Errno::ENOTDIR
    );
    let other = fixture();
    let elsewhere = other.get("/mnt").unwrap();
    assert_eq!(
        f.ns.mount(&elsewhere, Node::dir(), "t", "none", "rw")
            .unwrap_err(),
        Errno::EINVAL
    );
    let gone = f
        .root
        .dirent
        .create_child(b"gone", NewNode::Directory, 0o755, creds())
        .unwrap();
    f.root.dirent.rmdir_child(b"gone").unwrap();
    let gone = PathRef::new(f.root.mount.clone(), gone);
    assert_eq!(
        f.ns.mount(&gone, Node::dir(), "t", "none", "rw")
            .unwrap_err(),
        Errno::ENOENT
    );
}

#[test]
fn symlinks_in_the_middle_are_followed_and_the_final_one_on_request() {
    let f = fixture();
    assert_eq!(f.canon("/dir/rel/file"), "/dir/sub/file");
    assert_eq!(f.canon("/dir/abs/file"), "/dir/sub/file");
    assert_eq!(f.canon("/dir/rel"), "/dir/sub");
    let link = f.get_with("/dir/rel", WalkFlags::NOFOLLOW).unwrap();
    assert_eq!(link.kind(), FileType::Symlink);
    assert_eq!(f.path_of(&link), "/dir/rel");
    // Intermediate symlinks are followed even without follow_final.
    assert_eq!(
        f.path_of(&f.get_with("/dir/rel/file", WalkFlags::NOFOLLOW).unwrap()),
        "/dir/sub/file"
    );
    assert_eq!(f.get("/dangling").unwrap_err(), Errno::ENOENT);
    assert_eq!(
        f.get_with("/dangling", WalkFlags::NOFOLLOW).unwrap().kind(),
        FileType::Symlink
    );
}

#[test]
fn absolute_symlinks_restart_at_the_process_root() {
    let f = fixture();
    let chroot = f.get("/dir").unwrap();
    let r = |p: &str| resolve(&f.ns, &chroot, &chroot, p.as_bytes(), WalkFlags::FOLLOW);
    assert_eq!(r("chabs/file").unwrap(), f.get("/dir/sub/file").unwrap());
    // `/dir/sub` inside the chroot is the outside `/dir/dir/sub`.
    assert_eq!(r("abs").unwrap_err(), Errno::ENOENT);
    assert_eq!(f.get("/dir/chabs").unwrap_err(), Errno::ENOENT);
}

#[test]
fn symlink_loops_are_eloop() {
    let f = fixture();
    assert_eq!(f.get("/loop_a").unwrap_err(), Errno::ELOOP);
    assert_eq!(f.get("/self").unwrap_err(), Errno::ELOOP);
    assert_eq!(f.get("/self/x").unwrap_err(), Errno::ELOOP);
    assert_eq!(f.parent("/self/x").unwrap_err(), Errno::ELOOP);
    assert_eq!(
        f.get_with("/self", WalkFlags::NOFOLLOW).unwrap().kind(),
        FileType::Symlink
    );
    assert_eq!(
        f.parent("/self").unwrap(),
        ("/".to_owned(), "self".to_owned(), false)
    );
}

#[test]
fn forty_symlinks_resolve_and_forty_one_are_eloop() {
    let f = fixture();
    // c0 -> dir; c{i} -> c{i-1}: resolving c{n} follows n + 1 symlinks.
    f.root_node.symlink("c0", "dir");
    for i in 1..=40 {
        f.root_node
            .symlink(&format!("c{i}"), &format!("c{}", i - 1));
    }
    assert_eq!(f.canon("/c39"), "/dir");
    assert_eq!(f.canon("/c39/sub/file"), "/dir/sub/file");
    assert_eq!(f.get("/c40").unwrap_err(), Errno::ELOOP);
    assert_eq!(f.get("/c40/sub").unwrap_err(), Errno::ELOOP);
    assert_eq!(MAXSYMLINKS, 40);
    // The count is per resolution, not per symlink chain.
    assert_eq!(f.get("/c20/rel/../../c18").unwrap_err(), Errno::ELOOP);
    assert_eq!(f.canon("/c20/rel/../../c17"), "/dir");
}

#[test]
fn a_non_directory_in_the_middle_is_enotdir() {
    let f = fixture();
    assert_eq!(f.get("/top/x").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(f.get("/top/.").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(f.get("/top/..").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(f.get("/filelink/x").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(f.parent("/top/x").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(f.parent("/dir/sub/file/x").unwrap_err(), Errno::ENOTDIR);
}

#[test]
fn o_directory_needs_a_directory() {
    let f = fixture();
    let dir = WalkFlags {
        directory: true,
        ..WalkFlags::FOLLOW
    };
    assert_eq!(f.get_with("/top", dir).unwrap_err(), Errno::ENOTDIR);
    assert_eq!(f.get_with("/filelink", dir).unwrap_err(), Errno::ENOTDIR);
    assert_eq!(f.path_of(&f.get_with("/dir/rel", dir).unwrap()), "/dir/sub");
    let dir_nofollow = WalkFlags {
        directory: true,
        ..WalkFlags::NOFOLLOW
    };
    assert_eq!(
        f.get_with("/dir/rel", dir_nofollow).unwrap_err(),
        Errno::ENOTDIR
    );
}

#[test]
fn a_trailing_slash_needs_a_directory_and_follows_the_final_symlink() {
    let f = fixture();
    assert_eq!(f.get("/top/").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(f.canon("/dir/"), "/dir");
    assert_eq!(f.canon("/dir//"), "/dir");
    assert_eq!(
        f.path_of(&f.get_with("/dir/rel/", WalkFlags::NOFOLLOW).unwrap()),
        "/dir/sub"
    );
    assert_eq!(
        f.get_with("/filelink/", WalkFlags::NOFOLLOW).unwrap_err(),
        Errno::ENOTDIR
    );
    assert_eq!(f.get("/dangling/").unwrap_err(), Errno::ENOENT);
    // A slash ending the symlink's own target counts when the link ends the path.
    assert_eq!(
        f.get_with("/dirslash", WalkFlags::NOFOLLOW).unwrap().kind(),
        FileType::Symlink
    );
    assert_eq!(f.canon("/dirslash"), "/dir");
    assert_eq!(f.get("/fileslash").unwrap_err(), Errno::ENOTDIR);
}

#[test]
fn resolve_parent_reports_the_last_component_as_written() {
    let f = fixture();
    let p = |s: &str| f.parent(s).unwrap();
    let t = |d: &str, n: &str, s: bool| (d.to_owned(), n.to_owned(), s);
    assert_eq!(p("/dir/sub/file"), t("/dir/sub", "file", false));
    assert_eq!(p("/dir/sub/new"), t("/dir/sub", "new", false));
    assert_eq!(p("/dir/sub/"), t("/dir", "sub", true));
    assert_eq!(p("/dir/sub//"), t("/dir", "sub", true));
    assert_eq!(p("/dir/rel/new"), t("/dir/sub", "new", false));
    assert_eq!(p("/dir/rel"), t("/dir", "rel", false));
    assert_eq!(p("/dir/."), t("/dir", ".", false));
    assert_eq!(p("/dir/.."), t("/dir", "..", false));
    assert_eq!(p("/dir/sub/../."), t("/dir", ".", false));
    assert_eq!(p("/"), t("/", "", false));
    assert_eq!(p("//"), t("/", "", false));
    assert_eq!(p("top"), t("/", "top", false));
    assert_eq!(f.parent("/missing/x").unwrap_err(), Errno::ENOENT);
}

#[test]
fn resolve_create_finds_or_names_the_file_to_create() {
    let f = fixture();
    let ctx = WalkCtx::new(&f.ns, &f.root, &f.root);
    let absent = |dir: &str, name: &str| CreateLookup::Absent {
        dir: f.get(dir).unwrap(),
        name: name.as_bytes().to_vec(),
    };
    assert_eq!(
        ctx.resolve_create(b"/dir/sub/new", WalkFlags::FOLLOW)
            .unwrap(),
        absent("/dir/sub", "new")
    );
    assert_eq!(
        ctx.resolve_create(b"/dir/rel/new", WalkFlags::FOLLOW)
            .unwrap(),
        absent("/dir/sub", "new")
    );
    assert_eq!(
        ctx.resolve_create(b"/dir/sub/file", WalkFlags::FOLLOW)
            .unwrap(),
        CreateLookup::Found(f.get("/dir/sub/file").unwrap())
    );
    // A dangling symlink names its target, unless not followed (O_EXCL, O_NOFOLLOW).
    assert_eq!(
        ctx.resolve_create(b"/dangling", WalkFlags::FOLLOW).unwrap(),
        absent("/", "nowhere")
    );
    assert_eq!(
        ctx.resolve_create(b"/dangling", WalkFlags::NOFOLLOW)
            .unwrap(),
        CreateLookup::Found(f.get_with("/dangling", WalkFlags::NOFOLLOW).unwrap())
    );
    assert_eq!(
        ctx.resolve_create(b"/dir/.", WalkFlags::FOLLOW).unwrap(),
        CreateLookup::Found(f.get("/dir").unwrap())
    );
    assert_eq!(
        ctx.resolve_create(b"/dir/sub/new/", WalkFlags::FOLLOW)
            .unwrap_err(),
        Errno::EISDIR
    );
    assert_eq!(
        ctx.resolve_create(b"/dir/sub/", WalkFlags::FOLLOW)
            .unwrap_err(),
        Errno::EISDIR
    );
    assert_eq!(
        ctx.resolve_create(b"/self", WalkFlags::FOLLOW).unwrap_err(),
        Errno::ELOOP
    );
    assert_eq!(
        ctx.resolve_create(b"", WalkFlags::FOLLOW).unwrap_err(),
        Errno::ENOENT
    );
}

#[test]
fn the_search_hook_gives_eacces() {
    let f = fixture();
    let locked = Node::new(FileType::Directory, 0o600, b"");
    locked.file("x");
    f.root_node.set(b"locked", locked);
    let may_search = |attr: &Attr| attr.perm & 0o111 != 0;
    let mut ctx = WalkCtx::new(&f.ns, &f.root, &f.root);
    ctx.may_search = Some(&may_search);
    assert!(ctx.resolve(b"/locked", WalkFlags::FOLLOW).is_ok());
    assert_eq!(
        ctx.resolve(b"/locked/x", WalkFlags::FOLLOW).unwrap_err(),
        Errno::EACCES
    );
    assert_eq!(
        ctx.resolve(b"/locked/.", WalkFlags::FOLLOW).unwrap_err(),
        Errno::EACCES
    );
    assert_eq!(
        ctx.resolve_parent(b"/locked/new").unwrap_err(),
        Errno::EACCES
    );
    assert!(ctx.resolve_parent(b"/locked").is_ok());
}

// ---- the dirent cache and the changes that go through it ----

#[test]
fn the_cache_stays_coherent_after_unlink_and_create() {
    let f = fixture();
    let sub = f.get("/dir/sub").unwrap();
    let old = f.get("/dir/sub/file").unwrap();
    sub.dirent.unlink_child(b"file").unwrap();
    assert!(old.dirent.is_deleted());
    assert!(sub.dirent.cached_child(b"file").is_none());
    assert_eq!(f.get("/dir/sub/file").unwrap_err(), Errno::ENOENT);
    assert_eq!(sub.dirent.unlink_child(b"file").unwrap_err(), Errno::ENOENT);

    let new = sub
        .dirent
        .create_child(b"file", NewNode::Regular, 0o600, creds())
        .unwrap();
    assert!(!Arc::ptr_eq(&new, &old.dirent));
    let again = f.get("/dir/sub/file").unwrap();
    assert!(Arc::ptr_eq(&again.dirent, &new));
    assert_eq!(again.inode().attr().unwrap().perm, 0o600);
    assert_eq!(
        sub.dirent
            .create_child(b"file", NewNode::Regular, 0o600, creds())
            .unwrap_err(),
        Errno::EEXIST
    );

    // The same for directories, and nothing can be created in a removed one.
    let d = sub
        .dirent
        .create_child(b"d", NewNode::Directory, 0o755, creds())
        .unwrap();
    assert_eq!(f.canon("/dir/sub/d"), "/dir/sub/d");
    assert_eq!(sub.dirent.unlink_child(b"d").unwrap_err(), Errno::EISDIR);
    assert_eq!(sub.dirent.rmdir_child(b"file").unwrap_err(), Errno::ENOTDIR);
    sub.dirent.rmdir_child(b"d").unwrap();
    assert!(d.is_deleted());
    assert_eq!(f.get("/dir/sub/d").unwrap_err(), Errno::ENOENT);
    assert_eq!(
        d.create_child(b"x", NewNode::Regular, 0o644, creds())
            .unwrap_err(),
        Errno::ENOENT
    );
    assert_eq!(d.lookup_child(b"x").unwrap_err(), Errno::ENOENT);

    // Symlinks created through the dirent are walked.
    sub.dirent
        .create_child(
            b"s",
            NewNode::Symlink(b"../rel/file".to_vec()),
            0o777,
            creds(),
        )
        .unwrap();
    assert_eq!(f.canon("/dir/sub/s"), "/dir/sub/file");
}

#[test]
fn dirent_methods_answer_dots_and_root_as_linux() {
    let f = fixture();
    let dir = f.get("/dir").unwrap().dirent;
    let root = f.root.dirent.clone();
    for name in [&b"."[..], b"..", b""] {
        assert_eq!(
            dir.create_child(name, NewNode::Directory, 0o755, creds())
                .unwrap_err(),
            Errno::EEXIST
        );
        assert_eq!(dir.unlink_child(name).unwrap_err(), Errno::EISDIR);
        assert_eq!(dir.link_child(name, &dir).unwrap_err(), Errno::EEXIST);
        assert_eq!(
            Dirent::rename(&dir, name, &root, b"x", RenameFlags::default()).unwrap_err(),
            Errno::EBUSY
        );
        assert_eq!(
            Dirent::rename(&dir, b"sub", &root, name, RenameFlags::default()).unwrap_err(),
            Errno::EBUSY
        );
        let noreplace = RenameFlags {
            noreplace: true,
            exchange: false,
        };
        assert_eq!(
            Dirent::rename(&dir, b"sub", &root, name, noreplace).unwrap_err(),
            Errno::EEXIST
        );
        assert_eq!(dir.lookup_child(name).unwrap_err(), Errno::EINVAL);
    }
    assert_eq!(dir.rmdir_child(b".").unwrap_err(), Errno::EINVAL);
    assert_eq!(dir.rmdir_child(b"..").unwrap_err(), Errno::ENOTEMPTY);
    assert_eq!(root.rmdir_child(b"").unwrap_err(), Errno::EBUSY);
    let long = vec![b'a'; 256];
    assert_eq!(
        dir.create_child(&long, NewNode::Regular, 0o644, creds())
            .unwrap_err(),
        Errno::ENAMETOOLONG
    );
    assert_eq!(dir.lookup_child(b"a/b").unwrap_err(), Errno::EINVAL);
}

#[test]
fn link_child_adds_a_name_for_the_same_file() {
    let f = fixture();
    let file = f.get("/dir/sub/file").unwrap();
    let linked = f.root.dirent.link_child(b"hard", &file.dirent).unwrap();
    assert!(Arc::ptr_eq(linked.inode(), file.inode()));
    assert_eq!(
        f.get("/hard").unwrap().inode().attr().unwrap().ino,
        file.inode().attr().unwrap().ino
    );
    assert_eq!(f.canon("/hard"), "/hard");
    assert_eq!(
        f.root.dirent.link_child(b"hard", &file.dirent).unwrap_err(),
        Errno::EEXIST
    );
    let dir = f.get("/dir").unwrap();
    assert_eq!(
        f.root
            .dirent
            .link_child(b"dirlink", &dir.dirent)
            .unwrap_err(),
        Errno::EPERM
    );
    f.mount_at("/mnt", "tmpfs");
    let mnt = f.get("/mnt").unwrap();
    assert_eq!(
        mnt.dirent.link_child(b"x", &file.dirent).unwrap_err(),
        Errno::EXDEV
    );
}

#[test]
fn rename_into_its_own_subtree_is_einval() {
    let f = fixture();
    let root = f.root.dirent.clone();
    let dir = f.get("/dir").unwrap().dirent;
    let sub = f.get("/dir/sub").unwrap().dirent;
    let none = RenameFlags::default();
    assert_eq!(
        Dirent::rename(&root, b"dir", &sub, b"x", none).unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(
        Dirent::rename(&dir, b"sub", &sub, b"x", none).unwrap_err(),
        Errno::EINVAL
    );
    // The target an ancestor of the source: not empty.
    assert_eq!(
        Dirent::rename(&sub, b"file", &root, b"dir", none).unwrap_err(),
        Errno::ENOTEMPTY
    );
    let exchange = RenameFlags {
        noreplace: false,
        exchange: true,
    };
    assert_eq!(
        Dirent::rename(&sub, b"file", &root, b"dir", exchange).unwrap_err(),
        Errno::EINVAL
    );
    // Nothing moved.
    assert_eq!(f.canon("/dir/sub/file"), "/dir/sub/file");
}

#[test]
fn path_follows_a_rename() {
    let f = fixture();
    let root = f.root.dirent.clone();
    let file = f.get("/dir/sub/file").unwrap();
    let cwd = f.get("/dir/sub").unwrap();
    Dirent::rename(&root, b"dir", &root, b"moved", RenameFlags::default()).unwrap();
    assert_eq!(f.path_of(&file), "/moved/sub/file");
    assert_eq!(f.path_of(&cwd), "/moved/sub");
    assert_eq!(f.get("/dir").unwrap_err(), Errno::ENOENT);
    assert_eq!(f.get("/moved/sub/file").unwrap(), file);

    // Across directories: the moved directory's `..` is its new parent.
    let moved = f.get("/moved").unwrap().dirent;
    Dirent::rename(&moved, b"sub", &root, b"sub2", RenameFlags::default()).unwrap();
    assert_eq!(f.path_of(&file), "/sub2/file");
    assert!(Arc::ptr_eq(&cwd.dirent.parent().unwrap(), &root));
    assert_eq!(cwd.dirent.name(), b"sub2");
    let r = |p: &str| resolve(&f.ns, &f.root, &cwd, p.as_bytes(), WalkFlags::FOLLOW);
    assert_eq!(r("file").unwrap(), file);
    assert_eq!(r("..").unwrap(), f.root);
    assert_eq!(f.get("/moved/sub").unwrap_err(), Errno::ENOENT);
    // The relative symlink left behind is dangling now.
    assert_eq!(f.get("/moved/rel").unwrap_err(), Errno::ENOENT);
}

#[test]
fn rename_over_a_file_and_exchange_keep_the_cache_coherent() {
    let f = fixture();
    let root = f.root.dirent.clone();
    let sub = f.get("/dir/sub").unwrap().dirent;
    let top = f.get("/top").unwrap();
    let file = f.get("/dir/sub/file").unwrap();
    Dirent::rename(&sub, b"file", &root, b"top", RenameFlags::default()).unwrap();
    assert!(top.dirent.is_deleted());
    assert!(!file.dirent.is_deleted());
    assert_eq!(f.get("/top").unwrap(), file);
    assert_eq!(f.get("/dir/sub/file").unwrap_err(), Errno::ENOENT);

    let noreplace = RenameFlags {
        noreplace: true,
        exchange: false,
    };
    assert_eq!(
        Dirent::rename(&root, b"top", &root, b"dir", noreplace).unwrap_err(),
        Errno::EEXIST
    );
    assert_eq!(
        Dirent::rename(&root, b"top", &root, b"dir", RenameFlags::default()).unwrap_err(),
        Errno::EISDIR
    );
    assert_eq!(
        Dirent::rename(&root, b"nothing", &root, b"x", RenameFlags::default()).unwrap_err(),
        Errno::ENOENT
    );

    let exchange = RenameFlags {
        noreplace: false,
        exchange: true,
    };
    let dir = f.get("/dir").unwrap();
    assert_eq!(
        Dirent::rename(&root, b"top", &root, b"nothing", exchange).unwrap_err(),
        Errno::ENOENT
    );
    Dirent::rename(&root, b"top", &root, b"dir", exchange).unwrap();
    assert_eq!(f.get("/dir").unwrap(), file);
    assert_eq!(f.get("/top").unwrap(), dir);
    assert_eq!(f.path_of(&dir), "/top");
    assert_eq!(f.canon("/top/sub"), "/top/sub");
    assert!(!dir.dirent.is_deleted() && !file.dirent.is_deleted());

    // Renaming onto another name of the same file changes nothing.
    root.link_child(b"again", &file.dirent).unwrap();
    Dirent::rename(&root, b"dir", &root, b"again", RenameFlags::default()).unwrap();
    assert_eq!(f.get("/dir").unwrap(), file);
    assert!(f.get("/again").is_ok());
}

#[test]
fn rename_across_mounts_is_exdev_and_of_a_mountpoint_ebusy() {
    let f = fixture();
    let b = f.mount_at("/mnt", "tmpfs");
    b.mkdir("inside");
    let root = f.root.dirent.clone();
    let mnt = f.get("/mnt").unwrap().dirent;
    let none = RenameFlags::default();
    assert_eq!(
        Dirent::rename(&root, b"top", &mnt, b"top", none).unwrap_err(),
        Errno::EXDEV
    );
    assert_eq!(
        Dirent::rename(&mnt, b"inside", &root, b"inside", none).unwrap_err(),
        Errno::EXDEV
    );
    // The mountpoint dirent in `/` is busy, as source and as target.
    assert_eq!(
        Dirent::rename(&root, b"mnt", &root, b"elsewhere", none).unwrap_err(),
        Errno::EBUSY
    );
    root.create_child(b"empty", NewNode::Directory, 0o755, creds())
        .unwrap();
    assert_eq!(
        Dirent::rename(&root, b"empty", &root, b"mnt", none).unwrap_err(),
        Errno::EBUSY
    );
    assert_eq!(root.rmdir_child(b"mnt").unwrap_err(), Errno::EBUSY);
    assert_eq!(f.canon("/mnt/inside"), "/mnt/inside");
    // Within the mount renames work.
    Dirent::rename(&mnt, b"inside", &mnt, b"renamed", none).unwrap();
    assert_eq!(f.canon("/mnt/renamed"), "/mnt/renamed");
}

#[test]
fn path_outside_the_root_is_unreachable() {
    let f = fixture();
    let chroot = f.get("/dir").unwrap();
    let top = f.get("/top").unwrap();
    let sub = f.get("/dir/sub").unwrap();
    assert_eq!(top.path(&chroot), b"(unreachable)/top");
    assert_eq!(sub.path(&chroot), b"/sub");
    assert_eq!(chroot.path(&chroot), b"/");
    assert_eq!(f.root.path(&chroot), b"(unreachable)/");
    let b = f.mount_at("/mnt", "tmpfs");
    b.mkdir("x");
    assert_eq!(
        f.get("/mnt/x").unwrap().path(&chroot),
        b"(unreachable)/mnt/x"
    );
}

#[test]
fn the_rename_lock_can_be_taken_for_reading_between_changes() {
    let f = fixture();
    {
        let _r = rename_lock().read();
        assert!(f.get("/dir/sub/file").is_ok());
    }
    Dirent::rename(
        &f.root.dirent,
        b"top",
        &f.root.dirent,
        b"top2",
        RenameFlags::default(),
    )
    .unwrap();
    assert_eq!(f.canon("/top2"), "/top2");
}

#[test]
fn concurrent_walks_and_renames_do_not_deadlock() {
    let f = Arc::new(fixture());
    let mut threads = Vec::new();
    for t in 0..4 {
        let f = f.clone();
        threads.push(std::thread::spawn(move || {
            let root = f.root.dirent.clone();
            for i in 0..200 {
                if t == 0 {
                    let (a, b) = if i % 2 == 0 {
                        (&b"dir"[..], &b"dir2"[..])
                    } else {
                        (&b"dir2"[..], &b"dir"[..])
                    };
                    Dirent::rename(&root, a, &root, b, RenameFlags::default()).unwrap();
                } else {
                    let name = format!("t{t}-{i}");
                    let _ = f.get("/dir/sub/file");
                    root.create_child(name.as_bytes(), NewNode::Regular, 0o644, creds())
                        .unwrap();
                    root.unlink_child(name.as_bytes()).unwrap();
                    let _ = f.get("/dir/sub").map(|p| p.path(&f.root));
                }
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(f.canon("/dir/sub/file"), "/dir/sub/file");
}
