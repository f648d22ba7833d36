/* Directories and the working directory: getdents64 (listing, buffer sizes, resuming,
 * rewinding, entries that come and go), getcwd, chdir, fchdir, umask (and its effect
 * on creat and mkdir), mkdir, mkdirat, rmdir. */
#include "harness.h"

#include <dirent.h>
#include <limits.h>
#include <stddef.h>

struct dirent64_raw {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static long sys_getdents64(int fd, void *buf, size_t len) {
    return syscall(SYS_getdents64, fd, buf, len);
}
static long sys_getcwd(char *buf, size_t size) { return syscall(SYS_getcwd, buf, size); }
static long sys_mkdir(const char *path, mode_t mode) { return syscall(SYS_mkdir, path, mode); }
static long sys_rmdir(const char *path) { return syscall(SYS_rmdir, path); }
static long sys_creat(const char *path, mode_t mode) { return syscall(SYS_creat, path, mode); }

/* The entries of directory fd read with a buffer of `bufsize` bytes, from its current
 * offset to the end: names joined by '/' in `out` (sorted is not promised, so callers
 * look names up), and the count. Fails the case on a malformed record. */
#define MAX_LIST 16384
static int list_dir(int fd, size_t bufsize, char *out, unsigned char *types) {
    static char buf[65536] __attribute__((aligned(8)));
    int n = 0;
    out[0] = 0;
    for (;;) {
        long got = CHECK_OK(sys_getdents64(fd, buf, bufsize));
        if (got == 0)
            break;
        for (long pos = 0; pos < got;) {
            struct dirent64_raw *d = (struct dirent64_raw *)(buf + pos);
            CHECK_MSG(d->d_reclen >= offsetof(struct dirent64_raw, d_name) + 2 && d->d_reclen % 8 == 0 &&
                          pos + d->d_reclen <= got,
                      "bad d_reclen %u at %ld of %ld", d->d_reclen, pos, got);
            CHECK_MSG(strlen(out) + strlen(d->d_name) + 2 < MAX_LIST, "listing too long");
            strcat(out, "/");
            strcat(out, d->d_name);
            if (types)
                types[n] = d->d_type;
            n++;
            pos += d->d_reclen;
        }
    }
    strcat(out, "/");
    return n;
}

/* Whether "/name/" is in a listing from list_dir. */
static int listed(const char *list, const char *name) {
    char key[300];
    snprintf(key, sizeof key, "/%s/", name);
    return strstr(list, key) != NULL;
}

/* d_type of `name` in fd's directory, read afresh from the start. */
static int type_of(int fd, const char *name) {
    static char list[MAX_LIST];
    unsigned char types[256];
    CHECK_OK(lseek(fd, 0, SEEK_SET));
    int n = list_dir(fd, 4096, list, types);
    const char *p = list;
    for (int i = 0; i < n; i++) {
        p++;
        size_t len = strcspn(p, "/");
        if (len == strlen(name) && strncmp(p, name, len) == 0)
            return types[i];
        p += len;
    }
    return -1;
}

static mode_t mode_of(const char *path) {
    struct stat st;
    CHECK_OK(lstat(path, &st));
    return st.st_mode;
}

/* ---- getdents64 ---- */

TEST(getdents64, lists_every_entry_once_with_dot_and_dotdot) {
    harness_write_file("a", "x");
    harness_write_file("bb", "x");
    CHECK_OK(mkdir("dir", 0700));
    CHECK_OK(symlink("a", "link"));
    int fd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
    static char list[MAX_LIST];
    CHECK_EQ(list_dir(fd, 4096, list, NULL), 6);
    CHECK(listed(list, "."));
    CHECK(listed(list, ".."));
    CHECK(listed(list, "a"));
    CHECK(listed(list, "bb"));
    CHECK(listed(list, "dir"));
    CHECK(listed(list, "link"));
}

TEST(getdents64, reports_d_type_and_d_ino) {
    harness_write_file("f", "x");
    CHECK_OK(mkdir("d", 0700));
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(mkfifo("p", 0600));
    int fd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
    CHECK_EQ(type_of(fd, "f"), DT_REG);
    CHECK_EQ(type_of(fd, "d"), DT_DIR);
    CHECK_EQ(type_of(fd, "l"), DT_LNK);
    CHECK_EQ(type_of(fd, "p"), DT_FIFO);
    CHECK_EQ(type_of(fd, "."), DT_DIR);
    /* d_ino is the inode number stat reports. */
    static char buf[4096] __attribute__((aligned(8)));
    CHECK_OK(lseek(fd, 0, SEEK_SET));
    long got = CHECK_OK(sys_getdents64(fd, buf, sizeof buf));
    int seen = 0;
    for (long pos = 0; pos < got;) {
        struct dirent64_raw *d = (struct dirent64_raw *)(buf + pos);
        if (strcmp(d->d_name, "f") == 0 || strcmp(d->d_name, "d") == 0) {
            struct stat st;
            CHECK_OK(lstat(d->d_name, &st));
            CHECK_EQ(d->d_ino, st.st_ino);
            seen++;
        }
        pos += d->d_reclen;
    }
    CHECK_EQ(seen, 2);
}

TEST(getdents64, a_small_buffer_resumes_where_it_stopped) {
    char name[16];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "file%03d", i);
        harness_write_file(name, "");
    }
    int fd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
    static char list[MAX_LIST];
    /* 64 bytes hold two of these records at most: many calls. */
    CHECK_EQ(list_dir(fd, 64, list, NULL), 302);
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "file%03d", i);
        CHECK_MSG(listed(list, name), "%s not listed", name);
        /* ... and only once. */
        char key[20];
        snprintf(key, sizeof key, "/%s/", name);
        CHECK(strstr(strstr(list, key) + 1, key) == NULL);
    }
}

