/*
 * faults.c - libfiu fault points.  fiu_fail() takes a lock and a hash
 * lookup (about 35 ns) even when nothing is enabled, so every point first
 * tests urt__faults_armed: disarmed, a point is one predictable branch.
 *
 * Replayable decisions.  libfiu decides a point enabled with enable_random
 * by drawing from one global PRNG, so whether an operation's fault fires
 * depends on how many draws came before it: on the completion order.  For
 * our points the runtime decides instead, from a hash of (seed, point, the
 * operation's identity): the task (numbered 1, 2, ... in spawn order), the
 * task's operation number and the operation's retry count.  The same seed
 * then fires the same faults on the same operations whatever the
 * interleaving.  libfiu still decides WHETHER a point is enabled: the
 * runtime registers its decision with fiu_enable_external (so fiu_disable,
 * fiu-ctrl and fiu-ls keep working) for
 *   - every "enable_random" of an urt/ point in FIU_ENABLE (what fiu-run
 *     passes), re-registered when a runtime is created, and
 *   - urt_fault_enable_random() calls.
 * Points enabled with plain fiu_enable (always) or fiu_enable_random by the
 * program itself keep libfiu's own decision.  The seed is FIU_PRNG_SEED at
 * the time of registration.  Points without an operation (urt/submit, and
 * urt/alloc outside a task) use a per-runtime count of their evaluations as
 * the identity, which is as repeatable as the program's submit pattern.
 *
 * URT_FAULT_LOG=path appends one line per injected fault:
 * "point task op retry attempt" (task 0: outside any task; attempt counts
 * the evaluations of that point for that same operation and retry, as a
 * retry loop makes them).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef URT_FAULT_POINTS
#include <fiu.h>
#include <fiu-control.h>
#endif

int urt__faults_armed;

static const char *const fault_names[URT_FAULT_COUNT] = {
	[URT_FAULT_SUBMIT] = "urt/submit",
	[URT_FAULT_GET_SQE] = "urt/get_sqe",
	[URT_FAULT_READ_SHORT] = "urt/read/short",
	[URT_FAULT_WRITE_SHORT] = "urt/write/short",
	[URT_FAULT_OP_EAGAIN] = "urt/op/eagain",
	[URT_FAULT_OP_ERROR] = "urt/op/error",
	[URT_FAULT_ALLOC] = "urt/alloc",
};

const char *urt_fault_name(enum urt_fault_point p)
{
	return (unsigned)p < URT_FAULT_COUNT ? fault_names[p] : NULL;
}

#ifdef URT_FAULT_POINTS
/* The identity of the decision in progress: fiu_fail calls decide() on
 * this thread, synchronously. */
struct identity {
	uint32_t task;
	uint64_t op;
	uint32_t retry;
	uint32_t attempt; /* evaluations of this point with this identity before */
};
static __thread struct identity current;

/* Per point, the identity it was last evaluated with.  A retry loop that
 * asks the same point again for the same operation (get_sqe, submit and
 * alloc retry up to URT__MAX_RETRIES times) must get a fresh decision each
 * time, or a fault that fires once would fire every time and turn a
 * transient failure into a permanent one.  The attempt number tells those
 * evaluations apart; it restarts when the identity changes. */
static __thread struct identity last_seen[URT_FAULT_COUNT];

/* Per point: the probability and seed of a replayable decision.  Written
 * when registered (before the runtime runs), read by decide(). */
static double det_prob[URT_FAULT_COUNT];
static uint64_t det_seed[URT_FAULT_COUNT];

