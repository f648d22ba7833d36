/* The /proc file system as a process sees it: /proc/self and its links (exe, cwd,
 * fd/N), status, stat, cmdline, comm, maps, task, and the system-wide cpuinfo,
 * meminfo and mounts. Cases are tagged with the call that reads them (readlinkat,
 * openat, read, getdents64). */
#include "harness.h"

#include <dirent.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>

/* The program's arguments, saved by a constructor (glibc passes them to ELF
 * constructors). */
static int saved_argc;
static char **saved_argv;
/* The binary's absolute path, from AT_EXECFN while the cwd is still the original. */
static char *saved_exe;

__attribute__((constructor)) static void save_args(int argc, char **argv) {
    saved_argc = argc;
    saved_argv = argv;
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    if (execfn)
        saved_exe = realpath(execfn, 0);
}

/* Reads a whole (small) file into a static buffer; returns its length. */
static char file_buf[1 << 16];

static long slurp(const char *path) {
    int fd = CHECK_OK(open(path, O_RDONLY));
    long total = 0;
    ssize_t n;
    while ((n = read(fd, file_buf + total, sizeof file_buf - 1 - total)) > 0)
        total += n;
    CHECK_MSG(n == 0, "reading %s: %s", path, strerror(errno));
    file_buf[total] = 0;
    close(fd);
    return total;
}

/* The value after "key:" in /proc/self/status-like text, or -1. */
static long field(const char *text, const char *key) {
    size_t k = strlen(key);
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : 0)
        if (strncmp(line, key, k) == 0 && line[k] == ':')
            return strtol(line + k + 1, 0, 10);
    return -1;
}

static void link_target(const char *path, char *out, size_t size) {
    ssize_t n = readlinkat(AT_FDCWD, path, out, size - 1);
    CHECK_MSG(n >= 0, "readlink %s: %s", path, strerror(errno));
    out[n] = 0;
}

/* ---- readlinkat ---- */

TEST(readlinkat, proc_self_is_the_pid) {
    char buf[64], want[64];
    link_target("/proc/self", buf, sizeof buf);
    snprintf(want, sizeof want, "%d", getpid());
    CHECK_STR(buf, want);
}

TEST(readlinkat, proc_self_in_a_forked_child_is_the_child_pid) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        char buf[64], want[64];
        link_target("/proc/self", buf, sizeof buf);
        snprintf(want, sizeof want, "%d", getpid());
        CHECK_STR(buf, want);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(readlinkat, proc_self_exe_is_the_running_binary) {
    char buf[4096];
    link_target("/proc/self/exe", buf, sizeof buf);
    CHECK(buf[0] == '/');
    const char *real = saved_exe;
    CHECK(real != 0);
    CHECK_STR(buf, real);
    /* And it is the same file. */
    struct stat a, b;
    CHECK_OK(stat("/proc/self/exe", &a));
    CHECK_OK(stat(real, &b));
    CHECK_EQ(a.st_ino, b.st_ino);
    CHECK_EQ(a.st_dev, b.st_dev);
}

TEST(readlinkat, proc_self_exe_of_a_program_run_through_a_symlink_is_resolved) {
    /* readlink started as ./link: its exe is the real file, symlink followed. */
    char want[4096];
    CHECK(realpath("/bin/readlink", want) != 0);
    CHECK_OK(symlink(want, "link"));
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        dup2(p[1], 1);
        execl("./link", "link", "/proc/self/exe", (char *)0);
        _exit(127);
    }
    close(p[1]);
    char got[4096];
    long total = 0;
    ssize_t n;
    while ((n = read(p[0], got + total, sizeof got - 1 - total)) > 0)
        total += n;
    got[total] = 0;
    int status;
    CHECK_OK(waitpid(pid, &status, 0));
    CHECK_EQ(status, 0);
    CHECK(total > 0 && got[total - 1] == '\n');
    got[total - 1] = 0;
    CHECK_STR(got, want);
}

