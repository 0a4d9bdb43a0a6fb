/*
 * backend_raw.c - the limit: a bare liburing loop with no runtime, no tasks
 * and no operation records, with the same knobs as the runtime.  --batch
 * SQEs are queued before a submit (0 = submit once per reap), and each wait
 * asks for --complete-batch completions.  Each slot times its operations
 * with an op_clock exactly as a runtime task does.
 *
 * raw-bare is the same loop with no operation timed at all: the clock is
 * read once per batch of completions reaped (to move the phases), never per
 * operation.  It is the kernel's limit for these knobs; raw's distance
 * from it is what the harness's own timing costs.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>

#define REAP_BATCH 64

struct raw {
	struct bench_worker *w;
	bool bare;     /* raw-bare: no op_clock, one phase tick per round */
	struct io_uring ring;
	bool ring_ready;
	int fd;        /* the fd as the SQE names it: a fixed-file index when registered */
	unsigned sqe_flags;
	bool fixedbufs;
	void **bufs;
	struct op_clock *clocks;
	uint64_t *off;
	unsigned pending, inflight;
	uint64_t enter_calls, sqes;
	uint64_t seq_cursor, stream_pos;
	struct pipe_feeder *feeder;
	int pipe_fd;
};

static void counters(struct bench_worker *w, uint64_t *enter, uint64_t *sqes)
{
	struct raw *r = w->counters_arg;
	*enter = r->enter_calls;
	*sqes = r->sqes;
}

static int submit(struct raw *r, unsigned wait)
{
	r->enter_calls++;
	int ret = io_uring_submit_and_wait(&r->ring, wait);
	if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
		return ret;
	if (ret > 0)
		r->sqes += (unsigned)ret;
	r->pending = io_uring_sq_ready(&r->ring);
	return 0;
}

static int queue(struct raw *r, unsigned i)
{
	const struct bench_job *job = r->w->job;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	if (!sqe) {
		int ret = submit(r, 0);
		if (ret < 0 || !(sqe = io_uring_get_sqe(&r->ring)))
			return ret < 0 ? ret : -EBUSY;
	}
	uint64_t off = bench_next_offset(r->w, &r->seq_cursor);
	unsigned len = (unsigned)job->bs;
	void *buf = r->bufs[i];
	const struct workload *wl = job->workload;
	if (workload_is_nop(wl)) {
		io_uring_prep_nop(sqe);
	} else if (wl->pipe) {
		io_uring_prep_read(sqe, r->fd, buf, len, (uint64_t)-1);
	} else if (!wl->writes) {
		if (r->fixedbufs)
			io_uring_prep_read_fixed(sqe, r->fd, buf, len, off, (int)i);
		else
			io_uring_prep_read(sqe, r->fd, buf, len, off);
	} else {
		bench_prepare_write(job, buf, off);
		if (r->fixedbufs)
			io_uring_prep_write_fixed(sqe, r->fd, buf, len, off, (int)i);
		else
			io_uring_prep_write(sqe, r->fd, buf, len, off);
	}
	if (!workload_is_nop(wl))
		sqe->flags |= (uint8_t)r->sqe_flags;
	io_uring_sqe_set_data64(sqe, i);
	if (!r->bare)
		op_clock_issue(r->w, &r->clocks[i]);
	r->off[i] = off;
	r->pending++;
	r->inflight++;
	if (job->batch && r->pending >= job->batch)
		return submit(r, 0);
	return 0;
}

static void complete(struct raw *r, unsigned i, int res)
{
	struct bench_worker *w = r->w;
	struct op_clock *c = &r->clocks[i];
	if (!r->bare)
		op_clock_done(c);
	if (res >= 0 && w->job->workload->pipe) {
		if (w->job->qd == 1)
			bench_verify(w, r->bufs[i], res, r->stream_pos);
		r->stream_pos += (uint64_t)res;
	} else if (res >= 0 && !workload_writes(w->job->workload)) {
		bench_verify(w, r->bufs[i], res, r->off[i]);
	}
	if (r->bare) {
		bench_count(w, res);
		return;
	}
	/* No scheduler between the kernel and this code: all of it is kernel
	 * (and reaping) time. */
	if (bench_complete(w, c, res))
		hist_record(&w->lat_kernel, c->last - c->t_issue);
}

