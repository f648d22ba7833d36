/* Socket calls on descriptors that are not sockets: EBADF for a closed descriptor,
 * ENOTSOCK for a file or a pipe. (What sockets themselves do is for the socket
 * families.) */
#include "harness.h"

#include <sys/socket.h>
#include <sys/un.h>

static int a_pipe_end(void) {
    int p[2];
    CHECK_OK(pipe(p));
    return p[0];
}

TEST(getpeername, of_a_pipe_is_enotsock) {
    struct sockaddr_un sa;
    socklen_t len = sizeof sa;
    CHECK_ERR(getpeername(a_pipe_end(), (struct sockaddr *)&sa, &len), ENOTSOCK);
}

TEST(getpeername, of_a_closed_descriptor_is_ebadf) {
    struct sockaddr_un sa;
    socklen_t len = sizeof sa;
    CHECK_ERR(getpeername(999, (struct sockaddr *)&sa, &len), EBADF);
}

TEST(getpeername, of_standard_input_from_dev_null_is_enotsock) {
    struct sockaddr_un sa;
    socklen_t len = sizeof sa;
    CHECK_ERR(getpeername(0, (struct sockaddr *)&sa, &len), ENOTSOCK);
}

TEST(getsockname, of_a_regular_file_is_enotsock) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    struct sockaddr_un sa;
    socklen_t len = sizeof sa;
    CHECK_ERR(getsockname(fd, (struct sockaddr *)&sa, &len), ENOTSOCK);
}

TEST(getsockopt, of_a_pipe_is_enotsock) {
    int v;
    socklen_t len = sizeof v;
    CHECK_ERR(getsockopt(a_pipe_end(), SOL_SOCKET, SO_TYPE, &v, &len), ENOTSOCK);
}

TEST(setsockopt, of_a_closed_descriptor_is_ebadf) {
    int v = 1;
    CHECK_ERR(setsockopt(999, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v), EBADF);
}

TEST(shutdown, of_a_pipe_is_enotsock) {
    CHECK_ERR(shutdown(a_pipe_end(), SHUT_RDWR), ENOTSOCK);
}

TEST(listen, of_a_regular_file_is_enotsock) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_ERR(listen(fd, 1), ENOTSOCK);
}

TEST(bind, of_a_pipe_is_enotsock) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "s"};
    CHECK_ERR(bind(a_pipe_end(), (struct sockaddr *)&sa, sizeof sa), ENOTSOCK);
}

TEST(connect, of_a_closed_descriptor_is_ebadf) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "s"};
    CHECK_ERR(connect(999, (struct sockaddr *)&sa, sizeof sa), EBADF);
}

TEST(accept4, a_closed_descriptor_then_unknown_flags_then_not_a_socket) {
    CHECK_ERR(accept4(999, 0, 0, 0x40000000), EBADF);
    int fd = a_pipe_end();
    CHECK_ERR(accept4(fd, 0, 0, 0x40000000), EINVAL);
    CHECK_ERR(accept4(fd, 0, 0, SOCK_NONBLOCK | SOCK_CLOEXEC), ENOTSOCK);
}

TEST(accept, of_a_pipe_is_enotsock) {
    CHECK_ERR(accept(a_pipe_end(), 0, 0), ENOTSOCK);
}

TEST(sendto, of_a_pipe_is_enotsock) {
    CHECK_ERR(sendto(a_pipe_end(), "x", 1, 0, 0, 0), ENOTSOCK);
}

TEST(recvfrom, of_a_closed_descriptor_is_ebadf) {
    char c;
    CHECK_ERR(recvfrom(999, &c, 1, 0, 0, 0), EBADF);
}

TEST(sendmsg, of_a_regular_file_is_enotsock) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    struct msghdr m = {0};
    CHECK_ERR(sendmsg(fd, &m, 0), ENOTSOCK);
}

TEST(recvmsg, of_a_pipe_is_enotsock) {
    struct msghdr m = {0};
    CHECK_ERR(recvmsg(a_pipe_end(), &m, 0), ENOTSOCK);
}

TEST(sendmmsg, of_a_pipe_is_enotsock) {
    struct mmsghdr m = {0};
    CHECK_ERR(sendmmsg(a_pipe_end(), &m, 1, 0), ENOTSOCK);
}

TEST(recvmmsg, of_a_closed_descriptor_is_ebadf) {
    struct mmsghdr m = {0};
    CHECK_ERR(recvmmsg(999, &m, 1, 0, 0), EBADF);
}
