/* Pseudo-terminals: /dev/ptmx and /dev/pts, the line discipline (canonical and raw
 * modes, echo, erase and kill, end of file, signal characters), the terminal ioctls
 * (TCGETS/TCSETS, TIOCGWINSZ/TIOCSWINSZ, TIOCGPTN, TIOCSPTLCK, TIOCGPTPEER, FIONREAD,
 * TCFLSH), controlling terminals (TIOCSCTTY, open without O_NOCTTY, /dev/tty,
 * TIOCNOTTY) and job control (TIOCGPGRP/TIOCSPGRP, SIGTTOU, SIGTTIN, SIGWINCH). */
#include "harness.h"

#include <poll.h>
#include <sys/sysmacros.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, 0);
}

/* Opens a new pty: its master, unlocked, and (if slave is non-NULL) its slave, both
 * without becoming a controlling terminal. */
static int open_pty(int *slave) {
    int m = CHECK_OK(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK_OK(grantpt(m));
    CHECK_OK(unlockpt(m));
    if (slave)
        *slave = CHECK_OK(open(ptsname(m), O_RDWR | O_NOCTTY));
    return m;
}

/* Reads from fd until n bytes came or 2 s passed; returns the count. */
static int read_some(int fd, char *buf, int n) {
    int got = 0;
    for (int i = 0; i < 200 && got < n; i++) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 10) == 1) {
            int r = read(fd, buf + got, n - got);
            if (r <= 0)
                break;
            got += r;
        }
    }
    return got;
}

/* Puts the slave in raw mode (no echo, no canonical editing, no signals). */
static void make_raw(int s) {
    struct termios t;
    CHECK_OK(tcgetattr(s, &t));
    cfmakeraw(&t);
    CHECK_OK(tcsetattr(s, TCSANOW, &t));
}

TEST(openat, ptmx_gives_a_master_and_a_numbered_slave_node) {
    int m = CHECK_OK(posix_openpt(O_RDWR | O_NOCTTY));
    unsigned n = 99999;
    CHECK_OK(ioctl(m, TIOCGPTN, &n));
    char want[32];
    snprintf(want, sizeof want, "/dev/pts/%u", n);
    CHECK_STR(ptsname(m), want);
    struct stat st;
    CHECK_OK(stat(want, &st));
    CHECK(S_ISCHR(st.st_mode));
    CHECK_EQ(major(st.st_rdev), 136);
    CHECK_EQ(minor(st.st_rdev), n);
    CHECK_EQ(st.st_uid, geteuid());
    CHECK(isatty(m));
}

TEST(openat, slave_of_a_locked_pty_is_eio) {
    int m = CHECK_OK(posix_openpt(O_RDWR | O_NOCTTY));
    int locked = -1;
    CHECK_OK(ioctl(m, TIOCGPTLCK, &locked));
    CHECK_EQ(locked, 1);
    CHECK_ERR(open(ptsname(m), O_RDWR | O_NOCTTY), EIO);
    CHECK_OK(unlockpt(m));
    CHECK_OK(ioctl(m, TIOCGPTLCK, &locked));
    CHECK_EQ(locked, 0);
    int s = CHECK_OK(open(ptsname(m), O_RDWR | O_NOCTTY));
    CHECK(isatty(s));
}

TEST(close, closing_the_master_removes_the_slave_node) {
    int m = open_pty(NULL);
    char name[64];
    snprintf(name, sizeof name, "%s", ptsname(m));
    CHECK_OK(access(name, F_OK));
    CHECK_OK(close(m));
    /* Linux removes the node when the last reference goes, which may be a little
     * later; and a case running at the same time may take the number again at once.
     * So the node must be seen gone within a second. */
    int gone = 0;
    for (int i = 0; i < 100 && !gone; i++) {
        gone = access(name, F_OK) != 0 && errno == ENOENT;
        if (!gone)
            sleep_ms(10);
    }
    CHECK(gone);
}

TEST(read, canonical_mode_delivers_whole_lines) {
    int s, m = open_pty(&s);
    CHECK_EQ(write(m, "abc", 3), 3);
    CHECK_OK(fcntl(s, F_SETFL, O_NONBLOCK));
    char buf[64];
    CHECK_ERR(read(s, buf, sizeof buf), EAGAIN);
    CHECK_EQ(write(m, "de\n", 3), 3);
    CHECK_EQ(read(s, buf, sizeof buf), 6);
    CHECK_MEM(buf, "abcde\n", 6);
}

