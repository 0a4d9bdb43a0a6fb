/*
 * net.c - sockets beyond read/write: sendmsg/recvmsg/shutdown, zero-copy
 * send, provided buffer rings, and two multishot objects (a listener for
 * accept, a receiver for recv).
 *
 * How it meets the reactor: every operation started here carries
 * URT__OP_NET.  The reactor then calls urt__net_prep after its own prep
 * (which knows none of these opcodes but RECV) to fill the SQE, and
 * urt__net_cqe with each CQE's flags before it finishes the operation.
 * urt__net_cqe takes the CQEs that are not the last of their operation
 * (IORING_CQE_F_MORE: a multishot's results, a zero-copy send's result
 * before its notification) and gives the reactor only the last one, so the
 * operation record stays alive, counted in flight, until the kernel is done
 * with it; everything else (link timeouts, retries, cancels, faults) is the
 * reactor's usual path.
 *
 * The multishot objects hold their operation record inside them (not in the
 * pool: no future names it).  Their CQEs queue results in the object and
 * wake the task waiting on it; when the kernel ends the multishot (an
 * error, no buffers left, or a CQ that overflowed), the record completes
 * like any operation and the next call re-arms it.
 */
#include "internal.h"
#include "sanitizer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum net_kind { NET_BUFRING = 1, NET_LISTENER, NET_RECEIVER };

/* What urt_destroy finds through rt->net_objs. */
struct urt__net_obj {
	unsigned kind;
	struct urt *rt;
	struct urt__net_obj *prev, *next;
};

/* A task waiting for a buffer to come back (on its own stack). */
struct buf_waiter {
	struct urt__task *task;
	struct buf_waiter *next;
	bool woken;
};

struct urt_bufring {
	struct urt__net_obj obj;
	struct io_uring_buf_ring *ring; /* shared with the kernel: it takes entries from here */
	size_t ring_bytes;
	char *mem;                      /* nbufs * buf_size */
	size_t mem_bytes;
	uint8_t *is_out;                /* per buffer: the program (or a receiver's queue) holds it */
	unsigned nbufs;
	uint32_t buf_size;
	uint16_t bgid;
	unsigned out;      /* buffers held outside the ring */
	unsigned users;    /* receivers, and urt_recv_buf calls in flight */
	struct buf_waiter *waiters;
};

struct chunk {
	uint32_t bid;
	uint32_t len;
};

/* Listener and receiver: one armed multishot and the queue of its results. */
struct multi {
	struct urt__net_obj obj;
	struct urt__op op;
	union {
		int *fds;          /* listener: accepted connections */
		struct chunk *chunks; /* receiver: filled buffers */
	} q;
	unsigned qhead, qlen, qcap;
	int err;           /* listener: -ENOMEM (a connection was dropped); receiver: sticky error */
	bool eof;          /* receiver: the peer closed */
	bool closing;
	struct urt_bufring *br; /* receiver */
	struct urt__task *waiter; /* a task in urt_listener_accept / urt_receiver_next */
	struct urt__task *closer;
};
struct urt_listener {
	struct multi m;
};
struct urt_receiver {
	struct multi m;
};

#define CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* ---- objects urt_destroy must find ---- */

static void obj_link(struct urt *rt, struct urt__net_obj *o, unsigned kind)
{
	o->kind = kind;
	o->rt = rt;
	o->prev = NULL;
	o->next = rt->net_objs;
	if (o->next)
		o->next->prev = o;
	rt->net_objs = o;
}

static void obj_unlink(struct urt__net_obj *o)
{
	if (o->prev)
		o->prev->next = o->next;
	else
		o->rt->net_objs = o->next;
	if (o->next)
		o->next->prev = o->prev;
}

/* ---- the calling task ---- */

/* What a call made outside a task gets: -EPERM, or -ECHILD in a child
 * forked from a task (io.c's rule). */
static inline int outside_task(void)
{
	return urt__forked_in_task ? -ECHILD : -EPERM;
}

