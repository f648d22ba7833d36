//! Which process or thread a per-process node describes, and the facts about it that
//! several files share (credentials, run state, signal dispositions).

use std::sync::{Arc, Weak};

use veil_abi::structs::SigAction;
use veil_abi::Errno;

use super::node::Owner;
use crate::task::Task;
use crate::thread_group::ThreadGroup;
use crate::Kernel;

/// A process (`/proc/<pid>`) or one of its threads (`/proc/<pid>/task/<tid>`, or
/// `/proc/<tid>` looked up directly). Weak: a node never keeps a process alive.
#[derive(Clone)]
pub(super) struct Subject {
    kernel: Weak<Kernel>,
    tg: Weak<ThreadGroup>,
    /// The thread, or `None` for the process as a whole (described by its leader).
    pub tid: Option<i32>,
}

impl Subject {
    /// The process `tg` as a whole.
    pub fn process(kernel: Weak<Kernel>, tg: &Arc<ThreadGroup>) -> Subject {
        Subject {
            kernel,
            tg: Arc::downgrade(tg),
            tid: None,
        }
    }

    /// Thread `tid` of this subject's process.
    pub fn thread(&self, tid: i32) -> Subject {
        Subject {
            tid: Some(tid),
            ..self.clone()
        }
    }

    /// The kernel; `ESRCH` once it is gone.
    pub fn kernel(&self) -> Result<Arc<Kernel>, Errno> {
        self.kernel.upgrade().ok_or(Errno::ESRCH)
    }

    /// The process; `ESRCH` once it has exited.
    pub fn thread_group(&self) -> Result<Arc<ThreadGroup>, Errno> {
        self.tg
            .upgrade()
            .filter(|tg| !tg.tasks().is_empty())
            .ok_or(Errno::ESRCH)
    }

    /// The task described: the thread, or the process's leader (its first live thread
    /// once the leader has exited). `ESRCH` if it has exited.
    pub fn task(&self) -> Result<Arc<Task>, Errno> {
        let tg = self.tg.upgrade().ok_or(Errno::ESRCH)?;
        let task = match self.tid {
            Some(tid) => tg.task(tid),
            None => tg.task(tg.tgid).or_else(|| tg.tasks().into_iter().next()),
        };
        task.ok_or(Errno::ESRCH)
    }

    /// Whether the subject still exists (lookups in its directory are `ENOENT`
    /// otherwise).
    pub fn alive(&self) -> bool {
        self.task().is_ok()
    }

    /// The owner of the subject's nodes: the process's effective ids, as Linux.
    pub fn owner(&self) -> Owner {
        let c = self.task().map(|t| creds(&t)).unwrap_or_default();
        Owner {
            uid: c.uid[1],
            gid: c.gid[1],
        }
    }
}

/// A process's user and group ids: real, effective, saved and file-system.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Creds {
    /// Real, effective, saved, file-system user id.
    pub uid: [u32; 4],
    /// Real, effective, saved, file-system group id.
    pub gid: [u32; 4],
}

/// The ids of `task`'s credentials, as `status` shows them.
pub(super) fn creds(task: &Task) -> Creds {
    let c = task.creds();
    let four = |i: crate::creds::Ids| [i.real, i.effective, i.saved, i.fs];
    Creds {
        uid: four(c.uid),
        gid: four(c.gid),
    }
}

/// The run state of a task, as `stat` and `status` show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// `R (running)`.
    Running,
    /// `S (sleeping)`.
    Sleeping,
    /// `T (stopped)`: its process is in a group stop.
    Stopped,
}

impl RunState {
    /// The letter of `/proc/<pid>/stat`.
    pub fn letter(self) -> char {
        match self {
            RunState::Running => 'R',
            RunState::Sleeping => 'S',
            RunState::Stopped => 'T',
        }
    }

    /// The text of `/proc/<pid>/status`.
    pub fn describe(self) -> &'static str {
        match self {
            RunState::Running => "R (running)",
            RunState::Sleeping => "S (sleeping)",
            RunState::Stopped => "T (stopped)",
        }
    }
}

/// The state of `task`: stopped while its process is in a group stop, running if it
/// is the task reading the file or is not blocked in a wait, else sleeping.
pub(super) fn run_state(task: &Task) -> RunState {
    if task.tg.job.lock().stopped() {
        return RunState::Stopped;
    }
    match crate::task::current() {
        Some(cur) if cur.tid == task.tid => RunState::Running,
        _ if task.is_waiting() => RunState::Sleeping,
        _ => RunState::Running,
    }
}

/// The signals a process ignores and the ones it catches (bit `n-1` for signal `n`),
/// from its actions: `SIG_IGN` (1) is ignored, any handler address caught.
pub fn dispositions(actions: &[SigAction]) -> (u64, u64) {
    let mut ignored = 0;
    let mut caught = 0;
    for (i, a) in actions.iter().enumerate().take(64) {
        match a.handler {
            0 => {}
            1 => ignored |= 1 << i,
            _ => caught |= 1 << i,
        }
    }
    (ignored, caught)
}

/// The number of CPUs the sandbox offers (as `sched_getaffinity` reports).
pub(super) fn ncpus() -> usize {
    crate::sched::sandbox_cpus()
}
