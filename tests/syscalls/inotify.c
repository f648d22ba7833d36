/* inotify: inotify_init1, inotify_add_watch, inotify_rm_watch, and the events the
 * file system calls report (create, delete, move with cookies, modify, attrib, open,
 * close, delete_self, ignored), read semantics and readiness. */
#include "harness.h"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <time.h>

#define EVBUF (64 * (sizeof(struct inotify_event) + 32))

/* Reads what is queued (non-blocking fd) into buf; returns the byte count. */
static int drain(int fd, char *buf) {
    int n = read(fd, buf, EVBUF);
    return n < 0 ? 0 : n;
}

/* Finds the first event at or after *pos with mask bits `want` (and name, if
 * non-NULL); returns it or NULL, and moves *pos past it. */
static struct inotify_event *find(char *buf, int len, int *pos, uint32_t want, const char *name) {
    while (*pos < len) {
        struct inotify_event *e = (struct inotify_event *)(buf + *pos);
        *pos += sizeof *e + e->len;
        if ((e->mask & want) == want && (!name || (e->len && strcmp(e->name, name) == 0)))
            return e;
    }
    return NULL;
}

static int new_instance(void) {
    return CHECK_OK(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
}

TEST(inotify_init1, flags_are_checked_and_cloexec_set) {
    int fd = CHECK_OK(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    CHECK_ERR(inotify_init1(0x1), EINVAL);
    int plain = CHECK_OK(inotify_init());
    CHECK_EQ(fcntl(plain, F_GETFD), 0);
}

TEST(read, empty_instance_is_eagain_when_nonblocking) {
    int fd = new_instance();
    char buf[EVBUF];
    CHECK_ERR(read(fd, buf, sizeof buf), EAGAIN);
    struct pollfd p = {fd, POLLIN, 0};
    CHECK_EQ(poll(&p, 1, 0), 0);
}

TEST(inotify_add_watch, errors) {
    int fd = new_instance();
    CHECK_ERR(inotify_add_watch(fd, "missing", IN_ALL_EVENTS), ENOENT);
    CHECK_ERR(inotify_add_watch(fd, ".", 0), EINVAL);
    int f = CHECK_OK(open("file", O_CREAT | O_RDWR, 0600));
    CHECK_ERR(inotify_add_watch(f, ".", IN_CREATE), EINVAL);
    CHECK_ERR(inotify_add_watch(999, ".", IN_CREATE), EBADF);
    CHECK_ERR(inotify_add_watch(fd, "file", IN_CREATE | IN_ONLYDIR), ENOTDIR);
    CHECK_ERR(inotify_add_watch(fd, BAD_PTR, IN_CREATE), EFAULT);
    CHECK_ERR(inotify_add_watch(fd, ".", IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE), EINVAL);
}

TEST(inotify_add_watch, same_inode_gives_the_same_descriptor) {
    int fd = new_instance();
    int wd = CHECK_OK(inotify_add_watch(fd, ".", IN_CREATE));
    CHECK(wd >= 1);
    CHECK_EQ(inotify_add_watch(fd, "./", IN_DELETE), wd);
    CHECK_ERR(inotify_add_watch(fd, ".", IN_DELETE | IN_MASK_CREATE), EEXIST);
    CHECK_OK(mkdir("sub", 0700));
    int wd2 = CHECK_OK(inotify_add_watch(fd, "sub", IN_CREATE));
    CHECK(wd2 != wd);
}

TEST(inotify_add_watch, create_and_delete_in_a_directory) {
    int fd = new_instance();
    int wd = CHECK_OK(inotify_add_watch(fd, ".", IN_CREATE | IN_DELETE));
    CHECK_OK(close(CHECK_OK(open("a", O_CREAT | O_WRONLY, 0600))));
    CHECK_OK(mkdir("d", 0700));
    CHECK_OK(unlink("a"));
    CHECK_OK(rmdir("d"));
    char buf[EVBUF];
    int len = drain(fd, buf), pos = 0;
    struct inotify_event *e = find(buf, len, &pos, IN_CREATE, "a");
    CHECK(e != NULL);
    CHECK_EQ(e->wd, wd);
    CHECK_EQ(e->mask, IN_CREATE);
    e = find(buf, len, &pos, IN_CREATE | IN_ISDIR, "d");
    CHECK(e != NULL);
    CHECK(find(buf, len, &pos, IN_DELETE, "a") != NULL);
    e = find(buf, len, &pos, IN_DELETE | IN_ISDIR, "d");
    CHECK(e != NULL);
}

TEST(inotify_add_watch, events_not_asked_for_are_not_queued) {
    int fd = new_instance();
    CHECK_OK(inotify_add_watch(fd, ".", IN_DELETE));
    CHECK_OK(close(CHECK_OK(open("a", O_CREAT | O_WRONLY, 0600))));
    char buf[EVBUF];
    CHECK_ERR(read(fd, buf, sizeof buf), EAGAIN);
}

TEST(inotify_add_watch, rename_gives_moved_from_and_to_with_one_cookie) {
    int fd = new_instance();
    CHECK_OK(mkdir("src", 0700));
    CHECK_OK(mkdir("dst", 0700));
    CHECK_OK(close(CHECK_OK(open("src/f", O_CREAT | O_WRONLY, 0600))));
    int ws = CHECK_OK(inotify_add_watch(fd, "src", IN_MOVE));
    int wt = CHECK_OK(inotify_add_watch(fd, "dst", IN_MOVE));
    int wf = CHECK_OK(inotify_add_watch(fd, "src/f", IN_MOVE_SELF));
    CHECK_OK(rename("src/f", "dst/g"));
    char buf[EVBUF];
    int len = drain(fd, buf), pos = 0;
    struct inotify_event *from = find(buf, len, &pos, IN_MOVED_FROM, "f");
    CHECK(from != NULL);
    CHECK_EQ(from->wd, ws);
    pos = 0;
    struct inotify_event *to = find(buf, len, &pos, IN_MOVED_TO, "g");
    CHECK(to != NULL);
    CHECK_EQ(to->wd, wt);
    CHECK(from->cookie != 0);
    CHECK_EQ(from->cookie, to->cookie);
    pos = 0;
    struct inotify_event *self = find(buf, len, &pos, IN_MOVE_SELF, NULL);
    CHECK(self != NULL);
    CHECK_EQ(self->wd, wf);
}

TEST(inotify_add_watch, write_is_modify_on_the_file_and_its_directory) {
    int f = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    int fd = new_instance();
    int wd = CHECK_OK(inotify_add_watch(fd, ".", IN_MODIFY));
    int wf = CHECK_OK(inotify_add_watch(fd, "f", IN_MODIFY));
    CHECK_EQ(write(f, "x", 1), 1);
    char buf[EVBUF];
    int len = drain(fd, buf), pos = 0;
    struct inotify_event *e = find(buf, len, &pos, IN_MODIFY, NULL);
    CHECK(e != NULL);
    int saw_dir = 0, saw_file = 0;
    pos = 0;
    while ((e = find(buf, len, &pos, IN_MODIFY, NULL))) {
        if (e->wd == wd && e->len && strcmp(e->name, "f") == 0)
            saw_dir = 1;
        if (e->wd == wf && e->len == 0)
            saw_file = 1;
    }
    CHECK(saw_dir);
    CHECK(saw_file);
}

TEST(inotify_add_watch, open_close_and_attrib_on_a_file) {
    CHECK_OK(close(CHECK_OK(open("f", O_CREAT | O_RDWR, 0600))));
    int fd = new_instance();
    int wf = CHECK_OK(inotify_add_watch(fd, "f", IN_OPEN | IN_CLOSE | IN_ATTRIB));
    int f = CHECK_OK(open("f", O_WRONLY));
    CHECK_OK(close(f));
    f = CHECK_OK(open("f", O_RDONLY));
    CHECK_OK(close(f));
    CHECK_OK(chmod("f", 0644));
    char buf[EVBUF];
    int len = drain(fd, buf), pos = 0;
    struct inotify_event *e = find(buf, len, &pos, IN_OPEN, NULL);
    CHECK(e != NULL);
    CHECK_EQ(e->wd, wf);
    CHECK(find(buf, len, &pos, IN_CLOSE_WRITE, NULL) != NULL);
    CHECK(find(buf, len, &pos, IN_OPEN, NULL) != NULL);
    CHECK(find(buf, len, &pos, IN_CLOSE_NOWRITE, NULL) != NULL);
    CHECK(find(buf, len, &pos, IN_ATTRIB, NULL) != NULL);
}

TEST(inotify_add_watch, unlinking_the_last_link_is_delete_self_then_ignored) {
    CHECK_OK(close(CHECK_OK(open("f", O_CREAT | O_RDWR, 0600))));
    CHECK_OK(link("f", "g"));
    int fd = new_instance();
    int wf = CHECK_OK(inotify_add_watch(fd, "f", IN_ALL_EVENTS));
    CHECK_OK(unlink("g"));
    char buf[EVBUF];
    int len = drain(fd, buf), pos = 0;
    /* Another link is left: the link count changed. */
    struct inotify_event *e = find(buf, len, &pos, IN_ATTRIB, NULL);
    CHECK(e != NULL);
    CHECK_EQ(e->wd, wf);
    CHECK_OK(unlink("f"));
    len = drain(fd, buf);
    pos = 0;
    CHECK(find(buf, len, &pos, IN_DELETE_SELF, NULL) != NULL);
    e = find(buf, len, &pos, IN_IGNORED, NULL);
    CHECK(e != NULL);
    CHECK_EQ(e->wd, wf);
    CHECK_ERR(inotify_rm_watch(fd, wf), EINVAL);
}

TEST(inotify_rm_watch, queues_ignored_and_forgets_the_watch) {
    int fd = new_instance();
    int wd = CHECK_OK(inotify_add_watch(fd, ".", IN_CREATE));
    CHECK_OK(inotify_rm_watch(fd, wd));
    CHECK_ERR(inotify_rm_watch(fd, wd), EINVAL);
    CHECK_ERR(inotify_rm_watch(fd, 12345), EINVAL);
    char buf[EVBUF];
    int len = drain(fd, buf), pos = 0;
    struct inotify_event *e = find(buf, len, &pos, IN_IGNORED, NULL);
    CHECK(e != NULL);
    CHECK_EQ(e->wd, wd);
    CHECK_OK(close(CHECK_OK(open("a", O_CREAT | O_WRONLY, 0600))));
    CHECK_ERR(read(fd, buf, sizeof buf), EAGAIN);
}

TEST(read, a_buffer_too_small_for_the_event_is_einval) {
    int fd = new_instance();
    CHECK_OK(inotify_add_watch(fd, ".", IN_CREATE));
    CHECK_OK(close(CHECK_OK(open("a_long_name", O_CREAT | O_WRONLY, 0600))));
    char small[sizeof(struct inotify_event)];
    CHECK_ERR(read(fd, small, sizeof small), EINVAL);
    int n = 0;
    CHECK_OK(ioctl(fd, FIONREAD, &n));
    CHECK(n >= (int)sizeof(struct inotify_event) + 12);
    CHECK_EQ(n % 16, 0);
    char buf[EVBUF];
    CHECK_EQ(read(fd, buf, sizeof buf), n);
}

TEST(inotify_add_watch, oneshot_watch_ends_after_one_event) {
    int fd = new_instance();
    int wd = CHECK_OK(inotify_add_watch(fd, ".", IN_CREATE | IN_ONESHOT));
    CHECK_OK(close(CHECK_OK(open("a", O_CREAT | O_WRONLY, 0600))));
    CHECK_OK(close(CHECK_OK(open("b", O_CREAT | O_WRONLY, 0600))));
    char buf[EVBUF];
    int len = drain(fd, buf), pos = 0;
    CHECK(find(buf, len, &pos, IN_CREATE, "a") != NULL);
    struct inotify_event *e = find(buf, len, &pos, IN_IGNORED, NULL);
    CHECK(e != NULL);
    CHECK_EQ(e->wd, wd);
    pos = 0;
    CHECK(find(buf, len, &pos, IN_CREATE, "b") == NULL);
}

TEST(poll, inotify_becomes_readable_with_an_event_and_wakes_a_reader) {
    int fd = CHECK_OK(inotify_init());
    CHECK_OK(inotify_add_watch(fd, ".", IN_CREATE));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, 0);
        close(open("late", O_CREAT | O_WRONLY, 0600));
        _exit(0);
    }
    struct pollfd p = {fd, POLLIN, 0};
    CHECK_EQ(poll(&p, 1, 5000), 1);
    char buf[EVBUF];
    int len = CHECK_OK(read(fd, buf, sizeof buf)), pos = 0;
    CHECK(find(buf, len, &pos, IN_CREATE, "late") != NULL);
    CHECK_EXIT(pid, 0);
}
