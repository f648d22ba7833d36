/* segv: dies of SIGSEGV (signal 11) by storing through a null pointer, so
 * `veil do` must exit 128 + 11 = 139. */
#include <stdio.h>

int main(void)
{
	/* Both volatiles matter: the pointer's, so the compiler cannot see it is
	 * null (and emit a trap instruction, SIGILL, instead), and the store's,
	 * so it is not removed as dead. */
	volatile int *volatile p = NULL;

	fprintf(stderr, "segv: storing to NULL\n");
	*p = 1;
	return 0; /* not reached */
}
