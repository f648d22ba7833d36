/* Credentials: the set*id families, supplementary groups, capget/capset, and their
 * effect on permission checks. The suite runs as root; each case drops privileges in
 * a child process. */
#include "harness.h"

#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sys/fsuid.h>

/* Runs `body` in a child; the case passes if the child exits 0. */
#define IN_CHILD(...)                       \
    do {                                    \
        pid_t _p = fork();                  \
        CHECK(_p >= 0);                     \
        if (_p == 0) {                      \
            __VA_ARGS__;                    \
            _exit(0);                       \
        }                                   \
        CHECK_EXIT(_p, 0);                  \
    } while (0)

static void resuid(uid_t *r, uid_t *e, uid_t *s) { CHECK_OK(getresuid(r, e, s)); }

static int capget_eff(void) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    CHECK_OK(syscall(SYS_capget, &h, d));
    return (int)d[0].effective;
}

TEST(setuid, root_changes_all_three_ids) {
    IN_CHILD({
        CHECK_OK(setuid(1000));
        uid_t r, e, s;
        resuid(&r, &e, &s);
        CHECK_EQ(r, 1000);
        CHECK_EQ(e, 1000);
        CHECK_EQ(s, 1000);
        CHECK_EQ(getuid(), 1000);
        CHECK_EQ(geteuid(), 1000);
    });
}

TEST(setuid, cannot_regain_root) {
    IN_CHILD({
        CHECK_OK(setuid(1000));
        CHECK_ERR(setuid(0), EPERM);
        CHECK_ERR(seteuid(0), EPERM);
    });
}

TEST(setuid, minus_one_is_einval) {
    CHECK_ERR(syscall(SYS_setuid, -1), EINVAL);
    CHECK_ERR(syscall(SYS_setgid, -1), EINVAL);
}

TEST(setuid, unprivileged_may_switch_to_the_saved_id) {
    IN_CHILD({
        CHECK_OK(setresuid(1000, 1001, 1002));
        CHECK_OK(syscall(SYS_setuid, 1002));
        uid_t r, e, s;
        resuid(&r, &e, &s);
        CHECK_EQ(r, 1000);
        CHECK_EQ(e, 1002);
        CHECK_EQ(s, 1002);
        CHECK_ERR(syscall(SYS_setuid, 1003), EPERM);
    });
}

TEST(setresuid, effective_uid_leaves_root_and_comes_back) {
    IN_CHILD({
        CHECK_OK(setresuid(-1, 1000, -1));
        CHECK_EQ(geteuid(), 1000);
        CHECK_EQ(getuid(), 0);
        CHECK_EQ(capget_eff(), 0);
        CHECK_OK(setresuid(-1, 0, -1));
        CHECK_EQ(geteuid(), 0);
        CHECK(capget_eff() & (1 << CAP_SETUID));
    });
}

TEST(setresuid, unprivileged_needs_one_of_the_current_ids) {
    IN_CHILD({
        CHECK_OK(setresuid(1000, 1001, 1002));
        CHECK_ERR(setresuid(1003, -1, -1), EPERM);
        CHECK_OK(setresuid(1002, 1000, 1001));
        uid_t r, e, s;
        resuid(&r, &e, &s);
        CHECK_EQ(r, 1002);
        CHECK_EQ(e, 1000);
        CHECK_EQ(s, 1001);
    });
}

TEST(getresuid, bad_pointer_is_efault) {
    uid_t a, b;
    CHECK_ERR(syscall(SYS_getresuid, &a, &b, BAD_PTR), EFAULT);
}

TEST(setreuid, setting_the_real_id_moves_the_saved_id) {
    IN_CHILD({
        CHECK_OK(setreuid(1000, 1001));
        uid_t r, e, s;
        resuid(&r, &e, &s);
        CHECK_EQ(r, 1000);
        CHECK_EQ(e, 1001);
        CHECK_EQ(s, 1001);
        /* Swapping real and effective is allowed unprivileged. */
        CHECK_OK(setreuid(1001, 1000));
        CHECK_EQ(getuid(), 1001);
        CHECK_EQ(geteuid(), 1000);
        CHECK_ERR(setreuid(5, -1), EPERM);
    });
}

