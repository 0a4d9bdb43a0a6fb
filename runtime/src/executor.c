/*
 * executor.c - tasks as stackful fibers, a FIFO run queue, and the loop that
 * alternates between running tasks and polling the reactor.
 *
 * Every switch goes scheduler -> task -> scheduler: a task never switches to
 * another task directly, so the scheduler is the one place that decides who
 * runs and when the reactor is polled.
 */
#include "internal.h"
#include "sanitizer.h"

#include <errno.h>

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
 * follow a change of stack.  A task that blocks hands the CPU straight to
 * the next runnable task of the current pass (one switch per operation
 * instead of two); it returns to the scheduler only when the pass is over
 * or when it has finished (a finished task cannot free its own stack).
 */
static void sched_to_task(struct urt *rt, struct urt__task *t)
{
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

static void task_to_task(struct urt__task *t, struct urt__task *next)
{
#ifdef URT__ASAN
	__sanitizer_start_switch_fiber(&t->asan_fake_stack, next->stack_lo, next->stack_size);
#endif
	urt__ctx_switch(&t->ctx, &next->ctx);
#ifdef URT__ASAN
	__sanitizer_finish_switch_fiber(t->asan_fake_stack, NULL, NULL);
#endif
}

/* Leaves the running task t (already marked BLOCKED or RUNNABLE). */
static void switch_away(struct urt *rt, struct urt__task *t)
{
	if (rt->pass_left > 0) {
		struct urt__task *next = runq_pop(rt);
		rt->pass_left--;
		if (next == t) { /* nothing else to run: carry on */
			t->state = URT__TASK_RUNNING;
			return;
		}
		next->state = URT__TASK_RUNNING;
		urt__self = next;
		rt->stats.context_switches++;
		task_to_task(t, next);
	} else {
		task_to_sched(rt, t, false);
	}
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

int urt_spawn(struct urt *rt, void (*fn)(void *), void *arg)
{
	if (!rt || !fn)
		return -EINVAL;
	struct urt__task *t = urt__task_alloc(rt);
	if (!t)
		return -ENOMEM;
	t->rt = rt;
	t->fn = fn;
	t->arg = arg;
	t->local = NULL;
	t->asan_fake_stack = NULL;
	t->op_timeout_ns = 0;
	t->id = ++rt->next_task_id;
	t->op_seq = 0;
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
	return 0;
}

void urt__suspend(void)
{
	struct urt__task *t = urt__self;
	t->state = URT__TASK_BLOCKED;
	switch_away(t->rt, t);
}

void urt_yield(void)
{
	struct urt__task *t = urt__self;
	if (!t)
		return;
	t->state = URT__TASK_RUNNABLE;
	urt__runq_push(t->rt, t);
	switch_away(t->rt, t);
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
 * is queued and reap what has completed.  The poll blocks in the kernel only
 * when may_block and no task is runnable, and never with SQEs unsubmitted.
 */
static int turn(struct urt *rt, bool may_block)
{
	rt->pass_left = rt->runq_len;
	while (rt->pass_left > 0) {
		rt->pass_left--;
		run_task(rt, runq_pop(rt));
	}
	if (rt->live_tasks == 0)
		return 0;
	bool idle = rt->runq_len == 0;
	/* Operations on the retry list (a failed submit handed them back) are
	 * neither in flight nor pending, yet the next poll resubmits them. */
	if (may_block && idle && rt->inflight == 0 && rt->sq_pending == 0 && !rt->retry_head)
		return -EDEADLK; /* every task waits and nothing can wake one */
	return urt__reactor_poll(rt, may_block && idle);
}

static int enter_loop(struct urt *rt)
{
	if (!rt)
		return -EINVAL;
	if (rt->running || urt__rt)
		return -EBUSY;
	rt->running = true;
	urt__rt = rt;
	return 0;
}

static void leave_loop(struct urt *rt)
{
	urt__rt = NULL;
	rt->running = false;
}

int urt_run(struct urt *rt)
{
	int ret = enter_loop(rt);
	if (ret < 0)
		return ret;
	while (rt->live_tasks > 0 && ret >= 0)
		ret = turn(rt, true);
	leave_loop(rt);
	return ret < 0 ? ret : 0;
}

int urt_run_once(struct urt *rt)
{
	int ret = enter_loop(rt);
	if (ret < 0)
		return ret;
	if (rt->live_tasks > 0)
		ret = turn(rt, false);
	leave_loop(rt);
	return ret < 0 ? ret : (int)rt->live_tasks;
}

/* Frees every task that never finished (urt_destroy after an error, or
 * tasks spawned but never run).  The reactor has been drained first, so no
 * kernel operation can still write into these stacks. */
void urt__tasks_free_all(struct urt *rt)
{
	while (rt->live_list) {
		struct urt__task *t = rt->live_list;
		rt->live_list = t->live_next;
		urt__task_unmap(t);
	}
	rt->live_tasks = 0;
	rt->runq_head = rt->runq_tail = NULL;
	rt->runq_len = 0;
	while (rt->task_cache) {
		struct urt__task *t = rt->task_cache;
		rt->task_cache = t->next;
		urt__task_unmap(t);
	}
	rt->task_cache_len = 0;
}
