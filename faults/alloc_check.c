/*
 * alloc_check.c - --alloc-check: every place urt/alloc can fire, one at a
 * time, with the exact result the API promises (-ENOMEM, nothing half made),
 * then many runtimes built and torn down under random allocation failures
 * with the live allocations and the mapping count compared before and
 * after.  Under ASan, LeakSanitizer checks the same at exit.
 */
#include "modes.h"

#include <errno.h>
#include <fcntl.h>
#include <fiu.h>
#include <fiu-control.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALLOC "urt/alloc"
#define POOL_SLAB 256 /* operations per pool slab (reactor.c): the 257th grows the pool */

static unsigned checks, failures;

/* Live heap blocks allocated by code linked into this program (the runtime
 * is a static library, so its calls go through these; libc's own do not).
 * The link wraps malloc/calloc/realloc/free (-Wl,--wrap).  Counting blocks
 * rather than bytes keeps malloc's caches out of the picture. */
static long live_blocks;
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

void *__wrap_malloc(size_t n)
{
	void *p = __real_malloc(n);
	live_blocks += p != NULL;
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p = __real_calloc(n, size);
	live_blocks += p != NULL;
	return p;
}

void *__wrap_realloc(void *old, size_t n)
{
	void *p = __real_realloc(old, n);
	if (!old && p)
		live_blocks++;
	else if (old && !p && n == 0)
		live_blocks--; /* realloc(p, 0) freed it */
	return p;
}

void __wrap_free(void *p)
{
	live_blocks -= p != NULL;
	__real_free(p);
}

#define CHECK(cond, ...)                                                          \
	do {                                                                      \
		checks++;                                                         \
		if (!(cond)) {                                                    \
			failures++;                                               \
			printf("alloc-check: FAIL line %d: ", __LINE__);          \
			printf(__VA_ARGS__);                                      \
			printf("\n");                                             \
		}                                                                 \
	} while (0)

static void nothing(void *arg)
{
	(void)arg;
}

/* Inside a task: every allocation an I/O call can need, refused once. */
static void exact_task(void *arg)
{
	int fd = *(int *)arg;
	char buf[16];
	struct urt_future *f = (struct urt_future *)buf; /* must be reset to NULL on failure */

	fiu_enable(ALLOC, 1, NULL, 0);
	/* A blocking call keeps its record on the task's stack: it allocates
	 * nothing, so it works even while every allocation fails. */
	ssize_t r = urt_nop();
	CHECK(r == 0, "urt_nop under urt/alloc returned %zd, want 0 (blocking calls do not allocate)", r);
	/* The first future finds the pool empty and must grow it. */
	r = urt_read_async(&f, fd, buf, sizeof(buf), 0);
	CHECK(r == -ENOMEM && f == NULL, "urt_read_async returned %zd (future %p), want -ENOMEM and NULL", r,
	      (void *)f);
	r = urt_spawn(urt_current(), nothing, NULL);
	CHECK(r == -ENOMEM, "urt_spawn from a task with an empty task cache returned %zd, want -ENOMEM", r);
	fiu_disable(ALLOC);

	/* Fill one slab exactly; the next future needs a new one. */
	struct urt_future *fs[POOL_SLAB];
	unsigned started = 0;
	for (; started < POOL_SLAB; started++) {
		r = urt_nop_async(&fs[started]);
		CHECK(r == 0, "urt_nop_async %u returned %zd", started, r);
		if (r < 0)
			break;
	}
	fiu_enable(ALLOC, 1, NULL, 0);
	struct urt_future *extra = NULL;
	r = urt_nop_async(&extra);
	CHECK(r == -ENOMEM && extra == NULL, "future %d with a full pool returned %zd, want -ENOMEM", POOL_SLAB, r);
	fiu_disable(ALLOC);
	for (unsigned i = 0; i < started; i++) {
		r = urt_await(fs[i]);
		CHECK(r == 0, "nop future %u completed with %zd", i, r);
	}
	r = urt_read(fd, buf, sizeof(buf), 0);
	CHECK(r == (ssize_t)sizeof(buf), "urt_read after the failures returned %zd", r);
}

