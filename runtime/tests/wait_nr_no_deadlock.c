/* wait_nr >= 2 never waits for a completion that needs a task to run first (two dependent pipe reads, the first fed by another process). */
#include "check.h"
#include "watchdog.h"
#include <urt.h>
#include <sys/wait.h>
#include <unistd.h>

static int p[2], q[2];
static int got_a, got_b;

static void task_a(void *arg)
{
	(void)arg;
	char c;
	CHECK_EQ(urt_read(p[0], &c, 1, -1), 1); /* only B's write can satisfy this */
	CHECK_EQ(c, 'p');
	got_a = 1;
}

static void task_b(void *arg)
{
	(void)arg;
	char c;
	CHECK_EQ(urt_read(q[0], &c, 1, -1), 1);
	CHECK_EQ(c, 'q');
	CHECK_EQ(urt_write(p[1], "p", 1, -1), 1);
	got_b = 1;
}

/* The other writer is a process, not a thread: under Valgrind a thread
 * blocked in io_uring_enter holds Valgrind's lock and no other runs. */
static pid_t writer(unsigned delay_us)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		usleep(delay_us);
		_exit(write(q[1], "q", 1) == 1 ? 0 : 1);
	}
	return pid;
}

static void round_with(unsigned wait_nr, unsigned delay_us)
{
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(pipe(q), 0);
	got_a = got_b = 0;
	struct urt *rt;
	struct urt_config cfg = { .wait_nr = wait_nr };
	CHECK_EQ(check_create(&rt, &cfg), 0);
	CHECK_EQ(urt_spawn(rt, task_a, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task_b, NULL), 0);
	pid_t pid = writer(delay_us);
	CHECK_EQ(urt_run(rt), 0);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(got_a && got_b);
	urt_destroy(rt);
	close(p[0]), close(p[1]), close(q[0]), close(q[1]);
}

int main(void)
{
	watchdog(20, "urt_run with wait_nr >= 2 and dependent completions");
	/* The writer fires both before and after the loop has gone to sleep. */
	unsigned waits[] = { 2, 3, 8, 64 };
	for (unsigned i = 0; i < sizeof waits / sizeof waits[0]; i++) {
		round_with(waits[i], 0);
		round_with(waits[i], 20 * 1000);
	}
	return 0;
}
