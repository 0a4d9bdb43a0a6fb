/* urt_set_op_timeout: a recv on an empty socketpair returns -ETIMEDOUT after the timeout; urt_cancel still gives -ECANCELED; -EPERM outside a task. */
#include "check.h"
#include "watchdog.h"
#include <urt.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int sv[2];

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void task(void *arg)
{
	(void)arg;
	char buf[16];
	CHECK_EQ(urt_set_op_timeout(50 * 1000 * 1000), 0);
	CHECK_EQ(urt_set_op_timeout(50 * 1000 * 1000), 50 * 1000 * 1000); /* the previous value */
	uint64_t t0 = now_ns();
	CHECK_EQ(urt_recv(sv[0], buf, sizeof buf, 0), -ETIMEDOUT);
	/* Not a speed check: only that it did wait for the timeout at all. */
	CHECK(now_ns() - t0 >= 40 * 1000 * 1000);

	/* A future too; its record lives until both completions are in. */
	struct urt_future *f;
	CHECK_EQ(urt_read_async(&f, sv[0], buf, sizeof buf, -1), 0);
	CHECK_EQ(urt_await(f), -ETIMEDOUT);

	/* urt_cancel on a timed operation is still a cancel. */
	CHECK_EQ(urt_set_op_timeout(10ull * 1000 * 1000 * 1000), 50 * 1000 * 1000);
	CHECK_EQ(urt_read_async(&f, sv[0], buf, sizeof buf, -1), 0);
	urt_yield();
	CHECK_EQ(urt_cancel(f), 0);
	CHECK_EQ(urt_await(f), -ECANCELED);

	/* Off again: the next read waits for its data. */
	CHECK_EQ(urt_set_op_timeout(0), INT32_MAX); /* 10 s, clamped */
	CHECK_EQ(write(sv[1], "abc", 3), 3);
	CHECK_EQ(urt_recv(sv[0], buf, sizeof buf, 0), 3);
}

int main(void)
{
	watchdog(30, "an operation with a timeout");
	CHECK_EQ(urt_set_op_timeout(1000), -EPERM);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	close(sv[0]), close(sv[1]);
	return 0;
}