static bool op_idle(const struct urt__op *op)
{
	return op->state != URT__OP_INFLIGHT && op->cancel_pending == 0;
}

/* Starts op and suspends until the reactor is done with it (io.c's run_op:
 * the record may live on the task's stack for the same reasons). */
static ssize_t run_op(struct urt *rt, struct urt__op *op)
{
	/* Read once, before any switch: after one, another thread may run
	 * this task, and some compilers (aarch64) keep the thread pointer
	 * read on entry (io.c: urt__self_again). */
	struct urt__task *self = urt__self;
	urt__op_start(rt, op);
	while (!op_idle(op)) {
		op->waiter = self;
		urt__suspend_task(self);
	}
	return op->res;
}

static void init_op(struct urt__op *op, uint8_t opcode, int fd, void *addr, uint32_t len, uint32_t op_flags)
{
	memset(op, 0, sizeof(*op));
	op->opcode = opcode;
	op->flags = URT__OP_NET | URT__OP_STREAM;
	op->fd = fd;
	op->addr = addr;
	op->len = len;
	op->off = (uint64_t)-1;
	op->op_flags = op_flags;
	op->state = URT__OP_DONE;
}

/* ---- the reactor's hooks ---- */

static uint16_t bufring_bgid(const struct urt__op *op)
{
	const struct urt__net_obj *o = (const struct urt__net_obj *)(uintptr_t)op->addr2;
	if (o->kind == NET_BUFRING)
		return ((const struct urt_bufring *)o)->bgid;
	return ((const struct multi *)o)->br->bgid;
}

void urt__net_prep(struct urt *rt, struct io_uring_sqe *sqe, struct urt__op *op, uint32_t len, bool faults)
{
	/* prep's switch may have written a RECV or ACCEPT of its own: start
	 * from a clean SQE (liburing >= 2.6 no longer clears ioprio, flags or
	 * buf_index in its prep helpers). */
	memset(sqe, 0, sizeof(*sqe));
	int fd = op->fd;
	switch (op->opcode) {
	case IORING_OP_RECV:
		/* From a buffer of the group; len (prep may have shortened it
		 * for urt/read/short) caps the bytes taken.  A multishot
		 * receive has len 0: the whole buffer each time. */
		io_uring_prep_recv(sqe, fd, NULL, len, (int)op->op_flags);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = bufring_bgid(op);
		if (((const struct urt__net_obj *)(uintptr_t)op->addr2)->kind == NET_RECEIVER)
			sqe->ioprio |= IORING_RECV_MULTISHOT;
		break;
	case IORING_OP_ACCEPT:
		io_uring_prep_multishot_accept(sqe, fd, NULL, NULL, (int)op->op_flags);
		break;
	case IORING_OP_SEND_ZC:
		/* A true short send, as urt/write/short makes of IORING_OP_SEND. */
		if (faults && len > 1 && URT__FAULT_OP(rt, op, URT_FAULT_WRITE_SHORT, 1))
			len = 1 + (uint32_t)(urt__fault_rand(op, URT_FAULT_WRITE_SHORT) % (len - 1));
		io_uring_prep_send_zc(sqe, fd, op->addr, len, (int)op->op_flags, 0);
		break;
	case IORING_OP_SENDMSG:
		io_uring_prep_sendmsg(sqe, fd, op->addr, op->op_flags);
		break;
	case IORING_OP_RECVMSG:
		io_uring_prep_recvmsg(sqe, fd, op->addr, op->op_flags);
		break;
	case IORING_OP_SHUTDOWN:
		io_uring_prep_shutdown(sqe, fd, (int)op->op_flags);
		break;
	}
	(void)rt;
}

static void buf_recycle(struct urt_bufring *br, uint32_t bid)
{
	io_uring_buf_ring_add(br->ring, br->mem + (size_t)bid * br->buf_size, br->buf_size, (unsigned short)bid,
			      io_uring_buf_ring_mask(br->nbufs), 0);
	/* Release: the entry before the tail that shows it to the kernel. */
	io_uring_buf_ring_advance(br->ring, 1);
}

