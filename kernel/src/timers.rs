//! Interval timers: `alarm`/`setitimer` (`ITIMER_REAL`, `ITIMER_VIRTUAL`,
//! `ITIMER_PROF`) and POSIX timers (`timer_create`), on host clocks or on the sentry's
//! CPU-time clocks, delivering signals to a process or one of its threads.
//!
//! One host thread per sandbox, the timer service ([`TimerService`]), sleeps until the
//! earliest wall-clock expiry of any armed timer; while a CPU-time timer is armed it
//! also wakes every [`CPU_TIMER_TICK`] to read the CPU clocks, since CPU time advances
//! without any event (a CPU-bound guest makes no system call). The service holds timers
//! weakly: a timer lives in its process's [`ProcessTimers`], and ends with it.
//!
//! Overruns follow Linux: while a timer's signal is queued and not yet taken, further
//! expiries only count overruns; taking the signal ([`crate::signal::dequeue`]) reports
//! them in `si_overrun` and makes them what `timer_getoverrun` returns.
//!
//! Locks: [`TimerService`]'s list, then a timer's state; both are leaves with respect
//! to everything else except that a timer's state is held while it sends its signal
//! (the thread group's and task's signal locks come after it).

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::cputime::CpuClockKind;
use crate::signal::{SigInfo, SI_KERNEL};
use crate::task::Task;
use crate::thread_group::ThreadGroup;

/// How often the service reads the CPU clocks while a CPU-time timer is armed (Linux
/// checks CPU timers at each scheduler tick, 4 ms at `HZ=250`).
pub const CPU_TIMER_TICK: Duration = Duration::from_millis(4);

/// How far ahead a deadline that would overflow `Instant` is put instead (about 31
/// years: for a guest, never).
const FAR_FUTURE: Duration = Duration::from_secs(1 << 30);

/// The instant `d` from now, for a guest-given `d` of any size: a delay too long for
/// `Instant` becomes [`FAR_FUTURE`] instead of a sentry panic.
pub fn deadline_after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d).unwrap_or(now + FAR_FUTURE)
}

/// `si_code` of a POSIX timer's signal.
pub const SI_TIMER: i32 = -2;

/// The clock a timer runs on.
#[derive(Clone)]
pub enum TimerClock {
    /// A wall clock (realtime, monotonic, boottime, TAI; the clock id for absolute
    /// times): expiries are instants.
    Wall(i32),
    /// A thread's CPU time.
    ThreadCpu(Weak<Task>, CpuClockKind),
    /// A process's CPU time.
    ProcessCpu(Weak<ThreadGroup>, CpuClockKind),
}

impl TimerClock {
    /// What a CPU-time clock reads now; `None` for a wall clock or a clock whose
    /// thread or process is gone.
    fn cpu_now(&self) -> Option<Duration> {
        match self {
            TimerClock::Wall(_) => None,
            TimerClock::ThreadCpu(t, kind) => Some(t.upgrade()?.clock.sample().read(*kind)),
            TimerClock::ProcessCpu(tg, kind) => Some(tg.upgrade()?.self_times().read(*kind)),
        }
    }
}

/// Whom a timer's expiry notifies.
#[derive(Clone)]
pub enum TimerTarget {
    /// Nobody (`SIGEV_NONE`): the timer is only read with `timer_gettime`.
    None,
    /// A process-directed signal.
    Process(Weak<ThreadGroup>),
    /// A signal to one thread (`SIGEV_THREAD_ID`).
    Thread(Weak<Task>),
    /// No signal: the expiries are counted by a sink (a timerfd).
    Sink(Weak<dyn TimerSink>),
}

/// What counts a signal-less timer's expiries (a timerfd).
///
/// Called with the timer's state lock held: an implementation takes only its own
/// leaf lock (and wakes waiters), never a timer's.
pub trait TimerSink: Send + Sync {
    /// The timer expired `count` times (more than once when the service ran late).
    fn expired(&self, count: u64);
}

/// When an armed timer expires next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expiry {
    /// At this instant (wall clocks).
    At(Instant),
    /// When the CPU clock reads this.
    Cpu(Duration),
}

struct TimerState {
    /// The next expiry, if armed.
    next: Option<Expiry>,
    /// Reload interval; zero for a one-shot timer.
    interval: Duration,
    /// Whether the last signal sent is still queued (not yet taken by the guest).
    queued: bool,
    /// Expiries since the queued signal was sent.
    overrun_pending: u64,
    /// The overrun reported with the last signal taken (`timer_getoverrun`).
    overrun_last: u64,
}

