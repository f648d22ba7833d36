//! POSIX record locks (`fcntl(2)` `F_SETLK` and friends): advisory byte-range locks.
//!
//! One table for the sandbox, keyed by inode identity (as [`crate::flock`]). A lock
//! belongs to an owner ([`LockOwner`]): a process for the classic POSIX locks, an open
//! file description for the `F_OFD_*` locks. Locks of different owners conflict when
//! their ranges overlap and one of them is a write lock; an owner's own locks never
//! conflict with each other: locking again replaces the type of the range, merging with
//! adjacent or overlapping locks of the same type and splitting locks of the other
//! type, as Linux's `posix_lock_inode` does. A process lock and an OFD lock conflict
//! even when the process holding the first holds the description of the second.
//!
//! Nothing here blocks. A caller that waits (`F_SETLKW`) polls [`lock_or_wait`] with a
//! [`WaitTicket`], which records who waits for whom so that a wait that would close a
//! cycle between process owners fails instead (`EDEADLK`), as Linux's
//! `posix_locks_deadlock` does.
//!
//! Release rules (the caller applies them): a process's locks on an inode go when the
//! process closes any descriptor of that inode ([`release`]) and when it exits
//! ([`release_owner`]); an OFD lock goes with the last reference to its description
//! ([`release_owner`] from `OpenFile`'s `Drop`).
//!
//! The table's mutex is a leaf lock.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use parking_lot::Mutex;

use crate::file::OpenFile;

/// The largest file offset (Linux's `OFFSET_MAX`); a range ending here runs to the end
/// of the file and beyond (`l_len == 0`).
pub const OFFSET_MAX: u64 = i64::MAX as u64;

/// How many waits-for steps the deadlock check follows (Linux's
/// `MAX_DEADLK_ITERATIONS`); a longer cycle goes undetected.
const MAX_DEADLK_ITERATIONS: usize = 10;

/// Who holds a lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockOwner {
    /// A process (thread group id): `F_SETLK`, `F_SETLKW`.
    Process(i32),
    /// An open file description (its address): `F_OFD_SETLK`, `F_OFD_SETLKW`.
    File(usize),
}

impl LockOwner {
    /// The owner of the OFD locks taken through `file`.
    pub fn of_file(file: &Arc<OpenFile>) -> LockOwner {
        LockOwner::File(Arc::as_ptr(file) as usize)
    }
}

/// The type of a lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockKind {
    /// `F_RDLCK`: shared.
    Read,
    /// `F_WRLCK`: exclusive.
    Write,
}

/// An inclusive byte range `start..=end` with `start <= end <= OFFSET_MAX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockRange {
    start: u64,
    end: u64,
}

impl LockRange {
    /// The range `start..=end`; `None` unless `start <= end <= OFFSET_MAX`.
    pub fn new(start: u64, end: u64) -> Option<LockRange> {
        (start <= end && end <= OFFSET_MAX).then_some(LockRange { start, end })
    }

    /// The range from `start` to the end of the file and beyond (`l_len == 0`);
    /// `None` if `start > OFFSET_MAX`.
    pub fn to_eof(start: u64) -> Option<LockRange> {
        LockRange::new(start, OFFSET_MAX)
    }

    /// The first byte.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// The last byte (`OFFSET_MAX` for a range to the end of the file).
    pub fn end(&self) -> u64 {
        self.end
    }

    /// The length as `F_GETLK` reports it in `l_len`: 0 for a range to the end of the
    /// file.
    pub fn l_len(&self) -> u64 {
        if self.end == OFFSET_MAX {
            0
        } else {
            self.end - self.start + 1
        }
    }

    /// Whether the two ranges share a byte.
    pub fn overlaps(&self, other: &LockRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// Whether the two ranges share a byte or are adjacent.
    fn touches(&self, other: &LockRange) -> bool {
        self.start <= other.end + 1 && other.start <= self.end + 1
    }
}

/// One lock held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordLock {
    /// Who holds it.
    pub owner: LockOwner,
    /// Its type.
    pub kind: LockKind,
    /// The bytes it covers.
    pub range: LockRange,
}

impl RecordLock {
    /// The `l_pid` `F_GETLK` reports: the holding process, or -1 for an OFD lock (as
    /// Linux does).
    pub fn pid(&self) -> i32 {
        match self.owner {
            LockOwner::Process(tgid) => tgid,
            LockOwner::File(_) => -1,
        }
    }

