//! Value-to-name tables ("xlat" tables in strace's terms) and the two ways strace prints
//! them: a single value (`printxval`) and a set of OR-ed flags (`printflags`).
//!
//! Tables list entries in the order strace prints them, which is not always numeric order:
//! a multi-bit flag (`O_SYNC`, `O_TMPFILE`) comes before the single bits it contains.

use veil_abi::flags::{access, at, clone, fcntl, mman, open, random, rlimit, signal, statx};

/// A value-to-name table.
pub(crate) type Table = &'static [(u64, &'static str)];

/// Looks `v` up in `table`.
pub(crate) fn lookup(table: Table, v: u64) -> Option<&'static str> {
    table
        .iter()
        .find(|&&(val, _)| val == v)
        .map(|&(_, name)| name)
}

/// Prints one value: its name, or `0x2a /* DFLT */` when the table does not know it.
pub(crate) fn xval(table: Table, v: u64, dflt: &str) -> String {
    match lookup(table, v) {
        Some(name) => name.to_string(),
        None => format!("{v:#x} /* {dflt} */"),
    }
}

/// Prints a flag set as strace does: known flags joined with `|` in table order, unknown
/// bits appended in hex (`O_RDONLY|0x40000000`), or `0x40 /* DFLT */` when no bit is known.
/// Zero prints the table's zero entry if it has one, else `0`.
pub(crate) fn flags(table: Table, v: u64, dflt: &str) -> String {
    if v == 0 {
        return lookup(table, 0).unwrap_or("0").to_string();
    }
    let (names, rest) = split_flags(table, v);
    join_flags(names, rest, dflt)
}

/// Splits `v` into the names of the known flags it contains and the leftover bits.
pub(crate) fn split_flags(table: Table, v: u64) -> (Vec<&'static str>, u64) {
    let mut rest = v;
    let mut names = Vec::new();
    for &(val, name) in table {
        if val != 0 && rest & val == val {
            names.push(name);
            rest &= !val;
        }
    }
    (names, rest)
}

/// Joins flag names and leftover bits the way [`flags`] does.
pub(crate) fn join_flags(names: Vec<&'static str>, rest: u64, dflt: &str) -> String {
    if names.is_empty() {
        return if rest == 0 {
            "0".to_string()
        } else {
            format!("{rest:#x} /* {dflt} */")
        };
    }
    let mut s = names.join("|");
    if rest != 0 {
        s.push_str(&format!("|{rest:#x}"));
    }
    s
}

/// `open(2)` access modes (`flags & O_ACCMODE`).
pub(crate) const OPEN_ACCESS: Table = &[
    (open::O_RDONLY as u64, "O_RDONLY"),
    (open::O_WRONLY as u64, "O_WRONLY"),
    (open::O_RDWR as u64, "O_RDWR"),
    (open::O_ACCMODE as u64, "O_ACCMODE"),
];

/// `open(2)` flags other than the access mode.
pub(crate) const OPEN_FLAGS: Table = &[
    (open::O_CREAT as u64, "O_CREAT"),
    (open::O_EXCL as u64, "O_EXCL"),
    (open::O_NOCTTY as u64, "O_NOCTTY"),
    (open::O_TRUNC as u64, "O_TRUNC"),
    (open::O_APPEND as u64, "O_APPEND"),
    (open::O_NONBLOCK as u64, "O_NONBLOCK"),
    (open::O_SYNC as u64, "O_SYNC"),
    (open::O_DSYNC as u64, "O_DSYNC"),
    (open::O_DIRECT as u64, "O_DIRECT"),
    (open::O_LARGEFILE as u64, "O_LARGEFILE"),
    (open::O_NOFOLLOW as u64, "O_NOFOLLOW"),
    (open::O_NOATIME as u64, "O_NOATIME"),
    (open::O_CLOEXEC as u64, "O_CLOEXEC"),
    (open::O_PATH as u64, "O_PATH"),
    (open::O_TMPFILE as u64, "O_TMPFILE"),
    (open::O_DIRECTORY as u64, "O_DIRECTORY"),
    (open::O_ASYNC as u64, "FASYNC"),
];