/* A buffer the kernel filled: now the program's (or a receiver's queue's). */
static char *buf_take(struct urt_bufring *br, uint32_t bid, int n)
{
	char *p = br->mem + (size_t)bid * br->buf_size;
	br->is_out[bid] = 1;
	br->out++;
	URT__VALGRIND_DEFINED(p, (size_t)n);
	return p;
}

bool urt__net_cqe(struct urt *rt, struct urt__op *op, int *res, uint32_t cflags)
{
	bool more = cflags & IORING_CQE_F_MORE;
	if (op->opcode == IORING_OP_SEND_ZC) {
		/* Two CQEs: the result (with F_MORE when a notification
		 * follows), then the notification (F_NOTIF) once the kernel no
		 * longer reads buf.  The result waits in op->off (unused by a
		 * send) and is the operation's result when the notification
		 * arrives. */
		if (cflags & IORING_CQE_F_NOTIF) {
			*res = (int)(int64_t)op->off;
			return false;
		}
		if (more) {
			op->off = (uint64_t)(int64_t)*res;
			rt->inflight_adj++; /* the operation is still in flight */
			return true;
		}
		return false;
	}
	if (op->opcode != IORING_OP_RECV && op->opcode != IORING_OP_ACCEPT)
		return false; /* sendmsg, recvmsg, shutdown: one CQE, nothing to read in its flags */
	struct urt__net_obj *o = (struct urt__net_obj *)(uintptr_t)op->addr2;
	if (o->kind == NET_BUFRING) { /* urt_recv_buf */
		struct urt_bufring *br = (struct urt_bufring *)o;
		if (cflags & IORING_CQE_F_BUFFER) {
			uint32_t bid = cflags >> IORING_CQE_BUFFER_SHIFT;
			if (*res > 0)
				op->addr = buf_take(br, bid, *res); /* the reactor marks it filled too */
			else
				buf_recycle(br, bid);
		}
		return false;
	}
	struct multi *m = CONTAINER(op, struct multi, op);
	if (o->kind == NET_LISTENER) {
		if (*res >= 0) {
			if (m->qlen == m->qcap) {
				unsigned cap = m->qcap ? m->qcap * 2 : 16;
				int *q = malloc(cap * sizeof(*q));
				if (!q) {
					/* Nowhere to keep it: close it (the client sees a
					 * closed connection) and tell the next accept. */
					close(*res);
					m->err = -ENOMEM;
					goto next;
				}
				for (unsigned i = 0; i < m->qlen; i++)
					q[i] = m->q.fds[(m->qhead + i) % m->qcap];
				free(m->q.fds);
				m->q.fds = q;
				m->qhead = 0;
				m->qcap = cap;
			}
			m->q.fds[(m->qhead + m->qlen++) % m->qcap] = *res;
		}
	} else { /* NET_RECEIVER */
		if (cflags & IORING_CQE_F_BUFFER) {
			uint32_t bid = cflags >> IORING_CQE_BUFFER_SHIFT;
			if (*res > 0) {
				/* At most nbufs buffers exist: the queue (nbufs
				 * long) cannot be full. */
				buf_take(m->br, bid, *res);
				m->q.chunks[(m->qhead + m->qlen++) % m->qcap] = (struct chunk){ bid, (uint32_t)*res };
			} else {
				buf_recycle(m->br, bid);
			}
		}
		if (*res == 0)
			m->eof = true;
	}
next:
	if (more) {
		rt->inflight_adj++; /* this CQE was one more than its SQE's one; the operation is still in flight */
		urt__wake(rt, op->waiter);
		return true;
	}
	/* The last CQE: a result it carried is queued already; what the
	 * operation completes with says only how it ended (0: re-arm). */
	if (*res > 0 || (o->kind == NET_LISTENER && *res == 0))
		*res = 0;
	return false;
}

/* ---- sendmsg, recvmsg, shutdown, zero-copy send ---- */

