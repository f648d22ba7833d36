/* Extended attributes: setxattr, lsetxattr, fsetxattr, getxattr, lgetxattr, fgetxattr,
 * listxattr, llistxattr, flistxattr, removexattr, lremovexattr, fremovexattr, in the
 * user.* and trusted.* (root) namespaces: XATTR_CREATE / XATTR_REPLACE, size-0 queries,
 * ERANGE, ENODATA, unknown namespaces, user.* refused on symlinks and special files.
 *
 * The files live in the case's temp dir, on the host's /tmp when run natively; that is
 * ext4 here, which takes user.* attributes. */
#include "harness.h"

#include <sys/xattr.h>

/* Whether the NUL-separated list `buf` of `len` bytes holds `name`. */
static int listed(const char *buf, ssize_t len, const char *name) {
    for (ssize_t i = 0; i < len; i += strlen(buf + i) + 1)
        if (strcmp(buf + i, name) == 0)
            return 1;
    return 0;
}

/* ---- setxattr, lsetxattr, fsetxattr ---- */

TEST(setxattr, sets_a_user_attribute) {
    harness_write_file("f", "");
    CHECK_OK(setxattr("f", "user.color", "blue", 4, 0));
    char buf[16] = {0};
    CHECK_EQ(getxattr("f", "user.color", buf, sizeof buf), 4);
    CHECK_STR(buf, "blue");
}

TEST(setxattr, create_flag_on_an_existing_name_is_eexist) {
    harness_write_file("f", "");
    CHECK_OK(setxattr("f", "user.a", "1", 1, XATTR_CREATE));
    CHECK_ERR(setxattr("f", "user.a", "2", 1, XATTR_CREATE), EEXIST);
    char c;
    CHECK_EQ(getxattr("f", "user.a", &c, 1), 1);
    CHECK_EQ(c, '1');
}

TEST(setxattr, replace_flag_on_a_missing_name_is_enodata) {
    harness_write_file("f", "");
    CHECK_ERR(setxattr("f", "user.a", "1", 1, XATTR_REPLACE), ENODATA);
    CHECK_ERR(getxattr("f", "user.a", NULL, 0), ENODATA);
    CHECK_OK(setxattr("f", "user.a", "1", 1, 0));
    CHECK_OK(setxattr("f", "user.a", "22", 2, XATTR_REPLACE));
    char buf[4] = {0};
    CHECK_EQ(getxattr("f", "user.a", buf, sizeof buf), 2);
    CHECK_STR(buf, "22");
}

TEST(setxattr, no_flag_creates_or_replaces) {
    harness_write_file("f", "");
    CHECK_OK(setxattr("f", "user.a", "first", 5, 0));
    CHECK_OK(setxattr("f", "user.a", "2nd", 3, 0));
    char buf[8] = {0};
    CHECK_EQ(getxattr("f", "user.a", buf, sizeof buf), 3);
    CHECK_STR(buf, "2nd");
}

TEST(setxattr, empty_and_binary_values_are_kept) {
    harness_write_file("f", "");
    CHECK_OK(setxattr("f", "user.empty", "", 0, 0));
    char buf[8];
    CHECK_EQ(getxattr("f", "user.empty", buf, sizeof buf), 0);
    CHECK_EQ(getxattr("f", "user.empty", NULL, 0), 0);
    const char bin[5] = {0, 1, 0, (char)0xff, 0};
    CHECK_OK(setxattr("f", "user.bin", bin, sizeof bin, 0));
    CHECK_EQ(getxattr("f", "user.bin", buf, sizeof buf), 5);
    CHECK_MEM(buf, bin, 5);
}

TEST(setxattr, trusted_namespace_works_for_root) {
    harness_write_file("f", "");
    CHECK_OK(setxattr("f", "trusted.secret", "s", 1, 0));
    char c;
    CHECK_EQ(getxattr("f", "trusted.secret", &c, 1), 1);
    CHECK_EQ(c, 's');
    /* Namespaces are separate: user.secret is another name. */
    CHECK_ERR(getxattr("f", "user.secret", &c, 1), ENODATA);
}

TEST(setxattr, unknown_namespace_is_eopnotsupp) {
    harness_write_file("f", "");
    CHECK_ERR(setxattr("f", "foo.bar", "x", 1, 0), EOPNOTSUPP);
    CHECK_ERR(setxattr("f", "nodot", "x", 1, 0), EOPNOTSUPP);
    CHECK_ERR(getxattr("f", "foo.bar", NULL, 0), EOPNOTSUPP);
}

