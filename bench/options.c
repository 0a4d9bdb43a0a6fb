/*
 * options.c - parsing and checking urt-bench's command line.  Every check
 * that can fail on user input happens here, before the sweep creates any
 * file: one clear line on stderr and exit status 2.
 */
#define _GNU_SOURCE
#include "options.h"
#include "build_stamp.h"
#include "toolbox.h"
#include "workload_data.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <urt.h>

static const char usage[] =
	"usage: urt-bench [--workload LIST] [--backend LIST] [--qd LIST] [--batch LIST]\n"
	"                 [--complete-batch LIST] [--bs LIST] [--duration SECONDS] [--ops N]\n"
	"                 [--warmup SECONDS] [--repeat N] [--file PATH] [--size BYTES] [--direct]\n"
	"                 [--threads N] [--seed N] [--json PATH] [--csv PATH] [--force] [--quiet]\n"
	"                 [--fixedbufs] [--registerfiles] [--sqpoll] [--defer-taskrun]\n"
	"                 [--coop-taskrun] [--verify] [--lat-sample N] [--no-split]\n"
	"                 [--interval-log MS] [--cpus LIST] [-h|--help] [--version]\n"
	"       urt-bench --list    the workload and backend names, as JSON\n"
	"LISTs are comma-separated; sizes take k/m/g suffixes.  --json - and --csv -\n"
	"write to standard output.\n";

static void print_usage(void)
{
	fputs(usage, stdout);
	printf("workloads: %s", bench_names(NAMES_FILE_WORKLOADS, " "));
	printf(" (network: %s; --workload echo --help)\n", bench_names(NAMES_NET_WORKLOADS, " "));
	printf("backends:  %s\n", bench_names(NAMES_BACKENDS, " "));
	printf("network backends: %s\n", bench_names(NAMES_NET_BACKENDS, " "));
	fputs("See bench/README.md for what each option means for each backend.\n", stdout);
}

int options_bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("urt-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 2;
}

int options_split(struct tb_list *l, const char *opt, const char *list, unsigned max)
{
	int ret = tb_list_split(l, list, max);
	if (ret == -EINVAL)
		return options_bad("--%s: empty element in list '%s'", opt, list);
	if (ret == -E2BIG)
		return options_bad("--%s: too many elements (max %u)", opt, max);
	if (ret < 0)
		return options_bad("out of memory");
	return 0;
}

int options_item(const char *opt, const char *s, uint64_t lo, uint64_t hi, unsigned flags, unsigned n, unsigned max,
		 uint64_t *v)
{
	if (tb_parse_u64(s, lo, hi, flags, v) < 0) {
		if (flags & TB_SIZE)
			return options_bad("--%s: '%s' is not a size in %llu..%llum", opt, s, (unsigned long long)lo,
					   (unsigned long long)(hi >> 20));
		return options_bad("--%s: '%s' is not an integer in %llu..%llu", opt, s, (unsigned long long)lo,
				   (unsigned long long)hi);
	}
	if (n == max)
		return options_bad("--%s: too many elements (max %u)", opt, max);
	return 0;
}

/* Calls item() on each element of a comma-separated list. */
static int each_item(const char *opt, const char *list, int (*item)(struct bench_options *, const char *, const char *),
		     struct bench_options *o)
{
	struct tb_list l;
	int ret = options_split(&l, opt, list, LIST_MAX);
	for (unsigned i = 0; i < l.n && ret == 0; i++)
		ret = item(o, opt, l.item[i]);
	tb_list_free(&l);
	return ret;
}

