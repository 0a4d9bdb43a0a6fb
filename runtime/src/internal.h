/*
 * internal.h - the runtime's private structures, shared by its .c files.
 * Names crossing files but not the API start with urt__.
 */
#ifndef URT_INTERNAL_H
#define URT_INTERNAL_H

#include "urt.h"
#include "context.h"
#include "sanitizer.h"

#include <liburing.h>
#include <limits.h>
#include <stdbool.h>

#define URT__LIKELY(x) __builtin_expect(!!(x), 1)
#define URT__UNLIKELY(x) __builtin_expect(!!(x), 0)
#define URT__HIDDEN __attribute__((visibility("hidden")))

/* How often a transient failure (submit -EAGAIN/-EBUSY/-EINTR/-ENOMEM, a full
 * SQ, an operation's -EAGAIN/-EINTR or unrequested -ECANCELED) is retried
 * before it surfaces as the error.  Large enough that a 50 % fault rate practically never surfaces
 * (2^-64), small enough that a permanent failure ends quickly. */
#define URT__MAX_RETRIES 64

/*
 * The life of an operation record (struct urt__op), in one place.
 *
 * Where it lives.  A blocking call keeps its record with the calling task:
 * the prep_rw-shaped ones (urt_read, urt_write, urt_nop, ...) in the task
 * itself (struct urt__task: lean; io.c: run_rw), the others on the task's
 * stack (io.c: run_op).  Either way the task cannot return from the call
 * before the record is released, and is in one call at a time.  Started on
 * the fast path, a run_rw record is
 * lean (URT__OP_LEAN): only what its completion needs is filled in, and the
 * arguments stay with the task, which starts the operation again itself on
 * a transient result (URT__OP_RETRY, step 2); the slow paths fill in the
 * rest first.  A future's record comes from the pool
 * (pool.c: urt__op_alloc), because it outlives the call that started it; a
 * struct urt_future is its pool index plus its generation (gen).
 *
 * 1. Start (URT__OP_FREE -> URT__OP_INFLIGHT).  urt__op_start (reactor.c)
 *    fills an SQE whose user_data is the record's address, plus a linked
 *    IORING_OP_LINK_TIMEOUT SQE (user_data tagged URT__TAG_LTIMEOUT,
 *    ltimeout_pending = 1) when the task set urt_set_op_timeout.  A fault or
 *    a full SQ can complete it at once (step 3) without reaching the kernel.
 * 2. In flight.  The kernel owns the buffer and the record until every CQE
 *    naming it has been reaped.  A transient result (-EAGAIN, -EINTR, an
 *    -ECANCELED nobody asked for) puts the same record on rt->retry_head and
 *    it is submitted again (still INFLIGHT, retries++), or, for a lean
 *    record, wakes its task (URT__OP_RETRY), which refills and requeues it
 *    (urt__op_restart); a cancelled or timed-out one is never resubmitted.  urt_cancel adds a cancel SQE
 *    tagged URT__TAG_CANCEL and counts it in cancel_pending.
 * 3. Done (URT__OP_INFLIGHT -> URT__OP_DONE).  complete() stores res (or,
 *    for an ordinary result taken by a CQ pass, urt__cq_take_fast).  With
 *    a link timeout whose CQE has not come yet, the result is first held
 *    (URT__OP_HELD): only the timeout's CQE says whether -ECANCELED meant
 *    -ETIMEDOUT, so the record becomes DONE after both CQEs.
 * 4. Released (-> URT__OP_FREE), only when DONE and cancel_pending == 0
 *    (io.c: op_ready): a cancel's CQE still carries the record's address,
 *    and reaping it after the record was reused would decrement another
 *    operation's count.  The waiter is woken only then: in a CQ pass it
 *    runs at once (urt__cq_take), otherwise it is queued (urt__wake).  A blocking call
 *    then just returns (its record is left for its next call); urt_await
 *    (urt_await_all goes through it; urt_await_any only reports which one
 *    is ready) calls urt__op_free, which bumps gen so any handle still held
 *    is stale (-EINVAL).  A future never awaited stays DONE in
 *    the pool until urt_destroy, which first cancels and drains whatever is
 *    still in flight (so no CQE can arrive for freed memory) and then frees
 *    the slabs (urt__ops_free_all).
 */
/* A result the single calls retry (step 2 below): -EAGAIN, -EINTR, and an
 * -ECANCELED nobody asked for (the caller rules out a cancel or a link
 * timeout from the record's flags). */
static inline bool urt__retryable(int res)
{
	return res == -EAGAIN || res == -EINTR || res == -ECANCELED;
}

/* Linux never moves more than this in one read or write (MAX_RW_COUNT);
 * larger requests are legitimately short. */
#define URT__MAX_RW 0x7ffff000u

