/* Job control and default signal actions between processes: stop signals (SIGSTOP,
 * SIGTSTP, SIGTTIN, SIGTTOU) and SIGCONT sent with kill, how wait4 and waitid report
 * stops and continues (once, WNOWAIT, WEXITED alone), the SIGCHLD a parent gets for them
 * (CLD_STOPPED, CLD_CONTINUED, SA_NOCLDSTOP), signals sent to a stopped process, the
 * discarding of pending stop signals by SIGCONT and of SIGCONT by stop signals, stop
 * signals in an orphaned process group, every thread stopping, process-group stops, and
 * the core-dump signals' default action.
 *
 * The children that die of a core-dump signal turn core dumps off twice: RLIMIT_CORE 0
 * stops a dump to a file, but when the host pipes cores to a helper (core_pattern
 * "|...") Linux ignores RLIMIT_CORE, so they also make themselves non-dumpable. */
#include "harness.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static long wait4_raw(pid_t pid, int *status, int options, struct rusage *ru) {
    return syscall(SYS_wait4, pid, status, options, ru);
}

/* wait4 for `pid` (blocking unless WNOHANG is in `options`, retried on EINTR) that must
 * report `pid`; the status. */
static int wait_st(pid_t pid, int options) {
    int st = 0;
    long r;
    do {
        r = wait4_raw(pid, &st, options, 0);
    } while (r == -1 && errno == EINTR);
    CHECK_MSG(r == pid, "wait4(%d, options %#x) = %ld (errno %d %s)", pid, options, r, errno,
              strerror(errno));
    return st;
}

/* Waits until `pid` is reported stopped by `sig`. */
static void wait_stopped(pid_t pid, int sig) {
    int st = wait_st(pid, WUNTRACED);
    CHECK_MSG(WIFSTOPPED(st) && WSTOPSIG(st) == sig, "status %#x, want stopped by %d", st, sig);
}

/* Waits until `pid` is reported continued. */
static void wait_continued(pid_t pid) {
    int st = wait_st(pid, WCONTINUED);
    CHECK_MSG(WIFCONTINUED(st), "status %#x, want continued", st);
}

/* No report for `pid` right now with `options` (| WNOHANG). */
static void check_nothing_to_report(pid_t pid, int options) {
    int st = 12345;
    CHECK_EQ(wait4_raw(pid, &st, options | WNOHANG, 0), 0);
}

/* Kills and reaps `pid`. */
static void kill_and_reap(pid_t pid) {
    CHECK_OK(kill(pid, SIGKILL));
    CHECK_EXIT(pid, 128 + SIGKILL);
}

enum {
    OWN_GROUP = 1,   /* setpgid(0, 0): a process group that is not orphaned */
    NEW_SESSION = 2, /* setsid(): a new session, so an orphaned process group */
    NO_CORE = 4,     /* RLIMIT_CORE 0 and not dumpable: no core dump at all */
};

/* In a child: the set-up `opts` asks for; exits the child if it fails. */
static void child_setup(int opts) {
    if ((opts & OWN_GROUP) && setpgid(0, 0) != 0)
        _exit(90);
    if ((opts & NEW_SESSION) && setsid() < 0)
        _exit(91);
    if (opts & NO_CORE) {
        struct rlimit rl = {0, 0};
        if (setrlimit(RLIMIT_CORE, &rl) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
            _exit(92);
    }
}

/* In the parent: waits for the child's "ready" byte on `p` (closing both ends). */
static void await_ready(int p[2], pid_t pid) {
    close(p[1]);
    char c;
    CHECK_MSG(read(p[0], &c, 1) == 1, "child %d died before it was ready", pid);
    close(p[0]);
}

/* Forks a child that makes its set-up, says it is ready, then sleeps in pause() for
 * good; returns when it is ready. */
static pid_t spawn(int opts) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(p[0]);
        child_setup(opts);
        write(p[1], "r", 1);
        close(p[1]);
        for (;;)
            pause();
    }
    await_ready(p, pid);
    return pid;
}

/* Forks a child that sleeps in read() on `go` (after its set-up), then exits with 5 if
 * the read returned a byte, 6 if not. */
