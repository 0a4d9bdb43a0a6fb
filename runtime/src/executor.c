/*
 * executor.c - tasks as stackful fibers, a FIFO run queue, the CQ as a
 * second run queue, and the loop that alternates between them and polling
 * the reactor.
 *
 * A turn is two passes.  The run queue's pass runs the tasks runnable when
 * it began (new, yielding, woken by a timer or by the reactor's ordinary
 * dispatch); a task that blocks hands the CPU straight to the next one.
 * Then the reactor submits and waits, and the CQ pass runs the tasks that
 * the completions ready then wake, in completion order: a task that blocks
 * takes the next completion itself and switches straight to its waiter
 * (internal.h: urt__cq_take).  Each pass is bounded by what was there when
 * it began, so neither a yield loop nor a task whose operations complete at
 * once can starve the other pass or the reactor.  errno is per thread, so
 * each task keeps its own: a switch away from a task stores errno in the
 * task, and a switch to a task loads that task's errno before the jump, so
 * nothing is left to do after the switch returns (the common switch, from
 * urt__suspend_task, is a tail call) and another task's libc calls never
 * show through.  A new task starts with errno 0.
 */
#include "internal.h"
#include "sanitizer.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#ifndef URT_CONTEXT_UCONTEXT
_Static_assert(offsetof(struct urt__task, lean) == 32 && offsetof(struct urt__op, waiter) + sizeof(struct urt__task *) <= 32,
	       "a task's first cache line holds the switch's fields and what a completion touches in its blocking call's record");
#endif

URT__TLS struct urt__task *urt__self;
URT__TLS struct urt *urt__rt;

static struct urt__task *runq_pop(struct urt *rt)
{
	struct urt__task *t = rt->runq_head;
	rt->runq_head = t->next;
	if (!rt->runq_head)
		rt->runq_tail = NULL;
	rt->runq_len--;
	return t;
}

/*
 * The context switches, each with the annotations AddressSanitizer needs to
 * follow a change of stack, and each moving errno (above).  A task that
 * blocks hands the CPU straight to the next task of the current pass (one
 * switch per operation instead of two); it returns to the scheduler only
 * when both passes are over or when it has finished (a finished task cannot
 * free its own stack).
 */
static void sched_to_task(struct urt *rt, struct urt__task *t)
{
	*rt->errno_p = t->errno_saved;
#ifdef URT__ASAN
	__sanitizer_start_switch_fiber(&rt->sched_fake_stack, t->stack_lo, t->stack_size);
#endif
	urt__ctx_switch(&rt->sched_ctx, &t->ctx);
#ifdef URT__ASAN
	__sanitizer_finish_switch_fiber(rt->sched_fake_stack, NULL, NULL);
#endif
}

static void task_to_sched(struct urt *rt, struct urt__task *t, bool finished)
{
	rt->last = t;
	t->errno_saved = *rt->errno_p;
#ifdef URT__ASAN
	/* A finished task will never resume: NULL lets ASan free its fake stack. */
	__sanitizer_start_switch_fiber(finished ? NULL : &t->asan_fake_stack, rt->sched_stack_lo,
				       rt->sched_stack_size);
#endif
	urt__ctx_switch(&t->ctx, &rt->sched_ctx);
#ifdef URT__ASAN
	__sanitizer_finish_switch_fiber(t->asan_fake_stack, NULL, NULL);
#endif
	(void)finished;
}

static inline __attribute__((always_inline)) void task_to_task(struct urt *rt, struct urt__task *t,
								     struct urt__task *next)
{
	int *ep = rt->errno_p;
	t->errno_saved = *ep;
	*ep = next->errno_saved;
#ifdef URT__ASAN
	__sanitizer_start_switch_fiber(&t->asan_fake_stack, next->stack_lo, next->stack_size);
#endif
	urt__ctx_switch(&t->ctx, &next->ctx);
#ifdef URT__ASAN
	__sanitizer_finish_switch_fiber(t->asan_fake_stack, NULL, NULL);
#endif
}

/* Leaves the running task t (already marked BLOCKED or RUNNABLE).
 * queued: t may be on the run queue (it yielded); a blocked task never is
 * (urt__wake queues only blocked tasks), so its switch skips the test. */
