/* urt_run_once with no task live still submits and reaps: what the last
 * tasks left behind (a never-awaited future, an open listener a client
 * connects to later) is handed to the kernel and its completions are taken,
 * so urt_backend_timeout then answers -1 and the embedding loop sleeps.  It
 * used to do nothing without a live task while urt_backend_timeout answered
 * 0 ("work now") for the unsubmitted SQE or the ready CQE for ever: the
 * embedding loop spun. */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include "net_util.h"
#include <urt.h>

#include <poll.h>

static int lfd;
static struct urt_listener *L;

static void leave_future(void *arg)
{
	(void)arg;
	struct urt_future *f;
	CHECK_EQ(urt_nop_async(&f), 0); /* never awaited */
}

static void leave_listener(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_accept_multishot(&L, lfd, SOCK_CLOEXEC), 0); /* left open */
}

/* The documented embedding loop, until no task is live. */
static void run_embedded(struct urt *rt)
{
	int n;
	while ((n = urt_run_once(rt)) > 0) {
		struct pollfd p = { urt_backend_fd(rt), POLLIN, 0 };
		poll(&p, 1, urt_backend_timeout(rt));
	}
	CHECK_EQ(n, 0);
}

/* Keeps driving the runtime while it says there is work now; it must soon
 * say there is none (-1).  The bound is in rounds, each a short poll. */
static void settles(struct urt *rt)
{
	for (int i = 0; i < 200 && urt_backend_timeout(rt) == 0; i++) {
		struct pollfd p = { urt_backend_fd(rt), POLLIN, 0 };
		poll(&p, 1, 10);
		CHECK_EQ(urt_run_once(rt), 0);
	}
	CHECK_EQ(urt_backend_timeout(rt), -1);
}

int main(void)
{
	watchdog(60, "embed_idle_reaped");
	struct urt *rt;

	/* 1: a future left in the SQ by the last task. */
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, leave_future, NULL), 0);
	run_embedded(rt);
	settles(rt);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	CHECK_EQ(s.ops_started, 1);
	CHECK_EQ(s.ops_completed, 1);
	urt_destroy(rt);

	/* 2: a listener left open; its completion comes after the last task. */
	struct sockaddr_in a;
	lfd = net_listen(&a, 16);
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, leave_listener, NULL), 0);
	run_embedded(rt);
	settles(rt);
	int c = net_connect(&a);
	/* The accept's completion makes the backend fd readable... */
	struct pollfd p = { urt_backend_fd(rt), POLLIN, 0 };
	CHECK_EQ(poll(&p, 1, 10 * 1000), 1);
	/* ...and one urt_run_once takes it: no more work now. */
	CHECK_EQ(urt_run_once(rt), 0);
	settles(rt);
	urt_destroy(rt); /* closes the listener and the queued connection */
	close(c);
	close(lfd);
	return 0;
}
