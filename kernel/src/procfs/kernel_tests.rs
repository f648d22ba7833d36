//! End-to-end tests: a real [`Kernel`] (over a platform that runs nothing) with one
//! process whose state is set by hand, read through a procfs for that kernel, walked
//! with the VFS's path walk (in a namespace of its own, so that these tests do not
//! depend on how the sandbox's tree is assembled).

use std::any::Any;
use std::sync::Arc;

use veil_abi::structs::{Rlimit, Stat, Statx};
use veil_abi::Errno;
use veil_memmap::MemoryFile;
use veil_platform::{AddressSpace, Context, Platform, PlatformError, Prot};
use veil_vfs::inode::{FileType, InodeRef};
use veil_vfs::walk::{MountNamespace, WalkCtx, WalkFlags};
use veil_vfs::{FileOps, OpenFile};

use crate::fd_table::FdTable;
use crate::fs_context::FsContext;
use crate::mm::MemoryManager;
use crate::task::{clear_current, set_current, Task};
use crate::thread_group::{ExitStatus, ThreadGroup};
use crate::{Kernel, KernelConfig};

/// An address space that maps nothing (the tests only copy through the memory file).
struct NoSpace;

impl AddressSpace for NoSpace {
    fn map_file(&self, _: u64, _: u64, _: u64, _: Prot) -> Result<(), PlatformError> {
        Ok(())
    }
    fn unmap(&self, _: u64, _: u64) -> Result<(), PlatformError> {
        Ok(())
    }
    fn protect(&self, _: u64, _: u64, _: Prot) -> Result<(), PlatformError> {
        Ok(())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A platform whose address spaces map nothing and which runs no guest code.
struct NoPlatform;

impl Platform for NoPlatform {
    fn name(&self) -> &'static str {
        "none"
    }
    fn new_address_space(&self) -> Result<Arc<dyn AddressSpace>, PlatformError> {
        Ok(Arc::new(NoSpace))
    }
    fn new_context(&self) -> Result<Box<dyn Context>, PlatformError> {
        Err(PlatformError::Killed(
            "the test platform runs nothing".into(),
        ))
    }
}

/// An open file that does nothing.
struct NullFile;

impl FileOps for NullFile {
    fn stat(&self) -> Result<Stat, Errno> {
        Err(Errno::ENOSYS)
    }
    fn statx(&self, _mask: u32) -> Result<Statx, Errno> {
        Err(Errno::ENOSYS)
    }
}

const ARGS: &[u8] = b"prog\0-v\0";
const ENV: &[u8] = b"A=1\0";
const STACK_TOP: u64 = 0x7ff0_0000_0000;
const STACK_LEN: u64 = 0x2_0000;

/// A kernel with process 1 (one thread, tid 1) made current on the calling thread.
fn setup() -> (Arc<Kernel>, Arc<ThreadGroup>, Arc<Task>) {
    let memory = Arc::new(MemoryFile::new(1 << 30).unwrap());
    let config = KernelConfig {
        hostname: "box".into(),
        ..KernelConfig::default()
    };
    let kernel = Kernel::new(Arc::new(NoPlatform), memory.clone(), config).unwrap();
    let mm = Arc::new(MemoryManager::new(Arc::new(NoSpace), memory));
    let rw = Prot {
        read: true,
        write: true,
        execute: false,
    };
    let stack = mm
        .map_anonymous(
            STACK_TOP - STACK_LEN,
            STACK_LEN,
            rw,
            true,
            false,
            Some("[stack]"),
        )
        .unwrap();
    let args = STACK_TOP - 0x100;
    let env = args + ARGS.len() as u64;
    mm.copy_out(args, ARGS).unwrap();
    mm.copy_out(env, ENV).unwrap();
    mm.set_arg_env((args, env), (env, env + ENV.len() as u64));
    assert_eq!(stack, STACK_TOP - STACK_LEN);

    let files = Arc::new(FdTable::new());
    let file = OpenFile::new(Arc::new(NullFile), 0, "/etc/hostname".into());
    files.install_at(3, file, false, 1024).unwrap();
    let root = kernel.namespace().root();
    let fs = Arc::new(FsContext::new(root.clone(), root));
    let rlimits = [Rlimit {
        cur: u64::MAX,
        max: u64::MAX,
    }; 16];
    let tid = kernel.alloc_tid();
    let tg = ThreadGroup::new(tid, 0, b"/usr/bin/prog".to_vec(), rlimits);
    kernel.register_thread_group(&tg);
    let task = Task::new(tid, tg.clone(), kernel.clone(), mm, files, fs, 1 << 1);
    *task.comm.lock() = b"prog".to_vec();
    assert!(tg.add_task(task.clone()));
    set_current(&task);
    (kernel, tg, task)
}

/// The file at `path` (which starts with `/proc`) as a path walk finds it, following a
/// final symlink when `follow`.
fn at(kernel: &Arc<Kernel>, path: &str, follow: bool) -> Result<InodeRef, Errno> {
    let path = path.strip_prefix("/proc").unwrap();
    let path = if path.is_empty() { "/" } else { path };
    let ns = MountNamespace::with_root(super::new(Arc::downgrade(kernel)), "proc", "proc", "rw");
    let root = ns.root();
    let flags = if follow {
        WalkFlags::FOLLOW
    } else {
        WalkFlags::NOFOLLOW
    };
    let found = WalkCtx::new(&ns, &root, &root).resolve(path.as_bytes(), flags)?;
    Ok(found.inode().clone())
}

fn read(kernel: &Arc<Kernel>, path: &str) -> Vec<u8> {
    let inode = at(kernel, path, true).unwrap();
    read_inode(&inode).unwrap()
}

fn read_inode(inode: &InodeRef) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0; 1 << 16];
    let n = inode.read_at(&mut buf, 0)?;
    buf.truncate(n);
    Ok(buf)
}

