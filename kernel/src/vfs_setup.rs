//! The sandbox's file system tree.
//!
//! For `veil do`: the host's `/` read-only below an in-memory tmpfs (the overlay),
//! with Veil's own `/dev`, `/proc` and `/sys` mounted over it. For an OCI container
//! ([`RootfsConfig`] with `mounts`): the bundle's rootfs below the tmpfs, then the
//! spec's mounts in order, its masked and read-only paths, and a read-only root if
//! the spec asks for one.
//!
//! Every file system is the sentry's own: a spec's `proc`, `sysfs`, `devpts`,
//! `mqueue` and `cgroup` are Veil's (`cgroup` an empty read-only directory), its
//! `tmpfs` a fresh in-memory one. A bind mount of a host directory is that directory
//! read-only below an in-memory tmpfs, as the root is (writes stay in the sandbox);
//! a bind mount of a host file is a copy of it taken at start.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};

use veil_abi::Errno;
use veil_memmap::MemoryFile;
use veil_vfs::hostfs::HostFs;
use veil_vfs::inode::{Creds, FileType, InodeRef, NewNode};
use veil_vfs::overlay::Overlay;
use veil_vfs::readonly::ReadOnlyInode;
use veil_vfs::tmpfs::Tmpfs;
use veil_vfs::walk::{MountNamespace, PathRef, WalkCtx, WalkFlags};

use crate::kernel::Kernel;

/// What the sandbox's file system tree is made of.
#[derive(Clone, Debug, Default)]
pub struct RootfsConfig {
    /// The host directory that is the lower layer of `/`; `None` for the host's `/`.
    pub lower: Option<PathBuf>,
    /// `/` read-only (an OCI `root.readonly`): every change under it is `EROFS`.
    pub readonly: bool,
    /// The mounts, in order; `None` for `veil do`'s (`/dev`, `/proc`, `/sys`).
    pub mounts: Option<Vec<MountSpec>>,
    /// Paths hidden from the guest (an OCI `linux.maskedPaths`): a directory shows
    /// empty, a file reads as `/dev/null`.
    pub masked_paths: Vec<String>,
    /// Paths made read-only (an OCI `linux.readonlyPaths`).
    pub readonly_paths: Vec<String>,
}

/// One mount of an OCI spec.
#[derive(Clone, Debug, Default)]
pub struct MountSpec {
    /// Where, an absolute path in the sandbox.
    pub destination: String,
    /// The file system type (`proc`, `tmpfs`, `bind`…); empty for a bind mount.
    pub fs_type: String,
    /// The host path of a bind mount; a label otherwise.
    pub source: String,
    /// Mount options (`ro`, `bind`, `mode=755`…).
    pub options: Vec<String>,
}

impl MountSpec {
    fn has(&self, option: &str) -> bool {
        self.options.iter().any(|o| o == option)
    }

    fn is_bind(&self) -> bool {
        self.fs_type == "bind" || self.has("bind") || self.has("rbind")
    }

    fn read_only(&self) -> bool {
        self.has("ro")
    }

    /// The value of `name=value` among the options.
    fn option_value(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find_map(|o| o.strip_prefix(name)?.strip_prefix('='))
    }
}

const ROOT_CREDS: Creds = Creds { uid: 0, gid: 0 };

