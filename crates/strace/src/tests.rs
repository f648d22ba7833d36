//! End-to-end tests: each expected line is what strace 6.1 printed for the same call
//! (captured from real programs), with guest memory served by a fake reader.

use std::collections::HashMap;

use super::*;
use veil_abi::sysno::*;

/// Guest memory as a map from region start to contents; a read must fall inside one
/// region.
#[derive(Default)]
struct Mem {
    regions: HashMap<u64, Vec<u8>>,
}

impl Mem {
    fn new() -> Self {
        Mem::default()
    }

    fn put(mut self, addr: u64, bytes: &[u8]) -> Self {
        self.regions.insert(addr, bytes.to_vec());
        self
    }

    fn words(self, addr: u64, words: &[u64]) -> Self {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.put(addr, &bytes)
    }
}

impl GuestReader for Mem {
    fn read_bytes(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        self.regions.iter().find_map(|(&base, bytes)| {
            let off = usize::try_from(addr.checked_sub(base)?).ok()?;
            bytes.get(off..off.checked_add(len)?).map(<[u8]>::to_vec)
        })
    }
}

/// The raw return value of a call failing with `errno`.
fn err(errno: i32) -> u64 {
    veil_abi::Errno(errno).as_ret()
}

/// Formats without column alignment, so expectations read naturally.
fn fmt(nr: u64, args: [u64; 6], ret: u64, mem: &dyn GuestReader) -> String {
    let opts = Options {
        align_column: 0,
        ..Options::default()
    };
    format_call_with(nr, &args, ret, mem, &opts)
}

fn a1(a: u64) -> [u64; 6] {
    [a, 0, 0, 0, 0, 0]
}
fn a2(a: u64, b: u64) -> [u64; 6] {
    [a, b, 0, 0, 0, 0]
}
fn a3(a: u64, b: u64, c: u64) -> [u64; 6] {
    [a, b, c, 0, 0, 0]
}
fn a4(a: u64, b: u64, c: u64, d: u64) -> [u64; 6] {
    [a, b, c, d, 0, 0]
}

const AT_FDCWD: u64 = -100i64 as u64;
const ENOENT: i32 = 2;
const EFAULT: i32 = 14;
const EINVAL: i32 = 22;

// ---- the default layout -------------------------------------------------------------------

#[test]
fn result_is_aligned_at_column_40_by_default() {
    let mem = Mem::new();
    assert_eq!(
        format_call(SYS_CLOSE, &a1(3), 0, &mem),
        "close(3)                                = 0"
    );
    assert_eq!(
        format_call(SYS_BRK, &a1(0), 0x5584_14cc_2000, &mem),
        "brk(NULL)                               = 0x558414cc2000"
    );
    assert_eq!(
        format_call(SYS_EXIT_GROUP, &a1(0), 0, &mem),
        "exit_group(0)                           = ?"
    );
    let mem = Mem::new().put(0x1000, b"/etc/ld.so.preload\0");
    assert_eq!(
        format_call(SYS_ACCESS, &a2(0x1000, 4), err(ENOENT), &mem),
        "access(\"/etc/ld.so.preload\", R_OK)      = -1 ENOENT (No such file or directory)"
    );
}

#[test]
fn long_calls_get_a_single_space() {
    let mem = Mem::new().put(0x1000, b"/lib/x86_64-linux-gnu/libselinux.so.1\0");
    assert_eq!(
        format_call(SYS_OPENAT, &a3(AT_FDCWD, 0x1000, 0o2000000), 3, &mem),
        "openat(AT_FDCWD, \"/lib/x86_64-linux-gnu/libselinux.so.1\", O_RDONLY|O_CLOEXEC) = 3"
    );
}

// ---- the cases the brief names ------------------------------------------------------------

#[test]
fn openat_flags_mode_and_errors() {
    let mem = Mem::new()
        .put(0x1000, b"/tmp/stref/x.txt\0")
        .put(0x2000, b"/nonexistent\0")
        .put(0x3000, b"/tmp\0")
        .put(0x4000, b"rel\0");
    assert_eq!(
        fmt(SYS_OPENAT, a4(AT_FDCWD, 0x1000, 0o2001101, 0o644), 3, &mem),
        "openat(AT_FDCWD, \"/tmp/stref/x.txt\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644) = 3"
    );
    assert_eq!(
        fmt(SYS_OPENAT, a3(AT_FDCWD, 0x2000, 0), err(ENOENT), &mem),
        "openat(AT_FDCWD, \"/nonexistent\", O_RDONLY) = -1 ENOENT (No such file or directory)"
    );
    assert_eq!(
        fmt(SYS_OPENAT, a4(AT_FDCWD, 0x3000, 0o20200002, 0o600), 5, &mem),
        "openat(AT_FDCWD, \"/tmp\", O_RDWR|O_TMPFILE, 0600) = 5"
    );
    assert_eq!(
        fmt(SYS_OPENAT, a4(3, 0x4000, 0o2302, 0o600), 4, &mem),
        "openat(3, \"rel\", O_RDWR|O_CREAT|O_EXCL|O_APPEND, 0600) = 4"
    );
    assert_eq!(
        fmt(
            SYS_OPENAT,
            a3(AT_FDCWD, 0x2000, 0x4000_0000 | 0o15470400),
            err(ENOENT),
            &mem
        ),
        "openat(AT_FDCWD, \"/nonexistent\", O_RDONLY|O_NOCTTY|O_SYNC|O_DIRECT|O_NOFOLLOW|\
         O_NOATIME|O_PATH|FASYNC|0x40000000) = -1 ENOENT (No such file or directory)"
    );
    assert_eq!(
        fmt(SYS_OPENAT, a3(AT_FDCWD, 0x2000, 3), err(ENOENT), &mem),
        "openat(AT_FDCWD, \"/nonexistent\", O_ACCMODE) = -1 ENOENT (No such file or directory)"
    );
    assert_eq!(
        fmt(SYS_OPEN, a3(0x1000, 0o101, 0o4755), 4, &mem),
        "open(\"/tmp/stref/x.txt\", O_WRONLY|O_CREAT, 04755) = 4"
    );
}

#[test]
fn read_escapes_and_truncates_the_buffer() {
    let elf: &[u8] =
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0\0\0\0\0\0\0\0\0\0\0";
    let mut buf = elf.to_vec();
    buf.resize(832, 0);
    let text = b"hello\tworld\n\"q\"\\ \x01\x023\xffend of a long string here".to_vec();
    let mem = Mem::new().put(0x1000, &buf).put(0x2000, &text);
    assert_eq!(
        fmt(SYS_READ, a3(3, 0x1000, 832), 832, &mem),
        "read(3, \"\\177ELF\\2\\1\\1\\0\\0\\0\\0\\0\\0\\0\\0\\0\\3\\0>\\0\\1\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\"..., 832) = 832"
    );
    // Only the bytes read print, and the string limit cuts the rest.
    assert_eq!(
        fmt(SYS_READ, a3(6, 0x2000, 10), 10, &mem),
        "read(6, \"hello\\tworl\", 10) = 10"
    );
    assert_eq!(
        fmt(SYS_PREAD64, a4(6, 0x2000, 100, 0), 44, &mem),
        "pread64(6, \"hello\\tworld\\n\\\"q\\\"\\\\ \\1\\0023\\377end of a lo\"..., 100, 0) = 44"
    );
    assert_eq!(
        fmt(SYS_READ, a3(3, 0x2000, 1024), 0, &mem),
        "read(3, \"\", 1024) = 0"
    );
    assert_eq!(
        fmt(SYS_WRITE, a3(3, 0x2000, 5), 5, &mem),
        "write(3, \"hello\", 5) = 5"
    );
}

