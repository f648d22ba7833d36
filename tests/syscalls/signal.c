/* Signals: rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigsuspend, rt_sigreturn,
 * sigaltstack, kill, tkill, tgkill; handlers and their flags, masks across handlers,
 * fork and temporary-mask waits (pselect6, ppoll), interrupted calls and SA_RESTART,
 * and the siginfo a fault delivers. */
#include "harness.h"

#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <time.h>
#include <ucontext.h>

/* The kernel's struct sigaction for x86-64 (rt_sigaction's argument). */
struct ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static volatile sig_atomic_t hits;
static volatile int last_sig;
static volatile int handler_saw_blocked; /* bit 0: own signal blocked; bit 1: SIGUSR2 */

static void on_sig(int sig) {
    hits++;
    last_sig = sig;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, 0, &cur);
    handler_saw_blocked = (sigismember(&cur, sig) ? 1 : 0) | (sigismember(&cur, SIGUSR2) ? 2 : 0);
}

static void handle(int sig, void (*fn)(int), int flags) {
    struct sigaction sa = {0};
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(sig, &sa, 0));
}

static void block(int sig, sigset_t *old) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    CHECK_OK(sigprocmask(SIG_BLOCK, &s, old));
}

static int is_blocked(int sig) {
    sigset_t cur;
    sigprocmask(SIG_BLOCK, 0, &cur);
    return sigismember(&cur, sig);
}

static int is_pending(int sig) {
    sigset_t p;
    sigpending(&p);
    return sigismember(&p, sig);
}

/* Forks a child that sends `sig` to the caller after `ms` milliseconds, then (if
 * `fd` >= 0) writes a byte to `fd` `ms` milliseconds later. */
static pid_t signal_me_later(int sig, long ms, int fd) {
    pid_t parent = getpid();
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sleep_ms(ms);
        kill(parent, sig);
        if (fd >= 0) {
            sleep_ms(ms);
            write(fd, "x", 1);
        }
        _exit(0);
    }
    return pid;
}

/* ---- rt_sigaction ---- */

TEST(rt_sigaction, returns_the_old_action) {
    struct sigaction sa = {0}, old;
    sa.sa_handler = on_sig;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    CHECK_OK(sigaction(SIGUSR1, &sa, &old));
    CHECK(old.sa_handler == SIG_DFL);
    sa.sa_handler = SIG_IGN;
    CHECK_OK(sigaction(SIGUSR1, &sa, &old));
    CHECK(old.sa_handler == on_sig);
    CHECK(old.sa_flags & SA_RESTART);
    CHECK(sigismember(&old.sa_mask, SIGUSR2));
    CHECK(!sigismember(&old.sa_mask, SIGINT));
    CHECK_OK(sigaction(SIGUSR1, 0, &old));
    CHECK(old.sa_handler == SIG_IGN);
}

TEST(rt_sigaction, sigkill_and_sigstop_cannot_be_changed) {
    struct ksigaction ka = {.handler = SIG_IGN}, old;
    CHECK_ERR(syscall(SYS_rt_sigaction, SIGKILL, &ka, 0, 8), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigaction, SIGSTOP, &ka, 0, 8), EINVAL);
    /* Asking is allowed. */
    memset(&old, 0xff, sizeof old);
    CHECK_OK(syscall(SYS_rt_sigaction, SIGKILL, 0, &old, 8));
    CHECK(old.handler == SIG_DFL);
}

TEST(rt_sigaction, bad_signal_number_is_einval) {
    struct ksigaction ka = {.handler = SIG_IGN}, old;
    CHECK_ERR(syscall(SYS_rt_sigaction, 0, &ka, 0, 8), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigaction, 65, &ka, 0, 8), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigaction, -1, 0, &old, 8), EINVAL);
    /* Real-time signals up to 64 are fine. */
    CHECK_OK(syscall(SYS_rt_sigaction, 64, &ka, 0, 8));
}

TEST(rt_sigaction, wrong_sigset_size_is_einval) {
    struct ksigaction ka = {.handler = SIG_IGN};
    CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, &ka, 0, 4), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, &ka, 0, 16), EINVAL);
}

TEST(rt_sigaction, bad_pointers_are_efault) {
    struct ksigaction ka = {.handler = SIG_IGN};
    CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, BAD_PTR, 0, 8), EFAULT);
    CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, &ka, BAD_PTR, 8), EFAULT);
}

TEST(rt_sigaction, sa_resethand_runs_the_handler_once) {
    hits = 0;
    handle(SIGUSR1, on_sig, SA_RESETHAND);
    CHECK_OK(raise(SIGUSR1));
    CHECK_EQ(hits, 1);
    struct sigaction old;
    CHECK_OK(sigaction(SIGUSR1, 0, &old));
    CHECK(old.sa_handler == SIG_DFL);
    /* Linux still blocks the signal during that one run (no implied SA_NODEFER). */
    CHECK_EQ(handler_saw_blocked & 1, 1);
}

TEST(rt_sigaction, signal_is_blocked_in_its_own_handler) {
    hits = 0;
    handle(SIGUSR1, on_sig, 0);
    CHECK_OK(raise(SIGUSR1));
    CHECK_EQ(hits, 1);
    CHECK_EQ(handler_saw_blocked & 1, 1);
    /* And unblocked again after. */
    CHECK(!is_blocked(SIGUSR1));
}

