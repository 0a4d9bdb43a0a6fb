/* urt_recv_buf: data lands in a buffer of the ring and the buffer goes back with urt_buf_release (a ring of 2 serves 50 receives); a release of a buffer not out, or not of the ring, is -EINVAL; bad create arguments are -EINVAL; a bufring with a buffer out cannot be destroyed (-EBUSY). */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include "net_util.h"
#include <urt.h>

static void task(void *arg)
{
	struct urt *rt = arg;
	struct urt_bufring *br;
	CHECK_EQ(urt_bufring_create(&br, rt, 3, 64), -EINVAL); /* not a power of two */
	CHECK_EQ(urt_bufring_create(&br, rt, 0, 64), -EINVAL);
	CHECK_EQ(urt_bufring_create(&br, rt, 2, 0), -EINVAL);
	CHECK_EQ(urt_bufring_create(NULL, rt, 2, 64), -EINVAL);
	int r = urt_bufring_create(&br, rt, 2, 64);
	if (r == -EINVAL || r == -EOPNOTSUPP)
		SKIP("no provided buffer rings in this kernel");
	CHECK_EQ(r, 0);
	int sv[2];
	net_pair(sv);
	for (int i = 0; i < 50; i++) {
		char msg[32];
		int n = snprintf(msg, sizeof msg, "message %d", i);
		CHECK_EQ(write(sv[1], msg, (size_t)n), n);
		void *p = NULL;
		CHECK_EQ(urt_recv_buf(sv[0], br, &p, 0), n);
		CHECK(p != NULL);
		CHECK(!memcmp(p, msg, (size_t)n));
		if (i == 0) {
			CHECK_EQ(urt_bufring_destroy(br), -EBUSY);
			CHECK_EQ(urt_buf_release(br, (char *)p + 1), -EINVAL);
			CHECK_EQ(urt_buf_release(br, msg), -EINVAL);
		}
		CHECK_EQ(urt_buf_release(br, p), 0);
		CHECK_EQ(urt_buf_release(br, p), -EINVAL); /* twice */
	}
	/* end of stream: 0 and no buffer */
	shutdown(sv[1], SHUT_WR);
	void *p = (void *)1;
	CHECK_EQ(urt_recv_buf(sv[0], br, &p, 0), 0);
	CHECK(p == NULL);
	CHECK_EQ(urt_recv_buf(sv[0], br, NULL, 0), -EINVAL);
	CHECK_EQ(urt_bufring_destroy(br), 0);
	close(sv[0]), close(sv[1]);
}

int main(void)
{
	watchdog(20, "recv_buf");
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, rt), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	return 0;
}