#[test]
fn unreadable_pointers_print_in_hex() {
    let mem = Mem::new().put(0x1000, b"/etc/passwd\0");
    assert_eq!(
        fmt(SYS_READ, a3(6, 0x8, 10), err(EFAULT), &mem),
        "read(6, 0x8, 10) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        fmt(SYS_WRITE, a3(1, 0x8, 10), err(EFAULT), &mem),
        "write(1, 0x8, 10) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        fmt(SYS_STAT, a2(0x8, 0x7fff_5b7b_1350), err(EFAULT), &mem),
        "stat(0x8, 0x7fff5b7b1350) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        fmt(SYS_STAT, a2(0x1000, 0x8), err(EFAULT), &mem),
        "stat(\"/etc/passwd\", 0x8) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        fmt(SYS_OPENAT, a4(AT_FDCWD, 0x8, 0o101, 0), err(EFAULT), &mem),
        "openat(AT_FDCWD, 0x8, O_WRONLY|O_CREAT, 000) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        fmt(SYS_WRITE, a3(1, 0, 5), err(EFAULT), &mem),
        "write(1, NULL, 5) = -1 EFAULT (Bad address)"
    );
    // A failed read prints the buffer's address even when it is readable.
    assert_eq!(
        fmt(SYS_READ, a3(u64::MAX, 0x1000, 10), err(9), &mem),
        "read(-1, 0x1000, 10) = -1 EBADF (Bad file descriptor)"
    );
}

#[test]
fn mmap_family() {
    let mem = Mem::new();
    assert_eq!(
        fmt(
            SYS_MMAP,
            [0, 8192, 3, 0x22, u64::MAX, 0],
            0x7f00_9496_c000,
            &mem
        ),
        "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f009496c000"
    );
    assert_eq!(
        fmt(SYS_MMAP, [0x7f00_9493_c000, 110592, 5, 0x812, 3, 0x7000], 0x7f00_9493_c000, &mem),
        "mmap(0x7f009493c000, 110592, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x7000) = 0x7f009493c000"
    );
    assert_eq!(
        fmt(SYS_MMAP, [0, 4096, 1, 0x1002_4102, u64::MAX, 0], err(9), &mem),
        "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_NORESERVE|MAP_GROWSDOWN|MAP_STACK|4<<MAP_HUGE_SHIFT, -1, 0) = -1 EBADF (Bad file descriptor)"
    );
    assert_eq!(
        fmt(SYS_MMAP, [0, 4096, 0x80, 0xf, 99, 0], err(9), &mem),
        "mmap(NULL, 4096, 0x80 /* PROT_??? */, 0xf /* MAP_??? */, 99, 0) = -1 EBADF (Bad file descriptor)"
    );
    assert_eq!(
        fmt(SYS_MPROTECT, a3(0x7f00_9492_2000, 16384, 0), 0, &mem),
        "mprotect(0x7f0094922000, 16384, PROT_NONE) = 0"
    );
    assert_eq!(
        fmt(SYS_MUNMAP, a2(0x7f00_9496_3000, 33699), 0, &mem),
        "munmap(0x7f0094963000, 33699) = 0"
    );
    assert_eq!(
        fmt(SYS_BRK, a1(0x5565_650b_5000), 0x5565_650b_5000, &mem),
        "brk(0x5565650b5000) = 0x5565650b5000"
    );
    assert_eq!(
        fmt(SYS_MADVISE, a3(0, 0, 4), 0, &mem),
        "madvise(NULL, 0, MADV_DONTNEED) = 0"
    );
}

#[test]
fn rt_sigaction_structs() {
    let sigterm_bit = 1 << 14;
    let mem = Mem::new()
        .words(
            0x1000,
            &[0x55b4_2f62_3459, 0x1400_0004, 0x7fbf_d86c_f050, sigterm_bit],
        )
        .words(0x2000, &[0, 0, 0, 0]);
    assert_eq!(
        fmt(SYS_RT_SIGACTION, a4(2, 0x1000, 0x2000, 8), 0, &mem),
        "rt_sigaction(SIGINT, {sa_handler=0x55b42f623459, sa_mask=[TERM], sa_flags=SA_RESTORER|SA_RESTART|SA_SIGINFO, sa_restorer=0x7fbfd86cf050}, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0"
    );
    let mem = Mem::new().words(
        0x1000,
        &[1, 0x0400_0000 | 0x1000_0000, 0x7fbf_d86c_f050, 1 << 12],
    );
    assert_eq!(
        fmt(SYS_RT_SIGACTION, a4(13, 0x1000, 0, 8), 0, &mem),
        "rt_sigaction(SIGPIPE, {sa_handler=SIG_IGN, sa_mask=[PIPE], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7fbfd86cf050}, NULL, 8) = 0"
    );
    // Everything but RTMIN and RT_1 is blocked: printed as a complement.
    let mem = Mem::new().words(0x1000, &[0, 0xffff_ffff_cc00_0001, 0x7f00, !(3u64 << 31)]);
    assert_eq!(
        fmt(SYS_RT_SIGACTION, a4(17, 0x1000, 0, 8), 0, &mem),
        "rt_sigaction(SIGCHLD, {sa_handler=SIG_DFL, sa_mask=~[RTMIN RT_1], sa_flags=SA_RESTORER|SA_ONSTACK|SA_NODEFER|SA_RESETHAND|SA_NOCLDSTOP|0xffffffff00000000, sa_restorer=0x7f00}, NULL, 8) = 0"
    );
    assert_eq!(
        fmt(SYS_RT_SIGACTION, a4(10, 0x8, 0, 8), err(EFAULT), &mem),
        "rt_sigaction(SIGUSR1, 0x8, NULL, 8) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        fmt(SYS_RT_SIGACTION, a4(36, 0, 0, 8), 0, &mem),
        "rt_sigaction(SIGRT_4, NULL, NULL, 8) = 0"
    );
}

#[test]
fn rt_sigprocmask_sets() {
    let set = (1u64 << 1) | (1 << 14) | (1 << 33) | (1 << 39);
    let mem = Mem::new()
        .words(0x1000, &[set])
        .words(0x2000, &[0])
        .words(0x3000, &[u64::MAX]);
    assert_eq!(
        fmt(SYS_RT_SIGPROCMASK, a4(0, 0x1000, 0x2000, 8), 0, &mem),
        "rt_sigprocmask(SIG_BLOCK, [INT TERM RT_2 RT_8], [], 8) = 0"
    );
    assert_eq!(
        fmt(SYS_RT_SIGPROCMASK, a4(2, 0x2000, 0, 8), 0, &mem),
        "rt_sigprocmask(SIG_SETMASK, [], NULL, 8) = 0"
    );
    assert_eq!(
        fmt(SYS_RT_SIGPROCMASK, a4(0, 0x3000, 0x1000, 8), 0, &mem),
        "rt_sigprocmask(SIG_BLOCK, ~[], [INT TERM RT_2 RT_8], 8) = 0"
    );
    assert_eq!(
        fmt(SYS_RT_SIGPROCMASK, a4(7, 0, 0, 8), 0, &mem),
        "rt_sigprocmask(0x7 /* SIG_??? */, NULL, NULL, 8) = 0"
    );
}

