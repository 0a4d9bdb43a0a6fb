/* What urt.h promises for O_NONBLOCK fds: a read on an empty O_NONBLOCK pipe or socket waits for data like a blocking one (no -EAGAIN reaches the task), and so does a write to a full O_NONBLOCK pipe. */
#define _GNU_SOURCE
#include "check.h"
#include <urt.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

static int p[2], s[2], full[2];
static int stage;

static void reader(void *arg)
{
	(void)arg;
	char buf[8];
	stage = 1;
	CHECK_EQ(urt_read(p[0], buf, sizeof buf, -1), 3); /* empty pipe: waits */
	stage = 2;
	CHECK_EQ(urt_recv(s[0], buf, sizeof buf, 0), 2);  /* empty socket: waits */
	stage = 3;
	CHECK_EQ(urt_read(s[0], buf, sizeof buf, -1), 2);
	/* A full pipe: the write waits until the other task drains it. */
	static char big[65536 * 2];
	ssize_t n = urt_write(full[1], big, 4096, -1);
	CHECK_EQ(n, 4096);
	stage = 4;
}

static void feeder(void *arg)
{
	(void)arg;
	/* Let the reader block in the kernel first. */
	for (int i = 0; i < 10; i++)
		urt_yield();
	CHECK_EQ(stage, 1);
	CHECK_EQ(write(p[1], "abc", 3), 3);
	/* Each write only once the reader is past the previous one, so the
	 * socket's two writes cannot arrive as one. */
	while (stage != 2)
		CHECK_EQ(urt_sleep(100000), 0);
	for (int i = 0; i < 10; i++)
		urt_yield();
	CHECK_EQ(write(s[1], "de", 2), 2);
	while (stage != 3)
		CHECK_EQ(urt_sleep(100000), 0);
	for (int i = 0; i < 10; i++)
		urt_yield();
	CHECK_EQ(write(s[1], "fg", 2), 2);
	/* Fill the pipe the reader writes to, then wait, then drain it. */
	static char chunk[4096];
	while (write(full[1], chunk, sizeof chunk) > 0)
		;
	CHECK_EQ(errno, EAGAIN);
	for (int i = 0; i < 10; i++)
		urt_yield();
	CHECK(stage != 4);
	while (read(full[0], chunk, sizeof chunk) > 0)
		;
	while (stage != 4)
		CHECK_EQ(urt_sleep(100000), 0);
}

int main(void)
{
	alarm(60);
	CHECK_EQ(pipe2(p, O_NONBLOCK), 0);
	CHECK_EQ(pipe2(full, O_NONBLOCK), 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s), 0);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, reader, NULL), 0);
	CHECK_EQ(urt_spawn(rt, feeder, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	return 0;
}
