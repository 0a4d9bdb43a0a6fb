/* A buf_index out of range (negative, INT_MIN, 65536, >= the number registered) is -EINVAL, a range outside its registered buffer -EFAULT, in urt_read_fixed, urt_write_fixed and urt_read_fixed_async; valid ones move data. */
#include "check.h"
#include <urt.h>

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

static struct urt *rt;
static char bufs[2][4096];
static char path[] = "/tmp/urt-bufidx-XXXXXX";

static void task(void *arg)
{
	int fd = *(int *)arg;
	struct iovec iov[2] = { { bufs[0], sizeof bufs[0] }, { bufs[1], sizeof bufs[1] } };
	CHECK_EQ(urt_register_buffers(rt, iov, 2), 0);
	memset(bufs[1], 'x', sizeof bufs[1]);
	CHECK_EQ(urt_write_fixed(fd, bufs[1], 100, 0, 1), 100);
	int bad[] = { 2, 3, 65536, 65537, INT_MIN, -1, INT_MAX };
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_EQ(urt_read_fixed(fd, bufs[0], 10, 0, bad[i]), -EINVAL);
		CHECK_EQ(urt_write_fixed(fd, bufs[0], 10, 0, bad[i]), -EINVAL);
		struct urt_future *f = (struct urt_future *)&f;
		CHECK_EQ(urt_read_fixed_async(&f, fd, bufs[0], 10, 0, bad[i]), -EINVAL);
		CHECK(f == NULL);
	}
	/* Inside the index range, outside that buffer. */
	CHECK_EQ(urt_read_fixed(fd, bufs[1], 10, 0, 0), -EFAULT);
	CHECK_EQ(urt_read_fixed(fd, bufs[0] + 4090, 10, 0, 0), -EFAULT);
	CHECK_EQ(urt_write_fixed(fd, bufs[0] + 4096, 1, 0, 0), -EFAULT);
	/* Valid: the data really moves. */
	memset(bufs[0], 0, sizeof bufs[0]);
	CHECK_EQ(urt_read_fixed(fd, bufs[0] + 10, 100, 0, 0), 100);
	CHECK_EQ(bufs[0][10], 'x');
	CHECK_EQ(bufs[0][109], 'x');
	struct urt_future *f;
	CHECK_EQ(urt_read_fixed_async(&f, fd, bufs[1] + 4000, 96, 0, 1), 0);
	CHECK_EQ(urt_await(f), 96);
}

int main(void)
{
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, &fd), 0);
	int ret = urt_run(rt);
	urt_destroy(rt);
	close(fd);
	unlink(path);
	CHECK_EQ(ret, 0);
	return 0;
}
