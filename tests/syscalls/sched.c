/* Scheduling attributes: getpriority and setpriority (nice values of a process, a
 * process group and a user; the raw call's 20 - nice; clamping; inheritance),
 * sched_getscheduler, sched_setscheduler (SCHED_OTHER, SCHED_BATCH, SCHED_IDLE,
 * SCHED_RESET_ON_FORK), sched_getparam, sched_setparam, sched_get_priority_max and
 * _min, sched_rr_get_interval, and personality. Real-time policies are not set: a
 * sandbox may deny them. */
#include "harness.h"

#include <sched.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>

#define NO_PID 0x3ffffff0 /* above any pid_max */

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

/* The raw getpriority: 20 - nice (1..40), never negative. */
static long getpriority_raw(int which, int who) {
    return syscall(SYS_getpriority, which, who);
}

/* The nice value of `which`/`who`, from the raw call; fails the case on error. */
static int nice_of(int which, int who) {
    long r = CHECK_OK(getpriority_raw(which, who));
    return 20 - (int)r;
}

static long setpriority_raw(int which, int who, int nice) {
    return syscall(SYS_setpriority, which, who, nice);
}

/* A child that waits until the parent closes its end of `p`, then exits 0. */
static pid_t child_waiting_on(int p[2]) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(p[1]);
        char c;
        read(p[0], &c, 1);
        _exit(0);
    }
    close(p[0]);
    return pid;
}

/* ---- getpriority, setpriority ---- */

TEST(getpriority, raw_call_returns_twenty_minus_nice) {
    CHECK_OK(setpriority_raw(PRIO_PROCESS, 0, 0));
    CHECK_EQ(getpriority_raw(PRIO_PROCESS, 0), 20);
    CHECK_OK(setpriority_raw(PRIO_PROCESS, 0, 7));
    CHECK_EQ(getpriority_raw(PRIO_PROCESS, 0), 13);
    /* glibc's wrapper turns it back into the nice value. */
    errno = 0;
    CHECK_EQ(getpriority(PRIO_PROCESS, 0), 7);
    CHECK_EQ(errno, 0);
}

TEST(getpriority, raw_call_is_positive_for_negative_nice) {
    CHECK_OK(setpriority_raw(PRIO_PROCESS, 0, -3));
    CHECK_EQ(getpriority_raw(PRIO_PROCESS, 0), 23);
    errno = 0;
    CHECK_EQ(getpriority(PRIO_PROCESS, 0), -3);
    CHECK_EQ(errno, 0);
}

TEST(setpriority, set_nice_five_then_read_five) {
    CHECK_EQ(CHECK_OK(setpriority(PRIO_PROCESS, 0, 5)), 0);
    CHECK_EQ(nice_of(PRIO_PROCESS, 0), 5);
    /* who = own pid is the same process as who = 0. */
    CHECK_EQ(nice_of(PRIO_PROCESS, getpid()), 5);
}

TEST(setpriority, root_can_lower_nice_below_the_current_value) {
    CHECK_OK(setpriority_raw(PRIO_PROCESS, 0, 10));
    CHECK_EQ(nice_of(PRIO_PROCESS, 0), 10);
    CHECK_OK(setpriority_raw(PRIO_PROCESS, 0, -5));
    CHECK_EQ(nice_of(PRIO_PROCESS, 0), -5);
}

TEST(setpriority, values_above_19_clamp_to_19) {
    CHECK_OK(setpriority_raw(PRIO_PROCESS, 0, 25));
    CHECK_EQ(nice_of(PRIO_PROCESS, 0), 19);
    CHECK_OK(setpriority_raw(PRIO_PROCESS, 0, 1000));
    CHECK_EQ(nice_of(PRIO_PROCESS, 0), 19);
    CHECK_EQ(getpriority_raw(PRIO_PROCESS, 0), 1);
}

