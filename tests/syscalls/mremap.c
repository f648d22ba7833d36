/* mremap: shrinking, growing in place, moving (MAYMOVE, FIXED, DONTUNMAP), duplicating
 * a shared mapping, and the argument errors. */
#include "harness.h"

#include <sys/mman.h>

#define PG 4096L

static char *map_anon(long len) {
    char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    return p;
}

static void fill(char *p, long len) {
    for (long i = 0; i < len; i += PG)
        p[i] = (char)(i / PG + 1);
}

static void check_fill(const char *p, long len) {
    for (long i = 0; i < len; i += PG)
        CHECK_MSG(p[i] == (char)(i / PG + 1), "page %ld holds %d", i / PG, p[i]);
}

TEST(mremap, shrink_keeps_the_address_and_unmaps_the_tail) {
    char *p = map_anon(4 * PG);
    fill(p, 4 * PG);
    char *q = mremap(p, 4 * PG, 2 * PG, 0);
    CHECK(q == p);
    check_fill(q, 2 * PG);
    /* The tail is gone: mapping it again with NOREPLACE succeeds. */
    void *t = mmap(p + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(t == p + 2 * PG);
}

TEST(mremap, grow_in_place_when_the_space_after_is_free) {
    char *p = map_anon(4 * PG);
    CHECK_OK(munmap(p + 2 * PG, 2 * PG));
    fill(p, 2 * PG);
    char *q = mremap(p, 2 * PG, 4 * PG, 0);
    CHECK(q == p);
    check_fill(q, 2 * PG);
    CHECK_EQ(q[3 * PG], 0);
    q[3 * PG] = 9;
}

TEST(mremap, grow_without_maymove_is_enomem_when_blocked) {
    char *p = map_anon(2 * PG);
    /* A mapping right after it blocks growth. */
    CHECK_OK(mprotect(p + PG, PG, PROT_READ));
    CHECK(mremap(p, PG, 2 * PG, 0) == MAP_FAILED && errno == ENOMEM);
    harness_checks++;
}

TEST(mremap, maymove_moves_the_contents) {
    char *p = map_anon(3 * PG);
    CHECK_OK(munmap(p + 2 * PG, PG));
    CHECK_OK(mprotect(p + PG, PG, PROT_NONE)); /* a separate VMA right after p */
    fill(p, PG);
    char *q = mremap(p, PG, 8 * PG, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED && q != p);
    check_fill(q, PG);
    CHECK_EQ(q[7 * PG], 0);
    /* The old page is unmapped. */
    CHECK_ERR(msync(p, PG, MS_ASYNC), ENOMEM);
}

TEST(mremap, fixed_moves_to_the_given_address) {
    char *p = map_anon(2 * PG);
    fill(p, 2 * PG);
    char *dest = map_anon(4 * PG); /* reserve a place, replaced by the move */
    char *q = mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
    CHECK(q == dest);
    check_fill(q, 2 * PG);
    CHECK_ERR(msync(p, PG, MS_ASYNC), ENOMEM);
}

TEST(mremap, fixed_overlapping_the_old_range_is_einval) {
    char *p = map_anon(4 * PG);
    CHECK(mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, p + PG) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}

TEST(mremap, fixed_without_maymove_is_einval) {
    char *p = map_anon(PG);
    CHECK(mremap(p, PG, PG, MREMAP_FIXED, p + 16 * PG) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}

TEST(mremap, dontunmap_leaves_zeroed_anonymous_memory_behind) {
    char *p = map_anon(2 * PG);
    fill(p, 2 * PG);
    /* Without MREMAP_FIXED the new address is still read, as a hint: pass 0. */
    char *q = mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
    CHECK(q != MAP_FAILED && q != p);
    check_fill(q, 2 * PG);
    CHECK_EQ(p[0], 0);
    CHECK_EQ(p[PG], 0);
}

TEST(mremap, dontunmap_with_a_new_size_is_einval) {
    char *p = map_anon(2 * PG);
    CHECK(mremap(p, 2 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}

TEST(mremap, unknown_flag_is_einval) {
    char *p = map_anon(PG);
    CHECK(mremap(p, PG, PG, 0x80) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}

TEST(mremap, unaligned_address_is_einval) {
    char *p = map_anon(2 * PG);
    CHECK(mremap(p + 1, PG, PG, MREMAP_MAYMOVE) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}

TEST(mremap, zero_new_size_is_einval) {
    char *p = map_anon(PG);
    CHECK(mremap(p, PG, 0, MREMAP_MAYMOVE) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}

TEST(mremap, unmapped_old_range_is_efault) {
    char *p = map_anon(2 * PG);
    CHECK_OK(munmap(p, 2 * PG));
    CHECK(mremap(p, PG, 2 * PG, MREMAP_MAYMOVE) == MAP_FAILED);
    CHECK_EQ(errno, EFAULT);
}

TEST(mremap, zero_old_size_duplicates_a_shared_file_mapping) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_OK(ftruncate(fd, PG));
    char *p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    char *q = mremap(p, 0, PG, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED && q != p);
    p[10] = 'x';
    CHECK_EQ(q[10], 'x');
}

TEST(mremap, zero_old_size_of_private_memory_is_einval) {
    char *p = map_anon(PG);
    CHECK(mremap(p, 0, PG, MREMAP_MAYMOVE) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}

TEST(mremap, moved_shared_file_mapping_still_reaches_the_file) {
    int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_OK(ftruncate(fd, 2 * PG));
    char *p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    char *q = mremap(p, PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, map_anon(2 * PG));
    CHECK(q != MAP_FAILED);
    q[5] = 'a';
    q[PG + 5] = 'b';
    char buf[2];
    CHECK_EQ(pread(fd, &buf[0], 1, 5), 1);
    CHECK_EQ(pread(fd, &buf[1], 1, PG + 5), 1);
    CHECK_EQ(buf[0], 'a');
    CHECK_EQ(buf[1], 'b');
    CHECK_EQ(pwrite(fd, "z", 1, 6), 1);
    CHECK_EQ(q[6], 'z');
}

TEST(mremap, realloc_of_a_large_block_keeps_its_contents) {
    size_t n = 1 << 20;
    char *p = malloc(n);
    CHECK(p != 0);
    memset(p, 7, n);
    for (int i = 0; i < 5; i++) {
        n *= 2;
        p = realloc(p, n);
        CHECK(p != 0);
        CHECK_EQ(p[n / 2 - 1], 7);
        memset(p + n / 2, 7, n / 2);
    }
    free(p);
}

TEST(mremap, dontunmap_with_an_unaligned_hint_is_einval) {
    char *p = map_anon(PG);
    CHECK(mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, (void *)1) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}