static inline __attribute__((always_inline)) void switch_away(struct urt *rt, struct urt__task *t, bool queued)
{
	struct urt__task *next;
	if (rt->pass_left > 0) {
		next = runq_pop(rt);
		rt->pass_left--;
		if (queued && next == t) { /* nothing else to run: carry on */
			t->state = URT__TASK_RUNNING;
			return;
		}
	} else {
		/* The run queue's pass is over: the CQ pass's next completion
		 * names the task to run (internal.h: urt__cq_take). */
		next = urt__cq_pending(rt) ? urt__cq_take(rt) : NULL;
		if (!next) {
			task_to_sched(rt, t, false);
			return;
		}
		if (next == t) { /* its own operation completed: carry on */
			t->state = URT__TASK_RUNNING;
			return;
		}
	}
	next->state = URT__TASK_RUNNING;
	urt__self = next;
	rt->stats.context_switches++;
	task_to_task(rt, t, next);
}

static void task_main(void *arg)
{
	struct urt__task *t = arg;
	struct urt *rt = t->rt;
#ifdef URT__ASAN
	const void *lo;
	size_t size;
	__sanitizer_finish_switch_fiber(NULL, &lo, &size);
	/* The first task ever started came from the scheduler: that is the
	 * stack every later task_to_sched switches to. */
	if (!rt->sched_stack_lo) {
		rt->sched_stack_lo = (void *)lo;
		rt->sched_stack_size = size;
	}
#endif
	t->fn(t->arg);
	t->state = URT__TASK_DONE;
	task_to_sched(rt, t, true);
	__builtin_unreachable();
}

/* Makes a mapped task t runnable on rt (owner thread). */
static void task_start(struct urt *rt, struct urt__task *t, void (*fn)(void *), void *arg)
{
	t->rt = rt;
	t->fn = fn;
	t->arg = arg;
	t->local = NULL;
	t->asan_fake_stack = NULL;
	t->op_timeout_ns = 0;
	t->id = ++rt->next_task_id;
	t->op_seq = 0;
	t->errno_saved = 0;
	t->lean.waiter = t;
	urt__ctx_make(&t->ctx, t->stack_lo, t->stack_size, task_main, t);
	t->state = URT__TASK_RUNNABLE;
	urt__runq_push(rt, t);
	t->live_prev = NULL;
	t->live_next = rt->live_list;
	if (rt->live_list)
		rt->live_list->live_prev = t;
	rt->live_list = t;
	rt->live_tasks++;
	rt->stats.tasks_spawned++;
}

int urt_spawn(struct urt *rt, void (*fn)(void *), void *arg)
{
	if (!rt || !fn)
		return -EINVAL;
	if (URT__FORKED(rt))
		return -ECHILD;
	/* The run queue is not thread-safe: only the owner thread (inside a
	 * task of this runtime, that is always the case) may touch it. */
	if (!(urt__self && urt__self->rt == rt) && rt->owner_tid != urt__tid())
		return -EPERM;
	struct urt__task *t = urt__task_alloc(rt);
	if (!t)
		return -ENOMEM;
	task_start(rt, t, fn, arg);
	return 0;
}

/*
 * Remote spawns: any thread maps the task itself (so -ENOMEM is its own
 * answer) and pushes it on a lock-free LIFO; the owner takes the whole list
 * at the start of each turn.  The runtime may be blocked in io_uring_enter:
 * while it listens (urt_remote_listen) a read on an eventfd is armed in the
 * ring, and the remote thread's write to the eventfd completes it.
 */
int urt_spawn_remote(struct urt *rt, void (*fn)(void *), void *arg)
{
	if (!rt || !fn)
		return -EINVAL;
	if (URT__FORKED(rt))
		return -ECHILD;
	if (!__atomic_load_n(&rt->listening, __ATOMIC_ACQUIRE))
		return -ENOTCONN;
	struct urt__task *t = urt__task_map(rt->stack_size, 0);
	if (!t)
		return -ENOMEM;
	t->fn = fn;
	t->arg = arg;
	t->next = __atomic_load_n(&rt->remote_head, __ATOMIC_RELAXED);
	/* Release: the owner that takes the list sees t's fields. */
	while (!__atomic_compare_exchange_n(&rt->remote_head, &t->next, t, true, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED))
		;
	int saved = errno;
	uint64_t one = 1;
	ssize_t w = write(rt->wake_fd, &one, sizeof one); /* only fails when the counter is full: awake anyway */
	(void)w;
	errno = saved;
	return 0;
}