    /// Whether this lock stops `owner` from taking `kind` over `range`.
    fn blocks(&self, owner: LockOwner, kind: LockKind, range: &LockRange) -> bool {
        self.owner != owner
            && self.range.overlaps(range)
            && (kind == LockKind::Write || self.kind == LockKind::Write)
    }
}

/// Why [`lock_or_wait`] did not take the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocked {
    /// This lock is in the way; the caller may wait and try again.
    Conflict(RecordLock),
    /// Waiting would close a cycle of processes waiting for each other (`EDEADLK`).
    Deadlock,
}

/// A blocked request of a process on another process's lock (Linux's `blocked_hash`
/// entries): the edges the deadlock check follows.
#[derive(Clone, Copy, Debug)]
struct Wait {
    waiter: i32,
    key: usize,
    blocker: i32,
}

/// The record locks of every inode.
///
/// Invariants: each inode's list is sorted by start; one owner's locks on an inode
/// do not overlap, and two of them of the same type do not touch (they would have
/// been merged); `owners` lists exactly the inodes where each owner holds a lock; no
/// inode has an empty list.
#[derive(Default)]
pub struct LockTable {
    /// The locks of each inode.
    inodes: HashMap<usize, Vec<RecordLock>>,
    /// The inodes where each owner holds locks.
    owners: HashMap<LockOwner, HashSet<usize>>,
    /// Blocked requests by wait ticket (oldest first).
    waits: BTreeMap<u64, Wait>,
}

impl LockTable {
    /// An empty table.
    pub fn new() -> LockTable {
        LockTable::default()
    }

    /// Whether no lock is held.
    pub fn is_empty(&self) -> bool {
        self.inodes.is_empty()
    }

    /// The locks on inode `key`, by start.
    pub fn locks(&self, key: usize) -> Vec<RecordLock> {
        self.inodes.get(&key).cloned().unwrap_or_default()
    }

    /// `F_GETLK`: the first lock (lowest start) that would stop `owner` from taking
    /// `kind` over `range` on inode `key`, if any.
    pub fn test(
        &self,
        key: usize,
        owner: LockOwner,
        kind: LockKind,
        range: LockRange,
    ) -> Option<RecordLock> {
        self.inodes
            .get(&key)?
            .iter()
            .find(|l| l.blocks(owner, kind, &range))
            .copied()
    }

    /// `F_OFD_GETLK` with `F_UNLCK` (Linux 6.6 and later): the first lock of `owner`
    /// itself overlapping `range` on inode `key`, if any.
    pub fn own_lock(&self, key: usize, owner: LockOwner, range: LockRange) -> Option<RecordLock> {
        self.inodes
            .get(&key)?
            .iter()
            .find(|l| l.owner == owner && l.range.overlaps(&range))
            .copied()
    }

    /// `F_SETLK`: gives `owner` a `kind` lock over `range` on inode `key`, merging and
    /// splitting its own locks; on conflict changes nothing and returns the first
    /// lock in the way.
    pub fn try_lock(
        &mut self,
        key: usize,
        owner: LockOwner,
        kind: LockKind,
        range: LockRange,
    ) -> Result<(), RecordLock> {
        if let Some(c) = self.test(key, owner, kind, range) {
            return Err(c);
        }
        self.apply(key, owner, Some(kind), range);
        Ok(())
    }

    /// `F_SETLK` with `F_UNLCK`: drops `owner`'s locks over `range` on inode `key`,
    /// splitting a lock that covers more than the range.
    pub fn unlock(&mut self, key: usize, owner: LockOwner, range: LockRange) {
        self.apply(key, owner, None, range);
    }

    /// One attempt of a waiting `F_SETLKW` identified by `ticket`: takes the lock as
    /// [`LockTable::try_lock`] does, or records that the request waits for the lock in
    /// the way. When a process waits for another process's lock and that process
    /// (directly or through others) waits for the first, it fails with
    /// [`Blocked::Deadlock`] instead. OFD locks take no part in the check, as on Linux.
    /// Call [`LockTable::end_wait`] with the ticket when the request is given up.
    pub fn lock_or_wait(
        &mut self,
        ticket: u64,
        key: usize,
        owner: LockOwner,
        kind: LockKind,
        range: LockRange,
    ) -> Result<(), Blocked> {
        let Some(c) = self.test(key, owner, kind, range) else {
            self.waits.remove(&ticket);
            self.apply(key, owner, Some(kind), range);
            return Ok(());
        };
        match (owner, c.owner) {
            (LockOwner::Process(waiter), LockOwner::Process(blocker)) => {
                // Our own earlier edge must not take part in the check.
                self.waits.remove(&ticket);
                if self.waits_for(blocker, waiter) {
                    return Err(Blocked::Deadlock);
                }
                self.waits.insert(
                    ticket,
                    Wait {
                        waiter,
                        key,
                        blocker,
                    },
                );
            }
            _ => {
                self.waits.remove(&ticket);
            }
        }
        Err(Blocked::Conflict(c))
    }

