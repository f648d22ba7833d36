/* Names in the directory tree: link, linkat, unlink, unlinkat, symlink, symlinkat,
 * readlink, readlinkat, mknod, mknodat, mkdir, mkdirat, rmdir, creat, and the path walk
 * rules every path-taking call shares (`..` at the root, symlink loops and the 40-link
 * limit, NAME_MAX and PATH_MAX, ENOTDIR through a file, trailing slashes), checked
 * through newfstatat and openat. */
#include "harness.h"

#include <limits.h>
#include <sys/sysmacros.h>

static struct stat stat_of(const char *path) {
    struct stat st;
    CHECK_OK(stat(path, &st));
    return st;
}

static struct stat lstat_of(const char *path) {
    struct stat st;
    CHECK_OK(lstat(path, &st));
    return st;
}

static int same_inode(const struct stat *a, const struct stat *b) {
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* ---- link, linkat ---- */

TEST(link, creates_a_second_name_for_the_inode) {
    harness_write_file("f", "data");
    CHECK_OK(link("f", "g"));
    struct stat f = stat_of("f"), g = stat_of("g");
    CHECK(same_inode(&f, &g));
    CHECK_EQ(f.st_nlink, 2);
    CHECK_OK(unlink("f"));
    CHECK_EQ(stat_of("g").st_nlink, 1);
}

TEST(link, existing_new_name_is_eexist) {
    harness_write_file("f", "");
    harness_write_file("g", "");
    CHECK_ERR(link("f", "g"), EEXIST);
    CHECK_OK(symlink("nowhere", "dangling"));
    CHECK_ERR(link("f", "dangling"), EEXIST);
}

TEST(link, directory_is_eperm) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_ERR(link("d", "e"), EPERM);
}

TEST(link, missing_source_or_parent_is_enoent) {
    harness_write_file("f", "");
    CHECK_ERR(link("missing", "g"), ENOENT);
    CHECK_ERR(link("f", "nodir/g"), ENOENT);
    CHECK_ERR(link("f", BAD_PTR), EFAULT);
}

TEST(link, does_not_follow_a_symlink_source) {
    harness_write_file("f", "");
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(link("l", "l2"));
    struct stat l = lstat_of("l"), l2 = lstat_of("l2");
    CHECK(S_ISLNK(l2.st_mode));
    CHECK(same_inode(&l, &l2));
    CHECK_EQ(stat_of("f").st_nlink, 1);
}

TEST(link, across_file_systems_is_exdev) {
    harness_write_file("f", "");
    /* /dev/shm is another file system (a tmpfs); the failed call creates nothing. */
    CHECK_ERR(link("f", "/dev/shm/veil-conformance-link"), EXDEV);
}

TEST(linkat, symlink_follow_links_the_target) {
    harness_write_file("f", "");
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(linkat(AT_FDCWD, "l", AT_FDCWD, "g", AT_SYMLINK_FOLLOW));
    struct stat f = stat_of("f"), g = lstat_of("g");
    CHECK(S_ISREG(g.st_mode));
    CHECK(same_inode(&f, &g));
    CHECK_EQ(f.st_nlink, 2);
}

TEST(linkat, symlink_follow_on_a_dangling_link_is_enoent) {
    CHECK_OK(symlink("nowhere", "l"));
    CHECK_ERR(linkat(AT_FDCWD, "l", AT_FDCWD, "g", AT_SYMLINK_FOLLOW), ENOENT);
    /* Without the flag the link itself gets the new name. */
    CHECK_OK(linkat(AT_FDCWD, "l", AT_FDCWD, "g", 0));
    CHECK(S_ISLNK(lstat_of("g").st_mode));
}

TEST(linkat, names_are_relative_to_the_dirfds) {
    CHECK_OK(mkdir("a", 0755));
    CHECK_OK(mkdir("b", 0755));
    harness_write_file("a/f", "x");
    int da = CHECK_OK(open("a", O_RDONLY | O_DIRECTORY));
    int db = CHECK_OK(open("b", O_RDONLY | O_DIRECTORY));
    CHECK_OK(linkat(da, "f", db, "g", 0));
    struct stat f = stat_of("a/f"), g = stat_of("b/g");
    CHECK(same_inode(&f, &g));
    CHECK_ERR(linkat(-1, "f", db, "h", 0), EBADF);
    int file = CHECK_OK(open("a/f", O_RDONLY));
    CHECK_ERR(linkat(file, "f", db, "h", 0), ENOTDIR);
}

