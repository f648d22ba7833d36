/* Residency, locking and cross-process access of memory: mincore (which pages are
 * resident, its errors), mlock, mlock2, munlock, mlockall and munlockall (what they
 * populate, VmLck in /proc/self/status, their flags and errors), and process_vm_readv
 * and process_vm_writev (another process's memory, partial transfers, errors). */
#include "harness.h"

#include <sys/mman.h>
#include <sys/uio.h>

#define PG 4096L
#define NO_PID 0x3ffffff0 /* above any pid_max */

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

/* An anonymous private read-write mapping of n pages (small, so never a huge page). */
static char *anon(long pages) {
    void *p = mmap(0, pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_MSG(p != MAP_FAILED, "mmap of %ld anonymous pages: %s", pages, strerror(errno));
    return p;
}

/* A page that is unmapped now. BAD_PTR is a page unmapped at start-up, which the next
 * one-page mmap may well reuse; this is for cases that map memory first. */
static void *unmapped_page(void) {
    void *p = mmap(0, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    CHECK_OK(munmap(p, PG));
    return p;
}

/* Three pages whose middle one is unmapped. */
static char *with_hole(void) {
    char *p = anon(3);
    CHECK_OK(munmap(p + PG, PG));
    return p;
}

/* The number of the first `n` pages at `p` that mincore says are resident. */
static int resident_pages(void *p, long n) {
    unsigned char vec[64];
    CHECK_OK(mincore(p, n * PG, vec));
    int count = 0;
    for (long i = 0; i < n; i++)
        count += vec[i] & 1;
    return count;
}

/* VmLck of /proc/self/status, in kB. */
static long vm_locked_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    CHECK_MSG(f != 0, "open /proc/self/status: %s", strerror(errno));
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
            break;
    fclose(f);
    CHECK_MSG(kb >= 0, "no VmLck line in /proc/self/status");
    return kb;
}

/* ---- mincore ---- */

TEST(mincore, written_pages_are_resident_untouched_ones_not) {
    char *p = anon(4);
    p[0] = 1;
    p[2 * PG + 100] = 1;
    unsigned char vec[4];
    memset(vec, 0xee, sizeof vec);
    CHECK_EQ(CHECK_OK(mincore(p, 4 * PG, vec)), 0);
    CHECK_EQ(vec[0] & 1, 1);
    CHECK_EQ(vec[1] & 1, 0);
    CHECK_EQ(vec[2] & 1, 1);
    CHECK_EQ(vec[3] & 1, 0);
}

TEST(mincore, length_is_rounded_up_to_whole_pages) {
    char *p = anon(2);
    p[0] = 1;
    unsigned char vec[2] = {0xee, 0xee};
    CHECK_OK(mincore(p, 1, vec));
    CHECK_EQ(vec[0] & 1, 1);
    /* One page asked for, one byte written. */
    CHECK_EQ(vec[1], 0xee);
    vec[0] = vec[1] = 0xee;
    CHECK_OK(mincore(p, PG + 1, vec));
    CHECK_EQ(vec[0] & 1, 1);
    CHECK_EQ(vec[1] & 1, 0);
}

TEST(mincore, madv_dontneed_makes_a_page_nonresident) {
    char *p = anon(2);
    p[0] = p[PG] = 1;
    CHECK_EQ(resident_pages(p, 2), 2);
    CHECK_OK(madvise(p, PG, MADV_DONTNEED));
    unsigned char vec[2];
    CHECK_OK(mincore(p, 2 * PG, vec));
    CHECK_EQ(vec[0] & 1, 0);
    CHECK_EQ(vec[1] & 1, 1);
}

TEST(mincore, file_pages_just_written_are_resident) {
    int fd = CHECK_OK(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    char buf[2 * 4096];
    memset(buf, 'x', sizeof buf);
    CHECK_EQ(write(fd, buf, sizeof buf), sizeof buf);
    /* Mapped but never touched through the mapping: the page cache holds them. */
    char *p = mmap(0, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(resident_pages(p, 2), 2);
}

TEST(mincore, unmapped_range_is_enomem) {
    unsigned char vec[4];
    CHECK_ERR(mincore(BAD_PTR, PG, vec), ENOMEM);
    /* A hole anywhere in the range is enough. */
    char *p = with_hole();
    CHECK_ERR(mincore(p, 3 * PG, vec), ENOMEM);
    CHECK_OK(mincore(p, PG, vec));
}

TEST(mincore, unaligned_address_is_einval) {
    char *p = anon(2);
    unsigned char vec[2];
    CHECK_ERR(mincore(p + 1, PG, vec), EINVAL);
    CHECK_ERR(mincore(p + PG - 1, 1, vec), EINVAL);
}

TEST(mincore, bad_vec_pointer_is_efault) {
    char *p = anon(1);
    p[0] = 1;
    CHECK_ERR(mincore(p, PG, unmapped_page()), EFAULT);
}

TEST(mincore, length_zero_succeeds) {
    char *p = anon(1);
    unsigned char vec[1] = {0xee};
    CHECK_EQ(CHECK_OK(mincore(p, 0, vec)), 0);
    CHECK_EQ(vec[0], 0xee);
    /* Nothing is looked at, not even whether the address is mapped. */
    CHECK_EQ(CHECK_OK(mincore(unmapped_page(), 0, vec)), 0);
}

/* ---- mlock, mlock2, munlock ---- */

TEST(mlock, locks_populate_and_count_in_vmlck) {
    char *p = anon(4);
    long before = vm_locked_kb();
    CHECK_EQ(resident_pages(p, 4), 0);
    CHECK_EQ(CHECK_OK(mlock(p, 4 * PG)), 0);
    /* mlock faults every page in. */
    CHECK_EQ(resident_pages(p, 4), 4);
    CHECK_EQ(vm_locked_kb() - before, 16);
    CHECK_EQ(CHECK_OK(munlock(p, 4 * PG)), 0);
    CHECK_EQ(vm_locked_kb(), before);
}

TEST(mlock, unaligned_range_covers_the_pages_it_touches) {
    char *p = anon(4);
    long before = vm_locked_kb();
    /* From the middle of page 0 to one byte into page 2: pages 0, 1 and 2. */
    CHECK_OK(mlock(p + 100, 2 * PG - 100 + 1));
    CHECK_EQ(vm_locked_kb() - before, 12);
    unsigned char vec[4];
    CHECK_OK(mincore(p, 4 * PG, vec));
    CHECK_EQ(vec[2] & 1, 1);
    CHECK_EQ(vec[3] & 1, 0);
}

TEST(mlock, length_zero_succeeds) {
    char *p = anon(1);
    CHECK_EQ(CHECK_OK(mlock(p, 0)), 0);
    CHECK_EQ(CHECK_OK(munlock(p, 0)), 0);
}

TEST(mlock, unmapped_range_is_enomem) {
    CHECK_ERR(mlock(BAD_PTR, PG), ENOMEM);
    char *p = with_hole();
    CHECK_ERR(mlock(p, 3 * PG), ENOMEM);
}

TEST(munlock, unmapped_range_is_enomem) {
    CHECK_ERR(munlock(BAD_PTR, PG), ENOMEM);
    char *p = with_hole();
    CHECK_ERR(munlock(p, 3 * PG), ENOMEM);
}

TEST(mlock2, onfault_locks_without_populating) {
    char *p = anon(4);
    long before = vm_locked_kb();
    CHECK_EQ(CHECK_OK(syscall(SYS_mlock2, p, 4 * PG, MLOCK_ONFAULT)), 0);
    CHECK_EQ(vm_locked_kb() - before, 16);
    CHECK_EQ(resident_pages(p, 4), 0);
    p[PG] = 1;
    CHECK_EQ(resident_pages(p, 4), 1);
}

TEST(mlock2, no_flags_is_like_mlock) {
    char *p = anon(3);
    CHECK_EQ(CHECK_OK(syscall(SYS_mlock2, p, 3 * PG, 0)), 0);
    CHECK_EQ(resident_pages(p, 3), 3);
}

TEST(mlock2, bad_flags_is_einval) {
    char *p = anon(1);
    CHECK_ERR(syscall(SYS_mlock2, p, PG, 2), EINVAL);
    CHECK_ERR(syscall(SYS_mlock2, p, PG, MLOCK_ONFAULT | 0x100), EINVAL);
}

TEST(mlock2, unmapped_range_is_enomem) {
    CHECK_ERR(syscall(SYS_mlock2, BAD_PTR, PG, 0), ENOMEM);
}

/* ---- mlockall, munlockall ---- */

TEST(mlockall, bad_flags_are_einval) {
    CHECK_ERR(mlockall(0), EINVAL);
    CHECK_ERR(mlockall(8), EINVAL);
    CHECK_ERR(mlockall(MCL_CURRENT | 0x10), EINVAL);
    /* MCL_ONFAULT only modifies MCL_CURRENT or MCL_FUTURE. */
    CHECK_ERR(mlockall(MCL_ONFAULT), EINVAL);
}

TEST(mlockall, current_locks_existing_mappings) {
    char *p = anon(4);
    CHECK_EQ(CHECK_OK(mlockall(MCL_CURRENT)), 0);
    CHECK_EQ(resident_pages(p, 4), 4);
    CHECK(vm_locked_kb() >= 16);
    /* Only current ones: a new mapping is not locked. */
    long before = vm_locked_kb();
    char *q = anon(4);
    CHECK_EQ(vm_locked_kb(), before);
    CHECK_EQ(resident_pages(q, 4), 0);
}

TEST(mlockall, future_locks_later_mappings) {
    CHECK_EQ(CHECK_OK(mlockall(MCL_FUTURE)), 0);
    long before = vm_locked_kb();
    char *p = anon(4);
    CHECK_EQ(vm_locked_kb() - before, 16);
    /* A locked mapping is populated when it is made. */
    CHECK_EQ(resident_pages(p, 4), 4);
}

TEST(mlockall, future_onfault_locks_without_populating) {
    CHECK_EQ(CHECK_OK(mlockall(MCL_FUTURE | MCL_ONFAULT)), 0);
    long before = vm_locked_kb();
    char *p = anon(4);
    CHECK_EQ(vm_locked_kb() - before, 16);
    CHECK_EQ(resident_pages(p, 4), 0);
}

TEST(munlockall, unlocks_everything_and_stops_future_locking) {
    CHECK_OK(mlockall(MCL_CURRENT | MCL_FUTURE));
    CHECK(vm_locked_kb() > 0);
    CHECK_EQ(CHECK_OK(munlockall()), 0);
    CHECK_EQ(vm_locked_kb(), 0);
    anon(4);
    CHECK_EQ(vm_locked_kb(), 0);
}

TEST(mlockall, is_not_inherited_by_a_child) {
    CHECK_OK(mlockall(MCL_CURRENT | MCL_FUTURE));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(vm_locked_kb() == 0 ? 0 : 1);
    CHECK_EXIT(pid, 0);
}

/* ---- process_vm_readv, process_vm_writev ---- */

/* Set before the fork, so the same address in parent and child. */
static char shared_buf[64] = "before the fork";
static const char read_only[] = "read-only data";

struct peer {
    pid_t pid;
    int ready; /* the child writes a byte when it has changed shared_buf */
    int go;    /* the parent closes it to let the child check shared_buf and exit */
};

/* A child that stores `content` in shared_buf, says so, waits for the parent, then
 * exits 0 if shared_buf holds `expect` (or anything, if expect is 0). */
static struct peer start_peer(const char *content, const char *expect) {
    int up[2], down[2];
    CHECK_OK(pipe(up));
    CHECK_OK(pipe(down));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        close(up[0]);
        close(down[1]);
        strcpy(shared_buf, content);
        write(up[1], "r", 1);
        char c;
        read(down[0], &c, 1);
        _exit(expect == 0 || strcmp(shared_buf, expect) == 0 ? 0 : 1);
    }
    close(up[1]);
    close(down[0]);
    char c;
    CHECK_EQ(read(up[0], &c, 1), 1);
    return (struct peer){pid, up[0], down[1]};
}

static void end_peer(struct peer pr) {
    close(pr.go);
    CHECK_EXIT(pr.pid, 0);
    close(pr.ready);
}

static long vm_readv(pid_t pid, void *local, size_t llen, void *remote, size_t rlen) {
    struct iovec l = {local, llen}, r = {remote, rlen};
    return syscall(SYS_process_vm_readv, pid, &l, 1, &r, 1, 0);
}

TEST(process_vm_readv, reads_a_childs_memory) {
    strcpy(shared_buf, "before the fork");
    struct peer pr = start_peer("the child's data", 0);
    char got[64];
    memset(got, 0, sizeof got);
    CHECK_EQ(CHECK_OK(vm_readv(pr.pid, got, 17, shared_buf, 17)), 17);
    CHECK_STR(got, "the child's data");
    /* The parent's copy is its own. */
    CHECK_STR(shared_buf, "before the fork");
    end_peer(pr);
}

TEST(process_vm_readv, scatters_over_several_local_iovecs) {
    struct peer pr = start_peer("abcdefghij", 0);
    char a[3] = {0}, b[8] = {0};
    struct iovec l[2] = {{a, 2}, {b, 8}};
    struct iovec r[2] = {{shared_buf, 4}, {shared_buf + 4, 6}};
    CHECK_EQ(CHECK_OK(syscall(SYS_process_vm_readv, pr.pid, l, 2, r, 2, 0)), 10);
    CHECK_MEM(a, "ab", 2);
    CHECK_MEM(b, "cdefghij", 8);
    end_peer(pr);
}

TEST(process_vm_readv, of_the_calling_process) {
    char src[] = "own memory", dst[sizeof src] = {0};
    CHECK_EQ(CHECK_OK(vm_readv(getpid(), dst, sizeof src, src, sizeof src)), sizeof src);
    CHECK_STR(dst, "own memory");
}

TEST(process_vm_writev, writes_into_a_child) {
    struct peer pr = start_peer("child", "written by the parent");
    const char msg[] = "written by the parent";
    struct iovec l = {(void *)msg, sizeof msg}, r = {shared_buf, sizeof msg};
    CHECK_EQ(CHECK_OK(syscall(SYS_process_vm_writev, pr.pid, &l, 1, &r, 1, 0)), sizeof msg);
    end_peer(pr);
}

TEST(process_vm_writev, read_only_remote_memory_is_efault) {
    struct peer pr = start_peer("x", 0);
    char junk[8] = "junk";
    struct iovec l = {junk, 4}, r = {(void *)read_only, 4};
    CHECK_ERR(syscall(SYS_process_vm_writev, pr.pid, &l, 1, &r, 1, 0), EFAULT);
    /* Reading it is fine. */
    char got[sizeof read_only];
    CHECK_EQ(vm_readv(pr.pid, got, sizeof got, (void *)read_only, sizeof got), sizeof got);
    CHECK_STR(got, "read-only data");
    end_peer(pr);
}

TEST(process_vm_readv, nonexistent_pid_is_esrch) {
    char buf[8];
    CHECK_ERR(vm_readv(NO_PID, buf, 8, shared_buf, 8), ESRCH);
    struct iovec l = {buf, 8}, r = {shared_buf, 8};
    CHECK_ERR(syscall(SYS_process_vm_writev, NO_PID, &l, 1, &r, 1, 0), ESRCH);
}

TEST(process_vm_readv, exited_child_is_esrch) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0)
        _exit(0);
    siginfo_t si;
    /* A zombie: the pid exists, its memory does not. */
    CHECK_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
    char buf[8];
    CHECK_ERR(vm_readv(pid, buf, 8, shared_buf, 8), ESRCH);
    CHECK_EXIT(pid, 0);
}

