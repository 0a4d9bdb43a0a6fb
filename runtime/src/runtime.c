/*
 * runtime.c - creating and destroying a runtime, who may use it (thread
 * owner, fork), registered resources and statistics.  Cold paths only.
 *
 * Every public function here saves errno on entry and restores it on exit:
 * the libc calls it makes (malloc, eventfd, write, gettid, ...) may set it.
 */
#define _GNU_SOURCE /* gettid */
#include "internal.h"

#include <limits.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define URT__DEFAULT_ENTRIES 256
/* 256 KiB: MAP_NORESERVE stacks commit only the pages a task touches (an idle
 * task costs the same ~4 KiB of RSS as with 64 KiB, and spawn time is the
 * same within noise: see README "Using it"), and a 64 KiB buffer plus a
 * printf fits, which 64 KiB did not. */
#define URT__DEFAULT_STACK (256 * 1024)
#define URT__MIN_STACK (16 * 1024)
#define URT__KNOWN_FLAGS (URT_SQPOLL | URT_COOP_TASKRUN | URT_DEFER_TASKRUN | URT_IOPOLL)

/* ---- fork and threads ---- */

/* Bumped in the child of every fork (pthread_atfork): a runtime whose
 * fork_gen differs was inherited.  Its rings are MAP_SHARED with the parent's
 * ring, so the child must never write an SQE or enter: every call on it
 * answers -ECHILD and urt_destroy only frees memory. */
unsigned urt__fork_gen;
static URT__TLS pid_t tid_cache;

URT__TLS bool urt__forked_in_task;

static void atfork_child(void)
{
	urt__fork_gen++;
	tid_cache = 0; /* the child's thread has a new id */
	if (urt__self) {
		/* Forked inside a task: its I/O calls must not reach the ring. */
		urt__self = NULL;
		urt__forked_in_task = true;
	}
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void atfork_register(void)
{
	pthread_atfork(NULL, NULL, atfork_child);
}

pid_t urt__tid(void)
{
	if (URT__UNLIKELY(!tid_cache))
		tid_cache = gettid(); /* never fails, never sets errno */
	return tid_cache;
}

/* 0 when the calling thread may use rt now, else the error to return. */
static int owner_check(const struct urt *rt)
{
	if (URT__FORKED(rt))
		return -ECHILD;
	if (rt->owner_tid != urt__tid())
		return -EPERM;
	return 0;
}

/* ---- lifetime ---- */

/* The 0.1 struct urt_config ends at stack_size; its size field (0.2) and
 * anything after it are read only when the caller says its struct has them. */
#define CONFIG_SIZE_0_1 (offsetof(struct urt_config, stack_size) + sizeof(size_t))
_Static_assert(CONFIG_SIZE_0_1 == offsetof(struct urt_config, size),
	       "struct urt_config: the 0.1 fields are fixed; add fields after size, never before");

static int create(struct urt **out, const struct urt_config *cfg);

/* urt_create@URT_0.1: programs built against 0.1 pass a struct that ends at
 * stack_size; reading its size field would read past their object. */
URT_API __attribute__((symver("urt_create@URT_0.1"))) int urt__create_0_1(struct urt **out,
									   const struct urt_config *cfg)
{
	struct urt_config c = { 0 };
	if (cfg)
		memcpy(&c, cfg, CONFIG_SIZE_0_1);
	return create(out, cfg ? &c : NULL);
}

/* urt_create@@URT_0.2 (what programs link now): the size field says how
 * much of struct urt_config the caller has.  Bytes past what this library
 * knows must be zero: a program asking for a setting we lack is refused
 * rather than silently run without it. */
URT_API __attribute__((symver("urt_create@@URT_0.2"))) int urt__create_0_2(struct urt **out,
									    const struct urt_config *cfg)
{
	if (!cfg || cfg->size == 0)
		return urt__create_0_1(out, cfg);
	if (out)
		*out = NULL;
	if (cfg->size < sizeof(struct urt_config)) {
		if (cfg->size < offsetof(struct urt_config, size) + sizeof(size_t))
			return -EINVAL;
	} else {
		const unsigned char *extra = (const unsigned char *)cfg;
		for (size_t i = sizeof(struct urt_config); i < cfg->size; i++)
			if (extra[i])
				return -EINVAL;
	}
	struct urt_config c = { 0 };
	memcpy(&c, cfg, cfg->size < sizeof(c) ? cfg->size : sizeof(c));
	return create(out, &c);
}

static int create(struct urt **out, const struct urt_config *cfg)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	struct urt_config c = { 0 };
	if (cfg)
		c = *cfg;
	if (c.flags & ~URT__KNOWN_FLAGS)
		return -EINVAL;
	if (c.stack_size && (c.stack_size < URT__MIN_STACK || c.stack_size > URT__MAX_STACK))
		return -EINVAL;
	if (c.entries > 32768)
		return -EINVAL;

	int saved = errno;
	pthread_once(&atfork_once, atfork_register);
	urt__faults_arm_from_env();
	int ret = -ENOMEM;
	struct urt *rt = NULL;
	if (URT__FAULT(NULL, URT_FAULT_ALLOC, ENOMEM) || !(rt = calloc(1, sizeof(*rt))))
		goto fail;
	rt->flags = c.flags;
	rt->submit_batch = c.submit_batch;
	rt->submit_at = c.submit_batch ? c.submit_batch : UINT_MAX;
	rt->wait_nr = c.wait_nr ? c.wait_nr : 1;
	rt->stack_size = c.stack_size ? c.stack_size : URT__DEFAULT_STACK;
	rt->fork_gen = urt__fork_gen;
	rt->owner_tid = rt->creator_tid = urt__tid();
	rt->wake_fd = -1;
	const char *seed = getenv("FIU_PRNG_SEED");
	rt->prng = 0x9e3779b97f4a7c15ull ^ (seed ? strtoull(seed, NULL, 10) : 0);
	if (!rt->prng)
		rt->prng = 1;

	ret = urt__reactor_init(rt, c.entries ? c.entries : URT__DEFAULT_ENTRIES, c.flags);
	if (ret < 0)
		goto fail;
	*out = rt;
	errno = saved;
	return 0;
fail:
	free(rt);
	errno = saved;
	return ret;
}

