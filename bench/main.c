/*
 * main.c - urt-bench: expands the option lists into configurations, runs
 * each one on each backend (threads x workers, warm-up excluded), collects
 * the results and writes the report.
 *
 * Exit status: 0 all ran, 1 a configuration failed (the rest still ran and
 * were reported), 2 bad input (nothing was created).
 */
#define _GNU_SOURCE
#include "bench.h"
#include "datafile.h"
#include "net.h"
#include "options.h"
#include "report.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct datafile datafile;

/* A stop request (SIGINT, SIGTERM, SIGHUP): stop fio, remove every scratch
 * file, and end without writing any output (nothing half-written: outputs
 * are written only after the sweep, with these signals blocked).  A crash:
 * the same clean-up, then die of the signal.  Async-signal-safe calls only. */
static void on_signal(int sig)
{
	unsigned i_abort = 0;
	for (const struct bench_backend *b; (b = bench_backend_at(i_abort)); i_abort++)
		if (b->abort)
			b->abort();
	datafile_cleanup(&datafile);
	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
		static const char msg[] = "urt-bench: interrupted\n";
		ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)w;
		_exit(130);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- one configuration on one backend ---- */

struct start_gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool open;
};

struct worker_thread {
	pthread_t thread;
	struct bench_worker w;
	const struct bench_backend *backend;
	struct start_gate *gate;
};

static void *worker_main(void *arg)
{
	struct worker_thread *wt = arg;
	pthread_mutex_lock(&wt->gate->lock);
	while (!wt->gate->open)
		pthread_cond_wait(&wt->gate->cond, &wt->gate->lock);
	pthread_mutex_unlock(&wt->gate->lock);
	const struct bench_job *job = wt->w.job;
	if (job->n_cpus) {
		/* --cpus: worker i on one CPU; threads it starts inherit that. */
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(job->cpus[wt->w.index % job->n_cpus], &set);
		int ret = sched_setaffinity(0, sizeof(set), &set);
		if (ret < 0) {
			bench_fail(&wt->w, -errno, "sched_setaffinity");
			return NULL;
		}
	}
	wt->backend->run_worker(&wt->w);
	return NULL;
}

static void init_worker(struct bench_worker *w, const struct bench_job *job, unsigned index)
{
	memset(w, 0, sizeof(*w));
	w->job = job;
	w->index = index;
	/* Distinct, repeatable streams per thread and sample. */
	w->rng = job->seed ^ (0x9e3779b97f4a7c15ull * (index + 1)) ^ ((uint64_t)job->repeat << 32);
	hist_init(&w->lat);
	hist_init(&w->lat_kernel);
	hist_init(&w->lat_sched);
}

static struct hist *hist_copy(const struct hist *h)
{
	struct hist *c = malloc(sizeof(*c));
	if (c)
		*c = *h;
	return c;
}

