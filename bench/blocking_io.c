/*
 * blocking_io.c - the operation and the accounting shared by the psync and
 * threadpool backends.
 */
#define _GNU_SOURCE
#include "blocking_io.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

ssize_t blocking_op(const struct bench_job *job, int fd, void *buf, uint64_t off)
{
	size_t len = (size_t)job->bs;
	ssize_t res;
	if (workload_is_nop(job->workload)) {
		res = syscall(SYS_getppid) < 0 ? -1 : 0;
	} else if (job->workload->pipe) {
		res = read(fd, buf, len);
	} else if (!job->workload->writes) {
		res = pread(fd, buf, len, (off_t)off);
	} else {
		bench_prepare_write(job, buf, off);
		res = pwrite(fd, buf, len, (off_t)off);
	}
	return res < 0 ? -errno : res;
}

void blocking_complete(struct bench_worker *w, struct op_clock *c, void *buf, ssize_t res, uint64_t off,
		       uint64_t *stream_pos, bool stream_in_order)
{
	op_clock_done(c);
	if (res >= 0 && w->job->workload->pipe) {
		if (stream_in_order)
			bench_verify(w, buf, res, *stream_pos);
		*stream_pos += (uint64_t)res;
	} else if (res >= 0 && !workload_writes(w->job->workload)) {
		bench_verify(w, buf, res, off);
	}
	bench_complete(w, c, res);
}
