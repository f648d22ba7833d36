/* CPU time accounting: times, getrusage (RUSAGE_SELF, RUSAGE_THREAD, RUSAGE_CHILDREN),
 * wait4's rusage, and the CPU-time clocks read with clock_gettime and clock_getres
 * (the process's and thread's, another thread's from pthread_getcpuclockid, a child's
 * from clock_getcpuclockid). CPU is burned in user-mode loops measured on the burning
 * thread's own CPU clock, with a 5 s wall-clock cap. */
#include "harness.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>

#define MS 1000000LL

static long long ns_of(const struct timespec *t) { return t->tv_sec * 1000000000LL + t->tv_nsec; }
static long long us_of(const struct timeval *t) { return t->tv_sec * 1000000LL + t->tv_usec; }
/* User plus system time, in microseconds. */
static long long cpu_us(const struct rusage *ru) { return us_of(&ru->ru_utime) + us_of(&ru->ru_stime); }

static long long clock_ns(clockid_t c) {
    struct timespec t;
    CHECK_OK(syscall(SYS_clock_gettime, c, &t));
    return ns_of(&t);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Spins until the calling thread used `ms` more milliseconds of CPU, or 5 s went by. */
static void burn_ms(long ms) {
    long long start = clock_ns(CLOCK_MONOTONIC), cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    volatile unsigned long x = 0;
    while (clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0 < ms * MS &&
           clock_ns(CLOCK_MONOTONIC) - start < 5000 * MS)
        for (int i = 0; i < 100000; i++)
            x += i;
}

static long sys_times(struct tms *t) { return syscall(SYS_times, t); }
static long sys_getrusage(int who, struct rusage *ru) { return syscall(SYS_getrusage, who, ru); }

static struct rusage usage(int who) {
    struct rusage ru;
    CHECK_OK(sys_getrusage(who, &ru));
    return ru;
}

/* A child that burns `ms` of CPU and exits 0. */
static pid_t burning_child(long ms) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        burn_ms(ms);
        _exit(0);
    }
    return pid;
}

/* Waits until `pid` exited, leaving it a zombie. */
static void wait_nowait(pid_t pid) {
    siginfo_t si;
    CHECK_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
    CHECK_EQ(si.si_pid, pid);
}

/* The kernel's CPU clock id of process `pid` (glibc's MAKE_PROCESS_CPUCLOCK, CPUCLOCK_SCHED). */
static clockid_t process_clock(pid_t pid) { return (clockid_t)((~(unsigned)pid << 3) | 2); }

/* ---- times ---- */

TEST(times, returns_clock_ticks_that_increase) {
    struct tms t;
    long a = sys_times(&t);
    CHECK(a != -1 && a > 0);
    sleep_ms(50);
    long b = sys_times(&t);
    CHECK_MSG(b > a, "ticks went from %ld to %ld", a, b);
}

TEST(times, utime_grows_after_busy_work) {
    struct tms before, after;
    CHECK(sys_times(&before) != -1);
    burn_ms(200);
    CHECK(sys_times(&after) != -1);
    CHECK_MSG(after.tms_utime > before.tms_utime, "tms_utime %ld then %ld",
              (long)before.tms_utime, (long)after.tms_utime);
    CHECK(after.tms_utime > 0);
    /* The caller's own work is not its children's. */
    CHECK_EQ(after.tms_cutime + after.tms_cstime, before.tms_cutime + before.tms_cstime);
}

TEST(times, children_times_count_a_reaped_child) {
    struct tms before, t;
    CHECK(sys_times(&before) != -1);
    pid_t pid = burning_child(200);
    CHECK_EXIT(pid, 0);
    CHECK(sys_times(&t) != -1);
    long ticks = sysconf(_SC_CLK_TCK);
    long got = (t.tms_cutime + t.tms_cstime) - (before.tms_cutime + before.tms_cstime);
    CHECK_MSG(got >= ticks / 20, "children used %ld ticks", got);
    CHECK(t.tms_cutime > before.tms_cutime);
}

