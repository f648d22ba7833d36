/* files MODE: read-only file system calls on /etc and /etc/os-release.
 *
 * Checks open/read/pread64/lseek/fstat/stat/lstat/newfstatat/openat/
 * getdents64/readlink/getcwd/chdir/access against each other and against
 * the errors Linux gives, then prints a report that must be the same
 * natively and under veil when started in the same directory:
 *
 *   os-release bytes=<n> fnv=<hash of the content>
 *   os-release lstat=<symlink|regular> link=<readlink target or ->
 *   etc entries=<n> fnv=<hash of the sorted names> os-release-dtype=<d_type>
 *   exe=<basename of /proc/self/exe>
 *   files ok
 *
 * MODE is "veil" or "native". Under veil it also creates a file in /tmp,
 * which must exist in the sandbox (and, as the test checks, not on the host).
 * Exits 0 on success; on a failed check prints "files: FAIL: ..." on stderr
 * and exits 1. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                           \
	do {                                                       \
		if (!(cond)) {                                     \
			fprintf(stderr, "files: FAIL: " __VA_ARGS__); \
			fputc('\n', stderr);                       \
			failures++;                                \
		}                                                  \
	} while (0)

/* Checks that a call failed with -1 and the given errno. */
#define CHECK_ERR(call, want)                                                        \
	do {                                                                         \
		errno = 0;                                                           \
		long r_ = (long)(call);                                              \
		int e_ = errno;                                                      \
		CHECK(r_ == -1 && e_ == (want), "%s = %ld errno %d (%s), want %s", #call, \
		      r_, e_, strerror(e_), #want);                                  \
	} while (0)

#define OS_RELEASE "/etc/os-release"
#define MAX_FILE 65536

static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

static char content[MAX_FILE];
static size_t size;

static void check_file(void)
{
	struct stat st, st2;
	char buf[64];
	ssize_t n;

	int fd = open(OS_RELEASE, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "files: FAIL: open %s: %s\n", OS_RELEASE, strerror(errno));
		exit(1);
	}
	CHECK(fstat(fd, &st) == 0, "fstat: %s", strerror(errno));
	CHECK(S_ISREG(st.st_mode), "fstat: %s is not a regular file (mode %o)", OS_RELEASE,
	      st.st_mode);
	CHECK(st.st_size > 0 && st.st_size < MAX_FILE, "fstat: size %lld", (long long)st.st_size);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "F_GETFD is not FD_CLOEXEC after O_CLOEXEC");
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY, "F_GETFL is not O_RDONLY");

	/* The whole file in 7-byte reads, then end of file. */
	size = 0;
	while ((n = read(fd, content + size, 7)) > 0 && size < MAX_FILE - 7)
		size += (size_t)n;
	CHECK(n == 0, "read did not end with 0 (got %zd, %s)", n, strerror(errno));
	CHECK(size == (size_t)st.st_size, "read %zu bytes, fstat says %lld", size,
	      (long long)st.st_size);
	CHECK(read(fd, buf, sizeof(buf)) == 0, "read at end of file is not 0");
	CHECK(lseek(fd, 0, SEEK_CUR) == (off_t)size, "offset after reading all is not the size");

	/* pread64 reads at its offset and leaves the file offset alone. */
	if (size > 15) {
		CHECK(pread(fd, buf, 10, 5) == 10 && memcmp(buf, content + 5, 10) == 0,
		      "pread(10 bytes at 5) differs from read");
		CHECK(lseek(fd, 0, SEEK_CUR) == (off_t)size, "pread moved the file offset");
	}
	CHECK(pread(fd, buf, sizeof(buf), (off_t)size + 100) == 0, "pread past the end is not 0");
	CHECK_ERR(pread(fd, buf, 1, -1), EINVAL);

	/* lseek: set, end, errors. */
	if (size > 7) {
		CHECK(lseek(fd, 3, SEEK_SET) == 3, "lseek(3, SEEK_SET)");
		CHECK(read(fd, buf, 4) == 4 && memcmp(buf, content + 3, 4) == 0,
		      "read after lseek(3) differs");
	}
	CHECK(lseek(fd, -1, SEEK_END) == (off_t)size - 1, "lseek(-1, SEEK_END)");
	CHECK(read(fd, buf, 8) == 1 && buf[0] == content[size - 1], "last byte differs");
	CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
	CHECK_ERR(lseek(fd, 0, 42), EINVAL);

	/* stat agrees with fstat (it follows the link, if any). */
	CHECK(stat(OS_RELEASE, &st2) == 0, "stat: %s", strerror(errno));
	CHECK(st2.st_ino == st.st_ino && st2.st_dev == st.st_dev && st2.st_size == st.st_size,
	      "stat and fstat disagree");

	/* Nothing writes through a read-only fd. */
	CHECK_ERR(write(fd, "x", 1), EBADF);

	CHECK(close(fd) == 0, "close: %s", strerror(errno));
	CHECK_ERR(read(fd, buf, 1), EBADF);
	CHECK_ERR(close(fd), EBADF);
}

