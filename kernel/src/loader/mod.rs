//! Loading a program image into a fresh memory manager: ELF executables (static,
//! static-PIE, and dynamic through their `PT_INTERP`), `#!` scripts, and the initial
//! stack with argv, envp and the auxiliary vector.

mod elf;
mod stack;

pub(crate) use stack::getrandom_host;

use std::sync::Arc;

use veil_abi::Errno;
use veil_vfs::inode::FileType;
use veil_vfs::inode_file::InodeFile;
use veil_vfs::walk::{WalkCtx, WalkFlags};
use veil_vfs::FileOps;

use crate::fs_context::FsContext;
use crate::kernel::Kernel;
use crate::mm::MemoryManager;
use crate::perm::{self, Creds, MAY_EXEC, MAY_READ};

/// A loaded program: where to start it.
#[derive(Debug)]
pub struct Image {
    /// Initial instruction pointer (the interpreter's entry for dynamic programs).
    pub entry: u64,
    /// Initial stack pointer (pointing at `argc`).
    pub stack_pointer: u64,
    /// Guest path of the executable as the walk resolved it (symlinks followed, from
    /// the caller's root): `/proc/<pid>/exe`, and so glibc's `$ORIGIN`.
    pub exe: Vec<u8>,
}

/// A load failure: the errno `execve` returns and a one-line reason for people.
pub type LoadError = (Errno, String);

/// Nested `#!` interpreters allowed, as Linux (`BINPRM_MAX_RECURSION`).
const MAX_SCRIPT_DEPTH: usize = 4;
/// Longest `#!` line Linux reads.
const SCRIPT_LINE_MAX: usize = 256;

/// Loads the program at `path` into `mm` (empty) with `argv` and `envp`. `name` is the
/// file name the caller gave (Linux's `bprm->filename`): a `#!` script's interpreter
/// gets it as the script's path.
pub fn load(
    kernel: &Arc<Kernel>,
    mm: &Arc<MemoryManager>,
    fs: &FsContext,
    path: &[u8],
    name: &[u8],
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
) -> Result<Image, LoadError> {
    let mut path = path.to_vec();
    let mut name = name.to_vec();
    let mut argv = argv.to_vec();
    for _ in 0..=MAX_SCRIPT_DEPTH {
        let (file, resolved) = open_executable(kernel, fs, &path, true)?;
        let mut head = vec![0u8; 4096];
        let n = file
            .pread(&mut head, 0)
            .map_err(|e| (e, format!("cannot read: {e}")))?;
        head.truncate(n);
        if head.starts_with(b"#!") {
            let (interp, arg) = parse_shebang(&head)?;
            // argv becomes: interpreter [arg] script original-argv[1..].
            let mut new_argv = vec![interp.clone()];
            new_argv.extend(arg);
            new_argv.push(name);
            new_argv.extend(argv.iter().skip(1).cloned());
            argv = new_argv;
            name = interp.clone();
            path = interp;
            continue;
        }
        let loaded = elf::load_elf(kernel, mm, fs, file.as_ref(), &head)?;
        let stack_pointer = stack::build(kernel, mm, &loaded, &path, &argv, envp)?;
        return Ok(Image {
            entry: loaded.start,
            stack_pointer,
            exe: resolved,
        });
    }
    Err((Errno::ELOOP, "too many levels of #! interpreters".into()))
}

/// Opens `path` for execution (`exec`: it must be a regular file the caller may
/// execute) or, for a program interpreter, for reading. Returns the file and its
/// resolved path from the caller's root.
pub(crate) fn open_executable(
    kernel: &Kernel,
    fs: &FsContext,
    path: &[u8],
    exec: bool,
) -> Result<(Arc<InodeFile>, Vec<u8>), LoadError> {
    let shown = String::from_utf8_lossy(path).into_owned();
    let (root, cwd) = fs.root_and_cwd();
    let at = WalkCtx::new(kernel.namespace(), &root, &cwd)
        .resolve(path, WalkFlags::FOLLOW)
        .map_err(|e| {
            let reason = if e == Errno::ENOENT {
                "no such file or directory".to_string()
            } else {
                format!("cannot open: {e}")
            };
            (e, reason)
        })?;
    let attr = at
        .inode()
        .attr()
        .map_err(|e| (e, format!("cannot stat: {e}")))?;
    if attr.kind != FileType::Regular {
        return Err((Errno::EACCES, format!("{shown} is not a regular file")));
    }
    let want = if exec { MAY_EXEC } else { MAY_READ };
    if !perm::may_access(&attr, &Creds::current(), want) {
        return Err((Errno::EACCES, "permission denied".into()));
    }
    Ok((InodeFile::new(at.inode().clone()), at.path(&root)))
}

/// Splits a `#!` line into the interpreter and its optional single argument, as Linux
/// does: one argument, everything after the interpreter with surrounding blanks
/// trimmed.
fn parse_shebang(head: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), LoadError> {
    let line = &head[2..];
    let end = line.iter().position(|&c| c == b'\n').unwrap_or(line.len());
    if end >= SCRIPT_LINE_MAX
        && !line[..end.min(SCRIPT_LINE_MAX)]
            .iter()
            .any(|&c| c == b' ' || c == b'\t')
    {
        return Err((Errno::ENOEXEC, "#! line too long".into()));
    }
    let line = &line[..end.min(SCRIPT_LINE_MAX)];
    let blank = |c: &u8| *c == b' ' || *c == b'\t';
    let start = line
        .iter()
        .position(|c| !blank(c))
        .ok_or((Errno::ENOEXEC, "empty #! line".into()))?;
    let rest = &line[start..];
    let interp_end = rest.iter().position(blank).unwrap_or(rest.len());
    let interp = rest[..interp_end].to_vec();
    let arg = rest[interp_end..]
        .iter()
        .position(|c| !blank(c))
        .map(|s| {
            let a = &rest[interp_end + s..];
            let e = a.iter().rposition(|c| !blank(c)).map_or(0, |e| e + 1);
            a[..e].to_vec()
        })
        .filter(|a| !a.is_empty());
    Ok((interp, arg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_has_one_trimmed_argument() {
        let (i, a) = parse_shebang(b"#! /bin/sh  -e -x \nrest").unwrap();
        assert_eq!(i, b"/bin/sh");
        assert_eq!(a.as_deref(), Some(&b"-e -x"[..]));
        let (i, a) = parse_shebang(b"#!/usr/bin/env\n").unwrap();
        assert_eq!(i, b"/usr/bin/env");
        assert_eq!(a, None);
        assert!(parse_shebang(b"#!   \n").is_err());
    }
}
