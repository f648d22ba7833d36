//! Extended attributes: the namespaces tmpfs supports and Linux's checks on names and
//! values (`fs/xattr.c`, `shmem_*_xattr_handler` in `mm/shmem.c`).
//!
//! Supported: `security.*`, `trusted.*` and `user.*` (as Linux 6.6+ tmpfs). Checks the
//! caller keeps: `trusted.*` needs `CAP_SYS_ADMIN`, `user.*` writes need write
//! permission and, on a sticky directory, ownership.

use std::collections::BTreeMap;

use veil_abi::Errno;

use super::node::TmpfsInode;
use super::time::now;
use crate::inode::{FileType, XattrMode, NAME_MAX};

/// Longest value (`XATTR_SIZE_MAX`).
const XATTR_SIZE_MAX: usize = 65536;

/// Longest name, prefix included (`XATTR_NAME_MAX`).
const XATTR_NAME_MAX: usize = NAME_MAX;

/// The namespaces tmpfs stores.
const PREFIXES: [&[u8]; 3] = [b"security.", b"trusted.", b"user."];

/// Whether an access reads or changes an attribute: Linux answers differently.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// `getxattr`.
    Read,
    /// `setxattr`, `removexattr`.
    Write,
}

/// `ERANGE` for an empty name or one longer than 255 bytes (`setxattr_copy`, `getxattr`
/// copying the name in).
pub(super) fn check_name_len(name: &[u8]) -> Result<(), Errno> {
    if name.is_empty() || name.len() > XATTR_NAME_MAX {
        return Err(Errno::ERANGE);
    }
    Ok(())
}

/// Checks `name` for an access to a file of type `kind`, in Linux's order: the name's
/// length (`ERANGE` for empty or longer than 255, from `setxattr_copy`/`getxattr`),
/// then `xattr_permission` (`user.*` only on regular files and directories: `EPERM` to
/// write, `ENODATA` to read), then the handler (`EOPNOTSUPP` for an unsupported
/// namespace, `EINVAL` for a bare prefix).
pub(super) fn check_name(name: &[u8], kind: FileType, access: Access) -> Result<(), Errno> {
    check_name_len(name)?;
    if name.starts_with(b"user.") && !matches!(kind, FileType::Regular | FileType::Directory) {
        return Err(match access {
            Access::Read => Errno::ENODATA,
            Access::Write => Errno::EPERM,
        });
    }
    match PREFIXES.iter().find(|p| name.starts_with(p)) {
        None => Err(Errno::EOPNOTSUPP),
        Some(p) if name.len() == p.len() => Err(Errno::EINVAL),
        Some(_) => Ok(()),
    }
}

/// The extended attributes of one inode, listed in name order (as Linux's
/// `simple_xattr_list`). Lives inside the inode's `mu`.
#[derive(Default)]
pub(super) struct Xattrs {
    /// Name → value.
    map: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl Xattrs {
    /// The value of `name` (checked); `ENODATA` if absent.
    pub(super) fn get(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        self.map.get(name).cloned().ok_or(Errno::ENODATA)
    }

    /// Sets `name` (checked) to `value` (checked) under `mode`'s rule: `EEXIST` for
    /// `Create` of an existing name, `ENODATA` for `Replace` of an absent one.
    pub(super) fn set(&mut self, name: &[u8], value: &[u8], mode: XattrMode) -> Result<(), Errno> {
        let exists = self.map.contains_key(name);
        match mode {
            XattrMode::Create if exists => return Err(Errno::EEXIST),
            XattrMode::Replace if !exists => return Err(Errno::ENODATA),
            _ => {}
        }
        self.map.insert(name.to_vec(), value.to_vec());
        Ok(())
    }

    /// Removes `name` (checked); `ENODATA` if absent.
    pub(super) fn remove(&mut self, name: &[u8]) -> Result<(), Errno> {
        self.map.remove(name).map(drop).ok_or(Errno::ENODATA)
    }

    /// Every name, in order.
    pub(super) fn names(&self) -> Vec<Vec<u8>> {
        self.map.keys().cloned().collect()
    }
}

impl TmpfsInode {
    /// `getxattr`.
    pub(super) fn xattr_get(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        check_name(name, self.kind, Access::Read)?;
        self.mu.lock().xattrs.get(name)
    }

    /// `setxattr`: `ERANGE` for a bad name length, then `E2BIG` for a value over 64 KiB,
    /// then the namespace checks; sets ctime.
    pub(super) fn xattr_set(
        &self,
        name: &[u8],
        value: &[u8],
        mode: XattrMode,
    ) -> Result<(), Errno> {
        check_name_len(name)?;
        if value.len() > XATTR_SIZE_MAX {
            return Err(Errno::E2BIG);
        }
        check_name(name, self.kind, Access::Write)?;
        let t = now();
        let mut st = self.mu.lock();
        st.xattrs.set(name, value, mode)?;
        st.ctime = t;
        Ok(())
    }

    /// `removexattr`; sets ctime.
    pub(super) fn xattr_remove(&self, name: &[u8]) -> Result<(), Errno> {
        check_name(name, self.kind, Access::Write)?;
        let t = now();
        let mut st = self.mu.lock();
        st.xattrs.remove(name)?;
        st.ctime = t;
        Ok(())
    }
}
