/*
 * timer.c - urt_sleep: sleeping tasks wait in a heap ordered by deadline,
 * and the kernel holds one timeout for the earliest of them, not one per
 * task.
 *
 * The heap is a binary heap in one array of (deadline, order, sleeper):
 * sifting compares entries in that array only.  (A pairing heap of nodes
 * on the sleepers' own stacks needed no memory but touched one stack page
 * per comparison: with 30 000 sleepers, wake-ups came 0.2 s late.)  The
 * array grows by doubling and never shrinks below what it has held; a
 * sleep that cannot grow it answers -ENOMEM.  A sleeper's node (whether it
 * has expired, and its task) lives on its own stack: the task cannot leave
 * urt_sleep before its entry has left the heap, and urt_destroy frees the
 * stacks and the heap together.  Equal deadlines wake in the order the
 * tasks went to sleep.
 *
 * The kernel timeouts are the runtime's own operations (no task, no fault
 * points), armed by the scheduler just before it polls the reactor, which
 * submits them: the timeout is relative, so any delay between the clock
 * read and the submit would make it fire that much late.  A
 * new one is armed only when the earliest deadline is earlier than every
 * timeout already armed; the older ones are left to fire (each still has
 * its own sleeper, whose deadline it was armed for), so the armed timeouts
 * form a stack, earliest on top.  Cancelling them instead would cost a
 * cancel per re-arm and turn every cancelled timeout into an error in the
 * statistics.  When one fires, every sleeper whose deadline has passed by
 * the clock is woken, in deadline order (the run queue is FIFO).
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	/* CLOCK_MONOTONIC, the clock of io_uring's relative timeouts; never
	 * fails for it, so errno is untouched. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool earlier(const struct urt__timer_ent *a, const struct urt__timer_ent *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static int heap_push(struct urt *rt, const struct urt__timer_ent *e)
{
	if (rt->sleep_len == rt->sleep_cap) {
		unsigned cap = rt->sleep_cap ? rt->sleep_cap * 2 : 64;
		int saved = errno;
		struct urt__timer_ent *h = realloc(rt->sleep_heap, (size_t)cap * sizeof(*h));
		errno = saved;
		if (!h)
			return -ENOMEM;
		rt->sleep_heap = h;
		rt->sleep_cap = cap;
	}
	struct urt__timer_ent *h = rt->sleep_heap;
	unsigned i = rt->sleep_len++;
	while (i > 0 && earlier(e, &h[(i - 1) / 2])) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = *e;
	return 0;
}

static void heap_pop(struct urt *rt)
{
	struct urt__timer_ent *h = rt->sleep_heap;
	struct urt__timer_ent last = h[--rt->sleep_len];
	unsigned n = rt->sleep_len, i = 0;
	for (;;) {
		unsigned c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && earlier(&h[c + 1], &h[c]))
			c++;
		if (!earlier(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = last;
}

int urt_sleep(uint64_t ns)
{
	struct urt__task *self = urt__self;
	if (URT__UNLIKELY(!self))
		return urt__forked_in_task ? -ECHILD : -EPERM;
	struct urt *rt = self->rt;
	if (rt->flags & URT_IOPOLL)
		return -EOPNOTSUPP; /* an IOPOLL ring refuses timeouts (-EINVAL): say what is meant */
	if (rt->fatal)
		return rt->fatal; /* no timeout could ever be armed */
	uint64_t now = now_ns();
	struct urt__sleeper s = { .task = self, .expired = false };
	struct urt__timer_ent e = { .deadline = ns > UINT64_MAX - now ? UINT64_MAX : now + ns,
				    .seq = rt->sleep_seq++,
				    .sleeper = &s };
	int ret = heap_push(rt, &e);
	if (ret < 0)
		return ret;
	/* Only the heap wakes a sleeper (urt_await_any clears every waiter it
	 * set before it returns, so no completion names this task); the loop
	 * is a guard, not a path taken. */
	while (!s.expired)
		urt__suspend();
	return 0;
}

/* Returns whether it woke anyone. */
static bool wake_expired(struct urt *rt, uint64_t now)
{
	bool woke = false;
	while (rt->sleep_len && rt->sleep_heap[0].deadline <= now) {
		struct urt__sleeper *s = rt->sleep_heap[0].sleeper;
		heap_pop(rt);
		s->expired = true;
		urt__wake(rt, s->task);
		woke = true;
	}
	return woke;
}

/* The runtime's own record for a timeout: rt->ktimer0 while it is free
 * (so arming never waits for memory), else a recycled or new one.  NULL
 * only when malloc fails, and then ktimer0 is armed: the sleeper wakes at
 * a later armed deadline instead of never. */
