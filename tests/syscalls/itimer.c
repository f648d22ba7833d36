/* Interval timers and POSIX timers: alarm, setitimer, getitimer (ITIMER_REAL,
 * ITIMER_VIRTUAL, ITIMER_PROF), timer_create, timer_settime, timer_gettime,
 * timer_getoverrun, timer_delete; the signals they send and their siginfo, and what a
 * fork child inherits. Everything goes through syscall(): the kernel's timer_t is an
 * int, and glibc's timer_create wraps ids (and makes threads for SIGEV_THREAD). */
#include "harness.h"

#include <pthread.h>
#include <sys/time.h>
#include <time.h>

/* The kernel's struct sigevent (64 bytes); glibc 2.36 names no sigev_notify_thread_id. */
struct ksigevent {
    union sigval value;
    int signo;
    int notify;
    int tid; /* SIGEV_THREAD_ID's thread */
    int pad[11];
};

#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif

static long long ns_of(const struct timespec *t) { return t->tv_sec * 1000000000LL + t->tv_nsec; }
static long long us_of(const struct timeval *t) { return t->tv_sec * 1000000LL + t->tv_usec; }

static long long clock_ns(clockid_t c) {
    struct timespec t;
    CHECK_OK(syscall(SYS_clock_gettime, c, &t));
    return ns_of(&t);
}

static long long mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static long sys_alarm(unsigned s) { return syscall(SYS_alarm, s); }
static long sys_setitimer(int which, const struct itimerval *v, struct itimerval *old) {
    return syscall(SYS_setitimer, which, v, old);
}
static long sys_getitimer(int which, struct itimerval *v) {
    return syscall(SYS_getitimer, which, v);
}
static long sys_timer_create(clockid_t c, struct ksigevent *sev, int *id) {
    return syscall(SYS_timer_create, c, sev, id);
}
static long sys_timer_settime(int id, int flags, const struct itimerspec *v,
                              struct itimerspec *old) {
    return syscall(SYS_timer_settime, id, flags, v, old);
}
static long sys_timer_gettime(int id, struct itimerspec *v) {
    return syscall(SYS_timer_gettime, id, v);
}
static long sys_timer_getoverrun(int id) { return syscall(SYS_timer_getoverrun, id); }
static long sys_timer_delete(int id) { return syscall(SYS_timer_delete, id); }

/* What the last signal's handler saw. */
static volatile sig_atomic_t hits;
static volatile int seen_sig, seen_code, seen_value, seen_timerid, seen_tid;

static void on_info(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    hits++;
    seen_sig = sig;
    seen_code = si->si_code;
    seen_value = si->si_value.sival_int;
    seen_timerid = si->si_timerid;
    seen_tid = gettid();
}

/* `sig` runs on_info (no SA_RESTART); resets the record. */
static void handle(int sig) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_info;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(sig, &sa, 0));
    hits = 0;
    seen_sig = seen_code = seen_value = seen_timerid = seen_tid = 0;
}

static void block(int sig) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    CHECK_OK(sigprocmask(SIG_BLOCK, &s, 0));
}

/* Sleeps until `n` signals were handled or 5 s went by. */
static void wait_for_hits(int n) {
    long long start = mono_ns();
    while (hits < n && mono_ns() - start < 5000000000LL)
        sleep_ms(1);
}

/* Burns user CPU until `n` signals were handled or 5 s of wall time went by. */
static void spin_for_hits(int n) {
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start); /* the vDSO: no system call, no kernel time */
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 100000; i++)
            x += i;
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (hits < n && ns_of(&now) - ns_of(&start) < 5000000000LL);
}

static struct itimerval itv(long value_us, long interval_us) {
    struct itimerval v = {{interval_us / 1000000, interval_us % 1000000},
                          {value_us / 1000000, value_us % 1000000}};
    return v;
}

static struct itimerspec its(long long value_ns, long long interval_ns) {
    struct itimerspec v = {{interval_ns / 1000000000, interval_ns % 1000000000},
                           {value_ns / 1000000000, value_ns % 1000000000}};
    return v;
}

/* A POSIX timer on clock `c` that sends `sig` with sival_int `value`. */
static int signal_timer(clockid_t c, int sig, int value) {
    struct ksigevent sev = {0};
    sev.notify = SIGEV_SIGNAL;
    sev.signo = sig;
    sev.value.sival_int = value;
    int id = -1;
    CHECK_OK(sys_timer_create(c, &sev, &id));
    CHECK(id >= 0);
    return id;
}

static void arm(int id, long long value_ns, long long interval_ns) {
    struct itimerspec v = its(value_ns, interval_ns);
    CHECK_OK(sys_timer_settime(id, 0, &v, 0));
}

#define MS 1000000LL