TEST(rt_sigaction, sa_nodefer_leaves_it_unblocked_in_the_handler) {
    hits = 0;
    handle(SIGUSR1, on_sig, SA_NODEFER);
    CHECK_OK(raise(SIGUSR1));
    CHECK_EQ(hits, 1);
    CHECK_EQ(handler_saw_blocked & 1, 0);
}

TEST(rt_sigaction, sa_mask_is_blocked_during_the_handler) {
    hits = 0;
    struct sigaction sa = {0};
    sa.sa_handler = on_sig;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    CHECK_OK(sigaction(SIGUSR1, &sa, 0));
    CHECK_OK(raise(SIGUSR1));
    CHECK_EQ(hits, 1);
    CHECK_EQ(handler_saw_blocked, 3);
    CHECK(!is_blocked(SIGUSR2));
}

static volatile int nest_depth, nest_max, nest_calls;

static void on_nested(int sig) {
    nest_depth++;
    nest_calls++;
    if (nest_depth > nest_max)
        nest_max = nest_depth;
    if (nest_calls < 3)
        raise(sig);
    nest_depth--;
}

TEST(rt_sigaction, sa_nodefer_handler_can_be_reentered) {
    nest_depth = nest_max = nest_calls = 0;
    handle(SIGUSR1, on_nested, SA_NODEFER);
    CHECK_OK(raise(SIGUSR1));
    CHECK_EQ(nest_calls, 3);
    CHECK_EQ(nest_max, 3);
    /* Without it the raise inside the handler waits until the handler returns. */
    nest_depth = nest_max = nest_calls = 0;
    handle(SIGUSR1, on_nested, 0);
    CHECK_OK(raise(SIGUSR1));
    CHECK_EQ(nest_calls, 3);
    CHECK_EQ(nest_max, 1);
}

static volatile int info_signo, info_code, info_errno;
static volatile pid_t info_pid;
static volatile uid_t info_uid;
static void *volatile info_addr;

static void on_info(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    hits++;
    last_sig = sig;
    info_signo = si->si_signo;
    info_code = si->si_code;
    info_pid = si->si_pid;
    info_uid = si->si_uid;
}

static void handle_info(int sig, void (*fn)(int, siginfo_t *, void *), int flags) {
    struct sigaction sa = {0};
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(sig, &sa, 0));
}

TEST(rt_sigaction, sa_siginfo_from_kill_is_si_user_with_the_sender) {
    hits = 0;
    handle_info(SIGUSR1, on_info, 0);
    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK_EQ(hits, 1);
    CHECK_EQ(info_signo, SIGUSR1);
    CHECK_EQ(info_code, SI_USER);
    CHECK_EQ(info_pid, getpid());
    CHECK_EQ(info_uid, getuid());
}

TEST(rt_sigaction, sa_siginfo_from_a_child_names_the_child) {
    hits = 0;
    handle_info(SIGUSR1, on_info, 0);
    sigset_t old;
    block(SIGUSR1, &old);
    pid_t pid = signal_me_later(SIGUSR1, 0, -1);
    while (!hits)
        sigsuspend(&old);
    CHECK_EQ(info_pid, pid);
    CHECK_EQ(info_code, SI_USER);
    CHECK_EXIT(pid, 0);
}

TEST(rt_sigaction, sa_siginfo_from_tgkill_is_si_tkill) {
    hits = 0;
    handle_info(SIGUSR2, on_info, 0);
    CHECK_OK(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2));
    CHECK_EQ(hits, 1);
    CHECK_EQ(info_signo, SIGUSR2);
    CHECK_EQ(info_code, SI_TKILL);
    CHECK_EQ(info_pid, getpid());
}

TEST(rt_sigaction, ignored_signal_is_discarded) {
    handle(SIGUSR1, SIG_IGN, 0);
    CHECK_OK(raise(SIGUSR1));
    CHECK(!is_pending(SIGUSR1));
    /* Blocked, an ignored signal is kept pending; ignoring it again discards it. */
    block(SIGUSR1, 0);
    CHECK_OK(raise(SIGUSR1));
    CHECK(is_pending(SIGUSR1));
    handle(SIGUSR1, SIG_IGN, 0);
    CHECK(!is_pending(SIGUSR1));
}

TEST(rt_sigaction, default_actions_terminate_or_ignore) {
    struct sigaction old;
    CHECK_OK(sigaction(SIGUSR1, 0, &old));
    CHECK(old.sa_handler == SIG_DFL);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        raise(SIGUSR1);
        _exit(0);
    }
    CHECK_EXIT(pid, 128 + SIGUSR1);
    /* SIGWINCH and SIGURG are ignored by default. */
    pid = CHECK_OK(fork());
    if (pid == 0) {
        raise(SIGWINCH);
        raise(SIGURG);
        _exit(3);
    }
    CHECK_EXIT(pid, 3);
}

