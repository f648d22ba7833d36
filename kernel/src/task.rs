//! A task: one guest thread, run by one sentry host thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Condvar, Mutex};
use veil_platform::Interrupter;

use crate::cputime::TaskClock;
use crate::creds::Credentials;
use crate::fd_table::FdTable;
use crate::fs_context::FsContext;
use crate::kernel::Kernel;
use crate::mm::MemoryManager;
use crate::signal::SigQueue;
use crate::thread_group::ThreadGroup;

/// How a blocking wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockResult {
    /// Another task woke it (futex wake).
    Woken,
    /// The deadline passed.
    TimedOut,
    /// It was interrupted: a signal to handle, or the thread group is exiting.
    Interrupted,
}

#[derive(Default)]
struct BlockState {
    woken: bool,
    /// Set by [`Task::interrupt`]; cleared by the run loop once it has looked at
    /// pending signals and exit requests.
    attention: bool,
}

/// A guest thread. Shared (`Arc`) so that other tasks can wake, interrupt or signal
/// it; the registers and platform context are owned by its run loop, not stored here.
pub struct Task {
    /// Thread id (in the sandbox's pid namespace).
    pub tid: i32,
    /// The thread group (process).
    pub tg: Arc<ThreadGroup>,
    /// The kernel.
    pub kernel: Arc<Kernel>,
    /// The address space (shared with `CLONE_VM`); replaced by `execve`.
    mm: parking_lot::RwLock<Arc<MemoryManager>>,
    /// The descriptor table (shared with `CLONE_FILES`).
    pub files: Arc<FdTable>,
    /// Working directory and umask (shared with `CLONE_FS`).
    pub fs: Arc<FsContext>,
    /// Blocked signals (bit `n-1` for signal `n`).
    pub signal_mask: AtomicU64,
    /// Thread-directed pending signals.
    pub pending: Mutex<SigQueue>,
    /// The mask to go back to after a temporary one (`ppoll`, `pselect6`,
    /// `epoll_pwait`, `rt_sigsuspend`): kept while the interrupting signal's handler
    /// is set up, saved in its frame, restored at once if no handler runs (Linux's
    /// `saved_sigmask` with `TIF_RESTORE_SIGMASK`).
    pub saved_mask: Mutex<Option<u64>>,
    /// The signals `rt_sigtimedwait` waits for, which it unblocks while it waits
    /// (Linux's `real_blocked`): sent then, they are not discarded as ignored.
    pub sigwait_set: AtomicU64,
    /// `set_tid_address`/`CLONE_CHILD_CLEARTID`: zeroed and woken at exit.
    pub clear_child_tid: AtomicU64,
    /// `set_robust_list` head and length.
    pub robust_list: Mutex<(u64, u64)>,
    /// Alternate signal stack (`sigaltstack`): (sp, flags, size).
    pub alt_stack: Mutex<(u64, i32, u64)>,
    /// For a `vfork` child: the parent task blocked until this task execs or exits.
    pub vfork_parent: Mutex<Option<Arc<Task>>>,
    /// Set on a `vfork` parent when its child released it.
    pub vfork_released: std::sync::atomic::AtomicBool,
    /// Set when another thread's `execve` ends this thread (without ending the group).
    pub must_exit: std::sync::atomic::AtomicBool,
    /// The thread's name (`comm`, `PR_SET_NAME`), at most 15 bytes.
    pub comm: Mutex<Vec<u8>>,
    /// User and group ids and capabilities (per thread, as in Linux; glibc keeps a
    /// process's threads in step).
    creds: Mutex<Arc<Credentials>>,
    /// Seccomp mode and filters (inherited by the threads and processes it makes,
    /// kept across `execve`).
    pub seccomp: Mutex<crate::seccomp::Mode>,
    /// Scheduling settings: nice value, policy, personality (inherited by children).
    pub sched: Mutex<crate::sched::SchedSettings>,
    /// This task's place in the sandbox's pids limit (given back when it is dropped).
    pub charge: Mutex<Option<crate::kernel::TaskCharge>>,
    /// CPU time: the run loop and [`Task::block`] mark the changes of state.
    pub clock: TaskClock,
    /// Set while the task is blocked in [`Task::block`] (a group stop counts it as
    /// stopped: it runs no guest code).
    waiting: std::sync::atomic::AtomicBool,
    block: Mutex<BlockState>,
    block_cv: Condvar,
    interrupter: Mutex<Option<Arc<dyn Interrupter>>>,
}

