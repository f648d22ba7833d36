/* Process creation and replacement: clone (fork() is clone), clone3, fork, vfork,
 * execve, execveat, exit, exit_group, set_tid_address; what a child shares with or
 * copies from its parent, and what an exec keeps and resets. */
#include "harness.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>

#ifndef CLONE_ARGS_SIZE_VER0
#define CLONE_ARGS_SIZE_VER0 64
#endif

/* clone3's argument block (struct clone_args of linux/sched.h, version 2). */
struct clone3_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size, cgroup;
};

#define STACK_SIZE (256 * 1024)

static void *new_stack(void) {
    void *s = mmap(0, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(s != MAP_FAILED);
    return (char *)s + STACK_SIZE;
}

/* Waits (at most about a second) until the futex word `*addr` reads 0. */
static int wait_for_zero(volatile int *addr) {
    for (int i = 0; i < 1000; i++) {
        int v = *addr;
        if (v == 0)
            return 1;
        struct timespec ts = {0, 1000000};
        syscall(SYS_futex, addr, FUTEX_WAIT, v, &ts, 0, 0);
    }
    return *addr == 0;
}

static char *const no_env[] = {0};

/* Runs `busybox sh -c SCRIPT` in the calling process. */
static void exec_sh(const char *script) {
    char *argv[] = {"sh", "-c", (char *)script, 0};
    execve("/bin/busybox", argv, no_env);
    _exit(99);
}

/* ---- clone ---- */

TEST(clone, fork_returns_zero_in_the_child_and_the_pid_in_the_parent) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        pid_t me = getpid();
        write(p[1], &me, sizeof me);
        _exit(getppid() == parent ? 0 : 1);
    }
    pid_t seen = 0;
    CHECK_EQ(read(p[0], &seen, sizeof seen), sizeof seen);
    CHECK_EQ(seen, pid);
    CHECK(pid != parent);
    CHECK_EXIT(pid, 0);
}

static int shared_global = 1;

TEST(clone, fork_copies_memory_instead_of_sharing_it) {
    shared_global = 1;
    char *heap = malloc(64);
    strcpy(heap, "parent");
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        /* The child sees the parent's values at the time of the fork... */
        if (shared_global != 1 || strcmp(heap, "parent") != 0)
            _exit(1);
        shared_global = 2;
        strcpy(heap, "child");
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
    /* ...and its writes stay its own. */
    CHECK_EQ(shared_global, 1);
    CHECK_STR(heap, "parent");
}

TEST(clone, fork_copies_private_anonymous_mappings) {
    int *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    *m = 5;
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        *m = 6;
        _exit(*m == 6 ? 0 : 1);
    }
    CHECK_EXIT(pid, 0);
    CHECK_EQ(*m, 5);
}

TEST(clone, fork_shares_shared_anonymous_mappings) {
    int *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    *m = 5;
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        *m = 6;
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
    CHECK_EQ(*m, 6);
}

TEST(clone, fork_shares_the_file_offset) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        _exit(write(fd, "abcd", 4) == 4 ? 0 : 1);
    }
    CHECK_EXIT(pid, 0);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 4);
}

static volatile int vm_child_wrote;

static int vm_child(void *arg) {
    (void)arg;
    vm_child_wrote = 42;
    return 7;
}

TEST(clone, vm_and_vfork_share_memory_and_suspend_the_parent) {
    vm_child_wrote = 0;
    pid_t pid = CHECK_OK(clone(vm_child, new_stack(), CLONE_VM | CLONE_VFORK | SIGCHLD, 0));
    /* CLONE_VFORK: the parent runs again only once the child has exited. */
    CHECK_EQ(vm_child_wrote, 42);
    CHECK_EXIT(pid, 7);
}

TEST(clone, parent_settid_stores_the_child_tid_in_the_parent) {
    pid_t ptid = -1;
    pid_t pid = CHECK_OK(syscall(SYS_clone, CLONE_PARENT_SETTID | SIGCHLD, 0, &ptid, 0, 0));
    if (pid == 0)
        _exit(0);
    CHECK_EQ(ptid, pid);
    CHECK_EXIT(pid, 0);
}

static pid_t child_tid_word = -1;

