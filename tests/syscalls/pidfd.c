/* Process file descriptors: pidfd_open (flags, errors, close-on-exec, polling for the
 * process's end), pidfd_send_signal, waitid with P_PIDFD, the pidfds clone3 and clone
 * make with CLONE_PIDFD, and pidfd_getfd (another process's fd). */
#include "harness.h"

#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#define NO_PID 0x3ffffff0 /* above any pid_max */

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_DETACHED
#define CLONE_DETACHED 0x00400000
#endif

static long pidfd_open_raw(pid_t pid, unsigned flags) {
    return syscall(SYS_pidfd_open, pid, flags);
}

static long send_signal(int pidfd, int sig, unsigned flags) {
    return syscall(SYS_pidfd_send_signal, pidfd, sig, (siginfo_t *)0, flags);
}

static long getfd(int pidfd, int targetfd, unsigned flags) {
    return syscall(SYS_pidfd_getfd, pidfd, targetfd, flags);
}

static long waitid_raw(int idtype, int id, siginfo_t *si, int options) {
    return syscall(SYS_waitid, idtype, id, si, options, (void *)0);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A child that waits until the parent closes its end of `p`, then exits with `code`. */
static pid_t child_waiting_on(int p[2], int code) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(p[1]);
        char c;
        read(p[0], &c, 1);
        _exit(code);
    }
    close(p[0]);
    return pid;
}

/* poll's revents for `fd` after waiting at most `ms`. */
static int poll_events(int fd, int ms) {
    struct pollfd pfd = {fd, POLLIN, 0};
    int n;
    do
        n = poll(&pfd, 1, ms);
    while (n < 0 && errno == EINTR);
    CHECK_OK(n);
    return n == 0 ? 0 : pfd.revents;
}

/* Waits (without reaping) until child `pid` has exited. */
static void wait_until_zombie(pid_t pid) {
    siginfo_t si;
    CHECK_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
}

/* ---- pidfd_open ---- */

TEST(pidfd_open, of_a_child_gives_a_close_on_exec_fd) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = child_waiting_on(p, 0);
    int fd = CHECK_OK(pidfd_open_raw(pid, 0));
    CHECK(fd > 2);
    CHECK_EQ(CHECK_OK(fcntl(fd, F_GETFD)) & FD_CLOEXEC, FD_CLOEXEC);
    CHECK_EQ(CHECK_OK(fcntl(fd, F_GETFL)) & O_NONBLOCK, 0);
    close(p[1]);
    CHECK_EXIT(pid, 0);
}

TEST(pidfd_open, nonblock_flag_sets_o_nonblock) {
    int fd = CHECK_OK(pidfd_open_raw(getpid(), PIDFD_NONBLOCK));
    CHECK_EQ(CHECK_OK(fcntl(fd, F_GETFL)) & O_NONBLOCK, O_NONBLOCK);
}

TEST(pidfd_open, bad_flags_are_einval) {
    CHECK_ERR(pidfd_open_raw(getpid(), 1), EINVAL);
    CHECK_ERR(pidfd_open_raw(getpid(), 0x4), EINVAL);
    CHECK_ERR(pidfd_open_raw(getpid(), O_CLOEXEC), EINVAL);
    CHECK_ERR(pidfd_open_raw(getpid(), 0x80000000u), EINVAL);
}

TEST(pidfd_open, bad_pids) {
    CHECK_ERR(pidfd_open_raw(NO_PID, 0), ESRCH);
    CHECK_ERR(pidfd_open_raw(0, 0), EINVAL);
    CHECK_ERR(pidfd_open_raw(-1, 0), EINVAL);
}

static int thread_pipe[2];
static volatile pid_t thread_tid;

static void *thread_waiting(void *arg) {
    (void)arg;
    thread_tid = syscall(SYS_gettid);
    char c;
    read(thread_pipe[0], &c, 1);
    return 0;
}

