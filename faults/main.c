/*
 * urt-faults - the fault-injection suite: every fault point x every workload
 * x every probability, each cell in its own watched child process, every
 * byte verified.  Writes the matrix as JSON and prints it as Markdown.
 *
 * Also: --cell replays one cell, --external runs a verifying workload with
 * the points left to fiu-run / fiu-ctrl, --alloc-check checks urt/alloc's
 * -ENOMEM paths one by one, --cancel-check urt_cancel when submission fails.
 */
#include "build_stamp.h"
#include "cell.h"
#include "modes.h"
#include "report.h"
#include "toolbox.h"

#include <errno.h>
#include <fiu.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef URT_FAULTS_SOURCE_DIR
#define URT_FAULTS_SOURCE_DIR "."
#endif

#define MAX_LIST 16

static const double default_probs[] = { 0.01, 0.1, 0.5, 1.0 };

/* Alternative errnos, run at p = 0.1: the submit failures io_uring_enter
 * really returns, one it cannot retry, and the other transient result of an
 * operation. */
static const struct {
	enum urt_fault_point point;
	int failnum;
} errno_variants[] = {
	{ URT_FAULT_SUBMIT, EBUSY },
	{ URT_FAULT_SUBMIT, EINTR },
	{ URT_FAULT_SUBMIT, ENOMEM },
	{ URT_FAULT_SUBMIT, EOPNOTSUPP }, /* not transient: the queued operations fail with it */
	{ URT_FAULT_OP_EAGAIN, EINTR },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: urt-faults [options]                 run the fault matrix\n"
		"       urt-faults --cell POINT:WORKLOAD:PROB[:FAILNUM[:RING]] [--seed N]   replay one cell\n"
		"       urt-faults --external SECONDS [--workloads LIST] [--expect-faults LIST]\n"
		"       urt-faults --alloc-check | --cancel-check\n"
		"       urt-faults --list                     the point, workload and ring names, as JSON\n"
		"       urt-faults faultfs --help             the same workloads on an urt-faultfs (FUSE) mount\n"
		"options:\n"
		"  --seed N             seeds libfiu, the runtime and the workloads (default: from the clock)\n"
		"  --points LIST        fault points, comma-separated (default: all)\n"
		"  --workloads LIST     workloads (default: all)\n"
		"  --probabilities LIST probabilities in (0, 1] (default: 0.01,0.1,0.5,1)\n"
		"  --scale X            workload size multiplier (default 1)\n"
		"  --quick              --scale 0.05: the sanitizer-sized run\n"
		"  --json PATH          matrix JSON (default: results/<timestamp>/faults.json in the source tree);\n"
		"                       - is standard output (the progress then goes to standard error)\n"
		"  --junit PATH         also write the cells as JUnit XML (one testcase per cell); - as for --json\n"
		"  --force              replace an existing --json or --junit file\n"
		"  --dir DIR            scratch files (default: $TMPDIR or /tmp)\n"
		"  --watchdog SECONDS   per cell; a cell still running then is a hang (default 60)\n"
		"  --no-table           do not print the Markdown table\n"
		"  -h, --help           print this help and exit\n"
		"  --version            print the version and the git revision it was built from\n"
		"points: %s\n",
		faults_names(FN_POINTS, " "));
	fprintf(f, "ring variants (%s at p = 0.1 in the matrix; seeded: the seed's): %s\nworkloads:\n",
		faults_names(FN_RING_WORKLOADS, " and "), faults_names(FN_RINGS, " "));
	for (unsigned i = 0; i < wl_count; i++)
		fprintf(f, "  %-10s %s\n", wl_table[i].name, wl_table[i].what);
}

static void __attribute__((noreturn, format(printf, 1, 2))) bad_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "urt-faults: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see --help)\n");
	va_end(ap);
	exit(2);
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	uint64_t v;
	if (tb_parse_u64(s, min, max, 0, &v) < 0)
		bad_usage("%s wants an integer in [%" PRIu64 ", %" PRIu64 "], got '%s'", opt, min, max, s);
	return v;
}

static double parse_double(const char *opt, const char *s, double min, double max)
{
	double v;
	if (tb_parse_double(s, min, max, &v) < 0)
		bad_usage("%s wants a number in [%g, %g], got '%s'", opt, min, max, s);
	return v;
}

