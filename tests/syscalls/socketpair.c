/* AF_UNIX socket pairs made by socketpair: the pair's types and flags and its errors;
 * stream ends (bytes both ways, large writes, EOF, EPIPE/SIGPIPE, ECONNRESET,
 * MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL), seqpacket and datagram ends (message
 * boundaries, truncation, a closed peer), shutdown, socket options (SO_TYPE, SO_DOMAIN,
 * SO_PEERCRED, buffer sizes, option errors), getsockname and getpeername, fstat, poll,
 * SCM_RIGHTS and SCM_CREDENTIALS messages, and an end shared with a child. (bind,
 * listen, connect and accept are for another family.) */
#include "harness.h"

#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A connected AF_UNIX pair of `type` (which may carry SOCK_NONBLOCK/SOCK_CLOEXEC). */
static void pair(int type, int sv[2]) {
    CHECK_OK(socketpair(AF_UNIX, type, 0, sv));
}

/* The lowest free descriptor (what the next open would get). */
static int lowest_free_fd(void) {
    int fd = CHECK_OK(dup(0));
    CHECK_OK(close(fd));
    return fd;
}

static int int_opt(int fd, int name) {
    int v = -12345;
    socklen_t len = sizeof v;
    CHECK_OK(getsockopt(fd, SOL_SOCKET, name, &v, &len));
    CHECK_EQ(len, sizeof v);
    return v;
}

/* Sends one byte 'F' with `n` descriptors in an SCM_RIGHTS message. */
static void send_fds(int sock, const int *fds, int n) {
    char c = 'F';
    struct iovec iov = {&c, 1};
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = u.buf;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
    CHECK_EQ(sendmsg(sock, &m, 0), 1);
}

/* Receives the one-byte message of send_fds with `flags`; stores up to `max` received
 * descriptors in `fds` and returns how many came. */
static int recv_fds(int sock, int *fds, int max, int flags) {
    char c = 0;
    struct iovec iov = {&c, 1};
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = u.buf;
    m.msg_controllen = sizeof u.buf;
    CHECK_EQ(recvmsg(sock, &m, flags), 1);
    CHECK_EQ(c, 'F');
    CHECK_EQ(m.msg_flags & MSG_CTRUNC, 0);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    CHECK(cm != 0);
    CHECK_EQ(cm->cmsg_level, SOL_SOCKET);
    CHECK_EQ(cm->cmsg_type, SCM_RIGHTS);
    int n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    CHECK(n <= max);
    memcpy(fds, CMSG_DATA(cm), sizeof(int) * n);
    return n;
}

/* ---- socketpair ---- */