/* ---- alarm ---- */

TEST(alarm, returns_the_seconds_left_of_the_previous_alarm) {
    CHECK_EQ(sys_alarm(10), 0);
    /* 9.99… s left round to 10. */
    CHECK_EQ(sys_alarm(5), 10);
    CHECK_EQ(sys_alarm(0), 5);
    CHECK_EQ(sys_alarm(0), 0);
}

TEST(alarm, zero_cancels_the_alarm) {
    CHECK_EQ(sys_alarm(3), 0);
    CHECK_EQ(sys_alarm(0), 3);
    struct itimerval v = itv(1, 1);
    CHECK_OK(sys_getitimer(ITIMER_REAL, &v));
    CHECK_EQ(us_of(&v.it_value), 0);
    CHECK_EQ(us_of(&v.it_interval), 0);
}

TEST(alarm, delivers_sigalrm_after_the_seconds) {
    handle(SIGALRM);
    long long start = mono_ns();
    CHECK_EQ(sys_alarm(1), 0);
    wait_for_hits(1);
    long long ms = (mono_ns() - start) / MS;
    CHECK_EQ(hits, 1);
    CHECK_EQ(seen_sig, SIGALRM);
    CHECK_EQ(seen_code, SI_KERNEL);
    CHECK_MSG(ms >= 990, "fired after %lld ms", ms);
    /* One-shot: nothing is left. */
    CHECK_EQ(sys_alarm(0), 0);
}

TEST(alarm, default_action_kills_with_sigalrm) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sys_alarm(1);
        for (int i = 0; i < 50; i++)
            sleep_ms(100);
        _exit(0);
    }
    CHECK_EXIT(pid, 128 + SIGALRM);
}

TEST(alarm, shares_itimer_real_with_setitimer) {
    struct itimerval v = itv(5000000, 0), got;
    CHECK_OK(sys_setitimer(ITIMER_REAL, &v, 0));
    CHECK_EQ(sys_alarm(7), 5);
    CHECK_OK(sys_getitimer(ITIMER_REAL, &got));
    CHECK(us_of(&got.it_value) > 6000000 && us_of(&got.it_value) <= 7000000);
    /* Fractions: under a second left is 1 (not "no alarm"), a half or more rounds up. */
    v = itv(300000, 0);
    CHECK_OK(sys_setitimer(ITIMER_REAL, &v, 0));
    CHECK_EQ(sys_alarm(0), 1);
    v = itv(2800000, 0);
    CHECK_OK(sys_setitimer(ITIMER_REAL, &v, 0));
    CHECK_EQ(sys_alarm(0), 3);
    v = itv(2200000, 0);
    CHECK_OK(sys_setitimer(ITIMER_REAL, &v, 0));
    CHECK_EQ(sys_alarm(0), 2);
    CHECK_OK(sys_getitimer(ITIMER_REAL, &got));
    CHECK_EQ(us_of(&got.it_value), 0);
}

/* ---- setitimer, getitimer ---- */

TEST(getitimer, disarmed_timers_read_zero) {
    int which[] = {ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF};
    for (int i = 0; i < 3; i++) {
        struct itimerval v = itv(123, 456);
        CHECK_OK(sys_getitimer(which[i], &v));
        CHECK_EQ(us_of(&v.it_value), 0);
        CHECK_EQ(us_of(&v.it_interval), 0);
    }
}

TEST(getitimer, returns_the_time_left_and_the_interval) {
    struct itimerval v = itv(10000000, 2500000), got;
    CHECK_OK(sys_setitimer(ITIMER_REAL, &v, 0));
    CHECK_OK(sys_getitimer(ITIMER_REAL, &got));
    CHECK_MSG(us_of(&got.it_value) > 9000000 && us_of(&got.it_value) <= 10000000,
              "%lld us left", us_of(&got.it_value));
    CHECK_EQ(got.it_interval.tv_sec, 2);
    CHECK_EQ(got.it_interval.tv_usec, 500000);
    sleep_ms(50);
    struct itimerval later;
    CHECK_OK(sys_getitimer(ITIMER_REAL, &later));
    CHECK(us_of(&later.it_value) <= us_of(&got.it_value) - 40000);
}

TEST(getitimer, bad_which_is_einval_and_bad_pointer_efault) {
    struct itimerval v;
    CHECK_ERR(sys_getitimer(3, &v), EINVAL);
    CHECK_ERR(sys_getitimer(-1, &v), EINVAL);
    CHECK_ERR(sys_getitimer(ITIMER_REAL, BAD_PTR), EFAULT);
    CHECK_ERR(sys_getitimer(ITIMER_PROF, BAD_PTR), EFAULT);
}

