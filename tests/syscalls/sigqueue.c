/* Queued signals and synchronous waits: rt_sigqueueinfo, rt_tgsigqueueinfo,
 * rt_sigtimedwait; SIGCHLD's siginfo; permission to signal another user's process. */
#include "harness.h"

#include <time.h>

static void block(int sig) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    CHECK_OK(sigprocmask(SIG_BLOCK, &s, 0));
}

TEST(rt_sigtimedwait, takes_a_pending_signal_without_running_the_handler) {
    block(SIGUSR1);
    CHECK_OK(raise(SIGUSR1));
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    siginfo_t si;
    CHECK_EQ(sigwaitinfo(&s, &si), SIGUSR1);
    CHECK_EQ(si.si_signo, SIGUSR1);
    CHECK_EQ(si.si_pid, getpid());
    sigset_t pend;
    CHECK_OK(sigpending(&pend));
    CHECK(!sigismember(&pend, SIGUSR1));
}

TEST(rt_sigtimedwait, times_out_with_eagain) {
    block(SIGUSR2);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    struct timespec ts = {0, 20 * 1000 * 1000};
    CHECK_ERR(sigtimedwait(&s, 0, &ts), EAGAIN);
    struct timespec zero = {0, 0};
    CHECK_ERR(sigtimedwait(&s, 0, &zero), EAGAIN);
}

TEST(rt_sigtimedwait, bad_timeout_and_size_are_einval) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    struct timespec bad = {0, 1000000000};
    CHECK_ERR(sigtimedwait(&s, 0, &bad), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigtimedwait, &s, 0, 0, 4), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigtimedwait, BAD_PTR, 0, 0, 8), EFAULT);
}

TEST(rt_sigtimedwait, woken_by_a_signal_from_another_process) {
    block(SIGUSR1);
    pid_t parent = getpid();
    pid_t p = fork();
    if (p == 0) {
        usleep(50000);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    struct timespec ts = {10, 0};
    siginfo_t si;
    CHECK_EQ(sigtimedwait(&s, &si, &ts), SIGUSR1);
    CHECK_EQ(si.si_pid, p);
    CHECK_EQ(si.si_code, SI_USER);
    CHECK_EXIT(p, 0);
}

static volatile int handled;
static void on_usr2(int sig) { (void)sig; handled = 1; }

TEST(rt_sigtimedwait, another_handled_signal_is_eintr) {
    block(SIGUSR1);
    struct sigaction sa = {0};
    sa.sa_handler = on_usr2;
    CHECK_OK(sigaction(SIGUSR2, &sa, 0));
    pid_t parent = getpid();
    pid_t p = fork();
    if (p == 0) {
        usleep(50000);
        kill(parent, SIGUSR2);
        _exit(0);
    }
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    struct timespec ts = {10, 0};
    CHECK_ERR(sigtimedwait(&s, 0, &ts), EINTR);
    CHECK(handled);
    CHECK_EXIT(p, 0);
}

TEST(rt_sigqueueinfo, carries_the_value) {
    block(SIGRTMIN);
    union sigval v = {.sival_int = 1234};
    CHECK_OK(sigqueue(getpid(), SIGRTMIN, v));
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN);
    siginfo_t si;
    CHECK_EQ(sigwaitinfo(&s, &si), SIGRTMIN);
    CHECK_EQ(si.si_code, SI_QUEUE);
    CHECK_EQ(si.si_value.sival_int, 1234);
    CHECK_EQ(si.si_pid, getpid());
}

TEST(rt_sigqueueinfo, real_time_signals_queue_in_order) {
    block(SIGRTMIN + 1);
    for (int i = 0; i < 3; i++) {
        union sigval v = {.sival_int = i};
        CHECK_OK(sigqueue(getpid(), SIGRTMIN + 1, v));
    }
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN + 1);
    for (int i = 0; i < 3; i++) {
        siginfo_t si;
        CHECK_EQ(sigwaitinfo(&s, &si), SIGRTMIN + 1);
        CHECK_EQ(si.si_value.sival_int, i);
    }
}