TEST(socketpair, stream_pair_is_two_connected_blocking_ends) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK_EQ(sv[0], 3);
    CHECK_EQ(sv[1], 4);
    CHECK_EQ(fcntl(sv[0], F_GETFD), 0);
    CHECK_EQ(fcntl(sv[1], F_GETFD), 0);
    CHECK_EQ(fcntl(sv[0], F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
    CHECK_EQ(fcntl(sv[1], F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
    CHECK_EQ(int_opt(sv[0], SO_TYPE), SOCK_STREAM);
    CHECK_EQ(write(sv[0], "hi", 2), 2);
    char buf[8];
    CHECK_EQ(read(sv[1], buf, sizeof buf), 2);
    CHECK_MEM(buf, "hi", 2);
}

TEST(socketpair, dgram_and_seqpacket_pairs_carry_messages_both_ways) {
    int types[] = {SOCK_DGRAM, SOCK_SEQPACKET};
    for (int i = 0; i < 2; i++) {
        int sv[2];
        pair(types[i], sv);
        CHECK_EQ(int_opt(sv[0], SO_TYPE), types[i]);
        CHECK_EQ(int_opt(sv[1], SO_TYPE), types[i]);
        char buf[16];
        CHECK_EQ(send(sv[0], "to1", 3, 0), 3);
        CHECK_EQ(recv(sv[1], buf, sizeof buf, 0), 3);
        CHECK_MEM(buf, "to1", 3);
        CHECK_EQ(send(sv[1], "to0!", 4, 0), 4);
        CHECK_EQ(recv(sv[0], buf, sizeof buf, 0), 4);
        CHECK_MEM(buf, "to0!", 4);
    }
}

TEST(socketpair, sock_nonblock_marks_both_ends) {
    int sv[2];
    pair(SOCK_STREAM | SOCK_NONBLOCK, sv);
    CHECK(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
    CHECK(fcntl(sv[1], F_GETFL) & O_NONBLOCK);
    CHECK_EQ(fcntl(sv[0], F_GETFD), 0);
    char c;
    CHECK_ERR(read(sv[0], &c, 1), EAGAIN);
    CHECK_ERR(read(sv[1], &c, 1), EAGAIN);
}

TEST(socketpair, sock_cloexec_marks_both_ends) {
    int sv[2];
    pair(SOCK_DGRAM | SOCK_CLOEXEC, sv);
    CHECK_EQ(fcntl(sv[0], F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(sv[1], F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
}

TEST(socketpair, af_inet_is_eopnotsupp_and_an_unknown_domain_eafnosupport) {
    int sv[2];
    CHECK_ERR(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
    CHECK_ERR(socketpair(AF_INET, SOCK_DGRAM, 0, sv), EOPNOTSUPP);
    CHECK_ERR(socketpair(12345, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
    CHECK_ERR(socketpair(AF_MAX, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
    CHECK_EQ(lowest_free_fd(), 3);
}

TEST(socketpair, out_of_range_type_is_einval_and_unsupported_type_esocktnosupport) {
    int sv[2];
    CHECK_ERR(socketpair(AF_UNIX, 99, 0, sv), EINVAL);
    CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM | 0x40000000, 0, sv), EINVAL);
    CHECK_ERR(socketpair(AF_UNIX, 0, 0, sv), ESOCKTNOSUPPORT);
    CHECK_ERR(socketpair(AF_UNIX, SOCK_RDM, 0, sv), ESOCKTNOSUPPORT);
    CHECK_ERR(socketpair(AF_UNIX, SOCK_PACKET, 0, sv), ESOCKTNOSUPPORT);
    CHECK_EQ(lowest_free_fd(), 3);
}

TEST(socketpair, sock_raw_gives_a_dgram_pair) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_RAW, 0, sv));
    CHECK_EQ(int_opt(sv[0], SO_TYPE), SOCK_DGRAM);
    CHECK_EQ(send(sv[0], "ab", 2, 0), 2);
    CHECK_EQ(send(sv[0], "c", 1, 0), 1);
    char buf[8];
    CHECK_EQ(recv(sv[1], buf, sizeof buf, 0), 2);
}

TEST(socketpair, protocol_other_than_0_or_pf_unix_is_eprotonosupport) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, PF_UNIX, sv));
    CHECK_EQ(int_opt(sv[0], SO_PROTOCOL), 0);
    CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM, 2, sv), EPROTONOSUPPORT);
    CHECK_ERR(socketpair(AF_UNIX, SOCK_DGRAM, 17, sv), EPROTONOSUPPORT);
}

TEST(socketpair, bad_pointer_is_efault_and_leaks_no_fds) {
    CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM, 0, BAD_PTR), EFAULT);
    CHECK_ERR(socketpair(AF_UNIX, SOCK_DGRAM, 0, BAD_PTR), EFAULT);
    CHECK_EQ(lowest_free_fd(), 3);
}

/* ---- stream ends ---- */

TEST(write, stream_bytes_arrive_at_the_other_end_in_both_directions) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    char buf[16];
    CHECK_EQ(write(sv[0], "ping", 4), 4);
    CHECK_EQ(read(sv[1], buf, sizeof buf), 4);
    CHECK_MEM(buf, "ping", 4);
    CHECK_EQ(write(sv[1], "pong!", 5), 5);
    CHECK_EQ(read(sv[0], buf, sizeof buf), 5);
    CHECK_MEM(buf, "pong!", 5);
    /* Two writes are one byte stream: one read takes both. */
    CHECK_EQ(write(sv[0], "abc", 3), 3);
    CHECK_EQ(write(sv[0], "def", 3), 3);
    CHECK_EQ(read(sv[1], buf, sizeof buf), 6);
    CHECK_MEM(buf, "abcdef", 6);
}

#define BIG (100 * 1024)
static unsigned char big_out[BIG], big_in[BIG];
static int big_fd;
static ssize_t big_written;

static void *big_writer(void *arg) {
    (void)arg;
    big_written = write(big_fd, big_out, BIG);
    return 0;
}

TEST(read, stream_100_kib_write_is_read_back_whole_over_several_reads) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    for (int i = 0; i < BIG; i++)
        big_out[i] = (unsigned char)(i * 7 + i / 251);
    big_fd = sv[0];
    pthread_t t;
    CHECK_EQ(pthread_create(&t, 0, big_writer, 0), 0);
    long total = 0, reads = 0;
    while (total < BIG) {
        size_t want = BIG - total < 4096 ? (size_t)(BIG - total) : 4096;
        ssize_t n = read(sv[1], big_in + total, want);
        CHECK_MSG(n > 0, "read returned %zd (errno %d) after %ld bytes", n, errno, total);
        total += n;
        reads++;
    }
    CHECK_EQ(pthread_join(t, 0), 0);
    CHECK_EQ(big_written, BIG);
    CHECK_EQ(total, BIG);
    CHECK(reads >= 25);
    CHECK_MEM(big_in, big_out, BIG);
}

