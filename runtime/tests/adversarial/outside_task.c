/* Every task-only call made outside a task returns -EPERM (and touches nothing); the task-free calls behave. */
#include "adv.h"

#include <fcntl.h>
#include <sys/socket.h>

int main(void)
{
	adv_watchdog(20, "outside_task");
	int p[2];
	CHECK(pipe(p) == 0);
	char buf[16] = "abc";
	struct iovec iov = { buf, sizeof buf };
	struct urt_future *f = (struct urt_future *)0x1;
	struct urt_future *fs[1] = { (struct urt_future *)0x1 };
	CHECK(urt_current() == NULL);
	/* before any runtime exists, and again while one exists but is not running */
	for (int round = 0; round < 2; round++) {
		struct urt *rt = NULL;
		if (round)
			CHECK_EQ(urt_create(&rt, NULL), 0);
		CHECK_EQ(urt_read(p[0], buf, 1, -1), -EPERM);
		CHECK_EQ(urt_write(p[1], buf, 1, -1), -EPERM);
		CHECK_EQ(urt_read_full(p[0], buf, 1, -1), -EPERM);
		CHECK_EQ(urt_write_all(p[1], buf, 1, -1), -EPERM);
		CHECK_EQ(urt_readv(p[0], &iov, 1, -1), -EPERM);
		CHECK_EQ(urt_writev(p[1], &iov, 1, -1), -EPERM);
		CHECK_EQ(urt_fsync(p[1]), -EPERM);
		CHECK_EQ(urt_nop(), -EPERM);
		CHECK_EQ(urt_sleep(1), -EPERM);
		CHECK_EQ(urt_openat(AT_FDCWD, "/dev/null", O_RDONLY, 0), -EPERM);
		CHECK_EQ(urt_close(p[0]), -EPERM);
		CHECK_EQ(urt_recv(p[0], buf, 1, 0), -EPERM);
		CHECK_EQ(urt_send(p[1], buf, 1, 0), -EPERM);
		CHECK_EQ(urt_accept(p[0], NULL, NULL, 0), -EPERM);
		CHECK_EQ(urt_connect(p[0], NULL, 0), -EPERM);
		CHECK_EQ(urt_read_fixed(p[0], buf, 1, -1, 0), -EPERM);
		CHECK_EQ(urt_write_fixed(p[1], buf, 1, -1, 0), -EPERM);
		f = (struct urt_future *)0x1;
		CHECK_EQ(urt_read_async(&f, p[0], buf, 1, -1), -EPERM);
		CHECK(f == NULL || f == (struct urt_future *)0x1);
		CHECK_EQ(urt_write_async(&f, p[1], buf, 1, -1), -EPERM);
		CHECK_EQ(urt_nop_async(&f), -EPERM);
		CHECK_EQ(urt_read_fixed_async(&f, p[0], buf, 1, -1, 0), -EPERM);
		/* a garbage handle is refused before it is looked at */
		ssize_t r = urt_await((struct urt_future *)0x1);
		CHECK(r == -EPERM || r == -EINVAL);
		int c = urt_cancel((struct urt_future *)0x1);
		CHECK(c == -EPERM || c == -EINVAL);
		c = urt_await_any(fs, 1);
		CHECK(c == -EPERM || c == -EINVAL);
		c = urt_await_all(fs, 1, NULL);
		CHECK(c == -EPERM || c == -EINVAL);
		CHECK_EQ(urt_set_op_timeout(1000), -EPERM);
		urt_yield(); /* a no-op */
		CHECK(urt_task_local() == NULL);
		urt_set_task_local(buf); /* ignored outside a task */
		CHECK(urt_task_local() == NULL);
		CHECK(urt_current() == NULL);
		if (rt) {
			struct urt_stats s;
			urt_get_stats(rt, &s);
			CHECK_EQ(s.ops_started, 0);
			urt_destroy(rt);
		}
	}
	/* nothing was read or written through the pipe */
	CHECK_EQ(write(p[1], "z", 1), 1);
	CHECK_EQ(read(p[0], buf, sizeof buf), 1);
	CHECK_EQ(buf[0], 'z');
	return 0;
}
