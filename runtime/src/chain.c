/*
 * chain.c - urt_chain: operations run one after another as io_uring link
 * chains, in pieces that fit the ring, with the single calls' rules for
 * faults, op timeouts and transient failures (urt.h, "Chains").
 */
#define _GNU_SOURCE /* SPLICE_F_* */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>

/* A link longer than URT__MAX_RW (internal.h) could never complete in
 * full: it is refused. */

/* Records per piece: the task holds their pointers on its stack. */
#define PIECE_MAX 64

static int check_op(const struct urt_chain_op *o)
{
	switch (o->opcode) {
	case URT_CHAIN_NOP:
	case URT_CHAIN_FSYNC:
		return o->flags ? -EINVAL : 0;
	case URT_CHAIN_READ:
	case URT_CHAIN_WRITE:
		return o->flags || o->off < -1 || o->len > URT__MAX_RW ? -EINVAL : 0;
	case URT_CHAIN_SPLICE:
		if (o->flags & ~(unsigned)(SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE))
			return -EINVAL;
		return o->off < -1 || o->off_out < -1 || o->len > URT__MAX_RW ? -EINVAL : 0;
	}
	return -EINVAL;
}

/* The record for ops[i] as the single call would fill it (io.c). */
static void fill(struct urt__op *op, const struct urt_chain_op *o, struct urt__task *self)
{
	static const uint8_t opcode[] = {
		[URT_CHAIN_NOP] = IORING_OP_NOP,     [URT_CHAIN_READ] = IORING_OP_READ,
		[URT_CHAIN_WRITE] = IORING_OP_WRITE, [URT_CHAIN_FSYNC] = IORING_OP_FSYNC,
		[URT_CHAIN_SPLICE] = IORING_OP_SPLICE,
	};
	op->opcode = opcode[o->opcode];
	op->state = URT__OP_INFLIGHT;
	op->retries = 0;
	op->cancel_pending = 0;
	op->ltimeout_pending = 0;
	op->waiter = self;
	op->len = (uint32_t)o->len; /* at most URT__MAX_RW: check_op */
	op->op_flags = 0;
	op->buf_index = 0;
	op->addr2 = 0;
	switch (o->opcode) {
	case URT_CHAIN_NOP:
		op->fd = -1;
		op->addr = NULL;
		op->len = 0;
		op->off = 0;
		break;
	case URT_CHAIN_FSYNC:
		op->fd = o->fd;
		op->addr = NULL;
		op->len = 0;
		op->off = 0;
		break;
	case URT_CHAIN_SPLICE: /* reactor.c's prep: fd_in in addr, off_in in addr2 */
		op->fd = o->fd_out;
		op->addr = (void *)(intptr_t)o->fd;
		op->addr2 = (uint64_t)o->off;
		op->off = (uint64_t)o->off_out;
		op->op_flags = o->flags;
		break;
	default:
		op->fd = o->fd;
		op->addr = o->buf;
		op->off = (uint64_t)o->off;
		break;
	}
	/* URT__OP_FILLS: what a read filled is told to memcheck (below,
	 * urt__op_filled) before the results are handed over. */
	op->flags = (uint16_t)(URT__OP_CHAIN | urt__fill_flags(op->opcode));
	op->task_id = self->id;
	op->seq = self->op_seq++;
	if (self->op_timeout_ns) {
		op->flags |= URT__OP_LINKED;
		op->link_ts.tv_sec = (long long)(self->op_timeout_ns / 1000000000u);
		op->link_ts.tv_nsec = (long long)(self->op_timeout_ns % 1000000000u);
	}
}

/* The fault points that act before submission, as on the single call:
 * urt/op/error and urt/op/eagain (retried, then its error) fail the
 * operation without the kernel; urt/read/short and urt/write/short cut
 * its length, so the kernel really moves fewer bytes.  0, or the error
 * that ends the chain at this operation. */
static int faults_before(struct urt *rt, struct urt__op *op)
{
	int err = URT__FAULT_OP(rt, op, URT_FAULT_OP_ERROR, EIO);
	if (err)
		return -err;
	while ((err = URT__FAULT_OP(rt, op, URT_FAULT_OP_EAGAIN, EAGAIN))) {
		if (op->retries >= URT__MAX_RETRIES)
			return -err;
		op->retries++;
		rt->stats.op_retries++;
	}
	int p = -1;
	if (op->opcode == IORING_OP_READ)
		p = URT_FAULT_READ_SHORT;
	else if (op->opcode == IORING_OP_WRITE)
		p = URT_FAULT_WRITE_SHORT;
	else if (op->opcode == IORING_OP_SPLICE)
		p = urt__splice_short_point(op);
	if (op->len > 1 && p >= 0 && URT__FAULT_OP(rt, op, (enum urt_fault_point)p, 1))
		op->len = 1 + (uint32_t)(urt__fault_rand(op, (enum urt_fault_point)p) % (op->len - 1));
	return 0;
}

