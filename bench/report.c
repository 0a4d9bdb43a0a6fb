/*
 * report.c - JSON (urt-bench/1), CSV and the closing summary.  Output files
 * are written under a temporary name and given their name when complete
 * (tb_publish), so an existing file is never replaced without --force and
 * a crash never leaves half a report.
 */
#define _GNU_SOURCE
#include "report.h"
#include "meta.h"
#include "toolbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int report_add_result(struct bench_run *run, const struct bench_result *r)
{
	if (grow((void **)&run->results, &run->cap_results, run->n_results, sizeof(*r)) < 0)
		return -ENOMEM;
	run->results[run->n_results++] = *r;
	return 0;
}

int report_add_skip(struct bench_run *run, bool failed, const char *backend, const struct bench_job *job,
		    const char *reason)
{
	struct bench_skip **arr = failed ? &run->failed : &run->skipped;
	size_t *n = failed ? &run->n_failed : &run->n_skipped;
	size_t *cap = failed ? &run->cap_failed : &run->cap_skipped;
	if (grow((void **)arr, cap, *n, sizeof(**arr)) < 0)
		return -ENOMEM;
	struct bench_skip *s = &(*arr)[(*n)++];
	s->backend = backend;
	s->job = *job;
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	return 0;
}

void report_free(struct bench_run *run)
{
	for (size_t i = 0; i < run->n_results; i++) {
		free(run->results[i].lat);
		free(run->results[i].lat_kernel);
		free(run->results[i].lat_sched);
		free(run->results[i].ivl);
	}
	free(run->results);
	free(run->skipped);
	free(run->failed);
}

double result_iops(const struct bench_result *r)
{
	return r->seconds > 0 ? (double)r->ops / r->seconds : 0;
}

double result_mib_s(const struct bench_result *r)
{
	return r->seconds > 0 ? (double)r->bytes / r->seconds / (1024.0 * 1024.0) : 0;
}

/* ---- output files: published whole, never over an existing file without
 * --force (toolbox.h) ---- */

void report_hold_stop_signals(sigset_t *old)
{
	tb_stop_signals(SIG_BLOCK, old);
}

/* "-" is standard output, written as it comes. */
FILE *report_open_output(struct tb_publish *p, const char *path)
{
	if (strcmp(path, "-") == 0)
		return stdout;
	int fd = tb_publish_begin(p, path, 0666);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	return tb_publish_fdopen(p);
}

int report_publish_output(struct tb_publish *p, FILE *f, const char *path, bool force)
{
	if (f == stdout)
		return ferror(f) || fflush(f) != 0 ? -EIO : 0;
	/* A stop asked for while the file was written (held, pending) wins
	 * over publishing it: the run then ends interrupted with no file,
	 * not with exit 130 and a complete report beside it. */
	sigset_t pending;
	if (sigpending(&pending) == 0 &&
	    (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGHUP) == 1)) {
		fclose(f);
		tb_publish_discard(p);
		return -EINTR;
	}
	return tb_publish_commit(p, f, path, TB_FSYNC | (force ? TB_REPLACE : 0));
}

void report_release_stop_signals(const sigset_t *old, bool interrupted)
{
	if (!interrupted) {
		/* Every report was published: a stop that came after is too late
		 * to undo it, and the run is complete. */
		sigset_t stop;
		tb_stop_set(&stop);
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&stop, NULL, &zero) > 0)
			;
	}
	sigprocmask(SIG_SETMASK, old, NULL);
}

/* ---- JSON ---- */

static const double quantiles[6] = { 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0 };
static const char *const quantile_keys[6] = { "p50", "p90", "p99", "p999", "p9999", "max" };

static void put_lat(FILE *f, const struct hist *h)
{
	if (!h || h->count == 0) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"min\": %" PRIu64 ", \"mean\": %.1f", h->min, h->sum / (double)h->count);
	for (int i = 0; i < 5; i++)
		fprintf(f, ", \"%s\": %" PRIu64, quantile_keys[i], hist_percentile(h, quantiles[i]));
	fprintf(f, ", \"max\": %" PRIu64 "}", h->max);
}

