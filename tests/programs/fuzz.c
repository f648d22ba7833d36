/* fuzz N [SEED] [verbose]: a robustness loop for the sentry.
 *
 * Makes N system calls, each drawn from a fixed list, with garbage arguments
 * from a fixed-seed xorshift generator: random 64-bit values, small and
 * boundary integers, pointers into never-mapped memory, pointers to real
 * buffers with huge lengths, random flags. The results are not checked: the
 * point is that the sentry survives every call and the program runs to the
 * end, where it prints "fuzz ok N calls" and exits 0.
 *
 * The program must also pass natively, as root, without harming the host or
 * itself, so the arguments are garbage only where garbage is safe:
 *  - fds 0, 1 and 2 are replaced by /dev/null opened read-only; the real
 *    stdout and stderr are kept at fds 500 and 501, which no call is given
 *    (except writes of nothing or of never-mapped buffers to the stdout);
 *  - open flags never create, truncate or write, except on /dev/null or
 *    under a directory that does not exist;
 *  - memory the program uses is never given to the kernel to write: buffers
 *    are a scratch mapping followed by a PROT_NONE guard page, so a huge
 *    length stops at the guard; mmap MAP_FIXED, mprotect and munmap only
 *    touch an arena the program mapped for them; other successful mmaps are
 *    unmapped at once; brk is put back after each call and never shrunk
 *    below the heap; MAP_POPULATE and MAP_LOCKED are never passed;
 *  - calls that can block get a tiny, past or invalid timeout, never none
 *    (futex waits and lock-pi, clock_nanosleep; CPU-time clocks only with
 *    an absolute time in the past);
 *  - no new resource limit is set (prlimit64's new limit is NULL or never
 *    mapped), no signal handler is garbage, arch_prctl never sets FS, CPUID
 *    faulting, tagged addresses or shadow stacks, and never maps a vDSO;
 *    fcntl never takes leases, notifications, owners or blocking locks;
 *  - rseq only ever registers a zeroed area of the program's own.
 * exit, exit_group, kill and tgkill are not in the list.
 *
 * With "verbose", each call is printed on stderr before it is made, which
 * tells which call a sentry died on, and a count of calls and successes per
 * system call is printed at the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define OUT_FD 500 /* the real stdout */
#define ERR_FD 501 /* the real stderr */

#define PAGE 4096UL
#define SCRATCH_SIZE (1UL << 20)
#define ARENA_SIZE (64 * PAGE)
#define NIOV 1024 /* IOV_MAX */

/* xorshift64*: deterministic for a given seed. */
static uint64_t rng = 0x5eed5eed5eedULL;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t below(uint64_t n)
{
	return rnd() % n;
}

static char *scratch; /* SCRATCH_SIZE writable bytes, then a guard page */
static char *guard;   /* PROT_NONE page right after scratch */
static char *arena;   /* ARENA_SIZE bytes that mmap/mprotect/munmap may hit */
static int verbose;

/* Structures the program builds for calls that read them. None of them is
 * ever given to the kernel as a buffer to write. */
static struct iovec iov[NIOV];
static struct {
	uint64_t handler, flags, restorer, mask;
} sigact;
static uint64_t sigmask_arg;
static struct timespec ts;
static struct flock lk;
static uint32_t futex_words[4] __attribute__((aligned(16)));
static char rseq_area[64] __attribute__((aligned(32)));

static const char *const paths[] = {
	"/dev/null",
	"/dev/zero",
	"/etc/os-release",
	"/etc",
	"/",
	".",
	"..",
	"",
	"/proc/self/exe",
	"/tmp",
	"/usr/bin",
	"/bin/sh",
	"/etc/passwd",
	"os-release",
	"nonexistent",
	"/nonexistent/dir",
	"/etc/os-release/notadir",
	"////etc//./os-release",
	"/etc/../etc/./os-release",
};
static char long_path[5000]; /* longer than PATH_MAX */

static void noop_handler(int sig)
{
	(void)sig;
}

/* Never-mapped addresses: the first page, unused low memory, the first
 * non-user address, non-canonical ones, the top of the address space. */
static uint64_t bad_ptr(void)
{
	switch (below(9)) {
	case 0:
		return 0;
	case 1:
		return 0x10;
	case 2:
		return 0xdead0000;
	case 3:
		return below(PAGE);
	case 4:
		return 0x800000000000ULL;
	case 5:
		return 0x8000000000000000ULL;
	case 6:
		return (rnd() & 0x0000ffffffffffffULL) | 0x8000000000000000ULL;
	case 7:
		return 0xfffffffffffff000ULL;
	default:
		return ~0ULL;
	}
}

