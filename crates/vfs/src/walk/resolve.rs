//! The path walk, with Linux's rules (`path_resolution(7)`, `fs/namei.c`).

use std::collections::VecDeque;

use veil_abi::Errno;

use super::mount::{MountNamespace, PathRef};
use crate::inode::{Attr, FileType, NAME_MAX};

/// `PATH_MAX`: a path of this many bytes or more (with its NUL it would not fit) is
/// `ENAMETOOLONG`.
pub const PATH_MAX: usize = 4096;

/// `MAXSYMLINKS`: the most symlinks one resolution follows; one more is `ELOOP`.
pub const MAXSYMLINKS: u32 = 40;

/// How the final component of a path is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalkFlags {
    /// Follow a final symlink. Cleared by `O_NOFOLLOW` (`open` then fails with `ELOOP`
    /// on a symlink unless `O_PATH`), `AT_SYMLINK_NOFOLLOW`, `lstat` and friends. A
    /// trailing slash follows anyway.
    pub follow_final: bool,
    /// `O_DIRECTORY`: the final file must be a directory (`ENOTDIR`).
    pub directory: bool,
    /// `AT_EMPTY_PATH`: an empty path names the starting directory (the dirfd) itself.
    pub empty_path: bool,
}

impl WalkFlags {
    /// Follow a final symlink; nothing else.
    pub const FOLLOW: WalkFlags = WalkFlags {
        follow_final: true,
        directory: false,
        empty_path: false,
    };
    /// Do not follow a final symlink; nothing else.
    pub const NOFOLLOW: WalkFlags = WalkFlags {
        follow_final: false,
        directory: false,
        empty_path: false,
    };
}

impl Default for WalkFlags {
    /// [`WalkFlags::FOLLOW`], what most calls taking a path do.
    fn default() -> WalkFlags {
        WalkFlags::FOLLOW
    }
}

/// `openat2`'s `RESOLVE_*` restrictions on a walk (all off by default).
#[derive(Clone, Copy, Default)]
pub struct Restrictions<'a> {
    /// `RESOLVE_NO_SYMLINKS`: following any symlink is `ELOOP`.
    pub no_symlinks: bool,
    /// `RESOLVE_NO_XDEV`: crossing a mount point, either way, is `EXDEV`.
    pub no_xdev: bool,
    /// `RESOLVE_BENEATH`: the walk must stay under its starting directory: an absolute
    /// path or symlink, or `..` above the start, is `EXDEV`. (`RESOLVE_IN_ROOT` is a
    /// walk whose root is the starting directory, and needs no flag.)
    pub beneath: bool,
    /// `RESOLVE_NO_MAGICLINKS`: following a symlink this says is a magic link (the
    /// kernel's `/proc/<pid>/fd/N`, `exe`, `cwd`, `root`) is `ELOOP`.
    pub magic_link: Option<&'a dyn Fn(&PathRef) -> bool>,
}

/// What [`WalkCtx::resolve_create`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreateLookup {
    /// The file exists (a final symlink followed if asked): open it. A directory here
    /// is `EISDIR` for `open(O_CREAT)`.
    Found(PathRef),
    /// The file does not exist: create `name` in `dir`.
    Absent {
        /// The directory to create in.
        dir: PathRef,
        /// The name to create (a normal name: never empty, `.` or `..`).
        name: Vec<u8>,
    },
}

/// Where a walk happens. Build one with [`WalkCtx::new`] and adjust the public fields.
#[derive(Clone, Copy)]
pub struct WalkCtx<'a> {
    /// The mounts.
    pub ns: &'a MountNamespace,
    /// The process's root: where absolute paths and absolute symlinks start, and above
    /// which `..` never goes.
    pub root: &'a PathRef,
    /// The process's working directory: where relative paths start.
    pub cwd: &'a PathRef,
    /// For `*at` calls with a dirfd other than `AT_FDCWD`: the dirfd's place, used
    /// instead of `cwd` (it need not be a directory: a relative walk from a file is
    /// `ENOTDIR`, an empty path with `AT_EMPTY_PATH` names it).
    pub start: Option<&'a PathRef>,
    /// The search-permission check: called with the attributes of every directory a
    /// component is looked up in (including `.` and `..` and the parent of the last
    /// component, as Linux's `may_lookup`), `false` gives `EACCES`. `None` allows all;
    /// the kernel passes a check of `MAY_EXEC` against the caller's credentials.
    pub may_search: Option<&'a dyn Fn(&Attr) -> bool>,
    /// `openat2`'s restrictions.
    pub restrict: Restrictions<'a>,
}

/// What the last component is handed to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Resolve it.
    Full,
    /// Stop before it.
    Parent,
    /// Resolve it if it exists, else stop before it.
    Create,
}

/// How a walk ended.
enum Outcome {
    Found(PathRef),
    Parent(PathRef, Vec<u8>, bool),
    Absent(PathRef, Vec<u8>),
}

