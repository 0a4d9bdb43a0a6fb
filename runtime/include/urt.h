/*
 * urt.h - an asynchronous I/O runtime on io_uring: one reactor, one fiber
 * executor, one thread.
 *
 * Conventions for every call:
 * - Returns >= 0 on success or -errno on failure.  errno is never changed:
 *   not by a failing call (even one that ran out of memory), and not across
 *   a call that suspended the task while other tasks ran.
 * - Bad arguments are -EINVAL, and then nothing was started or released.
 * - Calls marked "inside a task" suspend the calling task (a stackful
 *   fiber), never the thread; outside a task they return -EPERM.
 *
 * Threads.  A runtime is used by one thread at a time, its owner: the thread
 * that created it or most recently ran it (urt_run/urt_run_once).  From
 * another thread, urt_spawn, urt_register_*, urt_unregister_* and
 * urt_remote_listen return -EPERM, and urt_run/urt_run_once return -EBUSY
 * while the owner runs it.  Between runs another thread may take it over by
 * running it (not a URT_DEFER_TASKRUN runtime: see urt_run).  The only call
 * meant for other threads is urt_spawn_remote.  Several runtimes on several
 * threads are independent.  urt_get_stats may be called from any thread
 * (the counters may then be torn).
 *
 * fork().  The child's copy of a runtime shares its rings with the parent's
 * (they are MAP_SHARED): the child must not touch them.  In the child every
 * call on an inherited runtime, including the I/O calls of a task that was
 * running when fork() was called, returns -ECHILD, and urt_destroy only
 * frees the child's memory (no cancel, no system call on the ring).  The
 * ring fd is O_CLOEXEC: exec() drops it.  A child may create runtimes of
 * its own.
 *
 * Signals.  A signal handler runs on the stack of whatever was running: a
 * task's fiber stack (stack_size, with a guard page below it) or the
 * thread's own.  Size stacks for your handlers, or give them their own with
 * sigaltstack(2) + SA_ONSTACK.  Handlers must not call this API.  A wait in
 * the kernel that a signal interrupts is retried.
 *
 * Reads top to bottom: runtime lifetime, remote spawning, tasks, I/O,
 * futures, registered resources, statistics, fault injection.
 */
#ifndef URT_H
#define URT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define URT_API __attribute__((visibility("default")))
#else
#define URT_API
#endif

#define URT_VERSION_MAJOR 0
#define URT_VERSION_MINOR 1

/* ---------------------------------------------------------------------------
 * Runtime
 */

struct urt;        /* one runtime: one io_uring + one executor, used by one thread at a time */
struct urt_future; /* one I/O operation in flight */

/* Feature flags for urt_config.flags.  A flag the kernel cannot honour makes
 * urt_create fail with -EOPNOTSUPP (probed at create, never a crash). */
#define URT_SQPOLL         (1u << 0) /* kernel thread polls the SQ: no enter per submit */
#define URT_COOP_TASKRUN   (1u << 1) /* no IPI to run completions: we reap on our own schedule */
#define URT_DEFER_TASKRUN  (1u << 2) /* SINGLE_ISSUER + DEFER_TASKRUN: completions run only when we wait */
#define URT_IOPOLL         (1u << 3) /* busy-poll completions (O_DIRECT on a polled device only) */
/* URT_IOPOLL: the kernel completes only operations it can poll for: O_DIRECT
 * reads and writes on a block device (or file) whose driver has poll queues,
 * and NOPs.  Everything else fails with what the kernel says: -EOPNOTSUPP for
 * reads and writes on files, pipes and sockets it cannot poll, -EINVAL for
 * fsync and timeouts.  urt_sleep needs a timeout, so on an IOPOLL runtime it
 * returns -EOPNOTSUPP at once without asking the kernel. */

struct urt_config {        /* all-zero means defaults */
	unsigned entries;      /* SQ entries, default 256 */
	unsigned submit_batch; /* submit once this many SQEs are queued; 0 = when no task is runnable */
	unsigned wait_nr;      /* completions to wait for when idle; 0 = 1 */
	unsigned flags;        /* URT_* feature flags above */
	size_t stack_size;     /* per task; 0 = 256 KiB (committed only as touched); 16 KiB .. 1 GiB, else -EINVAL */
};