ssize_t urt_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (!msg)
		return -EINVAL;
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	struct urt__op op;
	init_op(&op, IORING_OP_SENDMSG, fd, (void *)msg, 0, (uint32_t)flags);
	return run_op(rt, &op);
}

ssize_t urt_recvmsg(int fd, struct msghdr *msg, int flags)
{
	if (!msg)
		return -EINVAL;
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	struct urt__op op;
	init_op(&op, IORING_OP_RECVMSG, fd, msg, 0, (uint32_t)flags);
	ssize_t r = run_op(rt, &op);
	if (r >= 0) {
		/* What the kernel wrote behind memcheck's back. */
		URT__VALGRIND_DEFINED(msg, sizeof(*msg));
		if (msg->msg_name)
			URT__VALGRIND_DEFINED(msg->msg_name, msg->msg_namelen);
		if (msg->msg_control)
			URT__VALGRIND_DEFINED(msg->msg_control, msg->msg_controllen);
		size_t n = (size_t)r;
		for (size_t i = 0; i < msg->msg_iovlen && n > 0; i++) {
			size_t k = msg->msg_iov[i].iov_len < n ? msg->msg_iov[i].iov_len : n;
			URT__VALGRIND_DEFINED(msg->msg_iov[i].iov_base, k);
			n -= k;
		}
	}
	return r;
}

int urt_shutdown(int fd, int how)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	struct urt__op op;
	init_op(&op, IORING_OP_SHUTDOWN, fd, NULL, 0, (uint32_t)how);
	return (int)run_op(rt, &op);
}

ssize_t urt_send_zc(int fd, const void *buf, size_t len, int flags)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	struct urt__op op;
	init_op(&op, IORING_OP_SEND_ZC, fd, (void *)buf, len > 0x7ffff000u ? 0x7ffff000u : (uint32_t)len,
		(uint32_t)flags);
	return run_op(rt, &op);
}

/* ---- provided buffer rings ---- */

/* Owner thread, or a task of rt. */
static int owner_or_task(const struct urt *rt)
{
	if (URT__FORKED(rt))
		return -ECHILD;
	if (!(urt__self && urt__self->rt == rt) && rt->owner_tid != urt__tid())
		return -EPERM;
	return 0;
}

/* A buffer group id for a new ring: the next never used one while there
 * are any (no search), then the lowest one no live ring holds (ids are 16
 * bits; a program that creates and destroys rings for ever must not run
 * out).  -ENOSPC when 65536 rings are alive, -ENOMEM. */
static int pick_bgid(struct urt *rt)
{
	if (rt->next_bgid <= 0xffff)
		return (int)rt->next_bgid;
	uint8_t *used = calloc(0x10000 / 8, 1);
	if (!used)
		return -ENOMEM;
	for (struct urt__net_obj *o = rt->net_objs; o; o = o->next)
		if (o->kind == NET_BUFRING) {
			uint16_t id = ((struct urt_bufring *)(void *)o)->bgid;
			used[id / 8] |= (uint8_t)(1u << (id % 8));
		}
	int id = -ENOSPC;
	for (unsigned i = 0; i <= 0xffff; i++)
		if (!(used[i / 8] & (1u << (i % 8)))) {
			id = (int)i;
			break;
		}
	free(used);
	return id;
}

