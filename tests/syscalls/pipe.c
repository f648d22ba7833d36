/* Pipes and counters: pipe, pipe2, reading and writing pipes (blocking, O_NONBLOCK,
 * PIPE_BUF atomicity, EPIPE/SIGPIPE, end of file), splice and sendfile with pipes,
 * FIFOs, eventfd and eventfd2. */
#include "harness.h"

#include <limits.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <time.h>

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, 0);
}

/* Fills a non-blocking pipe write end; returns how many bytes it took. */
static long fill(int wfd) {
    static char buf[4096];
    long total = 0;
    for (;;) {
        ssize_t n = write(wfd, buf, sizeof buf);
        if (n < 0) {
            CHECK_EQ(errno, EAGAIN);
            return total;
        }
        total += n;
    }
}

/* ---- pipe, pipe2 ---- */

TEST(pipe, data_comes_out_in_order) {
    int p[2];
    CHECK_OK(syscall(SYS_pipe, p));
    CHECK(p[0] >= 3 && p[1] >= 3 && p[0] != p[1]);
    CHECK_EQ(write(p[1], "hello ", 6), 6);
    CHECK_EQ(write(p[1], "world", 5), 5);
    char buf[32];
    CHECK_EQ(read(p[0], buf, sizeof buf), 11);
    CHECK_MEM(buf, "hello world", 11);
}

TEST(pipe, ends_are_one_way) {
    int p[2];
    CHECK_OK(syscall(SYS_pipe, p));
    char c = 0;
    CHECK_ERR(write(p[0], &c, 1), EBADF);
    CHECK_ERR(read(p[1], &c, 1), EBADF);
    CHECK_EQ(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
    CHECK_EQ(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
}

TEST(pipe, bad_pointer_is_efault) {
    CHECK_ERR(syscall(SYS_pipe, BAD_PTR), EFAULT);
}

TEST(pipe, gets_the_lowest_free_fds_without_cloexec) {
    int p[2];
    CHECK_OK(syscall(SYS_pipe, p));
    CHECK_EQ(p[0], 3);
    CHECK_EQ(p[1], 4);
    CHECK_EQ(fcntl(p[0], F_GETFD), 0);
    CHECK_EQ(fcntl(p[1], F_GETFL) & O_NONBLOCK, 0);
}

TEST(pipe2, cloexec_marks_both_ends) {
    int p[2];
    CHECK_OK(pipe2(p, O_CLOEXEC));
    CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
}

TEST(pipe2, nonblock_marks_both_ends) {
    int p[2];
    CHECK_OK(pipe2(p, O_NONBLOCK));
    CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    CHECK(fcntl(p[1], F_GETFL) & O_NONBLOCK);
    CHECK_EQ(fcntl(p[0], F_GETFD), 0);
}

TEST(pipe2, unknown_flag_is_einval) {
    int p[2];
    CHECK_ERR(pipe2(p, O_APPEND), EINVAL);
    CHECK_ERR(pipe2(p, 0x40000000), EINVAL);
}

TEST(pipe2, bad_pointer_is_efault) {
    CHECK_ERR(pipe2(BAD_PTR, 0), EFAULT);
    CHECK_ERR(pipe2(BAD_PTR, O_CLOEXEC), EFAULT);
}

TEST(pipe2, o_direct_makes_each_write_a_packet) {
    int p[2];
    CHECK_OK(pipe2(p, O_DIRECT));
    CHECK_EQ(write(p[1], "abc", 3), 3);
    CHECK_EQ(write(p[1], "defg", 4), 4);
    char buf[64];
    CHECK_EQ(read(p[0], buf, sizeof buf), 3);
    CHECK_MEM(buf, "abc", 3);
    CHECK_EQ(read(p[0], buf, sizeof buf), 4);
    CHECK_MEM(buf, "defg", 4);
}

TEST(pipe2, o_direct_read_shorter_than_a_packet_discards_the_rest) {
    int p[2];
    CHECK_OK(pipe2(p, O_DIRECT));
    CHECK_EQ(write(p[1], "abcdef", 6), 6);
    CHECK_EQ(write(p[1], "xy", 2), 2);
    char buf[8] = {0};
    CHECK_EQ(read(p[0], buf, 2), 2);
    CHECK_MEM(buf, "ab", 2);
    CHECK_EQ(read(p[0], buf, sizeof buf), 2);
    CHECK_MEM(buf, "xy", 2);
    /* O_DIRECT is the write end's. */
    CHECK(fcntl(p[1], F_GETFL) & O_DIRECT);
    CHECK(!(fcntl(p[0], F_GETFL) & O_DIRECT));
}

/* ---- read and write on pipes ---- */

TEST(read, empty_nonblocking_pipe_is_eagain) {
    int p[2];
    CHECK_OK(pipe2(p, O_NONBLOCK));
    char c;
    CHECK_ERR(read(p[0], &c, 1), EAGAIN);
    /* O_NONBLOCK set later with fcntl works the same. */
    int q[2];
    CHECK_OK(pipe(q));
    CHECK_OK(fcntl(q[0], F_SETFL, O_NONBLOCK));
    CHECK_ERR(read(q[0], &c, 1), EAGAIN);
}

TEST(read, returns_what_is_there_without_waiting_for_more) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "abc", 3), 3);
    char buf[100];
    CHECK_EQ(read(p[0], buf, sizeof buf), 3);
}