#[test]
fn clone_flags_and_thread_pointers() {
    let mem = Mem::new();
    assert_eq!(
        fmt(SYS_CLONE, [0x0120_0011, 0, 0, 0x7ffc_5af1_ac20, 0, 0], 9781, &mem),
        "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffc5af1ac20) = 9781"
    );
    assert_eq!(
        fmt(SYS_CLONE, [0x1118_0800 | 10, 0x1000, 0x2000, 0x3000, 0x4000, 0], err(EINVAL), &mem),
        "clone(child_stack=0x1000, flags=CLONE_SIGHAND|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_SETTID|CLONE_NEWUSER|SIGUSR1, parent_tid=0x2000, tls=0x4000, child_tidptr=0x3000) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        fmt(SYS_CLONE, a1(0x10000), err(EINVAL), &mem),
        "clone(child_stack=NULL, flags=CLONE_THREAD) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        fmt(SYS_CLONE, [0x0050_0f00, 0x7f00, 0x5000, 0, 0, 0], 42, &Mem::new().put(0x5000, &42u32.to_le_bytes())),
        "clone(child_stack=0x7f00, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_PARENT_SETTID|CLONE_DETACHED, parent_tid=[42]) = 42"
    );
}

#[test]
fn clone3_struct() {
    let flags = 0x003d_0f00u64;
    let mem = Mem::new()
        .words(
            0x1000,
            &[
                flags,
                0,
                0x7fc8_e463_8990,
                0x7fc8_e463_8990,
                0,
                0x7fc8_e3e3_8000,
                0x7f_ff80,
                0x7fc8_e463_86c0,
                0,
                0,
                0,
            ],
        )
        .put(0x7fc8_e463_8990, &10074u32.to_le_bytes());
    assert_eq!(
        fmt(SYS_CLONE3, a2(0x1000, 88), 10074, &mem),
        "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7fc8e4638990, parent_tid=0x7fc8e4638990, exit_signal=0, stack=0x7fc8e3e38000, stack_size=0x7fff80, tls=0x7fc8e46386c0} => {parent_tid=[10074]}, 88) = 10074"
    );
    let mem = Mem::new().words(0x1000, &[0x14100, 0, 0, 0, 17, 0x1000, 0x2000, 0, 0, 0, 0]);
    assert_eq!(
        fmt(SYS_CLONE3, a2(0x1000, 88), err(EINVAL), &mem),
        "clone3({flags=CLONE_VM|CLONE_VFORK|CLONE_THREAD, exit_signal=SIGCHLD, stack=0x1000, stack_size=0x2000}, 88) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        fmt(SYS_CLONE3, a2(0x8, 88), err(EFAULT), &mem),
        "clone3(0x8, 88) = -1 EFAULT (Bad address)"
    );
}

#[test]
fn unknown_and_undecoded_calls_print_raw() {
    let mem = Mem::new();
    assert_eq!(
        fmt(0x7cf, [1, 2, 3, 0, 5, 6], err(38), &mem),
        "syscall_0x7cf(0x1, 0x2, 0x3, 0, 0x5, 0x6) = -1 ENOSYS (Function not implemented)"
    );
    assert_eq!(
        format_call(0x7cf, &[1, 2, 3, 0, 5, 6], err(38), &mem),
        "syscall_0x7cf(0x1, 0x2, 0x3, 0, 0x5, 0x6) = -1 ENOSYS (Function not implemented)"
    );
    // Known but undecoded: as many hex arguments as the call takes.
    assert_eq!(
        fmt(
            SYS_RSEQ,
            a4(0x7f00_946b_8560, 0x20, 0, 0x5305_3053),
            0,
            &mem
        ),
        "rseq(0x7f00946b8560, 0x20, 0, 0x53053053) = 0"
    );
    assert_eq!(
        fmt(
            SYS_MINCORE,
            a3(0x7fff_f7fa_b000, 4096, 0x7fff_ffff_e640),
            0,
            &mem
        ),
        "mincore(0x7ffff7fab000, 0x1000, 0x7fffffffe640) = 0"
    );
    assert_eq!(
        fmt(SYS_GETPID, [1, 2, 3, 4, 5, 6], 10102, &mem),
        "getpid() = 10102"
    );
    assert_eq!(fmt(SYS_SCHED_YIELD, a1(0), 0, &mem), "sched_yield() = 0");
}

// ---- the other families -------------------------------------------------------------------

#[test]
fn vectors() {
    let mem = Mem::new()
        .put(0x100, b"hi")
        .put(0x200, b"there\n")
        .words(0x1000, &[0x100, 2, 0x200, 6])
        .put(
            0x300,
            b"hello\tworld\n\"q\"\\ \x01\x023\xffend of a long string here",
        )
        .words(0x2000, &[0x300, 4, 0x304, 100]);
    assert_eq!(
        fmt(SYS_WRITEV, a3(3, 0x1000, 2), 8, &mem),
        "writev(3, [{iov_base=\"hi\", iov_len=2}, {iov_base=\"there\\n\", iov_len=6}], 2) = 8"
    );
    assert_eq!(
        fmt(SYS_READV, a3(6, 0x2000, 2), 44, &mem),
        "readv(6, [{iov_base=\"hell\", iov_len=4}, {iov_base=\"o\\tworld\\n\\\"q\\\"\\\\ \\1\\0023\\377end of a long s\"..., iov_len=100}], 2) = 44"
    );
    assert_eq!(
        fmt(SYS_READV, a3(3, 0x2000, 2), err(9), &mem),
        "readv(3, [{iov_base=0x300, iov_len=4}, {iov_base=0x304, iov_len=100}], 2) = -1 EBADF (Bad file descriptor)"
    );
    assert_eq!(
        fmt(SYS_WRITEV, a3(3, 0x1000, 0), 0, &mem),
        "writev(3, [], 0) = 0"
    );
    assert_eq!(
        fmt(SYS_WRITEV, a3(3, 0x8, 2), err(EFAULT), &mem),
        "writev(3, 0x8, 2) = -1 EFAULT (Bad address)"
    );
    // At most 32 elements print.
    let many: Vec<u64> = (0..40).flat_map(|_| [0x100, 1]).collect();
    let mem = Mem::new().put(0x100, b"a").words(0x1000, &many);
    let line = fmt(SYS_WRITEV, a3(3, 0x1000, 40), 40, &mem);
    assert_eq!(line.matches("{iov_base=\"a\", iov_len=1}").count(), 32);
    assert!(
        line.ends_with("{iov_base=\"a\", iov_len=1}, ...], 40) = 40"),
        "{line}"
    );
}

fn stat_buf(mode: u32, rdev: u64, size: i64) -> Vec<u8> {
    let mut b = vec![0u8; 144];
    b[24..28].copy_from_slice(&mode.to_le_bytes());
    b[40..48].copy_from_slice(&rdev.to_le_bytes());
    b[48..56].copy_from_slice(&size.to_le_bytes());
    b
}

