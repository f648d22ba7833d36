//! `veil do --strace` (and the other flags of `veil do`) on hello.c.

use crate::harness::{compile, run, veil_cmd, TempDir};

#[test]
fn strace_shows_the_write_of_hello() {
    let dir = TempDir::new("strace");
    let hello = compile(&dir, "hello");
    let r = run(&mut veil_cmd(&["--strace"], &[&hello]));
    r.assert_no_panic();
    r.assert_code(0);
    assert_eq!(r.out(), "hello, world\n", "stdout\n{}", r.context());
    // As strace prints it, give or take the padding before " = ".
    let call = r#"write(1, "hello, world\n", 13)"#;
    let found = r.err().lines().any(|l| {
        l.split_once(call)
            .is_some_and(|(_, result)| result.trim_start() == "= 13")
    });
    assert!(found, "no `{call} = 13` line on stderr\n{}", r.context());
}

#[test]
fn without_strace_stderr_is_the_guests_only() {
    let dir = TempDir::new("no-strace");
    let hello = compile(&dir, "hello");
    let r = run(&mut veil_cmd(&[], &[&hello]));
    r.assert_code(0);
    assert_eq!(r.out(), "hello, world\n");
    assert!(r.stderr.is_empty(), "veil wrote on stderr\n{}", r.context());
}

#[test]
fn explicit_ptrace_platform_runs_hello() {
    let dir = TempDir::new("platform");
    let hello = compile(&dir, "hello");
    let r = run(&mut veil_cmd(&["--platform=ptrace"], &[&hello]));
    r.assert_no_panic();
    r.assert_code(0);
    assert_eq!(r.out(), "hello, world\n");
}

#[test]
fn debug_log_goes_to_the_named_file() {
    let dir = TempDir::new("debug-log");
    let hello = compile(&dir, "hello");
    let log = dir.join("veil.log");
    let flag = format!("--debug-log={}", log.display());
    let r = run(&mut veil_cmd(&[&flag], &[&hello]));
    r.assert_no_panic();
    r.assert_code(0);
    assert_eq!(
        r.out(),
        "hello, world\n",
        "the log went to stdout?\n{}",
        r.context()
    );
    assert!(
        log.is_file(),
        "--debug-log did not create {}",
        log.display()
    );
}

#[test]
fn strace_shows_execve_arguments_from_before_the_exec() {
    let dir = TempDir::new("strace-exec");
    let hello = compile(&dir, "hello");
    let script = format!("exec {} one", hello.display());
    let r = run(&mut veil_cmd(
        &["--strace"],
        &["/bin/busybox", "sh", "-c", &script],
    ));
    r.assert_no_panic();
    r.assert_code(0);
    // The path in full; strings in the argv array are cut at 32 bytes, as strace's.
    let want = format!(r#"execve("{}", ["#, hello.display());
    let found = r.err().lines().any(|l| {
        l.starts_with(&want) && l.contains(r#", "one"], "#) && l.trim_end().ends_with("= 0")
    });
    assert!(found, "no `{want}... = 0` line on stderr\n{}", r.context());
}
