/* Under SQPOLL a full SQ is flushed and waited for: no operation fails with -EBUSY. */
#include "check.h"
#include "watchdog.h"
#include <urt.h>

#define TASKS 1000
#define FUTURES 300

static unsigned ok_tasks;

static void nop_task(void *arg)
{
	(void)arg;
	int r = urt_nop();
	if (r != 0)
		fprintf(stderr, "urt_nop: %d\n", r);
	CHECK_EQ(r, 0);
	ok_tasks++;
}

static void futures_task(void *arg)
{
	(void)arg;
	static struct urt_future *fs[FUTURES];
	for (int i = 0; i < FUTURES; i++)
		CHECK_EQ(urt_nop_async(&fs[i]), 0);
	for (int i = 0; i < FUTURES; i++)
		CHECK_EQ(urt_await(fs[i]), 0);
}

static struct urt *create_sqpoll(unsigned entries)
{
	struct urt *rt;
	struct urt_config cfg = { .entries = entries, .flags = URT_SQPOLL, .stack_size = 16 * 1024 };
	int r = check_create(&rt, &cfg);
	if (r == -EOPNOTSUPP || r == -EPERM)
		SKIP("SQPOLL not available");
	CHECK_EQ(r, 0);
	return rt;
}

int main(void)
{
	watchdog(60, "SQPOLL with a full SQ");
	struct urt *rt = create_sqpoll(256);
	for (int i = 0; i < TASKS; i++)
		CHECK_EQ(urt_spawn(rt, nop_task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(ok_tasks, TASKS);
	urt_destroy(rt);

	rt = create_sqpoll(256);
	CHECK_EQ(urt_spawn(rt, futures_task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	CHECK_EQ(s.errors_surfaced, 0);
	urt_destroy(rt);
	return 0;
}
