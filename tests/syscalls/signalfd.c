/* signalfd and signalfd4: reading pending signals as signalfd_siginfo records,
 * flags and errors, mask updates, readiness, blocking reads, SIGCHLD and sigqueue
 * details, fork. */
#include "harness.h"

#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>

static sigset_t block_one(int sig) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    CHECK_OK(sigprocmask(SIG_BLOCK, &set, NULL));
    return set;
}

TEST(signalfd4, reads_a_pending_blocked_signal) {
    sigset_t set = block_one(SIGUSR1);
    int fd = CHECK_OK(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    struct signalfd_siginfo si;
    CHECK_ERR(read(fd, &si, sizeof si), EAGAIN);
    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK_EQ(read(fd, &si, sizeof si), (long)sizeof si);
    CHECK_EQ(si.ssi_signo, SIGUSR1);
    CHECK_EQ(si.ssi_code, SI_USER);
    CHECK_EQ(si.ssi_pid, (uint32_t)getpid());
    CHECK_EQ(si.ssi_uid, getuid());
    /* Consumed: neither pending nor readable any more. */
    sigset_t pending;
    CHECK_OK(sigpending(&pending));
    CHECK(!sigismember(&pending, SIGUSR1));
    CHECK_ERR(read(fd, &si, sizeof si), EAGAIN);
}

TEST(signalfd4, errors) {
    sigset_t set = block_one(SIGUSR1);
    CHECK_ERR(syscall(SYS_signalfd4, -1, &set, 8, 0x1), EINVAL);
    CHECK_ERR(syscall(SYS_signalfd4, -1, &set, 4, 0), EINVAL);
    CHECK_ERR(syscall(SYS_signalfd4, -1, BAD_PTR, 8, 0), EFAULT);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(signalfd(p[0], &set, 0), EINVAL);
    CHECK_ERR(signalfd(999, &set, 0), EBADF);
    int fd = CHECK_OK(signalfd(-1, &set, 0));
    char small[64];
    CHECK_ERR(read(fd, small, sizeof small), EINVAL);
    CHECK_ERR(write(fd, small, sizeof small), EINVAL);
}

TEST(signalfd4, an_existing_descriptor_gets_the_new_mask) {
    sigset_t set = block_one(SIGUSR1);
    block_one(SIGUSR2);
    int fd = CHECK_OK(signalfd(-1, &set, SFD_NONBLOCK));
    sigset_t other;
    sigemptyset(&other);
    sigaddset(&other, SIGUSR2);
    CHECK_EQ(signalfd(fd, &other, 0), fd);
    CHECK_OK(kill(getpid(), SIGUSR1));
    struct signalfd_siginfo si;
    CHECK_ERR(read(fd, &si, sizeof si), EAGAIN);
    CHECK_OK(kill(getpid(), SIGUSR2));
    CHECK_EQ(read(fd, &si, sizeof si), (long)sizeof si);
    CHECK_EQ(si.ssi_signo, SIGUSR2);
}

TEST(signalfd4, reads_several_records_at_once) {
    sigset_t set = block_one(SIGUSR1);
    sigaddset(&set, SIGUSR2);
    CHECK_OK(sigprocmask(SIG_BLOCK, &set, NULL));
    int fd = CHECK_OK(signalfd(-1, &set, SFD_NONBLOCK));
    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK_OK(kill(getpid(), SIGUSR2));
    struct signalfd_siginfo si[4];
    CHECK_EQ(read(fd, si, sizeof si), 2 * (long)sizeof si[0]);
    CHECK_EQ(si[0].ssi_signo, SIGUSR1);
    CHECK_EQ(si[1].ssi_signo, SIGUSR2);
}

TEST(signalfd4, sigqueue_value_arrives_in_ssi_int_and_ssi_ptr) {
    sigset_t set = block_one(SIGRTMIN);
    int fd = CHECK_OK(signalfd(-1, &set, SFD_NONBLOCK));
    union sigval v = {.sival_int = 4242};
    CHECK_OK(sigqueue(getpid(), SIGRTMIN, v));
    struct signalfd_siginfo si;
    CHECK_EQ(read(fd, &si, sizeof si), (long)sizeof si);
    CHECK_EQ(si.ssi_signo, (uint32_t)SIGRTMIN);
    CHECK_EQ(si.ssi_code, SI_QUEUE);
    CHECK_EQ(si.ssi_int, 4242);
}

TEST(signalfd4, sigchld_reports_the_child_and_its_status) {
    sigset_t set = block_one(SIGCHLD);
    int fd = CHECK_OK(signalfd(-1, &set, 0));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(7);
    struct signalfd_siginfo si;
    CHECK_EQ(read(fd, &si, sizeof si), (long)sizeof si);
    CHECK_EQ(si.ssi_signo, SIGCHLD);
    CHECK_EQ(si.ssi_code, CLD_EXITED);
    CHECK_EQ(si.ssi_pid, (uint32_t)pid);
    CHECK_EQ(si.ssi_status, 7);
    CHECK_EXIT(pid, 7);
}

TEST(signalfd4, a_blocked_read_wakes_when_the_signal_comes) {
    sigset_t set = block_one(SIGUSR1);
    int fd = CHECK_OK(signalfd(-1, &set, 0));
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, 0);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    struct signalfd_siginfo si;
    CHECK_EQ(read(fd, &si, sizeof si), (long)sizeof si);
    CHECK_EQ(si.ssi_signo, SIGUSR1);
    CHECK_EQ(si.ssi_pid, (uint32_t)pid);
    CHECK_EXIT(pid, 0);
}

TEST(poll, signalfd_is_readable_while_a_signal_of_its_mask_is_pending) {
    sigset_t set = block_one(SIGUSR1);
    int fd = CHECK_OK(signalfd(-1, &set, SFD_NONBLOCK));
    struct pollfd p = {fd, POLLIN, 0};
    CHECK_EQ(poll(&p, 1, 0), 0);
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, 0);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK(p.revents & POLLIN);
    CHECK_EXIT(pid, 0);
}

TEST(epoll_wait, signalfd_in_epoll_reports_a_pending_signal) {
    sigset_t set = block_one(SIGUSR2);
    int fd = CHECK_OK(signalfd(-1, &set, SFD_NONBLOCK));
    int ep = CHECK_OK(epoll_create1(0));
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
    CHECK_OK(kill(getpid(), SIGUSR2));
    CHECK_EQ(epoll_wait(ep, &ev, 1, 1000), 1);
    CHECK_EQ(ev.data.fd, fd);
}

TEST(signalfd4, after_fork_the_child_reads_its_own_signals) {
    sigset_t set = block_one(SIGUSR1);
    int fd = CHECK_OK(signalfd(-1, &set, SFD_NONBLOCK));
    CHECK_OK(kill(getpid(), SIGUSR1));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct signalfd_siginfo si;
        /* The parent's pending signal is not the child's. */
        if (read(fd, &si, sizeof si) != -1 || errno != EAGAIN)
            _exit(10);
        kill(getpid(), SIGUSR1);
        if (read(fd, &si, sizeof si) != sizeof si || si.ssi_pid != (uint32_t)getpid())
            _exit(11);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
    struct signalfd_siginfo si;
    CHECK_EQ(read(fd, &si, sizeof si), (long)sizeof si);
    CHECK_EQ(si.ssi_pid, (uint32_t)getpid());
}