/// Builds the mount namespace. `kernel` is what `/proc` reports on.
pub fn build(
    memory: &Arc<MemoryFile>,
    kernel: Weak<Kernel>,
    config: &RootfsConfig,
) -> Result<Arc<MountNamespace>, String> {
    let lower_path = config.lower.as_deref().unwrap_or(Path::new("/"));
    let lower = HostFs::with_page_cache(lower_path, memory.clone()).map_err(|e| {
        format!(
            "cannot open the root file system {}: {e}",
            lower_path.display()
        )
    })?;
    let lower_root = lower.root();
    let root_attr = lower_root
        .attr()
        .map_err(|e| format!("cannot stat the root file system: {e}"))?;
    let upper = Tmpfs::new_with_root(
        memory.clone(),
        root_attr.perm,
        Creds {
            uid: root_attr.uid,
            gid: root_attr.gid,
        },
    );
    let overlay = Overlay::new(upper.root(), lower_root);
    let options = format!("rw,relatime,lowerdir={}", lower_path.display());
    let Some(specs) = &config.mounts else {
        let ns = MountNamespace::with_root(overlay.root(), "overlay", "overlay", &options);
        mount_defaults(&ns, memory, kernel)?;
        return Ok(ns);
    };

    if config.readonly {
        // Mountpoints missing from the rootfs are made in the writable overlay first:
        // under the read-only root nothing could be created.
        let scratch = MountNamespace::with_root(overlay.root(), "overlay", "overlay", "");
        for spec in specs {
            let dir = !spec.is_bind() || Path::new(&spec.source).is_dir();
            // A mount nested in another (/dev/shm in /dev) gets its mountpoint from the
            // mount below it; one that fails here fails again below, with its error.
            let _ = mountpoint(&scratch, spec.destination.as_bytes(), dir);
        }
    }
    let (root, options) = if config.readonly {
        (
            ReadOnlyInode::wrap(overlay.root()),
            options.replacen("rw", "ro", 1),
        )
    } else {
        (overlay.root(), options)
    };
    let ns = MountNamespace::with_root(root, "overlay", "overlay", &options);
    let mut dev: Option<InodeRef> = None;
    for spec in specs {
        mount_spec(&ns, memory, &kernel, spec, &mut dev)
            .map_err(|e| format!("mount {}: {e}", spec.destination))?;
    }
    if dev.is_none() {
        // A container always has Veil's devices, as runc gives it a /dev.
        let d = new_dev(memory)?;
        attach(
            &ns,
            b"/dev",
            d.clone(),
            "tmpfs",
            "tmpfs",
            "rw,nosuid,mode=755",
        )?;
        dev = Some(d);
    }
    let null = dev
        .as_ref()
        .and_then(|d| d.lookup(b"null").ok())
        .ok_or("/dev/null is missing")?;
    for path in &config.masked_paths {
        mask(&ns, memory, path.as_bytes(), &null)?;
    }
    for path in &config.readonly_paths {
        make_read_only(&ns, path.as_bytes())?;
    }
    Ok(ns)
}

/// `veil do`'s mounts: Veil's `/dev`, `/proc` and `/sys`.
fn mount_defaults(
    ns: &Arc<MountNamespace>,
    memory: &Arc<MemoryFile>,
    kernel: Weak<Kernel>,
) -> Result<(), String> {
    let dev = new_dev(memory)?;
    attach(ns, b"/dev", dev, "tmpfs", "devtmpfs", "rw,nosuid,mode=755")?;
    attach(
        ns,
        b"/proc",
        crate::procfs::new(kernel),
        "proc",
        "proc",
        "rw,nosuid,nodev,noexec,relatime",
    )?;
    attach(
        ns,
        b"/sys",
        new_sys(memory)?,
        "sysfs",
        "sysfs",
        "ro,nosuid,nodev,noexec",
    )
}

fn new_dev(memory: &Arc<MemoryFile>) -> Result<InodeRef, String> {
    let dev = Tmpfs::new_with_root(memory.clone(), 0o755, ROOT_CREDS);
    crate::devices::populate(&dev.root()).map_err(|e| format!("cannot populate /dev: {e}"))?;
    Ok(dev.root())
}

fn new_sys(memory: &Arc<MemoryFile>) -> Result<InodeRef, String> {
    let sys = Tmpfs::new_with_root(memory.clone(), 0o555, ROOT_CREDS);
    let ncpus = crate::sched::sandbox_cpus();
    crate::sysfs::populate(&sys.root(), ncpus).map_err(|e| format!("cannot populate /sys: {e}"))?;
    Ok(ReadOnlyInode::wrap(sys.root()))
}

