//! Job control: group stop and continue (`SIGSTOP`, `SIGTSTP`, `SIGTTIN`, `SIGTTOU`,
//! `SIGCONT`), what `wait` and the parent's `SIGCHLD` report of them, and orphaned
//! process groups.
//!
//! A stop signal whose action is the default starts a *group stop* when a task takes
//! it ([`begin_group_stop`]): every task of the process stops before it next runs
//! guest code ([`participate`]). A task blocked in a system call is not woken for it
//! (it runs no guest code, and waking it would make its call fail with `EINTR`); it
//! counts as stopped, and stops for real if its wait ends while the group is stopped.
//! When every task has stopped or is blocked, the stop is complete: the parent can
//! collect it with `WUNTRACED`/`WSTOPPED` and gets `SIGCHLD` with `CLD_STOPPED` (unless
//! `SA_NOCLDSTOP`).
//!
//! `SIGCONT` acts when it is sent, blocked or not, handled or not ([`on_send`]): it
//! discards pending stop signals, ends a group stop (the parent can collect the
//! continue with `WCONTINUED` and gets `CLD_CONTINUED`) and wakes the stopped tasks.
//! A stop signal sent discards a pending `SIGCONT`. `SIGKILL` ends a stopped process.
//!
//! Locks: `ThreadGroup::job` is a leaf, except that [`on_send`] takes signal queue
//! locks after releasing it, and the parent's locks are taken with it released.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use veil_abi::flags::signal::{
    bit, SA_NOCLDSTOP, SIGCHLD, SIGCONT, SIGKILL, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU,
};

use crate::signal::SigInfo;
use crate::task::Task;
use crate::thread_group::ThreadGroup;

/// `si_code` of a `SIGCHLD` for a child that stopped.
pub const CLD_STOPPED: i32 = 5;
/// `si_code` of a `SIGCHLD` for a child that continued.
pub const CLD_CONTINUED: i32 = 6;

/// The signals whose default action stops the process.
pub const STOP_SIGNALS: u64 =
    (1 << (SIGSTOP - 1)) | (1 << (SIGTSTP - 1)) | (1 << (SIGTTIN - 1)) | (1 << (SIGTTOU - 1));

/// A process's job-control state (`ThreadGroup::job`).
#[derive(Default)]
pub struct JobControl {
    /// The group stop in effect, if any.
    stop: Option<GroupStop>,
    /// A completed stop not yet collected by `wait` (`WUNTRACED`): its signal.
    pub stop_to_report: Option<u32>,
    /// A continue not yet collected by `wait` (`WCONTINUED`).
    pub continue_to_report: bool,
}

struct GroupStop {
    signo: u32,
    /// The tasks stopped in [`participate`].
    stopped: Vec<Arc<Task>>,
    /// Whether the stop was complete and reported.
    reported: bool,
}

impl JobControl {
    /// Whether a group stop is in effect.
    pub fn stopped(&self) -> bool {
        self.stop.is_some()
    }
}

/// Whether `signo`'s default action stops the process.
pub fn is_stop_signal(signo: u32) -> bool {
    bit(signo) & STOP_SIGNALS != 0
}

/// Job control's part of sending `signo` to `tg` (Linux's `prepare_signal`), before
/// the signal is queued: a stop signal discards a pending `SIGCONT`; `SIGCONT`
/// discards pending stop signals and ends a group stop; `SIGKILL` wakes a stopped
/// process so that it can die.
pub fn on_send(tg: &ThreadGroup, signo: u32) {
    if is_stop_signal(signo) {
        discard_pending(tg, bit(SIGCONT));
    } else if signo == SIGCONT {
        discard_pending(tg, STOP_SIGNALS);
        let continued = {
            let mut job = tg.job.lock();
            match job.stop.take() {
                Some(stop) => {
                    // A stop the parent has not collected yet is gone.
                    job.stop_to_report = None;
                    job.continue_to_report = stop.reported;
                    Some(stop)
                }
                None => None,
            }
        };
        if let Some(stop) = continued {
            for t in &stop.stopped {
                t.wake();
            }
            if stop.reported {
                notify_parent(tg, CLD_CONTINUED, SIGCONT);
            }
        }
    } else if signo == SIGKILL {
        let stopped: Vec<Arc<Task>> = tg
            .job
            .lock()
            .stop
            .as_ref()
            .map(|s| s.stopped.clone())
            .unwrap_or_default();
        for t in stopped {
            t.interrupt();
        }
    }
}

