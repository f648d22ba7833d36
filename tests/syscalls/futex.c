/* Futexes: futex (WAIT, WAKE, the PRIVATE flag, WAIT_BITSET/WAKE_BITSET, REQUEUE,
 * CMP_REQUEUE, WAKE_OP, timeouts, signals, shared memory across fork, errors),
 * set_robust_list and get_robust_list, and pthread mutexes and condition variables
 * (built on futex) as a smoke test. */
#include "harness.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>

static long futex(void *uaddr, int op, uint32_t val, const struct timespec *ts, void *uaddr2,
                  uint32_t val3) {
    return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* FUTEX_REQUEUE and friends pass a count where the timeout would be. */
static long futex_requeue(uint32_t *from, int op, uint32_t nr_wake, uint32_t nr_move,
                          uint32_t *to, uint32_t cmp) {
    return syscall(SYS_futex, from, op, nr_wake, (unsigned long)nr_move, to, cmp);
}

static long elapsed_ms(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, 0);
}

/* Wakes waiters on `addr` with `op` (count n per call) until `want` have been woken in
 * all, or a second has passed; every call must wake at most n. Returns the total. */
static long wake_until(uint32_t *addr, int op, uint32_t n, long want, uint32_t bitset) {
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long total = 0;
    while (total < want && elapsed_ms(&start) < 1000) {
        long r = futex(addr, op, n, 0, 0, bitset);
        CHECK_MSG(r >= 0 && r <= (long)n, "futex wake returned %ld (n %u): %s", r, n,
                  strerror(errno));
        total += r;
        if (total < want)
            sleep_ms(1);
    }
    return total;
}

/* A waiter thread: one FUTEX_WAIT(_BITSET) on `word` for value 0, bounded by 2 s. */
struct waiter {
    uint32_t *word;
    int op;
    uint32_t bitset;
    pthread_t thread;
    long result;
    int err;
};

static void *waiter_main(void *arg) {
    struct waiter *w = arg;
    struct timespec ts = {2, 0};
    if ((w->op & FUTEX_CMD_MASK) == FUTEX_WAIT_BITSET) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += 2;
    }
    w->result = futex(w->word, w->op, 0, &ts, 0, w->bitset);
    w->err = errno;
    return 0;
}

static void start_waiter(struct waiter *w, uint32_t *word, int op, uint32_t bitset) {
    w->word = word;
    w->op = op;
    w->bitset = bitset;
    w->result = -2;
    CHECK_EQ(pthread_create(&w->thread, 0, waiter_main, w), 0);
}

/* Joins a waiter and checks it was woken (returned 0), not timed out. */
static void join_woken(struct waiter *w) {
    CHECK_EQ(pthread_join(w->thread, 0), 0);
    CHECK_MSG(w->result == 0, "waiter returned %ld errno %d %s", w->result, w->err,
              strerror(w->err));
}

TEST(futex, wait_on_a_different_value_is_eagain) {
    uint32_t word = 1;
    struct timespec ts = {1, 0};
    CHECK_ERR(futex(&word, FUTEX_WAIT, 0, &ts, 0, 0), EAGAIN);
    CHECK_ERR(futex(&word, FUTEX_WAIT_PRIVATE, 2, 0, 0, 0), EAGAIN);
}

TEST(futex, wait_with_a_timeout_is_etimedout) {
    uint32_t word = 0;
    struct timespec ts = {0, 20 * 1000000}, start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_ERR(futex(&word, FUTEX_WAIT, 0, &ts, 0, 0), ETIMEDOUT);
    CHECK_MSG(elapsed_ms(&start) >= 19, "woke after %ld ms", elapsed_ms(&start));
}

TEST(futex, wait_with_a_zero_timeout_is_etimedout_at_once) {
    uint32_t word = 0;
    struct timespec ts = {0, 0};
    CHECK_ERR(futex(&word, FUTEX_WAIT_PRIVATE, 0, &ts, 0, 0), ETIMEDOUT);
}

TEST(futex, wait_with_an_invalid_timeout_is_einval) {
    uint32_t word = 0;
    struct timespec ts = {0, 1000000000};
    CHECK_ERR(futex(&word, FUTEX_WAIT, 0, &ts, 0, 0), EINVAL);
    struct timespec neg = {-1, 0};
    CHECK_ERR(futex(&word, FUTEX_WAIT, 0, &neg, 0, 0), EINVAL);
}