TEST(linkat, empty_path_links_an_open_file) {
    /* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH: the suite runs as root. */
    harness_write_file("f", "data");
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_OK(linkat(fd, "", AT_FDCWD, "g", AT_EMPTY_PATH));
    struct stat f = stat_of("f"), g = stat_of("g");
    CHECK(same_inode(&f, &g));
    CHECK_EQ(g.st_nlink, 2);
    /* Without the flag an empty path is just a missing name. */
    CHECK_ERR(linkat(fd, "", AT_FDCWD, "h", 0), ENOENT);
}

TEST(linkat, empty_path_on_an_unlinked_file_is_enoent) {
    harness_write_file("f", "data");
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_OK(unlink("f"));
    CHECK_ERR(linkat(fd, "", AT_FDCWD, "g", AT_EMPTY_PATH), ENOENT);
    CHECK_ERR(access("g", F_OK), ENOENT);
}

TEST(linkat, empty_path_gives_an_o_tmpfile_a_name) {
    int fd = CHECK_OK(open(".", O_TMPFILE | O_RDWR, 0600));
    CHECK_EQ(write(fd, "tmp", 3), 3);
    CHECK_OK(linkat(fd, "", AT_FDCWD, "named", AT_EMPTY_PATH));
    char buf[8] = {0};
    int r = CHECK_OK(open("named", O_RDONLY));
    CHECK_EQ(read(r, buf, sizeof buf), 3);
    CHECK_STR(buf, "tmp");
}

TEST(linkat, unknown_flag_is_einval) {
    harness_write_file("f", "");
    CHECK_ERR(linkat(AT_FDCWD, "f", AT_FDCWD, "g", 0x8000000), EINVAL);
    CHECK_ERR(linkat(AT_FDCWD, "f", AT_FDCWD, "g", AT_SYMLINK_NOFOLLOW), EINVAL);
}

/* ---- unlink, unlinkat ---- */

TEST(unlink, removes_the_name_but_an_open_file_lives_on) {
    harness_write_file("f", "still here");
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_OK(unlink("f"));
    CHECK_ERR(access("f", F_OK), ENOENT);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_nlink, 0);
    char buf[16] = {0};
    CHECK_EQ(read(fd, buf, sizeof buf), 10);
    CHECK_STR(buf, "still here");
}

TEST(unlink, directory_is_eisdir) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_ERR(unlink("d"), EISDIR);
    CHECK_OK(access("d", F_OK));
}

TEST(unlink, missing_or_through_a_file_fails) {
    harness_write_file("f", "");
    CHECK_ERR(unlink("missing"), ENOENT);
    CHECK_ERR(unlink("f/x"), ENOTDIR);
    CHECK_ERR(unlink("f/"), ENOTDIR);
    CHECK_ERR(unlink(""), ENOENT);
    CHECK_ERR(unlink(BAD_PTR), EFAULT);
}

TEST(unlink, symlink_removes_the_link_only) {
    harness_write_file("f", "");
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(unlink("l"));
    CHECK_ERR(lstat("l", &(struct stat){0}), ENOENT);
    CHECK_OK(access("f", F_OK));
}

TEST(unlinkat, removedir_removes_an_empty_directory) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(mkdir("d/sub", 0755));
    int d = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_OK(unlinkat(d, "sub", AT_REMOVEDIR));
    CHECK_ERR(access("d/sub", F_OK), ENOENT);
    CHECK_OK(unlinkat(AT_FDCWD, "d", AT_REMOVEDIR));
    CHECK_ERR(access("d", F_OK), ENOENT);
}

TEST(unlinkat, removedir_on_a_file_is_enotdir) {
    harness_write_file("f", "");
    CHECK_ERR(unlinkat(AT_FDCWD, "f", AT_REMOVEDIR), ENOTDIR);
    CHECK_OK(access("f", F_OK));
}

TEST(unlinkat, directory_without_removedir_is_eisdir) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_ERR(unlinkat(AT_FDCWD, "d", 0), EISDIR);
    harness_write_file("d/f", "");
    CHECK_ERR(unlinkat(AT_FDCWD, "d", AT_REMOVEDIR), ENOTEMPTY);
}