/* Splits a comma list (a copy: argv stays whole for the JSON's meta.argv). */
static unsigned split(const char *opt, const char *s, struct tb_list *l)
{
	int ret = tb_list_split(l, s, MAX_LIST);
	if (ret == -E2BIG)
		bad_usage("%s: more than %d items", opt, MAX_LIST);
	if (ret == -EINVAL)
		bad_usage("%s: empty item in list '%s'", opt, s);
	if (ret < 0)
		bad_usage("%s: %s", opt, strerror(-ret));
	return l->n;
}

static void check_dir(const char *opt, const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		bad_usage("%s: '%s' is not a directory", opt, dir);
}

/* The scratch directory must take a file: found now, not as a failing cell. */
static void check_scratch_dir(const char *dir)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s/urt-faults-probe-XXXXXX", dir) >= sizeof(path))
		bad_usage("--dir: '%s' is too long", dir);
	int fd = mkstemp(path);
	if (fd < 0)
		bad_usage("--dir: cannot create a file in '%s': %s", dir, strerror(errno));
	close(fd);
	unlink(path);
}

/* The JSON's temporary file, for the signal handler. */
static struct tb_publish json_out, junit_out;

static void on_stop_signal(int sig)
{
	(void)sig;
	/* Async-signal-safe calls only.  The cell runs in its own process
	 * group, so a terminal's ^C reaches only us: kill it, and what it
	 * started, and reap it.  Its scratch files were unlinked at creation. */
	pid_t child = cell_child;
	if (child > 0) {
		kill(-child, SIGKILL);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	tb_publish_discard(&json_out);
	tb_publish_discard(&junit_out);
	static const char msg[] = "urt-faults: interrupted\n";
	ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
	_exit(130);
}

/* An output file the user named: not a directory, and not an existing
 * file unless --force (bad usage, exit 2, before anything runs). */
static void check_output(const char *opt, const char *path, bool force)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		bad_usage("%s: '%s' is a directory; give a file name", opt, path);
	if (!force && lstat(path, &st) == 0)
		bad_usage("%s: '%s' exists; give --force to replace it", opt, path);
}