static pid_t spawn_reading(int opts, int go[2]) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(p[0]);
        close(go[1]);
        child_setup(opts);
        write(p[1], "r", 1);
        close(p[1]);
        char c;
        _exit(read(go[0], &c, 1) == 1 ? 5 : 6);
    }
    close(go[0]);
    await_ready(p, pid);
    return pid;
}

static volatile sig_atomic_t got;

static void on_sig(int sig) { got = sig; }

/* Forks a child that catches `sig` (and blocks it outside sigsuspend, so that it cannot
 * be missed), waits until the handler has run, then, if `go` is given, until a byte or
 * EOF comes on it, and exits with the signal's number. */
static pid_t spawn_catching(int sig, int opts, int *go) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(p[0]);
        if (go)
            close(go[1]);
        child_setup(opts);
        struct sigaction sa = {0};
        sa.sa_handler = on_sig;
        sigemptyset(&sa.sa_mask);
        sigset_t s, none;
        sigemptyset(&s);
        sigemptyset(&none);
        sigaddset(&s, sig);
        if (sigaction(sig, &sa, 0) != 0 || sigprocmask(SIG_BLOCK, &s, 0) != 0)
            _exit(93);
        write(p[1], "r", 1);
        close(p[1]);
        while (!got)
            sigsuspend(&none);
        if (go) {
            char c;
            read(go[0], &c, 1);
        }
        _exit(got);
    }
    if (go)
        close(go[0]);
    await_ready(p, pid);
    return pid;
}

/* ---- SIGSTOP, SIGCONT and wait4 ---- */

TEST(wait4, wuntraced_reports_a_child_stopped_in_pause) {
    pid_t pid = spawn(0);
    CHECK_OK(kill(pid, SIGSTOP));
    int st = wait_st(pid, WUNTRACED);
    CHECK(WIFSTOPPED(st));
    CHECK_EQ(WSTOPSIG(st), SIGSTOP);
    CHECK_EQ(st & 0xff, 0x7f);
    CHECK(!WIFEXITED(st));
    CHECK(!WIFSIGNALED(st));
    CHECK(!WIFCONTINUED(st));
    kill_and_reap(pid);
}

TEST(kill, sigstop_stops_a_busy_child) {
    volatile unsigned long *n = mmap(0, 4096, PROT_READ | PROT_WRITE,
                                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(n != MAP_FAILED);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        for (;;)
            (*n)++;
    }
    for (int i = 0; i < 5000 && *n == 0; i++)
        sleep_ms(1);
    CHECK_MSG(*n > 0, "the child never ran");
    CHECK_OK(kill(pid, SIGSTOP));
    wait_stopped(pid, SIGSTOP);
    unsigned long before = *n;
    sleep_ms(100);
    CHECK_EQ(*n, before);
    CHECK_OK(kill(pid, SIGCONT));
    for (int i = 0; i < 5000 && *n == before; i++)
        sleep_ms(1);
    CHECK_MSG(*n != before, "the child did not run again after SIGCONT");
    kill_and_reap(pid);
}

TEST(wait4, a_stop_is_reported_once) {
    pid_t pid = spawn(0);
    CHECK_OK(kill(pid, SIGSTOP));
    wait_stopped(pid, SIGSTOP);
    check_nothing_to_report(pid, WUNTRACED);
    check_nothing_to_report(-1, WUNTRACED);
    /* Without WUNTRACED a stopped child is not reported at all. */
    check_nothing_to_report(pid, 0);
    kill_and_reap(pid);
}

TEST(wait4, a_continue_is_reported_once) {
    pid_t pid = spawn(0);
    CHECK_OK(kill(pid, SIGSTOP));
    wait_stopped(pid, SIGSTOP);
    CHECK_OK(kill(pid, SIGCONT));
    int st = wait_st(pid, WCONTINUED);
    CHECK(WIFCONTINUED(st));
    CHECK_EQ(st, 0xffff);
    CHECK(!WIFSTOPPED(st));
    CHECK(!WIFEXITED(st));
    check_nothing_to_report(pid, WCONTINUED);
    check_nothing_to_report(pid, WCONTINUED | WUNTRACED);
    kill_and_reap(pid);
}