TEST(rt_sigaction, handlers_are_inherited_by_fork) {
    hits = 0;
    handle(SIGUSR1, on_sig, 0);
    handle(SIGUSR2, SIG_IGN, 0);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        raise(SIGUSR2);
        raise(SIGUSR1);
        _exit(hits == 1 ? 0 : 1);
    }
    CHECK_EXIT(pid, 0);
}

TEST(rt_sigaction, sa_restart_restarts_an_interrupted_pipe_read) {
    int p[2];
    CHECK_OK(pipe(p));
    hits = 0;
    handle(SIGUSR1, on_sig, SA_RESTART);
    pid_t pid = signal_me_later(SIGUSR1, 20, p[1]);
    char c = 0;
    /* The handler runs in the middle; the read goes on and gets the byte. */
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(c, 'x');
    CHECK_EQ(hits, 1);
    CHECK_EXIT(pid, 0);
}

TEST(rt_sigaction, without_sa_restart_a_pipe_read_is_eintr) {
    int p[2];
    CHECK_OK(pipe(p));
    hits = 0;
    handle(SIGUSR1, on_sig, 0);
    pid_t pid = signal_me_later(SIGUSR1, 20, p[1]);
    char c = 0;
    CHECK_ERR(read(p[0], &c, 1), EINTR);
    CHECK_EQ(hits, 1);
    CHECK_EXIT(pid, 0);
}

static sigjmp_buf fault_jmp;

static void on_fault(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    info_signo = sig;
    info_code = si->si_code;
    info_addr = si->si_addr;
    siglongjmp(fault_jmp, 1);
}

TEST(rt_sigaction, sigsegv_handler_gets_the_fault_address) {
    handle_info(SIGSEGV, on_fault, 0);
    volatile char *bad = (char *)BAD_PTR + 16;
    info_addr = 0;
    if (sigsetjmp(fault_jmp, 1) == 0) {
        (void)*bad;
        CHECK_MSG(0, "reading an unmapped page did not fault");
    }
    CHECK_EQ(info_signo, SIGSEGV);
    CHECK_EQ(info_code, SEGV_MAPERR);
    CHECK(info_addr == (void *)bad);
}

TEST(rt_sigaction, write_to_a_read_only_page_is_segv_accerr) {
    handle_info(SIGSEGV, on_fault, 0);
    char *m = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    volatile char *p = m + 100;
    if (sigsetjmp(fault_jmp, 1) == 0) {
        *p = 1;
        CHECK_MSG(0, "writing a read-only page did not fault");
    }
    CHECK_EQ(info_signo, SIGSEGV);
    CHECK_EQ(info_code, SEGV_ACCERR);
    CHECK(info_addr == (void *)p);
    /* siglongjmp restored the mask the handler had blocked SIGSEGV in. */
    CHECK(!is_blocked(SIGSEGV));
}

/* ---- rt_sigprocmask ---- */

TEST(rt_sigprocmask, block_unblock_and_setmask) {
    sigset_t s, old, cur;
    sigemptyset(&s);
    CHECK_OK(sigprocmask(SIG_SETMASK, &s, 0));
    sigaddset(&s, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &s, &old));
    CHECK(!sigismember(&old, SIGUSR1));
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    CHECK_OK(sigprocmask(SIG_BLOCK, &s, &old));
    CHECK(sigismember(&old, SIGUSR1));
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &s, 0));
    CHECK_OK(sigprocmask(SIG_BLOCK, 0, &cur));
    CHECK(sigismember(&cur, SIGUSR1));
    CHECK(!sigismember(&cur, SIGUSR2));
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    CHECK_OK(sigprocmask(SIG_SETMASK, &s, 0));
    CHECK_OK(sigprocmask(SIG_BLOCK, 0, &cur));
    CHECK(sigismember(&cur, SIGINT));
    CHECK(!sigismember(&cur, SIGUSR1));
}

TEST(rt_sigprocmask, bad_how_is_einval) {
    uint64_t set = 1ull << (SIGUSR1 - 1), old = 0;
    CHECK_ERR(syscall(SYS_rt_sigprocmask, 3, &set, &old, 8), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigprocmask, -1, &set, &old, 8), EINVAL);
    /* Without a new set, how is not looked at. */
    CHECK_OK(syscall(SYS_rt_sigprocmask, 3, 0, &old, 8));
}

TEST(rt_sigprocmask, wrong_sigset_size_is_einval) {
    uint64_t set = 0;
    CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 4), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 16), EINVAL);
}

TEST(rt_sigprocmask, sigkill_and_sigstop_cannot_be_blocked) {
    uint64_t all = ~0ull, cur = 0;
    CHECK_OK(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, 0, 8));
    CHECK_OK(syscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, &cur, 8));
    CHECK_EQ(cur & (1ull << (SIGKILL - 1)), 0);
    CHECK_EQ(cur & (1ull << (SIGSTOP - 1)), 0);
    CHECK(cur & (1ull << (SIGUSR1 - 1)));
    CHECK(cur & (1ull << 63));
}

TEST(rt_sigprocmask, bad_pointers_are_efault) {
    uint64_t set = 0;
    CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD_PTR, 0, 8), EFAULT);
    CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, BAD_PTR, 8), EFAULT);
}