/* Creates a runtime owned by the calling thread (cfg may be NULL).  Errors:
 * -EINVAL (unknown flag, stack_size out of range, entries > 32768),
 * -EOPNOTSUPP (a flag or feature the kernel lacks), -ENOMEM, or the error of
 * io_uring_setup (-EMFILE, ...).  *rt is NULL on failure. */
URT_API int urt_create(struct urt **rt, const struct urt_config *cfg);

/* Cancels every operation still in flight, waits for their completions
 * (the kernel may write into buffers until then), then frees the tasks that
 * never finished, their stacks, the pools and the ring.  Call it after
 * urt_run/urt_run_once returned, from any thread.  Called from a task of rt,
 * or while urt_run/urt_run_once is running rt, it does nothing (the runtime
 * stays usable; the urt_destroy after urt_run frees it, once).  In a forked
 * child it only frees memory (see fork() above).  NULL is a no-op.  If the
 * kernel never completes a cancelled operation (10 s), the memory is leaked
 * rather than freed under the kernel, with one line on stderr.  The same
 * happens when the ring refuses the calling thread: a URT_DEFER_TASKRUN
 * runtime with operations in flight can only be drained by the thread that
 * created it, so destroy such a runtime from that thread. */
URT_API void urt_destroy(struct urt *rt);

/* Adds a task running fn(arg); it first runs at the next pass of urt_run.
 * From the owner thread, or from a task of rt.  Errors: -EINVAL (rt or fn
 * NULL), -ENOMEM (no stack: mmap failed, often vm.max_map_count), -EPERM
 * (another thread: use urt_spawn_remote), -ECHILD (forked child). */
URT_API int urt_spawn(struct urt *rt, void (*fn)(void *), void *arg);

/* Runs the loop until every task has returned; the calling thread becomes
 * rt's owner.  Returns 0, or:
 *   -EDEADLK  every live task waits and nothing can wake one (no operation
 *             in flight, nothing to resubmit, not listening for remote
 *             spawns): a bug in the program, reported rather than a hang;
 *   -EBADR    completions were lost (no IORING_FEAT_NODROP); fatal;
 *   -EBUSY    rt is already running (another thread, or a nested call from
 *             a task), or this thread is running another runtime;
 *   -EPERM    a URT_DEFER_TASKRUN runtime run by a thread other than the
 *             one that created it (the kernel binds such a ring to its
 *             creator; it would fail every operation with -EEXIST);
 *   -ECHILD   rt was inherited through fork();
 *   -EINVAL   rt is NULL;
 *   or an error of io_uring_enter that is not transient (then the runtime
 *   is unusable: destroy it).
 * After an error, tasks that did not finish stay suspended; urt_destroy
 * frees them.  Operations that tasks started but never awaited (futures)
 * may still be in flight when urt_run returns: the kernel keeps writing
 * their buffers until they complete or urt_destroy cancels them. */
URT_API int urt_run(struct urt *rt);

/* One step of urt_run, for embedding in another event loop: runs the tasks
 * that are runnable now, submits what they queued and reaps what has
 * completed, without blocking.  Returns the number of live tasks, or
 * urt_run's errors (except -EDEADLK). */
URT_API int urt_run_once(struct urt *rt);

/* Embedding urt_run_once in another event loop (poll, epoll, libuv...):
 *
 *	while (urt_run_once(rt) > 0) {
 *		struct pollfd p = { urt_backend_fd(rt), POLLIN, 0 };
 *		poll(&p, 1, urt_backend_timeout(rt));
 *	}
 *
 * urt_backend_fd: a file descriptor that polls readable when urt_run_once
 * has completions to deliver (the ring's fd, or with URT_DEFER_TASKRUN an
 * eventfd registered with the ring on the first call; do not read, write or
 * close it; urt_destroy closes it).
 * urt_backend_timeout: 0 when urt_run_once has work now (runnable tasks,
 * completions ready, SQEs to submit), else -1: every timer of the runtime
 * (urt_sleep, operation timeouts) is a kernel timeout whose completion makes
 * the fd readable, so there is never a user-space deadline to wait for.
 * Both return -EINVAL for a NULL runtime (a destroyed one is freed memory:
 * do not pass it).  Call them from the
 * thread that runs the runtime, between calls to urt_run_once. */