impl Task {
    /// A new task; not yet running.
    pub fn new(
        tid: i32,
        tg: Arc<ThreadGroup>,
        kernel: Arc<Kernel>,
        mm: Arc<MemoryManager>,
        files: Arc<FdTable>,
        fs: Arc<FsContext>,
        signal_mask: u64,
    ) -> Arc<Task> {
        Arc::new(Task {
            tid,
            tg,
            kernel,
            mm: parking_lot::RwLock::new(mm),
            files,
            fs,
            signal_mask: AtomicU64::new(signal_mask),
            pending: Mutex::new(SigQueue::default()),
            saved_mask: Mutex::new(None),
            sigwait_set: AtomicU64::new(0),
            clear_child_tid: AtomicU64::new(0),
            robust_list: Mutex::new((0, 0)),
            alt_stack: Mutex::new((0, 2, 0)),
            vfork_parent: Mutex::new(None),
            vfork_released: std::sync::atomic::AtomicBool::new(false),
            must_exit: std::sync::atomic::AtomicBool::new(false),
            comm: Mutex::new(Vec::new()),
            creds: Mutex::new(Arc::new(Credentials::initial(
                nix::unistd::geteuid().as_raw(),
                nix::unistd::getegid().as_raw(),
            ))),
            seccomp: Mutex::new(crate::seccomp::Mode::Disabled),
            sched: Mutex::new(crate::sched::SchedSettings::default()),
            charge: Mutex::new(None),
            clock: TaskClock::default(),
            waiting: std::sync::atomic::AtomicBool::new(false),
            block: Mutex::new(BlockState::default()),
            block_cv: Condvar::new(),
            interrupter: Mutex::new(None),
        })
    }

    /// The task's address space.
    pub fn mm(&self) -> Arc<MemoryManager> {
        self.mm.read().clone()
    }

    /// Replaces the address space (`execve`); returns the old one.
    pub fn replace_mm(&self, mm: Arc<MemoryManager>) -> Arc<MemoryManager> {
        std::mem::replace(&mut *self.mm.write(), mm)
    }

    /// Records the platform interrupter of the context now running this task.
    pub fn set_interrupter(&self, i: Arc<dyn Interrupter>) {
        *self.interrupter.lock() = Some(i);
    }

    /// Demands the task's attention: wakes it from a blocking wait with
    /// [`BlockResult::Interrupted`] and stops its guest code, so that its run loop
    /// looks at pending signals and exit requests.
    pub fn interrupt(&self) {
        self.block.lock().attention = true;
        self.block_cv.notify_all();
        if let Some(i) = self.interrupter.lock().as_ref() {
            i.interrupt();
        }
    }

    /// Clears the attention flag; the run loop calls it before it checks what needs
    /// attention, so an interrupt that arrives afterwards is not lost.
    pub fn clear_attention(&self) {
        self.block.lock().attention = false;
    }

    /// Starts a wait that [`Task::wake`] may end; call before publishing the task to
    /// a wait queue.
    pub fn prepare_block(&self) {
        self.block.lock().woken = false;
    }

    /// Ends a wait started with [`Task::prepare_block`].
    pub fn wake(&self) {
        self.block.lock().woken = true;
        self.block_cv.notify_all();
    }

    /// Blocks until woken, interrupted or `deadline`. The time blocked counts as
    /// neither user nor system time.
    ///
    /// Precondition: called by the task's own sentry thread.
    pub fn block(&self, deadline: Option<Instant>) -> BlockResult {
        self.clock.enter_blocked();
        self.waiting.store(true, Ordering::SeqCst);
        // A group stop waiting for this task to stop is complete once it waits.
        if crate::job_control::stop_pending(&self.tg) {
            crate::job_control::check_complete(&self.tg);
        }
        let result = self.block_inner(deadline);
        self.waiting.store(false, Ordering::SeqCst);
        self.clock.enter_sys();
        result
    }

