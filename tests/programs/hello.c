/* hello: the smallest guest. Prints "hello, world" with a single write(2)
 * (printf + exit flushes stdout once) and exits 0. */
#include <stdio.h>

int main(void)
{
	printf("hello, world\n");
	return 0;
}