/* Owner side: starts every remotely spawned task, oldest first. */
static void remote_take(struct urt *rt)
{
	if (URT__LIKELY(!__atomic_load_n(&rt->remote_head, __ATOMIC_RELAXED)))
		return;
	struct urt__task *t = __atomic_exchange_n(&rt->remote_head, NULL, __ATOMIC_ACQUIRE);
	struct urt__task *fifo = NULL;
	while (t) {
		struct urt__task *next = t->next;
		t->next = fifo;
		fifo = t;
		t = next;
	}
	while (fifo) {
		struct urt__task *next = fifo->next;
		rt->stats.stacks_mapped++; /* mapped by the spawning thread */
		task_start(rt, fifo, fifo->fn, fifo->arg);
		fifo = next;
	}
}

/* Keeps the wake-up read armed while listening.  Its completion wakes no
 * task (no waiter): it only makes the loop come round to remote_take. */
static void wake_arm(struct urt *rt)
{
	struct urt__op *op = &rt->wake_op;
	if (!__atomic_load_n(&rt->listening, __ATOMIC_RELAXED) || op->state == URT__OP_INFLIGHT ||
	    op->cancel_pending)
		return;
	memset(op, 0, sizeof(*op));
	op->opcode = IORING_OP_READ;
	op->fd = rt->wake_fd;
	op->addr = &rt->wake_buf;
	op->len = sizeof(rt->wake_buf);
	op->off = (uint64_t)-1;
	op->flags = URT__OP_STREAM | URT__OP_FILLS;
	urt__op_start(rt, op);
}

/* urt_destroy: remote tasks never taken are only mappings. */
void urt__remote_free_all(struct urt *rt)
{
	struct urt__task *t = __atomic_exchange_n(&rt->remote_head, NULL, __ATOMIC_ACQUIRE);
	while (t) {
		struct urt__task *next = t->next;
		urt__task_unmap(t);
		t = next;
	}
}

/* switch_away for a blocked task, out of line: the run queue's pass, a
 * CQE the fast path leaves to the reactor, the way back to the scheduler. */
static __attribute__((noinline)) void block_slow(struct urt *rt, struct urt__task *t)
{
	switch_away(rt, t, false);
}

/* The rest of urt__suspend_task once a CQE of the CQ pass has been taken
 * for op: deliver it and run its waiter (it may be t itself); with nobody
 * to wake, go on as a blocked task does. */
static inline __attribute__((always_inline)) void resume_taken(struct urt *rt, struct urt__task *t,
								 struct urt__op *op, int res)
{
	struct urt__task *next = urt__cq_deliver(op, res);
	if (URT__LIKELY(next != NULL)) {
		if (URT__LIKELY(next != t)) {
			next->state = URT__TASK_RUNNING;
			urt__self = next;
			rt->stats.context_switches++;
			task_to_task(rt, t, next);
		} else {
			t->state = URT__TASK_RUNNING; /* its own operation completed */
		}
	} else if (rt->pass_left == 0 && !urt__cq_pending(rt)) {
		task_to_sched(rt, t, false); /* both passes are over */
	} else {
		block_slow(rt, t);
	}
}

void urt__suspend_task(struct urt__task *t)
{
	t->state = URT__TASK_BLOCKED;
	struct urt *rt = t->rt;
	/* The common case inline, with nothing live across the switch (a
	 * tail call): the next CQE of the CQ pass wakes another task.  No
	 * test of pass_left first: during the run queue's pass the CQ pass
	 * is over (turn runs it to its end), so urt__cq_take_op finds
	 * nothing then and block_slow goes on with the run queue. */
	int res;
	struct urt__op *op = urt__cq_take_op(rt, &res);
	if (URT__LIKELY(op != NULL))
		resume_taken(rt, t, op, res);
	else if (rt->pass_left == 0 && !urt__cq_pending(rt)) {
		task_to_sched(rt, t, false); /* both passes are over */
	} else {
		block_slow(rt, t);
	}
}

void urt__suspend(void)
{
	urt__suspend_task(urt__self);
}

void urt_yield(void)
{
	struct urt__task *t = urt__self;
	if (!t)
		return;
	t->state = URT__TASK_RUNNABLE;
	urt__runq_push(t->rt, t);
	switch_away(t->rt, t, true);
}

