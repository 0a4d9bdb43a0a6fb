/*
 * backend_fio.c - the same job run by fio's io_uring engine, for a baseline
 * users already trust.  Writes a job file with fio's own knob names
 * (iodepth, iodepth_batch_submit, iodepth_batch_complete_min, bs, rw,
 * direct, fixedbufs, registerfiles, sqthread_poll), invalidate=0 so the
 * page cache stays as we prepared it, runs fio --output-format=json and
 * reads the numbers back.  Skipped with a note when fio is not installed.
 */
#define _GNU_SOURCE
#include "bench.h"
#include "toolbox.h"

#include <jansson.h>

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static bool fio_in_path(void)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char *copy = strdup(path), *save = NULL;
	bool found = false;
	for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char full[4096];
		snprintf(full, sizeof(full), "%s/fio", *dir ? dir : ".");
		found = access(full, X_OK) == 0;
	}
	free(copy);
	return found;
}

static const char *unsupported(const struct bench_job *job)
{
	if (job->workload->pipe)
		return "fio cannot read a pipe fed by this harness";
	if (!job->workload->fio_rw)
		return "fio has no io_uring nop job";
	return NULL;
}

/* fio separates file names with ':'; a literal one is written '\:'. */
static void put_filename(FILE *f, const char *path)
{
	fputs("filename=", f);
	for (const char *p = path; *p; p++) {
		if (*p == ':')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('\n', f);
}

static int write_jobfile(const struct bench_job *job, const char *path)
{
	FILE *f = fopen(path, "wx");
	if (!f)
		return -errno;
	fprintf(f, "[global]\nioengine=io_uring\nnonvectored=1\nthread=1\ngroup_reporting=1\n");
	put_filename(f, job->path);
	fprintf(f, "size=%llu\ninvalidate=0\nnorandommap=1\nrandseed=%llu\n", (unsigned long long)job->file_size,
		(unsigned long long)job->seed);
	fprintf(f, "lat_percentiles=1\npercentile_list=50:90:99:99.9:99.99\n");
	/* --ops becomes io_size (fio wraps around the file until it has moved
	 * that much, ramp included); otherwise time_based keeps fio going past
	 * one pass over the file.  runtime always caps the run. */
	if (job->ops_limit)
		fprintf(f, "io_size=%llu\n", (unsigned long long)(job->ops_limit * job->bs));
	else
		fprintf(f, "time_based=1\n");
	fprintf(f, "runtime=%llums\n",
		job->duration > 0 ? (unsigned long long)(job->duration * 1000 + 0.5) : 600ull * 1000);
	if (job->warmup > 0)
		fprintf(f, "ramp_time=%llums\n", (unsigned long long)(job->warmup * 1000 + 0.5));
	fprintf(f, "[job]\nrw=%s\nbs=%llu\nnumjobs=%u\niodepth=%u\n", job->workload->fio_rw,
		(unsigned long long)job->bs, job->threads, job->qd);
	/* Our batch 0 ("whatever is queued when the loop goes idle") is fio's
	 * "submit everything queued": a batch of the whole depth. */
	fprintf(f, "iodepth_batch_submit=%u\niodepth_batch_complete_min=%u\n", job->batch ? job->batch : job->qd,
		job->complete_batch ? job->complete_batch : 1);
	fprintf(f, "direct=%d\nfixedbufs=%d\nregisterfiles=%d\nsqthread_poll=%d\n", !!(job->opts & OPT_DIRECT),
		!!(job->opts & OPT_FIXEDBUFS), !!(job->opts & OPT_REGISTERFILES), !!(job->opts & OPT_SQPOLL));
	return fclose(f) == 0 ? 0 : -EIO;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* What an interrupted run must stop and remove: the fio process (its own
 * process group) and its three files in the scratch directory. */
static volatile pid_t fio_pid;
static char fio_files[3][4096];
static volatile sig_atomic_t fio_files_set;

/* Kills a running fio and removes its files. */
static void abort_fio(void)
{
	/* From a signal handler: async-signal-safe calls only. */
	pid_t pid = fio_pid;
	if (pid > 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fio_pid = 0;
	}
	if (fio_files_set)
		for (int i = 0; i < 3; i++)
			unlink(fio_files[i]);
	fio_files_set = 0;
}

static int run_fio(const char *jobfile, const char *out, const char *log, double limit_s)
{
	pid_t parent = getpid();
	tb_stop_signals(SIG_BLOCK, NULL); /* fio_pid is set before a signal can look at it */
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		tb_stop_signals(SIG_UNBLOCK, NULL);
		return -err;
	}
	if (pid == 0) {
		/* Its own process group (a terminal's ^C reaches only urt-bench,
		 * which stops fio and cleans up), and killed if urt-bench dies. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		tb_stop_signals(SIG_UNBLOCK, NULL);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		char outopt[4200];
		snprintf(outopt, sizeof(outopt), "--output=%s", out);
		execlp("fio", "fio", "--output-format=json", outopt, jobfile, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	fio_pid = pid;
	tb_stop_signals(SIG_UNBLOCK, NULL);
	/* fio should stop on its own (runtime caps it); if it does not, a
	 * stuck baseline must not hang the sweep. */
	int status = 0;
	uint64_t deadline = bench_now_ns() + (uint64_t)(limit_s * 1e9);
	for (;;) {
		tb_stop_signals(SIG_BLOCK, NULL);
		pid_t got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			fio_pid = 0;
		tb_stop_signals(SIG_UNBLOCK, NULL);
		if (got == pid)
			break;
		if (got < 0 && errno != EINTR)
			return -errno;
		if (bench_now_ns() > deadline) {
			tb_stop_signals(SIG_BLOCK, NULL);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fio_pid = 0;
			tb_stop_signals(SIG_UNBLOCK, NULL);
			return -ETIMEDOUT;
		}
		usleep(10 * 1000);
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* The number at obj.key; 0 when obj or the key is missing or not a number. */
static double num(const json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

/* Fills r from fio's report: the read or write half of the one job. */
static int ingest(const struct bench_job *job, const char *text, struct bench_result *r)
{
	const char *brace = strchr(text, '{'); /* fio may print warnings first */
	json_error_t jerr;
	json_t *root = brace ? json_loads(brace, JSON_DISABLE_EOF_CHECK, &jerr) : NULL;
	if (!root)
		return -EPROTO;
	int ret = -EPROTO;
	const json_t *j = json_array_get(json_object_get(root, "jobs"), 0);
	const json_t *io = json_object_get(j, workload_writes(job->workload) ? "write" : "read");
	const json_t *lat = json_object_get(io, "lat_ns");
	const json_t *pct = json_object_get(lat, "percentile");
	if (json_is_object(io) && json_is_object(lat) && json_is_object(pct)) {
		static const char *const keys[6] = { "50.000000", "90.000000", "99.000000",
						     "99.900000", "99.990000", NULL };
		r->ops = (uint64_t)num(io, "total_ios");
		r->bytes = (uint64_t)num(io, "io_bytes");
		r->seconds = num(io, "runtime") / 1000.0;
		r->ext_lat = true;
		r->ext_min = num(lat, "min");
		r->ext_mean = num(lat, "mean");
		r->ext_max = num(lat, "max");
		/* fio reports a percentile as its bucket's value, which can pass
		 * the exact max; clamp as our own histogram does. */
		for (int i = 0; keys[i]; i++) {
			r->ext_p[i] = num(pct, keys[i]);
			if (r->ext_p[i] > r->ext_max)
				r->ext_p[i] = r->ext_max;
		}
		/* fio reports CPU as a percentage of the job's whole run. */
		double run_s = num(j, "job_runtime") / 1000.0;
		r->user_s = num(j, "usr_cpu") / 100.0 * run_s;
		r->sys_s = num(j, "sys_cpu") / 100.0 * run_s;
		r->has_cpu = true;
		ret = r->ops && r->seconds > 0 ? 0 : -ENODATA;
	}
	json_decref(root);
	return ret;
}

static int run_job(const struct bench_job *job, struct bench_result *r)
{
	if (!fio_in_path()) {
		snprintf(r->note, sizeof(r->note), "fio not found in PATH: fio baseline skipped");
		return 1;
	}
	static unsigned serial;
	char jobfile[4096], out[4096], log[4096];
	unsigned n = ++serial;
	snprintf(jobfile, sizeof(jobfile), "%s/fio-%u.fio", job->tmpdir, n);
	snprintf(out, sizeof(out), "%s/fio-%u.json", job->tmpdir, n);
	snprintf(log, sizeof(log), "%s/fio-%u.log", job->tmpdir, n);
	tb_stop_signals(SIG_BLOCK, NULL);
	memcpy(fio_files[0], jobfile, sizeof(jobfile));
	memcpy(fio_files[1], out, sizeof(out));
	memcpy(fio_files[2], log, sizeof(log));
	fio_files_set = 1;
	tb_stop_signals(SIG_UNBLOCK, NULL);
	int ret = write_jobfile(job, jobfile);
	if (ret == 0)
		ret = run_fio(jobfile, out, log, job->warmup + (job->duration > 0 ? job->duration : 600) + 60);
	if (ret == 0) {
		char *text = slurp(out);
		ret = text ? ingest(job, text, r) : -EIO;
		free(text);
	}
	if (ret < 0) {
		char *text = slurp(log);
		snprintf(r->note, sizeof(r->note), "fio failed (%s)%s%.120s", strerror(-ret), text ? ": " : "",
			 text ? text : "");
		for (char *p = r->note; *p; p++)
			if (*p == '\n')
				*p = ' ';
		free(text);
	} else {
		snprintf(r->note, sizeof(r->note), "numbers from fio %s; latency is fio's (lat_percentiles=1)",
			 "--output-format=json");
	}
	tb_stop_signals(SIG_BLOCK, NULL);
	unlink(jobfile);
	unlink(out);
	unlink(log);
	fio_files_set = 0;
	tb_stop_signals(SIG_UNBLOCK, NULL);
	return ret;
}

static const struct bench_backend backend_fio = {
	.name = "fio",
	.rank = 70,
	.applies = OPT_QD | OPT_BATCH | OPT_COMPLETE_BATCH | OPT_DIRECT | OPT_FIXEDBUFS | OPT_REGISTERFILES |
		   OPT_SQPOLL,
	.unsupported = unsupported,
	.run_job = run_job,
	.abort = abort_fio,
};
BENCH_BACKEND(backend_fio)
