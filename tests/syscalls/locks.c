/* File locks: flock (whole-file locks owned by the open file description) and fcntl
 * record locks: classic POSIX locks (F_SETLK, F_SETLKW, F_GETLK, owned by the process,
 * dropped on any close of the file) and open file description locks (F_OFD_SETLK,
 * F_OFD_GETLK). Conflicts are checked from a forked child, or between two opens. */
#include "harness.h"

#include <pthread.h>
#include <sys/file.h>
#include <sys/time.h>
#include <time.h>

/* Sets a lock; returns fcntl's result. */
static int lk(int fd, int cmd, short type, short whence, off_t start, off_t len) {
    struct flock fl = {.l_type = type, .l_whence = whence, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

/* F_GETLK / F_OFD_GETLK for a write lock on [start, start + len). */
static struct flock getlk(int fd, int cmd, off_t start, off_t len) {
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    CHECK_OK(fcntl(fd, cmd, &fl));
    return fl;
}

static int open_f(int flags) { return CHECK_OK(open("f", flags | O_CREAT, 0600)); }

/* A byte from the pipe (waits for the other side). */
static void wait_for(int rd) {
    char c;
    CHECK_EQ(read(rd, &c, 1), 1);
}

static void signal_to(int wr) { CHECK_EQ(write(wr, "x", 1), 1); }

/* ---- flock ---- */

TEST(flock, shared_locks_coexist) {
    int a = open_f(O_RDWR), b = open_f(O_RDWR);
    CHECK_OK(flock(a, LOCK_SH | LOCK_NB));
    CHECK_OK(flock(b, LOCK_SH | LOCK_NB));
    CHECK_ERR(flock(open_f(O_RDWR), LOCK_EX | LOCK_NB), EWOULDBLOCK);
}

TEST(flock, exclusive_conflicts_between_open_files) {
    int a = open_f(O_RDWR), b = open_f(O_RDWR);
    CHECK_OK(flock(a, LOCK_EX | LOCK_NB));
    CHECK_ERR(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    CHECK_ERR(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    CHECK_OK(flock(a, LOCK_UN));
    CHECK_OK(flock(b, LOCK_SH | LOCK_NB));
    CHECK_ERR(flock(a, LOCK_EX | LOCK_NB), EWOULDBLOCK);
}

TEST(flock, converts_between_shared_and_exclusive) {
    int a = open_f(O_RDWR), b = open_f(O_RDWR);
    CHECK_OK(flock(a, LOCK_SH));
    CHECK_OK(flock(a, LOCK_EX | LOCK_NB));
    CHECK_ERR(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    CHECK_OK(flock(a, LOCK_SH | LOCK_NB));
    CHECK_OK(flock(b, LOCK_SH | LOCK_NB));
    /* Locking again in the mode already held is a no-op. */
    CHECK_OK(flock(a, LOCK_SH | LOCK_NB));
    CHECK_OK(flock(a, LOCK_UN));
    CHECK_OK(flock(a, LOCK_UN));
}

TEST(flock, dup_shares_the_lock) {
    int a = open_f(O_RDWR);
    int d = CHECK_OK(dup(a));
    CHECK_OK(flock(a, LOCK_EX));
    /* Same open file description: no conflict, and unlocking via d releases a's. */
    CHECK_OK(flock(d, LOCK_EX | LOCK_NB));
    CHECK_OK(flock(d, LOCK_UN));
    CHECK_OK(flock(open_f(O_RDWR), LOCK_EX | LOCK_NB));
}

TEST(flock, inherited_across_fork_shares_the_lock) {
    int a = open_f(O_RDWR);
    CHECK_OK(flock(a, LOCK_EX));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        int b = open_f(O_RDWR);
        CHECK_ERR(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
        /* The child's copy of a is the same open file description. */
        CHECK_OK(flock(a, LOCK_EX | LOCK_NB));
        CHECK_OK(flock(a, LOCK_UN));
        CHECK_OK(flock(b, LOCK_EX | LOCK_NB));
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
    /* The child unlocked the shared lock, and its own lock went with its exit. */
    CHECK_OK(flock(open_f(O_RDWR), LOCK_EX | LOCK_NB));
}

TEST(flock, released_when_the_last_fd_closes) {
    int a = open_f(O_RDWR);
    int d = CHECK_OK(dup(a));
    int b = open_f(O_RDWR);
    CHECK_OK(flock(a, LOCK_EX));
    CHECK_OK(close(a));
    CHECK_ERR(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    CHECK_OK(close(d));
    CHECK_OK(flock(b, LOCK_EX | LOCK_NB));
}

TEST(flock, blocking_lock_waits_for_the_holder) {
    int ready[2], done[2];
    CHECK_OK(pipe(ready));
    CHECK_OK(pipe2(done, O_NONBLOCK));
    int a = open_f(O_RDWR);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        int c = open_f(O_RDWR);
        CHECK_OK(flock(c, LOCK_EX));
        signal_to(ready[1]);
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, 0);
        signal_to(done[1]); /* before the unlock: the parent must see it */
        CHECK_OK(flock(c, LOCK_UN));
        _exit(0);
    }
    wait_for(ready[0]);
    CHECK_OK(flock(a, LOCK_EX));
    char c;
    CHECK_EQ(read(done[0], &c, 1), 1);
    CHECK_EXIT(pid, 0);
}

TEST(flock, works_on_read_only_and_directory_fds) {
    int ro = open_f(O_RDONLY);
    CHECK_OK(flock(ro, LOCK_EX | LOCK_NB));
    CHECK_OK(mkdir("d", 0755));
    int d = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_OK(flock(d, LOCK_EX | LOCK_NB));
    CHECK_ERR(flock(CHECK_OK(open("d", O_RDONLY | O_DIRECTORY)), LOCK_SH | LOCK_NB),
              EWOULDBLOCK);
}

TEST(flock, bad_operation_or_fd_fails) {
    int a = open_f(O_RDWR);
    CHECK_ERR(flock(a, 0), EINVAL);
    CHECK_ERR(flock(a, LOCK_NB), EINVAL);
    CHECK_ERR(flock(a, LOCK_SH | LOCK_EX), EINVAL);
    CHECK_ERR(flock(-1, LOCK_SH), EBADF);
    CHECK_ERR(flock(12345, LOCK_UN), EBADF);
    int p = CHECK_OK(open("f", O_PATH));
    CHECK_ERR(flock(p, LOCK_SH), EBADF);
}

TEST(flock, independent_of_posix_record_locks) {
    int a = open_f(O_RDWR);
    CHECK_OK(flock(a, LOCK_EX));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        int b = open_f(O_RDWR);
        CHECK_ERR(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
        CHECK_OK(lk(b, F_SETLK, F_WRLCK, SEEK_SET, 0, 0));
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

/* ---- fcntl: POSIX record locks ---- */

TEST(fcntl, setlk_write_lock_conflicts_between_processes) {
    int fd = open_f(O_RDWR);
    CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        /* Record locks are not inherited: the child is another owner. */
        CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0), EAGAIN);
        CHECK_ERR(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 100, 1), EAGAIN);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(fcntl, getlk_reports_the_holder_and_its_range) {
    int fd = open_f(O_RDWR);
    CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 20));
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct flock fl = getlk(fd, F_GETLK, 0, 0);
        CHECK_EQ(fl.l_type, F_WRLCK);
        CHECK_EQ(fl.l_whence, SEEK_SET);
        CHECK_EQ(fl.l_start, 10);
        CHECK_EQ(fl.l_len, 20);
        CHECK_EQ(fl.l_pid, parent);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(fcntl, getlk_without_a_conflict_reports_unlck) {
    int fd = open_f(O_RDWR);
    CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 20));
    /* A process's own locks never conflict with it. */
    struct flock own = getlk(fd, F_GETLK, 0, 0);
    CHECK_EQ(own.l_type, F_UNLCK);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct flock fl = getlk(fd, F_GETLK, 30, 5);
        CHECK_EQ(fl.l_type, F_UNLCK);
        /* The other fields are left as they were. */
        CHECK_EQ(fl.l_start, 30);
        CHECK_EQ(fl.l_len, 5);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(fcntl, read_locks_are_shared) {
    int fd = open_f(O_RDWR);
    CHECK_OK(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 0));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        CHECK_OK(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 100));
        CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 50, 1), EAGAIN);
        struct flock fl = getlk(fd, F_GETLK, 0, 0);
        CHECK_EQ(fl.l_type, F_RDLCK);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(fcntl, disjoint_ranges_do_not_conflict) {
    int fd = open_f(O_RDWR);
    CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    /* Length 0 means "to the end of the file, however far it grows". */
    CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 100, 0));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 90));
        CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 9, 1), EAGAIN);
        CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 1000000, 1), EAGAIN);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(fcntl, unlck_of_a_middle_range_splits_the_lock) {
    int fd = open_f(O_RDWR);
    CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 100));
    CHECK_OK(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 40, 20));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 40, 20));
        CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 39, 1), EAGAIN);
        CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 60, 1), EAGAIN);
        struct flock fl = getlk(fd, F_GETLK, 60, 0);
        CHECK_EQ(fl.l_start, 60);
        CHECK_EQ(fl.l_len, 40);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(fcntl, a_new_lock_converts_the_owners_overlapping_lock) {
    int fd = open_f(O_RDWR);
    CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    CHECK_OK(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 5));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        CHECK_OK(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 5));
        CHECK_ERR(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 5, 1), EAGAIN);
        struct flock fl = getlk(fd, F_GETLK, 0, 5);
        CHECK_EQ(fl.l_type, F_RDLCK);
        CHECK_EQ(fl.l_start, 0);
        CHECK_EQ(fl.l_len, 5);
        fl = getlk(fd, F_GETLK, 5, 0);
        CHECK_EQ(fl.l_type, F_WRLCK);
        CHECK_EQ(fl.l_start, 5);
        CHECK_EQ(fl.l_len, 5);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(fcntl, closing_any_fd_of_the_file_drops_the_locks) {
    int fd = open_f(O_RDWR);
    CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0));
    int other = open_f(O_RDONLY);
    CHECK_OK(close(other));
    /* The lock was the process's, on the file: it is gone though fd is open. */
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0));
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(fcntl, setlkw_waits_for_the_holder) {
    int ready[2], done[2];
    CHECK_OK(pipe(ready));
    CHECK_OK(pipe2(done, O_NONBLOCK));
    int fd = open_f(O_RDWR);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
        signal_to(ready[1]);
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, 0);
        signal_to(done[1]);
        CHECK_OK(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 10));
        _exit(0);
    }
    wait_for(ready[0]);
    CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 1), EAGAIN);
    CHECK_OK(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 5, 1));
    char c;
    CHECK_EQ(read(done[0], &c, 1), 1);
    CHECK_EXIT(pid, 0);
}