/// Prints `open(2)` flags: the access mode, then the other flags (`O_RDONLY|O_CLOEXEC`).
pub(crate) fn open_flags(v: u64) -> String {
    let v = v & 0xffff_ffff;
    let acc = v & u64::from(open::O_ACCMODE);
    let (mut names, rest) = split_flags(OPEN_FLAGS, v & !u64::from(open::O_ACCMODE));
    names.insert(0, lookup(OPEN_ACCESS, acc).unwrap_or("O_ACCMODE"));
    join_flags(names, rest, "O_???")
}

/// Flags that only `pipe2`, `dup3`, `eventfd2` and friends accept.
pub(crate) const CLOEXEC_FLAGS: Table = &[
    (open::O_CLOEXEC as u64, "O_CLOEXEC"),
    (open::O_NONBLOCK as u64, "O_NONBLOCK"),
    (open::O_DIRECT as u64, "O_DIRECT"),
];

/// `*at(2)` flags as `newfstatat`, `linkat`, `execveat` and others print them.
pub(crate) const AT_FLAGS: Table = &[
    (at::AT_SYMLINK_NOFOLLOW as u64, "AT_SYMLINK_NOFOLLOW"),
    (at::AT_REMOVEDIR as u64, "AT_REMOVEDIR"),
    (at::AT_SYMLINK_FOLLOW as u64, "AT_SYMLINK_FOLLOW"),
    (at::AT_NO_AUTOMOUNT as u64, "AT_NO_AUTOMOUNT"),
    (at::AT_EMPTY_PATH as u64, "AT_EMPTY_PATH"),
    (0x8000, "AT_RECURSIVE"),
];

/// `faccessat2(2)` flags.
pub(crate) const FACCESSAT_FLAGS: Table = &[
    (at::AT_SYMLINK_NOFOLLOW as u64, "AT_SYMLINK_NOFOLLOW"),
    (at::AT_EACCESS as u64, "AT_EACCESS"),
    (at::AT_EMPTY_PATH as u64, "AT_EMPTY_PATH"),
];

/// `unlinkat(2)` flags.
pub(crate) const UNLINKAT_FLAGS: Table = &[(at::AT_REMOVEDIR as u64, "AT_REMOVEDIR")];

/// `statx(2)` synchronisation types (`flags & AT_STATX_SYNC_TYPE`).
pub(crate) const STATX_SYNC: Table = &[
    (0, "AT_STATX_SYNC_AS_STAT"),
    (0x2000, "AT_STATX_FORCE_SYNC"),
    (0x4000, "AT_STATX_DONT_SYNC"),
];

/// `access(2)` modes.
pub(crate) const ACCESS_MODES: Table = &[
    (access::F_OK as u64, "F_OK"),
    (access::R_OK as u64, "R_OK"),
    (access::W_OK as u64, "W_OK"),
    (access::X_OK as u64, "X_OK"),
];

/// `lseek(2)` whence values.
pub(crate) const WHENCE: Table = &[
    (0, "SEEK_SET"),
    (1, "SEEK_CUR"),
    (2, "SEEK_END"),
    (3, "SEEK_DATA"),
    (4, "SEEK_HOLE"),
];