    /// Forgets the waiting request `ticket` (it got its lock or was given up).
    pub fn end_wait(&mut self, ticket: u64) {
        self.waits.remove(&ticket);
    }

    /// Drops every lock of `owner` on inode `key` (a process closed a descriptor of
    /// the inode).
    pub fn release(&mut self, key: usize, owner: LockOwner) {
        let Some(list) = self.inodes.get_mut(&key) else {
            return;
        };
        let before = list.len();
        list.retain(|l| l.owner != owner);
        if list.len() == before {
            return;
        }
        if list.is_empty() {
            self.inodes.remove(&key);
        }
        self.forget_owner_key(key, owner);
        self.waiters_retry(key, owner);
    }

    /// Drops every lock of `owner` everywhere (a process exited, a description was
    /// closed).
    pub fn release_owner(&mut self, owner: LockOwner) {
        let keys: Vec<usize> = self
            .owners
            .get(&owner)
            .map(|k| k.iter().copied().collect())
            .unwrap_or_default();
        for key in keys {
            self.release(key, owner);
        }
    }

    /// Whether process `from` waits, directly or through at most
    /// `MAX_DEADLK_ITERATIONS` others, for process `to`.
    fn waits_for(&self, from: i32, to: i32) -> bool {
        let mut cur = from;
        for _ in 0..=MAX_DEADLK_ITERATIONS {
            let Some(next) = self
                .waits
                .values()
                .find(|w| w.waiter == cur)
                .map(|w| w.blocker)
            else {
                return false;
            };
            if next == to {
                return true;
            }
            cur = next;
        }
        false
    }

    /// Sets (`Some(kind)`) or clears (`None`) `owner`'s lock over `range` on inode
    /// `key`, without checking for conflicts. Linux: `posix_lock_inode`.
    fn apply(&mut self, key: usize, owner: LockOwner, kind: Option<LockKind>, range: LockRange) {
        let Some(list) = self.inodes.get_mut(&key) else {
            if let Some(kind) = kind {
                self.inodes
                    .insert(key, vec![RecordLock { owner, kind, range }]);
                self.owners.entry(owner).or_default().insert(key);
            }
            return;
        };
        let mut merged = range;
        let mut out = Vec::with_capacity(list.len() + 2);
        for l in list.drain(..) {
            if l.owner != owner {
                out.push(l);
            } else if Some(l.kind) == kind && l.range.touches(&range) {
                // Same type, overlapping or adjacent: one lock covers both.
                merged.start = merged.start.min(l.range.start);
                merged.end = merged.end.max(l.range.end);
            } else if l.range.overlaps(&range) {
                // The other type (or an unlock): keep what lies outside the range.
                if l.range.start < range.start {
                    out.push(RecordLock {
                        range: LockRange {
                            start: l.range.start,
                            end: range.start - 1,
                        },
                        ..l
                    });
                }
                if l.range.end > range.end {
                    out.push(RecordLock {
                        range: LockRange {
                            start: range.end + 1,
                            end: l.range.end,
                        },
                        ..l
                    });
                }
            } else {
                out.push(l);
            }
        }
        if let Some(kind) = kind {
            out.push(RecordLock {
                owner,
                kind,
                range: merged,
            });
        }
        out.sort_by_key(|l| l.range.start);
        let holds = out.iter().any(|l| l.owner == owner);
        if out.is_empty() {
            self.inodes.remove(&key);
        } else {
            *list = out;
        }
        if holds {
            self.owners.entry(owner).or_default().insert(key);
        } else {
            self.forget_owner_key(key, owner);
        }
        self.waiters_retry(key, owner);
    }

    /// Removes `key` from `owner`'s inodes.
    fn forget_owner_key(&mut self, key: usize, owner: LockOwner) {
        if let Some(keys) = self.owners.get_mut(&owner) {
            keys.remove(&key);
            if keys.is_empty() {
                self.owners.remove(&owner);
            }
        }
    }

