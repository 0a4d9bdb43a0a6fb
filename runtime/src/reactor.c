/*
 * reactor.c - owns the io_uring: queues operations as SQEs, submits them in
 * batches, reaps completions in batches and hands each one to its waiter.
 *
 * A completion's user_data is the address of its operation record, so
 * dispatch is a pointer cast: no map, no lock (one ring per thread).  Our own
 * cancel requests carry the address of the operation they cancel with the
 * low bit set, so an operation is released only after both its completion
 * and its cancel's completion have arrived.
 *
 * Transient failures are handled here and never reach a task: a failing
 * submit is retried after reaping, a full SQ is flushed, an overflowing CQ is
 * flushed, and an operation completing with -EAGAIN/-EINTR is resubmitted.
 * Each is bounded by URT__MAX_RETRIES, after which the error surfaces.
 */
#include "internal.h"
#include "sanitizer.h"

#include <errno.h>

#define URT__REAP_BATCH 64
#define URT__TAG_CANCEL ((uint64_t)1)

/* ---- completion ---- */

/* Inlined into the completion path: one call per operation saved. */
static inline __attribute__((always_inline)) void complete(struct urt *rt, struct urt__op *op, int res)
{
	op->res = res;
	op->state = URT__OP_DONE;
	rt->stats.ops_completed++;
	if (res < 0)
		rt->stats.errors_surfaced++;
	if (!op->cancel_pending)
		urt__wake(rt, op->waiter);
}

/* Tells memcheck what the kernel wrote into the operation's memory. */
static void mark_filled(const struct urt__op *op, size_t n)
{
	switch (op->opcode) {
	case IORING_OP_READ:
	case IORING_OP_READ_FIXED:
	case IORING_OP_RECV:
		URT__VALGRIND_DEFINED(op->addr, n);
		break;
	case IORING_OP_READV: {
		const struct iovec *iov = op->addr;
		for (uint32_t i = 0; i < op->len && n > 0; i++) {
			size_t k = iov[i].iov_len < n ? iov[i].iov_len : n;
			URT__VALGRIND_DEFINED(iov[i].iov_base, k);
			n -= k;
		}
		break;
	}
	case IORING_OP_ACCEPT:
		if (op->addr2)
			URT__VALGRIND_DEFINED((void *)(uintptr_t)op->addr2, sizeof(socklen_t));
		if (op->addr && op->addr2)
			URT__VALGRIND_DEFINED(op->addr, *(socklen_t *)(uintptr_t)op->addr2);
		break;
	}
}

static inline void dispatch(struct urt *rt, uint64_t user_data, int res)
{
	rt->inflight--;
	if (user_data & URT__TAG_CANCEL) {
		struct urt__op *op = (struct urt__op *)(uintptr_t)(user_data & ~URT__TAG_CANCEL);
		if (op && --op->cancel_pending == 0 && op->state == URT__OP_DONE)
			urt__wake(rt, op->waiter);
		return;
	}
	struct urt__op *op = (struct urt__op *)(uintptr_t)user_data;
	if (URT__UNLIKELY(res < 0) && (res == -EAGAIN || res == -EINTR) && !(op->flags & URT__OP_CANCELLED) &&
	    op->retries < URT__MAX_RETRIES) {
		op->retries++;
		rt->stats.op_retries++;
		op->next = rt->retry_head;
		rt->retry_head = op;
		return;
	}
	/* A positioned read can be cut after the fact: the caller reads the
	 * rest again.  A stream read cannot (the bytes are gone from the pipe),
	 * so those are shortened before submission instead. */
	if (res > 1 && (op->opcode == IORING_OP_READ || op->opcode == IORING_OP_READ_FIXED) &&
	    !(op->flags & URT__OP_STREAM) && URT__FAULT(rt, URT_FAULT_READ_SHORT, 1))
		res = 1 + (int)(urt__rand(rt) % (uint64_t)(res - 1));
	if (res > 0)
		mark_filled(op, (size_t)res);
	complete(rt, op, res);
}

/* Reaps every completion available now, in batches, without a system call
 * unless the kernel holds completions back (overflow list, deferred work). */