TEST(unlinkat, bad_flag_or_dirfd_fails) {
    harness_write_file("f", "");
    CHECK_ERR(unlinkat(AT_FDCWD, "f", AT_SYMLINK_NOFOLLOW), EINVAL);
    CHECK_ERR(unlinkat(AT_FDCWD, "f", 1), EINVAL);
    CHECK_ERR(unlinkat(-1, "f", 0), EBADF);
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_ERR(unlinkat(fd, "x", 0), ENOTDIR);
    CHECK_OK(access("f", F_OK));
}

/* ---- symlink, symlinkat, readlink, readlinkat ---- */

TEST(symlink, creates_a_link_holding_the_target_text) {
    CHECK_OK(symlink("some/target", "l"));
    struct stat st = lstat_of("l");
    CHECK(S_ISLNK(st.st_mode));
    CHECK_EQ(st.st_size, strlen("some/target"));
    CHECK_EQ(st.st_mode & 07777, 0777);
    /* A dangling link: following it finds nothing. */
    CHECK_ERR(stat("l", &st), ENOENT);
}

TEST(symlink, existing_name_is_eexist) {
    harness_write_file("f", "");
    CHECK_ERR(symlink("x", "f"), EEXIST);
    CHECK_OK(symlink("x", "l"));
    CHECK_ERR(symlink("y", "l"), EEXIST);
}

TEST(symlink, empty_target_is_enoent) {
    CHECK_ERR(symlink("", "l"), ENOENT);
    CHECK_ERR(symlink(BAD_PTR, "l"), EFAULT);
    CHECK_ERR(symlink("x", "nodir/l"), ENOENT);
}

TEST(symlink, target_longer_than_path_max_is_enametoolong) {
    char *t = malloc(PATH_MAX + 1);
    memset(t, 'a', PATH_MAX);
    t[PATH_MAX] = 0;
    CHECK_ERR(symlink(t, "l"), ENAMETOOLONG);
    /* PATH_MAX - 1 bytes fit (ext4 and tmpfs both allow a page-sized target). */
    t[PATH_MAX - 1] = 0;
    CHECK_OK(symlink(t, "l"));
    CHECK_EQ(lstat_of("l").st_size, PATH_MAX - 1);
    free(t);
}

TEST(symlinkat, name_is_relative_to_the_dirfd) {
    CHECK_OK(mkdir("d", 0755));
    harness_write_file("d/f", "x");
    int d = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_OK(symlinkat("f", d, "l"));
    /* The target text is resolved relative to the link's own directory. */
    struct stat f = stat_of("d/f"), l = stat_of("d/l");
    CHECK(same_inode(&f, &l));
}

TEST(symlinkat, bad_dirfd_is_ebadf_or_enotdir) {
    CHECK_ERR(symlinkat("x", -1, "l"), EBADF);
    harness_write_file("f", "");
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_ERR(symlinkat("x", fd, "l"), ENOTDIR);
    /* An absolute name ignores the dirfd. */
    char path[4200];
    snprintf(path, sizeof path, "%s/abs", harness_tmpdir());
    CHECK_OK(symlinkat("x", -1, path));
    CHECK(S_ISLNK(lstat_of("abs").st_mode));
}

TEST(readlink, returns_the_target_without_a_nul) {
    CHECK_OK(symlink("target", "l"));
    char buf[32];
    memset(buf, 'X', sizeof buf);
    CHECK_EQ(readlink("l", buf, sizeof buf), 6);
    CHECK_MEM(buf, "target", 6);
    CHECK_EQ(buf[6], 'X');
}

TEST(readlink, short_buffer_truncates_silently) {
    CHECK_OK(symlink("a-long-target", "l"));
    char buf[8];
    memset(buf, 'X', sizeof buf);
    CHECK_EQ(readlink("l", buf, 4), 4);
    CHECK_MEM(buf, "a-lo", 4);
    CHECK_EQ(buf[4], 'X');
}

TEST(readlink, non_link_is_einval) {
    harness_write_file("f", "");
    CHECK_OK(mkdir("d", 0755));
    char buf[8];
    CHECK_ERR(readlink("f", buf, sizeof buf), EINVAL);
    CHECK_ERR(readlink("d", buf, sizeof buf), EINVAL);
    CHECK_ERR(readlink("missing", buf, sizeof buf), ENOENT);
}