TEST(clone, child_settid_stores_the_tid_in_the_child) {
    child_tid_word = -1;
    pid_t pid = CHECK_OK(syscall(SYS_clone, CLONE_CHILD_SETTID | SIGCHLD, 0, 0, &child_tid_word, 0));
    if (pid == 0)
        _exit(child_tid_word == getpid() ? 0 : 1);
    CHECK_EXIT(pid, 0);
    /* Without CLONE_VM the store is in the child's copy only. */
    CHECK_EQ(child_tid_word, -1);
}

static volatile int cleartid_word;

static int cleartid_child(void *arg) {
    (void)arg;
    return 0;
}

TEST(clone, child_cleartid_zeroes_the_word_when_the_child_exits) {
    cleartid_word = 12345;
    pid_t pid = CHECK_OK(clone(cleartid_child, new_stack(),
                               CLONE_VM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, 0, 0, 0,
                               (pid_t *)&cleartid_word));
    CHECK_MSG(wait_for_zero(&cleartid_word), "word still %d", cleartid_word);
    CHECK_EXIT(pid, 0);
}

TEST(clone, sighand_without_vm_is_einval) {
    long r = syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0);
    if (r == 0)
        _exit(0);
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, EINVAL);
}

TEST(clone, thread_without_sighand_is_einval) {
    long r = syscall(SYS_clone, CLONE_THREAD | CLONE_VM, 0, 0, 0, 0);
    if (r == 0)
        _exit(0);
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, EINVAL);
}

TEST(clone, newns_with_fs_is_einval) {
    long r = syscall(SYS_clone, CLONE_NEWNS | CLONE_FS | SIGCHLD, 0, 0, 0, 0);
    if (r == 0)
        _exit(0);
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, EINVAL);
}

TEST(clone, exit_signal_above_64_is_accepted_and_never_sent) {
    /* Legacy clone takes any CSIGNAL byte; at exit an invalid signal is not sent. */
    sigset_t all, pending;
    sigfillset(&all);
    CHECK_OK(sigprocmask(SIG_BLOCK, &all, 0));
    pid_t pid = CHECK_OK(syscall(SYS_clone, 65, 0, 0, 0, 0));
    if (pid == 0)
        _exit(3);
    int st;
    CHECK_EQ(CHECK_OK(waitpid(pid, &st, __WALL)), pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 3);
    pid = CHECK_OK(syscall(SYS_clone, 255, 0, 0, 0, 0));
    if (pid == 0)
        _exit(4);
    CHECK_EQ(CHECK_OK(waitpid(pid, &st, __WALL)), pid);
    CHECK_EQ(WEXITSTATUS(st), 4);
    CHECK_OK(sigpending(&pending));
    for (int sig = 1; sig < 65; sig++)
        CHECK_MSG(!sigismember(&pending, sig), "signal %d pending", sig);
}

TEST(clone, files_shares_the_descriptor_table) {
    int fd = CHECK_OK(dup(0));
    pid_t pid = CHECK_OK(syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0));
    if (pid == 0)
        _exit(close(fd) == 0 && dup2(0, 40) == 40 ? 0 : 1);
    CHECK_EXIT(pid, 0);
    CHECK_ERR(fcntl(fd, F_GETFD), EBADF);
    CHECK(fcntl(40, F_GETFD) >= 0);
}

TEST(clone, without_files_the_table_is_copied) {
    int fd = CHECK_OK(dup(0));
    pid_t pid = CHECK_OK(syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
    if (pid == 0)
        _exit(close(fd) == 0 ? 0 : 1);
    CHECK_EXIT(pid, 0);
    CHECK(fcntl(fd, F_GETFD) >= 0);
}

TEST(clone, fs_shares_the_working_directory) {
    CHECK_OK(mkdir("d", 0755));
    pid_t pid = CHECK_OK(syscall(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0));
    if (pid == 0)
        _exit(chdir("d") == 0 ? 0 : 1);
    CHECK_EXIT(pid, 0);
    char buf[4096];
    CHECK(getcwd(buf, sizeof buf) != 0);
    const char *base = strrchr(buf, '/');
    CHECK_STR(base, "/d");
}

/* ---- clone3 (glibc's pthread_create is clone3) ---- */

static void *thread_ids(void *arg) {
    pid_t *out = arg;
    out[0] = getpid();
    out[1] = syscall(SYS_gettid);
    return 0;
}

TEST(clone3, a_pthread_shares_the_pid_but_not_the_tid) {
    pthread_t t;
    pid_t ids[2] = {0, 0};
    CHECK_EQ(pthread_create(&t, 0, thread_ids, ids), 0);
    CHECK_EQ(pthread_join(t, 0), 0);
    CHECK_EQ(ids[0], getpid());
    CHECK(ids[1] != getpid());
    CHECK(ids[1] > 0);
}

TEST(clone3, size_below_the_first_version_is_einval) {
    struct clone3_args a = {.exit_signal = SIGCHLD};
    long r = syscall(SYS_clone3, &a, CLONE_ARGS_SIZE_VER0 - 8);
    if (r == 0)
        _exit(0);
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, EINVAL);
    r = syscall(SYS_clone3, &a, 0);
    if (r == 0)
        _exit(0);
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, EINVAL);
}

