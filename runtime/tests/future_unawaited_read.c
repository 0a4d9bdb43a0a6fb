/*
 * A read future nobody awaits: its buffer is the kernel's until urt_destroy,
 * and the program's again after it.  What the kernel read is there, and
 * under Valgrind memcheck has been told it is defined (urt_await is not
 * there to tell it; urt_destroy does).  Several futures, so that some
 * complete in a CQ pass while a task is blocked and some later.
 */
#include "check.h"
#include "watchdog.h"
#include <urt.h>
#include <stdlib.h>
#include <unistd.h>

#define NF 8
#define LEN 64

static int fd;
static unsigned char *bufs[NF];

static void task(void *arg)
{
	(void)arg;
	for (int i = 0; i < NF; i++) {
		struct urt_future *f;
		CHECK_EQ(urt_read_async(&f, fd, bufs[i], LEN, (off_t)i * LEN), 0);
		/* A blocking call between: the CQ pass takes the futures' CQEs
		 * while this task waits. */
		CHECK_EQ(urt_nop(), 0);
	}
}

int main(void)
{
	watchdog(30, "reading into futures nobody awaits");
	char path[] = "/tmp/urt-unawaitedXXXXXX";
	fd = mkstemp(path);
	CHECK(fd >= 0);
	unlink(path);
	unsigned char data[NF * LEN];
	for (int i = 0; i < NF * LEN; i++)
		data[i] = (unsigned char)(i * 13 + 1);
	CHECK_EQ(write(fd, data, sizeof data), (ssize_t)sizeof data);
	for (int i = 0; i < NF; i++)
		CHECK((bufs[i] = malloc(LEN)) != NULL); /* undefined to memcheck until the kernel's read is told */

	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	int same = 0;
	for (int i = 0; i < NF; i++)
		for (int j = 0; j < LEN; j++)
			if (bufs[i][j] == data[i * LEN + j]) /* a branch on what the kernel read */
				same++;
	fprintf(stderr, "%d of %d bytes as written\n", same, NF * LEN);
	CHECK_EQ(same, NF * LEN);
	for (int i = 0; i < NF; i++)
		free(bufs[i]);
	close(fd);
	return 0;
}