TEST(setxattr, bad_name_size_or_flags_fails) {
    harness_write_file("f", "");
    /* A prefix alone is not a name. */
    CHECK_ERR(setxattr("f", "user.", "x", 1, 0), EINVAL);
    CHECK_ERR(setxattr("f", "", "x", 1, 0), ERANGE);
    char name[300] = "user.";
    memset(name + 5, 'n', 260);
    CHECK_ERR(setxattr("f", name, "x", 1, 0), ERANGE);
    CHECK_ERR(setxattr("f", "user.a", "x", 1, 4), EINVAL);
    /* Values are limited to XATTR_SIZE_MAX (64 KiB). */
    char *big = calloc(1, 65537);
    CHECK_ERR(setxattr("f", "user.a", big, 65537, 0), E2BIG);
    free(big);
    CHECK_ERR(getxattr("f", "user.a", NULL, 0), ENODATA);
}

TEST(setxattr, bad_path_or_pointer_fails) {
    harness_write_file("f", "");
    CHECK_ERR(setxattr("missing", "user.a", "x", 1, 0), ENOENT);
    CHECK_ERR(setxattr(BAD_PTR, "user.a", "x", 1, 0), EFAULT);
    CHECK_ERR(setxattr("f", BAD_PTR, "x", 1, 0), EFAULT);
    CHECK_ERR(setxattr("f", "user.a", BAD_PTR, 1, 0), EFAULT);
}

TEST(setxattr, works_on_a_directory_and_follows_symlinks) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(symlink("d", "l"));
    CHECK_OK(setxattr("l", "user.d", "D", 1, 0));
    char c;
    CHECK_EQ(getxattr("d", "user.d", &c, 1), 1);
    CHECK_EQ(c, 'D');
    CHECK_ERR(lgetxattr("l", "user.d", &c, 1), ENODATA);
}

TEST(lsetxattr, user_namespace_on_a_symlink_is_eperm) {
    harness_write_file("f", "");
    CHECK_OK(symlink("f", "l"));
    CHECK_ERR(lsetxattr("l", "user.a", "x", 1, 0), EPERM);
    /* On a regular file lsetxattr is setxattr. */
    CHECK_OK(lsetxattr("f", "user.a", "x", 1, 0));
    CHECK_EQ(getxattr("f", "user.a", NULL, 0), 1);
}

TEST(lsetxattr, trusted_namespace_on_a_symlink_works) {
    harness_write_file("f", "");
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(lsetxattr("l", "trusted.link", "L", 1, 0));
    char c;
    CHECK_EQ(lgetxattr("l", "trusted.link", &c, 1), 1);
    CHECK_EQ(c, 'L');
    CHECK_ERR(getxattr("f", "trusted.link", &c, 1), ENODATA);
}

TEST(lsetxattr, user_namespace_on_a_fifo_is_eperm) {
    CHECK_OK(mkfifo("p", 0600));
    CHECK_ERR(lsetxattr("p", "user.a", "x", 1, 0), EPERM);
    CHECK_ERR(setxattr("p", "user.a", "x", 1, 0), EPERM);
    char c;
    CHECK_ERR(getxattr("p", "user.a", &c, 1), ENODATA);
}

TEST(fsetxattr, sets_through_a_descriptor) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDONLY, 0600));
    CHECK_OK(fsetxattr(fd, "user.fd", "via fd", 6, 0));
    char buf[16] = {0};
    CHECK_EQ(getxattr("f", "user.fd", buf, sizeof buf), 6);
    CHECK_STR(buf, "via fd");
    CHECK_ERR(fsetxattr(fd, "user.fd", "x", 1, XATTR_CREATE), EEXIST);
}

TEST(fsetxattr, bad_or_o_path_fd_is_ebadf) {
    CHECK_ERR(fsetxattr(-1, "user.a", "x", 1, 0), EBADF);
    harness_write_file("f", "");
    int fd = CHECK_OK(open("f", O_PATH));
    CHECK_ERR(fsetxattr(fd, "user.a", "x", 1, 0), EBADF);
    CHECK_ERR(getxattr("f", "user.a", NULL, 0), ENODATA);
}

/* ---- getxattr, lgetxattr, fgetxattr ---- */

TEST(getxattr, size_zero_returns_the_value_length) {
    harness_write_file("f", "");
    CHECK_OK(setxattr("f", "user.a", "123456789", 9, 0));
    CHECK_EQ(getxattr("f", "user.a", NULL, 0), 9);
    /* The buffer is not touched, even a bad one. */
    CHECK_EQ(getxattr("f", "user.a", BAD_PTR, 0), 9);
}

