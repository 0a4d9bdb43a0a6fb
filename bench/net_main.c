/*
 * net_main.c - urt-bench's network workloads (echo, stream): the command
 * line, the loopback connections, the sweep, and the report in the same
 * urt-bench/1 schema as the file workloads (with the fields documented in
 * bench/README.md, "Network workloads").
 *
 * One listening socket on 127.0.0.1 lives for the whole run (port 0: the
 * kernel picks a free one, so parallel runs never clash).  For each
 * configuration the harness connects conns client sockets and accepts them
 * itself, one by one, so every backend gets the same established
 * connections and only the serving differs; then the server threads start
 * (pinned away from the client when the machine has 2 CPUs or more), the
 * client runs on its own CPU, closes its ends, and the servers end when
 * they see every connection closed.
 *
 * Exit status as for the file workloads: 0, 1 a configuration failed, 2 bad
 * input (nothing was run), 130 interrupted.
 */
#define _GNU_SOURCE
#include "net.h"
#include "bench.h"
#include "meta.h"
#include "options.h"
#include "report.h"
#include "toolbox.h"
#include "workload_data.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NET_LIST_MAX 32

const char net_ack_bytes[NET_ACK_MAX];

struct net_options {
	enum net_workload workloads[NET_LIST_MAX];
	unsigned n_workloads;
	const struct net_backend *backends[NET_LIST_MAX];
	unsigned n_backends;
	unsigned conns[NET_LIST_MAX], n_conns;
	uint64_t bs[NET_LIST_MAX];
	unsigned n_bs;
	unsigned qd[NET_LIST_MAX], n_qd;
	unsigned batch[NET_LIST_MAX], n_batch;
	double rate[NET_LIST_MAX]; /* 0 = closed loop */
	unsigned n_rate;
	unsigned threads, repeat, port;
	double duration, warmup;
	const char *json, *csv;
	bool force, quiet, no_pin;
	int argc;
	char **argv;
};

static const char net_usage[] =
	" [--backend LIST] [--conns LIST] [--bs LIST]\n"
	"                 [--qd LIST] [--batch LIST] [--rate LIST] [--threads N] [--duration SECONDS]\n"
	"                 [--warmup SECONDS] [--repeat N] [--port N] [--no-pin] [--json PATH] [--csv PATH]\n"
	"                 [--force] [--quiet]\n"
	"Network workloads over 127.0.0.1 (see bench/README.md, \"Network workloads\").\n";

static void net_print_usage(void)
{
	printf("usage: urt-bench --workload %s[,...]%s", bench_names(NAMES_NET_WORKLOADS, "|"), net_usage);
	printf("backends: %s\n", bench_names(NAMES_NET_BACKENDS, " "));
}

static const char *net_workload_name(enum net_workload w)
{
	for (unsigned i = 0; i < workload_count; i++)
		if (workload_table[i].net == w)
			return workload_table[i].name;
	return "?";
}

static enum net_workload net_workload_of(const char *name)
{
	const struct workload *w = workload_find(name);
	return w ? w->net : NET_NONE;
}

/* ---- parsing ---- */

typedef int (*item_fn)(struct net_options *o, const char *opt, const char *s);

static int each(struct net_options *o, const char *opt, const char *list, item_fn fn)
{
	struct tb_list l;
	int ret = options_split(&l, opt, list, NET_LIST_MAX);
	for (unsigned i = 0; i < l.n && !ret; i++)
		ret = fn(o, opt, l.item[i]);
	tb_list_free(&l);
	return ret;
}

static int add_workload(struct net_options *o, const char *opt, const char *s)
{
	enum net_workload w = net_workload_of(s);
	if (w == NET_NONE)
		return options_bad("--workload: '%s' cannot run with the network workloads in one run (%s; "
				   "run file workloads separately)",
				   s, bench_names(NAMES_NET_WORKLOADS, ", "));
	for (unsigned i = 0; i < o->n_workloads; i++)
		if (o->workloads[i] == w)
			return options_bad("--workload: '%s' listed twice", s);
	if (o->n_workloads == NET_LIST_MAX)
		return options_bad("--%s: too many elements (max %d)", opt, NET_LIST_MAX);
	o->workloads[o->n_workloads++] = w;
	return 0;
}

static int add_backend(struct net_options *o, const char *opt, const char *s)
{
	const struct net_backend *b = net_backend_find(s);
	if (!b)
		return options_bad("unknown network backend '%s' (%s)", s, bench_names(NAMES_NET_BACKENDS, ", "));
	if (o->n_backends == NET_LIST_MAX)
		return options_bad("--%s: too many elements (max %d)", opt, NET_LIST_MAX);
	o->backends[o->n_backends++] = b;
	return 0;
}

