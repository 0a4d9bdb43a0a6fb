/*
 * backends_net/urt_multishot.c - the runtime with the features that make
 * io_uring sockets cheap: one task per connection, each with a multishot
 * receive (urt_recv_multishot) that stays armed in the kernel and fills
 * buffers from a provided buffer ring shared by every connection of the
 * thread, so an idle connection pins no buffer and a busy one costs no
 * receive submission per message.  The reply is sent from the buffer the
 * data arrived in, which then goes back to the ring.  --batch is the
 * runtime's submit_batch.  One runtime and one ring per server thread.
 */
#define _GNU_SOURCE
#include "net.h"
#include "urt.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

struct ms_task {
	struct net_server *s;
	struct urt_bufring *br;
	int fd;
};

static void conn_loop(void *arg)
{
	struct ms_task *t = arg;
	const struct net_job *job = t->s->job;
	struct net_conn_proto proto = { 0 };
	struct urt_receiver *rcv;
	int ret = urt_recv_multishot(&rcv, t->fd, t->br, 0);
	if (ret < 0) {
		net_fail(t->s, ret, "urt_recv_multishot");
		shutdown(t->fd, SHUT_RDWR);
		return;
	}
	for (;;) {
		void *buf;
		ssize_t n = urt_receiver_next(rcv, &buf);
		if (n <= 0) {
			if (!net_peer_gone(n))
				net_fail(t->s, (int)n, "urt_receiver_next");
			break;
		}
		const char *out;
		size_t len = net_reply(job, &proto, buf, (size_t)n, &out);
		ssize_t m = 0;
		while (len) {
			m = urt_send(t->fd, out, len, MSG_NOSIGNAL);
			if (m < 0)
				break;
			out += m;
			len -= (size_t)m;
		}
		urt_buf_release(t->br, buf);
		if (m < 0) {
			if (!net_peer_gone(m))
				net_fail(t->s, (int)m, "urt_send");
			break;
		}
	}
	urt_receiver_close(rcv);
}

static void serve(struct net_server *s)
{
	struct urt *rt = NULL;
	struct urt_bufring *br = NULL;
	/* A ring as large as the connections (the CQ is twice that): every
	 * connection can have an operation in flight without the CQ
	 * overflowing, which ends multishot receives. */
	unsigned entries = 256;
	while (entries < s->n_fds && entries < 32768)
		entries *= 2;
	struct urt_config cfg = { .entries = entries, .submit_batch = s->job->batch, .stack_size = 64 * 1024 };
	struct ms_task *tasks = calloc(s->n_fds, sizeof(*tasks));
	/* Two buffers per connection (one being answered, one filling), at
	 * most 64 MiB in all: past that, connections share the ring and a
	 * receive that finds it empty waits for a buffer to come back. */
	unsigned nbufs = 16;
	while (nbufs < 2 * s->n_fds && nbufs < 32768 && (size_t)nbufs * 2 * s->job->bufsize <= (64u << 20))
		nbufs *= 2;
	int ret = -ENOMEM;
	if (!tasks) {
		net_fail(s, ret, "buffers");
		goto out;
	}
	if ((ret = urt_create(&rt, &cfg)) < 0) {
		net_fail(s, ret, "urt_create");
		goto out;
	}
	if ((ret = urt_bufring_create(&br, rt, nbufs, s->job->bufsize)) < 0) {
		net_fail(s, ret, "urt_bufring_create");
		for (unsigned k = 0; k < s->n_fds; k++)
			shutdown(s->fds[k], SHUT_RDWR);
		goto out;
	}
	for (unsigned i = 0; i < s->n_fds; i++) {
		tasks[i] = (struct ms_task){ .s = s, .br = br, .fd = s->fds[i] };
		if ((ret = urt_spawn(rt, conn_loop, &tasks[i])) < 0) {
			net_fail(s, ret, "urt_spawn");
			for (unsigned k = i; k < s->n_fds; k++)
				shutdown(s->fds[k], SHUT_RDWR);
			break;
		}
	}
	if ((ret = urt_run(rt)) < 0)
		net_fail(s, ret, "urt_run");
	if (br && (ret = urt_bufring_destroy(br)) < 0)
		net_fail(s, ret, "urt_bufring_destroy");
out:
	urt_destroy(rt);
	free(tasks);
}

static const struct net_backend net_backend_urt_multishot = {
	.name = "urt-multishot",
	.rank = 15,
	.applies = NET_OPT_BATCH | NET_OPT_THREADS,
	.serve = serve,
};
NET_BACKEND(net_backend_urt_multishot)
