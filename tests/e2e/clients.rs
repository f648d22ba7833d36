//! Real container clients driving Veil as their runtime: podman (`--runtime`) and
//! containerd's `ctr` (`--runc-binary`, through the runc v2 shim), on a busybox
//! image imported from a local tarball (no registry is reachable).
//!
//! Each test keeps the client's state in its own temporary directory: podman's
//! storage (`--root`, `--runroot`, the `vfs` driver), a containerd started with its
//! own config, CRI off. `make test` installs podman and containerd.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::{require_busybox, TempDir, BUSYBOX, VEIL};
use crate::oci::run_to_files;

fn require(program: &str) {
    assert!(
        Command::new("sh")
            .args(["-c", &format!("command -v {program}")])
            .output()
            .is_ok_and(|o| o.status.success()),
        "{program} is missing: `make test` installs it (apt-get install podman containerd)"
    );
}

/// A busybox rootfs tarball in `dir`.
fn busybox_tar(dir: &TempDir) -> PathBuf {
    require_busybox();
    let root = dir.join("image");
    fs::create_dir_all(root.join("bin")).unwrap();
    fs::create_dir_all(root.join("tmp")).unwrap();
    fs::copy(BUSYBOX, root.join("bin/busybox")).unwrap();
    for applet in [
        "sh", "echo", "sleep", "cat", "id", "hostname", "true", "tty", "httpd", "mkdir",
    ] {
        symlink("busybox", root.join("bin").join(applet)).unwrap();
    }
    let tar = dir.join("bb.tar");
    let ok = Command::new("tar")
        .arg("-C")
        .arg(&root)
        .arg("-cf")
        .arg(&tar)
        .arg(".")
        .status()
        .unwrap()
        .success();
    assert!(ok, "tar of the busybox rootfs");
    tar
}

/// podman with its own storage, Veil as the runtime, and `localhost/bb` imported.
struct Podman {
    dir: TempDir,
}

