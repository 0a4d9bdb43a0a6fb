/*
 * report.h - writing what a sweep measured: JSON (schema urt-bench/1), CSV
 * (the same columns minus the histogram) and the summary on stdout.
 */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include "bench.h"
#include "options.h"

#include <signal.h>
#include <stdio.h>

/* A configuration that produced no numbers, and why. */
struct bench_skip {
	const char *backend;
	struct bench_job job;
	char reason[200];
};

/* What surrounded the run (the JSON's "context"): measured by main. */
struct bench_context {
	double load_before[3], load_after[3]; /* [0] < 0: unknown */
	double clock_cost_ns;
};

struct bench_run {
	const struct bench_options *opts;
	struct bench_context ctx;
	char started[32];           /* ISO 8601, UTC */
	struct bench_result *results;
	size_t n_results, cap_results;
	struct bench_skip *skipped, *failed;
	size_t n_skipped, n_failed, cap_skipped, cap_failed;
};

int report_add_result(struct bench_run *run, const struct bench_result *r);
int report_add_skip(struct bench_run *run, bool failed, const char *backend, const struct bench_job *job,
		    const char *reason);
/* Both write to a new file only (never replacing one) and return 0 or -errno. */
/* Written to a temporary name and linked into place: never half a file, and
 * an existing path is replaced only with force (-EEXIST otherwise). */
int report_write_json(const struct bench_run *run, const char *path, bool force);
int report_write_csv(const struct bench_run *run, const char *path, bool force);
/* An output file for the network workloads' report too: "-" is standard
 * output; any other path is written under a temporary name and published
 * whole (tb_publish_*, synced; replacing only with force).  The FILE, or
 * NULL with errno set; report_publish_output: 0 or -errno. */
struct tb_publish;
/* Holds SIGINT, SIGTERM and SIGHUP while the reports are written (their
 * handlers exit without removing a temporary file); *old is the mask to
 * restore with sigprocmask(SIG_SETMASK). */
void report_hold_stop_signals(sigset_t *old);
/* Restores *old.  Unless interrupted, a stop that came once every report was
 * published is dropped first (the run is complete); interrupted, the pending
 * stop is delivered and its handler ends the run with 130. */
void report_release_stop_signals(const sigset_t *old, bool interrupted);
FILE *report_open_output(struct tb_publish *p, const char *path);
/* -EINTR, nothing published and the temporary file removed, when a stop
 * signal is pending (it came while the file was written). */
int report_publish_output(struct tb_publish *p, FILE *f, const char *path, bool force);
/* Peak ops/s per workload and backend, and each one's ratio to raw. */
void report_print_summary(const struct bench_run *run, FILE *out);
void report_free(struct bench_run *run);

/* The sweep's own derived numbers, shared by JSON, CSV and the summary. */
double result_iops(const struct bench_result *r);
double result_mib_s(const struct bench_result *r);

#endif
