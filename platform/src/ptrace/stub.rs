//! The stub: the few instructions that live in every guest address space at
//! [`STUB_ADDR`], and the creation of the first stub process of an address space.
//!
//! A stub process starts as a `fork` of the sentry. Before it can run guest code it
//! must hold nothing of the sentry: the child closes every descriptor but the memory
//! file, copies the stub code to `STUB_ADDR`, jumps there, unmaps everything else and
//! stops itself with `SIGSTOP` for its tracer. From then on the sentry drives it only
//! by setting its registers: to run guest code, or to execute one host system call at
//! [`SYSCALL_OFFSET`] followed by `int3` (an *injected* call).

use std::arch::global_asm;

/// Where the stub code is mapped in every guest address space. The guest may use
/// addresses below it only.
pub const STUB_ADDR: u64 = 0x7fff_fffe_0000;
/// Length of the stub mapping.
pub const STUB_LEN: u64 = 0x1000;
/// The highest user address of x86_64 with 4-level paging (`TASK_SIZE`).
const TASK_MAX: u64 = 0x7fff_ffff_f000;
/// The descriptor number of the memory file inside a stub.
pub const STUB_MEMORY_FD: i32 = 3;

global_asm!(
    ".pushsection .text.veil_stub, \"ax\", @progbits",
    ".p2align 12",
    ".globl veil_stub_begin",
    "veil_stub_begin:",
    // Entry after fork: unmap [0, STUB_ADDR) and [STUB_ADDR+STUB_LEN, TASK_MAX).
    "mov eax, 11",
    "xor edi, edi",
    "mov rsi, {stub_addr}",
    "syscall",
    "mov eax, 11",
    "mov rdi, {stub_end}",
    "mov rsi, {upper_len}",
    "syscall",
    // kill(getpid(), SIGSTOP): hand control to the tracer.
    "mov eax, 39",
    "syscall",
    "mov edi, eax",
    "mov esi, 19",
    "mov eax, 62",
    "syscall",
    "int3",
    // An injected host system call: the tracer sets rax and the arguments, points rip
    // here and continues; it regains control at the int3.
    ".globl veil_stub_syscall",
    "veil_stub_syscall:",
    "syscall",
    "int3",
    // An injected clone: the parent returns to the tracer at int3; the child (rax == 0)
    // sleeps in pause() until its new tracer seizes it.
    ".globl veil_stub_clone",
    "veil_stub_clone:",
    "syscall",
    "test rax, rax",
    "jz 2f",
    "int3",
    "2:",
    "mov eax, 34",
    "syscall",
    "jmp 2b",
    ".globl veil_stub_end",
    "veil_stub_end:",
    ".popsection",
    stub_addr = const STUB_ADDR,
    stub_end = const STUB_ADDR + STUB_LEN,
    upper_len = const TASK_MAX - (STUB_ADDR + STUB_LEN),
);

extern "C" {
    // glibc (>= 2.35) registers a restartable-sequence area for every thread and exports
    // where: the area is at the thread pointer plus `__rseq_offset`.
    static __rseq_offset: isize;
    static __rseq_size: u32;
    static veil_stub_begin: u8;
    static veil_stub_syscall: u8;
    static veil_stub_clone: u8;
    static veil_stub_end: u8;
}

/// The stub's code bytes, as linked into the sentry.
fn stub_code() -> &'static [u8] {
    // SAFETY: the four symbols are labels of one contiguous, read-only section emitted
    // by the global_asm above; begin <= end and the bytes between are initialised code.
    unsafe {
        let begin = std::ptr::addr_of!(veil_stub_begin);
        let end = std::ptr::addr_of!(veil_stub_end);
        std::slice::from_raw_parts(begin, end.offset_from(begin) as usize)
    }
}

fn offset_of(sym: *const u8) -> u64 {
    // SAFETY: `sym` is one of the stub labels, inside the same section as begin.
    unsafe { sym.offset_from(std::ptr::addr_of!(veil_stub_begin)) as u64 }
}

/// Address (in a stub) of the injected-syscall sequence `syscall; int3`.
pub fn syscall_addr() -> u64 {
    STUB_ADDR + offset_of(std::ptr::addr_of!(veil_stub_syscall))
}

