/* SQPOLL with operation timeouts and cancels on small rings: an op and its link timeout wait for two free SQ slots, never -EBUSY (the SQ wait returned with one slot free and the retries ran out). */
#include "check.h"
#include "watchdog.h"
#include <urt.h>

#include <unistd.h>

#define TASKS 300
static int p[2];
static int ok, bad;

static void task(void *arg)
{
	(void)arg;
	CHECK(urt_set_op_timeout(20 * 1000 * 1000) >= 0);
	static char b[1];
	struct urt_future *f;
	int r = urt_read_async(&f, p[0], b, 1, -1); /* an empty pipe: only a cancel or the timeout ends it */
	if (r < 0) {
		fprintf(stderr, "read_async: %d\n", r);
		bad++;
		return;
	}
	r = urt_cancel(f);
	if (r != 0 && r != -EALREADY) {
		fprintf(stderr, "cancel: %d\n", r);
		bad++;
	}
	ssize_t a = urt_await(f);
	if (a == -ECANCELED || a == -ETIMEDOUT) {
		ok++;
	} else {
		fprintf(stderr, "await: %zd\n", a);
		bad++;
	}
	CHECK_EQ(urt_nop(), 0);
}

int main(void)
{
	watchdog(60, "sqpoll_timeout_cancel");
	CHECK_EQ(pipe(p), 0);
	static const unsigned sizes[] = { 2, 4, 16, 256 };
	for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		struct urt *rt;
		struct urt_config cfg = { .entries = sizes[s], .flags = URT_SQPOLL };
		int ret = urt_create(&rt, &cfg);
		if (ret == -EOPNOTSUPP || ret == -EPERM)
			SKIP("no SQPOLL here");
		CHECK_EQ(ret, 0);
		ok = bad = 0;
		for (int i = 0; i < TASKS; i++)
			CHECK_EQ(urt_spawn(rt, task, NULL), 0);
		CHECK_EQ(urt_run(rt), 0);
		printf("entries %u: %d ok, %d wrong\n", sizes[s], ok, bad);
		CHECK_EQ(bad, 0);
		CHECK_EQ(ok, TASKS);
		urt_destroy(rt);
	}
	return 0;
}
