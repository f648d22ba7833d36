/* Readiness waits: poll, ppoll, select and pselect6 (events reported, timeouts and
 * their write-back, signal masks, signals ending the wait, errors). */
#include "harness.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <time.h>

static long elapsed_ms(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, 0);
}

static volatile sig_atomic_t got_signal;
static void on_signal(int sig) { (void)sig; got_signal++; }

static void handle(int sig, int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = flags;
    CHECK_OK(sigaction(sig, &sa, 0));
}

/* Forks a child that writes one byte to `fd` after `ms` milliseconds. */
static pid_t write_later(int fd, long ms) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sleep_ms(ms);
        _exit(write(fd, "w", 1) == 1 ? 0 : 1);
    }
    return pid;
}

/* Forks a child that sends `sig` to this process every 10 ms, a hundred times. */
static pid_t signal_repeatedly(int sig) {
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        for (int i = 0; i < 100; i++) {
            sleep_ms(10);
            kill(parent, sig);
        }
        _exit(0);
    }
    return pid;
}

static void stop_child(pid_t pid) {
    kill(pid, SIGKILL);
    harness_wait(pid);
}

/* ---- poll ---- */

TEST(poll, timeout_zero_returns_at_once_with_nothing_ready) {
    int p[2];
    CHECK_OK(pipe(p));
    struct pollfd fds = {p[0], POLLIN, 0x7fff};
    CHECK_EQ(poll(&fds, 1, 0), 0);
    CHECK_EQ(fds.revents, 0);
    CHECK_EQ(poll(0, 0, 0), 0);
}

TEST(poll, timeout_elapses_with_nothing_ready) {
    int p[2];
    CHECK_OK(pipe(p));
    struct pollfd fds = {p[0], POLLIN, 0};
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_EQ(poll(&fds, 1, 20), 0);
    CHECK_MSG(elapsed_ms(&start) >= 19, "returned after %ld ms", elapsed_ms(&start));
}

TEST(poll, pipe_ends_report_pollin_and_pollout) {
    int p[2];
    CHECK_OK(pipe(p));
    struct pollfd fds[2] = {{p[0], POLLIN | POLLOUT, 0}, {p[1], POLLIN | POLLOUT, 0}};
    CHECK_EQ(poll(fds, 2, 0), 1);
    CHECK_EQ(fds[0].revents, 0);
    CHECK_EQ(fds[1].revents, POLLOUT);
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK_EQ(poll(fds, 2, 0), 2);
    CHECK_EQ(fds[0].revents, POLLIN);
    CHECK_EQ(fds[1].revents, POLLOUT);
}

TEST(poll, only_requested_events_are_reported) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "x", 1), 1);
    struct pollfd fds = {p[0], POLLOUT, 0};
    CHECK_EQ(poll(&fds, 1, 0), 0);
    CHECK_EQ(fds.revents, 0);
}

TEST(poll, closed_fd_is_pollnval) {
    int fd = CHECK_OK(dup(0));
    CHECK_OK(close(fd));
    struct pollfd fds = {fd, POLLIN, 0};
    CHECK_EQ(poll(&fds, 1, 1000), 1);
    CHECK_EQ(fds.revents, POLLNVAL);
}

TEST(poll, widowed_read_end_is_pollhup) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(close(p[1]));
    struct pollfd fds = {p[0], POLLIN, 0};
    CHECK_EQ(poll(&fds, 1, 1000), 1);
    CHECK(fds.revents & POLLHUP);
    /* POLLHUP is reported even when not asked for. */
    fds.events = 0;
    CHECK_EQ(poll(&fds, 1, 1000), 1);
    CHECK_EQ(fds.revents, POLLHUP);
}

TEST(poll, widowed_read_end_with_data_is_pollin_and_pollhup) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK_OK(close(p[1]));
    struct pollfd fds = {p[0], POLLIN, 0};
    CHECK_EQ(poll(&fds, 1, 0), 1);
    CHECK_EQ(fds.revents, POLLIN | POLLHUP);
}

TEST(poll, widowed_write_end_is_pollerr) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(close(p[0]));
    struct pollfd fds = {p[1], 0, 0};
    CHECK_EQ(poll(&fds, 1, 1000), 1);
    CHECK_EQ(fds.revents, POLLERR);
}

TEST(poll, negative_fd_is_ignored) {
    int p[2];
    CHECK_OK(pipe(p));
    struct pollfd fds[2] = {{-1, POLLIN, 0x55}, {p[1], POLLOUT, 0}};
    CHECK_EQ(poll(fds, 2, 0), 1);
    CHECK_EQ(fds[0].revents, 0);
    CHECK_EQ(fds[1].revents, POLLOUT);
    struct pollfd only = {-5, POLLIN, 0};
    CHECK_EQ(poll(&only, 1, 10), 0);
}