TEST(setitimer, itimer_real_delivers_sigalrm) {
    handle(SIGALRM);
    long long start = mono_ns();
    struct itimerval v = itv(50000, 0);
    CHECK_OK(sys_setitimer(ITIMER_REAL, &v, 0));
    wait_for_hits(1);
    long long ms = (mono_ns() - start) / MS;
    CHECK_EQ(hits, 1);
    CHECK_EQ(seen_sig, SIGALRM);
    CHECK_EQ(seen_code, SI_KERNEL);
    CHECK_MSG(ms >= 49, "fired after %lld ms", ms);
    struct itimerval got;
    CHECK_OK(sys_getitimer(ITIMER_REAL, &got));
    CHECK_EQ(us_of(&got.it_value), 0);
}

TEST(setitimer, returns_the_old_value) {
    struct itimerval v = itv(10000000, 3000000), old = itv(1, 1);
    CHECK_OK(sys_setitimer(ITIMER_REAL, &v, &old));
    CHECK_EQ(us_of(&old.it_value), 0);
    CHECK_EQ(us_of(&old.it_interval), 0);
    v = itv(20000000, 0);
    CHECK_OK(sys_setitimer(ITIMER_REAL, &v, &old));
    CHECK_MSG(us_of(&old.it_value) > 9000000 && us_of(&old.it_value) <= 10000000,
              "%lld us left", us_of(&old.it_value));
    CHECK_EQ(old.it_interval.tv_sec, 3);
    CHECK_EQ(old.it_interval.tv_usec, 0);
}

TEST(setitimer, zero_value_disarms) {
    handle(SIGALRM);
    struct itimerval v = itv(30000, 30000), old;
    CHECK_OK(sys_setitimer(ITIMER_REAL, &v, 0));
    v = itv(0, 30000); /* an interval without a value does not arm it */
    CHECK_OK(sys_setitimer(ITIMER_REAL, &v, &old));
    CHECK(us_of(&old.it_value) > 0);
    sleep_ms(100);
    CHECK_EQ(hits, 0);
    CHECK_OK(sys_getitimer(ITIMER_REAL, &old));
    CHECK_EQ(us_of(&old.it_value), 0);
}

TEST(setitimer, interval_reloads_the_timer) {
    handle(SIGALRM);
    long long start = mono_ns();
    struct itimerval v = itv(20000, 20000);
    CHECK_OK(sys_setitimer(ITIMER_REAL, &v, 0));
    wait_for_hits(3);
    long long ms = (mono_ns() - start) / MS;
    v = itv(0, 0);
    CHECK_OK(sys_setitimer(ITIMER_REAL, &v, 0));
    CHECK_MSG(hits >= 3, "%d signals", (int)hits);
    CHECK_MSG(ms >= 59, "3 signals after %lld ms", ms);
}

TEST(setitimer, bad_which_is_einval) {
    struct itimerval v = itv(1000000, 0);
    CHECK_ERR(sys_setitimer(3, &v, 0), EINVAL);
    CHECK_ERR(sys_setitimer(-1, &v, 0), EINVAL);
    CHECK_ERR(sys_setitimer(100, &v, 0), EINVAL);
}

TEST(setitimer, bad_microseconds_are_einval) {
    struct itimerval v = {{0, 0}, {0, 1000000}}, got;
    CHECK_ERR(sys_setitimer(ITIMER_REAL, &v, 0), EINVAL);
    v = (struct itimerval){{0, 0}, {1, -1}};
    CHECK_ERR(sys_setitimer(ITIMER_REAL, &v, 0), EINVAL);
    v = (struct itimerval){{0, 1000000}, {1, 0}};
    CHECK_ERR(sys_setitimer(ITIMER_REAL, &v, 0), EINVAL);
    v = (struct itimerval){{0, 0}, {-1, 0}};
    CHECK_ERR(sys_setitimer(ITIMER_VIRTUAL, &v, 0), EINVAL);
    /* None of them armed anything. */
    CHECK_OK(sys_getitimer(ITIMER_REAL, &got));
    CHECK_EQ(us_of(&got.it_value), 0);
    v = (struct itimerval){{0, 999999}, {0, 999999}};
    CHECK_OK(sys_setitimer(ITIMER_REAL, &v, 0));
}

TEST(setitimer, bad_pointers_are_efault) {
    struct itimerval v = itv(10000000, 0), got;
    CHECK_ERR(sys_setitimer(ITIMER_REAL, BAD_PTR, 0), EFAULT);
    CHECK_OK(sys_getitimer(ITIMER_REAL, &got));
    CHECK_EQ(us_of(&got.it_value), 0);
    /* A bad old-value pointer fails only after the timer was set. */
    CHECK_ERR(sys_setitimer(ITIMER_REAL, &v, BAD_PTR), EFAULT);
    CHECK_OK(sys_getitimer(ITIMER_REAL, &got));
    CHECK(us_of(&got.it_value) > 9000000);
}