TEST(rt_sigprocmask, unblocking_delivers_a_pending_signal_at_once) {
    hits = 0;
    handle(SIGUSR1, on_sig, 0);
    sigset_t old;
    block(SIGUSR1, &old);
    CHECK_OK(raise(SIGUSR1));
    CHECK_EQ(hits, 0);
    CHECK_OK(sigprocmask(SIG_SETMASK, &old, 0));
    CHECK_EQ(hits, 1);
}

TEST(rt_sigprocmask, mask_is_inherited_by_fork) {
    block(SIGUSR1, 0);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        if (!is_blocked(SIGUSR1))
            _exit(1);
        /* Still blocked: raising it leaves it pending instead of killing. */
        raise(SIGUSR1);
        _exit(is_pending(SIGUSR1) ? 0 : 2);
    }
    CHECK_EXIT(pid, 0);
}

static void *thread_mask(void *arg) {
    *(int *)arg = is_blocked(SIGUSR1) | (is_blocked(SIGUSR2) ? 2 : 0);
    return 0;
}

TEST(rt_sigprocmask, mask_is_per_thread_and_inherited_by_new_threads) {
    block(SIGUSR1, 0);
    pthread_t t;
    int seen = -1;
    CHECK_EQ(pthread_create(&t, 0, thread_mask, &seen), 0);
    CHECK_EQ(pthread_join(t, 0), 0);
    CHECK_EQ(seen, 1);
}

/* ---- rt_sigpending ---- */

TEST(rt_sigpending, shows_a_blocked_raised_signal_until_it_is_delivered) {
    hits = 0;
    handle(SIGUSR1, on_sig, 0);
    sigset_t old;
    block(SIGUSR1, &old);
    CHECK(!is_pending(SIGUSR1));
    CHECK_OK(raise(SIGUSR1));
    CHECK(is_pending(SIGUSR1));
    CHECK(!is_pending(SIGUSR2));
    CHECK_OK(sigprocmask(SIG_SETMASK, &old, 0));
    CHECK_EQ(hits, 1);
    CHECK(!is_pending(SIGUSR1));
}

TEST(rt_sigpending, standard_signals_do_not_queue) {
    hits = 0;
    handle(SIGUSR1, on_sig, 0);
    sigset_t old;
    block(SIGUSR1, &old);
    for (int i = 0; i < 3; i++)
        CHECK_OK(raise(SIGUSR1));
    CHECK(is_pending(SIGUSR1));
    CHECK_OK(sigprocmask(SIG_SETMASK, &old, 0));
    CHECK_EQ(hits, 1);
    CHECK(!is_pending(SIGUSR1));
}

TEST(rt_sigpending, size_larger_than_a_sigset_is_einval) {
    uint64_t set[2];
    CHECK_ERR(syscall(SYS_rt_sigpending, set, 16), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigpending, BAD_PTR, 8), EFAULT);
    CHECK_OK(syscall(SYS_rt_sigpending, set, 8));
}

TEST(rt_sigpending, pending_signals_are_not_inherited_by_fork) {
    block(SIGUSR1, 0);
    CHECK_OK(raise(SIGUSR1));
    CHECK(is_pending(SIGUSR1));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(is_pending(SIGUSR1) ? 1 : 0);
    CHECK_EXIT(pid, 0);
    CHECK(is_pending(SIGUSR1));
}

/* ---- rt_sigsuspend ---- */

TEST(rt_sigsuspend, returns_eintr_after_the_handler_and_restores_the_mask) {
    hits = 0;
    handle(SIGUSR1, on_sig, 0);
    sigset_t old;
    block(SIGUSR1, &old);
    CHECK_OK(raise(SIGUSR1));
    sigset_t wait = old;
    sigdelset(&wait, SIGUSR1);
    CHECK_ERR(sigsuspend(&wait), EINTR);
    CHECK_EQ(hits, 1);
    CHECK(is_blocked(SIGUSR1));
}

TEST(rt_sigsuspend, handler_runs_under_the_temporary_mask) {
    hits = 0;
    handle(SIGUSR1, on_sig, 0);
    block(SIGUSR1, 0);
    CHECK_OK(raise(SIGUSR1));
    sigset_t wait;
    sigemptyset(&wait);
    sigaddset(&wait, SIGUSR2);
    CHECK_ERR(sigsuspend(&wait), EINTR);
    CHECK_EQ(hits, 1);
    /* In the handler: SIGUSR2 from the temporary mask, SIGUSR1 as the handled one. */
    CHECK_EQ(handler_saw_blocked, 3);
    CHECK(!is_blocked(SIGUSR2));
    CHECK(is_blocked(SIGUSR1));
}

TEST(rt_sigsuspend, waits_for_a_signal_from_another_process) {
    hits = 0;
    handle(SIGUSR1, on_sig, 0);
    sigset_t old;
    block(SIGUSR1, &old);
    pid_t pid = signal_me_later(SIGUSR1, 20, -1);
    sigset_t wait = old;
    sigdelset(&wait, SIGUSR1);
    CHECK_ERR(sigsuspend(&wait), EINTR);
    CHECK_EQ(hits, 1);
    CHECK_EXIT(pid, 0);
}

