//! tests/programs/epoll.c: epoll (level, edge, one-shot, nested) and eventfd,
//! natively and under veil.

use crate::harness::{compile, native, veil, TempDir};

#[test]
fn epoll_under_veil() {
    let dir = TempDir::new("epoll");
    let prog = compile(&dir, "epoll");
    let r = veil(&[&prog]);
    r.assert_no_panic();
    r.assert_code(0);
    assert_eq!(r.out(), "epoll ok\n", "{}", r.context());
}

#[test]
fn native_epoll() {
    let dir = TempDir::new("native-epoll");
    let prog = compile(&dir, "epoll");
    let r = native(&[&prog]);
    r.assert_code(0);
    assert_eq!(r.out(), "epoll ok\n");
}
