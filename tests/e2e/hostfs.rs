//! The guest sees the host's / read-only: whatever it tries, the host's
//! files stay as they were.

use std::fs;
use std::path::Path;

use crate::harness::{require_busybox, veil, TempDir, BUSYBOX};

const HOST_DATA: &str = "host data\n";

/// Asserts that the host file still holds HOST_DATA.
fn assert_unchanged(path: &Path) {
    match fs::read(path) {
        Ok(bytes) => assert_eq!(
            String::from_utf8_lossy(&bytes),
            HOST_DATA,
            "the guest changed {}",
            path.display()
        ),
        Err(e) => panic!("the guest removed {} ({e})", path.display()),
    }
}

/// Runs a busybox applet on `target` under veil. Its exit code is not
/// checked (a later in-memory overlay may let the guest's write succeed
/// inside the sandbox); only the host is.
fn busybox_on(applet: &str, target: &Path) {
    require_busybox();
    let r = veil(&[BUSYBOX.as_ref(), applet.as_ref(), target.as_os_str()]);
    r.assert_no_panic();
}

#[test]
fn touch_creates_no_host_file() {
    let dir = TempDir::new("touch");
    let target = dir.join("created-by-guest");
    busybox_on("touch", &target);
    assert!(!target.exists(), "the guest created {}", target.display());
}

#[test]
fn touch_in_tmp_creates_no_host_file() {
    let target = std::env::temp_dir().join(format!("veil-e2e-touch-{}", std::process::id()));
    let _ = fs::remove_file(&target);
    busybox_on("touch", &target);
    let created = target.exists();
    let _ = fs::remove_file(&target);
    assert!(!created, "the guest created {}", target.display());
}

#[test]
fn mkdir_creates_no_host_directory() {
    let dir = TempDir::new("mkdir");
    let target = dir.join("made-by-guest");
    busybox_on("mkdir", &target);
    assert!(!target.exists(), "the guest created {}", target.display());
}

#[test]
fn rm_removes_no_host_file() {
    let dir = TempDir::new("rm");
    let target = dir.join("keep-me");
    fs::write(&target, HOST_DATA).expect("writing the host file");
    require_busybox();
    let r = veil(&[
        BUSYBOX.as_ref(),
        "rm".as_ref(),
        "-f".as_ref(),
        target.as_os_str(),
    ]);
    r.assert_no_panic();
    assert_unchanged(&target);
}

#[test]
fn cp_over_a_host_file_changes_nothing() {
    let dir = TempDir::new("cp");
    let target = dir.join("keep-me");
    fs::write(&target, HOST_DATA).expect("writing the host file");
    require_busybox();
    let r = veil(&[
        BUSYBOX.as_ref(),
        "cp".as_ref(),
        "/etc/os-release".as_ref(),
        target.as_os_str(),
    ]);
    r.assert_no_panic();
    assert_unchanged(&target);
}
