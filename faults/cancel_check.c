/*
 * cancel_check.c - --cancel-check: urt_cancel when submission fails, step by
 * step.  A read of a pipe nobody writes to can only end by cancellation, so
 * a cancel that is reported but never reaches the kernel shows as a hang
 * (the alarm turns it into a failure).
 *
 *  1. The SQ stays full (urt/get_sqe at 1.0): urt_cancel fails with -EBUSY,
 *     and so does a second try; once the SQ frees up, a third succeeds and
 *     the read ends with -ECANCELED.
 *  2. The submit fails for good (urt/submit, failnum EOPNOTSUPP): the
 *     runtime fails what was queued, but the cancel urt_cancel already
 *     accepted must survive to the next submit.
 */
#include "modes.h"

#include <errno.h>
#include <fiu.h>
#include <fiu-control.h>
#include <stdio.h>
#include <unistd.h>

#define ALARM_SECONDS 10

static unsigned checks, failures;

#define CHECK(cond, ...)                                                 \
	do {                                                             \
		checks++;                                                \
		if (!(cond)) {                                           \
			failures++;                                      \
			printf("cancel-check: FAIL line %d: ", __LINE__); \
			printf(__VA_ARGS__);                             \
			printf("\n");                                    \
		}                                                        \
	} while (0)

struct idle_pipe {
	int fd[2]; /* read end, write end; nobody writes */
};

/* A read that only cancellation can end, already handed to the kernel. */
static struct urt_future *start_idle_read(struct idle_pipe *p, char *buf, size_t len)
{
	struct urt_future *f = NULL;
	int ret = urt_read_async(&f, p->fd[0], buf, len, -1);
	CHECK(ret == 0, "urt_read_async returned %d", ret);
	urt_yield(); /* the executor polls the reactor between passes: submitted */
	return ret == 0 ? f : NULL;
}

static void sq_full_task(void *arg)
{
	char buf[8];
	struct urt_future *f = start_idle_read(arg, buf, sizeof(buf));
	if (!f)
		return;
	fiu_enable("urt/get_sqe", 1, NULL, 0);
	int c1 = urt_cancel(f);
	int c2 = urt_cancel(f);
	fiu_disable("urt/get_sqe");
	CHECK(c1 == -EBUSY, "urt_cancel with the SQ full returned %d, want -EBUSY", c1);
	CHECK(c2 == -EBUSY, "urt_cancel again with the SQ still full returned %d, want -EBUSY (not a false 0)", c2);
	int c3 = urt_cancel(f);
	CHECK(c3 == 0, "urt_cancel once the SQ had room returned %d", c3);
	ssize_t r = urt_await(f);
	CHECK(r == -ECANCELED, "the cancelled read ended with %zd, want -ECANCELED", r);
}

static void submit_fails_task(void *arg)
{
	char buf[8];
	struct urt_future *f = start_idle_read(arg, buf, sizeof(buf));
	if (!f)
		return;
	fiu_enable("urt/submit", EOPNOTSUPP, NULL, 0);
	int c = urt_cancel(f);
	CHECK(c == 0, "urt_cancel returned %d", c);
	/* The nop and the cancel are queued together; the submit fails. */
	int n = urt_nop();
	fiu_disable("urt/submit");
	CHECK(n == -EOPNOTSUPP, "a nop queued beside the cancel returned %d, want -EOPNOTSUPP", n);
	ssize_t r = urt_await(f);
	CHECK(r == -ECANCELED, "the cancelled read ended with %zd, want -ECANCELED", r);
}

static void run_case(const char *name, void (*fn)(void *))
{
	struct idle_pipe p;
	struct urt *rt = NULL;
	if (pipe(p.fd) != 0) {
		CHECK(0, "pipe failed");
		return;
	}
	int ret = urt_create(&rt, NULL);
	CHECK(ret == 0, "urt_create returned %d", ret);
	if (ret == 0) {
		CHECK(urt_spawn(rt, fn, &p) == 0, "urt_spawn failed");
		ret = urt_run(rt);
		CHECK(ret == 0, "%s: urt_run returned %d", name, ret);
		urt_destroy(rt);
	}
	close(p.fd[0]);
	close(p.fd[1]);
	printf("cancel-check: %s done\n", name);
}

int cancel_check_main(const struct suite_opts *so)
{
	(void)so;
	fiu_init(0);
	urt_faults_arm(1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(ALARM_SECONDS); /* a cancel that never happens hangs: fail instead */
	run_case("SQ full", sq_full_task);
	run_case("submit fails for good", submit_fails_task);
	alarm(0);
	urt_faults_arm(0);
	printf("cancel-check: %u checks, %u failed\n", checks, failures);
	return failures ? 1 : 0;
}
