/* Descriptor table calls: dup, dup2, dup3, close, close_range, fcntl(F_DUPFD...). */
#include "harness.h"

#include <sys/ioctl.h>

#include <sys/resource.h>

TEST(dup, returns_the_lowest_free_fd) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    int d = CHECK_OK(dup(fd));
    CHECK_EQ(d, fd + 1);
    CHECK_OK(close(fd));
    CHECK_EQ(CHECK_OK(dup(d)), fd);
}

TEST(dup, shares_the_file_offset) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    int d = CHECK_OK(dup(fd));
    CHECK_EQ(write(fd, "abc", 3), 3);
    CHECK_EQ(lseek(d, 0, SEEK_CUR), 3);
}

TEST(dup, clears_close_on_exec) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR | O_CLOEXEC, 0600));
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    int d = CHECK_OK(dup(fd));
    CHECK_EQ(fcntl(d, F_GETFD), 0);
}

TEST(dup, bad_fd_is_ebadf) {
    CHECK_ERR(dup(-1), EBADF);
    CHECK_ERR(dup(12345), EBADF);
}

TEST(dup2, returns_the_new_fd) {
    CHECK_EQ(CHECK_OK(dup2(0, 100)), 100);
    CHECK_EQ(fcntl(100, F_GETFD), 0);
}

TEST(dup2, same_fd_is_a_no_op) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR | O_CLOEXEC, 0600));
    CHECK_EQ(dup2(fd, fd), fd);
    /* Unlike dup3, dup2 to itself keeps the flags. */
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK_ERR(dup2(12345, 12345), EBADF);
}

TEST(dup2, closes_the_old_target) {
    int p[2];
    CHECK_OK(pipe(p));
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_OK(dup2(fd, p[1]));
    /* The write end is gone: reading sees end of file. */
    char c;
    CHECK_EQ(read(p[0], &c, 1), 0);
}

TEST(dup2, target_beyond_the_limit_is_ebadf) {
    struct rlimit rl;
    CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
    CHECK_ERR(dup2(0, (int)rl.rlim_cur), EBADF);
    CHECK_ERR(dup2(0, -1), EBADF);
}

TEST(dup3, sets_close_on_exec) {
    CHECK_EQ(CHECK_OK(dup3(0, 50, O_CLOEXEC)), 50);
    CHECK_EQ(fcntl(50, F_GETFD), FD_CLOEXEC);
}

TEST(dup3, same_fd_is_einval) {
    CHECK_ERR(dup3(0, 0, 0), EINVAL);
}

TEST(dup3, unknown_flag_is_einval) {
    CHECK_ERR(dup3(0, 51, O_NONBLOCK), EINVAL);
}

TEST(close, twice_is_ebadf) {
    int fd = CHECK_OK(dup(0));
    CHECK_OK(close(fd));
    CHECK_ERR(close(fd), EBADF);
    CHECK_ERR(close(-1), EBADF);
}

TEST(close_range, closes_every_fd_in_range) {
    for (int i = 0; i < 5; i++)
        CHECK_OK(dup2(0, 60 + i));
    CHECK_OK(syscall(SYS_close_range, 61, 63, 0));
    CHECK(fcntl(60, F_GETFD) >= 0);
    CHECK_ERR(fcntl(61, F_GETFD), EBADF);
    CHECK_ERR(fcntl(63, F_GETFD), EBADF);
    CHECK(fcntl(64, F_GETFD) >= 0);
}

TEST(close_range, cloexec_flag_marks_instead_of_closing) {
    CHECK_OK(dup2(0, 70));
    CHECK_OK(syscall(SYS_close_range, 70, 70, 4 /* CLOSE_RANGE_CLOEXEC */));
    CHECK_EQ(fcntl(70, F_GETFD), FD_CLOEXEC);
}

TEST(close_range, first_above_last_is_einval) {
    CHECK_ERR(syscall(SYS_close_range, 10, 5, 0), EINVAL);
    CHECK_ERR(syscall(SYS_close_range, 5, 10, 0x80), EINVAL);
}

TEST(fcntl, dupfd_returns_at_least_the_argument) {
    CHECK_EQ(CHECK_OK(fcntl(0, F_DUPFD, 80)), 80);
    CHECK_EQ(CHECK_OK(fcntl(0, F_DUPFD, 80)), 81);
    CHECK_EQ(fcntl(81, F_GETFD), 0);
}

TEST(fcntl, dupfd_cloexec_sets_the_flag) {
    int d = CHECK_OK(fcntl(0, F_DUPFD_CLOEXEC, 90));
    CHECK_EQ(fcntl(d, F_GETFD), FD_CLOEXEC);
}

TEST(fcntl, dupfd_negative_is_einval) {
    CHECK_ERR(fcntl(0, F_DUPFD, -1), EINVAL);
}

TEST(fcntl, setfl_changes_only_the_status_flags) {
    int fd = CHECK_OK(open("f", O_CREAT | O_WRONLY, 0600));
    CHECK_OK(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK | O_RDWR));
    int fl = CHECK_OK(fcntl(fd, F_GETFL));
    CHECK_EQ(fl & O_ACCMODE, O_WRONLY);
    CHECK(fl & O_APPEND);
    CHECK(fl & O_NONBLOCK);
}

TEST(fcntl, bad_command_is_einval) {
    CHECK_ERR(fcntl(0, 12345), EINVAL);
    CHECK_ERR(fcntl(-1, F_GETFD), EBADF);
}

TEST(ioctl, fionbio_sets_and_clears_o_nonblock) {
    int p[2];
    CHECK_OK(pipe(p));
    int on = 1;
    CHECK_OK(ioctl(p[0], FIONBIO, &on));
    CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    char c;
    CHECK_ERR(read(p[0], &c, 1), EAGAIN);
    int off = 0;
    CHECK_OK(ioctl(p[0], FIONBIO, &off));
    CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
    CHECK_ERR(ioctl(p[0], FIONBIO, BAD_PTR), EFAULT);
}

/* Inherited descriptors (the runner's stdout, a host pipe or file) take FIONBIO too. */
TEST(ioctl, fionbio_on_an_inherited_descriptor) {
    int fd = dup(1);
    CHECK(fd >= 0);
    int on = 1;
    CHECK_OK(ioctl(fd, FIONBIO, &on));
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    int off = 0;
    CHECK_OK(ioctl(fd, FIONBIO, &off));
}
