//! `/proc/<pid>/mounts` (and `/proc/mounts`, a link to `self/mounts`),
//! `/proc/<pid>/mountinfo` and `/proc/filesystems`.

use veil_vfs::walk::MountInfo;

/// The file system types the sandbox has: (`nodev` or not, name), in the order Linux
/// registers them.
pub const FILESYSTEMS: [(bool, &str); 5] = [
    (true, "sysfs"),
    (true, "tmpfs"),
    (true, "proc"),
    (true, "devtmpfs"),
    (true, "overlay"),
];

/// `filesystems`: one line per type, `nodev` and a tab for the types that need no
/// block device, a tab alone for the others.
pub fn format_filesystems(types: &[(bool, &str)]) -> Vec<u8> {
    let mut o = String::new();
    for (nodev, name) in types {
        o.push_str(if *nodev { "nodev\t" } else { "\t" });
        o.push_str(name);
        o.push('\n');
    }
    o.into_bytes()
}

/// Escapes a field of `mounts` as Linux's `mangle`: space, tab, newline and backslash
/// become `\040`, `\011`, `\012` and `\134`.
pub fn mangle(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    for &b in field {
        match b {
            b' ' | b'\t' | b'\n' | b'\\' => out.extend_from_slice(format!("\\{b:03o}").as_bytes()),
            _ => out.push(b),
        }
    }
    out
}

/// `mounts`: `source mountpoint type options 0 0` per mount, in mount order.
pub fn format_mounts(mounts: &[MountInfo]) -> Vec<u8> {
    let mut o = Vec::new();
    for m in mounts {
        o.extend_from_slice(&mangle(m.source.as_bytes()));
        o.push(b' ');
        o.extend_from_slice(&mangle(&m.mountpoint));
        o.push(b' ');
        o.extend_from_slice(&mangle(m.fs_type.as_bytes()));
        o.push(b' ');
        o.extend_from_slice(&mangle(m.options.as_bytes()));
        o.extend_from_slice(b" 0 0\n");
    }
    o
}

/// Options that belong to a mount rather than its file system (`MNT_*` flags), which
/// `mountinfo` shows in its sixth field; the rest are super-block options.
const PER_MOUNT_OPTIONS: [&str; 10] = [
    "rw",
    "ro",
    "nosuid",
    "nodev",
    "noexec",
    "relatime",
    "noatime",
    "nodiratime",
    "strictatime",
    "nosymfollow",
];

/// `mountinfo`: per mount, `id parent major:minor root mountpoint mount-options
/// - type source super-options` (`proc(5)`); `devs` holds each mount's device number.
pub fn format_mountinfo(mounts: &[MountInfo], devs: &[u64]) -> Vec<u8> {
    let mut o = Vec::new();
    for (m, dev) in mounts.iter().zip(devs) {
        let (mut per_mount, mut per_sb) = (Vec::new(), vec!["rw"]);
        for opt in m.options.split(',').filter(|s| !s.is_empty()) {
            if PER_MOUNT_OPTIONS.contains(&opt) {
                per_mount.push(opt);
            } else {
                per_sb.push(opt);
            }
        }
        if per_mount.first().is_some_and(|f| *f == "ro") {
            per_sb[0] = "ro";
        }
        let (major, minor) = (crate::devices::major(*dev), crate::devices::minor(*dev));
        o.extend_from_slice(format!("{} {} {major}:{minor} / ", m.id, m.parent_id).as_bytes());
        o.extend_from_slice(&mangle(&m.mountpoint));
        o.push(b' ');
        o.extend_from_slice(per_mount.join(",").as_bytes());
        o.extend_from_slice(b" - ");
        o.extend_from_slice(&mangle(m.fs_type.as_bytes()));
        o.push(b' ');
        o.extend_from_slice(&mangle(m.source.as_bytes()));
        o.push(b' ');
        o.extend_from_slice(per_sb.join(",").as_bytes());
        o.push(b'\n');
    }
    o
}
