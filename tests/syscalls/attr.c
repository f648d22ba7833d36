/* Inode attributes: chmod, fchmod, fchmodat (mode bits, the umask not applying, ctime),
 * chown, fchown, lchown, fchownat (-1 keeping a value, set-id bits cleared) and
 * utimensat (explicit times, UTIME_NOW, UTIME_OMIT, AT_SYMLINK_NOFOLLOW, a NULL path
 * naming the fd, bad nanoseconds). */
#include "harness.h"

#include <time.h>

static struct stat lstat_of(const char *path) {
    struct stat st;
    CHECK_OK(lstat(path, &st));
    return st;
}

static int mode_of(const char *path) { return lstat_of(path).st_mode & 07777; }

static long long ns_of(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return ns_of(t);
}

/* Long enough for the file system's coarse clock to move on. */
static void pause_a_little(void) { nanosleep(&(struct timespec){0, 30 * 1000 * 1000}, 0); }

/* ---- chmod, fchmod, fchmodat ---- */

TEST(chmod, sets_the_permission_bits) {
    harness_write_file("f", "");
    CHECK_OK(chmod("f", 0600));
    CHECK_EQ(mode_of("f"), 0600);
    CHECK_OK(chmod("f", 0));
    CHECK_EQ(mode_of("f"), 0);
    /* Only the low 12 bits count: the file type cannot be changed. */
    CHECK_OK(chmod("f", S_IFDIR | 0640));
    CHECK(S_ISREG(lstat_of("f").st_mode));
    CHECK_EQ(mode_of("f"), 0640);
}

TEST(chmod, umask_is_not_applied) {
    umask(077);
    harness_write_file("f", "");
    CHECK_OK(chmod("f", 0777));
    CHECK_EQ(mode_of("f"), 0777);
}

TEST(chmod, keeps_set_id_and_sticky_bits_for_root) {
    harness_write_file("f", "");
    CHECK_OK(chmod("f", 07755));
    CHECK_EQ(mode_of("f"), 07755);
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(chmod("d", 01777));
    CHECK_EQ(mode_of("d"), 01777);
}

TEST(chmod, changes_ctime_but_not_mtime) {
    harness_write_file("f", "");
    struct stat before = lstat_of("f");
    pause_a_little();
    CHECK_OK(chmod("f", 0600));
    struct stat after = lstat_of("f");
    CHECK_MSG(ns_of(after.st_ctim) > ns_of(before.st_ctim), "ctime did not move");
    CHECK_EQ(ns_of(after.st_mtim), ns_of(before.st_mtim));
}

TEST(chmod, follows_a_symlink) {
    harness_write_file("f", "");
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(chmod("l", 0604));
    CHECK_EQ(mode_of("f"), 0604);
    CHECK_EQ(mode_of("l"), 0777);
    CHECK_ERR(chmod("missing", 0600), ENOENT);
    CHECK_ERR(chmod(BAD_PTR, 0600), EFAULT);
}

TEST(fchmod, changes_an_open_file) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_OK(fchmod(fd, 0751));
    CHECK_EQ(mode_of("f"), 0751);
    /* Also through a read-only descriptor. */
    int ro = CHECK_OK(open("f", O_RDONLY));
    CHECK_OK(fchmod(ro, 0640));
    CHECK_EQ(mode_of("f"), 0640);
}

TEST(fchmod, bad_or_o_path_fd_is_ebadf) {
    CHECK_ERR(fchmod(-1, 0600), EBADF);
    CHECK_ERR(fchmod(12345, 0600), EBADF);
    harness_write_file("f", "");
    int fd = CHECK_OK(open("f", O_PATH));
    CHECK_ERR(fchmod(fd, 0600), EBADF);
    CHECK_EQ(mode_of("f"), 0644);
}

TEST(fchmod, works_on_a_directory_fd) {
    CHECK_OK(mkdir("d", 0755));
    int fd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_OK(fchmod(fd, 0700));
    CHECK_EQ(mode_of("d"), 0700);
}

TEST(fchmodat, path_is_relative_to_the_dirfd) {
    CHECK_OK(mkdir("d", 0755));
    harness_write_file("d/f", "");
    int d = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_OK(fchmodat(d, "f", 0611, 0));
    CHECK_EQ(mode_of("d/f"), 0611);
    CHECK_ERR(fchmodat(-1, "f", 0600, 0), EBADF);
    int f = CHECK_OK(open("d/f", O_RDONLY));
    CHECK_ERR(fchmodat(f, "x", 0600, 0), ENOTDIR);
}

