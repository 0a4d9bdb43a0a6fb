/*
 * urt_common.c - runtime setup and the latency split shared by the urt and
 * urt-futures backends.
 */
#define _GNU_SOURCE
#include "urt_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void read_counters(struct bench_worker *w, uint64_t *enter, uint64_t *sqes)
{
	struct urt_stats st;
	urt_get_stats(w->counters_arg, &st);
	*enter = st.enter_calls;
	*sqes = st.sqes_submitted;
}

int urt_side_open(struct urt_side *s, struct bench_worker *w, unsigned nbufs)
{
	const struct bench_job *job = w->job;
	memset(s, 0, sizeof(*s));
	s->w = w;
	s->fd = -1;
	s->seq_cursor = bench_seq_start(job, w->index);

	struct urt_config cfg = { 0 };
	/* Enough SQ room for every slot plus our own cancels, never less than the default. */
	cfg.entries = job->qd * 2 > 256 ? job->qd * 2 : 256;
	cfg.submit_batch = job->batch;
	cfg.wait_nr = job->complete_batch;
	if (job->opts & OPT_SQPOLL)
		cfg.flags |= URT_SQPOLL;
	if (job->opts & OPT_DEFER_TASKRUN)
		cfg.flags |= URT_DEFER_TASKRUN;
	if (job->opts & OPT_COOP_TASKRUN)
		cfg.flags |= URT_COOP_TASKRUN;
	int ret = urt_create(&s->rt, &cfg);
	if (ret < 0) {
		bench_fail(w, ret, "urt_create");
		return ret;
	}
	w->counters = read_counters;
	w->counters_arg = s->rt;
	w->has_enter = true;
	w->has_kernel = w->has_sched = job->split;

	if (job->workload->pipe) {
		ret = pipe_feeder_start(&s->feeder, job->seed, job->bs, &s->fd);
		if (ret < 0) {
			bench_fail(w, ret, "pipe");
			return ret;
		}
	} else if (workload_uses_file(job->workload)) {
		s->fd = job->data_fd;
		if ((job->opts & OPT_REGISTERFILES) && (ret = urt_register_files(s->rt, &s->fd, 1)) < 0) {
			bench_fail(w, ret, "urt_register_files");
			return ret;
		}
	}

	s->bufs = calloc(nbufs, sizeof(void *));
	if (!s->bufs) {
		bench_fail(w, -ENOMEM, "buffers");
		return -ENOMEM;
	}
	s->nbufs = nbufs;
	for (unsigned i = 0; i < nbufs; i++) {
		if (!(s->bufs[i] = bench_alloc_buffer(job))) {
			bench_fail(w, -ENOMEM, "buffers");
			return -ENOMEM;
		}
	}
	s->fixedbufs = (job->opts & OPT_FIXEDBUFS) && workload_uses_file(job->workload);
	if (s->fixedbufs) {
		struct iovec *iov = calloc(nbufs, sizeof(*iov));
		if (!iov) {
			bench_fail(w, -ENOMEM, "buffers");
			return -ENOMEM;
		}
		for (unsigned i = 0; i < nbufs; i++)
			iov[i] = (struct iovec){ .iov_base = s->bufs[i], .iov_len = (size_t)job->bs };
		ret = urt_register_buffers(s->rt, iov, nbufs);
		free(iov);
		if (ret < 0) {
			bench_fail(w, ret, "urt_register_buffers");
			return ret;
		}
	}
	return 0;
}

void urt_side_close(struct urt_side *s)
{
	/* The runtime first: it drains what the kernel still holds before the
	 * buffers go away. */
	urt_destroy(s->rt);
	s->rt = NULL;
	pipe_feeder_stop(s->feeder);
	for (unsigned i = 0; s->bufs && i < s->nbufs; i++)
		free(s->bufs[i]);
	free(s->bufs);
	s->bufs = NULL;
}

ssize_t urt_side_issue(struct urt_side *s, unsigned i, uint64_t off)
{
	const struct bench_job *job = s->w->job;
	void *buf = s->bufs[i];
	size_t len = (size_t)job->bs;
	if (workload_is_nop(job->workload))
		return urt_nop();
	if (job->workload->pipe)
		return urt_read(s->fd, buf, len, -1);
	if (!job->workload->writes)
		return s->fixedbufs ? urt_read_fixed(s->fd, buf, len, (off_t)off, (int)i)
				    : urt_read(s->fd, buf, len, (off_t)off);
	bench_prepare_write(job, buf, off);
	return s->fixedbufs ? urt_write_fixed(s->fd, buf, len, (off_t)off, (int)i)
			    : urt_write(s->fd, buf, len, (off_t)off);
}

void urt_side_complete(struct urt_side *s, unsigned i, struct op_clock *c, ssize_t res, uint64_t off)
{
	struct bench_worker *w = s->w;
	uint64_t t_resume = op_clock_done(c);
	bool split = w->job->split;
	/* The split needs the moment each reap's first task resumed, but only
	 * for reaps that deliver a sampled operation: while none is in flight
	 * (this one counts until bench_complete) no reap can deliver one, so
	 * unsampled operations then read neither the stats nor the clock. */
	if (split && w->sampled_inflight) {
		uint64_t batches = urt_cq_batches(s->rt);
		if (batches != s->seen_batches) {
			/* The first resume after a reap: one clock read per reap. */
			s->seen_batches = batches;
			s->pass_start = c->sampled ? t_resume : bench_now_ns();
		}
	}
	if (res >= 0 && w->job->workload->pipe) {
		/* Only one reader keeps the stream in order: check it then. */
		if (w->job->qd == 1)
			bench_verify(w, s->bufs[i], res, s->stream_pos);
		s->stream_pos += (uint64_t)res;
	} else if (res >= 0 && !workload_writes(w->job->workload)) {
		bench_verify(w, s->bufs[i], res, off);
	}
	if (!bench_complete(w, c, res) || !split)
		return; /* not sampled: no split to record */
	uint64_t reaped = s->pass_start > c->t_issue ? s->pass_start : c->t_issue;
	if (reaped > t_resume)
		reaped = t_resume;
	hist_record(&w->lat_kernel, reaped - c->t_issue);
	hist_record(&w->lat_sched, t_resume - reaped);
}
