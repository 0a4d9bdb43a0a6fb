/*
 * io.c - the task-facing I/O calls: each builds an operation record, hands
 * it to the reactor and suspends the task until its completion is reaped.
 */
#define _GNU_SOURCE /* SPLICE_F_* */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

/* The fields every operation needs, for the prep_rw-shaped calls (see
 * urt__op_start_rw); op_flags and addr2 are read only by the opcodes that
 * set them (init_op below clears them for the others). */
static inline __attribute__((always_inline)) void init_rw(struct urt__op *op, uint8_t opcode, int fd, void *addr,
							     size_t len, off_t off, struct urt__task *waiter)
{
	op->opcode = opcode;
	op->flags = (uint16_t)((off == -1 ? URT__OP_STREAM : 0) | urt__fill_flags(opcode));
	op->retries = 0;
	op->cancel_pending = 0;
	op->waiter = waiter;
	op->fd = fd;
	op->addr = addr;
	op->len = len > URT__MAX_RW ? URT__MAX_RW : (uint32_t)len;
	op->off = (uint64_t)off; /* -1 tells io_uring: use the file position */
	op->buf_index = 0;
}

static void init_op(struct urt__op *op, uint8_t opcode, int fd, void *addr, size_t len, off_t off)
{
	init_rw(op, opcode, fd, addr, len, off, NULL);
	op->op_flags = 0;
	op->addr2 = 0;
}

static bool op_ready(const struct urt__op *op)
{
	return op->state == URT__OP_DONE && op->cancel_pending == 0;
}

/* Starts op, suspends until it is done and returns its result.  The
 * blocking calls that are not prep_rw-shaped keep their record on the
 * task's own stack (run_rw's is in the task itself): the task cannot
 * leave the call before the completion (and any cancel's) has been reaped,
 * and urt_destroy drains the ring before it unmaps a stack, so the record
 * outlives every reference the kernel holds.  No allocation, no -ENOMEM.
 * The waiter is set before the start (a completion delivered at once by the
 * slow path finds the task running, and urt__wake leaves it alone). */
static ssize_t run_op(struct urt *rt, struct urt__op *op)
{
	/* No errno to save here: liburing makes its system calls without libc
	 * (nolibc), and urt__suspend keeps this task's errno across switches. */
	urt__op_start(rt, op);
	while (!op_ready(op))
		urt__suspend();
	urt__op_filled(op);
	return op->res;
}

/* A URT__OP_LEAN record's transient result: fill in the arguments (the
 * record is an ordinary one from now on) and queue it again. */
static __attribute__((noinline)) void rw_restart(struct urt *rt, struct urt__op *op, int fd, void *addr, uint32_t len,
						 off_t off, uint16_t buf_index)
{
	op->flags &= (uint16_t)~URT__OP_LEAN;
	op->fd = fd;
	op->addr = addr;
	op->len = len;
	op->off = (uint64_t)off;
	op->buf_index = buf_index;
	op->op_flags = 0;
	op->addr2 = 0;
	urt__op_restart(rt, op);
}

/* self, after a switch: the same task, but the thread running it may be
 * another (a runtime may be run by one thread, then another).  On x86-64
 * every access to urt__self goes through %fs, which is the running
 * thread's, so reading it again is right and frees the register that would
 * keep self across the switch.  Elsewhere the compiler may keep the thread
 * pointer it read on entry (aarch64: tpidr_el0 in a callee-saved register)
 * and would read the first thread's urt__self: keep self there. */
static inline struct urt__task *urt__self_again(struct urt__task *self)
{
#if defined(__x86_64__)
	(void)self;
	return urt__self;
#else
	return self;
#endif
}

/* The rest of run_rw when the operation is not done after the first
 * suspension: restart it after a transient result, or wait on.  Out of
 * line, and finding the task again through urt__self, so that run_rw's
 * fast path keeps across the switch only the arguments a restart needs
 * (urt_nop: none). */
static __attribute__((noinline)) ssize_t rw_wait(int fd, void *addr, uint32_t n, off_t off, uint16_t buf_index)
{
	struct urt__task *self = urt__self;
	struct urt__op *op = &self->lean;
	bool vectored = op->opcode == IORING_OP_READV;
	while (vectored ? !op_ready(op) : op->state != URT__OP_DONE) {
		if (op->state == URT__OP_RETRY)
			rw_restart(self->rt, op, fd, addr, n, off, buf_index);
		else
			urt__suspend_task(self);
	}
	return op->res;
}

