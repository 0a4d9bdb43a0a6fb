/*
 * A blocking call's record is lean (internal.h: URT__OP_LEAN): its
 * arguments stay with the task.  A transient result (here an -ECANCELED
 * nobody asked for: a cancel by fd that the runtime did not send) must come
 * back to the task, which starts the same read again, and the read then
 * returns the data written later.  Reaches into the ring to send that
 * cancel, as the kernel would under a signal storm.
 */
#include "check.h"
#include "internal.h"

#include <unistd.h>

static int pipefd[2];
static ssize_t got = 1000;
static char buf[8];

static void reader(void *arg)
{
	(void)arg;
	got = urt_read(pipefd[0], buf, sizeof buf, -1);
}

static void canceller(void *arg)
{
	(void)arg;
	struct urt *rt = urt_current();
	urt_yield(); /* the reader's read goes to the kernel and waits */
	urt_yield();
	urt__settle(rt); /* not an operation's start: kept out of ops_started */
	struct io_uring_sqe *sqe = io_uring_get_sqe(&rt->ring);
	CHECK(sqe != NULL);
	rt->sq_seen = rt->ring.sq.sqe_tail;
	io_uring_prep_cancel_fd(sqe, pipefd[0], 0);
	sqe->flags = 0;
	io_uring_sqe_set_data64(sqe, URT__TAG_CANCEL); /* a cancel for no record of ours */
	urt__sq_stop_refresh(rt);
	urt_yield(); /* submitted: the read completes with -ECANCELED */
	urt_yield();
	urt_yield();
	CHECK_EQ(urt_write(pipefd[1], "x", 1, -1), 1);
}

int main(void)
{
	CHECK_EQ(pipe(pipefd), 0);
	struct urt *rt;
	CHECK_EQ(urt_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, reader, NULL), 0);
	CHECK_EQ(urt_spawn(rt, canceller, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats st;
	urt_get_stats(rt, &st);
	urt_destroy(rt);
	printf("read returned %zd, op_retries %llu\n", got, (unsigned long long)st.op_retries);
	CHECK_EQ(got, 1);
	CHECK_EQ(buf[0], 'x');
	CHECK_EQ(st.op_retries, 1);
	printf("ok\n");
	return 0;
}
