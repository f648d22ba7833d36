/* NETLINK_ROUTE sockets: their types and protocols, the port id of bind and
 * getsockname, a link dump that has lo, a single link request (an unknown name is
 * ENODEV in an NLMSG_ERROR), MSG_PEEK|MSG_TRUNC sizing a reply, getifaddrs and
 * if_nametoindex (which read them and the interface ioctls), and the calls netlink
 * does not have. Only what holds in any network namespace is checked: lo. */
#include "harness.h"

#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

static int route_socket(void) {
    return CHECK_OK(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
}

/* Sends an RTM_GETLINK request with `flags` and an optional IFLA_IFNAME. */
static void get_link(int fd, int flags, const char *name) {
    struct {
        struct nlmsghdr h;
        struct ifinfomsg i;
        char attrs[64];
    } req;
    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = NLMSG_LENGTH(sizeof req.i);
    req.h.nlmsg_type = RTM_GETLINK;
    req.h.nlmsg_flags = NLM_F_REQUEST | flags;
    req.h.nlmsg_seq = 42;
    if (name) {
        struct rtattr *a = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
        a->rta_type = IFLA_IFNAME;
        a->rta_len = RTA_LENGTH(strlen(name) + 1);
        strcpy(RTA_DATA(a), name);
        req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + RTA_ALIGN(a->rta_len);
    }
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    CHECK_EQ(sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel),
             (ssize_t)req.h.nlmsg_len);
}

/* The name in an RTM_NEWLINK message, or NULL. */
static const char *link_name(struct nlmsghdr *h) {
    struct ifinfomsg *i = NLMSG_DATA(h);
    int len = IFLA_PAYLOAD(h);
    for (struct rtattr *a = IFLA_RTA(i); RTA_OK(a, len); a = RTA_NEXT(a, len))
        if (a->rta_type == IFLA_IFNAME)
            return RTA_DATA(a);
    return NULL;
}

TEST(socket, netlink_route_types_and_protocols) {
    int a = route_socket();
    int b = CHECK_OK(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE));
    int v;
    socklen_t len = sizeof v;
    CHECK_OK(getsockopt(a, SOL_SOCKET, SO_DOMAIN, &v, &len));
    CHECK_EQ(v, AF_NETLINK);
    CHECK_OK(getsockopt(b, SOL_SOCKET, SO_TYPE, &v, &len));
    CHECK_EQ(v, SOCK_DGRAM);
    CHECK_ERR(socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE), ESOCKTNOSUPPORT);
    CHECK_ERR(socket(AF_NETLINK, SOCK_RAW, 32), EPROTONOSUPPORT);
}

TEST(bind, netlink_port_id_is_chosen_and_reported) {
    int fd = route_socket();
    struct sockaddr_nl a = {.nl_family = AF_NETLINK};
    socklen_t len = sizeof a;
    CHECK_OK(getsockname(fd, (struct sockaddr *)&a, &len));
    CHECK_EQ(len, sizeof a);
    CHECK_EQ(a.nl_pid, 0u);
    CHECK_OK(bind(fd, (struct sockaddr *)&a, sizeof a));
    CHECK_OK(getsockname(fd, (struct sockaddr *)&a, &len));
    CHECK_EQ(a.nl_family, AF_NETLINK);
    CHECK(a.nl_pid != 0);
    CHECK_ERR(bind(fd, (struct sockaddr *)&a, sizeof a - 1), EINVAL);
}

