//! The sandbox's file system tree for `veil do`: the host's `/` read-only below an
//! in-memory tmpfs (the overlay), with Veil's own `/dev`, `/proc` and an empty `/sys`
//! mounted over it.

use std::path::Path;
use std::sync::{Arc, Weak};

use veil_abi::Errno;
use veil_memmap::MemoryFile;
use veil_vfs::hostfs::HostFs;
use veil_vfs::inode::{Creds, InodeRef, NewNode};
use veil_vfs::overlay::Overlay;
use veil_vfs::tmpfs::Tmpfs;
use veil_vfs::walk::{MountNamespace, WalkCtx, WalkFlags};

use crate::kernel::Kernel;

/// Builds the mount namespace. `kernel` is what `/proc` reports on.
pub fn build(
    memory: &Arc<MemoryFile>,
    kernel: Weak<Kernel>,
) -> Result<Arc<MountNamespace>, String> {
    let lower = HostFs::with_page_cache(Path::new("/"), memory.clone())
        .map_err(|e| format!("cannot open the host root: {e}"))?;
    let lower_root = lower.root();
    let root_attr = lower_root
        .attr()
        .map_err(|e| format!("cannot stat the host root: {e}"))?;
    let upper = Tmpfs::new_with_root(
        memory.clone(),
        root_attr.perm,
        Creds {
            uid: root_attr.uid,
            gid: root_attr.gid,
        },
    );
    let overlay = Overlay::new(upper.root(), lower_root);
    let ns = MountNamespace::with_root(
        overlay.root(),
        "overlay",
        "overlay",
        "rw,relatime,lowerdir=/",
    );

    let dev = Tmpfs::new_with_root(memory.clone(), 0o755, Creds { uid: 0, gid: 0 });
    crate::devices::populate(&dev.root()).map_err(|e| format!("cannot populate /dev: {e}"))?;
    mount(
        &ns,
        b"/dev",
        dev.root(),
        "tmpfs",
        "devtmpfs",
        "rw,nosuid,mode=755",
    )?;
    mount(
        &ns,
        b"/proc",
        crate::procfs::new(kernel),
        "proc",
        "proc",
        "rw,nosuid,nodev,noexec,relatime",
    )?;
    let sys = Tmpfs::new_with_root(memory.clone(), 0o555, Creds { uid: 0, gid: 0 });
    let ncpus = crate::sched::sandbox_cpus();
    crate::sysfs::populate(&sys.root(), ncpus).map_err(|e| format!("cannot populate /sys: {e}"))?;
    mount(
        &ns,
        b"/sys",
        sys.root(),
        "sysfs",
        "sysfs",
        "ro,nosuid,nodev,noexec",
    )?;
    Ok(ns)
}

/// Mounts `root` at `path`, creating the directory in the upper layer if the lower
/// one does not show it.
fn mount(
    ns: &Arc<MountNamespace>,
    path: &[u8],
    root: InodeRef,
    fs_type: &str,
    source: &str,
    options: &str,
) -> Result<(), String> {
    let top = ns.root();
    let walk = WalkCtx::new(ns, &top, &top);
    let at = match walk.resolve(path, WalkFlags::FOLLOW) {
        Ok(at) => at,
        // The host's own /proc is hidden from the lower layer: make the mountpoint in
        // the upper one.
        Err(Errno::ENOENT) => {
            let (dir, name, _) = walk.resolve_parent(path).map_err(|e| e.to_string())?;
            dir.dirent
                .create_child(&name, NewNode::Directory, 0o555, Creds { uid: 0, gid: 0 })
                .map_err(|e| {
                    format!(
                        "cannot create the mountpoint {}: {e}",
                        String::from_utf8_lossy(path)
                    )
                })?;
            walk.resolve(path, WalkFlags::FOLLOW)
                .map_err(|e| e.to_string())?
        }
        Err(e) => {
            tracing::warn!("not mounting {}: {e}", String::from_utf8_lossy(path));
            return Ok(());
        }
    };
    ns.mount(&at, root, fs_type, source, options)
        .map_err(|e| format!("cannot mount {}: {e}", String::from_utf8_lossy(path)))
}
