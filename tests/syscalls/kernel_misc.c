/* Calls about the kernel and the machine: getcpu, membarrier, ioprio_get/ioprio_set,
 * syslog. */
#include "harness.h"

#include <linux/ioprio.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <sys/klog.h>

TEST(getcpu, reports_a_cpu_of_the_affinity_mask) {
    unsigned cpu = 12345, node = 12345;
    CHECK_OK(syscall(SYS_getcpu, &cpu, &node, NULL));
    cpu_set_t set;
    CHECK_OK(sched_getaffinity(0, sizeof set, &set));
    CHECK(CPU_ISSET(cpu, &set));
    CHECK_EQ(node, 0);
    CHECK_OK(syscall(SYS_getcpu, NULL, NULL, NULL));
    CHECK_ERR(syscall(SYS_getcpu, BAD_PTR, NULL, NULL), EFAULT);
    CHECK(sched_getcpu() >= 0);
}

TEST(membarrier, query_lists_the_basic_commands) {
    long q = CHECK_OK(syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0));
    CHECK(q & MEMBARRIER_CMD_GLOBAL);
    CHECK(q & MEMBARRIER_CMD_PRIVATE_EXPEDITED);
    CHECK(q & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED);
    CHECK_OK(syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0));
}

TEST(membarrier, private_expedited_needs_registration) {
    CHECK_ERR(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0), EPERM);
    CHECK_OK(syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0));
    CHECK_OK(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0));
    /* A forked child keeps the registration. */
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0 ? 0 : 1);
    CHECK_EXIT(pid, 0);
}

TEST(membarrier, bad_commands_and_flags_are_einval) {
    CHECK_ERR(syscall(SYS_membarrier, 1 << 20, 0, 0), EINVAL);
    CHECK_ERR(syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 1, 0), EINVAL);
}

TEST(ioprio_set, set_and_get_round_trip) {
    CHECK_EQ(syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0), 0);
    int be3 = IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 3);
    CHECK_OK(syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, be3));
    CHECK_EQ(syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0), be3);
    int idle = IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0);
    CHECK_OK(syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, getpid(), idle));
    CHECK_EQ(syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, getpid()), idle);
    /* Inherited by fork. */
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0) == idle ? 0 : 1);
    CHECK_EXIT(pid, 0);
}

TEST(ioprio_set, errors) {
    CHECK_ERR(syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_NONE, 1)), EINVAL);
    CHECK_ERR(syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(5, 0)), EINVAL);
    CHECK_ERR(syscall(SYS_ioprio_set, 7, 0, 0), EINVAL);
    CHECK_ERR(syscall(SYS_ioprio_get, 7, 0), EINVAL);
    CHECK_ERR(syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 999999), ESRCH);
}

TEST(syslog, the_log_can_be_read_and_sized) {
    CHECK(klogctl(10, NULL, 0) >= 0); /* SYSLOG_ACTION_SIZE_BUFFER */
    CHECK(klogctl(9, NULL, 0) >= 0);  /* SYSLOG_ACTION_SIZE_UNREAD */
    char buf[64];
    CHECK(klogctl(3, buf, 0) == 0);   /* READ_ALL of nothing */
    CHECK_ERR(klogctl(3, NULL, 10), EINVAL);
    CHECK_ERR(klogctl(99, buf, sizeof buf), EINVAL);
    CHECK_ERR(klogctl(8, NULL, 0), EINVAL); /* CONSOLE_LEVEL out of range */
}