    /// Whether the task is blocked in [`Task::block`].
    pub fn is_waiting(&self) -> bool {
        self.waiting.load(Ordering::SeqCst)
    }

    fn block_inner(&self, deadline: Option<Instant>) -> BlockResult {
        let mut st = self.block.lock();
        loop {
            if st.woken {
                return BlockResult::Woken;
            }
            if st.attention {
                return BlockResult::Interrupted;
            }
            match deadline {
                Some(d) => {
                    if self.block_cv.wait_until(&mut st, d).timed_out()
                        && !st.woken
                        && !st.attention
                    {
                        return BlockResult::TimedOut;
                    }
                }
                None => self.block_cv.wait(&mut st),
            }
        }
    }

    /// Blocks until the task is interrupted (a signal to deliver, or an exit); wake-ups
    /// (`Task::wake`) do not end it. `pause`, `rt_sigsuspend`, and waits that can only
    /// end by a signal use it.
    pub fn block_until_interrupted(&self) {
        self.prepare_block();
        while self.block(None) != BlockResult::Interrupted {
            self.prepare_block();
        }
    }

    /// Sleeps until `deadline` unless interrupted first.
    pub fn sleep_until(&self, deadline: Instant) -> BlockResult {
        self.prepare_block();
        self.block(Some(deadline))
    }

    /// Lets the `vfork` parent go on (this task exec'd or is exiting).
    pub fn release_vfork_parent(&self) {
        if let Some(parent) = self.vfork_parent.lock().take() {
            parent.vfork_released.store(true, Ordering::SeqCst);
            parent.wake();
        }
    }

    /// The task's credentials (a snapshot).
    pub fn creds(&self) -> Arc<Credentials> {
        self.creds.lock().clone()
    }

    /// Replaces the task's credentials.
    pub fn set_creds(&self, creds: Arc<Credentials>) {
        *self.creds.lock() = creds;
    }

    /// The blocked-signal mask.
    pub fn mask(&self) -> u64 {
        self.signal_mask.load(Ordering::SeqCst)
    }

    /// The signals that count as blocked when deciding whether a signal sent now is
    /// ignored: the mask and the set `rt_sigtimedwait` is waiting for.
    pub fn mask_for_ignore(&self) -> u64 {
        self.mask() | self.sigwait_set.load(Ordering::SeqCst)
    }

    /// Replaces the blocked-signal mask (`SIGKILL` and `SIGSTOP` stay unblocked) and
    /// returns the old one. If the new mask unblocks a pending signal, the task's
    /// attention flag is raised so that a wait it starts next ends at once and the run
    /// loop delivers the signal.
    ///
    /// Precondition: called by the task's own sentry thread (its guest is stopped, so
    /// no platform interrupt is needed).
    pub fn set_mask(&self, mask: u64) -> u64 {
        let mask = mask & !veil_abi::flags::signal::UNBLOCKABLE;
        let old = self.signal_mask.swap(mask, Ordering::SeqCst);
        let pending = self.pending.lock().bits() | self.tg.pending.lock().bits();
        if pending & !mask != 0 {
            self.block.lock().attention = true;
        }
        old
    }
}

thread_local! {
    static CURRENT: std::cell::RefCell<Option<Arc<Task>>> = const { std::cell::RefCell::new(None) };
}

/// Makes `task` the task of the calling host thread (its run loop does this once).
pub fn set_current(task: &Arc<Task>) {
    CURRENT.with(|c| *c.borrow_mut() = Some(task.clone()));
}

/// Forgets the calling thread's task (its run loop ended).
pub fn clear_current() {
    CURRENT.with(|c| c.borrow_mut().take());
}

/// The task the calling host thread runs, if it is a task thread. File systems whose
/// answers depend on the caller (`/proc/self`) use it.
pub fn current() -> Option<Arc<Task>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// The `comm` of a program started as `path`: its last component, at most 15 bytes.
pub fn comm_of(path: &[u8]) -> Vec<u8> {
    let base = path.rsplit(|&c| c == b'/').next().unwrap_or(path);
    base[..base.len().min(15)].to_vec()
}

impl veil_vfs::PollWaker for Task {
    fn wake(&self) {
        Task::wake(self);
    }
}