TEST(read, stream_gives_eof_after_the_peer_closed_once_drained) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    CHECK_EQ(write(sv[1], "last", 4), 4);
    CHECK_OK(close(sv[1]));
    char buf[16];
    CHECK_EQ(read(sv[0], buf, sizeof buf), 4);
    CHECK_MEM(buf, "last", 4);
    CHECK_EQ(read(sv[0], buf, sizeof buf), 0);
    CHECK_EQ(read(sv[0], buf, sizeof buf), 0);
}

TEST(read, stream_peer_closed_with_unread_data_is_econnreset_once) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    CHECK_EQ(write(sv[0], "unread", 6), 6); /* sv[1] never reads it */
    CHECK_EQ(write(sv[1], "zz", 2), 2);
    CHECK_OK(close(sv[1]));
    char buf[16];
    /* What the peer sent first, then the reset, then end of file. */
    CHECK_EQ(read(sv[0], buf, sizeof buf), 2);
    CHECK_ERR(read(sv[0], buf, sizeof buf), ECONNRESET);
    CHECK_EQ(read(sv[0], buf, sizeof buf), 0);
}

TEST(write, stream_to_a_closed_peer_is_epipe) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    CHECK_OK(close(sv[1]));
    signal(SIGPIPE, SIG_IGN);
    CHECK_ERR(write(sv[0], "x", 1), EPIPE);
    CHECK_ERR(send(sv[0], "x", 1, 0), EPIPE);
}

TEST(write, stream_to_a_closed_peer_raises_sigpipe) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    CHECK_OK(close(sv[1]));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        write(sv[0], "x", 1);
        _exit(0);
    }
    CHECK_EXIT(pid, 128 + SIGPIPE);
}

TEST(sendto, msg_nosignal_to_a_closed_peer_is_epipe_without_sigpipe) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    CHECK_OK(close(sv[1]));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(recvfrom, msg_dontwait_on_an_empty_blocking_end_is_eagain) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    char c;
    CHECK_ERR(recv(sv[0], &c, 1, MSG_DONTWAIT), EAGAIN);
    /* The end itself stays blocking. */
    CHECK_EQ(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
    CHECK_EQ(write(sv[1], "y", 1), 1);
    CHECK_EQ(recv(sv[0], &c, 1, MSG_DONTWAIT), 1);
    CHECK_EQ(c, 'y');
}

TEST(recvfrom, msg_peek_leaves_the_data_in_place) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    CHECK_EQ(write(sv[0], "peekaboo", 8), 8);
    char buf[16];
    CHECK_EQ(recv(sv[1], buf, 4, MSG_PEEK), 4);
    CHECK_MEM(buf, "peek", 4);
    CHECK_EQ(recv(sv[1], buf, sizeof buf, MSG_PEEK), 8);
    CHECK_EQ(read(sv[1], buf, sizeof buf), 8);
    CHECK_MEM(buf, "peekaboo", 8);
    CHECK_ERR(recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
}

TEST(recvfrom, msg_waitall_waits_for_the_full_count) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        CHECK_EQ(send(sv[0], "abc", 3, 0), 3);
        sleep_ms(50);
        CHECK_EQ(send(sv[0], "def", 3, 0), 3);
        _exit(0);
    }
    char buf[16];
    CHECK_EQ(recv(sv[1], buf, 6, MSG_WAITALL), 6);
    CHECK_MEM(buf, "abcdef", 6);
    CHECK_EXIT(pid, 0);
}

/* ---- seqpacket ends ---- */

TEST(recvfrom, seqpacket_keeps_message_boundaries) {
    int sv[2];
    pair(SOCK_SEQPACKET, sv);
    CHECK_EQ(send(sv[0], "first", 5, 0), 5);
    CHECK_EQ(send(sv[0], "second!", 7, 0), 7);
    char buf[64];
    CHECK_EQ(recv(sv[1], buf, sizeof buf, 0), 5);
    CHECK_MEM(buf, "first", 5);
    CHECK_EQ(recv(sv[1], buf, sizeof buf, 0), 7);
    CHECK_MEM(buf, "second!", 7);
}

