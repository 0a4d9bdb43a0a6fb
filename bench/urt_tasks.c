/*
 * urt-tasks - measures what tasks cost: churn, timers and memory per task
 * (issue 13, items 2, 3 and 6).  bench/tasks.sh runs it and judges.
 *
 *   urt-tasks churn TOTAL ALIVE      TOTAL tasks, each yields once and returns,
 *                                    with up to ALIVE alive at once
 *   urt-tasks sleepers N SPAN_MS     N tasks sleep a random 0..SPAN_MS each
 *                                    (N = 0: 100 000, or without
 *                                    MADV_GUARD_INSTALL as many as
 *                                    vm.max_map_count allows)
 *   urt-tasks raw-timeouts N SPAN_MS the same N deadlines as plain liburing
 *                                    timeouts, for comparison
 *   urt-tasks memory STACK_KIB N     N idle tasks: RSS and mappings per task
 *
 * One line of results on stdout.  Exit 0 measured, 1 the run failed, 2 bad
 * arguments.
 */
#define _GNU_SOURCE
#include <urt.h>
#include "build_stamp.h"
#include "toolbox.h"

#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of the process (user + system): on a machine shared with other
 * jobs, wall time also counts the time they ran. */
static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int usage(const char *why)
{
	fprintf(stderr, "urt-tasks: %s (usage: urt-tasks churn TOTAL ALIVE | sleepers N SPAN_MS | "
			"raw-timeouts N SPAN_MS | memory STACK_KIB N)\n", why);
	return 2;
}

/* A positive decimal number up to max, else 0. */
static unsigned long number(const char *s, unsigned long max)
{
	uint64_t v;
	return tb_parse_u64(s, 1, max, 0, &v) < 0 ? 0 : (unsigned long)v;
}

static long file_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0;
	int c;
	while (f && (c = fgetc(f)) != EOF)
		n += c == '\n';
	if (f)
		fclose(f);
	return n;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* ---- churn ---- */

static struct urt *rt;
static unsigned long total, max_alive, alive, spawned, finished;
static int failed;

static void child(void *arg)
{
	(void)arg;
	urt_yield();
	alive--;
	finished++;
}

static void spawner(void *arg)
{
	(void)arg;
	while (spawned < total) {
		if (alive < max_alive) {
			int r = urt_spawn(rt, child, NULL);
			if (r < 0) {
				fprintf(stderr, "urt-tasks: urt_spawn: %s\n", strerror(-r));
				failed = 1;
				return;
			}
			spawned++;
			alive++;
		} else {
			urt_yield();
		}
	}
}

static int churn(unsigned long n, unsigned long a)
{
	total = n, max_alive = a;
	struct urt_config cfg = { .stack_size = 16 * 1024 };
	if (urt_create(&rt, &cfg) < 0)
		return 1;
	uint64_t t0 = now_ns();
	double c0 = cpu_s();
	if (urt_spawn(rt, spawner, NULL) < 0 || urt_run(rt) < 0 || failed || finished != total)
		return 1;
	double s = (double)(now_ns() - t0) / 1e9, cpu = cpu_s() - c0;
	struct urt_stats st;
	urt_get_stats(rt, &st);
	printf("churn: %lu tasks, up to %lu alive: %.3f s (%.0f ns per task), CPU %.3f s, %llu stacks mapped, %llu unmapped\n",
	       total, max_alive, s, s * 1e9 / (double)total, cpu, (unsigned long long)st.stacks_mapped,
	       (unsigned long long)st.stacks_unmapped);
	urt_destroy(rt);
	return 0;
}

/* ---- sleepers ---- */

static uint64_t *ns, *t_before, *t_woke;
static unsigned *slept_order, *woke_order;
static unsigned nslept, nwoke;
static uint64_t t_after_all;
static uint64_t spawn_ns;

static void sleeper(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	slept_order[nslept++] = i;
	t_before[i] = now_ns();
	if (urt_sleep(ns[i]) != 0)
		failed = 1;
	t_woke[i] = now_ns();
	woke_order[nwoke++] = i;
}

static void last(void *arg)
{
	(void)arg;
	t_after_all = now_ns();
}

static int alloc_deadlines(unsigned n, unsigned long span_ms)
{
	ns = calloc(n, sizeof *ns);
	t_before = calloc(n, sizeof *t_before);
	t_woke = calloc(n, sizeof *t_woke);
	slept_order = calloc(n, sizeof *slept_order);
	woke_order = calloc(n, sizeof *woke_order);
	if (!ns || !t_before || !t_woke || !slept_order || !woke_order)
		return -1;
	uint64_t x = 0x243f6a8885a308d3ull;
	for (unsigned i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		ns[i] = x % (span_ms * 1000000 + 1);
	}
	return 0;
}

