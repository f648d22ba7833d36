/* timerfd_create, timerfd_settime, timerfd_gettime: one-shot and periodic timers,
 * absolute times, the expiry count read, errors, readiness. */
#include "harness.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>

static void arm(int fd, long value_ms, long interval_ms, int flags) {
    struct itimerspec its = {
        .it_interval = {interval_ms / 1000, (interval_ms % 1000) * 1000000},
        .it_value = {value_ms / 1000, (value_ms % 1000) * 1000000},
    };
    CHECK_OK(timerfd_settime(fd, flags, &its, NULL));
}

static long elapsed_ms(struct timespec *a) {
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

TEST(timerfd_create, clocks_and_flags) {
    CHECK_OK(timerfd_create(CLOCK_MONOTONIC, 0));
    CHECK_OK(timerfd_create(CLOCK_REALTIME, 0));
    CHECK_OK(timerfd_create(CLOCK_BOOTTIME, 0));
    int fd = CHECK_OK(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    CHECK_ERR(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
    CHECK_ERR(timerfd_create(12345, 0), EINVAL);
    CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, 0x1), EINVAL);
}

TEST(timerfd_settime, one_shot_expires_once) {
    int fd = CHECK_OK(timerfd_create(CLOCK_MONOTONIC, 0));
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    arm(fd, 50, 0, 0);
    uint64_t n = 0;
    CHECK_EQ(read(fd, &n, sizeof n), 8);
    CHECK_EQ(n, 1);
    CHECK(elapsed_ms(&start) >= 45);
    struct itimerspec cur;
    CHECK_OK(timerfd_gettime(fd, &cur));
    CHECK_EQ(cur.it_value.tv_sec, 0);
    CHECK_EQ(cur.it_value.tv_nsec, 0);
}

TEST(timerfd_settime, periodic_timer_counts_expiries) {
    int fd = CHECK_OK(timerfd_create(CLOCK_MONOTONIC, 0));
    arm(fd, 10, 10, 0);
    struct timespec ts = {0, 120 * 1000 * 1000};
    nanosleep(&ts, 0);
    uint64_t n = 0;
    CHECK_EQ(read(fd, &n, sizeof n), 8);
    /* At least 120 ms passed (more on a loaded machine): at least 5 periods counted. */
    CHECK_MSG(n >= 5, "%llu expiries in 120 ms of a 10 ms timer", (unsigned long long)n);
    struct itimerspec cur;
    CHECK_OK(timerfd_gettime(fd, &cur));
    CHECK_EQ(cur.it_interval.tv_nsec, 10 * 1000000);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0);
}

TEST(timerfd_settime, absolute_time_on_the_clock) {
    int fd = CHECK_OK(timerfd_create(CLOCK_REALTIME, 0));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct itimerspec its = {{0, 0}, {now.tv_sec, now.tv_nsec}};
    its.it_value.tv_nsec += 60 * 1000000;
    if (its.it_value.tv_nsec >= 1000000000) {
        its.it_value.tv_sec++;
        its.it_value.tv_nsec -= 1000000000;
    }
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL));
    uint64_t n;
    CHECK_EQ(read(fd, &n, sizeof n), 8);
    CHECK_EQ(n, 1);
    CHECK(elapsed_ms(&start) >= 40);
    /* A time already past expires at once. */
    its.it_value.tv_sec -= 100;
    CHECK_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL));
    CHECK_EQ(read(fd, &n, sizeof n), 8);
}

