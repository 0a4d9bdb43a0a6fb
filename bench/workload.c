/*
 * workload.c - where each operation goes and what its buffer holds: the part
 * of a workload every backend shares, so they differ only in how they issue.
 */
#define _GNU_SOURCE
#include "bench.h"
#include "workload_data.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const opt_names[OPT_COUNT_] = {
	"qd",	     "batch",  "complete_batch", "direct",	  "fixedbufs",
	"registerfiles", "sqpoll", "defer_taskrun",	 "coop_taskrun", "verify", "bs",
};

const char *bench_opt_name(enum bench_opt o)
{
	unsigned i = (unsigned)__builtin_ctz((unsigned)o);
	return i < OPT_COUNT_ ? opt_names[i] : "?";
}

/* Random workloads pick any bs-aligned block of the file (as fio does);
 * sequential ones walk the file from a per-thread start and wrap, each
 * operation taking the next block whatever task or slot issues it. */
uint64_t bench_next_offset(struct bench_worker *w, uint64_t *seq_cursor)
{
	const struct bench_job *job = w->job;
	if (!workload_uses_file(job->workload))
		return 0;
	uint64_t blocks = job->file_size / job->bs;
	if (job->workload->random)
		return wd_below(&w->rng, blocks) * job->bs;
	uint64_t off = *seq_cursor;
	*seq_cursor = (off / job->bs + 1 < blocks) ? off + job->bs : 0;
	return off;
}

uint64_t bench_seq_start(const struct bench_job *job, unsigned index)
{
	if (!workload_uses_file(job->workload))
		return 0;
	return (job->file_size / job->threads / job->bs) * job->bs * index;
}

void *bench_alloc_buffer(const struct bench_job *job)
{
	void *buf = NULL;
	size_t len = job->bs ? (size_t)job->bs : 1;
	if (posix_memalign(&buf, 4096, len) != 0)
		return NULL;
	memset(buf, 0, len);
	return buf;
}

void bench_prepare_write(const struct bench_job *job, void *buf, uint64_t off)
{
	if (job->opts & OPT_VERIFY)
		wd_pattern_fill(buf, job->bs, off, job->seed);
}

void bench_verify_bytes(struct bench_worker *w, const void *buf, int64_t res, uint64_t off)
{
	const struct bench_job *job = w->job;
	if (res <= 0)
		return;
	uint64_t first_bad = 0;
	size_t bad = wd_pattern_check(buf, (size_t)res, off, job->seed, &first_bad);
	if (bad) {
		char what[96];
		snprintf(what, sizeof(what), "data check: %zu wrong bytes, first at offset %" PRIu64, bad,
			 first_bad);
		bench_fail(w, -EILSEQ, what);
	}
}