/* --workload and --backend: names from the registry. */
static int add_name(struct bench_options *o, const char *opt, const char *s)
{
	bool backend = strcmp(opt, "backend") == 0;
	const struct bench_backend *b = backend ? bench_backend_find(s) : NULL;
	const struct workload *w = backend ? NULL : workload_find(s);
	unsigned *n = backend ? &o->n_backends : &o->n_workloads;
	if (!b && !w)
		return options_bad("unknown %s '%s' (%s)", opt, s,
				   bench_names(backend ? NAMES_BACKENDS : NAMES_WORKLOADS, ", "));
	/* A network row reaches here only if options_net_requested() missed
	 * it; the file harness would run it as nops and call them echoes. */
	if (w && w->net != NET_NONE)
		return options_bad("--workload: '%s' is a network workload, which the file harness cannot run", s);
	if (*n == LIST_MAX)
		return options_bad("--%s: too many elements (max %d)", opt, LIST_MAX);
	if (b)
		o->backends[(*n)++] = b;
	else
		o->workloads[(*n)++] = w;
	return 0;
}

/* qd, batch and complete-batch share one parser; the bounds differ. */
static int add_count(struct bench_options *o, const char *opt, const char *s)
{
	unsigned *list, *n;
	uint64_t lo = 1, hi = 4096, v;
	if (strcmp(opt, "qd") == 0) {
		list = o->qd, n = &o->n_qd;
	} else if (strcmp(opt, "batch") == 0) {
		list = o->batch, n = &o->n_batch, lo = 0; /* 0: submit when the loop goes idle */
	} else {
		list = o->complete_batch, n = &o->n_complete_batch;
	}
	int ret = options_item(opt, s, lo, hi, 0, *n, LIST_MAX, &v);
	if (ret)
		return ret;
	list[(*n)++] = (unsigned)v;
	return 0;
}

/* --cpus: CPU numbers this machine has, each once. */
static int add_cpu(struct bench_options *o, const char *opt, const char *s)
{
	uint64_t v;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	if (tb_parse_u64(s, 0, ncpu > 0 && ncpu <= 1024 ? (unsigned long long)ncpu - 1 : 1023, 0, &v) < 0)
		return options_bad("--%s: '%s' is not a CPU of this machine (0..%ld)", opt, s, ncpu - 1);
	for (unsigned i = 0; i < o->n_cpus; i++)
		if (o->cpus[i] == (int)v)
			return options_bad("--%s: CPU %llu listed twice", opt, (unsigned long long)v);
	if (o->n_cpus == LIST_MAX)
		return options_bad("--%s: too many elements (max %d)", opt, LIST_MAX);
	o->cpus[o->n_cpus++] = (int)v;
	return 0;
}

static int add_bs(struct bench_options *o, const char *opt, const char *s)
{
	uint64_t v;
	int ret = options_item(opt, s, 1, 256u << 20, TB_SIZE, o->n_bs, LIST_MAX, &v);
	if (ret)
		return ret;
	o->bs[o->n_bs++] = v;
	return 0;
}

int options_parse_seconds(const char *opt, const char *s, bool zero_ok, double *out)
{
	double v;
	if (tb_parse_double(s, 0, 86400, &v) < 0 || (!zero_ok && v == 0))
		return options_bad("--%s: '%s' is not a number of seconds%s", opt, s, zero_ok ? "" : " above 0");
	*out = v;
	return 0;
}

/* An output file: never one that exists (we did not create it), and its
 * directory must take a new file. */
int options_check_output(const char *opt, const char *path, bool force)
{
	struct stat st;
	if (lstat(path, &st) == 0 && !force)
		return options_bad("--%s: %s already exists; refusing to overwrite it without --force", opt, path);
	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return options_bad("--%s: %s is a directory", opt, path);
	char *copy = strdup(path);
	if (!copy)
		return options_bad("out of memory");
	const char *dir = dirname(copy);
	/* Create a file there and remove it: access() says yes to root on a
	 * directory that takes no file (procfs, a read-only mount). */
	char probe[4200];
	snprintf(probe, sizeof(probe), "%s/.urt-bench-probe-XXXXXX", dir);
	int fd = mkstemp(probe);
	int err = errno;
	if (fd >= 0) {
		close(fd);
		unlink(probe);
	}
	int ret = fd >= 0 ? 0 : options_bad("--%s: cannot create a file in %s: %s", opt, dir, strerror(err));
	free(copy);
	return ret;
}

static bool any_workload(const struct bench_options *o, bool (*pred)(const struct workload *))
{
	for (unsigned i = 0; i < o->n_workloads; i++)
		if (pred(o->workloads[i]))
			return true;
	return false;
}

