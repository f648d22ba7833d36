/* Who and where a process is: ids (getpid, gettid, getppid, the uid/gid family,
 * getgroups), process groups and sessions (getpgrp, getpgid, setpgid, setsid,
 * getsid), resource limits (getrlimit, setrlimit, prlimit64), and system facts
 * (uname, sysinfo, getrandom, sched_yield, CPU affinity, arch_prctl). */
#include "harness.h"

#include <asm/prctl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#ifndef GRND_NONBLOCK
#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#endif
#ifndef GRND_INSECURE
#define GRND_INSECURE 4
#endif

#define NO_PID 0x3ffffff0 /* above any pid_max */

/* ---- getpid, gettid, getppid ---- */

TEST(getpid, is_stable_and_positive) {
    pid_t a = CHECK_OK(syscall(SYS_getpid));
    CHECK(a > 0);
    CHECK_EQ(syscall(SYS_getpid), a);
}

static void *thread_pid(void *arg) {
    *(pid_t *)arg = syscall(SYS_getpid);
    return 0;
}

TEST(getpid, is_shared_by_threads_and_new_in_a_child) {
    pthread_t t;
    pid_t seen = 0;
    CHECK_EQ(pthread_create(&t, 0, thread_pid, &seen), 0);
    CHECK_EQ(pthread_join(t, 0), 0);
    CHECK_EQ(seen, syscall(SYS_getpid));
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        pid_t me = syscall(SYS_getpid);
        write(p[1], &me, sizeof me);
        _exit(0);
    }
    pid_t child = 0;
    CHECK_EQ(read(p[0], &child, sizeof child), sizeof child);
    CHECK_EQ(child, pid);
    CHECK(child != getpid());
    CHECK_EXIT(pid, 0);
}

TEST(gettid, equals_the_pid_in_the_main_thread) {
    CHECK_EQ(syscall(SYS_gettid), getpid());
}

static void *thread_tid(void *arg) {
    *(pid_t *)arg = syscall(SYS_gettid);
    return 0;
}

TEST(gettid, differs_in_each_thread) {
    pthread_t a, b;
    pid_t ta = 0, tb = 0;
    CHECK_EQ(pthread_create(&a, 0, thread_tid, &ta), 0);
    CHECK_EQ(pthread_create(&b, 0, thread_tid, &tb), 0);
    CHECK_EQ(pthread_join(a, 0), 0);
    CHECK_EQ(pthread_join(b, 0), 0);
    CHECK(ta > 0 && tb > 0);
    CHECK(ta != tb);
    CHECK(ta != getpid() && tb != getpid());
}

TEST(getppid, child_sees_its_parent) {
    pid_t me = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(syscall(SYS_getppid) == me ? 0 : 1);
    CHECK_EXIT(pid, 0);
}

static void *thread_ppid(void *arg) {
    *(pid_t *)arg = syscall(SYS_getppid);
    return 0;
}

TEST(getppid, is_the_same_in_every_thread) {
    pthread_t t;
    pid_t seen = -1;
    CHECK_EQ(pthread_create(&t, 0, thread_ppid, &seen), 0);
    CHECK_EQ(pthread_join(t, 0), 0);
    CHECK_EQ(seen, syscall(SYS_getppid));
    CHECK(seen >= 0);
}

/* ---- uids and gids ---- */

TEST(getuid, is_root_in_the_suite) {
    CHECK_EQ(syscall(SYS_getuid), 0);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(syscall(SYS_getuid) == 0 ? 0 : 1);
    CHECK_EXIT(pid, 0);
}

TEST(getuid, matches_the_real_uid_of_getresuid) {
    uid_t r = 1, e = 1, s = 1;
    CHECK_OK(syscall(SYS_getresuid, &r, &e, &s));
    CHECK_EQ(syscall(SYS_getuid), r);
}

TEST(geteuid, matches_the_effective_uid_of_getresuid) {
    uid_t r = 1, e = 1, s = 1;
    CHECK_OK(syscall(SYS_getresuid, &r, &e, &s));
    CHECK_EQ(syscall(SYS_geteuid), e);
}