fn text(kernel: &Arc<Kernel>, path: &str) -> String {
    String::from_utf8(read(kernel, path)).unwrap()
}

fn link(kernel: &Arc<Kernel>, path: &str) -> Vec<u8> {
    at(kernel, path, false).unwrap().readlink().unwrap()
}

#[test]
fn self_links_name_the_current_task() {
    let (kernel, _tg, _task) = setup();
    assert_eq!(link(&kernel, "/proc/self"), b"1");
    assert_eq!(link(&kernel, "/proc/thread-self"), b"1/task/1");
    assert_eq!(link(&kernel, "/proc/self/exe"), b"/usr/bin/prog");
    assert_eq!(link(&kernel, "/proc/self/cwd"), b"/");
    assert_eq!(link(&kernel, "/proc/self/root"), b"/");
    assert_eq!(link(&kernel, "/proc/self/fd/3"), b"/etc/hostname");
    clear_current();
    assert_eq!(
        at(&kernel, "/proc/self/status", true).err(),
        Some(Errno::ENOENT)
    );
}

#[test]
fn process_files_describe_the_process() {
    let (kernel, _tg, _task) = setup();
    let status = text(&kernel, "/proc/self/status");
    for line in [
        "Name:\tprog",
        "State:\tR (running)",
        "Tgid:\t1",
        "Pid:\t1",
        "PPid:\t0",
        "Threads:\t1",
        "VmStk:\t     128 kB",
        "SigBlk:\t0000000000000002",
    ] {
        assert!(status.lines().any(|l| l == line), "{line:?} in\n{status}");
    }
    assert_eq!(read(&kernel, "/proc/self/cmdline"), ARGS);
    assert_eq!(read(&kernel, "/proc/1/environ"), ENV);
    assert_eq!(text(&kernel, "/proc/1/comm"), "prog\n");
    let stat = text(&kernel, "/proc/self/stat");
    assert!(stat.starts_with("1 (prog) R 0 1 1 0 -1 "), "{stat}");
    assert_eq!(text(&kernel, "/proc/self/statm"), "32 32 0 0 0 32 0\n");
    let maps = text(&kernel, "/proc/self/maps");
    assert!(
        maps.starts_with("7feffffe0000-7ff000000000 rw-p 00000000 00:00 0 "),
        "{maps}"
    );
    assert!(maps.ends_with(" [stack]\n"), "{maps}");
    assert!(text(&kernel, "/proc/self/limits").contains("Max open files "));
}

