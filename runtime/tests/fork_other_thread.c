/*
 * fork() from another thread while urt_run runs: in the child no thread
 * runs the runtime (only the forking thread exists there), so the child's
 * urt_destroy of its inherited copy must free it, ring fd included (urt.h:
 * "only frees the child's memory"), although the copy says "running".
 * Before: it was refused as if a loop ran it, and the child kept the
 * parent's ring open.
 */
#include "check.h"
#include "watchdog.h"
#include <urt.h>

#include <dirent.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

static struct urt *rt;
static volatile int stop;

static int ring_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		char path[300], target[64];
		snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
		ssize_t len = readlink(path, target, sizeof target - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		if (strstr(target, "io_uring"))
			n++;
	}
	closedir(d);
	return n;
}

/* Keeps the loop running until main has forked. */
static void spinner(void *arg)
{
	(void)arg;
	while (!stop)
		CHECK_EQ(urt_nop(), 0);
}

static void *runner(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_run(rt), 0);
	return NULL;
}

int main(void)
{
	watchdog(30, "fork from another thread while urt_run runs");
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, spinner, NULL), 0);
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, runner, rt), 0);
	while (urt_cq_batches(rt) < 100) /* the loop is going round */
		usleep(1000);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int before = ring_fds();
		urt_destroy(rt);
		int after = ring_fds();
		if (before != 1 || after != 0) {
			fprintf(stderr, "child: io_uring fds before urt_destroy %d, after %d (want 1, 0)\n", before, after);
			_exit(1);
		}
		_exit(0);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	stop = 1;
	CHECK_EQ(pthread_join(th, NULL), 0);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
	urt_destroy(rt);
	printf("fork_other_thread: ok\n");
	return 0;
}
