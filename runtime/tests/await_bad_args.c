/* urt_await_any with a NULL entry and urt_await_all with the same future twice (or a NULL) are -EINVAL and touch nothing: the futures can still be awaited. */
#include "check.h"
#include <urt.h>

static void task(void *arg)
{
	(void)arg;
	struct urt_future *f, *g;
	CHECK_EQ(urt_nop_async(&f), 0);
	CHECK_EQ(urt_nop_async(&g), 0);
	struct urt_future *with_null[3] = { f, NULL, g };
	CHECK_EQ(urt_await_any(with_null, 3), -EINVAL);
	CHECK_EQ(urt_await_all(with_null, 3, NULL), -EINVAL);
	struct urt_future *twice[3] = { f, g, f };
	ssize_t res[3] = { 7, 7, 7 };
	CHECK_EQ(urt_await_all(twice, 3, res), -EINVAL);
	CHECK_EQ(res[0], 7); /* nothing awaited, nothing stored */
	CHECK_EQ(urt_await_any(NULL, 1), -EINVAL);
	CHECK_EQ(urt_await_any(twice, 0), -EINVAL);
	/* Both still belong to us. */
	struct urt_future *both[2] = { f, g };
	int i = urt_await_any(both, 2);
	CHECK(i == 0 || i == 1);
	CHECK_EQ(urt_await_all(both, 2, res), 0);
	CHECK_EQ(res[0], 0);
	CHECK_EQ(res[1], 0);
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
