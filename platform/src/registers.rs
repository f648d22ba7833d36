//! The guest's general-purpose registers.

/// x86_64 user registers, in the layout of `struct user_regs_struct` (what ptrace's
/// `PTRACE_GETREGS` returns); other platforms convert to and from it.
#[derive(Clone, Copy)]
pub struct Registers(pub libc::user_regs_struct);

/// User code segment selector of x86_64 Linux.
const USER_CS: u64 = 0x33;
/// User stack segment selector of x86_64 Linux.
const USER_SS: u64 = 0x2b;
/// `rflags` of a fresh user thread: interrupts enabled plus the always-one bit.
const INITIAL_RFLAGS: u64 = 0x202;

impl Registers {
    /// Registers of a fresh thread that starts at `ip` with stack pointer `sp`; all
    /// general-purpose registers zero, as Linux leaves them at `execve`.
    pub fn new_user(ip: u64, sp: u64) -> Registers {
        let mut r: libc::user_regs_struct = zeroed_regs();
        r.rip = ip;
        r.rsp = sp;
        r.cs = USER_CS;
        r.ss = USER_SS;
        r.eflags = INITIAL_RFLAGS;
        r.orig_rax = u64::MAX;
        Registers(r)
    }

    /// The system call number at a syscall stop.
    pub fn syscall_nr(&self) -> u64 {
        self.0.orig_rax
    }

    /// The six system call arguments in order (`rdi, rsi, rdx, r10, r8, r9`).
    pub fn syscall_args(&self) -> [u64; 6] {
        let r = &self.0;
        [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9]
    }

    /// Sets the system call's return value (`rax`).
    pub fn set_return(&mut self, value: u64) {
        self.0.rax = value;
    }

    /// The instruction pointer.
    pub fn ip(&self) -> u64 {
        self.0.rip
    }

    /// The stack pointer.
    pub fn sp(&self) -> u64 {
        self.0.rsp
    }
}

impl std::fmt::Debug for Registers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = &self.0;
        write!(
            f,
            "rip={:#x} rsp={:#x} rax={:#x} orig_rax={:#x} rdi={:#x} rsi={:#x} rdx={:#x}",
            r.rip, r.rsp, r.rax, r.orig_rax, r.rdi, r.rsi, r.rdx
        )
    }
}

fn zeroed_regs() -> libc::user_regs_struct {
    libc::user_regs_struct {
        r15: 0,
        r14: 0,
        r13: 0,
        r12: 0,
        rbp: 0,
        rbx: 0,
        r11: 0,
        r10: 0,
        r9: 0,
        r8: 0,
        rax: 0,
        rcx: 0,
        rdx: 0,
        rsi: 0,
        rdi: 0,
        orig_rax: 0,
        rip: 0,
        cs: 0,
        eflags: 0,
        rsp: 0,
        ss: 0,
        fs_base: 0,
        gs_base: 0,
        ds: 0,
        es: 0,
        fs: 0,
        gs: 0,
    }
}
