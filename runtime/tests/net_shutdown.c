/* urt_shutdown(SHUT_WR): the peer reads end of stream while the other direction still carries data; a bad fd is -EBADF (or -ENOTSOCK for a pipe). */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include "net_util.h"
#include <fcntl.h>
#include <urt.h>

static void task(void *arg)
{
	(void)arg;
	int sv[2];
	net_pair(sv);
	CHECK_EQ(urt_send(sv[0], "abc", 3, MSG_NOSIGNAL), 3);
	CHECK_EQ(urt_shutdown(sv[0], SHUT_WR), 0);
	char buf[8];
	CHECK_EQ(urt_read_full(sv[1], buf, sizeof buf, -1), 3); /* then EOF */
	CHECK(!memcmp(buf, "abc", 3));
	/* the other direction is still open */
	CHECK_EQ(urt_send(sv[1], "de", 2, MSG_NOSIGNAL), 2);
	CHECK_EQ(urt_recv(sv[0], buf, sizeof buf, 0), 2);
	/* and sending on the shut side fails */
	CHECK_EQ(urt_send(sv[0], "x", 1, MSG_NOSIGNAL), -EPIPE);
	int p[2];
	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	CHECK_EQ(urt_shutdown(p[0], SHUT_RDWR), -ENOTSOCK);
	close(p[0]), close(p[1]);
	CHECK_EQ(urt_shutdown(-1, SHUT_RDWR), -EBADF);
	close(sv[0]), close(sv[1]);
}

int main(void)
{
	watchdog(20, "shutdown");
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	return 0;
}