/// One timer. Arm it with [`TimerService::arm`].
pub struct IntervalTimer {
    clock: TimerClock,
    target: TimerTarget,
    signo: u32,
    /// `si_code`: `SI_TIMER` for POSIX timers, `SI_KERNEL` for itimers.
    code: i32,
    /// The timer id (`si_timerid`) of a POSIX timer; 0 for an itimer.
    id: i32,
    /// `sigev_value`, delivered in `si_value`.
    value: u64,
    state: Mutex<TimerState>,
}

/// An armed timer's setting as `timer_gettime`/`getitimer` report it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimerSetting {
    /// Time to the next expiry; zero when disarmed.
    pub value: Duration,
    /// Reload interval.
    pub interval: Duration,
}

impl IntervalTimer {
    /// A disarmed timer on `clock` that sends `signo` (with `code`, `id` and `value`
    /// in its `siginfo`) to `target`.
    pub fn new(
        clock: TimerClock,
        target: TimerTarget,
        signo: u32,
        code: i32,
        id: i32,
        value: u64,
    ) -> Arc<IntervalTimer> {
        Arc::new(IntervalTimer {
            clock,
            target,
            signo,
            code,
            id,
            value,
            state: Mutex::new(TimerState {
                next: None,
                interval: Duration::ZERO,
                queued: false,
                overrun_pending: 0,
                overrun_last: 0,
            }),
        })
    }

    /// An itimer of a process: `SIGALRM`, `SIGVTALRM` or `SIGPROF` with `SI_KERNEL`.
    pub fn itimer(clock: TimerClock, tg: &Arc<ThreadGroup>, signo: u32) -> Arc<IntervalTimer> {
        Self::new(
            clock,
            TimerTarget::Process(Arc::downgrade(tg)),
            signo,
            SI_KERNEL,
            0,
            0,
        )
    }

    /// The clock id of a wall-clock timer; `None` for a CPU-time timer.
    pub fn wall_clock(&self) -> Option<i32> {
        match self.clock {
            TimerClock::Wall(id) => Some(id),
            _ => None,
        }
    }

    /// The current setting.
    pub fn setting(&self) -> TimerSetting {
        let st = self.state.lock();
        TimerSetting {
            value: st.next.map_or(Duration::ZERO, |e| self.remaining(e)),
            interval: st.interval,
        }
    }

    /// Time from now to `e`; at least 1 ns while armed (Linux never reports an armed
    /// timer as zero, which would read as disarmed).
    fn remaining(&self, e: Expiry) -> Duration {
        let left = match e {
            Expiry::At(at) => at.saturating_duration_since(Instant::now()),
            Expiry::Cpu(at) => at.saturating_sub(self.clock.cpu_now().unwrap_or(at)),
        };
        left.max(Duration::from_nanos(1))
    }

    /// The overrun count of the last signal taken, as `timer_getoverrun` reports it.
    pub fn overrun(&self) -> u64 {
        self.state.lock().overrun_last
    }

    /// The guest took this timer's signal: returns the overrun to report in it.
    pub fn signal_taken(&self) -> u64 {
        let mut st = self.state.lock();
        st.queued = false;
        st.overrun_last = std::mem::take(&mut st.overrun_pending);
        st.overrun_last
    }

    /// Fires the timer if it is due at `now` (and the CPU clock reads `cpu`); returns
    /// its next wall-clock expiry and whether it is a CPU-time timer still armed.
    fn poll(&self, now: Instant) -> (Option<Instant>, bool) {
        let mut st = self.state.lock();
        let Some(next) = st.next else {
            return (None, false);
        };
        let due = match next {
            Expiry::At(at) => now >= at,
            Expiry::Cpu(at) => match self.clock.cpu_now() {
                Some(cpu) => cpu >= at,
                None => {
                    // Its thread or process is gone: the timer can never fire.
                    st.next = None;
                    return (None, false);
                }
            },
        };
        if due {
            // Expiries missed since `next` (the service ran late, or a short period)
            // count as overruns, as hrtimer_forward does.
            let missed = if st.interval.is_zero() {
                0
            } else {
                let late = match next {
                    Expiry::At(at) => now.saturating_duration_since(at),
                    Expiry::Cpu(at) => self.clock.cpu_now().unwrap_or(at).saturating_sub(at),
                };
                (late.as_nanos() / st.interval.as_nanos()) as u64
            };
            st.next = if st.interval.is_zero() {
                None
            } else {
                let periods = u32::try_from(missed.saturating_add(1)).unwrap_or(u32::MAX);
                let step = st.interval.checked_mul(periods).unwrap_or(FAR_FUTURE);
                Some(match next {
                    Expiry::At(at) => Expiry::At(at.checked_add(step).unwrap_or(at + FAR_FUTURE)),
                    Expiry::Cpu(at) => Expiry::Cpu(at.saturating_add(step)),
                })
            };
            self.expire(&mut st, missed);
        }
        match st.next {
            Some(Expiry::At(at)) => (Some(at), false),
            Some(Expiry::Cpu(_)) => (None, true),
            None => (None, false),
        }
    }

