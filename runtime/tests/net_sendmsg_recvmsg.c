/* urt_sendmsg/urt_recvmsg: a message gathered from two iovecs arrives scattered over three, with an fd passed alongside (SCM_RIGHTS); NULL msg is -EINVAL. */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <urt.h>

static int sv[2];

static void task(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_sendmsg(sv[0], NULL, 0), -EINVAL);
	CHECK_EQ(urt_recvmsg(sv[1], NULL, 0), -EINVAL);
	int p[2];
	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	char a[] = "hello, ", b[] = "world";
	struct iovec out[2] = { { a, 7 }, { b, 5 } };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cout, cin;
	memset(&cout, 0, sizeof cout);
	struct msghdr m = { 0 };
	m.msg_iov = out;
	m.msg_iovlen = 2;
	m.msg_control = cout.buf;
	m.msg_controllen = sizeof cout.buf;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	CHECK_EQ(urt_sendmsg(sv[0], &m, MSG_NOSIGNAL), 12);

	char x[3], y[4], z[16];
	struct iovec in[3] = { { x, 3 }, { y, 4 }, { z, sizeof z } };
	struct msghdr r = { 0 };
	r.msg_iov = in;
	r.msg_iovlen = 3;
	r.msg_control = cin.buf;
	r.msg_controllen = sizeof cin.buf;
	CHECK_EQ(urt_recvmsg(sv[1], &r, MSG_CMSG_CLOEXEC), 12);
	CHECK(!memcmp(x, "hel", 3) && !memcmp(y, "lo, ", 4) && !memcmp(z, "world", 5));
	struct cmsghdr *rc = CMSG_FIRSTHDR(&r);
	CHECK(rc && rc->cmsg_type == SCM_RIGHTS);
	int passed;
	memcpy(&passed, CMSG_DATA(rc), sizeof passed);
	/* the passed fd is the pipe's write end: what it writes, p[0] reads */
	CHECK_EQ(write(passed, "!", 1), 1);
	char one;
	CHECK_EQ(read(p[0], &one, 1), 1);
	CHECK_EQ(one, '!');
	close(passed), close(p[0]), close(p[1]);
}

int main(void)
{
	watchdog(20, "sendmsg/recvmsg");
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	close(sv[0]), close(sv[1]);
	return 0;
}
