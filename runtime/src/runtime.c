/*
 * runtime.c - creating and destroying a runtime, registered resources and
 * statistics.  Cold paths only.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define URT__DEFAULT_ENTRIES 256
#define URT__DEFAULT_STACK (64 * 1024)
#define URT__MIN_STACK (16 * 1024)
#define URT__KNOWN_FLAGS (URT_SQPOLL | URT_COOP_TASKRUN | URT_DEFER_TASKRUN | URT_IOPOLL)

int urt_create(struct urt **out, const struct urt_config *cfg)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	struct urt_config c = { 0 };
	if (cfg)
		c = *cfg;
	if (c.flags & ~URT__KNOWN_FLAGS)
		return -EINVAL;
	if (c.stack_size && c.stack_size < URT__MIN_STACK)
		return -EINVAL;
	if (c.entries > 32768)
		return -EINVAL;

	urt__faults_arm_from_env();
	if (URT__FAULT(NULL, URT_FAULT_ALLOC, ENOMEM))
		return -ENOMEM;
	struct urt *rt = calloc(1, sizeof(*rt));
	if (!rt)
		return -ENOMEM;
	rt->flags = c.flags;
	rt->submit_batch = c.submit_batch;
	rt->wait_nr = c.wait_nr ? c.wait_nr : 1;
	rt->stack_size = c.stack_size ? c.stack_size : URT__DEFAULT_STACK;
	const char *seed = getenv("FIU_PRNG_SEED");
	rt->prng = 0x9e3779b97f4a7c15ull ^ (seed ? strtoull(seed, NULL, 10) : 0);
	if (!rt->prng)
		rt->prng = 1;

	int ret = urt__reactor_init(rt, c.entries ? c.entries : URT__DEFAULT_ENTRIES, c.flags);
	if (ret < 0) {
		free(rt);
		return ret;
	}
	*out = rt;
	return 0;
}

void urt_destroy(struct urt *rt)
{
	if (!rt)
		return;
	urt__reactor_drain_and_exit(rt);
	if (rt->fatal == -ETIMEDOUT) {
		/* The kernel still holds operations: freeing their buffers and
		 * stacks could let it write into reused memory.  Leak instead. */
		fprintf(stderr, "urt: %u operations never completed after cancel; leaking their memory\n",
			rt->inflight);
		return;
	}
	urt__tasks_free_all(rt);
	urt__ops_free_all(rt);
	free(rt->fixed_index);
	free(rt);
}

int urt_register_files(struct urt *rt, const int *fds, unsigned n)
{
	if (!rt || !fds || n == 0 || rt->fixed_len)
		return -EINVAL;
	int max = -1;
	for (unsigned i = 0; i < n; i++) {
		if (fds[i] < 0)
			return -EBADF;
		if (fds[i] > max)
			max = fds[i];
	}
	int *index = malloc(((size_t)max + 1) * sizeof(int));
	if (!index)
		return -ENOMEM;
	for (int i = 0; i <= max; i++)
		index[i] = -1;
	for (unsigned i = 0; i < n; i++)
		index[fds[i]] = (int)i;
	int ret = io_uring_register_files(&rt->ring, fds, n);
	if (ret < 0) {
		free(index);
		return ret;
	}
	rt->fixed_index = index;
	rt->fixed_len = (unsigned)max + 1;
	return 0;
}

int urt_register_buffers(struct urt *rt, const struct iovec *iov, unsigned n)
{
	if (!rt || !iov || n == 0)
		return -EINVAL;
	return io_uring_register_buffers(&rt->ring, iov, n);
}

void urt_get_stats(const struct urt *rt, struct urt_stats *out)
{
	if (rt && out) {
		*out = rt->stats;
		/* SQEs consumed since the reactor last looked (under SQPOLL the
		 * poller moves the SQ head after it has posted their CQEs). */
		if (rt->ring_ready && (rt->flags & URT_SQPOLL))
			out->sqes_submitted += io_uring_smp_load_acquire(rt->ring.sq.khead) - rt->sq_head_seen;
	}
}

void urt_stats_reset(struct urt *rt)
{
	if (rt)
		memset(&rt->stats, 0, sizeof(rt->stats));
}
