//! Ranked locks: the VFS lock order made mechanical.
//!
//! Lock order: `rename_mu` → `Dirent.mu` → `overlay.copy_mu` → `Inode.mu`.
//!
//! Every lock of the VFS that takes part in the order is a [`RankedMutex`] or
//! [`RankedRwLock`] with its [`Rank`]. In debug builds each thread keeps a stack of the
//! ranks it holds, and acquiring a lock whose rank is *lower* than one already held
//! panics with both ranks named: every test run is also a lock-order test. Locks of
//! equal rank may nest (two directories' `Dirent.mu` during a rename); their order
//! among themselves is the caller's to document. Release builds compile the checks out.

use std::ops::{Deref, DerefMut};

use parking_lot::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A lock's place in the order; lower ranks are taken first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// The overlay's global rename lock.
    RenameMu = 10,
    /// A directory entry's children.
    DirentMu = 20,
    /// An overlay file's copy-up lock.
    CopyMu = 30,
    /// An inode's own state (size, data, attributes, children of a tmpfs directory).
    InodeMu = 40,
}

#[cfg(debug_assertions)]
mod held {
    use std::cell::RefCell;

    use super::Rank;

    thread_local! {
        static HELD: RefCell<Vec<Rank>> = const { RefCell::new(Vec::new()) };
    }

    /// Records that `rank` is about to be taken; panics if a higher rank is held.
    /// During thread exit (thread-locals being destroyed) nothing is checked.
    pub(super) fn acquire(rank: Rank) {
        let _ = HELD.try_with(|h| {
            let mut h = h.borrow_mut();
            if let Some(&top) = h.iter().max() {
                assert!(
                    top <= rank,
                    "lock order violation: acquiring {rank:?} while holding {top:?} \
                     (order: RenameMu -> DirentMu -> CopyMu -> InodeMu)"
                );
            }
            h.push(rank);
        });
    }

    /// Records that one lock of `rank` was released.
    pub(super) fn release(rank: Rank) {
        let _ = HELD.try_with(|h| {
            let mut h = h.borrow_mut();
            if let Some(i) = h.iter().rposition(|&r| r == rank) {
                h.remove(i);
            }
        });
    }
}

#[cfg(not(debug_assertions))]
mod held {
    use super::Rank;

    #[inline(always)]
    pub(super) fn acquire(_: Rank) {}

    #[inline(always)]
    pub(super) fn release(_: Rank) {}
}

/// A mutex with a rank in the VFS lock order.
#[derive(Debug)]
pub struct RankedMutex<T> {
    rank: Rank,
    inner: Mutex<T>,
}

/// Guard of a [`RankedMutex`]; releases the rank when dropped.
pub struct RankedMutexGuard<'a, T> {
    rank: Rank,
    guard: MutexGuard<'a, T>,
}

impl<T> RankedMutex<T> {
    /// A mutex of `rank` holding `value`.
    pub const fn new(rank: Rank, value: T) -> Self {
        RankedMutex {
            rank,
            inner: Mutex::new(value),
        }
    }

    /// Locks, checking the order first (debug builds).
    pub fn lock(&self) -> RankedMutexGuard<'_, T> {
        held::acquire(self.rank);
        RankedMutexGuard {
            rank: self.rank,
            guard: self.inner.lock(),
        }
    }
}

impl<T> Deref for RankedMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for RankedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> Drop for RankedMutexGuard<'_, T> {
    fn drop(&mut self) {
        held::release(self.rank);
    }
}

/// A reader-writer lock with a rank in the VFS lock order.
#[derive(Debug)]
pub struct RankedRwLock<T> {
    rank: Rank,
    inner: RwLock<T>,
}

/// Shared guard of a [`RankedRwLock`].
pub struct RankedReadGuard<'a, T> {
    rank: Rank,
    guard: RwLockReadGuard<'a, T>,
}

/// Exclusive guard of a [`RankedRwLock`].
pub struct RankedWriteGuard<'a, T> {
    rank: Rank,
    guard: RwLockWriteGuard<'a, T>,
}

impl<T> RankedRwLock<T> {
    /// A lock of `rank` holding `value`.
    pub const fn new(rank: Rank, value: T) -> Self {
        RankedRwLock {
            rank,
            inner: RwLock::new(value),
        }
    }

    /// Locks shared, checking the order first (debug builds).
    pub fn read(&self) -> RankedReadGuard<'_, T> {
        held::acquire(self.rank);
        RankedReadGuard {
            rank: self.rank,
            guard: self.inner.read(),
        }
    }

    /// Locks exclusive, checking the order first (debug builds).
    pub fn write(&self) -> RankedWriteGuard<'_, T> {
        held::acquire(self.rank);
        RankedWriteGuard {
            rank: self.rank,
            guard: self.inner.write(),
        }
    }
}

impl<T> Deref for RankedReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> Drop for RankedReadGuard<'_, T> {
    fn drop(&mut self) {
        held::release(self.rank);
    }
}

impl<T> Deref for RankedWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for RankedWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> Drop for RankedWriteGuard<'_, T> {
    fn drop(&mut self) {
        held::release(self.rank);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_order_is_accepted() {
        let rename = RankedRwLock::new(Rank::RenameMu, ());
        let d1 = RankedMutex::new(Rank::DirentMu, ());
        let d2 = RankedMutex::new(Rank::DirentMu, ());
        let copy = RankedMutex::new(Rank::CopyMu, ());
        let inode = RankedMutex::new(Rank::InodeMu, ());
        let _r = rename.read();
        let _a = d1.lock();
        let _b = d2.lock();
        let _c = copy.lock();
        let _i = inode.lock();
    }

    #[test]
    fn release_lets_a_lower_rank_be_taken_again() {
        let copy = RankedMutex::new(Rank::CopyMu, ());
        let inode = RankedMutex::new(Rank::InodeMu, ());
        drop(inode.lock());
        let _c = copy.lock();
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "lock order violation: acquiring CopyMu while holding InodeMu")]
    fn an_inverted_acquire_panics() {
        let copy = RankedMutex::new(Rank::CopyMu, ());
        let inode = RankedMutex::new(Rank::InodeMu, ());
        let _i = inode.lock();
        let _c = copy.lock();
    }
}
