/* abort: dies of SIGABRT (signal 6), so `veil do` must exit 128 + 6 = 134. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	fprintf(stderr, "abort: calling abort()\n");
	abort();
	return 0; /* not reached */
}