URT_API int urt_backend_fd(struct urt *rt);
URT_API int urt_backend_timeout(const struct urt *rt);

/* The runtime the calling thread is running (inside urt_run), or NULL. */
URT_API struct urt *urt_current(void);

/* ---------------------------------------------------------------------------
 * Remote spawning: handing work to a runtime from another thread
 */

/* Owner thread.  With on = 1 the runtime listens for remote spawns: it keeps
 * a read on an internal eventfd in flight (counted in the statistics as an
 * operation), so a remote spawn wakes it even while it waits in the kernel,
 * and a loop whose tasks all wait no longer ends with -EDEADLK: it waits
 * for remote work instead.  on = 0 stops listening (the read is cancelled).
 * Returns 0, -EPERM (not the owner), -ECHILD, or -errno from eventfd(2). */
URT_API int urt_remote_listen(struct urt *rt, int on);

/* Any thread, while rt listens: queues a task running fn(arg) and wakes the
 * runtime.  The task runs on rt's thread at its next turn; if urt_run has
 * returned (no live tasks), at the next urt_run.  Lock-free; the stack is
 * mapped by the caller.  Errors: -EINVAL, -ENOTCONN (rt does not listen:
 * the spawn could not wake it), -ENOMEM, -ECHILD.  Every remote spawner
 * must be done before urt_destroy(rt). */
URT_API int urt_spawn_remote(struct urt *rt, void (*fn)(void *), void *arg);

/* ---------------------------------------------------------------------------
 * Tasks (inside a task only)
 */

URT_API void urt_yield(void);          /* to the back of the run queue */
URT_API int urt_sleep(uint64_t ns);    /* 0, or -errno */
URT_API void *urt_task_local(void);    /* this task's private pointer, NULL at start */
URT_API void urt_set_task_local(void *p);

/* ---------------------------------------------------------------------------
 * I/O (inside a task only).  Each call returns what the system call would,
 * as -errno, with these differences:
 *
 * off = -1 means the file position on a seekable fd and "no offset" on a
 *   stream.  A single urt_read/urt_write at the file position that comes
 *   back short may leave the position where it was on some kernels (6.x
 *   here): use explicit offsets, or urt_read_full/urt_write_all, which
 *   handle it.
 * O_NONBLOCK fds behave like blocking ones: io_uring waits for readiness
 *   itself, so a read on an empty pipe or socket, or a write to a full one,
 *   waits (-EAGAIN does not reach the task; an -EAGAIN the kernel does
 *   return is retried up to 64 times, then returned).  An operation waits
 *   as long as its fd gives nothing: to bound the wait, cancel it (futures)
 *   or use urt_set_op_timeout where available (every operation the calling
 *   task starts afterwards is linked to a timeout and returns -ETIMEDOUT).
 * Registered fds (urt_register_files) are used automatically; see there for
 *   closing them.
 * A zero-length urt_writev to a socket whose peer has closed answers -EPIPE
 *   (io_uring's send path checks the socket first); writev(2) answers 0.
 * Transient kernel failures (-EAGAIN, -EINTR, a full ring, an interrupted
 *   wait, a signal) are retried inside the runtime; what a task sees is the
 *   operation's own result.
 */

