/*
 * backend_threadpool.c - what tokio::fs and libuv do for files: qd threads,
 * each making one blocking call at a time.  This is the pool without its
 * hand-off (no queue, no wake-up of a waiting task), so it is the best case
 * for the thread-pool design.  Batching and the io_uring options do not
 * apply.
 */
#define _GNU_SOURCE
#include "blocking_io.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct pool {
	const struct bench_job *job;
	struct bench_job share;      /* the job as each pool thread sees it: its part of --ops */
	_Atomic uint64_t seq_block;  /* sequential workloads share one cursor */
	uint64_t first_block;
	int fd;
};

struct pool_thread {
	struct pool *pool;
	struct bench_worker w;  /* each thread measures on its own, merged at the end */
	pthread_t thread;
	bool started;
};

static uint64_t next_offset(struct pool_thread *pt)
{
	const struct bench_job *job = pt->pool->job;
	if (job->workload->uses_file && !job->workload->random) {
		uint64_t blocks = job->file_size / job->bs; /* seq workloads always have a bs */
		uint64_t n = atomic_fetch_add_explicit(&pt->pool->seq_block, 1, memory_order_relaxed);
		return ((pt->pool->first_block + n) % blocks) * job->bs;
	}
	uint64_t unused = 0;
	return bench_next_offset(&pt->w, &unused);
}

static void *pool_thread_main(void *arg)
{
	struct pool_thread *pt = arg;
	struct bench_worker *w = &pt->w;
	const struct bench_job *job = pt->pool->job;
	void *buf = bench_alloc_buffer(job);
	if (!buf) {
		bench_fail(w, -ENOMEM, "buffer");
		return NULL;
	}
	uint64_t stream_pos = 0;
	struct op_clock clock = { 0 };
	while (!bench_done(w)) {
		uint64_t off = next_offset(pt);
		op_clock_issue(w, &clock);
		ssize_t res = blocking_op(job, pt->pool->fd, buf, off);
		blocking_complete(w, &clock, buf, res, off, &stream_pos, job->qd == 1);
	}
	bench_finish(w);
	free(buf);
	return NULL;
}

/* Folds one pool thread's measurements into the worker the sweep sees. */
static void merge(struct bench_worker *into, const struct bench_worker *from, bool first)
{
	hist_merge(&into->lat, &from->lat);
	into->ops += from->ops;
	into->bytes += from->bytes;
	into->short_ops += from->short_ops;
	into->user_s += from->user_s;
	into->sys_s += from->sys_s;
	if (first || from->t_start < into->t_start)
		into->t_start = from->t_start;
	if (first || from->t_stop > into->t_stop)
		into->t_stop = from->t_stop;
	if (from->err && !into->err) {
		into->err = from->err;
		memcpy(into->errmsg, from->errmsg, sizeof(into->errmsg));
	}
}

static void run_worker(struct bench_worker *w)
{
	const struct bench_job *job = w->job;
	struct pool pool = { .job = job, .fd = job->data_fd };
	pool.first_block = job->bs ? bench_seq_start(job, w->index) / job->bs : 0;
	pool.share = *job;
	pool.share.ops_limit = (job->ops_limit + job->qd - 1) / job->qd;
	struct pipe_feeder *feeder = NULL;
	if (job->workload->pipe) {
		int ret = pipe_feeder_start(&feeder, job->seed, job->bs, &pool.fd);
		if (ret < 0) {
			bench_fail(w, ret, "pipe");
			return;
		}
	}
	struct pool_thread *pts = calloc(job->qd, sizeof(*pts));
	if (!pts) {
		bench_fail(w, -ENOMEM, "threads");
		pipe_feeder_stop(feeder);
		return;
	}
	for (unsigned i = 0; i < job->qd; i++) {
		pts[i].pool = &pool;
		pts[i].w.job = &pool.share;
		pts[i].w.index = w->index;
		pts[i].w.rng = w->rng ^ (0x9e3779b97f4a7c15ull * (i + 1));
		hist_init(&pts[i].w.lat);
		int ret = pthread_create(&pts[i].thread, NULL, pool_thread_main, &pts[i]);
		if (ret) {
			bench_fail(w, -ret, "pthread_create");
			break;
		}
		pts[i].started = true;
	}
	bool first = true;
	for (unsigned i = 0; i < job->qd; i++) {
		if (!pts[i].started)
			continue;
		pthread_join(pts[i].thread, NULL);
		merge(w, &pts[i].w, first);
		first = false;
	}
	/* The pool stopped as a whole: the worker's own phase is closed by hand. */
	w->phase = 2;
	pipe_feeder_stop(feeder);
	free(pts);
}

static const struct bench_backend backend_threadpool = {
	.name = "threadpool",
	.rank = 60,
	.applies = OPT_QD | OPT_DIRECT | OPT_VERIFY,
	.run_worker = run_worker,
};
BENCH_BACKEND(backend_threadpool)
