/* Sleepers wake in deadline order, none early, all of them, with at most one kernel timeout per sleeper: 10 000 with random 0-300 ms sleeps (argument "many": 100 000, under the default vm.max_map_count, never changing it; without MADV_GUARD_INSTALL as many as it allows; URT_TEST_SMALL: 2000). */
#include "check.h"
#include "watchdog.h"
#include <urt.h>

#include <time.h>

#include "stack_maps.h"

#define MAX_SLEEPERS 100000
#define SPAN_NS (300ull * 1000 * 1000)

static unsigned n;             /* sleepers */
static uint64_t *ns;           /* each one's sleep */
static uint64_t *t_before;     /* each one's clock just before urt_sleep */
static uint64_t *t_woke;       /* and just after it returned */
static unsigned *slept_order;  /* position k: who went to sleep k-th */
static unsigned *woke_order;   /* position k: who ran k-th after waking */
static unsigned nslept, nwoke;
static uint64_t t_after_all;   /* read by a task that runs after every sleeper went to sleep */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleeper(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	slept_order[nslept++] = i;
	t_before[i] = now_ns();
	CHECK_EQ(urt_sleep(ns[i]), 0);
	t_woke[i] = now_ns();
	woke_order[nwoke++] = i;
}

static void last(void *arg)
{
	(void)arg;
	t_after_all = now_ns();
}

int main(int argc, char **argv)
{
	watchdog(100, "sleep_deadline_order");
	n = argc > 1 && !strcmp(argv[1], "many") ? stack_maps_tasks_that_fit(MAX_SLEEPERS, 10000) : 10000;
	if (getenv("URT_TEST_SMALL")) /* set for the Valgrind run, ~20x slower */
		n = 2000;
	ns = calloc(n, sizeof *ns);
	t_before = calloc(n, sizeof *t_before);
	t_woke = calloc(n, sizeof *t_woke);
	slept_order = calloc(n, sizeof *slept_order);
	woke_order = calloc(n, sizeof *woke_order);
	CHECK(ns && t_before && t_woke && slept_order && woke_order);
	uint64_t x = 0x243f6a8885a308d3ull; /* fixed seed: the same sleeps every run */
	for (unsigned i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		ns[i] = x % (SPAN_NS + 1);
	}
	ns[0] = 0; /* the edges: an immediate one, a tie, the longest */
	ns[1] = ns[2];
	ns[3] = SPAN_NS;

	struct urt *rt;
	struct urt_config cfg = { .stack_size = 16 * 1024 };
	CHECK_EQ(check_create(&rt, &cfg), 0);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(urt_spawn(rt, sleeper, (void *)(uintptr_t)i), 0);
	CHECK_EQ(urt_spawn(rt, last, NULL), 0); /* FIFO: runs after every sleeper's first step */
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(nslept, n);
	CHECK_EQ(nwoke, n);

	/*
	 * The runtime's deadline for sleeper i is its clock at the call plus
	 * ns[i], so it lies in [lo, hi]: lo = t_before[i] + ns[i], hi = the
	 * clock of whoever ran next (the next sleeper, or `last`) + ns[i].
	 * Waking in deadline order means: whoever woke before i has a
	 * deadline <= i's, so no earlier waker's lo may exceed i's hi.  No
	 * tolerance is needed, whatever the machine's load.
	 */
	uint64_t *hi = calloc(n, sizeof *hi);
	CHECK(hi);
	for (unsigned k = 0; k < n; k++) {
		unsigned i = slept_order[k];
		hi[i] = (k + 1 < n ? t_before[slept_order[k + 1]] : t_after_all) + ns[i];
	}
	uint64_t max_lo = 0, worst_late = 0;
	unsigned inversions = 0, early = 0;
	for (unsigned k = 0; k < n; k++) {
		unsigned i = woke_order[k];
		uint64_t lo = t_before[i] + ns[i];
		if (max_lo > hi[i])
			inversions++;
		if (lo > max_lo)
			max_lo = lo;
		if (t_woke[i] < lo)
			early++;
		else if (t_woke[i] - lo > worst_late)
			worst_late = t_woke[i] - lo;
	}
	struct urt_stats s;
	urt_get_stats(rt, &s);
	printf("%u sleepers: %u out of deadline order, %u early, worst lateness %.1f ms (not judged), %llu kernel timeouts\n",
	       n, inversions, early, (double)worst_late / 1e6, (unsigned long long)s.ops_started);
	CHECK_EQ(inversions, 0);
	CHECK_EQ(early, 0);
	CHECK_EQ(s.ops_completed, s.ops_started); /* no timeout of the runtime's left in flight */
	CHECK(s.ops_started <= n); /* none at all if every deadline passed during the first pass */
	urt_destroy(rt);
	free(hi), free(ns), free(t_before), free(t_woke), free(slept_order), free(woke_order);
	return 0;
}