TEST(process_vm_readv, nonzero_flags_is_einval) {
    char buf[8];
    struct iovec l = {buf, 8}, r = {shared_buf, 8};
    CHECK_ERR(syscall(SYS_process_vm_readv, getpid(), &l, 1, &r, 1, 1), EINVAL);
    CHECK_ERR(syscall(SYS_process_vm_writev, getpid(), &l, 1, &r, 1, 1), EINVAL);
}

TEST(process_vm_readv, bad_remote_address_is_efault) {
    struct peer pr = start_peer("x", 0);
    char buf[8];
    CHECK_ERR(vm_readv(pr.pid, buf, 8, BAD_PTR, 8), EFAULT);
    struct iovec l = {buf, 8}, r = {BAD_PTR, 8};
    CHECK_ERR(syscall(SYS_process_vm_writev, pr.pid, &l, 1, &r, 1, 0), EFAULT);
    end_peer(pr);
}

TEST(process_vm_readv, bad_local_address_is_efault) {
    struct peer pr = start_peer("x", 0);
    CHECK_ERR(vm_readv(pr.pid, BAD_PTR, 8, shared_buf, 8), EFAULT);
    end_peer(pr);
}

TEST(process_vm_readv, bad_second_remote_iovec_gives_a_partial_transfer) {
    struct peer pr = start_peer("partial!", 0);
    char buf[16] = {0};
    struct iovec l = {buf, 16};
    struct iovec r[2] = {{shared_buf, 8}, {BAD_PTR, 8}};
    CHECK_EQ(CHECK_OK(syscall(SYS_process_vm_readv, pr.pid, &l, 1, r, 2, 0)), 8);
    CHECK_MEM(buf, "partial!", 8);
    end_peer(pr);
}