TEST(getdents64, a_buffer_too_small_for_one_entry_is_einval) {
    harness_write_file("a_rather_long_file_name_for_the_test", "");
    int fd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
    char buf[64] __attribute__((aligned(8)));
    CHECK_ERR(sys_getdents64(fd, buf, 1), EINVAL);
    CHECK_ERR(sys_getdents64(fd, buf, 0), EINVAL);
    /* Nothing was consumed: a real buffer still sees ".". */
    static char list[MAX_LIST];
    CHECK_EQ(list_dir(fd, 4096, list, NULL), 3);
}

TEST(getdents64, at_the_end_returns_zero_and_lseek_rewinds) {
    harness_write_file("f", "");
    int fd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
    static char list[MAX_LIST];
    CHECK_EQ(list_dir(fd, 4096, list, NULL), 3);
    char buf[4096] __attribute__((aligned(8)));
    CHECK_EQ(sys_getdents64(fd, buf, sizeof buf), 0);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(list_dir(fd, 4096, list, NULL), 3);
}

TEST(getdents64, an_unlinked_entry_is_gone_after_rewinding) {
    harness_write_file("keep", "");
    harness_write_file("gone", "");
    int fd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
    static char list[MAX_LIST];
    CHECK_EQ(list_dir(fd, 4096, list, NULL), 4);
    CHECK(listed(list, "gone"));
    CHECK_OK(unlink("gone"));
    harness_write_file("new", "");
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(list_dir(fd, 4096, list, NULL), 4);
    CHECK(!listed(list, "gone"));
    CHECK(listed(list, "keep"));
    CHECK(listed(list, "new"));
}

TEST(getdents64, an_empty_directory_has_only_dot_and_dotdot) {
    CHECK_OK(mkdir("d", 0700));
    harness_write_file("d/f", "");
    CHECK_OK(unlink("d/f"));
    int fd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    static char list[MAX_LIST];
    CHECK_EQ(list_dir(fd, 4096, list, NULL), 2);
    CHECK(listed(list, "."));
    CHECK(listed(list, ".."));
}