TEST(pidfd_open, thread_that_is_not_the_leader_is_refused) {
    CHECK_OK(pipe(thread_pipe));
    pthread_t t;
    CHECK_EQ(pthread_create(&t, 0, thread_waiting, 0), 0);
    while (!thread_tid)
        sleep_ms(1);
    CHECK(thread_tid != getpid());
    /* Without PIDFD_THREAD a pidfd is for a thread-group leader. Linux up to 6.15 says
     * EINVAL, later ones (pidfs) ENOENT. */
    errno = 0;
    long r = pidfd_open_raw(thread_tid, 0);
    CHECK_MSG(r == -1 && (errno == ENOENT || errno == EINVAL),
              "pidfd_open(tid) = %ld errno %d %s", r, errno, strerror(errno));
    /* The leader's pid works. */
    CHECK_OK(pidfd_open_raw(getpid(), 0));
    close(thread_pipe[1]);
    CHECK_EQ(pthread_join(t, 0), 0);
}

TEST(pidfd_open, of_a_zombie_works_of_a_reaped_child_is_esrch) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    wait_until_zombie(pid);
    int fd = CHECK_OK(pidfd_open_raw(pid, 0));
    CHECK_EQ(poll_events(fd, 0) & POLLIN, POLLIN);
    CHECK_EXIT(pid, 0);
    CHECK_ERR(pidfd_open_raw(pid, 0), ESRCH);
}

TEST(pidfd_open, polls_readable_once_the_child_has_exited_not_before) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = child_waiting_on(p, 0);
    int fd = CHECK_OK(pidfd_open_raw(pid, 0));
    CHECK_EQ(poll_events(fd, 0), 0);
    close(p[1]);
    wait_until_zombie(pid);
    /* Readable while the child is a zombie, before it is reaped. */
    CHECK_EQ(poll_events(fd, 0), POLLIN);
    CHECK_EXIT(pid, 0);
}

TEST(pidfd_open, poll_blocks_until_the_child_exits) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sleep_ms(30);
        _exit(0);
    }
    int fd = CHECK_OK(pidfd_open_raw(pid, 0));
    CHECK_EQ(poll_events(fd, 5000) & POLLIN, POLLIN);
    CHECK_EXIT(pid, 0);
}

TEST(pidfd_open, poll_reports_pollhup_once_the_child_is_reaped) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    int fd = CHECK_OK(pidfd_open_raw(pid, 0));
    CHECK_EXIT(pid, 0);
    CHECK_EQ(poll_events(fd, 0), POLLIN | POLLHUP);
}

TEST(pidfd_open, own_pidfd_does_not_poll_readable) {
    int fd = CHECK_OK(pidfd_open_raw(getpid(), 0));
    CHECK_EQ(poll_events(fd, 0), 0);
}

/* ---- pidfd_send_signal ---- */

TEST(pidfd_send_signal, sigterm_kills_the_child) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = child_waiting_on(p, 0);
    int fd = CHECK_OK(pidfd_open_raw(pid, 0));
    CHECK_EQ(CHECK_OK(send_signal(fd, SIGTERM, 0)), 0);
    CHECK_EXIT(pid, 128 + SIGTERM);
    close(p[1]);
}

TEST(pidfd_send_signal, signal_zero_only_checks) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = child_waiting_on(p, 5);
    int fd = CHECK_OK(pidfd_open_raw(pid, 0));
    CHECK_EQ(CHECK_OK(send_signal(fd, 0, 0)), 0);
    close(p[1]);
    CHECK_EXIT(pid, 5);
}

TEST(pidfd_send_signal, the_child_sees_si_user_and_the_senders_pid) {
    int p[2];
    CHECK_OK(pipe(p));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &set, 0));
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        siginfo_t si;
        if (sigwaitinfo(&set, &si) != SIGUSR1)
            _exit(1);
        if (si.si_code != SI_USER || si.si_pid != parent || si.si_uid != getuid())
            _exit(2);
        _exit(0);
    }
    int fd = CHECK_OK(pidfd_open_raw(pid, 0));
    CHECK_OK(send_signal(fd, SIGUSR1, 0));
    CHECK_EXIT(pid, 0);
}

