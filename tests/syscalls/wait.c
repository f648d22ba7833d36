/* Waiting for children: wait4 (which children, WNOHANG, statuses, errors), zombies,
 * orphans and their new parent, and the SIGCHLD a parent gets when a child ends. */
#include "harness.h"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A child that blocks until its end of `p` is closed by the parent, then exits with
 * `code`. */
static pid_t child_waiting_on(int p[2], int code) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(p[1]);
        char c;
        read(p[0], &c, 1);
        _exit(code);
    }
    return pid;
}

static long wait4_raw(pid_t pid, int *status, int options, struct rusage *ru) {
    return syscall(SYS_wait4, pid, status, options, ru);
}

TEST(wait4, returns_the_pid_and_the_exit_code) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(7);
    int st = 0;
    CHECK_EQ(CHECK_OK(wait4_raw(pid, &st, 0, 0)), pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 7);
    CHECK(!WIFSIGNALED(st));
}

TEST(wait4, exit_code_is_truncated_to_a_byte) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(256 + 9);
    int st = 0;
    CHECK_EQ(CHECK_OK(wait4_raw(pid, &st, 0, 0)), pid);
    CHECK_EQ(st, 9 << 8);
}

TEST(wait4, wnohang_with_a_running_child_returns_zero) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = child_waiting_on(p, 0);
    int st = 12345;
    CHECK_EQ(CHECK_OK(wait4_raw(pid, &st, WNOHANG, 0)), 0);
    CHECK_EQ(CHECK_OK(wait4_raw(-1, &st, WNOHANG, 0)), 0);
    close(p[1]);
    CHECK_EQ(CHECK_OK(wait4_raw(pid, &st, 0, 0)), pid);
    CHECK(WIFEXITED(st));
}

TEST(wait4, blocks_until_the_child_exits) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sleep_ms(30);
        _exit(2);
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int st;
    CHECK_EQ(CHECK_OK(wait4_raw(pid, &st, 0, 0)), pid);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    CHECK_MSG(ms >= 20, "returned after %ld ms", ms);
    CHECK_EQ(WEXITSTATUS(st), 2);
}

TEST(wait4, minus_one_waits_for_any_child) {
    pid_t a = CHECK_OK(fork());
    if (a == 0)
        _exit(1);
    pid_t b = CHECK_OK(fork());
    if (b == 0)
        _exit(2);
    int st, seen = 0;
    for (int i = 0; i < 2; i++) {
        pid_t r = CHECK_OK(wait4_raw(-1, &st, 0, 0));
        CHECK(r == a || r == b);
        CHECK_EQ(WEXITSTATUS(st), r == a ? 1 : 2);
        seen |= r == a ? 1 : 2;
    }
    CHECK_EQ(seen, 3);
    CHECK_ERR(wait4_raw(-1, &st, 0, 0), ECHILD);
}

TEST(wait4, specific_pid_leaves_other_children_alone) {
    pid_t a = CHECK_OK(fork());
    if (a == 0)
        _exit(1);
    pid_t b = CHECK_OK(fork());
    if (b == 0) {
        sleep_ms(20);
        _exit(2);
    }
    int st;
    CHECK_EQ(CHECK_OK(wait4_raw(b, &st, 0, 0)), b);
    CHECK_EQ(WEXITSTATUS(st), 2);
    /* a exited first but is still there to be reaped. */
    CHECK_EQ(CHECK_OK(wait4_raw(a, &st, 0, 0)), a);
    CHECK_EQ(WEXITSTATUS(st), 1);
}

