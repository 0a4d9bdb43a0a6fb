/* Task stacks cost no kernel mapping of their own: 20 000 live tasks (URT_TEST_SMALL: 2000) (every one suspended in a sleep) add fewer than one mapping per 50 tasks to /proc/self/maps, where a guard page made by mprotect would add two per task (vm.max_map_count, 65530 by default, would then cap a process at about 32 000 tasks).  Skipped on kernels without MADV_GUARD_INSTALL (before 6.13), where the runtime falls back to mprotect. */
#include "check.h"
#include "watchdog.h"
#include <urt.h>

#include "stack_maps.h"

static unsigned TASKS = 20000; /* URT_TEST_SMALL (Valgrind, ~20x slower): 2000 */
static unsigned started;
static long maps_before, maps_live;

static void sleeper(void *arg)
{
	(void)arg;
	started++;
	CHECK_EQ(urt_sleep(10 * 1000 * 1000), 0);
}

/* Spawned after the sleepers: runs once every one of them is suspended. */
static void counter(void *arg)
{
	(void)arg;
	CHECK_EQ(started, TASKS);
	maps_live = stack_maps_count();
}

int main(void)
{
	watchdog(100, "stack_maps_per_task");
	if (!stack_maps_guard_madvise())
		SKIP("the kernel has no MADV_GUARD_INSTALL (Linux 6.13+): stacks are guarded by mprotect, two mappings each");
	if (getenv("URT_TEST_SMALL"))
		TASKS = 2000;
	struct urt *rt;
	struct urt_config cfg = { .stack_size = 16 * 1024 };
	CHECK_EQ(check_create(&rt, &cfg), 0);
	maps_before = stack_maps_count();
	for (unsigned i = 0; i < TASKS; i++)
		CHECK_EQ(urt_spawn(rt, sleeper, NULL), 0);
	CHECK_EQ(urt_spawn(rt, counter, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	printf("%u live tasks: /proc/self/maps %ld -> %ld lines (%.4f per task), %llu stacks mapped\n", TASKS,
	       maps_before, maps_live, (double)(maps_live - maps_before) / TASKS, (unsigned long long)s.stacks_mapped);
	CHECK(s.stacks_mapped >= TASKS); /* each live task had a stack of its own */
	CHECK(maps_live > 0);
	CHECK((maps_live - maps_before) * 50 < TASKS);
	urt_destroy(rt);
	return 0;
}