TEST(readlinkat, proc_self_exe_into_a_short_buffer_is_truncated) {
    char full[4096], small[4];
    link_target("/proc/self/exe", full, sizeof full);
    memset(small, '#', sizeof small);
    CHECK_EQ(readlinkat(AT_FDCWD, "/proc/self/exe", small, sizeof small), 4);
    CHECK_MEM(small, full, 4); /* no terminating NUL */
}

TEST(readlinkat, proc_self_cwd_follows_chdir) {
    char buf[4096], cwd[4096];
    link_target("/proc/self/cwd", buf, sizeof buf);
    CHECK(getcwd(cwd, sizeof cwd) != 0);
    CHECK_STR(buf, cwd);
    CHECK_OK(mkdir("sub", 0700));
    CHECK_OK(chdir("sub"));
    link_target("/proc/self/cwd", buf, sizeof buf);
    strcat(cwd, "/sub");
    CHECK_STR(buf, cwd);
}

TEST(readlinkat, proc_self_fd_n_is_the_open_file_path) {
    int fd = CHECK_OK(open("file", O_RDWR | O_CREAT, 0600));
    char path[64], buf[4096], want[4096];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    link_target(path, buf, sizeof buf);
    CHECK(getcwd(want, sizeof want) != 0);
    strcat(want, "/file");
    CHECK_STR(buf, want);
}

TEST(readlinkat, proc_self_fd_n_of_an_unlinked_file_says_deleted) {
    int fd = CHECK_OK(open("gone", O_RDWR | O_CREAT, 0600));
    CHECK_OK(unlink("gone"));
    char path[64], buf[4096], want[4096];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    link_target(path, buf, sizeof buf);
    CHECK(getcwd(want, sizeof want) != 0);
    strcat(want, "/gone (deleted)");
    CHECK_STR(buf, want);
}

TEST(readlinkat, proc_self_fd_n_of_a_pipe_names_its_inode) {
    int p[2];
    CHECK_OK(pipe(p));
    struct stat st;
    CHECK_OK(fstat(p[0], &st));
    char path[64], buf[256], want[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
    link_target(path, buf, sizeof buf);
    snprintf(want, sizeof want, "pipe:[%lu]", (unsigned long)st.st_ino);
    CHECK_STR(buf, want);
}

TEST(readlinkat, proc_self_fd_of_a_closed_fd_is_enoent) {
    char buf[64];
    CHECK_ERR(readlinkat(AT_FDCWD, "/proc/self/fd/123", buf, sizeof buf), ENOENT);
}

/* ---- openat ---- */

TEST(openat, proc_self_fd_n_reopens_the_file) {
    harness_write_file("f", "contents");
    int fd = CHECK_OK(open("f", O_RDONLY));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int again = CHECK_OK(open(path, O_RDONLY));
    CHECK(again != fd);
    char buf[16];
    CHECK_EQ(read(again, buf, sizeof buf), 8);
    CHECK_MEM(buf, "contents", 8);
}

TEST(openat, proc_self_status_has_pid_and_ppid) {
    slurp("/proc/self/status");
    CHECK_EQ(field(file_buf, "Pid"), getpid());
    CHECK_EQ(field(file_buf, "PPid"), getppid());
    CHECK_EQ(field(file_buf, "Tgid"), getpid());
    CHECK_EQ(field(file_buf, "Threads"), 1);
    CHECK(strncmp(file_buf, "Name:\t", 6) == 0);
}

TEST(openat, proc_self_status_uid_line_lists_four_ids) {
    slurp("/proc/self/status");
    char *uid = strstr(file_buf, "\nUid:");
    CHECK(uid != 0);
    unsigned r, e, s, f;
    CHECK_EQ(sscanf(uid + 5, "%u %u %u %u", &r, &e, &s, &f), 4);
    CHECK_EQ(r, getuid());
    CHECK_EQ(e, geteuid());
}

static void *parked(void *arg) {
    int fd = *(int *)arg;
    char c;
    read(fd, &c, 1);
    return 0;
}

TEST(openat, proc_self_status_counts_threads) {
    int p[2];
    CHECK_OK(pipe(p));
    pthread_t t;
    CHECK_EQ(pthread_create(&t, 0, parked, &p[0]), 0);
    slurp("/proc/self/status");
    CHECK_EQ(field(file_buf, "Threads"), 2);
    CHECK_EQ(write(p[1], "x", 1), 1);
    pthread_join(t, 0);
}

TEST(openat, proc_of_a_child_shows_its_ppid) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        char c;
        read(p[0], &c, 1);
        _exit(0);
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    slurp(path);
    CHECK_EQ(field(file_buf, "Pid"), pid);
    CHECK_EQ(field(file_buf, "PPid"), getpid());
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK_EXIT(pid, 0);
}