/* run_op for a prep_rw-shaped operation: the fast start inlined with the
 * call's own opcode and arguments.  The record is the task's own (struct
 * urt__task: lean), whose waiter is always the task: the task cannot leave
 * the call before the completion has been reaped, and urt_destroy drains
 * the ring before it unmaps a task.  The record is lean (URT__OP_LEAN): the
 * arguments stay here, where a retry finds them, except for READV, whose
 * iovec the reactor reads to tell memcheck what was filled.  After the
 * switch the task is found again (urt__self_again) rather than kept in a
 * callee-saved register: urt_nop needs no frame for it. */
static inline __attribute__((always_inline)) ssize_t run_rw(struct urt__task *self, uint8_t opcode, int fd,
							    void *addr, size_t len, off_t off, uint16_t buf_index)
{
	struct urt__op *op = &self->lean;
	uint32_t n = len > URT__MAX_RW ? URT__MAX_RW : (uint32_t)len;
	if (opcode == IORING_OP_READV) {
		init_rw(op, opcode, fd, addr, len, off, self);
		op->buf_index = buf_index;
	} else {
		/* The first eight bytes in one go (one store): state too,
		 * which the fast start would set anyway. */
		op->opcode = opcode;
		op->state = URT__OP_INFLIGHT;
		op->flags = (uint16_t)((off == -1 ? URT__OP_STREAM : 0) | urt__fill_flags(opcode) | URT__OP_LEAN);
		op->retries = 0;
		op->cancel_pending = 0;
		op->ltimeout_pending = 0;
		op->mark = 0;
		if (op->flags & URT__OP_FILLS)
			op->addr = addr;
	}
	bool maybe_done = urt__op_start_rw(self->rt, op, opcode, fd, addr, n, (uint64_t)off, buf_index);
	/* Queued and not yet submitted: no need to look before blocking. */
	if (URT__LIKELY(!maybe_done))
		urt__suspend_task(self);
	op = &urt__self_again(self)->lean;
	/* A lean record is never cancelled (no handle names it), so its
	 * state alone says whether it is ready. */
	ssize_t res;
	if (URT__LIKELY(opcode == IORING_OP_READV ? op_ready(op) : op->state == URT__OP_DONE))
		res = op->res;
	else
		res = rw_wait(fd, addr, n, off, buf_index);
	/* urt__op_filled, with what is known here: nothing for a NOP. */
	if ((urt__fill_flags(opcode) & URT__OP_FILLS) && res > 0)
		URT__VALGRIND_DEFINED(addr, (size_t)res);
	return res;
}

/* The I/O calls work only inside a task (urt__self set), and never in a
 * forked child (its ring is shared with the parent's): the child handler of
 * fork clears urt__self, so that costs no test on the way in.  This is the
 * answer when urt__self is NULL. */
static inline int outside_task(void)
{
	return urt__forked_in_task ? -ECHILD : -EPERM;
}

/* A prep_rw-shaped call: the fast start, inlined with its opcode (always
 * inlined, like run_rw). */
static inline __attribute__((always_inline)) ssize_t simple_op(uint8_t opcode, int fd, void *addr, size_t len,
								 off_t off)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	return run_rw(self, opcode, fd, addr, len, off, 0);
}

ssize_t urt_read(int fd, void *buf, size_t len, off_t off)
{
	return simple_op(IORING_OP_READ, fd, buf, len, off);
}

ssize_t urt_write(int fd, const void *buf, size_t len, off_t off)
{
	return simple_op(IORING_OP_WRITE, fd, (void *)buf, len, off);
}

int urt_nop(void)
{
	return (int)simple_op(IORING_OP_NOP, -1, NULL, 0, 0);
}

int urt_fsync(int fd)
{
	return (int)simple_op(IORING_OP_FSYNC, fd, NULL, 0, 0);
}

int urt_close(int fd)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	/* A registered fd is also held by the ring's file table: drop that
	 * slot first, or later operations on this number (and on the next file
	 * that gets it) would still reach the old file. */
	if (URT__UNLIKELY(rt->fixed_len) && fd >= 0 && (unsigned)fd < rt->fixed_len && rt->fixed_index[fd] >= 0)
		urt_unregister_file(rt, fd);
	struct urt__op op;
	init_op(&op, IORING_OP_CLOSE, fd, NULL, 0, 0);
	op.waiter = self;
	return (int)run_op(rt, &op);
}

