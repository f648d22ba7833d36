/* epoll: epoll_create, epoll_create1, epoll_ctl (ADD/MOD/DEL and their errors),
 * epoll_wait, epoll_pwait and epoll_pwait2 (level and edge triggering, EPOLLONESHOT,
 * timeouts, signal masks, nesting, what closing a watched fd does). */
#include "harness.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
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

static int add(int ep, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev = {.events = events, .data.u64 = data};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int new_epoll(void) { return CHECK_OK(epoll_create1(0)); }

/* ---- epoll_create, epoll_create1 ---- */

TEST(epoll_create, size_zero_or_negative_is_einval) {
    CHECK_ERR(syscall(SYS_epoll_create, 0), EINVAL);
    CHECK_ERR(syscall(SYS_epoll_create, -1), EINVAL);
}

TEST(epoll_create, positive_size_gives_an_epoll_fd) {
    int ep = CHECK_OK(syscall(SYS_epoll_create, 1));
    CHECK_EQ(fcntl(ep, F_GETFD), 0);
    struct epoll_event ev;
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
    /* The size is only a hint: more fds than that can be added. */
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(ep, p[0], EPOLLIN, 0));
    CHECK_OK(add(ep, p[1], EPOLLOUT, 1));
}

TEST(epoll_create1, cloexec_sets_the_flag) {
    int ep = CHECK_OK(epoll_create1(EPOLL_CLOEXEC));
    CHECK_EQ(fcntl(ep, F_GETFD), FD_CLOEXEC);
    int ep2 = CHECK_OK(epoll_create1(0));
    CHECK_EQ(fcntl(ep2, F_GETFD), 0);
}

TEST(epoll_create1, unknown_flag_is_einval) {
    CHECK_ERR(epoll_create1(1), EINVAL);
    CHECK_ERR(epoll_create1(O_NONBLOCK), EINVAL);
}

/* ---- epoll_ctl ---- */

TEST(epoll_ctl, add_mod_and_del_change_what_is_reported) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "x", 1), 1);
    struct epoll_event ev;
    CHECK_OK(add(ep, p[0], EPOLLIN, 7));
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 1);
    CHECK_EQ(ev.events, EPOLLIN);
    CHECK_EQ(ev.data.u64, 7);
    /* MOD to a never-ready event: nothing reported. */
    struct epoll_event mod = {.events = EPOLLOUT, .data.u64 = 8};
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &mod));
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
    mod.events = EPOLLIN;
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &mod));
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 1);
    CHECK_EQ(ev.data.u64, 8);
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], 0));
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
}

TEST(epoll_ctl, adding_twice_is_eexist) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(ep, p[0], EPOLLIN, 0));
    CHECK_ERR(add(ep, p[0], EPOLLIN, 0), EEXIST);
}

TEST(epoll_ctl, mod_or_del_of_an_unwatched_fd_is_enoent) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN};
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], &ev), ENOENT);
}

TEST(epoll_ctl, adding_the_epoll_fd_to_itself_is_einval) {
    int ep = new_epoll();
    CHECK_ERR(add(ep, ep, EPOLLIN, 0), EINVAL);
}

TEST(epoll_ctl, regular_file_is_eperm) {
    int ep = new_epoll();
    int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0600));
    CHECK_ERR(add(ep, fd, EPOLLIN, 0), EPERM);
    int dir = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
    CHECK_ERR(add(ep, dir, EPOLLIN, 0), EPERM);
}

TEST(epoll_ctl, bad_fds_are_ebadf) {
    int ep = new_epoll();
    CHECK_ERR(add(ep, 12345, EPOLLIN, 0), EBADF);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(add(12345, p[0], EPOLLIN, 0), EBADF);
}

TEST(epoll_ctl, epfd_that_is_not_an_epoll_is_einval) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(add(p[0], p[1], EPOLLOUT, 0), EINVAL);
}

TEST(epoll_ctl, unknown_operation_is_einval) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN};
    CHECK_ERR(epoll_ctl(ep, 99, p[0], &ev), EINVAL);
}

TEST(epoll_ctl, bad_event_pointer_is_efault) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], BAD_PTR), EFAULT);
}

