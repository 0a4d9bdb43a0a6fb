/*
 * backends_net/epoll.c - the baseline everyone compares against: an
 * edge-triggered epoll loop over non-blocking sockets.  Each wake-up works
 * a connection until the kernel says EAGAIN (the edge-triggered contract):
 * send what is pending, then receive and reply, again.  A reply that does
 * not fit in the socket waits for EPOLLOUT and the connection reads
 * nothing more meanwhile (the same one-reply-at-a-time order every backend
 * keeps).  One epoll instance per server thread; --batch does not apply.
 */
#define _GNU_SOURCE
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct ep_conn {
	int fd;
	bool dead;
	const char *out;
	size_t out_left;
	struct net_conn_proto proto;
	char *buf;
};

/* Works c until EAGAIN; returns false when the connection has ended. */
static bool work(struct net_server *s, struct ep_conn *c)
{
	const struct net_job *job = s->job;
	for (;;) {
		while (c->out_left) {
			ssize_t m = send(c->fd, c->out, c->out_left, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (m < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return true; /* EPOLLOUT will say when */
				if (errno == EINTR)
					continue;
				if (!net_peer_gone(-errno))
					net_fail(s, -errno, "send");
				return false;
			}
			c->out += m;
			c->out_left -= (size_t)m;
		}
		ssize_t n = recv(c->fd, c->buf, job->bufsize, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			if (errno == EINTR)
				continue;
			if (!net_peer_gone(-errno))
				net_fail(s, -errno, "recv");
			return false;
		}
		if (n == 0)
			return false;
		c->out_left = net_reply(job, &c->proto, c->buf, (size_t)n, &c->out);
	}
}

static void serve(struct net_server *s)
{
	const struct net_job *job = s->job;
	struct ep_conn *conns = calloc(s->n_fds, sizeof(*conns));
	char *bufs = malloc(s->n_fds * job->bufsize);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	unsigned live = 0;
	if (!conns || !bufs) {
		net_fail(s, -ENOMEM, "buffers");
		goto out;
	}
	if (ep < 0) {
		net_fail(s, -errno, "epoll_create1");
		goto out;
	}
	for (unsigned i = 0; i < s->n_fds; i++) {
		struct ep_conn *c = &conns[i];
		*c = (struct ep_conn){ .fd = s->fds[i], .buf = bufs + i * job->bufsize };
		int fl = fcntl(c->fd, F_GETFL);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c };
		if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
			net_fail(s, -errno, "epoll setup");
			shutdown(c->fd, SHUT_RDWR);
			c->dead = true;
			continue;
		}
		live++;
	}
	enum { MAXEV = 256 };
	struct epoll_event evs[MAXEV];
	while (live) {
		int n = epoll_wait(ep, evs, MAXEV, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			net_fail(s, -errno, "epoll_wait");
			break;
		}
		for (int k = 0; k < n; k++) {
			struct ep_conn *c = evs[k].data.ptr;
			if (c->dead)
				continue;
			if (!work(s, c)) {
				/* Out of the set, so no further event names it. */
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				c->dead = true;
				live--;
			}
		}
	}
out:
	if (ep >= 0)
		close(ep);
	free(conns);
	free(bufs);
}

static const struct net_backend net_backend_epoll = {
	.name = "epoll",
	.rank = 45,
	.applies = NET_OPT_THREADS,
	.serve = serve,
};
NET_BACKEND(net_backend_epoll)
