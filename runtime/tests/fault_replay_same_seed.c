/* Replayable faults: the same seed fires urt/op/error on the same operations (same fault log) whatever the interleaving (ring size, batching vary); a different seed gives a different log. */
#include "check.h"
#include <urt.h>
#include <fcntl.h>
#include <fiu.h>
#include <fiu-control.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TASKS 32
#define READS 40
#define BLOCK 4096

static int filefd;
static char dir[64];

static void reader(void *arg)
{
	uintptr_t t = (uintptr_t)arg;
	char buf[2][BLOCK];
	for (int i = 0; i < READS; i += 2) {
		/* two futures in flight per task: 64 in all */
		struct urt_future *f[2];
		for (int k = 0; k < 2; k++)
			CHECK_EQ(urt_read_async(&f[k], filefd, buf[k], BLOCK, (off_t)(((t * READS + (unsigned)i + (unsigned)k) % 64) * BLOCK)), 0);
		for (int k = 0; k < 2; k++) {
			ssize_t r = urt_await(f[k]);
			CHECK(r == BLOCK || r == -EIO);
		}
		/* Jitter from the clock: the tasks' interleaving, and so the
		 * order in which operations start, differs from run to run. */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		/* A sleep is no operation: no fault point applies to it. */
		CHECK_EQ(urt_sleep((uint64_t)(ts.tv_nsec % 300) * 1000), 0);
	}
}

/* One run in a fresh process: its log, its own ring shape. */
static int run(const char *seed, int shape, const char *log)
{
	setenv("FIU_PRNG_SEED", seed, 1);
	setenv("URT_FAULT_LOG", log, 1);
	fiu_init(0);
	if (urt_fault_enable_random(URT_FAULT_OP_ERROR, 1, 0.05) != 0)
		return 3;
	static const unsigned entries[] = { 4, 8, 32, 256, 16 };
	static const unsigned batch[] = { 1, 0, 8, 0, 3 };
	struct urt *rt;
	struct urt_config cfg = { .entries = entries[shape], .submit_batch = batch[shape] };
	if (check_create(&rt, &cfg) != 0)
		return 4;
	for (uintptr_t t = 0; t < TASKS; t++)
		if (urt_spawn(rt, reader, (void *)t) != 0)
			return 5;
	if (urt_run(rt) != 0)
		return 6;
	struct urt_stats s;
	urt_get_stats(rt, &s);
	urt_destroy(rt);
	return s.faults[URT_FAULT_OP_ERROR] > 0 ? 0 : 7;
}

/* The log's lines, sorted (the order of firing follows the interleaving;
 * the set of fired faults must not). */
static char *sorted_log(const char *path)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "sort '%s'", path);
	FILE *f = popen(cmd, "r");
	CHECK(f != NULL);
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	CHECK(buf != NULL);
	size_t k;
	while ((k = fread(buf + n, 1, cap - n - 1, f)) > 0)
		n += k;
	buf[n] = 0;
	CHECK_EQ(pclose(f), 0);
	return buf;
}

static char *one(const char *seed, int shape, int idx)
{
	char log[128];
	snprintf(log, sizeof log, "%s/log%d", dir, idx);
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(run(seed, shape, log));
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st));
	if (WEXITSTATUS(st))
		fprintf(stderr, "run %d: exit %d\n", idx, WEXITSTATUS(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
	char *s = sorted_log(log);
	unlink(log);
	return s;
}

int main(void)
{
	if (urt_faults_arm(0) == -ENOTSUP)
		SKIP("fault points compiled out");
	snprintf(dir, sizeof dir, "/tmp/urt-replay-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	char path[128];
	snprintf(path, sizeof path, "%s/data", dir);
	filefd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(filefd >= 0);
	unlink(path);
	static char block[BLOCK];
	for (int i = 0; i < 64; i++) {
		memset(block, 'a' + i % 26, sizeof block);
		CHECK_EQ(write(filefd, block, sizeof block), sizeof block);
	}

	char *first = one("42", 0, 0);
	size_t lines = 0;
	for (const char *c = first; *c; c++)
		lines += *c == '\n';
	printf("seed 42: %zu faults of %d operations\n", lines, TASKS * READS);
	CHECK(lines > 0);
	for (int i = 1; i < 5; i++) {
		char *again = one("42", i, i);
		if (strcmp(first, again) != 0)
			fprintf(stderr, "run %d with the same seed fired different faults\n", i);
		CHECK(strcmp(first, again) == 0);
		free(again);
	}
	char *other = one("43", 0, 5);
	CHECK(strcmp(first, other) != 0);
	free(other);
	free(first);
	close(filefd);
	rmdir(dir);
	return 0;
}
