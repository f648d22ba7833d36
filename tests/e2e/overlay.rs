//! tests/programs/overlay.c: the overlay root. A lower directory on the host is
//! changed in every way the guest can (copy-up, whiteouts, renames, links, racing
//! writers) and must be byte-for-byte unchanged on the host afterwards.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::harness::{compile, veil, TempDir};

/// Sets `user.NAME` on `path` (the host file system must support user xattrs).
fn set_user_xattr(path: &Path, name: &str, value: &[u8]) {
    let p = CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    let n = CString::new(name).unwrap();
    // SAFETY: both strings are NUL-terminated and live across the call; the value
    // pointer and length describe a live slice.
    let r = unsafe {
        libc::setxattr(
            p.as_ptr(),
            n.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    assert_eq!(
        r,
        0,
        "setxattr on {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
}

/// Every path under `root` with its mode, size, mtime and content.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (u32, u64, i64, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let m = fs::symlink_metadata(&p).unwrap();
        let content = if m.is_file() {
            fs::read(&p).unwrap()
        } else if m.file_type().is_symlink() {
            fs::read_link(&p)
                .unwrap()
                .into_os_string()
                .into_encoded_bytes()
        } else {
            for e in fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
            Vec::new()
        };
        out.insert(p, (m.mode(), m.size(), m.mtime(), content));
    }
    out
}

#[test]
fn overlay_semantics_and_the_host_is_unchanged() {
    let dir = TempDir::new("overlay");
    let prog = compile(&dir, "overlay");
    let lower = dir.join("lower");
    fs::create_dir_all(lower.join("dir/sub")).unwrap();
    fs::create_dir_all(lower.join("tree/a/b")).unwrap();
    fs::write(lower.join("file"), "lower data\n").unwrap();
    fs::set_permissions(lower.join("file"), fs::Permissions::from_mode(0o640)).unwrap();
    set_user_xattr(&lower.join("file"), "user.tag", b"v");
    fs::write(lower.join("dir/inner"), "inner\n").unwrap();
    fs::write(lower.join("dir/sub/deep"), "").unwrap();
    std::os::unix::fs::symlink("file", lower.join("link")).unwrap();
    fs::write(lower.join("tree/a/b/c"), "c\n").unwrap();
    fs::write(lower.join("race"), "........\n").unwrap();
    let before = snapshot(&lower);

    let r = veil(&[prog.as_os_str(), lower.as_os_str()]);
    r.assert_no_panic();
    r.assert_code(0);
    assert!(r.out().contains("overlay ok"), "{}", r.context());
    assert_eq!(snapshot(&lower), before, "the host directory changed");
}
