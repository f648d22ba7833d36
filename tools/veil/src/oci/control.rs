//! The protocol between the OCI commands and a container's sentry, over the unix
//! socket `<root>/<id>/control.sock`.
//!
//! A command connects, sends one [`Request`] as a JSON line (the first bytes carry
//! any host descriptors it passes, as `SCM_RIGHTS`), and reads JSON lines back: one
//! reply, `{"error": "…"}` on failure, and for an `exec` a second line with the
//! process's end (`{"exit": N}`, N as a shell's `$?`).

use std::io::{BufRead, BufReader, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::state::ContainerDir;
use super::OciResult;

/// What a command asks of the sentry.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Let the created init run (`start`).
    Start,
    /// Send `signal` to init, to `pid`, or with `all` to every process (`kill`).
    Kill {
        /// The signal number.
        signal: i32,
        /// Every process of the container.
        all: bool,
        /// A process other than init (an `exec`'s, by its pid in the sandbox).
        pid: Option<i32>,
    },
    /// Start a process (`exec`): an OCI `process` object. Its stdio are the three
    /// descriptors passed along, or with `tty` the one terminal passed.
    Exec {
        /// The process, as in `config.json`.
        process: Value,
        /// Whether the passed descriptor is a terminal for all of 0-2.
        tty: bool,
    },
    /// The container's processes (`ps`).
    Ps,
    /// Resource use (`events`).
    Stats,
}

/// The most bytes of a request line; a process object is far smaller.
const MAX_REQUEST: usize = 1 << 20;

/// Connects to the sentry of `dir`'s container.
pub fn connect(dir: &ContainerDir) -> OciResult<UnixStream> {
    UnixStream::connect(dir.socket_path())
        .map_err(|_| format!("container '{}' is not running", dir.id).into())
}

/// Sends `request` with `fds` on `stream`.
pub fn send(stream: &UnixStream, request: &Request, fds: &[BorrowedFd<'_>]) -> OciResult {
    let mut line = serde_json::to_vec(request).map_err(|e| e.to_string())?;
    line.push(b'\n');
    let raw: Vec<RawFd> = fds.iter().map(|f| f.as_raw_fd()).collect();
    let cmsgs = if raw.is_empty() {
        Vec::new()
    } else {
        vec![ControlMessage::ScmRights(&raw)]
    };
    let sent = sendmsg::<()>(
        stream.as_raw_fd(),
        &[IoSlice::new(&line)],
        &cmsgs,
        MsgFlags::empty(),
        None,
    )
    .map_err(|e| format!("cannot talk to the sentry: {e}"))?;
    // The descriptors went with the first bytes; the rest is plain data.
    (&*stream)
        .write_all(&line[sent..])
        .map_err(|e| format!("cannot talk to the sentry: {e}").into())
}

/// Receives a request and the descriptors sent with it (the sentry's side).
pub fn receive(stream: &UnixStream) -> OciResult<(Request, Vec<OwnedFd>)> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut space = nix::cmsg_space!([RawFd; 8]);
    let (n, fds) = {
        let mut iov = [IoSliceMut::new(&mut buf)];
        let msg = recvmsg::<()>(
            stream.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        )
        .map_err(|e| e.to_string())?;
        let mut fds = Vec::new();
        for cmsg in msg.cmsgs().map_err(|e| e.to_string())? {
            if let ControlMessageOwned::ScmRights(raw) = cmsg {
                for fd in raw {
                    // SAFETY: SCM_RIGHTS gave this process a new descriptor that
                    // nothing else owns.
                    fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
                }
            }
        }
        (msg.bytes, fds)
    };
    let mut line = buf[..n].to_vec();
    let mut reader = BufReader::new(stream).take(MAX_REQUEST as u64);
    if !line.ends_with(b"\n") {
        reader
            .read_until(b'\n', &mut line)
            .map_err(|e| e.to_string())?;
    }
    let request = serde_json::from_slice(&line).map_err(|e| format!("bad request: {e}"))?;
    Ok((request, fds))
}

/// Writes one reply line.
pub fn reply(mut stream: &UnixStream, value: &Value) {
    let mut line = value.to_string().into_bytes();
    line.push(b'\n');
    let _ = stream.write_all(&line);
}

/// Reads one reply line; `{"error": …}` becomes the failure it names.
pub fn read_reply(reader: &mut impl BufRead) -> OciResult<Value> {
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) | Err(_) => return Err("the sentry ended without answering".into()),
        Ok(_) => {}
    }
    let value: Value =
        serde_json::from_str(&line).map_err(|e| format!("bad reply from the sentry: {e}"))?;
    if let Some(err) = value.get("error").and_then(Value::as_str) {
        return Err(err.to_string().into());
    }
    Ok(value)
}

/// One request and its reply.
pub fn call(dir: &ContainerDir, request: &Request) -> OciResult<Value> {
    let stream = connect(dir)?;
    send(&stream, request, &[])?;
    read_reply(&mut BufReader::new(&stream))
}