/// Address (in a stub) of the injected-clone sequence.
pub fn clone_addr() -> u64 {
    STUB_ADDR + offset_of(std::ptr::addr_of!(veil_stub_clone))
}

/// Forks the first stub process of a new address space. Returns its pid; the child is
/// traced by the calling thread (`PTRACE_TRACEME`) and stops with `SIGSTOP` once it has
/// emptied its address space.
///
/// Precondition: `memory_fd` is open.
pub fn fork_stub(memory_fd: i32) -> Result<libc::pid_t, nix::Error> {
    let code = stub_code();
    assert!(
        code.len() as u64 <= STUB_LEN,
        "stub code larger than its mapping"
    );
    // SAFETY: after fork the child runs only `stub_child`, which makes raw system calls
    // and never returns, allocates or takes locks, as required in a forked child of a
    // multithreaded process.
    match unsafe { libc::fork() } {
        -1 => Err(nix::Error::last()),
        0 => {
            // SAFETY: we are the freshly forked child; see `stub_child`.
            unsafe { stub_child(memory_fd, code) }
        }
        pid => Ok(pid),
    }
}

/// The signature glibc registers its rseq areas with.
const RSEQ_SIG: u32 = 0x5305_3053;
/// `RSEQ_FLAG_UNREGISTER`.
const RSEQ_FLAG_UNREGISTER: i32 = 1;

/// Unregisters the rseq area the forked child inherited from the sentry thread. The
/// area is about to be unmapped, and the kernel writes to it on the way back to user
/// mode after a preemption or a ptrace stop: left registered, it turns every later
/// resume into a SIGSEGV.
///
/// # Safety
/// Must be called only in a freshly forked child, never in the sentry.
unsafe fn unregister_rseq() {
    // SAFETY: reading two integers glibc exports and set once at start-up; the rseq
    // calls only name memory of our own (child) process.
    unsafe {
        if __rseq_size == 0 {
            return;
        }
        let mut fs_base: u64 = 0;
        libc::syscall(libc::SYS_arch_prctl, 0x1003, &mut fs_base as *mut u64);
        let area = (fs_base as isize + __rseq_offset) as u64;
        // The registered length is glibc's choice: the exported feature size, or the
        // 32-byte original `struct rseq`. Only the right one succeeds.
        for len in [__rseq_size, 32] {
            if libc::syscall(libc::SYS_rseq, area, len, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0 {
                return;
            }
        }
        libc::_exit(125);
    }
}

/// The child side of [`fork_stub`]. Any failure ends the child with a distinct status
/// so the parent can tell which step failed.
///
/// # Safety
/// Must be called only in a freshly forked child, never in the sentry.
unsafe fn stub_child(memory_fd: i32, code: &[u8]) -> ! {
    // SAFETY: (whole body) raw system calls on our own process; `code` is readable
    // memory inherited from the parent, the destination is a fresh anonymous mapping.
    unsafe {
        // Die with the thread that traces us even before tracing options are set.
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
            libc::_exit(120);
        }
        // A process group of its own: terminal signals reach the sentry, which forwards
        // them to the guest; never the stub directly.
        libc::setpgid(0, 0);
        // Keep nothing of the sentry's but the memory file.
        if memory_fd != STUB_MEMORY_FD && libc::dup2(memory_fd, STUB_MEMORY_FD) < 0 {
            libc::_exit(121);
        }
        libc::syscall(
            libc::SYS_close_range,
            0u32,
            (STUB_MEMORY_FD - 1) as u32,
            0u32,
        );
        libc::syscall(
            libc::SYS_close_range,
            (STUB_MEMORY_FD + 1) as u32,
            u32::MAX,
            0u32,
        );
        unregister_rseq();
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
        if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) != 0 {
            libc::_exit(122);
        }
        let at = libc::mmap(
            STUB_ADDR as *mut libc::c_void,
            STUB_LEN as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
            -1,
            0,
        );
        if at as u64 != STUB_ADDR {
            libc::_exit(123);
        }
        std::ptr::copy_nonoverlapping(code.as_ptr(), at.cast::<u8>(), code.len());
        if libc::mprotect(at, STUB_LEN as usize, libc::PROT_READ | libc::PROT_EXEC) != 0 {
            libc::_exit(124);
        }
        let entry: extern "C" fn() -> ! = std::mem::transmute(STUB_ADDR as usize);
        entry()
    }
}
