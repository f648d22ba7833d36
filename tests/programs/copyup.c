/* copyup PATH: opens PATH O_WRONLY, writes one byte at offset 0 and closes it,
 * timing open + write + close with CLOCK_MONOTONIC, and prints "ns=<n>".
 * Under veil do, PATH is a host (lower-layer) file, so the open copies it up:
 * veil-bench's copy-up row. Exits 0, or 1 with a message if a call fails. */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: copyup PATH\n");
		return 2;
	}
	if (clock_gettime(CLOCK_MONOTONIC, &a) != 0) {
		perror("copyup: clock_gettime");
		return 1;
	}
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		perror("copyup: open");
		return 1;
	}
	if (write(fd, "x", 1) != 1) {
		perror("copyup: write");
		return 1;
	}
	if (close(fd) != 0) {
		perror("copyup: close");
		return 1;
	}
	if (clock_gettime(CLOCK_MONOTONIC, &b) != 0) {
		perror("copyup: clock_gettime");
		return 1;
	}
	long long ns = (long long)(b.tv_sec - a.tv_sec) * 1000000000LL +
		       (long long)(b.tv_nsec - a.tv_nsec);
	printf("ns=%lld\n", ns);
	return 0;
}