TEST(pidfd_send_signal, bad_flags_and_signals_are_einval) {
    int fd = CHECK_OK(pidfd_open_raw(getpid(), 0));
    CHECK_ERR(send_signal(fd, 0, 0x80), EINVAL);
    CHECK_ERR(send_signal(fd, 0, 0x80000000u), EINVAL);
    CHECK_ERR(send_signal(fd, 65, 0), EINVAL);
    CHECK_ERR(send_signal(fd, -1, 0), EINVAL);
}

TEST(pidfd_send_signal, fd_that_is_not_a_pidfd_is_ebadf) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(send_signal(p[0], 0, 0), EBADF);
    int f = CHECK_OK(open("f", O_RDWR | O_CREAT, 0600));
    CHECK_ERR(send_signal(f, 0, 0), EBADF);
    close(p[1]);
    CHECK_ERR(send_signal(p[1], 0, 0), EBADF);
    CHECK_ERR(send_signal(-1, 0, 0), EBADF);
}

TEST(pidfd_send_signal, proc_pid_directory_fd_works_too) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = child_waiting_on(p, 0);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d", pid);
    int fd = CHECK_OK(open(path, O_RDONLY | O_DIRECTORY));
    CHECK_OK(send_signal(fd, SIGKILL, 0));
    CHECK_EXIT(pid, 128 + SIGKILL);
    close(p[1]);
}

TEST(pidfd_send_signal, zombie_succeeds_reaped_child_is_esrch) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    int fd = CHECK_OK(pidfd_open_raw(pid, 0));
    wait_until_zombie(pid);
    CHECK_EQ(CHECK_OK(send_signal(fd, SIGTERM, 0)), 0);
    CHECK_EXIT(pid, 0);
    CHECK_ERR(send_signal(fd, 0, 0), ESRCH);
    CHECK_ERR(send_signal(fd, SIGTERM, 0), ESRCH);
}

/* ---- waitid (P_PIDFD) ---- */

TEST(waitid, p_pidfd_waits_for_that_child) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t other = child_waiting_on(p, 1);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sleep_ms(20);
        _exit(9);
    }
    int fd = CHECK_OK(pidfd_open_raw(pid, 0));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK_EQ(CHECK_OK(waitid_raw(P_PIDFD, fd, &si, WEXITED)), 0);
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_code, CLD_EXITED);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_status, 9);
    CHECK_ERR(waitpid(pid, 0, WNOHANG), ECHILD);
    /* Waiting again through the pidfd: nothing left to wait for. */
    CHECK_ERR(waitid_raw(P_PIDFD, fd, &si, WEXITED), ECHILD);
    close(p[1]);
    CHECK_EXIT(other, 1);
}

TEST(waitid, p_pidfd_wnohang_with_a_running_child_returns_zero) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = child_waiting_on(p, 0);
    int fd = CHECK_OK(pidfd_open_raw(pid, 0));
    siginfo_t si;
    memset(&si, 0xff, sizeof si);
    CHECK_EQ(CHECK_OK(waitid_raw(P_PIDFD, fd, &si, WEXITED | WNOHANG)), 0);
    CHECK_EQ(si.si_pid, 0);
    close(p[1]);
    CHECK_EXIT(pid, 0);
}

TEST(waitid, p_pidfd_nonblocking_pidfd_with_a_running_child_is_eagain) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = child_waiting_on(p, 0);
    int fd = CHECK_OK(pidfd_open_raw(pid, PIDFD_NONBLOCK));
    siginfo_t si;
    CHECK_ERR(waitid_raw(P_PIDFD, fd, &si, WEXITED), EAGAIN);
    close(p[1]);
    wait_until_zombie(pid);
    CHECK_OK(waitid_raw(P_PIDFD, fd, &si, WEXITED));
    CHECK_EQ(si.si_pid, pid);
}