/* Frees everything but the ring, which the caller has dealt with. */
static void free_memory(struct urt *rt, bool forked)
{
	urt__net_destroy(rt, forked);
	urt__remote_free_all(rt);
	urt__tasks_free_all(rt); /* every stack, live or cached, in one bulk unmap */
	urt__ops_free_all(rt);
	free(rt->fixed_index);
	free(rt->bufs);
	if (rt->wake_fd >= 0)
		close(rt->wake_fd);
	free(rt);
}

void urt_destroy(struct urt *rt)
{
	if (!rt)
		return;
	int saved = errno;
	/* From one of its tasks (we would unmap our own stack) or while a loop
	 * runs it: refuse, harmlessly; the urt_destroy after urt_run frees it.
	 * A forked child's copy says "running" when another thread of the
	 * parent ran it at the fork: no thread of the child runs it, so only
	 * a call from the child's own task of it (urt__rt) is refused. */
	if (URT__FORKED(rt) ? urt__rt == rt : __atomic_load_n(&rt->running, __ATOMIC_ACQUIRE))
		goto out;
	if (URT__FORKED(rt)) {
		/* Inherited: the kernel's operations belong to the parent, which
		 * shares the rings.  Unmap and close our copies, nothing else. */
		if (rt->ring_ready)
			urt__reactor_ring_exit(rt);
		rt->ring_ready = false;
		free_memory(rt, true);
		goto out;
	}
	urt__reactor_drain_and_exit(rt);
	if (rt->fatal == -ETIMEDOUT || (rt->drain_failed && rt->drain_left > 0)) {
		/* The kernel still holds operations: freeing their buffers and
		 * stacks could let it write into reused memory.  Leak instead. */
		if (rt->drain_failed)
			fprintf(stderr, "urt: urt_destroy could not drain the ring (%s); %u operations still in the kernel; leaking their memory\n",
				strerror(-rt->fatal), rt->drain_left);
		else
			fprintf(stderr, "urt: %u operations never completed after cancel; leaking their memory\n",
				rt->drain_left);
		goto out;
	}
	urt__embed_free(rt);
	urt__ops_mark_filled(rt);
	free_memory(rt, false);
out:
	errno = saved;
}

/* ---- remote spawning: the eventfd that wakes the loop ---- */

