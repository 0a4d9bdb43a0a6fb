/* urt_run submits what its last task queued and never awaited (a write
 * future): urt.h says such operations may still be in flight after urt_run
 * and the kernel keeps working on them.  It used to return before the last
 * submit, so the write stayed in the SQ until urt_destroy. */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include <urt.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

static int pp[2];

static void writer(void *arg)
{
	(void)arg;
	struct urt_future *f;
	CHECK_EQ(urt_write_async(&f, pp[1], "hello", 5, -1), 0);
	/* returns without awaiting f */
}

int main(void)
{
	watchdog(30, "run_flushes_sq");
	CHECK_EQ(pipe(pp), 0);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, writer, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	CHECK_EQ(s.ops_started, 1);
	CHECK_EQ(s.sqes_submitted, 1); /* handed to the kernel before urt_run returned */
	/* Nothing drives the runtime now: the kernel alone completes the
	 * write (the bound is generous; it arrives at once). */
	struct pollfd p = { pp[0], POLLIN, 0 };
	CHECK_EQ(poll(&p, 1, 10 * 1000), 1);
	char b[16];
	CHECK_EQ(read(pp[0], b, sizeof b), 5);
	CHECK(memcmp(b, "hello", 5) == 0);
	urt_destroy(rt);
	close(pp[0]);
	close(pp[1]);
	return 0;
}