TEST(openat, proc_of_a_nonexistent_pid_is_enoent) {
    CHECK_ERR(open("/proc/999999999/status", O_RDONLY), ENOENT);
    CHECK_ERR(open("/proc/self/nonexistent", O_RDONLY), ENOENT);
}

TEST(openat, proc_self_stat_fields_match) {
    slurp("/proc/self/stat");
    int pid = -1, ppid = -1, pgrp = -1, sid = -1;
    char state = 0;
    CHECK_EQ(sscanf(file_buf, "%d", &pid), 1);
    CHECK_EQ(pid, getpid());
    /* comm is in parentheses and may hold spaces: parse after the last ')'. */
    char *close_paren = strrchr(file_buf, ')');
    CHECK(close_paren != 0);
    CHECK(strchr(file_buf, '(') < close_paren);
    CHECK_EQ(sscanf(close_paren + 1, " %c %d %d %d", &state, &ppid, &pgrp, &sid), 4);
    CHECK_EQ(state, 'R');
    CHECK_EQ(ppid, getppid());
    CHECK_EQ(pgrp, getpgrp());
    CHECK_EQ(sid, getsid(0));
    /* Field 20 is num_threads. */
    char *p = close_paren + 2;
    for (int i = 3; i < 20; i++) {
        p = strchr(p, ' ');
        CHECK(p != 0);
        p++;
    }
    CHECK_EQ(strtol(p, 0, 10), 1);
}

TEST(openat, proc_self_maps_lists_a_file_mapping_by_path) {
    int fd = CHECK_OK(open("mapped", O_RDWR | O_CREAT, 0600));
    CHECK_OK(ftruncate(fd, 2 * 4096));
    char *m = mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 4096);
    CHECK(m != MAP_FAILED);
    char want[4096];
    CHECK(getcwd(want, sizeof want) != 0);
    strcat(want, "/mapped");
    slurp("/proc/self/maps");
    int found = 0;
    for (char *line = strtok(file_buf, "\n"); line; line = strtok(0, "\n")) {
        unsigned long lo, hi, off;
        char perms[8];
        int pathpos = 0;
        if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %n", &lo, &hi, perms, &off, &pathpos) < 4)
            continue;
        if (lo != (unsigned long)m)
            continue;
        found = 1;
        CHECK_EQ(hi, lo + 4096);
        CHECK_STR(perms, "r--s");
        CHECK_EQ(off, 4096);
        CHECK(pathpos > 0);
        CHECK_STR(line + pathpos, want);
    }
    CHECK_MSG(found, "no line for %p in /proc/self/maps", m);
}

TEST(openat, proc_self_maps_shows_protection_and_the_stack) {
    char *m = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    CHECK_OK(mprotect(m + 4096, 4096, PROT_NONE));
    slurp("/proc/self/maps");
    char want[64];
    snprintf(want, sizeof want, "%lx-%lx ---p ", (unsigned long)m + 4096,
             (unsigned long)m + 2 * 4096);
    CHECK_MSG(strstr(file_buf, want) != 0, "no \"%s\" in maps", want);
    snprintf(want, sizeof want, "%lx-%lx rw-p ", (unsigned long)m + 2 * 4096,
             (unsigned long)m + 3 * 4096);
    CHECK_MSG(strstr(file_buf, want) != 0, "no \"%s\" in maps", want);
    CHECK(strstr(file_buf, "[stack]") != 0);
}

