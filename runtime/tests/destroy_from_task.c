/* urt_destroy called from a task of the runtime (or while urt_run is active on it) does nothing: the task carries on, urt_run finishes, and the urt_destroy after urt_run frees it once; a task may destroy another, idle runtime. */
#include "check.h"
#include <urt.h>

static struct urt *rt, *other;
static int steps;

static void victim(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_nop(), 0);
	steps++;
}

static void destroyer(void *arg)
{
	(void)arg;
	urt_destroy(rt); /* refused: we run on one of its stacks */
	CHECK_EQ(urt_nop(), 0);
	CHECK_EQ(urt_sleep(1000), 0);
	CHECK_EQ(urt_spawn(rt, victim, NULL), 0); /* still fully usable */
	urt_destroy(other); /* another runtime, not running: allowed */
	other = NULL;
	steps++;
}

int main(void)
{
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(check_create(&other, NULL), 0);
	CHECK_EQ(urt_spawn(other, victim, NULL), 0); /* never run: freed by urt_destroy */
	CHECK_EQ(urt_spawn(rt, victim, NULL), 0);
	CHECK_EQ(urt_spawn(rt, destroyer, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(steps, 3);
	CHECK(other == NULL);
	urt_destroy(rt);
	return 0;
}
