/* A task that overflows its stack hits the guard page: the process dies with SIGSEGV instead of corrupting memory (run in a child). */
#include "check.h"
#include <urt.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static int depth(int n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	return n == 0 ? pad[0] : depth(n - 1) + pad[0];
}

static void overflow(void *arg)
{
	(void)arg;
	depth(1 << 20); /* 512 MiB of frames: far past any default stack */
}

static void fine(void *arg)
{
	(void)arg;
	CHECK(depth(50) >= 0); /* 25 KiB: fits */
}

int main(void)
{
	/* a deep-but-fitting recursion works */
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, fine, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);

	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		struct urt *crt;
		if (check_create(&crt, NULL) < 0)
			_exit(3);
		urt_spawn(crt, overflow, NULL);
		urt_run(crt);
		_exit(0); /* reaching here means the overflow went unnoticed */
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	if (WIFEXITED(status))
		fprintf(stderr, "child exited with %d\n", WEXITSTATUS(status));
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer catches the fault first, reports a stack overflow and aborts. */
	CHECK(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3));
	if (!WIFSIGNALED(status)) {
		printf("overflow caught by AddressSanitizer (exit %d)\n", WEXITSTATUS(status));
		return 0;
	}
	CHECK(WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS || WTERMSIG(status) == SIGABRT);
#else
	CHECK(WIFSIGNALED(status));
	CHECK(WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS);
#endif
	printf("overflow stopped by the guard page (signal %d)\n", WTERMSIG(status));
	return 0;
}
