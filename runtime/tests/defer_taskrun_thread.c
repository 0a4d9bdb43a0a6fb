/* A URT_DEFER_TASKRUN runtime can only run on the thread that created it: urt_run/urt_run_once from another thread is -EPERM at once (no -EEXIST per op, no spin, also when handed over mid-run); other runtimes may move to another thread between runs. */
#include "check.h"
#include <urt.h>

#include <pthread.h>
#include <unistd.h>

static struct urt *rt;
static int p[2];
static int nops;

static void task(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_nop(), 0);
	char c;
	CHECK_EQ(urt_read(p[0], &c, 1, -1), 1);
	CHECK_EQ(urt_nop(), 0);
	nops++;
}

static void *run_elsewhere(void *arg)
{
	int *ret = arg;
	ret[0] = urt_run_once(rt);
	ret[1] = urt_run(rt);
	return NULL;
}

static void run_on_thread(int ret[2])
{
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, run_elsewhere, ret), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
}

int main(void)
{
	alarm(60); /* a spin or a hang is a failure */
	CHECK_EQ(pipe(p), 0);
	struct urt_config cfg = { .flags = URT_DEFER_TASKRUN };
	int r = check_create(&rt, &cfg);
	if (r == -EOPNOTSUPP)
		SKIP("DEFER_TASKRUN not available (kernel, or with these ring options)");
	CHECK_EQ(r, 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	int ret[2];
	run_on_thread(ret);
	CHECK_EQ(ret[0], -EPERM);
	CHECK_EQ(ret[1], -EPERM);
	/* Mid-run: the task waits for the pipe, then another thread tries. */
	CHECK_EQ(urt_run_once(rt), 1);
	run_on_thread(ret);
	CHECK_EQ(ret[0], -EPERM);
	CHECK_EQ(ret[1], -EPERM);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(nops, 1);
	urt_destroy(rt);

	/* Without DEFER_TASKRUN a runtime may be run by another thread
	 * between runs (not during one). */
	struct urt_config plain = { 0 };
	CHECK_EQ(urt_create(&rt, &plain), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(write(p[1], "y", 1), 1);
	run_on_thread(ret);
	CHECK(ret[0] >= 0);
	CHECK_EQ(ret[1], 0);
	CHECK_EQ(nops, 2);
	urt_destroy(rt);
	close(p[0]);
	close(p[1]);
	return 0;
}
