/* A future used after urt_await released it is -EINVAL in every call (await, cancel, future_done, await_any, await_all), even when its record now serves a new future, which keeps its own result. */
#include "check.h"
#include <urt.h>

#include <unistd.h>

static void task(void *arg)
{
	(void)arg;
	int p[2];
	CHECK_EQ(pipe(p), 0);
	struct urt_future *old, *cur;
	CHECK_EQ(urt_nop_async(&old), 0);
	CHECK_EQ(urt_await(old), 0);
	/* Released and not reused yet. */
	CHECK_EQ(urt_await(old), -EINVAL);
	CHECK_EQ(urt_future_done(old), 0);
	CHECK_EQ(urt_cancel(old), -EINVAL);
	/* The pool hands the same record out again (LIFO free list). */
	char buf[8];
	CHECK_EQ(urt_read_async(&cur, p[0], buf, sizeof buf, -1), 0);
	CHECK_EQ(urt_await(old), -EINVAL);  /* must not steal cur's result */
	CHECK_EQ(urt_cancel(old), -EINVAL); /* must not cancel cur */
	CHECK_EQ(urt_future_done(old), 0);
	struct urt_future *any[2] = { cur, old };
	CHECK_EQ(urt_await_any(any, 2), -EINVAL);
	CHECK_EQ(urt_await_all(any, 2, NULL), -EINVAL);
	CHECK_EQ(urt_future_done(cur), 0);
	CHECK_EQ(write(p[1], "abc", 3), 3);
	CHECK_EQ(urt_await(cur), 3);
	CHECK(memcmp(buf, "abc", 3) == 0);
	CHECK_EQ(urt_await(cur), -EINVAL);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	return 0;
}