static uint64_t mix(uint64_t x)
{
	/* splitmix64's finaliser: every input bit moves every output bit. */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t identity_hash(uint64_t seed, unsigned point, uint64_t salt, const struct identity *id)
{
	uint64_t h = mix(seed ^ mix(point + 1));
	h = mix(h ^ salt);
	h = mix(h ^ id->task);
	h = mix(h ^ id->op);
	h = mix(h ^ id->retry);
	return mix(h ^ id->attempt);
}

static uint64_t env_seed(void)
{
	const char *s = getenv("FIU_PRNG_SEED");
	return s ? strtoull(s, NULL, 10) : 0;
}

static int point_by_name(const char *name)
{
	for (int i = 0; i < URT_FAULT_COUNT; i++)
		if (!strcmp(name, fault_names[i]))
			return i;
	return -1;
}

/* libfiu's external callback: fire with the point's probability, decided
 * by the identity alone. */
static int decide(const char *name, int *failnum, void **failinfo, unsigned int *flags)
{
	(void)failnum, (void)failinfo, (void)flags;
	int p = point_by_name(name);
	if (p < 0)
		return 0;
	uint64_t h = identity_hash(det_seed[p], (unsigned)p, 0, &current);
	return (double)(h >> 11) * 0x1p-53 < det_prob[p];
}

static int enable_replayable(int p, int failnum, unsigned flags, double probability)
{
	if (fiu_init(0) != 0)
		return -ENOMEM;
	det_prob[p] = probability;
	det_seed[p] = env_seed();
	/* Enabling a point that is already enabled makes libfiu keep a second
	 * copy of its name that it never frees (each urt_create re-registers
	 * fiu-run's points): take the old one away first. */
	fiu_disable(fault_names[p]);
	return fiu_enable_external(fault_names[p], failnum, NULL, flags, decide) == 0 ? 0 : -ENOMEM;
}

int urt_fault_enable_random(enum urt_fault_point p, int failnum, double probability)
{
	if ((unsigned)p >= URT_FAULT_COUNT || failnum == 0 || !(probability >= 0.0 && probability <= 1.0))
		return -EINVAL;
	int ret = enable_replayable((int)p, failnum, 0, probability);
	if (ret == 0)
		urt_faults_arm(1);
	return ret;
}

/* Re-registers FIU_ENABLE's "enable_random name=urt/...,probability=P
 * [,failnum=F][,onetime]" lines (fiu-run's syntax, one command a line) as
 * replayable decisions.  A name ending in '*' covers our points it matches. */
static void replayable_from_env(void)
{
	const char *env = getenv("FIU_ENABLE");
	if (!env || !*env)
		return;
	char *copy = strdup(env);
	if (!copy)
		return;
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, "enable_random", 13) != 0 || (line[13] != ' ' && line[13] != '\t'))
			continue;
		char *name = NULL;
		int failnum = 1;
		unsigned flags = 0;
		double prob = -1;
		char *psave = NULL;
		for (char *kv = strtok_r(line + 14, ", \t", &psave); kv; kv = strtok_r(NULL, ", \t", &psave)) {
			if (!strncmp(kv, "name=", 5))
				name = kv + 5;
			else if (!strncmp(kv, "probability=", 12))
				prob = strtod(kv + 12, NULL);
			else if (!strncmp(kv, "failnum=", 8))
				failnum = atoi(kv + 8);
			else if (!strcmp(kv, "onetime"))
				flags |= FIU_ONETIME;
		}
		if (!name || !(prob >= 0.0 && prob <= 1.0))
			continue;
		size_t n = strlen(name);
		bool wild = n > 0 && name[n - 1] == '*';
		for (int p = 0; p < URT_FAULT_COUNT; p++)
			if (wild ? !strncmp(fault_names[p], name, n - 1) : !strcmp(fault_names[p], name))
				enable_replayable(p, failnum, flags, prob);
	}
	free(copy);
}

static int log_fd = -1;

/* URT_FAULT_LOG: one line per injected fault, appended with one write so
 * that several processes can share a log. */
