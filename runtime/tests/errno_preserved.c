/* errno is what the caller left in it after every public call, failing ones included (urt_spawn and urt_nop_async out of memory, bad arguments), and after a task's call during which other tasks ran and set errno. */
#include "check.h"
#include <urt.h>

#include <sys/resource.h>
#include <unistd.h>

/* Under ASan an allocation failure must come back as NULL, not abort. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

#define KEEP(call)                                                                        \
	do {                                                                              \
		errno = 1234;                                                             \
		(void)(call);                                                             \
		if (errno != 1234) {                                                      \
			fprintf(stderr, "%s:%d: %s changed errno to %d\n", __FILE__, __LINE__, \
				#call, errno);                                            \
			exit(1);                                                          \
		}                                                                         \
	} while (0)

static struct urt *rt;
static int nomem_spawn, nomem_future;
#define NFUT 300000
static struct urt_future **futs;

static void noop(void *arg)
{
	(void)arg;
}

static struct rlimit old_as;
static void limit_as(void)
{
	struct rlimit lim = old_as;
	lim.rlim_cur = 1; /* below what is mapped already: every new mapping fails */
	CHECK_EQ(setrlimit(RLIMIT_AS, &lim), 0);
}
static void unlimit_as(void)
{
	CHECK_EQ(setrlimit(RLIMIT_AS, &old_as), 0);
}

static void other(void *arg)
{
	(void)arg;
	errno = 5;
	CHECK_EQ(urt_sleep(1000), 0);
	errno = 6;
}

static void task(void *arg)
{
	(void)arg;
	char buf[4];
	int r;
	KEEP(r = (int)urt_read(-1, buf, 1, 0));
	CHECK_EQ(r, -EBADF);
	KEEP(r = urt_nop());
	KEEP(r = urt_sleep(1));
	KEEP(urt_yield());
	KEEP(r = (int)urt_write_all(-1, buf, 1, -1));
	KEEP(r = (int)urt_read_full(-1, buf, 1, -1));
	KEEP(r = urt_openat(-100, "/nonexistent/urt", 0, 0));
	CHECK_EQ(r, -ENOENT);
	KEEP(r = urt_spawn(rt, other, NULL));
	/* Another task runs while we sleep and sets errno. */
	errno = 1234;
	CHECK_EQ(urt_sleep(1000000), 0);
	CHECK_EQ(errno, 1234);

	/* Out of memory: new stacks and new future records. */
	if (getenv("URT_ERRNO_NO_OOM"))
		return; /* Valgrind cannot run under a small RLIMIT_AS */
	limit_as();
	/* Cached stacks first, then a new mapping, which fails. */
	for (int i = 0; i < 100 && !nomem_spawn; i++) {
		KEEP(r = urt_spawn(rt, noop, NULL));
		nomem_spawn = r == -ENOMEM;
	}
	unsigned n = 0;
	for (; n < NFUT; n++) {
		KEEP(r = urt_nop_async(&futs[n]));
		if (r < 0)
			break;
	}
	unlimit_as();
	nomem_future = r == -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		KEEP(urt_await(futs[i]));
	KEEP(r = urt_await(NULL));
	KEEP(r = urt_future_done(NULL));
}

int main(void)
{
	CHECK_EQ(getrlimit(RLIMIT_AS, &old_as), 0);
	futs = calloc(NFUT, sizeof *futs);
	CHECK(futs);
	int r;
	struct urt_config bad = { .flags = 1u << 30 };
	KEEP(r = urt_create(&rt, &bad));
	CHECK_EQ(r, -EINVAL);
	KEEP(r = check_create(&rt, NULL));
	CHECK_EQ(r, 0);
	KEEP(r = urt_spawn(rt, task, NULL));
	KEEP(r = urt_run(rt));
	CHECK_EQ(r, 0);
	KEEP(r = urt_run_once(rt));
	int fd = -1;
	KEEP(r = urt_register_files(rt, &fd, 1));
	KEEP(r = urt_register_buffers(rt, NULL, 0));
	struct urt_stats st;
	KEEP(urt_get_stats(rt, &st));
	KEEP(urt_destroy(rt));
	free(futs);
	if (!nomem_spawn || !nomem_future) {
		fprintf(stderr, "out-of-memory half not exercised (spawn %d, future %d)\n", nomem_spawn,
			nomem_future);
		if (!getenv("URT_ERRNO_NO_OOM"))
			return 1;
	}
	return 0;
}