TEST(poll, same_fd_twice_is_counted_twice) {
    int p[2];
    CHECK_OK(pipe(p));
    struct pollfd fds[2] = {{p[1], POLLOUT, 0}, {p[1], POLLOUT, 0}};
    CHECK_EQ(poll(fds, 2, 0), 2);
}

TEST(poll, regular_file_is_always_ready) {
    int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0600));
    struct pollfd fds = {fd, POLLIN | POLLOUT, 0};
    CHECK_EQ(poll(&fds, 1, 1000), 1);
    CHECK_EQ(fds.revents, POLLIN | POLLOUT);
}

TEST(poll, eventfd_is_readable_only_with_a_nonzero_count) {
    int fd = CHECK_OK(eventfd(0, 0));
    struct pollfd fds = {fd, POLLIN | POLLOUT, 0};
    CHECK_EQ(poll(&fds, 1, 0), 1);
    CHECK_EQ(fds.revents, POLLOUT);
    uint64_t v = 1;
    CHECK_EQ(write(fd, &v, 8), 8);
    CHECK_EQ(poll(&fds, 1, 0), 1);
    CHECK_EQ(fds.revents, POLLIN | POLLOUT);
}

TEST(poll, wakes_when_another_process_writes) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = write_later(p[1], 30);
    struct pollfd fds = {p[0], POLLIN, 0};
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_EQ(poll(&fds, 1, 5000), 1);
    CHECK_EQ(fds.revents, POLLIN);
    CHECK(elapsed_ms(&start) < 4000);
    CHECK_EXIT(pid, 0);
}

TEST(poll, wakes_when_the_last_writer_closes) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sleep_ms(30);
        _exit(0);
    }
    CHECK_OK(close(p[1]));
    struct pollfd fds = {p[0], POLLIN, 0};
    CHECK_EQ(poll(&fds, 1, 5000), 1);
    CHECK(fds.revents & POLLHUP);
    CHECK_EXIT(pid, 0);
}

TEST(poll, bad_pointer_is_efault) {
    CHECK_ERR(poll(BAD_PTR, 1, 0), EFAULT);
}

TEST(poll, nfds_above_rlimit_nofile_is_einval) {
    struct rlimit rl = {16, 16};
    CHECK_OK(setrlimit(RLIMIT_NOFILE, &rl));
    static struct pollfd fds[17];
    for (int i = 0; i < 17; i++)
        fds[i] = (struct pollfd){-1, POLLIN, 0};
    CHECK_ERR(poll(fds, 17, 0), EINVAL);
    CHECK_EQ(poll(fds, 16, 0), 0);
}

TEST(poll, signal_handler_ends_the_wait_with_eintr_even_with_sa_restart) {
    handle(SIGUSR1, SA_RESTART);
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = signal_repeatedly(SIGUSR1);
    struct pollfd fds = {p[0], POLLIN, 0};
    int r = poll(&fds, 1, 5000);
    int e = errno;
    stop_child(pid);
    CHECK_EQ(r, -1);
    CHECK_EQ(e, EINTR);
    CHECK(got_signal > 0);
}

/* ---- ppoll ---- */

TEST(ppoll, timeout_elapses_with_nothing_ready) {
    int p[2];
    CHECK_OK(pipe(p));
    struct pollfd fds = {p[0], POLLIN, 0};
    struct timespec ts = {0, 20 * 1000000}, start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_EQ(ppoll(&fds, 1, &ts, 0), 0);
    CHECK(elapsed_ms(&start) >= 19);
}

TEST(ppoll, timeout_is_written_back_as_zero_when_it_expires) {
    struct timespec ts = {0, 5 * 1000000};
    CHECK_EQ(syscall(SYS_ppoll, 0, 0, &ts, 0, 8), 0);
    CHECK_EQ(ts.tv_sec, 0);
    CHECK_EQ(ts.tv_nsec, 0);
}

TEST(ppoll, timeout_is_written_back_with_the_time_left) {
    int p[2];
    CHECK_OK(pipe(p));
    struct pollfd fds = {p[1], POLLOUT, 0};
    struct timespec ts = {5, 0};
    CHECK_EQ(syscall(SYS_ppoll, &fds, 1, &ts, 0, 8), 1);
    long long ns = ts.tv_sec * 1000000000LL + ts.tv_nsec;
    CHECK_MSG(ns > 4000000000LL && ns < 5000000000LL, "time left %lld ns", ns);
}

