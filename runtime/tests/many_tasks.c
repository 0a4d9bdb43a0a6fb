/* 100 000 live tasks at once under the default vm.max_map_count, never changing it (without MADV_GUARD_INSTALL: as many as it allows): every one suspended in a sleep at the same time, then all finish. */
#include "check.h"
#include <urt.h>

#include <stdio.h>

#include "stack_maps.h"

#define MAX_TASKS 100000

static unsigned started, finished, TASKS;

static void sleeper(void *arg)
{
	(void)arg;
	started++;
	CHECK_EQ(urt_sleep(20 * 1000 * 1000), 0);
	/* every task was started before any woke: they were all live at once */
	CHECK_EQ(started, TASKS);
	CHECK_EQ(urt_nop(), 0);
	finished++;
}

int main(void)
{
	TASKS = stack_maps_tasks_that_fit(MAX_TASKS, 10000);
	struct urt *rt;
	/* 16 KiB stacks: the test is about the number of tasks, not their size. */
	struct urt_config cfg = { .stack_size = 16 * 1024 };
	CHECK_EQ(check_create(&rt, &cfg), 0);
	for (unsigned i = 0; i < TASKS; i++)
		CHECK_EQ(urt_spawn(rt, sleeper, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(finished, TASKS);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	CHECK_EQ(s.tasks_finished, TASKS);
	printf("%u tasks, %llu context switches, %llu enter calls\n", TASKS,
	       (unsigned long long)s.context_switches, (unsigned long long)s.enter_calls);
	urt_destroy(rt);
	return 0;
}