TEST(setitimer, itimer_virtual_fires_sigvtalrm_after_user_cpu) {
    handle(SIGVTALRM);
    long long cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    struct itimerval v = itv(50000, 0);
    CHECK_OK(sys_setitimer(ITIMER_VIRTUAL, &v, 0));
    spin_for_hits(1);
    long long cpu_ms = (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / MS;
    CHECK_EQ(hits, 1);
    CHECK_EQ(seen_sig, SIGVTALRM);
    CHECK_EQ(seen_code, SI_KERNEL);
    CHECK_MSG(cpu_ms >= 20, "fired after %lld ms of CPU", cpu_ms);
}

TEST(setitimer, itimer_prof_fires_sigprof_after_cpu) {
    handle(SIGPROF);
    long long cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    struct itimerval v = itv(50000, 0);
    CHECK_OK(sys_setitimer(ITIMER_PROF, &v, 0));
    spin_for_hits(1);
    long long cpu_ms = (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / MS;
    CHECK_EQ(hits, 1);
    CHECK_EQ(seen_sig, SIGPROF);
    CHECK_EQ(seen_code, SI_KERNEL);
    CHECK_MSG(cpu_ms >= 20, "fired after %lld ms of CPU", cpu_ms);
}

TEST(setitimer, cpu_itimers_do_not_run_while_sleeping) {
    handle(SIGVTALRM);
    handle(SIGPROF);
    struct itimerval v = itv(1000000, 0), got;
    CHECK_OK(sys_setitimer(ITIMER_VIRTUAL, &v, 0));
    CHECK_OK(sys_setitimer(ITIMER_PROF, &v, 0));
    sleep_ms(100);
    CHECK_OK(sys_getitimer(ITIMER_VIRTUAL, &got));
    CHECK_MSG(us_of(&got.it_value) > 900000, "virtual: %lld us left", us_of(&got.it_value));
    CHECK_OK(sys_getitimer(ITIMER_PROF, &got));
    CHECK_MSG(us_of(&got.it_value) > 900000, "prof: %lld us left", us_of(&got.it_value));
    CHECK_EQ(hits, 0);
}

TEST(clone, fork_child_does_not_inherit_itimers) {
    struct itimerval v = itv(10000000, 1000000), got;
    CHECK_OK(sys_setitimer(ITIMER_REAL, &v, 0));
    CHECK_OK(sys_setitimer(ITIMER_VIRTUAL, &v, 0));
    CHECK_OK(sys_setitimer(ITIMER_PROF, &v, 0));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        int which[] = {ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF};
        for (int i = 0; i < 3; i++) {
            struct itimerval c = itv(1, 1);
            if (sys_getitimer(which[i], &c) != 0)
                _exit(10 + i);
            if (us_of(&c.it_value) != 0 || us_of(&c.it_interval) != 0)
                _exit(20 + i);
        }
        if (sys_alarm(0) != 0)
            _exit(30);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
    CHECK_OK(sys_getitimer(ITIMER_REAL, &got));
    CHECK(us_of(&got.it_value) > 0);
}

/* ---- timer_create ---- */

TEST(timer_create, sigev_signal_delivers_si_timer_and_the_value) {
    handle(SIGUSR1);
    int id = signal_timer(CLOCK_MONOTONIC, SIGUSR1, 4242);
    long long start = mono_ns();
    arm(id, 20 * MS, 0);
    wait_for_hits(1);
    long long ms = (mono_ns() - start) / MS;
    CHECK_EQ(hits, 1);
    CHECK_EQ(seen_sig, SIGUSR1);
    CHECK_EQ(seen_code, SI_TIMER);
    CHECK_EQ(seen_value, 4242);
    CHECK_EQ(seen_timerid, id);
    CHECK_MSG(ms >= 19, "fired after %lld ms", ms);
}

TEST(timer_create, realtime_clock_timer_fires) {
    handle(SIGUSR2);
    int id = signal_timer(CLOCK_REALTIME, SIGUSR2, 7);
    arm(id, 20 * MS, 0);
    wait_for_hits(1);
    CHECK_EQ(hits, 1);
    CHECK_EQ(seen_code, SI_TIMER);
    CHECK_EQ(seen_value, 7);
}

TEST(timer_create, null_sigevent_is_sigalrm_with_the_id_as_value) {
    handle(SIGALRM);
    int id = -1;
    CHECK_OK(sys_timer_create(CLOCK_MONOTONIC, 0, &id));
    int other = -1;
    CHECK_OK(sys_timer_create(CLOCK_MONOTONIC, 0, &other));
    CHECK(other != id);
    arm(other, 10 * MS, 0);
    wait_for_hits(1);
    CHECK_EQ(hits, 1);
    CHECK_EQ(seen_sig, SIGALRM);
    CHECK_EQ(seen_code, SI_TIMER);
    CHECK_EQ(seen_value, other);
    CHECK_EQ(seen_timerid, other);
}

TEST(timer_create, ids_are_distinct) {
    int ids[8];
    for (int i = 0; i < 8; i++) {
        ids[i] = signal_timer(CLOCK_MONOTONIC, SIGUSR1, i);
        for (int j = 0; j < i; j++)
            CHECK(ids[i] != ids[j]);
    }
    CHECK_OK(sys_timer_delete(ids[3]));
    for (int i = 0; i < 8; i++)
        if (i != 3)
            CHECK_OK(sys_timer_delete(ids[i]));
}

TEST(timer_create, sigev_none_counts_down_without_a_signal) {
    handle(SIGUSR1);
    struct ksigevent sev = {0};
    sev.notify = SIGEV_NONE;
    sev.signo = SIGUSR1;
    int id = -1;
    CHECK_OK(sys_timer_create(CLOCK_MONOTONIC, &sev, &id));
    arm(id, 200 * MS, 0);
    struct itimerspec a, b;
    CHECK_OK(sys_timer_gettime(id, &a));
    CHECK(ns_of(&a.it_value) > 0 && ns_of(&a.it_value) <= 200 * MS);
    sleep_ms(30);
    CHECK_OK(sys_timer_gettime(id, &b));
    CHECK_MSG(ns_of(&b.it_value) > 0 && ns_of(&b.it_value) <= ns_of(&a.it_value) - 25 * MS,
              "%lld then %lld ns left", ns_of(&a.it_value), ns_of(&b.it_value));
    /* Once it expired it reads zero, and sent nothing. */
    arm(id, 10 * MS, 0);
    sleep_ms(50);
    CHECK_OK(sys_timer_gettime(id, &b));
    CHECK_EQ(ns_of(&b.it_value), 0);
    CHECK_EQ(hits, 0);
}

static volatile int thread_tid;
static void *idle_until_hit(void *arg) {
    (void)arg;
    thread_tid = gettid();
    wait_for_hits(1);
    return 0;
}

TEST(timer_create, sigev_thread_id_signals_that_thread) {
    handle(SIGUSR1);
    thread_tid = 0;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, 0, idle_until_hit, 0), 0);
    while (!thread_tid)
        sleep_ms(1);
    struct ksigevent sev = {0};
    sev.notify = SIGEV_SIGNAL | SIGEV_THREAD_ID;
    sev.signo = SIGUSR1;
    sev.value.sival_int = 99;
    sev.tid = thread_tid;
    int id = -1;
    CHECK_OK(sys_timer_create(CLOCK_MONOTONIC, &sev, &id));
    arm(id, 10 * MS, 0);
    /* The main thread does not block SIGUSR1: only the target may take it. */
    CHECK_EQ(pthread_join(t, 0), 0);
    CHECK_EQ(hits, 1);
    CHECK_EQ(seen_tid, thread_tid);
    CHECK(seen_tid != gettid());
    CHECK_EQ(seen_code, SI_TIMER);
    CHECK_EQ(seen_value, 99);
}

