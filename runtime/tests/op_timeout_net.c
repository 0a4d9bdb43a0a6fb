/* urt_set_op_timeout on the calls that can wait for ever (argv[1]: recv, accept, connect, read_pipe, recv_buf, recv_buf_wait): each returns -ETIMEDOUT, and only after both completions (the operation's and its link timeout's, or the buffer wait's timer) are in. */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include "net_util.h"
#include "internal.h"
#include <fcntl.h>
#include <urt.h>

static const char *mode;
static struct urt *rt;

/* The call returned: nothing of it may still be in the kernel (its record
 * lives on this task's stack). */
static void check_both_in(void)
{
	CHECK_EQ(urt__inflight(rt), 0);
}

static void task(void *arg)
{
	(void)arg;
	char buf[64];
	CHECK_EQ(urt_set_op_timeout(30 * 1000 * 1000), 0);
	if (!strcmp(mode, "recv")) {
		int sv[2];
		net_pair(sv);
		CHECK_EQ(urt_recv(sv[0], buf, sizeof buf, 0), -ETIMEDOUT);
		check_both_in();
		/* still usable: data sent now arrives */
		CHECK_EQ(write(sv[1], "x", 1), 1);
		CHECK_EQ(urt_recv(sv[0], buf, sizeof buf, 0), 1);
		close(sv[0]), close(sv[1]);
	} else if (!strcmp(mode, "accept")) {
		struct sockaddr_in a;
		int l = net_listen(&a, 4);
		CHECK_EQ(urt_accept(l, NULL, NULL, 0), -ETIMEDOUT);
		check_both_in();
		int c = net_connect(&a);
		int s = urt_accept(l, NULL, NULL, SOCK_CLOEXEC);
		CHECK(s >= 0);
		close(s), close(c), close(l);
	} else if (!strcmp(mode, "connect")) {
		/* A listener whose accept queue is full drops SYNs: a connect
		 * to it waits (SYN retransmits) until something ends it. */
		struct sockaddr_in a;
		int l = net_listen(&a, 0);
		int fill[8], nfill = 0;
		for (; nfill < 8; nfill++) {
			fill[nfill] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			(void)connect(fill[nfill], (struct sockaddr *)&a, sizeof a);
		}
		usleep(50 * 1000); /* let the handshakes that can complete do so */
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int r = urt_connect(c, (struct sockaddr *)&a, sizeof a);
		if (r == 0)
			SKIP("a connect to a full accept queue completed here: nothing to time out");
		CHECK_EQ(r, -ETIMEDOUT);
		check_both_in();
		close(c);
		for (int i = 0; i < nfill; i++)
			close(fill[i]);
		close(l);
	} else if (!strcmp(mode, "read_pipe")) {
		int p[2];
		CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
		CHECK_EQ(urt_read(p[0], buf, sizeof buf, -1), -ETIMEDOUT);
		check_both_in();
		CHECK_EQ(urt_read_full(p[0], buf, sizeof buf, -1), -ETIMEDOUT);
		check_both_in();
		close(p[0]), close(p[1]);
	} else if (!strcmp(mode, "recv_buf")) {
		int sv[2];
		net_pair(sv);
		struct urt_bufring *br;
		int r = urt_bufring_create(&br, rt, 4, 64);
		if (r == -EINVAL || r == -EOPNOTSUPP)
			SKIP("no provided buffer rings in this kernel");
		CHECK_EQ(r, 0);
		void *p = (void *)1;
		CHECK_EQ(urt_recv_buf(sv[0], br, &p, 0), -ETIMEDOUT);
		CHECK(p == NULL);
		check_both_in();
		CHECK_EQ(urt_bufring_destroy(br), 0); /* no buffer was kept */
		close(sv[0]), close(sv[1]);
	} else if (!strcmp(mode, "recv_buf_wait")) {
		/* every buffer out: the wait for one is timed too */
		int sv[2];
		net_pair(sv);
		struct urt_bufring *br;
		int r = urt_bufring_create(&br, rt, 1, 64);
		if (r == -EINVAL || r == -EOPNOTSUPP)
			SKIP("no provided buffer rings in this kernel");
		CHECK_EQ(r, 0);
		void *held, *p = (void *)1;
		CHECK_EQ(write(sv[1], "ab", 2), 2);
		CHECK_EQ(urt_recv_buf(sv[0], br, &held, 0), 2);
		CHECK_EQ(write(sv[1], "cd", 2), 2); /* data is there, a buffer is not */
		CHECK_EQ(urt_recv_buf(sv[0], br, &p, 0), -ETIMEDOUT);
		CHECK(p == NULL);
		check_both_in();
		CHECK_EQ(urt_buf_release(br, held), 0);
		CHECK_EQ(urt_recv_buf(sv[0], br, &p, 0), 2);
		CHECK(!memcmp(p, "cd", 2));
		CHECK_EQ(urt_buf_release(br, p), 0);
		CHECK_EQ(urt_bufring_destroy(br), 0);
		close(sv[0]), close(sv[1]);
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s recv|accept|connect|read_pipe|recv_buf|recv_buf_wait\n", argv[0]);
		return 2;
	}
	mode = argv[1];
	watchdog(30, mode);
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	return 0;
}