TEST(setpriority, values_below_minus_20_clamp_to_minus_20) {
    CHECK_OK(setpriority_raw(PRIO_PROCESS, 0, -30));
    CHECK_EQ(nice_of(PRIO_PROCESS, 0), -20);
    CHECK_EQ(getpriority_raw(PRIO_PROCESS, 0), 40);
}

TEST(setpriority, of_a_child_by_pid) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(setpriority_raw(PRIO_PROCESS, 0, 0));
    pid_t pid = child_waiting_on(p);
    CHECK_OK(setpriority_raw(PRIO_PROCESS, pid, 12));
    CHECK_EQ(nice_of(PRIO_PROCESS, pid), 12);
    /* The caller's own value is left alone. */
    CHECK_EQ(nice_of(PRIO_PROCESS, 0), 0);
    close(p[1]);
    CHECK_EXIT(pid, 0);
}

TEST(setpriority, process_group_sets_every_member) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        /* A group of its own with two members: itself and a child. */
        if (setpgid(0, 0) != 0)
            _exit(10);
        int p[2];
        if (pipe(p) != 0)
            _exit(11);
        pid_t member = fork();
        if (member == 0) {
            close(p[1]);
            char c;
            read(p[0], &c, 1);
            _exit(0);
        }
        if (setpriority_raw(PRIO_PGRP, 0, 6) != 0)
            _exit(12);
        if (getpriority_raw(PRIO_PROCESS, 0) != 14)
            _exit(13);
        if (getpriority_raw(PRIO_PROCESS, member) != 14)
            _exit(14);
        if (getpriority_raw(PRIO_PGRP, 0) != 14 || getpriority_raw(PRIO_PGRP, getpid()) != 14)
            _exit(15);
        /* PRIO_PGRP reads the lowest nice of the group's members. */
        if (setpriority_raw(PRIO_PROCESS, member, 2) != 0)
            _exit(16);
        if (getpriority_raw(PRIO_PGRP, 0) != 18)
            _exit(17);
        close(p[1]);
        int st;
        if (waitpid(member, &st, 0) != member || st != 0)
            _exit(18);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(getpriority, user_zero_reads_the_callers_users_lowest_nice) {
    /* No process of the user can be below -20, and the caller is one of them. */
    CHECK_OK(setpriority_raw(PRIO_PROCESS, 0, -20));
    CHECK_EQ(nice_of(PRIO_USER, 0), -20);
    CHECK_EQ(nice_of(PRIO_USER, getuid()), -20);
}

TEST(getpriority, bad_which_is_einval) {
    CHECK_ERR(getpriority_raw(3, 0), EINVAL);
    CHECK_ERR(getpriority_raw(-1, 0), EINVAL);
    CHECK_ERR(setpriority_raw(3, 0, 0), EINVAL);
}

TEST(getpriority, nonexistent_pid_is_esrch) {
    CHECK_ERR(getpriority_raw(PRIO_PROCESS, NO_PID), ESRCH);
    CHECK_ERR(getpriority_raw(PRIO_PGRP, NO_PID), ESRCH);
    CHECK_ERR(setpriority_raw(PRIO_PROCESS, NO_PID, 0), ESRCH);
}

TEST(setpriority, child_inherits_the_nice_value_at_fork) {
    CHECK_OK(setpriority_raw(PRIO_PROCESS, 0, 9));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(getpriority_raw(PRIO_PROCESS, 0) == 11 ? 0 : 1);
    CHECK_EXIT(pid, 0);
}

/* ---- sched_getscheduler, sched_setscheduler ---- */

TEST(sched_getscheduler, self_is_sched_other) {
    CHECK_EQ(CHECK_OK(sched_getscheduler(0)), SCHED_OTHER);
    CHECK_EQ(CHECK_OK(sched_getscheduler(getpid())), SCHED_OTHER);
}

