/* threads: exercises clone, futex and thread exit.
 *
 *  1. Eight threads wait on a barrier, then each writes "thread N\n" with a
 *     single write(2), and returns N + 100, which main checks at join.
 *  2. Two threads ping-pong a turn variable ROUNDS times under a mutex and a
 *     condition variable (futex wait/wake with contention).
 *  3. A thread leaves through pthread_exit() with a value that join reads.
 *
 * Prints, after the eight "thread N" lines (in any order):
 *   joined 8
 *   pingpong 1000
 *   pthread_exit 24301
 * Exits 0 on success; on failure prints "threads: FAIL: ..." and exits 1. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NTHREADS 8
#define ROUNDS 1000
#define EXIT_VALUE 24301 /* 0x5eed */

static void fail(const char *what, int err)
{
	fprintf(stderr, "threads: FAIL: %s: %s\n", what, strerror(err));
	exit(1);
}

static pthread_barrier_t barrier;

static void *writer(void *arg)
{
	long n = (long)arg;
	char line[32];
	int len = snprintf(line, sizeof(line), "thread %ld\n", n);
	int err = pthread_barrier_wait(&barrier);

	if (err != 0 && err != PTHREAD_BARRIER_SERIAL_THREAD)
		fail("pthread_barrier_wait", err);
	if (syscall(SYS_gettid) == syscall(SYS_getpid)) {
		fprintf(stderr, "threads: FAIL: thread %ld has the process id as tid\n", n);
		exit(1);
	}
	if (write(1, line, (size_t)len) != len) {
		fprintf(stderr, "threads: FAIL: short write in thread %ld\n", n);
		exit(1);
	}
	return (void *)(n + 100);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static int turn;      /* protected by lock: whose move it is, 0 or 1 */
static int completed; /* protected by lock: moves made so far */

static void *player(void *arg)
{
	int me = (int)(long)arg;

	for (int i = 0; i < ROUNDS; i++) {
		int err = pthread_mutex_lock(&lock);
		if (err)
			fail("pthread_mutex_lock", err);
		while (turn != me) {
			err = pthread_cond_wait(&turn_changed, &lock);
			if (err)
				fail("pthread_cond_wait", err);
		}
		turn = 1 - me;
		completed++;
		pthread_cond_broadcast(&turn_changed);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void *exiter(void *arg)
{
	(void)arg;
	pthread_exit((void *)(long)EXIT_VALUE);
	return NULL; /* not reached */
}

int main(void)
{
	pthread_t t[NTHREADS];
	void *ret;
	int err;

	err = pthread_barrier_init(&barrier, NULL, NTHREADS);
	if (err)
		fail("pthread_barrier_init", err);
	for (long i = 0; i < NTHREADS; i++) {
		err = pthread_create(&t[i], NULL, writer, (void *)i);
		if (err)
			fail("pthread_create", err);
	}
	for (long i = 0; i < NTHREADS; i++) {
		err = pthread_join(t[i], &ret);
		if (err)
			fail("pthread_join", err);
		if ((long)ret != i + 100) {
			fprintf(stderr, "threads: FAIL: thread %ld returned %ld, want %ld\n", i,
				(long)ret, i + 100);
			return 1;
		}
	}
	printf("joined %d\n", NTHREADS);

	pthread_t p[2];
	for (long i = 0; i < 2; i++) {
		err = pthread_create(&p[i], NULL, player, (void *)i);
		if (err)
			fail("pthread_create", err);
	}
	for (int i = 0; i < 2; i++) {
		err = pthread_join(p[i], NULL);
		if (err)
			fail("pthread_join", err);
	}
	if (completed != 2 * ROUNDS) {
		fprintf(stderr, "threads: FAIL: %d moves, want %d\n", completed, 2 * ROUNDS);
		return 1;
	}
	printf("pingpong %d\n", ROUNDS);

	pthread_t e;
	err = pthread_create(&e, NULL, exiter, NULL);
	if (err)
		fail("pthread_create", err);
	err = pthread_join(e, &ret);
	if (err)
		fail("pthread_join", err);
	if ((long)ret != EXIT_VALUE) {
		fprintf(stderr, "threads: FAIL: pthread_exit value %ld, want %d\n", (long)ret,
			EXIT_VALUE);
		return 1;
	}
	printf("pthread_exit %d\n", EXIT_VALUE);
	return 0;
}
