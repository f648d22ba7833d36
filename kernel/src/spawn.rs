//! Starting processes in a sandbox from outside it: the first process (`veil do`, an
//! OCI container's init) and the later ones an OCI `exec` adds.
//!
//! A [`ProcessSpec`] says what to run and as whom; [`Kernel::spawn`] builds the process
//! (a fresh address space, descriptor table and file system context), loads the image
//! on the new task's own thread (the address space is that thread's to change) and
//! waits until the load succeeded or failed. With a [`StartGate`], the loaded task then
//! waits, before its first instruction, until the gate opens: that is the OCI
//! `created` state, between `create` and `start`.

use std::os::fd::OwnedFd;
use std::sync::mpsc;
use std::sync::Arc;

use veil_abi::flags::open::O_RDWR;
use veil_abi::structs::Rlimit;
use veil_platform::Registers;
use veil_vfs::walk::{WalkCtx, WalkFlags};
use veil_vfs::{HostFile, OpenFile};

use crate::creds::{Credentials, Ids};
use crate::fd_table::FdTable;
use crate::fs_context::FsContext;
use crate::kernel::{host_rlimits, Kernel, StartError};
use crate::loader;
use crate::mm::MemoryManager;
use crate::signal::SigInfo;
use crate::task::Task;
use crate::thread_group::ThreadGroup;
use crate::tty::console::HostConsole;

/// Who a new process runs as. `None` fields keep what the first process of `veil do`
/// gets: the sentry's own effective ids, all capabilities for uid 0.
#[derive(Clone, Debug, Default)]
pub struct Identity {
    /// User id (real, effective, saved and file-system).
    pub uid: u32,
    /// Group id (all four).
    pub gid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// Capability sets (effective, permitted, inheritable, bounding), a bit per
    /// capability; `None`: all for uid 0, none otherwise.
    pub caps: Option<[u64; 4]>,
}

/// Where a new process's descriptors 0-2 come from.
pub enum Stdio {
    /// The sentry's own fds 0-2; the console's terminal for those that are the host
    /// terminal [`Kernel::console`] took.
    Sentry,
    /// These host descriptors (a missing one stays closed in the guest).
    Host([Option<OwnedFd>; 3]),
    /// A console of its own (an OCI `exec --tty`): every descriptor is its terminal,
    /// which becomes the process's controlling terminal.
    Console(Arc<HostConsole>),
}

/// What to run.
pub struct ProcessSpec {
    /// The program, a path in the sandbox (already resolved in `PATH`).
    pub path: Vec<u8>,
    /// Arguments, `argv[0]` first.
    pub argv: Vec<Vec<u8>>,
    /// Environment, `NAME=value` each.
    pub envp: Vec<Vec<u8>>,
    /// Working directory in the sandbox; `/` if it does not resolve to a directory.
    pub cwd: Vec<u8>,
    /// Who it runs as; `None` for the sentry's effective ids.
    pub identity: Option<Identity>,
    /// Resource limits that replace the sentry's own (`RLIMIT_*` index, limit).
    pub rlimits: Vec<(usize, Rlimit)>,
    /// The file mode creation mask; `None` for 022.
    pub umask: Option<u32>,
    /// `PR_SET_NO_NEW_PRIVS` from the start.
    pub no_new_privs: bool,
    /// A seccomp filter the process starts with (a container's `linux.seccomp`).
    pub seccomp: Option<Arc<crate::seccomp::Filter>>,
    /// Descriptors 0-2.
    pub stdio: Stdio,
    /// Signals ignored from the start, a bit per signal (`1 << (N-1)`).
    pub ignored: u64,
    /// The first thread's signal mask.
    pub mask: u64,
    /// Host descriptors passed on as fds 3, 4, … (`--preserve-fds`).
    pub extra_fds: Vec<OwnedFd>,
}

/// Holds a loaded process before its first instruction until [`StartGate::open`].
/// Dropping the gate unopened ends the process before it runs.
pub struct StartGate {
    tx: mpsc::Sender<()>,
}

/// The waiting side of a [`StartGate`], given to [`Kernel::spawn`].
pub struct GateWait {
    rx: mpsc::Receiver<()>,
}

impl StartGate {
    /// A closed gate and the side a spawn waits on.
    pub fn new() -> (StartGate, GateWait) {
        let (tx, rx) = mpsc::channel();
        (StartGate { tx }, GateWait { rx })
    }

    /// Lets the process run.
    pub fn open(self) {
        let _ = self.tx.send(());
    }
}

