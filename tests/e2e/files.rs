//! tests/programs/files.c: read-only file system calls. Under veil its
//! report must be the one it prints natively, and its writes must fail.

use std::fs;
use std::path::Path;

use crate::harness::{compile, native, run, veil_cmd, TempDir};

#[test]
fn files_report_matches_native() {
    let dir = TempDir::new("files");
    let prog = compile(&dir, "files");

    // Both from /, so relative lookups see the same tree.
    let host = run(std::process::Command::new(&prog)
        .arg("native")
        .current_dir("/"));
    host.assert_code(0);

    let probe = Path::new("/tmp/veil-files-must-not-exist");
    let _ = fs::remove_file(probe);
    let guest = run(veil_cmd(&[], &[prog.as_os_str(), "veil".as_ref()]).current_dir("/"));
    let created = probe.exists();
    let _ = fs::remove_file(probe);

    guest.assert_no_panic();
    guest.assert_code(0);
    assert!(
        !created,
        "the guest created {} on the host",
        probe.display()
    );
    assert_eq!(
        guest.out(),
        host.out(),
        "files report under veil vs natively"
    );
    assert!(guest.out().ends_with("files ok\n"));
}

#[test]
fn hello_prints_hello_world() {
    let dir = TempDir::new("hello");
    let hello = compile(&dir, "hello");
    let host = native(&[&hello]);
    host.assert_code(0);
    let guest = crate::harness::veil(&[&hello]);
    guest.assert_no_panic();
    guest.assert_code(0);
    assert_eq!(guest.stdout, host.stdout);
    assert_eq!(guest.out(), "hello, world\n");
}
