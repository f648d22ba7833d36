/* memfd_create and file seals (F_ADD_SEALS, F_GET_SEALS). */
#include "harness.h"

#include <sys/mman.h>

TEST(memfd_create, is_an_anonymous_regular_file) {
    int fd = CHECK_OK(memfd_create("veil", MFD_CLOEXEC));
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_size, 0);
    CHECK_EQ(st.st_nlink, 0);
    char path[64], target[128] = {0};
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    CHECK(readlink(path, target, sizeof target - 1) > 0);
    CHECK_STR(target, "/memfd:veil (deleted)");
}

TEST(memfd_create, data_round_trips_and_maps_shared) {
    int fd = CHECK_OK(memfd_create("data", 0));
    CHECK_EQ(write(fd, "hello", 5), 5);
    CHECK_OK(ftruncate(fd, 4096));
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK_MEM(p, "hello", 5);
    memcpy(p, "HE", 2);
    char buf[8];
    CHECK_EQ(pread(fd, buf, 5, 0), 5);
    CHECK_MEM(buf, "HEllo", 5);
    /* A second open through /proc shares the data. */
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int again = CHECK_OK(open(path, O_RDONLY));
    CHECK_EQ(pread(again, buf, 5, 0), 5);
    CHECK_MEM(buf, "HEllo", 5);
}

TEST(memfd_create, errors) {
    char long_name[300];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = 0;
    CHECK_ERR(memfd_create(long_name, 0), EINVAL);
    CHECK_ERR(memfd_create("x", 0x100), EINVAL);
    CHECK_ERR(syscall(SYS_memfd_create, BAD_PTR, 0), EFAULT);
    char ok_name[250];
    memset(ok_name, 'y', 249);
    ok_name[249] = 0;
    CHECK_OK(memfd_create(ok_name, 0));
}

TEST(fcntl, memfd_without_allow_sealing_is_sealed_against_seals) {
    int fd = CHECK_OK(memfd_create("s", 0));
    CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
    CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
}

TEST(fcntl, seals_on_non_memfd_files_are_einval) {
    int f = CHECK_OK(open("f", O_CREAT | O_RDWR, 0600));
    CHECK_ERR(fcntl(f, F_GET_SEALS), EINVAL);
    CHECK_ERR(fcntl(f, F_ADD_SEALS, F_SEAL_WRITE), EINVAL);
    int fd = CHECK_OK(memfd_create("s", MFD_ALLOW_SEALING));
    CHECK_EQ(fcntl(fd, F_GET_SEALS), 0);
    CHECK_ERR(fcntl(fd, F_ADD_SEALS, 0x1000), EINVAL);
}

TEST(fcntl, seal_shrink_and_grow_fix_the_size) {
    int fd = CHECK_OK(memfd_create("s", MFD_ALLOW_SEALING));
    CHECK_OK(ftruncate(fd, 100));
    CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
    CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW);
    CHECK_ERR(ftruncate(fd, 50), EPERM);
    CHECK_ERR(ftruncate(fd, 200), EPERM);
    CHECK_OK(ftruncate(fd, 100));
    CHECK_EQ(pwrite(fd, "ab", 2, 10), 2);
    CHECK_ERR(pwrite(fd, "ab", 2, 99), EPERM);
    CHECK_ERR(fallocate(fd, 0, 0, 4096), EPERM);
}

TEST(fcntl, seal_write_refuses_writes_and_shared_writable_maps) {
    int fd = CHECK_OK(memfd_create("s", MFD_ALLOW_SEALING));
    CHECK_EQ(write(fd, "abc", 3), 3);
    CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    CHECK_ERR(write(fd, "x", 1), EPERM);
    CHECK_ERR(pwrite(fd, "x", 1, 0), EPERM);
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EPERM);
    void *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(ro != MAP_FAILED);
    /* A private writable mapping copies: allowed. */
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) != MAP_FAILED);
    char buf[4];
    CHECK_EQ(pread(fd, buf, 3, 0), 3);
    CHECK_MEM(buf, "abc", 3);
}

TEST(fcntl, seal_seal_freezes_the_seals) {
    int fd = CHECK_OK(memfd_create("s", MFD_ALLOW_SEALING));
    CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
    CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), EPERM);
    CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
}

TEST(fcntl, adding_seals_needs_a_writable_descriptor) {
    int fd = CHECK_OK(memfd_create("s", MFD_ALLOW_SEALING));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int ro = CHECK_OK(open(path, O_RDONLY));
    CHECK_ERR(fcntl(ro, F_ADD_SEALS, F_SEAL_GROW), EPERM);
}
