/*
 * urt-micro - a fixed amount of work through the runtime, for counting
 * instructions under valgrind (the regression gate, scripts/gate_instructions.py).
 *
 *   urt-micro CASE OPS
 *
 * Runs exactly OPS operations of one kind and prints what it did.  There is
 * no timing here on purpose: the gate runs each case twice (OPS and 2*OPS)
 * under callgrind and takes (Ir(2N) - Ir(N)) / N, so every fixed cost
 * (process start, urt_create, file setup, checks done once) cancels and
 * only the per-operation cost is left.  Anything done per operation that is
 * not the runtime (the PRNG for read offsets) is kept tiny for that reason.
 */
#define _GNU_SOURCE
#include "urt.h"
#include "build_stamp.h"
#include "workload_data.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEEP_QD 32
#define READ_BS 4096u
#define READ_FILE_BLOCKS 256u /* 1 MiB: stays in the page cache */
#define READ_SEED 0x75727431u
#define MAX_OPS 100000000ull

struct micro {
	uint64_t ops;        /* operations the whole case must run */
	uint64_t done;       /* operations completed, over all tasks */
	uint64_t failures;   /* operations that returned an error or short */
	int fd;              /* data file for the read cases */
	uint64_t prng;
	unsigned tasks;      /* tasks sharing the work (qd for the _urt cases) */
};

/* Splits ops over tasks so the total is exact whatever the remainder. */
static uint64_t share_of(const struct micro *m, unsigned task_index)
{
	uint64_t share = m->ops / m->tasks;
	if (task_index < m->ops % m->tasks)
		share++;
	return share;
}

struct task_arg {
	struct micro *m;
	unsigned index;
};

/* --- nop through urt: each task does one blocking-style op at a time --- */

static void nop_task(void *p)
{
	struct task_arg *a = p;
	uint64_t n = share_of(a->m, a->index);
	for (uint64_t i = 0; i < n; i++) {
		if (urt_nop() != 0)
			a->m->failures++;
		a->m->done++;
	}
}

/* --- nop through futures: one task keeps tasks futures in flight --- */

static void nop_futures_task(void *p)
{
	struct task_arg *a = p;
	struct micro *m = a->m;
	struct urt_future *ring[DEEP_QD];
	unsigned depth = m->tasks;
	uint64_t started = 0;
	for (; started < depth && started < m->ops; started++)
		if (urt_nop_async(&ring[started]) != 0) {
			m->failures++;
			return;
		}
	/* Await in issue order and refill the slot just freed: the queue
	 * depth stays constant until the tail. */
	for (uint64_t i = 0; i < m->ops; i++) {
		unsigned slot = (unsigned)(i % depth);
		if (urt_await(ring[slot]) != 0)
			m->failures++;
		m->done++;
		if (started < m->ops) {
			if (urt_nop_async(&ring[slot]) != 0) {
				m->failures++;
				return;
			}
			started++;
		}
	}
}

/* --- spawn + exit: a parent spawns one child at a time and yields to it --- */

static void empty_child(void *p)
{
	struct micro *m = p;
	m->done++;
}

static void spawner_task(void *p)
{
	struct task_arg *a = p;
	struct micro *m = a->m;
	for (uint64_t i = 0; i < m->ops; i++) {
		if (urt_spawn(urt_current(), empty_child, m) != 0) {
			m->failures++;
			return;
		}
		/* The child is behind us in the run queue: one yield lets it
		 * run to completion before the next spawn reuses its stack. */
		urt_yield();
	}
}

/* --- yield: two tasks hand the thread back and forth --- */

static void yield_task(void *p)
{
	struct task_arg *a = p;
	uint64_t n = share_of(a->m, a->index);
	for (uint64_t i = 0; i < n; i++) {
		urt_yield();
		a->m->done++;
	}
}

/* --- cached 4 KiB random reads of a small file --- */

static void randread_task(void *p)
{
	struct task_arg *a = p;
	struct micro *m = a->m;
	uint64_t n = share_of(m, a->index);
	static _Alignas(64) unsigned char bufs[DEEP_QD][READ_BS];
	unsigned char *buf = bufs[a->index];
	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = wd_below(&m->prng, READ_FILE_BLOCKS) * READ_BS;
		ssize_t got = urt_read(m->fd, buf, READ_BS, (off_t)off);
		if (got != (ssize_t)READ_BS)
			m->failures++;
		/* Checking every block would cost more than the read itself and
		 * swamp the count; the first read of each task proves the data. */
		else if (i == 0 && wd_pattern_check(buf, READ_BS, off, READ_SEED, NULL) != 0)
			m->failures++;
		m->done++;
	}
}

static int make_data_file(void)
{
	char path[] = "/tmp/urt-micro-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	unlink(path); /* gone at exit whatever happens */
	static unsigned char block[READ_BS];
	for (unsigned b = 0; b < READ_FILE_BLOCKS; b++) {
		wd_pattern_fill(block, READ_BS, (uint64_t)b * READ_BS, READ_SEED);
		if (pwrite(fd, block, READ_BS, (off_t)b * READ_BS) != (ssize_t)READ_BS) {
			int err = errno ? -errno : -EIO;
			close(fd);
			return err;
		}
	}
	return fd;
}

