/* urt_destroy with operations in flight: reads blocked on pipes (alone and inside a chain) and long sleeps are cancelled and drained before any memory is freed (run under ASan and Valgrind). */
#include "check.h"
#include <urt.h>

#include <unistd.h>

static int p[2];

static void blocked_reader(void *arg)
{
	(void)arg;
	static char buf[4][64];
	static int n;
	/* never completes: the pipe stays empty; the task never returns */
	urt_read(p[0], buf[n++ % 4], 64, -1);
	CHECK(!"unreachable: destroy must not resume the task");
}

/* Blocked in the middle of a chain: a nop done, a read of the empty pipe
 * waiting, a nop after it not started. */
static void chained_reader(void *arg)
{
	(void)arg;
	static char buf[4][64];
	static int n;
	struct urt_chain_op ops[3] = {
		{ .opcode = URT_CHAIN_NOP },
		{ .opcode = URT_CHAIN_READ, .fd = p[0], .buf = buf[n++ % 4], .len = 64, .off = -1 },
		{ .opcode = URT_CHAIN_NOP },
	};
	urt_chain(ops, 3);
	CHECK(!"unreachable: destroy must not resume the task");
}

static void sleeper(void *arg)
{
	(void)arg;
	urt_sleep(3600ull * 1000000000ull);
	CHECK(!"unreachable");
}

static void orphan_futures(void *arg)
{
	(void)arg;
	static char buf[8][32];
	struct urt_future *f;
	for (int i = 0; i < 8; i++)
		CHECK_EQ(urt_read_async(&f, p[0], buf[i], sizeof buf[i], -1), 0);
	/* returns without awaiting: the futures are still in the kernel */
}

int main(void)
{
	CHECK(pipe(p) == 0);
	/* 1: destroy after run with orphaned futures in flight */
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(check_maybe_register(rt, p, 2), 0);
	CHECK_EQ(urt_spawn(rt, orphan_futures, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);

	/* 2: destroy while tasks wait in the kernel: one step of the loop starts them all */
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(check_maybe_register(rt, p, 2), 0);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(urt_spawn(rt, blocked_reader, NULL), 0);
		CHECK_EQ(urt_spawn(rt, sleeper, NULL), 0);
		CHECK_EQ(urt_spawn(rt, chained_reader, NULL), 0);
	}
	CHECK_EQ(urt_run_once(rt), 12); /* 12 tasks still live */
	urt_destroy(rt);

	/* 3: destroy a runtime whose tasks never ran */
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(check_maybe_register(rt, p, 2), 0);
	CHECK_EQ(urt_spawn(rt, sleeper, NULL), 0);
	urt_destroy(rt);
	close(p[0]);
	close(p[1]);
	return 0;
}
