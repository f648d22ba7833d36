/* Opening and closing files, and permission probes: open, openat (creation flags,
 * O_DIRECTORY, O_NOFOLLOW, O_PATH, O_CLOEXEC, trailing slashes, name limits, symlink
 * loops, dirfds), creat, close, access, faccessat, faccessat2. */
#include "harness.h"

#include <dirent.h>
#include <limits.h>

#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif

/* The legacy calls, made directly: glibc routes its wrappers through openat/faccessat2. */
static long sys_open(const char *path, int flags, mode_t mode) {
    return syscall(SYS_open, path, flags, mode);
}
static long sys_creat(const char *path, mode_t mode) { return syscall(SYS_creat, path, mode); }
static long sys_access(const char *path, int mode) { return syscall(SYS_access, path, mode); }
static long sys_faccessat(int dirfd, const char *path, int mode) {
    return syscall(SYS_faccessat, dirfd, path, mode);
}
static long sys_faccessat2(int dirfd, const char *path, int mode, int flags) {
    return syscall(SYS_faccessat2, dirfd, path, mode, flags);
}
static long sys_openat(int dirfd, const char *path, int flags, mode_t mode) {
    return syscall(SYS_openat, dirfd, path, flags, mode);
}

static mode_t mode_of_fd(int fd) {
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    return st.st_mode;
}

static off_t size_of(const char *path) {
    struct stat st;
    CHECK_OK(stat(path, &st));
    return st.st_size;
}

/* ---- open ---- */

TEST(open, o_creat_makes_a_regular_file_with_the_mode) {
    umask(022);
    int fd = CHECK_OK(sys_open("f", O_CREAT | O_RDWR, 0640));
    mode_t m = mode_of_fd(fd);
    CHECK(S_ISREG(m));
    CHECK_EQ(m & 07777, 0640);
    CHECK_EQ(size_of("f"), 0);
}

TEST(open, missing_file_without_o_creat_is_enoent) {
    CHECK_ERR(sys_open("nothing", O_RDONLY, 0), ENOENT);
    CHECK_ERR(sys_open("nothing/x", O_CREAT | O_RDWR, 0600), ENOENT);
}

TEST(open, empty_path_is_enoent) {
    CHECK_ERR(sys_open("", O_RDONLY, 0), ENOENT);
    CHECK_ERR(sys_open("", O_CREAT | O_RDWR, 0600), ENOENT);
}

TEST(open, bad_path_pointer_is_efault) {
    CHECK_ERR(sys_open(BAD_PTR, O_RDONLY, 0), EFAULT);
    CHECK_ERR(sys_open(BAD_PTR, O_CREAT | O_RDWR, 0600), EFAULT);
}

TEST(open, returns_the_lowest_free_descriptor) {
    harness_write_file("f", "x");
    CHECK_OK(close(0));
    CHECK_EQ(CHECK_OK(sys_open("f", O_RDONLY, 0)), 0);
    CHECK_EQ(CHECK_OK(sys_open("f", O_RDONLY, 0)), 3);
}

/* ---- openat: creation flags ---- */