TEST(readlink, bad_buffer_size_or_pointer_fails) {
    CHECK_OK(symlink("target", "l"));
    char buf[8];
    CHECK_ERR(readlink("l", buf, 0), EINVAL);
    /* The size is an int in the kernel: a huge size_t is negative. */
    CHECK_ERR(syscall(SYS_readlink, "l", buf, (size_t)-1), EINVAL);
    CHECK_ERR(readlink("l", BAD_PTR, sizeof buf), EFAULT);
}

TEST(readlinkat, path_is_relative_to_the_dirfd) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(symlink("../elsewhere", "d/l"));
    int d = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    char buf[32] = {0};
    CHECK_EQ(readlinkat(d, "l", buf, sizeof buf), 12);
    CHECK_STR(buf, "../elsewhere");
    CHECK_ERR(readlinkat(-1, "l", buf, sizeof buf), EBADF);
}

TEST(readlinkat, empty_path_reads_an_o_path_link_fd) {
    CHECK_OK(symlink("target", "l"));
    int fd = CHECK_OK(open("l", O_PATH | O_NOFOLLOW));
    char buf[32] = {0};
    CHECK_EQ(readlinkat(fd, "", buf, sizeof buf), 6);
    CHECK_STR(buf, "target");
}

TEST(readlinkat, non_link_is_einval) {
    harness_write_file("f", "");
    char buf[8];
    CHECK_ERR(readlinkat(AT_FDCWD, "f", buf, sizeof buf), EINVAL);
    CHECK_ERR(readlinkat(AT_FDCWD, ".", buf, sizeof buf), EINVAL);
}

TEST(readlinkat, bad_buffer_size_is_einval) {
    CHECK_OK(symlink("target", "l"));
    char buf[8];
    CHECK_ERR(readlinkat(AT_FDCWD, "l", buf, 0), EINVAL);
    CHECK_ERR(syscall(SYS_readlinkat, AT_FDCWD, "l", buf, (size_t)-1), EINVAL);
    CHECK_EQ(readlinkat(AT_FDCWD, "l", buf, 1), 1);
    CHECK_EQ(buf[0], 't');
}

/* ---- mknod, mknodat ---- */

TEST(mknod, fifo_creates_a_fifo) {
    CHECK_OK(syscall(SYS_mknod, "p", S_IFIFO | 0640, 0));
    struct stat st = lstat_of("p");
    CHECK(S_ISFIFO(st.st_mode));
    /* Opening both ends at once works without blocking. */
    int fd = CHECK_OK(open("p", O_RDWR));
    CHECK_EQ(write(fd, "x", 1), 1);
    char c;
    CHECK_EQ(read(fd, &c, 1), 1);
}

TEST(mknod, regular_file_and_umask) {
    umask(027);
    CHECK_OK(syscall(SYS_mknod, "f", S_IFREG | 0777, 0));
    struct stat st = lstat_of("f");
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_mode & 07777, 0750);
    CHECK_EQ(st.st_size, 0);
}

TEST(mknod, existing_name_is_eexist) {
    harness_write_file("f", "");
    CHECK_ERR(syscall(SYS_mknod, "f", S_IFIFO | 0600, 0), EEXIST);
    CHECK_ERR(syscall(SYS_mknod, "nodir/f", S_IFIFO | 0600, 0), ENOENT);
}

TEST(mknod, character_device_as_root_records_rdev) {
    CHECK_OK(syscall(SYS_mknod, "null", S_IFCHR | 0666, makedev(1, 3)));
    struct stat st = lstat_of("null");
    CHECK(S_ISCHR(st.st_mode));
    CHECK_EQ(major(st.st_rdev), 1);
    CHECK_EQ(minor(st.st_rdev), 3);
}

TEST(mknodat, fifo_relative_to_the_dirfd) {
    CHECK_OK(mkdir("d", 0755));
    int d = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_OK(mknodat(d, "p", S_IFIFO | 0600, 0));
    CHECK(S_ISFIFO(lstat_of("d/p").st_mode));
    CHECK_ERR(mknodat(d, "p", S_IFIFO | 0600, 0), EEXIST);
    CHECK_ERR(mknodat(-1, "q", S_IFIFO | 0600, 0), EBADF);
}