TEST(process_vm_writev, bad_second_remote_iovec_gives_a_partial_transfer) {
    struct peer pr = start_peer("xxxxxxxx", "12345678");
    char msg[16] = "12345678abcdefgh";
    struct iovec l = {msg, 16};
    struct iovec r[2] = {{shared_buf, 8}, {BAD_PTR, 8}};
    CHECK_EQ(CHECK_OK(syscall(SYS_process_vm_writev, pr.pid, &l, 1, r, 2, 0)), 8);
    end_peer(pr);
}

TEST(process_vm_readv, more_than_iov_max_iovecs_is_einval) {
    static struct iovec many[1025];
    char buf[1025];
    for (int i = 0; i < 1025; i++)
        many[i] = (struct iovec){buf + i, 1};
    struct iovec one = {shared_buf, 1};
    CHECK_ERR(syscall(SYS_process_vm_readv, getpid(), many, 1025, &one, 1, 0), EINVAL);
    CHECK_ERR(syscall(SYS_process_vm_readv, getpid(), &one, 1, many, 1025, 0), EINVAL);
    /* IOV_MAX itself is fine. */
    struct iovec all = {buf, 1024};
    CHECK_EQ(CHECK_OK(syscall(SYS_process_vm_readv, getpid(), &all, 1, many, 1024, 0)), 1024);
}