/* Runs job on an in-process backend: threads workers started together. */
static int run_in_process(const struct bench_backend *b, struct bench_job *job, struct bench_result *r)
{
	struct worker_thread *wts = calloc(job->threads, sizeof(*wts));
	if (!wts)
		return -ENOMEM;
	struct start_gate gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false };
	for (unsigned i = 0; i < job->threads; i++) {
		wts[i].backend = b;
		wts[i].gate = &gate;
		init_worker(&wts[i].w, job, i);
	}
	unsigned created = 0;
	int ret = 0;
	for (; created < job->threads; created++)
		if ((ret = pthread_create(&wts[created].thread, NULL, worker_main, &wts[created])) != 0)
			break;
	/* The clock starts when every thread exists; each thread's setup (ring,
	 * buffers) then happens inside its warm-up.  If a thread could not be
	 * made, the others are released with a window already over. */
	uint64_t t0 = bench_now_ns();
	job->t_warm_end = ret ? t0 : t0 + (uint64_t)(job->warmup * 1e9);
	job->t_end = ret ? t0 : job->duration > 0 ? job->t_warm_end + (uint64_t)(job->duration * 1e9) : 0;
	if (ret)
		job->ops_limit = 1;
	pthread_mutex_lock(&gate.lock);
	gate.open = true;
	pthread_cond_broadcast(&gate.cond);
	pthread_mutex_unlock(&gate.lock);
	for (unsigned i = 0; i < created; i++)
		pthread_join(wts[i].thread, NULL);
	if (ret) {
		snprintf(r->note, sizeof(r->note), "pthread_create: %s", strerror(ret));
		free(wts);
		return -ret;
	}

	r->has_hist = true;
	/* --interval-log: threads summed interval by interval, as far as every
	 * thread got; the p99 from the interval's histograms merged over the
	 * threads (as every other percentile), not the worst thread's. */
	size_t n_ivl = SIZE_MAX;
	for (unsigned i = 0; i < job->threads; i++) {
		if (wts[i].w.n_ivl < n_ivl)
			n_ivl = wts[i].w.n_ivl;
		r->has_hist &= !wts[i].w.untimed;
	}
	struct hist *ivl_merged = job->interval_ms ? malloc(sizeof(*ivl_merged)) : NULL;
	if (ivl_merged && n_ivl && n_ivl != SIZE_MAX && (r->ivl = calloc(n_ivl, sizeof(*r->ivl)))) {
		r->n_ivl = n_ivl;
		for (size_t k = 0; k < n_ivl; k++) {
			hist_init(ivl_merged);
			for (unsigned i = 0; i < job->threads; i++) {
				const struct bench_interval *v = &wts[i].w.ivl[k];
				r->ivl[k].ops_s += v->ops_s;
				if (v->t_s > r->ivl[k].t_s)
					r->ivl[k].t_s = v->t_s;
				hist_add_bins(ivl_merged, v->bins, v->n_bins, v->max_ns);
			}
			r->ivl[k].p99_ns = hist_percentile(ivl_merged, 0.99);
		}
	}
	free(ivl_merged);
	for (unsigned i = 0; i < job->threads; i++) {
		for (size_t k = 0; k < wts[i].w.n_ivl; k++)
			free(wts[i].w.ivl[k].bins);
		free(wts[i].w.ivl);
		free(wts[i].w.ivl_hist);
	}

	struct hist lat, kern, sched;
	hist_init(&lat);
	hist_init(&kern);
	hist_init(&sched);
	r->has_enter = r->has_kernel = r->has_sched = true;
	ret = 0;
	for (unsigned i = 0; i < job->threads; i++) {
		struct bench_worker *w = &wts[i].w;
		if (w->err && !ret) {
			ret = w->err;
			snprintf(r->note, sizeof(r->note), "thread %u: %s", i, w->errmsg);
		}
		hist_merge(&lat, &w->lat);
		hist_merge(&kern, &w->lat_kernel);
		hist_merge(&sched, &w->lat_sched);
		r->ops += w->ops;
		r->bytes += w->bytes;
		r->short_ops += w->short_ops;
		r->user_s += w->user_s;
		r->sys_s += w->sys_s;
		r->enter_calls += w->enter_calls;
		r->sqes += w->sqes;
		r->has_enter &= w->has_enter;
		r->has_kernel &= w->has_kernel;
		r->has_sched &= w->has_sched;
		double secs = (double)(w->t_stop - w->t_start) / 1e9;
		if (w->t_stop > w->t_start && secs > r->seconds)
			r->seconds = secs;
	}
	free(wts);
	r->has_cpu = true;
	if (ret == 0 && (r->ops == 0 || r->seconds <= 0)) {
		ret = -ENODATA;
		snprintf(r->note, sizeof(r->note), "no operation completed inside the timed window");
	}
	r->lat = hist_copy(&lat);
	r->lat_kernel = r->has_kernel ? hist_copy(&kern) : NULL;
	r->lat_sched = r->has_sched ? hist_copy(&sched) : NULL;
	if (!r->lat || (r->has_kernel && !r->lat_kernel) || (r->has_sched && !r->lat_sched))
		return -ENOMEM;
	return ret;
}

/* ---- the sweep ---- */