TEST(setgid, root_sets_every_group_id) {
    IN_CHILD({
        CHECK_OK(setgid(100));
        gid_t r, e, s;
        CHECK_OK(getresgid(&r, &e, &s));
        CHECK_EQ(r, 100);
        CHECK_EQ(e, 100);
        CHECK_EQ(s, 100);
        CHECK_EQ(getgid(), 100);
        CHECK_EQ(getegid(), 100);
    });
}

TEST(setgid, unprivileged_is_eperm_for_another_group) {
    IN_CHILD({
        CHECK_OK(setresgid(100, 100, 100));
        CHECK_OK(setuid(1000));
        CHECK_ERR(setgid(200), EPERM);
        CHECK_OK(setgid(100));
    });
}

TEST(setresgid, keeps_ids_given_as_minus_one) {
    IN_CHILD({
        CHECK_OK(setresgid(10, 20, 30));
        CHECK_OK(setresgid(-1, 30, -1));
        gid_t r, e, s;
        CHECK_OK(getresgid(&r, &e, &s));
        CHECK_EQ(r, 10);
        CHECK_EQ(e, 30);
        CHECK_EQ(s, 30);
    });
}

TEST(setregid, unprivileged_swap) {
    IN_CHILD({
        CHECK_OK(setregid(10, 20));
        CHECK_OK(setuid(1000));
        CHECK_OK(setregid(20, 10));
        CHECK_EQ(getgid(), 20);
        CHECK_EQ(getegid(), 10);
        CHECK_ERR(setregid(30, -1), EPERM);
    });
}

TEST(setgroups, sets_the_supplementary_groups) {
    IN_CHILD({
        gid_t g[3] = {7, 3, 5};
        CHECK_OK(setgroups(3, g));
        CHECK_EQ(getgroups(0, 0), 3);
        gid_t out[8];
        int n = CHECK_OK(getgroups(8, out));
        CHECK_EQ(n, 3);
        int seen = 0;
        for (int i = 0; i < n; i++)
            seen |= 1 << out[i];
        CHECK_EQ(seen, (1 << 3) | (1 << 5) | (1 << 7));
    });
}

TEST(getgroups, too_small_a_buffer_is_einval) {
    IN_CHILD({
        gid_t g[2] = {1, 2};
        CHECK_OK(setgroups(2, g));
        gid_t out[1];
        CHECK_ERR(getgroups(1, out), EINVAL);
        CHECK_ERR(syscall(SYS_getgroups, -1, out), EINVAL);
    });
}

TEST(setgroups, unprivileged_is_eperm) {
    IN_CHILD({
        CHECK_OK(setuid(1000));
        gid_t g = 1;
        CHECK_ERR(setgroups(1, &g), EPERM);
    });
}

TEST(setgroups, too_many_is_einval_and_bad_pointer_efault) {
    CHECK_ERR(syscall(SYS_setgroups, 65537, 0), EINVAL);
    IN_CHILD({ CHECK_ERR(syscall(SYS_setgroups, 2, BAD_PTR), EFAULT); });
}

TEST(setfsuid, returns_the_old_id) {
    CHECK_OK(chmod(".", 0777));
    IN_CHILD({
        CHECK_EQ(setfsuid(1000), 0);
        CHECK_EQ(setfsuid(1000), 1000);
        /* A file created now belongs to the file-system uid. */
        int fd = CHECK_OK(open("mine", O_CREAT | O_WRONLY, 0644));
        struct stat st;
        CHECK_OK(fstat(fd, &st));
        CHECK_EQ(st.st_uid, 1000);
        CHECK_EQ(geteuid(), 0);
    });
}

TEST(setfsgid, returns_the_old_id_and_sets_new_files_group) {
    IN_CHILD({
        CHECK_EQ(setfsgid(50), 0);
        int fd = CHECK_OK(open("mine", O_CREAT | O_WRONLY, 0644));
        struct stat st;
        CHECK_OK(fstat(fd, &st));
        CHECK_EQ(st.st_gid, 50);
        CHECK_EQ(setfsgid(-1), 50);
    });
}