TEST(futex, wait_is_woken_by_wake_from_another_thread) {
    static uint32_t word;
    struct waiter w;
    start_waiter(&w, &word, FUTEX_WAIT, 0);
    CHECK_EQ(wake_until(&word, FUTEX_WAKE, 1, 1, 0), 1);
    join_woken(&w);
}

static volatile sig_atomic_t got_signal;
static void on_signal(int sig) { (void)sig; got_signal = 1; }

struct kicker {
    pthread_t target;
    volatile int stop;
};

static void *kicker_main(void *arg) {
    struct kicker *k = arg;
    /* Signal repeatedly: a signal that arrives before the wait starts is harmless. */
    for (int i = 0; i < 100 && !k->stop; i++) {
        sleep_ms(10);
        pthread_kill(k->target, SIGUSR1);
    }
    return 0;
}

TEST(futex, wait_interrupted_by_a_signal_handler_is_eintr) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART */
    CHECK_OK(sigaction(SIGUSR1, &sa, 0));
    uint32_t word = 0;
    struct kicker k = {pthread_self(), 0};
    pthread_t t;
    CHECK_EQ(pthread_create(&t, 0, kicker_main, &k), 0);
    long r;
    do {
        got_signal = 0;
        r = futex(&word, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
    } while (r == 0); /* a spurious wake-up would be allowed; retry */
    int e = errno;
    k.stop = 1;
    pthread_join(t, 0);
    CHECK_EQ(r, -1);
    CHECK_EQ(e, EINTR);
    CHECK(got_signal);
}

TEST(futex, wake_with_no_waiters_returns_zero) {
    uint32_t word = 0;
    CHECK_EQ(futex(&word, FUTEX_WAKE, 1, 0, 0, 0), 0);
    CHECK_EQ(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, 0, 0, 0), 0);
}

TEST(futex, wake_returns_the_number_woken_and_no_more_than_asked) {
    static uint32_t word;
    struct waiter w[3];
    for (int i = 0; i < 3; i++)
        start_waiter(&w[i], &word, FUTEX_WAIT, 0);
    /* Wake one at a time: each call wakes 0 or 1, three in all. */
    CHECK_EQ(wake_until(&word, FUTEX_WAKE, 1, 3, 0), 3);
    for (int i = 0; i < 3; i++)
        join_woken(&w[i]);
    CHECK_EQ(futex(&word, FUTEX_WAKE, INT_MAX, 0, 0, 0), 0);
}

TEST(futex, wake_two_of_three_leaves_one_waiting) {
    static uint32_t word, moved;
    struct waiter w[3];
    for (int i = 0; i < 3; i++)
        start_waiter(&w[i], &word, FUTEX_WAIT, 0);
    /* Park all three on `moved` first (requeue counts them as they arrive), so that all
     * three are certainly waiting there. */
    long parked = 0;
    for (int i = 0; i < 1000 && parked < 3; i++) {
        long r = futex_requeue(&word, FUTEX_CMP_REQUEUE, 0, INT_MAX, &moved, 0);
        CHECK(r >= 0);
        parked += r;
        if (parked < 3)
            sleep_ms(1);
    }
    CHECK_EQ(parked, 3);
    CHECK_EQ(futex(&moved, FUTEX_WAKE, 2, 0, 0, 0), 2);
    CHECK_EQ(futex(&moved, FUTEX_WAKE, 2, 0, 0, 0), 1);
    for (int i = 0; i < 3; i++)
        join_woken(&w[i]);
}

TEST(futex, private_wait_is_woken_by_private_wake) {
    static uint32_t word;
    struct waiter w;
    start_waiter(&w, &word, FUTEX_WAIT_PRIVATE, 0);
    CHECK_EQ(wake_until(&word, FUTEX_WAKE_PRIVATE, 1, 1, 0), 1);
    join_woken(&w);
}

