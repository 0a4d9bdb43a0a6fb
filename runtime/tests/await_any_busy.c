/* A future has one waiter: urt_await_any / urt_await_all on a future another task is awaiting answer -EBUSY and leave it to that task (it used to be taken away, and that task slept for ever). */
#include "check.h"
#include "watchdog.h"
#include <urt.h>

#include <unistd.h>

static int p[2];
static struct urt_future *shared;
static char byte;
static ssize_t b_result = 99;

static void awaiter(void *arg)
{
	(void)arg;
	b_result = urt_await(shared); /* first in: it owns the wait */
}

static void thief(void *arg)
{
	(void)arg;
	urt_yield(); /* let awaiter block on the future first */
	CHECK_EQ(urt_await_any(&shared, 1), -EBUSY);
	ssize_t results[1] = { 42 };
	CHECK_EQ(urt_await_all(&shared, 1, results), -EBUSY);
	CHECK_EQ(results[0], 42); /* nothing awaited */
	CHECK_EQ(urt_future_done(shared), 0);
	CHECK_EQ(write(p[1], "x", 1), 1); /* now let it complete */
}

static void starter(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_read_async(&shared, p[0], &byte, 1, -1), 0);
	CHECK_EQ(urt_spawn(urt_current(), awaiter, NULL), 0);
	CHECK_EQ(urt_spawn(urt_current(), thief, NULL), 0);
}

int main(void)
{
	watchdog(20, "await_any_busy");
	CHECK_EQ(pipe(p), 0);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, starter, NULL), 0);
	CHECK_EQ(urt_run(rt), 0); /* -EDEADLK when the awaiter was robbed */
	CHECK_EQ(b_result, 1);
	CHECK_EQ(byte, 'x');
	urt_destroy(rt);
	return 0;
}
