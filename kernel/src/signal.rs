//! Signals: queues, default actions, signal frames and `rt_sigreturn`.
//!
//! A signal is queued on a task (thread-directed) or its thread group
//! (process-directed) and delivered by the task's run loop before it next runs guest
//! code: ignored, a default action (termination ends the whole group), or a handler,
//! for which an `rt_sigframe` is built on the guest stack exactly as Linux lays it out
//! on x86_64, so that the guest's `sa_restorer` (`rt_sigreturn`) unwinds it.

use std::sync::Arc;

use veil_abi::flags::signal::*;
use veil_abi::structs::SigAction;
use veil_abi::Errno;
use veil_platform::{AddressSpace, Context, Registers};

use crate::task::Task;
use crate::thread_group::ExitStatus;

/// `si_code` of a signal sent by `kill`.
pub const SI_USER: i32 = 0;
/// `si_code` of a signal sent by `tkill`/`tgkill`.
pub const SI_TKILL: i32 = -6;
/// `si_code` of a signal the kernel sent.
pub const SI_KERNEL: i32 = 0x80;

/// `RLIMIT_CORE`.
const RLIMIT_CORE: usize = 4;

/// Internal errno: the syscall was interrupted by a signal and is restarted if no
/// handler runs or the handler has `SA_RESTART` (Linux's `ERESTARTSYS`).
pub const ERESTARTSYS: Errno = Errno(512);

/// Internal errno: the syscall was interrupted by a signal and is restarted only if no
/// handler runs; with a handler it fails with `EINTR` whatever `SA_RESTART` says
/// (Linux's `ERESTARTNOHAND`, returned by poll and select).
pub const ERESTARTNOHAND: Errno = Errno(514);

/// What a pending signal carries into its `siginfo_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigInfo {
    /// Signal number.
    pub signo: u32,
    /// `si_code`.
    pub code: i32,
    /// Sender's pid (`kill`), else 0.
    pub pid: i32,
    /// Sender's uid (`kill`), else 0.
    pub uid: u32,
    /// Faulting address for SIGSEGV/SIGBUS/SIGILL/SIGFPE.
    pub addr: u64,
    /// The word after the sender's uid: `si_status` of a `SIGCHLD`, the `sigval` of a
    /// `sigqueue` or timer signal; for a seccomp `SIGSYS`, `si_syscall` and `si_arch`.
    pub value: u64,
    /// `si_errno` (a seccomp `SIGSYS`: the filter's data).
    pub errno: i32,
}

impl SigInfo {
    /// A signal sent by the user-level `kill`/`tgkill` family from `pid`, by the
    /// calling task (its real uid is the sender's).
    pub fn user(signo: u32, code: i32, pid: i32) -> SigInfo {
        let uid = crate::task::current()
            .map(|t| t.creds().uid.real)
            .unwrap_or_else(|| nix::unistd::getuid().as_raw());
        SigInfo {
            signo,
            code,
            pid,
            uid,
            addr: 0,
            value: 0,
            errno: 0,
        }
    }

    /// A signal raised by the kernel, e.g. for a fault at `addr`.
    pub fn kernel(signo: u32, code: i32, addr: u64) -> SigInfo {
        SigInfo {
            signo,
            code,
            pid: 0,
            uid: 0,
            addr,
            value: 0,
            errno: 0,
        }
    }

    /// The 128-byte `siginfo_t`.
    pub fn to_bytes(self) -> [u8; 128] {
        let mut b = [0u8; 128];
        b[0..4].copy_from_slice(&(self.signo as i32).to_le_bytes());
        b[4..8].copy_from_slice(&self.errno.to_le_bytes());
        b[8..12].copy_from_slice(&self.code.to_le_bytes());
        if matches!(self.signo, SIGSEGV | SIGBUS | SIGILL | SIGFPE) && self.code > 0 {
            b[16..24].copy_from_slice(&self.addr.to_le_bytes());
        } else if self.signo == SIGSYS && self.code == SYS_SECCOMP {
            // si_call_addr, then si_syscall and si_arch.
            b[16..24].copy_from_slice(&self.addr.to_le_bytes());
            b[24..32].copy_from_slice(&self.value.to_le_bytes());
        } else {
            b[16..20].copy_from_slice(&self.pid.to_le_bytes());
            b[20..24].copy_from_slice(&self.uid.to_le_bytes());
            b[24..32].copy_from_slice(&self.value.to_le_bytes());
        }
        b
    }
}

