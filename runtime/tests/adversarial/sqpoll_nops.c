/* SQPOLL: 1000 tasks doing urt_nop at once, and 300 futures on a 256-entry ring, all succeed (no spurious -EBUSY). */
#include "adv.h"

static unsigned ok, bad;
static int first_bad;

static void one_nop(void *arg)
{
	(void)arg;
	int r = urt_nop();
	if (r == 0)
		ok++;
	else if (!bad++)
		first_bad = r;
}

static void many_futures(void *arg)
{
	(void)arg;
	static struct urt_future *f[300];
	for (int i = 0; i < 300; i++) {
		int r = urt_nop_async(&f[i]);
		if (r != 0) {
			fprintf(stderr, "urt_nop_async #%d = %d\n", i, r);
			CHECK_EQ(r, 0);
		}
	}
	for (int i = 0; i < 300; i++) {
		ssize_t r = urt_await(f[i]);
		if (r == 0)
			ok++;
		else if (!bad++)
			first_bad = (int)r;
	}
}

int main(void)
{
	adv_watchdog(30, "sqpoll_nops");
	struct urt *rt;
	struct urt_config cfg = { .flags = URT_SQPOLL };
	int r = urt_create(&rt, &cfg);
	if (r == -EOPNOTSUPP || r == -EPERM)
		SKIP("SQPOLL not available here (%d)", r);
	CHECK_EQ(r, 0);
	for (int i = 0; i < 1000; i++)
		CHECK_EQ(urt_spawn(rt, one_nop, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	if (bad)
		fprintf(stderr, "1000 tasks: %u nops failed, the first with %d\n", bad, first_bad);
	CHECK_EQ(ok, 1000);
	CHECK_EQ(bad, 0);
	urt_destroy(rt);

	ok = 0;
	cfg.entries = 256;
	CHECK_EQ(urt_create(&rt, &cfg), 0);
	CHECK_EQ(urt_spawn(rt, many_futures, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	if (bad)
		fprintf(stderr, "300 futures: %u failed, the first with %d\n", bad, first_bad);
	CHECK_EQ(ok, 300);
	urt_destroy(rt);
	return 0;
}
