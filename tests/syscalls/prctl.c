/* prctl: thread names (PR_SET_NAME/PR_GET_NAME), the dumpable flag, no_new_privs and
 * the parent-death signal, with their inheritance across fork and threads. */
#include "harness.h"

#include <pthread.h>
#include <sys/prctl.h>
#include <time.h>

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- PR_SET_NAME, PR_GET_NAME ---- */

TEST(prctl, set_name_then_get_name) {
    CHECK_EQ(CHECK_OK(prctl(PR_SET_NAME, "worker", 0, 0, 0)), 0);
    char name[32];
    memset(name, 'x', sizeof name);
    CHECK_OK(prctl(PR_GET_NAME, name, 0, 0, 0));
    CHECK_STR(name, "worker");
}

TEST(prctl, set_name_keeps_only_15_bytes) {
    CHECK_OK(prctl(PR_SET_NAME, "abcdefghijklmnopqrstuvwxyz", 0, 0, 0));
    char name[32];
    memset(name, 'x', sizeof name);
    CHECK_OK(prctl(PR_GET_NAME, name, 0, 0, 0));
    CHECK_STR(name, "abcdefghijklmno");
    /* PR_GET_NAME writes 16 bytes, the last one a NUL. */
    CHECK_EQ(name[15], 0);
    CHECK_EQ(name[16], 'x');
}

static void *rename_thread(void *out) {
    prctl(PR_GET_NAME, out, 0, 0, 0);
    prctl(PR_SET_NAME, "thread-name", 0, 0, 0);
    return 0;
}

TEST(prctl, name_is_per_thread) {
    CHECK_OK(prctl(PR_SET_NAME, "main-name", 0, 0, 0));
    pthread_t other;
    char seen[16] = {0};
    CHECK_EQ(pthread_create(&other, 0, rename_thread, seen), 0);
    CHECK_EQ(pthread_join(other, 0), 0);
    /* The new thread started with its creator's name, then renamed only itself. */
    CHECK_STR(seen, "main-name");
    char name[16];
    CHECK_OK(prctl(PR_GET_NAME, name, 0, 0, 0));
    CHECK_STR(name, "main-name");
}

TEST(prctl, name_shows_in_proc_comm) {
    CHECK_OK(prctl(PR_SET_NAME, "comm-check", 0, 0, 0));
    int fd = CHECK_OK(open("/proc/thread-self/comm", O_RDONLY));
    char buf[32] = {0};
    CHECK(read(fd, buf, sizeof buf - 1) > 0);
    CHECK_STR(buf, "comm-check\n");
}

TEST(prctl, name_is_inherited_by_fork) {
    CHECK_OK(prctl(PR_SET_NAME, "forker", 0, 0, 0));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        char name[16];
        prctl(PR_GET_NAME, name, 0, 0, 0);
        _exit(strcmp(name, "forker") == 0 ? 0 : 1);
    }
    CHECK_EXIT(pid, 0);
}

TEST(prctl, name_bad_pointer_is_efault) {
    CHECK_ERR(prctl(PR_SET_NAME, BAD_PTR, 0, 0, 0), EFAULT);
    CHECK_ERR(prctl(PR_GET_NAME, BAD_PTR, 0, 0, 0), EFAULT);
}

/* ---- PR_SET_DUMPABLE, PR_GET_DUMPABLE ---- */

TEST(prctl, dumpable_is_set_at_start_and_can_be_cleared) {
    CHECK_EQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
    CHECK_OK(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    CHECK_EQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
    CHECK_OK(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
    CHECK_EQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
}

TEST(prctl, dumpable_other_values_are_einval) {
    /* 2 (SUID_DUMP_ROOT) is only for the fs.suid_dumpable setting. */
    CHECK_ERR(prctl(PR_SET_DUMPABLE, 2, 0, 0, 0), EINVAL);
    CHECK_ERR(prctl(PR_SET_DUMPABLE, 3, 0, 0, 0), EINVAL);
    CHECK_EQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
}

TEST(prctl, dumpable_is_inherited_by_fork) {
    CHECK_OK(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : 1);
    CHECK_EXIT(pid, 0);
}

/* ---- PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS ---- */

TEST(prctl, no_new_privs_is_off_then_on) {
    CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
    CHECK_EQ(CHECK_OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)), 0);
    CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
}

TEST(prctl, no_new_privs_takes_only_one) {
    CHECK_ERR(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
    CHECK_ERR(prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), EINVAL);
    CHECK_ERR(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), EINVAL);
    CHECK_ERR(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL);
    CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
}

