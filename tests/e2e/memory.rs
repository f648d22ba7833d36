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

#[test]
fn a_process_past_the_memory_limit_is_killed_and_the_rest_go_on() {
    let dir = TempDir::new("memhog");
    let prog = compile(&dir, "memhog");
    let run = |mib: &str| {
        crate::harness::run(&mut crate::harness::veil_cmd(
            &["--memory=64M"],
            &[prog.as_os_str(), std::ffi::OsStr::new(mib)],
        ))
    };
    // 200 MiB cannot fit: the child is killed as by an OOM killer, its parent reports it.
    let r = run("200");
    r.assert_no_panic();
    assert_eq!(r.out(), "child killed by 9\n", "{}", r.context());
    r.assert_code(0);
    assert!(r.err().contains("out of memory"), "{}", r.context());
    // 16 MiB fits.
    let r = run("16");
    assert_eq!(r.out(), "child exit 0\n", "{}", r.context());
}

#[test]
fn a_bad_memory_limit_is_a_usage_error() {
    for bad in ["--memory=0", "--memory=12X", "--memory=lots"] {
        let r = crate::harness::run(&mut crate::harness::veil_cmd(&[bad], &["/bin/true"]));
        r.assert_code(2);
        assert_eq!(r.err().lines().count(), 1, "{bad}: {}", r.context());
    }
}