#[test]
fn stat_family() {
    let mem = Mem::new()
        .put(0x1000, b"\0")
        .put(0x2000, &stat_buf(0o100644, 0, 33699))
        .put(0x3000, b"/dev/null\0")
        .put(0x4000, &stat_buf(0o20666, 0x103, 0))
        .put(0x5000, b"/etc\0")
        .put(0x7000, &stat_buf(0o41777, 0, 4096))
        .put(0x8000, &stat_buf(0o104755, 0, 0))
        .put(0x6000, &stat_buf(0o40755, 0, 4096));
    assert_eq!(
        fmt(SYS_NEWFSTATAT, a4(3, 0x1000, 0x2000, 0x1000), 0, &mem),
        "newfstatat(3, \"\", {st_mode=S_IFREG|0644, st_size=33699, ...}, AT_EMPTY_PATH) = 0"
    );
    assert_eq!(
        fmt(SYS_NEWFSTATAT, a4(AT_FDCWD, 0x3000, 0x4000, 0), 0, &mem),
        "newfstatat(AT_FDCWD, \"/dev/null\", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}, 0) = 0"
    );
    assert_eq!(
        fmt(SYS_NEWFSTATAT, a4(AT_FDCWD, 0x5000, 0x6000, 0x100), 0, &mem),
        "newfstatat(AT_FDCWD, \"/etc\", {st_mode=S_IFDIR|0755, st_size=4096, ...}, AT_SYMLINK_NOFOLLOW) = 0"
    );
    assert_eq!(
        fmt(SYS_NEWFSTATAT, a4(AT_FDCWD, 0x3000, 0x7fff_e1a9_30d0, 0x100), err(ENOENT), &mem),
        "newfstatat(AT_FDCWD, \"/dev/null\", 0x7fffe1a930d0, AT_SYMLINK_NOFOLLOW) = -1 ENOENT (No such file or directory)"
    );
    assert_eq!(
        fmt(SYS_NEWFSTATAT, a4(AT_FDCWD, 0x5000, 0x7000, 0), 0, &mem),
        "newfstatat(AT_FDCWD, \"/etc\", {st_mode=S_IFDIR|S_ISVTX|0777, st_size=4096, ...}, 0) = 0"
    );
    assert_eq!(
        fmt(SYS_FSTAT, a2(3, 0x8000), 0, &mem),
        "fstat(3, {st_mode=S_IFREG|S_ISUID|0755, st_size=0, ...}) = 0"
    );
    assert_eq!(
        fmt(SYS_FSTAT, a2(0, 0x4000), 0, &mem),
        "fstat(0, {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}) = 0"
    );
    assert_eq!(
        fmt(SYS_LSTAT, a2(0x5000, 0x6000), 0, &mem),
        "lstat(\"/etc\", {st_mode=S_IFDIR|0755, st_size=4096, ...}) = 0"
    );
}

#[test]
fn statx_abbreviated() {
    let mut b = vec![0u8; 256];
    b[0..4].copy_from_slice(&0x1fffu32.to_le_bytes());
    b[28..30].copy_from_slice(&0o100644u16.to_le_bytes());
    b[40..48].copy_from_slice(&1221u64.to_le_bytes());
    let mem = Mem::new()
        .put(0x1000, b"/etc/passwd\0")
        .put(0x2000, &b)
        .put(0x3000, b"\0");
    assert_eq!(
        fmt(SYS_STATX, [AT_FDCWD, 0x1000, 0, 0xfff, 0x2000, 0], 0, &mem),
        "statx(AT_FDCWD, \"/etc/passwd\", AT_STATX_SYNC_AS_STAT, STATX_ALL, {stx_mask=STATX_ALL|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFREG|0644, stx_size=1221, ...}) = 0"
    );
    assert_eq!(
        fmt(SYS_STATX, [6, 0x3000, 0x1000, 0x201, 0x8, 0], err(EFAULT), &mem),
        "statx(6, \"\", AT_STATX_SYNC_AS_STAT|AT_EMPTY_PATH, STATX_TYPE|STATX_SIZE, 0x8) = -1 EFAULT (Bad address)"
    );
}

#[test]
fn getdents64_counts_entries() {
    let mut buf = Vec::new();
    for name in [&b"."[..], b"..", b"x.txt"] {
        let reclen = (19 + name.len() + 1).next_multiple_of(8);
        let mut rec = vec![0u8; reclen];
        rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
        rec[19..19 + name.len()].copy_from_slice(name);
        buf.extend(rec);
    }
    let len = buf.len() as u64;
    let mem = Mem::new().put(0x7fff_e1a8_afd0, &buf);
    assert_eq!(
        fmt(SYS_GETDENTS64, a3(7, 0x7fff_e1a8_afd0, 32768), len, &mem),
        format!("getdents64(7, 0x7fffe1a8afd0 /* 3 entries */, 32768) = {len}")
    );
    assert_eq!(
        fmt(SYS_GETDENTS64, a3(7, 0x7fff_e1a8_afd0, 32768), 0, &mem),
        "getdents64(7, 0x7fffe1a8afd0 /* 0 entries */, 32768) = 0"
    );
    assert_eq!(
        fmt(SYS_GETDENTS64, a3(3, 0x8, 100), err(20), &mem),
        "getdents64(3, 0x8, 100) = -1 ENOTDIR (Not a directory)"
    );
}

#[test]
fn ioctl_requests() {
    let mut termios = Vec::new();
    for flag in [0x500u32, 0x5, 0xbf, 0x8a3b] {
        termios.extend(flag.to_le_bytes());
    }
    termios.resize(36, 0);
    let mut winsize = Vec::new();
    for v in [24u16, 80, 0, 0] {
        winsize.extend(v.to_le_bytes());
    }
    let mem = Mem::new()
        .put(0x1000, &termios)
        .put(0x2000, &winsize)
        .put(0x3000, &1u32.to_le_bytes());
    assert_eq!(
        fmt(SYS_IOCTL, a3(0, 0x5401, 0x1000), 0, &mem),
        "ioctl(0, TCGETS, {c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}) = 0"
    );
    assert_eq!(
        fmt(SYS_IOCTL, a3(1, 0x5401, 0x7fff_e1a8_ad50), err(25), &mem),
        "ioctl(1, TCGETS, 0x7fffe1a8ad50) = -1 ENOTTY (Inappropriate ioctl for device)"
    );
    assert!(fmt(SYS_IOCTL, a3(0, 0x5402, 0x1000), 0, &mem)
        .starts_with("ioctl(0, SNDCTL_TMR_START or TCSETS, {c_iflag=ICRNL|IXON, "));
    assert_eq!(
        fmt(SYS_IOCTL, a3(1, 0x5413, 0x2000), 0, &mem),
        "ioctl(1, TIOCGWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}) = 0"
    );
    assert_eq!(
        fmt(SYS_IOCTL, a3(6, 0x5421, 0x3000), 0, &mem),
        "ioctl(6, FIONBIO, [1]) = 0"
    );
    assert_eq!(
        fmt(SYS_IOCTL, a3(0, 0x5451, 0), 0, &mem),
        "ioctl(0, FIOCLEX) = 0"
    );
    assert_eq!(
        fmt(SYS_IOCTL, a3(6, 0x1234, 0), err(25), &mem),
        "ioctl(6, _IOC(_IOC_NONE, 0x12, 0x34, 0), 0) = -1 ENOTTY (Inappropriate ioctl for device)"
    );
    assert_eq!(
        fmt(SYS_IOCTL, a3(6, 0x8008_6601, 0x10), err(25), &mem),
        "ioctl(6, _IOC(_IOC_READ, 0x66, 0x1, 0x8), 0x10) = -1 ENOTTY (Inappropriate ioctl for device)"
    );
}

