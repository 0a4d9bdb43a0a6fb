/*
 * backends_net/urt.c - the runtime used the natural way: one task per
 * connection, urt_recv then urt_send until the reply is out, again.
 * --batch is the runtime's submit_batch (0: submit when no task is
 * runnable).  One runtime per server thread.
 */
#define _GNU_SOURCE
#include "net.h"
#include "urt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

struct conn_task {
	struct net_server *s;
	int fd;
	char *buf;
};

static void conn_loop(void *arg)
{
	struct conn_task *t = arg;
	const struct net_job *job = t->s->job;
	struct net_conn_proto proto = { 0 };
	for (;;) {
		ssize_t n = urt_recv(t->fd, t->buf, job->bufsize, 0);
		if (n <= 0) {
			if (!net_peer_gone(n))
				net_fail(t->s, (int)n, "urt_recv");
			return;
		}
		const char *out;
		size_t len = net_reply(job, &proto, t->buf, (size_t)n, &out);
		while (len) {
			ssize_t m = urt_send(t->fd, out, len, MSG_NOSIGNAL);
			if (m < 0) {
				if (!net_peer_gone(m))
					net_fail(t->s, (int)m, "urt_send");
				return;
			}
			out += m;
			len -= (size_t)m;
		}
	}
}

static void serve(struct net_server *s)
{
	struct urt *rt = NULL;
	/* A ring as large as the connections (the CQ is twice that): every
	 * connection can have an operation in flight without the CQ
	 * overflowing, which ends multishot receives. */
	unsigned entries = 256;
	while (entries < s->n_fds && entries < 32768)
		entries *= 2;
	struct urt_config cfg = { .entries = entries, .submit_batch = s->job->batch, .stack_size = 64 * 1024 };
	struct conn_task *tasks = calloc(s->n_fds, sizeof(*tasks));
	char *bufs = malloc(s->n_fds * s->job->bufsize);
	int ret = -ENOMEM;
	if (!tasks || !bufs) {
		net_fail(s, ret, "buffers");
		goto out;
	}
	if ((ret = urt_create(&rt, &cfg)) < 0) {
		net_fail(s, ret, "urt_create");
		goto out;
	}
	for (unsigned i = 0; i < s->n_fds; i++) {
		tasks[i] = (struct conn_task){ .s = s, .fd = s->fds[i], .buf = bufs + i * s->job->bufsize };
		if ((ret = urt_spawn(rt, conn_loop, &tasks[i])) < 0) {
			net_fail(s, ret, "urt_spawn");
			/* Connections without a task would never answer: end
			 * them so the client stops at once; the tasks already
			 * spawned end when their clients close. */
			for (unsigned k = i; k < s->n_fds; k++)
				shutdown(s->fds[k], SHUT_RDWR);
			break;
		}
	}
	if ((ret = urt_run(rt)) < 0)
		net_fail(s, ret, "urt_run");
out:
	urt_destroy(rt);
	free(tasks);
	free(bufs);
}

static const struct net_backend net_backend_urt = {
	.name = "urt",
	.rank = 10,
	.applies = NET_OPT_BATCH | NET_OPT_THREADS,
	.serve = serve,
};
NET_BACKEND(net_backend_urt)
