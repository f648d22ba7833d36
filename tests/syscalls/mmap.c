/* Memory mappings: mmap (anonymous and file mappings, MAP_FIXED, the faults an access
 * can raise), munmap, mprotect, brk, madvise, msync, mremap, and what a forked child
 * shares with its parent. */
#include "harness.h"

#include <setjmp.h>
#include <sys/mman.h>

#define PG 4096L

/* An anonymous private read-write mapping of n pages. */
static char *anon(long pages) {
    void *p = mmap(0, pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_MSG(p != MAP_FAILED, "mmap of %ld anonymous pages: %s", pages, strerror(errno));
    return p;
}

/* A file `path` of `size` bytes, each byte i holding 'a' + i % 26; returns an O_RDWR fd. */
static int make_file(const char *path, long size) {
    int fd = CHECK_OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));
    char buf[4096];
    for (long off = 0; off < size;) {
        long n = size - off < (long)sizeof buf ? size - off : (long)sizeof buf;
        for (long i = 0; i < n; i++)
            buf[i] = 'a' + (off + i) % 26;
        CHECK_EQ(pwrite(fd, buf, n, off), n);
        off += n;
    }
    return fd;
}

/* Fault probing: touches one byte and says which signal (0 if none) it raised. */
static sigjmp_buf probe_env;
static siginfo_t probe_info;

static void probe_handler(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    memcpy(&probe_info, si, sizeof probe_info);
    siglongjmp(probe_env, sig);
}

static int probe(void *addr, int store) {
    struct sigaction sa, old_segv, old_bus;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = probe_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(SIGSEGV, &sa, &old_segv));
    CHECK_OK(sigaction(SIGBUS, &sa, &old_bus));
    memset(&probe_info, 0, sizeof probe_info);
    volatile char *p = addr;
    int sig = sigsetjmp(probe_env, 1);
    if (sig == 0) {
        if (store)
            *p = 'x';
        else
            (void)*p;
    }
    sigaction(SIGSEGV, &old_segv, 0);
    sigaction(SIGBUS, &old_bus, 0);
    return sig;
}

/* ---- mmap ---- */

TEST(mmap, anonymous_memory_is_zeroed_and_writable) {
    char *p = anon(4);
    CHECK_EQ((uintptr_t)p % PG, 0);
    for (long i = 0; i < 4 * PG; i++)
        if (p[i] != 0)
            CHECK_MSG(0, "byte %ld is %d", i, p[i]);
    memset(p, 0x5a, 4 * PG);
    CHECK_EQ(p[4 * PG - 1], 0x5a);
}

