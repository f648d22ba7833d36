/* Renaming: rename, renameat, renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE): what may
 * replace what, the no-op cases, directories moving between parents, open files and
 * symlinks across a rename, and the error cases. */
#include "harness.h"

#include <linux/fs.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static long renameat2_(int olddir, const char *old, int newdir, const char *new_,
                       unsigned flags) {
    /* Raw: glibc turns flags == 0 into renameat. */
    return syscall(SYS_renameat2, olddir, old, newdir, new_, flags);
}

static struct stat lstat_of(const char *path) {
    struct stat st;
    CHECK_OK(lstat(path, &st));
    return st;
}

static int missing(const char *path) {
    struct stat st;
    return lstat(path, &st) == -1 && errno == ENOENT;
}

static void check_contents(const char *path, const char *want) {
    char buf[256] = {0};
    int fd = CHECK_OK(open(path, O_RDONLY));
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    CHECK_EQ(n, (ssize_t)strlen(want));
    CHECK_STR(buf, want);
}

/* ---- rename ---- */

TEST(rename, file_to_a_new_name_keeps_the_inode) {
    harness_write_file("a", "A");
    ino_t ino = lstat_of("a").st_ino;
    CHECK_OK(rename("a", "b"));
    CHECK(missing("a"));
    CHECK_EQ(lstat_of("b").st_ino, ino);
    check_contents("b", "A");
}

TEST(rename, file_over_a_file_replaces_it) {
    harness_write_file("a", "A");
    harness_write_file("b", "B");
    int old = CHECK_OK(open("b", O_RDONLY));
    ino_t ino = lstat_of("a").st_ino;
    CHECK_OK(rename("a", "b"));
    CHECK(missing("a"));
    CHECK_EQ(lstat_of("b").st_ino, ino);
    check_contents("b", "A");
    /* The replaced file is unlinked, still readable through an open fd. */
    struct stat st;
    CHECK_OK(fstat(old, &st));
    CHECK_EQ(st.st_nlink, 0);
    char c;
    CHECK_EQ(read(old, &c, 1), 1);
    CHECK_EQ(c, 'B');
}

TEST(rename, directory_over_an_empty_directory_replaces_it) {
    CHECK_OK(mkdir("a", 0755));
    harness_write_file("a/f", "in a");
    CHECK_OK(mkdir("b", 0755));
    CHECK_OK(rename("a", "b"));
    CHECK(missing("a"));
    check_contents("b/f", "in a");
}

TEST(rename, directory_over_a_nonempty_directory_is_enotempty) {
    CHECK_OK(mkdir("a", 0755));
    CHECK_OK(mkdir("b", 0755));
    harness_write_file("b/f", "");
    errno = 0;
    int r = rename("a", "b");
    /* POSIX allows EEXIST too; Linux says ENOTEMPTY. */
    CHECK_MSG(r == -1 && errno == ENOTEMPTY, "rename = %d errno %d", r, errno);
    CHECK(S_ISDIR(lstat_of("a").st_mode));
    CHECK(!missing("b/f"));
}

TEST(rename, file_over_a_directory_is_eisdir) {
    harness_write_file("f", "");
    CHECK_OK(mkdir("d", 0755));
    CHECK_ERR(rename("f", "d"), EISDIR);
    CHECK(S_ISREG(lstat_of("f").st_mode));
    CHECK(S_ISDIR(lstat_of("d").st_mode));
}

TEST(rename, directory_over_a_file_is_enotdir) {
    harness_write_file("f", "");
    CHECK_OK(mkdir("d", 0755));
    CHECK_ERR(rename("d", "f"), ENOTDIR);
    CHECK(S_ISREG(lstat_of("f").st_mode));
}

TEST(rename, directory_into_its_own_subdirectory_is_einval) {
    CHECK_OK(mkdir("a", 0755));
    CHECK_OK(mkdir("a/b", 0755));
    CHECK_ERR(rename("a", "a/b/c"), EINVAL);
    CHECK_ERR(rename("a", "a/c"), EINVAL);
    /* Nor over its own descendant. */
    CHECK_ERR(rename("a", "a/b"), EINVAL);
    CHECK(S_ISDIR(lstat_of("a/b").st_mode));
}

TEST(rename, moving_a_directory_updates_dotdot_and_link_counts) {
    CHECK_OK(mkdir("p", 0755));
    CHECK_OK(mkdir("q", 0755));
    CHECK_OK(mkdir("p/d", 0755));
    CHECK_EQ(lstat_of("p").st_nlink, 3);
    CHECK_OK(rename("p/d", "q/d"));
    struct stat q = lstat_of("q"), up = lstat_of("q/d/..");
    CHECK_EQ(up.st_ino, q.st_ino);
    CHECK_EQ(lstat_of("p").st_nlink, 2);
    CHECK_EQ(q.st_nlink, 3);
}

