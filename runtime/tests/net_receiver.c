/* urt_recv_multishot: 256 KiB written by a peer thread arrive in order through one receiver on a ring of only 4 buffers of 512 B, the consumer holding buffers across yields so the ring runs dry (-ENOBUFS ends the kernel's receive and the receiver re-arms it: more than one operation started, no error seen); then 0 at end of stream, again on the next call. */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include "net_util.h"
#include <pthread.h>
#include <urt.h>

#define N (256 * 1024)
static int sv[2];
static unsigned char src[N];

static void *writer(void *arg)
{
	(void)arg;
	for (size_t done = 0; done < N;) {
		size_t k = N - done < 3000 ? N - done : 3000;
		ssize_t w = write(sv[1], src + done, k);
		CHECK(w > 0);
		done += (size_t)w;
	}
	shutdown(sv[1], SHUT_WR);
	return NULL;
}

static void task(void *arg)
{
	struct urt *rt = arg;
	struct urt_bufring *br;
	int r = urt_bufring_create(&br, rt, 4, 512);
	if (r == -EINVAL || r == -EOPNOTSUPP)
		SKIP("no provided buffer rings in this kernel");
	CHECK_EQ(r, 0);
	struct urt_receiver *rc;
	CHECK_EQ(urt_recv_multishot(NULL, sv[0], br, 0), -EINVAL);
	CHECK_EQ(urt_recv_multishot(&rc, sv[0], NULL, 0), -EINVAL);
	struct urt_stats s0, s1;
	urt_get_stats(rt, &s0);
	CHECK_EQ(urt_recv_multishot(&rc, sv[0], br, 0), 0);
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, writer, NULL), 0);
	size_t got = 0;
	void *prev = NULL;
	for (;;) {
		void *p;
		ssize_t n = urt_receiver_next(rc, &p);
		CHECK(n >= 0);
		if (n == 0)
			break;
		CHECK(got + (size_t)n <= N);
		CHECK(!memcmp(p, src + got, (size_t)n));
		got += (size_t)n;
		/* hold one buffer across a pause: the ring runs dry */
		if (prev)
			CHECK_EQ(urt_buf_release(br, prev), 0);
		prev = p;
		urt_yield();
	}
	if (prev)
		CHECK_EQ(urt_buf_release(br, prev), 0);
	CHECK_EQ(got, N);
	void *p;
	CHECK_EQ(urt_receiver_next(rc, &p), 0);
	urt_get_stats(rt, &s1);
	fprintf(stderr, "receive operations started: %llu\n", (unsigned long long)(s1.ops_started - s0.ops_started));
	CHECK(s1.ops_started - s0.ops_started > 1); /* re-armed after running dry */
	CHECK_EQ(s1.errors_surfaced, s0.errors_surfaced);
	CHECK_EQ(urt_receiver_close(rc), 0);
	CHECK_EQ(urt_bufring_destroy(br), 0);
	pthread_join(th, NULL);
}

int main(void)
{
	watchdog(30, "multishot receive");
	for (size_t i = 0; i < N; i++)
		src[i] = (unsigned char)(i * 131 + (i >> 9));
	net_pair(sv);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, rt), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	close(sv[0]), close(sv[1]);
	return 0;
}
