/* Closing a listener: connections the kernel accepted but nobody took are closed (their clients read end of stream; no fd leaks), a task waiting in urt_listener_accept gets -ECANCELED; urt_destroy does the same for a listener left open. */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include "net_util.h"
#include <urt.h>

static struct sockaddr_in addr;
static int lfd;
static struct urt_listener *L;
static int clients[4];
static int fds_before;
static int waiter_result = 1;

static void waiter(void *arg)
{
	(void)arg;
	/* takes the first connections, then waits for one that never comes */
	int c;
	while ((c = urt_listener_accept(L)) >= 0)
		close(c);
	waiter_result = c;
}

static void closer(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_accept_multishot(&L, lfd, SOCK_CLOEXEC), 0);
	CHECK_EQ(urt_spawn(urt_current(), waiter, NULL), 0);
	urt_yield(); /* the waiter runs and waits */
	CHECK_EQ(urt_sleep(20 * 1000 * 1000), 0);
	CHECK_EQ(urt_listener_close(L), 0);
	CHECK_EQ(waiter_result, -ECANCELED);
}

static void queue_and_close(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_accept_multishot(&L, lfd, SOCK_CLOEXEC), 0);
	for (int i = 0; i < 4; i++)
		clients[i] = net_connect(&addr);
	/* let the kernel accept them all into the listener's queue */
	CHECK_EQ(urt_sleep(50 * 1000 * 1000), 0);
	CHECK_EQ(urt_listener_close(L), 0);
	for (int i = 0; i < 4; i++) {
		char b;
		CHECK_EQ(urt_recv(clients[i], &b, 1, 0), 0); /* the server side was closed */
		close(clients[i]);
	}
	CHECK_EQ(net_count_fds(), fds_before);
}

static void left_open(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_accept_multishot(&L, lfd, SOCK_CLOEXEC), 0);
	for (int i = 0; i < 4; i++)
		clients[i] = net_connect(&addr);
	CHECK_EQ(urt_sleep(50 * 1000 * 1000), 0);
}

int main(void)
{
	watchdog(30, "listener close");
	lfd = net_listen(&addr, 64);
	fds_before = net_count_fds();
	struct urt *rt;

	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, closer, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);

	CHECK_EQ(check_create(&rt, NULL), 0);
	fds_before = net_count_fds();
	CHECK_EQ(urt_spawn(rt, queue_and_close, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);

	/* Never closed: urt_destroy cancels the accept and closes the queue. */
	fds_before = net_count_fds();
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, left_open, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	for (int i = 0; i < 4; i++) {
		char b;
		CHECK_EQ(read(clients[i], &b, 1), 0);
		close(clients[i]);
	}
	CHECK_EQ(net_count_fds(), fds_before);
	close(lfd);
	return 0;
}