#[test]
fn access_family() {
    let mem = Mem::new().put(0x1000, b"/etc/passwd\0");
    assert_eq!(
        fmt(SYS_ACCESS, a2(0x1000, 6), 0, &mem),
        "access(\"/etc/passwd\", R_OK|W_OK) = 0"
    );
    assert_eq!(
        fmt(SYS_ACCESS, a2(0x1000, 0), 0, &mem),
        "access(\"/etc/passwd\", F_OK) = 0"
    );
    assert_eq!(
        fmt(SYS_ACCESS, a2(0x1000, 0x10), err(EINVAL), &mem),
        "access(\"/etc/passwd\", 0x10 /* ?_OK */) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        fmt(SYS_FACCESSAT, a3(5, 0x1000, 3), 0, &mem),
        "faccessat(5, \"/etc/passwd\", W_OK|X_OK) = 0"
    );
    assert_eq!(
        fmt(SYS_FACCESSAT2, a4(AT_FDCWD, 0x1000, 4, 0x200), 0, &mem),
        "faccessat2(AT_FDCWD, \"/etc/passwd\", R_OK, AT_EACCESS) = 0"
    );
    assert_eq!(
        fmt(SYS_FACCESSAT2, a4(AT_FDCWD, 0x1000, 0, 0x11100), err(EINVAL), &mem),
        "faccessat2(AT_FDCWD, \"/etc/passwd\", F_OK, AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH|0x10000) = -1 EINVAL (Invalid argument)"
    );
}

#[test]
fn execve_arrays() {
    let mem = Mem::new()
        .put(0x100, b"/usr/bin/ls\0")
        .put(0x200, b"ls\0")
        .put(0x300, b"-l\0")
        .put(0x400, b"averyveryverylongargumentthatexceeds32bytes\0")
        .put(0x500, b"a\nb\0")
        .words(0x1000, &[0x200, 0x300, 0x500, 0x400, 0])
        .words(0x2000, &[0x200, 0x300, 0]);
    assert_eq!(
        fmt(SYS_EXECVE, a3(0x100, 0x1000, 0x2000), 0, &mem),
        "execve(\"/usr/bin/ls\", [\"ls\", \"-l\", \"a\\nb\", \"averyveryverylongargumentthatexc\"...], 0x2000 /* 2 vars */) = 0"
    );
    assert_eq!(
        fmt(SYS_EXECVE, a3(0x100, 0, 0), err(ENOENT), &mem),
        "execve(\"/usr/bin/ls\", NULL, NULL) = -1 ENOENT (No such file or directory)"
    );
    assert_eq!(
        fmt(SYS_EXECVE, a3(0x100, 0x8, 0x8), err(EFAULT), &mem),
        "execve(\"/usr/bin/ls\", 0x8, 0x8) = -1 EFAULT (Bad address)"
    );
}

#[test]
fn futex_operations() {
    let mem = Mem::new().words(0x1000, &[0, 1000]);
    assert_eq!(
        fmt(SYS_FUTEX, [0x7fff_e1a9_321c, 129, 1, 0, 0, 0], 0, &mem),
        "futex(0x7fffe1a9321c, FUTEX_WAKE_PRIVATE, 1) = 0"
    );
    assert_eq!(
        fmt(SYS_FUTEX, [0x7fff_e1a8_ad2c, 128, 0, 0x1000, 0, 0], err(110), &mem),
        "futex(0x7fffe1a8ad2c, FUTEX_WAIT_PRIVATE, 0, {tv_sec=0, tv_nsec=1000}) = -1 ETIMEDOUT (Connection timed out)"
    );
    assert_eq!(
        fmt(SYS_FUTEX, [0x7fc8_e463_8990, 265, 10074, 0, 0, 0xffff_ffff], 0, &mem),
        "futex(0x7fc8e4638990, FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME, 10074, NULL, FUTEX_BITSET_MATCH_ANY) = 0"
    );
    assert_eq!(
        fmt(SYS_FUTEX, [0x7f1d_5f4e_d000, 133, 1, 2, 0x7f1d_5f4e_d000, 0], err(EFAULT), &mem),
        "futex(0x7f1d5f4ed000, FUTEX_WAKE_OP_PRIVATE, 1, 2, 0x7f1d5f4ed000, FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_EQ<<24|0) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        fmt(SYS_FUTEX, [0x7f1d_5f4e_d000, 132, 1, 2, 0x7f1d_5f4e_d000, 7], err(EFAULT), &mem),
        "futex(0x7f1d5f4ed000, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, 0x7f1d5f4ed000, 7) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        fmt(
            SYS_FUTEX,
            [0x7f1d_5f4e_d000, 134, 0, 0, 0, 0],
            err(EFAULT),
            &mem
        ),
        "futex(0x7f1d5f4ed000, FUTEX_LOCK_PI_PRIVATE, NULL) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        fmt(
            SYS_FUTEX,
            [0x7f1d_5f4e_d000, 10, 1, 0, 0, 3],
            err(EFAULT),
            &mem
        ),
        "futex(0x7f1d5f4ed000, FUTEX_WAKE_BITSET, 1, 0x3) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        fmt(SYS_FUTEX, [0x7f1d_5f4e_d000, 99, 1, 2, 3, 4], err(38), &mem),
        "futex(0x7f1d5f4ed000, 0x63 /* FUTEX_??? */, 1, 0x2, 0x3, 0x4) = -1 ENOSYS (Function not implemented)"
    );
}

#[test]
fn thread_setup_calls() {
    let mem = Mem::new()
        .words(0x1000, &[0x7f9a_58f1_5740])
        .words(0x2000, &[0]);
    assert_eq!(
        fmt(SYS_SET_TID_ADDRESS, a1(0x7f00_946b_7f10), 3977, &mem),
        "set_tid_address(0x7f00946b7f10) = 3977"
    );
    assert_eq!(
        fmt(SYS_SET_ROBUST_LIST, a2(0x7f00_946b_7f20, 24), 0, &mem),
        "set_robust_list(0x7f00946b7f20, 24) = 0"
    );
    assert_eq!(
        fmt(SYS_SET_ROBUST_LIST, a2(0, 24), 0, &mem),
        "set_robust_list(NULL, 24) = 0"
    );
    assert_eq!(
        fmt(SYS_ARCH_PRCTL, a2(0x1002, 0x7f00_946b_7c40), 0, &mem),
        "arch_prctl(ARCH_SET_FS, 0x7f00946b7c40) = 0"
    );
    assert_eq!(
        fmt(SYS_ARCH_PRCTL, a2(0x1003, 0x1000), 0, &mem),
        "arch_prctl(ARCH_GET_FS, [0x7f9a58f15740]) = 0"
    );
    assert_eq!(
        fmt(SYS_ARCH_PRCTL, a2(0x1004, 0x2000), 0, &mem),
        "arch_prctl(ARCH_GET_GS, [NULL]) = 0"
    );
    assert_eq!(
        fmt(SYS_ARCH_PRCTL, a2(0x9999, 0x1234), err(EINVAL), &mem),
        "arch_prctl(0x9999 /* ARCH_??? */, 0x1234) = -1 EINVAL (Invalid argument)"
    );
}

