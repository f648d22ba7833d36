/* identity EXIT_CODE MODE: checks what a guest sees of its own identity and
 * of two basic error paths, then exits with EXIT_CODE (0..255), so the caller
 * can check that the exit status propagates.
 *
 * MODE is "veil" (running under `veil do`) or "native" (running on the
 * host). Only under veil is getpid() == 1 expected.
 *
 * Prints:
 *   release=<uname release>
 *   identity ok
 * On a failed check prints "identity: FAIL: ..." on stderr and exits 1
 * (never EXIT_CODE). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                              \
	do {                                                          \
		if (!(cond)) {                                        \
			fprintf(stderr, "identity: FAIL: " __VA_ARGS__); \
			fputc('\n', stderr);                          \
			failures++;                                   \
		}                                                     \
	} while (0)

int main(int argc, char **argv)
{
	struct utsname u;
	char *end;
	long code;
	int veil;
	long r;

	if (argc != 3 || (strcmp(argv[2], "veil") != 0 && strcmp(argv[2], "native") != 0)) {
		fprintf(stderr, "usage: identity EXIT_CODE veil|native\n");
		return 2;
	}
	code = strtol(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || code < 0 || code > 255) {
		fprintf(stderr, "identity: bad exit code '%s'\n", argv[1]);
		return 2;
	}
	veil = strcmp(argv[2], "veil") == 0;

	CHECK(uname(&u) == 0, "uname: %s", strerror(errno));
	CHECK(strcmp(u.sysname, "Linux") == 0, "uname sysname is '%s', want 'Linux'", u.sysname);
	CHECK(strcmp(u.machine, "x86_64") == 0, "uname machine is '%s', want 'x86_64'", u.machine);
	CHECK(u.release[0] != '\0', "uname release is empty");
	printf("release=%s\n", u.release);

	/* Raw system calls: glibc must not answer from a cache. */
	long pid = syscall(SYS_getpid);
	long tid = syscall(SYS_gettid);
	CHECK(pid > 0, "getpid returned %ld", pid);
	CHECK(tid == pid, "main thread gettid %ld != getpid %ld", tid, pid);
	CHECK(getpid() == pid, "glibc getpid %d != raw getpid %ld", (int)getpid(), pid);
	if (veil)
		CHECK(pid == 1, "getpid under veil is %ld, want 1", pid);

	/* A buffer in the never-mapped first page: EFAULT, nothing written.
	 * (Through a volatile so gcc does not warn about the constant address.) */
	void *volatile bad = (void *)16;
	errno = 0;
	r = write(1, bad, 10);
	CHECK(r == -1 && errno == EFAULT,
	      "write(1, 0x10, 10) = %ld errno %d (%s), want -1 EFAULT", r, errno, strerror(errno));

	/* A number no kernel implements. */
	errno = 0;
	r = syscall(1999);
	CHECK(r == -1 && errno == ENOSYS,
	      "syscall(1999) = %ld errno %d (%s), want -1 ENOSYS", r, errno, strerror(errno));

	if (failures) {
		fprintf(stderr, "identity: %d check(s) failed\n", failures);
		return 1;
	}
	printf("identity ok\n");
	fflush(stdout);
	return (int)code;
}
