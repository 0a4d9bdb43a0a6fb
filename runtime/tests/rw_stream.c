/* Pipes and a socketpair: odd write sizes give real short reads; read_full/write_all reassemble every byte. */
#include "check.h"
#include <urt.h>

#include <sys/socket.h>
#include <unistd.h>

#define TOTAL (3 * 1024 * 1024 + 17)

struct stream {
	int rfd, wfd;
	unsigned char *src, *dst;
	size_t short_reads;
};

static void writer(void *arg)
{
	struct stream *s = arg;
	size_t done = 0, step = 1;
	while (done < TOTAL) {
		size_t n = step % 65521 + 1; /* odd sizes, some larger than the pipe buffer */
		if (n > TOTAL - done)
			n = TOTAL - done;
		CHECK_EQ(urt_write_all(s->wfd, s->src + done, n, -1), n);
		done += n;
		step = step * 31 + 7;
	}
	check_close(s->wfd);
}

static void reader(void *arg)
{
	struct stream *s = arg;
	size_t done = 0;
	/* single reads first: they may be short, like read(2) */
	while (done < TOTAL / 2) {
		ssize_t r = urt_read(s->rfd, s->dst + done, 100000, -1);
		CHECK(r > 0);
		if (r < 100000)
			s->short_reads++;
		done += (size_t)r;
	}
	ssize_t r = urt_read_full(s->rfd, s->dst + done, TOTAL - done + 100, -1);
	CHECK_EQ(r, TOTAL - done); /* stops at EOF */
	CHECK(memcmp(s->src, s->dst, TOTAL) == 0);
	check_close(s->rfd);
}

static void run_pair(int rfd, int wfd, const char *what)
{
	struct stream s = { rfd, wfd, malloc(TOTAL), calloc(1, TOTAL + 100), 0 };
	for (size_t i = 0; i < TOTAL; i++)
		s.src[i] = (unsigned char)(i ^ (i >> 8) ^ (i >> 16));
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	int fds[2] = { rfd, wfd };
	CHECK_EQ(check_maybe_register(rt, fds, 2), 0);
	CHECK_EQ(urt_spawn(rt, reader, &s), 0);
	CHECK_EQ(urt_spawn(rt, writer, &s), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	printf("%s: %d bytes intact, %zu short reads\n", what, TOTAL, s.short_reads);
	CHECK(s.short_reads > 0); /* the test is about short reads: they must have happened */
	free(s.src);
	free(s.dst);
}

static int sv[2];

static void sock_echo_server(void *arg)
{
	(void)arg;
	char buf[4096];
	for (;;) {
		ssize_t n = urt_recv(sv[1], buf, sizeof buf, 0);
		CHECK(n >= 0);
		if (n == 0)
			break;
		CHECK_EQ(urt_send(sv[1], buf, (size_t)n, 0), n);
	}
	check_close(sv[1]);
}

static void sock_echo_client(void *arg)
{
	(void)arg;
	char out[1000], in[1000];
	for (int round = 0; round < 200; round++) {
		size_t n = (size_t)(round * 37 % 999) + 1;
		for (size_t i = 0; i < n; i++)
			out[i] = (char)(round + i);
		CHECK_EQ(urt_write_all(sv[0], out, n, -1), n);
		CHECK_EQ(urt_read_full(sv[0], in, n, -1), n);
		CHECK(memcmp(out, in, n) == 0);
	}
	shutdown(sv[0], SHUT_WR);
	CHECK_EQ(urt_read(sv[0], in, 1, -1), 0);
	check_close(sv[0]);
}

int main(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	run_pair(p[0], p[1], "pipe");
	int s[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
	run_pair(s[0], s[1], "socketpair");

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(check_maybe_register(rt, sv, 2), 0);
	CHECK_EQ(urt_spawn(rt, sock_echo_server, NULL), 0);
	CHECK_EQ(urt_spawn(rt, sock_echo_client, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	return 0;
}
