/* The kernel timeout for the next deadline is armed after the sleepers just woken have run, from a fresh clock read.  Armed before, from the clock read that woke them, a relative timeout would start only at the next submit: late by however long they ran.  Here A (20 ms) computes on its wake-up until B's deadline (40 ms) has passed: B must be woken by the clock then, after A, with no kernel timeout of its own (at most one in all, A's; none if the first pass took 20 ms).  Not a timing test: A computes until the clock says B is due, however slow the machine. */
#include "check.h"
#include "watchdog.h"
#include <urt.h>

#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t b_due; /* no earlier than B's deadline */
static char order[3];
static int n;

static void a(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_sleep(20 * 1000 * 1000), 0);
	order[n++] = 'A';
	while (now_ns() <= b_due) /* computes past B's deadline */
		;
}

static void b(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_sleep(40 * 1000 * 1000), 0);
	order[n++] = 'B';
}

/* Runs in the first pass after B went to sleep: B's deadline is B's clock
 * at the sleep plus 40 ms, so this clock plus 40 ms is no earlier. */
static void c(void *arg)
{
	(void)arg;
	b_due = now_ns() + 40 * 1000 * 1000;
}

int main(void)
{
	watchdog(30, "sleep_arm_after_wake");
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, a, NULL), 0);
	CHECK_EQ(urt_spawn(rt, b, NULL), 0);
	CHECK_EQ(urt_spawn(rt, c, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	printf("woke %c then %c; %llu kernel timeouts\n", order[0], order[1], (unsigned long long)s.ops_started);
	CHECK_EQ(n, 2);
	CHECK(order[0] == 'A' && order[1] == 'B');
	CHECK(s.ops_started <= 1); /* A's: none was armed for B while A ran */
	CHECK_EQ(s.ops_completed, s.ops_started);
	urt_destroy(rt);
	return 0;
}
