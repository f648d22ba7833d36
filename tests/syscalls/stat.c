/* File status: stat, fstat, lstat, newfstatat, statx, statfs, fstatfs: file types and
 * modes, sizes (of symlinks too), st_nlink of directories and hard links, st_blocks,
 * inode identity and the timestamps that writes and metadata changes update. */
#include "harness.h"

#include <sys/statfs.h>
#include <sys/sysmacros.h>

#ifndef STATX__RESERVED
#define STATX__RESERVED 0x80000000U
#endif

/* The legacy calls, made directly: glibc's stat/fstat/lstat all use newfstatat. */
static long sys_stat(const char *path, struct stat *st) { return syscall(SYS_stat, path, st); }
static long sys_lstat(const char *path, struct stat *st) {
    return syscall(SYS_lstat, path, st);
}
static long sys_fstat(int fd, struct stat *st) { return syscall(SYS_fstat, fd, st); }
static long sys_fstatat(int dirfd, const char *path, struct stat *st, int flags) {
    return syscall(SYS_newfstatat, dirfd, path, st, flags);
}
static long sys_statx(int dirfd, const char *path, int flags, unsigned mask,
                      struct statx *stx) {
    return syscall(SYS_statx, dirfd, path, flags, mask, stx);
}

static long long ts_ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

/* Sets a path's atime and mtime far in the past (ctime becomes now). */
static void age(const char *path) {
    struct timespec old[2] = {{1000, 0}, {1000, 0}};
    CHECK_OK(utimensat(AT_FDCWD, path, old, AT_SYMLINK_NOFOLLOW));
}

/* ---- stat, fstat, lstat ---- */

TEST(stat, reports_a_regular_file) {
    harness_write_file("f", "twelve bytes");
    CHECK_OK(chmod("f", 0640));
    struct stat st;
    CHECK_EQ(CHECK_OK(sys_stat("f", &st)), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_mode & 07777, 0640);
    CHECK_EQ(st.st_size, 12);
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(st.st_uid, geteuid());
    CHECK_EQ(st.st_gid, getegid());
    CHECK(st.st_blksize > 0);
}

TEST(stat, follows_symlinks) {
    harness_write_file("f", "abc");
    CHECK_OK(symlink("f", "lf"));
    struct stat a, b;
    CHECK_OK(sys_stat("f", &a));
    CHECK_OK(sys_stat("lf", &b));
    CHECK(S_ISREG(b.st_mode));
    CHECK_EQ(b.st_ino, a.st_ino);
    CHECK_EQ(b.st_dev, a.st_dev);
    CHECK_EQ(b.st_size, 3);
    CHECK_OK(symlink("missing", "dangling"));
    CHECK_ERR(sys_stat("dangling", &b), ENOENT);
}

TEST(stat, errors_of_the_path_and_buffer) {
    harness_write_file("f", "abc");
    struct stat st;
    CHECK_ERR(sys_stat("missing", &st), ENOENT);
    CHECK_ERR(sys_stat("", &st), ENOENT);
    CHECK_ERR(sys_stat("f/", &st), ENOTDIR);
    CHECK_ERR(sys_stat(BAD_PTR, &st), EFAULT);
    CHECK_ERR(sys_stat("f", BAD_PTR), EFAULT);
}

TEST(fstat, matches_stat_of_the_path) {
    harness_write_file("f", "abc");
    int fd = CHECK_OK(open("f", O_RDONLY));
    struct stat a, b;
    CHECK_EQ(CHECK_OK(sys_fstat(fd, &a)), 0);
    CHECK_OK(sys_stat("f", &b));
    CHECK_EQ(a.st_ino, b.st_ino);
    CHECK_EQ(a.st_dev, b.st_dev);
    CHECK_EQ(a.st_mode, b.st_mode);
    CHECK_EQ(a.st_size, 3);
}