TEST(clone3, size_above_a_page_is_e2big) {
    static char big[8192];
    struct clone3_args *a = (struct clone3_args *)big;
    a->exit_signal = SIGCHLD;
    long r = syscall(SYS_clone3, a, 4097);
    if (r == 0)
        _exit(0);
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, E2BIG);
}

TEST(clone3, nonzero_bytes_past_the_known_struct_are_e2big) {
    static char big[256];
    struct clone3_args *a = (struct clone3_args *)big;
    a->exit_signal = SIGCHLD;
    big[200] = 1;
    long r = syscall(SYS_clone3, a, sizeof big);
    if (r == 0)
        _exit(0);
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, E2BIG);
}

TEST(clone3, fork_like_child_exits_and_is_reaped) {
    struct clone3_args a = {.exit_signal = SIGCHLD};
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(syscall(SYS_clone3, &a, sizeof a));
    if (pid == 0)
        _exit(getppid() == parent ? 7 : 1);
    CHECK(pid > 0);
    CHECK_EXIT(pid, 7);
}

TEST(clone3, parent_tid_is_stored) {
    pid_t ptid = -1;
    struct clone3_args a = {.flags = CLONE_PARENT_SETTID, .parent_tid = (uintptr_t)&ptid,
                            .exit_signal = SIGCHLD};
    pid_t pid = CHECK_OK(syscall(SYS_clone3, &a, CLONE_ARGS_SIZE_VER0));
    if (pid == 0)
        _exit(0);
    CHECK_EQ(ptid, pid);
    CHECK_EXIT(pid, 0);
}

TEST(clone3, bad_exit_signal_is_einval) {
    struct clone3_args a = {.exit_signal = 65};
    long r = syscall(SYS_clone3, &a, sizeof a);
    if (r == 0)
        _exit(0);
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, EINVAL);
}

TEST(clone3, bad_args_pointer_is_efault) {
    CHECK_ERR(syscall(SYS_clone3, BAD_PTR, CLONE_ARGS_SIZE_VER0), EFAULT);
}

/* ---- fork ---- */

TEST(fork, child_gets_zero_and_a_new_pid) {
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(syscall(SYS_fork));
    if (pid == 0)
        _exit(getpid() != parent && getppid() == parent ? 5 : 1);
    CHECK(pid != parent);
    CHECK_EXIT(pid, 5);
}

TEST(fork, child_memory_is_a_copy) {
    shared_global = 10;
    pid_t pid = CHECK_OK(syscall(SYS_fork));
    if (pid == 0) {
        int ok = shared_global == 10;
        shared_global = 11;
        _exit(ok ? 0 : 1);
    }
    CHECK_EXIT(pid, 0);
    CHECK_EQ(shared_global, 10);
}

TEST(fork, child_inherits_open_descriptors) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(syscall(SYS_fork));
    if (pid == 0)
        _exit(write(p[1], "k", 1) == 1 ? 0 : 1);
    CHECK_EXIT(pid, 0);
    char c = 0;
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(c, 'k');
}

/* ---- vfork ---- */

static volatile int vfork_word;

TEST(vfork, parent_resumes_after_the_child_exits_and_sees_its_writes) {
    vfork_word = 0;
    pid_t pid = vfork();
    if (pid == 0) {
        vfork_word = 9;
        _exit(3);
    }
    CHECK(pid > 0);
    CHECK_EQ(vfork_word, 9);
    CHECK_EXIT(pid, 3);
}