TEST(fchmodat, symlink_nofollow_on_a_link_is_eopnotsupp) {
    /* The system call has no flags argument: glibc implements AT_SYMLINK_NOFOLLOW by
     * opening the name with O_PATH | O_NOFOLLOW, and refuses links (Linux has no link
     * modes). */
    harness_write_file("f", "");
    CHECK_OK(symlink("f", "l"));
    CHECK_ERR(fchmodat(AT_FDCWD, "l", 0600, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP);
    CHECK_EQ(mode_of("f"), 0644);
}

TEST(fchmodat, symlink_nofollow_on_a_file_changes_it) {
    /* glibc does this one through /proc/self/fd/N of an O_PATH descriptor. */
    harness_write_file("f", "");
    CHECK_OK(fchmodat(AT_FDCWD, "f", 0607, AT_SYMLINK_NOFOLLOW));
    CHECK_EQ(mode_of("f"), 0607);
}

TEST(fchmodat, raw_call_ignores_a_fourth_argument) {
    harness_write_file("f", "");
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(syscall(SYS_fchmodat, AT_FDCWD, "l", 0602, AT_SYMLINK_NOFOLLOW));
    CHECK_EQ(mode_of("f"), 0602);
}

/* ---- chown, fchown, lchown, fchownat ---- */

TEST(chown, changes_owner_and_group) {
    harness_write_file("f", "");
    CHECK_OK(chown("f", 1234, 5678));
    struct stat st = lstat_of("f");
    CHECK_EQ(st.st_uid, 1234);
    CHECK_EQ(st.st_gid, 5678);
}

TEST(chown, minus_one_keeps_a_value) {
    harness_write_file("f", "");
    CHECK_OK(chown("f", 1234, 5678));
    CHECK_OK(chown("f", -1, 42));
    struct stat st = lstat_of("f");
    CHECK_EQ(st.st_uid, 1234);
    CHECK_EQ(st.st_gid, 42);
    CHECK_OK(chown("f", 77, -1));
    st = lstat_of("f");
    CHECK_EQ(st.st_uid, 77);
    CHECK_EQ(st.st_gid, 42);
}

TEST(chown, clears_set_id_bits_of_a_regular_file) {
    harness_write_file("f", "");
    CHECK_OK(chmod("f", 06755));
    CHECK_OK(chown("f", 1234, 5678));
    /* Even root's chown drops setuid, and setgid when group execute is set. */
    CHECK_EQ(mode_of("f"), 0755);
    /* Setgid without group execute is not a set-id bit (it marks mandatory locking)
     * and stays. */
    harness_write_file("g", "");
    CHECK_OK(chmod("g", 02644));
    CHECK_OK(chown("g", 1234, 5678));
    CHECK_EQ(mode_of("g"), 02644);
}

TEST(chown, keeps_set_id_bits_of_a_directory) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(chmod("d", 02775));
    CHECK_OK(chown("d", 1234, 5678));
    CHECK_EQ(mode_of("d"), 02775);
}

TEST(chown, follows_a_symlink_and_changes_ctime) {
    harness_write_file("f", "");
    CHECK_OK(symlink("f", "l"));
    struct stat before = lstat_of("f");
    pause_a_little();
    CHECK_OK(chown("l", 999, 999));
    struct stat f = lstat_of("f"), l = lstat_of("l");
    CHECK_EQ(f.st_uid, 999);
    CHECK_EQ(l.st_uid, 0);
    CHECK_MSG(ns_of(f.st_ctim) > ns_of(before.st_ctim), "ctime did not move");
    CHECK_ERR(chown("missing", 1, 1), ENOENT);
}

TEST(fchown, changes_an_open_file) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDONLY, 0600));
    CHECK_OK(fchown(fd, 4321, 8765));
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_uid, 4321);
    CHECK_EQ(st.st_gid, 8765);
    CHECK_OK(fchown(fd, -1, -1));
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_uid, 4321);
}

