/* getpid_loop N: times N raw getpid system calls (syscall(SYS_getpid), which
 * glibc never caches) with CLOCK_MONOTONIC around the loop and prints
 * "ns_per_call=<float>". Used by veil-bench; exits 0. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *end;
	long n;
	struct timespec a, b;

	if (argc != 2) {
		fprintf(stderr, "usage: getpid_loop N\n");
		return 2;
	}
	errno = 0;
	n = strtol(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || n <= 0) {
		fprintf(stderr, "getpid_loop: bad iteration count '%s'\n", argv[1]);
		return 2;
	}
	/* One warm-up call so first-touch costs are outside the window. */
	syscall(SYS_getpid);
	if (clock_gettime(CLOCK_MONOTONIC, &a) != 0) {
		perror("getpid_loop: clock_gettime");
		return 1;
	}
	for (long i = 0; i < n; i++)
		syscall(SYS_getpid);
	if (clock_gettime(CLOCK_MONOTONIC, &b) != 0) {
		perror("getpid_loop: clock_gettime");
		return 1;
	}
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("ns_per_call=%.1f\n", ns / (double)n);
	return 0;
}
