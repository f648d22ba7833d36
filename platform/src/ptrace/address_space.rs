//! A guest address space on the ptrace platform: one host mm shared by stub processes.
//!
//! Each address space has a *spawner* host thread that forked and traces its first stub
//! process. Any sentry thread that needs to act in the address space (run a guest
//! thread, or change a mapping) gets its own stub thread there: it asks the spawner to
//! inject a `clone(CLONE_VM|CLONE_FILES|CLONE_PARENT)` into the first stub, then seizes
//! the new process itself, because only a tracer may drive a tracee. The stub threads a
//! sentry thread traces are kept in a thread-local table and killed when that sentry
//! thread exits.

use std::any::Any;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Weak};

use nix::sys::signal::Signal;
use parking_lot::Mutex;

use super::stub::{self, STUB_MEMORY_FD};
use super::thread::{RawStop, StubThread};
use crate::{AddressSpace, PlatformError, Prot};

/// State shared between an address space's handle and the sentry threads using it.
struct Shared {
    /// Unique id, the key of thread-local stub tables.
    id: u64,
    /// Requests to the spawner thread.
    requests: Mutex<mpsc::Sender<SpawnRequest>>,
    /// Every stub pid ever created in this address space, to kill them on drop.
    pids: Mutex<Vec<libc::pid_t>>,
}

/// A request to the spawner: create one more stub thread.
struct SpawnRequest {
    reply: mpsc::Sender<Result<libc::pid_t, PlatformError>>,
}

/// A guest address space of the ptrace platform.
pub struct PtraceAddressSpace {
    shared: Arc<Shared>,
}

/// The stub threads the current sentry thread traces, one per address space.
#[derive(Default)]
pub(crate) struct LocalStubs {
    /// The CPU this sentry thread and its stubs are pinned to, if any.
    pub(crate) cpu: Option<usize>,
    stubs: Vec<(Weak<Shared>, StubThread)>,
}

impl Drop for LocalStubs {
    fn drop(&mut self) {
        for (_, t) in self.stubs.drain(..) {
            t.kill();
        }
    }
}

thread_local! {
    pub(crate) static LOCAL: RefCell<LocalStubs> = RefCell::new(LocalStubs::default());
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Pins host thread `tid` (0: the caller) to `cpu`.
pub(crate) fn pin(tid: libc::pid_t, cpu: usize) {
    let mut set = nix::sched::CpuSet::new();
    if set.set(cpu).is_ok() {
        let _ = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(tid), &set);
    }
}

impl PtraceAddressSpace {
    /// Creates an address space: starts its spawner thread, which forks the first stub.
    pub(crate) fn new(memory_fd: i32) -> Result<PtraceAddressSpace, PlatformError> {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("veil-spawner".into())
            .spawn(move || spawner_main(memory_fd, rx, ready_tx))
            .map_err(|e| PlatformError::Killed(format!("cannot start spawner thread: {e}")))?;
        let first = ready_rx
            .recv()
            .map_err(|_| PlatformError::Killed("spawner thread died".into()))??;
        Ok(PtraceAddressSpace {
            shared: Arc::new(Shared {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                requests: Mutex::new(tx),
                pids: Mutex::new(vec![first]),
            }),
        })
    }

    /// Runs `f` on the calling sentry thread's stub thread in this address space,
    /// creating the stub thread first if this sentry thread has none here yet.
    pub(crate) fn with_stub<R>(
        &self,
        f: impl FnOnce(&StubThread) -> Result<R, PlatformError>,
    ) -> Result<R, PlatformError> {
        LOCAL.with(|local| {
            let mut local = local.borrow_mut();
            let found = local
                .stubs
                .iter()
                .position(|(w, _)| w.upgrade().is_some_and(|s| s.id == self.shared.id));
            let index = match found {
                Some(i) => i,
                None => {
                    let t = self.new_stub_thread()?;
                    if let Some(cpu) = local.cpu {
                        pin(t.pid(), cpu);
                    }
                    // Forget stubs of address spaces that are gone (already killed).
                    local.stubs.retain(|(w, t)| {
                        let alive = w.strong_count() > 0;
                        if !alive {
                            t.kill();
                        }
                        alive
                    });
                    local.stubs.push((Arc::downgrade(&self.shared), t));
                    local.stubs.len() - 1
                }
            };
            f(&local.stubs[index].1)
        })
    }

