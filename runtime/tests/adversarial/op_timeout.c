/* urt_set_op_timeout bounds every operation: a read on an empty pipe, on an O_NONBLOCK pipe and through a future ends with -ETIMEDOUT (or -EAGAIN for O_NONBLOCK); operations that complete in time are untouched. */
#include "adv.h"

#include <fcntl.h>

static int p[2], nb[2];

static void task(void *arg)
{
	(void)arg;
	char buf[8];
	CHECK_EQ(urt_set_op_timeout(50 * 1000 * 1000), 0); /* previous: off */
	CHECK_EQ(urt_read(p[0], buf, sizeof buf, -1), -ETIMEDOUT);
	ssize_t r = urt_read(nb[0], buf, sizeof buf, -1);
	CHECK(r == -ETIMEDOUT || r == -EAGAIN);
	struct urt_future *f;
	CHECK_EQ(urt_read_async(&f, p[0], buf, sizeof buf, -1), 0);
	CHECK_EQ(urt_await(f), -ETIMEDOUT);
	/* in time: data is there */
	CHECK_EQ(write(p[1], "abc", 3), 3);
	CHECK_EQ(urt_read(p[0], buf, sizeof buf, -1), 3);
	CHECK_EQ(urt_nop(), 0);
	CHECK_EQ(urt_sleep(1000), 0);
	CHECK_EQ(urt_set_op_timeout(0), 50 * 1000 * 1000);
	/* off again: a read waits for its data */
	CHECK_EQ(write(p[1], "d", 1), 1);
	CHECK_EQ(urt_read(p[0], buf, sizeof buf, -1), 1);
	/* the pipe lost nothing to the timed-out reads */
	CHECK_EQ(write(p[1], "xyz", 3), 3);
	CHECK_EQ(urt_read_full(p[0], buf, 3, -1), 3);
	CHECK(memcmp(buf, "xyz", 3) == 0);
}

int main(void)
{
	adv_watchdog(20, "a read with an operation timeout");
	CHECK(pipe(p) == 0 && pipe(nb) == 0);
	CHECK(fcntl(nb[0], F_SETFL, O_NONBLOCK) == 0);
	CHECK_EQ(adv_run1(task, NULL), 0);
	return 0;
}
