/*
 * urt_faults_arm reaches the fast start, which tests only rt->sq_stop: an
 * arm from inside a task fails the very next operation, an arm between two
 * runs fails the first operation of the second, and an arm from another
 * thread while the runtime runs fails an operation within one submission.
 * urt_create, which arms them under fiu-run (FIU_ENABLE), called from a
 * task fails that task's next operation.
 * Disarming gives the fast start back just as promptly.
 */
#include "check.h"
#include "watchdog.h"
#include <urt.h>
#include <fiu.h>
#include <fiu-control.h>
#include <pthread.h>
#include <stdlib.h>

#define WARM 100 /* operations before the arm: sq_stop is long computed */
#define ENTRIES 8

static int in_task_result[3];

static void arm_in_task(void *arg)
{
	(void)arg;
	for (int i = 0; i < WARM; i++)
		CHECK_EQ(urt_nop(), 0);
	CHECK_EQ(urt_faults_arm(1), 0);
	in_task_result[0] = urt_nop();
	CHECK_EQ(urt_faults_arm(0), 1);
	in_task_result[1] = urt_nop();
	in_task_result[2] = urt_nop();
}

static int between_first, between_warm_failed;

static void warm_only(void *arg)
{
	(void)arg;
	for (int i = 0; i < WARM; i++)
		if (urt_nop() != 0)
			between_warm_failed++;
}

static void first_op(void *arg)
{
	(void)arg;
	between_first = urt_nop();
}

/* urt_create re-arms the points when FIU_ENABLE is set (fiu-run): from a
 * task, its own runtime sees that at once too. */
static int after_create;

static void rearm_by_create(void *arg)
{
	(void)arg;
	for (int i = 0; i < WARM; i++)
		CHECK_EQ(urt_nop(), 0);
	CHECK_EQ(setenv("FIU_ENABLE", "enable name=none/such", 1), 0);
	struct urt *other;
	CHECK_EQ(urt_create(&other, NULL), 0);
	after_create = urt_nop();
	urt_destroy(other);
	CHECK_EQ(unsetenv("FIU_ENABLE"), 0);
}

static int other_armed;          /* set by the other thread after its urt_faults_arm(1) */
static long ops_after_arm = -1;  /* operations started after the task saw other_armed */
static int other_failed;

static void wait_for_other(void *arg)
{
	(void)arg;
	for (long i = 0; i < 50L * 1000 * 1000; i++) {
		int seen = __atomic_load_n(&other_armed, __ATOMIC_ACQUIRE);
		if (seen)
			ops_after_arm = ops_after_arm < 0 ? 1 : ops_after_arm + 1;
		if (urt_nop() != 0) {
			/* The arm may reach the runtime before this task sees
			 * the flag set after it: then no operation came after. */
			if (ops_after_arm < 0)
				ops_after_arm = 0;
			other_failed = 1;
			return;
		}
	}
}

static void *arm_later(void *arg)
{
	(void)arg;
	usleep(20 * 1000);
	urt_faults_arm(1);
	__atomic_store_n(&other_armed, 1, __ATOMIC_RELEASE);
	return NULL;
}

int main(void)
{
	watchdog(60, "arming the fault points while operations run");
	if (urt_faults_arm(0) == -ENOTSUP)
		SKIP("fault points compiled out");
	fiu_init(0);
	CHECK_EQ(fiu_enable("urt/op/error", 1, NULL, 0), 0); /* every operation fails, -EIO */

	struct urt_config cfg = { .entries = ENTRIES };
	struct urt *rt;
	CHECK_EQ(check_create(&rt, &cfg), 0);

	CHECK_EQ(urt_spawn(rt, arm_in_task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	fprintf(stderr, "in a task: armed %d, disarmed %d %d\n", in_task_result[0], in_task_result[1],
		in_task_result[2]);
	CHECK_EQ(in_task_result[0], -EIO);
	CHECK_EQ(in_task_result[1], 0);
	CHECK_EQ(in_task_result[2], 0);

	CHECK_EQ(urt_spawn(rt, warm_only, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(between_warm_failed, 0);
	CHECK_EQ(urt_faults_arm(1), 0);
	CHECK_EQ(urt_spawn(rt, first_op, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	fprintf(stderr, "between runs: first operation %d\n", between_first);
	CHECK_EQ(between_first, -EIO);
	CHECK_EQ(urt_faults_arm(0), 1);

	CHECK_EQ(urt_spawn(rt, rearm_by_create, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	fprintf(stderr, "re-armed by urt_create in a task: next operation %d\n", after_create);
	CHECK_EQ(after_create, -EIO);
	CHECK_EQ(urt_faults_arm(0), 1);

	pthread_t th;
	CHECK_EQ(urt_spawn(rt, wait_for_other, NULL), 0);
	CHECK_EQ(pthread_create(&th, NULL, arm_later, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(pthread_join(th, NULL), 0);
	fprintf(stderr, "from another thread: failed %d, %ld operations after the arm was seen\n", other_failed,
		ops_after_arm);
	/* At most one submission later: a queue's worth of operations. */
	CHECK_EQ(other_failed, 1);
	CHECK(ops_after_arm >= 0 && ops_after_arm <= ENTRIES + 1);
	urt_faults_arm(0);
	urt_destroy(rt);
	return 0;
}
