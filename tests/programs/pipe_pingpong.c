/*
 * pipe_pingpong N: a parent and a forked child bounce one byte over two pipes
 * N times; prints us_per_round_trip=<float> (one round trip is parent write,
 * child read, child write, parent read). Used by veil-bench.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
    perror(what);
    exit(1);
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 10000;
    int to_child[2], to_parent[2];
    char byte = 'x';

    if (rounds <= 0) {
        fprintf(stderr, "usage: pipe_pingpong N (N > 0)\n");
        return 2;
    }
    if (pipe(to_child) || pipe(to_parent))
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        for (long i = 0; i < rounds; i++) {
            if (read(to_child[0], &byte, 1) != 1)
                die("child read");
            if (write(to_parent[1], &byte, 1) != 1)
                die("child write");
        }
        _exit(0);
    }

    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < rounds; i++) {
        if (write(to_child[1], &byte, 1) != 1)
            die("parent write");
        if (read(to_parent[0], &byte, 1) != 1)
            die("parent read");
    }
    clock_gettime(CLOCK_MONOTONIC, &end);

    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "pipe_pingpong: child failed\n");
        return 1;
    }
    double us = ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec)) / 1e3;
    printf("us_per_round_trip=%.3f\n", us / rounds);
    return 0;
}