TEST(read, returns_eof_when_every_writer_is_gone) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        /* The child's copy of the write end keeps the pipe open until it exits. */
        sleep_ms(20);
        CHECK_EQ(write(p[1], "x", 1), 1);
        _exit(0);
    }
    CHECK_OK(close(p[1]));
    char buf[4];
    CHECK_EQ(read(p[0], buf, sizeof buf), 1);
    CHECK_EQ(read(p[0], buf, sizeof buf), 0);
    CHECK_EQ(read(p[0], buf, sizeof buf), 0);
    CHECK_EXIT(pid, 0);
}

TEST(read, blocks_until_another_process_writes) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sleep_ms(30);
        CHECK_EQ(write(p[1], "late", 4), 4);
        _exit(0);
    }
    char buf[8];
    CHECK_EQ(read(p[0], buf, sizeof buf), 4);
    CHECK_MEM(buf, "late", 4);
    CHECK_EXIT(pid, 0);
}

static void on_usr1(int sig) { (void)sig; }

TEST(read, blocked_read_is_interrupted_by_a_signal_with_eintr) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1; /* no SA_RESTART */
    CHECK_OK(sigaction(SIGUSR1, &sa, 0));
    int p[2];
    CHECK_OK(pipe(p));
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        /* Signal repeatedly: one that lands before the read blocks is harmless. */
        for (int i = 0; i < 100; i++) {
            sleep_ms(10);
            kill(parent, SIGUSR1);
        }
        _exit(0);
    }
    char c;
    ssize_t r = read(p[0], &c, 1);
    int e = errno;
    kill(pid, SIGKILL);
    harness_wait(pid);
    CHECK_EQ(r, -1);
    CHECK_EQ(e, EINTR);
}

TEST(read, blocked_read_restarts_after_an_sa_restart_handler) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    CHECK_OK(sigaction(SIGUSR1, &sa, 0));
    int p[2];
    CHECK_OK(pipe(p));
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        for (int i = 0; i < 5; i++) {
            sleep_ms(10);
            kill(parent, SIGUSR1);
        }
        CHECK_EQ(write(p[1], "r", 1), 1);
        _exit(0);
    }
    char c = 0;
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(c, 'r');
    CHECK_EXIT(pid, 0);
}

TEST(write, without_readers_is_epipe) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(close(p[0]));
    signal(SIGPIPE, SIG_IGN);
    CHECK_ERR(write(p[1], "x", 1), EPIPE);
}

TEST(write, without_readers_raises_sigpipe) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(close(p[0]));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        write(p[1], "x", 1);
        _exit(0);
    }
    CHECK_EXIT(pid, 128 + SIGPIPE);
}

static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int sig) { (void)sig; sigpipes++; }

TEST(write, sigpipe_handler_runs_and_write_is_epipe) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(close(p[0]));
    signal(SIGPIPE, on_sigpipe);
    CHECK_ERR(write(p[1], "x", 1), EPIPE);
    CHECK_EQ(sigpipes, 1);
}

TEST(write, zero_bytes_returns_zero) {
    int p[2];
    CHECK_OK(pipe2(p, O_NONBLOCK));
    CHECK_EQ(write(p[1], "", 0), 0);
    char c;
    CHECK_ERR(read(p[0], &c, 1), EAGAIN);
}

TEST(write, pipe_capacity_is_64_kib) {
    int p[2];
    CHECK_OK(pipe2(p, O_NONBLOCK));
    CHECK_EQ(fill(p[1]), 65536);
    CHECK_ERR(write(p[1], "x", 1), EAGAIN);
}

