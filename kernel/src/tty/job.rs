//! Controlling terminals and terminal job control, as Linux's `tty_jobctrl.c`.
//!
//! A process's controlling terminal is `ThreadGroup::ctty` (inherited by `fork`,
//! dropped by `setsid`); a terminal knows the session it controls and its foreground
//! process group. A process of that session outside the foreground group that reads
//! the terminal gets `SIGTTIN` (its whole group does), one that writes with `TOSTOP`
//! set or changes the terminal's settings gets `SIGTTOU`, and the call restarts once
//! the group is continued. If the signal is ignored or blocked, a read fails with
//! `EIO` and a write or change goes ahead; in an orphaned process group both fail
//! with `EIO`.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use veil_abi::flags::signal::{bit, SIGTTIN, SIGTTOU};
use veil_abi::flags::termios::TOSTOP;
use veil_abi::Errno;

use super::Terminal;
use crate::signal::{SigInfo, ERESTARTSYS, SI_KERNEL};
use crate::task::Task;
use crate::thread_group::ThreadGroup;
use crate::Kernel;

/// The controlling terminal of `tg`, if it has one.
pub fn controlling_terminal(tg: &ThreadGroup) -> Option<Arc<Terminal>> {
    tg.ctty.lock().clone()
}

/// Whether `term` is `tg`'s controlling terminal.
pub fn is_controlling(term: &Terminal, tg: &ThreadGroup) -> bool {
    tg.ctty
        .lock()
        .as_ref()
        .is_some_and(|t| std::ptr::eq(Arc::as_ptr(t), term))
}

/// Drops `tg`'s controlling terminal (`setsid`): the process is a new session's leader
/// without one.
pub fn clear_controlling_terminal(tg: &ThreadGroup) {
    *tg.ctty.lock() = None;
}

/// Sends `signo` from the kernel to every live process of group `pgid`.
pub fn signal_process_group(kernel: &Kernel, pgid: i32, signo: u32) {
    for tg in kernel.thread_groups() {
        if tg.exit_status().is_none() && tg.pgid.load(Ordering::SeqCst) == pgid {
            tg.send_signal(SigInfo::kernel(signo, SI_KERNEL, 0));
        }
    }
}

/// `SIGHUP` and `SIGCONT` to the leader of session `sid` (the controlling process),
/// whose terminal `term` hung up.
pub fn signal_session_leader(term: &Terminal, sid: i32) {
    let Some(kernel) = term.kernel.upgrade() else {
        return;
    };
    for tg in kernel.thread_groups() {
        if tg.tgid == sid && tg.exit_status().is_none() {
            tg.send_signal(SigInfo::kernel(
                veil_abi::flags::signal::SIGHUP,
                SI_KERNEL,
                0,
            ));
            tg.send_signal(SigInfo::kernel(
                veil_abi::flags::signal::SIGCONT,
                SI_KERNEL,
                0,
            ));
        }
    }
}

/// Whether `task` ignores or blocks `signo`.
fn ignores_or_blocks(task: &Task, signo: u32) -> bool {
    task.mask() & bit(signo) != 0 || task.tg.actions.lock()[signo as usize - 1].handler == 1
}

/// Linux's `__tty_check_change`: whether `task` may act on `term` as a foreground
/// process, for `signo` (`SIGTTIN` for reads, `SIGTTOU` for writes and changes).
/// `Ok` to go ahead; `ERESTARTSYS` after signalling the caller's process group;
/// `EIO` when the group is orphaned or a read's `SIGTTIN` is ignored or blocked.
fn check_foreground(term: &Terminal, task: &Task, signo: u32) -> Result<(), Errno> {
    if !is_controlling(term, &task.tg) {
        return Ok(());
    }
    let fg = term.state.lock().fg_pgrp;
    let pgrp = task.tg.pgid.load(Ordering::SeqCst);
    if fg == 0 || pgrp == fg {
        return Ok(());
    }
    if ignores_or_blocks(task, signo) {
        return if signo == SIGTTIN {
            Err(Errno::EIO)
        } else {
            Ok(())
        };
    }
    if crate::job_control::pgrp_orphaned(&task.tg, &task.kernel) {
        return Err(Errno::EIO);
    }
    signal_process_group(&task.kernel, pgrp, signo);
    Err(ERESTARTSYS)
}

/// The job-control check before `task` reads the slave of `term`.
pub fn check_read(term: &Terminal, task: &Task) -> Result<(), Errno> {
    check_foreground(term, task, SIGTTIN)
}

/// The job-control check before `task` writes to the slave of `term` (only with
/// `TOSTOP`).
pub fn check_write(term: &Terminal, task: &Task) -> Result<(), Errno> {
    if term.state.lock().ldisc.termios.c_lflag & TOSTOP == 0 {
        return Ok(());
    }
    check_foreground(term, task, SIGTTOU)
}

/// The job-control check before `task` changes `term` (`TCSETS*`, `TIOCSPGRP`,
/// `TCFLSH`, `TCXONC`...).
pub fn check_change(term: &Terminal, task: &Task) -> Result<(), Errno> {
    check_foreground(term, task, SIGTTOU)
}

