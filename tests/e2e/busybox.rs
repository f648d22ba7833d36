//! Static busybox applets that need no fork: output bytes and exit codes
//! must match what the host has.
//!
//! Applets that run others through fork (`busybox sh -c …`) are left out
//! until processes are implemented.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::ffi::OsStrExt;

use crate::harness::{require_busybox, veil, BUSYBOX};

#[test]
fn echo_prints_hello() {
    require_busybox();
    let r = veil(&[BUSYBOX, "echo", "hello"]);
    r.assert_no_panic();
    r.assert_code(0);
    assert_eq!(r.out(), "hello\n");
}

#[test]
fn true_exits_0_and_false_exits_1() {
    require_busybox();
    let t = veil(&[BUSYBOX, "true"]);
    t.assert_code(0);
    assert!(t.stdout.is_empty());
    let f = veil(&[BUSYBOX, "false"]);
    f.assert_no_panic();
    f.assert_code(1);
    assert!(f.stdout.is_empty());
}

#[test]
fn cat_os_release_is_byte_identical() {
    require_busybox();
    let want = fs::read("/etc/os-release").expect("reading /etc/os-release");
    let r = veil(&[BUSYBOX, "cat", "/etc/os-release"]);
    r.assert_no_panic();
    r.assert_code(0);
    assert!(
        r.stdout == want,
        "busybox cat /etc/os-release differs from the file\n{}",
        r.context()
    );
}

#[test]
fn ls_usr_bin_lists_the_host_directory() {
    require_busybox();
    let want: BTreeSet<Vec<u8>> = fs::read_dir("/usr/bin")
        .expect("reading /usr/bin")
        .map(|e| {
            e.expect("reading a /usr/bin entry")
                .file_name()
                .as_bytes()
                .to_vec()
        })
        .filter(|name| !name.starts_with(b"."))
        .collect();
    assert!(want.len() > 10, "/usr/bin has only {} entries?", want.len());

    let r = veil(&[BUSYBOX, "ls", "-1", "/usr/bin"]);
    r.assert_no_panic();
    r.assert_code(0);
    let lines: Vec<Vec<u8>> = r
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    let got: BTreeSet<Vec<u8>> = lines.iter().cloned().collect();
    assert_eq!(got.len(), lines.len(), "ls listed a name twice");
    let missing: Vec<String> = want
        .difference(&got)
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    let extra: Vec<String> = got
        .difference(&want)
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "busybox ls -1 /usr/bin differs from the host: missing {missing:?}, extra {extra:?}"
    );
}

#[test]
fn uname_r_is_not_the_hosts() {
    require_busybox();
    let r = veil(&[BUSYBOX, "uname", "-r"]);
    r.assert_no_panic();
    r.assert_code(0);
    let release = r.out().trim().to_string();
    assert!(!release.is_empty(), "empty uname -r\n{}", r.context());
    assert_ne!(release, crate::harness::host_release());
}
