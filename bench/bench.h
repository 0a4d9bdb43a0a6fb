/*
 * bench.h - what the sweep loop, the backends and the report writers share:
 * one configuration (a job), one thread's share of it (a worker), the
 * aggregated result, and the small interface every backend implements.
 */
#ifndef BENCH_H
#define BENCH_H

#include "histogram.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* How a network workload's server answers (net.h); NET_NONE for the file,
 * pipe and nop workloads, which urt-bench's main sweep runs. */
enum net_workload { NET_NONE, NET_ECHO, NET_STREAM };

/* A workload: one row of workload_table (registry.c), which is all it takes
 * to add one.  The backends go by these properties, never by name. */
struct workload {
	const char *name;
	bool uses_file;     /* operates on the data file at bs-aligned offsets */
	bool writes;        /* writes the data file (else reads, when it has one) */
	bool random;        /* random offsets, else a sequential walk (file workloads) */
	bool pipe;          /* reads a pipe a writer thread feeds (pipe_feeder.c) */
	const char *fio_rw; /* fio's rw= for it; NULL: fio cannot run it */
	enum net_workload net; /* a network workload: net_main.c runs it */
};
/* Neither a file nor a pipe: an operation that moves no data. */
#define workload_is_nop(w) (!(w)->uses_file && !(w)->pipe)
extern const struct workload workload_table[];
extern const unsigned workload_count;
const struct workload *workload_find(const char *name);

/* Options a backend may not honour; a result lists the ones that did not
 * apply to it instead of dropping them silently. */
enum bench_opt {
	OPT_QD = 1 << 0,
	OPT_BATCH = 1 << 1,
	OPT_COMPLETE_BATCH = 1 << 2,
	OPT_DIRECT = 1 << 3,
	OPT_FIXEDBUFS = 1 << 4,
	OPT_REGISTERFILES = 1 << 5,
	OPT_SQPOLL = 1 << 6,
	OPT_DEFER_TASKRUN = 1 << 7,
	OPT_COOP_TASKRUN = 1 << 8,
	OPT_VERIFY = 1 << 9,
	OPT_BS = 1 << 10,
	OPT_COUNT_ = 11
};
const char *bench_opt_name(enum bench_opt o);

/* One configuration: every field is fixed for the whole run. */
struct bench_job {
	const struct workload *workload;
	unsigned qd, batch, complete_batch, threads, repeat;
	uint64_t bs;
	unsigned opts;            /* OPT_* the user asked for (direct, fixedbufs, ...) */
	uint64_t ops_limit;       /* per thread; 0 = none */
	unsigned lat_sample;      /* time one operation in this many (1 = every one) */
	unsigned interval_ms;     /* --interval-log: one record per this many ms; 0 = off */
	const int *cpus;          /* --cpus: worker i runs on cpus[i % n_cpus]; NULL = unpinned */
	unsigned n_cpus;
	bool split;               /* runtime backends: measure the kernel / scheduling split */
	double duration, warmup;  /* seconds; duration 0 = until ops_limit */
	const char *path;         /* the data file */
	uint64_t file_size;
	uint64_t seed;
	int data_fd;              /* opened by the sweep for the workload; backends dup nothing */
	const char *tmpdir;       /* where a backend may put scratch files (fio's job file) */
	/* Absolute CLOCK_MONOTONIC times, set just before the workers start. */
	uint64_t t_warm_end, t_end;
};

/* One interval of --interval-log: when it ended (since the timed window
 * opened), what it achieved, and its sampled latencies.  A worker keeps the
 * interval's histogram as bins (so threads can be merged afterwards); the
 * result holds the p99 of the histogram merged over its threads (0 when
 * nothing was sampled), the percentile definition of every other number. */
struct bench_interval {
	double t_s, ops_s;
	uint64_t p99_ns;
	struct hist_bin *bins; /* worker: owned; result: NULL */
	size_t n_bins;
	uint64_t max_ns;
};

/* One thread's share of a job and what it measured.  A backend's worker
 * fills the outputs through the phase helpers below. */