/// The components of `path`, without empty ones.
fn components(path: &[u8]) -> VecDeque<Vec<u8>> {
    path.split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

impl<'a> WalkCtx<'a> {
    /// A walk in `ns` for a process whose root is `root` and working directory `cwd`,
    /// from `cwd`, without permission checks.
    pub fn new(ns: &'a MountNamespace, root: &'a PathRef, cwd: &'a PathRef) -> WalkCtx<'a> {
        WalkCtx {
            ns,
            root,
            cwd,
            start: None,
            may_search: None,
            restrict: Restrictions::default(),
        }
    }

    /// Resolves `path` to the place it names (see [`resolve`]).
    pub fn resolve(&self, path: &[u8], flags: WalkFlags) -> Result<PathRef, Errno> {
        match self.walk(path, flags, Mode::Full)? {
            Outcome::Found(p) => Ok(p),
            // Only other modes stop early.
            Outcome::Parent(dir, ..) | Outcome::Absent(dir, _) => Ok(dir),
        }
    }

    /// Resolves all of `path` but its last component (see [`resolve_parent`]).
    pub fn resolve_parent(&self, path: &[u8]) -> Result<(PathRef, Vec<u8>, bool), Errno> {
        match self.walk(path, WalkFlags::NOFOLLOW, Mode::Parent)? {
            Outcome::Parent(dir, name, trailing) => Ok((dir, name, trailing)),
            // Parent mode always stops before the last component.
            Outcome::Found(dir) | Outcome::Absent(dir, _) => Ok((dir, b".".to_vec(), false)),
        }
    }

    /// The lookup of `open(O_CREAT)` (Linux's `open_last_lookups`): resolves `path`
    /// if the file exists, following a final symlink unless `flags.follow_final` is
    /// clear (clear it for `O_EXCL` and `O_NOFOLLOW`), so that a dangling symlink
    /// creates its target; else reports the directory and name to create. The last
    /// component `.` or `..` resolves to a directory ([`CreateLookup::Found`]); a
    /// trailing slash after a normal last component is `EISDIR`, as Linux.
    /// `flags.directory` and `flags.empty_path` are ignored (`O_CREAT|O_DIRECTORY`
    /// is the caller's `EINVAL`).
    pub fn resolve_create(&self, path: &[u8], flags: WalkFlags) -> Result<CreateLookup, Errno> {
        let flags = WalkFlags {
            directory: false,
            empty_path: false,
            ..flags
        };
        match self.walk(path, flags, Mode::Create)? {
            Outcome::Found(p) => Ok(CreateLookup::Found(p)),
            Outcome::Absent(dir, name) => Ok(CreateLookup::Absent { dir, name }),
            // Create mode never stops before the last component without a name.
            Outcome::Parent(dir, ..) => Ok(CreateLookup::Found(dir)),
        }
    }

    /// `EACCES` if the hook refuses to search `dir`.
    fn check_search(&self, dir: &PathRef) -> Result<(), Errno> {
        match self.may_search {
            Some(may_search) if !may_search(&dir.inode().attr()?) => Err(Errno::EACCES),
            _ => Ok(()),
        }
    }

    /// `..` of `cur` (Linux's `follow_dotdot`): `cur` itself at the process root; from
    /// the root of a mount, the parent of its mountpoint (climbing stacked mounts; if
    /// that climb meets the process root, or a mount attached nowhere, `cur` itself);
    /// then into whatever is mounted there.
    fn dotdot(&self, cur: PathRef) -> PathRef {
        if cur == *self.root {
            return cur;
        }
        let mut at = cur.clone();
        loop {
            if let Some(parent) = at.dirent.parent() {
                return self.ns.follow_mounts(PathRef::new(at.mount, parent));
            }
            match at.mount.mountpoint() {
                Some(mp) if mp != self.root => at = mp.clone(),
                _ => return cur,
            }
        }
    }

    /// The walk. Linux's `link_path_walk` with the final step of `path_lookupat`,
    /// `path_parentat` or `open_last_lookups`, by `mode`.
    fn walk(&self, path: &[u8], flags: WalkFlags, mode: Mode) -> Result<Outcome, Errno> {
        if path.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let start = self.start.unwrap_or(self.cwd);
        if path.is_empty() {
            if !(flags.empty_path && mode == Mode::Full) {
                return Err(Errno::ENOENT);
            }
            if flags.directory && !start.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            return Ok(Outcome::Found(start.clone()));
        }

        if self.restrict.beneath && path[0] == b'/' {
            return Err(Errno::EXDEV);
        }
        let mut cur = if path[0] == b'/' {
            self.root.clone()
        } else {
            start.clone()
        };
        let mut queue = components(path);
        // A trailing slash makes the last component a directory, followed if a symlink.
        let mut trailing = !queue.is_empty() && path.ends_with(b"/");
        let mut must_dir = flags.directory || trailing;
        let follow_last = flags.follow_final || trailing;
        let mut links = 0;

        while let Some(name) = queue.pop_front() {
            let last = queue.is_empty();
            if !cur.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            self.check_search(&cur)?;
            if name.len() > NAME_MAX {
                return Err(Errno::ENAMETOOLONG);
            }
            if last && mode == Mode::Parent {
                return Ok(Outcome::Parent(cur, name, trailing));
            }
            match &name[..] {
                b"." => continue,
                b".." => {
                    if self.restrict.beneath && cur == *start {
                        return Err(Errno::EXDEV);
                    }
                    let up = self.dotdot(cur.clone());
                    if self.restrict.no_xdev && !std::sync::Arc::ptr_eq(&up.mount, &cur.mount) {
                        return Err(Errno::EXDEV);
                    }
                    cur = up;
                    continue;
                }
                _ => {}
            }
            if last && mode == Mode::Create && trailing {
                return Err(Errno::EISDIR);
            }
            let child = match cur.dirent.lookup_child(&name) {
                Ok(child) => child,
                Err(Errno::ENOENT) if last && mode == Mode::Create => {
                    return Ok(Outcome::Absent(cur, name))
                }
                Err(e) => return Err(e),
            };
            let next = self
                .ns
                .follow_mounts(PathRef::new(cur.mount.clone(), child));
            if self.restrict.no_xdev && !std::sync::Arc::ptr_eq(&next.mount, &cur.mount) {
                return Err(Errno::EXDEV);
            }
            if next.kind() == FileType::Symlink && (!last || follow_last) {
                if self.restrict.no_symlinks
                    || self
                        .restrict
                        .magic_link
                        .is_some_and(|is_magic| is_magic(&next))
                {
                    return Err(Errno::ELOOP);
                }
                links += 1;
                if links > MAXSYMLINKS {
                    return Err(Errno::ELOOP);
                }
                let target = next.inode().readlink()?;
                // symlink(2) cannot make an empty target; treat one as POSIX does.
                if target.is_empty() {
                    return Err(Errno::ENOENT);
                }
                if target[0] == b'/' {
                    if self.restrict.beneath {
                        return Err(Errno::EXDEV);
                    }
                    cur = self.root.clone();
                }
                // The target's own trailing slash counts when it ends the path.
                if last && target.ends_with(b"/") {
                    trailing = true;
                    must_dir = true;
                }
                for c in components(&target).into_iter().rev() {
                    queue.push_front(c);
                }
                continue;
            }
            cur = next;
        }

        if mode == Mode::Parent {
            // No component at all: the path is `/`, `//`, ... (Linux's `LAST_ROOT`).
            return Ok(Outcome::Parent(cur, Vec::new(), false));
        }
        if must_dir && !cur.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(Outcome::Found(cur))
    }
}

/// Resolves `path` to the place it names, with Linux's rules:
///
/// * A path of `PATH_MAX` (4096) bytes or more, or a component of more than
///   `NAME_MAX` (255), is `ENAMETOOLONG`. An empty path is `ENOENT`, or with
///   `flags.empty_path` the starting directory itself.
/// * An absolute path starts at `root`, a relative one at `cwd` (for an `*at` call,
///   pass the dirfd's place as `cwd`, or use [`WalkCtx`]). Repeated slashes count as one.
/// * `.` stays; `..` never leaves `root`, and from the root of a mount goes to the
///   parent of the mountpoint. Entering a dirent that has mounts on it continues at the
///   root of the topmost.
/// * A component is looked up only in a directory (`ENOTDIR`). Symlinks met before the
///   last component are always followed, the last only with `flags.follow_final` or a
///   trailing slash; an absolute target restarts at `root`, a relative one at the
///   symlink's directory. More than [`MAXSYMLINKS`] symlinks in one resolution is
///   `ELOOP`.
/// * A trailing slash, or `flags.directory`, needs the result to be a directory
///   (`ENOTDIR`).
///
/// No permission is checked; see [`WalkCtx::may_search`].
pub fn resolve(
    ns: &MountNamespace,
    root: &PathRef,
    cwd: &PathRef,
    path: &[u8],
    flags: WalkFlags,
) -> Result<PathRef, Errno> {
    WalkCtx::new(ns, root, cwd).resolve(path, flags)
}

/// Resolves all of `path` but its last component, for the calls that create, remove
/// or rename it: returns the directory, the last component, and whether the path ended
/// with a slash. The last component is not looked up (a symlink there is not followed),
/// and the directory is checked to be one (`ENOTDIR`).
///
/// The last component is reported as it is written, so callers can give Linux's
/// errors: `.` and `..` are returned as such (the directory is then the one they
/// are relative to), and a path with no component at all (`/`, `//`) gives the
/// empty name `""` with the root as the directory. The [`Dirent`](super::Dirent)
/// methods take these names and answer as Linux: `create_child` and `link_child`
/// `EEXIST`; `unlink_child` `EISDIR`; `rmdir_child` `EINVAL` for `.`, `ENOTEMPTY` for
/// `..`, `EBUSY` for `""`; `rename` `EBUSY`.
///
/// Errors as [`resolve`]; an empty path is always `ENOENT`.
pub fn resolve_parent(
    ns: &MountNamespace,
    root: &PathRef,
    cwd: &PathRef,
    path: &[u8],
) -> Result<(PathRef, Vec<u8>, bool), Errno> {
    WalkCtx::new(ns, root, cwd).resolve_parent(path)
}