TEST(wait4, pid_zero_waits_only_in_the_callers_group) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        /* Its own group, so that the runner's other processes do not matter. */
        setpgid(0, 0);
        int p[2];
        pipe(p);
        pid_t same = fork();
        if (same == 0)
            _exit(1);
        pid_t other = fork();
        if (other == 0) {
            setpgid(0, 0);
            close(p[1]);
            char c;
            read(p[0], &c, 1);
            _exit(2);
        }
        setpgid(other, other);
        close(p[0]);
        close(p[1]);
        int st;
        if (wait4_raw(0, &st, 0, 0) != same || WEXITSTATUS(st) != 1)
            _exit(10);
        /* The only child left is in another group. */
        errno = 0;
        if (wait4_raw(0, &st, 0, 0) != -1 || errno != ECHILD)
            _exit(11);
        if (wait4_raw(-other, &st, 0, 0) != other || WEXITSTATUS(st) != 2)
            _exit(12);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(wait4, negative_pid_waits_for_that_process_group) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t a = child_waiting_on(p, 3);
    pid_t b = CHECK_OK(fork());
    if (b == 0)
        _exit(4);
    CHECK_OK(setpgid(b, b));
    int st;
    /* b's group holds only b; a (still running) is in ours. */
    CHECK_EQ(CHECK_OK(wait4_raw(-b, &st, 0, 0)), b);
    CHECK_EQ(WEXITSTATUS(st), 4);
    CHECK_ERR(wait4_raw(-b, &st, WNOHANG, 0), ECHILD);
    close(p[1]);
    CHECK_EQ(CHECK_OK(wait4_raw(a, &st, 0, 0)), a);
}

TEST(wait4, no_children_is_echild) {
    int st;
    CHECK_ERR(wait4_raw(-1, &st, 0, 0), ECHILD);
    CHECK_ERR(wait4_raw(-1, &st, WNOHANG, 0), ECHILD);
    CHECK_ERR(wait4_raw(0, &st, 0, 0), ECHILD);
}

TEST(wait4, a_process_that_is_not_a_child_is_echild) {
    int st;
    CHECK_ERR(wait4_raw(getppid(), &st, 0, 0), ECHILD);
    CHECK_ERR(wait4_raw(getpid(), &st, 0, 0), ECHILD);
    CHECK_ERR(wait4_raw(1, &st, WNOHANG, 0), ECHILD);
}

TEST(wait4, reaped_child_is_echild) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    int st;
    CHECK_EQ(CHECK_OK(wait4_raw(pid, &st, 0, 0)), pid);
    CHECK_ERR(wait4_raw(pid, &st, 0, 0), ECHILD);
}

TEST(wait4, killed_child_is_wifsignaled) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = child_waiting_on(p, 0);
    CHECK_OK(kill(pid, SIGTERM));
    int st;
    CHECK_EQ(CHECK_OK(wait4_raw(pid, &st, 0, 0)), pid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGTERM);
    CHECK(!WIFEXITED(st));
    CHECK(!WCOREDUMP(st));
}

TEST(wait4, child_that_raises_sigkill_is_wifsignaled) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        raise(SIGKILL);
        _exit(0);
    }
    int st;
    CHECK_EQ(CHECK_OK(wait4_raw(pid, &st, 0, 0)), pid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGKILL);
}

TEST(wait4, null_status_pointer_is_accepted) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    CHECK_EQ(CHECK_OK(wait4_raw(pid, 0, 0, 0)), pid);
}

TEST(wait4, rusage_is_filled_in) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    struct rusage ru;
    memset(&ru, 0xff, sizeof ru);
    int st;
    CHECK_EQ(CHECK_OK(wait4_raw(pid, &st, 0, &ru)), pid);
    CHECK(ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000);
    CHECK(ru.ru_stime.tv_sec >= 0 && ru.ru_stime.tv_usec >= 0 && ru.ru_stime.tv_usec < 1000000);
    CHECK(ru.ru_nsignals >= 0);
    CHECK(ru.ru_maxrss >= 0);
}

TEST(wait4, bad_rusage_pointer_is_efault_and_still_reaps) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    int st;
    CHECK_ERR(wait4_raw(pid, &st, 0, BAD_PTR), EFAULT);
    /* The child was reaped all the same. */
    CHECK_ERR(wait4_raw(pid, &st, WNOHANG, 0), ECHILD);
}

TEST(wait4, unknown_option_is_einval) {
    int st;
    CHECK_ERR(wait4_raw(-1, &st, 0x100, 0), EINVAL);
    /* WNOWAIT and WEXITED are waitid's, not wait4's. */
    CHECK_ERR(wait4_raw(-1, &st, WNOWAIT, 0), EINVAL);
    CHECK_ERR(wait4_raw(-1, &st, WEXITED, 0), EINVAL);
}