TEST(wait4, unreported_stop_is_gone_after_sigcont) {
    pid_t pid = spawn(0);
    CHECK_OK(kill(pid, SIGSTOP));
    /* Wait for the stop without consuming it. */
    siginfo_t si;
    CHECK_OK(waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT));
    CHECK_EQ(si.si_code, CLD_STOPPED);
    CHECK_OK(kill(pid, SIGCONT));
    check_nothing_to_report(pid, WUNTRACED);
    wait_continued(pid);
    kill_and_reap(pid);
}

TEST(kill, stopped_child_takes_signal_zero_and_dies_of_sigkill) {
    pid_t pid = spawn(0);
    CHECK_OK(kill(pid, SIGSTOP));
    wait_stopped(pid, SIGSTOP);
    CHECK_EQ(kill(pid, 0), 0);
    CHECK_OK(kill(pid, SIGKILL));
    int st = wait_st(pid, 0);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGKILL);
    CHECK_ERR(kill(pid, 0), ESRCH);
}

TEST(kill, sigterm_to_a_stopped_child_waits_for_sigcont) {
    pid_t pid = spawn(0);
    CHECK_OK(kill(pid, SIGSTOP));
    wait_stopped(pid, SIGSTOP);
    CHECK_OK(kill(pid, SIGTERM));
    sleep_ms(100);
    /* Still there, still stopped. */
    check_nothing_to_report(pid, 0);
    CHECK_EQ(kill(pid, 0), 0);
    CHECK_OK(kill(pid, SIGCONT));
    int st = wait_st(pid, 0);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGTERM);
}

TEST(kill, sigstop_to_oneself_stops_until_sigcont) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        long r = kill(getpid(), SIGSTOP);
        _exit(r == 0 ? 3 : 4);
    }
    wait_stopped(pid, SIGSTOP);
    CHECK_OK(kill(pid, SIGCONT));
    CHECK_EXIT(pid, 3);
}

TEST(kill, second_sigstop_while_stopped_is_discarded_by_sigcont) {
    pid_t pid = spawn(0);
    CHECK_OK(kill(pid, SIGSTOP));
    wait_stopped(pid, SIGSTOP);
    /* Pending while the child is stopped; SIGCONT throws it away. */
    CHECK_OK(kill(pid, SIGSTOP));
    check_nothing_to_report(pid, WUNTRACED);
    CHECK_OK(kill(pid, SIGCONT));
    wait_continued(pid);
    sleep_ms(100);
    check_nothing_to_report(pid, WUNTRACED);
    kill_and_reap(pid);
}

/* ---- SIGTSTP, SIGTTIN, SIGTTOU ---- */

/* The child is in a process group of its own: stop signals other than SIGSTOP are
 * discarded in an orphaned process group, and the case's own group may be one. */
static void check_default_stop(int sig) {
    pid_t pid = spawn(OWN_GROUP);
    CHECK_OK(kill(pid, sig));
    int st = wait_st(pid, WUNTRACED);
    CHECK(WIFSTOPPED(st));
    CHECK_EQ(WSTOPSIG(st), sig);
    CHECK_OK(kill(pid, SIGCONT));
    wait_continued(pid);
    kill_and_reap(pid);
}

TEST(kill, sigtstp_by_default_stops_the_process) { check_default_stop(SIGTSTP); }

TEST(kill, sigttin_by_default_stops_the_process) { check_default_stop(SIGTTIN); }

TEST(kill, sigttou_by_default_stops_the_process) { check_default_stop(SIGTTOU); }

TEST(kill, sigtstp_in_an_orphaned_process_group_is_discarded) {
    /* A new session's group is orphaned: no member has a parent in another group of
     * the same session. */
    pid_t pid = spawn(NEW_SESSION);
    CHECK_EQ(getsid(pid), pid);
    CHECK_OK(kill(pid, SIGTSTP));
    CHECK_OK(kill(pid, SIGTTIN));
    CHECK_OK(kill(pid, SIGTTOU));
    sleep_ms(100);
    check_nothing_to_report(pid, WUNTRACED);
    /* SIGSTOP stops it all the same. */
    CHECK_OK(kill(pid, SIGSTOP));
    wait_stopped(pid, SIGSTOP);
    kill_and_reap(pid);
}

TEST(rt_sigaction, sigtstp_handler_runs_instead_of_stopping) {
    pid_t pid = spawn_catching(SIGTSTP, OWN_GROUP, 0);
    CHECK_OK(kill(pid, SIGTSTP));
    int st = wait_st(pid, WUNTRACED);
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == SIGTSTP, "status %#x", st);
}

