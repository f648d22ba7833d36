//! The test programs on the host, without veil: each must pass natively
//! (as the project's tests must; `cargo test -p veil --test e2e native_`).
//! A failure here is a broken test program or host, not a sentry bug.

use crate::harness::{compile, host_release, native, run, TempDir};

#[test]
fn native_identity_exits_42_with_the_host_release() {
    let dir = TempDir::new("native-identity");
    let prog = compile(&dir, "identity");
    let r = native(&[prog.as_os_str(), "42".as_ref(), "native".as_ref()]);
    r.assert_code(42);
    assert_eq!(
        r.out(),
        format!("release={}\nidentity ok\n", host_release())
    );
}

#[test]
fn native_identity_rejects_bad_usage() {
    let dir = TempDir::new("native-identity-usage");
    let prog = compile(&dir, "identity");
    native(&[prog.as_os_str(), "256".as_ref(), "native".as_ref()]).assert_code(2);
    native(&[prog.as_os_str(), "1".as_ref(), "elsewhere".as_ref()]).assert_code(2);
}

#[test]
fn native_threads() {
    let dir = TempDir::new("native-threads");
    let prog = compile(&dir, "threads");
    for _ in 0..10 {
        let r = native(&[&prog]);
        r.assert_code(0);
        let out = r.out();
        let mut lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines.split_off(8),
            ["joined 8", "pingpong 1000", "pthread_exit 24301"]
        );
        lines.sort_unstable();
        let want: Vec<String> = (0..8).map(|n| format!("thread {n}")).collect();
        assert_eq!(lines, want);
    }
}

#[test]
fn native_fuzz_completes() {
    let dir = TempDir::new("native-fuzz");
    let prog = compile(&dir, "fuzz");
    for seed in ["0x5eed5eed5eed", "7", "20240601"] {
        let r = native(&[prog.as_os_str(), "20000".as_ref(), seed.as_ref()]);
        r.assert_code(0);
        assert_eq!(r.out(), "fuzz ok 20000 calls\n", "seed {seed}");
        assert!(r.stderr.is_empty(), "seed {seed}\n{}", r.context());
    }
    // Nothing was created in the directory it ran from.
    let r = run(std::process::Command::new(&prog)
        .args(["2000", "3"])
        .current_dir(dir.path()));
    r.assert_code(0);
    let entries: Vec<_> = std::fs::read_dir(dir.path())
        .expect("listing the temp dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(entries, [std::ffi::OsString::from("fuzz")]);
}

#[test]
fn native_files() {
    let dir = TempDir::new("native-files");
    let prog = compile(&dir, "files");
    let r = run(std::process::Command::new(&prog)
        .arg("native")
        .current_dir("/"));
    r.assert_code(0);
    assert!(
        r.out().ends_with("exe=files\nfiles ok\n"),
        "{}",
        r.context()
    );
}

#[test]
fn native_signals_are_abrt_and_segv() {
    let dir = TempDir::new("native-signals");
    let abort = compile(&dir, "abort");
    let segv = compile(&dir, "segv");
    assert_eq!(native(&[&abort]).signal(), 6);
    assert_eq!(native(&[&segv]).signal(), 11);
}

#[test]
fn native_getpid_loop_prints_ns_per_call() {
    let dir = TempDir::new("native-getpid");
    let prog = compile(&dir, "getpid_loop");
    let r = native(&[prog.as_os_str(), "1000".as_ref()]);
    r.assert_code(0);
    let out = r.out();
    let ns: f64 = out
        .trim()
        .strip_prefix("ns_per_call=")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no ns_per_call=<float>\n{}", r.context()));
    assert!(ns > 0.0, "ns_per_call={ns}");
    native(&[prog.as_os_str(), "0".as_ref()]).assert_code(2);
}