static void reap(struct urt *rt)
{
	struct io_uring_cqe *cqes[URT__REAP_BATCH];
	for (;;) {
		unsigned n = io_uring_peek_batch_cqe(&rt->ring, cqes, URT__REAP_BATCH);
		for (unsigned i = 0; i < n; i++)
			dispatch(rt, cqes[i]->user_data, cqes[i]->res);
		io_uring_cq_advance(&rt->ring, n);
		if (n == URT__REAP_BATCH)
			continue;
		/* The CQ overflowed: the kernel parked completions on its overflow
		 * list (IORING_FEAT_NODROP) and raises this flag until we ask for
		 * them with an enter(GETEVENTS). */
		if (IO_URING_READ_ONCE(*rt->ring.sq.kflags) & IORING_SQ_CQ_OVERFLOW) {
			rt->stats.cq_overflow_flushes++;
			rt->stats.enter_calls++;
			io_uring_get_events(&rt->ring);
			continue;
		}
		if (n == 0)
			break;
	}
}

/* ---- submission ---- */

/* The SQEs between the kernel's head and our tail will never be submitted
 * (a persistent enter failure): complete their operations with err and take
 * the SQEs back.  Safe without SQPOLL only, where nothing but our own enter
 * reads the SQ. */
static void abandon_unsubmitted(struct urt *rt, int err)
{
	struct io_uring_sq *sq = &rt->ring.sq;
	unsigned head = IO_URING_READ_ONCE(*sq->khead);
	unsigned keep = head;
	for (unsigned i = head; i != sq->sqe_tail; i++) {
		/* get_sqe hands out sqes[tail & mask] in order, so position i is
		 * that slot whatever the index array says. */
		struct io_uring_sqe *sqe = &sq->sqes[i & sq->ring_mask];
		uint64_t ud = sqe->user_data;
		const struct urt__op *target = (const struct urt__op *)(uintptr_t)(ud & ~URT__TAG_CANCEL);
		if ((ud & URT__TAG_CANCEL) && target && target->state == URT__OP_INFLIGHT) {
			/* urt_cancel already returned 0: dropping this would leave
			 * its operation in the kernel for good.  Keep it (moved
			 * down over the abandoned ones) for the next submit. */
			if (keep != i)
				sq->sqes[keep & sq->ring_mask] = *sqe;
			keep++;
			continue;
		}
		dispatch(rt, ud, err);
	}
	sq->sqe_head = head;
	sq->sqe_tail = keep;
	io_uring_smp_store_release(sq->ktail, head);
	rt->sq_pending = keep - head;
}

static bool transient(int err)
{
	return err == -EAGAIN || err == -EBUSY || err == -EINTR || err == -ENOMEM;
}

/* Submits what is queued and, with wait > 0, blocks until that many
 * completions are ready.  Returns 0, or the fatal error. */
static int submit(struct urt *rt, unsigned wait)
{
	for (unsigned tries = 0;; tries++) {
		int ret;
		int fault = URT__FAULT(rt, URT_FAULT_SUBMIT, EAGAIN);
		if (fault) {
			ret = -fault;
		} else if (rt->sq_pending == 0 && wait == 0) {
			return 0;
		} else {
			rt->stats.enter_calls++;
			ret = io_uring_submit_and_wait(&rt->ring, wait);
		}
		if (ret >= 0) {
			rt->stats.sqes_submitted += (unsigned)ret;
			rt->sq_pending = io_uring_sq_ready(&rt->ring);
			if (rt->sq_pending == 0 || (rt->flags & URT_SQPOLL) || tries >= URT__MAX_RETRIES)
				return 0;
			/* The kernel stopped early (it does on a failing SQE after
			 * posting its CQE): go round for the rest. */
			wait = 0;
			continue;
		}
		if (ret == -EBADR) {
			/* Completions were lost (no NODROP); we cannot know whose. */
			rt->fatal = -EBADR;
			return ret;
		}
		if (transient(ret) && tries < URT__MAX_RETRIES) {
			/* -EBUSY means the CQ backlog must shrink before the kernel
			 * takes more; reaping is the right answer to all of these. */
			rt->stats.submit_retries++;
			reap(rt);
			/* That reap may have delivered the very completions we were
			 * about to wait for: waiting now could block forever with
			 * nothing in flight.  Submit without waiting; the executor
			 * comes back to block if nothing became runnable. */
			wait = 0;
			if (ret == -EINTR && rt->sq_pending == 0)
				return 0; /* a signal cut the wait short: nothing lost */
			continue;
		}
		if (rt->flags & URT_SQPOLL) {
			rt->fatal = ret;
			return ret;
		}
		abandon_unsubmitted(rt, ret);
		return 0;
	}
}

