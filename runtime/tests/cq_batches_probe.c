/*
 * urt_cq_batches is the cq_batches counter of urt_get_stats on its own:
 * equal to it whenever both are read, moving when a batch of completions
 * is taken and only then, and 0 for NULL.
 */
#include "check.h"
#include <urt.h>

static struct urt *rt;

static void check_same(void)
{
	struct urt_stats st;
	urt_get_stats(rt, &st);
	CHECK_EQ(urt_cq_batches(rt), st.cq_batches);
}

static void task(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++) {
		uint64_t before = urt_cq_batches(rt);
		check_same();
		CHECK_EQ(urt_nop(), 0); /* one task: its NOP is a batch of its own */
		CHECK(urt_cq_batches(rt) > before);
		check_same();
		uint64_t now = urt_cq_batches(rt);
		urt_yield(); /* no completion taken in between... */
		CHECK_EQ(urt_cq_batches(rt), now); /* ...no batch counted */
	}
}

int main(void)
{
	CHECK_EQ(urt_cq_batches(NULL), 0);
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_cq_batches(rt), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	check_same();
	CHECK(urt_cq_batches(rt) >= 100);
	urt_stats_reset(rt);
	CHECK_EQ(urt_cq_batches(rt), 0);
	urt_destroy(rt);
	printf("cq_batches_probe: ok\n");
	return 0;
}