    /// `owner`'s locks on `key` changed: requests waiting for them are no longer known
    /// to wait (Linux wakes them; here they record their wait again on their next
    /// attempt), so a stale edge cannot make a later request fail with `EDEADLK`.
    fn waiters_retry(&mut self, key: usize, owner: LockOwner) {
        if let LockOwner::Process(tgid) = owner {
            self.waits
                .retain(|_, w| !(w.key == key && w.blocker == tgid));
        }
    }
}

static TABLE: LazyLock<Mutex<LockTable>> = LazyLock::new(|| Mutex::new(LockTable::new()));

/// How many owners hold locks, so that the release calls made at every close can skip
/// the table's mutex when no lock exists. Updated under the mutex.
static OWNERS: AtomicUsize = AtomicUsize::new(0);

/// The source of [`WaitTicket`] numbers.
static NEXT_TICKET: AtomicU64 = AtomicU64::new(1);

/// Runs `f` on the sandbox's table and refreshes [`OWNERS`].
fn with_table<R>(f: impl FnOnce(&mut LockTable) -> R) -> R {
    let mut t = TABLE.lock();
    let r = f(&mut t);
    OWNERS.store(t.owners.len(), Ordering::Release);
    r
}

/// The identity of the file `file` is a description of, in the table: its inode
/// ([`crate::flock::inode_key`]) when it is in the name tree, else the file object
/// itself (inherited stdio), which every `dup` of it shares.
pub fn file_key(file: &OpenFile) -> usize {
    match &file.location {
        Some(at) => crate::flock::inode_key(at.inode()),
        None => Arc::as_ptr(&file.ops) as *const () as usize,
    }
}

/// The locks on inode `key`, by start.
pub fn locks(key: usize) -> Vec<RecordLock> {
    TABLE.lock().locks(key)
}

/// See [`LockTable::test`].
pub fn test_lock(
    key: usize,
    owner: LockOwner,
    kind: LockKind,
    range: LockRange,
) -> Option<RecordLock> {
    TABLE.lock().test(key, owner, kind, range)
}

/// See [`LockTable::own_lock`].
pub fn own_lock(key: usize, owner: LockOwner, range: LockRange) -> Option<RecordLock> {
    TABLE.lock().own_lock(key, owner, range)
}

/// See [`LockTable::try_lock`].
pub fn try_lock(
    key: usize,
    owner: LockOwner,
    kind: LockKind,
    range: LockRange,
) -> Result<(), RecordLock> {
    with_table(|t| t.try_lock(key, owner, kind, range))
}

/// See [`LockTable::unlock`].
pub fn unlock(key: usize, owner: LockOwner, range: LockRange) {
    with_table(|t| t.unlock(key, owner, range));
}

/// See [`LockTable::lock_or_wait`]; `ticket` identifies the waiting request.
pub fn lock_or_wait(
    ticket: &WaitTicket,
    key: usize,
    owner: LockOwner,
    kind: LockKind,
    range: LockRange,
) -> Result<(), Blocked> {
    with_table(|t| t.lock_or_wait(ticket.0, key, owner, kind, range))
}

/// Drops every lock of `owner` on inode `key`. Cheap when no lock exists.
pub fn release(key: usize, owner: LockOwner) {
    if OWNERS.load(Ordering::Acquire) != 0 {
        with_table(|t| t.release(key, owner));
    }
}

/// Drops every lock of `owner` on every inode. Cheap when no lock exists.
pub fn release_owner(owner: LockOwner) {
    if OWNERS.load(Ordering::Acquire) != 0 {
        with_table(|t| t.release_owner(owner));
    }
}

/// One waiting `F_SETLKW` request: what the deadlock check knows it waits for is
/// forgotten when the ticket is dropped (the request got its lock, failed or was
/// interrupted).
pub struct WaitTicket(u64);

impl WaitTicket {
    /// A ticket for a new request.
    pub fn new() -> WaitTicket {
        WaitTicket(NEXT_TICKET.fetch_add(1, Ordering::Relaxed))
    }
}

impl Default for WaitTicket {
    fn default() -> WaitTicket {
        WaitTicket::new()
    }
}

