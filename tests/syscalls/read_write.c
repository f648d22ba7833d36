/* Moving data through file descriptors: read, write, pread64, pwrite64, readv, writev,
 * preadv, pwritev, lseek (incl. SEEK_DATA/SEEK_HOLE), sendfile, copy_file_range, fsync,
 * fdatasync, sync, syncfs, fadvise64, fallocate, truncate, ftruncate. */
#include "harness.h"

#include <limits.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

static long sys_fadvise64(int fd, off_t off, off_t len, int advice) {
    return syscall(SYS_fadvise64, fd, off, len, advice);
}

static off_t size_of_fd(int fd) {
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    return st.st_size;
}

/* A new file `path` holding `data`, opened with `flags`. */
static int file_with(const char *path, const char *data, int flags) {
    harness_write_file(path, data);
    return CHECK_OK(open(path, flags));
}

/* ---- read ---- */

TEST(read, returns_the_bytes_and_advances_the_offset) {
    int fd = file_with("f", "hello world", O_RDONLY);
    char buf[6] = {0};
    CHECK_EQ(read(fd, buf, 5), 5);
    CHECK_STR(buf, "hello");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
    /* A request beyond the end returns what is left. */
    char rest[64];
    CHECK_EQ(read(fd, rest, sizeof rest), 6);
    CHECK_MEM(rest, " world", 6);
}

TEST(read, at_end_of_file_returns_zero) {
    int fd = file_with("f", "abc", O_RDONLY);
    char buf[8];
    CHECK_EQ(read(fd, buf, 8), 3);
    CHECK_EQ(read(fd, buf, 8), 0);
    CHECK_EQ(read(fd, buf, 8), 0);
    /* Past the end too. */
    CHECK_EQ(lseek(fd, 100, SEEK_SET), 100);
    CHECK_EQ(read(fd, buf, 8), 0);
}

TEST(read, zero_count_returns_zero_and_reads_nothing) {
    int fd = file_with("f", "abc", O_RDONLY);
    char c;
    CHECK_EQ(read(fd, &c, 0), 0);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
}

TEST(read, write_only_or_closed_descriptor_is_ebadf) {
    int fd = file_with("f", "abc", O_WRONLY);
    char c;
    CHECK_ERR(read(fd, &c, 1), EBADF);
    CHECK_ERR(read(-1, &c, 1), EBADF);
    CHECK_ERR(read(999, &c, 1), EBADF);
}

TEST(read, bad_buffer_is_efault) {
    int fd = file_with("f", "abc", O_RDONLY);
    CHECK_ERR(read(fd, BAD_PTR, 3), EFAULT);
    /* Nothing was consumed. */
    char buf[3];
    CHECK_EQ(read(fd, buf, 3), 3);
}

TEST(read, on_a_directory_is_eisdir) {
    CHECK_OK(mkdir("d", 0700));
    int fd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    char buf[16];
    CHECK_ERR(read(fd, buf, sizeof buf), EISDIR);
}

/* ---- write ---- */

TEST(write, read_only_descriptor_is_ebadf) {
    int fd = file_with("f", "abc", O_RDONLY);
    CHECK_ERR(write(fd, "x", 1), EBADF);
    CHECK_ERR(write(-1, "x", 1), EBADF);
    CHECK_EQ(size_of_fd(fd), 3);
}

TEST(write, bad_buffer_is_efault) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_ERR(write(fd, BAD_PTR, 10), EFAULT);
    CHECK_EQ(size_of_fd(fd), 0);
    CHECK_EQ(write(fd, "x", 0), 0);
    CHECK_EQ(size_of_fd(fd), 0);
}

TEST(write, o_append_always_writes_at_the_end) {
    int fd = file_with("f", "abc", O_RDWR | O_APPEND);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(write(fd, "de", 2), 2);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
    /* Another descriptor extends the file; the next append still lands at the end. */
    int other = CHECK_OK(open("f", O_WRONLY));
    CHECK_EQ(pwrite(other, "XYZ", 3, 5), 3);
    CHECK_EQ(lseek(fd, 1, SEEK_SET), 1);
    CHECK_EQ(write(fd, "!", 1), 1);
    char buf[16] = {0};
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), 9);
    CHECK_STR(buf, "abcdeXYZ!");
}

TEST(write, past_the_end_leaves_a_zero_filled_gap) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_EQ(write(fd, "a", 1), 1);
    CHECK_EQ(lseek(fd, 10000, SEEK_SET), 10000);
    CHECK_EQ(write(fd, "b", 1), 1);
    CHECK_EQ(size_of_fd(fd), 10001);
    static char buf[10001], want[10001];
    want[0] = 'a';
    want[10000] = 'b';
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), 10001);
    CHECK_MEM(buf, want, sizeof want);
}

