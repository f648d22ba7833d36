/* fork_loop MODE N [MIB]: times N rounds of fork + (exit | exec) + waitpid and prints
 * "us_per_fork=<float>". MODE "exit": the child _exits at once; "exec": the child
 * execs this program again with the single argument "noop", which exits 0 at once (a
 * static binary, so the exec costs no dynamic loading). With MIB, the parent first
 * touches MIB mebibytes of heap, the memory a fork must give the child.
 * Used by veil-bench; exits 0, or 1 if a child fails. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "noop") == 0)
		return 0;
	if (argc < 3 || (strcmp(argv[1], "exit") != 0 && strcmp(argv[1], "exec") != 0)) {
		fprintf(stderr, "usage: fork_loop exit|exec N [MIB]\n");
		return 2;
	}
	int exec = strcmp(argv[1], "exec") == 0;
	long n = strtol(argv[2], NULL, 10);
	long mib = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
	if (n <= 0 || mib < 0) {
		fprintf(stderr, "fork_loop: bad count\n");
		return 2;
	}
	if (mib > 0) {
		char *heap = malloc((size_t)mib << 20);
		if (heap == NULL) {
			perror("fork_loop: malloc");
			return 1;
		}
		memset(heap, 1, (size_t)mib << 20);
	}
	double start = now_us();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork_loop: fork");
			return 1;
		}
		if (pid == 0) {
			if (exec) {
				char *args[] = {argv[0], "noop", NULL};
				execv(argv[0], args);
				_exit(127);
			}
			_exit(0);
		}
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "fork_loop: child failed (status %#x)\n", status);
			return 1;
		}
	}
	printf("us_per_fork=%.1f\n", (now_us() - start) / (double)n);
	return 0;
}