impl Kernel {
    /// Starts the sandbox's first process (pid 1) with the sentry's stdio, as
    /// `veil do` does. See [`Kernel::spawn`].
    pub fn start(
        self: &Arc<Self>,
        path: &[u8],
        argv: &[Vec<u8>],
        envp: &[Vec<u8>],
        cwd: &[u8],
    ) -> Result<Arc<ThreadGroup>, StartError> {
        let spec = ProcessSpec {
            path: path.to_vec(),
            argv: argv.to_vec(),
            envp: envp.to_vec(),
            cwd: cwd.to_vec(),
            identity: None,
            rlimits: Vec::new(),
            umask: None,
            no_new_privs: false,
            seccomp: None,
            stdio: Stdio::Sentry,
            ignored: self.config.inherited_ignored,
            mask: self.config.inherited_mask,
            extra_fds: Vec::new(),
        };
        self.spawn(spec, None)
    }

    /// Starts a process from outside the sandbox. The first one spawned is pid 1
    /// (the sandbox's init: orphans are given to it); later ones get the next free
    /// pid and no parent, as an OCI `exec`'s process has none inside the container.
    /// Returns once the image is loaded (or could not be: `StartError::Exec`); the
    /// process then runs at once, or when `gate` opens. `ThreadGroup::wait_done`
    /// waits for its end.
    pub fn spawn(
        self: &Arc<Self>,
        spec: ProcessSpec,
        gate: Option<GateWait>,
    ) -> Result<Arc<ThreadGroup>, StartError> {
        let aspace = self.platform.new_address_space().map_err(|e| {
            StartError::Setup(format!("cannot create the guest address space: {e}"))
        })?;
        let mm = Arc::new(MemoryManager::new(aspace, self.memory.clone()));
        let files = Arc::new(FdTable::new());
        let terminal = self.install_stdio(&files, spec.stdio);
        for (fd, host) in (3..).zip(spec.extra_fds) {
            if let Ok(host) = HostFile::from_owned(host) {
                let file = OpenFile::new(Arc::new(host), O_RDWR, format!("fd:{fd}"));
                let _ = files.install_at(fd, file, false, fd as u64 + 1);
            }
        }

        let root = self.namespace().root();
        let cwd = WalkCtx::new(self.namespace(), &root, &root)
            .resolve(
                &spec.cwd,
                WalkFlags {
                    directory: true,
                    ..Default::default()
                },
            )
            .unwrap_or_else(|_| root.clone());
        let fs = Arc::new(FsContext::new(root, cwd));
        if let Some(umask) = spec.umask {
            *fs.umask.lock() = umask & 0o777;
        }
        let mut rlimits = host_rlimits();
        for (resource, limit) in spec.rlimits {
            if let Some(slot) = rlimits.get_mut(resource) {
                *slot = limit;
            }
        }
        let tgid = self.alloc_tid();
        let tg = ThreadGroup::new(tgid, 0, spec.path.clone(), rlimits);
        if let Some(term) = &terminal {
            crate::tty::job::attach_first_process(term, &tg);
        }
        if spec.no_new_privs {
            tg.no_new_privs
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        self.register_thread_group(&tg);
        {
            let mut actions = tg.actions.lock();
            for (i, action) in actions.iter_mut().enumerate() {
                // SIGKILL and SIGSTOP cannot be ignored.
                if spec.ignored & (1 << i) != 0 && i != 8 && i != 18 {
                    action.handler = veil_abi::flags::signal::SIG_IGN;
                }
            }
        }
        let mask = spec.mask & !veil_abi::flags::signal::UNBLOCKABLE;
        let task = Task::new(tgid, tg.clone(), self.clone(), mm, files, fs, mask);
        if let Some(id) = &spec.identity {
            task.set_creds(Arc::new(credentials_of(id)));
        }
        *task.charge.lock() = self.charge_task().ok();
        *task.comm.lock() = crate::task::comm_of(&spec.path);
        if let Some(filter) = &spec.seccomp {
            *task.seccomp.lock() = crate::seccomp::Mode::Filter(filter.clone());
        }
        tg.add_task(task.clone());

        let (loaded_tx, loaded_rx) = mpsc::channel();
        let (path, argv, envp) = (spec.path, spec.argv, spec.envp);
        crate::run::spawn_with(task, move |task| {
            let image = match loader::load(
                &task.kernel,
                &task.mm(),
                &task.fs,
                &path,
                &path,
                &argv,
                &envp,
            ) {
                Ok(image) => image,
                Err(e) => {
                    let _ = loaded_tx.send(Err(e));
                    return None;
                }
            };
            *task.tg.exe.lock() = image.exe;
            let _ = loaded_tx.send(Ok(()));
            // An unopened gate that is dropped ends the process before it runs.
            if let Some(gate) = gate {
                gate.rx.recv().ok()?;
            }
            Some(Registers::new_user(image.entry, image.stack_pointer))
        })
        .map_err(StartError::Setup)?;
        let display = |p: &[u8]| String::from_utf8_lossy(p).into_owned();
        match loaded_rx.recv() {
            Ok(Ok(())) => Ok(tg),
            Ok(Err((errno, reason))) => Err(StartError::Exec {
                path: display(&tg.exe.lock()),
                reason,
                errno,
            }),
            Err(_) => Err(StartError::Setup(
                "the first task died while loading".into(),
            )),
        }
    }

    /// Finds the program `name` in the sandbox as `execvp` does: `name` itself if it
    /// contains a `/`, else the first executable regular file `DIR/name` for the
    /// directories of `path` (a `PATH` value; `None` for the usual default).
    pub fn find_program(&self, name: &[u8], path: Option<&[u8]>) -> Option<Vec<u8>> {
        if name.contains(&b'/') {
            return Some(name.to_vec());
        }
        let path = path.unwrap_or(b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        let root = self.namespace().root();
        let walk = WalkCtx::new(self.namespace(), &root, &root);
        path.split(|&b| b == b':').find_map(|dir| {
            let dir = if dir.is_empty() { &b"."[..] } else { dir };
            let mut candidate = dir.to_vec();
            candidate.push(b'/');
            candidate.extend_from_slice(name);
            let at = walk.resolve(&candidate, WalkFlags::FOLLOW).ok()?;
            let attr = self
                .namespace()
                .follow_mounts(at)
                .dirent
                .inode()
                .attr()
                .ok()?;
            (attr.kind == veil_vfs::inode::FileType::Regular && attr.perm & 0o111 != 0)
                .then_some(candidate)
        })
    }

    /// Fills descriptors 0-2 of a new process; returns its controlling terminal
    /// when it gets one.
    fn install_stdio(
        self: &Arc<Self>,
        files: &FdTable,
        stdio: Stdio,
    ) -> Option<Arc<crate::tty::Terminal>> {
        let install_host = |fd: i32, host: HostFile| {
            let file = OpenFile::new(Arc::new(host), O_RDWR, format!("stdio:{fd}"));
            let _ = files.install_at(fd, file, false, 3);
        };
        let install_console = |fd: i32, c: &HostConsole| {
            let stat = crate::tty::pty::slave_stat(self, &c.terminal);
            if let Ok(f) =
                crate::tty::TtyFile::open(&c.terminal, crate::tty::Side::Slave, false, stat)
            {
                let file = OpenFile::new(f, O_RDWR, c.terminal.slave_path());
                let _ = files.install_at(fd, file, false, 3);
            }
        };
        match stdio {
            Stdio::Sentry => {
                let console = self.console.get();
                for fd in 0..3 {
                    match console.filter(|c| c.stdio[fd as usize]) {
                        // The host terminal: the guest gets the console's slave.
                        Some(c) => install_console(fd, c),
                        // A closed host stdio descriptor stays closed in the guest.
                        None => {
                            if let Ok(f) = HostFile::from_stdio(fd) {
                                install_host(fd, f);
                            }
                        }
                    }
                }
                console.map(|c| c.terminal.clone())
            }
            Stdio::Host(fds) => {
                for (fd, host) in (0..3).zip(fds) {
                    if let Some(host) = host.and_then(|h| HostFile::from_owned(h).ok()) {
                        install_host(fd, host);
                    }
                }
                None
            }
            Stdio::Console(c) => {
                for fd in 0..3 {
                    install_console(fd, &c);
                }
                Some(c.terminal.clone())
            }
        }
    }

    /// Sends `info` from outside the sandbox to process `tgid`, or with `all` to every
    /// process. As from an ancestor pid namespace, the sandbox's init (pid 1) gets
    /// only `SIGKILL`, `SIGSTOP` and signals it has a handler for (pid_namespaces(7)).
    /// Returns whether a process by that pid exists.
    pub fn signal_from_host(&self, tgid: i32, info: SigInfo, all: bool) -> bool {
        let targets = if all {
            self.thread_groups()
        } else {
            self.thread_group(tgid).into_iter().collect()
        };
        for tg in &targets {
            let forced = matches!(
                info.signo,
                veil_abi::flags::signal::SIGKILL | veil_abi::flags::signal::SIGSTOP
            );
            let handled = tg
                .actions
                .lock()
                .get(info.signo as usize - 1)
                .is_some_and(|a| a.handler != veil_abi::flags::signal::SIG_DFL);
            if tg.tgid == 1 && !forced && !handled {
                continue;
            }
            tg.send_signal(info);
        }
        !targets.is_empty()
    }
}

/// The credentials of `id`.
fn credentials_of(id: &Identity) -> Credentials {
    let mut creds = Credentials::initial(id.uid, id.gid);
    creds.uid = Ids::all(id.uid);
    creds.gid = Ids::all(id.gid);
    let mut groups = id.groups.clone();
    groups.sort_unstable();
    groups.dedup();
    creds.groups = groups;
    if let Some([effective, permitted, inheritable, bounding]) = id.caps {
        creds.effective = effective;
        creds.permitted = permitted;
        creds.inheritable = inheritable;
        creds.bounding = bounding;
    }
    creds
}
