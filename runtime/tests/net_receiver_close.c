/* Closing a receiver: a task waiting in urt_receiver_next gets -ECANCELED, chunks still queued give their buffers back (the ring can then be destroyed: 0, not -EBUSY); urt_destroy frees a receiver and a ring left open. */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include "net_util.h"
#include <urt.h>

static struct urt_receiver *rc;
static struct urt_bufring *br;
static int waiter_result = 1;
static int sv[2];

static void waiter(void *arg)
{
	(void)arg;
	void *p;
	waiter_result = (int)urt_receiver_next(rc, &p);
	if (waiter_result > 0)
		CHECK_EQ(urt_buf_release(br, p), 0);
}

static void task(void *arg)
{
	struct urt *rt = arg;
	int r = urt_bufring_create(&br, rt, 8, 64);
	if (r == -EINVAL || r == -EOPNOTSUPP)
		SKIP("no provided buffer rings in this kernel");
	CHECK_EQ(r, 0);
	CHECK_EQ(urt_recv_multishot(&rc, sv[0], br, 0), 0);
	CHECK_EQ(urt_spawn(rt, waiter, NULL), 0);
	CHECK_EQ(urt_sleep(10 * 1000 * 1000), 0);
	CHECK_EQ(waiter_result, 1); /* waiting */
	/* data queued in the receiver, never taken */
	CHECK_EQ(write(sv[1], "0123456789", 10), 10);
	CHECK_EQ(urt_receiver_close(rc), 0);
	CHECK(waiter_result == -ECANCELED || waiter_result == 10);
	CHECK_EQ(urt_bufring_destroy(br), 0);

	/* left open for urt_destroy */
	CHECK_EQ(urt_bufring_create(&br, rt, 8, 64), 0);
	CHECK_EQ(urt_recv_multishot(&rc, sv[0], br, 0), 0);
	CHECK_EQ(write(sv[1], "abc", 3), 3);
	CHECK_EQ(urt_sleep(10 * 1000 * 1000), 0);
}

static void only_waiter(void *arg)
{
	struct urt *rt = arg;
	CHECK_EQ(urt_bufring_create(&br, rt, 8, 64), 0);
	CHECK_EQ(urt_recv_multishot(&rc, sv[0], br, 0), 0);
	CHECK_EQ(urt_spawn(rt, waiter, NULL), 0);
	urt_yield();
	CHECK_EQ(urt_receiver_close(rc), 0);
	CHECK_EQ(waiter_result, -ECANCELED);
	CHECK_EQ(urt_bufring_destroy(br), 0);
}

int main(void)
{
	watchdog(20, "receiver close");
	net_pair(sv);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, rt), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	waiter_result = 1;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, only_waiter, rt), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	close(sv[0]), close(sv[1]);
	return 0;
}
