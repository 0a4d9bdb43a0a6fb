/*
 * backend_psync.c - what a naive program does: one thread, one blocking
 * pread/pwrite at a time.  Queue depth, batching and the io_uring options do
 * not apply; the sweep runs it once per remaining combination and the result
 * says so.
 */
#define _GNU_SOURCE
#include "blocking_io.h"

#include <errno.h>
#include <stdlib.h>

static void run_worker(struct bench_worker *w)
{
	const struct bench_job *job = w->job;
	struct pipe_feeder *feeder = NULL;
	int fd = job->data_fd;
	void *buf = bench_alloc_buffer(job);
	if (!buf) {
		bench_fail(w, -ENOMEM, "buffer");
		return;
	}
	if (job->workload->pipe) {
		int ret = pipe_feeder_start(&feeder, job->seed, job->bs, &fd);
		if (ret < 0) {
			bench_fail(w, ret, "pipe");
			free(buf);
			return;
		}
	}
	uint64_t seq_cursor = bench_seq_start(job, w->index);
	uint64_t stream_pos = 0;
	struct op_clock clock = { 0 };
	while (!bench_done(w)) {
		uint64_t off = bench_next_offset(w, &seq_cursor);
		op_clock_issue(w, &clock);
		ssize_t res = blocking_op(job, fd, buf, off);
		blocking_complete(w, &clock, buf, res, off, &stream_pos, true);
	}
	bench_finish(w);
	pipe_feeder_stop(feeder);
	free(buf);
}

static const struct bench_backend backend_psync = {
	.name = "psync",
	.rank = 50,
	.applies = OPT_DIRECT | OPT_VERIFY,
	.run_worker = run_worker,
};
BENCH_BACKEND(backend_psync)
