//! The run loop: one sentry host thread per task, switching into guest code and
//! handling whatever stopped it.

use std::sync::Arc;

use veil_abi::flags::signal::SIGKILL;
use veil_platform::{Context, Registers, Stop};

use crate::signal::{self, SigInfo, SI_KERNEL};
use crate::syscalls::{self, Exit};
use crate::task::Task;
use crate::thread_group::ExitStatus;

/// Host stack of a sentry task thread. Syscall handlers use little stack; the guest's
/// stack is guest memory.
const TASK_THREAD_STACK: usize = 256 << 10;

/// Starts `task` on a new host thread. `init` runs first on that thread (after the
/// platform context exists) and returns the registers to start from, or `None` to end
/// the task at once.
pub fn spawn_with<F>(task: Arc<Task>, init: F) -> Result<(), String>
where
    F: FnOnce(&Arc<Task>) -> Option<Registers> + Send + 'static,
{
    let name = format!("veil-task-{}", task.tid);
    std::thread::Builder::new()
        .name(name)
        .stack_size(TASK_THREAD_STACK)
        .spawn(move || {
            let ctx = match task.kernel.platform.new_context() {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!("task {}: cannot create a platform context: {e}", task.tid);
                    task.tg.begin_exit(ExitStatus::Signaled(SIGKILL as i32));
                    task.tg
                        .remove_task(task.tid, ExitStatus::Signaled(SIGKILL as i32));
                    return;
                }
            };
            task.set_interrupter(ctx.interrupter());
            crate::task::set_current(&task);
            match init(&task) {
                Some(regs) => Runner { task, ctx, regs }.run(),
                None => task.tg.remove_task(task.tid, ExitStatus::Exited(0)),
            }
            // Let the task go now rather than during thread-local destruction.
            crate::task::clear_current();
        })
        .map(|_| ())
        .map_err(|e| format!("cannot start a task thread: {e}"))
}

/// Starts `task` at `regs` on a new host thread.
pub fn spawn(task: Arc<Task>, regs: Registers) -> Result<(), String> {
    spawn_with(task, move |_| Some(regs))
}

/// The state a task's run loop owns.
struct Runner {
    task: Arc<Task>,
    ctx: Box<dyn Context>,
    regs: Registers,
}

impl Runner {
    fn run(mut self) {
        let task = self.task.clone();
        let mut exit_code = 0;
        loop {
            task.clear_attention();
            if task.tg.exiting() || task.must_exit.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            // Read every time round: execve replaces the address space.
            let aspace = task.mm().address_space().clone();
            if let Some(status) = signal::deliver(&task, &mut self.regs, self.ctx.as_mut(), &aspace)
            {
                task.tg.begin_exit(status);
                break;
            }
            task.clock.enter_user();
            let stop = self.ctx.switch(&aspace, &mut self.regs);
            task.clock.enter_sys();
            match stop {
                Ok(Stop::Syscall) => {
                    match syscalls::dispatch(&task, &mut self.regs, self.ctx.as_mut(), &aspace) {
                        None => {}
                        Some(Exit::Thread(code)) => {
                            exit_code = code;
                            break;
                        }
                        Some(Exit::Group(code)) => {
                            task.tg.begin_exit(ExitStatus::Exited(code));
                            break;
                        }
                    }
                }
                Ok(Stop::Fault { addr, cause, .. }) => {
                    task.clock.count_fault();
                    if task.kernel.over_memory_limit() {
                        // The OOM killer's choice, simplified: the process that needs
                        // the memory.
                        tracing::warn!(
                            "out of memory (--memory={}): killed process {} ({})",
                            task.kernel.config.memory_limit.unwrap_or(0),
                            task.tg.tgid,
                            String::from_utf8_lossy(&task.comm.lock())
                        );
                        task.tg.send_signal(SigInfo::kernel(SIGKILL, SI_KERNEL, 0));
                        continue;
                    }
                    if let Err(sig) = task.mm().handle_fault(addr, cause) {
                        signal::force(&task, SigInfo::kernel(sig.signo, sig.code, addr));
                    }
                }
                Ok(Stop::Signal(info)) => {
                    signal::force(
                        &task,
                        SigInfo::kernel(info.signo as u32, info.code, info.addr),
                    );
                }
                Ok(Stop::Interrupted) => {}
                Err(e) => {
                    tracing::error!("task {}: {e}", task.tid);
                    task.tg.begin_exit(ExitStatus::Signaled(SIGKILL as i32));
                    break;
                }
            }
        }
        self.exit_thread(exit_code);
    }

    /// Leaves the thread group: clears and wakes `clear_child_tid` so that joiners
    /// see the thread gone, then removes the task.
    fn exit_thread(self, code: i32) {
        let task = self.task;
        let ctid = task
            .clear_child_tid
            .load(std::sync::atomic::Ordering::SeqCst);
        if ctid != 0 && !task.tg.exiting() && task.mm().copy_out(ctid, &0u32.to_le_bytes()).is_ok()
        {
            if let Ok((key, _)) = task.mm().futex_word(ctid) {
                task.kernel.futexes.wake(key, 1, u32::MAX);
            }
        }
        // The descriptors close before the parent learns of the exit, as Linux's
        // exit_files comes before exit_notify: a waiter then sees the pipes closed and
        // the flocks released. Only if no other task shares the table (CLONE_FILES).
        if std::sync::Arc::strong_count(&task.files) == 1 {
            task.files.close_all();
        }
        if task.tg.tasks().len() > 1 {
            task.tg.thread_leaving(task.tid);
        }
        task.tg.remove_task(task.tid, ExitStatus::Exited(code));
    }
}
