/* Ring options: SQPOLL, COOP_TASKRUN, DEFER_TASKRUN, submit batching, registered files and buffers each run real I/O correctly. */
#include "check.h"
#include <urt.h>

#include <fcntl.h>
#include <unistd.h>

static char path[] = "/tmp/urt-opt-XXXXXX";
static unsigned char data[65536];
static int fd;
static unsigned char fixed_buf[4][4096];

static void io_task(void *arg)
{
	uintptr_t use_fixed = (uintptr_t)arg;
	unsigned char buf[4096];
	for (int i = 0; i < 200; i++) {
		off_t off = (off_t)(i % 16) * 4096;
		ssize_t r;
		if (use_fixed) {
			r = urt_read_fixed(fd, fixed_buf[i % 4], 4096, off, i % 4);
			CHECK_EQ(r, 4096);
			CHECK(memcmp(fixed_buf[i % 4], data + off, 4096) == 0);
		} else {
			r = urt_read(fd, buf, 4096, off);
			CHECK_EQ(r, 4096);
			CHECK(memcmp(buf, data + off, 4096) == 0);
		}
		CHECK_EQ(urt_nop(), 0);
	}
}

static int run_with(unsigned flags, unsigned batch, unsigned wait_nr, int fixed)
{
	struct urt *rt;
	struct urt_config cfg = { .flags = flags, .submit_batch = batch, .wait_nr = wait_nr };
	int ret = urt_create(&rt, &cfg);
	if (ret < 0)
		return ret;
	if (fixed) {
		CHECK_EQ(urt_register_files(rt, &fd, 1), 0);
		struct iovec iov[4];
		for (int i = 0; i < 4; i++)
			iov[i] = (struct iovec){ fixed_buf[i], 4096 };
		CHECK_EQ(urt_register_buffers(rt, iov, 4), 0);
	}
	for (int t = 0; t < (fixed ? 1 : 8); t++)
		CHECK_EQ(urt_spawn(rt, io_task, (void *)(uintptr_t)fixed), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	printf("flags %#x batch %u wait %u fixed %d: %llu ops, %llu enters, %llu SQEs\n", flags, batch, wait_nr,
	       fixed, (unsigned long long)s.ops_completed, (unsigned long long)s.enter_calls,
	       (unsigned long long)s.sqes_submitted);
	CHECK_EQ(s.ops_completed, (fixed ? 1 : 8) * 400);
	urt_destroy(rt);
	return 0;
}

int main(void)
{
	fd = mkstemp(path);
	CHECK(fd >= 0);
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 13 + 5);
	CHECK_EQ(pwrite(fd, data, sizeof data, 0), (ssize_t)sizeof data);

	CHECK_EQ(run_with(0, 0, 0, 0), 0);
	CHECK_EQ(run_with(0, 4, 0, 0), 0);
	CHECK_EQ(run_with(0, 1, 4, 0), 0);
	CHECK_EQ(run_with(0, 0, 0, 1), 0);
	const unsigned opts[] = { URT_SQPOLL, URT_COOP_TASKRUN, URT_DEFER_TASKRUN };
	for (int i = 0; i < 3; i++) {
		int r = run_with(opts[i], 0, 0, 0);
		if (r == -EOPNOTSUPP || r == -EPERM)
			printf("flag %#x not supported here (%d)\n", opts[i], r);
		else
			CHECK_EQ(r, 0);
	}
	/* bad configuration is rejected, not crashed on */
	struct urt *rt;
	struct urt_config bad = { .flags = 1u << 30 };
	CHECK_EQ(urt_create(&rt, &bad), -EINVAL);
	struct urt_config tiny_stack = { .stack_size = 100 };
	CHECK_EQ(urt_create(&rt, &tiny_stack), -EINVAL);
	CHECK_EQ(urt_create(NULL, NULL), -EINVAL);
	CHECK_EQ(urt_spawn(NULL, NULL, NULL), -EINVAL);
	CHECK_EQ(urt_run(NULL), -EINVAL);
	urt_destroy(NULL);
	close(fd);
	unlink(path);
	return 0;
}
