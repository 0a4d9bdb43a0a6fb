/*
 * options.h - the command line of urt-bench, parsed and checked before
 * anything is created, so bad input never leaves a file behind.
 */
#ifndef BENCH_OPTIONS_H
#define BENCH_OPTIONS_H

#include "bench.h"

#define LIST_MAX 32

struct bench_options {
	const struct workload *workloads[LIST_MAX];
	unsigned n_workloads;
	const struct bench_backend *backends[LIST_MAX];
	unsigned n_backends;
	unsigned qd[LIST_MAX], n_qd;
	unsigned batch[LIST_MAX], n_batch;
	unsigned complete_batch[LIST_MAX], n_complete_batch;
	uint64_t bs[LIST_MAX];
	unsigned n_bs;
	double duration, warmup;
	uint64_t ops;
	unsigned repeat, threads;
	unsigned lat_sample;  /* time one operation in this many */
	unsigned interval_ms; /* --interval-log MS; 0 = off */
	int cpus[LIST_MAX];   /* --cpus */
	unsigned n_cpus;
	bool no_split;        /* skip the runtime backends' latency split (it costs a stats read per op) */
	const char *file;
	bool file_exists;     /* --file named a file that was already there: read only */
	uint64_t size;
	bool size_given;
	unsigned opts;        /* OPT_DIRECT, OPT_FIXEDBUFS, ... as asked for */
	uint64_t seed;
	const char *json, *csv;
	bool force; /* --force: --json/--csv may replace an existing file */
	bool quiet;
	int argc;
	char **argv;
};

/* Parses and checks everything.  On bad input prints one line to stderr and
 * returns 2; --help (the usage) and --list (the names, JSON) print and
 * return 1; 0 = go. */
int options_parse(struct bench_options *o, int argc, char **argv);
/* True when the command line names a network workload (echo, stream) in
 * any spelling getopt_long accepts: main() then runs net_main(). */
bool options_net_requested(int argc, char **argv);

/* The pieces the network workloads' command line (net_main.c) shares, so
 * both parse and refuse alike.  Each prints one "urt-bench: ..." line on
 * bad input and returns 2, else 0. */
struct tb_list;
int options_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* LIST split at commas (toolbox.h), at most max items; free l with
 * tb_list_free even after a failure. */
int options_split(struct tb_list *l, const char *opt, const char *list, unsigned max);
/* One element S of list OPT: an integer in lo..hi (a size with a k/m/g
 * suffix with TB_SIZE; hi then a multiple of 1m), and room for it (n of
 * max used).  *v set on success. */
int options_item(const char *opt, const char *s, uint64_t lo, uint64_t hi, unsigned flags, unsigned n, unsigned max,
		 uint64_t *v);
/* Seconds in 0..86400 (above 0 unless zero_ok). */
int options_parse_seconds(const char *opt, const char *s, bool zero_ok, double *out);
/* An output file --OPT PATH: not an existing one without force, not a
 * directory, and its directory takes a new file. */
int options_check_output(const char *opt, const char *path, bool force);

#endif