/* ---- pread64 / pwrite64 ---- */

TEST(pread64, reads_at_the_offset_without_moving_it) {
    int fd = file_with("f", "0123456789", O_RDONLY);
    CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
    char buf[4] = {0};
    CHECK_EQ(pread(fd, buf, 3, 6), 3);
    CHECK_STR(buf, "678");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 2);
    CHECK_EQ(pread(fd, buf, 3, 10), 0);
    CHECK_EQ(pread(fd, buf, 3, 1 << 30), 0);
}

TEST(pread64, negative_offset_is_einval) {
    int fd = file_with("f", "abc", O_RDONLY);
    char c;
    CHECK_ERR(pread(fd, &c, 1, -1), EINVAL);
}

TEST(pread64, on_a_pipe_is_espipe) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "x", 1), 1);
    char c;
    CHECK_ERR(pread(p[0], &c, 1, 0), ESPIPE);
    CHECK_ERR(pwrite(p[1], "x", 1, 0), ESPIPE);
    /* The byte is still there. */
    CHECK_EQ(read(p[0], &c, 1), 1);
}

TEST(pwrite64, writes_at_the_offset_without_moving_it) {
    int fd = file_with("f", "aaaaaa", O_RDWR);
    CHECK_EQ(pwrite(fd, "BB", 2, 2), 2);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
    CHECK_EQ(pwrite(fd, "C", 1, 8), 1);
    char buf[10];
    CHECK_EQ(read(fd, buf, sizeof buf), 9);
    CHECK_MEM(buf, "aaBBaa\0\0C", 9);
}

TEST(pwrite64, on_an_o_append_descriptor_appends) {
    /* A documented Linux bug: O_APPEND wins over the offset. */
    int fd = file_with("f", "abc", O_WRONLY | O_APPEND);
    CHECK_EQ(pwrite(fd, "Z", 1, 0), 1);
    char buf[8] = {0};
    int r = CHECK_OK(open("f", O_RDONLY));
    CHECK_EQ(read(r, buf, sizeof buf), 4);
    CHECK_STR(buf, "abcZ");
}

TEST(pwrite64, errors) {
    int fd = file_with("f", "abc", O_RDWR);
    CHECK_ERR(pwrite(fd, "x", 1, -1), EINVAL);
    CHECK_ERR(pwrite(fd, BAD_PTR, 1, 0), EFAULT);
    int ro = CHECK_OK(open("f", O_RDONLY));
    CHECK_ERR(pwrite(ro, "x", 1, 0), EBADF);
}

/* ---- readv / writev / preadv / pwritev ---- */

TEST(writev, gathers_the_buffers_in_order) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    struct iovec iov[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
    CHECK_EQ(writev(fd, iov, 3), 5);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
    char buf[8] = {0};
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), 5);
    CHECK_STR(buf, "abcde");
}

TEST(readv, scatters_into_the_buffers_in_order) {
    int fd = file_with("f", "0123456789", O_RDONLY);
    char a[3] = {0}, b[4] = {0}, c[20] = {0};
    struct iovec iov[3] = {{a, 2}, {b, 3}, {c, 20}};
    CHECK_EQ(readv(fd, iov, 3), 10);
    CHECK_STR(a, "01");
    CHECK_STR(b, "234");
    CHECK_STR(c, "56789");
    CHECK_EQ(readv(fd, iov, 3), 0);
}

TEST(writev, more_than_iov_max_buffers_is_einval) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    static struct iovec iov[IOV_MAX + 1];
    for (int i = 0; i <= IOV_MAX; i++)
        iov[i] = (struct iovec){"x", 1};
    CHECK_EQ(writev(fd, iov, IOV_MAX), IOV_MAX);
    CHECK_ERR(writev(fd, iov, IOV_MAX + 1), EINVAL);
    CHECK_ERR(syscall(SYS_writev, fd, iov, -1), EINVAL);
    CHECK_EQ(size_of_fd(fd), IOV_MAX);
}

TEST(readv, more_than_iov_max_buffers_is_einval) {
    int fd = file_with("f", "abc", O_RDONLY);
    static struct iovec iov[IOV_MAX + 1];
    static char buf[IOV_MAX + 1];
    for (int i = 0; i <= IOV_MAX; i++)
        iov[i] = (struct iovec){buf + i, 1};
    CHECK_ERR(readv(fd, iov, IOV_MAX + 1), EINVAL);
    CHECK_ERR(syscall(SYS_readv, fd, iov, -1), EINVAL);
    CHECK_EQ(readv(fd, iov, IOV_MAX), 3);
}