static struct urt__ktimer *ktimer_get(struct urt *rt)
{
	if (!rt->ktimer0_busy) {
		rt->ktimer0_busy = true;
		return &rt->ktimer0;
	}
	struct urt__ktimer *kt = rt->ktimer_free;
	if (kt) {
		rt->ktimer_free = kt->below;
		return kt;
	}
	int saved = errno;
	kt = malloc(sizeof(*kt));
	errno = saved;
	return kt;
}

static void ktimer_put(struct urt *rt, struct urt__ktimer *kt)
{
	if (kt == &rt->ktimer0) {
		rt->ktimer0_busy = false;
		return;
	}
	kt->below = rt->ktimer_free;
	rt->ktimer_free = kt;
}

static void arm(struct urt *rt, uint64_t now)
{
	struct urt__ktimer *kt = ktimer_get(rt);
	if (!kt)
		return;
	uint64_t deadline = rt->sleep_heap[0].deadline;
	uint64_t rel = deadline > now ? deadline - now : 0;
	memset(&kt->op, 0, sizeof(kt->op));
	kt->op.opcode = IORING_OP_TIMEOUT;
	kt->op.fd = -1;
	kt->op.ts.tv_sec = (long long)(rel / 1000000000u);
	kt->op.ts.tv_nsec = (long long)(rel % 1000000000u);
	kt->deadline = deadline;
	kt->below = rt->ktimers;
	rt->ktimers = kt;
	/* Called from the scheduler (urt__self is NULL): the operation takes
	 * no task's identity, op timeout or fault.  A failure to queue it
	 * completes it at once; the next tick retires it and arms again. */
	urt__op_start(rt, &kt->op);
}

/*
 * Called by the scheduler before and after each poll of the reactor, while
 * anyone sleeps or a timeout is armed: retires the timeouts that have
 * completed; wakes the sleepers whose deadline has passed when one has (or
 * when a timeout must be armed anyway: a deadline already past needs
 * none); and arms a timeout for the earliest deadline unless one armed
 * fires no later, or the sleepers it just woke are to run first.  The
 * clock is read only in those cases.
 */
void urt__timers_tick(struct urt *rt)
{
	bool fired = false;
	while (rt->ktimers && rt->ktimers->op.state == URT__OP_DONE) {
		struct urt__ktimer *kt = rt->ktimers;
		rt->ktimers = kt->below;
		ktimer_put(rt, kt);
		fired = true;
	}
	if (!rt->sleep_len)
		return;
	bool covered = rt->ktimers && rt->ktimers->deadline <= rt->sleep_heap[0].deadline;
	if (!fired && covered)
		return;
	uint64_t now = now_ns();
	/* Sleepers just woken run before the loop polls again, and the tick
	 * before that poll arms with a fresh clock.  Arming now would start
	 * the relative timeout late by however long they run: the kernel
	 * starts it when the poll submits it, not at this clock read.  (With
	 * a woken task runnable the poll cannot block: no wake-up is lost.) */
	if (wake_expired(rt, now) && rt->runq_len)
		return;
	if (rt->sleep_len && !(rt->ktimers && rt->ktimers->deadline <= rt->sleep_heap[0].deadline))
		arm(rt, now);
}

/*
 * urt_run, once every task has returned: timeouts still armed are ones
 * whose sleepers were woken by the clock before their own completion was
 * reaped (their deadline has passed).  Wait for those completions, so that
 * urt_run leaves no operation of its own in flight.  A timeout whose
 * deadline is still ahead (there should be none) is left to urt_destroy.
 */
int urt__timers_settle(struct urt *rt)
{
	int ret = 0;
	while (rt->ktimers && ret >= 0) {
		uint64_t now = now_ns();
		for (struct urt__ktimer *kt = rt->ktimers; kt; kt = kt->below)
			if (kt->op.state != URT__OP_DONE && kt->deadline > now)
				return 0;
		ret = urt__reactor_poll(rt, true);
		urt__timers_tick(rt);
	}
	return ret;
}

/* urt_destroy: the ring has been drained, so no timeout is in flight; the
 * sleepers' nodes go with their stacks. */
void urt__timers_free_all(struct urt *rt)
{
	free(rt->sleep_heap);
	rt->sleep_heap = NULL;
	rt->sleep_len = rt->sleep_cap = 0;
	while (rt->ktimers) {
		struct urt__ktimer *kt = rt->ktimers;
		rt->ktimers = kt->below;
		ktimer_put(rt, kt);
	}
	while (rt->ktimer_free) {
		struct urt__ktimer *kt = rt->ktimer_free;
		rt->ktimer_free = kt->below;
		free(kt);
	}
}