TEST(mknodat, zero_type_creates_a_regular_file) {
    CHECK_OK(mknodat(AT_FDCWD, "f", 0600, 0));
    struct stat st = lstat_of("f");
    CHECK(S_ISREG(st.st_mode));
    CHECK_OK(mknodat(AT_FDCWD, "g", S_IFREG | 0600, 0));
    CHECK(S_ISREG(lstat_of("g").st_mode));
}

TEST(mknodat, directory_type_is_eperm_and_bad_type_einval) {
    CHECK_ERR(mknodat(AT_FDCWD, "d", S_IFDIR | 0755, 0), EPERM);
    CHECK_ERR(mknodat(AT_FDCWD, "x", 0170000 | 0600, 0), EINVAL);
    CHECK_ERR(access("d", F_OK), ENOENT);
}

/* ---- mkdir, mkdirat, rmdir ---- */

TEST(mkdir, creates_a_directory_with_the_umask_applied) {
    umask(022);
    CHECK_OK(mkdir("d", 0777));
    struct stat st = lstat_of("d");
    CHECK(S_ISDIR(st.st_mode));
    CHECK_EQ(st.st_mode & 07777, 0755);
    CHECK_EQ(st.st_nlink, 2);
    umask(0);
    CHECK_OK(mkdir("s", 01777));
    CHECK_EQ(lstat_of("s").st_mode & 07777, 01777);
}

TEST(mkdir, raises_the_parent_link_count) {
    CHECK_OK(mkdir("p", 0755));
    CHECK_EQ(stat_of("p").st_nlink, 2);
    CHECK_OK(mkdir("p/a", 0755));
    CHECK_OK(mkdir("p/b", 0755));
    CHECK_EQ(stat_of("p").st_nlink, 4);
    CHECK_OK(rmdir("p/a"));
    CHECK_EQ(stat_of("p").st_nlink, 3);
}

TEST(mkdir, existing_name_is_eexist) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_ERR(mkdir("d", 0755), EEXIST);
    harness_write_file("f", "");
    CHECK_ERR(mkdir("f", 0755), EEXIST);
    CHECK_ERR(mkdir("f/", 0755), EEXIST);
    CHECK_OK(symlink("nowhere", "l"));
    CHECK_ERR(mkdir("l", 0755), EEXIST);
    CHECK_ERR(mkdir(".", 0755), EEXIST);
}

TEST(mkdir, missing_parent_is_enoent) {
    CHECK_ERR(mkdir("a/b", 0755), ENOENT);
    harness_write_file("f", "");
    CHECK_ERR(mkdir("f/b", 0755), ENOTDIR);
    CHECK_ERR(mkdir("", 0755), ENOENT);
}

TEST(mkdir, trailing_slash_is_allowed) {
    CHECK_OK(mkdir("d/", 0755));
    CHECK(S_ISDIR(lstat_of("d").st_mode));
    CHECK_OK(mkdir("d/e//", 0755));
    CHECK(S_ISDIR(lstat_of("d/e").st_mode));
}

TEST(mkdirat, name_is_relative_to_the_dirfd) {
    CHECK_OK(mkdir("d", 0755));
    int d = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_OK(mkdirat(d, "sub", 0700));
    CHECK(S_ISDIR(lstat_of("d/sub").st_mode));
    CHECK_ERR(mkdirat(-1, "x", 0700), EBADF);
}

TEST(mkdirat, o_path_dirfd_works_and_a_file_dirfd_is_enotdir) {
    CHECK_OK(mkdir("d", 0755));
    int d = CHECK_OK(open("d", O_PATH | O_DIRECTORY));
    CHECK_OK(mkdirat(d, "sub", 0700));
    CHECK(S_ISDIR(lstat_of("d/sub").st_mode));
    CHECK_ERR(mkdirat(d, "sub", 0700), EEXIST);
    harness_write_file("f", "");
    int f = CHECK_OK(open("f", O_RDONLY));
    CHECK_ERR(mkdirat(f, "x", 0700), ENOTDIR);
}

TEST(rmdir, nonempty_directory_is_enotempty) {
    CHECK_OK(mkdir("d", 0755));
    harness_write_file("d/f", "");
    CHECK_ERR(rmdir("d"), ENOTEMPTY);
    CHECK_OK(unlink("d/f"));
    CHECK_OK(rmdir("d"));
    CHECK_ERR(access("d", F_OK), ENOENT);
}