URT_API ssize_t urt_read(int fd, void *buf, size_t len, off_t off);        /* one read; may be short, like pread */
URT_API ssize_t urt_write(int fd, const void *buf, size_t len, off_t off); /* one write; may be short */
/* Until len bytes or EOF (read) / until len bytes (write).  Returns len (a
 * read: fewer only at EOF), or -errno: the first error (-ENOSPC, -EFBIG,
 * -EPIPE, ...; -EIO if a write makes no progress), never a count that looks
 * like success.  With off = -1 on a seekable fd the data goes to (comes
 * from) the file position, and the position ends where read(2)/write(2)
 * loops would leave it: after the bytes done (at the end of the file for
 * O_APPEND), also when an error stopped it; short results are continued at
 * explicit offsets, so no byte is done twice.  The runtime assumes no other
 * thread moves the position meanwhile.  On a stream (pipe, socket) there is
 * no offset to advance: the remainder is asked for with the caller's off
 * again (pipes ignore it; sockets accept 0 and -1 and answer -ESPIPE to any
 * other, at the first call, before a byte is consumed). */
URT_API ssize_t urt_read_full(int fd, void *buf, size_t len, off_t off);
URT_API ssize_t urt_write_all(int fd, const void *buf, size_t len, off_t off);
/* The same, and *done (may be NULL) = the bytes transferred, also when the
 * result is an error: how much of buf reached the file before it. */
URT_API ssize_t urt_read_full_n(int fd, void *buf, size_t len, off_t off, size_t *done);
URT_API ssize_t urt_write_all_n(int fd, const void *buf, size_t len, off_t off, size_t *done);
URT_API int urt_fsync(int fd);
URT_API int urt_nop(void); /* a no-op through the kernel: measures the runtime itself */

URT_API ssize_t urt_readv(int fd, const struct iovec *iov, int iovcnt, off_t off);
URT_API ssize_t urt_writev(int fd, const struct iovec *iov, int iovcnt, off_t off);
/* The new fd.  Unlike openat(2) it never blocks the thread, and a FIFO
 * opened O_WRONLY without a reader gives -ENXIO at once (as with
 * O_NONBLOCK) instead of waiting for one. */