void *urt_task_local(void)
{
	return urt__self ? urt__self->local : NULL;
}

void urt_set_task_local(void *p)
{
	if (urt__self)
		urt__self->local = p;
}

struct urt *urt_current(void)
{
	return urt__rt;
}

static void run_task(struct urt *rt, struct urt__task *t)
{
	t->state = URT__TASK_RUNNING;
	urt__self = t;
	rt->stats.context_switches++;
	sched_to_task(rt, t);
	urt__self = NULL;
	/* Control may come back from another task than t (direct switches). */
	struct urt__task *last = rt->last;
	if (last->state == URT__TASK_DONE) {
		if (last->live_prev)
			last->live_prev->live_next = last->live_next;
		else
			rt->live_list = last->live_next;
		if (last->live_next)
			last->live_next->live_prev = last->live_prev;
		rt->live_tasks--;
		rt->stats.tasks_finished++;
		urt__task_release(rt, last);
	}
}

/*
 * One turn of the loop: run every task that is runnable at the start of the
 * pass (tasks woken or yielding during the pass wait for the next one, so a
 * yield loop cannot starve the reactor), then poll the reactor: submit what
 * is queued, wait if nothing is runnable, and run the CQ pass over what has
 * completed.  The poll blocks in the kernel only when may_block and no task
 * is runnable, and never with SQEs unsubmitted.
 */
static int turn(struct urt *rt, bool may_block)
{
	rt->pass_left = rt->runq_len;
	while (rt->pass_left > 0) {
		rt->pass_left--;
		run_task(rt, runq_pop(rt));
	}
	/* A task may have forked: the child's loop must stop here, before it
	 * touches the ring it shares with its parent. */
	if (URT__FORKED(rt))
		return -ECHILD;
	if (rt->live_tasks == 0) {
		/* An embedding loop may keep calling urt_run_once with no
		 * task: it is idle, the moment to give unused stacks back. */
		if (!may_block && URT__UNLIKELY(rt->task_cache_len > URT__TASK_CACHE_KEEP))
			urt__task_cache_trim(rt);
		/* No task left, but the last ones may have queued operations
		 * they never awaited (a future, a listener): hand them to the
		 * kernel and reap what has completed, without waiting, so that
		 * nothing stays unsubmitted and no completion stays ready for
		 * ever (urt_backend_timeout would answer 0 for it). */
		return urt__reactor_poll(rt, false);
	}
	if (URT__UNLIKELY(rt->wake_fd >= 0)) { /* has listened for remote spawns */
		remote_take(rt);
		wake_arm(rt);
	}
	/* Sleepers whose deadline has passed become runnable here (then the
	 * poll must not block), and the earliest deadline gets its timeout. */
	if (URT__TIMERS_ACTIVE(rt))
		urt__timers_tick(rt);
	bool idle = rt->runq_len == 0;
	/* Operations on the retry list (a failed submit handed them back) are
	 * neither in flight nor pending, yet the next poll resubmits them.  A
	 * sleeper always has a timeout in flight, or will have one armed at
	 * the next tick if queueing it just failed. */
	if (may_block && idle && urt__inflight(rt) == 0 && urt__sq_pending(rt) == 0 && !rt->retry_head &&
	    !rt->sleep_len)
		return -EDEADLK; /* every task waits and nothing can wake one */
	/* Nothing runnable: urt_run is about to wait in the kernel, or
	 * urt_run_once returns to a loop that will wait.  The moment to give
	 * unused stacks back. */
	if (idle && URT__UNLIKELY(rt->task_cache_len > URT__TASK_CACHE_KEEP))
		urt__task_cache_trim(rt);
	int ret = urt__reactor_poll_cq(rt, may_block && idle);
	/* The CQ pass: each completion ready now wakes its task, which runs at
	 * once; a task that blocks takes the next completion itself and
	 * switches straight to the task it wakes (switch_away), and the last
	 * one comes back here.  Completions that arrive meanwhile wait for the
	 * next turn, after the run queue's pass: a task woken again and again
	 * by instant completions cannot starve yielders, timers or the
	 * reactor's own work. */
	if (ret >= 0) {
		/* The inline test first: the pass usually ends in a task that
		 * found no CQE left, and then there is nothing to call for. */
		struct urt__task *t;
		while (urt__cq_pending(rt) && !URT__FORKED(rt) && (t = urt__cq_take(rt)))
			run_task(rt, t);
		if (URT__FORKED(rt))
			return -ECHILD;
	}
	/* The CQ pass may have completed a timeout: wake its sleepers now, so that
	 * urt_run_once returns with them runnable (urt_backend_timeout 0). */
	if (URT__TIMERS_ACTIVE(rt))
		urt__timers_tick(rt);
	return ret;
}