TEST(write, nonblocking_small_write_that_does_not_fit_writes_nothing) {
    int p[2];
    CHECK_OK(pipe2(p, O_NONBLOCK));
    static char buf[65536];
    CHECK_EQ(write(p[1], buf, 65536 - 100), 65536 - 100);
    /* 200 <= PIPE_BUF: all or nothing. */
    CHECK_ERR(write(p[1], buf, 200), EAGAIN);
    long total = 0;
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0)
        total += n;
    CHECK_EQ(total, 65536 - 100);
}

TEST(write, nonblocking_large_write_is_partial) {
    int p[2];
    CHECK_OK(pipe2(p, O_NONBLOCK));
    static char buf[16384];
    for (int i = 0; i < 14; i++)
        CHECK_EQ(write(p[1], buf, 4096), 4096);
    CHECK_EQ(write(p[1], buf, 16384), 8192);
}

TEST(write, full_pipe_blocks_the_writer_until_read) {
    int p[2];
    CHECK_OK(pipe2(p, O_NONBLOCK));
    fill(p[1]);
    CHECK_OK(fcntl(p[1], F_SETFL, 0));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        CHECK_EQ(write(p[1], "z", 1), 1);
        _exit(0);
    }
    sleep_ms(50);
    int status;
    CHECK_EQ(waitpid(pid, &status, WNOHANG), 0); /* still blocked */
    static char buf[4096];
    CHECK_EQ(read(p[0], buf, sizeof buf), 4096);
    CHECK_EXIT(pid, 0);
}

TEST(write, pipe_buf_writes_are_atomic_between_two_processes) {
    enum { CHUNKS = 64 };
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pids[2];
    for (int w = 0; w < 2; w++) {
        pids[w] = CHECK_OK(fork());
        if (pids[w] == 0) {
            close(p[0]);
            char buf[PIPE_BUF];
            memset(buf, 'A' + w, sizeof buf);
            for (int i = 0; i < CHUNKS; i++)
                if (write(p[1], buf, sizeof buf) != (ssize_t)sizeof buf)
                    _exit(1);
            _exit(0);
        }
    }
    CHECK_OK(close(p[1]));
    static char all[2 * CHUNKS * PIPE_BUF + 1];
    long total = 0;
    ssize_t n;
    while ((n = read(p[0], all + total, sizeof all - total)) > 0)
        total += n;
    CHECK_EQ(total, 2 * CHUNKS * PIPE_BUF);
    int counts[2] = {0, 0};
    for (long off = 0; off < total; off += PIPE_BUF) {
        char first = all[off];
        CHECK_MSG(first == 'A' || first == 'B', "chunk at %ld starts with %d", off, first);
        for (long i = 1; i < PIPE_BUF; i++)
            if (all[off + i] != first)
                CHECK_MSG(0, "chunk at %ld is interleaved at byte %ld", off, i);
        counts[first - 'A']++;
    }
    CHECK_EQ(counts[0], CHUNKS);
    CHECK_EQ(counts[1], CHUNKS);
    CHECK_EXIT(pids[0], 0);
    CHECK_EXIT(pids[1], 0);
}

TEST(fstat, pipe_is_a_fifo) {
    int p[2];
    CHECK_OK(pipe(p));
    struct stat st;
    CHECK_OK(syscall(SYS_fstat, p[0], &st));
    CHECK(S_ISFIFO(st.st_mode));
    struct stat st2;
    CHECK_OK(syscall(SYS_fstat, p[1], &st2));
    CHECK(S_ISFIFO(st2.st_mode));
    CHECK_EQ(st.st_ino, st2.st_ino);
}

TEST(lseek, on_a_pipe_is_espipe) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(lseek(p[0], 0, SEEK_CUR), ESPIPE);
    CHECK_ERR(lseek(p[1], 0, SEEK_SET), ESPIPE);
}

TEST(pread64, on_a_pipe_is_espipe) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "ab", 2), 2);
    char c;
    CHECK_ERR(pread(p[0], &c, 1, 0), ESPIPE);
    CHECK_ERR(pwrite(p[1], &c, 1, 0), ESPIPE);
}

TEST(fcntl, getpipe_sz_is_the_capacity) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 65536);
    CHECK_EQ(fcntl(p[1], F_GETPIPE_SZ), 65536);
}

TEST(ioctl, fionread_counts_the_unread_bytes_of_a_pipe) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "12345", 5), 5);
    int n = -1;
    CHECK_OK(ioctl(p[0], FIONREAD, &n));
    CHECK_EQ(n, 5);
}