TEST(times, children_times_exclude_an_unreaped_child) {
    struct tms before, t;
    CHECK(sys_times(&before) != -1);
    pid_t pid = burning_child(200);
    wait_nowait(pid);
    CHECK(sys_times(&t) != -1);
    CHECK_EQ(t.tms_cutime + t.tms_cstime, before.tms_cutime + before.tms_cstime);
    CHECK_EXIT(pid, 0);
    CHECK(sys_times(&t) != -1);
    CHECK(t.tms_cutime + t.tms_cstime > before.tms_cutime + before.tms_cstime);
}

TEST(times, null_buffer_is_allowed) {
    struct tms t;
    errno = 0;
    long a = sys_times(0);
    CHECK_EQ(errno, 0);
    long b = sys_times(&t);
    CHECK(a > 0);
    CHECK(b >= a && b - a < 1000);
}

TEST(times, bad_pointer_is_efault) {
    CHECK_ERR(sys_times(BAD_PTR), EFAULT);
}

/* ---- getrusage ---- */

TEST(getrusage, self_cpu_time_grows_with_busy_work) {
    struct rusage before = usage(RUSAGE_SELF);
    burn_ms(200);
    struct rusage after = usage(RUSAGE_SELF);
    CHECK(us_of(&after.ru_utime) > us_of(&before.ru_utime));
    long long ms = (cpu_us(&after) - cpu_us(&before)) / 1000;
    CHECK_MSG(ms >= 100, "%lld ms of CPU counted", ms);
    CHECK(after.ru_utime.tv_usec >= 0 && after.ru_utime.tv_usec < 1000000);
    CHECK(after.ru_stime.tv_usec >= 0 && after.ru_stime.tv_usec < 1000000);
}

static void *burner(void *arg) {
    burn_ms((long)arg);
    return 0;
}

TEST(getrusage, thread_counts_only_the_calling_thread) {
    pthread_t t;
    CHECK_EQ(pthread_create(&t, 0, burner, (void *)300L), 0);
    CHECK_EQ(pthread_join(t, 0), 0);
    struct rusage self = usage(RUSAGE_SELF), thread = usage(RUSAGE_THREAD);
    CHECK_MSG(cpu_us(&self) - cpu_us(&thread) >= 150000,
              "self %lld us, main thread %lld us", cpu_us(&self), cpu_us(&thread));
    CHECK(cpu_us(&thread) < cpu_us(&self));
    /* The thread's own figure grows when it burns. */
    burn_ms(100);
    struct rusage later = usage(RUSAGE_THREAD);
    CHECK(cpu_us(&later) - cpu_us(&thread) >= 50000);
}

TEST(getrusage, children_include_a_reaped_child) {
    struct rusage before = usage(RUSAGE_CHILDREN);
    pid_t pid = burning_child(200);
    CHECK_EXIT(pid, 0);
    struct rusage after = usage(RUSAGE_CHILDREN);
    long long got = cpu_us(&after) - cpu_us(&before);
    CHECK_MSG(got >= 100000, "children: %lld us", got);
    CHECK(us_of(&after.ru_utime) > us_of(&before.ru_utime));
    /* The child's time is not the caller's own. */
    struct rusage self = usage(RUSAGE_SELF);
    CHECK(cpu_us(&self) < got);
}

TEST(getrusage, children_exclude_an_unreaped_child) {
    struct rusage before = usage(RUSAGE_CHILDREN);
    pid_t pid = burning_child(200);
    wait_nowait(pid);
    struct rusage ru = usage(RUSAGE_CHILDREN);
    CHECK_EQ(cpu_us(&ru), cpu_us(&before));
    CHECK_EXIT(pid, 0);
    ru = usage(RUSAGE_CHILDREN);
    CHECK(cpu_us(&ru) - cpu_us(&before) >= 100000);
}

TEST(getrusage, bad_who_is_einval) {
    struct rusage ru;
    CHECK_ERR(sys_getrusage(2, &ru), EINVAL);
    CHECK_ERR(sys_getrusage(-2, &ru), EINVAL); /* the kernel's internal RUSAGE_BOTH */
    CHECK_ERR(sys_getrusage(-3, &ru), EINVAL);
    CHECK_ERR(sys_getrusage(100, &ru), EINVAL);
}

