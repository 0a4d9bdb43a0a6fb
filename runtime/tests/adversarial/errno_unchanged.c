/* errno is never changed by any urt call, failing ones included (spawn and nop_async when memory runs out, bad arguments, I/O errors). */
#include "adv.h"

#include <sys/resource.h>

#define MAGIC 4242
#define KEEPS_ERRNO(call)                                                                       \
	do {                                                                                    \
		errno = MAGIC;                                                                  \
		call;                                                                           \
		if (errno != MAGIC) {                                                           \
			fprintf(stderr, "%s:%d: %s changed errno to %d (%s)\n", __FILE__, __LINE__, \
				#call, errno, strerror(errno));                                 \
			exit(1);                                                                \
		}                                                                               \
	} while (0)

static void sleeper(void *arg)
{
	(void)arg;
	urt_sleep(1000);
}

static int nop_fail;

static void io_task(void *arg)
{
	(void)arg;
	char buf[8];
	ssize_t r;
	int i;
	KEEPS_ERRNO(r = urt_read(-1, buf, 1, 0));
	CHECK_EQ(r, -EBADF);
	KEEPS_ERRNO(r = urt_write(-1, buf, 1, 0));
	KEEPS_ERRNO(i = urt_nop());
	CHECK_EQ(i, 0);
	KEEPS_ERRNO(i = urt_sleep(1000));
	KEEPS_ERRNO(urt_yield());
	KEEPS_ERRNO(r = urt_read_full(-1, buf, 1, -1));
	KEEPS_ERRNO(i = urt_close(-1));
	KEEPS_ERRNO(i = urt_await(NULL));
	/* exhaust memory: futures until allocation fails */
	struct rlimit old, rl;
	CHECK(getrlimit(RLIMIT_AS, &old) == 0);
	rl = old;
	rl.rlim_cur = 64 << 20; /* far below what 100 000 futures and stacks need */
	static struct urt_future *fs[200000];
	int n = 0;
	if (setrlimit(RLIMIT_AS, &rl) == 0) {
		for (; n < 200000; n++) {
			errno = MAGIC;
			int e = urt_nop_async(&fs[n]);
			if (errno != MAGIC) {
				fprintf(stderr, "urt_nop_async #%d (= %d) changed errno to %d\n", n, e, errno);
				exit(1);
			}
			if (e < 0) {
				CHECK_EQ(e, -ENOMEM);
				nop_fail = 1;
				break;
			}
		}
		/* spawning under the same limit */
		for (int k = 0; k < 100000; k++) {
			errno = MAGIC;
			int e = urt_spawn(urt_current(), sleeper, NULL);
			if (errno != MAGIC) {
				fprintf(stderr, "urt_spawn #%d (= %d) changed errno to %d\n", k, e, errno);
				exit(1);
			}
			if (e < 0) {
				CHECK_EQ(e, -ENOMEM);
				break;
			}
		}
		CHECK(setrlimit(RLIMIT_AS, &old) == 0);
	}
	for (int k = 0; k < n; k++)
		KEEPS_ERRNO(urt_await(fs[k]));
}

int main(void)
{
	adv_watchdog(60, "errno_unchanged");
	struct urt *rt;
	int r;
	KEEPS_ERRNO(r = urt_create(NULL, NULL));
	struct urt_config bad = { .flags = 1u << 30 };
	KEEPS_ERRNO(r = urt_create(&rt, &bad));
	struct urt_config huge = { .stack_size = SIZE_MAX };
	KEEPS_ERRNO(r = urt_create(&rt, &huge));
	if (r == 0) {
		KEEPS_ERRNO(r = urt_spawn(rt, sleeper, NULL));
		KEEPS_ERRNO(urt_destroy(rt));
	}
	KEEPS_ERRNO(r = urt_create(&rt, NULL));
	CHECK_EQ(r, 0);
	int fds[1] = { 1000 }; /* not open */
	KEEPS_ERRNO(r = urt_register_files(rt, fds, 1));
	KEEPS_ERRNO(r = urt_spawn(rt, io_task, NULL));
	KEEPS_ERRNO(r = urt_run(rt));
	CHECK_EQ(r, 0);
	struct urt_stats s;
	KEEPS_ERRNO(urt_get_stats(rt, &s));
	KEEPS_ERRNO(urt_destroy(rt));
	KEEPS_ERRNO(r = urt_nop());
	if (!nop_fail)
		fprintf(stderr, "note: memory never ran out for urt_nop_async\n");
	return 0;
}