TEST(mmap, zero_length_is_einval) {
    CHECK(mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    int fd = make_file("f", 100);
    CHECK(mmap(0, 0, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}

TEST(mmap, unaligned_offset_is_einval) {
    int fd = make_file("f", 3 * PG);
    CHECK(mmap(0, PG, PROT_READ, MAP_SHARED, fd, 100) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK(mmap(0, PG, PROT_READ, MAP_PRIVATE, fd, PG + 1) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}

TEST(mmap, file_mapping_of_a_bad_fd_is_ebadf) {
    CHECK(mmap(0, PG, PROT_READ, MAP_PRIVATE, -1, 0) == MAP_FAILED);
    CHECK_EQ(errno, EBADF);
    CHECK(mmap(0, PG, PROT_READ, MAP_SHARED, 12345, 0) == MAP_FAILED);
    CHECK_EQ(errno, EBADF);
}

TEST(mmap, neither_shared_nor_private_is_einval) {
    CHECK(mmap(0, PG, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    int fd = make_file("f", PG);
    CHECK(mmap(0, PG, PROT_READ, 0, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}

TEST(mmap, shared_validate_on_anonymous_memory_is_einval) {
    /* MAP_SHARED_VALIDATE (MAP_SHARED | MAP_PRIVATE) is only for file mappings. */
    CHECK(mmap(0, PG, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}

TEST(mmap, shared_validate_with_an_unknown_flag_is_eopnotsupp) {
    int fd = make_file("f", PG);
    char *p = mmap(0, PG, PROT_READ, MAP_SHARED_VALIDATE, fd, 0);
    CHECK(p != MAP_FAILED);
    /* MAP_SYNC needs a DAX file; 0x800000 is no flag at all. */
    CHECK(mmap(0, PG, PROT_READ, MAP_SHARED_VALIDATE | 0x800000, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EOPNOTSUPP);
}

TEST(mmap, result_is_page_aligned_even_for_an_unaligned_length) {
    char *p = mmap(0, 100, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ((uintptr_t)p % PG, 0);
    /* The whole page is mapped, not just the 100 bytes. */
    p[PG - 1] = 1;
    CHECK_EQ(p[PG - 1], 1);
}

TEST(mmap, map_fixed_replaces_an_existing_mapping) {
    char *p = anon(3);
    memset(p, 'o', 3 * PG);
    char *q = mmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                   -1, 0);
    CHECK(q == p + PG);
    CHECK_EQ(p[0], 'o');
    CHECK_EQ(q[0], 0); /* the replacement is fresh zeroed memory */
    CHECK_EQ(q[PG - 1], 0);
    CHECK_EQ(p[2 * PG], 'o');
}

TEST(mmap, map_fixed_unaligned_address_is_einval) {
    char *p = anon(2);
    CHECK(mmap(p + 1, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
          MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}

TEST(mmap, map_fixed_noreplace_over_a_mapping_is_eexist) {
    char *p = anon(2);
    p[PG] = 'k';
    CHECK(mmap(p + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
          MAP_FAILED);
    CHECK_EQ(errno, EEXIST);
    CHECK_EQ(p[PG], 'k'); /* untouched */
}

TEST(mmap, map_fixed_noreplace_on_a_free_range_maps_there) {
    char *p = anon(2);
    CHECK_OK(munmap(p, 2 * PG));
    char *q = mmap(p, 2 * PG, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(q == p);
    q[PG] = 1;
    CHECK_EQ(q[PG], 1);
}

TEST(mmap, hint_address_is_used_when_free) {
    char *p = anon(4);
    CHECK_OK(munmap(p, 4 * PG));
    char *q = mmap(p + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(q == p + PG);
}

TEST(mmap, huge_length_is_enomem) {
    CHECK(mmap(0, 1UL << 50, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
    CHECK_EQ(errno, ENOMEM);
}

TEST(mmap, shared_file_mapping_sees_later_writes) {
    int fd = make_file("f", 2 * PG);
    char *p = mmap(0, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(p[0], 'a');
    CHECK_EQ(pwrite(fd, "XYZ", 3, PG + 10), 3);
    CHECK_MEM(p + PG + 10, "XYZ", 3);
}

TEST(mmap, shared_file_mapping_stores_reach_read) {
    int fd = make_file("f", 2 * PG);
    char *p = mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    memcpy(p + PG + 5, "store", 5);
    char buf[5];
    CHECK_EQ(pread(fd, buf, 5, PG + 5), 5);
    CHECK_MEM(buf, "store", 5);
    /* And through another descriptor of the same file. */
    int fd2 = CHECK_OK(open("f", O_RDONLY));
    CHECK_EQ(pread(fd2, buf, 5, PG + 5), 5);
    CHECK_MEM(buf, "store", 5);
}

TEST(mmap, shared_file_mapping_at_an_offset_maps_that_part) {
    int fd = make_file("f", 3 * PG);
    char *p = mmap(0, PG, PROT_READ, MAP_SHARED, fd, 2 * PG);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(p[0], 'a' + (2 * PG) % 26);
    CHECK_EQ(p[1], 'a' + (2 * PG + 1) % 26);
}

TEST(mmap, two_shared_mappings_of_a_file_see_each_other) {
    int fd = make_file("f", PG);
    char *p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *q = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED && q != MAP_FAILED && p != q);
    p[7] = '!';
    CHECK_EQ(q[7], '!');
}

TEST(mmap, private_file_mapping_stores_stay_private) {
    int fd = make_file("f", PG);
    char *p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(p[3], 'd');
    p[3] = 'Q';
    CHECK_EQ(p[3], 'Q');
    char c;
    CHECK_EQ(pread(fd, &c, 1, 3), 1);
    CHECK_EQ(c, 'd');
    char *q = mmap(0, PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(q != MAP_FAILED);
    CHECK_EQ(q[3], 'd');
}

TEST(mmap, private_file_mapping_sees_writes_to_pages_it_has_not_written) {
    int fd = make_file("f", 2 * PG);
    char *p = mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(p[PG], 'a' + PG % 26);
    p[0] = 'P';
    CHECK_EQ(pwrite(fd, "WW", 2, 0), 2);
    CHECK_EQ(pwrite(fd, "VV", 2, PG), 2);
    /* The written page is the mapping's own; the untouched one is still the file's. */
    CHECK_EQ(p[0], 'P');
    CHECK_EQ(p[1], 'b');
    CHECK_EQ(p[PG], 'V');
}

TEST(mmap, private_file_mapping_write_by_a_system_call_stays_private) {
    int fd = make_file("f", PG);
    char *p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    int q[2];
    CHECK_OK(pipe(q));
    CHECK_EQ(write(q[1], "KK", 2), 2);
    /* read() stores into the mapping from the kernel side. */
    CHECK_EQ(read(q[0], p + 5, 2), 2);
    CHECK_EQ(p[5], 'K');
    char c;
    CHECK_EQ(pread(fd, &c, 1, 5), 1);
    CHECK_EQ(c, 'f');
    /* The page is the mapping's own now: later writes to the file do not show. */
    CHECK_EQ(pwrite(fd, "ZZZZZZZZ", 8, 0), 8);
    CHECK_EQ(p[0], 'a');
}

TEST(mmap, private_file_mapping_made_writable_by_mprotect_copies_on_write) {
    int fd = make_file("f", PG);
    char *p = mmap(0, PG, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(p[0], 'a');
    CHECK_OK(mprotect(p, PG, PROT_READ | PROT_WRITE));
    p[0] = 'M';
    char c;
    CHECK_EQ(pread(fd, &c, 1, 0), 1);
    CHECK_EQ(c, 'a');
    CHECK_EQ(p[0], 'M');
}

TEST(mmap, private_writable_mapping_of_a_read_only_fd_is_allowed) {
    make_file("f", PG);
    int fd = CHECK_OK(open("f", O_RDONLY));
    char *p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    p[0] = 'Z';
    CHECK_EQ(p[0], 'Z');
}

TEST(mmap, read_mapping_of_a_write_only_fd_is_eacces) {
    close(make_file("f", PG));
    int fd = CHECK_OK(open("f", O_WRONLY));
    CHECK(mmap(0, PG, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EACCES);
    CHECK(mmap(0, PG, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EACCES);
}

TEST(mmap, shared_writable_mapping_of_a_read_only_fd_is_eacces) {
    close(make_file("f", PG));
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK(mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EACCES);
    /* Read-only shared is fine. */
    char *p = mmap(0, PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
}

TEST(mmap, directory_fd_is_enodev) {
    int fd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
    CHECK(mmap(0, PG, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, ENODEV);
}

TEST(mmap, tail_of_the_last_page_past_eof_reads_zero) {
    int fd = make_file("f", 100);
    char *p = mmap(0, PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(p[99], 'a' + 99 % 26);
    CHECK_EQ(p[100], 0);
    CHECK_EQ(p[PG - 1], 0);
}

TEST(mmap, access_to_a_page_past_eof_is_sigbus) {
    int fd = make_file("f", 100);
    char *p = mmap(0, 3 * PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(probe(p, 0), 0);
    CHECK_EQ(probe(p + 2 * PG + 8, 0), SIGBUS);
    CHECK_EQ(probe_info.si_signo, SIGBUS);
    CHECK_EQ(probe_info.si_code, BUS_ADRERR);
    CHECK(probe_info.si_addr == p + 2 * PG + 8);
}

TEST(mmap, file_grown_after_mmap_becomes_accessible) {
    int fd = make_file("f", 100);
    char *p = mmap(0, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(probe(p + PG, 0), SIGBUS);
    CHECK_OK(ftruncate(fd, 2 * PG));
    CHECK_EQ(probe(p + PG, 0), 0);
    CHECK_EQ(p[PG], 0);
}

TEST(mmap, store_to_a_read_only_page_is_segv_accerr) {
    char *p = mmap(0, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(probe(p + PG + 16, 0), 0);
    CHECK_EQ(probe(p + PG + 16, 1), SIGSEGV);
    CHECK_EQ(probe_info.si_signo, SIGSEGV);
    CHECK_EQ(probe_info.si_code, SEGV_ACCERR);
    CHECK(probe_info.si_addr == p + PG + 16);
}

TEST(mmap, access_to_a_prot_none_page_is_segv_accerr) {
    char *p = mmap(0, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(probe(p + 1, 0), SIGSEGV);
    CHECK_EQ(probe_info.si_code, SEGV_ACCERR);
    CHECK(probe_info.si_addr == p + 1);
}

TEST(mmap, access_to_an_unmapped_page_is_segv_maperr) {
    char *p = BAD_PTR;
    CHECK_EQ(probe(p + 24, 0), SIGSEGV);
    CHECK_EQ(probe_info.si_signo, SIGSEGV);
    CHECK_EQ(probe_info.si_code, SEGV_MAPERR);
    CHECK(probe_info.si_addr == p + 24);
    CHECK_EQ(probe(p + 8, 1), SIGSEGV);
    CHECK_EQ(probe_info.si_code, SEGV_MAPERR);
    CHECK(probe_info.si_addr == p + 8);
}

TEST(mmap, unhandled_segv_kills_the_process) {
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        *(volatile char *)BAD_PTR = 1;
        _exit(0);
    }
    CHECK_EXIT(pid, 128 + SIGSEGV);
}

TEST(mmap, private_anonymous_memory_is_copied_into_a_forked_child) {
    char *p = anon(2);
    strcpy(p, "parent");
    strcpy(p + PG, "second");
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        CHECK_STR(p, "parent");
        CHECK_STR(p + PG, "second");
        strcpy(p, "child");
        CHECK_STR(p, "child");
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
    CHECK_STR(p, "parent");
}

TEST(mmap, parent_writes_after_fork_are_not_seen_by_the_child) {
    char *p = anon(1);
    int go[2], done[2];
    CHECK_OK(pipe(go));
    CHECK_OK(pipe(done));
    p[0] = 'A';
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        char c;
        CHECK_EQ(read(go[0], &c, 1), 1);
        CHECK_EQ(p[0], 'A');
        _exit(0);
    }
    p[0] = 'B';
    CHECK_EQ(write(go[1], "g", 1), 1);
    CHECK_EXIT(pid, 0);
    CHECK_EQ(p[0], 'B');
}

TEST(mmap, shared_file_mapping_stores_of_a_child_reach_the_parent) {
    int fd = make_file("f", PG);
    char *p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        memcpy(p, "from child", 10);
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
    CHECK_MEM(p, "from child", 10);
}

TEST(mmap, shared_anonymous_memory_is_shared_with_a_forked_child) {
    char *p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(p[0], 0);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        strcpy(p, "shared");
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
    CHECK_STR(p, "shared");
}

TEST(mmap, private_file_mapping_stores_of_a_child_stay_in_the_child) {
    int fd = make_file("f", PG);
    char *p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        p[0] = '#';
        CHECK_EQ(p[0], '#');
        _exit(0);
    }
    CHECK_EXIT(pid, 0);
    CHECK_EQ(p[0], 'a');
    char c;
    CHECK_EQ(pread(fd, &c, 1, 0), 1);
    CHECK_EQ(c, 'a');
}

/* ---- munmap ---- */

TEST(munmap, unaligned_address_is_einval) {
    char *p = anon(2);
    CHECK_ERR(munmap(p + 1, PG), EINVAL);
    CHECK_EQ(p[0], 0); /* still mapped */
}

TEST(munmap, zero_length_is_einval) {
    char *p = anon(1);
    CHECK_ERR(munmap(p, 0), EINVAL);
}

TEST(munmap, unmapped_page_faults_with_maperr) {
    char *p = anon(1);
    p[0] = 1;
    CHECK_OK(munmap(p, PG));
    CHECK_EQ(probe(p, 0), SIGSEGV);
    CHECK_EQ(probe_info.si_code, SEGV_MAPERR);
}

TEST(munmap, partial_unmap_splits_the_mapping) {
    char *p = anon(3);
    memset(p, 'm', 3 * PG);
    CHECK_OK(munmap(p + PG, PG));
    CHECK_EQ(probe(p, 0), 0);
    CHECK_EQ(p[PG - 1], 'm');
    CHECK_EQ(probe(p + PG, 0), SIGSEGV);
    CHECK_EQ(probe_info.si_code, SEGV_MAPERR);
    CHECK_EQ(probe(p + 2 * PG, 0), 0);
    CHECK_EQ(p[2 * PG], 'm');
    /* The two halves are separate mappings now: each can be unmapped alone. */
    CHECK_OK(munmap(p, PG));
    CHECK_EQ(p[2 * PG + 1], 'm');
}

TEST(munmap, range_with_nothing_mapped_succeeds) {
    char *p = anon(2);
    CHECK_OK(munmap(p, 2 * PG));
    CHECK_OK(munmap(p, 2 * PG));
}

TEST(munmap, unaligned_length_is_rounded_up) {
    char *p = anon(2);
    CHECK_OK(munmap(p, PG + 1));
    CHECK_EQ(probe(p + PG, 0), SIGSEGV);
}

/* ---- mprotect ---- */

TEST(mprotect, removing_write_makes_stores_fault) {
    char *p = anon(1);
    p[0] = 'w';
    CHECK_OK(mprotect(p, PG, PROT_READ));
    CHECK_EQ(probe(p, 0), 0);
    CHECK_EQ(p[0], 'w');
    CHECK_EQ(probe(p + 4, 1), SIGSEGV);
    CHECK_EQ(probe_info.si_code, SEGV_ACCERR);
    CHECK(probe_info.si_addr == p + 4);
}

TEST(mprotect, adding_write_allows_stores) {
    char *p = mmap(0, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    CHECK_OK(mprotect(p, PG, PROT_READ | PROT_WRITE));
    CHECK_EQ(probe(p, 1), 0);
    CHECK_EQ(p[0], 'x');
}

TEST(mprotect, prot_none_makes_reads_fault) {
    char *p = anon(2);
    CHECK_OK(mprotect(p + PG, PG, PROT_NONE));
    CHECK_EQ(probe(p, 0), 0);
    CHECK_EQ(probe(p + PG, 0), SIGSEGV);
    CHECK_EQ(probe_info.si_code, SEGV_ACCERR);
}

TEST(mprotect, unaligned_address_is_einval) {
    char *p = anon(1);
    CHECK_ERR(mprotect(p + 8, PG, PROT_READ), EINVAL);
}

TEST(mprotect, unmapped_range_is_enomem) {
    CHECK_ERR(mprotect(BAD_PTR, PG, PROT_READ), ENOMEM);
    /* A range that runs off the end of a mapping, too. */
    char *p = anon(2);
    CHECK_OK(munmap(p + PG, PG));
    CHECK_ERR(mprotect(p, 2 * PG, PROT_READ), ENOMEM);
}

TEST(mprotect, unknown_prot_bit_is_einval) {
    char *p = anon(1);
    CHECK_ERR(mprotect(p, PG, PROT_READ | 0x10), EINVAL);
}

TEST(mprotect, write_on_a_shared_read_only_file_mapping_is_eacces) {
    close(make_file("f", PG));
    int fd = CHECK_OK(open("f", O_RDONLY));
    char *p = mmap(0, PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK_ERR(mprotect(p, PG, PROT_READ | PROT_WRITE), EACCES);
}

/* ---- brk ---- */

static uintptr_t sys_brk(uintptr_t addr) { return (uintptr_t)syscall(SYS_brk, addr); }

TEST(brk, zero_queries_the_current_break) {
    uintptr_t a = sys_brk(0);
    CHECK(a != 0);
    CHECK_EQ(sys_brk(0), a);
}

TEST(brk, growing_gives_zeroed_writable_memory) {
    uintptr_t cur = sys_brk(0);
    uintptr_t want = cur + 5 * PG;
    CHECK_EQ(sys_brk(want), want);
    CHECK_EQ(sys_brk(0), want);
    char *p = (char *)cur;
    for (long i = 0; i < 5 * PG; i++)
        if (p[i] != 0)
            CHECK_MSG(0, "brk byte %ld is %d", i, p[i]);
    memset(p, 7, 5 * PG);
    CHECK_EQ(p[5 * PG - 1], 7);
}

TEST(brk, shrinking_unmaps_the_pages_above) {
    uintptr_t cur = sys_brk(0);
    uintptr_t top = (cur + PG - 1) & ~(PG - 1);
    CHECK_EQ(sys_brk(top + 4 * PG), top + 4 * PG);
    ((char *)top)[2 * PG] = 1;
    CHECK_EQ(sys_brk(top + PG), top + PG);
    CHECK_EQ(sys_brk(0), top + PG);
    CHECK_EQ(probe((char *)top, 1), 0);
    CHECK_EQ(probe((char *)top + 2 * PG, 0), SIGSEGV);
}

TEST(brk, regrown_memory_is_zeroed_again) {
    uintptr_t cur = sys_brk(0);
    uintptr_t top = (cur + PG - 1) & ~(PG - 1);
    CHECK_EQ(sys_brk(top + 2 * PG), top + 2 * PG);
    memset((char *)top, 0x33, 2 * PG);
    CHECK_EQ(sys_brk(top), top);
    CHECK_EQ(sys_brk(top + 2 * PG), top + 2 * PG);
    CHECK_EQ(((char *)top)[0], 0);
    CHECK_EQ(((char *)top)[PG + 5], 0);
}

TEST(brk, request_below_the_start_leaves_the_break_unchanged) {
    uintptr_t cur = sys_brk(0);
    CHECK_EQ(sys_brk(4096), cur);
    CHECK_EQ(sys_brk(0), cur);
}

TEST(brk, request_over_a_mapping_fails) {
    uintptr_t cur = sys_brk(0);
    uintptr_t top = (cur + PG - 1) & ~(PG - 1);
    char *m = mmap((char *)top + 4 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                   -1, 0);
    CHECK(m == (char *)top + 4 * PG);
    /* Growing into the mapping is refused: the old break comes back. */
    CHECK_EQ(sys_brk(top + 8 * PG), cur);
    CHECK_EQ(sys_brk(0), cur);
}

/* ---- madvise ---- */

TEST(madvise, dontneed_zeroes_private_anonymous_pages) {
    char *p = anon(3);
    memset(p, 'd', 3 * PG);
    CHECK_OK(madvise(p + PG, PG, MADV_DONTNEED));
    CHECK_EQ(p[0], 'd');
    CHECK_EQ(p[PG], 0);
    CHECK_EQ(p[2 * PG - 1], 0);
    CHECK_EQ(p[2 * PG], 'd');
}

TEST(madvise, dontneed_on_a_private_file_mapping_reverts_to_the_file) {
    int fd = make_file("f", PG);
    char *p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    p[0] = '*';
    CHECK_OK(madvise(p, PG, MADV_DONTNEED));
    CHECK_EQ(p[0], 'a');
}

TEST(madvise, dontneed_on_a_shared_file_mapping_keeps_the_data) {
    int fd = make_file("f", PG);
    char *p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    p[1] = '*';
    CHECK_OK(madvise(p, PG, MADV_DONTNEED));
    CHECK_EQ(p[0], 'a');
    CHECK_EQ(p[1], '*');
}

TEST(madvise, unknown_advice_is_einval) {
    char *p = anon(1);
    CHECK_ERR(madvise(p, PG, 12345), EINVAL);
}

TEST(madvise, unaligned_address_is_einval) {
    char *p = anon(1);
    CHECK_ERR(madvise(p + 1, 100, MADV_DONTNEED), EINVAL);
}

TEST(madvise, unmapped_range_is_enomem) {
    CHECK_ERR(madvise(BAD_PTR, PG, MADV_DONTNEED), ENOMEM);
    CHECK_ERR(madvise(BAD_PTR, PG, MADV_NORMAL), ENOMEM);
}

TEST(madvise, willneed_and_normal_are_accepted) {
    char *p = anon(2);
    p[0] = 3;
    CHECK_OK(madvise(p, 2 * PG, MADV_WILLNEED));
    CHECK_OK(madvise(p, 2 * PG, MADV_NORMAL));
    CHECK_EQ(p[0], 3);
}

TEST(madvise, zero_length_succeeds_and_changes_nothing) {
    char *p = anon(1);
    p[0] = 3;
    CHECK_OK(madvise(p, 0, MADV_DONTNEED));
    CHECK_EQ(p[0], 3);
}

/* ---- msync ---- */

TEST(msync, sync_and_async_together_is_einval) {
    int fd = make_file("f", PG);
    char *p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK_ERR(msync(p, PG, MS_SYNC | MS_ASYNC), EINVAL);
    CHECK_ERR(msync(p, PG, 0x100), EINVAL);
}

TEST(msync, unaligned_address_is_einval) {
    char *p = anon(1);
    CHECK_ERR(msync(p + 1, PG, MS_SYNC), EINVAL);
}

TEST(msync, unmapped_range_is_enomem) {
    CHECK_ERR(msync(BAD_PTR, PG, MS_SYNC), ENOMEM);
}

TEST(msync, sync_of_a_shared_file_mapping_succeeds_and_data_is_in_the_file) {
    int fd = make_file("f", PG);
    char *p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    memcpy(p + 100, "synced", 6);
    CHECK_OK(msync(p, PG, MS_SYNC));
    CHECK_OK(msync(p, PG, MS_ASYNC | MS_INVALIDATE));
    char buf[6];
    CHECK_EQ(pread(fd, buf, 6, 100), 6);
    CHECK_MEM(buf, "synced", 6);
}

/* ---- mremap (not in Veil yet) ---- */

TEST(mremap, maymove_grows_a_mapping_keeping_its_contents) {
    char *p = anon(1);
    strcpy(p, "keep me");
    char *q = mremap(p, PG, 4 * PG, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED);
    CHECK_STR(q, "keep me");
    q[4 * PG - 1] = 1;
    CHECK_EQ(q[3 * PG], 0);
}

TEST(mremap, shrinking_in_place_unmaps_the_tail) {
    char *p = anon(3);
    char *q = mremap(p, 3 * PG, PG, 0);
    CHECK(q == p);
    CHECK_EQ(probe(p, 1), 0);
    CHECK_EQ(probe(p + 2 * PG, 0), SIGSEGV);
}

/* ---- fork shares big anonymous memory copy-on-write (the sentry copies small
 * mappings at once and shares large ones, so these use 4 MiB) ---- */

#define BIG (4L << 20)

static char *big_filled(char c) {
    char *p = mmap(0, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    memset(p, c, BIG);
    return p;
}

/* Whether every byte of [p, p+n) is c. */
static int all_are(const char *p, long n, char c) {
    for (long i = 0; i < n; i++)
        if (p[i] != c)
            return 0;
    return 1;
}

TEST(clone, big_private_memory_is_copy_on_write_both_ways) {
    char *p = big_filled('a');
    int to_child[2], to_parent[2];
    CHECK_OK(pipe(to_child));
    CHECK_OK(pipe(to_parent));
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        char c;
        if (!all_are(p, BIG, 'a'))
            _exit(1);
        p[0] = 'c';
        p[BIG - 1] = 'c';
        if (write(to_parent[1], "w", 1) != 1 || read(to_child[0], &c, 1) != 1)
            _exit(2);
        /* The parent wrote meanwhile: this child must not see it. */
        if (p[1] != 'a' || p[BIG / 2] != 'a' || p[0] != 'c' || p[BIG - 1] != 'c')
            _exit(3);
        _exit(0);
    }
    char c;
    CHECK_EQ(read(to_parent[0], &c, 1), 1);
    CHECK_EQ(p[0], 'a');
    CHECK_EQ(p[BIG - 1], 'a');
    p[1] = 'p';
    p[BIG / 2] = 'p';
    CHECK_EQ(write(to_child[1], "g", 1), 1);
    CHECK_EXIT(pid, 0);
    /* The child is gone: the parent's memory is still its own, old and new. */
    CHECK_EQ(p[0], 'a');
    CHECK_EQ(p[1], 'p');
    CHECK_EQ(p[BIG / 2], 'p');
    p[2] = 'q';
    CHECK_EQ(p[2], 'q');
    CHECK(all_are(p + 3, BIG / 2 - 3, 'a'));
}

TEST(clone, big_private_memory_survives_two_generations_of_fork) {
    char *p = big_filled('x');
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        p[10] = 'y';
        pid_t grandchild = fork();
        if (grandchild < 0)
            _exit(1);
        if (grandchild == 0) {
            if (p[10] != 'y' || p[11] != 'x')
                _exit(2);
            p[11] = 'z';
            _exit(p[11] == 'z' ? 0 : 3);
        }
        int st;
        if (waitpid(grandchild, &st, 0) != grandchild || !WIFEXITED(st) || WEXITSTATUS(st))
            _exit(4);
        _exit(p[11] == 'x' && p[10] == 'y' ? 0 : 5);
    }
    CHECK_EXIT(pid, 0);
    CHECK_EQ(p[10], 'x');
    CHECK_EQ(p[11], 'x');
}

TEST(madvise, dontneed_after_fork_zeroes_big_shared_anonymous_memory) {
    char *p = big_filled('m');
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        if (madvise(p, BIG, MADV_DONTNEED) != 0)
            _exit(1);
        _exit(all_are(p, BIG, 0) ? 0 : 2);
    }
    CHECK_EXIT(pid, 0);
    CHECK(all_are(p, BIG, 'm'));
}

TEST(mremap, growing_big_memory_after_fork_keeps_it_and_adds_zeroes) {
    char *p = big_filled('r');
    pid_t pid = CHECK_OK(fork());
    if (pid == 0) {
        char *q = mremap(p, BIG, 2 * BIG, MREMAP_MAYMOVE);
        if (q == MAP_FAILED)
            _exit(1);
        if (!all_are(q, BIG, 'r') || !all_are(q + BIG, BIG, 0))
            _exit(2);
        q[BIG + 5] = 's';
        _exit(q[BIG + 5] == 's' ? 0 : 3);
    }
    CHECK_EXIT(pid, 0);
    CHECK(all_are(p, BIG, 'r'));
}
