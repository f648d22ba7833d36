//! The bound on the memory a sandbox's sockets may hold in the sentry: the bytes
//! queued on every TCP data path and every queued UDP datagram are taken from it until
//! they are read. When it runs out, a writer finds no room (and waits) and a datagram
//! is dropped, as UDP drops under memory pressure.

use std::sync::atomic::{AtomicUsize, Ordering};

/// What a sandbox's sockets may hold when its memory is not limited.
pub const DEFAULT_LIMIT: usize = 1 << 30;

/// Bytes of socket buffers, taken and given back.
#[derive(Debug)]
pub struct BufferBudget {
    limit: usize,
    used: AtomicUsize,
}

impl Default for BufferBudget {
    fn default() -> Self {
        BufferBudget::new(DEFAULT_LIMIT)
    }
}

impl BufferBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> BufferBudget {
        BufferBudget {
            limit,
            used: AtomicUsize::new(0),
        }
    }

    /// Takes up to `want` bytes, but not less than `least`: what it took, or `None`
    /// when not even `least` is left.
    pub fn reserve(&self, want: usize, least: usize) -> Option<usize> {
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            let take = want.min(self.limit.saturating_sub(used));
            if take < least {
                return None;
            }
            match self.used.compare_exchange_weak(
                used,
                used + take,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(take),
                Err(now) => used = now,
            }
        }
    }

    /// Takes exactly `n` bytes if they are left.
    pub fn take(&self, n: usize) -> bool {
        self.reserve(n, n).is_some()
    }

    /// Gives back `n` bytes taken before.
    pub fn release(&self, n: usize) {
        self.used.fetch_sub(n, Ordering::AcqRel);
    }

    /// Bytes taken now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_shrink_to_the_floor_then_fail() {
        let b = BufferBudget::new(100);
        assert_eq!(b.reserve(60, 10), Some(60));
        assert_eq!(b.reserve(60, 10), Some(40));
        assert_eq!(b.reserve(60, 10), None);
        b.release(40);
        assert!(b.take(40));
        assert!(!b.take(1));
        assert_eq!(b.used(), 100);
    }
}