/* Never mapped, whatever the earlier calls did: safe to "write out" of to
 * the real stdout, since nothing can be copied from there. */
static uint64_t nowhere(void)
{
	static const uint64_t addrs[] = {0, 0x10, 0xdead0000, 0x800000000000ULL,
					 0x8000000000000000ULL};
	return addrs[below(sizeof(addrs) / sizeof(addrs[0]))];
}

/* Any argument at all. */
static uint64_t any(void)
{
	switch (below(12)) {
	case 0:
		return rnd();
	case 1:
		return rnd() & 0xffffffff;
	case 2:
		return below(64);
	case 3:
		return ~0ULL;
	case 4:
		return 0;
	case 5:
		return 1;
	case 6:
		return 0x7fffffff;
	case 7:
		return 0x80000000;
	case 8:
		return 1ULL << 63;
	case 9:
		return PAGE;
	case 10:
		return 1ULL << 40;
	default:
		return (uint64_t)-(int64_t)below(4096);
	}
}

/* An argument that some commands take as a number and others as a buffer
 * to write (ioctl, fcntl, arch_prctl): any(), but never a low address where
 * the program's own data or heap may be. */
static uint64_t word(void)
{
	uint64_t v = any();
	if (v >= PAGE && v < (1ULL << 32))
		v |= 1ULL << 47; /* non-canonical */
	return v;
}

/* A length: zero, small, exact, larger than any buffer, negative. */
static uint64_t len(void)
{
	switch (below(9)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(64);
	case 2:
		return PAGE;
	case 3:
		return below(SCRATCH_SIZE);
	case 4:
		return SCRATCH_SIZE + PAGE;
	case 5:
		return 1ULL << 40;
	case 6:
		return ~0ULL;
	case 7:
		return 0x7fffffff;
	default:
		return rnd();
	}
}

/* A buffer the kernel may write to (or read from): somewhere in scratch,
 * straddling the guard page, the guard itself, or never mapped. */
static uint64_t buf(void)
{
	switch (below(8)) {
	case 0:
		return (uint64_t)scratch;
	case 1:
	case 2:
		return (uint64_t)(scratch + below(SCRATCH_SIZE));
	case 3:
		return (uint64_t)(guard - 1 - below(64));
	case 4:
		return (uint64_t)guard;
	default:
		return bad_ptr();
	}
}

static uint64_t path(void)
{
	switch (below(10)) {
	case 0:
		return (uint64_t)long_path;
	case 1:
		return (uint64_t)scratch; /* whatever earlier calls left there */
	case 2:
		return (uint64_t)(guard - 3); /* runs into the guard page */
	case 3:
		return bad_ptr();
	default:
		return (uint64_t)paths[below(sizeof(paths) / sizeof(paths[0]))];
	}
}

/* An fd number other than OUT_FD and ERR_FD. */
static uint64_t fd(void)
{
	for (;;) {
		uint64_t v;
		switch (below(8)) {
		case 0:
		case 1:
		case 2:
			v = 3 + below(8); /* the files opened at start, and new ones */
			break;
		case 3:
			v = below(64);
			break;
		case 4:
			v = (uint64_t)-1;
			break;
		case 5:
			v = (uint64_t)AT_FDCWD;
			break;
		case 6:
			v = rnd() & 0xffffffff;
			break;
		default:
			v = rnd();
			break;
		}
		uint32_t low = (uint32_t)v;
		if (low != OUT_FD && low != ERR_FD)
			return v;
	}
}

static uint64_t flags(void)
{
	switch (below(4)) {
	case 0:
		return 0;
	case 1:
		return 1ULL << below(32);
	case 2:
		return rnd() & 0xffffffff;
	default:
		return rnd();
	}
}

/* Fills a[1] (path) and a[2] (flags) for open, or a[1] and a[2] shifted by
 * one for openat: read-only flags on any path, or writing flags on a path
 * where they cannot change the host. */