/* The JSON goes where the user said, or into a fresh run folder. */
static char *json_path(const char *given, const char *stamp, bool force)
{
	static char path[PATH_MAX];
	if (given) {
		check_output("--json", given, force);
		snprintf(path, sizeof(path), "%s", given);
		char *slash = strrchr(path, '/');
		if (slash && slash != path) {
			*slash = '\0';
			check_dir("--json", path);
			*slash = '/';
		}
		return path;
	}
	snprintf(path, sizeof(path), "%s/results", URT_FAULTS_SOURCE_DIR);
	mkdir(path, 0777);
	snprintf(path, sizeof(path), "%s/results/%s", URT_FAULTS_SOURCE_DIR, stamp);
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		bad_usage("cannot create the run folder '%s': %s; give --json PATH", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/results/%s/faults.json", URT_FAULTS_SOURCE_DIR, stamp);
	return path;
}

static void print_cell(size_t i, size_t n, const struct matrix_entry *e)
{
	static const char *const names[] = { "pass", "FAIL", "HANG" };
	const struct cell_outcome *o = &e->out;
	const char *status = o->not_exercised ? "NOT-EXERCISED" : names[o->status];
	char wl[48];
	snprintf(wl, sizeof(wl), "%s%s%s", e->spec.wl->name, e->spec.ring ? "/" : "",
		 e->spec.ring ? wl_ring_names[e->spec.ring] : "");
	printf("[%3zu/%zu] %-15s %-17s p=%-4g failnum=%-2d %s %6.2fs faulted_ops=%-7" PRIu64 " verified=%-9" PRIu64
	       " injected=%-6" PRIu64 " errors=%" PRIu64 "\n",
	       i + 1, n, urt_fault_name(e->spec.point), wl, e->spec.prob, e->spec.failnum,
	       status, o->seconds, o->r.stats.ops_started, o->r.bytes_verified, o->injected,
	       o->r.errors_seen);
	if (o->status != CELL_PASS)
		printf("    reason: %s\n    replay: %s\n", o->reason, e->replay);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "points", required_argument, NULL, 'p' },
		{ "workloads", required_argument, NULL, 'w' },
		{ "probabilities", required_argument, NULL, 'P' },
		{ "scale", required_argument, NULL, 'S' },
		{ "quick", no_argument, NULL, 'q' },
		{ "json", required_argument, NULL, 'j' },
		{ "dir", required_argument, NULL, 'd' },
		{ "watchdog", required_argument, NULL, 'W' },
		{ "cell", required_argument, NULL, 'c' },
		{ "external", required_argument, NULL, 'x' },
		{ "expect-faults", required_argument, NULL, 'e' },
		{ "alloc-check", no_argument, NULL, 'a' },
		{ "cancel-check", no_argument, NULL, 'C' },
		{ "no-table", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "junit", required_argument, NULL, 'J' },
		{ "list", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc > 1 && strcmp(argv[1], "faultfs") == 0)
		return faultfs_main(argc - 1, argv + 1); /* faults from below: wl_faultfs.c */
	struct suite_opts so = { .scale = 1.0, .watchdog = 60 };
	bool seed_given = false, table = true, alloc_check = false, cancel_check = false, force = false;
	const char *points_arg = NULL, *workloads_arg = NULL, *probs_arg = NULL, *expect_arg = NULL;
	const char *json_arg = NULL, *cell_arg = NULL, *junit_arg = NULL;
	double external = 0;
	int opt;
	opterr = 0; /* one line of our own instead of getopt's */
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': so.seed = parse_u64("--seed", optarg, 0, UINT64_MAX), seed_given = true; break;
		case 'p': points_arg = optarg; break;
		case 'w': workloads_arg = optarg; break;
		case 'P': probs_arg = optarg; break;
		case 'S': so.scale = parse_double("--scale", optarg, 0.001, 100), so.scale_given = true; break;
		case 'q': so.scale = 0.05, so.scale_given = true; break;
		case 'j': json_arg = optarg; break;
		case 'd': so.dir = optarg; break;
		case 'W': so.watchdog = (unsigned)parse_u64("--watchdog", optarg, 1, 3600); break;
		case 'c': cell_arg = optarg; break;
		case 'x': external = parse_double("--external", optarg, 0.1, 86400); break;
		case 'e': expect_arg = optarg; break;
		case 'a': alloc_check = true; break;
		case 'C': cancel_check = true; break;
		case 'n': table = false; break;
		case 'F': force = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': build_stamp_print_version(stdout, "urt-faults", urt_version()); return 0;
		case 'J': junit_arg = optarg; break;
		case 'L':
			/* Anything else on the line is a mistake, not to be ignored. */
			if (argc != 2)
				bad_usage("--list takes no other argument");
			faults_print_list(stdout);
			return 0;
		case ':': bad_usage("%s needs a value", argv[optind - 1]);
		default: bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument '%s'", argv[optind]);
	if (!so.dir) {
		const char *t = getenv("TMPDIR");
		so.dir = t && *t ? t : "/tmp";
	}
	check_dir("--dir", so.dir);
	check_scratch_dir(so.dir);
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (!seed_given)
		so.seed = (uint64_t)time(NULL);
	static char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[len > 0 ? len : 0] = '\0';
	so.exe = len > 0 ? exe : argv[0];

	/* Which points, workloads and probabilities. */
	bool use_point[URT_FAULT_COUNT];
	const struct wl_desc *wls[MAX_LIST];
	unsigned nwl = 0;
	double probs[MAX_LIST];
	unsigned nprob = 0;
	struct tb_list l;
	char *expect[MAX_LIST + 1]; /* --expect-faults, NULL-terminated */
	for (int p = 0; p < URT_FAULT_COUNT; p++)
		use_point[p] = points_arg == NULL;
	if (points_arg) {
		unsigned n = split("--points", points_arg, &l);
		for (unsigned i = 0; i < n; i++) {
			int p = cell_point_by_name(l.item[i]);
			if (p < 0)
				bad_usage("--points: unknown fault point '%s' (%s)", l.item[i], faults_names(FN_POINTS, ", "));
			use_point[p] = true;
		}
		tb_list_free(&l);
	}
	if (workloads_arg) {
		unsigned n = split("--workloads", workloads_arg, &l);
		for (unsigned i = 0; i < n; i++)
			if (!(wls[nwl++] = wl_find(l.item[i])))
				bad_usage("--workloads: unknown workload '%s' (%s)", l.item[i], faults_names(FN_WORKLOADS, ", "));
		tb_list_free(&l);
	} else {
		for (unsigned i = 0; i < wl_count; i++)
			wls[nwl++] = &wl_table[i];
	}
	if (probs_arg) {
		unsigned n = split("--probabilities", probs_arg, &l);
		for (unsigned i = 0; i < n; i++) {
			probs[nprob] = parse_double("--probabilities", l.item[i], 0, 1);
			if (probs[nprob] <= 0)
				bad_usage("--probabilities: %s is not above 0", l.item[i]);
			nprob++;
		}
		tb_list_free(&l);
	} else {
		for (unsigned i = 0; i < sizeof(default_probs) / sizeof(default_probs[0]); i++)
			probs[nprob++] = default_probs[i];
	}

	if (alloc_check)
		return alloc_check_main(&so);
	if (cancel_check)
		return cancel_check_main(&so);
	if (external > 0) {
		if (expect_arg) {
			unsigned n = split("--expect-faults", expect_arg, &l);
			for (unsigned i = 0; i < n; i++)
				if (cell_point_by_name(expect[i] = l.item[i]) < 0)
					bad_usage("--expect-faults: unknown fault point '%s' (%s)", l.item[i],
						  faults_names(FN_POINTS, ", "));
			expect[n] = NULL;
		}
		int ret = external_main(&so, external, wls, workloads_arg ? nwl : 0, expect_arg ? expect : NULL);
		if (expect_arg)
			tb_list_free(&l);
		return ret;
	}

	/* The matrix (or the one cell being replayed). */
	/* Per point and workload: each probability adds its cell, and each 0.1
	 * (it may be listed more than once) adds that point's errno variants
	 * (urt/submit has four), then the ring variants once.  Bounded here by
	 * every variant of the table, whatever its point. */
	size_t nvariants = sizeof(errno_variants) / sizeof(errno_variants[0]);
	size_t cap = (size_t)URT_FAULT_COUNT * nwl * (nprob * (1 + nvariants) + WL_RING_COUNT), n = 0;
	struct matrix_entry *m = calloc(cap ? cap : 1, sizeof(*m));
	if (!m) {
		fprintf(stderr, "urt-faults: out of memory\n");
		return 1;
	}
	if (cell_arg) {
		char err[400]; /* room for a name and the list of the known ones */
		if (cell_parse(cell_arg, &m[0].spec, err, sizeof(err)) < 0)
			bad_usage("%s", err);
		n = 1;
	} else {
		for (int p = 0; p < URT_FAULT_COUNT; p++) {
			if (!use_point[p])
				continue;
			for (unsigned w = 0; w < nwl; w++) {
				struct cell_spec base = { (enum urt_fault_point)p, wls[w], 0, 1, WL_RING_SEEDED };
				if (!cell_point_applies(&base))
					continue; /* urt/write/short where nothing is written */
				bool has_01 = false;
				for (unsigned k = 0; k < nprob; k++) {
					/* urt/alloc is evaluated a handful of times per run
					 * (pools and stacks are reused): below 0.1 it would
					 * take hundreds of rounds to fire once. */
					if (p == URT_FAULT_ALLOC && probs[k] < 0.1 && !probs_arg)
						continue;
					m[n] = (struct matrix_entry){ .spec = base };
					m[n++].spec.prob = probs[k];
					if (probs[k] != 0.1)
						continue;
					has_01 = true;
					for (size_t v = 0; v < sizeof(errno_variants) / sizeof(errno_variants[0]); v++)
						if (errno_variants[v].point == (enum urt_fault_point)p)
							m[n++].spec = (struct cell_spec){ (enum urt_fault_point)p, wls[w],
											  probs[k], errno_variants[v].failnum,
											  WL_RING_SEEDED };
				}
				/* The ring variants, at 0.1, on the workloads marked for them
				 * (a file and a socket one). */
				if (!has_01 || !wls[w]->ring_variants)
					continue;
				for (int r = WL_RING_SEEDED + 1; r < WL_RING_COUNT; r++) {
					m[n] = (struct matrix_entry){ .spec = base };
					m[n].spec.prob = 0.1;
					m[n++].spec.ring = (enum wl_ring)r;
				}
			}
		}
	}

	struct report_meta meta = { .argc = argc, .argv = argv, .seed = so.seed, .scale = so.scale };
	time_t t0 = time(NULL);
	struct tm tm;
	gmtime_r(&t0, &tm);
	strftime(meta.started, sizeof(meta.started), "%Y-%m-%dT%H:%M:%SZ", &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	/* Both outputs checked before either is created: a refusal leaves
	 * nothing behind. */
	bool json_stdout = json_arg && strcmp(json_arg, "-") == 0;
	bool junit_stdout = junit_arg && strcmp(junit_arg, "-") == 0;
	if (json_arg && junit_arg && tb_same_file(json_arg, junit_arg))
		bad_usage("--json and --junit name the same file%s", json_stdout ? " (standard output)" : "");
	if (junit_arg && !junit_stdout)
		check_output("--junit", junit_arg, force);
	const char *json = json_stdout ? "-" : json_path(json_arg, stamp, force);
	/* Created now: an unwritable output is bad input, found before the run. */
	int reserved = json_stdout ? 0 : tb_publish_begin(&json_out, json, 0666);
	if (reserved < 0)
		bad_usage("--json: cannot create a file beside '%s': %s", json, strerror(-reserved));
	if (junit_arg && !junit_stdout) {
		reserved = tb_publish_begin(&junit_out, junit_arg, 0666);
		if (reserved < 0) {
			tb_publish_discard(&json_out);
			bad_usage("--junit: cannot create a file beside '%s': %s", junit_arg, strerror(-reserved));
		}
	}

	/* "-" is standard output, which then carries the data only: the
	 * progress (ours and the cells') goes to standard error. */
	FILE *data = NULL;
	if (json_stdout || junit_stdout) {
		fflush(stdout);
		int fd = dup(STDOUT_FILENO);
		if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0 || !(data = fdopen(fd, "w")))
			bad_usage("standard output: %s", strerror(errno));
	}

	fiu_init(0);
	printf("urt-faults: %zu cells, seed %" PRIu64 ", scale %g, watchdog %u s\n", n, so.seed, so.scale, so.watchdog);
	for (size_t i = 0; i < n; i++) {
		cell_replay(&m[i].spec, &so, m[i].replay, sizeof(m[i].replay));
		int ret = cell_run(&m[i].spec, &so, &m[i].out);
		if (ret < 0) {
			m[i].out.status = CELL_FAIL;
			snprintf(m[i].out.reason, sizeof(m[i].out.reason), "could not start the cell: %s",
				 strerror(-ret));
		}
		print_cell(i, n, &m[i]);
	}

	struct report_totals t;
	report_totals(m, n, &t);
	if (table) {
		printf("\n");
		report_markdown(stdout, m, n);
	} else {
		printf("\n**Totals:** %" PRIu64 " cells, %" PRIu64 " passed, %" PRIu64 " failed (%" PRIu64
		       " not exercised), %" PRIu64 " hangs\n",
		       t.cells, t.passed, t.failed, t.not_exercised, t.hangs);
	}
	int ret = report_json(json_stdout ? NULL : &json_out, data, json, force, &meta, m, n);
	if (ret < 0)
		fprintf(stderr, "urt-faults: writing %s: %s\n", json, strerror(-ret));
	else if (!json_stdout)
		printf("\nmatrix JSON: %s\n", json);
	if (junit_arg) {
		int jret = report_junit(junit_stdout ? NULL : &junit_out, data, junit_arg, force, m, n);
		if (jret < 0)
			fprintf(stderr, "urt-faults: writing %s: %s\n", junit_arg, strerror(-jret));
		else if (!junit_stdout)
			printf("JUnit XML: %s\n", junit_arg);
		if (jret < 0 && ret >= 0)
			ret = jret;
	}
	if (t.failed || t.hangs) {
		printf("\n%" PRIu64 " of %" PRIu64 " cells failed or hung (%" PRIu64
		       " of them not exercised: no fault injected); replay each with the command shown above.\n",
		       t.failed + t.hangs, t.cells, t.not_exercised);
	}
	free(m);
	if (data && fclose(data) != 0 && ret >= 0) {
		fprintf(stderr, "urt-faults: writing standard output: %s\n", strerror(errno));
		ret = -EIO;
	}
	return (t.failed || t.hangs || ret < 0) ? 1 : 0;
}
