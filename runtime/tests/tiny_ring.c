/* A ring of 4 entries with thousands of operations in flight: SQ full and CQ overflow handled, nothing lost. */
#include "check.h"
#include <urt.h>

#define TASKS 5000

static unsigned done;

static void task(void *arg)
{
	uintptr_t i = (uintptr_t)arg;
	/* all sleep at once and wake together: thousands of NOPs go through
	 * 4 SQ slots, far more completions than the CQ (8) holds */
	CHECK_EQ(urt_sleep(10 * 1000 * 1000 + (i % 3) * 1000), 0);
	for (int k = 0; k < 10; k++)
		CHECK_EQ(urt_nop(), 0);
	done++;
}

int main(void)
{
	struct urt *rt;
	struct urt_config cfg = { .entries = 4, .stack_size = 16 * 1024 };
	CHECK_EQ(check_create(&rt, &cfg), 0);
	for (uintptr_t i = 0; i < TASKS; i++)
		CHECK_EQ(urt_spawn(rt, task, (void *)i), 0);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(done, TASKS);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	printf("ops %llu, sq full %llu, cq overflow flushes %llu, enters %llu\n",
	       (unsigned long long)s.ops_completed, (unsigned long long)s.sq_full,
	       (unsigned long long)s.cq_overflow_flushes, (unsigned long long)s.enter_calls);
	/* 10 NOPs per task and the kernel timeouts behind the sleeps: at most
	 * one per sleeper (the runtime arms one for the earliest deadline, not
	 * one per task), none when every deadline had passed before the loop
	 * would wait (a slow first pass, under Valgrind). */
	CHECK_EQ(s.ops_completed, s.ops_started);
	CHECK(s.ops_completed >= TASKS * 10 && s.ops_completed <= TASKS * 11);
	CHECK(s.sq_full > 0);
	CHECK(s.cq_overflow_flushes > 0);
	urt_destroy(rt);
	return 0;
}