TEST(fstat, of_an_unlinked_file_shows_nlink_zero) {
    harness_write_file("f", "abc");
    int fd = CHECK_OK(open("f", O_RDWR));
    CHECK_OK(unlink("f"));
    struct stat st;
    CHECK_OK(sys_fstat(fd, &st));
    CHECK_EQ(st.st_nlink, 0);
    CHECK_EQ(st.st_size, 3);
    CHECK_EQ(pwrite(fd, "de", 2, 3), 2);
    CHECK_OK(sys_fstat(fd, &st));
    CHECK_EQ(st.st_size, 5);
}

TEST(fstat, of_a_pipe_and_of_dev_null) {
    int p[2];
    CHECK_OK(pipe(p));
    struct stat st;
    CHECK_OK(sys_fstat(p[0], &st));
    CHECK(S_ISFIFO(st.st_mode));
    int fd = CHECK_OK(open("/dev/null", O_RDONLY));
    CHECK_OK(sys_fstat(fd, &st));
    CHECK(S_ISCHR(st.st_mode));
    CHECK_EQ(major(st.st_rdev), 1);
    CHECK_EQ(minor(st.st_rdev), 3);
}

TEST(fstat, bad_fd_or_buffer) {
    struct stat st;
    CHECK_ERR(sys_fstat(-1, &st), EBADF);
    CHECK_ERR(sys_fstat(4321, &st), EBADF);
    CHECK_ERR(sys_fstat(0, BAD_PTR), EFAULT);
}

TEST(fstat, works_on_an_o_path_descriptor) {
    CHECK_OK(mkdir("d", 0751));
    int fd = CHECK_OK(open("d", O_PATH));
    struct stat st;
    CHECK_OK(sys_fstat(fd, &st));
    CHECK(S_ISDIR(st.st_mode));
    CHECK_EQ(st.st_mode & 07777, 0751);
}

TEST(lstat, reports_the_symlink_and_its_target_length_as_size) {
    CHECK_OK(symlink("some/target/path", "link"));
    struct stat st;
    CHECK_EQ(CHECK_OK(sys_lstat("link", &st)), 0);
    CHECK(S_ISLNK(st.st_mode));
    CHECK_EQ(st.st_size, 16);
    CHECK_EQ(st.st_mode & 0777, 0777);
    CHECK_ERR(sys_lstat("missing", &st), ENOENT);
}

TEST(lstat, a_trailing_slash_follows_a_symlink_to_a_directory) {
    CHECK_OK(mkdir("d", 0700));
    CHECK_OK(symlink("d", "ld"));
    struct stat st;
    CHECK_OK(sys_lstat("ld", &st));
    CHECK(S_ISLNK(st.st_mode));
    CHECK_OK(sys_lstat("ld/", &st));
    CHECK(S_ISDIR(st.st_mode));
    /* An intermediate symlink is always followed. */
    harness_write_file("d/f", "x");
    CHECK_OK(sys_lstat("ld/f", &st));
    CHECK(S_ISREG(st.st_mode));
}

/* ---- newfstatat ---- */

TEST(newfstatat, at_empty_path_stats_the_dirfd) {
    harness_write_file("f", "abcd");
    int fd = CHECK_OK(open("f", O_RDONLY));
    struct stat st;
    CHECK_EQ(CHECK_OK(sys_fstatat(fd, "", &st, AT_EMPTY_PATH)), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_size, 4);
    /* AT_FDCWD with an empty path is the working directory. */
    CHECK_OK(sys_fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH));
    CHECK(S_ISDIR(st.st_mode));
    /* Without the flag, an empty path does not exist. */
    CHECK_ERR(sys_fstatat(fd, "", &st, 0), ENOENT);
}

TEST(newfstatat, at_symlink_nofollow_stats_the_link) {
    CHECK_OK(symlink("missing", "dangling"));
    struct stat st;
    CHECK_ERR(sys_fstatat(AT_FDCWD, "dangling", &st, 0), ENOENT);
    CHECK_OK(sys_fstatat(AT_FDCWD, "dangling", &st, AT_SYMLINK_NOFOLLOW));
    CHECK(S_ISLNK(st.st_mode));
    CHECK_EQ(st.st_size, 7);
}

