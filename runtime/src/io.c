/*
 * io.c - the task-facing I/O calls: each builds an operation record, hands
 * it to the reactor and suspends the task until its completion is reaped.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>

/* Linux never moves more than this in one read or write (MAX_RW_COUNT);
 * larger requests are legitimately short. */
#define URT__MAX_RW 0x7ffff000u

static void init_op(struct urt__op *op, uint8_t opcode, int fd, void *addr, size_t len, off_t off)
{
	op->opcode = opcode;
	op->flags = off == -1 ? URT__OP_STREAM : 0;
	op->retries = 0;
	op->cancel_pending = 0;
	op->waiter = NULL;
	op->fd = fd;
	op->addr = addr;
	op->len = len > URT__MAX_RW ? URT__MAX_RW : (uint32_t)len;
	op->off = (uint64_t)off; /* -1 tells io_uring: use the file position */
	op->op_flags = 0;
	op->buf_index = 0;
	op->addr2 = 0;
}

/* A future's record comes from the pool: it outlives the call that made it. */
static struct urt__op *new_op(struct urt *rt, uint8_t opcode, int fd, void *addr, size_t len, off_t off)
{
	struct urt__op *op = urt__op_alloc(rt);
	if (URT__UNLIKELY(!op))
		return NULL;
	init_op(op, opcode, fd, addr, len, off);
	return op;
}

static bool op_ready(const struct urt__op *op)
{
	return op->state == URT__OP_DONE && op->cancel_pending == 0;
}

/* Starts op, suspends until it is done and returns its result.  The
 * blocking calls keep their record on the task's own stack: the task cannot
 * leave the call before the completion (and any cancel's) has been reaped,
 * and urt_destroy drains the ring before it unmaps a stack, so the record
 * outlives every reference the kernel holds.  No allocation, no -ENOMEM. */
static ssize_t run_op(struct urt *rt, struct urt__op *op)
{
	urt__op_start(rt, op);
	struct urt__task *self = urt__self;
	while (!op_ready(op)) {
		op->waiter = self;
		urt__suspend();
	}
	return op->res;
}

/* The runtime of the calling task; the I/O calls work only inside one. */
#define TASK_RT_OR_RETURN(rt)                  \
	struct urt__task *self_ = urt__self;   \
	if (URT__UNLIKELY(!self_))             \
		return -EPERM;                 \
	struct urt *rt = self_->rt

#define SIMPLE_OP(opcode, fd, addr, len, off)                  \
	do {                                                   \
		TASK_RT_OR_RETURN(rt);                         \
		struct urt__op op;                             \
		init_op(&op, opcode, fd, addr, len, off);      \
		return run_op(rt, &op);                        \
	} while (0)

ssize_t urt_read(int fd, void *buf, size_t len, off_t off)
{
	SIMPLE_OP(IORING_OP_READ, fd, buf, len, off);
}

ssize_t urt_write(int fd, const void *buf, size_t len, off_t off)
{
	SIMPLE_OP(IORING_OP_WRITE, fd, (void *)buf, len, off);
}

int urt_nop(void)
{
	SIMPLE_OP(IORING_OP_NOP, -1, NULL, 0, 0);
}

int urt_fsync(int fd)
{
	SIMPLE_OP(IORING_OP_FSYNC, fd, NULL, 0, 0);
}

int urt_close(int fd)
{
	SIMPLE_OP(IORING_OP_CLOSE, fd, NULL, 0, 0);
}

ssize_t urt_readv(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	if (iovcnt < 0)
		return -EINVAL;
	SIMPLE_OP(IORING_OP_READV, fd, (void *)iov, (size_t)iovcnt, off);
}

ssize_t urt_writev(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	if (iovcnt < 0)
		return -EINVAL;
	SIMPLE_OP(IORING_OP_WRITEV, fd, (void *)iov, (size_t)iovcnt, off);
}

/* Calls that need one more argument than SIMPLE_OP carries. */
#define OP_WITH(opcode, fd, addr, len, off, extra)             \
	do {                                                   \
		TASK_RT_OR_RETURN(rt);                         \
		struct urt__op op_;                            \
		struct urt__op *op = &op_;                     \
		init_op(op, opcode, fd, addr, len, off);       \
		extra;                                         \
		return run_op(rt, op);                         \
	} while (0)

int urt_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	OP_WITH(IORING_OP_OPENAT, dirfd, (void *)path, mode, 0, op->op_flags = (uint32_t)flags);
}

ssize_t urt_recv(int fd, void *buf, size_t len, int flags)
{
	OP_WITH(IORING_OP_RECV, fd, buf, len, -1, op->op_flags = (uint32_t)flags);
}

ssize_t urt_send(int fd, const void *buf, size_t len, int flags)
{
	OP_WITH(IORING_OP_SEND, fd, (void *)buf, len, -1, op->op_flags = (uint32_t)flags);
}

int urt_accept(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	OP_WITH(IORING_OP_ACCEPT, fd, addr, 0, 0, (op->op_flags = (uint32_t)flags, op->addr2 = (uintptr_t)addrlen));
}

int urt_connect(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	OP_WITH(IORING_OP_CONNECT, fd, (void *)addr, 0, 0, op->addr2 = addrlen);
}

