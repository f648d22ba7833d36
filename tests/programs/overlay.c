/* The overlay under veil do: the host's / below, an in-memory upper layer above.
 * Usage: overlay LOWERDIR
 * LOWERDIR is a host directory prepared by the test with:
 *   file (content "lower data\n", mode 0640, xattr user.tag=v), dir/inner ("inner\n"),
 *   dir/sub/deep, link -> file, tree/a/b/c ("c\n").
 * Every check prints what failed and exits 1; "overlay ok" on success. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *base;
static char buf[4096];

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);           \
            fprintf(stderr, __VA_ARGS__);                                  \
            fprintf(stderr, " (errno %d %s)\n", errno, strerror(errno));   \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

static const char *p(const char *rel) {
    static char paths[8][512];
    static int n;
    char *out = paths[n++ % 8];
    snprintf(out, 512, "%s/%s", base, rel);
    return out;
}

static ssize_t slurp(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n >= 0) buf[n] = 0;
    return n;
}

static int count_entries(const char *dir, const char *name) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    if (!d) return -1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, name) == 0) n++;
    closedir(d);
    return n;
}

static void *racer(void *arg) {
    long i = (long)arg;
    int fd = open(p("race"), O_WRONLY);
    if (fd < 0) return (void *)1;
    char c = 'A' + i;
    if (pwrite(fd, &c, 1, i) != 1) return (void *)2;
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    CHECK(argc == 2, "usage: overlay LOWERDIR");
    base = argv[1];

    /* A read-only fd opened before the copy-up reads the upper's data afterwards. */
    int ro = open(p("file"), O_RDONLY);
    CHECK(ro >= 0, "open ro");
    /* A lower file mapped MAP_SHARED before the copy-up... */
    char *shared = mmap(0, 4096, PROT_READ, MAP_SHARED, ro, 0);
    CHECK(shared != MAP_FAILED, "mmap shared of a lower file");
    CHECK(memcmp(shared, "lower data", 10) == 0, "mapping shows the lower data: %.10s", shared);
    struct stat before;
    CHECK(stat(p("file"), &before) == 0, "stat before");

    /* Opening a lower file for writing copies it up; the write lands. */
    int fd = open(p("file"), O_WRONLY);
    CHECK(fd >= 0, "open for writing");
    CHECK(write(fd, "UPPER", 5) == 5, "write");
    close(fd);
    CHECK(pread(ro, buf, 10, 0) == 10 && memcmp(buf, "UPPER data", 10) == 0, "ro fd sees upper data: %.10s", buf);
    /* ... shows the bytes written through the upper afterwards. */
    CHECK(memcmp(shared, "UPPER data", 10) == 0, "mapping shows the upper data: %.10s", shared);
    close(ro);
    /* A writable shared mapping and write(2) see each other's bytes. */
    fd = open(p("file"), O_RDWR);
    CHECK(fd >= 0, "open rdwr");
    char *rw = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(rw != MAP_FAILED, "mmap shared writable");
    rw[0] = 'u';
    CHECK(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "uPPER", 5) == 0, "write through the mapping is read back: %.5s", buf);
    CHECK(pwrite(fd, "W", 1, 1) == 1 && rw[1] == 'W' && shared[1] == 'W', "write(2) shows in both mappings");
    CHECK(pwrite(fd, "U", 1, 0) == 1 && pwrite(fd, "P", 1, 1) == 1, "restore");
    CHECK(msync(rw, 4096, MS_SYNC) == 0, "msync");
    CHECK(msync(rw, 4096, MS_SYNC | MS_ASYNC) < 0 && errno == EINVAL, "msync flags");
    munmap(rw, 4096);
    munmap(shared, 4096);
    close(fd);

    /* Mode, size, xattr and inode number are kept. */
    struct stat after;
    CHECK(stat(p("file"), &after) == 0, "stat after");
    CHECK((after.st_mode & 07777) == 0640, "mode kept: %o", after.st_mode & 07777);
    CHECK(after.st_size == before.st_size, "size kept");
    CHECK(after.st_ino == before.st_ino, "inode number kept");
    ssize_t xl = getxattr(p("file"), "user.tag", buf, sizeof buf);
    CHECK(xl == 1 && buf[0] == 'v', "xattr kept");

    /* unlink leaves a whiteout: gone from stat and readdir, re-creatable empty. */
    CHECK(unlink(p("dir/inner")) == 0, "unlink");
    CHECK(stat(p("dir/inner"), &after) < 0 && errno == ENOENT, "gone from stat");
    CHECK(count_entries(p("dir"), "inner") == 0, "gone from readdir");
    fd = open(p("dir/inner"), O_CREAT | O_EXCL | O_WRONLY, 0644);
    CHECK(fd >= 0, "re-create");
    close(fd);
    CHECK(stat(p("dir/inner"), &after) == 0 && after.st_size == 0, "re-created empty");

    /* rename in a lower directory: merged listing without duplicates. */
    CHECK(rename(p("dir/inner"), p("dir/renamed")) == 0, "rename");
    CHECK(count_entries(p("dir"), "renamed") == 1 && count_entries(p("dir"), "inner") == 0, "listing after rename");
    CHECK(rename(p("file"), p("dir/file2")) == 0, "rename across dirs");
    CHECK(count_entries(base, "file") == 0 && count_entries(p("dir"), "file2") == 1, "listing after move");

    /* Symlinks keep their target and resolve to the upper. */
    CHECK(readlink(p("link"), buf, sizeof buf) == 4 && memcmp(buf, "file", 4) == 0, "readlink");
    CHECK(symlink("dir/file2", p("link2")) == 0, "symlink");
    CHECK(slurp(p("link2")) == 11 && memcmp(buf, "UPPER data\n", 11) == 0, "symlink to upper: %s", buf);

    /* mkdir inside a lower directory works; rmdir of a non-empty merged dir fails. */
    CHECK(mkdir(p("dir/sub/new"), 0755) == 0, "mkdir in lower dir");
    CHECK(rmdir(p("dir/sub")) < 0 && errno == ENOTEMPTY, "rmdir merged non-empty");
    CHECK(rmdir(p("dir/sub/new")) == 0 && unlink(p("dir/sub/deep")) == 0 && rmdir(p("dir/sub")) == 0, "rmdir when emptied");

    /* Deep copy-up of missing ancestors, hard links to lower files. */
    CHECK(slurp(p("tree/a/b/c")) == 2, "read deep");
    fd = open(p("tree/a/b/c"), O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "+\n", 2) == 2, "append deep");
    close(fd);
    CHECK(slurp(p("tree/a/b/c")) == 4 && memcmp(buf, "c\n+\n", 4) == 0, "deep content");
    CHECK(link(p("tree/a/b/c"), p("hard")) == 0, "hard link");
    struct stat s1, s2;
    CHECK(stat(p("hard"), &s1) == 0 && stat(p("tree/a/b/c"), &s2) == 0 && s1.st_nlink == 2 && s2.st_nlink == 2, "nlink 2");

    /* chmod, truncate, utimensat on a lower file copy it up and stick. */
    CHECK(chmod(p("dir/file2"), 0600) == 0 && stat(p("dir/file2"), &after) == 0 && (after.st_mode & 07777) == 0600, "chmod");
    CHECK(truncate(p("dir/file2"), 3) == 0 && stat(p("dir/file2"), &after) == 0 && after.st_size == 3, "truncate");

    /* 8 threads each open the same lower file and write a different byte: all land. */
    pthread_t t[8];
    for (long i = 0; i < 8; i++) CHECK(pthread_create(&t[i], 0, racer, (void *)i) == 0, "thread");
    for (int i = 0; i < 8; i++) {
        void *r;
        pthread_join(t[i], &r);
        CHECK(r == 0, "racer %d failed", i);
    }
    CHECK(slurp(p("race")) >= 8 && memcmp(buf, "ABCDEFGH", 8) == 0, "racing writes: %.8s", buf);

    /* Errors: O_RDONLY fd write, rename into own child, long names. */
    fd = open(p("dir/file2"), O_RDONLY);
    CHECK(write(fd, "x", 1) < 0 && errno == EBADF, "write to O_RDONLY is EBADF");
    close(fd);
    CHECK(mkdir(p("d1"), 0755) == 0 && mkdir(p("d1/d2"), 0755) == 0, "mkdir d1/d2");
    CHECK(rename(p("d1"), p("d1/d2/d3")) < 0 && errno == EINVAL, "rename into own child is EINVAL");
    char longname[300];
    memset(longname, 'x', 299);
    longname[299] = 0;
    CHECK(open(p(longname), O_RDONLY) < 0 && errno == ENAMETOOLONG, "NAME_MAX");

    printf("overlay ok\n");
    return 0;
}