TEST(capget, unknown_version_is_einval_and_reports_the_preferred_one) {
    struct __user_cap_header_struct h = {0x12345678, 0};
    struct __user_cap_data_struct d[2];
    CHECK_ERR(syscall(SYS_capget, &h, d), EINVAL);
    CHECK_EQ(h.version, _LINUX_CAPABILITY_VERSION_3);
    /* With no data pointer, the probe succeeds. */
    h.version = 0x12345678;
    CHECK_OK(syscall(SYS_capget, &h, 0));
    CHECK_EQ(h.version, _LINUX_CAPABILITY_VERSION_3);
}

TEST(capget, root_has_setuid_and_an_unprivileged_process_nothing) {
    CHECK(capget_eff() & (1 << CAP_SETUID));
    CHECK(capget_eff() & (1 << CAP_DAC_OVERRIDE));
    IN_CHILD({
        CHECK_OK(setuid(1000));
        struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct d[2];
        CHECK_OK(syscall(SYS_capget, &h, d));
        CHECK_EQ(d[0].effective, 0);
        CHECK_EQ(d[0].permitted, 0);
    });
}

TEST(capget, null_data_probes_the_version) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    CHECK_OK(syscall(SYS_capget, &h, 0));
    CHECK_ERR(syscall(SYS_capget, BAD_PTR, 0), EFAULT);
}

TEST(capset, dropped_capabilities_cannot_come_back) {
    IN_CHILD({
        struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct d[2] = {{0}};
        d[0].effective = d[0].permitted = 1 << CAP_CHOWN;
        CHECK_OK(syscall(SYS_capset, &h, d));
        CHECK_EQ(capget_eff(), 1 << CAP_CHOWN);
        d[0].effective = d[0].permitted = (1 << CAP_CHOWN) | (1 << CAP_KILL);
        CHECK_ERR(syscall(SYS_capset, &h, d), EPERM);
        /* Effective must be a subset of permitted. */
        d[0].permitted = 0;
        d[0].effective = 1 << CAP_CHOWN;
        CHECK_ERR(syscall(SYS_capset, &h, d), EPERM);
    });
}

TEST(capset, without_dac_override_permissions_apply) {
    harness_write_file("secret", "x");
    CHECK_OK(chmod("secret", 0600));
    CHECK_OK(chown("secret", 2000, 2000));
    IN_CHILD({
        struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct d[2] = {{0}};
        CHECK_OK(syscall(SYS_capset, &h, d));
        CHECK_ERR(open("secret", O_RDONLY), EACCES);
    });
}

TEST(capset, another_process_is_eperm) {
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        pause();
        _exit(0);
    }
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, (int)child};
    struct __user_cap_data_struct d[2] = {{0}};
    CHECK_ERR(syscall(SYS_capset, &h, d), EPERM);
    /* capget of another process is allowed. */
    CHECK_OK(syscall(SYS_capget, &h, d));
    CHECK(d[0].effective & (1 << CAP_SETUID));
    CHECK_OK(kill(child, SIGKILL));
    CHECK_EXIT(child, 128 + SIGKILL);
}

TEST(openat, lookup_needs_search_permission_on_the_directory) {
    CHECK_OK(mkdir("closed", 0700));
    harness_write_file("closed/f", "x");
    CHECK_OK(chmod("closed/f", 0666));
    CHECK_OK(chmod(".", 0755));
    IN_CHILD({
        int dir = CHECK_OK(open("closed", O_RDONLY | O_DIRECTORY));
        CHECK_OK(setuid(1000));
        CHECK_ERR(open("closed/f", O_RDONLY), EACCES);
        CHECK_ERR(chdir("closed"), EACCES);
        /* Nor relative to a descriptor of the directory. */
        CHECK_ERR(openat(dir, "f", O_RDONLY), EACCES);
        /* fchdir needs search permission too. */
        CHECK_ERR(fchdir(dir), EACCES);
    });
}