TEST(sendto, netlink_link_dump_has_lo_and_ends_with_done) {
    int fd = route_socket();
    get_link(fd, NLM_F_DUMP, NULL);
    static char buf[65536];
    int found_lo = 0, done = 0;
    while (!done) {
        ssize_t n = CHECK_OK(recv(fd, buf, sizeof buf, 0));
        CHECK(n > 0);
        int left = n;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
             h = NLMSG_NEXT(h, left)) {
            CHECK_EQ(h->nlmsg_seq, 42u);
            if (h->nlmsg_type == NLMSG_DONE) {
                done = 1;
                break;
            }
            CHECK_EQ(h->nlmsg_type, RTM_NEWLINK);
            CHECK(h->nlmsg_flags & NLM_F_MULTI);
            const char *name = link_name(h);
            struct ifinfomsg *i = NLMSG_DATA(h);
            if (name && strcmp(name, "lo") == 0) {
                found_lo = 1;
                CHECK(i->ifi_flags & IFF_LOOPBACK);
                CHECK(i->ifi_flags & IFF_UP);
                CHECK_EQ(i->ifi_index, (int)if_nametoindex("lo"));
            }
        }
    }
    CHECK(found_lo);
}

TEST(recvfrom, netlink_peek_with_trunc_gives_the_reply_length) {
    int fd = route_socket();
    get_link(fd, 0, "lo");
    char small[16];
    ssize_t full = CHECK_OK(recv(fd, small, sizeof small, MSG_PEEK | MSG_TRUNC));
    CHECK(full > (ssize_t)sizeof small);
    static char buf[8192];
    CHECK_EQ(recv(fd, buf, sizeof buf, 0), full);
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    CHECK_EQ(h->nlmsg_type, RTM_NEWLINK);
    CHECK_STR(link_name(h), "lo");
}

TEST(recvmsg, netlink_unknown_link_is_an_enodev_error_message) {
    int fd = route_socket();
    get_link(fd, NLM_F_ACK, "nosuchif0");
    static char buf[8192];
    struct iovec iov = {buf, sizeof buf};
    struct sockaddr_nl from;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    ssize_t n = CHECK_OK(recvmsg(fd, &m, 0));
    CHECK(n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)));
    CHECK_EQ(m.msg_namelen, sizeof from);
    CHECK_EQ(from.nl_pid, 0u);
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    CHECK_EQ(h->nlmsg_type, NLMSG_ERROR);
    struct nlmsgerr *e = NLMSG_DATA(h);
    CHECK_EQ(e->error, -ENODEV);
    CHECK_EQ(e->msg.nlmsg_seq, 42u);
}

TEST(recvmsg, getifaddrs_has_lo_with_127_0_0_1) {
    struct ifaddrs *all;
    CHECK_OK(getifaddrs(&all));
    int found = 0;
    for (struct ifaddrs *i = all; i; i = i->ifa_next) {
        if (strcmp(i->ifa_name, "lo") || !i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        struct sockaddr_in *a = (struct sockaddr_in *)i->ifa_addr;
        CHECK_EQ(a->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
        CHECK(i->ifa_flags & IFF_LOOPBACK);
        found = 1;
    }
    freeifaddrs(all);
    CHECK(found);
}

TEST(listen, netlink_has_no_connections) {
    int fd = route_socket();
    CHECK_ERR(listen(fd, 1), EOPNOTSUPP);
    CHECK_ERR(accept(fd, NULL, NULL), EOPNOTSUPP);
    CHECK_ERR(shutdown(fd, SHUT_RDWR), EOPNOTSUPP);
    /* Connecting to a port nobody has is allowed; sending there is refused. */
    struct sockaddr_nl other = {.nl_family = AF_NETLINK, .nl_pid = 0x7ffffff0};
    CHECK_OK(connect(fd, (struct sockaddr *)&other, sizeof other));
    struct sockaddr_nl peer;
    socklen_t len = sizeof peer;
    CHECK_OK(getpeername(fd, (struct sockaddr *)&peer, &len));
    CHECK_EQ(peer.nl_pid, 0x7ffffff0u);
    struct nlmsghdr h = {.nlmsg_len = sizeof h, .nlmsg_type = NLMSG_NOOP, .nlmsg_flags = NLM_F_REQUEST};
    CHECK_ERR(send(fd, &h, sizeof h, 0), ECONNREFUSED);
    CHECK_ERR(sendto(fd, &h, sizeof h, 0, (struct sockaddr *)&other, sizeof other), ECONNREFUSED);
}
