//! The kernel: what all tasks of a sandbox share, and the start of its first process.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use veil_abi::structs::Rlimit;
use veil_abi::Errno;
use veil_memmap::MemoryFile;
use veil_platform::Platform;

use crate::futex::FutexTable;
use crate::thread_group::ThreadGroup;

/// The kernel release `uname` reports: Veil's own, never the host's.
pub const KERNEL_RELEASE: &str = "6.6.0-veil";
/// The kernel version string `uname` reports.
pub const KERNEL_VERSION: &str = "#1 SMP PREEMPT_DYNAMIC Veil";

/// Settings of a sandbox.
#[derive(Clone, Debug, Default)]
pub struct KernelConfig {
    /// Print every guest system call on stderr, as strace does.
    pub strace: bool,
    /// The host name the guest sees.
    pub hostname: String,
    /// The NIS domain name the guest sees (`uname`); empty for `(none)`.
    pub domainname: String,
    /// Most tasks (threads) alive at once in the sandbox, as a pids cgroup's
    /// `pids.max`: a `fork` or `clone` beyond it fails with `EAGAIN`. 0: no limit.
    pub pids_limit: usize,
    /// The most memory (guest pages and in-memory files, in bytes) the sandbox may use,
    /// as a memory cgroup's `memory.max` (resident memory; mappings themselves are not
    /// limited): past it, the process whose page fault needs more is killed
    /// (`SIGKILL`, as by Linux's OOM killer). `None`: no limit but the memory file's.
    pub memory_limit: Option<u64>,
    /// Signals the sentry was started with ignored (`SIG_IGN` is kept across
    /// `execve`): the first guest process starts with them ignored too, as a program
    /// run by `nohup` or in a shell's background does. A bit per signal, `1 << (N-1)`.
    pub inherited_ignored: u64,
    /// The signal mask the sentry was started with, the first guest thread's mask.
    pub inherited_mask: u64,
    /// The file system tree: the host's `/` for `veil do`, a bundle's rootfs and
    /// mounts for a container.
    pub rootfs: crate::vfs_setup::RootfsConfig,
    /// Which network internet sockets are on.
    pub network: crate::net::NetworkMode,
}

/// Virtual size of a sandbox's memory file: the most guest memory it can use.
pub const MEMORY_FILE_SIZE: u64 = 64 << 30;

/// The default of [`KernelConfig::pids_limit`].
pub const DEFAULT_PIDS_LIMIT: usize = 4096;

/// One task counted against the sandbox's pids limit; the count drops with it.
pub struct TaskCharge {
    live: Arc<AtomicUsize>,
}

impl Drop for TaskCharge {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The program could not be executed (`ENOENT`, `EACCES`, `ENOEXEC`…).
    #[error("{path}: {reason}")]
    Exec {
        /// The program.
        path: String,
        /// What was wrong.
        reason: String,
        /// The errno `execve` would return.
        errno: Errno,
    },
    /// The sentry could not set something up.
    #[error("{0}")]
    Setup(String),
}

/// State shared by every task of a sandbox.
pub struct Kernel {
    /// How guest code runs.
    pub platform: Arc<dyn Platform>,
    /// The memory file backing all guest memory.
    pub memory: Arc<MemoryFile>,
    /// Futex wait queues.
    pub futexes: FutexTable,
    /// Settings.
    pub config: KernelConfig,
    /// When the sandbox started (uptime, `CLOCK_BOOTTIME` origin for the guest).
    pub boot: Instant,
    next_tid: AtomicI32,
    warned: Mutex<HashSet<u64>>,
    /// The mount namespace of the sandbox, once the VFS is set up.
    pub mounts: std::sync::OnceLock<Arc<veil_vfs::walk::MountNamespace>>,
    /// Every live process, by tgid (`/proc`).
    thread_groups: Mutex<std::collections::BTreeMap<i32, std::sync::Weak<ThreadGroup>>>,
    /// Serialises strace lines.
    pub strace_lock: Mutex<()>,
    /// Fires interval and POSIX timers.
    pub timers: Arc<crate::timers::TimerService>,
    /// Tasks counted against `config.pids_limit`.
    live_tasks: Arc<AtomicUsize>,
    /// The internal file system of memfds (`memfd_create`), made on first use.
    pub memfd_fs: std::sync::OnceLock<Arc<veil_vfs::walk::MountNamespace>>,
    /// The seals of the live memfds.
    pub memfd_seals: crate::memfd::MemfdSeals,
    /// Which inotify instances watch which inodes.
    pub inotify: crate::inotify::InotifyRegistry,
    /// The sandbox's pseudo-terminals.
    pub ptys: crate::tty::pty::PtyTable,
    /// The console, when the sentry's stdio is a host terminal (set before
    /// [`Kernel::start`], which gives it to the first process).
    pub console: std::sync::OnceLock<Arc<crate::tty::console::HostConsole>>,
    /// The sandbox's network (internet sockets and their ports).
    pub net: Arc<crate::net::Netstack>,
}