ssize_t urt_readv(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	if (iovcnt < 0)
		return -EINVAL;
	return simple_op(IORING_OP_READV, fd, (void *)iov, (size_t)iovcnt, off);
}

ssize_t urt_writev(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	if (iovcnt < 0)
		return -EINVAL;
	return simple_op(IORING_OP_WRITEV, fd, (void *)iov, (size_t)iovcnt, off);
}

/* The calls below need one more field than simple_op sets (op_flags or
 * addr2), and take the general start (run_op). */

int urt_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt__op op;
	init_op(&op, IORING_OP_OPENAT, dirfd, (void *)path, mode, 0);
	op.waiter = self;
	op.op_flags = (uint32_t)flags;
	return (int)run_op(self->rt, &op);
}

ssize_t urt_recv(int fd, void *buf, size_t len, int flags)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt__op op;
	init_op(&op, IORING_OP_RECV, fd, buf, len, -1);
	op.waiter = self;
	op.op_flags = (uint32_t)flags;
	return run_op(self->rt, &op);
}

ssize_t urt_send(int fd, const void *buf, size_t len, int flags)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt__op op;
	init_op(&op, IORING_OP_SEND, fd, (void *)buf, len, -1);
	op.waiter = self;
	op.op_flags = (uint32_t)flags;
	return run_op(self->rt, &op);
}

int urt_accept(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt__op op;
	init_op(&op, IORING_OP_ACCEPT, fd, addr, 0, 0);
	op.waiter = self;
	op.op_flags = (uint32_t)flags;
	op.addr2 = (uintptr_t)addrlen;
	return (int)run_op(self->rt, &op);
}

int urt_connect(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt__op op;
	init_op(&op, IORING_OP_CONNECT, fd, (void *)addr, 0, 0);
	op.waiter = self;
	op.addr2 = addrlen;
	return (int)run_op(self->rt, &op);
}

/* The one operation with two fds: fd_out goes where every other operation
 * keeps its fd (so a registered fd_out is used through the fixed table like
 * any fd), off_out in off, off_in in addr2, and fd_in in addr, which carries
 * no memory for a splice (mark_filled and Valgrind never look at it).  fd_in
 * is always passed as a plain fd: the kernel's SPLICE_F_FD_IN_FIXED is the
 * runtime's business, so a caller may not set it. */
ssize_t urt_splice(int fd_in, off_t off_in, int fd_out, off_t off_out, size_t len, unsigned flags)
{
	if (flags & ~(unsigned)(SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE))
		return -EINVAL;
	if (off_in < -1 || off_out < -1)
		return -EINVAL;
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt__op op;
	init_op(&op, IORING_OP_SPLICE, fd_out, (void *)(intptr_t)fd_in, len, off_out);
	op.waiter = self;
	op.addr2 = (uint64_t)off_in;
	op.op_flags = flags;
	return run_op(self->rt, &op);
}

/* 0 when buf[0, len) lies inside registered buffer buf_index, else the
 * error: -EINVAL for an index out of range (it would not fit the SQE's
 * 16-bit field, or names no buffer), -EFAULT for a range outside it (what
 * the kernel answers too; checked here so the answer does not depend on the
 * kernel version). */
static int fixed_check(const struct urt *rt, const void *buf, size_t len, int buf_index)
{
	if (buf_index < 0 || (unsigned)buf_index >= rt->nbufs)
		return -EINVAL;
	const struct iovec *b = &rt->bufs[buf_index];
	uintptr_t lo = (uintptr_t)b->iov_base, p = (uintptr_t)buf;
	if (p < lo || p - lo > b->iov_len || len > b->iov_len - (p - lo))
		return -EFAULT;
	return 0;
}

/* simple_op for the registered-buffer opcodes: the range checked first. */
static inline __attribute__((always_inline)) ssize_t fixed_op(uint8_t opcode, int fd, void *buf, size_t len,
								off_t off, int buf_index)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	int err = fixed_check(self->rt, buf, len, buf_index);
	if (err < 0)
		return err;
	return run_rw(self, opcode, fd, buf, len, off, (uint16_t)buf_index);
}

