/* memory: the memory manager as a program sees it.
 *
 *  1. Anonymous mappings are zeroed and writable.
 *  2. A two-page file in /tmp (mkstemp, unlinked at the end) mapped both
 *     MAP_PRIVATE and MAP_SHARED: private writes stay private; shared writes
 *     reach the file; pwrite reaches the shared map and a private page never
 *     touched before, while a touched private page keeps its own copy.
 *  3. fork: the child sees the parent's private memory; its writes there are
 *     its own (copy-on-write); its writes to the shared file map and to a
 *     MAP_SHARED|MAP_ANONYMOUS map are seen by the parent after waitpid.
 *  4. SIGSEGV: a store to a PROT_READ page is SEGV_ACCERR, a load from an
 *     unmapped page SEGV_MAPERR, both with si_addr the faulting address.
 *  5. mremap(MREMAP_MAYMOVE) growth keeps the contents and zeroes the rest, for
 *     a whole mapping and for the front of one (which has to move).
 *  6. MADV_DONTNEED zeroes a private anonymous mapping.
 *  7. MAP_FIXED_NOREPLACE over a mapping is EEXIST.
 *  8. Argument errors: munmap unaligned (EINVAL), mmap of length 0 (EINVAL),
 *     mmap of a bad descriptor (EBADF).
 *  9. brk grows by 64 KiB (raw SYS_brk, independent of malloc): zeroed and
 *     writable; it shrinks back.
 * 10. /proc/self/maps names both maps of the file (shared and private) by its
 *     path.
 *
 * Prints one "<check>: ok" line per check (no addresses, pids or times, so the
 * report is the same natively and under veil), then "memory ok", and exits 0.
 * A failed check prints "<check>: FAIL" instead (and "memory: FAIL: ..." with
 * the details on stderr); the remaining checks still run and the program
 * exits 1 without "memory ok". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static size_t page;
static int failures;

/* The test file, mapped twice (2 pages each) for checks 2, 3 and 10. */
static char path[] = "/tmp/veil-memory-XXXXXX";
static int fd = -1;
static char *priv; /* MAP_PRIVATE */
static char *shrd; /* MAP_SHARED */

/* Prints "<name>: ok" or "<name>: FAIL" (the details, with errno, on stderr). */
static void report(const char *name, int ok, const char *fmt, ...) {
    int err = errno;
    if (ok) {
        printf("%s: ok\n", name);
    } else {
        failures++;
        printf("%s: FAIL\n", name);
        fflush(stdout);
        fprintf(stderr, "memory: FAIL: %s: ", name);
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, " (errno %d %s)\n", err, strerror(err));
    }
    errno = 0; /* the next check's details show only its own errno */
}

/* A fatal setup error: nothing after it could be checked. */
static void die(const char *what) {
    fprintf(stderr, "memory: FAIL: %s: %s\n", what, strerror(errno));
    exit(1);
}

static char *map_anon(size_t len, int prot, int flags) {
    void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap anonymous");
    return p;
}

/* 1 if all `len` bytes at p are `c`. */
static int all_are(const char *p, size_t len, char c) {
    for (size_t i = 0; i < len; i++)
        if (p[i] != c)
            return 0;
    return 1;
}

/* The file's byte at `off`, read with pread; -1 on error. */
static int file_byte(off_t off) {
    unsigned char c;
    return pread(fd, &c, 1, off) == 1 ? c : -1;
}

static void check_anon(void) {
    size_t len = 4 * page;
    char *p = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    int zero = all_are(p, len, 0);
    memset(p, 0x5a, len);
    int written = all_are(p, len, 0x5a);
    report("anon zeroed and writable", zero && written, "zeroed %d, written %d", zero, written);
    munmap(p, len);
}

static void check_file(void) {
    fd = mkstemp(path);
    if (fd < 0)
        die("mkstemp");
    /* Page 0 is all 'A', page 1 all 'B'. */
    char *buf = malloc(2 * page);
    memset(buf, 'A', page);
    memset(buf + page, 'B', page);
    if (write(fd, buf, 2 * page) != (ssize_t)(2 * page))
        die("write");
    free(buf);
    priv = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    shrd = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (priv == MAP_FAILED || shrd == MAP_FAILED)
        die("mmap of the file");

    /* Page 0 of the private map is written (copied); its page 1 is not touched
     * at all until after the pwrite below. */
    priv[0] = 'p';
    report("file private write stays private",
           priv[0] == 'p' && shrd[0] == 'A' && file_byte(0) == 'A',
           "private %c, shared %c, file %d", priv[0], shrd[0], file_byte(0));

    shrd[1] = 's';
    report("file shared write reaches the file",
           file_byte(1) == 's' && priv[1] == 'A',
           "file %d, private copy %c", file_byte(1), priv[1]);

    int w0 = pwrite(fd, "W", 1, 2) == 1;
    int w1 = pwrite(fd, "X", 1, page + 2) == 1;
    if (!w0 || !w1)
        die("pwrite");
    report("file pwrite reaches the shared map", shrd[2] == 'W' && shrd[page + 2] == 'X',
           "shared %c %c", shrd[2], shrd[page + 2]);
    report("file pwrite reaches an untouched private page",
           priv[page + 2] == 'X' && priv[page] == 'B',
           "private page 1 has %c at 2, %c at 0", priv[page + 2], priv[page]);
    report("file touched private page keeps its copy",
           priv[0] == 'p' && priv[1] == 'A' && priv[2] == 'A',
           "private page 0 starts %c%c%c", priv[0], priv[1], priv[2]);
}