TEST(read, canonical_read_returns_one_line_at_a_time) {
    int s, m = open_pty(&s);
    CHECK_EQ(write(m, "one\ntwo\n", 8), 8);
    char buf[64];
    CHECK_EQ(read(s, buf, sizeof buf), 4);
    CHECK_MEM(buf, "one\n", 4);
    CHECK_EQ(read(s, buf, 2), 2);
    CHECK_MEM(buf, "tw", 2);
    CHECK_EQ(read(s, buf, sizeof buf), 2);
    CHECK_MEM(buf, "o\n", 2);
}

TEST(read, carriage_return_becomes_newline_with_icrnl) {
    int s, m = open_pty(&s);
    CHECK_EQ(write(m, "x\r", 2), 2);
    char buf[8];
    CHECK_EQ(read(s, buf, sizeof buf), 2);
    CHECK_MEM(buf, "x\n", 2);
}

TEST(read, erase_and_kill_characters_edit_the_line) {
    int s, m = open_pty(&s);
    struct termios t;
    CHECK_OK(tcgetattr(s, &t));
    /* "helo" ERASE "lo" -> "hello"; then "junk" KILL "ok" -> "ok" */
    char in[] = {'h', 'e', 'l', 'o', (char)t.c_cc[VERASE], 'l', 'o', '\n',
                 'j', 'u', 'n', 'k', (char)t.c_cc[VKILL], 'o', 'k', '\n'};
    CHECK_EQ(write(m, in, sizeof in), (long)sizeof in);
    char buf[64];
    CHECK_EQ(read(s, buf, sizeof buf), 6);
    CHECK_MEM(buf, "hello\n", 6);
    CHECK_EQ(read(s, buf, sizeof buf), 3);
    CHECK_MEM(buf, "ok\n", 3);
}

TEST(read, eof_character_at_line_start_reads_zero) {
    int s, m = open_pty(&s);
    CHECK_EQ(write(m, "\x04", 1), 1);
    char buf[8];
    CHECK_EQ(read(s, buf, sizeof buf), 0);
    CHECK_EQ(write(m, "ab\x04", 3), 3);
    CHECK_EQ(read(s, buf, sizeof buf), 2);
    CHECK_MEM(buf, "ab", 2);
}

TEST(read, master_sees_the_echo_and_onlcr_output) {
    int s, m = open_pty(&s);
    CHECK_EQ(write(m, "hi\n", 3), 3);
    char buf[64];
    CHECK_EQ(read_some(m, buf, 4), 4);
    CHECK_MEM(buf, "hi\r\n", 4);
    CHECK_EQ(write(s, "out\n", 4), 4);
    CHECK_EQ(read_some(m, buf, 5), 5);
    CHECK_MEM(buf, "out\r\n", 5);
}

TEST(read, control_characters_echo_as_caret_letters) {
    int s, m = open_pty(&s);
    (void)s;
    CHECK_EQ(write(m, "\x01", 1), 1);
    char buf[8];
    CHECK_EQ(read_some(m, buf, 2), 2);
    CHECK_MEM(buf, "^A", 2);
}

TEST(read, raw_mode_passes_bytes_unchanged_without_echo) {
    int s, m = open_pty(&s);
    make_raw(s);
    CHECK_EQ(write(m, "a\r\x03\x7f", 4), 4);
    char buf[8];
    CHECK_EQ(read_some(s, buf, 4), 4);
    CHECK_MEM(buf, "a\r\x03\x7f", 4);
    CHECK_OK(fcntl(m, F_SETFL, O_NONBLOCK));
    CHECK_ERR(read(m, buf, sizeof buf), EAGAIN);
    CHECK_EQ(write(s, "x\n", 2), 2);
    CHECK_EQ(read_some(m, buf, 2), 2);
    CHECK_MEM(buf, "x\n", 2);
}