TEST(geteuid, equals_the_uid_without_set_user_id) {
    CHECK_EQ(syscall(SYS_geteuid), syscall(SYS_getuid));
}

TEST(getgid, matches_the_real_gid_of_getresgid) {
    gid_t r = 1, e = 1, s = 1;
    CHECK_OK(syscall(SYS_getresgid, &r, &e, &s));
    CHECK_EQ(syscall(SYS_getgid), r);
}

TEST(getgid, is_root_in_the_suite) {
    CHECK_EQ(syscall(SYS_getgid), 0);
}

TEST(getegid, matches_the_effective_gid_of_getresgid) {
    gid_t r = 1, e = 1, s = 1;
    CHECK_OK(syscall(SYS_getresgid, &r, &e, &s));
    CHECK_EQ(syscall(SYS_getegid), e);
}

TEST(getegid, equals_the_gid_without_set_group_id) {
    CHECK_EQ(syscall(SYS_getegid), syscall(SYS_getgid));
}

TEST(getresuid, fills_all_three) {
    uid_t r = 7, e = 7, s = 7;
    CHECK_EQ(CHECK_OK(syscall(SYS_getresuid, &r, &e, &s)), 0);
    CHECK_EQ(r, 0);
    CHECK_EQ(e, 0);
    CHECK_EQ(s, 0);
}

TEST(getresuid, bad_pointer_is_efault) {
    uid_t r, e;
    CHECK_ERR(syscall(SYS_getresuid, &r, &e, BAD_PTR), EFAULT);
    CHECK_ERR(syscall(SYS_getresuid, BAD_PTR, &r, &e), EFAULT);
}

TEST(getresgid, fills_all_three) {
    gid_t r = 7, e = 7, s = 7;
    CHECK_EQ(CHECK_OK(syscall(SYS_getresgid, &r, &e, &s)), 0);
    CHECK_EQ(r, 0);
    CHECK_EQ(e, 0);
    CHECK_EQ(s, 0);
}

TEST(getresgid, bad_pointer_is_efault) {
    gid_t r, e;
    CHECK_ERR(syscall(SYS_getresgid, &r, &e, BAD_PTR), EFAULT);
    CHECK_ERR(syscall(SYS_getresgid, BAD_PTR, &r, &e), EFAULT);
}

TEST(getgroups, size_zero_returns_the_count) {
    int n = CHECK_OK(syscall(SYS_getgroups, 0, 0));
    CHECK(n >= 0 && n <= 65536);
    gid_t *list = calloc(n + 1, sizeof *list);
    CHECK_EQ(syscall(SYS_getgroups, n + 1, list), n);
    CHECK_EQ(syscall(SYS_getgroups, n, list), n);
}

TEST(getgroups, too_small_or_negative_size_is_einval) {
    gid_t list[1];
    CHECK_ERR(syscall(SYS_getgroups, -1, list), EINVAL);
    int n = CHECK_OK(syscall(SYS_getgroups, 0, 0));
    if (n > 0)
        CHECK_ERR(syscall(SYS_getgroups, n - 1, list), EINVAL);
}

TEST(getgroups, bad_pointer_is_efault_when_there_are_groups) {
    int n = CHECK_OK(syscall(SYS_getgroups, 0, 0));
    if (n > 0)
        CHECK_ERR(syscall(SYS_getgroups, n, BAD_PTR), EFAULT);
    else
        CHECK_EQ(syscall(SYS_getgroups, 4, BAD_PTR), 0);
}

/* ---- uname ---- */

static int terminated(const char *field) { return memchr(field, 0, 65) != 0; }

TEST(uname, fields_are_terminated_and_say_linux) {
    struct utsname u;
    memset(&u, 'x', sizeof u);
    CHECK_OK(uname(&u));
    CHECK(terminated(u.sysname) && terminated(u.nodename) && terminated(u.release) &&
          terminated(u.version) && terminated(u.machine) && terminated(u.domainname));
    CHECK_STR(u.sysname, "Linux");
    CHECK_STR(u.machine, "x86_64");
    CHECK(u.release[0] >= '2' && u.release[0] <= '9');
    CHECK(strlen(u.version) > 0);
}