/// Drops the pending signals of `set` from the process's and every thread's queue.
fn discard_pending(tg: &ThreadGroup, set: u64) {
    let mut signo = 1;
    while signo <= 64 {
        if set & bit(signo) != 0 {
            tg.pending.lock().discard(signo);
            for t in tg.tasks() {
                t.pending.lock().discard(signo);
            }
        }
        signo += 1;
    }
}

/// Whether `tg`'s process group is orphaned: no member has a parent in another
/// process group of the same session (POSIX; Linux's `is_current_pgrp_orphaned`).
/// Stop signals from a terminal (`SIGTSTP`, `SIGTTIN`, `SIGTTOU`) are discarded in an
/// orphaned group, since nobody is left to continue it.
pub fn pgrp_orphaned(tg: &ThreadGroup, kernel: &crate::Kernel) -> bool {
    let pgid = tg.pgid.load(Ordering::SeqCst);
    let sid = tg.sid.load(Ordering::SeqCst);
    !kernel.thread_groups().iter().any(|member| {
        member.pgid.load(Ordering::SeqCst) == pgid
            && member.exit_status().is_none()
            && member.parent().is_some_and(|p| {
                p.pgid.load(Ordering::SeqCst) != pgid && p.sid.load(Ordering::SeqCst) == sid
            })
    })
}

/// Starts a group stop of `task`'s process for `signo` (a stop signal it took with
/// the default action), unless one is in effect; the other tasks running guest code
/// are interrupted so that they stop.
pub fn begin_group_stop(task: &Arc<Task>, signo: u32) {
    let tg = &task.tg;
    {
        let mut job = tg.job.lock();
        if job.stop.is_some() {
            return;
        }
        job.stop = Some(GroupStop {
            signo,
            stopped: Vec::new(),
            reported: false,
        });
    }
    for t in tg.tasks() {
        if t.tid != task.tid && !t.is_waiting() {
            t.interrupt();
        }
    }
}

/// Stops `task` while its process is in a group stop; returns at once if it is not.
/// Ends early when the process is exiting or `SIGKILL` is pending (the caller then
/// delivers it). Called by the run loop before it runs guest code.
pub fn participate(task: &Arc<Task>) {
    let tg = &task.tg;
    {
        let mut job = tg.job.lock();
        let Some(stop) = job.stop.as_mut() else {
            return;
        };
        if !stop.stopped.iter().any(|t| Arc::ptr_eq(t, task)) {
            stop.stopped.push(task.clone());
        }
    }
    check_complete(tg);
    loop {
        task.prepare_block();
        task.clear_attention();
        let still = tg.job.lock().stopped();
        let killed = (task.pending.lock().bits() | tg.pending.lock().bits()) & bit(SIGKILL) != 0;
        if !still || killed || tg.exiting() || task.must_exit.load(Ordering::SeqCst) {
            break;
        }
        task.block(None);
    }
    if let Some(stop) = tg.job.lock().stop.as_mut() {
        stop.stopped.retain(|t| !Arc::ptr_eq(t, task));
    }
}

/// Completes a group stop once every task has stopped or is blocked: records it for
/// `wait` and tells the parent. Called when a task stops and when one starts waiting
/// during a stop ([`Task::block`]).
pub fn check_complete(tg: &ThreadGroup) {
    let signo = {
        let mut job = tg.job.lock();
        let Some(stop) = job.stop.as_mut() else {
            return;
        };
        if stop.reported {
            return;
        }
        let all = tg
            .tasks()
            .iter()
            .all(|t| t.is_waiting() || stop.stopped.iter().any(|s| Arc::ptr_eq(s, t)));
        if !all {
            return;
        }
        stop.reported = true;
        let signo = stop.signo;
        job.stop_to_report = Some(signo);
        job.continue_to_report = false;
        signo
    };
    notify_parent(tg, CLD_STOPPED, signo);
}

/// Whether a group stop of `tg` is in effect and not yet complete (cheap enough for
/// [`Task::block`] to ask on every wait).
pub fn stop_pending(tg: &ThreadGroup) -> bool {
    tg.job.lock().stop.as_ref().is_some_and(|s| !s.reported)
}

/// Tells `tg`'s parent that it stopped or continued: `SIGCHLD` with `code` unless the
/// parent set `SA_NOCLDSTOP`, and a wake-up of its waiters either way.
fn notify_parent(tg: &ThreadGroup, code: i32, status: u32) {
    let Some(parent) = tg.parent() else {
        return;
    };
    let flags = parent.actions.lock()[SIGCHLD as usize - 1].flags;
    if flags & SA_NOCLDSTOP == 0 {
        let mut info = SigInfo::user(SIGCHLD, code, tg.tgid);
        info.value = u64::from(status);
        parent.send_signal(info);
    }
    parent.wake_waiters();
}
