//! `/proc/<pid>/` and `/proc/<pid>/task/<tid>/`: the directory of a process or thread,
//! and its small files (`comm`, `cmdline`, `environ`, the `exe`, `cwd` and `root`
//! links).

use veil_abi::Errno;
use veil_vfs::inode::{FileType, InodeRef};

use super::fd::FdDir;
use super::node::{self, DirSource, Table};
use super::subject::Subject;
use super::{limits, maps, mounts, smaps, stat, status};
use crate::mm::MemoryManager;

/// Longest `comm` (`TASK_COMM_LEN` without its NUL).
const COMM_MAX: usize = 15;

/// Most bytes of argument or environment strings shown. Linux's `execve` never puts
/// more than 6 MiB of them on a stack; the cap keeps a bogus range from making the
/// sentry allocate without bound.
const STRINGS_MAX: u64 = 8 << 20;

/// The contents of `/proc/<pid>/` (`tasks` true: with a `task/` directory) or
/// `/proc/<pid>/task/<tid>/`.
pub(super) struct ProcessDir {
    /// Which process or thread.
    pub subject: Subject,
    /// Whether the directory has `task/` (a process directory, not a thread's).
    pub tasks: bool,
}

/// The directory of `subject` at `path`, owned by the process's user, `r-xr-xr-x`.
pub(super) fn process_dir(path: &str, subject: Subject, tasks: bool) -> InodeRef {
    let owner = subject.owner();
    node::dir(path, 0o555, owner, ProcessDir { subject, tasks })
}

impl ProcessDir {
    /// The entries, in the order of Linux's `tgid_base_stuff`.
    fn table(&self) -> Table {
        let s = &self.subject;
        let owner = s.owner();
        let on = |f: fn(&Subject) -> Result<Vec<u8>, Errno>| {
            let s = s.clone();
            node::generate(move || f(&s))
        };
        let mut t = Table::new();
        if self.tasks {
            let s = s.clone();
            t.dir("task", move |path| {
                node::dir(path, 0o555, s.owner(), TaskListDir { subject: s.clone() })
            });
        }
        let fd_subject = s.clone();
        t.dir("fd", move |path| {
            node::dir(
                path,
                0o500,
                fd_subject.owner(),
                FdDir {
                    subject: fd_subject.clone(),
                },
            )
        })
        .file("environ", 0o400, owner, on(environ))
        .file("status", 0o444, owner, on(status::generate))
        .file("limits", 0o444, owner, on(limits::generate))
        .writable_file("comm", 0o644, owner, on(comm), {
            let s = s.clone();
            std::sync::Arc::new(move |buf: &[u8]| write_comm(&s, buf))
        })
        .file("cmdline", 0o444, owner, on(cmdline))
        .file("stat", 0o444, owner, on(stat::generate))
        .file("statm", 0o444, owner, on(stat::generate_statm))
        .file("maps", 0o444, owner, on(maps_file))
        .file("smaps", 0o444, owner, on(smaps_file))
        .file("smaps_rollup", 0o444, owner, on(smaps_rollup_file))
        .link("cwd", 0o777, owner, on(cwd))
        .link("root", 0o777, owner, node::fixed("/"))
        .link("exe", 0o777, owner, on(exe))
        .file("mounts", 0o444, owner, on(mounts_file))
        .file("mountinfo", 0o444, owner, on(mountinfo_file));
        t
    }
}

impl DirSource for ProcessDir {
    fn process(&self) -> Option<std::sync::Arc<crate::thread_group::ThreadGroup>> {
        if self.tasks && self.subject.tid.is_none() {
            self.subject.thread_group().ok()
        } else {
            None
        }
    }

    fn entries(&self) -> Result<Vec<(Vec<u8>, FileType)>, Errno> {
        if !self.subject.alive() {
            return Err(Errno::ENOENT);
        }
        Ok(self.table().entries())
    }

    fn child(&self, name: &[u8], path: &str) -> Result<InodeRef, Errno> {
        if !self.subject.alive() {
            return Err(Errno::ENOENT);
        }
        self.table().child(name, path).ok_or(Errno::ENOENT)
    }
}

/// The contents of `/proc/<pid>/task/`: one directory per thread.
struct TaskListDir {
    subject: Subject,
}

impl DirSource for TaskListDir {
    fn entries(&self) -> Result<Vec<(Vec<u8>, FileType)>, Errno> {
        let tg = self.subject.thread_group().map_err(|_| Errno::ENOENT)?;
        let mut tids: Vec<i32> = tg.tasks().iter().map(|t| t.tid).collect();
        tids.sort_unstable();
        Ok(tids
            .into_iter()
            .map(|tid| (tid.to_string().into_bytes(), FileType::Directory))
            .collect())
    }

    fn child(&self, name: &[u8], path: &str) -> Result<InodeRef, Errno> {
        let tid = node::parse_number(name).ok_or(Errno::ENOENT)?;
        let tg = self.subject.thread_group().map_err(|_| Errno::ENOENT)?;
        tg.task(tid).ok_or(Errno::ENOENT)?;
        Ok(process_dir(path, self.subject.thread(tid), false))
    }
}

/// `comm`: the thread's name and a newline.
fn comm(s: &Subject) -> Result<Vec<u8>, Errno> {
    let mut out = s.task()?.comm.lock().clone();
    out.push(b'\n');
    Ok(out)
}

