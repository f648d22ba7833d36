//! A thread group: a guest process.

use std::sync::Arc;

use parking_lot::Mutex;
use veil_abi::structs::{Rlimit, SigAction};

use crate::cputime::CpuTimes;
use crate::signal::{SigInfo, SigQueue};

/// `si_code` of a `SIGCHLD` for a child that exited.
pub const CLD_EXITED: i32 = 1;
/// `si_code` of a `SIGCHLD` for a child a signal killed.
pub const CLD_KILLED: i32 = 2;
/// `si_code` of a `SIGCHLD` for a child a signal killed with a core dump.
pub const CLD_DUMPED: i32 = 3;
use crate::task::Task;

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// `exit`/`exit_group` with this code (low 8 bits significant).
    Exited(i32),
    /// Killed by this signal.
    Signaled(i32),
    /// Killed by this signal, whose default action dumps core, with a core limit and
    /// dumpable set (Veil writes no core file; the status says one was dumped).
    Dumped(i32),
}

impl ExitStatus {
    /// The status a shell reports: the code, or 128 + the signal.
    pub fn shell_code(self) -> i32 {
        match self {
            ExitStatus::Exited(c) => c & 0xff,
            ExitStatus::Signaled(s) | ExitStatus::Dumped(s) => 128 + s,
        }
    }
}

struct TgState {
    /// Live tasks.
    tasks: Vec<Arc<Task>>,
    /// Set once the group is exiting (by `exit_group`, a fatal signal, or the last
    /// thread's `exit`).
    exit: Option<ExitStatus>,
}

/// A process: the threads sharing a tgid, signal actions and resource limits.
///
/// Lock order: `state` before any task's locks; `actions` and `rlimits` are leaves.
pub struct ThreadGroup {
    /// Process id.
    pub tgid: i32,
    /// Parent's process id (0 for the sandbox's init; 1 once reparented).
    ppid: std::sync::atomic::AtomicI32,
    /// The parent process (`None` for the sandbox's init).
    parent: Mutex<Option<std::sync::Weak<ThreadGroup>>>,
    /// Child processes, live or zombie, until reaped by `wait4`.
    pub children: Mutex<Vec<Arc<ThreadGroup>>>,
    /// The signal the parent gets when this process ends (`SIGCHLD`, or clone's choice).
    pub exit_signal: u32,
    /// `PR_SET_PDEATHSIG`: the signal this process gets when its parent ends (0: none).
    pub pdeath_signal: std::sync::atomic::AtomicU32,
    /// The thread of the parent that created this process: its exit sends the
    /// parent-death signal, as Linux's "parent" is that thread (0 once it is gone).
    pub creator_tid: std::sync::atomic::AtomicI32,
    /// `membarrier` registrations (`MEMBARRIER_CMD_REGISTER_*` bits).
    pub membarrier_registered: std::sync::atomic::AtomicU64,
    /// `PR_SET_DUMPABLE`.
    pub dumpable: std::sync::atomic::AtomicBool,
    /// `PR_SET_NO_NEW_PRIVS` (never cleared).
    pub no_new_privs: std::sync::atomic::AtomicBool,
    /// Set by the first `execve`: the parent may no longer `setpgid` it (`EACCES`).
    pub did_exec: std::sync::atomic::AtomicBool,
    /// Process group id.
    pub pgid: std::sync::atomic::AtomicI32,
    /// Session id.
    pub sid: std::sync::atomic::AtomicI32,
    /// The controlling terminal (inherited by `fork`, dropped by `setsid`). A leaf
    /// lock.
    pub ctty: Mutex<Option<Arc<crate::tty::Terminal>>>,
    /// Tasks of this process blocked in `wait4`, woken when a child changes state.
    waiters: Mutex<Vec<Arc<Task>>>,
    /// Guest path of the executable (`/proc/self/exe`).
    pub exe: Mutex<Vec<u8>>,
    /// Signal actions, index `sig - 1`.
    pub actions: Mutex<[SigAction; 64]>,
    /// Resource limits, index `RLIMIT_*`.
    pub rlimits: Mutex<[Rlimit; 16]>,
    /// Process-directed pending signals.
    pub pending: Mutex<SigQueue>,
    /// Pollers of signalfds in this process, woken whenever a signal is queued to it
    /// or one of its threads.
    pub signal_waiters: Mutex<veil_vfs::WaitQueue>,
    /// Pollers of the process's pidfds, woken when it ends.
    pub exit_waiters: Mutex<veil_vfs::WaitQueue>,
    /// Set once the parent has reaped the process (or it was reaped at once).
    pub reaped: std::sync::atomic::AtomicBool,
    /// Group stop and the stops and continues to report to `wait`.
    pub job: Mutex<crate::job_control::JobControl>,
    /// Interval and POSIX timers.
    pub timers: Mutex<crate::timers::ProcessTimers>,
    /// CPU time of the threads that have ended (and the process's peak memory).
    ended_threads_times: Mutex<CpuTimes>,
    /// CPU time of the children reaped by `wait` and of their reaped descendants
    /// (`RUSAGE_CHILDREN`, `tms_cutime`).
    pub children_times: Mutex<CpuTimes>,
    state: Mutex<TgState>,
    /// Notified when the last task leaves.
    done: parking_lot::Condvar,
}