/* ---- splice ---- */

TEST(splice, file_to_pipe_moves_data_and_advances_the_offset) {
    harness_write_file("f", "0123456789");
    int fd = CHECK_OK(open("f", O_RDONLY));
    int p[2];
    CHECK_OK(pipe(p));
    loff_t off = 2;
    CHECK_EQ(splice(fd, &off, p[1], 0, 5, 0), 5);
    CHECK_EQ(off, 7);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0); /* an explicit offset leaves the file's alone */
    char buf[8];
    CHECK_EQ(read(p[0], buf, sizeof buf), 5);
    CHECK_MEM(buf, "23456", 5);
    /* Without an offset, the file position is used and moved. */
    CHECK_EQ(splice(fd, 0, p[1], 0, 3, 0), 3);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3);
}

TEST(splice, pipe_to_file_writes_at_the_file_position) {
    int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0600));
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "spliced", 7), 7);
    CHECK_EQ(splice(p[0], 0, fd, 0, 100, 0), 7);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 7);
    char buf[8];
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), 7);
    CHECK_MEM(buf, "spliced", 7);
}

TEST(splice, between_two_files_is_einval) {
    harness_write_file("a", "data");
    int in = CHECK_OK(open("a", O_RDONLY));
    int out = CHECK_OK(open("b", O_WRONLY | O_CREAT, 0600));
    CHECK_ERR(splice(in, 0, out, 0, 4, 0), EINVAL);
}

TEST(splice, unknown_flag_is_einval) {
    harness_write_file("f", "data");
    int fd = CHECK_OK(open("f", O_RDONLY));
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(splice(fd, 0, p[1], 0, 4, 0x100), EINVAL);
}

TEST(splice, offset_on_the_pipe_side_is_espipe) {
    int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0600));
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "x", 1), 1);
    loff_t off = 0;
    CHECK_ERR(splice(p[0], &off, fd, 0, 1, 0), ESPIPE);
}

TEST(splice, nonblocking_from_an_empty_pipe_is_eagain) {
    int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0600));
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(splice(p[0], 0, fd, 0, 10, SPLICE_F_NONBLOCK), EAGAIN);
    /* With the writer gone it is end of file instead. */
    CHECK_OK(close(p[1]));
    CHECK_EQ(splice(p[0], 0, fd, 0, 10, SPLICE_F_NONBLOCK), 0);
}

TEST(splice, bad_fd_is_ebadf) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(splice(12345, 0, p[1], 0, 1, 0), EBADF);
    CHECK_ERR(splice(p[0], 0, 12345, 0, 1, 0), EBADF);
}

/* ---- sendfile ---- */

TEST(sendfile, file_to_pipe_with_an_offset) {
    harness_write_file("f", "abcdefghij");
    int fd = CHECK_OK(open("f", O_RDONLY));
    int p[2];
    CHECK_OK(pipe(p));
    off_t off = 4;
    CHECK_EQ(sendfile(p[1], fd, &off, 3), 3);
    CHECK_EQ(off, 7);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
    char buf[8];
    CHECK_EQ(read(p[0], buf, sizeof buf), 3);
    CHECK_MEM(buf, "efg", 3);
}

TEST(sendfile, file_to_pipe_moves_the_file_position) {
    harness_write_file("f", "abcdefghij");
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK_EQ(lseek(fd, 8, SEEK_SET), 8);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(sendfile(p[1], fd, 0, 100), 2);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);
    CHECK_EQ(sendfile(p[1], fd, 0, 100), 0); /* end of file */
    char buf[8];
    CHECK_EQ(read(p[0], buf, sizeof buf), 2);
    CHECK_MEM(buf, "ij", 2);
}

/* ---- FIFOs ---- */

TEST(openat, fifo_opened_read_write_passes_data) {
    CHECK_OK(mknod("fifo", S_IFIFO | 0600, 0));
    struct stat st;
    CHECK_OK(stat("fifo", &st));
    CHECK(S_ISFIFO(st.st_mode));
    int fd = CHECK_OK(open("fifo", O_RDWR));
    CHECK_EQ(write(fd, "through", 7), 7);
    char buf[8];
    CHECK_EQ(read(fd, buf, sizeof buf), 7);
    CHECK_MEM(buf, "through", 7);
}