/*
 * Each deadline lies in [lo, hi]: lo = the clock just before the sleep +
 * ns, hi = the clock of the next to go to sleep + ns (see the test
 * sleep_deadline_order).  A wake-up is out of order by more than 1 ms when
 * someone who woke earlier has lo more than 1 ms past its hi.  Lateness is
 * measured from lo (an upper bound).
 */
static void judge(const char *what, unsigned n, uint64_t timeouts)
{
	uint64_t *hi = calloc(n, sizeof *hi);
	if (!hi)
		return;
	for (unsigned k = 0; k < n; k++) {
		unsigned i = slept_order[k];
		hi[i] = (k + 1 < n ? t_before[slept_order[k + 1]] : t_after_all) + ns[i];
	}
	uint64_t max_lo = 0, worst = 0, sum = 0;
	unsigned out_of_order = 0, early = 0;
	for (unsigned k = 0; k < n; k++) {
		unsigned i = woke_order[k];
		uint64_t lo = t_before[i] + ns[i];
		if (max_lo > hi[i] + 1000000)
			out_of_order++;
		if (lo > max_lo)
			max_lo = lo;
		if (t_woke[i] < lo) {
			early++;
		} else {
			sum += t_woke[i] - lo;
			if (t_woke[i] - lo > worst)
				worst = t_woke[i] - lo;
		}
	}
	free(hi);
	/* No sleeper can wake before every one has gone to sleep (a pass of
	 * the loop is never interrupted): part of the lateness of the short
	 * sleeps. */
	printf("%s: %u sleepers: worst lateness %.2f ms, mean %.2f ms, %u woke more than 1 ms out of deadline order, %u early, %llu kernel timeouts, %.2f ms until all slept",
	       what, n, (double)worst / 1e6, (double)sum / 1e6 / n, out_of_order, early,
	       (unsigned long long)timeouts, (double)(t_after_all - t_before[slept_order[0]]) / 1e6);
}

/* Whether the kernel installs guard pages by madvise, as the runtime does
 * when it can (runtime/src/stack.c): then stacks cost no mapping of their
 * own, else two each. */
static int guard_madvise(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, (size_t)ps * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	int ok = madvise(p, (size_t)ps, MADV_GUARD_INSTALL) == 0;
	munmap(p, (size_t)ps * 2);
	return ok;
}

static unsigned sleepers_that_fit(void)
{
	if (guard_madvise())
		return 100000;
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long max = -1;
	if (f) {
		if (fscanf(f, "%ld", &max) != 1)
			max = -1;
		fclose(f);
	}
	long fit = max < 0 ? 100000 : (max - file_lines("/proc/self/maps") - 2000) / 2;
	return fit > 100000 ? 100000 : fit < 1 ? 1 : (unsigned)fit;
}

static int sleepers(unsigned n, unsigned long span_ms)
{
	if (n == 0)
		n = sleepers_that_fit();
	if (alloc_deadlines(n, span_ms) < 0)
		return 1;
	struct urt_config cfg = { .stack_size = 16 * 1024 };
	if (urt_create(&rt, &cfg) < 0)
		return 1;
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < n; i++)
		if (urt_spawn(rt, sleeper, (void *)(uintptr_t)i) < 0) {
			fprintf(stderr, "urt-tasks: urt_spawn failed at sleeper %u\n", i);
			return 1;
		}
	spawn_ns = now_ns() - t0;
	if (urt_spawn(rt, last, NULL) < 0 || urt_run(rt) < 0 || failed || nwoke != n)
		return 1;
	struct urt_stats st;
	urt_get_stats(rt, &st);
	judge("urt", n, st.ops_started);
	t0 = now_ns();
	urt_destroy(rt);
	printf(", spawned in %.1f ms (%.2f us per task), urt_destroy %.1f ms\n", (double)spawn_ns / 1e6,
	       (double)spawn_ns / 1e3 / n, (double)(now_ns() - t0) / 1e6);
	return 0;
}

/* The same deadlines as plain liburing timeouts, one per sleeper, all
 * submitted at once: the kernel's own lateness, for comparison. */
static int raw_timeouts(unsigned n, unsigned long span_ms)
{
	if (alloc_deadlines(n, span_ms) < 0)
		return 1;
	struct io_uring ring;
	if (io_uring_queue_init(4096, &ring, 0) < 0)
		return 1;
	struct __kernel_timespec *ts = calloc(n, sizeof *ts);
	if (!ts) {
		io_uring_queue_exit(&ring);
		return 1;
	}
	for (unsigned i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		if (!sqe) {
			io_uring_submit(&ring);
			sqe = io_uring_get_sqe(&ring);
		}
		ts[i].tv_sec = (long long)(ns[i] / 1000000000u);
		ts[i].tv_nsec = (long long)(ns[i] % 1000000000u);
		slept_order[i] = i;
		t_before[i] = now_ns();
		io_uring_prep_timeout(sqe, &ts[i], 0, 0);
		io_uring_sqe_set_data64(sqe, i);
		/* One submit each: the timeout starts between this t_before
		 * and the next one's, the bracket judge() assumes. */
		io_uring_submit(&ring);
	}
	t_after_all = now_ns();
	while (nwoke < n) {
		struct io_uring_cqe *cqe;
		if (io_uring_wait_cqe(&ring, &cqe) < 0) {
			free(ts);
			return 1;
		}
		unsigned i = (unsigned)cqe->user_data;
		t_woke[i] = now_ns();
		woke_order[nwoke++] = i;
		io_uring_cqe_seen(&ring, cqe);
	}
	judge("raw liburing", n, n);
	printf("\n");
	io_uring_queue_exit(&ring);
	free(ts); /* the kernel is done with every timespec: all n completed */
	return 0;
}

