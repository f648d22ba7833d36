/* waitid: id types, WEXITED/WNOHANG/WNOWAIT, the siginfo it fills, and its errors;
 * wait4's process-group selectors. */
#include "harness.h"

static pid_t child_exiting(int code) {
    pid_t p = fork();
    if (p == 0)
        _exit(code);
    return p;
}

TEST(waitid, reports_an_exited_child) {
    pid_t p = child_exiting(7);
    CHECK(p > 0);
    siginfo_t si;
    memset(&si, 0xff, sizeof si);
    CHECK_OK(waitid(P_PID, p, &si, WEXITED));
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_code, CLD_EXITED);
    CHECK_EQ(si.si_pid, p);
    CHECK_EQ(si.si_status, 7);
    CHECK_EQ(si.si_uid, getuid());
    CHECK_ERR(waitpid(p, 0, WNOHANG), ECHILD);
}

TEST(waitid, reports_a_killed_child) {
    pid_t p = fork();
    if (p == 0) {
        pause();
        _exit(0);
    }
    CHECK_OK(kill(p, SIGKILL));
    siginfo_t si;
    CHECK_OK(waitid(P_ALL, 0, &si, WEXITED));
    CHECK_EQ(si.si_code, CLD_KILLED);
    CHECK_EQ(si.si_status, SIGKILL);
    CHECK_EQ(si.si_pid, p);
}

TEST(waitid, wnowait_leaves_the_child_waitable) {
    pid_t p = child_exiting(3);
    siginfo_t si;
    CHECK_OK(waitid(P_PID, p, &si, WEXITED | WNOWAIT));
    CHECK_EQ(si.si_pid, p);
    CHECK_EXIT(p, 3);
}

TEST(waitid, wnohang_with_a_running_child_zeroes_the_info) {
    pid_t p = fork();
    if (p == 0) {
        pause();
        _exit(0);
    }
    siginfo_t si;
    memset(&si, 0xff, sizeof si);
    CHECK_OK(waitid(P_PID, p, &si, WEXITED | WNOHANG));
    CHECK_EQ(si.si_pid, 0);
    CHECK_EQ(si.si_signo, 0);
    CHECK_OK(kill(p, SIGKILL));
    CHECK_EXIT(p, 128 + SIGKILL);
}

TEST(waitid, without_a_state_option_is_einval) {
    siginfo_t si;
    CHECK_ERR(waitid(P_ALL, 0, &si, WNOHANG), EINVAL);
    CHECK_ERR(waitid(P_ALL, 0, &si, WEXITED | 0x4000), EINVAL);
}

TEST(waitid, bad_id_type_is_einval) {
    siginfo_t si;
    CHECK_ERR(syscall(SYS_waitid, 42, 0, &si, WEXITED, 0), EINVAL);
    CHECK_ERR(waitid(P_PID, 0, &si, WEXITED), EINVAL);
}

TEST(waitid, no_children_is_echild) {
    siginfo_t si;
    CHECK_ERR(waitid(P_ALL, 0, &si, WEXITED), ECHILD);
    CHECK_ERR(waitid(P_PID, 99999, &si, WEXITED | WNOHANG), ECHILD);
}

TEST(waitid, by_process_group) {
    pid_t p = fork();
    if (p == 0) {
        setpgid(0, 0);
        usleep(50000);
        _exit(4);
    }
    CHECK(setpgid(p, p) == 0 || errno == EACCES);
    pid_t other = child_exiting(5);
    siginfo_t si;
    CHECK_OK(waitid(P_PGID, p, &si, WEXITED));
    CHECK_EQ(si.si_pid, p);
    CHECK_EQ(si.si_status, 4);
    CHECK_EXIT(other, 5);
}

TEST(waitid, bad_info_pointer_is_efault) {
    pid_t p = child_exiting(0);
    CHECK_ERR(syscall(SYS_waitid, P_PID, p, BAD_PTR, WEXITED, 0), EFAULT);
    /* The child was reaped all the same. */
    CHECK_ERR(waitpid(p, 0, WNOHANG), ECHILD);
}

TEST(wait4, pid_zero_waits_for_the_callers_group_only) {
    pid_t elsewhere = fork();
    if (elsewhere == 0) {
        setpgid(0, 0);
        usleep(100000);
        _exit(1);
    }
    CHECK(setpgid(elsewhere, elsewhere) == 0 || errno == EACCES);
    pid_t here = child_exiting(2);
    int st;
    CHECK_EQ(waitpid(0, &st, 0), here);
    CHECK_EQ(WEXITSTATUS(st), 2);
    /* The other child is in another group: pid 0 finds nothing left. */
    CHECK_ERR(waitpid(0, &st, 0), ECHILD);
    CHECK_EXIT(elsewhere, 1);
}

TEST(wait4, negative_pid_waits_for_that_group) {
    pid_t p = fork();
    if (p == 0) {
        setpgid(0, 0);
        _exit(6);
    }
    CHECK(setpgid(p, p) == 0 || errno == EACCES || errno == ESRCH);
    int st;
    CHECK_EQ(waitpid(-p, &st, 0), p);
    CHECK_EQ(WEXITSTATUS(st), 6);
}