TEST(openat, permission_bits_apply_after_setuid) {
    harness_write_file("root-only", "x");
    CHECK_OK(chmod("root-only", 0600));
    harness_write_file("theirs", "y");
    CHECK_OK(chown("theirs", 1000, 1000));
    CHECK_OK(chmod("theirs", 0600));
    CHECK_OK(chmod(".", 0755));
    IN_CHILD({
        CHECK_OK(setuid(1000));
        CHECK_ERR(open("root-only", O_RDONLY), EACCES);
        CHECK_OK(open("theirs", O_RDWR));
        CHECK_ERR(open("new", O_CREAT | O_WRONLY, 0644), EACCES);
    });
}

TEST(openat, group_permission_through_supplementary_groups) {
    CHECK_OK(chmod(".", 0777));
    harness_write_file("grp", "x");
    CHECK_OK(chown("grp", 0, 300));
    CHECK_OK(chmod("grp", 0640));
    IN_CHILD({
        gid_t g = 300;
        CHECK_OK(setgroups(1, &g));
        CHECK_OK(setuid(1000));
        CHECK_OK(open("grp", O_RDONLY));
        CHECK_ERR(open("grp", O_WRONLY), EACCES);
    });
}

TEST(faccessat, checks_with_the_real_uid) {
    harness_write_file("root-only", "x");
    CHECK_OK(chmod("root-only", 0600));
    IN_CHILD({
        /* Real uid 1000, effective 0: access() answers for the real user. */
        CHECK_OK(setresuid(1000, 0, 0));
        CHECK_ERR(access("root-only", R_OK), EACCES);
        CHECK_OK(open("root-only", O_RDONLY));
        CHECK_OK(faccessat(AT_FDCWD, "root-only", R_OK, AT_EACCESS));
    });
}

TEST(fchownat, unprivileged_cannot_give_a_file_away) {
    CHECK_OK(chmod(".", 0777));
    harness_write_file("f", "x");
    CHECK_OK(chown("f", 1000, 1000));
    IN_CHILD({
        CHECK_OK(setuid(1000));
        CHECK_ERR(chown("f", 1001, -1), EPERM);
        CHECK_ERR(chown("f", -1, 5), EPERM);
        CHECK_OK(chown("f", 1000, 1000));
    });
}

TEST(fchmodat, unprivileged_owner_only) {
    CHECK_OK(chmod(".", 0777));
    harness_write_file("f", "x");
    IN_CHILD({
        CHECK_OK(setuid(1000));
        CHECK_ERR(chmod("f", 0777), EPERM);
    });
}

TEST(openat, proc_status_shows_the_ids) {
    IN_CHILD({
        CHECK_OK(setresgid(7, 8, 9));
        CHECK_OK(setresuid(1000, 1001, 1002));
        int fd = CHECK_OK(open("/proc/self/status", O_RDONLY));
        char buf[4096];
        ssize_t n = CHECK_OK(read(fd, buf, sizeof buf - 1));
        buf[n] = 0;
        CHECK(strstr(buf, "\nUid:\t1000\t1001\t1002\t1001\n") != 0);
        CHECK(strstr(buf, "\nGid:\t7\t8\t9\t8\n") != 0);
        CHECK(strstr(buf, "\nCapEff:\t0000000000000000\n") != 0);
    });
}

static void *report_euid(void *arg) {
    (void)arg;
    return (void *)(long)geteuid();
}

TEST(setuid, glibc_changes_every_thread) {
    IN_CHILD({
        CHECK_OK(setuid(1000));
        pthread_t t;
        void *r;
        CHECK_EQ(pthread_create(&t, 0, report_euid, 0), 0);
        CHECK_EQ(pthread_join(t, &r), 0);
        CHECK_EQ((long)r, 1000);
    });
}

static volatile int thread_ready, thread_go;
static void *wait_then_report(void *arg) {
    (void)arg;
    thread_ready = 1;
    while (!thread_go)
        usleep(1000);
    return (void *)(long)syscall(SYS_geteuid);
}

TEST(setresuid, glibc_broadcasts_to_running_threads) {
    IN_CHILD({
        pthread_t t;
        void *r;
        CHECK_EQ(pthread_create(&t, 0, wait_then_report, 0), 0);
        while (!thread_ready)
            usleep(1000);
        CHECK_OK(setresuid(-1, 1000, -1));
        thread_go = 1;
        CHECK_EQ(pthread_join(t, &r), 0);
        CHECK_EQ((long)r, 1000);
    });
}