static void open_args(uint64_t *p, uint64_t *f)
{
	uint64_t v = flags();

	if (below(8) == 0) {
		/* Writing, creating, truncating, O_TMPFILE: only where harmless. */
		static const char *const safe[] = {"/dev/null", "/nonexistent-veil-fuzz/f",
						   "/nonexistent-veil-fuzz/"};
		*p = below(4) == 0 ? bad_ptr() : (uint64_t)safe[below(3)];
		*f = v | (1 + below(2)) | (below(2) ? O_CREAT : 0) | (below(2) ? O_TRUNC : 0);
		return;
	}
	*p = path();
	*f = v & ~(uint64_t)(O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | 020000000 /* __O_TMPFILE */);
}

/* A timeout that ends at once or within 100 us, or is invalid or never
 * mapped: never NULL, which means "wait forever". */
static uint64_t timeout_ptr(int past_only)
{
	switch (below(6)) {
	case 0:
		return bad_ptr() | 0x10;
	case 1:
		ts.tv_sec = -1 - (long)below(1000);
		ts.tv_nsec = 0;
		break;
	case 2:
		ts.tv_sec = 0;
		ts.tv_nsec = 1000000000 + (long)below(1000000);
		break;
	default:
		ts.tv_sec = 0;
		ts.tv_nsec = (long)below(past_only ? 1000 : 100000); /* < 100 us */
		break;
	}
	return (uint64_t)&ts;
}

/* ---- the calls: each fills a[] and may clean up afterwards ---- */

static void g_rw(uint64_t *a)
{
	a[0] = fd();
	a[1] = buf();
	a[2] = len();
}

static void g_write(uint64_t *a)
{
	if (below(8) == 0) {
		/* The real stdout: nothing, or from never-mapped memory (EFAULT). */
		a[0] = OUT_FD;
		if (below(2)) {
			a[1] = nowhere();
			a[2] = 1 + below(PAGE);
		} else {
			a[1] = (uint64_t)scratch;
			a[2] = 0;
		}
		return;
	}
	g_rw(a);
}

static void g_open(uint64_t *a)
{
	open_args(&a[0], &a[1]);
	a[2] = any();
}

static void g_openat(uint64_t *a)
{
	a[0] = fd();
	open_args(&a[1], &a[2]);
	a[3] = any();
}

static void g_fd(uint64_t *a)
{
	a[0] = fd();
	a[1] = any();
	a[2] = any();
}

static void g_path_buf(uint64_t *a)
{
	a[0] = path();
	a[1] = buf();
	a[2] = len();
}

static void g_fd_buf(uint64_t *a)
{
	a[0] = fd();
	a[1] = buf();
	a[2] = len();
	a[3] = any();
}

static void g_lseek(uint64_t *a)
{
	a[0] = fd();
	a[1] = any();
	a[2] = below(3) ? below(6) : rnd();
}

static void g_mmap(uint64_t *a)
{
	uint64_t fl = flags() & ~(uint64_t)(MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_POPULATE |
					    MAP_LOCKED | MAP_TYPE);
	fl |= below(4); /* 0 invalid, shared, private, shared-validate */
	if (below(3) == 0)
		fl |= MAP_ANONYMOUS;
	if (below(4) == 0) {
		/* MAP_FIXED inside the arena only. */
		uint64_t off = below(ARENA_SIZE / PAGE) * PAGE;
		a[0] = (uint64_t)arena + off;
		a[1] = below(4) ? 1 + below(ARENA_SIZE - off) : 0;
		fl |= MAP_FIXED;
	} else {
		a[0] = below(2) ? 0 : (below(2) ? bad_ptr() : rnd());
		a[1] = len();
	}
	a[2] = below(4) ? below(8) : flags();
	a[3] = fl;
	a[4] = below(4) ? (uint64_t)-1 : fd();
	a[5] = below(2) ? 0 : (below(2) ? below(16) * PAGE : any());
}

static void after_mmap(const uint64_t *a, long ret)
{
	if (ret != -1 && !(a[3] & MAP_FIXED))
		syscall(SYS_munmap, ret, a[1]);
}

/* mprotect and munmap: ranges in the arena, or nowhere (with a short
 * length so nothing real is covered). */
static void g_arena_range(uint64_t *a)
{
	if (below(4)) {
		uint64_t off = below(ARENA_SIZE / PAGE) * PAGE;
		a[0] = (uint64_t)arena + off + (below(8) == 0 ? 1 + below(PAGE - 1) : 0);
		switch (below(6)) {
		case 0:
			a[1] = 0;
			break;
		case 1:
			a[1] = ~0ULL; /* wraps: EINVAL/ENOMEM */
			break;
		case 2:
			a[1] = 1ULL << 63; /* past the address space */
			break;
		default:
			a[1] = 1 + below(ARENA_SIZE - off);
			break;
		}
	} else {
		static const uint64_t unmapped[] = {0, 0x10, 0xdead0000, 0x800000000000ULL,
						   0x8000000000000000ULL, 0xfffffffffffff000ULL};
		a[0] = unmapped[below(6)];
		a[1] = below(16 * PAGE);
	}
	a[2] = below(4) ? below(8) : flags(); /* prot, incl. PROT_GROWSDOWN/UP */
}

