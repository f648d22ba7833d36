//! System calls: the dispatcher, the table, and one file per family.
//!
//! Every handler has the same shape: `fn(&mut SyscallCtx, [u64; 6]) -> SysResult`.
//! It decodes its arguments first, checks flag masks before any side effect, and
//! touches guest memory only through the memory manager (a bad pointer is `EFAULT`).

mod attr;
mod creds;
mod epoll;
mod fd;
mod file;
mod identity;
mod inet;
mod inotify;
mod memfd;
mod misc;
mod mlock;
mod mmap;
mod namei;
mod netlink;
mod path;
mod pidfd;
mod poll;
mod process;
mod process_vm;
mod read_write;
mod record_lock;
mod rusage;
mod sched;
mod seccomp;
mod signal;
mod signalfd;
mod sigqueue;
mod socket;
mod socket_names;
mod sync;
mod table;
mod thread;
mod time;
mod timer;
mod timerfd;
mod transfer;
mod wait;
mod xattr;

use std::sync::Arc;

use veil_abi::Errno;
use veil_platform::{AddressSpace, Context, Registers};

pub(crate) use record_lock::{release_all_process_locks, release_process_locks};
pub use table::{entries, Support};

use crate::task::Task;

/// What a handler returns: the value for `rax`, or an error (returned negated).
pub type SysResult = Result<u64, Errno>;

/// A request to leave the run loop, made by `exit` or `exit_group`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// This thread ends with the code (`exit`).
    Thread(i32),
    /// The whole process ends with the code (`exit_group`).
    Group(i32),
}

/// Everything a handler may need.
pub struct SyscallCtx<'a> {
    /// The calling task.
    pub task: &'a Arc<Task>,
    /// The guest's registers (handlers like `clone` or `arch_prctl` read or change them).
    pub regs: &'a mut Registers,
    /// The platform context running the task.
    pub ctx: &'a mut dyn Context,
    /// The task's address space.
    pub aspace: &'a Arc<dyn AddressSpace>,
    /// Set by `exit`/`exit_group`.
    pub exit: Option<Exit>,
    /// `openat2`'s `RESOLVE_*` flags for the walks of the call in progress (0 for
    /// every other call); `path::with_walk` applies them.
    pub resolve: u64,
}

/// Handles the system call stopped in `regs` and stores its result there.
/// Returns an exit request if the call was `exit` or `exit_group`.
pub fn dispatch(
    task: &Arc<Task>,
    regs: &mut Registers,
    ctx: &mut dyn Context,
    aspace: &Arc<dyn AddressSpace>,
) -> Option<Exit> {
    let nr = regs.syscall_nr();
    let args = regs.syscall_args();
    // A successful execve replaces the memory its arguments point into: strace reads
    // them from the memory the call was made with.
    let strace_mm = (task.kernel.config.strace
        && matches!(
            nr,
            veil_abi::sysno::SYS_EXECVE | veil_abi::sysno::SYS_EXECVEAT
        ))
    .then(|| task.mm());
    let mut sc = SyscallCtx {
        task,
        regs,
        ctx,
        aspace,
        exit: None,
        resolve: 0,
    };
    // The thread's seccomp filters look at the call first.
    let verdict = {
        let mode = task.seccomp.lock();
        match *mode {
            crate::seccomp::Mode::Disabled => crate::seccomp::Verdict::Allow,
            ref m => crate::seccomp::decide(m, nr, &args, sc.regs.ip()),
        }
    };
    let result = match (verdict, table::lookup(nr)) {
        (crate::seccomp::Verdict::Allow, Some(handler)) => handler(&mut sc, args),
        (crate::seccomp::Verdict::Allow, None) => {
            if !table::is_deliberate_enosys(nr) {
                task.kernel.warn_unimplemented(nr);
            }
            Err(Errno::ENOSYS)
        }
        (v, _) => seccomp::carry_out(task, v, nr, sc.regs.ip()),
    };
    let raw = match result {
        Ok(v) => v,
        Err(e) => e.as_ret(),
    };
    let exit = sc.exit;
    if task.kernel.config.strace {
        let mm = strace_mm.unwrap_or_else(|| task.mm());
        trace(task, &mm, nr, &args, raw, exit.is_some());
    }
    regs.set_return(raw);
    exit
}

/// Prints one strace line for a completed call, `[pid N] `-prefixed when the process
/// has several threads (as `strace -f` does), keeping strace's result column.
/// The call's arguments are read from `mm`, the memory the call was made with.
fn trace(
    task: &Arc<Task>,
    mm: &crate::mm::MemoryManager,
    nr: u64,
    args: &[u64; 6],
    raw: u64,
    exited: bool,
) {
    struct Reader<'a>(&'a crate::mm::MemoryManager);
    impl veil_strace::GuestReader for Reader<'_> {
        fn read_bytes(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
            let mut buf = vec![0u8; len];
            self.0.copy_in(addr, &mut buf).ok().map(|()| buf)
        }
    }
    let prefix = if task.tg.tasks().len() > 1 || task.tid != task.tg.tgid {
        format!("[pid {:>5}] ", task.tid)
    } else {
        String::new()
    };
    let defaults = veil_strace::Options::default();
    let opts = veil_strace::Options {
        align_column: defaults.align_column.saturating_sub(prefix.len()),
        ..defaults
    };
    let mut line = veil_strace::format_call_with(nr, args, raw, &Reader(mm), &opts);
    if exited {
        // exit and exit_group do not return: strace prints "= ?".
        if let Some(eq) = line.rfind("= ") {
            line.truncate(eq);
        }
        line.push_str("= ?");
    }
    let _guard = task.kernel.strace_lock.lock();
    eprintln!("{prefix}{line}");
}

/// Reads argument `a` as a file descriptor (the low 32 bits, as Linux does).
fn fd_arg(a: u64) -> i32 {
    a as i32
}