    /// One expiry (plus `missed` ones): sends the signal, or counts overruns while the
    /// last one is still queued.
    fn expire(&self, st: &mut TimerState, missed: u64) {
        let info = SigInfo {
            signo: self.signo,
            code: self.code,
            pid: self.id,
            uid: 0,
            addr: 0,
            value: self.value,
            errno: 0,
        };
        let sent = match &self.target {
            TimerTarget::None => return,
            TimerTarget::Sink(sink) => {
                if let Some(sink) = sink.upgrade() {
                    sink.expired(1 + missed);
                }
                return;
            }
            _ if st.queued => {
                st.overrun_pending += 1 + missed;
                return;
            }
            TimerTarget::Process(tg) => tg.upgrade().is_some_and(|tg| tg.send_signal(info)),
            TimerTarget::Thread(t) => t
                .upgrade()
                .is_some_and(|t| crate::signal::send_to_task(&t, info)),
        };
        // Only a POSIX timer tracks its queued signal; an itimer's merges as any
        // standard signal does.
        if sent && self.code == SI_TIMER {
            st.queued = true;
            st.overrun_pending = missed;
        }
    }
}

/// The timers of one process: its three itimers (made on first use) and its POSIX
/// timers by id. Not inherited by `fork`; `execve` keeps the itimers and deletes the
/// POSIX timers.
#[derive(Default)]
pub struct ProcessTimers {
    /// `ITIMER_REAL`, `ITIMER_VIRTUAL`, `ITIMER_PROF`.
    pub itimers: [Option<Arc<IntervalTimer>>; 3],
    /// POSIX timers by id.
    pub posix: BTreeMap<i32, Arc<IntervalTimer>>,
}

impl ProcessTimers {
    /// The lowest free POSIX timer id.
    pub fn free_id(&self) -> i32 {
        (0..).find(|id| !self.posix.contains_key(id)).unwrap_or(0)
    }
}

/// The sandbox's timer service: the armed timers and the thread that fires them.
#[derive(Default)]
pub struct TimerService {
    armed: Mutex<ServiceState>,
    cv: Condvar,
}

#[derive(Default)]
struct ServiceState {
    timers: Vec<Weak<IntervalTimer>>,
    started: bool,
    /// A timer was armed since the service last looked: look again before sleeping.
    changed: bool,
}

impl TimerService {
    /// Arms `timer` to expire after `value` (or at `value` on its clock if `absolute`;
    /// for a wall clock, `absolute` values are converted by the caller to a relative
    /// one), reloading every `interval`; a zero `value` disarms it. Returns the old
    /// setting.
    pub fn arm(
        self: &Arc<Self>,
        timer: &Arc<IntervalTimer>,
        value: Duration,
        interval: Duration,
        absolute: bool,
    ) -> TimerSetting {
        let old = timer.setting();
        {
            let mut st = timer.state.lock();
            st.interval = interval;
            st.next = if value.is_zero() {
                None
            } else {
                Some(match timer.clock.cpu_now() {
                    Some(cpu) if absolute => Expiry::Cpu(value.max(cpu)),
                    Some(cpu) => Expiry::Cpu(cpu.saturating_add(value)),
                    None => Expiry::At(deadline_after(value)),
                })
            };
            // A re-armed timer starts counting overruns afresh.
            st.overrun_pending = 0;
        }
        if !value.is_zero() {
            self.watch(timer);
        }
        old
    }

