//! The OCI runtime: runc's command line driving busybox containers, as a container
//! client would. Each test has its own `--root` and bundle; the container's
//! rootfs is a static busybox with its applet links.
//!
//! Commands run with their stdio in files, not pipes: `create` leaves the sentry
//! running with the container's stdio, so a pipe would stay open after it exits.

use std::fs;
use std::io::IoSliceMut;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::symlink;
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::{require_busybox, Run, TempDir, BUSYBOX, VEIL};

const APPLETS: [&str; 14] = [
    "sh", "echo", "sleep", "cat", "ls", "ps", "id", "hostname", "true", "touch", "mkdir", "rm",
    "uname", "date",
];

/// A bundle and a state root for one test.
struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    /// A bundle whose process runs `args`, with `veil spec`'s defaults otherwise.
    fn new(tag: &str, args: &[&str]) -> Sandbox {
        require_busybox();
        let dir = TempDir::new(tag);
        let bin = dir.join("bundle/rootfs/bin");
        fs::create_dir_all(&bin).unwrap();
        fs::copy(BUSYBOX, bin.join("busybox")).unwrap();
        for applet in APPLETS {
            symlink("busybox", bin.join(applet)).unwrap();
        }
        fs::create_dir_all(dir.join("bundle/rootfs/etc")).unwrap();
        fs::write(dir.join("bundle/rootfs/etc/motd"), "lower\n").unwrap();
        let b = Sandbox { dir };
        b.oci(&["spec", "--bundle", b.bundle().to_str().unwrap()])
            .assert_code(0);
        b.edit(|c| {
            c["process"]["args"] = serde_json::json!(args);
            c["process"]["terminal"] = serde_json::json!(false);
            // As podman's containers: a writable root (spec's default is read-only).
            c["root"]["readonly"] = serde_json::json!(false);
        });
        b
    }

    fn bundle(&self) -> PathBuf {
        self.dir.join("bundle")
    }

    fn root(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// Changes config.json.
    fn edit(&self, f: impl FnOnce(&mut serde_json::Value)) {
        let path = self.bundle().join("config.json");
        let mut config: serde_json::Value =
            serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        f(&mut config);
        fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
    }

    /// Runs `veil --root <root> args…` with stdio in files, for at most 60 s.
    fn oci(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(VEIL);
        cmd.arg("--root").arg(self.root()).args(args);
        cmd.current_dir(self.bundle());
        run_to_files(&mut cmd, &self.dir)
    }

    /// The `status` of `state ID`.
    fn status(&self, id: &str) -> String {
        let r = self.oci(&["state", id]);
        r.assert_code(0);
        let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
        v["status"].as_str().unwrap().to_string()
    }

    /// The sentry's pid from `state ID`.
    fn pid(&self, id: &str) -> i32 {
        let r = self.oci(&["state", id]);
        let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
        v["pid"].as_i64().unwrap() as i32
    }

    /// Waits (up to 10 s) until `state ID` says `want`.
    fn wait_status(&self, id: &str, want: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.status(id) != want {
            assert!(Instant::now() < deadline, "{id} never became {want}");
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether the container's state directory exists.
    fn has_state(&self, id: &str) -> bool {
        self.root().join(id).exists()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Leave no sentry behind, whatever the test did.
        for entry in fs::read_dir(self.root()).into_iter().flatten().flatten() {
            let id = entry.file_name().to_string_lossy().into_owned();
            let _ = self.oci(&["delete", "--force", &id]);
        }
    }
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Runs `cmd` with stdin from /dev/null and stdout and stderr in files of `dir`
/// (a process it leaves running may keep them), for at most 60 s.
pub fn run_to_files(cmd: &mut Command, dir: &TempDir) -> Run {
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let out = dir.join(&format!("out.{n}"));
    let err = dir.join(&format!("err.{n}"));
    let mut what = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        what.push(' ');
        what.push_str(&arg.to_string_lossy());
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out).unwrap())
        .stderr(fs::File::create(&err).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {what}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} still running after 60 s");
        }
        thread::sleep(Duration::from_millis(2));
    };
    Run {
        what,
        status,
        stdout: fs::read(&out).unwrap_or_default(),
        stderr: fs::read(&err).unwrap_or_default(),
    }
}

