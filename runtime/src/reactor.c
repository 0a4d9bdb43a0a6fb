/*
 * reactor.c - owns the io_uring: queues operations as SQEs, submits them in
 * batches, and hands each completion to its waiter: during the executor's
 * CQ pass one at a time, the task that takes it switching straight to the
 * waiter (internal.h: urt__cq_take), elsewhere in batches (reap), the
 * waiters queued on the run queue.
 *
 * A completion's user_data is the address of its operation record, so
 * dispatch is a pointer cast: no map, no lock (one ring per thread).  Our own
 * cancel requests carry the address of the operation they cancel with bit 0
 * set, and an operation's link timeout (urt_set_op_timeout) carries it with
 * bit 1 set, so an operation is released only after its completion and
 * every completion of ours that refers to it have arrived.  Socket
 * operations marked URT__OP_NET (net.c) may post several CQEs
 * (IORING_CQE_F_MORE: multishot, zero-copy send): net.c takes all but the
 * last, which finishes the operation like any other.
 *
 * Transient failures are handled here and never reach a task: a failing
 * submit is retried after reaping, a full SQ is published and flushed (or,
 * under SQPOLL, waited for), an overflowing CQ is flushed, and an operation
 * completing with -EAGAIN/-EINTR, or with -ECANCELED when nobody asked to
 * cancel it (the kernel does that when it cannot start an io-wq worker under
 * a storm of signals), is resubmitted.  Each is bounded by URT__MAX_RETRIES,
 * after which the error surfaces.  An io_uring_enter failure that is not
 * transient is fatal: the runtime stops and urt_run returns it.
 */
#include "internal.h"
#include "sanitizer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* URT__TAG_CANCEL, URT__TAG_LTIMEOUT, URT__TAG_MASK: internal.h (the CQ
 * pass there tells tagged CQEs apart too). */
/* wait_nr > 1 is a batching hint: wait this long for that many completions,
 * then for one.  Short, because a completion that needs a task to run first
 * can only arrive after the wait ends. */
#define URT__WAIT_WINDOW_NS (50 * 1000)

/* ---- completion ---- */

/* Whether a user would call res an error: an expired sleep (-ETIME) is a
 * sleep that succeeded (urt_sleep returns 0 for it). */
static bool user_error(const struct urt__op *op, int res)
{
	return !(res == -ETIME && op->opcode == IORING_OP_TIMEOUT);
}

