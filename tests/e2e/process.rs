//! tests/programs/process.c: fork, posix_spawn (vfork + execve), wait4 statuses,
//! SIGCHLD, execve errors, and a final execve whose exit status becomes veil's.

use crate::harness::{compile, native, veil, TempDir};

#[test]
fn processes_under_veil() {
    let dir = TempDir::new("process");
    let prog = compile(&dir, "process");
    let r = veil(&[&prog]);
    r.assert_no_panic();
    assert_eq!(r.out(), "process ok\n", "{}", r.context());
    r.assert_code(42);
}

#[test]
fn native_processes() {
    let dir = TempDir::new("native-process");
    let prog = compile(&dir, "process");
    let r = native(&[&prog]);
    assert_eq!(r.out(), "process ok\n", "{}", r.context());
    r.assert_code(42);
}

#[test]
fn busybox_sh_runs_commands_in_child_processes() {
    crate::harness::require_busybox();
    let r = veil(&["/bin/busybox", "sh", "-c", "busybox mkdir -p /tmp/veil-sh/a && busybox echo hi > /tmp/veil-sh/a/f && busybox cat /tmp/veil-sh/a/f; busybox false; echo status=$?"]);
    r.assert_no_panic();
    assert_eq!(r.out(), "hi\nstatus=1\n", "{}", r.context());
    assert!(
        !std::path::Path::new("/tmp/veil-sh").exists(),
        "the guest wrote to the host"
    );
}

#[test]
fn shell_pipelines_and_command_substitution() {
    crate::harness::require_busybox();
    let script = "echo hello | busybox tr a-z A-Z; x=$(busybox echo sub); echo \"got $x\"; \
                  busybox seq 1 20000 | busybox tail -1; busybox yes | busybox head -2";
    let r = veil(&["/bin/busybox", "sh", "-c", script]);
    r.assert_no_panic();
    r.assert_code(0);
    assert_eq!(r.out(), "HELLO\ngot sub\n20000\ny\ny\n", "{}", r.context());
}

#[test]
fn a_fork_bomb_stops_at_the_pids_limit() {
    let dir = TempDir::new("forkbomb");
    let prog = compile(&dir, "forkbomb");
    let r = crate::harness::run(&mut crate::harness::veil_cmd(
        &["--pids-limit=16"],
        &[prog.as_os_str(), std::ffi::OsStr::new("200")],
    ));
    r.assert_no_panic();
    assert_eq!(
        r.out(),
        "fork failed: EAGAIN\nbelow 200\nreaped all: yes\n",
        "{}",
        r.context()
    );
    r.assert_code(0);
    // Without a tight limit the same program forks all 200.
    let r = veil(&[prog.as_os_str(), std::ffi::OsStr::new("200")]);
    assert_eq!(
        r.out(),
        "fork never failed\nreached 200\nreaped all: yes\n",
        "{}",
        r.context()
    );
}
