/*
 * backend_urt_futures.c - one task keeping qd futures in flight, awaited
 * oldest first (a sliding window, the way a pipelined client uses them).
 *
 * Oldest-first costs O(1) per operation where urt_await_any would scan all
 * qd futures; the price is head-of-line blocking when completions arrive
 * out of order (direct I/O), which then shows in the latency, as it would
 * for a real program written this way.
 */
#define _GNU_SOURCE
#include "urt_common.h"

#include <errno.h>
#include <stdlib.h>

struct window {
	struct urt_side *side;
	unsigned qd;
	struct urt_future **fs;
	struct op_clock *clocks;
	uint64_t *off;
};

static int start(struct window *win, unsigned i)
{
	struct urt_side *s = win->side;
	const struct bench_job *job = s->w->job;
	void *buf = s->bufs[i];
	size_t len = (size_t)job->bs;
	uint64_t off = bench_next_offset(s->w, &s->seq_cursor);
	win->off[i] = off;
	op_clock_issue(s->w, &win->clocks[i]);
	const struct workload *wl = job->workload;
	if (workload_is_nop(wl))
		return urt_nop_async(&win->fs[i]);
	if (wl->pipe)
		return urt_read_async(&win->fs[i], s->fd, buf, len, -1);
	if (!wl->writes)
		return s->fixedbufs ? urt_read_fixed_async(&win->fs[i], s->fd, buf, len, (off_t)off, (int)i)
				    : urt_read_async(&win->fs[i], s->fd, buf, len, (off_t)off);
	/* The API has no write_fixed_async: writes use plain buffers here
	 * (the result lists fixedbufs as not applied). */
	bench_prepare_write(job, buf, off);
	return urt_write_async(&win->fs[i], s->fd, buf, len, (off_t)off);
}

static void window_task(void *arg)
{
	struct window *win = arg;
	struct urt_side *s = win->side;
	struct bench_worker *w = s->w;
	unsigned started = 0, head = 0, inflight = 0;
	for (; started < win->qd; started++, inflight++) {
		int ret = start(win, started);
		if (ret < 0) {
			bench_fail(w, ret, "starting a future");
			break;
		}
	}
	/* Slots are reused in order, so slot head is always the oldest. */
	while (inflight > 0) {
		ssize_t res = urt_await(win->fs[head]);
		inflight--;
		urt_side_complete(s, head, &win->clocks[head], res, win->off[head]);
		if (!bench_done(w)) {
			int ret = start(win, head);
			if (ret < 0)
				bench_fail(w, ret, "starting a future");
			else
				inflight++;
		}
		head = head + 1 == started ? 0 : head + 1;
	}
}

static void run_worker(struct bench_worker *w)
{
	unsigned qd = w->job->qd;
	struct urt_side side;
	struct window win = { .side = &side, .qd = qd };
	win.fs = calloc(qd, sizeof(*win.fs));
	win.clocks = calloc(qd, sizeof(struct op_clock));
	win.off = calloc(qd, sizeof(uint64_t));
	if (!win.fs || !win.clocks || !win.off) {
		bench_fail(w, -ENOMEM, "future slots");
	} else if (urt_side_open(&side, w, qd) == 0) {
		int ret = urt_spawn(side.rt, window_task, &win);
		if (ret < 0 || (ret = urt_run(side.rt)) < 0)
			bench_fail(w, ret, "urt_run");
		bench_finish(w);
		urt_side_close(&side);
	} else {
		urt_side_close(&side);
	}
	bench_finish(w);
	free(win.fs);
	free(win.clocks);
	free(win.off);
}

/* Writes cannot use registered buffers through a future (no write_fixed_async). */
static unsigned ignored(const struct bench_job *job)
{
	return workload_writes(job->workload) ? OPT_FIXEDBUFS : 0;
}

static const struct bench_backend backend_urt_futures = {
	.name = "urt-futures",
	.rank = 20,
	.applies = OPT_QD | OPT_BATCH | OPT_COMPLETE_BATCH | OPT_DIRECT | OPT_FIXEDBUFS | OPT_REGISTERFILES |
		   OPT_SQPOLL | OPT_DEFER_TASKRUN | OPT_COOP_TASKRUN | OPT_VERIFY,
	.ignored = ignored,
	.run_worker = run_worker,
};
BENCH_BACKEND(backend_urt_futures)