TEST(rt_sigsuspend, wrong_sigset_size_is_einval) {
    uint64_t set = 0;
    CHECK_ERR(syscall(SYS_rt_sigsuspend, &set, 4), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigsuspend, BAD_PTR, 8), EFAULT);
}

/* ---- rt_sigreturn ---- */

static void on_clobber(int sig) {
    (void)sig;
    hits++;
    /* Scribble over the registers a C function may use freely. */
    __asm__ volatile("mov $-1, %%rdx\n\tmov $-1, %%r8\n\tmov $-1, %%r9\n\tmov $-1, %%r10\n\t"
                     "mov $-1, %%rsi\n\tmov $-1, %%rdi\n\tpcmpeqd %%xmm0, %%xmm0\n\t"
                     "pcmpeqd %%xmm7, %%xmm7\n\tpcmpeqd %%xmm15, %%xmm15"
                     ::: "rdx", "r8", "r9", "r10", "rsi", "rdi", "xmm0", "xmm7", "xmm15");
}

TEST(rt_sigreturn, handler_return_restores_the_general_registers) {
    hits = 0;
    handle(SIGUSR1, on_clobber, 0);
    pid_t self = getpid();
    long rax = SYS_kill, rdi = self, rsi = SIGUSR1, rdx = 0x1111;
    register long r8 __asm__("r8") = 0x2222;
    register long r9 __asm__("r9") = 0x3333;
    register long r10 __asm__("r10") = 0x4444;
    /* kill(self) delivers the signal on the way back from this very syscall. */
    __asm__ volatile("syscall"
                     : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9), "+r"(r10)
                     :
                     : "rcx", "r11", "memory");
    CHECK_EQ(hits, 1);
    CHECK_EQ(rax, 0);
    CHECK_EQ(rdi, self);
    CHECK_EQ(rsi, SIGUSR1);
    CHECK_EQ(rdx, 0x1111);
    CHECK_EQ(r8, 0x2222);
    CHECK_EQ(r9, 0x3333);
    CHECK_EQ(r10, 0x4444);
}

TEST(rt_sigreturn, handler_return_restores_the_sse_registers) {
    hits = 0;
    handle(SIGUSR1, on_clobber, 0);
    uint64_t in[2] = {0x0123456789abcdefull, 0xfedcba9876543210ull}, out[2] = {0, 0};
    long rax = SYS_kill, rdi = getpid(), rsi = SIGUSR1;
    __asm__ volatile("movdqu (%[in]), %%xmm7\n\t"
                     "syscall\n\t"
                     "movdqu %%xmm7, (%[out])"
                     : "+a"(rax), "+D"(rdi), "+S"(rsi)
                     : [in] "r"(in), [out] "r"(out)
                     : "rcx", "r11", "rdx", "r8", "r9", "r10", "xmm7", "memory");
    CHECK_EQ(hits, 1);
    CHECK_MEM(in, out, sizeof in);
}

static void on_edit_context(int sig, siginfo_t *si, void *ucv) {
    (void)sig, (void)si;
    ucontext_t *uc = ucv;
    hits++;
    /* What the handler leaves in the frame is what the interrupted code gets. */
    uc->uc_mcontext.gregs[REG_R8] = 0x5a5a;
    sigaddset(&uc->uc_sigmask, SIGUSR2);
}

TEST(rt_sigreturn, restores_the_context_as_the_handler_left_it) {
    hits = 0;
    handle_info(SIGUSR1, on_edit_context, 0);
    pid_t self = getpid();
    long rax = SYS_kill, rdi = self, rsi = SIGUSR1;
    register long r8 __asm__("r8") = 0x1;
    __asm__ volatile("syscall" : "+a"(rax), "+D"(rdi), "+S"(rsi), "+r"(r8) : : "rcx", "r11", "memory");
    CHECK_EQ(hits, 1);
    CHECK_EQ(r8, 0x5a5a);
    CHECK(is_blocked(SIGUSR2));
    CHECK(!is_blocked(SIGUSR1));
}

static void on_block_in_handler(int sig) {
    (void)sig;
    hits++;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigprocmask(SIG_BLOCK, &s, 0);
}

TEST(rt_sigreturn, restores_the_mask_from_before_the_handler) {
    hits = 0;
    handle(SIGUSR1, on_block_in_handler, 0);
    CHECK_OK(raise(SIGUSR1));
    CHECK_EQ(hits, 1);
    CHECK(!is_blocked(SIGINT));
}

static void *volatile fixed_page;

static void on_fault_map(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)uc;
    hits++;
    /* Make the faulting address readable; on return the access is retried. */
    void *page = (void *)((uintptr_t)si->si_addr & ~(uintptr_t)4095);
    fixed_page = mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (fixed_page != MAP_FAILED)
        ((char *)page)[(uintptr_t)si->si_addr & 4095] = 77;
}

TEST(rt_sigreturn, faulting_instruction_is_retried) {
    hits = 0;
    handle_info(SIGSEGV, on_fault_map, 0);
    volatile char *p = (char *)BAD_PTR + 5;
    char c = *p;
    CHECK_EQ(hits, 1);
    CHECK_EQ(c, 77);
}