TEST(rt_sigqueueinfo, posing_as_kill_to_another_process_is_eperm) {
    pid_t p = fork();
    if (p == 0) {
        pause();
        _exit(0);
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = SI_USER;
    CHECK_ERR(syscall(SYS_rt_sigqueueinfo, p, SIGUSR1, &si), EPERM);
    si.si_code = SI_QUEUE;
    CHECK_ERR(syscall(SYS_rt_sigqueueinfo, p, 99, &si), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigqueueinfo, 999999, SIGUSR1, &si), ESRCH);
    CHECK_OK(kill(p, SIGKILL));
    CHECK_EXIT(p, 128 + SIGKILL);
}

TEST(rt_tgsigqueueinfo, to_a_thread_of_the_caller) {
    block(SIGRTMIN + 2);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGRTMIN + 2;
    si.si_code = SI_QUEUE;
    si.si_value.sival_int = 77;
    CHECK_OK(syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGRTMIN + 2, &si));
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN + 2);
    siginfo_t got;
    CHECK_EQ(sigwaitinfo(&s, &got), SIGRTMIN + 2);
    CHECK_EQ(got.si_value.sival_int, 77);
    CHECK_ERR(syscall(SYS_rt_tgsigqueueinfo, getpid(), 0, SIGRTMIN + 2, &si), EINVAL);
    CHECK_ERR(syscall(SYS_rt_tgsigqueueinfo, getpid(), 999999, SIGRTMIN + 2, &si), ESRCH);
}

static volatile siginfo_t chld_info;
static void on_chld(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)uc;
    chld_info = *si;
}

TEST(rt_sigaction, sigchld_carries_the_childs_pid_and_status) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    CHECK_OK(sigaction(SIGCHLD, &sa, 0));
    pid_t p = fork();
    if (p == 0)
        _exit(42);
    /* Wait for the signal, then reap. */
    while (chld_info.si_pid == 0)
        usleep(1000);
    CHECK_EQ(chld_info.si_signo, SIGCHLD);
    CHECK_EQ(chld_info.si_code, CLD_EXITED);
    CHECK_EQ(chld_info.si_pid, p);
    CHECK_EQ(chld_info.si_status, 42);
    CHECK_EXIT(p, 42);
}

TEST(kill, another_users_process_is_eperm) {
    pid_t victim = fork();
    if (victim == 0) {
        pause();
        _exit(0);
    }
    pid_t p = fork();
    if (p == 0) {
        CHECK_OK(setuid(1000));
        CHECK_ERR(kill(victim, SIGTERM), EPERM);
        CHECK_ERR(kill(victim, 0), EPERM);
        /* Its own process is fine. */
        CHECK_OK(kill(getpid(), 0));
        _exit(0);
    }
    CHECK_EXIT(p, 0);
    CHECK_OK(kill(victim, SIGKILL));
    CHECK_EXIT(victim, 128 + SIGKILL);
}

TEST(kill, same_real_uid_may_signal) {
    pid_t victim = fork();
    if (victim == 0) {
        CHECK_OK(setuid(1000));
        pause();
        _exit(0);
    }
    pid_t p = fork();
    if (p == 0) {
        CHECK_OK(setuid(1000));
        /* Let the victim drop root first. */
        for (int i = 0; i < 200; i++) {
            if (kill(victim, 0) == 0)
                break;
            usleep(1000);
        }
        CHECK_OK(kill(victim, SIGTERM));
        _exit(0);
    }
    CHECK_EXIT(p, 0);
    CHECK_EXIT(victim, 128 + SIGTERM);
}

/* A signal whose default is to be ignored, blocked and waited for, is taken: the wait
 * unblocks it only for itself (Linux's real_blocked), so it is not discarded. */
TEST(rt_sigtimedwait, takes_a_blocked_signal_whose_default_is_ignore) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGWINCH);
    CHECK_OK(sigprocmask(SIG_BLOCK, &set, NULL));
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, 0);
        kill(parent, SIGWINCH);
        _exit(0);
    }
    struct timespec limit = {5, 0};
    CHECK_EQ(sigtimedwait(&set, NULL, &limit), SIGWINCH);
    CHECK_EXIT(pid, 0);
}