TEST(getrusage, bad_pointer_is_efault) {
    CHECK_ERR(sys_getrusage(RUSAGE_SELF, BAD_PTR), EFAULT);
    CHECK_ERR(sys_getrusage(RUSAGE_CHILDREN, BAD_PTR), EFAULT);
    CHECK_ERR(sys_getrusage(RUSAGE_THREAD, BAD_PTR), EFAULT);
}

TEST(getrusage, maxrss_is_positive_and_counts_touched_memory) {
    struct rusage before = usage(RUSAGE_SELF);
    CHECK(before.ru_maxrss > 0);
    size_t len = 32 << 20;
    char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    for (size_t i = 0; i < len; i += 4096)
        p[i] = 1;
    struct rusage after = usage(RUSAGE_SELF);
    /* In kilobytes; 32 MiB touched, some slack for the kernel's batched counters. */
    CHECK_MSG(after.ru_maxrss - before.ru_maxrss >= 24 * 1024, "maxrss %ld then %ld kB",
              before.ru_maxrss, after.ru_maxrss);
    /* It is a high-water mark: unmapping does not lower it. */
    CHECK_OK(munmap(p, len));
    struct rusage later = usage(RUSAGE_SELF);
    CHECK(later.ru_maxrss >= after.ru_maxrss);
}

TEST(getrusage, children_maxrss_is_the_largest_reaped_childs) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        size_t len = 32 << 20;
        char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            _exit(1);
        for (size_t i = 0; i < len; i += 4096)
            p[i] = 1;
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
    struct rusage ru = usage(RUSAGE_CHILDREN);
    CHECK_MSG(ru.ru_maxrss >= 24 * 1024, "children maxrss %ld kB", ru.ru_maxrss);
}

/* ---- wait4 ---- */

TEST(wait4, rusage_reports_the_childs_cpu_time) {
    pid_t pid = burning_child(200);
    int st;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    CHECK_EQ(CHECK_OK(syscall(SYS_wait4, pid, &st, 0, &ru)), pid);
    CHECK(WIFEXITED(st));
    CHECK_MSG(cpu_us(&ru) > 50000, "child used %lld us", cpu_us(&ru));
    CHECK(us_of(&ru.ru_utime) > 0);
    CHECK(ru.ru_maxrss > 0);
}

TEST(wait4, rusage_does_not_count_a_childs_sleep) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sleep_ms(200);
        _exit(0);
    }
    int st;
    struct rusage ru;
    CHECK_EQ(CHECK_OK(syscall(SYS_wait4, pid, &st, 0, &ru)), pid);
    CHECK_MSG(cpu_us(&ru) < 100000, "a sleeping child used %lld us", cpu_us(&ru));
}

/* ---- clock_gettime, clock_getres on CPU clocks ---- */

TEST(clock_gettime, process_and_thread_cpu_clocks_grow_with_busy_work) {
    long long p0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID), t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    burn_ms(100);
    long long t1 = clock_ns(CLOCK_THREAD_CPUTIME_ID), p1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECK_MSG(t1 - t0 >= 100 * MS, "thread clock: %lld ns", t1 - t0);
    CHECK_MSG(p1 - p0 >= 90 * MS, "process clock: %lld ns", p1 - p0);
    /* The process's clock holds the thread's. */
    CHECK(p1 >= t1);
}

TEST(clock_gettime, thread_cpu_clock_counts_only_the_calling_thread) {
    long long p0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID), t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, 0, burner, (void *)200L), 0);
    CHECK_EQ(pthread_join(t, 0), 0);
    long long t1 = clock_ns(CLOCK_THREAD_CPUTIME_ID), p1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECK_MSG(p1 - p0 >= 200 * MS, "process clock: %lld ns", p1 - p0);
    CHECK_MSG((p1 - p0) - (t1 - t0) >= 150 * MS, "main thread clock: %lld ns", t1 - t0);
}

struct cpu_thread {
    int ready[2]; /* the thread writes a byte when it burned 100 ms */
    int go[2];    /* then waits for a byte (or EOF) before it returns */
};