TEST(sched_getscheduler, bad_pids) {
    CHECK_ERR(syscall(SYS_sched_getscheduler, NO_PID), ESRCH);
    CHECK_ERR(syscall(SYS_sched_getscheduler, -1), EINVAL);
}

TEST(sched_setscheduler, sched_other_with_priority_zero_works) {
    struct sched_param sp = {.sched_priority = 0};
    CHECK_EQ(CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp)), 0);
    CHECK_EQ(CHECK_OK(sched_getscheduler(0)), SCHED_OTHER);
}

TEST(sched_setscheduler, sched_other_with_priority_one_is_einval) {
    struct sched_param sp = {.sched_priority = 1};
    CHECK_ERR(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp), EINVAL);
    sp.sched_priority = -1;
    CHECK_ERR(syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &sp), EINVAL);
}

TEST(sched_setscheduler, bad_policy_is_einval) {
    struct sched_param sp = {.sched_priority = 0};
    CHECK_ERR(syscall(SYS_sched_setscheduler, 0, 42, &sp), EINVAL);
    CHECK_ERR(syscall(SYS_sched_setscheduler, 0, -2, &sp), EINVAL);
    /* SCHED_DEADLINE needs sched_setattr's runtime and deadline. */
    CHECK_ERR(syscall(SYS_sched_setscheduler, 0, 6, &sp), EINVAL);
    CHECK_EQ(CHECK_OK(sched_getscheduler(0)), SCHED_OTHER);
}

TEST(sched_setscheduler, bad_arguments) {
    CHECK_ERR(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, 0), EINVAL);
    struct sched_param sp = {.sched_priority = 0};
    CHECK_ERR(syscall(SYS_sched_setscheduler, -1, SCHED_OTHER, &sp), EINVAL);
    CHECK_ERR(syscall(SYS_sched_setscheduler, NO_PID, SCHED_OTHER, &sp), ESRCH);
    CHECK_ERR(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, BAD_PTR), EFAULT);
}

TEST(sched_setscheduler, batch_and_idle_are_read_back) {
    struct sched_param sp = {.sched_priority = 0};
    CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &sp));
    CHECK_EQ(CHECK_OK(sched_getscheduler(0)), SCHED_BATCH);
    CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_IDLE, &sp));
    CHECK_EQ(CHECK_OK(sched_getscheduler(0)), SCHED_IDLE);
    /* Root may leave SCHED_IDLE again. */
    CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp));
    CHECK_EQ(CHECK_OK(sched_getscheduler(0)), SCHED_OTHER);
}

TEST(sched_setscheduler, policy_of_a_child_by_pid) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = child_waiting_on(p);
    struct sched_param sp = {.sched_priority = 0};
    CHECK_OK(syscall(SYS_sched_setscheduler, pid, SCHED_BATCH, &sp));
    CHECK_EQ(CHECK_OK(sched_getscheduler(pid)), SCHED_BATCH);
    CHECK_EQ(CHECK_OK(sched_getscheduler(0)), SCHED_OTHER);
    close(p[1]);
    CHECK_EXIT(pid, 0);
}

TEST(sched_setscheduler, policy_is_inherited_at_fork) {
    struct sched_param sp = {.sched_priority = 0};
    CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &sp));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(sched_getscheduler(0) == SCHED_BATCH ? 0 : 1);
    CHECK_EXIT(pid, 0);
}

TEST(sched_setscheduler, reset_on_fork_flag_is_reported_by_getscheduler) {
    struct sched_param sp = {.sched_priority = 0};
    CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_BATCH | SCHED_RESET_ON_FORK, &sp));
    CHECK_EQ(CHECK_OK(sched_getscheduler(0)), SCHED_BATCH | SCHED_RESET_ON_FORK);
    /* A policy without the flag clears it again. */
    CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp));
    CHECK_EQ(CHECK_OK(sched_getscheduler(0)), SCHED_OTHER);
}

