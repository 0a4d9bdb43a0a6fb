/*
 * backends_net/raw.c - a bare liburing event loop, no runtime: the io_uring
 * limit for this protocol.  One recv or one send in flight per connection;
 * a completion preps the connection's next operation in place.  --batch:
 * submit as soon as that many SQEs are queued; 0 = once per loop, together
 * with the wait (io_uring_submit_and_wait).
 */
#define _GNU_SOURCE
#include "net.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <sys/socket.h>

struct raw_conn {
	int fd;
	bool sending;
	const char *out;
	size_t out_left;
	struct net_conn_proto proto;
	char *buf;
};

struct raw_loop {
	struct io_uring ring;
	struct net_server *s;
	unsigned queued;
};

static struct io_uring_sqe *get_sqe(struct raw_loop *l)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);
	if (!sqe) {
		io_uring_submit(&l->ring);
		l->queued = 0;
		sqe = io_uring_get_sqe(&l->ring);
	}
	return sqe;
}

static int queue_next(struct raw_loop *l, struct raw_conn *c)
{
	struct io_uring_sqe *sqe = get_sqe(l);
	if (!sqe)
		return -EBUSY;
	if (c->out_left) {
		io_uring_prep_send(sqe, c->fd, c->out, c->out_left, MSG_NOSIGNAL);
		c->sending = true;
	} else {
		io_uring_prep_recv(sqe, c->fd, c->buf, l->s->job->bufsize, 0);
		c->sending = false;
	}
	/* liburing 2.6+ leaves fields from the SQE's last use: set them all. */
	sqe->flags = 0;
	io_uring_sqe_set_data(sqe, c);
	if (++l->queued >= l->s->job->batch && l->s->job->batch) {
		io_uring_submit(&l->ring);
		l->queued = 0;
	}
	return 0;
}

static void serve(struct net_server *s)
{
	struct raw_loop l = { .s = s };
	const struct net_job *job = s->job;
	unsigned entries = 64;
	while (entries < s->n_fds && entries < 32768)
		entries *= 2;
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE, .cq_entries = 2 * entries };
	struct raw_conn *conns = calloc(s->n_fds, sizeof(*conns));
	char *bufs = malloc(s->n_fds * job->bufsize);
	if (!conns || !bufs) {
		net_fail(s, -ENOMEM, "buffers");
		goto out_free;
	}
	int ret = io_uring_queue_init_params(entries, &l.ring, &p);
	if (ret < 0) {
		net_fail(s, ret, "io_uring_queue_init");
		goto out_free;
	}
	unsigned live = 0;
	for (unsigned i = 0; i < s->n_fds; i++) {
		conns[i] = (struct raw_conn){ .fd = s->fds[i], .buf = bufs + i * job->bufsize };
		if ((ret = queue_next(&l, &conns[i])) < 0) {
			net_fail(s, ret, "io_uring_get_sqe");
			shutdown(s->fds[i], SHUT_RDWR);
			continue;
		}
		live++;
	}
	while (live) {
		ret = io_uring_submit_and_wait(&l.ring, 1);
		l.queued = 0;
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
			net_fail(s, ret, "io_uring_submit_and_wait");
			break;
		}
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&l.ring, head, cqe)
		{
			seen++;
			struct raw_conn *c = io_uring_cqe_get_data(cqe);
			int res = cqe->res;
			if (res <= 0) {
				if (!net_peer_gone(res))
					net_fail(s, res, c->sending ? "send" : "recv");
				live--;
				continue;
			}
			if (c->sending) {
				c->out += res;
				c->out_left -= (size_t)res;
			} else {
				c->out_left = net_reply(job, &c->proto, c->buf, (size_t)res, &c->out);
			}
			if ((ret = queue_next(&l, c)) < 0) {
				net_fail(s, ret, "io_uring_get_sqe");
				shutdown(c->fd, SHUT_RDWR);
				live--;
			}
		}
		io_uring_cq_advance(&l.ring, seen);
	}
	io_uring_queue_exit(&l.ring);
out_free:
	free(conns);
	free(bufs);
}

static const struct net_backend net_backend_raw = {
	.name = "raw",
	.rank = 30,
	.applies = NET_OPT_BATCH | NET_OPT_THREADS,
	.serve = serve,
};
NET_BACKEND(net_backend_raw)