TEST(uname, bad_pointer_is_efault) {
    CHECK_ERR(syscall(SYS_uname, BAD_PTR), EFAULT);
}

/* ---- process groups and sessions ---- */

TEST(getpgrp, equals_getpgid_of_zero_and_is_inherited) {
    pid_t g = CHECK_OK(syscall(SYS_getpgrp));
    CHECK_EQ(getpgid(0), g);
    CHECK_EQ(getpgid(getpid()), g);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(syscall(SYS_getpgrp) == g ? 0 : 1);
    CHECK_EXIT(pid, 0);
}

TEST(getpgrp, is_the_pid_after_becoming_a_leader) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        if (setpgid(0, 0) != 0)
            _exit(1);
        _exit(syscall(SYS_getpgrp) == getpid() ? 0 : 2);
    }
    CHECK_EXIT(pid, 0);
}

TEST(getpgid, of_a_child_follows_its_moves) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(p[1]);
        char c;
        read(p[0], &c, 1);
        _exit(0);
    }
    CHECK_EQ(getpgid(pid), getpgrp());
    CHECK_OK(setpgid(pid, pid));
    CHECK_EQ(getpgid(pid), pid);
    close(p[1]);
    CHECK_EXIT(pid, 0);
}

TEST(getpgid, unknown_pid_is_esrch) {
    CHECK_ERR(getpgid(NO_PID), ESRCH);
    CHECK_ERR(getpgid(-1), ESRCH);
}

TEST(setpgid, negative_pgid_is_einval) {
    CHECK_ERR(setpgid(0, -1), EINVAL);
    CHECK_ERR(setpgid(getpid(), -5), EINVAL);
}

TEST(setpgid, not_self_or_a_child_is_esrch) {
    CHECK_ERR(setpgid(NO_PID, 0), ESRCH);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        /* The parent is neither the caller nor its child. */
        errno = 0;
        _exit(setpgid(getppid(), 0) == -1 && errno == ESRCH ? 0 : 1);
    }
    CHECK_EXIT(pid, 0);
}

TEST(setpgid, joining_a_group_of_another_session_is_eperm) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(p[1]);
        if (setsid() < 0)
            _exit(1);
        char c;
        read(p[0], &c, 1);
        _exit(0);
    }
    /* Wait until the child is in a session of its own. */
    for (int i = 0; i < 1000 && getsid(pid) != pid; i++)
        usleep(1000);
    CHECK_EQ(getsid(pid), pid);
    /* A group that does not exist in the caller's session. */
    CHECK_ERR(setpgid(0, pid), EPERM);
    /* A child in another session cannot be moved either. */
    CHECK_ERR(setpgid(pid, getpgrp()), EPERM);
    close(p[1]);
    CHECK_EXIT(pid, 0);
}

TEST(setpgid, a_child_that_has_execed_is_eacces) {
    int ready[2], hold[2];
    CHECK_OK(pipe2(ready, O_CLOEXEC));
    CHECK_OK(pipe(hold));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(ready[0]);
        close(hold[1]);
        dup2(hold[0], 0);
        char *argv[] = {"sh", "-c", "read x; exit 0", 0};
        char *envp[] = {0};
        execve("/bin/busybox", argv, envp);
        _exit(99);
    }
    close(ready[1]);
    close(hold[0]);
    char c;
    /* End of file on the close-on-exec pipe: the exec has happened. */
    CHECK_EQ(read(ready[0], &c, 1), 0);
    CHECK_ERR(setpgid(pid, pid), EACCES);
    close(hold[1]);
    CHECK_EXIT(pid, 0);
}

TEST(setsid, group_leader_is_eperm) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        if (setpgid(0, 0) != 0)
            _exit(1);
        errno = 0;
        _exit(setsid() == -1 && errno == EPERM ? 0 : 2);
    }
    CHECK_EXIT(pid, 0);
}