static void log_fault(enum urt_fault_point p, const struct identity *id)
{
	if (log_fd == -1) {
		const char *path = getenv("URT_FAULT_LOG");
		int fd = path && *path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
		log_fd = fd >= 0 ? fd : -2;
	}
	if (log_fd < 0)
		return;
	char line[128];
	int n = snprintf(line, sizeof(line), "%s %u %llu %u %u\n", fault_names[p], id->task,
			 (unsigned long long)id->op, id->retry, id->attempt);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!write(log_fd, line, (size_t)n);
}

static int fire(struct urt *rt, enum urt_fault_point p, int default_errno, struct identity *id)
{
	int saved = errno;
	struct identity *last = &last_seen[p];
	if (last->task == id->task && last->op == id->op && last->retry == id->retry)
		id->attempt = last->attempt + 1;
	*last = *id;
	current = *id;
	int failnum = fiu_fail(fault_names[p]);
	if (failnum) {
		if (rt)
			rt->stats.faults[p]++;
		log_fault(p, id);
	}
	errno = saved;
	if (!failnum)
		return 0;
	/* failnum 1 is libfiu's default: it means "the point's own error". */
	return failnum == 1 ? default_errno : abs(failnum);
}

int urt__fault_fire(struct urt *rt, enum urt_fault_point p, int default_errno)
{
	/* No operation yet: inside a task, the operation it is about to start
	 * (urt/alloc of a future); elsewhere, this point's evaluation count. */
	struct identity id = { 0, 0, 0, 0 };
	struct urt__task *self = urt__self;
	if (self && self->rt == rt) {
		id.task = self->id;
		id.op = self->op_seq;
	} else if (rt) {
		id.op = rt->fault_calls[p]++;
	}
	return fire(rt, p, default_errno, &id);
}

int urt__fault_fire_op(struct urt *rt, const struct urt__op *op, enum urt_fault_point p, int default_errno)
{
	struct identity id = { op->task_id, op->seq, op->retries, 0 };
	return fire(rt, p, default_errno, &id);
}

uint64_t urt__fault_rand(const struct urt__op *op, enum urt_fault_point p)
{
	struct identity id = { op->task_id, op->seq, op->retries, 0 };
	return identity_hash(det_seed[p] ? det_seed[p] : env_seed(), (unsigned)p, 0x6c656e67746873ull, &id);
}

void urt__faults_arm_from_env(void)
{
	/* fiu-run passes its enable list and control FIFO through these. */
	if (getenv("FIU_ENABLE") || getenv("FIU_CTRL_FIFO")) {
		replayable_from_env();
		__atomic_store_n(&urt__faults_armed, 1, __ATOMIC_RELAXED);
		/* urt_create from a task re-arms: its own runtime sees it at once
		 * (urt_faults_arm below). */
		if (urt__rt)
			urt__sq_stop_refresh(urt__rt);
	}
}

int urt_faults_arm(int on)
{
	int was = __atomic_exchange_n(&urt__faults_armed, on ? 1 : 0, __ATOMIC_RELAXED);
	/* The fast start tests only rt->sq_stop (internal.h:
	 * urt__sq_stop_refresh): the runtime this thread is running sees the
	 * change from its next operation on. */
	if (urt__rt)
		urt__sq_stop_refresh(urt__rt);
	return was;
}
#else
int urt__fault_fire(struct urt *rt, enum urt_fault_point p, int default_errno)
{
	(void)rt, (void)p, (void)default_errno;
	return 0;
}

int urt__fault_fire_op(struct urt *rt, const struct urt__op *op, enum urt_fault_point p, int default_errno)
{
	(void)rt, (void)op, (void)p, (void)default_errno;
	return 0;
}

uint64_t urt__fault_rand(const struct urt__op *op, enum urt_fault_point p)
{
	(void)op, (void)p;
	return 0;
}

void urt__faults_arm_from_env(void)
{
}

int urt_faults_arm(int on)
{
	(void)on;
	return -ENOTSUP;
}

int urt_fault_enable_random(enum urt_fault_point p, int failnum, double probability)
{
	(void)p, (void)failnum, (void)probability;
	return -ENOTSUP;
}
#endif