    /// Makes the service look at `timer` (and starts the service on first use).
    fn watch(self: &Arc<Self>, timer: &Arc<IntervalTimer>) {
        let mut st = self.armed.lock();
        st.timers.retain(|t| t.strong_count() > 0);
        if !st.timers.iter().any(|t| t.as_ptr() == Arc::as_ptr(timer)) {
            st.timers.push(Arc::downgrade(timer));
        }
        st.changed = true;
        if !st.started {
            st.started = true;
            let me = Arc::downgrade(self);
            let spawned = std::thread::Builder::new()
                .name("veil-timers".into())
                .spawn(move || run_service(me));
            if let Err(e) = spawned {
                tracing::error!("cannot start the timer thread: {e}");
                st.started = false;
            }
        }
        self.cv.notify_all();
    }
}

/// The timer thread: fires due timers, then sleeps until the next wall-clock expiry
/// (or a CPU tick while a CPU-time timer is armed). Ends with the kernel.
fn run_service(service: Weak<TimerService>) {
    loop {
        let Some(service) = service.upgrade() else {
            return;
        };
        let timers: Vec<Arc<IntervalTimer>> = {
            let mut st = service.armed.lock();
            st.changed = false;
            st.timers.iter().filter_map(Weak::upgrade).collect()
        };
        let now = Instant::now();
        let mut earliest: Option<Instant> = None;
        let mut cpu_armed = false;
        for t in &timers {
            let (next, cpu) = t.poll(now);
            cpu_armed |= cpu;
            if let Some(n) = next {
                earliest = Some(earliest.map_or(n, |e| e.min(n)));
            }
        }
        drop(timers);
        let mut st = service.armed.lock();
        // Disarmed timers leave the list; arming one puts it back (and notifies).
        st.timers.retain(timer_armed);
        if std::mem::take(&mut st.changed) {
            continue;
        }
        let mut wake = earliest;
        if cpu_armed {
            let tick = Instant::now() + CPU_TIMER_TICK;
            wake = Some(wake.map_or(tick, |w| w.min(tick)));
        }
        // Wake at least once a second, so that the thread notices the kernel is gone.
        let wake = wake.unwrap_or_else(|| Instant::now() + Duration::from_secs(1));
        service.cv.wait_until(&mut st, wake);
    }
}

/// Whether `t` is alive and armed. Takes the timer's state lock (under the list's).
fn timer_armed(t: &Weak<IntervalTimer>) -> bool {
    t.upgrade().is_some_and(|t| t.state.lock().next.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disarmed_timer_reads_zero_and_an_armed_one_counts_down() {
        let service = Arc::new(TimerService::default());
        let t = IntervalTimer::new(TimerClock::Wall(1), TimerTarget::None, 14, SI_TIMER, 0, 0);
        assert_eq!(t.setting(), TimerSetting::default());
        let old = service.arm(&t, Duration::from_secs(100), Duration::from_secs(1), false);
        assert_eq!(old, TimerSetting::default());
        let s = t.setting();
        assert!(s.value <= Duration::from_secs(100) && s.value > Duration::from_secs(90));
        assert_eq!(s.interval, Duration::from_secs(1));
        service.arm(&t, Duration::ZERO, Duration::ZERO, false);
        assert_eq!(t.setting(), TimerSetting::default());
    }

    #[test]
    fn a_due_periodic_timer_reloads_and_counts_missed_periods_as_overruns() {
        let t = IntervalTimer::new(TimerClock::Wall(1), TimerTarget::None, 14, SI_TIMER, 0, 0);
        let start = Instant::now();
        {
            let mut st = t.state.lock();
            st.next = Some(Expiry::At(start));
            st.interval = Duration::from_millis(10);
        }
        // 35 ms late: three periods missed; the next expiry is the first one ahead.
        let (next, cpu) = t.poll(start + Duration::from_millis(35));
        assert!(!cpu);
        assert_eq!(next, Some(start + Duration::from_millis(40)));
    }

    #[test]
    fn overruns_accumulate_while_the_signal_is_queued() {
        let t = IntervalTimer::new(
            TimerClock::Wall(1),
            TimerTarget::Process(Weak::new()),
            14,
            SI_TIMER,
            3,
            0,
        );
        let mut st = t.state.lock();
        st.queued = true;
        t.expire(&mut st, 0);
        t.expire(&mut st, 2);
        assert_eq!(st.overrun_pending, 4);
        drop(st);
        assert_eq!(t.signal_taken(), 4);
        assert_eq!(t.overrun(), 4);
        assert!(!t.state.lock().queued);
    }
}