TEST(openat, fifo_nonblocking_write_only_without_reader_is_enxio) {
    CHECK_OK(mknod("fifo", S_IFIFO | 0600, 0));
    CHECK_ERR(open("fifo", O_WRONLY | O_NONBLOCK), ENXIO);
    /* Read-only non-blocking opens at once. */
    int r = CHECK_OK(open("fifo", O_RDONLY | O_NONBLOCK));
    int w = CHECK_OK(open("fifo", O_WRONLY | O_NONBLOCK));
    CHECK_EQ(write(w, "q", 1), 1);
    char c;
    CHECK_EQ(read(r, &c, 1), 1);
    CHECK_EQ(c, 'q');
}

/* ---- eventfd, eventfd2 ---- */

TEST(eventfd, read_returns_the_initial_value_and_resets_it) {
    int fd = CHECK_OK(syscall(SYS_eventfd, 5));
    CHECK_EQ(fcntl(fd, F_GETFD), 0);
    CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
    uint64_t v = 0;
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 5);
    CHECK_OK(fcntl(fd, F_SETFL, O_NONBLOCK));
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
}

TEST(eventfd, writes_add_to_the_counter) {
    int fd = CHECK_OK(syscall(SYS_eventfd, 0));
    uint64_t v = 3;
    CHECK_EQ(write(fd, &v, 8), 8);
    v = 4;
    CHECK_EQ(write(fd, &v, 8), 8);
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 7);
}

TEST(eventfd2, semaphore_reads_one_at_a_time) {
    int fd = CHECK_OK(eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK));
    uint64_t v;
    for (int i = 0; i < 3; i++) {
        v = 0;
        CHECK_EQ(read(fd, &v, 8), 8);
        CHECK_EQ(v, 1);
    }
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
}

TEST(eventfd2, nonblocking_read_of_zero_is_eagain) {
    int fd = CHECK_OK(eventfd(0, EFD_NONBLOCK));
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    uint64_t v;
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
}

TEST(eventfd2, cloexec_sets_the_flag) {
    int fd = CHECK_OK(eventfd(0, EFD_CLOEXEC));
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
}

TEST(eventfd2, unknown_flag_is_einval) {
    CHECK_ERR(eventfd(0, 2), EINVAL);
    CHECK_ERR(eventfd(0, O_APPEND), EINVAL);
}

TEST(eventfd2, short_buffers_are_einval) {
    int fd = CHECK_OK(eventfd(1, EFD_NONBLOCK));
    char buf[16];
    CHECK_ERR(read(fd, buf, 7), EINVAL);
    CHECK_ERR(write(fd, buf, 4), EINVAL);
    /* A longer buffer is fine: 8 bytes are moved. */
    uint64_t big[2] = {0, 0};
    CHECK_EQ(read(fd, big, sizeof big), 8);
    CHECK_EQ(big[0], 1);
}

TEST(eventfd2, write_of_all_ones_is_einval) {
    int fd = CHECK_OK(eventfd(0, EFD_NONBLOCK));
    uint64_t v = UINT64_MAX;
    CHECK_ERR(write(fd, &v, 8), EINVAL);
}

TEST(eventfd2, overflow_is_eagain) {
    int fd = CHECK_OK(eventfd(0, EFD_NONBLOCK));
    uint64_t v = UINT64_MAX - 1;
    CHECK_EQ(write(fd, &v, 8), 8);
    v = 1;
    CHECK_ERR(write(fd, &v, 8), EAGAIN);
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, UINT64_MAX - 1);
}

TEST(eventfd2, bad_buffer_is_efault) {
    int fd = CHECK_OK(eventfd(1, EFD_NONBLOCK));
    CHECK_ERR(read(fd, BAD_PTR, 8), EFAULT);
    CHECK_ERR(write(fd, BAD_PTR, 8), EFAULT);
}

static void *eventfd_poster(void *arg) {
    sleep_ms(20);
    uint64_t v = 9;
    write(*(int *)arg, &v, 8);
    return 0;
}

TEST(eventfd2, blocking_read_waits_for_a_write_from_another_thread) {
    int fd = CHECK_OK(eventfd(0, 0));
    pthread_t t;
    CHECK_EQ(pthread_create(&t, 0, eventfd_poster, &fd), 0);
    uint64_t v = 0;
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 9);
    pthread_join(t, 0);
}

/* ---- tee, vmsplice ---- */

