/* Internet sockets on loopback: socket types and protocols, bind (ephemeral ports,
 * conflicts, SO_REUSEADDR, IPV6_V6ONLY, errors), listen, connect (refused, blocking
 * and non-blocking, twice), accept4 (peer address, flags, errors), TCP data both ways
 * (EOF, shutdown, EPIPE, MSG_PEEK, FIONREAD, readiness), UDP datagrams (sender
 * addresses, truncation, connect, ECONNREFUSED, EMSGSIZE, IPv4-mapped peers), socket
 * options (defaults, read-back, levels) and the interface ioctls. */
#include "harness.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

/* 127.0.0.1:port. */
static struct sockaddr_in lo4(int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int port_of(int fd) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    CHECK_OK(getsockname(fd, (struct sockaddr *)&a, &len));
    return ntohs(a.sin_port);
}

/* A TCP socket listening on 127.0.0.1 at an ephemeral port. */
static int listener(void) {
    int l = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = lo4(0);
    CHECK_OK(bind(l, (struct sockaddr *)&a, sizeof a));
    CHECK_OK(listen(l, 8));
    return l;
}

/* A connected TCP pair over loopback: c the client, s the accepted end. */
static void tcp_pair(int *c, int *s) {
    int l = listener();
    struct sockaddr_in a = lo4(port_of(l));
    *c = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK_OK(connect(*c, (struct sockaddr *)&a, sizeof a));
    *s = CHECK_OK(accept(l, NULL, NULL));
    CHECK_OK(close(l));
}

/* A UDP socket bound to 127.0.0.1 at an ephemeral port. */
static int udp_bound(void) {
    int u = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in a = lo4(0);
    CHECK_OK(bind(u, (struct sockaddr *)&a, sizeof a));
    return u;
}

static int int_opt(int fd, int level, int name) {
    int v = -12345;
    socklen_t len = sizeof v;
    CHECK_OK(getsockopt(fd, level, name, &v, &len));
    return v;
}

static void set_int(int fd, int level, int name, int v) {
    CHECK_OK(setsockopt(fd, level, name, &v, sizeof v));
}