/* A handler that points its own frame's FP state at an unmapped page. */
static void on_corrupt_fpstate(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    (void)si;
    ((ucontext_t *)uc)->uc_mcontext.fpregs = (struct _libc_fpstate *)harness_bad_ptr();
}

TEST(rt_sigreturn, a_frame_with_a_bad_fp_state_pointer_kills_with_sigsegv) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct sigaction sa = {0};
        sa.sa_sigaction = on_corrupt_fpstate;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGUSR1, &sa, 0);
        raise(SIGUSR1);
        _exit(0);
    }
    CHECK_EQ(harness_wait(pid), 128 + SIGSEGV);
}

TEST(rt_sigreturn, with_the_stack_on_an_unmapped_page_kills_with_sigsegv) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        /* No frame at all: rt_sigreturn reads its ucontext from the stack pointer. */
        void *bad = harness_bad_ptr();
        __asm__ volatile("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall" : : "r"(bad) : "rax", "memory");
        _exit(0);
    }
    CHECK_EQ(harness_wait(pid), 128 + SIGSEGV);
}

/* ---- sigaltstack ---- */

TEST(sigaltstack, none_at_first) {
    stack_t old;
    memset(&old, 0xff, sizeof old);
    CHECK_OK(sigaltstack(0, &old));
    CHECK_EQ(old.ss_flags, SS_DISABLE);
}

TEST(sigaltstack, set_then_query) {
    static char alt[64 * 1024];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0}, old;
    CHECK_OK(sigaltstack(&ss, 0));
    CHECK_OK(sigaltstack(0, &old));
    CHECK(old.ss_sp == alt);
    CHECK_EQ(old.ss_size, sizeof alt);
    CHECK_EQ(old.ss_flags, 0);
    ss.ss_flags = SS_DISABLE;
    CHECK_OK(sigaltstack(&ss, &old));
    CHECK(old.ss_sp == alt);
    CHECK_OK(sigaltstack(0, &old));
    CHECK_EQ(old.ss_flags, SS_DISABLE);
}

TEST(sigaltstack, small_stack_is_enomem) {
    static char alt[1024];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    CHECK_ERR(sigaltstack(&ss, 0), ENOMEM);
}

TEST(sigaltstack, bad_flags_are_einval) {
    static char alt[64 * 1024];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0x40};
    CHECK_ERR(sigaltstack(&ss, 0), EINVAL);
    ss.ss_flags = SS_ONSTACK | SS_DISABLE;
    CHECK_ERR(sigaltstack(&ss, 0), EINVAL);
}

TEST(sigaltstack, bad_pointers_are_efault) {
    stack_t old;
    CHECK_ERR(sigaltstack(BAD_PTR, &old), EFAULT);
    CHECK_ERR(sigaltstack(0, BAD_PTR), EFAULT);
}

static char *volatile alt_base;
static volatile size_t alt_size;
static volatile int on_alt, alt_flags_inside, alt_change_errno;

static void on_altstack(int sig) {
    (void)sig;
    char here;
    hits++;
    on_alt = &here >= alt_base && &here < alt_base + alt_size;
    stack_t cur;
    sigaltstack(0, &cur);
    alt_flags_inside = cur.ss_flags;
    static char other[64 * 1024];
    stack_t ss = {.ss_sp = other, .ss_size = sizeof other, .ss_flags = 0};
    errno = 0;
    alt_change_errno = sigaltstack(&ss, 0) == 0 ? 0 : errno;
}

static void use_altstack(void) {
    static char alt[64 * 1024];
    alt_base = alt;
    alt_size = sizeof alt;
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    CHECK_OK(sigaltstack(&ss, 0));
}

TEST(sigaltstack, sa_onstack_handler_runs_on_the_alternate_stack) {
    use_altstack();
    hits = 0;
    handle(SIGUSR1, on_altstack, SA_ONSTACK);
    CHECK_OK(raise(SIGUSR1));
    CHECK_EQ(hits, 1);
    CHECK(on_alt);
    CHECK_EQ(alt_flags_inside, SS_ONSTACK);
    stack_t cur;
    CHECK_OK(sigaltstack(0, &cur));
    CHECK_EQ(cur.ss_flags, 0);
}

TEST(sigaltstack, changing_it_while_on_it_is_eperm) {
    use_altstack();
    hits = 0;
    handle(SIGUSR1, on_altstack, SA_ONSTACK);
    CHECK_OK(raise(SIGUSR1));
    CHECK_EQ(hits, 1);
    CHECK_EQ(alt_change_errno, EPERM);
    stack_t cur;
    CHECK_OK(sigaltstack(0, &cur));
    CHECK(cur.ss_sp == alt_base);
}

TEST(sigaltstack, without_sa_onstack_the_normal_stack_is_used) {
    use_altstack();
    hits = 0;
    handle(SIGUSR1, on_altstack, 0);
    CHECK_OK(raise(SIGUSR1));
    CHECK_EQ(hits, 1);
    CHECK(!on_alt);
    CHECK_EQ(alt_flags_inside, 0);
}

TEST(sigaltstack, is_inherited_by_fork) {
    use_altstack();
    handle(SIGUSR1, on_altstack, SA_ONSTACK);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        hits = 0;
        raise(SIGUSR1);
        _exit(hits == 1 && on_alt ? 0 : 1);
    }
    CHECK_EXIT(pid, 0);
}