static void report_link(void)
{
	struct stat lst, st;
	char target[PATH_MAX];

	CHECK(lstat(OS_RELEASE, &lst) == 0, "lstat: %s", strerror(errno));
	CHECK(fstatat(AT_FDCWD, OS_RELEASE, &st, AT_SYMLINK_NOFOLLOW) == 0,
	      "newfstatat(AT_SYMLINK_NOFOLLOW): %s", strerror(errno));
	CHECK(st.st_mode == lst.st_mode && st.st_ino == lst.st_ino,
	      "newfstatat(AT_SYMLINK_NOFOLLOW) and lstat disagree");
	if (S_ISLNK(lst.st_mode)) {
		ssize_t n = readlink(OS_RELEASE, target, sizeof(target) - 1);
		CHECK(n > 0, "readlink of a symlink: %s", strerror(errno));
		target[n > 0 ? n : 0] = '\0';
		CHECK(lst.st_size == n, "lstat size %lld != readlink length %zd",
		      (long long)lst.st_size, n);
		printf("os-release lstat=symlink link=%s\n", target);
	} else {
		CHECK(S_ISREG(lst.st_mode), "lstat: neither a symlink nor a file");
		CHECK_ERR(readlink(OS_RELEASE, target, sizeof(target)), EINVAL);
		printf("os-release lstat=regular link=-\n");
	}
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists a directory with getdents64 through a small buffer (so it takes
 * several calls); returns the number of entries, fills names (sorted). */
static int list_dir(int dfd, char **names, int max, int *os_release_type)
{
	char buf[512] __attribute__((aligned(8)));
	int count = 0;
	long n;

	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			CHECK(d->d_reclen > 0 && off + d->d_reclen <= n, "bad d_reclen %u",
			      d->d_reclen);
			if (d->d_reclen == 0)
				return count;
			if (count < max)
				names[count] = strdup(d->d_name);
			if (strcmp(d->d_name, "os-release") == 0)
				*os_release_type = d->d_type;
			count++;
			off += d->d_reclen;
		}
	}
	CHECK(n == 0, "getdents64: %s", strerror(errno));
	CHECK(count <= max, "more than %d entries", max);
	if (count > max)
		count = max;
	qsort(names, (size_t)count, sizeof(names[0]), cmp_names);
	return count;
}

static void check_dir(void)
{
	enum { MAX = 4096 };
	static char *names[MAX], *again[MAX];
	struct stat st, st2;
	char c;
	int type = -1, type2 = -1;

	int dfd = open("/etc", O_RDONLY | O_DIRECTORY);
	if (dfd < 0) {
		fprintf(stderr, "files: FAIL: open /etc: %s\n", strerror(errno));
		exit(1);
	}
	CHECK(fstat(dfd, &st) == 0 && S_ISDIR(st.st_mode), "fstat /etc: not a directory");
	CHECK_ERR(read(dfd, &c, 1), EISDIR);
	CHECK_ERR(open(OS_RELEASE, O_RDONLY | O_DIRECTORY), ENOTDIR);

	int count = list_dir(dfd, names, MAX, &type);
	uint64_t h = FNV_INIT;
	int dot = 0, dotdot = 0, osr = 0, passwd = 0;
	for (int i = 0; i < count; i++) {
		h = fnv1a(names[i], strlen(names[i]) + 1, h);
		dot += strcmp(names[i], ".") == 0;
		dotdot += strcmp(names[i], "..") == 0;
		osr += strcmp(names[i], "os-release") == 0;
		passwd += strcmp(names[i], "passwd") == 0;
		if (i > 0)
			CHECK(strcmp(names[i - 1], names[i]) != 0, "entry '%s' listed twice", names[i]);
	}
	CHECK(dot == 1 && dotdot == 1 && osr == 1 && passwd == 1,
	      "/etc listing lacks one of . .. os-release passwd");

	/* Rewinding lists the same entries again. */
	CHECK(lseek(dfd, 0, SEEK_SET) == 0, "lseek(0) on a directory: %s", strerror(errno));
	int count2 = list_dir(dfd, again, MAX, &type2);
	CHECK(count2 == count, "second listing has %d entries, first %d", count2, count);
	for (int i = 0; i < count && i < count2; i++)
		if (strcmp(names[i], again[i]) != 0) {
			CHECK(0, "second listing differs at '%s'", names[i]);
			break;
		}
	CHECK(type2 == type, "d_type of os-release changed");

	/* openat and newfstatat relative to the directory fd. */
	int fd = openat(dfd, "os-release", O_RDONLY);
	CHECK(fd >= 0, "openat(/etc, os-release): %s", strerror(errno));
	if (fd >= 0) {
		CHECK(fstat(fd, &st2) == 0 && (size_t)st2.st_size == size,
		      "openat'd os-release has another size");
		close(fd);
	}
	CHECK(fstatat(dfd, "passwd", &st2, 0) == 0 && S_ISREG(st2.st_mode),
	      "newfstatat(/etc, passwd): %s", strerror(errno));
	CHECK_ERR(openat(dfd, "nonexistent-veil", O_RDONLY), ENOENT);
	close(dfd);

	printf("etc entries=%d fnv=%016llx os-release-dtype=%d\n", count, (unsigned long long)h,
	       type);
}