TEST(openat, o_excl_on_an_existing_file_is_eexist) {
    harness_write_file("f", "data");
    CHECK_ERR(sys_openat(AT_FDCWD, "f", O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST);
    /* The file is untouched. */
    CHECK_EQ(size_of("f"), 4);
    CHECK_OK(sys_openat(AT_FDCWD, "g", O_CREAT | O_EXCL | O_RDWR, 0600));
}

TEST(openat, o_excl_does_not_follow_a_dangling_symlink) {
    CHECK_OK(symlink("target", "link"));
    CHECK_ERR(sys_openat(AT_FDCWD, "link", O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST);
    CHECK_ERR(access("target", F_OK), ENOENT);
}

TEST(openat, o_creat_through_a_dangling_symlink_creates_the_target) {
    CHECK_OK(symlink("target", "link"));
    int fd = CHECK_OK(sys_openat(AT_FDCWD, "link", O_CREAT | O_WRONLY, 0600));
    CHECK_EQ(write(fd, "abc", 3), 3);
    CHECK_EQ(size_of("target"), 3);
}

TEST(openat, o_creat_on_an_existing_file_keeps_its_data_and_mode) {
    harness_write_file("f", "hello");
    CHECK_OK(chmod("f", 0604));
    int fd = CHECK_OK(sys_openat(AT_FDCWD, "f", O_CREAT | O_RDWR, 0777));
    CHECK_EQ(mode_of_fd(fd) & 07777, 0604);
    char buf[8] = {0};
    CHECK_EQ(read(fd, buf, sizeof buf), 5);
    CHECK_STR(buf, "hello");
}

TEST(openat, o_creat_mode_is_masked_by_the_umask) {
    umask(027);
    int fd = CHECK_OK(sys_openat(AT_FDCWD, "f", O_CREAT | O_RDWR, 0777));
    CHECK_EQ(mode_of_fd(fd) & 07777, 0750);
    umask(0);
    fd = CHECK_OK(sys_openat(AT_FDCWD, "g", O_CREAT | O_RDWR, 0777));
    CHECK_EQ(mode_of_fd(fd) & 07777, 0777);
}

TEST(openat, o_trunc_empties_a_file_opened_for_writing) {
    harness_write_file("f", "some data");
    int fd = CHECK_OK(sys_openat(AT_FDCWD, "f", O_WRONLY | O_TRUNC, 0));
    CHECK_EQ(size_of("f"), 0);
    CHECK_EQ(lseek(fd, 0, SEEK_END), 0);
}

TEST(openat, o_trunc_with_o_rdonly_still_truncates) {
    /* Unspecified by POSIX; Linux truncates (the caller may write the file). */
    harness_write_file("f", "some data");
    int fd = CHECK_OK(sys_openat(AT_FDCWD, "f", O_RDONLY | O_TRUNC, 0));
    CHECK_EQ(size_of("f"), 0);
    char c;
    CHECK_EQ(read(fd, &c, 1), 0);
}

TEST(openat, o_append_is_reported_by_f_getfl) {
    harness_write_file("f", "abc");
    int fd = CHECK_OK(sys_openat(AT_FDCWD, "f", O_WRONLY | O_APPEND, 0));
    int fl = CHECK_OK(fcntl(fd, F_GETFL));
    CHECK(fl & O_APPEND);
    CHECK_EQ(fl & O_ACCMODE, O_WRONLY);
    /* Opening does not move the offset: it is 0 until the first write. */
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
    CHECK_EQ(write(fd, "d", 1), 1);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 4);
}

TEST(openat, o_creat_with_o_directory_is_einval) {
    /* Since Linux 6.4 this combination is refused outright, created or not. */
    CHECK_ERR(sys_openat(AT_FDCWD, "new", O_CREAT | O_DIRECTORY | O_RDONLY, 0700), EINVAL);
    CHECK_ERR(access("new", F_OK), ENOENT);
}

TEST(openat, unknown_flag_bits_are_ignored) {
    harness_write_file("f", "x");
    CHECK_OK(sys_openat(AT_FDCWD, "f", O_RDONLY | 0x40000000, 0));
}

/* ---- openat: O_DIRECTORY, directories, trailing slashes ---- */

TEST(openat, o_directory_on_a_regular_file_is_enotdir) {
    harness_write_file("f", "x");
    CHECK_ERR(sys_openat(AT_FDCWD, "f", O_RDONLY | O_DIRECTORY, 0), ENOTDIR);
    CHECK_OK(mkdir("d", 0700));
    int fd = CHECK_OK(sys_openat(AT_FDCWD, "d", O_RDONLY | O_DIRECTORY, 0));
    CHECK(S_ISDIR(mode_of_fd(fd)));
}

TEST(openat, o_directory_follows_a_symlink_to_a_directory) {
    CHECK_OK(mkdir("d", 0700));
    CHECK_OK(symlink("d", "ld"));
    int fd = CHECK_OK(sys_openat(AT_FDCWD, "ld", O_RDONLY | O_DIRECTORY, 0));
    CHECK(S_ISDIR(mode_of_fd(fd)));
}

TEST(openat, a_directory_opened_for_writing_is_eisdir) {
    CHECK_OK(mkdir("d", 0700));
    CHECK_ERR(sys_openat(AT_FDCWD, "d", O_WRONLY, 0), EISDIR);
    CHECK_ERR(sys_openat(AT_FDCWD, "d", O_RDWR, 0), EISDIR);
    CHECK_ERR(sys_openat(AT_FDCWD, "d", O_CREAT | O_RDONLY, 0600), EISDIR);
    CHECK_ERR(sys_openat(AT_FDCWD, "d", O_RDONLY | O_TRUNC, 0), EISDIR);
    CHECK_OK(sys_openat(AT_FDCWD, "d", O_RDONLY, 0));
}

TEST(openat, trailing_slash_on_a_regular_file_is_enotdir) {
    harness_write_file("f", "x");
    CHECK_OK(symlink("f", "lf"));
    CHECK_ERR(sys_openat(AT_FDCWD, "f/", O_RDONLY, 0), ENOTDIR);
    CHECK_ERR(sys_openat(AT_FDCWD, "lf/", O_RDONLY, 0), ENOTDIR);
    CHECK_ERR(sys_openat(AT_FDCWD, "f/.", O_RDONLY, 0), ENOTDIR);
}

TEST(openat, trailing_slash_on_a_directory_is_accepted) {
    CHECK_OK(mkdir("d", 0700));
    CHECK_OK(symlink("d", "ld"));
    CHECK(S_ISDIR(mode_of_fd(CHECK_OK(sys_openat(AT_FDCWD, "d/", O_RDONLY, 0)))));
    CHECK(S_ISDIR(mode_of_fd(CHECK_OK(sys_openat(AT_FDCWD, "d//", O_RDONLY, 0)))));
    CHECK(S_ISDIR(mode_of_fd(CHECK_OK(sys_openat(AT_FDCWD, "ld/", O_RDONLY, 0)))));
}

TEST(openat, o_creat_with_a_trailing_slash_is_eisdir) {
    CHECK_ERR(sys_openat(AT_FDCWD, "new/", O_CREAT | O_WRONLY, 0600), EISDIR);
    CHECK_ERR(access("new", F_OK), ENOENT);
}

TEST(openat, a_file_as_a_path_component_is_enotdir) {
    harness_write_file("f", "x");
    CHECK_ERR(sys_openat(AT_FDCWD, "f/x", O_RDONLY, 0), ENOTDIR);
    CHECK_ERR(sys_openat(AT_FDCWD, "f/x", O_CREAT | O_RDWR, 0600), ENOTDIR);
}

/* ---- openat: symlinks ---- */

TEST(openat, o_nofollow_on_a_symlink_is_eloop) {
    harness_write_file("f", "x");
    CHECK_OK(symlink("f", "lf"));
    CHECK_ERR(sys_openat(AT_FDCWD, "lf", O_RDONLY | O_NOFOLLOW, 0), ELOOP);
    CHECK_ERR(sys_openat(AT_FDCWD, "lf", O_CREAT | O_RDWR | O_NOFOLLOW, 0600), ELOOP);
    CHECK_OK(sys_openat(AT_FDCWD, "f", O_RDONLY | O_NOFOLLOW, 0));
}

TEST(openat, o_nofollow_only_concerns_the_last_component) {
    CHECK_OK(mkdir("d", 0700));
    harness_write_file("d/f", "x");
    CHECK_OK(symlink("d", "ld"));
    CHECK_OK(sys_openat(AT_FDCWD, "ld/f", O_RDONLY | O_NOFOLLOW, 0));
}

TEST(openat, a_symlink_loop_is_eloop) {
    CHECK_OK(symlink("b", "a"));
    CHECK_OK(symlink("a", "b"));
    CHECK_ERR(sys_openat(AT_FDCWD, "a", O_RDONLY, 0), ELOOP);
    CHECK_OK(symlink("self", "self"));
    CHECK_ERR(sys_openat(AT_FDCWD, "self", O_CREAT | O_RDWR, 0600), ELOOP);
    CHECK_ERR(sys_openat(AT_FDCWD, "self/x", O_RDONLY, 0), ELOOP);
}

TEST(openat, forty_symlinks_are_followed_but_not_forty_one) {
    harness_write_file("f", "x");
    char name[16], prev[16] = "f";
    for (int i = 0; i <= 40; i++) {
        snprintf(name, sizeof name, "l%d", i);
        CHECK_OK(symlink(prev, name));
        strcpy(prev, name);
    }
    /* l39 takes 40 link traversals to reach f, l40 takes 41. */
    CHECK_OK(sys_openat(AT_FDCWD, "l39", O_RDONLY, 0));
    CHECK_ERR(sys_openat(AT_FDCWD, "l40", O_RDONLY, 0), ELOOP);
}

/* ---- openat: O_PATH and O_CLOEXEC ---- */

TEST(openat, o_path_descriptor_cannot_read_or_write) {
    harness_write_file("f", "data");
    int fd = CHECK_OK(sys_openat(AT_FDCWD, "f", O_PATH | O_RDWR, 0));
    char c;
    CHECK_ERR(read(fd, &c, 1), EBADF);
    CHECK_ERR(write(fd, "x", 1), EBADF);
    CHECK(S_ISREG(mode_of_fd(fd)));
    CHECK(CHECK_OK(fcntl(fd, F_GETFL)) & O_PATH);
}

TEST(openat, o_path_with_o_nofollow_opens_the_symlink_itself) {
    CHECK_OK(symlink("nowhere", "link"));
    int fd = CHECK_OK(sys_openat(AT_FDCWD, "link", O_PATH | O_NOFOLLOW, 0));
    CHECK(S_ISLNK(mode_of_fd(fd)));
    char buf[16] = {0};
    CHECK_EQ(readlinkat(fd, "", buf, sizeof buf), 7);
    CHECK_STR(buf, "nowhere");
}

TEST(openat, o_path_directory_works_as_a_dirfd) {
    CHECK_OK(mkdir("d", 0700));
    harness_write_file("d/f", "inside");
    int dfd = CHECK_OK(sys_openat(AT_FDCWD, "d", O_PATH | O_DIRECTORY, 0));
    int fd = CHECK_OK(sys_openat(dfd, "f", O_RDONLY, 0));
    char buf[8] = {0};
    CHECK_EQ(read(fd, buf, sizeof buf), 6);
    CHECK_STR(buf, "inside");
}

TEST(openat, o_cloexec_sets_fd_cloexec) {
    harness_write_file("f", "x");
    int fd = CHECK_OK(sys_openat(AT_FDCWD, "f", O_RDONLY | O_CLOEXEC, 0));
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    int fd2 = CHECK_OK(sys_openat(AT_FDCWD, "f", O_RDONLY, 0));
    CHECK_EQ(fcntl(fd2, F_GETFD), 0);
    /* O_CLOEXEC is a descriptor flag, not a file status flag. */
    CHECK_EQ(CHECK_OK(fcntl(fd, F_GETFL)) & O_CLOEXEC, 0);
}

/* ---- openat: name limits ---- */

TEST(openat, a_component_longer_than_name_max_is_enametoolong) {
    char name[NAME_MAX + 2];
    memset(name, 'n', NAME_MAX + 1);
    name[NAME_MAX + 1] = 0;
    CHECK_ERR(sys_openat(AT_FDCWD, name, O_CREAT | O_RDWR, 0600), ENAMETOOLONG);
    CHECK_ERR(sys_openat(AT_FDCWD, name, O_RDONLY, 0), ENAMETOOLONG);
    /* Exactly NAME_MAX is fine. */
    name[NAME_MAX] = 0;
    CHECK_OK(sys_openat(AT_FDCWD, name, O_CREAT | O_RDWR, 0600));
}

TEST(openat, a_path_of_path_max_bytes_is_enametoolong) {
    /* Short components ("./" repeated): only the total length is too long. */
    static char path[PATH_MAX + 16];
    size_t n = 0;
    for (; n < PATH_MAX; n++)
        path[n] = n % 2 ? '/' : '.';
    memcpy(path + n, "f", 2);
    CHECK_ERR(sys_openat(AT_FDCWD, path, O_CREAT | O_RDWR, 0600), ENAMETOOLONG);
    /* The same file through a path that fits is fine. */
    path[PATH_MAX - 2] = 'f';
    path[PATH_MAX - 1] = 0;
    CHECK_OK(sys_openat(AT_FDCWD, path, O_CREAT | O_RDWR, 0600));
}

/* ---- openat: dirfds ---- */

TEST(openat, a_relative_path_resolves_from_the_dirfd) {
    CHECK_OK(mkdir("d", 0700));
    int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    int fd = CHECK_OK(sys_openat(dfd, "f", O_CREAT | O_WRONLY, 0600));
    CHECK_EQ(write(fd, "xy", 2), 2);
    CHECK_EQ(size_of("d/f"), 2);
    CHECK_ERR(access("f", F_OK), ENOENT);
    /* ".." from the dirfd is the cwd. */
    harness_write_file("top", "t");
    CHECK_OK(sys_openat(dfd, "../top", O_RDONLY, 0));
}

TEST(openat, at_fdcwd_resolves_from_the_working_directory) {
    CHECK_OK(mkdir("d", 0700));
    harness_write_file("d/f", "x");
    CHECK_OK(chdir("d"));
    CHECK_OK(sys_openat(AT_FDCWD, "f", O_RDONLY, 0));
    CHECK_ERR(sys_openat(AT_FDCWD, "d/f", O_RDONLY, 0), ENOENT);
}

TEST(openat, a_bad_dirfd_is_ebadf_for_relative_paths_only) {
    CHECK_ERR(sys_openat(-5, "f", O_CREAT | O_RDWR, 0600), EBADF);
    CHECK_ERR(sys_openat(12345, "f", O_RDONLY, 0), EBADF);
    /* An absolute path ignores the dirfd entirely. */
    char path[4200];
    snprintf(path, sizeof path, "%s/abs", harness_tmpdir());
    CHECK_OK(sys_openat(-5, path, O_CREAT | O_RDWR, 0600));
    CHECK_OK(access("abs", F_OK));
}

TEST(openat, a_dirfd_that_is_not_a_directory_is_enotdir) {
    harness_write_file("f", "x");
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_ERR(sys_openat(fd, "g", O_CREAT | O_RDWR, 0600), ENOTDIR);
    CHECK_ERR(sys_openat(fd, "g", O_RDONLY, 0), ENOTDIR);
}

/* ---- creat ---- */

TEST(creat, opens_write_only_and_truncates) {
    harness_write_file("f", "old contents");
    int fd = CHECK_OK(sys_creat("f", 0600));
    CHECK_EQ(size_of("f"), 0);
    CHECK_EQ(CHECK_OK(fcntl(fd, F_GETFL)) & O_ACCMODE, O_WRONLY);
    char c;
    CHECK_ERR(read(fd, &c, 1), EBADF);
    CHECK_EQ(write(fd, "new", 3), 3);
    CHECK_EQ(size_of("f"), 3);
}

TEST(creat, creates_a_missing_file_with_the_masked_mode) {
    umask(077);
    int fd = CHECK_OK(sys_creat("f", 0666));
    CHECK(S_ISREG(mode_of_fd(fd)));
    CHECK_EQ(mode_of_fd(fd) & 07777, 0600);
}

TEST(creat, errors_of_the_path) {
    CHECK_OK(mkdir("d", 0700));
    CHECK_ERR(sys_creat("d", 0600), EISDIR);
    CHECK_ERR(sys_creat("missing/f", 0600), ENOENT);
    CHECK_ERR(sys_creat("", 0600), ENOENT);
    CHECK_ERR(sys_creat(BAD_PTR, 0600), EFAULT);
}

/* ---- close ---- */

TEST(close, frees_the_number_for_reuse) {
    harness_write_file("f", "x");
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_OK(close(fd));
    char c;
    CHECK_ERR(read(fd, &c, 1), EBADF);
    CHECK_EQ(CHECK_OK(open("f", O_RDONLY)), fd);
}

TEST(close, leaves_a_duplicate_usable) {
    harness_write_file("f", "xy");
    int fd = CHECK_OK(open("f", O_RDONLY));
    int d = CHECK_OK(dup(fd));
    CHECK_OK(close(fd));
    char buf[2];
    CHECK_EQ(read(d, buf, 2), 2);
    CHECK_MEM(buf, "xy", 2);
    CHECK_ERR(close(1 << 20), EBADF);
}

/* ---- access, faccessat, faccessat2 ---- */

TEST(access, f_ok_tells_whether_a_path_exists) {
    harness_write_file("f", "x");
    CHECK_EQ(CHECK_OK(sys_access("f", F_OK)), 0);
    CHECK_OK(sys_access(".", F_OK));
    CHECK_ERR(sys_access("missing", F_OK), ENOENT);
    CHECK_ERR(sys_access("f/x", F_OK), ENOTDIR);
    CHECK_OK(symlink("missing", "dangling"));
    CHECK_ERR(sys_access("dangling", F_OK), ENOENT);
}

TEST(access, root_needs_an_execute_bit_for_x_ok) {
    /* Root passes read and write checks always, but X_OK on a regular file only when
     * some execute bit is set. */
    harness_write_file("f", "x");
    CHECK_OK(chmod("f", 0));
    CHECK_OK(sys_access("f", R_OK | W_OK));
    CHECK_ERR(sys_access("f", X_OK), EACCES);
    CHECK_OK(chmod("f", 0001));
    CHECK_OK(sys_access("f", X_OK));
    /* Directories are always searchable by root. */
    CHECK_OK(mkdir("d", 0));
    CHECK_OK(sys_access("d", R_OK | W_OK | X_OK));
}

TEST(access, bad_mode_or_pointer) {
    harness_write_file("f", "x");
    CHECK_ERR(sys_access("f", 8), EINVAL);
    CHECK_ERR(sys_access("f", -1), EINVAL);
    CHECK_ERR(sys_access(BAD_PTR, F_OK), EFAULT);
    CHECK_ERR(sys_access("", F_OK), ENOENT);
}

TEST(faccessat, resolves_relative_to_the_dirfd) {
    CHECK_OK(mkdir("d", 0700));
    harness_write_file("d/f", "x");
    int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_OK(sys_faccessat(dfd, "f", R_OK));
    CHECK_ERR(sys_faccessat(AT_FDCWD, "f", F_OK), ENOENT);
    CHECK_OK(sys_faccessat(AT_FDCWD, "d/f", F_OK));
}

TEST(faccessat, bad_dirfd) {
    harness_write_file("f", "x");
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_ERR(sys_faccessat(-7, "f", F_OK), EBADF);
    CHECK_ERR(sys_faccessat(fd, "f", F_OK), ENOTDIR);
    CHECK_ERR(sys_faccessat(AT_FDCWD, "f", 8), EINVAL);
}

TEST(faccessat2, at_empty_path_checks_the_dirfd_itself) {
    harness_write_file("f", "x");
    CHECK_OK(chmod("f", 0600));
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_OK(sys_faccessat2(fd, "", R_OK | W_OK, AT_EMPTY_PATH));
    CHECK_ERR(sys_faccessat2(fd, "", X_OK, AT_EMPTY_PATH), EACCES);
    /* Without the flag an empty path is ENOENT. */
    CHECK_ERR(sys_faccessat2(fd, "", F_OK, 0), ENOENT);
}

TEST(faccessat2, at_symlink_nofollow_checks_the_link) {
    CHECK_OK(symlink("missing", "dangling"));
    CHECK_ERR(sys_faccessat2(AT_FDCWD, "dangling", F_OK, 0), ENOENT);
    CHECK_OK(sys_faccessat2(AT_FDCWD, "dangling", F_OK, AT_SYMLINK_NOFOLLOW));
}

TEST(faccessat2, at_eaccess_is_accepted) {
    harness_write_file("f", "x");
    CHECK_OK(sys_faccessat2(AT_FDCWD, "f", R_OK, AT_EACCESS));
    CHECK_OK(sys_faccessat2(AT_FDCWD, "f", R_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW));
}

TEST(faccessat2, unknown_flags_or_mode_are_einval) {
    harness_write_file("f", "x");
    CHECK_ERR(sys_faccessat2(AT_FDCWD, "f", F_OK, 0x1), EINVAL);
    CHECK_ERR(sys_faccessat2(AT_FDCWD, "f", F_OK, 0x8000), EINVAL);
    CHECK_ERR(sys_faccessat2(AT_FDCWD, "f", F_OK, AT_SYMLINK_FOLLOW), EINVAL);
    CHECK_ERR(sys_faccessat2(AT_FDCWD, "f", 8, 0), EINVAL);
}

TEST(faccessat2, bad_dirfd_is_ebadf) {
    CHECK_ERR(sys_faccessat2(-7, "f", F_OK, 0), EBADF);
    CHECK_ERR(sys_faccessat2(-7, "", F_OK, AT_EMPTY_PATH), EBADF);
}

/* ---- O_TMPFILE ---- */

TEST(openat, o_tmpfile_makes_an_unnamed_file_with_no_links) {
    int fd = CHECK_OK(open(".", O_TMPFILE | O_RDWR, 0600));
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_nlink, 0);
    CHECK_EQ(st.st_mode & 0777, 0600);
    CHECK_EQ(write(fd, "abc", 3), 3);
    /* Nothing new in the directory. */
    DIR *d = opendir(".");
    CHECK(d != NULL);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        entries += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    CHECK_EQ(entries, 0);
}

