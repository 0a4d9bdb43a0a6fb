/* stackcost.c - not a test: measures RSS per idle task and spawn cost for a
 * stack size (README "Using it").  usage: stackcost STACK_BYTES TASKS */
#define _GNU_SOURCE
#include <urt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned started, ntasks;
static long rss_idle_kb;
static double t_spawn;

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleeper(void *arg)
{
	(void)arg;
	if (++started == ntasks)
		rss_idle_kb = rss_kb(); /* every task is live and suspended or about to be */
	urt_sleep(20 * 1000 * 1000);
}

int main(int argc, char **argv)
{
	size_t stack = strtoul(argv[1], NULL, 0);
	ntasks = (unsigned)strtoul(argv[2], NULL, 0);
	struct urt *rt;
	struct urt_config cfg = { .stack_size = stack };
	if (urt_create(&rt, &cfg) < 0)
		return 1;
	long base = rss_kb();
	double t0 = now();
	for (unsigned i = 0; i < ntasks; i++)
		if (urt_spawn(rt, sleeper, NULL) < 0)
			return 1;
	t_spawn = now() - t0;
	long after_spawn = rss_kb();
	if (urt_run(rt) < 0)
		return 1;
	double total = now() - t0;
	urt_destroy(rt);
	printf("stack %zu KiB, %u tasks: spawn %.2f us/task, RSS after spawn +%.2f KiB/task, idle +%.2f KiB/task, run %.3f s\n",
	       stack >> 10, ntasks, t_spawn * 1e6 / ntasks, (double)(after_spawn - base) / ntasks,
	       (double)(rss_idle_kb - base) / ntasks, total);
	return 0;
}
