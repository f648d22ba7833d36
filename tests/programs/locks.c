/* fcntl record locks, in one process (no fork needed): open-file-description locks
 * (F_OFD_*) between descriptors of separate opens, which conflict as two processes'
 * locks would; process locks (F_SETLK) against them; argument errors; merging and
 * splitting seen through F_OFD_GETLK from another description; the release rules
 * (POSIX's close rule for process locks, the last close for OFD locks); F_OFD_SETLKW
 * waiting for another thread's unlock and interrupted by a signal (EINTR).
 *
 * Usage: locks [DIR]   (creates and removes DIR/locks-<pid>; DIR defaults to /tmp)
 * Prints "locks ok <checks>" and exits 0, or "locks: FAIL: ..." on stderr and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int checks;

#define FAIL(...)                                                                   \
    do {                                                                            \
        fprintf(stderr, "locks: FAIL: line %d: ", __LINE__);                        \
        fprintf(stderr, __VA_ARGS__);                                               \
        fputc('\n', stderr);                                                        \
        exit(1);                                                                    \
    } while (0)

#define CHECK(cond)                                                                 \
    do {                                                                            \
        checks++;                                                                   \
        if (!(cond))                                                                \
            FAIL("%s (errno %d %s)", #cond, errno, strerror(errno));                \
    } while (0)

/* fcntl(fd, cmd, {type, whence, start, len, pid}); returns 0 or -errno. */
static int lk(int fd, int cmd, short type, short whence, off_t start, off_t len, pid_t pid) {
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = whence;
    fl.l_start = start;
    fl.l_len = len;
    fl.l_pid = pid;
    return fcntl(fd, cmd, &fl) == 0 ? 0 : -errno;
}

/* Sets an OFD lock from the start of the file. */
static int ofd(int fd, short type, off_t start, off_t len) {
    return lk(fd, F_OFD_SETLK, type, SEEK_SET, start, len, 0);
}

/* F_OFD_GETLK (or F_GETLK) for `type` over start/len; the answer in *out. */
static void getlk(int fd, int cmd, short type, off_t start, off_t len, struct flock *out) {
    memset(out, 0, sizeof *out);
    out->l_type = type;
    out->l_whence = SEEK_SET;
    out->l_start = start;
    out->l_len = len;
    if (fcntl(fd, cmd, out) != 0)
        FAIL("getlk(fd %d, cmd %d): %s", fd, cmd, strerror(errno));
}

/* Checks that F_OFD_GETLK from `fd` for `type` over start/len reports the lock
 * (want_type, want_start, want_len, want_pid), or F_UNLCK when want_type is F_UNLCK. */
static void expect(int line, int fd, short type, off_t start, off_t len, short want_type,
                   off_t want_start, off_t want_len, pid_t want_pid) {
    struct flock fl;
    getlk(fd, F_OFD_GETLK, type, start, len, &fl);
    checks++;
    if (fl.l_type != want_type)
        FAIL("line %d: l_type %d, want %d", line, fl.l_type, want_type);
    if (want_type == F_UNLCK)
        return;
    if (fl.l_whence != SEEK_SET || fl.l_start != want_start || fl.l_len != want_len ||
        fl.l_pid != want_pid)
        FAIL("line %d: got whence %d start %lld len %lld pid %d, want 0 %lld %lld %d", line,
             fl.l_whence, (long long)fl.l_start, (long long)fl.l_len, fl.l_pid,
             (long long)want_start, (long long)want_len, want_pid);
}
#define EXPECT(...) expect(__LINE__, __VA_ARGS__)

static char path[4096];

static int reopen(int flags) {
    int fd = open(path, flags);
    if (fd < 0)
        FAIL("open %s: %s", path, strerror(errno));
    return fd;
}

/* --- F_OFD_SETLKW from a second thread --- */

struct waiter {
    int fd;
    int result;
    volatile int done;
};

static void *wait_for_lock(void *arg) {
    struct waiter *w = arg;
    w->result = lk(w->fd, F_OFD_SETLKW, F_WRLCK, SEEK_SET, 0, 1, 0);
    w->done = 1;
    return NULL;
}