enum urt__op_state {
	URT__OP_FREE,
	URT__OP_INFLIGHT,
	URT__OP_DONE,
	URT__OP_RETRY, /* a URT__OP_LEAN record's transient result: its task starts it again */
};
enum urt__op_flag {
	URT__OP_CANCELLED = 1 << 0, /* cancel requested: do not resubmit */
	URT__OP_STREAM = 1 << 1,    /* off == -1 (informational; the reactor asks the fd, see URT__OP_CUT) */
	URT__OP_CUT = 1 << 2,       /* urt/read/short fired on a positioned read: shorten the result */
	URT__OP_LINKED = 1 << 3,    /* submitted linked to a link timeout (urt_set_op_timeout) */
	URT__OP_TIMED_OUT = 1 << 4, /* its link timeout fired (CQE -ETIME) */
	URT__OP_HELD = 1 << 5,      /* its CQE came first: res waits for the link timeout's CQE */
	URT__OP_NET = 1 << 6,       /* net.c preps it and sees its CQEs first (flags, multishot) */
	/* What memcheck must be told the kernel wrote (reactor.c: mark_filled):
	 * one buffer at addr, told by whoever takes a result the CQ pass
	 * delivered (urt__op_filled: READ, READ_FIXED, RECV), or something the
	 * reactor's dispatch works out (READV's iovec, ACCEPT's address): that
	 * CQE leaves the CQ pass's fast path. */
	URT__OP_FILLS = 1 << 7,
	URT__OP_FILLS_SLOW = 1 << 8,
	/* A blocking call's record started on the fast path: only what its
	 * completion needs is filled in (opcode, state, flags, retries,
	 * cancel_pending, and addr with URT__OP_FILLS; its waiter, the task,
	 * was set when the task started), not the arguments.  A transient result is handed back to the task
	 * (URT__OP_RETRY), which has them and starts the operation again. */
	URT__OP_LEAN = 1 << 9,
	URT__OP_CHAIN = 1 << 10,    /* one link of a chain (chain.c): never resubmitted alone */
};
/* The flags that take a completion off the CQ pass's fast path.  A
 * cancelled operation's waiter may have to wait for the cancel's CQE too
 * (cancel_pending, which is never > 0 without URT__OP_CANCELLED): the
 * ordinary dispatch looks. */
#ifdef URT_HAVE_VALGRIND
#define URT__OP_SLOW_CQE (URT__OP_CANCELLED | URT__OP_CUT | URT__OP_LINKED | URT__OP_NET | URT__OP_FILLS_SLOW)
#else
#define URT__OP_SLOW_CQE (URT__OP_CANCELLED | URT__OP_CUT | URT__OP_LINKED | URT__OP_NET)
#endif

/* The URT__OP_FILLS* flag of an opcode (a constant where it is inlined). */
static inline uint16_t urt__fill_flags(uint8_t opcode)
{
	switch (opcode) {
	case IORING_OP_READ:
	case IORING_OP_READ_FIXED:
	case IORING_OP_RECV:
		return URT__OP_FILLS;
	case IORING_OP_READV:
	case IORING_OP_ACCEPT:
		return URT__OP_FILLS_SLOW;
	default:
		return 0;
	}
}

/* One operation: its arguments (kept so a transient failure can resubmit
 * it), its result and the task waiting for it.  Its address is the SQE's
 * user_data, so a completion finds its owner in O(1). It is also what a
 * struct urt_future points at. */
struct urt__op {
	uint8_t opcode;
	uint8_t state;
	uint16_t flags;
	uint8_t retries;
	uint8_t cancel_pending; /* our cancel requests whose CQE is still to come */
	uint8_t ltimeout_pending; /* its link timeout's CQE is still to come */
	uint8_t mark;           /* io.c: duplicate detection in urt_await_all */
	int32_t res;
	uint32_t gen;           /* pool.c: bumped at every free; part of a future's handle */
	struct urt__task *waiter;
	int fd;
	uint32_t len;
	uint32_t op_flags; /* rw/msg/open/accept flags, or timeout flags */
	uint16_t buf_index;
	void *addr;
	uint64_t off;
	uint64_t addr2;
	struct __kernel_timespec ts;
	struct urt__op *next; /* free list, retry list */
	/* Its logical identity for replayable faults: the task (numbered in
	 * spawn order) and that task's operation number; set while armed. */
	uint32_t task_id;
	uint32_t seq;
	struct __kernel_timespec link_ts; /* the link timeout; the kernel reads it at submission */
	uint32_t id;          /* pool.c: index in the pool (slab * URT__SLAB_OPS + slot) */
};

/* rt->slow_start: one test on the fast start for all of them. */
enum urt__slow_start {
	URT__SLOW_OP_TIMEOUT = 1 << 0, /* op_timeouts_used */
	URT__SLOW_FIXED = 1 << 1,      /* registered files: an fd may have to become a fixed index */
};

enum urt__task_state { URT__TASK_RUNNABLE, URT__TASK_RUNNING, URT__TASK_BLOCKED, URT__TASK_DONE };

/* A task lives at the top of its own stack, below it the stack and a guard
 * page (stack.c: stacks are carved from larger mappings): nothing else to
 * allocate. */