TEST(futex, wait_bitset_with_an_absolute_timeout_is_etimedout) {
    uint32_t word = 0;
    struct timespec start, deadline;
    clock_gettime(CLOCK_MONOTONIC, &start);
    deadline = start;
    deadline.tv_nsec += 20 * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    CHECK_ERR(futex(&word, FUTEX_WAIT_BITSET, 0, &deadline, 0, FUTEX_BITSET_MATCH_ANY),
              ETIMEDOUT);
    CHECK_MSG(elapsed_ms(&start) >= 19, "woke after %ld ms", elapsed_ms(&start));
    /* A deadline already past times out at once. */
    CHECK_ERR(futex(&word, FUTEX_WAIT_BITSET, 0, &start, 0, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
}

TEST(futex, wait_bitset_with_a_realtime_deadline_is_etimedout) {
    uint32_t word = 0;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 10 * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    CHECK_ERR(futex(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &deadline, 0,
                    FUTEX_BITSET_MATCH_ANY),
              ETIMEDOUT);
}

TEST(futex, wait_bitset_with_bitset_zero_is_einval) {
    uint32_t word = 0;
    struct timespec ts = {0, 0};
    CHECK_ERR(futex(&word, FUTEX_WAIT_BITSET, 0, &ts, 0, 0), EINVAL);
    CHECK_ERR(futex(&word, FUTEX_WAKE_BITSET, 1, 0, 0, 0), EINVAL);
}

TEST(futex, clock_realtime_with_plain_wake_is_enosys) {
    uint32_t word = 0;
    CHECK_ERR(futex(&word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, 0, 0, 0), ENOSYS);
}

TEST(futex, wake_bitset_wakes_only_matching_waiters) {
    static uint32_t word;
    struct waiter a, b;
    start_waiter(&a, &word, FUTEX_WAIT_BITSET, 0x1);
    start_waiter(&b, &word, FUTEX_WAIT_BITSET, 0x6);
    CHECK_EQ(wake_until(&word, FUTEX_WAKE_BITSET, INT_MAX, 1, 0x1), 1);
    join_woken(&a);
    sleep_ms(20);
    CHECK_EQ(futex(&word, FUTEX_WAKE_BITSET, INT_MAX, 0, 0, 0x1), 0);
    CHECK_EQ(wake_until(&word, FUTEX_WAKE_BITSET, INT_MAX, 1, 0x4), 1);
    join_woken(&b);
}

TEST(futex, cmp_requeue_with_a_different_val3_is_eagain) {
    uint32_t a = 5, b = 0;
    CHECK_ERR(futex_requeue(&a, FUTEX_CMP_REQUEUE, 1, 1, &b, 6), EAGAIN);
    CHECK_EQ(futex_requeue(&a, FUTEX_CMP_REQUEUE, 1, 1, &b, 5), 0);
}

TEST(futex, cmp_requeue_moves_waiters_to_the_second_word) {
    static uint32_t a, b;
    struct waiter w[2];
    for (int i = 0; i < 2; i++)
        start_waiter(&w[i], &a, FUTEX_WAIT, 0);
    long moved = 0;
    for (int i = 0; i < 1000 && moved < 2; i++) {
        long r = futex_requeue(&a, FUTEX_CMP_REQUEUE, 0, INT_MAX, &b, 0);
        CHECK(r >= 0);
        moved += r;
        if (moved < 2)
            sleep_ms(1);
    }
    CHECK_EQ(moved, 2);
    /* They now wait on b: waking a finds nobody. */
    CHECK_EQ(futex(&a, FUTEX_WAKE, INT_MAX, 0, 0, 0), 0);
    CHECK_EQ(futex(&b, FUTEX_WAKE, INT_MAX, 0, 0, 0), 2);
    for (int i = 0; i < 2; i++)
        join_woken(&w[i]);
}

TEST(futex, requeue_wakes_nr_wake_and_moves_the_rest) {
    static uint32_t a, b;
    struct waiter w[3];
    for (int i = 0; i < 3; i++)
        start_waiter(&w[i], &a, FUTEX_WAIT, 0);
    long moved = 0;
    for (int i = 0; i < 1000 && moved < 3; i++) {
        long r = futex_requeue(&a, FUTEX_CMP_REQUEUE, 0, INT_MAX, &b, 0);
        CHECK(r >= 0);
        moved += r;
        if (moved < 3)
            sleep_ms(1);
    }
    CHECK_EQ(moved, 3);
    /* All three wait on b: wake one, move one back to a, leave one. The result counts
     * both the woken and the moved. */
    CHECK_EQ(futex_requeue(&b, FUTEX_REQUEUE, 1, 1, &a, 0), 2);
    CHECK_EQ(futex(&a, FUTEX_WAKE, INT_MAX, 0, 0, 0), 1);
    CHECK_EQ(futex(&b, FUTEX_WAKE, INT_MAX, 0, 0, 0), 1);
    for (int i = 0; i < 3; i++)
        join_woken(&w[i]);
}

TEST(futex, wake_op_applies_the_operation_to_the_second_word) {
    uint32_t a = 0, b = 5;
    /* b += 3; wake waiters of b if the old value was 5. */
    CHECK_EQ(futex_requeue(&a, FUTEX_WAKE_OP, 1, 1, &b,
                           FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 5)),
             0);
    CHECK_EQ(b, 8);
    CHECK_EQ(futex_requeue(&a, FUTEX_WAKE_OP, 1, 1, &b,
                           FUTEX_OP(FUTEX_OP_SET, 42, FUTEX_OP_CMP_LT, 0)),
             0);
    CHECK_EQ(b, 42);
    CHECK_EQ(futex_requeue(&a, FUTEX_WAKE_OP, 1, 1, &b,
                           FUTEX_OP(FUTEX_OP_OR, 1, FUTEX_OP_CMP_NE, 0)),
             0);
    CHECK_EQ(b, 43);
    /* FUTEX_OP_OPARG_SHIFT: oparg is a shift count. */
    CHECK_EQ(futex_requeue(&a, FUTEX_WAKE_OP, 1, 1, &b,
                           FUTEX_OP((FUTEX_OP_ANDN | FUTEX_OP_OPARG_SHIFT), 0, FUTEX_OP_CMP_EQ, 0)),
             0);
    CHECK_EQ(b, 42);
}

TEST(futex, wake_op_wakes_the_second_word_when_the_comparison_holds) {
    static uint32_t a, b;
    struct waiter w;
    start_waiter(&w, &b, FUTEX_WAIT, 0);
    long woken = 0;
    for (int i = 0; i < 1000 && woken < 1; i++) {
        /* b stays 0 (set to 0, old value 0 == 0): waiters of b are woken. */
        long r = futex_requeue(&a, FUTEX_WAKE_OP, 1, 1, &b,
                               FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0));
        CHECK(r >= 0 && r <= 1);
        woken += r;
        if (!woken)
            sleep_ms(1);
    }
    CHECK_EQ(woken, 1);
    join_woken(&w);
}