TEST(epoll_ctl, a_loop_of_epolls_is_eloop) {
    int a = new_epoll(), b = new_epoll();
    CHECK_OK(add(a, b, EPOLLIN, 0));
    CHECK_ERR(add(b, a, EPOLLIN, 0), ELOOP);
}

TEST(epoll_ctl, exclusive_with_mod_is_einval) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0));
    struct epoll_event ev = {.events = EPOLLIN};
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), EINVAL);
}

/* ---- epoll_wait ---- */

TEST(epoll_wait, level_triggered_reports_again_until_drained) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(ep, p[0], EPOLLIN, 1));
    CHECK_EQ(write(p[1], "ab", 2), 2);
    struct epoll_event ev;
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 1);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 1);
    char buf[2];
    CHECK_EQ(read(p[0], buf, 1), 1);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 1);
    CHECK_EQ(read(p[0], buf, 1), 1);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
}

TEST(epoll_wait, edge_triggered_reports_once_per_change) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(ep, p[0], EPOLLIN | EPOLLET, 1));
    CHECK_EQ(write(p[1], "a", 1), 1);
    struct epoll_event ev;
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 1);
    CHECK_EQ(ev.events, EPOLLIN);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0); /* still readable, but no new edge */
    CHECK_EQ(write(p[1], "b", 1), 1);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 1);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
}

TEST(epoll_wait, oneshot_disarms_until_mod) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(ep, p[0], EPOLLIN | EPOLLONESHOT, 3));
    CHECK_EQ(write(p[1], "a", 1), 1);
    struct epoll_event ev;
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 1);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
    CHECK_EQ(write(p[1], "b", 1), 1);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
    /* Still registered: ADD is EEXIST, MOD re-arms. */
    CHECK_ERR(add(ep, p[0], EPOLLIN, 0), EEXIST);
    struct epoll_event mod = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 4};
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &mod));
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 1);
    CHECK_EQ(ev.data.u64, 4);
}

TEST(epoll_wait, returns_the_data_of_each_ready_fd) {
    int ep = new_epoll();
    int p[2], q[2];
    CHECK_OK(pipe(p));
    CHECK_OK(pipe(q));
    CHECK_OK(add(ep, p[1], EPOLLOUT, 0x1111222233334444ULL));
    CHECK_OK(add(ep, q[1], EPOLLOUT, 0x5555666677778888ULL));
    CHECK_OK(add(ep, q[0], EPOLLIN, 99)); /* not ready */
    struct epoll_event ev[4];
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 2);
    int seen = 0;
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(ev[i].events, EPOLLOUT);
        if (ev[i].data.u64 == 0x1111222233334444ULL)
            seen |= 1;
        else if (ev[i].data.u64 == 0x5555666677778888ULL)
            seen |= 2;
    }
    CHECK_EQ(seen, 3);
}

TEST(epoll_wait, maxevents_limits_the_events_returned) {
    int ep = new_epoll();
    int p[2], q[2];
    CHECK_OK(pipe(p));
    CHECK_OK(pipe(q));
    CHECK_OK(add(ep, p[1], EPOLLOUT, 1));
    CHECK_OK(add(ep, q[1], EPOLLOUT, 2));
    struct epoll_event ev[2];
    CHECK_EQ(epoll_wait(ep, ev, 1, 0), 1);
    CHECK_EQ(epoll_wait(ep, ev, 2, 0), 2);
}

TEST(epoll_wait, maxevents_zero_or_negative_is_einval) {
    int ep = new_epoll();
    struct epoll_event ev;
    CHECK_ERR(epoll_wait(ep, &ev, 0, 0), EINVAL);
    CHECK_ERR(syscall(SYS_epoll_wait, ep, &ev, -1, 0), EINVAL);
}

TEST(epoll_wait, non_epoll_fd_is_einval_and_bad_fd_is_ebadf) {
    int p[2];
    CHECK_OK(pipe(p));
    struct epoll_event ev;
    CHECK_ERR(epoll_wait(p[0], &ev, 1, 0), EINVAL);
    CHECK_ERR(epoll_wait(12345, &ev, 1, 0), EBADF);
}

TEST(epoll_wait, bad_events_pointer_is_efault) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(ep, p[1], EPOLLOUT, 1));
    CHECK_ERR(epoll_wait(ep, BAD_PTR, 1, 0), EFAULT);
}