struct urt__task {
	/* With the assembly switch, the first 64 bytes are all that a switch
	 * and a blocking call's completion touch: the switch's fields, then
	 * the first 32 bytes of the blocking call's record (its state, flags,
	 * result and waiter), so the CQ pass brings in one line per task it
	 * wakes, and prefetches just that (internal.h: urt__cq_take_op).
	 * executor.c checks the offsets. */
	struct urt__ctx ctx;
	struct urt *rt;
	unsigned state;
	int errno_saved;    /* its errno while it is not running (executor.c) */
	struct urt__task *next; /* run queue or free cache */
	/* The record of the prep_rw-shaped blocking call the task is in (io.c:
	 * run_rw).  A task is in one blocking call at a time, and cannot leave
	 * it before the record is released; its waiter is always the task
	 * (set at task_start). */
	struct urt__op lean;
	uint64_t op_timeout_ns; /* urt_set_op_timeout: 0 = none */
	uint32_t id;            /* 1, 2, ... in spawn order (fault identity) */
	uint32_t op_seq;        /* operations this task started while faults were armed */
	void (*fn)(void *);
	void *arg;
	struct urt__task *live_prev, *live_next; /* every unfinished task, for urt_destroy */
	void *local;
	void *map;          /* the stack's whole range, guard page included */
	size_t map_size;
	void *stack_lo;     /* lowest usable stack address */
	size_t stack_size;  /* usable bytes */
	unsigned valgrind_id;
	void *asan_fake_stack;
};

/* timer.c: a sleeping task, on its stack, and its entry in the heap. */
struct urt__sleeper {
	struct urt__task *task;
	bool expired;
};
struct urt__timer_ent {
	uint64_t deadline; /* CLOCK_MONOTONIC, ns */
	uint64_t seq;      /* order of going to sleep: ties wake first-come first */
	struct urt__sleeper *sleeper;
};

/* timer.c: a kernel timeout armed for the earliest deadline of its time. */
struct urt__ktimer {
	struct urt__op op;
	uint64_t deadline;
	struct urt__ktimer *below; /* the next armed (later deadline), or the free list */
};

struct urt__op_slab {
	struct urt__op_slab *next;
	struct urt__op ops[];
};

struct urt {
	struct io_uring ring;
	bool ring_ready;
	bool ring_registered; /* urt_run's registered ring fd (reactor.c) */
	bool running;
	unsigned flags;
	unsigned submit_batch;
	unsigned submit_at;  /* sq_pending that triggers a submit: submit_batch, or UINT_MAX for 0 */
	unsigned wait_nr;
	size_t stack_size;

	/* executor */
	struct urt__task *runq_head, *runq_tail;
	unsigned runq_len;
	unsigned pass_left; /* tasks of the current pass not yet run */
	struct urt__task *last; /* the task that last switched to the scheduler */
	unsigned live_tasks;
	struct urt__task *live_list;
	struct urt__task *task_cache; /* finished tasks, most recent first (stack.c) */
	unsigned task_cache_len;
	unsigned cache_low;      /* the cache's smallest length this trim epoch */
	uint64_t trim_epoch_ns;  /* when the epoch began (CLOCK_MONOTONIC), 0 = not yet */
	unsigned stack_colour; /* cache colour of the next new stack */
	char *stack_slab_next;   /* stack.c: the current slab's first uncarved stack */
	unsigned stack_slab_left; /* and how many stacks it still has room for */
	struct urt__ctx sched_ctx;
	/* errno's address, set by urt_run on its thread: one load from here
	 * is cheaper than __errno_location on every switch (executor.c). */
	int *errno_p;
	void *sched_stack_lo; /* for the sanitizer's stack switching */
	size_t sched_stack_size;
	void *sched_fake_stack;

	/* threads and processes (runtime.c, executor.c) */
	unsigned fork_gen;   /* urt__fork_gen at create: differs in a forked child */
	pid_t owner_tid;     /* the thread that created or last ran the runtime */
	pid_t creator_tid;   /* DEFER_TASKRUN binds the ring to this thread */
	struct urt__task *remote_head; /* urt_spawn_remote's LIFO (atomic) */
	int wake_fd;         /* eventfd a remote spawn writes; -1 until listening */
	int listening;       /* atomic: urt_remote_listen(rt, 1) */
	uint64_t wake_buf;
	struct urt__op wake_op; /* read on wake_fd, armed while listening */

	/* registered buffers (runtime.c), for the range checks in io.c */
	struct iovec *bufs;
	unsigned nbufs;

	/* operation pool (pool.c): slab i holds ids i * URT__SLAB_OPS ... */
	struct urt__op_slab **slab_table;
	unsigned nslabs, slab_cap;