impl Drop for WaitTicket {
    fn drop(&mut self) {
        with_table(|t| t.end_wait(self.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: usize = 0x1000;
    const A: LockOwner = LockOwner::Process(100);
    const B: LockOwner = LockOwner::Process(200);
    const C: LockOwner = LockOwner::Process(300);
    const F: LockOwner = LockOwner::File(0xf11e);
    use LockKind::{Read as R, Write as W};

    fn r(start: u64, end: u64) -> LockRange {
        LockRange::new(start, end).unwrap()
    }

    fn eof(start: u64) -> LockRange {
        LockRange::to_eof(start).unwrap()
    }

    /// The locks on `K` as (owner, kind, start, end).
    fn dump(t: &LockTable, key: usize) -> Vec<(LockOwner, LockKind, u64, u64)> {
        t.locks(key)
            .iter()
            .map(|l| (l.owner, l.kind, l.range.start(), l.range.end()))
            .collect()
    }

    /// Checks the table's invariants.
    fn check(t: &LockTable) {
        for (&key, list) in &t.inodes {
            assert!(!list.is_empty());
            assert!(list
                .windows(2)
                .all(|w| w[0].range.start <= w[1].range.start));
            for (i, a) in list.iter().enumerate() {
                assert!(a.range.start <= a.range.end && a.range.end <= OFFSET_MAX);
                assert!(t.owners[&a.owner].contains(&key));
                for b in &list[i + 1..] {
                    if a.owner == b.owner {
                        assert!(!a.range.overlaps(&b.range), "{a:?} overlaps {b:?}");
                        assert!(
                            a.kind != b.kind || !a.range.touches(&b.range),
                            "{a:?} and {b:?} not merged"
                        );
                    }
                }
            }
        }
        for (owner, keys) in &t.owners {
            assert!(!keys.is_empty());
            for key in keys {
                assert!(t.inodes[key].iter().any(|l| l.owner == *owner));
            }
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(LockRange::new(5, 4), None);
        assert_eq!(LockRange::new(0, OFFSET_MAX + 1), None);
        assert_eq!(LockRange::to_eof(OFFSET_MAX + 1), None);
        assert_eq!(r(10, 14).l_len(), 5);
        assert_eq!(eof(10).l_len(), 0);
        assert_eq!(r(0, OFFSET_MAX - 1).l_len(), OFFSET_MAX);
        assert!(r(0, 4).overlaps(&r(4, 9)));
        assert!(!r(0, 4).overlaps(&r(5, 9)));
        assert!(r(0, 4).touches(&r(5, 9)));
        assert!(!r(0, 4).touches(&r(6, 9)));
        assert!(eof(0).touches(&eof(OFFSET_MAX)));
    }

    #[test]
    fn same_type_locks_merge_when_they_overlap_or_touch() {
        let mut t = LockTable::new();
        t.try_lock(K, A, R, r(0, 4)).unwrap();
        t.try_lock(K, A, R, r(10, 14)).unwrap();
        assert_eq!(dump(&t, K), [(A, R, 0, 4), (A, R, 10, 14)]);
        t.try_lock(K, A, R, r(5, 9)).unwrap();
        assert_eq!(dump(&t, K), [(A, R, 0, 14)], "adjacent on both sides");
        t.try_lock(K, A, R, r(12, 20)).unwrap();
        assert_eq!(dump(&t, K), [(A, R, 0, 20)], "overlapping");
        t.try_lock(K, A, R, r(3, 7)).unwrap();
        assert_eq!(dump(&t, K), [(A, R, 0, 20)], "inside: nothing changes");
        t.try_lock(K, A, R, eof(21)).unwrap();
        assert_eq!(dump(&t, K), [(A, R, 0, OFFSET_MAX)]);
        check(&t);
    }

    #[test]
    fn another_type_inside_a_lock_splits_it() {
        let mut t = LockTable::new();
        t.try_lock(K, A, R, r(0, 99)).unwrap();
        t.try_lock(K, A, W, r(40, 59)).unwrap();
        assert_eq!(dump(&t, K), [(A, R, 0, 39), (A, W, 40, 59), (A, R, 60, 99)]);
        check(&t);
        // Back to read: the three merge again.
        t.try_lock(K, A, R, r(40, 59)).unwrap();
        assert_eq!(dump(&t, K), [(A, R, 0, 99)]);
        // A write over one end trims the read lock.
        t.try_lock(K, A, W, r(90, 120)).unwrap();
        assert_eq!(dump(&t, K), [(A, R, 0, 89), (A, W, 90, 120)]);
        // A write covering everything replaces both and merges with nothing else.
        t.try_lock(K, A, W, r(0, 200)).unwrap();
        assert_eq!(dump(&t, K), [(A, W, 0, 200)]);
        // Different type, adjacent but not overlapping: both stay.
        t.try_lock(K, A, R, r(201, 300)).unwrap();
        assert_eq!(dump(&t, K), [(A, W, 0, 200), (A, R, 201, 300)]);
        check(&t);
    }

    #[test]
    fn unlocking_splits_trims_and_removes() {
        let mut t = LockTable::new();
        t.try_lock(K, A, W, r(0, 99)).unwrap();
        t.unlock(K, A, r(40, 59));
        assert_eq!(dump(&t, K), [(A, W, 0, 39), (A, W, 60, 99)], "the middle");
        t.unlock(K, A, r(90, 200));
        assert_eq!(dump(&t, K), [(A, W, 0, 39), (A, W, 60, 89)], "an end");
        t.unlock(K, A, r(500, 600));
        assert_eq!(
            dump(&t, K),
            [(A, W, 0, 39), (A, W, 60, 89)],
            "nothing there"
        );
        t.unlock(K, A, r(0, 39));
        assert_eq!(dump(&t, K), [(A, W, 60, 89)], "exactly one lock");
        check(&t);
        t.unlock(K, A, eof(0));
        assert!(t.is_empty());
        assert!(t.owners.is_empty());
        // Unlocking what nobody holds is fine.
        t.unlock(K, A, eof(0));
        assert!(t.is_empty());
    }

    #[test]
    fn read_locks_of_different_owners_coexist() {
        let mut t = LockTable::new();
        t.try_lock(K, A, R, r(0, 9)).unwrap();
        t.try_lock(K, B, R, r(5, 14)).unwrap();
        t.try_lock(K, F, R, eof(0)).unwrap();
        assert_eq!(
            dump(&t, K),
            [(A, R, 0, 9), (F, R, 0, OFFSET_MAX), (B, R, 5, 14)]
        );
        check(&t);
    }

    #[test]
    fn write_locks_conflict_with_any_other_owner() {
        let mut t = LockTable::new();
        t.try_lock(K, A, R, r(0, 9)).unwrap();
        let a = RecordLock {
            owner: A,
            kind: R,
            range: r(0, 9),
        };
        assert_eq!(t.try_lock(K, B, W, r(9, 20)), Err(a));
        assert_eq!(t.try_lock(K, F, W, eof(0)), Err(a));
        t.try_lock(K, B, W, r(10, 20)).unwrap();
        let b = RecordLock {
            owner: B,
            kind: W,
            range: r(10, 20),
        };
        assert_eq!(t.try_lock(K, A, R, r(20, 20)), Err(b), "read vs write");
        assert_eq!(
            t.try_lock(K, C, R, eof(0)),
            Err(b),
            "only the write lock is in the way"
        );
        // A conflict changes nothing.
        assert_eq!(dump(&t, K), [(A, R, 0, 9), (B, W, 10, 20)]);
        // One's own locks never conflict: A writes over its read lock.
        t.try_lock(K, A, W, r(0, 9)).unwrap();
        assert_eq!(dump(&t, K), [(A, W, 0, 9), (B, W, 10, 20)]);
        check(&t);
    }

    #[test]
    fn a_conversion_that_conflicts_keeps_the_old_lock() {
        let mut t = LockTable::new();
        t.try_lock(K, A, R, r(0, 9)).unwrap();
        t.try_lock(K, B, R, r(0, 9)).unwrap();
        assert!(t.try_lock(K, A, W, r(0, 9)).is_err());
        assert_eq!(dump(&t, K), [(A, R, 0, 9), (B, R, 0, 9)]);
        t.unlock(K, B, eof(0));
        t.try_lock(K, A, W, r(0, 9)).unwrap();
        assert_eq!(dump(&t, K), [(A, W, 0, 9)]);
    }

    #[test]
    fn process_and_ofd_locks_conflict() {
        let mut t = LockTable::new();
        t.try_lock(K, F, W, r(0, 0)).unwrap();
        assert!(t.try_lock(K, A, R, r(0, 0)).is_err());
        assert!(t.try_lock(K, LockOwner::File(0xf22e), R, r(0, 0)).is_err());
        assert_eq!(t.test(K, F, W, r(0, 0)), None, "its own lock");
    }

    #[test]
    fn getlk_reports_the_first_conflict_or_nothing() {
        let mut t = LockTable::new();
        t.try_lock(K, B, R, r(50, 59)).unwrap();
        t.try_lock(K, F, W, r(100, 109)).unwrap();
        t.try_lock(K, B, W, r(10, 19)).unwrap();
        // A read test skips read locks.
        let got = t.test(K, A, R, eof(0)).unwrap();
        assert_eq!((got.owner, got.kind, got.range), (B, W, r(10, 19)));
        assert_eq!(got.pid(), 200);
        let got = t.test(K, A, R, eof(20)).unwrap();
        assert_eq!((got.owner, got.kind, got.range), (F, W, r(100, 109)));
        assert_eq!(got.pid(), -1, "OFD locks report -1");
        // A write test sees the read lock.
        let got = t.test(K, A, W, eof(20)).unwrap();
        assert_eq!((got.kind, got.range), (R, r(50, 59)));
        assert_eq!(t.test(K, A, W, r(20, 49)), None);
        assert_eq!(t.test(K, B, W, r(0, 99)), None, "B's own locks");
        assert_eq!(t.test(K + 1, A, W, eof(0)), None, "another inode");
    }

    #[test]
    fn own_lock_reports_the_callers_own_lock() {
        let mut t = LockTable::new();
        t.try_lock(K, F, W, r(10, 14)).unwrap();
        t.try_lock(K, F, R, eof(20)).unwrap();
        t.try_lock(K, B, R, r(0, 5)).unwrap();
        assert_eq!(t.own_lock(K, F, eof(0)).unwrap().range, r(10, 14));
        assert_eq!(t.own_lock(K, F, eof(16)).unwrap().range, eof(20));
        assert_eq!(t.own_lock(K, F, r(0, 9)), None);
        assert_eq!(t.own_lock(K, A, eof(0)), None);
    }

    #[test]
    fn release_drops_one_owner_on_one_inode() {
        let mut t = LockTable::new();
        t.try_lock(K, A, R, r(0, 9)).unwrap();
        t.try_lock(K, A, W, r(20, 29)).unwrap();
        t.try_lock(K, B, R, r(0, 9)).unwrap();
        t.try_lock(K + 1, A, W, eof(0)).unwrap();
        t.release(K, A);
        assert_eq!(dump(&t, K), [(B, R, 0, 9)]);
        assert_eq!(dump(&t, K + 1), [(A, W, 0, OFFSET_MAX)]);
        check(&t);
        t.release(K, A);
        t.release(K + 2, A);
        check(&t);
    }

    #[test]
    fn release_owner_drops_an_owner_everywhere() {
        let mut t = LockTable::new();
        for key in [K, K + 1, K + 2] {
            t.try_lock(key, F, W, r(0, 9)).unwrap();
            t.try_lock(key, A, R, r(10, 19)).unwrap();
        }
        t.release_owner(F);
        for key in [K, K + 1, K + 2] {
            assert_eq!(dump(&t, key), [(A, R, 10, 19)]);
        }
        check(&t);
        t.release_owner(A);
        assert!(t.is_empty());
        assert!(t.owners.is_empty());
    }

    #[test]
    fn a_waiter_gets_the_lock_once_it_is_free() {
        let mut t = LockTable::new();
        t.try_lock(K, A, W, eof(0)).unwrap();
        assert!(matches!(
            t.lock_or_wait(1, K, B, W, r(0, 0)),
            Err(Blocked::Conflict(l)) if l.owner == A
        ));
        assert_eq!(t.waits.len(), 1);
        t.unlock(K, A, eof(0));
        assert!(
            t.waits.is_empty(),
            "the holder's unlock forgets its waiters"
        );
        t.lock_or_wait(1, K, B, W, r(0, 0)).unwrap();
        assert!(t.waits.is_empty());
        assert_eq!(dump(&t, K), [(B, W, 0, 0)]);
    }

    #[test]
    fn two_processes_waiting_for_each_other_deadlock() {
        let mut t = LockTable::new();
        t.try_lock(K, A, W, r(0, 0)).unwrap();
        t.try_lock(K, B, W, r(1, 1)).unwrap();
        // A waits for B's byte...
        assert!(matches!(
            t.lock_or_wait(1, K, A, W, r(1, 1)),
            Err(Blocked::Conflict(_))
        ));
        // ...so B waiting for A's byte would never end.
        assert_eq!(t.lock_or_wait(2, K, B, W, r(0, 0)), Err(Blocked::Deadlock));
        // A keeps waiting (polling again does not see a deadlock of its own).
        assert!(matches!(
            t.lock_or_wait(1, K, A, W, r(1, 1)),
            Err(Blocked::Conflict(_))
        ));
        // Once B gives up its byte, A gets it.
        t.unlock(K, B, r(1, 1));
        t.lock_or_wait(1, K, A, W, r(1, 1)).unwrap();
        assert_eq!(dump(&t, K), [(A, W, 0, 1)]);
    }

    #[test]
    fn longer_cycles_deadlock_and_chains_without_a_cycle_do_not() {
        let mut t = LockTable::new();
        let (k1, k2, k3) = (K, K + 1, K + 2);
        t.try_lock(k1, A, W, eof(0)).unwrap();
        t.try_lock(k2, B, W, eof(0)).unwrap();
        t.try_lock(k3, C, W, eof(0)).unwrap();
        // A waits for B, B waits for C: no cycle.
        assert!(t.lock_or_wait(1, k2, A, W, eof(0)).is_err());
        assert!(matches!(
            t.lock_or_wait(2, k3, B, R, eof(0)),
            Err(Blocked::Conflict(_))
        ));
        // C waiting for A closes the cycle.
        assert_eq!(t.lock_or_wait(3, k1, C, R, eof(0)), Err(Blocked::Deadlock));
        // A ticket given up takes its edge along: after B stops waiting, C may wait.
        t.end_wait(2);
        assert!(matches!(
            t.lock_or_wait(3, k1, C, R, eof(0)),
            Err(Blocked::Conflict(_))
        ));
    }

    #[test]
    fn ofd_waits_take_no_part_in_deadlock_detection() {
        let mut t = LockTable::new();
        let g = LockOwner::File(0xf22e);
        t.try_lock(K, F, W, r(0, 0)).unwrap();
        t.try_lock(K, g, W, r(1, 1)).unwrap();
        assert!(matches!(
            t.lock_or_wait(1, K, F, W, r(1, 1)),
            Err(Blocked::Conflict(_))
        ));
        assert!(matches!(
            t.lock_or_wait(2, K, g, W, r(0, 0)),
            Err(Blocked::Conflict(_))
        ));
        assert!(t.waits.is_empty());
    }

    #[test]
    fn many_random_operations_keep_the_invariants() {
        // A small model: each owner's view of bytes 0..64 as a map, checked against
        // the table after every operation.
        let owners = [A, B, F];
        let mut model: Vec<[Option<LockKind>; 64]> = vec![[None; 64]; 3];
        let mut t = LockTable::new();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..5000 {
            let o = (next() % 3) as usize;
            let a = next() % 64;
            let b = next() % 64;
            let range = r(a.min(b), a.max(b));
            let op = next() % 3;
            let kind = match op {
                0 => None,
                1 => Some(R),
                _ => Some(W),
            };
            let expect_conflict = kind.is_some_and(|k| {
                (range.start..=range.end).any(|i| {
                    (0..3).any(|p| p != o && model[p][i as usize].is_some_and(|h| h == W || k == W))
                })
            });
            let res = match kind {
                None => {
                    t.unlock(K, owners[o], range);
                    Ok(())
                }
                Some(k) => t.try_lock(K, owners[o], k, range),
            };
            assert_eq!(res.is_err(), expect_conflict);
            if !expect_conflict {
                for i in range.start..=range.end {
                    model[o][i as usize] = kind;
                }
            }
            check(&t);
            for (p, owner) in owners.iter().enumerate() {
                let mut have = [None; 64];
                for l in t.locks(K).iter().filter(|l| l.owner == *owner) {
                    for i in l.range.start..=l.range.end {
                        have[i as usize] = Some(l.kind);
                    }
                }
                assert_eq!(have, model[p]);
            }
        }
    }

    #[test]
    fn the_global_table_and_its_fast_path() {
        // Keys and owners unique to this test: the table is shared by the process.
        let key = 0x7e57_0000;
        let owner = LockOwner::Process(-7);
        try_lock(key, owner, W, r(0, 9)).unwrap();
        assert_eq!(locks(key).len(), 1);
        assert!(test_lock(key, LockOwner::Process(-8), R, r(5, 5)).is_some());
        assert_eq!(own_lock(key, owner, eof(0)).unwrap().range, r(0, 9));
        {
            let ticket = WaitTicket::new();
            let other = LockOwner::Process(-8);
            assert!(lock_or_wait(&ticket, key, other, R, r(0, 0)).is_err());
        }
        unlock(key, owner, r(0, 4));
        assert_eq!(locks(key)[0].range, r(5, 9));
        release(key, owner);
        assert!(locks(key).is_empty());
        try_lock(key, LockOwner::File(0x7e57), R, eof(0)).unwrap();
        release_owner(LockOwner::File(0x7e57));
        assert!(locks(key).is_empty());
    }
}