impl ThreadGroup {
    /// A new, empty process.
    pub fn new(tgid: i32, ppid: i32, exe: Vec<u8>, rlimits: [Rlimit; 16]) -> Arc<ThreadGroup> {
        Self::new_child(tgid, None, ppid, 0, exe, rlimits)
    }

    /// A new, empty process whose parent is `parent` (pid `ppid`), which gets
    /// `exit_signal` when it ends.
    pub fn new_child(
        tgid: i32,
        parent: Option<&Arc<ThreadGroup>>,
        ppid: i32,
        exit_signal: u32,
        exe: Vec<u8>,
        rlimits: [Rlimit; 16],
    ) -> Arc<ThreadGroup> {
        Arc::new(ThreadGroup {
            tgid,
            ppid: std::sync::atomic::AtomicI32::new(ppid),
            parent: Mutex::new(parent.map(Arc::downgrade)),
            children: Mutex::new(Vec::new()),
            exit_signal,
            pdeath_signal: std::sync::atomic::AtomicU32::new(0),
            creator_tid: std::sync::atomic::AtomicI32::new(0),
            // Registrations are inherited by fork, as Linux's.
            membarrier_registered: std::sync::atomic::AtomicU64::new(parent.map_or(0, |p| {
                p.membarrier_registered
                    .load(std::sync::atomic::Ordering::SeqCst)
            })),
            // PR_SET_DUMPABLE is inherited by fork (reset by execve).
            dumpable: std::sync::atomic::AtomicBool::new(
                parent.is_none_or(|p| p.dumpable.load(std::sync::atomic::Ordering::SeqCst)),
            ),
            did_exec: std::sync::atomic::AtomicBool::new(false),
            no_new_privs: std::sync::atomic::AtomicBool::new(
                parent.is_some_and(|p| p.no_new_privs.load(std::sync::atomic::Ordering::SeqCst)),
            ),
            pgid: std::sync::atomic::AtomicI32::new(
                parent.map_or(tgid, |p| p.pgid.load(std::sync::atomic::Ordering::SeqCst)),
            ),
            sid: std::sync::atomic::AtomicI32::new(
                parent.map_or(tgid, |p| p.sid.load(std::sync::atomic::Ordering::SeqCst)),
            ),
            ctty: Mutex::new(parent.and_then(|p| p.ctty.lock().clone())),
            waiters: Mutex::new(Vec::new()),
            exe: Mutex::new(exe),
            actions: Mutex::new([SigAction::default(); 64]),
            rlimits: Mutex::new(rlimits),
            pending: Mutex::new(SigQueue::default()),
            signal_waiters: Mutex::new(veil_vfs::WaitQueue::default()),
            exit_waiters: Mutex::new(veil_vfs::WaitQueue::default()),
            reaped: std::sync::atomic::AtomicBool::new(false),
            job: Mutex::new(crate::job_control::JobControl::default()),
            timers: Mutex::new(crate::timers::ProcessTimers::default()),
            ended_threads_times: Mutex::new(CpuTimes::default()),
            children_times: Mutex::new(CpuTimes::default()),
            state: Mutex::new(TgState {
                tasks: Vec::new(),
                exit: None,
            }),
            done: parking_lot::Condvar::new(),
        })
    }

    /// Adds a task; fails (returns false) if the group is already exiting.
    pub fn add_task(&self, task: Arc<Task>) -> bool {
        let mut st = self.state.lock();
        if st.exit.is_some() {
            return false;
        }
        st.tasks.push(task);
        true
    }

