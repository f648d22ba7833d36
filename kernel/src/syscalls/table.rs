//! The syscall table: number → handler and support level. Numbers not listed here
//! return `ENOSYS` (with one warning per number). `veil syscalls` renders this table
//! as docs/compatibility.md, so the documentation cannot drift from the code.

use veil_abi::sysno::*;

use super::{
    fd, file, identity, misc, mmap, read_write, signal, thread, time, xattr, SysResult, SyscallCtx,
};

/// A handler.
pub type Handler = fn(&mut SyscallCtx<'_>, [u64; 6]) -> SysResult;

/// How much of a syscall Veil implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Linux's semantics, flags, errors and edge cases.
    Full,
    /// Implemented, with the documented gaps.
    Partial(&'static str),
    /// Deliberately `ENOSYS` for now, with why.
    Enosys(&'static str),
}

macro_rules! syscall_table {
    ($( $nr:ident => $handler:expr, $support:expr; )*) => {
        /// The handler of syscall `nr`, if Veil implements it.
        pub fn lookup(nr: u64) -> Option<Handler> {
            match nr {
                $( $nr => Some($handler), )*
                _ => None,
            }
        }

        /// Every implemented syscall with its support level, plus the deliberate
        /// `ENOSYS` entries.
        pub fn entries() -> Vec<(u64, Support)> {
            let mut v = vec![$( ($nr, $support), )*];
            v.extend(ENOSYS_NOTES.iter().map(|&(nr, note)| (nr, Support::Enosys(note))));
            v
        }
    };
}

use Support::*;

const RO_FS: &str = "the host file system is read-only until the VFS/overlay issue: writes, creation and removal fail with EROFS (except /dev/null, /dev/zero, /dev/full)";

syscall_table! {
    SYS_READ => read_write::read, Full;
    SYS_WRITE => read_write::write, Full;
    SYS_PREAD64 => read_write::pread64, Full;
    SYS_PWRITE64 => read_write::pwrite64, Partial(RO_FS);
    SYS_READV => read_write::readv, Full;
    SYS_WRITEV => read_write::writev, Full;
    SYS_PREADV => read_write::preadv, Full;
    SYS_PWRITEV => read_write::pwritev, Partial(RO_FS);
    SYS_LSEEK => read_write::lseek, Full;
    SYS_OPEN => file::open, Partial(RO_FS);
    SYS_OPENAT => file::openat, Partial(RO_FS);
    SYS_CREAT => file::creat, Partial(RO_FS);
    SYS_CLOSE => fd::close, Full;
    SYS_DUP => fd::dup, Full;
    SYS_DUP2 => fd::dup2, Full;
    SYS_DUP3 => fd::dup3, Full;
    SYS_FCNTL => fd::fcntl, Partial("F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL; record locks, leases, pipe sizes and signals-on-I/O return EINVAL");
    SYS_IOCTL => fd::ioctl, Partial("TCGETS and TIOCGWINSZ on a host tty, FIOCLEX, FIONCLEX; others ENOTTY");
    SYS_FSTAT => file::fstat, Full;
    SYS_STAT => file::stat, Full;
    SYS_LSTAT => file::lstat, Full;
    SYS_NEWFSTATAT => file::newfstatat, Full;
    SYS_STATX => file::statx, Partial("no birth time (STATX_BTIME) or mount id");
    SYS_GETDENTS64 => file::getdents64, Full;
    SYS_READLINK => file::readlink, Partial("/proc/self/exe is Veil's; the rest of /proc comes with the VFS issue");
    SYS_READLINKAT => file::readlinkat, Partial("/proc/self/exe is Veil's; the rest of /proc comes with the VFS issue");
    SYS_ACCESS => file::access, Full;
    SYS_FACCESSAT => file::faccessat, Full;
    SYS_FACCESSAT2 => file::faccessat2, Full;
    SYS_GETCWD => file::getcwd, Full;
    SYS_CHDIR => file::chdir, Full;
    SYS_FCHDIR => file::fchdir, Full;
    SYS_UMASK => file::umask, Full;
    SYS_MMAP => mmap::mmap, Partial("file mappings are private copies taken at mmap time; MAP_SHARED writable file mappings fail with EACCES (files are read-only); no SIGBUS beyond end of file");
    SYS_MUNMAP => mmap::munmap, Full;
    SYS_MPROTECT => mmap::mprotect, Partial("PROT_GROWSDOWN/PROT_GROWSUP accepted and ignored");
    SYS_BRK => mmap::brk, Full;
    SYS_MADVISE => mmap::madvise, Partial("MADV_DONTNEED/FREE/REMOVE zero anonymous pages; other advice is accepted and ignored");
    SYS_CLONE => thread::clone, Partial("threads only (CLONE_THREAD); new processes come with the processes issue and return ENOSYS");
    SYS_CLONE3 => thread::clone3, Partial("threads only (CLONE_THREAD), no set_tid or cgroup");
    SYS_EXIT => thread::exit, Partial("robust futex lists are not walked at exit");
    SYS_EXIT_GROUP => thread::exit_group, Full;
    SYS_SET_TID_ADDRESS => thread::set_tid_address, Full;
    SYS_SET_ROBUST_LIST => thread::set_robust_list, Partial("recorded; not walked at thread exit");
    SYS_GET_ROBUST_LIST => thread::get_robust_list, Full;
    SYS_GETTID => identity::gettid, Full;
    SYS_FUTEX => thread::futex, Partial("WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE, CMP_REQUEUE, WAKE_OP; priority-inheritance operations return ENOSYS");
    SYS_RT_SIGACTION => signal::rt_sigaction, Full;
    SYS_RT_SIGPROCMASK => signal::rt_sigprocmask, Full;
    SYS_RT_SIGRETURN => signal::rt_sigreturn, Full;
    SYS_RT_SIGPENDING => signal::rt_sigpending, Full;
    SYS_SIGALTSTACK => signal::sigaltstack, Full;
    SYS_KILL => signal::kill, Partial("only the caller's own process exists until the processes issue");
    SYS_TKILL => signal::tkill, Full;
    SYS_TGKILL => signal::tgkill, Full;
    SYS_UNAME => identity::uname, Full;
    SYS_GETPID => identity::getpid, Full;
    SYS_GETPPID => identity::getppid, Full;
    SYS_GETUID => identity::getuid, Full;
    SYS_GETEUID => identity::geteuid, Full;
    SYS_GETGID => identity::getgid, Full;
    SYS_GETEGID => identity::getegid, Full;
    SYS_GETRESUID => identity::getresuid, Full;
    SYS_GETRESGID => identity::getresgid, Full;
    SYS_GETGROUPS => identity::getgroups, Full;
    SYS_ARCH_PRCTL => misc::arch_prctl, Partial("ARCH_SET_FS/GET_FS/SET_GS/GET_GS, ARCH_GET_CPUID; ARCH_SET_CPUID returns ENODEV");
    SYS_CLOCK_GETTIME => time::clock_gettime, Partial("CPU-time clocks measure the sentry thread, not guest user time");
    SYS_CLOCK_GETRES => time::clock_getres, Full;
    SYS_GETTIMEOFDAY => time::gettimeofday, Full;
    SYS_TIME => time::time, Full;
    SYS_NANOSLEEP => time::nanosleep, Full;
    SYS_CLOCK_NANOSLEEP => time::clock_nanosleep, Full;
    SYS_GETRANDOM => misc::getrandom, Full;
    SYS_PRLIMIT64 => misc::prlimit64, Partial("limits are recorded; only RLIMIT_NOFILE is enforced");
    SYS_GETRLIMIT => misc::getrlimit, Full;
    SYS_SETRLIMIT => misc::setrlimit, Partial("limits are recorded; only RLIMIT_NOFILE is enforced");
    SYS_SCHED_GETAFFINITY => misc::sched_getaffinity, Full;
    SYS_SCHED_SETAFFINITY => misc::sched_setaffinity, Partial("validated and accepted; the sentry places threads itself");
    SYS_SCHED_YIELD => misc::sched_yield, Full;
    SYS_SYSINFO => misc::sysinfo, Partial("memory figures are the host's; load averages are zero");
    SYS_STATFS => file::statfs, Partial("the host file system's figures, always flagged read-only (ST_RDONLY)");
    SYS_FSTATFS => file::fstatfs, Partial("the host file system's figures, always flagged read-only (ST_RDONLY)");
    SYS_FADVISE64 => fd::fadvise64, Full;
    SYS_GETXATTR => xattr::getxattr, Full;
    SYS_LGETXATTR => xattr::lgetxattr, Partial("attributes of a symlink itself read as absent");
    SYS_FGETXATTR => xattr::fgetxattr, Full;
    SYS_LISTXATTR => xattr::listxattr, Full;
    SYS_LLISTXATTR => xattr::llistxattr, Partial("attributes of a symlink itself read as absent");
    SYS_FLISTXATTR => xattr::flistxattr, Full;
    SYS_SETXATTR => xattr::setxattr, Partial(RO_FS);
    SYS_LSETXATTR => xattr::lsetxattr, Partial(RO_FS);
    SYS_FSETXATTR => xattr::fsetxattr, Partial(RO_FS);
    SYS_REMOVEXATTR => xattr::removexattr, Partial(RO_FS);
    SYS_LREMOVEXATTR => xattr::lremovexattr, Partial(RO_FS);
    SYS_FREMOVEXATTR => xattr::fremovexattr, Partial(RO_FS);
}

/// Syscalls that return `ENOSYS` on purpose for now, with the reason.
const ENOSYS_NOTES: &[(u64, &str)] = &[
    (
        SYS_RSEQ,
        "restartable sequences are not offered; glibc falls back",
    ),
    (SYS_FORK, "new processes come with the processes issue"),
    (SYS_VFORK, "new processes come with the processes issue"),
    (SYS_EXECVE, "comes with the processes issue"),
    (SYS_EXECVEAT, "comes with the processes issue"),
    (SYS_WAIT4, "comes with the processes issue"),
    (
        SYS_MREMAP,
        "comes with the full memory manager; glibc's realloc falls back to copying",
    ),
];

/// Whether `nr` returns `ENOSYS` on purpose (no warning is logged for it).
pub fn is_deliberate_enosys(nr: u64) -> bool {
    ENOSYS_NOTES.iter().any(|&(n, _)| n == nr)
}