impl Kernel {
    /// Creates a kernel over `platform` and `memory`.
    pub fn new(
        platform: Arc<dyn Platform>,
        memory: Arc<MemoryFile>,
        config: KernelConfig,
    ) -> Result<Arc<Kernel>, StartError> {
        crate::sched::record_sandbox_cpus();
        // Socket buffers may hold a quarter of a memory limit, if there is one.
        let net_budget = config
            .memory_limit
            .map_or(crate::net::budget::DEFAULT_LIMIT, |m| {
                (m / 4).clamp(16 << 20, crate::net::budget::DEFAULT_LIMIT as u64) as usize
            });
        let kernel = Arc::new(Kernel {
            platform,
            memory,
            futexes: FutexTable::default(),
            config,
            boot: Instant::now(),
            next_tid: AtomicI32::new(1),
            warned: Mutex::new(HashSet::new()),
            thread_groups: Mutex::new(std::collections::BTreeMap::new()),
            mounts: std::sync::OnceLock::new(),
            strace_lock: Mutex::new(()),
            timers: Arc::default(),
            live_tasks: Arc::default(),
            ptys: crate::tty::pty::PtyTable::default(),
            inotify: crate::inotify::InotifyRegistry::default(),
            memfd_fs: std::sync::OnceLock::new(),
            memfd_seals: crate::memfd::MemfdSeals::default(),
            console: std::sync::OnceLock::new(),
            net: Arc::new(crate::net::Netstack::new(net_budget)),
        });
        let ns = crate::vfs_setup::build(
            &kernel.memory,
            Arc::downgrade(&kernel),
            &kernel.config.rootfs,
        )
        .map_err(StartError::Setup)?;
        let _ = kernel.mounts.set(ns);
        Ok(kernel)
    }

    /// The mount namespace. Set up by [`Kernel::new`], so always present.
    pub fn namespace(&self) -> &Arc<veil_vfs::walk::MountNamespace> {
        self.mounts.get().expect("Kernel::new sets up the VFS")
    }

    /// The mounts of the sandbox (`/proc/mounts`), empty before the VFS is set up.
    pub fn mount_infos(&self) -> Vec<veil_vfs::walk::MountInfo> {
        self.mounts.get().map(|ns| ns.mounts()).unwrap_or_default()
    }

    /// Every live process, in pid order.
    pub fn thread_groups(&self) -> Vec<Arc<ThreadGroup>> {
        let mut map = self.thread_groups.lock();
        map.retain(|_, w| w.strong_count() > 0);
        map.values().filter_map(std::sync::Weak::upgrade).collect()
    }

    /// The live process `tgid`.
    pub fn thread_group(&self, tgid: i32) -> Option<Arc<ThreadGroup>> {
        self.thread_groups
            .lock()
            .get(&tgid)
            .and_then(std::sync::Weak::upgrade)
    }

    /// The live thread `tid`, of any process.
    pub fn find_task(&self, tid: i32) -> Option<Arc<crate::task::Task>> {
        self.thread_groups().iter().find_map(|tg| tg.task(tid))
    }

    /// Registers a new process.
    pub fn register_thread_group(&self, tg: &Arc<ThreadGroup>) {
        self.thread_groups
            .lock()
            .insert(tg.tgid, Arc::downgrade(tg));
    }

    /// Counts one more task against the pids limit, or fails with `EAGAIN` when the
    /// sandbox is at it. The task keeps the charge (`Task::charge`) until it ends.
    pub fn charge_task(&self) -> Result<TaskCharge, Errno> {
        let limit = self.config.pids_limit;
        let counted = self
            .live_tasks
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (limit == 0 || n < limit).then_some(n + 1)
            });
        match counted {
            Ok(_) => Ok(TaskCharge {
                live: self.live_tasks.clone(),
            }),
            Err(_) => Err(Errno::EAGAIN),
        }
    }

    /// Whether the sandbox uses more memory than `config.memory_limit` allows.
    pub fn over_memory_limit(&self) -> bool {
        self.config
            .memory_limit
            .is_some_and(|limit| self.memory.resident_bytes() > limit)
    }

    /// Tasks alive now, as counted against the pids limit.
    pub fn live_tasks(&self) -> usize {
        self.live_tasks.load(Ordering::SeqCst)
    }

    /// Allocates a thread id.
    pub fn alloc_tid(&self) -> i32 {
        self.next_tid.fetch_add(1, Ordering::Relaxed)
    }

    /// Logs one warning per unimplemented syscall number.
    pub fn warn_unimplemented(&self, nr: u64) {
        if self.warned.lock().insert(nr) {
            let name = veil_abi::sysno::name(nr).unwrap_or("unknown");
            tracing::warn!("unimplemented system call {nr} ({name}): ENOSYS");
        }
    }
}

/// The sentry's own resource limits, inherited by the first guest process.
pub(crate) fn host_rlimits() -> [Rlimit; 16] {
    let mut out = [Rlimit::default(); 16];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = host_rlimit(i);
    }
    out
}

fn host_rlimit(index: usize) -> Rlimit {
    use nix::sys::resource::{getrlimit, Resource::*};
    let resource = match index {
        0 => RLIMIT_CPU,
        1 => RLIMIT_FSIZE,
        2 => RLIMIT_DATA,
        3 => RLIMIT_STACK,
        4 => RLIMIT_CORE,
        5 => RLIMIT_RSS,
        6 => RLIMIT_NPROC,
        7 => RLIMIT_NOFILE,
        8 => RLIMIT_MEMLOCK,
        9 => RLIMIT_AS,
        10 => RLIMIT_LOCKS,
        11 => RLIMIT_SIGPENDING,
        12 => RLIMIT_MSGQUEUE,
        13 => RLIMIT_NICE,
        14 => RLIMIT_RTPRIO,
        _ => RLIMIT_RTTIME,
    };
    getrlimit(resource).map_or(
        Rlimit {
            cur: u64::MAX,
            max: u64::MAX,
        },
        |(cur, max)| Rlimit { cur, max },
    )
}
