/* Awaiting a future that was already awaited returns -EINVAL and never touches the future now using its record. */
#include "adv.h"

static int p[2];

static void task(void *arg)
{
	(void)arg;
	struct urt_future *f1, *f2;
	CHECK_EQ(urt_nop_async(&f1), 0);
	CHECK_EQ(urt_await(f1), 0);
	CHECK_EQ(urt_await(f1), -EINVAL); /* released */
	/* the record is reused by the next future: the stale handle must not steal it */
	char c = 0;
	CHECK_EQ(urt_read_async(&f2, p[0], &c, 1, -1), 0);
	CHECK_EQ(urt_await(f1), -EINVAL);
	CHECK_EQ(urt_cancel(f1), -EINVAL);
	CHECK_EQ(urt_future_done(f1), 0);
	CHECK_EQ(write(p[1], "k", 1), 1);
	CHECK_EQ(urt_await(f2), 1);
	CHECK_EQ(c, 'k');
	struct urt_future *fs[1] = { f1 };
	CHECK_EQ(urt_await_all(fs, 1, NULL), -EINVAL);
	CHECK_EQ(urt_await_any(fs, 1), -EINVAL);
}

int main(void)
{
	adv_watchdog(20, "awaiting a stale future");
	CHECK(pipe(p) == 0);
	CHECK_EQ(adv_run1(task, NULL), 0);
	return 0;
}