/// Mounts one spec entry. `dev` is the `/dev` mounted so far (a `tmpfs` on `/dev`
/// is Veil's device directory).
fn mount_spec(
    ns: &Arc<MountNamespace>,
    memory: &Arc<MemoryFile>,
    kernel: &Weak<Kernel>,
    spec: &MountSpec,
    dev: &mut Option<InodeRef>,
) -> Result<(), String> {
    let dest = spec.destination.as_bytes();
    if !dest.starts_with(b"/") {
        return Err("the destination is not an absolute path".into());
    }
    let ro = spec.read_only();
    let flags = if ro { "ro" } else { "rw" };
    let (root, fs_type, options): (InodeRef, &str, String) = if spec.is_bind() {
        let source = Path::new(&spec.source);
        let meta = std::fs::metadata(source)
            .map_err(|e| format!("bind source {}: {e}", source.display()))?;
        let root = if meta.is_dir() {
            let lower = HostFs::with_page_cache(source, memory.clone())
                .map_err(|e| format!("bind source {}: {e}", source.display()))?;
            let upper = Tmpfs::new_with_root(
                memory.clone(),
                meta.mode() & 0o7777,
                Creds {
                    uid: meta.uid(),
                    gid: meta.gid(),
                },
            );
            Overlay::new(upper.root(), lower.root()).root()
        } else {
            file_copy(memory, source, &meta)?
        };
        (root, "none", format!("{flags},bind"))
    } else {
        match spec.fs_type.as_str() {
            "tmpfs" if spec.destination == "/dev" => {
                let d = new_dev(memory)?;
                *dev = Some(d.clone());
                (d, "tmpfs", format!("{flags},nosuid,mode=755"))
            }
            "tmpfs" | "mqueue" => {
                let mode = spec
                    .option_value("mode")
                    .and_then(|m| u32::from_str_radix(m, 8).ok())
                    .unwrap_or(0o1777);
                let fs = Tmpfs::new_with_root(memory.clone(), mode & 0o7777, ROOT_CREDS);
                (
                    fs.root(),
                    spec.fs_type.as_str(),
                    format!("{flags},nosuid,nodev"),
                )
            }
            // Veil's /dev has its own pts directory; its slaves appear there.
            "devpts" => return Ok(()),
            "proc" => (
                crate::procfs::new(kernel.clone()),
                "proc",
                format!("{flags},nosuid,nodev,noexec,relatime"),
            ),
            "sysfs" => (new_sys(memory)?, "sysfs", "ro,nosuid,nodev,noexec".into()),
            "cgroup" | "cgroup2" => {
                let fs = Tmpfs::new_with_root(memory.clone(), 0o555, ROOT_CREDS);
                (
                    ReadOnlyInode::wrap(fs.root()),
                    spec.fs_type.as_str(),
                    "ro,nosuid,nodev,noexec".into(),
                )
            }
            other => {
                tracing::warn!(
                    "mount {}: file system type '{other}' is not supported; not mounted",
                    spec.destination
                );
                return Ok(());
            }
        }
    };
    let root = if ro && !root.read_only() {
        ReadOnlyInode::wrap(root)
    } else {
        root
    };
    let is_dir = root.kind() == FileType::Directory;
    let at = mountpoint(ns, dest, is_dir)?;
    let source = if spec.source.is_empty() {
        spec.fs_type.as_str()
    } else {
        spec.source.as_str()
    };
    ns.mount(&at, root, fs_type, source, &options)
        .map_err(|e| e.to_string())
}

/// A bind mount of a host file: an in-memory copy of it, with its mode and owner.
fn file_copy(
    memory: &Arc<MemoryFile>,
    source: &Path,
    meta: &std::fs::Metadata,
) -> Result<InodeRef, String> {
    let content =
        std::fs::read(source).map_err(|e| format!("bind source {}: {e}", source.display()))?;
    let holder = Tmpfs::new(memory.clone());
    let file = holder
        .root()
        .create(
            b"file",
            NewNode::Regular,
            meta.mode() & 0o7777,
            Creds {
                uid: meta.uid(),
                gid: meta.gid(),
            },
        )
        .map_err(|e| e.to_string())?;
    file.write_at(&content, 0).map_err(|e| e.to_string())?;
    Ok(file)
}

/// Hides `path` (a `maskedPaths` entry): a directory behind an empty read-only one,
/// anything else behind `/dev/null`. A path that does not exist is left alone.
fn mask(
    ns: &Arc<MountNamespace>,
    memory: &Arc<MemoryFile>,
    path: &[u8],
    null: &InodeRef,
) -> Result<(), String> {
    let Some(at) = existing(ns, path) else {
        return Ok(());
    };
    let root = if at.is_dir() {
        ReadOnlyInode::wrap(Tmpfs::new_with_root(memory.clone(), 0o555, ROOT_CREDS).root())
    } else {
        null.clone()
    };
    ns.mount(&at, root, "tmpfs", "tmpfs", "ro")
        .map_err(|e| format!("mask {}: {e}", String::from_utf8_lossy(path)))
}