static uint64_t brk_before;

static void g_brk(uint64_t *a)
{
	brk_before = (uint64_t)syscall(SYS_brk, 0);
	switch (below(7)) {
	case 0:
		a[0] = 0;
		break;
	case 1:
		a[0] = brk_before + below(1 << 20);
		break;
	case 2:
		a[0] = brk_before + (1ULL << 30);
		break;
	case 3:
		a[0] = brk_before + (rnd() & 0x7fffffffffffULL);
		break;
	case 4:
		a[0] = below(PAGE); /* below the heap's start: ignored */
		break;
	case 5:
		a[0] = rnd() | (1ULL << 47); /* not a user address */
		break;
	default:
		a[0] = brk_before;
		break;
	}
}

static void after_brk(const uint64_t *a, long ret)
{
	(void)a;
	(void)ret;
	syscall(SYS_brk, brk_before);
}

static void g_sigaction(uint64_t *a)
{
	uint64_t sig = below(4) ? below(70) : any();
	a[0] = sig;
	switch (below(4)) {
	case 0:
		a[1] = 0;
		break;
	case 1:
		a[1] = bad_ptr();
		break;
	default: {
		/* A handler that is harmless if ever run; for synchronous fault
		 * signals only the default or ignore, so a real fault still kills. */
		int fault = sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
			    sig == SIGTRAP || sig == SIGABRT || sig == SIGSYS;
		uint64_t h = below(fault ? 2 : 3);
		sigact.handler = h == 0 ? (uint64_t)SIG_DFL
			       : h == 1 ? (uint64_t)SIG_IGN
					: (uint64_t)noop_handler;
		sigact.flags = flags() & ~(uint64_t)0x04000000; /* no SA_RESTORER */
		sigact.restorer = 0;
		sigact.mask = rnd();
		a[1] = (uint64_t)&sigact;
		break;
	}
	}
	a[2] = below(3) ? 0 : buf();
	a[3] = below(4) ? 8 : any();
}

static void g_sigprocmask(uint64_t *a)
{
	a[0] = below(4) ? below(4) : any();
	sigmask_arg = rnd();
	a[1] = below(3) ? (uint64_t)&sigmask_arg : (below(2) ? 0 : bad_ptr());
	a[2] = below(3) ? 0 : buf();
	a[3] = below(4) ? 8 : any();
}

static void g_ioctl(uint64_t *a)
{
	static const uint64_t reqs[] = {FIONREAD, TCGETS,  TIOCGWINSZ, FIOCLEX,
					FIONCLEX, FIONBIO, FIOASYNC,   0x2 /* FIGETBSZ */,
					0x80086601 /* FS_IOC_GETFLAGS */};
	a[0] = fd();
	a[1] = below(2) ? reqs[below(sizeof(reqs) / sizeof(reqs[0]))]
			: (below(2) ? rnd() & 0xffffffff : rnd());
	a[2] = below(2) ? buf() : word();
}

static void g_iov(uint64_t *a, int reading)
{
	uint64_t n = below(2) ? below(8) : (below(3) ? below(NIOV + 8) : any());
	uint64_t fill = n < NIOV ? n : NIOV;
	for (uint64_t i = 0; i < fill; i++) {
		iov[i].iov_base = (void *)buf();
		iov[i].iov_len = below(2) ? below(PAGE) : len();
	}
	a[0] = fd();
	if (!reading && below(8) == 0) {
		/* The real stdout: iovecs that are empty or point nowhere. */
		for (uint64_t i = 0; i < fill; i++) {
			iov[i].iov_base = (void *)nowhere();
			if (below(2))
				iov[i].iov_len = 0;
		}
		a[0] = OUT_FD;
		a[1] = (uint64_t)iov;
		a[2] = n;
		return;
	}
	switch (below(6)) {
	case 0:
		a[1] = bad_ptr();
		break;
	case 1:
		/* Garbage iovecs are only safe to write out from. */
		a[1] = reading ? (uint64_t)iov : (uint64_t)scratch;
		break;
	default:
		a[1] = (uint64_t)iov;
		break;
	}
	a[2] = n;
}

