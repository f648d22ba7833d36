/* The conformance suite's harness: case registry, the command line the runner uses
 * (`--list`, `--run ID`) and the helpers declared in harness.h. */
#include "harness.h"

#include <ftw.h>
#include <stdarg.h>
#include <sys/mman.h>

struct harness_case {
    const char *syscall;
    const char *name;
    harness_case_fn fn;
};

#define MAX_CASES 1024
static struct harness_case cases[MAX_CASES];
static int ncases;
long harness_checks;

static pid_t owner;      /* the process that runs the case and owns the temp dir */
static char tmpdir[4096];
static void *bad_ptr;

void harness_register(const char *syscall, const char *name, harness_case_fn fn) {
    if (ncases == MAX_CASES) {
        fprintf(stderr, "harness: more than %d cases in one file\n", MAX_CASES);
        _exit(2);
    }
    cases[ncases++] = (struct harness_case){syscall, name, fn};
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)ftw;
    /* A case may leave read-only directories behind. Only directories: chmod follows
     * symlinks, and a case's link to /etc/passwd or /usr/bin/readlink must not change
     * the host's file when the case runs natively. */
    if (type == FTW_DP || type == FTW_D)
        chmod(path, 0700);
    return remove(path);
}

static void cleanup(void) {
    if (getpid() != owner || !tmpdir[0])
        return;
    if (chdir("/") == 0)
        nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    tmpdir[0] = 0;
}

void harness_fail(const char *file, int line, const char *fmt, ...) {
    int saved = errno;
    va_list ap;
    fprintf(stderr, "%s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    errno = saved;
    cleanup();
    /* _exit: a forked child must not flush stdio buffers it shares with its parent. */
    _exit(1);
}

void *harness_bad_ptr(void) { return bad_ptr; }

const char *harness_tmpdir(void) { return tmpdir; }

int harness_wait(pid_t pid) {
    int status;
    pid_t r;
    do {
        r = waitpid(pid, &status, 0);
    } while (r < 0 && errno == EINTR);
    if (r != pid)
        harness_fail(__FILE__, __LINE__, "waitpid(%d) = %d: %s", pid, r, strerror(errno));
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    harness_fail(__FILE__, __LINE__, "waitpid(%d): status %#x", pid, status);
}

void harness_write_file(const char *path, const char *data) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        harness_fail(__FILE__, __LINE__, "creating %s: %s", path, strerror(errno));
    size_t len = strlen(data);
    if (write(fd, data, len) != (ssize_t)len)
        harness_fail(__FILE__, __LINE__, "writing %s: %s", path, strerror(errno));
    close(fd);
}

static int run_case(const struct harness_case *c) {
    owner = getpid();
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/veil-conformance-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        fprintf(stderr, "harness: mkdtemp %s: %s\n", tmpdir, strerror(errno));
        return 2;
    }
    if (chdir(tmpdir) != 0) {
        fprintf(stderr, "harness: chdir %s: %s\n", tmpdir, strerror(errno));
        return 2;
    }
    /* Far below where mmap places memory (top-down from under the stack), so that a
     * case's own mappings never land on it; mapped once to be sure it was free. */
    bad_ptr = mmap((void *)0x3f0000000000, 4096, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (bad_ptr == MAP_FAILED || munmap(bad_ptr, 4096) != 0) {
        fprintf(stderr, "harness: no unmapped page: %s\n", strerror(errno));
        return 2;
    }
    c->fn();
    if (getpid() != owner)
        _exit(0); /* a child that fell off the end of the case body */
    if (harness_checks == 0) {
        fprintf(stderr, "%s.%s: the case checked nothing\n", c->syscall, c->name);
        cleanup();
        return 1;
    }
    cleanup();
    return 0;
}

static const struct harness_case *find(const char *id) {
    for (int i = 0; i < ncases; i++) {
        size_t n = strlen(cases[i].syscall);
        if (strncmp(id, cases[i].syscall, n) == 0 && id[n] == '.' &&
            strcmp(id + n + 1, cases[i].name) == 0)
            return &cases[i];
    }
    return 0;
}

static void usage(const char *prog) {
    fprintf(stderr, "usage: %s [--list | --run SYSCALL.NAME]\n"
                    "  with no argument, runs every case in turn\n", prog);
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (int i = 0; i < ncases; i++)
            printf("%s.%s\n", cases[i].syscall, cases[i].name);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "--run") == 0) {
        const struct harness_case *c = find(argv[2]);
        if (!c) {
            fprintf(stderr, "%s: no case %s\n", argv[0], argv[2]);
            return 2;
        }
        return run_case(c);
    }
    if (argc != 1) {
        usage(argv[0]);
        return 2;
    }
    /* Every case, each in a child process, for a person at a terminal. */
    int failed = 0;
    for (int i = 0; i < ncases; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            _exit(run_case(&cases[i]));
        int code = harness_wait(pid);
        printf("%s %s.%s\n", code == 0 ? "PASS" : "FAIL", cases[i].syscall, cases[i].name);
        failed += code != 0;
    }
    printf("%d passed, %d failed\n", ncases - failed, failed);
    return failed != 0;
}
