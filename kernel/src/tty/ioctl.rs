//! The terminal ioctls (`ioctl_tty(2)`, `ioctl_console(2)`'s pty part) on an open
//! master or slave.

use std::sync::Arc;

use veil_abi::flags::ioctl::*;
use veil_abi::flags::open::{O_ACCMODE, O_CLOEXEC, O_NOCTTY, O_NONBLOCK};
use veil_abi::flags::termios::{TCIFLUSH, TCIOFF, TCIOFLUSH, TCION, TCOFLUSH, TCOOFF, TCOON};
use veil_abi::structs::{KernelTermios, Winsize};
use veil_abi::Errno;

use super::{job, pty, Side, TtyFile};
use crate::task::Task;

/// Performs terminal ioctl `request` with argument `arg` on `file` for `task`.
/// `ENOTTY` for a request terminals do not have; guest memory errors are `EFAULT`.
///
/// Precondition: called on `task`'s own sentry thread; no lock held.
pub fn ioctl(task: &Arc<Task>, file: &TtyFile, request: u64, arg: u64) -> Result<u64, Errno> {
    let term = &file.terminal;
    let master = file.side == Side::Master;
    let mm = task.mm();
    match request {
        TCGETS => {
            let t = term.state.lock().ldisc.termios;
            mm.write_obj(arg, &t).map(|()| 0)
        }
        TCSETS | TCSETSW | TCSETSF => {
            let t: KernelTermios = mm.read_obj(arg)?;
            if !master {
                job::check_change(term, task)?;
            }
            let mut st = term.state.lock();
            // TCSETSW and TCSETSF wait for output to drain: the master side (or the
            // console's pump) drains it; Veil does not wait for the reader.
            if request == TCSETSF {
                st.ldisc.flush_input();
            }
            st.ldisc.set_termios(t);
            st.waiters.wake_all();
            Ok(0)
        }
        TIOCGWINSZ => {
            let w = term.state.lock().winsize;
            mm.write_obj(arg, &w).map(|()| 0)
        }
        TIOCSWINSZ => {
            let w: Winsize = mm.read_obj(arg)?;
            term.set_winsize(w);
            Ok(0)
        }
        TIOCGPGRP => {
            let pgrp = job::foreground(term, task, master)?;
            mm.write_obj(arg, &pgrp).map(|()| 0)
        }
        TIOCSPGRP => {
            let pgrp: i32 = mm.read_obj(arg)?;
            match job::set_foreground(term, task, pgrp) {
                Err(Errno::EIO) => Err(Errno::ENOTTY),
                r => r.map(|()| 0),
            }
        }
        TIOCGSID => {
            let sid = job::session(term, task, master)?;
            mm.write_obj(arg, &sid).map(|()| 0)
        }
        TIOCSCTTY => job::acquire(term, task, arg == 1).map(|()| 0),
        TIOCNOTTY => job::give_up(term, task).map(|()| 0),
        FIONREAD => {
            let st = term.state.lock();
            let n = if master {
                st.ldisc.output_len()
            } else {
                st.ldisc.readable_bytes()
            };
            drop(st);
            mm.write_obj(arg, &(n as i32)).map(|()| 0)
        }
        TIOCOUTQ => {
            let n = term.state.lock().ldisc.output_len();
            mm.write_obj(arg, &(n as i32)).map(|()| 0)
        }
        TCFLSH => {
            if !master {
                job::check_change(term, task)?;
            }
            let mut st = term.state.lock();
            match arg {
                TCIFLUSH => st.ldisc.flush_input(),
                TCOFLUSH => st.ldisc.flush_output(),
                TCIOFLUSH => {
                    st.ldisc.flush_input();
                    st.ldisc.flush_output();
                }
                _ => return Err(Errno::EINVAL),
            }
            st.waiters.wake_all();
            Ok(0)
        }
        TCXONC => {
            if !master {
                job::check_change(term, task)?;
            }
            let mut st = term.state.lock();
            match arg {
                TCOOFF => st.ldisc.output_stopped = true,
                TCOON => st.ldisc.output_stopped = false,
                // Sending STOP/START characters to the other side: a pty's master
                // reads no flow-control characters in Veil; accepted as Linux does.
                TCIOFF | TCION => {}
                _ => return Err(Errno::EINVAL),
            }
            st.waiters.wake_all();
            Ok(0)
        }
        // tcdrain and tcsendbreak: output drains as the master side reads it, and a
        // pty has no line to break.
        TCSBRK | TCSBRKP => {
            if !master {
                job::check_change(term, task)?;
            }
            Ok(0)
        }
        TIOCEXCL => {
            term.state.lock().exclusive = true;
            Ok(0)
        }
        TIOCNXCL => {
            term.state.lock().exclusive = false;
            Ok(0)
        }
        TIOCGEXCL => {
            let excl = i32::from(term.state.lock().exclusive);
            mm.write_obj(arg, &excl).map(|()| 0)
        }
        TIOCGPTN if master => mm.write_obj(arg, &term.index).map(|()| 0),
        TIOCSPTLCK if master => {
            let lock: i32 = mm.read_obj(arg)?;
            term.state.lock().locked = lock != 0;
            Ok(0)
        }
        TIOCGPTLCK if master => {
            let locked = i32::from(term.state.lock().locked);
            mm.write_obj(arg, &locked).map(|()| 0)
        }
        // Linux's ptm_open_peer on anything but a master.
        TIOCGPTPEER if !master => Err(Errno::EIO),
        TIOCGPTPEER => {
            let flags = arg as u32;
            if flags & !(O_ACCMODE | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) != 0 {
                return Err(Errno::EINVAL);
            }
            let ops = pty::open_peer(file, flags)?;
            let open = veil_vfs::OpenFile::new(ops, flags & !O_CLOEXEC, term.slave_path());
            let limit = task.tg.rlimits.lock()[veil_abi::flags::rlimit::RLIMIT_NOFILE as usize].cur;
            let fd = task.files.install(open, flags & O_CLOEXEC != 0, 0, limit)?;
            Ok(fd as u64)
        }
        _ => Err(Errno::ENOTTY),
    }
}
