/* Up to 100 000 live tasks at once (as many as vm.max_map_count allows, never changing it): every one suspended in a sleep at the same time, then all finish. */
#include "check.h"
#include <urt.h>

#include <stdio.h>

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

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static long count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int c;
	while (f && (c = fgetc(f)) != EOF)
		n += c == '\n';
	if (f)
		fclose(f);
	return n;
}

/* Each task stack is two mappings (guard page + stack); the kernel's default
 * vm.max_map_count (65530) allows about 32 000.  The test never raises it (a
 * system-wide setting, shared with every other process): it runs as many
 * tasks as fit, with room to spare for the runtime and libc. */
static unsigned tasks_that_fit(void)
{
	long max = read_long("/proc/sys/vm/max_map_count");
	if (max < 0)
		return MAX_TASKS;
	long fit = (max - count_maps() - 2000) / 2;
	if (fit < 10000)
		SKIP("vm.max_map_count leaves room for fewer than 10000 guarded stacks");
	return fit < MAX_TASKS ? (unsigned)fit : MAX_TASKS;
}

int main(void)
{
	TASKS = tasks_that_fit();
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
