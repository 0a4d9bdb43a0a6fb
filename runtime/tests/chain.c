/* urt_chain runs its operations in order inside the kernel (a file copied through a one-page pipe in 200 splices, longer than any piece, comes out byte for byte), stops at the first error or short count (ops[k].res says why, the rest -ECANCELED and untouched), bounds each link with urt_set_op_timeout (-ETIMEDOUT), counts its operations (a link restarted after a transient failure once), keeps the file a link names when the registered table changes meanwhile, keeps errno, and refuses bad input (-EINVAL, -EPERM outside a task) before anything starts. */
#define _GNU_SOURCE
#include "check.h"
#include <urt.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCKS 100 /* pairs of splices: 200 links, more than one piece (64) */
static long page;
static unsigned char *data, *back;
static int src, dst;

static int tmpfile_fd(void)
{
	char path[] = "/tmp/urt-chain.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	unlink(path);
	return fd;
}

static struct urt_chain_op splice_op(int in, off_t off_in, int out, off_t off_out, size_t len)
{
	struct urt_chain_op o = { .opcode = URT_CHAIN_SPLICE, .fd = in, .off = off_in, .fd_out = out,
				  .off_out = off_out, .len = len, .flags = SPLICE_F_MOVE, .res = 1234 };
	return o;
}

/* A pipe of one page and every block through it, in one chain: a link
 * that ran early would find the pipe full or empty, or move another
 * block's bytes to this block's place. */
static void copy_in_order(void)
{
	int p[2];
	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	CHECK(fcntl(p[1], F_SETPIPE_SZ, (int)page) >= 0);
	CHECK_EQ(fcntl(p[1], F_GETPIPE_SZ), page);
	struct urt_chain_op ops[2 * BLOCKS];
	for (unsigned b = 0; b < BLOCKS; b++) {
		/* Blocks in a scrambled order: the offsets, not the order of
		 * arrival, place them. */
		off_t off = (off_t)((b * 37) % BLOCKS) * page;
		ops[2 * b] = splice_op(src, off, p[1], -1, (size_t)page);
		ops[2 * b + 1] = splice_op(p[0], -1, dst, off, (size_t)page);
	}
	struct urt_stats before, after;
	urt_get_stats(urt_current(), &before);
	CHECK_EQ(urt_chain(ops, 2 * BLOCKS), 2 * BLOCKS);
	urt_get_stats(urt_current(), &after);
	CHECK_EQ(after.ops_started - before.ops_started, 2 * BLOCKS);
	for (unsigned i = 0; i < 2 * BLOCKS; i++)
		CHECK_EQ(ops[i].res, page);
	CHECK_EQ(pread(dst, back, (size_t)(BLOCKS * page) + 1, 0), BLOCKS * page);
	CHECK(memcmp(back, data, (size_t)(BLOCKS * page)) == 0);
	close(p[0]);
	close(p[1]);
}