static void on_signal(int sig) { (void)sig; }

static volatile int interrupted;

/* Sends SIGUSR1 to the thread `arg` every 20 ms until `interrupted` is set: a signal
 * that lands before the call blocks is harmless, the next one interrupts it. */
static void *interrupter(void *arg) {
    pthread_t target = *(pthread_t *)arg;
    while (!interrupted) {
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, 0);
        pthread_kill(target, SIGUSR1);
    }
    return 0;
}

TEST(fcntl, setlkw_interrupted_by_a_signal_is_eintr) {
    int fd = open_f(O_RDWR);
    CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
        CHECK_OK(sigaction(SIGUSR1, &sa, 0));
        pthread_t self = pthread_self(), t;
        CHECK_EQ(pthread_create(&t, 0, interrupter, &self), 0);
        CHECK_ERR(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 0), EINTR);
        interrupted = 1;
        CHECK_EQ(pthread_join(t, 0), 0);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(fcntl, whence_and_negative_length_give_the_range) {
    int fd = open_f(O_RDWR);
    char buf[100] = {0};
    CHECK_EQ(write(fd, buf, sizeof buf), 100);
    CHECK_EQ(lseek(fd, 50, SEEK_SET), 50);
    CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_CUR, -20, 5));  /* [30, 35) */
    CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_END, -10, 10)); /* [90, 100) */
    CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 20, -5));  /* [15, 20) */
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct flock fl = getlk(fd, F_GETLK, 25, 10);
        CHECK_EQ(fl.l_whence, SEEK_SET);
        CHECK_EQ(fl.l_start, 30);
        CHECK_EQ(fl.l_len, 5);
        fl = getlk(fd, F_GETLK, 60, 0);
        CHECK_EQ(fl.l_start, 90);
        CHECK_EQ(fl.l_len, 10);
        fl = getlk(fd, F_GETLK, 0, 16);
        CHECK_EQ(fl.l_start, 15);
        CHECK_EQ(fl.l_len, 5);
        CHECK_OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 20, 10));
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(fcntl, bad_whence_type_or_start_is_einval) {
    int fd = open_f(O_RDWR);
    CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, 7, 0, 0), EINVAL);
    CHECK_ERR(lk(fd, F_GETLK, F_WRLCK, 7, 0, 0), EINVAL);
    CHECK_ERR(lk(fd, F_SETLK, 5, SEEK_SET, 0, 0), EINVAL);
    CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, -1, 1), EINVAL);
    CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, -1), EINVAL);
    CHECK_ERR(fcntl(fd, F_SETLK, BAD_PTR), EFAULT);
}

