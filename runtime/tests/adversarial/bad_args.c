/* NULL and garbage arguments to every public call: a clear -errno, never a crash or a hang. */
#include "adv.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/wait.h>

static char path[] = "/tmp/urt-adv-args-XXXXXX";
static int file_fd;

static void noop(void *arg)
{
	(void)arg;
}

static void io_task(void *arg)
{
	(void)arg;
	char buf[64];
	/* bad fds */
	CHECK_EQ(urt_read(-1, buf, 1, 0), -EBADF);
	CHECK_EQ(urt_write(-1, buf, 1, 0), -EBADF);
	CHECK_EQ(urt_read(INT_MAX, buf, 1, 0), -EBADF);
	CHECK_EQ(urt_read_full(-1, buf, 8, -1), -EBADF);
	CHECK_EQ(urt_write_all(-1, buf, 8, -1), -EBADF);
	CHECK_EQ(urt_fsync(-1), -EBADF);
	CHECK_EQ(urt_close(-1), -EBADF);
	CHECK_EQ(urt_send(-1, buf, 1, 0), -EBADF);
	CHECK_EQ(urt_recv(-1, buf, 1, 0), -EBADF);
	/* bad buffers */
	CHECK_EQ(urt_read(file_fd, NULL, 16, 0), -EFAULT);
	CHECK_EQ(urt_write(file_fd, (void *)8, 16, 0), -EFAULT);
	CHECK_EQ(urt_readv(file_fd, NULL, 1, 0), -EFAULT);
	CHECK_EQ(urt_writev(file_fd, NULL, 1, 0), -EFAULT);
	struct iovec iov = { buf, sizeof buf };
	CHECK_EQ(urt_readv(file_fd, &iov, -1, 0), -EINVAL);
	CHECK_EQ(urt_writev(file_fd, &iov, INT_MIN, 0), -EINVAL);
	CHECK_EQ(urt_openat(AT_FDCWD, NULL, O_RDONLY, 0), -EFAULT);
	CHECK_EQ(urt_openat(-1, "relative", O_RDONLY, 0), -EBADF);
	CHECK_EQ(urt_openat(AT_FDCWD, path, 0x7fffffff, 0) < 0, 1);
	/* the wrong kind of fd */
	CHECK_EQ(urt_recv(file_fd, buf, 1, 0), -ENOTSOCK);
	CHECK_EQ(urt_send(file_fd, buf, 1, 0), -ENOTSOCK);
	CHECK_EQ(urt_accept(file_fd, NULL, NULL, 0), -ENOTSOCK);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(s >= 0);
	CHECK(urt_connect(s, NULL, 0) < 0);
	CHECK(urt_connect(s, (struct sockaddr *)8, 16) < 0);
	CHECK(urt_accept(s, NULL, NULL, 0) < 0); /* not listening */
	close(s);
}

static void futures_task(void *arg)
{
	(void)arg;
	char buf[64];
	struct urt_future *f = NULL;
	CHECK_EQ(urt_read_async(NULL, file_fd, buf, 1, 0), -EINVAL);
	CHECK_EQ(urt_write_async(NULL, file_fd, buf, 1, 0), -EINVAL);
	CHECK_EQ(urt_nop_async(NULL), -EINVAL);
	CHECK_EQ(urt_read_fixed_async(NULL, file_fd, buf, 1, 0, 0), -EINVAL);
	CHECK_EQ(urt_await(NULL), -EINVAL);
	CHECK_EQ(urt_cancel(NULL), -EINVAL);
	CHECK_EQ(urt_future_done(NULL), 0);
	CHECK_EQ(urt_await_any(NULL, 1), -EINVAL);
	CHECK_EQ(urt_await_all(NULL, 1, NULL), -EINVAL);
	CHECK_EQ(urt_nop_async(&f), 0);
	struct urt_future *fs[2] = { f, NULL };
	CHECK_EQ(urt_await_any(fs, 0), -EINVAL);
	CHECK_EQ(urt_await_any(fs, 2), -EINVAL);  /* a NULL entry (issue 9, defect 9) */
	CHECK_EQ(urt_await_all(fs, 2, NULL), -EINVAL);
	fs[1] = f;
	CHECK_EQ(urt_await_all(fs, 2, NULL), -EINVAL); /* the same future twice */
	CHECK_EQ(urt_await_any(fs, 2), 0);
	CHECK_EQ(urt_await(f), 0); /* nothing was awaited by the refused calls */
	/* spawning from a task with bad arguments */
	CHECK_EQ(urt_spawn(urt_current(), NULL, NULL), -EINVAL);
	CHECK_EQ(urt_spawn(NULL, noop, NULL), -EINVAL);
}

static void buf_index_task(void *arg)
{
	(void)arg;
	char buf[64];
	struct urt_future *f = NULL;
	/* buffer indexes out of range never alias buffer 0 (defect 11) */
	static char fixed[4096];
	struct iovec fiov = { fixed, sizeof fixed };
	CHECK_EQ(urt_register_buffers(urt_current(), &fiov, 1), 0);
	CHECK_EQ(urt_read_fixed(file_fd, fixed, 16, 0, 0), 16);
	CHECK_EQ(urt_read_fixed(file_fd, fixed, 16, 0, 65536), -EINVAL);
	CHECK_EQ(urt_read_fixed(file_fd, fixed, 16, 0, INT_MIN), -EINVAL);
	CHECK_EQ(urt_read_fixed(file_fd, fixed, 16, 0, -1), -EINVAL);
	CHECK_EQ(urt_write_fixed(file_fd, fixed, 16, 0, 65537), -EINVAL);
	CHECK_EQ(urt_read_fixed_async(&f, file_fd, fixed, 16, 0, 1 << 20), -EINVAL);
	CHECK(urt_read_fixed(file_fd, fixed, 16, 0, 1) < 0); /* one buffer registered */
	/* a buffer outside the registered one */
	CHECK(urt_read_fixed(file_fd, buf, 16, 0, 0) < 0);
}

