/*
 * Each task keeps its own errno across the switches that go straight from
 * task to task (the CQ pass's fast take: a blocking task hands the CPU to
 * the waiter of the next completion) and across yields: errno moves with
 * the switch, not around it (executor.c), so a task that set errno and then
 * blocked must find its own value, never the one another task set meanwhile.
 */
#include "check.h"
#include <urt.h>

#define TASKS 8
#define ROUNDS 500

static unsigned switched; /* urt_nop calls during which another task ran */
static unsigned last_ran = ~0u;

static void task(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	for (int i = 0; i < ROUNDS; i++) {
		int mine = (int)(id * 100000 + (unsigned)i + 1);
		errno = mine;
		last_ran = id;
		if (i % 50 == 49)
			urt_yield();
		else
			CHECK_EQ(urt_nop(), 0);
		if (last_ran != id)
			switched++;
		CHECK_EQ(errno, mine);
	}
}

int main(void)
{
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	for (unsigned i = 0; i < TASKS; i++)
		CHECK_EQ(urt_spawn(rt, task, (void *)(uintptr_t)i), 0);
	errno = 4321;
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(errno, 4321); /* the caller's errno comes back too */
	/* The check above meant something: other tasks did run (and set
	 * errno) while each one waited. */
	CHECK(switched > TASKS * ROUNDS / 2);
	urt_destroy(rt);
	return 0;
}