TEST(writev, zero_buffers_write_nothing) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    struct iovec iov = {"x", 1};
    CHECK_EQ(writev(fd, &iov, 0), 0);
    CHECK_EQ(size_of_fd(fd), 0);
}

TEST(writev, bad_iovec_array_or_buffer_is_efault) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_ERR(writev(fd, BAD_PTR, 1), EFAULT);
    struct iovec iov = {BAD_PTR, 4};
    CHECK_ERR(writev(fd, &iov, 1), EFAULT);
    CHECK_EQ(size_of_fd(fd), 0);
}

TEST(readv, bad_iovec_array_or_buffer_is_efault) {
    int fd = file_with("f", "abc", O_RDONLY);
    CHECK_ERR(readv(fd, BAD_PTR, 1), EFAULT);
    struct iovec iov = {BAD_PTR, 4};
    CHECK_ERR(readv(fd, &iov, 1), EFAULT);
}

TEST(writev, a_length_above_ssize_max_is_einval) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    char x = 'x';
    struct iovec iov[2] = {{&x, 1}, {&x, (size_t)SSIZE_MAX + 1}};
    CHECK_ERR(writev(fd, iov, 2), EINVAL);
    CHECK_EQ(size_of_fd(fd), 0);
}

TEST(preadv, reads_at_the_offset_without_moving_it) {
    int fd = file_with("f", "0123456789", O_RDONLY);
    char a[3] = {0}, b[3] = {0};
    struct iovec iov[2] = {{a, 2}, {b, 2}};
    CHECK_EQ(preadv(fd, iov, 2, 5), 4);
    CHECK_STR(a, "56");
    CHECK_STR(b, "78");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
    CHECK_EQ(preadv(fd, iov, 2, 20), 0);
}

TEST(preadv, errors) {
    int fd = file_with("f", "abc", O_RDONLY);
    char c;
    struct iovec iov = {&c, 1};
    CHECK_ERR(preadv(fd, &iov, 1, -1), EINVAL);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(preadv(p[0], &iov, 1, 0), ESPIPE);
    int wo = CHECK_OK(open("f", O_WRONLY));
    CHECK_ERR(preadv(wo, &iov, 1, 0), EBADF);
}

TEST(pwritev, writes_at_the_offset_without_moving_it) {
    int fd = file_with("f", "......", O_RDWR);
    struct iovec iov[2] = {{"AB", 2}, {"C", 1}};
    CHECK_EQ(pwritev(fd, iov, 2, 2), 3);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
    char buf[8] = {0};
    CHECK_EQ(read(fd, buf, sizeof buf), 6);
    CHECK_STR(buf, "..ABC.");
}

TEST(pwritev, errors) {
    int fd = file_with("f", "abc", O_RDWR);
    struct iovec iov = {"x", 1};
    CHECK_ERR(pwritev(fd, &iov, 1, -1), EINVAL);
    int ro = CHECK_OK(open("f", O_RDONLY));
    CHECK_ERR(pwritev(ro, &iov, 1, 0), EBADF);
    static struct iovec many[IOV_MAX + 1];
    for (int i = 0; i <= IOV_MAX; i++)
        many[i] = iov;
    CHECK_ERR(pwritev(fd, many, IOV_MAX + 1, 0), EINVAL);
}

/* ---- lseek ---- */

TEST(lseek, seek_set_cur_and_end) {
    int fd = file_with("f", "0123456789", O_RDONLY);
    CHECK_EQ(lseek(fd, 4, SEEK_SET), 4);
    CHECK_EQ(lseek(fd, 3, SEEK_CUR), 7);
    CHECK_EQ(lseek(fd, -2, SEEK_CUR), 5);
    CHECK_EQ(lseek(fd, -1, SEEK_END), 9);
    char c;
    CHECK_EQ(read(fd, &c, 1), 1);
    CHECK_EQ(c, '9');
    CHECK_EQ(lseek(fd, 0, SEEK_END), 10);
}

TEST(lseek, beyond_the_end_is_allowed_and_does_not_grow_the_file) {
    int fd = file_with("f", "abc", O_RDWR);
    CHECK_EQ(lseek(fd, 1000, SEEK_SET), 1000);
    CHECK_EQ(lseek(fd, 5, SEEK_END), 8);
    CHECK_EQ(size_of_fd(fd), 3);
}

