/*
 * The CQ pass (internal.h: urt__cq_take): completions wake their tasks in
 * completion order, errors included; a yield loop cannot starve tasks
 * waiting for completions; and tasks whose operations complete at once,
 * again and again, cannot starve a yielder (a CQ pass takes only the
 * completions ready when it began).
 */
#include "check.h"
#include <urt.h>

#include <fcntl.h>
#include <unistd.h>

/* ---- 1. completion order, an error among them ---- */

static char order[16];
static int order_len;

static void one_op(void *arg)
{
	char name = (char)(uintptr_t)arg;
	char buf[1];
	if (name == 'b' || name == 'd') {
		/* -EBADF: the reactor's slow dispatch, not the fast path */
		CHECK_EQ(urt_read(-1, buf, 1, 0), -EBADF);
	} else {
		CHECK_EQ(urt_nop(), 0);
	}
	order[order_len++] = name;
}

static void test_order(void)
{
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	const char *names = "abcdef";
	for (const char *p = names; *p; p++)
		CHECK_EQ(urt_spawn(rt, one_op, (void *)(uintptr_t)*p), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	order[order_len] = 0;
	printf("woken in order: %s\n", order);
	/* Queued a..f in one pass, submitted together, completed in that
	 * order: each task resumes in it, the two errors too. */
	CHECK(strcmp(order, names) == 0);
}

/* ---- 2. a yield loop does not starve completions, nor the other way ---- */

#define NOPS 2000
static int stop;
static unsigned long yields, yields_seen[NOPS];

static void yielder(void *arg)
{
	(void)arg;
	while (!stop) {
		urt_yield();
		yields++;
	}
}

static int nop_tasks_left;

static void nop_loop(void *arg)
{
	unsigned n = (unsigned)(uintptr_t)arg;
	for (unsigned i = 0; i < n; i++) {
		CHECK_EQ(urt_nop(), 0);
		if (n == NOPS)
			yields_seen[i] = yields;
	}
	if (--nop_tasks_left == 0)
		stop = 1;
}

static void test_yield_vs_completions(void)
{
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	stop = 0;
	yields = 0;
	nop_tasks_left = 1;
	CHECK_EQ(urt_spawn(rt, yielder, NULL), 0);
	CHECK_EQ(urt_spawn(rt, nop_loop, (void *)(uintptr_t)NOPS), 0);
	CHECK_EQ(urt_run(rt), 0); /* a starved nop_loop would never stop the yielder */
	urt_destroy(rt);
	/* The two alternate: the yielder runs once per turn, and the NOP
	 * task's completion comes in every turn. */
	printf("yields while %d NOPs ran: %lu\n", NOPS, yields);
	CHECK(yields_seen[NOPS - 1] > yields_seen[NOPS / 2]);
	CHECK(yields_seen[NOPS / 2] > yields_seen[0]);
}

static void test_instant_completions_vs_yield(void)
{
	/* submit_batch 1: every NOP goes to the kernel when it starts and its
	 * completion is ready before the task has even blocked.  A CQ pass
	 * that took completions as long as there were any would never end. */
	struct urt_config cfg = { .submit_batch = 1 };
	struct urt *rt;
	CHECK_EQ(check_create(&rt, &cfg), 0);
	stop = 0;
	yields = 0;
	nop_tasks_left = 4;
	CHECK_EQ(urt_spawn(rt, yielder, NULL), 0);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(urt_spawn(rt, nop_loop, (void *)(uintptr_t)(NOPS / 2)), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats st;
	urt_get_stats(rt, &st);
	urt_destroy(rt);
	printf("yields while 4 tasks ran %d instant NOPs: %lu (%llu enters)\n", 2 * NOPS, yields,
	       (unsigned long long)st.enter_calls);
	/* At least one turn (one yield) per round of the 4 tasks' NOPs. */
	CHECK(yields >= NOPS / 2 / 2);
}

int main(void)
{
	test_order();
	test_yield_vs_completions();
	test_instant_completions_vs_yield();
	printf("ok\n");
	return 0;
}