TEST(timerfd_settime, reports_the_old_setting_and_disarms_with_zero) {
    int fd = CHECK_OK(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    arm(fd, 10000, 2000, 0);
    struct itimerspec zero = {{0, 0}, {0, 0}}, old;
    CHECK_OK(timerfd_settime(fd, 0, &zero, &old));
    CHECK(old.it_value.tv_sec >= 9 && old.it_value.tv_sec <= 10);
    CHECK_EQ(old.it_interval.tv_sec, 2);
    struct itimerspec cur;
    CHECK_OK(timerfd_gettime(fd, &cur));
    CHECK_EQ(cur.it_value.tv_sec, 0);
    CHECK_EQ(cur.it_value.tv_nsec, 0);
    uint64_t n;
    CHECK_ERR(read(fd, &n, sizeof n), EAGAIN);
}

TEST(timerfd_settime, errors) {
    int fd = CHECK_OK(timerfd_create(CLOCK_MONOTONIC, 0));
    struct itimerspec bad = {{0, 0}, {0, 1000000000}};
    CHECK_ERR(timerfd_settime(fd, 0, &bad, NULL), EINVAL);
    struct itimerspec neg = {{0, 0}, {-1, 0}};
    CHECK_ERR(timerfd_settime(fd, 0, &neg, NULL), EINVAL);
    struct itimerspec ok = {{0, 0}, {1, 0}};
    CHECK_ERR(timerfd_settime(fd, 0x10, &ok, NULL), EINVAL);
    CHECK_ERR(timerfd_settime(fd, 0, BAD_PTR, NULL), EFAULT);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(timerfd_settime(p[0], 0, &ok, NULL), EINVAL);
    CHECK_ERR(timerfd_gettime(p[0], &ok), EINVAL);
    CHECK_ERR(timerfd_gettime(999, &ok), EBADF);
    uint32_t small;
    CHECK_ERR(read(fd, &small, sizeof small), EINVAL);
}

TEST(read, timerfd_nonblocking_before_expiry_is_eagain) {
    int fd = CHECK_OK(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    uint64_t n;
    CHECK_ERR(read(fd, &n, sizeof n), EAGAIN);
    arm(fd, 5000, 0, 0);
    CHECK_ERR(read(fd, &n, sizeof n), EAGAIN);
}

TEST(poll, timerfd_becomes_readable_at_expiry) {
    int fd = CHECK_OK(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    arm(fd, 50, 0, 0);
    struct pollfd p = {fd, POLLIN, 0};
    CHECK_EQ(poll(&p, 1, 0), 0);
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK(p.revents & POLLIN);
    int ep = CHECK_OK(epoll_create1(0));
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 9};
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 1);
    uint64_t n;
    CHECK_EQ(read(fd, &n, sizeof n), 8);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
}

TEST(timerfd_settime, rearming_forgets_unread_expiries) {
    int fd = CHECK_OK(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    arm(fd, 10, 0, 0);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, 0);
    arm(fd, 10000, 0, 0);
    uint64_t n;
    CHECK_ERR(read(fd, &n, sizeof n), EAGAIN);
}

/* Times far beyond any clock's range are accepted (and never expire), as Linux's. */
TEST(timerfd_settime, a_huge_time_is_accepted_and_stays_armed) {
    int fd = CHECK_OK(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    struct itimerspec its = {{0x7fffffffffffffffL, 0}, {0x7fffffffffffffffL, 0}};
    CHECK_OK(timerfd_settime(fd, 0, &its, NULL));
    struct itimerspec cur;
    CHECK_OK(timerfd_gettime(fd, &cur));
    CHECK(cur.it_value.tv_sec > 1000000);
    uint64_t n;
    CHECK_ERR(read(fd, &n, sizeof n), EAGAIN);
    struct sigevent sev = {.sigev_notify = SIGEV_NONE};
    timer_t t;
    CHECK_OK(timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &t));
    CHECK_OK(timer_settime(t, 0, &its, NULL));
}

TEST(poll, a_huge_ppoll_timeout_still_returns_a_ready_descriptor) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "x", 1), 1);
    struct pollfd pf = {p[0], POLLIN, 0};
    struct timespec huge = {0x7fffffffffffffffL, 0};
    CHECK_EQ(ppoll(&pf, 1, &huge, NULL), 1);
}
