/* An operation that completes before its timeout returns its own result, and the timeout's completion is consumed before the call returns (nothing left in flight). */
#include "check.h"
#include "watchdog.h"
#include "internal.h" /* urt__inflight: completions still to come */
#include <unistd.h>

static int p[2];

static void task(void *arg)
{
	struct urt *rt = arg;
	char buf[16];
	CHECK_EQ(urt_set_op_timeout(20 * 1000 * 1000), 0);
	for (int i = 0; i < 100; i++) {
		CHECK_EQ(write(p[1], "hello", 5), 5);
		memset(buf, 0, sizeof buf);
		CHECK_EQ(urt_read(p[0], buf, sizeof buf, -1), 5);
		CHECK(memcmp(buf, "hello", 5) == 0);
		CHECK_EQ(urt__inflight(rt), 0); /* the link timeout's CQE came in too */
		CHECK_EQ(urt_nop(), 0);
		CHECK_EQ(urt__inflight(rt), 0);
		struct urt_future *f;
		CHECK_EQ(urt_nop_async(&f), 0);
		CHECK_EQ(urt_await(f), 0);
		CHECK_EQ(urt__inflight(rt), 0);
	}
	/* Outlive the timeouts: a late timeout CQE would land on a dead record. */
	CHECK_EQ(urt_set_op_timeout(0), 20 * 1000 * 1000);
	CHECK_EQ(urt_sleep(40 * 1000 * 1000), 0);
}

int main(void)
{
	watchdog(30, "operations with a timeout that complete in time");
	CHECK_EQ(pipe(p), 0);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, rt), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	CHECK_EQ(s.errors_surfaced, 0);
	CHECK_EQ(s.ops_completed, s.ops_started);
	urt_destroy(rt);
	close(p[0]), close(p[1]);
	return 0;
}