TEST(sched_setscheduler, reset_on_fork_resets_a_negative_nice_in_the_child) {
    struct sched_param sp = {.sched_priority = 0};
    CHECK_OK(setpriority_raw(PRIO_PROCESS, 0, -5));
    CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER | SCHED_RESET_ON_FORK, &sp));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        /* The child's nice is back to 0 and it does not carry the flag on. */
        if (getpriority_raw(PRIO_PROCESS, 0) != 20)
            _exit(1);
        _exit(sched_getscheduler(0) == SCHED_OTHER ? 0 : 2);
    }
    CHECK_EXIT(pid, 0);
    /* The parent keeps both. */
    CHECK_EQ(nice_of(PRIO_PROCESS, 0), -5);
    CHECK_EQ(CHECK_OK(sched_getscheduler(0)), SCHED_OTHER | SCHED_RESET_ON_FORK);
}

TEST(sched_setscheduler, reset_on_fork_keeps_a_positive_nice_and_the_policy) {
    struct sched_param sp = {.sched_priority = 0};
    CHECK_OK(setpriority_raw(PRIO_PROCESS, 0, 4));
    CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_BATCH | SCHED_RESET_ON_FORK, &sp));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        if (getpriority_raw(PRIO_PROCESS, 0) != 16)
            _exit(1);
        _exit(sched_getscheduler(0) == SCHED_BATCH ? 0 : 2);
    }
    CHECK_EXIT(pid, 0);
}

/* ---- sched_getparam, sched_setparam ---- */

TEST(sched_getparam, priority_is_zero_for_sched_other) {
    struct sched_param sp = {.sched_priority = 77};
    CHECK_EQ(CHECK_OK(syscall(SYS_sched_getparam, 0, &sp)), 0);
    CHECK_EQ(sp.sched_priority, 0);
    sp.sched_priority = 77;
    CHECK_OK(syscall(SYS_sched_getparam, getpid(), &sp));
    CHECK_EQ(sp.sched_priority, 0);
}

TEST(sched_getparam, bad_arguments) {
    struct sched_param sp;
    CHECK_ERR(syscall(SYS_sched_getparam, 0, 0), EINVAL);
    CHECK_ERR(syscall(SYS_sched_getparam, -1, &sp), EINVAL);
    CHECK_ERR(syscall(SYS_sched_getparam, NO_PID, &sp), ESRCH);
    CHECK_ERR(syscall(SYS_sched_getparam, 0, BAD_PTR), EFAULT);
}

TEST(sched_setparam, priority_zero_works_and_keeps_the_policy) {
    struct sched_param sp = {.sched_priority = 0};
    CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &sp));
    CHECK_EQ(CHECK_OK(syscall(SYS_sched_setparam, 0, &sp)), 0);
    CHECK_EQ(CHECK_OK(sched_getscheduler(0)), SCHED_BATCH);
}

TEST(sched_setparam, bad_arguments) {
    struct sched_param sp = {.sched_priority = 1};
    CHECK_ERR(syscall(SYS_sched_setparam, 0, &sp), EINVAL);
    sp.sched_priority = 0;
    CHECK_ERR(syscall(SYS_sched_setparam, 0, 0), EINVAL);
    CHECK_ERR(syscall(SYS_sched_setparam, -1, &sp), EINVAL);
    CHECK_ERR(syscall(SYS_sched_setparam, NO_PID, &sp), ESRCH);
    CHECK_ERR(syscall(SYS_sched_setparam, 0, BAD_PTR), EFAULT);
}

/* ---- sched_get_priority_max, sched_get_priority_min ---- */