TEST(tee, duplicates_without_consuming) {
    int a[2], b[2];
    CHECK_OK(pipe(a));
    CHECK_OK(pipe(b));
    CHECK_EQ(write(a[1], "hello", 5), 5);
    CHECK_EQ(tee(a[0], b[1], 100, 0), 5);
    char buf[16];
    CHECK_EQ(read(b[0], buf, sizeof buf), 5);
    CHECK_MEM(buf, "hello", 5);
    CHECK_EQ(read(a[0], buf, sizeof buf), 5);
    CHECK_MEM(buf, "hello", 5);
}

TEST(tee, copies_at_most_len_bytes) {
    int a[2], b[2];
    CHECK_OK(pipe(a));
    CHECK_OK(pipe(b));
    CHECK_EQ(write(a[1], "abcdef", 6), 6);
    CHECK_EQ(tee(a[0], b[1], 3, 0), 3);
    char buf[16];
    CHECK_EQ(read(b[0], buf, sizeof buf), 3);
    CHECK_MEM(buf, "abc", 3);
}

TEST(tee, empty_input_is_eagain_with_nonblock_and_zero_without_writers) {
    int a[2], b[2];
    CHECK_OK(pipe(a));
    CHECK_OK(pipe(b));
    CHECK_ERR(tee(a[0], b[1], 10, SPLICE_F_NONBLOCK), EAGAIN);
    CHECK_OK(close(a[1]));
    CHECK_EQ(tee(a[0], b[1], 10, 0), 0);
}

TEST(tee, non_pipes_and_one_pipe_are_einval_wrong_ends_ebadf) {
    int a[2], b[2];
    CHECK_OK(pipe(a));
    CHECK_OK(pipe(b));
    int f = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_ERR(tee(f, b[1], 10, 0), EINVAL);
    CHECK_ERR(tee(a[0], f, 10, 0), EINVAL);
    CHECK_EQ(write(a[1], "x", 1), 1);
    CHECK_ERR(tee(a[0], a[1], 10, 0), EINVAL);
    CHECK_ERR(tee(a[1], b[1], 10, 0), EBADF);
    CHECK_ERR(tee(a[0], b[0], 10, 0), EBADF);
    CHECK_ERR(tee(a[0], b[1], 10, 0x100), EINVAL);
}

TEST(tee, output_without_readers_is_epipe) {
    int a[2], b[2];
    CHECK_OK(pipe(a));
    CHECK_OK(pipe(b));
    signal(SIGPIPE, SIG_IGN);
    CHECK_EQ(write(a[1], "x", 1), 1);
    CHECK_OK(close(b[0]));
    CHECK_ERR(tee(a[0], b[1], 1, 0), EPIPE);
}

TEST(tee, waits_for_data) {
    int a[2], b[2];
    CHECK_OK(pipe(a));
    CHECK_OK(pipe(b));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sleep_ms(100);
        write(a[1], "late", 4);
        _exit(0);
    }
    CHECK_EQ(tee(a[0], b[1], 10, 0), 4);
    CHECK_EXIT(pid, 0);
}

TEST(vmsplice, gathers_iovecs_into_a_pipe) {
    int p[2];
    CHECK_OK(pipe(p));
    char x[] = "ab", y[] = "cde";
    struct iovec iov[2] = {{x, 2}, {y, 3}};
    CHECK_EQ(vmsplice(p[1], iov, 2, 0), 5);
    char buf[16];
    CHECK_EQ(read(p[0], buf, sizeof buf), 5);
    CHECK_MEM(buf, "abcde", 5);
}

TEST(vmsplice, scatters_a_pipe_into_iovecs) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "12345", 5), 5);
    char x[2], y[8];
    struct iovec iov[2] = {{x, 2}, {y, 8}};
    CHECK_EQ(vmsplice(p[0], iov, 2, 0), 5);
    CHECK_MEM(x, "12", 2);
    CHECK_MEM(y, "345", 3);
}

TEST(vmsplice, errors) {
    int p[2];
    CHECK_OK(pipe(p));
    char x[4] = "abc";
    struct iovec iov = {x, 3};
    int f = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_ERR(vmsplice(f, &iov, 1, 0), EBADF);
    CHECK_ERR(vmsplice(p[0], &iov, 1, SPLICE_F_NONBLOCK), EAGAIN);
    struct iovec bad = {BAD_PTR, 3};
    CHECK_ERR(vmsplice(p[1], &bad, 1, 0), EFAULT);
    CHECK_ERR(vmsplice(p[1], &iov, 1, 0x100), EINVAL);
    CHECK_EQ(vmsplice(p[1], &iov, 0, 0), 0);
}