/// Makes `path` (a `readonlyPaths` entry) read-only: a read-only mount of the same
/// file over it. A path that does not exist is left alone.
fn make_read_only(ns: &Arc<MountNamespace>, path: &[u8]) -> Result<(), String> {
    let Some(at) = existing(ns, path) else {
        return Ok(());
    };
    let inode = ns.follow_mounts(at.clone()).dirent.inode().clone();
    if inode.read_only() {
        return Ok(());
    }
    ns.mount(&at, ReadOnlyInode::wrap(inode), "none", "none", "ro,bind")
        .map_err(|e| format!("read-only {}: {e}", String::from_utf8_lossy(path)))
}

fn existing(ns: &Arc<MountNamespace>, path: &[u8]) -> Option<PathRef> {
    let top = ns.root();
    WalkCtx::new(ns, &top, &top)
        .resolve(path, WalkFlags::FOLLOW)
        .ok()
}

/// Resolves `path`, creating it (and missing parents, as `mkdir -p`) when it does
/// not exist: a directory if `dir`, else an empty file.
fn mountpoint(ns: &Arc<MountNamespace>, path: &[u8], dir: bool) -> Result<PathRef, String> {
    let top = ns.root();
    let walk = WalkCtx::new(ns, &top, &top);
    match walk.resolve(path, WalkFlags::FOLLOW) {
        Ok(at) => return Ok(at),
        Err(Errno::ENOENT) => {}
        Err(e) => return Err(e.to_string()),
    }
    let display = String::from_utf8_lossy(path);
    let mut prefix = Vec::new();
    let parts: Vec<&[u8]> = path
        .split(|&b| b == b'/')
        .filter(|p| !p.is_empty())
        .collect();
    for (i, part) in parts.iter().enumerate() {
        prefix.push(b'/');
        prefix.extend_from_slice(part);
        if walk.resolve(&prefix, WalkFlags::FOLLOW).is_ok() {
            continue;
        }
        let last = i + 1 == parts.len();
        let node = if last && !dir {
            NewNode::Regular
        } else {
            NewNode::Directory
        };
        let perm = if last && !dir { 0o644 } else { 0o755 };
        let (parent, name, _) = walk.resolve_parent(&prefix).map_err(|e| e.to_string())?;
        parent
            .dirent
            .create_child(&name, node, perm, ROOT_CREDS)
            .map_err(|e| format!("cannot create the mountpoint {display}: {e}"))?;
    }
    walk.resolve(path, WalkFlags::FOLLOW)
        .map_err(|e| e.to_string())
}