#[test]
fn identity_signals_and_uname() {
    let mut uts = vec![0u8; 390];
    uts[..5].copy_from_slice(b"Linux");
    uts[65..67].copy_from_slice(b"vm");
    let mem = Mem::new().put(0x1000, &uts);
    assert_eq!(
        fmt(SYS_UNAME, a1(0x1000), 0, &mem),
        "uname({sysname=\"Linux\", nodename=\"vm\", ...}) = 0"
    );
    assert_eq!(
        fmt(SYS_UNAME, a1(0x8), err(EFAULT), &mem),
        "uname(0x8) = -1 EFAULT (Bad address)"
    );
    assert_eq!(fmt(SYS_GETUID, a1(0), 0, &mem), "getuid() = 0");
    assert_eq!(fmt(SYS_GETTID, a1(0), 8584, &mem), "gettid() = 8584");
    assert_eq!(
        fmt(SYS_TGKILL, a3(8584, 8584, 0), 0, &mem),
        "tgkill(8584, 8584, 0) = 0"
    );
    assert_eq!(
        fmt(SYS_KILL, a2(999999, 15), err(3), &mem),
        "kill(999999, SIGTERM) = -1 ESRCH (No such process)"
    );
    assert_eq!(
        fmt(SYS_KILL, a2(1234567, 64), err(3), &mem),
        "kill(1234567, SIGRT_32) = -1 ESRCH (No such process)"
    );
    assert_eq!(
        fmt(SYS_KILL, a2(1234567, 65), err(3), &mem),
        "kill(1234567, 65) = -1 ESRCH (No such process)"
    );
    assert_eq!(fmt(SYS_EXIT, a1(74565), 0, &mem), "exit(74565) = ?");
}

#[test]
fn clocks_and_sleeps() {
    let mem = Mem::new()
        .words(0x1000, &[1_795_620_445, 819_142_203])
        .words(0x2000, &[0, 1000]);
    assert_eq!(
        fmt(SYS_CLOCK_GETTIME, a2(5, 0x1000), 0, &mem),
        "clock_gettime(CLOCK_REALTIME_COARSE, {tv_sec=1795620445, tv_nsec=819142203}) = 0"
    );
    assert_eq!(
        fmt(
            SYS_CLOCK_GETTIME,
            a2(55, 0x7fff_c120_9e90),
            err(EINVAL),
            &mem
        ),
        "clock_gettime(0x37 /* CLOCK_??? */, 0x7fffc1209e90) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        fmt(SYS_CLOCK_GETTIME, a2(7, 0x8), err(EFAULT), &mem),
        "clock_gettime(CLOCK_BOOTTIME, 0x8) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        fmt(SYS_CLOCK_GETTIME, a2(-6i64 as u64, 0x1000), 0, &mem),
        "clock_gettime(MAKE_PROCESS_CPUCLOCK(0, CPUCLOCK_SCHED), {tv_sec=1795620445, tv_nsec=819142203}) = 0"
    );
    assert_eq!(
        fmt(SYS_NANOSLEEP, a2(0x2000, 0), 0, &mem),
        "nanosleep({tv_sec=0, tv_nsec=1000}, NULL) = 0"
    );
    assert_eq!(
        fmt(
            SYS_CLOCK_NANOSLEEP,
            a4(1, 0, 0x2000, 0x7fff_c120_9e90),
            0,
            &mem
        ),
        "clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=0, tv_nsec=1000}, 0x7fffc1209e90) = 0"
    );
    assert_eq!(
        fmt(SYS_CLOCK_NANOSLEEP, a4(0, 1, 0x1000, 0), 0, &mem),
        "clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, {tv_sec=1795620445, tv_nsec=819142203}, NULL) = 0"
    );
    assert_eq!(
        fmt(SYS_CLOCK_NANOSLEEP, a4(1, 5, 0x2000, 0x1000), err(4), &mem),
        "clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME|0x4, {tv_sec=0, tv_nsec=1000}, {tv_sec=1795620445, tv_nsec=819142203}) = -1 EINTR (Interrupted system call)"
    );
}

#[test]
fn getrandom_and_limits() {
    let mem = Mem::new()
        .put(0x1000, &[0xff, 0x7f, 0x87, 0xaf, 0xf9, 0xc2, 0x7e, 0x89])
        .words(0x2000, &[20000, 20000])
        .words(0x3000, &[8192 * 1024, u64::MAX])
        .words(0x4000, &[1024, 0]);
    assert_eq!(
        fmt(SYS_GETRANDOM, a3(0x1000, 8, 1), 8, &mem),
        "getrandom(\"\\xff\\x7f\\x87\\xaf\\xf9\\xc2\\x7e\\x89\", 8, GRND_NONBLOCK) = 8"
    );
    assert_eq!(
        fmt(SYS_GETRANDOM, a3(0x1000, 0, 8), err(EINVAL), &mem),
        "getrandom(0x1000, 0, 0x8 /* GRND_??? */) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        fmt(SYS_PRLIMIT64, a4(0, 7, 0, 0x2000), 0, &mem),
        "prlimit64(0, RLIMIT_NOFILE, NULL, {rlim_cur=20000, rlim_max=20000}) = 0"
    );
    assert_eq!(
        fmt(SYS_PRLIMIT64, a4(0, 3, 0, 0x3000), 0, &mem),
        "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0"
    );
    assert_eq!(
        fmt(SYS_PRLIMIT64, a4(0, 7, 0x4000, 0), 0, &mem),
        "prlimit64(0, RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=0}, NULL) = 0"
    );
    assert_eq!(
        fmt(SYS_PRLIMIT64, a4(1234567, 99, 0, 0x2000), err(3), &mem),
        "prlimit64(1234567, 0x63 /* RLIMIT_??? */, NULL, 0x2000) = -1 ESRCH (No such process)"
    );
}

#[test]
fn fcntl_commands_and_results() {
    let mem = Mem::new();
    assert_eq!(fmt(SYS_FCNTL, a2(6, 1), 0, &mem), "fcntl(6, F_GETFD) = 0");
    assert_eq!(
        fmt(SYS_FCNTL, a2(3, 1), 1, &mem),
        "fcntl(3, F_GETFD) = 0x1 (flags FD_CLOEXEC)"
    );
    assert_eq!(
        fmt(SYS_FCNTL, a3(6, 2, 1), 0, &mem),
        "fcntl(6, F_SETFD, FD_CLOEXEC) = 0"
    );
    assert_eq!(
        fmt(SYS_FCNTL, a3(3, 2, 2), 0, &mem),
        "fcntl(3, F_SETFD, 0x2 /* FD_??? */) = 0"
    );
    assert_eq!(
        fmt(SYS_FCNTL, a2(6, 3), 0x8800, &mem),
        "fcntl(6, F_GETFL) = 0x8800 (flags O_RDONLY|O_NONBLOCK|O_LARGEFILE)"
    );
    assert_eq!(
        fmt(SYS_FCNTL, a3(6, 4, 0o6000), 0, &mem),
        "fcntl(6, F_SETFL, O_RDONLY|O_APPEND|O_NONBLOCK) = 0"
    );
    assert_eq!(
        fmt(SYS_FCNTL, a3(6, 1030, 10), 11, &mem),
        "fcntl(6, F_DUPFD_CLOEXEC, 10) = 11"
    );
    assert_eq!(
        fmt(SYS_FCNTL, a3(6, 9999, 5), err(EINVAL), &mem),
        "fcntl(6, 0x270f /* F_??? */, 0x5) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        fmt(SYS_FCNTL, a3(3, 1033, 1), err(1), &mem),
        "fcntl(3, F_ADD_SEALS, F_SEAL_SEAL) = -1 EPERM (Operation not permitted)"
    );
}