TEST(read, vmin_zero_vtime_zero_returns_zero_at_once) {
    int s, m = open_pty(&s);
    (void)m;
    struct termios t;
    CHECK_OK(tcgetattr(s, &t));
    cfmakeraw(&t);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    CHECK_OK(tcsetattr(s, TCSANOW, &t));
    char buf[8];
    CHECK_EQ(read(s, buf, sizeof buf), 0);
}

TEST(read, vtime_times_out_with_zero) {
    int s, m = open_pty(&s);
    (void)m;
    struct termios t;
    CHECK_OK(tcgetattr(s, &t));
    cfmakeraw(&t);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 2; /* 0.2 s */
    CHECK_OK(tcsetattr(s, TCSANOW, &t));
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    char buf[8];
    CHECK_EQ(read(s, buf, sizeof buf), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    CHECK_MSG(ms >= 150, "returned after %ld ms", ms);
}

TEST(read, master_read_after_the_slave_closed_is_eio) {
    int s, m = open_pty(&s);
    CHECK_OK(close(s));
    char buf[8];
    CHECK_ERR(read(m, buf, sizeof buf), EIO);
    struct pollfd p = {m, POLLIN, 0};
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK(p.revents & POLLHUP);
}

TEST(read, slave_reads_end_of_file_and_writes_fail_once_the_master_closed) {
    int s, m = open_pty(&s);
    CHECK_OK(close(m));
    char buf[8];
    CHECK_EQ(read(s, buf, sizeof buf), 0);
    CHECK_ERR(write(s, "x", 1), EIO);
    struct pollfd p = {s, POLLIN, 0};
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK(p.revents & POLLHUP);
}

TEST(poll, slave_becomes_readable_when_a_line_is_complete) {
    int s, m = open_pty(&s);
    struct pollfd p = {s, POLLIN, 0};
    CHECK_EQ(poll(&p, 1, 0), 0);
    CHECK_EQ(write(m, "ab", 2), 2);
    CHECK_EQ(poll(&p, 1, 50), 0);
    CHECK_EQ(write(m, "\n", 1), 1);
    CHECK_EQ(poll(&p, 1, 1000), 1);
    CHECK(p.revents & POLLIN);
    p.events = POLLOUT;
    CHECK_EQ(poll(&p, 1, 0), 1);
}

TEST(ioctl, tcgets_defaults_are_a_cooked_terminal) {
    int s, m = open_pty(&s);
    (void)m;
    struct termios t;
    CHECK_OK(tcgetattr(s, &t));
    CHECK(t.c_lflag & ICANON);
    CHECK(t.c_lflag & ECHO);
    CHECK(t.c_lflag & ISIG);
    CHECK(t.c_iflag & ICRNL);
    CHECK(t.c_oflag & ONLCR);
    CHECK_EQ(t.c_cc[VINTR], 3);
    CHECK_EQ(t.c_cc[VEOF], 4);
    CHECK_EQ(t.c_cc[VMIN], 1);
}

TEST(ioctl, tcsets_is_seen_from_both_sides) {
    int s, m = open_pty(&s);
    struct termios t;
    CHECK_OK(tcgetattr(s, &t));
    t.c_lflag &= ~ECHO;
    CHECK_OK(tcsetattr(s, TCSANOW, &t));
    struct termios u;
    CHECK_OK(tcgetattr(m, &u));
    CHECK_EQ(u.c_lflag & ECHO, 0);
    CHECK_EQ(write(m, "q\n", 2), 2);
    char buf[8];
    CHECK_EQ(read(s, buf, sizeof buf), 2);
    CHECK_OK(fcntl(m, F_SETFL, O_NONBLOCK));
    CHECK_ERR(read(m, buf, sizeof buf), EAGAIN);
}

TEST(ioctl, window_size_set_on_the_master_is_read_on_the_slave) {
    int s, m = open_pty(&s);
    struct winsize w = {0};
    CHECK_OK(ioctl(s, TIOCGWINSZ, &w));
    CHECK_EQ(w.ws_row, 0);
    struct winsize set = {33, 101, 0, 0};
    CHECK_OK(ioctl(m, TIOCSWINSZ, &set));
    CHECK_OK(ioctl(s, TIOCGWINSZ, &w));
    CHECK_EQ(w.ws_row, 33);
    CHECK_EQ(w.ws_col, 101);
    CHECK_ERR(ioctl(s, TIOCGWINSZ, BAD_PTR), EFAULT);
}

TEST(ioctl, fionread_counts_readable_bytes) {
    int s, m = open_pty(&s);
    make_raw(s);
    CHECK_EQ(write(m, "12345", 5), 5);
    sleep_ms(20);
    int n = -1;
    CHECK_OK(ioctl(s, FIONREAD, &n));
    CHECK_EQ(n, 5);
    CHECK_OK(tcflush(s, TCIFLUSH));
    CHECK_OK(ioctl(s, FIONREAD, &n));
    CHECK_EQ(n, 0);
    CHECK_ERR(ioctl(s, TCFLSH, 7), EINVAL);
}

TEST(ioctl, tiocgptpeer_opens_the_slave) {
    int m = open_pty(NULL);
    int s = CHECK_OK(ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY));
    CHECK(isatty(s));
    CHECK_EQ(write(m, "z\n", 2), 2);
    char buf[8];
    CHECK_EQ(read(s, buf, sizeof buf), 2);
    int s2;
    int other = open_pty(&s2);
    /* Asked of a slave: Linux's ptm_open_peer says EIO. */
    CHECK_ERR(ioctl(s2, TIOCGPTPEER, O_RDWR), EIO);
    unsigned n;
    CHECK_ERR(ioctl(s2, TIOCGPTN, &n), ENOTTY);
    (void)other;
}