/* liburing 2.3's io_uring_get_sqe is an out-of-line call; this is its fast
 * path, inline.  Without SQPOLL only our own enter moves the kernel's head,
 * so a plain load is enough; with SQPOLL the poller thread moves it and the
 * acquire pairs with its release. */
static inline struct io_uring_sqe *sqe_fast(struct urt *rt)
{
	struct io_uring_sq *sq = &rt->ring.sq;
	unsigned head = (rt->flags & URT_SQPOLL) ? io_uring_smp_load_acquire(sq->khead) : *sq->khead;
	if (URT__UNLIKELY(sq->sqe_tail - head >= sq->ring_entries))
		return NULL;
	return &sq->sqes[sq->sqe_tail++ & sq->ring_mask];
}

static struct io_uring_sqe *get_sqe(struct urt *rt)
{
	for (unsigned tries = 0;; tries++) {
		struct io_uring_sqe *sqe = NULL;
		if (!URT__FAULT(rt, URT_FAULT_GET_SQE, EBUSY))
			sqe = sqe_fast(rt);
		if (URT__LIKELY(sqe != NULL))
			return sqe;
		rt->stats.sq_full++;
		if (tries >= URT__MAX_RETRIES || rt->fatal)
			return NULL;
		if (rt->flags & URT_SQPOLL)
			io_uring_sqring_wait(&rt->ring); /* the poller frees slots on its own */
		else if (submit(rt, 0) < 0)
			return NULL;
	}
}

/* faults: the caller is on the slow path, where the fault points that
 * change an operation's length may fire. */
static inline void prep(struct urt *rt, struct io_uring_sqe *sqe, struct urt__op *op, bool faults)
{
	uint32_t len = op->len;
	if (faults) {
		switch (op->opcode) {
		case IORING_OP_READ:
		case IORING_OP_READ_FIXED:
		case IORING_OP_RECV:
			if ((op->flags & URT__OP_STREAM) && len > 1 && URT__FAULT(rt, URT_FAULT_READ_SHORT, 1))
				len = 1 + (uint32_t)(urt__rand(rt) % (len - 1));
			break;
		case IORING_OP_WRITE:
		case IORING_OP_WRITE_FIXED:
		case IORING_OP_SEND:
			/* The kernel really writes fewer bytes: a true short write. */
			if (len > 1 && URT__FAULT(rt, URT_FAULT_WRITE_SHORT, 1))
				len = 1 + (uint32_t)(urt__rand(rt) % (len - 1));
			break;
		}
	}

	int fd = op->fd;
	switch (op->opcode) {
	case IORING_OP_NOP:
		io_uring_prep_nop(sqe);
		break;
	case IORING_OP_READ:
		io_uring_prep_read(sqe, fd, op->addr, len, op->off);
		break;
	case IORING_OP_WRITE:
		io_uring_prep_write(sqe, fd, op->addr, len, op->off);
		break;
	case IORING_OP_READ_FIXED:
		io_uring_prep_read_fixed(sqe, fd, op->addr, len, op->off, op->buf_index);
		break;
	case IORING_OP_WRITE_FIXED:
		io_uring_prep_write_fixed(sqe, fd, op->addr, len, op->off, op->buf_index);
		break;
	case IORING_OP_READV:
		io_uring_prep_readv(sqe, fd, op->addr, len, op->off);
		break;
	case IORING_OP_WRITEV:
		io_uring_prep_writev(sqe, fd, op->addr, len, op->off);
		break;
	case IORING_OP_FSYNC:
		io_uring_prep_fsync(sqe, fd, 0);
		break;
	case IORING_OP_TIMEOUT:
		io_uring_prep_timeout(sqe, &op->ts, 0, 0);
		break;
	case IORING_OP_OPENAT:
		io_uring_prep_openat(sqe, fd, op->addr, (int)op->op_flags, (mode_t)len);
		break;
	case IORING_OP_CLOSE:
		io_uring_prep_close(sqe, fd);
		break;
	case IORING_OP_RECV:
		io_uring_prep_recv(sqe, fd, op->addr, len, (int)op->op_flags);
		break;
	case IORING_OP_SEND:
		io_uring_prep_send(sqe, fd, op->addr, len, (int)op->op_flags);
		break;
	case IORING_OP_ACCEPT:
		io_uring_prep_accept(sqe, fd, op->addr, (socklen_t *)(uintptr_t)op->addr2, (int)op->op_flags);
		break;
	case IORING_OP_CONNECT:
		io_uring_prep_connect(sqe, fd, op->addr, (socklen_t)op->addr2);
		break;
	}
	/* Registered files: one branch when none are registered. */
	if (URT__UNLIKELY(rt->fixed_len) && fd >= 0 && (unsigned)fd < rt->fixed_len &&
	    rt->fixed_index[fd] >= 0 && op->opcode != IORING_OP_OPENAT && op->opcode != IORING_OP_CLOSE &&
	    op->opcode != IORING_OP_NOP && op->opcode != IORING_OP_TIMEOUT) {
		sqe->fd = rt->fixed_index[fd];
		sqe->flags |= IOSQE_FIXED_FILE;
	}
	io_uring_sqe_set_data(sqe, op);
}

