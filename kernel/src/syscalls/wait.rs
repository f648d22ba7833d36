//! Waiting for children: `wait4` and `waitid`, for children that exited, stopped or
//! continued (job control, [`crate::job_control`]).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use veil_abi::flags::signal::{SIGCHLD, SIGCONT};
use veil_abi::Errno;

use super::rusage::rusage_of;
use super::{SysResult, SyscallCtx};
use crate::job_control::{CLD_CONTINUED, CLD_STOPPED};
use crate::signal::{SigInfo, ERESTARTSYS};
use crate::task::BlockResult;
use crate::thread_group::{ExitStatus, ThreadGroup, CLD_DUMPED, CLD_EXITED, CLD_KILLED};

const WNOHANG: u32 = 1;
/// `WUNTRACED` of wait4, `WSTOPPED` of waitid.
const WSTOPPED: u32 = 2;
const WEXITED: u32 = 4;
const WCONTINUED: u32 = 8;
const WNOWAIT: u32 = 0x0100_0000;
const WNOTHREAD: u32 = 0x2000_0000;
const WALL: u32 = 0x4000_0000;
const WCLONE: u32 = 0x8000_0000;

/// `waitid` id types.
const P_ALL: u64 = 0;
const P_PID: u64 = 1;
const P_PGID: u64 = 2;
const P_PIDFD: u64 = 3;

/// A change of state of a child that a wait reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    /// It ended (a zombie).
    Exited(ExitStatus),
    /// It stopped, by this signal.
    Stopped(u32),
    /// It continued.
    Continued,
}

impl Event {
    /// The `wait` status word.
    fn status_word(self) -> u32 {
        match self {
            Event::Exited(ExitStatus::Exited(code)) => ((code as u32) & 0xff) << 8,
            Event::Exited(ExitStatus::Signaled(sig)) => sig as u32 & 0x7f,
            Event::Exited(ExitStatus::Dumped(sig)) => (sig as u32 & 0x7f) | 0x80,
            Event::Stopped(sig) => (sig << 8) | 0x7f,
            Event::Continued => 0xffff,
        }
    }

    /// `si_code` and `si_status` of `waitid`'s `siginfo`.
    fn code_and_status(self) -> (i32, i32) {
        match self {
            Event::Exited(ExitStatus::Exited(c)) => (CLD_EXITED, c & 0xff),
            Event::Exited(ExitStatus::Signaled(sig)) => (CLD_KILLED, sig),
            Event::Exited(ExitStatus::Dumped(sig)) => (CLD_DUMPED, sig),
            Event::Stopped(sig) => (CLD_STOPPED, sig as i32),
            Event::Continued => (CLD_CONTINUED, SIGCONT as i32),
        }
    }
}

/// Which children a wait is for.
#[derive(Clone, Copy)]
enum WaitFor {
    /// Any child.
    Any,
    /// The child with this pid.
    Pid(i32),
    /// Any child in this process group.
    Group(i32),
}

impl WaitFor {
    /// Whether `child` is one this wait is for. Without `__WALL`, a wait sees only the
    /// children that signal `SIGCHLD` at exit, or with `__WCLONE` only the others.
    fn matches(self, child: &ThreadGroup, options: u32) -> bool {
        let clone_child = child.exit_signal != SIGCHLD;
        if options & WALL == 0 && clone_child != (options & WCLONE != 0) {
            return false;
        }
        match self {
            WaitFor::Any => true,
            WaitFor::Pid(pid) => child.tgid == pid,
            WaitFor::Group(pgid) => child.pgid.load(Ordering::SeqCst) == pgid,
        }
    }
}

/// The event of `child` that `options` asks for, if it has one; consumed (a zombie
/// reaped into `parent`'s children's times, a stop or continue cleared) unless
/// `WNOWAIT`. Precondition: `parent.children` is locked by the caller, as `children`.
fn take_event(
    parent: &ThreadGroup,
    children: &mut Vec<Arc<ThreadGroup>>,
    i: usize,
    options: u32,
) -> Option<(Arc<ThreadGroup>, Event)> {
    let child = children[i].clone();
    let keep = options & WNOWAIT != 0;
    if options & WEXITED != 0 {
        if let Some(status) = child.exit_status() {
            if !keep {
                children.remove(i);
                parent.account_reaped(&child);
            }
            return Some((child, Event::Exited(status)));
        }
    }
    let mut job = child.job.lock();
    if options & WSTOPPED != 0 {
        if let Some(sig) = job.stop_to_report {
            if !keep {
                job.stop_to_report = None;
            }
            drop(job);
            return Some((child, Event::Stopped(sig)));
        }
    }
    if options & WCONTINUED != 0 && job.continue_to_report {
        if !keep {
            job.continue_to_report = false;
        }
        drop(job);
        return Some((child, Event::Continued));
    }
    None
}

