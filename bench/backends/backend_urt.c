/*
 * backend_urt.c - the runtime used the natural way: qd tasks, each issuing
 * one operation at a time and suspending until it completes.  --batch is
 * the runtime's submit_batch, --complete-batch its wait_nr.
 */
#define _GNU_SOURCE
#include "urt_common.h"

#include <errno.h>
#include <stdlib.h>

struct urt_task_slot {
	struct urt_side *side;
	unsigned index;
};

static void task_loop(void *arg)
{
	struct urt_task_slot *slot = arg;
	struct urt_side *s = slot->side;
	struct bench_worker *w = s->w;
	struct op_clock clock = { 0 };
	while (!bench_done(w)) {
		uint64_t off = bench_next_offset(w, &s->seq_cursor);
		op_clock_issue(w, &clock);
		ssize_t res = urt_side_issue(s, slot->index, off);
		urt_side_complete(s, slot->index, &clock, res, off);
	}
}

static void run_worker(struct bench_worker *w)
{
	unsigned qd = w->job->qd;
	struct urt_side side;
	struct urt_task_slot *slots = calloc(qd, sizeof(*slots));
	if (!slots) {
		bench_fail(w, -ENOMEM, "task slots");
		return;
	}
	if (urt_side_open(&side, w, qd) == 0) {
		int ret = 0;
		for (unsigned i = 0; i < qd && ret == 0; i++) {
			slots[i] = (struct urt_task_slot){ .side = &side, .index = i };
			ret = urt_spawn(side.rt, task_loop, &slots[i]);
		}
		if (ret < 0)
			bench_fail(w, ret, "urt_spawn");
		else if ((ret = urt_run(side.rt)) < 0)
			bench_fail(w, ret, "urt_run");
	}
	bench_finish(w);
	urt_side_close(&side);
	free(slots);
}

static const struct bench_backend backend_urt = {
	.name = "urt",
	.rank = 10,
	.applies = OPT_QD | OPT_BATCH | OPT_COMPLETE_BATCH | OPT_DIRECT | OPT_FIXEDBUFS | OPT_REGISTERFILES |
		   OPT_SQPOLL | OPT_DEFER_TASKRUN | OPT_COOP_TASKRUN | OPT_VERIFY,
	.run_worker = run_worker,
};
BENCH_BACKEND(backend_urt)