	/* reactor */
	unsigned sq_stop;    /* the fast start queues only below this SQ tail (urt__sq_stop_refresh) */
	unsigned cq_end;     /* the CQ pass takes CQEs up to here (internal.h: urt__cq_take) */
	bool wake_catch;     /* urt__cq_take: the next urt__wake is caught, not queued */
	struct urt__task *wake_caught;
	/* Counted from the ring's own positions, so that the fast paths count
	 * nothing (urt__sq_pending, urt__inflight, urt__settle below). */
	unsigned sq_base;      /* the SQ tail after the last successful submit */
	unsigned inflight_adj; /* CQEs to come beyond one per SQE not yet reaped (multishot) */
	unsigned sq_seen;      /* stats.ops_started counts starts up to this SQ tail */
	unsigned cq_seen;      /* stats.ops_completed counts completions up to this CQ head */
	unsigned drain_left;   /* CQEs still to come when urt_destroy's drain gave up */
	unsigned sq_head_seen; /* SQPOLL: the SQ head at the last count (stats.sqes_submitted) */
	int fatal;           /* -EBADR and other unrecoverable ring errors */
	bool drain_failed;   /* urt_destroy could not drain: the kernel still holds operations */
	struct urt__op *free_ops;
	struct urt__op_slab *slabs;
	struct urt__op *retry_head; /* ops to resubmit after a transient result */
	int *fixed_index;           /* fd -> registered file index, -1 = none */
	unsigned fixed_len;
	uint64_t prng;
	uint32_t next_task_id;
	bool op_timeouts_used; /* a task has set an op timeout: op starts take the slow path */
	uint8_t slow_start;    /* URT__SLOW_*: why op starts cannot take the inline fast path */
	uint64_t fault_calls[URT_FAULT_COUNT]; /* identity of points with no operation (urt/submit) */
	int embed_evfd; /* eventfd behind urt_backend_fd (DEFER_TASKRUN), 0 = none */

	/* net.c: listeners, receivers and buffer rings still open (urt_destroy
	 * closes them), and the next buffer group id */
	struct urt__net_obj *net_objs;
	unsigned next_bgid;

	/* timers (timer.c) */
	struct urt__timer_ent *sleep_heap; /* binary heap, earliest deadline at 0 */
	unsigned sleep_len, sleep_cap;
	uint64_t sleep_seq;
	struct urt__ktimer *ktimers;     /* armed, earliest on top */
	struct urt__ktimer *ktimer_free;
	bool ktimer0_busy;
	struct urt__ktimer ktimer0;      /* always available: arming needs no malloc */

	struct urt_stats stats;
};

/* The running task and runtime of this thread (NULL outside urt_run). */
/* initial-exec: a direct %fs-relative access instead of a __tls_get_addr
 * call on every I/O call (the library is linked, not dlopen'ed late). */
#define URT__TLS __thread __attribute__((tls_model("initial-exec")))
extern URT__TLS struct urt__task *urt__self;
extern URT__TLS struct urt *urt__rt;

/* runtime.c: fork and thread identity */
extern unsigned urt__fork_gen URT__HIDDEN; /* bumped in every forked child */
/* Set in a child forked from inside a task (whose urt__self the child
 * handler cleared): a task's calls there answer -ECHILD, not -EPERM. */
extern URT__TLS bool urt__forked_in_task;
#define URT__FORKED(rt) URT__UNLIKELY((rt)->fork_gen != urt__fork_gen)
URT__HIDDEN pid_t urt__tid(void);

/* executor.c */
URT__HIDDEN void urt__suspend(void);
/* urt__suspend for a caller that has urt__self at hand already. */
URT__HIDDEN void urt__suspend_task(struct urt__task *self);
URT__HIDDEN void urt__remote_free_all(struct urt *rt);

/* Inline: timers, the reactor's ordinary dispatch and every yield queue a task. */
static inline void urt__runq_push(struct urt *rt, struct urt__task *t)
{
	t->next = NULL;
	if (rt->runq_tail)
		rt->runq_tail->next = t;
	else
		rt->runq_head = t;
	rt->runq_tail = t;
	rt->runq_len++;
}

static inline void urt__wake(struct urt *rt, struct urt__task *t)
{
	/* A task may be woken by several completions (await_any); only the
	 * first one queues it. */
	if (t && t->state == URT__TASK_BLOCKED) {
		t->state = URT__TASK_RUNNABLE;
		/* The CQ pass runs the task its completion wakes at once. */
		if (URT__UNLIKELY(rt->wake_catch) && !rt->wake_caught) {
			rt->wake_caught = t;
			return;
		}
		urt__runq_push(rt, t);
	}
}
URT__HIDDEN void urt__tasks_free_all(struct urt *rt);

/* stack.c */
URT__HIDDEN struct urt__task *urt__task_alloc(struct urt *rt);
URT__HIDDEN struct urt__task *urt__task_map(size_t stack_size, unsigned colour);
/* The largest stack_size urt_create accepts: far from any overflow in the
 * mapping arithmetic, and more than any fiber should need. */
#define URT__MAX_STACK ((size_t)1 << 30)
URT__HIDDEN void urt__task_release(struct urt *rt, struct urt__task *t);
URT__HIDDEN void urt__task_unmap(struct urt__task *t);
URT__HIDDEN void urt__task_cache_trim(struct urt *rt);
/* urt_destroy: unmaps every cached stack and the slab's rest, in bulk. */
URT__HIDDEN void urt__task_cache_free(struct urt *rt);
/* Cached stacks a trim never gives back: a small burst costs no mmap. */
#define URT__TASK_CACHE_KEEP 64

/* timer.c */
URT__HIDDEN void urt__timers_tick(struct urt *rt);
URT__HIDDEN int urt__timers_settle(struct urt *rt);
URT__HIDDEN void urt__timers_free_all(struct urt *rt);
#define URT__TIMERS_ACTIVE(rt) URT__UNLIKELY((rt)->sleep_len || (rt)->ktimers)

