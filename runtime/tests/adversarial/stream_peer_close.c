/* Streams whose peer goes away: blocked reads end with EOF, writes with -EPIPE, write_all returns the error (never a count) with *done what the peer took; pipes, socketpairs, TCP. */
#include "adv.h"

#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

static int a, b; /* a: the runtime's end, b: the peer's */

static void *close_later(void *arg)
{
	usleep(50 * 1000); /* the runtime's read is in the kernel by now */
	close(*(int *)arg);
	return NULL;
}

/* peer sends 10 bytes then closes: read_full(100) gets 10, then 0 */
static void *send_then_close(void *arg)
{
	(void)arg;
	usleep(20 * 1000);
	CHECK_EQ(write(b, "0123456789", 10), 10);
	usleep(20 * 1000);
	close(b);
	return NULL;
}

/* peer reads 1 MiB then closes */
static void *read_some_then_close(void *arg)
{
	(void)arg;
	static char buf[65536];
	size_t got = 0;
	while (got < (1u << 20)) {
		ssize_t r = read(b, buf, sizeof buf);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(b);
	return NULL;
}

static int kind; /* 0 pipe, 1 socketpair, 2 tcp */

static void pair(int *x, int *y)
{
	int sv[2];
	if (kind == 0) {
		CHECK(pipe(sv) == 0); /* x reads, y writes */
		*x = sv[0], *y = sv[1];
	} else if (kind == 1) {
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
		*x = sv[0], *y = sv[1];
	} else {
		int l = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t sl = sizeof sa;
		CHECK(l >= 0 && bind(l, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(l, 1) == 0);
		CHECK(getsockname(l, (struct sockaddr *)&sa, &sl) == 0);
		*y = socket(AF_INET, SOCK_STREAM, 0);
		CHECK(*y >= 0 && connect(*y, (struct sockaddr *)&sa, sizeof sa) == 0);
		*x = accept(l, NULL, NULL);
		CHECK(*x >= 0);
		close(l);
	}
}

static void task(void *arg)
{
	(void)arg;
	static const char *names[] = { "pipe", "socketpair", "tcp" };
	char buf[128];
	pthread_t th;
	adv_what = names[kind];

	/* 1: a read blocked in the kernel ends with EOF when the peer closes */
	pair(&a, &b);
	CHECK_EQ(pthread_create(&th, NULL, close_later, &b), 0);
	CHECK_EQ(kind ? urt_recv(a, buf, sizeof buf, 0) : urt_read(a, buf, sizeof buf, -1), 0);
	pthread_join(th, NULL);
	CHECK_EQ(urt_read(a, buf, sizeof buf, -1), 0); /* and stays at EOF */
	close(a);

	/* 2: read_full stops at EOF with what came */
	pair(&a, &b);
	CHECK_EQ(pthread_create(&th, NULL, send_then_close, NULL), 0);
	CHECK_EQ(urt_read_full(a, buf, 100, -1), 10);
	CHECK(memcmp(buf, "0123456789", 10) == 0);
	pthread_join(th, NULL);
	close(a);

	/* 3: writing to a stream whose reader is gone: -EPIPE (SIGPIPE ignored) */
	pair(&b, &a); /* now a writes */
	close(b);
	if (kind == 2) {
		/* TCP: the first write may still be accepted; the peer answers with a reset */
		ssize_t r = urt_write(a, "x", 1, -1);
		CHECK(r == 1 || r == -EPIPE || r == -ECONNRESET);
		usleep(20 * 1000);
		r = urt_write(a, "x", 1, -1);
		CHECK(r == -EPIPE || r == -ECONNRESET);
	}
	CHECK_EQ(urt_write(a, "x", 1, -1), -EPIPE);
	CHECK_EQ(urt_write_all(a, "xyz", 3, -1), -EPIPE);
	if (kind)
		CHECK_EQ(urt_send(a, "x", 1, MSG_NOSIGNAL), -EPIPE);
	close(a);

	/* 4: write_all of 8 MiB to a peer that takes 1 MiB and closes: an
	 * error or a count of what was taken, never 8 MiB, never a hang */
	pair(&b, &a);
	size_t len = 8u << 20;
	char *big = malloc(len);
	CHECK(big);
	memset(big, 'w', len);
	CHECK_EQ(pthread_create(&th, NULL, read_some_then_close, NULL), 0);
	size_t done = 0;
	ssize_t r = urt_write_all_n(a, big, len, -1, &done);
	pthread_join(th, NULL);
	CHECK(r == -EPIPE || r == -ECONNRESET); /* the error, never a count */
	CHECK(done >= (1u << 20) && done < len); /* the peer took at least its 1 MiB */
	free(big);
	close(a);
}

int main(void)
{
	adv_watchdog(30, "stream_peer_close");
	signal(SIGPIPE, SIG_IGN);
	for (kind = 0; kind < 3; kind++)
		CHECK_EQ(adv_run1(task, NULL), 0);
	return 0;
}