/// Pending signals of a task or thread group. Standard signals (below 32) do not
/// queue: a second one while the first is pending is merged. Real-time ones queue.
#[derive(Default, Debug)]
pub struct SigQueue {
    items: Vec<SigInfo>,
}

impl SigQueue {
    /// Queues `info`; returns false if it merged into a pending instance of the same
    /// standard signal.
    pub fn push(&mut self, info: SigInfo) -> bool {
        if info.signo < 32 && self.items.iter().any(|i| i.signo == info.signo) {
            return false;
        }
        self.items.push(info);
        true
    }

    /// The set of pending signal numbers.
    pub fn bits(&self) -> u64 {
        self.items.iter().fold(0, |m, i| m | bit(i.signo))
    }

    /// Removes and returns the lowest-numbered pending signal not in `blocked`.
    pub fn take(&mut self, blocked: u64) -> Option<SigInfo> {
        let idx = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| bit(i.signo) & blocked == 0)
            .min_by_key(|(_, i)| i.signo)
            .map(|(idx, _)| idx)?;
        Some(self.items.remove(idx))
    }

    /// Drops every pending instance of `signo`.
    pub fn discard(&mut self, signo: u32) {
        self.items.retain(|i| i.signo != signo);
    }
}

/// What a signal does when its action is `SIG_DFL`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DefaultAction {
    /// End the process.
    Terminate,
    /// End the process with a core dump (Veil writes none).
    CoreDump,
    /// Nothing.
    Ignore,
    /// Stop the process (job control).
    Stop,
    /// Continue a stopped process.
    Continue,
}

/// The default action of signal `sig` (signal(7)).
pub fn default_action(sig: u32) -> DefaultAction {
    match sig {
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGCONT => DefaultAction::Continue,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ
        | SIGSYS => DefaultAction::CoreDump,
        _ => DefaultAction::Terminate,
    }
}

/// `si_code` of a `SIGSYS` raised by a seccomp filter (`SYS_SECCOMP`).
pub const SYS_SECCOMP: i32 = 1;

/// Queues a signal the guest caused synchronously that must end it (a seccomp
/// kill): its action is reset to the default and it is unblocked whatever the guest
/// set, as Linux's `force_sig_seccomp` does for a kill.
pub fn force_default(task: &Task, info: SigInfo) {
    let b = bit(info.signo);
    task.tg.actions.lock()[info.signo as usize - 1].handler = SIG_DFL;
    task.signal_mask
        .fetch_and(!b, std::sync::atomic::Ordering::SeqCst);
    task.pending.lock().push(info);
    task.tg.signal_waiters.lock().wake_all();
}

/// Queues a signal the guest caused synchronously (a fault): if it is blocked or
/// ignored, it is unblocked and its action reset to the default, as Linux's
/// `force_sig_info` does, so the guest cannot loop on the faulting instruction.
pub fn force(task: &Task, info: SigInfo) {
    let b = bit(info.signo);
    {
        let mut actions = task.tg.actions.lock();
        let action = &mut actions[info.signo as usize - 1];
        if action.handler == SIG_IGN || task.mask() & b != 0 {
            action.handler = SIG_DFL;
        }
    }
    task.signal_mask
        .fetch_and(!b, std::sync::atomic::Ordering::SeqCst);
    task.pending.lock().push(info);
    task.tg.signal_waiters.lock().wake_all();
}

/// Whether a signal sent now would be discarded at once: its action is `SIG_IGN`, or
/// `SIG_DFL` with an ignoring default, and `blocked` (the targets' masks) does not hold
/// it (Linux keeps blocked signals, since the action may change before they are
/// unblocked). Discarding ignored signals when they are sent, as Linux's
/// `sig_ignored` does, keeps them from interrupting a wait.
pub fn is_ignored(actions: &[SigAction], signo: u32, blocked: u64) -> bool {
    if signo == SIGKILL || signo == SIGSTOP || blocked & bit(signo) != 0 {
        return false;
    }
    let Some(action) = (signo as usize).checked_sub(1).and_then(|i| actions.get(i)) else {
        return false;
    };
    match action.handler {
        SIG_IGN => true,
        SIG_DFL => default_action(signo) == DefaultAction::Ignore,
        _ => false,
    }
}