struct micro_case {
	const char *name;
	const char *what; /* printed, so the output says what was counted */
	void (*task)(void *);
	unsigned tasks;   /* tasks spawned at start (or queue depth for futures) */
	int needs_file;
};

static const struct micro_case cases[] = {
	{ "nop-urt-qd1", "urt_nop() from 1 task", nop_task, 1, 0 },
	{ "nop-urt-qd32", "urt_nop() from 32 tasks, one op each in flight", nop_task, DEEP_QD, 0 },
	{ "nop-futures-qd1", "urt_nop_async()+urt_await(), 1 in flight", nop_futures_task, 1, 0 },
	{ "nop-futures-qd32", "urt_nop_async()+urt_await(), 32 in flight from 1 task", nop_futures_task,
	  DEEP_QD, 0 },
	{ "spawn-exit", "urt_spawn() of an empty task + one urt_yield() to let it run and exit",
	  spawner_task, 1, 0 },
	{ "yield", "urt_yield() between 2 tasks", yield_task, 2, 0 },
	{ "randread-qd1", "urt_read() 4 KiB at random offsets of a cached 1 MiB file, 1 task",
	  randread_task, 1, 1 },
	{ "randread-qd32", "urt_read() 4 KiB at random offsets of a cached 1 MiB file, 32 tasks",
	  randread_task, DEEP_QD, 1 },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void usage(FILE *to)
{
	fprintf(to, "usage: urt-micro CASE OPS   (OPS 1..%llu)\n"
		    "       urt-micro --list | -h | --help | --version\ncases:\n", MAX_OPS);
	for (size_t i = 0; i < NCASES; i++)
		fprintf(to, "  %-18s %s\n", cases[i].name, cases[i].what);
}

static int parse_ops(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!s[0] || s[0] == '-')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v == 0 || v > MAX_OPS)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		build_stamp_print_version(stdout, "urt-micro", urt_version());
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < NCASES; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "urt-micro: expected CASE OPS (try --help)\n");
		return 2;
	}
	const struct micro_case *c = NULL;
	for (size_t i = 0; i < NCASES; i++)
		if (!strcmp(argv[1], cases[i].name))
			c = &cases[i];
	if (!c) {
		fprintf(stderr, "urt-micro: unknown case '%s' (try --list)\n", argv[1]);
		return 2;
	}
	struct micro m = { .tasks = c->tasks, .fd = -1, .prng = 1 };
	if (parse_ops(argv[2], &m.ops) < 0) {
		fprintf(stderr, "urt-micro: OPS must be an integer in 1..%llu, got '%s'\n", MAX_OPS, argv[2]);
		return 2;
	}
	if (c->needs_file) {
		m.fd = make_data_file();
		if (m.fd < 0) {
			fprintf(stderr, "urt-micro: cannot create the data file in /tmp: %s\n", strerror(-m.fd));
			return 1;
		}
	}

	struct urt *rt;
	int ret = urt_create(&rt, NULL);
	if (ret < 0) {
		fprintf(stderr, "urt-micro: urt_create: %s\n", strerror(-ret));
		return 1;
	}
	/* Futures: one task holding the whole depth.  Others: one task per slot. */
	unsigned spawn = c->task == nop_futures_task ? 1 : c->tasks;
	struct task_arg args[DEEP_QD];
	for (unsigned i = 0; i < spawn; i++) {
		args[i] = (struct task_arg){ .m = &m, .index = i };
		ret = urt_spawn(rt, c->task, &args[i]);
		if (ret < 0) {
			fprintf(stderr, "urt-micro: urt_spawn: %s\n", strerror(-ret));
			urt_destroy(rt);
			return 1;
		}
	}
	ret = urt_run(rt);
	struct urt_stats st;
	urt_get_stats(rt, &st);
	urt_destroy(rt);
	if (m.fd >= 0)
		close(m.fd);
	if (ret < 0) {
		fprintf(stderr, "urt-micro: urt_run: %s\n", strerror(-ret));
		return 1;
	}

	printf("urt-micro: case %s: %s\n", c->name, c->what);
	printf("urt-micro: ops %" PRIu64 " done %" PRIu64 " failures %" PRIu64 " | runtime: ops_completed %" PRIu64
	       " enter_calls %" PRIu64 " sqes_submitted %" PRIu64 " context_switches %" PRIu64
	       " tasks_spawned %" PRIu64 "\n",
	       m.ops, m.done, m.failures, st.ops_completed, st.enter_calls, st.sqes_submitted,
	       st.context_switches, st.tasks_spawned);
	if (m.done != m.ops || m.failures) {
		fprintf(stderr, "urt-micro: FAILED: %" PRIu64 " of %" PRIu64 " ops done, %" PRIu64 " failures\n",
			m.done, m.ops, m.failures);
		return 1;
	}
	return 0;
}
