/*
 * blocking_io.h - one blocking system call per operation, as a naive
 * program (psync) or a thread pool's worker (threadpool) makes it.
 */
#ifndef BENCH_BLOCKING_IO_H
#define BENCH_BLOCKING_IO_H

#include "bench.h"

#include <sys/types.h>

/* nop is the cheapest real round trip into the kernel (getppid, which libc
 * does not cache): the blocking peer of an io_uring NOP. */
ssize_t blocking_op(const struct bench_job *job, int fd, void *buf, uint64_t off);

/* Checks and accounts one blocking operation; stream_pos tracks the pipe. */
void blocking_complete(struct bench_worker *w, struct op_clock *c, void *buf, ssize_t res, uint64_t off,
		       uint64_t *stream_pos, bool stream_in_order);

#endif