/// Queues a thread-directed signal on `task` and makes it look; an ignored signal
/// ([`is_ignored`]) is discarded. Returns whether `info` was queued (not discarded,
/// nor merged into a pending instance).
pub fn send_to_task(task: &Task, info: SigInfo) -> bool {
    crate::job_control::on_send(&task.tg, info.signo);
    if is_ignored(
        &task.tg.actions.lock()[..],
        info.signo,
        task.mask_for_ignore(),
    ) {
        return false;
    }
    let queued = task.pending.lock().push(info);
    task.tg.signal_waiters.lock().wake_all();
    if task.mask() & bit(info.signo) == 0 || info.signo == SIGKILL {
        task.interrupt();
    }
    queued
}

/// Takes the next pending signal of `task` not in `blocked`, thread-directed first:
/// the one place signals leave the queues (delivery, `rt_sigtimedwait`). A POSIX
/// timer's signal learns its overrun count here.
pub fn dequeue(task: &Task, blocked: u64) -> Option<SigInfo> {
    let mut info = task
        .pending
        .lock()
        .take(blocked)
        .or_else(|| task.tg.pending.lock().take(blocked))?;
    if info.code == crate::timers::SI_TIMER {
        let timer = task.tg.timers.lock().posix.get(&info.pid).cloned();
        if let Some(timer) = timer {
            info.uid = timer.signal_taken().min(i32::MAX as u64) as u32;
        }
    }
    Some(info)
}

/// Delivers the next deliverable pending signal of `task`, if any: runs its action.
/// Returns the exit status when the action ends the process.
///
/// `regs` are the guest's registers at the point of delivery; a syscall that returned
/// [`ERESTARTSYS`] is restarted or failed with `EINTR` here, per `SA_RESTART`.
pub fn deliver(
    task: &Arc<Task>,
    regs: &mut Registers,
    ctx: &mut dyn Context,
    aspace: &Arc<dyn AddressSpace>,
) -> Option<ExitStatus> {
    loop {
        crate::job_control::participate(task);
        if (task.pending.lock().bits() | task.tg.pending.lock().bits()) & bit(SIGKILL) != 0 {
            return Some(ExitStatus::Signaled(SIGKILL as i32));
        }
        let blocked = task.mask() & !UNBLOCKABLE;
        let Some(info) = dequeue(task, blocked) else {
            // Nothing to deliver: an interrupted syscall restarts transparently, and a
            // temporary mask gives way to the one it replaced.
            restart_syscall(regs, true, false);
            if let Some(mask) = task.saved_mask.lock().take() {
                task.set_mask(mask);
            }
            return None;
        };
        let action = task.tg.actions.lock()[info.signo as usize - 1];
        if info.signo == SIGKILL {
            return Some(ExitStatus::Signaled(SIGKILL as i32));
        }
        match action.handler {
            SIG_IGN => continue,
            SIG_DFL => match default_action(info.signo) {
                DefaultAction::Ignore | DefaultAction::Continue => continue,
                DefaultAction::Stop => {
                    // A terminal's stop signals do nothing in an orphaned group.
                    if info.signo == SIGSTOP
                        || !crate::job_control::pgrp_orphaned(&task.tg, &task.kernel)
                    {
                        crate::job_control::begin_group_stop(task, info.signo);
                    }
                    continue;
                }
                DefaultAction::Terminate => {
                    return Some(ExitStatus::Signaled(info.signo as i32));
                }
                DefaultAction::CoreDump => {
                    // Linux dumps when the process is dumpable and RLIMIT_CORE allows
                    // a file; Veil writes none but reports the dump the same way.
                    let dumps = task.tg.dumpable.load(std::sync::atomic::Ordering::SeqCst)
                        && task.tg.rlimits.lock()[RLIMIT_CORE].cur > 0;
                    let sig = info.signo as i32;
                    return Some(if dumps {
                        ExitStatus::Dumped(sig)
                    } else {
                        ExitStatus::Signaled(sig)
                    });
                }
            },
            _ => {
                restart_syscall(regs, action.flags & SA_RESTART != 0, true);
                if setup_frame(task, regs, ctx, aspace, info, &action).is_err() {
                    return Some(ExitStatus::Signaled(SIGSEGV as i32));
                }
                return None;
            }
        }
    }
}