URT_API int urt_openat(int dirfd, const char *path, int flags, mode_t mode);
/* Closes fd; a registered fd is unregistered first (urt_unregister_file). */
URT_API int urt_close(int fd);
URT_API ssize_t urt_recv(int fd, void *buf, size_t len, int flags);
URT_API ssize_t urt_send(int fd, const void *buf, size_t len, int flags);
URT_API int urt_accept(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
URT_API int urt_connect(int fd, const struct sockaddr *addr, socklen_t addrlen);
/* splice(2) through the ring (IORING_OP_SPLICE, Linux 5.7+): moves up to len
 * bytes from fd_in to fd_out inside the kernel, without copying them
 * through user space; one of the two must be a pipe.  off_in/off_out: the
 * offset in a file, or -1 for a pipe (and for "the file position", which
 * then moves).  flags: SPLICE_F_MOVE, SPLICE_F_NONBLOCK, SPLICE_F_MORE.
 * Returns the bytes moved (fewer than len is normal: a pipe holds its
 * capacity, F_GETPIPE_SZ, at most), 0 at the end of fd_in (or an empty pipe
 * whose writers are gone), or -errno: -EINVAL (neither fd is a pipe, an fd
 * that cannot splice, an offset below -1, a flag not listed above),
 * -ESPIPE (an offset other than -1 for a pipe), -EBADF (fd_in not open for
 * reading or fd_out not for writing), the errors of the read or write
 * underneath (-EIO, -ENOSPC, -EFBIG, ...), -EPERM outside a task.  The
 * kernel runs a splice in an io-wq worker; a pipe with nothing to give
 * waits for its writer.  A registered fd_out is used through the fixed
 * table; fd_in is always looked up as a plain fd. */
URT_API ssize_t urt_splice(int fd_in, off_t off_in, int fd_out, off_t off_out, size_t len, unsigned flags);

/* ---------------------------------------------------------------------------
 * Futures (inside a task only).  A started operation owns its buffer until
 * urt_await returns: the kernel may write into it until then.  A future a
 * task never awaits stays in flight after the task returns and after
 * urt_run returns; its record and buffer are the kernel's until urt_destroy
 * cancels it.  A future is a checked handle, valid in the task's runtime
 * until urt_await (or urt_await_all) releases it: afterwards, or in another
 * runtime, every call below answers -EINVAL (urt_future_done: 0) and never
 * touches another future, even one that reuses its record.
 */

URT_API int urt_read_async(struct urt_future **f, int fd, void *buf, size_t len, off_t off);
URT_API int urt_write_async(struct urt_future **f, int fd, const void *buf, size_t len, off_t off);
URT_API int urt_nop_async(struct urt_future **f);
/* The operation's result; releases f.  -EINVAL: not a live future;
 * -EBUSY: another task is awaiting it. */
URT_API ssize_t urt_await(struct urt_future *f);
/* Asks the kernel to cancel; urt_await is still required (it returns
 * -ECANCELED, or the result if the operation finished first).  0, -EALREADY
 * (already completed), -EINVAL. */
URT_API int urt_cancel(struct urt_future *f);
/* 1 once f has completed (urt_await will not suspend), else 0 (also for a
 * handle that is not live, or outside a task). */
URT_API int urt_future_done(const struct urt_future *f);
/* Suspends until one of the n futures has completed; returns its index.
 * Releases nothing: await the returned one (and the others later).
 * -EINVAL if fs is NULL, n is 0, or an entry is not a live future; -EBUSY
 * if another task is awaiting one of them (a future has one waiter). */
URT_API int urt_await_any(struct urt_future *const *fs, unsigned n);
/* Awaits all n futures, storing each result in results[i] (results may be
 * NULL), and releases them all.  Returns 0, or -EINVAL for bad arguments
 * (an entry NULL, not live, or present twice) or -EBUSY (another task is
 * awaiting one of them): then nothing is awaited.  Should another task start
 * awaiting a later entry while this call waits for an earlier one, that
 * entry's result is -EBUSY and it is left to that task (-EINVAL if that
 * task has already released it). */
URT_API int urt_await_all(struct urt_future *const *fs, unsigned n, ssize_t *results);

/* ---------------------------------------------------------------------------
 * Registered resources.  Call before or during urt_run, from the owner
 * thread (-EPERM otherwise, -ECHILD in a forked child).
 */

/* Registers fds with the ring; later operations on those fd numbers use the
 * fixed file table automatically (no per-op fget/fput in the kernel).  A
 * second call replaces the first set.  Errors: -EINVAL (NULL, n = 0, an fd
 * twice), -EBADF (a negative fd), -ENOMEM, the kernel's (-EMFILE, ...).
 *
 * Lifetime: the ring holds its own reference to each registered file.  An
 * fd number stays bound to the file it had at registration until it is
 * unregistered: urt_close does that itself; a program that closes a
 * registered fd with close(2) (or dup2s over it) must call
 * urt_unregister_file(rt, fd) first, or later operations on that number -
 * and on the next file that gets it - still reach the old file. */
URT_API int urt_register_files(struct urt *rt, const int *fds, unsigned n);
/* Removes one fd from the table; operations started before it (in flight
 * or still queued: they are submitted first) keep their file.  -EBADF if it
 * is not registered. */
URT_API int urt_unregister_file(struct urt *rt, int fd);
/* Removes them all; -ENXIO if none are registered (never, or every one
 * unregistered already). */
URT_API int urt_unregister_files(struct urt *rt);
/* Registers buffers; use them through the *_fixed calls with their index
 * (0 <= buf_index < n).  -EBUSY if buffers are registered already. */
URT_API int urt_register_buffers(struct urt *rt, const struct iovec *iov, unsigned n);
/* buf[0, len) must lie inside registered buffer buf_index: -EINVAL for an
 * index out of range (negative, >= the number registered), -EFAULT for a
 * range outside the buffer. */
URT_API ssize_t urt_read_fixed(int fd, void *buf, size_t len, off_t off, int buf_index);
URT_API ssize_t urt_write_fixed(int fd, const void *buf, size_t len, off_t off, int buf_index);
URT_API int urt_read_fixed_async(struct urt_future **f, int fd, void *buf, size_t len, off_t off,
				 int buf_index);

/* ---------------------------------------------------------------------------
 * Statistics: counters since urt_create (or the last urt_stats_reset).
 */

enum urt_fault_point {
	URT_FAULT_SUBMIT,      /* "urt/submit" */
	URT_FAULT_GET_SQE,     /* "urt/get_sqe" */
	URT_FAULT_READ_SHORT,  /* "urt/read/short" */
	URT_FAULT_WRITE_SHORT, /* "urt/write/short" */
	URT_FAULT_OP_EAGAIN,   /* "urt/op/eagain" */
	URT_FAULT_OP_ERROR,    /* "urt/op/error" */
	URT_FAULT_ALLOC,       /* "urt/alloc" */
	URT_FAULT_COUNT
};

struct urt_stats {
	uint64_t tasks_spawned;
	uint64_t tasks_finished;
	uint64_t context_switches;
	uint64_t ops_started;        /* operations handed to the runtime */
	uint64_t ops_completed;      /* completions delivered to their owners */
	uint64_t sqes_submitted;     /* SQEs the kernel accepted (retries included) */
	uint64_t enter_calls;        /* io_uring_enter system calls (submit and/or wait) */
	uint64_t submit_retries;     /* transient submit failures that were retried */
	uint64_t sq_full;            /* times the SQ was full and had to be flushed first */
	uint64_t op_retries;         /* operations resubmitted after -EAGAIN/-EINTR */
	uint64_t cq_overflow_flushes;
	uint64_t errors_surfaced;    /* operations delivered with an error result */
	uint64_t faults[URT_FAULT_COUNT]; /* faults injected, per point */
};

URT_API void urt_get_stats(const struct urt *rt, struct urt_stats *out);
URT_API void urt_stats_reset(struct urt *rt);
/* The libfiu name of a fault point ("urt/submit", ...), NULL when out of range. */
URT_API const char *urt_fault_name(enum urt_fault_point p);

/* ---------------------------------------------------------------------------
 * Fault injection (libfiu).  Fault points cost one predictable branch while
 * disarmed.  They arm themselves at urt_create when the process runs under
 * fiu-run (FIU_ENABLE or FIU_CTRL_FIFO in the environment); programs that call
 * fiu_enable() themselves call urt_faults_arm(1).  Returns the previous state;
 * -ENOTSUP when the library was built with URT_FAULT_POINTS=OFF.
 */
URT_API int urt_faults_arm(int on);

/* ---------------------------------------------------------------------------
 * Operation timeouts and replayable faults
 */

/* Inside a task: every operation the calling task starts after this call
 * (blocking calls and futures) is linked to a timeout of ns nanoseconds
 * (IORING_OP_LINK_TIMEOUT); one that has not completed by then returns
 * -ETIMEDOUT.  0 turns it off (the default for a new task).  Its record and
 * buffer stay owned by the kernel until both the operation's and its
 * timeout's completions have arrived; transient errors resubmit it with a
 * fresh timeout; urt_cancel still gives -ECANCELED.  An operation and its
 * timeout take two SQ slots at once: on a runtime created with entries = 1
 * every timed operation answers -EINVAL.  Returns the previous value
 * (clamped to INT_MAX), or -EPERM outside a task. */
URT_API int urt_set_op_timeout(uint64_t ns);

/* Enables point p with the given probability, decided from (seed, point,
 * the operation's identity: its task's spawn number, the task's operation
 * number, its retry count) instead of libfiu's global PRNG, so a seed
 * (FIU_PRNG_SEED, read now) replays the same faults whatever the completion
 * order.  failnum as for fiu_enable (1 = the point's own error).  Arms the
 * points.  fiu-run's "enable_random name=urt/...,probability=P" gets the same
 * treatment at urt_create; fiu_disable(urt_fault_name(p)) turns it off.
 * URT_FAULT_LOG=path appends "point task op retry" per injected fault.
 * Returns 0, -EINVAL, or -ENOTSUP without fault points. */
URT_API int urt_fault_enable_random(enum urt_fault_point p, int failnum, double probability);

#ifdef __cplusplus
}
#endif
#endif /* URT_H */