ssize_t urt_read_fixed(int fd, void *buf, size_t len, off_t off, int buf_index)
{
	OP_WITH(IORING_OP_READ_FIXED, fd, buf, len, off, op->buf_index = (uint16_t)buf_index);
}

ssize_t urt_write_fixed(int fd, const void *buf, size_t len, off_t off, int buf_index)
{
	OP_WITH(IORING_OP_WRITE_FIXED, fd, (void *)buf, len, off, op->buf_index = (uint16_t)buf_index);
}

int urt_sleep(uint64_t ns)
{
	TASK_RT_OR_RETURN(rt);
	if (rt->flags & URT_IOPOLL)
		return -EOPNOTSUPP; /* an IOPOLL ring refuses timeouts (-EINVAL): say what is meant */
	struct urt__op op;
	init_op(&op, IORING_OP_TIMEOUT, -1, NULL, 0, 0);
	op.ts.tv_sec = (long long)(ns / 1000000000u);
	op.ts.tv_nsec = (long long)(ns % 1000000000u);
	int res = (int)run_op(rt, &op);
	return res == -ETIME ? 0 : res; /* -ETIME is how a timeout says it expired */
}

ssize_t urt_read_full(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;
	while (done < len) {
		ssize_t r = urt_read(fd, (char *)buf + done, len - done, off == -1 ? -1 : off + (off_t)done);
		if (r < 0)
			return r;
		if (r == 0)
			break; /* EOF */
		done += (size_t)r;
	}
	return (ssize_t)done;
}

ssize_t urt_write_all(int fd, const void *buf, size_t len, off_t off)
{
	size_t done = 0;
	while (done < len) {
		ssize_t r = urt_write(fd, (const char *)buf + done, len - done, off == -1 ? -1 : off + (off_t)done);
		if (r < 0)
			return r;
		if (r == 0)
			return -EIO; /* no progress on a non-empty write: give up rather than spin */
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* ---- futures: a future is its operation record ---- */

static int start_async(struct urt_future **f, uint8_t opcode, int fd, void *buf, size_t len, off_t off,
		       int buf_index)
{
	if (!f)
		return -EINVAL;
	*f = NULL;
	TASK_RT_OR_RETURN(rt);
	struct urt__op *op = new_op(rt, opcode, fd, buf, len, off);
	if (URT__UNLIKELY(!op))
		return -ENOMEM;
	op->buf_index = (uint16_t)buf_index;
	urt__op_start(rt, op);
	*f = (struct urt_future *)op;
	return 0;
}

int urt_read_async(struct urt_future **f, int fd, void *buf, size_t len, off_t off)
{
	return start_async(f, IORING_OP_READ, fd, buf, len, off, 0);
}

int urt_write_async(struct urt_future **f, int fd, const void *buf, size_t len, off_t off)
{
	return start_async(f, IORING_OP_WRITE, fd, (void *)buf, len, off, 0);
}

int urt_nop_async(struct urt_future **f)
{
	return start_async(f, IORING_OP_NOP, -1, NULL, 0, 0, 0);
}

int urt_read_fixed_async(struct urt_future **f, int fd, void *buf, size_t len, off_t off, int buf_index)
{
	return start_async(f, IORING_OP_READ_FIXED, fd, buf, len, off, buf_index);
}

ssize_t urt_await(struct urt_future *f)
{
	if (!f)
		return -EINVAL;
	TASK_RT_OR_RETURN(rt);
	struct urt__op *op = (struct urt__op *)f;
	while (!op_ready(op)) {
		op->waiter = self_;
		urt__suspend();
	}
	ssize_t res = op->res;
	urt__op_free(rt, op);
	return res;
}

int urt_future_done(const struct urt_future *f)
{
	return f && op_ready((const struct urt__op *)f);
}

int urt_await_any(struct urt_future *const *fs, unsigned n)
{
	if (!fs || n == 0 || n > INT_MAX)
		return -EINVAL;
	TASK_RT_OR_RETURN(rt);
	(void)rt;
	for (;;) {
		for (unsigned i = 0; i < n; i++)
			if (op_ready((const struct urt__op *)fs[i]))
				return (int)i;
		for (unsigned i = 0; i < n; i++)
			((struct urt__op *)fs[i])->waiter = self_;
		urt__suspend();
		/* Woken by one of them: the rest must not keep a pointer to us. */
		for (unsigned i = 0; i < n; i++)
			((struct urt__op *)fs[i])->waiter = NULL;
	}
}

int urt_await_all(struct urt_future *const *fs, unsigned n, ssize_t *results)
{
	if (!fs || n > INT_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!fs[i])
			return -EINVAL;
	if (!urt__self)
		return -EPERM;
	/* In order: a later future that completes first simply waits; each
	 * urt_await suspends at most until its own completion. */
	for (unsigned i = 0; i < n; i++) {
		ssize_t r = urt_await(fs[i]);
		if (results)
			results[i] = r;
	}
	return 0;
}

int urt_cancel(struct urt_future *f)
{
	if (!f)
		return -EINVAL;
	TASK_RT_OR_RETURN(rt);
	return urt__op_cancel(rt, (struct urt__op *)f);
}
