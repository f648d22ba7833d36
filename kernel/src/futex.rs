//! Futexes: wait queues keyed by the memory-file offset of the futex word, so private
//! and shared futexes of the same page meet (the memory file is the "physical" memory).
//!
//! Lock order: `FutexTable::queues` → a task's blocker mutex (taken by `wake`).

use std::collections::HashMap;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use veil_abi::Errno;

use crate::task::{BlockResult, Task};

struct Waiter {
    task: Arc<Task>,
    bitset: u32,
    /// Unique id of this wait, so a waiter removes its own entry only.
    id: u64,
}

/// All futex wait queues of the sandbox.
#[derive(Default)]
pub struct FutexTable {
    queues: Mutex<HashMap<u64, Vec<Waiter>>>,
    next_id: std::sync::atomic::AtomicU64,
}

impl FutexTable {
    /// Sleeps while `*word == val`, until woken with a matching bitset, `deadline`,
    /// or an interrupt. Returns `EAGAIN` if the value differs, `ETIMEDOUT`, `EINTR`.
    pub fn wait(
        &self,
        task: &Arc<Task>,
        key: u64,
        word: &AtomicU32,
        val: u32,
        bitset: u32,
        deadline: Option<Instant>,
    ) -> Result<(), Errno> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        {
            let mut queues = self.queues.lock();
            // Checked under the queue lock: a waker changes the word and then takes
            // this lock, so it cannot slip between the check and the enqueue.
            if word.load(Ordering::SeqCst) != val {
                return Err(Errno::EAGAIN);
            }
            task.prepare_block();
            queues.entry(key).or_default().push(Waiter {
                task: task.clone(),
                bitset,
                id,
            });
        }
        let result = task.block(deadline);
        // Remove our entry unless a waker already did (then we were woken).
        let mut queues = self.queues.lock();
        let still_queued = queues.get_mut(&key).is_some_and(|q| {
            let before = q.len();
            q.retain(|w| w.id != id);
            before != q.len()
        });
        if queues.get(&key).is_some_and(|q| q.is_empty()) {
            queues.remove(&key);
        }
        if !still_queued {
            return Ok(());
        }
        match result {
            BlockResult::Woken => Ok(()),
            BlockResult::TimedOut => Err(Errno::ETIMEDOUT),
            BlockResult::Interrupted => Err(Errno::EINTR),
        }
    }

    /// Wakes up to `n` waiters on `key` whose bitset intersects `bitset`; returns how
    /// many were woken.
    pub fn wake(&self, key: u64, n: u32, bitset: u32) -> u32 {
        let mut queues = self.queues.lock();
        let Some(q) = queues.get_mut(&key) else {
            return 0;
        };
        let mut woken = 0;
        q.retain(|w| {
            if woken < n && w.bitset & bitset != 0 {
                w.task.wake();
                woken += 1;
                false
            } else {
                true
            }
        });
        if q.is_empty() {
            queues.remove(&key);
        }
        woken
    }

    /// Moves up to `n_requeue` waiters from `from` to `to` after waking `n_wake`;
    /// returns woken + moved.
    pub fn requeue(&self, from: u64, to: u64, n_wake: u32, n_requeue: u32) -> u32 {
        let woken = self.wake(from, n_wake, u32::MAX);
        let mut queues = self.queues.lock();
        let Some(mut q) = queues.remove(&from) else {
            return woken;
        };
        let k = (n_requeue as usize).min(q.len());
        let moved: Vec<Waiter> = q.drain(..k).collect();
        if !q.is_empty() {
            queues.insert(from, q);
        }
        let count = moved.len() as u32;
        queues.entry(to).or_default().extend(moved);
        woken + count
    }
}