TEST(fcntl, lock_needs_a_matching_access_mode) {
    int ro = open_f(O_RDONLY), wo = open_f(O_WRONLY);
    CHECK_ERR(lk(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 0), EBADF);
    CHECK_ERR(lk(wo, F_SETLK, F_RDLCK, SEEK_SET, 0, 0), EBADF);
    CHECK_OK(lk(ro, F_SETLK, F_RDLCK, SEEK_SET, 0, 10));
    CHECK_OK(lk(wo, F_SETLK, F_WRLCK, SEEK_SET, 10, 10));
    /* Unlocking and querying need no access. */
    CHECK_OK(lk(ro, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    CHECK_OK(lk(ro, F_GETLK, F_WRLCK, SEEK_SET, 0, 0));
    CHECK_ERR(lk(-1, F_SETLK, F_RDLCK, SEEK_SET, 0, 0), EBADF);
}

/* ---- fcntl: open file description locks ---- */

TEST(fcntl, ofd_locks_conflict_between_open_files_of_one_process) {
    int a = open_f(O_RDWR), b = open_f(O_RDWR);
    CHECK_OK(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    CHECK_ERR(lk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 1), EAGAIN);
    CHECK_OK(lk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 10, 10));
    /* They conflict with the process's classic locks too. */
    CHECK_ERR(lk(b, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EAGAIN);
    CHECK_OK(lk(a, F_OFD_SETLK, F_UNLCK, SEEK_SET, 0, 10));
    CHECK_OK(lk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10));
}

TEST(fcntl, ofd_getlk_reports_pid_minus_one) {
    int a = open_f(O_RDWR), b = open_f(O_RDWR);
    CHECK_OK(lk(a, F_OFD_SETLK, F_RDLCK, SEEK_SET, 3, 4));
    struct flock fl = getlk(b, F_OFD_GETLK, 0, 0);
    CHECK_EQ(fl.l_type, F_RDLCK);
    CHECK_EQ(fl.l_start, 3);
    CHECK_EQ(fl.l_len, 4);
    CHECK_EQ(fl.l_pid, -1);
    /* The owner itself sees no conflict. */
    CHECK_EQ(getlk(a, F_OFD_GETLK, 0, 0).l_type, F_UNLCK);
}

TEST(fcntl, ofd_lock_needs_a_zero_l_pid) {
    int a = open_f(O_RDWR);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_pid = getpid()};
    CHECK_ERR(fcntl(a, F_OFD_SETLK, &fl), EINVAL);
    CHECK_ERR(fcntl(a, F_OFD_GETLK, &fl), EINVAL);
    fl.l_pid = 0;
    CHECK_OK(fcntl(a, F_OFD_SETLK, &fl));
}

TEST(fcntl, ofd_lock_lives_until_its_open_file_closes) {
    int a = open_f(O_RDWR), b = open_f(O_RDWR);
    CHECK_OK(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 0));
    /* Unlike a classic lock, closing another fd of the file leaves it. */
    CHECK_OK(close(open_f(O_RDONLY)));
    CHECK_ERR(lk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 0), EAGAIN);
    int d = CHECK_OK(dup(a));
    CHECK_OK(close(a));
    CHECK_ERR(lk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 0), EAGAIN);
    CHECK_OK(close(d));
    CHECK_OK(lk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 0));
}

TEST(fcntl, ofd_lock_is_shared_with_a_forked_child) {
    int a = open_f(O_RDWR);
    CHECK_OK(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 0));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        /* The inherited fd is the same open file description: the same owner. */
        CHECK_OK(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 0));
        CHECK_ERR(lk(a, F_SETLK, F_WRLCK, SEEK_SET, 0, 0), EAGAIN);
        int b = open_f(O_RDWR);
        CHECK_ERR(lk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 0), EAGAIN);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
    CHECK_EQ(getlk(open_f(O_RDWR), F_OFD_GETLK, 0, 0).l_type, F_WRLCK);
}
