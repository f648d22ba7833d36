/* The conformance suite's harness: plain C, no framework.
 *
 * A suite file holds cases written as
 *
 *     TEST(dup2, returns_the_new_fd) {
 *         int fd = CHECK_OK(dup2(0, 10));
 *         CHECK_EQ(fd, 10);
 *     }
 *
 * The first word is the system call the case is about (its Linux name, as in
 * docs/compatibility.md: `openat`, not `open`, when the libc wrapper calls openat), the
 * second says what the case checks. A case's id is `<syscall>.<name>`; the runner
 * prefixes the file: `fd/dup2.returns_the_new_fd`.
 *
 * Each case runs in a process of its own (`BINARY --run ID`), in a fresh temporary
 * directory that is its working directory, so cases are independent and run in
 * parallel. A case passes when it returns having made at least one check; a failed
 * check prints where and why on stderr and exits 1. A case that checks nothing fails.
 */
#ifndef VEIL_CONFORMANCE_HARNESS_H
#define VEIL_CONFORMANCE_HARNESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef void (*harness_case_fn)(void);

/* Registers a case; called by TEST's constructor. */
void harness_register(const char *syscall, const char *name, harness_case_fn fn);
/* Reports a failed check and ends the case (exit 1). */
void harness_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
/* Checks made so far by this process. */
extern long harness_checks;

/* An address that is certainly not mapped (a page far below mmap's placement, mapped
 * and unmapped at start-up, so no later mapping of the case lands there): passing it
 * as a pointer must give EFAULT. */
void *harness_bad_ptr(void);
/* Waits for `pid` and returns its exit code, or 128 + N if signal N killed it; fails the
 * case if waitpid fails. */
int harness_wait(pid_t pid);
/* Writes `data` to a new file `path` (mode 0644), failing the case on error. */
void harness_write_file(const char *path, const char *data);
/* The case's temporary directory (its working directory at start). */
const char *harness_tmpdir(void);

#define BAD_PTR harness_bad_ptr()

#define TEST(syscall, name)                                                      \
    static void case_##syscall##__##name(void);                                  \
    __attribute__((constructor)) static void register_##syscall##__##name(void) { \
        harness_register(#syscall, #name, case_##syscall##__##name);             \
    }                                                                            \
    static void case_##syscall##__##name(void)

/* CHECK(cond): the condition holds. */
#define CHECK(cond)                                                              \
    do {                                                                         \
        harness_checks++;                                                        \
        if (!(cond))                                                             \
            harness_fail(__FILE__, __LINE__, "CHECK(%s) failed (errno %d %s)",   \
                         #cond, errno, strerror(errno));                         \
    } while (0)

/* CHECK_MSG(cond, fmt, ...): the condition holds; the message says what was seen. */
#define CHECK_MSG(cond, ...)                                                     \
    do {                                                                         \
        harness_checks++;                                                        \
        if (!(cond))                                                             \
            harness_fail(__FILE__, __LINE__, __VA_ARGS__);                       \
    } while (0)

/* CHECK_OK(expr): a syscall-style expression succeeds (is not -1); its value. */
#define CHECK_OK(expr)                                                           \
    ({                                                                           \
        errno = 0;                                                               \
        long _r = (long)(expr);                                                  \
        harness_checks++;                                                        \
        if (_r == -1)                                                            \
            harness_fail(__FILE__, __LINE__, "%s failed: errno %d %s", #expr,    \
                         errno, strerror(errno));                                \
        _r;                                                                      \
    })

/* CHECK_ERR(expr, E): a syscall-style expression fails (-1) with errno E. */
#define CHECK_ERR(expr, E)                                                       \
    do {                                                                         \
        errno = 0;                                                               \
        long _r = (long)(expr);                                                  \
        int _e = errno;                                                          \
        harness_checks++;                                                        \
        if (_r != -1 || _e != (E))                                               \
            harness_fail(__FILE__, __LINE__,                                     \
                         "%s: want -1 errno %s (%d), got %ld errno %d %s", #expr, \
                         #E, (E), _r, _e, strerror(_e));                         \
    } while (0)

/* CHECK_EQ(a, b): two integers are equal. */
#define CHECK_EQ(a, b)                                                           \
    do {                                                                         \
        long long _a = (long long)(a), _b = (long long)(b);                      \
        harness_checks++;                                                        \
        if (_a != _b)                                                            \
            harness_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b,   \
                         _a, _b);                                                \
    } while (0)

/* CHECK_STR(a, b): two C strings are equal. */
#define CHECK_STR(a, b)                                                          \
    do {                                                                         \
        const char *_a = (a), *_b = (b);                                         \
        harness_checks++;                                                        \
        if (!_a || !_b || strcmp(_a, _b) != 0)                                   \
            harness_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a,   \
                         #b, _a ? _a : "(null)", _b ? _b : "(null)");            \
    } while (0)

/* CHECK_MEM(a, b, n): n bytes are equal. */
#define CHECK_MEM(a, b, n)                                                       \
    do {                                                                         \
        harness_checks++;                                                        \
        if (memcmp((a), (b), (n)) != 0)                                          \
            harness_fail(__FILE__, __LINE__, "%s and %s differ in %zu bytes",    \
                         #a, #b, (size_t)(n));                                   \
    } while (0)

/* CHECK_EXIT(pid, code): child `pid` exits with `code` (128 + N for signal N). */
#define CHECK_EXIT(pid, code) CHECK_EQ(harness_wait(pid), (code))

#endif
