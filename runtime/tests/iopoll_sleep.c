/* An IOPOLL runtime: NOPs work, urt_sleep returns -EOPNOTSUPP (documented) rather than the kernel's -EINVAL, unpollable I/O fails cleanly. */
#include "check.h"
#include <urt.h>

#include <unistd.h>

static void task(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_nop(), 0);
	CHECK_EQ(urt_sleep(1000 * 1000), -EOPNOTSUPP);
	int p[2];
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(write(p[1], "x", 1), 1);
	char c;
	ssize_t r = urt_read(p[0], &c, 1, -1); /* a pipe cannot be polled for completion */
	CHECK(r == -EOPNOTSUPP || r == -EINVAL);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	struct urt *rt;
	struct urt_config cfg = { .flags = URT_IOPOLL };
	int ret = urt_create(&rt, &cfg);
	if (ret == -EOPNOTSUPP)
		SKIP("kernel has no IOPOLL rings");
	CHECK_EQ(ret, 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	return 0;
}
