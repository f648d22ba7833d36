//! tests/programs/poll.c: poll, ppoll and select over pipes, natively and under veil.

use crate::harness::{compile, native, veil, TempDir};

#[test]
fn poll_under_veil() {
    let dir = TempDir::new("poll");
    let prog = compile(&dir, "poll");
    let r = veil(&[&prog]);
    r.assert_no_panic();
    r.assert_code(0);
    assert_eq!(r.out(), "poll ok\n", "{}", r.context());
}

#[test]
fn native_poll() {
    let dir = TempDir::new("native-poll");
    let prog = compile(&dir, "poll");
    let r = native(&[&prog]);
    r.assert_code(0);
    assert_eq!(r.out(), "poll ok\n");
}