static bool in_full(const struct urt_chain_op *o, ssize_t res)
{
	if (o->opcode == URT_CHAIN_NOP || o->opcode == URT_CHAIN_FSYNC)
		return res == 0;
	return res >= 0 && (size_t)res == o->len;
}

/* Done with: its result in, and no CQE of its link timeout still to come
 * (that CQE names the record, which goes back to the pool). */
static bool settled(const struct urt__op *op)
{
	return op->state == URT__OP_DONE && op->ltimeout_pending == 0 && op->cancel_pending == 0;
}

/* Runs ops[from, to) as one link chain and waits for all of it.  Returns
 * the index of the first operation not completed in full (to when none),
 * with the results stored; *transient says that operation failed in a way
 * the single calls retry; the kernel delivered ops[from, *delivered_end). */
static unsigned run_piece(struct urt__task *self, struct urt_chain_op *ops, unsigned from, unsigned to,
			  struct urt__op **rec, bool *transient, unsigned *delivered_end)
{
	struct urt *rt = self->rt;
	*transient = false;
	*delivered_end = from;
	unsigned n = 0, cut = to;
	int cut_err = 0;
	for (unsigned i = from; i < to; i++) {
		struct urt__op *op = urt__op_alloc(rt);
		if (!op) {
			cut = i;
			cut_err = -ENOMEM;
			break;
		}
		rec[n++] = op;
		fill(op, &ops[i], self);
		urt__debug_slowdown();
		int err = faults_before(rt, op);
		if (err) {
			/* As the single call: started, completed, an error surfaced. */
			rt->stats.ops_started++;
			rt->stats.ops_completed++;
			rt->stats.errors_surfaced++;
			cut = i;
			cut_err = err;
			n--;
			urt__op_free(rt, op);
			break;
		}
		if (op->len < ops[i].len) {
			/* A short fault: the kernel sees a complete operation
			 * and would go on with the next link, so the piece
			 * ends here; its short count ends the chain. */
			break;
		}
	}
	if (n > 0) {
		int err = urt__chain_queue(rt, rec, n);
		if (err) {
			for (unsigned j = 0; j < n; j++)
				urt__op_free(rt, rec[j]);
			cut = from;
			cut_err = err;
			n = 0;
		} else {
			rt->stats.ops_started += n;
		}
	}
	for (unsigned j = 0; j < n; j++)
		while (!settled(rec[j]))
			urt__suspend_task(self);

	unsigned first = to;
	for (unsigned j = 0; j < n; j++) {
		unsigned i = from + j;
		urt__op_filled(rec[j]);
		ops[i].res = rec[j]->res;
		if (first == to && !in_full(&ops[i], ops[i].res)) {
			first = i;
			/* The first link that did not complete in full: if it
			 * failed transiently, nothing after it has run. */
			int r = rec[j]->res;
			*transient = urt__retryable(r) && !(rec[j]->flags & URT__OP_TIMED_OUT);
		}
	}
	*delivered_end = from + n;
	for (unsigned j = 0; j < n; j++)
		urt__op_free(rt, rec[j]);
	if (first == to && cut < to) {
		first = cut;
		ops[cut].res = cut_err;
	}
	return first;
}

int urt_chain(struct urt_chain_op *ops, unsigned n)
{
	if (!ops && n)
		return -EINVAL;
	if (n > INT_MAX)
		return -EINVAL; /* the count must fit the int answer */
	for (unsigned i = 0; i < n; i++)
		if (check_op(&ops[i]) < 0)
			return -EINVAL;
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return urt__forked_in_task ? -ECHILD : -EPERM;
	struct urt *rt = self->rt;
	struct urt__op *rec[PIECE_MAX];
	unsigned per_op = self->op_timeout_ns ? 2 : 1; /* a link timeout after each */
	unsigned room = rt->ring.sq.ring_entries / per_op;
	if (room == 0)
		room = 1; /* a one-entry SQ with timeouts: urt__chain_queue says -EINVAL */
	if (room > PIECE_MAX)
		room = PIECE_MAX;
	/* Retries are counted per operation, as for the single calls: the
	 * count starts again when the chain got past the one that failed. */
	unsigned i = 0, retries = 0, retried_at = UINT_MAX;
	while (i < n) {
		unsigned to = n - i > room ? i + room : n;
		bool transient;
		unsigned delivered_end;
		unsigned first = run_piece(self, ops, i, to, rec, &transient, &delivered_end);
		if (first == to) {
			i = to;
			continue;
		}
		if (first != retried_at)
			retries = 0;
		if (transient && retries < URT__MAX_RETRIES) {
			retries++;
			retried_at = first;
			rt->stats.op_retries++;
			/* Those links start again: counted once, when they are
			 * delivered for good, as a single call retried inside. */
			for (unsigned j = first; j < delivered_end; j++) {
				rt->stats.ops_started--;
				rt->stats.ops_completed--;
				if (ops[j].res < 0)
					rt->stats.errors_surfaced--;
			}
			i = first; /* nothing after it has run: start again from it */
			continue;
		}
		for (unsigned j = first + 1; j < n; j++)
			ops[j].res = -ECANCELED;
		return (int)first;
	}
	return (int)n;
}