TEST(newfstatat, resolves_relative_to_the_dirfd) {
    CHECK_OK(mkdir("d", 0700));
    harness_write_file("d/f", "12345");
    int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    struct stat st;
    CHECK_OK(sys_fstatat(dfd, "f", &st, 0));
    CHECK_EQ(st.st_size, 5);
    CHECK_ERR(sys_fstatat(AT_FDCWD, "f", &st, 0), ENOENT);
}

TEST(newfstatat, bad_dirfd_or_flags) {
    harness_write_file("f", "x");
    int fd = CHECK_OK(open("f", O_RDONLY));
    struct stat st;
    CHECK_ERR(sys_fstatat(-3, "f", &st, 0), EBADF);
    CHECK_ERR(sys_fstatat(fd, "g", &st, 0), ENOTDIR);
    CHECK_ERR(sys_fstatat(AT_FDCWD, "f", &st, AT_REMOVEDIR), EINVAL);
    CHECK_ERR(sys_fstatat(AT_FDCWD, "f", &st, 0x1), EINVAL);
}

TEST(newfstatat, file_types_in_st_mode) {
    umask(022);
    harness_write_file("f", "x");
    CHECK_OK(mkdir("d", 0700));
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(mkfifo("p", 0600));
    struct stat st;
    CHECK_OK(sys_fstatat(AT_FDCWD, "f", &st, 0));
    CHECK_EQ(st.st_mode & S_IFMT, S_IFREG);
    CHECK_OK(sys_fstatat(AT_FDCWD, "d", &st, 0));
    CHECK_EQ(st.st_mode & S_IFMT, S_IFDIR);
    CHECK_OK(sys_fstatat(AT_FDCWD, "l", &st, AT_SYMLINK_NOFOLLOW));
    CHECK_EQ(st.st_mode & S_IFMT, S_IFLNK);
    CHECK_OK(sys_fstatat(AT_FDCWD, "p", &st, 0));
    CHECK_EQ(st.st_mode & S_IFMT, S_IFIFO);
    CHECK_EQ(st.st_mode & 07777, 0600);
    CHECK_OK(sys_fstatat(AT_FDCWD, "/dev/null", &st, 0));
    CHECK_EQ(st.st_mode & S_IFMT, S_IFCHR);
}

TEST(newfstatat, directory_nlink_counts_subdirectories) {
    CHECK_OK(mkdir("d", 0700));
    struct stat st;
    CHECK_OK(sys_fstatat(AT_FDCWD, "d", &st, 0));
    CHECK_EQ(st.st_nlink, 2);
    CHECK_OK(mkdir("d/a", 0700));
    CHECK_OK(mkdir("d/b", 0700));
    harness_write_file("d/file", "x");
    CHECK_OK(sys_fstatat(AT_FDCWD, "d", &st, 0));
    CHECK_EQ(st.st_nlink, 4);
    CHECK_OK(rmdir("d/a"));
    CHECK_OK(sys_fstatat(AT_FDCWD, "d", &st, 0));
    CHECK_EQ(st.st_nlink, 3);
}

TEST(newfstatat, hard_links_share_the_inode_and_count_in_nlink) {
    harness_write_file("f", "abc");
    harness_write_file("other", "abc");
    CHECK_OK(link("f", "g"));
    struct stat a, b, c;
    CHECK_OK(sys_fstatat(AT_FDCWD, "f", &a, 0));
    CHECK_OK(sys_fstatat(AT_FDCWD, "g", &b, 0));
    CHECK_OK(sys_fstatat(AT_FDCWD, "other", &c, 0));
    CHECK_EQ(a.st_nlink, 2);
    CHECK_EQ(a.st_ino, b.st_ino);
    CHECK_EQ(a.st_dev, b.st_dev);
    CHECK(a.st_ino != c.st_ino);
    CHECK_OK(unlink("f"));
    CHECK_OK(sys_fstatat(AT_FDCWD, "g", &b, 0));
    CHECK_EQ(b.st_nlink, 1);
}

