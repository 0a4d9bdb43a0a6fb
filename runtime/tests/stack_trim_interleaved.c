/* Finished stacks that alternate with live ones in a slab are never cut out
 * one by one: 20 000 tasks (URT_TEST_SMALL: 2000) on 16 KiB stacks, every
 * other one finishing at once and the rest sleeping, with the loop idle long
 * enough for the stack cache's trim to run (its epoch is 1 s).  Unmapping a
 * cached stack between two live ones splits its slab's one mapping in two: a
 * mapping per finished task, and past vm.max_map_count (65530) munmap fails
 * and the process can map nothing more.  The mappings must stay within a few
 * of where they started, while the sleepers are live and after urt_destroy
 * (which frees live and cached stacks together, in whole slabs).  Skipped on
 * kernels without MADV_GUARD_INSTALL, where every stack is its own mapping. */
#include "check.h"
#include "watchdog.h"
#include <urt.h>

#include "stack_maps.h"

static unsigned TASKS = 20000;
static long maps_idle;

static void quick(void *arg)
{
	(void)arg;
}

static void sleeper(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_sleep(1600ull * 1000 * 1000), 0);
}

/* Keeps the loop turning while it is otherwise idle, so the trim runs. */
static void ticker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 14; i++)
		CHECK_EQ(urt_sleep(100ull * 1000 * 1000), 0);
	maps_idle = stack_maps_count();
}

int main(void)
{
	watchdog(100, "stack_trim_interleaved");
	if (!stack_maps_guard_madvise())
		SKIP("the kernel has no MADV_GUARD_INSTALL (Linux 6.13+): every stack is a mapping of its own");
	if (getenv("URT_TEST_SMALL"))
		TASKS = 2000;
	long maps_start = stack_maps_count();
	struct urt *rt;
	struct urt_config cfg = { .stack_size = 16 * 1024 };
	CHECK_EQ(check_create(&rt, &cfg), 0);
	long maps_before = stack_maps_count();
	for (unsigned i = 0; i < TASKS; i++)
		CHECK_EQ(urt_spawn(rt, i % 2 ? quick : sleeper, NULL), 0);
	CHECK_EQ(urt_spawn(rt, ticker, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	printf("%u tasks, every other one finished at once: /proc/self/maps %ld -> %ld lines while the rest slept; "
	       "%llu stacks mapped, %llu unmapped by the trim\n",
	       TASKS, maps_before, maps_idle, (unsigned long long)s.stacks_mapped,
	       (unsigned long long)s.stacks_unmapped);
	CHECK(maps_idle > 0);
	/* One split per finished stack would add TASKS / 2 mappings; the
	 * allowance is for the allocator's own (ASan's adds about 30). */
	CHECK(maps_idle - maps_before < TASKS / 40);
	CHECK(s.stacks_unmapped <= s.stacks_mapped);
	urt_destroy(rt);
	long maps_end = stack_maps_count();
	printf("after urt_destroy: %ld lines (%ld before urt_create)\n", maps_end, maps_start);
	CHECK(maps_end <= maps_start + 64); /* the allocator's (ASan's) may stay */
	return 0;
}
