/* A task that overflows its stack hits the guard page: the process dies with SIGSEGV instead of corrupting memory (run in a child).  Outside ASan, also: the fault lands in the page right below the overflowing stack, whose neighbour below is another task's stack (carved from the same mapping), with the guard installed by madvise(MADV_GUARD_INSTALL) and with the mprotect fallback (forced by mlockall(MCL_FUTURE): the kernel refuses guard markers in locked mappings). */
#define _GNU_SOURCE
#include "check.h"
#include <urt.h>

#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stack_maps.h"

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

#if !defined(__SANITIZE_ADDRESS__)
#define STACK (64 * 1024)
static volatile uintptr_t top; /* an address near the overflowing task's stack top */

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	/* The usable stack is STACK plus at most a page and the record's colour
	 * gap; the guard is the page below it.  Without a guard the recursion
	 * would run on through the neighbour's stack, at least STACK further. */
	uintptr_t a = (uintptr_t)si->si_addr;
	_exit(a < top && top - a >= STACK - 1024 && top - a <= STACK + 12 * 1024 ? 40 : 41);
}

static void overflow_measured(void *arg)
{
	(void)arg;
	char here;
	top = (uintptr_t)&here;
	depth(1 << 20);
}

static void nothing(void *arg)
{
	(void)arg;
}

/* In a child: exits 40 if the overflow faulted in the guard page, 41 if
 * elsewhere, 0 if not at all, 3 if it could not run, 77 if the fallback
 * could not be forced. */
static void guard_child(int fallback)
{
	signal(SIGSEGV, SIG_DFL);
	if (fallback && mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0)
		_exit(77);
	static char alt[64 * 1024];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt };
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK };
	if (sigaltstack(&ss, NULL) != 0 || sigaction(SIGSEGV, &sa, NULL) != 0)
		_exit(3);
	struct urt *crt;
	struct urt_config cfg = { .stack_size = STACK };
	if (check_create(&crt, &cfg) < 0)
		_exit(3);
	long maps0 = stack_maps_count();
	/* Neighbours first: carved below the overflowing task's stack. */
	for (int i = 0; i < 8; i++)
		if (urt_spawn(crt, nothing, NULL) < 0)
			_exit(3);
	if (urt_spawn(crt, overflow_measured, NULL) < 0)
		_exit(3);
	long per9 = stack_maps_count() - maps0;
	/* Proof that the fallback was taken: its mprotect splits the mapping
	 * around every guard, two mappings per stack (stack_maps_per_task
	 * checks that the default adds none). */
	if (fallback && per9 < 18) {
		fprintf(stderr, "9 stacks added %ld mappings\n", per9);
		_exit(3);
	}
	urt_run(crt);
	_exit(0);
}

static void check_guard_address(int fallback)
{
	fflush(stdout); /* the child must not print it again */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		guard_child(fallback);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	if (fallback && WEXITSTATUS(status) == 77) {
		printf("mprotect fallback not exercised: mlockall refused\n");
		return;
	}
	fprintf(stderr, "%s guard: child exit %d\n", fallback ? "mprotect" : "default", WEXITSTATUS(status));
	CHECK_EQ(WEXITSTATUS(status), 40);
	printf("%s guard: the overflow faulted in the page below its stack\n", fallback ? "mprotect" : "default");
}
#endif

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
	check_guard_address(0);
	check_guard_address(1);
#endif
	printf("overflow stopped by the guard page (signal %d)\n", WTERMSIG(status));
	return 0;
}
