//! The minimal `/sys` of a sandbox: a read-only tmpfs holding the few files programs
//! read to size themselves, generated from the sentry's view of the machine when the
//! sandbox starts (never the host's `/sys`).
//!
//! * `devices/system/cpu/{online,possible,present}`: `0-N` for the N+1 CPUs the
//!   sandbox offers (what `sched_getaffinity` reports), and `kernel_max`;
//! * `fs/cgroup`: an empty directory (no cgroup file system is mounted);
//! * `kernel/mm/transparent_hugepage/enabled`: `never` (guest memory is never huge
//!   pages).

use veil_abi::Errno;
use veil_vfs::inode::{Creds, InodeRef, NewNode};

const ROOT: Creds = Creds { uid: 0, gid: 0 };

/// The directory `path` (components separated by `/`) under `root`, made if absent.
fn dir(root: &InodeRef, path: &str) -> Result<InodeRef, Errno> {
    let mut at = root.clone();
    for name in path.split('/').filter(|s| !s.is_empty()) {
        at = match at.lookup(name.as_bytes()) {
            Ok(d) => d,
            Err(Errno::ENOENT) => at.create(name.as_bytes(), NewNode::Directory, 0o755, ROOT)?,
            Err(e) => return Err(e),
        };
    }
    Ok(at)
}

/// A read-only file `name` in `parent` holding `content`.
fn file(parent: &InodeRef, name: &str, content: &str) -> Result<(), Errno> {
    let f = parent.create(name.as_bytes(), NewNode::Regular, 0o444, ROOT)?;
    f.write_at(content.as_bytes(), 0)?;
    Ok(())
}

/// The CPU list Linux prints for `n` CPUs: `0` or `0-{n-1}`.
pub fn cpu_list(n: usize) -> String {
    if n <= 1 {
        "0\n".into()
    } else {
        format!("0-{}\n", n - 1)
    }
}

/// Fills the root of a fresh tmpfs with the contents of `/sys`, for `ncpus` CPUs.
pub fn populate(root: &InodeRef, ncpus: usize) -> Result<(), Errno> {
    let cpu = dir(root, "devices/system/cpu")?;
    let list = cpu_list(ncpus);
    for name in ["online", "possible", "present"] {
        file(&cpu, name, &list)?;
    }
    file(&cpu, "kernel_max", "8191\n")?;
    for i in 0..ncpus {
        let one = dir(&cpu, &format!("cpu{i}"))?;
        file(&one, "online", "1\n")?;
    }
    dir(root, "fs/cgroup")?;
    let thp = dir(root, "kernel/mm/transparent_hugepage")?;
    file(&thp, "enabled", "always madvise [never]\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cpu_list;

    #[test]
    fn cpu_lists_are_linux_ranges() {
        assert_eq!(cpu_list(1), "0\n");
        assert_eq!(cpu_list(2), "0-1\n");
        assert_eq!(cpu_list(64), "0-63\n");
    }
}