/// `fcntl(2)` commands.
pub(crate) const FCNTL_CMDS: Table = &[
    (fcntl::F_DUPFD as u64, "F_DUPFD"),
    (fcntl::F_GETFD as u64, "F_GETFD"),
    (fcntl::F_SETFD as u64, "F_SETFD"),
    (fcntl::F_GETFL as u64, "F_GETFL"),
    (fcntl::F_SETFL as u64, "F_SETFL"),
    (fcntl::F_GETLK as u64, "F_GETLK"),
    (fcntl::F_SETLK as u64, "F_SETLK"),
    (fcntl::F_SETLKW as u64, "F_SETLKW"),
    (8, "F_SETOWN"),
    (9, "F_GETOWN"),
    (10, "F_SETSIG"),
    (11, "F_GETSIG"),
    (15, "F_SETOWN_EX"),
    (16, "F_GETOWN_EX"),
    (17, "F_GETOWNER_UIDS"),
    (36, "F_OFD_GETLK"),
    (37, "F_OFD_SETLK"),
    (38, "F_OFD_SETLKW"),
    (1024, "F_SETLEASE"),
    (1025, "F_GETLEASE"),
    (1026, "F_NOTIFY"),
    (1027, "F_DUPFD_QUERY"),
    (1028, "F_CREATED_QUERY"),
    (fcntl::F_DUPFD_CLOEXEC as u64, "F_DUPFD_CLOEXEC"),
    (1031, "F_SETPIPE_SZ"),
    (fcntl::F_GETPIPE_SZ as u64, "F_GETPIPE_SZ"),
    (1033, "F_ADD_SEALS"),
    (1034, "F_GET_SEALS"),
    (1035, "F_GET_RW_HINT"),
    (1036, "F_SET_RW_HINT"),
    (1037, "F_GET_FILE_RW_HINT"),
    (1038, "F_SET_FILE_RW_HINT"),
];

/// File descriptor flags (`F_GETFD`/`F_SETFD`).
pub(crate) const FD_FLAGS: Table = &[(fcntl::FD_CLOEXEC as u64, "FD_CLOEXEC")];

/// File seals (`F_ADD_SEALS`/`F_GET_SEALS`).
pub(crate) const SEALS: Table = &[
    (1, "F_SEAL_SEAL"),
    (2, "F_SEAL_SHRINK"),
    (4, "F_SEAL_GROW"),
    (8, "F_SEAL_WRITE"),
    (0x10, "F_SEAL_FUTURE_WRITE"),
    (0x20, "F_SEAL_EXEC"),
];

/// Record lock types (`struct flock`'s `l_type`, `F_SETLEASE`).
pub(crate) const LOCK_TYPES: Table = &[(0, "F_RDLCK"), (1, "F_WRLCK"), (2, "F_UNLCK")];

/// `mmap(2)` protections.
pub(crate) const PROT: Table = &[
    (mman::PROT_NONE as u64, "PROT_NONE"),
    (mman::PROT_READ as u64, "PROT_READ"),
    (mman::PROT_WRITE as u64, "PROT_WRITE"),
    (mman::PROT_EXEC as u64, "PROT_EXEC"),
    (0x8, "PROT_SEM"),
    (mman::PROT_GROWSDOWN as u64, "PROT_GROWSDOWN"),
    (mman::PROT_GROWSUP as u64, "PROT_GROWSUP"),
];

/// `mmap(2)` mapping types (`flags & MAP_TYPE`).
pub(crate) const MAP_TYPES: Table = &[
    (0, "MAP_FILE"),
    (mman::MAP_SHARED as u64, "MAP_SHARED"),
    (mman::MAP_PRIVATE as u64, "MAP_PRIVATE"),
    (mman::MAP_SHARED_VALIDATE as u64, "MAP_SHARED_VALIDATE"),
    (0x8, "MAP_DROPPABLE"),
];

/// `mmap(2)` flags other than the type.
pub(crate) const MAP_FLAGS: Table = &[
    (mman::MAP_FIXED as u64, "MAP_FIXED"),
    (mman::MAP_ANONYMOUS as u64, "MAP_ANONYMOUS"),
    (mman::MAP_32BIT as u64, "MAP_32BIT"),
    (0x80, "MAP_ABOVE4G"),
    (mman::MAP_NORESERVE as u64, "MAP_NORESERVE"),
    (mman::MAP_POPULATE as u64, "MAP_POPULATE"),
    (mman::MAP_NONBLOCK as u64, "MAP_NONBLOCK"),
    (mman::MAP_GROWSDOWN as u64, "MAP_GROWSDOWN"),
    (mman::MAP_DENYWRITE as u64, "MAP_DENYWRITE"),
    (mman::MAP_EXECUTABLE as u64, "MAP_EXECUTABLE"),
    (mman::MAP_LOCKED as u64, "MAP_LOCKED"),
    (mman::MAP_STACK as u64, "MAP_STACK"),
    (mman::MAP_HUGETLB as u64, "MAP_HUGETLB"),
    (mman::MAP_SYNC as u64, "MAP_SYNC"),
    (0x400_0000, "MAP_UNINITIALIZED"),
    (mman::MAP_FIXED_NOREPLACE as u64, "MAP_FIXED_NOREPLACE"),
];