static void queued(struct urt *rt)
{
	rt->inflight++;
	rt->sq_pending++;
	if (rt->submit_batch && rt->sq_pending >= rt->submit_batch)
		submit(rt, 0);
}

/* The slow path of queue_op: cancelled before it was (re)queued, fault
 * points armed, or the SQ full. */
static __attribute__((noinline)) void queue_op_slow(struct urt *rt, struct urt__op *op)
{
	if (op->flags & URT__OP_CANCELLED) {
		complete(rt, op, -ECANCELED);
		return;
	}
	for (;;) {
		int err = URT__FAULT(rt, URT_FAULT_OP_EAGAIN, EAGAIN);
		if (!err)
			break;
		if (op->retries >= URT__MAX_RETRIES) {
			complete(rt, op, -err);
			return;
		}
		op->retries++;
		rt->stats.op_retries++;
	}
	struct io_uring_sqe *sqe = get_sqe(rt);
	if (!sqe) {
		complete(rt, op, rt->fatal ? rt->fatal : -EBUSY);
		return;
	}
	prep(rt, sqe, op, true);
	queued(rt);
}

/* Puts op on the SQ (or completes it at once when a fault says so). */
static inline void queue_op(struct urt *rt, struct urt__op *op)
{
	struct io_uring_sqe *sqe;
	if (URT__ARMED() || URT__UNLIKELY(op->flags & URT__OP_CANCELLED) || URT__UNLIKELY(!(sqe = sqe_fast(rt)))) {
		queue_op_slow(rt, op);
		return;
	}
	prep(rt, sqe, op, false);
	queued(rt);
}

/* The slow start: an injected operation error completes it at once. */
static __attribute__((noinline)) void op_start_slow(struct urt *rt, struct urt__op *op)
{
	int err = URT__FAULT(rt, URT_FAULT_OP_ERROR, EIO);
	if (err) {
		complete(rt, op, -err);
		return;
	}
	queue_op_slow(rt, op);
}

void urt__op_start(struct urt *rt, struct urt__op *op)
{
#if URT_DEBUG_SLOWDOWN > 0
	/* Deliberate extra work, only for showing that the regression gate trips. */
	for (volatile unsigned i = 0; i < URT_DEBUG_SLOWDOWN; i++)
		;
#endif
	op->state = URT__OP_INFLIGHT;
	rt->stats.ops_started++;
	/* One test of the fault flag per operation; a new op is never cancelled. */
	struct io_uring_sqe *sqe;
	if (URT__ARMED() || URT__UNLIKELY(!(sqe = sqe_fast(rt)))) {
		op_start_slow(rt, op);
		return;
	}
	prep(rt, sqe, op, false);
	queued(rt);
}

int urt__op_cancel(struct urt *rt, struct urt__op *op)
{
	if (op->state != URT__OP_INFLIGHT)
		return -EALREADY;
	if (op->flags & URT__OP_CANCELLED)
		return 0;
	op->flags |= URT__OP_CANCELLED;
	struct io_uring_sqe *sqe = get_sqe(rt);
	if (!sqe) {
		/* Nothing was asked of the kernel: a later urt_cancel must try
		 * again rather than find the flag and report success. */
		op->flags &= ~URT__OP_CANCELLED;
		return rt->fatal ? rt->fatal : -EBUSY;
	}
	if (op->state != URT__OP_INFLIGHT) {
		/* It completed while get_sqe flushed the queue: nothing to cancel. */
		io_uring_prep_nop(sqe);
	} else {
		io_uring_prep_cancel(sqe, op, 0);
	}
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)op | URT__TAG_CANCEL);
	op->cancel_pending++;
	rt->inflight++;
	rt->sq_pending++;
	return 0;
}