    /// Removes a task that has finished. If it was the last, the group ends with
    /// `status_if_last` unless an exit status was already set: it becomes a zombie,
    /// its parent is signalled and woken, and its children go to the sandbox's init.
    pub fn remove_task(&self, tid: i32, status_if_last: ExitStatus) {
        let ended = {
            let mut st = self.state.lock();
            if let Some(task) = st.tasks.iter().find(|t| t.tid == tid) {
                let mut times = task.clock.sample();
                times.max_rss = task.mm().mapped_bytes();
                *self.ended_threads_times.lock() += times;
            }
            st.tasks.retain(|t| t.tid != tid);
            if st.tasks.is_empty() {
                crate::syscalls::release_all_process_locks(self.tgid);
                // The process's timers end with it.
                *self.timers.lock() = crate::timers::ProcessTimers::default();
                st.exit.get_or_insert(status_if_last);
                self.done.notify_all();
                true
            } else {
                false
            }
        };
        if ended {
            self.exit_waiters.lock().wake_all();
            self.notify_parent_and_reparent();
        } else if crate::job_control::stop_pending(self) {
            // The task that left may have been the last one a group stop waited for.
            crate::job_control::check_complete(self);
        }
    }

    /// The CPU time of the process: its ended threads and its live ones
    /// (`RUSAGE_SELF`). `max_rss` is the peak of what the process mapped.
    pub fn self_times(&self) -> CpuTimes {
        let tasks = self.tasks();
        let mut times = *self.ended_threads_times.lock();
        for t in &tasks {
            times += t.clock.sample();
        }
        if let Some(t) = tasks.first() {
            times.max_rss = times.max_rss.max(t.mm().mapped_bytes());
        }
        let mut ended = self.ended_threads_times.lock();
        ended.max_rss = ended.max_rss.max(times.max_rss);
        times
    }

    /// The CPU time `wait4` reports for this (ended) process: its own and its reaped
    /// descendants'.
    pub fn total_times(&self) -> CpuTimes {
        let mut t = self.self_times();
        t += *self.children_times.lock();
        t
    }

    /// Adds the times of `child`, just reaped, to this process's children's times, and
    /// marks it reaped.
    pub fn account_reaped(&self, child: &ThreadGroup) {
        child
            .reaped
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let t = child.total_times();
        *self.children_times.lock() += t;
    }

    /// A thread of this process that is not its last is ending: the children it
    /// created get their parent-death signal (the rest at the process's end).
    pub fn thread_leaving(&self, tid: i32) {
        use std::sync::atomic::Ordering;
        for child in self.children.lock().iter() {
            if child.creator_tid.load(Ordering::SeqCst) != tid {
                continue;
            }
            child.creator_tid.store(0, Ordering::SeqCst);
            let sig = child.pdeath_signal.load(Ordering::SeqCst);
            if sig != 0 && child.exit_status().is_none() {
                child.send_signal(SigInfo::user(sig, 0, self.tgid));
            }
        }
    }