TEST(rt_sigaction, ignored_sigtstp_does_not_stop) {
    signal(SIGTSTP, SIG_IGN);
    int go[2];
    CHECK_OK(pipe(go));
    pid_t pid = spawn_reading(OWN_GROUP, go);
    CHECK_OK(kill(pid, SIGTSTP));
    sleep_ms(100);
    check_nothing_to_report(pid, WUNTRACED);
    CHECK_EQ(write(go[1], "g", 1), 1);
    CHECK_EXIT(pid, 5);
}

/* ---- SIGCONT ---- */

TEST(kill, sigcont_runs_the_handler_of_a_running_process) {
    pid_t pid = spawn_catching(SIGCONT, 0, 0);
    CHECK_OK(kill(pid, SIGCONT));
    CHECK_EXIT(pid, SIGCONT);
}

TEST(kill, sigcont_by_default_is_ignored_by_a_running_process) {
    int go[2];
    CHECK_OK(pipe(go));
    pid_t pid = spawn_reading(0, go);
    CHECK_OK(kill(pid, SIGCONT));
    sleep_ms(100);
    /* Not ended, and nothing to report: it was not stopped. */
    check_nothing_to_report(pid, WUNTRACED | WCONTINUED);
    CHECK_EQ(write(go[1], "g", 1), 1);
    /* The read was not interrupted either. */
    CHECK_EXIT(pid, 5);
}

TEST(kill, sigcont_resumes_a_stopped_child_and_runs_its_handler) {
    int go[2];
    CHECK_OK(pipe(go));
    pid_t pid = spawn_catching(SIGCONT, 0, go);
    CHECK_OK(kill(pid, SIGSTOP));
    wait_stopped(pid, SIGSTOP);
    CHECK_OK(kill(pid, SIGCONT));
    /* The child waits for `go` after its handler, so its continue is reported before
     * its exit. */
    wait_continued(pid);
    close(go[1]);
    CHECK_EXIT(pid, SIGCONT);
}

TEST(kill, sigcont_resumes_a_child_that_blocks_it) {
    int go[2];
    CHECK_OK(pipe(go));
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(p[0]);
        close(go[1]);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGCONT);
        sigprocmask(SIG_BLOCK, &s, 0);
        write(p[1], "r", 1);
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(2);
        sigset_t pend;
        sigpending(&pend);
        /* Blocking SIGCONT does not keep it from continuing the process; the signal
         * itself stays pending. */
        _exit(sigismember(&pend, SIGCONT) ? 0 : 3);
    }
    close(go[0]);
    await_ready(p, pid);
    CHECK_OK(kill(pid, SIGSTOP));
    wait_stopped(pid, SIGSTOP);
    CHECK_OK(kill(pid, SIGCONT));
    wait_continued(pid);
    CHECK_EQ(write(go[1], "g", 1), 1);
    CHECK_EXIT(pid, 0);
}

/* Forks a child that blocks the `nsigs` signals `sigs`, then answers each signal
 * number written on `req` with '1' or '0' on `ans`: whether that signal is pending in
 * it; it exits 0 at EOF on `req`. */
static pid_t spawn_pending_prober(const int *sigs, int nsigs, int req[2], int ans[2]) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(req[1]);
        close(ans[0]);
        sigset_t s;
        sigemptyset(&s);
        for (int i = 0; i < nsigs; i++)
            sigaddset(&s, sigs[i]);
        sigprocmask(SIG_BLOCK, &s, 0);
        write(ans[1], "r", 1);
        int sig;
        while (read(req[0], &sig, sizeof sig) == sizeof sig) {
            sigset_t pend;
            sigpending(&pend);
            char c = sigismember(&pend, sig) ? '1' : '0';
            write(ans[1], &c, 1);
        }
        _exit(0);
    }
    close(req[0]);
    close(ans[1]);
    char c;
    CHECK_EQ(read(ans[0], &c, 1), 1);
    return pid;
}

/* Asks the prober whether `sig` is pending in it. */
static int probe_pending(int req[2], int ans[2], int sig) {
    CHECK_EQ(write(req[1], &sig, sizeof sig), sizeof sig);
    char c = 0;
    CHECK_EQ(read(ans[0], &c, 1), 1);
    return c == '1';
}