TEST(epoll_wait, timeout_elapses_with_nothing_ready) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(ep, p[0], EPOLLIN, 1));
    struct epoll_event ev;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 20), 0);
    CHECK_MSG(elapsed_ms(&start) >= 19, "returned after %ld ms", elapsed_ms(&start));
}

TEST(epoll_wait, wakes_when_another_process_writes) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(ep, p[0], EPOLLIN, 5));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sleep_ms(30);
        _exit(write(p[1], "x", 1) == 1 ? 0 : 1);
    }
    struct epoll_event ev;
    CHECK_EQ(epoll_wait(ep, &ev, 1, 5000), 1);
    CHECK_EQ(ev.data.u64, 5);
    CHECK_EXIT(pid, 0);
}

TEST(epoll_wait, widowed_pipe_reports_epollhup_unasked) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(ep, p[0], EPOLLIN, 1));
    CHECK_OK(close(p[1]));
    struct epoll_event ev;
    CHECK_EQ(epoll_wait(ep, &ev, 1, 1000), 1);
    CHECK_EQ(ev.events, EPOLLHUP);
    int q[2];
    CHECK_OK(pipe(q));
    CHECK_OK(add(ep, q[1], 0, 2));
    CHECK_OK(close(q[0]));
    struct epoll_event evs[2];
    CHECK_EQ(epoll_wait(ep, evs, 2, 1000), 2);
    for (int i = 0; i < 2; i++)
        if (evs[i].data.u64 == 2)
            CHECK_EQ(evs[i].events, EPOLLERR);
}

TEST(epoll_wait, eventfd_readiness_follows_the_counter) {
    int ep = new_epoll();
    int fd = CHECK_OK(eventfd(0, EFD_NONBLOCK));
    CHECK_OK(add(ep, fd, EPOLLIN, 1));
    struct epoll_event ev;
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
    uint64_t v = 2;
    CHECK_EQ(write(fd, &v, 8), 8);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 1);
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
}

TEST(epoll_wait, signal_handler_ends_the_wait_with_eintr_even_with_sa_restart) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    CHECK_OK(sigaction(SIGUSR1, &sa, 0));
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(ep, p[0], EPOLLIN, 1));
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        for (int i = 0; i < 100; i++) {
            sleep_ms(10);
            kill(parent, SIGUSR1);
        }
        _exit(0);
    }
    struct epoll_event ev;
    int r = epoll_wait(ep, &ev, 1, 5000);
    int e = errno;
    kill(pid, SIGKILL);
    harness_wait(pid);
    CHECK_EQ(r, -1);
    CHECK_EQ(e, EINTR);
    CHECK(got_signal > 0);
}

TEST(epoll_wait, closing_the_only_fd_removes_the_watch) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(ep, p[1], EPOLLOUT, 1));
    CHECK_OK(close(p[1]));
    struct epoll_event ev;
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
    /* The same number, reused for a new pipe, is not watched. */
    int q[2];
    CHECK_OK(pipe(q));
    CHECK_OK(dup2(q[1], p[1]));
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
    CHECK_OK(add(ep, p[1], EPOLLOUT, 2));
}

TEST(epoll_wait, a_watch_outlives_the_fd_while_a_dup_keeps_the_file_open) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    int d = CHECK_OK(dup(p[1]));
    CHECK_OK(add(ep, p[1], EPOLLOUT, 9));
    CHECK_OK(close(p[1]));
    struct epoll_event ev;
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 1);
    CHECK_EQ(ev.data.u64, 9);
    CHECK_OK(close(d));
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
}

TEST(epoll_wait, nested_epoll_is_readable_when_the_inner_has_events) {
    int outer = new_epoll(), inner = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(inner, p[0], EPOLLIN, 1));
    CHECK_OK(add(outer, inner, EPOLLIN, 2));
    struct epoll_event ev;
    CHECK_EQ(epoll_wait(outer, &ev, 1, 0), 0);
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK_EQ(epoll_wait(outer, &ev, 1, 1000), 1);
    CHECK_EQ(ev.events, EPOLLIN);
    CHECK_EQ(ev.data.u64, 2);
    CHECK_EQ(epoll_wait(inner, &ev, 1, 0), 1);
    CHECK_EQ(ev.data.u64, 1);
}

