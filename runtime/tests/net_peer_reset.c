/* A peer that resets the connection (SO_LINGER 0): urt_recv, urt_recv_buf and a receiver answer -ECONNRESET (the receiver again on the next call); a send to a closed peer answers -EPIPE with MSG_NOSIGNAL and the process lives. */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include "net_util.h"
#include <urt.h>

static void reset(int fd)
{
	struct linger lg = { 1, 0 };
	CHECK_EQ(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
	close(fd);
}

static void task(void *arg)
{
	struct urt *rt = arg;
	int sv[2];
	char buf[64];

	net_pair(sv);
	reset(sv[1]);
	CHECK_EQ(urt_recv(sv[0], buf, sizeof buf, 0), -ECONNRESET);
	close(sv[0]);

	/* a send into a reset connection: -EPIPE (or the reset itself the first time) */
	net_pair(sv);
	reset(sv[1]);
	usleep(10 * 1000);
	ssize_t r = urt_send(sv[0], "x", 1, MSG_NOSIGNAL);
	CHECK(r == -ECONNRESET || r == -EPIPE);
	CHECK_EQ(urt_send(sv[0], "x", 1, MSG_NOSIGNAL), -EPIPE);
	close(sv[0]);

	struct urt_bufring *br;
	r = urt_bufring_create(&br, rt, 4, 64);
	if (r == -EINVAL || r == -EOPNOTSUPP)
		SKIP("no provided buffer rings in this kernel");
	CHECK_EQ(r, 0);
	net_pair(sv);
	reset(sv[1]);
	void *p;
	CHECK_EQ(urt_recv_buf(sv[0], br, &p, 0), -ECONNRESET);
	close(sv[0]);

	net_pair(sv);
	struct urt_receiver *rc;
	CHECK_EQ(urt_recv_multishot(&rc, sv[0], br, 0), 0);
	CHECK_EQ(write(sv[1], "abc", 3), 3);
	CHECK_EQ(urt_receiver_next(rc, &p), 3); /* what came before the reset */
	CHECK_EQ(urt_buf_release(br, p), 0);
	reset(sv[1]);
	CHECK_EQ(urt_receiver_next(rc, &p), -ECONNRESET);
	CHECK_EQ(urt_receiver_next(rc, &p), -ECONNRESET);
	CHECK_EQ(urt_receiver_close(rc), 0);
	CHECK_EQ(urt_bufring_destroy(br), 0);
	close(sv[0]);
}

int main(void)
{
	watchdog(20, "peer reset");
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, rt), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	return 0;
}