TEST(rmdir, file_or_link_is_enotdir) {
    harness_write_file("f", "");
    CHECK_ERR(rmdir("f"), ENOTDIR);
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(symlink("d", "l"));
    CHECK_ERR(rmdir("l"), ENOTDIR);
    CHECK_ERR(rmdir("missing"), ENOENT);
}

TEST(rmdir, dot_is_einval_and_dotdot_enotempty) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_ERR(rmdir("d/."), EINVAL);
    CHECK_ERR(rmdir("."), EINVAL);
    CHECK_ERR(rmdir("d/.."), ENOTEMPTY);
    CHECK_ERR(rmdir(".."), ENOTEMPTY);
    CHECK_OK(access("d", F_OK));
}

TEST(rmdir, root_is_ebusy) {
    CHECK_ERR(rmdir("/"), EBUSY);
}

TEST(rmdir, trailing_slash_is_allowed) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(rmdir("d/"));
    CHECK_ERR(access("d", F_OK), ENOENT);
}

TEST(rmdir, the_working_directory_can_be_removed) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(chdir("d"));
    CHECK_OK(rmdir("../d"));
    /* The directory lives on as the cwd, but nothing can be created in it. */
    CHECK_ERR(open("new", O_CREAT | O_WRONLY, 0600), ENOENT);
    struct stat st;
    CHECK_OK(stat(".", &st));
    CHECK_EQ(st.st_nlink, 0);
    char buf[4200];
    CHECK(getcwd(buf, sizeof buf) == NULL);
    CHECK_EQ(errno, ENOENT);
}

/* ---- creat ---- */

TEST(creat, opens_a_new_file_write_only) {
    int fd = CHECK_OK(creat("f", 0640));
    CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
    CHECK_EQ(write(fd, "abc", 3), 3);
    char c;
    CHECK_ERR(read(fd, &c, 1), EBADF);
    struct stat st = stat_of("f");
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_size, 3);
}

TEST(creat, truncates_an_existing_file) {
    harness_write_file("f", "old contents");
    int fd = CHECK_OK(creat("f", 0600));
    CHECK_EQ(stat_of("f").st_size, 0);
    /* The mode of an existing file is left as it was. */
    CHECK_EQ(stat_of("f").st_mode & 07777, 0644);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
}

TEST(creat, directory_is_eisdir) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_ERR(creat("d", 0600), EISDIR);
    CHECK_ERR(creat("nodir/f", 0600), ENOENT);
}

/* ---- the path walk ---- */

TEST(newfstatat, dotdot_at_the_root_stays_at_the_root) {
    struct stat root = stat_of("/");
    struct stat up = stat_of("/..");
    CHECK(same_inode(&root, &up));
    up = stat_of("/../../..");
    CHECK(same_inode(&root, &up));
    struct stat tmp = stat_of(harness_tmpdir());
    char path[4200];
    snprintf(path, sizeof path, "/../..%s", harness_tmpdir());
    struct stat via = stat_of(path);
    CHECK(same_inode(&tmp, &via));
}

TEST(newfstatat, dotdot_after_a_symlink_is_the_targets_parent) {
    CHECK_OK(mkdir("a", 0755));
    CHECK_OK(mkdir("a/b", 0755));
    CHECK_OK(mkdir("other", 0755));
    CHECK_OK(symlink("../a/b", "other/lb"));
    struct stat a = stat_of("a"), up = stat_of("other/lb/..");
    CHECK(same_inode(&a, &up));
}

TEST(newfstatat, symlink_loop_is_eloop) {
    CHECK_OK(symlink("b", "a"));
    CHECK_OK(symlink("a", "b"));
    CHECK_OK(symlink("self", "self"));
    struct stat st;
    CHECK_ERR(stat("a", &st), ELOOP);
    CHECK_ERR(stat("self", &st), ELOOP);
    CHECK_ERR(stat("self/x", &st), ELOOP);
    CHECK_ERR(open("a", O_RDONLY), ELOOP);
    /* lstat does not follow the last component. */
    CHECK(S_ISLNK(lstat_of("a").st_mode));
}

TEST(newfstatat, forty_nested_links_resolve_but_forty_one_is_eloop) {
    harness_write_file("f", "");
    char name[16], prev[16] = "f";
    for (int i = 1; i <= 41; i++) {
        snprintf(name, sizeof name, "l%d", i);
        CHECK_OK(symlink(prev, name));
        strcpy(prev, name);
    }
    struct stat f = stat_of("f"), l40 = stat_of("l40"), st;
    CHECK(same_inode(&f, &l40));
    CHECK_ERR(stat("l41", &st), ELOOP);
}