impl Podman {
    fn new(tag: &str) -> Podman {
        require("podman");
        let p = Podman {
            dir: TempDir::new(tag),
        };
        let tar = busybox_tar(&p.dir);
        p.run(&["import", "-q", tar.to_str().unwrap(), "localhost/bb:latest"])
            .assert_code(0);
        p
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("podman");
        cmd.arg("--root")
            .arg(self.dir.join("storage"))
            .arg("--runroot")
            .arg(self.dir.join("run"))
            .arg("--storage-driver")
            .arg("vfs")
            .arg("--runtime")
            .arg(VEIL)
            .args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> crate::harness::Run {
        run_to_files(&mut self.command(args), &self.dir)
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        let _ = self.run(&["rm", "--all", "--force", "--time", "0"]);
    }
}

#[test]
fn podman_run_rm_gives_the_output_and_the_exit_code() {
    let p = Podman::new("podman-run");
    let r = p.run(&[
        "run",
        "--rm",
        "--network",
        "none",
        "localhost/bb",
        "sh",
        "-c",
        "echo hi-podman; exit 4",
    ]);
    r.assert_code(4);
    assert_eq!(r.out(), "hi-podman\n", "{}", r.context());
    // With podman's own network (netavark bridge) too.
    let r = p.run(&["run", "--rm", "localhost/bb", "hostname"]);
    r.assert_code(0);
}

#[test]
fn podman_detached_exec_ps_and_stop() {
    let p = Podman::new("podman-d");
    p.run(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "v1",
        "localhost/bb",
        "sleep",
        "100",
    ])
    .assert_code(0);
    let ps = p.run(&["ps", "--format", "{{.Names}} {{.Status}}"]);
    ps.assert_code(0);
    assert!(ps.out().starts_with("v1 Up"), "{}", ps.context());
    let r = p.run(&["exec", "v1", "sh", "-c", "echo in-exec; id -u; exit 2"]);
    r.assert_code(2);
    assert_eq!(r.out(), "in-exec\n0\n", "{}", r.context());
    // sleep has no SIGTERM handler and is init: podman falls back to SIGKILL.
    p.run(&["stop", "-t", "1", "v1"]).assert_code(0);
    let ps = p.run(&["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    assert!(ps.out().contains("v1 Exited (137)"), "{}", ps.context());
    p.run(&["rm", "v1"]).assert_code(0);
}

#[test]
fn podman_publishes_a_port_of_a_sandboxed_server() {
    // netavark gives the container a network namespace with a bridge interface and
    // forwards the host port into it; the sentry's host sockets live in it.
    require("curl");
    let p = Podman::new("podman-p");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let publish = format!("{port}:80");
    p.run(&[
        "run",
        "-d",
        "--name",
        "web",
        "-p",
        &publish,
        "localhost/bb",
        "sh",
        "-c",
        "mkdir -p /w && echo served-by-veil > /w/index.html && exec httpd -f -p 80 -h /w",
    ])
    .assert_code(0);
    let url = format!("http://127.0.0.1:{port}/");
    let mut body = String::new();
    for _ in 0..100 {
        let out = Command::new("curl")
            .args(["-s", "-m", "5", &url])
            .output()
            .unwrap();
        body = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() && !body.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(body, "served-by-veil\n");
    p.run(&["rm", "-f", "-t", "0", "web"]).assert_code(0);
}

#[test]
fn podman_interactive_terminal() {
    require("script");
    let p = Podman::new("podman-it");
    let podman = p.command(&[
        "run",
        "--rm",
        "-it",
        "--network",
        "none",
        "localhost/bb",
        "sh",
    ]);
    let line: Vec<String> = std::iter::once(podman.get_program())
        .chain(podman.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // Type after the shell is up; `script` gives podman a terminal.
    let typed =
        "sleep 1; printf 'echo in-tty-$((6*7)); tty\\r'; sleep 1; printf 'exit 6\\r'; sleep 1";
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(format!(
        "({typed}) | script -qec '{}' /dev/null",
        line.join(" ")
    ));
    let r = run_to_files(&mut cmd, &p.dir);
    let out = r.out().replace('\r', "");
    assert!(out.contains("in-tty-42\n/dev/pts/0\n"), "{}", r.context());
}

/// A containerd of its own, with the busybox image imported.
struct Containerd {
    dir: TempDir,
    daemon: Child,
}

impl Containerd {
    fn new(tag: &str) -> Containerd {
        require("containerd");
        require("ctr");
        let dir = TempDir::new(tag);
        let d = |name: &str| dir.join(name).display().to_string();
        let config = format!(
            "version = 2\nroot = \"{}\"\nstate = \"{}\"\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = \"{}\"\n[ttrpc]\n  address = \"{}\"\n",
            d("root"),
            d("state"),
            d("containerd.sock"),
            d("ttrpc.sock")
        );
        fs::write(dir.join("config.toml"), config).unwrap();
        let daemon = Command::new("containerd")
            .arg("--config")
            .arg(dir.join("config.toml"))
            .stdout(fs::File::create(dir.join("containerd.log")).unwrap())
            .stderr(fs::File::create(dir.join("containerd.err")).unwrap())
            .spawn()
            .unwrap();
        let c = Containerd { dir, daemon };
        let deadline = Instant::now() + Duration::from_secs(20);
        while c.ctr(&["version"]).status.code() != Some(0) {
            assert!(Instant::now() < deadline, "containerd did not come up");
            thread::sleep(Duration::from_millis(50));
        }
        // An OCI archive of the image, made by podman from the tarball.
        let p = Podman::new(&format!("{tag}-image"));
        let archive = c.dir.join("bb-oci.tar");
        p.run(&[
            "save",
            "-q",
            "--format",
            "oci-archive",
            "-o",
            archive.to_str().unwrap(),
            "localhost/bb:latest",
        ])
        .assert_code(0);
        c.ctr(&["images", "import", archive.to_str().unwrap()])
            .assert_code(0);
        c
    }

    fn socket(&self) -> PathBuf {
        self.dir.join("containerd.sock")
    }

    fn ctr(&self, args: &[&str]) -> crate::harness::Run {
        let mut cmd = Command::new("ctr");
        cmd.arg("-a").arg(self.socket()).args(args);
        run_to_files(&mut cmd, &self.dir)
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

#[test]
fn ctr_runs_and_execs_through_the_runc_shim() {
    let c = Containerd::new("ctr");
    let veil: &Path = Path::new(VEIL);
    let r = c.ctr(&[
        "run",
        "--rm",
        "--runc-binary",
        veil.to_str().unwrap(),
        "localhost/bb:latest",
        "t1",
        "sh",
        "-c",
        "echo hi-ctr; exit 5",
    ]);
    r.assert_code(5);
    assert_eq!(r.out(), "hi-ctr\n", "{}", r.context());

    c.ctr(&[
        "run",
        "-d",
        "--runc-binary",
        veil.to_str().unwrap(),
        "localhost/bb:latest",
        "t2",
        "sleep",
        "100",
    ])
    .assert_code(0);
    let r = c.ctr(&[
        "task",
        "exec",
        "--exec-id",
        "e1",
        "t2",
        "sh",
        "-c",
        "echo exec-ctr; exit 2",
    ]);
    r.assert_code(2);
    assert_eq!(r.out(), "exec-ctr\n", "{}", r.context());
    c.ctr(&["task", "kill", "-s", "KILL", "t2"]).assert_code(0);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !c.ctr(&["task", "ls"]).out().contains("STOPPED") {
        assert!(Instant::now() < deadline, "t2 never stopped");
        thread::sleep(Duration::from_millis(20));
    }
    c.ctr(&["task", "rm", "t2"]).assert_code(0);
    c.ctr(&["container", "rm", "t2"]).assert_code(0);
}
