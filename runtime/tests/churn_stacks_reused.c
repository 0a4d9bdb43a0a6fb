/* Task churn with 10 000 alive maps each stack once (finished stacks are reused, none unmapped per task), and an idle loop gives the unused cached stacks back to the OS after a second. */
#include "check.h"
#include "watchdog.h"
#include <urt.h>

/* URT_TEST_SMALL (set for the Valgrind run, ~20x slower): a tenth. */
static unsigned ALIVE = 10000, TOTAL = 200000;
#define KEEP 64 /* cached stacks a trim keeps (URT__TASK_CACHE_KEEP) */

static struct urt *rt;
static unsigned alive, spawned, finished, max_alive;

static void child(void *arg)
{
	(void)arg;
	urt_yield(); /* stays alive across a pass: many live at once */
	alive--;
	finished++;
}

static void spawner(void *arg)
{
	(void)arg;
	while (spawned < TOTAL) {
		if (alive < ALIVE) {
			CHECK_EQ(urt_spawn(rt, child, NULL), 0);
			spawned++;
			if (++alive > max_alive)
				max_alive = alive;
		} else {
			urt_yield();
		}
	}
}

static void idler(void *arg)
{
	(void)arg;
	/* The loop waits in the kernel at every sleep: trim points, 0.4 s
	 * apart, so the second-long epoch ends within this task. */
	for (int i = 0; i < 5; i++)
		CHECK_EQ(urt_sleep(400ull * 1000 * 1000), 0);
}

/* Bytes of address space mapped: the sum of /proc/self/maps' ranges. */
static unsigned long long mapped_bytes(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long long sum = 0, lo, hi;
	char line[512];
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "%llx-%llx", &lo, &hi) == 2)
			sum += hi - lo;
	if (f)
		fclose(f);
	return sum;
}

int main(void)
{
	watchdog(100, "churn_stacks_reused");
	if (getenv("URT_TEST_SMALL"))
		ALIVE /= 10, TOTAL /= 10;
	struct urt_config cfg = { .stack_size = 16 * 1024 };
	CHECK_EQ(check_create(&rt, &cfg), 0);
	CHECK_EQ(urt_spawn(rt, spawner, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(finished, TOTAL);
	CHECK_EQ(max_alive, ALIVE);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	printf("churn: %u tasks, %u alive at most: %llu stacks mapped, %llu unmapped\n", TOTAL, max_alive,
	       (unsigned long long)s.stacks_mapped, (unsigned long long)s.stacks_unmapped);
	/* The high-water mark (children and the spawner), each mapped once. */
	CHECK(s.stacks_mapped >= ALIVE && s.stacks_mapped <= ALIVE + 1);
	CHECK_EQ(s.stacks_unmapped, 0);

	unsigned long long bytes_cached = mapped_bytes();
	CHECK_EQ(urt_spawn(rt, idler, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	unsigned long long bytes_trimmed = mapped_bytes();
	urt_get_stats(rt, &s);
	printf("after 2 s mostly idle: %llu stacks unmapped; /proc/self/maps %.1f -> %.1f MiB\n",
	       (unsigned long long)s.stacks_unmapped, bytes_cached / 1048576.0, bytes_trimmed / 1048576.0);
	/* Nearly everything but the idler's stack and the kept few went back.
	 * Not all: the trim gives stacks back only in runs of at least a slab
	 * (runtime/src/stack.c: a shorter run, next to a stack still used,
	 * would split the slab's mapping), so the slab neighbours of the kept
	 * ones may stay; 9691 of 9936 went back here. */
	CHECK((s.stacks_unmapped + KEEP + 1) * 10 >= s.stacks_mapped * 9);
	CHECK(s.stacks_unmapped <= s.stacks_mapped - 1);
	/* ... for real: each took at least its 16 KiB and guard page of address
	 * space with it (the stack count alone would not show a missed munmap). */
	CHECK(bytes_cached > bytes_trimmed);
	CHECK(bytes_cached - bytes_trimmed >= s.stacks_unmapped * (16 + 4) * 1024);
	urt_destroy(rt);
	return 0;
}
