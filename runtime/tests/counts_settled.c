/*
 * The fast paths count nothing per operation (internal.h: urt__settle,
 * urt__inflight): ops_started, ops_completed, inflight and sq_pending follow
 * from the SQ tail and the CQ head.  Read at any moment they must still be exact:
 * urt_get_stats from a task while other tasks' NOPs go through the fast
 * start and the CQ pass's fast take, inflight equal to the operations
 * started and not completed, a urt_stats_reset in the middle that counts
 * nothing from before it afterwards, and everything zero in flight at the
 * end (an over-count would also make urt_destroy wait for CQEs that never
 * come).  And cq_batches changes once per batch of completions, not per
 * completion.
 */
#include "check.h"
#include "internal.h"

#define TASKS 16
#define NOPS 300

static unsigned returned; /* NOPs whose urt_nop has returned */
static unsigned alive = TASKS;
static uint64_t inflight_at_reset;
static int reset_done;

static unsigned resumes, batch_changes; /* after a NOP: all, and those that saw a new cq_batches */
static uint64_t last_batches;

static void nopper(void *arg)
{
	struct urt *rt = arg;
	for (int i = 0; i < NOPS; i++) {
		CHECK_EQ(urt_nop(), 0);
		returned++;
		struct urt_stats st;
		urt_get_stats(rt, &st);
		resumes++;
		if (st.cq_batches != last_batches) {
			batch_changes++;
			last_batches = st.cq_batches;
		}
	}
	alive--;
}

static void checker(void *arg)
{
	struct urt *rt = arg;
	unsigned looks = 0;
	while (alive > 0) {
		struct urt_stats st;
		urt_get_stats(rt, &st);
		/* Every returned NOP was started and completed; at most one per
		 * task is between its start and its return. */
		if (!reset_done) {
			CHECK(st.ops_completed <= st.ops_started);
			CHECK(st.ops_completed >= returned);
			CHECK(st.ops_started <= (uint64_t)returned + TASKS);
		}
		CHECK_EQ(urt__inflight(rt), st.ops_started - st.ops_completed + (reset_done ? inflight_at_reset : 0));
		if (++looks == 20) {
			/* What is in flight now completes after the reset and is
			 * counted as completed, never as started.  The yield lets
			 * the others' fast paths run, so that the reset finds
			 * starts and completions not yet counted. */
			urt_yield();
			urt_get_stats(rt, &st);
			inflight_at_reset = st.ops_started - st.ops_completed;
			urt_stats_reset(rt);
			reset_done = 1;
			urt_get_stats(rt, &st);
			CHECK_EQ(st.ops_started, 0);
			CHECK_EQ(st.ops_completed, 0);
		}
		urt_yield();
	}
	CHECK(looks > 20); /* the reset happened with NOPs still to come */
}

int main(void)
{
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	for (int i = 0; i < TASKS; i++)
		CHECK_EQ(urt_spawn(rt, nopper, rt), 0);
	CHECK_EQ(urt_spawn(rt, checker, rt), 0);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(returned, TASKS * NOPS);
	struct urt_stats st;
	urt_get_stats(rt, &st);
	CHECK_EQ(st.ops_completed - st.ops_started, inflight_at_reset);
	CHECK_EQ(urt__inflight(rt), 0);
	CHECK_EQ(urt__sq_pending(rt), 0);
	/* cq_batches counts batches, not completions: the 16 NOPs of a turn
	 * come back in one CQ pass, and only the first task it resumes sees
	 * a new value (urt-bench's latency split relies on that). */
	printf("%u resumes, %u saw a new batch\n", resumes, batch_changes);
	CHECK(batch_changes > 0);
	CHECK(batch_changes * 4 <= resumes);
	urt_destroy(rt);
	return 0;
}
