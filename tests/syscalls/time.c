/* Clocks and sleeps: clock_gettime, clock_getres, gettimeofday, time, nanosleep,
 * clock_nanosleep. The clock reads go through syscall(): glibc's wrappers use the
 * vDSO, which makes no system call at all. */
#include "harness.h"

#include <sys/time.h>
#include <time.h>

static long long ns_of(const struct timespec *t) { return t->tv_sec * 1000000000LL + t->tv_nsec; }

static long long mono_ns(void) {
    struct timespec t;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
    return ns_of(&t);
}

static volatile sig_atomic_t hits;
static void on_sig(int sig) {
    (void)sig;
    hits++;
}

/* SIGUSR1 runs on_sig (no SA_RESTART); a child sends it to the caller after `ms`. */
static pid_t signal_me_later(long ms) {
    struct sigaction sa = {0};
    sa.sa_handler = on_sig;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(SIGUSR1, &sa, 0));
    hits = 0;
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct timespec ts = {0, ms * 1000000};
        nanosleep(&ts, 0);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    return pid;
}

/* ---- clock_gettime ---- */

TEST(clock_gettime, monotonic_never_goes_back) {
    struct timespec prev, now;
    CHECK_OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &prev));
    for (int i = 0; i < 200; i++) {
        CHECK_OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now));
        CHECK(now.tv_nsec >= 0 && now.tv_nsec < 1000000000);
        CHECK(ns_of(&now) >= ns_of(&prev));
        prev = now;
    }
}

TEST(clock_gettime, realtime_is_close_to_time) {
    struct timespec ts;
    time_t before = syscall(SYS_time, 0);
    CHECK_OK(syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts));
    time_t after = syscall(SYS_time, 0);
    CHECK(ts.tv_sec >= before && ts.tv_sec <= after);
    CHECK(ts.tv_sec > 1500000000); /* after 2017 */
}

TEST(clock_gettime, other_clocks_are_readable) {
    clockid_t ids[] = {CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE,
                       CLOCK_BOOTTIME, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        struct timespec ts = {-1, -1};
        CHECK_OK(syscall(SYS_clock_gettime, ids[i], &ts));
        CHECK(ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
    }
    struct timespec mono, boot;
    CHECK_OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &mono));
    CHECK_OK(syscall(SYS_clock_gettime, CLOCK_BOOTTIME, &boot));
    CHECK(ns_of(&boot) >= ns_of(&mono));
}

TEST(clock_gettime, process_cpu_time_advances_while_spinning) {
    struct timespec a, b;
    CHECK_OK(syscall(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &a));
    long long start = mono_ns();
    volatile unsigned long x = 0;
    /* Spin for up to half a second of wall time, until 5 ms of CPU time went by. */
    do {
        for (int i = 0; i < 100000; i++)
            x += i;
        CHECK_OK(syscall(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &b));
    } while (ns_of(&b) - ns_of(&a) < 5000000 && mono_ns() - start < 500000000);
    CHECK_MSG(ns_of(&b) - ns_of(&a) >= 5000000, "cpu time went from %lld to %lld ns", ns_of(&a),
              ns_of(&b));
}

TEST(clock_gettime, bad_clock_is_einval) {
    struct timespec ts;
    CHECK_ERR(syscall(SYS_clock_gettime, 100, &ts), EINVAL);
    CHECK_ERR(syscall(SYS_clock_gettime, 12345, &ts), EINVAL);
}

TEST(clock_gettime, bad_pointer_is_efault) {
    CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD_PTR), EFAULT);
    CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_REALTIME, BAD_PTR), EFAULT);
}

/* ---- clock_getres ---- */

TEST(clock_getres, resolution_is_positive_and_fine) {
    clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_PROCESS_CPUTIME_ID};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        struct timespec res = {-1, -1};
        CHECK_OK(syscall(SYS_clock_getres, ids[i], &res));
        CHECK_EQ(res.tv_sec, 0);
        CHECK(res.tv_nsec > 0 && res.tv_nsec <= 1000000);
    }
    /* A null pointer is allowed. */
    CHECK_OK(syscall(SYS_clock_getres, CLOCK_MONOTONIC, 0));
}