static void put_result_lat(FILE *f, const struct bench_result *r)
{
	if (!r->ext_lat) {
		put_lat(f, r->has_hist ? r->lat : NULL);
		return;
	}
	fprintf(f, "{\"min\": %.0f, \"mean\": %.1f", r->ext_min, r->ext_mean);
	for (int i = 0; i < 5; i++)
		fprintf(f, ", \"%s\": %.0f", quantile_keys[i], r->ext_p[i]);
	fprintf(f, ", \"max\": %.0f}", r->ext_max);
}

static void put_hist(FILE *f, const struct hist *h)
{
	fputc('[', f);
	bool first = true;
	for (unsigned i = 0; h && i < HIST_BUCKETS; i++) {
		if (!h->buckets[i])
			continue;
		fprintf(f, "%s[%" PRIu64 ", %" PRIu64 "]", first ? "" : ", ", hist_bucket_upper(i), h->buckets[i]);
		first = false;
	}
	fputc(']', f);
}

static const char *cache_state(const struct bench_job *job)
{
	if (!workload_uses_file(job->workload))
		return NULL;
	return (job->opts & OPT_DIRECT) ? "direct" : "cached";
}

static void put_opt_list(FILE *f, unsigned mask)
{
	fputc('[', f);
	bool first = true;
	for (unsigned b = 0; b < OPT_COUNT_; b++) {
		if (mask & (1u << b)) {
			fprintf(f, "%s\"%s\"", first ? "" : ", ", bench_opt_name(1u << b));
			first = false;
		}
	}
	fputc(']', f);
}

static void put_job_fields(FILE *f, const char *backend, const struct bench_job *job)
{
	fputs("\"backend\": ", f);
	tb_json_string(f, backend);
	fprintf(f, ", \"workload\": \"%s\", \"qd\": %u, \"batch\": %u, \"complete_batch\": %u, \"bs\": %" PRIu64
		   ", \"threads\": %u, \"repeat\": %u",
		workload_name(job->workload), job->qd, job->batch, job->complete_batch, job->bs, job->threads,
		job->repeat);
}