TEST(setsid, makes_a_new_session_and_group) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        pid_t me = getpid();
        if (setsid() != me)
            _exit(1);
        if (getsid(0) != me || getpgrp() != me)
            _exit(2);
        /* Now a session leader: a second setsid fails. */
        errno = 0;
        _exit(setsid() == -1 && errno == EPERM ? 0 : 3);
    }
    CHECK_EXIT(pid, 0);
}

TEST(getsid, of_zero_is_the_callers_and_is_inherited) {
    pid_t s = CHECK_OK(getsid(0));
    CHECK_EQ(getsid(getpid()), s);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(getsid(0) == s ? 0 : 1);
    CHECK_EQ(getsid(pid), s);
    CHECK_EXIT(pid, 0);
}

TEST(getsid, unknown_pid_is_esrch) {
    CHECK_ERR(getsid(NO_PID), ESRCH);
}

/* ---- resource limits ---- */

TEST(getrlimit, soft_is_at_most_hard) {
    struct rlimit rl;
    CHECK_OK(syscall(SYS_getrlimit, RLIMIT_NOFILE, &rl));
    CHECK(rl.rlim_cur <= rl.rlim_max);
    CHECK(rl.rlim_cur >= 3);
    CHECK_OK(syscall(SYS_getrlimit, RLIMIT_STACK, &rl));
    CHECK(rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur <= rl.rlim_max);
}

TEST(getrlimit, bad_resource_is_einval_and_bad_pointer_efault) {
    struct rlimit rl;
    CHECK_ERR(syscall(SYS_getrlimit, 1000, &rl), EINVAL);
    CHECK_ERR(syscall(SYS_getrlimit, RLIMIT_NOFILE, BAD_PTR), EFAULT);
}

TEST(setrlimit, lowering_the_soft_limit_is_seen) {
    struct rlimit rl, now;
    CHECK_OK(syscall(SYS_getrlimit, RLIMIT_NOFILE, &rl));
    struct rlimit low = {64, rl.rlim_max};
    CHECK_OK(syscall(SYS_setrlimit, RLIMIT_NOFILE, &low));
    CHECK_OK(syscall(SYS_getrlimit, RLIMIT_NOFILE, &now));
    CHECK_EQ(now.rlim_cur, 64);
    CHECK_EQ(now.rlim_max, rl.rlim_max);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct rlimit c;
        syscall(SYS_getrlimit, RLIMIT_NOFILE, &c);
        _exit(c.rlim_cur == 64 ? 0 : 1);
    }
    CHECK_EXIT(pid, 0);
}

TEST(setrlimit, soft_above_hard_is_einval) {
    struct rlimit bad = {100, 50};
    CHECK_ERR(syscall(SYS_setrlimit, RLIMIT_NOFILE, &bad), EINVAL);
    CHECK_ERR(syscall(SYS_setrlimit, 1000, &bad), EINVAL);
    CHECK_ERR(syscall(SYS_setrlimit, RLIMIT_NOFILE, BAD_PTR), EFAULT);
}

TEST(setrlimit, nofile_is_enforced) {
    struct rlimit rl;
    CHECK_OK(syscall(SYS_getrlimit, RLIMIT_NOFILE, &rl));
    struct rlimit low = {5, rl.rlim_max};
    CHECK_OK(syscall(SYS_setrlimit, RLIMIT_NOFILE, &low));
    CHECK_EQ(CHECK_OK(dup(0)), 3);
    CHECK_EQ(CHECK_OK(open(".", O_RDONLY)), 4);
    CHECK_ERR(dup(0), EMFILE);
    CHECK_ERR(open(".", O_RDONLY), EMFILE);
    int p[2];
    CHECK_ERR(pipe(p), EMFILE);
    CHECK_ERR(dup2(0, 5), EBADF);
    CHECK_ERR(fcntl(0, F_DUPFD, 5), EINVAL);
    /* Replacing an open fd below the limit is fine. */
    CHECK_EQ(CHECK_OK(dup2(0, 4)), 4);
}

