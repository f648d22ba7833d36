//! `veil do` command line errors: each is a non-zero exit with a one-line
//! message on stderr, never a panic, and never a guest run.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::harness::{compile, run, veil, veil_cmd, TempDir};

fn make_executable(path: &Path) {
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

#[test]
fn missing_command_is_127_with_one_line() {
    let r = veil(&["/nonexistent/veil-e2e-command"]);
    r.assert_one_line_error();
    r.assert_code(127);
}

#[test]
fn command_not_in_path_is_127_with_one_line() {
    let r = veil(&["veil-e2e-no-such-command-in-path"]);
    r.assert_one_line_error();
    r.assert_code(127);
}

#[test]
fn unknown_flag_is_usage_error() {
    let r = run(&mut veil_cmd(&["--bogus"], &["true"]));
    r.assert_no_panic();
    r.assert_code(2);
    assert!(!r.stderr.is_empty(), "no message for a bad flag");
}

#[test]
fn unknown_platform_is_usage_error() {
    let r = run(&mut veil_cmd(&["--platform=bogus"], &["true"]));
    r.assert_no_panic();
    assert_ne!(r.code(), 0, "--platform=bogus accepted\n{}", r.context());
    assert!(!r.stderr.is_empty(), "no message for a bad platform");
}

#[test]
fn no_command_is_usage_error() {
    let r = run(std::process::Command::new(crate::harness::VEIL).args(["do", "--"]));
    r.assert_no_panic();
    assert_ne!(
        r.code(),
        0,
        "`veil do --` with no command succeeded\n{}",
        r.context()
    );
}

#[test]
fn non_executable_file_is_126_with_one_line() {
    let r = veil(&["/etc/os-release"]);
    r.assert_one_line_error();
    r.assert_code(126);
}

#[test]
fn directory_is_not_executable() {
    let r = veil(&["/etc"]);
    r.assert_one_line_error();
}

#[test]
fn truncated_elf_fails_cleanly() {
    let dir = TempDir::new("truncated-elf");
    let hello = compile(&dir, "hello");
    let bytes = fs::read(&hello).expect("reading hello");
    let truncated = dir.join("truncated");
    fs::write(&truncated, &bytes[..100]).expect("writing truncated ELF");
    make_executable(&truncated);
    assert_eq!(&bytes[..4], b"\x7fELF", "hello is not ELF?");

    let r = veil(&[&truncated]);
    r.assert_one_line_error();
    assert!(
        r.stdout.is_empty(),
        "truncated ELF printed something\n{}",
        r.context()
    );
}

#[test]
fn non_elf_executable_fails_cleanly() {
    let dir = TempDir::new("non-elf");
    // Fixed pseudo-random bytes (xorshift64); not "#!" (a script) nor ELF.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect();
    bytes[0] = b'X';
    let junk = dir.join("junk");
    fs::write(&junk, &bytes).expect("writing junk");
    make_executable(&junk);

    let r = veil(&[&junk]);
    r.assert_one_line_error();
    assert!(
        r.stdout.is_empty(),
        "junk printed something\n{}",
        r.context()
    );
}

#[test]
fn empty_executable_fails_cleanly() {
    let dir = TempDir::new("empty-exe");
    let empty = dir.join("empty");
    fs::write(&empty, b"").expect("writing empty file");
    make_executable(&empty);

    let r = veil(&[&empty]);
    r.assert_one_line_error();
}
