/* fork() with operations in flight: the child's urt_destroy releases memory only and its other use of the inherited runtime fails clearly; the parent's operations are never cancelled or broken. */
#include "adv.h"

#include <sys/wait.h>

static int p[2];
static char got[8];
static ssize_t got_res = -12345;

static void reader(void *arg)
{
	(void)arg;
	got_res = urt_read(p[0], got, sizeof got, -1);
	/* and the next operations work too */
	CHECK_EQ(urt_nop(), 0);
	CHECK_EQ(urt_sleep(1000), 0);
}

static void child_task(void *arg)
{
	(void)arg;
	urt_nop();
}

/* mode 0: the child destroys the inherited runtime; mode 1: the child
 * tries to use it (spawn + run) and must be refused. */
static void round_with(int mode)
{
	CHECK(pipe(p) == 0);
	struct urt *rt;
	CHECK_EQ(urt_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, reader, NULL), 0);
	CHECK_EQ(urt_run_once(rt), 1); /* the read is in the kernel, blocked on the empty pipe */
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		alarm(10);
		if (mode == 0) {
			urt_destroy(rt);
			_exit(0);
		}
		int s = urt_spawn(rt, child_task, NULL);
		int r = urt_run(rt);
		int o = urt_run_once(rt);
		/* 3: the child was allowed to drive the parent's ring */
		_exit(s < 0 || (r < 0 && o < 0) ? 0 : 3);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "mode %d: child %s %d\n", mode, WIFEXITED(st) ? "exited" : "killed by signal",
			WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* the parent's read is still pending and gets the byte */
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(got_res, 1);
	CHECK_EQ(got[0], 'x');
	urt_destroy(rt);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	adv_watchdog(20, "fork_child");
	round_with(0);
	round_with(1);
	return 0;
}