TEST(getxattr, small_buffer_is_erange) {
    harness_write_file("f", "");
    CHECK_OK(setxattr("f", "user.a", "123456789", 9, 0));
    char buf[16];
    memset(buf, 'X', sizeof buf);
    CHECK_ERR(getxattr("f", "user.a", buf, 8), ERANGE);
    CHECK_EQ(getxattr("f", "user.a", buf, 9), 9);
    CHECK_MEM(buf, "123456789", 9);
    CHECK_EQ(buf[9], 'X');
}

TEST(getxattr, missing_name_is_enodata) {
    harness_write_file("f", "");
    char buf[8];
    CHECK_ERR(getxattr("f", "user.none", buf, sizeof buf), ENODATA);
    CHECK_ERR(getxattr("f", "trusted.none", buf, sizeof buf), ENODATA);
    CHECK_ERR(getxattr("missing", "user.none", buf, sizeof buf), ENOENT);
}

TEST(getxattr, follows_symlinks) {
    harness_write_file("f", "");
    CHECK_OK(setxattr("f", "user.t", "target", 6, 0));
    CHECK_OK(symlink("f", "l"));
    char buf[8] = {0};
    CHECK_EQ(getxattr("l", "user.t", buf, sizeof buf), 6);
    CHECK_STR(buf, "target");
}

TEST(lgetxattr, reads_the_link_not_its_target) {
    harness_write_file("f", "");
    CHECK_OK(setxattr("f", "user.t", "target", 6, 0));
    CHECK_OK(symlink("f", "l"));
    char buf[8];
    /* user.* is never readable on a link. */
    CHECK_ERR(lgetxattr("l", "user.t", buf, sizeof buf), ENODATA);
    CHECK_EQ(lgetxattr("f", "user.t", buf, sizeof buf), 6);
}

TEST(lgetxattr, size_query_and_erange_on_a_links_trusted_value) {
    CHECK_OK(symlink("nowhere", "l"));
    CHECK_OK(lsetxattr("l", "trusted.v", "abc", 3, 0));
    CHECK_EQ(lgetxattr("l", "trusted.v", NULL, 0), 3);
    char buf[4] = {0};
    CHECK_ERR(lgetxattr("l", "trusted.v", buf, 2), ERANGE);
    CHECK_EQ(lgetxattr("l", "trusted.v", buf, 3), 3);
    CHECK_STR(buf, "abc");
    CHECK_ERR(lgetxattr("missing", "trusted.v", buf, 3), ENOENT);
}

TEST(fgetxattr, reads_through_a_descriptor) {
    int fd = CHECK_OK(open("f", O_CREAT | O_WRONLY, 0600));
    CHECK_OK(setxattr("f", "user.a", "abc", 3, 0));
    char buf[8] = {0};
    CHECK_EQ(fgetxattr(fd, "user.a", buf, sizeof buf), 3);
    CHECK_STR(buf, "abc");
    CHECK_EQ(fgetxattr(fd, "user.a", NULL, 0), 3);
    CHECK_ERR(fgetxattr(fd, "user.a", buf, 2), ERANGE);
    CHECK_ERR(fgetxattr(fd, "user.b", buf, sizeof buf), ENODATA);
}

TEST(fgetxattr, bad_fd_is_ebadf) {
    char buf[8];
    CHECK_ERR(fgetxattr(-1, "user.a", buf, sizeof buf), EBADF);
    CHECK_ERR(fgetxattr(12345, "user.a", buf, sizeof buf), EBADF);
}

/* ---- listxattr, llistxattr, flistxattr ---- */

TEST(listxattr, lists_every_name_nul_separated) {
    harness_write_file("f", "");
    CHECK_OK(setxattr("f", "user.one", "1", 1, 0));
    CHECK_OK(setxattr("f", "user.two", "", 0, 0));
    CHECK_OK(setxattr("f", "trusted.three", "3", 1, 0));
    char buf[256];
    ssize_t n = CHECK_OK(listxattr("f", buf, sizeof buf));
    CHECK(n > 0);
    CHECK_EQ(buf[n - 1], 0);
    CHECK(listed(buf, n, "user.one"));
    CHECK(listed(buf, n, "user.two"));
    CHECK(listed(buf, n, "trusted.three"));
}

TEST(listxattr, size_zero_returns_the_length_and_small_buffer_erange) {
    harness_write_file("f", "");
    ssize_t empty = CHECK_OK(listxattr("f", NULL, 0));
    CHECK_OK(setxattr("f", "user.abc", "1", 1, 0));
    ssize_t n = CHECK_OK(listxattr("f", NULL, 0));
    CHECK_EQ(n, empty + (ssize_t)sizeof "user.abc");
    char buf[256];
    CHECK_ERR(listxattr("f", buf, n - 1), ERANGE);
    CHECK_EQ(listxattr("f", buf, n), n);
}