static void on_signal(int sig) { (void)sig; }

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    snprintf(path, sizeof path, "%s/locks-%d", dir, (int)getpid());
    int a = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (a < 0)
        FAIL("create %s: %s", path, strerror(errno));
    int b = reopen(O_RDWR);
    int rd = reopen(O_RDONLY);
    int wr = reopen(O_WRONLY);
    pid_t me = getpid();
    char buf[200];
    memset(buf, 'x', sizeof buf);
    CHECK(write(a, buf, sizeof buf) == (ssize_t)sizeof buf);

    /* Argument errors. */
    CHECK(ofd(a, 7, 0, 0) == -EINVAL);
    CHECK(lk(a, F_SETLK, F_RDLCK, 9, 0, 0, 0) == -EINVAL);
    CHECK(lk(a, F_SETLK, F_RDLCK, SEEK_SET, -1, 1, 0) == -EINVAL);
    CHECK(lk(a, F_SETLK, F_RDLCK, SEEK_SET, 5, -6, 0) == -EINVAL);
    CHECK(lk(a, F_SETLK, F_RDLCK, SEEK_CUR, -201, 0, 0) == -EINVAL); /* position 200 */
    CHECK(lk(a, F_SETLK, F_RDLCK, SEEK_END, -201, 0, 0) == -EINVAL); /* size 200 */
    CHECK(lk(a, F_SETLK, F_RDLCK, SEEK_SET, INT64_MAX, 2, 0) == -EOVERFLOW);
    CHECK(lk(a, F_GETLK, F_UNLCK, SEEK_SET, 0, 0, 0) == -EINVAL);
    CHECK(lk(a, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 0, 1) == -EINVAL);
    CHECK(lk(a, F_OFD_GETLK, F_RDLCK, SEEK_SET, 0, 0, 1) == -EINVAL);
    CHECK(lk(rd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0, 0) == -EBADF);
    CHECK(lk(wr, F_SETLK, F_RDLCK, SEEK_SET, 0, 0, 0) == -EBADF);
    CHECK(ofd(rd, F_WRLCK, 0, 0) == -EBADF);
    CHECK(ofd(wr, F_RDLCK, 0, 0) == -EBADF);
    CHECK(ofd(rd, F_UNLCK, 0, 0) == 0);
    CHECK(lk(rd, F_GETLK, F_WRLCK, SEEK_SET, 0, 0, 0) == 0); /* no mode needed */
    CHECK(fcntl(a, F_OFD_GETLK, (void *)16) == -1 && errno == EFAULT);
    int opath = open(path, O_PATH);
    CHECK(opath >= 0);
    CHECK(lk(opath, F_GETLK, F_RDLCK, SEEK_SET, 0, 0, 0) == -EBADF);
    close(opath);
    CHECK(lk(999, F_SETLK, F_RDLCK, SEEK_SET, 0, 0, 0) == -EBADF);

    /* Conflicts between two descriptions; GETLK reports the lock (pid -1). */
    CHECK(ofd(a, F_WRLCK, 10, 5) == 0);
    EXPECT(b, F_RDLCK, 0, 0, F_WRLCK, 10, 5, -1);
    EXPECT(a, F_WRLCK, 0, 0, F_UNLCK, 0, 0, 0); /* one's own lock is no conflict */
    CHECK(ofd(b, F_RDLCK, 12, 1) == -EAGAIN);
    CHECK(ofd(b, F_RDLCK, 15, 0) == 0); /* adjacent */
    CHECK(ofd(b, F_RDLCK, 0, 10) == 0);
    CHECK(ofd(rd, F_RDLCK, 0, 10) == 0); /* readers share */
    EXPECT(a, F_WRLCK, 0, 0, F_RDLCK, 0, 10, -1);
    EXPECT(a, F_RDLCK, 0, 0, F_UNLCK, 0, 0, 0);  /* readers do not block readers */
    EXPECT(b, F_UNLCK, 0, 0, F_RDLCK, 0, 10, -1); /* F_UNLCK: the caller's own lock */
    EXPECT(b, F_UNLCK, 10, 5, F_UNLCK, 0, 0, 0);
    CHECK(ofd(a, F_UNLCK, 0, 0) == 0 && ofd(b, F_UNLCK, 0, 0) == 0 &&
          ofd(rd, F_UNLCK, 0, 0) == 0);
    EXPECT(b, F_WRLCK, 0, 0, F_UNLCK, 0, 0, 0);

    /* Unlocking the middle splits a lock. */
    CHECK(ofd(a, F_WRLCK, 0, 100) == 0);
    CHECK(ofd(a, F_UNLCK, 40, 20) == 0);
    EXPECT(b, F_WRLCK, 0, 0, F_WRLCK, 0, 40, -1);
    EXPECT(b, F_WRLCK, 40, 0, F_WRLCK, 60, 40, -1);
    CHECK(ofd(b, F_WRLCK, 40, 20) == 0);
    CHECK(ofd(b, F_WRLCK, 39, 1) == -EAGAIN);
    CHECK(ofd(a, F_UNLCK, 0, 0) == 0 && ofd(b, F_UNLCK, 0, 0) == 0);

    /* Another type inside a lock splits it; the same type merges. */
    CHECK(ofd(a, F_RDLCK, 0, 100) == 0);
    CHECK(ofd(a, F_WRLCK, 40, 20) == 0);
    CHECK(ofd(b, F_RDLCK, 0, 40) == 0);
    CHECK(ofd(b, F_RDLCK, 40, 1) == -EAGAIN);
    CHECK(ofd(b, F_RDLCK, 60, 40) == 0);
    EXPECT(rd, F_RDLCK, 0, 0, F_WRLCK, 40, 20, -1);
    CHECK(ofd(b, F_UNLCK, 0, 0) == 0);
    EXPECT(b, F_WRLCK, 0, 0, F_RDLCK, 0, 40, -1);
    CHECK(ofd(a, F_RDLCK, 40, 20) == 0); /* back to one read lock */
    EXPECT(b, F_WRLCK, 0, 0, F_RDLCK, 0, 100, -1);
    CHECK(ofd(a, F_RDLCK, 100, 10) == 0); /* adjacent: merged */
    EXPECT(b, F_WRLCK, 0, 0, F_RDLCK, 0, 110, -1);
    CHECK(ofd(a, F_UNLCK, 0, 0) == 0);

    /* Negative lengths, SEEK_CUR, SEEK_END, length 0 to EOF and beyond. */
    CHECK(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 20, -10, 0) == 0);
    EXPECT(b, F_WRLCK, 0, 0, F_WRLCK, 10, 10, -1);
    CHECK(lseek(a, 100, SEEK_SET) == 100);
    CHECK(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_CUR, -50, 10, 0) == 0);
    EXPECT(b, F_WRLCK, 20, 0, F_WRLCK, 50, 10, -1);
    CHECK(lk(a, F_OFD_SETLK, F_RDLCK, SEEK_END, -10, 0, 0) == 0);
    EXPECT(b, F_WRLCK, 60, 0, F_RDLCK, 190, 0, -1);
    EXPECT(b, F_WRLCK, (off_t)1 << 40, 1, F_RDLCK, 190, 0, -1);
    EXPECT(b, F_RDLCK, 60, 0, F_UNLCK, 0, 0, 0);
    CHECK(ofd(a, F_UNLCK, 0, 0) == 0);
    CHECK(ofd(a, F_WRLCK, INT64_MAX, 1) == 0);
    EXPECT(b, F_WRLCK, 0, 0, F_WRLCK, INT64_MAX, 0, -1);
    CHECK(ofd(a, F_UNLCK, 0, 0) == 0);

    /* Process locks: against OFD locks (even of the same description), invisible to
     * F_GETLK from the same process, reported with the process's pid. */
    CHECK(lk(a, F_SETLK, F_WRLCK, SEEK_SET, 0, 10, 0) == 0);
    EXPECT(b, F_RDLCK, 0, 0, F_WRLCK, 0, 10, me);
    CHECK(ofd(b, F_RDLCK, 5, 1) == -EAGAIN);
    CHECK(ofd(a, F_RDLCK, 5, 1) == -EAGAIN);
    struct flock fl;
    getlk(b, F_GETLK, F_WRLCK, 0, 0, &fl);
    CHECK(fl.l_type == F_UNLCK);
    CHECK(lk(b, F_SETLK, F_RDLCK, SEEK_SET, 5, 1, 0) == 0); /* the same owner */
    EXPECT(rd, F_WRLCK, 0, 0, F_WRLCK, 0, 5, me);           /* split by the read lock */
    CHECK(ofd(a, F_WRLCK, 20, 1) == 0);
    getlk(b, F_GETLK, F_WRLCK, 11, 0, &fl);
    CHECK(fl.l_type == F_WRLCK && fl.l_start == 20 && fl.l_len == 1 && fl.l_pid == -1);
    /* POSIX's close rule: closing any descriptor of the file drops the process's
     * locks, whichever descriptor took them; OFD locks stay. */
    close(dup(rd));
    EXPECT(b, F_RDLCK, 0, 0, F_WRLCK, 20, 1, -1);
    getlk(b, F_OFD_GETLK, F_WRLCK, 0, 20, &fl);
    CHECK(fl.l_type == F_UNLCK);
    CHECK(ofd(a, F_UNLCK, 0, 0) == 0);

    /* An OFD lock goes with the description's last descriptor. */
    int c = reopen(O_RDWR);
    int d = dup(c);
    CHECK(ofd(c, F_WRLCK, 0, 0) == 0);
    close(c);
    EXPECT(b, F_RDLCK, 0, 0, F_WRLCK, 0, 0, -1);
    CHECK(ofd(d, F_WRLCK, 0, 0) == 0); /* still the same owner through the dup */
    close(d);
    EXPECT(b, F_WRLCK, 0, 0, F_UNLCK, 0, 0, 0);

    /* F_OFD_SETLKW waits for the holder's unlock. */
    CHECK(ofd(a, F_WRLCK, 0, 1) == 0);
    struct waiter w = {b, 1, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, wait_for_lock, &w) == 0);
    sleep_ms(100);
    CHECK(!w.done);
    CHECK(ofd(a, F_UNLCK, 0, 0) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(w.done && w.result == 0);
    EXPECT(a, F_WRLCK, 0, 0, F_WRLCK, 0, 1, -1);

    /* ...and a signal without SA_RESTART interrupts the wait with EINTR. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    struct waiter w2 = {a, 1, 0};
    CHECK(pthread_create(&t, NULL, wait_for_lock, &w2) == 0);
    sleep_ms(100);
    CHECK(!w2.done);
    CHECK(pthread_kill(t, SIGUSR1) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(w2.done && w2.result == -EINTR);
    EXPECT(a, F_WRLCK, 0, 0, F_WRLCK, 0, 1, -1); /* b still holds it */
    CHECK(ofd(b, F_UNLCK, 0, 0) == 0);

    close(a);
    close(b);
    close(rd);
    close(wr);
    CHECK(unlink(path) == 0);
    printf("locks ok %d\n", checks);
    return 0;
}