ssize_t urt_read_fixed(int fd, void *buf, size_t len, off_t off, int buf_index)
{
	return fixed_op(IORING_OP_READ_FIXED, fd, buf, len, off, buf_index);
}

ssize_t urt_write_fixed(int fd, const void *buf, size_t len, off_t off, int buf_index)
{
	return fixed_op(IORING_OP_WRITE_FIXED, fd, (void *)buf, len, off, buf_index);
}

/*
 * read_full / write_all.  With an explicit offset: one positioned op after
 * another.  With off -1 on a stream: one op after another at "the current
 * position", which a stream does not have.  With off -1 on a seekable fd
 * (lseek works): on this kernel an io_uring read or write at the file
 * position that comes back short does not move the position, so passing -1
 * again would redo the same bytes (write_all rewrote offset 0 and reported
 * success).  So: note the position first, go on with explicit offsets after
 * a short result, and at the end set the position to where read(2)/write(2)
 * would have left it: start + bytes done (the end of the file for O_APPEND).
 * A first op that is not short needs no lseek after it: the kernel moved
 * the position itself.
 *
 * Errors: the error is returned (never a count that looks like success);
 * the bytes done before it are in *done, and on a seekable fd the position
 * is after them.
 */
static ssize_t transfer_all(bool writing, int fd, void *buf, size_t len, off_t off, size_t *done_out)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	int saved = errno;
	off_t start = -1; /* the file position we track, when off is -1 and fd seekable */
	if (off == -1)
		start = lseek(fd, 0, SEEK_CUR);
	bool tracking = false; /* explicit offsets from start + done */
	bool stream = false;   /* off given, but fd has no positions: keep passing off */
	size_t done = 0;
	ssize_t ret = 0;
	while (done < len) {
		off_t at = off != -1 ? (stream ? off : off + (off_t)done) : tracking ? start + (off_t)done : -1;
		ssize_t r = writing ? urt_write(fd, (char *)buf + done, len - done, at)
				    : urt_read(fd, (char *)buf + done, len - done, at);
		if (r < 0) {
			ret = r;
			break;
		}
		if (r == 0) {
			if (writing)
				ret = -EIO; /* no progress on a non-empty write: give up rather than spin */
			break;      /* reading: EOF */
		}
		done += (size_t)r;
		if (start >= 0 && !tracking && done < len)
			tracking = true; /* short at the file position: the position may not have moved */
		/* Short at an explicit offset: on a pipe or socket the bytes are
		 * consumed and there is no offset to advance (a socket refuses
		 * any but the one it accepted, -ESPIPE, after the first part was
		 * read).  Asked once, only when a result comes back short. */
		if (off != -1 && !stream && done == (size_t)r && done < len && lseek(fd, 0, SEEK_CUR) < 0 &&
		    errno == ESPIPE)
			stream = true;
	}
	if (tracking) {
		int fl = writing ? fcntl(fd, F_GETFL) : 0;
		if (fl > 0 && (fl & O_APPEND))
			lseek(fd, 0, SEEK_END);
		else
			lseek(fd, start + (off_t)done, SEEK_SET);
	}
	errno = saved;
	if (done_out)
		*done_out = done;
	return ret < 0 ? ret : (ssize_t)done;
}

ssize_t urt_read_full(int fd, void *buf, size_t len, off_t off)
{
	return transfer_all(false, fd, buf, len, off, NULL);
}

ssize_t urt_write_all(int fd, const void *buf, size_t len, off_t off)
{
	return transfer_all(true, fd, (void *)buf, len, off, NULL);
}

ssize_t urt_read_full_n(int fd, void *buf, size_t len, off_t off, size_t *done)
{
	if (done)
		*done = 0;
	return transfer_all(false, fd, buf, len, off, done);
}

ssize_t urt_write_all_n(int fd, const void *buf, size_t len, off_t off, size_t *done)
{
	if (done)
		*done = 0;
	return transfer_all(true, fd, (void *)buf, len, off, done);
}

/* ---- futures: a future is a pool record, named by a checked handle ---- */

