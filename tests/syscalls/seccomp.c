/* Seccomp: filters that fail a call with an errno, trap it with SIGSYS (si_code,
 * si_syscall, si_arch, si_errno), kill the process; what filters see (the number,
 * the arguments); two filters where the stricter wins; inheritance by a child;
 * strict mode; PR_GET_SECCOMP and /proc's Seccomp line; SECCOMP_GET_ACTION_AVAIL;
 * programs seccomp refuses. Every case installs its filters in a forked child. */
#include "harness.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define NR_OFFSET offsetof(struct seccomp_data, nr)
#define ARG0_OFFSET offsetof(struct seccomp_data, args[0])

static int install(struct sock_filter *f, unsigned short n) {
    struct sock_fprog prog = {n, f};
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* A filter giving `action` to syscall `nr` and allowing the rest. */
static int install_for(long nr, unsigned int action) {
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFFSET),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, action),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    return install(f, 4);
}

static void no_new_privs(void) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        _exit(2);
}

TEST(seccomp, errno_fails_only_the_filtered_call) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        no_new_privs();
        if (install_for(SYS_getppid, SECCOMP_RET_ERRNO | 77) != 0)
            _exit(3);
        errno = 0;
        long r = syscall(SYS_getppid);
        if (r != -1 || errno != 77)
            _exit(4);
        if (syscall(SYS_getpid) != getpid())
            _exit(5);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

static volatile int seen_code, seen_syscall, seen_errno;
static volatile unsigned int seen_arch;

static void on_sigsys(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    (void)ctx;
    seen_code = si->si_code;
    seen_syscall = si->si_syscall;
    seen_arch = si->si_arch;
    seen_errno = si->si_errno;
}

TEST(seccomp, trap_raises_sigsys_naming_the_call) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sigsys;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSYS, &sa, NULL);
        no_new_privs();
        if (install_for(SYS_getppid, SECCOMP_RET_TRAP | 42) != 0)
            _exit(3);
        /* The registers are rolled back for the handler: rax is the call's number. */
        long r = syscall(SYS_getppid);
        if (r != SYS_getppid)
            _exit(4);
        if (seen_code != 1 /* SYS_SECCOMP */ || seen_syscall != SYS_getppid)
            _exit(5);
        if (seen_arch != AUDIT_ARCH_X86_64 || seen_errno != 42)
            _exit(6);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(seccomp, kill_process_ends_it_by_sigsys) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        no_new_privs();
        if (install_for(SYS_getppid, SECCOMP_RET_KILL_PROCESS) != 0)
            _exit(3);
        syscall(SYS_getppid);
        _exit(0);
    }
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ(WTERMSIG(status), SIGSYS);
}

TEST(seccomp, filters_see_the_arguments) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        /* close(12345) fails with 55; every other close goes through. */
        struct sock_filter f[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFFSET),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close, 0, 3),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_OFFSET),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 12345, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 55),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        no_new_privs();
        if (install(f, 6) != 0)
            _exit(3);
        errno = 0;
        if (close(12345) != -1 || errno != 55)
            _exit(4);
        errno = 0;
        if (close(12346) != -1 || errno != EBADF)
            _exit(5);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(seccomp, the_strictest_of_two_filters_wins_and_children_inherit) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        no_new_privs();
        if (install_for(SYS_getppid, SECCOMP_RET_ERRNO | 11) != 0)
            _exit(3);
        if (install_for(SYS_getppid, SECCOMP_RET_LOG) != 0)
            _exit(4);
        errno = 0;
        if (syscall(SYS_getppid) != -1 || errno != 11)
            _exit(5);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            errno = 0;
            _exit(syscall(SYS_getppid) == -1 && errno == 11 ? 0 : 6);
        }
        int status;
        if (waitpid(grandchild, &status, 0) != grandchild || !WIFEXITED(status))
            _exit(7);
        _exit(WEXITSTATUS(status));
    }
    CHECK_EXIT(pid, 0);
}

TEST(seccomp, strict_mode_kills_on_other_calls) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) != 0)
            _exit(3);
        if (write(p[1], "s", 1) != 1)
            syscall(SYS_exit, 4);
        syscall(SYS_getpid);
        syscall(SYS_exit, 0);
    }
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ(WTERMSIG(status), SIGKILL);
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);
}

TEST(prctl, get_seccomp_and_proc_status_report_the_mode) {
    CHECK_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        no_new_privs();
        if (install_for(SYS_getppid, SECCOMP_RET_ERRNO | 1) != 0)
            _exit(3);
        if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2)
            _exit(4);
        FILE *f = fopen("/proc/self/status", "r");
        if (!f)
            _exit(5);
        char line[256];
        int mode = -1, filters = -1;
        while (fgets(line, sizeof line, f)) {
            sscanf(line, "Seccomp: %d", &mode);
            sscanf(line, "Seccomp_filters: %d", &filters);
        }
        fclose(f);
        _exit(mode == 2 && filters == 1 ? 0 : 6);
    }
    CHECK_EXIT(pid, 0);
}

TEST(seccomp, get_action_avail_and_refused_programs) {
    unsigned int action = SECCOMP_RET_ALLOW;
    CHECK_OK(syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action));
    action = SECCOMP_RET_KILL_PROCESS;
    CHECK_OK(syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action));
    action = 0x12340000;
    CHECK_ERR(syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action), EOPNOTSUPP);
    CHECK_ERR(syscall(SYS_seccomp, 99, 0, NULL), EINVAL);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        no_new_privs();
        struct sock_fprog empty = {0, NULL};
        errno = 0;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &empty) != -1 || errno != EINVAL)
            _exit(3);
        /* A load outside struct seccomp_data. */
        struct sock_filter bad[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        errno = 0;
        if (install(bad, 2) != -1 || errno != EINVAL)
            _exit(4);
        /* No return at the end. */
        struct sock_filter open_ended[] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)};
        errno = 0;
        if (install(open_ended, 1) != -1 || errno != EINVAL)
            _exit(5);
        errno = 0;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (void *)8) != -1 || errno != EFAULT)
            _exit(6);
        if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0)
            _exit(7);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}