TEST(futex, wake_op_with_an_unknown_operation_is_enosys) {
    uint32_t a = 0, b = 0;
    CHECK_ERR(futex_requeue(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(7, 0, FUTEX_OP_CMP_EQ, 0)),
              ENOSYS);
    CHECK_ERR(futex_requeue(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(FUTEX_OP_SET, 0, 7, 0)),
              ENOSYS);
}

static void across_fork(uint32_t *word) {
    *word = 0;
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        struct timespec ts = {2, 0};
        long r = futex(word, FUTEX_WAIT, 0, &ts, 0, 0);
        _exit(r == 0 ? 0 : 10 + errno);
    }
    long woken = wake_until(word, FUTEX_WAKE, 1, 1, 0);
    if (woken != 1)
        kill(pid, SIGKILL);
    CHECK_EQ(woken, 1);
    CHECK_EXIT(pid, 0);
}

TEST(futex, wake_reaches_a_forked_child_through_shared_anonymous_memory) {
    uint32_t *word = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(word != MAP_FAILED);
    across_fork(word);
}

TEST(futex, wake_reaches_a_forked_child_through_a_shared_file_mapping) {
    int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0600));
    CHECK_OK(ftruncate(fd, 4096));
    uint32_t *word = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(word != MAP_FAILED);
    across_fork(word + 3);
}

TEST(futex, unknown_operation_is_enosys) {
    uint32_t word = 0;
    CHECK_ERR(futex(&word, 99, 0, 0, 0, 0), ENOSYS);
    CHECK_ERR(futex(&word, 99 | FUTEX_PRIVATE_FLAG, 0, 0, 0, 0), ENOSYS);
}

