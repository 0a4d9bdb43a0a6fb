/*
 * phase.c - the clock, the warm-up -> timed -> done phases every backend
 * shares, and the accounting of one operation.
 *
 * The phases are driven by completions, not by a timer: the first sampled
 * completion past the warm-up boundary opens the timed window (CPU time and
 * ring counters are snapshotted there), the first one past the end closes
 * it.
 * So the window holds only steady-state operations and its length is
 * measured, not assumed.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double bench_clock_cost_ns(void)
{
	double best = 0;
	for (int round = 0; round < 5; round++) {
		enum { CALLS = 20000 };
		uint64_t t0 = bench_now_ns(), t1 = t0;
		for (int i = 0; i < CALLS; i++)
			t1 = bench_now_ns();
		double per = (double)(t1 - t0) / CALLS;
		if (round == 0 || per < best)
			best = per;
	}
	return best;
}

/* CPU time of the calling thread only: other helpers' processes and our own
 * other workers are not charged to this one. */
static void thread_cpu(double *user, double *sys)
{
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	*user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	*sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void snapshot_counters(struct bench_worker *w, uint64_t *enter, uint64_t *sqes)
{
	*enter = *sqes = 0;
	if (w->counters)
		w->counters(w, enter, sqes);
}

/* --interval-log: closes the open interval at now.  Out of memory drops
 * the record (the log then ends early) rather than the run. */
static void interval_close(struct bench_worker *w, uint64_t now, bool last)
{
	/* The window's end cuts the last interval short: under half an
	 * interval it holds a handful of operations, too few for a rate. */
	if (!w->ivl_hist || now <= w->ivl_start ||
	    (last && now - w->ivl_start < (uint64_t)w->job->interval_ms * 500000u))
		return;
	if (w->n_ivl == w->cap_ivl) {
		size_t cap = w->cap_ivl ? w->cap_ivl * 2 : 64;
		struct bench_interval *p = realloc(w->ivl, cap * sizeof(*p));
		if (!p)
			return;
		w->ivl = p;
		w->cap_ivl = cap;
	}
	struct hist_bin *bins;
	long n_bins = hist_bins(w->ivl_hist, &bins);
	if (n_bins < 0)
		return;
	w->ivl[w->n_ivl++] = (struct bench_interval){
		.t_s = (double)(now - w->t_start) / 1e9,
		.ops_s = (double)(w->ops - w->ivl_ops0) * 1e9 / (double)(now - w->ivl_start),
		.p99_ns = hist_percentile(w->ivl_hist, 0.99),
		.bins = bins,
		.n_bins = (size_t)n_bins,
		.max_ns = w->ivl_hist->max,
	};
	w->ivl_start = now;
	w->ivl_ops0 = w->ops;
	hist_init(w->ivl_hist);
}

static void open_window(struct bench_worker *w, uint64_t now)
{
	w->phase = 1;
	w->t_start = now;
	if (w->job->interval_ms && (w->ivl_hist || (w->ivl_hist = malloc(sizeof(*w->ivl_hist))))) {
		hist_init(w->ivl_hist);
		w->ivl_start = now;
		w->ivl_ops0 = 0;
	}
	thread_cpu(&w->ru_user0, &w->ru_sys0);
	snapshot_counters(w, &w->enter0, &w->sqes0);
}

static void close_window(struct bench_worker *w, uint64_t now)
{
	interval_close(w, now, true);
	w->phase = 2;
	w->t_stop = now;
	double u, s;
	thread_cpu(&u, &s);
	w->user_s = u - w->ru_user0;
	w->sys_s = s - w->ru_sys0;
	uint64_t e, q;
	snapshot_counters(w, &e, &q);
	w->enter_calls = e - w->enter0;
	w->sqes = q - w->sqes0;
}

/* Moves between phases at a sampled completion; true when it is timed. */
static bool phase_tick(struct bench_worker *w, uint64_t now)
{
	const struct bench_job *job = w->job;
	if (w->phase == 0) {
		if (now < job->t_warm_end)
			return false;
		open_window(w, now);
	}
	if (w->phase == 1) {
		if (job->t_end && now >= job->t_end) {
			close_window(w, now);
			return false;
		}
		if (w->ivl_hist && now - w->ivl_start >= (uint64_t)job->interval_ms * 1000000u)
			interval_close(w, now, false);
		return true;
	}
	return false;
}

/* Sampling adapts to the operation's cost: one in --lat-sample while
 * operations are fast (where the clock would be a visible share of each),
 * every one when they take SAMPLE_ALL_NS or more (where it is not, and
 * where rare samples would leave the phase boundaries and the tail coarse).
 * Re-decided every 64 completions or so, from the mean time per completion. */
static void adapt_sampling(struct bench_worker *w, uint64_t now)
{
	uint64_t n = w->completions - w->adapt_n0;
	if (w->adapt_t0 && n >= 64) {
		uint64_t per_op = (now - w->adapt_t0) / n;
		w->sample_every = per_op >= SAMPLE_ALL_NS ? 1 : w->job->lat_sample;
	}
	if (!w->adapt_t0 || n >= 64) {
		w->adapt_t0 = now;
		w->adapt_n0 = w->completions;
	}
}

bool bench_complete(struct bench_worker *w, const struct op_clock *c, int64_t res)
{
	w->completions++;
	if (c->sampled) {
		w->sampled_inflight--;
		adapt_sampling(w, c->last);
	}
	bool timed = c->sampled ? phase_tick(w, c->last) : w->phase == 1;
	if (res < 0) {
		bench_fail(w, (int)res, "operation failed");
		return false;
	}
	if (!timed)
		return false;
	w->ops++;
	w->bytes += (uint64_t)res;
	if (!workload_is_nop(w->job->workload) && (uint64_t)res < w->job->bs)
		w->short_ops++;
	if (c->sampled) {
		hist_record(&w->lat, c->last - c->t_issue);
		if (w->ivl_hist)
			hist_record(w->ivl_hist, c->last - c->t_issue);
	}
	if (w->job->ops_limit && w->ops >= w->job->ops_limit)
		close_window(w, c->sampled ? c->last : bench_now_ns());
	return c->sampled;
}

void bench_tick(struct bench_worker *w)
{
	if (w->phase < 2)
		phase_tick(w, bench_now_ns());
}

void bench_fail(struct bench_worker *w, int err, const char *what)
{
	if (w->err == 0) {
		w->err = err < 0 ? err : -err;
		snprintf(w->errmsg, sizeof(w->errmsg), "%s: %s", what, strerror(-w->err));
	}
	/* Stop measuring: a failing run has no numbers worth reporting. */
	if (w->phase == 1)
		close_window(w, bench_now_ns());
	w->phase = 2;
}

void bench_finish(struct bench_worker *w)
{
	if (w->phase == 1)
		close_window(w, bench_now_ns());
	w->phase = 2;
}
