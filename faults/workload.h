/*
 * workload.h - the verifying workloads the fault suite runs under injected
 * faults, and the bookkeeping they share.
 *
 * A workload owns its runtime(s) and scratch files, runs its operations with
 * whatever fault point the caller enabled, verifies every byte it moved, and
 * fills a wl_result.  It never decides pass/fail on its own: cell.c judges
 * the result, so every workload is checked by the same rules.
 */
#ifndef URT_FAULTS_WORKLOAD_H
#define URT_FAULTS_WORKLOAD_H

#include "urt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Ring variants: a configuration every workload can be run under, besides
 * the one its seed draws. */
enum wl_ring {
	WL_RING_SEEDED,   /* submit batch and completion mode from the seed */
	WL_RING_SQPOLL,   /* URT_SQPOLL: a kernel thread consumes the SQ */
	WL_RING_DEFER,    /* URT_DEFER_TASKRUN always */
	WL_RING_WAIT_NR,  /* wait_nr 8: the loop asks for several completions at once */
	WL_RING_REGFILES, /* every fd of the workload registered (fixed files) */
	WL_RING_COUNT
};
extern const char *const wl_ring_names[WL_RING_COUNT];
int wl_ring_by_name(const char *name); /* -1 when unknown */

struct wl_params {
	uint64_t seed;      /* the workload's PRNG and data pattern */
	double scale;       /* size multiplier: 1 = full run */
	/* The point fires on every call: operations must end in an error (no
	 * hang, no corruption); the workload stops a worker at its first one. */
	bool expect_errors;
	/* Besides expect_errors, the one error the enabled point may legitimately
	 * deliver (-EIO for urt/op/error, -ENOMEM for urt/alloc); the workload
	 * repeats the operation.  0: no error may reach a caller. */
	int retryable_error;
	bool any_error_retryable; /* --external: points are chosen from outside */
	const char *dir;          /* scratch files */
	enum wl_ring ring;
};

struct wl_result {
	uint64_t ops;             /* logical operations completed (each id once) */
	uint64_t bytes_expected;  /* bytes that had to verify for a clean run */
	uint64_t bytes_verified;
	uint64_t corrupted_bytes;
	uint64_t lost_ops;
	uint64_t doubled_ops;
	uint64_t errors_seen;     /* error results observed by workload callers */
	uint64_t eio_seen;        /* of which -EIO: every injected urt/op/error must show up here */
	uint64_t workload_retries;/* operations the workload repeated after an allowed error */
	uint64_t create_enomem;   /* urt_create refused (not in urt_stats: no runtime yet) */
	uint64_t spawn_enomem;
	int run_errors;           /* urt_run returned < 0 (e.g. -EDEADLK: a lost wake-up) */
	unsigned submit_batch;    /* the configuration the seed chose */
	unsigned ring_flags;
	struct urt_stats stats;   /* summed over every runtime the workload created */
	bool failed;
	char reason[240];
};

/* One run of a workload: what it was asked to do and what it found.  The
 * workload's tasks all see the same run through their argument. */
struct wl_run {
	const struct wl_params *p;
	struct wl_result *r;
	uint64_t prng;
	int fds[8];     /* the workload's fds, registered under WL_RING_REGFILES */
	unsigned nfds;
};

typedef void (*wl_fn)(struct wl_run *run);

/* A workload: one row of wl_table (registry.c). */
struct wl_desc {
	const char *name;
	wl_fn fn;
	bool writes;        /* issues writes/sends: urt/write/short can fire */
	bool ring_variants; /* the matrix runs the ring variants on it (at p = 0.1) */
	bool external;      /* --external runs it when --workloads is not given */
	const char *what;   /* one line for --help and the README */
};

extern const struct wl_desc wl_table[];
extern const unsigned wl_count;
const struct wl_desc *wl_find(const char *name);

/* The names of one kind joined by sep, in table order (registry.c): the
 * usage and the error text for an unknown name.  The string lasts until the
 * second call after. */
enum faults_names { FN_POINTS, FN_WORKLOADS, FN_RINGS, FN_RING_WORKLOADS };
const char *faults_names(enum faults_names kind, const char *sep);
/* --list: the point, workload and ring names, as JSON (what
 * validate_json.py --bench narrows an urt-faults/1 report's names to). */
void faults_print_list(FILE *f);

/* The workloads (one file per family). */
void wl_copy(struct wl_run *run);
void wl_randread(struct wl_run *run);
void wl_randwrite(struct wl_run *run);
void wl_pipe(struct wl_run *run);
void wl_echo(struct wl_run *run);
void wl_tcp(struct wl_run *run);
void wl_swarm(struct wl_run *run);
void wl_sigstorm(struct wl_run *run);

/* Notes an fd the workload does I/O on (scratch files are noted by
 * wl_scratch_file): wl_create registers them under WL_RING_REGFILES. */
void wl_note_fd(struct wl_run *run, int fd);

/* ---- shared bookkeeping (wl_common.c) ---- */