TEST(timer_create, sigev_thread_id_outside_the_process_is_einval) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(p[1]);
        char c;
        read(p[0], &c, 1);
        _exit(0);
    }
    struct ksigevent sev = {0};
    sev.notify = SIGEV_SIGNAL | SIGEV_THREAD_ID;
    sev.signo = SIGUSR1;
    int id;
    sev.tid = pid;
    CHECK_ERR(sys_timer_create(CLOCK_MONOTONIC, &sev, &id), EINVAL);
    sev.tid = 0;
    CHECK_ERR(sys_timer_create(CLOCK_MONOTONIC, &sev, &id), EINVAL);
    sev.tid = gettid();
    CHECK_OK(sys_timer_create(CLOCK_MONOTONIC, &sev, &id));
    close(p[1]);
    CHECK_EXIT(pid, 0);
}

TEST(timer_create, bad_clock_is_einval) {
    struct ksigevent sev = {0};
    sev.notify = SIGEV_SIGNAL;
    sev.signo = SIGUSR1;
    int id;
    CHECK_ERR(sys_timer_create(100, &sev, &id), EINVAL);
    CHECK_ERR(sys_timer_create(12345, &sev, &id), EINVAL);
    CHECK_ERR(sys_timer_create(-1, &sev, &id), EINVAL);
}