TEST(sched_get_priority_max, per_policy) {
    CHECK_EQ(CHECK_OK(sched_get_priority_max(SCHED_OTHER)), 0);
    CHECK_EQ(CHECK_OK(sched_get_priority_max(SCHED_BATCH)), 0);
    CHECK_EQ(CHECK_OK(sched_get_priority_max(SCHED_IDLE)), 0);
    CHECK_EQ(CHECK_OK(sched_get_priority_max(SCHED_FIFO)), 99);
    CHECK_EQ(CHECK_OK(sched_get_priority_max(SCHED_RR)), 99);
    CHECK_ERR(sched_get_priority_max(42), EINVAL);
    CHECK_ERR(sched_get_priority_max(-1), EINVAL);
}

TEST(sched_get_priority_min, per_policy) {
    CHECK_EQ(CHECK_OK(sched_get_priority_min(SCHED_OTHER)), 0);
    CHECK_EQ(CHECK_OK(sched_get_priority_min(SCHED_BATCH)), 0);
    CHECK_EQ(CHECK_OK(sched_get_priority_min(SCHED_IDLE)), 0);
    CHECK_EQ(CHECK_OK(sched_get_priority_min(SCHED_FIFO)), 1);
    CHECK_EQ(CHECK_OK(sched_get_priority_min(SCHED_RR)), 1);
    CHECK_ERR(sched_get_priority_min(42), EINVAL);
    CHECK_ERR(sched_get_priority_min(-1), EINVAL);
}

/* ---- sched_rr_get_interval ---- */

TEST(sched_rr_get_interval, returns_a_timespec_for_self) {
    struct timespec ts = {-1, -1};
    CHECK_EQ(CHECK_OK(syscall(SYS_sched_rr_get_interval, 0, &ts)), 0);
    CHECK(ts.tv_sec >= 0);
    CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
    ts.tv_sec = ts.tv_nsec = -1;
    CHECK_OK(syscall(SYS_sched_rr_get_interval, getpid(), &ts));
    CHECK(ts.tv_sec >= 0);
    CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
}

TEST(sched_rr_get_interval, bad_arguments) {
    struct timespec ts;
    CHECK_ERR(syscall(SYS_sched_rr_get_interval, NO_PID, &ts), ESRCH);
    CHECK_ERR(syscall(SYS_sched_rr_get_interval, -1, &ts), EINVAL);
    CHECK_ERR(syscall(SYS_sched_rr_get_interval, 0, BAD_PTR), EFAULT);
}

/* ---- personality ---- */

static long personality_raw(unsigned long persona) {
    return syscall(SYS_personality, persona);
}

TEST(personality, query_returns_the_current_value) {
    long cur = CHECK_OK(personality_raw(0xffffffff));
    CHECK_EQ(cur & PER_MASK, PER_LINUX);
    /* A query changes nothing. */
    CHECK_EQ(personality_raw(0xffffffff), cur);
}

TEST(personality, set_returns_the_previous_value) {
    long cur = CHECK_OK(personality_raw(0xffffffff));
    CHECK_EQ(personality_raw(cur | ADDR_NO_RANDOMIZE), cur);
    CHECK_EQ(personality_raw(0xffffffff), cur | ADDR_NO_RANDOMIZE);
    CHECK_EQ(personality_raw(PER_LINUX), cur | ADDR_NO_RANDOMIZE);
    CHECK_EQ(personality_raw(0xffffffff), PER_LINUX);
}

TEST(personality, argument_is_32_bits_so_minus_one_is_a_query) {
    CHECK_OK(personality_raw(ADDR_NO_RANDOMIZE));
    CHECK_EQ(personality_raw((unsigned long)-1), ADDR_NO_RANDOMIZE);
    CHECK_EQ(personality_raw(0xffffffff), ADDR_NO_RANDOMIZE);
}

TEST(personality, child_inherits_it) {
    CHECK_OK(personality_raw(ADDR_NO_RANDOMIZE));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(personality_raw(0xffffffff) == ADDR_NO_RANDOMIZE ? 0 : 1);
    CHECK_EXIT(pid, 0);
}