static void short_and_errors(void)
{
	int small = tmpfile_fd(), out = tmpfile_fd();
	CHECK_EQ(write(small, "0123456789", 10), 10);
	char buf[100];
	/* A read past the end: 10 of 100 bytes ends the chain; the write
	 * after it never happens. */
	struct urt_chain_op ops[3] = {
		{ .opcode = URT_CHAIN_READ, .fd = small, .buf = buf, .len = sizeof buf, .off = 0, .res = 1234 },
		{ .opcode = URT_CHAIN_WRITE, .fd = out, .buf = buf, .len = 10, .off = 0, .res = 1234 },
		{ .opcode = URT_CHAIN_FSYNC, .fd = out, .res = 1234 },
	};
	CHECK_EQ(urt_chain(ops, 3), 0);
	CHECK_EQ(ops[0].res, 10);
	/* What the read filled, looked at before anything else touches it
	 * (under Valgrind: memcheck must have been told it is defined). */
	CHECK(memcmp(buf, "0123456789", 10) == 0);
	CHECK_EQ(ops[1].res, -ECANCELED);
	CHECK_EQ(ops[2].res, -ECANCELED);
	struct stat st;
	CHECK_EQ(fstat(out, &st), 0);
	CHECK_EQ(st.st_size, 0);

	/* In full: read, the same buffer written, fsync. */
	ops[0].len = 10;
	CHECK_EQ(urt_chain(ops, 3), 3);
	CHECK_EQ(ops[0].res, 10);
	CHECK_EQ(ops[1].res, 10);
	CHECK_EQ(ops[2].res, 0);
	CHECK_EQ(pread(out, buf, sizeof buf, 0), 10);
	CHECK(memcmp(buf, "0123456789", 10) == 0);

	/* An error in the middle: the ones before done, the rest cancelled. */
	struct urt_chain_op e[4] = {
		{ .opcode = URT_CHAIN_NOP, .res = 1234 },
		{ .opcode = URT_CHAIN_WRITE, .fd = out, .buf = "abc", .len = 3, .off = 20, .res = 1234 },
		{ .opcode = URT_CHAIN_WRITE, .fd = 999999, .buf = "x", .len = 1, .off = 0, .res = 1234 },
		{ .opcode = URT_CHAIN_WRITE, .fd = out, .buf = "zzz", .len = 3, .off = 0, .res = 1234 },
	};
	errno = 4321;
	CHECK_EQ(urt_chain(e, 4), 2);
	CHECK_EQ(errno, 4321);
	CHECK_EQ(e[0].res, 0);
	CHECK_EQ(e[1].res, 3);
	CHECK_EQ(e[2].res, -EBADF);
	CHECK_EQ(e[3].res, -ECANCELED);
	CHECK_EQ(pread(out, buf, 3, 0), 3);
	CHECK(memcmp(buf, "012", 3) == 0); /* the last write never ran */
	close(small);
	close(out);
}

/* Each link has its own timeout: the read of an empty pipe times out, the
 * nop before it completed, the one after it never starts.  A whole chain
 * within its timeouts completes (two SQEs a link: smaller pieces). */
static void timeouts(void)
{
	int p[2];
	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	char c;
	CHECK_EQ(urt_set_op_timeout(50 * 1000 * 1000), 0);
	struct urt_chain_op ops[3] = {
		{ .opcode = URT_CHAIN_NOP, .res = 1234 },
		{ .opcode = URT_CHAIN_READ, .fd = p[0], .buf = &c, .len = 1, .off = -1, .res = 1234 },
		{ .opcode = URT_CHAIN_NOP, .res = 1234 },
	};
	CHECK_EQ(urt_chain(ops, 3), 1);
	CHECK_EQ(ops[0].res, 0);
	CHECK_EQ(ops[1].res, -ETIMEDOUT);
	CHECK_EQ(ops[2].res, -ECANCELED);
	struct urt_chain_op nops[150];
	for (unsigned i = 0; i < 150; i++)
		nops[i] = (struct urt_chain_op){ .opcode = URT_CHAIN_NOP, .res = 1234 };
	CHECK_EQ(urt_chain(nops, 150), 150);
	for (unsigned i = 0; i < 150; i++)
		CHECK_EQ(nops[i].res, 0);
	CHECK_EQ(urt_set_op_timeout(0), 50 * 1000 * 1000); /* the one it replaces */
	close(p[0]);
	close(p[1]);
}

/* Bad input: -EINVAL with no result written and nothing started. */
static void bad_input(void)
{
	CHECK_EQ(urt_chain(NULL, 0), 0);
	CHECK_EQ(urt_chain(NULL, 1), -EINVAL);
	struct urt_chain_op ok = { .opcode = URT_CHAIN_NOP, .res = 1234 };
	struct urt_chain_op bad[] = {
		{ .opcode = 0 },
		{ .opcode = 99 },
		{ .opcode = URT_CHAIN_READ, .fd = 0, .len = 1, .off = -2 },
		{ .opcode = URT_CHAIN_WRITE, .fd = 1, .len = 1, .flags = 1 },
		{ .opcode = URT_CHAIN_NOP, .flags = SPLICE_F_MOVE },
		{ .opcode = URT_CHAIN_SPLICE, .fd = 0, .fd_out = 1, .len = 1, .flags = 1u << 31 },
		{ .opcode = URT_CHAIN_SPLICE, .fd = 0, .fd_out = 1, .len = 1, .off_out = -5 },
		/* more than Linux moves at once: could never complete in full */
		{ .opcode = URT_CHAIN_WRITE, .fd = 1, .buf = "x", .len = 0x7ffff001, .off = -1 },
		{ .opcode = URT_CHAIN_SPLICE, .fd = 0, .fd_out = 1, .len = (size_t)3 << 30, .off = 0, .off_out = -1 },
	};
	struct urt_stats before, after;
	urt_get_stats(urt_current(), &before);
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct urt_chain_op two[2] = { ok, bad[i] };
		two[1].res = 1234;
		CHECK_EQ(urt_chain(two, 2), -EINVAL);
		CHECK_EQ(two[0].res, 1234);
		CHECK_EQ(two[1].res, 1234);
	}
	urt_get_stats(urt_current(), &after);
	CHECK_EQ(after.ops_started, before.ops_started);
}

