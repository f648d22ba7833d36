/* memhog MIB: a child touches MIB mebibytes of fresh heap, one MiB at a time; the
 * parent reports how the child ended: "child exit 0", or "child killed by N" (an
 * out-of-memory kill under `veil do --memory=...` is N = 9). Exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 1;
	pid_t pid = fork();
	if (pid < 0) {
		perror("memhog: fork");
		return 1;
	}
	if (pid == 0) {
		for (long i = 0; i < mib; i++) {
			char *block = malloc(1 << 20);
			if (block == NULL)
				_exit(2);
			memset(block, 1, 1 << 20);
		}
		_exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid) {
		perror("memhog: waitpid");
		return 1;
	}
	if (WIFSIGNALED(status))
		printf("child killed by %d\n", WTERMSIG(status));
	else
		printf("child exit %d\n", WEXITSTATUS(status));
	return 0;
}