/*
 * Who may run rt: not a forked child (-ECHILD), not while a loop runs it
 * (-EBUSY: another thread's, or a nested call), any thread otherwise; the
 * runner becomes the owner, except that a DEFER_TASKRUN ring only ever
 * accepts work from the thread that created it (the kernel answers -EEXIST
 * to every other one), so that runtime never moves (-EPERM).
 */
static int enter_loop(struct urt *rt)
{
	if (!rt)
		return -EINVAL;
	if (URT__FORKED(rt))
		return -ECHILD;
	if (urt__rt)
		return -EBUSY;
	if (__atomic_exchange_n(&rt->running, true, __ATOMIC_ACQ_REL))
		return -EBUSY;
	pid_t me = urt__tid();
	if (rt->owner_tid != me) {
		if ((rt->flags & URT_DEFER_TASKRUN) && me != rt->creator_tid) {
			__atomic_store_n(&rt->running, false, __ATOMIC_RELEASE);
			return -EPERM;
		}
		rt->owner_tid = me;
	}
	rt->errno_p = &errno;
	urt__rt = rt;
	/* The fault points may have been armed since the last run. */
	urt__sq_stop_refresh(rt);
	return 0;
}

static void leave_loop(struct urt *rt)
{
	urt__rt = NULL;
	__atomic_store_n(&rt->running, false, __ATOMIC_RELEASE);
}

int urt_run(struct urt *rt)
{
	int ret = enter_loop(rt);
	if (ret < 0)
		return ret;
	int saved = errno; /* tasks and munmap set it; the caller's value comes back */
	remote_take(rt);
	/* The ring fd is registered (reactor.c: urt__ring_fd_register) once
	 * the run has gone round URT__REGISTER_AFTER_TURNS times: it costs two
	 * system calls per urt_run, which a run of a few turns (a program
	 * calling urt_run for each small piece of work) would not win back. */
	for (unsigned turns = 0; rt->live_tasks > 0 && ret >= 0;) {
		ret = turn(rt, true);
		if (URT__UNLIKELY(++turns == URT__REGISTER_AFTER_TURNS))
			urt__ring_fd_register(rt);
	}
	if (ret >= 0 && rt->ktimers)
		ret = urt__timers_settle(rt);
	int unreg = urt__ring_fd_unregister(rt);
	if (ret >= 0 && unreg < 0)
		ret = unreg;
	leave_loop(rt);
	errno = saved;
	return ret < 0 ? ret : 0;
}

int urt_run_once(struct urt *rt)
{
	int ret = enter_loop(rt);
	if (ret < 0)
		return ret;
	int saved = errno;
	remote_take(rt);
	if (rt->embed_evfd)
		urt__embed_drain(rt);
	/* Even with no task live: submit and reap (see turn). */
	ret = turn(rt, false);
	leave_loop(rt);
	errno = saved;
	return ret < 0 ? ret : (int)rt->live_tasks;
}

/* Frees every task, finished (cached) or not (urt_destroy after an error,
 * tasks spawned but never run, sleepers).  The reactor has been drained
 * first, so no kernel operation can still write into these stacks.  The
 * unfinished ones join the cache and all go in one bulk unmap: live and
 * cached stacks interleave in the slabs, and unmapping either kind alone
 * would cut the slabs into a mapping per stack (up to vm.max_map_count). */
void urt__tasks_free_all(struct urt *rt)
{
	while (rt->live_list) {
		struct urt__task *t = rt->live_list;
		rt->live_list = t->live_next;
		urt__task_release(rt, t);
	}
	rt->live_tasks = 0;
	rt->runq_head = rt->runq_tail = NULL;
	rt->runq_len = 0;
	urt__task_cache_free(rt);
	urt__timers_free_all(rt); /* the sleepers' heap nodes were on those stacks */
}