/* The registered table changes while a chain waits: the write link still
 * goes to the file it named (a link's fd is looked up when it starts, so
 * the chain must not use the table's slot). */
static int reg_pipe[2], reg_f, reg_g;
static void reregister(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_register_files(urt_current(), &reg_g, 1), 0);
	CHECK_EQ(write(reg_pipe[1], "d", 1), 1);
}

static void registered(void)
{
	struct urt *rt = urt_current();
	CHECK_EQ(pipe2(reg_pipe, O_CLOEXEC), 0);
	reg_f = tmpfile_fd();
	reg_g = tmpfile_fd();
	CHECK_EQ(urt_register_files(rt, &reg_f, 1), 0);
	char c;
	struct urt_chain_op ops[2] = {
		{ .opcode = URT_CHAIN_READ, .fd = reg_pipe[0], .buf = &c, .len = 1, .off = -1 },
		{ .opcode = URT_CHAIN_WRITE, .fd = reg_f, .buf = "data", .len = 4, .off = 0 },
	};
	CHECK_EQ(urt_spawn(rt, reregister, NULL), 0);
	CHECK_EQ(urt_chain(ops, 2), 2);
	struct stat st;
	CHECK_EQ(fstat(reg_f, &st), 0);
	CHECK_EQ(st.st_size, 4);
	CHECK_EQ(fstat(reg_g, &st), 0);
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(urt_unregister_files(rt), 0);
	close(reg_pipe[0]);
	close(reg_pipe[1]);
	close(reg_f);
	close(reg_g);
}

/* A transient result restarts the chain at that link, and the counters
 * see each link once: a non-blocking splice out of an empty pipe answers
 * -EAGAIN until the retries run out; then two links delivered, two
 * errors (-EAGAIN, and the nop the kernel cancelled). */
static void restart_counts(void)
{
	int p[2], out = tmpfile_fd();
	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	struct urt_chain_op ops[2] = {
		{ .opcode = URT_CHAIN_SPLICE, .fd = p[0], .off = -1, .fd_out = out, .off_out = 0, .len = 10,
		  .flags = SPLICE_F_NONBLOCK },
		{ .opcode = URT_CHAIN_NOP },
	};
	struct urt_stats a, b;
	urt_get_stats(urt_current(), &a);
	CHECK_EQ(urt_chain(ops, 2), 0);
	urt_get_stats(urt_current(), &b);
	CHECK_EQ(ops[0].res, -EAGAIN);
	CHECK_EQ(ops[1].res, -ECANCELED);
	CHECK(b.op_retries - a.op_retries >= 10);
	CHECK_EQ(b.ops_started - a.ops_started, 2);
	CHECK_EQ(b.ops_completed - a.ops_completed, 2);
	CHECK_EQ(b.errors_surfaced - a.errors_surfaced, 2);
	close(p[0]);
	close(p[1]);
	close(out);
}

static void task(void *arg)
{
	(void)arg;
	copy_in_order();
	short_and_errors();
	timeouts();
	bad_input();
	registered();
	restart_counts();
}

int main(void)
{
	page = sysconf(_SC_PAGESIZE);
	data = malloc((size_t)(BLOCKS * page));
	back = malloc((size_t)(BLOCKS * page) + 1);
	CHECK(data && back);
	uint32_t x = 2463534242u;
	for (long i = 0; i < BLOCKS * page; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	src = tmpfile_fd();
	dst = tmpfile_fd();
	CHECK_EQ(write(src, data, (size_t)(BLOCKS * page)), BLOCKS * page);

	struct urt_chain_op nop = { .opcode = URT_CHAIN_NOP };
	CHECK_EQ(urt_chain(&nop, 1), -EPERM); /* outside a task */

	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	close(src);
	close(dst);
	free(data);
	free(back);
	return 0;
}