static void *burn_then_wait(void *arg) {
    struct cpu_thread *c = arg;
    burn_ms(100);
    write(c->ready[1], "x", 1);
    char b;
    read(c->go[0], &b, 1);
    return 0;
}

TEST(clock_gettime, another_threads_clock_from_pthread_getcpuclockid) {
    struct cpu_thread c;
    CHECK_OK(pipe(c.ready));
    CHECK_OK(pipe(c.go));
    pthread_t t;
    CHECK_EQ(pthread_create(&t, 0, burn_then_wait, &c), 0);
    clockid_t ck;
    CHECK_EQ(pthread_getcpuclockid(t, &ck), 0);
    char b;
    CHECK_EQ(read(c.ready[0], &b, 1), 1);
    long long theirs = clock_ns(ck);
    CHECK_MSG(theirs >= 100 * MS, "the thread's clock reads %lld ns", theirs);
    /* It is that thread's clock, not the reader's. */
    long long mine = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    CHECK_MSG(mine < theirs, "main %lld ns, thread %lld ns", mine, theirs);
    /* It stops while the thread sleeps. */
    sleep_ms(50);
    long long later = clock_ns(ck);
    CHECK_MSG(later - theirs < 30 * MS, "grew %lld ns while the thread slept", later - theirs);
    clockid_t self;
    CHECK_EQ(pthread_getcpuclockid(pthread_self(), &self), 0);
    CHECK(clock_ns(self) >= mine);
    CHECK_EQ(write(c.go[1], "x", 1), 1);
    CHECK_EQ(pthread_join(t, 0), 0);
}

TEST(clock_gettime, cpu_clock_of_a_child_from_clock_getcpuclockid) {
    int ready[2], go[2];
    CHECK_OK(pipe(ready));
    CHECK_OK(pipe(go));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        burn_ms(100);
        write(ready[1], "x", 1);
        char b;
        close(go[1]);
        read(go[0], &b, 1);
        _exit(0);
    }
    close(go[0]);
    clockid_t ck;
    CHECK_EQ(clock_getcpuclockid(pid, &ck), 0);
    CHECK_EQ(ck, process_clock(pid));
    long long first = clock_ns(ck);
    char b;
    CHECK_EQ(read(ready[0], &b, 1), 1);
    long long burned = clock_ns(ck);
    CHECK_MSG(burned >= 100 * MS && burned >= first, "the child's clock: %lld then %lld ns",
              first, burned);
    CHECK(clock_ns(CLOCK_PROCESS_CPUTIME_ID) < burned);
    /* A zombie's clock still reads; a reaped child's is gone. */
    close(go[1]);
    wait_nowait(pid);
    CHECK(clock_ns(ck) >= burned);
    CHECK_EXIT(pid, 0);
    struct timespec ts;
    CHECK_ERR(syscall(SYS_clock_gettime, ck, &ts), EINVAL);
}

TEST(clock_gettime, cpu_clock_of_a_missing_pid_is_einval) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    CHECK_EXIT(pid, 0);
    struct timespec ts;
    CHECK_ERR(syscall(SYS_clock_gettime, process_clock(pid), &ts), EINVAL);
    CHECK_ERR(syscall(SYS_clock_getres, process_clock(pid), &ts), EINVAL);
    /* glibc asks clock_getres, and turns its EINVAL into ESRCH. */
    clockid_t ck;
    CHECK_EQ(clock_getcpuclockid(pid, &ck), ESRCH);
}

TEST(clock_getres, cpu_clocks_are_one_nanosecond) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        sleep_ms(5000);
        _exit(0);
    }
    clockid_t thread, child;
    CHECK_EQ(pthread_getcpuclockid(pthread_self(), &thread), 0);
    CHECK_EQ(clock_getcpuclockid(pid, &child), 0);
    clockid_t ids[] = {CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, thread, child,
                       process_clock(getpid())};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        struct timespec res = {-1, -1};
        CHECK_OK(syscall(SYS_clock_getres, ids[i], &res));
        CHECK_EQ(res.tv_sec, 0);
        CHECK_EQ(res.tv_nsec, 1);
    }
    CHECK_OK(kill(pid, SIGKILL));
    CHECK_EXIT(pid, 128 + SIGKILL);
}