    /// The parent process's pid.
    pub fn ppid(&self) -> i32 {
        self.ppid.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The parent process, if alive.
    pub fn parent(&self) -> Option<Arc<ThreadGroup>> {
        self.parent
            .lock()
            .as_ref()
            .and_then(std::sync::Weak::upgrade)
    }

    /// How the process ended, if it has (a zombie until reaped).
    pub fn exit_status(&self) -> Option<ExitStatus> {
        let st = self.state.lock();
        if st.tasks.is_empty() {
            st.exit
        } else {
            None
        }
    }

    /// Registers `task` as waiting for a child of this process to change state.
    pub fn add_waiter(&self, task: &Arc<Task>) {
        self.waiters.lock().push(task.clone());
    }

    /// Forgets `task` as a waiter.
    pub fn remove_waiter(&self, task: &Arc<Task>) {
        self.waiters.lock().retain(|t| !Arc::ptr_eq(t, task));
    }

    /// Wakes every task waiting for a child.
    pub(crate) fn wake_waiters(&self) {
        for t in self.waiters.lock().iter() {
            t.wake();
        }
    }

    /// At the end of the process: the parent gets its exit signal and its waiters are
    /// woken; this process's children are handed to the sandbox's init (pid 1).
    fn notify_parent_and_reparent(&self) {
        if let Some(parent) = self.parent() {
            // An exit signal that is no signal (legacy clone takes any CSIGNAL byte) is
            // not sent, as Linux's valid_signal check.
            if self.exit_signal != 0 && self.exit_signal <= veil_abi::flags::signal::SIGRTMAX {
                let (code, status) = match self.exit_status() {
                    Some(ExitStatus::Signaled(sig)) => (CLD_KILLED, sig),
                    Some(ExitStatus::Dumped(sig)) => (CLD_DUMPED, sig),
                    Some(ExitStatus::Exited(code)) => (CLD_EXITED, code & 0xff),
                    None => (CLD_EXITED, 0),
                };
                let mut info = SigInfo::user(self.exit_signal, code, self.tgid);
                info.value = status as u64;
                parent.send_signal(info);
            }
            // A parent that ignores SIGCHLD or set SA_NOCLDWAIT leaves no zombie to
            // reap: the child goes at once (its waiters then find no child: ECHILD).
            if self.exit_signal == veil_abi::flags::signal::SIGCHLD {
                let action = parent.actions.lock()[veil_abi::flags::signal::SIGCHLD as usize - 1];
                if action.handler == veil_abi::flags::signal::SIG_IGN
                    || action.flags & veil_abi::flags::signal::SA_NOCLDWAIT != 0
                {
                    parent.children.lock().retain(|c| c.tgid != self.tgid);
                    self.reaped.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }
            parent.wake_waiters();
        }
        let orphans = std::mem::take(&mut *self.children.lock());
        if orphans.is_empty() {
            return;
        }
        // Called on the thread of the task that ended the process.
        let init = crate::task::current().and_then(|t| t.kernel.thread_group(1));
        for child in orphans {
            let pdeath = child
                .pdeath_signal
                .load(std::sync::atomic::Ordering::SeqCst);
            if pdeath != 0 && child.exit_status().is_none() {
                child.send_signal(SigInfo::user(pdeath, 0, self.tgid));
            }
            child.ppid.store(1, std::sync::atomic::Ordering::SeqCst);
            if let Some(init) = &init {
                *child.parent.lock() = Some(Arc::downgrade(init));
                let zombie = child.exit_status().is_some();
                init.children.lock().push(child);
                if zombie {
                    init.wake_waiters();
                }
            }
        }
    }

    /// Starts exiting the whole group with `status` (first caller wins) and interrupts
    /// every task so that each leaves its run loop.
    pub fn begin_exit(&self, status: ExitStatus) {
        let tasks = {
            let mut st = self.state.lock();
            st.exit.get_or_insert(status);
            st.tasks.clone()
        };
        for t in tasks {
            t.interrupt();
        }
    }

    /// Whether the group is exiting.
    pub fn exiting(&self) -> bool {
        self.state.lock().exit.is_some()
    }

    /// The task with thread id `tid`, if alive.
    pub fn task(&self, tid: i32) -> Option<Arc<Task>> {
        self.state
            .lock()
            .tasks
            .iter()
            .find(|t| t.tid == tid)
            .cloned()
    }

    /// All live tasks.
    pub fn tasks(&self) -> Vec<Arc<Task>> {
        self.state.lock().tasks.clone()
    }

    /// Waits until every task has left, and returns how the group ended.
    pub fn wait_done(&self) -> ExitStatus {
        let mut st = self.state.lock();
        while !st.tasks.is_empty() || st.exit.is_none() {
            self.done.wait(&mut st);
        }
        st.exit.unwrap_or(ExitStatus::Exited(0))
    }

    /// Queues process-directed signal `info` and interrupts a task that does not
    /// block it (if none, it stays pending until one unblocks it).
    /// A signal every task leaves unblocked and the group ignores is discarded
    /// ([`crate::signal::is_ignored`]). Returns whether `info` was queued (not
    /// discarded, nor merged into a pending instance).
    pub fn send_signal(&self, info: SigInfo) -> bool {
        crate::job_control::on_send(self, info.signo);
        let bit = veil_abi::flags::signal::bit(info.signo);
        let tasks = self.tasks();
        let blocked = tasks.iter().fold(0, |m, t| m | t.mask_for_ignore());
        if crate::signal::is_ignored(&self.actions.lock()[..], info.signo, blocked) {
            return false;
        }
        let queued = self.pending.lock().push(info);
        self.signal_waiters.lock().wake_all();
        if let Some(t) = tasks
            .iter()
            .find(|t| t.mask() & bit == 0 || info.signo == veil_abi::flags::signal::SIGKILL)
        {
            t.interrupt();
        }
        queued
    }
}
