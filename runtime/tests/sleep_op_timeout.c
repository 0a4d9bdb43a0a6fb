/* urt_sleep is not an I/O operation: a task's operation timeout (urt_set_op_timeout) does not cut a longer sleep short, and an I/O call after the sleep is still timed. */
#include "check.h"
#include "watchdog.h"
#include <urt.h>

#include <time.h>
#include <unistd.h>

static int p[2];

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void task(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_set_op_timeout(5 * 1000 * 1000), 0);
	uint64_t t0 = now_ns();
	CHECK_EQ(urt_sleep(30 * 1000 * 1000), 0); /* six times the op timeout */
	CHECK(now_ns() - t0 >= 30 * 1000 * 1000); /* never early: the whole sleep */
	char c;
	CHECK_EQ(urt_read(p[0], &c, 1, -1), -ETIMEDOUT); /* an empty pipe: the op timeout still applies */
}

int main(void)
{
	watchdog(30, "sleep_op_timeout");
	CHECK_EQ(pipe(p), 0);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	close(p[0]), close(p[1]);
	return 0;
}