TEST(socket, tcp_and_udp_report_type_domain_and_protocol) {
    int t = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    int u = CHECK_OK(socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP));
    CHECK_EQ(int_opt(t, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    CHECK_EQ(int_opt(t, SOL_SOCKET, SO_DOMAIN), AF_INET);
    CHECK_EQ(int_opt(t, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
    CHECK_EQ(int_opt(u, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
    CHECK_EQ(int_opt(u, SOL_SOCKET, SO_DOMAIN), AF_INET6);
    CHECK_EQ(int_opt(u, SOL_SOCKET, SO_PROTOCOL), IPPROTO_UDP);
}

TEST(socket, inet_protocol_and_type_errors) {
    CHECK_ERR(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
    CHECK_ERR(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
    CHECK_ERR(socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
    CHECK_ERR(socket(AF_INET6, 4 /* SOCK_RDM */, 0), ESOCKTNOSUPPORT);
    CHECK_ERR(socket(AF_INET, SOCK_STREAM | 0x100000, 0), EINVAL);
}

TEST(socketpair, inet_is_eopnotsupp) {
    int sv[2];
    CHECK_ERR(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
}

TEST(bind, port_zero_takes_an_ephemeral_port) {
    int s = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = lo4(0);
    CHECK_OK(bind(s, (struct sockaddr *)&a, sizeof a));
    int port = port_of(s);
    CHECK_MSG(port >= 1024, "port %d", port);
    struct sockaddr_in got;
    socklen_t len = sizeof got;
    CHECK_OK(getsockname(s, (struct sockaddr *)&got, &len));
    CHECK_EQ(len, sizeof got);
    CHECK_EQ(got.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
}

TEST(bind, twice_is_einval_and_bad_addresses_fail) {
    int s = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = lo4(0);
    CHECK_ERR(bind(s, (struct sockaddr *)&a, sizeof a - 1), EINVAL);
    CHECK_ERR(bind(s, BAD_PTR, sizeof a), EFAULT);
    struct sockaddr_in6 six;
    memset(&six, 0, sizeof six);
    six.sin6_family = AF_INET6;
    CHECK_ERR(bind(s, (struct sockaddr *)&six, sizeof six), EAFNOSUPPORT);
    CHECK_OK(bind(s, (struct sockaddr *)&a, sizeof a));
    CHECK_ERR(bind(s, (struct sockaddr *)&a, sizeof a), EINVAL);
}

TEST(bind, an_address_not_the_hosts_is_eaddrnotavail) {
    int s = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in a = lo4(0);
    inet_pton(AF_INET, "192.0.2.1", &a.sin_addr); /* TEST-NET-1 */
    CHECK_ERR(bind(s, (struct sockaddr *)&a, sizeof a), EADDRNOTAVAIL);
}

TEST(bind, a_taken_port_is_eaddrinuse_unless_both_reuse_it) {
    int a1 = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    set_int(a1, SOL_SOCKET, SO_REUSEADDR, 1);
    struct sockaddr_in a = lo4(0);
    CHECK_OK(bind(a1, (struct sockaddr *)&a, sizeof a));
    a = lo4(port_of(a1));
    int b = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK_ERR(bind(b, (struct sockaddr *)&a, sizeof a), EADDRINUSE);
    set_int(b, SOL_SOCKET, SO_REUSEADDR, 1);
    CHECK_OK(bind(b, (struct sockaddr *)&a, sizeof a));
    /* Not while one of them listens. */
    CHECK_OK(listen(a1, 1));
    int c = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    set_int(c, SOL_SOCKET, SO_REUSEADDR, 1);
    CHECK_ERR(bind(c, (struct sockaddr *)&a, sizeof a), EADDRINUSE);
}

TEST(bind, the_port_is_free_again_after_close) {
    int s = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in a = lo4(0);
    CHECK_OK(bind(s, (struct sockaddr *)&a, sizeof a));
    a = lo4(port_of(s));
    CHECK_OK(close(s));
    s = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    CHECK_OK(bind(s, (struct sockaddr *)&a, sizeof a));
}

TEST(bind, ipv6_wildcard_takes_ipv4_too_unless_v6only) {
    int v4 = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in a = lo4(0);
    CHECK_OK(bind(v4, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_in6 six;
    memset(&six, 0, sizeof six);
    six.sin6_family = AF_INET6;
    six.sin6_port = htons(port_of(v4));
    six.sin6_addr = in6addr_any;
    int dual = CHECK_OK(socket(AF_INET6, SOCK_DGRAM, 0));
    CHECK_ERR(bind(dual, (struct sockaddr *)&six, sizeof six), EADDRINUSE);
    int only = CHECK_OK(socket(AF_INET6, SOCK_DGRAM, 0));
    set_int(only, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    CHECK_OK(bind(only, (struct sockaddr *)&six, sizeof six));
    /* V6ONLY cannot change once bound. */
    int v = 0;
    CHECK_ERR(setsockopt(only, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof v), EINVAL);
}

TEST(listen, udp_is_eopnotsupp_and_unbound_gets_a_port) {
    int u = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    CHECK_ERR(listen(u, 1), EOPNOTSUPP);
    int t = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK_OK(listen(t, 1));
    CHECK(port_of(t) != 0);
    CHECK_EQ(int_opt(t, SOL_SOCKET, SO_ACCEPTCONN), 1);
}

TEST(connect, a_port_nobody_listens_on_is_econnrefused) {
    int b = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = lo4(0);
    CHECK_OK(bind(b, (struct sockaddr *)&a, sizeof a));
    a = lo4(port_of(b));
    int c = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK_ERR(connect(c, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
    /* The socket can try again. */
    CHECK_OK(listen(b, 1));
    CHECK_OK(connect(c, (struct sockaddr *)&a, sizeof a));
}

TEST(connect, nonblocking_is_einprogress_then_writable_with_no_error) {
    int l = listener();
    struct sockaddr_in a = lo4(port_of(l));
    int c = CHECK_OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    CHECK_ERR(connect(c, (struct sockaddr *)&a, sizeof a), EINPROGRESS);
    struct pollfd p = {c, POLLOUT, 0};
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK(p.revents & POLLOUT);
    CHECK_EQ(int_opt(c, SOL_SOCKET, SO_ERROR), 0);
    /* The next connect reports the outcome (0), the one after that EISCONN. */
    CHECK_OK(connect(c, (struct sockaddr *)&a, sizeof a));
    CHECK_ERR(connect(c, (struct sockaddr *)&a, sizeof a), EISCONN);
}

TEST(connect, nonblocking_refusal_comes_through_so_error) {
    int b = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = lo4(0);
    CHECK_OK(bind(b, (struct sockaddr *)&a, sizeof a));
    a = lo4(port_of(b));
    int c = CHECK_OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    int r = connect(c, (struct sockaddr *)&a, sizeof a);
    CHECK(r == -1 && (errno == EINPROGRESS || errno == ECONNREFUSED));
    if (errno == EINPROGRESS) {
        struct pollfd p = {c, POLLOUT, 0};
        CHECK_EQ(poll(&p, 1, 5000), 1);
        CHECK(p.revents & POLLERR);
        CHECK_EQ(int_opt(c, SOL_SOCKET, SO_ERROR), ECONNREFUSED);
    }
    CHECK_EQ(int_opt(c, SOL_SOCKET, SO_ERROR), 0);
}

TEST(connect, names_on_both_ends_agree) {
    int c, s;
    tcp_pair(&c, &s);
    struct sockaddr_in cl, cp, sl, sp;
    socklen_t len = sizeof cl;
    CHECK_OK(getsockname(c, (struct sockaddr *)&cl, &len));
    len = sizeof cp;
    CHECK_OK(getpeername(c, (struct sockaddr *)&cp, &len));
    len = sizeof sl;
    CHECK_OK(getsockname(s, (struct sockaddr *)&sl, &len));
    len = sizeof sp;
    CHECK_OK(getpeername(s, (struct sockaddr *)&sp, &len));
    CHECK_EQ(cl.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    CHECK_EQ(cl.sin_port, sp.sin_port);
    CHECK_EQ(cp.sin_port, sl.sin_port);
    CHECK_EQ(sp.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    CHECK(ntohs(cl.sin_port) != 0);
}

TEST(getpeername, unconnected_is_enotconn) {
    int t = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    CHECK_ERR(getpeername(t, (struct sockaddr *)&a, &len), ENOTCONN);
    int u = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    CHECK_ERR(getpeername(u, (struct sockaddr *)&a, &len), ENOTCONN);
    /* An unbound socket's name is the wildcard, port 0. */
    len = sizeof a;
    CHECK_OK(getsockname(t, (struct sockaddr *)&a, &len));
    CHECK_EQ(a.sin_port, 0);
    CHECK_EQ(a.sin_addr.s_addr, 0);
}

TEST(accept4, gives_the_clients_address_and_takes_flags) {
    int l = listener();
    struct sockaddr_in a = lo4(port_of(l));
    int c = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK_OK(connect(c, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    int s = CHECK_OK(accept4(l, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC));
    CHECK_EQ(len, sizeof peer);
    CHECK_EQ(ntohs(peer.sin_port), port_of(c));
    CHECK(fcntl(s, F_GETFL) & O_NONBLOCK);
    CHECK(fcntl(s, F_GETFD) & FD_CLOEXEC);
    char b;
    CHECK_ERR(read(s, &b, 1), EAGAIN);
}

TEST(accept4, errors) {
    int t = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK_ERR(accept(t, NULL, NULL), EINVAL);
    int l = CHECK_OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    CHECK_OK(listen(l, 1));
    CHECK_ERR(accept(l, NULL, NULL), EAGAIN);
    CHECK_ERR(accept4(l, NULL, NULL, 0x1), EINVAL);
    int u = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    CHECK_ERR(accept(u, NULL, NULL), EOPNOTSUPP);
}

TEST(sendto, tcp_bytes_go_both_ways_and_end_with_eof) {
    int c, s;
    tcp_pair(&c, &s);
    CHECK_EQ(write(c, "ping", 4), 4);
    char buf[16];
    CHECK_EQ(read(s, buf, sizeof buf), 4);
    CHECK_MEM(buf, "ping", 4);
    CHECK_EQ(send(s, "pong!", 5, 0), 5);
    CHECK_EQ(recv(c, buf, sizeof buf, 0), 5);
    CHECK_MEM(buf, "pong!", 5);
    CHECK_OK(close(c));
    CHECK_EQ(read(s, buf, sizeof buf), 0);
}

TEST(sendto, a_large_write_arrives_whole_from_another_process) {
    int c, s;
    tcp_pair(&c, &s);
    enum { N = 1 << 20 };
    pid_t pid = fork();
    if (pid == 0) {
        static char out[N];
        for (int i = 0; i < N; i++)
            out[i] = (char)(i * 7);
        size_t done = 0;
        while (done < N) {
            ssize_t n = write(c, out + done, N - done);
            if (n <= 0)
                _exit(1);
            done += n;
        }
        _exit(0);
    }
    CHECK_OK(close(c));
    static char in[N];
    size_t got = 0;
    for (;;) {
        ssize_t n = CHECK_OK(read(s, in + got, N - got + (got == N)));
        if (n == 0)
            break;
        got += n;
    }
    CHECK_EQ(got, N);
    for (int i = 0; i < N; i += 4099)
        CHECK_EQ(in[i], (char)(i * 7));
    CHECK_EXIT(pid, 0);
}

TEST(shutdown, tcp_write_side_gives_the_peer_eof_and_unconnected_is_enotconn) {
    int c, s;
    tcp_pair(&c, &s);
    CHECK_OK(shutdown(c, SHUT_WR));
    char b;
    CHECK_EQ(read(s, &b, 1), 0);
    CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
    /* The other direction still works. */
    CHECK_EQ(write(s, "y", 1), 1);
    CHECK_EQ(read(c, &b, 1), 1);
    int t = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK_ERR(shutdown(t, SHUT_RDWR), ENOTCONN);
    CHECK_ERR(shutdown(c, 7), EINVAL);
}

TEST(sendto, unconnected_tcp_is_epipe_and_recv_enotconn) {
    int t = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK_ERR(send(t, "x", 1, MSG_NOSIGNAL), EPIPE);
    char b;
    CHECK_ERR(recv(t, &b, 1, 0), ENOTCONN);
}

TEST(recvfrom, tcp_peek_and_fionread) {
    int c, s;
    tcp_pair(&c, &s);
    CHECK_EQ(write(c, "abcdef", 6), 6);
    struct pollfd p = {s, POLLIN, 0};
    CHECK_EQ(poll(&p, 1, 5000), 1);
    int n = 0;
    CHECK_OK(ioctl(s, FIONREAD, &n));
    CHECK_EQ(n, 6);
    char buf[8];
    CHECK_EQ(recv(s, buf, 3, MSG_PEEK), 3);
    CHECK_MEM(buf, "abc", 3);
    CHECK_EQ(recv(s, buf, sizeof buf, 0), 6);
    CHECK_MEM(buf, "abcdef", 6);
    CHECK_ERR(recv(s, buf, 1, MSG_DONTWAIT), EAGAIN);
}

TEST(poll, tcp_readiness_follows_the_data) {
    int c, s;
    tcp_pair(&c, &s);
    struct pollfd p = {s, POLLIN | POLLOUT, 0};
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents, POLLOUT);
    CHECK_EQ(write(c, "x", 1), 1);
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK_EQ(p.revents, POLLIN | POLLOUT);
    /* A listener is readable when a connection waits. */
    int l = listener();
    struct pollfd lp = {l, POLLIN, 0};
    CHECK_EQ(poll(&lp, 1, 0), 0);
    struct sockaddr_in a = lo4(port_of(l));
    int c2 = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK_OK(connect(c2, (struct sockaddr *)&a, sizeof a));
    CHECK_EQ(poll(&lp, 1, 5000), 1);
    CHECK_EQ(lp.revents, POLLIN);
}

TEST(sendto, udp_datagrams_carry_the_senders_address) {
    int r = udp_bound();
    int w = udp_bound();
    struct sockaddr_in to = lo4(port_of(r));
    CHECK_EQ(sendto(w, "one", 3, 0, (struct sockaddr *)&to, sizeof to), 3);
    CHECK_EQ(sendto(w, "second", 6, 0, (struct sockaddr *)&to, sizeof to), 6);
    char buf[16];
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    CHECK_EQ(recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &len), 3);
    CHECK_MEM(buf, "one", 3);
    CHECK_EQ(len, sizeof from);
    CHECK_EQ(ntohs(from.sin_port), port_of(w));
    CHECK_EQ(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    CHECK_EQ(recv(r, buf, sizeof buf, 0), 6);
}

TEST(recvfrom, udp_truncates_and_msg_trunc_gives_the_full_length) {
    int r = udp_bound();
    int w = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in to = lo4(port_of(r));
    CHECK_EQ(sendto(w, "abcdefgh", 8, 0, (struct sockaddr *)&to, sizeof to), 8);
    CHECK_EQ(sendto(w, "ijklmnop", 8, 0, (struct sockaddr *)&to, sizeof to), 8);
    char buf[4];
    CHECK_EQ(recv(r, buf, sizeof buf, MSG_TRUNC), 8);
    CHECK_MEM(buf, "abcd", 4);
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    CHECK_EQ(recvmsg(r, &m, 0), 4);
    CHECK(m.msg_flags & MSG_TRUNC);
    CHECK_MEM(buf, "ijkl", 4);
    CHECK_ERR(recv(r, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
}

TEST(sendto, udp_errors) {
    int u = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    CHECK_ERR(send(u, "x", 1, 0), EDESTADDRREQ);
    int r = udp_bound();
    struct sockaddr_in to = lo4(port_of(r));
    static char big[65508];
    CHECK_ERR(sendto(u, big, sizeof big, 0, (struct sockaddr *)&to, sizeof to), EMSGSIZE);
    CHECK_EQ(sendto(u, big, sizeof big - 1, 0, (struct sockaddr *)&to, sizeof to),
             sizeof big - 1);
    CHECK_ERR(sendto(u, "x", 1, 0, (struct sockaddr *)&to, sizeof to - 1), EINVAL);
}

TEST(connect, udp_to_a_closed_port_reports_econnrefused_next) {
    int b = udp_bound();
    struct sockaddr_in to = lo4(port_of(b));
    CHECK_OK(close(b));
    int u = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    CHECK_OK(connect(u, (struct sockaddr *)&to, sizeof to));
    CHECK_EQ(send(u, "x", 1, 0), 1);
    CHECK_ERR(send(u, "x", 1, 0), ECONNREFUSED);
    /* Reported once. */
    CHECK_EQ(int_opt(u, SOL_SOCKET, SO_ERROR), 0);
}

TEST(connect, udp_association_filters_and_unspec_dissolves_it) {
    int r = udp_bound();
    int friend = udp_bound();
    int stranger = udp_bound();
    struct sockaddr_in fa = lo4(port_of(friend));
    CHECK_OK(connect(r, (struct sockaddr *)&fa, sizeof fa));
    struct sockaddr_in ra = lo4(port_of(r));
    CHECK_EQ(sendto(stranger, "s", 1, 0, (struct sockaddr *)&ra, sizeof ra), 1);
    CHECK_EQ(sendto(friend, "f", 1, 0, (struct sockaddr *)&ra, sizeof ra), 1);
    char c;
    CHECK_EQ(recv(r, &c, 1, 0), 1);
    CHECK_EQ(c, 'f');
    CHECK_ERR(recv(r, &c, 1, MSG_DONTWAIT), EAGAIN);
    /* write() goes to the associated address. */
    CHECK_EQ(write(r, "w", 1), 1);
    CHECK_EQ(recv(friend, &c, 1, 0), 1);
    CHECK_EQ(c, 'w');
    struct sockaddr un = {.sa_family = AF_UNSPEC};
    CHECK_OK(connect(r, &un, sizeof un));
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    CHECK_ERR(getpeername(r, (struct sockaddr *)&peer, &len), ENOTCONN);
}

TEST(recvfrom, ipv6_socket_sees_an_ipv4_sender_mapped) {
    int r = CHECK_OK(socket(AF_INET6, SOCK_DGRAM, 0));
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    CHECK_OK(bind(r, (struct sockaddr *)&a, sizeof a));
    socklen_t len = sizeof a;
    CHECK_OK(getsockname(r, (struct sockaddr *)&a, &len));
    int w = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in to = lo4(ntohs(a.sin6_port));
    CHECK_EQ(sendto(w, "v4", 2, 0, (struct sockaddr *)&to, sizeof to), 2);
    char buf[4];
    struct sockaddr_in6 from;
    len = sizeof from;
    CHECK_EQ(recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &len), 2);
    CHECK_EQ(len, sizeof from);
    CHECK_EQ(from.sin6_family, AF_INET6);
    CHECK(IN6_IS_ADDR_V4MAPPED(&from.sin6_addr));
    CHECK_EQ(ntohs(from.sin6_port), port_of(w));
}

TEST(connect, ipv6_loopback_tcp) {
    int l = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    CHECK_OK(bind(l, (struct sockaddr *)&a, sizeof a));
    CHECK_OK(listen(l, 1));
    socklen_t len = sizeof a;
    CHECK_OK(getsockname(l, (struct sockaddr *)&a, &len));
    int c = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
    CHECK_OK(connect(c, (struct sockaddr *)&a, sizeof a));
    int s = CHECK_OK(accept(l, NULL, NULL));
    CHECK_EQ(write(c, "6", 1), 1);
    char b;
    CHECK_EQ(read(s, &b, 1), 1);
    CHECK_EQ(b, '6');
    /* An IPv4 client does not reach a listener on ::1. */
    int c4 = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a4 = lo4(ntohs(a.sin6_port));
    CHECK_ERR(connect(c4, (struct sockaddr *)&a4, sizeof a4), ECONNREFUSED);
}

TEST(setsockopt, inet_values_read_back) {
    int t = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    set_int(t, SOL_SOCKET, SO_REUSEADDR, 5);
    CHECK_EQ(int_opt(t, SOL_SOCKET, SO_REUSEADDR), 1);
    set_int(t, SOL_SOCKET, SO_KEEPALIVE, 1);
    CHECK_EQ(int_opt(t, SOL_SOCKET, SO_KEEPALIVE), 1);
    CHECK_EQ(int_opt(t, IPPROTO_TCP, TCP_NODELAY), 0);
    set_int(t, IPPROTO_TCP, TCP_NODELAY, 1);
    CHECK_EQ(int_opt(t, IPPROTO_TCP, TCP_NODELAY), 1);
    set_int(t, IPPROTO_TCP, TCP_KEEPIDLE, 30);
    CHECK_EQ(int_opt(t, IPPROTO_TCP, TCP_KEEPIDLE), 30);
    CHECK_EQ(int_opt(t, IPPROTO_IP, IP_TTL), 64);
    set_int(t, IPPROTO_IP, IP_TTL, 9);
    CHECK_EQ(int_opt(t, IPPROTO_IP, IP_TTL), 9);
    set_int(t, IPPROTO_IP, IP_TTL, -1);
    CHECK_EQ(int_opt(t, IPPROTO_IP, IP_TTL), 64);
    int v = 256;
    CHECK_ERR(setsockopt(t, IPPROTO_IP, IP_TTL, &v, sizeof v), EINVAL);
    set_int(t, SOL_SOCKET, SO_RCVBUF, 65536);
    CHECK_EQ(int_opt(t, SOL_SOCKET, SO_RCVBUF), 131072);
    struct linger lg = {1, 5}, got;
    CHECK_OK(setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    socklen_t len = sizeof got;
    CHECK_OK(getsockopt(t, SOL_SOCKET, SO_LINGER, &got, &len));
    CHECK_EQ(got.l_onoff, 1);
    CHECK_EQ(got.l_linger, 5);
    CHECK_EQ(int_opt(CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0)), IPPROTO_IPV6, IPV6_V6ONLY), 0);
}

TEST(getsockopt, inet_levels_and_names_that_do_not_exist) {
    int t = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    int u = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    int u6 = CHECK_OK(socket(AF_INET6, SOCK_DGRAM, 0));
    int v;
    socklen_t len = sizeof v;
    CHECK_ERR(getsockopt(u, IPPROTO_TCP, TCP_NODELAY, &v, &len), EOPNOTSUPP);
    CHECK_ERR(getsockopt(t, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len), EOPNOTSUPP);
    CHECK_ERR(getsockopt(u6, IPPROTO_TCP, TCP_NODELAY, &v, &len), ENOPROTOOPT);
    CHECK_ERR(getsockopt(t, IPPROTO_TCP, 9999, &v, &len), ENOPROTOOPT);
    CHECK_ERR(getsockopt(t, SOL_SOCKET, 9999, &v, &len), ENOPROTOOPT);
    v = 1;
    CHECK_ERR(setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v), ENOPROTOOPT);
    CHECK_ERR(setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &v, 2), EINVAL);
    CHECK_ERR(getsockopt(t, SOL_SOCKET, SO_TYPE, BAD_PTR, &len), EFAULT);
}

TEST(getsockopt, tcp_state_in_tcp_info_and_ip_mtu_needs_a_peer) {
    int c, s;
    tcp_pair(&c, &s);
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    CHECK_OK(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len));
    CHECK_EQ(ti.tcpi_state, 1 /* TCP_ESTABLISHED */);
    int t = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    int v;
    len = sizeof v;
    CHECK_ERR(getsockopt(t, IPPROTO_IP, IP_MTU, &v, &len), ENOTCONN);
    CHECK_EQ(int_opt(c, IPPROTO_IP, IP_MTU), 65535); /* loopback's 65536, capped */
}

TEST(ioctl, loopback_interface_by_name_and_index) {
    int s = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "lo");
    CHECK_OK(ioctl(s, SIOCGIFINDEX, &r));
    int index = r.ifr_ifindex;
    CHECK(index > 0);
    CHECK_OK(ioctl(s, SIOCGIFFLAGS, &r));
    CHECK(r.ifr_flags & IFF_UP);
    CHECK(r.ifr_flags & IFF_LOOPBACK);
    CHECK_OK(ioctl(s, SIOCGIFADDR, &r));
    CHECK_EQ(((struct sockaddr_in *)&r.ifr_addr)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    CHECK_OK(ioctl(s, SIOCGIFMTU, &r));
    CHECK_EQ(r.ifr_mtu, 65536);
    memset(&r, 0, sizeof r);
    r.ifr_ifindex = index;
    CHECK_OK(ioctl(s, SIOCGIFNAME, &r));
    CHECK_STR(r.ifr_name, "lo");
    strcpy(r.ifr_name, "nosuch0");
    CHECK_ERR(ioctl(s, SIOCGIFFLAGS, &r), ENODEV);
    CHECK_STR(if_indextoname(index, r.ifr_name), "lo");
}

TEST(sendmsg, too_many_iovecs_is_emsgsize) {
    int c, s;
    tcp_pair(&c, &s);
    static struct iovec iov[1025];
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = iov;
    m.msg_iovlen = 1025;
    CHECK_ERR(sendmsg(c, &m, 0), EMSGSIZE);
    CHECK_ERR(recvmsg(s, &m, 0), EMSGSIZE);
}

TEST(connect, a_full_backlog_stops_nonblocking_connects) {
    /* Linux queues backlog+1 connections; beyond that a SYN gets no answer. */
    int l = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = lo4(0);
    CHECK_OK(bind(l, (struct sockaddr *)&a, sizeof a));
    CHECK_OK(listen(l, 1));
    a = lo4(port_of(l));
    int done = 0;
    for (int i = 0; i < 6; i++) {
        int c = CHECK_OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
        connect(c, (struct sockaddr *)&a, sizeof a);
        struct pollfd p = {c, POLLOUT, 0};
        if (poll(&p, 1, 100) == 1 && int_opt(c, SOL_SOCKET, SO_ERROR) == 0)
            done++;
    }
    CHECK_MSG(done >= 2 && done < 6, "%d connections completed", done);
    int n = 0;
    CHECK_OK(fcntl(l, F_SETFL, O_NONBLOCK));
    while (accept(l, NULL, NULL) >= 0)
        n++;
    CHECK_EQ(errno, EAGAIN);
    CHECK_MSG(n >= 2 && n < 6, "%d accepted", n);
}

TEST(listen, proc_net_tcp_lists_the_listener) {
    int l = listener();
    char want[32];
    snprintf(want, sizeof want, "0100007F:%04X 00000000:0000 0A", port_of(l));
    FILE *f = fopen("/proc/net/tcp", "r");
    CHECK(f != NULL);
    char line[512];
    int found = 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, want))
            found = 1;
    fclose(f);
    CHECK_MSG(found, "no line with %s", want);
}

TEST(sendto, after_the_peer_closes_one_write_goes_then_epipe) {
    int c, s;
    tcp_pair(&c, &s);
    CHECK_OK(close(c));
    char b;
    CHECK_EQ(read(s, &b, 1), 0); /* the FIN is in */
    CHECK_EQ(send(s, "late", 4, MSG_NOSIGNAL), 4);
    struct timespec ts = {0, 50 * 1000 * 1000}; /* at least until the reset is back */
    nanosleep(&ts, NULL);
    CHECK_ERR(send(s, "again", 5, MSG_NOSIGNAL), EPIPE);
}
