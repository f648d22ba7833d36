//! Per-call decoders, grouped by family, and the table that picks one for a call number.
//!
//! A decoder pushes one string per printed argument and says how the return value prints.
//! Calls without a decoder print their raw arguments in hex (see [`crate::nargs`]).

mod fs;
mod io;
mod ioctl;
mod mm;
mod net;
mod process;
mod signal;
mod time;

use crate::ctx::Ctx;
use crate::{errno, value};
use veil_abi::sysno::*;

/// How a successful call's return value prints.
pub(crate) enum Ret {
    /// Signed decimal (`= 3`).
    Dec,
    /// Hex (`= 0x7f0094963000`), for addresses.
    Hex,
    /// A file mode in octal (`= 022`, `= 000`), for `umask`.
    Mode,
    /// Hex with a decoded note (`= 0x8000 (flags O_RDONLY|O_LARGEFILE)`).
    HexNote(String),
    /// Decimal with a decoded note (`= 0 (Timeout)`).
    DecNote(String),
    /// The call never returns (`exit`): `= ?`.
    NoReturn,
}

/// Decodes call `nr` into `out`, or returns `None` when it has no decoder.
pub(crate) fn decode(nr: u64, c: &Ctx, out: &mut Vec<String>) -> Option<Ret> {
    use Arg::*;
    let ret = match nr {
        // Reads, writes and descriptors.
        SYS_READ => io::read(c, out),
        SYS_PREAD64 => io::pread(c, out),
        SYS_WRITE => io::write(c, out),
        SYS_PWRITE64 => io::pwrite(c, out),
        SYS_READV => io::readv(c, out),
        SYS_WRITEV => io::writev(c, out),
        SYS_PREADV => io::preadv(c, out),
        SYS_PWRITEV => io::pwritev(c, out),
        SYS_LSEEK => io::lseek(c, out),
        SYS_CLOSE | SYS_DUP | SYS_FCHDIR | SYS_FSYNC | SYS_FDATASYNC | SYS_SYNCFS => {
            simple(c, out, &[Fd])
        }
        SYS_DUP2 => simple(c, out, &[Fd, Fd]),
        SYS_DUP3 => io::dup3(c, out),
        SYS_GETDENTS | SYS_GETDENTS64 => io::getdents(c, out),
        SYS_PIPE => io::pipe(c, out),
        SYS_PIPE2 => io::pipe2(c, out),
        SYS_POLL => io::poll(c, out),
        SYS_EVENTFD2 => io::eventfd2(c, out),
        SYS_EPOLL_CREATE1 => io::epoll_create1(c, out),
        SYS_MEMFD_CREATE => io::memfd_create(c, out),
        SYS_IOCTL => ioctl::ioctl(c, out),

        // Files and paths.
        SYS_OPEN => fs::open(c, out),
        SYS_OPENAT => fs::openat(c, out),
        SYS_CREAT => simple(c, out, &[Path, Mode]),
        SYS_STAT | SYS_LSTAT => fs::stat(c, out),
        SYS_FSTAT => fs::fstat(c, out),
        SYS_NEWFSTATAT => fs::newfstatat(c, out),
        SYS_STATX => fs::statx(c, out),
        SYS_ACCESS => fs::access(c, out),
        SYS_FACCESSAT => fs::faccessat(c, out),
        SYS_FACCESSAT2 => fs::faccessat2(c, out),
        SYS_GETCWD => fs::getcwd(c, out),
        SYS_READLINK => fs::readlink(c, out),
        SYS_READLINKAT => fs::readlinkat(c, out),
        SYS_FCNTL => fs::fcntl(c, out),
        SYS_STATFS => fs::statfs(c, out),
        SYS_FADVISE64 => fs::fadvise64(c, out),
        SYS_FSTATFS => fs::fstatfs(c, out),
        SYS_GETXATTR | SYS_LGETXATTR => fs::getxattr(c, out),
        SYS_FGETXATTR => fs::fgetxattr(c, out),
        SYS_SETXATTR | SYS_LSETXATTR => fs::setxattr(c, out),
        SYS_FSETXATTR => fs::fsetxattr(c, out),
        SYS_LISTXATTR | SYS_LLISTXATTR => fs::listxattr(c, out),
        SYS_FLISTXATTR => fs::flistxattr(c, out),
        SYS_REMOVEXATTR | SYS_LREMOVEXATTR => fs::removexattr(c, out),
        SYS_FREMOVEXATTR => fs::fremovexattr(c, out),
        SYS_UNLINKAT => fs::unlinkat(c, out),
        SYS_LINKAT => fs::linkat(c, out),
        SYS_CHDIR | SYS_UNLINK | SYS_RMDIR | SYS_CHROOT | SYS_ACCT | SYS_SWAPOFF => {
            simple(c, out, &[Path])
        }
        SYS_MKDIR | SYS_CHMOD => simple(c, out, &[Path, Mode]),
        SYS_MKDIRAT | SYS_FCHMODAT => simple(c, out, &[DirFd, Path, Mode]),
        SYS_FCHMOD => simple(c, out, &[Fd, Mode]),
        SYS_RENAME | SYS_LINK | SYS_SYMLINK => simple(c, out, &[Path, Path]),
        SYS_RENAMEAT => simple(c, out, &[DirFd, Path, DirFd, Path]),
        SYS_SYMLINKAT => simple(c, out, &[Path, DirFd, Path]),
        SYS_CHOWN | SYS_LCHOWN => simple(c, out, &[Path, Int, Int]),
        SYS_FCHOWN => simple(c, out, &[Fd, Int, Int]),
        SYS_TRUNCATE => simple(c, out, &[Path, Long]),
        SYS_FTRUNCATE => simple(c, out, &[Fd, Long]),
        SYS_UMASK => {
            simple(c, out, &[Mode]);
            Ret::Mode
        }

        // Memory.
        SYS_MMAP => mm::mmap(c, out),
        SYS_MPROTECT => mm::mprotect(c, out),
        SYS_MUNMAP | SYS_MLOCK | SYS_MUNLOCK => simple(c, out, &[Ptr, Ulong]),
        SYS_BRK => {
            simple(c, out, &[Ptr]);
            Ret::Hex
        }
        SYS_MREMAP => mm::mremap(c, out),
        SYS_MSYNC => mm::msync(c, out),
        SYS_MADVISE => mm::madvise(c, out),

        // Signals.
        SYS_RT_SIGACTION => signal::rt_sigaction(c, out),
        SYS_RT_SIGPROCMASK => signal::rt_sigprocmask(c, out),
        SYS_RT_SIGPENDING => signal::rt_sigpending(c, out),
        SYS_RT_SIGSUSPEND => signal::rt_sigsuspend(c, out),
        SYS_SIGALTSTACK => signal::sigaltstack(c, out),
        SYS_KILL | SYS_TKILL => simple(c, out, &[Int, Sig]),
        SYS_TGKILL => simple(c, out, &[Int, Int, Sig]),

        // Processes and threads.
        SYS_EXECVE => process::execve(c, out),
        SYS_EXECVEAT => process::execveat(c, out),
        SYS_EXIT | SYS_EXIT_GROUP => {
            simple(c, out, &[Int]);
            Ret::NoReturn
        }
        SYS_CLONE => process::clone(c, out),
        SYS_CLONE3 => process::clone3(c, out),
        SYS_WAIT4 => process::wait4(c, out),
        SYS_SET_TID_ADDRESS => simple(c, out, &[Hex]),
        SYS_SET_ROBUST_LIST => simple(c, out, &[Ptr, Ulong]),
        SYS_ARCH_PRCTL => process::arch_prctl(c, out),
        SYS_UNAME => process::uname(c, out),
        SYS_PRLIMIT64 => process::prlimit64(c, out),
        SYS_GETRLIMIT | SYS_SETRLIMIT => process::getrlimit(c, out),
        SYS_SCHED_GETAFFINITY => process::sched_getaffinity(c, out),
        SYS_SCHED_SETAFFINITY => process::sched_setaffinity(c, out),
        SYS_GETRANDOM => process::getrandom(c, out),
        SYS_FUTEX => process::futex(c, out),
        SYS_SETUID | SYS_SETGID | SYS_GETPGID | SYS_GETSID => simple(c, out, &[Int]),
        SYS_SETPGID | SYS_SETREUID | SYS_SETREGID => simple(c, out, &[Int, Int]),
        SYS_SETRESUID | SYS_SETRESGID => simple(c, out, &[Int, Int, Int]),
        SYS_GETRESUID | SYS_GETRESGID => process::getresuid(c, out),
        SYS_GETGROUPS => process::getgroups(c, out),
        SYS_ALARM => simple(c, out, &[Uint]),

        // Sockets.
        SYS_SOCKET => net::socket(c, out),
        SYS_SOCKETPAIR => net::socketpair(c, out),
        SYS_CONNECT | SYS_BIND => net::connect(c, out),
        SYS_LISTEN => net::listen(c, out),
        SYS_SHUTDOWN => net::shutdown(c, out),
        SYS_ACCEPT | SYS_GETSOCKNAME | SYS_GETPEERNAME => net::getsockname(c, out),
        SYS_ACCEPT4 => net::accept4(c, out),
        SYS_SENDTO => net::sendto(c, out),
        SYS_RECVFROM => net::recvfrom(c, out),

        // Time.
        SYS_CLOCK_GETTIME | SYS_CLOCK_GETRES => time::clock_gettime(c, out),
        SYS_CLOCK_SETTIME => time::clock_settime(c, out),
        SYS_NANOSLEEP => time::nanosleep(c, out),
        SYS_CLOCK_NANOSLEEP => time::clock_nanosleep(c, out),
        SYS_GETTIMEOFDAY => time::gettimeofday(c, out),
        _ => return None,
    };
    Some(ret)
}