#[test]
fn descriptors_and_directories() {
    let mem = Mem::new()
        .put(0x1000, b"/tmp\0\0\0\0")
        .put(0x2000, b"/tmp/stref/lnk\0")
        .put(0x3000, b"/tmp/stref/x.txt")
        .words(0x4000, &[0x0000_0005_0000_0004]);
    assert_eq!(fmt(SYS_DUP, a1(6), 8, &mem), "dup(6) = 8");
    assert_eq!(fmt(SYS_DUP2, a2(6, 30), 30, &mem), "dup2(6, 30) = 30");
    assert_eq!(
        fmt(SYS_DUP3, a3(6, 31, 0o2000000), 31, &mem),
        "dup3(6, 31, O_CLOEXEC) = 31"
    );
    assert_eq!(fmt(SYS_DUP3, a3(3, 40, 0), 40, &mem), "dup3(3, 40, 0) = 40");
    assert_eq!(
        fmt(SYS_CLOSE, a1(u64::MAX), err(9), &mem),
        "close(-1) = -1 EBADF (Bad file descriptor)"
    );
    assert_eq!(fmt(SYS_CHDIR, a1(0x1000), 0, &mem), "chdir(\"/tmp\") = 0");
    assert_eq!(
        fmt(SYS_GETCWD, a2(0x1000, 256), 5, &mem),
        "getcwd(\"/tmp\", 256) = 5"
    );
    assert_eq!(
        fmt(SYS_GETCWD, a2(0x1000, 2), err(34), &mem),
        "getcwd(0x1000, 2) = -1 ERANGE (Numerical result out of range)"
    );
    assert_eq!(
        fmt(SYS_READLINK, a3(0x2000, 0x3000, 256), 16, &mem),
        "readlink(\"/tmp/stref/lnk\", \"/tmp/stref/x.txt\", 256) = 16"
    );
    assert_eq!(
        fmt(SYS_READLINK, a3(0x2000, 0x3000, 4), 4, &mem),
        "readlink(\"/tmp/stref/lnk\", \"/tmp\", 4) = 4"
    );
    assert_eq!(
        fmt(SYS_READLINKAT, a4(7, 0x2000, 0x3000, 256), 16, &mem),
        "readlinkat(7, \"/tmp/stref/lnk\", \"/tmp/stref/x.txt\", 256) = 16"
    );
    assert_eq!(
        fmt(SYS_LSEEK, a3(6, -5i64 as u64, 2), 98, &mem),
        "lseek(6, -5, SEEK_END) = 98"
    );
    assert_eq!(
        fmt(SYS_LSEEK, a3(3, 5, 9), err(EINVAL), &mem),
        "lseek(3, 5, 0x9 /* SEEK_??? */) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        fmt(SYS_PIPE2, a2(0x4000, 0o2000000), 0, &mem),
        "pipe2([4, 5], O_CLOEXEC) = 0"
    );
    assert_eq!(fmt(SYS_UMASK, a1(0o22), 0o22, &mem), "umask(022) = 022");
    assert_eq!(fmt(SYS_UMASK, a1(0o22), 0, &mem), "umask(022) = 000");
}

#[test]
fn affinity_and_wait() {
    let mut mask = vec![0u8; 128];
    mask[0] = 0b11;
    let mem = Mem::new()
        .put(0x1000, &mask)
        .put(0x2000, &0x300u32.to_le_bytes())
        .put(0x3000, &0x89u32.to_le_bytes());
    assert_eq!(
        fmt(SYS_SCHED_GETAFFINITY, a3(0, 128, 0x1000), 32, &mem),
        "sched_getaffinity(0, 128, [0 1]) = 32"
    );
    assert_eq!(
        fmt(SYS_WAIT4, a4(9780, 0x2000, 0, 0), 9780, &mem),
        "wait4(9780, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 9780"
    );
    assert_eq!(
        fmt(SYS_WAIT4, a4(u64::MAX, 0x3000, 0x4000_0001, 0), 77, &mem),
        "wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL && WCOREDUMP(s)}], WNOHANG|__WALL, NULL) = 77"
    );
}

#[test]
fn strings_cut_at_the_limit_and_paths_do_not() {
    let long_path = format!("/{}\0", "d".repeat(80));
    let mem = Mem::new()
        .put(0x1000, long_path.as_bytes())
        .put(0x2000, b"abcdefghijklmnopqrstuvwxyz0123456789");
    let line = fmt(SYS_CHDIR, a1(0x1000), 0, &mem);
    assert_eq!(line, format!("chdir(\"/{}\") = 0", "d".repeat(80)));
    assert_eq!(
        fmt(SYS_WRITE, a3(3, 0x2000, 32), 32, &mem),
        "write(3, \"abcdefghijklmnopqrstuvwxyz012345\", 32) = 32"
    );
    assert_eq!(
        fmt(SYS_WRITE, a3(3, 0x2000, 33), 33, &mem),
        "write(3, \"abcdefghijklmnopqrstuvwxyz012345\"..., 33) = 33"
    );
    let opts = Options {
        string_limit: 4,
        align_column: 0,
    };
    assert_eq!(
        format_call_with(SYS_WRITE, &a3(3, 0x2000, 10), 10, &mem, &opts),
        "write(3, \"abcd\"..., 10) = 10"
    );
}

#[test]
fn kernel_restart_errors() {
    let mem = Mem::new();
    assert_eq!(
        fmt(SYS_READ, a3(0, 0x1000, 10), err(512), &mem),
        "read(0, 0x1000, 10) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)"
    );
}

