/* Ordering: yield goes to the back of a FIFO run queue; sleeps wake in deadline order. */
#include "check.h"
#include <urt.h>

#include <time.h>

static char trace[64];
static int pos;

static void yielder(void *arg)
{
	char c = (char)(uintptr_t)arg;
	for (int i = 0; i < 3; i++) {
		trace[pos++] = c;
		urt_yield();
	}
}

static char wake_order[8];
static int wpos;

static uint64_t base_ns; /* every sleeper's deadline is base + its ms */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A sleep's deadline counts from the call, so a sleeper preempted for
 * 10 ms before the next one slept would legitimately wake after it: each
 * sleeps until a common base (300 ms ahead) plus its ms instead. */
static void sleeper(void *arg)
{
	uintptr_t ms = (uintptr_t)arg;
	uint64_t target = base_ns + ms * 1000000ull, now = now_ns();
	CHECK(now < target);
	CHECK_EQ(urt_sleep(target - now), 0);
	CHECK(now_ns() >= target);
	wake_order[wpos++] = (char)('0' + ms / 10);
}

int main(void)
{
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, yielder, (void *)'a'), 0);
	CHECK_EQ(urt_spawn(rt, yielder, (void *)'b'), 0);
	CHECK_EQ(urt_spawn(rt, yielder, (void *)'c'), 0);
	CHECK_EQ(urt_run(rt), 0);
	trace[pos] = 0;
	printf("yield trace: %s\n", trace);
	CHECK(strcmp(trace, "abcabcabc") == 0);

	/* spawned in scrambled order, woken by deadline */
	const uintptr_t ms[] = { 30, 10, 50, 20, 40 };
	for (int i = 0; i < 5; i++)
		CHECK_EQ(urt_spawn(rt, sleeper, (void *)ms[i]), 0);
	base_ns = now_ns() + 300 * 1000000ull;
	CHECK_EQ(urt_run(rt), 0);
	wake_order[wpos] = 0;
	printf("wake order: %s\n", wake_order);
	CHECK(strcmp(wake_order, "12345") == 0);

	/* urt_yield / I/O outside a task */
	CHECK_EQ(urt_nop(), -EPERM);
	CHECK_EQ(urt_sleep(1), -EPERM);
	urt_yield(); /* a no-op outside a task */
	urt_destroy(rt);
	return 0;
}