TEST(wait4, bad_status_pointer_is_efault_and_still_reaps) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    CHECK_ERR(wait4_raw(pid, BAD_PTR, 0, 0), EFAULT);
    /* The child was reaped all the same. */
    int st;
    CHECK_ERR(wait4_raw(pid, &st, WNOHANG, 0), ECHILD);
}

TEST(wait4, wuntraced_reports_a_stopped_child) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = child_waiting_on(p, 0);
    CHECK_OK(kill(pid, SIGSTOP));
    int st = 0;
    long r = 0;
    for (int i = 0; i < 500 && r == 0; i++) {
        r = CHECK_OK(wait4_raw(pid, &st, WUNTRACED | WNOHANG, 0));
        if (r == 0)
            sleep_ms(2);
    }
    kill(pid, SIGKILL);
    CHECK_EQ(r, pid);
    CHECK(WIFSTOPPED(st));
    CHECK_EQ(WSTOPSIG(st), SIGSTOP);
    CHECK_EXIT(pid, 128 + SIGKILL);
}

TEST(wait4, wcontinued_reports_a_continued_child) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = child_waiting_on(p, 0);
    CHECK_OK(kill(pid, SIGSTOP));
    int st = 0;
    long r = 0;
    for (int i = 0; i < 500 && r == 0; i++) {
        r = CHECK_OK(wait4_raw(pid, &st, WUNTRACED | WNOHANG, 0));
        if (r == 0)
            sleep_ms(2);
    }
    CHECK_OK(kill(pid, SIGCONT));
    long c = 0;
    for (int i = 0; i < 500 && c == 0; i++) {
        c = CHECK_OK(wait4_raw(pid, &st, WCONTINUED | WNOHANG, 0));
        if (c == 0)
            sleep_ms(2);
    }
    kill(pid, SIGKILL);
    CHECK_EQ(r, pid);
    CHECK_EQ(c, pid);
    CHECK(WIFCONTINUED(st));
    CHECK_EXIT(pid, 128 + SIGKILL);
}

static int no_signal_child(void *arg) {
    (void)arg;
    return 6;
}

TEST(wait4, child_without_an_exit_signal_needs_wall) {
    static char stack[64 * 1024] __attribute__((aligned(16)));
    /* Exit signal 0: a "clone" child, which plain waits do not see. */
    pid_t pid = CHECK_OK(clone(no_signal_child, stack + sizeof stack, 0, 0));
    int st;
    CHECK_ERR(wait4_raw(pid, &st, 0, 0), ECHILD);
    CHECK_EQ(CHECK_OK(wait4_raw(pid, &st, __WALL, 0)), pid);
    CHECK_EQ(WEXITSTATUS(st), 6);
}

TEST(wait4, wclone_skips_ordinary_children) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    int st;
    CHECK_ERR(wait4_raw(pid, &st, __WCLONE, 0), ECHILD);
    CHECK_EQ(CHECK_OK(wait4_raw(pid, &st, 0, 0)), pid);
}

static volatile sig_atomic_t chld_seen;
static volatile pid_t chld_pid;
static volatile int chld_status, chld_code;

static void on_chld(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)uc;
    chld_seen++;
    chld_pid = si->si_pid;
    chld_status = si->si_status;
    chld_code = si->si_code;
}

static void catch_sigchld(sigset_t *old) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(SIGCHLD, &sa, 0));
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGCHLD);
    CHECK_OK(sigprocmask(SIG_BLOCK, &s, old));
    chld_seen = 0;
}

/* Waits with SIGCHLD blocked outside: sigsuspend lets it in. */
static void await_sigchld(const sigset_t *old) {
    sigset_t m = *old;
    sigdelset(&m, SIGCHLD);
    while (!chld_seen)
        sigsuspend(&m);
}

TEST(wait4, zombie_stays_until_reaped) {
    sigset_t old;
    catch_sigchld(&old);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(3);
    await_sigchld(&old);
    /* It has exited, yet it still exists: signal 0 reaches it, its group is known. */
    CHECK_EQ(kill(pid, 0), 0);
    CHECK_EQ(getpgid(pid), getpgrp());
    sleep_ms(10);
    CHECK_EQ(kill(pid, 0), 0);
    int st;
    CHECK_EQ(CHECK_OK(wait4_raw(pid, &st, WNOHANG, 0)), pid);
    CHECK_EQ(WEXITSTATUS(st), 3);
    CHECK_ERR(kill(pid, 0), ESRCH);
}