int urt_bufring_create(struct urt_bufring **out, struct urt *rt, unsigned nbufs, size_t buf_size)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!rt || nbufs == 0 || nbufs > 32768 || (nbufs & (nbufs - 1)) || buf_size == 0 ||
	    buf_size > ((size_t)1 << 30))
		return -EINVAL;
	int ret = owner_or_task(rt);
	if (ret < 0)
		return ret;
	int saved = errno;
	int bgid = pick_bgid(rt);
	if (bgid < 0) {
		errno = saved;
		return bgid;
	}
	ret = -ENOMEM;
	struct urt_bufring *br = calloc(1, sizeof(*br));
	if (!br)
		goto fail;
	br->ring = MAP_FAILED;
	br->mem = MAP_FAILED;
	br->nbufs = nbufs;
	br->buf_size = (uint32_t)buf_size;
	br->is_out = calloc(nbufs, 1);
	if (!br->is_out)
		goto fail;
	/* The ring must be page-aligned (the kernel pins its pages): its own
	 * mapping.  The buffers are one mapping too, committed as touched. */
	br->ring_bytes = (size_t)nbufs * sizeof(struct io_uring_buf);
	br->ring = mmap(NULL, br->ring_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (br->ring == MAP_FAILED)
		goto fail;
	if ((size_t)nbufs > SIZE_MAX / buf_size)
		goto fail;
	br->mem_bytes = (size_t)nbufs * buf_size;
	br->mem = mmap(NULL, br->mem_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (br->mem == MAP_FAILED)
		goto fail;
	io_uring_buf_ring_init(br->ring);
	for (unsigned i = 0; i < nbufs; i++)
		io_uring_buf_ring_add(br->ring, br->mem + (size_t)i * buf_size, (unsigned)buf_size,
				      (unsigned short)i, io_uring_buf_ring_mask(nbufs), (int)i);
	io_uring_buf_ring_advance(br->ring, (int)nbufs);
	/* io_uring_register_buf_ring is in liburing 2.3 and every later one
	 * (2.4 added io_uring_setup_buf_ring, which maps the ring itself; we
	 * map it ourselves and so need only this one). */
	struct io_uring_buf_reg reg;
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (uint64_t)(uintptr_t)br->ring;
	reg.ring_entries = nbufs;
	reg.bgid = (uint16_t)bgid;
	ret = io_uring_register_buf_ring(&rt->ring, &reg, 0);
	if (ret < 0)
		goto fail;
	br->bgid = (uint16_t)bgid;
	if ((unsigned)bgid == rt->next_bgid)
		rt->next_bgid++;
	obj_link(rt, &br->obj, NET_BUFRING);
	*out = br;
	errno = saved;
	return 0;
fail:
	if (br) {
		if (br->mem != MAP_FAILED)
			munmap(br->mem, br->mem_bytes);
		if (br->ring != MAP_FAILED)
			munmap(br->ring, br->ring_bytes);
		free(br->is_out);
		free(br);
	}
	errno = saved;
	return ret;
}

static void bufring_free(struct urt_bufring *br)
{
	munmap(br->mem, br->mem_bytes);
	munmap(br->ring, br->ring_bytes);
	free(br->is_out);
	free(br);
}

int urt_bufring_destroy(struct urt_bufring *br)
{
	if (!br)
		return -EINVAL;
	struct urt *rt = br->obj.rt;
	int ret = owner_or_task(rt);
	if (ret < 0)
		return ret;
	if (br->out || br->users || br->waiters)
		return -EBUSY;
	int saved = errno;
	io_uring_unregister_buf_ring(&rt->ring, br->bgid);
	obj_unlink(&br->obj);
	bufring_free(br);
	errno = saved;
	return 0;
}

int urt_buf_release(struct urt_bufring *br, void *buf)
{
	if (!br || !buf)
		return -EINVAL;
	struct urt *rt = br->obj.rt;
	int ret = owner_or_task(rt);
	if (ret < 0)
		return ret;
	uintptr_t p = (uintptr_t)buf, lo = (uintptr_t)br->mem;
	if (p < lo || p - lo >= br->mem_bytes || (p - lo) % br->buf_size)
		return -EINVAL;
	uint32_t bid = (uint32_t)((p - lo) / br->buf_size);
	if (!br->is_out[bid])
		return -EINVAL; /* given back already, or never handed out */
	br->is_out[bid] = 0;
	br->out--;
	buf_recycle(br, bid);
	/* Everyone waiting for a buffer tries again (one of them may lose the
	 * race to another receive and wait once more). */
	for (struct buf_waiter *w = br->waiters; w; w = w->next) {
		w->woken = true;
		urt__wake(rt, w->task);
	}
	br->waiters = NULL;
	return 0;
}

/* The kernel answered -ENOBUFS: wait until a buffer comes back (at once if
 * one already has), stop says so (a receiver being closed: -ECANCELED) or,
 * with use_timeout, the task's operation timeout passes (-ETIMEDOUT: a
 * kernel timeout runs meanwhile, and is cancelled and reaped before we
 * return).  Returns 0 or
 * the error. */
static int wait_for_buffer(struct urt *rt, struct urt_bufring *br, const bool *stop, bool use_timeout)
{
	if (br->out < br->nbufs)
		return 0;
	struct urt__task *self = urt__self;
	struct buf_waiter w = { self, br->waiters, false };
	/* w lives on this stack only while listed: urt_buf_release takes the
	 * whole list, and every other way out unlinks it below. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
	br->waiters = &w;
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif
	struct urt__op timer;
	bool timed = use_timeout && self->op_timeout_ns != 0 && !(rt->flags & URT_IOPOLL);
	if (timed) {
		init_op(&timer, IORING_OP_TIMEOUT, -1, NULL, 0, 0);
		timer.flags = 0; /* the reactor's own opcode: no net.c hooks */
		timer.ts.tv_sec = (long long)(self->op_timeout_ns / 1000000000u);
		timer.ts.tv_nsec = (long long)(self->op_timeout_ns % 1000000000u);
		timer.waiter = self;
		uint64_t tmo = self->op_timeout_ns;
		self->op_timeout_ns = 0; /* the timer itself is not linked to a timeout */
		urt__op_start(rt, &timer);
		self->op_timeout_ns = tmo;
	}
	while (!w.woken && !(stop && *stop) && !(timed && op_idle(&timer))) {
		if (timed)
			timer.waiter = self;
		urt__suspend();
	}
	int ret = 0;
	if (timed) {
		if (!op_idle(&timer))
			urt__op_cancel(rt, &timer);
		while (!op_idle(&timer)) {
			timer.waiter = self;
			urt__suspend();
		}
		if (!w.woken && timer.res == -ETIME)
			ret = -ETIMEDOUT;
		else if (!w.woken && timer.res < 0 && timer.res != -ECANCELED)
			ret = timer.res; /* the timer could not be started (an injected fault, a dead ring) */
	}
	if (!w.woken) {
		for (struct buf_waiter **pp = &br->waiters; *pp; pp = &(*pp)->next)
			if (*pp == &w) {
				*pp = w.next;
				break;
			}
		return ret < 0 ? ret : (stop && *stop) ? -ECANCELED : -ETIMEDOUT;
	}
	return 0;
}