/// Resolves a pending [`ERESTARTSYS`] or [`ERESTARTNOHAND`] return: re-executes the
/// `syscall` instruction if `restart` (for `ERESTARTNOHAND`, only when no handler is
/// about to run), else makes it fail with `EINTR`.
fn restart_syscall(regs: &mut Registers, restart: bool, handler: bool) {
    let rax = regs.0.rax;
    let restart = if rax == ERESTARTSYS.as_ret() {
        restart
    } else if rax == ERESTARTNOHAND.as_ret() {
        !handler
    } else {
        return;
    };
    if restart {
        regs.0.rax = regs.0.orig_rax;
        regs.0.rip -= 2;
    } else {
        regs.0.rax = Errno::EINTR.as_ret();
    }
}

/// Size of `struct ucontext` on x86_64.
const UCONTEXT_SIZE: u64 = 304;
/// Offset of `uc_mcontext` in `struct ucontext`.
const MCONTEXT_OFFSET: u64 = 40;
/// Offset of `uc_sigmask` in `struct ucontext`.
const SIGMASK_OFFSET: u64 = 296;
/// `UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS`, what 64-bit Linux puts in `uc_flags`.
const UC_FLAGS: u64 = 0x2 | 0x4;
/// The red zone below the stack pointer that a signal frame must skip.
const RED_ZONE: u64 = 128;
/// `ss_flags` value meaning the alternate stack is disabled.
const SS_DISABLE: i32 = 2;
/// `ss_flags` value meaning the thread is running on the alternate stack.
const SS_ONSTACK: i32 = 1;
/// rflags bits a signal handler starts with cleared: TF, DF, RF, AC.
const HANDLER_CLEAR_FLAGS: u64 = 0x100 | 0x400 | 0x1_0000 | 0x4_0000;
/// rflags bits `rt_sigreturn` may restore from the frame.
const RESTORABLE_FLAGS: u64 =
    0x0001 | 0x0004 | 0x0010 | 0x0040 | 0x0080 | 0x0100 | 0x0400 | 0x0800 | 0x4_0000;

