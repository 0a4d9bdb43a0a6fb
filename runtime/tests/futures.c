/* One task keeps 64 futures in flight: reads of distinct blocks, awaited in any order, each result exact. */
#include "check.h"
#include <urt.h>

#include <fcntl.h>
#include <unistd.h>

#define N 64
#define BS 4096

static char path[] = "/tmp/urt-fut-XXXXXX";

static void task(void *arg)
{
	(void)arg;
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(check_maybe_register(urt_current(), &fd, 1), 0);
	static unsigned char bufs[N][BS];
	struct urt_future *f[N];
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < N; i++)
			CHECK_EQ(urt_read_async(&f[i], fd, bufs[i], BS, (off_t)((i + round) % N) * BS), 0);
		/* await_any until all are in: it returns completed ones without suspending */
		unsigned left = N;
		struct urt_future *pending[N];
		int idx[N];
		for (int i = 0; i < N; i++)
			pending[i] = f[i], idx[i] = i;
		while (left) {
			int k = urt_await_any(pending, left);
			CHECK(k >= 0 && (unsigned)k < left);
			CHECK(urt_future_done(pending[k]));
			CHECK_EQ(urt_await(pending[k]), BS);
			int i = idx[k];
			for (int b = 0; b < BS; b++)
				CHECK_EQ(bufs[i][b], (unsigned char)(((i + round) % N) + b));
			pending[k] = pending[left - 1];
			idx[k] = idx[left - 1];
			left--;
		}
	}
	/* await_all: reads of distinct blocks, every result in place */
	ssize_t res[N];
	for (int i = 0; i < N; i++)
		CHECK_EQ(urt_read_async(&f[i], fd, bufs[i], BS, (off_t)i * BS), 0);
	CHECK_EQ(urt_await_all(f, N, res), 0);
	for (int i = 0; i < N; i++) {
		CHECK_EQ(res[i], BS);
		CHECK_EQ(bufs[i][7], (unsigned char)(i + 7));
	}
	CHECK_EQ(urt_await_all(NULL, 1, res), -EINVAL);

	/* nop futures, awaited in reverse order */
	for (int i = 0; i < N; i++)
		CHECK_EQ(urt_nop_async(&f[i]), 0);
	for (int i = N - 1; i >= 0; i--)
		CHECK_EQ(urt_await(f[i]), 0);
	check_close(fd);
}

int main(void)
{
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	static unsigned char block[BS];
	for (int i = 0; i < N; i++) {
		for (int b = 0; b < BS; b++)
			block[b] = (unsigned char)(i + b);
		CHECK_EQ(pwrite(fd, block, BS, (off_t)i * BS), BS);
	}
	close(fd);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	unlink(path);
	return 0;
}
