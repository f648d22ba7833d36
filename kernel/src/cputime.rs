//! CPU time accounting: how long each task ran guest code ("user" time) and sentry
//! code on its behalf ("system" time), as gVisor's sentry does it.
//!
//! A task's guest code runs on a host stub thread and its system calls on the sentry
//! thread that serves it, so neither host CPU clock alone is the guest's. Instead the
//! run loop marks each change of state with a monotonic timestamp: entering guest code
//! ([`TaskClock::enter_user`]), coming back to the sentry ([`TaskClock::enter_sys`]),
//! and blocking ([`TaskClock::enter_blocked`]). Time in the user state is user time,
//! time in the sys state is system time, blocked time is neither. A CPU-bound guest
//! that makes no system call keeps accruing user time, which another thread can read
//! at any moment ([`TaskClock::sample`]): CPU-time timers rely on that.
//!
//! Cost: one uncontended lock and one `Instant::now` (vDSO) per change, a few tens of
//! nanoseconds against a trap of several microseconds.

use std::ops::AddAssign;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// User and system time, and the counters `getrusage` reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTimes {
    /// Time in guest code.
    pub user: Duration,
    /// Time in the sentry on the guest's behalf.
    pub sys: Duration,
    /// Voluntary context switches (`ru_nvcsw`): waits that blocked.
    pub voluntary_switches: u64,
    /// Page faults the sentry resolved (`ru_minflt`).
    pub minor_faults: u64,
    /// Peak resident memory in bytes (`ru_maxrss`, kept as a maximum, not a sum).
    pub max_rss: u64,
}

impl CpuTimes {
    /// User plus system time (Linux's "prof" time, `CLOCK_*_CPUTIME_ID`).
    pub fn total(&self) -> Duration {
        self.user + self.sys
    }
}

impl AddAssign for CpuTimes {
    fn add_assign(&mut self, o: CpuTimes) {
        self.user += o.user;
        self.sys += o.sys;
        self.voluntary_switches += o.voluntary_switches;
        self.minor_faults += o.minor_faults;
        self.max_rss = self.max_rss.max(o.max_rss);
    }
}

/// What a task is doing, for the accounting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Running guest code.
    User,
    /// Running sentry code for the guest.
    Sys,
    /// Waiting (not on a CPU).
    Blocked,
}

struct ClockState {
    state: State,
    since: Instant,
    times: CpuTimes,
}

/// One task's CPU time. Only the task's own sentry thread changes the state; any
/// thread may sample it. The lock is a leaf.
pub struct TaskClock {
    inner: Mutex<ClockState>,
}

impl Default for TaskClock {
    fn default() -> Self {
        TaskClock {
            inner: Mutex::new(ClockState {
                state: State::Sys,
                since: Instant::now(),
                times: CpuTimes::default(),
            }),
        }
    }
}

impl TaskClock {
    fn change(&self, to: State) {
        let now = Instant::now();
        let mut st = self.inner.lock();
        let spent = now.saturating_duration_since(st.since);
        match st.state {
            State::User => st.times.user += spent,
            State::Sys => st.times.sys += spent,
            State::Blocked => {}
        }
        if to == State::Blocked && st.state != State::Blocked {
            st.times.voluntary_switches += 1;
        }
        st.state = to;
        st.since = now;
    }

    /// The task is about to run guest code.
    pub fn enter_user(&self) {
        self.change(State::User);
    }

    /// The task is back in the sentry (a trap, or the end of a wait).
    pub fn enter_sys(&self) {
        self.change(State::Sys);
    }

    /// The task starts waiting.
    pub fn enter_blocked(&self) {
        self.change(State::Blocked);
    }

    /// Counts a page fault the sentry resolved.
    pub fn count_fault(&self) {
        self.inner.lock().times.minor_faults += 1;
    }

    /// The times so far, including the state the task is in now.
    pub fn sample(&self) -> CpuTimes {
        let st = self.inner.lock();
        let mut t = st.times;
        let spent = Instant::now().saturating_duration_since(st.since);
        match st.state {
            State::User => t.user += spent,
            State::Sys => t.sys += spent,
            State::Blocked => {}
        }
        t
    }
}

/// Which time a CPU-time clock reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuClockKind {
    /// User plus system time (Linux's `CPUCLOCK_PROF`, and `CPUCLOCK_SCHED`, which the
    /// sentry cannot tell from it).
    Total,
    /// User time only (`CPUCLOCK_VIRT`).
    User,
}

impl CpuTimes {
    /// What a clock of `kind` reads from these times.
    pub fn read(&self, kind: CpuClockKind) -> Duration {
        match kind {
            CpuClockKind::Total => self.total(),
            CpuClockKind::User => self.user,
        }
    }
}

/// Clock ticks per second of `times` and `/proc/<pid>/stat` (`sysconf(_SC_CLK_TCK)`).
pub const CLOCK_TICKS_PER_SEC: u64 = 100;

/// `d` in clock ticks.
pub fn ticks(d: Duration) -> u64 {
    d.as_nanos() as u64 / (1_000_000_000 / CLOCK_TICKS_PER_SEC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_and_sys_time_accrue_in_their_states_and_blocked_time_in_neither() {
        let start = Instant::now();
        let c = TaskClock::default();
        c.enter_user();
        std::thread::sleep(Duration::from_millis(20));
        c.enter_blocked();
        std::thread::sleep(Duration::from_millis(20));
        c.enter_sys();
        let t = c.sample();
        let elapsed = start.elapsed();
        assert!(t.user >= Duration::from_millis(20), "{t:?}");
        // At least the 20 ms blocked are in neither.
        assert!(
            t.total() + Duration::from_millis(20) <= elapsed,
            "{t:?} of {elapsed:?}"
        );
        assert_eq!(t.voluntary_switches, 1);
    }

    #[test]
    fn a_running_state_is_sampled_without_a_change() {
        let c = TaskClock::default();
        c.enter_user();
        std::thread::sleep(Duration::from_millis(10));
        assert!(c.sample().user >= Duration::from_millis(10));
    }

    #[test]
    fn sums_add_counts_and_keep_the_largest_rss() {
        let mut a = CpuTimes {
            user: Duration::from_secs(1),
            max_rss: 10,
            minor_faults: 2,
            ..CpuTimes::default()
        };
        a += CpuTimes {
            user: Duration::from_secs(2),
            max_rss: 5,
            minor_faults: 3,
            ..CpuTimes::default()
        };
        assert_eq!(a.user, Duration::from_secs(3));
        assert_eq!(a.max_rss, 10);
        assert_eq!(a.minor_faults, 5);
        assert_eq!(ticks(Duration::from_millis(250)), 25);
    }
}