/* reactor.c */
URT__HIDDEN int urt__reactor_init(struct urt *rt, unsigned entries, unsigned flags);
/* urt_run registers the ring fd after this many turns (executor.c). */
#define URT__REGISTER_AFTER_TURNS 16
URT__HIDDEN void urt__ring_fd_register(struct urt *rt);
URT__HIDDEN int urt__ring_fd_unregister(struct urt *rt);
URT__HIDDEN void urt__reactor_drain_and_exit(struct urt *rt);
URT__HIDDEN void urt__reactor_ring_exit(struct urt *rt);
URT__HIDDEN void urt__op_start(struct urt *rt, struct urt__op *op);
/* A URT__OP_RETRY record, filled in again by its task: queued as it is
 * (it was counted when it started). */
URT__HIDDEN void urt__op_restart(struct urt *rt, struct urt__op *op);
URT__HIDDEN int urt__op_cancel(struct urt *rt, struct urt__op *op);
URT__HIDDEN int urt__reactor_poll(struct urt *rt, bool may_block);
/* urt__reactor_poll, but instead of reaping it opens a CQ pass (below). */
URT__HIDDEN int urt__reactor_poll_cq(struct urt *rt, bool may_block);

/* user_data of our own CQEs that refer to an operation: its cancel's (bit
 * 0) and its link timeout's (bit 1).  Records are 8-byte aligned. */
#define URT__TAG_CANCEL ((uint64_t)1)
#define URT__TAG_LTIMEOUT ((uint64_t)2)
#define URT__TAG_MASK ((uint64_t)3)

/*
 * The CQ as the run queue.  After the reactor has submitted and waited, the
 * completions ready then form a CQ pass (rt->cq_end): a task that blocks
 * when the run queue's pass is over takes the next CQE itself, completes
 * its operation and switches straight to the task it wakes, so a completion
 * costs one context switch and no run-queue round trip.  urt__cq_take
 * (reactor.c) returns that task (state BLOCKED; it may be the caller), or
 * NULL when the pass's CQEs are all taken.  CQEs that need more than
 * delivering a result (tagged ones, errors, link timeouts, cut reads,
 * socket operations) go through the reactor's ordinary dispatch, which
 * queues what they wake on the run queue.  The kernel's CQ head is moved
 * per CQE, so a reap in between (a submit that fails transiently reaps)
 * never sees a CQE twice.
 */
URT__HIDDEN struct urt__task *urt__cq_take(struct urt *rt);
/* urt_await's wait (io.c): takes the pass's CQEs that wake nobody but
 * self, so that the futures behind the one awaited are found done; stops
 * before a CQE that needs more (urt__cq_take, in the switch, takes it). */
URT__HIDDEN void urt__cq_take_quiet(struct urt *rt, struct urt__task *self);

/* Whether the CQ pass has CQEs left: a test inline, before any call. */
/* One more batch of completions taken: a relaxed store, as urt_cq_batches
 * may read the counter from another thread (the same plain store on
 * x86-64 and aarch64). */
static inline void urt__count_cq_batch(struct urt *rt)
{
	__atomic_store_n(&rt->stats.cq_batches, rt->stats.cq_batches + 1, __ATOMIC_RELAXED);
}

static inline bool urt__cq_pending(const struct urt *rt)
{
	return (int)(rt->cq_end - *rt->ring.cq.khead) > 0;
}

/* The first half of the CQ pass's fast take: when the next CQE of the
 * pass is an ordinary operation's result, takes it (the head moves) and
 * returns its operation, with the result in *res; NULL, taking nothing,
 * when there is no such CQE. */
static inline __attribute__((always_inline)) struct urt__op *urt__cq_take_op(struct urt *rt, int *res)
{
	struct io_uring_cq *cq = &rt->ring.cq;
	unsigned head = *cq->khead;
	if ((int)(rt->cq_end - head) <= 0)
		return NULL;
	unsigned mask = cq->ring_mask;
	const struct io_uring_cqe *cqes = cq->cqes;
	uint64_t ud = cqes[head & mask].user_data;
	*res = cqes[head & mask].res;
	struct urt__op *op = (struct urt__op *)(uintptr_t)ud;
	if (URT__UNLIKELY((ud & URT__TAG_MASK) || *res < 0 || (op->flags & URT__OP_SLOW_CQE)))
		return NULL;
	/* The CQE after this one names the record the next task to run
	 * completes, and for a blocking call that record shares its first
	 * cache line with the task (struct urt__task): start bringing that
	 * line in now, while this CQE's task runs, or it is a cache and TLB
	 * miss per task after every enter.  Past the tail the slot holds a
	 * stale value, and a tag only moves the address within its line: a
	 * prefetch never faults, whatever it is given. */
	uint64_t next = cqes[(head + 1) & mask].user_data;
	/* Read before the head moves: the kernel may reuse the slot then.
	 * inflight and ops_completed follow from the head (urt__inflight,
	 * urt__settle). */
	io_uring_smp_store_release(cq->khead, head + 1);
	__builtin_prefetch((const void *)(uintptr_t)next, 1);
	return op;
}

/* The second half: delivers res to op and returns its waiter if that is
 * blocked, else NULL.  What a read filled is not told to memcheck here
 * (its client request needs a stack frame, and urt__suspend_task's switch
 * is a tail call) but by whoever takes the result: urt__op_filled. */
