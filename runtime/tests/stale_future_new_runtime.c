/* A future handle from a destroyed runtime stays stale in the next runtime, even when malloc gives that runtime the same address: -EINVAL, and the live future keeps its result. */
#include "check.h"
#include "watchdog.h"
#include <urt.h>

static struct urt_future *stale;
static void *first_addr;
static int same_address_seen;

static void make_and_release(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_nop_async(&stale), 0);
	CHECK_EQ(urt_await(stale), 0); /* released: the handle is stale from here on */
}

static void use_stale(void *arg)
{
	(void)arg;
	struct urt_future *live;
	CHECK_EQ(urt_nop_async(&live), 0);
	CHECK_EQ(urt_await(stale), -EINVAL); /* must not take the live one's result */
	CHECK_EQ(urt_future_done(stale), 0);
	CHECK_EQ(urt_await(live), 0);
}

int main(void)
{
	watchdog(30, "stale_future_new_runtime");
	for (int round = 0; round < 20; round++) {
		struct urt *rt;
		CHECK_EQ(check_create(&rt, NULL), 0);
		first_addr = rt;
		CHECK_EQ(urt_spawn(rt, make_and_release, NULL), 0);
		CHECK_EQ(urt_run(rt), 0);
		urt_destroy(rt);
		CHECK_EQ(check_create(&rt, NULL), 0);
		same_address_seen += (void *)rt == first_addr;
		CHECK_EQ(urt_spawn(rt, use_stale, NULL), 0);
		CHECK_EQ(urt_run(rt), 0);
		urt_destroy(rt);
	}
	printf("the new runtime reused the old one's address in %d of 20 rounds\n", same_address_seen);
	return 0;
}
