/* epoll and eventfd: level and edge triggering, one-shot, nested epoll, errors.
 * Prints "epoll ok" and exits 0 on success. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
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

int main(void) {
    struct epoll_event ev, out[4];
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0, "epoll_create1");
    CHECK(epoll_create1(12345) < 0 && errno == EINVAL, "bad flags");

    /* eventfd: counter semantics. */
    int efd = eventfd(0, EFD_NONBLOCK);
    CHECK(efd >= 0, "eventfd");
    uint64_t v;
    CHECK(read(efd, &v, 8) < 0 && errno == EAGAIN, "empty eventfd");
    v = 3;
    CHECK(write(efd, &v, 8) == 8 && write(efd, &v, 8) == 8, "write");
    CHECK(read(efd, &v, 8) == 8 && v == 6, "read sum %lu", (unsigned long)v);
    int sem = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    CHECK(read(sem, &v, 8) == 8 && v == 1 && read(sem, &v, 8) == 8 && read(sem, &v, 8) < 0, "semaphore");

    /* Level-triggered: reported while readable. */
    ev.events = EPOLLIN;
    ev.data.u64 = 7;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0, "add");
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) < 0 && errno == EEXIST, "EEXIST");
    CHECK(epoll_wait(ep, out, 4, 0) == 0, "nothing ready");
    v = 1;
    CHECK(write(efd, &v, 8) == 8, "write 1");
    CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 7 && out[0].events == EPOLLIN, "ready");
    CHECK(epoll_wait(ep, out, 4, 0) == 1, "still ready (level)");

    /* Edge-triggered: once per new event. */
    ev.events = EPOLLIN | EPOLLET;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev) == 0, "mod ET");
    CHECK(epoll_wait(ep, out, 4, 0) == 1, "edge reported");
    CHECK(epoll_wait(ep, out, 4, 0) == 0, "edge not again");
    CHECK(read(efd, &v, 8) == 8, "drain");
    v = 1;
    CHECK(write(efd, &v, 8) == 8, "write again");
    CHECK(epoll_wait(ep, out, 4, 0) == 1, "new edge");
    CHECK(read(efd, &v, 8) == 8, "drain 2");

    /* One-shot: disabled after one report until MOD. */
    ev.events = EPOLLIN | EPOLLONESHOT;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev) == 0, "mod oneshot");
    v = 1;
    CHECK(write(efd, &v, 8) == 8, "write 3");
    CHECK(epoll_wait(ep, out, 4, 0) == 1 && epoll_wait(ep, out, 4, 0) == 0, "oneshot");
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev) == 0 && epoll_wait(ep, out, 4, 0) == 1, "rearmed");
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, 0) == 0, "del");
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, 0) < 0 && errno == ENOENT, "ENOENT");

    /* A pipe woken by another process; a timeout. */
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    ev.events = EPOLLIN;
    ev.data.fd = p[0];
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "add pipe");
    CHECK(epoll_wait(ep, out, 4, 50) == 0, "timeout");
    pid_t pid = fork();
    if (pid == 0) {
        usleep(50000);
        _exit(write(p[1], "x", 1) == 1 ? 0 : 1);
    }
    CHECK(epoll_wait(ep, out, 4, 5000) == 1 && out[0].data.fd == p[0], "woken by the writer");
    int st;
    waitpid(pid, &st, 0);

    /* Nested epoll and errors. */
    int outer = epoll_create(1);
    ev.events = EPOLLIN;
    CHECK(epoll_ctl(outer, EPOLL_CTL_ADD, ep, &ev) == 0, "nest");
    CHECK(epoll_wait(outer, out, 4, 0) == 1, "inner is ready");
    int reg = open("/proc/self/exe", O_RDONLY);
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev) < 0 && errno == EPERM, "regular file EPERM");
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev) < 0 && errno == EINVAL, "self EINVAL");
    CHECK(epoll_wait(ep, out, 0, 0) < 0 && errno == EINVAL, "maxevents 0");
    CHECK(epoll_wait(efd, out, 1, 0) < 0 && errno == EINVAL, "not an epoll");

    printf("epoll ok\n");
    return 0;
}