static inline __attribute__((always_inline)) struct urt__task *urt__cq_deliver(struct urt__op *op, int res)
{
	op->res = res;
	op->state = URT__OP_DONE;
	struct urt__task *t = op->waiter;
	/* A blocking call's record: its task started the operation and leaves
	 * the call only with the result, so whenever the CQE is taken the task
	 * is there, blocked (even when it takes its own CQE: urt__suspend_task
	 * marks it first).  Only a future's waiter may be gone or awake: the
	 * futures of one urt_await_any, or the links of one chain, name the
	 * same task, which the first of their CQEs in a pass wakes.  Debug
	 * builds check the claim. */
	if (URT__LIKELY(op->flags & URT__OP_LEAN)) {
#ifndef NDEBUG
		if (!t || t->state != URT__TASK_BLOCKED)
			__builtin_trap();
#endif
		if (!t) /* never: set when the task started (executor.c) */
			__builtin_unreachable();
		return t;
	}
	if (t && t->state == URT__TASK_BLOCKED)
		return t;
	return NULL;
}

/* Tells memcheck what the kernel wrote into a URT__OP_FILLS operation's
 * buffer (one buffer at addr), for a result the CQ pass delivered: the
 * blocking call, urt_await and urt_chain call it before they hand the
 * result over, and urt_destroy for the futures nobody awaited
 * (urt__ops_mark_filled); the ordinary dispatch (reactor.c: mark_filled)
 * has done it already for the results it took, and telling twice is
 * harmless. */
static inline void urt__op_filled(const struct urt__op *op)
{
	if ((op->flags & URT__OP_FILLS) && op->res > 0)
		URT__VALGRIND_DEFINED(op->addr, (size_t)op->res);
}

/* urt__cq_take's common case: both halves.  NULL when there is no such CQE
 * or nobody to wake (urt__cq_take then goes on from wherever this
 * stopped). */
static inline __attribute__((always_inline)) struct urt__task *urt__cq_take_fast(struct urt *rt)
{
	int res;
	struct urt__op *op = urt__cq_take_op(rt, &res);
	return op ? urt__cq_deliver(op, res) : NULL;
}

/* pool.c */
#define URT__SLAB_OPS 256
URT__HIDDEN struct urt__op *urt__op_alloc_grow(struct urt *rt);
/* Inline: every future takes one record and gives it back. */
static inline struct urt__op *urt__op_alloc(struct urt *rt)
{
	struct urt__op *op = rt->free_ops;
	if (URT__UNLIKELY(!op))
		return urt__op_alloc_grow(rt);
	rt->free_ops = op->next;
	return op;
}

static inline void urt__op_free(struct urt *rt, struct urt__op *op)
{
	op->state = URT__OP_FREE;
	op->gen++; /* every handle to the old future is stale from now on */
	op->next = rt->free_ops;
	rt->free_ops = op;
}
URT__HIDDEN void urt__ops_free_all(struct urt *rt);
/* urt_destroy, after the drain: a read future nobody awaited was never
 * told to memcheck (urt__op_filled is called by urt_await), yet its buffer
 * is the program's again now.  Only under Valgrind. */
URT__HIDDEN void urt__ops_mark_filled(struct urt *rt);
/* A future's handle = generation << SHIFT | (id + 1), never NULL (see
 * pool.c).  Inline: every await looks its future up. */
#define URT__HANDLE_SHIFT (sizeof(uintptr_t) * 4)
#define URT__HANDLE_ID_MASK (((uintptr_t)1 << URT__HANDLE_SHIFT) - 1)
#define URT__HANDLE_GEN_MASK ((uint32_t)(((uint64_t)1 << (sizeof(uintptr_t) * 8 - URT__HANDLE_SHIFT)) - 1))

static inline struct urt_future *urt__op_handle(const struct urt__op *op)
{
	uintptr_t h = ((uintptr_t)(op->gen & URT__HANDLE_GEN_MASK) << URT__HANDLE_SHIFT) | ((uintptr_t)op->id + 1);
	return (struct urt_future *)h;
}

/* The live record f names in rt, or NULL (stale, foreign or garbage). */
static inline struct urt__op *urt__op_lookup(const struct urt *rt, const struct urt_future *f)
{
	uintptr_t h = (uintptr_t)f;
	uintptr_t id = (h & URT__HANDLE_ID_MASK) - 1; /* a NULL handle wraps to a huge id */
	if (URT__UNLIKELY(id >= (uintptr_t)rt->nslabs * URT__SLAB_OPS))
		return NULL;
	struct urt__op *op = &rt->slab_table[id / URT__SLAB_OPS]->ops[id % URT__SLAB_OPS];
	if (URT__UNLIKELY(op->state == URT__OP_FREE ||
			  (op->gen & URT__HANDLE_GEN_MASK) != (uint32_t)(h >> URT__HANDLE_SHIFT)))
		return NULL;
	return op;
}

/* The short fault point of a splice, which reads its fd_in and writes its
 * fd_out: from a file at an offset, urt/read/short; into one,
 * urt/write/short; -1 for neither (pipes, file positions).  Either way it
 * is submitted shorter: once moved, its bytes cannot be put back. */