static int check_file(struct bench_options *o, uint64_t max_bs)
{
	bool uses_file = any_workload(o, workload_uses_file);
	struct stat st;
	if (o->file && stat(o->file, &st) == 0) {
		o->file_exists = true;
		if (!S_ISREG(st.st_mode))
			return options_bad("--file: %s is not a regular file", o->file);
		if (any_workload(o, workload_writes))
			return options_bad("--file: %s already exists; write workloads only write files the harness "
				   "creates (name a new path)",
				   o->file);
		if (o->opts & OPT_VERIFY)
			return options_bad("--verify: %s was not written by this run, so its contents are unknown", o->file);
		int fd = open(o->file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return options_bad("--file: cannot read %s: %s", o->file, strerror(errno));
		close(fd);
		if (o->size_given && o->size > (uint64_t)st.st_size)
			return options_bad("--size: %llu is larger than %s (%lld bytes)", (unsigned long long)o->size,
				   o->file, (long long)st.st_size);
		if (!o->size_given)
			o->size = (uint64_t)st.st_size;
	} else if (o->file) {
		if (errno != ENOENT)
			return options_bad("--file: %s: %s", o->file, strerror(errno));
		char *copy = strdup(o->file);
		if (!copy)
			return options_bad("out of memory");
		const char *dir = dirname(copy);
		int ok = access(dir, W_OK | X_OK) == 0;
		int err = errno;
		int ret = ok ? 0 : options_bad("--file: cannot create %s in %s: %s", o->file, dir, strerror(err));
		free(copy);
		if (ret)
			return ret;
	}
	if (uses_file && o->size < max_bs)
		return options_bad("--size: the file (%llu bytes) is smaller than --bs %llu", (unsigned long long)o->size,
			   (unsigned long long)max_bs);
	return 0;
}

enum { K_WORKLOAD = 256, K_BACKEND, K_QD, K_BATCH, K_CBATCH, K_BS, K_DURATION, K_OPS, K_WARMUP,
       K_REPEAT, K_FILE, K_SIZE, K_DIRECT, K_THREADS, K_SEED, K_JSON, K_CSV, K_FORCE, K_QUIET, K_FIXEDBUFS,
       K_REGFILES, K_SQPOLL, K_DEFER, K_COOP, K_VERIFY, K_LATSAMPLE, K_NOSPLIT, K_INTERVAL, K_CPUS, K_LIST, K_HELP,
       K_VERSION };
static const struct option longopts[] = {
	{ "workload", required_argument, 0, K_WORKLOAD }, { "backend", required_argument, 0, K_BACKEND },
	{ "qd", required_argument, 0, K_QD },		  { "batch", required_argument, 0, K_BATCH },
	{ "complete-batch", required_argument, 0, K_CBATCH }, { "bs", required_argument, 0, K_BS },
	{ "duration", required_argument, 0, K_DURATION }, { "ops", required_argument, 0, K_OPS },
	{ "warmup", required_argument, 0, K_WARMUP },	  { "repeat", required_argument, 0, K_REPEAT },
	{ "file", required_argument, 0, K_FILE },	  { "size", required_argument, 0, K_SIZE },
	{ "direct", no_argument, 0, K_DIRECT },		  { "threads", required_argument, 0, K_THREADS },
	{ "seed", required_argument, 0, K_SEED },	  { "json", required_argument, 0, K_JSON },
	{ "csv", required_argument, 0, K_CSV },		  { "force", no_argument, 0, K_FORCE },
	{ "quiet", no_argument, 0, K_QUIET },
	{ "fixedbufs", no_argument, 0, K_FIXEDBUFS },	  { "registerfiles", no_argument, 0, K_REGFILES },
	{ "sqpoll", no_argument, 0, K_SQPOLL },		  { "defer-taskrun", no_argument, 0, K_DEFER },
	{ "coop-taskrun", no_argument, 0, K_COOP },	  { "verify", no_argument, 0, K_VERIFY },
	{ "lat-sample", required_argument, 0, K_LATSAMPLE }, { "no-split", no_argument, 0, K_NOSPLIT },
	{ "interval-log", required_argument, 0, K_INTERVAL }, { "cpus", required_argument, 0, K_CPUS },
	{ "list", no_argument, 0, K_LIST },		  { "help", no_argument, 0, K_HELP },
	{ "version", no_argument, 0, K_VERSION },
	{ 0, 0, 0, 0 },
};

/* Whether the command line names a network workload, read as getopt_long
 * reads it with the table options_parse() uses: "--workload echo",
 * "--workload=echo" and any abbreviation ("--work echo", "--workl=echo").
 * A copy of argv is scanned, since getopt_long permutes what it is given
 * and meta.argv records the order the user typed. */
bool options_net_requested(int argc, char **argv)
{
	char **copy = malloc(((size_t)argc + 1) * sizeof(*copy));
	if (!copy)
		return false; /* options_parse() then refuses a network workload */
	memcpy(copy, argv, ((size_t)argc + 1) * sizeof(*copy));
	bool net = false;
	int c;
	opterr = 0;
	optind = 0; /* 0: start afresh (GNU, musl) */
	while ((c = getopt_long(argc, copy, ":h", longopts, NULL)) != -1) {
		if (c != K_WORKLOAD)
			continue;
		struct tb_list l;
		if (tb_list_split(&l, optarg, LIST_MAX) == 0)
			for (unsigned i = 0; i < l.n; i++)
				net |= workload_find(l.item[i]) && workload_find(l.item[i])->net != NET_NONE;
		tb_list_free(&l);
	}
	optind = 0;
	free(copy);
	return net;
}

int options_parse(struct bench_options *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->argc = argc;
	o->argv = argv;
	o->duration = -1;
	o->warmup = 0.2;
	o->repeat = 1;
	o->threads = 1;
	o->lat_sample = 32; /* ~3 ns of clock per operation on a 43 ns clock: see bench/README.md */
	o->size = 64u << 20;
	o->seed = 1;
	bool duration_given = false;
	opterr = 0;
	optind = 0;
	int c, ret = 0;
	/* The options that take one number: bounds and where it goes. */
	const struct {
		int key;
		uint64_t lo, hi;
		unsigned flags;
		uint64_t *u64;
		unsigned *u32;
		const char *what;
	} nums[] = {
		{ K_OPS, 1, UINT64_MAX, 0, &o->ops, NULL, "a positive integer" },
		{ K_REPEAT, 1, 1000, 0, NULL, &o->repeat, "an integer in 1..1000" },
		{ K_THREADS, 1, 64, 0, NULL, &o->threads, "an integer in 1..64" },
		{ K_SEED, 0, UINT64_MAX, 0, &o->seed, NULL, "a non-negative integer" },
		{ K_SIZE, 1, UINT64_MAX, TB_SIZE, &o->size, NULL, "a size (k/m/g suffixes)" },
		{ K_LATSAMPLE, 1, 1000000, 0, NULL, &o->lat_sample, "an integer in 1..1000000" },
		{ K_INTERVAL, 10, 60000, 0, NULL, &o->interval_ms, "a number of milliseconds in 10..60000" },
	};
	while (ret == 0 && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		const char *name = c >= K_WORKLOAD && c <= K_VERSION ? longopts[c - K_WORKLOAD].name : "";
		for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
			uint64_t v;
			if (nums[i].key != c)
				continue;
			if (tb_parse_u64(optarg, nums[i].lo, nums[i].hi, nums[i].flags, &v) < 0)
				ret = options_bad("--%s: '%s' is not %s", name, optarg, nums[i].what);
			else if (nums[i].u64)
				*nums[i].u64 = v;
			else
				*nums[i].u32 = (unsigned)v;
			o->size_given |= c == K_SIZE;
			c = 0; /* handled */
		}
		switch (c) {
		case 0: break;
		case K_WORKLOAD: ret = each_item(name, optarg, add_name, o); break;
		case K_BACKEND: ret = each_item(name, optarg, add_name, o); break;
		case K_QD:
		case K_BATCH:
		case K_CBATCH: ret = each_item(name, optarg, add_count, o); break;
		case K_BS: ret = each_item(name, optarg, add_bs, o); break;
		case K_DURATION: ret = options_parse_seconds(name, optarg, false, &o->duration); duration_given = true; break;
		case K_WARMUP: ret = options_parse_seconds(name, optarg, true, &o->warmup); break;
		case K_FILE:
			if (!*optarg)
				ret = options_bad("--file: empty path");
			o->file = optarg;
			break;
		case K_DIRECT: o->opts |= OPT_DIRECT; break;
		case K_FIXEDBUFS: o->opts |= OPT_FIXEDBUFS; break;
		case K_REGFILES: o->opts |= OPT_REGISTERFILES; break;
		case K_SQPOLL: o->opts |= OPT_SQPOLL; break;
		case K_DEFER: o->opts |= OPT_DEFER_TASKRUN; break;
		case K_COOP: o->opts |= OPT_COOP_TASKRUN; break;
		case K_VERIFY: o->opts |= OPT_VERIFY; break;
		case K_NOSPLIT: o->no_split = true; break;
		case K_CPUS: ret = each_item(name, optarg, add_cpu, o); break;
		case K_JSON: o->json = optarg; break;
		case K_CSV: o->csv = optarg; break;
		case K_FORCE: o->force = true; break;
		case K_QUIET: o->quiet = true; break;
		case 'h':
		case K_HELP: print_usage(); return 1;
		case K_LIST:
			/* Anything else on the line is a mistake, not to be ignored. */
			if (argc != 2)
				return options_bad("--list takes no other argument (see --help)");
			bench_print_names_json(stdout);
			return 1;
		case K_VERSION: build_stamp_print_version(stdout, "urt-bench", urt_version()); return 1;
		case ':': ret = options_bad("option %s needs a value", argv[optind - 1]); break;
		default: ret = options_bad("unknown option '%s' (see --help)", argv[optind - 1]); break;
		}
	}
	if (ret)
		return ret;
	if (optind < argc)
		return options_bad("unexpected argument '%s' (see --help)", argv[optind]);

	/* Defaults: fio's (iodepth 1, submit and complete one at a time), 4 KiB. */
	if (!o->n_workloads)
		o->workloads[o->n_workloads++] = workload_find("randread");
	if (!o->n_backends) {
		o->backends[o->n_backends++] = bench_backend_find("urt");
		o->backends[o->n_backends++] = bench_backend_find("raw");
	}
	if (!o->n_qd)
		o->qd[o->n_qd++] = 1;
	if (!o->n_batch)
		o->batch[o->n_batch++] = 1;
	if (!o->n_complete_batch)
		o->complete_batch[o->n_complete_batch++] = 1;
	if (!o->n_bs)
		o->bs[o->n_bs++] = 4096;
	if (!duration_given)
		o->duration = o->ops ? 0 : 1.0;

	uint64_t max_bs = 0;
	for (unsigned i = 0; i < o->n_bs; i++) {
		if ((o->opts & OPT_DIRECT) && o->bs[i] % 512)
			return options_bad("--bs: %llu is not a multiple of 512, which --direct needs",
				   (unsigned long long)o->bs[i]);
		if (o->bs[i] > max_bs)
			max_bs = o->bs[i];
	}
	if ((o->opts & OPT_DIRECT) && o->size % 512)
		return options_bad("--size: %llu is not a multiple of 512, which --direct needs", (unsigned long long)o->size);
	if ((ret = check_file(o, max_bs)))
		return ret;
	if (o->json && strcmp(o->json, "-") != 0 && (ret = options_check_output("json", o->json, o->force)))
		return ret;
	if (o->csv && strcmp(o->csv, "-") != 0 && (ret = options_check_output("csv", o->csv, o->force)))
		return ret;
	if (o->json && o->csv && tb_same_file(o->json, o->csv))
		return options_bad("--json and --csv name the same file%s", strcmp(o->json, "-") ? "" : " (standard output)");
	return 0;
}