    fn new_stub_thread(&self) -> Result<StubThread, PlatformError> {
        let (reply, answer) = mpsc::channel();
        self.shared
            .requests
            .lock()
            .send(SpawnRequest { reply })
            .map_err(|_| PlatformError::Killed("spawner thread gone".into()))?;
        let pid = answer
            .recv()
            .map_err(|_| PlatformError::Killed("spawner thread gone".into()))??;
        self.shared.pids.lock().push(pid);
        StubThread::seize(pid)
    }

    fn inject(&self, nr: i64, args: &[u64], call: &'static str) -> Result<(), PlatformError> {
        let ret = self.with_stub(|t| t.inject_syscall(nr, args))?;
        if ret < 0 {
            return Err(PlatformError::Host {
                call,
                err: nix::Error::from_raw(-ret as i32),
            });
        }
        Ok(())
    }
}

impl Drop for PtraceAddressSpace {
    fn drop(&mut self) {
        for &pid in self.shared.pids.lock().iter() {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGKILL);
        }
        // Dropping the only sender ends the spawner's loop.
    }
}

impl AddressSpace for PtraceAddressSpace {
    fn map_file(&self, addr: u64, len: u64, offset: u64, prot: Prot) -> Result<(), PlatformError> {
        let flags = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
        self.inject(
            libc::SYS_mmap,
            &[
                addr,
                len,
                prot.bits() as u64,
                flags,
                STUB_MEMORY_FD as u64,
                offset,
            ],
            "injected mmap",
        )
    }

    fn unmap(&self, addr: u64, len: u64) -> Result<(), PlatformError> {
        self.inject(libc::SYS_munmap, &[addr, len], "injected munmap")
    }

    fn protect(&self, addr: u64, len: u64, prot: Prot) -> Result<(), PlatformError> {
        self.inject(
            libc::SYS_mprotect,
            &[addr, len, prot.bits() as u64],
            "injected mprotect",
        )
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The spawner thread: forks the first stub, then clones stub threads on request until
/// the address space is dropped, then kills the first stub.
fn spawner_main(
    memory_fd: i32,
    requests: mpsc::Receiver<SpawnRequest>,
    ready: mpsc::Sender<Result<libc::pid_t, PlatformError>>,
) {
    let first = match start_first_stub(memory_fd) {
        Ok(t) => t,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let _ = ready.send(Ok(first.pid()));
    let flags = (libc::CLONE_VM | libc::CLONE_FILES | libc::CLONE_PARENT) as u64;
    for req in requests {
        let result = first.inject_clone(flags).and_then(|pid| {
            if pid < 0 {
                Err(PlatformError::Host {
                    call: "injected clone",
                    err: nix::Error::from_raw(-pid as i32),
                })
            } else {
                Ok(pid as libc::pid_t)
            }
        });
        let _ = req.reply.send(result);
    }
    first.kill();
}

fn start_first_stub(memory_fd: i32) -> Result<StubThread, PlatformError> {
    let pid = stub::fork_stub(memory_fd).map_err(|err| PlatformError::Host {
        call: "fork stub",
        err,
    })?;
    let t = StubThread::new(pid);
    match t.wait()? {
        RawStop::Signal(Signal::SIGSTOP) => {}
        other => {
            return Err(PlatformError::Killed(format!(
                "first stub stopped with {other:?} instead of SIGSTOP"
            )))
        }
    }
    t.set_options()?;
    Ok(t)
}