TEST(wait4, sigchld_carries_the_pid_and_exit_status) {
    sigset_t old;
    catch_sigchld(&old);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(7);
    await_sigchld(&old);
    CHECK_EQ(chld_pid, pid);
    CHECK_EQ(chld_code, CLD_EXITED);
    CHECK_EQ(chld_status, 7);
    CHECK_EXIT(pid, 7);
}

TEST(wait4, sigchld_for_a_killed_child_says_cld_killed) {
    sigset_t old;
    catch_sigchld(&old);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK_OK(kill(pid, SIGKILL));
    await_sigchld(&old);
    CHECK_EQ(chld_pid, pid);
    CHECK_EQ(chld_code, CLD_KILLED);
    CHECK_EQ(chld_status, SIGKILL);
    CHECK_EXIT(pid, 128 + SIGKILL);
}

TEST(wait4, ignored_sigchld_reaps_children_automatically) {
    signal(SIGCHLD, SIG_IGN);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    /* The wait blocks until the child is gone, then finds no child at all. */
    int st;
    CHECK_ERR(wait4_raw(-1, &st, 0, 0), ECHILD);
    CHECK_ERR(kill(pid, 0), ESRCH);
}

TEST(wait4, sa_nocldwait_reaps_children_automatically) {
    struct sigaction sa = {0};
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = SA_NOCLDWAIT;
    CHECK_OK(sigaction(SIGCHLD, &sa, 0));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    int st;
    CHECK_ERR(wait4_raw(pid, &st, 0, 0), ECHILD);
}

TEST(wait4, orphaned_grandchild_gets_a_new_parent) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t child = CHECK_OK(fork());
    if (child == 0) {
        pid_t me = getpid();
        pid_t g = fork();
        if (g == 0) {
            /* Waits until its parent is gone, then reports its new parent. */
            for (int i = 0; i < 1000 && getppid() == me; i++)
                sleep_ms(1);
            pid_t np = getppid();
            pid_t msg[2] = {me, np};
            write(p[1], msg, sizeof msg);
            _exit(0);
        }
        _exit(g > 0 ? 0 : 1);
    }
    close(p[1]);
    CHECK_EXIT(child, 0);
    pid_t msg[2] = {0, 0};
    CHECK_EQ(read(p[0], msg, sizeof msg), sizeof msg);
    CHECK_EQ(msg[0], child);
    CHECK(msg[1] != child);
    CHECK(msg[1] > 0);
    int st;
    if (getpid() == 1) {
        /* The case is the init of its pid namespace (as in a sandbox): orphans come
         * to it. */
        CHECK_EQ(msg[1], 1);
        CHECK(CHECK_OK(wait4_raw(-1, &st, 0, 0)) > 0);
    } else {
        /* It is not ours to wait for. */
        CHECK_ERR(wait4_raw(-1, &st, WNOHANG, 0), ECHILD);
    }
}

static int thread_child_pipe[2];

static void *forking_thread(void *arg) {
    pid_t *out = arg;
    pid_t parent = getpid();
    *out = fork();
    if (*out == 0) {
        close(thread_child_pipe[1]);
        char c;
        read(thread_child_pipe[0], &c, 1);
        _exit(getppid() == parent ? 8 : 1);
    }
    return 0;
}

TEST(wait4, child_of_an_exited_thread_is_waited_for_by_another) {
    /* The forking thread exits; its child passes to another thread of the same
     * process, which can wait for it. */
    CHECK_OK(pipe(thread_child_pipe));
    pthread_t t;
    pid_t g = 0;
    CHECK_EQ(pthread_create(&t, 0, forking_thread, &g), 0);
    CHECK_EQ(pthread_join(t, 0), 0);
    CHECK(g > 0);
    close(thread_child_pipe[1]);
    int st;
    CHECK_EQ(CHECK_OK(wait4_raw(g, &st, 0, 0)), g);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 8);
}
