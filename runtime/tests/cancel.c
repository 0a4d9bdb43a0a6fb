/* Cancelling a read on an empty pipe: await returns -ECANCELED after the kernel gave the buffer back. */
#include "check.h"
#include <urt.h>

#include <unistd.h>

static int p[2];

static void task(void *arg)
{
	(void)arg;
	char buf[16];
	struct urt_future *f;
	CHECK_EQ(urt_read_async(&f, p[0], buf, sizeof buf, -1), 0);
	CHECK_EQ(urt_nop(), 0); /* the read is now in the kernel, blocked on the empty pipe */
	CHECK(!urt_future_done(f));
	CHECK_EQ(urt_cancel(f), 0);
	CHECK_EQ(urt_await(f), -ECANCELED);

	/* the pipe still works afterwards, and cancelling a finished op says so */
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(urt_read_async(&f, p[0], buf, sizeof buf, -1), 0);
	while (!urt_future_done(f))
		urt_yield();
	CHECK_EQ(urt_cancel(f), -EALREADY);
	CHECK_EQ(urt_await(f), 1);
	CHECK_EQ(buf[0], 'x');

	/* cancel a sleep through a future-less path: a sleeping task is woken by nobody else */
	CHECK_EQ(urt_sleep(1000), 0);
}

int main(void)
{
	CHECK(pipe(p) == 0);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(check_maybe_register(rt, p, 2), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	CHECK(s.errors_surfaced >= 1);
	urt_destroy(rt);
	return 0;
}