static int setup(struct raw *r, struct bench_worker *w)
{
	const struct bench_job *job = w->job;
	unsigned qd = job->qd;
	r->seq_cursor = bench_seq_start(job, w->index);
	struct io_uring_params p = { 0 };
	if (job->opts & OPT_SQPOLL) {
		p.flags |= IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 100;
	}
	if (job->opts & OPT_COOP_TASKRUN)
		p.flags |= IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
	if (job->opts & OPT_DEFER_TASKRUN)
		p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	int ret = io_uring_queue_init_params(qd * 2 > 256 ? qd * 2 : 256, &r->ring, &p);
	if (ret < 0)
		return ret;
	r->ring_ready = true;
	if (!(r->bufs = calloc(qd, sizeof(void *))) || !(r->clocks = calloc(qd, sizeof(struct op_clock))) ||
	    !(r->off = calloc(qd, sizeof(uint64_t))))
		return -ENOMEM;
	for (unsigned i = 0; i < qd; i++)
		if (!(r->bufs[i] = bench_alloc_buffer(job)))
			return -ENOMEM;
	if (job->workload->pipe) {
		if ((ret = pipe_feeder_start(&r->feeder, job->seed, job->bs, &r->pipe_fd)) < 0)
			return ret;
		r->fd = r->pipe_fd;
	} else {
		r->fd = job->data_fd;
	}
	if ((job->opts & OPT_REGISTERFILES) && !workload_is_nop(job->workload)) {
		if ((ret = io_uring_register_files(&r->ring, &r->fd, 1)) < 0)
			return ret;
		r->fd = 0;
		r->sqe_flags = IOSQE_FIXED_FILE;
	}
	r->fixedbufs = (job->opts & OPT_FIXEDBUFS) && workload_uses_file(job->workload);
	if (r->fixedbufs) {
		struct iovec *iov = calloc(qd, sizeof(*iov));
		if (!iov)
			return -ENOMEM;
		for (unsigned i = 0; i < qd; i++)
			iov[i] = (struct iovec){ .iov_base = r->bufs[i], .iov_len = (size_t)job->bs };
		ret = io_uring_register_buffers(&r->ring, iov, qd);
		free(iov);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void loop(struct raw *r)
{
	struct bench_worker *w = r->w;
	const struct bench_job *job = w->job;
	unsigned wait_nr = job->complete_batch ? job->complete_batch : 1;
	for (unsigned i = 0; i < job->qd; i++) {
		int ret = queue(r, i);
		if (ret < 0) {
			bench_fail(w, ret, "submit");
			break;
		}
	}
	while (r->inflight > 0) {
		int ret = submit(r, wait_nr < r->inflight ? wait_nr : r->inflight);
		if (ret < 0) {
			bench_fail(w, ret, "io_uring_submit_and_wait");
			return; /* the ring's teardown cancels what is left */
		}
		struct io_uring_cqe *cqes[REAP_BATCH];
		unsigned n;
		while ((n = io_uring_peek_batch_cqe(&r->ring, cqes, REAP_BATCH)) > 0) {
			/* Resubmitting from here can keep the CQ full forever (NOPs
			 * complete inline), so raw-bare's clock is read per batch
			 * reaped, not per round. */
			if (r->bare)
				bench_tick(w);
			for (unsigned k = 0; k < n; k++) {
				unsigned i = (unsigned)cqes[k]->user_data;
				int res = cqes[k]->res;
				r->inflight--;
				complete(r, i, res);
				if (!bench_done(w) && (ret = queue(r, i)) < 0)
					bench_fail(w, ret, "submit");
			}
			io_uring_cq_advance(&r->ring, n);
		}
	}
}

static void run(struct bench_worker *w, bool bare)
{
	struct raw *r = calloc(1, sizeof(*r));
	if (!r) {
		bench_fail(w, -ENOMEM, "raw");
		return;
	}
	r->w = w;
	r->bare = bare;
	int ret = setup(r, w);
	if (ret < 0) {
		bench_fail(w, ret, "raw setup");
	} else {
		w->counters = counters;
		w->counters_arg = r;
		w->has_enter = true;
		w->has_kernel = !bare;
		w->untimed = bare;
		loop(r);
	}
	bench_finish(w);
	if (r->ring_ready)
		io_uring_queue_exit(&r->ring);
	pipe_feeder_stop(r->feeder);
	for (unsigned i = 0; r->bufs && i < w->job->qd; i++)
		free(r->bufs[i]);
	free(r->bufs);
	free(r->clocks);
	free(r->off);
	free(r);
}

static void run_worker(struct bench_worker *w)
{
	run(w, false);
}

static void run_worker_bare(struct bench_worker *w)
{
	run(w, true);
}

#define RAW_APPLIES                                                                                            \
	(OPT_QD | OPT_BATCH | OPT_COMPLETE_BATCH | OPT_DIRECT | OPT_FIXEDBUFS | OPT_REGISTERFILES | OPT_SQPOLL | \
	 OPT_DEFER_TASKRUN | OPT_COOP_TASKRUN | OPT_VERIFY)

static const struct bench_backend backend_raw = {
	.name = "raw",
	.rank = 30,
	.applies = RAW_APPLIES,
	.run_worker = run_worker,
};
BENCH_BACKEND(backend_raw)

static const struct bench_backend backend_raw_bare = {
	.name = "raw-bare",
	.rank = 40,
	.applies = RAW_APPLIES,
	.run_worker = run_worker_bare,
};
BENCH_BACKEND(backend_raw_bare)
