/* Buffer exhaustion: with both buffers of a 2-buffer ring held, a third urt_recv_buf does not fail with -ENOBUFS but waits until one is given back, then receives; nothing counts as an error surfaced. */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include "net_util.h"
#include <urt.h>

static struct urt_bufring *br;
static int sv[2];
static void *held[2];
static int third_done;

static void third(void *arg)
{
	(void)arg;
	void *p;
	CHECK_EQ(write(sv[1], "third", 5), 5);
	ssize_t r = urt_recv_buf(sv[0], br, &p, 0);
	CHECK_EQ(r, 5);
	CHECK(!memcmp(p, "third", 5));
	CHECK(p == held[0]); /* the buffer given back is the only one free */
	CHECK_EQ(urt_buf_release(br, p), 0);
	third_done = 1;
}

static void task(void *arg)
{
	struct urt *rt = arg;
	int r = urt_bufring_create(&br, rt, 2, 16);
	if (r == -EINVAL || r == -EOPNOTSUPP)
		SKIP("no provided buffer rings in this kernel");
	CHECK_EQ(r, 0);
	net_pair(sv);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(write(sv[1], "ab", 2), 2);
		CHECK_EQ(urt_recv_buf(sv[0], br, &held[i], 0), 2);
	}
	struct urt_stats s0, s1;
	urt_get_stats(rt, &s0);
	CHECK_EQ(urt_spawn(rt, third, NULL), 0);
	CHECK_EQ(urt_sleep(30 * 1000 * 1000), 0);
	CHECK_EQ(third_done, 0); /* still waiting for a buffer */
	CHECK_EQ(urt_buf_release(br, held[0]), 0);
	while (!third_done)
		CHECK_EQ(urt_sleep(1000 * 1000), 0);
	urt_get_stats(rt, &s1);
	CHECK_EQ(s1.errors_surfaced, s0.errors_surfaced);
	CHECK_EQ(urt_buf_release(br, held[1]), 0);
	CHECK_EQ(urt_bufring_destroy(br), 0);
	close(sv[0]), close(sv[1]);
}

int main(void)
{
	watchdog(20, "recv_buf exhaustion");
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, rt), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	return 0;
}