TEST(rename, same_name_is_a_no_op) {
    harness_write_file("f", "F");
    CHECK_OK(rename("f", "f"));
    check_contents("f", "F");
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(rename("d", "d"));
    CHECK_OK(rename("d", "./d/"));
    CHECK(S_ISDIR(lstat_of("d").st_mode));
}

TEST(rename, hard_links_of_one_inode_is_a_no_op) {
    harness_write_file("a", "A");
    CHECK_OK(link("a", "b"));
    /* Both names stay: "rename does nothing, and returns a success status". */
    CHECK_OK(rename("a", "b"));
    CHECK(!missing("a"));
    CHECK(!missing("b"));
    CHECK_EQ(lstat_of("a").st_nlink, 2);
}

TEST(rename, open_fds_keep_working_after_a_rename) {
    CHECK_OK(mkdir("d", 0755));
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_OK(rename("f", "g"));
    CHECK_OK(rename("d", "e"));
    CHECK_EQ(write(fd, "hello", 5), 5);
    check_contents("g", "hello");
    /* The directory fd follows the directory to its new name. */
    harness_write_file("e/x", "");
    struct stat st;
    CHECK_OK(fstatat(dfd, "x", &st, 0));
}

TEST(rename, symlink_renames_the_link_not_its_target) {
    harness_write_file("target", "T");
    CHECK_OK(symlink("target", "l"));
    CHECK_OK(rename("l", "m"));
    CHECK(missing("l"));
    CHECK(S_ISLNK(lstat_of("m").st_mode));
    CHECK(S_ISREG(lstat_of("target").st_mode));
    char buf[16] = {0};
    CHECK_EQ(readlink("m", buf, sizeof buf), 6);
    CHECK_STR(buf, "target");
    /* Renaming over a symlink replaces the link, not the file it names. */
    harness_write_file("new", "N");
    CHECK_OK(rename("new", "m"));
    CHECK(S_ISREG(lstat_of("m").st_mode));
    check_contents("target", "T");
}

TEST(rename, missing_source_or_target_parent_is_enoent) {
    harness_write_file("f", "");
    CHECK_ERR(rename("missing", "g"), ENOENT);
    CHECK_ERR(rename("f", "nodir/g"), ENOENT);
    CHECK_ERR(rename("", "g"), ENOENT);
    CHECK_ERR(rename("f", BAD_PTR), EFAULT);
    CHECK(!missing("f"));
}

TEST(rename, dot_or_dotdot_is_ebusy) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(mkdir("d/e", 0755));
    CHECK_ERR(rename("d/.", "x"), EBUSY);
    CHECK_ERR(rename("d/e/..", "x"), EBUSY);
    /* The last components are checked before the source is looked up. */
    CHECK_ERR(rename("missing", "d/."), EBUSY);
    CHECK_ERR(rename("d/e", "d/."), EBUSY);
}

TEST(rename, trailing_slash_needs_a_directory) {
    harness_write_file("f", "");
    CHECK_ERR(rename("f/", "g"), ENOTDIR);
    CHECK_ERR(rename("f", "g/"), ENOTDIR);
    CHECK(!missing("f"));
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(rename("d/", "e/"));
    CHECK(S_ISDIR(lstat_of("e").st_mode));
}

TEST(rename, across_file_systems_is_exdev) {
    harness_write_file("f", "");
    /* /dev/shm is a tmpfs of its own; the failed call creates nothing there. */
    CHECK_ERR(rename("f", "/dev/shm/veil-conformance-rename"), EXDEV);
    CHECK(!missing("f"));
}

/* ---- renameat ---- */

TEST(renameat, names_are_relative_to_the_dirfds) {
    CHECK_OK(mkdir("a", 0755));
    CHECK_OK(mkdir("b", 0755));
    harness_write_file("a/f", "F");
    int da = CHECK_OK(open("a", O_RDONLY | O_DIRECTORY));
    int db = CHECK_OK(open("b", O_RDONLY | O_DIRECTORY));
    CHECK_OK(renameat(da, "f", db, "g"));
    CHECK(missing("a/f"));
    check_contents("b/g", "F");
    CHECK_OK(renameat(db, "g", AT_FDCWD, "top"));
    check_contents("top", "F");
}