fn alive(pid: i32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .next();
    !matches!(state, Some("Z") | Some("X") | None)
}

#[test]
fn run_prints_and_exits_with_the_process_status() {
    let b = Sandbox::new("oci-run", &["sh", "-c", "echo hello-oci; exit 3"]);
    let r = b.oci(&["run", "c"]);
    r.assert_code(3);
    assert_eq!(r.out(), "hello-oci\n", "{}", r.context());
    assert!(!b.has_state("c"), "run without -d deletes the container");
}

#[test]
fn run_reports_death_by_signal_as_128_plus_n() {
    let b = Sandbox::new("oci-signal", &["sh", "-c", "kill -TERM $$; sleep 5"]);
    b.oci(&["run", "c"]).assert_code(128 + 15);
}

#[test]
fn lifecycle_create_start_kill_delete() {
    let b = Sandbox::new("oci-life", &["sleep", "100"]);
    let pid_file = b.dir.join("pid");
    b.oci(&["create", "--pid-file", pid_file.to_str().unwrap(), "c"])
        .assert_code(0);
    assert_eq!(b.status("c"), "created");
    let pid: i32 = fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(pid, b.pid("c"), "the pid file holds the state's pid");
    assert!(alive(pid));

    b.oci(&["start", "c"]).assert_code(0);
    assert_eq!(b.status("c"), "running");
    let list = b.oci(&["list", "-q"]);
    assert_eq!(list.out(), "c\n");

    b.oci(&["kill", "c", "KILL"]).assert_code(0);
    b.wait_status("c", "stopped");
    assert_eq!(b.pid("c"), 0, "a stopped container has pid 0");

    b.oci(&["delete", "c"]).assert_code(0);
    assert!(!b.has_state("c"));
    b.oci(&["state", "c"]).assert_one_line_error();
}

#[test]
fn init_ignores_term_without_a_handler_like_a_pid_namespace_init() {
    // From outside its pid namespace, init gets only signals it handles (and KILL).
    let b = Sandbox::new(
        "oci-term",
        &[
            "sh",
            "-c",
            "trap 'echo got-term; exit 0' TERM; while true; do sleep 0.05; done",
        ],
    );
    b.oci(&["run", "-d", "c"]).assert_code(0);
    // A TERM before the trap is set would be ignored: wait until init catches it.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = b.oci(&["exec", "c", "cat", "/proc/1/status"]);
        let caught = r
            .out()
            .lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .map(str::trim)
            .and_then(|m| u64::from_str_radix(m, 16).ok())
            .is_some_and(|m| m & (1 << (libc::SIGTERM - 1)) != 0);
        if caught {
            break;
        }
        assert!(Instant::now() < deadline, "init never caught TERM");
        thread::sleep(Duration::from_millis(20));
    }
    b.oci(&["kill", "c", "TERM"]).assert_code(0);
    b.wait_status("c", "stopped");
}

#[test]
fn exec_runs_in_the_container_and_returns_its_status() {
    let b = Sandbox::new("oci-exec", &["sleep", "100"]);
    b.oci(&["run", "-d", "c"]).assert_code(0);
    let r = b.oci(&["exec", "c", "sh", "-c", "echo in-exec; touch /made; exit 5"]);
    r.assert_code(5);
    assert_eq!(r.out(), "in-exec\n");
    // The exec's write is seen by the container, never by the rootfs.
    b.oci(&["exec", "c", "ls", "/made"]).assert_code(0);
    assert!(!b.bundle().join("rootfs/made").exists());

    let ps = b.oci(&["ps", "--format", "json", "c"]);
    ps.assert_code(0);
    let pids: Vec<i64> = serde_json::from_slice(&ps.stdout).unwrap();
    assert_eq!(pids, vec![1], "only init is left: {}", ps.out());

    let process = b.dir.join("process.json");
    fs::write(
        &process,
        r#"{"args":["id"],"cwd":"/","user":{"uid":1000,"gid":1000,"additionalGids":[5]},"env":["PATH=/bin"]}"#,
    )
    .unwrap();
    let r = b.oci(&["exec", "--process", process.to_str().unwrap(), "c"]);
    r.assert_code(0);
    assert_eq!(r.out(), "uid=1000 gid=1000 groups=5\n");

    let r = b.oci(&["exec", "c", "no-such-program"]);
    r.assert_one_line_error();
    b.oci(&["kill", "c", "KILL"]).assert_code(0);
    b.wait_status("c", "stopped");
    b.oci(&["exec", "c", "true"]).assert_one_line_error();
}