TEST(personality, per_linux32_makes_uname_report_i686) {
    struct utsname u;
    CHECK_OK(uname(&u));
    CHECK_STR(u.machine, "x86_64");
    CHECK_OK(personality_raw(PER_LINUX32));
    CHECK_EQ(personality_raw(0xffffffff), PER_LINUX32);
    CHECK_OK(uname(&u));
    CHECK_STR(u.machine, "i686");
    CHECK_OK(personality_raw(PER_LINUX));
    CHECK_OK(uname(&u));
    CHECK_STR(u.machine, "x86_64");
}

/* ---- sched_getattr, sched_setattr ---- */

struct veil_sched_attr {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t sched_util_min, sched_util_max;
};

TEST(sched_getattr, reports_policy_and_nice) {
    CHECK_OK(setpriority(PRIO_PROCESS, 0, 5));
    struct veil_sched_attr attr;
    memset(&attr, 0xff, sizeof attr);
    CHECK_OK(syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0));
    CHECK_EQ(attr.size, sizeof attr);
    CHECK_EQ(attr.sched_policy, SCHED_OTHER);
    CHECK_EQ(attr.sched_nice, 5);
    CHECK_EQ(attr.sched_priority, 0);
    CHECK_ERR(syscall(SYS_sched_getattr, 0, &attr, 40, 0), EINVAL);
    CHECK_ERR(syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 1), EINVAL);
    CHECK_ERR(syscall(SYS_sched_getattr, 0, BAD_PTR, sizeof attr, 0), EFAULT);
    CHECK_ERR(syscall(SYS_sched_getattr, 999999, &attr, sizeof attr, 0), ESRCH);
}

TEST(sched_setattr, sets_policy_priority_and_nice) {
    struct veil_sched_attr attr = {.size = sizeof attr, .sched_policy = SCHED_BATCH, .sched_nice = 3};
    CHECK_OK(syscall(SYS_sched_setattr, 0, &attr, 0));
    CHECK_EQ(sched_getscheduler(0), SCHED_BATCH);
    CHECK_EQ(getpriority(PRIO_PROCESS, 0), 3);
    struct veil_sched_attr rt = {.size = sizeof rt, .sched_policy = SCHED_FIFO, .sched_priority = 10};
    CHECK_OK(syscall(SYS_sched_setattr, 0, &rt, 0));
    CHECK_EQ(sched_getscheduler(0), SCHED_FIFO);
    struct veil_sched_attr got;
    CHECK_OK(syscall(SYS_sched_getattr, 0, &got, sizeof got, 0));
    CHECK_EQ(got.sched_priority, 10);
    struct veil_sched_attr back = {.size = sizeof back, .sched_policy = SCHED_OTHER};
    CHECK_OK(syscall(SYS_sched_setattr, 0, &back, 0));
}

TEST(sched_setattr, errors) {
    struct veil_sched_attr attr = {.size = sizeof attr, .sched_policy = SCHED_OTHER, .sched_priority = 5};
    CHECK_ERR(syscall(SYS_sched_setattr, 0, &attr, 0), EINVAL);
    struct veil_sched_attr bad = {.size = sizeof bad, .sched_policy = 77};
    CHECK_ERR(syscall(SYS_sched_setattr, 0, &bad, 0), EINVAL);
    struct veil_sched_attr small = {.size = 20, .sched_policy = SCHED_OTHER};
    CHECK_ERR(syscall(SYS_sched_setattr, 0, &small, 0), E2BIG);
    CHECK_EQ(small.size, sizeof small);
    struct veil_sched_attr ok = {.size = sizeof ok, .sched_policy = SCHED_OTHER};
    CHECK_ERR(syscall(SYS_sched_setattr, 0, &ok, 1), EINVAL);
    CHECK_ERR(syscall(SYS_sched_setattr, 0, BAD_PTR, 0), EFAULT);
    ok.sched_flags = 0x1000;
    CHECK_ERR(syscall(SYS_sched_setattr, 0, &ok, 0), EINVAL);
}