TEST(getdents64, reading_a_removed_directory_is_enoent) {
    CHECK_OK(mkdir("d", 0700));
    int fd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_OK(rmdir("d"));
    char buf[4096] __attribute__((aligned(8)));
    CHECK_ERR(sys_getdents64(fd, buf, sizeof buf), ENOENT);
    CHECK_ERR(sys_getdents64(fd, buf, sizeof buf), ENOENT);
}

TEST(getdents64, not_a_directory_bad_fd_or_buffer) {
    harness_write_file("f", "x");
    int fd = CHECK_OK(open("f", O_RDONLY));
    char buf[4096] __attribute__((aligned(8)));
    CHECK_ERR(sys_getdents64(fd, buf, sizeof buf), ENOTDIR);
    CHECK_ERR(sys_getdents64(-1, buf, sizeof buf), EBADF);
    int d = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
    CHECK_ERR(sys_getdents64(d, BAD_PTR, 4096), EFAULT);
    int p = CHECK_OK(open(".", O_PATH));
    CHECK_ERR(sys_getdents64(p, buf, sizeof buf), EBADF);
}

/* ---- getcwd ---- */

TEST(getcwd, returns_the_working_directory_and_its_length) {
    char want[PATH_MAX], buf[PATH_MAX];
    CHECK(realpath(harness_tmpdir(), want) != NULL);
    long n = CHECK_OK(sys_getcwd(buf, sizeof buf));
    CHECK_STR(buf, want);
    /* The raw call counts the terminating NUL. */
    CHECK_EQ(n, (long)strlen(want) + 1);
}

TEST(getcwd, a_buffer_too_small_is_erange) {
    char buf[PATH_MAX];
    long n = CHECK_OK(sys_getcwd(buf, sizeof buf));
    CHECK_ERR(sys_getcwd(buf, n - 1), ERANGE);
    CHECK_ERR(sys_getcwd(buf, 1), ERANGE);
    CHECK_ERR(sys_getcwd(buf, 0), ERANGE);
    CHECK_EQ(sys_getcwd(buf, n), n);
}

TEST(getcwd, follows_chdir_and_resolves_symlinks) {
    char base[PATH_MAX], want[PATH_MAX + 8], buf[PATH_MAX];
    CHECK(realpath(harness_tmpdir(), base) != NULL);
    CHECK_OK(mkdir("d", 0700));
    CHECK_OK(symlink("d", "ld"));
    CHECK_OK(chdir("ld"));
    CHECK_OK(sys_getcwd(buf, sizeof buf));
    snprintf(want, sizeof want, "%s/d", base);
    CHECK_STR(buf, want);
    CHECK_OK(chdir("/"));
    CHECK_OK(sys_getcwd(buf, sizeof buf));
    CHECK_STR(buf, "/");
}

TEST(getcwd, of_a_removed_directory_is_enoent) {
    CHECK_OK(mkdir("d", 0700));
    CHECK_OK(chdir("d"));
    CHECK_OK(sys_rmdir("../d"));
    char buf[PATH_MAX];
    CHECK_ERR(sys_getcwd(buf, sizeof buf), ENOENT);
}

TEST(getcwd, bad_buffer_is_efault) {
    CHECK_ERR(sys_getcwd(BAD_PTR, 4096), EFAULT);
}

/* ---- chdir, fchdir ---- */

TEST(chdir, relative_paths_then_resolve_from_the_new_directory) {
    CHECK_OK(mkdir("d", 0700));
    harness_write_file("d/inner", "x");
    CHECK_EQ(CHECK_OK(chdir("d")), 0);
    CHECK_OK(access("inner", F_OK));
    CHECK_OK(chdir(".."));
    CHECK_OK(access("d/inner", F_OK));
    CHECK_OK(chdir("d/."));
    CHECK_OK(access("inner", F_OK));
}