TEST(ppoll, sigmask_lets_a_pending_signal_end_the_wait) {
    handle(SIGUSR1, 0);
    sigset_t block, empty, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, 0));
    CHECK_OK(raise(SIGUSR1));
    CHECK_EQ(got_signal, 0);
    struct timespec ts = {2, 0};
    CHECK_ERR(ppoll(0, 0, &ts, &empty), EINTR);
    CHECK_EQ(got_signal, 1);
    /* The old mask is back. */
    CHECK_OK(sigprocmask(SIG_BLOCK, 0, &now));
    CHECK(sigismember(&now, SIGUSR1));
}

TEST(ppoll, sigmask_keeps_a_signal_blocked_during_the_wait) {
    handle(SIGUSR1, 0);
    sigset_t block, pending;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, 0));
    int p[2];
    CHECK_OK(pipe(p));
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sleep_ms(10);
        kill(parent, SIGUSR1);
        sleep_ms(10);
        _exit(write(p[1], "x", 1) == 1 ? 0 : 1);
    }
    struct pollfd fds = {p[0], POLLIN, 0};
    struct timespec ts = {5, 0};
    CHECK_EQ(ppoll(&fds, 1, &ts, &block), 1);
    CHECK_EQ(got_signal, 0);
    CHECK_OK(sigpending(&pending));
    CHECK(sigismember(&pending, SIGUSR1));
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &block, 0));
    CHECK_EQ(got_signal, 1);
    CHECK_EXIT(pid, 0);
}

TEST(ppoll, negative_timeout_is_einval) {
    struct timespec ts = {-1, 0};
    CHECK_ERR(ppoll(0, 0, &ts, 0), EINVAL);
    struct timespec bad = {0, 1000000000};
    CHECK_ERR(ppoll(0, 0, &bad, 0), EINVAL);
}

TEST(ppoll, bad_sigset_size_is_einval) {
    sigset_t empty;
    sigemptyset(&empty);
    struct timespec ts = {0, 0};
    CHECK_ERR(syscall(SYS_ppoll, 0, 0, &ts, &empty, 4), EINVAL);
}

TEST(ppoll, closed_fd_is_pollnval) {
    struct pollfd fds = {12345, POLLIN, 0};
    CHECK_EQ(ppoll(&fds, 1, 0, 0), 1);
    CHECK_EQ(fds.revents, POLLNVAL);
}

/* ---- select (the legacy call; glibc's select() is pselect6) ---- */

static long sys_select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv) {
    return syscall(SYS_select, n, r, w, e, tv);
}

TEST(select, timeout_is_written_back_as_zero_when_it_expires) {
    int p[2];
    CHECK_OK(pipe(p));
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval tv = {0, 20000};
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_EQ(sys_select(p[0] + 1, &r, 0, 0, &tv), 0);
    CHECK(elapsed_ms(&start) >= 19);
    CHECK_EQ(tv.tv_sec, 0);
    CHECK_EQ(tv.tv_usec, 0);
    CHECK(!FD_ISSET(p[0], &r));
}

TEST(select, timeout_is_written_back_with_the_time_left) {
    int p[2];
    CHECK_OK(pipe(p));
    fd_set w;
    FD_ZERO(&w);
    FD_SET(p[1], &w);
    struct timeval tv = {5, 0};
    CHECK_EQ(sys_select(p[1] + 1, 0, &w, 0, &tv), 1);
    long long us = tv.tv_sec * 1000000LL + tv.tv_usec;
    CHECK_MSG(us > 4000000 && us < 5000000, "time left %lld us", us);
}

TEST(select, readiness_sets_keep_only_the_ready_fds) {
    int p[2], q[2];
    CHECK_OK(pipe(p));
    CHECK_OK(pipe(q));
    CHECK_EQ(write(p[1], "x", 1), 1);
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(q[0], &r);
    FD_SET(p[1], &w);
    FD_SET(q[0], &w); /* a read end never becomes writable */
    struct timeval tv = {0, 0};
    int n = q[1] + 1;
    CHECK_EQ(sys_select(n, &r, &w, 0, &tv), 2);
    CHECK(FD_ISSET(p[0], &r));
    CHECK(!FD_ISSET(q[0], &r));
    CHECK(FD_ISSET(p[1], &w));
    CHECK(!FD_ISSET(q[0], &w));
}

TEST(select, fd_ready_in_two_sets_counts_twice) {
    int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0600));
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(fd, &r);
    FD_SET(fd, &w);
    struct timeval tv = {0, 0};
    CHECK_EQ(sys_select(fd + 1, &r, &w, 0, &tv), 2);
}