int urt_remote_listen(struct urt *rt, int on)
{
	if (!rt)
		return -EINVAL;
	int ret = owner_check(rt);
	if (ret < 0)
		return ret;
	int saved = errno;
	if (on && rt->wake_fd < 0) {
		rt->wake_fd = eventfd(0, EFD_CLOEXEC);
		if (rt->wake_fd < 0) {
			ret = -errno;
			goto out;
		}
	}
	__atomic_store_n(&rt->listening, on ? 1 : 0, __ATOMIC_RELEASE);
	/* Stop listening: take the armed read back (its completion, -ECANCELED,
	 * is reaped like any other). */
	if (!on && rt->wake_op.state == URT__OP_INFLIGHT)
		urt__op_cancel(rt, &rt->wake_op);
out:
	errno = saved;
	return ret;
}

/* ---- registered resources ---- */

/* SQEs already queued name registered files by their table index: submit
 * them before the table changes, so that operations started before an
 * unregister (or a close) still reach the file they were started on. */
static void flush_queued(struct urt *rt)
{
	if (urt__sq_pending(rt))
		urt__reactor_poll(rt, false);
	/* With SQPOLL, submitted only means published: wait (bounded) until
	 * the poller has taken them, waking it if it sleeps. */
	if (rt->flags & URT_SQPOLL) {
		for (unsigned i = 0; io_uring_sq_ready(&rt->ring) && i < 100000; i++) {
			if (IO_URING_READ_ONCE(*rt->ring.sq.kflags) & IORING_SQ_NEED_WAKEUP)
				io_uring_submit(&rt->ring);
			sched_yield();
		}
	}
}

int urt_register_files(struct urt *rt, const int *fds, unsigned n)
{
	if (!rt || !fds || n == 0)
		return -EINVAL;
	int ret = owner_check(rt);
	if (ret < 0)
		return ret;
	int max = -1;
	int saved_errno = errno;
	for (unsigned i = 0; i < n; i++) {
		/* Only open fds: the table below is indexed by fd number, so
		 * an fd that is not open (1 << 30, say) must not size it. */
		if (fds[i] < 0 || fcntl(fds[i], F_GETFD) < 0) {
			errno = saved_errno;
			return -EBADF;
		}
		if (fds[i] > max)
			max = fds[i];
	}
	errno = saved_errno;
	/* The table is indexed by fd number: max + 1 entries (an absurd fd
	 * makes malloc fail: -ENOMEM). */
	if ((size_t)max >= SIZE_MAX / sizeof(int))
		return -ENOMEM; /* 32-bit: the table would not fit */
	int saved = errno;
	int *index = malloc(((size_t)max + 1) * sizeof(int));
	if (!index) {
		errno = saved;
		return -ENOMEM;
	}
	for (int i = 0; i <= max; i++)
		index[i] = -1;
	for (unsigned i = 0; i < n; i++) {
		if (index[fds[i]] >= 0) { /* twice: which slot would it use? */
			free(index);
			errno = saved;
			return -EINVAL;
		}
		index[fds[i]] = (int)i;
	}
	/* A second registration replaces the first. */
	if (rt->fixed_len) {
		flush_queued(rt);
		io_uring_unregister_files(&rt->ring);
		free(rt->fixed_index);
		rt->fixed_index = NULL;
		rt->fixed_len = 0;
		rt->slow_start &= (uint8_t)~URT__SLOW_FIXED;
		urt__sq_stop_refresh(rt);
	}
	ret = io_uring_register_files(&rt->ring, fds, n);
	if (ret < 0) {
		free(index);
		errno = saved;
		return ret;
	}
	rt->fixed_index = index;
	rt->fixed_len = (unsigned)max + 1;
	rt->slow_start |= URT__SLOW_FIXED; /* the fd may have to become a fixed index */
	urt__sq_stop_refresh(rt);
	errno = saved;
	return 0;
}

int urt_unregister_files(struct urt *rt)
{
	if (!rt)
		return -EINVAL;
	int ret = owner_check(rt);
	if (ret < 0)
		return ret;
	if (!rt->fixed_len)
		return -ENXIO;
	/* Every fd may have been unregistered one by one (urt_close,
	 * urt_unregister_file): the table is then empty, and -ENXIO says so
	 * as for a runtime that never registered any; it goes all the same. */
	bool any = false;
	for (unsigned i = 0; i < rt->fixed_len && !any; i++)
		any = rt->fixed_index[i] >= 0;
	int saved = errno;
	flush_queued(rt);
	ret = io_uring_unregister_files(&rt->ring);
	free(rt->fixed_index);
	rt->fixed_index = NULL;
	rt->fixed_len = 0;
	rt->slow_start &= (uint8_t)~URT__SLOW_FIXED;
	urt__sq_stop_refresh(rt);
	errno = saved;
	return ret < 0 ? ret : any ? 0 : -ENXIO;
}