TEST(recvmsg, seqpacket_short_buffer_sets_msg_trunc_and_drops_the_rest) {
    int sv[2];
    pair(SOCK_SEQPACKET, sv);
    CHECK_EQ(send(sv[0], "abcdef", 6, 0), 6);
    CHECK_EQ(send(sv[0], "XY", 2, 0), 2);
    char buf[16];
    struct iovec iov = {buf, 3};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    CHECK_EQ(recvmsg(sv[1], &m, 0), 3);
    CHECK_MEM(buf, "abc", 3);
    CHECK(m.msg_flags & MSG_TRUNC);
    /* The rest of the first message is gone: the next read is the second one. */
    iov.iov_len = sizeof buf;
    m.msg_flags = 0;
    CHECK_EQ(recvmsg(sv[1], &m, 0), 2);
    CHECK_MEM(buf, "XY", 2);
    CHECK_EQ(m.msg_flags & MSG_TRUNC, 0);
}

TEST(recvfrom, seqpacket_peer_closed_is_eof_and_send_is_epipe) {
    int sv[2];
    pair(SOCK_SEQPACKET, sv);
    CHECK_EQ(send(sv[1], "bye", 3, 0), 3);
    CHECK_OK(close(sv[1]));
    char buf[16];
    CHECK_EQ(recv(sv[0], buf, sizeof buf, 0), 3);
    CHECK_EQ(recv(sv[0], buf, sizeof buf, 0), 0);
    CHECK_EQ(recv(sv[0], buf, sizeof buf, 0), 0);
    signal(SIGPIPE, SIG_IGN);
    CHECK_ERR(send(sv[0], "x", 1, 0), EPIPE);
}

/* ---- datagram ends ---- */