ssize_t urt_recv_buf(int fd, struct urt_bufring *br, void **buf, int flags)
{
	if (!buf)
		return -EINVAL;
	*buf = NULL;
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	if (!br || br->obj.rt != rt)
		return -EINVAL;
	br->users++;
	ssize_t r;
	for (;;) {
		struct urt__op op;
		init_op(&op, IORING_OP_RECV, fd, NULL, br->buf_size, (uint32_t)flags);
		op.addr2 = (uint64_t)(uintptr_t)&br->obj;
		r = run_op(rt, &op);
		if (r == -ENOBUFS) {
			/* Not the program's error: wait for a buffer, ask again. */
			rt->stats.errors_surfaced--;
			r = wait_for_buffer(rt, br, NULL, true);
			if (r < 0)
				break;
			continue;
		}
		if (r > 0)
			*buf = op.addr;
		break;
	}
	br->users--;
	return r;
}

/* ---- listener and receiver ---- */

/* (Re-)arms m's multishot.  Never linked to the task's operation timeout:
 * a multishot has no single result to time, and the kernel would end it at
 * the deadline. */
static void multi_arm(struct urt *rt, struct multi *m)
{
	struct urt__op *op = &m->op;
	op->flags = URT__OP_NET | URT__OP_STREAM;
	op->retries = 0;
	op->res = 0;
	uint64_t tmo = urt__self->op_timeout_ns;
	urt__self->op_timeout_ns = 0;
	urt__op_start(rt, op);
	urt__self->op_timeout_ns = tmo;
}