TEST(epoll_wait, nested_epoll_wakes_the_outer_waiter) {
    int outer = new_epoll(), inner = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(inner, p[0], EPOLLIN, 1));
    CHECK_OK(add(outer, inner, EPOLLIN, 2));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sleep_ms(30);
        _exit(write(p[1], "x", 1) == 1 ? 0 : 1);
    }
    struct epoll_event ev;
    CHECK_EQ(epoll_wait(outer, &ev, 1, 5000), 1);
    CHECK_EQ(ev.data.u64, 2);
    CHECK_EXIT(pid, 0);
}

/* ---- epoll_pwait, epoll_pwait2 ---- */

TEST(epoll_pwait, sigmask_lets_a_pending_signal_end_the_wait) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    CHECK_OK(sigaction(SIGUSR1, &sa, 0));
    sigset_t block, empty, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, 0));
    CHECK_OK(raise(SIGUSR1));
    int ep = new_epoll();
    struct epoll_event ev;
    CHECK_ERR(epoll_pwait(ep, &ev, 1, 2000, &empty), EINTR);
    CHECK_EQ(got_signal, 1);
    CHECK_OK(sigprocmask(SIG_BLOCK, 0, &now));
    CHECK(sigismember(&now, SIGUSR1));
}

TEST(epoll_pwait, reports_events_like_epoll_wait) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(ep, p[1], EPOLLOUT, 6));
    sigset_t empty;
    sigemptyset(&empty);
    struct epoll_event ev;
    CHECK_EQ(epoll_pwait(ep, &ev, 1, 0, &empty), 1);
    CHECK_EQ(ev.data.u64, 6);
    CHECK_EQ(epoll_pwait(ep, &ev, 1, 0, 0), 1);
}

TEST(epoll_pwait, bad_sigset_size_is_einval) {
    int ep = new_epoll();
    sigset_t empty;
    sigemptyset(&empty);
    struct epoll_event ev;
    CHECK_ERR(syscall(SYS_epoll_pwait, ep, &ev, 1, 0, &empty, 4), EINVAL);
}

static long pwait2(int ep, struct epoll_event *ev, int max, const struct timespec *ts,
                   const sigset_t *mask) {
    return syscall(SYS_epoll_pwait2, ep, ev, max, ts, mask, 8);
}

TEST(epoll_pwait2, timespec_timeout_elapses) {
    int ep = new_epoll();
    struct epoll_event ev;
    struct timespec ts = {0, 20 * 1000000}, start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_EQ(pwait2(ep, &ev, 1, &ts, 0), 0);
    CHECK(elapsed_ms(&start) >= 19);
    struct timespec zero = {0, 0};
    CHECK_EQ(pwait2(ep, &ev, 1, &zero, 0), 0);
}

TEST(epoll_pwait2, null_timeout_returns_a_ready_event) {
    int ep = new_epoll();
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(add(ep, p[1], EPOLLOUT, 3));
    struct epoll_event ev;
    CHECK_EQ(pwait2(ep, &ev, 1, 0, 0), 1);
    CHECK_EQ(ev.data.u64, 3);
}

TEST(epoll_pwait2, invalid_timespec_is_einval) {
    int ep = new_epoll();
    struct epoll_event ev;
    struct timespec bad = {0, 1000000000};
    CHECK_ERR(pwait2(ep, &ev, 1, &bad, 0), EINVAL);
    struct timespec neg = {-1, 0};
    CHECK_ERR(pwait2(ep, &ev, 1, &neg, 0), EINVAL);
}

TEST(epoll_pwait2, sigmask_lets_a_pending_signal_end_the_wait) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    CHECK_OK(sigaction(SIGUSR2, &sa, 0));
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigemptyset(&empty);
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, 0));
    CHECK_OK(raise(SIGUSR2));
    int ep = new_epoll();
    struct epoll_event ev;
    struct timespec ts = {2, 0};
    CHECK_ERR(pwait2(ep, &ev, 1, &ts, &empty), EINTR);
    CHECK_EQ(got_signal, 1);
}