static inline __attribute__((always_inline)) int start_async(struct urt_future **f, uint8_t opcode, int fd, void *buf, size_t len, off_t off,
		       int buf_index)
{
	if (!f)
		return -EINVAL;
	*f = NULL;
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	if (opcode == IORING_OP_READ_FIXED) {
		int err = fixed_check(rt, buf, len, buf_index);
		if (err < 0)
			return err;
	}
	struct urt__op *op = urt__op_alloc(rt);
	if (URT__UNLIKELY(!op))
		return -ENOMEM;
	init_rw(op, opcode, fd, buf, len, off, NULL);
	op->buf_index = (uint16_t)buf_index;
	urt__op_start_rw(rt, op, opcode, fd, buf, op->len, (uint64_t)off, (uint16_t)buf_index);
	*f = urt__op_handle(op);
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

/* Out of line: a future found done (the common case at depth) then costs
 * urt_await no registers saved for the suspend. */
static __attribute__((noinline)) void await_block(struct urt__op *op, struct urt__task *self)
{
	struct urt *rt = self->rt;
	while (!op_ready(op)) {
		op->waiter = self;
		/* The CQ pass may hold its completion, and those of the futures
		 * started after it: take them here, without a switch, as long
		 * as they wake nobody else. */
		if (urt__cq_pending(rt)) {
			urt__cq_take_quiet(rt, self);
			if (op_ready(op))
				break;
		}
		urt__suspend_task(self);
	}
}

ssize_t urt_await(struct urt_future *f)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	/* The live record f names in rt; a stale or foreign handle finds none. */
	struct urt__op *op = urt__op_lookup(rt, f);
	if (URT__UNLIKELY(!op))
		return -EINVAL;
	if (op->waiter && op->waiter != self)
		return -EBUSY; /* another task is awaiting it */
	if (!op_ready(op))
		await_block(op, self);
	urt__op_filled(op);
	ssize_t res = op->res;
	urt__op_free(rt, op);
	return res;
}

int urt_future_done(const struct urt_future *f)
{
	struct urt__task *self = urt__self;
	if (!self)
		return 0;
	const struct urt__op *op = urt__op_lookup(self->rt, f);
	return op && op_ready(op);
}

int urt_await_any(struct urt_future *const *fs, unsigned n)
{
	if (!fs || n == 0 || n > INT_MAX)
		return -EINVAL;
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	int busy = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct urt__op *op = urt__op_lookup(rt, fs[i]);
		if (!op)
			return -EINVAL;
		/* A future has one waiter: taking it from a task blocked in
		 * urt_await would leave that task asleep for ever. */
		if (op->waiter && op->waiter != self)
			busy = 1;
	}
	if (busy)
		return -EBUSY;
	for (;;) {
		for (unsigned i = 0; i < n; i++)
			if (op_ready(urt__op_lookup(rt, fs[i])))
				return (int)i;
		for (unsigned i = 0; i < n; i++)
			urt__op_lookup(rt, fs[i])->waiter = self;
		urt__suspend();
		/* Woken by one of them: the rest must not keep a pointer to us. */
		for (unsigned i = 0; i < n; i++) {
			struct urt__op *op = urt__op_lookup(rt, fs[i]);
			if (op->waiter == self)
				op->waiter = NULL;
		}
	}
}

int urt_await_all(struct urt_future *const *fs, unsigned n, ssize_t *results)
{
	if (!fs || n > INT_MAX)
		return -EINVAL;
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	/* Every entry live and none twice, before anything is awaited: mark
	 * each record, and take the marks off again whatever the answer. */
	unsigned i = 0;
	int ret = 0;
	for (; i < n; i++) {
		struct urt__op *op = urt__op_lookup(rt, fs[i]);
		if (!op || op->mark) {
			ret = -EINVAL;
			break;
		}
		if (op->waiter && op->waiter != self) {
			ret = -EBUSY; /* another task is awaiting it: await nothing */
			break;
		}
		op->mark = 1;
	}
	for (unsigned j = 0; j < i; j++)
		urt__op_lookup(rt, fs[j])->mark = 0;
	if (ret < 0)
		return ret;
	/* In order: a later future that completes first simply waits; each
	 * urt_await suspends at most until its own completion. */
	for (i = 0; i < n; i++) {
		ssize_t r = urt_await(fs[i]);
		if (results)
			results[i] = r;
	}
	return 0;
}

int urt_cancel(struct urt_future *f)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	/* The live record f names in rt; a stale or foreign handle finds none. */
	struct urt__op *op = urt__op_lookup(rt, f);
	if (URT__UNLIKELY(!op))
		return -EINVAL;
	int saved = errno;
	int ret = urt__op_cancel(rt, op);
	errno = saved;
	return ret;
}