#[test]
fn exec_detached_writes_the_waiters_pid_which_ends_with_the_process() {
    let b = Sandbox::new("oci-exec-d", &["sleep", "100"]);
    b.oci(&["run", "-d", "c"]).assert_code(0);
    let pid_file = b.dir.join("exec.pid");
    b.oci(&[
        "exec",
        "-d",
        "--pid-file",
        pid_file.to_str().unwrap(),
        "c",
        "sleep",
        "0.3",
    ])
    .assert_code(0);
    let pid: i32 = fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(alive(pid), "the waiter runs while the process does");
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) {
        assert!(Instant::now() < deadline, "the waiter outlived its process");
        thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(b.status("c"), "running");
}

#[test]
fn the_container_sees_its_spec_and_the_host_stays_unchanged() {
    let b = Sandbox::new(
        "oci-spec",
        &["sh", "-c", "hostname; echo new > /etc/motd; cat /etc/motd; ls /proc/1/exe >/dev/null && echo proc-ok; echo x > /secret/f; echo rc=$?"],
    );
    b.edit(|c| {
        c["hostname"] = serde_json::json!("veil-box");
        c["linux"]["maskedPaths"] = serde_json::json!([]);
        c["linux"]["readonlyPaths"] = serde_json::json!(["/secret"]);
    });
    fs::create_dir_all(b.bundle().join("rootfs/secret")).unwrap();
    let r = b.oci(&["run", "c"]);
    r.assert_code(0);
    assert_eq!(r.out(), "veil-box\nnew\nproc-ok\nrc=1\n", "{}", r.context());
    assert!(r.err().contains("Read-only file system"), "{}", r.context());
    assert_eq!(
        fs::read_to_string(b.bundle().join("rootfs/etc/motd")).unwrap(),
        "lower\n"
    );
}