TEST(fchown, bad_or_o_path_fd_is_ebadf) {
    CHECK_ERR(fchown(-1, 0, 0), EBADF);
    harness_write_file("f", "");
    int fd = CHECK_OK(open("f", O_PATH));
    CHECK_ERR(fchown(fd, 1, 1), EBADF);
    CHECK_EQ(lstat_of("f").st_uid, 0);
}

TEST(lchown, changes_the_link_not_its_target) {
    harness_write_file("f", "");
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(lchown("l", 555, 666));
    struct stat l = lstat_of("l"), f = lstat_of("f");
    CHECK_EQ(l.st_uid, 555);
    CHECK_EQ(l.st_gid, 666);
    CHECK_EQ(f.st_uid, 0);
    CHECK_EQ(f.st_gid, 0);
}

TEST(lchown, on_a_file_acts_like_chown) {
    harness_write_file("f", "");
    CHECK_OK(lchown("f", 12, -1));
    CHECK_EQ(lstat_of("f").st_uid, 12);
    CHECK_ERR(lchown("missing", 1, 1), ENOENT);
}

TEST(fchownat, symlink_nofollow_changes_the_link) {
    harness_write_file("f", "");
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(fchownat(AT_FDCWD, "l", 31, 32, AT_SYMLINK_NOFOLLOW));
    CHECK_EQ(lstat_of("l").st_uid, 31);
    CHECK_EQ(lstat_of("f").st_uid, 0);
    CHECK_OK(fchownat(AT_FDCWD, "l", 41, 42, 0));
    CHECK_EQ(lstat_of("f").st_uid, 41);
    CHECK_EQ(lstat_of("l").st_uid, 31);
}

TEST(fchownat, minus_one_keeps_both_values) {
    CHECK_OK(mkdir("d", 0755));
    harness_write_file("d/f", "");
    int d = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_OK(fchownat(d, "f", 7, 8, 0));
    CHECK_OK(fchownat(d, "f", -1, -1, 0));
    struct stat st = lstat_of("d/f");
    CHECK_EQ(st.st_uid, 7);
    CHECK_EQ(st.st_gid, 8);
}

TEST(fchownat, empty_path_changes_the_fd) {
    harness_write_file("f", "");
    int fd = CHECK_OK(open("f", O_PATH));
    CHECK_OK(fchownat(fd, "", 91, 92, AT_EMPTY_PATH));
    CHECK_EQ(lstat_of("f").st_uid, 91);
    CHECK_ERR(fchownat(fd, "", 1, 1, 0), ENOENT);
}

TEST(fchownat, bad_flag_or_dirfd_fails) {
    harness_write_file("f", "");
    CHECK_ERR(fchownat(AT_FDCWD, "f", 1, 1, 0x1), EINVAL);
    CHECK_ERR(fchownat(AT_FDCWD, "f", 1, 1, AT_REMOVEDIR), EINVAL);
    CHECK_ERR(fchownat(-1, "f", 1, 1, 0), EBADF);
    CHECK_EQ(lstat_of("f").st_uid, 0);
}

/* ---- utimensat ---- */

TEST(utimensat, sets_both_times_exactly) {
    harness_write_file("f", "");
    struct timespec ts[2] = {{1000000000, 123456789}, {1500000000, 987654321}};
    CHECK_OK(utimensat(AT_FDCWD, "f", ts, 0));
    struct stat st = lstat_of("f");
    CHECK_EQ(st.st_atim.tv_sec, 1000000000);
    CHECK_EQ(st.st_atim.tv_nsec, 123456789);
    CHECK_EQ(st.st_mtim.tv_sec, 1500000000);
    CHECK_EQ(st.st_mtim.tv_nsec, 987654321);
}

TEST(utimensat, times_before_the_epoch_are_kept) {
    harness_write_file("f", "");
    struct timespec ts[2] = {{-100, 0}, {0, 0}};
    CHECK_OK(utimensat(AT_FDCWD, "f", ts, 0));
    struct stat st = lstat_of("f");
    CHECK_EQ(st.st_atim.tv_sec, -100);
    CHECK_EQ(st.st_mtim.tv_sec, 0);
}

