//! The bound on the memory a sandbox's sockets may hold in the sentry: every TCP
//! connection reserves room for its two data paths out of it, and every queued UDP
//! datagram takes its bytes from it until it is read. When it runs out, a new
//! connection gets less room (down to a floor), then `ENOBUFS`; a datagram is dropped,
//! as UDP drops under memory pressure.

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
        self.take_share(want, least, 1)
    }

    /// As [`BufferBudget::reserve`], but never more than a `1/parts` share of what is
    /// left (if that is more than `least`), so that many holders fit as it runs low.
    pub fn share(&self, want: usize, least: usize, parts: usize) -> Option<usize> {
        self.take_share(want, least, parts.max(1))
    }

    fn take_share(&self, want: usize, least: usize, parts: usize) -> Option<usize> {
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            let left = self.limit.saturating_sub(used);
            let take = want.min((left / parts).max(least)).min(left);
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

    #[test]
    fn shares_get_smaller_as_the_budget_runs_low() {
        let b = BufferBudget::new(1000);
        assert_eq!(b.share(500, 10, 4), Some(250));
        assert_eq!(b.share(500, 10, 4), Some(187));
        let mut n = 2;
        while b.share(500, 10, 4).is_some() {
            n += 1;
        }
        assert!(n > 10, "{n} shares");
        assert!(b.used() <= 1000);
    }
}