/* Inlined into the completion path: one call per operation saved. */
static inline __attribute__((always_inline)) void complete(struct urt *rt, struct urt__op *op, int res)
{
	op->res = res;
	op->state = URT__OP_DONE;
	rt->stats.ops_completed++;
	if (URT__UNLIKELY(res < 0) && user_error(op, res))
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

/* Results after which the same operation is simply submitted again.  The
 * kernel completes work it could not hand to an io-wq worker with
 * -ECANCELED (signals kept arriving while it created the worker): nobody
 * cancelled it, so it is not the program's -ECANCELED. */

/* The completion of an operation that needs more than delivering res: an
 * error, a link timeout, a fault that cuts its result. */
static __attribute__((noinline)) void finish_slow(struct urt *rt, struct urt__op *op, int res)
{
	if ((op->flags & URT__OP_LINKED) && op->ltimeout_pending) {
		/* Whether a -ECANCELED means "timed out" is known only from the
		 * link timeout's CQE, which may come second: hold the result. */
		op->res = res;
		op->flags |= URT__OP_HELD;
		return;
	}
	if (res < 0 && (op->flags & URT__OP_TIMED_OUT) && !(op->flags & URT__OP_CANCELLED) && urt__retryable(res))
		res = -ETIMEDOUT; /* cut short by its own timeout, not by the kernel */
	/* A link of a chain is not resubmitted here: the links after it were
	 * cancelled with it, so chain.c starts the chain again from it. */
	if (res < 0 && urt__retryable(res) && !(op->flags & (URT__OP_CANCELLED | URT__OP_TIMED_OUT | URT__OP_CHAIN)) &&
	    op->retries < URT__MAX_RETRIES) {
		op->retries++;
		rt->stats.op_retries++;
		if (op->flags & URT__OP_LEAN) {
			/* Its arguments are with its task (io.c: run_rw). */
			op->state = URT__OP_RETRY;
			urt__wake(rt, op->waiter);
			return;
		}
		op->next = rt->retry_head;
		rt->retry_head = op;
		return;
	}
	/* A positioned read can be cut after the fact: the caller reads the
	 * rest again.  A stream read cannot (the bytes are gone), so prep
	 * shortened those before submission instead. */
	if ((op->flags & URT__OP_CUT) && res > 1)
		res = 1 + (int)(urt__fault_rand(op, URT_FAULT_READ_SHORT) % (uint64_t)(res - 1));
	if (res > 0)
		mark_filled(op, (size_t)res);
	complete(rt, op, res);
}

/* A CQE of ours that refers to an operation: its cancel's or its link
 * timeout's. */
static __attribute__((noinline)) void dispatch_tagged(struct urt *rt, uint64_t user_data, int res)
{
	struct urt__op *op = (struct urt__op *)(uintptr_t)(user_data & ~URT__TAG_MASK);
	if (user_data & URT__TAG_LTIMEOUT) {
		/* -ETIME: it fired and cancelled the operation; anything else
		 * (-ECANCELED, -EALREADY): the operation finished first. */
		op->ltimeout_pending = 0;
		if (res == -ETIME)
			op->flags |= URT__OP_TIMED_OUT;
		if (op->flags & URT__OP_HELD) {
			op->flags &= ~URT__OP_HELD;
			finish_slow(rt, op, op->res);
		}
		return;
	}
	if (op && --op->cancel_pending == 0 && op->state == URT__OP_DONE)
		urt__wake(rt, op->waiter);
}

static inline void dispatch(struct urt *rt, uint64_t user_data, int res, uint32_t cflags);

/* The CQ pass (internal.h). */
struct urt__task *urt__cq_take(struct urt *rt)
{
	struct io_uring_cq *cq = &rt->ring.cq;
	for (;;) {
		struct urt__task *t = urt__cq_take_fast(rt);
		if (t)
			return t;
		unsigned head = *cq->khead;
		if ((int)(rt->cq_end - head) <= 0)
			return NULL;
		/* Either the fast path took a CQE that woke nobody (go on), or
		 * the CQE at head needs the ordinary dispatch. */
		const struct io_uring_cqe *cqe = &cq->cqes[head & cq->ring_mask];
		uint64_t ud = cqe->user_data;
		int res = cqe->res;
		const struct urt__op *op = (const struct urt__op *)(uintptr_t)ud;
		if (!((ud & URT__TAG_MASK) || res < 0 || (op->flags & URT__OP_SLOW_CQE)))
			continue;
		uint32_t cflags = cqe->flags;
		/* ops_completed: counted by dispatch, not by urt__settle
		 * (it may complete no operation). */
		urt__settle(rt);
		io_uring_smp_store_release(cq->khead, head + 1);
		rt->cq_seen = head + 1;
		/* The first task this CQE wakes runs next, like the fast path's;
		 * urt__wake queues any other. */
		rt->wake_caught = NULL;
		rt->wake_catch = true;
		dispatch(rt, ud, res, cflags);
		rt->wake_catch = false;
		if (rt->wake_caught)
			return rt->wake_caught;
	}
}


static inline void dispatch(struct urt *rt, uint64_t user_data, int res, uint32_t cflags)
{
	if (URT__UNLIKELY(user_data & URT__TAG_MASK)) {
		dispatch_tagged(rt, user_data, res);
		return;
	}
	struct urt__op *op = (struct urt__op *)(uintptr_t)user_data;
	if (URT__UNLIKELY(res < 0 || (op->flags & (URT__OP_CUT | URT__OP_LINKED | URT__OP_NET)))) {
		/* net.c reads the CQE's flags (buffer ids, IORING_CQE_F_MORE):
		 * true when it has taken the CQE (more are coming for op). */
		if ((op->flags & URT__OP_NET) && urt__net_cqe(rt, op, &res, cflags))
			return;
		finish_slow(rt, op, res);
		return;
	}
	if (res > 0)
		mark_filled(op, (size_t)res);
	complete(rt, op, res);
}

/* Reaps every completion available now, without a system call unless the
 * kernel holds completions back (overflow list, deferred task work).  The
 * CQ is read here directly rather than through io_uring_peek_batch_cqe:
 * one acquire load of the tail and one release store of the head per
 * batch, and no array of CQE pointers in between.  dispatch never submits
 * or reaps, so nothing moves the head behind our back.  The task-work
 * check (COOP_TASKRUN's IORING_SQ_TASKRUN) is the one peek_batch_cqe would
 * make: enter once to run it when nothing is ready. */
static void reap(struct urt *rt)
{
	struct io_uring_cq *cq = &rt->ring.cq;
	bool taskrun_checked = false;
	urt__settle(rt); /* what a CQ pass took before: counted as its fast path's */
	for (;;) {
		unsigned head = *cq->khead;
		unsigned tail = io_uring_smp_load_acquire(cq->ktail);
		unsigned n = tail - head;
		for (; head != tail; head++) {
			const struct io_uring_cqe *cqe = &cq->cqes[head & cq->ring_mask];
			dispatch(rt, cqe->user_data, cqe->res, cqe->flags);
		}
		if (n) {
			io_uring_smp_store_release(cq->khead, tail);
			rt->cq_seen = tail;
			urt__count_cq_batch(rt);
		}
		unsigned kflags = IO_URING_READ_ONCE(*rt->ring.sq.kflags);
		/* The CQ overflowed: the kernel parked completions on its overflow
		 * list (IORING_FEAT_NODROP) and raises this flag until we ask for
		 * them with an enter(GETEVENTS). */
		if (URT__UNLIKELY(kflags & IORING_SQ_CQ_OVERFLOW)) {
			rt->stats.cq_overflow_flushes++;
			rt->stats.enter_calls++;
			if (io_uring_get_events(&rt->ring) < 0 && n == 0)
				break; /* a dead ring: the caller finds out from its next submit */
			continue;
		}
		if (n == 0 && URT__UNLIKELY(kflags & IORING_SQ_TASKRUN) && !taskrun_checked) {
			taskrun_checked = true;
			rt->stats.enter_calls++;
			if (io_uring_get_events(&rt->ring) < 0)
				break;
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
	urt__settle(rt); /* the tail moves back below */
	unsigned head = IO_URING_READ_ONCE(*sq->khead);
	unsigned keep = head;
	for (unsigned i = head; i != sq->sqe_tail; i++) {
		/* get_sqe hands out sqes[tail & mask] in order, so position i is
		 * that slot whatever the index array says. */
		struct io_uring_sqe *sqe = &sq->sqes[i & sq->ring_mask];
		uint64_t ud = sqe->user_data;
		const struct urt__op *target = (const struct urt__op *)(uintptr_t)(ud & ~URT__TAG_MASK);
		if (!rt->fatal && (ud & URT__TAG_CANCEL) && target && target->state == URT__OP_INFLIGHT) {
			/* urt_cancel already returned 0: dropping this would leave
			 * its operation in the kernel for good.  Keep it (moved
			 * down over the abandoned ones) for the next submit. */
			if (keep != i)
				sq->sqes[keep & sq->ring_mask] = *sqe;
			keep++;
			continue;
		}
		/* A link timeout follows its operation: the operation's result is
		 * held until this dispatch, which releases it with err. */
		dispatch(rt, ud, err, 0);
	}
	sq->sqe_head = head;
	sq->sqe_tail = keep;
	rt->sq_seen = keep;
	io_uring_smp_store_release(sq->ktail, head);
	rt->sq_base = head; /* what was kept is pending */
	urt__sq_stop_refresh(rt);
}

static bool transient(int err)
{
	return err == -EAGAIN || err == -EBUSY || err == -EINTR || err == -ENOMEM;
}

/* The ring cannot be used any more: remember why, and complete with that
 * error every operation we still hold (queued SQEs, the retry list).  What
 * the kernel holds stays with it: its buffers may still be written. */
static int go_fatal(struct urt *rt, int err)
{
	if (!rt->fatal)
		rt->fatal = err;
	if (!(rt->flags & URT_SQPOLL))
		abandon_unsubmitted(rt, rt->fatal);
	while (rt->retry_head) {
		struct urt__op *op = rt->retry_head;
		rt->retry_head = op->next;
		complete(rt, op, rt->fatal);
	}
	return rt->fatal;
}

/* SQPOLL: sqes_submitted counts what the kernel consumed, the SQ head's
 * progress.  The poller consumes SQEs after any enter returns, and a
 * submit's return value counts SQEs it has merely been shown. */
static void count_consumed(struct urt *rt)
{
	unsigned head = io_uring_smp_load_acquire(rt->ring.sq.khead);
	rt->stats.sqes_submitted += head - rt->sq_head_seen;
	rt->sq_head_seen = head;
}

/* SQPOLL: publish the queued SQEs to the poller, and enter only to wake it
 * (it sleeps after sq_thread_idle) or to wait: then enter_calls counts the
 * system calls really made, which io_uring_submit_and_wait does not tell.
 * The index array is the identity (liburing sets it up so; see
 * abandon_unsubmitted), so publishing is moving the tail. */
static int sqpoll_submit(struct urt *rt, unsigned wait)
{
	struct io_uring_sq *sq = &rt->ring.sq;
	unsigned shown = sq->sqe_tail - sq->sqe_head;
	if (shown) {
		sq->sqe_head = sq->sqe_tail;
		/* Release: the SQE contents before the tail that shows them. */
		io_uring_smp_store_release(sq->ktail, sq->sqe_tail);
	}
	/* Full barrier between the tail store and the flag load, paired with
	 * the kernel's before it sleeps: either it sees our tail or we see
	 * its NEED_WAKEUP. */
	io_uring_smp_mb();
	unsigned flags = 0;
	if (IO_URING_READ_ONCE(*sq->kflags) & IORING_SQ_NEED_WAKEUP)
		flags |= IORING_ENTER_SQ_WAKEUP;
	if (wait)
		flags |= IORING_ENTER_GETEVENTS;
	if (!flags)
		return (int)shown;
	if (rt->ring_registered)
		flags |= IORING_ENTER_REGISTERED_RING;
	rt->stats.enter_calls++;
	int ret = io_uring_enter((unsigned)rt->ring.enter_ring_fd, shown, wait, flags, NULL);
	return ret < 0 ? ret : (int)shown;
}

static int submit_once(struct urt *rt, unsigned wait, bool window);

static __attribute__((noinline)) int submit_refresh(struct urt *rt, unsigned wait, bool window)
{
	int ret = submit_once(rt, wait, window);
	urt__sq_stop_refresh(rt); /* the heads and sq_pending moved */
	return ret;
}

/* Submits what is queued and, with wait > 0, blocks until that many
 * completions are ready; with window, for at most URT__WAIT_WINDOW_NS.
 * Returns 0, or the fatal error.  The test for nothing to do is inline: a
 * turn of nothing but yields makes no call. */
static inline int submit(struct urt *rt, unsigned wait, bool window)
{
	/* Nothing to do (submit_once's own first answer when no fault point
	 * is armed): nothing moves, sq_stop stays right. */
	if (!URT__ARMED() && urt__sq_pending(rt) == 0 && wait == 0)
		return 0;
	return submit_refresh(rt, wait, window);
}

static int submit_once(struct urt *rt, unsigned wait, bool window)
{
	for (unsigned tries = 0;; tries++) {
		int ret;
		int fault = URT__FAULT(rt, URT_FAULT_SUBMIT, EAGAIN);
		if (fault) {
			ret = -fault;
		} else if (urt__sq_pending(rt) == 0 && wait == 0) {
			return 0;
		} else if (window) {
			rt->stats.enter_calls++;
			struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = URT__WAIT_WINDOW_NS };
			struct io_uring_cqe *cqe;
			unsigned before = io_uring_sq_ready(&rt->ring);
			ret = io_uring_submit_and_wait_timeout(&rt->ring, &cqe, wait, &ts, NULL);
			/* -ETIME: fewer than wait arrived in time, what a window
			 * is for.  Its count is not always the number submitted:
			 * take it from the ring (under SQPOLL, from the head). */
			if (ret >= 0 || ret == -ETIME)
				ret = (int)(before - io_uring_sq_ready(&rt->ring));
			if (ret >= 0 && (rt->flags & URT_SQPOLL))
				goto sqpoll_done;
		} else if (URT__UNLIKELY(rt->flags & URT_SQPOLL)) {
			ret = sqpoll_submit(rt, wait);
			if (ret >= 0) {
			sqpoll_done:
				/* Everything is published: what the poller has not
				 * taken yet is its business, not to be submitted
				 * (or counted) again. */
				count_consumed(rt);
				rt->sq_base = rt->ring.sq.sqe_tail;
				return 0;
			}
		} else {
			rt->stats.enter_calls++;
			ret = io_uring_submit_and_wait(&rt->ring, wait);
		}
		if (ret >= 0) {
			/* Without SQPOLL the enter consumed exactly ret SQEs. */
			rt->stats.sqes_submitted += (unsigned)ret;
			rt->sq_base = rt->ring.sq.sqe_tail - io_uring_sq_ready(&rt->ring);
			if (urt__sq_pending(rt) == 0 || tries >= URT__MAX_RETRIES)
				return 0;
			/* The kernel stopped early (it does on a failing SQE after
			 * posting its CQE): go round for the rest. */
			wait = 0;
			continue;
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
			window = false;
			if (ret == -EINTR && urt__sq_pending(rt) == 0)
				return 0; /* a signal cut the wait short: nothing lost */
			continue;
		}
		if (fault && ret != -EBADR && !(rt->flags & URT_SQPOLL)) {
			/* An injected submit failure stands for the kernel refusing
			 * these SQEs: their operations fail, the ring lives on. */
			abandon_unsubmitted(rt, ret);
			return 0;
		}
		/* A real enter failure that retrying does not cure (-EBADR: lost
		 * completions; -EBADF/-EOPNOTSUPP: the ring fd is gone; -EEXIST:
		 * the wrong thread; -EOWNERDEAD: the SQ thread died ...): the
		 * ring is unusable, and spinning on it would burn a CPU for ever. */
		return go_fatal(rt, ret);
	}
}

/* Free SQ slots.  Without SQPOLL only our own enter moves the kernel's
 * head, so a plain load is enough; with SQPOLL the poller thread moves it
 * and the acquire pairs with its release. */
static inline unsigned sq_space(const struct urt *rt)
{
	const struct io_uring_sq *sq = &rt->ring.sq;
	unsigned head = (rt->flags & URT_SQPOLL) ? io_uring_smp_load_acquire(sq->khead) : *sq->khead;
	return sq->ring_entries - (sq->sqe_tail - head);
}

/* The SQE fast path: io_uring_get_sqe's work (it is static inline in
 * liburing 2.3 too; this is written out to share one head load with the
 * full test), plus clearing the slot.  A slot holds whatever the last
 * operation left in it, and liburing >= 2.6 moved the clearing of flags,
 * ioprio, rw_flags, buf_index, personality, file_index and addr3 out of
 * io_uring_prep_rw into io_uring_get_sqe: a slot that bypasses it must be
 * cleared here, or a stale IOSQE_FIXED_FILE or recv flag leaks into the next
 * operation.  Clearing all 64 bytes is correct for every version. */
static inline struct io_uring_sqe *sqe_fast(struct urt *rt)
{
	struct io_uring_sq *sq = &rt->ring.sq;
	if (URT__UNLIKELY(sq_space(rt) == 0))
		return NULL;
	/* ops_started: its caller counts it if it is a start (internal.h:
	 * urt__settle). */
	urt__settle(rt);
	struct io_uring_sqe *sqe = &sq->sqes[sq->sqe_tail++ & sq->ring_mask];
	rt->sq_seen = sq->sqe_tail;
	memset(sqe, 0, sizeof(*sqe));
	return sqe;
}

/* SQPOLL: everything queued has been published, and the poller frees
 * slots on its own as it consumes them.  Wait until need are free (an
 * operation and its link timeout take two): io_uring_sqring_wait returns as
 * soon as one slot is free, so with some free but too few, wake the poller
 * if it sleeps and give it the CPU.  Bounded: a poller that stops consuming
 * (it died) must not hang us. */
static int sqpoll_wait_space(struct urt *rt, unsigned need)
{
	for (unsigned spins = 0; sq_space(rt) < need; spins++) {
		if (spins >= 1000000)
			return -EBUSY;
		if (sq_space(rt) == 0) {
			rt->stats.enter_calls++; /* liburing enters to wait only when none is free */
			int ret = io_uring_sqring_wait(&rt->ring);
			if (ret < 0 && ret != -EINTR && ret != -EAGAIN)
				return ret;
		} else {
			int ret = sqpoll_submit(rt, 0); /* publishes nothing new; wakes a sleeping poller */
			if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
				return ret;
			sched_yield();
		}
	}
	return 0;
}

/* An SQE for op, with need slots free (an operation and its link timeout
 * must reach the kernel in the same submit).  A full SQ is published first:
 * under SQPOLL the poller frees slots only by consuming what it has been
 * shown, so waiting for space without submitting would return at once with
 * none.  NULL only when a fault says so or the ring is dead. */
static struct io_uring_sqe *get_sqe(struct urt *rt, const struct urt__op *op, unsigned need)
{
	for (unsigned tries = 0;; tries++) {
		if (!URT__FAULT_OP(rt, op, URT_FAULT_GET_SQE, EBUSY) && URT__LIKELY(sq_space(rt) >= need))
			return sqe_fast(rt);
		rt->stats.sq_full++;
		if (tries >= URT__MAX_RETRIES || rt->fatal)
			return NULL;
		if (submit(rt, 0, false) < 0)
			return NULL;
		if ((rt->flags & URT_SQPOLL) && sq_space(rt) < need && sqpoll_wait_space(rt, need) < 0)
			return NULL;
	}
}

/* Whether a read's result may be cut after it completed: only a read at an
 * explicit offset from a file with positions.  Everything else (pipes,
 * sockets, ttys, off -1 which moves the file position) has consumed the
 * bytes.  A system call, so only asked when the fault fires. */
static bool positioned(const struct urt__op *op)
{
	if (op->off == (uint64_t)-1)
		return false;
	int saved = errno;
	struct stat st;
	bool ok = fstat(op->fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
	errno = saved;
	return ok;
}

/* faults: the caller is on the slow path, where the fault points that
 * change an operation's length may fire. */
static inline void prep(struct urt *rt, struct io_uring_sqe *sqe, struct urt__op *op, bool faults)
{
	uint32_t len = op->len;
	if (faults) {
		op->flags &= ~URT__OP_CUT;
		switch (op->opcode) {
		case IORING_OP_READ:
		case IORING_OP_READ_FIXED:
		case IORING_OP_RECV:
			if (len > 1 && URT__FAULT_OP(rt, op, URT_FAULT_READ_SHORT, 1)) {
				if (op->opcode != IORING_OP_RECV && positioned(op))
					op->flags |= URT__OP_CUT;
				else
					len = 1 + (uint32_t)(urt__fault_rand(op, URT_FAULT_READ_SHORT) % (len - 1));
			}
			break;
		case IORING_OP_WRITE:
		case IORING_OP_WRITE_FIXED:
		case IORING_OP_SEND:
			/* The kernel really writes fewer bytes: a true short write. */
			if (len > 1 && URT__FAULT_OP(rt, op, URT_FAULT_WRITE_SHORT, 1))
				len = 1 + (uint32_t)(urt__fault_rand(op, URT_FAULT_WRITE_SHORT) % (len - 1));
			break;
		case IORING_OP_SPLICE: {
			int p = urt__splice_short_point(op);
			if (len > 1 && p >= 0 && URT__FAULT_OP(rt, op, (enum urt_fault_point)p, 1))
				len = 1 + (uint32_t)(urt__fault_rand(op, (enum urt_fault_point)p) % (len - 1));
			break;
		}
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
	case IORING_OP_SPLICE: /* io.c: fd_in in addr, off_in in addr2 */
		io_uring_prep_splice(sqe, (int)(intptr_t)op->addr, (int64_t)op->addr2, fd, (int64_t)op->off, len,
				     op->op_flags);
		break;
	}
	if (URT__UNLIKELY(op->flags & URT__OP_NET))
		urt__net_prep(rt, sqe, op, len, faults); /* net.c: its opcodes and SQE flags */
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
	if (urt__sq_pending(rt) >= rt->submit_at)
		submit(rt, 0, false); /* refreshes sq_stop */
	else
		urt__sq_stop_refresh(rt);
}


/* The slow path of queue_op: cancelled before it was (re)queued, fault
 * points armed, a link timeout to add, or the SQ full. */
static __attribute__((noinline)) void queue_op_slow(struct urt *rt, struct urt__op *op)
{
	if (op->flags & URT__OP_CANCELLED) {
		complete(rt, op, -ECANCELED);
		return;
	}
	if (rt->fatal) {
		complete(rt, op, rt->fatal);
		return;
	}
	for (;;) {
		int err = URT__FAULT_OP(rt, op, URT_FAULT_OP_EAGAIN, EAGAIN);
		if (!err)
			break;
		if (op->retries >= URT__MAX_RETRIES) {
			complete(rt, op, -err);
			return;
		}
		op->retries++;
		rt->stats.op_retries++;
	}
	bool linked = op->flags & URT__OP_LINKED;
	if (linked && rt->ring.sq.ring_entries < 2) {
		complete(rt, op, -EINVAL); /* a one-entry SQ cannot hold an op and its timeout */
		return;
	}
	struct io_uring_sqe *sqe = get_sqe(rt, op, linked ? 2 : 1);
	if (!sqe) {
		complete(rt, op, rt->fatal ? rt->fatal : -EBUSY);
		return;
	}
	prep(rt, sqe, op, true);
	if (linked) {
		/* Both SQEs go out in the same submit: queued() below is the
		 * only place that submits, and get_sqe left room for two. */
		sqe->flags |= IOSQE_IO_LINK;
		struct io_uring_sqe *t = sqe_fast(rt);
		io_uring_prep_link_timeout(t, &op->link_ts, 0);
		io_uring_sqe_set_data64(t, (uint64_t)(uintptr_t)op | URT__TAG_LTIMEOUT);
		op->flags &= ~(URT__OP_TIMED_OUT | URT__OP_HELD);
		op->ltimeout_pending = 1;
	}
	queued(rt);
}

int urt__chain_queue(struct urt *rt, struct urt__op *const *ops, unsigned n)
{
	unsigned need = 0;
	for (unsigned i = 0; i < n; i++)
		need += urt__chain_sqes(ops[i]);
	/* All SQEs at once, before any is filled: the links must be adjacent
	 * in the SQ and reach the kernel in one submit (a submit that ends
	 * inside a chain ends the chain there), and nothing below submits. */
	if (need > rt->ring.sq.ring_entries)
		return -EINVAL;
	struct io_uring_sqe *sqe = get_sqe(rt, ops[0], need);
	if (!sqe)
		return rt->fatal ? rt->fatal : -EBUSY;
	for (unsigned i = 0; i < n; i++) {
		struct urt__op *op = ops[i];
		bool last = i + 1 == n;
		if (i)
			sqe = sqe_fast(rt);
		prep(rt, sqe, op, false);
		/* Plain fds, never the registered table: the kernel looks a
		 * link's file up only when the link starts, maybe long after,
		 * and urt_register_files/urt_unregister_file meanwhile would
		 * hand it another file or none (urt.h: a link's fds must stay
		 * open until urt_chain returns). */
		if (sqe->flags & IOSQE_FIXED_FILE) {
			sqe->flags &= (uint8_t)~IOSQE_FIXED_FILE;
			sqe->fd = op->fd;
		}
		if (!last || (op->flags & URT__OP_LINKED))
			sqe->flags |= IOSQE_IO_LINK;
		if (op->flags & URT__OP_LINKED) {
			/* A link timeout inside a chain bounds the operation
			 * before it and, linked itself, passes the chain on. */
			struct io_uring_sqe *t = sqe_fast(rt);
			io_uring_prep_link_timeout(t, &op->link_ts, 0);
			io_uring_sqe_set_data64(t, (uint64_t)(uintptr_t)op | URT__TAG_LTIMEOUT);
			if (!last)
				t->flags |= IOSQE_IO_LINK;
			op->flags &= ~(URT__OP_TIMED_OUT | URT__OP_HELD);
			op->ltimeout_pending = 1;
		}
	}
	queued(rt); /* submits a full batch, and moves sq_stop past the chain */
	return 0;
}

/* Puts op on the SQ (or completes it at once when a fault says so). */
static inline void queue_op(struct urt *rt, struct urt__op *op)
{
	struct io_uring_sqe *sqe;
	if (URT__ARMED() || URT__UNLIKELY(op->flags & (URT__OP_CANCELLED | URT__OP_LINKED)) ||
	    URT__UNLIKELY(!(sqe = sqe_fast(rt)))) {
		queue_op_slow(rt, op);
		return;
	}
	prep(rt, sqe, op, false);
	queued(rt);
}

/* The slow start: the operation's identity for faults, its link timeout,
 * and an injected operation error that completes it at once. */
static __attribute__((noinline)) void op_start_slow(struct urt *rt, struct urt__op *op, struct urt__task *self)
{
	if (!self) {
		/* The runtime's own operation (the remote wake-up read, armed by
		 * the scheduler): no task, so no op timeout, and no injected
		 * faults (a cut or failed wake-up read would only be re-armed,
		 * turn after turn).  Its only slow path is a full SQ. */
		op->task_id = 0;
		op->seq = 0;
		op->ltimeout_pending = 0;
		struct io_uring_sqe *sqe = sqe_fast(rt);
		if (!sqe && submit(rt, 0, false) == 0)
			sqe = sqe_fast(rt);
		if (!sqe) {
			complete(rt, op, rt->fatal ? rt->fatal : -EBUSY); /* re-armed next turn */
			return;
		}
		prep(rt, sqe, op, false);
		queued(rt);
		return;
	}
	op->task_id = self->id;
	op->seq = self->op_seq++;
	op->ltimeout_pending = 0; /* read only while URT__OP_LINKED is set */
	if (self->op_timeout_ns) {
		op->flags |= URT__OP_LINKED;
		op->link_ts.tv_sec = (long long)(self->op_timeout_ns / 1000000000u);
		op->link_ts.tv_nsec = (long long)(self->op_timeout_ns % 1000000000u);
	}
	int err = URT__FAULT_OP(rt, op, URT_FAULT_OP_ERROR, EIO);
	if (err) {
		complete(rt, op, -err);
		return;
	}
	queue_op_slow(rt, op);
}

void urt__op_start(struct urt *rt, struct urt__op *op)
{
	urt__debug_slowdown();
	op->state = URT__OP_INFLIGHT;
	rt->stats.ops_started++;
	/* One test of the fault flag and one of "some task set a timeout" per
	 * operation; a new op is never cancelled. */
	struct io_uring_sqe *sqe;
	if (URT__ARMED() || URT__UNLIKELY(rt->op_timeouts_used) || URT__UNLIKELY(!(sqe = sqe_fast(rt)))) {
		op_start_slow(rt, op, urt__self); /* NULL: the scheduler's own wake-up read */
		return;
	}
	prep(rt, sqe, op, false);
	queued(rt);
}

void urt__op_restart(struct urt *rt, struct urt__op *op)
{
	op->state = URT__OP_INFLIGHT;
	queue_op(rt, op);
}

int urt__op_cancel(struct urt *rt, struct urt__op *op)
{
	if (op->state != URT__OP_INFLIGHT)
		return -EALREADY;
	if (op->flags & URT__OP_CANCELLED)
		return 0;
	op->flags |= URT__OP_CANCELLED;
	struct io_uring_sqe *sqe = get_sqe(rt, op, 1);
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
	urt__sq_stop_refresh(rt);
	return 0;
}

int urt_set_op_timeout(uint64_t ns)
{
	struct urt__task *self = urt__self;
	if (!self)
		return -EPERM;
	uint64_t prev = self->op_timeout_ns;
	self->op_timeout_ns = ns;
	if (ns) {
		self->rt->op_timeouts_used = true; /* from now on every op start looks */
		self->rt->slow_start |= URT__SLOW_OP_TIMEOUT;
		urt__sq_stop_refresh(self->rt);
	}
	return prev > INT_MAX ? INT_MAX : (int)prev;
}

void urt__cq_take_quiet(struct urt *rt, struct urt__task *self)
{
	struct io_uring_cq *cq = &rt->ring.cq;
	for (;;) {
		unsigned head = *cq->khead;
		if ((int)(rt->cq_end - head) <= 0)
			return;
		const struct io_uring_cqe *cqe = &cq->cqes[head & cq->ring_mask];
		uint64_t ud = cqe->user_data;
		int res = cqe->res;
		struct urt__op *op = (struct urt__op *)(uintptr_t)ud;
		if ((ud & URT__TAG_MASK) || res < 0 || (op->flags & URT__OP_SLOW_CQE) ||
		    (op->waiter && op->waiter != self))
			return;
		/* Counted like the fast take's: by urt__settle. */
		io_uring_smp_store_release(cq->khead, head + 1);
		if (res > 0)
			mark_filled(op, (size_t)res);
		op->res = res;
		op->state = URT__OP_DONE;
	}
}

/* Opens a CQ pass over the completions ready now (internal.h:
 * urt__cq_take): the ones that arrive during it wait for the next pass, so
 * a pass ends even when every task it runs completes another operation at
 * once.  Like reap: completions the kernel parked on its overflow list (the
 * CQ was full; the last pass has made room) are fetched first, and task
 * work it holds back (COOP_TASKRUN's IORING_SQ_TASKRUN) is run when nothing
 * is ready. */
static void cq_pass_begin(struct urt *rt)
{
	struct io_uring_cq *cq = &rt->ring.cq;
	unsigned kflags = IO_URING_READ_ONCE(*rt->ring.sq.kflags);
	if (URT__UNLIKELY(kflags & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN))) {
		if (kflags & IORING_SQ_CQ_OVERFLOW) {
			rt->stats.cq_overflow_flushes++;
			rt->stats.enter_calls++;
			io_uring_get_events(&rt->ring);
		} else if (io_uring_smp_load_acquire(cq->ktail) == *cq->khead) {
			rt->stats.enter_calls++;
			io_uring_get_events(&rt->ring);
		}
	}
	rt->cq_end = io_uring_smp_load_acquire(cq->ktail);
	if (rt->cq_end != *cq->khead)
		urt__count_cq_batch(rt);
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
 * completions.  Everything queued is submitted in the same enter.
 *
 * wait_nr > 1 is a batching hint, never a promise to wait for that many:
 * the second of two completions may need the task that the first one wakes
 * (A reads what B writes after B's read completes), so waiting for both
 * would sleep for ever.  Wait up to URT__WAIT_WINDOW_NS for wait_nr (never
 * more than are in flight), and if none came, sleep until one does: an idle
 * runtime still sleeps in the kernel.
 */
static int reactor_poll(struct urt *rt, bool may_block, bool cq_pass)
{
	if (URT__UNLIKELY(rt->fatal))
		return go_fatal(rt, rt->fatal);
	/* Operations a CQ pass handed back for a retry go out with this
	 * submit: waiting with one of them unsubmitted could wait for ever. */
	if (URT__UNLIKELY(rt->retry_head != NULL))
		resubmit_retries(rt);
	unsigned wait = 0;
	if (may_block) {
		unsigned inflight = urt__inflight(rt);
		wait = rt->wait_nr < inflight ? rt->wait_nr : inflight;
	}
	/* Completions may already be waiting (NOPs and cached reads finish
	 * inside the submit that a full batch triggered): then an enter that
	 * blocks for them is a wasted system call. */
	if (wait && io_uring_cq_ready(&rt->ring) >= wait)
		wait = 0;
	int ret;
	if (wait > 1) {
		/* Without EXT_ARG liburing would queue a timeout SQE of its own
		 * (user_data LIBURING_UDATA_TIMEOUT) that reap does not know:
		 * fall back to waiting for one. */
		if (rt->ring.features & IORING_FEAT_EXT_ARG) {
			ret = submit(rt, wait, true);
			if (ret < 0)
				return ret;
		}
		wait = (io_uring_cq_ready(&rt->ring) || rt->runq_len || rt->retry_head || !urt__inflight(rt)) ? 0 : 1;
	}
	ret = submit(rt, wait, false);
	if (ret < 0)
		return ret;
	/* DEFER_TASKRUN posts completions only inside an enter(GETEVENTS). */
	if (!wait && (rt->flags & URT_DEFER_TASKRUN) && urt__inflight(rt)) {
		rt->stats.enter_calls++;
		io_uring_get_events(&rt->ring);
	}
	if (cq_pass)
		cq_pass_begin(rt);
	else
		reap(rt);
	resubmit_retries(rt);
	return rt->fatal;
}

int urt__reactor_poll(struct urt *rt, bool may_block)
{
	return reactor_poll(rt, may_block, false);
}

int urt__reactor_poll_cq(struct urt *rt, bool may_block)
{
	return reactor_poll(rt, may_block, true);
}

/* Moves the ring's fd to 3 or above.  A process started with stdin (or
 * stdout, stderr) closed would otherwise get its ring on that number, and
 * the program's urt_read(0, ...) would read the ring.  liburing keeps the
 * fd twice (ring_fd for register/mmap, enter_ring_fd for enter; equal while
 * the ring fd is not registered, which it is not yet here): both move. */
static int ring_fd_above_stdio(struct io_uring *ring)
{
	if (ring->ring_fd > 2)
		return 0;
	int fd = fcntl(ring->ring_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	close(ring->ring_fd);
	ring->ring_fd = fd;
	ring->enter_ring_fd = fd;
	return 0;
}

/*
 * urt_run enters the kernel through a registered ring fd: io_uring_enter
 * then finds the ring in the calling thread's own table instead of looking
 * the fd up in the process's file table (with an atomic reference when the
 * process has threads).  A registration belongs to the thread that made
 * it, so it lasts at most one urt_run, on its thread (from its 16th turn:
 * executor.c): every enter, register and ring teardown from elsewhere
 * (urt_run_once from any thread, urt_destroy, a forked child) goes through
 * the plain fd.  Refused (the thread's table of 16 is full, an old
 * kernel): the plain fd, nothing else changes.
 */
void urt__ring_fd_register(struct urt *rt)
{
	if (rt->ring_registered)
		return;
	int saved = errno;
	rt->ring_registered = io_uring_register_ring_fd(&rt->ring) == 1;
	errno = saved;
}

int urt__ring_fd_unregister(struct urt *rt)
{
	if (!rt->ring_registered)
		return 0;
	/* A child forked inside urt_run has no registration of its own (the
	 * kernel's per-thread table is not inherited): nothing to undo.  Its
	 * copy of liburing's state still names the parent's index, which
	 * io_uring_queue_exit would take back from the child's own table:
	 * its urt_destroy unmaps and closes by hand (urt__reactor_ring_exit). */
	if (URT__FORKED(rt)) {
		rt->ring_registered = false;
		return 0;
	}
	int saved = errno;
	/* Same thread, same registration: this fails only when the ring fd
	 * was closed or replaced behind the runtime (the registration kept the
	 * ring alive meanwhile, so urt_run saw no error).  liburing then still
	 * enters by the index, which on any other thread reaches nothing
	 * (-EINVAL) or that thread's own ring at the same index (a wait there
	 * for ever): the ring is lost, fatal as an enter failing on the fd. */
	int ret = io_uring_unregister_ring_fd(&rt->ring);
	errno = saved;
	if (ret == 1) {
		rt->ring_registered = false;
		return 0;
	}
	/* Never tried again (another thread's fd of that number, or another
	 * thread's index, would lose its own registration): the table place
	 * stays taken until this thread exits. */
	rt->ring_registered = false;
	if (!rt->fatal)
		rt->fatal = ret < 0 ? ret : -EBADF;
	/* That place keeps the ring alive, and whatever it still holds may
	 * complete into the buffers and stacks: urt_destroy must leak them
	 * rather than free them (drain_left is counted at the drain). */
	rt->drain_failed = true;
	return rt->fatal;
}

/*
 * io_uring_queue_exit, except when liburing's state still says "registered
 * at index i" although urt_run took the registration back or gave up on it
 * (a child forked inside urt_run; the ring fd closed behind urt_run).
 * io_uring_queue_exit would then take back index i of the calling thread's
 * table (the kernel does not check which ring is there: one of the
 * caller's own rings would lose its registration).  So the ring is torn
 * down by hand: the sizes are liburing's public fields.
 */
void urt__reactor_ring_exit(struct urt *rt)
{
	struct io_uring *r = &rt->ring;
	if (r->enter_ring_fd == r->ring_fd) {
		io_uring_queue_exit(r);
		return;
	}
	munmap(r->sq.sqes, (size_t)r->sq.ring_entries * sizeof(struct io_uring_sqe));
	if (r->cq.ring_ptr && r->cq.ring_ptr != r->sq.ring_ptr)
		munmap(r->cq.ring_ptr, r->cq.ring_sz);
	munmap(r->sq.ring_ptr, r->sq.ring_sz);
	close(r->ring_fd);
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
	int saved = errno;
	ret = ring_fd_above_stdio(&rt->ring);
	errno = saved;
	if (ret < 0) {
		io_uring_queue_exit(&rt->ring);
		return ret;
	}
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
	urt__sq_stop_refresh(rt);
	return 0;
}

static uint64_t drain_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail: errno untouched */
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
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
	/* Bounded by elapsed time, not by rounds: a round can end at once
	 * (a completion arrives), so a round count says nothing about how
	 * long the kernel was given. */
	const uint64_t limit_ns = 10ull * 1000 * 1000 * 1000; /* urt.h: 10 s */
	const uint64_t start = drain_now_ns();
	bool want_cancel = true;
	while (urt__inflight(rt) > 0 && !rt->fatal) {
		/* One cancel-any at the start, then another only after a wait
		 * that saw no completion at all: the CQE of our own cancel
		 * would otherwise end every wait at once, and the loop would
		 * spin through its bound while an operation the kernel cannot
		 * cancel at once (a zero-copy send's notification) is still
		 * on its way. */
		if (want_cancel) {
			urt__settle(rt);
			struct io_uring_sqe *sqe = io_uring_get_sqe(&rt->ring);
			rt->sq_seen = rt->ring.sq.sqe_tail; /* not an operation's start */
			if (sqe) {
				io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
				io_uring_sqe_set_data64(sqe, URT__TAG_CANCEL); /* cancel for no op */
				want_cancel = false;
			}
		}
		uint64_t spent = drain_now_ns() - start;
		if (spent >= limit_ns) {
			rt->fatal = -ETIMEDOUT;
			break;
		}
		uint64_t wait_ns = limit_ns - spent;
		if (wait_ns > 100ull * 1000 * 1000)
			wait_ns = 100ull * 1000 * 1000;
		struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = (long long)wait_ns };
		struct io_uring_cqe *cqe;
		int ret = io_uring_submit_and_wait_timeout(&rt->ring, &cqe, 1, &ts, NULL);
		if (ret < 0 && ret != -ETIME && !transient(ret)) {
			/* The ring refuses this thread (-EEXIST: a DEFER_TASKRUN
			 * ring entered from another thread than its creator's) or
			 * is dead: nothing more can be reaped.  Take back what was
			 * never submitted; what the kernel holds stays counted in
			 * urt__inflight (drain_left), and urt_destroy leaks its memory. */
			if (!(rt->flags & URT_SQPOLL))
				abandon_unsubmitted(rt, ret);
			rt->fatal = ret;
			rt->drain_failed = true;
			break;
		}
		if (ret == -ETIME)
			want_cancel = true; /* quiet for 100 ms: ask again */
		rt->sq_base = rt->ring.sq.sqe_tail - io_uring_sq_ready(&rt->ring);
		reap(rt);
		while (rt->retry_head) {
			struct urt__op *op = rt->retry_head;
			rt->retry_head = op->next;
			complete(rt, op, -ECANCELED);
		}
	}
	rt->drain_left = urt__inflight(rt); /* the ring's positions go with it */
	urt__settle(rt);
	urt__reactor_ring_exit(rt); /* not queue_exit: see there */
	rt->ring_ready = false;
}