TEST(rt_sigpending, sigcont_discards_a_pending_stop_signal) {
    int req[2], ans[2];
    CHECK_OK(pipe(req));
    CHECK_OK(pipe(ans));
    int sigs[] = {SIGTSTP, SIGTTIN};
    pid_t pid = spawn_pending_prober(sigs, 2, req, ans);
    CHECK_OK(kill(pid, SIGTSTP));
    CHECK_OK(kill(pid, SIGTTIN));
    CHECK(probe_pending(req, ans, SIGTSTP));
    CHECK(probe_pending(req, ans, SIGTTIN));
    CHECK_OK(kill(pid, SIGCONT));
    CHECK(!probe_pending(req, ans, SIGTSTP));
    CHECK(!probe_pending(req, ans, SIGTTIN));
    close(req[1]);
    CHECK_EXIT(pid, 0);
}

TEST(rt_sigpending, stop_signal_discards_a_pending_sigcont) {
    int req[2], ans[2];
    CHECK_OK(pipe(req));
    CHECK_OK(pipe(ans));
    /* SIGTSTP blocked too, so that it does not stop the child: it discards SIGCONT all
     * the same. */
    int sigs[] = {SIGCONT, SIGTSTP};
    pid_t pid = spawn_pending_prober(sigs, 2, req, ans);
    CHECK_OK(kill(pid, SIGCONT));
    CHECK(probe_pending(req, ans, SIGCONT));
    CHECK_OK(kill(pid, SIGTSTP));
    CHECK(!probe_pending(req, ans, SIGCONT));
    CHECK(probe_pending(req, ans, SIGTSTP));
    close(req[1]);
    CHECK_EXIT(pid, 0);
}

/* ---- SIGCHLD for stops and continues ---- */

static void on_chld(int sig, siginfo_t *si, void *uc) { (void)sig, (void)si, (void)uc; }

/* Catches SIGCHLD with SA_SIGINFO (and `flags`) and blocks it, for sigtimedwait. */
static void take_sigchld(int flags) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(SIGCHLD, &sa, 0));
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGCHLD);
    CHECK_OK(sigprocmask(SIG_BLOCK, &s, 0));
}

/* The next SIGCHLD, waited for up to 5 s. */
static siginfo_t next_sigchld(void) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGCHLD);
    struct timespec ts = {5, 0};
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r;
    do {
        r = sigtimedwait(&s, &si, &ts);
    } while (r == -1 && errno == EINTR);
    CHECK_MSG(r == SIGCHLD, "sigtimedwait = %d (errno %d %s)", r, errno, strerror(errno));
    return si;
}

static int sigchld_pending(void) {
    sigset_t p;
    sigpending(&p);
    return sigismember(&p, SIGCHLD);
}

TEST(rt_sigtimedwait, sigchld_for_a_stop_says_cld_stopped) {
    take_sigchld(0);
    pid_t pid = spawn(0);
    CHECK_OK(kill(pid, SIGSTOP));
    siginfo_t si = next_sigchld();
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_code, CLD_STOPPED);
    CHECK_EQ(si.si_status, SIGSTOP);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_uid, getuid());
    wait_stopped(pid, SIGSTOP);
    kill_and_reap(pid);
}

TEST(rt_sigtimedwait, sigchld_for_a_continue_says_cld_continued) {
    take_sigchld(0);
    pid_t pid = spawn(0);
    CHECK_OK(kill(pid, SIGSTOP));
    siginfo_t si = next_sigchld();
    CHECK_EQ(si.si_code, CLD_STOPPED);
    CHECK_OK(kill(pid, SIGCONT));
    si = next_sigchld();
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_code, CLD_CONTINUED);
    CHECK_EQ(si.si_status, SIGCONT);
    CHECK_EQ(si.si_pid, pid);
    wait_continued(pid);
    kill_and_reap(pid);
}