/* Waits for m's next event; returns 0, or -ECANCELED when m is closing. */
static int multi_wait(struct multi *m)
{
	struct urt__task *self = urt__self;
	m->waiter = self;
	m->op.waiter = self;
	urt__suspend();
	if (m->op.waiter == self)
		m->op.waiter = NULL;
	m->waiter = NULL;
	if (m->closing) {
		if (m->closer)
			urt__wake(m->obj.rt, m->closer);
		return -ECANCELED;
	}
	return 0;
}

/* The close of a listener or receiver, after the checks both share: called
 * in a task of the runtime that owns m, and nobody else closing it. */
static int multi_close(struct multi *m)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = m->obj.rt;
	if (rt != self->rt)
		return -EINVAL;
	if (m->closing)
		return -EBUSY; /* another task is closing it */
	m->closing = true;
	if (m->waiter)
		urt__wake(rt, m->waiter); /* it returns -ECANCELED */
	while (m->op.state == URT__OP_INFLIGHT && !(m->op.flags & URT__OP_CANCELLED)) {
		if (urt__op_cancel(rt, &m->op) == 0 || rt->fatal)
			break; /* a dead ring: urt_run is about to return its error */
		urt_yield(); /* no SQE for the cancel now: the loop frees some */
	}
	while (!op_idle(&m->op) || m->waiter) {
		m->closer = urt__self;
		m->op.waiter = urt__self;
		urt__suspend();
	}
	obj_unlink(&m->obj);
	return 0;
}

static int multi_open(struct multi **out, struct urt *rt, unsigned kind, uint8_t opcode, int fd, int flags,
		      unsigned qcap, size_t qsize)
{
	int saved = errno;
	struct multi *m = calloc(1, sizeof(*m));
	void *q = qcap ? calloc(qcap, qsize) : NULL;
	errno = saved;
	if (!m || (qcap && !q)) {
		free(m);
		free(q);
		return -ENOMEM;
	}
	m->q.fds = q;
	m->qcap = qcap;
	init_op(&m->op, opcode, fd, NULL, 0, (uint32_t)flags);
	m->op.addr2 = (uint64_t)(uintptr_t)&m->obj;
	obj_link(rt, &m->obj, kind);
	*out = m;
	return 0;
}

int urt_accept_multishot(struct urt_listener **l, int fd, int flags)
{
	if (!l)
		return -EINVAL;
	*l = NULL;
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	struct multi *m;
	int ret = multi_open(&m, rt, NET_LISTENER, IORING_OP_ACCEPT, fd, flags, 0, 0);
	if (ret < 0)
		return ret;
	multi_arm(rt, m);
	*l = (struct urt_listener *)m;
	return 0;
}

int urt_listener_accept(struct urt_listener *l)
{
	if (!l)
		return -EINVAL;
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	struct multi *m = &l->m;
	if (m->obj.rt != rt)
		return -EINVAL;
	if (m->waiter)
		return -EBUSY;
	for (;;) {
		if (m->closing)
			return -ECANCELED;
		if (m->qlen) {
			int fd = m->q.fds[m->qhead];
			m->qhead = (m->qhead + 1) % m->qcap;
			m->qlen--;
			return fd;
		}
		if (m->err) {
			int err = m->err;
			m->err = 0;
			return err;
		}
		if (op_idle(&m->op)) {
			/* The kernel ended the multishot.  An error is reported
			 * once (and re-armed at the next call, not now: a caller
			 * that stops here must not leave a second error behind
			 * that nobody sees); otherwise re-arm at once. */
			int res = m->op.res;
			m->op.res = 0;
			if (res < 0)
				return res;
			multi_arm(rt, m);
			continue;
		}
		int ret = multi_wait(m);
		if (ret < 0)
			return ret;
	}
}