/// A write to `comm` renames the thread, as Linux's `comm_write`: the first 15 bytes
/// up to a NUL (a trailing newline is kept, as Linux does), only from a thread of the
/// same process (`EINVAL` otherwise). The whole write is consumed.
fn write_comm(s: &Subject, buf: &[u8]) -> Result<usize, Errno> {
    let task = s.task()?;
    let same_process = crate::task::current().is_some_and(|cur| cur.tg.tgid == task.tg.tgid);
    if !same_process {
        return Err(Errno::EINVAL);
    }
    let name = &buf[..buf.len().min(COMM_MAX)];
    let name = name.split(|&b| b == 0).next().unwrap_or_default();
    *task.comm.lock() = name.to_vec();
    Ok(buf.len())
}

/// Reads guest memory `[start, end)` (at most [`STRINGS_MAX`] bytes of it); empty if
/// the range is invalid or unreadable (the strings were unmapped, or made unreadable:
/// unlike Linux, which reads them whatever the protection).
fn read_range(mm: &MemoryManager, (start, end): (u64, u64)) -> Vec<u8> {
    if end <= start {
        return Vec::new();
    }
    let Ok(len) = usize::try_from((end - start).min(STRINGS_MAX)) else {
        return Vec::new();
    };
    let mut buf = vec![0; len];
    match mm.copy_in(start, &mut buf) {
        Ok(()) => buf,
        Err(_) => Vec::new(),
    }
}

/// `cmdline` from the argument area `args` and, when it directly follows, the
/// environment area `env`, as Linux's `get_mm_cmdline`: the NUL-separated arguments;
/// but if the process overwrote them so that the area no longer ends with a NUL
/// (`setproctitle`), the one string starting there, which may run on into the
/// environment area.
pub fn cmdline_of(args: &[u8], env_follows: Option<&[u8]>) -> Vec<u8> {
    match args.last() {
        None | Some(0) => args.to_vec(),
        Some(_) => {
            let mut title = args.to_vec();
            if let Some(env) = env_follows {
                title.extend_from_slice(env);
            }
            if let Some(nul) = title.iter().position(|&b| b == 0) {
                title.truncate(nul);
            }
            title
        }
    }
}

/// `cmdline`: the argument strings, read from the process's memory.
fn cmdline(s: &Subject) -> Result<Vec<u8>, Errno> {
    let task = s.task()?;
    let (arg_range, env_range) = (task.mm().arg_range(), task.mm().env_range());
    let args = read_range(&task.mm(), arg_range);
    if args.last().is_none_or(|&b| b == 0) {
        return Ok(args);
    }
    let env = (env_range.0 == arg_range.1).then(|| read_range(&task.mm(), env_range));
    Ok(cmdline_of(&args, env.as_deref()))
}

/// `environ`: the environment strings, read from the process's memory.
fn environ(s: &Subject) -> Result<Vec<u8>, Errno> {
    let task = s.task()?;
    let range = task.mm().env_range();
    Ok(read_range(&task.mm(), range))
}

/// `maps`.
fn maps_file(s: &Subject) -> Result<Vec<u8>, Errno> {
    let task = s.task()?;
    Ok(maps::format_maps(&maps::regions_of(&task.mm().vmas())))
}

/// Every region of `s` with its `smaps` figures.
fn smaps_regions(s: &Subject) -> Result<Vec<(maps::Region, smaps::SmapsFigures)>, Errno> {
    let task = s.task()?;
    let mm = task.mm();
    let vmas = mm.vmas();
    let regions = maps::regions_of(&vmas);
    Ok(vmas
        .iter()
        .zip(regions)
        .map(|(v, r)| {
            let size = v.end - v.start;
            let rss = mm
                .residency(v.start, size)
                .map(|pages| pages.iter().filter(|&&p| p).count() as u64 * 4096)
                .unwrap_or(0);
            let figures = smaps::SmapsFigures {
                size,
                rss,
                shared: r.shared,
                anonymous: !r.shared
                    && (v.file.is_none() || v.file.as_ref().is_some_and(|f| f.is_snapshot())),
                locked: if v.locked { rss } else { 0 },
            };
            (r, figures)
        })
        .collect())
}

/// `smaps`.
fn smaps_file(s: &Subject) -> Result<Vec<u8>, Errno> {
    Ok(smaps::format_smaps(&smaps_regions(s)?))
}

/// `smaps_rollup`.
fn smaps_rollup_file(s: &Subject) -> Result<Vec<u8>, Errno> {
    Ok(smaps::format_rollup(&smaps_regions(s)?))
}

/// `mounts`: the sandbox's mounts (one namespace for every process).
fn mounts_file(s: &Subject) -> Result<Vec<u8>, Errno> {
    s.task()?;
    Ok(mounts::format_mounts(&s.kernel()?.mount_infos()))
}

/// `mountinfo`: the sandbox's mounts with ids and device numbers (each mount root's
/// `st_dev`, found by walking to its mount point).
fn mountinfo_file(s: &Subject) -> Result<Vec<u8>, Errno> {
    s.task()?;
    let kernel = s.kernel()?;
    let infos = kernel.mount_infos();
    let ns = kernel.namespace();
    let root = ns.root();
    let walk = veil_vfs::walk::WalkCtx::new(ns, &root, &root);
    let devs: Vec<u64> = infos
        .iter()
        .map(|m| {
            walk.resolve(&m.mountpoint, veil_vfs::walk::WalkFlags::default())
                .ok()
                .and_then(|p| p.dirent.inode().attr().ok())
                .map_or(0, |a| a.to_stat().st_dev)
        })
        .collect();
    Ok(mounts::format_mountinfo(&infos, &devs))
}

/// The target of `cwd`.
fn cwd(s: &Subject) -> Result<Vec<u8>, Errno> {
    Ok(s.task()?.fs.cwd_path())
}

/// The target of `exe`.
fn exe(s: &Subject) -> Result<Vec<u8>, Errno> {
    let tg = s.thread_group()?;
    let exe = tg.exe.lock().clone();
    Ok(exe)
}
