/*
 * cell.c - runs one cell of the matrix in a forked child.
 *
 * The child enables the point, runs the workload, disables the point and
 * judges the result; the parent only reads the verdict from a pipe.  A child
 * that hangs is killed by its alarm (status "hang"), one that crashes or
 * leaks under LeakSanitizer dies on its own (status "fail"); either way the
 * matrix goes on and the cell is named.
 */
#define _GNU_SOURCE
#include "cell.h"
#include "toolbox.h"
#include "workload_data.h"

#include <errno.h>
#include <fiu.h>
#include <fiu-control.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

volatile pid_t cell_child;

int cell_point_by_name(const char *name)
{
	for (int p = 0; p < URT_FAULT_COUNT; p++)
		if (strcmp(urt_fault_name((enum urt_fault_point)p), name) == 0)
			return p;
	return -1;
}

bool cell_expects_errors(const struct cell_spec *c)
{
	/* Short reads and writes at 1.0 still make progress (one byte is never
	 * cut): those cells must complete and verify like any other. */
	return c->prob >= 1.0 && c->point != URT_FAULT_READ_SHORT && c->point != URT_FAULT_WRITE_SHORT;
}

/* Points that can fire in every workload; urt/write/short only where the
 * workload writes. */
bool cell_point_applies(const struct cell_spec *c)
{
	return c->point != URT_FAULT_WRITE_SHORT || c->wl->writes;
}

static uint64_t cell_seed(const struct cell_spec *c, uint64_t seed)
{
	/* FNV-1a over the cell's identity: the seed depends on what the cell is,
	 * not where it sits in the matrix, so --cell replays it alone. */
	char id[128];
	int n = snprintf(id, sizeof(id), "%s:%s:%g:%d", urt_fault_name(c->point), c->wl->name, c->prob, c->failnum);
	if (c->ring != WL_RING_SEEDED && n > 0 && (size_t)n < sizeof(id))
		snprintf(id + n, sizeof(id) - (size_t)n, ":%s", wl_ring_names[c->ring]);
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *s = id; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	uint64_t state = seed ^ h;
	return wd_next(&state);
}

static int point_error(const struct cell_spec *c)
{
	/* A submit failure that is not transient cannot be retried: the runtime
	 * hands the error to every operation still in the SQ. */
	if (c->point == URT_FAULT_SUBMIT && c->failnum != 1 && c->failnum != EAGAIN && c->failnum != EBUSY &&
	    c->failnum != EINTR && c->failnum != ENOMEM)
		return -abs(c->failnum);
	switch (c->point) {
	case URT_FAULT_OP_ERROR:
		return -EIO;
	case URT_FAULT_ALLOC:
		return -ENOMEM;
	default:
		return 0; /* transient points must be retried inside the runtime */
	}
}

/* The rules every cell is judged by, in the order a reader would ask. */
static void judge(const struct cell_spec *c, struct cell_outcome *o)
{
	struct wl_result *r = &o->r;
	o->status = CELL_FAIL;
	if (r->failed) {
		snprintf(o->reason, sizeof(o->reason), "%s", r->reason);
		return;
	}
	if (r->corrupted_bytes || r->lost_ops || r->doubled_ops) {
		snprintf(o->reason, sizeof(o->reason), "corrupted %" PRIu64 ", lost %" PRIu64 ", doubled %" PRIu64,
			 r->corrupted_bytes, r->lost_ops, r->doubled_ops);
		return;
	}
	if (r->eio_seen != r->stats.faults[URT_FAULT_OP_ERROR]) {
		snprintf(o->reason, sizeof(o->reason),
			 "%" PRIu64 " urt/op/error injected but %" PRIu64 " -EIO results reached callers",
			 r->stats.faults[URT_FAULT_OP_ERROR], r->eio_seen);
		return;
	}
	if (cell_expects_errors(c)) {
		if (r->errors_seen == 0) {
			snprintf(o->reason, sizeof(o->reason), "the point fired on every call but no error surfaced");
			return;
		}
	} else if (r->bytes_verified != r->bytes_expected) {
		snprintf(o->reason, sizeof(o->reason), "verified %" PRIu64 " bytes of %" PRIu64, r->bytes_verified,
			 r->bytes_expected);
		return;
	}
	o->status = CELL_PASS;
}

/* URT_FAULTS_SABOTAGE breaks a cell on purpose, so test_detects.sh can show
 * that the suite notices: "hang" never returns, "crash" dies on a signal,
 * "corrupt" flips a byte of a file before it is verified. */
static void sabotage(void)
{
	const char *how = getenv("URT_FAULTS_SABOTAGE");
	if (!how)
		return;
	if (strcmp(how, "hang") == 0)
		for (;;)
			pause();
	if (strcmp(how, "crash") == 0)
		raise(SIGSEGV);
	if (strcmp(how, "corrupt") == 0)
		wl_sabotage_corrupt = true;
}