/// Makes `term` the controlling terminal of `task`'s session, as `TIOCSCTTY` and an
/// open of a terminal by a session leader without one. The caller must lead its
/// session and have no controlling terminal (`EPERM`); a terminal controlling another
/// session is taken only when `steal` and the caller has `CAP_SYS_ADMIN` (`EPERM`).
pub fn acquire(term: &Arc<Terminal>, task: &Task, steal: bool) -> Result<(), Errno> {
    let tg = &task.tg;
    let sid = tg.sid.load(Ordering::SeqCst);
    if let Some(current) = controlling_terminal(tg) {
        // Already ours: nothing to do.
        return if Arc::ptr_eq(&current, term) && sid == tg.tgid {
            Ok(())
        } else {
            Err(Errno::EPERM)
        };
    }
    if sid != tg.tgid {
        return Err(Errno::EPERM);
    }
    let old_session = {
        let mut st = term.state.lock();
        let old = st.session;
        if old != 0 && old != sid && !(steal && task.creds().has(crate::creds::CAP_SYS_ADMIN)) {
            return Err(Errno::EPERM);
        }
        st.session = sid;
        st.fg_pgrp = tg.pgid.load(Ordering::SeqCst);
        old
    };
    if old_session != 0 && old_session != sid {
        // Stolen: the old session's processes lose it.
        for other in task.kernel.thread_groups() {
            if other.sid.load(Ordering::SeqCst) == old_session {
                let mut ctty = other.ctty.lock();
                if ctty.as_ref().is_some_and(|t| Arc::ptr_eq(t, term)) {
                    *ctty = None;
                }
            }
        }
    }
    *tg.ctty.lock() = Some(term.clone());
    Ok(())
}

/// On an open of the slave of `term` without `O_NOCTTY`: a session leader without a
/// controlling terminal acquires it if no session has it (Linux's
/// `tty_open_proc_set_tty`).
pub fn acquire_on_open(term: &Arc<Terminal>, task: &Task) {
    let tg = &task.tg;
    if tg.sid.load(Ordering::SeqCst) != tg.tgid || controlling_terminal(tg).is_some() {
        return;
    }
    if term.state.lock().session != 0 {
        return;
    }
    let _ = acquire(term, task, false);
}

/// `TIOCNOTTY`: the caller gives up its controlling terminal `term`. A session
/// leader's doing so disassociates the whole session: the foreground group gets
/// `SIGHUP` and `SIGCONT`, and every process of the session loses the terminal.
pub fn give_up(term: &Arc<Terminal>, task: &Task) -> Result<(), Errno> {
    let tg = &task.tg;
    if !is_controlling(term, tg) {
        return Err(Errno::ENOTTY);
    }
    let sid = tg.sid.load(Ordering::SeqCst);
    if sid != tg.tgid {
        *tg.ctty.lock() = None;
        return Ok(());
    }
    let fg = {
        let mut st = term.state.lock();
        let fg = st.fg_pgrp;
        st.session = 0;
        st.fg_pgrp = 0;
        fg
    };
    if fg != 0 {
        signal_process_group(&task.kernel, fg, veil_abi::flags::signal::SIGHUP);
        signal_process_group(&task.kernel, fg, veil_abi::flags::signal::SIGCONT);
    }
    for other in task.kernel.thread_groups() {
        if other.sid.load(Ordering::SeqCst) == sid {
            let mut ctty = other.ctty.lock();
            if ctty.as_ref().is_some_and(|t| Arc::ptr_eq(t, term)) {
                *ctty = None;
            }
        }
    }
    Ok(())
}

/// `TIOCSPGRP`: makes `pgid` the foreground process group of `term`, the caller's
/// controlling terminal (`ENOTTY` otherwise). The group must exist in the caller's
/// session (`EPERM`); a negative id is `EINVAL`.
pub fn set_foreground(term: &Arc<Terminal>, task: &Task, pgid: i32) -> Result<(), Errno> {
    if !is_controlling(term, &task.tg) {
        return Err(Errno::ENOTTY);
    }
    check_change(term, task)?;
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    let sid = task.tg.sid.load(Ordering::SeqCst);
    let exists = task.kernel.thread_groups().iter().any(|tg| {
        tg.exit_status().is_none()
            && tg.pgid.load(Ordering::SeqCst) == pgid
            && tg.sid.load(Ordering::SeqCst) == sid
    });
    if !exists {
        return Err(
            if task
                .kernel
                .thread_groups()
                .iter()
                .any(|tg| tg.pgid.load(Ordering::SeqCst) == pgid)
            {
                Errno::EPERM
            } else {
                Errno::ESRCH
            },
        );
    }
    let mut st = term.state.lock();
    if st.session != sid {
        return Err(Errno::ENOTTY);
    }
    st.fg_pgrp = pgid;
    Ok(())
}

/// `TIOCGPGRP` on the slave: the foreground group of `term`, which must be the
/// caller's controlling terminal (`ENOTTY`); a master may always ask.
pub fn foreground(term: &Terminal, task: &Task, master: bool) -> Result<i32, Errno> {
    if !master && !is_controlling(term, &task.tg) {
        return Err(Errno::ENOTTY);
    }
    // 0 when there is none, as Linux's pid_vnr of no group.
    Ok(term.state.lock().fg_pgrp)
}

/// `TIOCGSID`: the session `term` controls (`ENOTTY` if none, or if the slave is not
/// the caller's controlling terminal).
pub fn session(term: &Terminal, task: &Task, master: bool) -> Result<i32, Errno> {
    if !master && !is_controlling(term, &task.tg) {
        return Err(Errno::ENOTTY);
    }
    match term.state.lock().session {
        0 => Err(Errno::ENOTTY),
        sid => Ok(sid),
    }
}

/// Gives the console `term` to the sandbox's first process: it leads session `tgid`
/// and its group is in the foreground.
pub fn attach_first_process(term: &Arc<Terminal>, tg: &ThreadGroup) {
    {
        let mut st = term.state.lock();
        st.session = tg.sid.load(Ordering::SeqCst);
        st.fg_pgrp = tg.pgid.load(Ordering::SeqCst);
    }
    *tg.ctty.lock() = Some(term.clone());
}
