/* 100 000 live tasks at once: every one suspended in a sleep at the same time, then all finish. */
#include "check.h"
#include <urt.h>

#include <stdio.h>

#define TASKS 100000

static unsigned started, finished;

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

/* Each task stack is two mappings (guard page + stack); the kernel's default
 * vm.max_map_count (65530) allows about 32 000.  Raise it when we may. */
static void ensure_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long cur = 0;
	if (f) {
		if (fscanf(f, "%ld", &cur) != 1)
			cur = 0;
		fclose(f);
	}
	if (cur >= 2L * TASKS + 10000)
		return;
	f = fopen("/proc/sys/vm/max_map_count", "w");
	if (f) {
		fprintf(f, "%ld\n", 2L * TASKS + 65536);
		if (fclose(f) == 0)
			return;
	}
	SKIP("vm.max_map_count is too low for 100000 guarded stacks and cannot be raised (not root)");
}

int main(void)
{
	ensure_map_count();
	struct urt *rt;
	/* 16 KiB stacks: the test is about the number of tasks, not their size. */
	struct urt_config cfg = { .stack_size = 16 * 1024 };
	CHECK_EQ(check_create(&rt, &cfg), 0);
	for (int i = 0; i < TASKS; i++)
		CHECK_EQ(urt_spawn(rt, sleeper, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(finished, TASKS);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	CHECK_EQ(s.tasks_finished, TASKS);
	printf("%d tasks, %llu context switches, %llu enter calls\n", TASKS,
	       (unsigned long long)s.context_switches, (unsigned long long)s.enter_calls);
	urt_destroy(rt);
	return 0;
}