TEST(lseek, a_negative_result_is_einval) {
    int fd = file_with("f", "abc", O_RDONLY);
    CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
    CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
    CHECK_ERR(lseek(fd, -3, SEEK_CUR), EINVAL);
    CHECK_ERR(lseek(fd, -4, SEEK_END), EINVAL);
    /* A failed seek leaves the offset alone. */
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 2);
}

TEST(lseek, bad_whence_is_einval) {
    int fd = file_with("f", "abc", O_RDONLY);
    CHECK_ERR(lseek(fd, 0, 5), EINVAL);
    CHECK_ERR(lseek(fd, 0, -1), EINVAL);
    CHECK_ERR(lseek(-1, 0, SEEK_SET), EBADF);
}

TEST(lseek, on_a_pipe_is_espipe) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(lseek(p[0], 0, SEEK_CUR), ESPIPE);
    CHECK_ERR(lseek(p[1], 0, SEEK_SET), ESPIPE);
}

TEST(lseek, seek_data_and_seek_hole_in_a_dense_file) {
    int fd = file_with("f", "0123456789", O_RDONLY);
    CHECK_EQ(lseek(fd, 0, SEEK_DATA), 0);
    CHECK_EQ(lseek(fd, 4, SEEK_DATA), 4);
    /* The end of file is a hole. */
    CHECK_EQ(lseek(fd, 0, SEEK_HOLE), 10);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);
    CHECK_EQ(lseek(fd, 9, SEEK_HOLE), 10);
}

TEST(lseek, seek_data_or_hole_at_or_past_the_end_is_enxio) {
    int fd = file_with("f", "0123456789", O_RDONLY);
    CHECK_EQ(lseek(fd, 3, SEEK_SET), 3);
    CHECK_ERR(lseek(fd, 10, SEEK_DATA), ENXIO);
    CHECK_ERR(lseek(fd, 10, SEEK_HOLE), ENXIO);
    CHECK_ERR(lseek(fd, 100, SEEK_DATA), ENXIO);
    CHECK_ERR(lseek(fd, -1, SEEK_DATA), ENXIO);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3);
}

TEST(lseek, seek_data_and_seek_hole_around_a_hole) {
    /* Data at [0, 4096), a hole (or not: a file system may store zeros), data at 1 MiB. */
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    static char block[4096];
    memset(block, 'x', sizeof block);
    CHECK_EQ(write(fd, block, sizeof block), 4096);
    CHECK_EQ(pwrite(fd, block, sizeof block, 1 << 20), 4096);
    off_t size = (1 << 20) + 4096;
    off_t hole = CHECK_OK(lseek(fd, 0, SEEK_HOLE));
    CHECK_MSG(hole >= 4096 && hole <= size, "first hole at %lld", (long long)hole);
    CHECK_EQ(lseek(fd, 1 << 20, SEEK_DATA), 1 << 20);
    off_t data = CHECK_OK(lseek(fd, 8192, SEEK_DATA));
    CHECK_MSG(data >= 8192 && data <= (1 << 20), "data after 8192 at %lld", (long long)data);
    CHECK_EQ(lseek(fd, 1 << 20, SEEK_HOLE), size);
}

/* ---- sendfile ---- */

TEST(sendfile, copies_from_the_input_offset_and_advances_it) {
    int in = file_with("in", "0123456789", O_RDONLY);
    int out = CHECK_OK(open("out", O_CREAT | O_RDWR, 0600));
    CHECK_EQ(lseek(in, 2, SEEK_SET), 2);
    CHECK_EQ(sendfile(out, in, NULL, 5), 5);
    CHECK_EQ(lseek(in, 0, SEEK_CUR), 7);
    CHECK_EQ(lseek(out, 0, SEEK_CUR), 5);
    /* Asking for more than is left copies what is left, then nothing. */
    CHECK_EQ(sendfile(out, in, NULL, 100), 3);
    CHECK_EQ(sendfile(out, in, NULL, 100), 0);
    char buf[16] = {0};
    CHECK_EQ(pread(out, buf, sizeof buf, 0), 8);
    CHECK_STR(buf, "23456789");
}

TEST(sendfile, with_an_offset_pointer_leaves_the_file_offset) {
    int in = file_with("in", "0123456789", O_RDONLY);
    int out = CHECK_OK(open("out", O_CREAT | O_RDWR, 0600));
    off_t off = 6;
    CHECK_EQ(sendfile(out, in, &off, 3), 3);
    CHECK_EQ(off, 9);
    CHECK_EQ(lseek(in, 0, SEEK_CUR), 0);
    char buf[4] = {0};
    CHECK_EQ(pread(out, buf, 3, 0), 3);
    CHECK_STR(buf, "678");
}