static void check_cwd(void)
{
	char saved[PATH_MAX], cwd[PATH_MAX];
	struct stat st;

	CHECK(getcwd(saved, sizeof(saved)) != NULL, "getcwd: %s", strerror(errno));
	CHECK(chdir("/etc") == 0, "chdir /etc: %s", strerror(errno));
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, "/etc") == 0,
	      "getcwd after chdir /etc is '%s'", cwd);
	CHECK(stat("os-release", &st) == 0 && (size_t)st.st_size == size,
	      "relative stat after chdir: %s", strerror(errno));
	CHECK(chdir("..") == 0, "chdir ..: %s", strerror(errno));
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, "/") == 0,
	      "getcwd after chdir .. is '%s'", cwd);
	CHECK_ERR(chdir("/nonexistent-veil"), ENOENT);
	CHECK_ERR(chdir(OS_RELEASE), ENOTDIR);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, "/") == 0,
	      "a failed chdir moved the cwd to '%s'", cwd);
	CHECK_ERR(syscall(SYS_getcwd, cwd, 1), ERANGE);
	CHECK(chdir(saved) == 0, "chdir back to %s: %s", saved, strerror(errno));
}

static void check_errors(int veil)
{
	char buf[16];

	CHECK_ERR(open("/nonexistent-veil/file", O_RDONLY), ENOENT);
	CHECK_ERR(open("/etc/os-release/x", O_RDONLY), ENOTDIR);
	CHECK_ERR(open("", O_RDONLY), ENOENT);
	CHECK_ERR(open((const char *)16, O_RDONLY), EFAULT);
	CHECK_ERR(readlink("/etc/passwd", buf, sizeof(buf)), EINVAL);
	CHECK(access(OS_RELEASE, R_OK) == 0, "access(R_OK): %s", strerror(errno));
	CHECK_ERR(access("/nonexistent-veil", F_OK), ENOENT);
	if (veil) {
		/* The guest may write anywhere: its writes land in the sandbox's upper
		 * layer (the test checks the host afterwards). */
		int fd = open("/tmp/veil-files-must-not-exist", O_WRONLY | O_CREAT | O_EXCL, 0644);
		CHECK(fd >= 0, "creating /tmp/veil-files-must-not-exist failed: %s", strerror(errno));
		CHECK(write(fd, "x", 1) == 1, "writing the new file failed: %s", strerror(errno));
		close(fd);
		CHECK(access("/tmp/veil-files-must-not-exist", F_OK) == 0, "the new file is not there");
	}
}

int main(int argc, char **argv)
{
	char exe[PATH_MAX];

	if (argc != 2 || (strcmp(argv[1], "veil") != 0 && strcmp(argv[1], "native") != 0)) {
		fprintf(stderr, "usage: files veil|native\n");
		return 2;
	}

	check_file();
	printf("os-release bytes=%zu fnv=%016llx\n", size,
	       (unsigned long long)fnv1a(content, size, FNV_INIT));
	report_link();
	check_dir();
	check_cwd();
	check_errors(strcmp(argv[1], "veil") == 0);

	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	CHECK(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	exe[n > 0 ? n : 0] = '\0';
	char *arg0 = strdup(argv[0]);
	CHECK(strcmp(basename(exe), basename(arg0)) == 0,
	      "/proc/self/exe is '%s', argv[0] is '%s'", exe, argv[0]);
	printf("exe=%s\n", basename(exe));

	if (failures) {
		fprintf(stderr, "files: %d check(s) failed\n", failures);
		return 1;
	}
	printf("files ok\n");
	return 0;
}