TEST(ioctl, terminal_ioctls_on_a_non_terminal_are_enotty) {
    int p[2];
    CHECK_OK(pipe(p));
    struct termios t;
    CHECK_ERR(ioctl(p[0], TCGETS, &t), ENOTTY);
    int pg;
    CHECK_ERR(ioctl(p[0], TIOCGPGRP, &pg), ENOTTY);
    CHECK(!isatty(p[0]));
    CHECK_EQ(errno, ENOTTY);
}

/* In a new session: the child opens the slave without O_NOCTTY and so acquires it. */
TEST(ioctl, session_leader_acquires_the_slave_it_opens) {
    int m = open_pty(NULL);
    char name[64];
    snprintf(name, sizeof name, "%s", ptsname(m));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        if (setsid() < 0)
            _exit(10);
        int s = open(name, O_RDWR);
        if (s < 0)
            _exit(11);
        pid_t pg = 0, sid = 0;
        if (ioctl(s, TIOCGPGRP, &pg) || pg != getpid())
            _exit(12);
        if (ioctl(s, TIOCGSID, &sid) || sid != getpid())
            _exit(13);
        if (tcgetpgrp(s) != getpid())
            _exit(14);
        int t = open("/dev/tty", O_RDWR);
        if (t < 0)
            _exit(15);
        /* A leader giving up its terminal hangs up its foreground group: itself. */
        signal(SIGHUP, SIG_IGN);
        if (ioctl(t, TIOCNOTTY) != 0)
            _exit(16);
        if (open("/dev/tty", O_RDWR) >= 0 || errno != ENXIO)
            _exit(17);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(ioctl, tiocsctty_needs_a_session_leader_without_a_terminal) {
    int s, m = open_pty(&s);
    (void)m;
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        /* Not a session leader (the group leader of no new session). */
        if (ioctl(s, TIOCSCTTY, 0) == 0 || errno != EPERM)
            _exit(10);
        if (setsid() < 0)
            _exit(11);
        if (ioctl(s, TIOCSCTTY, 0) != 0)
            _exit(12);
        /* Already its controlling terminal: fine again. */
        if (ioctl(s, TIOCSCTTY, 0) != 0)
            _exit(13);
        int s2, m2 = open_pty(&s2);
        (void)m2;
        if (ioctl(s2, TIOCSCTTY, 0) == 0 || errno != EPERM)
            _exit(14);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
}

TEST(ioctl, tiocspgrp_needs_the_controlling_terminal_and_a_group_of_the_session) {
    int s, m = open_pty(&s);
    pid_t pg;
    CHECK_ERR(ioctl(s, TIOCGPGRP, &pg), ENOTTY);
    (void)m;
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0))
            _exit(10);
        pid_t bad = 999999;
        if (ioctl(s, TIOCSPGRP, &bad) == 0 || errno != ESRCH)
            _exit(11);
        pid_t neg = -5;
        if (ioctl(s, TIOCSPGRP, &neg) == 0 || errno != EINVAL)
            _exit(12);
        pid_t child = fork();
        if (child == 0) {
            setpgid(0, 0);
            pause();
            _exit(0);
        }
        setpgid(child, child);
        if (tcsetpgrp(s, child) != 0)
            _exit(13);
        if (tcgetpgrp(s) != child)
            _exit(14);
        /* Now in the background: TIOCSPGRP with SIGTTOU ignored goes ahead. */
        signal(SIGTTOU, SIG_IGN);
        if (tcsetpgrp(s, getpgrp()) != 0)
            _exit(15);
        kill(child, SIGKILL);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
    /* The master may always ask. */
    CHECK_OK(ioctl(m, TIOCGPGRP, &pg));
}