struct bench_worker {
	const struct bench_job *job;
	unsigned index;
	uint64_t rng;
	/* outputs */
	struct hist lat, lat_kernel, lat_sched;
	bool has_kernel, has_sched, has_enter;
	bool untimed;                        /* times no operation (raw-bare): no latency */
	uint64_t ops, bytes, short_ops;
	uint64_t t_start, t_stop;            /* the timed window actually covered */
	double user_s, sys_s;
	uint64_t enter_calls, sqes;          /* during the timed window */
	int err;                             /* first error (-errno), 0 = fine */
	char errmsg[160];
	/* phase bookkeeping */
	int phase;                           /* 0 warm-up, 1 timed, 2 done */
	unsigned sample_ctr;
	unsigned sample_every;               /* now in force: 1 (0) or job->lat_sample, see bench_complete */
	uint64_t completions, adapt_n0, adapt_t0;
	uint64_t sampled_inflight;           /* sampled operations issued, not yet completed */
	double ru_user0, ru_sys0;
	uint64_t enter0, sqes0;
	/* --interval-log: the open interval and the closed ones */
	struct hist *ivl_hist;               /* sampled latencies of the open interval */
	uint64_t ivl_start, ivl_ops0;
	struct bench_interval *ivl;
	size_t n_ivl, cap_ivl;
	/* the backend's counters for enter_calls/sqes, read at phase changes */
	void (*counters)(struct bench_worker *w, uint64_t *enter, uint64_t *sqes);
	void *counters_arg;
};

/* The aggregate of every worker of one job, plus what the report needs. */
struct bench_result {
	const char *backend;
	struct bench_job job;
	uint64_t ops, bytes, short_ops;
	double seconds, user_s, sys_s;
	bool has_enter, has_kernel, has_sched, has_cpu, has_hist;
	uint64_t enter_calls, sqes;
	struct hist *lat, *lat_kernel, *lat_sched; /* owned */
	/* Percentiles that did not come from our histogram (fio's own). */
	bool ext_lat;
	double ext_min, ext_mean, ext_p[6], ext_max;
	unsigned not_applicable;  /* OPT_* that this backend ignored */
	struct bench_interval *ivl; /* owned; threads summed per interval (p99: merged histogram) */
	size_t n_ivl;
	char note[200];
};

/* A backend: one file that defines one of these and registers it with
 * BENCH_BACKEND() (fio's ioengine_ops + register_ioengine).  Listings
 * (--help, --list, error text, the schema check) come from the
 * registry, in rank order. */
struct bench_backend {
	const char *name;
	int rank;          /* place in listings, lower first */
	unsigned applies;  /* OPT_* this backend honours */
	/* NULL when every workload runs; else a reason when this one cannot. */
	const char *(*unsupported)(const struct bench_job *job);
	/* NULL, or OPT_* it cannot honour for this particular job. */
	unsigned (*ignored)(const struct bench_job *job);
	/* In-process backends: one call per thread. */
	void (*run_worker)(struct bench_worker *w);
	/* Out-of-process backends (fio): the whole job at once.  Returns 0,
	 * 1 = skipped (reason in r->note), or -errno. */
	int (*run_job)(const struct bench_job *job, struct bench_result *r);
	/* NULL, or what a SIGINT/SIGTERM must undo at once (kill a child,
	 * remove files); async-signal-safe. */
	void (*abort)(void);
	/* A backend that needs a peer (a server, a second process) starts
	 * and stops it inside run_job, which owns the whole job. */
};

#define BENCH_BACKENDS_MAX 32
void bench_register_backend(const struct bench_backend *b);
/* The i-th registered backend in rank order, or NULL past the last. */
const struct bench_backend *bench_backend_at(unsigned i);
const struct bench_backend *bench_backend_find(const char *name);
/* Registers b with fn before main() runs (both kinds of backend). */
#define BENCH_REGISTER(fn, b) \
	static void __attribute__((constructor)) fn##_##b(void) { fn(&b); }
#define BENCH_BACKEND(b) BENCH_REGISTER(bench_register_backend, b)

/* What the listings are made of (registry.c): the names of one kind joined
 * by sep, in rank (backends) or table (workloads) order. */
enum bench_names { NAMES_BACKENDS, NAMES_NET_BACKENDS, NAMES_WORKLOADS, NAMES_FILE_WORKLOADS, NAMES_NET_WORKLOADS };
const char *bench_names(enum bench_names kind, const char *sep);
/* --list: every backend and workload name, as JSON, then the names by
 * kind (file_backends, network_backends, file_workloads,
 * network_workloads): what validate_json.py --bench narrows the schema
 * and each result's backend to. */
void bench_print_names_json(FILE *f);