TEST(prlimit64, pid_zero_returns_the_old_value_and_sets) {
    struct rlimit rl, old, now;
    CHECK_OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, &rl));
    struct rlimit low = {32, rl.rlim_max};
    memset(&old, 0xff, sizeof old);
    CHECK_OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &low, &old));
    CHECK_EQ(old.rlim_cur, rl.rlim_cur);
    CHECK_EQ(old.rlim_max, rl.rlim_max);
    CHECK_OK(syscall(SYS_prlimit64, getpid(), RLIMIT_NOFILE, 0, &now));
    CHECK_EQ(now.rlim_cur, 32);
}

TEST(prlimit64, reaches_a_child_and_checks_its_arguments) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(p[1]);
        char c;
        read(p[0], &c, 1);
        struct rlimit rl;
        syscall(SYS_prlimit64, 0, RLIMIT_CORE, 0, &rl);
        _exit(rl.rlim_cur == 0 ? 0 : 1);
    }
    struct rlimit zero = {0, 0}, old;
    CHECK_OK(syscall(SYS_prlimit64, pid, RLIMIT_CORE, &zero, &old));
    close(p[1]);
    CHECK_EXIT(pid, 0);
    struct rlimit bad = {10, 5};
    CHECK_ERR(syscall(SYS_prlimit64, 0, RLIMIT_CORE, &bad, 0), EINVAL);
    CHECK_ERR(syscall(SYS_prlimit64, NO_PID, RLIMIT_CORE, 0, &old), ESRCH);
    CHECK_ERR(syscall(SYS_prlimit64, 0, 1000, 0, &old), EINVAL);
}

/* ---- sysinfo ---- */

TEST(sysinfo, reports_plausible_figures) {
    struct sysinfo si;
    memset(&si, 0, sizeof si);
    CHECK_OK(sysinfo(&si));
    CHECK(si.uptime > 0);
    CHECK(si.mem_unit >= 1);
    CHECK(si.totalram > 0);
    CHECK(si.freeram <= si.totalram);
    CHECK(si.procs >= 1);
}

TEST(sysinfo, bad_pointer_is_efault) {
    CHECK_ERR(syscall(SYS_sysinfo, BAD_PTR), EFAULT);
}

/* ---- getrandom ---- */

TEST(getrandom, fills_the_buffer) {
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    CHECK_EQ(syscall(SYS_getrandom, a, sizeof a, 0), sizeof a);
    CHECK_EQ(syscall(SYS_getrandom, b, sizeof b, GRND_NONBLOCK), sizeof b);
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK_EQ(syscall(SYS_getrandom, a, 0, 0), 0);
}

TEST(getrandom, bad_flags_are_einval) {
    char buf[8];
    CHECK_ERR(syscall(SYS_getrandom, buf, sizeof buf, 0x100), EINVAL);
    CHECK_ERR(syscall(SYS_getrandom, buf, sizeof buf, GRND_RANDOM | GRND_INSECURE), EINVAL);
}

TEST(getrandom, bad_pointer_is_efault) {
    CHECK_ERR(syscall(SYS_getrandom, BAD_PTR, 16, 0), EFAULT);
}

/* ---- sched_yield ---- */

TEST(sched_yield, returns_zero) {
    for (int i = 0; i < 10; i++)
        CHECK_EQ(syscall(SYS_sched_yield), 0);
}

static void *yielder(void *arg) {
    for (int i = 0; i < 100; i++)
        if (syscall(SYS_sched_yield) != 0)
            *(int *)arg = 1;
    return 0;
}

TEST(sched_yield, works_with_threads_competing) {
    pthread_t t;
    int bad = 0;
    CHECK_EQ(pthread_create(&t, 0, yielder, &bad), 0);
    for (int i = 0; i < 100; i++)
        CHECK_EQ(syscall(SYS_sched_yield), 0);
    CHECK_EQ(pthread_join(t, 0), 0);
    CHECK_EQ(bad, 0);
}

/* ---- CPU affinity ---- */