TEST(newfstatat, st_blocks_counts_allocated_512_byte_units) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    static char data[65536];
    memset(data, 'x', sizeof data);
    CHECK_EQ(write(fd, data, sizeof data), 65536);
    CHECK_OK(fsync(fd));
    struct stat st;
    CHECK_OK(sys_fstatat(AT_FDCWD, "f", &st, 0));
    CHECK_MSG(st.st_blocks >= 128, "st_blocks %lld for 64 KiB", (long long)st.st_blocks);
    /* A file grown by ftruncate is sparse: fewer blocks than its size needs. */
    int sp = CHECK_OK(open("sparse", O_CREAT | O_RDWR, 0600));
    CHECK_OK(ftruncate(sp, 1 << 20));
    CHECK_OK(sys_fstatat(AT_FDCWD, "sparse", &st, 0));
    CHECK_EQ(st.st_size, 1 << 20);
    CHECK_MSG(st.st_blocks < 2048, "st_blocks %lld for a 1 MiB hole",
              (long long)st.st_blocks);
}

TEST(newfstatat, write_updates_mtime_and_ctime) {
    harness_write_file("f", "abc");
    age("f");
    struct stat st;
    CHECK_OK(sys_fstatat(AT_FDCWD, "f", &st, 0));
    CHECK_EQ(st.st_mtim.tv_sec, 1000);
    int fd = CHECK_OK(open("f", O_WRONLY));
    CHECK_EQ(write(fd, "x", 1), 1);
    CHECK_OK(sys_fstatat(AT_FDCWD, "f", &st, 0));
    CHECK(st.st_mtim.tv_sec > 1000);
    CHECK(ts_ns(st.st_ctim) >= ts_ns(st.st_mtim));
    /* Reading does not touch mtime. */
    age("f");
    int r = CHECK_OK(open("f", O_RDONLY));
    char buf[4];
    CHECK_EQ(read(r, buf, 4), 3);
    CHECK_OK(sys_fstatat(AT_FDCWD, "f", &st, 0));
    CHECK_EQ(st.st_mtim.tv_sec, 1000);
}

TEST(newfstatat, truncate_updates_mtime_and_chmod_only_ctime) {
    harness_write_file("f", "abc");
    age("f");
    CHECK_OK(truncate("f", 1));
    struct stat st;
    CHECK_OK(sys_fstatat(AT_FDCWD, "f", &st, 0));
    CHECK(st.st_mtim.tv_sec > 1000);
    age("f");
    CHECK_OK(chmod("f", 0600));
    CHECK_OK(sys_fstatat(AT_FDCWD, "f", &st, 0));
    CHECK_EQ(st.st_mtim.tv_sec, 1000);
    CHECK_EQ(st.st_atim.tv_sec, 1000);
    CHECK(st.st_ctim.tv_sec > 1000);
}

TEST(newfstatat, creating_an_entry_updates_the_directory_mtime) {
    CHECK_OK(mkdir("d", 0700));
    age("d");
    harness_write_file("d/f", "x");
    struct stat st;
    CHECK_OK(sys_fstatat(AT_FDCWD, "d", &st, 0));
    CHECK(st.st_mtim.tv_sec > 1000);
    CHECK(st.st_ctim.tv_sec > 1000);
    age("d");
    CHECK_OK(unlink("d/f"));
    CHECK_OK(sys_fstatat(AT_FDCWD, "d", &st, 0));
    CHECK(st.st_mtim.tv_sec > 1000);
}

/* ---- statx ---- */