TEST(sendfile, into_a_pipe) {
    int in = file_with("in", "through a pipe", O_RDONLY);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(sendfile(p[1], in, NULL, 64), 14);
    char buf[32] = {0};
    CHECK_EQ(read(p[0], buf, sizeof buf), 14);
    CHECK_STR(buf, "through a pipe");
}

TEST(sendfile, wrong_access_modes_are_ebadf) {
    int in = file_with("in", "abc", O_WRONLY);
    int out = CHECK_OK(open("out", O_CREAT | O_RDWR, 0600));
    CHECK_ERR(sendfile(out, in, NULL, 3), EBADF);
    int rin = CHECK_OK(open("in", O_RDONLY));
    int rout = CHECK_OK(open("out", O_RDONLY));
    CHECK_ERR(sendfile(rout, rin, NULL, 3), EBADF);
    CHECK_ERR(sendfile(out, -1, NULL, 3), EBADF);
}

TEST(sendfile, an_o_append_output_is_einval) {
    int in = file_with("in", "abc", O_RDONLY);
    int out = CHECK_OK(open("out", O_CREAT | O_WRONLY | O_APPEND, 0600));
    CHECK_ERR(sendfile(out, in, NULL, 3), EINVAL);
}

TEST(sendfile, bad_offset_pointer_is_efault) {
    int in = file_with("in", "abc", O_RDONLY);
    int out = CHECK_OK(open("out", O_CREAT | O_WRONLY, 0600));
    CHECK_ERR(sendfile(out, in, BAD_PTR, 3), EFAULT);
    CHECK_EQ(size_of_fd(out), 0);
}

/* ---- copy_file_range ---- */

TEST(copy_file_range, copies_and_advances_both_offsets) {
    int in = file_with("in", "0123456789", O_RDONLY);
    int out = CHECK_OK(open("out", O_CREAT | O_RDWR, 0600));
    CHECK_EQ(lseek(in, 3, SEEK_SET), 3);
    CHECK_EQ(copy_file_range(in, NULL, out, NULL, 4, 0), 4);
    CHECK_EQ(lseek(in, 0, SEEK_CUR), 7);
    CHECK_EQ(lseek(out, 0, SEEK_CUR), 4);
    char buf[8] = {0};
    CHECK_EQ(pread(out, buf, sizeof buf, 0), 4);
    CHECK_STR(buf, "3456");
}

TEST(copy_file_range, explicit_offsets_leave_the_file_offsets) {
    int in = file_with("in", "0123456789", O_RDONLY);
    int out = CHECK_OK(open("out", O_CREAT | O_RDWR, 0600));
    loff_t off_in = 5, off_out = 2;
    CHECK_EQ(copy_file_range(in, &off_in, out, &off_out, 100, 0), 5);
    CHECK_EQ(off_in, 10);
    CHECK_EQ(off_out, 7);
    CHECK_EQ(lseek(in, 0, SEEK_CUR), 0);
    CHECK_EQ(lseek(out, 0, SEEK_CUR), 0);
    char buf[8] = {0};
    CHECK_EQ(pread(out, buf, sizeof buf, 0), 7);
    CHECK_MEM(buf, "\0\0" "56789", 7);
    /* At the end of the input: nothing. */
    CHECK_EQ(copy_file_range(in, &off_in, out, &off_out, 100, 0), 0);
}

TEST(copy_file_range, nonzero_flags_is_einval) {
    int in = file_with("in", "abc", O_RDONLY);
    int out = CHECK_OK(open("out", O_CREAT | O_RDWR, 0600));
    CHECK_ERR(copy_file_range(in, NULL, out, NULL, 3, 1), EINVAL);
}

TEST(copy_file_range, overlapping_ranges_of_one_file_are_einval) {
    int fd = file_with("f", "0123456789", O_RDWR);
    loff_t a = 0, b = 4;
    CHECK_ERR(copy_file_range(fd, &a, fd, &b, 6, 0), EINVAL);
    /* Disjoint ranges of the same file are fine. */
    a = 0, b = 6;
    CHECK_EQ(copy_file_range(fd, &a, fd, &b, 3, 0), 3);
    char buf[11] = {0};
    CHECK_EQ(pread(fd, buf, 10, 0), 10);
    CHECK_STR(buf, "0123450129");
}

TEST(copy_file_range, wrong_access_modes_are_ebadf) {
    int in = file_with("in", "abc", O_WRONLY);
    int out = CHECK_OK(open("out", O_CREAT | O_RDWR, 0600));
    CHECK_ERR(copy_file_range(in, NULL, out, NULL, 3, 0), EBADF);
    int rin = CHECK_OK(open("in", O_RDONLY));
    int app = CHECK_OK(open("out", O_WRONLY | O_APPEND));
    CHECK_ERR(copy_file_range(rin, NULL, app, NULL, 3, 0), EBADF);
    int rout = CHECK_OK(open("out", O_RDONLY));
    CHECK_ERR(copy_file_range(rin, NULL, rout, NULL, 3, 0), EBADF);
}