TEST(sched_getaffinity, returns_the_mask_size_and_a_nonempty_mask) {
    unsigned long mask[16];
    memset(mask, 0, sizeof mask);
    long n = CHECK_OK(syscall(SYS_sched_getaffinity, 0, sizeof mask, mask));
    /* The raw call returns how many bytes it wrote: a whole number of longs. */
    CHECK(n > 0 && n <= (long)sizeof mask);
    CHECK_EQ(n % sizeof(long), 0);
    int any = 0;
    for (size_t i = 0; i < sizeof mask / sizeof *mask; i++)
        any |= mask[i] != 0;
    CHECK(any);
    cpu_set_t set;
    CHECK_OK(sched_getaffinity(0, sizeof set, &set));
    CHECK(CPU_COUNT(&set) >= 1);
}

TEST(sched_getaffinity, bad_size_or_pid_is_an_error) {
    unsigned long mask[16];
    CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 4, mask), EINVAL);
    CHECK_ERR(syscall(SYS_sched_getaffinity, 0, sizeof mask + 3, mask), EINVAL);
    CHECK_ERR(syscall(SYS_sched_getaffinity, NO_PID, sizeof mask, mask), ESRCH);
    CHECK_ERR(syscall(SYS_sched_getaffinity, 0, sizeof mask, BAD_PTR), EFAULT);
}

TEST(sched_setaffinity, empty_mask_is_einval) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK_ERR(syscall(SYS_sched_setaffinity, 0, sizeof set, &set), EINVAL);
}

TEST(sched_setaffinity, setting_the_current_mask_is_accepted) {
    cpu_set_t set, now;
    CHECK_OK(sched_getaffinity(0, sizeof set, &set));
    CHECK_OK(syscall(SYS_sched_setaffinity, 0, sizeof set, &set));
    CHECK_OK(sched_getaffinity(0, sizeof now, &now));
    CHECK(CPU_EQUAL(&set, &now));
    CHECK_ERR(syscall(SYS_sched_setaffinity, NO_PID, sizeof set, &set), ESRCH);
    CHECK_ERR(syscall(SYS_sched_setaffinity, 0, sizeof set, BAD_PTR), EFAULT);
}

TEST(sched_setaffinity, a_single_cpu_is_kept) {
    cpu_set_t set, one, now;
    CHECK_OK(sched_getaffinity(0, sizeof set, &set));
    int cpu = -1;
    for (int i = 0; i < CPU_SETSIZE && cpu < 0; i++)
        if (CPU_ISSET(i, &set))
            cpu = i;
    CHECK(cpu >= 0);
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    CHECK_OK(syscall(SYS_sched_setaffinity, 0, sizeof one, &one));
    CHECK_OK(sched_getaffinity(0, sizeof now, &now));
    CHECK(CPU_EQUAL(&one, &now));
}

/* ---- arch_prctl ---- */

TEST(arch_prctl, get_fs_is_the_thread_pointer) {
    unsigned long fs = 0, self;
    CHECK_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
    /* glibc keeps the thread control block's own address at %fs:0. */
    __asm__("mov %%fs:0, %0" : "=r"(self));
    CHECK_EQ(fs, self);
    CHECK_EQ(fs, (unsigned long)pthread_self());
}

static void *thread_fs(void *arg) {
    syscall(SYS_arch_prctl, ARCH_GET_FS, arg);
    return 0;
}

TEST(arch_prctl, each_thread_has_its_own_fs) {
    unsigned long mine = 0, other = 0;
    CHECK_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &mine));
    pthread_t t;
    CHECK_EQ(pthread_create(&t, 0, thread_fs, &other), 0);
    CHECK_EQ(pthread_join(t, 0), 0);
    CHECK(other != 0);
    CHECK(other != mine);
    CHECK_EQ(other, (unsigned long)t);
}

TEST(arch_prctl, set_gs_then_get_gs) {
    static unsigned long area[4];
    unsigned long gs = 1;
    CHECK_OK(syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)area));
    CHECK_OK(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs));
    CHECK_EQ(gs, (unsigned long)area);
}

TEST(arch_prctl, bad_code_is_einval_and_bad_pointer_efault) {
    unsigned long v;
    CHECK_ERR(syscall(SYS_arch_prctl, 0x9999, &v), EINVAL);
    CHECK_ERR(syscall(SYS_arch_prctl, ARCH_GET_FS, BAD_PTR), EFAULT);
}
