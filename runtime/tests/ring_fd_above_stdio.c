/* A process started with fds 0, 1 and 2 closed: urt_create keeps its ring off them, so urt_read(0, ...) reads what the program put on fd 0. */
#include "check.h"
#include <urt.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static int result = 1;

static void task(void *arg)
{
	(void)arg;
	char buf[8] = { 0 };
	ssize_t r = urt_read(0, buf, sizeof buf, -1);
	result = (r == 5 && memcmp(buf, "hello", 5) == 0) ? 0 : 1;
}

/* In the child: stdio closed, errors reported by exit code only. */
static int child(int report)
{
	struct urt *rt;
	if (urt_create(&rt, NULL) < 0)
		return 10;
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			return 11 + fd; /* the runtime took a standard fd */
	/* Now give the program a stdin of its own. */
	int p[2];
	if (pipe(p) < 0)
		return 20;
	if (p[0] != 0 && (dup2(p[0], 0) < 0 || close(p[0]) < 0))
		return 21;
	if (write(p[1], "hello", 5) != 5)
		return 22;
	close(p[1]);
	if (urt_spawn(rt, task, NULL) < 0 || urt_run(rt) < 0)
		return 23;
	urt_destroy(rt);
	(void)report;
	return result ? 24 : 0;
}

int main(void)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(0), close(1), close(2);
		_exit(child(0));
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st));
	if (WEXITSTATUS(st))
		fprintf(stderr, "child failed with code %d (11-13: ring on fd 0-2)\n", WEXITSTATUS(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
	return 0;
}
