/* Operations with a timeout on a 4-entry ring: each needs two SQEs submitted together; 16 pipe reads that never get data all end with -ETIMEDOUT. */
#include "check.h"
#include "watchdog.h"
#include <urt.h>
#include <unistd.h>

#define TASKS 16

static int p[2];
static int timed_out;

static void task(void *arg)
{
	(void)arg;
	char c;
	CHECK_EQ(urt_set_op_timeout(30 * 1000 * 1000), 0);
	CHECK_EQ(urt_read(p[0], &c, 1, -1), -ETIMEDOUT);
	timed_out++;
}

int main(void)
{
	watchdog(30, "timed reads on a 4-entry ring");
	CHECK_EQ(pipe(p), 0);
	struct urt *rt;
	struct urt_config cfg = { .entries = 4 };
	CHECK_EQ(check_create(&rt, &cfg), 0);
	for (int i = 0; i < TASKS; i++)
		CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(timed_out, TASKS);
	urt_destroy(rt);
	close(p[0]), close(p[1]);
	return 0;
}
