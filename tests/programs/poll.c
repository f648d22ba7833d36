/* poll, ppoll and select over pipes: readiness, hang-up, timeouts, wake-up by another
 * process, EBADF/POLLNVAL. Prints "poll ok" and exits 0 on success. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                 \
            fprintf(stderr, " (errno %d %s)\n", errno, strerror(errno));  \
            exit(1);                                                      \
        }                                                                 \
    } while (0)

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void) {
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    CHECK(poll(fds, 2, 0) == 1 && fds[0].revents == 0 && fds[1].revents == POLLOUT, "empty pipe: writable only");
    double t = now();
    CHECK(poll(fds, 1, 100) == 0, "timeout");
    CHECK(now() - t >= 0.09, "poll waited %f", now() - t);
    CHECK(write(p[1], "x", 1) == 1, "write");
    CHECK(poll(fds, 1, -1) == 1 && fds[0].revents == POLLIN, "readable");
    char c;
    CHECK(read(p[0], &c, 1) == 1, "read");

    /* Another process writes after a delay: poll wakes up. */
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100000);
        _exit(write(p[1], "y", 1) == 1 ? 0 : 1);
    }
    t = now();
    CHECK(poll(fds, 1, 5000) == 1 && fds[0].revents & POLLIN, "woken by the child");
    CHECK(now() - t < 4, "woken promptly");
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 0, "child");
    CHECK(read(p[0], &c, 1) == 1 && c == 'y', "child's byte");

    /* select: readable set, timeout updated. */
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval tv = {0, 50000};
    CHECK(select(p[0] + 1, &r, 0, 0, &tv) == 0 && !FD_ISSET(p[0], &r), "select timeout");
    CHECK(write(p[1], "z", 1) == 1, "write z");
    FD_SET(p[0], &r);
    CHECK(select(p[0] + 1, &r, 0, 0, 0) == 1 && FD_ISSET(p[0], &r), "select readable");

    /* Hang-up when the writer goes; POLLNVAL for a closed descriptor; EBADF in select. */
    close(p[1]);
    fds[0].events = POLLIN;
    CHECK(poll(fds, 1, 0) == 1 && (fds[0].revents & POLLHUP), "POLLHUP %x", fds[0].revents);
    struct pollfd bad = {1000, POLLIN, 0};
    CHECK(poll(&bad, 1, 0) == 1 && bad.revents == POLLNVAL, "POLLNVAL");
    /* A closed descriptor inside the table (Linux ignores ones past its end). */
    int closed = dup(p[0]);
    CHECK(closed >= 0 && close(closed) == 0, "dup/close");
    FD_ZERO(&r);
    FD_SET(closed, &r);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    CHECK(select(closed + 1, &r, 0, 0, &tv) < 0 && errno == EBADF, "select EBADF");

    /* ppoll with a timeout and a mask. */
    int q[2];
    CHECK(pipe(q) == 0, "pipe q");
    struct pollfd one = {q[0], POLLIN, 0};
    struct timespec ts = {0, 20000000};
    sigset_t mask;
    sigemptyset(&mask);
    CHECK(ppoll(&one, 1, &ts, &mask) == 0, "ppoll timeout");

    printf("poll ok\n");
    return 0;
}