TEST(recvfrom, dgram_keeps_message_boundaries) {
    int sv[2];
    pair(SOCK_DGRAM, sv);
    CHECK_EQ(send(sv[0], "one", 3, 0), 3);
    CHECK_EQ(send(sv[0], "", 0, 0), 0);
    CHECK_EQ(send(sv[0], "three", 5, 0), 5);
    char buf[64];
    CHECK_EQ(recv(sv[1], buf, sizeof buf, 0), 3);
    CHECK_MEM(buf, "one", 3);
    CHECK_EQ(recv(sv[1], buf, sizeof buf, 0), 0); /* an empty datagram is a message */
    CHECK_EQ(recv(sv[1], buf, sizeof buf, 0), 5);
    CHECK_MEM(buf, "three", 5);
    CHECK_ERR(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
}

TEST(recvmsg, dgram_short_buffer_sets_msg_trunc_and_drops_the_rest) {
    int sv[2];
    pair(SOCK_DGRAM, sv);
    CHECK_EQ(send(sv[0], "hello", 5, 0), 5);
    CHECK_EQ(send(sv[0], "next", 4, 0), 4);
    char buf[16];
    struct iovec iov = {buf, 2};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    CHECK_EQ(recvmsg(sv[1], &m, 0), 2);
    CHECK_MEM(buf, "he", 2);
    CHECK(m.msg_flags & MSG_TRUNC);
    iov.iov_len = sizeof buf;
    m.msg_flags = 0;
    CHECK_EQ(recvmsg(sv[1], &m, 0), 4);
    CHECK_MEM(buf, "next", 4);
    CHECK_EQ(m.msg_flags & MSG_TRUNC, 0);
}

TEST(recvfrom, msg_trunc_flag_returns_the_real_datagram_length) {
    int sv[2];
    pair(SOCK_DGRAM, sv);
    CHECK_EQ(send(sv[0], "hello world", 11, 0), 11);
    char buf[16];
    memset(buf, 0, sizeof buf);
    CHECK_EQ(recv(sv[1], buf, 2, MSG_TRUNC), 11);
    CHECK_MEM(buf, "he\0", 3);
    /* Seqpacket does the same. */
    int sq[2];
    pair(SOCK_SEQPACKET, sq);
    CHECK_EQ(send(sq[0], "abcdef", 6, 0), 6);
    CHECK_EQ(recv(sq[1], buf, 1, MSG_TRUNC), 6);
    CHECK_EQ(buf[0], 'a');
}

TEST(sendto, dgram_to_a_closed_peer_is_econnrefused_then_enotconn) {
    int sv[2];
    pair(SOCK_DGRAM, sv);
    CHECK_OK(close(sv[1]));
    signal(SIGPIPE, SIG_IGN);
    /* The first send finds the peer dead and disconnects the end. */
    CHECK_ERR(send(sv[0], "x", 1, 0), ECONNREFUSED);
    CHECK_ERR(send(sv[0], "x", 1, 0), ENOTCONN);
    CHECK_ERR(write(sv[0], "x", 1), ENOTCONN);
}

TEST(recvfrom, dgram_queued_message_outlives_the_peer_and_no_eof_follows) {
    int sv[2];
    pair(SOCK_DGRAM, sv);
    CHECK_EQ(send(sv[1], "q", 1, 0), 1);
    CHECK_OK(close(sv[1]));
    char buf[8];
    CHECK_EQ(recv(sv[0], buf, sizeof buf, MSG_DONTWAIT), 1);
    CHECK_EQ(buf[0], 'q');
    /* A datagram end has no end of file: an empty queue stays EAGAIN. */
    CHECK_ERR(recv(sv[0], buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    CHECK_EQ(int_opt(sv[0], SO_ERROR), 0);
}

/* ---- shutdown ---- */

TEST(shutdown, shut_wr_gives_the_peer_eof_own_writes_epipe_other_way_works) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    CHECK_EQ(write(sv[0], "ab", 2), 2);
    CHECK_OK(shutdown(sv[0], SHUT_WR));
    char buf[8];
    CHECK_EQ(read(sv[1], buf, sizeof buf), 2);
    CHECK_EQ(read(sv[1], buf, sizeof buf), 0);
    struct pollfd pf = {sv[1], POLLIN | POLLRDHUP, 0};
    CHECK_EQ(poll(&pf, 1, 0), 1);
    CHECK_EQ(pf.revents & (POLLIN | POLLRDHUP | POLLHUP), POLLIN | POLLRDHUP);
    /* The other direction still works. */
    CHECK_EQ(write(sv[1], "back", 4), 4);
    CHECK_EQ(read(sv[0], buf, sizeof buf), 4);
    CHECK_MEM(buf, "back", 4);
    /* The end that shut down writing gets EPIPE (seqpacket too). */
    signal(SIGPIPE, SIG_IGN);
    CHECK_ERR(write(sv[0], "x", 1), EPIPE);
    CHECK_ERR(send(sv[0], "x", 1, 0), EPIPE);
    int sq[2];
    pair(SOCK_SEQPACKET, sq);
    CHECK_OK(shutdown(sq[0], SHUT_WR));
    CHECK_ERR(send(sq[0], "x", 1, 0), EPIPE);
}

TEST(shutdown, shut_rd_keeps_queued_data_then_eof_and_the_peer_gets_epipe) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    CHECK_EQ(write(sv[1], "ab", 2), 2);
    CHECK_OK(shutdown(sv[0], SHUT_RD));
    char buf[8];
    CHECK_EQ(read(sv[0], buf, sizeof buf), 2);
    CHECK_EQ(read(sv[0], buf, sizeof buf), 0);
    signal(SIGPIPE, SIG_IGN);
    CHECK_ERR(write(sv[1], "c", 1), EPIPE);
    /* The end that stopped reading can still write. */
    CHECK_EQ(write(sv[0], "w", 1), 1);
    CHECK_EQ(read(sv[1], buf, sizeof buf), 1);
    CHECK_EQ(buf[0], 'w');
}

TEST(shutdown, bad_how_is_einval) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    CHECK_ERR(shutdown(sv[0], 3), EINVAL);
    CHECK_ERR(shutdown(sv[0], -1), EINVAL);
    CHECK_ERR(shutdown(sv[0], 7), EINVAL);
    /* Nothing was shut down. */
    CHECK_EQ(write(sv[0], "k", 1), 1);
    char c;
    CHECK_EQ(read(sv[1], &c, 1), 1);
    /* Shutting down twice is fine. */
    CHECK_OK(shutdown(sv[0], SHUT_RDWR));
    CHECK_OK(shutdown(sv[0], SHUT_RDWR));
}

/* ---- socket options ---- */

TEST(getsockopt, so_type_so_domain_so_protocol_so_error_so_acceptconn) {
    int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
    for (int i = 0; i < 3; i++) {
        int sv[2];
        pair(types[i] | SOCK_NONBLOCK | SOCK_CLOEXEC, sv);
        /* SO_TYPE is the type without the creation flags. */
        CHECK_EQ(int_opt(sv[0], SO_TYPE), types[i]);
        CHECK_EQ(int_opt(sv[1], SO_TYPE), types[i]);
        CHECK_EQ(int_opt(sv[0], SO_DOMAIN), AF_UNIX);
        CHECK_EQ(int_opt(sv[0], SO_PROTOCOL), 0);
        CHECK_EQ(int_opt(sv[0], SO_ERROR), 0);
        CHECK_EQ(int_opt(sv[0], SO_ACCEPTCONN), 0);
        CHECK_EQ(int_opt(sv[1], SO_PASSCRED), 0);
    }
}