TEST(rt_sigaction, sa_nocldstop_leaves_out_sigchld_for_stop_and_continue) {
    take_sigchld(SA_NOCLDSTOP);
    pid_t pid = spawn(0);
    CHECK_OK(kill(pid, SIGSTOP));
    /* The waits still see both. */
    wait_stopped(pid, SIGSTOP);
    sleep_ms(100);
    CHECK(!sigchld_pending());
    CHECK_OK(kill(pid, SIGCONT));
    wait_continued(pid);
    sleep_ms(100);
    CHECK(!sigchld_pending());
    /* Its end is still signalled. */
    CHECK_OK(kill(pid, SIGKILL));
    siginfo_t si = next_sigchld();
    CHECK_EQ(si.si_code, CLD_KILLED);
    CHECK_EQ(si.si_status, SIGKILL);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EXIT(pid, 128 + SIGKILL);
}

/* ---- waitid ---- */

TEST(waitid, wstopped_reports_cld_stopped_with_the_signal) {
    pid_t pid = spawn(OWN_GROUP);
    CHECK_OK(kill(pid, SIGTTIN));
    siginfo_t si;
    memset(&si, 0xff, sizeof si);
    CHECK_EQ(waitid(P_PID, pid, &si, WSTOPPED), 0);
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_code, CLD_STOPPED);
    CHECK_EQ(si.si_status, SIGTTIN);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_uid, getuid());
    /* Consumed. */
    check_nothing_to_report(pid, WUNTRACED);
    kill_and_reap(pid);
}

TEST(waitid, wcontinued_reports_cld_continued) {
    pid_t pid = spawn(0);
    CHECK_OK(kill(pid, SIGSTOP));
    siginfo_t si;
    CHECK_EQ(waitid(P_PID, pid, &si, WSTOPPED), 0);
    CHECK_OK(kill(pid, SIGCONT));
    memset(&si, 0xff, sizeof si);
    CHECK_EQ(waitid(P_PID, pid, &si, WCONTINUED), 0);
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_code, CLD_CONTINUED);
    CHECK_EQ(si.si_status, SIGCONT);
    CHECK_EQ(si.si_pid, pid);
    memset(&si, 0xff, sizeof si);
    CHECK_EQ(waitid(P_PID, pid, &si, WCONTINUED | WNOHANG), 0);
    CHECK_EQ(si.si_pid, 0);
    kill_and_reap(pid);
}

TEST(waitid, wnowait_leaves_the_stop_reportable) {
    pid_t pid = spawn(0);
    CHECK_OK(kill(pid, SIGSTOP));
    siginfo_t si;
    for (int i = 0; i < 2; i++) {
        memset(&si, 0, sizeof si);
        CHECK_EQ(waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT), 0);
        CHECK_EQ(si.si_code, CLD_STOPPED);
        CHECK_EQ(si.si_status, SIGSTOP);
        CHECK_EQ(si.si_pid, pid);
    }
    /* Also for wait4. */
    int st = wait_st(pid, WUNTRACED | WNOHANG);
    CHECK(WIFSTOPPED(st));
    memset(&si, 0xff, sizeof si);
    CHECK_EQ(waitid(P_PID, pid, &si, WSTOPPED | WNOHANG), 0);
    CHECK_EQ(si.si_pid, 0);
    kill_and_reap(pid);
}

TEST(waitid, wexited_alone_does_not_report_a_stop) {
    pid_t pid = spawn(0);
    CHECK_OK(kill(pid, SIGSTOP));
    siginfo_t si;
    CHECK_EQ(waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT), 0);
    memset(&si, 0xff, sizeof si);
    CHECK_EQ(waitid(P_PID, pid, &si, WEXITED | WNOHANG), 0);
    CHECK_EQ(si.si_pid, 0);
    CHECK_EQ(si.si_signo, 0);
    memset(&si, 0, sizeof si);
    CHECK_EQ(waitid(P_ALL, 0, &si, WEXITED | WSTOPPED | WNOHANG), 0);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_code, CLD_STOPPED);
    kill_and_reap(pid);
}

/* ---- threads and process groups ---- */

static volatile unsigned long *thread_counts;

static void *count_forever(void *arg) {
    (void)arg;
    for (;;)
        thread_counts[0]++;
    return 0;
}