TEST(openat, o_tmpfile_needs_write_access) {
    CHECK_ERR(open(".", O_TMPFILE | O_RDONLY, 0600), EINVAL);
}

TEST(openat, o_tmpfile_of_a_regular_file_is_enotdir) {
    harness_write_file("f", "");
    CHECK_ERR(open("f", O_TMPFILE | O_RDWR, 0600), ENOTDIR);
}

TEST(linkat, an_o_excl_tmpfile_cannot_be_named) {
    int fd = CHECK_OK(open(".", O_TMPFILE | O_RDWR | O_EXCL, 0600));
    CHECK_ERR(linkat(fd, "", AT_FDCWD, "named", AT_EMPTY_PATH), ENOENT);
}

/* ---- openat2 ---- */
#include <linux/openat2.h>

static long openat2_(int dirfd, const char *path, __u64 flags, __u64 mode, __u64 resolve) {
    struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
    return syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

TEST(openat2, opens_and_creates_like_openat) {
    int fd = CHECK_OK(openat2_(AT_FDCWD, "f", O_CREAT | O_RDWR, 0600, 0));
    CHECK_EQ(write(fd, "x", 1), 1);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_mode & 0777, 0600);
    CHECK_OK(openat2_(AT_FDCWD, "f", O_RDONLY, 0, 0));
}