TEST(clock_getres, bad_clock_is_einval) {
    struct timespec res;
    CHECK_ERR(syscall(SYS_clock_getres, 100, &res), EINVAL);
    CHECK_ERR(syscall(SYS_clock_getres, CLOCK_MONOTONIC, BAD_PTR), EFAULT);
}

/* ---- gettimeofday, time ---- */

TEST(gettimeofday, agrees_with_clock_realtime) {
    struct timeval tv;
    struct timespec a, b;
    CHECK_OK(syscall(SYS_clock_gettime, CLOCK_REALTIME, &a));
    CHECK_OK(syscall(SYS_gettimeofday, &tv, 0));
    CHECK_OK(syscall(SYS_clock_gettime, CLOCK_REALTIME, &b));
    CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    long long us = tv.tv_sec * 1000000LL + tv.tv_usec;
    CHECK(us >= ns_of(&a) / 1000 && us <= ns_of(&b) / 1000);
}

TEST(gettimeofday, timezone_is_filled_and_bad_pointers_efault) {
    struct timeval tv;
    struct timezone tz = {12345, 12345};
    CHECK_OK(syscall(SYS_gettimeofday, &tv, &tz));
    CHECK(tz.tz_minuteswest != 12345 || tz.tz_dsttime != 12345);
    CHECK_OK(syscall(SYS_gettimeofday, 0, 0));
    CHECK_ERR(syscall(SYS_gettimeofday, BAD_PTR, 0), EFAULT);
}

TEST(time, returns_and_stores_the_seconds) {
    time_t t = 0;
    time_t r = CHECK_OK(syscall(SYS_time, &t));
    CHECK_EQ(r, t);
    CHECK(r > 1500000000);
    struct timespec ts;
    CHECK_OK(syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts));
    CHECK(ts.tv_sec >= r && ts.tv_sec <= r + 1);
}

TEST(time, bad_pointer_is_efault) {
    CHECK_ERR(syscall(SYS_time, BAD_PTR), EFAULT);
}

/* ---- nanosleep ---- */

TEST(nanosleep, sleeps_at_least_the_time) {
    struct timespec ts = {0, 30 * 1000000};
    long long a = mono_ns();
    CHECK_EQ(CHECK_OK(syscall(SYS_nanosleep, &ts, 0)), 0);
    long long d = mono_ns() - a;
    CHECK_MSG(d >= 30000000, "slept %lld ns", d);
}

TEST(nanosleep, zero_returns_at_once) {
    struct timespec ts = {0, 0}, rem = {7, 7};
    CHECK_EQ(CHECK_OK(syscall(SYS_nanosleep, &ts, &rem)), 0);
}

TEST(nanosleep, bad_nanoseconds_are_einval) {
    struct timespec big = {0, 1000000000}, neg = {0, -1}, negsec = {-1, 0};
    CHECK_ERR(syscall(SYS_nanosleep, &big, 0), EINVAL);
    CHECK_ERR(syscall(SYS_nanosleep, &neg, 0), EINVAL);
    CHECK_ERR(syscall(SYS_nanosleep, &negsec, 0), EINVAL);
}

TEST(nanosleep, bad_pointer_is_efault) {
    CHECK_ERR(syscall(SYS_nanosleep, BAD_PTR, 0), EFAULT);
}

TEST(nanosleep, interrupted_by_a_handler_is_eintr_with_the_time_left) {
    pid_t pid = signal_me_later(20);
    struct timespec ts = {1, 0}, rem = {-1, -1};
    long long a = mono_ns();
    CHECK_ERR(syscall(SYS_nanosleep, &ts, &rem), EINTR);
    long long slept = mono_ns() - a;
    CHECK_EQ(hits, 1);
    CHECK(rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000);
    long long left = ns_of(&rem);
    /* The time left is at least the second minus what we measured (the call began
     * after our clock read), and less than the whole second (the signal came after
     * 20 ms). No upper bound tied to `slept`: under load the syscall's own entry and
     * exit can take milliseconds. */
    CHECK_MSG(left > 0 && left < 1000000000 - 10000000 && left + slept >= 1000000000 - 1000000,
              "left %lld after %lld", left, slept);
    CHECK_EXIT(pid, 0);
}