/// Prints `mmap(2)` flags: type, flags, then the huge page size (`21<<MAP_HUGE_SHIFT`).
pub(crate) fn mmap_flags(v: u64) -> String {
    const HUGE_SHIFT: u32 = 26;
    const HUGE_MASK: u64 = 0x3f << HUGE_SHIFT;
    let ty = v & u64::from(mman::MAP_TYPE);
    let huge = (v & HUGE_MASK) >> HUGE_SHIFT;
    let rest = v & !(u64::from(mman::MAP_TYPE) | HUGE_MASK);
    let mut s = match lookup(MAP_TYPES, ty) {
        Some(name) => name.to_string(),
        None => format!("{ty:#x} /* MAP_??? */"),
    };
    if rest != 0 {
        let (names, left) = split_flags(MAP_FLAGS, rest);
        let mut parts: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        if left != 0 {
            parts.push(format!("{left:#x}"));
        }
        s.push('|');
        s.push_str(&parts.join("|"));
    }
    if huge != 0 {
        s.push_str(&format!("|{huge}<<MAP_HUGE_SHIFT"));
    }
    s
}

/// `mremap(2)` flags.
pub(crate) const MREMAP_FLAGS: Table = &[
    (mman::MREMAP_MAYMOVE as u64, "MREMAP_MAYMOVE"),
    (mman::MREMAP_FIXED as u64, "MREMAP_FIXED"),
    (4, "MREMAP_DONTUNMAP"),
];

/// `msync(2)` flags.
pub(crate) const MSYNC_FLAGS: Table = &[(1, "MS_ASYNC"), (2, "MS_INVALIDATE"), (4, "MS_SYNC")];

/// `madvise(2)` advice values.
pub(crate) const MADVISE: Table = &[
    (0, "MADV_NORMAL"),
    (1, "MADV_RANDOM"),
    (2, "MADV_SEQUENTIAL"),
    (3, "MADV_WILLNEED"),
    (4, "MADV_DONTNEED"),
    (8, "MADV_FREE"),
    (9, "MADV_REMOVE"),
    (10, "MADV_DONTFORK"),
    (11, "MADV_DOFORK"),
    (12, "MADV_MERGEABLE"),
    (13, "MADV_UNMERGEABLE"),
    (14, "MADV_HUGEPAGE"),
    (15, "MADV_NOHUGEPAGE"),
    (16, "MADV_DONTDUMP"),
    (17, "MADV_DODUMP"),
    (18, "MADV_WIPEONFORK"),
    (19, "MADV_KEEPONFORK"),
    (20, "MADV_COLD"),
    (21, "MADV_PAGEOUT"),
    (22, "MADV_POPULATE_READ"),
    (23, "MADV_POPULATE_WRITE"),
    (24, "MADV_DONTNEED_LOCKED"),
    (25, "MADV_COLLAPSE"),
    (100, "MADV_HWPOISON"),
    (101, "MADV_SOFT_OFFLINE"),
    (102, "MADV_GUARD_INSTALL"),
    (103, "MADV_GUARD_REMOVE"),
];