TEST(process_vm_readv, zero_iovecs_returns_zero) {
    char buf[8];
    struct iovec l = {buf, 8}, r = {shared_buf, 8};
    CHECK_EQ(CHECK_OK(syscall(SYS_process_vm_readv, getpid(), &l, 0, &r, 1, 0)), 0);
    CHECK_EQ(CHECK_OK(syscall(SYS_process_vm_readv, getpid(), &l, 1, &r, 0, 0)), 0);
    CHECK_EQ(CHECK_OK(syscall(SYS_process_vm_writev, getpid(), &l, 0, &r, 0, 0)), 0);
    /* Nothing to transfer: the pid is not even looked up. */
    CHECK_EQ(CHECK_OK(syscall(SYS_process_vm_readv, NO_PID, &l, 0, &r, 1, 0)), 0);
}

TEST(mmap, map_populate_brings_anonymous_pages_in) {
    char *p = mmap(0, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    CHECK(p != MAP_FAILED);
    unsigned char vec[4];
    CHECK_OK(mincore(p, 4 * 4096, vec));
    for (int i = 0; i < 4; i++)
        CHECK_EQ(vec[i] & 1, 1);
}

TEST(mmap, map_locked_counts_in_vmlck) {
    long before = vm_locked_kb();
    char *p = mmap(0, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(vm_locked_kb() - before, 16);
    CHECK_OK(munmap(p, 4 * 4096));
    CHECK_EQ(vm_locked_kb(), before);
}

/* This machine's CPU has no protection keys (no pku in /proc/cpuinfo): Linux then
 * refuses every key. */
TEST(pkey_alloc, without_protection_keys_is_einval) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    CHECK(f != NULL);
    char line[4096];
    int pku = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "flags", 5) == 0 && strstr(line, " pku"))
            pku = 1;
    fclose(f);
    if (pku)
        return; /* A CPU with keys: nothing to state here. */
    CHECK_ERR(syscall(SYS_pkey_alloc, 0, 0), EINVAL);
    CHECK_ERR(syscall(SYS_pkey_free, 1), EINVAL);
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    CHECK_OK(syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, -1));
    CHECK_ERR(syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, 1), EINVAL);
}
