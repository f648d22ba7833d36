//! Permission checks against the caller's credentials.
//!
//! The sandbox runs with the identity of the user who started it (its own user
//! namespace arrives with the processes issue): root may do anything except execute a
//! file without any execute bit; everyone else gets the owner, group or other bits.

use veil_vfs::inode::{Attr, FileType};

/// Read permission.
pub const MAY_READ: u32 = 4;
/// Write permission.
pub const MAY_WRITE: u32 = 2;
/// Execute (search, for directories) permission.
pub const MAY_EXEC: u32 = 1;

/// The caller's credentials.
#[derive(Clone, Copy, Debug)]
pub struct Creds {
    /// Effective user id.
    pub uid: u32,
    /// Effective group id.
    pub gid: u32,
}

impl Creds {
    /// The sandbox's credentials.
    pub fn current() -> Creds {
        Creds {
            uid: nix::unistd::geteuid().as_raw(),
            gid: nix::unistd::getegid().as_raw(),
        }
    }

    /// The owner a new file gets.
    pub fn for_new_file(self) -> veil_vfs::inode::Creds {
        veil_vfs::inode::Creds {
            uid: self.uid,
            gid: self.gid,
        }
    }
}

/// Whether `creds` may access a file with `attr` for every bit of `want`.
pub fn may_access(attr: &Attr, creds: Creds, want: u32) -> bool {
    if creds.uid == 0 {
        // Root bypasses everything but needs some execute bit to execute a file.
        return want & MAY_EXEC == 0 || attr.kind == FileType::Directory || attr.perm & 0o111 != 0;
    }
    let bits = if attr.uid == creds.uid {
        attr.perm >> 6
    } else if attr.gid == creds.gid {
        attr.perm >> 3
    } else {
        attr.perm
    } & 7;
    bits & want == want
}

/// Whether `creds` owns the file or is root (chmod, utimes with explicit times).
pub fn owns(attr: &Attr, creds: Creds) -> bool {
    creds.uid == 0 || attr.uid == creds.uid
}