/// Waits for a child chosen by `which` to have an event `options` asks for
/// (`WEXITED`, `WSTOPPED`, `WCONTINUED`) and returns it. `ECHILD` if no child
/// matches; `None` at once with `WNOHANG` if none has one; a signal ends the wait with
/// `ERESTARTSYS` only if no event turned up meanwhile (the `SIGCHLD` of the child
/// waited for must not make us miss it).
fn wait_for_event(
    sc: &SyscallCtx<'_>,
    which: WaitFor,
    options: u32,
) -> Result<Option<(Arc<ThreadGroup>, Event)>, Errno> {
    let task = sc.task;
    let tg = &task.tg;
    let mut interrupted = false;
    loop {
        task.prepare_block();
        tg.add_waiter(task);
        let found = {
            let mut children = tg.children.lock();
            if !children.iter().any(|c| which.matches(c, options)) {
                drop(children);
                tg.remove_waiter(task);
                return Err(Errno::ECHILD);
            }
            let mut found = None;
            for i in 0..children.len() {
                if which.matches(&children[i], options) {
                    // `take_event` may remove entry i; the search ends there.
                    found = take_event(tg, &mut children, i, options);
                    if found.is_some() {
                        break;
                    }
                }
            }
            found
        };
        if found.is_some() || options & WNOHANG != 0 {
            tg.remove_waiter(task);
            return Ok(found);
        }
        if interrupted {
            tg.remove_waiter(task);
            return Err(ERESTARTSYS);
        }
        interrupted = task.block(None) == BlockResult::Interrupted;
        tg.remove_waiter(task);
    }
}

/// `wait4(pid, wstatus, options, rusage)`: a child that exited, or with `WUNTRACED`
/// stopped, or with `WCONTINUED` continued; `pid` is a child, -1 any, 0 the caller's
/// process group, below -1 the group `-pid`.
pub(super) fn wait4(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (pid, status_addr, options, rusage) = (a[0] as i32, a[1], a[2] as u32, a[3]);
    if options & !(WNOHANG | WSTOPPED | WCONTINUED | WNOTHREAD | WALL | WCLONE) != 0 {
        return Err(Errno::EINVAL);
    }
    let which = match pid {
        -1 => WaitFor::Any,
        0 => WaitFor::Group(sc.task.tg.pgid.load(Ordering::SeqCst)),
        // -INT_MIN has no process group.
        i32::MIN => return Err(Errno::ESRCH),
        p if p < 0 => WaitFor::Group(-p),
        p => WaitFor::Pid(p),
    };
    let Some((child, event)) = wait_for_event(sc, which, options | WEXITED)? else {
        return Ok(0);
    };
    if status_addr != 0 {
        sc.task.mm().write_obj(status_addr, &event.status_word())?;
    }
    if rusage != 0 {
        let ru = rusage_of(&child.total_times());
        sc.task.mm().write_obj(rusage, &ru)?;
    }
    Ok(child.tgid as u64)
}

/// `waitid(idtype, id, infop, options, rusage)`: reports a child's event as a
/// `siginfo_t` (`SIGCHLD`, `CLD_*`, pid, uid, status); with `WNOWAIT` the event stays
/// to be collected again. With `WNOHANG` and nothing to report, `infop` is zeroed.
pub(super) fn waitid(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    let (idtype, id, infop, options, rusage) = (a[0], a[1] as i32, a[2], a[3] as u32, a[4]);
    if options & !(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | WNOTHREAD | WALL | WCLONE)
        != 0
        || options & (WEXITED | WSTOPPED | WCONTINUED) == 0
    {
        return Err(Errno::EINVAL);
    }
    let mut nonblocking_pidfd = false;
    let which = match idtype {
        P_ALL => WaitFor::Any,
        P_PID if id > 0 => WaitFor::Pid(id),
        P_PGID if id == 0 => WaitFor::Group(sc.task.tg.pgid.load(Ordering::SeqCst)),
        P_PGID if id > 0 => WaitFor::Group(id),
        P_PIDFD if id < 0 => return Err(Errno::EINVAL),
        P_PIDFD => {
            let file = sc.task.files.get(id)?;
            let tg = crate::pidfd::PidFd::of(&file)
                .map(|p| p.tg.clone())
                .ok_or(Errno::EBADF)?;
            // A non-blocking pidfd never waits: EAGAIN rather than 0 when nothing is
            // ready.
            if file.flags() & veil_abi::flags::open::O_NONBLOCK != 0 {
                nonblocking_pidfd = true;
            }
            WaitFor::Pid(tg.tgid)
        }
        _ => return Err(Errno::EINVAL),
    };
    let options = if nonblocking_pidfd {
        options | WNOHANG
    } else {
        options
    };
    let found = wait_for_event(sc, which, options)?;
    if found.is_none()
        && nonblocking_pidfd
        && options & WNOHANG != 0
        && (a[3] as u32) & WNOHANG == 0
    {
        return Err(Errno::EAGAIN);
    }
    if infop != 0 {
        let info = match &found {
            None => [0u8; 128],
            Some((child, event)) => {
                let (code, status) = event.code_and_status();
                let mut si = SigInfo::user(SIGCHLD, code, child.tgid);
                si.value = status as u64;
                si.to_bytes()
            }
        };
        sc.task.mm().copy_out(infop, &info)?;
    }
    if rusage != 0 {
        let times = found
            .as_ref()
            .map(|(child, _)| child.total_times())
            .unwrap_or_default();
        sc.task.mm().write_obj(rusage, &rusage_of(&times))?;
    }
    Ok(0)
}
