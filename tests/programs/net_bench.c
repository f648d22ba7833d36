/*
 * net_bench MODE N: loopback networking figures for veil-bench, timed inside the
 * program (CLOCK_MONOTONIC).
 *
 *   tcp_bulk MIB     a forked child connects and writes MIB MiB in 64 KiB writes;
 *                    the parent accepts and reads it all: prints mib_per_s=<float>
 *   tcp_connect N    N rounds of socket + connect + accept + close of both ends,
 *                    in one process: prints us_per_connection=<float>
 *   udp_rr N         N one-byte UDP request/response round trips between the
 *                    parent and a forked echoing child: prints us_per_round_trip=<float>
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* A socket of `type` bound to 127.0.0.1 at an ephemeral port; its address in *a. */
static int bound(int type, struct sockaddr_in *a)
{
    int fd = socket(AF_INET, type, 0);
    if (fd < 0)
        die("socket");
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)a, sizeof *a))
        die("bind");
    socklen_t len = sizeof *a;
    if (getsockname(fd, (struct sockaddr *)a, &len))
        die("getsockname");
    return fd;
}

static void reap(pid_t pid)
{
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "net_bench: child failed\n");
        exit(1);
    }
}

static int tcp_bulk(long mib)
{
    struct sockaddr_in a;
    int l = bound(SOCK_STREAM, &a);
    if (listen(l, 1))
        die("listen");
    static char buf[65536];
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a))
            die("connect");
        memset(buf, 'b', sizeof buf);
        for (long i = 0; i < mib * 16; i++) {
            size_t done = 0;
            while (done < sizeof buf) {
                ssize_t n = write(c, buf + done, sizeof buf - done);
                if (n <= 0)
                    die("write");
                done += n;
            }
        }
        _exit(0);
    }
    int s = accept(l, NULL, NULL);
    if (s < 0)
        die("accept");
    double start = now_us();
    long long total = 0;
    for (;;) {
        ssize_t n = read(s, buf, sizeof buf);
        if (n < 0)
            die("read");
        if (n == 0)
            break;
        total += n;
    }
    double us = now_us() - start;
    reap(pid);
    if (total != mib << 20) {
        fprintf(stderr, "net_bench: read %lld bytes, not %ld MiB\n", total, mib);
        return 1;
    }
    printf("mib_per_s=%.3f\n", mib / (us / 1e6));
    return 0;
}

static int tcp_connect(long rounds)
{
    struct sockaddr_in a;
    int l = bound(SOCK_STREAM, &a);
    if (listen(l, 128))
        die("listen");
    double start = now_us();
    for (long i = 0; i < rounds; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a))
            die("connect");
        int s = accept(l, NULL, NULL);
        if (s < 0)
            die("accept");
        close(c);
        close(s);
    }
    printf("us_per_connection=%.3f\n", (now_us() - start) / rounds);
    return 0;
}

static int udp_rr(long rounds)
{
    struct sockaddr_in echo_addr, me;
    int echo = bound(SOCK_DGRAM, &echo_addr);
    int u = bound(SOCK_DGRAM, &me);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        char b;
        for (long i = 0; i < rounds; i++) {
            if (recv(echo, &b, 1, 0) != 1)
                die("child recv");
            if (sendto(echo, &b, 1, 0, (struct sockaddr *)&me, sizeof me) != 1)
                die("child send");
        }
        _exit(0);
    }
    char b = 'u';
    double start = now_us();
    for (long i = 0; i < rounds; i++) {
        if (sendto(u, &b, 1, 0, (struct sockaddr *)&echo_addr, sizeof echo_addr) != 1)
            die("send");
        if (recv(u, &b, 1, 0) != 1)
            die("recv");
    }
    double us = now_us() - start;
    reap(pid);
    printf("us_per_round_trip=%.3f\n", us / rounds);
    return 0;
}

int main(int argc, char **argv)
{
    long n = argc > 2 ? atol(argv[2]) : 0;
    if (argc != 3 || n <= 0) {
        fprintf(stderr, "usage: net_bench tcp_bulk|tcp_connect|udp_rr N (N > 0)\n");
        return 2;
    }
    if (!strcmp(argv[1], "tcp_bulk"))
        return tcp_bulk(n);
    if (!strcmp(argv[1], "tcp_connect"))
        return tcp_connect(n);
    if (!strcmp(argv[1], "udp_rr"))
        return udp_rr(n);
    fprintf(stderr, "net_bench: unknown mode %s\n", argv[1]);
    return 2;
}