TEST(renameat, bad_dirfd_is_ebadf_or_enotdir) {
    harness_write_file("f", "");
    CHECK_ERR(renameat(-1, "f", AT_FDCWD, "g"), EBADF);
    CHECK_ERR(renameat(AT_FDCWD, "f", 12345, "g"), EBADF);
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_ERR(renameat(fd, "x", AT_FDCWD, "g"), ENOTDIR);
    CHECK(!missing("f"));
}

/* ---- renameat2 ---- */

TEST(renameat2, zero_flags_is_a_plain_rename) {
    harness_write_file("a", "A");
    harness_write_file("b", "B");
    CHECK_OK(renameat2_(AT_FDCWD, "a", AT_FDCWD, "b", 0));
    CHECK(missing("a"));
    check_contents("b", "A");
}

TEST(renameat2, noreplace_over_an_existing_name_is_eexist) {
    harness_write_file("a", "A");
    harness_write_file("b", "B");
    CHECK_ERR(renameat2_(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE), EEXIST);
    check_contents("a", "A");
    check_contents("b", "B");
    /* Even a dangling symlink counts as existing. */
    CHECK_OK(symlink("nowhere", "l"));
    CHECK_ERR(renameat2_(AT_FDCWD, "a", AT_FDCWD, "l", RENAME_NOREPLACE), EEXIST);
}

TEST(renameat2, noreplace_to_a_free_name_renames) {
    harness_write_file("a", "A");
    CHECK_OK(renameat2_(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE));
    CHECK(missing("a"));
    check_contents("b", "A");
}

TEST(renameat2, exchange_swaps_two_files) {
    harness_write_file("a", "A");
    harness_write_file("b", "B");
    ino_t ia = lstat_of("a").st_ino, ib = lstat_of("b").st_ino;
    CHECK_OK(renameat2_(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_EXCHANGE));
    check_contents("a", "B");
    check_contents("b", "A");
    CHECK_EQ(lstat_of("a").st_ino, ib);
    CHECK_EQ(lstat_of("b").st_ino, ia);
}

TEST(renameat2, exchange_swaps_a_file_and_a_nonempty_directory) {
    harness_write_file("f", "F");
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(mkdir("p", 0755));
    harness_write_file("p/inner", "I");
    CHECK_OK(renameat2_(AT_FDCWD, "f", AT_FDCWD, "p/../d", RENAME_EXCHANGE));
    CHECK(S_ISDIR(lstat_of("f").st_mode));
    check_contents("d", "F");
    /* A directory swapped into another parent gets that parent as its "..". */
    CHECK_OK(renameat2_(AT_FDCWD, "f", AT_FDCWD, "p/inner", RENAME_EXCHANGE));
    struct stat p = lstat_of("p"), up = lstat_of("p/inner/..");
    CHECK_EQ(up.st_ino, p.st_ino);
    check_contents("f", "I");
}

TEST(renameat2, exchange_with_a_missing_name_is_enoent) {
    harness_write_file("a", "A");
    CHECK_ERR(renameat2_(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_EXCHANGE), ENOENT);
    CHECK_ERR(renameat2_(AT_FDCWD, "b", AT_FDCWD, "a", RENAME_EXCHANGE), ENOENT);
    check_contents("a", "A");
    CHECK(missing("b"));
}

TEST(renameat2, exchange_of_a_directory_with_its_descendant_is_einval) {
    CHECK_OK(mkdir("a", 0755));
    CHECK_OK(mkdir("a/b", 0755));
    CHECK_ERR(renameat2_(AT_FDCWD, "a", AT_FDCWD, "a/b", RENAME_EXCHANGE), EINVAL);
    CHECK_ERR(renameat2_(AT_FDCWD, "a/b", AT_FDCWD, "a", RENAME_EXCHANGE), EINVAL);
}

TEST(renameat2, unknown_flag_is_einval) {
    harness_write_file("a", "");
    CHECK_ERR(renameat2_(AT_FDCWD, "a", AT_FDCWD, "b", 1u << 5), EINVAL);
    CHECK_ERR(renameat2_(AT_FDCWD, "a", AT_FDCWD, "b", 0x80000000u), EINVAL);
    CHECK(!missing("a"));
    CHECK(missing("b"));
}

TEST(renameat2, noreplace_with_exchange_is_einval) {
    harness_write_file("a", "A");
    harness_write_file("b", "B");
    CHECK_ERR(renameat2_(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE | RENAME_EXCHANGE),
              EINVAL);
    check_contents("a", "A");
    check_contents("b", "B");
}