/* ---- read ---- */

TEST(read, proc_self_cmdline_holds_the_arguments) {
    long n = slurp("/proc/self/cmdline");
    long want = 0;
    for (int i = 0; i < saved_argc; i++)
        want += strlen(saved_argv[i]) + 1;
    CHECK_EQ(n, want);
    const char *p = file_buf;
    for (int i = 0; i < saved_argc; i++) {
        CHECK_STR(p, saved_argv[i]);
        p += strlen(p) + 1;
    }
    CHECK_EQ(file_buf[n - 1], 0);
}

TEST(read, proc_self_comm_shows_the_prctl_name) {
    CHECK_OK(prctl(PR_SET_NAME, "veil-comm-test"));
    slurp("/proc/self/comm");
    CHECK_STR(file_buf, "veil-comm-test\n");
    slurp("/proc/self/status");
    CHECK(strncmp(file_buf, "Name:\tveil-comm-test\n", 21) == 0);
    slurp("/proc/self/stat");
    CHECK(strstr(file_buf, "(veil-comm-test)") != 0);
}

TEST(read, proc_self_comm_is_truncated_to_15_bytes) {
    CHECK_OK(prctl(PR_SET_NAME, "abcdefghijklmnopqrstuvwxyz"));
    slurp("/proc/self/comm");
    CHECK_STR(file_buf, "abcdefghijklmno\n");
}

TEST(write, proc_self_comm_sets_the_name) {
    int fd = CHECK_OK(open("/proc/self/comm", O_WRONLY));
    CHECK_EQ(write(fd, "written", 7), 7);
    close(fd);
    char name[17] = {0};
    CHECK_OK(prctl(PR_GET_NAME, name));
    CHECK_STR(name, "written");
}

TEST(read, proc_cpuinfo_is_not_empty) {
    CHECK(slurp("/proc/cpuinfo") > 0);
    CHECK(strncmp(file_buf, "processor", 9) == 0);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int count = 0;
    for (char *p = file_buf; (p = strstr(p, "\nprocessor")); p++)
        count++;
    CHECK_EQ(count + 1, cpus);
}

TEST(read, proc_meminfo_has_memtotal) {
    CHECK(slurp("/proc/meminfo") > 0);
    CHECK(strncmp(file_buf, "MemTotal:", 9) == 0);
    CHECK(field(file_buf, "MemTotal") > 0);
    CHECK(field(file_buf, "MemFree") > 0);
    CHECK(field(file_buf, "MemFree") <= field(file_buf, "MemTotal"));
}

TEST(read, proc_mounts_has_the_root) {
    CHECK(slurp("/proc/mounts") > 0);
    int root = 0;
    for (char *line = strtok(file_buf, "\n"); line; line = strtok(0, "\n")) {
        char dev[256], dir[256], type[64], opts[256];
        int freq, pass;
        CHECK_MSG(sscanf(line, "%255s %255s %63s %255s %d %d", dev, dir, type, opts, &freq,
                         &pass) == 6,
                  "odd mounts line \"%s\"", line);
        if (strcmp(dir, "/") == 0)
            root = 1;
    }
    CHECK(root);
    /* /proc/self/mounts is the same. */
    CHECK(slurp("/proc/self/mounts") > 0);
}

TEST(read, proc_self_environ_holds_the_environment) {
    CHECK_OK(setenv("IGNORED_AFTER_EXEC", "1", 1)); /* environ is what exec got */
    long n = slurp("/proc/self/environ");
    int found_path = 0, found_new = 0;
    for (char *p = file_buf; p < file_buf + n; p += strlen(p) + 1) {
        if (strncmp(p, "IGNORED_AFTER_EXEC=", 19) == 0)
            found_new = 1;
        for (char **e = saved_argv + saved_argc + 1; *e; e++)
            if (strcmp(p, *e) == 0)
                found_path++;
    }
    int envc = 0;
    for (char **e = saved_argv + saved_argc + 1; *e; e++)
        envc++;
    CHECK_EQ(found_path, envc);
    CHECK(!found_new);
}

