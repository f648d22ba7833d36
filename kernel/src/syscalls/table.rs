//! The syscall table: number → handler and support level. Numbers not listed here
//! return `ENOSYS` (with one warning per number). `veil syscalls` renders this table
//! as docs/compatibility.md, so the documentation cannot drift from the code.

use veil_abi::sysno::*;

use super::{
    attr, creds, epoll, fd, file, identity, inotify, memfd, misc, mlock, mmap, namei, pidfd, poll,
    process, process_vm, read_write, rusage, sched, seccomp, signal, signalfd, sigqueue, socket,
    socket_names, sync, thread, time, timer, timerfd, transfer, wait, xattr, SysResult, SyscallCtx,
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

const RUSAGE_NOTE: &str = "user time is time in guest code and system time time in the sentry on its behalf, measured at each trap (as gVisor); ru_maxrss is the peak mapped size, ru_minflt the faults the sentry resolved, ru_nvcsw the waits that blocked; the other counters are 0";
const CPU_TIMER_NOTE: &str = "timers on CPU-time clocks (ITIMER_VIRTUAL, ITIMER_PROF, CPU clock ids) are checked every 4 ms, as Linux checks them at each tick";
const SOCKET_NOTE: &str = "Unix sockets: SCM_RIGHTS and SCM_CREDENTIALS (SO_PASSCRED), MSG_PEEK/DONTWAIT/WAITALL/TRUNC/NOSIGNAL/CMSG_CLOEXEC, SO_TYPE/DOMAIN/PROTOCOL/ERROR/SNDBUF/RCVBUF/PASSCRED/PEERCRED; internet sockets (TCP and UDP on the sandbox's loopback network, in the sentry): the same flags, datagram sender addresses, SO_ERROR, buffers, SO_LINGER (kept: nothing is ever left unsent), TCP_*/IP_*/IPV6_* options checked, stored and read back, TCP_INFO with the state only; no urgent data (MSG_OOB) and no IP ancillary data (accepted on send, none received); after a TCP peer closed the first write is taken and dropped and later ones are EPIPE, as Linux's reset makes them; SO_RCVTIMEO/SO_SNDTIMEO bound sends and receives (and inet accept and connect); more than 1024 iovecs EMSGSIZE; other descriptors EBADF/ENOTSOCK";
const NAMED_SOCKET_NOTE: &str = "Unix sockets bound to a path (a socket inode) or an abstract name, autobind, listen backlogs, connect that waits for room; internet sockets on the sandbox's loopback (127.0.0.0/8 and ::1: another address is EADDRNOTAVAIL to bind and ENETUNREACH to connect to; with --network=host the host's rules and addresses): ephemeral ports 32768-60999, SO_REUSEADDR/SO_REUSEPORT/IPV6_V6ONLY bind rules, ports below 1024 need CAP_NET_BIND_SERVICE, non-blocking connect says EINPROGRESS and reports through SO_ERROR and the next connect, a full backlog holds connects until accept makes room";
const SCHED_NOTE: &str = "nice values, policies and priorities are recorded, checked and reported as Linux does (CAP_SYS_NICE rules included) and inherited; the host schedules the guest's threads, so they change nothing; SCHED_DEADLINE is EINVAL";
const MLOCK_NOTE: &str = "checked as Linux checks it (mapped range, flags, RLIMIT_MEMLOCK without CAP_IPC_LOCK), brings anonymous pages in unless on-fault, counts in VmLck; the sentry never swaps guest memory, and a lock does not pin a file mapping's pages";
const STATFS_NOTE: &str = "f_type by the mount's file system (overlay, tmpfs, proc, sysfs, devpts, mqueue; pipefs for a pipe); the size figures are tmpfs's (no block counts)";
const FORK_NOTE: &str = "private anonymous memory of 1 MiB or more is shared copy-on-write, smaller mappings are copied at fork; shared mappings (files, MAP_SHARED anonymous) are shared";
const EPOLL_NOTE: &str = "waits look at every watched file again on each wake-up (and every 5 ms), not a ready list; edge-triggered entries report new events since the last report";
const POLL_NOTE: &str = "pipes wake pollers; host descriptors (inherited stdio) are polled every 5 ms; a signal that runs a handler ends the wait with EINTR (the handler runs under the temporary mask, its frame restores the old one), an ignored one lets it go on; a restarted poll or ppoll waits its whole timeout again";
const PIPE_NOTE: &str = "64 KiB pipes with atomic PIPE_BUF writes, EPIPE/SIGPIPE and O_NONBLOCK; F_GETPIPE_SZ/F_SETPIPE_SZ and FIONREAD; O_DIRECT packet mode from pipe2 (not switched by F_SETFL)";
const OPEN_NOTE: &str = "O_TMPFILE files are created under a private name and unlinked at once, linkable unless O_EXCL; FIFOs open as fifo(7) says (a reader waits for a writer and the reverse, O_RDWR never waits); sockets in the file system are ENXIO until sockets exist";

syscall_table! {
    SYS_READ => read_write::read, Full;
    SYS_WRITE => read_write::write, Full;
    SYS_PREAD64 => read_write::pread64, Full;
    SYS_PWRITE64 => read_write::pwrite64, Full;
    SYS_READV => read_write::readv, Full;
    SYS_WRITEV => read_write::writev, Full;
    SYS_PREADV => read_write::preadv, Full;
    SYS_PREADV2 => read_write::preadv2, Partial("RWF_HIPRI/DSYNC/SYNC change nothing (no device); RWF_NOWAIT is EAGAIN where the call would wait");
    SYS_PWRITEV2 => read_write::pwritev2, Partial("RWF_HIPRI/DSYNC/SYNC change nothing (no device); RWF_NOWAIT is EAGAIN where the call would wait; RWF_APPEND appends");
    SYS_PWRITEV => read_write::pwritev, Full;
    SYS_LSEEK => read_write::lseek, Full;
    SYS_OPEN => file::open, Partial(OPEN_NOTE);
    SYS_OPENAT => file::openat, Partial(OPEN_NOTE);
    SYS_OPENAT2 => file::openat2, Partial("openat with struct open_how: strict flag, mode and size checks; RESOLVE_NO_XDEV, NO_MAGICLINKS, NO_SYMLINKS, BENEATH, IN_ROOT restrict the walk; RESOLVE_CACHED is EAGAIN for creates and truncates, otherwise a no-op (every lookup is in memory); see openat");
    SYS_CREAT => file::creat, Full;
    SYS_CLOSE => fd::close, Full;
    SYS_DUP => fd::dup, Full;
    SYS_DUP2 => fd::dup2, Full;
    SYS_DUP3 => fd::dup3, Full;
    SYS_FCNTL => fd::fcntl, Partial("F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL, record locks (F_GETLK/F_SETLK/F_SETLKW, F_OFD_*; a blocked lock polls every 2 ms); leases, pipe sizes and signals-on-I/O return EINVAL");
    SYS_IOCTL => fd::ioctl, Partial("terminals (ptys and the console): TCGETS/TCSETS*, TIOCGWINSZ/TIOCSWINSZ, TIOCGPGRP/TIOCSPGRP, TIOCGSID, TIOCSCTTY, TIOCNOTTY, FIONREAD, TIOCOUTQ, TCFLSH, TCXONC, TCSBRK, TIOCEXCL/TIOCNXCL/TIOCGEXCL, TIOCGPTN, TIOCSPTLCK/TIOCGPTLCK, TIOCGPTPEER; TCGETS and TIOCGWINSZ on a host tty; FIOCLEX, FIONCLEX, FIONREAD; TIOCPKT, TIOCSTI, TCGETS2 and the rest ENOTTY");
    SYS_FSTAT => file::fstat, Full;
    SYS_STAT => file::stat, Full;
    SYS_LSTAT => file::lstat, Full;
    SYS_NEWFSTATAT => file::newfstatat, Full;
    SYS_STATX => file::statx, Partial("no birth time (STATX_BTIME) or mount id");
    SYS_GETDENTS64 => file::getdents64, Full;
    SYS_READLINK => file::readlink, Full;
    SYS_READLINKAT => file::readlinkat, Full;
    SYS_ACCESS => file::access, Full;
    SYS_FACCESSAT => file::faccessat, Full;
    SYS_FACCESSAT2 => file::faccessat2, Full;
    SYS_GETCWD => file::getcwd, Full;
    SYS_CHDIR => file::chdir, Full;
    SYS_FCHDIR => file::fchdir, Full;
    SYS_UMASK => file::umask, Full;
    SYS_MMAP => mmap::mmap, Partial("MAP_PRIVATE file mappings copy on write from the file's pages (a file with no pages to map, as in /proc, is copied at mmap time); MAP_SHARED file mappings are coherent; fork shares private memory copy-on-write (small mappings are copied); MAP_POPULATE brings anonymous pages in at once (a file's pages still come on first touch); MAP_LOCKED locks them too (VmLck); MAP_NORESERVE is accepted; MAP_GROWSDOWN maps but does not grow");
    SYS_MUNMAP => mmap::munmap, Full;
    SYS_MREMAP => mmap::mremap, Partial("shrink, grow in place, move (MAYMOVE, FIXED, DONTUNMAP) without copying; a grown mapping shows as two lines in /proc/self/maps");
    SYS_MPROTECT => mmap::mprotect, Partial("PROT_GROWSDOWN/PROT_GROWSUP accepted and ignored");
    SYS_PKEY_MPROTECT => mmap::pkey_mprotect, Partial("the CPU the sandbox shows has no protection keys: key -1 is mprotect, others EINVAL");
    SYS_PKEY_ALLOC => mmap::pkey_alloc, Partial("EINVAL, as Linux on a CPU without protection keys (the sandbox's cpuinfo shows no pku)");
    SYS_PKEY_FREE => mmap::pkey_free, Partial("EINVAL: no key can be allocated");
    SYS_BRK => mmap::brk, Full;
    SYS_MSYNC => mmap::msync, Full;
    SYS_MADVISE => mmap::madvise, Partial("MADV_DONTNEED/FREE/REMOVE zero anonymous pages and make private file pages read the file again; other advice is accepted and ignored");
    SYS_CLONE => thread::clone, Partial("threads and processes, CLONE_PIDFD; namespaces are EINVAL");
    SYS_CLONE3 => thread::clone3, Partial("threads and processes, CLONE_PIDFD; no set_tid, cgroup or namespaces");
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
    SYS_RT_SIGSUSPEND => signal::rt_sigsuspend, Full;
    SYS_PAUSE => signal::pause, Full;
    SYS_RT_SIGTIMEDWAIT => sigqueue::rt_sigtimedwait, Full;
    SYS_RT_SIGQUEUEINFO => sigqueue::rt_sigqueueinfo, Full;
    SYS_RT_TGSIGQUEUEINFO => sigqueue::rt_tgsigqueueinfo, Full;
    SYS_SIGALTSTACK => signal::sigaltstack, Full;
    SYS_KILL => signal::kill, Full;
    SYS_TKILL => signal::tkill, Full;
    SYS_TGKILL => signal::tgkill, Full;
    SYS_UNAME => identity::uname, Full;
    SYS_GETPID => identity::getpid, Full;
    SYS_GETPPID => identity::getppid, Full;
    SYS_GETUID => creds::getuid, Full;
    SYS_GETEUID => creds::geteuid, Full;
    SYS_GETGID => creds::getgid, Full;
    SYS_GETEGID => creds::getegid, Full;
    SYS_GETRESUID => creds::getresuid, Full;
    SYS_GETRESGID => creds::getresgid, Full;
    SYS_GETGROUPS => creds::getgroups, Full;
    SYS_SETUID => creds::setuid, Full;
    SYS_SETGID => creds::setgid, Full;
    SYS_SETREUID => creds::setreuid, Full;
    SYS_SETREGID => creds::setregid, Full;
    SYS_SETRESUID => creds::setresuid, Full;
    SYS_SETRESGID => creds::setresgid, Full;
    SYS_SETFSUID => creds::setfsuid, Full;
    SYS_SETFSGID => creds::setfsgid, Full;
    SYS_SETGROUPS => creds::setgroups, Full;
    SYS_CAPGET => creds::capget, Full;
    SYS_CAPSET => creds::capset, Partial("the caller's own sets only; no file capabilities on execve, so only root's execve rules apply");
    SYS_ARCH_PRCTL => misc::arch_prctl, Partial("ARCH_SET_FS/GET_FS/SET_GS/GET_GS, ARCH_GET_CPUID; ARCH_SET_CPUID returns ENODEV");
    SYS_CLOCK_GETTIME => time::clock_gettime, Full;
    SYS_GETRUSAGE => rusage::getrusage, Partial(RUSAGE_NOTE);
    SYS_TIMES => rusage::times, Full;
    SYS_PIDFD_OPEN => pidfd::pidfd_open, Partial("process pidfds; PIDFD_THREAD is EINVAL");
    SYS_PIDFD_SEND_SIGNAL => pidfd::pidfd_send_signal, Partial("flags (PIDFD_SIGNAL_*) are EINVAL");
    SYS_PIDFD_GETFD => pidfd::pidfd_getfd, Full;
    SYS_PROCESS_VM_READV => process_vm::process_vm_readv, Full;
    SYS_PROCESS_VM_WRITEV => process_vm::process_vm_writev, Full;
    SYS_MLOCK => mlock::mlock, Partial(MLOCK_NOTE);
    SYS_MLOCK2 => mlock::mlock2, Partial(MLOCK_NOTE);
    SYS_MUNLOCK => mlock::munlock, Partial(MLOCK_NOTE);
    SYS_MLOCKALL => mlock::mlockall, Partial(MLOCK_NOTE);
    SYS_MUNLOCKALL => mlock::munlockall, Partial(MLOCK_NOTE);
    SYS_MINCORE => mlock::mincore, Full;
    SYS_GETPRIORITY => sched::getpriority, Partial(SCHED_NOTE);
    SYS_SETPRIORITY => sched::setpriority, Partial(SCHED_NOTE);
    SYS_SCHED_SETSCHEDULER => sched::sched_setscheduler, Partial(SCHED_NOTE);
    SYS_SCHED_GETSCHEDULER => sched::sched_getscheduler, Full;
    SYS_SCHED_SETPARAM => sched::sched_setparam, Partial(SCHED_NOTE);
    SYS_SCHED_GETPARAM => sched::sched_getparam, Full;
    SYS_SCHED_GET_PRIORITY_MAX => sched::sched_get_priority_max, Full;
    SYS_SCHED_GET_PRIORITY_MIN => sched::sched_get_priority_min, Full;
    SYS_SCHED_RR_GET_INTERVAL => sched::sched_rr_get_interval, Partial("SCHED_RR's 100 ms slice, and the same for the fair policies; 0 for SCHED_FIFO");
    SYS_IOPRIO_GET => sched::ioprio_get, Partial("recorded and inherited per thread; the sandbox's I/O is the sentry's, so it changes nothing");
    SYS_IOPRIO_SET => sched::ioprio_set, Partial("recorded and inherited per thread; the sandbox's I/O is the sentry's, so it changes nothing");
    SYS_GETCPU => sched::getcpu, Full;
    SYS_SCHED_GETATTR => sched::sched_getattr, Partial("policy, RESET_ON_FORK, nice and priority; the deadline and utilisation-clamp fields read 0");
    SYS_SCHED_SETATTR => sched::sched_setattr, Partial("as sched_setscheduler plus nice, KEEP_POLICY and KEEP_PARAMS; SCHED_DEADLINE is EINVAL, utilisation clamps EOPNOTSUPP; recorded, not enforced (the host schedules)");
    SYS_MEMBARRIER => sched::membarrier, Partial("every barrier is the host's MEMBARRIER_CMD_GLOBAL (slow, but a superset of each command); SYNC_CORE and RSEQ commands are not offered (EINVAL)");
    SYS_PERSONALITY => sched::personality, Partial("the value is recorded, reported and inherited; only the Linux execution domain exists, and flags such as ADDR_NO_RANDOMIZE change nothing (the sentry's layout is not randomised anyway)");
    SYS_CONNECT => socket_names::connect, Partial(NAMED_SOCKET_NOTE);
    SYS_ACCEPT => socket_names::accept, Partial(NAMED_SOCKET_NOTE);
    SYS_SENDTO => socket::sendto, Partial(SOCKET_NOTE);
    SYS_RECVFROM => socket::recvfrom, Partial(SOCKET_NOTE);
    SYS_SENDMSG => socket::sendmsg, Partial(SOCKET_NOTE);
    SYS_RECVMSG => socket::recvmsg, Partial(SOCKET_NOTE);
    SYS_SHUTDOWN => socket::shutdown, Partial(SOCKET_NOTE);
    SYS_BIND => socket_names::bind, Partial(NAMED_SOCKET_NOTE);
    SYS_LISTEN => socket_names::listen, Partial(NAMED_SOCKET_NOTE);
    SYS_GETSOCKNAME => socket_names::getsockname, Partial(NAMED_SOCKET_NOTE);
    SYS_GETPEERNAME => socket_names::getpeername, Partial(NAMED_SOCKET_NOTE);
    SYS_SETSOCKOPT => socket::setsockopt, Partial(SOCKET_NOTE);
    SYS_GETSOCKOPT => socket::getsockopt, Partial(SOCKET_NOTE);
    SYS_SENDMMSG => socket::sendmmsg, Partial(SOCKET_NOTE);
    SYS_RECVMMSG => socket::recvmmsg, Partial(SOCKET_NOTE);
    SYS_ACCEPT4 => socket_names::accept4, Partial(NAMED_SOCKET_NOTE);
    SYS_SOCKET => socket_names::socket, Partial("AF_UNIX stream, datagram (SOCK_RAW as datagram) and seqpacket sockets; AF_INET and AF_INET6 TCP and UDP on the sandbox's loopback network, or with --network=host on the host's through host sockets the sentry holds (raw sockets EPERM without CAP_NET_RAW, EPROTONOSUPPORT with it); AF_NETLINK with NETLINK_ROUTE only (link, address and route dumps, single link requests, `ip link set lo up`; other changes EOPNOTSUPP, no multicast events; other netlink protocols EPROTONOSUPPORT); other families EAFNOSUPPORT");
    SYS_SOCKETPAIR => socket::socketpair, Partial("AF_UNIX stream, datagram and seqpacket pairs (SOCK_RAW as datagram), SOCK_NONBLOCK/SOCK_CLOEXEC; AF_INET and AF_INET6 are EOPNOTSUPP");
    SYS_ALARM => timer::alarm, Full;
    SYS_GETITIMER => timer::getitimer, Full;
    SYS_SETITIMER => timer::setitimer, Partial(CPU_TIMER_NOTE);
    SYS_TIMER_CREATE => timer::timer_create, Partial(CPU_TIMER_NOTE);
    SYS_TIMER_SETTIME => timer::timer_settime, Partial("an absolute time on CLOCK_REALTIME is converted to a delay when set (the guest cannot change the clock, so only a host clock change shows)");
    SYS_TIMER_GETTIME => timer::timer_gettime, Full;
    SYS_TIMER_GETOVERRUN => timer::timer_getoverrun, Full;
    SYS_TIMER_DELETE => timer::timer_delete, Full;
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
    SYS_SYSLOG => misc::syslog, Partial("the kernel log is always empty (reads return 0 bytes, SIZE_BUFFER is 16 KiB)");
    SYS_SYSINFO => misc::sysinfo, Partial("memory figures are the host's; load averages are zero");
    SYS_STATFS => file::statfs, Partial(STATFS_NOTE);
    SYS_FSTATFS => file::fstatfs, Partial(STATFS_NOTE);
    SYS_FADVISE64 => fd::fadvise64, Full;
    SYS_GETXATTR => xattr::getxattr, Full;
    SYS_LGETXATTR => xattr::lgetxattr, Full;
    SYS_FGETXATTR => xattr::fgetxattr, Full;
    SYS_LISTXATTR => xattr::listxattr, Full;
    SYS_LLISTXATTR => xattr::llistxattr, Full;
    SYS_FLISTXATTR => xattr::flistxattr, Full;
    SYS_SETXATTR => xattr::setxattr, Full;
    SYS_LSETXATTR => xattr::lsetxattr, Full;
    SYS_FSETXATTR => xattr::fsetxattr, Full;
    SYS_REMOVEXATTR => xattr::removexattr, Full;
    SYS_LREMOVEXATTR => xattr::lremovexattr, Full;
    SYS_FREMOVEXATTR => xattr::fremovexattr, Full;
    SYS_MKDIR => namei::mkdir, Full;
    SYS_MKDIRAT => namei::mkdirat, Full;
    SYS_MKNOD => namei::mknod, Full;
    SYS_MKNODAT => namei::mknodat, Full;
    SYS_UNLINK => namei::unlink, Full;
    SYS_UNLINKAT => namei::unlinkat, Full;
    SYS_RMDIR => namei::rmdir, Full;
    SYS_RENAME => namei::rename, Full;
    SYS_RENAMEAT => namei::renameat, Full;
    SYS_RENAMEAT2 => namei::renameat2, Partial("RENAME_WHITEOUT is EINVAL; renaming a directory that has lower-layer contents is EXDEV (overlayfs without redirect_dir)");
    SYS_LINK => namei::link, Full;
    SYS_LINKAT => namei::linkat, Full;
    SYS_SYMLINK => namei::symlink, Full;
    SYS_SYMLINKAT => namei::symlinkat, Full;
    SYS_CHMOD => attr::chmod, Full;
    SYS_FCHMOD => attr::fchmod, Full;
    SYS_FCHMODAT => attr::fchmodat, Full;
    SYS_FCHMODAT2 => attr::fchmodat2, Full;
    SYS_CHOWN => attr::chown, Full;
    SYS_FCHOWN => attr::fchown, Full;
    SYS_LCHOWN => attr::lchown, Full;
    SYS_FCHOWNAT => attr::fchownat, Full;
    SYS_UTIMENSAT => attr::utimensat, Full;
    SYS_UTIMES => attr::utimes, Full;
    SYS_FUTIMESAT => attr::futimesat, Full;
    SYS_UTIME => attr::utime, Full;
    SYS_TRUNCATE => attr::truncate, Full;
    SYS_FTRUNCATE => attr::ftruncate, Full;
    SYS_FALLOCATE => attr::fallocate, Partial("modes 0, KEEP_SIZE and PUNCH_HOLE|KEEP_SIZE; COLLAPSE/ZERO/INSERT_RANGE are EOPNOTSUPP");
    SYS_SYNC => sync::sync, Full;
    SYS_SYNCFS => sync::syncfs, Full;
    SYS_FSYNC => sync::fsync, Full;
    SYS_READAHEAD => sync::readahead, Full;
    SYS_SYNC_FILE_RANGE => sync::sync_file_range, Full;
    SYS_FDATASYNC => sync::fsync, Full;
    SYS_FLOCK => sync::flock, Partial("a blocked lock polls every 2 ms instead of being woken");
    SYS_SENDFILE => transfer::sendfile, Full;
    SYS_COPY_FILE_RANGE => transfer::copy_file_range, Full;
    SYS_CLOSE_RANGE => fd::close_range, Partial("CLOSE_RANGE_UNSHARE does not unshare a table shared with CLONE_FILES");
    SYS_EPOLL_CREATE => epoll::epoll_create, Full;
    SYS_EPOLL_CREATE1 => epoll::epoll_create1, Full;
    SYS_EPOLL_CTL => epoll::epoll_ctl, Partial("EPOLLEXCLUSIVE and EPOLLWAKEUP are accepted and have no effect");
    SYS_EPOLL_WAIT => epoll::epoll_wait, Partial(EPOLL_NOTE);
    SYS_EPOLL_PWAIT => epoll::epoll_pwait, Partial(EPOLL_NOTE);
    SYS_EPOLL_PWAIT2 => epoll::epoll_pwait2, Partial(EPOLL_NOTE);
    SYS_EVENTFD => epoll::eventfd, Full;
    SYS_EVENTFD2 => epoll::eventfd2, Full;
    SYS_POLL => poll::poll, Partial(POLL_NOTE);
    SYS_PPOLL => poll::ppoll, Partial(POLL_NOTE);
    SYS_SELECT => poll::select, Partial(POLL_NOTE);
    SYS_PSELECT6 => poll::pselect6, Partial(POLL_NOTE);
    SYS_PIPE => fd::pipe, Partial(PIPE_NOTE);
    SYS_PIPE2 => fd::pipe2, Partial(PIPE_NOTE);
    SYS_GETPGID => identity::getpgid, Full;
    SYS_GETPGRP => identity::getpgrp, Full;
    SYS_GETSID => identity::getsid, Full;
    SYS_SETSID => identity::setsid, Full;
    SYS_SETPGID => identity::setpgid, Partial("a child that already exec'd can still be moved (Linux: EACCES)");
    SYS_PRCTL => misc::prctl, Partial("PR_SET/GET_NAME, PR_SET/GET_DUMPABLE, PR_SET/GET_NO_NEW_PRIVS, PR_SET/GET_SECCOMP, PR_SET/GET_PDEATHSIG (sent when the creating thread ends, or its process); other options are EINVAL");
    SYS_SECCOMP => seccomp::seccomp, Partial("strict mode and classic-BPF filters (checked as Linux checks them, chained, inherited by new threads and processes, kept across execve, TSYNC, LOG accepted); ALLOW, LOG, ERRNO, TRAP (SIGSYS with si_call_addr/si_syscall/si_arch), KILL_PROCESS; KILL_THREAD ends the whole process; TRACE and USER_NOTIF act as with nobody listening (ENOSYS), and SECCOMP_FILTER_FLAG_NEW_LISTENER is EINVAL");
    SYS_FORK => process::sys_fork, Partial(FORK_NOTE);
    SYS_VFORK => process::sys_vfork, Full;
    SYS_EXECVE => process::execve, Partial("a multithreaded exec ends the other threads by polling; set-user-ID and set-group-ID bits are honoured (not on scripts, not under no-new-privileges), file capabilities and nosuid mounts are not");
    SYS_EXECVEAT => process::execveat, Partial("as execve");
    SYS_WAIT4 => wait::wait4, Full;
    SYS_WAITID => wait::waitid, Full;
    SYS_SPLICE => transfer::splice, Partial("copies through the sentry (no page moving); SPLICE_F_MOVE/MORE/GIFT are accepted hints");
    SYS_TEE => transfer::tee, Full;
    SYS_SIGNALFD => signalfd::signalfd, Full;
    SYS_MEMFD_CREATE => memfd::memfd_create, Partial("anonymous tmpfs files with seals (SEAL, SHRINK, GROW, WRITE, FUTURE_WRITE, EXEC) checked by write, ftruncate, fallocate and shared writable mmap; F_SEAL_WRITE does not wait for or refuse existing writable mappings (no EBUSY), mprotect does not check seals,; MFD_HUGETLB is EINVAL");
    SYS_TIMERFD_CREATE => timerfd::timerfd_create, Full;
    SYS_TIMERFD_SETTIME => timerfd::timerfd_settime, Partial("TFD_TIMER_CANCEL_ON_SET is accepted and never cancels: the sandbox's realtime clock cannot be set");
    SYS_TIMERFD_GETTIME => timerfd::timerfd_gettime, Full;
    SYS_SIGNALFD4 => signalfd::signalfd4, Full;
    SYS_INOTIFY_INIT => inotify::inotify_init, Full;
    SYS_INOTIFY_INIT1 => inotify::inotify_init1, Full;
    SYS_INOTIFY_ADD_WATCH => inotify::inotify_add_watch, Partial("create, delete, move (with cookies), modify, attribute, open and access events from the system calls that cause them, on both overlay layers as one file; IN_CLOSE_* only from close() of the last descriptor (not at exit or exec); IN_EXCL_UNLINK is accepted but unlinked children still report; no IN_UNMOUNT");
    SYS_INOTIFY_RM_WATCH => inotify::inotify_rm_watch, Full;
    SYS_VMSPLICE => transfer::vmsplice, Partial("copies the guest memory into or out of the pipe (no page gifting; SPLICE_F_GIFT changes nothing)");
}

/// Syscalls that return `ENOSYS` on purpose for now, with the reason.
const ENOSYS_NOTES: &[(u64, &str)] = &[(
    SYS_RSEQ,
    "restartable sequences are not offered; glibc falls back",
)];

/// Whether `nr` returns `ENOSYS` on purpose (no warning is logged for it).
pub fn is_deliberate_enosys(nr: u64) -> bool {
    ENOSYS_NOTES.iter().any(|&(n, _)| n == nr)
}