TEST(vfork, parent_resumes_when_the_child_execs) {
    pid_t pid = vfork();
    if (pid == 0) {
        char *argv[] = {"true", 0};
        execve("/bin/true", argv, no_env);
        _exit(99);
    }
    CHECK(pid > 0);
    CHECK_EXIT(pid, 0);
}

TEST(vfork, raw_syscall_child_runs_first) {
    /* The raw syscall shares the stack, so the child must only exit. */
    vfork_word = 0;
    long pid;
    __asm__ volatile("syscall" : "=a"(pid) : "0"((long)SYS_vfork) : "rcx", "r11", "memory");
    if (pid == 0) {
        vfork_word = 1;
        __asm__ volatile("syscall" ::"a"((long)SYS_exit), "D"(4L) : "rcx", "r11", "memory");
        __builtin_unreachable();
    }
    CHECK(pid > 0);
    CHECK_EQ(vfork_word, 1);
    CHECK_EXIT((pid_t)pid, 4);
}

/* ---- execve ---- */

TEST(execve, missing_file_is_enoent) {
    char *argv[] = {"x", 0};
    CHECK_ERR(execve("no-such-program", argv, no_env), ENOENT);
    CHECK_ERR(execve("no-such-dir/prog", argv, no_env), ENOENT);
}

TEST(execve, file_without_execute_bits_is_eacces) {
    harness_write_file("script", "#!/bin/busybox sh\nexit 0\n");
    CHECK_OK(chmod("script", 0644));
    char *argv[] = {"script", 0};
    /* Even root needs one execute bit to exec a file. */
    CHECK_ERR(execve("./script", argv, no_env), EACCES);
}

TEST(execve, directory_is_eacces) {
    CHECK_OK(mkdir("d", 0755));
    char *argv[] = {"d", 0};
    CHECK_ERR(execve("./d", argv, no_env), EACCES);
}

TEST(execve, path_through_a_file_is_enotdir) {
    harness_write_file("f", "x");
    char *argv[] = {"f", 0};
    CHECK_ERR(execve("f/prog", argv, no_env), ENOTDIR);
}

TEST(execve, unknown_format_is_enoexec) {
    harness_write_file("junk", "this is not a program\n");
    CHECK_OK(chmod("junk", 0755));
    char *argv[] = {"junk", 0};
    CHECK_ERR(execve("./junk", argv, no_env), ENOEXEC);
}

TEST(execve, bad_path_pointer_is_efault) {
    char *argv[] = {"x", 0};
    CHECK_ERR(execve(BAD_PTR, argv, no_env), EFAULT);
}

TEST(execve, bad_argv_pointer_is_efault) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        errno = 0;
        execve("/bin/true", BAD_PTR, no_env);
        _exit(errno == EFAULT ? 0 : 1);
    }
    CHECK_EXIT(pid, 0);
}

TEST(execve, script_gets_its_interpreter_and_argument) {
    /* "#!INTERP ARG" runs INTERP ARG SCRIPT ARGS...; busybox sees argv "busybox sh". */
    harness_write_file("s", "#!/bin/busybox sh\n[ \"$0\" = ./s ] && [ \"$1\" = hello ] && exit 3\nexit 4\n");
    CHECK_OK(chmod("s", 0755));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        char *argv[] = {"ignored", "hello", 0};
        execve("./s", argv, no_env);
        _exit(99);
    }
    CHECK_EXIT(pid, 3);
}

TEST(execve, script_with_a_missing_interpreter_is_enoent) {
    harness_write_file("s", "#!/no/such/interpreter\n");
    CHECK_OK(chmod("s", 0755));
    char *argv[] = {"s", 0};
    CHECK_ERR(execve("./s", argv, no_env), ENOENT);
}

TEST(execve, passes_argv_and_envp) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        char *argv[] = {"sh", "-c", "[ \"$0\" = zero ] && [ \"$1\" = one ] && [ \"$#\" = 1 ] && "
                                    "[ \"$FOO\" = bar ] && exit 42; exit 1",
                        "zero", "one", 0};
        char *envp[] = {"FOO=bar", 0};
        execve("/bin/busybox", argv, envp);
        _exit(99);
    }
    CHECK_EXIT(pid, 42);
}