TEST(kill, sigstop_stops_every_thread) {
    thread_counts = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(thread_counts != MAP_FAILED);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        pthread_t t;
        if (pthread_create(&t, 0, count_forever, 0) != 0)
            _exit(2);
        for (;;)
            thread_counts[1]++;
    }
    for (int i = 0; i < 5000 && (thread_counts[0] == 0 || thread_counts[1] == 0); i++)
        sleep_ms(1);
    CHECK_MSG(thread_counts[0] && thread_counts[1], "the child's threads never ran");
    CHECK_OK(kill(pid, SIGSTOP));
    wait_stopped(pid, SIGSTOP);
    unsigned long a = thread_counts[0], b = thread_counts[1];
    sleep_ms(100);
    CHECK_EQ(thread_counts[0], a);
    CHECK_EQ(thread_counts[1], b);
    CHECK_OK(kill(pid, SIGCONT));
    for (int i = 0; i < 5000 && (thread_counts[0] == a || thread_counts[1] == b); i++)
        sleep_ms(1);
    CHECK_MSG(thread_counts[0] != a, "the second thread did not run again after SIGCONT");
    CHECK_MSG(thread_counts[1] != b, "the main thread did not run again after SIGCONT");
    kill_and_reap(pid);
}

TEST(kill, negative_pid_stops_every_process_of_the_group) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t a = CHECK_OK(fork());
    if (a == 0) {
        close(p[0]);
        setpgid(0, 0);
        write(p[1], "a", 1);
        for (;;)
            pause();
    }
    CHECK_OK(setpgid(a, a));
    pid_t b = CHECK_OK(fork());
    if (b == 0) {
        close(p[0]);
        setpgid(0, a);
        write(p[1], "b", 1);
        for (;;)
            pause();
    }
    CHECK_OK(setpgid(b, a));
    close(p[1]);
    char c[2];
    CHECK_EQ(read(p[0], c, 1) + read(p[0], c + 1, 1), 2);
    CHECK_EQ(getpgid(a), a);
    CHECK_EQ(getpgid(b), a);
    CHECK_OK(kill(-a, SIGSTOP));
    wait_stopped(a, SIGSTOP);
    wait_stopped(b, SIGSTOP);
    check_nothing_to_report(-a, WUNTRACED);
    CHECK_EQ(kill(-a, 0), 0);
    CHECK_OK(kill(-a, SIGCONT));
    int st, seen = 0;
    for (int i = 0; i < 2; i++) {
        pid_t r = CHECK_OK(wait4_raw(-a, &st, WCONTINUED, 0));
        CHECK(WIFCONTINUED(st));
        seen |= r == a ? 1 : r == b ? 2 : 4;
    }
    CHECK_EQ(seen, 3);
    CHECK_OK(kill(-a, SIGKILL));
    CHECK_EXIT(a, 128 + SIGKILL);
    CHECK_EXIT(b, 128 + SIGKILL);
}

/* ---- core-dump signals ---- */

/* Kills a child that cannot dump core with `sig`: it dies of `sig`, without a core. */
static void check_killed_without_core(int sig) {
    pid_t pid = spawn(NO_CORE);
    CHECK_OK(kill(pid, sig));
    int st = wait_st(pid, 0);
    CHECK_MSG(WIFSIGNALED(st) && WTERMSIG(st) == sig, "status %#x, want killed by %d", st, sig);
    CHECK_MSG(!WCOREDUMP(st), "status %#x says a core was dumped", st);
}

TEST(kill, sigabrt_kills_without_a_core_at_rlimit_core_zero) { check_killed_without_core(SIGABRT); }

TEST(kill, sigsegv_kills_without_a_core_at_rlimit_core_zero) { check_killed_without_core(SIGSEGV); }

TEST(kill, sigquit_kills_without_a_core_at_rlimit_core_zero) { check_killed_without_core(SIGQUIT); }

TEST(kill, other_core_signals_kill_without_a_core_at_rlimit_core_zero) {
    int sigs[] = {SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGXCPU, SIGXFSZ};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        check_killed_without_core(sigs[i]);
}

TEST(waitid, core_signal_at_rlimit_core_zero_is_cld_killed) {
    pid_t pid = spawn(NO_CORE);
    CHECK_OK(kill(pid, SIGQUIT));
    siginfo_t si;
    memset(&si, 0xff, sizeof si);
    CHECK_EQ(waitid(P_PID, pid, &si, WEXITED), 0);
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_code, CLD_KILLED);
    CHECK_EQ(si.si_status, SIGQUIT);
    CHECK_EQ(si.si_pid, pid);
    CHECK_ERR(kill(pid, 0), ESRCH);
}