static inline int urt__splice_short_point(const struct urt__op *op)
{
	if ((int64_t)op->addr2 != -1)
		return URT_FAULT_READ_SHORT;
	return (int64_t)op->off != -1 ? URT_FAULT_WRITE_SHORT : -1;
}

/* reactor.c, for chain.c: puts ops[0..n) on the SQ as one io_uring link
 * chain, each followed by its link timeout when URT__OP_LINKED; the caller
 * made sure they fit the ring (urt__chain_sqes).  0, or -errno with nothing
 * queued (no SQ space to be had, a dead ring). */
URT__HIDDEN int urt__chain_queue(struct urt *rt, struct urt__op *const *ops, unsigned n);
static inline unsigned urt__chain_sqes(const struct urt__op *op)
{
	return (op->flags & URT__OP_LINKED) ? 2 : 1;
}

/* net.c.  urt__net_prep fills the SQE of a URT__OP_NET operation (after
 * prep's switch, which knows none of its opcodes but RECV; len is the
 * length after prep's faults).  urt__net_cqe sees each of its CQEs before
 * the reactor finishes it: returns true when it took the CQE (a multishot
 * CQE with more to come), else false with *res the result to finish op
 * with.  urt__net_destroy: urt_destroy, after the drain. */
struct urt__net_obj;
URT__HIDDEN void urt__net_prep(struct urt *rt, struct io_uring_sqe *sqe, struct urt__op *op, uint32_t len,
			       bool faults);
URT__HIDDEN bool urt__net_cqe(struct urt *rt, struct urt__op *op, int *res, uint32_t cflags);
URT__HIDDEN void urt__net_destroy(struct urt *rt, bool forked);

/* embed.c */
URT__HIDDEN void urt__embed_drain(struct urt *rt);
URT__HIDDEN void urt__embed_free(struct urt *rt);

/* faults.c: disarmed, a point costs one predictable branch on the slow
 * paths and nothing on the fast start (urt__sq_stop_refresh). */
extern int urt__faults_armed URT__HIDDEN;
URT__HIDDEN int urt__fault_fire(struct urt *rt, enum urt_fault_point p, int default_errno);
URT__HIDDEN int urt__fault_fire_op(struct urt *rt, const struct urt__op *op, enum urt_fault_point p,
				   int default_errno);
/* A number drawn from the operation's identity (fault lengths): replayable. */
URT__HIDDEN uint64_t urt__fault_rand(const struct urt__op *op, enum urt_fault_point p);
URT__HIDDEN void urt__faults_arm_from_env(void);
#ifdef URT_FAULT_POINTS
/* Whether any fault point may fire.  The fast start does not test it:
 * while it is set, rt->sq_stop sends every operation to the slow path,
 * where the points live (urt__sq_stop_refresh). */
#define URT__ARMED() URT__UNLIKELY(urt__faults_armed)
/* 0 when the point does not fire; else the errno to inject (positive). */
#define URT__FAULT(rt, p, err) (URT__ARMED() ? urt__fault_fire(rt, p, err) : 0)
/* The same for a point that belongs to one operation: decided from its identity. */
#define URT__FAULT_OP(rt, op, p, err) (URT__ARMED() ? urt__fault_fire_op(rt, op, p, err) : 0)
#else
#define URT__ARMED() 0
#define URT__FAULT(rt, p, err) 0
#define URT__FAULT_OP(rt, op, p, err) 0
#endif
/* Deliberate extra work per operation, only for showing that the
 * instruction gate trips (URT_DEBUG_SLOWDOWN, a build option). */
static inline void urt__debug_slowdown(void)
{
#if URT_DEBUG_SLOWDOWN > 0
	for (volatile unsigned i = 0; i < URT_DEBUG_SLOWDOWN; i++)
		;
#endif
}

/*
 * The fast start of an operation whose SQE is "prep_rw-shaped" (opcode, fd,
 * addr, len, off, buf_index; every other field 0): NOP, READ, WRITE,
 * READ_FIXED, WRITE_FIXED, READV, WRITEV, FSYNC.  Inlined at the call site,
 * where the opcode and most arguments are constants, so there is no
 * dispatch on the opcode and no call.  Everything unusual goes to
 * urt__op_start (reactor.c), which handles every case: fault points armed,
 * op timeouts in use, registered files (the fd may have to become a fixed
 * index), a full SQ, the operation that completes a submit batch (all in
 * one test: rt->sq_stop, see urt__sq_stop_refresh below).  Returns
 * false when the operation is only queued, so it cannot be done yet; true
 * after the slow path, which may have completed it.  The SQE is cleared
 * whole before it is filled: a slot
 * holds what the last operation left in it, and liburing >= 2.6 no longer
 * clears flags, ioprio, rw_flags, buf_index, personality, file_index or
 * addr3 in io_uring_prep_rw (see sqe_fast in reactor.c).
 */