static void g_readv(uint64_t *a)
{
	g_iov(a, 1);
}

static void g_writev(uint64_t *a)
{
	g_iov(a, 0);
}

static void g_path_mode(uint64_t *a)
{
	a[0] = path();
	a[1] = below(2) ? below(8) : any();
}

static void g_faccessat(uint64_t *a)
{
	a[0] = fd();
	a[1] = path();
	a[2] = below(2) ? below(8) : any();
	a[3] = flags();
}

static void g_dup2(uint64_t *a)
{
	a[0] = fd();
	a[1] = fd(); /* never OUT_FD or ERR_FD */
	a[2] = flags(); /* dup3 only */
}

static void g_buf_only(uint64_t *a)
{
	a[0] = buf();
	a[1] = buf();
}

static void g_fcntl(uint64_t *a)
{
	/* F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_SETLK,
	 * F_GETOWN, F_GETSIG, F_GETOWN_EX, F_OFD_GETLK, F_OFD_SETLK, F_GETLEASE,
	 * F_DUPFD_CLOEXEC, F_GETPIPE_SZ, F_GET_SEALS, F_GET_RW_HINT. */
	static const uint64_t cmds[] = {0, 1, 2, 3, 4, 5, 6, 9, 11, 16, 36, 37, 1025, 1030, 1032,
					1034, 1035};
	/* F_SETLKW, F_SETOWN, F_SETSIG, F_SETOWN_EX, F_OFD_SETLKW, F_SETLEASE,
	 * F_NOTIFY, F_SETPIPE_SZ, F_ADD_SEALS, F_SET_RW_HINT, F_SET_FILE_RW_HINT. */
	static const uint32_t banned[] = {7, 8, 10, 15, 38, 1024, 1026, 1031, 1033, 1036, 1038};
	uint64_t cmd = cmds[below(sizeof(cmds) / sizeof(cmds[0]))];
	if (below(4) == 0) {
		cmd = rnd();
		for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
			if ((uint32_t)cmd == banned[i])
				cmd = 1; /* F_GETFD */
	}
	a[0] = fd();
	a[1] = cmd;
	lk.l_type = (short)(below(2) ? below(4) : rnd());
	lk.l_whence = (short)(below(2) ? below(4) : rnd());
	lk.l_start = (off_t)any();
	lk.l_len = (off_t)any();
	lk.l_pid = 0;
	if ((uint32_t)cmd == 0 || (uint32_t)cmd == 1030) /* F_DUPFD*: lowest new fd */
		a[2] = below(2) ? below(64) : any();
	else
		a[2] = below(2) ? (uint64_t)&lk : (below(2) ? buf() : word());
}

static void g_getcwd(uint64_t *a)
{
	a[0] = buf();
	a[1] = len();
}

static void g_getrlimit(uint64_t *a)
{
	a[0] = below(4) ? below(20) : any();
	a[1] = buf();
}

static void g_arch_prctl(uint64_t *a)
{
	/* SET_GS, GET_FS, GET_GS, GET_CPUID, GET_XCOMP_SUPP, GET_XCOMP_PERM,
	 * REQ_XCOMP_PERM, GET_XCOMP_GUEST_PERM, GET_UNTAG_MASK, GET_MAX_TAG_BITS,
	 * SHSTK_STATUS. */
	static const uint64_t codes[] = {0x1001, 0x1003, 0x1004, 0x1011, 0x1021, 0x1022,
					 0x1023, 0x1024, 0x4001, 0x4003, 0x5005};
	uint64_t code = codes[below(sizeof(codes) / sizeof(codes[0]))];
	if (below(4) == 0) {
		code = rnd();
		uint32_t c = (uint32_t)code;
		/* SET_FS, SET_CPUID, MAP_VDSO_*, ENABLE_TAGGED_ADDR,
		 * FORCE_TAGGED_SVA, SHSTK_ENABLE/DISABLE/LOCK/UNLOCK. */
		if (c == 0x1002 || c == 0x1012 || (c >= 0x2001 && c <= 0x2003) || c == 0x4002 ||
		    c == 0x4004 || (c >= 0x5001 && c <= 0x5004))
			code = 0x3000; /* not a code */
	}
	a[0] = code;
	a[1] = below(2) ? buf() : word();
}