#[test]
fn directories_list_processes_threads_and_descriptors() {
    let (kernel, _tg, _task) = setup();
    let names = |path: &str| -> Vec<(String, FileType)> {
        at(&kernel, path, true)
            .unwrap()
            .readdir()
            .unwrap()
            .into_iter()
            .map(|e| (String::from_utf8(e.name).unwrap(), e.kind))
            .collect()
    };
    assert!(names("/proc").contains(&("1".into(), FileType::Directory)));
    assert_eq!(names("/proc/1/task"), [("1".into(), FileType::Directory)]);
    assert_eq!(names("/proc/1/fd"), [("3".into(), FileType::Symlink)]);
    let fd_dir = at(&kernel, "/proc/1/fd", true).unwrap().attr().unwrap();
    assert_eq!(fd_dir.perm, 0o500);
    let task_entries = names("/proc/1/task/1");
    assert!(task_entries.contains(&("status".into(), FileType::Regular)));
    assert!(!task_entries.iter().any(|(n, _)| n == "task"));
    assert!(text(&kernel, "/proc/1/task/1/stat").starts_with("1 (prog) R "));
}

#[test]
fn comm_can_be_renamed_by_the_process() {
    let (kernel, _tg, task) = setup();
    let comm = at(&kernel, "/proc/self/task/1/comm", true).unwrap();
    assert_eq!(comm.write_at(b"a-very-long-thread-name", 0), Ok(23));
    assert_eq!(&*task.comm.lock(), b"a-very-long-thr");
    assert_eq!(text(&kernel, "/proc/self/comm"), "a-very-long-thr\n");
    let status = at(&kernel, "/proc/self/status", true).unwrap();
    assert_eq!(status.write_at(b"x", 0), Err(Errno::EACCES));
    clear_current();
    assert_eq!(comm.write_at(b"other", 0), Err(Errno::EINVAL));
}

#[test]
fn system_files_come_from_the_kernel() {
    let (kernel, _tg, _task) = setup();
    let mounts = text(&kernel, "/proc/mounts");
    assert!(
        mounts
            .lines()
            .any(|l| l == "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0"),
        "{mounts}"
    );
    assert_eq!(mounts, text(&kernel, "/proc/1/mounts"));
    let meminfo = text(&kernel, "/proc/meminfo");
    let total: u64 = meminfo.lines().next().unwrap()["MemTotal:".len()..]
        .trim()
        .trim_end_matches(" kB")
        .parse()
        .unwrap();
    assert!(total > 0 && total <= (1 << 30) / 1024, "{meminfo}");
    assert_eq!(text(&kernel, "/proc/sys/kernel/hostname"), "box\n");
    let loadavg = text(&kernel, "/proc/loadavg");
    assert_eq!(loadavg, "0.00 0.00 0.00 1/1 1\n");
    assert!(text(&kernel, "/proc/stat").contains("\nprocs_running 1\n"));
    let uptime = text(&kernel, "/proc/uptime");
    assert_eq!(uptime.split_whitespace().count(), 2, "{uptime}");
}

#[test]
fn an_exited_process_disappears() {
    let (kernel, tg, task) = setup();
    let status = at(&kernel, "/proc/1/status", true).unwrap();
    let dir = at(&kernel, "/proc/1", true).unwrap();
    clear_current();
    tg.remove_task(task.tid, ExitStatus::Exited(0));
    assert_eq!(read_inode(&status), Err(Errno::ESRCH));
    assert_eq!(dir.lookup(b"stat").err(), Some(Errno::ENOENT));
    assert_eq!(dir.readdir().err(), Some(Errno::ENOENT));
    let listed = at(&kernel, "/proc", true).unwrap().readdir().unwrap();
    assert!(!listed.iter().any(|e| e.name == b"1"));
}
