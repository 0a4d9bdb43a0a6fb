/*
 * urt_cq_batches is cq_batches and no other counter.  In cq_batches_probe
 * one task does one NOP at a time, and enter_calls and sqes_submitted move
 * in step with cq_batches there: a probe returning either passes it.  Here
 * a task starts 16 reads on an empty pipe, one per turn (it yields between
 * them, so each turn's enter submits one read and reaps nothing): the other
 * counters move by 16, cq_batches by 0, and urt_cq_batches must agree with
 * urt_get_stats's cq_batches throughout.  Then 16 NOPs reaped together:
 * ops_completed moves by 16, cq_batches by far less.
 */
#include "check.h"
#include <urt.h>

#include <unistd.h>

#define N 16

static struct urt *rt;
static int p[2];

static void same(void)
{
	struct urt_stats st;
	urt_get_stats(rt, &st);
	CHECK_EQ(urt_cq_batches(rt), st.cq_batches);
}

static void reads_task(void *arg)
{
	(void)arg;
	static char buf[N];
	struct urt_future *f[N];
	struct urt_stats st0, st1;
	urt_get_stats(rt, &st0);
	uint64_t b0 = urt_cq_batches(rt);
	CHECK_EQ(b0, st0.cq_batches);
	for (int i = 0; i < N; i++) {
		CHECK_EQ(urt_read_async(&f[i], p[0], &buf[i], 1, -1), 0);
		urt_yield(); /* the turn submits the read; nothing completes */
		same();
	}
	urt_get_stats(rt, &st1);
	CHECK_EQ(urt_cq_batches(rt), b0); /* no batch was taken... */
	CHECK_EQ(st1.cq_batches, b0);
	/* ...but 16 reads went in, one enter per turn (without the option
	 * matrix: under SQPOLL the poller takes them when it likes). */
	const char *ring = getenv("URT_TEST_RING");
	if (!ring || !*ring) {
		CHECK_EQ(st1.sqes_submitted - st0.sqes_submitted, N);
		CHECK(st1.enter_calls - st0.enter_calls >= N);
	}
	CHECK_EQ(write(p[1], "0123456789abcdef", N), N);
	for (int i = 0; i < N; i++)
		CHECK_EQ(urt_await(f[i]), 1);
	same();
}

static void nop_task(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_nop(), 0);
}

int main(void)
{
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, reads_task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats st0, st1;
	urt_get_stats(rt, &st0);
	for (int i = 0; i < N; i++)
		CHECK_EQ(urt_spawn(rt, nop_task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_get_stats(rt, &st1);
	CHECK_EQ(urt_cq_batches(rt), st1.cq_batches);
	CHECK_EQ(st1.ops_completed - st0.ops_completed, N);
	CHECK(st1.cq_batches - st0.cq_batches < N / 2); /* queued in one pass, reaped together */
	urt_destroy(rt);
	printf("cq_batches_distinct: ok\n");
	return 0;
}