TEST(chdir, errors_of_the_path) {
    harness_write_file("f", "x");
    CHECK_ERR(chdir("f"), ENOTDIR);
    CHECK_ERR(chdir("missing"), ENOENT);
    CHECK_ERR(chdir(""), ENOENT);
    CHECK_ERR(chdir(BAD_PTR), EFAULT);
    CHECK_OK(symlink("f", "lf"));
    CHECK_ERR(chdir("lf"), ENOTDIR);
    /* A failed chdir leaves the working directory alone. */
    CHECK_OK(access("f", F_OK));
}

TEST(fchdir, changes_to_the_descriptor_directory) {
    CHECK_OK(mkdir("d", 0700));
    harness_write_file("d/inner", "x");
    int fd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_EQ(CHECK_OK(fchdir(fd)), 0);
    CHECK_OK(access("inner", F_OK));
    /* O_PATH descriptors of directories work too. */
    CHECK_OK(chdir(".."));
    int p = CHECK_OK(open("d", O_PATH));
    CHECK_OK(fchdir(p));
    CHECK_OK(access("inner", F_OK));
}

TEST(fchdir, a_file_is_enotdir_and_a_bad_fd_ebadf) {
    harness_write_file("f", "x");
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_ERR(fchdir(fd), ENOTDIR);
    CHECK_ERR(fchdir(-1), EBADF);
    CHECK_ERR(fchdir(999), EBADF);
    CHECK_OK(access("f", F_OK));
}

TEST(fchdir, works_after_the_path_is_renamed) {
    CHECK_OK(mkdir("d", 0700));
    int fd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_OK(rename("d", "e"));
    CHECK_OK(fchdir(fd));
    char buf[PATH_MAX];
    CHECK_OK(sys_getcwd(buf, sizeof buf));
    size_t n = strlen(buf);
    CHECK(n >= 2 && strcmp(buf + n - 2, "/e") == 0);
}

/* ---- umask ---- */

TEST(umask, returns_the_previous_mask) {
    umask(022);
    CHECK_EQ(umask(077), 022);
    CHECK_EQ(umask(0), 077);
    CHECK_EQ(umask(0), 0);
    /* Only the permission bits are kept. */
    umask(0777 | S_ISUID | S_IFREG);
    CHECK_EQ(umask(0), 0777);
}

TEST(umask, masks_the_modes_of_creat_and_mkdir) {
    umask(027);
    CHECK_OK(sys_creat("f", 0777));
    CHECK_EQ(mode_of("f") & 07777, 0750);
    CHECK_OK(sys_mkdir("d", 0777));
    CHECK_EQ(mode_of("d") & 07777, 0750);
    umask(0);
    CHECK_OK(sys_creat("g", 0666));
    CHECK_EQ(mode_of("g") & 07777, 0666);
    CHECK_OK(sys_mkdir("e", 0777));
    CHECK_EQ(mode_of("e") & 07777, 0777);
}

