/* urt_chain under the fault points, as the single calls: urt/op/error fails a link before the kernel sees it (the chain ends there, later links -ECANCELED and never run), urt/op/eagain is retried and then surfaces, urt/write/short makes the kernel write fewer bytes and ends the chain at that link. */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include <urt.h>
#include <fcntl.h>
#include <fiu.h>
#include <fiu-control.h>
#include <sys/stat.h>
#include <unistd.h>

static int out;

static void task(void *arg)
{
	(void)arg;
	char buf[64];
	memset(buf, 'x', sizeof buf);
	struct urt_chain_op ops[3] = {
		{ .opcode = URT_CHAIN_WRITE, .fd = out, .buf = buf, .len = sizeof buf, .off = 0, .res = 1234 },
		{ .opcode = URT_CHAIN_WRITE, .fd = out, .buf = buf, .len = sizeof buf, .off = 64, .res = 1234 },
		{ .opcode = URT_CHAIN_NOP, .res = 1234 },
	};
	struct urt_stats s0, s1;

	/* urt/op/error on every op: the first fails with -EIO, nothing runs. */
	CHECK_EQ(fiu_enable("urt/op/error", 1, NULL, 0), 0);
	CHECK_EQ(urt_chain(ops, 3), 0);
	CHECK_EQ(ops[0].res, -EIO);
	CHECK_EQ(ops[1].res, -ECANCELED);
	CHECK_EQ(ops[2].res, -ECANCELED);
	CHECK_EQ(fiu_disable("urt/op/error"), 0);
	struct stat st;
	CHECK_EQ(fstat(out, &st), 0);
	CHECK_EQ(st.st_size, 0);

	/* urt/op/eagain half the time: retried, every link completes. */
	urt_get_stats(urt_current(), &s0);
	CHECK_EQ(fiu_enable_random("urt/op/eagain", 1, NULL, 0, 0.5), 0);
	struct urt_chain_op nops[40];
	for (unsigned i = 0; i < 40; i++)
		nops[i] = (struct urt_chain_op){ .opcode = URT_CHAIN_NOP, .res = 1234 };
	CHECK_EQ(urt_chain(nops, 40), 40);
	for (unsigned i = 0; i < 40; i++)
		CHECK_EQ(nops[i].res, 0);
	urt_get_stats(urt_current(), &s1);
	CHECK(s1.op_retries > s0.op_retries);
	CHECK_EQ(fiu_disable("urt/op/eagain"), 0);

	/* Always: retried to the limit, then -EAGAIN ends the chain. */
	CHECK_EQ(fiu_enable("urt/op/eagain", 1, NULL, 0), 0);
	CHECK_EQ(urt_chain(ops, 3), 0);
	CHECK_EQ(ops[0].res, -EAGAIN);
	CHECK_EQ(ops[1].res, -ECANCELED);
	CHECK_EQ(fiu_disable("urt/op/eagain"), 0);

	/* urt/write/short: the kernel writes 1..63 bytes, the chain stops. */
	CHECK_EQ(fiu_enable("urt/write/short", 1, NULL, 0), 0);
	CHECK_EQ(urt_chain(ops, 3), 0);
	CHECK(ops[0].res >= 1 && ops[0].res < 64);
	CHECK_EQ(ops[1].res, -ECANCELED);
	CHECK_EQ(ops[2].res, -ECANCELED);
	CHECK_EQ(fiu_disable("urt/write/short"), 0);
	CHECK_EQ(fstat(out, &st), 0);
	CHECK_EQ(st.st_size, ops[0].res);

	/* Disarmed again: the whole chain. */
	CHECK_EQ(urt_chain(ops, 3), 3);
	CHECK_EQ(fstat(out, &st), 0);
	CHECK_EQ(st.st_size, 128);
}

int main(void)
{
	watchdog(30, "chains under fault points");
	if (urt_faults_arm(1) == -ENOTSUP)
		SKIP("fault points compiled out");
	fiu_init(0);
	char path[] = "/tmp/urt-chainf.XXXXXX";
	out = mkstemp(path);
	CHECK(out >= 0);
	unlink(path);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	close(out);
	urt_faults_arm(0);
	return 0;
}