static void exact_checks(void)
{
	struct urt *rt = (struct urt *)&checks; /* must be reset to NULL on failure */
	fiu_enable(ALLOC, 1, NULL, 0);
	int ret = urt_create(&rt, NULL);
	fiu_disable(ALLOC);
	CHECK(ret == -ENOMEM && rt == NULL, "urt_create under urt/alloc returned %d, want -ENOMEM and NULL", ret);

	long live_before = live_blocks;
	ret = urt_create(&rt, NULL);
	CHECK(ret == 0, "urt_create returned %d", ret);
	if (ret < 0)
		return;
	/* Else the leak check below would compare zeros. */
	CHECK(live_blocks > live_before, "the malloc wrap does not see the runtime's allocations");
	fiu_enable(ALLOC, 1, NULL, 0);
	ret = urt_spawn(rt, nothing, NULL);
	fiu_disable(ALLOC);
	CHECK(ret == -ENOMEM, "urt_spawn under urt/alloc returned %d, want -ENOMEM", ret);

	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open /dev/zero: %s", strerror(errno));
	ret = urt_spawn(rt, exact_task, &fd);
	CHECK(ret == 0, "urt_spawn returned %d", ret);
	ret = urt_run(rt);
	CHECK(ret == 0, "urt_run returned %d", ret);

	/* A finished task is cached: spawning again needs no allocation, so the
	 * point cannot even fire. */
	fiu_enable(ALLOC, 1, NULL, 0);
	ret = urt_spawn(rt, nothing, NULL);
	fiu_disable(ALLOC);
	CHECK(ret == 0, "urt_spawn reusing a cached task returned %d", ret);
	ret = urt_run(rt);
	CHECK(ret == 0, "urt_run returned %d", ret);

	struct urt_stats s;
	urt_get_stats(rt, &s);
	/* spawn outside, read_async, spawn inside, future 257 (urt_create has no
	 * runtime to count in; urt_nop allocates nothing). */
	CHECK(s.faults[URT_FAULT_ALLOC] == 4, "urt/alloc fired %" PRIu64 " times, want 4", s.faults[URT_FAULT_ALLOC]);
	CHECK(s.ops_started == s.ops_completed, "%" PRIu64 " operations started, %" PRIu64 " completed",
	      s.ops_started, s.ops_completed);
	urt_destroy(rt);
	if (fd >= 0)
		close(fd);
}

/* ---- random failures: build, run, destroy, and compare the process's
 * memory before and after ---- */

struct churn {
	int fd;
	unsigned enomem;
	unsigned done;
};

static void churn_task(void *arg)
{
	struct churn *c = arg;
	char buf[64];
	struct urt_future *f[4];
	for (int round = 0; round < 8; round++) {
		unsigned n = 0;
		while (n < 4) {
			ssize_t r = (n & 1) ? urt_nop_async(&f[n]) : urt_read_async(&f[n], c->fd, buf, sizeof(buf), 0);
			if (r == -ENOMEM) {
				c->enomem++;
				break; /* drop this round's rest: what was started must still be awaited */
			}
			n++;
		}
		for (unsigned i = 0; i < n; i++)
			urt_await(f[i]);
	}
	c->done++;
}

static int churn_once(struct churn *c)
{
	struct urt *rt = NULL;
	struct urt_config cfg = { .entries = 8 };
	int ret = urt_create(&rt, &cfg);
	if (ret < 0)
		return ret == -ENOMEM ? 0 : ret;
	for (int i = 0; i < 40; i++)
		if (urt_spawn(rt, churn_task, c) == -ENOMEM)
			c->enomem++;
	ret = urt_run(rt);
	urt_destroy(rt);
	return ret;
}

static unsigned count_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned n = 0;
	int ch;
	if (!f)
		return 0;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static void churn_checks(void)
{
	struct churn c = { .fd = open("/dev/zero", O_RDONLY | O_CLOEXEC) };
	CHECK(c.fd >= 0, "open /dev/zero: %s", strerror(errno));
	fiu_enable_random(ALLOC, 1, NULL, 0, 0.3f);
	churn_once(&c); /* warm up: anything allocated once per process */
	long live0 = live_blocks;
	unsigned maps0 = count_mappings();
	int bad = 0;
	for (int i = 0; i < 50; i++)
		if (churn_once(&c) < 0)
			bad++;
	fiu_disable(ALLOC);
	long live1 = live_blocks;
	unsigned maps1 = count_mappings();
	CHECK(bad == 0, "%d runs failed with an error other than -ENOMEM", bad);
	CHECK(c.enomem > 0, "urt/alloc at 0.3 never made an allocation fail");
	CHECK(c.done > 0, "no task ever finished");
	CHECK(live1 == live0, "live heap blocks went from %ld to %ld over 50 runtimes", live0, live1);
	CHECK(maps1 == maps0, "mappings grew from %u to %u over 50 runtimes (a task stack not unmapped?)", maps0,
	      maps1);
	printf("alloc-check: 51 runtimes under urt/alloc at 0.3: %u allocations refused, %u tasks finished\n",
	       c.enomem, c.done);
	if (c.fd >= 0)
		close(c.fd);
}

int alloc_check_main(const struct suite_opts *so)
{
	fiu_set_prng_seed((unsigned)so->seed);
	fiu_init(0);
	urt_faults_arm(1);
	exact_checks();
	churn_checks();
	urt_faults_arm(0);
	printf("alloc-check: %u checks, %u failed\n", checks, failures);
	return failures ? 1 : 0;
}