TEST(openat2, is_strict_about_flags_mode_and_size) {
    CHECK_OK(close(CHECK_OK(open("f", O_CREAT | O_RDWR, 0600))));
    CHECK_ERR(openat2_(AT_FDCWD, "f", O_RDONLY, 0644, 0), EINVAL);
    CHECK_ERR(openat2_(AT_FDCWD, "f", O_CREAT | O_RDWR, 010000, 0), EINVAL);
    CHECK_ERR(openat2_(AT_FDCWD, "f", 1ULL << 40, 0, 0), EINVAL);
    CHECK_ERR(openat2_(AT_FDCWD, "f", O_PATH | O_RDWR, 0, 0), EINVAL);
    CHECK_ERR(openat2_(AT_FDCWD, "f", O_RDONLY, 0, 1ULL << 20), EINVAL);
    CHECK_ERR(openat2_(AT_FDCWD, "f", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT), EINVAL);
    struct open_how how = {.flags = O_RDONLY};
    CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "f", &how, 16), EINVAL);
    CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "f", BAD_PTR, sizeof how), EFAULT);
    struct {
        struct open_how how;
        __u64 extra;
    } big = {{.flags = O_RDONLY}, 0};
    CHECK_OK(syscall(SYS_openat2, AT_FDCWD, "f", &big, sizeof big));
    big.extra = 1;
    CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "f", &big, sizeof big), E2BIG);
}