/* The foreground group gets SIGINT when the master types VINTR. */
TEST(ioctl, intr_character_signals_the_foreground_group) {
    int s, m = open_pty(&s);
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0))
            _exit(10);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigprocmask(SIG_BLOCK, &set, NULL);
        write(p[1], "r", 1);
        int sig = 0;
        sigwait(&set, &sig);
        _exit(sig == SIGINT ? 0 : 20);
    }
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(write(m, "\x03", 1), 1);
    CHECK_EXIT(pid, 0);
}

TEST(ioctl, window_change_sends_sigwinch_to_the_foreground_group) {
    int s, m = open_pty(&s);
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0))
            _exit(10);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGWINCH);
        sigprocmask(SIG_BLOCK, &set, NULL);
        write(p[1], "r", 1);
        int sig = 0;
        sigwait(&set, &sig);
        struct winsize w;
        ioctl(s, TIOCGWINSZ, &w);
        _exit(sig == SIGWINCH && w.ws_col == 77 ? 0 : 20);
    }
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);
    struct winsize w = {10, 77, 0, 0};
    CHECK_OK(ioctl(m, TIOCSWINSZ, &w));
    CHECK_EXIT(pid, 0);
}

/* A background process reading its controlling terminal stops with SIGTTIN. */
TEST(read, background_read_stops_the_group_with_sigttin) {
    int s, m = open_pty(&s);
    (void)m;
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0))
            _exit(10);
        pid_t reader = fork();
        if (reader == 0) {
            setpgid(0, 0);
            char b;
            read(s, &b, 1);
            _exit(0);
        }
        setpgid(reader, reader);
        int st;
        if (waitpid(reader, &st, WUNTRACED) != reader)
            _exit(11);
        int ok = WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN;
        kill(reader, SIGKILL);
        waitpid(reader, &st, 0);
        _exit(ok ? 0 : 12);
    }
    CHECK_EXIT(pid, 0);
}

TEST(read, background_read_with_sigttin_ignored_is_eio) {
    int s, m = open_pty(&s);
    (void)m;
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0))
            _exit(10);
        pid_t reader = fork();
        if (reader == 0) {
            setpgid(0, 0);
            signal(SIGTTIN, SIG_IGN);
            char b;
            _exit(read(s, &b, 1) < 0 && errno == EIO ? 0 : 30);
        }
        setpgid(reader, reader);
        int st;
        waitpid(reader, &st, 0);
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 11);
    }
    CHECK_EXIT(pid, 0);
}

TEST(write, background_write_with_tostop_stops_the_group_with_sigttou) {
    int s, m = open_pty(&s);
    (void)m;
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0))
            _exit(10);
        struct termios t;
        tcgetattr(s, &t);
        t.c_lflag |= TOSTOP;
        tcsetattr(s, TCSANOW, &t);
        pid_t writer = fork();
        if (writer == 0) {
            setpgid(0, 0);
            write(s, "x", 1);
            _exit(0);
        }
        setpgid(writer, writer);
        int st;
        if (waitpid(writer, &st, WUNTRACED) != writer)
            _exit(11);
        int ok = WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTOU;
        kill(writer, SIGKILL);
        waitpid(writer, &st, 0);
        _exit(ok ? 0 : 12);
    }
    CHECK_EXIT(pid, 0);
}
