/*
 * urt.h - an asynchronous I/O runtime on io_uring: one reactor, one fiber
 * executor, one thread.
 *
 * Every function returns >= 0 on success or -errno on failure and never
 * touches errno.  Functions marked "inside a task" suspend the calling task
 * (a stackful fiber), never the thread; calling them outside a task returns
 * -EPERM.
 *
 * Reads top to bottom: runtime lifetime, tasks, I/O, futures, registered
 * resources, statistics, fault injection.
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

struct urt;        /* one runtime: one io_uring + one executor, used by one thread */
struct urt_future; /* one I/O operation in flight */

/* Feature flags for urt_config.flags.  A flag the kernel cannot honour makes
 * urt_create fail with -EOPNOTSUPP (probed at create, never a crash). */
#define URT_SQPOLL         (1u << 0) /* kernel thread polls the SQ: no enter per submit */
#define URT_COOP_TASKRUN   (1u << 1) /* no IPI to run completions: we reap on our own schedule */
#define URT_DEFER_TASKRUN  (1u << 2) /* SINGLE_ISSUER + DEFER_TASKRUN: completions run only when we wait */
#define URT_IOPOLL         (1u << 3) /* busy-poll completions (O_DIRECT on a polled device only) */

struct urt_config {        /* all-zero means defaults */
	unsigned entries;      /* SQ entries, default 256 */
	unsigned submit_batch; /* submit once this many SQEs are queued; 0 = when no task is runnable */
	unsigned wait_nr;      /* completions to wait for when idle; 0 = 1 */
	unsigned flags;        /* URT_* feature flags above */
	size_t stack_size;     /* per task; 0 = 64 KiB */
};

URT_API int urt_create(struct urt **rt, const struct urt_config *cfg); /* cfg may be NULL */
URT_API void urt_destroy(struct urt *rt);
URT_API int urt_spawn(struct urt *rt, void (*fn)(void *), void *arg); /* also from inside a task */
URT_API int urt_run(struct urt *rt); /* until every task has returned */

/* One step of urt_run, for embedding in another event loop: runs the tasks
 * that are runnable now, submits what they queued and reaps what has
 * completed, without blocking.  Returns the number of live tasks. */
URT_API int urt_run_once(struct urt *rt);

/* The runtime the calling thread is running (inside urt_run), or NULL. */
URT_API struct urt *urt_current(void);

/* ---------------------------------------------------------------------------
 * Tasks (inside a task only)
 */

URT_API void urt_yield(void);          /* to the back of the run queue */
URT_API int urt_sleep(uint64_t ns);    /* 0, or -errno */
URT_API void *urt_task_local(void);    /* this task's private pointer, NULL at start */
URT_API void urt_set_task_local(void *p);

/* ---------------------------------------------------------------------------
 * I/O (inside a task only).  off = -1: file position / stream.
 * Give the runtime blocking fds: io_uring waits for readiness itself.  On an
 * O_NONBLOCK fd the kernel answers -EAGAIN, which the runtime retries a
 * bounded number of times and then returns.
 */

URT_API ssize_t urt_read(int fd, void *buf, size_t len, off_t off);        /* one read; may be short, like pread */
URT_API ssize_t urt_write(int fd, const void *buf, size_t len, off_t off); /* one write; may be short */
URT_API ssize_t urt_read_full(int fd, void *buf, size_t len, off_t off);   /* until len bytes or EOF */
URT_API ssize_t urt_write_all(int fd, const void *buf, size_t len, off_t off);
URT_API int urt_fsync(int fd);
URT_API int urt_nop(void); /* a no-op through the kernel: measures the runtime itself */

URT_API ssize_t urt_readv(int fd, const struct iovec *iov, int iovcnt, off_t off);
URT_API ssize_t urt_writev(int fd, const struct iovec *iov, int iovcnt, off_t off);
URT_API int urt_openat(int dirfd, const char *path, int flags, mode_t mode); /* the new fd */
URT_API int urt_close(int fd);
URT_API ssize_t urt_recv(int fd, void *buf, size_t len, int flags);
URT_API ssize_t urt_send(int fd, const void *buf, size_t len, int flags);
URT_API int urt_accept(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
URT_API int urt_connect(int fd, const struct sockaddr *addr, socklen_t addrlen);

/* ---------------------------------------------------------------------------
 * Futures (inside a task only).  A started operation owns its buffer until
 * urt_await returns: the kernel may write into it until then.
 */

URT_API int urt_read_async(struct urt_future **f, int fd, void *buf, size_t len, off_t off);
URT_API int urt_write_async(struct urt_future **f, int fd, const void *buf, size_t len, off_t off);
URT_API int urt_nop_async(struct urt_future **f);
URT_API ssize_t urt_await(struct urt_future *f); /* the result; releases f */
URT_API int urt_cancel(struct urt_future *f);    /* asks the kernel to cancel; urt_await is still required */
/* 1 once f has completed (urt_await will not suspend), else 0. */
URT_API int urt_future_done(const struct urt_future *f);
/* Suspends until one of the n futures has completed; returns its index.
 * Releases nothing: await the returned one (and the others later). */
URT_API int urt_await_any(struct urt_future *const *fs, unsigned n);
/* Awaits all n futures, storing each result in results[i] (results may be
 * NULL), and releases them all.  Returns 0, or -EINVAL for bad arguments
 * (then nothing is awaited). */
URT_API int urt_await_all(struct urt_future *const *fs, unsigned n, ssize_t *results);

/* ---------------------------------------------------------------------------
 * Registered resources.  Call before or during urt_run, from the owning thread.
 */

/* Registers fds with the ring; later operations on those fds use the fixed
 * file table automatically (no per-op fget/fput in the kernel). */
URT_API int urt_register_files(struct urt *rt, const int *fds, unsigned n);
/* Registers buffers; use them through the *_fixed calls with their index. */
URT_API int urt_register_buffers(struct urt *rt, const struct iovec *iov, unsigned n);
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
 * fresh timeout; urt_cancel still gives -ECANCELED.  Returns the previous
 * value (clamped to INT_MAX), or -EPERM outside a task. */
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