TEST(execve, exit_status_of_the_new_image_is_reported) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        exec_sh("exit 3");
    CHECK_EXIT(pid, 3);
}

TEST(execve, keeps_the_pid) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        dup2(p[1], 1);
        exec_sh("echo $$");
    }
    close(p[1]);
    char buf[32] = {0};
    CHECK(read(p[0], buf, sizeof buf - 1) > 0);
    CHECK_EQ(atoi(buf), pid);
    CHECK_EXIT(pid, 0);
}

TEST(execve, close_on_exec_descriptors_are_closed) {
    int a = CHECK_OK(open("f", O_CREAT | O_RDWR | O_CLOEXEC, 0600));
    int b = CHECK_OK(open("f", O_RDWR));
    CHECK_OK(dup2(a, 20));
    CHECK_OK(fcntl(20, F_SETFD, FD_CLOEXEC));
    CHECK_OK(dup2(b, 21));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        /* fd 21 stays open, fd 20 is closed: the redirection from it fails. */
        exec_sh("true <&21 || exit 1; (true <&20) 2>/dev/null && exit 2; exit 0");
    }
    CHECK_EXIT(pid, 0);
}

TEST(execve, close_on_exec_pipe_end_reads_eof_at_exec) {
    int p[2];
    CHECK_OK(pipe2(p, O_CLOEXEC));
    int q[2];
    CHECK_OK(pipe(q));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(p[0]);
        close(q[1]);
        dup2(q[0], 0);
        close(q[0]);
        /* Blocks reading stdin until the parent closes q; p[1] must go at the exec. */
        exec_sh("read x; exit 0");
    }
    close(p[1]);
    close(q[0]);
    char c;
    CHECK_EQ(read(p[0], &c, 1), 0);
    CHECK_OK(close(q[1]));
    CHECK_EXIT(pid, 0);
}

static void nop_handler(int sig) { (void)sig; }

TEST(execve, handled_signals_are_reset_and_ignored_ones_stay_ignored) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        signal(SIGUSR1, nop_handler);
        signal(SIGUSR2, SIG_IGN);
        /* USR2 stays ignored; USR1 is back to its default action and kills. */
        exec_sh("kill -USR2 $$; kill -USR1 $$; exit 5");
    }
    CHECK_EXIT(pid, 128 + SIGUSR1);
}

TEST(execve, signal_mask_is_kept) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        sigprocmask(SIG_BLOCK, &s, 0);
        exec_sh("kill -USR1 $$; exit 6");
    }
    CHECK_EXIT(pid, 6);
}

/* ---- execveat ---- */

TEST(execveat, empty_path_executes_the_descriptor) {
    int fd = CHECK_OK(open("/bin/busybox", O_RDONLY));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        char *argv[] = {"sh", "-c", "exit 4", 0};
        syscall(SYS_execveat, fd, "", argv, no_env, AT_EMPTY_PATH);
        _exit(99);
    }
    CHECK_EXIT(pid, 4);
}

TEST(execveat, relative_path_is_looked_up_from_dirfd) {
    int dfd = CHECK_OK(open("/bin", O_RDONLY | O_DIRECTORY));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        char *argv[] = {"sh", "-c", "exit 6", 0};
        syscall(SYS_execveat, dfd, "busybox", argv, no_env, 0);
        _exit(99);
    }
    CHECK_EXIT(pid, 6);
}

TEST(execveat, empty_path_without_the_flag_is_enoent) {
    int fd = CHECK_OK(open("/bin/true", O_RDONLY));
    char *argv[] = {"true", 0};
    CHECK_ERR(syscall(SYS_execveat, fd, "", argv, no_env, 0), ENOENT);
}

TEST(execveat, unknown_flag_is_einval) {
    int fd = CHECK_OK(open("/bin/true", O_RDONLY));
    char *argv[] = {"true", 0};
    CHECK_ERR(syscall(SYS_execveat, fd, "/bin/true", argv, no_env, 0x1), EINVAL);
    CHECK_ERR(syscall(SYS_execveat, fd, "", argv, no_env, AT_EMPTY_PATH | 0x1), EINVAL);
}