static int add_uint(struct net_options *o, const char *opt, const char *s)
{
	unsigned *list, *n;
	uint64_t lo = 1, hi, v;
	if (strcmp(opt, "conns") == 0)
		list = o->conns, n = &o->n_conns, hi = NET_MAX_CONNS;
	else if (strcmp(opt, "qd") == 0)
		list = o->qd, n = &o->n_qd, hi = NET_MAX_QD;
	else
		list = o->batch, n = &o->n_batch, lo = 0, hi = 4096;
	int ret = options_item(opt, s, lo, hi, 0, *n, NET_LIST_MAX, &v);
	if (ret)
		return ret;
	list[(*n)++] = (unsigned)v;
	return 0;
}

static int add_bs(struct net_options *o, const char *opt, const char *s)
{
	uint64_t v;
	int ret = options_item(opt, s, 1, 16u << 20, TB_SIZE, o->n_bs, NET_LIST_MAX, &v);
	if (ret)
		return ret;
	o->bs[o->n_bs++] = v;
	return 0;
}

/* --rate: messages per second over all connections, or "closed". */
static int add_rate(struct net_options *o, const char *opt, const char *s)
{
	double v = 0;
	if (strcmp(s, "closed") != 0) {
		/* A k or m suffix: the number before it, times 1e3 or 1e6. */
		char num[64];
		size_t len = strlen(s);
		double scale = 1;
		if (len > 1 && len < sizeof(num) && (s[len - 1] == 'k' || s[len - 1] == 'm')) {
			scale = s[len - 1] == 'k' ? 1e3 : 1e6;
			len--;
		}
		int ret = len < sizeof(num) ? 0 : -EINVAL;
		if (ret == 0) {
			memcpy(num, s, len);
			num[len] = '\0';
			ret = tb_parse_double(num, 0, 1e9, &v);
		}
		v *= scale;
		if (ret < 0 || !(v >= 1) || v > 1e9)
			return options_bad("--%s: '%s' is not a rate in 1..1e9 messages/s (k, m suffixes) or 'closed'", opt, s);
	}
	if (o->n_rate == NET_LIST_MAX)
		return options_bad("--%s: too many elements (max %d)", opt, NET_LIST_MAX);
	o->rate[o->n_rate++] = v;
	return 0;
}