TEST(listxattr, new_file_lists_nothing_and_removed_names_go) {
    harness_write_file("f", "");
    char buf[256];
    CHECK_EQ(listxattr("f", buf, sizeof buf), 0);
    CHECK_OK(setxattr("f", "user.a", "1", 1, 0));
    CHECK_OK(removexattr("f", "user.a"));
    CHECK_EQ(listxattr("f", buf, sizeof buf), 0);
    CHECK_ERR(listxattr("missing", buf, sizeof buf), ENOENT);
}

TEST(llistxattr, lists_the_links_own_names) {
    harness_write_file("f", "");
    CHECK_OK(setxattr("f", "user.target", "1", 1, 0));
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(lsetxattr("l", "trusted.link", "1", 1, 0));
    char buf[256];
    ssize_t n = CHECK_OK(llistxattr("l", buf, sizeof buf));
    CHECK(listed(buf, n, "trusted.link"));
    CHECK(!listed(buf, n, "user.target"));
    n = CHECK_OK(listxattr("l", buf, sizeof buf));
    CHECK(listed(buf, n, "user.target"));
    CHECK(!listed(buf, n, "trusted.link"));
}

TEST(llistxattr, small_buffer_is_erange) {
    CHECK_OK(symlink("nowhere", "l"));
    CHECK_OK(lsetxattr("l", "trusted.x", "1", 1, 0));
    ssize_t n = CHECK_OK(llistxattr("l", NULL, 0));
    CHECK(n >= (ssize_t)sizeof "trusted.x");
    char buf[256];
    CHECK_ERR(llistxattr("l", buf, 1), ERANGE);
}

TEST(flistxattr, lists_through_a_descriptor) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_OK(fsetxattr(fd, "user.x", "1", 1, 0));
    char buf[256];
    ssize_t n = CHECK_OK(flistxattr(fd, buf, sizeof buf));
    CHECK(listed(buf, n, "user.x"));
    CHECK_EQ(flistxattr(fd, NULL, 0), n);
    CHECK_ERR(flistxattr(fd, buf, 1), ERANGE);
}

TEST(flistxattr, bad_fd_is_ebadf) {
    char buf[64];
    CHECK_ERR(flistxattr(-1, buf, sizeof buf), EBADF);
    CHECK_ERR(flistxattr(12345, NULL, 0), EBADF);
}

/* ---- removexattr, lremovexattr, fremovexattr ---- */

TEST(removexattr, removes_a_name) {
    harness_write_file("f", "");
    CHECK_OK(setxattr("f", "user.a", "1", 1, 0));
    CHECK_OK(setxattr("f", "user.b", "2", 1, 0));
    CHECK_OK(removexattr("f", "user.a"));
    CHECK_ERR(getxattr("f", "user.a", NULL, 0), ENODATA);
    CHECK_EQ(getxattr("f", "user.b", NULL, 0), 1);
}

TEST(removexattr, missing_name_is_enodata) {
    harness_write_file("f", "");
    CHECK_ERR(removexattr("f", "user.none"), ENODATA);
    CHECK_ERR(removexattr("f", "foo.bar"), EOPNOTSUPP);
    CHECK_ERR(removexattr("missing", "user.none"), ENOENT);
}

TEST(lremovexattr, removes_from_the_link_itself) {
    harness_write_file("f", "");
    CHECK_OK(setxattr("f", "trusted.x", "t", 1, 0));
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(lsetxattr("l", "trusted.x", "l", 1, 0));
    CHECK_OK(lremovexattr("l", "trusted.x"));
    CHECK_ERR(lgetxattr("l", "trusted.x", NULL, 0), ENODATA);
    CHECK_EQ(getxattr("f", "trusted.x", NULL, 0), 1);
}

TEST(lremovexattr, user_namespace_on_a_symlink_is_eperm) {
    CHECK_OK(symlink("nowhere", "l"));
    CHECK_ERR(lremovexattr("l", "user.a"), EPERM);
}

TEST(fremovexattr, removes_through_a_descriptor) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDONLY, 0600));
    CHECK_OK(fsetxattr(fd, "user.a", "1", 1, 0));
    CHECK_OK(fremovexattr(fd, "user.a"));
    CHECK_ERR(fgetxattr(fd, "user.a", NULL, 0), ENODATA);
    CHECK_ERR(fremovexattr(fd, "user.a"), ENODATA);
}

TEST(fremovexattr, bad_fd_is_ebadf) {
    CHECK_ERR(fremovexattr(-1, "user.a"), EBADF);
    harness_write_file("f", "");
    int fd = CHECK_OK(open("f", O_PATH));
    CHECK_ERR(fremovexattr(fd, "user.a"), EBADF);
}