/* ---- getdents64 ---- */

TEST(getdents64, proc_self_fd_lists_the_open_fds) {
    int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0600));
    int d = CHECK_OK(dup2(fd, 42));
    DIR *dir = opendir("/proc/self/fd");
    CHECK(dir != 0);
    int seen[64] = {0};
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        int n = atoi(e->d_name);
        CHECK_EQ(e->d_type, DT_LNK);
        if (n >= 0 && n < 64)
            seen[n] = 1;
    }
    int dfd = dirfd(dir);
    CHECK(seen[0] && seen[1] && seen[2]);
    CHECK(seen[fd]);
    CHECK(seen[d]);
    CHECK(seen[dfd]);
    CHECK(!seen[41]);
    closedir(dir);
}

TEST(getdents64, proc_self_task_lists_every_thread) {
    int p[2];
    CHECK_OK(pipe(p));
    pthread_t t;
    CHECK_EQ(pthread_create(&t, 0, parked, &p[0]), 0);
    DIR *dir = opendir("/proc/self/task");
    CHECK(dir != 0);
    int count = 0, me = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        count++;
        if (atoi(e->d_name) == gettid())
            me = 1;
    }
    closedir(dir);
    CHECK_EQ(count, 2);
    CHECK(me);
    CHECK_EQ(write(p[1], "x", 1), 1);
    pthread_join(t, 0);
}

TEST(getdents64, proc_lists_this_process) {
    DIR *dir = opendir("/proc");
    CHECK(dir != 0);
    char want[32];
    snprintf(want, sizeof want, "%d", getpid());
    int found = 0, self = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (strcmp(e->d_name, want) == 0)
            found = 1;
        if (strcmp(e->d_name, "self") == 0)
            self = 1;
    }
    closedir(dir);
    CHECK(found);
    CHECK(self);
}

/* /proc/self/fd/N is a magic link: opening it opens the descriptor's file. */

TEST(openat, proc_fd_link_of_a_pipe_opens_the_pipe) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "hi", 2), 2);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    int fd = CHECK_OK(open(path, O_RDONLY));
    CHECK(fd != p[0]);
    char buf[4] = {0};
    CHECK_EQ(read(fd, buf, sizeof buf), 2);
    CHECK_STR(buf, "hi");
}

TEST(openat, dev_fd_link_of_a_pipe_write_end_writes_the_pipe) {
    int p[2];
    CHECK_OK(pipe(p));
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", p[1]);
    int fd = CHECK_OK(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600));
    CHECK_EQ(write(fd, "ok", 2), 2);
    char buf[4] = {0};
    CHECK_EQ(read(p[0], buf, sizeof buf), 2);
    CHECK_STR(buf, "ok");
}

TEST(openat, proc_fd_link_of_a_pipe_gets_its_own_flags) {
    int p[2];
    CHECK_OK(pipe(p));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    int fd = CHECK_OK(open(path, O_RDONLY | O_NONBLOCK));
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    CHECK(!(fcntl(p[0], F_GETFL) & O_NONBLOCK));
    char c;
    CHECK_ERR(read(fd, &c, 1), EAGAIN);
}

TEST(openat, proc_fd_link_of_an_unlinked_file_opens_it) {
    int w = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_EQ(write(w, "data", 4), 4);
    CHECK_OK(unlink("f"));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", w);
    int fd = CHECK_OK(open(path, O_RDONLY));
    char buf[8] = {0};
    CHECK_EQ(read(fd, buf, sizeof buf), 4);
    CHECK_STR(buf, "data");
    /* A new description: its own offset. */
    CHECK_EQ(lseek(w, 0, SEEK_CUR), 4);
}

