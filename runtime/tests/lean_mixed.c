/*
 * Review reproducer (review2, 6635d51): urt__cq_deliver trusts a blocking
 * call's lean record (its waiter is its task, BLOCKED; debug builds trap
 * otherwise).  Here many tasks interleave, in the same CQ passes, blocking
 * calls (lean NOP/READ/WRITE, READV), futures whose completions take the
 * ordinary dispatch (errors, cancels) and wake their awaiting task,
 * urt_await_any, sleeps, yields, chains and op timeouts switched on and
 * off (which sends every start down the slow path that un-leans a record).
 * Every result is checked; in a Debug build a broken claim is a SIGILL.
 */
#include "check.h"
#include <urt.h>

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#define TASKS 24

static unsigned iters = 400;
static int with_faults;

static unsigned next_rand(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

static void task(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg * 7919u + 1;
	int p[2];
	CHECK_EQ(pipe(p), 0);
	char c = 'x', d = 0;
	for (unsigned i = 0; i < iters; i++) {
		unsigned pick = next_rand(&seed) % 11;
		if (pick == 10) {
			/* Arm or disarm the fault points (transient ones only:
			 * results stay the same) while other tasks' lean records
			 * are queued or in flight: a failed submit hands those
			 * back through the ordinary dispatch. */
			if (with_faults)
				urt_faults_arm((int)(next_rand(&seed) & 1));
			pick = 0;
		}
		switch (pick) {
		case 0:
			CHECK_EQ(urt_nop(), 0);
			break;
		case 1:
			urt_yield();
			break;
		case 2:
			CHECK_EQ(urt_sleep(next_rand(&seed) % 20000), 0);
			break;
		case 3: { /* an error completion (slow dispatch) next to a lean one */
			struct urt_future *f;
			CHECK_EQ(urt_read_async(&f, 1000 + (int)(next_rand(&seed) % 20), &d, 1, 0), 0);
			CHECK_EQ(urt_nop(), 0);
			CHECK_EQ(urt_await(f), -EBADF);
			break;
		}
		case 4: {
			struct urt_future *fs[2];
			CHECK_EQ(urt_nop_async(&fs[0]), 0);
			CHECK_EQ(urt_read_async(&fs[1], 1000 + (int)(next_rand(&seed) % 20), &d, 1, 0), 0);
			int k = urt_await_any(fs, 2);
			CHECK(k == 0 || k == 1);
			CHECK_EQ(urt_nop(), 0);
			CHECK_EQ(urt_await(fs[0]), 0);
			CHECK_EQ(urt_await(fs[1]), -EBADF);
			break;
		}
		case 5:
			urt_set_op_timeout((next_rand(&seed) & 1) ? 1000000000u : 0);
			CHECK_EQ(urt_nop(), 0);
			break;
		case 6:
			CHECK_EQ(urt_write(p[1], &c, 1, -1), 1);
			CHECK_EQ(urt_read(p[0], &d, 1, -1), 1);
			CHECK_EQ(d, 'x');
			break;
		case 7: {
			struct iovec iov = { &d, 1 };
			CHECK_EQ(urt_write(p[1], &c, 1, -1), 1);
			CHECK_EQ(urt_readv(p[0], &iov, 1, -1), 1);
			break;
		}
		case 8: {
			struct urt_chain_op ops[2] = { { .opcode = URT_CHAIN_NOP }, { .opcode = URT_CHAIN_NOP } };
			CHECK_EQ(urt_chain(ops, 2), 2);
			break;
		}
		case 9: { /* a cancelled read: its CQE and the cancel's take the slow dispatch */
			struct urt_future *f;
			CHECK_EQ(urt_read_async(&f, p[0], &d, 1, -1), 0);
			CHECK_EQ(urt_nop(), 0);
			int r = urt_cancel(f);
			CHECK(r == 0 || r == -EALREADY || r == -ENOENT);
			CHECK_EQ(urt_nop(), 0);
			ssize_t res = urt_await(f);
			CHECK(res == -ECANCELED || res == -EINTR);
			break;
		}
		}
	}
	urt_set_op_timeout(0);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	if (getenv("URT_TEST_SMALL"))
		iters = 60;
	/* Transient faults only; -ENOTSUP without the fault points. */
	with_faults = urt_fault_enable_random(URT_FAULT_SUBMIT, 1, 0.3) == 0 &&
		      urt_fault_enable_random(URT_FAULT_GET_SQE, 1, 0.3) == 0 &&
		      urt_fault_enable_random(URT_FAULT_OP_EAGAIN, 1, 0.2) == 0;
	urt_faults_arm(0);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	for (uintptr_t i = 0; i < TASKS; i++)
		CHECK_EQ(urt_spawn(rt, task, (void *)i), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_faults_arm(0);
	urt_destroy(rt);
	return 0;
}