/* The options a job asked for that this backend or workload cannot honour. */
static unsigned not_applicable(const struct bench_backend *b, const struct bench_job *job, unsigned asked)
{
	unsigned na = asked & ~(b->applies | OPT_BS); /* bs is a workload matter */
	if (b->ignored)
		na |= asked & b->ignored(job);
	if (workload_is_nop(job->workload))
		na |= asked & (OPT_BS | OPT_DIRECT | OPT_FIXEDBUFS | OPT_REGISTERFILES | OPT_VERIFY);
	if (job->workload->pipe)
		na |= asked & (OPT_DIRECT | OPT_FIXEDBUFS | (job->qd > 1 ? OPT_VERIFY : 0));
	return na;
}

struct sweep {
	struct bench_options *o;
	struct bench_run run;
	unsigned total, index;
	uint64_t t_begin;
	bool progress;
	int status;
	unsigned noted_na[LIST_MAX]; /* per backend: not-applicable notes already printed */
};

static void progress(struct sweep *s, const char *backend, const struct bench_job *job)
{
	if (!s->progress)
		return;
	double elapsed = (double)(bench_now_ns() - s->t_begin) / 1e9;
	double eta = s->index ? elapsed / s->index * (s->total - s->index) : 0;
	fprintf(stderr, "\r\033[K[%u/%u] %s %s qd=%u batch=%u cbatch=%u bs=%llu  ETA %.0fs", s->index + 1, s->total,
		backend, workload_name(job->workload), job->qd, job->batch, job->complete_batch,
		(unsigned long long)job->bs, eta);
	fflush(stderr);
}

static bool same_config(const char *backend_a, const struct bench_job *a, const char *backend_b,
			const struct bench_job *b)
{
	return strcmp(backend_a, backend_b) == 0 && a->workload == b->workload && a->qd == b->qd &&
	       a->batch == b->batch && a->complete_batch == b->complete_batch && a->bs == b->bs &&
	       a->repeat == b->repeat;
}

/* Has an earlier configuration already covered this backend with the same
 * effective values (options it ignores collapse to one run)? */
static bool already_ran(const struct sweep *s, const char *backend, const struct bench_job *job)
{
	for (size_t i = 0; i < s->run.n_results; i++)
		if (same_config(s->run.results[i].backend, &s->run.results[i].job, backend, job))
			return true;
	for (size_t i = 0; i < s->run.n_failed; i++)
		if (same_config(s->run.failed[i].backend, &s->run.failed[i].job, backend, job))
			return true;
	for (size_t i = 0; i < s->run.n_skipped; i++)
		if (same_config(s->run.skipped[i].backend, &s->run.skipped[i].job, backend, job))
			return true;
	return false;
}