/* Marks the run failed with a reason (the first reason wins). */
void wl_fail(struct wl_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An operation returned err < 0.  Counts it and says whether to repeat the
 * operation (true) or to stop this worker (false).  An error the enabled
 * point cannot explain fails the run. */
bool wl_error(struct wl_run *run, ssize_t err, const char *what);

/* A runtime configuration drawn from the seed: the submit batch (when the
 * SQ fills, how many SQEs a failing submit holds back) and the completion
 * mode (plain, COOP_TASKRUN, DEFER_TASKRUN: who runs completions, when);
 * then the ring variant (p->ring) laid over it. */
struct urt_config wl_seeded_config(struct wl_run *run);
/* urt_create / urt_spawn, repeating -ENOMEM from urt/alloc; < 0 when the
 * error must stand (counted as seen). */
int wl_create(struct wl_run *run, struct urt **rt, const struct urt_config *cfg);
int wl_spawn(struct wl_run *run, struct urt *rt, void (*fn)(void *), void *arg);
/* urt_run; a negative return fails the run. */
void wl_run_phase(struct wl_run *run, struct urt *rt);
/* Adds the runtime's statistics to the result, checks that every operation
 * it started was delivered exactly once, and destroys it. */
void wl_destroy(struct wl_run *run, struct urt *rt);
static inline void wl_run_and_destroy(struct wl_run *run, struct urt *rt)
{
	wl_run_phase(run, rt);
	wl_destroy(run, rt);
}

/* A scratch file of size bytes in p->dir, already unlinked; filled with the
 * pattern for seed when fill is true.  -1 (run failed) on error. */
int wl_scratch_file(struct wl_run *run, uint64_t size, bool fill, uint64_t seed);
/* Reads [off, off+len) with pread (outside the runtime) and checks it. */
void wl_verify_file(struct wl_run *run, int fd, uint64_t off, uint64_t len, uint64_t seed);
/* Set by cell.c's sabotage hook: wl_verify_file flips one byte once. */
extern bool wl_sabotage_corrupt;
/* Checks a buffer the workload received; counts verified and corrupted bytes. */
void wl_check(struct wl_run *run, const void *buf, size_t len, uint64_t off, uint64_t seed, const char *what);

/* Reads exactly len bytes of the pattern file fd at off into buf, checking
 * what arrives: how 0 = single reads that may be short, 1 = urt_read_full,
 * 2 = a future.  Allowed errors repeat the read.  0, or -1: stop the worker. */
int wl_read_range(struct wl_run *run, int fd, char *buf, size_t len, uint64_t off, unsigned how);

/* Writes all of buf at off: urt_write_all, or single writes (single) that
 * may be short and are continued.  An allowed error rewrites the range
 * whole.  0, or -1: stop the worker. */
int wl_write_range(struct wl_run *run, int fd, const char *buf, size_t len, uint64_t off, bool single);
/* Set by the faultfs layer's "ignore-eio" sabotage: wl_write_range takes an
 * EIO for success, a lost write the layer must catch. */
extern bool wl_sabotage_ignore_eio;

/* Completion accounting: every operation id must complete exactly once,
 * successfully or with the error that ended it (a call that returned has
 * completed; one that never returns is lost). */
struct wl_ids {
	uint8_t *started;
	uint8_t *ok;    /* completed successfully: its data must verify */
	uint32_t *done; /* times it completed */
	size_t n;
};
int wl_ids_init(struct wl_run *run, struct wl_ids *ids, size_t n);
static inline void wl_id_start(struct wl_ids *ids, size_t id)
{
	ids->started[id] = 1;
}
static inline void wl_id_done(struct wl_ids *ids, size_t id, bool ok)
{
	ids->done[id]++;
	ids->ok[id] = ok;
}
/* Counts lost and doubled ids into the result and frees the arrays.  An id
 * never started counts as lost unless the run expected errors (a worker
 * stops at its first error and leaves the rest unstarted); in a clean run
 * an id that ended in an error is a failure too. */
void wl_ids_finish(struct wl_run *run, struct wl_ids *ids);

/* The randwrite body, shared by the file and faultfs layers: blocks of
 * `slot` bytes written in random order by 8 tasks, then read back in the
 * reverse order.  The caller opens fd, allocates order (slots entries) and
 * ids (2 * slots: write id s, read-back id slots + s), and afterwards checks
 * the file behind the runtime's back. */
struct wl_randwrite {
	struct wl_run *run;
	int fd;
	uint32_t slot;
	uint64_t slots, next, *order;
	struct wl_ids ids;
};
/* Shuffles the order (run->prng), then runs the writes and read-backs in
 * one runtime made from cfg.  -1 when no runtime could be created. */
int wl_randwrite_slots(struct wl_randwrite *rw, const struct urt_config *cfg);

/* Sizes scaled by p->scale, never below min. */
uint64_t wl_scaled(const struct wl_run *run, uint64_t full, uint64_t min);

#endif
