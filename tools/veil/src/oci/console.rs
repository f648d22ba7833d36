//! Terminals of containers: a host pty whose slave becomes the sentry's console (the
//! guest sees Veil's own terminal, fed from it) and whose master goes to the client
//! over `--console-socket`, as runc sends it: one `SCM_RIGHTS` message whose data is
//! the terminal's name.

use std::io::IoSlice;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;

use nix::pty::{openpty, Winsize};
use nix::sys::socket::{sendmsg, ControlMessage, MsgFlags};

use super::OciResult;

/// A host pty pair.
pub struct HostPty {
    /// The side the client reads and writes.
    pub master: OwnedFd,
    /// The side the sentry serves as the guest's terminal.
    pub slave: OwnedFd,
}

/// Opens a host pty of `size` (rows, columns) if given.
pub fn open_pty(size: Option<(u16, u16)>) -> OciResult<HostPty> {
    let winsize = size.map(|(rows, cols)| Winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    });
    let pty = openpty(winsize.as_ref(), None).map_err(|e| format!("cannot open a pty: {e}"))?;
    Ok(HostPty {
        master: pty.master,
        slave: pty.slave,
    })
}

/// Sends `master` to the client listening on `socket`.
pub fn send_master(socket: &Path, master: &OwnedFd) -> OciResult {
    let stream = UnixStream::connect(socket)
        .map_err(|e| format!("console socket {}: {e}", socket.display()))?;
    let name = b"/dev/ptmx";
    let fds = [master.as_raw_fd()];
    sendmsg::<()>(
        stream.as_raw_fd(),
        &[IoSlice::new(name)],
        &[ControlMessage::ScmRights(&fds)],
        MsgFlags::empty(),
        None,
    )
    .map_err(|e| format!("console socket {}: {e}", socket.display()))?;
    Ok(())
}
