/* After fork() the child's copy of a runtime never disturbs the parent's: every call on it is -ECHILD, its urt_destroy only frees memory, and the parent's operations in flight complete normally. */
#include "check.h"
#include <urt.h>

#include <sys/wait.h>
#include <unistd.h>

static struct urt *rt;
static int p[2], q[2];
static char got[8];
static ssize_t got_n = -1;

static void reader(void *arg)
{
	(void)arg;
	got_n = urt_read(p[0], got, sizeof got, -1);
}

static void noop(void *arg)
{
	(void)arg;
}

/* Child side, inside a task of the inherited runtime. */
static void forker(void *arg)
{
	(void)arg;
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int bad = 0;
		char c;
		bad |= urt_nop() != -ECHILD;
		bad |= urt_read(q[0], &c, 1, -1) != -ECHILD;
		struct urt_future *f;
		bad |= urt_nop_async(&f) != -ECHILD;
		bad |= urt_sleep(1) != -ECHILD;
		bad |= urt_spawn(rt, noop, NULL) != -ECHILD;
		urt_destroy(rt); /* from a task: refused, and no harm */
		_exit(bad ? 1 : 0);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
	CHECK_EQ(urt_nop(), 0); /* the parent's runtime still works */
}

int main(void)
{
	alarm(60); /* a hang is a failure */
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(pipe(q), 0);
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, reader, NULL), 0);
	/* One step: the read is in the kernel, waiting for data. */
	CHECK_EQ(urt_run_once(rt), 1);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int bad = 0;
		bad |= urt_run_once(rt) != -ECHILD;
		bad |= urt_run(rt) != -ECHILD;
		bad |= urt_spawn(rt, noop, NULL) != -ECHILD;
		int fd = 0;
		bad |= urt_register_files(rt, &fd, 1) != -ECHILD;
		urt_destroy(rt); /* memory only: no cancel through the shared ring */
		_exit(bad ? 1 : 0);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
	CHECK_EQ(urt_spawn(rt, forker, NULL), 0);
	CHECK_EQ(write(p[1], "data", 4), 4);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(got_n, 4);
	CHECK(memcmp(got, "data", 4) == 0);
	urt_destroy(rt);
	return 0;
}