TEST(select, widowed_pipe_is_readable) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(close(p[1]));
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval tv = {1, 0};
    CHECK_EQ(sys_select(p[0] + 1, &r, 0, 0, &tv), 1);
    CHECK(FD_ISSET(p[0], &r));
}

TEST(select, closed_fd_in_a_set_is_ebadf) {
    int fd = CHECK_OK(dup(0));
    CHECK_OK(close(fd));
    fd_set r;
    FD_ZERO(&r);
    FD_SET(fd, &r);
    struct timeval tv = {0, 0};
    CHECK_ERR(sys_select(fd + 1, &r, 0, 0, &tv), EBADF);
}

TEST(select, negative_nfds_is_einval) {
    struct timeval tv = {0, 0};
    CHECK_ERR(sys_select(-1, 0, 0, 0, &tv), EINVAL);
}

TEST(select, negative_timeout_is_einval) {
    struct timeval tv = {-1, 0};
    CHECK_ERR(sys_select(0, 0, 0, 0, &tv), EINVAL);
}

TEST(select, bad_set_pointer_is_efault) {
    struct timeval tv = {0, 0};
    CHECK_ERR(sys_select(1, BAD_PTR, 0, 0, &tv), EFAULT);
}

TEST(select, wakes_when_another_process_writes) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = write_later(p[1], 30);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    CHECK_EQ(sys_select(p[0] + 1, &r, 0, 0, 0), 1);
    CHECK(FD_ISSET(p[0], &r));
    CHECK_EXIT(pid, 0);
}

TEST(select, signal_handler_ends_the_wait_with_eintr) {
    handle(SIGUSR1, SA_RESTART);
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = signal_repeatedly(SIGUSR1);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval tv = {5, 0};
    long ret = sys_select(p[0] + 1, &r, 0, 0, &tv);
    int e = errno;
    stop_child(pid);
    CHECK_EQ(ret, -1);
    CHECK_EQ(e, EINTR);
}

/* ---- pselect6 (glibc's select and pselect) ---- */

TEST(pselect6, timeout_elapses_with_nothing_ready) {
    int p[2];
    CHECK_OK(pipe(p));
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = {0, 20 * 1000000}, start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_EQ(pselect(p[0] + 1, &r, 0, 0, &ts, 0), 0);
    CHECK(elapsed_ms(&start) >= 19);
    CHECK(!FD_ISSET(p[0], &r));
}

TEST(pselect6, reports_a_readable_pipe) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "x", 1), 1);
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[0], &w);
    struct timespec ts = {1, 0};
    CHECK_EQ(pselect(p[0] + 1, &r, &w, 0, &ts, 0), 1);
    CHECK(FD_ISSET(p[0], &r));
    CHECK(!FD_ISSET(p[0], &w));
}

TEST(pselect6, sigmask_lets_a_pending_signal_end_the_wait) {
    handle(SIGUSR1, 0);
    sigset_t block, empty, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, 0));
    CHECK_OK(raise(SIGUSR1));
    struct timespec ts = {2, 0};
    CHECK_ERR(pselect(0, 0, 0, 0, &ts, &empty), EINTR);
    CHECK_EQ(got_signal, 1);
    CHECK_OK(sigprocmask(SIG_BLOCK, 0, &now));
    CHECK(sigismember(&now, SIGUSR1));
}

TEST(pselect6, timeout_is_written_back_by_the_kernel) {
    struct timespec ts = {0, 5 * 1000000};
    CHECK_EQ(syscall(SYS_pselect6, 0, 0, 0, 0, &ts, 0), 0);
    CHECK_EQ(ts.tv_sec, 0);
    CHECK_EQ(ts.tv_nsec, 0);
}

TEST(pselect6, bad_sigset_size_is_einval) {
    sigset_t empty;
    sigemptyset(&empty);
    struct {
        const sigset_t *set;
        size_t size;
    } arg = {&empty, 4};
    struct timespec ts = {0, 0};
    CHECK_ERR(syscall(SYS_pselect6, 0, 0, 0, 0, &ts, &arg), EINVAL);
}

TEST(pselect6, closed_fd_is_ebadf) {
    /* A number known to be closed, whatever the case inherited. */
    int fd = CHECK_OK(dup(0));
    CHECK_OK(close(fd));
    fd_set r;
    FD_ZERO(&r);
    FD_SET(fd, &r);
    struct timespec ts = {0, 0};
    CHECK_ERR(pselect(fd + 1, &r, 0, 0, &ts, 0), EBADF);
}