/* ---- kill ---- */

TEST(kill, to_self_runs_the_handler_before_returning) {
    hits = 0;
    handle(SIGUSR1, on_sig, 0);
    CHECK_EQ(CHECK_OK(kill(getpid(), SIGUSR1)), 0);
    CHECK_EQ(hits, 1);
    CHECK_EQ(last_sig, SIGUSR1);
}

TEST(kill, signal_zero_probes_for_existence) {
    CHECK_EQ(kill(getpid(), 0), 0);
    CHECK_ERR(kill(0x3ffffff0, 0), ESRCH);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    CHECK_EXIT(pid, 0);
    CHECK_ERR(kill(pid, 0), ESRCH);
}

TEST(kill, bad_signal_is_einval) {
    CHECK_ERR(kill(getpid(), 65), EINVAL);
    CHECK_ERR(kill(getpid(), -1), EINVAL);
}

TEST(kill, unknown_pid_is_esrch) {
    CHECK_ERR(kill(0x3ffffff0, SIGUSR1), ESRCH);
    CHECK_ERR(kill(-0x3ffffff0, SIGUSR1), ESRCH);
}

TEST(kill, pid_zero_signals_the_callers_group) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        setpgid(0, 0);
        int p[2];
        pipe(p);
        pid_t g = fork();
        if (g == 0) {
            close(p[1]);
            char c;
            read(p[0], &c, 1);
            _exit(0);
        }
        signal(SIGUSR1, SIG_IGN);
        kill(0, SIGUSR1);
        int st;
        waitpid(g, &st, 0);
        _exit(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1 ? 0 : 1);
    }
    CHECK_EXIT(pid, 0);
}

TEST(kill, negative_pid_signals_that_group) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t a = CHECK_OK(fork());
    if (a == 0) {
        setpgid(0, 0);
        close(p[1]);
        char c;
        read(p[0], &c, 1);
        _exit(0);
    }
    CHECK_OK(setpgid(a, a));
    pid_t b = CHECK_OK(fork());
    if (b == 0) {
        setpgid(0, a);
        close(p[1]);
        char c;
        read(p[0], &c, 1);
        _exit(0);
    }
    CHECK_OK(setpgid(b, a));
    CHECK_OK(kill(-a, SIGTERM));
    CHECK_EXIT(a, 128 + SIGTERM);
    CHECK_EXIT(b, 128 + SIGTERM);
}

TEST(kill, signal_to_a_blocking_child_ends_it) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(p[1]);
        char c;
        read(p[0], &c, 1);
        _exit(0);
    }
    CHECK_OK(kill(pid, SIGKILL));
    CHECK_EXIT(pid, 128 + SIGKILL);
}

/* ---- tkill, tgkill ---- */

static volatile pid_t handler_tid;

static void on_sig_tid(int sig) {
    (void)sig;
    /* The tid first: the waiting thread reads it as soon as it sees the hit. */
    handler_tid = syscall(SYS_gettid);
    hits++;
}

static volatile int thread_ready, thread_stop;
static volatile pid_t worker_tid;

static void *worker(void *arg) {
    (void)arg;
    worker_tid = syscall(SYS_gettid);
    thread_ready = 1;
    while (!thread_stop)
        sleep_ms(1);
    return 0;
}

static pthread_t start_worker(void) {
    thread_ready = thread_stop = 0;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, 0, worker, 0), 0);
    while (!thread_ready)
        sleep_ms(1);
    return t;
}

static void stop_worker(pthread_t t) {
    thread_stop = 1;
    CHECK_EQ(pthread_join(t, 0), 0);
}

TEST(tkill, to_own_thread_runs_the_handler) {
    hits = 0;
    handle(SIGUSR1, on_sig_tid, 0);
    CHECK_OK(syscall(SYS_tkill, syscall(SYS_gettid), SIGUSR1));
    CHECK_EQ(hits, 1);
    CHECK_EQ(handler_tid, syscall(SYS_gettid));
}

TEST(tkill, reaches_the_named_thread) {
    hits = 0;
    handle(SIGUSR1, on_sig_tid, 0);
    pthread_t t = start_worker();
    CHECK_OK(syscall(SYS_tkill, worker_tid, SIGUSR1));
    for (int i = 0; i < 1000 && !hits; i++)
        sleep_ms(1);
    CHECK_EQ(hits, 1);
    CHECK_EQ(handler_tid, worker_tid);
    stop_worker(t);
}

TEST(tkill, bad_tid_or_signal_is_an_error) {
    CHECK_ERR(syscall(SYS_tkill, 0, SIGUSR1), EINVAL);
    CHECK_ERR(syscall(SYS_tkill, -1, SIGUSR1), EINVAL);
    CHECK_ERR(syscall(SYS_tkill, 0x3ffffff0, SIGUSR1), ESRCH);
    CHECK_ERR(syscall(SYS_tkill, syscall(SYS_gettid), 65), EINVAL);
}

