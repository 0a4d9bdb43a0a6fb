/* urt_destroy waits for an operation the kernel cannot finish at once after
 * the cancel (a zero-copy send whose notification comes only when the peer
 * reads) instead of giving up and leaking: its own cancel's completion used
 * to end every 100 ms wait at once, so the "10 s" bound (100 rounds) ran out
 * in about a millisecond.  The peer starts reading only after a pause, and
 * urt_destroy must not have returned before it began (it cannot, unless it
 * gave up: the notification needs the peer's reads). */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include "net_util.h"
#include <urt.h>

#include <pthread.h>
#include <stdatomic.h>

#define N (8 << 20)
static int sv[2];
static char *big;
static ssize_t send_ret = 1;
static atomic_int reading;

static void sender(void *arg)
{
	(void)arg;
	send_ret = urt_send_zc(sv[0], big, N, MSG_NOSIGNAL);
}

static void *peer(void *arg)
{
	(void)arg;
	usleep(300 * 1000); /* let urt_destroy start waiting first */
	atomic_store(&reading, 1);
	static char b[65536];
	while (read(sv[1], b, sizeof b) > 0)
		;
	return NULL;
}

int main(void)
{
	watchdog(60, "destroy_drain_bound");
	net_pair(sv);
	big = calloc(1, N);
	CHECK(big != NULL);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, sender, NULL), 0);
	/* The send fills the socket buffers and blocks: the task stays live. */
	for (int i = 0; i < 5; i++) {
		int live = urt_run_once(rt);
		if (live == 0 && (send_ret == -EINVAL || send_ret == -EOPNOTSUPP))
			SKIP("IORING_OP_SEND_ZC not supported here");
		CHECK_EQ(live, 1);
		usleep(10 * 1000);
	}
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, peer, NULL), 0);
	urt_destroy(rt);
	/* Returning before the peer read anything means it gave up (leaked). */
	CHECK_EQ(atomic_load(&reading), 1);
	CHECK_EQ(shutdown(sv[0], SHUT_WR), 0);
	CHECK_EQ(pthread_join(th, NULL), 0);
	close(sv[0]);
	close(sv[1]);
	free(big);
	return 0;
}