TEST(futex, wait_on_an_unmapped_address_is_efault) {
    struct timespec ts = {0, 1000000};
    CHECK_ERR(futex(BAD_PTR, FUTEX_WAIT, 0, &ts, 0, 0), EFAULT);
    CHECK_ERR(futex(BAD_PTR, FUTEX_WAIT_PRIVATE, 0, &ts, 0, 0), EFAULT);
}

TEST(futex, wait_with_a_bad_timeout_pointer_is_efault) {
    uint32_t word = 0;
    CHECK_ERR(futex(&word, FUTEX_WAIT, 0, BAD_PTR, 0, 0), EFAULT);
}

TEST(futex, unaligned_address_is_einval) {
    uint32_t words[2] = {0, 0};
    struct timespec ts = {0, 0};
    CHECK_ERR(futex((char *)words + 1, FUTEX_WAIT, 0, &ts, 0, 0), EINVAL);
    CHECK_ERR(futex((char *)words + 2, FUTEX_WAKE, 1, 0, 0, 0), EINVAL);
}

TEST(set_robust_list, bad_size_is_einval) {
    struct robust_list_head head = {{&head.list}, 0, 0};
    CHECK_ERR(syscall(SYS_set_robust_list, &head, sizeof head - 1), EINVAL);
    CHECK_ERR(syscall(SYS_set_robust_list, &head, 0), EINVAL);
}

TEST(set_robust_list, registered_head_is_returned_by_get_robust_list) {
    static struct robust_list_head head = {{&head.list}, 0, 0};
    CHECK_OK(syscall(SYS_set_robust_list, &head, sizeof head));
    struct robust_list_head *got = 0;
    size_t len = 0;
    CHECK_OK(syscall(SYS_get_robust_list, 0, &got, &len));
    CHECK(got == &head);
    CHECK_EQ(len, sizeof head);
}

TEST(get_robust_list, glibc_registers_a_list_for_each_thread) {
    void *head = 0;
    size_t len = 0;
    CHECK_OK(syscall(SYS_get_robust_list, 0, &head, &len));
    CHECK(head != 0);
    CHECK_EQ(len, sizeof(struct robust_list_head));
    /* By thread id, too. */
    void *head2 = 0;
    CHECK_OK(syscall(SYS_get_robust_list, gettid(), &head2, &len));
    CHECK(head2 == head);
}

TEST(get_robust_list, unknown_thread_is_esrch) {
    void *head;
    size_t len;
    CHECK_ERR(syscall(SYS_get_robust_list, 0x3fffffff, &head, &len), ESRCH);
}

TEST(get_robust_list, bad_pointer_is_efault) {
    size_t len;
    CHECK_ERR(syscall(SYS_get_robust_list, 0, BAD_PTR, &len), EFAULT);
}

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;

static void *adder(void *arg) {
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        pthread_mutex_lock(&mutex);
        counter++;
        pthread_mutex_unlock(&mutex);
    }
    return 0;
}

TEST(futex, pthread_mutex_serialises_threads) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_create(&t[i], 0, adder, 0), 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_join(t[i], 0), 0);
    CHECK_EQ(counter, 80000);
}

static void *ping(void *arg) {
    (void)arg;
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&mutex);
        while (turn != 1)
            pthread_cond_wait(&cond, &mutex);
        turn = 0;
        counter++;
        pthread_cond_signal(&cond);
        pthread_mutex_unlock(&mutex);
    }
    return 0;
}

TEST(futex, pthread_condvar_hands_off_between_threads) {
    pthread_t t;
    CHECK_EQ(pthread_create(&t, 0, ping, 0), 0);
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&mutex);
        while (turn != 0)
            pthread_cond_wait(&cond, &mutex);
        turn = 1;
        pthread_cond_signal(&cond);
        pthread_mutex_unlock(&mutex);
    }
    CHECK_EQ(pthread_join(t, 0), 0);
    CHECK_EQ(counter, 200);
    CHECK_EQ(turn, 0);
}

TEST(futex, pthread_cond_timedwait_times_out) {
    struct timespec deadline, start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 15 * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&mutex);
    int r = pthread_cond_timedwait(&cond, &mutex, &deadline);
    pthread_mutex_unlock(&mutex);
    CHECK_EQ(r, ETIMEDOUT);
    CHECK(elapsed_ms(&start) >= 14);
}
