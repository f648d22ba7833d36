//! tests/programs/locks.c: fcntl record locks (process and OFD), natively and under veil.

use crate::harness::{compile, native, veil, TempDir};

#[test]
fn locks_under_veil() {
    let dir = TempDir::new("locks");
    let prog = compile(&dir, "locks");
    let r = veil(&[&prog]);
    r.assert_code(0);
    assert_eq!(r.out(), "locks ok 99\n", "{}", r.context());
}

#[test]
fn native_locks() {
    let dir = TempDir::new("native-locks");
    let prog = compile(&dir, "locks");
    let r = native(&[prog.as_os_str(), dir.path().as_os_str()]);
    r.assert_code(0);
    assert_eq!(r.out(), "locks ok 99\n");
}
