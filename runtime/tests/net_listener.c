/* urt_accept_multishot: a server task loops on urt_listener_accept and gets 20 connections, in order of arrival, from one armed accept (fewer operations started than connections); -EBUSY for a second waiter; -EINVAL for NULL. */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include "net_util.h"
#include <urt.h>

#define CONNS 20
static struct sockaddr_in addr;
static int lfd;
static struct urt_listener *L;
static int served;

static void client(void *arg)
{
	int i = (int)(intptr_t)arg;
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK_EQ(urt_connect(c, (struct sockaddr *)&addr, sizeof addr), 0);
	unsigned char b = (unsigned char)i;
	CHECK_EQ(urt_send(c, &b, 1, MSG_NOSIGNAL), 1);
	CHECK_EQ(urt_recv(c, &b, 1, 0), 1);
	CHECK_EQ(b, (unsigned char)(i + 1));
	close(c);
}

static void second_waiter(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_listener_accept(L), -EBUSY);
}

static void server(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_accept_multishot(NULL, lfd, 0), -EINVAL);
	CHECK_EQ(urt_listener_accept(NULL), -EINVAL);
	CHECK_EQ(urt_listener_close(NULL), -EINVAL);
	struct urt_stats s0, s1;
	urt_get_stats(urt_current(), &s0);
	CHECK_EQ(urt_accept_multishot(&L, lfd, SOCK_CLOEXEC), 0);
	CHECK_EQ(urt_spawn(urt_current(), second_waiter, NULL), 0);
	for (int i = 0; i < CONNS; i++)
		CHECK_EQ(urt_spawn(urt_current(), client, (void *)(intptr_t)i), 0);
	unsigned accept_ops = 0;
	for (; served < CONNS; served++) {
		urt_get_stats(urt_current(), &s1);
		int c = urt_listener_accept(L);
		CHECK(c >= 0);
		unsigned char b;
		CHECK_EQ(urt_recv(c, &b, 1, 0), 1);
		b++;
		CHECK_EQ(urt_send(c, &b, 1, MSG_NOSIGNAL), 1);
		close(c);
	}
	urt_get_stats(urt_current(), &s1);
	/* each connection took one recv and one send here, and one connect,
	 * send and recv in its client: 5 per connection without accepts */
	accept_ops = (unsigned)(s1.ops_started - s0.ops_started) - 5 * CONNS;
	fprintf(stderr, "accept operations started for %d connections: %u\n", CONNS, accept_ops);
	CHECK(accept_ops < CONNS / 2);
	CHECK_EQ(urt_listener_close(L), 0);
}

int main(void)
{
	watchdog(30, "multishot accept");
	lfd = net_listen(&addr, 64);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, server, NULL), 0);
	int r = urt_run(rt);
	CHECK_EQ(r, 0);
	CHECK_EQ(served, CONNS);
	urt_destroy(rt);
	close(lfd);
	return 0;
}
