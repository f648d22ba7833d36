//! A guest killed by signal N makes veil exit with 128 + N, after the
//! guest's own output.

use crate::harness::{compile, veil, TempDir};

#[test]
fn abort_exits_134() {
    let dir = TempDir::new("abort");
    let prog = compile(&dir, "abort");
    let r = veil(&[&prog]);
    r.assert_no_panic();
    r.assert_code(128 + 6);
    assert!(
        r.err().contains("abort: calling abort()"),
        "the guest's stderr line is missing\n{}",
        r.context()
    );
}

#[test]
fn null_store_exits_139() {
    let dir = TempDir::new("segv");
    let prog = compile(&dir, "segv");
    let r = veil(&[&prog]);
    r.assert_no_panic();
    r.assert_code(128 + 11);
    assert!(
        r.err().contains("segv: storing to NULL"),
        "the guest's stderr line is missing\n{}",
        r.context()
    );
}