static inline __attribute__((always_inline)) bool urt__op_start_rw(struct urt *rt, struct urt__op *op, uint8_t opcode,
								     int fd, void *addr, uint32_t len, uint64_t off,
								     uint16_t buf_index)
{
	/* The arguments repeat op's fields on purpose: read back from op after
	 * the SQE stores, the compiler would have to reload every one of them
	 * (it cannot tell that the SQE does not alias the record). */
	urt__debug_slowdown();
	struct io_uring_sq *sq = &rt->ring.sq;
	unsigned tail = sq->sqe_tail;
	if (URT__UNLIKELY((int)(tail - rt->sq_stop) >= 0)) {
		if (op->flags & URT__OP_LEAN) {
			/* The slow paths read the arguments from the record. */
			op->flags &= (uint16_t)~URT__OP_LEAN;
			op->fd = fd;
			op->addr = addr;
			op->len = len;
			op->off = off;
			op->buf_index = buf_index;
			op->op_flags = 0;
			op->addr2 = 0;
		}
		urt__op_start(rt, op);
		return true;
	}
	op->state = URT__OP_INFLIGHT; /* io.c's lean records set it already: merged */
	struct io_uring_sqe *sqe = &sq->sqes[tail & sq->ring_mask];
	sq->sqe_tail = tail + 1;
	__builtin_memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = opcode;
	sqe->fd = fd;
	sqe->off = off;
	sqe->addr = (uint64_t)(uintptr_t)addr;
	sqe->len = len;
	sqe->buf_index = buf_index;
	sqe->user_data = (uint64_t)(uintptr_t)op;
	/* Nothing counted: ops_started, sq_pending and inflight follow from
	 * the tail (below); the batch's end is below sq_stop. */
	return false; /* queued, not submitted: it cannot be done yet */
}

/*
 * The fast paths count nothing: the fast start only moves the SQ tail and
 * the CQ pass's fast take only moves the CQ head.  What they would count
 * follows from those positions.  Both count from 0 at the ring's creation;
 * every SQE we queue posts one CQE (a multishot or zero-copy operation's
 * extra CQEs are counted in inflight_adj, net.c), an SQE taken back before
 * the kernel saw it moves the tail back (abandon_unsubmitted), and nothing
 * but our own code moves the CQ head.  So:
 *   SQEs queued since the last successful submit = tail - sq_base;
 *   CQEs still to come = tail - CQ head + inflight_adj.
 * The statistics ops_started and ops_completed are counted in bulk by
 * urt__settle: everything that moves the tail or the head other than the
 * fast paths settles first, counts its own work itself and marks the new
 * position seen (reactor.c: sqe_fast, reap, urt__cq_take,
 * abandon_unsubmitted, the drain); urt_get_stats adds what is unsettled.
 */
static inline unsigned urt__sq_pending(const struct urt *rt)
{
	return rt->ring.sq.sqe_tail - rt->sq_base;
}

static inline unsigned urt__inflight(const struct urt *rt)
{
	return rt->ring.sq.sqe_tail - *rt->ring.cq.khead + rt->inflight_adj;
}

static inline void urt__settle(struct urt *rt)
{
	unsigned tail = rt->ring.sq.sqe_tail;
	rt->stats.ops_started += tail - rt->sq_seen;
	rt->sq_seen = tail;
	unsigned head = *rt->ring.cq.khead;
	rt->stats.ops_completed += head - rt->cq_seen;
	rt->cq_seen = head;
}

/*
 * One test for everything that keeps an operation off the fast start:
 * rt->sq_stop is the SQ tail at which it must take the slow one, because
 * the SQ is full there (tail - khead == entries), or the operation queued
 * there completes a submit batch (the slow path submits it), or every
 * operation must (rt->slow_start: op timeouts, registered files; or fault
 * points armed: then sq_stop is the tail itself).  Recomputed wherever the
 * tail, the kernel's head as we saw it, sq_pending or slow_start change:
 * queued, urt__op_cancel, submit, abandon_unsubmitted, urt_set_op_timeout,
 * file registration; and where the fault points may have been armed: each
 * entry to the loop (enter_loop), and urt_faults_arm for the runtime its
 * thread is running.  An arm from another thread reaches a runtime that is
 * running at its next submit.  Under SQPOLL the poller moves the head on
 * its own: a stale stop only sends an operation to the slow path, which
 * looks again.
 */
static inline void urt__sq_stop_refresh(struct urt *rt)
{
	struct io_uring_sq *sq = &rt->ring.sq;
	unsigned tail = sq->sqe_tail;
	if (rt->slow_start || URT__ARMED()) {
		rt->sq_stop = tail;
		return;
	}
	unsigned room = sq->ring_entries - (tail - io_uring_smp_load_acquire(sq->khead));
	if (rt->submit_at != UINT_MAX) {
		unsigned pending = tail - rt->sq_base;
		unsigned left = pending + 1 >= rt->submit_at ? 0 : rt->submit_at - 1 - pending;
		if (left < room)
			room = left;
	}
	rt->sq_stop = tail + room;
}

/* A cheap PRNG, seeded from FIU_PRNG_SEED.  Fault lengths no longer use it
 * (urt__fault_rand draws them from the operation's identity). */
static inline uint64_t urt__rand(struct urt *rt)
{
	uint64_t x = rt->prng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rt->prng = x;
	return x;
}

#endif
