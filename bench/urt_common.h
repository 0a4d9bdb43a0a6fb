/*
 * urt_common.h - what the two runtime backends (urt, urt-futures) share:
 * building the runtime from the job's knobs, registering the file and the
 * buffers, and the latency split.
 */
#ifndef BENCH_URT_COMMON_H
#define BENCH_URT_COMMON_H

#include "bench.h"
#include "urt.h"

struct urt_side {
	struct bench_worker *w;
	struct urt *rt;
	int fd;                   /* the data file or the pipe's read end */
	struct pipe_feeder *feeder;
	void **bufs;              /* one per slot (task or future) */
	unsigned nbufs;
	bool fixedbufs;
	uint64_t seq_cursor;
	uint64_t stream_pos;      /* pipe: bytes read so far (verifiable at qd 1) */
	/* Latency split: the runtime's cq_batches counter changes once per
	 * batch of completions it takes from the CQ (a CQ pass or a reap), so
	 * the first resume that sees a new value is the first one after that
	 * batch was taken (looked at only while a sampled operation is in
	 * flight).  Not ops_completed: a CQ pass delivers completions one at a
	 * time, and every resume would look like the first (and read the
	 * clock). */
	uint64_t seen_batches;
	uint64_t pass_start;
};

/* Creates the runtime, the buffers and the fd for w's job; on failure
 * records the error in w and returns -errno. */
int urt_side_open(struct urt_side *s, struct bench_worker *w, unsigned nbufs);
void urt_side_close(struct urt_side *s);
/* Issues the job's operation for slot i at off (ignored for nop/pipe). */
ssize_t urt_side_issue(struct urt_side *s, unsigned i, uint64_t off);
/* Records a completed operation (issue -> resume, and the split). */
void urt_side_complete(struct urt_side *s, unsigned i, struct op_clock *c, ssize_t res, uint64_t off);

#endif