TEST(getsockopt, so_peercred_is_the_process_that_made_the_pair) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    struct ucred uc;
    memset(&uc, 0xff, sizeof uc);
    socklen_t len = sizeof uc;
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &len));
    CHECK_EQ(len, sizeof uc);
    CHECK_EQ(uc.pid, getpid());
    CHECK_EQ(uc.uid, getuid());
    CHECK_EQ(uc.gid, getgid());
    /* A child that inherits an end still sees the maker, not itself. */
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct ucred c;
        socklen_t l = sizeof c;
        CHECK_OK(getsockopt(sv[1], SOL_SOCKET, SO_PEERCRED, &c, &l));
        CHECK_EQ(c.pid, parent);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(setsockopt, so_sndbuf_reads_back_at_least_the_value_set) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    CHECK(int_opt(sv[0], SO_SNDBUF) > 0);
    CHECK(int_opt(sv[0], SO_RCVBUF) > 0);
    int v = 65536;
    CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
    int got = int_opt(sv[0], SO_SNDBUF);
    CHECK_MSG(got >= 65536, "SO_SNDBUF reads %d after setting 65536", got);
    /* A value below int size is EINVAL. */
    CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, 2), EINVAL);
}

TEST(getsockopt, bad_option_optlen_or_pointer_fail_and_short_optlen_truncates) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    int v = 0x55555555;
    socklen_t len = sizeof v;
    CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, 9999, &v, &len), ENOPROTOOPT);
    CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, -1, &v, &len), ENOPROTOOPT);
    len = 2; /* only the first two bytes of the int are written */
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len));
    CHECK_EQ(len, 2);
    CHECK_EQ(v, 0x55550000 | SOCK_STREAM);
    len = 0;
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len));
    CHECK_EQ(len, 0);
    len = (socklen_t)-1;
    CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len), EINVAL);
    len = sizeof v;
    CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, BAD_PTR, &len), EFAULT);
}

/* ---- names ---- */

TEST(getsockname, of_a_socketpair_end_is_an_unnamed_af_unix_address) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    struct sockaddr_un sa;
    memset(&sa, 0x55, sizeof sa);
    socklen_t len = sizeof sa;
    CHECK_OK(getsockname(sv[0], (struct sockaddr *)&sa, &len));
    CHECK_EQ(len, sizeof(sa_family_t));
    CHECK_EQ(sa.sun_family, AF_UNIX);
    /* A too-short buffer still learns the real length. */
    len = 0;
    CHECK_OK(getsockname(sv[1], (struct sockaddr *)&sa, &len));
    CHECK_EQ(len, sizeof(sa_family_t));
}

TEST(getpeername, of_a_socketpair_end_is_an_unnamed_af_unix_address) {
    int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
    for (int i = 0; i < 3; i++) {
        int sv[2];
        pair(types[i], sv);
        struct sockaddr_un sa;
        memset(&sa, 0x55, sizeof sa);
        socklen_t len = sizeof sa;
        CHECK_OK(getpeername(sv[0], (struct sockaddr *)&sa, &len));
        CHECK_EQ(len, sizeof(sa_family_t));
        CHECK_EQ(sa.sun_family, AF_UNIX);
    }
}

/* ---- fstat ---- */

TEST(fstat, socketpair_end_is_a_socket_named_by_its_inode_in_proc) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    struct stat st0, st1;
    CHECK_OK(syscall(SYS_fstat, sv[0], &st0));
    CHECK_OK(syscall(SYS_fstat, sv[1], &st1));
    CHECK(S_ISSOCK(st0.st_mode));
    CHECK(S_ISSOCK(st1.st_mode));
    CHECK(st0.st_ino != st1.st_ino);
    char path[64], link[64], want[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", sv[0]);
    ssize_t n = CHECK_OK(readlink(path, link, sizeof link - 1));
    link[n] = 0;
    snprintf(want, sizeof want, "socket:[%lu]", (unsigned long)st0.st_ino);
    CHECK_STR(link, want);
}

/* ---- poll ---- */

TEST(poll, fresh_end_is_writable_and_becomes_readable_when_the_peer_writes) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    struct pollfd pf = {sv[0], POLLIN | POLLOUT, 0};
    CHECK_EQ(poll(&pf, 1, 0), 1);
    CHECK_EQ(pf.revents, POLLOUT);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sleep_ms(30);
        CHECK_EQ(write(sv[1], "w", 1), 1);
        _exit(0);
    }
    pf.events = POLLIN;
    pf.revents = 0;
    CHECK_EQ(poll(&pf, 1, 5000), 1);
    CHECK_EQ(pf.revents, POLLIN);
    CHECK_EXIT(pid, 0);
}

