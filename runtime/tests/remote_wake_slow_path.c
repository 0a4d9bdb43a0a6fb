/* A runtime listening for remote spawns arms its wake-up read from the scheduler (no task): with an op timeout set, faults armed or the SQ full at that moment it must not crash (it dereferenced the missing task). */
#include "check.h"
#include "watchdog.h"
#include <urt.h>

static int done, tasks;
static struct urt *g_rt;

/* Listening keeps the wake-up read in flight, so urt_run would wait for
 * remote work for ever: the last task to finish stops listening. */
static void finished(void)
{
	if (++done == tasks)
		CHECK_EQ(urt_remote_listen(g_rt, 0), 0);
}

static void timed_sleeper(void *arg)
{
	(void)arg;
	CHECK(urt_set_op_timeout(1000ull * 1000 * 1000) >= 0); /* op starts now take the slow path */
	CHECK_EQ(urt_sleep(2 * 1000 * 1000), 0);
	finished();
}

static void nopper(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_nop(), 0);
	finished();
}

static void run(unsigned entries, void (*fn)(void *), int n)
{
	struct urt_config cfg = { .entries = entries };
	CHECK_EQ(check_create(&g_rt, &cfg), 0);
	CHECK_EQ(urt_remote_listen(g_rt, 1), 0);
	done = 0;
	tasks = n;
	for (int i = 0; i < n; i++)
		CHECK_EQ(urt_spawn(g_rt, fn, NULL), 0);
	CHECK_EQ(urt_run(g_rt), 0);
	CHECK_EQ(done, n);
	urt_destroy(g_rt);
}

int main(void)
{
	watchdog(30, "remote_wake_slow_path");
	run(0, timed_sleeper, 1);  /* an op timeout: every op start takes the slow path */
	run(2, nopper, 8);        /* 2-entry SQ: full when the wake-up read is armed */
	run(4, nopper, 64);
	return 0;
}