static int net_parse(struct net_options *o, int argc, char **argv)
{
	enum { O_WORKLOAD = 256, O_BACKEND, O_CONNS, O_BS, O_QD, O_BATCH, O_RATE, O_THREADS, O_DURATION, O_WARMUP,
	       O_REPEAT, O_PORT, O_NOPIN, O_JSON, O_CSV, O_FORCE, O_QUIET, O_HELP };
	static const struct option longopts[] = {
		{ "workload", required_argument, 0, O_WORKLOAD }, { "backend", required_argument, 0, O_BACKEND },
		{ "conns", required_argument, 0, O_CONNS },       { "bs", required_argument, 0, O_BS },
		{ "qd", required_argument, 0, O_QD },             { "batch", required_argument, 0, O_BATCH },
		{ "rate", required_argument, 0, O_RATE },         { "threads", required_argument, 0, O_THREADS },
		{ "duration", required_argument, 0, O_DURATION }, { "warmup", required_argument, 0, O_WARMUP },
		{ "repeat", required_argument, 0, O_REPEAT },     { "port", required_argument, 0, O_PORT },
		{ "no-pin", no_argument, 0, O_NOPIN },            { "json", required_argument, 0, O_JSON },
		{ "csv", required_argument, 0, O_CSV },           { "force", no_argument, 0, O_FORCE },
		{ "quiet", no_argument, 0, O_QUIET },             { "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 }
	};
	memset(o, 0, sizeof(*o));
	o->argc = argc;
	o->argv = argv;
	o->threads = 1;
	o->repeat = 1;
	o->duration = 1;
	o->warmup = 0.2;
	opterr = 0;
	optind = 0; /* 0: start afresh; main() scanned the line first */
	int c, ret = 0;
	uint64_t v;
	while (ret == 0 && (c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case O_WORKLOAD: ret = each(o, "workload", optarg, add_workload); break;
		case O_BACKEND: ret = each(o, "backend", optarg, add_backend); break;
		case O_CONNS: ret = each(o, "conns", optarg, add_uint); break;
		case O_QD: ret = each(o, "qd", optarg, add_uint); break;
		case O_BATCH: ret = each(o, "batch", optarg, add_uint); break;
		case O_BS: ret = each(o, "bs", optarg, add_bs); break;
		case O_RATE: ret = each(o, "rate", optarg, add_rate); break;
		case O_THREADS:
			if (tb_parse_u64(optarg, 1, 64, 0, &v) < 0)
				return options_bad("--threads: '%s' is not an integer in 1..64", optarg);
			o->threads = (unsigned)v;
			break;
		case O_REPEAT:
			if (tb_parse_u64(optarg, 1, 1000, 0, &v) < 0)
				return options_bad("--repeat: '%s' is not an integer in 1..1000", optarg);
			o->repeat = (unsigned)v;
			break;
		case O_PORT:
			if (tb_parse_u64(optarg, 0, 65535, 0, &v) < 0)
				return options_bad("--port: '%s' is not a port number in 0..65535", optarg);
			o->port = (unsigned)v;
			break;
		case O_DURATION: ret = options_parse_seconds("duration", optarg, false, &o->duration); break;
		case O_WARMUP: ret = options_parse_seconds("warmup", optarg, true, &o->warmup); break;
		case O_NOPIN: o->no_pin = true; break;
		case O_JSON: o->json = optarg; break;
		case O_CSV: o->csv = optarg; break;
		case O_FORCE: o->force = true; break;
		case O_QUIET: o->quiet = true; break;
		case O_HELP: net_print_usage(); return 1;
		case ':': return options_bad("%s needs a value", argv[optind - 1]);
		default:
			return options_bad("%s does not apply to the network workloads (echo, stream); see --help",
				   argv[optind - 1]);
		}
	}
	if (ret)
		return ret;
	if (optind < argc)
		return options_bad("unexpected argument '%s'", argv[optind]);
	if (!o->n_backends)
		for (unsigned i = 0; net_backend_at(i) && i < NET_LIST_MAX; i++)
			o->backends[o->n_backends++] = net_backend_at(i);
	if (!o->n_conns)
		o->conns[o->n_conns++] = 16;
	if (!o->n_bs)
		o->bs[o->n_bs++] = 64;
	if (!o->n_qd)
		o->qd[o->n_qd++] = 1;
	if (!o->n_batch)
		o->batch[o->n_batch++] = 0;
	if (!o->n_rate)
		o->rate[o->n_rate++] = 0;
	for (unsigned i = 0; i < o->n_rate; i++)
		for (unsigned k = 0; k < o->n_conns; k++)
			if (o->rate[i] > 0 && o->rate[i] < o->conns[k] / 60.0)
				return options_bad("--rate: %g messages/s over %u connections is under one per minute each", o->rate[i],
					   o->conns[k]);
	if (o->json && strcmp(o->json, "-") != 0 && (ret = options_check_output("json", o->json, o->force)))
		return ret;
	if (o->csv && strcmp(o->csv, "-") != 0 && (ret = options_check_output("csv", o->csv, o->force)))
		return ret;
	if (o->json && o->csv && tb_same_file(o->json, o->csv))
		return options_bad("--json and --csv name the same file%s", strcmp(o->json, "-") ? "" : " (standard output)");
	return 0;
}

/* ---- connections ---- */

static int listen_fd = -1;
static struct sockaddr_in listen_addr;

/* The run's one listening socket.  A port the user gave that is taken is
 * bad input: one line, exit 2. */
static int open_listener(unsigned port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return options_bad("socket: %s", strerror(errno));
	int one = 1;
	/* Lets a fixed port be reused past TIME_WAIT of an earlier run; Linux
	 * still refuses it while anything listens there. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int err = errno;
		close(fd);
		if (err == EADDRINUSE)
			return options_bad("--port %u: 127.0.0.1:%u is already in use", port, port);
		return options_bad("bind 127.0.0.1:%u: %s", port, strerror(err));
	}
	if (listen(fd, 4096) < 0) {
		int err = errno;
		close(fd);
		if (err == EADDRINUSE)
			return options_bad("--port %u: 127.0.0.1:%u is already in use", port, port);
		return options_bad("listen: %s", strerror(err));
	}
	socklen_t len = sizeof(listen_addr);
	getsockname(fd, (struct sockaddr *)&listen_addr, &len);
	listen_fd = fd;
	return 0;
}

static void close_all(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* conns connected pairs: cli[i] (non-blocking) talks to srv[i] (blocking). */
static int connect_pairs(unsigned conns, int *cli, int *srv, char *why, size_t whylen)
{
	int one = 1;
	for (unsigned i = 0; i < conns; i++)
		cli[i] = srv[i] = -1;
	for (unsigned i = 0; i < conns; i++) {
		const char *what = "socket";
		cli[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (cli[i] < 0)
			goto fail;
		what = "connect";
		if (connect(cli[i], (struct sockaddr *)&listen_addr, sizeof(listen_addr)) < 0)
			goto fail;
		/* Accepted right away, so the backlog never fills; a stranger's
		 * connection to a fixed --port is refused by the port check. */
		struct sockaddr_in peer, mine;
		socklen_t pl = sizeof(peer), ml = sizeof(mine);
		what = "accept";
		getsockname(cli[i], (struct sockaddr *)&mine, &ml);
		for (;;) {
			srv[i] = accept4(listen_fd, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
			if (srv[i] < 0)
				goto fail;
			if (peer.sin_port == mine.sin_port)
				break;
			close(srv[i]); /* not ours */
			pl = sizeof(peer);
		}
		what = "setsockopt";
		if (setsockopt(cli[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
		    setsockopt(srv[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
			goto fail;
		what = "fcntl";
		int fl = fcntl(cli[i], F_GETFL);
		if (fl < 0 || fcntl(cli[i], F_SETFL, fl | O_NONBLOCK) < 0)
			goto fail;
		continue;
fail:
		snprintf(why, whylen, "connection %u: %s: %s", i, what, strerror(errno));
		close_all(cli, conns);
		close_all(srv, conns);
		return -1;
	}
	return 0;
}

/* ---- one configuration ---- */

struct net_result {
	const char *backend;
	struct net_job job;
	unsigned threads;     /* server threads used */
	unsigned na;          /* NET_OPT_* that did not apply */
	bool pinned;
	struct net_client_result c;
	double srv_user_s, srv_sys_s;
	char note[200];
};

struct net_run {
	struct net_result *ok, *failed;
	size_t n_ok, n_failed;
	double load_before[3], load_after[3];
	char started[32];
	int client_cpu;       /* -1: unpinned */
	cpu_set_t server_set;
	bool pinned;
	double clock_cost_ns;
};

struct server_thread {
	pthread_t thread;
	struct net_server s;
	const struct net_backend *b;
	const cpu_set_t *cpus; /* NULL: unpinned */
};

void net_fail(struct net_server *s, int err, const char *what)
{
	if (s->err)
		return;
	s->err = err < 0 ? err : -EIO;
	snprintf(s->errmsg, sizeof(s->errmsg), "server: %s: %s", what, strerror(-s->err));
}

static void *server_main(void *arg)
{
	struct server_thread *t = arg;
	if (t->cpus && sched_setaffinity(0, sizeof(*t->cpus), t->cpus) < 0)
		net_fail(&t->s, -errno, "sched_setaffinity");
	else
		t->b->serve(&t->s);
	/* A server that stopped early (an error) must not leave the client
	 * waiting for answers: end its connections. */
	for (unsigned i = 0; i < t->s.n_fds; i++)
		shutdown(t->s.fds[i], SHUT_RDWR);
	return NULL;
}

struct client_thread {
	const struct net_job *job;
	const int *fds;
	int cpu;
	struct net_client_result *r;
};

static void *client_main(void *arg)
{
	struct client_thread *t = arg;
	net_client_run(t->job, t->fds, t->cpu, t->r);
	return NULL;
}

static int run_job(struct net_run *run, const struct net_backend *b, const struct net_job *job, struct net_result *r)
{
	unsigned conns = job->conns;
	r->threads = (b->applies & NET_OPT_THREADS) ? (job->server_threads < conns ? job->server_threads : conns) : 1;
	int *cli = malloc(conns * sizeof(int)), *srv = malloc(conns * sizeof(int)), *order = malloc(conns * sizeof(int));
	struct server_thread *st = calloc(r->threads, sizeof(*st));
	r->c.lat = malloc(sizeof(*r->c.lat));
	if (!cli || !srv || !order || !st || !r->c.lat) {
		snprintf(r->note, sizeof(r->note), "out of memory");
		free(cli);
		free(srv);
		free(order);
		free(st);
		return -ENOMEM;
	}
	hist_init(r->c.lat);
	int ret = 0;
	if (connect_pairs(conns, cli, srv, r->note, sizeof(r->note)) < 0) {
		ret = -EIO;
		goto out;
	}
	/* Connection i goes to server thread i % threads; each thread's fds
	 * are contiguous in order[]. */
	unsigned k = 0;
	for (unsigned t = 0; t < r->threads; t++) {
		st[t].s.job = job;
		st[t].s.fds = order + k;
		st[t].b = b;
		st[t].cpus = run->pinned ? &run->server_set : NULL;
		for (unsigned i = t; i < conns; i += r->threads)
			order[k++] = srv[i];
		st[t].s.n_fds = (unsigned)(order + k - st[t].s.fds);
	}
	unsigned started = 0;
	for (; started < r->threads; started++)
		if ((ret = pthread_create(&st[started].thread, NULL, server_main, &st[started])) != 0)
			break;
	if (ret) {
		snprintf(r->note, sizeof(r->note), "pthread_create: %s", strerror(ret));
		ret = -ret;
	} else {
		pthread_t ct;
		struct client_thread cta = { job, cli, run->pinned ? run->client_cpu : -1, &r->c };
		if ((ret = pthread_create(&ct, NULL, client_main, &cta)) != 0) {
			snprintf(r->note, sizeof(r->note), "pthread_create: %s", strerror(ret));
			ret = -ret;
		} else {
			pthread_join(ct, NULL);
		}
	}
	/* Closing the client ends is what ends every server connection. */
	close_all(cli, conns);
	for (unsigned t = 0; t < started; t++)
		pthread_join(st[t].thread, NULL);
	close_all(srv, conns);
	r->pinned = run->pinned;
	r->srv_user_s = r->c.self_user_s - r->c.user_s;
	r->srv_sys_s = r->c.self_sys_s - r->c.sys_s;
	if (r->srv_user_s < 0)
		r->srv_user_s = 0;
	if (r->srv_sys_s < 0)
		r->srv_sys_s = 0;
	for (unsigned t = 0; t < started && !ret; t++)
		if (st[t].s.err) {
			ret = st[t].s.err;
			snprintf(r->note, sizeof(r->note), "thread %u: %s", t, st[t].s.errmsg);
		}
	if (!ret && r->c.err) {
		ret = r->c.err;
		snprintf(r->note, sizeof(r->note), "%s", r->c.errmsg);
	}
	if (!ret && (r->c.msgs == 0 || r->c.seconds <= 0)) {
		ret = -ENODATA;
		snprintf(r->note, sizeof(r->note), "no message completed inside the timed window");
	}
	/* A closed-loop window in which some connection made no round trip
	 * measures the start-up, not the steady state: its number would look
	 * valid.  (Open loop: a rate below conns / duration sends fewer
	 * messages than connections by design.) */
	if (!ret && job->rate <= 0 && r->c.msgs < job->conns) {
		ret = -ENODATA;
		snprintf(r->note, sizeof(r->note),
			 "too few round trips in the window: %" PRIu64 " for %u connections; raise --duration/--warmup",
			 r->c.msgs, job->conns);
	}
out:
	free(cli);
	free(srv);
	free(order);
	free(st);
	return ret;
}

/* ---- report ---- */

static const double quantiles[5] = { 0.5, 0.9, 0.99, 0.999, 0.9999 };
static const char *const qkeys[5] = { "p50", "p90", "p99", "p999", "p9999" };

static void put_lat(FILE *f, const struct hist *h)
{
	fprintf(f, "{\"min\": %" PRIu64 ", \"mean\": %.1f", h->min, h->sum / (double)h->count);
	for (int i = 0; i < 5; i++)
		fprintf(f, ", \"%s\": %" PRIu64, qkeys[i], hist_percentile(h, quantiles[i]));
	fprintf(f, ", \"max\": %" PRIu64 "}", h->max);
}

static void put_na(FILE *f, unsigned na)
{
	fprintf(f, "[%s%s%s]", (na & NET_OPT_BATCH) ? "\"batch\"" : "",
		(na & NET_OPT_BATCH) && (na & NET_OPT_THREADS) ? ", " : "", (na & NET_OPT_THREADS) ? "\"threads\"" : "");
}

static void put_job(FILE *f, const struct net_result *r)
{
	const struct net_job *j = &r->job;
	fputs("\"backend\": ", f);
	tb_json_string(f, r->backend);
	fprintf(f, ", \"workload\": \"%s\", \"qd\": %u, \"batch\": %u, \"complete_batch\": 1, \"bs\": %" PRIu64
		   ", \"threads\": %u, \"repeat\": %u, \"conns\": %u, \"rate\": ",
		net_workload_name(j->workload), j->qd, j->batch, j->bs, r->threads, j->repeat, j->conns);
	if (j->rate > 0)
		fprintf(f, "%.1f", j->rate);
	else
		fputs("null", f);
	fprintf(f, ", \"loop\": \"%s\"", j->rate > 0 ? "open" : "closed");
}

static void put_result(FILE *f, const struct net_result *r)
{
	const struct net_client_result *c = &r->c;
	fputs("    { ", f);
	put_job(f, r);
	fprintf(f, ",\n      \"ops\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"seconds\": %.6f, \"iops\": %.1f, "
		   "\"mib_s\": %.3f,\n      \"lat_ns\": ",
		c->msgs, c->bytes, c->seconds, (double)c->msgs / c->seconds, (double)c->bytes / c->seconds / 1048576.0);
	put_lat(f, c->lat);
	fputs(",\n      \"hist_ns\": [", f);
	bool first = true;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		if (!c->lat->buckets[i])
			continue;
		fprintf(f, "%s[%" PRIu64 ", %" PRIu64 "]", first ? "" : ", ", hist_bucket_upper(i), c->lat->buckets[i]);
		first = false;
	}
	fprintf(f, "],\n      \"cpu\": {\"user_s\": %.6f, \"sys_s\": %.6f}, \"enter_calls\": null, "
		   "\"sqes_per_enter\": null,\n      \"client_cpu\": {\"user_s\": %.6f, \"sys_s\": %.6f}, "
		   "\"late_sends\": %" PRIu64 ", \"pinned\": %s, \"cache\": null, \"short_ops\": 0, \"options\": [], "
		   "\"not_applicable\": ",
		r->srv_user_s, r->srv_sys_s, c->user_s, c->sys_s, c->late_sends, r->pinned ? "true" : "false");
	put_na(f, r->na);
	fprintf(f, ", \"lat_sample\": 1, \"duration_s\": %.3f, \"warmup_s\": %.3f, \"note\": null }", r->job.duration,
		r->job.warmup);
}

static void put_load(FILE *f, const double *l)
{
	if (l[0] < 0)
		fputs("null", f);
	else
		fprintf(f, "[%.2f, %.2f, %.2f]", l[0], l[1], l[2]);
}

static int write_json(const struct net_options *o, const struct net_run *run)
{
	struct tb_publish p;
	FILE *f = report_open_output(&p, o->json);
	if (!f)
		return -errno;
	fputs("{\n  \"schema\": \"urt-bench/1\",\n", f);
	meta_write_json(f, run->started, o->argc, o->argv);
	fputs(",\n  \"context\": {\"load_before\": ", f);
	put_load(f, run->load_before);
	fputs(", \"load_after\": ", f);
	put_load(f, run->load_after);
	if (run->pinned) {
		fprintf(f, ", \"cpus\": null, \"pinning\": \"client thread on CPU %d, server threads on the other CPUs\"",
			run->client_cpu);
	} else {
		fputs(", \"cpus\": null, \"pinning\": null", f);
	}
	meta_write_host_context(f);
	fprintf(f, "},\n  \"timing\": {\"clock\": \"CLOCK_MONOTONIC\", \"clock_cost_ns\": %.1f, \"lat_sample\": 1, "
	      "\"interval_ms\": 0, \"method\": \"network workloads: every message timed by the client, from its send "
	      "(closed loop) or its intended send time (open loop) to the arrival of its last answering byte\"},\n"
	      "  \"results\": [",
	      run->clock_cost_ns);
	for (size_t i = 0; i < run->n_ok; i++) {
		fputs(i ? ",\n" : "\n", f);
		put_result(f, &run->ok[i]);
	}
	fputs(run->n_ok ? "\n  ],\n  \"skipped\": [],\n  \"failed\": [" : "],\n  \"skipped\": [],\n  \"failed\": [", f);
	for (size_t i = 0; i < run->n_failed; i++) {
		fputs(i ? ",\n    { " : "\n    { ", f);
		put_job(f, &run->failed[i]);
		fputs(", \"reason\": ", f);
		tb_json_string(f, run->failed[i].note);
		fputs(" }", f);
	}
	fputs(run->n_failed ? "\n  ]\n}\n" : "]\n}\n", f);
	return report_publish_output(&p, f, o->json, o->force);
}

static int write_csv(const struct net_options *o, const struct net_run *run)
{
	struct tb_publish p;
	FILE *f = report_open_output(&p, o->csv);
	if (!f)
		return -errno;
	fputs("backend,workload,qd,batch,complete_batch,bs,threads,repeat,ops,bytes,seconds,iops,mib_s,"
	      "lat_min_ns,lat_mean_ns,lat_p50_ns,lat_p90_ns,lat_p99_ns,lat_p999_ns,lat_p9999_ns,lat_max_ns,"
	      "cpu_user_s,cpu_sys_s,conns,rate,loop,client_user_s,client_sys_s,late_sends\n",
	      f);
	for (size_t i = 0; i < run->n_ok; i++) {
		const struct net_result *r = &run->ok[i];
		const struct net_client_result *c = &r->c;
		fprintf(f, "%s,%s,%u,%u,1,%" PRIu64 ",%u,%u,%" PRIu64 ",%" PRIu64 ",%.6f,%.1f,%.3f,%" PRIu64 ",%.1f",
			r->backend, net_workload_name(r->job.workload), r->job.qd, r->job.batch, r->job.bs, r->threads,
			r->job.repeat, c->msgs, c->bytes, c->seconds, (double)c->msgs / c->seconds,
			(double)c->bytes / c->seconds / 1048576.0, c->lat->min, c->lat->sum / (double)c->lat->count);
		for (int q = 0; q < 5; q++)
			fprintf(f, ",%" PRIu64, hist_percentile(c->lat, quantiles[q]));
		fprintf(f, ",%" PRIu64 ",%.6f,%.6f,%u,", c->lat->max, r->srv_user_s, r->srv_sys_s, r->job.conns);
		if (r->job.rate > 0)
			fprintf(f, "%.1f", r->job.rate);
		fprintf(f, ",%s,%.6f,%.6f,%" PRIu64 "\n", r->job.rate > 0 ? "open" : "closed", c->user_s, c->sys_s,
			c->late_sends);
	}
	return report_publish_output(&p, f, o->csv, o->force);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static bool same_cell(const struct net_result *a, const struct net_result *b)
{
	return a->job.workload == b->job.workload && a->job.conns == b->job.conns && a->job.bs == b->job.bs &&
	       a->job.qd == b->job.qd && a->job.batch == b->job.batch && a->job.rate == b->job.rate;
}

/* Median messages/s of a backend in r's cell; 0 when it has none. */
static double cell_median(const struct net_run *run, const struct net_result *r, const char *backend, double *p99)
{
	double v[1000], l[1000];
	size_t n = 0;
	for (size_t i = 0; i < run->n_ok && n < 1000; i++) {
		const struct net_result *x = &run->ok[i];
		if (same_cell(x, r) && strcmp(x->backend, backend) == 0) {
			v[n] = (double)x->c.msgs / x->c.seconds;
			l[n++] = (double)hist_percentile(x->c.lat, 0.99);
		}
	}
	if (!n)
		return 0;
	qsort(v, n, sizeof(double), cmp_double);
	qsort(l, n, sizeof(double), cmp_double);
	*p99 = l[n / 2];
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Per cell and backend: median msgs/s, MiB/s, p99, and the ratio to epoll. */
static void print_summary(const struct net_run *run, FILE *out)
{
	fprintf(out, "\n%-7s %-14s %6s %6s %4s %9s %12s %9s %10s %8s\n", "wl", "backend", "conns", "bs", "qd", "rate",
	       "msgs/s", "MiB/s", "p99 us", "vs epoll");
	for (size_t i = 0; i < run->n_ok; i++) {
		const struct net_result *r = &run->ok[i];
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = same_cell(&run->ok[k], r) && strcmp(run->ok[k].backend, r->backend) == 0;
		if (seen)
			continue;
		double p99 = 0, ep99 = 0;
		double m = cell_median(run, r, r->backend, &p99);
		double e = cell_median(run, r, "epoll", &ep99);
		char rate[32] = "closed", ratio[16] = "-";
		if (r->job.rate > 0)
			snprintf(rate, sizeof(rate), "%.0f", r->job.rate);
		if (e > 0)
			snprintf(ratio, sizeof(ratio), "%.2fx", m / e);
		fprintf(out, "%-7s %-14s %6u %6" PRIu64 " %4u %9s %12.0f %9.1f %10.1f %8s\n", net_workload_name(r->job.workload),
		       r->backend, r->job.conns, r->job.bs, r->job.qd, rate, m, m * (double)r->job.bs / 1048576.0,
		       p99 / 1000.0, ratio);
	}
}

/* ---- main ---- */

static void on_stop(int sig)
{
	(void)sig;
	/* Exiting closes every socket, the listener included. */
	static const char msg[] = "urt-bench: interrupted\n";
	ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
	_exit(130);
}

/* Client on the highest allowed CPU, servers on the others (2+ CPUs). */
static void plan_pinning(struct net_run *run, bool no_pin)
{
	cpu_set_t set;
	run->pinned = false;
	run->client_cpu = -1;
	if (no_pin || sched_getaffinity(0, sizeof(set), &set) < 0 || CPU_COUNT(&set) < 2)
		return;
	for (int cpu = CPU_SETSIZE - 1; cpu >= 0; cpu--)
		if (CPU_ISSET(cpu, &set)) {
			run->client_cpu = cpu;
			break;
		}
	run->server_set = set;
	CPU_CLR(run->client_cpu, &run->server_set);
	run->pinned = true;
}

static int add(struct net_result **arr, size_t *n, const struct net_result *r)
{
	struct net_result *p = realloc(*arr, (*n + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	*arr = p;
	p[(*n)++] = *r;
	return 0;
}

int net_main(int argc, char **argv)
{
	static struct net_options o;
	int ret = net_parse(&o, argc, argv);
	if (ret)
		return ret == 1 ? 0 : 2;
	/* Two descriptors per connection, plus the rest of the process. */
	unsigned max_conns = 0;
	for (unsigned i = 0; i < o.n_conns; i++)
		if (o.conns[i] > max_conns)
			max_conns = o.conns[i];
	struct rlimit rl;
	rlim_t need = 2 * (rlim_t)max_conns + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
		if (rl.rlim_max < need)
			return options_bad("--conns %u needs %llu file descriptors; the hard limit is %llu", max_conns,
				   (unsigned long long)need, (unsigned long long)rl.rlim_max);
		rl.rlim_cur = need; /* this process only */
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return options_bad("setrlimit(RLIMIT_NOFILE): %s", strerror(errno));
	}
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGHUP, on_stop);
	signal(SIGPIPE, SIG_IGN);
	if ((ret = open_listener(o.port)) != 0)
		return ret;

	static struct net_run run;
	time_t now = time(NULL);
	strftime(run.started, sizeof(run.started), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (getloadavg(run.load_before, 3) != 3)
		run.load_before[0] = -1;
	plan_pinning(&run, o.no_pin);
	run.clock_cost_ns = bench_clock_cost_ns();
	if (!o.quiet)
		fprintf(stderr, "network: server on 127.0.0.1:%u%s\n", ntohs(listen_addr.sin_port),
			run.pinned ? ", client pinned to its own CPU" : ", unpinned (one CPU)");
	int status = 0;
	unsigned total = o.repeat * o.n_workloads * o.n_bs * o.n_conns * o.n_qd * o.n_batch * o.n_rate * o.n_backends;
	unsigned index = 0;
	bool progress = !o.quiet && isatty(2);
	/* Repeats outermost (a noisy moment hits every cell), backends innermost
	 * (the cells' samples are paired in time). */
	for (unsigned rep = 0; rep < o.repeat; rep++)
		for (unsigned wi = 0; wi < o.n_workloads; wi++)
			for (unsigned si = 0; si < o.n_bs; si++)
				for (unsigned ci = 0; ci < o.n_conns; ci++)
					for (unsigned qi = 0; qi < o.n_qd; qi++)
						for (unsigned bi = 0; bi < o.n_batch; bi++)
							for (unsigned ri = 0; ri < o.n_rate; ri++)
								for (unsigned ki = 0; ki < o.n_backends; ki++, index++) {
		const struct net_backend *b = o.backends[ki];
		struct net_result r;
		memset(&r, 0, sizeof(r));
		r.backend = b->name;
		r.job = (struct net_job){ .workload = o.workloads[wi], .conns = o.conns[ci], .bs = o.bs[si],
					 .qd = o.qd[qi], .batch = o.batch[bi], .rate = o.rate[ri],
					 .server_threads = o.threads, .repeat = rep, .duration = o.duration,
					 .warmup = o.warmup };
		/* What does not apply collapses to what runs, once. */
		if (r.job.workload == NET_ECHO)
			r.job.qd = 1;
		if (!(b->applies & NET_OPT_BATCH)) {
			r.na |= (o.n_batch > 1 || o.batch[0] != 0) ? NET_OPT_BATCH : 0;
			r.job.batch = 0;
		}
		if (!(b->applies & NET_OPT_THREADS) && o.threads > 1)
			r.na |= NET_OPT_THREADS;
		bool dup = false;
		for (size_t i = 0; i < run.n_ok && !dup; i++)
			dup = same_cell(&run.ok[i], &r) && run.ok[i].job.repeat == rep && strcmp(run.ok[i].backend, b->name) == 0;
		for (size_t i = 0; i < run.n_failed && !dup; i++)
			dup = same_cell(&run.failed[i], &r) && run.failed[i].job.repeat == rep &&
			      strcmp(run.failed[i].backend, b->name) == 0;
		if (dup)
			continue;
		/* A receive never needs more than a connection can have
		 * outstanding: bs for echo, qd x bs for stream. */
		uint64_t buf = r.job.workload == NET_ECHO ? r.job.bs : r.job.bs * r.job.qd;
		r.job.bufsize = buf < 4096 ? 4096 : buf > 65536 ? 65536 : (size_t)buf;
		if (progress) {
			fprintf(stderr, "\r\033[K[%u/%u] %s %s conns=%u bs=%" PRIu64 " qd=%u", index + 1, total, b->name,
				net_workload_name(r.job.workload), r.job.conns, r.job.bs, r.job.qd);
			fflush(stderr);
		}
		ret = run_job(&run, b, &r.job, &r);
		if (ret < 0) {
			fprintf(stderr, "%surt-bench: %s %s conns=%u bs=%" PRIu64 " failed: %s\n", progress ? "\r\033[K" : "",
				b->name, net_workload_name(r.job.workload), r.job.conns, r.job.bs, r.note);
			free(r.c.lat);
			r.c.lat = NULL;
			status = 1;
			if (add(&run.failed, &run.n_failed, &r) < 0)
				status = 1;
		} else if (add(&run.ok, &run.n_ok, &r) < 0) {
			free(r.c.lat);
			status = 1;
		}
	}
	if (progress)
		fputs("\r\033[K", stderr);
	close(listen_fd);
	if (getloadavg(run.load_after, 3) != 3)
		run.load_after[0] = -1;
	sigset_t old;
	report_hold_stop_signals(&old); /* a stop now would leave a temporary file behind */
	bool interrupted = false;
	if (o.json && (ret = write_json(&o, &run)) < 0) {
		interrupted = ret == -EINTR;
		if (!interrupted)
			fprintf(stderr, "urt-bench: writing %s: %s\n", o.json, strerror(-ret));
		status = 1;
	}
	if (!interrupted && o.csv && (ret = write_csv(&o, &run)) < 0) {
		interrupted = ret == -EINTR;
		if (!interrupted)
			fprintf(stderr, "urt-bench: writing %s: %s\n", o.csv, strerror(-ret));
		status = 1;
	}
	report_release_stop_signals(&old, interrupted); /* interrupted: the handler exits 130 here */
	/* With --json - or --csv - standard output is the data: the table goes
	 * to standard error. */
	bool data_on_stdout = (o.json && !strcmp(o.json, "-")) || (o.csv && !strcmp(o.csv, "-"));
	if (!o.quiet)
		print_summary(&run, data_on_stdout ? stderr : stdout);
	for (size_t i = 0; i < run.n_ok; i++)
		free(run.ok[i].c.lat);
	free(run.ok);
	free(run.failed);
	return status;
}