TEST(poll, pollhup_and_pollin_after_the_stream_peer_closes) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    CHECK_OK(close(sv[1]));
    struct pollfd pf = {sv[0], POLLIN, 0};
    CHECK_EQ(poll(&pf, 1, 0), 1);
    CHECK(pf.revents & POLLIN);
    CHECK(pf.revents & POLLHUP);
    CHECK_EQ(pf.revents & POLLERR, 0);
    /* POLLHUP is reported even when not asked for. */
    pf.events = 0;
    CHECK_EQ(poll(&pf, 1, 0), 1);
    CHECK_EQ(pf.revents, POLLHUP);
}

/* ---- SCM_RIGHTS ---- */

TEST(sendmsg, scm_rights_passes_a_pipe_read_end) {
    int sv[2], p[2];
    pair(SOCK_STREAM, sv);
    CHECK_OK(pipe(p));
    send_fds(sv[0], &p[0], 1);
    CHECK_OK(close(p[0])); /* the message holds its own reference */
    int got;
    CHECK_EQ(recv_fds(sv[1], &got, 1, 0), 1);
    CHECK(got >= 3);
    CHECK_EQ(fcntl(got, F_GETFD), 0);
    CHECK_EQ(fcntl(got, F_GETFL) & O_ACCMODE, O_RDONLY);
    CHECK_EQ(write(p[1], "through", 7), 7);
    char buf[16];
    CHECK_EQ(read(got, buf, sizeof buf), 7);
    CHECK_MEM(buf, "through", 7);
}

TEST(recvmsg, msg_cmsg_cloexec_marks_the_received_fd) {
    int sv[2], p[2];
    pair(SOCK_DGRAM, sv);
    CHECK_OK(pipe(p));
    send_fds(sv[0], &p[0], 1);
    int got;
    CHECK_EQ(recv_fds(sv[1], &got, 1, MSG_CMSG_CLOEXEC), 1);
    CHECK_EQ(fcntl(got, F_GETFD), FD_CLOEXEC);
    CHECK(got != p[0]);
}

TEST(sendmsg, scm_rights_passes_two_fds_in_one_message) {
    int sv[2], p[2];
    pair(SOCK_SEQPACKET, sv);
    CHECK_OK(pipe(p));
    send_fds(sv[0], p, 2);
    CHECK_OK(close(p[0]));
    CHECK_OK(close(p[1]));
    int got[2];
    CHECK_EQ(recv_fds(sv[1], got, 2, 0), 2);
    CHECK(got[0] != got[1]);
    CHECK_EQ(write(got[1], "pair", 4), 4);
    char buf[8];
    CHECK_EQ(read(got[0], buf, sizeof buf), 4);
    CHECK_MEM(buf, "pair", 4);
    CHECK_OK(close(got[1]));
    CHECK_EQ(read(got[0], buf, sizeof buf), 0);
}

TEST(recvmsg, short_control_buffer_sets_msg_ctrunc_and_installs_only_what_fits) {
    int sv[2], p[2];
    pair(SOCK_STREAM, sv);
    CHECK_OK(pipe(p));
    char c = 0;
    struct iovec iov = {&c, 1};
    struct msghdr m;
    /* No control buffer: the byte arrives, the descriptor is dropped. */
    send_fds(sv[0], &p[0], 1);
    int next = lowest_free_fd();
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    CHECK_EQ(recvmsg(sv[1], &m, 0), 1);
    CHECK_EQ(c, 'F');
    CHECK(m.msg_flags & MSG_CTRUNC);
    CHECK_EQ(lowest_free_fd(), next);
    /* Room for one of two: the first is installed, the second is not. */
    send_fds(sv[0], p, 2);
    union {
        char buf[CMSG_SPACE(sizeof(int) * 2)];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = u.buf;
    m.msg_controllen = CMSG_LEN(sizeof(int));
    CHECK_EQ(recvmsg(sv[1], &m, 0), 1);
    CHECK(m.msg_flags & MSG_CTRUNC);
    CHECK_EQ(m.msg_controllen, CMSG_LEN(sizeof(int)));
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    CHECK(cm != 0);
    CHECK_EQ(cm->cmsg_type, SCM_RIGHTS);
    CHECK_EQ(cm->cmsg_len, CMSG_LEN(sizeof(int)));
    int got;
    memcpy(&got, CMSG_DATA(cm), sizeof got);
    CHECK_EQ(got, next);
    CHECK_EQ(fcntl(got, F_GETFL) & O_ACCMODE, O_RDONLY);
    CHECK_EQ(lowest_free_fd(), got + 1);
}

/* ---- SCM_CREDENTIALS ---- */

TEST(recvmsg, so_passcred_delivers_the_senders_credentials) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    char c = 0;
    struct iovec iov = {&c, 1};
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } u;
    struct msghdr m;
    /* Without SO_PASSCRED nothing comes along. */
    CHECK_EQ(write(sv[0], "a", 1), 1);
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = u.buf;
    m.msg_controllen = sizeof u.buf;
    CHECK_EQ(recvmsg(sv[1], &m, 0), 1);
    CHECK_EQ(m.msg_controllen, 0);
    /* With it on the receiver, each message carries its sender's pid, uid and gid. */
    int one = 1;
    CHECK_OK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
    CHECK_EQ(int_opt(sv[1], SO_PASSCRED), 1);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        CHECK_EQ(write(sv[0], "b", 1), 1);
        _exit(0);
    }
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = u.buf;
    m.msg_controllen = sizeof u.buf;
    CHECK_EQ(recvmsg(sv[1], &m, 0), 1);
    CHECK_EQ(c, 'b');
    CHECK_EQ(m.msg_flags & MSG_CTRUNC, 0);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    CHECK(cm != 0);
    CHECK_EQ(cm->cmsg_level, SOL_SOCKET);
    CHECK_EQ(cm->cmsg_type, SCM_CREDENTIALS);
    CHECK_EQ(cm->cmsg_len, CMSG_LEN(sizeof(struct ucred)));
    struct ucred uc;
    memcpy(&uc, CMSG_DATA(cm), sizeof uc);
    CHECK_EQ(uc.pid, pid);
    CHECK_EQ(uc.uid, getuid());
    CHECK_EQ(uc.gid, getgid());
    CHECK_EXIT(pid, 0);
}