#[test]
fn sockets() {
    let inet = [2u8, 0, 0, 9, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut unix = vec![1u8, 0];
    unix.extend_from_slice(b"/nonexist/sock\0");
    let mut inet6 = vec![10u8, 0, 0, 9, 0, 0, 0, 0];
    inet6.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
    inet6.extend_from_slice(&[0, 0, 0, 0]);
    let mem = Mem::new()
        .put(0x1000, &inet)
        .put(0x2000, &unix)
        .put(0x3000, &inet6)
        .put(0x4000, &16u32.to_le_bytes())
        .put(0x5000, b"hey")
        .put(0x6000, &[6, 0, 0, 0, 7, 0, 0, 0]);
    assert_eq!(
        fmt(SYS_SOCKET, a3(2, 0o2000001, 0), 3, &mem),
        "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3"
    );
    assert_eq!(
        fmt(SYS_SOCKET, a3(1, 0o2004001, 0), 3, &mem),
        "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) = 3"
    );
    assert_eq!(
        fmt(SYS_CONNECT, a3(3, 0x1000, 16), err(111), &mem),
        "connect(3, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = -1 ECONNREFUSED (Connection refused)"
    );
    assert_eq!(
        fmt(SYS_CONNECT, a3(4, 0x2000, 17), err(ENOENT), &mem),
        "connect(4, {sa_family=AF_UNIX, sun_path=\"/nonexist/sock\"}, 17) = -1 ENOENT (No such file or directory)"
    );
    assert_eq!(
        fmt(SYS_CONNECT, a3(5, 0x3000, 28), err(111), &mem),
        "connect(5, {sa_family=AF_INET6, sin6_port=htons(9), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, 28) = -1 ECONNREFUSED (Connection refused)"
    );
    assert_eq!(
        fmt(SYS_GETSOCKNAME, a3(8, 0x1000, 0x4000), 0, &mem),
        "getsockname(8, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 0"
    );
    assert_eq!(
        fmt(
            SYS_GETPEERNAME,
            a3(3, 0x7fff_ffff_dc50, 0x4000),
            err(107),
            &mem
        ),
        "getpeername(3, 0x7fffffffdc50, [16]) = -1 ENOTCONN (Transport endpoint is not connected)"
    );
    assert_eq!(
        fmt(SYS_SOCKETPAIR, a4(1, 0o2000001, 0, 0x6000), 0, &mem),
        "socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0, [6, 7]) = 0"
    );
    assert_eq!(
        fmt(SYS_SENDTO, [6, 0x5000, 3, 0, 0, 0], 3, &mem),
        "sendto(6, \"hey\", 3, 0, NULL, 0) = 3"
    );
    assert_eq!(
        fmt(SYS_RECVFROM, [7, 0x5000, 10, 0, 0, 0], 3, &mem),
        "recvfrom(7, \"hey\", 10, 0, NULL, NULL) = 3"
    );
    assert_eq!(fmt(SYS_LISTEN, a2(8, 5), 0, &mem), "listen(8, 5) = 0");
}

#[test]
fn poll_sigaltstack_and_groups() {
    let fds: Vec<u8> = [(9i32, 1u16 | 2 | 4, 0u16), (4, 4, 4)]
        .iter()
        .flat_map(|&(fd, ev, rev)| {
            let mut b = fd.to_le_bytes().to_vec();
            b.extend(ev.to_le_bytes());
            b.extend(rev.to_le_bytes());
            b
        })
        .collect();
    let mem = Mem::new()
        .put(0x1000, &fds)
        .words(0x2000, &[0x7f00_0000, 0, 8192])
        .words(0x3000, &[0, 2, 0])
        .put(0x4000, &[0, 0, 0, 0, 27, 0, 0, 0]);
    assert_eq!(
        fmt(SYS_POLL, a3(0x1000, 1, 0), 0, &mem),
        "poll([{fd=9, events=POLLIN|POLLPRI|POLLOUT}], 1, 0) = 0 (Timeout)"
    );
    assert_eq!(
        fmt(SYS_POLL, a3(0x1000, 2, u64::MAX), 1, &mem),
        "poll([{fd=9, events=POLLIN|POLLPRI|POLLOUT}, {fd=4, events=POLLOUT}], 2, -1) = 1 ([{fd=4, revents=POLLOUT}])"
    );
    assert_eq!(
        fmt(SYS_SIGALTSTACK, a2(0x2000, 0x3000), 0, &mem),
        "sigaltstack({ss_sp=0x7f000000, ss_flags=0, ss_size=8192}, {ss_sp=NULL, ss_flags=SS_DISABLE, ss_size=0}) = 0"
    );
    assert_eq!(
        fmt(SYS_SIGALTSTACK, a2(0, 0), 0, &mem),
        "sigaltstack(NULL, NULL) = 0"
    );
    assert_eq!(
        fmt(SYS_GETGROUPS, a2(0, 0), 2, &mem),
        "getgroups(0, NULL) = 2"
    );
    assert_eq!(
        fmt(SYS_GETGROUPS, a2(0, 0x4000), 2, &mem),
        "getgroups(0, []) = 2"
    );
    assert_eq!(
        fmt(SYS_GETGROUPS, a2(2, 0x4000), 2, &mem),
        "getgroups(2, [0, 27]) = 2"
    );
}

#[test]
fn execve_formats_from_a_snapshot_taken_before_the_call() {
    let before = Mem::new()
        .put(0x100, b"/bin/ls\0")
        .put(0x200, b"ls\0")
        .words(0x1000, &[0x200, 0])
        .words(0x2000, &[0x200, 0x200, 0]);
    let args = a3(0x100, 0x1000, 0x2000);
    assert!(needs_snapshot(SYS_EXECVE));
    assert!(!needs_snapshot(SYS_READ));
    let snap = Snapshot::capture(SYS_EXECVE, &args, &before, &Options::default());
    // After the call the old image is gone and the addresses hold the new one's data.
    let after = Mem::new().put(0x1000, &[0xff; 24]);
    assert_eq!(
        fmt(SYS_EXECVE, args, 0, &after),
        "execve(0x100, [0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, ...], 0x2000) = 0"
    );
    assert_eq!(
        fmt(SYS_EXECVE, args, 0, &snap),
        "execve(\"/bin/ls\", [\"ls\"], 0x2000 /* 2 vars */) = 0"
    );
    assert_eq!(
        fmt(SYS_EXECVE, args, err(ENOENT), &snap),
        "execve(\"/bin/ls\", [\"ls\"], 0x2000 /* 2 vars */) = -1 ENOENT (No such file or directory)"
    );
}

#[test]
fn xattrs_and_statfs() {
    let mut sfs = Vec::new();
    for v in [
        0xef53u64, 4096, 66053021, 62754937, 20523388, 16777216, 16383015,
    ] {
        sfs.extend(v.to_le_bytes());
    }
    sfs.extend(0x8ecb_3052u32.to_le_bytes());
    sfs.extend(0xe4ce_2c1au32.to_le_bytes());
    for v in [255u64, 4096, 0x1020] {
        sfs.extend(v.to_le_bytes());
    }
    sfs.resize(120, 0);
    let mem = Mem::new()
        .put(0x100, b"/\0")
        .put(0x200, b"security.selinux\0")
        .put(0x300, b"system.posix_acl_access\0")
        .put(0x400, b"unconfined\0")
        .put(0x1000, &sfs);
    assert_eq!(
        fmt(SYS_LGETXATTR, a4(0x100, 0x200, 0x5555_5558_3640, 255), err(61), &mem),
        "lgetxattr(\"/\", \"security.selinux\", 0x555555583640, 255) = -1 ENODATA (No data available)"
    );
    assert_eq!(
        fmt(SYS_GETXATTR, a4(0x100, 0x300, 0, 0), err(61), &mem),
        "getxattr(\"/\", \"system.posix_acl_access\", NULL, 0) = -1 ENODATA (No data available)"
    );
    assert_eq!(
        fmt(SYS_GETXATTR, a4(0x100, 0x200, 0x400, 255), 11, &mem),
        "getxattr(\"/\", \"security.selinux\", \"unconfined\", 255) = 11"
    );
    assert_eq!(
        fmt(SYS_STATFS, a2(0x100, 0x1000), 0, &mem),
        "statfs(\"/\", {f_type=EXT2_SUPER_MAGIC, f_bsize=4096, f_blocks=66053021, f_bfree=62754937, f_bavail=20523388, f_files=16777216, f_ffree=16383015, f_fsid={val=[0x8ecb3052, 0xe4ce2c1a]}, f_namelen=255, f_frsize=4096, f_flags=ST_VALID|ST_RELATIME}) = 0"
    );
}
