//! A task's scheduling settings: its nice value, scheduling policy and priority, and
//! its personality. The sentry does not schedule guest threads itself (the host does),
//! so these are recorded and reported as Linux would, and inherited by children.

/// The CPUs the sandbox offers, recorded by [`record_sandbox_cpus`].
static SANDBOX_CPUS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// Records how many CPUs the sandbox offers: those the sentry may run on when it
/// starts. Called by `Kernel::new` on the sentry's main thread, before any thread is
/// pinned to one CPU (a pinned thread's own affinity would say 1).
pub fn record_sandbox_cpus() {
    let _ = SANDBOX_CPUS.set(std::thread::available_parallelism().map_or(1, |n| n.get()));
}

/// The number of CPUs the sandbox offers (`sched_getaffinity`, `/proc/cpuinfo`,
/// `/sys/devices/system/cpu/online`): CPUs `0..n`.
pub fn sandbox_cpus() -> usize {
    *SANDBOX_CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `SCHED_OTHER`.
pub const SCHED_OTHER: i32 = 0;
/// `SCHED_FIFO`.
pub const SCHED_FIFO: i32 = 1;
/// `SCHED_RR`.
pub const SCHED_RR: i32 = 2;
/// `SCHED_BATCH`.
pub const SCHED_BATCH: i32 = 3;
/// `SCHED_IDLE`.
pub const SCHED_IDLE: i32 = 5;
/// `SCHED_DEADLINE` (not offered).
pub const SCHED_DEADLINE: i32 = 6;
/// Flag of `sched_setscheduler`: children go back to `SCHED_OTHER` and nice 0 or above.
pub const SCHED_RESET_ON_FORK: i32 = 0x4000_0000;

/// Scheduling settings of one task (`Task::sched`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SchedSettings {
    /// Nice value, -20..=19.
    pub nice: i32,
    /// Policy (`SCHED_*`).
    pub policy: i32,
    /// Real-time priority (1..=99 for `SCHED_FIFO`/`SCHED_RR`, else 0).
    pub priority: i32,
    /// `SCHED_RESET_ON_FORK`.
    pub reset_on_fork: bool,
    /// `personality(2)` value.
    pub personality: u32,
    /// I/O priority (`ioprio_set`): class in bits 13-15, data below; 0 is "none",
    /// which follows the CPU nice value.
    pub ioprio: u16,
    /// CPU affinity (`sched_setaffinity`) as a bit mask of the first 64 CPUs; 0 is
    /// every CPU the sandbox offers. Reported, inherited and kept; the host places
    /// the stub threads itself.
    pub affinity: u64,
}

impl SchedSettings {
    /// The affinity mask: the one set, else every CPU the sandbox offers.
    pub fn affinity_mask(&self) -> u64 {
        if self.affinity != 0 {
            return self.affinity;
        }
        all_cpus_mask()
    }
}

/// Every CPU the sandbox offers, as a mask of the first 64.
pub fn all_cpus_mask() -> u64 {
    match sandbox_cpus() {
        n if n >= 64 => u64::MAX,
        n => (1u64 << n) - 1,
    }
}

impl SchedSettings {
    /// What a child created by `fork`/`clone` starts with: the same, unless
    /// `SCHED_RESET_ON_FORK` asks for a normal policy and a nice value of at least 0.
    pub fn for_child(&self) -> SchedSettings {
        if !self.reset_on_fork {
            return *self;
        }
        SchedSettings {
            nice: self.nice.max(0),
            policy: if matches!(self.policy, SCHED_FIFO | SCHED_RR) {
                SCHED_OTHER
            } else {
                self.policy
            },
            priority: 0,
            reset_on_fork: false,
            personality: self.personality,
            ioprio: self.ioprio,
            affinity: self.affinity,
        }
    }
}

/// The priority range of `policy`: `(min, max)`, or `None` for an unknown policy.
pub fn priority_range(policy: i32) -> Option<(i32, i32)> {
    match policy {
        SCHED_FIFO | SCHED_RR => Some((1, 99)),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE | SCHED_DEADLINE => Some((0, 0)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_on_fork_gives_children_a_normal_policy_and_no_negative_nice() {
        let s = SchedSettings {
            nice: -5,
            policy: SCHED_FIFO,
            priority: 10,
            reset_on_fork: true,
            personality: 0x0040000,
            ioprio: 0x4003,
            affinity: 0b10,
        };
        let c = s.for_child();
        assert_eq!(
            (c.nice, c.policy, c.priority, c.reset_on_fork),
            (0, SCHED_OTHER, 0, false)
        );
        // Neither the I/O priority nor the affinity is reset.
        assert_eq!((c.ioprio, c.affinity), (0x4003, 0b10));
        assert_eq!(c.personality, 0x0040000);
        let plain = SchedSettings {
            nice: 3,
            ..SchedSettings::default()
        };
        assert_eq!(plain.for_child(), plain);
    }
}