TEST(statx, basic_stats_match_fstat) {
    harness_write_file("f", "statx!");
    CHECK_OK(chmod("f", 0604));
    struct statx stx;
    memset(&stx, 0xff, sizeof stx);
    CHECK_EQ(CHECK_OK(sys_statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, &stx)), 0);
    CHECK_EQ(stx.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
    struct stat st;
    CHECK_OK(sys_stat("f", &st));
    CHECK(S_ISREG(stx.stx_mode));
    CHECK_EQ(stx.stx_mode & 07777, 0604);
    CHECK_EQ(stx.stx_size, 6);
    CHECK_EQ(stx.stx_ino, st.st_ino);
    CHECK_EQ(stx.stx_nlink, 1);
    CHECK_EQ(stx.stx_uid, st.st_uid);
    CHECK_EQ(stx.stx_blocks, st.st_blocks);
    CHECK_EQ(stx.stx_blksize, st.st_blksize);
    CHECK_EQ(makedev(stx.stx_dev_major, stx.stx_dev_minor), st.st_dev);
    CHECK_EQ(stx.stx_mtime.tv_sec, st.st_mtim.tv_sec);
    CHECK_EQ(stx.stx_mtime.tv_nsec, st.st_mtim.tv_nsec);
}

TEST(statx, btime_when_reported_is_not_after_mtime) {
    harness_write_file("f", "abc");
    int fd = CHECK_OK(open("f", O_WRONLY));
    CHECK_EQ(write(fd, "x", 1), 1);
    struct statx stx;
    CHECK_OK(sys_statx(AT_FDCWD, "f", 0, STATX_BTIME | STATX_MTIME, &stx));
    CHECK(stx.stx_mask & STATX_MTIME);
    if (stx.stx_mask & STATX_BTIME) {
        long long b = stx.stx_btime.tv_sec * 1000000000LL + stx.stx_btime.tv_nsec;
        long long m = stx.stx_mtime.tv_sec * 1000000000LL + stx.stx_mtime.tv_nsec;
        CHECK_MSG(b <= m && b > 0, "btime %lld mtime %lld", b, m);
    }
}

TEST(statx, at_empty_path_and_at_symlink_nofollow) {
    harness_write_file("f", "abcd");
    CHECK_OK(symlink("f", "lf"));
    int fd = CHECK_OK(open("f", O_RDONLY));
    struct statx stx;
    CHECK_OK(sys_statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx));
    CHECK(S_ISREG(stx.stx_mode));
    CHECK_EQ(stx.stx_size, 4);
    CHECK_OK(sys_statx(AT_FDCWD, "lf", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx));
    CHECK(S_ISLNK(stx.stx_mode));
    CHECK_EQ(stx.stx_size, 1);
    CHECK_OK(sys_statx(AT_FDCWD, "lf", 0, STATX_BASIC_STATS, &stx));
    CHECK(S_ISREG(stx.stx_mode));
    CHECK_ERR(sys_statx(fd, "", 0, STATX_BASIC_STATS, &stx), ENOENT);
}

TEST(statx, sync_type_flags_are_accepted_alone) {
    harness_write_file("f", "abc");
    struct statx stx;
    CHECK_OK(sys_statx(AT_FDCWD, "f", AT_STATX_SYNC_AS_STAT, STATX_SIZE, &stx));
    CHECK_OK(sys_statx(AT_FDCWD, "f", AT_STATX_FORCE_SYNC, STATX_SIZE, &stx));
    CHECK_OK(sys_statx(AT_FDCWD, "f", AT_STATX_DONT_SYNC, STATX_SIZE, &stx));
    CHECK_EQ(stx.stx_size, 3);
    /* Both at once is contradictory. */
    CHECK_ERR(sys_statx(AT_FDCWD, "f", AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_SIZE,
                        &stx),
              EINVAL);
}

TEST(statx, unknown_flags_or_reserved_mask_are_einval) {
    harness_write_file("f", "abc");
    struct statx stx;
    CHECK_ERR(sys_statx(AT_FDCWD, "f", AT_REMOVEDIR, STATX_BASIC_STATS, &stx), EINVAL);
    CHECK_ERR(sys_statx(AT_FDCWD, "f", 0x1, STATX_BASIC_STATS, &stx), EINVAL);
    CHECK_ERR(sys_statx(AT_FDCWD, "f", 0, STATX__RESERVED, &stx), EINVAL);
    /* Unknown but unreserved mask bits are simply not reported. */
    CHECK_OK(sys_statx(AT_FDCWD, "f", 0, 0x40000000, &stx));
}