static void g_time(uint64_t *a)
{
	a[0] = below(2) ? 0 : buf();
}

static void g_futex(uint64_t *a)
{
	uint64_t op;
	uint64_t cmd;

	if (below(8) == 0) {
		op = rnd() & 0xffffffff;
	} else {
		op = below(14);
		if (below(2))
			op |= FUTEX_PRIVATE_FLAG;
		if (below(4) == 0)
			op |= FUTEX_CLOCK_REALTIME;
	}
	cmd = op & ~(uint64_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);

	uint64_t val = below(2) ? below(4) : rnd() & 0xffffffff;
	for (int i = 0; i < 4; i++) {
		/* 0 (free), our tid (a lock we hold), a pid no one has, val. */
		switch (below(4)) {
		case 0:
			futex_words[i] = 0;
			break;
		case 1:
			futex_words[i] = (uint32_t)syscall(SYS_gettid);
			break;
		case 2:
			futex_words[i] = 0x3fffffff;
			break;
		default:
			futex_words[i] = (uint32_t)val;
			break;
		}
	}
	switch (below(6)) {
	case 0:
		a[0] = bad_ptr();
		break;
	case 1:
		a[0] = (uint64_t)&futex_words[1] + 1; /* misaligned */
		break;
	case 2:
		a[0] = buf();
		if ((char *)a[0] >= scratch && (char *)a[0] < guard)
			break;
		/* fall through */
	default:
		a[0] = (uint64_t)&futex_words[below(2)];
		break;
	}
	a[1] = op;
	a[2] = val;
	/* FUTEX_WAIT, LOCK_PI, WAIT_BITSET, WAIT_REQUEUE_PI, LOCK_PI2 block:
	 * they always get a timeout (absolute ones in the past, relative ones
	 * under 100 us). Others take a number here. */
	if (cmd == FUTEX_WAIT)
		a[3] = timeout_ptr(0);
	else if (cmd == FUTEX_LOCK_PI || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_WAIT_REQUEUE_PI ||
		 cmd == 13 /* FUTEX_LOCK_PI2 */)
		a[3] = timeout_ptr(1);
	else
		a[3] = below(2) ? below(4) : any();
	a[4] = below(2) ? (uint64_t)&futex_words[2 + below(2)] : (below(2) ? bad_ptr() : buf());
	a[5] = below(2) ? ~0ULL : rnd() & 0xffffffff; /* bitset / val3 */
}

static void g_sched_getaffinity(uint64_t *a)
{
	a[0] = below(2) ? 0 : (below(2) ? (uint64_t)getpid() : any());
	a[1] = below(2) ? below(256) : len();
	a[2] = buf();
}

static void g_set_tid_address(uint64_t *a)
{
	/* Only read at thread exit (not exit_group of one thread): harmless. */
	a[0] = buf();
}

static void g_clock_gettime(uint64_t *a)
{
	a[0] = below(2) ? below(16) : (below(2) ? (uint64_t)-(int64_t)below(64) : any());
	a[1] = buf();
}

static void g_clock_nanosleep(uint64_t *a)
{
	/* REALTIME, MONOTONIC, BOOTTIME, TAI, MONOTONIC_RAW, *_COARSE, *_ALARM:
	 * any sleep is at most 100 us. The CPU-time clocks (2, 3) would sleep
	 * forever relative to a process that sleeps: absolute times only. */
	static const uint64_t clocks[] = {0, 1, 7, 11, 4, 5, 6, 8, 9, 2, 3, 100};
	uint64_t clk = below(8) ? clocks[below(sizeof(clocks) / sizeof(clocks[0]))]
				: 16 + (rnd() & 0x7fffffff);
	uint64_t fl = below(2) ? below(2) : flags();
	if (clk == 2 || clk == 3)
		fl |= TIMER_ABSTIME;
	a[0] = clk;
	a[1] = fl;
	a[2] = timeout_ptr(0);
	a[3] = below(2) ? 0 : buf();
}

static void g_fstatat(uint64_t *a)
{
	a[0] = fd();
	a[1] = path();
	a[2] = buf();
	a[3] = flags();
}

static void g_readlinkat(uint64_t *a)
{
	a[0] = fd();
	a[1] = path();
	a[2] = buf();
	a[3] = len();
}