/* Bits of the child's exit status in check_fork. */
#define CHILD_SAW_WRONG_DATA 1

static void check_fork(void) {
    static const char parent_data[] = "parent data";
    static const char child_data[] = "child data!";
    static const char child_shared[] = "child shared";
    char *anon = map_anon(page, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    char *shanon = map_anon(page, PROT_READ | PROT_WRITE, MAP_SHARED);
    memcpy(anon, parent_data, sizeof parent_data);
    memcpy(shanon, "parent", sizeof "parent");
    shrd[3] = 'A';

    fflush(stdout); /* the child leaves with _exit, but keep its copy empty anyway */
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        int code = memcmp(anon, parent_data, sizeof parent_data) == 0 ? 0 : CHILD_SAW_WRONG_DATA;
        memcpy(anon, child_data, sizeof child_data);
        shrd[3] = 'c';
        memcpy(shanon, child_shared, sizeof child_shared);
        _exit(code);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        die("waitpid");
    int exited = WIFEXITED(status);
    report("fork child sees the parent's data", exited && WEXITSTATUS(status) == 0,
           "child status %#x", status);
    report("fork child's private writes are its own",
           memcmp(anon, parent_data, sizeof parent_data) == 0, "parent sees \"%.11s\"", anon);
    report("fork child's shared file writes are seen", shrd[3] == 'c' && file_byte(3) == 'c',
           "shared map %c, file %d", shrd[3], file_byte(3));
    report("fork child's shared anon writes are seen",
           memcmp(shanon, child_shared, sizeof child_shared) == 0, "parent sees \"%.12s\"", shanon);
    munmap(anon, page);
    munmap(shanon, page);
}

static sigjmp_buf segv_env;
static volatile int segv_code;
static void *volatile segv_addr;

static void on_segv(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    (void)uc;
    segv_code = si->si_code;
    segv_addr = si->si_addr;
    siglongjmp(segv_env, 1);
}

/* Stores to (write) or loads from `addr`; returns 1 if that raised SIGSEGV,
 * with segv_code and segv_addr set. */
static int faults(volatile char *addr, int write) {
    segv_code = 0;
    segv_addr = NULL;
    if (sigsetjmp(segv_env, 1) == 0) {
        if (write)
            *addr = 1;
        else
            (void)*addr;
        return 0;
    }
    return 1;
}

static void check_segv(void) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &old) != 0)
        die("sigaction");

    char *ro = map_anon(page, PROT_READ, MAP_PRIVATE);
    int f = faults(ro + 123, 1);
    report("segv write to read-only page is SEGV_ACCERR at the address",
           f && segv_code == SEGV_ACCERR && segv_addr == ro + 123,
           "faulted %d, si_code %d, si_addr %s", f, segv_code,
           segv_addr == ro + 123 ? "right" : "wrong");
    munmap(ro, page);

    char *gone = map_anon(page, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    munmap(gone, page);
    f = faults(gone + 5, 0);
    report("segv touch of unmapped page is SEGV_MAPERR at the address",
           f && segv_code == SEGV_MAPERR && segv_addr == gone + 5,
           "faulted %d, si_code %d, si_addr %s", f, segv_code,
           segv_addr == gone + 5 ? "right" : "wrong");

    sigaction(SIGSEGV, &old, NULL);
}

/* mremap(p, old_len, new_len, MREMAP_MAYMOVE) of anonymous memory filled with
 * 'm': returns the new address, or NULL (after reporting) if mremap failed. */
static char *grow(char *p, size_t old_len, size_t new_len, const char *check) {
    char *q = mremap(p, old_len, new_len, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) {
        report(check, 0, "mremap of %zu pages to %zu failed", old_len / page, new_len / page);
        return NULL;
    }
    return q;
}