static void put_result(FILE *f, const struct bench_result *r)
{
	const struct bench_job *job = &r->job;
	fputs("    { ", f);
	put_job_fields(f, r->backend, job);
	fprintf(f, ",\n      \"ops\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"seconds\": %.6f, \"iops\": %.1f, "
		   "\"mib_s\": %.3f,\n      \"lat_ns\": ",
		r->ops, r->bytes, r->seconds, result_iops(r), result_mib_s(r));
	put_result_lat(f, r);
	fputs(",\n      \"hist_ns\": ", f);
	put_hist(f, r->has_hist ? r->lat : NULL);
	fputs(",\n      \"cpu\": ", f);
	if (r->has_cpu)
		fprintf(f, "{\"user_s\": %.6f, \"sys_s\": %.6f}", r->user_s, r->sys_s);
	else
		fputs("{\"user_s\": null, \"sys_s\": null}", f);
	if (r->has_enter)
		fprintf(f, ", \"enter_calls\": %" PRIu64 ", \"sqes_per_enter\": ", r->enter_calls);
	else
		fputs(", \"enter_calls\": null, \"sqes_per_enter\": ", f);
	if (r->has_enter && r->enter_calls)
		fprintf(f, "%.3f", (double)r->sqes / (double)r->enter_calls);
	else
		fputs("null", f);
	/* Extras (documented in README.md). */
	fputs(",\n      \"lat_kernel_ns\": ", f);
	put_lat(f, r->has_kernel ? r->lat_kernel : NULL);
	fputs(", \"lat_sched_ns\": ", f);
	put_lat(f, r->has_sched ? r->lat_sched : NULL);
	fputs(",\n      \"cache\": ", f);
	tb_json_string(f, cache_state(job));
	fprintf(f, ", \"short_ops\": %" PRIu64 ", \"sqes\": ", r->short_ops);
	if (r->has_enter)
		fprintf(f, "%" PRIu64, r->sqes);
	else
		fputs("null", f);
	fputs(", \"options\": ", f);
	put_opt_list(f, job->opts & ~r->not_applicable & ~(unsigned)OPT_BS);
	fputs(", \"not_applicable\": ", f);
	put_opt_list(f, r->not_applicable);
	fprintf(f, ", \"split\": %s, \"lat_sample\": %u, \"duration_s\": %.3f, \"warmup_s\": %.3f", job->split ? "true" : "false",
		r->has_hist || r->ext_lat ? job->lat_sample : 0, job->duration, job->warmup);
	fputs(", \"intervals\": ", f);
	if (r->ivl) {
		fprintf(f, "{\"ms\": %u, \"t_s\": [", job->interval_ms);
		for (size_t i = 0; i < r->n_ivl; i++)
			fprintf(f, "%s%.4f", i ? ", " : "", r->ivl[i].t_s);
		fputs("], \"ops_s\": [", f);
		for (size_t i = 0; i < r->n_ivl; i++)
			fprintf(f, "%s%.1f", i ? ", " : "", r->ivl[i].ops_s);
		fputs("], \"p99_ns\": [", f);
		for (size_t i = 0; i < r->n_ivl; i++) {
			fputs(i ? ", " : "", f);
			if (r->ivl[i].p99_ns && r->has_hist)
				fprintf(f, "%" PRIu64, r->ivl[i].p99_ns);
			else
				fputs("null", f);
		}
		fputs("]}", f);
	} else {
		fputs("null", f);
	}
	fputs(", \"note\": ", f);
	tb_json_string(f, r->note[0] ? r->note : NULL);
	fputs(" }", f);
}

static void put_load(FILE *f, const double *load)
{
	if (load[0] < 0)
		fputs("null", f);
	else
		fprintf(f, "[%.2f, %.2f, %.2f]", load[0], load[1], load[2]);
}

/* "context" and "timing": what else shared the machine, where the harness
 * ran, and how latency was measured (so a reader can judge the numbers). */
static void context_write_json(FILE *f, const struct bench_run *run)
{
	const struct bench_options *o = run->opts;
	fputs("  \"context\": {\"load_before\": ", f);
	put_load(f, run->ctx.load_before);
	fputs(", \"load_after\": ", f);
	put_load(f, run->ctx.load_after);
	fputs(", \"cpus\": ", f);
	if (o->n_cpus) {
		fputc('[', f);
		for (unsigned i = 0; i < o->n_cpus; i++)
			fprintf(f, "%s%d", i ? ", " : "", o->cpus[i]);
		fputs("], \"pinning\": \"sched_setaffinity: the harness on the listed CPUs, worker i on cpus[i % n]\"", f);
	} else {
		fputs("null, \"pinning\": null", f);
	}
	meta_write_host_context(f);
	fputs("},\n  \"timing\": {\"clock\": \"CLOCK_MONOTONIC\"", f);
	fprintf(f, ", \"clock_cost_ns\": %.1f, \"lat_sample\": %u, \"interval_ms\": %u", run->ctx.clock_cost_ns,
		o->lat_sample, o->interval_ms);
	fputs(", \"method\": \"one operation in lat_sample is timed (two clock reads: issue and completion) while "
	      "operations take under 4 us, every one above (re-decided every 64 completions); "
	      "raw-bare times none and reads the clock once per batch of completions reaped; percentiles are the upper "
	      "bound of the histogram bucket holding that rank, over all threads' samples merged\"}", f);
}