TEST(copy_file_range, directory_is_eisdir) {
    CHECK_OK(mkdir("d", 0700));
    int d = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    int out = CHECK_OK(open("out", O_CREAT | O_RDWR, 0600));
    CHECK_ERR(copy_file_range(d, NULL, out, NULL, 3, 0), EISDIR);
}

/* ---- fsync, fdatasync, sync, syncfs ---- */

TEST(fsync, succeeds_on_files_and_directories) {
    int fd = file_with("f", "abc", O_RDWR);
    CHECK_EQ(CHECK_OK(fsync(fd)), 0);
    int ro = CHECK_OK(open("f", O_RDONLY));
    CHECK_OK(fsync(ro));
    int d = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
    CHECK_OK(fsync(d));
}

TEST(fsync, bad_fd_or_pipe) {
    CHECK_ERR(fsync(-1), EBADF);
    CHECK_ERR(fsync(777), EBADF);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(fsync(p[0]), EINVAL);
}

TEST(fdatasync, succeeds_on_a_file) {
    int fd = file_with("f", "abc", O_RDWR);
    CHECK_EQ(CHECK_OK(fdatasync(fd)), 0);
    CHECK_EQ(write(fd, "more", 4), 4);
    CHECK_OK(fdatasync(fd));
}

TEST(fdatasync, bad_fd_or_pipe) {
    CHECK_ERR(fdatasync(-1), EBADF);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(fdatasync(p[1]), EINVAL);
}

TEST(sync, always_succeeds) {
    harness_write_file("f", "abc");
    CHECK_EQ(syscall(SYS_sync), 0);
    CHECK_EQ(syscall(SYS_sync), 0);
}

TEST(syncfs, succeeds_on_any_open_file) {
    int fd = file_with("f", "abc", O_RDONLY);
    CHECK_EQ(CHECK_OK(syncfs(fd)), 0);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(syncfs(p[0]));
    CHECK_ERR(syncfs(-1), EBADF);
}

TEST(sync, written_data_stays_readable) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_EQ(write(fd, "durable", 7), 7);
    /* sync takes no arguments: whatever is in the registers is ignored. */
    CHECK_EQ(syscall(SYS_sync, -1, BAD_PTR, -1), 0);
    char buf[8] = {0};
    int r = CHECK_OK(open("f", O_RDONLY));
    CHECK_EQ(read(r, buf, sizeof buf), 7);
    CHECK_STR(buf, "durable");
}

TEST(syncfs, directory_is_fine_o_path_is_ebadf) {
    int d = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
    CHECK_OK(syncfs(d));
    int p = CHECK_OK(open(".", O_PATH));
    CHECK_ERR(syncfs(p), EBADF);
}

/* ---- fadvise64 ---- */

TEST(fadvise64, every_valid_advice_succeeds) {
    int fd = file_with("f", "abcdef", O_RDONLY);
    int advice[] = {POSIX_FADV_NORMAL, POSIX_FADV_RANDOM, POSIX_FADV_SEQUENTIAL,
                    POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    for (size_t i = 0; i < sizeof advice / sizeof *advice; i++)
        CHECK_EQ(CHECK_OK(sys_fadvise64(fd, 0, 0, advice[i])), 0);
    /* Ranges past the end are fine too. */
    CHECK_OK(sys_fadvise64(fd, 1 << 20, 4096, POSIX_FADV_WILLNEED));
}

TEST(fadvise64, bad_advice_or_length_is_einval) {
    int fd = file_with("f", "abc", O_RDONLY);
    CHECK_ERR(sys_fadvise64(fd, 0, 0, 6), EINVAL);
    CHECK_ERR(sys_fadvise64(fd, 0, 0, -1), EINVAL);
    CHECK_ERR(sys_fadvise64(fd, 0, -1, POSIX_FADV_NORMAL), EINVAL);
}

TEST(fadvise64, pipe_is_espipe_and_bad_fd_is_ebadf) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(sys_fadvise64(p[0], 0, 0, POSIX_FADV_NORMAL), ESPIPE);
    CHECK_ERR(sys_fadvise64(-1, 0, 0, POSIX_FADV_NORMAL), EBADF);
}

/* ---- fallocate ---- */