#[test]
fn a_read_only_root_refuses_writes_but_its_mounts_take_them() {
    let b = Sandbox::new(
        "oci-ro",
        &[
            "sh",
            "-c",
            "touch /x 2>/dev/null || echo root-ro; touch /tmp/y && echo tmp-rw",
        ],
    );
    b.edit(|c| {
        c["root"]["readonly"] = serde_json::json!(true);
        let mounts = c["mounts"].as_array_mut().unwrap();
        mounts.push(serde_json::json!({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=1777"]}));
    });
    let r = b.oci(&["run", "c"]);
    r.assert_code(0);
    assert_eq!(r.out(), "root-ro\ntmp-rw\n", "{}", r.context());
    assert!(!b.bundle().join("rootfs/tmp").exists());
}

#[test]
fn hooks_run_at_their_points_with_the_state_on_stdin() {
    let b = Sandbox::new("oci-hooks", &["true"]);
    let log = b.dir.join("hooks.log");
    let hook = |name: &str| {
        serde_json::json!({
            "path": BUSYBOX,
            "args": ["sh", "-c", format!("echo {name} $(cat) >> {}", log.display())],
        })
    };
    b.edit(|c| {
        c["hooks"] = serde_json::json!({
            "createRuntime": [hook("createRuntime")],
            "poststart": [hook("poststart")],
            "poststop": [hook("poststop")],
        });
    });
    b.oci(&["create", "c"]).assert_code(0);
    b.oci(&["start", "c"]).assert_code(0);
    b.wait_status("c", "stopped");
    b.oci(&["delete", "c"]).assert_code(0);
    let text = fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    for (line, (point, status)) in lines.iter().zip([
        ("createRuntime", "created"),
        ("poststart", "running"),
        ("poststop", "stopped"),
    ]) {
        let (name, json) = line.split_once(' ').unwrap();
        assert_eq!(name, point);
        let state: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(state["id"], "c");
        assert_eq!(state["status"], status, "{line}");
    }
}

#[test]
fn a_failing_create_hook_fails_create_and_leaves_nothing() {
    let b = Sandbox::new("oci-hook-fail", &["sleep", "100"]);
    b.edit(|c| {
        c["hooks"] = serde_json::json!({"createRuntime": [{"path": "/bin/false"}]});
    });
    b.oci(&["create", "c"]).assert_one_line_error();
    assert!(!b.has_state("c"));
}

#[test]
fn bad_input_is_a_one_line_error_and_leaves_nothing_behind() {
    let b = Sandbox::new("oci-bad", &["sleep", "100"]);
    let missing = b.oci(&["create", "--bundle", "/nonexistent/bundle", "c"]);
    missing.assert_one_line_error();
    assert!(
        missing.err().contains("/nonexistent/bundle"),
        "{}",
        missing.context()
    );

    let broken = b.dir.join("broken");
    fs::create_dir_all(&broken).unwrap();
    b.oci(&["create", "--bundle", broken.to_str().unwrap(), "c"])
        .assert_one_line_error();
    fs::write(broken.join("config.json"), "{ not json").unwrap();
    let r = b.oci(&["create", "--bundle", broken.to_str().unwrap(), "c"]);
    r.assert_one_line_error();
    assert!(r.err().contains("config.json"), "{}", r.context());
    fs::write(
        broken.join("config.json"),
        r#"{"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/","user":{"uid":0,"gid":0}},"root":{"path":"no-rootfs"}}"#,
    )
    .unwrap();
    let r = b.oci(&["create", "--bundle", broken.to_str().unwrap(), "c"]);
    r.assert_one_line_error();
    assert!(r.err().contains("rootfs"), "{}", r.context());
    b.oci(&["create", "bad/id"]).assert_one_line_error();
    assert!(!b.has_state("c"), "a failed create leaves no state");

    b.oci(&["create", "c"]).assert_code(0);
    b.oci(&["create", "c"]).assert_one_line_error();
    b.oci(&["kill", "c", "NOSUCHSIG"]).assert_one_line_error();
    b.oci(&["start", "c"]).assert_code(0);
    b.oci(&["start", "c"]).assert_one_line_error();
    b.oci(&["delete", "c"]).assert_one_line_error();
    assert_eq!(b.status("c"), "running");
    b.oci(&["delete", "--force", "c"]).assert_code(0);
    assert!(!b.has_state("c"));
    b.oci(&["state", "c"]).assert_one_line_error();
    b.oci(&["kill", "nope", "KILL"]).assert_one_line_error();
}

#[test]
fn a_killed_sentry_is_stopped_and_delete_cleans_up() {
    let b = Sandbox::new("oci-sigkill", &["sleep", "100"]);
    b.oci(&["run", "-d", "c"]).assert_code(0);
    let pid = b.pid("c");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    b.wait_status("c", "stopped");
    b.oci(&["delete", "c"]).assert_code(0);
    assert!(!b.has_state("c"));
}

#[test]
fn a_terminal_goes_to_the_console_socket() {
    let b = Sandbox::new("oci-tty", &["sh", "-c", "tty; stty size"]);
    b.edit(|c| {
        c["process"]["terminal"] = serde_json::json!(true);
        c["process"]["consoleSize"] = serde_json::json!({"height": 33, "width": 101});
    });
    let socket = b.dir.join("console.sock");
    let listener = UnixListener::bind(&socket).unwrap();
    let receiver = thread::spawn(move || receive_master(&listener));
    let r = b.oci(&["create", "--console-socket", socket.to_str().unwrap(), "c"]);
    r.assert_code(0);
    let master = receiver.join().unwrap();
    b.oci(&["start", "c"]).assert_code(0);
    let out = read_until_hangup(master);
    assert!(
        out.contains("/dev/pts/0") && out.contains("33 101"),
        "{out:?}"
    );
}

/// Accepts one connection and takes the descriptor sent on it.
fn receive_master(listener: &UnixListener) -> OwnedFd {
    let (stream, _) = listener.accept().unwrap();
    let mut buf = [0u8; 64];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 1]);
    let mut iov = [IoSliceMut::new(&mut buf)];
    let msg = nix::sys::socket::recvmsg::<()>(
        stream.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        nix::sys::socket::MsgFlags::empty(),
    )
    .unwrap();
    for cmsg in msg.cmsgs().unwrap() {
        if let nix::sys::socket::ControlMessageOwned::ScmRights(fds) = cmsg {
            // SAFETY: SCM_RIGHTS gave this process the descriptor; nothing else owns it.
            return unsafe { OwnedFd::from_raw_fd(fds[0]) };
        }
    }
    panic!("no descriptor on the console socket");
}

/// Reads a pty master until its slave side is closed (EIO), or 20 s.
fn read_until_hangup(master: OwnedFd) -> String {
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut buf = [0u8; 1024];
    while Instant::now() < deadline {
        match nix::unistd::read(master.as_raw_fd(), &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn the_sentry_is_confined_by_its_seccomp_filter_and_namespaces() {
    // The sentry's host calls are limited to its allow-list (oci/sentry_filter.rs): a
    // broad workload must run to the end, as any call outside the list kills it.
    let b = Sandbox::new("oci-seccomp", &["sleep", "100"]);
    b.oci(&["run", "-d", "c"]).assert_code(0);
    let pid = b.pid("c");
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(status.contains("\nSeccomp:\t2\n"), "{status}");
    assert!(status.contains("\nNoNewPrivs:\t1\n"), "{status}");
    // Only CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_NET_BIND_SERVICE are left.
    for set in ["CapEff", "CapPrm", "CapBnd"] {
        let want = format!("\n{set}:\t0000000000000406\n");
        assert!(status.contains(&want), "{set}: {status}");
    }
    for ns in ["mnt", "uts", "ipc", "net"] {
        let theirs = fs::read_link(format!("/proc/{pid}/ns/{ns}")).unwrap();
        let ours = fs::read_link(format!("/proc/self/ns/{ns}")).unwrap();
        assert_ne!(theirs, ours, "the sentry shares the host's {ns} namespace");
    }
    let workload = "mkdir -p /tmp/w && cd /tmp/w && for i in 1 2 3; do echo $i > f$i; done; \
                    cat f1 f2 f3 | cat > all && cat all; ls /proc/self/fd > /dev/null; \
                    ps > /dev/null; (sleep 0.05; echo child) & wait; \
                    trap 'echo usr1' USR1; kill -USR1 $$; rm -r /tmp/w; \
                    date > /dev/null; uname -a > /dev/null; hostname > /dev/null; id -u";
    let r = b.oci(&["exec", "c", "sh", "-c", workload]);
    r.assert_code(0);
    assert_eq!(r.out(), "1\n2\n3\nchild\nusr1\n0\n", "{}", r.context());
    b.oci(&["kill", "c", "KILL"]).assert_code(0);
    b.wait_status("c", "stopped");
    let log = fs::read_to_string(b.root().join("c/sentry.log")).unwrap_or_default();
    assert!(!log.contains("panicked"), "{log}");
    b.oci(&["delete", "c"]).assert_code(0);
}

#[test]
fn linux_seccomp_is_enforced_on_init_and_exec() {
    // mkdir fails with EACCES (13) under the profile; everything else is allowed.
    let b = Sandbox::new(
        "oci-seccomp-profile",
        &[
            "sh",
            "-c",
            "mkdir /made-by-init || echo init-refused; sleep 100",
        ],
    );
    b.edit(|c| {
        c["linux"]["seccomp"] = serde_json::json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]
        });
    });
    b.oci(&["run", "-d", "c"]).assert_code(0);
    let r = b.oci(&[
        "exec",
        "c",
        "sh",
        "-c",
        "mkdir /by-exec; echo $?; touch /still-fine && echo touched",
    ]);
    r.assert_code(0);
    assert!(r.out().contains("1\ntouched\n"), "{}", r.context());
    assert!(r.err().contains("Permission denied"), "{}", r.context());
    let status = b.oci(&["exec", "c", "cat", "/proc/1/status"]);
    assert!(
        status.out().contains("Seccomp:\t2\n"),
        "{}",
        status.context()
    );
    b.oci(&["kill", "c", "KILL"]).assert_code(0);
    b.wait_status("c", "stopped");
    b.oci(&["delete", "c"]).assert_code(0);
    // A profile that needs a seccomp agent is refused at create, with one line.
    b.edit(|c| {
        c["linux"]["seccomp"] = serde_json::json!({"defaultAction": "SCMP_ACT_NOTIFY"});
    });
    let r = b.oci(&["create", "d"]);
    assert_ne!(r.code(), 0);
    r.assert_one_line_error();
    assert!(!b.has_state("d"));
}