TEST(openat2, resolve_no_symlinks_refuses_any_symlink) {
    CHECK_OK(mkdir("d", 0700));
    CHECK_OK(close(CHECK_OK(open("d/f", O_CREAT | O_RDWR, 0600))));
    CHECK_OK(symlink("d", "dl"));
    CHECK_OK(symlink("d/f", "fl"));
    CHECK_ERR(openat2_(AT_FDCWD, "dl/f", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP);
    CHECK_ERR(openat2_(AT_FDCWD, "fl", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP);
    CHECK_OK(openat2_(AT_FDCWD, "d/f", O_RDONLY, 0, RESOLVE_NO_SYMLINKS));
    /* O_PATH|O_NOFOLLOW names the link itself without following it. */
    CHECK_OK(openat2_(AT_FDCWD, "fl", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS));
}

TEST(openat2, resolve_beneath_keeps_the_walk_under_dirfd) {
    CHECK_OK(mkdir("d", 0700));
    CHECK_OK(mkdir("d/sub", 0700));
    CHECK_OK(close(CHECK_OK(open("d/sub/f", O_CREAT | O_RDWR, 0600))));
    CHECK_OK(close(CHECK_OK(open("outside", O_CREAT | O_RDWR, 0600))));
    CHECK_OK(symlink("/etc/passwd", "d/abs"));
    CHECK_OK(symlink("../outside", "d/up"));
    int d = CHECK_OK(open("d", O_PATH | O_DIRECTORY));
    CHECK_OK(openat2_(d, "sub/f", O_RDONLY, 0, RESOLVE_BENEATH));
    CHECK_OK(openat2_(d, "sub/../sub/f", O_RDONLY, 0, RESOLVE_BENEATH));
    CHECK_ERR(openat2_(d, "../outside", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
    CHECK_ERR(openat2_(d, "/etc/passwd", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
    CHECK_ERR(openat2_(d, "abs", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
    CHECK_ERR(openat2_(d, "up", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
}

TEST(openat2, resolve_in_root_treats_dirfd_as_the_root) {
    CHECK_OK(mkdir("r", 0700));
    CHECK_OK(mkdir("r/etc", 0700));
    int f = CHECK_OK(open("r/etc/passwd", O_CREAT | O_RDWR, 0600));
    CHECK_EQ(write(f, "jail", 4), 4);
    CHECK_OK(symlink("/etc/passwd", "r/abs"));
    int r = CHECK_OK(open("r", O_PATH | O_DIRECTORY));
    char buf[8] = {0};
    int a = CHECK_OK(openat2_(r, "/etc/passwd", O_RDONLY, 0, RESOLVE_IN_ROOT));
    CHECK_EQ(read(a, buf, sizeof buf), 4);
    CHECK_MEM(buf, "jail", 4);
    int b = CHECK_OK(openat2_(r, "abs", O_RDONLY, 0, RESOLVE_IN_ROOT));
    CHECK_EQ(read(b, buf, sizeof buf), 4);
    int c = CHECK_OK(openat2_(r, "../../etc/passwd", O_RDONLY, 0, RESOLVE_IN_ROOT));
    CHECK_EQ(read(c, buf, sizeof buf), 4);
    CHECK_MEM(buf, "jail", 4);
}

TEST(openat2, resolve_no_magiclinks_refuses_proc_fd_links) {
    int f = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", f);
    CHECK_OK(openat2_(AT_FDCWD, path, O_RDONLY, 0, 0));
    CHECK_ERR(openat2_(AT_FDCWD, path, O_RDONLY, 0, RESOLVE_NO_MAGICLINKS), ELOOP);
    /* /proc/self itself is an ordinary symlink. */
    CHECK_OK(openat2_(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS));
}

TEST(openat2, resolve_no_xdev_refuses_crossing_a_mount) {
    CHECK_ERR(openat2_(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, RESOLVE_NO_XDEV), EXDEV);
    int root = CHECK_OK(open("/", O_PATH | O_DIRECTORY));
    CHECK_ERR(openat2_(root, "proc", O_RDONLY | O_DIRECTORY, 0, RESOLVE_NO_XDEV), EXDEV);
    CHECK_OK(openat2_(AT_FDCWD, ".", O_RDONLY | O_DIRECTORY, 0, RESOLVE_NO_XDEV));
}

TEST(openat2, resolve_cached_create_is_eagain) {
    CHECK_ERR(openat2_(AT_FDCWD, "new", O_CREAT | O_RDWR, 0600, RESOLVE_CACHED), EAGAIN);
}