static void run_one(struct sweep *s, unsigned bi, struct bench_job job)
{
	const struct bench_backend *b = s->o->backends[bi];
	unsigned na = not_applicable(b, &job, s->o->opts | OPT_QD | OPT_BATCH | OPT_COMPLETE_BATCH | OPT_BS);
	/* What an ignored knob collapses to: the value the backend really uses. */
	if (na & OPT_QD)
		job.qd = 1;
	if (na & OPT_BATCH)
		job.batch = 1;
	if (na & OPT_COMPLETE_BATCH)
		job.complete_batch = 1;
	if (na & OPT_BS)
		job.bs = 0;
	job.opts &= ~na;
	if (already_ran(s, b->name, &job))
		return;
	unsigned knobs = na & (OPT_QD | OPT_BATCH | OPT_COMPLETE_BATCH);
	if (knobs && !(s->noted_na[bi] & knobs) && !s->o->quiet) {
		fprintf(stderr, "%snote: %s does not apply%s%s%s; it runs once per other combination\n",
			s->progress ? "\r\033[K" : "", b->name, (knobs & OPT_QD) ? " --qd" : "",
			(knobs & OPT_BATCH) ? " --batch" : "", (knobs & OPT_COMPLETE_BATCH) ? " --complete-batch" : "");
		s->noted_na[bi] |= knobs;
	}

	struct bench_result r;
	memset(&r, 0, sizeof(r));
	r.backend = b->name;
	r.not_applicable = na;
	const char *why = b->unsupported ? b->unsupported(&job) : NULL;
	if (why) {
		report_add_skip(&s->run, false, b->name, &job, why);
		return;
	}
	progress(s, b->name, &job);

	int fd = -1, ret;
	if (workload_uses_file(job.workload)) {
		fd = datafile_open(&datafile, workload_writes(job.workload), job.opts & OPT_DIRECT);
		if (fd < 0) {
			char why2[200];
			snprintf(why2, sizeof(why2), "cannot open %.100s%s: %s", datafile.path,
				 (job.opts & OPT_DIRECT) ? " with O_DIRECT" : "", strerror(-fd));
			report_add_skip(&s->run, true, b->name, &job, why2);
			fprintf(stderr, "%surt-bench: %s %s: %s\n", s->progress ? "\r\033[K" : "", b->name,
				workload_name(job.workload), why2);
			s->status = 1;
			return;
		}
	}
	job.data_fd = fd;
	r.job = job;
	if (b->run_job) {
		ret = b->run_job(&job, &r);
	} else {
		ret = run_in_process(b, &job, &r);
	}
	if (fd >= 0)
		close(fd);
	r.job = job;
	r.job.data_fd = -1;
	if (ret == 1) {
		report_add_skip(&s->run, false, b->name, &job, r.note);
		if (!s->o->quiet)
			fprintf(stderr, "%snote: %s\n", s->progress ? "\r\033[K" : "", r.note);
	} else if (ret < 0) {
		report_add_skip(&s->run, true, b->name, &job, r.note[0] ? r.note : strerror(-ret));
		fprintf(stderr, "%surt-bench: %s %s qd=%u bs=%llu failed: %s\n", s->progress ? "\r\033[K" : "", b->name,
			workload_name(job.workload), job.qd, (unsigned long long)job.bs,
			r.note[0] ? r.note : strerror(-ret));
		free(r.lat);
		free(r.lat_kernel);
		free(r.lat_sched);
		free(r.ivl);
		s->status = 1;
	} else if (report_add_result(&s->run, &r) < 0) {
		free(r.lat);
		free(r.lat_kernel);
		free(r.lat_sched);
		free(r.ivl);
		s->status = 1;
	}
}

static void sweep_all(struct sweep *s)
{
	struct bench_options *o = s->o;
	struct bench_job job = { 0 };
	job.threads = o->threads;
	job.duration = o->duration;
	job.warmup = o->warmup;
	job.lat_sample = o->lat_sample;
	job.interval_ms = o->interval_ms;
	job.cpus = o->n_cpus ? o->cpus : NULL;
	job.n_cpus = o->n_cpus;
	job.split = !o->no_split;
	job.ops_limit = o->ops ? (o->ops + o->threads - 1) / o->threads : 0;
	job.path = datafile.path;
	job.file_size = datafile.size;
	job.seed = o->seed;
	job.tmpdir = datafile.dir;
	job.opts = o->opts;
	s->total = o->repeat * o->n_workloads * o->n_bs * o->n_qd * o->n_batch * o->n_complete_batch * o->n_backends;
	/* Repeats outermost, so a noisy moment spreads over every configuration
	 * instead of hitting all samples of one. */
	for (unsigned rep = 0; rep < o->repeat; rep++)
		for (unsigned wi = 0; wi < o->n_workloads; wi++)
			for (unsigned si = 0; si < o->n_bs; si++)
				for (unsigned qi = 0; qi < o->n_qd; qi++)
					for (unsigned bi = 0; bi < o->n_batch; bi++)
						for (unsigned ci = 0; ci < o->n_complete_batch; ci++)
							for (unsigned ki = 0; ki < o->n_backends; ki++, s->index++) {
								job.repeat = rep;
								job.workload = o->workloads[wi];
								job.bs = o->bs[si];
								job.qd = o->qd[qi];
								job.batch = o->batch[bi];
								job.complete_batch = o->complete_batch[ci];
								run_one(s, ki, job);
							}
	if (s->progress)
		fputs("\r\033[K", stderr);
}