TEST(execveat, relative_path_with_a_file_dirfd_is_enotdir) {
    int fd = CHECK_OK(open("/bin/true", O_RDONLY));
    char *argv[] = {"true", 0};
    CHECK_ERR(syscall(SYS_execveat, fd, "busybox", argv, no_env, 0), ENOTDIR);
}

TEST(execveat, bad_dirfd_is_ebadf) {
    char *argv[] = {"true", 0};
    CHECK_ERR(syscall(SYS_execveat, 12345, "true", argv, no_env, 0), EBADF);
    CHECK_ERR(syscall(SYS_execveat, 12345, "", argv, no_env, AT_EMPTY_PATH), EBADF);
}

/* ---- exit, exit_group ---- */

TEST(exit, status_is_the_low_byte) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        syscall(SYS_exit, 0x1ff);
    CHECK_EXIT(pid, 0xff);
}

static volatile int exit_thread_word;

static int exiting_thread(void *arg) {
    (void)arg;
    syscall(SYS_exit, 0);
    return 1;
}

TEST(exit, ends_only_the_calling_thread) {
    exit_thread_word = 1;
    pid_t tid = CHECK_OK(clone(exiting_thread, new_stack(),
                               CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                   CLONE_SYSVSEM | CLONE_CHILD_CLEARTID,
                               0, 0, 0, (pid_t *)&exit_thread_word));
    CHECK(tid > 0);
    CHECK(wait_for_zero(&exit_thread_word));
    /* This thread and the process carry on. */
    CHECK_EQ(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), 0), 0);
    CHECK_ERR(syscall(SYS_tgkill, getpid(), tid, 0), ESRCH);
}

static void *sleeper(void *arg) {
    (void)arg;
    for (;;)
        pause();
    return 0;
}

TEST(exit_group, ends_every_thread_with_the_status) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, 0, sleeper, 0);
        syscall(SYS_exit_group, 9);
        _exit(1);
    }
    CHECK_EXIT(pid, 9);
}

static void *group_exiter(void *arg) {
    (void)arg;
    syscall(SYS_exit_group, 4);
    return 0;
}

TEST(exit_group, from_a_secondary_thread_ends_the_process) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, 0, group_exiter, 0);
        for (;;)
            pause();
    }
    CHECK_EXIT(pid, 4);
}

static int late_exiter_fd;

static void *late_exiter(void *arg) {
    /* Waits until the leader has exited (its clear-tid word is zeroed), then reports. */
    char c = wait_for_zero(arg) ? 'L' : 'A';
    write(late_exiter_fd, &c, 1);
    syscall(SYS_exit, 5);
    return 0;
}

TEST(exit, leader_exiting_first_lets_the_other_threads_run) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(p[0]);
        late_exiter_fd = p[1];
        static volatile int leader_word;
        leader_word = getpid();
        pthread_t t;
        pthread_create(&t, 0, late_exiter, (void *)&leader_word);
        syscall(SYS_set_tid_address, &leader_word);
        syscall(SYS_exit, 5);
    }
    close(p[1]);
    /* The other thread runs on after the leader's exit, and the process ends with
     * the last thread. */
    char c = 0;
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(c, 'L');
    CHECK_EQ(read(p[0], &c, 1), 0);
    CHECK_EXIT(pid, 5);
}

/* ---- set_tid_address ---- */

TEST(set_tid_address, returns_the_caller_tid) {
    static int word;
    CHECK_EQ(syscall(SYS_set_tid_address, &word), syscall(SYS_gettid));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(syscall(SYS_set_tid_address, &word) == getpid() ? 0 : 1);
    CHECK_EXIT(pid, 0);
}

static volatile int tid_address_word;

static int set_tid_thread(void *arg) {
    (void)arg;
    tid_address_word = syscall(SYS_gettid);
    syscall(SYS_set_tid_address, &tid_address_word);
    return 0;
}

TEST(set_tid_address, word_is_cleared_and_woken_at_thread_exit) {
    tid_address_word = -1;
    pid_t tid = CHECK_OK(clone(set_tid_thread, new_stack(),
                               CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                   CLONE_SYSVSEM,
                               0));
    CHECK(tid > 0);
    CHECK_MSG(wait_for_zero(&tid_address_word), "word still %d", tid_address_word);
}