/// Mounts `root` at `path`, creating the mountpoint when the lower layer lacks it
/// (the host's own `/proc` is hidden from the lower layer).
fn attach(
    ns: &Arc<MountNamespace>,
    path: &[u8],
    root: InodeRef,
    fs_type: &str,
    source: &str,
    options: &str,
) -> Result<(), String> {
    let at = mountpoint(ns, path, true)?;
    ns.mount(&at, root, fs_type, source, options)
        .map_err(|e| format!("cannot mount {}: {e}", String::from_utf8_lossy(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(destination: &str, fs_type: &str, source: &str, options: &[&str]) -> MountSpec {
        MountSpec {
            destination: destination.into(),
            fs_type: fs_type.into(),
            source: source.into(),
            options: options.iter().map(|o| o.to_string()).collect(),
        }
    }

    fn lookup(ns: &Arc<MountNamespace>, path: &str) -> Result<InodeRef, Errno> {
        let top = ns.root();
        let at = WalkCtx::new(ns, &top, &top).resolve(path.as_bytes(), WalkFlags::FOLLOW)?;
        Ok(ns.follow_mounts(at).dirent.inode().clone())
    }

    fn read(ns: &Arc<MountNamespace>, path: &str) -> Vec<u8> {
        let inode = lookup(ns, path).unwrap();
        let mut buf = vec![0; 64];
        let n = inode.read_at(&mut buf, 0).unwrap();
        buf.truncate(n);
        buf
    }

    #[test]
    fn a_container_tree_has_its_mounts_masks_and_a_read_only_root() {
        let bundle = std::env::temp_dir().join(format!("veil-rootfs-{}", std::process::id()));
        let rootfs = bundle.join("rootfs");
        std::fs::create_dir_all(rootfs.join("etc")).unwrap();
        std::fs::create_dir_all(rootfs.join("secret")).unwrap();
        std::fs::write(rootfs.join("secret/key"), "k").unwrap();
        std::fs::write(rootfs.join("etc/motd"), "hi").unwrap();
        std::fs::write(bundle.join("hosts"), "127.0.0.1 box\n").unwrap();
        std::fs::create_dir_all(bundle.join("data")).unwrap();
        std::fs::write(bundle.join("data/d"), "data").unwrap();

        let memory = Arc::new(MemoryFile::new(64 << 20).unwrap());
        let hosts = bundle.join("hosts").display().to_string();
        let data = bundle.join("data").display().to_string();
        let config = RootfsConfig {
            lower: Some(rootfs.clone()),
            readonly: true,
            mounts: Some(vec![
                spec("/proc", "proc", "proc", &[]),
                spec("/dev", "tmpfs", "tmpfs", &["mode=755"]),
                spec("/dev/shm", "tmpfs", "shm", &["mode=1777"]),
                spec("/tmp", "tmpfs", "tmpfs", &["mode=1777"]),
                spec("/etc/hosts", "bind", &hosts, &["rbind"]),
                spec("/mnt/data", "", &data, &["bind", "ro"]),
                spec("/sys/fs/cgroup", "cgroup", "cgroup", &["ro"]),
            ]),
            masked_paths: vec!["/secret".into(), "/etc/motd".into(), "/nonexistent".into()],
            readonly_paths: vec!["/tmp".into()],
        };
        let ns = build(&memory, Weak::new(), &config).unwrap();

        // The read-only root refuses changes; mountpoints were made before it was.
        let root = lookup(&ns, "/").unwrap();
        assert!(root.read_only());
        assert_eq!(
            root.create(b"x", NewNode::Regular, 0o644, ROOT_CREDS)
                .map(|_| ()),
            Err(Errno::EROFS)
        );
        // A bind-mounted file is the host file's content, writable in the sandbox.
        assert_eq!(read(&ns, "/etc/hosts"), b"127.0.0.1 box\n");
        assert_eq!(lookup(&ns, "/etc/hosts").unwrap().write_at(b"#", 0), Ok(1));
        assert_eq!(
            std::fs::read(bundle.join("hosts")).unwrap(),
            b"127.0.0.1 box\n"
        );
        // An ro bind mount of a directory reads through and refuses changes.
        assert_eq!(read(&ns, "/mnt/data/d"), b"data");
        assert_eq!(
            lookup(&ns, "/mnt/data").unwrap().unlink(b"d"),
            Err(Errno::EROFS)
        );
        // /dev is Veil's, with a tmpfs on /dev/shm; the rootfs never had either.
        assert_eq!(
            lookup(&ns, "/dev/null").unwrap().kind(),
            FileType::CharDevice
        );
        let shm = lookup(&ns, "/dev/shm").unwrap();
        assert!(shm
            .create(b"s", NewNode::Regular, 0o600, ROOT_CREDS)
            .is_ok());
        // Masked: an empty directory, a file that reads as /dev/null.
        assert_eq!(lookup(&ns, "/secret/key").map(|_| ()), Err(Errno::ENOENT));
        assert_eq!(
            lookup(&ns, "/etc/motd").unwrap().kind(),
            FileType::CharDevice
        );
        // A read-only path over a tmpfs.
        let tmp = lookup(&ns, "/tmp").unwrap();
        assert_eq!(
            tmp.create(b"t", NewNode::Regular, 0o600, ROOT_CREDS)
                .map(|_| ()),
            Err(Errno::EROFS)
        );
        assert!(lookup(&ns, "/sys/fs/cgroup").unwrap().read_only());
        let mounts: Vec<String> = ns
            .mounts()
            .iter()
            .map(|m| String::from_utf8_lossy(&m.mountpoint).into_owned())
            .collect();
        for m in [
            "/proc",
            "/dev",
            "/dev/shm",
            "/tmp",
            "/etc/hosts",
            "/mnt/data",
        ] {
            assert!(mounts.iter().any(|x| x == m), "{m} in {mounts:?}");
        }
        // Nothing was written to the host's rootfs.
        assert!(!rootfs.join("dev").exists() && !rootfs.join("mnt").exists());
        std::fs::remove_dir_all(&bundle).unwrap();
    }

    #[test]
    fn a_missing_rootfs_is_a_clear_error() {
        let memory = Arc::new(MemoryFile::new(1 << 20).unwrap());
        let config = RootfsConfig {
            lower: Some("/nonexistent/rootfs".into()),
            mounts: Some(Vec::new()),
            ..Default::default()
        };
        let err = build(&memory, Weak::new(), &config).unwrap_err();
        assert!(err.contains("/nonexistent/rootfs"), "{err}");
    }
}