static void put_skips(FILE *f, const char *key, const struct bench_skip *s, size_t n)
{
	fprintf(f, ",\n  \"%s\": [", key);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n    { " : "\n    { ", f);
		put_job_fields(f, s[i].backend, &s[i].job);
		fputs(", \"reason\": ", f);
		tb_json_string(f, s[i].reason);
		fputs(" }", f);
	}
	fputs(n ? "\n  ]" : "]", f);
}

int report_write_json(const struct bench_run *run, const char *path, bool force)
{
	struct tb_publish p;
	FILE *f = report_open_output(&p, path);
	if (!f)
		return -errno;
	fputs("{\n  \"schema\": \"urt-bench/1\",\n", f);
	meta_write_json(f, run->started, run->opts->argc, run->opts->argv);
	fputs(",\n", f);
	context_write_json(f, run);
	fputs(",\n  \"results\": [", f);
	for (size_t i = 0; i < run->n_results; i++) {
		fputs(i ? ",\n" : "\n", f);
		put_result(f, &run->results[i]);
	}
	fputs(run->n_results ? "\n  ]" : "]", f);
	put_skips(f, "skipped", run->skipped, run->n_skipped);
	put_skips(f, "failed", run->failed, run->n_failed);
	fputs("\n}\n", f);
	return report_publish_output(&p, f, path, force);
}

/* ---- CSV: the result fields minus the histogram, one row per result ---- */

static void csv_lat(FILE *f, const struct bench_result *r, const struct hist *h, bool have)
{
	if (r->ext_lat && h == r->lat) {
		fprintf(f, ",%.0f,%.1f", r->ext_min, r->ext_mean);
		for (int i = 0; i < 5; i++)
			fprintf(f, ",%.0f", r->ext_p[i]);
		fprintf(f, ",%.0f", r->ext_max);
		return;
	}
	if (!have || !h || h->count == 0) {
		fputs(",,,,,,,,", f);
		return;
	}
	fprintf(f, ",%" PRIu64 ",%.1f", h->min, h->sum / (double)h->count);
	for (int i = 0; i < 5; i++)
		fprintf(f, ",%" PRIu64, hist_percentile(h, quantiles[i]));
	fprintf(f, ",%" PRIu64, h->max);
}

int report_write_csv(const struct bench_run *run, const char *path, bool force)
{
	struct tb_publish p;
	FILE *f = report_open_output(&p, path);
	if (!f)
		return -errno;
	fputs("backend,workload,qd,batch,complete_batch,bs,threads,repeat,ops,bytes,seconds,iops,mib_s", f);
	static const char *const groups[3] = { "lat", "lat_kernel", "lat_sched" };
	for (int g = 0; g < 3; g++)
		fprintf(f, ",%s_min_ns,%s_mean_ns,%s_p50_ns,%s_p90_ns,%s_p99_ns,%s_p999_ns,%s_p9999_ns,%s_max_ns",
			groups[g], groups[g], groups[g], groups[g], groups[g], groups[g], groups[g], groups[g]);
	fputs(",cpu_user_s,cpu_sys_s,enter_calls,sqes_per_enter,cache,short_ops\n", f);
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bench_result *r = &run->results[i];
		const struct bench_job *j = &r->job;
		fprintf(f, "%s,%s,%u,%u,%u,%" PRIu64 ",%u,%u,%" PRIu64 ",%" PRIu64 ",%.6f,%.1f,%.3f", r->backend,
			workload_name(j->workload), j->qd, j->batch, j->complete_batch, j->bs, j->threads, j->repeat,
			r->ops, r->bytes, r->seconds, result_iops(r), result_mib_s(r));
		csv_lat(f, r, r->lat, r->has_hist || r->ext_lat);
		csv_lat(f, r, r->lat_kernel, r->has_kernel);
		csv_lat(f, r, r->lat_sched, r->has_sched);
		if (r->has_cpu)
			fprintf(f, ",%.6f,%.6f", r->user_s, r->sys_s);
		else
			fputs(",,", f);
		if (r->has_enter)
			fprintf(f, ",%" PRIu64 ",", r->enter_calls);
		else
			fputs(",,", f);
		if (r->has_enter && r->enter_calls)
			fprintf(f, "%.3f", (double)r->sqes / (double)r->enter_calls);
		const char *cache = cache_state(j);
		fprintf(f, ",%s,%" PRIu64 "\n", cache ? cache : "", r->short_ops);
	}
	return report_publish_output(&p, f, path, force);
}