TEST(umask, is_inherited_by_a_child_and_not_shared) {
    umask(023);
    pid_t pid = fork();
    if (pid == 0) {
        CHECK_EQ(umask(077), 023);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
    CHECK_EQ(umask(0), 023);
}

TEST(umask, does_not_affect_chmod) {
    umask(077);
    harness_write_file("f", "x");
    CHECK_OK(chmod("f", 0755));
    CHECK_EQ(mode_of("f") & 07777, 0755);
}

/* ---- mkdir, mkdirat ---- */

TEST(mkdir, creates_an_empty_directory_with_the_mode) {
    umask(022);
    CHECK_EQ(CHECK_OK(sys_mkdir("d", 0751)), 0);
    mode_t m = mode_of("d");
    CHECK(S_ISDIR(m));
    CHECK_EQ(m & 07777, 0751);
    /* The sticky bit is kept; a trailing slash is fine. */
    CHECK_OK(sys_mkdir("s/", 01777));
    CHECK_EQ(mode_of("s") & 07777, 01755);
}

TEST(mkdir, an_existing_name_is_eexist) {
    harness_write_file("f", "x");
    CHECK_OK(sys_mkdir("d", 0700));
    CHECK_OK(symlink("missing", "dangling"));
    CHECK_ERR(sys_mkdir("d", 0700), EEXIST);
    CHECK_ERR(sys_mkdir("f", 0700), EEXIST);
    CHECK_ERR(sys_mkdir("dangling", 0700), EEXIST);
    CHECK_ERR(access("missing", F_OK), ENOENT);
    CHECK_ERR(sys_mkdir(".", 0700), EEXIST);
}

TEST(mkdir, errors_of_the_parent) {
    harness_write_file("f", "x");
    CHECK_ERR(sys_mkdir("missing/d", 0700), ENOENT);
    CHECK_ERR(sys_mkdir("f/d", 0700), ENOTDIR);
    CHECK_ERR(sys_mkdir("", 0700), ENOENT);
    CHECK_ERR(sys_mkdir(BAD_PTR, 0700), EFAULT);
    char name[NAME_MAX + 2];
    memset(name, 'd', NAME_MAX + 1);
    name[NAME_MAX + 1] = 0;
    CHECK_ERR(sys_mkdir(name, 0700), ENAMETOOLONG);
}

TEST(mkdirat, resolves_relative_to_the_dirfd) {
    CHECK_OK(mkdir("top", 0700));
    int dfd = CHECK_OK(open("top", O_RDONLY | O_DIRECTORY));
    CHECK_EQ(CHECK_OK(mkdirat(dfd, "sub", 0700)), 0);
    CHECK(S_ISDIR(mode_of("top/sub")));
    CHECK_ERR(access("sub", F_OK), ENOENT);
    CHECK_OK(mkdirat(AT_FDCWD, "here", 0700));
    CHECK(S_ISDIR(mode_of("here")));
    CHECK_ERR(mkdirat(dfd, "sub", 0700), EEXIST);
}

TEST(mkdirat, bad_dirfd) {
    harness_write_file("f", "x");
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_ERR(mkdirat(-2, "d", 0700), EBADF);
    CHECK_ERR(mkdirat(fd, "d", 0700), ENOTDIR);
    CHECK_ERR(access("d", F_OK), ENOENT);
}

/* ---- rmdir ---- */

TEST(rmdir, removes_an_empty_directory) {
    CHECK_OK(mkdir("d", 0700));
    CHECK_EQ(CHECK_OK(sys_rmdir("d")), 0);
    CHECK_ERR(access("d", F_OK), ENOENT);
    CHECK_OK(mkdir("e", 0700));
    CHECK_OK(sys_rmdir("e/"));
    CHECK_ERR(sys_rmdir("e"), ENOENT);
}

TEST(rmdir, a_non_empty_directory_is_enotempty) {
    CHECK_OK(mkdir("d", 0700));
    harness_write_file("d/f", "x");
    CHECK_ERR(sys_rmdir("d"), ENOTEMPTY);
    CHECK_OK(unlink("d/f"));
    CHECK_OK(mkdir("d/sub", 0700));
    CHECK_ERR(sys_rmdir("d"), ENOTEMPTY);
    CHECK_OK(sys_rmdir("d/sub"));
    CHECK_OK(sys_rmdir("d"));
}

TEST(rmdir, dot_is_einval_and_dotdot_enotempty) {
    CHECK_OK(mkdir("d", 0700));
    CHECK_ERR(sys_rmdir("."), EINVAL);
    CHECK_ERR(sys_rmdir("d/."), EINVAL);
    CHECK_ERR(sys_rmdir("d/.."), ENOTEMPTY);
    CHECK(S_ISDIR(mode_of("d")));
}

TEST(rmdir, not_a_directory) {
    harness_write_file("f", "x");
    CHECK_OK(mkdir("d", 0700));
    CHECK_OK(symlink("d", "ld"));
    CHECK_ERR(sys_rmdir("f"), ENOTDIR);
    CHECK_ERR(sys_rmdir("ld"), ENOTDIR);
    CHECK_ERR(sys_rmdir("missing"), ENOENT);
    CHECK(S_ISDIR(mode_of("d")));
}