/* The points decided per operation (task, operation number, retry) are
 * enabled through the runtime's replayable decision.  urt/submit,
 * urt/get_sqe and urt/alloc are not: evaluated inside a task, the runtime
 * gives every retry of the same submit or allocation the same identity, so
 * one fault at p = 0.1 fires on all 64 retries and the transient fault
 * becomes a permanent error (seen at the merge of rt-core, reported).
 * libfiu's own PRNG decides those, independently per evaluation. */
static void run_child(const struct cell_spec *c, const struct suite_opts *so, struct cell_outcome *o)
{
	const char *name = urt_fault_name(c->point);
	struct wl_params p = {
		.seed = o->seed,
		.scale = so->scale,
		.expect_errors = cell_expects_errors(c),
		.retryable_error = point_error(c),
		.dir = so->dir,
		.ring = c->ring,
	};
	char seedstr[32];
	urt_faults_arm(1);
	sabotage();
	/* Until the point fires: a cell in which nothing was injected tested
	 * nothing.  Each round has its own seed, derived from the cell's, so
	 * --cell replays the same rounds.  The runtime decides when the point
	 * fires from a hash of (seed, point, task, the task's operation
	 * number), so a seed replays the same faults whatever the completion
	 * order; its PRNG decides how short a cut is.  Both take the round's
	 * seed from FIU_PRNG_SEED when the point is enabled. */
	uint64_t round_seed = o->seed;
	for (o->rounds = 1;; o->rounds++) {
		snprintf(seedstr, sizeof(seedstr), "%u", (unsigned)round_seed);
		setenv("FIU_PRNG_SEED", seedstr, 1);
		fiu_set_prng_seed((unsigned)round_seed);
		int en = urt_fault_enable_random(c->point, c->failnum, c->prob);
		if (en != 0) {
			snprintf(o->reason, sizeof(o->reason), "enabling %s: %s", name, strerror(-en));
			o->status = CELL_FAIL;
			break;
		}
		memset(&o->r, 0, sizeof(o->r));
		p.seed = round_seed;
		struct wl_run run = { .p = &p, .r = &o->r, .prng = round_seed };
		c->wl->fn(&run);
		o->injected = o->r.stats.faults[c->point];
		if (c->point == URT_FAULT_ALLOC)
			o->injected += o->r.create_enomem; /* urt_create has no stats to count in */
		judge(c, o);
		if (o->status != CELL_PASS || o->injected > 0)
			break;
		if (o->rounds == CELL_MAX_ROUNDS) {
			o->status = CELL_FAIL;
			o->not_exercised = true;
			snprintf(o->reason, sizeof(o->reason),
				 "not exercised: %s never fired in %u rounds of the workload", name, o->rounds);
			break;
		}
		fiu_disable(name); /* re-enabling an enabled point leaks libfiu's copy of its name */
		round_seed = wd_next(&round_seed);
	}
	fiu_disable(name);
	urt_faults_arm(0);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cell_run(const struct cell_spec *c, const struct suite_opts *so, struct cell_outcome *out)
{
	memset(out, 0, sizeof(*out));
	out->seed = cell_seed(c, so->seed);
	int fds[2];
	if (pipe(fds) != 0)
		return -errno;
	fflush(NULL); /* the child exits through exit(): nothing buffered twice */
	double t0 = now();
	pid_t parent = getpid();
	/* Until cell_child is set, a SIGINT could not name the child to kill. */
	tb_stop_signals(SIG_BLOCK, NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		tb_stop_signals(SIG_UNBLOCK, NULL);
		close(fds[0]);
		close(fds[1]);
		return -err;
	}
	if (pid == 0) {
		/* Its own process group, so the parent can kill the cell and
		 * anything it started in one call; and killed with the parent
		 * should the parent die without cleaning up. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(3);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		tb_stop_signals(SIG_UNBLOCK, NULL);
		close(fds[0]);
		signal(SIGPIPE, SIG_IGN); /* a closed pipe or socket must be an error, not a death */
		alarm(so->watchdog);      /* SIGALRM kills a hung child: the parent reports "hang" */
		struct cell_outcome o;
		memset(&o, 0, sizeof(o));
		o.seed = out->seed;
		run_child(c, so, &o);
		ssize_t w = write(fds[1], &o, sizeof(o));
		/* exit(), not _exit(): LeakSanitizer checks at exit, and a leak
		 * turns into a non-zero status the parent reports. */
		exit(w == (ssize_t)sizeof(o) ? 0 : 3);
	}
	setpgid(pid, pid); /* as the child does: whichever runs first */
	cell_child = pid;
	tb_stop_signals(SIG_UNBLOCK, NULL);
	close(fds[1]);
	struct cell_outcome got;
	size_t have = 0;
	/* The alarm should end a hang; this is the backstop if it cannot. */
	struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
	double deadline = t0 + so->watchdog + 10;
	bool killed = false;
	while (have < sizeof(got)) {
		int left = (int)((deadline - now()) * 1000);
		int ready = left > 0 ? poll(&pfd, 1, left) : 0;
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready == 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
		ssize_t n = read(fds[0], (char *)&got + have, sizeof(got) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fds[0]);
	int status = 0;
	tb_stop_signals(SIG_BLOCK, NULL); /* reaped and forgotten together */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	cell_child = 0;
	tb_stop_signals(SIG_UNBLOCK, NULL);
	out->seconds = now() - t0;
	if (have == sizeof(got)) {
		uint64_t seed = out->seed;
		*out = got;
		out->seed = seed;
		out->seconds = now() - t0;
	}
	if (killed || (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)) {
		out->status = CELL_HANG;
		snprintf(out->reason, sizeof(out->reason), "no verdict within the %u s watchdog", so->watchdog);
	} else if (WIFSIGNALED(status)) {
		out->status = CELL_FAIL;
		snprintf(out->reason, sizeof(out->reason), "signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	} else if (have != sizeof(got)) {
		out->status = CELL_FAIL;
		snprintf(out->reason, sizeof(out->reason), "child exited with status %d and no verdict",
			 WEXITSTATUS(status));
	} else if (WEXITSTATUS(status) != 0) {
		out->status = CELL_FAIL;
		snprintf(out->reason, sizeof(out->reason), "exit status %d after the verdict (a sanitizer report?)",
			 WEXITSTATUS(status));
	}
	return 0;
}

void cell_replay(const struct cell_spec *c, const struct suite_opts *so, char *buf, size_t size)
{
	char scale[48] = "";
	if (so->scale_given)
		snprintf(scale, sizeof(scale), " --scale %g", so->scale);
	char ring[32] = "";
	if (c->ring != WL_RING_SEEDED)
		snprintf(ring, sizeof(ring), ":%s", wl_ring_names[c->ring]);
	snprintf(buf, size, "%s --seed %" PRIu64 " --cell %s:%s:%g:%d%s%s --watchdog %u", so->exe, so->seed,
		 urt_fault_name(c->point), c->wl->name, c->prob, c->failnum, ring, scale, so->watchdog);
}

int cell_parse(const char *s, struct cell_spec *c, char *err, size_t errsize)
{
	char point[64], wl[64], rest[64];
	/* The point name has slashes, never colons: split on ':'. */
	const char *a = strchr(s, ':');
	const char *b = a ? strchr(a + 1, ':') : NULL;
	if (!a || !b || (size_t)(a - s) >= sizeof(point) || (size_t)(b - a - 1) >= sizeof(wl) ||
	    strlen(b + 1) >= sizeof(rest)) {
		snprintf(err, errsize, "--cell wants POINT:WORKLOAD:PROBABILITY[:FAILNUM[:RING]], got '%s'", s);
		return -1;
	}
	memcpy(point, s, (size_t)(a - s));
	point[a - s] = '\0';
	memcpy(wl, a + 1, (size_t)(b - a - 1));
	wl[b - a - 1] = '\0';
	strcpy(rest, b + 1);
	int p = cell_point_by_name(point);
	if (p < 0) {
		snprintf(err, errsize, "--cell: unknown fault point '%s' (%s)", point, faults_names(FN_POINTS, ", "));
		return -1;
	}
	c->point = (enum urt_fault_point)p;
	c->wl = wl_find(wl);
	if (!c->wl) {
		snprintf(err, errsize, "--cell: unknown workload '%s' (%s)", wl, faults_names(FN_WORKLOADS, ", "));
		return -1;
	}
	char *colon = strchr(rest, ':');
	c->failnum = 1;
	c->ring = WL_RING_SEEDED;
	char *ring = colon ? strchr(colon + 1, ':') : NULL;
	if (ring) {
		*ring++ = '\0';
		int r = wl_ring_by_name(ring);
		if (r < 0) {
			snprintf(err, errsize, "--cell: unknown ring variant '%s' (%s)", ring, faults_names(FN_RINGS, ", "));
			return -1;
		}
		c->ring = (enum wl_ring)r;
	}
	if (colon) {
		*colon = '\0';
		bool negative = colon[1] == '-';
		uint64_t fn;
		if (tb_parse_u64(colon + 1 + negative, 1, 4095, 0, &fn) < 0) {
			snprintf(err, errsize, "--cell: failnum must be a non-zero errno number, got '%s'", colon + 1);
			return -1;
		}
		c->failnum = negative ? -(int)fn : (int)fn;
	}
	if (tb_parse_double(rest, 0, 1, &c->prob) < 0 || c->prob == 0) {
		snprintf(err, errsize, "--cell: probability must be in (0, 1], got '%s'", rest);
		return -1;
	}
	if (!cell_point_applies(c)) {
		snprintf(err, errsize, "--cell: %s cannot fire in workload %s (it does not write)", point,
			 c->wl->name);
		return -1;
	}
	return 0;
}