TEST(waitid, p_pidfd_bad_fds) {
    int p[2];
    CHECK_OK(pipe(p));
    siginfo_t si;
    CHECK_ERR(waitid_raw(P_PIDFD, p[0], &si, WEXITED), EBADF);
    CHECK_ERR(waitid_raw(P_PIDFD, 100, &si, WEXITED), EBADF);
    CHECK_ERR(waitid_raw(P_PIDFD, -1, &si, WEXITED), EINVAL);
}

TEST(waitid, p_pidfd_of_a_process_that_is_not_a_child_is_echild) {
    int fd = CHECK_OK(pidfd_open_raw(getpid(), 0));
    siginfo_t si;
    CHECK_ERR(waitid_raw(P_PIDFD, fd, &si, WEXITED | WNOHANG), ECHILD);
}

/* ---- clone3, clone (CLONE_PIDFD) ---- */

TEST(clone3, clone_pidfd_returns_a_pidfd_in_the_given_pointer) {
    int pidfd = -1;
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)&pidfd;
    args.exit_signal = SIGCHLD;
    long pid = CHECK_OK(syscall(SYS_clone3, &args, sizeof args));
    if (pid == 0)
        _exit(3);
    CHECK(pidfd > 2);
    CHECK_EQ(CHECK_OK(fcntl(pidfd, F_GETFD)) & FD_CLOEXEC, FD_CLOEXEC);
    CHECK_EQ(poll_events(pidfd, 5000) & POLLIN, POLLIN);
    siginfo_t si;
    CHECK_OK(waitid_raw(P_PIDFD, pidfd, &si, WEXITED));
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_status, 3);
}

TEST(clone3, clone_pidfd_with_a_bad_pointer_is_efault) {
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)BAD_PTR;
    args.exit_signal = SIGCHLD;
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0)
        _exit(0);
    CHECK_EQ(pid, -1);
    CHECK_EQ(errno, EFAULT);
    /* No child was made. */
    CHECK_ERR(waitpid(-1, 0, WNOHANG), ECHILD);
}

TEST(clone, clone_pidfd_stores_the_fd_at_parent_tid) {
    int pidfd = -1;
    long pid = CHECK_OK(syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0));
    if (pid == 0)
        _exit(4);
    CHECK(pidfd > 2);
    CHECK_EQ(CHECK_OK(fcntl(pidfd, F_GETFD)) & FD_CLOEXEC, FD_CLOEXEC);
    CHECK_EQ(poll_events(pidfd, 5000) & POLLIN, POLLIN);
    siginfo_t si;
    CHECK_OK(waitid_raw(P_PIDFD, pidfd, &si, WEXITED));
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_status, 4);
}

TEST(clone, clone_pidfd_with_parent_settid_is_einval) {
    /* Both would store at parent_tid. */
    int word = -1;
    long pid = syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &word, 0, 0);
    if (pid == 0)
        _exit(0);
    CHECK_EQ(pid, -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(word, -1);
}

TEST(clone, clone_pidfd_with_clone_detached_is_einval) {
    int word = -1;
    long pid = syscall(SYS_clone, CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, 0, &word, 0, 0);
    if (pid == 0)
        _exit(0);
    CHECK_EQ(pid, -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(word, -1);
}

/* ---- pidfd_getfd ---- */

/* A child with the read end of a pipe at fd 42 and "from the child" written into it;
 * it exits when the parent closes `*go`. */
static pid_t child_with_fd_42(int *go) {
    int ready[2], down[2];
    CHECK_OK(pipe(ready));
    CHECK_OK(pipe(down));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(ready[0]);
        close(down[1]);
        int q[2];
        if (pipe(q) != 0 || dup2(q[0], 42) != 42)
            _exit(10);
        close(q[0]);
        write(q[1], "from the child", 14);
        close(q[1]);
        write(ready[1], "r", 1);
        char c;
        read(down[0], &c, 1);
        _exit(0);
    }
    close(ready[1]);
    close(down[0]);
    char c;
    CHECK_EQ(read(ready[0], &c, 1), 1);
    close(ready[0]);
    *go = down[1];
    return pid;
}

