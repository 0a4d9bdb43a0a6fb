/* A process started with stdin and stdout closed: the runtime's ring takes neither fd 0 nor 1, and urt_read(0)/urt_write(1) reach what the program opened there. */
#include "adv.h"

#include <fcntl.h>

static void task(void *arg)
{
	(void)arg;
	char buf[8] = { 0 };
	CHECK_EQ(urt_read(0, buf, sizeof buf, -1), 5); /* the pipe, not the ring */
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_EQ(urt_write(1, "world", 5, -1), 5);
	CHECK_EQ(urt_read(0, buf, sizeof buf, -1), 5);
	CHECK(memcmp(buf, "world", 5) == 0);
}

int main(void)
{
	adv_watchdog(20, "reading fd 0 with stdin closed at start");
	close(0);
	close(1);
	struct urt *rt;
	CHECK_EQ(urt_create(&rt, NULL), 0);
	CHECK(fcntl(0, F_GETFD) == -1 && errno == EBADF); /* still free */
	CHECK(fcntl(1, F_GETFD) == -1 && errno == EBADF);
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(p[0] == 0 && p[1] == 1);
	CHECK_EQ(write(1, "hello", 5), 5);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	return 0;
}
