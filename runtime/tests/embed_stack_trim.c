/* Under urt_run_once (embedding) the stack cache is trimmed too: a burst of
 * short tasks, then one task sleeping in steps (the loop goes idle at each)
 * for longer than a trim epoch (1 s): stacks beyond the 64 kept are given
 * back (urt.h: unused stacks return after about a second).  Only urt_run
 * used to trim (when it was about to wait in the kernel). */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include <urt.h>

#include <poll.h>

#define BURST 200

static void quick(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_sleep(1000 * 1000), 0);
}

static void burst_then_sleep(void *arg)
{
	(void)arg;
	for (int i = 0; i < BURST; i++)
		CHECK_EQ(urt_spawn(urt_current(), quick, NULL), 0);
	/* 4 x 400 ms: the epoch that began when the burst's stacks came back
	 * ends (>= 1 s) at one of these wake-ups however slow the machine. */
	for (int i = 0; i < 4; i++)
		CHECK_EQ(urt_sleep(400ull * 1000 * 1000), 0);
}

int main(void)
{
	watchdog(60, "embed_stack_trim");
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, burst_then_sleep, NULL), 0);
	int n;
	while ((n = urt_run_once(rt)) > 0) {
		struct pollfd p = { urt_backend_fd(rt), POLLIN, 0 };
		poll(&p, 1, urt_backend_timeout(rt));
	}
	CHECK_EQ(n, 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	CHECK(s.stacks_mapped > 64);
	CHECK(s.stacks_unmapped > 0);
	CHECK(s.stacks_unmapped <= s.stacks_mapped - 64);
	urt_destroy(rt);
	return 0;
}
