//! The sandbox's network is its own by default: a server inside `veil do` is reachable
//! from the same sandbox and not from the host, and the host's servers are not
//! reachable from the sandbox (`--network=none`, loopback in the sentry). With
//! `--network=host` both ways work, through host sockets the sentry holds. What
//! loopback TCP and UDP do is in `tests/syscalls/inet.c` and
//! `tests/programs/differential/loopback_network.sh`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;

use crate::harness::{veil, veil_cmd};

/// A port free on the host now (bound, noted, released).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `veil do FLAGS -- python3 -c SCRIPT`, once the script has printed `listening`.
fn python_until_listening(flags: &[&str], script: &str) -> std::process::Child {
    let mut child = veil_cmd(flags, &["python3", "-c", script])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "listening\n");
    child
}

#[test]
fn a_guest_server_answers_a_guest_client_with_200() {
    let script = r#"
import http.server, threading, urllib.request
srv = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
print(urllib.request.urlopen(f"http://127.0.0.1:{srv.server_address[1]}/").status)
"#;
    let r = veil(&["python3", "-c", script]);
    r.assert_code(0);
    assert_eq!(r.out(), "200\n", "{}", r.context());
}

#[test]
fn a_guest_listener_is_not_on_the_hosts_loopback() {
    // A free host port: bind, note it, release it.
    let port = free_port();
    let script = format!(
        "import socket, sys, time\n\
         s = socket.socket(); s.bind(('127.0.0.1', {port})); s.listen(5)\n\
         print('listening', flush=True); time.sleep(30)"
    );
    let mut child = python_until_listening(&[], &script);
    let from_host = TcpStream::connect(("127.0.0.1", port));
    let _ = child.kill();
    let _ = child.wait();
    let err = from_host.expect_err("the host reached a port bound inside the sandbox");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[test]
fn the_hosts_listener_is_not_reachable_from_the_guest() {
    let host = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = host.local_addr().unwrap().port();
    let script = format!(
        "import socket\n\
         try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=5); print('reached')\n\
         except ConnectionRefusedError: print('refused')"
    );
    let r = veil(&["python3", "-c", &script]);
    r.assert_code(0);
    assert_eq!(r.out(), "refused\n", "{}", r.context());
}

#[test]
fn an_unknown_network_mode_is_refused_with_one_line() {
    let r = crate::harness::run(&mut veil_cmd(&["--network=bridge"], &["true"]));
    assert_ne!(r.code(), 0);
    r.assert_one_line_error();
}

#[test]
fn host_mode_a_guest_server_answers_a_host_client() {
    let port = free_port();
    let script = format!(
        "import socket\n\
         s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
         s.bind(('127.0.0.1', {port})); s.listen(5)\n\
         print('listening', flush=True)\n\
         c, _ = s.accept(); c.sendall(b'hello ' + c.recv(100)); c.close()"
    );
    let mut child = python_until_listening(&["--network=host"], &script);
    let mut conn = TcpStream::connect(("127.0.0.1", port)).expect("connecting from the host");
    conn.write_all(b"host").unwrap();
    let mut reply = String::new();
    conn.read_to_string(&mut reply).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(reply, "hello host");
    assert!(status.success(), "{status:?}");
}

#[test]
fn host_mode_a_guest_client_reaches_a_host_server() {
    let host = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = host.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut c, _) = host.accept().unwrap();
        let mut got = [0u8; 5];
        c.read_exact(&mut got).unwrap();
        c.write_all(b"from host").unwrap();
        got
    });
    let script = format!(
        "import socket\n\
         c = socket.create_connection(('127.0.0.1', {port}), timeout=10)\n\
         c.sendall(b'guest'); print(c.recv(100).decode())"
    );
    let r = crate::harness::run(&mut veil_cmd(
        &["--network=host"],
        &["python3", "-c", &script],
    ));
    r.assert_code(0);
    assert_eq!(r.out(), "from host\n", "{}", r.context());
    assert_eq!(&server.join().unwrap(), b"guest");
}

#[test]
fn ip_sees_only_the_sandboxs_loopback() {
    let r = veil(&["ip", "addr"]);
    r.assert_code(0);
    let out = r.out();
    assert!(
        out.starts_with("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536"),
        "{}",
        r.context()
    );
    assert!(
        out.contains("inet 127.0.0.1/8 scope host lo"),
        "{}",
        r.context()
    );
    assert!(out.contains("inet6 ::1/128 scope host"), "{}", r.context());
    assert!(
        !out.contains("2: "),
        "an interface besides lo: {}",
        r.context()
    );
    // Changes are refused, with iproute2's own message.
    let r = veil(&["ip", "addr", "add", "10.9.9.9/24", "dev", "lo"]);
    assert_eq!(r.code(), 2, "{}", r.context());
    assert!(
        r.err().contains("Operation not supported"),
        "{}",
        r.context()
    );
}

#[test]
fn ss_lists_the_sandboxs_listeners() {
    let script = "import socket, subprocess\n\
                  l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(7)\n\
                  print(l.getsockname()[1])\n\
                  print(subprocess.run(['ss', '-tln'], capture_output=True, text=True).stdout)";
    let r = veil(&["python3", "-c", script]);
    r.assert_code(0);
    let out = r.out();
    let port = out.lines().next().unwrap_or_default();
    let line = out
        .lines()
        .find(|l| l.contains(&format!("127.0.0.1:{port} ")))
        .unwrap_or_else(|| panic!("no listener line: {}", r.context()));
    assert!(line.starts_with("LISTEN 0      7"), "{line}");
}

#[test]
fn socket_buffers_are_bounded_by_the_sandboxs_budget() {
    // With --memory=64M the sandbox's sockets may queue a quarter of it, 16 MiB:
    // ten unread connections take no more, and reading one lets another writer on.
    let script = r#"
import socket
l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(64)
pairs = []
for i in range(10):
    c = socket.create_connection(l.getsockname()); s, _ = l.accept()
    c.setblocking(False); pairs.append((c, s))
total = 0
for c, s in pairs:
    while True:
        try: total += c.send(b'x' * 65536)
        except BlockingIOError: break
print(total >> 20)
got = 0
while got < (1 << 20): got += len(pairs[0][1].recv(65536))
last = pairs[-1][0]; last.setblocking(True); last.settimeout(5)
print(last.send(b'y' * 65536) > 0)
"#;
    let r = crate::harness::run(&mut veil_cmd(&["--memory=64M"], &["python3", "-c", script]));
    r.assert_code(0);
    let out = r.out();
    let mut lines = out.lines();
    let mib: u64 = lines.next().unwrap_or_default().parse().unwrap_or(0);
    assert!((8..=16).contains(&mib), "queued {mib} MiB: {}", r.context());
    assert_eq!(lines.next(), Some("True"), "{}", r.context());
}