TEST(pidfd_getfd, dups_a_childs_fd_into_the_caller) {
    int go;
    pid_t pid = child_with_fd_42(&go);
    int pidfd = CHECK_OK(pidfd_open_raw(pid, 0));
    int fd = CHECK_OK(getfd(pidfd, 42, 0));
    CHECK(fd > 2);
    char buf[32] = {0};
    CHECK_EQ(read(fd, buf, sizeof buf), 14);
    CHECK_STR(buf, "from the child");
    /* The new fd is close-on-exec. */
    CHECK_EQ(CHECK_OK(fcntl(fd, F_GETFD)) & FD_CLOEXEC, FD_CLOEXEC);
    close(go);
    CHECK_EXIT(pid, 0);
}

TEST(pidfd_getfd, shares_the_open_file_description) {
    harness_write_file("f", "0123456789");
    int ready[2], go[2];
    CHECK_OK(pipe(ready));
    CHECK_OK(pipe(go));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(ready[0]);
        close(go[1]);
        int f = open("f", O_RDONLY);
        if (f < 0 || dup2(f, 42) != 42)
            _exit(10);
        close(f);
        write(ready[1], "r", 1);
        char c;
        /* Wait for the parent, then read where its lseek left the offset. */
        read(go[0], &c, 1);
        if (read(42, &c, 1) != 1)
            _exit(11);
        _exit(c == '7' ? 0 : 12);
    }
    close(ready[1]);
    close(go[0]);
    char c;
    CHECK_EQ(read(ready[0], &c, 1), 1);
    int pidfd = CHECK_OK(pidfd_open_raw(pid, 0));
    int fd = CHECK_OK(getfd(pidfd, 42, 0));
    CHECK_EQ(CHECK_OK(lseek(fd, 7, SEEK_SET)), 7);
    close(go[1]);
    CHECK_EXIT(pid, 0);
}

TEST(pidfd_getfd, bad_target_fd_is_ebadf) {
    int go;
    pid_t pid = child_with_fd_42(&go);
    int pidfd = CHECK_OK(pidfd_open_raw(pid, 0));
    CHECK_ERR(getfd(pidfd, 43, 0), EBADF);
    CHECK_ERR(getfd(pidfd, -1, 0), EBADF);
    close(go);
    CHECK_EXIT(pid, 0);
}

TEST(pidfd_getfd, bad_flags_are_einval) {
    int go;
    pid_t pid = child_with_fd_42(&go);
    int pidfd = CHECK_OK(pidfd_open_raw(pid, 0));
    CHECK_ERR(getfd(pidfd, 42, 1), EINVAL);
    CHECK_ERR(getfd(pidfd, 42, O_CLOEXEC), EINVAL);
    close(go);
    CHECK_EXIT(pid, 0);
}

TEST(pidfd_getfd, fd_that_is_not_a_pidfd_is_ebadf) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(getfd(p[0], 0, 0), EBADF);
    CHECK_ERR(getfd(100, 0, 0), EBADF);
}

TEST(pidfd_getfd, of_the_calling_process) {
    int p[2];
    CHECK_OK(pipe(p));
    int pidfd = CHECK_OK(pidfd_open_raw(getpid(), 0));
    int fd = CHECK_OK(getfd(pidfd, p[1], 0));
    CHECK(fd != p[1]);
    CHECK_EQ(write(fd, "x", 1), 1);
    char c = 0;
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(c, 'x');
}

TEST(pidfd_getfd, of_an_exited_child_is_esrch) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    int pidfd = CHECK_OK(pidfd_open_raw(pid, 0));
    /* A zombie has no fds left to take. */
    wait_until_zombie(pid);
    CHECK_ERR(getfd(pidfd, 0, 0), ESRCH);
    CHECK_EXIT(pid, 0);
    CHECK_ERR(getfd(pidfd, 0, 0), ESRCH);
}