static inline const char *workload_name(const struct workload *w)
{
	return w->name;
}
static inline bool workload_writes(const struct workload *w)
{
	return w->writes;
}
static inline bool workload_uses_file(const struct workload *w)
{
	return w->uses_file;
}

/* ---- clock and phases (phase.c) ---- */

uint64_t bench_now_ns(void);
/* The measured cost of one bench_now_ns() in ns (the cheapest of a few
 * rounds of back-to-back calls): what timing one operation adds twice. */
double bench_clock_cost_ns(void);

/* One issuing context's clock (a task, a ring slot, a thread).  Only the
 * sampled operations (one in --lat-sample while operations take under
 * SAMPLE_ALL_NS, every one above: see bench_complete) read the clock, and every
 * backend reads it the same way: right before issuing and right after the
 * completion reaches the issuing code, a completion time doubling as the
 * next issue time when both operations are sampled.  So the harness costs
 * every backend the same. */
#define SAMPLE_ALL_NS 4000 /* two 43 ns clock reads are 2 % of an operation this long */

struct op_clock {
	uint64_t t_issue, last;
	bool sampled, have_last;
};

static inline void op_clock_issue(struct bench_worker *w, struct op_clock *c)
{
	c->sampled = ++w->sample_ctr >= w->sample_every;
	if (c->sampled) {
		w->sample_ctr = 0;
		w->sampled_inflight++;
		c->t_issue = c->have_last ? c->last : bench_now_ns();
	}
	c->have_last = false;
}

/* The completion time of a sampled operation (0 when not sampled). */
static inline uint64_t op_clock_done(struct op_clock *c)
{
	if (!c->sampled)
		return 0;
	c->last = bench_now_ns();
	c->have_last = true;
	return c->last;
}

static inline bool bench_done(const struct bench_worker *w)
{
	return w->phase == 2;
}
/* Accounts one completed operation: moves warm-up -> timed -> done at the
 * job's boundaries (checked on sampled operations, which carry a time),
 * counts it when it falls in the timed window and records its latency when
 * it was sampled.  Returns true when its latency was recorded. */
bool bench_complete(struct bench_worker *w, const struct op_clock *c, int64_t res);
/* For a backend that times no operation (raw-bare): reads the clock once
 * and moves the phases, as a sampled completion would.  Called once per
 * batch of completions, so the clock costs nothing per operation. */
void bench_tick(struct bench_worker *w);
/* An operation that carries no time (raw-bare). */
static inline bool bench_count(struct bench_worker *w, int64_t res)
{
	static const struct op_clock untimed = { 0 };
	return bench_complete(w, &untimed, res);
}
void bench_fail(struct bench_worker *w, int err, const char *what);
/* Closes the timed window if the backend stopped before the clock did. */
void bench_finish(struct bench_worker *w);

/* ---- offsets (workload.c) ---- */

/* The next offset for this worker's workload, aligned to bs. */
uint64_t bench_next_offset(struct bench_worker *w, uint64_t *seq_cursor);
/* Where thread index starts a sequential walk: threads spread over the file. */
uint64_t bench_seq_start(const struct bench_job *job, unsigned index);
/* A buffer of bs bytes aligned for O_DIRECT; for writes it holds the pattern. */
void *bench_alloc_buffer(const struct bench_job *job);
void bench_verify_bytes(struct bench_worker *w, const void *buf, int64_t res, uint64_t off);
/* Checks a read's bytes against the pattern when the job verifies; inline
 * so that a run without --verify pays one branch, not a call. */
static inline void bench_verify(struct bench_worker *w, const void *buf, int64_t res, uint64_t off)
{
	if (w->job->opts & OPT_VERIFY)
		bench_verify_bytes(w, buf, res, off);
}
/* For writes: puts the pattern for off into buf (so a verifying reader
 * later sees the right bytes). */
void bench_prepare_write(const struct bench_job *job, void *buf, uint64_t off);

/* ---- pipe workload (pipe_feeder.c) ---- */

struct pipe_feeder;
/* Starts a thread writing pattern data into a new pipe in chunks of random
 * size, so reads of bs bytes come back short.  *read_fd is the read end. */
int pipe_feeder_start(struct pipe_feeder **pf, uint64_t seed, uint64_t chunk_max, int *read_fd);
/* Closes the read end (the writer then stops on EPIPE) and joins. */
void pipe_feeder_stop(struct pipe_feeder *pf);

#endif
