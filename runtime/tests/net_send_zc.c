/* urt_send_zc: 1 MiB arrives intact (read by another task), and the call returns only after the kernel's notification (nothing of it left in flight, so the buffer may be reused at once); skipped where the kernel has no IORING_OP_SEND_ZC. */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include "net_util.h"
#include "internal.h"
#include <urt.h>

#define N (1 << 20)
static int sv[2];
static struct urt *rt;
static unsigned char *src, *dst;

static size_t got;

/* A task, not a thread: under Valgrind another thread never runs while
 * the owner waits in io_uring_enter. */
static void reader(void *arg)
{
	(void)arg;
	while (got < N) {
		ssize_t r = urt_recv(sv[1], dst + got, N - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
}

static void task(void *arg)
{
	(void)arg;
	ssize_t r = urt_send_zc(sv[0], src, 1, MSG_NOSIGNAL);
	if (r == -EINVAL || r == -EOPNOTSUPP)
		SKIP("IORING_OP_SEND_ZC not supported here");
	CHECK_EQ(r, 1);
	CHECK_EQ(urt__inflight(rt), 0); /* the notification is in */
	CHECK_EQ(urt_spawn(rt, reader, NULL), 0);
	size_t done = 1;
	while (done < N) {
		r = urt_send_zc(sv[0], src + done, N - done, MSG_NOSIGNAL);
		CHECK(r > 0);
		/* Both CQEs (result and notification) are in: no CQE of it is
		 * still to come, so scribbling on what was sent is safe. */
		CHECK(urt__inflight(rt) <= 1); /* the reader's recv, nothing of ours */
		done += (size_t)r;
	}
}

int main(void)
{
	watchdog(30, "send_zc");
	src = malloc(N);
	dst = malloc(N);
	CHECK(src && dst);
	for (size_t i = 0; i < N; i++)
		src[i] = (unsigned char)(i * 7 + (i >> 11));
	net_pair(sv);
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	CHECK_EQ(got, N);
	CHECK(!memcmp(src, dst, N));
	close(sv[0]), close(sv[1]);
	free(src), free(dst);
	return 0;
}