/* ---- an end shared with a child ---- */

TEST(clone, child_inherits_an_end_and_talks_to_the_parent) {
    int sv[2];
    pair(SOCK_STREAM, sv);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(sv[0]);
        char buf[16];
        CHECK_EQ(read(sv[1], buf, sizeof buf), 4);
        CHECK_MEM(buf, "ping", 4);
        CHECK_EQ(write(sv[1], "pong", 4), 4);
        _exit(0);
    }
    CHECK_OK(close(sv[1]));
    CHECK_EQ(write(sv[0], "ping", 4), 4);
    char buf[16];
    CHECK_EQ(read(sv[0], buf, sizeof buf), 4);
    CHECK_MEM(buf, "pong", 4);
    CHECK_EXIT(pid, 0);
    /* The child's exit closed the last copy of its end. */
    CHECK_EQ(read(sv[0], buf, sizeof buf), 0);
}

/* ---- SO_RCVTIMEO, SO_SNDTIMEO ---- */
#include <sys/time.h>
#include <time.h>

static long ms_since(struct timespec *a) {
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

TEST(setsockopt, so_rcvtimeo_makes_a_blocked_read_eagain) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct timeval tv = {0, 100 * 1000};
    CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    struct timeval got = {9, 9};
    socklen_t len = sizeof got;
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &len));
    CHECK_EQ(got.tv_sec, 0);
    CHECK_EQ(got.tv_usec, 100000);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    char c;
    CHECK_ERR(read(sv[0], &c, 1), EAGAIN);
    CHECK(ms_since(&start) >= 90);
    CHECK_EQ(write(sv[1], "x", 1), 1);
    CHECK_EQ(read(sv[0], &c, 1), 1);
}

TEST(setsockopt, so_sndtimeo_makes_a_blocked_write_eagain) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    struct timeval tv = {0, 50 * 1000};
    CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
    static char big[4096];
    int sent = 0;
    for (;;) {
        ssize_t n = send(sv[0], big, sizeof big, 0);
        if (n < 0) {
            CHECK_EQ(errno, EAGAIN);
            break;
        }
        sent++;
        CHECK(sent < 100000);
    }
    CHECK(sent > 0);
}

TEST(setsockopt, timeout_errors_and_zero_means_forever) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct timeval bad = {1, 1000000};
    CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad), EDOM);
    int small = 1;
    CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &small, sizeof small), EINVAL);
    struct timeval zero = {0, 0};
    CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &zero, sizeof zero));
    struct timeval got = {9, 9};
    socklen_t len = sizeof got;
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &got, &len));
    CHECK_EQ(got.tv_sec, 0);
    CHECK_EQ(got.tv_usec, 0);
}

TEST(setsockopt, a_huge_timeout_is_accepted) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct timeval tv = {0x7fffffffffffffffL, 0};
    CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    CHECK_EQ(write(sv[1], "x", 1), 1);
    char c;
    CHECK_EQ(recv(sv[0], &c, 1, 0), 1);
}