TEST(newfstatat, proc_fd_link_of_a_pipe_stats_the_pipe) {
    int p[2];
    CHECK_OK(pipe(p));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    struct stat st, fst;
    CHECK_OK(stat(path, &st));
    CHECK_OK(fstat(p[0], &fst));
    CHECK(S_ISFIFO(st.st_mode));
    CHECK_EQ(st.st_ino, fst.st_ino);
    CHECK_OK(lstat(path, &st));
    CHECK(S_ISLNK(st.st_mode));
}

TEST(openat, dev_stdin_of_a_pipe_opens_the_pipe) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "in", 2), 2);
    CHECK_OK(dup2(p[0], 0));
    int fd = CHECK_OK(open("/dev/stdin", O_RDONLY));
    char buf[4] = {0};
    CHECK_EQ(read(fd, buf, sizeof buf), 2);
    CHECK_STR(buf, "in");
}

TEST(openat, proc_fd_link_of_a_closed_descriptor_is_enoent) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    CHECK_OK(close(fd));
    CHECK_ERR(open(path, O_RDONLY), ENOENT);
}

/* /proc/self/smaps: every mapping of maps, with its figures. */
TEST(openat, proc_smaps_shows_each_mapping_with_its_resident_size) {
    char *p = mmap(0, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    memset(p, 1, 4 * 4096);
    char head[64];
    snprintf(head, sizeof head, "%lx-%lx rw-p ", (unsigned long)p, (unsigned long)(p + 4 * 4096));
    FILE *f = fopen("/proc/self/smaps", "r");
    CHECK(f != NULL);
    char line[512];
    int found = 0, size_kb = -1, rss_kb = -1, vmflags = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, head, strlen(head)) == 0) {
            found = 1;
            continue;
        }
        if (found && size_kb < 0 && sscanf(line, "Size: %d kB", &size_kb) == 1)
            continue;
        if (found && rss_kb < 0 && sscanf(line, "Rss: %d kB", &rss_kb) == 1)
            continue;
        if (found && strncmp(line, "VmFlags:", 8) == 0) {
            vmflags = strstr(line, " rd") && strstr(line, " wr");
            break;
        }
    }
    fclose(f);
    CHECK(found);
    CHECK_EQ(size_kb, 16);
    CHECK_EQ(rss_kb, 16);
    CHECK(vmflags);
}

TEST(openat, proc_smaps_rollup_sums_the_resident_memory) {
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    CHECK(f != NULL);
    char line[512];
    int rss = -1;
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK(strstr(line, "[rollup]") != NULL);
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Rss: %d kB", &rss) == 1)
            break;
    fclose(f);
    CHECK(rss > 0);
}

TEST(openat, proc_self_mountinfo_lists_the_root_mount) {
    FILE *f = fopen("/proc/self/mountinfo", "r");
    CHECK(f != NULL);
    char line[1024];
    int root = 0, lines = 0;
    while (fgets(line, sizeof line, f)) {
        lines++;
        int id, parent;
        unsigned major, minor;
        char fsroot[256], point[256];
        CHECK_EQ(sscanf(line, "%d %d %u:%u %255s %255s", &id, &parent, &major, &minor, fsroot, point), 6);
        CHECK(strstr(line, " - ") != NULL);
        if (strcmp(point, "/") == 0)
            root = 1;
    }
    fclose(f);
    CHECK(lines >= 1);
    CHECK(root);
}

TEST(openat, sys_cpu_online_matches_sched_getaffinity) {
    cpu_set_t set;
    CHECK_OK(sched_getaffinity(0, sizeof set, &set));
    int n = CPU_COUNT(&set);
    FILE *f = fopen("/sys/devices/system/cpu/online", "r");
    CHECK(f != NULL);
    char buf[64] = {0};
    CHECK(fgets(buf, sizeof buf, f) != NULL);
    fclose(f);
    char want[64];
    if (n == 1)
        snprintf(want, sizeof want, "0\n");
    else
        snprintf(want, sizeof want, "0-%d\n", n - 1);
    /* Natively the process may be confined to fewer CPUs than are online. */
    if (n == (int)sysconf(_SC_NPROCESSORS_ONLN))
        CHECK_STR(buf, want);
}