TEST(utimensat, null_times_sets_now) {
    harness_write_file("f", "");
    struct timespec old[2] = {{1000, 0}, {2000, 0}};
    CHECK_OK(utimensat(AT_FDCWD, "f", old, 0));
    long long before = now_ns();
    CHECK_OK(utimensat(AT_FDCWD, "f", NULL, 0));
    long long after = now_ns();
    struct stat st = lstat_of("f");
    /* The file system clock is coarse: allow a second either way. */
    CHECK(ns_of(st.st_atim) >= before - 1000000000LL);
    CHECK(ns_of(st.st_atim) <= after + 1000000000LL);
    CHECK(ns_of(st.st_mtim) >= before - 1000000000LL);
    CHECK(ns_of(st.st_mtim) <= after + 1000000000LL);
}

TEST(utimensat, utime_now_and_utime_omit_per_field) {
    harness_write_file("f", "");
    struct timespec old[2] = {{1000, 5}, {2000, 6}};
    CHECK_OK(utimensat(AT_FDCWD, "f", old, 0));
    long long before = now_ns();
    /* UTIME_NOW / UTIME_OMIT ignore tv_sec. */
    struct timespec ts[2] = {{12345, UTIME_OMIT}, {-1, UTIME_NOW}};
    CHECK_OK(utimensat(AT_FDCWD, "f", ts, 0));
    struct stat st = lstat_of("f");
    CHECK_EQ(st.st_atim.tv_sec, 1000);
    CHECK_EQ(st.st_atim.tv_nsec, 5);
    CHECK(ns_of(st.st_mtim) >= before - 1000000000LL);
    struct timespec ts2[2] = {{0, UTIME_NOW}, {99, UTIME_OMIT}};
    CHECK_OK(utimensat(AT_FDCWD, "f", ts2, 0));
    struct stat st2 = lstat_of("f");
    CHECK(ns_of(st2.st_atim) >= before - 1000000000LL);
    CHECK_EQ(ns_of(st2.st_mtim), ns_of(st.st_mtim));
}

TEST(utimensat, both_omitted_changes_nothing_not_even_ctime) {
    harness_write_file("f", "");
    struct stat before = lstat_of("f");
    pause_a_little();
    struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    CHECK_OK(utimensat(AT_FDCWD, "f", ts, 0));
    struct stat after = lstat_of("f");
    CHECK_EQ(ns_of(after.st_ctim), ns_of(before.st_ctim));
    CHECK_EQ(ns_of(after.st_mtim), ns_of(before.st_mtim));
}

TEST(utimensat, setting_times_changes_ctime) {
    harness_write_file("f", "");
    struct stat before = lstat_of("f");
    pause_a_little();
    struct timespec ts[2] = {{1000, 0}, {1000, 0}};
    CHECK_OK(utimensat(AT_FDCWD, "f", ts, 0));
    struct stat after = lstat_of("f");
    CHECK_MSG(ns_of(after.st_ctim) > ns_of(before.st_ctim), "ctime did not move");
}

TEST(utimensat, symlink_nofollow_changes_the_link) {
    harness_write_file("f", "");
    CHECK_OK(symlink("f", "l"));
    struct timespec ts[2] = {{111, 0}, {222, 0}};
    CHECK_OK(utimensat(AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW));
    CHECK_EQ(lstat_of("l").st_mtim.tv_sec, 222);
    CHECK(lstat_of("f").st_mtim.tv_sec != 222);
    struct timespec ts2[2] = {{333, 0}, {444, 0}};
    CHECK_OK(utimensat(AT_FDCWD, "l", ts2, 0));
    CHECK_EQ(lstat_of("f").st_mtim.tv_sec, 444);
    CHECK_EQ(lstat_of("l").st_mtim.tv_sec, 222);
}

TEST(utimensat, null_path_names_the_fd) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    struct timespec ts[2] = {{10, 1}, {20, 2}};
    /* The raw call: glibc's wrapper refuses a NULL path. */
    CHECK_OK(syscall(SYS_utimensat, fd, NULL, ts, 0));
    struct stat st = lstat_of("f");
    CHECK_EQ(st.st_atim.tv_sec, 10);
    CHECK_EQ(st.st_mtim.tv_nsec, 2);
    CHECK_ERR(syscall(SYS_utimensat, -1, NULL, ts, 0), EBADF);
    /* futimens is the same call. */
    struct timespec ts2[2] = {{30, 0}, {40, 0}};
    CHECK_OK(futimens(fd, ts2));
    CHECK_EQ(lstat_of("f").st_mtim.tv_sec, 40);
}