static void resubmit_retries(struct urt *rt)
{
	while (rt->retry_head) {
		struct urt__op *op = rt->retry_head;
		rt->retry_head = op->next;
		queue_op(rt, op);
	}
}

/*
 * One turn of the reactor, called by the executor between passes over the
 * run queue.  may_block: no task is runnable, so wait in the kernel for
 * wait_nr completions (never more than are in flight, or we would sleep
 * forever).  Everything queued is submitted in the same enter.
 */
int urt__reactor_poll(struct urt *rt, bool may_block)
{
	unsigned wait = 0;
	if (may_block)
		wait = rt->wait_nr < rt->inflight ? rt->wait_nr : rt->inflight;
	/* Completions may already be waiting (NOPs and cached reads finish
	 * inside the submit that a full batch triggered): then an enter that
	 * blocks for them is a wasted system call. */
	if (wait && io_uring_cq_ready(&rt->ring) >= wait)
		wait = 0;
	int ret = submit(rt, wait);
	if (ret < 0)
		return ret;
	/* DEFER_TASKRUN posts completions only inside an enter(GETEVENTS). */
	if (!wait && (rt->flags & URT_DEFER_TASKRUN) && rt->inflight) {
		rt->stats.enter_calls++;
		io_uring_get_events(&rt->ring);
	}
	reap(rt);
	resubmit_retries(rt);
	return rt->fatal;
}

int urt__reactor_init(struct urt *rt, unsigned entries, unsigned flags)
{
	struct io_uring_params p = { 0 };
	if (flags & URT_SQPOLL) {
		p.flags |= IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 100; /* ms the poller spins before it sleeps */
	}
	if (flags & URT_COOP_TASKRUN)
		p.flags |= IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
	if (flags & URT_DEFER_TASKRUN)
		p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	if (flags & URT_IOPOLL)
		p.flags |= IORING_SETUP_IOPOLL;
	int ret = io_uring_queue_init_params(entries, &rt->ring, &p);
	if (ret < 0)
		/* Old kernels reject setup flags they do not know with -EINVAL. */
		return (ret == -EINVAL && p.flags) ? -EOPNOTSUPP : ret;
	/* We promise never to lose a completion: that needs the overflow list. */
	if (!(p.features & IORING_FEAT_NODROP)) {
		io_uring_queue_exit(&rt->ring);
		return -EOPNOTSUPP;
	}
	struct io_uring_probe *probe = io_uring_get_probe_ring(&rt->ring);
	bool ok = probe && io_uring_opcode_supported(probe, IORING_OP_READ) &&
		  io_uring_opcode_supported(probe, IORING_OP_ASYNC_CANCEL);
	if (probe)
		io_uring_free_probe(probe);
	if (!ok) {
		io_uring_queue_exit(&rt->ring);
		return -EOPNOTSUPP;
	}
	rt->ring_ready = true;
	return 0;
}

/*
 * Before anything is freed, every operation the kernel still holds must
 * complete: until then it may write into a buffer or a task stack.  Cancel
 * them all and wait.  If the kernel never finishes one (it should), leak the
 * memory rather than free it under the kernel, and say so.
 */
void urt__reactor_drain_and_exit(struct urt *rt)
{
	if (!rt->ring_ready)
		return;
	while (rt->retry_head) {
		struct urt__op *op = rt->retry_head;
		rt->retry_head = op->next;
		complete(rt, op, -ECANCELED);
	}
	unsigned rounds = 0;
	while (rt->inflight > 0 && !rt->fatal) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&rt->ring);
		if (sqe) {
			io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
			io_uring_sqe_set_data64(sqe, URT__TAG_CANCEL); /* cancel for no op */
			rt->inflight++;
		}
		struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 100 * 1000 * 1000 };
		struct io_uring_cqe *cqe;
		io_uring_submit_and_wait_timeout(&rt->ring, &cqe, 1, &ts, NULL);
		rt->sq_pending = io_uring_sq_ready(&rt->ring);
		reap(rt);
		while (rt->retry_head) {
			struct urt__op *op = rt->retry_head;
			rt->retry_head = op->next;
			complete(rt, op, -ECANCELED);
		}
		if (++rounds > 100) { /* 10 s */
			rt->fatal = -ETIMEDOUT;
			break;
		}
	}
	io_uring_queue_exit(&rt->ring);
	rt->ring_ready = false;
}
