/* errors_surfaced counts errors a user sees, not sleeps that expired (-ETIME). */
#include "check.h"
#include <urt.h>
#include <unistd.h>

static void task(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5; i++)
		CHECK_EQ(urt_sleep(100 * 1000), 0);
	char c;
	CHECK_EQ(urt_read(-1, &c, 1, 0), -EBADF); /* a real error: counted */
}

int main(void)
{
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	CHECK_EQ(s.errors_surfaced, 1);
	urt_destroy(rt);
	return 0;
}