int urt_listener_close(struct urt_listener *l)
{
	if (!l)
		return -EINVAL;
	struct multi *m = &l->m;
	int ret = multi_close(m);
	if (ret < 0)
		return ret;
	int saved = errno;
	for (; m->qlen; m->qlen--, m->qhead = (m->qhead + 1) % m->qcap)
		close(m->q.fds[m->qhead]);
	errno = saved;
	free(m->q.fds);
	free(m);
	return 0;
}

int urt_recv_multishot(struct urt_receiver **r, int fd, struct urt_bufring *br, int flags)
{
	if (!r)
		return -EINVAL;
	*r = NULL;
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	if (!br || br->obj.rt != rt)
		return -EINVAL;
	struct multi *m;
	int ret = multi_open(&m, rt, NET_RECEIVER, IORING_OP_RECV, fd, flags, br->nbufs, sizeof(struct chunk));
	if (ret < 0)
		return ret;
	m->br = br;
	br->users++;
	multi_arm(rt, m);
	*r = (struct urt_receiver *)m;
	return 0;
}

ssize_t urt_receiver_next(struct urt_receiver *r, void **buf)
{
	if (!r || !buf)
		return -EINVAL;
	*buf = NULL;
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return outside_task();
	struct urt *rt = self->rt;
	struct multi *m = &r->m;
	if (m->obj.rt != rt)
		return -EINVAL;
	if (m->waiter)
		return -EBUSY;
	for (;;) {
		if (m->closing)
			return -ECANCELED;
		if (m->qlen) {
			struct chunk c = m->q.chunks[m->qhead];
			m->qhead = (m->qhead + 1) % m->qcap;
			m->qlen--;
			*buf = m->br->mem + (size_t)c.bid * m->br->buf_size;
			return c.len;
		}
		if (m->err)
			return m->err;
		if (op_idle(&m->op)) {
			if (m->eof)
				return 0;
			int res = m->op.res;
			if (res == -ENOBUFS) {
				/* Every buffer is out: the kernel ended the receive.
				 * Not the program's error; re-arm once one is back. */
				rt->stats.errors_surfaced--;
				m->op.res = 0;
				m->waiter = urt__self;
				/* Untimed, like every wait of a receiver (urt.h). */
				int w = wait_for_buffer(rt, m->br, &m->closing, false);
				m->waiter = NULL;
				if (w < 0) {
					if (m->closer)
						urt__wake(rt, m->closer);
					return w;
				}
			} else if (res < 0) {
				m->err = (int)res;
				return res;
			}
			multi_arm(rt, m);
			continue;
		}
		int ret = multi_wait(m);
		if (ret < 0)
			return ret;
	}
}

int urt_receiver_close(struct urt_receiver *r)
{
	if (!r)
		return -EINVAL;
	struct multi *m = &r->m;
	int ret = multi_close(m);
	if (ret < 0)
		return ret;
	/* Queued chunks were never handed out: their buffers go back. */
	for (; m->qlen; m->qlen--, m->qhead = (m->qhead + 1) % m->qcap)
		urt_buf_release(m->br, m->br->mem + (size_t)m->q.chunks[m->qhead].bid * m->br->buf_size);
	m->br->users--;
	free(m->q.chunks);
	free(m);
	return 0;
}

/* urt_destroy, after the drain (the kernel holds none of these any more):
 * close what listeners still queue, free everything.  In a forked child
 * the fds are the child's own copies, so closing them is right there too. */
void urt__net_destroy(struct urt *rt, bool forked)
{
	(void)forked;
	int saved = errno;
	while (rt->net_objs) {
		struct urt__net_obj *o = rt->net_objs;
		rt->net_objs = o->next;
		if (o->kind == NET_BUFRING) {
			bufring_free((struct urt_bufring *)o);
			continue;
		}
		struct multi *m = CONTAINER(o, struct multi, obj);
		if (o->kind == NET_LISTENER)
			for (; m->qlen; m->qlen--, m->qhead = (m->qhead + 1) % m->qcap)
				close(m->q.fds[m->qhead]);
		free(m->q.fds);
		free(m);
	}
	errno = saved;
}