TEST(prctl, no_new_privs_is_sticky) {
    CHECK_OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    /* It cannot be turned off again; setting it twice is fine. */
    CHECK_ERR(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
    CHECK_OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
}

static void *thread_nnp(void *arg) {
    *(int *)arg = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    return 0;
}

TEST(prctl, no_new_privs_is_inherited_by_fork_and_threads) {
    CHECK_OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1);
    CHECK_EXIT(pid, 0);
    pthread_t t;
    int seen = -1;
    CHECK_EQ(pthread_create(&t, 0, thread_nnp, &seen), 0);
    CHECK_EQ(pthread_join(t, 0), 0);
    CHECK_EQ(seen, 1);
}

/* ---- PR_SET_PDEATHSIG, PR_GET_PDEATHSIG ---- */

TEST(prctl, pdeathsig_set_then_get) {
    int sig = -1;
    CHECK_OK(prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0));
    CHECK_EQ(sig, 0);
    CHECK_OK(prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0));
    CHECK_OK(prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0));
    CHECK_EQ(sig, SIGUSR1);
    CHECK_OK(prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0));
    CHECK_OK(prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0));
    CHECK_EQ(sig, 0);
}

TEST(prctl, pdeathsig_bad_signal_is_einval_and_bad_pointer_efault) {
    CHECK_ERR(prctl(PR_SET_PDEATHSIG, 65, 0, 0, 0), EINVAL);
    CHECK_ERR(prctl(PR_SET_PDEATHSIG, -1, 0, 0, 0), EINVAL);
    CHECK_ERR(prctl(PR_GET_PDEATHSIG, BAD_PTR, 0, 0, 0), EFAULT);
}

TEST(prctl, pdeathsig_is_cleared_in_a_forked_child) {
    CHECK_OK(prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        int sig = -1;
        prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
        _exit(sig == 0 ? 0 : 1);
    }
    CHECK_EXIT(pid, 0);
}

static int death_pipe = -1;

static void on_parent_death(int sig) {
    char c = sig == SIGUSR1 ? 'D' : '?';
    write(death_pipe, &c, 1);
    _exit(0);
}

/* In a new process: sets the parent-death signal to SIGUSR1 (whose handler writes 'D'
 * to `out`), writes 'R' to `out` once armed, then waits at most 2 s ('T' on timeout). */
static void become_orphan_watcher(int out, pid_t expected_parent) {
    death_pipe = out;
    signal(SIGUSR1, on_parent_death);
    prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
    if (getppid() != expected_parent) {
        write(out, "E", 1);
        _exit(1);
    }
    write(out, "R", 1);
    for (int i = 0; i < 2000; i++)
        sleep_ms(1);
    write(out, "T", 1);
    _exit(1);
}

TEST(prctl, pdeathsig_is_sent_when_the_parent_exits) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t child = CHECK_OK(fork());
    if (child == 0) {
        pid_t me = getpid();
        pid_t g = fork();
        if (g == 0) {
            close(p[0]);
            become_orphan_watcher(p[1], me);
        }
        /* Exit once the grandchild is armed. */
        close(p[1]);
        char c;
        _exit(read(p[0], &c, 1) == 1 && c == 'R' ? 0 : 1);
    }
    close(p[1]);
    CHECK_EXIT(child, 0);
    char c = 0;
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(c, 'D');
}

static int thread_child_pipe[2];
static pid_t thread_child;

static void *fork_watcher(void *arg) {
    (void)arg;
    pid_t me = getpid();
    thread_child = fork();
    if (thread_child == 0) {
        close(thread_child_pipe[0]);
        become_orphan_watcher(thread_child_pipe[1], me);
    }
    /* Return (ending the thread) once the child is armed: reading 'R' here. */
    char c;
    read(thread_child_pipe[0], &c, 1);
    return (void *)(intptr_t)c;
}

TEST(prctl, pdeathsig_follows_the_thread_that_forked) {
    /* The "parent" of the signal is the creating thread, not its process: the signal
     * comes when that thread exits, though the process lives on. */
    CHECK_OK(pipe(thread_child_pipe));
    pthread_t t;
    void *ret;
    CHECK_EQ(pthread_create(&t, 0, fork_watcher, 0), 0);
    CHECK_EQ(pthread_join(t, &ret), 0);
    CHECK_EQ((intptr_t)ret, 'R');
    close(thread_child_pipe[1]);
    char c = 0;
    CHECK_EQ(read(thread_child_pipe[0], &c, 1), 1);
    CHECK_EQ(c, 'D');
    CHECK_EXIT(thread_child, 0);
}

/* ---- other options ---- */

TEST(prctl, unknown_option_is_einval) {
    CHECK_ERR(prctl(12345, 0, 0, 0, 0), EINVAL);
    CHECK_ERR(prctl(-1, 0, 0, 0, 0), EINVAL);
}