/// Argument kinds of calls simple enough to describe as a list.
#[derive(Clone, Copy)]
enum Arg {
    Fd,
    DirFd,
    Path,
    Int,
    Uint,
    Long,
    Ulong,
    Hex,
    Ptr,
    Mode,
    Sig,
}

/// Prints arguments by kind; the result prints in decimal.
fn simple(c: &Ctx, out: &mut Vec<String>, spec: &[Arg]) -> Ret {
    for (i, kind) in spec.iter().enumerate() {
        out.push(match kind {
            Arg::Fd => c.fd(i),
            Arg::DirFd => c.dirfd(i),
            Arg::Path => c.path(i),
            Arg::Int => c.int(i),
            Arg::Uint => c.uint(i),
            Arg::Long => c.long(i),
            Arg::Ulong => c.ulong(i),
            Arg::Hex => c.hex(i),
            Arg::Ptr => c.ptr(i),
            Arg::Mode => c.mode(i),
            Arg::Sig => signal::signame(c.arg(i)),
        });
    }
    Ret::Dec
}

/// Formats the part after `= `.
pub(crate) fn format_ret(c: &Ctx, kind: Ret) -> String {
    if let Ret::NoReturn = kind {
        return "?".to_string();
    }
    if let Some(e) = c.errno() {
        return errno::format_error(e);
    }
    let r = c.ret();
    match kind {
        Ret::Dec => (r as i64).to_string(),
        Ret::Hex => value::hex(r),
        Ret::Mode => value::mode(r),
        Ret::HexNote(note) => format!("{} ({note})", value::hex(r)),
        Ret::DecNote(note) => format!("{} ({note})", r as i64),
        Ret::NoReturn => "?".to_string(),
    }
}

/// Output buffer argument `i` holding `len` bytes the call wrote: the address when the
/// call failed, the contents otherwise.
fn out_buf(c: &Ctx, i: usize, len: u64) -> String {
    if c.failed() {
        c.ptr(i)
    } else {
        c.buf_at(c.arg(i), len)
    }
}
