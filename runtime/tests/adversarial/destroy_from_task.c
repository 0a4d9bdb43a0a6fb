/* urt_destroy called from inside a task (on its own runtime) never crashes: it is refused or deferred, and the program goes on. */
#include "adv.h"

#include <sys/wait.h>

static int after;

static void suicidal(void *arg)
{
	(void)arg;
	urt_destroy(urt_current());
	/* still on a valid stack, the runtime still usable from here */
	after = urt_nop() == 0;
}

static void bystander(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_sleep(1000 * 1000), 0);
}

int main(void)
{
	adv_watchdog(20, "destroy_from_task");
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct urt *rt;
		CHECK_EQ(urt_create(&rt, NULL), 0);
		CHECK_EQ(urt_spawn(rt, bystander, NULL), 0);
		CHECK_EQ(urt_spawn(rt, suicidal, NULL), 0);
		int r = urt_run(rt);
		fprintf(stderr, "urt_run after an in-task urt_destroy: %d, the task's next nop %s\n", r,
			after ? "worked" : "failed");
		CHECK(after);
		/* refused: the runtime is still ours to destroy */
		urt_destroy(rt);
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (WIFSIGNALED(st))
		fprintf(stderr, "child killed by signal %d\n", WTERMSIG(st));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return 0;
}