/// `clone(2)`/`clone3(2)` flags (without the exit signal).
pub(crate) const CLONE_FLAGS: Table = &[
    (0x80, "CLONE_NEWTIME"),
    (clone::CLONE_VM, "CLONE_VM"),
    (clone::CLONE_FS, "CLONE_FS"),
    (clone::CLONE_FILES, "CLONE_FILES"),
    (clone::CLONE_SIGHAND, "CLONE_SIGHAND"),
    (clone::CLONE_PIDFD, "CLONE_PIDFD"),
    (clone::CLONE_PTRACE, "CLONE_PTRACE"),
    (clone::CLONE_VFORK, "CLONE_VFORK"),
    (clone::CLONE_PARENT, "CLONE_PARENT"),
    (clone::CLONE_THREAD, "CLONE_THREAD"),
    (clone::CLONE_NEWNS, "CLONE_NEWNS"),
    (clone::CLONE_SYSVSEM, "CLONE_SYSVSEM"),
    (clone::CLONE_SETTLS, "CLONE_SETTLS"),
    (clone::CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"),
    (clone::CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"),
    (clone::CLONE_DETACHED, "CLONE_DETACHED"),
    (clone::CLONE_UNTRACED, "CLONE_UNTRACED"),
    (clone::CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"),
    (clone::CLONE_NEWCGROUP, "CLONE_NEWCGROUP"),
    (clone::CLONE_NEWUTS, "CLONE_NEWUTS"),
    (clone::CLONE_NEWIPC, "CLONE_NEWIPC"),
    (clone::CLONE_NEWUSER, "CLONE_NEWUSER"),
    (clone::CLONE_NEWPID, "CLONE_NEWPID"),
    (clone::CLONE_NEWNET, "CLONE_NEWNET"),
    (clone::CLONE_IO, "CLONE_IO"),
    (0x1_0000_0000, "CLONE_CLEAR_SIGHAND"),
    (0x2_0000_0000, "CLONE_INTO_CGROUP"),
];

/// `rt_sigaction(2)` flags.
pub(crate) const SA_FLAGS: Table = &[
    (signal::SA_RESTORER, "SA_RESTORER"),
    (signal::SA_ONSTACK, "SA_ONSTACK"),
    (signal::SA_RESTART, "SA_RESTART"),
    (0x2000_0000, "SA_INTERRUPT"),
    (signal::SA_NODEFER, "SA_NODEFER"),
    (signal::SA_RESETHAND, "SA_RESETHAND"),
    (signal::SA_SIGINFO, "SA_SIGINFO"),
    (signal::SA_NOCLDSTOP, "SA_NOCLDSTOP"),
    (signal::SA_NOCLDWAIT, "SA_NOCLDWAIT"),
];

/// `rt_sigprocmask(2)` operations.
pub(crate) const SIGPROCMASK_HOW: Table = &[
    (signal::SIG_BLOCK as u64, "SIG_BLOCK"),
    (signal::SIG_UNBLOCK as u64, "SIG_UNBLOCK"),
    (signal::SIG_SETMASK as u64, "SIG_SETMASK"),
];

/// Names of signals 1..=31.
pub(crate) const SIGNAL_NAMES: [&str; 31] = [
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
];

/// `getrandom(2)` flags.
pub(crate) const GRND_FLAGS: Table = &[
    (random::GRND_NONBLOCK as u64, "GRND_NONBLOCK"),
    (random::GRND_RANDOM as u64, "GRND_RANDOM"),
    (random::GRND_INSECURE as u64, "GRND_INSECURE"),
];

/// Resource limit ids.
pub(crate) const RLIMITS: Table = &[
    (rlimit::RLIMIT_CPU as u64, "RLIMIT_CPU"),
    (rlimit::RLIMIT_FSIZE as u64, "RLIMIT_FSIZE"),
    (rlimit::RLIMIT_DATA as u64, "RLIMIT_DATA"),
    (rlimit::RLIMIT_STACK as u64, "RLIMIT_STACK"),
    (rlimit::RLIMIT_CORE as u64, "RLIMIT_CORE"),
    (rlimit::RLIMIT_RSS as u64, "RLIMIT_RSS"),
    (rlimit::RLIMIT_NPROC as u64, "RLIMIT_NPROC"),
    (rlimit::RLIMIT_NOFILE as u64, "RLIMIT_NOFILE"),
    (rlimit::RLIMIT_MEMLOCK as u64, "RLIMIT_MEMLOCK"),
    (rlimit::RLIMIT_AS as u64, "RLIMIT_AS"),
    (rlimit::RLIMIT_LOCKS as u64, "RLIMIT_LOCKS"),
    (rlimit::RLIMIT_SIGPENDING as u64, "RLIMIT_SIGPENDING"),
    (rlimit::RLIMIT_MSGQUEUE as u64, "RLIMIT_MSGQUEUE"),
    (rlimit::RLIMIT_NICE as u64, "RLIMIT_NICE"),
    (rlimit::RLIMIT_RTPRIO as u64, "RLIMIT_RTPRIO"),
    (rlimit::RLIMIT_RTTIME as u64, "RLIMIT_RTTIME"),
];

/// Clock ids.
pub(crate) const CLOCKS: Table = &[
    (0, "CLOCK_REALTIME"),
    (1, "CLOCK_MONOTONIC"),
    (2, "CLOCK_PROCESS_CPUTIME_ID"),
    (3, "CLOCK_THREAD_CPUTIME_ID"),
    (4, "CLOCK_MONOTONIC_RAW"),
    (5, "CLOCK_REALTIME_COARSE"),
    (6, "CLOCK_MONOTONIC_COARSE"),
    (7, "CLOCK_BOOTTIME"),
    (8, "CLOCK_REALTIME_ALARM"),
    (9, "CLOCK_BOOTTIME_ALARM"),
    (10, "CLOCK_SGI_CYCLE"),
    (11, "CLOCK_TAI"),
];

/// `clock_nanosleep(2)` flags.
pub(crate) const TIMER_FLAGS: Table = &[(1, "TIMER_ABSTIME")];

/// `arch_prctl(2)` codes.
pub(crate) const ARCH_PRCTL: Table = &[
    (0x1001, "ARCH_SET_GS"),
    (0x1002, "ARCH_SET_FS"),
    (0x1003, "ARCH_GET_FS"),
    (0x1004, "ARCH_GET_GS"),
    (0x1011, "ARCH_GET_CPUID"),
    (0x1012, "ARCH_SET_CPUID"),
    (0x1021, "ARCH_GET_XCOMP_SUPP"),
    (0x1022, "ARCH_GET_XCOMP_PERM"),
    (0x1023, "ARCH_REQ_XCOMP_PERM"),
    (0x1024, "ARCH_GET_XCOMP_GUEST_PERM"),
    (0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"),
    (0x2001, "ARCH_MAP_VDSO_X32"),
    (0x2002, "ARCH_MAP_VDSO_32"),
    (0x2003, "ARCH_MAP_VDSO_64"),
    (0x4001, "ARCH_GET_UNTAG_MASK"),
    (0x4002, "ARCH_ENABLE_TAGGED_ADDR"),
    (0x4003, "ARCH_GET_MAX_TAG_BITS"),
    (0x4004, "ARCH_FORCE_TAGGED_SVA"),
    (0x5001, "ARCH_SHSTK_ENABLE"),
    (0x5002, "ARCH_SHSTK_DISABLE"),
    (0x5003, "ARCH_SHSTK_LOCK"),
    (0x5004, "ARCH_SHSTK_UNLOCK"),
    (0x5005, "ARCH_SHSTK_STATUS"),
];

/// `futex(2)` commands (`op & FUTEX_CMD_MASK`).
pub(crate) const FUTEX_CMDS: Table = &[
    (0, "FUTEX_WAIT"),
    (1, "FUTEX_WAKE"),
    (2, "FUTEX_FD"),
    (3, "FUTEX_REQUEUE"),
    (4, "FUTEX_CMP_REQUEUE"),
    (5, "FUTEX_WAKE_OP"),
    (6, "FUTEX_LOCK_PI"),
    (7, "FUTEX_UNLOCK_PI"),
    (8, "FUTEX_TRYLOCK_PI"),
    (9, "FUTEX_WAIT_BITSET"),
    (10, "FUTEX_WAKE_BITSET"),
    (11, "FUTEX_WAIT_REQUEUE_PI"),
    (12, "FUTEX_CMP_REQUEUE_PI"),
    (13, "FUTEX_LOCK_PI2"),
];

/// `FUTEX_WAKE_OP` operations.
pub(crate) const FUTEX_WAKE_OPS: Table = &[
    (0, "FUTEX_OP_SET"),
    (1, "FUTEX_OP_ADD"),
    (2, "FUTEX_OP_OR"),
    (3, "FUTEX_OP_ANDN"),
    (4, "FUTEX_OP_XOR"),
];

/// `FUTEX_WAKE_OP` comparisons.
pub(crate) const FUTEX_WAKE_CMPS: Table = &[
    (0, "FUTEX_OP_CMP_EQ"),
    (1, "FUTEX_OP_CMP_NE"),
    (2, "FUTEX_OP_CMP_LT"),
    (3, "FUTEX_OP_CMP_LE"),
    (4, "FUTEX_OP_CMP_GT"),
    (5, "FUTEX_OP_CMP_GE"),
];

/// `statx(2)` mask bits.
pub(crate) const STATX_MASK: Table = &[
    (0xfff, "STATX_ALL"),
    (statx::STATX_BASIC_STATS as u64, "STATX_BASIC_STATS"),
    (statx::STATX_TYPE as u64, "STATX_TYPE"),
    (statx::STATX_MODE as u64, "STATX_MODE"),
    (statx::STATX_NLINK as u64, "STATX_NLINK"),
    (statx::STATX_UID as u64, "STATX_UID"),
    (statx::STATX_GID as u64, "STATX_GID"),
    (statx::STATX_ATIME as u64, "STATX_ATIME"),
    (statx::STATX_MTIME as u64, "STATX_MTIME"),
    (statx::STATX_CTIME as u64, "STATX_CTIME"),
    (statx::STATX_INO as u64, "STATX_INO"),
    (statx::STATX_SIZE as u64, "STATX_SIZE"),
    (statx::STATX_BLOCKS as u64, "STATX_BLOCKS"),
    (statx::STATX_BTIME as u64, "STATX_BTIME"),
    (0x1000, "STATX_MNT_ID"),
    (0x2000, "STATX_DIOALIGN"),
    (0x4000, "STATX_MNT_ID_UNIQUE"),
    (0x8000, "STATX_SUBVOL"),
    (0x1_0000, "STATX_WRITE_ATOMIC"),
    (0x2_0000, "STATX_DIO_READ_ALIGN"),
];

/// `statx(2)` attribute bits.
pub(crate) const STATX_ATTRS: Table = &[
    (0x4, "STATX_ATTR_COMPRESSED"),
    (0x10, "STATX_ATTR_IMMUTABLE"),
    (0x20, "STATX_ATTR_APPEND"),
    (0x40, "STATX_ATTR_NODUMP"),
    (0x800, "STATX_ATTR_ENCRYPTED"),
    (0x1000, "STATX_ATTR_AUTOMOUNT"),
    (0x2000, "STATX_ATTR_MOUNT_ROOT"),
    (0x10_0000, "STATX_ATTR_VERITY"),
    (0x20_0000, "STATX_ATTR_DAX"),
    (0x40_0000, "STATX_ATTR_WRITE_ATOMIC"),
];

/// File types (`st_mode & S_IFMT`).
pub(crate) const FILE_TYPES: Table = &[
    (0o140000, "S_IFSOCK"),
    (0o120000, "S_IFLNK"),
    (0o100000, "S_IFREG"),
    (0o060000, "S_IFBLK"),
    (0o040000, "S_IFDIR"),
    (0o020000, "S_IFCHR"),
    (0o010000, "S_IFIFO"),
];

/// `wait4(2)` options.
pub(crate) const WAIT_OPTIONS: Table = &[
    (1, "WNOHANG"),
    (2, "WUNTRACED"),
    (8, "WCONTINUED"),
    (0x2000_0000, "__WNOTHREAD"),
    (0x4000_0000, "__WALL"),
    (0x8000_0000, "__WCLONE"),
];