TEST(fallocate, extends_the_file_with_zeros) {
    int fd = file_with("f", "abc", O_RDWR);
    CHECK_EQ(CHECK_OK(fallocate(fd, 0, 0, 100)), 0);
    CHECK_EQ(size_of_fd(fd), 100);
    char buf[100], want[100] = "abc";
    CHECK_EQ(pread(fd, buf, 100, 0), 100);
    CHECK_MEM(buf, want, 100);
    /* A range inside the file changes nothing. */
    CHECK_OK(fallocate(fd, 0, 10, 10));
    CHECK_EQ(size_of_fd(fd), 100);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
}

TEST(fallocate, keep_size_does_not_change_the_size) {
    int fd = file_with("f", "abc", O_RDWR);
    CHECK_OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1 << 16));
    CHECK_EQ(size_of_fd(fd), 3);
    char buf[8];
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), 3);
}

TEST(fallocate, punch_hole_zeroes_the_range_and_keeps_the_size) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    static char data[3 * 4096], zero[4096];
    memset(data, 'x', sizeof data);
    CHECK_EQ(write(fd, data, sizeof data), (long)sizeof data);
    CHECK_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096));
    CHECK_EQ(size_of_fd(fd), (long)sizeof data);
    static char buf[3 * 4096];
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), (long)sizeof buf);
    CHECK_MEM(buf, data, 4096);
    CHECK_MEM(buf + 4096, zero, 4096);
    CHECK_MEM(buf + 8192, data, 4096);
    /* An unaligned punch zeroes exactly the bytes asked for. */
    CHECK_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 10, 5));
    CHECK_EQ(pread(fd, buf, 20, 0), 20);
    CHECK_MEM(buf, "xxxxxxxxxx\0\0\0\0\0xxxxx", 20);
}

TEST(fallocate, punch_hole_without_keep_size_is_eopnotsupp) {
    int fd = file_with("f", "abcdef", O_RDWR);
    CHECK_ERR(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 2), EOPNOTSUPP);
    char buf[6];
    CHECK_EQ(pread(fd, buf, 6, 0), 6);
    CHECK_MEM(buf, "abcdef", 6);
}

TEST(fallocate, bad_range_is_einval) {
    int fd = file_with("f", "abc", O_RDWR);
    CHECK_ERR(fallocate(fd, 0, 0, 0), EINVAL);
    CHECK_ERR(fallocate(fd, 0, -1, 10), EINVAL);
    CHECK_ERR(fallocate(fd, 0, 0, -10), EINVAL);
    CHECK_EQ(size_of_fd(fd), 3);
}

TEST(fallocate, read_only_fd_is_ebadf_and_pipe_is_espipe) {
    int fd = file_with("f", "abc", O_RDONLY);
    CHECK_ERR(fallocate(fd, 0, 0, 10), EBADF);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(fallocate(p[1], 0, 0, 10), ESPIPE);
}

/* ---- truncate, ftruncate ---- */

TEST(ftruncate, growing_fills_with_zeros) {
    int fd = file_with("f", "abc", O_RDWR);
    CHECK_EQ(CHECK_OK(ftruncate(fd, 10)), 0);
    CHECK_EQ(size_of_fd(fd), 10);
    char buf[16];
    CHECK_EQ(read(fd, buf, sizeof buf), 10);
    CHECK_MEM(buf, "abc\0\0\0\0\0\0\0", 10);
}

TEST(ftruncate, shrinking_drops_the_tail_and_keeps_the_offset) {
    int fd = file_with("f", "0123456789", O_RDWR);
    CHECK_EQ(lseek(fd, 8, SEEK_SET), 8);
    CHECK_OK(ftruncate(fd, 4));
    CHECK_EQ(size_of_fd(fd), 4);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 8);
    char c;
    CHECK_EQ(read(fd, &c, 1), 0);
    /* Growing again brings zeros back, not the old bytes. */
    CHECK_OK(ftruncate(fd, 10));
    char buf[10];
    CHECK_EQ(pread(fd, buf, 10, 0), 10);
    CHECK_MEM(buf, "0123\0\0\0\0\0\0", 10);
}

TEST(ftruncate, negative_length_is_einval) {
    int fd = file_with("f", "abc", O_RDWR);
    CHECK_ERR(ftruncate(fd, -1), EINVAL);
    CHECK_EQ(size_of_fd(fd), 3);
}

TEST(ftruncate, read_only_descriptor_is_einval) {
    int fd = file_with("f", "abc", O_RDONLY);
    CHECK_ERR(ftruncate(fd, 0), EINVAL);
    CHECK_EQ(size_of_fd(fd), 3);
    CHECK_ERR(ftruncate(-1, 0), EBADF);
}