static bool any_file_workload(const struct bench_options *o)
{
	for (unsigned i = 0; i < o->n_workloads; i++)
		if (workload_uses_file(o->workloads[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	/* The network workloads (echo, stream) have their own knobs and
	 * sweep: net_main.c. */
	if (options_net_requested(argc, argv))
		return net_main(argc, argv);
	static struct bench_options o;
	int ret = options_parse(&o, argc, argv);
	if (ret)
		return ret == 1 ? 0 : 2;

	struct sweep s = { .o = &o };
	s.run.opts = &o;
	s.progress = !o.quiet && isatty(2);
	time_t now = time(NULL);
	strftime(s.run.started, sizeof(s.run.started), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));

	/* Context: what else ran, and what the clock costs, before anything
	 * else; --cpus confines the whole harness (workers narrow it further). */
	if (o.n_cpus) {
		cpu_set_t set;
		CPU_ZERO(&set);
		for (unsigned i = 0; i < o.n_cpus; i++)
			CPU_SET(o.cpus[i], &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			fprintf(stderr, "urt-bench: --cpus: sched_setaffinity: %s\n", strerror(errno));
			return 2;
		}
	}
	if (getloadavg(s.run.ctx.load_before, 3) != 3)
		s.run.ctx.load_before[0] = -1;
	s.run.ctx.clock_cost_ns = bench_clock_cost_ns();

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	/* A crash must not leave a 64 MiB file behind either. */
	signal(SIGSEGV, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGFPE, on_signal);
	signal(SIGABRT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (datafile_scratch(&datafile) < 0)
		return 2; /* $TMPDIR takes no directory: bad input, nothing was run */
	if (any_file_workload(&o)) {
		if (!o.quiet)
			fprintf(stderr, "preparing %llu MiB data file...\n", (unsigned long long)(o.size >> 20));
		if (datafile_prepare(&datafile, o.file, o.file_exists, o.size, o.seed, o.opts & OPT_DIRECT) < 0) {
			datafile_cleanup(&datafile);
			return 1;
		}
		if (o.opts & OPT_DIRECT) {
			/* A file system without O_DIRECT (tmpfs) is the user's input
			 * problem: say so once instead of failing every job. */
			int fd = datafile_open(&datafile, false, true);
			if (fd < 0) {
				fprintf(stderr, "urt-bench: --direct: %s cannot be opened with O_DIRECT: %s\n",
					datafile.path, strerror(-fd));
				datafile_cleanup(&datafile);
				return 2;
			}
			close(fd);
		}
	}
	datafile.size = o.size;

	s.t_begin = bench_now_ns();
	sweep_all(&s);
	if (getloadavg(s.run.ctx.load_after, 3) != 3)
		s.run.ctx.load_after[0] = -1;

	sigset_t old;
	report_hold_stop_signals(&old); /* a stop now would leave a temporary file behind */
	bool interrupted = false;
	if (o.json && (ret = report_write_json(&s.run, o.json, o.force)) < 0) {
		interrupted = ret == -EINTR;
		if (!interrupted)
			fprintf(stderr, "urt-bench: writing %s: %s\n", o.json, strerror(-ret));
		s.status = 1;
	}
	if (!interrupted && o.csv && (ret = report_write_csv(&s.run, o.csv, o.force)) < 0) {
		interrupted = ret == -EINTR;
		if (!interrupted)
			fprintf(stderr, "urt-bench: writing %s: %s\n", o.csv, strerror(-ret));
		s.status = 1;
	}
	report_release_stop_signals(&old, interrupted); /* interrupted: the handler exits 130 here */
	/* With --json - or --csv - standard output is the data: the table goes
	 * to standard error. */
	bool data_on_stdout = (o.json && !strcmp(o.json, "-")) || (o.csv && !strcmp(o.csv, "-"));
	if (!o.quiet)
		report_print_summary(&s.run, data_on_stdout ? stderr : stdout);
	report_free(&s.run);
	datafile_cleanup(&datafile);
	return s.status;
}