TEST(tgkill, reaches_the_named_thread) {
    hits = 0;
    handle(SIGUSR1, on_sig_tid, 0);
    pthread_t t = start_worker();
    CHECK_OK(syscall(SYS_tgkill, getpid(), worker_tid, SIGUSR1));
    for (int i = 0; i < 1000 && !hits; i++)
        sleep_ms(1);
    CHECK_EQ(hits, 1);
    CHECK_EQ(handler_tid, worker_tid);
    stop_worker(t);
}

TEST(tgkill, wrong_tgid_is_esrch) {
    pthread_t t = start_worker();
    int p[2];
    CHECK_OK(pipe(p));
    pid_t other = CHECK_OK(fork());
    if (other == 0) {
        close(p[1]);
        char c;
        read(p[0], &c, 1);
        _exit(0);
    }
    /* A thread of this process named with another process's id. */
    CHECK_ERR(syscall(SYS_tgkill, other, worker_tid, SIGUSR1), ESRCH);
    CHECK_ERR(syscall(SYS_tgkill, 0x3ffffff0, syscall(SYS_gettid), 0), ESRCH);
    close(p[1]);
    CHECK_EXIT(other, 0);
    stop_worker(t);
}

TEST(tgkill, bad_ids_or_signal_are_einval) {
    pid_t tid = syscall(SYS_gettid);
    CHECK_ERR(syscall(SYS_tgkill, 0, tid, SIGUSR1), EINVAL);
    CHECK_ERR(syscall(SYS_tgkill, getpid(), 0, SIGUSR1), EINVAL);
    CHECK_ERR(syscall(SYS_tgkill, -1, tid, SIGUSR1), EINVAL);
    CHECK_ERR(syscall(SYS_tgkill, getpid(), tid, 65), EINVAL);
    CHECK_EQ(syscall(SYS_tgkill, getpid(), tid, 0), 0);
}

/* ---- temporary masks: pselect6, ppoll; and the legacy select (glibc's select()
 * is pselect6) ---- */

TEST(pselect6, temporary_mask_lets_a_blocked_signal_in) {
    hits = 0;
    handle(SIGUSR1, on_sig, 0);
    sigset_t old;
    block(SIGUSR1, &old);
    CHECK_OK(raise(SIGUSR1));
    sigset_t wait = old;
    sigdelset(&wait, SIGUSR1);
    struct timespec ts = {1, 0};
    CHECK_ERR(pselect(0, 0, 0, 0, &ts, &wait), EINTR);
    CHECK_EQ(hits, 1);
    CHECK(is_blocked(SIGUSR1));
}

TEST(pselect6, temporary_mask_blocks_a_signal_during_the_wait) {
    hits = 0;
    handle(SIGUSR1, on_sig, 0);
    int p[2];
    CHECK_OK(pipe(p));
    sigset_t wait;
    sigemptyset(&wait);
    sigaddset(&wait, SIGUSR1);
    pid_t pid = signal_me_later(SIGUSR1, 10, p[1]);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = {2, 0};
    /* The signal arrives during the wait but is held off; the pipe ends it. */
    CHECK_EQ(CHECK_OK(pselect(p[0] + 1, &r, 0, 0, &ts, &wait)), 1);
    CHECK(FD_ISSET(p[0], &r));
    /* Back under the old mask, the pending signal is delivered. */
    CHECK_EQ(hits, 1);
    CHECK_EXIT(pid, 0);
}

TEST(ppoll, temporary_mask_lets_a_blocked_signal_in) {
    hits = 0;
    handle(SIGUSR1, on_sig, 0);
    sigset_t old;
    block(SIGUSR1, &old);
    pid_t pid = signal_me_later(SIGUSR1, 10, -1);
    int p[2];
    CHECK_OK(pipe(p));
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    sigset_t wait = old;
    sigdelset(&wait, SIGUSR1);
    struct timespec ts = {2, 0};
    CHECK_ERR(ppoll(&pfd, 1, &ts, &wait), EINTR);
    CHECK_EQ(hits, 1);
    CHECK(is_blocked(SIGUSR1));
    CHECK_EXIT(pid, 0);
}

TEST(ppoll, wrong_sigset_size_is_einval) {
    struct pollfd pfd = {.fd = 0, .events = POLLIN};
    uint64_t set = 0;
    struct timespec ts = {0, 0};
    CHECK_ERR(syscall(SYS_ppoll, &pfd, 1, &ts, &set, 4), EINVAL);
}

TEST(select, default_ignored_sigchld_does_not_interrupt_it) {
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval tv = {0, 100000};
    /* The child's exit sends SIGCHLD, whose default action is to ignore it. */
    CHECK_EQ(CHECK_OK(syscall(SYS_select, p[0] + 1, &r, 0, 0, &tv)), 0);
    CHECK_EXIT(pid, 0);
}

TEST(select, handled_signal_interrupts_it_with_eintr) {
    hits = 0;
    handle(SIGUSR1, on_sig, SA_RESTART);
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = signal_me_later(SIGUSR1, 10, -1);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval tv = {2, 0};
    /* select is never restarted, SA_RESTART or not. */
    CHECK_ERR(syscall(SYS_select, p[0] + 1, &r, 0, 0, &tv), EINTR);
    CHECK_EQ(hits, 1);
    CHECK_EXIT(pid, 0);
}