static void runtime_calls(void)
{
	CHECK(file_fd >= 0);
	struct urt *rt = (struct urt *)0x1;
	CHECK_EQ(urt_create(NULL, NULL), -EINVAL);
	struct urt_config c = { .flags = 1u << 30 };
	CHECK_EQ(urt_create(&rt, &c), -EINVAL);
	CHECK(rt == NULL);
	c = (struct urt_config){ .flags = ~0u };
	CHECK_EQ(urt_create(&rt, &c), -EINVAL);
	c = (struct urt_config){ .stack_size = 1 };
	CHECK_EQ(urt_create(&rt, &c), -EINVAL);
	c = (struct urt_config){ .entries = UINT_MAX };
	CHECK(urt_create(&rt, &c) < 0);
	c = (struct urt_config){ .entries = 1u << 20 };
	CHECK(urt_create(&rt, &c) < 0);
	CHECK_EQ(urt_spawn(NULL, noop, NULL), -EINVAL);
	CHECK_EQ(urt_run(NULL), -EINVAL);
	CHECK(urt_run_once(NULL) < 0);
	urt_destroy(NULL);
	struct urt_stats st;
	urt_get_stats(NULL, &st);
	urt_stats_reset(NULL);
	CHECK(urt_fault_name((enum urt_fault_point) - 1) == NULL);
	CHECK(urt_fault_name(URT_FAULT_COUNT) == NULL);
	CHECK(urt_fault_name((enum urt_fault_point)INT_MAX) == NULL);
	CHECK(urt_fault_name(URT_FAULT_SUBMIT) != NULL);

	CHECK_EQ(urt_create(&rt, NULL), 0);
	urt_get_stats(rt, NULL);
	CHECK_EQ(urt_spawn(rt, NULL, NULL), -EINVAL);
	int fds[2] = { file_fd, -5 };
	CHECK_EQ(urt_register_files(NULL, fds, 1), -EINVAL);
	CHECK_EQ(urt_register_files(rt, NULL, 1), -EINVAL);
	CHECK_EQ(urt_register_files(rt, fds, 0), -EINVAL);
	CHECK(urt_register_files(rt, fds, 2) < 0);
	fds[1] = 1000; /* not open */
	CHECK(urt_register_files(rt, fds, 2) < 0);
	struct iovec biov = { NULL, 4096 };
	CHECK_EQ(urt_register_buffers(NULL, &biov, 1), -EINVAL);
	CHECK_EQ(urt_register_buffers(rt, NULL, 1), -EINVAL);
	CHECK_EQ(urt_register_buffers(rt, &biov, 0), -EINVAL);
	CHECK(urt_register_buffers(rt, &biov, 1) < 0);
	CHECK_EQ(urt_run(rt), 0); /* nothing to run */
	CHECK_EQ(urt_run_once(rt), 0);
	urt_destroy(rt);
}

/* A number no process can have open is refused without first building a
 * table that large (4 GiB for 1 << 30). */
static void register_huge_fd(void)
{
	struct urt *rt;
	CHECK_EQ(urt_create(&rt, NULL), 0);
	int fds[2] = { file_fd, 1 << 30 };
	CHECK(urt_register_files(rt, fds, 2) < 0);
	urt_destroy(rt);
}

static void in_task(void (*fn)(void *))
{
	CHECK_EQ(adv_run1(fn, NULL), 0);
}

static void io_calls(void) { in_task(io_task); }
static void future_calls(void) { in_task(futures_task); }
static void buf_index_calls(void) { in_task(buf_index_task); }

int main(void)
{
	file_fd = mkstemp(path);
	CHECK(file_fd >= 0);
	char data[4096];
	memset(data, 'd', sizeof data);
	CHECK_EQ(write(file_fd, data, sizeof data), sizeof data);
	/* each section in its own child: one crash or hang does not hide the others */
	static const struct {
		const char *name;
		void (*fn)(void);
	} sections[] = {
		{ "runtime calls (create, spawn, run, stats, register)", runtime_calls },
		{ "I/O calls in a task (bad fds, buffers, iovecs, paths, fd kinds)", io_calls },
		{ "futures (NULL, NULL entries, duplicates)", future_calls },
		{ "buf_index out of range", buf_index_calls },
		{ "urt_register_files with fd 1 << 30", register_huge_fd },
	};
	int failed = 0;
	for (unsigned i = 0; i < sizeof sections / sizeof sections[0]; i++) {
		fflush(NULL);
		pid_t pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			adv_watchdog(10, sections[i].name);
			sections[i].fn();
			_exit(0);
		}
		int st;
		CHECK(waitpid(pid, &st, 0) == pid);
		int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (!ok) {
			fprintf(stderr, "FAILED: %s (%s %d)\n", sections[i].name, WIFEXITED(st) ? "exit" : "signal",
				WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			failed++;
		}
	}
	close(file_fd);
	unlink(path);
	return failed ? 1 : 0;
}