TEST(nanosleep, ignored_signal_does_not_interrupt_it) {
    signal(SIGUSR2, SIG_IGN);
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        kill(parent, SIGUSR2);
        _exit(0);
    }
    struct timespec ts = {0, 50 * 1000000};
    long long a = mono_ns();
    CHECK_EQ(CHECK_OK(syscall(SYS_nanosleep, &ts, 0)), 0);
    CHECK(mono_ns() - a >= 50000000);
    CHECK_EXIT(pid, 0);
}

/* ---- clock_nanosleep (glibc's wrapper returns the error number, not -1) ---- */

TEST(clock_nanosleep, absolute_time_in_the_past_returns_at_once) {
    struct timespec now;
    CHECK_OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now));
    struct timespec past = {now.tv_sec - 10, 0};
    long long a = mono_ns();
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, 0), 0);
    CHECK(mono_ns() - a < 500000000);
    struct timespec zero = {0, 0};
    CHECK_EQ(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &zero, 0), 0);
}

TEST(clock_nanosleep, absolute_time_in_the_future_is_waited_for) {
    struct timespec now;
    CHECK_OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now));
    long long target = ns_of(&now) + 30000000;
    struct timespec t = {target / 1000000000, target % 1000000000};
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, 0), 0);
    CHECK(mono_ns() >= target);
}

TEST(clock_nanosleep, relative_sleeps_at_least_the_time) {
    struct timespec ts = {0, 30 * 1000000};
    long long a = mono_ns();
    CHECK_EQ(clock_nanosleep(CLOCK_REALTIME, 0, &ts, 0), 0);
    CHECK(mono_ns() - a >= 30000000);
}

TEST(clock_nanosleep, bad_clock_returns_einval) {
    struct timespec ts = {0, 1000};
    errno = 0;
    CHECK_EQ(clock_nanosleep(100, 0, &ts, 0), EINVAL);
    /* The raw call does report through errno. */
    CHECK_ERR(syscall(SYS_clock_nanosleep, 100, 0, &ts, 0), EINVAL);
}

TEST(clock_nanosleep, thread_cpu_clock_is_eopnotsupp) {
    struct timespec ts = {0, 1000};
    /* The thread's own CPU clock cannot be slept on: the kernel says EOPNOTSUPP (the
     * man page's EINVAL is what glibc's wrapper returns without asking it). */
    CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &ts, 0), EOPNOTSUPP);
    CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, TIMER_ABSTIME, &ts, 0),
              EOPNOTSUPP);
}

TEST(clock_nanosleep, bad_time_returns_einval) {
    struct timespec big = {0, 1000000000}, neg = {0, -5};
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &big, 0), EINVAL);
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &neg, 0), EINVAL);
    CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, BAD_PTR, 0), EFAULT);
}

TEST(clock_nanosleep, interrupted_relative_sleep_returns_eintr_and_the_rest) {
    pid_t pid = signal_me_later(20);
    struct timespec ts = {1, 0}, rem = {-1, -1};
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &rem), EINTR);
    CHECK_EQ(hits, 1);
    CHECK(ns_of(&rem) > 0 && ns_of(&rem) < 1000000000);
    CHECK_EXIT(pid, 0);
}

TEST(clock_nanosleep, interrupted_absolute_sleep_leaves_rem_alone) {
    pid_t pid = signal_me_later(20);
    struct timespec now;
    CHECK_OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now));
    struct timespec t = {now.tv_sec + 1, now.tv_nsec}, rem = {-1, -1};
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, &rem), EINTR);
    CHECK_EQ(hits, 1);
    CHECK_EQ(rem.tv_sec, -1);
    CHECK_EQ(rem.tv_nsec, -1);
    CHECK_EXIT(pid, 0);
}
