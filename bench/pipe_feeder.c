/*
 * pipe_feeder.c - the writing side of the pipe workload: a thread that keeps
 * a pipe full of pattern data written in chunks of random size.  A reader
 * asking for bs bytes gets whatever one or more chunks left in the pipe: real
 * short reads, not injected ones.
 */
#define _GNU_SOURCE
#include "bench.h"
#include "workload_data.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

struct pipe_feeder {
	pthread_t thread;
	int read_fd, write_fd;
	uint64_t seed, chunk_max;
};

static void *feed(void *arg)
{
	struct pipe_feeder *pf = arg;
	/* EPIPE, not SIGPIPE, ends the writer when the reader closes. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	size_t cap = (size_t)pf->chunk_max;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	uint64_t rng = pf->seed ^ 0x5eedf00dull, stream_off = 0;
	for (;;) {
		size_t len = 1 + (size_t)wd_below(&rng, cap);
		wd_pattern_fill(buf, len, stream_off, pf->seed);
		size_t done = 0;
		while (done < len) {
			ssize_t n = write(pf->write_fd, buf + done, len - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				goto out;
			done += (size_t)n;
		}
		stream_off += len;
	}
out:
	free(buf);
	return NULL;
}

int pipe_feeder_start(struct pipe_feeder **out, uint64_t seed, uint64_t chunk_max, int *read_fd)
{
	struct pipe_feeder *pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		int err = -errno;
		free(pf);
		return err;
	}
	pf->read_fd = fds[0];
	pf->write_fd = fds[1];
	pf->seed = seed;
	pf->chunk_max = chunk_max ? chunk_max : 1;
	int ret = pthread_create(&pf->thread, NULL, feed, pf);
	if (ret) {
		close(fds[0]);
		close(fds[1]);
		free(pf);
		return -ret;
	}
	*read_fd = pf->read_fd;
	*out = pf;
	return 0;
}

void pipe_feeder_stop(struct pipe_feeder *pf)
{
	if (!pf)
		return;
	close(pf->read_fd);
	pthread_join(pf->thread, NULL);
	close(pf->write_fd);
	free(pf);
}
