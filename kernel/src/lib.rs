//! The sentry: Veil's implementation of Linux for guest programs.
//!
//! * [`Kernel`] — what a sandbox shares: platform, memory file, futexes, the host file
//!   system.
//! * [`task::Task`] and [`thread_group::ThreadGroup`] — threads and processes.
//! * [`mm::MemoryManager`] — a guest address space.
//! * [`loader`] — ELF images and the initial stack.
//! * [`syscalls`] — the syscall table and one file per family.
//! * [`run`] — the per-thread run loop.
//! * [`tty`] — terminals: ptys, job control, the host console.
//!
//! No `unsafe` here: raw memory lives in `veil-memmap`, ptrace in `veil-platform`, host
//! descriptors in `veil-vfs`.
#![forbid(unsafe_code)]

pub mod anon_inode;
pub mod cputime;
pub mod creds;
pub mod devices;
pub mod epoll;
pub mod eventfd;
pub mod fd_table;
pub mod fs_context;
pub mod futex;
pub mod inotify;
pub mod job_control;
pub mod kernel;
pub mod loader;
pub mod memfd;
pub mod mm;
pub mod net;
pub mod perm;
pub mod pidfd;
pub mod pipe;
pub mod procfs;
pub mod run;
pub mod sched;
pub mod seccomp;
pub mod signal;
pub mod signalfd;
pub mod spawn;
pub mod syscalls;
pub mod sysfs;
pub mod task;
pub mod thread_group;
pub mod timerfd;
pub mod timers;
pub mod tty;
pub mod unix_names;
pub mod unix_socket;
pub mod vfs_setup;

pub use kernel::{Kernel, KernelConfig, StartError};
pub use thread_group::ExitStatus;