/* ---- memory ---- */

static unsigned started;
static long rss_idle;

static void idle_task(void *arg)
{
	unsigned long n = (unsigned long)(uintptr_t)arg;
	if (++started == n)
		rss_idle = rss_kib(); /* every task has run and waits, or is about to */
	urt_sleep(50 * 1000 * 1000);
}

static int memory(unsigned long stack_kib, unsigned long n)
{
	struct urt_config cfg = { .stack_size = stack_kib * 1024 };
	int r = urt_create(&rt, &cfg);
	if (r < 0) {
		fprintf(stderr, "urt-tasks: urt_create: %s\n", strerror(-r));
		return r == -EINVAL ? 2 : 1;
	}
	long rss0 = rss_kib(), maps0 = file_lines("/proc/self/maps");
	uint64_t t0 = now_ns();
	for (unsigned long i = 0; i < n; i++)
		if (urt_spawn(rt, idle_task, (void *)(uintptr_t)n) < 0)
			return 1;
	uint64_t spawn = now_ns() - t0;
	long rss_spawned = rss_kib(), maps = file_lines("/proc/self/maps");
	if (urt_run(rt) < 0)
		return 1;
	printf("memory: stack %lu KiB, %lu tasks: RSS per task %.2f KiB spawned, %.2f KiB idle (suspended in a sleep); %.4f mappings per task; spawn %.2f us per task\n",
	       stack_kib, n, (double)(rss_spawned - rss0) / (double)n, (double)(rss_idle - rss0) / (double)n,
	       (double)(maps - maps0) / (double)n, (double)spawn / 1e3 / (double)n);
	urt_destroy(rt);
	return 0;
}

static const char help[] =
	"usage: urt-tasks churn TOTAL ALIVE | sleepers N SPAN_MS | raw-timeouts N SPAN_MS | memory STACK_KIB N\n"
	"\n"
	"Measure what urt tasks cost; one line of results on stdout (bench/tasks.sh\n"
	"runs it and judges the numbers).\n"
	"\n"
	"  churn TOTAL ALIVE       TOTAL tasks (1..1e9), each yields once and returns,\n"
	"                          at most ALIVE (1..1000000) alive at once\n"
	"  sleepers N SPAN_MS      N tasks (1..1000000; 0 = 100000, or without\n"
	"                          MADV_GUARD_INSTALL as many as\n"
	"                          vm.max_map_count allows) sleep a random 0..SPAN_MS\n"
	"  raw-timeouts N SPAN_MS  the same N deadlines as plain liburing timeouts\n"
	"  memory STACK_KIB N      N idle tasks with STACK_KIB stacks: RSS and\n"
	"                          mappings per task\n"
	"  -h, --help              print this help and exit\n"
	"  --version               print the version and the git revision it was built from\n"
	"\n"
	"Exit status: 0 measured, 1 the run failed, 2 bad arguments.\n";

int main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(help, stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		build_stamp_print_version(stdout, "urt-tasks", urt_version());
		return 0;
	}
	if (argc != 4)
		return usage("three arguments expected");
	const char *mode = argv[1];
	if (!strcmp(mode, "churn")) {
		unsigned long n = number(argv[2], 1000000000ul), a = number(argv[3], 1000000);
		if (!n || !a)
			return usage("churn: TOTAL 1..1e9 and ALIVE 1..1000000");
		return churn(n, a);
	}
	if (!strcmp(mode, "sleepers") || !strcmp(mode, "raw-timeouts")) {
		unsigned long n = strcmp(argv[2], "0") ? number(argv[2], 1000000) : 0;
		unsigned long span = number(argv[3], 3600000);
		if ((!n && strcmp(argv[2], "0")) || !span || (!n && mode[0] == 'r'))
			return usage("N 1..1000000 (sleepers: 0 = 100000 or as many as fit) and SPAN_MS 1..3600000");
		return mode[0] == 's' ? sleepers((unsigned)n, span) : raw_timeouts((unsigned)n, span);
	}
	if (!strcmp(mode, "memory")) {
		unsigned long k = number(argv[2], 1024 * 1024), n = number(argv[3], 1000000);
		if (!k || !n)
			return usage("memory: STACK_KIB 16..1048576 and N 1..1000000");
		return memory(k, n);
	}
	return usage("unknown mode");
}
