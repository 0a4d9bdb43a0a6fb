/*
 * embed.c - what another event loop needs to drive a runtime with
 * urt_run_once: a file descriptor to wait on and how long it may wait.
 *
 * Sleeping tasks keep a kernel timeout armed for the earliest deadline
 * (timer.c), armed by the turn's tick just before its poll (so before
 * urt_run_once returns), so every wake-up the
 * runtime can expect comes in as a completion, and the ring's own fd polls
 * readable when the CQ holds one.  Nothing needs a timer in user space: the timeout is 0 when there is
 * work right now, else -1.
 *
 * DEFER_TASKRUN is the exception: completions wait as local work until the
 * owner enters the kernel, and nothing wakes a poll() on the ring fd when
 * that work is queued (the kernel wakes only a task waiting inside
 * io_uring_enter).  It does signal a registered eventfd when the first item
 * is queued, so there the backend fd is an eventfd, registered on first use
 * and drained at the start of every urt_run_once (before reaping, so a
 * completion posted after the drain signals it again: no lost wake-up).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

static int embed_eventfd(struct urt *rt)
{
	if (rt->embed_evfd)
		return rt->embed_evfd;
	int saved = errno;
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int ret = fd < 0 ? -errno : 0;
	if (fd >= 0 && fd <= 2) {
		/* Never hand out 0-2: a program started with stdin closed
		 * would take it for its own. */
		int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		ret = high < 0 ? -errno : 0;
		close(fd);
		fd = high;
	}
	if (ret == 0) {
		ret = io_uring_register_eventfd(&rt->ring, fd);
		if (ret < 0) {
			close(fd);
		} else {
			/* The kernel signals the eventfd when deferred work goes from
			 * none to some.  Work queued before it was registered would
			 * never be signalled (the list stays non-empty): start
			 * readable, so the first poll returns and urt_run_once runs
			 * that work. */
			uint64_t one = 1;
			(void)!write(fd, &one, sizeof one);
		}
	}
	errno = saved;
	if (ret < 0)
		return ret;
	rt->embed_evfd = fd;
	return fd;
}

int urt_backend_fd(struct urt *rt)
{
	if (!rt || !rt->ring_ready)
		return -EINVAL;
	if (rt->flags & URT_DEFER_TASKRUN)
		return embed_eventfd(rt);
	return rt->ring.ring_fd;
}

void urt__embed_drain(struct urt *rt)
{
	uint64_t n;
	int saved = errno;
	while (read(rt->embed_evfd, &n, sizeof n) == (ssize_t)sizeof n)
		;
	errno = saved;
}

void urt__embed_free(struct urt *rt)
{
	if (rt->embed_evfd) {
		close(rt->embed_evfd);
		rt->embed_evfd = 0;
	}
}

/* SQEs the kernel has not taken yet.  Under SQPOLL the poller thread takes
 * them on its own (urt_run_once has already woken it if it slept), so they
 * are no reason to call us again. */
static bool sq_unsubmitted(const struct urt *rt)
{
	if (rt->flags & URT_SQPOLL)
		return false;
	const struct io_uring_sq *sq = &rt->ring.sq;
	return sq->sqe_tail != *sq->khead;
}

int urt_backend_timeout(const struct urt *rt)
{
	if (!rt || !rt->ring_ready)
		return -EINVAL;
	struct io_uring *ring = (struct io_uring *)&rt->ring;
	/* Runnable tasks, operations waiting to be resubmitted, completions
	 * already posted, SQEs only we can hand to the kernel, or completions
	 * parked on the overflow list: urt_run_once has work now. */
	if (rt->runq_len || rt->retry_head || io_uring_cq_ready(ring) || sq_unsubmitted(rt) ||
	    (IO_URING_READ_ONCE(*ring->sq.kflags) & IORING_SQ_CQ_OVERFLOW))
		return 0;
	return -1;
}