static void g_prlimit(uint64_t *a)
{
	a[0] = below(2) ? 0 : (below(2) ? (uint64_t)getpid() : any());
	a[1] = below(4) ? below(20) : any();
	a[2] = below(2) ? 0 : bad_ptr(); /* never a new limit */
	a[3] = below(4) ? buf() : 0;
}

static void g_getrandom(uint64_t *a)
{
	a[0] = buf();
	a[1] = len();
	a[2] = below(2) ? below(8) : flags();
}

static void g_statx(uint64_t *a)
{
	a[0] = fd();
	a[1] = path();
	a[2] = flags();
	a[3] = below(2) ? 0xfff : flags();
	a[4] = buf();
}

static void g_rseq(uint64_t *a)
{
	/* Only a zeroed area of ours (rseq_cs stays 0) or nowhere: a registered
	 * area with a garbage rseq_cs would get us killed at preemption. */
	switch (below(4)) {
	case 0:
		a[0] = (uint64_t)rseq_area;
		break;
	case 1:
		a[0] = (uint64_t)rseq_area + 4; /* misaligned */
		break;
	default:
		a[0] = bad_ptr();
		break;
	}
	a[1] = below(2) ? 32 : any();
	a[2] = below(2) ? below(2) : flags();
	a[3] = below(2) ? 0x53053053 : rnd() & 0xffffffff;
}

static void g_none(uint64_t *a)
{
	for (int i = 0; i < 6; i++)
		a[i] = any();
}

struct call {
	long nr;
	const char *name;
	void (*gen)(uint64_t *a);
	void (*after)(const uint64_t *a, long ret);
};

static const struct call calls[] = {
	{SYS_read, "read", g_rw, NULL},
	{SYS_write, "write", g_write, NULL},
	{SYS_open, "open", g_open, NULL},
	{SYS_close, "close", g_fd, NULL},
	{SYS_stat, "stat", g_path_buf, NULL},
	{SYS_fstat, "fstat", g_fd_buf, NULL},
	{SYS_lstat, "lstat", g_path_buf, NULL},
	{SYS_lseek, "lseek", g_lseek, NULL},
	{SYS_mmap, "mmap", g_mmap, after_mmap},
	{SYS_mprotect, "mprotect", g_arena_range, NULL},
	{SYS_munmap, "munmap", g_arena_range, NULL},
	{SYS_brk, "brk", g_brk, after_brk},
	{SYS_rt_sigaction, "rt_sigaction", g_sigaction, NULL},
	{SYS_rt_sigprocmask, "rt_sigprocmask", g_sigprocmask, NULL},
	{SYS_ioctl, "ioctl", g_ioctl, NULL},
	{SYS_pread64, "pread64", g_fd_buf, NULL},
	{SYS_readv, "readv", g_readv, NULL},
	{SYS_writev, "writev", g_writev, NULL},
	{SYS_access, "access", g_path_mode, NULL},
	{SYS_dup, "dup", g_fd, NULL},
	{SYS_dup2, "dup2", g_dup2, NULL},
	{SYS_getpid, "getpid", g_none, NULL},
	{SYS_uname, "uname", g_buf_only, NULL},
	{SYS_fcntl, "fcntl", g_fcntl, NULL},
	{SYS_getcwd, "getcwd", g_getcwd, NULL},
	{SYS_chdir, "chdir", g_path_mode, NULL},
	{SYS_readlink, "readlink", g_path_buf, NULL},
	{SYS_gettimeofday, "gettimeofday", g_buf_only, NULL},
	{SYS_getrlimit, "getrlimit", g_getrlimit, NULL},
	{SYS_getuid, "getuid", g_none, NULL},
	{SYS_getgid, "getgid", g_none, NULL},
	{SYS_geteuid, "geteuid", g_none, NULL},
	{SYS_getegid, "getegid", g_none, NULL},
	{SYS_arch_prctl, "arch_prctl", g_arch_prctl, NULL},
	{SYS_gettid, "gettid", g_none, NULL},
	{SYS_time, "time", g_time, NULL},
	{SYS_futex, "futex", g_futex, NULL},
	{SYS_sched_getaffinity, "sched_getaffinity", g_sched_getaffinity, NULL},
	{SYS_set_tid_address, "set_tid_address", g_set_tid_address, NULL},
	{SYS_clock_gettime, "clock_gettime", g_clock_gettime, NULL},
	{SYS_clock_nanosleep, "clock_nanosleep", g_clock_nanosleep, NULL},
	{SYS_openat, "openat", g_openat, NULL},
	{SYS_newfstatat, "newfstatat", g_fstatat, NULL},
	{SYS_readlinkat, "readlinkat", g_readlinkat, NULL},
	{SYS_faccessat, "faccessat", g_faccessat, NULL},
	{SYS_dup3, "dup3", g_dup2, NULL},
	{SYS_prlimit64, "prlimit64", g_prlimit, NULL},
	{SYS_getrandom, "getrandom", g_getrandom, NULL},
	{SYS_statx, "statx", g_statx, NULL},
	{SYS_getdents64, "getdents64", g_rw, NULL},
	{SYS_rseq, "rseq", g_rseq, NULL},
};

