//! Processes: fork/vfork (and clone without `CLONE_THREAD`) and execve.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use veil_abi::flags::clone::*;
use veil_abi::flags::signal::SIG_IGN;
use veil_abi::structs::SigAction;
use veil_abi::Errno;
use veil_platform::{Registers, MAX_USER_ADDRESS};

use super::file::lookup_at;
use super::{fd_arg, SysResult, SyscallCtx};
use crate::mm::MemoryManager;
use crate::task::Task;
use crate::thread_group::{ExitStatus, ThreadGroup};

/// The clone flags Veil understands for a new process.
const PROCESS_FLAGS: u64 =
    super::thread::COMMON_CLONE_FLAGS | CLONE_VFORK | CLONE_PARENT | CLONE_PIDFD;
/// Longest argument or environment string (`MAX_ARG_STRLEN`).
const MAX_ARG_STRLEN: usize = 32 * 4096;
/// Most argument plus environment strings.
const MAX_ARG_STRINGS: usize = 0x7fff_ffff;

/// Creates a child process (clone without `CLONE_THREAD`): a copy of the address space
/// (or the same one with `CLONE_VM`), of the descriptor table and fs context unless
/// shared, and of the signal actions. With `CLONE_VFORK` the caller waits until the
/// child execs or exits.
pub(super) fn fork(sc: &mut SyscallCtx<'_>, req: &super::thread::CloneRequest) -> SysResult {
    let (flags, exit_signal, stack) = (req.flags, req.exit_signal, req.stack);
    let (parent_tid, child_tid, tls) = (req.parent_tid, req.child_tid, req.tls);
    if flags & !PROCESS_FLAGS != 0 {
        // Namespaces and the like are not offered yet.
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_SETTLS != 0 && tls >= MAX_USER_ADDRESS {
        return Err(Errno::EPERM);
    }
    let task = sc.task;
    let kernel = task.kernel.clone();
    let charge = kernel.charge_task()?;
    let parent_tg = if flags & CLONE_PARENT != 0 {
        task.tg.parent().ok_or(Errno::EINVAL)?
    } else {
        task.tg.clone()
    };
    let mm = if flags & CLONE_VM != 0 {
        task.mm()
    } else {
        let aspace = kernel.platform.new_address_space().map_err(|e| {
            tracing::error!("fork: cannot create an address space: {e}");
            Errno::EAGAIN
        })?;
        Arc::new(task.mm().fork_into(aspace)?)
    };
    let files = if flags & CLONE_FILES != 0 {
        task.files.clone()
    } else {
        Arc::new(task.files.fork())
    };
    let fs = if flags & CLONE_FS != 0 {
        task.fs.clone()
    } else {
        Arc::new(task.fs.fork())
    };
    let tid = kernel.alloc_tid();
    let rlimits = *task.tg.rlimits.lock();
    let exe = task.tg.exe.lock().clone();
    let tg = ThreadGroup::new_child(
        tid,
        Some(&parent_tg),
        parent_tg.tgid,
        exit_signal as u32,
        exe,
        rlimits,
    );
    *tg.actions.lock() = *task.tg.actions.lock();
    tg.creator_tid.store(task.tid, Ordering::SeqCst);
    kernel.register_thread_group(&tg);
    let child = Task::new(tid, tg.clone(), kernel, mm, files, fs, task.mask());
    *child.charge.lock() = Some(charge);
    *child.comm.lock() = task.comm.lock().clone();
    *child.alt_stack.lock() = *task.alt_stack.lock();
    child.set_creds(task.creds());
    *child.sched.lock() = task.sched.lock().for_child();
    *child.seccomp.lock() = task.seccomp.lock().clone();
    let tid_bytes = (tid as u32).to_le_bytes();
    if flags & CLONE_PARENT_SETTID != 0 {
        let _ = task.mm().copy_out(parent_tid, &tid_bytes);
    }
    if flags & CLONE_CHILD_SETTID != 0 {
        let _ = child.mm().copy_out(child_tid, &tid_bytes);
    }
    if flags & CLONE_CHILD_CLEARTID != 0 {
        child.clear_child_tid.store(child_tid, Ordering::SeqCst);
    }
    let mut regs: Registers = *sc.regs;
    regs.0.rax = 0;
    if stack != 0 {
        regs.0.rsp = stack;
    }
    if flags & CLONE_SETTLS != 0 {
        regs.0.fs_base = tls;
    }
    let vfork = flags & CLONE_VFORK != 0;
    if vfork {
        task.vfork_released.store(false, Ordering::SeqCst);
        *child.vfork_parent.lock() = Some(task.clone());
    }
    if flags & CLONE_PIDFD != 0 {
        // Stored before the child runs; a bad address fails the clone (the child,
        // never started, goes with its Arcs).
        let fd = super::pidfd::install_pidfd(sc, &tg, false)?;
        if let Err(e) = task.mm().write_obj(req.pidfd, &(fd as i32)) {
            let _ = task.files.close(fd as i32);
            return Err(e);
        }
    }
    tg.add_task(child.clone());
    parent_tg.children.lock().push(tg.clone());
    if let Err(e) = crate::run::spawn(child, regs) {
        tracing::error!("{e}");
        tg.remove_task(tid, ExitStatus::Signaled(9));
        return Err(Errno::EAGAIN);
    }
    if vfork {
        // Not interruptible by signals (Linux waits killably): the child runs on our
        // memory until it execs or exits.
        while !task.vfork_released.load(Ordering::SeqCst) {
            task.prepare_block();
            if task.vfork_released.load(Ordering::SeqCst)
                || task.tg.exiting()
                || tg.exit_status().is_some()
            {
                break;
            }
            let _ = task.block(Some(
                std::time::Instant::now() + std::time::Duration::from_millis(50),
            ));
        }
    }
    Ok(tid as u64)
}

/// A plain `fork`/`vfork` request with `flags`.
fn plain_fork(flags: u64) -> super::thread::CloneRequest {
    super::thread::CloneRequest {
        flags,
        exit_signal: u64::from(veil_abi::flags::signal::SIGCHLD),
        stack: 0,
        parent_tid: 0,
        child_tid: 0,
        tls: 0,
        pidfd: 0,
    }
}

/// `fork()`.
pub(super) fn sys_fork(sc: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    fork(sc, &plain_fork(0))
}

/// `vfork()`.
pub(super) fn sys_vfork(sc: &mut SyscallCtx<'_>, _: [u64; 6]) -> SysResult {
    fork(sc, &plain_fork(CLONE_VM | CLONE_VFORK))
}

/// Reads a NULL-terminated array of string pointers (argv or envp).
fn read_strings(sc: &SyscallCtx<'_>, addr: u64, total: &mut usize) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    let mm = sc.task.mm();
    for i in 0.. {
        if out.len() >= MAX_ARG_STRINGS {
            return Err(Errno::E2BIG);
        }
        let p: u64 = mm.read_obj(addr.checked_add(8 * i).ok_or(Errno::EFAULT)?)?;
        if p == 0 {
            break;
        }
        let s = mm.copy_string_in(p, MAX_ARG_STRLEN).map_err(|e| {
            if e == Errno::ENAMETOOLONG {
                Errno::E2BIG
            } else {
                e
            }
        })?;
        *total += s.len() + 1;
        if *total > (crate::mm::STACK_SIZE / 4) as usize {
            return Err(Errno::E2BIG);
        }
        out.push(s);
    }
    Ok(out)
}

/// The effective uid and gid the set-user-ID and set-group-ID bits of the program at
/// `at` give (`None` for a clear bit). Ignored under no-new-privileges and for a
/// script (Linux honours only the interpreter's bits, and system interpreters have
/// none).
fn set_id_bits(task: &Task, at: &veil_vfs::walk::PathRef) -> (Option<u32>, Option<u32>) {
    const S_ISUID: u32 = 0o4000;
    const S_ISGID: u32 = 0o2000;
    const S_IXGRP: u32 = 0o010;
    if task.tg.no_new_privs.load(Ordering::SeqCst) {
        return (None, None);
    }
    let Ok(attr) = at.inode().attr() else {
        return (None, None);
    };
    if attr.perm & (S_ISUID | S_ISGID) == 0 {
        return (None, None);
    }
    let mut head = [0u8; 2];
    let file = veil_vfs::inode_file::InodeFile::new(at.inode().clone());
    if veil_vfs::FileOps::pread(&*file, &mut head, 0).is_ok_and(|n| n == 2) && &head == b"#!" {
        return (None, None);
    }
    let setuid = (attr.perm & S_ISUID != 0).then_some(attr.uid);
    // Set-group-ID without group execute marks mandatory locking, not a set-ID program.
    let setgid = (attr.perm & S_ISGID != 0 && attr.perm & S_IXGRP != 0).then_some(attr.gid);
    (setuid, setgid)
}

fn do_execve(
    sc: &mut SyscallCtx<'_>,
    dirfd: i32,
    path_addr: u64,
    argv_addr: u64,
    envp_addr: u64,
    flags: u32,
) -> SysResult {
    use veil_abi::flags::at::{AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW};
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = super::path::read_path(sc, path_addr)?;
    let mut total = 0;
    let argv = read_strings(sc, argv_addr, &mut total)?;
    let envp = read_strings(sc, envp_addr, &mut total)?;
    let task = sc.task;
    // The program: resolved now so that *at semantics and AT_EMPTY_PATH apply; the
    // loader walks the resolved absolute path.
    if path.is_empty() && flags & AT_EMPTY_PATH == 0 {
        return Err(Errno::ENOENT);
    }
    let at = lookup_at(sc, dirfd, path_addr, flags)?;
    let resolved = super::path::display(sc, &at);
    if at.inode().kind() == veil_vfs::inode::FileType::Symlink {
        return Err(Errno::ELOOP);
    }
    let aspace = task.kernel.platform.new_address_space().map_err(|e| {
        tracing::error!("execve: cannot create an address space: {e}");
        Errno::ENOMEM
    })?;
    let mm = Arc::new(MemoryManager::new(aspace, task.kernel.memory.clone()));
    // The name a script's interpreter is given: the path as passed, or for execveat
    // relative to a descriptor, /dev/fd/N[/path] as Linux.
    let name = if dirfd == veil_abi::flags::at::AT_FDCWD || path.first() == Some(&b'/') {
        path.clone()
    } else if path.is_empty() {
        format!("/dev/fd/{dirfd}").into_bytes()
    } else {
        let mut n = format!("/dev/fd/{dirfd}/").into_bytes();
        n.extend_from_slice(&path);
        n
    };
    let image = crate::loader::load(&task.kernel, &mm, &task.fs, &resolved, &name, &argv, &envp)
        .map_err(|(e, why)| {
            tracing::debug!("execve {}: {why}", String::from_utf8_lossy(&resolved));
            e
        })?;
    // The point of no return: end the other threads, take the new image.
    end_other_threads(task);
    task.replace_mm(mm);
    task.files.close_on_exec();
    // POSIX timers do not survive execve; the itimers do.
    task.tg.timers.lock().posix.clear();
    let (setuid, setgid) = set_id_bits(task, &at);
    task.set_creds(std::sync::Arc::new(
        task.creds().after_exec_of(setuid, setgid),
    ));
    task.tg.did_exec.store(true, Ordering::SeqCst);
    // A new address space: membarrier registrations start over (Linux's membarrier_exec_mmap).
    task.tg.membarrier_registered.store(0, Ordering::SeqCst);
    // execve of an ordinary program makes the process dumpable again.
    task.tg.dumpable.store(true, Ordering::SeqCst);
    {
        let mut actions = task.tg.actions.lock();
        for a in actions.iter_mut() {
            if a.handler != SIG_IGN {
                *a = SigAction::default();
            }
        }
    }
    *task.alt_stack.lock() = (0, 2, 0);
    *task.robust_list.lock() = (0, 0);
    task.clear_child_tid.store(0, Ordering::SeqCst);
    // Linux names the process after the file as the caller named it (a symlink's
    // name, not its target's: `sleep`, not `busybox`).
    let named = if path.is_empty() { &image.exe } else { &path };
    *task.comm.lock() = crate::task::comm_of(named);
    *task.tg.exe.lock() = image.exe;
    task.release_vfork_parent();
    *sc.regs = Registers::new_user(image.entry, image.stack_pointer);
    Ok(0)
}

/// Ends every thread of the caller's process but the caller, and waits for them.
fn end_other_threads(task: &Arc<Task>) {
    loop {
        let others: Vec<Arc<Task>> = task
            .tg
            .tasks()
            .into_iter()
            .filter(|t| t.tid != task.tid)
            .collect();
        if others.is_empty() {
            return;
        }
        for t in &others {
            t.must_exit.store(true, Ordering::SeqCst);
            t.interrupt();
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// `execve(path, argv, envp)`.
pub(super) fn execve(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_execve(sc, veil_abi::flags::at::AT_FDCWD, a[0], a[1], a[2], 0)
}

/// `execveat(dirfd, path, argv, envp, flags)`.
pub(super) fn execveat(sc: &mut SyscallCtx<'_>, a: [u64; 6]) -> SysResult {
    do_execve(sc, fd_arg(a[0]), a[1], a[2], a[3], a[4] as u32)
}
