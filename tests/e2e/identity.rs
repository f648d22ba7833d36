//! What a guest sees of itself (tests/programs/identity.c): its own kernel
//! release, pid 1, EFAULT and ENOSYS from the sentry; and its exit code
//! comes back as veil's.

use crate::harness::{compile, host_release, veil, TempDir};

/// Runs `identity CODE veil` under veil and checks its report.
fn identity_under_veil(code: i32) {
    let dir = TempDir::new("identity");
    let prog = compile(&dir, "identity");
    let code_arg = code.to_string();
    let r = veil(&[prog.as_os_str(), code_arg.as_ref(), "veil".as_ref()]);
    r.assert_no_panic();
    r.assert_code(code);

    let out = r.out();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "identity output\n{}", r.context());
    let release = lines[0]
        .strip_prefix("release=")
        .unwrap_or_else(|| panic!("no release= line\n{}", r.context()));
    assert!(!release.is_empty(), "empty uname release");
    assert_ne!(
        release,
        host_release(),
        "the guest sees the host's kernel release"
    );
    assert_eq!(lines[1], "identity ok");
}

#[test]
fn identity_checks_pass_and_exit_code_42_propagates() {
    identity_under_veil(42);
}

#[test]
fn exit_code_0_propagates() {
    identity_under_veil(0);
}

#[test]
fn exit_code_255_propagates() {
    identity_under_veil(255);
}