/* ---- summary ---- */

static bool same_cell(const struct bench_result *a, const struct bench_result *b)
{
	return strcmp(a->backend, b->backend) == 0 && a->job.workload == b->job.workload && a->job.qd == b->job.qd &&
	       a->job.batch == b->job.batch && a->job.complete_batch == b->job.complete_batch &&
	       a->job.bs == b->job.bs;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median ops/s over the repeats of r's configuration: one noisy sample
 * (the machine is shared) does not make a peak. */
static double cell_median(const struct bench_run *run, const struct bench_result *r)
{
	double v[64];
	size_t n = 0;
	for (size_t i = 0; i < run->n_results && n < 64; i++)
		if (same_cell(&run->results[i], r))
			v[n++] = result_iops(&run->results[i]);
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The configuration with the highest median ops/s for a workload and backend. */
static const struct bench_result *peak_of(const struct bench_run *run, const struct workload *w, const char *backend,
					  double *median)
{
	const struct bench_result *best = NULL;
	*median = 0;
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bench_result *r = &run->results[i];
		if (r->job.workload != w || strcmp(r->backend, backend) != 0)
			continue;
		double m = cell_median(run, r);
		if (!best || m > *median) {
			best = r;
			*median = m;
		}
	}
	return best;
}

void report_print_summary(const struct bench_run *run, FILE *out)
{
	if (run->n_results == 0) {
		fputs("no results\n", out);
		return;
	}
	fputs("\nsummary: peak ops/s (median over repeats) per workload and backend; vs raw = peak / raw's peak\n",
	      out);
	fprintf(out, "%-10s %-12s %14s %10s %8s  %s\n", "workload", "backend", "peak ops/s", "MiB/s", "vs raw", "at");
	for (const struct workload *w = workload_table; w < workload_table + workload_count; w++) {
		double raw_peak;
		peak_of(run, w, "raw", &raw_peak);
		for (size_t i = 0; i < run->n_results; i++) {
			const struct bench_result *first = &run->results[i];
			bool seen = first->job.workload != w;
			for (size_t k = 0; k < i && !seen; k++)
				seen = run->results[k].job.workload == w &&
				       strcmp(run->results[k].backend, first->backend) == 0;
			if (seen)
				continue;
			double peak;
			const struct bench_result *best = peak_of(run, w, first->backend, &peak);
			char ratio[16] = "-";
			if (raw_peak > 0)
				snprintf(ratio, sizeof(ratio), "%.2fx", peak / raw_peak);
			/* Bytes per operation from the peak's own sample (pipe reads are short). */
			double per_op = best->ops ? (double)best->bytes / (double)best->ops : 0;
			double mib = peak * per_op / (1024.0 * 1024.0);
			fprintf(out, "%-10s %-12s %14.0f %10.1f %8s  qd=%u batch=%u cbatch=%u bs=%" PRIu64 "\n",
				workload_name(w), best->backend, peak, mib, ratio, best->job.qd, best->job.batch,
				best->job.complete_batch, best->job.bs);
		}
	}
	if (run->n_skipped)
		fprintf(out, "%zu configuration(s) skipped (see \"skipped\" in the JSON)\n", run->n_skipped);
	if (run->n_failed)
		fprintf(out, "%zu configuration(s) FAILED (see stderr and \"failed\" in the JSON)\n", run->n_failed);
}