int urt_unregister_file(struct urt *rt, int fd)
{
	if (!rt)
		return -EINVAL;
	int ret = owner_check(rt);
	if (ret < 0)
		return ret;
	if (fd < 0 || (unsigned)fd >= rt->fixed_len || rt->fixed_index[fd] < 0)
		return -EBADF;
	/* Operations already in flight keep their own reference to the file;
	 * from now on the number goes through the normal fd table. */
	int saved = errno;
	flush_queued(rt);
	int minus_one = -1;
	ret = io_uring_register_files_update(&rt->ring, (unsigned)rt->fixed_index[fd], &minus_one, 1);
	rt->fixed_index[fd] = -1;
	errno = saved;
	return ret < 0 ? ret : 0;
}

int urt_register_buffers(struct urt *rt, const struct iovec *iov, unsigned n)
{
	if (!rt || !iov || n == 0)
		return -EINVAL;
	int ret = owner_check(rt);
	if (ret < 0)
		return ret;
	int saved = errno;
	struct iovec *copy = malloc((size_t)n * sizeof(*copy));
	if (!copy) {
		errno = saved;
		return -ENOMEM;
	}
	memcpy(copy, iov, (size_t)n * sizeof(*copy));
	ret = io_uring_register_buffers(&rt->ring, iov, n);
	if (ret < 0) {
		free(copy);
	} else {
		free(rt->bufs);
		rt->bufs = copy;
		rt->nbufs = n;
	}
	errno = saved;
	return ret < 0 ? ret : 0;
}

/* ---- statistics ---- */

/* The 0.1 struct urt_stats ends at faults[]; urt_get_stats (0.1) copies
 * exactly that much, whatever was appended since. */
#define STATS_SIZE_0_1 ((12 + 7) * sizeof(uint64_t))
_Static_assert(offsetof(struct urt_stats, faults) + sizeof(((struct urt_stats *)0)->faults) == STATS_SIZE_0_1,
	       "struct urt_stats: the 0.1 fields and faults[] are fixed; append new counters (and new fault points' counters) at the end");

static void snapshot(const struct urt *rt, struct urt_stats *s)
{
	*s = rt->stats;
	/* What the fast paths did since the last urt__settle (internal.h). */
	if (rt->ring_ready) {
		s->ops_started += rt->ring.sq.sqe_tail - rt->sq_seen;
		s->ops_completed += *rt->ring.cq.khead - rt->cq_seen;
	}
	/* SQEs consumed since the reactor last looked (under SQPOLL the
	 * poller moves the SQ head after it has posted their CQEs). */
	if (rt->ring_ready && (rt->flags & URT_SQPOLL))
		s->sqes_submitted += io_uring_smp_load_acquire(rt->ring.sq.khead) - rt->sq_head_seen;
}

int urt_get_stats_sized(const struct urt *rt, struct urt_stats *out, size_t size)
{
	if (!rt || !out || size < STATS_SIZE_0_1)
		return -EINVAL;
	if (size == sizeof(struct urt_stats)) {
		/* A caller built against this header (the common case, and a
		 * benchmark may ask per operation): no copy in between. */
		snapshot(rt, out);
		return (int)size;
	}
	struct urt_stats s;
	snapshot(rt, &s);
	size_t n = size < sizeof(s) ? size : sizeof(s);
	memcpy(out, &s, n);
	if (size > n)
		memset((char *)out + n, 0, size - n);
	return (int)n;
}

/* The macro in urt.h routes callers built now to urt_get_stats_sized. */
#undef urt_get_stats
void urt_get_stats(const struct urt *rt, struct urt_stats *out)
{
	if (rt && out) {
		struct urt_stats s;
		snapshot(rt, &s);
		memcpy(out, &s, STATS_SIZE_0_1);
	}
}

const char *urt_version(void)
{
	return URT_VERSION_STRING;
}

uint64_t urt_cq_batches(const struct urt *rt)
{
	return rt ? __atomic_load_n(&rt->stats.cq_batches, __ATOMIC_RELAXED) : 0;
}

void urt_stats_reset(struct urt *rt)
{
	if (!rt)
		return;
	if (rt->ring_ready)
		urt__settle(rt); /* so that no start or completion before the reset is counted after it */
	memset(&rt->stats, 0, sizeof(rt->stats));
}