TEST(timer_create, clocks_without_timers_are_eopnotsupp) {
    struct ksigevent sev = {0};
    sev.notify = SIGEV_SIGNAL;
    sev.signo = SIGUSR1;
    int id;
    CHECK_ERR(sys_timer_create(CLOCK_MONOTONIC_RAW, &sev, &id), EOPNOTSUPP);
    CHECK_ERR(sys_timer_create(CLOCK_REALTIME_COARSE, &sev, &id), EOPNOTSUPP);
    CHECK_ERR(sys_timer_create(CLOCK_MONOTONIC_COARSE, &sev, &id), EOPNOTSUPP);
    /* These two have timers. */
    CHECK_OK(sys_timer_create(CLOCK_BOOTTIME, &sev, &id));
    CHECK_OK(sys_timer_create(CLOCK_TAI, &sev, &id));
}

TEST(timer_create, bad_sigev_notify_is_einval) {
    struct ksigevent sev = {0};
    sev.signo = SIGUSR1;
    sev.tid = gettid();
    int bad[] = {3, SIGEV_NONE | SIGEV_THREAD_ID, 8, 99, -1};
    int id;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sev.notify = bad[i];
        CHECK_ERR(sys_timer_create(CLOCK_MONOTONIC, &sev, &id), EINVAL);
    }
}

TEST(timer_create, bad_signal_number_is_einval) {
    struct ksigevent sev = {0};
    sev.notify = SIGEV_SIGNAL;
    int id;
    int bad[] = {0, -1, 65, 1000};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sev.signo = bad[i];
        CHECK_ERR(sys_timer_create(CLOCK_MONOTONIC, &sev, &id), EINVAL);
    }
    sev.signo = 64;
    CHECK_OK(sys_timer_create(CLOCK_MONOTONIC, &sev, &id));
    /* SIGEV_NONE sends nothing, so its signal number is not looked at. */
    sev.notify = SIGEV_NONE;
    sev.signo = 0;
    CHECK_OK(sys_timer_create(CLOCK_MONOTONIC, &sev, &id));
}

TEST(timer_create, bad_pointers_are_efault) {
    struct ksigevent sev = {0};
    sev.notify = SIGEV_SIGNAL;
    sev.signo = SIGUSR1;
    int id;
    CHECK_ERR(sys_timer_create(CLOCK_MONOTONIC, BAD_PTR, &id), EFAULT);
    CHECK_ERR(sys_timer_create(CLOCK_MONOTONIC, &sev, BAD_PTR), EFAULT);
}