TEST(utimensat, empty_path_needs_at_empty_path) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    struct timespec ts[2] = {{50, 0}, {60, 0}};
    CHECK_ERR(utimensat(fd, "", ts, 0), ENOENT);
    CHECK_OK(utimensat(fd, "", ts, AT_EMPTY_PATH));
    CHECK_EQ(lstat_of("f").st_mtim.tv_sec, 60);
}

TEST(utimensat, bad_nanoseconds_is_einval) {
    harness_write_file("f", "");
    struct timespec big[2] = {{0, 1000000000}, {0, 0}};
    CHECK_ERR(utimensat(AT_FDCWD, "f", big, 0), EINVAL);
    struct timespec neg[2] = {{0, 0}, {0, -1}};
    CHECK_ERR(utimensat(AT_FDCWD, "f", neg, 0), EINVAL);
}

TEST(utimensat, bad_flag_path_or_pointer_fails) {
    harness_write_file("f", "");
    CHECK_ERR(utimensat(AT_FDCWD, "f", NULL, 0x1), EINVAL);
    CHECK_ERR(utimensat(AT_FDCWD, "missing", NULL, 0), ENOENT);
    CHECK_ERR(utimensat(AT_FDCWD, "f", BAD_PTR, 0), EFAULT);
    CHECK_ERR(utimensat(AT_FDCWD, BAD_PTR, NULL, 0), EFAULT);
}

/* ---- utimes, futimesat, utime ---- */
#include <sys/time.h>
#include <utime.h>

TEST(utimes, sets_both_times_in_microseconds) {
    CHECK_OK(close(CHECK_OK(open("f", O_CREAT | O_RDWR, 0600))));
    struct timeval tv[2] = {{1000, 5}, {2000, 999999}};
    CHECK_OK(utimes("f", tv));
    struct stat st = lstat_of("f");
    CHECK_EQ(st.st_atim.tv_sec, 1000);
    CHECK_EQ(st.st_atim.tv_nsec, 5000);
    CHECK_EQ(st.st_mtim.tv_sec, 2000);
    CHECK_EQ(st.st_mtim.tv_nsec, 999999000);
}

TEST(utimes, null_is_now_and_bad_microseconds_einval) {
    CHECK_OK(close(CHECK_OK(open("f", O_CREAT | O_RDWR, 0600))));
    struct timeval old[2] = {{1, 0}, {1, 0}};
    CHECK_OK(utimes("f", old));
    CHECK_OK(utimes("f", NULL));
    struct stat st = lstat_of("f");
    CHECK(st.st_mtim.tv_sec > 1000000);
    struct timeval bad[2] = {{1, 1000000}, {1, 0}};
    CHECK_ERR(utimes("f", bad), EINVAL);
    struct timeval neg[2] = {{1, -1}, {1, 0}};
    CHECK_ERR(utimes("f", neg), EINVAL);
    CHECK_ERR(utimes("missing", NULL), ENOENT);
    CHECK_ERR(syscall(SYS_utimes, "f", BAD_PTR), EFAULT);
}

TEST(futimesat, is_relative_to_the_directory) {
    CHECK_OK(mkdir("d", 0700));
    CHECK_OK(close(CHECK_OK(open("d/f", O_CREAT | O_RDWR, 0600))));
    int d = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    struct timeval tv[2] = {{300, 0}, {400, 0}};
    CHECK_OK(syscall(SYS_futimesat, d, "f", tv));
    CHECK_EQ(lstat_of("d/f").st_mtim.tv_sec, 400);
    CHECK_ERR(syscall(SYS_futimesat, d, "nope", tv), ENOENT);
}

TEST(utime, sets_seconds_from_a_utimbuf) {
    CHECK_OK(close(CHECK_OK(open("f", O_CREAT | O_RDWR, 0600))));
    struct utimbuf ub = {.actime = 111, .modtime = 222};
    CHECK_OK(utime("f", &ub));
    struct stat st = lstat_of("f");
    CHECK_EQ(st.st_atim.tv_sec, 111);
    CHECK_EQ(st.st_mtim.tv_sec, 222);
    CHECK_EQ(st.st_mtim.tv_nsec, 0);
    CHECK_OK(utime("f", NULL));
    CHECK(lstat_of("f").st_mtim.tv_sec > 1000000);
}