#define NCALLS (sizeof(calls) / sizeof(calls[0]))

static long made[NCALLS], succeeded[NCALLS]; /* for the verbose summary */

static void die(const char *what)
{
	dprintf(ERR_FD, "fuzz: FAIL: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void setup(void)
{
	/* Keep the real stdout and stderr out of reach, and put read-only
	 * /dev/null (or /, if there is no /dev/null) on 0, 1 and 2. */
	if (dup2(1, OUT_FD) != OUT_FD || dup2(2, ERR_FD) != ERR_FD) {
		fprintf(stderr, "fuzz: FAIL: dup2 of stdout/stderr: %s\n", strerror(errno));
		exit(1);
	}
	int null = open("/dev/null", O_RDONLY);
	if (null < 0)
		null = open("/", O_RDONLY | O_DIRECTORY);
	if (null < 0)
		die("open /dev/null and /");
	for (int i = 0; i < 3; i++)
		if (null != i && dup2(null, i) != i)
			die("dup2 onto 0, 1, 2");
	if (null > 2)
		close(null);

	/* Files for the fd-taking calls, at 3 and up. The first is required. */
	if (open("/etc/os-release", O_RDONLY) < 0)
		die("open /etc/os-release");
	open("/etc", O_RDONLY | O_DIRECTORY);
	open("/", O_RDONLY | O_DIRECTORY);
	open("/dev/zero", O_RDONLY);
	open("/proc/self/exe", O_RDONLY);

	void *m = mmap(NULL, SCRATCH_SIZE + PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		die("mmap scratch");
	scratch = m;
	guard = scratch + SCRATCH_SIZE;
	if (mprotect(guard, PAGE, PROT_NONE) != 0)
		die("mprotect guard page");

	m = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		die("mmap arena");
	arena = m;

	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
}

static void log_call(long i, const struct call *c, const uint64_t *a)
{
	dprintf(ERR_FD, "#%ld %s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)\n", i, c->name,
		(unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2],
		(unsigned long long)a[3], (unsigned long long)a[4], (unsigned long long)a[5]);
}

int main(int argc, char **argv)
{
	char *end;
	long n;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: fuzz N [SEED] [verbose]\n");
		return 2;
	}
	n = strtol(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || n < 0) {
		fprintf(stderr, "fuzz: bad call count '%s'\n", argv[1]);
		return 2;
	}
	if (argc >= 3) {
		rng = strtoull(argv[2], &end, 0);
		if (*argv[2] == '\0' || *end != '\0' || rng == 0) {
			fprintf(stderr, "fuzz: bad seed '%s' (must be a non-zero number)\n", argv[2]);
			return 2;
		}
	}
	if (argc == 4) {
		if (strcmp(argv[3], "verbose") != 0) {
			fprintf(stderr, "usage: fuzz N [SEED] [verbose]\n");
			return 2;
		}
		verbose = 1;
	}

	setup();
	for (long i = 0; i < n; i++) {
		size_t k = below(NCALLS);
		const struct call *c = &calls[k];
		uint64_t a[6] = {0};

		c->gen(a);
		if (verbose)
			log_call(i, c, a);
		long ret = syscall(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		made[k]++;
		if (ret != -1)
			succeeded[k]++;
		if (c->after)
			c->after(a, ret);
		if (i % 512 == 511) {
			/* Put the arena back whole for the next calls. */
			if (mmap(arena, ARENA_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != arena)
				die("remap arena");
		}
	}
	if (verbose)
		for (size_t k = 0; k < NCALLS; k++)
			dprintf(ERR_FD, "%-18s %6ld calls %6ld succeeded\n", calls[k].name, made[k],
				succeeded[k]);
	if (dprintf(OUT_FD, "fuzz ok %ld calls\n", n) < 0)
		return 3;
	return 0;
}