TEST(timer_create, process_cputime_timer_fires_after_busy_work) {
    handle(SIGUSR1);
    int id = signal_timer(CLOCK_PROCESS_CPUTIME_ID, SIGUSR1, 5);
    long long cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    arm(id, 50 * MS, 0);
    spin_for_hits(1);
    long long cpu_ms = (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / MS;
    CHECK_EQ(hits, 1);
    CHECK_EQ(seen_code, SI_TIMER);
    CHECK_EQ(seen_value, 5);
    CHECK_MSG(cpu_ms >= 45, "fired after %lld ms of CPU", cpu_ms);
}

TEST(timer_create, thread_cputime_timer_fires_after_busy_work) {
    handle(SIGUSR2);
    int id = signal_timer(CLOCK_THREAD_CPUTIME_ID, SIGUSR2, 6);
    long long cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    arm(id, 30 * MS, 0);
    spin_for_hits(1);
    long long cpu_ms = (clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0) / MS;
    CHECK_EQ(hits, 1);
    CHECK_EQ(seen_value, 6);
    CHECK_MSG(cpu_ms >= 25, "fired after %lld ms of CPU", cpu_ms);
}

TEST(clone, fork_child_does_not_inherit_posix_timers) {
    int id = signal_timer(CLOCK_MONOTONIC, SIGUSR1, 0);
    block(SIGUSR1);
    arm(id, 10000 * MS, 0);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct itimerspec v;
        errno = 0;
        if (sys_timer_gettime(id, &v) != -1 || errno != EINVAL)
            _exit(1);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
    struct itimerspec v;
    CHECK_OK(sys_timer_gettime(id, &v));
    CHECK(ns_of(&v.it_value) > 0);
}

/* ---- timer_settime ---- */

TEST(timer_settime, returns_the_old_value) {
    int id = signal_timer(CLOCK_MONOTONIC, SIGUSR1, 0);
    block(SIGUSR1);
    struct itimerspec v = its(10000 * MS, 1500 * MS), old;
    memset(&old, 0xff, sizeof old);
    CHECK_OK(sys_timer_settime(id, 0, &v, &old));
    CHECK_EQ(ns_of(&old.it_value), 0);
    CHECK_EQ(ns_of(&old.it_interval), 0);
    v = its(20000 * MS, 0);
    CHECK_OK(sys_timer_settime(id, 0, &v, &old));
    CHECK(ns_of(&old.it_value) > 9000 * MS && ns_of(&old.it_value) <= 10000 * MS);
    CHECK_EQ(old.it_interval.tv_sec, 1);
    CHECK_EQ(old.it_interval.tv_nsec, 500000000);
}

TEST(timer_settime, abstime_in_the_future_fires_then) {
    handle(SIGUSR1);
    int id = signal_timer(CLOCK_MONOTONIC, SIGUSR1, 1);
    long long target = mono_ns() + 30 * MS;
    struct itimerspec v = its(target, 0);
    CHECK_OK(sys_timer_settime(id, TIMER_ABSTIME, &v, 0));
    struct itimerspec left;
    CHECK_OK(sys_timer_gettime(id, &left));
    /* timer_gettime is relative even for an absolute timer. */
    CHECK(ns_of(&left.it_value) > 0 && ns_of(&left.it_value) <= 30 * MS);
    wait_for_hits(1);
    CHECK_EQ(hits, 1);
    CHECK(mono_ns() >= target);
}

TEST(timer_settime, abstime_in_the_past_fires_at_once) {
    handle(SIGUSR1);
    int id = signal_timer(CLOCK_REALTIME, SIGUSR1, 2);
    struct itimerspec v = its(1000 * MS, 0); /* 1970 */
    CHECK_OK(sys_timer_settime(id, TIMER_ABSTIME, &v, 0));
    wait_for_hits(1);
    CHECK_EQ(hits, 1);
    CHECK_EQ(seen_value, 2);
}

TEST(timer_settime, zero_value_disarms) {
    handle(SIGUSR1);
    int id = signal_timer(CLOCK_MONOTONIC, SIGUSR1, 0);
    arm(id, 30 * MS, 30 * MS);
    struct itimerspec v = its(0, 30 * MS), old;
    CHECK_OK(sys_timer_settime(id, 0, &v, &old));
    CHECK(ns_of(&old.it_value) > 0);
    CHECK_EQ(ns_of(&old.it_interval), 30 * MS);
    sleep_ms(100);
    CHECK_EQ(hits, 0);
    CHECK_OK(sys_timer_gettime(id, &old));
    CHECK_EQ(ns_of(&old.it_value), 0);
    CHECK_EQ(ns_of(&old.it_interval), 0);
}

TEST(timer_settime, interval_reloads_the_timer) {
    handle(SIGUSR1);
    int id = signal_timer(CLOCK_MONOTONIC, SIGUSR1, 0);
    long long start = mono_ns();
    arm(id, 10 * MS, 10 * MS);
    wait_for_hits(3);
    long long ms = (mono_ns() - start) / MS;
    arm(id, 0, 0);
    CHECK_MSG(hits >= 3, "%d signals", (int)hits);
    CHECK_MSG(ms >= 29, "3 signals after %lld ms", ms);
}

TEST(timer_settime, bad_nanoseconds_are_einval) {
    int id = signal_timer(CLOCK_MONOTONIC, SIGUSR1, 0);
    struct itimerspec v = {{0, 0}, {0, 1000000000}};
    CHECK_ERR(sys_timer_settime(id, 0, &v, 0), EINVAL);
    v = (struct itimerspec){{0, 0}, {1, -1}};
    CHECK_ERR(sys_timer_settime(id, 0, &v, 0), EINVAL);
    v = (struct itimerspec){{0, 1000000000}, {1, 0}};
    CHECK_ERR(sys_timer_settime(id, 0, &v, 0), EINVAL);
    v = (struct itimerspec){{0, 0}, {-1, 0}};
    CHECK_ERR(sys_timer_settime(id, 0, &v, 0), EINVAL);
    struct itimerspec got;
    CHECK_OK(sys_timer_gettime(id, &got));
    CHECK_EQ(ns_of(&got.it_value), 0);
}

TEST(timer_settime, bad_timer_id_is_einval) {
    struct itimerspec v = its(1000 * MS, 0);
    CHECK_ERR(sys_timer_settime(0, 0, &v, 0), EINVAL);
    CHECK_ERR(sys_timer_settime(12345, 0, &v, 0), EINVAL);
    CHECK_ERR(sys_timer_settime(-1, 0, &v, 0), EINVAL);
}

TEST(timer_settime, null_or_bad_pointers) {
    int id = signal_timer(CLOCK_MONOTONIC, SIGUSR1, 0);
    block(SIGUSR1);
    struct itimerspec v = its(10000 * MS, 0), got;
    CHECK_ERR(sys_timer_settime(id, 0, 0, 0), EINVAL);
    CHECK_ERR(sys_timer_settime(id, 0, BAD_PTR, 0), EFAULT);
    CHECK_OK(sys_timer_gettime(id, &got));
    CHECK_EQ(ns_of(&got.it_value), 0);
    /* A bad old-value pointer fails only after the timer was set. */
    CHECK_ERR(sys_timer_settime(id, 0, &v, BAD_PTR), EFAULT);
    CHECK_OK(sys_timer_gettime(id, &got));
    CHECK(ns_of(&got.it_value) > 9000 * MS);
}

/* ---- timer_gettime ---- */

TEST(timer_gettime, remaining_time_is_at_most_the_set_value) {
    int id = signal_timer(CLOCK_MONOTONIC, SIGUSR1, 0);
    block(SIGUSR1);
    arm(id, 10000 * MS, 2000 * MS);
    struct itimerspec a, b;
    CHECK_OK(sys_timer_gettime(id, &a));
    CHECK(ns_of(&a.it_value) > 0 && ns_of(&a.it_value) <= 10000 * MS);
    CHECK_EQ(a.it_interval.tv_sec, 2);
    CHECK_EQ(a.it_interval.tv_nsec, 0);
    sleep_ms(30);
    CHECK_OK(sys_timer_gettime(id, &b));
    CHECK(ns_of(&b.it_value) > 0 && ns_of(&b.it_value) <= ns_of(&a.it_value) - 25 * MS);
}

TEST(timer_gettime, new_timer_reads_zero) {
    int id = signal_timer(CLOCK_MONOTONIC, SIGUSR1, 0);
    struct itimerspec v;
    memset(&v, 0xff, sizeof v);
    CHECK_OK(sys_timer_gettime(id, &v));
    CHECK_EQ(ns_of(&v.it_value), 0);
    CHECK_EQ(ns_of(&v.it_interval), 0);
}

TEST(timer_gettime, bad_id_is_einval_and_bad_pointer_efault) {
    int id = signal_timer(CLOCK_MONOTONIC, SIGUSR1, 0);
    struct itimerspec v;
    CHECK_ERR(sys_timer_gettime(id + 1000, &v), EINVAL);
    CHECK_ERR(sys_timer_gettime(-1, &v), EINVAL);
    CHECK_ERR(sys_timer_gettime(id, BAD_PTR), EFAULT);
}

/* ---- timer_getoverrun ---- */

TEST(timer_getoverrun, counts_expirations_while_the_signal_is_blocked) {
    block(SIGUSR1);
    int id = signal_timer(CLOCK_MONOTONIC, SIGUSR1, 3);
    CHECK_EQ(CHECK_OK(sys_timer_getoverrun(id)), 0);
    arm(id, 1 * MS, 1 * MS);
    sleep_ms(50);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    struct timespec ts = {5, 0};
    siginfo_t si;
    CHECK_EQ(sigtimedwait(&s, &si, &ts), SIGUSR1);
    CHECK_EQ(si.si_code, SI_TIMER);
    CHECK_EQ(si.si_value.sival_int, 3);
    CHECK_MSG(si.si_overrun >= 1, "si_overrun %d", si.si_overrun);
    /* timer_getoverrun reports the overrun of the signal last delivered. */
    long n = CHECK_OK(sys_timer_getoverrun(id));
    CHECK_EQ(n, si.si_overrun);
    arm(id, 0, 0);
}

TEST(timer_getoverrun, bad_id_is_einval) {
    CHECK_ERR(sys_timer_getoverrun(0), EINVAL);
    CHECK_ERR(sys_timer_getoverrun(-1), EINVAL);
    CHECK_ERR(sys_timer_getoverrun(4321), EINVAL);
}

/* ---- timer_delete ---- */

TEST(timer_delete, deleted_timer_is_einval) {
    int id = signal_timer(CLOCK_MONOTONIC, SIGUSR1, 0);
    CHECK_OK(sys_timer_delete(id));
    struct itimerspec v = its(1000 * MS, 0);
    CHECK_ERR(sys_timer_settime(id, 0, &v, 0), EINVAL);
    CHECK_ERR(sys_timer_gettime(id, &v), EINVAL);
    CHECK_ERR(sys_timer_getoverrun(id), EINVAL);
    CHECK_ERR(sys_timer_delete(id), EINVAL);
}

TEST(timer_delete, stops_an_armed_timer) {
    handle(SIGUSR1);
    int id = signal_timer(CLOCK_MONOTONIC, SIGUSR1, 0);
    arm(id, 30 * MS, 10 * MS);
    CHECK_OK(sys_timer_delete(id));
    sleep_ms(100);
    CHECK_EQ(hits, 0);
}

TEST(timer_delete, bad_id_is_einval) {
    CHECK_ERR(sys_timer_delete(0), EINVAL);
    CHECK_ERR(sys_timer_delete(-1), EINVAL);
    CHECK_ERR(sys_timer_delete(999), EINVAL);
}