TEST(ftruncate, directory_or_pipe_is_einval) {
    CHECK_OK(mkdir("d", 0700));
    int d = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_ERR(ftruncate(d, 0), EINVAL);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(ftruncate(p[1], 0), EINVAL);
}

TEST(truncate, sets_the_size_by_path) {
    harness_write_file("f", "0123456789");
    CHECK_EQ(CHECK_OK(truncate("f", 3)), 0);
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_EQ(size_of_fd(fd), 3);
    CHECK_OK(truncate("f", 5));
    char buf[8];
    CHECK_EQ(read(fd, buf, sizeof buf), 5);
    CHECK_MEM(buf, "012\0\0", 5);
}

TEST(truncate, follows_symlinks) {
    harness_write_file("f", "0123456789");
    CHECK_OK(symlink("f", "lf"));
    CHECK_OK(truncate("lf", 2));
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_EQ(size_of_fd(fd), 2);
}

TEST(truncate, errors_of_the_path) {
    CHECK_OK(mkdir("d", 0700));
    harness_write_file("f", "abc");
    CHECK_ERR(truncate("d", 0), EISDIR);
    CHECK_ERR(truncate("missing", 0), ENOENT);
    CHECK_ERR(truncate("f/x", 0), ENOTDIR);
    CHECK_ERR(truncate("f", -1), EINVAL);
    CHECK_ERR(truncate(BAD_PTR, 0), EFAULT);
}

/* ---- preadv2, pwritev2 ---- */
#include <sys/uio.h>

TEST(preadv2, offset_minus_one_uses_and_moves_the_position) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_EQ(write(fd, "abcdef", 6), 6);
    CHECK_OK(lseek(fd, 2, SEEK_SET));
    char buf[3];
    struct iovec iov = {buf, 3};
    CHECK_EQ(preadv2(fd, &iov, 1, -1, 0), 3);
    CHECK_MEM(buf, "cde", 3);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
    CHECK_EQ(preadv2(fd, &iov, 1, 0, RWF_HIPRI), 3);
    CHECK_MEM(buf, "abc", 3);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
}

TEST(pwritev2, writes_at_an_offset_or_the_position) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    struct iovec iov = {"xy", 2};
    CHECK_EQ(pwritev2(fd, &iov, 1, 4, RWF_DSYNC), 2);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
    CHECK_EQ(pwritev2(fd, &iov, 1, -1, RWF_SYNC), 2);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 2);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 6);
}

TEST(pwritev2, rwf_append_appends_whatever_the_offset) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_EQ(write(fd, "12345", 5), 5);
    struct iovec iov = {"ab", 2};
    CHECK_EQ(pwritev2(fd, &iov, 1, 0, RWF_APPEND), 2);
    char buf[8];
    CHECK_EQ(pread(fd, buf, 8, 0), 7);
    CHECK_MEM(buf, "12345ab", 7);
}

TEST(preadv2, errors) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    char buf[4];
    struct iovec iov = {buf, 4};
    CHECK_ERR(preadv2(fd, &iov, 1, 0, 0x10000), EOPNOTSUPP);
    CHECK_ERR(preadv2(fd, &iov, 1, -2, 0), EINVAL);
    CHECK_ERR(preadv2(999, &iov, 1, 0, 0), EBADF);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(preadv2(p[0], &iov, 1, -1, RWF_NOWAIT), EAGAIN);
    CHECK_EQ(write(p[1], "z", 1), 1);
    CHECK_EQ(preadv2(p[0], &iov, 1, -1, RWF_NOWAIT), 1);
}

/* ---- readahead, sync_file_range ---- */

TEST(readahead, succeeds_on_a_regular_file_and_checks_the_rest) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_EQ(write(fd, "data", 4), 4);
    CHECK_OK(readahead(fd, 0, 4096));
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(readahead(p[0], 0, 10), EINVAL);
    CHECK_ERR(readahead(999, 0, 10), EBADF);
    int wo = CHECK_OK(open("f", O_WRONLY));
    CHECK_ERR(readahead(wo, 0, 10), EBADF);
}

TEST(sync_file_range, checks_flags_range_and_file) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_OK(sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER));
    CHECK_ERR(sync_file_range(fd, 0, 0, 0x100), EINVAL);
    CHECK_ERR(sync_file_range(fd, -1, 0, 0), EINVAL);
    CHECK_ERR(sync_file_range(fd, 0, -5, 0), EINVAL);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(sync_file_range(p[1], 0, 0, 0), ESPIPE);
    CHECK_ERR(sync_file_range(999, 0, 0, 0), EBADF);
}
