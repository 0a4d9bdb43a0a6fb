/* Buffer group ids of destroyed rings are reused: 70 000 create/destroy
 * cycles with at most a few rings alive never run out (ids are 16 bits; the
 * runtime used to hand out each id once and answer -ENOSPC for ever after
 * 65 536 creations).  A ring created after the wrap still receives data. */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include "net_util.h"
#include <urt.h>

#define CYCLES 70000

static int sv[2];
static int failed_at = -1, fail_ret;

static void task(void *arg)
{
	(void)arg;
	struct urt *rt = urt_current();
	/* One ring stays alive throughout, so reuse must skip its id. */
	struct urt_bufring *keep;
	int r = urt_bufring_create(&keep, rt, 1, 64);
	if (r == -EINVAL || r == -EOPNOTSUPP)
		SKIP("no provided buffer rings here");
	CHECK_EQ(r, 0);
	for (int i = 0; i < CYCLES; i++) {
		struct urt_bufring *br;
		r = urt_bufring_create(&br, rt, 1, 64);
		if (r) {
			failed_at = i;
			fail_ret = r;
			break;
		}
		CHECK_EQ(urt_bufring_destroy(br), 0);
	}
	if (failed_at >= 0)
		return;
	/* After the wrap: a fresh ring still works for a receive. */
	struct urt_bufring *br;
	CHECK_EQ(urt_bufring_create(&br, rt, 4, 64), 0);
	CHECK_EQ(write(sv[0], "ping", 4), 4);
	void *buf = NULL;
	ssize_t n = urt_recv_buf(sv[1], br, &buf, 0);
	CHECK_EQ(n, 4);
	CHECK(memcmp(buf, "ping", 4) == 0);
	CHECK_EQ(urt_buf_release(br, buf), 0);
	CHECK_EQ(urt_bufring_destroy(br), 0);
	CHECK_EQ(urt_bufring_destroy(keep), 0);
}

int main(void)
{
	watchdog(120, "bufring_bgid_reuse");
	net_pair(sv);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	if (failed_at >= 0)
		fprintf(stderr, "cycle %d: urt_bufring_create -> %d\n", failed_at, fail_ret);
	CHECK_EQ(failed_at, -1);
	urt_destroy(rt);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