/// The 256-byte `struct sigcontext` of `regs`.
fn sigcontext(regs: &Registers, fpstate: u64, oldmask: u64, info: &SigInfo) -> Vec<u8> {
    let r = &regs.0;
    let mut words = vec![
        r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rdi, r.rsi, r.rbp, r.rbx, r.rdx,
        r.rax, r.rcx, r.rsp, r.rip, r.eflags,
    ];
    // cs, gs, fs, ss as four u16 in one word.
    words.push(r.cs | (r.gs << 16) | (r.fs << 32) | (r.ss << 48));
    let (err, trapno, cr2) = if info.signo == SIGSEGV && info.code > 0 {
        (4, 14, info.addr)
    } else {
        (0, 0, 0)
    };
    words.extend([err, trapno, oldmask, cr2, fpstate]);
    words.extend([0u64; 8]);
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn setup_frame(
    task: &Arc<Task>,
    regs: &mut Registers,
    ctx: &mut dyn Context,
    aspace: &Arc<dyn AddressSpace>,
    info: SigInfo,
    action: &SigAction,
) -> Result<(), Errno> {
    if action.flags & SA_RESTORER == 0 {
        return Err(Errno::EFAULT);
    }
    let mm = &task.mm();
    let (alt_sp, alt_flags, alt_size) = *task.alt_stack.lock();
    let on_alt = alt_flags != SS_DISABLE
        && regs.0.rsp > alt_sp
        && regs.0.rsp <= alt_sp.wrapping_add(alt_size);
    let mut sp = if action.flags & SA_ONSTACK != 0 && alt_flags != SS_DISABLE && !on_alt {
        alt_sp.wrapping_add(alt_size)
    } else {
        regs.0.rsp.wrapping_sub(RED_ZONE)
    };
    let fp = ctx.fp_state(aspace).map_err(|_| Errno::EFAULT)?;
    sp = sp.wrapping_sub(fp.len() as u64) & !63;
    let fp_addr = sp;
    mm.copy_out(fp_addr, &fp)?;
    let frame_len = 8 + UCONTEXT_SIZE + 128;
    // Guest-controlled: wrap rather than overflow; a wrapped address fails to copy.
    let frame = (sp.wrapping_sub(frame_len) & !15).wrapping_sub(8);
    let uc = frame.wrapping_add(8);
    let info_addr = uc.wrapping_add(UCONTEXT_SIZE);
    // The handler runs with the current mask (a temporary one, if a ppoll or
    // sigsuspend was interrupted) plus its own; the frame keeps the mask to return to.
    let cur_mask = task.mask();
    let old_mask = task.saved_mask.lock().take().unwrap_or(cur_mask);

    let mut ucontext = Vec::with_capacity(UCONTEXT_SIZE as usize);
    ucontext.extend(UC_FLAGS.to_le_bytes());
    ucontext.extend(0u64.to_le_bytes()); // uc_link
    ucontext.extend(alt_sp.to_le_bytes());
    ucontext.extend((if on_alt { SS_ONSTACK } else { alt_flags } as u64).to_le_bytes());
    ucontext.extend(alt_size.to_le_bytes());
    ucontext.extend(sigcontext(regs, fp_addr, old_mask, &info));
    ucontext.extend(old_mask.to_le_bytes());
    debug_assert_eq!(ucontext.len() as u64, UCONTEXT_SIZE);
    debug_assert_eq!(MCONTEXT_OFFSET + 256, SIGMASK_OFFSET);

    mm.copy_out(frame, &action.restorer.to_le_bytes())?;
    mm.copy_out(uc, &ucontext)?;
    mm.copy_out(info_addr, &info.to_bytes())?;

    let mut new_mask = cur_mask | action.mask;
    if action.flags & SA_NODEFER == 0 {
        new_mask |= bit(info.signo);
    }
    task.signal_mask
        .store(new_mask & !UNBLOCKABLE, std::sync::atomic::Ordering::SeqCst);
    if action.flags & SA_RESETHAND != 0 {
        task.tg.actions.lock()[info.signo as usize - 1] = SigAction::default();
    }
    let r = &mut regs.0;
    r.rdi = u64::from(info.signo);
    r.rsi = info_addr;
    r.rdx = uc;
    r.rax = 0;
    r.rsp = frame;
    r.rip = action.handler;
    r.eflags &= !HANDLER_CLEAR_FLAGS;
    r.orig_rax = u64::MAX;
    Ok(())
}

/// `rt_sigreturn`: restores the registers, mask and FP state saved by `setup_frame`.
/// Returns the restored `rax`, which the dispatcher then leaves in place.
pub fn sigreturn(
    task: &Arc<Task>,
    regs: &mut Registers,
    ctx: &mut dyn Context,
    aspace: &Arc<dyn AddressSpace>,
) -> Result<u64, Errno> {
    let uc = regs.0.rsp; // the handler's `ret` popped pretcode: rsp = frame + 8
    let mut mc = [0u8; 256];
    task.mm()
        .copy_in(uc.wrapping_add(MCONTEXT_OFFSET), &mut mc)?;
    let w = |i: usize| u64::from_le_bytes(mc[i * 8..i * 8 + 8].try_into().unwrap_or_default());
    let mask: u64 = task.mm().read_obj(uc.wrapping_add(SIGMASK_OFFSET))?;
    let r = &mut regs.0;
    (r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15) =
        (w(0), w(1), w(2), w(3), w(4), w(5), w(6), w(7));
    (r.rdi, r.rsi, r.rbp, r.rbx, r.rdx, r.rax, r.rcx, r.rsp) =
        (w(8), w(9), w(10), w(11), w(12), w(13), w(14), w(15));
    r.rip = w(16);
    r.eflags = (r.eflags & !RESTORABLE_FLAGS) | (w(17) & RESTORABLE_FLAGS);
    r.orig_rax = u64::MAX;
    let fpstate = w(23);
    task.signal_mask
        .store(mask & !UNBLOCKABLE, std::sync::atomic::Ordering::SeqCst);
    if fpstate != 0 {
        let mut fp = [0u8; 512];
        task.mm().copy_in(fpstate, &mut fp)?;
        // MXCSR reserved bits set would make the host reject the state: clear them.
        let mxcsr = u32::from_le_bytes(fp[24..28].try_into().unwrap_or_default()) & 0xffff;
        fp[24..28].copy_from_slice(&mxcsr.to_le_bytes());
        ctx.set_fp_state(aspace, &fp).map_err(|_| Errno::EFAULT)?;
    }
    Ok(regs.0.rax)
}