TEST(openat, nofollow_on_a_final_symlink_is_eloop) {
    harness_write_file("f", "");
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(symlink("d", "ld"));
    CHECK_ERR(open("l", O_RDONLY | O_NOFOLLOW), ELOOP);
    /* Only the last component is concerned. */
    harness_write_file("d/g", "");
    CHECK_OK(open("ld/g", O_RDONLY | O_NOFOLLOW));
}

TEST(newfstatat, component_longer_than_name_max_is_enametoolong) {
    char name[300];
    memset(name, 'n', 256);
    name[256] = 0;
    struct stat st;
    CHECK_ERR(stat(name, &st), ENAMETOOLONG);
    CHECK_ERR(open(name, O_CREAT | O_WRONLY, 0600), ENAMETOOLONG);
    CHECK_ERR(mkdir(name, 0755), ENAMETOOLONG);
    name[255] = 0;
    CHECK_ERR(stat(name, &st), ENOENT);
    CHECK_OK(mkdir(name, 0755));
}

TEST(newfstatat, path_of_path_max_bytes_is_enametoolong) {
    harness_write_file("f", "");
    /* "./././.../f": PATH_MAX - 1 bytes resolve, PATH_MAX bytes (no room for the NUL)
     * do not. */
    char *p = malloc(PATH_MAX + 2);
    size_t n = PATH_MAX - 1;
    for (size_t i = 0; i + 1 < n; i += 2)
        memcpy(p + i, "./", 2);
    p[n - 1] = 'f';
    p[n] = 0;
    CHECK_EQ(strlen(p), PATH_MAX - 1);
    struct stat st;
    CHECK_OK(stat(p, &st));
    /* One more slash: ".//./.../f" names the same file, in PATH_MAX bytes. */
    memmove(p + 2, p + 1, n);
    p[1] = '/';
    CHECK_EQ(strlen(p), PATH_MAX);
    CHECK_ERR(stat(p, &st), ENAMETOOLONG);
    free(p);
}

TEST(newfstatat, component_through_a_file_is_enotdir) {
    harness_write_file("f", "");
    struct stat st;
    CHECK_ERR(stat("f/x", &st), ENOTDIR);
    CHECK_ERR(stat("f/.", &st), ENOTDIR);
    CHECK_ERR(stat("f/..", &st), ENOTDIR);
    CHECK_ERR(open("f/x", O_CREAT | O_WRONLY, 0600), ENOTDIR);
    CHECK_OK(symlink("f", "l"));
    CHECK_ERR(stat("l/x", &st), ENOTDIR);
}

TEST(newfstatat, trailing_slash_on_a_file_is_enotdir) {
    harness_write_file("f", "");
    struct stat st;
    CHECK_ERR(stat("f/", &st), ENOTDIR);
    CHECK_ERR(lstat("f/", &st), ENOTDIR);
    CHECK_ERR(open("f/", O_RDONLY), ENOTDIR);
    /* Creating a new name with a trailing slash cannot make a file. */
    CHECK_ERR(open("new/", O_CREAT | O_WRONLY, 0600), EISDIR);
    CHECK_ERR(access("new", F_OK), ENOENT);
}

TEST(newfstatat, trailing_slash_follows_a_symlink_to_a_directory) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(symlink("d", "ld"));
    struct stat d = lstat_of("d");
    CHECK(S_ISLNK(lstat_of("ld").st_mode));
    struct stat via = lstat_of("ld/");
    CHECK(S_ISDIR(via.st_mode));
    CHECK(same_inode(&d, &via));
    harness_write_file("f", "");
    CHECK_OK(symlink("f", "lf"));
    CHECK_ERR(lstat("lf/", &via), ENOTDIR);
}

TEST(newfstatat, empty_or_bad_path_fails) {
    struct stat st;
    CHECK_ERR(stat("", &st), ENOENT);
    CHECK_ERR(stat(BAD_PTR, &st), EFAULT);
    CHECK_ERR(stat("missing/x", &st), ENOENT);
    /* Repeated slashes and dots are harmless. */
    CHECK_OK(mkdir("d", 0755));
    struct stat d = stat_of("d"), via = stat_of(".//d/./");
    CHECK(same_inode(&d, &via));
}
