//! Permission checks against the caller's credentials.
//!
//! Linux's order (`generic_permission`): the owner, group or other bits by the
//! caller's file-system ids and supplementary groups; failing those,
//! `CAP_DAC_OVERRIDE` allows reading and writing anything and executing what has an
//! execute bit (searching any directory), `CAP_DAC_READ_SEARCH` reading anything and
//! searching any directory.

use std::sync::Arc;

use veil_vfs::inode::{Attr, FileType};

use crate::creds::{Credentials, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER};

/// Read permission.
pub const MAY_READ: u32 = 4;
/// Write permission.
pub const MAY_WRITE: u32 = 2;
/// Execute (search, for directories) permission.
pub const MAY_EXEC: u32 = 1;

/// The credentials a permission check is made with.
#[derive(Clone, Debug)]
pub struct Creds(pub Arc<Credentials>);

impl Creds {
    /// The calling task's credentials; outside a task thread (start-up, tests), those
    /// of the user who started Veil.
    pub fn current() -> Creds {
        match crate::task::current() {
            Some(task) => Creds(task.creds()),
            None => Creds(Arc::new(Credentials::initial(
                nix::unistd::geteuid().as_raw(),
                nix::unistd::getegid().as_raw(),
            ))),
        }
    }

    /// The credentials `access`/`faccessat` check with: the real ids in place of the
    /// file-system ones, and (for a real uid other than 0) no capabilities, as Linux's
    /// `access_override_creds` does; `AT_EACCESS` (`effective`) keeps the current ones.
    pub fn for_access(effective: bool) -> Creds {
        let cur = Creds::current();
        if effective {
            return cur;
        }
        let mut c = (*cur.0).clone();
        c.uid.fs = c.uid.real;
        c.gid.fs = c.gid.real;
        c.effective = if c.uid.real == 0 { c.permitted } else { 0 };
        Creds(Arc::new(c))
    }

    /// The file-system user id: the owner of new files.
    pub fn uid(&self) -> u32 {
        self.0.uid.fs
    }

    /// The file-system group id: the group of new files.
    pub fn gid(&self) -> u32 {
        self.0.gid.fs
    }

    /// Whether the caller holds capability `cap` (`creds::CAP_*`).
    pub fn has(&self, cap: u32) -> bool {
        self.0.has(cap)
    }

    /// Whether the caller is in group `gid` (file-system group or supplementary).
    pub fn in_group(&self, gid: u32) -> bool {
        self.0.in_group(gid)
    }

    /// The owner a new file gets.
    pub fn for_new_file(&self) -> veil_vfs::inode::Creds {
        veil_vfs::inode::Creds {
            uid: self.uid(),
            gid: self.gid(),
        }
    }
}

/// Whether `creds` may access a file with `attr` for every bit of `want`.
pub fn may_access(attr: &Attr, creds: &Creds, want: u32) -> bool {
    let bits = if attr.uid == creds.uid() {
        attr.perm >> 6
    } else if creds.in_group(attr.gid) {
        attr.perm >> 3
    } else {
        attr.perm
    } & 7;
    if bits & want == want {
        return true;
    }
    let dir = attr.kind == FileType::Directory;
    if creds.has(CAP_DAC_OVERRIDE) {
        // Execute needs some execute bit, except to search a directory.
        return want & MAY_EXEC == 0 || dir || attr.perm & 0o111 != 0;
    }
    if creds.has(CAP_DAC_READ_SEARCH) {
        let allowed = MAY_READ | if dir { MAY_EXEC } else { 0 };
        return want & !allowed == 0;
    }
    false
}

/// Whether `creds` owns the file or may act as its owner (`CAP_FOWNER`): chmod,
/// utimes with explicit times, xattrs of the trusted kind.
pub fn owns(attr: &Attr, creds: &Creds) -> bool {
    attr.uid == creds.uid() || creds.has(CAP_FOWNER)
}