static void check_mremap(void) {
    /* A whole two-page mapping grows to eight, in place or not. */
    const char *kept = "mremap grows a mapping keeping the contents";
    const char *zeroed = "mremap new part is zeroed";
    char *p = map_anon(2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(p, 'm', 2 * page);
    char *q = grow(p, 2 * page, 8 * page, kept);
    if (q) {
        report(kept, all_are(q, 2 * page, 'm'), "moved %d", q != p);
        int zero = all_are(q + 2 * page, 6 * page, 0);
        memset(q + 2 * page, 'n', 6 * page);
        report(zeroed, zero && all_are(q + 2 * page, 6 * page, 'n'), "zeroed %d", zero);
        munmap(q, 8 * page);
    } else {
        report(zeroed, 0, "mremap failed");
        munmap(p, 2 * page);
    }

    /* The first two pages of a three-page mapping grow to eight: the third page
     * is in the way, so they move and the third stays where it was. */
    const char *front = "mremap grows the front of a mapping by moving it";
    p = map_anon(3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(p, 'm', 2 * page);
    memset(p + 2 * page, 't', page);
    q = grow(p, 2 * page, 8 * page, front);
    if (q) {
        report(front,
               q != p && all_are(q, 2 * page, 'm') && all_are(q + 2 * page, 6 * page, 0) &&
                   all_are(p + 2 * page, page, 't'),
               "moved %d", q != p);
        munmap(q, 8 * page);
        munmap(p + 2 * page, page);
    } else {
        munmap(p, 3 * page);
    }
}

static void check_madvise(void) {
    char *p = map_anon(2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(p, 0xaa, 2 * page);
    int r = madvise(p, 2 * page, MADV_DONTNEED);
    report("madvise MADV_DONTNEED zeroes private anon memory", r == 0 && all_are(p, 2 * page, 0),
           "madvise returned %d", r);
    munmap(p, 2 * page);
}

static void check_noreplace(void) {
    char *p = map_anon(page, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    p[0] = 'k';
    errno = 0;
    void *q = mmap(p, page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    report("mmap MAP_FIXED_NOREPLACE over a mapping is EEXIST",
           q == MAP_FAILED && errno == EEXIST && p[0] == 'k',
           "mmap %s, old content %s", q == MAP_FAILED ? "failed" : "succeeded",
           p[0] == 'k' ? "kept" : "lost");
    if (q != MAP_FAILED && q != p)
        munmap(q, page);
    munmap(p, page);
}

static void check_errors(void) {
    char *p = map_anon(page, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    errno = 0;
    int r = munmap(p + 1, page);
    report("munmap unaligned is EINVAL", r < 0 && errno == EINVAL, "munmap returned %d", r);
    munmap(p, page);

    errno = 0;
    void *q = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    report("mmap of length 0 is EINVAL", q == MAP_FAILED && errno == EINVAL, "mmap %s",
           q == MAP_FAILED ? "failed" : "succeeded");

    errno = 0;
    q = mmap(NULL, page, PROT_READ, MAP_PRIVATE, 9999, 0);
    report("mmap of a bad fd is EBADF", q == MAP_FAILED && errno == EBADF, "mmap %s",
           q == MAP_FAILED ? "failed" : "succeeded");
}

static void check_brk(void) {
    const long grow = 64 * 1024;
    char *cur = (char *)syscall(SYS_brk, 0);
    char *now = (char *)syscall(SYS_brk, cur + grow);
    if (now != cur + grow) {
        report("brk grows zeroed and writable", 0, "brk moved by %ld, not %ld",
               (long)(now - cur), grow);
        return;
    }
    int zero = all_are(cur, grow, 0);
    memset(cur, 'b', grow);
    int written = all_are(cur, grow, 'b');
    /* Back to where glibc's malloc believes the break is. */
    char *back = (char *)syscall(SYS_brk, cur);
    report("brk grows zeroed and writable", zero && written && back == cur,
           "zeroed %d, written %d, shrunk back %d", zero, written, back == cur);
}

static void check_maps(void) {
    int mfd = open("/proc/self/maps", O_RDONLY);
    if (mfd < 0) {
        report("proc self maps names the shared file mapping", 0, "open /proc/self/maps");
        report("proc self maps names the private file mapping", 0, "open /proc/self/maps");
        return;
    }
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    for (;;) {
        if (len + 4096 + 1 > cap)
            text = realloc(text, cap *= 2);
        ssize_t n = read(mfd, text + len, cap - len - 1);
        if (n <= 0)
            break;
        len += n;
    }
    close(mfd);
    text[len] = 0;
    /* Each map of the file has a line ending with its path; the fourth character
     * of the permissions tells the shared one ('s') from the private one ('p'). */
    int shared = 0, private = 0;
    size_t plen = strlen(path);
    for (char *s = text; (s = strstr(s, path)) != NULL; s += plen) {
        if (s[plen] != '\n')
            continue;
        char *line = s;
        while (line > text && line[-1] != '\n')
            line--;
        char *perms = strchr(line, ' ');
        if (perms && perms - line < 40 && perms + 5 < s) {
            shared += perms[4] == 's';
            private += perms[4] == 'p';
        }
    }
    report("proc self maps names the shared file mapping", shared == 1,
           "%d shared lines end with the path", shared);
    report("proc self maps names the private file mapping", private == 1,
           "%d private lines end with the path", private);
    free(text);
}

int main(void) {
    page = (size_t)sysconf(_SC_PAGESIZE);
    check_anon();
    check_file();
    check_fork();
    check_segv();
    check_mremap();
    check_madvise();
    check_noreplace();
    check_errors();
    check_brk();
    check_maps();

    munmap(priv, 2 * page);
    munmap(shrd, 2 * page);
    close(fd);
    if (unlink(path) != 0)
        die("unlink");
    if (failures) {
        fprintf(stderr, "memory: FAIL: %d checks failed\n", failures);
        return 1;
    }
    printf("memory ok\n");
    return 0;
}
