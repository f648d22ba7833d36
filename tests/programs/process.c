/* Processes: fork, vfork/posix_spawn + execve, wait4 statuses, SIGCHLD, execve errors,
 * copied memory after fork. Prints "process ok" and exits 0 on success. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static volatile sig_atomic_t got_chld;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                 \
            fprintf(stderr, " (errno %d %s)\n", errno, strerror(errno));  \
            exit(1);                                                      \
        }                                                                 \
    } while (0)

static void on_chld(int sig) { (void)sig; got_chld = 1; }

int main(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_chld;
    CHECK(sigaction(SIGCHLD, &sa, 0) == 0, "sigaction");

    /* fork: the child gets a copy of memory and its own pid; the parent reaps it. */
    int shared = 1;
    pid_t parent = getpid();
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        shared = 2;
        _exit(getppid() == parent && getpid() != parent ? 7 : 99);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "child exit status %x", status);
    CHECK(shared == 1, "the child's write is its own");
    CHECK(got_chld, "SIGCHLD delivered");

    /* A child killed by a signal. */
    pid = fork();
    if (pid == 0) {
        raise(SIGTERM);
        _exit(0);
    }
    CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "signalled child %x", status);

    /* WNOHANG with a running child, then ECHILD once everything is reaped. */
    int fds_done = 0;
    pid = fork();
    if (pid == 0) {
        usleep(100000);
        _exit(3);
    }
    CHECK(waitpid(pid, &status, WNOHANG) == 0, "WNOHANG while running");
    CHECK(waitpid(-1, &status, 0) == pid && WEXITSTATUS(status) == 3, "wait any");
    CHECK(waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD, "ECHILD");
    (void)fds_done;

    /* Sessions and process groups. */
    /* The session leader may live outside our pid namespace (CI runs in a container),
     * in which case getsid reports 0. */
    CHECK(getpgid(0) == getpgrp() && getsid(0) >= 0 && getsid(0) == getsid(getpid()), "getpgid/getsid");
    pid = fork();
    if (pid == 0) {
        pid_t s = setsid();
        _exit(s == getpid() && getsid(0) == getpid() && getpgrp() == getpid() ? 0 : 1);
    }
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0, "setsid in a child");
    pid = fork();
    if (pid == 0) {
        usleep(100000);
        _exit(getpgrp() == getpid() ? 0 : 1);
    }
    CHECK(setpgid(pid, pid) == 0 && getpgid(pid) == pid, "setpgid of a child");
    CHECK(kill(-pid, 0) == 0, "kill(0) of the new group");
    CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 0, "the child led its group");
    CHECK(getpgid(999999) < 0 && errno == ESRCH, "getpgid ESRCH");

    /* posix_spawn (vfork + execve) of a real program. */
    char *argv[] = {"busybox", "true", 0};
    CHECK(posix_spawn(&pid, "/bin/busybox", 0, 0, argv, environ) == 0, "posix_spawn");
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0, "spawned true %x", status);
    char *argv2[] = {"busybox", "false", 0};
    CHECK(posix_spawn(&pid, "/bin/busybox", 0, 0, argv2, environ) == 0, "posix_spawn false");
    CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 1, "spawned false %x", status);
    /* A failing exec is reported to the spawner through the shared vfork memory. */
    CHECK(posix_spawn(&pid, "/nonexistent", 0, 0, argv, environ) == ENOENT, "posix_spawn of a missing program");

    /* execve errors leave the caller running. */
    CHECK(execve("/nonexistent", argv, environ) < 0 && errno == ENOENT, "execve ENOENT");
    CHECK(execve("/etc/passwd", argv, environ) < 0 && errno == EACCES, "execve EACCES");

    printf("process ok\n");
    fflush(stdout);
    /* Finally replace ourselves: the exit status is busybox's. */
    char *argv3[] = {"busybox", "sh", "-c", "exit 42", 0};
    execve("/bin/busybox", argv3, environ);
    return 1;
}