TEST(statx, errors_of_the_path_and_buffer) {
    harness_write_file("f", "abc");
    struct statx stx;
    CHECK_ERR(sys_statx(AT_FDCWD, "missing", 0, STATX_BASIC_STATS, &stx), ENOENT);
    CHECK_ERR(sys_statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, BAD_PTR), EFAULT);
    CHECK_ERR(sys_statx(AT_FDCWD, BAD_PTR, 0, STATX_BASIC_STATS, &stx), EFAULT);
    CHECK_ERR(sys_statx(-4, "f", 0, STATX_BASIC_STATS, &stx), EBADF);
}

TEST(statx, directory_and_symlink_details) {
    CHECK_OK(mkdir("d", 0700));
    CHECK_OK(mkdir("d/sub", 0700));
    CHECK_OK(symlink("abcdefgh", "l"));
    struct statx stx;
    CHECK_OK(sys_statx(AT_FDCWD, "d", 0, STATX_BASIC_STATS, &stx));
    CHECK(S_ISDIR(stx.stx_mode));
    CHECK_EQ(stx.stx_nlink, 3);
    CHECK_OK(sys_statx(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx));
    CHECK_EQ(stx.stx_size, 8);
}

/* ---- statfs, fstatfs ---- */

TEST(statfs, reports_consistent_counts) {
    struct statfs sf;
    CHECK_EQ(CHECK_OK(statfs(".", &sf)), 0);
    CHECK(sf.f_bsize > 0);
    CHECK(sf.f_namelen >= 255);
    CHECK(sf.f_bfree <= sf.f_blocks);
    CHECK(sf.f_bavail <= sf.f_bfree);
    CHECK(sf.f_ffree <= sf.f_files);
}

TEST(statfs, of_proc_is_proc_super_magic) {
    struct statfs sf;
    CHECK_OK(statfs("/proc", &sf));
    CHECK_EQ(sf.f_type, 0x9fa0);
    CHECK_OK(statfs("/proc/self", &sf));
    CHECK_EQ(sf.f_type, 0x9fa0);
}

TEST(statfs, errors_of_the_path_and_buffer) {
    harness_write_file("f", "x");
    struct statfs sf;
    CHECK_ERR(statfs("missing", &sf), ENOENT);
    CHECK_ERR(statfs("f/x", &sf), ENOTDIR);
    CHECK_ERR(statfs(BAD_PTR, &sf), EFAULT);
    CHECK_ERR(statfs(".", BAD_PTR), EFAULT);
}

TEST(fstatfs, matches_statfs_of_the_path) {
    harness_write_file("f", "x");
    int fd = CHECK_OK(open("f", O_RDONLY));
    struct statfs a, b;
    CHECK_EQ(CHECK_OK(fstatfs(fd, &a)), 0);
    CHECK_OK(statfs("f", &b));
    CHECK_EQ(a.f_type, b.f_type);
    CHECK_EQ(a.f_bsize, b.f_bsize);
    CHECK_EQ(a.f_blocks, b.f_blocks);
    CHECK_EQ(a.f_namelen, b.f_namelen);
}

TEST(fstatfs, bad_fd_is_ebadf) {
    struct statfs sf;
    CHECK_ERR(fstatfs(-1, &sf), EBADF);
    CHECK_ERR(fstatfs(999, &sf), EBADF);
    CHECK_ERR(fstatfs(0, BAD_PTR), EFAULT);
}

TEST(fstatfs, of_a_pipe_is_pipefs) {
    int p[2];
    CHECK_OK(pipe(p));
    struct statfs sf;
    CHECK_OK(fstatfs(p[0], &sf));
    CHECK_EQ(sf.f_type, 0x50495045);
}
