/* A fork bomb that stops itself: forks children that sleep until the parent closes a
 * pipe, until fork fails. Prints how fork failed ("fork failed: EAGAIN") and whether it
 * stopped below the count given as argv[1] ("below N"), then lets the children go and
 * reaps them all. Under `veil do --pids-limit=N` the sandbox's limit is what stops it;
 * the host is never affected. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long cap = argc > 1 ? atol(argv[1]) : 100;
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        return 1;
    }
    long forked = 0;
    int err = 0;
    while (forked < cap) {
        pid_t pid = fork();
        if (pid < 0) {
            err = errno;
            break;
        }
        if (pid == 0) {
            char c;
            close(p[1]);
            while (read(p[0], &c, 1) < 0 && errno == EINTR)
                ;
            _exit(0);
        }
        forked++;
    }
    close(p[1]);
    long reaped = 0;
    while (wait(NULL) > 0)
        reaped++;
    if (err != 0)
        printf("fork failed: %s\n", err == EAGAIN ? "EAGAIN" : strerror(err));
    else
        printf("fork never failed\n");
    printf("%s %ld\n", forked < cap ? "below" : "reached", cap);
    printf("reaped all: %s\n", reaped == forked ? "yes" : "no");
    return 0;
}
