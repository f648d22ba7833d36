//! `flock(2)` locks: advisory, whole-file, owned by an open file description.
//!
//! One table for the sandbox, keyed by inode identity. A description holds at most one
//! lock (shared or exclusive) and loses it when it is closed (its last reference
//! dropped) or converts it by locking again. The table's mutex is a leaf lock.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use parking_lot::Mutex;
use veil_abi::Errno;

use crate::inode::InodeRef;

/// The kind of lock asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlockKind {
    /// `LOCK_SH`.
    Shared,
    /// `LOCK_EX`.
    Exclusive,
}

#[derive(Default)]
struct Entry {
    shared: HashSet<usize>,
    exclusive: Option<usize>,
}

static TABLE: LazyLock<Mutex<HashMap<usize, Entry>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The identity of an inode in the table.
pub fn inode_key(inode: &InodeRef) -> usize {
    Arc::as_ptr(inode) as *const () as usize
}

/// Tries to take (or convert to) `kind` on inode `key` for owner `owner`; `EAGAIN` when
/// another description's lock conflicts.
pub fn try_lock(key: usize, owner: usize, kind: FlockKind) -> Result<(), Errno> {
    let mut table = TABLE.lock();
    let e = table.entry(key).or_default();
    let others_shared = e.shared.iter().any(|&o| o != owner);
    let other_exclusive = e.exclusive.is_some_and(|o| o != owner);
    match kind {
        FlockKind::Shared if other_exclusive => Err(Errno::EAGAIN),
        FlockKind::Exclusive if other_exclusive || others_shared => Err(Errno::EAGAIN),
        FlockKind::Shared => {
            if e.exclusive == Some(owner) {
                e.exclusive = None;
            }
            e.shared.insert(owner);
            Ok(())
        }
        FlockKind::Exclusive => {
            e.shared.remove(&owner);
            e.exclusive = Some(owner);
            Ok(())
        }
    }
}

/// Drops `owner`'s lock on inode `key`, if any.
pub fn unlock(key: usize, owner: usize) {
    let mut table = TABLE.lock();
    if let Some(e) = table.get_mut(&key) {
        e.shared.remove(&owner);
        if e.exclusive == Some(owner) {
            e.exclusive = None;
        }
        if e.shared.is_empty() && e.exclusive.is_none() {
            table.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_locks_coexist_and_exclusive_ones_do_not() {
        let key = 0xdead_0000;
        try_lock(key, 1, FlockKind::Shared).unwrap();
        try_lock(key, 2, FlockKind::Shared).unwrap();
        assert_eq!(try_lock(key, 3, FlockKind::Exclusive), Err(Errno::EAGAIN));
        unlock(key, 1);
        assert_eq!(
            try_lock(key, 2, FlockKind::Exclusive),
            Ok(()),
            "sole holder converts"
        );
        assert_eq!(try_lock(key, 1, FlockKind::Shared), Err(Errno::EAGAIN));
        unlock(key, 2);
        try_lock(key, 1, FlockKind::Exclusive).unwrap();
        unlock(key, 1);
    }
}
