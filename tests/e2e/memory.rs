//! tests/programs/memory.c: the memory manager. Anonymous memory, a file mapped
//! private and shared (with pwrite), fork (copy-on-write, shared file and shared
//! anonymous memory), SIGSEGV codes and addresses, mremap, MADV_DONTNEED,
//! MAP_FIXED_NOREPLACE, argument errors, brk, /proc/self/maps. The program prints
//! one line per check; under veil the report must be the one it prints natively.

use crate::harness::{compile, native, veil, TempDir};

#[test]
fn memory_report_matches_native() {
    let dir = TempDir::new("memory");
    let prog = compile(&dir, "memory");
    let host = native(&[&prog]);
    host.assert_code(0);
    assert!(
        host.out().ends_with("memory ok\n"),
        "memory natively\n{}",
        host.context()
    );

    let guest = veil(&[&prog]);
    guest.assert_no_panic();
    assert_eq!(
        guest.out(),
        host.out(),
        "memory report under veil vs natively\n{}",
        guest.context()
    );
    assert!(guest.out().ends_with("memory ok\n"), "{}", guest.context());
    guest.assert_code(0);
}

#[test]
fn native_memory() {
    let dir = TempDir::new("native-memory");
    let prog = compile(&dir, "memory");
    let r = native(&[&prog]);
    r.assert_code(0);
    assert!(r.out().ends_with("memory ok\n"), "{}", r.context());
    assert!(!r.out().contains("FAIL"), "{}", r.context());
}
